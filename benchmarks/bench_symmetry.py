"""Benchmarks of the symmetry package (plain script; prints a table).

    python benchmarks/bench_symmetry.py [--skip-55]

* isotropy of the type-A shape (Safran–Shamir; isotropy Δ(S_{d-1}×S_1),
  order (d-1)!) at d = 20, 100, 200, float64 and exact Fraction entries;
* enumeration of the isotropy subgroups of S_4 × S_4 and S_5 × S_5 up to
  conjugacy.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from symmetry.isotropy import isotropy  # noqa: E402
from symmetry.subgroups import subgroups  # noqa: E402


def type_a(d: int, exact: bool = False):
    if exact:
        F = Fraction
        W = np.full((d, d), F(-1, 10), dtype=object)
        for i in range(d):
            W[i, i] = F(9, 10)
        W[-1, :] = F(3, 10)
        W[:, -1] = F(1, 5)
        W[-1, -1] = F(-1, 2)
        return W
    W = 0.9 * np.eye(d) - 0.1 * (np.ones((d, d)) - np.eye(d))
    W[-1, :] = 0.3
    W[:, -1] = 0.2
    W[-1, -1] = -0.5
    return W


def best_of(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-55", action="store_true", help="skip the (5,5) subgroup enumeration")
    args = ap.parse_args(argv)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print()
    print("isotropy of the type-A point (best of 3)")
    print(f"| {'d':>4} | {'entries':>8} | {'seconds':>8} | {'order == (d-1)!':>15} | {'name':<16} | fix_dim |")
    print(f"|{'-' * 6}|{'-' * 10}|{'-' * 10}|{'-' * 17}|{'-' * 18}|---------|")
    for d in (20, 100, 200):
        for exact in (False, True):
            W = type_a(d, exact)
            sec, H = best_of(lambda: isotropy(W), 3)
            ok = H.order == math.factorial(d - 1)
            print(f"| {d:>4} | {'Fraction' if exact else 'float64':>8} | {sec:>8.3f} | {str(ok):>15} "
                  f"| {H.name:<16} | {H.fix_dim:>7} |")
    print()
    print("isotropy subgroups of S_k x S_d up to conjugacy (one run)")
    print(f"| {'k':>2} | {'d':>2} | {'|S_k x S_d|':>11} | {'classes':>7} | {'Hasse edges':>11} | {'seconds':>8} |")
    print(f"|----|----|{'-' * 13}|{'-' * 9}|{'-' * 13}|{'-' * 10}|")
    sizes = [(3, 3), (4, 4)] + ([] if args.skip_55 else [(5, 5)])
    for k, d in sizes:
        lat = subgroups(k, d)
        print(f"| {k:>2} | {d:>2} | {math.factorial(k) * math.factorial(d):>11} | {lat.count:>7} "
              f"| {lat.hasse.number_of_edges():>11} | {lat.seconds:>8.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
