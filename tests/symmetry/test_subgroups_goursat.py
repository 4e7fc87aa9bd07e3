"""The structural enumeration of isotropy classes (symmetry.goursat) against independent checks.

* identical output to the reference search over all of S_k × S_d (``method="elements"``),
  which shares no code with it except the final naming;
* the subgroup tables of S_n against published counts (OEIS A005432, A000638);
* random colourings: the stabiliser of each is conjugate to a listed class;
* the canonical partition form against brute force over S_k × S_d;
* the inclusion test against brute-force containment of explicit element sets.
"""

import itertools

import numpy as np
import pytest

from symmetry.goursat import conjugate_inside, isotropy_types, partition_form, young_below
from symmetry.isotropy import group_from_colours
from symmetry.permgroups import symmetric_group
from symmetry.subgroups import group_elements, subgroups


@pytest.mark.parametrize("k,d", [(1, 4), (2, 3), (3, 2), (3, 3), (2, 4), (4, 2), (3, 4), (4, 4), (2, 5)])
def test_identical_to_the_element_search(k, d):
    new, old = subgroups(k, d), subgroups(k, d, method="elements")
    assert new.to_dict() == old.to_dict()
    assert [(c.order, c.fix_dim, c.name) for c in new.classes] == [(c.order, c.fix_dim, c.name)
                                                                   for c in old.classes]
    assert sorted(new.hasse.edges) == sorted(old.hasse.edges)


@pytest.mark.parametrize("n,subs,classes", [(1, 1, 1), (2, 2, 2), (3, 6, 4), (4, 30, 11), (5, 156, 19)])
def test_subgroup_tables_match_published_counts(n, subs, classes):
    # OEIS A005432 (number of subgroups of S_n) and A000638 (up to conjugacy)
    G = symmetric_group(n)
    assert (len(G.subgroups), len(G.class_reps)) == (subs, classes)
    for m, gens in zip(G.subgroups, G.generators):
        assert np.array_equal(G.closure(gens), m)
        members = np.flatnonzero(m)
        assert m[G.mul[np.ix_(members, members)]].all()  # closed under products


def _orbit_partition_of_stabiliser(C):
    H = group_from_colours(C)
    k, d = C.shape
    lab = np.empty(k * d, dtype=np.int64)
    for t, orbit in enumerate(H.cell_orbits):
        for i, j in orbit:
            lab[i * d + j] = t
    return lab.reshape(k, d), H.order


@pytest.mark.parametrize("k,d,colours", [(3, 4, 2), (4, 4, 3), (3, 5, 2), (4, 3, 4)])
def test_random_colourings_have_listed_stabilisers(k, d, colours):
    types = {t.partition: t for t in isotropy_types(k, d)}
    rng = np.random.default_rng(12 + k * d)
    for _ in range(60):
        C = rng.integers(0, colours, size=(k, d))
        # symmetric patterns too: copy rows/columns so the stabiliser is not always trivial
        C[rng.integers(0, k)] = C[0]
        C[:, rng.integers(0, d)] = C[:, 0]
        P, order = _orbit_partition_of_stabiliser(C)
        t = types[partition_form(P, k, d).labels]
        assert t.order == order


@pytest.mark.parametrize("k,d", [(2, 3), (3, 3)])
def test_partition_form_against_brute_force(k, d):
    E = group_elements(k, d)
    rng = np.random.default_rng(7)
    for _ in range(15):
        P = rng.integers(0, 3, size=k * d)
        g = E[rng.integers(len(E))]
        Q = rng.permutation(5)[P[g]]  # another member of the orbit, classes relabelled
        f, h = partition_form(P, k, d), partition_form(Q, k, d)
        assert f == h
        # setwise stabiliser by brute force: g with P∘g equal to P up to relabelling
        same = [len(set(zip(P.tolist(), P[e].tolist()))) == len(set(P.tolist())) for e in E]
        assert f.setwise_order == sum(same)
        # the canonical labels are a member of the orbit
        L = np.array(f.labels)
        assert any(len(set(zip(L.tolist(), P[e].tolist()))) == len(set(P.tolist()))
                   == len(set(L.tolist())) for e in E)


def test_conjugate_inside_against_element_sets():
    k, d = 2, 3
    E = group_elements(k, d)
    lat = subgroups(k, d)
    sets = []
    for c in lat.classes:
        L = np.array(c.partition)
        sets.append({tuple(e) for e in E if np.array_equal(L[e], L)})
    inv = {tuple(e): tuple(np.argsort(e)) for e in E}
    for a, ca in enumerate(lat.classes):
        for b, cb in enumerate(lat.classes):
            # some g with g A g⁻¹ ⊆ B; as cell maps g h g⁻¹ = g[h[g⁻¹]]
            brute = any({tuple(np.asarray(g)[np.asarray(h)[np.asarray(inv[g])]]) for h in sets[a]} <= sets[b]
                        for g in map(tuple, E))
            got = conjugate_inside(np.array(ca.partition).reshape(k, d), np.array(cb.partition).reshape(k, d))
            assert got == brute, (ca.name, cb.name)


def test_young_below_against_set_partitions():
    def blocks(sizes):
        out, x = [], 0
        for s in sizes:
            out.append(set(range(x, x + s)))
            x += s
        return out

    for la in ([2, 1, 1, 1], [2, 2, 1], [3, 2], [4, 1], [1, 1, 1, 1, 1]):
        for lb in ([5], [4, 1], [3, 2], [3, 1, 1], [2, 2, 1], [2, 1, 1, 1]):
            A, B = blocks(la), blocks(lb)
            brute = any(all(any({p[x] for x in blk} <= bb for bb in B) for blk in A)
                        for p in itertools.permutations(range(5)))
            assert young_below(la, lb) == brute, (la, lb)


def test_without_lattice():
    lat = subgroups(3, 3, lattice=False)
    assert not lat.has_lattice and lat.hasse.number_of_edges() == 0 and lat.to_dict()["hasse_edges"] is None
    assert [c.partition for c in lat.classes] == [c.partition for c in subgroups(3, 3).classes]


def _cli(capsys, argv):
    from certificates.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_methods_agree_and_limits_are_named(capsys):
    import json

    outs = []
    for method in ("goursat", "elements"):
        code, out, _ = _cli(capsys, ["subgroups", "--k", "3", "--d", "3", "--method", method, "--json"])
        assert code == 0
        data = json.loads(out)
        data.pop("seconds")
        outs.append(data)
    assert outs[0] == outs[1] and outs[0]["count"] == 12
    for argv, limit in ((["--k", "7", "--d", "2"], "6"), (["--k", "6", "--d", "6", "--method", "elements"], "14400"),
                        (["--k", "0", "--d", "2"], "positive")):
        code, out, err = _cli(capsys, ["subgroups", *argv])
        assert code == 2 and out == "" and limit in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("k,d", [(2, 5), (3, 4)])
def test_transposed_shapes_have_transposed_classes(k, d):
    # swapping the roles of rows and columns maps the classes of (k, d) onto those of (d, k)
    a = {t.partition: t.order for t in isotropy_types(k, d)}
    b = {t.partition: t.order for t in isotropy_types(d, k)}
    moved = {partition_form(np.array(p).reshape(k, d).T, d, k).labels: o for p, o in a.items()}
    assert moved == b
