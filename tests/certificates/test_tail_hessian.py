"""The Hessian in the tail (landscape.regular_hessian, certificates.tail.prove_tail_hessian,
verify_all_d.check_tail_hessian): the regular rewriting against the closed-form Hessian, the limit
against the closed form at large d, a proof that can fail, and tampered artifacts rejected."""

import copy
import json

import mpmath
import numpy as np
import pytest

from certificates import verifier
from certificates.all_d import certify_range
from certificates.symmetric import refine_params
from certificates.tail import _limit_start, prove_tail, prove_tail_hessian, solve_beta
from certificates.verify_all_d import verify_range
from landscape.backends import mp_context
from landscape.fixed_points import Family, reduced_hessian
from landscape.regular_family import mp_ops, two_block_system
from landscape.regular_hessian import coarse_to_fine, fine_hessian_system

D = 4000  # a short tail (14 pieces) keeps the test fast; docs/theorems/ has the d >= 200 artifact


@pytest.fixture(scope="module")
def hart():
    return json.loads(json.dumps(certify_range("d-1,1", D, None, finite_tail=D)))


def reseal(a):
    a["digest"] = verifier.digest(a)
    return a


def _rejected(a, word=None):
    ok, _, reason = verify_range(reseal(a))
    assert not ok, reason
    if word:
        assert word in reason, reason


def _branch(p, d):
    sysm = two_block_system(p)
    s = mpmath.mpf(d) ** -0.5
    return sysm, s, [mpmath.mpf(x) for x in solve_beta(sysm, s, _limit_start(sysm))]


@pytest.mark.parametrize("d,shift", [(40, 0), (2000, 0), (300, "0.1")])
def test_regular_hessian_is_the_closed_form_hessian(d, shift):
    """s^v F~ = ∇²_θ L_red of the fine family (d−3, 1, 1, 1), computed by landscape.fixed_points'
    closed-form Hessian in 40-digit mpmath -- on the branch and off it (the rewriting is an identity
    in β, not only at critical points)."""
    with mpmath.workdps(40):
        hs = fine_hessian_system(1)
        sysm, s, beta = _branch(1, d)
        beta = [b + mpmath.mpf(shift) for b in beta]
        theta = sysm.params_at(s, beta)
        ref = reduced_hessian(Family((d - 3, 1, 1, 1)), refine_params((d - 1, 1), theta), mp_context(40))
        H = hs.hessian(s, coarse_to_fine(1, hs.keys, sysm.keys, beta), mp_ops(mpmath.mp))
        for a in range(len(hs.keys)):
            for b in range(len(hs.keys)):
                assert abs(H[a][b] - ref[a, b]) <= mpmath.mpf("1e-30") * (1 + abs(ref[a, b])), (a, b)


def test_limit_matrix_is_the_large_d_closed_form():
    """M(0, β*) (exact limit entries at the limit root) against T H T with H the closed-form Hessian
    at d = 10^6: the spectra agree to O(s) = 1e-3, and the smallest eigenvalue is positive."""
    hs = fine_hessian_system(1)
    sysm = two_block_system(1)
    b0 = solve_beta(sysm, 0, _limit_start(sysm))
    M0 = np.array(hs.limit_matrix().subs(dict(zip(hs.betas, coarse_to_fine(1, hs.keys, sysm.keys, b0)))).evalf(),
                  dtype=float)
    d = 10 ** 6
    with mpmath.workdps(30):
        _, s, beta = _branch(1, d)
        theta = sysm.params_at(s, beta)
        H = reduced_hessian(Family((d - 3, 1, 1, 1)), refine_params((d - 1, 1), theta), mp_context(30))
        T = [s ** t for t in hs.congruence]
        M = np.array([[float(T[a] * H[a, b] * T[b]) for b in range(17)] for a in range(17)])
    e0, e = np.linalg.eigvalsh(M0), np.linalg.eigvalsh(M)
    assert np.max(np.abs(e0 - e)) < 1e-3
    assert e0[0] > 0.016


def test_tail_hessian_can_fail():
    """A box far wider than the Krawczyk radius: the enclosure of M is too wide, nothing is claimed."""
    rec = prove_tail(1, 10 ** 6, pieces=1)
    assert prove_tail_hessian(1, rec)["proved"]
    bad = copy.deepcopy(rec)
    bad["pieces"][0]["radius"] = ["1/2"] * len(bad["pieces"][0]["radius"])
    out = prove_tail_hessian(1, bad)
    assert not out["proved"] and ("not proved positive definite" in out["reason"] or "sign" in out["reason"])
    out = prove_tail_hessian(1, dict(rec, existence=False))
    assert not out["proved"] and "existence" in out["reason"]


def test_all_d_minimum_proved_and_verified(hart):
    assert hart["verdict"] == "minimum"
    assert hart["all_d_statement"].startswith(f"For every d >= {D}") and "strict local minimum" in hart["all_d_statement"]
    ok, verdict, reason = verify_range(hart)
    assert ok and verdict == "minimum", reason
    assert "Hessian verified" in reason


def test_tampered_hessian_part_rejected(hart):
    a = copy.deepcopy(hart)
    del a["tail"]["hessian"]  # the minimum claimed with an existence-only tail
    _rejected(a)
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["congruence"][0] = 1
    _rejected(a, "congruence")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["pieces"][2]["lower_bound"] = 0.5
    _rejected(a, "lower bound")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["proved"] = False
    _rejected(a)
    a = copy.deepcopy(hart)
    a["all_d_statement"] = a["all_d_statement"].replace(f"d >= {D}", "d >= 2")
    _rejected(a, "all_d_statement")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["pieces"] = a["tail"]["hessian"]["pieces"][:-1]
    _rejected(a, "pieces")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["note"] = "extra"
    _rejected(a, "unknown keys")
    # audit2's cosmetic findings: an overstated bound, a false estimate, an unchecked key, a negative
    # time, an unbounded amount of work -- each re-sealed, each rejected
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["pieces"][1]["lower_bound"] *= 1.45
    _rejected(a, "stronger")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["pieces"][1]["estimate"] = -1.0
    _rejected(a, "estimate")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["pieces"][1]["note"] = "lambda_min < 0 here"
    _rejected(a, "exactly the keys")
    a = copy.deepcopy(hart)
    a["tail"]["hessian"]["seconds"] = -5
    _rejected(a, "seconds")
    a = copy.deepcopy(hart)
    for pr in a["tail"]["hessian"]["pieces"]:
        pr["subpieces"] = 1000
    _rejected(a, "at most")


@pytest.mark.parametrize("d", [30, 120])
def test_split_quotient_is_the_dense_rayleigh_quotient(d):
    """s^v F~ of the regular split quotient = q^T H q / q^T q of the dense Hessian of the k = d + 1
    loss (landscape.loss.hessian) at the type-A point with its bad neuron split, q = (δ, −δ)."""
    from landscape.loss import hessian
    from landscape.regular_hessian import split_quotient_system

    sq = split_quotient_system()
    sysm, s, beta = _branch(1, d)
    with mpmath.workdps(30):
        F = sq.evaluate(s, coarse_to_fine(1, sq.keys, sysm.keys, beta), mp_ops(mpmath.mp))[0]
        R = float(F * s ** sq.valuations[0])
    from landscape.fixed_points import assemble

    W = assemble(Family((d - 1, 1)), [float(x) for x in sysm.params_at(s, beta)])
    Ws = np.vstack([W, W[-1:] / 2])
    Ws[d - 1] /= 2
    H = hessian(Ws)
    q = np.zeros((d + 1) * d)
    for r, sgn in ((d - 1, 1), (d, -1)):
        q[r * d + 0], q[r * d + 1] = sgn, -sgn  # two columns of the big block
    assert abs(q @ H @ q / (q @ q) - R) < 1e-9
    assert sq.valuations == [1] and R < 0


def test_split_saddle_for_every_d_verified_and_tampers_rejected():
    from certificates.all_d import certify_split_range

    art = json.loads(json.dumps(certify_split_range(D, None, finite_tail=D)))
    assert art["verdict"] == "saddle" and art["statement"].startswith(f"For every d >= {D}")
    ok, verdict, reason = verify_range(art)
    assert ok and verdict == "saddle" and "split verified" in reason, reason
    a = copy.deepcopy(art)
    a["tail"]["split"]["pieces"][1]["upper_bound_F"] = -5.0
    _rejected(a, "split upper bound")
    a = copy.deepcopy(art)
    del a["tail"]["split"]
    _rejected(a, "split")
    a = copy.deepcopy(art)
    a["statement"] = a["statement"].replace(f"d >= {D}", "d >= 6")
    _rejected(a, "statement")
    a = copy.deepcopy(art)
    a["tail"]["split"]["valuation"] = 0
    _rejected(a, "valuation")
    a = copy.deepcopy(art)
    a["tail"]["split"]["pieces"][0]["subpieces"] = 0
    _rejected(a, "sub-pieces")
    a = copy.deepcopy(art)
    a["tail"]["split"]["pieces"][2]["upper_bound_R"] = -1.0
    _rejected(a, "stronger")


def test_parallel_reduction_gives_the_same_system():
    """The entries reduced in two forked workers (atoms merged in worker order) give the same
    valuations, identities and values as the serial reduction (coarse type-A family, 15 entries)."""
    from landscape.regular_family import DEFAULT_SCALINGS
    from landscape.regular_hessian import build_hessian

    one = build_hessian((1,), DEFAULT_SCALINGS[1], workers=1)
    two = build_hessian((1,), DEFAULT_SCALINGS[1], workers=2)
    assert one.valuations == two.valuations and one.identities == two.identities
    assert one.congruence == two.congruence
    sysm, s, beta = _branch(1, 700)
    with mpmath.workdps(30):
        a, b = (h.matrix(s, beta, mp_ops(mpmath.mp)) for h in (one, two))
    assert max(abs(a[i][j] - b[i][j]) for i in range(5) for j in range(5)) == 0


def test_symmetry_renaming_equals_direct_reduction():
    """Entries obtained by renaming a representative under the swap of two singleton blocks
    (Δ(S_{d−2}×S_1×S_1), both singletons from the big block) equal the directly reduced ones:
    same valuations and identities, same values at a point without the swap symmetry."""
    from landscape.regular_family import DEFAULT_SCALINGS
    from landscape.regular_hessian import build_hessian

    keys = Family((998, 1, 1)).param_keys
    base = DEFAULT_SCALINGS[1]
    scal = {k: (base[("A", 0)] if k[0] == "A" else base[("B", 0, 0)]) for k in keys}
    sym = build_hessian((1, 1), scal, parents=[0, 0, 0])
    plain = build_hessian((1, 1), scal)
    assert sym.valuations == plain.valuations and sym.identities == plain.identities
    with mpmath.workdps(30):
        s = mpmath.mpf(400) ** -0.5
        beta = [1 + mpmath.mpf(j) / 7 for j in range(len(keys))]
        a, b = (h.hessian(s, beta, mp_ops(mpmath.mp)) for h in (sym, plain))
    n = len(keys)
    assert max(abs(a[i][j] - b[i][j]) / (1 + abs(b[i][j])) for i in range(n) for j in range(n)) < mpmath.mpf("1e-25")


def test_eigenvalue_limits_against_the_closed_form_spectrum():
    """The exact limits (Schur complement of M(0, β*), large block of M(0, β*)) against the
    spectrum of the closed-form compression D^(-1/2) H D^(-1/2) at d = 10^6 (landscape.fixed_points,
    orbit sizes from Family): 12 bounded eigenvalues -> (π−2)/(4π) x6, 1/4 x3, (π+2)/(4π) x3, and
    5 eigenvalues ~ μ d with μ = 1/(2π), 1/4 x4; the errors are O(d^(-1/2))."""
    from landscape.regular_hessian import eigenvalue_limits

    lim = eigenvalue_limits(1)
    bounded = [float(r) for r, m in lim["bounded"] for _ in range(m)]
    linear = [float(r) for r, m in lim["linear"] for _ in range(m)]
    assert len(bounded) == 12 and len(linear) == 5
    d = 10 ** 6
    with mpmath.workdps(30):
        sysm, s, beta = _branch(1, d)
        fam = Family((d - 3, 1, 1, 1))
        H = reduced_hessian(fam, refine_params((d - 1, 1), sysm.params_at(s, beta)), mp_context(30))
        sz = fam.orbit_sizes
        C = np.array([[float(H[a, b] / mpmath.sqrt(sz[a] * sz[b])) for b in range(17)] for a in range(17)])
    ev = np.linalg.eigvalsh(C)
    assert np.max(np.abs(ev[:12] - np.array(bounded))) < 5e-3
    assert np.max(np.abs(ev[12:] / d - np.array(linear))) < 5e-3
    assert abs(float(lim["bounded"][0][0]) - (0.25 - 1 / (2 * np.pi))) < 1e-15


def test_verifier_compiled_values_equal_its_jet_evaluation():
    """verify_all_d.tail_values (compiled straight-line program) and tail_eval (jets) give
    overlapping balls for every Hessian entry on a box, and the value at a point agrees with the
    producer's evaluator."""
    import flint
    import sympy

    from certificates.verify_all_d import tail_eval, tail_values

    hs = fine_hessian_system(1)
    sysm, s, beta = _branch(1, 900)
    fb = coarse_to_fine(1, hs.keys, sysm.keys, [flint.arb(mpmath.nstr(b, 30), "1e-12") for b in beta])
    env = {sympy.Symbol("s", positive=True): flint.arb(mpmath.nstr(s, 30)), **dict(zip(hs.betas, fb))}
    rs = hs.regular_system()
    fast = tail_values(rs, env)
    jets = tail_eval(rs, env, {k: [] for k in env})
    assert all(a.overlaps(b.v) for a, b in zip(fast, jets))
    with mpmath.workdps(30):
        ref = rs.evaluate(s, coarse_to_fine(1, hs.keys, sysm.keys, beta), mp_ops(mpmath.mp))
    assert all(a.overlaps(flint.arb(mpmath.nstr(r, 25), "1e-15")) for a, r in zip(fast, ref))


def test_failed_hessian_part_leaves_the_range_inconclusive(monkeypatch):
    """When the tail's Hessian part is not proved, the range verdict is inconclusive with the
    existence-only reason, no Hessian record or all-d statement is written, and verify agrees."""
    import certificates.tail as tail

    monkeypatch.setattr(tail, "prove_tail_hessian",
                        lambda p, rec, prec=192: {"proved": False, "reason": "forced failure (test)"})
    art = json.loads(json.dumps(certify_range("d-1,1", D, None, finite_tail=D)))
    assert art["verdict"] == "inconclusive" and "Hessian not" in art["reason"]
    assert "hessian" not in art["tail"] and art["all_d_statement"] is None
    ok, verdict, reason = verify_range(art)
    assert ok and verdict == "inconclusive", reason
