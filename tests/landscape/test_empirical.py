"""The finite-data objective against independent computations.

Oracles: a per-sample, per-neuron Python loop for the network and the loss;
central finite differences for the parameter gradients and the input gradient.
"""

import numpy as np
import pytest

from landscape.empirical import EmpiricalObjective, forward, input_gradient
from landscape.errors import InputError

RNG = np.random.default_rng(123)


def loop_network(x, W, b, a):
    return sum(a[i] * max(0.0, float(W[i] @ x) + (0.0 if b is None else b[i])) for i in range(W.shape[0]))


def loop_loss(name, f, y):
    if name == "square":
        return 0.5 * (f - y) ** 2
    if name == "logistic":
        return np.log1p(np.exp(-y * f))
    return np.exp(-y * f)


def make(loss, bias, train_a, B=2, n=7, k=4, d=3):
    X = RNG.standard_normal((n, d))
    y = np.sign(RNG.standard_normal(n)) if loss != "square" else RNG.standard_normal(n)
    fixed = None if train_a else RNG.standard_normal(k)
    obj = EmpiricalObjective(X, y, loss=loss, bias=bias, second_layer=fixed)
    W = RNG.standard_normal((B, k, d))
    b = RNG.standard_normal((B, k)) if bias else None
    a = RNG.standard_normal((B, k)) if train_a else None
    return obj, obj.pack(W, b, a), X, y, fixed


@pytest.mark.parametrize("loss", ["square", "logistic", "exponential"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("train_a", [True, False])
def test_loss_matches_loop_and_gradients_match_finite_differences(loss, bias, train_a):
    obj, params, X, y, fixed = make(loss, bias, train_a)
    L, grads = obj(params)
    W, b, a = obj.unpack(params)
    for r in range(W.shape[0]):
        f = [loop_network(x, W[r], None if b is None else b[r], a[r]) for x in X]
        expected = np.mean([loop_loss(loss, fs, ys) for fs, ys in zip(f, y)])
        assert np.isclose(L[r], expected, rtol=1e-12)
    h = 1e-6
    for j, P in enumerate(params):
        fd = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            plus = [p.copy() for p in params]
            minus = [p.copy() for p in params]
            plus[j][idx] += h
            minus[j][idx] -= h
            fd[idx] = (obj(tuple(plus))[0][idx[0]] - obj(tuple(minus))[0][idx[0]]) / (2 * h)
        assert np.allclose(grads[j], fd, atol=1e-7, rtol=1e-6), (loss, bias, train_a, j)


def test_input_gradient_matches_finite_differences():
    B, k, d, n = 3, 5, 4, 6
    X = RNG.standard_normal((n, d))
    W = RNG.standard_normal((B, k, d))
    b = RNG.standard_normal((B, k))
    a = RNG.standard_normal((B, k))
    G = input_gradient(X, W, b, a)
    h = 1e-7
    for p in range(d):
        E = np.zeros(d)
        E[p] = h
        fd = (forward(X + E, W, b, a) - forward(X - E, W, b, a)) / (2 * h)
        assert np.allclose(G[:, :, p], fd, atol=1e-6)


def test_runs_do_not_mix():
    obj, params, *_ = make("logistic", True, True, B=3)
    L, grads = obj(params)
    sub = tuple(p[1:2] for p in params)
    L1, g1 = obj(sub)
    assert L1[0] == L[1] and all(np.array_equal(g[1:2], h) for g, h in zip(grads, g1))


def test_per_run_data():
    B, n, k, d = 2, 5, 3, 2
    X = RNG.standard_normal((B, n, d))
    y = RNG.standard_normal((B, n))
    obj = EmpiricalObjective(X, y, loss="square", bias=False, second_layer=np.ones(k))
    W = RNG.standard_normal((B, k, d))
    L, _ = obj((W,))
    for r in range(B):
        single = EmpiricalObjective(X[r], y[r], loss="square", bias=False, second_layer=np.ones(k))
        assert np.isclose(single((W[r:r + 1],))[0][0], L[r], rtol=1e-14)
    with pytest.raises(InputError, match="per-run"):
        obj((W[:1],))


def test_bad_input():
    with pytest.raises(InputError, match="loss must be"):
        EmpiricalObjective(np.ones((2, 2)), np.ones(2), loss="hinge")
    with pytest.raises(InputError, match="labels"):
        EmpiricalObjective(np.ones((2, 2)), np.array([1.0, 0.5]), loss="logistic")
    with pytest.raises(InputError):
        EmpiricalObjective(np.ones((2, 2)), np.ones(3))


@pytest.mark.parametrize("fixed", [False, True])
def test_per_run_data_with_active_runs(fixed, monkeypatch):
    # the engine's takes_active protocol: rows of params belong to the runs `active` of the per-run data;
    # oracle: one objective per run on its own sample
    B, n, k, d = 5, 7, 3, 2
    X = RNG.standard_normal((B, n, d))
    y = np.sign(RNG.standard_normal((B, n)))
    A = RNG.standard_normal((B, k))
    obj = EmpiricalObjective(X, y, loss="logistic", bias=True, second_layer=A if fixed else None)
    assert obj.takes_active
    active = np.array([0, 2, 3])
    W, b = RNG.standard_normal((3, k, d)), RNG.standard_normal((3, k))
    params = (W, b) if fixed else (W, b, A[active])
    L, grads = obj(params, active=active)
    for row, r in enumerate(active):
        single = EmpiricalObjective(X[r], y[r], loss="logistic", bias=True, second_layer=A[r] if fixed else None)
        sub = tuple(p[row:row + 1] for p in params)
        L1, g1 = single(sub)
        assert L1[0] == L[row]
        assert all(np.array_equal(g[row:row + 1], h) for g, h in zip(grads, g1))
        assert single.accuracy(sub)[0] == obj.accuracy(params, active=active)[row]
    import landscape.empirical as emp

    monkeypatch.setattr(emp, "BLOCK_FLOATS", n * k)  # one run per block: the same numbers
    L2, grads2 = obj(params, active=active)
    assert np.array_equal(L2, L) and all(np.array_equal(g, h) for g, h in zip(grads, grads2))
    with pytest.raises(InputError, match="active"):
        obj(params, active=np.array([0, 1]))
    with pytest.raises(InputError, match="active"):
        obj(params, active=np.array([0, 2, 9]))
