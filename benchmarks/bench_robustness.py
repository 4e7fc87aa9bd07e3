"""One sweep cell of ``relu-landscape robustness``: its time, split into
training and probing, in both settings, at the sizes of docs/robustness.md.

Run:  PYTHONPATH=. python benchmarks/bench_robustness.py [--seeds 5]

Also measured in the same run, against the obvious alternative:

* the exact flip search (:func:`landscape.robustness.flip_distances`: ReLU
  breakpoints bracket the first zero, affine root on the piece) against a
  scan of ``f`` on a grid of 10^4 points of the ray per test point followed
  by 60 bisection steps (what one writes first; it may skip a flip between
  two grid points, the exact search cannot);
* the gaussian cell's batched GD (one ``gradient_descent`` call for all
  seeds) against one call per seed;
* the finite cell's training: all seeds in one call (per-run samples, the
  engine's ``takes_active`` protocol) against one call per seed
  (``train(..., per_seed=True)``, the former path), with a bit-for-bit
  comparison of the endpoints.

``--only finite`` runs the last comparison alone.

Absolute times vary between machines (and with the load of a shared one);
the ratios measured in the same run are the figures to quote.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from landscape import subspace
from landscape.descent import gradient_descent
from landscape.empirical import forward, input_gradient
from landscape.robustness import (
    ProbeConfig,
    basis,
    initialise,
    probe,
    run_cell,
    teacher,
    train,
)
from landscape.robustness import _student_signs  # the gaussian student's fixed second layer


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def grid_then_bisect(W, b, a, X, U, tmax, grid=10_000, steps=60):
    """The obvious flip search: scan f on a grid of the ray, bisect the first sign change."""
    f0 = forward(X, W, b, a)[0]
    G = input_gradient(X, W, b, a)[0]
    Gperp = G - (G @ U) @ U.T
    u = -np.sign(f0)[:, None] * Gperp / np.linalg.norm(Gperp, axis=1)[:, None]
    t = np.linspace(0, tmax, grid)
    out = np.full(X.shape[0], np.inf)
    for n in range(X.shape[0]):
        pts = X[n][None, :] + t[:, None] * u[n][None, :]
        f = forward(pts, W, b, a)[0]
        idx = np.flatnonzero(np.sign(f) != np.sign(f0[n]))
        if not idx.size:
            continue
        lo, hi = t[idx[0] - 1], t[idx[0]]
        for _ in range(steps):
            mid = 0.5 * (lo + hi)
            fm = forward((X[n] + mid * u[n])[None], W, b, a)[0, 0]
            lo, hi = (mid, hi) if np.sign(fm) == np.sign(f0[n]) else (lo, mid)
        out[n] = hi
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", choices=("all", "finite"), default="all")
    args = parser.parse_args()
    print(f"# bench_robustness  python {platform.python_version()}  numpy {np.__version__}  {platform.machine()}")
    if args.only == "all":
        cells_and_searches(args)
    finite_batched_vs_per_seed(args)


def finite_batched_vs_per_seed(args):
    for seeds, extra in ((args.seeds, {}), (4 * args.seeds, {}), (4 * args.seeds, {"width": 20, "samples": 50})):
        cfg = ProbeConfig(setting="finite", d=20, r=4, steps=2000, **extra).checked()
        t_seed, a = timed(lambda: train(cfg, 1.0, 1e-3, range(seeds), per_seed=True))
        t_batch, b = timed(lambda: train(cfg, 1.0, 1e-3, range(seeds)))
        same = all(np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True)
                   for f in ("W", "b", "a", "loss", "train_accuracy", "steps", "converged", "diverged"))
        print(f"finite training, width {cfg.width}, samples {cfg.samples}, d 20, {seeds} seeds x 2000 steps: "
              f"one call per seed {t_seed:.2f} s, batched {t_batch:.2f} s: ratio {t_seed / t_batch:.1f}x; "
              f"endpoints bit-identical: {same}")


def cells_and_searches(args):

    for setting, extra in (("gaussian", {}), ("finite", {})):
        cfg = ProbeConfig(setting=setting, d=20, r=4, steps=2000, **extra).checked()
        t_cell, cell = timed(lambda: run_cell(cfg, 1.0, 1e-3, seeds=args.seeds))
        t_train, tr = timed(lambda: train(cfg, 1.0, 1e-3, range(args.seeds)))
        print(f"{setting:>8}: one cell (d = 20, r = 4, width {cfg.width}, "
              f"{'samples ' + str(cfg.samples) + ', ' if setting == 'finite' else ''}2000 steps, "
              f"{args.seeds} seeds, {cfg.test_points} test points each): {t_cell:.2f} s "
              f"(training {t_train:.2f} s, {1e3 * t_train / (args.seeds * 2000):.3f} ms per run-step)")

    # exact flip search vs grid + bisection, on one trained finite-setting run
    cfg = ProbeConfig(setting="finite", d=20, r=4, steps=2000).checked()
    tr = train(cfg, 1.0, 0.0, [0])
    U = basis(cfg)
    X = subspace.sample_inputs(U, 50, np.random.default_rng(1))
    t_exact, res = timed(lambda: probe(tr.W, tr.b, tr.a, X, U, max_distance=1e4))
    exact = res["flip_distance"][0]
    tmax = float(np.nanmax(np.where(np.isfinite(exact), exact, np.nan))) * 1.5
    t_grid, approx = timed(lambda: grid_then_bisect(tr.W, tr.b, tr.a, X, U, tmax))
    both = np.isfinite(exact) & np.isfinite(approx)
    print(f"flip search, 50 points, width 100: exact breakpoints {t_exact * 1e3:.1f} ms (whole probe), "
          f"grid 10^4 + bisection {t_grid * 1e3:.0f} ms: ratio {t_grid / t_exact:.0f}x; "
          f"max |difference| where both found a flip {np.abs(exact[both] - approx[both]).max():.2e}, "
          f"grid found {int(np.isfinite(approx).sum())}/50, exact {int(np.isfinite(exact).sum())}/50")

    # batched gaussian GD vs one call per seed
    cfg = ProbeConfig(setting="gaussian", d=20, r=4, steps=2000, tol=0.0).checked()
    U = basis(cfg)
    V, beta = teacher(U)
    alpha = _student_signs(cfg.width)
    obj = subspace.population_objective(U, V, alpha=alpha, beta=beta)
    W0 = initialise(cfg, 1.0, range(args.seeds))
    t_batch, rb = timed(lambda: gradient_descent(obj, W0, step=cfg.step, tol=0.0, max_steps=2000))
    t_loop, _ = timed(lambda: [gradient_descent(obj, W0[i:i + 1], step=cfg.step, tol=0.0, max_steps=2000)
                               for i in range(args.seeds)])
    print(f"gaussian GD, {args.seeds} seeds x 2000 steps: batched {t_batch:.2f} s, one call per seed "
          f"{t_loop:.2f} s: ratio {t_loop / t_batch:.1f}x")


if __name__ == "__main__":
    main()
