"""Over-parameterisation: splitting a neuron, and the saddle it creates.

The simplest call:

>>> from fractions import Fraction
>>> from landscape.io import Point
>>> from certificates.overparam import split_neuron, find_split
>>> p = Point.from_arrays([[1, 0], [0, 1]])
>>> q = split_neuron(p, 0, Fraction(1, 4))
>>> q.W.tolist() == [[Fraction(1, 4), 0], [0, 1], [Fraction(3, 4), 0]]
True
>>> s = find_split(q)
>>> (s.i, s.j, s.t)
(0, 2, Fraction(1, 4))

Splitting (SPEC.md; Arjevani & Field, "Annihilation of spurious minima",
NeurIPS 2022, arXiv 2210.06088): neuron ``i`` becomes ``t w_i`` (kept at
index ``i``) and ``(1−t) w_i`` (appended as the last neuron), both with
second-layer weight ``α_i``.  Since ``relu`` is positively homogeneous the
network function is unchanged, and for ``0 < t < 1`` the gradient of each
copy equals the gradient of ``w_i`` in the original problem, so a critical
point ``W*`` splits into a critical point of the ``k+1``-neuron problem.

**The antisymmetric compression.**  For ``q = (δ on copy u = t w, −δ on copy
v = (1−t) w)``, with ``E_i = D_i − ½α_i² I`` (``D_i`` the ``i``-th diagonal
block of the original Hessian):

``qᵀ ∇²L_{k+1} q = δᵀ E_i δ / (t (1−t))``.

Derivation: ``h1(u, x)`` scales like ``1/|u|`` so the split diagonal blocks
are ``½α_i² I + E_i / t`` and ``½α_i² I + E_i / (1−t)`` (the pair ``(u, v)`` is
parallel, ``h1(u, v) = 0``); the cross block is ``α_i² h2(u, v) = α_i² I / 2``
(``θ = 0``).  Then ``H_uu + H_vv − 2 H_uv = E_i (1/t + 1/(1−t))``.  A negative
eigenvalue of ``E_i`` at ``W*`` therefore proves the split point is a saddle
(Cauchy interlacing on the antisymmetric subspace).  The identity is checked
against finite differences of the loss in ``tests/certificates``.
``E_i w_i = 0`` always (``h1(w, x) w = 0``): the direction ``δ = w_i`` is the
flat direction along which ``t`` moves, so the split point always has a
zero Hessian eigenvalue and can never be certified a strict minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from landscape.errors import InputError
from landscape.io import Point, to_fraction

__all__ = ["split_neuron", "find_split", "merge_split", "Split", "escape_split_saddle", "annihilation_experiment",
           "EscapeResult", "DescentOutcome"]


def split_neuron(point: Point, i: int, t=Fraction(1, 2)) -> Point:
    """Duplicate neuron ``i`` as ``(t w_i, (1−t) w_i)``: a point with ``k+1`` neurons.

    Parameters
    ----------
    point : Point
    i : int
        0-based neuron index.
    t : Fraction, float or decimal string
        Strictly between 0 and 1 (converted exactly).

    Returns
    -------
    Point
        Row ``i`` is ``t w_i``, the new last row ``(1−t) w_i``; ``alpha`` gets
        ``alpha_i`` appended; teacher unchanged.  Exact (Fractions).

    Raises
    ------
    InputError
        ``i`` out of range or ``t`` not in (0, 1).
    """
    t = to_fraction(t, "t")
    if not 0 < t < 1:
        raise InputError(f"t must be strictly between 0 and 1, got {t}")
    if not isinstance(i, (int, np.integer)) or not 0 <= i < point.k:
        raise InputError(f"neuron index {i} out of range 0..{point.k - 1}")
    W = [list(r) for r in point.W]
    w = W[i]
    W[i] = [t * x for x in w]
    W.append([(1 - t) * x for x in w])
    alpha = list(point.alpha) + [point.alpha[i]]
    return Point.from_arrays(W, point.V, alpha, point.beta)


@dataclass
class Split:
    """A detected split: neurons ``i`` and ``j`` (``i < j``) are ``t w`` and ``(1−t) w``."""

    i: int
    j: int
    t: Fraction


def find_split(point: Point, rel_tol: float = 1e-9) -> Split | None:
    """Find two positively parallel neurons with equal second-layer weights:
    the first pair ``i < j`` of :func:`_find_split_all_pairs`, found in
    ``O(k d + k log k)`` by :func:`certificates.verdict.find_split_fast`."""
    from .verdict import find_split_fast  # verdict imports this module

    return find_split_fast(point, rel_tol)


def _find_split_all_pairs(point: Point, rel_tol: float = 1e-9) -> Split | None:
    """Reference for :func:`find_split` (all ``k²`` pairs; tests and benchmarks).

    Parallelism is tested in float64 with relative tolerance ``rel_tol``; ``t``
    is ``|w_i| / (|w_i| + |w_j|)`` rounded to a rational with denominator at
    most 10^12 (exact for splits written by :func:`split_neuron`).  Returns the
    first such pair, or None.
    """
    W = point.as_float()[0]
    norms = np.linalg.norm(W, axis=1)
    for i in range(point.k):
        for j in range(i + 1, point.k):
            if point.alpha[i] != point.alpha[j]:
                continue
            ui, uj = W[i] / norms[i], W[j] / norms[j]
            if np.max(np.abs(ui - uj)) <= rel_tol:
                t = Fraction(norms[i] / (norms[i] + norms[j])).limit_denominator(10**12)
                return Split(i, j, t)
    return None


def merge_split(point: Point, split: Split) -> Point:
    """Undo a split: neuron ``i`` becomes ``w_i + w_j`` and neuron ``j`` is removed (exact)."""
    W = [list(r) for r in point.W]
    W[split.i] = [a + b for a, b in zip(W[split.i], W[split.j])]
    del W[split.j]
    alpha = [a for r, a in enumerate(point.alpha) if r != split.j]
    return Point.from_arrays(W, point.V, alpha, point.beta)


# --------------------------------------------------------------------------
# beyond splitting: where does gradient descent go from the split saddle?


@dataclass
class EscapeResult:
    """Outcome of :func:`escape_split_saddle`: the endpoint of descent from a split saddle."""

    d: int
    k: int
    start_loss: float
    end_loss: float
    endpoint: Point
    descent_curvature: float


def _float_minimise(W0: np.ndarray, alpha, gtol: float = 1e-12, maxiter: int = 50000) -> np.ndarray:
    from scipy.optimize import minimize

    from landscape.loss import loss_and_gradient

    shape = W0.shape

    def fun(x):
        L, G = loss_and_gradient(x.reshape(shape), alpha=alpha)
        return float(L), np.asarray(G, float).ravel()

    res = minimize(fun, W0.ravel(), jac=True, method="L-BFGS-B",
                   options={"gtol": gtol, "ftol": 1e-16, "maxiter": maxiter, "maxcor": 30})
    return res.x.reshape(shape)


def escape_split_saddle(point: Point, i: int, extra: int = 1, step: float = 1e-3, seed: int = 0) -> EscapeResult:
    """Split neuron ``i`` of a critical point ``extra`` times (halving each time), step along the
    antisymmetric descent direction ``(δ, −δ)`` and run L-BFGS (float64) to the next critical point.

    The direction: δ is the eigenvector of the most negative eigenvalue of
    ``E_i = D_i − ½α_i² I`` (splitting lemma, module docstring); for copies
    ``a w`` and ``b w`` the curvature along ``(δ, −δ)`` is ``δᵀE_iδ (1/a + 1/b)``.
    A tiny seeded random perturbation breaks any remaining symmetry.  Only a
    numerical experiment: certify the endpoint with :func:`certificates.verdict.certify`.

    Returns
    -------
    EscapeResult
    """
    from landscape.loss import hessian, loss

    if extra < 1:
        raise InputError("extra must be at least 1")
    Wf, Vf, af, bf = point.as_float()
    k, d = Wf.shape
    H = hessian(Wf, Vf, af, bf)
    E = H[i * d:(i + 1) * d, i * d:(i + 1) * d] - 0.5 * af[i] ** 2 * np.eye(d)
    lam, Y = np.linalg.eigh(E)
    delta = Y[:, 0]
    p = point
    for _ in range(extra):
        p = split_neuron(p, i, Fraction(1, 2)) if p is point else split_neuron(p, p.k - 1, Fraction(1, 2))
    W = p.as_float()[0]
    alpha = p.as_float()[2]
    rng = np.random.default_rng(seed)
    W = W.copy()
    W[i] += step * delta
    W[k] -= step * delta
    W += 1e-9 * rng.standard_normal(W.shape)
    start = float(loss(p.as_float()[0], Vf, alpha, bf))
    end = _float_minimise(W, alpha)
    return EscapeResult(d, p.k, start, float(loss(end, Vf, alpha, bf)),
                        Point.from_arrays(end, point.V, list(p.alpha), point.beta), float(lam[0]))


@dataclass
class DescentOutcome:
    """Where descent from a split saddle ends, with a certified verdict on the endpoint."""

    d: int
    k: int
    start_loss: float
    end_loss: float
    verdict: str
    reason: str
    steps: int
    endpoint: Point
    certificate_result: object = None


def annihilation_experiment(point: Point, i: int, extra: int = 1, global_loss: float = 1e-9,
                            max_restarts: int = 4, seed: int = 0) -> DescentOutcome:
    """Split neuron ``i`` of a (spurious) minimum ``extra`` times, descend, certify where it lands.

    After :func:`escape_split_saddle`, the endpoint is certified
    (:func:`certificates.verdict.certify`); while it is a certified saddle we
    step along its certified descent vector and descend again (at most
    ``max_restarts`` times).  ``verdict`` is ``"global"`` when the loss falls
    below ``global_loss`` (the global minima of an over-parameterised network
    form a continuum -- zero Hessian eigenvalues -- so they are reported by
    loss, not certified), else the certified verdict of the endpoint: a
    certified ``minimum`` with positive loss means a spurious minimum of the
    ``k + extra`` problem is reached -- the k = d minimum "survives" there.
    """
    from landscape.loss import loss

    from .verdict import Verdict, certify

    esc = escape_split_saddle(point, i, extra, seed=seed)
    p, end_loss, steps = esc.endpoint, esc.end_loss, 1
    Vf, bf = point.as_float()[1], point.as_float()[3]
    while True:
        if end_loss < global_loss:
            return DescentOutcome(esc.d, esc.k, esc.start_loss, end_loss, "global", f"loss {end_loss:.2e}", steps, p)
        r = certify(p)
        if r.verdict is not Verdict.SADDLE or steps > max_restarts:
            return DescentOutcome(esc.d, esc.k, esc.start_loss, end_loss, r.verdict.value, r.reason, steps, p, r)
        q = np.array([float(x) for x in r.interlacing[0]["vector"]]).reshape(p.k, p.d)
        W = p.as_float()[0] + 1e-3 * q / np.abs(q).max()
        alpha = p.as_float()[2]
        W = _float_minimise(W, alpha)
        p = Point.from_arrays(W, point.V, list(p.alpha), point.beta)
        end_loss = float(loss(W, Vf, alpha, bf))
        steps += 1
