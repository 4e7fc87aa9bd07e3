"""Regenerate docs/tables/census_two_block.csv and census_two_block.png.

    cd /work/main && PYTHONPATH=. nice python docs/tables/census_generate.py [--p 1..10] [--d-max 100]

Every critical point that ``find`` (seed 0, default starts) locates in Fix(Δ(S_{d0-p}×S_p)) at
d0 = max(6, p + 2) is followed by continuation up to d = d-max (landscape.census); each row gets a
rigorous verdict from certificates.symmetric.certify_family.  Results stream to
docs/tables/.census_cache/p<P>.json (one file per p; a rerun resumes by skipping finished p).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def verdict(parts, params):
    from certificates.symmetric import certify_family

    return certify_family(parts, params).verdict.value


def main(argv=None):
    from landscape.census import census_branch_rows, first_dimension
    from landscape.io import atomic_write_text

    ap = argparse.ArgumentParser()
    ap.add_argument("--p", default="1..10", help="range of p, e.g. 1..10")
    ap.add_argument("--d-max", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    a, b = (int(x) for x in args.p.split(".."))
    if not (1 <= a <= b <= 40 and 6 <= args.d_max <= 200):
        sys.exit("p must lie in 1..40 and d-max in 6..200")
    cache = HERE / ".census_cache"
    cache.mkdir(exist_ok=True)
    for p in range(a, b + 1):
        f = cache / f"p{p}_d{args.d_max}_s{args.seed}.json"
        if f.exists():
            continue
        t = time.time()
        rows = census_branch_rows(p, first_dimension(p), args.d_max, seed=args.seed, verdict=verdict)
        atomic_write_text(f, json.dumps(rows))
        print(f"p = {p}: {len(rows)} rows, {len({r['branch'] for r in rows})} branches, {time.time() - t:.0f} s",
              file=sys.stderr)
    rows = []
    for p in range(a, b + 1):
        rows += json.loads((cache / f"p{p}_d{args.d_max}_s{args.seed}.json").read_text())
    rows.sort(key=lambda r: (r["d"], r["p"], r["loss"]))
    out = HERE / "census_two_block.csv"
    lines = ["d,p,loss,index,lambda_min,verdict"]
    lines += [f"{r['d']},{r['p']},{r['loss']:.12g},{r['index']},{r['lambda_min']:.6g},{r['verdict']}" for r in rows]
    atomic_write_text(out, "\n".join(lines) + "\n")
    figure(rows, HERE / "census_two_block.png")


def figure(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    ps = sorted({r["p"] for r in rows})
    cmap = plt.get_cmap("tab10")
    for i, p in enumerate(ps):
        mins = [r for r in rows if r["p"] == p and r["verdict"] == "minimum"]
        rest = [r for r in rows if r["p"] == p and r["verdict"] != "minimum"]
        ax1.scatter([r["d"] for r in rest], [r["loss"] for r in rest], s=2, color=cmap(i % 10), alpha=0.25)
        ax1.scatter([r["d"] for r in mins], [r["loss"] for r in mins], s=6, color=cmap(i % 10), label=f"p = {p}")
        ax2.scatter([r["d"] for r in mins], [r["lambda_min"] for r in mins], s=6, color=cmap(i % 10))
    ax1.set_yscale("log")
    ax1.set_xlabel("d")
    ax1.set_ylabel("loss (dots: certified minima; faint: saddles)")
    ax2.set_yscale("log")
    ax2.set_xlabel("d")
    ax2.set_ylabel("λ_min of the certified minima")
    ax1.legend(fontsize=7, ncol=2)
    fig.suptitle("Critical points in Fix(Δ(S_{d-p}×S_p)), k = d, teacher I")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
