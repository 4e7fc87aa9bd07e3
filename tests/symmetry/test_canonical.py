"""Canonical forms under S_k × S_d against brute-force orbits.

Oracle: the orbit of a small colour matrix enumerated over every element of
S_k × S_d (itertools.permutations); two matrices must have equal canonical
forms exactly when their brute-force orbits are equal.  Hypothesis checks
invariance under random group elements at sizes brute force cannot reach.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from symmetry.action import act, random_element
from symmetry.canonical import canonical_form, canonical_forms, canonical_key
from symmetry.errors import InputError


def brute_orbit(C):
    C = np.asarray(C)
    k, d = C.shape
    return frozenset(tuple(act((pi, rho), C).ravel()) for pi in itertools.permutations(range(k))
                     for rho in itertools.permutations(range(d)))


def brute_stabiliser_order(C):
    C = np.asarray(C)
    k, d = C.shape
    return sum(1 for pi in itertools.permutations(range(k)) for rho in itertools.permutations(range(d))
               if np.array_equal(act((pi, rho), C), C))


@pytest.mark.parametrize("shape,colours", [((2, 2), 2), ((2, 3), 3), ((3, 3), 2), ((3, 4), 2), ((4, 3), 3)])
def test_equal_forms_iff_equal_brute_force_orbits(shape, colours):
    rng = np.random.default_rng(sum(shape) * 10 + colours)
    mats = [rng.integers(0, colours, size=shape) for _ in range(40)]
    # also pairs known to be in one orbit
    mats += [act(random_element(*shape, rng), m) for m in mats[:10]]
    orbits = [brute_orbit(m) for m in mats]
    keys = [canonical_key(canonical_form(m).matrix) for m in mats]
    for a in range(len(mats)):
        for b in range(a + 1, len(mats)):
            assert (keys[a] == keys[b]) == (orbits[a] == orbits[b]), (mats[a], mats[b])
    # the canonical matrix lies in the orbit of its input
    for m, orb, key in zip(mats, orbits, keys):
        assert tuple(canonical_form(m).matrix.ravel()) in orb


def test_every_member_of_an_orbit_has_the_same_form():
    C = np.array([[0, 1, 1], [2, 0, 1], [1, 1, 0]])
    forms = {canonical_key(canonical_form(np.array(M).reshape(3, 3)).matrix) for M in brute_orbit(C)}
    assert len(forms) == 1


@pytest.mark.parametrize("seed", range(6))
def test_aut_order_and_permutations(seed):
    rng = np.random.default_rng(seed)
    C = rng.integers(0, 2, size=(3, 4))
    f = canonical_form(C)
    assert np.array_equal(act((f.row_perm, f.col_perm), C), f.matrix)
    assert f.aut_order == brute_stabiliser_order(C)


def test_colours_keep_their_identity():
    assert canonical_key(canonical_form([[0, 1]]).matrix) != canonical_key(canonical_form([[0, 2]]).matrix)
    assert canonical_form([[3, 3], [3, 3]]).aut_order == 4


@pytest.mark.parametrize("d", [6, 12, 30])
def test_type_a_pattern_large_group(d):
    C = np.ones((d, d), dtype=int)
    np.fill_diagonal(C, 0)
    C[-1, :] = 2
    C[:, -1] = 3
    C[-1, -1] = 4
    f = canonical_form(C)
    assert f.aut_order == math.factorial(d - 1)
    g = random_element(d, d, rng=d)
    assert np.array_equal(canonical_form(act(g, C)).matrix, f.matrix)


@pytest.mark.parametrize("n", [7, 13])
def test_regular_patterns_where_refinement_does_nothing(n):
    # circulant and Latin-square colourings: every row and column looks alike to refinement
    circ = np.zeros((n, n), dtype=int)
    for i in range(n):
        for s in (0, 1, 3):
            circ[i, (i + s) % n] = 1
    latin = (np.arange(n)[:, None] + np.arange(n)[None, :]) % n
    rng = np.random.default_rng(n)
    for C in (circ, latin):
        f = canonical_form(C)
        for _ in range(3):
            assert np.array_equal(canonical_form(act(random_element(n, n, rng), C)).matrix, f.matrix)
    # a different circulant (offsets 0, 1, 2) is in another orbit for n = 7: Fano plane vs a path-like design
    circ2 = np.zeros((7, 7), dtype=int)
    for i in range(7):
        for s in (0, 1, 2):
            circ2[i, (i + s) % 7] = 1
    if n == 7:
        assert canonical_form(circ2).aut_order != canonical_form(circ).aut_order
        assert not np.array_equal(canonical_form(circ2).matrix, canonical_form(circ).matrix)


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 7), d=st.integers(1, 7), colours=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_invariant_under_random_group_elements(k, d, colours, seed):
    rng = np.random.default_rng(seed)
    C = rng.integers(0, colours, size=(k, d))
    # plant some structure so that groups are non-trivial
    if k >= 2 and rng.random() < 0.5:
        C[1] = C[0]
    f = canonical_form(C)
    g = random_element(k, d, rng)
    f2 = canonical_form(act(g, C))
    assert np.array_equal(f.matrix, f2.matrix)
    assert f.aut_order == f2.aut_order
    assert np.array_equal(act((f2.row_perm, f2.col_perm), act(g, C)), f2.matrix)


@pytest.mark.parametrize("bad", [[[0.5, 1.0]], [1, 2, 3], [[]], np.zeros((0, 2), dtype=int)])
def test_bad_input(bad):
    with pytest.raises(InputError):
        canonical_form(bad)


def test_batch_forms_equal_single_forms():
    rng = np.random.default_rng(7)
    base = [rng.integers(0, 3, size=(4, 5)) for _ in range(4)]
    C = np.ones((5, 5), dtype=int)
    np.fill_diagonal(C, 0)
    C[-1] = 2
    base.append(C[:4])
    mats = [act(random_element(4, 5, rng), base[i % 5]) for i in range(25)]
    batch = canonical_forms(mats)
    for m, f in zip(mats, batch):
        g = canonical_form(m)
        assert np.array_equal(f.matrix, g.matrix) and f.aut_order == g.aut_order
        assert np.array_equal(act((f.row_perm, f.col_perm), m), f.matrix)
