"""Hessian assembly (closed form, vectorised) against central finite
differences of the gradient, and loss+gradient throughput.

Run:  python benchmarks/bench_hessian.py [--full-fd]

Absolute times vary between machines; the ratio against finite differences,
measured in the same run at the same points, is the figure to quote.  By
default the finite-difference Hessian at k = d = 100 (2·10^4 gradient calls)
is timed on a tenth of its columns and scaled; ``--full-fd`` times all of
them.  Each closed-form time is the best of 3 runs.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from landscape.loss import gradient, hessian, loss_and_gradient


def best_of(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def fd_hessian_columns(W, columns, h=1e-6):
    k, d = W.shape
    H = np.zeros((k * d, len(columns)))
    for c_i, c in enumerate(columns):
        E = np.zeros(k * d)
        E[c] = h
        E = E.reshape(k, d)
        H[:, c_i] = ((gradient(W + E) - gradient(W - E)) / (2 * h)).ravel()
    return H


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--full-fd", action="store_true", help="time every finite-difference column")
    ap.add_argument("--sizes", default="20,50,100")
    args = ap.parse_args()
    print(f"# Hessian assembly, {platform.processor() or platform.machine()}, numpy {np.__version__}")
    print(f"{'k=d':>5} {'closed form (s)':>16} {'FD columns timed':>17} {'FD (s)':>10} {'ratio FD/closed':>16} {'max |H - H_fd|':>15}")
    rng = np.random.default_rng(0)
    for n in [int(s) for s in args.sizes.split(",")]:
        W = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
        t_closed, H = best_of(lambda: hessian(W))
        total = n * n
        cols = np.arange(total) if (args.full_fd or n < 100) else rng.choice(total, total // 10, replace=False)
        t = time.perf_counter()
        Hfd = fd_hessian_columns(W, cols)
        t_fd = (time.perf_counter() - t) * total / len(cols)
        err = np.abs(H[:, cols] - Hfd).max()
        label = f"{len(cols)}/{total}"
        print(f"{n:>5} {t_closed:>16.3f} {label:>17} {t_fd:>10.2f} {t_fd / t_closed:>16.0f} {err:>15.1e}")
    print()
    print(f"{'k=d':>5} {'loss+grad evals/s':>18}")
    for n in [int(s) for s in args.sizes.split(",")]:
        W = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
        reps = max(3, int(2000 / n))
        t = time.perf_counter()
        for _ in range(reps):
            loss_and_gradient(W)
        print(f"{n:>5} {reps / (time.perf_counter() - t):>18.1f}")


if __name__ == "__main__":
    main()
