"""Isotypic Hessian spectrum of the type-A family (Δ(S_{d−1}×S_1), k = d) at scale.

Run from the repository root:

    PYTHONPATH=. python benchmarks/bench_isotypic.py

Prints a Markdown table: for each d the time to follow the type-A critical
point there (continuation, not timed), then the time of the full isotypic
spectrum (every eigenvalue with multiplicity and irrep) in float64 and at 50
digits, and at d = 20, 30, 40 the time of dense ``eigvalsh`` of the assembled
(d²)x(d²) Hessian (assembly included) against the isotypic route, with the
largest eigenvalue difference.
"""

from __future__ import annotations

import platform
import time

import numpy as np

from landscape.critical_points import find_critical_points, follow_family
from landscape.fixed_points import Family, assemble
from landscape.isotypic_spectrum import family_spectrum, isotypic_structure
from landscape.loss import hessian


def best_time(fn, repeat=3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    start = [p for p in find_critical_points((5, 1), starts=200, seed=0) if not p.is_global][0]
    ds = [10, 20, 30, 40, 100, 1000, 10_000]
    path = {p.family.d: p for p in follow_family("d-1,1", [6] + ds, start=start.params)}
    np.linalg.eigvalsh(hessian(assemble(Family((19, 1)), path[20].params)))  # warm up BLAS threads
    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}, python {platform.python_version()}")
    print()
    print("| d | precision | loss | distinct eigenvalues | isotypic time (s) | dense eigvalsh time (s) | ratio dense/isotypic | max abs difference |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for d in ds:
        p = path[d]
        fam = Family((d - 1, 1))
        isotypic_structure.cache_clear()  # include the exact (rational) part in the timing
        t_iso, spec = best_time(lambda: (isotypic_structure.cache_clear(), family_spectrum(fam, p.params))[1])
        assert spec.dimension == d * d
        dense_t = ratio = diff = ""
        if d in (20, 30, 40):
            W = assemble(fam, p.params)
            t_dense, ev = best_time(lambda: np.linalg.eigvalsh(hessian(W)), repeat=2)
            dense_t = f"{t_dense:.3f}"
            ratio = f"{t_dense / t_iso:.1f}"
            diff = f"{np.abs(np.sort(spec.values()) - ev).max():.1e}"
        print(f"| {d} | float64 | {float(p.loss):.8g} | {len(spec.eigenvalues)} | {t_iso:.3f} | {dense_t} | {ratio} | {diff} |")
    for d in (1000,):
        p = path[d]
        fam = Family((d - 1, 1))
        t_mp, spec = best_time(lambda: (isotypic_structure.cache_clear(), family_spectrum(fam, p.params, digits=50))[1],
                               repeat=1)
        assert spec.dimension == d * d
        print(f"| {d} | 50 digits | {float(p.loss):.8g} | {len(spec.eigenvalues)} | {t_mp:.3f} |  |  |  |")
    print()
    print("Smallest eigenvalues at d = 10^4 (float64):")
    spec = family_spectrum(Family((9999, 1)), path[10_000].params)
    for e in spec.eigenvalues[:4]:
        print(f"  {float(e.value):.12g}  x{e.multiplicity}  {e.irrep}")


if __name__ == "__main__":
    main()
