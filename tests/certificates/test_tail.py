"""The tail d >= D of type A (certificates.tail, verify_all_d.check_tail): proof, independent
cross-checks, and tampered artifacts rejected after re-sealing."""

import copy
import json
from fractions import Fraction

import flint
import mpmath
import pytest

from certificates import verifier
from certificates.all_d import certify_range
from certificates.tail import _even_enclosure, _increasing_enclosure
from certificates.verify_all_d import verify_range
from landscape.regular_family import two_block_system

D = 200


@pytest.fixture(scope="module")
def art():
    return json.loads(json.dumps(certify_range("d-1,1", D, None, finite_tail=D, prove_tail_hessian=False)))


def reseal(a):
    a["digest"] = verifier.digest(a)
    return a


def box_at(piece, sysm, s):
    """The tail box X(s) at a point s of the piece (floats, for cross-checks)."""
    lo, hi = Fraction(piece["s_lo"]), Fraction(piece["s_hi"])
    sm = float((lo + hi) / 2)
    out = []
    for c, k, r in zip(piece["center"], piece["slope"], piece["radius"]):
        mid = float(Fraction(c)) + float(Fraction(k)) * (s - sm)
        out.append((mid - float(Fraction(r)), mid + float(Fraction(r))))
    return out


def test_tail_proved_and_verified(art):
    assert art["verdict"] == "inconclusive"
    assert "tail: existence proved, Hessian not" in art["reason"]
    assert art["tail"]["existence"] and art["existence_statement"].startswith("For every d >= 200")
    ok, verdict, reason = verify_range(art)
    assert ok and verdict == "inconclusive", reason
    assert "tail verified" in reason and "Hessian beyond" in reason


def test_tail_box_contains_the_family_certificate_at_D(art):
    """Two engines, one point: the finite part's Krawczyk centre at d = D (certificates.symmetric,
    unscaled parameters) lies in the tail box at s = D^(-1/2)."""
    sysm = two_block_system(1)
    s = D ** -0.5
    theta = [float(Fraction(v)) for v in art["finite"][-1]["existence"]["center"]]
    beta = sysm.betas_from_params(s, theta)
    piece = next(p for p in art["tail"]["pieces"] if Fraction(p["s_lo"]) <= Fraction(s) <= Fraction(p["s_hi"]))
    for b, (lo, hi) in zip(beta, box_at(piece, sysm, s)):
        assert lo <= b <= hi


def test_tail_box_contains_newton_solution_at_d_1e4(art):
    """landscape.asymptotics' Newton solution of the plain reduced equations at d = 10^4."""
    from landscape.asymptotics import _start, family_solution

    sysm = two_block_system(1)
    d = 10 ** 4
    x = family_solution(1, d, _start(1, d), digits=30)
    s = d ** -0.5
    beta = sysm.betas_from_params(mpmath.mpf(s), x)
    piece = next(p for p in art["tail"]["pieces"] if Fraction(p["s_lo"]) <= Fraction(s) <= Fraction(p["s_hi"]))
    for b, (lo, hi) in zip(beta, box_at(piece, sysm, s)):
        assert lo <= float(b) <= hi


def test_asinc_enclosures_contain_the_function():
    """Ball enclosures of asinc, asinc2 and asinc' over balls contain mpmath's values (50 digits,
    closed forms asin(t)/t, its difference quotient and numerical derivative) at points of the ball."""
    flint.ctx.prec = 128
    with mpmath.workdps(50):
        for mid, rad in (("0", "0.1"), ("0.2", "0.05"), ("-0.3", "0.01"), ("0.01", "0")):
            x = flint.arb(mid, rad)
            for t in (mpmath.mpf(mid) - mpmath.mpf(rad), mpmath.mpf(mid), mpmath.mpf(mid) + mpmath.mpf(rad)):
                f = (lambda y: mpmath.asin(y) / y if y else mpmath.mpf(1))
                vals = [f(t), (f(t) - 1) / t ** 2 if t else mpmath.mpf(1) / 6, mpmath.diff(f, t)]
                encl = [_even_enclosure(x, 0), _even_enclosure(x, 1), _increasing_enclosure(x, 0)]
                for v, e in zip(vals, encl):
                    assert e.overlaps(flint.arb(mpmath.nstr(v, 40), "1e-35")), (mid, rad, t, v, e)


def _rejected(a, word=None):
    ok, _, reason = verify_range(reseal(a))
    assert not ok, reason
    if word:
        assert word in reason, reason
    return reason


def test_widened_s_interval_rejected(art):
    a = copy.deepcopy(art)
    a["tail"]["s_interval"][1] = "1/4"
    a["tail"]["pieces"][-1]["s_hi"] = "1/4"
    _rejected(a)
    a = copy.deepcopy(art)
    a["tail"]["D"] = 100  # claims d >= 100 with the same s-interval
    _rejected(a)
    a = copy.deepcopy(art)  # s-interval short of D^(-1/2): d = 200..224 not covered
    a["tail"]["s_interval"][1] = "1/15"
    a["tail"]["pieces"][-1]["s_hi"] = "1/15"
    _rejected(a, "does not cover")


def test_edited_bounds_rejected(art):
    a = copy.deepcopy(art)
    a["tail"]["pieces"][3]["negative_entry"]["upper_bound"] = -2.0
    _rejected(a, "upper bound")
    a = copy.deepcopy(art)
    a["tail"]["pieces"][0]["contraction"] = 0.01
    _rejected(a, "contraction")
    a = copy.deepcopy(art)
    a["tail"]["pieces"][2]["radius"] = [str(Fraction(r) / 1000) for r in a["tail"]["pieces"][2]["radius"]]
    _rejected(a, "Krawczyk")


def test_altered_coefficients_rejected(art):
    a = copy.deepcopy(art)
    c = a["tail"]["pieces"][1]["center"]
    c[3] = str(Fraction(c[3]) + Fraction(1, 100))
    _rejected(a)
    a = copy.deepcopy(art)
    a["tail"]["limit_solution"][0] = "2.6"
    _rejected(a, "limit solution")
    a = copy.deepcopy(art)
    a["tail"]["identities"][0] = a["tail"]["identities"][0].replace("s^2", "s^3")
    _rejected(a, "rebuilt system")
    a = copy.deepcopy(art)
    a["tail"]["pieces"][0]["slope"][1] = "50"
    _rejected(a)


def test_upgraded_verdict_rejected(art):
    a = copy.deepcopy(art)
    a["verdict"] = "minimum"
    _rejected(a, "inconclusive")


def test_two_bad_tail_contains_newton_solution():
    """Δ(S_{d−2}×S_2) for every d >= 10^6 (one piece): proved, spurious through B22 < 0, and the box
    at d = 10^6 contains landscape.asymptotics' Newton solution of the plain reduced equations."""
    from landscape.asymptotics import _start, family_solution

    from certificates.tail import prove_tail

    rec = prove_tail(2, 10 ** 6, pieces=1)
    assert rec["existence"] and rec["negative_entry"]["param"] == "B22"
    sysm = two_block_system(2)
    d = 10 ** 6
    x = family_solution(2, d, _start(2, d), digits=30)
    s = mpmath.mpf(d) ** -0.5
    beta = sysm.betas_from_params(s, x)
    for b, (lo, hi) in zip(beta, box_at(rec["pieces"][0], sysm, float(s))):
        assert lo <= float(b) <= hi


def test_edited_claims_rejected(art):
    """The human-readable claims are rebuilt by the verifier from what it
    checked (audit, helper 'audit'): a statement kept after its tail is removed,
    an edited statement, reason or partition text, an added key -- each
    re-sealed -- is rejected."""
    a = copy.deepcopy(art)
    a["tail"] = None  # the existence statement without its proof
    _rejected(a, "existence_statement")
    a = copy.deepcopy(art)
    a["existence_statement"] = a["existence_statement"].replace("critical point", "strict local minimum")
    _rejected(a, "existence_statement")
    a = copy.deepcopy(art)
    a["statement"] = a["statement"].replace(f"<= d <= {D}", "<= d")
    _rejected(a, "statement")
    a = copy.deepcopy(art)
    a["reason"] = "minimum proved for every d >= 200"
    _rejected(a, "reason")
    a = copy.deepcopy(art)
    a["tail"]["reason"] = "Krawczyk proved a strict minimum for every d"
    _rejected(a, "reason")
    a = copy.deepcopy(art)
    a["partition"] = "d-2,2"
    _rejected(a, "partition")
    a = copy.deepcopy(art)
    a["tail"]["hessian"] = True  # a Hessian claim without its record and statement
    _rejected(a, "all_d_statement")
    a = copy.deepcopy(art)
    a["all_d_minimum"] = True
    _rejected(a, "unknown keys")
