"""``relu-landscape gd-finite``: how wide must the student be for GD to fit n samples (Zou & Gu 2019)?

Thin layer over :func:`landscape.finite_sample.width_experiment` (training on
the empirical square loss, streamed to a JSON-lines file, resumable, local
processes or Dask) and :func:`landscape.finite_sample.plot_width_experiment`.
"""

from __future__ import annotations

import math
import os

from landscape.finite_sample import (MAX_D, MAX_M, MAX_N, MAX_RUNS, MAX_STEPS, REFERENCE, plot_width_experiment,
                                     width_experiment)

from .common import FIGURE_SUFFIXES, Outcome, UsageError, add_progress_options, add_run_options, check_output_path

#: Values in one ``--samples``/``--m`` specification.
MAX_VALUES = 64


def register(sub) -> None:
    p = sub.add_parser(
        "gd-finite", help="finite-sample mode: fraction of GD runs reaching zero training loss vs width m",
        description="n unit-norm Gaussian samples labelled by the teacher V = I_d; a student of width m with a "
        "fixed N(0,1) second layer and He-initialised first layer (Zou & Gu, NeurIPS 2019) trained by plain GD "
        "on the empirical square loss. Reports, for every n and m, the fraction of runs reaching zero training "
        "loss, and the measured threshold m*(n) beside Zou & Gu's sufficient width n^8 phi^-4 (a sufficient "
        "condition, not a prediction). --samples and --m take a list (20,40,80) or A..B = A, 2A, 4A, ... <= B.")
    p.add_argument("--samples", default="20,40,80", metavar="N", help="sample sizes n (default 20,40,80)")
    p.add_argument("--m", default="1..128", metavar="M", help="student widths (default 1..128: 1, 2, 4, ..., 128)")
    p.add_argument("--d", type=int, default=8, help="input dimension (teacher V = I_d; default 8)")
    p.add_argument("--runs", type=int, default=16, help="runs (initialisations) per (n, m, sample) (default 16)")
    p.add_argument("--datasets", type=int, default=1, help="independent samples per n (default 1)")
    p.add_argument("--seed", type=int, default=0, help="experiment seed")
    p.add_argument("--max-steps", type=int, default=50_000, help="GD step budget per run (default 50000)")
    p.add_argument("--step-scale", type=float, default=1.0,
                   help="step = SCALE * n / lambda_max(Gram at init), in (0, 2) (default 1)")
    p.add_argument("--loss-tol", type=float, default=1e-10,
                   help="zero loss means loss <= LOSS_TOL * mean(y^2)/2 (default 1e-10)")
    p.add_argument("--stall", type=float, default=1e-4,
                   help="a run whose loss falls by less than this fraction over --segment steps has stalled")
    p.add_argument("--segment", type=int, default=500, help="steps between two inspections (default 500)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="m*(n): smallest width from which at least this fraction reaches zero (default 0.5)")
    add_run_options(p, "JSON-lines results file (default: temporary)", "continue an interrupted experiment's file")
    p.add_argument("--figure", default=None, metavar="PNG", help="fraction vs m, and m*(n) beside Zou & Gu")
    add_progress_options(p)
    p.set_defaults(handler=run_gd_finite)


def parse_doubling(text, option: str, limit: int) -> list:
    """``20,40,80`` or ``A..B`` (``A, 2A, 4A, … ≤ B``), or a mix; each value in ``1..limit``.

    Examples
    --------
    >>> parse_doubling("4..32,48", "--m", 100)
    [4, 8, 16, 32, 48]
    """
    text = str(text).strip()
    if not text or len(text) > 200:
        raise UsageError(f"{option}: give a list like 20,40,80 or a doubling range like 4..256")
    out = []
    for part in text.split(","):
        part = part.strip()
        lo_s, dots, hi_s = part.partition("..")
        try:
            lo, hi = int(lo_s), int(hi_s) if dots else None
        except ValueError:
            raise UsageError(f"{option}: cannot read {part!r} (integers, or A..B for A, 2A, 4A, ... <= B)") from None
        if hi is None:
            values = [lo]
        else:
            if lo < 1 or hi < lo:
                raise UsageError(f"{option}: empty or non-positive range {part!r}")
            values, v = [], lo
            while v <= hi and len(values) <= MAX_VALUES:
                values.append(v)
                v *= 2
        for v in values:
            if not 1 <= v <= limit:
                raise UsageError(f"{option} values must be between 1 and {limit}, got {v}")
            if v not in out:
                out.append(v)
        if len(out) > MAX_VALUES:
            raise UsageError(f"{option}: at most {MAX_VALUES} values")
    return sorted(out)


def run_gd_finite(args) -> Outcome:
    ns = parse_doubling(args.samples, "--samples", MAX_N)
    ms = parse_doubling(args.m, "--m", MAX_M)
    if any(n < 2 for n in ns):
        raise UsageError("--samples: every sample size must be at least 2")
    if args.out and args.resume:
        raise UsageError("give --out FILE or --resume FILE, not both")
    for name, v, hi in (("--d", args.d, MAX_D), ("--runs", args.runs, MAX_RUNS), ("--datasets", args.datasets, 1000),
                        ("--max-steps", args.max_steps, MAX_STEPS), ("--segment", args.segment, MAX_STEPS)):
        if not 1 <= v <= hi:
            raise UsageError(f"{name} must be between 1 and {hi}, got {v}")
    for name, v in (("--step-scale", args.step_scale), ("--loss-tol", args.loss_tol), ("--stall", args.stall),
                    ("--threshold", args.threshold)):
        if not math.isfinite(v):
            raise UsageError(f"{name} must be finite, got {v}")
    if args.scheduler is None and not 1 <= args.workers <= 256:
        raise UsageError(f"--workers must be between 1 and 256, got {args.workers}")
    for path, option, kind in ((args.out, "--out", {}), (args.resume, "--resume", {}),
                               (args.figure, "--figure", {"suffixes": FIGURE_SUFFIXES})):
        if path:
            check_output_path(path, option, **kind)  # the resume file's content: landscape.runs.read_records
    if args.resume and not os.path.isfile(args.resume):
        raise UsageError(f"--resume: no such file {args.resume}")
    result = width_experiment(samples=ns, widths=ms, runs=args.runs, d=args.d, seed=args.seed,
                              datasets=args.datasets, step_scale=args.step_scale, loss_tol=args.loss_tol,
                              max_steps=args.max_steps, segment=args.segment, stall=args.stall,
                              threshold=args.threshold, workers=args.workers, scheduler=args.scheduler,
                              out=args.resume or args.out, resume=args.resume is not None, progress=args.progress)
    if args.figure:
        plot_width_experiment(result, args.figure)
    payload = result.to_dict()
    payload["figure"] = args.figure
    return Outcome(payload, summary_text(result, args.figure))


def summary_text(result, figure=None) -> str:
    s = result.settings
    ns = sorted({c["n"] for c in result.cells})
    ms = sorted({c["m"] for c in result.cells})
    lines = [f"GD on the empirical square loss, d = {s['d']}, teacher I_d, fixed N(0,1) second layer "
             f"(Zou & Gu setting); {s['runs'] * s['datasets']} runs per cell, seed {s['seed']}",
             f"fraction of runs reaching zero training loss (loss <= {s['loss_tol']:g} * mean(y^2)/2 "
             f"within {s['max_steps']} steps)",
             f"{'n':>6} | " + " ".join(f"{'m=' + str(m):>7}" for m in ms)]
    for n in ns:
        row = {c["m"]: c for c in result.cells if c["n"] == n}
        lines.append(f"{n:>6} | " + " ".join(f"{row[m]['fraction']:>7.2f}" for m in ms))
    lines.append(f"threshold m*(n) (fraction >= {s['threshold']:g} from there on) beside Zou & Gu's sufficient "
                 "width n^8 phi^-4 (constant 1; a sufficient condition, not a prediction):")
    for t in result.thresholds:
        m_star = "not reached" if t["m_star"] is None else str(t["m_star"])
        lines.append(f"  n = {t['n']:>5}: m* = {m_star:>11}   phi = {t['phi']:.3f}   "
                     f"n^8 phi^-4 = {t['zou_gu_width']:.2e}   n/d = {t['param_count_width']:g}")
    lines.append(f"reference: {REFERENCE}")
    if result.out:
        lines.append(f"runs: {result.out}")
    if figure:
        lines.append(f"figure: {figure}")
    return "\n".join(lines)
