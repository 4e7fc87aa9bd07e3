"""Isotropy subgroups up to conjugacy, against brute force over all colourings.

Brute force: every set partition of the k×d cells, its stabiliser as a set of
group elements (enumerating S_k × S_d), conjugacy classes by conjugating with
every element, containment of classes by testing all conjugates.
"""

import itertools
import json

import networkx as nx
import numpy as np
import pytest

from symmetry.errors import InputError, OutOfReachError
from symmetry.goursat import partition_form
from symmetry.subgroups import (group_elements, subgroups, write_dot,
                                write_graphml)


def set_partitions(n):
    """Restricted growth strings of length n."""
    def rec(prefix, m):
        if len(prefix) == n:
            yield tuple(prefix)
            return
        for c in range(m + 1):
            yield from rec(prefix + [c], max(m, c + 1))
    yield from rec([0], 1) if n else iter([()])


def brute(k, d):
    E = group_elements(k, d)
    n = k * d
    index = {tuple(r): t for t, r in enumerate(E.tolist())}
    inv = [index[tuple(np.argsort(r))] for r in E]
    subgroups_ = set()
    for labels in set_partitions(n):
        L = np.array(labels)
        stab = frozenset(np.flatnonzero((L[E] == L).all(axis=1)).tolist())
        subgroups_.add(stab)

    def conj(g, H):
        Eg, Egi = E[g], E[inv[g]]
        return frozenset(index[tuple(Eg[E[h][Egi]])] for h in H)

    classes = []
    seen = set()
    for H in sorted(subgroups_, key=lambda s: (-len(s), sorted(s))):
        if H in seen:
            continue
        cl = {conj(g, H) for g in range(len(E))}
        seen |= cl
        classes.append(cl)
    return E, classes


def orbit_partition(E, H, n):
    labels = np.arange(n)
    for h in H:
        labels = np.minimum(labels, labels[E[h]])
    # iterate to closure
    while True:
        new = labels.copy()
        for h in H:
            new = np.minimum(new, new[E[h]])
        if np.array_equal(new, labels):
            return labels
        labels = new


@pytest.mark.parametrize("k,d", [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 2),
                                 (3, 3), (2, 4), (1, 4), (2, 5)])
def test_against_brute_force(k, d):
    E, classes = brute(k, d)
    lat = subgroups(k, d)
    assert lat.count == len(classes)
    n = k * d
    # match classes through the canonical orbit partition of a representative
    match = {}
    for b, cl in enumerate(classes):
        H = next(iter(cl))
        canon = partition_form(orbit_partition(E, H, n), k, d).labels
        a = next(c.index for c in lat.classes if c.partition == canon)
        assert lat.classes[a].order == len(H)
        assert lat.classes[a].class_size == len(cl)
        assert lat.classes[a].fix_dim == len(set(orbit_partition(E, H, n).tolist()))
        match[b] = a
    assert sorted(match.values()) == list(range(lat.count))
    # Hasse diagram: containment up to conjugacy, transitively reduced
    rel = nx.DiGraph()
    rel.add_nodes_from(range(len(classes)))
    for a, ca in enumerate(classes):
        for b, cb in enumerate(classes):
            rep_b = next(iter(cb))
            if a != b and any(x <= rep_b for x in ca):   # a conjugate of A inside B
                rel.add_edge(match[b], match[a])
    expected = nx.transitive_reduction(rel)
    assert sorted(expected.edges) == sorted(lat.hasse.edges)


@pytest.mark.parametrize("k,d", [(3, 3), (2, 4), (4, 3), (4, 4)])
def test_class_representatives(k, d):
    lat = subgroups(k, d)
    assert lat.classes[0].order == len(group_elements(k, d)) and lat.classes[0].fix_dim == 1
    assert lat.classes[-1].order == 1 and lat.classes[-1].fix_dim == k * d
    assert nx.is_directed_acyclic_graph(lat.hasse)
    for a, b in lat.hasse.edges:
        assert lat.classes[a].order % lat.classes[b].order == 0
        assert lat.classes[a].order > lat.classes[b].order
    for c in lat.classes:
        P = np.array(c.partition).reshape(k, d)
        for pi, rho in c.generators:
            assert np.array_equal(P[np.ix_(pi, rho)], P)
        # closed: the partition is exactly the orbit partition of its stabiliser
        classes = {}
        for cell, lab in enumerate(c.partition):
            classes.setdefault(lab, []).append((cell // d, cell % d))
        assert sorted(classes.values()) == c.group.cell_orbits


def test_exports(tmp_path):
    lat = subgroups(2, 3)
    write_dot(lat, tmp_path / "l.dot")
    text = (tmp_path / "l.dot").read_text()
    assert text.startswith("digraph") and text.count("->") == lat.hasse.number_of_edges()
    write_graphml(lat, tmp_path / "l.graphml")
    G = nx.read_graphml(tmp_path / "l.graphml")
    assert G.number_of_nodes() == lat.count
    json.dumps(lat.to_dict())


def test_out_of_reach_and_bad_input():
    with pytest.raises(OutOfReachError, match="in reach"):
        subgroups(7, 2)
    with pytest.raises(OutOfReachError, match="14400"):
        subgroups(6, 6, method="elements")
    with pytest.raises(InputError):
        subgroups(0, 3)
    with pytest.raises(InputError):
        subgroups(2, 2, method="nope")
