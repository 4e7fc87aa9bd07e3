"""The compiled population objective (landscape.gd_kernel) against independent oracles.

Oracles: mpmath's arccos at 50 digits (for the branch-free fdlibm arccos);
the numpy reference objective (array passes, numpy.arccos and BLAS Gram
products -- a different evaluation of the same closed form), at random points,
at I_d, within 1e-9 of I_d and at Safran & Shamir's type-A minimum (found by
root finding in Fix(Δ(S_5×S_1)), loss 0.02508, ICML 2018 Example 1); the
single-point all-Kahan closed form of ``landscape.loss``; central finite
differences of the kernel's own loss; per-run evaluation (bitwise batch
independence); and GD endpoints of the reference engine.
"""

import math

import mpmath
import numpy as np
import pytest

from landscape.critical_points import find_critical_points
from landscape.dynamics import ZeroRowError, population_objective, train
from landscape.errors import InputError
from landscape.fixed_points import assemble
from landscape.gd_kernel import acos, loss_and_gradient
from landscape.loss import loss_and_gradient as single_point

RNG = np.random.default_rng(8)


@pytest.fixture(scope="module")
def type_a():
    pts = find_critical_points((5, 1), starts=40, seed=0)
    spurious = [p for p in pts if not p.is_global and p.index == 0]
    return np.asarray(assemble(spurious[0].family, spurious[0].params), dtype=float)


def _both(W, *args):
    ref = population_objective(*args, engine="numpy")(W)
    new = population_objective(*args, engine="numba")(W)
    return ref, new


def _close(ref, new, rel=1e-13):
    """|new − ref| <= rel · max(1, |ref|) entrywise on the loss, and on the
    gradient relative to max(1, its largest entry) (the scale of its terms)."""
    (L0, G0), (L1, G1) = ref, new
    assert np.all(np.abs(L1 - L0) <= rel * np.maximum(1.0, np.abs(L0))), np.abs(L1 - L0).max()
    for r in range(G0.shape[0]):
        scale = max(1.0, np.abs(G0[r]).max())
        assert np.abs(G1[r] - G0[r]).max() <= rel * scale, np.abs(G1[r] - G0[r]).max()


def test_acos_against_mpmath():
    x = np.concatenate([np.linspace(-1.0, 1.0, 1001), RNG.uniform(-1, 1, 500),
                        [0.5, -0.5, np.nextafter(0.5, 1), np.nextafter(-0.5, -1), 1e-300, -1e-300, 0.0, -0.0,
                         1.0 - 2 ** -52, -1.0 + 2 ** -53, 0.9, -0.9]])
    got = np.array([acos(v) for v in x])
    mpmath.mp.dps = 50
    exact = np.array([float(mpmath.acos(mpmath.mpf(float(v)))) for v in x])
    ulps = np.abs(got - exact) / np.spacing(exact)
    assert ulps.max() <= 1.0
    assert np.abs(got - np.arccos(x)).max() <= 2 * np.spacing(np.pi)
    assert math.isnan(acos(1.0 + 2 ** -52)) and math.isnan(acos(-1.5))  # beyond [-1, 1]: NaN (then Kahan)


@pytest.mark.parametrize("k, d, n", [(1, 1, 1), (2, 1, 1), (3, 3, 3), (5, 4, 4), (4, 6, 2), (7, 3, 5),
                                     (9, 9, 9), (17, 13, 13), (20, 20, 20),
                                     # edges of the 4 x 8 tiles: k, d at and past multiples of 4 and 8
                                     (8, 8, 8), (12, 5, 7), (16, 17, 3), (25, 9, 11), (6, 31, 31), (33, 33, 33)])
def test_kernel_equals_reference_at_random_points(k, d, n):
    W = RNG.standard_normal((11, k, d)) * RNG.uniform(0.2, 3.0, (11, 1, 1))
    V = RNG.standard_normal((n, d))
    alpha = RNG.uniform(0.5, 1.5, k)
    beta = RNG.uniform(-1.0, 1.5, n)
    _close(*_both(W, V, alpha, beta))
    if n == d:
        _close(*_both(W))
        _close(*_both(W, np.eye(d)))  # a general V equal to I_d takes the identity path


def test_kernel_equals_reference_at_and_near_critical_points(type_a):
    d = 6
    c, s = math.cos(1e-9), math.sin(1e-9)
    R = np.eye(d)
    R[:2, :2] = [[c, -s], [s, c]]
    pts = [np.eye(d), R, np.eye(d) + 1e-7 * RNG.standard_normal((d, d)), np.eye(d)[RNG.permutation(d)],
           type_a, type_a + 1e-8 * RNG.standard_normal((d, d)),
           np.vstack([np.eye(d), np.eye(d)[:1]]) * np.r_[0.5, np.ones(d - 1), 0.5][:, None]]  # e_1 split, k = 7
    for W in pts:
        _close(*_both(W[None]))
        L, G = population_objective()(W[None])
        l, g = single_point(W)  # all-Kahan single-point closed form
        assert abs(L[0] - l) <= 1e-14
        assert np.abs(G[0] - g).max() <= 2e-15
    L, G = population_objective()(type_a[None])
    assert L[0] == pytest.approx(0.02508, abs=5e-6)  # Safran & Shamir, ICML 2018, Example 1
    assert np.abs(G).max() < 1e-13
    assert np.abs(population_objective()(np.eye(d)[None])[1]).max() <= 1e-16


def test_kernel_gradient_matches_finite_differences():
    W = RNG.standard_normal((3, 5, 4))
    V = RNG.standard_normal((6, 4))
    for args in ((V, RNG.uniform(0.5, 1.5, 5), RNG.uniform(-1, 1.5, 6)), (None, None, None)):
        if args[0] is None:
            W = RNG.standard_normal((3, 4, 4))
        obj = population_objective(*args)
        _, G = obj(W)
        h = 1e-6
        for idx in [(0, 0, 0), (1, 2, 3), (2, 3, 1), (0, 1, 2)]:
            E = np.zeros_like(W)
            E[idx] = h
            fd = (obj(W + E)[0] - obj(W - E)[0]) / (2 * h)
            assert fd[idx[0]] == pytest.approx(G[idx], abs=1e-8)


def test_runs_are_independent_of_their_batch():
    W = RNG.standard_normal((37, 9, 7))
    V = RNG.standard_normal((4, 7))
    for args in ((), (V,)):
        obj = population_objective(*args)
        L, G = obj(W)
        order = RNG.permutation(37)
        L2, G2 = obj(W[order])
        np.testing.assert_array_equal(L2, L[order])
        np.testing.assert_array_equal(G2, G[order])
        for r in (0, 8, 36):
            l1, g1 = obj(W[r:r + 1])
            assert l1[0] == L[r]
            np.testing.assert_array_equal(g1[0], G[r])
        assert obj(W, need_loss=False)[0] is None
        np.testing.assert_array_equal(obj.gradient(W), G)


def test_named_errors():
    W = RNG.standard_normal((3, 3, 3))
    W[2, 1] = 0.0
    with pytest.raises(ZeroRowError, match="run 2, row 1"):
        population_objective()(W)
    with pytest.raises(InputError, match="NaN"):
        population_objective()(np.full((1, 2, 2), np.nan))
    with pytest.raises(InputError, match="unknown engine"):
        population_objective(engine="fortran")
    with pytest.raises(InputError, match="unknown engine"):
        train(3, 3, 2, engine="fortran")


def test_convenience_call_matches_objective():
    W = RNG.standard_normal((4, 3, 3))
    L, G = loss_and_gradient(W)
    L0, G0 = population_objective()(W)
    np.testing.assert_array_equal(L, L0)
    np.testing.assert_array_equal(G, G0)


def test_gd_endpoints_agree_with_the_reference_engine():
    """The same seeded runs trained with either objective end at the same
    points (to round-off) in the same number of steps: same formula, same basin."""
    a = train(7, 7, 24, seed=11, engine="numpy")
    b = train(7, 7, 24, seed=11)
    assert a.converged.all() and b.converged.all()
    np.testing.assert_allclose(b.params, a.params, atol=1e-10)
    np.testing.assert_array_equal(b.steps, a.steps)


def test_pairwise_sum_is_numpys_order():
    from landscape.gd_kernel import _pairwise_sum

    for n in list(range(1, 140)) + [255, 256, 257, 400, 441, 1000, 4096 + 3]:
        x = RNG.standard_normal(n) ** 2 * 10.0 ** RNG.uniform(-20, 5)
        assert _pairwise_sum(x, n) == x.sum()  # bit for bit


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_gradient_and_norms_are_the_trainers_norms(engine):
    W = RNG.standard_normal((9, 20, 20))
    V = RNG.standard_normal((5, 20))
    for args in ((), (V,)):
        obj = population_objective(*args, engine=engine)
        G, gmax, gfro = obj.gradient_and_norms(W)
        np.testing.assert_array_equal(G, obj.gradient(W))
        flat = G.reshape(9, -1)
        np.testing.assert_array_equal(gmax, np.abs(flat).max(axis=1))
        np.testing.assert_array_equal(gfro, np.sqrt((flat * flat).sum(axis=1)))


def test_norms_propagate_nan_and_inf():
    from landscape.gd_kernel import _norms

    G = np.ones((3, 4))
    G[1, 2] = np.nan
    m, f = _norms(G, np.empty(12))
    assert math.isnan(m) and math.isnan(f)
    G[1, 2] = 1e300
    m, f = _norms(G, np.empty(12))
    assert m == 1e300 and f == math.inf


def test_tiles_are_the_sequential_sums():
    """The vector tiles give, entry by entry, the plain sequential sum
    ``c += u * x`` (each product rounded, then added -- never a fused
    multiply-add), computed here one Python float at a time; the Gram matrix
    is symmetric bit for bit."""
    import numba

    from landscape.gd_kernel import _gram_tile, _qw_tile

    @numba.njit
    def gram(Ut, k, C):
        d, kp = Ut.shape
        for j0 in range(0, k, 4):
            for i0 in range(0, kp, 8):
                _gram_tile(Ut, d, kp, j0, i0, C)

    @numba.njit
    def qw(AW, Q, k, Gt):
        kp = Q.shape[1]
        dp = AW.shape[1]
        for p0 in range(0, dp, 4):
            for i0 in range(0, kp, 8):
                _qw_tile(AW, dp, Q, k, kp, p0, i0, Gt)

    def padded(rows, cols):  # the tiles may read 4 entries past the end, as in the kernel's scratch block
        return np.zeros(rows * cols + 8)[:rows * cols].reshape(rows, cols)

    for k, d in ((3, 2), (8, 5), (13, 7), (20, 20), (24, 8)):
        kp = (k + 7) // 8 * 8
        dp = (d + 3) // 4 * 4
        Ut = padded(d, kp)
        Ut[:, :k] = RNG.standard_normal((d, k))
        C = np.zeros((kp, kp))
        gram(Ut, k, C)
        AW = padded(k, dp)
        AW[:, :d] = RNG.standard_normal((k, d))
        Q = RNG.standard_normal((k, kp))
        Gt = np.zeros((dp, kp))
        qw(AW, Q, k, Gt)
        for j in range(k):
            for i in range(k):
                c = 0.0
                for p in range(d):
                    c += float(Ut[p, j]) * float(Ut[p, i])
                assert C[j, i] == c and C[i, j] == c
        for p in range(d):
            for i in range(k):
                g = 0.0
                for j in range(k):
                    g += float(AW[j, p]) * float(Q[j, i])
                assert Gt[p, i] == g


def test_max_abs_is_numpys():
    from landscape.gd_kernel import _max_abs

    for n in (1, 5, 8, 9, 16, 23, 400):
        x = RNG.standard_normal(n) * 10.0 ** RNG.uniform(-5, 5, n)
        assert _max_abs(x, n) == np.abs(x).max()
        for where in {0, n // 2, n - 1}:  # NaN in a vector lane or in the tail, before or after the max
            y = x.copy()
            y[where] = np.nan
            assert math.isnan(_max_abs(y, n))
            y[where] = -np.inf
            assert _max_abs(y, n) == np.inf
