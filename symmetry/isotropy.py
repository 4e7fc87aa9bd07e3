"""Isotropy groups of matrices under Γ = S_k × S_d, and their fixed-point spaces.

The simplest call:

>>> import numpy as np
>>> from symmetry.isotropy import isotropy
>>> H = isotropy(np.eye(3))
>>> H.order, H.name, H.fix_dim
(6, 'ΔS_3', 2)

``Γ_W = {(π,ρ) : P_π W P_ρᵀ = W}`` is the automorphism group of the
bipartite graph rows–columns whose edge (i, j) is coloured by the value
``W[i, j]`` (action and permutation conventions: :mod:`symmetry.action`).
It is computed without enumerating elements, by individualisation and
refinement (the method of McKay's nauty): colour refinement of rows and
columns, a first path of individualised vertices ``v_0, v_1, …`` down to a
discrete partition, and for each level ``L`` (bottom up) the orbit of ``v_L``
under the pointwise stabiliser of ``v_0 … v_{L-1}``; every candidate image is
either reached by an automorphism that is *checked exactly* on W, or excluded
by an exhaustive search.  The order is the product of these orbit lengths
(the orbit–stabiliser theorem along the stabiliser chain), an exact Python
int, e.g. ``199!`` for the type-A point at d = 200.

Cost (``method="worklist"``, the default): refinement is Hopcroft-style with a
worklist of splitter cells (:class:`_WorklistSearcher`), automorphisms are
checked on the rows and columns they move, cell orbits come from one
stabiliser per non-trivial row orbit and a Schreier transversal
(:class:`CellOrbits`, lazy), and a group recognised as a product of symmetric
groups is returned with two generators per factor -- the type-A point costs
about a second at d = 1000 (``benchmarks/bench_scale.py``).
``method="passes"`` is the reference implementation (full refinement passes,
cell orbits from all generators), kept for tests and benchmarks.

Equality of entries:

* exact entries (``int``, ``fractions.Fraction``, sympy numbers, numpy integer
  arrays) are compared exactly (sympy expressions that differ structurally are
  compared by ``simplify(a - b) == 0``);
* floats (numpy float arrays, Python floats, ``mpmath.mpf``) are compared with
  a relative tolerance ``tol`` (default ``1e-9`` for float64, ``10**(-dps/2)``
  for mpmath): values are sorted and split where consecutive values differ
  by more than ``tol * max(1, max|W|)`` (single linkage);
* an explicit ``tol`` forces the tolerance comparison for any entry type.

The structural name recognises the groups that matter for the ReLU problem
(Arjevani & Field, arXiv 2003.10576): products of symmetric groups, each
acting on one or several orbits of rows and columns that are identified by
equivariant bijections -- ``S_m`` on one orbit, ``ΔS_m`` diagonally on a row
orbit and a column orbit, written ``Δ(S_{p1}×…×S_{pm})`` when all factors are
diagonal (fixed rows and columns paired as ``S_1`` factors).  A group of any
other shape gets ``C_p`` when its order p is prime and otherwise a
descriptive fallback name ``G(order=…; row orbits …; col orbits …)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Integral

import numpy as np

from .errors import InputError, OutOfReachError

__all__ = [
    "Isotropy",
    "isotropy",
    "group_from_colours",
    "value_classes",
    "fixed_point_space",
    "fixed_point_basis",
    "orbits_on_cells",
    "diagonal_partition_group",
    "fixes",
    "CellOrbits",
]

#: Default relative tolerance for float64 entries.
FLOAT_TOL = 1e-9

#: Maximum number of refinements in the exhaustive part of the search.
SEARCH_BUDGET = 200_000


# ----------------------------------------------------------------------------
# Entry classes: the colours of the cells
# ----------------------------------------------------------------------------


def _is_exact_scalar(x) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (Integral, Fraction, np.integer)):
        return True
    try:
        import sympy
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, sympy.Basic)


def value_classes(W, tol=None):
    """Colour matrix of ``W``: equal entries get equal non-negative int colours.

    Parameters
    ----------
    W : array_like, shape (k, d)
        float, int, object array of Fraction / int / sympy / mpmath numbers.
    tol : float or None
        Relative tolerance; ``None`` means exact comparison for exact entries
        and the default tolerance for floats (see the module docstring).

    Returns
    -------
    colours : numpy.ndarray of int64, shape (k, d)
        Colours numbered by increasing value (exact and float cases) or by first
        appearance (non-real sympy values).
    mode : str
        ``"exact"`` or ``"tolerance"``.

    Raises
    ------
    InputError
        On a non-2-D array, an empty shape, NaN or infinite entries.

    Examples
    --------
    >>> value_classes([[1, 2], [2, 1]])[0].tolist()
    [[0, 1], [1, 0]]
    >>> value_classes([[1.0, 1.0 + 1e-12]])
    (array([[0, 0]]), 'tolerance')
    """
    arr = np.asarray(W, dtype=object if not isinstance(W, np.ndarray) else None)
    if arr.ndim != 2:
        raise InputError(f"W must be a 2-D matrix, got shape {arr.shape}")
    k, d = arr.shape
    if k == 0 or d == 0:
        raise InputError(f"W must have at least one row and one column, got shape {arr.shape}")
    flat = arr.ravel()
    if arr.dtype != object:
        if np.issubdtype(arr.dtype, np.integer) and tol is None:
            vals, inv = np.unique(arr, return_inverse=True)
            return inv.reshape(k, d).astype(np.int64), "exact"
        if np.issubdtype(arr.dtype, np.bool_):
            raise InputError("W must be numeric, got a boolean array")
        try:
            x = arr.astype(float)
        except (TypeError, ValueError):
            raise InputError(f"W must be numeric, got dtype {arr.dtype}") from None
        return _cluster(x, FLOAT_TOL if tol is None else tol), "tolerance"
    types = set(map(type, flat))
    exact = (types <= {Fraction, int}) or all(_is_exact_scalar(x) for x in flat)
    if exact and tol is None:
        return _exact_classes(flat).reshape(k, d), "exact"
    # floats / mpmath / mixed, or an explicit tolerance
    default_tol = FLOAT_TOL
    try:
        import mpmath

        if any(isinstance(x, mpmath.mpf) for x in flat):
            default_tol = float(mpmath.mpf(10) ** (-(mpmath.mp.dps // 2)))
            vals = [mpmath.mpf(x) if not isinstance(x, Fraction) else
                    mpmath.mpf(x.numerator) / x.denominator for x in flat]
            return _cluster_generic(vals, default_tol if tol is None else tol).reshape(k, d), "tolerance"
    except ImportError:  # pragma: no cover
        pass
    try:
        x = np.array([float(v) for v in flat], dtype=float).reshape(k, d)
    except (TypeError, ValueError):
        raise InputError("W has entries that are not real numbers") from None
    return _cluster(x, default_tol if tol is None else tol), "tolerance"


def _exact_classes(flat) -> np.ndarray:
    import sympy

    if set(map(type, flat)) <= {Fraction, int} or all(isinstance(x, (Integral, Fraction, np.integer)) for x in flat):
        fast = _exact_classes_by_float(flat)
        if fast is not None:
            return fast
        keys = [Fraction(int(x)) if isinstance(x, np.integer) else x for x in flat]
        distinct = sorted(set(keys))
        index = {v: c for c, v in enumerate(distinct)}
        return np.array([index[v] for v in keys], dtype=np.int64)
    sym = [sympy.sympify(x) for x in flat]
    for s in sym:
        if s.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            raise InputError(f"W has a non-finite entry {s}")
    distinct: list = []
    index = {}
    for s in sym:
        if s in index:
            continue
        for t in distinct:
            if sympy.simplify(s - t) == 0:
                index[s] = index[t]
                break
        else:
            index[s] = len(distinct)
            distinct.append(s)
    labels = np.array([index[s] for s in sym], dtype=np.int64)
    # order the classes by value when they are real numbers (not needed for correctness)
    try:
        order = sorted(range(len(distinct)), key=lambda c: float(distinct[c]))
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[order] = np.arange(len(distinct))
        labels = rank[labels]
    except (TypeError, ValueError):
        pass
    return labels


def _exact_classes_by_float(flat):
    """Exact classes of rationals (``int`` / ``Fraction``), grouped by an
    approximate float value first (one sort of floats), then confirmed exactly:
    every entry's numerator and denominator must equal its group's first entry's
    (fractions are in lowest terms), and the groups' values must increase.
    Returns None when that fails (two rationals sharing a float, huge values):
    then the caller sorts the rationals themselves.
    """
    from operator import attrgetter

    private = set(map(type, flat)) == {Fraction}  # Fraction's slots: no Python call per entry
    num = np.array(list(map(attrgetter("_numerator" if private else "numerator"), flat)), dtype=object)
    den = np.array(list(map(attrgetter("_denominator" if private else "denominator"), flat)), dtype=object)
    try:
        x = num.astype(float) / den.astype(float)
    except OverflowError:
        return None
    if not np.all(np.isfinite(x)):
        return None
    _, first, inv = np.unique(x, return_index=True, return_inverse=True)
    inv = inv.ravel()
    if not (bool(np.all(num == num[first][inv])) and bool(np.all(den == den[first][inv]))):
        return None
    reps = [Fraction(int(num[i]), int(den[i])) for i in first]
    if any(reps[t] >= reps[t + 1] for t in range(len(reps) - 1)):
        return None
    return inv.astype(np.int64)


def _cluster(x: np.ndarray, tol: float) -> np.ndarray:
    if not np.all(np.isfinite(x)):
        raise InputError("W has NaN or infinite entries")
    if tol < 0:
        raise InputError(f"tol must be non-negative, got {tol}")
    flat = x.ravel()
    s = np.sort(flat, kind="stable")  # quicksort is pathological on the type-A pattern (10× slower)
    thresh = tol * max(1.0, float(np.max(np.abs(s))))
    gaps = np.diff(s) > thresh
    if np.count_nonzero(gaps) < 4096:  # few classes: look each value up among the class starts
        starts = s[np.concatenate([[0], np.flatnonzero(gaps) + 1])]
        return (np.searchsorted(starts, flat, side="right") - 1).astype(np.int64).reshape(x.shape)
    order = np.argsort(flat, kind="stable")
    labels = np.empty(flat.size, dtype=np.int64)
    labels[order] = np.concatenate([[0], np.cumsum(gaps)])
    return labels.reshape(x.shape)


def _cluster_generic(vals, tol: float) -> np.ndarray:
    import mpmath

    for v in vals:
        if not mpmath.isfinite(v):
            raise InputError("W has NaN or infinite entries")
    order = sorted(range(len(vals)), key=lambda i: vals[i])
    thresh = tol * max(1, max(abs(v) for v in vals))
    labels = np.empty(len(vals), dtype=np.int64)
    c = 0
    for t, i in enumerate(order):
        if t and vals[i] - vals[order[t - 1]] > thresh:
            c += 1
        labels[i] = c
    return labels


# ----------------------------------------------------------------------------
# Partition refinement and the search
# ----------------------------------------------------------------------------


class _Searcher:
    """Individualisation–refinement on the bipartite graph rows ⊔ columns.

    Vertices ``0..k-1`` are rows, ``k..k+d-1`` columns.  A partition is an
    int array of dense colour labels; labels are isomorphism invariant (ranks
    of ``(old label, multiset hash)``), rows always get smaller labels than
    columns, and refinement only splits cells.
    """

    def __init__(self, C: np.ndarray):
        self.C = C
        self.k, self.d = C.shape
        self.n = self.k + self.d
        nvals = int(C.max()) + 1
        rng = np.random.default_rng(20031057)  # fixed: labels must be reproducible
        self.R_row = rng.integers(0, 2**63, size=(nvals, self.n), dtype=np.uint64)
        self.R_col = rng.integers(0, 2**63, size=(nvals, self.n), dtype=np.uint64)
        self.refinements = 0

    def refine(self, col: np.ndarray) -> np.ndarray:
        k, C = self.k, self.C
        ncells = int(col.max()) + 1
        while True:
            self.refinements += 1
            hr = self.R_row[C, col[None, k:]].sum(axis=1, dtype=np.uint64)
            hc = self.R_col[C, col[:k, None]].sum(axis=0, dtype=np.uint64)
            h = np.concatenate([hr, hc])
            order = np.lexsort((h, col))
            sc, sh = col[order], h[order]
            new = np.empty_like(col)
            step = np.concatenate([[0], ((sc[1:] != sc[:-1]) | (sh[1:] != sh[:-1])).astype(np.int64)])
            new[order] = np.cumsum(step)
            m = int(new.max()) + 1
            col = new
            if m == ncells:
                return col
            ncells = m

    def initial(self) -> np.ndarray:
        col = np.zeros(self.n, dtype=np.int64)
        col[self.k:] = 1
        return self.refine(col)

    def individualise(self, col: np.ndarray, v: int) -> np.ndarray:
        c2 = col * 2 + 1
        c2[v] -= 1
        return self.refine(np.unique(c2, return_inverse=True)[1].astype(np.int64))

    @staticmethod
    def target(col: np.ndarray):
        counts = np.bincount(col)
        big = np.flatnonzero(counts > 1)
        if big.size == 0:
            return None, None
        label = int(big[0])
        return label, np.flatnonzero(col == label)

    @staticmethod
    def compatible(a: np.ndarray, b: np.ndarray) -> bool:
        return a.max() == b.max() and np.array_equal(np.bincount(a), np.bincount(b))

    def as_element(self, gamma: np.ndarray):
        k = self.k
        pi = gamma[:k]
        rho = gamma[k:] - k
        if pi.min() < 0 or pi.max() >= k or rho.min() < 0 or rho.max() >= self.d:
            return None
        return pi, rho

    def is_automorphism(self, gamma: np.ndarray) -> bool:
        el = self.as_element(gamma)
        if el is None:
            return False
        pi, rho = el
        # (pi,rho).C = C  <=>  C[pi[i], rho[j]] == C[i, j]
        return bool(np.array_equal(self.C[np.ix_(pi, rho)], self.C))

    def transport(self, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Minimal-movement map sending each cell of P onto the same-label cell of Q."""
        gamma = np.arange(self.n)
        a = np.flatnonzero(P != Q)
        if a.size == 0:
            return gamma
        src = a[np.lexsort((a, P[a]))]
        dst = a[np.lexsort((a, Q[a]))]
        gamma[src] = dst
        return gamma


class _WorklistSearcher(_Searcher):
    """The same search with near-linear refinement (issue 12): Hopcroft-style
    partition refinement driven by a worklist of splitter cells.

    A partition is an int32 array of labels where a cell's label is the
    position of its first vertex in the ordered partition (rows occupy
    positions ``0..k-1``, columns ``k..k+d-1``), as in McKay's nauty; a cell
    that splits keeps its label for its first piece.  Processing a splitter
    cell S costs ``O(|S| · (other side))`` (the multiset of colours ``C[u, S]``
    of every vertex u of the other side, hashed) plus a sort of the other
    side, and -- Hopcroft's rule -- a cell that splits outside the worklist
    enqueues all its pieces but the largest, so every vertex serves in
    ``O(log n)`` splitters: the first refinement costs ``O(k d log n)``, and
    individualising a vertex afterwards only the cells it splits.  Every
    choice depends on labels and hashes only, so the refinement is
    equivariant (what the search needs); :class:`_Searcher` is the reference
    (full passes over the whole matrix until stable).

    Automorphism checks are sparse: ``γ·C = C`` is tested on the rows and
    columns γ moves, ``O(|moved rows| d + k |moved cols|)``.
    """

    def __init__(self, C: np.ndarray):
        super().__init__(C)
        nvals = int(C.max()) + 1
        rng = np.random.default_rng(20031058)  # fixed: labels must be reproducible
        self.R = rng.integers(0, 2**63, size=nvals, dtype=np.uint64)
        self.ar_k, self.ar_d = np.arange(self.k), np.arange(self.d)
        self.C32 = C.astype(np.int32)
        self.CT32 = np.ascontiguousarray(self.C32.T)

    def _hash(self, M: np.ndarray, members: np.ndarray) -> np.ndarray:
        """``Σ_{m ∈ members} R[M[m, u]]`` for every column u of M (uint64, wrapping),
        in chunks so the temporary stays small."""
        if members.size == 1:
            return self.R[M[members[0]]]
        out = np.zeros(M.shape[1], dtype=np.uint64)
        for a in range(0, members.size, 256):
            out += self.R[M[members[a:a + 256]]].sum(axis=0, dtype=np.uint64)
        return out

    def refine(self, col: np.ndarray, work=None) -> np.ndarray:
        import heapq

        k, n = self.k, self.n
        col = col.astype(np.int32, copy=True)
        if work is None:  # every cell is a splitter
            work = np.unique(col).tolist()
        heap = list(work)
        heapq.heapify(heap)
        queued = set(heap)
        counts = np.bincount(col, minlength=n)
        side_cells = [int(np.count_nonzero(counts[:k])), int(np.count_nonzero(counts[k:]))]
        ref = np.empty(n, dtype=np.uint64)
        while heap and side_cells[0] + side_cells[1] < n:
            L = heapq.heappop(heap)
            queued.discard(L)
            self.refinements += 1
            if L < k:  # a row cell splits the columns
                lo, hi, s_ = k, n, 1
                if side_cells[1] == self.d:
                    continue
                members = np.flatnonzero(col[:k] == L)
                h = self._hash(self.C32, members)
            else:
                lo, hi, s_ = 0, k, 0
                if side_cells[0] == k:
                    continue
                members = np.flatnonzero(col[k:] == L)
                h = self._hash(self.CT32, members)
            side = col[lo:hi]
            ref[side] = h  # one hash per cell (the last written); cells where h varies split
            vary = h != ref[side]
            if not vary.any():
                continue
            mark = np.zeros(n, dtype=bool)
            mark[side[vary]] = True
            idx = np.flatnonzero(mark[side])  # vertices of the cells that split
            if np.count_nonzero(mark) == 1:  # one cell: sort by hash alone (same order)
                hv = h[idx]
                first = hv == hv[0]
                other = hv[~first]
                if np.all(other == other[0]):  # two values (a vertex split off): no sort needed
                    if other[0] < hv[0]:
                        first = ~first
                    order = np.concatenate([idx[first], idx[~first]])
                else:
                    order = idx[np.argsort(hv, kind="stable")]
            else:
                order = idx[np.lexsort((h[idx], side[idx]))]
            ss, sh = side[order], h[order]
            t = np.arange(order.size)
            cell_start = np.ones(order.size, dtype=bool)
            cell_start[1:] = ss[1:] != ss[:-1]
            boundary = cell_start.copy()
            boundary[1:] |= sh[1:] != sh[:-1]
            first_t = np.maximum.accumulate(np.where(cell_start, t, 0))
            run_t = np.maximum.accumulate(np.where(boundary, t, 0))
            new_sorted = (ss + (run_t - first_t)).astype(np.int32)
            col[lo + order] = new_sorted
            starts = t[boundary]
            sizes = np.diff(np.append(starts, order.size))
            piece_parent = ss[starts].tolist()
            piece_label = new_sorted[starts].tolist()
            counts[new_sorted[starts]] = sizes
            side_cells[s_] += len(piece_label) - int(np.count_nonzero(cell_start))
            sizes = sizes.tolist()
            a = 0
            while a < len(piece_parent):  # pieces of one parent are consecutive
                b = a
                while b < len(piece_parent) and piece_parent[b] == piece_parent[a]:
                    b += 1
                X, labels, szs = piece_parent[a], piece_label[a:b], sizes[a:b]
                if X in queued:
                    add = labels[1:]
                else:
                    big = szs.index(max(szs))
                    add = labels[:big] + labels[big + 1:]
                for y in add:
                    if y not in queued:
                        queued.add(y)
                        heapq.heappush(heap, y)
                a = b
        return col

    def initial(self) -> np.ndarray:
        col = np.zeros(self.n, dtype=np.int32)
        col[self.k:] = self.k
        return self.refine(col)

    def individualise(self, col: np.ndarray, v: int) -> np.ndarray:
        L = int(col[v])
        if np.count_nonzero(col == L) == 1:
            return col.copy()
        c2 = col.copy()
        c2[col == L] = L + 1
        c2[v] = L
        return self.refine(c2, [L])

    def is_automorphism(self, gamma: np.ndarray) -> bool:
        el = self.as_element(gamma)
        if el is None:
            return False
        pi, rho = el  # permutations by construction (transport, leaf maps, product generators)
        C, CT = self.C32, self.CT32
        mr = np.flatnonzero(pi != self.ar_k)
        mc = np.flatnonzero(rho != self.ar_d)
        if mr.size and not np.array_equal(C[pi[mr]][:, rho], C[mr]):
            return False
        if mc.size and not np.array_equal(CT[rho[mc]][:, pi], CT[mc]):
            return False
        return True


def _leaf_map(leaf1: np.ndarray, leaf2: np.ndarray) -> np.ndarray:
    """γ with γ(v) = the vertex of leaf2 carrying the label v has in leaf1."""
    pos2 = np.empty_like(leaf2)
    pos2[leaf2] = np.arange(leaf2.size)
    return pos2[leaf1]


class _UnionFind:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, x):
        p = self.p
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.p[rb] = ra
        return True


def _search(C: np.ndarray, method: str = "worklist", start=None):
    """Generators (as vertex maps) and order of Aut(C); the point orbits.

    ``method``: ``"worklist"`` (:class:`_WorklistSearcher`, default) or
    ``"passes"`` (the reference :class:`_Searcher`).  ``start``: a vertex to
    individualise first -- the search then returns its stabiliser.
    """
    S = _WorklistSearcher(C) if method == "worklist" else _Searcher(C)
    small = np.int16 if S.n < 2**15 else np.int32

    def compact(a):  # stored partitions and generators: the smallest int type that holds 0..n-1
        return a.astype(small) if method == "worklist" else a

    col = S.initial()
    if start is not None:
        col = S.individualise(col, int(start))
    path = []  # (partition before individualising, target label, cell, v)
    while True:
        label, cell = S.target(col)
        if cell is None:
            break
        v = int(cell[0])
        path.append((compact(col), label, cell, v))
        col = S.individualise(col, v)
    leaf1 = compact(col)
    partitions_after = [p[0] for p in path[1:]] + [leaf1]

    orb = _OrbitLabels(S.n)
    gens: list[np.ndarray] = []
    order = 1
    budget = [SEARCH_BUDGET]

    def add_generator(gamma):
        gens.append(compact(gamma))
        moved = np.flatnonzero(gamma != np.arange(S.n))
        for x in moved.tolist():
            orb.union(x, int(gamma[x]))

    def explore(level: int, Q: np.ndarray):
        """Leaf below Q (a node at depth level+1) equivalent to leaf1: its γ, or None."""
        if not S.compatible(Q, partitions_after[level]):
            return None
        if level + 1 == len(path):
            gamma = _leaf_map(leaf1, Q)
            return gamma if S.is_automorphism(gamma) else None
        gamma = S.transport(partitions_after[level], Q)
        # cheap candidate: the minimal-movement map (extends to a leaf map when it works)
        if S.is_automorphism(gamma):
            return gamma
        label = path[level + 1][1]
        for x in np.flatnonzero(Q == label):
            budget[0] -= 1
            if budget[0] < 0:
                raise OutOfReachError(
                    f"isotropy search exceeded {SEARCH_BUDGET} refinements on a {S.k}x{S.d} matrix "
                    "with a highly regular but non-symmetric pattern; try a tolerance or a smaller W")
            found = explore(level + 1, S.individualise(Q, int(x)))
            if found is not None:
                return found
        return None

    S.first_stabiliser = None
    for L in range(len(path) - 1, -1, -1):
        colL, label, cell, v = path[L]
        if L == 0:  # the generators so far generate the stabiliser of v_0
            S.first_stabiliser = (v, orb.representatives())
        non_members: list[int] = []
        while True:
            lab = orb.lab[cell]
            cand = (lab != orb.lab[v])
            if non_members:
                cand &= ~np.isin(lab, orb.lab[non_members])
            if not cand.any():
                break
            w = int(cell[np.argmax(cand)])
            gamma = explore(L, S.individualise(colL, w))
            if gamma is None:
                non_members.append(w)
            else:
                add_generator(gamma)
        order *= int(np.count_nonzero(orb.lab[cell] == orb.lab[v]))
    point_orbit = orb.representatives().tolist()
    return S, gens, order, point_orbit


class _OrbitLabels:
    """Orbits of a growing set of permutations: a label per point, merged
    smaller-into-larger (``O(n log n)`` relabels in all)."""

    def __init__(self, n: int):
        self.lab = np.arange(n)
        self.members = {x: [x] for x in range(n)}

    def union(self, a: int, b: int) -> None:
        la, lb = int(self.lab[a]), int(self.lab[b])
        if la == lb:
            return
        if len(self.members[la]) < len(self.members[lb]):
            la, lb = lb, la
        moved = self.members.pop(lb)
        self.lab[moved] = la
        self.members[la].extend(moved)

    def representatives(self) -> np.ndarray:
        """The smallest point of each point's orbit."""
        rep = np.full(self.lab.size, self.lab.size, dtype=np.int64)
        np.minimum.at(rep, self.lab, np.arange(self.lab.size))
        return rep[self.lab]


# ----------------------------------------------------------------------------
# Orbits, fixed-point spaces, names
# ----------------------------------------------------------------------------


def orbits_on_cells(generators, k: int, d: int) -> list[list[tuple[int, int]]]:
    """Orbits of the group generated by ``generators`` on the cells of a k×d matrix.

    Only the cells a generator moves contribute edges, so sparse generators
    (transpositions) on large matrices are cheap.

    Returns
    -------
    list of list of (int, int)
        Orbits sorted by their first cell, each sorted row-major.

    Examples
    --------
    >>> orbits_on_cells([((1, 0), (1, 0))], 2, 2)
    [[(0, 0), (1, 1)], [(0, 1), (1, 0)]]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = k * d
    src, dst = [np.arange(0)], [np.arange(0)]
    for pi, rho in generators:
        pi = np.asarray(pi, dtype=np.int64)
        rho = np.asarray(rho, dtype=np.int64)
        mr = np.flatnonzero(pi != np.arange(k))
        mc = np.flatnonzero(rho != np.arange(d))
        if mr.size:
            cells = (mr[:, None] * d + np.arange(d)[None, :]).ravel()
            src.append(cells)
            dst.append(pi[cells // d] * d + rho[cells % d])
        if mc.size:
            cells = (np.arange(k)[:, None] * d + mc[None, :]).ravel()
            src.append(cells)
            dst.append(pi[cells // d] * d + rho[cells % d])
    s = np.concatenate(src)
    t = np.concatenate(dst)
    graph = coo_matrix((np.ones(s.size, dtype=np.int8), (s, t)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="weak")
    groups: dict[int, list] = {}
    for c in range(n):
        groups.setdefault(int(labels[c]), []).append((c // d, c % d))
    return sorted(groups.values())


def fixed_point_basis(orbits, k: int, d: int) -> np.ndarray:
    """Basis of Fix(H): the indicator matrices of the H-orbits on cells.

    Parameters
    ----------
    orbits : list of list of (int, int)
        A partition of the cells into orbits.

    Returns
    -------
    numpy.ndarray of int, shape (len(orbits), k, d)
        Exact 0/1 matrices; they are orthogonal for the Frobenius product.

    Examples
    --------
    >>> B = fixed_point_basis([[(0, 0), (1, 1)], [(0, 1), (1, 0)]], 2, 2)
    >>> B[0].tolist()
    [[1, 0], [0, 1]]
    """
    B = np.zeros((len(orbits), k, d), dtype=int)
    for t, orb in enumerate(orbits):
        for i, j in orb:
            B[t, i, j] = 1
    return B


def fixes(g, W, tol=None) -> bool:
    """Whether ``g·W == W`` (exactly, or within ``tol`` for floats as in :func:`value_classes`).

    Examples
    --------
    >>> fixes(((1, 0), (1, 0)), [[1, 2], [2, 1]])
    True
    """
    C, _ = value_classes(W, tol)
    pi, rho = g
    return bool(np.array_equal(C[np.ix_(list(pi), list(rho))], C))


@dataclass
class Isotropy:
    """A subgroup H of S_k × S_d given by generators, with its orbit data.

    Attributes
    ----------
    k, d : int
        Shape of the matrices acted on (rows are neurons).
    order : int
        Exact order |H| (a Python int, possibly huge).
    generators : list of (tuple, tuple)
        Pairs ``(π, ρ)`` (convention of :mod:`symmetry.action`).
    row_orbits, col_orbits : list of list of int
        Orbits of H on rows and on columns.
    cell_orbits : list of list of (int, int)
        Orbits of H on the cells; ``fix_dim == len(cell_orbits)``.
    name : str
        Structural name, e.g. ``'Δ(S_5×S_1)'``, ``'S_2×ΔS_5'``, ``'1'``.
    factors : list of dict or None
        When H is recognised as a product of symmetric groups: one dict per
        factor ``{"size": m, "rows": [orbit, …], "cols": [orbit, …]}``, each
        orbit a list of m indices listed so that position t in every orbit is
        the same abstract point (H acts on all of them at once).  ``None``
        for groups of other shapes.
    """

    k: int
    d: int
    order: int
    generators: list
    row_orbits: list
    col_orbits: list
    cell_orbits: list
    name: str
    factors: list | None = None
    extra: dict = field(default_factory=dict)

    @property
    def fix_dim(self) -> int:
        """dim Fix(H) = number of H-orbits on cells."""
        return len(self.cell_orbits)

    @property
    def order_log10(self) -> float:
        """log10 of the order (a float, for huge orders)."""
        return _log10_int(self.order)

    def fixed_point_basis(self) -> np.ndarray:
        """Indicator matrices of the cell orbits; see :func:`fixed_point_basis`."""
        return fixed_point_basis(self.cell_orbits, self.k, self.d)

    def contains(self, g) -> bool:
        """Whether ``g = (π, ρ)`` lies in H, tested as ``g·C == C`` on the colour matrix C
        H was computed from (every Isotropy built by this module keeps it)."""
        W = self.extra.get("colours")
        if W is None:
            raise InputError("membership test needs the colour matrix (groups from isotropy())")
        pi, rho = g
        return bool(np.array_equal(W[np.ix_(list(pi), list(rho))], W))

    def to_dict(self) -> dict:
        """JSON-ready summary (huge orders as decimal strings)."""
        return {
            "k": self.k,
            "d": self.d,
            "order": self.order if self.order < 2**53 else str(self.order),
            "order_log10": self.order_log10,
            "name": self.name,
            "fix_dim": self.fix_dim,
            "generators": [[list(map(int, p)), list(map(int, r))] for p, r in self.generators],
            "row_orbits": self.row_orbits,
            "col_orbits": self.col_orbits,
            "factors": self.factors,
        }


def _log10_int(n: int) -> float:
    """log10 of a positive int of any size (math.log10 takes big ints exactly,
    without the decimal string that Python refuses beyond 4300 digits)."""
    if n <= 0:
        raise ValueError("order must be positive")
    return math.log10(n)


def _factorial_name(m) -> str:
    return f"S_{m}"


def _sparse_generators(gens, n: int):
    """Each generator as ``(moved points, their images)``, and for every point the
    indices of the generators that move it (so orbit walks cost what the
    generators move, not ``|orbit| · |gens|``)."""
    sparse, index = [], {}
    ident = np.arange(n)
    for t, g in enumerate(gens):
        mv = np.flatnonzero(g != ident)
        sparse.append((mv, np.asarray(g)[mv]))
        for x in mv.tolist():
            index.setdefault(x, []).append(t)
    return sparse, index


def _recognise(S: _Searcher, gens, order: int, orbit_rep: list[int], sparse=None):
    """Product-of-symmetric-groups structure, or None; see the module docstring.

    With ``sparse`` (:func:`_sparse_generators`) equivariant maps are built by
    walking only the generators that move each point, then checked against
    every generator at once (numpy); without it, the reference walk.
    """
    k, d, n = S.k, S.d, S.n
    groups: dict[int, list[int]] = {}
    for x in range(n):
        groups.setdefault(orbit_rep[x], []).append(x)
    orbits = sorted(groups.values())
    nontrivial = [o for o in orbits if len(o) > 1]
    # point maps of the generators
    gens = [np.asarray(g) for g in gens]
    col0 = S.initial()

    def equivariant_map_sparse(X, Y):
        x0 = X[0]
        P = S.individualise(col0, x0)
        counts = np.bincount(P)
        cands = [y for y in Y if counts[P[y]] == 1]
        if len(Y) <= 64:
            cands += [y for y in Y if counts[P[y]] != 1]
        moved, index = sparse
        Xa = np.asarray(X)
        for y0 in cands:
            phi = np.full(n, -1, dtype=np.int64)
            phi[x0] = y0
            queue = [x0]
            while queue:
                x = queue.pop()
                for t in index.get(x, ()):
                    gx = int(gens[t][x])
                    if phi[gx] < 0:
                        phi[gx] = int(gens[t][phi[x]])
                        queue.append(gx)
            img = phi[Xa]
            if np.any(img < 0) or np.unique(img).size != len(Y) or not np.array_equal(np.sort(img), np.sort(Y)):
                continue
            if all(np.array_equal(np.asarray(g)[img], phi[np.asarray(g)[Xa]]) for g in gens):
                return {int(a): int(b) for a, b in zip(X, img)}
        return None

    def equivariant_map(X, Y):
        if sparse is not None:
            return equivariant_map_sparse(X, Y)
        x0 = X[0]
        P = S.individualise(col0, x0)
        counts = np.bincount(P)
        cands = [y for y in Y if counts[P[y]] == 1]
        if len(Y) <= 64:  # refinement may not isolate every fixed point: try the rest too
            cands += [y for y in Y if counts[P[y]] != 1]
        for y0 in cands:
            phi = {x0: y0}
            queue = [x0]
            ok = True
            while queue and ok:
                x = queue.pop()
                for g in gens:
                    gx, gy = int(g[x]), int(g[phi[x]])
                    if gx in phi:
                        if phi[gx] != gy:
                            ok = False
                            break
                    else:
                        phi[gx] = gy
                        queue.append(gx)
            if ok and len(phi) == len(X) and len(set(phi.values())) == len(Y):
                return phi
        return None

    uf = _UnionFind(len(nontrivial))
    maps: dict[tuple[int, int], dict] = {}
    for a in range(len(nontrivial)):
        for b in range(a + 1, len(nontrivial)):
            if len(nontrivial[a]) != len(nontrivial[b]) or uf.find(a) == uf.find(b):
                continue
            phi = equivariant_map(nontrivial[a], nontrivial[b])
            if phi is not None:
                uf.union(a, b)
                maps[(a, b)] = phi
    comps: dict[int, list[int]] = {}
    for a in range(len(nontrivial)):
        comps.setdefault(uf.find(a), []).append(a)
    expected = 1
    for members in comps.values():
        expected *= math.factorial(len(nontrivial[members[0]]))
    if expected != order:
        return None
    factors = []
    for members in comps.values():
        ref = nontrivial[members[0]]
        # coordinates: position t of every orbit = image of ref[t] under the chain of maps
        coords = {members[0]: list(ref)}
        pending = [members[0]]
        while pending:
            a = pending.pop()
            for (x, y), phi in maps.items():
                if x == a and y not in coords:
                    coords[y] = [phi[p] for p in coords[a]]
                    pending.append(y)
                elif y == a and x not in coords:
                    inv = {v: u for u, v in phi.items()}
                    coords[x] = [inv[p] for p in coords[a]]
                    pending.append(x)
        rows = [coords[a] for a in members if nontrivial[a][0] < k]
        cols = [[c - k for c in coords[a]] for a in members if nontrivial[a][0] >= k]
        factors.append({"size": len(ref), "rows": rows, "cols": cols})
    factors.sort(key=lambda f: (-f["size"], f["rows"], f["cols"]))
    return factors


def _name(factors, order, k, d, row_orbits, col_orbits) -> str:
    if order == 1:
        return "1"
    if factors is None:
        if order < 10**6 and all(order % p for p in range(2, math.isqrt(order) + 1)):
            return f"C_{order}"  # a group of prime order is cyclic
        rs = "+".join(str(len(o)) for o in row_orbits)
        cs = "+".join(str(len(o)) for o in col_orbits)
        return f"G(order={order}; row orbits {rs}; col orbits {cs})"
    single = [f for f in factors if len(f["rows"]) + len(f["cols"]) == 1]
    simple_diag = [f for f in factors if len(f["rows"]) == 1 and len(f["cols"]) == 1]
    other = [f for f in factors if f not in single and f not in simple_diag]
    fixed_rows = sum(1 for o in row_orbits if len(o) == 1)
    fixed_cols = sum(1 for o in col_orbits if len(o) == 1)
    parts = [_factorial_name(f["size"]) for f in single]
    parts += ["Δ" + _factorial_name(f["size"]) for f in other]
    if simple_diag:
        sizes = [f["size"] for f in simple_diag] + [1] * min(fixed_rows, fixed_cols)
        if len(sizes) == 1:
            parts.append(f"ΔS_{sizes[0]}")
        else:
            parts.append("Δ(" + "×".join(f"S_{s}" for s in sizes) + ")")
    return "×".join(parts)


class CellOrbits(Sequence):
    """The H-orbits on cells, stored as a ``(k, d)`` array of orbit labels.

    Behaves as the list of orbits (each a row-major sorted list of ``(i, j)``,
    orbits sorted by their first cell, as :func:`orbits_on_cells` returns);
    ``len`` (= ``dim Fix(H)``) and :attr:`labels` cost nothing, the lists are
    built on first use (at d = 5000 they are 25 million tuples).
    """

    def __init__(self, labels: np.ndarray):
        flat = labels.ravel()
        m = int(flat.max()) + 1
        first = np.full(m, flat.size, dtype=np.int64)
        first[flat[::-1]] = np.arange(flat.size - 1, -1, -1)  # last write wins: the first cell
        used = first < flat.size
        rank = np.full(m, -1, dtype=np.int64)
        rank[np.flatnonzero(used)[np.argsort(first[used], kind="stable")]] = np.arange(int(used.sum()))
        self.labels = rank[flat].reshape(labels.shape)  # orbit t = the t-th by first cell
        self._lists = None

    def __len__(self) -> int:
        return int(self.labels.max()) + 1 if self.labels.size else 0

    def _build(self):
        if self._lists is None:
            k, d = self.labels.shape
            flat = self.labels.ravel()
            order = np.argsort(flat, kind="stable")  # row-major inside each orbit
            cuts = np.flatnonzero(np.diff(flat[order])) + 1
            self._lists = [[(int(c) // d, int(c) % d) for c in part] for part in np.split(order, cuts)]
        return self._lists

    def __getitem__(self, t):
        return self._build()[t]

    def __iter__(self):
        return iter(self._build())

    def __eq__(self, other):
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"CellOrbits({len(self)} orbits on {self.labels.shape[0]}x{self.labels.shape[1]} cells)"


def _cell_orbit_labels(C: np.ndarray, gens, sparse, rep, method: str, stab_searcher=None) -> np.ndarray:
    """Orbit label of every cell, in ``O(k d)`` plus one stabiliser search per
    non-trivial row orbit.

    For a row orbit O with representative r, the cells of ``O × columns`` fall
    into orbits like the columns under the stabiliser ``H_r`` (its point orbits
    come from the search with r individualised): ``(i, j) = g·(r, g⁻¹ j)`` for
    any ``g`` with ``g r = i``.  Such a g for every ``i ∈ O`` (a Schreier
    transversal) is grown along the generators that move each point, and only
    ``g⁻¹`` on the columns is kept.
    """
    k, d = C.shape
    moved, index = sparse
    rep = np.asarray(rep)
    labels = np.empty((k, d), dtype=np.int64)
    col_ids = np.unique(rep[k:], return_inverse=True)[1]
    base = 0
    row_orbits: dict[int, list[int]] = {}
    for i in range(k):
        row_orbits.setdefault(int(rep[i]), []).append(i)
    for O in sorted(row_orbits.values()):
        r = O[0]
        if len(O) == 1:
            labels[r] = base + col_ids
            base += int(col_ids.max()) + 1
            continue
        first = getattr(stab_searcher, "first_stabiliser", None)
        if first is not None and first[0] in O:
            r = first[0]  # the main search's stabiliser chain already has H_r
            rep_r = first[1]
        else:
            _, _, _, rep_r = _search(C, method, start=r)
        ids = np.unique(np.asarray(rep_r)[k:], return_inverse=True)[1]
        cmap = {r: np.arange(d, dtype=np.int32)}  # g_i^{-1} on columns
        labels[r] = base + ids
        queue = [r]
        while queue:
            i = queue.pop()
            for t in index.get(i, ()):
                g = gens[t]
                x = int(g[i])
                if x in cmap:
                    continue
                mv, img = moved[t]
                cols = mv >= k
                c = cmap[i].copy()
                c[img[cols] - k] = cmap[i][mv[cols] - k]  # g_x^{-1} = g_i^{-1} ∘ g^{-1}
                cmap[x] = c
                labels[x] = base + ids[c]
                queue.append(x)
        if len(cmap) != len(O):
            raise RuntimeError("internal error: transversal does not cover the row orbit")
        base += int(ids.max()) + 1
    return labels


def _product_generators(factors, k: int, d: int):
    """Two generators per factor of a recognised ``Π S_m``: the transposition of
    positions 0, 1 and the m-cycle (for m ≥ 3), acting at once on every row and
    column orbit of the factor (they generate S_m, Coxeter–Moser)."""
    out = []
    for f in factors:
        m = f["size"]
        cycles = [[0, 1]] + ([list(range(m))] if m >= 3 else [])
        for cyc in cycles:
            pi, rho = np.arange(k), np.arange(d)
            shift = cyc[1:] + cyc[:1]
            for orb in f["rows"]:
                pi[[orb[a] for a in cyc]] = [orb[b] for b in shift]
            for orb in f["cols"]:
                rho[[orb[a] for a in cyc]] = [orb[b] for b in shift]
            out.append((pi, rho))
    return out


def _dense_labels(C: np.ndarray) -> np.ndarray:
    """Relabel the colours ``0, 1, …`` in increasing order (``O(k d)`` for small
    integer colours, a sort otherwise)."""
    if np.issubdtype(C.dtype, np.integer):
        lo, hi = int(C.min()), int(C.max())
        if hi - lo <= 4 * C.size:
            present = np.zeros(hi - lo + 1, dtype=np.int64)
            present[(C - lo).ravel()] = 1
            if lo == 0 and present.all() and C.dtype == np.int64:
                return C  # already 0, 1, …: no copy
            return (np.cumsum(present) - 1)[C - lo].astype(np.int64)
    return np.unique(C, return_inverse=True)[1].reshape(C.shape).astype(np.int64)


def group_from_colours(C, method: str = "worklist") -> Isotropy:
    """The isotropy group of an integer colour matrix (equal colours = equal entries).

    This is :func:`isotropy` after the entries have been classified; it is the
    entry point for callers that already have a colouring of the cells (e.g.
    :mod:`symmetry.subgroups`).

    ``method="worklist"`` (default): near-linear refinement
    (:class:`_WorklistSearcher`), cell orbits from stabilisers and a transversal,
    and -- when H is recognised as a product of symmetric groups -- two
    generators per factor (checked on C).  ``method="passes"``: the reference
    implementation (full refinement passes, cell orbits from all generators).
    Both give the same group, orbits, ``fix_dim``, name and factors.

    Examples
    --------
    >>> group_from_colours([[0, 1], [1, 0]]).name
    'ΔS_2'
    """
    if method not in ("worklist", "passes"):
        raise InputError(f"method must be 'worklist' or 'passes', got {method!r}")
    C = np.asarray(C)
    if C.ndim != 2 or C.size == 0:
        raise InputError(f"colour matrix must be a non-empty 2-D array, got shape {C.shape}")
    C = _dense_labels(C)
    k, d = C.shape
    S, gens, order, rep = _search(C, method)
    groups: dict[int, list[int]] = {}
    for x in range(k + d):
        groups.setdefault(rep[x], []).append(x)
    row_orbits = sorted(o for o in groups.values() if o[0] < k)
    col_orbits = sorted([c - k for c in o] for o in groups.values() if o[0] >= k)
    if method == "passes":
        generators = []
        for g in gens:
            pi, rho = S.as_element(g)
            generators.append((tuple(int(x) for x in pi), tuple(int(x) for x in rho)))
        cells = orbits_on_cells(generators, k, d)
        factors = _recognise(S, gens, order, rep) if order > 1 else []
    else:
        sparse = _sparse_generators(gens, k + d)
        cells = CellOrbits(_cell_orbit_labels(C, gens, sparse, rep, method, S))
        factors = _recognise(S, gens, order, rep, sparse) if order > 1 else []
        elements = None
        if factors:
            elements = _product_generators(factors, k, d)
            if not all(S.is_automorphism(np.concatenate([p, r + k])) for p, r in elements):
                elements = None  # pragma: no cover - recognition guarantees it; keep the search's
        if elements is None:
            elements = [S.as_element(np.asarray(g, dtype=np.int64)) for g in gens]
        generators = [(tuple(p.tolist()), tuple(r.tolist())) for p, r in elements]
    name = _name(factors, order, k, d, row_orbits, col_orbits)
    return Isotropy(k, d, order, generators, row_orbits, col_orbits, cells, name,
                    factors, extra={"colours": C})


def isotropy(W, tol=None, method: str = "worklist") -> Isotropy:
    """Isotropy group ``Γ_W = {(π,ρ) ∈ S_k × S_d : P_π W P_ρᵀ = W}``.

    Parameters
    ----------
    W : array_like, shape (k, d)
        Rows are neurons.  numpy float/int array, or an object array / nested
        list of ``int``, ``Fraction``, sympy or mpmath numbers.
    tol : float or None
        Relative tolerance for comparing entries; ``None``: exact for exact
        entries, ``1e-9`` for float64 (see the module docstring).
    method : {"worklist", "passes"}
        Near-linear search (default) or the reference implementation; both
        return the same group, orbits, ``fix_dim``, name and factors.

    Returns
    -------
    Isotropy
        Exact order, generators (each checked to fix W), orbits on rows,
        columns and cells, ``fix_dim``, structural name and product factors.

    Raises
    ------
    InputError
        Bad shape or non-finite entries.
    OutOfReachError
        If the exhaustive part of the search exceeds its budget.

    Examples
    --------
    Type A shape at d = 4 (Safran–Shamir; Arjevani & Field 2003.10576):

    >>> import numpy as np
    >>> d = 4
    >>> W = 0.9 * np.eye(d) - 0.1 * (np.ones((d, d)) - np.eye(d))
    >>> W[-1, :] = 0.3; W[:, -1] = 0.2; W[-1, -1] = -0.5
    >>> H = isotropy(W)
    >>> H.order, H.name, H.fix_dim
    (6, 'Δ(S_3×S_1)', 5)

    Exact entries:

    >>> from fractions import Fraction as F
    >>> isotropy([[F(1, 3), F(1, 3)], [F(1, 3), F(1, 3)]]).name
    'S_2×S_2'
    """
    C, mode = value_classes(W, tol)
    H = group_from_colours(C, method)
    H.extra["comparison"] = mode
    return H


def fixed_point_space(H: Isotropy) -> np.ndarray:
    """Basis of ``Fix(H) = {W : h·W = W for all h in H}``: orbit indicator matrices.

    Returns
    -------
    numpy.ndarray of int, shape (fix_dim, k, d)

    Examples
    --------
    >>> fixed_point_space(diagonal_partition_group((3, 1))).shape
    (5, 4, 4)
    """
    return H.fixed_point_basis()


def diagonal_partition_group(partition, k: int | None = None) -> Isotropy:
    """``Δ(S_{p1}×…×S_{pm})`` acting on M(k, d), ``d = Σ p``.

    Rows and columns are split into consecutive blocks of sizes ``p1, p2, …``;
    ``S_{pi}`` permutes block i of the rows and block i of the columns by the
    same permutation.  For ``k > d`` the extra rows ``d, …, k-1`` are fixed.

    Parameters
    ----------
    partition : sequence of int
        Block sizes in the order they occupy rows/columns.
    k : int or None
        Number of rows (default ``d``); must be ``≥ d``.

    Returns
    -------
    Isotropy
        Built as the isotropy group of a representative point of Fix whose
        values are distinct on distinct orbits, so every field is computed
        by the same code as :func:`isotropy`.

    Examples
    --------
    >>> H = diagonal_partition_group((5, 1))
    >>> H.name, H.order, H.fix_dim
    ('Δ(S_5×S_1)', 120, 5)
    >>> diagonal_partition_group((2, 2)).fix_dim
    6
    """
    parts = [int(p) for p in partition]
    if not parts or any(p <= 0 for p in parts):
        raise InputError(f"partition must have positive parts, got {partition!r}")
    d = sum(parts)
    k = d if k is None else int(k)
    if k < d:
        raise InputError(f"k = {k} must be at least d = sum(partition) = {d}")
    block = np.repeat(np.arange(len(parts)), parts)
    m = len(parts)
    C = np.empty((k, d), dtype=np.int64)
    for i in range(k):
        for j in range(d):
            if i < d:
                C[i, j] = 2 * (block[i] * m + block[j]) + (i == j)
            else:
                C[i, j] = 2 * m * m + (i - d) * m + block[j]
    return group_from_colours(C)
