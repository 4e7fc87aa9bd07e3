"""ArbContext and the ball enclosures: every ball must contain the value computed
independently (mpmath at 60 digits, or float64 within its error) -- rigor tests."""

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from certificates.arb_context import ArbContext, arb_number, square
from certificates.enclosures import gradient_enclosure, hessian_enclosure, loss_enclosure
from landscape.backends import mp_context
from landscape.loss import gradient, hessian, loss

CTX = ArbContext(128)


def test_is_zero_means_exactly_zero():
    assert CTX.is_zero(flint.arb(0))
    assert not CTX.is_zero(flint.arb(0, 1e-30))
    assert not CTX.is_zero(flint.arb(1e-30))


def test_square_and_sqrt_of_balls_straddling_zero_are_finite_and_enclose():
    x = flint.arb(0, 1e-3)
    s = square(x)
    assert s.is_finite() and s.lower() >= 0 and s.contains(0) and s.contains(flint.arb("1e-6"))
    r = CTX.sqrt(np.array([flint.arb(1e-10, 1e-9)], dtype=object))[0]
    assert r.is_finite() and r.contains(0) and r.contains(flint.arb("1e-5") * 3)
    n = CTX.norm(np.array([[flint.arb(0, 1e-5), flint.arb(0, 1e-5)]], dtype=object), axis=1)[0]
    assert n.is_finite() and n.contains(0)
    # a ball entirely below zero is a bug upstream: NaN, never a number
    assert not CTX.sqrt(np.array([flint.arb(-1, 0.1)], dtype=object))[0].is_finite()


def test_number_is_exact_for_decimal_strings_and_floats():
    assert arb_number("0.1").contains(flint.fmpq(1, 10))
    assert not arb_number(0.1).contains(flint.fmpq(1, 10))  # the double 0.1 is not 1/10
    assert arb_number(Fraction(1, 3)).contains(flint.fmpq(1, 3))


def _ref(v):
    """The mpmath value (60 digits) as a ball of radius 1e-50 at 200 bits."""
    old = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        return flint.arb(mpmath.nstr(v, 55)) + flint.arb(0, 1e-50)
    finally:
        flint.ctx.prec = old


def _rational_point(rng, k, d):
    return np.array([[Fraction(int(x), 64) for x in row] for row in rng.integers(-64, 65, (k, d))], dtype=object)


@pytest.mark.parametrize("seed", range(5))
def test_enclosures_contain_high_precision_values(seed):
    rng = np.random.default_rng(seed)
    k, d = 3, 3
    W = _rational_point(rng, k, d)
    if any(all(x == 0 for x in row) for row in W):
        pytest.skip("zero row")
    mp = mp_context(60)
    Wm = np.vectorize(lambda q: mp.mp.mpf(q.numerator) / q.denominator, otypes=[object])(W)
    with CTX.working():
        L = loss_enclosure(W, ctx=CTX)
        G = gradient_enclosure(W, ctx=CTX)
        H = hessian_enclosure(W, ctx=CTX)
    assert L.overlaps(_ref(loss(Wm, ctx=mp))) and L.rad() < 1e-30
    Gm = gradient(Wm, ctx=mp)
    Hm = hessian(Wm, ctx=mp)
    for b, v in zip(G.ravel(), Gm.ravel()):
        assert b.overlaps(_ref(v)) and b.rad() < 1e-25
    for b, v in zip(H.ravel(), Hm.ravel()):
        assert b.overlaps(_ref(v)) and b.rad() < 1e-25


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.floats(1e-6, 1e-3))
def test_box_hessian_contains_hessians_at_points_of_the_box(seed, r):
    """Over a box, the enclosure contains the float Hessian at sampled points (to float error)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, 3))
    with CTX.working():
        X = np.array([[flint.arb(x, r) for x in row] for row in W], dtype=object)
        H = hessian_enclosure(X, ctx=CTX)
    if not all(h.is_finite() for h in H.ravel()):
        return  # near-parallel rows: NaN means "not proved", which is allowed
    for _ in range(3):
        P = W + rng.uniform(-r, r, W.shape)
        Hf = hessian(P)
        for b, v in zip(H.ravel(), Hf.ravel()):
            assert float(b.lower()) - 1e-12 <= v <= float(b.upper()) + 1e-12


def test_global_minimum_hessian_eigenvalue_is_enclosed():
    """SPEC: the Hessian at I_d has 1/4 − 1/(2π) among its eigenvalues."""
    with CTX.working():
        H = hessian_enclosure(np.eye(3, dtype=int), ctx=CTX)
    assert all(h.rad() < 1e-30 for h in H.ravel())
    ev = np.linalg.eigvalsh(np.vectorize(lambda x: float(x.mid()))(H))
    assert np.min(np.abs(ev - (0.25 - 1 / (2 * np.pi)))) < 1e-12
