"""Rigorous verdicts on a near-critical point: ``minimum``, ``saddle`` or ``inconclusive``.

The simplest call:

>>> import numpy as np
>>> from landscape.io import Point
>>> from certificates.verdict import certify, Verdict
>>> r = certify(Point.from_arrays(np.eye(3)))
>>> r.verdict is Verdict.MINIMUM
True

What each verdict means (and the only ways to get it):

``minimum``
    (1) a unique critical point is enclosed in the box X (Krawczyk,
    :func:`certificates.existence.krawczyk`), or the point is exactly a
    critical point (teacher match: a global minimiser); and (2) every
    symmetric matrix in the interval Hessian over X is positive definite:
    with a float Cholesky factor ``L`` of ``H_mid − σI`` (σ just below the
    float estimate of λ_min), ``E = H − σI − LLᵀ`` is enclosed with balls and
    ``λ_min(H) ≥ σ − max_i Σ_j |E_ij| > 0`` (Weyl's inequality, ``LLᵀ ⪰ 0``,
    and ``ρ(E) ≤ ‖E‖_∞``).  Positive definite Hessian at a critical point ⇒
    strict local minimum.
``saddle``
    (1) as above, or, for a split point, existence of the critical point of
    the unsplit problem plus the exact splitting lemma
    (:mod:`certificates.overparam`); and (2) one rational vector ``q`` in a
    symmetry-defined subspace with ``qᵀHq / qᵀq < 0`` for every H in the
    enclosure (Cauchy interlacing, :mod:`certificates.interlacing`): a
    critical point with a negative Hessian eigenvalue is not a local minimum.
    A negative direction without (1) proves nothing about critical points,
    so it is ``inconclusive`` ("not proved to be near a critical point").
``inconclusive``
    Everything else, with the reason (no contraction, zero eigenvalue,
    λ_min enclosure straddling 0, NaN enclosure at near-parallel rows, ...).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from landscape.io import Point, float_matrix, numerators_denominators

from .arb_context import ArbContext, arb_number, to_arb_mat
from .enclosures import hessian_enclosure
from .existence import Enclosure, box_of, krawczyk, polish, teacher_match
from .interlacing import descent_vector, neuron_subspace, rational_vector, rayleigh_enclosure
from .overparam import Split, find_split, merge_split

#: A certificate is about the critical point near its input: farther than this and we refuse.
MAX_INPUT_DISTANCE = 1e-3

__all__ = ["Verdict", "CertifyResult", "certify", "lambda_min_lower_bound", "float_matrix", "find_split_fast",
           "is_identity", "family_precheck"]


class Verdict(enum.Enum):
    """Three-valued verdict; only ``MINIMUM`` and ``SADDLE`` are claims."""

    MINIMUM = "minimum"
    SADDLE = "saddle"
    INCONCLUSIVE = "inconclusive"


@dataclass
class CertifyResult:
    """Everything a certificate records (see :mod:`certificates.artifact`).

    ``blocks``: Hessian blocks with a certified lower bound (method, σ, bound);
    ``interlacing``: compressions with a certified negative Rayleigh quotient;
    ``split``: the split data when the point is a split point (then
    ``enclosure`` is about the unsplit point).
    """

    verdict: Verdict
    reason: str
    point: Point
    enclosure: Enclosure | None
    prec: int
    blocks: list = field(default_factory=list)
    interlacing: list = field(default_factory=list)
    split: Split | None = None
    input_distance: float | None = None
    estimate_min: float | None = None


# ---------------------------------------------------------------------------
# pre-checks at O(k d) cost (issue 12): what a command does before an engine


def is_identity(M) -> bool:
    """Exact test ``M == I`` for a square matrix of rationals (Fractions in lowest
    terms: ``q = 0`` iff its numerator is 0, ``q = 1`` iff numerator = denominator),
    reading only numerators and denominators.

    >>> from landscape.io import Point
    >>> is_identity(Point.from_arrays(np.eye(3)).V), is_identity(np.array([[1, 1], [0, 1]]))
    (True, False)
    """
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        return False
    if M.dtype != object:  # no d×d identity built: diagonal ones and nothing else non-zero
        return bool(np.all(np.diagonal(M) == 1) and np.count_nonzero(M) == M.shape[0])
    n, d = numerators_denominators(M.ravel())
    num = np.array(n, dtype=object).reshape(M.shape)
    den = np.array(d, dtype=object).reshape(M.shape)
    diag = np.eye(M.shape[0], dtype=bool)
    return bool(np.all(num[~diag] == 0) and np.all(num[diag] == den[diag]))


def find_split_fast(point: Point, rel_tol: float = 1e-9, W=None) -> Split | None:
    """:func:`certificates.overparam.find_split` (same answer: the first pair
    ``i < j`` in lexicographic order) without looking at all ``k²`` pairs.

    A qualifying pair has ``max|û_i − û_j| ≤ rel_tol``, hence
    ``|û_i·r − û_j·r| ≤ rel_tol ‖r‖₁`` for any r: the unit rows are projected on
    a fixed random r and sorted, and only pairs inside that window (plus a
    rounding margin) are tested -- with the original test.  ``O(k d + k log k
    + candidates · d)``.
    """
    W = point.float_W() if W is None else W
    k = W.shape[0]
    if k < 2:
        return None
    r = np.random.default_rng(1712).normal(size=W.shape[1])
    p = (W @ r) / np.sqrt(np.einsum("ij,ij->i", W, W))  # projections of the unit rows (a filter only)
    width = (rel_tol + 1e-10) * float(np.abs(r).sum()) + 1e-12
    order = np.argsort(p, kind="stable")
    ps = p[order]
    ends = np.searchsorted(ps, ps + width, side="right")
    best = None
    for a in np.flatnonzero(ends > np.arange(k) + 1).tolist():
        for b in range(a + 1, int(ends[a])):
            i, j = sorted((int(order[a]), int(order[b])))
            if best is not None and (i, j) >= best:
                continue
            if point.alpha[i] != point.alpha[j]:
                continue
            ni, nj = np.linalg.norm(W[[i, j]], axis=1)  # the original's row norms, bit for bit
            if np.max(np.abs(W[i] / ni - W[j] / nj)) <= rel_tol:
                best = (i, j)
    if best is None:
        return None
    i, j = best
    ni, nj = np.linalg.norm(W[[i, j]], axis=1)
    t = Fraction(ni / (ni + nj)).limit_denominator(10**12)
    return Split(i, j, t)


def family_precheck(point: Point):
    """``(parts, perm, params)`` if the point is k = d, ``V = I``, unit second
    layers, neither the teacher nor a split, and in a non-trivial
    ``Fix(Δ(S_p1×…×S_pm))`` up to a permutation; else None.

    The answer of ``certificates.artifact._family_of`` (same conditions, same
    :func:`landscape.fixed_points.detect_family`) in ``O(k d)`` rational reads
    and ``O(d²)`` float work: W is converted to floats once, ``V = I`` is read
    off numerators and denominators, the teacher test fails fast on first
    entries, and the split search is :func:`find_split_fast`.
    """
    from landscape.fixed_points import detect_family

    k, d = point.k, point.d
    if k != d or point.n != d:
        return None
    if any(x != 1 for x in point.alpha) or any(x != 1 for x in point.beta):
        return None
    Vf = point.exact_float("V")  # a lazy point's V: exact floats, no d×d Fractions
    if not is_identity(point.V if Vf is None else Vf):
        return None
    if teacher_match(point):
        return None
    W = point.float_W()
    if find_split_fast(point, W=W) is not None:
        return None
    found = detect_family(W)
    if found is None or len(found[0].parts) == d:
        return None
    fam, perm, params = found
    return fam.parts, perm, params


def _down(x: flint.arb) -> float:
    """A float ≤ every point of the ball."""
    v = float(x.lower())
    return math.nextafter(v, -math.inf)


def _up(x: flint.arb) -> float:
    v = float(x.upper())
    return math.nextafter(v, math.inf)


def lambda_min_lower_bound(Hball: np.ndarray, sigma: Fraction | None = None) -> dict:
    """Certified lower bound of ``λ_min`` over all symmetric matrices in ``Hball``.

    Method (state it in the certificate as ``"cholesky-residual"``): σ just
    below the float estimate of λ_min (``est·(1 − 10⁻⁶)``, backing off to
    ``est/2`` if the float Cholesky fails); float ``L`` with
    ``LLᵀ ≈ H_mid − σI``; ``E = H − σI − LLᵀ`` in ball arithmetic;
    ``λ_min(H) ≥ σ − max_i Σ_j sup|E_ij|``.

    Returns
    -------
    dict
        ``lower_bound`` (float, rounded down), ``sigma`` (Fraction),
        ``estimate`` (float λ_min of the midpoint), ``proved`` (bound > 0),
        ``method``.  ``proved`` is False with a ``reason`` if the Cholesky
        factorisation fails or a ball is not finite.
    """
    n = Hball.shape[0]
    if not all(x.is_finite() for x in Hball.ravel()):
        return {"proved": False, "reason": "Hessian enclosure is not finite", "method": "cholesky-residual"}
    Hm = np.vectorize(lambda x: float(x.mid()), otypes=[float])(Hball)
    Hm = (Hm + Hm.T) / 2
    est = float(np.linalg.eigvalsh(Hm)[0])
    out = {"method": "cholesky-residual", "estimate": est, "dim": n}
    if sigma is None and est <= 0:
        out.update(proved=False, reason=f"float λ_min estimate {est:.3e} is not positive", sigma=None,
                   lower_bound=None)
        return out
    # σ just below the estimate gives a tight bound; back off if Cholesky fails
    sigmas = [sigma] if sigma is not None else [Fraction(est * f) for f in (1 - 1e-6, 1 - 1e-3, 0.5)]
    L = None
    for sigma in sigmas:
        try:
            L = np.linalg.cholesky(Hm - float(sigma) * np.eye(n))
            break
        except np.linalg.LinAlgError:
            continue
    if L is None:
        out.update(proved=False, reason="Cholesky factorisation of H_mid − σI failed", sigma=sigma, lower_bound=None)
        return out
    Lm = to_arb_mat(L)
    E = to_arb_mat(Hball) - flint.arb_mat(n, n, [arb_number(sigma) if i == j else 0 for i in range(n)
                                                   for j in range(n)]) - Lm * Lm.transpose()
    # row sums rounded up to exact numbers, so max() compares exact values (never ambiguous balls)
    rho = max(sum((E[i, j].abs_upper() for j in range(n)), flint.arb(0)).upper() for i in range(n))
    bound = arb_number(sigma) - rho
    lb = _down(bound)
    out.update(sigma=sigma, lower_bound=lb, proved=bool(bound > 0),
               reason=(f"λ_min ≥ {lb:.6e} > 0" if bound > 0 else
                       f"λ_min enclosure [{lb:.3e}, {est:.3e}] contains 0 (residual {float(rho.upper()):.2e})"))
    return out


def _box_hessian(center, radius, model, ctx):
    with ctx.working():
        X = box_of(center, radius, ctx)
        return hessian_enclosure(X, *model, ctx=ctx)


def _existence(point: Point, prec: int, digits: int) -> Enclosure:
    if teacher_match(point):
        return Enclosure(True, "teacher-match", point.W, Fraction(0),
                         "W's neurons are the teacher's: L(W) = 0 = min L, so W is critical (exact)")
    # a float input near the teacher (e.g. I_d + noise): the exact nearby point is the global minimiser
    rounded = np.vectorize(lambda q: q.limit_denominator(10**6), otypes=[object])(point.W)
    if _distance(point.W, rounded) < 1e-6:
        near = Point.from_arrays(rounded, point.V, point.alpha, point.beta)
        if teacher_match(near):
            return Enclosure(True, "teacher-match", near.W, Fraction(0),
                             "the nearby exact point has the teacher's neurons: L = 0 = min L, critical (exact)")
    center = polish(point, digits=digits)
    try:
        polished = Point.from_arrays(center, point.V, point.alpha, point.beta)
    except Exception as exc:  # a zero row after polishing
        return Enclosure(False, "krawczyk", center, Fraction(0), f"polishing failed: {exc}")
    return krawczyk(polished, prec=prec)


def _distance(A, B) -> float:
    return max(abs(float(a - b)) for a, b in zip(np.ravel(A), np.ravel(B)))


def certify(point: Point, prec: int = 192, digits: int = 40) -> CertifyResult:
    """Rigorous verdict on the critical point near ``point`` (full space).

    Parameters
    ----------
    point : Point
        Approximate critical point (exact rationals; a float input is read exactly).
    prec : int
        Ball precision in bits.
    digits : int
        Digits of the polished centre.

    Returns
    -------
    CertifyResult
        ``verdict`` is :class:`Verdict`; ``reason`` says why (or why not).

    Notes
    -----
    Cost grows like ``(k d)^2`` balls for the Hessian enclosure and
    ``(k d)^3`` (C speed) for the matrix products: practical up to ``k d`` of a
    few hundred.
    """
    split = find_split_fast(point)
    if split is not None:
        return _certify_split(point, split, prec, digits)
    enc = _existence(point, prec, digits)
    res = CertifyResult(Verdict.INCONCLUSIVE, "", point, enc, prec)
    if not enc.proved:
        res.reason = f"no critical point proved near the input: {enc.reason}"
        return res
    res.input_distance = _distance(point.W, enc.center)
    if res.input_distance > MAX_INPUT_DISTANCE:
        res.reason = (f"Newton moved {res.input_distance:.2e} from the input: the critical point found is "
                      "not the input's")
        return res
    ctx = ArbContext(prec)
    model = (point.V, point.alpha, point.beta)
    Hb = _box_hessian(enc.center, enc.radius, model, ctx)
    if not all(x.is_finite() for x in Hb.ravel()):
        res.reason = "Hessian enclosure over the box is not finite (near-parallel rows)"
        return res
    Hm = np.vectorize(lambda x: float(x.mid()), otypes=[float])(Hb)
    est = float(np.linalg.eigvalsh((Hm + Hm.T) / 2)[0])
    res.estimate_min = est
    k, d = point.k, point.d
    if est > 0:
        with ctx.working():
            b = lambda_min_lower_bound(Hb)
        block = {"name": "full Hessian", "subspace": f"R^{k * d} (all coordinates)", "dim": k * d, **b}
        if b["proved"]:
            res.blocks.append(block)
            res.verdict = Verdict.MINIMUM
            res.reason = f"critical point enclosed ({enc.method}); Hessian positive definite: {b['reason']}"
        else:
            res.reason = f"critical point enclosed but positivity not proved: {b['reason']}"
        return res
    # saddle: look for a descent direction in symmetry-defined subspaces first
    candidates = [(f"neuron {i} (diagonal block {i})", neuron_subspace(k, d, i)) for i in range(k)]
    candidates.append((f"R^{k * d} (all coordinates)", np.eye(k * d, dtype=int)))
    best = None
    for name, Q in candidates:  # a later (larger) subspace wins only if twice as negative
        lam, q = descent_vector(Hm, Q)
        if lam < 0 and (best is None or lam < best[1] * 2):
            best = (name, lam, q)
    if best is None:
        res.reason = f"float λ_min {est:.3e} ≤ 0 but no negative compression found (zero eigenvalue?)"
        return res
    name, lam, q = best
    qr = rational_vector(q)
    with ctx.working():
        R = rayleigh_enclosure(Hb, qr)
    entry = {"subspace": name, "vector": qr, "upper_bound": _up(R),
             "rayleigh_estimate": float(R.mid()), "method": "rayleigh-quotient"}
    if R < 0:
        res.interlacing.append(entry)
        res.verdict = Verdict.SADDLE
        res.reason = (f"critical point enclosed ({enc.method}); compression to {name} has "
                      f"qᵀHq/qᵀq ≤ {entry['upper_bound']:.6e} < 0")
    else:
        res.reason = f"Rayleigh quotient enclosure [{_down(R):.3e}, {_up(R):.3e}] contains 0"
    return res


def _certify_split(point: Point, split: Split, prec: int, digits: int) -> CertifyResult:
    """Split point: existence for the unsplit point, then ``δᵀE_iδ < 0`` over its box."""
    merged = merge_split(point, split)
    enc = _existence(merged, prec, digits)
    res = CertifyResult(Verdict.INCONCLUSIVE, "", point, enc, prec, split=split)
    if not enc.proved:
        res.reason = f"no critical point proved for the unsplit point: {enc.reason}"
        return res
    t = split.t
    res.input_distance = _distance(point.W, _split_center(enc.center, split))
    if res.input_distance > MAX_INPUT_DISTANCE:
        res.reason = f"Newton moved {res.input_distance:.2e} from the input"
        return res
    ctx = ArbContext(prec)
    model = (merged.V, merged.alpha, merged.beta)
    Hb = _box_hessian(enc.center, enc.radius, model, ctx)
    k, d = merged.k, merged.d
    i = split.i
    with ctx.working():
        a2 = arb_number(merged.alpha[i]) ** 2 / 2
        E = Hb[i * d:(i + 1) * d, i * d:(i + 1) * d].copy()
        for p in range(d):
            E[p, p] = E[p, p] - a2
        if not all(x.is_finite() for x in E.ravel()):
            res.reason = "enclosure of the diagonal block is not finite"
            return res
        Ef = np.vectorize(lambda x: float(x.mid()), otypes=[float])(E)
        lam, Y = np.linalg.eigh((Ef + Ef.T) / 2)
        # qᵀq = 2|δ|², so qᵀHq/qᵀq = (δᵀEδ/|δ|²) / (2 t (1−t))
        res.estimate_min = float(lam[0]) / float(2 * t * (1 - t))
        delta = rational_vector(Y[:, 0] / np.max(np.abs(Y[:, 0])))
        R = rayleigh_enclosure(E, delta) / arb_number(2 * t * (1 - t))
    name = f"antisymmetric (δ, −δ) on split neurons {split.i}, {split.j}"
    if R < 0:
        q = [Fraction(0)] * ((k + 1) * d)
        for p in range(d):
            q[split.i * d + p] = delta[p]
            q[split.j * d + p] = -delta[p]
        res.interlacing.append({"subspace": name, "vector": q, "delta": delta, "rayleigh_estimate": float(R.mid()),
                                "upper_bound": _up(R), "method": "split-lemma: qᵀHq = δᵀE_iδ/(t(1−t))"})
        res.verdict = Verdict.SADDLE
        res.reason = (f"split of a certified critical point ({enc.method}); {name}: "
                      f"qᵀHq/qᵀq ≤ {_up(R):.6e} < 0 (Arjevani–Field)")
    else:
        res.reason = (f"split point: the antisymmetric compression δᵀE_iδ/(t(1−t)) has enclosure "
                      f"[{_down(R):.3e}, {_up(R):.3e}], not negative; and a split point always has a zero "
                      "Hessian eigenvalue (moving t), so it cannot be certified a strict minimum")
    return res


def _split_center(center, split: Split):
    """Rows of the split point built from the unsplit centre (exact)."""
    W = [list(r) for r in center]
    w = W[split.i]
    W[split.i] = [split.t * x for x in w]
    W.insert(split.j, [(1 - split.t) * x for x in w])
    return np.array(W, dtype=object)
