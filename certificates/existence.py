"""Existence of a true critical point near an approximate one: Krawczyk's test.

The simplest call:

>>> from certificates.existence import polish, krawczyk
>>> from certificates.examples import type_a_point
>>> from landscape.io import Point
>>> W = polish(Point.from_arrays(type_a_point(6)))     # Newton from float to ~40 digits
>>> enc = krawczyk(Point.from_arrays(W))
>>> enc.proved, enc.radius < 1e-20
(True, True)

Method (Krawczyk 1969; Moore, Kearfott & Cloud, *Introduction to Interval
Analysis*, SIAM 2009, Thm. 8.4).  With ``g = ∇L`` on the full space
``R^{k d}`` (row-major), an exact centre ``x̃`` (rational), a radius ``r`` and
the box ``X = x̃ + [−r, r]^{kd}``:

``K(X) = x̃ − C g(x̃) + (I − C J(X)) (X − x̃)``

where ``C`` is any real matrix (here the float inverse of the Hessian at
``x̃``) and ``J(X)`` an interval matrix containing the Hessian at every point of
``X`` (:func:`certificates.enclosures.hessian_enclosure`).  If ``K(X)`` lies in
the interior of ``X`` then ``g`` has exactly one zero in ``X`` (and ``C`` and
every Jacobian in ``X`` are nonsingular).  The loss is C² away from zero rows
(not C³ at parallel rows), which is all the theorem needs: ``g`` is C¹.

Failure modes, each reported (never a wrong "proved"):
* a singular or near-singular Hessian (a continuum of critical points,
  e.g. a split neuron) -- ``C`` does not exist or ``K(X)`` does not contract;
* a point that is not near-critical -- ``C g(x̃)`` is larger than any box the
  contraction tolerates;
* a near-parallel pair of distinct rows -- the Hessian enclosure is NaN.

A second route, :func:`teacher_match`, proves criticality exactly when the
student's neurons are the teacher's (W's rows a permutation of V's rows, same
second-layer weights): then ``f(·;W) ≡ f(·;V)``, ``L(W) = 0 = min L``, so W is
a global minimiser and hence critical.  This is how ``I_d`` is certified (its
rows are exactly parallel to the teacher's, where a box Hessian is NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from landscape.backends import FLOAT, mp_context
from landscape.io import Point, to_fraction
from landscape.loss import gradient, hessian

from .arb_context import ArbContext, arb_number, to_arb_mat
from .enclosures import gradient_enclosure, hessian_enclosure

__all__ = ["Enclosure", "polish", "krawczyk", "teacher_match", "box_of", "scaled_inverse", "MAX_SCALED_CONDITION"]


@dataclass
class Enclosure:
    """Result of an existence test.

    Attributes
    ----------
    proved : bool
        True only when a unique critical point in the box is proved.
    method : str
        ``"krawczyk"`` or ``"teacher-match"`` (exact; radius 0).
    center : numpy object array of Fraction, shape (k, d)
        Exact centre of the box.
    radius : Fraction
        Half-width of the box in every coordinate (0 for an exact point).
    reason : str
        Why it failed, or a one-line summary of the proof.
    contraction : float or None
        ``max_i |K_i − x̃_i| / r`` (< 1 when proved).
    grad_bound : float or None
        Upper bound of ``max |∇L(x̃)|`` at the centre.
    """

    proved: bool
    method: str
    center: np.ndarray
    radius: Fraction
    reason: str
    contraction: float | None = None
    grad_bound: float | None = None
    extra: dict = field(default_factory=dict)


def box_of(center, radius, ctx: ArbContext) -> np.ndarray:
    """The box ``center + [−radius, radius]`` as an object array of balls (superset, rigorous)."""
    r = arb_number(radius)
    out = np.empty(center.shape, dtype=object)
    for idx in np.ndindex(center.shape):
        c = arb_number(center[idx])
        out[idx] = c + flint.arb(0, r.abs_upper()) if radius else c
    return out


def _mp_gradient(W, model_args, digits):
    ctx = mp_context(digits)
    G = gradient(W, *model_args, ctx=ctx)
    return G


def polish(point: Point, digits: int = 40, max_steps: int = 12) -> np.ndarray:
    """Newton's method on ``∇L`` from ``point.W``: float Hessian, mpmath gradient.

    Returns the polished W as an object array of exact :class:`Fraction`
    (decimal strings of ``digits`` significant digits read exactly).  It is
    only a *guess*: :func:`krawczyk` decides whether a critical point is near.

    The Newton matrix is the float64 Hessian (so each step gains about
    ``-log10(cond · 1e-16)`` digits); the residual is the mpmath gradient at
    ``digits + 10`` digits.  Steps stop when the Newton correction is below
    ``10^-digits`` or the Hessian is singular.
    """
    mp = mp_context(digits + 10).mp
    W, V, alpha, beta = point.as_mp(mp)
    k, d = point.k, point.d
    args = (V, alpha, beta)
    Vf, af, bf = point.as_float()[1:]
    for _ in range(max_steps):
        Wf = np.vectorize(float, otypes=[float])(W)
        H = hessian(Wf, Vf, af, bf, ctx=FLOAT)
        G = _mp_gradient(W, args, digits + 10).reshape(-1)
        Gf = np.vectorize(float, otypes=[float])(G)
        try:
            step = np.linalg.solve(H, Gf)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        W = W - np.array([mp.mpf(float(s)) for s in step], dtype=object).reshape(k, d)
        if np.max(np.abs(step)) < 10.0 ** (-digits):
            break
        if np.max(np.abs(step)) > 1e3:
            break
    out = np.empty((k, d), dtype=object)
    for idx in np.ndindex(k, d):
        out[idx] = to_fraction(mp.nstr(W[idx], digits))
    return out


def teacher_match(point: Point) -> bool:
    """Exact test: are W's rows a permutation of V's rows with the same second-layer weights?

    Then ``f(x; W, α) = f(x; V, β)`` for every x, so ``L(W) = 0 = min L``: W is a
    global minimiser, hence a critical point (exact argument, no rounding).

    >>> import numpy as np
    >>> teacher_match(Point.from_arrays(np.eye(3)[[2, 0, 1]]))
    True
    """
    if point.k != point.n:
        return False
    # necessary condition, O(k log k): equal rows have equal first entries, so the
    # multisets of first entries (as floats; equal rationals round equally) must agree
    # (correctly rounded floats of a decimal-text point serve as well: no exact W is built)
    if not np.array_equal(np.sort(point.float_column("W")), np.sort(point.float_column("V"))):
        return False
    Wf, Vf = point.exact_float("W"), point.exact_float("V")
    if Wf is not None and Vf is not None:  # both exact floats: equal floats are equal rationals
        teacher = sorted((tuple(Vf[j].tolist()), point.beta[j]) for j in range(point.n))
        student = sorted((tuple(Wf[i].tolist()), point.alpha[i]) for i in range(point.k))
        return teacher == student
    teacher = sorted((tuple(point.V[j]), point.beta[j]) for j in range(point.n))
    student = sorted((tuple(point.W[i]), point.alpha[i]) for i in range(point.k))
    return teacher == student


#: Largest condition number of a scaled Jacobian ``D^{-1/2} J D^{-1/2}`` (orbit sizes or Jacobi scaling)
#: for which its float64 inverse is trusted as Krawczyk's preconditioner.
MAX_SCALED_CONDITION = 1e12


def scaled_inverse(J, sizes):
    """Float64 inverse of ``J`` computed through its scaled form, and that form's condition.

    ``sizes`` are positive scales, one per coordinate: orbit sizes for a
    reduced Hessian, ``|J_ii|`` (Jacobi scaling) for a full one.

    ``J = ∇²_θ L_red`` has entries ``Σ ∂²L`` over pairs of orbits, so row and
    column ``o`` scale with the orbit size ``|O|`` (from 1 to ~d²): the raw
    condition number grows like d³ although the Hessian of L itself is
    bounded.  With ``D = diag(|O|)``, ``J_s = D^{-1/2} J D^{-1/2}`` is the
    Hessian in orthonormal coordinates of Fix(H) (``BᵀB = D``, see the module
    docstring), whose condition does not grow with d (2.8e4 at d = 10⁴ for
    type A against 1e15 unscaled); ``J⁻¹ = D^{-1/2} J_s⁻¹ D^{-1/2}``.
    Any preconditioner is sound in Krawczyk's test -- scaling only decides
    whether it contracts -- so this is a numerical guard, not part of the proof.

    Returns
    -------
    (inverse or None, condition number of J_s)
        ``None`` when ``J`` is not finite or ``J_s`` is singular.

    Examples
    --------
    >>> import numpy as np
    >>> C, cond = scaled_inverse(np.diag([1e8, 1.0]), [1e8, 1])
    >>> cond, bool(np.allclose(C @ np.diag([1e8, 1.0]), np.eye(2)))
    (1.0, True)
    """
    J = np.asarray(J, float)
    if not np.all(np.isfinite(J)):
        return None, float("inf")
    r = 1 / np.sqrt(np.asarray(sizes, float))
    Js = J * r[:, None] * r[None, :]
    cond = float(np.linalg.cond(Js))
    if not np.isfinite(cond):
        return None, cond
    try:
        inv = np.linalg.inv(Js)
    except np.linalg.LinAlgError:
        return None, float("inf")
    return inv * r[:, None] * r[None, :], cond


def krawczyk(point: Point, prec: int = 192, radii=None) -> Enclosure:
    """Krawczyk's test on ``∇L`` around the exact centre ``point.W`` (full space).

    Parameters
    ----------
    point : Point
        Exact (rational) centre, usually the output of :func:`polish`.
    prec : int
        Ball precision in bits.
    radii : sequence of float, optional
        Box radii to try; default: from ``1e3·|C g(x̃)|`` upwards.

    Returns
    -------
    Enclosure
        ``proved`` is True only if ``K(X) ⊂ int X`` was verified with balls.
    """
    ctx = ArbContext(prec)
    k, d = point.k, point.d
    n = k * d
    model = (point.V, point.alpha, point.beta)
    center = point.W
    with ctx.working():
        g = gradient_enclosure(center, *model, ctx=ctx).reshape(-1)
        if not all(x.is_finite() for x in g):
            return Enclosure(False, "krawczyk", center, Fraction(0), "gradient enclosure is not finite")
        grad_bound = max(float(x.abs_upper()) for x in g)
        Vf, af, bf = point.as_float()[1:]
        Wf = np.vectorize(float, otypes=[float])(center)
        Hf = hessian(Wf, Vf, af, bf, ctx=FLOAT)
        diag = np.abs(np.diag(Hf)) if np.all(np.isfinite(Hf)) else np.ones(n)
        scales = np.where(diag > 0, diag, 1.0)  # Jacobi scaling (the guard must not grow with units)
        C, cond = scaled_inverse(Hf, scales)
        if C is None or not np.all(np.isfinite(C)) or cond > MAX_SCALED_CONDITION:
            return Enclosure(False, "krawczyk", center, Fraction(0),
                             f"Hessian is near-singular (condition number {cond:.2e} after Jacobi scaling): "
                             "Krawczyk cannot contract", grad_bound=grad_bound)
        Cm = to_arb_mat(C)
        gm = flint.arb_mat(n, 1, list(g))
        step = Cm * gm
        step_size = max(float(step[i, 0].abs_upper()) for i in range(n))
        if radii is None:
            base = max(step_size, 1e-60)
            radii = [base * 1e3, base * 1e6, base * 1e9]
        last = "no radius tried"
        for r_float in radii:
            if r_float > 1e-3:
                last = (f"Newton step {step_size:.2e} too large: gradient max-abs {grad_bound:.2e}, "
                        "the point is not near-critical")
                break
            r = to_fraction(f"{r_float:.3e}")
            X = box_of(center, r, ctx)
            J = hessian_enclosure(X, *model, ctx=ctx)
            if not all(x.is_finite() for x in J.ravel()):
                last = ("Hessian enclosure over the box is not finite "
                        "(near-parallel rows: the normal direction is not determined)")
                break
            Jm = to_arb_mat(J)
            M = flint.arb_mat(np.eye(n, dtype=int).tolist()) - Cm * Jm
            dx = flint.arb_mat(n, 1, [flint.arb(0, arb_number(r).abs_upper())] * n)
            K_minus_c = -step + M * dx
            widths = [K_minus_c[i, 0].abs_upper() for i in range(n)]
            rr = arb_number(r)
            ok = all(w < rr for w in widths)
            contraction = max(float(w) for w in widths) / float(r)
            if ok:
                return Enclosure(True, "krawczyk", center, r,
                                 f"K(X) ⊂ int X with contraction {contraction:.3g} at radius {float(r):.3e}",
                                 contraction, grad_bound)
            last = f"Krawczyk did not contract (K(X) reaches {contraction:.3g} r at r = {float(r):.1e})"
        return Enclosure(False, "krawczyk", center, Fraction(0), last, None, grad_bound)
