"""Regenerate docs/tables/census_two_block.csv and census_two_block.png.

    cd /work/main && PYTHONPATH=. nice python docs/tables/census_generate.py [--spec 1..2:100,3..10:40]

Every critical point that ``find`` (seed 0, default starts) locates in Fix(Δ(S_{d0-p}×S_p)) at
d0 = max(6, p + 2) is followed by continuation up to d = d-max (landscape.census); each row gets a
rigorous verdict from certificates.symmetric.certify_family.  Results stream to
docs/tables/.census_cache/p<P>_d<DMAX>_s<SEED>.json (one file per p; a rerun resumes by skipping
finished p).  The default covers p = 1, 2 for d up to 100 and p = 3..10 for d up to 40 (the cost on
a shared 2-core machine; p = 1..10 at d = 20 covers the families GD finds at k = 20).
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--spec", default="1..2:100,3..10:40",
                    help="comma-separated P1..P2:DMAX (p range and largest d), default 1..2:100,3..10:40")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--at", default="20:1..10",
                    help="extra one-dimension searches D:P1..P2 (default 20:1..10: every point find locates at d = 20)")
    ap.add_argument("--only-cached", action="store_true", help="assemble the table from finished p only")
    args = ap.parse_args(argv)
    jobs = []
    for item in args.spec.split(","):
        pr, dmax = item.split(":")
        a, b = (int(x) for x in pr.split(".."))
        if not (1 <= a <= b <= 40 and 6 <= int(dmax) <= 200):
            sys.exit("p must lie in 1..40 and DMAX in 6..200")
        jobs += [(p, int(dmax)) for p in range(a, b + 1)]
    cache = HERE / ".census_cache"
    cache.mkdir(exist_ok=True)
    rows = []
    for p, dmax in jobs:
        f = cache / f"p{p}_d{dmax}_s{args.seed}.json"
        if not f.exists():
            if args.only_cached:
                continue
            t = time.time()
            part = census_branch_rows(p, first_dimension(p), dmax, seed=args.seed, verdict=verdict)
            atomic_write_text(f, json.dumps(part))
            print(f"p = {p}: {len(part)} rows, {len({r['branch'] for r in part})} branches, {time.time() - t:.0f} s",
                  file=sys.stderr)
        rows += json.loads(f.read_text())
    if args.at:
        from landscape.census import census_point_rows

        dd, pr = args.at.split(":")
        a, b = (int(x) for x in pr.split(".."))
        dd = int(dd)
        if not (6 <= dd <= 200 and 1 <= a <= b <= dd - 2):
            sys.exit("--at D:P1..P2 needs 6 <= D <= 200 and 1 <= P1 <= P2 <= D - 2")
        for p in range(a, b + 1):
            f = cache / f"at{dd}_p{p}_s{args.seed}.json"
            if not f.exists():
                if args.only_cached:
                    continue
                t = time.time()
                part = census_point_rows(p, dd, seed=args.seed, verdict=verdict)
                atomic_write_text(f, json.dumps(part))
                print(f"d = {dd}, p = {p}: {len(part)} points, {time.time() - t:.0f} s", file=sys.stderr)
            have = {(r["d"], r["p"], round(r["loss"], 9)) for r in rows}
            rows += [r for r in json.loads(f.read_text()) if (r["d"], r["p"], round(r["loss"], 9)) not in have]
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
