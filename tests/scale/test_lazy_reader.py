"""Lazy exact conversion of points read from binary floats (issue 12, item 1).

A float ``.npy`` point keeps its float64 array and builds the exact W only on
first access.  Oracles: the exact matrix built here directly with
``fractions.Fraction`` (each binary float is a dyadic rational), and a Point
built eagerly from those Fractions, certified by the same engine.
"""

import json
from fractions import Fraction

import numpy as np
import pytest

from certificates.artifact import certify_point
from certificates.examples import type_a_point
from certificates.existence import teacher_match
from certificates.verdict import family_precheck
from landscape.errors import InputError
from landscape.io import Point, read_point


def _fractions(M):
    """The independent oracle: ``Fraction(x)`` of every entry, as an object array."""
    M = np.asarray(M)
    out = np.empty(M.shape, dtype=object)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            out[i, j] = Fraction(float(M[i, j]))
    return out


def _awkward_floats(rng, k, d):
    """Floats whose exact values are long dyadic rationals, a subnormal, a huge
    entry, a negative zero and 0.1 (not 1/10 as a float)."""
    W = rng.normal(size=(k, d)) * 10.0 ** rng.integers(-30, 30, size=(k, d))
    W[0, 0], W[0, 1 % d] = 0.1, 5e-324
    if k > 1:
        W[1, 0] = -0.0
        W[1, -1] = 1.7e308
    return W


def test_npy_point_is_lazy_and_exact(tmp_path):
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        W = _awkward_floats(rng, 4, 3)
        if dtype is np.float32:  # float32 has no 5e-324 and no 1.7e308
            W[0, 1], W[1, -1] = 3.0, -2.5
        W = W.astype(dtype)
        f = tmp_path / f"w_{np.dtype(dtype).name}.npy"
        np.save(f, W)
        p = read_point(f)
        assert not p.exact_W_built
        assert np.array_equal(p.as_float()[0], W.astype(np.float64)) and not p.exact_W_built
        oracle = _fractions(W)
        assert p.W.dtype == object and p.exact_W_built
        assert all(type(x) is Fraction for x in p.W.ravel())
        assert (p.W == oracle).all()
        assert (p.V == _fractions(np.eye(3))).all()


def test_lazy_float_W_matches_the_eager_reader():
    rng = np.random.default_rng(1)
    W = _awkward_floats(rng, 5, 4)
    lazy, eager = Point.from_arrays(W), Point.from_arrays(_fractions(W))
    assert lazy.exact_float("W") is not None and eager.exact_float("W") is None
    assert np.array_equal(lazy.float_W(), eager.float_W())
    assert lazy.float_safe() == eager.float_safe()
    assert (lazy.W == eager.W).all() and (lazy.V == eager.V).all()
    # a float view is a copy: mutating it leaves the point alone
    lazy.float_W()[0, 0] = 42.0
    assert lazy.float_W()[0, 0] == W[0, 0]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_text_points_stay_exact_decimals(tmp_path, suffix):
    """CSV cells and JSON numbers are decimal text: read exactly, as before
    (0.1 is 1/10, not the binary float), never through float64."""
    rng = np.random.default_rng(2)
    W = rng.normal(size=(3, 4))
    texts = [[repr(float(x)) for x in row] for row in W]
    texts[0][0] = "0.1"
    f = tmp_path / ("p" + suffix)
    if suffix == ".csv":
        f.write_text("\n".join(",".join(r) for r in texts) + "\n")
    else:
        f.write_text('{"W": [' + ", ".join("[" + ", ".join(r) + "]" for r in texts) + "]}")
    p = read_point(f)
    oracle = np.array([[Fraction(t) for t in r] for r in texts], dtype=object)
    assert (p.W == oracle).all() and p.W[0, 0] == Fraction(1, 10)
    # where the decimal is the float's shortest repr, float conversion agrees entry by entry
    assert np.array_equal(p.as_float()[0][1:], W[1:])


def test_json_float_values_equal_fraction_of_each_float(tmp_path):
    """A JSON point written from floats with 17 significant digits: exact W is
    the decimal, which for those digits is not the float; the float view is the float."""
    W = np.array([[0.1, 0.2], [1.0 / 3, -2.5]])
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"W": W.tolist()}))
    p = read_point(f)
    assert (p.W == np.array([[Fraction(repr(x)) for x in r] for r in W.tolist()], dtype=object)).all()
    assert np.array_equal(p.as_float()[0], W)


def test_hostile_float_arrays_keep_their_messages(tmp_path):
    cases = [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "W[0][1] is nan, not a finite number"),
        (np.array([[1.0, 2.0], [np.inf, 3.0]]), "W[1][0] is inf, not a finite number"),
        (np.array([[1.0, 2.0], [0.0, -0.0]]), "W row 1 is zero: the loss is not differentiable at a zero neuron"),
        (np.zeros((2, 0)), "W has empty rows"),
    ]
    for i, (W, msg) in enumerate(cases):
        f = tmp_path / f"bad{i}.npy"
        np.save(f, W)
        with pytest.raises(InputError) as exc:
            read_point(f)
        assert msg in str(exc.value)
        # the same message as the eager reader (nested lists of Python floats)
        with pytest.raises(InputError) as exc2:
            Point.from_arrays(W.tolist() if W.size else [[]] * W.shape[0])
        assert str(exc2.value) == str(exc.value)
    with pytest.raises(InputError, match="V has 3 columns but W has 2"):
        Point.from_arrays(np.ones((2, 2)), V=np.eye(3))


def _strip(cert):
    cert = dict(cert)
    for key in ("versions", "digest", "timing", "seconds"):
        cert.pop(key, None)
    return cert


def test_family_certificate_never_builds_exact_W():
    d = 50
    W = type_a_point(d)
    lazy = Point.from_arrays(W)
    eager = Point.from_arrays(_fractions(W))
    assert family_precheck(lazy) is not None and not lazy.exact_W_built
    assert not teacher_match(lazy) and not lazy.exact_W_built
    res_l, cert_l = certify_point(lazy)
    assert not lazy.exact_W_built and lazy._V is None  # neither d×d exact matrix was built
    res_e, cert_e = certify_point(eager)
    assert res_l.verdict == res_e.verdict
    assert cert_l["verdict"] == "minimum"
    assert _strip(cert_l) == _strip(cert_e)


def test_teacher_match_on_lazy_points():
    """Equal floats are equal rationals: the float path of teacher_match agrees
    with the exact one (a permuted teacher, and one entry off by one ulp)."""
    rng = np.random.default_rng(4)
    V = rng.normal(size=(4, 4))
    W = V[[2, 0, 3, 1]]
    assert teacher_match(Point.from_arrays(W, V)) and teacher_match(Point.from_arrays(_fractions(W), _fractions(V)))
    W2 = W.copy()
    W2[1, 2] = np.nextafter(W2[1, 2], np.inf)
    assert not teacher_match(Point.from_arrays(W2, V))
    assert not teacher_match(Point.from_arrays(_fractions(W2), _fractions(V)))


def test_lazy_isotropy_command_matches_exact(tmp_path, capsys):
    """`isotropy` on a lazy point (equal-float classes) gives the group of the exact point."""
    from certificates.cli import main
    from symmetry.isotropy import isotropy

    W = type_a_point(12)
    f = tmp_path / "a.npy"
    np.save(f, W)
    assert main(["isotropy", "--W", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    H = isotropy(_fractions(W))
    assert out["order"] == H.order and out["name"] == H.name and out["fix_dim"] == H.fix_dim
    assert out["comparison"] == "exact"


# --- decimal text (.csv, .json): validated and rounded at once, exact Fractions lazily ---

_TEXTS = ["0.1", "-0", "+.5", "5.", "1E3", "-3.25e-05", "0.000", "123456789012345678901234567890.5",
          "1.234567890123456789012345678901234567890", "-7e-300", "2.5e+300", "0e5"]


def _eager(texts):
    """The independent oracle: ``Fraction(text)`` of every stripped entry."""
    return np.array([[Fraction(t.strip()) for t in r] for r in texts], dtype=object)


def test_text_point_is_lazy_and_exact():
    texts = [_TEXTS[:4], _TEXTS[4:8], _TEXTS[8:]]
    texts[1][2] = " 7.5 "  # blanks around a CSV cell are stripped, as the exact reader does
    p = Point.from_arrays(texts)
    assert not p.exact_W_built and p.exact_float("W") is None  # rounded floats are not the entries
    oracle = _eager(texts)
    F = p.float_W()
    assert not p.exact_W_built
    # floats: float(Fraction(text)) entry by entry (correctly rounded either way)
    assert F.tolist() == [[float(q) for q in r] for r in oracle.tolist()]
    assert (p.W == oracle).all() and all(type(q) is Fraction for q in p.W.ravel())
    assert p.float_safe() == Point.from_arrays(oracle).float_safe()


@pytest.mark.parametrize("entry", ["1/3", "1e-400", "-2e-400", "1e400", "nan", "inf", "1_0", "0x10", "1e",
                                   "1" * 4001, "1.5e99999", "", "1.2.3", "--1", "e5"])
def test_text_entries_outside_the_fast_path_get_the_exact_readers_answer(entry):
    """Anything the fast path does not own (rationals, values beyond float64's
    range, malformed or oversized text) is left to the exact reader: the same
    value, or the same one-line error, as before."""
    texts = [["1.5", entry], ["0.25", "-2"]]
    try:
        expected = Point.from_arrays(_eager_or_error(texts))
    except InputError as exc:
        with pytest.raises(InputError) as got:
            Point.from_arrays(texts)
        assert str(got.value) == str(exc)
        return
    p = Point.from_arrays(texts)
    assert (p.W == expected.W).all()


def _eager_or_error(texts):
    from landscape.io import _matrix
    return _matrix(texts, "W")


def test_text_zero_rows_and_underflow_are_told_apart():
    with pytest.raises(InputError, match="W row 1 is zero"):
        Point.from_arrays([["1", "2"], ["0.0", "-0e3"]])
    p = Point.from_arrays([["1", "2"], ["0.0", "1e-400"]])  # not a zero row: exact 10^-400
    assert p.W[1, 1] == Fraction(1, 10**400)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_family_certificate_of_a_text_point_never_builds_the_exact_W(tmp_path, suffix):
    """A type-A point written as decimal text: certify takes the family path
    without the d x d Fractions, and the certificate is the one the eager
    (exact) point gets."""
    W = np.asarray(type_a_point(12), dtype=float)
    texts = [[repr(x) for x in row] for row in W.tolist()]
    f = tmp_path / ("a" + suffix)
    if suffix == ".csv":
        f.write_text("\n".join(",".join(r) for r in texts) + "\n")
    else:
        f.write_text('{"W": [' + ", ".join("[" + ", ".join(r) + "]" for r in texts) + "]}")
    lazy = read_point(f)
    assert family_precheck(lazy) is not None and not teacher_match(lazy)
    res, cert = certify_point(lazy)
    assert not lazy.exact_W_built
    res_e, cert_e = certify_point(Point.from_arrays(_eager(texts)))
    assert cert["verdict"] == res.verdict.value == res_e.verdict.value == "minimum"
    assert _strip(cert) == _strip(cert_e)


def test_teacher_match_of_text_points():
    I3 = [["1", "0", "0"], ["0", "1.0", "0"], ["0", "0", "1e0"]]
    assert teacher_match(Point.from_arrays([I3[2], I3[0], I3[1]]))
    assert not teacher_match(Point.from_arrays([["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1.0000000000000000000001"]]))


def test_json_nesting_scan_matches_a_character_scanner():
    """The regular-expression nesting guard against the obvious per-character
    scanner, on random texts over the characters that matter."""
    from landscape.io import _json_depth_ok

    def reference(text, limit):
        depth, in_string, escape = 0, False, False
        for ch in text:
            if in_string:
                if escape:
                    escape = False
                elif ch == "\\":
                    escape = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
                if depth > limit:
                    return False
            elif ch in "]}":
                depth -= 1
        return True

    rng = np.random.default_rng(3)
    alphabet = list('[]{}"\\a1,\n')
    for _ in range(20000):
        t = "".join(rng.choice(alphabet, size=int(rng.integers(0, 25))).tolist())
        for limit in (0, 1, 2, 3):
            assert _json_depth_ok(t, limit) == reference(t, limit), (t, limit)


def test_exact_colours_rank_the_exact_values():
    """Colours of a text, a float and an exact point against pairwise
    comparisons of the Fractions (the oracle): equal iff equal, ordered by value."""
    rng = np.random.default_rng(4)
    vals = ["0.1", "0.10", "-2", "1e-1", "3", "0.3", "0", "-0.0", "2.5e0", ".3", "0.30000000000000000001"]
    texts = [[vals[i] for i in rng.integers(0, len(vals), size=7)] for _ in range(6)]
    floats = np.array([[float(t) for t in r] for r in texts])
    for p, exact in ((Point.from_arrays(texts), _eager(texts)),
                     (Point.from_arrays(floats), _fractions(floats)),
                     (Point.from_arrays(_eager(texts)), _eager(texts))):
        C, E = p.exact_colours().ravel(), exact.ravel()
        for a in range(E.size):
            for b in range(E.size):
                assert (C[a] == C[b]) == (E[a] == E[b]) and (C[a] < C[b]) == (E[a] < E[b])


def test_isotropy_command_on_a_text_point_is_the_exact_group(tmp_path):
    """`isotropy --W a.csv` (exact colours from the text) against the group of
    the exact Fractions; two decimals that round to the same float stay apart."""
    from symmetry.isotropy import isotropy

    from certificates.cli import main

    W = np.asarray(type_a_point(7), dtype=float)
    texts = [[repr(x) for x in row] for row in W.tolist()]
    texts[0][1] = texts[0][1] + "00000000000000000001"  # same float, different decimal: breaks a symmetry
    f = tmp_path / "a.csv"
    f.write_text("\n".join(",".join(r) for r in texts) + "\n")
    import contextlib
    import io as _io
    buf = _io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["isotropy", "--W", str(f), "--json"]) == 0
    got = json.loads(buf.getvalue())
    ref = isotropy(_eager(texts))
    assert (got["order"], got["name"], got["fix_dim"]) == (ref.order, ref.name, ref.fix_dim)
    assert ref.order < isotropy(W).order  # the text really differs from its floats
