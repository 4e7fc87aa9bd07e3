"""The batched GD engine against plain scalar loops and closed forms.

Oracles: a scalar Python loop of the same update (run by run), the closed
form ``p_n = (1 − ηc)^n p_0`` of GD on a quadratic, the closed form of pure
weight decay, and per-run evaluation (determinism: a run's result must not
depend on its batch).
"""

import numpy as np
import pytest

from landscape.descent import gradient_descent
from landscape.errors import InputError


class Quadratic:
    """f_r(p) = ½ c_r |p|² with a per-run curvature attached to the params (column 0)."""

    def __call__(self, params):
        c, p = params
        c = c[:, :1]
        return 0.5 * (c[:, 0] * (p * p).sum(axis=1)), (np.zeros_like(params[0]), c * p)


def scalar_loop(c, p0, eta, tol, max_steps):
    """The obvious loop for one run of GD on ½ c |p|² (max-abs stopping rule)."""
    p = np.array(p0, dtype=float)
    n = 0
    while np.abs(c * p).max() > tol and n < max_steps:
        p = p - eta * (c * p)
        n += 1
    return p, n, np.abs(c * p).max() <= tol


def test_matches_scalar_loop_run_by_run():
    rng = np.random.default_rng(1)
    B = 7
    curv = rng.uniform(0.2, 1.5, size=(B, 1))
    p0 = rng.standard_normal((B, 3))
    eta = rng.uniform(0.3, 1.0, size=B)
    res = gradient_descent(Quadratic(), (np.repeat(curv, 3, axis=1), p0), step=eta, tol=1e-10, max_steps=500)
    for r in range(B):
        p, n, ok = scalar_loop(curv[r, 0], p0[r], eta[r], 1e-10, 500)
        assert res.steps[r] == n
        assert bool(res.converged[r]) == ok
        np.testing.assert_array_equal(res.params[1][r], p)
        assert res.loss[r] == pytest.approx(0.5 * curv[r, 0] * (p * p).sum(), rel=1e-12, abs=1e-300)


def test_closed_form_step_count():
    # GD on ½|p|² with step η: p_n = (1−η)^n p_0; stops at the first n with (1−η)^n |p_0| <= tol
    p0 = np.array([[1.0], [3.0], [1e-3]])
    res = gradient_descent(lambda p: (0.5 * (p * p).sum(1), p), p0, step=0.25, tol=1e-9)
    for r, x in enumerate(p0[:, 0]):
        n = 0
        while x * 0.75 ** n > 1e-9:
            n += 1
        assert res.steps[r] == n
        assert res.params[r, 0] == pytest.approx(x * 0.75 ** n, rel=1e-12)


def test_budget_is_unconverged_never_converged():
    p0 = np.array([[1.0], [1e-13]])
    res = gradient_descent(lambda p: (0.5 * (p * p).sum(1), p), p0, step=0.01, tol=1e-12, max_steps=10)
    assert res.converged.tolist() == [False, True]
    assert res.unconverged.tolist() == [True, False]
    assert res.steps.tolist() == [10, 0]


def test_divergence_is_reported():
    # step 3 on ½p²: p ← −2p, blows up; the run stops as diverged, not converged
    with np.errstate(over="ignore", invalid="ignore"):
        res = gradient_descent(lambda p: (0.5 * (p * p).sum(1), p), np.array([[1.0], [0.0]]), step=3.0, tol=1e-12,
                               max_steps=10_000)
    assert res.diverged.tolist() == [True, False]
    assert res.converged.tolist() == [False, True]


def test_weight_decay_closed_form():
    # objective 0: the update is p ← (1 − ηλ) p, stopped when λ|p| <= tol
    zero = lambda p: (np.zeros(p.shape[0]), np.zeros_like(p))  # noqa: E731
    lam, eta = 0.1, 0.5
    res = gradient_descent(zero, np.array([[2.0, -1.0]]), step=eta, tol=1e-6, weight_decay=lam)
    n = res.steps[0]
    assert lam * 2.0 * (1 - eta * lam) ** n <= 1e-6 < lam * 2.0 * (1 - eta * lam) ** (n - 1)
    np.testing.assert_allclose(res.params[0], np.array([2.0, -1.0]) * (1 - eta * lam) ** n, rtol=1e-12)
    assert res.loss[0] == 0.0  # the decay term is not part of the reported loss


def test_run_does_not_depend_on_its_batch():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 4, 4))
    A = np.einsum("bij,bkj->bik", A, A) / 4 + 0.3 * np.eye(4)  # one SPD matrix per run

    # attach each run's matrix to its parameters instead: params = (p, M)
    def obj2(params):
        p, M = params
        g = np.matmul(M, p[..., None])[..., 0] - 1.0
        return (p * (g - 1.0)).sum(1) / 2, (g, np.zeros_like(M))

    p0 = rng.standard_normal((6, 4))
    full = gradient_descent(obj2, (p0, A), step=0.2, tol=1e-11, max_steps=20_000)
    for r in range(6):
        one = gradient_descent(obj2, (p0[r:r + 1], A[r:r + 1]), step=0.2, tol=1e-11, max_steps=20_000)
        assert full.converged[r]
        np.testing.assert_array_equal(one.params[0][0], full.params[0][r])
        assert one.steps[0] == full.steps[r]


class BadPolish:
    """A 'polish' that always moves away: the engine must undo it and finish by GD."""

    start = 1e-2

    def __call__(self, p, g, weight_decay):
        return p + 0.5, np.ones(p.shape[0], dtype=bool)


class ExactPolish:
    """Newton on ½|p|²: lands on 0 at once."""

    start = 1e-2

    def __call__(self, p, g, weight_decay):
        return p - g, np.ones(p.shape[0], dtype=bool)


def test_polish_undone_when_it_does_not_help():
    f = lambda p: (0.5 * (p * p).sum(1), p)  # noqa: E731
    plain = gradient_descent(f, np.array([[1.0]]), step=0.5, tol=1e-12)
    res = gradient_descent(f, np.array([[1.0]]), step=0.5, tol=1e-12, polish=BadPolish())
    assert res.converged[0] and res.polish_steps[0] == 0
    assert res.params[0, 0] == plain.params[0, 0] and res.steps[0] == plain.steps[0]


def test_polish_accepted_replaces_steps():
    f = lambda p: (0.5 * (p * p).sum(1), p)  # noqa: E731
    res = gradient_descent(f, np.array([[1.0]]), step=0.5, tol=1e-12, polish=ExactPolish())
    assert res.converged[0] and res.polish_steps[0] == 1
    assert res.steps[0] == 7  # 0.5^7 < 1e-2 <= 0.5^6: GD until below `start`, then one Newton step
    assert res.params[0, 0] == 0.0


def test_frobenius_rule():
    f = lambda p: (0.5 * (p * p).sum(1), p)  # noqa: E731
    p0 = np.array([[3.0, 4.0]])  # |p|_F = 5, max = 4
    res = gradient_descent(f, p0, step=0.5, tol=1.0, norm="fro")
    assert res.steps[0] == 3  # 5/8 <= 1 < 5/4
    res = gradient_descent(f, p0, step=0.5, tol=1.0, norm="max")
    assert res.steps[0] == 2  # 4/4 <= 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(step=0.0), "step"),
    (dict(step=-1.0), "step"),
    (dict(step=np.nan), "step"),
    (dict(step=0.1, max_steps=0), "max_steps"),
    (dict(step=0.1, max_steps=10 ** 12), "max_steps"),
    (dict(step=0.1, tol=-1.0), "tol"),
    (dict(step=0.1, weight_decay=-1.0), "weight_decay"),
    (dict(step=0.1, norm="l1"), "norm"),
])
def test_bad_input(kwargs, message):
    with pytest.raises(InputError, match=message):
        gradient_descent(lambda p: (p.sum(1), p), np.ones((2, 2)), **kwargs)


def test_bad_params():
    f = lambda p: (p.sum(1), p)  # noqa: E731
    with pytest.raises(InputError, match="NaN"):
        gradient_descent(f, np.array([[np.nan]]), step=0.1)
    with pytest.raises(InputError, match="axis 0"):
        gradient_descent(f, (np.ones((2, 2)), np.ones((3, 2))), step=0.1)


def test_keyboard_interrupt_propagates():
    calls = []

    def objective(p):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return 0.5 * (p * p).sum(1), p

    with pytest.raises(KeyboardInterrupt):
        gradient_descent(objective, np.ones((2, 2)), step=0.1)
    assert len(calls) == 3


# ---------------------------------------------------------------- the takes_active protocol


class PerRunCurvature:
    """f_r(p) = ½ c[r] |p|² with the curvature held by the objective (per-run data), not the params."""

    takes_active = True

    def __init__(self, c):
        self.c = np.asarray(c, float)
        self.seen = []

    def __call__(self, p, active):
        self.seen.append(np.array(active))
        c = self.c[active][:, None]
        return 0.5 * (c[:, 0] * (p * p).sum(axis=1)), c * p


def test_takes_active_gets_the_original_run_indices():
    # runs stop at different times: the objective must be told which runs remain, in order
    c = np.array([0.9, 0.1, 0.5, 0.3])
    p0 = np.array([[1.0], [1.0], [-2.0], [0.5]])
    obj = PerRunCurvature(c)
    res = gradient_descent(obj, p0, step=1.0, tol=1e-8)
    for r in range(4):  # closed form of GD on ½ c p²: p_n = (1 − c)^n p_0, stopped at |c p_n| <= tol
        n = int(np.ceil(np.log(1e-8 / (c[r] * abs(p0[r, 0]))) / np.log(1 - c[r])))
        assert res.steps[r] == n
        assert res.params[r, 0] == pytest.approx((1 - c[r]) ** n * p0[r, 0], rel=1e-12)
    assert np.array_equal(obj.seen[0], np.arange(4))
    assert all(np.all(np.diff(s) > 0) for s in obj.seen)  # increasing original indices
    assert any(len(s) < 4 for s in obj.seen)  # the protocol was exercised with a shrinking batch
    # the loss of stopped runs is evaluated with their own indices too
    assert res.loss == pytest.approx(0.5 * c * res.params[:, 0] ** 2, rel=1e-12)


def test_objectives_without_the_attribute_are_called_as_before():
    calls = []

    def plain(p):  # would raise TypeError if given a keyword
        calls.append(p.shape[0])
        return 0.5 * (p * p).sum(axis=1), p

    res = gradient_descent(plain, np.array([[1.0], [0.1]]), step=0.5, tol=1e-6)
    assert res.converged.all() and calls[0] == 2 and min(calls) == 1


class _WithNorms:
    """A population objective that also offers ``gradient_and_norms``, the
    norms computed here independently (numpy, per run) -- and counts its calls."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __call__(self, W):
        return self.inner(W)

    def gradient_and_norms(self, W):
        self.calls += 1
        G = self.inner(W)[1]
        flat = G.reshape(G.shape[0], -1)
        return G, np.abs(flat).max(axis=1), np.sqrt((flat * flat).sum(axis=1))


@pytest.mark.parametrize("norm", ["max", "fro"])
def test_gradient_and_norms_protocol_gives_the_same_descent(norm):
    """An objective handing over its per-run norms takes exactly the same steps
    (same stops, same endpoints) as the trainer measuring them itself; with
    weight decay the protocol is not used (the measure is of ∇L + λp)."""
    from landscape.dynamics import population_objective

    rng = np.random.default_rng(8)
    W0 = rng.normal(size=(12, 5, 5)) / np.sqrt(5)
    plain = population_objective(engine="numpy")
    for wd in (0.0, 1e-3):
        withn = _WithNorms(plain)
        a = gradient_descent(plain, W0, step=1.0, tol=1e-10, max_steps=5000, norm=norm, weight_decay=wd)
        b = gradient_descent(withn, W0, step=1.0, tol=1e-10, max_steps=5000, norm=norm, weight_decay=wd)
        assert np.array_equal(a.params, b.params) and np.array_equal(a.steps, b.steps)
        assert np.array_equal(a.converged, b.converged) and np.array_equal(a.grad_norm, b.grad_norm)
        assert (withn.calls > 0) == (wd == 0.0)
