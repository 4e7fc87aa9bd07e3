"""Isotropy subgroup classes of S_k × S_d: structural enumeration vs the element search (issue 12 item 4).

Run:  PYTHONPATH=. python benchmarks/bench_subgroups.py [--big] [--samples N]

* old (``method="elements"``, all of S_k × S_d listed) vs new (``method="goursat"``) on
  (4,4), (4,5), (5,5), measured in the same run, with a check that the outputs are identical;
* with ``--big``: new on (5,6), (6,5), (6,6) (classes and lattice), with
  class counts and a random-colouring check: the stabiliser of every sampled colouring
  (symmetry.isotropy.group_from_colours) is conjugate to a listed class, and every listed
  class is closed (the stabiliser of its orbit partition has the listed order and orbits).
Each size runs in a fresh process so the cached S_n tables are paid for in every time.
"""

import argparse
import json
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
import numpy as np
from symmetry.subgroups import subgroups
k, d, method, lattice, samples = json.loads(sys.argv[1])
t, c = time.perf_counter(), time.process_time()
lat = subgroups(k, d, method=method, lattice=lattice)
sec, cpu = time.perf_counter() - t, time.process_time() - c
out = {"count": lat.count, "seconds": sec, "cpu": cpu, "edges": lat.hasse.number_of_edges() if lat.has_lattice else None,
       "dict": lat.to_dict() if k * d <= 25 else None}
if samples:
    from symmetry.goursat import partition_form
    from symmetry.isotropy import group_from_colours
    listed = {c.partition: c.order for c in lat.classes}
    closed = 0
    for c in lat.classes:
        H = group_from_colours(np.array(c.partition).reshape(k, d))
        blocks = {}
        for cell, lab in enumerate(c.partition):
            blocks.setdefault(lab, []).append((cell // d, cell % d))
        closed += H.order == c.order and sorted(blocks.values()) == sorted(sorted(o) for o in H.cell_orbits)
    rng = np.random.default_rng(2026)
    hit = 0
    for s in range(samples):
        C = rng.integers(0, int(rng.integers(2, 5)), size=(k, d))
        for _ in range(int(rng.integers(0, 3))):  # repeated rows / columns: larger stabilisers
            C[rng.integers(0, k)] = C[rng.integers(0, k)]
            C[:, rng.integers(0, d)] = C[:, rng.integers(0, d)]
        if s % 3 == 0:  # diagonal-type patterns
            C = (C + np.add.outer(np.arange(k), np.arange(d)) % int(rng.integers(1, 4))) % 5
        H = group_from_colours(C)
        lab = np.empty(k * d, dtype=np.int64)
        for t_, orbit in enumerate(H.cell_orbits):
            for i, j in orbit:
                lab[i * d + j] = t_
        key = partition_form(lab, k, d).labels
        hit += listed.get(key) == H.order
    # orbit partitions of random 2-generated subgroups <g1, g2> (g acting on rows only, columns only
    # or both): their
    # closures are isotropy groups spread over the whole lattice, not only near the bottom
    hit2, hitclasses = 0, set()
    for s in range(samples):
        gens = []
        for _ in range(2):
            pi, rho = rng.permutation(k), rng.permutation(d)
            if rng.random() < 0.5:  # a short cycle on one side only, or both
                pi = np.arange(k) if rng.random() < 0.5 else pi
            else:
                rho = np.arange(d) if rng.random() < 0.5 else rho
            gens.append((pi, rho))
        lab = np.arange(k * d)
        while True:
            new = lab.copy()
            for pi, rho in gens:
                img = (pi[:, None] * d + rho[None, :]).ravel()
                new = np.minimum(new, new[img])
                new[img] = np.minimum(new[img], new)
            if np.array_equal(new, lab):
                break
            lab = new
        H = group_from_colours(lab.reshape(k, d))
        orb = np.empty(k * d, dtype=np.int64)
        for t_, orbit in enumerate(H.cell_orbits):
            for i, j in orbit:
                orb[i * d + j] = t_
        key = partition_form(orb, k, d).labels
        hit2 += listed.get(key) == H.order
        hitclasses.add(key)
    out["closed"] = [closed, lat.count]
    out["sampled"] = [hit, samples]
    out["sampled_subgroups"] = [hit2, samples, len(hitclasses)]
print(json.dumps(out))
"""


EXHAUSTIVE = r"""
import json, sys, time
import importlib
sg = importlib.import_module("symmetry.subgroups")  # the module (the package exports the function)
k, d = json.loads(sys.argv[1])
t, c = time.perf_counter(), time.process_time()
reps, relations, E = sg._upward_search(k, d)   # the element search, past its size limit
old = sg._assemble(k, d, reps, relations, t, True, E)
sec, cpu = time.perf_counter() - t, time.process_time() - c
new = sg.subgroups(k, d)
print(json.dumps({"count": old.count, "cpu": cpu, "seconds": sec, "identical": old.to_dict() == new.to_dict()}))
"""


def exhaustive(k, d):
    r = subprocess.run([sys.executable, "-c", EXHAUSTIVE, json.dumps([k, d])],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def run(k, d, method, lattice=None, samples=0):
    r = subprocess.run([sys.executable, "-c", CHILD, json.dumps([k, d, method, lattice, samples])],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also (5,6), (6,5), (6,6)")
    ap.add_argument("--samples", type=int, default=300, help="random colourings per big size")
    ap.add_argument("--no-big-lattice", action="store_true", help="classes only at the big sizes")
    ap.add_argument("--exhaustive", action="store_true",
                    help="also run the element search past its limit on (5,6) and (6,5) (minutes) and "
                    "compare its output with the new method")
    args = ap.parse_args(argv)
    print("isotropy subgroup classes of S_k x S_d with the lattice (one run each, fresh process;")
    print("cpu = process time, wall = elapsed on a shared machine)")
    print(f"{'k,d':>5}  {'classes':>7}  {'edges':>6}  {'old cpu':>8}  {'new cpu':>8}  {'old/new':>7}  "
          f"{'old wall':>8}  {'new wall':>8}  identical")
    for k, d in [(4, 4), (4, 5), (5, 5)]:
        old, new = run(k, d, "elements"), run(k, d, "goursat")
        same = old["dict"] == new["dict"]
        print(f"{k},{d:<3}  {new['count']:>7}  {new['edges']:>6}  {old['cpu']:8.2f}  {new['cpu']:8.2f}  "
              f"{old['cpu'] / new['cpu']:7.1f}  {old['seconds']:8.2f}  {new['seconds']:8.2f}  {same}", flush=True)
    if args.big:
        print(f"\nnew method only (old: refused, k!*d! > 14400); {args.samples} random colourings per size")
        print("closed: classes equal to the stabiliser of their own orbit partition; colourings / subgroups:")
        print("stabilisers of random colourings / closures of random 2-generated subgroups found in the list")
        print("(classes hit by the subgroup samples in brackets)")
        print(f"{'k,d':>5}  {'classes':>7}  {'cpu s':>7}  {'wall s':>7}  {'edges':>6}  {'closed':>8}  "
              f"{'colourings':>10}  subgroups")
        for k, d in [(5, 6), (6, 5), (6, 6)]:
            r = run(k, d, "goursat", lattice=not args.no_big_lattice, samples=args.samples)
            print(f"{k},{d:<3}  {r['count']:>7}  {r['cpu']:7.1f}  {r['seconds']:7.1f}  {str(r['edges']):>6}  "
                  f"{r['closed'][0]:>4}/{r['closed'][1]:<3}  {r['sampled'][0]:>5}/{r['sampled'][1]:<4}  "
                  f"{r['sampled_subgroups'][0]}/{r['sampled_subgroups'][1]} ({r['sampled_subgroups'][2]} classes)",
                  flush=True)

    if args.exhaustive:
        print("\nelement search past its limit (|S_5 x S_6| = 86400 elements listed) vs new method")
        for k, d in [(5, 6), (6, 5)]:
            r = exhaustive(k, d)
            print(f"{k},{d:<3}  classes {r['count']}  old cpu {r['cpu']:.1f} s (wall {r['seconds']:.1f} s)  "
                  f"identical output (classes, names, lattice): {r['identical']}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, ".")
    main()
