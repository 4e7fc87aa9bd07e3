"""``relu-landscape loss`` and ``relu-landscape spectrum``.

Thin layers over :func:`landscape.loss.loss_and_gradient` and
:func:`landscape.spectrum.spectrum`.
"""

from __future__ import annotations

import numpy as np

from landscape.backends import FLOAT, mp_context
from landscape.loss import loss_and_gradient
from landscape.spectrum import spectrum

from .common import Outcome, add_point_options, add_precision_option, check_precision, load_point, number


def register(sub) -> None:
    p = sub.add_parser("loss", help="loss and gradient at a point",
                       description="Loss L(W) (with the 1/2) and the max-abs entry of its gradient.")
    add_point_options(p)
    add_precision_option(p)
    p.add_argument("--with-gradient", action="store_true", help="include the full gradient in the JSON")
    p.set_defaults(handler=run_loss)

    p = sub.add_parser("spectrum", help="Hessian eigenvalues, grouped with multiplicities",
                       description="Hessian eigenvalues at W grouped into distinct values with multiplicities.")
    add_point_options(p)
    add_precision_option(p)
    p.add_argument("--method", choices=("auto", "isotypic", "dense"), default="auto",
                   help="isotypic blocks (needs a symmetric point), dense eigensolver, or auto")
    p.set_defaults(handler=run_spectrum)


def _arrays(point, precision):
    if precision is None:
        return FLOAT, point.as_float()
    ctx = mp_context(precision)
    return ctx, point.as_mp(ctx.mp)


def run_loss(args) -> Outcome:
    precision = check_precision(args.precision)
    point = load_point(args)
    ctx, (W, V, alpha, beta) = _arrays(point, precision)
    L, G = loss_and_gradient(W, V, alpha, beta, ctx=ctx)
    gmax = max(abs(x) for x in np.asarray(G).ravel())
    payload = {
        "k": point.k,
        "d": point.d,
        "n": point.n,
        "loss": number(L, precision),
        "grad_norm": number(gmax, precision),
        "precision": precision,
    }
    if args.with_gradient:
        payload["gradient"] = [[number(x, precision) for x in row] for row in np.asarray(G)]
    text = (
        f"k = {point.k}, d = {point.d}, n = {point.n}\n"
        f"loss      = {payload['loss']}\n"
        f"|grad|_max = {payload['grad_norm']}"
    )
    return Outcome(payload, text)


def run_spectrum(args) -> Outcome:
    precision = check_precision(args.precision)
    point = load_point(args)
    W, V, alpha, beta = point.as_float() if precision is None else point.as_mp(mp_context(precision).mp)
    spec = spectrum(W, V, alpha, beta, digits=precision, method=args.method)
    payload = {
        "k": point.k,
        "d": point.d,
        "method": spec.method,
        "eigenvalues": [
            {"value": number(e.value, precision), "multiplicity": e.multiplicity,
             **({"irrep": e.irrep} if e.irrep is not None else {})}
            for e in spec.eigenvalues
        ],
        "min": number(spec.min, precision),
        "max": number(spec.max, precision),
        "negative_count": spec.negative_count,
        "zero_count": spec.zero_count,
        "tolerance": spec.tol,
        "precision": precision,
    }
    lines = [f"Hessian spectrum at k = {point.k}, d = {point.d} ({spec.method}; "
             f"{spec.dimension} eigenvalues, {len(spec.eigenvalues)} distinct)",
             f"{'eigenvalue':>28}  {'mult':>6}  irrep"]
    for e in spec.eigenvalues:
        lines.append(f"{number(e.value, precision or 15)!s:>28}  {e.multiplicity:>6}  {e.irrep or ''}")
    lines.append(f"negative: {spec.negative_count}, |λ| <= tol: {spec.zero_count}")
    return Outcome(payload, "\n".join(lines))
