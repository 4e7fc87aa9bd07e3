"""``relu-landscape isotropy`` and ``relu-landscape subgroups`` (see docs/cli.md).

Thin layers over :func:`symmetry.isotropy.isotropy`,
:func:`symmetry.isotypic.isotypic_decomposition` and
:func:`symmetry.subgroups.subgroups`.

``isotropy`` compares the entries of W exactly (the point file is read as
exact fractions) unless ``--tol`` is given, in which case entries are
compared as floats with that relative tolerance.  Orders are JSON integers
below 2**53 and decimal strings above, always with ``order_log10``.
"""

from __future__ import annotations

import sys

from landscape.io import StagedOutputs
from symmetry.errors import InputError, OutOfReachError

from . import common


def _order_json(n: int):
    """The exact order: a JSON integer below 2**53, else its decimal string (of
    any length: Δ(S_4999×S_1) has a 16 000-digit order, beyond Python's default
    limit on int-to-str conversion)."""
    if n < 2**53:
        return n
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(n)
    finally:
        sys.set_int_max_str_digits(limit)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "isotropy", help="isotropy group of W in S_k x S_d",
        description="Isotropy group of W under S_k x S_d: order, generators, structural name, "
        "dim Fix(H) and the isotypic decomposition of M(k,d).")
    common.add_point_options(p)
    p.add_argument("--tol", type=float, default=None, metavar="T",
                   help="relative tolerance for equal entries (default: exact comparison)")
    p.set_defaults(handler=run_isotropy)

    q = subparsers.add_parser(
        "subgroups", help="isotropy subgroups of S_k x S_d up to conjugacy",
        description="All conjugacy classes of isotropy subgroups of S_k x S_d acting on k x d "
        "matrices (k, d <= 6), with their inclusion lattice (k*d <= 36).")
    q.add_argument("--k", type=int, required=True, help="number of rows (neurons); k <= 6")
    q.add_argument("--d", type=int, required=True, help="number of columns (input dimension); d <= 6")
    q.add_argument("--method", choices=("goursat", "elements"), default="goursat",
                   help="goursat (default): classes from their structure, no listing of S_k x S_d; "
                   "elements: the reference search listing all of S_k x S_d (k!*d! <= 14400)")
    q.add_argument("--graphml", metavar="FILE", help="write the Hasse diagram as GraphML")
    q.add_argument("--dot", metavar="FILE", help="write the Hasse diagram as Graphviz DOT")
    q.add_argument("--png", metavar="FILE", help="draw the Hasse diagram (needs matplotlib)")
    q.set_defaults(handler=run_subgroups)


def run_isotropy(args) -> common.Outcome:
    from symmetry.isotropy import isotropy
    from symmetry.isotypic import isotypic_decomposition

    if args.tol is not None and not (0 <= args.tol < 1):
        raise InputError(f"--tol must be a relative tolerance in [0, 1), got {args.tol}")
    point = common.load_point(args)
    Wf = point.exact_float("W")
    if args.tol is None and Wf is not None:
        # a lazy point's floats are its exact entries: tolerance 0 (equal floats) is the exact
        # comparison of the rationals, without building k d Fractions
        H = isotropy(Wf, tol=0.0)
    elif args.tol is None and point.rounded_float("W") is not None:
        # a decimal-text point: exact colours from its text (Decimal comparisons), no Fractions
        H = isotropy(point.exact_colours("W"))
    else:
        H = isotropy(point.W if args.tol is None else point.as_float()[0], tol=args.tol)
    standard = _standard_teacher(point)
    try:
        comps = [c.to_dict() for c in isotypic_decomposition(H)]
        iso_note = None
    except OutOfReachError as exc:
        comps, iso_note = None, str(exc)
    payload = {
        "k": H.k,
        "d": H.d,
        "order": _order_json(H.order),
        "order_log10": H.order_log10,
        "name": H.name,
        "fix_dim": H.fix_dim,
        "generators": [[list(p), list(r)] for p, r in H.generators],
        "row_orbits": H.row_orbits,
        "col_orbits": H.col_orbits,
        "factors": H.factors,
        "comparison": "exact" if args.tol is None else f"tolerance {args.tol}",
        "isotypic": comps,
        "standard_teacher": standard,
    }
    if iso_note:
        payload["isotypic_note"] = iso_note
    lines = [
        f"isotropy of W ({H.k}x{H.d}): {H.name}",
        f"  order     {H.order if H.order < 10**30 else f'10^{H.order_log10:.2f}'}",
        f"  dim Fix   {H.fix_dim}",
        f"  generators {len(H.generators)}",
    ]
    if not standard:
        lines.append("  note: V != I_d or second layers != 1; the loss is invariant only under "
                     "the subgroup that also fixes the teacher")
    if comps:
        lines.append("  isotypic decomposition of M(k,d):")
        for c in comps:
            lines.append(f"    {c['irrep']:<24} dim {c['dim']:<8} multiplicity {c['multiplicity']}")
    else:
        lines.append(f"  isotypic decomposition unavailable: {iso_note}")
    return common.Outcome(payload, "\n".join(lines))


def _standard_teacher(point) -> bool:
    """Whether V = I_d and alpha, beta are all ones (then the loss is S_k x S_d invariant)."""
    import numpy as np

    Vf = point.exact_float("V")
    V = np.asarray(point.V) if Vf is None else Vf
    if Vf is not None:
        return (V.shape[0] == V.shape[1] and bool(np.array_equal(V, np.eye(V.shape[0])))
                and all(a == 1 for a in point.alpha) and all(b == 1 for b in point.beta))
    return (V.shape[0] == V.shape[1] and all(V[i, j] == (1 if i == j else 0)
                                              for i in range(V.shape[0]) for j in range(V.shape[1]))
            and all(a == 1 for a in point.alpha) and all(b == 1 for b in point.beta))


def run_subgroups(args) -> common.Outcome:
    from symmetry.subgroups import subgroups, write_dot, write_graphml, write_png

    targets = {}
    for kind, value, suffixes in (("graphml", args.graphml, None), ("dot", args.dot, None),
                                  ("png", args.png, common.FIGURE_SUFFIXES)):
        if value:
            targets[kind] = common.check_output_path(value, f"--{kind}", force=args.force, suffixes=suffixes)
    if len({str(p.resolve()) for p in targets.values()}) < len(targets):
        raise InputError("--graphml, --dot and --png must name different files")
    if "png" in targets:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise InputError("--png needs matplotlib (pip install relu-landscape[plot])") from None
    from symmetry.subgroups import MAX_GROUP_ORDER, MAX_LATTICE_CELLS, MAX_SIDE, _bounded_order

    k, d = args.k, args.d
    if k < 1 or d < 1:
        raise InputError(f"--k and --d must be positive integers, got {k}, {d}")
    if args.method == "goursat" and (k > MAX_SIDE or d > MAX_SIDE):
        raise OutOfReachError(f"subgroups: only k, d <= {MAX_SIDE} are in reach "
                              f"(--method elements: k!*d! <= {MAX_GROUP_ORDER}); got k={k}, d={d}")
    if args.method == "elements" and _bounded_order(k, d) > MAX_GROUP_ORDER:
        raise OutOfReachError(f"subgroups --method elements: only k!*d! <= {MAX_GROUP_ORDER} is in reach; "
                              f"got k={k}, d={d}")
    if targets and args.method == "goursat" and k * d > MAX_LATTICE_CELLS:
        raise OutOfReachError(f"the inclusion lattice is in reach only for k*d <= {MAX_LATTICE_CELLS}; "
                              "drop --graphml/--dot/--png to list the classes")
    lat = subgroups(k, d, method=args.method)
    payload = lat.to_dict()
    payload["seconds"] = lat.seconds
    files = {}
    writers = {"graphml": write_graphml, "dot": write_dot, "png": write_png}
    try:
        with StagedOutputs() as staged:  # all or nothing
            for kind, target in targets.items():
                writers[kind](lat, staged.path(target))
                files[kind] = str(target)
            staged.commit()
    except OSError as exc:
        raise InputError(f"cannot write the lattice: {exc.strerror or exc}") from None
    payload["files"] = files
    lines = [f"isotropy subgroups of S_{lat.k} x S_{lat.d} up to conjugacy: {lat.count} classes "
             f"({lat.seconds:.2f} s, method {args.method})",
             f"  {'#':>3}  {'order':>7}  {'dim Fix':>7}  {'conj':>5}  name"]
    for c in lat.classes:
        lines.append(f"  {c.index:>3}  {c.order:>7}  {c.fix_dim:>7}  {c.class_size:>5}  {c.name}")
    if not lat.has_lattice:
        lines.append("  inclusion lattice: not computed (out of reach at this size); the classes above are complete")
    for kind, path in files.items():
        if path:
            lines.append(f"  wrote {kind}: {path}")
    return common.Outcome(payload, "\n".join(lines))
