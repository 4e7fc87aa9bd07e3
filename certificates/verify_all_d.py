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
             "split"}
_TAIL_KEYS = {"method", "p", "D", "s_interval", "existence", "reason", "pieces", "negative_entry", "scaling",
              "equations", "valuations", "identities", "limit_system", "conditions", "limit_solution",
              "precision_bits", "seconds"}


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
    if art.get("existence_statement") != want_existence:
        raise Invalid("'existence_statement' is not the statement of what the tail proves"
                      if tail is not None else "'existence_statement' without a tail")
    if tail is not None:
        if kind != "family" or hi is not None:
            raise Invalid("a tail argument belongs to an infinite range of a family artifact")
        if not isinstance(tail, dict) or set(tail) - _TAIL_KEYS or tail.get("existence") is not True:
            raise Invalid("the tail has unknown keys or does not claim existence (an unproved tail is not recorded)")
        tail_msg = check_tail(tail, lin, plo, phi)
        if verdict != "inconclusive":
            raise Invalid(f"verdict {verdict!r} with a tail that proves existence only (the Hessian for d beyond "
                          "the finite part is not proved): must be inconclusive")
        if art.get("reason") != _tail_reason(plo, phi, pv, lo, tail["D"]):
            raise Invalid("'reason' is not the reason of an existence-only tail")
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


# ------------------------------------------------------------------ the tail d >= D
TAIL_METHOD = "krawczyk-s: parametric Krawczyk on the regular rescaled reduced gradient over s in [0, D^(-1/2)]"


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
        env[sym] = a.fn(v, f1(a.v, v))
    return [ev(e) for e in sysm.equations]


class _Cond:
    """A polynomial condition as a one-equation system for :func:`tail_eval` (no atoms)."""

    def __init__(self, expr):
        self.atoms, self.equations = [], [expr]


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
    return (f"tail verified: for every s in [0, {float(s0):.6g}] (every d >= {D}) a unique zero of the rescaled "
            f"reduced gradient in the recorded box ({len(pieces)} pieces, Krawczyk ratio <= {worst:.3g}), with an "
            f"entry of W <= {neg_up:.4g} < 0 (L > 0): a spurious critical point exists for every d >= {plo}; "
            f"the Hessian beyond d = {phi} is not proved")


verifier.register_range_verifier(verify_range)  # `verify` (verifier.verify_certificate) dispatches here
