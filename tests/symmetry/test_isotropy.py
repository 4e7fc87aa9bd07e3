"""Isotropy groups: orders, orbits, names and Fix(H), against independent computations.

Oracles: brute-force enumeration of S_k × S_d for small shapes, known orders
(d!, 1, (d-1)!), sympy's Schreier–Sims order of the returned generators, and
invariance under conjugation of W by random group elements.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st
from sympy.combinatorics import Permutation, PermutationGroup

from symmetry.action import act, random_element
from symmetry.errors import InputError
from symmetry.isotropy import (diagonal_partition_group, fixed_point_space, fixes,
                               group_from_colours, isotropy, orbits_on_cells, value_classes)


def brute_force(C):
    C = np.asarray(C)
    k, d = C.shape
    elems = [(pi, rho) for pi in itertools.permutations(range(k))
             for rho in itertools.permutations(range(d)) if np.array_equal(C[np.ix_(pi, rho)], C)]
    return elems


def brute_orbits(elems, k, d):
    orbits = set()
    for i in range(k):
        for j in range(d):
            orbits.add(frozenset((pi[i], rho[j]) for pi, rho in elems))
    return sorted(sorted(o) for o in orbits)


def sympy_order(H):
    n = H.k + H.d
    gens = [Permutation(list(p) + [H.k + r for r in rho]) for p, rho in H.generators]
    if not gens:
        return 1
    return PermutationGroup(gens).order()


def type_a(d):
    W = 0.9 * np.eye(d) - 0.1 * (np.ones((d, d)) - np.eye(d))
    W[-1, :] = 0.3
    W[:, -1] = 0.2
    W[-1, -1] = -0.5
    return W


@pytest.mark.parametrize("d", [1, 2, 3, 5, 8, 30])
def test_identity_has_order_d_factorial(d):
    H = isotropy(np.eye(d))
    assert H.order == math.factorial(d)
    assert H.name == ("1" if d == 1 else f"ΔS_{d}")
    assert H.fix_dim == (1 if d == 1 else 2)


def test_generic_matrix_has_trivial_isotropy():
    W = np.random.default_rng(0).normal(size=(6, 5))
    H = isotropy(W)
    assert (H.order, H.name, H.fix_dim, H.generators) == (1, "1", 30, [])


@pytest.mark.parametrize("d", [3, 6, 20, 200])
def test_type_a_point(d):
    H = isotropy(type_a(d))
    assert H.order == math.factorial(d - 1)
    assert H.name == f"Δ(S_{d - 1}×S_1)"
    assert H.fix_dim == 5
    for g in H.generators:
        assert fixes(g, type_a(d))


@pytest.mark.parametrize("partition,k", [((3,), None), ((2, 1), None), ((2, 2), None),
                                         ((3, 1), 5), ((2, 2, 1), None), ((4, 2), None),
                                         ((1, 1, 1), None), ((5, 1), None)])
def test_matrices_in_fix_h_have_isotropy_h(partition, k):
    """A generic element of Fix(H) (distinct coefficient per orbit) has isotropy exactly H."""
    H = diagonal_partition_group(partition, k)
    assert H.order == math.prod(math.factorial(p) for p in partition)
    assert sympy_order(H) == H.order
    rng = np.random.default_rng(len(partition))
    B = fixed_point_space(H)
    W = np.tensordot(rng.normal(size=len(B)), B, axes=1)
    G = isotropy(W)
    assert (G.order, G.fix_dim, G.name) == (H.order, H.fix_dim, H.name)
    assert G.cell_orbits == H.cell_orbits


def test_fix_dimension_of_type_a_family_is_five():
    for d in range(3, 12):
        assert diagonal_partition_group((d - 1, 1)).fix_dim == 5
    assert diagonal_partition_group((5, 1)).name == "Δ(S_5×S_1)"


def test_against_brute_force_on_random_small_colourings():
    rng = np.random.default_rng(7)
    for _ in range(150):
        k, d = rng.integers(1, 5, size=2)
        C = rng.integers(0, rng.integers(1, 4), size=(k, d))
        H = group_from_colours(C)
        elems = brute_force(C)
        assert H.order == len(elems)
        assert H.cell_orbits == brute_orbits(elems, k, d)
        assert sympy_order(H) == H.order
        for pi, rho in H.generators:
            assert np.array_equal(C[np.ix_(pi, rho)], C)


@pytest.mark.parametrize("C", [
    np.add.outer(range(5), range(5)) % 5,                       # cyclic Latin square
    np.add.outer(range(4), range(4)) % 2,
    np.array([[i ^ j for j in range(4)] for i in range(4)]),   # Klein Latin square
    np.kron(np.eye(2, dtype=int), np.ones((2, 2), dtype=int)),
    np.add.outer(range(5), range(4)) % 3,
])
def test_regular_patterns_against_brute_force(C):
    H = group_from_colours(C)
    elems = brute_force(C)
    assert H.order == len(elems)
    assert H.cell_orbits == brute_orbits(elems, *C.shape)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([(3,), (2, 1), (3, 1), (2, 2), (4, 1), (2, 2, 1)]),
       st.integers(0, 10**6), st.integers(0, 10**6))
def test_invariance_under_conjugation(partition, seed_w, seed_g):
    """Results of g·W equal those of W (order, name, fix_dim) and orbits move by g."""
    H0 = diagonal_partition_group(partition)
    rng = np.random.default_rng(seed_w)
    B = fixed_point_space(H0)
    # coefficients from a small set: some coincidences enlarge the group, which is fine
    W = np.tensordot(rng.integers(0, 3, size=len(B)), B, axes=1)
    g = random_element(W.shape[0], W.shape[1], np.random.default_rng(seed_g))
    H, G = isotropy(W), isotropy(act(g, W))
    assert (H.order, H.name, H.fix_dim) == (G.order, G.name, G.fix_dim)
    moved = sorted(sorted((g[0][i], g[1][j]) for i, j in orb) for orb in H.cell_orbits)
    assert moved == G.cell_orbits


def test_exact_and_symbolic_entries():
    F = Fraction
    W = np.array([[F(1, 3), F(1, 3)], [F(1, 3), F(1, 3) + F(1, 10**30)]], dtype=object)
    assert isotropy(W).order == 1                  # exact: the entries differ
    assert isotropy(W, tol=1e-12).order == 4       # tolerance: they agree
    s = sympy.sqrt(2)
    Ws = np.array([[s, 1], [1, sympy.sqrt(8) / 2]], dtype=object)
    assert isotropy(Ws).name == "ΔS_2"
    import mpmath
    Wm = np.array([[mpmath.mpf(1) / 3, mpmath.mpf(2)], [mpmath.mpf(2), mpmath.mpf(1) / 3]], dtype=object)
    assert isotropy(Wm).order == 2


def test_float_tolerance():
    W = np.eye(3) + 1e-13 * np.random.default_rng(0).normal(size=(3, 3))
    assert isotropy(W).order == 6
    assert isotropy(W, tol=0.0).order == 1
    C, mode = value_classes([[1.0, 2.0]])
    assert mode == "tolerance" and C.tolist() == [[0, 1]]


def test_product_names():
    W = np.zeros((7, 5))
    W[:5] = 2 * np.eye(5) + 1
    W[5:] = 7.0                                   # two equal extra neurons
    H = isotropy(W)
    assert H.name == "S_2×ΔS_5" and H.order == 2 * 120
    J = isotropy(np.ones((3, 4)))
    assert J.name == "S_4×S_3" and J.fix_dim == 1


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((0, 2)), np.array([[np.nan, 1.0]]),
                                 [[1, "x"]], np.array([[True, False]])])
def test_bad_input(bad):
    with pytest.raises(InputError):
        isotropy(bad)


def test_orbits_on_cells_and_json():
    assert orbits_on_cells([], 1, 2) == [[(0, 0)], [(0, 1)]]
    H = isotropy(type_a(60))
    js = H.to_dict()
    assert js["order"] == str(math.factorial(59)) and abs(js["order_log10"] - math.log10(math.factorial(59))) < 1e-9
