"""Float64 fast path of loss+gradient (issue 12, item 5) against the general path
(``fast=False``: Kahan angles for every pair, no caches) and against central finite
differences of the fast loss.

Stated tolerance: loss within 1e-12·(1 + Σ|terms|) and gradient entries within
1e-11·max(1, max|G|) of the general path, including (anti)parallel and nearly
parallel pairs (where the Gram-matrix angle alone would lose half the digits).
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from landscape.kernel import float_angles, pair_geometry
from landscape.loss import Model, loss_and_gradient


def _both(W, V=None, alpha=None, beta=None):
    L0, G0 = loss_and_gradient(W, V, alpha, beta, fast=False)
    L1, G1 = loss_and_gradient(W, V, alpha, beta)
    scale = 1 + W.shape[0] ** 2 + W.shape[0] * (W.shape[1] if V is None else np.shape(V)[0])
    assert abs(L0 - L1) <= 1e-12 * scale * max(1.0, np.abs(W).max() ** 2)
    assert np.abs(G0 - G1).max() <= 1e-11 * max(1.0, np.abs(G0).max())
    return L1, G1


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_random_points_match_general_path(k, d, seed):
    W = np.random.default_rng(seed).normal(size=(k, d))
    _both(W)


def test_nearly_parallel_pairs_match_general_path():
    rng = np.random.default_rng(1)
    d = 8
    for eps in (0.0, 1e-15, 1e-12, 1e-9, 1e-6, 1e-4, 1e-2):
        W = np.eye(d) + eps * rng.normal(size=(d, d))  # student rows ≈ teacher rows
        W = np.vstack([W, 2.5 * W[0] + eps * rng.normal(size=d), -W[1]])  # a parallel and an antiparallel row
        _both(W)


def test_general_teacher_and_second_layers():
    rng = np.random.default_rng(2)
    W, V = rng.normal(size=(5, 4)), rng.normal(size=(3, 4))
    alpha, beta = rng.normal(size=5), rng.normal(size=3)
    _both(W, V, alpha, beta)
    # a Model carries the teacher cache between calls; the answer does not change
    m = Model(V, alpha, beta)
    for _ in range(2):
        L, G = loss_and_gradient(W, m)
        L0, G0 = loss_and_gradient(W, V, alpha, beta, fast=False)
        assert abs(L - L0) < 1e-12 and np.abs(G - G0).max() < 1e-12


def test_gradient_is_the_derivative_of_the_fast_loss():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(20, 20)) / np.sqrt(20)
    G = loss_and_gradient(W, need_loss=False)[1]
    h = 1e-6
    for i, j in [(0, 0), (3, 7), (19, 19), (11, 2)]:
        E = np.zeros_like(W)
        E[i, j] = h
        fd = (loss_and_gradient(W + E)[0] - loss_and_gradient(W - E)[0]) / (2 * h)
        assert fd == pytest.approx(G[i, j], abs=1e-8)


def test_published_values():
    d = 6
    L, G = loss_and_gradient(np.eye(d))
    assert abs(L) < 1e-14 and np.abs(G).max() < 1e-14  # L(I_d) = 0, critical
    t = 1e-9  # L(tW) -> L(0) = d/4 + d(d-1)/(4π) (SPEC.md)
    assert loss_and_gradient(t * np.eye(d))[0] == pytest.approx(d / 4 + d * (d - 1) / (4 * np.pi), abs=1e-7)


def test_float_angles_against_kahan_everywhere():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(7, 5))
    B = np.vstack([A[:3] + 1e-9 * rng.normal(size=(3, 5)), -A[3], rng.normal(size=(2, 5))])
    UA = A / np.linalg.norm(A, axis=1)[:, None]
    UB = B / np.linalg.norm(B, axis=1)[:, None]
    g = pair_geometry(A, B)
    th, s, c = float_angles(UA, UB)
    assert np.abs(th - g.theta).max() < 1e-12
    assert np.abs(s - g.sin).max() < 1e-12 and np.abs(c - g.cos).max() < 1e-12
    th, s, c = float_angles(UA, UA, same=True)
    assert np.all(np.diag(th) == 0) and np.all(np.diag(s) == 0)
