"""The tail d ≥ D of a two-block family: Krawczyk in the scaled variables over s ∈ [0, D^{-1/2}].

The simplest call:

>>> from certificates.tail import prove_tail
>>> rec = prove_tail(1, 10**6, pieces=1)               # type A, every d >= 10^6
>>> rec["existence"], rec["negative_entry"]["param"]
(True, 'A2')

What is proved (SPEC.md conventions: k = d, teacher ``I_d``, unit second layers,
rows are neurons).  :mod:`landscape.regular_family` rewrites the reduced
gradient of ``Δ(S_{d−p}×S_p)`` exactly as ``E_o(d, θ) = s^{v_o} F̃_o(s, β)``,
``s = d^{-1/2}``, ``θ = c + s^k β``, with ``E`` a unit-triangular combination of
the gradient entries (same zeros) and ``F̃`` a polynomial in s, β and *atoms*
(square roots, reciprocals, ``asinc``, ``asinc2``) of regular arguments.  So
``F̃`` is defined and analytic on a neighbourhood of ``s = 0``, and for integer
``d ≥ 2`` its zeros at ``s = d^{-1/2}`` are the critical points of L in Fix(H)
(symmetric criticality, Palais 1979).  For each piece ``[s_lo, s_hi]`` of the
s-interval, with ``S = [s_lo, s_hi]`` and a box ``X = β̂ + [−r, r]``:

    K = β̂ − C F̃(S, β̂) + (I − C ∂_βF̃(S, X)) (X − β̂)  ⊂  int X

(arb balls; C a float inverse of the midpoint Jacobian) proves, for every
``s ∈ S`` separately, a unique zero ``β(s) ∈ X`` (Krawczyk 1969; the
enclosures over S contain the ones at each s).  The pieces cover
``[0, D^{-1/2}]`` (the first starts at 0), hence every d ≥ D.

Spurious: if an entry ``W[i,a]`` is negative then
``f_W(−e_a) = Σ_i relu(−W[i,a]) > 0 = f_V(−e_a)``; both networks are
continuous, so they differ on an open set and ``L = ½E(f_W − f_V)² > 0``.  The
artifact records the parameter (``A2`` for type A, ``B22`` for p = 2) whose
upper bound over every piece is < 0.

Enclosures of ``asinc(x) = asin(x)/x = Σ c_k x^{2k}`` (``c_k = C(2k,k)/(4^k(2k+1)) ≤ 1``),
``asinc2(x) = (asinc x − 1)/x²`` and their derivatives over a ball: the
functions are even with positive Taylor coefficients, so ``asinc, asinc2`` are
increasing in ``|x|`` and their derivatives are increasing on (−1, 1); the
values at the ball's endpoints are partial sums with the tail bounded by a
geometric series (``|x| ≤ 1/2``).
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import flint
import numpy as np

from landscape.errors import InputError

__all__ = ["arb_ops", "prove_tail", "krawczyk_piece", "solve_beta", "TAIL_METHOD", "MAX_TAIL_D"]

TAIL_METHOD = "krawczyk-s: parametric Krawczyk on the regular rescaled reduced gradient over s in [0, D^(-1/2)]"
#: Largest D accepted for the start of the tail (s0 = D^(-1/2) >= 10^-6).
MAX_TAIL_D = 10 ** 12
_TERMS = 70  # partial sums; tail <= 2^(-2*70+2)


def _arb_q(q: Fraction) -> flint.arb:
    return flint.arb(q.numerator) if q.denominator == 1 else flint.arb(flint.fmpq(q.numerator, q.denominator))


_COEFFS = None


def _coeffs():
    global _COEFFS
    if _COEFFS is None:
        _COEFFS = [_arb_q(Fraction(math.comb(2 * k, k), 4 ** k * (2 * k + 1))) for k in range(_TERMS + 2)]
    return _COEFFS


def _series_point(t: flint.arb, start: int, deriv: bool) -> flint.arb:
    """Σ_{k ≥ start} c_k (d/dt)^deriv t^{2(k−start)} at a point t with |t| ≤ 1/2, tail enclosed."""
    c = _coeffs()
    tot = flint.arb(0)
    for k in range(start, _TERMS):
        j = k - start
        if deriv:
            if j:
                tot += c[k] * 2 * j * t ** (2 * j - 1)
        else:
            tot += c[k] * t ** (2 * j)
    r = abs(t).upper() if isinstance(t, flint.arb) else abs(t)
    j = _TERMS - start
    # terms k >= _TERMS: c_k <= 1 and the ratio of consecutive terms is <= (1 + 1/j) r^2 <= 1/2
    bound = (2 * j * r ** (2 * j - 1) if deriv else r ** (2 * j)) * 2
    return tot + flint.arb(0, bound.upper() if isinstance(bound, flint.arb) else bound)


def _even_enclosure(x: flint.arb, start: int) -> flint.arb:
    """An even function with positive coefficients over the ball x: [f(min|x|), f(max|x|)]."""
    hi = x.abs_upper()
    if not hi < flint.arb(1) / 2:
        return flint.arb.nan()
    lo = x.abs_lower()
    a, b = _series_point(lo, start, False), _series_point(hi, start, False)
    return a.union(b)


def _increasing_enclosure(x: flint.arb, start: int) -> flint.arb:
    """The derivative (odd, increasing on (−1, 1)) over the ball x: [f'(lower), f'(upper)]."""
    if not x.abs_upper() < flint.arb(1) / 2:
        return flint.arb.nan()
    return _series_point(x.lower(), start, True).union(_series_point(x.upper(), start, True))


def arb_ops() -> dict:
    """Rigorous ball operations for :meth:`landscape.regular_family.RegularSystem.evaluate`."""

    def sqrt(x):
        return x.sqrt() if x > 0 else flint.arb.nan()

    def inv(x):
        return 1 / x if (x > 0 or x < 0) else flint.arb.nan()

    return {"const": _arb_q, "pi": flint.arb.pi(), "sqrt": sqrt, "inv": inv,
            "asinc": lambda x: _even_enclosure(x, 0), "asinc_d": lambda x: _increasing_enclosure(x, 0),
            "asinc2": lambda x: _even_enclosure(x, 1), "asinc2_d": lambda x: _increasing_enclosure(x, 1)}


def _ball(lo: Fraction, hi: Fraction) -> flint.arb:
    return _arb_q(lo).union(_arb_q(hi))


def solve_beta(sysm, s, start, tol: float = 1e-14):
    """Newton in float64 on ``F̃(s, ·) = 0`` from ``start`` (F̃ is regular: no cancellation, so
    float64 gives ~15 digits -- plenty for a centre, the proof is Krawczyk's); returns floats."""
    import mpmath

    from landscape.regular_family import mp_ops

    ops = mp_ops(mpmath.fp, terms=30)
    x = [float(v) for v in start]
    s = float(s)
    for _ in range(50):
        F, J = sysm.evaluate(s, x, ops, jacobian=True)
        dx = np.linalg.solve(np.array(J, float), np.array(F, float))
        x = [a - b for a, b in zip(x, dx)]
        if np.max(np.abs(dx)) < tol * max(1.0, max(abs(v) for v in x)):
            return x
    raise InputError("Newton on the regular system did not converge")


def krawczyk_piece(sysm, s_lo: Fraction, s_hi: Fraction, center, slope, prec: int = 192) -> dict:
    """Parametric Krawczyk over ``s ∈ [s_lo, s_hi]`` on boxes ``X(s) = β̂(s) + [−r, r]`` that follow
    the line ``β̂(s) = center + slope (s − s_m)`` (exact Fractions; ``s_m`` the midpoint).

    For every s of the piece: ``F̃(s, β̂(s)) ∈ g(s_m) + g'(S)(S − s_m)`` (mean value theorem,
    ``g(s) = F̃(s, β̂(s))``) and ``∂_βF̃(s, X(s)) ⊂ ∂_βF̃(S, X(S))``, so ``K(s) ⊂ int X(s)`` follows
    from the enclosure over the piece.

    Returns a dict with ``proved``, ``radius`` (Fractions per coordinate), ``contraction``
    (max over i of |K − β̂|_i / r_i), ``reason``.
    """
    n = len(center)
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        ops = arb_ops()
        S = _ball(s_lo, s_hi)
        sm = _arb_q((s_lo + s_hi) / 2)
        c = [_arb_q(v) for v in center]
        k = [_arb_q(v) for v in slope]
        g0 = sysm.evaluate(sm, c, ops)
        _, dg = sysm.evaluate(S, c, ops, path=(sm, k))
        F = [f + row[0] * (S - sm) for f, row in zip(g0, dg)]
        if not all(x.is_finite() for x in F):
            return {"proved": False, "reason": "F~ along the piece is not finite"}
        _, Jc = sysm.evaluate(sm, c, ops, jacobian=True)
        Jm = np.array([[float(x.mid()) for x in row] for row in Jc])
        C = np.linalg.inv(Jm)
        Ca = flint.arb_mat([[flint.arb(float(v)) for v in row] for row in C])
        CF = Ca * flint.arb_mat([[x] for x in F])
        step = [CF[i, 0].abs_upper() for i in range(n)]
        hull = [ci + ki * (S - sm) for ci, ki in zip(c, k)]
        reason = "no radius tried"
        for mult in (1.5, 3, 10, 100):
            r = [Fraction(f"{max(float(v) * mult, 1e-40):.3e}") for v in step]
            box = [h + flint.arb(0, _arb_q(ri).upper()) for h, ri in zip(hull, r)]
            if any(not _sign_ok(b, sg) for b, sg in zip(box, sysm.signs)):
                return {"proved": False, "reason": "the box leaves the sign region of the scaled variables"}
            if not conditions_hold(sysm, S, box, ops):
                return {"proved": False, "reason": "a sign condition of the rewriting (⟨w, e⟩ → ±1) fails on the box"}
            _, J = sysm.evaluate(S, box, ops, jacobian=True)
            if not all(x.is_finite() for row in J for x in row):
                reason = "Jacobian enclosure over the box is not finite"
                continue
            M = flint.arb_mat(np.eye(n, dtype=int).tolist()) - Ca * flint.arb_mat(J)
            dev = M * flint.arb_mat([[flint.arb(0, _arb_q(ri).upper())] for ri in r])
            K = [-CF[i, 0] + dev[i, 0] for i in range(n)]
            ratios = [float(K[i].abs_upper()) / float(r[i]) for i in range(n)]
            if all(K[i].abs_upper() < _arb_q(r[i]) for i in range(n)):
                return {"proved": True, "radius": r, "contraction": max(ratios),
                        "reason": f"K(X) in int X (max ratio {max(ratios):.3g})"}
            reason = f"Krawczyk did not contract (ratio {max(ratios):.3g})"
        return {"proved": False, "reason": reason}
    finally:
        flint.ctx.prec = old


def conditions_hold(sysm, S, box, ops) -> bool:
    """The rewriting's sign conditions (``⟨w, v⟩`` of the pairs with ρ → ±1 has that sign) over the box."""
    from landscape.regular_family import RegularSystem

    for expr, sign in sysm.conditions:  # a one-equation shell: the system itself is never mutated
        shell = RegularSystem(sysm.small, sysm.keys, sysm.names, sysm.betas, sysm.scaling, [], [expr], [0])
        if not _sign_ok(shell.evaluate(S, box, ops)[0], sign):
            return False
    return True


def _sign_ok(b: flint.arb, sign: int) -> bool:
    """The sign assumption of a scaled variable (0: none) holds on the whole ball."""
    return bool(b > 0) if sign > 0 else bool(b < 0) if sign < 0 else bool(b.is_finite())


def negative_entry(sysm, s_lo: Fraction, s_hi: Fraction, center, slope, radius, prec: int = 192):
    """A parameter with offset −1 whose value ``c + s^k β`` is < 0 on the piece's boxes: ``(name, upper)``."""
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        S = _ball(s_lo, s_hi)
        sm = _arb_q((s_lo + s_hi) / 2)
        for name, (off, k), ci, ki, ri in zip(sysm.names, sysm.scaling, center, slope, radius):
            if off < 0:
                beta = _arb_q(ci) + _arb_q(ki) * (S - sm) + flint.arb(0, _arb_q(ri).upper())
                val = _arb_q(off) + S ** k * beta
                if val < 0:
                    return name, val.upper()
        return None, None
    finally:
        flint.ctx.prec = old


def pieces_for(s0: Fraction, count: int):
    """``count`` equal pieces covering [0, s0]."""
    edges = [s0 * i / count for i in range(count + 1)]
    return list(zip(edges[:-1], edges[1:]))


def s_upper(D: int) -> Fraction:
    """A rational ``s0 ≥ D^{-1/2}`` (slightly above): 1 / floor-ish sqrt with 12 digits."""
    r = math.isqrt(D * 10 ** 24)  # floor(sqrt(D) 10^12)
    q = Fraction(10 ** 12, r)
    assert q * q * D >= 1
    return q


#: Width of one s-piece when the number of pieces is not given (narrow enough that the Krawczyk
#: radii leave room for the Hessian's interval Cholesky: :func:`prove_tail_hessian`).
PIECE_WIDTH = 0.0012


def prove_tail(p: int, D: int, prec: int = 192, pieces: int | None = None) -> dict:
    """Existence (and spuriousness) of a critical point of ``Δ(S_{d−p}×S_p)`` for every d ≥ D.

    Parameters
    ----------
    p : int
        1 (type A) or 2.
    D : int
        First d of the tail (``s ∈ [0, s0]``, ``s0 ≥ D^{-1/2}`` rational).
    pieces : int, optional
        Number of equal s-pieces (default: width about :data:`PIECE_WIDTH`).

    Returns
    -------
    dict
        JSON-ready record: ``existence`` (bool), ``pieces`` (s-interval, centre, radius,
        contraction per piece), ``negative_entry``, the system's ``valuations``,
        ``identities``, ``limit_system``, ``scaling``.
    """
    from landscape.regular_family import two_block_system

    if not isinstance(D, int) or D < p + 4 or D > MAX_TAIL_D:
        raise InputError(f"the tail must start at p + 4 <= D <= {MAX_TAIL_D}, got {D}")
    t0 = time.perf_counter()
    sysm = two_block_system(p)
    s0 = s_upper(D)
    if pieces is None:
        pieces = max(1, math.ceil(float(s0) / PIECE_WIDTH))
    if not 1 <= pieces <= 10 ** 4:
        raise InputError(f"between 1 and 10^4 s-pieces, got {pieces}")
    beta0 = solve_beta(sysm, 0, _limit_start(sysm))
    rows, ok, why = [], True, None
    prev = beta0
    for lo, hi in pieces_for(s0, pieces):
        mid = (lo + hi) / 2
        h = (hi - lo) / 8
        b = solve_beta(sysm, mid, prev)
        bp, bm = solve_beta(sysm, mid + h, b), solve_beta(sysm, mid - h, b)
        prev = b
        center = [Fraction(v) for v in _round(b, 16)]
        slope = [Fraction(v) for v in _round([(x - y) / (2 * float(h)) for x, y in zip(bp, bm)], 10)]
        res = krawczyk_piece(sysm, lo, hi, center, slope, prec)
        row = {"s_lo": str(lo), "s_hi": str(hi), "center": [str(v) for v in center],
               "slope": [str(v) for v in slope]}
        if not res["proved"]:
            ok, why = False, f"s in [{float(lo):.4g}, {float(hi):.4g}]: {res['reason']}"
            rows.append(row)
            break
        row["radius"] = [str(v) for v in res["radius"]]
        row["contraction"] = res["contraction"]
        name, up = negative_entry(sysm, lo, hi, center, slope, res["radius"], prec)
        if name is None:
            ok, why = False, "no negative entry of W proved on the piece (spuriousness)"
        row["negative_entry"] = {"param": name, "upper_bound": float(up) if up is not None else None}
        rows.append(row)
    neg = None
    if ok:
        names = {r["negative_entry"]["param"] for r in rows}
        neg = {"param": rows[0]["negative_entry"]["param"] if len(names) == 1 else sorted(names),
               "upper_bound": max(r["negative_entry"]["upper_bound"] for r in rows)}
    return {
        "method": TAIL_METHOD,
        "p": p,
        "D": D,
        "s_interval": ["0", str(s0)],
        "existence": ok,
        "reason": why or (f"Krawczyk proved a unique zero of F~(s, .) in each box for every s in [0, {float(s0):.6g}]"
                          f" (covers every d >= {D}); W has a negative entry there (L > 0)"),
        "pieces": rows,
        "negative_entry": neg,
        "scaling": [[n, str(c), k, sg] for n, (c, k), sg in zip(sysm.names, sysm.scaling, sysm.signs)],
        "equations": sysm.labels,
        "valuations": sysm.valuations,
        "identities": sysm.identities,
        "limit_system": [str(e) for e in sysm.limit_system()],
        "conditions": [[str(e), sg] for e, sg in sysm.conditions],
        "limit_solution": [str(v) for v in _round(beta0, 16)],
        "precision_bits": prec,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _round(xs, digits: int = 30):
    """Decimal strings of ``digits`` significant digits (exact rationals once read by Fraction)."""
    import mpmath

    return [mpmath.nstr(mpmath.mpf(v), digits) for v in xs]


def _limit_start(sysm):
    """A start for Newton at s = 0 (near the limit root; the signs of the scaled variables otherwise)."""
    guess = {1: [2.5, 5.4, -1.3, 2.0, 1.3], 2: [5.0, 1.9, -2.5, 2.0, 1.3, 5.4]}
    return guess.get(sysm.q, [sg * 1.0 for sg in sysm.signs])


# ------------------------------------------------------------------ the Hessian in the tail
TAIL_HESSIAN_METHOD = ("congruence-cholesky-s: interval Cholesky (residual bound) of M = T H T, H the regular "
                       "Hessian of the fine reduced loss, T = diag(s^t), over the tail's boxes")
#: Sub-pieces of each Krawczyk piece for the Hessian enclosure (the entries vary with s), doubled
#: per piece up to MAX_SUBPIECES where the enclosure is too wide.
HESSIAN_SUBPIECES = 2
MAX_SUBPIECES = 32


def sub_boxes(pc: dict, sub: int):
    """``(s_lo, s_hi, S, box)`` for ``sub`` equal sub-pieces of a tail piece record: S the ball of
    the sub-piece, box the hull over S of the piece's Krawczyk boxes ``β̂(s) + [−r, r]``."""
    lo, hi = Fraction(pc["s_lo"]), Fraction(pc["s_hi"])
    sm = _arb_q((lo + hi) / 2)
    c = [_arb_q(Fraction(v)) for v in pc["center"]]
    k = [_arb_q(Fraction(v)) for v in pc["slope"]]
    rad = [flint.arb(0, _arb_q(Fraction(v)).upper()) for v in pc["radius"]]
    for a, b in pieces_for(hi - lo, sub):
        S = _ball(lo + a, lo + b)
        yield lo + a, lo + b, S, [ci + ki * (S - sm) + ri for ci, ki, ri in zip(c, k, rad)]


def prove_tail_hessian(p: int, tail: dict, prec: int = 192, sub: int = HESSIAN_SUBPIECES) -> dict:
    """Positive definiteness of ``∇²L`` at the tail's critical points, for every s of every piece.

    For each piece ``[s_lo, s_hi]`` of ``tail`` (the record of :func:`prove_tail`, whose
    boxes ``β̂(s) + [−r, r]`` contain the critical point for every s of the piece), and each of
    ``sub`` equal sub-pieces ``S`` (doubled for that piece, up to :data:`MAX_SUBPIECES`, until
    it succeeds): ``M(S, X)`` (:class:`landscape.regular_hessian.HessianSystem`,
    the fine family's parameters being copies of the coarse ones) is enclosed in balls, the
    rewriting's sign conditions are checked on the box, and
    :func:`certificates.verdict.lambda_min_lower_bound` proves every symmetric matrix in the
    enclosure positive definite.  Then for each d = s^(-2) ≥ D, ``H = T^{-1} M T^{-1} ≻ 0``
    (T invertible for s > 0), so the compression of ``∇²L`` to ``Fix(G')`` is positive
    definite, hence ``∇²L`` (the Fix(G') lemma of :mod:`certificates.symmetric`): the critical
    point is a strict local minimum.

    Returns a JSON-ready dict: ``proved``, ``reason``, per piece the smallest lower bound over its
    sub-pieces (``lower_bound``) and float estimate, the congruence and the exponents.
    """
    from landscape.regular_family import two_block_system
    from landscape.regular_hessian import coarse_to_fine, fine_hessian_system

    from .verdict import lambda_min_lower_bound

    if not 1 <= sub <= 1000:
        raise InputError(f"between 1 and 1000 sub-pieces per piece, got {sub}")
    t0 = time.perf_counter()
    hs = fine_hessian_system(p)
    sysm = two_block_system(p)
    rows, ok, why = [], bool(tail.get("existence")), None
    if not ok:
        why = "the tail's existence part is not proved"
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        ops = arb_ops()
        for i, pc in enumerate(tail["pieces"] if ok else []):
            n_sub = sub
            while True:  # n_sub equal sub-pieces; doubled (up to MAX_SUBPIECES) where the enclosure is too wide
                worst, est, fail = None, None, None
                for a, b, S, box in sub_boxes(pc, n_sub):
                    fbox = coarse_to_fine(p, hs.keys, sysm.keys, box)
                    if not conditions_hold(hs.regular_system(), S, fbox, ops):
                        fail = f"piece {i}: a sign condition of the Hessian rewriting fails on the box"
                        break
                    M = np.array(hs.matrix(S, fbox, ops), dtype=object)
                    res = lambda_min_lower_bound(M)
                    if not res.get("proved"):
                        fail = (f"s in [{float(a):.4g}, {float(b):.4g}]: M = T H T not proved positive "
                                f"definite ({res.get('reason', 'lower bound ' + str(res.get('lower_bound')))})")
                        break
                    worst = res["lower_bound"] if worst is None else min(worst, res["lower_bound"])
                    est = res["estimate"] if est is None else min(est, res["estimate"])
                if fail is None or 2 * n_sub > MAX_SUBPIECES:
                    break
                n_sub *= 2
            if fail is not None:
                ok, why = False, fail
                break
            rows.append({"s_lo": pc["s_lo"], "s_hi": pc["s_hi"], "subpieces": n_sub, "lower_bound": worst,
                         "estimate": est})
    finally:
        flint.ctx.prec = old
    D = tail.get("D")
    return {
        "method": TAIL_HESSIAN_METHOD,
        "proved": ok,
        "reason": why or (f"M = T H T is positive definite on every box of the tail (every d >= {D}): the "
                          f"critical point is a strict local minimum there"),
        "pieces": rows,
        "congruence": hs.congruence,
        "exponents": hs.exponents,
        "valuations": hs.valuations,
        "fine_parameters": hs.names,
        "seconds": round(time.perf_counter() - t0, 3),
    }


TAIL_SPLIT_METHOD = ("split-sign-s: upper bound of the regular split quotient F~ (R = s^v F~) over the tail's "
                     "boxes")


def prove_tail_split(tail: dict, prec: int = 192, sub: int = HESSIAN_SUBPIECES) -> dict:
    """The split saddle for every d ≥ D: ``R = qᵀ∇²L_{d+1}q/qᵀq < 0`` at the tail's type-A points.

    ``R = s^v F̃`` (:func:`landscape.regular_hessian.split_quotient_system`), so for s > 0 the sign
    of R is that of F̃; F̃ is enclosed over every sub-piece of every piece of ``tail`` (type A,
    :func:`prove_tail` with p = 1) on the piece's box, with the rewriting's sign conditions.
    Returns ``proved``, ``reason``, per piece the largest upper bound of F̃ and of R."""
    from landscape.regular_family import two_block_system
    from landscape.regular_hessian import coarse_to_fine, split_quotient_system

    if tail.get("p") != 1:
        raise InputError("the split saddle is for type A (p = 1)")
    t0 = time.perf_counter()
    sq = split_quotient_system()
    sysm = two_block_system(1)
    v = sq.valuations[0]
    rows, ok, why = [], bool(tail.get("existence")), None
    if not ok:
        why = "the tail's existence part is not proved"
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        ops = arb_ops()
        for i, pc in enumerate(tail["pieces"] if ok else []):
            up_F, up_R = None, None
            for a, b, S, box in sub_boxes(pc, sub):
                fbox = coarse_to_fine(1, sq.keys, sysm.keys, box)
                if not conditions_hold(sq, S, fbox, ops):
                    ok, why = False, f"piece {i}: a sign condition of the rewriting fails on the box"
                    break
                F = sq.evaluate(S, fbox, ops)[0]
                if not F < 0:
                    ok, why = False, (f"s in [{float(a):.4g}, {float(b):.4g}]: the split quotient is not "
                                      f"proved negative (F~ in [{float(F.lower()):.3g}, {float(F.upper()):.3g}])")
                    break
                R = S ** v * F
                up_F = float(F.upper()) if up_F is None else max(up_F, float(F.upper()))
                up_R = float(R.upper()) if up_R is None else max(up_R, float(R.upper()))
            if not ok:
                break
            rows.append({"s_lo": pc["s_lo"], "s_hi": pc["s_hi"], "subpieces": sub, "upper_bound_F": up_F,
                         "upper_bound_R": up_R})
    finally:
        flint.ctx.prec = old
    D = tail.get("D")
    return {
        "method": TAIL_SPLIT_METHOD,
        "proved": ok,
        "reason": why or (f"R = s^{v} F~ with F~ < 0 on every box of the tail: for every d >= {D} the split of the "
                          f"type-A critical point is a saddle of the k = d + 1 loss"),
        "valuation": v,
        "pieces": rows,
        "seconds": round(time.perf_counter() - t0, 3),
    }
