"""Isotropy types of S_k × S_d from their Goursat structure, without listing S_k × S_d.

The simplest call:

>>> from symmetry.goursat import isotropy_types
>>> sorted(t.order for t in isotropy_types(2, 2))
[1, 2, 2, 2, 4]

An isotropy subgroup K of Γ = S_k × S_d is the stabiliser of a colouring of
the k×d cells, and K is the stabiliser of its own orbit partition P ("P is
closed").  Goursat's lemma describes a subgroup of a direct product by its two
kernels and an isomorphism between the quotients; for isotropy subgroups this
becomes very concrete:

* the row kernel ``K ∩ (S_k × 1)`` of the stabiliser of P is the Young
  subgroup ``S_λ`` that permutes identical rows of P (rows with the same class
  in every column); likewise ``K ∩ (1 × S_d) = S_μ`` for identical columns;
* collapsing each block of identical rows and of identical columns to one
  row/column (weights ``w``, ``w'`` = block sizes) leaves an r×s partition c
  with pairwise distinct rows and columns, and ``K = (S_λ × S_μ) ⋊ D`` where D
  is the stabiliser of c in S_r × S_s; D meets ``S_r × 1`` and ``1 × S_s``
  trivially, so D is the graph ``{(u, θ(u)) : u ∈ U}`` of a faithful
  permutation representation θ of a group ``U ≤ S_r`` on the s columns;
* c is the orbit partition of D and is closed in S_r × S_s; conversely every
  such (c, w, w') with w, w' constant on the D-orbits of rows and columns
  gives an isotropy subgroup, of order ``|U| · Π w_i! · Π w'_j!``.

A faithful permutation representation of U of degree s is, up to conjugacy
in S_s, a disjoint union of coset spaces ``U/H`` (one per column orbit) with
total size s and trivial intersection of the cores of the H.  So the
enumeration runs over

1. r ≤ k, s ≤ d, U a subgroup of S_r up to conjugacy
   (:func:`symmetry.permgroups.symmetric_group`), and multisets of U-classes
   of subgroups H with ``Σ [U:H] = s``: the graph D;
2. those D whose orbit partition c is closed (``|Stab(c)| = |U|``, the
   stabiliser order from :func:`symmetry.isotropy` by individualisation-
   refinement);
3. weights w, w' constant on D-orbits with ``Σ w = k``, ``Σ w' = d``: the
   inflated partition P of the k×d cells.

Each class is produced once: two graphs with the same U are conjugate iff
their multisets of U-classes differ by the twist of an element of
N_{S_r}(U) (orbits of the normaliser on multisets), and two weightings of one c
give conjugate groups iff they differ by the setwise stabiliser of c.  The
exact canonical form of the inflated partition (:func:`partition_form`,
McKay's individualisation-refinement in :mod:`symmetry.canonical`) is the
class's key; a repeated key would raise.  The largest group listed is
S_max(k,d) (at most 720 elements); nothing of size k!·d! is listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canonical import canonical_form
from .errors import InputError
from .isotropy import _search
from .permgroups import MAX_DEGREE, symmetric_group

__all__ = ["IsotropyType", "isotropy_types", "partition_form", "PartitionForm"]


@dataclass(frozen=True)
class PartitionForm:
    """Canonical form of a partition of the k×d cells under S_k × S_d (classes unlabelled).

    Attributes
    ----------
    labels : tuple of int
        Row-major class labels of a canonical member of the orbit, relabelled by
        first appearance: equal for two partitions iff one is ``(π,ρ)`` of the other.
    setwise_order : int
        Order of the setwise stabiliser ``{g : g·P = P}`` (classes may be permuted),
        i.e. of the normaliser of the isotropy group when P is closed.
    """

    labels: tuple
    setwise_order: int


def partition_form(labels, k: int, d: int) -> PartitionForm:
    """Canonical form of a partition of the cells of a k×d matrix, up to S_k × S_d.

    Identical rows (same class in every column) are collapsed to one row of
    weight = their number, likewise columns: a partition c of r×s cells with
    distinct rows and columns and weights w, w'.  Two partitions are in one
    orbit iff their collapsed forms are, by a row/column permutation that keeps
    the weights.  The collapsed form is encoded as an incidence matrix: its
    rows are the r rows, the s columns and the m classes, its columns the r·s
    cells, with entry ``10 + w_i`` (row i contains the cell), ``20 + w'_j``
    (column j contains it), 3 (the class contains it); permuting rows and
    columns of the encoding while keeping the entries is exactly a weighted
    row/column permutation of c and a relabelling of its classes.  The exact
    canonical form of the encoding (:func:`symmetry.canonical.canonical_form`)
    is decoded and inflated back to a k×d partition.

    Parameters
    ----------
    labels : array_like of int, k·d entries (row-major) or shape (k, d)
    k, d : int

    Returns
    -------
    PartitionForm

    Examples
    --------
    >>> a = partition_form([[0, 1], [1, 1]], 2, 2)
    >>> b = partition_form([[5, 5], [5, 7]], 2, 2)   # same shape, other place, other labels
    >>> a == b, a.setwise_order
    (True, 1)
    """
    lab = np.unique(np.asarray(labels).reshape(k * d), return_inverse=True)[1].reshape(k, d)
    _, first_row, wr = np.unique(lab, axis=0, return_index=True, return_counts=True)
    _, first_col, wc = np.unique(lab, axis=1, return_index=True, return_counts=True)
    c = lab[np.ix_(first_row, first_col)]
    r, s = c.shape
    inv = np.unique(c.ravel(), return_inverse=True)[1].ravel()
    m, n = int(inv.max()) + 1, r * s
    cells = np.arange(n)
    M = np.zeros((r + s + m, n), dtype=np.int64)
    M[cells // s, cells] = 10 + wr[cells // s]
    M[r + cells % s, cells] = 20 + wc[cells % s]
    M[r + s + inv, cells] = 3
    f = canonical_form(M)
    pos = np.asarray(f.row_perm)
    order_rows = np.argsort(pos[:r])          # collapsed rows in canonical order
    order_cols = np.argsort(pos[r:r + s])
    rank_cls = np.argsort(np.argsort(pos[r + s:]))
    C = rank_cls[inv].reshape(r, s)[np.ix_(order_rows, order_cols)]
    P = C[np.ix_(np.repeat(np.arange(r), wr[order_rows]), np.repeat(np.arange(s), wc[order_cols]))]
    setwise = int(f.aut_order)
    for w in list(wr) + list(wc):
        setwise *= math.factorial(int(w))
    return PartitionForm(_first_occurrence(P.ravel()), setwise)


def _first_occurrence(flat) -> tuple:
    seen: dict = {}
    return tuple(seen.setdefault(int(x), len(seen)) for x in flat)


@dataclass
class IsotropyType:
    """One conjugacy class of isotropy subgroups of S_k × S_d.

    Attributes
    ----------
    partition : tuple of int
        ``partition_form(...).labels``: canonical orbit partition of a representative.
    order : int
        ``|U| · Π w_i! · Π w'_j!`` from the structure (checked against the
        stabiliser order of ``partition``).
    setwise_order : int
        Order of the normaliser (setwise stabiliser of the partition).
    """

    partition: tuple
    order: int
    setwise_order: int


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _orbit_labels(gens, r: int, s: int) -> np.ndarray:
    """Orbit partition (min-cell labels) on the r×s cells of the group generated by (π, ρ) pairs."""
    uf = _UnionFind(r * s)
    for pi, rho in gens:
        for i in range(r):
            for j in range(s):
                uf.union(i * s + j, int(pi[i]) * s + int(rho[j]))
    return np.array([uf.find(c) for c in range(r * s)], dtype=np.int64)


def _point_orbits(perms, n: int) -> list:
    uf = _UnionFind(n)
    for p in perms:
        for x in range(n):
            uf.union(x, int(p[x]))
    groups: dict = {}
    for x in range(n):
        groups.setdefault(uf.find(x), []).append(x)
    return list(groups.values())


@dataclass
class _Rep:
    """A U-class of subgroups H ≤ U: its index and the action of U's generators on U/H."""

    index: int
    core: np.ndarray       # mask over S_r of the core of H in U
    gen_perms: list        # one permutation of the cosets per generator of U


def _subgroup_classes_in(G, u: int, max_index: int):
    """U-conjugacy classes of subgroups H ≤ U = G.subgroups[u] with [U:H] ≤ max_index.

    Returns the classes (list of :class:`_Rep`), one subgroup number per class, and a dict
    subgroup number → class.
    """
    U = G.subgroups[u]
    order_u = int(U.sum())
    members = np.flatnonzero(U)
    gens = G.generators[u]
    key_index = _key_index(G)
    inside = [h for h, H in enumerate(G.subgroups)
              if order_u % int(H.sum()) == 0 and order_u // int(H.sum()) <= max_index and not (H & ~U).any()]
    class_of: dict = {}
    reps = []
    for h in inside:
        if h in class_of:
            continue
        orbit, queue = {h}, [h]
        while queue:  # conjugates of H by U (its generators suffice)
            x = queue.pop()
            for g in gens:
                y = key_index[G.conjugate(G.subgroups[x], g).tobytes()]
                if y not in orbit:
                    orbit.add(y)
                    queue.append(y)
        for y in orbit:
            class_of[y] = len(reps)
        H = G.subgroups[h]
        index = order_u // int(H.sum())
        # left cosets xH: coset number of every element of U
        coset_of = np.full(len(G.elements), -1, dtype=np.int64)
        reps_ = []
        for x in members:
            if coset_of[x] < 0:
                coset_of[G.mul[x, np.flatnonzero(H)]] = len(reps_)
                reps_.append(int(x))
        core = U.copy()
        for y in orbit:
            core &= G.subgroups[y]
        perms = [coset_of[G.mul[g, reps_]] for g in gens]
        reps.append((h, _Rep(index, core, perms)))
    return [rep for _, rep in reps], [h for h, _ in reps], class_of


_KEY_INDEX: dict = {}


def _key_index(G) -> dict:
    got = _KEY_INDEX.get(G.n)
    if got is None:
        got = {m.tobytes(): t for t, m in enumerate(G.subgroups)}
        _KEY_INDEX[G.n] = got
    return got


def _normaliser_generators(G, u: int) -> list:
    """Generators (element numbers) of N_{S_r}(U), U = G.subgroups[u]."""
    U, gens = G.subgroups[u], G.generators[u]
    normal = np.ones(len(G.elements), dtype=bool)
    allg = np.arange(len(G.elements))
    for x in gens:  # g U g⁻¹ ⊆ U (hence = U) iff it holds for the generators
        normal &= U[G.mul[G.mul[allg, x], G.inv[allg]]]
    out, span = list(gens), G.closure(gens)
    for g in np.flatnonzero(normal):
        if not span[g]:
            out.append(int(g))
            span = G.closure(out)
    return out


def _multisets(reps: list, total: int, start: int = 0):
    """Multisets (index lists, non-decreasing) of reps with Σ index = total."""
    if total == 0:
        yield []
        return
    for t in range(start, len(reps)):
        if reps[t].index <= total:
            for rest in _multisets(reps, total - reps[t].index, t):
                yield [t] + rest


def _weightings(orbits: list, total: int):
    """Positive weights, one per orbit, with Σ |orbit|·w = total."""
    if not orbits:
        if total == 0:
            yield []
        return
    size = len(orbits[0])
    rest_min = sum(len(o) for o in orbits[1:])
    for w in range(1, (total - rest_min) // size + 1):
        for tail in _weightings(orbits[1:], total - size * w):
            yield [w] + tail


def _orbit_reps(items, moves) -> list:
    """One item per orbit of the group generated by the maps ``moves`` (item -> item)."""
    seen, out = set(), []
    for it in items:
        if it in seen:
            continue
        out.append(it)
        seen.add(it)
        queue = [it]
        while queue:
            x = queue.pop()
            for f in moves:
                y = f(x)
                if y not in seen:
                    seen.add(y)
                    queue.append(y)
    return out


@dataclass
class ReducedType:
    """A closed partition c of r×s cells with distinct rows and columns (up to S_r × S_s).

    ``labels`` (r×s ints) is the orbit partition of ``D = {(u, θ(u)) : u ∈ U}``,
    ``order = |D| = |U|``; ``row_orbits``, ``col_orbits`` are the orbits of D;
    :meth:`setwise` gives generators of the setwise stabiliser of c.
    """

    labels: np.ndarray
    order: int
    row_orbits: list
    col_orbits: list

    def setwise(self) -> list:
        """Generators ``(π, ρ)`` of ``{g ∈ S_r × S_s : g·c = c as a partition}``."""
        return _setwise_generators(self.labels)


def reduced_closed(r: int, s: int) -> list:
    """Closed partitions of r×s cells with pairwise distinct rows and columns, up to S_r × S_s.

    One per conjugacy class of subgroups D ≤ S_r × S_s that are graphs of
    faithful representations (U ≤ S_r up to conjugacy, a faithful U-set of size
    s up to isomorphism and the twist by N_{S_r}(U)) and are closed.

    Returns
    -------
    list of ReducedType

    Examples
    --------
    >>> [(t.labels.tolist(), t.order) for t in reduced_closed(2, 2)]
    [([[0, 1], [2, 3]], 1), ([[0, 1], [1, 0]], 2)]
    """
    out = []
    G = symmetric_group(r)
    key_index = _key_index(G)
    for u in G.class_reps:
        U = G.subgroups[u]
        order_u = int(U.sum())
        gens = G.generators[u]
        row_perms = [G.elements[g] for g in gens]
        reps, rep_index, class_of = _subgroup_classes_in(G, u, s)
        # N(U) permutes the U-classes of subgroups: H -> n H n⁻¹
        moves = []
        for n_ in _normaliser_generators(G, u):
            image = [class_of[key_index[G.conjugate(G.subgroups[h], n_).tobytes()]] for h in rep_index]
            moves.append(lambda ms, image=image: tuple(sorted(image[t] for t in ms)))
        candidates = [tuple(ms) for ms in _multisets(reps, s)]
        for ms in _orbit_reps(candidates, moves):
            core = U.copy()
            for t in ms:
                core &= reps[t].core
            if core.sum() != 1:
                continue  # not faithful on the columns
            col_perms, offset = [np.zeros(0, dtype=np.int64) for _ in gens], 0
            for t in ms:
                col_perms = [np.concatenate([cp, p + offset]) for cp, p in zip(col_perms, reps[t].gen_perms)]
                offset += reps[t].index
            labels = np.unique(_orbit_labels(list(zip(row_perms, col_perms)), r, s),
                               return_inverse=True)[1].reshape(r, s)
            if _search(labels)[2] != order_u:
                continue  # not closed (or rows/columns not distinct)
            out.append(ReducedType(labels, order_u, _point_orbits(row_perms, r), _point_orbits(col_perms, s)))
    return out


def _setwise_generators(c: np.ndarray) -> list:
    """Generators ``(π, ρ)`` of ``{g ∈ S_r × S_s : g·c = c as a partition}`` (automorphisms of
    the incidence encoding rows ⊔ columns ⊔ classes versus cells)."""
    r, s = c.shape
    inv = c.ravel()
    cells = np.arange(r * s)
    M = np.zeros((r + s + int(inv.max()) + 1, r * s), dtype=np.int64)
    M[cells // s, cells] = 1
    M[r + cells % s, cells] = 2
    M[r + s + inv, cells] = 3
    _, gens, _, _ = _search(M)
    return [(np.asarray(g[:r], dtype=np.int64), np.asarray(g[r:r + s], dtype=np.int64) - r) for g in gens]


def isotropy_types(k: int, d: int) -> list:
    """All conjugacy classes of isotropy subgroups of S_k × S_d (k, d ≤ MAX_DEGREE).

    Parameters
    ----------
    k, d : int
        Matrix shape (rows are neurons), ``1 ≤ k, d ≤ 6``.

    Returns
    -------
    list of IsotropyType
        One per class, in no particular order.

    Raises
    ------
    InputError
        If k or d is outside ``1..MAX_DEGREE``.

    Examples
    --------
    >>> sorted(t.order for t in isotropy_types(1, 3))
    [1, 2, 6]
    """
    for name, v in (("k", k), ("d", d)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= MAX_DEGREE:
            raise InputError(f"{name} must be an integer in 1..{MAX_DEGREE}, got {str(v)[:30]}")
    k, d = int(k), int(d)
    found: dict = {}
    for r in range(1, k + 1):
        for s in range(1, d + 1):
            for t in reduced_closed(r, s):
                # weights constant on D-orbits, up to the setwise stabiliser of c
                combos = [(_spread(t.row_orbits, w, r), _spread(t.col_orbits, w2, s))
                          for w in _weightings(t.row_orbits, k) for w2 in _weightings(t.col_orbits, d)]
                for wr, wc in _weighting_reps(t, combos):
                    P = t.labels[np.ix_(np.repeat(np.arange(r), wr), np.repeat(np.arange(s), wc))]
                    form = partition_form(P, k, d)
                    if form.labels in found:  # cannot happen: the data above are classified exactly
                        raise AssertionError(f"isotropy type found twice: {form.labels}")
                    order = t.order
                    for x in wr + wc:
                        order *= math.factorial(x)
                    found[form.labels] = IsotropyType(form.labels, order, form.setwise_order)
    return list(found.values())


def _weighting_reps(t: ReducedType, combos: list) -> list:
    """One weighting per orbit of the setwise stabiliser of c (weights are moved with rows and
    columns).  Weightings with different invariants (multiset over rows of (sorted class sizes
    met by the row, weight), same over columns) are never equivalent; the stabiliser is only
    computed when two weightings share the invariant."""
    sizes = np.bincount(t.labels.ravel())[t.labels]
    row_sig = [tuple(sorted(x)) for x in sizes.tolist()]
    col_sig = [tuple(sorted(x)) for x in sizes.T.tolist()]
    groups: dict = {}
    for wr, wc in combos:
        key = (tuple(sorted(zip(row_sig, wr))), tuple(sorted(zip(col_sig, wc))))
        groups.setdefault(key, []).append((wr, wc))
    out, moves = [], None
    for members in groups.values():
        if len(members) == 1:
            out.extend(members)
            continue
        if moves is None:
            moves = [lambda x, pi=pi, rho=rho: (_moved(x[0], pi), _moved(x[1], rho)) for pi, rho in t.setwise()]
        out.extend(_orbit_reps(members, moves))
    return out


def _spread(orbits: list, weights: list, n: int) -> tuple:
    out = [0] * n
    for o, w in zip(orbits, weights):
        for x in o:
            out[x] = w
    return tuple(out)


def _moved(w: tuple, p) -> tuple:
    """Weights carried by the permutation p: the new weight of p[i] is w[i]."""
    out = [0] * len(w)
    for i, x in enumerate(w):
        out[int(p[i])] = x
    return tuple(out)


# --------------------------------------------------------------------------- inclusion

def projection_class(G, perms) -> int:
    """Conjugacy class (index into ``G.class_reps``) of the subgroup of S_n generated by ``perms``."""
    mask = G.closure([G.index_of(p) for p in perms])
    return G.class_of[_key_index(G)[mask.tobytes()]]


def _class_below(G) -> np.ndarray:
    """``below[a, b]``: a subgroup of class a lies in the representative of class b."""
    got = _BELOW.get(G.n)
    if got is None:
        masks = np.array(G.subgroups)
        got = np.zeros((len(G.class_reps), len(G.class_reps)), dtype=bool)
        cls = np.array(G.class_of)
        for b, rep in enumerate(G.class_reps):
            inside = ~(masks & ~G.subgroups[rep]).any(axis=1)
            got[np.unique(cls[inside]), b] = True
        _BELOW[G.n] = got
    return got


_BELOW: dict = {}


def projections_below(k: int, d: int, a, b) -> bool:
    """Necessary condition for a conjugate of A inside B: the row projections and the column
    projections are contained up to conjugacy.  ``a``, ``b``: (row class, column class)."""
    return bool(_class_below(symmetric_group(k))[a[0], b[0]] and _class_below(symmetric_group(d))[a[1], b[1]])


def conjugate_inside(PA, PB, first_rows=None) -> bool:
    """Whether a conjugate of A = Stab(PA) lies in B = Stab(PB), for closed partitions PA, PB.

    ``A^g ⊆ B`` iff the partition ``PB∘g`` is constant on the classes of PA
    (A then preserves the colouring PB∘g, whose stabiliser is a conjugate of B).
    Backtracking over g = (π, ρ): rows and columns are assigned alternately,
    every cell whose row and column are both assigned fixes the B-class of its
    A-class, and a contradiction cuts the branch.  Identical rows of PA (the
    row kernel of A, a Young subgroup) must go to identical rows of PB (it lies
    in the kernel of the conjugate of B); likewise columns.  The solutions are
    closed under left multiplication by B, so ``π(0)`` may run over one row per
    B-orbit (``first_rows``; default: every row).

    Examples
    --------
    >>> import numpy as np
    >>> diag = np.array([[0, 1], [1, 0]])          # ΔS_2
    >>> conjugate_inside(np.arange(4).reshape(2, 2), diag), conjugate_inside(diag, np.zeros((2, 2)))
    (True, True)
    >>> conjugate_inside(diag, np.array([[0, 0], [1, 1]]))   # ΔS_2 is not inside S_2 (cols)
    False
    """
    PA, PB = np.asarray(PA), np.asarray(PB)
    k, d = PA.shape
    A = np.unique(PA.ravel(), return_inverse=True)[1].reshape(k, d)
    B = np.unique(PB.ravel(), return_inverse=True)[1].reshape(k, d)
    prev_rA, prev_cA = _previous_in_block(A), _previous_in_block(A.T)
    block_rB, block_cB = _block_ids(B), _block_ids(B.T)
    A, Bm = A.tolist(), B.tolist()
    val = [-1] * (max(max(r) for r in A) + 1)
    pi, rho = [-1] * k, [-1] * d
    used_r, used_c = [False] * k, [False] * d
    order = []
    for t in range(max(k, d)):
        if t < k:
            order.append((0, t))
        if t < d:
            order.append((1, t))
    first = list(range(k)) if first_rows is None else [int(x) for x in first_rows]

    def place(cells) -> list | None:
        changed = []
        for a, b in cells:
            if val[a] < 0:
                val[a] = b
                changed.append(a)
            elif val[a] != b:
                for x in changed:
                    val[x] = -1
                return None
        return changed

    def rec(depth: int) -> bool:
        if depth == len(order):
            return True
        kind, t = order[depth]
        if kind == 0:
            p = prev_rA[t]
            for x in (first if depth == 0 else range(k)):
                if used_r[x] or (p >= 0 and block_rB[x] != block_rB[pi[p]]):
                    continue
                changed = place([(A[t][j], Bm[x][rho[j]]) for j in range(d) if rho[j] >= 0])
                if changed is None:
                    continue
                pi[t], used_r[x] = x, True
                if rec(depth + 1):
                    return True
                pi[t], used_r[x] = -1, False
                for a in changed:
                    val[a] = -1
        else:
            p = prev_cA[t]
            for y in range(d):
                if used_c[y] or (p >= 0 and block_cB[y] != block_cB[rho[p]]):
                    continue
                changed = place([(A[i][t], Bm[pi[i]][y]) for i in range(k) if pi[i] >= 0])
                if changed is None:
                    continue
                rho[t], used_c[y] = y, True
                if rec(depth + 1):
                    return True
                rho[t], used_c[y] = -1, False
                for a in changed:
                    val[a] = -1
        return False

    return rec(0)


def _previous_in_block(M: np.ndarray) -> list:
    """For each row of M: the previous identical row, or -1."""
    last: dict = {}
    out = []
    for i, row in enumerate(M.tolist()):
        key = tuple(row)
        out.append(last.get(key, -1))
        last[key] = i
    return out


def _block_ids(M: np.ndarray) -> list:
    """For each row of M: the number of its block of identical rows."""
    ids: dict = {}
    return [ids.setdefault(tuple(row), len(ids)) for row in M.tolist()]


def young_below(la, lb) -> bool:
    """Whether the Young subgroup S_la lies in a conjugate of S_lb (la, lb: block sizes of one
    set): the parts of la can be grouped to give the parts of lb.

    Examples
    --------
    >>> young_below([2, 1, 1], [3, 1]), young_below([2, 2], [3, 1])
    (True, False)
    """
    la = sorted((int(x) for x in la if x > 1), reverse=True)
    bins = sorted((int(x) for x in lb), reverse=True)

    def fit(i: int) -> bool:
        if i == len(la):
            return True
        seen = set()
        for j, room in enumerate(bins):
            if room >= la[i] and room not in seen:
                seen.add(room)
                bins[j] -= la[i]
                if fit(i + 1):
                    return True
                bins[j] += la[i]
        return False

    return fit(0)
