"""``relu-landscape asymptotics``, ``critical-dimension`` and ``certify --partition P --d RANGE``.

Thin layers over :func:`landscape.asymptotics.family_asymptotics`,
:func:`landscape.real_dimension.critical_dimension` and
:func:`certificates.all_d.certify_range`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from landscape.errors import InputError

from .. import verify_all_d  # noqa: F401  (registers the range-artifact check with the verifier for `verify`)
from .common import Outcome, UsageError

#: Largest series order accepted by ``asymptotics`` (powers of d^{-1/2}).
MAX_ORDER = 8
#: Digits accepted by ``critical-dimension``.
MAX_DIGITS = 200


def register(sub) -> None:
    p = sub.add_parser("asymptotics", help="series of a family in powers of d^(-1/2)",
                       description="Parameters, loss and Hessian eigenvalues of the family "
                                   "Delta(S_(d-p) x S_p) as series in d^(-1/2) (see docs/theorems.md).")
    p.add_argument("--partition", required=True, metavar="P", help="two-block family, e.g. d-1,1 or d-2,2")
    p.add_argument("--order", type=int, default=2, metavar="N",
                   help=f"number of half-integer orders beyond the leading one (0..{MAX_ORDER}, default 2: "
                        "about 4 min for type A with its eigenvalue series derived, 6 min at 3)")
    p.add_argument("--format", choices=("text", "latex"), default="text", help="text or LaTeX summary")
    p.add_argument("--derive-eigenvalues", choices=("auto", "yes", "no"), default="auto",
                   help="derive the eigenvalue series exactly (landscape.eigen_series) instead of keeping the fit: "
                        "auto = for d-1,1 only (d-2,2 takes far longer)")
    p.set_defaults(handler=run_asymptotics)

    p = sub.add_parser("critical-dimension", help="real d where the family's smallest Hessian eigenvalue crosses 0",
                       description="Continuation of the family in real d (the reduced loss is analytic in d); "
                                   "interval Newton on the augmented system encloses the crossing.")
    p.add_argument("--partition", required=True, metavar="P", help="two-block family, e.g. d-1,1")
    p.add_argument("--precision", type=int, default=30, metavar="DIGITS",
                   help=f"significant digits of the answer (10..{MAX_DIGITS}, default 30)")
    p.set_defaults(handler=run_critical_dimension)


def run_certify_range(args) -> Outcome:
    """``certify --partition P --d RANGE [--out CERT]``: one artifact for the range."""
    from ..all_d import certify_range, parse_range, write_artifact

    if args.script:
        raise UsageError("--script is for single-point certificates; verify a range artifact with `verify`")
    if not 64 <= args.prec <= 4096:
        raise InputError(f"--prec must be between 64 and 4096 bits, got {args.prec}")
    lo, hi = parse_range(args.d_range)
    out = Path(args.out) if args.out else Path(f"family_{args.partition.replace(',', '_')}_{args.d_range.replace('..', '-')}.cert.json")
    if not out.parent.exists() or not out.parent.is_dir():
        raise InputError(f"cannot write {out}: directory {out.parent} does not exist")
    text = args.partition.replace(" ", "")
    if text.endswith("+1"):  # k = d + 1: the type-A point with its bad neuron split in halves
        from ..all_d import certify_split_range

        if text != "d-1,1+1":
            raise InputError("the over-parameterised range target is d-1,1+1 (type A, bad neuron split, k = d + 1)")
        if hi is not None and hi - lo + 1 > 5000:
            raise InputError(f"the range {lo}..{hi} has {hi - lo + 1} dimensions; at most 5000 per artifact")
        if lo < 4:
            raise InputError("the split family needs d >= 4")
        art = certify_split_range(lo, hi, prec=args.prec)
    else:
        art = certify_range(args.partition, lo, hi, prec=args.prec, progress=sys.stderr.isatty())
    write_artifact(out, art)
    tail = art.get("tail")
    payload = {"verdict": art["verdict"], "certificate": str(out), "reason": art["reason"],
               "partition": art["partition"], "range": art["range"], "proved": art["proved"],
               "statement": art["statement"], "seconds": art["seconds"],
               "tail": None if tail is None else {"D": tail["D"], "s_interval": tail["s_interval"],
                                                  "pieces": len(tail["pieces"]), "existence": tail["existence"],
                                                  "hessian": "hessian" in tail},
               "existence_statement": art.get("existence_statement"),
               "all_d_statement": art.get("all_d_statement")}
    text = f"verdict: {art['verdict']}\nreason: {art['reason']}\ncertificate: {out}"
    if art.get("all_d_statement"):
        text += f"\nproved (every d): {art['all_d_statement']}"
    elif art.get("existence_statement"):
        text += f"\nproved (existence): {art['existence_statement']}"
    return Outcome(payload, text)


def run_asymptotics(args) -> Outcome:
    from landscape.asymptotics import family_asymptotics, to_json, to_latex, to_text

    if not 0 <= args.order <= MAX_ORDER:
        raise UsageError(f"--order must be between 0 and {MAX_ORDER}, got {args.order}")
    derive = {"auto": None, "yes": True, "no": False}[args.derive_eigenvalues]
    res = family_asymptotics(args.partition, args.order, derive_eigenvalues=derive)
    text = to_latex(res) if args.format == "latex" else to_text(res)
    return Outcome(to_json(res), text)


def run_critical_dimension(args) -> Outcome:
    from landscape.real_dimension import critical_dimension

    if not 10 <= args.precision <= MAX_DIGITS:
        raise UsageError(f"--precision must be between 10 and {MAX_DIGITS} digits, got {args.precision}")
    res = critical_dimension(args.partition, args.precision)
    payload = {"partition": args.partition, "d": res.d, "enclosure": [res.lo, res.hi],
               "eigenvalue_at_lo": res.lam_lo, "eigenvalue_at_hi": res.lam_hi, "method": res.method,
               "params": res.params}
    text = (f"critical dimension of {args.partition}: d* = {res.d}\n"
            f"enclosure: [{res.lo}, {res.hi}]  ({res.method})")
    return Outcome(payload, text)
