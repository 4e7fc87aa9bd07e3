"""The robustness probe against independent computations.

Oracles: the algebra of GD with weight decay (the orthogonal part of W obeys
W_T P⊥ = (1 − ηλ)^T W_0 P⊥, checked on the trained weights of both settings,
with the coordinate basis where P⊥ is exact and a random rotation where it is
exact up to rounding); central finite differences of f along an orthonormal
basis of P⊥ and of span(U) (input-gradient split); a brute-force scan of f
along the ray (flip distance).
"""

import numpy as np
import pytest

from landscape import subspace
from landscape.empirical import forward
from landscape.errors import InputError
from landscape.robustness import (
    ProbeConfig,
    basis,
    check_sweep,
    flip_distances,
    initialise,
    probe,
    run_cell,
    sweep,
    train,
)

RNG = np.random.default_rng(99)

SMALL = dict(d=5, r=2, steps=60, test_points=15)


@pytest.mark.parametrize("setting", ["gaussian", "finite"])
@pytest.mark.parametrize("basis_name", ["coordinate", "random"])
def test_orthogonal_part_unchanged_without_weight_decay(setting, basis_name):
    cfg = ProbeConfig(setting=setting, basis=basis_name, width=6, samples=30, **SMALL).checked()
    tr = train(cfg, 1.0, 0.0, [0, 1])
    U = basis(cfg)
    _, perp0 = subspace.split(tr.W0, U)
    _, perpT = subspace.split(tr.W, U)
    par_moved = np.abs(subspace.split(tr.W, U)[0] - subspace.split(tr.W0, U)[0]).max()
    assert par_moved > 1e-3  # training did move the weights ...
    if basis_name == "coordinate":
        assert np.array_equal(perpT, perp0)  # ... but not their orthogonal part, not even by rounding
    else:
        assert np.abs(perpT - perp0).max() < 1e-13 * max(1, tr.steps.max())


@pytest.mark.parametrize("setting", ["gaussian", "finite"])
def test_weight_decay_shrinks_orthogonal_part_by_exactly_the_predicted_factor(setting):
    cfg = ProbeConfig(setting=setting, basis="coordinate", width=6, samples=30, tol=0.0, **SMALL).checked()
    lam = 0.05
    tr = train(cfg, 1.0, lam, [0, 1])
    assert (tr.steps == cfg.steps).all()
    U = basis(cfg)
    _, perpT = subspace.split(tr.W, U)
    # oracle: the closed-form factor, computed from the start without any training
    W0 = initialise(cfg, 1.0, [0, 1])
    W0 = W0 if setting == "gaussian" else W0[0]
    expected = (1 - cfg.step * lam) ** cfg.steps * subspace.split(W0, U)[1]
    assert np.allclose(perpT, expected, rtol=1e-12, atol=0)
    assert np.abs(perpT).max() > 0


def test_input_gradient_split_matches_finite_differences():
    d, r, k = 6, 2, 7
    U = subspace.random_basis(d, r, RNG)
    W = RNG.standard_normal((1, k, d))
    b = RNG.standard_normal((1, k))
    a = RNG.standard_normal((1, k))
    X = subspace.sample_inputs(U, 10, RNG)
    res = probe(W, b, a, X, U)
    Q, _ = np.linalg.qr(np.hstack([U, RNG.standard_normal((d, d - r))]))
    perp_basis = Q[:, r:]  # orthonormal basis of P⊥
    h = 1e-7
    for n, x in enumerate(X):
        def deriv(e):
            return (forward((x + h * e)[None], W, b, a)[0, 0] - forward((x - h * e)[None], W, b, a)[0, 0]) / (2 * h)

        orth = np.linalg.norm([deriv(e) for e in perp_basis.T])
        par = np.linalg.norm([deriv(e) for e in U.T])
        assert np.isclose(res["orth_grad"][0, n], orth, rtol=1e-6)
        assert np.isclose(res["par_grad"][0, n], par, rtol=1e-6)


def test_full_dimensional_data_has_zero_orthogonal_gradient():
    cfg = ProbeConfig(setting="gaussian", d=4, r=4, steps=30, test_points=10).checked()
    cell = run_cell(cfg, 1.0, 0.0, seeds=2)
    assert cell["median_orth_grad"] == 0.0 and cell["orth_grad_q75"] == 0.0
    assert cell["flip_found_fraction"] == 0.0 and cell["median_flip_distance"] is None


def brute_first_zero(z, c, a, tmax, n=400_001):
    t = np.linspace(0, tmax, n)
    g = np.maximum(z[None, :] + t[:, None] * c[None, :], 0) @ a
    s = np.sign(g[0])
    idx = np.flatnonzero(s * g <= 0)
    return (t[idx[0]] if idx.size else np.inf), t[1] - t[0]


def test_flip_distance_matches_brute_force_scan():
    found = 0
    for _ in range(60):
        k = RNG.integers(1, 8)
        z, c, a = RNG.standard_normal(k), RNG.standard_normal(k), RNG.standard_normal(k)
        got = flip_distances(z, c, a)
        ref, dt = brute_first_zero(z, c, a, 20.0)
        if np.isfinite(ref):
            found += 1
            assert ref - dt <= got <= ref + 1e-12
            assert abs(np.maximum(z + got * c, 0) @ a) < 1e-9
        else:
            assert got > 20.0 - dt
    assert found > 10


def test_flip_distance_sees_a_flip_that_comes_back():
    # g(t) = relu(1 - t) ... crosses 0 briefly: g = relu(1-t) - 2 relu(t-0.9) + 3 relu(t-1.0)
    z = np.array([1.0, -0.9, -1.0])
    c = np.array([-1.0, 1.0, 1.0])
    a = np.array([1.0, -2.0, 3.0])
    # g(0.9) = 0.1 > 0, g(1.0) = -0.2 < 0, g(1.1) = -0.1-... ; first zero at t = 0.9 + 0.1/3
    assert np.isclose(flip_distances(z, c, a), 0.9 + 0.1 / 3, rtol=1e-14)
    assert flip_distances(z, c, a, max_distance=0.5) == np.inf


def test_flip_distance_where_the_output_stays_exactly_zero():
    """g switches off at the last kink of the positive neurons and stays 0 until a negative neuron
    switches on: the boundary is reached at that kink (computed from rounded z, c in many draws)."""
    for _ in range(200):
        zp, cp = RNG.uniform(0.5, 1.0, 4), -RNG.uniform(0.001, 0.02, 4)
        zn, cn = -RNG.uniform(0.5, 1.0, 2), RNG.uniform(1e-4, 2e-3, 2)
        z, c = np.concatenate([zp, zn]), np.concatenate([cp, cn])
        a = np.array([1.0] * 4 + [-1.0] * 2)
        expected = np.max(-zp / cp)
        if np.min(-zn / cn) <= expected:
            continue
        assert np.isclose(flip_distances(z, c, a), expected, rtol=1e-12)


def test_sweep_results_resume_and_match_direct_cells(tmp_path):
    cfg = ProbeConfig(setting="gaussian", **SMALL)
    out = tmp_path / "cells.jsonl"
    cells = sweep(cfg, [1.0, 0.1], [0.0], seeds=2, out=str(out), progress=False)
    lines = out.read_text().splitlines()
    assert len(lines) == 3  # meta + one line per cell
    # an interrupted sweep: keep the first cell only, add a torn line, resume with one more decay
    out.write_text("\n".join(lines[:2]) + "\n" + lines[2][:20])
    resumed = sweep(cfg, [1.0, 0.1], [0.0, 0.01], seeds=2, out=str(out), resume=True, progress=False)
    assert resumed[:2] == cells
    assert len(out.read_text().splitlines()) == 1 + 4
    direct = run_cell(cfg, 0.1, 0.01, seeds=2)
    assert resumed[3] == direct
    with pytest.raises(InputError, match="different experiment"):
        sweep(ProbeConfig(setting="gaussian", **dict(SMALL, steps=61)), [1.0], [0.0], seeds=2, out=str(out),
              resume=True, progress=False)


def test_workers_give_the_same_cells(tmp_path):
    cfg = ProbeConfig(setting="finite", width=6, samples=20, **SMALL)
    one = sweep(cfg, [1.0, 0.3], [0.0], seeds=2, out=str(tmp_path / "a.jsonl"), progress=False)
    two = sweep(cfg, [1.0, 0.3], [0.0], seeds=2, out=str(tmp_path / "b.jsonl"), workers=2, progress=False)
    assert one == two


def test_a_diverged_run_gives_json_ready_nulls():
    import json

    cfg = ProbeConfig(setting="finite", width=6, samples=20, step=1e6, **dict(SMALL, steps=50))
    cell = run_cell(cfg, 1.0, 0.0, seeds=1)
    json.dumps(cell, allow_nan=False)  # no NaN or inf anywhere
    assert cell["diverged"] == 1 and cell["train_loss_median"] is None and cell["median_orth_grad"] is None


@pytest.mark.parametrize("kwargs,match", [
    (dict(d=3, r=4), "r must satisfy"),
    (dict(d=3, r=0), "r must satisfy"),
    (dict(d=10**7, r=1), "d must be between"),
    (dict(setting="nope"), "setting"),
    (dict(steps=0), "steps"),
    (dict(setting="finite", d=2000, r=2, width=1000, samples=100_000), "memory"),
])
def test_bad_config(kwargs, match):
    with pytest.raises(InputError, match=match):
        check_sweep(ProbeConfig(**kwargs), [1.0], [0.0], 5)


def test_bad_sweep_lists():
    cfg = ProbeConfig(**SMALL)
    with pytest.raises(InputError, match="empty"):
        check_sweep(cfg, [], [0.0], 5)
    with pytest.raises(InputError, match="positive"):
        check_sweep(cfg, [-1.0], [0.0], 5)
    with pytest.raises(InputError, match="non-negative"):
        check_sweep(cfg, [1.0], [-0.1], 5)
    with pytest.raises(InputError, match="finite"):
        check_sweep(cfg, [float("inf")], [0.0], 5)
    with pytest.raises(InputError, match="flops"):
        check_sweep(ProbeConfig(setting="finite", d=2000, r=2, width=1000, samples=1000, steps=10**6),
                    [1.0], [0.0], 5)


def test_orthogonal_gradient_has_the_predicted_chi_distribution():
    """Independent prediction: training of (W U, b, a) never sees W_0 P⊥ (inputs on the subspace),
    and W_0 P⊥ has i.i.d. N(0, s²/d) entries in the d − r orthogonal directions, independent of W_0 U.
    Hence, given the trained run, P⊥∇f(x) = Σ_i a_i 1[w_i·x + b_i > 0] P⊥ w_i is Gaussian with
    covariance s² (1 − ηλ)^{2T} Σ_active a_i² / d on P⊥, and the normalised square has mean d − r."""
    d, r, seeds, s, lam = 8, 3, 300, 0.7, 0.01
    cfg = ProbeConfig(setting="gaussian", d=d, r=r, width=6, steps=40, tol=0.0, test_points=1).checked()
    tr = train(cfg, s, lam, range(seeds))
    U = basis(cfg)
    x = subspace.sample_inputs(U, 1, np.random.default_rng(5))
    res = probe(tr.W, tr.b, tr.a, x, U)
    active = (np.einsum("d,bkd->bk", x[0], tr.W) > 0)
    scale2 = s**2 * (1 - cfg.step * lam) ** (2 * cfg.steps) * (active * tr.a**2).sum(axis=1) / d
    ratio2 = res["orth_grad"][:, 0] ** 2 / scale2
    se = np.sqrt(2 * (d - r) / seeds)  # chi-square(d − r) has variance 2 (d − r)
    assert abs(ratio2.mean() - (d - r)) < 4 * se


@pytest.mark.parametrize("tol,decay,step", [(1e-3, 0.0, 1.0), (3e-3, 1e-2, 1.0), (1e-10, 0.0, 50.0)])
def test_finite_batched_is_bit_identical_to_per_seed(tol, decay, step, monkeypatch):
    # all seeds in one GD call (per-run samples, takes_active) against one call per seed; the runs stop
    # at different steps (tol), with weight decay, and with a step so large that every neuron dies within a
    # few steps (gradient exactly 0: runs stop at once, at different steps)
    import landscape.robustness as rob

    cfg = ProbeConfig(setting="finite", d=6, r=2, width=8, samples=20, steps=800, test_points=5, tol=tol, step=step)
    ref = train(cfg, 1.0, decay, range(7), per_seed=True)
    seen = []
    batched = train(cfg, 1.0, decay, range(7), progress=seen.append)
    import landscape.empirical as emp

    monkeypatch.setattr(rob, "MAX_BATCH_ARRAY", 3 * 20 * 8)  # three seeds per batch: chunking changes nothing
    monkeypatch.setattr(emp, "BLOCK_FLOATS", 2 * 20 * 8)  # nor do the objective's blocks of two runs
    chunked = train(cfg, 1.0, decay, range(7))
    for got in (batched, chunked):
        for name in ("W", "b", "a", "W0", "loss", "train_accuracy", "steps", "converged", "diverged"):
            assert np.array_equal(getattr(got, name), getattr(ref, name), equal_nan=True), name
    assert sum(seen) == 7
    assert len(set(ref.steps.tolist())) > 1 and ref.converged.sum() >= 2  # runs left the batch one by one
