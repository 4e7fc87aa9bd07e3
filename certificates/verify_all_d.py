"""Independent check of a range artifact (``relu-landscape-range-certificate/1``).

The simplest call:

>>> from certificates.verify_all_d import verify_range     # doctest: +SKIP
>>> verify_range(json.load(open("typeA.range.json")))       # doctest: +SKIP
(True, 'minimum', 'minimum for every d in 6..200: 195 family certificates verified; L > 0 on every box')

Trust base: the standard library, python-flint, and :mod:`certificates.verifier`
(itself self-contained: stdlib, numpy, flint).  Nothing from ``landscape`` or
from the producer modules is imported.

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
4. the verdict: ``minimum``/``saddle`` only for a finite range entirely
   covered by the finite part; an artifact with a ``tail`` (an argument for
   d beyond the finite part) is rejected: no tail method is accepted by this
   version, so no infinite range can be claimed.
"""

from __future__ import annotations

from fractions import Fraction

import flint

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


def loss_lower_bound(cert: dict) -> flint.arb:
    """Enclosure of L over the Krawczyk box of a family certificate (k = d, V = I, ones)."""
    parts = cert["problem"]["family"]
    d = sum(parts)
    ex = cert["existence"]
    old = flint.ctx.prec
    flint.ctx.prec = cert["precision_bits"]
    try:
        rb = flint.arb(0, ball(frac(ex["radius"])).abs_upper())
        box = [ball(frac(v)) + rb for v in ex["center"]]
        val = verifier.reduced_loss_jet(parts, box).v
        return val + ball(Fraction(d, 4)) + d * (d - 1) / (4 * flint.arb.pi())
    finally:
        flint.ctx.prec = old


def _check(art: dict) -> str:
    if not isinstance(art, dict) or art.get("format") != FORMAT:
        raise Invalid(f"not a {FORMAT} document")
    if art.get("digest") != verifier.digest(art):
        raise Invalid("digest does not match the content (the certificate was altered)")
    verdict = art["verdict"]
    if verdict not in ("minimum", "saddle", "inconclusive"):
        raise Invalid(f"unknown verdict {verdict!r}")
    lin = art["parts_linear"]
    if not (isinstance(lin, list) and lin and all(isinstance(p, list) and len(p) == 2 for p in lin)):
        raise Invalid("parts_linear must be a list of [a, b] (part = a d + b)")
    lin = [[_int(a, "part coefficient"), _int(b, "part coefficient")] for a, b in lin]
    if sum(a for a, _ in lin) != 1 or sum(b for _, b in lin) != 0 or any(a < 0 for a, _ in lin):
        raise Invalid("the parts do not sum to d")
    lo, hi = _int(art["range"]["lo"], "range.lo"), art["range"]["hi"]
    if hi is not None:
        _int(hi, "range.hi")
        if hi < lo:
            raise Invalid("empty range")
    if art.get("tail") is not None:
        raise Invalid("a tail argument (d beyond the finite part) is not accepted by this verifier version")
    proved, finite = art["proved"], art["finite"]
    if not isinstance(finite, list):
        raise Invalid("finite must be a list of family certificates")
    if proved is None:
        if finite or verdict != "inconclusive":
            raise Invalid("nothing is proved, so the verdict must be inconclusive with no certificates")
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
    ex = cert["existence"]
    old = flint.ctx.prec
    flint.ctx.prec = cert["precision_bits"]
    try:
        rb = flint.arb(0, ball(frac(ex["radius"])).abs_upper())
        box = [ball(frac(v)) + rb for v in ex["center"]]
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
    return (f"saddle for every d in {lo}..{hi} (k = d + 1, bad neuron of type A split in halves): "
            f"q^T H q / q^T q <= {float(worst):.3e} < 0; {len(finite)} type-A critical points enclosed")


verifier.register_range_verifier(verify_range)  # `verify` (verifier.verify_certificate) dispatches here
