"""Loss, gradient and Hessian against independent oracles.

Oracles: Monte Carlo over x ~ N(0, I) (tolerance from the sample standard
error), central finite differences, the Gauss–Newton matrix at a zero-loss
point (closed form derived by hand below, and by Monte Carlo), sympy's own
differentiation, 50-digit mpmath, and the published special values.
"""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.backends import SYMPY, mp_context
from landscape.loss import gradient, hessian, loss, loss_and_gradient
from landscape.spectrum import group_eigenvalues, spectrum
from landscape.symbolic import hessian_expression, loss_expression, weight_symbols

RNG = np.random.default_rng(20261126)


def network(X, W, alpha):
    """f(x; W, alpha) = sum_i alpha_i relu(w_i . x) for the rows x of X."""
    return np.maximum(X @ W.T, 0.0) @ alpha


def monte_carlo(W, V, alpha, beta, n=400_000, seed=0):
    """Seeded Monte Carlo estimates of L and grad L with their standard errors."""
    X = np.random.default_rng(seed).standard_normal((n, W.shape[1]))
    r = network(X, W, alpha) - network(X, V, beta)
    L_samples = 0.5 * r * r
    active = (X @ W.T > 0).astype(float)  # (n, k)
    # d/dw_i of 1/2 r^2 = r alpha_i 1{w_i.x > 0} x
    G_samples = (r[:, None] * active * alpha[None, :])[:, :, None] * X[:, None, :]
    L, L_se = L_samples.mean(), L_samples.std() / np.sqrt(n)
    G, G_se = G_samples.mean(axis=0), G_samples.std(axis=0) / np.sqrt(n)
    return L, L_se, G, G_se


@pytest.mark.parametrize("k,d,n", [(3, 3, 3), (4, 3, 2), (2, 5, 4)])
def test_loss_and_gradient_match_monte_carlo(k, d, n):
    rng = np.random.default_rng(k * 100 + d * 10 + n)
    W = rng.standard_normal((k, d))
    V = rng.standard_normal((n, d))
    alpha = rng.uniform(0.5, 1.5, k)
    beta = rng.uniform(0.5, 1.5, n)
    L, G = loss_and_gradient(W, V, alpha, beta)
    L_mc, L_se, G_mc, G_se = monte_carlo(W, V, alpha, beta)
    assert abs(L - L_mc) < 5 * L_se
    assert np.all(np.abs(G - G_mc) < 5 * G_se + 1e-12)


def test_default_teacher_is_identity_and_ones():
    W = RNG.standard_normal((3, 3))
    assert loss(W) == pytest.approx(loss(W, np.eye(3), np.ones(3), np.ones(3)), abs=1e-15)


def central_gradient(f, W, h=1e-6):
    G = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        G[idx] = (f(W + E) - f(W - E)) / (2 * h)
    return G


def central_hessian(W, h=1e-6, **kw):
    k, d = W.shape
    H = np.zeros((k * d, k * d))
    for c in range(k * d):
        E = np.zeros(k * d)
        E[c] = h
        E = E.reshape(k, d)
        H[:, c] = ((gradient(W + E, **kw) - gradient(W - E, **kw)) / (2 * h)).ravel()
    return H


@pytest.mark.parametrize("seed", range(4))
def test_gradient_is_derivative_of_loss(seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, 4))
    V = rng.standard_normal((2, 4))
    alpha, beta = rng.uniform(-1, 2, 3), rng.uniform(-1, 2, 2)
    G = gradient(W, V, alpha, beta)
    G_fd = central_gradient(lambda X: loss(X, V, alpha, beta), W)
    assert np.abs(G - G_fd).max() < 1e-8


@pytest.mark.parametrize("seed", range(4))
def test_hessian_is_derivative_of_gradient(seed):
    rng = np.random.default_rng(seed + 10)
    W = rng.standard_normal((3, 4))
    V = rng.standard_normal((3, 4))
    alpha, beta = rng.uniform(-1, 2, 3), rng.uniform(-1, 2, 3)
    H = hessian(W, V, alpha, beta)
    H_fd = central_hessian(W, V=V, alpha=alpha, beta=beta)
    assert np.abs(H - H_fd).max() < 1e-7
    assert np.array_equal(H, H.T) or np.abs(H - H.T).max() < 1e-15


@pytest.mark.parametrize("eps", [1e-3, 1e-6])
def test_hessian_near_parallel_rows(eps):
    """Rows at angle ~eps (and ~pi - eps): smooth there, but third derivatives
    grow like 1/eps, so the finite-difference step must be << eps."""
    rng = np.random.default_rng(3)
    W = rng.standard_normal((3, 4))
    u = rng.standard_normal(4)
    W[1] = 1.7 * W[0] + eps * u
    W[2] = -0.4 * W[0] + eps * u[::-1]
    H = hessian(W)
    assert np.all(np.isfinite(H))
    H_fd = central_hessian(W, h=eps * 1e-3)
    assert np.abs(H - H_fd).max() < 1e-5


def test_hessian_at_exactly_parallel_rows_is_the_limit():
    """L is C^2 but not C^3 at parallel rows: the exact-parallel Hessian is the
    limit of the Hessians at nearby non-parallel points (error O(eps))."""
    rng = np.random.default_rng(4)
    W = rng.standard_normal((3, 3))
    W[1] = 2.0 * W[0]
    W[2] = -0.5 * W[0]
    H = hessian(W)
    assert np.all(np.isfinite(H))
    for eps in (1e-4, 1e-6):
        Weps = W.copy()
        Weps[1] += eps * rng.standard_normal(3)
        Weps[2] += eps * rng.standard_normal(3)
        assert np.abs(hessian(Weps) - H).max() < 50 * eps
    # and the one-sided finite differences converge at O(h)
    for h in (1e-4, 1e-6):
        assert np.abs(central_hessian(W, h=h) - H).max() < 50 * h


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.randoms(use_true_random=False))
def test_loss_invariant_under_permutations(k, d, rnd):
    rng = np.random.default_rng(rnd.randint(0, 2**31))
    W = rng.standard_normal((k, d))
    pi = rng.permutation(k)
    rho = rng.permutation(d)
    # (pi, rho) . W = P_pi W P_rho^T: permute neurons and input coordinates
    W2 = W[pi][:, rho]
    assert loss(W2) == pytest.approx(loss(W), rel=1e-12, abs=1e-14)
    # the gradient is equivariant
    assert np.allclose(gradient(W2), gradient(W)[pi][:, rho], atol=1e-13)


def test_special_values():
    for d in range(1, 8):
        assert loss(np.eye(d)) == pytest.approx(0.0, abs=1e-14)
        # L(0) as a limit: L(eps W) = L(0) + O(eps)
        L0 = d / 4 + d * (d - 1) / (4 * np.pi)
        assert loss(1e-12 * np.eye(d)) == pytest.approx(L0, abs=1e-10)
    assert np.abs(gradient(np.eye(5))).max() < 1e-15


def test_float_agrees_with_50_digit_mpmath():
    ctx = mp_context(50)
    rng = np.random.default_rng(7)
    W = rng.standard_normal((4, 4))
    W[1] = 3 * W[0] + 1e-7 * rng.standard_normal(4)  # include a near-parallel pair
    V = rng.standard_normal((3, 4))
    Wm = np.vectorize(lambda x: ctx.mp.mpf(x), otypes=[object])(W)
    Vm = np.vectorize(lambda x: ctx.mp.mpf(x), otypes=[object])(V)
    L, G = loss_and_gradient(W, V)
    Lm, Gm = loss_and_gradient(Wm, Vm, ctx=ctx)
    assert abs(L - float(Lm)) < 1e-12
    assert np.abs(G - np.array(Gm, dtype=float)).max() < 1e-12
    H, Hm = hessian(W, V), hessian(Wm, Vm, ctx=ctx)
    assert np.abs(H - np.array(Hm, dtype=float)).max() < 1e-10


def test_mpmath_precision_is_as_asked():
    """50 and 80 digit evaluations agree to 50 digits."""
    W = [[Fraction(3, 2), Fraction(-1, 3)], [Fraction(2, 7), Fraction(5, 4)]]
    c50, c80 = mp_context(50), mp_context(80)
    L50 = loss(c50.asarray(W), ctx=c50)
    L80 = loss(c80.asarray(W), ctx=c80)
    assert abs(c80.mp.mpf(L50) - L80) < c80.mp.mpf(10) ** -49 * abs(L80)


def gauss_newton_at_identity(d):
    """E[grad f grad f^T] at W = V = I_d, derived by hand (independent of the kernel code).

    Block (i, i) is E[1{x_i>0} x x^T] = I/2.  Block (i, j), i != j, is
    E[1{x_i>0} 1{x_j>0} x x^T]: 1/4 on the diagonal, E[x_i^+] E[x_j^+] = 1/(2 pi)
    at (i, j) and (j, i), 0 elsewhere.
    """
    H = np.zeros((d, d, d, d))
    for i in range(d):
        H[i, :, i, :] = np.eye(d) / 2
        for j in range(d):
            if i != j:
                H[i, :, j, :] = np.eye(d) / 4
                H[i, i, j, j] = H[i, j, j, i] = 1 / (2 * np.pi)
    return H.reshape(d * d, d * d)


def test_gauss_newton_closed_form_by_monte_carlo():
    d, n = 3, 400_000
    X = np.random.default_rng(1).standard_normal((n, d))
    J = ((X > 0)[:, :, None] * X[:, None, :]).reshape(n, d * d)  # grad_W f
    GN = J.T @ J / n
    assert np.abs(GN - gauss_newton_at_identity(d)).max() < 5e-3


@pytest.mark.parametrize("d", range(3, 13))
def test_hessian_at_global_minimum_equals_gauss_newton(d):
    H = hessian(np.eye(d))
    GN = gauss_newton_at_identity(d)
    assert np.abs(H - GN).max() < 1e-12
    got = spectrum(np.eye(d), method="dense").eigenvalues
    want = group_eigenvalues(np.linalg.eigvalsh(GN))
    assert [e.multiplicity for e in got] == [e.multiplicity for e in want]
    assert np.allclose([e.value for e in got], [e.value for e in want], atol=1e-12, rtol=0)
    assert any(abs(e.value - (0.25 - 1 / (2 * np.pi))) < 1e-12 for e in got)


def test_sympy_closed_form_matches_sympy_differentiation():
    """The closed-form Hessian (SYMPY context) against sympy.diff of the loss,
    both evaluated at an exact rational point."""
    Wsym = weight_symbols(2, 2)
    L = loss_expression(Wsym)
    point = {Wsym[0, 0]: sympy.Rational(3, 2), Wsym[0, 1]: sympy.Rational(1, 3),
             Wsym[1, 0]: sympy.Rational(-1, 2), Wsym[1, 1]: sympy.Rational(5, 4)}
    flat = list(Wsym.ravel())
    H_closed = hessian_expression(np.array([[point[s] for s in row] for row in Wsym], dtype=object))
    for a in range(4):
        for b in range(4):
            by_diff = sympy.diff(L, flat[a], flat[b]).subs(point)
            assert abs(float(sympy.N(by_diff - H_closed[a, b], 30))) < 1e-25


def test_sympy_context_gives_exact_values():
    assert loss(np.array([[1, 0], [0, 1]], dtype=object), ctx=SYMPY) == 0
    H = hessian(np.array([[1, 0], [0, 1]], dtype=object), ctx=SYMPY)
    assert sympy.simplify(H[0, 3] - 1 / (2 * sympy.pi)) == 0
