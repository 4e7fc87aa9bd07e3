"""``relu-landscape robustness``: off-subspace robustness sweep (Melamed, Yehudai & Vardi 2023).

Thin layer over :func:`landscape.robustness.sweep` (and
:func:`landscape.robustness.plot_sweep`, :func:`landscape.robustness.toy_line`).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile

from landscape.robustness import (
    SETTINGS,
    ProbeConfig,
    check_sweep,
    plot_sweep,
    plot_toy_line,
    summarise,
    sweep,
    toy_line,
)

from .common import FIGURE_SUFFIXES, Outcome, UsageError, add_progress_options, add_run_options, check_output_path

#: Longest list accepted by --init-scale / --weight-decay.
MAX_LIST = 100


def register(sub) -> None:
    p = sub.add_parser(
        "robustness", help="off-subspace robustness sweep (inputs on an r-dim subspace of R^d)",
        description="Train two-layer ReLU networks on inputs lying on an r-dimensional subspace of R^d "
        "(Melamed, Yehudai & Vardi, NeurIPS 2023) for every init scale x weight decay, with several seeds, "
        "and report the median norm of the input gradient orthogonal to the data and the median "
        "distance, orthogonal to the data, that flips the sign of the output.")
    p.add_argument("--d", type=int, required=True, help="ambient dimension")
    p.add_argument("--r", type=int, required=True, help="dimension of the data subspace (1 <= r <= d)")
    p.add_argument("--init-scale", required=True, metavar="S1,S2,...",
                   help="initialisation scales s (W0 = s N(0, 1/d)), comma-separated, positive")
    p.add_argument("--weight-decay", required=True, metavar="L1,L2,...",
                   help="weight decays lambda (update p <- p - step (grad + lambda p)), comma-separated, >= 0")
    p.add_argument("--seeds", type=int, default=5, help="runs per cell (default 5)")
    p.add_argument("--setting", choices=SETTINGS, default="gaussian",
                   help="gaussian: population loss under N(0, U U^T); finite: a sample with the logistic "
                   "loss, biases and a trainable second layer (the paper's setting)")
    p.add_argument("--width", type=int, default=None, help="hidden neurons (default 2r gaussian, 100 finite)")
    p.add_argument("--samples", type=int, default=200, help="training sample size (finite setting)")
    p.add_argument("--test-points", type=int, default=200, help="points probed per run")
    p.add_argument("--steps", type=int, default=2000, help="GD step budget (default 2000)")
    p.add_argument("--step", type=float, default=None, help="GD step (default 0.5 gaussian, 1.0 finite)")
    p.add_argument("--tol", type=float, default=1e-10, help="stop a run when max |grad| <= tol")
    p.add_argument("--seed", type=int, default=0, help="master seed (subspace, samples, starts)")
    p.add_argument("--basis", choices=("random", "coordinate"), default="random",
                   help="random rotation of the subspace or the first r coordinates")
    p.add_argument("--max-distance", type=float, default=1e4,
                   help="bound of the flip search along the orthogonal gradient (beyond: 'no flip')")
    add_run_options(p, "JSON-lines results file, one line per finished cell (default: a temporary file)",
                    "continue an interrupted sweep's results file (started if missing, as for gd)")
    p.add_argument("--figure", default=None, metavar="PNG", help="plot of the medians against the init scale")
    p.add_argument("--toy-figure", default=None, metavar="PNG",
                   help="also draw the paper's toy case (data on a line in R^2; decision boundaries)")
    add_progress_options(p)
    p.set_defaults(handler=run_robustness)


def parse_list(text: str, option: str, positive: bool) -> list:
    """Comma-separated finite numbers (``UsageError`` naming the bad entry)."""
    parts = [t.strip() for t in str(text).split(",")]
    if not text.strip() or any(t == "" for t in parts):
        raise UsageError(f"{option}: give a comma-separated list of numbers, got {text!r}")
    if len(parts) > MAX_LIST:
        raise UsageError(f"{option}: at most {MAX_LIST} values, got {len(parts)}")
    out = []
    for t in parts:
        try:
            x = float(t)
        except ValueError:
            raise UsageError(f"{option}: {t!r} is not a number") from None
        if not math.isfinite(x):
            raise UsageError(f"{option}: {t!r} is not finite")
        if x < 0 or (positive and x == 0):
            raise UsageError(f"{option}: {t!r} must be {'positive' if positive else 'non-negative'}")
        out.append(x)
    return out


def run_robustness(args) -> Outcome:
    scales = parse_list(args.init_scale, "--init-scale", positive=True)
    decays = parse_list(args.weight_decay, "--weight-decay", positive=False)
    for value, name in ((args.step, "--step"), (args.tol, "--tol"), (args.max_distance, "--max-distance")):
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{name} must be finite, got {value}")
    if args.out and args.resume:
        raise UsageError("give --out FILE or --resume FILE, not both")
    for path, option, suffixes in ((args.out, "--out", None), (args.resume, "--resume", None),
                                   (args.figure, "--figure", FIGURE_SUFFIXES),
                                   (args.toy_figure, "--toy-figure", FIGURE_SUFFIXES)):
        if path:
            check_output_path(path, option, suffixes=suffixes, force=args.force)
    config = ProbeConfig(setting=args.setting, d=args.d, r=args.r, width=args.width, samples=args.samples,
                         test_points=args.test_points, steps=args.steps, step=args.step, tol=args.tol,
                         seed=args.seed, basis=args.basis, max_distance=args.max_distance)
    config, scales, decays, seeds = check_sweep(config, scales, decays, args.seeds)  # every bound, before work
    if args.scheduler is None and not (1 <= args.workers <= 256):
        raise UsageError(f"--workers must be between 1 and 256, got {args.workers}")

    tmpdir = None
    out = args.resume or args.out
    if out is None:
        tmpdir = tempfile.mkdtemp(prefix="relu-landscape-robustness-")
        out = os.path.join(tmpdir, "cells.jsonl")
    try:
        cells = sweep(config, scales, decays, seeds, out=out, resume=args.resume is not None,
                      workers=args.workers, scheduler=args.scheduler, progress=args.progress)
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    if args.figure:
        plot_sweep(cells, args.figure, title=f"{config.setting}: d = {config.d}, r = {config.r}, "
                   f"width {config.width}, {seeds} seeds per cell")
    toy = None
    if args.toy_figure:
        results = toy_line()
        plot_toy_line(results, args.toy_figure)
        toy = [{k: v for k, v in res.items() if k not in ("x", "f", "X", "y")} for res in results]

    payload = {
        "setting": config.setting,
        "d": config.d,
        "r": config.r,
        "width": config.width,
        "config": {k: v for k, v in vars(config).items()},
        "cells": cells,
        "results": None if tmpdir else out,
        "figure": args.figure,
        "toy": toy,
    }
    header = (f"off-subspace robustness, {config.setting} setting: d = {config.d}, r = {config.r}, "
              f"width {config.width}, {config.steps} steps of size {config.step:g}, {seeds} seeds per cell\n"
              "orth grad = |P_perp grad_x f(x)| at test points on the subspace; flip distance = first sign "
              f"change along -sign(f) P_perp grad_x f (searched exactly up to {config.max_distance:g}; "
              "'> bound' = no flip within it)")
    text = header + "\n" + summarise(cells)
    if payload["results"]:
        text += f"\nresults: {out}"
    if args.figure:
        text += f"\nfigure: {args.figure}"
    if args.toy_figure:
        text += f"\ntoy figure: {args.toy_figure}"
    return Outcome(payload, text)
