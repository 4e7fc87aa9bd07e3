"""Independent check of a range artifact (``relu-landscape-range-certificate/1``).

The simplest call:

>>> from certificates.verify_all_d import verify_range     # doctest: +SKIP
>>> verify_range(json.load(open("typeA.range.json")))       # doctest: +SKIP
(True, 'minimum', 'minimum for every d in 6..200: 195 family certificates verified; L > 0 on every box')

Checks:

1. format, SHA-256 digest of the canonical JSON (the same as every certificate);
2. the partition: parts ``a·d + b`` with ``Σa = 1``, ``Σb = 0``, every part ≥ 1
   on the range;
3. the finite part: one family certificate per d of ``proved.lo..proved.hi``,
   in order, each with ``problem.family`` equal to the parts at that d, each
   valid for :func:`certificates.verifier.verify_certificate` with the claimed
   verdict, and -- spuriousness -- the enclosure of ``L`` over its Krawczyk box
   (:func:`certificates.verifier.reduced_loss_jet`, value only, plus
   ``d/4 + d(d−1)/(4π)``) has a positive lower end;
4. the tail (an infinite range of ``d-1,1`` or ``d-2,2``, :func:`check_tail`): the
   s-interval covers ``[0, D^{-1/2}]`` (exact rationals) with contiguous pieces, D is
   contiguous with the finite part; the regular rescaled system is rebuilt
   (:mod:`landscape.regular_family`, sympy) and must match the recorded scaling,
   valuations, identities, limit system and sign conditions; the recorded limit
   root solves the limit system; on every piece the parametric Krawczyk inclusion
   is recomputed here (own ball evaluator with forward jets, own asinc enclosures
   from arb's asin by monotonicity) and the recorded contraction must agree; the
   sign conditions and a negative entry of W (hence L > 0) are proved on every box;
   the rebuilt system is spot-checked at d = D and d = 10^6 against this
   verifier's own reduced gradient (:func:`certificates.verifier.reduced_loss_jet`);
5. the verdict: ``minimum``/``saddle`` only for a finite range entirely
   covered by the finite part; an artifact with a tail must say
   ``inconclusive`` (the tail proves existence and L > 0, not the Hessian).

Trust base: the standard library, python-flint, numpy (float preconditioners),
:mod:`certificates.verifier`, and for the tail sympy with
:mod:`landscape.regular_family` (the exact rewriting of the reduced gradient).
"""

from __future__ import annotations

from fractions import Fraction

import flint

import numpy as np

from . import verifier
from .verifier import Invalid, ball, frac

FORMAT = "relu-landscape-range-certificate/1"
#: Largest finite part accepted (each d costs ~0.05 s to verify).
MAX_FINITE = 5000


def verify_range(art: dict) -> tuple[bool, str | None, str]:
    """Check a range artifact.  Returns ``(valid, verdict, reason)``; never raises."""
    try:
        return True, art["verdict"], _check(art)
    except Invalid as exc:
        return False, art.get("verdict") if isinstance(art, dict) else None, str(exc)
    except Exception as exc:  # a hand-edited file: not valid
        return False, art.get("verdict") if isinstance(art, dict) else None, f"malformed range certificate: {exc!r}"


def _int(x, name):
    if isinstance(x, bool) or not isinstance(x, int):
        raise Invalid(f"{name} must be an integer, got {x!r}")
    return x


def _family_box(cert: dict) -> list:
    """The Krawczyk box of a family certificate as balls (centre ± radius), at the current precision."""
    ex = cert["existence"]
    rb = flint.arb(0, ball(frac(ex["radius"])).abs_upper())
    return [ball(frac(v)) + rb for v in ex["center"]]


def loss_lower_bound(cert: dict) -> flint.arb:
    """Enclosure of L over the Krawczyk box of a family certificate (k = d, V = I, ones)."""
    parts = cert["problem"]["family"]
    d = sum(parts)
    old = flint.ctx.prec
    flint.ctx.prec = cert["precision_bits"]
    try:
        box = _family_box(cert)
        val = verifier.reduced_loss_jet(parts, box).v
        return val + ball(Fraction(d, 4)) + d * (d - 1) / (4 * flint.arb.pi())
    finally:
        flint.ctx.prec = old


#: Keys a range artifact may have; anything else is refused (an added claim is not verified).
_TOP_KEYS = {"format", "partition", "parts_linear", "range", "verdict", "reason", "proved", "statement", "branch",
             "finite", "tail", "existence_statement", "precision_bits", "seconds", "versions", "digest", "kind",
             "split", "all_d_statement"}
_TAIL_KEYS = {"method", "p", "D", "s_interval", "existence", "reason", "pieces", "negative_entry", "scaling",
              "equations", "valuations", "identities", "limit_system", "conditions", "limit_solution",
              "precision_bits", "seconds", "hessian"}
_HESSIAN_KEYS = {"method", "proved", "reason", "pieces", "congruence", "exponents", "valuations",
                 "fine_parameters", "seconds"}


def _partition_text(lin) -> str:
    """The canonical partition text of parts ``a·d + b`` (e.g. ``d-1,1``), rebuilt here."""
    return ",".join(("d" if a == 1 else f"{a}d") + (f"{b:+d}" if b else "") if a else str(b) for a, b in lin)


def _finite_statement(text, plo, phi, pv) -> str:
    kind = "strict local minimum" if pv == "minimum" else "saddle (a negative Hessian eigenvalue)"
    return (f"For every d with {plo} <= d <= {phi}, the loss L (k = d, teacher I_d, unit second "
            f"layers) has a critical point W_d in Fix(Delta(S_p1 x S_p2)), parts ({text}), inside the recorded "
            f"box, with L(W_d) > 0 (spurious), which is a {kind}.")


def _existence_statement(text, lo, D) -> str:
    return (f"For every d >= {lo}, the loss L (k = d, teacher I_d, unit second layers) has a critical point "
            f"W_d in Fix(Delta(S_p1 x S_p2)), parts ({text}), with L(W_d) > 0 (spurious): for d <= {D} by the "
            f"family certificates, for d >= {D} by the tail (unique zero of the rescaled reduced gradient in the "
            f"recorded box for every s = d^(-1/2) in [0, {D}^(-1/2)]).")


def _all_d_statement(text, lo, D) -> str:
    return (f"For every d >= {lo}, the loss L (k = d, teacher I_d, unit second layers) has a critical point "
            f"W_d in Fix(Delta(S_p1 x S_p2)), parts ({text}), with L(W_d) > 0 (spurious), which is a strict local "
            f"minimum: for d <= {D} by the family certificates, for d >= {D} by the tail (unique zero of the "
            f"rescaled reduced gradient in the recorded box, and a positive definite congruent compression "
            f"T H T of the Hessian over that box, for every s = d^(-1/2) in [0, {D}^(-1/2)]).")


def _tail_minimum_reason(lo, phi, D) -> str:
    return (f"minimum proved for every d >= {lo}: for {lo} <= d <= {phi} by one family certificate per d, for "
            f"every d >= {D} by the tail (Krawczyk in s = d^(-1/2) over [0, {D}^(-1/2)] and an interval Cholesky "
            f"of the congruent Hessian compression T H T over the same boxes)")


def _tail_reason(plo, phi, pv, lo, D) -> str:
    return (f"{pv} proved for {plo} <= d <= {phi}; tail: existence proved, Hessian not: for every d >= {D} a "
            f"critical point in Fix(H) with L > 0 is proved (Krawczyk in s = d^(-1/2) over [0, {D}^(-1/2)], "
            f"recorded in 'tail'), so a spurious critical point exists for every d >= {lo}; positivity of the "
            f"Hessian for d > {D} is not proved")


def _check(art: dict) -> str:
    if not isinstance(art, dict) or art.get("format") != FORMAT:
        raise Invalid(f"not a {FORMAT} document")
    if art.get("digest") != verifier.digest(art):
        raise Invalid("digest does not match the content (the certificate was altered)")
    extra = set(art) - _TOP_KEYS
    if extra:
        raise Invalid(f"unknown keys {sorted(extra)} (a claim this verifier does not check)")
    verdict = art["verdict"]
    if verdict not in ("minimum", "saddle", "inconclusive"):
        raise Invalid(f"unknown verdict {verdict!r}")
    lin = art["parts_linear"]
    if not (isinstance(lin, list) and lin and all(isinstance(p, list) and len(p) == 2 for p in lin)):
        raise Invalid("parts_linear must be a list of [a, b] (part = a d + b)")
    lin = [[_int(a, "part coefficient"), _int(b, "part coefficient")] for a, b in lin]
    if sum(a for a, _ in lin) != 1 or sum(b for _, b in lin) != 0 or any(a < 0 for a, _ in lin):
        raise Invalid("the parts do not sum to d")
    text = _partition_text(lin)
    if art["partition"] != text:
        raise Invalid(f"partition {art['partition']!r} is not the parts {lin} ({text})")
    lo, hi = _int(art["range"]["lo"], "range.lo"), art["range"]["hi"]
    if hi is not None:
        _int(hi, "range.hi")
        if hi < lo:
            raise Invalid("empty range")
    proved, finite = art["proved"], art["finite"]
    if not isinstance(finite, list):
        raise Invalid("finite must be a list of family certificates")
    if proved is None:
        if finite or verdict != "inconclusive" or art.get("tail") is not None or art.get("statement") is not None \
                or art.get("existence_statement") is not None:
            raise Invalid("nothing is proved, so the verdict must be inconclusive with no certificates, "
                          "statements or tail")
        return "inconclusive: nothing is claimed"
    plo, phi, pv = _int(proved["lo"], "proved.lo"), _int(proved["hi"], "proved.hi"), proved["verdict"]
    if pv not in ("minimum", "saddle") or plo != lo or phi < plo:
        raise Invalid("proved must be a verdict on a range starting at range.lo")
    if hi is not None and phi > hi:
        raise Invalid("the finite part claims dimensions outside the range")
    if phi - plo + 1 > MAX_FINITE or len(finite) != phi - plo + 1:
        raise Invalid(f"the finite part must hold one certificate for each d in {plo}..{phi} (at most {MAX_FINITE})")
    if any(a * plo + b < 1 for a, b in lin):
        raise Invalid(f"a part is < 1 at d = {plo}")
    low = None
    for d, cert in zip(range(plo, phi + 1), finite):
        want = [a * d + b for a, b in lin]
        if not isinstance(cert, dict) or cert.get("engine") != "family" or cert["problem"].get("family") != want:
            raise Invalid(f"d = {d}: the certificate is not a family certificate for parts {want}")
        ok, v, why = verifier.verify_certificate(cert)
        if not ok:
            raise Invalid(f"d = {d}: family certificate invalid: {why}")
        if v != pv:
            raise Invalid(f"d = {d}: certificate proves {v!r}, the artifact claims {pv!r}")
        L = loss_lower_bound(cert)
        if not L > 0:
            raise Invalid(f"d = {d}: L > 0 is not proved on the box (not shown to be spurious)")
        low = L.lower() if low is None else min(low, L.lower(), key=float)
    kind = art.get("kind", "family")
    tail = art.get("tail")
    # the human-readable claims are rebuilt here from what was verified, never taken from the file
    if kind == "family" and art.get("statement") != _finite_statement(text, plo, phi, pv):
        raise Invalid("'statement' is not the statement of what the finite part proves")
    want_existence = None if tail is None else _existence_statement(text, lo, _int(tail.get("D"), "tail.D"))
    if tail is None and art.get("all_d_statement") is not None:
        raise Invalid("'all_d_statement' without a tail")
    if art.get("existence_statement") != want_existence:
        raise Invalid("'existence_statement' is not the statement of what the tail proves"
                      if tail is not None else "'existence_statement' without a tail")
    if kind == "split-saddle" and tail is not None:
        return _check_split_tail(art, text, lo, hi, plo, phi, finite, verdict, tail, lin)
    if tail is not None:
        if kind != "family" or hi is not None:
            raise Invalid("a tail argument belongs to an infinite range of a family artifact")
        if not isinstance(tail, dict) or set(tail) - _TAIL_KEYS or tail.get("existence") is not True:
            raise Invalid("the tail has unknown keys or does not claim existence (an unproved tail is not recorded)")
        # the claims first (cheap), then the proof they rest on
        want_all = None if "hessian" not in tail else _all_d_statement(text, lo, tail["D"])
        if art.get("all_d_statement") != want_all:
            raise Invalid("'all_d_statement' is not the statement of what the tail proves")
        if "hessian" in tail:
            if pv != "minimum" or verdict != "minimum":
                raise Invalid("a tail with a positive definite Hessian proves a minimum: the finite part and the "
                              "verdict must both be 'minimum'")
            if art.get("reason") != _tail_minimum_reason(lo, phi, tail["D"]):
                raise Invalid("'reason' is not the reason of a proved all-d minimum")
        else:
            if verdict != "inconclusive":
                raise Invalid(f"verdict {verdict!r} with a tail that proves existence only (the Hessian for d "
                              "beyond the finite part is not proved): must be inconclusive")
            if art.get("reason") != _tail_reason(plo, phi, pv, lo, tail["D"]):
                raise Invalid("'reason' is not the reason of an existence-only tail")
        tail_msg = check_tail(tail, lin, plo, phi)
        if "hessian" in tail:
            return (f"minimum for every d >= {lo}; verified: {len(finite)} family certificates ({plo}..{phi}, "
                    f"L > 0 on every box); {tail_msg}")
        return (f"inconclusive for {lo}..inf; verified: {pv} for every d in {plo}..{phi} ({len(finite)} family "
                f"certificates; L > 0 on every box); {tail_msg}")
    if kind == "split-saddle":
        return _check_split(art, lo, hi, plo, phi, finite, verdict)
    if kind != "family":
        raise Invalid(f"unknown range artifact kind {kind!r}")
    if verdict == "inconclusive":
        return (f"inconclusive for {lo}..{'inf' if hi is None else hi}; verified: {pv} for every d in "
                f"{plo}..{phi} ({len(finite)} family certificates; L > 0 on every box)")
    if hi is None or phi != hi or verdict != pv:
        raise Invalid(f"verdict {verdict!r} is claimed for {lo}..{'inf' if hi is None else hi} but only "
                      f"{plo}..{phi} is covered")
    if art.get("reason") != f"{verdict} proved for every d in {lo}..{hi} (one family certificate per d)":
        raise Invalid("'reason' is not the reason of the verified range")
    return (f"{pv} for every d in {lo}..{hi}: {len(finite)} family certificates verified; "
            f"L >= {float(low):.3e} > 0 on every box")


def split_quotient(cert: dict) -> flint.arb:
    """``qᵀ∇²L_{d+1}q / qᵀq`` over the box, q = (δ, −δ) on the two halves of the bad neuron
    (t = 1/2), δ = e_a1 − e_a2 (the two distinguished columns of the big block): by the
    splitting lemma (see :mod:`certificates.verifier`) it is ``(δᵀD_iδ − |δ|²/2) / (t(1−t)) / |q|²``,
    and ``δᵀD_iδ`` is a combination of Hessian entries of the fine reduced loss (d−3, 1, 1, 1),
    whose orbits for (bad row, a1), (bad row, a2) are single cells."""
    parts = cert["problem"]["family"]
    if len(parts) != 2 or parts[1] != 1 or parts[0] < 3:
        raise Invalid("a split-saddle entry needs a type-A family (d-1, 1), d >= 4")
    old = flint.ctx.prec
    flint.ctx.prec = cert["precision_bits"]
    try:
        box = _family_box(cert)
        fine, parent = verifier.refine(parts)
        keys = verifier.family_keys(parts)
        value = dict(zip(keys, box))
        fkeys = verifier.family_keys(fine)
        fbox = [value["A", parent[k[1]]] if k[0] == "A" else value["B", parent[k[1]], parent[k[2]]] for k in fkeys]
        H = verifier.reduced_loss_jet(fine, fbox).h
        i, j = fkeys.index(("B", 3, 1)), fkeys.index(("B", 3, 2))
        dDd = H[i, i] + H[j, j] - H[i, j] - H[j, i]
        t = ball(Fraction(1, 2))
        return (dDd - 1) / (t * (1 - t)) / 4
    finally:
        flint.ctx.prec = old


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


_SPLIT_TAIL_KEYS = {"method", "proved", "reason", "valuation", "pieces", "seconds"}
_SPLIT_PIECE_KEYS = {"s_lo", "s_hi", "subpieces", "upper_bound_F", "upper_bound_R"}
_HESSIAN_PIECE_KEYS = {"s_lo", "s_hi", "subpieces", "lower_bound", "estimate"}
#: Largest total number of sub-pieces a tail's Hessian or split record may ask the verifier to check.
MAX_SUBPIECES_TOTAL = 10 ** 4


def _sub_boxes(pc, sub):
    """``(s_lo, s_hi, S, box)`` per equal sub-piece of a tail piece: S the ball of the sub-piece (exact
    rational ends), box the hull over S of the piece's recorded boxes ``centre + slope (s − s_m) ± r``."""
    a, b = frac(pc["s_lo"]), frac(pc["s_hi"])
    sm = ball((a + b) / 2)
    cb = [ball(frac(v)) for v in pc["center"]]
    kb = [ball(frac(v)) for v in pc["slope"]]
    rad = [flint.arb(0, ball(frac(x)).upper()) for x in pc["radius"]]
    for j in range(sub):
        lo_j, hi_j = a + (b - a) * j / sub, a + (b - a) * (j + 1) / sub
        S = ball(lo_j).union(ball(hi_j))
        yield lo_j, hi_j, S, [ci + ki * (S - sm) + ri for ci, ki, ri in zip(cb, kb, rad)]


def _check_records(rec, keys, name):
    """Piece records hold exactly ``keys``; sub-pieces 1..1000 each and at most
    :data:`MAX_SUBPIECES_TOTAL` in all (checked before any work); ``seconds`` is a time."""
    total = 0
    for i, pr in enumerate(rec["pieces"]):
        if not isinstance(pr, dict) or set(pr) != keys:
            raise Invalid(f"{name}.pieces[{i}] must have exactly the keys {sorted(keys)}")
        sub = _int(pr["subpieces"], f"{name}.pieces[{i}].subpieces")
        if not 1 <= sub <= 1000:
            raise Invalid(f"{name}: 1..1000 sub-pieces per piece")
        total += sub
    if total > MAX_SUBPIECES_TOTAL:
        raise Invalid(f"{name}: {total} sub-pieces in all; at most {MAX_SUBPIECES_TOTAL}")
    secs = rec.get("seconds")
    if isinstance(secs, bool) or not isinstance(secs, (int, float)) or not secs >= 0:
        raise Invalid(f"{name}.seconds must be a non-negative number")


def _not_overstated(recorded, own: float, name: str, lower: bool) -> None:
    """A recorded bound may be weaker than the one recomputed here, never stronger beyond the
    difference of two independent enclosures (1e-6 relative); and within 1e-3 of it."""
    if isinstance(recorded, bool) or not isinstance(recorded, (int, float)):
        raise Invalid(f"{name}: not a number")
    slack = 1e-6 * abs(own) + 1e-12
    if (lower and recorded > own + slack) or (not lower and recorded < own - slack):
        raise Invalid(f"{name}: recorded {recorded!r} is stronger than the bound recomputed here ({own!r})")
    verifier.close(recorded, own, 1e-3, name, 1e-12)


def _check_split_tail(art, text, lo, hi, plo, phi, finite, verdict, tail, lin):
    """An infinite split-saddle range: the finite split entries, the type-A tail (existence), and the
    sign of the regular split quotient over every box of the tail."""
    if hi is not None or verdict != "saddle" or not isinstance(tail, dict) or "split" not in tail:
        raise Invalid("a split-saddle tail belongs to an infinite range with verdict 'saddle' and a 'split' record")
    if set(tail) - _TAIL_KEYS - {"split"} or tail.get("existence") is not True or "hessian" in tail:
        raise Invalid("the split tail has unknown keys or does not claim existence")
    if pv_of(art) != "minimum":
        raise Invalid("the finite part of a split range is the type-A minimum")
    if art.get("all_d_statement") is not None:
        raise Invalid("'all_d_statement' in a split artifact")
    D = _int(tail.get("D"), "tail.D")
    rows = art["split"]
    if [r["d"] for r in rows] != list(range(plo, phi + 1)):
        raise Invalid("the split entries must cover every d of the finite part, in order")
    worst = max((r["upper_bound"] for r in rows), default=None)
    if worst is None:
        raise Invalid("no finite split entries")
    if art.get("statement") != _split_statement(lo, None, phi, D):
        raise Invalid("'statement' is not the statement of the verified split range")
    if art.get("reason") != _split_reason(lo, None, worst, phi, D):
        raise Invalid("'reason' is not the reason of the verified split range")
    _check_split(art, lo, phi, plo, phi, finite, "inconclusive")  # the finite entries (their claims are above)
    tail_msg = check_tail(tail, lin, plo, phi)
    return (f"saddle for every d >= {lo} (k = d + 1, bad neuron of type A split in halves); "
            f"{len(finite)} finite entries verified; {tail_msg}; " + check_tail_split(tail["split"], tail))


def pv_of(art):
    return art["proved"]["verdict"] if isinstance(art.get("proved"), dict) else None


def check_tail_split(rec: dict, tail: dict) -> str:
    """Re-check the split quotient's sign over every sub-piece of every tail box (the verifier's
    evaluator on the rebuilt system, :func:`landscape.regular_hessian.split_quotient_system`),
    with the rewriting's sign conditions, and spot-check ``s^v F~`` against this verifier's own
    fine reduced Hessian (second-order jets) at d = D and 10^6."""
    import sympy

    from landscape.regular_hessian import split_quotient_system

    if not isinstance(rec, dict) or set(rec) - _SPLIT_TAIL_KEYS or rec.get("proved") is not True:
        raise Invalid("the tail's split record has unknown keys or does not claim a proof")
    if rec.get("method") != TAIL_SPLIT_METHOD:
        raise Invalid("unknown tail split method")
    sq = split_quotient_system()
    v = sq.valuations[0]
    if rec.get("valuation") != v:
        raise Invalid("the recorded valuation differs from the rebuilt split quotient")
    D = tail["D"]
    if rec.get("reason") != (f"R = s^{v} F~ with F~ < 0 on every box of the tail: for every d >= {D} the split of "
                             f"the type-A critical point is a saddle of the k = d + 1 loss"):
        raise Invalid("tail split 'reason' is not the statement of what it proves")
    pieces = tail["pieces"]
    if len(rec["pieces"]) != len(pieces) or any(a["s_lo"] != b["s_lo"] or a["s_hi"] != b["s_hi"]
                                                for a, b in zip(rec["pieces"], pieces)):
        raise Invalid("the split pieces are not the tail's pieces")
    _check_records(rec, _SPLIT_PIECE_KEYS, "tail.split")
    S_sym = sympy.Symbol("s", positive=True)
    _, parent, fkeys = _fine_keys_and_parent(1, max(D, 10))
    if [tuple(k) for k in fkeys] != [tuple(k) for k in sq.keys]:
        raise Invalid("the fine family's parameters are not in the verifier's order")
    coarse_keys = verifier.family_keys([max(D, 10) - 1, 1])
    worst, total = None, 0
    old = flint.ctx.prec
    flint.ctx.prec = _int(tail["precision_bits"], "tail.precision_bits")
    try:
        conds = _Cond(*[expr for expr, _ in sq.conditions])
        for i, (pc, sr) in enumerate(zip(pieces, rec["pieces"])):
            sub = _int(sr["subpieces"], f"tail.split.pieces[{i}].subpieces")
            total += sub
            up, up_R = None, None
            for _, _, S, box in _sub_boxes(pc, sub):
                env = {S_sym: S, **dict(zip(sq.betas, _fine_values(coarse_keys, box, fkeys, parent)))}
                for cond, (expr, sg) in zip(tail_values(conds, env), sq.conditions):
                    if (sg > 0 and not cond > 0) or (sg < 0 and not cond < 0):
                        raise Invalid(f"piece {i}: the split rewriting's sign condition {expr} is not proved")
                F = tail_values(sq, env)[0]
                if not F < 0:
                    raise Invalid(f"piece {i}: the split quotient is not proved negative")
                up = float(F.upper()) if up is None else max(up, float(F.upper()))
                R = S ** v * F
                up_R = float(R.upper()) if up_R is None else max(up_R, float(R.upper()))
            _not_overstated(sr["upper_bound_F"], up, f"piece {i}: split upper bound", lower=False)
            _not_overstated(sr["upper_bound_R"], up_R, f"piece {i}: split upper bound of R", lower=False)
            worst = up if worst is None else max(worst, up)
        for d, beta in ((D, pieces[-1]["center"]), (10 ** 6, pieces[0]["center"])):
            s = ball(Fraction(1)) / ball(Fraction(d)).sqrt()
            sysm = _tail_system(1)
            theta = [ball(c) + s ** k * ball(frac(bv)) for (c, k), bv in zip(_scaling(sysm), beta)]
            fine, parent_d, fkeys_d = _fine_keys_and_parent(1, d)
            ftheta = _fine_values(verifier.family_keys([d - 1, 1]), theta, fkeys_d, parent_d)
            H = verifier.reduced_loss_jet(fine, ftheta).h
            i2, j2 = fkeys_d.index(("B", 3, 1)), fkeys_d.index(("B", 3, 2))
            R = H[i2, i2] + H[j2, j2] - H[i2, j2] - H[j2, i2] - 1
            fbeta = [(t - ball(Fraction(c))) / s ** k for (c, k), t in zip(_scaling(sq), ftheta)]
            env = {S_sym: s, **dict(zip(sq.betas, fbeta))}
            F = tail_eval(sq, env, {k: [flint.arb(0)] for k in env})[0].v
            if not abs(F * s ** v - R) < ball(Fraction(1, 10 ** 20)):
                raise Invalid(f"the regular split quotient disagrees with the verifier's own Hessian at d = {d}")
    finally:
        flint.ctx.prec = old
    return (f"split verified: R = s^{v} F~, F~ <= {worst:.4g} < 0 on all {total} sub-pieces of the tail: the split is "
            f"a saddle of the k = d + 1 loss for every d >= {D}")


def _check_split(art, lo, hi, plo, phi, finite, verdict):
    rows = art["split"]
    if [r["d"] for r in rows] != list(range(plo, phi + 1)):
        raise Invalid("the split entries must cover every d of the finite part, in order")
    worst = None
    for cert, row in zip(finite, rows):
        R = split_quotient(cert)
        if not R < 0:
            raise Invalid(f"d = {row['d']}: the split Rayleigh quotient is not proved negative")
        verifier.close(row["upper_bound"], float(R.upper()), 1e-9, f"d = {row['d']}: split upper_bound", 1e-12)
        worst = R.upper() if worst is None else max(worst, R.upper(), key=float)
    if verdict == "inconclusive":
        return "inconclusive: the split saddle is claimed for no full range"
    if verdict != "saddle" or hi is None or phi != hi:
        raise Invalid(f"verdict {verdict!r} for the split family needs every d of {lo}..{hi} covered")
    if art.get("statement") != _split_statement(lo, hi) or art.get("reason") != _split_reason(
            lo, hi, max(r["upper_bound"] for r in rows)):
        raise Invalid("'statement' or 'reason' is not the statement of the verified split range")
    return (f"saddle for every d in {lo}..{hi} (k = d + 1, bad neuron of type A split in halves): "
            f"q^T H q / q^T q <= {float(worst):.3e} < 0; {len(finite)} type-A critical points enclosed")


# ------------------------------------------------------------------ the tail d >= D
TAIL_METHOD = "krawczyk-s: parametric Krawczyk on the regular rescaled reduced gradient over s in [0, D^(-1/2)]"
TAIL_SPLIT_METHOD = ("split-sign-s: upper bound of the regular split quotient F~ (R = s^v F~) over the tail's "
                     "boxes")
TAIL_HESSIAN_METHOD = ("congruence-cholesky-s: interval Cholesky (residual bound) of M = T H T, H the regular "
                       "Hessian of the fine reduced loss, T = diag(s^t), over the tail's boxes")


class _Jet:
    """First-order jet (value, gradient) of balls; the verifier's own forward differentiation."""

    __slots__ = ("v", "g")

    def __init__(self, v, g):
        self.v, self.g = v, g

    def __add__(self, o):
        return _Jet(self.v + o.v, [a + b for a, b in zip(self.g, o.g)])

    def __mul__(self, o):
        return _Jet(self.v * o.v, [self.v * b + o.v * a for a, b in zip(self.g, o.g)])

    def fn(self, f0, f1):
        return _Jet(f0, [f1 * a for a in self.g])


def _pos(x):
    if not x > 0:
        raise Invalid("square root of a quantity not proved positive in the tail system")
    return x.sqrt()


def _recip(x):
    if not (x > 0 or x < 0):
        raise Invalid("reciprocal of a quantity not proved non-zero in the tail system")
    return 1 / x


def _asinc_pt(t):
    return flint.arb(1) if t == 0 else t.asin() / t


def _asinc_d_pt(t):
    return flint.arb(0) if t == 0 else (1 / (1 - t * t).sqrt() - t.asin() / t) / t


def _asinc2_pt(t):
    return ball(Fraction(1, 6)) if t == 0 else (_asinc_pt(t) - 1) / (t * t)


def _asinc2_d_pt(t):
    return flint.arb(0) if t == 0 else (_asinc_d_pt(t) - 2 * t * _asinc2_pt(t)) / (t * t)


def _even(f, x):
    """f even with positive Taylor coefficients (increasing in |x|), over the ball x (|x| < 1/2)."""
    if not x.abs_upper() < ball(Fraction(1, 2)):
        raise Invalid("asinc argument not proved < 1/2 in modulus")
    return f(x.abs_lower()).union(f(x.abs_upper()))


def _incr(f, x):
    """f increasing (the derivative of an even function with positive coefficients) over x."""
    if not x.abs_upper() < ball(Fraction(1, 2)):
        raise Invalid("asinc argument not proved < 1/2 in modulus")
    return f(x.lower()).union(f(x.upper()))


_FUNCS = {
    "sqrt": (lambda x: _pos(x), lambda x, v: 1 / (2 * v)),
    "inv": (lambda x: _recip(x), lambda x, v: -(v * v)),
    "asinc": (lambda x: _even(_asinc_pt, x), lambda x, v: _incr(_asinc_d_pt, x)),
    "asinc2": (lambda x: _even(_asinc2_pt, x), lambda x, v: _incr(_asinc2_d_pt, x)),
    "def": (lambda x: x, lambda x, v: flint.arb(1)),
}


def _program(sysm, inputs):
    """The system as a straight-line program over value slots (inputs first), compiled once per
    system content (its atoms and equations), input list and precision (kept on the object, never
    keyed by id):
    ``(code, outputs)``, code entries ``("c", ball)``, ``("+"|"*", [slots])``, ``("^", slot, p, q)``
    (b^(p/q), q in 1, 2), ``("f", kind, slot)``."""
    import sympy

    cache = sysm.__dict__.setdefault("_verifier_programs", {})
    key = (tuple(a[0] for a in sysm.atoms), tuple(sysm.equations), tuple(inputs), flint.ctx.prec)  # by content
    if key in cache:
        return cache[key]
    index = {sym: i for i, sym in enumerate(inputs)}
    code = []

    def visit(e):
        if e in index:
            return index[e]
        if e.is_Rational:
            op = ("c", ball(Fraction(int(e.p), int(e.q))))
        elif e is sympy.pi:
            op = ("c", flint.arb.pi())
        elif e.is_Add or e.is_Mul:
            op = ("+" if e.is_Add else "*", [visit(a) for a in e.args])
        elif e.is_Pow and e.exp.is_Rational and e.exp.q in (1, 2):
            op = ("^", visit(e.base), int(e.exp.p), int(e.exp.q))
        else:
            raise Invalid(f"unexpected term {e} in the tail system")
        code.append(op)
        index[e] = len(inputs) + len(code) - 1
        return index[e]

    for sym, kind, arg in sysm.atoms:
        code.append(("f", kind, visit(arg)))
        index[sym] = len(inputs) + len(code) - 1
    outs = [visit(e) for e in sysm.equations]
    cache[key] = (code, outs)
    return cache[key]


def tail_values(sysm, env_values):
    """Values only (balls) of the equations: the compiled program of :func:`_program`, the same
    operations and enclosures as :func:`tail_eval` without derivatives."""
    inputs = list(env_values)
    code, outs = _program(sysm, inputs)
    vals = [env_values[k] for k in inputs]
    for op in code:
        kind = op[0]
        if kind == "+":
            acc = vals[op[1][0]]
            for i in op[1][1:]:
                acc = acc + vals[i]
        elif kind == "*":
            acc = vals[op[1][0]]
            for i in op[1][1:]:
                acc = acc * vals[i]
        elif kind == "c":
            acc = op[1]
        elif kind == "^":
            b, p, q = vals[op[1]], op[2], op[3]
            if q == 2:
                b = _pos(b)
            if p < 0:
                b, p = _recip(b), -p
            acc = b
            for _ in range(p - 1):
                acc = acc * b
        else:
            acc = _FUNCS[op[1]][0](vals[op[2]])
        vals.append(acc)
    return [vals[i] for i in outs]


def tail_eval(sysm, env_values, grads):
    """F~ of the rebuilt system with balls: ``env_values`` maps s and the β symbols to balls,
    ``grads`` maps them to gradient lists (all of one length); returns the equation jets."""
    import sympy

    n = len(next(iter(grads.values())))
    zero = [flint.arb(0)] * n
    env = {k: _Jet(v, grads[k]) for k, v in env_values.items()}
    memo = {}

    def ev(e):
        if e in env:
            return env[e]
        if e in memo:
            return memo[e]
        if e.is_Rational:
            out = _Jet(ball(Fraction(int(e.p), int(e.q))), zero)
        elif e is sympy.pi:
            out = _Jet(flint.arb.pi(), zero)
        elif e.is_Add or e.is_Mul:
            parts = [ev(a) for a in e.args]
            out = parts[0]
            for a in parts[1:]:
                out = out + a if e.is_Add else out * a
        elif e.is_Pow and e.exp.is_Rational and e.exp.q in (1, 2):
            b = ev(e.base)
            if e.exp.q == 2:
                b = b.fn(_pos(b.v), 1 / (2 * _pos(b.v)))
            k = int(e.exp.p)
            if k < 0:
                b = b.fn(_recip(b.v), -(_recip(b.v) * _recip(b.v)))
                k = -k
            out = b
            for _ in range(k - 1):
                out = out * b
        else:
            raise Invalid(f"unexpected term {e} in the tail system")
        memo[e] = out
        return out

    for sym, kind, arg in sysm.atoms:
        a = ev(arg)
        f0, f1 = _FUNCS[kind]
        v = f0(a.v)
        env[sym] = a.fn(v, f1(a.v, v)) if a.g else _Jet(v, [])  # no derivative asked: skip f1
    return [ev(e) for e in sysm.equations]


class _Cond:
    """Polynomial conditions as a system for :func:`tail_eval` / :func:`tail_values` (no atoms)."""

    def __init__(self, *exprs):
        self.atoms, self.equations = [], list(exprs)


def _tail_system(p):
    from landscape.regular_family import two_block_system  # the exact rewriting (sympy): see check_tail

    return two_block_system(p)


def _spot_check(sysm, p, d, beta):
    """F~ at d (exact s = d^(-1/2) as a ball) against this verifier's own reduced gradient."""
    import sympy

    s = ball(Fraction(1)) / ball(Fraction(d)).sqrt()
    theta = [ball(c) + s ** k * ball(b) for (c, k), b in zip(_scaling(sysm), beta)]
    parts = [d - p, p]
    jet = verifier.reduced_loss_jet(parts, theta)
    sizes = verifier.orbit_sizes(parts)
    g = [jet.g[i] / sizes[i] for i in range(len(sizes))]
    keys = verifier.family_keys(parts)
    pivot = {}
    for t, key in enumerate(keys):
        pivot.setdefault(key[1] if key[0] == "A" else key[2], t)
    E = [g[t] - (g[pivot[key[1] if key[0] == "A" else key[2]]] if pivot[key[1] if key[0] == "A" else key[2]] != t
                 else 0) for t, key in enumerate(keys)]
    env = {sympy.Symbol("s", positive=True): s}
    env.update(zip(sysm.betas, [ball(b) for b in beta]))
    F = tail_eval(sysm, env, {k: [flint.arb(0)] for k in env})
    for i, (e, f) in enumerate(zip(E, F)):
        diff = e / s ** sysm.valuations[i] - f.v
        if not abs(diff) < ball(Fraction(1, 10 ** 20)):
            raise Invalid(f"the rescaled system disagrees with the reduced gradient at d = {d} (equation {i})")


def _scaling(sysm):
    return [(Fraction(c), int(k)) for c, k in sysm.scaling]


def check_tail(tail: dict, lin, plo: int, phi: int) -> str:
    """Re-check the tail: coverage of [0, D^(-1/2)], the rebuilt system (identities, valuations,
    limit system), Krawczyk on every piece (recomputed here), and the negative entry (L > 0).

    Trust base beyond the finite part: :mod:`landscape.regular_family` (exact sympy rewriting of
    the reduced gradient; spot-checked here at d = D and d = 10^6 against this verifier's own
    reduced gradient) and the monotonicity of asinc, asinc2 and their derivatives."""
    import sympy

    if tail.get("method") != TAIL_METHOD:
        raise Invalid("unknown tail method")
    p = _int(tail["p"], "tail.p")
    if lin != [[1, -p], [0, p]] or p not in (1, 2):
        raise Invalid("the tail is for the families d-1,1 and d-2,2")
    D = _int(tail["D"], "tail.D")
    if not plo <= D <= phi + 1:
        raise Invalid(f"the tail starts at d = {D}, not contiguous with the finite part {plo}..{phi}")
    s_lo, s0 = frac(tail["s_interval"][0]), frac(tail["s_interval"][1])
    if s_lo != 0 or s0 * s0 * D < 1:
        raise Invalid(f"the s-interval [{s_lo}, {s0}] does not cover [0, {D}^(-1/2)]")
    if tail.get("reason") != (f"Krawczyk proved a unique zero of F~(s, .) in each box for every s in "
                              f"[0, {float(s0):.6g}] (covers every d >= {D}); W has a negative entry there (L > 0)"):
        raise Invalid("tail 'reason' is not the statement of what the tail proves")
    sysm = _tail_system(p)
    rec = [[n, str(c), k, sg] for n, (c, k), sg in zip(sysm.names, sysm.scaling, sysm.signs)]
    if tail["scaling"] != rec or tail["valuations"] != sysm.valuations or tail["identities"] != sysm.identities \
            or tail["equations"] != sysm.labels or tail["limit_system"] != [str(e) for e in sysm.limit_system()] \
            or tail.get("conditions") != [[str(e), sg] for e, sg in sysm.conditions]:
        raise Invalid("the recorded scaling / valuations / identities / limit system differ from the rebuilt system")
    # the recorded limit solution solves the limit system (to 1e-12: it is a decimal)
    sol = [frac(v) for v in tail["limit_solution"]]
    for eq in sysm.limit_system():
        val = float(eq.subs(dict(zip(sysm.betas, [sympy.Rational(v.numerator, v.denominator) for v in sol]))))
        if not abs(val) < 1e-12:
            raise Invalid("the recorded limit solution does not solve the limit system")
    pieces = tail["pieces"]
    if not pieces or frac(pieces[0]["s_lo"]) != 0 or frac(pieces[-1]["s_hi"]) != s0:
        raise Invalid("the pieces do not cover the s-interval")
    n = len(sysm.betas)
    S_sym = sympy.Symbol("s", positive=True)
    old = flint.ctx.prec
    prec = _int(tail["precision_bits"], "tail.precision_bits")
    if not 128 <= prec <= 4096 or len(pieces) > 10 ** 4:  # the spot checks compare to 1e-20
        raise Invalid("tail precision must be 128..4096 bits and at most 10^4 pieces")
    flint.ctx.prec = prec
    worst, neg_up = 0.0, None
    try:
        for i, pc in enumerate(pieces):
            a, b = frac(pc["s_lo"]), frac(pc["s_hi"])
            if not a < b or (i and frac(pieces[i - 1]["s_hi"]) != a):
                raise Invalid(f"piece {i}: the pieces must be contiguous and increasing")
            c = [frac(v) for v in pc["center"]]
            k = [frac(v) for v in pc["slope"]]
            r = [frac(v) for v in pc["radius"]]
            if len(c) != n or len(k) != n or len(r) != n or any(x <= 0 for x in r):
                raise Invalid(f"piece {i}: centre, slope and radius need {n} entries (radius > 0)")
            S = ball(a).union(ball(b))
            sm = ball((a + b) / 2)
            cb = [ball(x) for x in c]
            kb = [ball(x) for x in k]
            # F~(s, β̂(s)) for s in the piece: value at s_m plus derivative along the line times (S − s_m)
            g0 = tail_eval(sysm, {S_sym: sm, **dict(zip(sysm.betas, cb))},
                           {S_sym: [flint.arb(0)], **{bb: [flint.arb(0)] for bb in sysm.betas}})
            dg = tail_eval(sysm, {S_sym: S, **{bb: ci + ki * (S - sm) for bb, ci, ki in zip(sysm.betas, cb, kb)}},
                           {S_sym: [flint.arb(1)], **{bb: [ki] for bb, ki in zip(sysm.betas, kb)}})
            F = [x.v + y.g[0] * (S - sm) for x, y in zip(g0, dg)]
            rad = [flint.arb(0, ball(x).upper()) for x in r]
            box = [ci + ki * (S - sm) + ri for ci, ki, ri in zip(cb, kb, rad)]
            for bx, sg, name in zip(box, sysm.signs, sysm.names):
                if (sg > 0 and not bx > 0) or (sg < 0 and not bx < 0):
                    raise Invalid(f"piece {i}: the box leaves the sign region of {name}")
            for expr, sg in sysm.conditions:  # asin ρ = ±(π/2 − asin σ) needs ±⟨w, v⟩ >= 0
                cond = tail_eval(_Cond(expr), {S_sym: S, **dict(zip(sysm.betas, box))},
                                 {S_sym: [flint.arb(0)], **{bb: [flint.arb(0)] for bb in sysm.betas}})[0].v
                if (sg > 0 and not cond > 0) or (sg < 0 and not cond < 0):
                    raise Invalid(f"piece {i}: the sign condition {expr} {'>' if sg > 0 else '<'} 0 is not proved")
            grads = {S_sym: [flint.arb(0)] * n}
            for t, bb in enumerate(sysm.betas):
                grads[bb] = [flint.arb(1) if u == t else flint.arb(0) for u in range(n)]
            J = tail_eval(sysm, {S_sym: S, **dict(zip(sysm.betas, box))}, grads)
            Jc = tail_eval(sysm, {S_sym: sm, **dict(zip(sysm.betas, cb))}, grads)
            Cm = np.linalg.inv(np.array([[float(x.mid()) for x in row.g] for row in Jc]))
            C = flint.arb_mat([[flint.arb(float(v)) for v in row] for row in Cm])
            Jm = flint.arb_mat([row.g for row in J])
            M = flint.arb_mat(np.eye(n, dtype=int).tolist()) - C * Jm
            K = -(C * flint.arb_mat([[x] for x in F])) + M * flint.arb_mat([[x] for x in rad])
            for u in range(n):
                if not K[u, 0].abs_upper() < ball(r[u]):
                    raise Invalid(f"piece {i} (s in [{float(a):.4g}, {float(b):.4g}]): Krawczyk K(X) is not "
                                  f"inside X in coordinate {sysm.names[u]}")
            ratio = max(float(K[u, 0].abs_upper()) / float(r[u]) for u in range(n))
            verifier.close(pc["contraction"], ratio, 0.05, f"piece {i}: contraction")
            worst = max(worst, ratio)
            # spurious: the recorded parameter (offset < 0) stays negative
            neg = pc["negative_entry"]["param"]
            if neg not in sysm.names:
                raise Invalid(f"piece {i}: unknown parameter {neg!r}")
            t = sysm.names.index(neg)
            off, kk = _scaling(sysm)[t]
            val = ball(off) + S ** kk * box[t]
            if not val < 0:
                raise Invalid(f"piece {i}: {neg} < 0 is not proved (W has no proved negative entry)")
            verifier.close(pc["negative_entry"]["upper_bound"], float(val.upper()), 1e-6,
                           f"piece {i}: upper bound of {neg}")
            neg_up = float(val.upper()) if neg_up is None else max(neg_up, float(val.upper()))
        _spot_check(sysm, p, D, c if len(pieces) == 1 else [frac(v) for v in pieces[-1]["center"]])
        _spot_check(sysm, p, 10 ** 6, [frac(v) for v in pieces[0]["center"]])
        # and off the branch (the identity must hold for every β of the sign region, not only near roots)
        _spot_check(sysm, p, 10 ** 4, [frac(v) + Fraction(j + 1, 10) for j, v in enumerate(pieces[0]["center"])])
    finally:
        flint.ctx.prec = old
    msg = (f"tail verified: for every s in [0, {float(s0):.6g}] (every d >= {D}) a unique zero of the rescaled "
           f"reduced gradient in the recorded box ({len(pieces)} pieces, Krawczyk ratio <= {worst:.3g}), with an "
           f"entry of W <= {neg_up:.4g} < 0 (L > 0): a spurious critical point exists for every d >= {plo}")
    if "hessian" not in tail:
        return msg + f"; the Hessian beyond d = {phi} is not proved"
    return msg + "; " + check_tail_hessian(tail["hessian"], tail, p, sysm, prec)


def _fine_system(p):
    from landscape.regular_hessian import fine_hessian_system  # the exact rewriting (sympy): see check_tail_hessian

    return fine_hessian_system(p)


def _fine_keys_and_parent(p, d):
    fine, parent = verifier.refine([d - p, p])
    return fine, parent, verifier.family_keys(fine)


def _fine_values(coarse_keys, values, fkeys, parent):
    value = dict(zip(coarse_keys, values))
    return [value["A", parent[k[1]]] if k[0] == "A" else value["B", parent[k[1]], parent[k[2]]] for k in fkeys]


def check_tail_hessian(rec: dict, tail: dict, p: int, sysm, prec: int) -> str:
    """Re-check the tail's Hessian part: on every sub-piece of every piece, the congruent compression
    ``M = T H T`` of the fine reduced loss's Hessian, recomputed here from the rebuilt regular system
    with this verifier's evaluator, is positive definite (Cholesky residual) over the recorded box;
    the sign conditions of the rewriting hold there; and the rebuilt system agrees with this
    verifier's own reduced-loss Hessian (second-order jets) at d = D, 10^4 (off the branch) and 10^6.

    Trust base: :mod:`landscape.regular_hessian` (exact sympy rewriting, like the gradient's) and the
    Fix(G') lemma of :func:`certificates.verifier.check_family`."""
    import sympy

    if not isinstance(rec, dict) or set(rec) - _HESSIAN_KEYS or rec.get("proved") is not True:
        raise Invalid("the tail's Hessian part has unknown keys or does not claim a proof")
    if rec.get("method") != TAIL_HESSIAN_METHOD:
        raise Invalid("unknown tail Hessian method")
    hs = _fine_system(p)
    if rec["congruence"] != hs.congruence or rec["exponents"] != hs.exponents or rec["valuations"] != hs.valuations \
            or rec["fine_parameters"] != hs.names:
        raise Invalid("the recorded congruence / exponents / valuations differ from the rebuilt Hessian system")
    if any(e < 0 for e in hs.exponents):
        raise Invalid("the congruence leaves a negative power of s")
    D = tail["D"]
    if rec.get("reason") != (f"M = T H T is positive definite on every box of the tail (every d >= {D}): the "
                             f"critical point is a strict local minimum there"):
        raise Invalid("tail Hessian 'reason' is not the statement of what it proves")
    pieces = tail["pieces"]
    if len(rec["pieces"]) != len(pieces) or any(a["s_lo"] != b["s_lo"] or a["s_hi"] != b["s_hi"]
                                                for a, b in zip(rec["pieces"], pieces)):
        raise Invalid("the Hessian pieces are not the tail's pieces")
    _check_records(rec, _HESSIAN_PIECE_KEYS, "tail.hessian")
    S_sym = sympy.Symbol("s", positive=True)
    n = len(hs.keys)
    _, parent, fkeys = _fine_keys_and_parent(p, max(D, 10))
    if [tuple(k) for k in fkeys] != [tuple(k) for k in hs.keys]:
        raise Invalid("the fine family's parameters are not in the verifier's order")
    coarse_keys = verifier.family_keys([max(D, 10) - p, p])
    worst, total = None, 0
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        rsys = hs.regular_system()
        conds = _Cond(*[expr for expr, _ in hs.conditions])
        for i, (pc, hr) in enumerate(zip(pieces, rec["pieces"])):
            low, low_est = None, None
            sub = _int(hr["subpieces"], f"tail.hessian.pieces[{i}].subpieces")
            total += sub
            for lo_j, hi_j, S, box in _sub_boxes(pc, sub):
                fbox = _fine_values(coarse_keys, box, fkeys, parent)
                env = {S_sym: S, **dict(zip(hs.betas, fbox))}
                for cond, (expr, sg) in zip(tail_values(conds, env), hs.conditions):
                    if (sg > 0 and not cond > 0) or (sg < 0 and not cond < 0):
                        raise Invalid(f"piece {i}: the Hessian rewriting's sign condition {expr} is not proved")
                vals = tail_values(rsys, env)
                M = [[None] * n for _ in range(n)]
                for (u, w), e, f in zip(hs.pairs, hs.exponents, vals):
                    M[u][w] = M[w][u] = f * S ** e
                Ma = flint.arb_mat(M)
                est = float(np.linalg.eigvalsh(verifier.mids(Ma))[0])
                if not est > 0:
                    raise Invalid(f"piece {i}: M = T H T has a non-positive midpoint eigenvalue")
                bound = None
                for f in (1 - 1e-6, 1 - 1e-3, 0.5):
                    try:
                        bnd, _ = verifier.lambda_bound(Ma, Fraction(est * f))
                    except Invalid:
                        continue
                    if bnd > 0:
                        bound = bnd
                        break
                if bound is None:
                    raise Invalid(f"piece {i}, s in [{float(lo_j):.4g}, {float(hi_j):.4g}]: M = T H T is not "
                                  f"proved positive definite")
                low = float(bound.lower()) if low is None else min(low, float(bound.lower()))
                low_est = est if low_est is None else min(low_est, est)
            _not_overstated(hr["lower_bound"], low, f"piece {i}: Hessian lower bound", lower=True)
            verifier.close(hr["estimate"], low_est, 1e-6, f"piece {i}: Hessian estimate", 1e-12)
            worst = low if worst is None else min(worst, low)
        c0 = [frac(v) for v in pieces[-1]["center"]]
        _spot_check_hessian(hs, p, D, c0, parent, fkeys)
        _spot_check_hessian(hs, p, 10 ** 6, [frac(v) for v in pieces[0]["center"]], parent, fkeys)
        _spot_check_hessian(hs, p, 10 ** 4, [frac(v) + Fraction(j + 1, 10) for j, v in enumerate(pieces[0]["center"])],
                            parent, fkeys)
    finally:
        flint.ctx.prec = old
    return (f"Hessian verified: M = T H T (congruence s^{hs.congruence}) positive definite on all "
            f"{total} sub-pieces (lambda_min(M) >= {worst:.3e}): a strict local minimum for every "
            f"d >= {D}")


def _spot_check_hessian(hs, p, d, beta, parent, fkeys):
    """``s^{v_ab} F̃_ab`` at d against this verifier's own Hessian of the fine reduced loss."""
    import sympy

    sysm = _tail_system(p)
    s = ball(Fraction(1)) / ball(Fraction(d)).sqrt()
    theta = [ball(c) + s ** k * ball(b) for (c, k), b in zip(_scaling(sysm), beta)]
    fine, parent_d, fkeys_d = _fine_keys_and_parent(p, d)
    ftheta = _fine_values(verifier.family_keys([d - p, p]), theta, fkeys_d, parent_d)
    Href = verifier.reduced_loss_jet(fine, ftheta).h
    fbeta = [(t - ball(Fraction(c))) / s ** k for (c, k), t in zip(_scaling(hs), ftheta)]
    env = {sympy.Symbol("s", positive=True): s, **dict(zip(hs.betas, fbeta))}
    vals = tail_eval(hs.regular_system(), env, {k: [flint.arb(0)] for k in env})
    for (u, w), v, f in zip(hs.pairs, hs.valuations, vals):
        ref = Href[u, w]
        if not abs(f.v * s ** v - ref) < ball(Fraction(1, 10 ** 20)) * (1 + abs(ref)):
            raise Invalid(f"the regular Hessian disagrees with the fine reduced Hessian at d = {d} "
                          f"({hs.names[u]}, {hs.names[w]})")


verifier.register_range_verifier(verify_range)  # `verify` (verifier.verify_certificate) dispatches here
