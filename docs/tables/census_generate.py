"""Regenerate docs/tables/census_two_block.csv and census_two_block.png.

    cd /work/main && PYTHONPATH=. nice python docs/tables/census_generate.py [--workers 2]

Census of the critical points in Fix(Δ(S_{d−p}×S_p)), k = d, teacher I (landscape.census),
p the smaller block (p ≤ d/2: every two-block partition of d once).  Three phases, each a set of
independent seeded tasks run by landscape.runs.run_tasks and streamed to one JSON-lines journal
(default docs/tables/.census_cache/census_s<SEED>.jsonl; a rerun resumes, skipping finished tasks):

1. searches: ``find`` (seed, default starts) at (d0 − p, p), d0 = max(6, p + 2), for every
   p in --follow-p (run first), and at (D − p, p) for every D in --search-d and every
   p = 1..floor(D/2) (after phase 2, one D at a time, each followed by its phase 3); the
   searches of p outside --follow-p are certified and give the rows at D;
2. continuation: every non-degenerate point of a d0-search followed at fixed p through
   d = d0..--dmax, each row certified (certificates.symmetric.certify_family);
3. late branches: every non-degenerate point of a D-search (p in --follow-p) that no row so far
   matches at D is certified; for D in --follow-late-d (default 20) it is followed through
   D..--dmax and down through D..d0 (until its branch ends at a fold), so branches born between
   d0 and D are in the table at every d they live; at the other D it is a row at D only.

A degenerate point (positively parallel neurons: a continuum of critical points, L not C³
there; landscape.census.degenerate_reason) is a row, verdict inconclusive, only at the d where a
search found it: it is not followed in d and not given to the certifier (no certificate applies).

Rows are merged per (d, p) (landscape.census.merge_rows: same loss and entry multiset = same
point), written to the CSV atomically at the end (columns d,p,loss,index,lambda_min,verdict),
and the figure is redrawn.  --only-finished assembles the table from the tasks already in the
journal (the coverage it prints says which).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent

#: Bounds on what the command line may ask for.
MAX_D = 200
MAX_SEARCH_D = 20
MAX_WORKERS = 8
#: Journal format version (part of the journal's meta line).
VERSION = 2


def verdict(parts, params):
    """``(verdict, reason)`` from the rigorous family certificate."""
    from certificates.symmetric import certify_family

    res = certify_family(tuple(parts), params)
    return res.verdict.value, res.reason


def search_task(payload):
    """Phase 1: the points ``find`` locates at (d − p, p); certified when ``payload['certify']``."""
    from landscape.census import search_points

    t = time.time()
    rows = search_points(payload["p"], payload["d"], payload["starts"], payload["seed"],
                         verdict if payload["certify"] else None)
    return {"rows": rows, "seconds": round(time.time() - t, 2)}


def follow_task(payload):
    """Phases 2 and 3: one branch followed from ``d`` to ``dmax``, every row certified."""
    from landscape.census import follow_rows

    t = time.time()
    rows = follow_rows(payload["p"], payload["d"], payload["dmax"], payload["params"], verdict,
                       payload["source"], payload.get("down_to"))
    return {"rows": rows, "seconds": round(time.time() - t, 2)}


def _range(text, name, lo, hi):
    try:
        if ".." in text:
            a, b = (int(x) for x in text.split(".."))
            out = list(range(a, b + 1))
        else:
            out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        sys.exit(f"{name}: cannot read {text!r} (use A..B or a comma-separated list)")
    if not out or min(out) < lo or max(out) > hi:
        sys.exit(f"{name}: values must lie in {lo}..{hi}, got {text!r}")
    return sorted(set(out))


def main(argv=None):
    from landscape.census import degenerate_reason, first_dimension, merge_rows, same_point
    from landscape.io import atomic_write_text
    from landscape.runs import Task, read_records, run_tasks

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dmax", type=int, default=100, help=f"largest d (6..{MAX_D}, default 100)")
    ap.add_argument("--follow-p", default="1..10", help="p followed by continuation through every d (default 1..10)")
    ap.add_argument("--search-d", default="20,40,60,80,100",
                    help=f"d where every p = 1..d/2 is searched (at most {MAX_SEARCH_D} values)")
    ap.add_argument("--follow-late-d", default="20",
                    help="searched d whose new points (p in --follow-p) are followed up and down in d "
                         "(default 20; at the other searched d they are rows at that d only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--starts", type=int, default=None, help="random starts per search (default: find's)")
    ap.add_argument("--workers", type=int, default=1, help=f"local processes (1..{MAX_WORKERS})")
    ap.add_argument("--journal", default=None, help="JSON-lines journal (default .census_cache/census_s<SEED>.jsonl)")
    ap.add_argument("--only-finished", action="store_true", help="assemble the table from finished tasks only")
    ap.add_argument("--no-figure", action="store_true")
    ap.add_argument("--out-dir", default=str(HERE), help="where the CSV and PNG go (default docs/tables)")
    ap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="progress bar on stderr (default: when stderr is a terminal)")
    args = ap.parse_args(argv)
    if not 6 <= args.dmax <= MAX_D:
        sys.exit(f"--dmax must lie in 6..{MAX_D}")
    follow_p = _range(args.follow_p, "--follow-p", 1, args.dmax - 2)
    search_d = _range(args.search_d, "--search-d", 6, args.dmax)
    late_d = _range(args.follow_late_d, "--follow-late-d", 6, args.dmax) if args.follow_late_d else []
    if len(search_d) > MAX_SEARCH_D:
        sys.exit(f"--search-d: at most {MAX_SEARCH_D} values")
    if not 1 <= args.workers <= MAX_WORKERS:
        sys.exit(f"--workers must lie in 1..{MAX_WORKERS}")
    if args.starts is not None and not 1 <= args.starts <= 10_000:
        sys.exit("--starts must lie in 1..10000")
    journal = Path(args.journal) if args.journal else HERE / ".census_cache" / f"census_s{args.seed}.jsonl"
    journal.parent.mkdir(parents=True, exist_ok=True)
    meta = {"experiment": "census-two-block", "version": VERSION, "seed": args.seed, "starts": args.starts}
    common = {"seed": args.seed, "starts": args.starts}
    t0 = time.time()

    def run(tasks, desc):
        if args.only_finished:
            if not journal.exists():
                return {}
            _, rec = read_records(journal)
            return {t.key: rec[t.key] for t in tasks if t.key in rec}
        return run_tasks(fn_of[desc], tasks, out=journal, meta=meta, resume=True, workers=args.workers,
                         progress=args.progress, desc=desc)

    fn_of = {"searches": search_task, "continuation": follow_task, "late branches": follow_task}
    # phase 1: the head searches at d0(p), then their continuation (phase 2), then the D-searches
    heads = {p: first_dimension(p) for p in follow_p}
    h_tasks = [Task(f"search d={d0} p={p}", {**common, "d": d0, "p": p, "certify": False}) for p, d0 in heads.items()]
    searched = run(h_tasks, "searches")
    print(f"phase 1a: {len(searched)}/{len(h_tasks)} head searches ({time.time() - t0:.0f} s)", file=sys.stderr)

    # phase 2: continuation of every non-degenerate point found at d0; the degenerate ones
    # (parallel neurons: a continuum of critical points, no verdict possible) are rows at d0 only
    f_tasks, degenerate_seeds = [], []
    for p in follow_p:
        res = searched.get(f"search d={heads[p]} p={p}")
        for b, r in enumerate(res["rows"] if res else []):
            if degenerate_reason(r["parts"], r["params"]):
                degenerate_seeds.append(r)
                continue
            f_tasks.append(Task(f"follow p={p} d={heads[p]}..{args.dmax} #{b} L={r['loss']:.9f}",
                                {"p": p, "d": heads[p], "dmax": args.dmax, "params": r["params"],
                                 "source": f"follow p={p} from d={heads[p]} #{b}"}))
    followed = run(f_tasks, "continuation")
    print(f"phase 2: {len(followed)}/{len(f_tasks)} branches ({time.time() - t0:.0f} s)", file=sys.stderr)

    # phases 1b and 3, one searched D at a time (--follow-late-d first): the searches at D, then
    # the non-degenerate points they find for a followed p that no branch so far reaches at D
    at = {}

    def remember(results):
        for res in results.values():
            for r in res["rows"]:
                at.setdefault((r["d"], r["p"]), []).append(r)

    remember(followed)
    s_all, n_late, late = list(h_tasks), 0, {}
    for D in sorted(search_d, key=lambda D: (D not in late_d, D)):
        s_tasks = [Task(f"search d={D} p={p}", {**common, "d": D, "p": p, "certify": p not in follow_p})
                   for p in range(1, D // 2 + 1) if not (p in follow_p and D == heads[p])]
        searched.update(run(s_tasks, "searches"))
        s_all += s_tasks
        l_tasks = []
        for p in follow_p:
            res = searched.get(f"search d={D} p={p}")
            if D == heads[p] or p > D // 2 or res is None:
                continue
            for b, r in enumerate(res["rows"]):
                if degenerate_reason(r["parts"], r["params"]):
                    degenerate_seeds.append(r)
                elif any(same_point(s, r) for s in at.get((D, r["p"]), [])):
                    continue
                elif D in late_d:  # followed up to --dmax and down to its birth (or d0)
                    l_tasks.append(Task(f"follow p={p} d={first_dimension(p)}<-{D}->{args.dmax} #{b} L={r['loss']:.9f}",
                                        {"p": p, "d": D, "dmax": args.dmax, "down_to": first_dimension(p),
                                         "params": r["params"], "source": f"follow p={p} from d={D} #{b} (late)"}))
                else:  # a row at D only
                    l_tasks.append(Task(f"point p={p} d={D} #{b} L={r['loss']:.9f}",
                                        {"p": p, "d": D, "dmax": D, "params": r["params"],
                                         "source": f"search p={p} d={D} #{b} (late, not followed)"}))
        done = run(l_tasks, "late branches")
        remember(done)
        late.update(done)
        n_late += len(l_tasks)
        print(f"d = {D}: {sum(k in searched for k in (t.key for t in s_tasks))}/{len(s_tasks)} searches, "
              f"{len(done)}/{len(l_tasks)} late points ({time.time() - t0:.0f} s)", file=sys.stderr)

    rows = [r for res in followed.values() for r in res["rows"]]
    rows += [r for res in late.values() for r in res["rows"]]
    rows += [r for key, res in searched.items() if payload_certified(key, follow_p) for r in res["rows"]]
    for r in degenerate_seeds:  # rows of the followed p's searches at the searched d only
        rows.append({**r, "verdict": "inconclusive",
                     "reason": "degenerate: " + degenerate_reason(r["parts"], r["params"])})
    rows = [r for r in rows if r["d"] <= args.dmax]
    rows, conflicts = merge_rows(rows)
    for a, b in conflicts:
        print(f"CONFLICT at d={a['d']} p={a['p']} loss={a['loss']:.12g}: {a['verdict']} ({a['source']}) vs "
              f"{b['verdict']} ({b['source']})", file=sys.stderr)
    if conflicts:
        sys.exit("certified verdicts disagree on one point: not writing the table")
    summary(rows, searched, followed, late, len(s_all), len(f_tasks), n_late, follow_p, search_d, args.dmax)
    out = Path(args.out_dir) / "census_two_block.csv"
    lines = ["d,p,loss,index,lambda_min,verdict"]
    lines += [f"{r['d']},{r['p']},{r['loss']:.12g},{r['index']},{r['lambda_min']:.6g},{r['verdict']}" for r in rows]
    atomic_write_text(out, "\n".join(lines) + "\n")
    if not args.no_figure:
        figure(rows, Path(args.out_dir) / "census_two_block.png", follow_p)
    print(f"wrote {out} ({len(rows)} rows, {time.time() - t0:.0f} s)", file=sys.stderr)


def payload_certified(key, follow_p):
    """Whether the search task ``key`` certified its rows (p outside --follow-p)."""
    return int(key.split("p=")[1]) not in follow_p


def summary(rows, searched, followed, late, n_s, n_f, n_l, follow_p, search_d, dmax):
    """Coverage, counts and timings on stderr (pasted into docs/tables/README.md)."""
    pairs = Counter((r["d"], r["p"]) for r in rows)
    cov = sorted({(r["d"], r["p"]) for r in rows})
    full = [(d, p) for p in follow_p for d in range(max(6, 2 * p), dmax + 1)]
    missing = [x for x in full if x not in pairs]
    every = [D for D in search_d if all(f"search d={D} p={p}" in searched for p in range(1, D // 2 + 1))]
    v = Counter(r["verdict"] for r in rows)
    secs = lambda recs: sum(x["seconds"] for x in recs.values())  # noqa: E731
    reasons = Counter(_reason_kind(r["reason"]) for r in rows if r["verdict"] == "inconclusive")
    print(f"tasks finished: searches {len(searched)}/{n_s}, branches {len(followed)}/{n_f}, "
          f"late branches {len(late)}/{n_l}", file=sys.stderr)
    print(f"CPU seconds in tasks: searches {secs(searched):.0f}, branches {secs(followed):.0f}, "
          f"late {secs(late):.0f}", file=sys.stderr)
    print(f"rows {len(rows)} over {len(cov)} (d, p) pairs; verdicts {dict(v)}", file=sys.stderr)
    print(f"p in {follow_p[0]}..{follow_p[-1]} for every d = max(6, 2p)..{dmax}: "
          f"{len(full) - len(missing)}/{len(full)} pairs have rows" +
          (f" (none at {missing[:12]}{'…' if len(missing) > 12 else ''})" if missing else ""), file=sys.stderr)
    print(f"every p = 1..d/2 searched at d = {every}", file=sys.stderr)
    print(f"inconclusive reasons: {dict(reasons)}", file=sys.stderr)
    print("\n| p | d | rows | minimum | saddle | inconclusive | certified minima at d = 20 (loss) |\n"
          "|---|---|---|---|---|---|---|", file=sys.stderr)
    for p in follow_p:
        mine = [r for r in rows if r["p"] == p]
        c = Counter(r["verdict"] for r in mine)
        m20 = sorted(r["loss"] for r in mine if r["d"] == 20 and r["verdict"] == "minimum")
        print(f"| {p} | {min(r['d'] for r in mine)}..{max(r['d'] for r in mine)} | {len(mine)} | {c['minimum']} | "
              f"{c['saddle']} | {c['inconclusive']} | {len(m20)}: {', '.join(f'{x:.5f}' for x in m20)} |",
              file=sys.stderr)
    rest = [r for r in rows if r["p"] not in follow_p]
    for D in sorted({r["d"] for r in rest}):
        mine = [r for r in rest if r["d"] == D]
        c = Counter(r["verdict"] for r in mine)
        print(f"| {min(r['p'] for r in mine)}..{max(r['p'] for r in mine)} | {D} | {len(mine)} | {c['minimum']} | "
              f"{c['saddle']} | {c['inconclusive']} | |", file=sys.stderr)


def _reason_kind(reason):
    if not reason:
        return "unknown"
    for key in ("not finite", "near-)singular", "positivity not proved", "contains 0", "moved"):
        if key in reason:
            return key
    return reason[:60]


def figure(rows, path, follow_p):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    cmap = plt.get_cmap("tab10")
    for i, p in enumerate(follow_p):
        mins = [r for r in rows if r["p"] == p and r["verdict"] == "minimum"]
        rest = [r for r in rows if r["p"] == p and r["verdict"] != "minimum"]
        ax1.scatter([r["d"] for r in rest], [r["loss"] for r in rest], s=1, color=cmap(i % 10), alpha=0.2)
        ax1.scatter([r["d"] for r in mins], [r["loss"] for r in mins], s=5, color=cmap(i % 10), label=f"p = {p}")
        ax2.scatter([r["d"] for r in mins], [r["lambda_min"] for r in mins], s=5, color=cmap(i % 10))
    big = [r for r in rows if r["p"] not in follow_p and r["verdict"] == "minimum"]
    if big:
        ax1.scatter([r["d"] for r in big], [r["loss"] for r in big], s=10, marker="x", color="k",
                    label=f"p > {follow_p[-1]} (searched d only)")
        ax2.scatter([r["d"] for r in big], [r["lambda_min"] for r in big], s=10, marker="x", color="k")
    ax1.set_yscale("log")
    ax1.set_ylim(top=1.0)
    ax1.set_xlabel("d")
    ax1.set_ylabel("loss (dots: certified minima; faint: others; L ≤ 1 shown)")
    ax2.set_yscale("log")
    ax2.set_xlabel("d")
    ax2.set_ylabel("λ_min of the certified minima")
    ax1.legend(fontsize=7, ncol=2)
    fig.suptitle("Critical points in Fix(Δ(S_{d−p}×S_p)), k = d, teacher I, p ≤ d/2")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: finished tasks are in the journal; rerun to resume", file=sys.stderr)
        sys.exit(130)
