"""Isotropy subgroups of Γ = S_k × S_d acting on M(k,d), up to conjugacy.

The simplest call:

>>> from symmetry.subgroups import subgroups
>>> lat = subgroups(2, 2)
>>> [(c.order, c.fix_dim, c.name) for c in lat.classes]
[(4, 1, 'S_2×S_2'), (2, 2, 'S_2(cols)'), (2, 2, 'S_2(rows)'), (2, 2, 'ΔS_2'), (1, 4, '1')]

Isotropy subgroups are the stabilisers of colourings of the k×d cells
(Arjevani & Field, arXiv 2003.10576, Section 3).  An isotropy subgroup K is
the stabiliser of its own orbit partition Q, so isotropy subgroups correspond
to *closed* partitions of the cells and conjugacy classes to Γ-orbits of
closed partitions.

Two methods give the same output (classes, representatives, names, Hasse
diagram; checked in tests/symmetry/test_subgroups_goursat.py):

``method="goursat"`` (default, ``k, d ≤ MAX_SIDE = 6``): the classes from their
structure, :func:`symmetry.goursat.isotropy_types` -- K is the Young subgroup of
identical rows and columns extended by the graph of a faithful permutation
representation of a subgroup U ≤ S_r, enumerated from the subgroup tables of
S_n, n ≤ 6 (:mod:`symmetry.permgroups`); no listing of S_k × S_d.  The lattice
(for ``k·d ≤ MAX_LATTICE_CELLS``) by a backtracking test of ``A^g ⊆ B``
(:func:`symmetry.goursat.conjugate_inside`) after cheap necessary conditions.

``method="elements"`` (the reference, ``k!·d! ≤ MAX_GROUP_ORDER``), an upward
search over closed partitions:

* start from the trivial group (the discrete partition);
* from a class representative K with orbit partition Q and every g ∈ Γ, the
  smallest isotropy subgroup containing ⟨K, g⟩ is the stabiliser of the join
  of Q with the cycles of g (the orbit partition of ⟨K, g⟩, which is closed);
  every isotropy subgroup above K is reached by a chain of such steps, and
  every covering relation K ⊂ K' is one step;
* each new partition is brought to a canonical form under Γ (lexicographically
  least relabelled colouring over all of Γ, vectorised with numpy), which
  identifies conjugacy classes.

The inclusion lattice of classes (``[A] ≤ [B]`` when a conjugate of A lies in
B) is the transitive reduction of the steps.  The elements of Γ are listed
explicitly, so this method is limited to ``k!·d! ≤ MAX_GROUP_ORDER`` (all
k, d ≤ 4 and k = d = 5); larger sizes raise :class:`OutOfReachError`.

Both methods finish alike: each class is represented by the canonical form of
its partition (:func:`symmetry.goursat.partition_form`), classes are sorted by
decreasing order, increasing dim Fix, then that form.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError, OutOfReachError
from .goursat import (PartitionForm, conjugate_inside, isotropy_types, partition_form, projection_class,
                      projections_below, young_below)
from .isotropy import Isotropy, group_from_colours

__all__ = [
    "SubgroupClass",
    "SubgroupLattice",
    "subgroups",
    "group_elements",
    "canonical_partition",
    "write_dot",
    "write_graphml",
    "write_png",
    "MAX_GROUP_ORDER",
    "MAX_SIDE",
    "MAX_LATTICE_CELLS",
]

#: Largest |Γ| = k!·d! handled by ``method="elements"`` (k = d = 5).
MAX_GROUP_ORDER = 14400

#: Largest k and d handled by ``method="goursat"`` (tables of S_n for n ≤ 6).
MAX_SIDE = 6

#: Largest k·d for which ``method="goursat"`` computes the lattice by default.
MAX_LATTICE_CELLS = 36


@dataclass
class SubgroupClass:
    """A conjugacy class of isotropy subgroups, with a representative.

    Attributes
    ----------
    index : int
        Position in :attr:`SubgroupLattice.classes` (sorted by decreasing order).
    partition : tuple of int
        Canonical closed partition of the cells (:func:`symmetry.goursat.partition_form`; row-major, classes labelled by
        first appearance): the orbit partition of the representative.
    group : Isotropy
        The representative: generators, orbits, name (see :mod:`symmetry.isotropy`).
    class_size : int
        Number of conjugates, ``|Γ| / |N_Γ(K)|`` (number of distinct partitions in
        the Γ-orbit).
    """

    index: int
    partition: tuple
    group: Isotropy
    class_size: int
    #: Name shown for the class: the group's structural name, made distinct when
    #: several classes share it (see :func:`_distinct_names`).
    label: str | None = None

    @property
    def order(self) -> int:
        return self.group.order

    @property
    def fix_dim(self) -> int:
        return self.group.fix_dim

    @property
    def name(self) -> str:
        return self.label or self.group.name

    @property
    def generators(self):
        return self.group.generators

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "order": self.order,
            "fix_dim": self.fix_dim,
            "name": self.name,
            "generators": [[list(p), list(r)] for p, r in self.generators],
            "conjugates": self.class_size,
            "factors": self.group.factors,
            "partition": [list(self.partition[i * self.group.d:(i + 1) * self.group.d])
                          for i in range(self.group.k)],
        }


@dataclass
class SubgroupLattice:
    """All conjugacy classes of isotropy subgroups of S_k × S_d and their Hasse diagram.

    Attributes
    ----------
    k, d : int
    classes : list of SubgroupClass
        Sorted by decreasing order, then increasing fix_dim, then partition.
    hasse : networkx.DiGraph
        Nodes are class indices (attributes ``order``, ``fix_dim``, ``name``,
        ``generators`` as a JSON string); an edge ``A → B`` means a conjugate
        of B is a maximal isotropy subgroup of A.
    seconds : float
        Wall time of the enumeration.
    """

    k: int
    d: int
    classes: list
    hasse: object
    seconds: float
    #: False when the Hasse diagram was not computed (``hasse`` then has no edges).
    has_lattice: bool = True

    @property
    def count(self) -> int:
        return len(self.classes)

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "d": self.d,
            "count": self.count,
            "classes": [c.to_dict() for c in self.classes],
            "lattice": self.has_lattice,
            "hasse_edges": (sorted([int(a), int(b)] for a, b in self.hasse.edges)
                            if self.has_lattice else None),
        }


def group_elements(k: int, d: int) -> np.ndarray:
    """All of S_k × S_d as permutations of the flattened cells.

    Returns
    -------
    numpy.ndarray of int, shape (k!·d!, k·d)
        Row ``t`` maps cell ``c = i·d + j`` to ``π(i)·d + ρ(j)``; rows are in
        the order of ``itertools.product(permutations(k), permutations(d))``.

    Examples
    --------
    >>> group_elements(2, 1).tolist()
    [[0, 1], [1, 0]]
    """
    rows = np.array(list(itertools.permutations(range(k))), dtype=np.int64)
    cols = np.array(list(itertools.permutations(range(d))), dtype=np.int64)
    E = rows[:, None, :, None] * d + cols[None, :, None, :]
    return E.reshape(len(rows) * len(cols), k * d)


def _first_occurrence(L: np.ndarray) -> np.ndarray:
    """Relabel each row of L by order of first appearance (vectorised)."""
    m, n = L.shape
    first = np.full((m, n), n, dtype=np.int64)
    rows = np.arange(m)
    for p in range(n - 1, -1, -1):
        first[rows, L[:, p]] = p
    fpos = first[rows[:, None], L]               # first position of each entry's label
    isfirst = fpos == np.arange(n)[None, :]
    rank = np.cumsum(isfirst, axis=1) - 1        # rank of the label first seen at p
    return rank[rows[:, None], fpos]


def _lexmin_indices(A: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """Indices of the lexicographically least rows of A (all ties)."""
    if idx is None:
        idx = np.arange(A.shape[0])
    for p in range(A.shape[1]):
        col = A[idx, p]
        idx = idx[col == col.min()]
        if idx.size == 1:
            break
    return idx


def canonical_partition(labels, E: np.ndarray, shape=None) -> tuple:
    """Canonical form of a partition of the cells under the group with element table E.

    The form is the least, over all g, of the pair (class sizes of the cells of
    ``labels ∘ g``, first-appearance relabelling of ``labels ∘ g``) in
    lexicographic order; only its second component is returned (it determines
    the first).  The size vector is a cheap filter that leaves few g to relabel.

    Parameters
    ----------
    labels : sequence of int
        Class label of each flattened cell.
    E : numpy.ndarray
        Element table from :func:`group_elements`.
    shape : (k, d) or None
        When given, a finer cell invariant (same-class cells in the cell's row
        and column) is used as the filter; the form then depends on ``shape``
        being passed consistently.

    Returns
    -------
    tuple of int
        Equal exactly for partitions in one Γ-orbit.

    Examples
    --------
    >>> E = group_elements(2, 2)
    >>> canonical_partition([0, 1, 1, 0], E) == canonical_partition([1, 0, 0, 1], E)
    True
    """
    labels = np.asarray(labels, dtype=np.int64)
    _, inv, counts = np.unique(labels, return_inverse=True, return_counts=True)
    n = labels.size
    key = counts[inv]
    if shape is not None:
        # a Γ-invariant key per cell: (class size, class cells in its row, in its column)
        grid = inv.reshape(shape)
        same_row = (grid[:, :, None] == grid[:, None, :]).sum(axis=2).ravel()
        same_col = (grid[:, None, :] == grid[None, :, :]).sum(axis=0).ravel()
        key = (key * (n + 1) + same_row) * (n + 1) + same_col
    idx = _lexmin_indices(-key[E])
    L = _first_occurrence(labels[E[idx]])
    return tuple(int(x) for x in L[_lexmin_indices(L)[0]])


def _joins(Q: np.ndarray, classes, E: np.ndarray, Einv: np.ndarray) -> np.ndarray:
    """Orbit partitions (min-cell labels) of ⟨K, g⟩ for every g in E; K has orbit partition Q."""
    n = Q.size
    L = np.tile(np.arange(n), (E.shape[0], 1))
    for cls in classes:
        L[:, cls] = cls[0]
    while True:
        new = np.minimum(L, np.take_along_axis(L, E, axis=1))
        new = np.minimum(new, np.take_along_axis(new, Einv, axis=1))
        for cls in classes:
            if len(cls) > 1:
                new[:, cls] = new[:, cls].min(axis=1)[:, None]
        if np.array_equal(new, L):
            return L
        L = new


_ROW_HASH = np.random.default_rng(2003).integers(1, 2**62, size=64, dtype=np.int64)


def _unique_rows(A: np.ndarray) -> np.ndarray:
    """Distinct rows of A (hash, then verify exactly; exact fallback on a collision)."""
    w = _ROW_HASH[: A.shape[1]] if A.shape[1] <= _ROW_HASH.size else None
    if w is None:
        return np.unique(A, axis=0)
    h = A @ w  # wraps modulo 2**64: fine for a hash
    _, first, inv = np.unique(h, return_index=True, return_inverse=True)
    if np.array_equal(A, A[first][inv.ravel()]):
        return A[first]
    return np.unique(A, axis=0)


def _classes_of(labels) -> list:
    groups: dict = {}
    for c, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(c)
    return [np.array(v) for v in groups.values()]


def subgroups(k: int, d: int, method: str = "goursat", lattice: bool | None = None) -> SubgroupLattice:
    """Conjugacy classes of isotropy subgroups of S_k × S_d and their inclusion lattice.

    Parameters
    ----------
    k, d : int
        Matrix shape (rows are neurons).  ``method="goursat"``: ``k, d ≤ MAX_SIDE``;
        ``method="elements"``: ``k!·d! ≤ MAX_GROUP_ORDER``.
    method : {"goursat", "elements"}
        ``"goursat"`` (default): the classes from their structure
        (:func:`symmetry.goursat.isotropy_types`: Young kernels and the graph of a
        faithful representation), the lattice by a backtracking test of
        ``A^g ⊆ B`` (:func:`symmetry.goursat.conjugate_inside`); no listing of
        S_k × S_d.  ``"elements"``: the reference upward search over closed
        partitions with all of S_k × S_d listed (module docstring).  Both give the
        same classes, representatives, names and Hasse diagram.
    lattice : bool or None
        Compute the Hasse diagram (``None``: when ``k·d ≤ MAX_LATTICE_CELLS`` for
        the goursat method, always for the elements method).  Without it,
        ``hasse`` has the classes as nodes and no edges and ``has_lattice`` is False.

    Returns
    -------
    SubgroupLattice
        Classes with order, fix_dim, name and generators of a representative;
        the Hasse diagram as a networkx.DiGraph.

    Raises
    ------
    InputError
        If k or d is not a positive integer, or the method is unknown.
    OutOfReachError
        If the size is above the method's limit, or the lattice is asked for
        above ``MAX_LATTICE_CELLS`` cells.

    Examples
    --------
    >>> lat = subgroups(1, 3)
    >>> [(c.order, c.name) for c in lat.classes]
    [(6, 'S_3'), (2, 'S_2'), (1, '1')]
    >>> sorted(lat.hasse.edges)
    [(0, 1), (1, 2)]
    """
    import time

    for name, v in (("k", k), ("d", d)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {str(v)[:30]}")
    if method not in ("goursat", "elements"):
        raise InputError(f"method must be 'goursat' or 'elements', got {str(method)[:30]!r}")
    k, d = int(k), int(d)
    if method == "goursat":
        if k > MAX_SIDE or d > MAX_SIDE:
            raise OutOfReachError(
                f"subgroups(k={k}, d={d}): only k, d <= {MAX_SIDE} are in reach "
                f"(method 'elements': k!*d! <= {MAX_GROUP_ORDER})")
        if lattice is None:
            lattice = k * d <= MAX_LATTICE_CELLS
        elif lattice and k * d > MAX_LATTICE_CELLS:
            raise OutOfReachError(
                f"the inclusion lattice is in reach only for k*d <= {MAX_LATTICE_CELLS} (here {k * d}); "
                "the classes are (lattice=False)")
        t0 = time.perf_counter()
        types = isotropy_types(k, d)
        forms = [PartitionForm(t.partition, t.setwise_order) for t in types]
        out = _assemble(k, d, [t.partition for t in types], None, t0, lattice, forms=forms)
        predicted = {t.partition: t.order for t in types}
        for c in out.classes:  # closed: the stabiliser has the structural order and P as its orbits
            if c.order != predicted[c.partition] or c.fix_dim != len(set(c.partition)):
                raise AssertionError(f"class {c.partition} is not closed: |Stab| = {c.order}, "
                                     f"predicted {predicted[c.partition]}")
        return out
    size = _bounded_order(k, d)
    if size > MAX_GROUP_ORDER:
        raise OutOfReachError(
            f"subgroups(k={k}, d={d}, method='elements') enumerates |S_k x S_d| = {size} elements explicitly; "
            f"only sizes with k!*d! <= {MAX_GROUP_ORDER} (all k, d <= 4 and k = d = 5) are in reach")
    t0 = time.perf_counter()
    reps, relations, E = _upward_search(k, d)
    return _assemble(k, d, reps, relations, t0, lattice is not False, E)


def _upward_search(k: int, d: int):
    """The reference search (module docstring): class partitions and step relations (b ⊇ a)."""
    n = k * d
    E = group_elements(k, d)
    Einv = np.argsort(E, axis=1)
    canon_cache: dict = {}

    def canon(labels: np.ndarray) -> tuple:
        key = labels.tobytes()
        c = canon_cache.get(key)
        if c is None:
            c = canonical_partition(labels, E, (k, d))
            canon_cache[key] = c
        return c

    start = canonical_partition(np.arange(n), E, (k, d))
    found = {start: 0}
    reps = [start]
    relations = set()
    queue = [start]
    while queue:
        Q = np.array(queue.pop(), dtype=np.int64)
        a = found[tuple(Q)]
        classes = _classes_of(Q)
        J = _joins(Q, classes, E, Einv)
        J = _unique_rows(J)
        for row in J:
            c = canon(row)
            if c == reps[a]:
                continue
            b = found.get(c)
            if b is None:
                b = len(reps)
                found[c] = b
                reps.append(c)
                queue.append(c)
            relations.add((b, a))  # class b (bigger group) contains a conjugate of class a
    return reps, relations, E


def _assemble(k, d, reps, relations, t0, lattice: bool, E=None, forms=None) -> SubgroupLattice:
    """Classes from one partition per class (any member): canonical representative
    (:func:`symmetry.goursat.partition_form`), group, names, sizes; the Hasse diagram from
    ``relations`` (pairs (b, a): class b contains a conjugate of class a, indices into reps)
    or, when None and ``lattice``, from :func:`symmetry.goursat.conjugate_inside`."""
    import time

    import networkx as nx

    gamma = math.factorial(k) * math.factorial(d)
    info = []
    for t, rep in enumerate(reps):
        form = partition_form(rep, k, d) if forms is None else forms[t]
        labels = np.array(form.labels, dtype=np.int64)
        H = group_from_colours(labels.reshape(k, d))
        if E is not None:  # two independent computations of |K| and of the normaliser
            stab = int(np.count_nonzero((labels[E] == labels[None, :]).all(axis=1)))
            setwise = int(np.count_nonzero((_first_occurrence(labels[E])
                                            == _first_occurrence(labels[None, :])).all(axis=1)))
            if stab != H.order or setwise != form.setwise_order:
                raise AssertionError(f"stabiliser {stab} / {H.order}, normaliser {setwise} / "
                                     f"{form.setwise_order} disagree for {rep}")
        info.append((t, form.labels, H, gamma // form.setwise_order))
    info.sort(key=lambda x: (-x[2].order, x[2].fix_dim, x[1]))
    if len({x[1] for x in info}) != len(info):
        raise AssertionError("two class representatives have the same canonical form")
    new_index = {t: i for i, (t, *_rest) in enumerate(info)}
    classes = [SubgroupClass(i, rep, H, conj) for i, (t, rep, H, conj) in enumerate(info)]
    for c, label in zip(classes, _distinct_names(classes)):
        c.label = label
    G = nx.DiGraph()
    for c in classes:
        G.add_node(c.index, order=c.order, fix_dim=c.fix_dim, name=c.name,
                   generators=json.dumps([[list(p), list(r)] for p, r in c.generators]))
    if relations is not None:
        G.add_edges_from((new_index[b], new_index[a]) for b, a in relations)
    elif lattice:
        G.add_edges_from(_inclusions(k, d, classes))
    if lattice:
        H = nx.transitive_reduction(G)
        H.add_nodes_from(G.nodes(data=True))
    else:
        H = G
    return SubgroupLattice(k, d, classes, H, time.perf_counter() - t0, has_lattice=lattice)


def _inclusions(k: int, d: int, classes) -> set:
    """All pairs (b, a) with a conjugate of class a inside class b (a ≠ b).

    Classes are taken from the largest order down; for A, the candidates B are
    tried from the smallest order up, and a B already above some C ≥ A is
    added without a test (transitivity).  Cheap necessary conditions come first:
    |A| divides |B|, dim Fix(A) > dim Fix(B), row and column projections
    contained up to conjugacy in S_k and S_d."""
    from .permgroups import symmetric_group

    Gk, Gd = symmetric_group(k), symmetric_group(d)
    proj = [(projection_class(Gk, [p for p, _ in c.generators] or [tuple(range(k))]),
             projection_class(Gd, [r for _, r in c.generators] or [tuple(range(d))])) for c in classes]
    parts = [np.array(c.partition).reshape(k, d) for c in classes]
    # block sizes of identical rows / columns: the kernels S_λ, S_μ (Young subgroups)
    kernels = [(np.unique(P, axis=0, return_counts=True)[1], np.unique(P, axis=1, return_counts=True)[1])
               for P in parts]
    up: dict = {}
    rel = set()
    order = sorted(range(len(classes)), key=lambda i: -classes[i].order)
    for a in order:
        A = classes[a]
        above: set = set()
        implied: set = set()
        for b in sorted((b for b in range(len(classes)) if classes[b].order > A.order),
                        key=lambda b: classes[b].order):
            B = classes[b]
            if b in implied:
                above.add(b)
                continue
            if (B.order % A.order or B.fix_dim >= A.fix_dim or not projections_below(k, d, proj[a], proj[b])
                    or not young_below(kernels[a][0], kernels[b][0]) or not young_below(kernels[a][1], kernels[b][1])):
                continue
            if conjugate_inside(parts[a], parts[b], [o[0] for o in B.group.row_orbits]):
                above.add(b)
                implied |= up[b]
        up[a] = above
        rel |= {(b, a) for b in above}
    return rel


def _bounded_order(k: int, d: int) -> int:
    """``k!·d!``, or ``MAX_GROUP_ORDER + 1`` as soon as the product passes the
    limit: never a factorial of a huge number (``k = 10^5`` must not hang)."""
    size = 1
    for n in (k, d):
        for t in range(2, n + 1):
            size *= t
            if size > MAX_GROUP_ORDER:
                return MAX_GROUP_ORDER + 1
    return size


def _factor_tag(f: dict) -> str:
    rows, cols = bool(f.get("rows")), bool(f.get("cols"))
    n = f.get("size")
    if rows and cols:
        return f"ΔS_{n}"
    return f"S_{n}(rows)" if rows else f"S_{n}(cols)"


def _distinct_names(classes) -> list[str]:
    """One name per class, distinct: the structural name when it is unique;
    when several classes share it, each factor says where it acts (``S_2(rows)``,
    ``S_2(cols)``, ``ΔS_2``), then the orbit counts, then ``#index``.

    Examples
    --------
    >>> [c.name for c in subgroups(2, 2).classes]
    ['S_2×S_2', 'S_2(cols)', 'S_2(rows)', 'ΔS_2', '1']
    """
    base = [c.group.name for c in classes]
    counts: dict = {}
    for b in base:
        counts[b] = counts.get(b, 0) + 1
    names = []
    for c, b in zip(classes, base):
        if counts[b] == 1:
            names.append(b)
            continue
        tags = [_factor_tag(f) for f in (c.group.factors or [])]
        names.append("×".join(tags) if tags else b)
    for step in (lambda c: f" [{len(c.group.row_orbits)} row, {len(c.group.col_orbits)} col orbits]",
                 lambda c: f" #{c.index}"):
        seen: dict = {}
        for n in names:
            seen[n] = seen.get(n, 0) + 1
        names = [n + step(c) if seen[n] > 1 else n for n, c in zip(names, classes)]
    return names


def write_dot(lattice: SubgroupLattice, path) -> None:
    """Write the Hasse diagram in Graphviz DOT (by hand; no pydot needed).

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "l.dot")
    >>> write_dot(subgroups(1, 2), f)
    >>> open(f).read().splitlines()[0]
    'digraph isotropy_lattice {'
    """
    lines = ["digraph isotropy_lattice {", "  rankdir=TB;", "  node [shape=box];"]
    for c in lattice.classes:
        label = f"{c.name}\\n|H|={c.order}, dim Fix={c.fix_dim}".replace('"', "'")
        lines.append(f'  n{c.index} [label="{label}"];')
    for a, b in sorted(lattice.hasse.edges):
        lines.append(f"  n{a} -> n{b};")
    lines.append("}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def write_graphml(lattice: SubgroupLattice, path) -> None:
    """Write the Hasse diagram as GraphML (networkx.write_graphml)."""
    import networkx as nx

    nx.write_graphml(lattice.hasse, path)


def write_png(lattice: SubgroupLattice, path) -> bool:
    """Draw the Hasse diagram to a PNG with matplotlib; return False if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    import networkx as nx

    G = lattice.hasse
    layers: dict = {}
    for c in lattice.classes:
        layers.setdefault(c.fix_dim, []).append(c.index)
    pos = {}
    for y, (fd, nodes) in enumerate(sorted(layers.items())):
        for x, v in enumerate(nodes):
            pos[v] = (x - (len(nodes) - 1) / 2, -y)
    widest = max(len(nodes) for nodes in layers.values())
    longest = max(len(c.name) for c in lattice.classes)
    # room for every label: about 0.09 inch per character at 8 pt, one inch per layer
    unit = 0.3 + 0.1 * longest  # inches between neighbours: the longest label at 8 pt fits
    fig, ax = plt.subplots(figsize=(min(80, max(6, (widest + 3.3) * unit)),
                                    min(40, max(4, 1.2 * len(layers) + 1))))
    nx.draw_networkx_edges(G, pos, ax=ax, arrows=False, edge_color="0.6")
    nx.draw_networkx_nodes(G, pos, ax=ax, node_size=30, node_color="C0")
    for c in lattice.classes:
        x, y = pos[c.index]
        ax.annotate(c.name, (x, y), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for y, (fd, _) in enumerate(sorted(layers.items())):
        ax.text(-widest / 2 - 0.8, -y, f"dim Fix = {fd}", fontsize=8, va="center", ha="right", color="0.4")
    ax.set_xlim(-widest / 2 - 2.5, widest / 2 + 0.8)
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return True
