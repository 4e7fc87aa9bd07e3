"""Finite-sample width experiment (Zou & Gu setting).

Oracles: central finite differences of the empirical loss (gradient, and the
Hessian's top eigenvalue against the Gram-matrix step), a direct numpy
evaluation of the training loss at the endpoints, brute-force pairwise
distances, and reproducibility (same seed → identical records, whatever the
batch composition or the number of workers).
"""

import itertools
import math

import numpy as np
import pytest

from landscape.errors import InputError
from landscape.finite_sample import (_FixedSecondLayer, fit_runs, gram_step, initial_params, min_distance, sample,
                                     summarise, width_experiment, zou_gu_width, plot_width_experiment)


def direct_loss(X, y, W, a):
    f = np.array([sum(a[r] * max(W[r] @ x, 0.0) for r in range(len(a))) for x in X])
    return 0.5 * np.mean((f - y) ** 2)


def test_gradient_matches_finite_differences():
    X, y = sample(7, 3, seed=4)
    W0, a = initial_params(5, 3, [0], seed=4, n=7)
    obj = _FixedSecondLayer(X, y)
    loss, (gW, ga) = obj((W0, a))
    assert abs(loss[0] - direct_loss(X, y, W0[0], a[0])) < 1e-14
    assert np.all(ga == 0)  # the second layer is not trained
    h = 1e-6
    fd = np.zeros_like(W0[0])
    for i, j in itertools.product(range(5), range(3)):
        E = np.zeros_like(W0)
        E[0, i, j] = h
        fd[i, j] = (direct_loss(X, y, (W0 + E)[0], a[0]) - direct_loss(X, y, (W0 - E)[0], a[0])) / (2 * h)
    assert np.abs(fd - gW[0]).max() < 1e-8


def test_gram_step_is_the_top_hessian_eigenvalue():
    # L is piecewise quadratic in W: the finite-difference Hessian of the gradient is exact inside a piece
    X, y = sample(6, 3, seed=1)
    W0, a = initial_params(4, 3, [0, 1], seed=1, n=6)
    obj = _FixedSecondLayer(X, y)
    step = gram_step(X, W0, a, step_scale=1.0)
    for r in range(2):
        h = 1e-7
        cols = []
        for idx in range(12):
            E = np.zeros(12)
            E[idx] = h
            gp = obj((W0[r:r + 1] + E.reshape(1, 4, 3), a[r:r + 1]))[1][0].ravel()
            gm = obj((W0[r:r + 1] - E.reshape(1, 4, 3), a[r:r + 1]))[1][0].ravel()
            cols.append((gp - gm) / (2 * h))
        H = np.array(cols)
        lam = np.linalg.eigvalsh((H + H.T) / 2)[-1]
        assert abs(step[r] - 1.0 / lam) < 1e-5 * step[r]  # step = n / λmax(K) = 1 / λmax(H)


def test_wide_students_fit_small_samples():
    X, y = sample(5, 4, seed=2)
    W0, a = initial_params(64, 4, range(4), seed=2, n=5)
    out = fit_runs(X, y, W0, a, max_steps=20_000)
    assert out["outcome"] == ["zero"] * 4
    for r in range(4):
        L = direct_loss(X, y, out["W"][r], a[r])  # independent evaluation at the endpoint
        assert L <= 1e-10 * 0.5 * np.mean(y * y)
        assert abs(L - out["loss"][r]) < 1e-15


def test_narrow_student_cannot_fit_many_samples():
    # m d = 2 parameters cannot interpolate 30 generic samples: never "zero"
    X, y = sample(30, 2, seed=3)
    W0, a = initial_params(1, 2, range(3), seed=3, n=30)
    out = fit_runs(X, y, W0, a, max_steps=5_000)
    assert "zero" not in out["outcome"]
    assert all(o in ("stationary", "stalled", "budget") for o in out["outcome"])
    assert min(out["loss"]) > 1e-3


def test_segments_do_not_change_the_trajectory():
    X, y = sample(8, 3, seed=5)
    W0, a = initial_params(6, 3, range(3), seed=5, n=8)
    one = fit_runs(X, y, W0, a, max_steps=60, segment=60, stall=1e-300, loss_tol=1e-300)
    many = fit_runs(X, y, W0, a, max_steps=60, segment=7, stall=1e-300, loss_tol=1e-300)
    assert one["steps"] == many["steps"] == [60, 60, 60]
    assert np.array_equal(one["W"], many["W"])


def test_runs_do_not_depend_on_their_batch():
    A = initial_params(5, 3, range(4), seed=9, n=10)
    B = initial_params(5, 3, [2, 3], seed=9, n=10)
    assert np.array_equal(A[0][2:], B[0]) and np.array_equal(A[1][2:], B[1])


def test_seeded_experiment_is_reproducible_and_worker_independent():
    kw = dict(samples=(4, 6), widths=(2, 16), runs=3, d=3, seed=11, progress=False, max_steps=3000)
    r1 = width_experiment(**kw)
    r2 = width_experiment(**kw, workers=2)
    assert r1.records == r2.records
    assert r1.cells == r2.cells
    r3 = width_experiment(**{**kw, "seed": 12})
    assert r3.records != r1.records


def test_resume_does_not_repeat_or_lose_cells(tmp_path):
    out = tmp_path / "runs.jsonl"
    kw = dict(samples=(4,), widths=(2, 8), runs=2, d=3, seed=1, progress=False, max_steps=2000)
    full = width_experiment(**kw, out=out)
    lines = out.read_text().splitlines()
    assert len(lines) == 3  # meta + one line per (n, m, sample)
    out.write_text("\n".join(lines[:2]) + "\n" + lines[2][:10])  # interrupted mid-write
    again = width_experiment(**kw, out=out, resume=True)
    assert again.records == full.records
    assert len(out.read_text().splitlines()) == 3


def test_summary_threshold_rule():
    def rec(outcomes):
        return {"outcome": outcomes, "loss": [0.0] * len(outcomes), "steps": [1] * len(outcomes), "phi": 0.5}
    z, s = "zero", "stalled"
    records = {"n10-m1-s0": rec([s, s, s, s]), "n10-m2-s0": rec([z, z, z, s]), "n10-m4-s0": rec([z, s, s, s]),
               "n10-m8-s0": rec([z, z, s, s]), "n10-m16-s0": rec([z, z, z, z])}
    res = summarise(records, [10], [1, 2, 4, 8, 16], 1, d=5, threshold=0.5)
    (t,) = res.thresholds
    assert (t["m_star"], t["m_below"]) == (8, 4)  # 2 reaches 3/4 but 4 falls back to 1/4
    assert t["zou_gu_width"] == 10 ** 8 / 0.5 ** 4 and t["param_count_width"] == 2
    c = [c for c in res.cells if c["m"] == 8][0]
    assert c["fraction"] == 0.5 and c["ci_low"] < 0.5 < c["ci_high"]


def test_min_distance_and_zou_gu_width():
    X, _ = sample(9, 3, seed=0)
    brute = min(np.linalg.norm(X[i] - X[j]) for i in range(9) for j in range(i + 1, 9))
    assert abs(min_distance(X) - brute) < 1e-12
    assert math.isclose(zou_gu_width(3, 0.5, constant=2.0), 2 * 3 ** 8 * 16)


def test_figure(tmp_path):
    res = width_experiment(samples=(4, 8), widths=(2, 16), runs=2, d=3, seed=0, progress=False, max_steps=2000)
    path = tmp_path / "w.png"
    plot_width_experiment(res, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError):
        plot_width_experiment(res, tmp_path / "w.bmp")


@pytest.mark.parametrize("kwargs", [dict(samples=(1,)), dict(widths=(0,)), dict(runs=0), dict(d=0),
                                    dict(step_scale=2.0), dict(loss_tol=0.0), dict(threshold=1.5),
                                    dict(samples=(5000,), widths=(8192,), runs=1000, max_steps=10_000_000),
                                    dict(samples=(2000,), widths=(4096,), runs=100, max_steps=1),
                                    dict(samples=(4, 4)), dict(seed=-1), dict(max_steps=0)])
def test_bad_input(kwargs):
    base = dict(samples=(4,), widths=(2,), runs=1, d=2, progress=False)
    with pytest.raises(InputError):
        width_experiment(**{**base, **kwargs})
