"""Near-linear isotropy (issue 12, item 2): the worklist refinement, stabiliser-based
cell orbits and product generators give the same group as the reference
implementation (``method="passes"``, full refinement passes) and as brute force."""

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from certificates.examples import type_a_matrix
from landscape.fixed_points import Family, assemble
from symmetry.isotropy import group_from_colours, isotropy, value_classes


def _same_group(C):
    old = group_from_colours(C, "passes")
    new = group_from_colours(C)
    assert new.order == old.order
    assert new.row_orbits == old.row_orbits and new.col_orbits == old.col_orbits
    assert new.cell_orbits == old.cell_orbits and new.fix_dim == old.fix_dim
    assert new.name == old.name and new.factors == old.factors
    # same order and new ⊆ old (each generator fixes C) => the same group
    assert all(old.contains(g) for g in new.generators)
    return new


def _brute_force_order(C):
    k, d = C.shape
    return sum(1 for pi in itertools.permutations(range(k)) for rho in itertools.permutations(range(d))
               if np.array_equal(C[np.ix_(pi, rho)], C))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_random_colourings_match_reference_and_brute_force(k, d, ncol, seed):
    C = np.random.default_rng(seed).integers(0, ncol, size=(k, d))
    H = _same_group(C)
    if k * d <= 16:
        assert H.order == _brute_force_order(C)


def test_family_points_match_reference():
    rng = np.random.default_rng(5)
    for d in (4, 5, 8, 12):
        _same_group(value_classes(type_a_matrix((0.98, -0.03, 0.3, 0.25, -0.6), d))[0])
        for parts, extra in (((d - 2, 2), ()), ((d - 1, 1), (1,)), ((1,) * d, ()), ((d - 3, 2, 1), (2,))):
            fam = Family(parts, extra)
            _same_group(value_classes(assemble(fam, rng.normal(size=fam.dim)))[0])


def test_regular_non_product_groups_match_reference():
    # circulants: cyclic / dihedral groups (not products of symmetric groups)
    for d in (5, 6, 7):
        C = np.array([[(j - i) % d for j in range(d)] for i in range(d)])
        H = _same_group(C)
        assert H.order == d  # the cyclic shifts (i, j) -> (i+1, j+1)
        C2 = np.array([[min((j - i) % d, (i - j) % d) for j in range(d)] for i in range(d)])
        assert _same_group(C2).order == 2 * d  # dihedral: rotations and reflections


def test_type_a_at_scale_has_the_family_answer():
    d = 300
    H = isotropy(type_a_matrix((0.98, -0.03, 0.3, 0.25, -0.6), d))
    import math

    assert H.order == math.factorial(d - 1) and H.name == f"Δ(S_{d - 1}×S_1)" and H.fix_dim == 5
    assert len(H.generators) == 2  # transposition and (d-1)-cycle of the diagonal S_{d-1}
    assert all(H.contains(g) for g in H.generators)
    assert sorted(len(o) for o in H.cell_orbits) == sorted([d - 1, (d - 1) * (d - 2), d - 1, d - 1, 1])


def test_exact_classes_of_rationals_sharing_a_float():
    from fractions import Fraction as F

    a = F(1, 3)
    b = a + F(1, 10**30)  # same float64 as a, different rational
    W = np.array([[a, b], [b, a]], dtype=object)
    C, mode = value_classes(W)
    assert mode == "exact" and C.tolist() == [[0, 1], [1, 0]]
    W2 = np.array([[a, F(2, 6)], [F(1, 2), a]], dtype=object)
    assert value_classes(W2)[0].tolist() == [[0, 0], [1, 0]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1e-12, 0.5, 0.5 + 1e-10, -0.25, 3.0, 3.0 + 2e-9]), min_size=1, max_size=40),
       st.booleans())
def test_tolerance_classes_are_single_linkage(vals, many):
    from symmetry.isotropy import _cluster

    x = np.array(vals, dtype=float)
    if many:  # the branch for many classes (≥ 4096 gaps)
        x = np.concatenate([x, np.arange(5000, dtype=float) * 10.0 + 100.0])
    tol = 1e-9
    thresh = tol * max(1.0, np.abs(x).max())
    order = sorted(range(x.size), key=lambda i: x[i])  # reference: Python sort, walk the gaps
    ref, c = [0] * x.size, 0
    for t, i in enumerate(order):
        if t and x[i] - x[order[t - 1]] > thresh:
            c += 1
        ref[i] = c
    assert _cluster(x[None, :], tol).ravel().tolist() == ref
