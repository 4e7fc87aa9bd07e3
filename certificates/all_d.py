"""One proof artifact for a family ``Δ(S_{d−p}×S_p)`` over a range of dimensions d.

The simplest call:

>>> from certificates.all_d import certify_range
>>> art = certify_range("d-1,1", 6, 7)                  # type A, d = 6 and 7
>>> art["verdict"], art["proved"]
('minimum', {'lo': 6, 'hi': 7, 'verdict': 'minimum'})

What is proved (SPEC.md conventions: k = d, teacher ``I_d``, second layers
ones, rows are neurons).  The partition is a list of parts ``a·d + b``
(``"d-1,1"`` is type A, Safran & Shamir 2018; ``"d-2,2"`` the two-bad-neuron
family of Arjevani & Field, arXiv 2107.10370).  For every d of the finite part
``lo ≤ d ≤ D`` the artifact holds a family certificate
(:func:`certificates.symmetric.certify_family`: Krawczyk on ``∇_θ L_red`` in
``Fix(H)``, Hessian verdict on the ``Fix(G')`` compression) at the point that
continuation in d (:func:`landscape.critical_points.follow_family`) reaches
from the lowest spurious critical point at ``lo``.  Together with the loss
enclosure over each box (``L > 0``, checked by the verifier) this proves:

    for every d in [lo, D], L has a critical point in Fix(Δ(S_{d−p}×S_p))
    inside the recorded box, with L > 0 there (spurious), which is a strict
    local minimum (resp. a saddle) -- the verdict.

**The tail** ``d > D`` (an infinite range ``lo..inf`` of ``d-1,1`` or ``d-2,2``):
:func:`certificates.tail.prove_tail` proves, by Krawczyk in ``s = d^{-1/2}`` on the
regular rescaled reduced gradient (:mod:`landscape.regular_family`), a critical
point with ``L > 0`` for *every* d ≥ D.  Positivity of the Hessian for d > D is
**not** proved in this version, so such a range gets the verdict
``inconclusive`` with the reason "tail: existence proved, Hessian not"; the
artifact's ``existence_statement`` (spurious critical points for every d ≥ lo)
is what it proves beyond the finite part.  Other partitions, or a finite part
that stops early, get no tail (reason: no rigorous argument for d > D).
:mod:`landscape.asymptotics` gives the series that support the expected answer.

The artifact (format :data:`FORMAT`) is re-checked by
:mod:`certificates.verify_all_d` (through ``relu-landscape verify``).
"""

from __future__ import annotations

import json
import re
import time

from landscape.errors import InputError

from . import verifier
from .artifact import build_family_certificate, versions

__all__ = ["FORMAT", "MAX_RANGE", "MAX_FAMILY_D", "DEFAULT_FINITE_TAIL", "parse_range", "parse_linear_partition",
           "certify_range", "write_artifact"]

#: Format tag of a range artifact (checked by :mod:`certificates.verify_all_d`).
FORMAT = "relu-landscape-range-certificate/1"
#: Largest number of dimensions certified one by one in one artifact (verify costs ~0.05 s per d).
MAX_RANGE = 5000
#: Largest d the family engine certifies (from d = 10^4 its float preconditioner is too ill-conditioned).
MAX_FAMILY_D = 5000
#: For an infinite range ``lo..inf``, the finite part proved is ``lo..max(lo, DEFAULT_FINITE_TAIL)``.
DEFAULT_FINITE_TAIL = 200

TAIL_HESSIAN_REASON = ("tail: existence proved, Hessian not: for every d >= {D} a critical point in Fix(H) with "
                       "L > 0 is proved (Krawczyk in s = d^(-1/2) over [0, {D}^(-1/2)], recorded in 'tail'), so a "
                       "spurious critical point exists for every d >= {lo}; positivity of the Hessian for d > {D} is "
                       "not proved")
TAIL_MINIMUM_REASON = ("minimum proved for every d >= {lo}: for {lo} <= d <= {phi} by one family certificate per "
                       "d, for every d >= {D} by the tail (Krawczyk in s = d^(-1/2) over [0, {D}^(-1/2)] and an "
                       "interval Cholesky of the congruent Hessian compression T H T over the same boxes)")
TAIL_REASON = ("no rigorous argument covers d > {D}: the tail method (Krawczyk in s = d^(-1/2) on the "
               "regular rescaled reduced gradient, certificates/tail.py) covers the families d-1,1 and d-2,2 from "
               "a finite part that reaches D")


def parse_range(text) -> tuple[int, int | None]:
    """``"6..inf"`` -> ``(6, None)``; ``"6..5000"`` -> ``(6, 5000)``; ``"10000"`` -> ``(10000, 10000)``.

    Raises
    ------
    InputError
        Malformed text, ``lo < 2`` or ``hi < lo``.

    Examples
    --------
    >>> parse_range("6..inf"), parse_range("6..50"), parse_range("10000")
    ((6, None), (6, 50), (10000, 10000))
    """
    s = str(text).strip().replace(" ", "")
    m = re.fullmatch(r"(\d+)(?:\.\.(\d+|inf|))?", s)
    if not m:
        raise InputError(f"cannot read the range {text!r}: use e.g. 6..inf, 6..5000 or 10000")
    lo = int(m.group(1))
    if m.group(2) is None:
        hi = lo
    elif m.group(2) in ("inf", ""):
        hi = None
    else:
        hi = int(m.group(2))
    if lo < 2:
        raise InputError(f"the range must start at d >= 2, got {lo}")
    if hi is not None and hi < lo:
        raise InputError(f"empty range {text!r}: {hi} < {lo}")
    return lo, hi


def parse_linear_partition(text) -> list[list[int]]:
    """Parts ``a·d + b`` as ``[[a, b], …]``; they must sum to d (``Σa = 1, Σb = 0``).

    Examples
    --------
    >>> parse_linear_partition("d-1,1")
    [[1, -1], [0, 1]]
    >>> parse_linear_partition("d-3,2,1")
    [[1, -3], [0, 2], [0, 1]]
    """
    out = []
    for raw in str(text).split(","):
        s = raw.strip().replace(" ", "")
        m = re.fullmatch(r"(?:(\d*)\*?d)?([+-]?\d+)?", s)
        if not s or not m or (m.group(1) is None and m.group(2) is None and "d" not in s):
            raise InputError(f"cannot read partition part {raw!r} (use e.g. d-1 or 2)")
        a = 0
        if "d" in s:
            a = int(m.group(1)) if m.group(1) else 1
        b = int(m.group(2)) if m.group(2) else 0
        out.append([a, b])
    if sum(a for a, _ in out) != 1 or sum(b for _, b in out) != 0:
        raise InputError(f"partition {text!r} must have parts summing to d (e.g. d-1,1 or d-2,2)")
    return out


def parts_at(lin, d: int) -> tuple[int, ...]:
    return tuple(a * d + b for a, b in lin)


def _check_sizes(lin, lo, D):
    if any(a * lo + b < (2 if a else 1) for a, b in lin):
        raise InputError(f"at d = {lo} the parts are {parts_at(lin, lo)}: every part must be >= 1, and >= 2 if it "
                         "grows with d (so that Fix(H) has the same dimension for every d of the range)")
    if D - lo + 1 > MAX_RANGE:
        raise InputError(f"the range {lo}..{D} has {D - lo + 1} dimensions; at most {MAX_RANGE} are certified "
                         "one by one in one artifact (split the range)")


def certify_range(partition, lo: int, hi: int | None, prec: int = 192, progress: bool = False,
                  finite_tail: int | None = None, prove_tail: bool = True, prove_tail_hessian: bool = True) -> dict:
    """Prove a verdict for the family over ``lo ≤ d ≤ hi`` (``hi=None``: every d ≥ lo).

    Parameters
    ----------
    partition : str
        Parts linear in d, e.g. ``"d-1,1"``.
    lo, hi : int, int or None
        The range (``hi=None`` is infinite).
    prec : int
        Ball precision (bits) of the family certificates.
    finite_tail : int, optional
        For an infinite range, the finite part proved is ``lo..max(lo, finite_tail)``
        (default :data:`DEFAULT_FINITE_TAIL`).
    prove_tail : bool
        For an infinite range of ``d-1,1`` or ``d-2,2``, also run :func:`certificates.tail.prove_tail`
        from the top of the finite part (existence and L > 0 for every larger d).

    Returns
    -------
    dict
        The artifact (JSON-ready, sealed with its SHA-256 digest).  ``verdict``
        is ``minimum``/``saddle`` only if it is proved for every d of the
        requested range; ``proved`` says what the finite part proves.

    Raises
    ------
    InputError
        Bad partition or a range exceeding :data:`MAX_RANGE` dimensions.
    """
    from landscape.critical_points import follow_family

    from .symmetric import certify_family

    lin = parse_linear_partition(partition)
    if finite_tail is None:
        finite_tail = DEFAULT_FINITE_TAIL
    if hi is not None and hi - lo + 1 > MAX_RANGE:
        raise InputError(f"the range {lo}..{hi} has {hi - lo + 1} dimensions; at most {MAX_RANGE} are certified "
                         "one by one in one artifact (split the range)")
    if hi is None:
        D = max(lo, finite_tail)
    else:
        D = hi
    D_eff = min(D, MAX_FAMILY_D)
    if D_eff < lo:  # nothing the family engine can certify
        ds = []
    else:
        _check_sizes(lin, lo, D_eff)
        ds = list(range(lo, D_eff + 1))
    text = ",".join(("d" if a == 1 else f"{a}d") + (f"{b:+d}" if b else "") if a else str(b) for a, b in lin)
    t0 = time.perf_counter()
    certs, verdicts, why = [], [], None
    branch = "lowest spurious critical point at d = lo, continued in d"
    if ds:
        start = None
        p_small = _two_block_p(lin)
        if p_small in (1, 2):
            start = _asymptotic_start(p_small, lo)
            if start is not None:
                branch = (f"the family with a d^(-1/2) series (Arjevani & Field, arXiv 2107.10370), followed "
                          f"down from d = {max(lo, 100)} to d = {lo}, then continued in d")
        points = follow_family(lambda d: parts_at(lin, d), ds, progress=progress, start=start)
        if len(points) < len(ds):
            why = f"continuation of the family stopped at d = {ds[len(points)] if points else ds[0]}"
        for pt in points:
            res = certify_family(pt.family.parts, list(pt.params), prec=prec)
            cert = build_family_certificate(res)
            certs.append(cert)
            verdicts.append(res.verdict.value)
            if res.verdict.value == "inconclusive":
                why = f"d = {sum(pt.family.parts)}: {res.reason}"
                break
    # the longest prefix lo..D' with one verdict
    proved = None
    if certs and verdicts[0] != "inconclusive":
        n = 1
        while n < len(verdicts) and verdicts[n] == verdicts[0]:
            n += 1
        proved = {"lo": lo, "hi": lo + n - 1, "verdict": verdicts[0]}
        if n < len(verdicts) and why is None:
            why = f"the verdict changes at d = {lo + n}: {verdicts[n]} (d = {lo}: {verdicts[0]})"
        certs = certs[:n]
    else:
        certs = []
    tail = None
    p_small = _two_block_p(lin)
    if hi is None and proved is not None and proved["hi"] == D and p_small in (1, 2) and prove_tail:
        from .tail import prove_tail as _prove_tail

        tail = _prove_tail(p_small, D, prec=prec)
        if not tail["existence"]:
            why = f"tail d >= {D}: {tail['reason']}"
            tail = None
        elif proved["verdict"] == "minimum" and prove_tail_hessian:
            from .tail import prove_tail_hessian as _prove_hessian

            hess = _prove_hessian(p_small, tail, prec=prec)
            if hess["proved"]:
                tail["hessian"] = hess  # an unproved Hessian part is not recorded (the reason says "Hessian not")
    whole = proved is not None and hi is not None and proved["hi"] == hi
    if whole:
        verdict = proved["verdict"]
        reason = f"{verdict} proved for every d in {lo}..{hi} (one family certificate per d)"
    else:
        verdict = "inconclusive"
        parts_reason = []
        if proved is not None:
            parts_reason.append(f"{proved['verdict']} proved for {proved['lo']} <= d <= {proved['hi']}")
        if why is not None:
            parts_reason.append(why)
        top = hi if hi is not None else float("inf")
        covered = proved["hi"] if proved is not None else lo - 1
        if tail is not None and "hessian" in tail:
            verdict = "minimum"
            parts_reason = [TAIL_MINIMUM_REASON.format(lo=lo, phi=proved["hi"], D=D)]
        elif tail is not None:
            parts_reason.append(TAIL_HESSIAN_REASON.format(D=D, lo=lo))
        elif covered < top and (why is None or D_eff < D or hi is None):
            if D > MAX_FAMILY_D or D_eff < D:
                parts_reason.append(f"the family engine certifies d <= {MAX_FAMILY_D} only")
            if hi is None:
                parts_reason.append(TAIL_REASON.format(D=covered))
        reason = "; ".join(parts_reason) or "nothing proved"
    art = {
        "format": FORMAT,
        "partition": text,
        "parts_linear": lin,
        "range": {"lo": lo, "hi": hi},
        "verdict": verdict,
        "reason": reason,
        "proved": proved,
        "statement": _statement(text, proved),
        "branch": branch,
        "finite": certs,
        "tail": tail,
        "existence_statement": _existence_statement(text, lo, D) if tail is not None else None,
        "all_d_statement": _all_d_statement(text, lo, D) if tail is not None and "hessian" in tail else None,
        "precision_bits": prec,
        "seconds": round(time.perf_counter() - t0, 3),
        "versions": versions(),
    }
    art["digest"] = verifier.digest(art)
    return art


def _two_block_p(lin):
    if len(lin) == 2 and lin[0][0] == 1 and lin[1][0] == 0:
        return lin[1][1]
    return None


def _asymptotic_start(p: int, lo: int):
    """Parameters at d = lo of the branch that has the large-d series: solved at
    d = max(lo, 100) from the series' leading terms, then followed down one d at a time."""
    import numpy as np

    from landscape.asymptotics import _start
    from landscape.critical_points import solve
    from landscape.fixed_points import Family

    top = max(lo, 100)
    x = solve(Family((top - p, p)), np.asarray(_start(p, top)))
    for d in range(top - 1, lo - 1, -1):
        if x is None:
            return None
        x = solve(Family((d - p, p)), x)
    return x


def _existence_statement(text, lo, D):
    return (f"For every d >= {lo}, the loss L (k = d, teacher I_d, unit second layers) has a critical point "
            f"W_d in Fix(Delta(S_p1 x S_p2)), parts ({text}), with L(W_d) > 0 (spurious): for d <= {D} by the "
            f"family certificates, for d >= {D} by the tail (unique zero of the rescaled reduced gradient in the "
            f"recorded box for every s = d^(-1/2) in [0, {D}^(-1/2)]).")


def _all_d_statement(text, lo, D):
    return (f"For every d >= {lo}, the loss L (k = d, teacher I_d, unit second layers) has a critical point "
            f"W_d in Fix(Delta(S_p1 x S_p2)), parts ({text}), with L(W_d) > 0 (spurious), which is a strict local "
            f"minimum: for d <= {D} by the family certificates, for d >= {D} by the tail (unique zero of the "
            f"rescaled reduced gradient in the recorded box, and a positive definite congruent compression "
            f"T H T of the Hessian over that box, for every s = d^(-1/2) in [0, {D}^(-1/2)]).")


def _statement(text, proved):
    if proved is None:
        return None
    kind = "strict local minimum" if proved["verdict"] == "minimum" else "saddle (a negative Hessian eigenvalue)"
    return (f"For every d with {proved['lo']} <= d <= {proved['hi']}, the loss L (k = d, teacher I_d, unit second "
            f"layers) has a critical point W_d in Fix(Delta(S_p1 x S_p2)), parts ({text}), inside the recorded "
            f"box, with L(W_d) > 0 (spurious), which is a {kind}.")


def write_artifact(path, art: dict) -> None:
    """Write the artifact atomically (world-readable, like every certificate)."""
    from .artifact import write_certificate

    write_certificate(path, art)


def dumps(art: dict) -> str:
    return json.dumps(art, indent=1, allow_nan=False)


# ------------------------------------------------------------------ split saddles (k = d + 1)
def split_rayleigh(cert: dict, prec: int = 192):
    """Upper bound of ``qᵀ∇²L_{d+1}q / qᵀq`` for the split of the bad neuron of a type-A point.

    The family certificate encloses the critical point W (Krawczyk box).  Splitting its bad
    neuron i (block of size 1) as ``(w_i/2, w_i/2)`` gives a critical point of the (d+1)-neuron
    problem (SPEC.md), and for ``q = (δ, −δ)`` on the two copies
    ``qᵀ∇²L_{d+1}q = δᵀ(D_i − ½I)δ / (t(1−t))`` (:mod:`certificates.overparam`, Arjevani & Field,
    arXiv 2210.06088), ``D_i`` the i-th diagonal block of ``∇²L(W)``.  With ``δ = e_{a1} − e_{a2}``
    (two columns of the big block), ``δᵀD_iδ`` is read off the Hessian of the reduced loss of the
    fine family ``(d−3, 1, 1, 1)`` (singleton orbits: plain Hessian entries).  Returns the arb
    ball of the quotient (``|q|² = 2|δ|² = 4``, t = 1/2).
    """
    import flint

    from landscape.fixed_points import Family, reduced_hessian

    from .arb_context import ArbContext, arb_number
    from .symmetric import refine_params, refine_parts

    parts = tuple(cert["problem"]["family"])
    if len(parts) != 2 or parts[1] != 1 or parts[0] < 3:
        raise InputError("the split saddle is for type A, parts (d-1, 1) with d >= 4")
    ex = cert["existence"]
    ctx = ArbContext(prec)
    with ctx.working():
        rad = flint.arb(0, arb_number(ex["radius"]).abs_upper())
        box = [arb_number(v) + rad for v in ex["center"]]
        fine, _ = refine_parts(parts)
        ffam = Family(tuple(fine))
        H = reduced_hessian(ffam, refine_params(parts, box), ctx=ctx)
        keys = ffam.param_keys
        k1, k2 = keys.index(("B", 3, 1)), keys.index(("B", 3, 2))
        sizes = ffam.orbit_sizes
        Hs = [[H[a, b] / sizes[a] for b in (k1, k2)] for a in (k1, k2)]  # ∂²L/∂W[i,a]∂W[i,b]
        dDd = Hs[0][0] + Hs[1][1] - Hs[0][1] - Hs[1][0]
        t = flint.arb(1) / 2
        return (dDd - 1) / (t * (1 - t)) / 4


def _split_statement(lo, hi, phi=None, D=None):
    if hi is not None:
        return (f"For every d with {lo} <= d <= {hi}, the type-A critical point W_d of the k = d "
                f"problem (inside the recorded box) with its bad neuron split into (w/2, w/2) is a "
                f"saddle of L with k = d + 1 neurons.")
    return (f"For every d >= {lo}, the type-A critical point W_d of the k = d problem (inside the recorded box: "
            f"the family certificates for d <= {phi}, the tail's boxes for d >= {D}) with its bad neuron split "
            f"into (w/2, w/2) is a saddle of L with k = d + 1 neurons.")


def _split_reason(lo, hi, worst, phi=None, D=None):
    if hi is not None:
        return (f"for every d in {lo}..{hi}, splitting the bad neuron of the type-A critical point "
                f"as (w/2, w/2) gives a saddle of the k = d + 1 problem (q^T H q / q^T q <= {worst:.3e} < 0)")
    return (f"for every d >= {lo}, splitting the bad neuron of the type-A critical point as (w/2, w/2) gives a "
            f"saddle of the k = d + 1 problem: for {lo} <= d <= {phi} q^T H q / q^T q <= {worst:.3e} < 0 on each "
            f"family certificate's box, for every d >= {D} the regular quotient R = s^v F~ has F~ < 0 on every "
            f"box of the tail")


def certify_split_range(lo: int, hi: int | None, prec: int = 192, finite_tail: int | None = None) -> dict:
    """Range artifact: for every d in [lo, hi] (``hi=None``: every d ≥ lo), the split (bad neuron
    halved) of the type-A critical point is a saddle of the (d+1)-neuron loss.

    For an infinite range the finite part ``lo..D`` is certified d by d and the tail ``d ≥ D``
    by :func:`certificates.tail.prove_tail` (existence of the type-A point in its boxes) and
    :func:`certificates.tail.prove_tail_split` (the split quotient's sign over those boxes)."""
    base = certify_range("d-1,1", lo, hi, prec=prec, finite_tail=finite_tail, prove_tail_hessian=False)
    tail = base["tail"]
    if hi is None:
        ok = base["proved"] is not None and tail is not None
    else:
        ok = base["proved"] is not None and base["proved"]["hi"] == hi
    rows = []
    for cert in base["finite"] if ok else []:
        R = split_rayleigh(cert, prec)
        d = sum(cert["problem"]["family"])
        if not R < 0:
            ok = False
            break
        rows.append({"d": d, "neuron": d - 1, "t": "1/2", "delta": "e_(d-3) - e_(d-2)",
                     "upper_bound": float(R.upper()), "estimate": float(R.mid())})
    why = base["reason"]
    if ok and hi is None:
        from .tail import prove_tail_split

        rec = prove_tail_split(tail, prec=prec)
        if rec["proved"]:
            tail["split"] = rec
        else:
            ok, why = False, f"tail d >= {tail['D']}: {rec['reason']}"
    art = dict(base)
    art.pop("digest", None)
    art["kind"] = "split-saddle"
    art["split"] = rows
    art["all_d_statement"] = None
    if ok:
        worst = max(r["upper_bound"] for r in rows)
        phi, D = base["proved"]["hi"], None if tail is None else tail["D"]
        art["verdict"] = "saddle"
        art["reason"] = _split_reason(lo, hi, worst, phi, D)
        art["statement"] = _split_statement(lo, hi, phi, D)
    else:
        art["verdict"] = "inconclusive"
        art["reason"] = "the split saddle was not proved for every d of the range: " + why
        art["split"] = []
        art["finite"] = []
        art["proved"] = None
        art["statement"] = None
        art["tail"] = None
        art["existence_statement"] = None
    art["digest"] = verifier.digest(art)
    return art
