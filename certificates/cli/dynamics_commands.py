"""``relu-landscape gd``: gradient descent from random starts, endpoints classified and certified.

Thin layer over :func:`landscape.dynamics.run_experiment` (training, streamed
to a JSON-lines file, resumable, local processes or Dask),
:func:`landscape.dynamics.summarise_size` (counts, Wilson interval,
families up to S_k × S_d from :mod:`landscape.endpoints`) and
:func:`certificates.endpoints.certify_families` (one certificate per family).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile

from landscape.dynamics import MAX_D, MAX_K, PROTOCOLS, Experiment, get_protocol, run_experiment, summarise_size
from landscape.io import atomic_save_figure

from .common import FIGURE_SUFFIXES, Outcome, UsageError, add_progress_options, add_run_options, check_output_path

#: Sizes in one ``--k``/``--d`` specification.
MAX_VALUES = 500

_EXPR = re.compile(r"^\s*(?:(\d+)\s*\*?\s*)?(d)\s*(?:([+-])\s*(\d+))?\s*$|^\s*(\d+)\s*$")


def register(sub) -> None:
    p = sub.add_parser(
        "gd", help="gradient descent from random starts; classify and certify the endpoints",
        description="Gradient descent on the population loss (teacher V = I_d, unit second layers) from seeded "
        "random starts, by default with the protocol of Safran, Yehudai & Shamir (COLT 2021): Xavier "
        "N(0, 1/d) init, step 5/k, until the Frobenius norm of the gradient is <= 1e-12. Endpoints are "
        "grouped into families up to S_k x S_d, each with its isotropy, Morse index, lambda_min and a "
        "certificate. --k and --d take a value, a list (6,8,10), a range (6..20) or, for --k, expressions "
        "in d (d, d+1, 2d, d..2d) for width sweeps.")
    p.add_argument("--k", required=True, metavar="K", help="neurons: 10, 6..12, 6,8, d, d+1, d..2d")
    p.add_argument("--d", required=True, metavar="D", help="input dimension (= teacher neurons n): 6, 6..20, 6,10")
    p.add_argument("--runs", type=int, required=True, help="GD runs per size")
    p.add_argument("--seed", type=int, default=0, help="experiment seed (run r uses SeedSequence(seed, (k, d, r)))")
    p.add_argument("--protocol", default="sys21", help=f"defaults for init/step/tol: {', '.join(sorted(PROTOCOLS))}")
    p.add_argument("--step", type=float, default=None, help="fixed step (default: protocol, 5/k)")
    p.add_argument("--tol", type=float, default=None, help="gradient tolerance (default: protocol, 1e-12)")
    p.add_argument("--max-steps", type=int, default=None, help="step budget per run (default 100000)")
    p.add_argument("--loss-tol", type=float, default=None,
                   help="also stop a run once its loss is <= this (needed for k > d, where the global minimum is "
                   "degenerate and the gradient decays like 1/t); such runs are counted as converged and reported")
    p.add_argument("--init-scale", type=float, default=1.0, help="multiplies the init standard deviation")
    p.add_argument("--no-polish", dest="polish", action="store_false",
                   help="plain GD to the end (no Newton polish near strict minima)")
    p.add_argument("--chunk", type=int, default=100, help="runs per task (results do not depend on it)")
    add_run_options(p, "JSON-lines file of the runs (one line per finished chunk; default: a temporary file)",
                    "continue an interrupted experiment's file")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="trainer threads per process, 1..the CPUs of this machine (default 1: threads help while "
                   "many runs of a chunk are active, not in a chunk's tail of slow runs; docs/benchmarks_gd.md). "
                   "Results are bit for bit the same for every N, and --resume accepts any N")
    p.add_argument("--no-certify", dest="certify", action="store_false", help="skip the certificates")
    p.add_argument("--cert-dir", default=None, metavar="DIR",
                   help="certificate directory (default: <out>.certs, or gd-certificates without --out)")
    p.add_argument("--max-certify", type=int, default=10, metavar="N",
                   help="certify at most N families per size, by decreasing count (default 10; the rest are "
                   "reported as not attempted)")
    p.add_argument("--prec", type=int, default=192, metavar="BITS", help="certificate ball precision (bits)")
    p.add_argument("--figure", default=None, metavar="PNG", help="spurious fraction against k (a sweep)")
    add_progress_options(p)
    p.set_defaults(handler=run_gd)


def _value(token: str, d: int | None, option: str) -> int:
    m = _EXPR.match(token)
    if not m:
        raise UsageError(f"{option}: cannot read {token!r} (an integer, or for --k an expression like d, d+1, 2d)")
    if m.group(5) is not None:
        return int(m.group(5))
    if d is None:
        raise UsageError(f"{option}: {token!r} refers to d, which only --k may do")
    value = int(m.group(1) or 1) * d
    if m.group(3):
        value += int(m.group(4)) * (1 if m.group(3) == "+" else -1)
    return value


def parse_sizes(text: str, option: str, d: int | None = None, limit: int = MAX_K) -> list:
    """Values of ``--k``/``--d``: comma-separated integers or ranges ``A..B``
    (inclusive), ``d`` expressions for ``--k``; each in ``1..limit``."""
    text = str(text).strip()
    if len(text) > 200:
        raise UsageError(f"{option}: specification too long")
    out = []
    for part in text.split(","):
        if ".." in part:
            lo_s, _, hi_s = part.partition("..")
            lo, hi = _value(lo_s, d, option), _value(hi_s, d, option)
            if hi < lo:
                raise UsageError(f"{option}: empty range {part.strip()!r}")
            if hi - lo + 1 > MAX_VALUES:
                raise UsageError(f"{option}: at most {MAX_VALUES} values, got the range {part.strip()!r}")
            values = range(lo, hi + 1)
        else:
            values = [_value(part, d, option)]
        for v in values:
            if not 1 <= v <= limit:
                raise UsageError(f"{option} must be between 1 and {limit}, got {v}")
            if v not in out:
                out.append(v)
        if len(out) > MAX_VALUES:
            raise UsageError(f"{option}: at most {MAX_VALUES} values")
    return out


def sizes_from(k_text: str, d_text: str) -> tuple:
    """``(k, d)`` pairs: every d of ``--d`` with every k of ``--k`` (evaluated at that d)."""
    pairs = []
    for d in parse_sizes(d_text, "--d", limit=MAX_D):
        for k in parse_sizes(k_text, "--k", d=d, limit=MAX_K):
            pairs.append((k, d))
    return tuple(pairs)


def run_gd(args) -> Outcome:
    sizes = sizes_from(args.k, args.d)
    get_protocol(args.protocol)
    if args.out and args.resume:
        raise UsageError("give --out FILE or --resume FILE, not both")
    for value, name in ((args.step, "--step"), (args.tol, "--tol"), (args.init_scale, "--init-scale"),
                        (args.loss_tol, "--loss-tol")):
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{name} must be finite, got {value}")
    if args.step is not None and args.step <= 0:
        raise UsageError(f"--step must be positive, got {args.step}")
    if args.runs is None or args.runs <= 0:
        raise UsageError(f"--runs must be positive, got {args.runs}")
    if args.scheduler is None and not (1 <= args.workers <= 256):
        raise UsageError(f"--workers must be between 1 and 256, got {args.workers}")
    cpus = max(1, os.cpu_count() or 1)
    if not 1 <= args.threads <= cpus:
        raise UsageError(f"--threads must be between 1 and {cpus} (the CPUs of this machine), got {args.threads}")
    if not 0 <= args.max_certify <= 10_000:
        raise UsageError(f"--max-certify must be between 0 and 10000, got {args.max_certify}")
    if not 64 <= args.prec <= 4096:
        raise UsageError(f"--prec must be between 64 and 4096 bits, got {args.prec}")
    for path, option, kind in ((args.out, "--out", {}), (args.resume, "--resume", {}),
                               (args.figure, "--figure", {"suffixes": FIGURE_SUFFIXES}),
                               (args.cert_dir, "--cert-dir", {"directory": True, "force": True})):
        if path:
            check_output_path(path, option, **kind)
    experiment = Experiment(sizes=sizes, runs=args.runs, seed=args.seed, protocol=args.protocol, step=args.step,
                            tol=args.tol, max_steps=args.max_steps, init_scale=args.init_scale,
                            polish=args.polish, chunk=args.chunk, loss_tol=args.loss_tol).check()  # every bound, before work

    threads = args.threads
    tmpdir = None
    out = args.resume or args.out
    if out is None:
        tmpdir = tempfile.mkdtemp(prefix="relu-landscape-gd-")
        out = os.path.join(tmpdir, "runs.jsonl")
    try:
        results = run_experiment(experiment, out, resume=args.resume is not None, workers=args.workers,
                                 scheduler=args.scheduler, progress=args.progress, threads=threads)
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    cert_root = None
    if args.certify:
        cert_root = args.cert_dir or ((args.resume or args.out) + ".certs" if (args.resume or args.out)
                                      else "gd-certificates")
        os.makedirs(cert_root, exist_ok=True)
    summaries = []
    for (k, d) in sizes:
        s = summarise_size(results[(k, d)], loss_tol=experiment.loss_tol)
        c = s.pop("classification")
        if args.certify and c is not None and c.families:
            from certificates.endpoints import certify_families

            # the most frequent families first; the rest are reported "not attempted", never dropped
            ranked = sorted(c.families, key=lambda f: (-f.count, f.id))
            records = certify_families(ranked, os.path.join(cert_root, f"k{k}-d{d}"), prec=args.prec,
                                       max_families=args.max_certify)
            by_id = {rec["family"]: rec for rec in records}
            for fam in s["families"]:
                rec = by_id.get(fam["id"])
                if rec is not None:
                    fam.update(verdict=rec["verdict"], certificate=rec["certificate"],
                               certificate_reason=rec["reason"])
        for fam in s["families"]:
            if "verdict" not in fam:
                fam.update(verdict=None, certificate=None,
                           certificate_reason="not certified (--no-certify)" if not args.certify
                           else fam.get("note"))
        summaries.append({"k": k, "d": d, **s})

    if args.figure and len(summaries) > 0:
        plot_sweep(summaries, args.figure, title=f"GD ({experiment.protocol}), {experiment.runs} runs per size")
    proto = get_protocol(experiment.protocol)
    payload = {
        "protocol": experiment.protocol,
        "protocol_description": proto.description,
        "protocol_source": proto.source,
        "seed": experiment.seed,
        "threads": threads,
        "sizes": summaries if len(summaries) > 1 else None,
        "results": None if tmpdir else out,
        "certificates": cert_root,
        "figure": args.figure,
    }
    first = summaries[0]
    # the CLI.md fields for a single size at top level (the first size of a sweep)
    for key in ("k", "d", "runs", "global", "spurious", "unconverged", "spurious_fraction", "spurious_ci95",
                "families"):
        payload[key] = first[key]
    if len(summaries) == 1:
        payload.pop("sizes")
    return Outcome(payload, summary_text(summaries, experiment, payload))


def _families_text(fams, limit=6):
    parts = []
    for f in fams[:limit]:
        tag = "global" if f["is_global"] else (f["isotropy"] or "?")
        verdict = f" {f['verdict']}" if f.get("verdict") else ""
        parts.append(f"{tag} L={f['loss']:.6g} x{f['count']}{verdict}")
    if len(fams) > limit:
        parts.append(f"... {len(fams) - limit} more")
    return "; ".join(parts)


def summary_text(summaries, experiment, payload) -> str:
    proto = get_protocol(experiment.protocol)
    lines = [f"gradient descent, protocol {proto.name}: {proto.description}",
             f"{experiment.runs} runs per size, seed {experiment.seed}, {payload['threads']} trainer thread(s) per "
             "process; spurious fraction = spurious / converged, 95% Wilson interval",
             f"{'k':>4} {'d':>4} {'conv':>6} {'global':>6} {'spur':>6} {'unconv':>6} {'fraction':>9} "
             f"{'95% CI':>17}  families"]
    for s in summaries:
        frac = "-" if s["spurious_fraction"] is None else f"{s['spurious_fraction']:.3f}"
        ci = "-" if s["spurious_ci95"] is None else f"[{s['spurious_ci95'][0]:.3f}, {s['spurious_ci95'][1]:.3f}]"
        lines.append(f"{s['k']:>4} {s['d']:>4} {s['converged']:>6} {s['global']:>6} {s['spurious']:>6} "
                     f"{s['unconverged']:>6} {frac:>9} {ci:>17}  {_families_text(s['families'])}")
    by_loss = sum(s["converged_by_loss"] for s in summaries)
    if by_loss:
        lines.append(f"{by_loss} runs converged by the loss rule (loss <= {experiment.loss_tol:g}), not the gradient rule")
    if experiment.loss_tol is None and any(s["unconverged"] and s["k"] > s["d"] for s in summaries):
        lines.append("hint: for k > d the global minimum is degenerate (split neurons) and the gradient decays "
                     "only like 1/t; add --loss-tol 1e-13 to stop runs that reached it")
    if payload["results"]:
        lines.append(f"runs: {payload['results']}")
    if payload["certificates"]:
        lines.append(f"certificates: {payload['certificates']}")
    if payload["figure"]:
        lines.append(f"figure: {payload['figure']}")
    return "\n".join(lines)


def plot_sweep(summaries, path, title=""):
    """Spurious fraction (with the Wilson interval) against k, one line per d (or per k − d)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--figure needs matplotlib (pip install relu-landscape[plot])") from None
    groups = {}
    paired = len({s["d"] for s in summaries}) > 1
    for s in summaries:
        if s["spurious_fraction"] is None:
            continue
        key = f"k = d + {s['k'] - s['d']}" if paired else f"d = {s['d']}"
        groups.setdefault(key, []).append(s)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key, rows in groups.items():
        ks = [r["k"] for r in rows]
        fr = [r["spurious_fraction"] for r in rows]
        lo = [r["spurious_fraction"] - r["spurious_ci95"][0] for r in rows]
        hi = [r["spurious_ci95"][1] - r["spurious_fraction"] for r in rows]
        ax.errorbar(ks, fr, yerr=[lo, hi], marker="o", capsize=3, label=key)
    ax.set_xlabel("k (neurons)")
    ax.set_ylabel("fraction of converged runs at a spurious point")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title, fontsize=9)
    try:
        atomic_save_figure(fig, path, format="png", dpi=120, bbox_inches="tight")  # all or nothing
    finally:
        plt.close(fig)
