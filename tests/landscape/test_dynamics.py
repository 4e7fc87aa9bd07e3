"""Batched population loss/gradient and GD on it, against independent oracles.

Oracles: the single-point closed form of ``landscape.loss`` (Kahan angles for
every pair, no batching), central finite differences of the batched loss,
per-run evaluation (bitwise: results must not depend on the batch), the
type-A critical point found by root finding in Fix(Δ(S_5×S_1))
(``landscape.critical_points``) with Safran & Shamir's published loss
0.02508 (ICML 2018, Example 1), and the empirical variance of the seeded
starts.
"""

import math

import numpy as np
import pytest

from landscape.critical_points import find_critical_points
from landscape.dynamics import (
    NewtonPolish,
    ZeroRowError,
    get_protocol,
    initial_weights,
    population_objective,
    train,
)
from landscape.descent import gradient_descent
from landscape.errors import InputError
from landscape.fixed_points import assemble
from landscape.loss import gradient, loss, loss_and_gradient

RNG = np.random.default_rng(20261130)


@pytest.fixture(scope="module")
def type_a():
    pts = find_critical_points((5, 1), starts=40, seed=0)
    spurious = [p for p in pts if not p.is_global and p.index == 0]
    return np.asarray(assemble(spurious[0].family, spurious[0].params), dtype=float)


@pytest.mark.parametrize("k, d, n", [(3, 3, 3), (5, 4, 4), (4, 6, 2), (7, 3, 5)])
def test_batched_equals_single_point(k, d, n):
    W = RNG.standard_normal((9, k, d))
    V = RNG.standard_normal((n, d))
    alpha = RNG.uniform(0.5, 1.5, k)
    beta = RNG.uniform(-1.0, 1.5, n)
    cases = [(V, alpha, beta)] + ([(None, None, None)] if n == d else [])
    for args in cases:
        L, G = population_objective(*args)(W)
        for r in range(len(W)):
            l, g = loss_and_gradient(W[r], *args)
            assert L[r] == pytest.approx(l, abs=1e-13, rel=1e-13)
            np.testing.assert_allclose(G[r], g, atol=1e-13, rtol=1e-12)


def test_gradient_matches_finite_differences():
    W = RNG.standard_normal((3, 4, 5))
    V = RNG.standard_normal((3, 5))
    obj = population_objective(V, RNG.uniform(0.5, 1.5, 4), RNG.uniform(0.5, 1.5, 3))
    _, G = obj(W)
    h = 1e-6
    for idx in [(0, 0, 0), (1, 2, 3), (2, 3, 4), (0, 1, 2)]:
        E = np.zeros_like(W)
        E[idx] = h
        fd = (obj(W + E)[0] - obj(W - E)[0]) / (2 * h)
        assert fd[idx[0]] == pytest.approx(G[idx], abs=1e-8)
        # a perturbation of one run changes no other run
        others = [r for r in range(3) if r != idx[0]]
        np.testing.assert_array_equal(obj(W + E)[0][others], obj(W)[0][others])


def test_batch_and_slabs_do_not_change_results():
    # B = 300 at k = d = 10 spans several cache slabs; each run must equal its own evaluation bit for bit
    W = RNG.standard_normal((300, 10, 10))
    obj = population_objective()
    L, G = obj(W)
    for r in (0, 63, 64, 150, 299):
        l1, g1 = obj(W[r:r + 1])
        assert l1[0] == L[r]
        np.testing.assert_array_equal(g1[0], G[r])


def test_zero_row_is_a_named_error():
    W = RNG.standard_normal((2, 3, 3))
    W[1, 2] = 0.0
    with pytest.raises(ZeroRowError, match="run 1, row 2"):
        population_objective()(W)
    with pytest.raises(InputError, match="NaN"):
        population_objective()(np.full((1, 2, 2), np.nan))


def test_published_values():
    d = 5
    L, G = population_objective()(np.stack([np.eye(d), 1e-9 * np.eye(d)]))
    assert L[0] == pytest.approx(0.0, abs=1e-15)
    assert L[1] == pytest.approx(d / 4 + d * (d - 1) / (4 * math.pi), rel=1e-8)  # L(0) as a limit (SPEC.md)
    assert np.abs(G[0]).max() <= 1e-15


def test_gradient_accuracy_at_critical_points(type_a):
    """At I_d (angles 0 between each row and its teacher row) and at type A the
    batched gradient agrees with the all-Kahan single-point gradient to ~1e-16,
    so the 1e-12 stopping rule is meaningful.  Plain arccos of the Gram matrix
    does not: at W = I_d rotated by 1e-9 it commits errors of order 1e-9 in θ."""
    obj = population_objective()
    # a point 1e-9 from the global minimum: the gradient is of order 1e-9 and must be right to ~1e-16
    c, s = math.cos(1e-9), math.sin(1e-9)
    R = np.eye(6)
    R[:2, :2] = [[c, -s], [s, c]]
    for W in (R, type_a, np.eye(6)):
        _, G = obj(W[None])
        np.testing.assert_allclose(G[0], gradient(W), atol=2e-16 * 6)
    assert np.abs(obj(type_a[None])[1]).max() < 1e-12
    # the arccos-only angle of (1, 1e-9) with e_1 is wrong by ~1e-8 relative to 1e-9
    u = np.array([c, s])
    assert abs(np.arccos(np.clip(u @ np.array([1.0, 0.0]), -1, 1)) - 1e-9) > 1e-10


def test_protocol_and_starts():
    p = get_protocol("sys21")
    assert p.step(10) == 0.5 and p.tol == 1e-12 and p.norm == "fro"
    assert p.init_std(8, 8) == pytest.approx(1 / math.sqrt(8))
    with pytest.raises(InputError, match="unknown protocol"):
        get_protocol("adam")
    W = initial_weights(20, 25, 400, seed=3)
    var = W.var()
    # 200 000 entries of N(0, 1/25): the sample variance is within 5 standard errors (sd of s^2 ≈ σ² sqrt(2/N))
    assert abs(var - 1 / 25) < 5 * (1 / 25) * math.sqrt(2 / W.size)
    again = initial_weights(20, 25, [399, 7], seed=3)
    np.testing.assert_array_equal(again[0], W[399])
    np.testing.assert_array_equal(again[1], W[7])
    assert not np.array_equal(initial_weights(20, 25, [7], seed=4)[0], W[7])


def test_gd_near_identity_reaches_global_minimum():
    W0 = np.eye(5)[None] + 0.05 * RNG.standard_normal((4, 5, 5))
    res = gradient_descent(population_objective(), W0, step=1.0, tol=1e-12, max_steps=20_000)
    assert res.converged.all()
    for r in range(4):
        # the endpoint is I_5 up to a permutation of the rows
        perm = np.argmax(res.params[r], axis=1)
        np.testing.assert_allclose(res.params[r], np.eye(5)[perm], atol=1e-10)
        assert loss(res.params[r]) < 1e-15


def test_gd_near_type_a_lands_there(type_a):
    from landscape.endpoints import classify_endpoints

    W0 = type_a[None] + 1e-3 * RNG.standard_normal((3, 6, 6))
    res = gradient_descent(population_objective(), W0, step=5 / 6, tol=1e-12, max_steps=200_000, norm="fro")
    assert res.converged.all()
    np.testing.assert_allclose(res.params, np.broadcast_to(type_a, res.params.shape), atol=1e-9)
    np.testing.assert_allclose(res.loss, 0.02508, atol=5e-6)  # Safran & Shamir 2018, Example 1 (k = n = 6)
    c = classify_endpoints(res.params, loss_values=res.loss)
    assert len(c.families) == 1
    fam = c.families[0]
    assert fam.count == 3 and not fam.is_global
    assert fam.isotropy_name == "Δ(S_5×S_1)" and fam.index == 0
    assert fam.loss == pytest.approx(0.02508, abs=5e-6)


def test_polish_keeps_the_basin():
    """Newton polish changes the number of steps, not where a run ends:
    polished and plain GD endpoints agree on a sample of random starts
    (k = d = 7, where a fraction of SYS21 runs end at spurious minima)."""
    plain = train(7, 7, 12, seed=11, polish=False)
    fast = train(7, 7, 12, seed=11, polish=True)
    assert plain.converged.all() and fast.converged.all()
    np.testing.assert_allclose(fast.params, plain.params, atol=1e-9)
    assert fast.polish_steps.sum() > 0 and fast.steps.sum() < plain.steps.sum()


def test_newton_polish_refuses_at_a_saddle():
    pts = find_critical_points((5, 1), starts=40, seed=0)
    saddle = [p for p in pts if p.index > 0][0]
    W = np.asarray(assemble(saddle.family, saddle.params), dtype=float)
    new, ok = NewtonPolish()(W[None], gradient(W)[None])
    assert not ok[0] and np.array_equal(new[0], W)


def test_train_is_seeded_and_chunk_independent():
    whole = train(6, 6, 6, seed=2)
    part = train(6, 6, 2, seed=2, first_run=4)
    np.testing.assert_array_equal(part.params, whole.params[4:6])
    np.testing.assert_array_equal(part.steps, whole.steps[4:6])


@pytest.mark.parametrize("kwargs", [dict(k=0, d=3, runs=1), dict(k=3, d=3, runs=0), dict(k=10 ** 6, d=3, runs=1),
                                    dict(k=3, d=3, runs=1, protocol="nope"), dict(k=3, d=3, runs=1, init_scale=0.0),
                                    dict(k=3, d=3, runs=1, step=-1.0)])
def test_train_bad_input(kwargs):
    with pytest.raises(InputError):
        train(**kwargs)


def test_gd_lands_on_the_published_k7_spurious_minimum():
    """SYS21's repository README (github.com/ItaySafran/Overparameterization) prints
    the spurious minimum their GD finds at k = n = 7 to 10 digits, in their
    layout (columns are neurons): one neuron (-0.6327039049, 0.1859910463 x 6),
    six neurons with 0.2616910758 in the first coordinate, 0.9969227988 on
    their own coordinate and -0.0350801559 elsewhere.  GD started there
    (rows are neurons here: the transpose) stays within 1e-9 of it."""
    a, e, f, c, dd = -0.6327039049, 0.1859910463, 0.2616910758, 0.9969227988, -0.0350801559
    theirs = np.full((7, 7), dd)
    theirs[0, 0] = a
    theirs[1:, 0] = e
    theirs[0, 1:] = f
    theirs[np.arange(1, 7), np.arange(1, 7)] = c
    W0 = theirs.T[None]
    res = gradient_descent(population_objective(), W0, step=5 / 7, tol=1e-12, max_steps=100_000, norm="fro")
    assert res.converged[0]
    np.testing.assert_allclose(res.params[0], W0[0], atol=1e-9)
    from landscape.endpoints import classify_endpoints

    fam = classify_endpoints(res.params).families[0]
    assert fam.isotropy_name == "Δ(S_6×S_1)" and fam.index == 0 and not fam.is_global


@pytest.mark.parametrize("x, n", [(1, 500), (26, 500), (478, 500), (0, 30), (30, 30)])
def test_wilson_interval_by_hand(x, n):
    from landscape.dynamics import spurious_fraction_ci

    z = 1.959963984540054  # 97.5% normal quantile
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = spurious_fraction_ci(x, n)
    assert lo == pytest.approx(max(0.0, centre - half), abs=1e-12)
    assert hi == pytest.approx(min(1.0, centre + half), abs=1e-12)


def test_descend_in_sub_batches_equals_one_batch():
    # k = d = 20: sub-batches of 64 runs; 70 runs span two of them
    from landscape.dynamics import descend

    W0 = initial_weights(20, 20, 70, seed=1)
    one = gradient_descent(population_objective(), W0, step=0.25, tol=0.0, max_steps=15)
    split = descend(population_objective(), W0, step=0.25, tol=0.0, max_steps=15)
    np.testing.assert_array_equal(split.params, one.params)
    np.testing.assert_array_equal(split.loss, one.loss)
    np.testing.assert_array_equal(split.steps, one.steps)
