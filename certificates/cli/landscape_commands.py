"""``relu-landscape loss`` and ``relu-landscape spectrum``.

Thin layers over :func:`landscape.loss.loss_and_gradient` and
:func:`landscape.spectrum.spectrum`.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np

from landscape.backends import FLOAT, mp_context
from landscape.loss import loss_and_gradient
from landscape.spectrum import spectrum

from landscape.errors import InputError

from .common import OutOfRangeError, Outcome, UsageError, add_point_options, add_precision_option, check_precision, load_point, number

#: Largest k d for the dense eigensolver: float64 eigvalsh (~10 s at 4000) and mpmath eigsy.
DENSE_MAX_KD = 4000
DENSE_MP_MAX_KD = 150


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


#: Working precision (digits) when float64 cannot carry a point's entries.
FALLBACK_DIGITS = 30
#: Row norms spanning more than this factor: float64 loses the small eigenvalues
#: (measured: W = diag(10^9, 1) gives 0.5 x3 instead of 0.2036, 0.5, 0.7964).
MAX_FLOAT_NORM_RATIO = 1e3


def row_norm_ratio(point) -> float:
    """Largest / smallest row norm among the rows of W and V (float, from the
    exact entries' magnitudes; inf for a zero row)."""
    from fractions import Fraction

    from landscape.io import _log10

    logs = []
    for name in ("W", "V"):
        F = point.rounded_float(name)
        if F is not None:  # a lazy point: row maxima in float64 are the maxima (to rounding, for a text point)
            rows = [Fraction(x) for x in np.abs(F).max(axis=1).tolist()]
        else:
            rows = [max(abs(x) for x in row) for row in getattr(point, name)]
        for big in rows:
            logs.append(_log10(big) if big else -math.inf)
    span = max(logs) - min(logs)
    return math.inf if not math.isfinite(span) else 10.0 ** min(span, 300)


def _evaluate(point, precision, fn, mp_ok: bool = True):
    """``fn(ctx, arrays, digits)`` in float64 when that is safe, else in mpmath.

    float64 is used when ``precision`` is None, every entry is inside
    :attr:`landscape.io.Point.FLOAT_RANGE`, the row norms span at most
    :data:`MAX_FLOAT_NORM_RATIO` (or mpmath is not an option, ``mp_ok``:
    then a note says digits may be lost) and the computation raises no
    floating-point exception and returns finite numbers; otherwise it is
    redone in mpmath at :data:`FALLBACK_DIGITS` digits (never a nan).
    Returns ``(result, digits used or None, note)``.
    """
    if precision is not None:
        ctx = mp_context(precision)
        return fn(ctx, point.as_mp(ctx.mp), precision), precision, None
    note = None
    ratio = row_norm_ratio(point)
    if point.float_safe() and (ratio <= MAX_FLOAT_NORM_RATIO or not mp_ok):
        try:
            with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                warnings.simplefilter("ignore")
                out = fn(FLOAT, point.as_float(copy=False), None)  # read only
            if _finite(out):
                if ratio > MAX_FLOAT_NORM_RATIO:
                    return out, None, (f"row norms span a factor {ratio:.1e}: float64 may lose about "
                                       f"{2 * math.log10(ratio):.0f} digits of the small eigenvalues "
                                       "(too large for the mpmath eigensolver; use --precision on a smaller point)")
                return out, None, None
        except (FloatingPointError, OverflowError, ZeroDivisionError):
            pass
        note = "float64 overflowed or lost the result"
    elif point.float_safe():
        note = f"row norms span a factor {ratio:.1e} (float64 would lose digits)"
    else:
        note = "entries outside float64's safe range"
    digits = fallback_digits(point)
    ctx = mp_context(digits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(ctx, point.as_mp(ctx.mp), digits)
    return out, digits, f"{note}: computed with mpmath at {digits} digits"


def fallback_digits(point) -> int:
    """Working digits for a point float64 cannot carry: :data:`FALLBACK_DIGITS`
    plus twice the decimal dynamic range of its nonzero entries (sums of terms
    of sizes 10^300 and 1 need 600 digits to keep the small ones)."""
    from landscape.io import _log10

    logs = [_log10(x) for M in (point.W, point.V, point.alpha, point.beta)
            for x in np.asarray(M).ravel() if x != 0]
    spread = (max(logs) - min(logs)) if logs else 0
    return int(min(10000, FALLBACK_DIGITS + 2 * spread))


def _finite(out) -> bool:
    import math

    def ok(x):
        if isinstance(x, (list, tuple)):
            return all(ok(y) for y in x)
        if isinstance(x, np.ndarray):
            return all(ok(y) for y in x.ravel())
        if hasattr(x, "eigenvalues"):
            return all(ok(e.value) for e in x.eigenvalues)
        try:
            return math.isfinite(float(x))
        except (TypeError, ValueError, OverflowError):
            return False

    return ok(out)


def run_loss(args) -> Outcome:
    precision = check_precision(args.precision)
    point = load_point(args)

    def compute(ctx, arrays, digits):
        W, V, alpha, beta = arrays
        L, G = loss_and_gradient(W, V, alpha, beta, ctx=ctx)
        return L, G

    (L, G), used, note = _evaluate(point, precision, compute)
    gmax = max(abs(x) for x in np.asarray(G).ravel())

    def build():
        payload = {
            "k": point.k,
            "d": point.d,
            "n": point.n,
            "loss": number(L, precision),
            "grad_norm": number(gmax, precision),
            "precision": precision,
        }
        if note:
            payload["working_digits"] = used
            payload["note"] = note
        if args.with_gradient:
            payload["gradient"] = [[number(x, precision) for x in row] for row in np.asarray(G)]
        return payload

    payload = _payload_or_text_only(build, args)
    shown = (lambda x: number(x, precision)) if used is None or precision is not None else \
        (lambda x: mpmath.nstr(x, 17))
    text = (
        f"k = {point.k}, d = {point.d}, n = {point.n}\n"
        f"loss      = {shown(L)}\n"
        f"|grad|_max = {shown(gmax)}"
    )
    if note:
        text += f"\nnote: {note}"
    return Outcome(payload, text)


def run_spectrum(args) -> Outcome:
    precision = check_precision(args.precision)
    point = load_point(args)
    kd = point.k * point.d
    if args.method == "dense":
        limit = DENSE_MAX_KD if precision is None and point.float_safe() else DENSE_MP_MAX_KD
        if kd > limit:
            raise UsageError(f"--method dense at k d = {kd} is beyond the limit k d <= {limit} "
                             f"({'float64' if limit == DENSE_MAX_KD else 'mpmath'} eigensolver); "
                             "a symmetric point can use --method isotypic")

    def compute(ctx, arrays, digits):
        W, V, alpha, beta = arrays
        method = args.method
        if method == "auto" and digits is not None and kd > DENSE_MP_MAX_KD:
            method = "isotypic"
        if method == "auto" and digits is None and kd > DENSE_MAX_KD:
            method = "isotypic"
        try:
            return spectrum(W, V, alpha, beta, digits=digits, method=method)
        except InputError as exc:
            if method != args.method:
                raise UsageError(f"k d = {kd} is too large for the dense eigensolver and "
                                 f"the isotypic method does not apply ({exc})") from None
            raise

    spec, used, note = _evaluate(point, precision, compute, mp_ok=kd <= DENSE_MP_MAX_KD)
    shown_digits = precision if precision is not None else (None if used is None else 17)
    degenerate = parallel_rows_reason(point)

    def build():
        payload = {
            "k": point.k,
            "d": point.d,
            "method": spec.method,
            "eigenvalues": [_eig_json(e, precision) for e in spec.eigenvalues],
            "min": number(spec.min, precision),
            "max": number(spec.max, precision),
            "negative_count": spec.negative_count,
            "zero_count": spec.zero_count,
            "tolerance": spec.tol,
            "precision": precision,
            "degenerate": degenerate,
        }
        if spec.extra.get("working_digits"):
            payload["working_digits"] = spec.extra["working_digits"]
        if note:
            payload["working_digits"] = used
            payload["note"] = note
        return payload

    payload = _payload_or_text_only(build, args)
    lines = [f"Hessian spectrum at k = {point.k}, d = {point.d} ({spec.method}; "
             f"{spec.dimension} eigenvalues, {len(spec.eigenvalues)} distinct)",
             f"{'eigenvalue':>28}  {'mult':>6}  irrep"]
    for e in spec.eigenvalues:
        value = number(e.value, precision or 15) if used is None or precision is not None else \
            mpmath.nstr(e.value, shown_digits)
        lines.append(f"{value!s:>28}  {e.multiplicity:>6}  {e.irrep or ''}")
    lines.append(f"negative: {spec.negative_count}, |λ| <= tol: {spec.zero_count}")
    if degenerate:
        lines.append(f"DEGENERATE: {degenerate}")
    if note:
        lines.append(f"note: {note}")
    return Outcome(payload, "\n".join(lines))


def _payload_or_text_only(build, args):
    """The JSON payload; in text mode a value beyond float64 does not stop the
    readable summary (it is printed from mpmath), in JSON mode it is an error."""
    try:
        return build()
    except OutOfRangeError:
        if args.json:
            raise
        return {}


def _eig_json(e, precision) -> dict:
    out = {"value": number(e.value, precision), "multiplicity": e.multiplicity}
    if e.irrep is not None:
        out["irrep"] = e.irrep
    if e.components and len(e.components) > 1:
        out["components"] = [{"irrep": i, "multiplicity": m} for i, m in e.components]
    return out


def parallel_rows_reason(point, tol: float = 1e-7):
    """Why the point is not a smooth isolated critical point, or None: two
    positively parallel rows of W (angle < ``tol``, float64) make a continuum
    of critical points where L is not C³ (see
    :attr:`landscape.critical_points.CriticalPoint.degenerate_reason`).

    The pairs are those of the chord test ``|u_i − u_j| < tol`` on the unit
    rows, found without the k x k Gram matrix: ``|u_i·r − u_j·r| ≤ |u_i − u_j|
    ‖r‖₂`` for a fixed random r, so only pairs within that window of the sorted
    projections are tested (``O(k d + k log k)`` plus the candidates; a point
    with very many near-parallel rows falls back to testing all pairs).
    """
    try:
        with np.errstate(all="ignore"):
            W = point.float_W()
            n = np.linalg.norm(W, axis=1)
            U = np.divide(W, n[:, None], out=W)
    except InputError:
        return None
    if not np.all(np.isfinite(U)):
        return None
    k, d = U.shape
    r = np.random.default_rng(1712).normal(size=d)
    p = U @ r
    width = (tol + 1e-9) * float(np.linalg.norm(r)) + 1e-12 + 8 * d * np.finfo(float).eps * float(np.abs(r).sum())
    order = np.argsort(p, kind="stable")
    ends = np.searchsorted(p[order], p[order] + width, side="right")
    if int((ends - np.arange(k) - 1).sum()) <= 50 * k + 1000:
        cand = sorted(tuple(sorted((int(order[a]), int(order[b]))))
                      for a in range(k) for b in range(a + 1, int(ends[a])))
        pairs = [(i, j) for i, j in cand if np.linalg.norm(U[i] - U[j]) < tol]
    else:  # very many near-parallel rows: rows in order, stopping once the message is decided
        pairs, every = [], True
        for i in range(k - 1):
            ok = np.linalg.norm(U[i + 1:] - U[i], axis=1) < tol
            pairs += [(i, i + 1 + int(j)) for j in np.flatnonzero(ok)[:5].tolist()]
            every = every and bool(ok.all())
            if len(pairs) >= 5 and not every:  # the first four, and whether there are more
                break
        if every:
            pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    if not pairs:
        return None
    what = "all rows are parallel" if len(pairs) == k * (k - 1) // 2 else \
        "rows " + ", ".join(f"{i} and {j}" for i, j in pairs[:4]) + (" ..." if len(pairs) > 4 else "") + " are parallel"
    return (f"{what}: a continuum of critical points (w -> (t w, (1-t) w)) where L is not C^3; "
            "the spectrum is not that of an isolated smooth critical point")
