"""Range artifacts: one family over a range of d (certificates.all_d / verify_all_d)."""

import copy
import json
from fractions import Fraction

import numpy as np
import pytest

from certificates import verifier
from certificates.all_d import certify_range, parse_linear_partition, parse_range
from certificates.verify_all_d import loss_lower_bound, verify_range
from landscape.errors import InputError
from landscape.fixed_points import Family, assemble
from landscape.loss import hessian, loss


@pytest.fixture(scope="module")
def type_a():
    return certify_range("d-1,1", 6, 8)


@pytest.fixture(scope="module")
def type_a_inf():
    return certify_range("d-1,1", 6, None, finite_tail=7, prove_tail=False)


def reseal(art):
    art["digest"] = verifier.digest(art)
    return art


def test_parse_range_and_partition():
    assert parse_range("6..inf") == (6, None)
    assert parse_range("6..5000") == (6, 5000)
    assert parse_range("10000") == (10000, 10000)
    for bad in ("x", "6..5", "1..4", "6...9", "-3"):
        with pytest.raises(InputError):
            parse_range(bad)
    assert parse_linear_partition("d-2,2") == [[1, -2], [0, 2]]
    for bad in ("d,d", "3,1", "d-1,2", "", "d-1,x"):
        with pytest.raises(InputError):
            parse_linear_partition(bad)


def test_type_a_range_verifies(type_a):
    assert type_a["verdict"] == "minimum"
    assert type_a["proved"] == {"lo": 6, "hi": 8, "verdict": "minimum"}
    ok, verdict, reason = verifier.verify_certificate(json.loads(json.dumps(type_a)))
    assert ok and verdict == "minimum", reason


def test_d6_loss_is_the_published_value(type_a):
    """Safran & Shamir (2018): the type-A minimum at k = d = 6 has loss ~ 0.02508;
    the box's loss enclosure contains it, and the dense loss of the assembled W agrees."""
    cert = type_a["finite"][0]
    L = loss_lower_bound(cert)
    assert abs(float(L.mid()) - 0.02508) < 5e-5
    W = assemble(Family((5, 1)), [float(Fraction(v)) for v in cert["existence"]["center"]])
    assert abs(loss(W) - float(L.mid())) < 1e-12


def test_infinite_range_is_inconclusive(type_a_inf):
    art = type_a_inf
    assert art["verdict"] == "inconclusive"
    assert art["proved"] == {"lo": 6, "hi": 7, "verdict": "minimum"}
    assert "d > 7" in art["reason"]
    ok, verdict, reason = verify_range(art)
    assert ok and verdict == "inconclusive" and "6..7" in reason


def test_upgraded_verdict_rejected(type_a_inf):
    art = reseal(dict(copy.deepcopy(type_a_inf), verdict="minimum"))
    ok, _, reason = verify_range(art)
    assert not ok and "only" in reason


def test_range_widened_past_the_certificates_rejected(type_a):
    art = copy.deepcopy(type_a)
    art["range"]["hi"] = 9
    ok, _, reason = verify_range(reseal(art))
    assert not ok
    art = copy.deepcopy(type_a)
    art["proved"]["hi"] = 9
    ok, _, reason = verify_range(reseal(art))
    assert not ok


def test_tail_claim_rejected(type_a):
    art = copy.deepcopy(type_a)
    art["range"]["hi"] = None
    art["tail"] = {"method": "krawczyk-s", "s_interval": ["0", "1/81"]}
    ok, _, reason = verify_range(reseal(art))
    assert not ok and "tail" in reason


def test_edited_family_certificate_rejected(type_a):
    art = copy.deepcopy(type_a)
    cert = art["finite"][1]
    cert["existence"]["center"][0] = str(Fraction(cert["existence"]["center"][0]) + Fraction(1, 10**6))
    cert["digest"] = verifier.digest(cert)
    ok, _, reason = verify_range(reseal(art))
    assert not ok and "d = 7" in reason


def test_missing_or_swapped_dimension_rejected(type_a):
    art = copy.deepcopy(type_a)
    art["finite"][1], art["finite"][2] = art["finite"][2], art["finite"][1]
    ok, _, reason = verify_range(reseal(art))
    assert not ok
    art = copy.deepcopy(type_a)
    del art["finite"][1]
    ok, _, _ = verify_range(reseal(art))
    assert not ok


def test_digest_checked(type_a):
    art = copy.deepcopy(type_a)
    art["reason"] = "edited"
    ok, _, reason = verify_range(art)
    assert not ok and "digest" in reason


def test_saddle_range_d3_to_5():
    """Type A below d = 6 is a saddle (Safran & Shamir find spurious minima only from k = 6):
    a range certificate with verdict saddle, checked against a dense eigensolver at d = 5."""
    art = certify_range("d-1,1", 4, 5)
    assert art["verdict"] == "saddle"
    ok, verdict, _ = verify_range(art)
    assert ok and verdict == "saddle"
    cert = art["finite"][-1]
    W = assemble(Family((4, 1)), [float(Fraction(v)) for v in cert["existence"]["center"]])
    assert np.linalg.eigvalsh(hessian(W))[0] < 0


def test_split_saddle_range_against_dense_hessian():
    """Type A with its bad neuron split (k = d + 1): the certified quotient matches q^T H q / q^T q of
    the dense Hessian (landscape.loss.hessian) at the split point, q = (delta, -delta)."""
    from certificates.all_d import certify_split_range

    art = certify_split_range(6, 7)
    assert art["verdict"] == "saddle"
    ok, verdict, reason = verify_range(art)
    assert ok and verdict == "saddle", reason
    cert, row = art["finite"][0], art["split"][0]
    d = 6
    W = assemble(Family((5, 1)), [float(Fraction(v)) for v in cert["existence"]["center"]])
    Ws = np.vstack([W, W[-1:] / 2])
    Ws[d - 1] /= 2
    H = hessian(Ws)
    q = np.zeros((d + 1) * d)
    a1, a2 = 3, 4  # the distinguished columns of the big block (fine family (3, 1, 1, 1))
    for r, sgn in ((d - 1, 1), (d, -1)):
        q[r * d + a1], q[r * d + a2] = sgn, -sgn
    dense = q @ H @ q / (q @ q)
    assert abs(dense - row["estimate"]) < 1e-9
    assert row["upper_bound"] < 0
    # an edited bound, re-sealed, is rejected
    bad = copy.deepcopy(art)
    bad["split"][1]["upper_bound"] = -1.0
    ok, _, reason = verify_range(reseal(bad))
    assert not ok and "split upper_bound" in reason


def test_verify_all_d_trust_base():
    """verify_all_d imports the standard library, python-flint, numpy (float preconditioners only)
    and the verifier at module level; the tail check adds sympy, landscape.regular_family and
    landscape.regular_hessian (the exact rewritings it rebuilds, spot-checked against the verifier's
    own reduced gradient and Hessian jets) -- nothing else (no producer module: certificates.tail,
    certificates.all_d, landscape.fixed_points)."""
    import ast
    import inspect

    from certificates import verify_all_d

    tree = ast.parse(inspect.getsource(verify_all_d))
    mods = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    mods |= {(n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert mods <= {"__future__", "fractions", "flint", "numpy", "sympy", "", "verifier",
                    "landscape.regular_family", "landscape.regular_hessian"}, mods
