"""``relu-landscape find`` and ``relu-landscape table``.

Thin layers over :func:`landscape.critical_points.find_critical_points` and
:func:`landscape.tables.family_table` / :func:`landscape.tables.format_table`.
"""

from __future__ import annotations

import json
from pathlib import Path

from landscape.critical_points import default_starts, find_critical_points
from landscape.fixed_points import Family, parse_partition
from landscape.io import atomic_write_text
from landscape.tables import FORMATS, family_table, format_table, parse_range, plot_table, table_payload

from .common import Outcome, UsageError, add_precision_option, check_precision, number

#: ``find`` includes the full W in its JSON up to this d (or with --with-W).
W_MAX_D = 12


def register(sub) -> None:
    p = sub.add_parser("find", help="critical points in Fix(Δ(S_p1×…×S_pm))",
                       description="Critical points of the loss in the fixed space of Δ(S_p1×…×S_pm) "
                                   "(k = d = p1+…+pm): seeded multi-start root finding on the reduced "
                                   "gradient, Newton polish, Morse index from the isotypic Hessian spectrum.")
    p.add_argument("--d", type=int, required=True, help="input dimension d")
    p.add_argument("--partition", required=True, metavar="P",
                   help="block sizes, e.g. 5,1 or d-1,1 (parts may use d)")
    p.add_argument("--k", type=int, default=None,
                   help="number of neurons (default d); the k − d extra neurons form one block, "
                        "H = Δ(S_p1×…×S_pm) × S_{k−d}, each extra row constant on the column blocks")
    add_precision_option(p)
    p.add_argument("--starts", type=int, default=None, metavar="N",
                   help="random starts (default 100 × number of parameters)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the random starts")
    p.add_argument("--with-W", dest="with_W", action="store_true", help="include the full W in the JSON")
    p.add_argument("--progress", action="store_true", help="progress bar on stderr")
    p.set_defaults(handler=run_find)

    p = sub.add_parser("table", help="Hessian spectrum table of a family over a range of d",
                       description="One row per d: the lowest-loss spurious critical point of the family "
                                   "and every distinct Hessian eigenvalue with multiplicity and irrep.")
    p.add_argument("--partition", required=True, metavar="P", help="block sizes using d, e.g. d-1,1 or d-2,2")
    p.add_argument("--d", required=True, metavar="RANGE", help="dimensions: 6..20, 10,100,1000, or a mix")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.add_argument("--figure", metavar="PNG", help="also draw eigenvalues against d (matplotlib)")
    p.add_argument("--out", metavar="FILE", help="write the table to FILE instead of stdout")
    add_precision_option(p)
    p.add_argument("--starts", type=int, default=None, metavar="N", help="random starts per d")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--progress", action="store_true", help="progress bar on stderr")
    p.set_defaults(handler=run_table)


def _point_json(pt, precision, with_W: bool) -> dict:
    out = {
        "params": {n: number(v, precision) for n, v in pt.named_params().items()},
        "loss": number(pt.loss, precision),
        "grad_norm": number(pt.grad_norm, precision),
        "index": pt.index,
        "min_eigenvalue": number(pt.min_eigenvalue, precision),
        "kind": pt.kind,
        "global": pt.is_global,
    }
    if with_W:
        out["W"] = [[number(x, precision) for x in row] for row in pt.W().tolist()] if precision is None else \
            [[number(x, precision) for x in row] for row in _mp_W(pt, precision)]
    return out


def _mp_W(pt, precision):
    from landscape.backends import mp_context

    return pt.W(mp_context(precision)).tolist()


def run_find(args) -> Outcome:
    precision = check_precision(args.precision)
    if args.d < 1:
        raise UsageError(f"--d must be a positive integer, got {args.d}")
    parts = parse_partition(args.partition, args.d)
    if "d" not in args.partition and sum(parts) != args.d:
        raise UsageError(f"partition {args.partition} sums to {sum(parts)}, not d = {args.d}")
    if args.k is not None and args.k < args.d:
        raise UsageError(f"k must be at least d (got k = {args.k}, d = {args.d}); extra neurons form one block")
    if args.starts is not None and args.starts < 0:
        raise UsageError(f"--starts must be non-negative, got {args.starts}")
    extra = (args.k - args.d,) if args.k is not None and args.k > args.d else ()
    fam = Family(parts, extra)
    starts = default_starts(fam) if args.starts is None else args.starts
    pts = find_critical_points(fam, starts, args.seed, precision, progress=args.progress)
    with_W = args.with_W or args.d <= W_MAX_D
    payload = {
        "family": fam.label(),
        "parts": list(fam.parts),
        "k": fam.k,
        "d": fam.d,
        "param_names": fam.param_names,
        "starts": starts,
        "seed": args.seed,
        "precision": precision,
        "critical_points": [_point_json(p, precision, with_W) for p in pts],
    }
    lines = [f"{fam.label()}, k = {fam.k}, d = {fam.d}: {len(pts)} critical points ({starts} starts, seed {args.seed})",
             f"{'loss':>14} {'grad_norm':>10} {'index':>6} {'min eigenvalue':>15}  kind"]
    for p in pts:
        lines.append(f"{float(p.loss):14.8g} {float(p.grad_norm):10.2g} {p.index:6d} "
                     f"{float(p.min_eigenvalue):15.6g}  {p.kind}{' (global)' if p.is_global else ''}")
    return Outcome(payload, "\n".join(lines))


def run_table(args) -> Outcome:
    precision = check_precision(args.precision)
    ds = parse_range(args.d)
    parse_partition(args.partition, ds[0])  # reject bad partitions before any work
    rows = family_table(args.partition, ds, precision, args.starts, args.seed, progress=args.progress)
    text = format_table(rows, args.format, args.partition)
    payload = table_payload(rows, args.partition)
    if args.figure:
        plot_table(rows, args.figure, title=f"Hessian spectrum, family {args.partition}")
        payload["figure"] = str(args.figure)
    if args.out:
        atomic_write_text(Path(args.out), text)
        payload["out"] = str(args.out)
        text = f"wrote {args.out} ({len(rows)} rows)"
    elif args.format == "json":
        payload = json.loads(text) | {k: v for k, v in payload.items() if k in ("figure",)}
    return Outcome(payload, text)
