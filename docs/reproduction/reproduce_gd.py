"""Reproduce the GD statistics of Safran & Shamir (2018) / Safran, Yehudai & Shamir (2021).

Regenerate (resumable; wall times on 2 shared cores in docs/reproduction/README.md):

    PYTHONPATH=. nice python docs/reproduction/reproduce_gd.py --offset 0 --workers 2
    PYTHONPATH=. nice python docs/reproduction/reproduce_gd.py --offset 1 --workers 2 --loss-tol 1e-10 --max-steps 20000
    PYTHONPATH=. nice python docs/reproduction/reproduce_gd.py --offset 2 --workers 2 --loss-tol 1e-10 --max-steps 20000

``--engine numpy`` runs the same experiment with the numpy reference objective
instead of the compiled one (same endpoints to ~1e-13; docs/dynamics.md).

For n = 6..20 and k = n + offset: ``--runs`` (500) GD runs with the SYS21 protocol
(:data:`landscape.dynamics.PROTOCOLS` ``sys21``), endpoints classified up to
S_k × S_d (:func:`landscape.endpoints.classify_endpoints`) and the most
frequent families certified (:func:`certificates.endpoints.certify_families`).
Writes ``docs/tables/gd_k=n+<offset>.{md,json,png}``; the per-run JSON lines
(large, not committed) go to ``--work`` (default /tmp/relu-landscape-gd) and
make the script resumable.  The same experiment from the command line:

    relu-landscape gd --k d+OFFSET --d 6..20 --runs 500 --workers 2 --out FILE --figure PNG
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from certificates.cli.dynamics_commands import plot_sweep  # noqa: E402
from landscape.dynamics import Experiment, collect_results, run_experiment, summarise_size  # noqa: E402
from landscape.runs import read_records  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offset", type=int, default=0, help="k = n + offset")
    ap.add_argument("--n", default="6..20", help="range of n = d (default 6..20)")
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2021)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=50)
    ap.add_argument("--loss-tol", type=float, default=None)
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--engine", default="numba", help="batched objective: numba (default) or numpy (reference)")
    ap.add_argument("--max-certify", type=int, default=4, help="families certified per size (most frequent first)")
    ap.add_argument("--work", default="/tmp/relu-landscape-gd")
    ap.add_argument("--tables", default=os.path.join(ROOT, "docs", "tables"))
    ap.add_argument("--partial", action="store_true",
                    help="do not train: analyse the sizes already complete in the results file")
    args = ap.parse_args(argv)
    lo, hi = (int(x) for x in args.n.split(".."))
    sizes = tuple((n + args.offset, n) for n in range(lo, hi + 1))
    exp = Experiment(sizes=sizes, runs=args.runs, seed=args.seed, chunk=args.chunk, loss_tol=args.loss_tol,
                     max_steps=args.max_steps, engine=args.engine).check()
    os.makedirs(args.work, exist_ok=True)
    tag = "" if args.engine == "numba" else f"_{args.engine}"
    out = os.path.join(args.work, f"gd_k=n+{args.offset}_seed{args.seed}{tag}.jsonl")
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    if args.partial:
        results = collect_results(exp, read_records(out, exp.meta())[1])
        sizes = tuple(s for s in sizes if s in results)
    else:
        results = run_experiment(exp, out, resume=True, workers=args.workers, progress=None)
    t_train = time.perf_counter() - t0

    cert_dir = os.path.join(args.work, f"certs_k=n+{args.offset}")
    os.makedirs(cert_dir, exist_ok=True)
    rows = []
    t1 = time.perf_counter()
    t_cert = 0.0
    for k, d in sizes:
        s = summarise_size(results[(k, d)], loss_tol=exp.loss_tol)
        c = s.pop("classification")
        if c is not None and args.max_certify:
            from certificates.endpoints import certify_families

            tc = time.perf_counter()
            ranked = sorted(c.families, key=lambda f: (-f.count, f.id))
            recs = certify_families(ranked, os.path.join(cert_dir, f"k{k}-d{d}"), max_families=args.max_certify)
            t_cert += time.perf_counter() - tc
            by_id = {r["family"]: r for r in recs}
            for fam in s["families"]:
                r = by_id.get(fam["id"])
                if r is not None:
                    fam["verdict"], fam["certificate_reason"] = r["verdict"], r["reason"]
        for fam in s["families"]:
            fam.pop("W", None)
            fam.pop("members", None)
        rows.append({"k": k, "d": d, **s})
        print(f"k={k} d={d}: {s['spurious']}/{s['global'] + s['spurious']} spurious, "
              f"{s['unconverged']} unconverged, {len(s['families'])} families", file=sys.stderr)
    t_classify = time.perf_counter() - t1 - t_cert

    name = f"gd_k=n+{args.offset}"
    meta = exp.meta()
    meta.update(complete_sizes=[list(x) for x in sizes], partial=args.partial, train_seconds=round(t_train, 1), classify_seconds=round(t_classify, 1),
                certify_seconds=round(t_cert, 1), workers=args.workers,
                load_average=[round(load_start, 2), round(os.getloadavg()[0], 2)],
                note="wall times on a 2-core machine shared with other jobs; load_average: 1-minute load at start and end")
    with open(os.path.join(args.tables, name + ".json"), "w") as fh:
        json.dump({"meta": meta, "sizes": rows}, fh, indent=1)
    plot_sweep(rows, os.path.join(args.tables, name + ".png"),
               title=f"GD (SYS21 protocol), k = n + {args.offset}, {args.runs} runs per n")
    with open(os.path.join(args.tables, name + ".md"), "w") as fh:
        fh.write(markdown(rows, meta, args))
    print(f"train {t_train:.0f} s, classify {t_classify:.0f} s, certify {t_cert:.0f} s", file=sys.stderr)


def _public_args(argv):
    """The command line without ``--work``/``--tables`` (where files go, not what is computed)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--work", "--tables"):
            skip = True
        elif not a.startswith(("--work=", "--tables=")):
            out.append(a)
    return out


def _fam(f):
    if f["is_global"]:
        tag = "global" + (" (split, degenerate)" if f.get("degenerate") else "")
    else:
        tag = f"{f['isotropy']} L={f['loss']:.5f} idx={f['index']}"
    v = f.get("verdict")
    why = str(f.get("certificate_reason", ""))
    if v == "inconclusive" and why.startswith("not attempted: max_families"):
        v = "not certified: --max-certify"
    elif v == "inconclusive" and why.startswith("not attempted: a degenerate global minimum"):
        v = None  # a manifold of global minima: nothing isolated to certify (certificates.endpoints)
    return f"{tag} ×{f['count']}" + (f" ({v})" if v else "")


def markdown(rows, meta, args) -> str:
    lines = [f"# GD endpoints, k = n + {args.offset}, n = {rows[0]['d']}..{rows[-1]['d']}, "
             f"{args.runs} runs each (SYS21 protocol)", "",
             "Generated by `docs/reproduction/reproduce_gd.py "
             + " ".join(_public_args(sys.argv[1:])) + "`; see docs/dynamics.md for the protocol and sources.", "",
             (f"Partial: the sizes complete in the results file when analysed (`--partial`); training time not "
              "measured by this call." if meta["partial"] else
              f"Training {meta['train_seconds']} s")
             + f", classification {meta['classify_seconds']} s, certification "
             f"{meta['certify_seconds']} s (wall, {args.workers} workers, 2 cores shared with other jobs, "
             f"load average {meta['load_average'][0]} at start, {meta['load_average'][1]} at end).", "",
             "spurious fraction = spurious / converged, 95% Wilson interval (scipy.stats.binomtest).", "",
             "| k | n | converged | global | spurious | unconverged | fraction | 95% CI | families (count, certificate) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        frac = "-" if r["spurious_fraction"] is None else f"{100 * r['spurious_fraction']:.1f}%"
        ci = "-" if r["spurious_ci95"] is None else \
            f"[{100 * r['spurious_ci95'][0]:.1f}, {100 * r['spurious_ci95'][1]:.1f}]%"
        fams = "; ".join(_fam(f) for f in r["families"][:8])
        if len(r["families"]) > 8:
            fams += f"; … {len(r['families']) - 8} more"
        lines.append(f"| {r['k']} | {r['d']} | {r['converged']} | {r['global']} | {r['spurious']} | "
                     f"{r['unconverged']} | {frac} | {ci} | {fams} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
