"""Benchmark: classifying GD endpoints up to S_k × S_d.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_classify.py            # k = d = 10, 20; 500 endpoints each

Endpoints: 2/3 of them the teacher I_d and 1/3 the type-A point (Safran & Shamir), each moved by a
random element of S_k × S_d and perturbed by 1e-12 (what GD endpoints stopped at ‖∇L‖ ≤ 1e-12
look like).  Measured in the same run:

* ``canonical_form`` called once per endpoint (the obvious way),
* ``canonical_forms`` on the batch (members of one orbit share the search),
* ``classify_endpoints`` end to end (value classes, canonical forms, families, isotropy,
  Δ-partition, spectra).

The ratio batch / per-endpoint is printed; nothing is asserted (timings depend on the machine).

Over-parameterised endpoints (``--overparam``, k = d + 1): 2/3 split teachers as GD leaves them at
L ~ 1e-13 (copies of one teacher row turned ~2e-4 rad apart, their sum on the row) and 1/3 type A
with its odd neuron split exactly, moved and perturbed as above.  ``classify_endpoints`` with the
loss-tied split rule (default) against the strict ``1e-6`` direction rule alone (``global_tol=0``:
no endpoint is a global candidate, which is what the classifier did before): time and families.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from certificates.examples import type_a_point
from landscape.endpoints import classify_endpoints
from symmetry.action import act, random_element
from symmetry.canonical import canonical_form, canonical_forms
from symmetry.isotropy import value_classes


def endpoints(d: int, B: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = type_a_point(d)
    Ws = [act(random_element(d, d, rng), np.eye(d) if b % 3 else A) + 1e-12 * rng.standard_normal((d, d))
          for b in range(B)]
    return np.stack(Ws)


def split_endpoints(d: int, B: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = type_a_point(d)
    odd = int(np.argmin(np.abs(np.diag(A)) / np.linalg.norm(A, axis=1)))
    Ws = []
    for b in range(B):
        if b % 3:
            W = np.vstack([np.eye(d), np.zeros((1, d))])
            t, theta = rng.uniform(0.2, 0.8), rng.uniform(1e-4, 3e-4)
            z = rng.standard_normal(d)
            z[0] = 0.0
            z /= np.linalg.norm(z)
            u, v = np.cos((1 - t) * theta) * W[0] + np.sin((1 - t) * theta) * z, \
                np.cos(t * theta) * W[0] - np.sin(t * theta) * z
            s = t * u[0] + (1 - t) * v[0]
            W[0], W[d] = t * u / s, (1 - t) * v / s
        else:
            W = np.vstack([A, 0.4 * A[odd]])
            W[odd] *= 0.6
        Ws.append(act(random_element(d + 1, d, rng), W) + 1e-12 * rng.standard_normal((d + 1, d)))
    return np.stack(Ws)


def overparam(ds, runs) -> None:
    print(f"{'k':>3} {'d':>3} {'runs':>5} {'loss-tied [s]':>14} {'strict [s]':>11}  families (loss-tied | strict)")
    for d in ds:
        Ws = split_endpoints(d, runs)
        t = time.perf_counter()
        c = classify_endpoints(Ws, spectra=False)
        t_new = time.perf_counter() - t
        t = time.perf_counter()
        c0 = classify_endpoints(Ws, spectra=False, global_tol=0.0)
        t_old = time.perf_counter() - t
        print(f"{d + 1:>3} {d:>3} {runs:>5} {t_new:>14.2f} {t_old:>11.2f}  {len(c.families)} families, "
              f"global {c.global_count}, spurious {c.spurious_count} | {len(c0.families)} families, "
              f"global {c0.global_count}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", default="10,20")
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--overparam", action="store_true", help="only the k = d + 1 comparison")
    args = ap.parse_args(argv)
    if args.overparam:
        overparam([int(x) for x in args.d.split(",")], args.runs)
        return
    print(f"{'k=d':>4} {'runs':>5} {'per-endpoint [s]':>17} {'batch [s]':>10} {'ratio':>6} {'classify [s]':>13} "
          f"{'ms/endpoint':>12}  families")
    for d in (int(x) for x in args.d.split(",")):
        Ws = endpoints(d, args.runs)
        colours = [value_classes(W, 1e-6)[0] for W in Ws]
        t = time.perf_counter()
        single = [canonical_form(C) for C in colours]
        t_single = time.perf_counter() - t
        t = time.perf_counter()
        batch = canonical_forms(colours)
        t_batch = time.perf_counter() - t
        assert all(np.array_equal(a.matrix, b.matrix) for a, b in zip(single, batch))
        t = time.perf_counter()
        c = classify_endpoints(Ws)
        t_cls = time.perf_counter() - t
        fams = ", ".join(f"{f.isotropy_name} x{f.count}" for f in c.families)
        print(f"{d:>4} {args.runs:>5} {t_single:>17.2f} {t_batch:>10.2f} {t_single / t_batch:>6.1f} {t_cls:>13.2f} "
              f"{1000 * t_cls / args.runs:>12.2f}  {fams}")


if __name__ == "__main__":
    main()
