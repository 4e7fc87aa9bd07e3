"""Irreducible representations of the symmetric group S_n, labelled by partitions.

The simplest call:

>>> from symmetry.irreps import hook_dimension
>>> hook_dimension((2, 1))
2

Irreps of ``S_n`` are indexed by partitions ``λ ⊢ n`` (``(n,)`` is the
trivial representation, ``(1,)*n`` the sign, ``(n-1, 1)`` the standard
representation).  This module gives

* :func:`hook_dimension` -- the dimension by the hook length formula;
* :func:`content_sum` -- the sum of the contents ``col - row`` of the boxes of
  the Young diagram.  The class sum of all transpositions
  ``T = Σ_{i<j} (i j)`` lies in the centre of the group algebra and acts on the
  irrep ``λ`` as the scalar ``content_sum(λ)`` (Jucys--Murphy); this is what
  makes isotypic projectors computable without enumerating the group
  (see :mod:`symmetry.isotypic`);
* :func:`character` -- the character value ``χ^λ(σ)`` for ``σ`` of a given
  cycle type, by the Murnaghan--Nakayama rule;
* :func:`partitions` -- all partitions of ``n`` in reverse lexicographic order.

All values are exact Python ``int``.  The use of irreps of S_n to organise the
Hessian of the ReLU loss follows Arjevani & Field, "Analytic characterization
of the Hessian in shallow ReLU models: a tale of symmetry" (arXiv 2008.01805)
and "Symmetry & critical points" (arXiv 2003.10576).
"""

from __future__ import annotations

import math
from functools import lru_cache

from .errors import InputError

__all__ = [
    "hook_dimension",
    "content_sum",
    "character",
    "partitions",
    "cycle_types",
    "class_size",
    "normalize_partition",
    "partition_label",
]


def normalize_partition(partition) -> tuple[int, ...]:
    """A partition as a non-increasing tuple of positive ints (zeros dropped).

    Parameters
    ----------
    partition : iterable of int
        Parts in any order; zeros are dropped.

    Returns
    -------
    tuple of int
        The parts sorted in non-increasing order.

    Raises
    ------
    InputError
        If a part is negative or not an integer.

    Examples
    --------
    >>> normalize_partition([1, 3, 0, 2])
    (3, 2, 1)
    """
    parts = []
    for p in partition:
        if isinstance(p, bool) or int(p) != p or p < 0:
            raise InputError(f"partition parts must be non-negative integers, got {p!r}")
        if p:
            parts.append(int(p))
    return tuple(sorted(parts, reverse=True))


def partition_label(partition) -> str:
    """The conventional label ``[3,1]`` of a partition.

    Examples
    --------
    >>> partition_label((3, 1))
    '[3,1]'
    """
    return "[" + ",".join(str(p) for p in normalize_partition(partition)) + "]"


def hook_dimension(partition) -> int:
    """Dimension of the irrep of ``S_n`` labelled by ``partition`` (hook length formula).

    ``dim λ = n! / Π_{boxes b} hook(b)``, where ``hook(b)`` counts the box, the
    boxes to its right and the boxes below it.

    Parameters
    ----------
    partition : iterable of int
        A partition of ``n`` (parts in any order; normalised).

    Returns
    -------
    int
        Exact dimension.  The empty partition (``n = 0``) has dimension 1.

    Examples
    --------
    >>> hook_dimension((3,))
    1
    >>> hook_dimension((3, 1))
    3
    >>> hook_dimension((2, 2))
    2
    >>> hook_dimension((3, 2, 1))
    16
    """
    lam = normalize_partition(partition)
    n = sum(lam)
    conj = _conjugate(lam)
    prod = 1
    for i, row in enumerate(lam):
        for j in range(row):
            prod *= (row - j - 1) + (conj[j] - i - 1) + 1
    return math.factorial(n) // prod


def content_sum(partition) -> int:
    """Sum of the contents ``col - row`` over the boxes of the Young diagram of λ.

    The sum of all transpositions ``T = Σ_{i<j} (i j)`` in the group algebra of
    ``S_n`` acts on the irrep λ as the scalar ``content_sum(λ)``; equivalently
    ``content_sum(λ) = C(n,2) χ^λ(transposition) / dim λ``.

    Parameters
    ----------
    partition : iterable of int
        A partition (parts in any order; normalised).

    Returns
    -------
    int
        Exact integer; ``C(n,2)`` for the trivial irrep, ``-C(n,2)`` for the sign.

    Examples
    --------
    >>> content_sum((3,))
    3
    >>> content_sum((1, 1, 1))
    -3
    >>> content_sum((2, 1))
    0
    >>> content_sum((4, 1))
    5
    """
    lam = normalize_partition(partition)
    return sum(j - i for i, row in enumerate(lam) for j in range(row))


def _conjugate(lam: tuple[int, ...]) -> tuple[int, ...]:
    if not lam:
        return ()
    return tuple(sum(1 for r in lam if r > j) for j in range(lam[0]))


def partitions(n: int) -> list[tuple[int, ...]]:
    """All partitions of ``n``, largest first part first (reverse lexicographic).

    Examples
    --------
    >>> partitions(4)
    [(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
    """
    if n < 0:
        raise InputError(f"n must be non-negative, got {n}")
    return list(_partitions(n, n))


@lru_cache(maxsize=None)
def _partitions(n: int, largest: int) -> tuple[tuple[int, ...], ...]:
    if n == 0:
        return ((),)
    out = []
    for first in range(min(n, largest), 0, -1):
        for rest in _partitions(n - first, first):
            out.append((first,) + rest)
    return tuple(out)


cycle_types = partitions
"""Conjugacy classes of ``S_n`` are labelled by cycle types, i.e. partitions of ``n``."""


def class_size(cycle_type) -> int:
    """Number of permutations of the given cycle type in ``S_n``.

    ``n! / Π_i (i^{m_i} m_i!)`` with ``m_i`` the number of cycles of length i.

    Examples
    --------
    >>> class_size((2, 1, 1))
    6
    >>> sum(class_size(mu) for mu in partitions(5)) == 120
    True
    """
    mu = normalize_partition(cycle_type)
    n = sum(mu)
    denom = 1
    for length in set(mu):
        m = mu.count(length)
        denom *= length**m * math.factorial(m)
    return math.factorial(n) // denom


def character(partition, cycle_type) -> int:
    """Character ``χ^λ(σ)`` of the irrep λ at a permutation σ of the given cycle type.

    Computed by the Murnaghan--Nakayama rule: remove border strips of the cycle
    lengths (longest first) and sum ``(-1)^{height}`` over the ways.  Diagrams
    are encoded by beta-sets (first-column hook lengths), where removing a
    border strip of length r is moving a bead from position x to x - r.

    Parameters
    ----------
    partition : iterable of int
        The irrep λ ⊢ n.
    cycle_type : iterable of int
        The cycle lengths of σ (including 1-cycles), a partition of the same n.

    Returns
    -------
    int
        Exact character value.

    Raises
    ------
    InputError
        If the two partitions have different sizes.

    Examples
    --------
    >>> character((2, 1), (1, 1, 1))   # the dimension
    2
    >>> character((2, 1), (3,))
    -1
    >>> character((1, 1, 1), (2, 1))   # the sign of a transposition
    -1
    """
    lam = normalize_partition(partition)
    mu = normalize_partition(cycle_type)
    if sum(lam) != sum(mu):
        raise InputError(f"partition {lam} and cycle type {mu} have different sizes")
    return _mn(lam, mu)


@lru_cache(maxsize=None)
def _mn(lam: tuple[int, ...], mu: tuple[int, ...]) -> int:
    if not mu:
        return 1
    r = mu[0]
    rest = mu[1:]
    m = len(lam)
    beta = [lam[i] + (m - 1 - i) for i in range(m)]  # strictly decreasing
    bset = set(beta)
    total = 0
    for x in beta:
        y = x - r
        if y < 0 or y in bset:
            continue
        # height = number of beads strictly between y and x
        height = sum(1 for b in beta if y < b < x)
        newbeta = sorted([b for b in beta if b != x] + [y], reverse=True)
        newlam = tuple(b - (m - 1 - i) for i, b in enumerate(newbeta))
        newlam = tuple(p for p in newlam if p > 0)
        total += (-1) ** height * _mn(newlam, rest)
    return total
