"""The action of Γ = S_k × S_d on M(k,d) and on its index cells.

The simplest call:

>>> import numpy as np
>>> from symmetry.action import act
>>> W = np.array([[1., 2.], [3., 4.]])
>>> act(((1, 0), (0, 1)), W)          # swap the two neurons (rows)
array([[3., 4.],
       [1., 2.]])

Conventions (used everywhere in :mod:`symmetry`)
------------------------------------------------
* **Rows are neurons**: ``W`` is ``k × d``; ``π ∈ S_k`` permutes rows
  (neurons), ``ρ ∈ S_d`` permutes columns (input coordinates).
* A permutation of ``{0,…,n-1}`` is a tuple ``p`` with ``p[i]`` the *image*
  of ``i`` (0-based).  Composition ``(p*q)[i] = p[q[i]]`` (apply q first).
* The permutation matrix ``P_π`` has ``(P_π)[π(i), i] = 1``, so
  ``(P_π W)[π(i)] = W[i]`` (row i moves to position π(i)).
* ``(π,ρ)·W = P_π W P_ρᵀ``, i.e. ``((π,ρ)·W)[π(i), ρ(j)] = W[i, j]``, and on
  cells ``(π,ρ)·(i,j) = (π(i), ρ(j))``.  This is a left action:
  ``g·(h·W) = (g h)·W`` with the composition above.

This is the action of Arjevani & Field, "Symmetry & critical points for a
model shallow neural network" (arXiv 2003.10576), Section 2: with teacher
``V = I_d`` and unit second layers the loss is Γ-invariant.

Works on numpy float arrays and on object arrays (``fractions.Fraction``,
``mpmath.mpf``, sympy numbers): entries are only moved, never combined, so the
returned array has the same dtype and exactness as the input.
"""

from __future__ import annotations

import numpy as np

from .errors import InputError

__all__ = [
    "act",
    "act_on_cell",
    "identity",
    "compose",
    "inverse",
    "check_permutation",
    "check_element",
    "permutation_matrix",
    "cell_permutation",
    "random_element",
]


def identity(n: int) -> tuple[int, ...]:
    """The identity permutation of ``{0,…,n-1}``.

    Examples
    --------
    >>> identity(3)
    (0, 1, 2)
    """
    return tuple(range(n))


def check_permutation(p, n: int | None = None) -> tuple[int, ...]:
    """Validate ``p`` as a permutation (of length ``n`` if given) and return it as a tuple.

    Raises
    ------
    InputError
        If ``p`` is not a permutation of ``{0,…,len(p)-1}`` or has the wrong length.

    Examples
    --------
    >>> check_permutation([2, 0, 1])
    (2, 0, 1)
    """
    t = tuple(int(x) for x in p)
    if n is not None and len(t) != n:
        raise InputError(f"permutation {t} has length {len(t)}, expected {n}")
    if sorted(t) != list(range(len(t))):
        raise InputError(f"{t} is not a permutation of 0..{len(t) - 1}")
    return t


def check_element(g, k: int, d: int):
    """Validate a group element ``(π, ρ)`` of ``S_k × S_d``; return it as a pair of tuples.

    Examples
    --------
    >>> check_element(([1, 0], [0, 1, 2]), 2, 3)
    ((1, 0), (0, 1, 2))
    """
    try:
        pi, rho = g
    except (TypeError, ValueError):
        raise InputError(f"a group element is a pair (pi, rho), got {g!r}") from None
    return check_permutation(pi, k), check_permutation(rho, d)


def compose(p, q) -> tuple[int, ...]:
    """The product ``p q`` (apply ``q`` first): ``(p q)[i] = p[q[i]]``.

    Examples
    --------
    >>> compose((1, 2, 0), (1, 0, 2))
    (2, 1, 0)
    """
    return tuple(p[i] for i in q)


def inverse(p) -> tuple[int, ...]:
    """The inverse permutation.

    Examples
    --------
    >>> inverse((1, 2, 0))
    (2, 0, 1)
    """
    inv = [0] * len(p)
    for i, pi in enumerate(p):
        inv[pi] = i
    return tuple(inv)


def permutation_matrix(p) -> np.ndarray:
    """The integer matrix ``P`` with ``P[p[i], i] = 1`` (so ``(P x)[p[i]] = x[i]``).

    Examples
    --------
    >>> permutation_matrix((1, 0, 2))
    array([[0, 1, 0],
           [1, 0, 0],
           [0, 0, 1]])
    """
    n = len(p)
    P = np.zeros((n, n), dtype=int)
    P[list(p), list(range(n))] = 1
    return P


def act_on_cell(g, cell) -> tuple[int, int]:
    """Image ``(π(i), ρ(j))`` of the cell ``(i, j)`` under ``g = (π, ρ)``.

    Examples
    --------
    >>> act_on_cell(((1, 0), (2, 0, 1)), (0, 1))
    (1, 0)
    """
    pi, rho = g
    i, j = cell
    return pi[i], rho[j]


def act(g, W) -> np.ndarray:
    """``(π,ρ)·W = P_π W P_ρᵀ``: the matrix with ``result[π(i), ρ(j)] = W[i, j]``.

    Parameters
    ----------
    g : pair of permutations ``(π, ρ)``
        ``π`` of length k, ``ρ`` of length d (tuples, lists or integer arrays).
    W : array_like, shape (k, d)
        Any dtype, including object arrays of exact numbers.

    Returns
    -------
    numpy.ndarray
        A new array of the same dtype (entries are moved, never changed).

    Raises
    ------
    InputError
        If the shapes do not match or the permutations are invalid.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> W = np.array([[F(1), F(1, 2)], [F(0), F(3)]], dtype=object)
    >>> act(((0, 1), (1, 0)), W)[0, 1]
    Fraction(1, 1)
    """
    W = np.asarray(W)
    if W.ndim != 2:
        raise InputError(f"W must be a 2-D array, got shape {W.shape}")
    k, d = W.shape
    pi, rho = check_element(g, k, d)
    out = np.empty_like(W)
    out[np.ix_(pi, rho)] = W
    return out


def cell_permutation(g, k: int, d: int) -> np.ndarray:
    """The action of ``g`` on the flattened cells ``c = i*d + j`` as an index array.

    ``result[c]`` is the flat index of ``g·(i, j)``.

    Examples
    --------
    >>> cell_permutation(((1, 0), (0, 1)), 2, 2).tolist()
    [2, 3, 0, 1]
    """
    pi, rho = g
    pi = np.asarray(pi, dtype=np.int64)
    rho = np.asarray(rho, dtype=np.int64)
    return (pi[:, None] * d + rho[None, :]).ravel()


def random_element(k: int, d: int, rng=None):
    """A uniformly random element ``(π, ρ)`` of ``S_k × S_d``.

    Parameters
    ----------
    rng : numpy.random.Generator or int or None
        Seed or generator.

    Examples
    --------
    >>> pi, rho = random_element(3, 2, rng=0)
    >>> sorted(pi), sorted(rho)
    ([0, 1, 2], [0, 1])
    """
    rng = np.random.default_rng(rng)
    return tuple(int(x) for x in rng.permutation(k)), tuple(int(x) for x in rng.permutation(d))
