"""Exact canonical form of a k×d colour matrix under Γ = S_k × S_d.

The simplest call:

>>> from symmetry.canonical import canonical_form
>>> a = canonical_form([[0, 1], [2, 0]])
>>> b = canonical_form([[0, 2], [1, 0]])          # rows and columns swapped
>>> a.matrix.tolist() == b.matrix.tolist()
True
>>> pi, rho, M = a                                 # unpacks as (row_perm, col_perm, matrix)

Two colour matrices ``C, C'`` lie in the same Γ-orbit, ``C' = (π,ρ)·C``
(convention of :mod:`symmetry.action`: ``C'[π(i), ρ(j)] = C[i, j]``), **if
and only if** ``canonical_form(C).matrix == canonical_form(C').matrix``.
Colours are compared exactly (they are labels, e.g. the output of
:func:`symmetry.isotropy.value_classes`); a colour keeps its identity, so
``[[0, 1]]`` and ``[[0, 2]]`` are different.

Method (McKay's individualisation–refinement, as in nauty): the matrix is
the bipartite graph rows ⊔ columns with edge colours ``C[i, j]``.  The
search tree of :class:`symmetry.isotropy._Searcher` (colour refinement, then
individualise a vertex of the first non-singleton cell, refine, …) is an
isomorphism-invariant object: its leaves are discrete partitions, i.e.
orderings of the rows and of the columns (rows always carry the smaller
labels).  Each leaf gives a relabelled matrix; the canonical form is the
lexicographically smallest leaf matrix.  Because the tree of ``g·C`` is the
image of the tree of ``C``, the set of leaf matrices — hence its minimum —
is an orbit invariant, and a leaf matrix is by construction in the orbit of
``C``: that is the "iff".

Pruning never changes the minimum: a child of a node is skipped only when an
automorphism of ``C`` that fixes the node's individualised vertices
pointwise maps it to a child already explored (the two subtrees then carry
the same leaf matrices).  Automorphisms come from
:func:`symmetry.isotropy._search` (a strong generating set along the first
path, so the first path is pruned completely) and from leaves whose matrix
equals the best one (the leaf map is then an automorphism, checked exactly).
For the matrices of the ReLU problem (``Δ(S_{p1}×…×S_{pm})`` and generic
endpoints) the search visits a few paths; highly regular but asymmetric
patterns can need exponentially many leaves and raise
:class:`~symmetry.errors.OutOfReachError` at the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError, OutOfReachError
from .action import compose, inverse
from .isotropy import SEARCH_BUDGET, _leaf_map, _search, _Searcher, _UnionFind

__all__ = ["CanonicalForm", "canonical_form", "canonical_forms", "canonical_key"]


@dataclass(frozen=True)
class CanonicalForm:
    """``(row_perm, col_perm, matrix)`` with ``matrix = (row_perm, col_perm)·C``.

    ``row_perm[i]`` is the canonical position of row ``i`` (0-based), likewise
    ``col_perm`` for columns, so ``matrix[row_perm[i], col_perm[j]] == C[i, j]``.
    ``matrix`` is an int64 array of the input's colours (exact).
    ``aut_order`` is the exact order of the automorphism group of ``C`` (its
    isotropy group in S_k × S_d), a Python int.
    """

    row_perm: tuple
    col_perm: tuple
    matrix: np.ndarray
    aut_order: int = 1

    def __iter__(self):
        """Unpacks as the triple ``(row_perm, col_perm, matrix)``."""
        return iter((self.row_perm, self.col_perm, self.matrix))

    def key(self) -> tuple:
        """Hashable orbit invariant: ``(k, d, entries row-major)``."""
        return canonical_key(self.matrix)


def canonical_key(M) -> tuple:
    """Hashable form ``(k, d, entries…)`` of a canonical matrix (exact ints)."""
    M = np.asarray(M)
    return (int(M.shape[0]), int(M.shape[1])) + tuple(int(x) for x in M.ravel())


def _colour_matrix(C) -> np.ndarray:
    arr = np.asarray(C)
    if arr.ndim != 2 or arr.size == 0:
        raise InputError(f"colour matrix must be a non-empty 2-D array, got shape {arr.shape}")
    if arr.dtype == object:
        try:
            vals = [int(x) for x in arr.ravel()]
        except (TypeError, ValueError):
            raise InputError("colours must be integers") from None
        if any(v != x for v, x in zip(vals, arr.ravel())):
            raise InputError("colours must be integers")
        return np.array(vals, dtype=np.int64).reshape(arr.shape)
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"colours must be integers, got dtype {arr.dtype} "
                         "(classify float entries first, e.g. with symmetry.isotropy.value_classes)")
    return arr.astype(np.int64)


def _lex_less(a: np.ndarray, b: np.ndarray) -> int:
    """-1, 0, 1 as the flat int arrays a <, =, > b lexicographically."""
    diff = np.flatnonzero(a != b)
    if diff.size == 0:
        return 0
    i = diff[0]
    return -1 if a[i] < b[i] else 1


def canonical_form(C, budget: int = SEARCH_BUDGET) -> CanonicalForm:
    """Canonical representative of the S_k × S_d orbit of an integer colour matrix.

    Parameters
    ----------
    C : array_like of int, shape (k, d)
        Colour labels (rows are neurons).  Labels are compared exactly.
    budget : int
        Maximal number of search-tree nodes before giving up.

    Returns
    -------
    CanonicalForm
        ``(row_perm, col_perm, matrix)``; equal ``matrix`` ⇔ same orbit.

    Raises
    ------
    InputError
        Not a non-empty 2-D integer matrix.
    OutOfReachError
        The search tree exceeds ``budget`` nodes.

    Examples
    --------
    Swapping the rows and reversing the columns fixes this matrix, nothing
    else does:

    >>> f = canonical_form([[5, 5, 7], [7, 5, 5]])
    >>> f.aut_order
    2
    >>> import numpy as np
    >>> from symmetry.action import act
    >>> C = np.array([[5, 5, 7], [7, 5, 5]])
    >>> np.array_equal(act((f.row_perm, f.col_perm), C), f.matrix)
    True
    """
    C = _colour_matrix(C)
    k, d = C.shape
    dense = np.unique(C, return_inverse=True)[1].reshape(k, d).astype(np.int64)
    S, gens, order, _ = _search(dense)
    gens = [np.asarray(g) for g in gens]
    n = k + d

    best_M = None
    best_leaf = None
    nodes = 0

    def leaf_matrix(leaf):
        M = np.empty_like(dense)
        M[np.ix_(leaf[:k], leaf[k:] - k)] = dense
        return M.ravel()

    def orbits_fixing(seq):
        uf = _UnionFind(n)
        for g in gens:
            if all(g[v] == v for v in seq):
                for x in np.flatnonzero(g != np.arange(n)):
                    uf.union(int(x), int(g[x]))
        return uf

    # explicit stack (depth can reach k + d): frames [partition, seq, cell, next index, explored, uf, ngens]
    root = S.initial()
    stack = [[root, (), None, 0, [], None, -1]]
    while stack:
        frame = stack[-1]
        P, seq = frame[0], frame[1]
        if frame[2] is None:
            nodes += 1
            if nodes > budget:
                raise OutOfReachError(
                    f"canonical form search exceeded {budget} nodes on a {k}x{d} matrix with a highly "
                    "regular but non-symmetric pattern")
            _, cell = S.target(P)
            if cell is None:  # a leaf
                stack.pop()
                M = leaf_matrix(P)
                c = 1 if best_M is None else _lex_less(M, best_M)
                if best_M is None or c < 0:
                    best_M, best_leaf = M, P
                elif c == 0:
                    gamma = _leaf_map(best_leaf, P)
                    if S.is_automorphism(gamma) and not any(np.array_equal(gamma, g) for g in gens):
                        gens.append(gamma)
                continue
            frame[2] = cell
        cell = frame[2]
        if frame[3] >= len(cell):
            stack.pop()
            continue
        if frame[6] != len(gens):  # new automorphisms since the orbits were computed
            frame[5] = orbits_fixing(seq)
            frame[6] = len(gens)
        uf = frame[5]
        w = int(cell[frame[3]])
        frame[3] += 1
        rw = uf.find(w)
        if any(uf.find(x) == rw for x in frame[4]):
            continue
        frame[4].append(w)
        stack.append([S.individualise(P, w), seq + (w,), None, 0, [], None, -1])

    leaf = best_leaf
    pi = tuple(int(x) for x in leaf[:k])
    rho = tuple(int(x) - k for x in leaf[k:])
    M = np.empty_like(C)
    M[np.ix_(pi, rho)] = C
    return CanonicalForm(pi, rho, M, int(order))


def _first_leaf_form(C: np.ndarray):
    """``(π, ρ, M1)``: the leaf reached by always individualising the first vertex of the
    target cell (no search), and its matrix ``M1 = (π, ρ)·C`` (colours of C)."""
    k, d = C.shape
    dense = np.unique(C, return_inverse=True)[1].reshape(k, d).astype(np.int64)
    S = _Searcher(dense)
    col = S.initial()
    while True:
        _, cell = S.target(col)
        if cell is None:
            break
        col = S.individualise(col, int(cell[0]))
    pi = tuple(int(x) for x in col[:k])
    rho = tuple(int(x) - k for x in col[k:])
    M1 = np.empty_like(C)
    M1[np.ix_(pi, rho)] = C
    return pi, rho, M1


def canonical_forms(Cs, budget: int = SEARCH_BUDGET) -> list:
    """Canonical forms of many colour matrices, sharing work between members of one orbit.

    Exactly :func:`canonical_form` for each matrix, faster when many of them lie in
    few orbits (GD endpoints): the leaf of the first path of the search tree
    (first vertex of every target cell, no search) is computed for each matrix;
    two matrices with equal first-leaf matrices are in one orbit, so the second
    reuses the first's canonical form, transported by the composed permutations
    (and checked: ``(π, ρ)·C`` must equal the canonical matrix).

    Examples
    --------
    >>> fs = canonical_forms([[[0, 1], [1, 1]], [[1, 1], [1, 0]]])
    >>> fs[0].matrix.tolist() == fs[1].matrix.tolist()
    True
    """
    cache: dict = {}
    out = []
    for C in Cs:
        C = _colour_matrix(C)
        p1, r1, M1 = _first_leaf_form(C)
        key = canonical_key(M1)
        hit = cache.get(key)
        if hit is None:
            f = canonical_form(C, budget)
            # maps M1 -> M: (f.π ∘ p1⁻¹, f.ρ ∘ r1⁻¹)
            cache[key] = (compose(f.row_perm, inverse(p1)), compose(f.col_perm, inverse(r1)), f)
            out.append(f)
            continue
        a, b, f0 = hit
        pi, rho = compose(a, p1), compose(b, r1)
        M = np.empty_like(C)
        M[np.ix_(pi, rho)] = C
        if not np.array_equal(M, f0.matrix):  # cannot happen: equal first leaves mean one orbit
            raise AssertionError("canonical form transport failed")
        out.append(CanonicalForm(pi, rho, f0.matrix.copy(), f0.aut_order))
    return out
