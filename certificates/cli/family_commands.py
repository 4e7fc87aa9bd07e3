"""``relu-landscape find`` and ``relu-landscape table``.

Thin layers over :func:`landscape.critical_points.find_critical_points` and
:func:`landscape.tables.family_table` / :func:`landscape.tables.format_table`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from landscape.critical_points import default_starts, find_critical_points
from landscape.errors import Interrupted
from landscape.fixed_points import Family, parse_partition
from landscape.io import StagedOutputs, file_mode
from landscape.tables import (FORMATS, MAX_D, MAX_ROWS, family_table, format_table, parse_range, plot_table,
                              table_payload)

from .common import (FIGURE_SUFFIXES, Outcome, UsageError, add_precision_option, check_output_path,
                     check_partition_text, check_precision, dumps, number)

#: ``find`` includes the full W in its JSON up to this d (or with --with-W).
W_MAX_D = 12


#: ``find --out`` writes W files up to this d (a d x d file grows as d²; beyond,
#: certify the family with ``certify --partition``).
OUT_MAX_D = 300
#: Most random starts accepted (each is a root-finding run of a few ms to 1 s).
MAX_STARTS = 100_000
#: Most digits for find/table (Newton polish and spectra in mpmath).
MAX_DIGITS = 1000


def register(sub) -> None:
    p = sub.add_parser("find", help="critical points in Fix(Δ(S_p1×…×S_pm))",
                       description="Critical points of the loss in the fixed space of Δ(S_p1×…×S_pm) "
                                   "(k = d = p1+…+pm): seeded multi-start root finding on the reduced "
                                   "gradient, Newton polish, Morse index from the isotypic Hessian spectrum. "
                                   "Points with parallel rows are flagged degenerate.")
    p.add_argument("--d", type=int, required=True, help=f"input dimension d (1..{MAX_D})")
    p.add_argument("--partition", required=True, metavar="P",
                   help="block sizes, e.g. 5,1 or d-1,1 (parts may use d)")
    p.add_argument("--k", type=int, default=None,
                   help="number of neurons (default d); the k − d extra neurons form one block, "
                        "H = Δ(S_p1×…×S_pm) × S_{k−d}, each extra row constant on the column blocks")
    add_precision_option(p)
    p.add_argument("--starts", type=int, default=None, metavar="N",
                   help=f"random starts (default 100 × number of parameters; at most {MAX_STARTS})")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the random starts (>= 0)")
    p.add_argument("--with-W", dest="with_W", action="store_true", help="include the full W in the JSON")
    p.add_argument("--out", metavar="DIR",
                   help=f"write one point file per critical point (DIR/NN.json, readable by certify --W) "
                        f"and DIR/index.json (d <= {OUT_MAX_D})")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(handler=run_find)

    p = sub.add_parser("table", help="Hessian spectrum table of a family over a range of d",
                       description="One row per d: the lowest-loss spurious critical point of the family "
                                   "and every distinct Hessian eigenvalue with multiplicity and irrep.")
    p.add_argument("--partition", required=True, metavar="P", help="block sizes using d, e.g. d-1,1 or d-2,2")
    p.add_argument("--d", required=True, metavar="RANGE",
                   help=f"dimensions: 6..20, 10,100,1000, or a mix (d <= {MAX_D}, at most {MAX_ROWS} values)")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.add_argument("--figure", metavar="PNG", help="also draw eigenvalues against d (matplotlib; .png/.pdf/.svg)")
    p.add_argument("--out", metavar="FILE", help="write the table to FILE instead of stdout")
    add_precision_option(p)
    p.add_argument("--starts", type=int, default=None, metavar="N", help=f"random starts per d (at most {MAX_STARTS})")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
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
        "isotropy": pt.isotropy_name,
        "degenerate": pt.degenerate_reason,
    }
    if with_W:
        out["W"] = _W_numbers(pt, precision)
    return out


def _W_numbers(pt, precision):
    if precision is None:
        return [[number(x) for x in row] for row in pt.W().tolist()]
    from landscape.backends import mp_context

    return [[number(x, precision) for x in row] for row in pt.W(mp_context(precision)).tolist()]


def _check_sizes(args):
    if not 1 <= args.d <= MAX_D:
        raise UsageError(f"--d must be between 1 and {MAX_D}, got {args.d}")
    if args.k is not None and not args.d <= args.k <= 2 * args.d:
        raise UsageError(f"--k must be between d and 2 d (got k = {args.k}, d = {args.d}); "
                         "extra neurons form one block")
    if args.starts is not None and not 0 <= args.starts <= MAX_STARTS:
        raise UsageError(f"--starts must be between 0 and {MAX_STARTS}, got {args.starts}")


def run_find(args) -> Outcome:
    precision = check_precision(args.precision, MAX_DIGITS)
    _check_sizes(args)
    check_partition_text(args.partition)
    parts = parse_partition(args.partition, args.d)
    if "d" not in args.partition and sum(parts) != args.d:
        raise UsageError(f"partition {args.partition} sums to {sum(parts)}, not d = {args.d}")
    out_dir = None
    if args.out:
        if args.d > OUT_MAX_D:
            raise UsageError(f"--out writes d x d point files: only for d <= {OUT_MAX_D} "
                             "(certify a large family with certify --partition)")
        out_dir = check_output_path(args.out, "--out", force=args.force, directory=True)
    extra = (args.k - args.d,) if args.k is not None and args.k > args.d else ()
    fam = Family(parts, extra)
    starts = default_starts(fam) if args.starts is None else args.starts
    pts = find_critical_points(fam, starts, args.seed, precision, progress=args.progress)
    partial = pts.interrupted
    digits = None if partial else precision  # an interrupted search reports float64, unpolished
    with_W = args.with_W or args.d <= W_MAX_D
    payload = {
        "family": fam.label(),
        "parts": list(fam.parts),
        "k": fam.k,
        "d": fam.d,
        "param_names": fam.param_names,
        "starts": starts,
        "seed": args.seed,
        "precision": digits,
        "complete": partial is None,
        "critical_points": [_point_json(p, digits, with_W) for p in pts],
    }
    if partial:
        payload["partial"] = partial
    head = f"{fam.label()}, k = {fam.k}, d = {fam.d}: {len(pts)} critical points ({starts} starts, seed {args.seed})"
    if partial:
        head = f"PARTIAL ({partial})\n" + head
    lines = [head, f"{'':>3} {'loss':>14} {'grad_norm':>10} {'index':>6} {'min eigenvalue':>15}  kind, isotropy"]
    notes = []
    for n, p in enumerate(pts):
        flag = " *" if p.degenerate_reason else ""
        lines.append(f"{n:>3} {float(p.loss):14.8g} {float(p.grad_norm):10.2g} {p.index:6d} "
                     f"{float(p.min_eigenvalue):15.6g}  {p.kind}{' (global)' if p.is_global else ''}{flag}"
                     f"{', ' + p.isotropy_name if p.isotropy_name else ''}")
        if p.degenerate_reason:
            notes.append(p.degenerate_reason)
    if notes:
        lines.append("  * degenerate (parallel rows): a continuum of critical points (w -> (t w, (1-t) w)) where "
                     "L is not C^3; the spectrum shown is not that of an isolated smooth critical point")
    if out_dir is not None:
        written = _write_points(out_dir, pts, digits, payload, partial, args.force)
        payload["out"] = str(written)
        lines.append(f"wrote {len(pts)} point files and index.json to {written}"
                     + ("  (PARTIAL: the search was interrupted)" if partial else "")
                     + (f"; certify one with: relu-landscape certify --W {written / '00.json'}" if len(pts) else ""))
    outcome = Outcome(payload, "\n".join(lines))
    if partial:
        _emit_partial(args, outcome)
    return outcome


def _write_points(out_dir: Path, pts, digits, payload, partial, force) -> Path:
    """One ``NN.json`` point file per critical point plus ``index.json``, all or
    nothing: written in a temporary directory renamed at the end.  An
    interrupted search goes to ``DIR.partial`` (never to DIR)."""
    target = out_dir.with_name(out_dir.name + ".partial") if partial else out_dir
    if partial and target.exists():
        target = Path(tempfile.mkdtemp(dir=target.parent, prefix=target.name + "."))
        os.rmdir(target)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        index = dict(payload)
        index["critical_points"] = []
        for n, (p, entry) in enumerate(zip(pts, payload["critical_points"])):
            name = f"{n:02d}.json"
            W = _W_numbers(p, digits)
            text = json.dumps({"W": [[x if isinstance(x, str) else repr(x) for x in row] for row in W]}) + "\n"
            (tmp / name).write_text(text)
            os.chmod(tmp / name, file_mode())
            index["critical_points"].append(dict(entry, file=name))
        (tmp / "index.json").write_text(json.dumps(index, indent=1, allow_nan=False) + "\n")
        os.chmod(tmp / "index.json", file_mode())
        os.chmod(tmp, file_mode(executable=True))
        if target.is_dir():
            if any(target.iterdir()):
                if not force:
                    raise UsageError(f"--out {target}: directory is not empty (use --force to replace it)")
                for f in tmp.iterdir():
                    os.replace(f, target / f.name)
                os.rmdir(tmp)
                return target
            os.rmdir(target)
        os.replace(tmp, target)
        return target
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _emit_partial(args, outcome: Outcome) -> None:
    """Print the partial result (marked) on stdout and stop with exit status 130."""
    import sys

    if args.json:
        sys.stdout.write(dumps(outcome.payload) + "\n")
    else:
        sys.stdout.write(outcome.text.rstrip("\n") + "\n")
    sys.stdout.flush()
    raise KeyboardInterrupt


def run_table(args) -> Outcome:
    precision = check_precision(args.precision, MAX_DIGITS)
    if args.starts is not None and not 0 <= args.starts <= MAX_STARTS:
        raise UsageError(f"--starts must be between 0 and {MAX_STARTS}, got {args.starts}")
    check_partition_text(args.partition)
    ds = parse_range(args.d)
    for d in (ds[0], ds[-1]):
        parse_partition(args.partition, d)  # reject bad partitions before any work
    out = check_output_path(args.out, "--out", force=args.force) if args.out else None
    fig = check_output_path(args.figure, "--figure", force=args.force, suffixes=FIGURE_SUFFIXES) \
        if args.figure else None
    if out is not None and fig is not None and out.resolve() == fig.resolve():
        raise UsageError("--out and --figure name the same file")
    if fig is not None:
        _require_matplotlib()
    try:
        rows = family_table(args.partition, ds, precision, args.starts, args.seed, progress=args.progress)
        partial = None
    except Interrupted as exc:
        rows, partial = exc.partial, exc.message
    text = format_table(rows, args.format, args.partition, partial)
    payload = table_payload(rows, args.partition, partial)
    with StagedOutputs() as staged:
        if out is not None:
            target = out.with_name(out.stem + ".partial" + out.suffix) if partial else out
            staged.write_text(target, text)
            payload["out"] = str(target)
            text = f"wrote {target} ({len(rows)} rows)" + (f"  PARTIAL: {partial}" if partial else "")
        if fig is not None and not partial:
            plot_table(rows, staged.path(fig), title=f"Hessian spectrum, family {args.partition}")
            payload["figure"] = str(fig)
        staged.commit()
    if args.format == "json" and out is None:
        payload = json.loads(text)
    outcome = Outcome(payload, text)
    if partial:
        _emit_partial(args, outcome)
    return outcome


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--figure needs matplotlib (pip install relu-landscape[plot])") from None
