"""Gaussian inputs on a subspace against independent oracles.

Oracles: a seeded Monte Carlo estimate of the loss over x = U z (tolerance
from the sample standard error), central finite differences of the loss
(gradient) and of the gradient (Hessian), and the algebra of projectors.
"""

import numpy as np
import pytest

from landscape import subspace
from landscape.errors import InputError
from landscape.subspace import (
    ZeroInSubspaceError,
    coordinate_basis,
    gradient,
    hessian,
    loss,
    projectors,
    random_basis,
    split,
)

RNG = np.random.default_rng(20261130)


def network(X, W, alpha):
    return np.maximum(X @ W.T, 0.0) @ alpha


def test_loss_matches_monte_carlo_on_the_subspace():
    d, r, k = 5, 3, 4
    U = random_basis(d, r, RNG)
    W = RNG.standard_normal((k, d))
    V = RNG.standard_normal((2, d))
    alpha = np.array([1.0, -0.5, 2.0, 0.3])
    beta = np.array([1.0, -1.0])
    n = 400_000
    X = np.random.default_rng(7).standard_normal((n, r)) @ U.T  # x ~ N(0, U Uᵀ)
    res = network(X, W, alpha) - network(X, V, beta)
    samples = 0.5 * res * res
    mc, se = samples.mean(), samples.std() / np.sqrt(n)
    assert abs(loss(W, U, V, alpha, beta) - mc) < 5 * se
    # the data really lie on the subspace, and the full-space loss differs
    _, Pperp = projectors(U)
    assert np.abs(X @ Pperp).max() < 1e-12


def test_gradient_matches_finite_differences_and_lies_in_row_space():
    d, r, k = 6, 2, 3
    U = random_basis(d, r, RNG)
    W = RNG.standard_normal((k, d))
    G = gradient(W, U)
    h = 1e-6
    fd = np.zeros_like(W)
    for i in range(k):
        for p in range(d):
            E = np.zeros_like(W)
            E[i, p] = h
            fd[i, p] = (loss(W + E, U) - loss(W - E, U)) / (2 * h)
    assert np.allclose(G, fd, atol=1e-8)
    _, Pperp = projectors(U)
    assert np.abs(G @ Pperp).max() < 1e-14


def test_hessian_matches_finite_differences_of_gradient():
    d, r, k = 4, 2, 3
    U = random_basis(d, r, RNG)
    W = RNG.standard_normal((k, d))
    H = hessian(W, U)
    h = 1e-6
    fd = np.zeros((k * d, k * d))
    for j in range(k * d):
        E = np.zeros(k * d)
        E[j] = h
        fd[:, j] = ((gradient(W + E.reshape(k, d), U) - gradient(W - E.reshape(k, d), U)) / (2 * h)).ravel()
    assert np.allclose(H, fd, atol=1e-7)
    assert np.allclose(H, H.T)
    # directions E P⊥ are in the null space; rank at most k r
    assert np.linalg.matrix_rank(H, tol=1e-10) <= k * r


def test_r_equals_d_is_the_plain_loss():
    from landscape.loss import loss_and_gradient

    d, k = 4, 4
    U = random_basis(d, d, RNG)
    W = RNG.standard_normal((k, d))
    V = RNG.standard_normal((3, d))
    L0, G0 = loss_and_gradient(W, V)
    L1, G1 = subspace.loss_and_gradient(W, U, V)
    assert np.isclose(L0, L1, rtol=1e-12) and np.allclose(G0, G1, atol=1e-12)
    _, Pperp = projectors(U)
    assert np.abs(Pperp).max() < 1e-14


def test_only_the_subspace_part_matters():
    d, r = 5, 2
    U = random_basis(d, r, RNG)
    W = RNG.standard_normal((3, d))
    WP, Wperp = split(W, U)
    assert np.isclose(loss(W, U), loss(WP, U), rtol=1e-13)
    assert np.allclose(WP + Wperp, W) and np.abs(Wperp @ U).max() < 1e-13


def test_zero_row_in_the_subspace_is_a_named_error():
    U = coordinate_basis(3, 2)
    W = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # second row ⊥ data
    with pytest.raises(ZeroInSubspaceError, match="row 1 of W"):
        loss(W, U)
    with pytest.raises(ZeroInSubspaceError, match="of V"):
        loss(np.eye(3)[:2], U, V=np.array([[0.0, 0.0, 2.0]]))


@pytest.mark.parametrize("d,r", [(3, 0), (3, 4), (0, 0)])
def test_bad_dimensions(d, r):
    with pytest.raises(InputError):
        coordinate_basis(d, r)


def test_non_orthonormal_basis_rejected():
    with pytest.raises(InputError, match="orthonormal"):
        loss(np.ones((1, 2)), np.array([[1.0], [1.0]]))


def test_batched_objective_matches_single_points_and_names_zero_rows():
    d, r, k = 6, 3, 5
    U = random_basis(d, r, RNG)
    V = RNG.standard_normal((4, d))
    alpha, beta = RNG.standard_normal(k), RNG.standard_normal(4)
    obj = subspace.population_objective(U, V, alpha=alpha, beta=beta)
    W = RNG.standard_normal((3, k, d))
    L, G = obj(W)
    for b in range(3):
        l1, g1 = subspace.loss_and_gradient(W[b], U, V, alpha, beta)
        assert np.isclose(L[b], l1, rtol=1e-12, atol=1e-14) and np.allclose(G[b], g1, atol=1e-12)
    W[1, 2] = np.eye(d)[:, 0] - U @ (U.T @ np.eye(d)[:, 0])  # a row orthogonal to the data
    with pytest.raises(ZeroInSubspaceError, match="run 1: row 2"):
        obj(W)
