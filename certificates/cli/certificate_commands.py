"""``relu-landscape certify``, ``verify`` and ``split``.

Thin layers over :func:`certificates.verdict.certify` (+
:func:`certificates.artifact.build_certificate`),
:func:`certificates.verifier.verify_certificate` and
:func:`certificates.overparam.split_neuron`.
"""

from __future__ import annotations

from pathlib import Path

from landscape.errors import InputError
from landscape.io import (StagedOutputs, check_number_strings, float_matrix, short, strict_json_load, to_fraction,
                          write_point)

from ..artifact import certify_point, write_certificate, write_proof_script
from ..overparam import split_neuron
from ..verifier import FORMAT, RANGE_FORMAT, verify_certificate
from .common import Outcome, add_point_options, check_output_path, load_point

#: Formats ``verify`` accepts (anything else is "not a certificate", exit 2).
CERT_FORMATS = (FORMAT, RANGE_FORMAT)
#: certify --W works on the full k d-dimensional space up to this size.
CERTIFY_MAX_KD = 25_000_000


def register(sub) -> None:
    p = sub.add_parser("certify", help="rigorous verdict (minimum/saddle/inconclusive) with a proof certificate",
                       description="Encloses a true critical point near W (Krawczyk) and bounds the Hessian "
                                   "over the enclosure; writes a JSON certificate that `verify` re-checks.")
    add_point_options(p, required=False)
    p.add_argument("--partition", metavar="P",
                   help="instead of --W: a family, e.g. d-1,1 or d-2,2, certified over the range --d; "
                        "d-1,1+1 is type A with its bad neuron split (k = d + 1)")
    p.add_argument("--d", dest="d_range", metavar="RANGE",
                   help="with --partition: dimensions, e.g. 6..inf, 6..5000 or 10000")
    p.add_argument("--out", metavar="CERT", help="certificate path (default: <W>.cert.json)")
    p.add_argument("--script", metavar="FILE", help="also export the proof as a standalone Python script")
    p.add_argument("--prec", type=int, default=192, metavar="BITS", help="ball precision in bits (default 192)")
    p.add_argument("--engine", choices=("auto", "full", "family"), default="auto",
                   help="full space (any point, k d up to a few hundred), family (Fix(Δ(S_p1×…×S_pm)), "
                        "k = d, V = I: any d), or auto (family when the point has such symmetry)")
    p.set_defaults(handler=run_certify)

    p = sub.add_parser("verify", help="re-check a certificate independently (exit 0 valid, 1 invalid)",
                       description="Re-checks a certificate with the independent verifier "
                                   "(certificates/verifier.py): exit 0 if valid, 1 if not, 2 if the file "
                                   "is not a certificate at all.")
    p.add_argument("cert", metavar="CERT", help="certificate JSON written by `certify`")
    p.set_defaults(handler=run_verify)

    p = sub.add_parser("split", help="duplicate a neuron as (t w_I, (1-t) w_I)",
                       description="Writes a point with k+1 neurons: row I becomes t w_I and a new last row "
                                   "(1-t) w_I, both with second-layer weight alpha_I.")
    add_point_options(p)
    p.add_argument("--neuron", type=int, required=True, metavar="I", help="0-based neuron index")
    p.add_argument("--t", default="1/2", metavar="T", help="split ratio in (0, 1), exact (default 1/2)")
    p.add_argument("--out", metavar="F2", help="output point file (default: <W>.split<suffix>)")
    p.set_defaults(handler=run_split)


def run_certify(args) -> Outcome:
    if args.partition is not None or args.d_range is not None:
        if args.W is not None or args.partition is None or args.d_range is None:
            raise InputError("certify takes either --W FILE or both --partition P and --d RANGE")
        try:
            from .theorem_commands import run_certify_range
        except ModuleNotFoundError as exc:
            if exc.name != "certificates.cli.theorem_commands":
                raise
            raise InputError("certify --partition is not available in this build") from None
        return run_certify_range(args)
    if args.W is None:
        raise InputError("certify needs --W FILE (or --partition P --d RANGE)")
    if not 64 <= args.prec <= 4096:
        raise InputError(f"--prec must be between 64 and 4096 bits, got {args.prec}")
    inputs = (args.W, args.V)
    out = Path(args.out) if args.out else Path(args.W).with_suffix(".cert.json")
    check_output_path(out, "--out", inputs, args.force)
    if args.script:
        check_output_path(args.script, "--script", inputs, args.force)
        if Path(args.script).resolve() == out.resolve():
            raise InputError("--out and --script name the same file")
    point = load_point(args)
    if point.k * point.d > CERTIFY_MAX_KD:
        raise InputError(f"certify --W works on k d <= {CERTIFY_MAX_KD} entries directly; this point has "
                         f"k d = {point.k * point.d} (a symmetric family: certify --partition P --d RANGE)")
    # entries beyond float64 are refused here, before the work (a point read from floats or
    # decimal text holds finite float64 arrays already: no d x d copies to make)
    if point.rounded_float("W") is None or point.rounded_float("V") is None:
        point.as_float()
    else:
        float_matrix(point.alpha), float_matrix(point.beta)
    result, cert = certify_point(point, engine=args.engine, prec=args.prec)
    with StagedOutputs() as staged:  # certificate and script: both or neither
        write_certificate(staged.path(out), cert)
        if args.script:
            write_proof_script(staged.path(args.script, executable=True), cert)
        staged.commit()
    payload = {"verdict": result.verdict.value, "certificate": str(out), "reason": result.reason,
               "k": point.k, "d": point.d, "script": args.script,
               "existence": (cert["existence"] or {}).get("method"),
               "lambda_min_lower_bound": cert["blocks"][0]["lower_bound"] if cert["blocks"] else None,
               "negative_rayleigh_upper_bound": cert["interlacing"][0]["upper_bound"] if cert["interlacing"] else None}
    text = f"verdict: {result.verdict.value}\nreason: {result.reason}\ncertificate: {out}"
    if args.script:
        text += f"\nproof script: {args.script}"
    return Outcome(payload, text)


def run_verify(args) -> Outcome:
    """Exit 0 valid, 1 a certificate that fails, 2 not a certificate at all
    (unreadable, not JSON, duplicate keys, overflow literals, numbers too
    large to expand, nesting too deep, wrong or missing ``format``)."""
    path = Path(args.cert)
    cert = strict_json_load(path, "certificate", numbers="native")
    if not isinstance(cert, dict) or cert.get("format") not in CERT_FORMATS:
        found = cert.get("format") if isinstance(cert, dict) else type(cert).__name__
        raise InputError(f"{path} is not a certificate: expected \"format\": one of "
                         f"{', '.join(CERT_FORMATS)}, found {short(found)}")
    check_number_strings(cert, f"{path}")
    ok, verdict, reason = verify_certificate(cert)
    payload = {"valid": ok, "verdict": verdict, "reason": reason, "certificate": str(path)}
    text = f"{'VALID' if ok else 'INVALID'} ({verdict}): {reason}"
    return Outcome(payload, text, 0 if ok else 1)


def run_split(args) -> Outcome:
    src = Path(args.W)
    out = Path(args.out) if args.out else src.with_name(src.stem + ".split" + src.suffix)
    check_output_path(out, "--out", (args.W, args.V), args.force, suffixes=(".json", ".npy", ".csv"))
    t = to_fraction(args.t, "--t")
    if not 0 < t < 1:
        raise InputError(f"--t must be strictly between 0 and 1, got {short(args.t)}")
    point = load_point(args)
    if not 0 <= args.neuron < point.k:
        raise InputError(f"--neuron {args.neuron} is out of range 0..{point.k - 1}")
    new = split_neuron(point, args.neuron, t)
    if out.suffix.lower() in (".npy", ".csv"):
        from fractions import Fraction

        identity = all(point.V[i, j] == Fraction(int(i == j)) for i in range(point.n) for j in range(point.d))
        if not identity or any(x != 1 for x in point.alpha) or any(x != 1 for x in point.beta):
            raise InputError(f"{out}: .npy/.csv hold W alone; this point has a non-default teacher or "
                             "second layer -- write .json instead")
        new.as_float()  # refuse entries beyond float64 before writing a float file
    write_point(out, new, digits=80)  # exact whenever t w_I terminates within 80 digits
    payload = {"k": new.k, "d": new.d, "neuron": args.neuron, "t": str(t), "out": str(out)}
    return Outcome(payload, f"split neuron {args.neuron} with t = {t}: {new.k} neurons written to {out}")
