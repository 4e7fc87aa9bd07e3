"""Critical points in Fix(H): the published type-A minimum, zeros of the full
gradient, Morse indices against dense eigvalsh, seed independence, continuation."""

import numpy as np
import pytest

from landscape.backends import mp_context
from landscape.critical_points import find_critical_points, follow_family, polish, solve
from landscape.errors import InputError
from landscape.fixed_points import Family, assemble, reduced_gradient, reduced_loss
from landscape.loss import gradient, hessian, loss


@pytest.fixture(scope="module")
def type_a_6():
    return find_critical_points((5, 1), starts=150, seed=0)


def test_type_a_minimum_at_d6_is_safran_shamir(type_a_6):
    spurious = [p for p in type_a_6 if not p.is_global]
    best = spurious[0]
    assert abs(float(best.loss) - 0.02508) < 5e-6  # Safran & Shamir (2018): 0.02508
    W = best.W()
    assert abs(float(loss(W)) - float(best.loss)) < 1e-12
    assert np.abs(gradient(W)).max() < 1e-10  # a critical point of the full loss
    ev = np.linalg.eigvalsh(hessian(W))
    assert ev.min() > 1e-3 and best.index == 0 and best.kind == "minimum"
    assert float(best.min_eigenvalue) == pytest.approx(ev.min(), abs=1e-10)


def test_indices_agree_with_dense_hessian(type_a_6):
    assert any(p.is_global for p in type_a_6)
    saddles = 0
    for p in type_a_6:
        W = p.W()
        assert np.abs(gradient(W)).max() < 1e-9
        ev = np.linalg.eigvalsh(hessian(W))
        tol = 1e-8 * max(1, np.abs(ev).max())
        assert p.index == int((ev < -tol).sum())
        assert float(p.min_eigenvalue) == pytest.approx(ev.min(), abs=1e-9)
        saddles += p.index > 0
    assert saddles >= 3  # root finding reports saddles, not only minima
    losses = [float(p.loss) for p in type_a_6]
    assert losses == sorted(losses)


def test_type_a_at_d5_is_a_saddle():
    pts = find_critical_points((4, 1), starts=100, seed=1)
    best = [p for p in pts if not p.is_global][0]
    assert best.index > 0
    assert np.linalg.eigvalsh(hessian(best.W())).min() < -1e-4


def test_another_seed_finds_the_same_points_with_default_starts():
    def found(seed):
        pts = find_critical_points((5, 1), seed=seed)
        return {(round(float(p.loss), 7), p.index) for p in pts if p.kind in ("saddle", "minimum")}

    a, b = found(1), found(2)
    assert a == b and len(a) >= 10


def test_polish_at_40_digits_gives_a_40_digit_zero_of_the_full_gradient(type_a_6):
    fam = Family((5, 1))
    x = [p for p in type_a_6 if not p.is_global][0].params
    assert solve(fam, x) is not None
    y = polish(fam, x, 40)
    ctx = mp_context(40)
    G = gradient(assemble(fam, y, ctx), ctx=ctx)
    assert max(abs(v) for v in G.ravel()) < ctx.mp.mpf(10) ** -38
    with pytest.raises(InputError):
        polish(fam, [3.0, 2.0, 1.0, 1.0, 1.0], 30, maxiter=3)


def test_continuation_reaches_large_d(type_a_6):
    best = [p for p in type_a_6 if not p.is_global][0]
    path = follow_family("d-1,1", [6, 50, 100, 10_000], start=best.params)
    assert [p.family.d for p in path] == [6, 50, 100, 10_000]
    losses = [float(p.loss) for p in path]
    assert losses == sorted(losses, reverse=True)
    # d = 100: independent check with the full gradient and loss
    W = path[2].W()
    assert np.abs(gradient(W)).max() < 1e-10
    assert float(loss(W)) == pytest.approx(losses[2], rel=1e-9)
    # d = 10^4: loss ~ 3e-5 (Arjevani & Field), checked at 50 digits
    last = path[-1]
    assert 2e-5 < losses[-1] < 4e-5
    assert abs(losses[-1] - float(reduced_loss(last.family, last.params, mp_context(50)))) < 1e-19
    assert np.abs(reduced_gradient(last.family, last.params)).max() < 1e-9
    assert last.index == 0 and last.spectrum.dimension == 10_000 ** 2


def test_bad_input():
    with pytest.raises(InputError):
        find_critical_points((3, 1), starts=-1)


def test_over_parameterised_type_a_is_a_saddle(type_a_6):
    """Arjevani & Field (2022): an extra neuron turns the type-A minimum into a
    saddle.  The split type-A point is critical for k = d + 1 at every d."""
    from landscape.critical_points import split_point

    best = [p for p in type_a_6 if not p.is_global][0]
    path = follow_family("d-1,1", [6, 7, 10], start=best.params)
    for base in path:
        p = split_point(base, 1, 0.3)
        assert p.family.k == base.family.d + 1
        W = p.W()
        assert np.abs(gradient(W)).max() < 1e-9
        assert float(loss(W)) == pytest.approx(float(base.loss), abs=1e-12)
        ev = np.linalg.eigvalsh(hessian(W))
        assert p.index == int((ev < -1e-8 * np.abs(ev).max()).sum()) and p.index > 0
    pts = find_critical_points(Family((5, 1), (1,)), starts=40, seed=0)
    for p in pts:
        if p.kind in ("saddle", "minimum"):
            assert np.abs(gradient(p.W())).max() < 1e-9


def test_keyboard_interrupt_keeps_finished_results(monkeypatch):
    import landscape.critical_points as cp

    real = cp.solve
    calls = {"n": 0}

    def flaky(fam, x0, *a, **k):
        calls["n"] += 1
        if calls["n"] > 40:
            raise KeyboardInterrupt
        return real(fam, x0, *a, **k)

    monkeypatch.setattr(cp, "solve", flaky)
    pts = cp.find_critical_points((5, 1), starts=200, seed=0)
    assert calls["n"] == 41 and len(pts) >= 1
    for p in pts:
        assert np.abs(gradient(p.W())).max() < 1e-9
