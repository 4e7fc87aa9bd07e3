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

__all__ = ["split_neuron", "find_split", "merge_split", "Split"]


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
    """Find two positively parallel neurons with equal second-layer weights.

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
