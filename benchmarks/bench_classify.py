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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", default="10,20")
    ap.add_argument("--runs", type=int, default=500)
    args = ap.parse_args(argv)
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
