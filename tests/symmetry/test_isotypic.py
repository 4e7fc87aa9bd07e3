"""Isotypic decomposition and projectors.

Oracles: multiplicities from the permutation character computed by brute
force over itertools.permutations (fixed cells of each element), inner
product with Murnaghan–Nakayama characters; dense linear algebra for the
projector identities; the action matrices of the generators.
"""

import itertools
import math

import numpy as np
import pytest
import sympy

from symmetry.action import cell_permutation
from symmetry.errors import OutOfReachError
from symmetry.irreps import character, hook_dimension, partitions
from symmetry.isotropy import diagonal_partition_group, group_from_colours, isotropy
from symmetry.isotypic import (diagonal_square_decomposition, family_decomposition,
                               isotypic_decomposition, isotypic_projectors, natural_decomposition)


def cycle_type(p):
    seen, out = set(), []
    for i in range(len(p)):
        if i not in seen:
            length, j = 0, i
            while j not in seen:
                seen.add(j)
                j = p[j]
                length += 1
            out.append(length)
    return tuple(sorted(out, reverse=True))


def brute_delta_multiplicities(p):
    """M(p,p) under ΔS_p: (1/p!) Σ_σ fix_cells(σ) χ^λ(σ), by enumerating σ."""
    out = {}
    for lam in partitions(p):
        total = 0
        for s in itertools.permutations(range(p)):
            fixed = sum(1 for i in range(p) if s[i] == i)
            total += fixed * fixed * character(lam, cycle_type(s))
        m, r = divmod(total, math.factorial(p))
        assert r == 0
        if m:
            out[lam] = m
    return out


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5, 6])
def test_delta_sp_oracle(p):
    expected = brute_delta_multiplicities(p)
    H = isotropy(np.eye(p))
    got = {c.irrep[0] if c.irrep else (1,): c.multiplicity for c in isotypic_decomposition(H)}
    assert got == expected
    assert diagonal_square_decomposition(p) == expected
    if p >= 4:
        assert expected == {(p,): 2, (p - 1, 1): 3, (p - 2, 2): 1, (p - 2, 1, 1): 1}


def test_closed_form_beyond_characters():
    # m >= 6 uses the closed form; compare with brute-force characters
    for p in (6, 7):
        assert diagonal_square_decomposition(p) == brute_delta_multiplicities(p)
    assert natural_decomposition(3) == {(3,): 1, (2, 1): 1}


GROUPS = [
    diagonal_partition_group((3, 2)),
    diagonal_partition_group((4, 1), k=6),
    diagonal_partition_group((2, 2, 1)),
    diagonal_partition_group((1, 1)),
    group_from_colours([[0, 0, 0, 1], [0, 0, 0, 1], [2, 3, 3, 4], [3, 2, 3, 4], [3, 3, 2, 4]]),
    group_from_colours(np.ones((3, 4), dtype=int)),
    group_from_colours(np.arange(6).reshape(2, 3)),
    group_from_colours([[0, 1, 1], [0, 1, 1]]),
]


@pytest.mark.parametrize("H", GROUPS, ids=lambda H: H.name)
def test_dimension_sums_and_trivial_multiplicity(H):
    comps = isotypic_decomposition(H)
    assert sum(c.dim * c.multiplicity for c in comps) == H.k * H.d
    triv = [c for c in comps if all(len(p) == 1 for p in c.irrep)]
    assert len(triv) == 1 and triv[0].multiplicity == H.fix_dim
    for c in comps:
        assert c.dim == math.prod(hook_dimension(p) for p in c.irrep)


@pytest.mark.parametrize("H", GROUPS, ids=lambda H: H.name)
def test_projector_identities(H):
    n = H.k * H.d
    pairs = isotypic_projectors(H)
    total = np.zeros((n, n))
    actions = []
    for g in H.generators:
        M = np.zeros((n, n))
        M[cell_permutation(g, H.k, H.d), np.arange(n)] = 1
        actions.append(M)
    for c, P in pairs:
        assert np.allclose(P @ P, P, atol=1e-9)
        assert np.allclose(P, P.T, atol=1e-9)
        assert round(np.trace(P)) == c.dim * c.multiplicity
        assert np.linalg.matrix_rank(P, tol=1e-8) == c.dim * c.multiplicity
        for M in actions:
            assert np.allclose(M @ P, P @ M, atol=1e-9)
        total += P
    assert np.allclose(total, np.eye(n), atol=1e-9)
    for (_, P), (_, Q) in itertools.combinations(pairs, 2):
        assert np.allclose(P @ Q, 0, atol=1e-9)


def test_projector_onto_trivial_is_fix_space():
    H = diagonal_partition_group((3, 1))
    (c, P), *_ = isotypic_projectors(H)
    B = H.fixed_point_basis().reshape(H.fix_dim, -1).astype(float)
    Q = B.T @ np.linalg.inv(B @ B.T) @ B
    assert np.allclose(P, Q)


def test_symbolic_family_matches_concrete():
    d = sympy.Symbol("d")
    for parts_sym, subs in [((d - 1, 1), {d: 9}), ((d - 2, 2), {d: 10}), ((d,), {d: 7})]:
        sym = family_decomposition(parts_sym)
        assert sympy.expand(sum(r["dim"] * r["multiplicity"] for r in sym) - d ** 2) == 0
        parts = tuple(int(sympy.sympify(p).subs(subs)) for p in parts_sym)
        H = diagonal_partition_group(parts)
        concrete = {(c.dim, c.multiplicity) for c in isotypic_decomposition(H)}
        assert {(int(sympy.sympify(r["dim"]).subs(subs)), r["multiplicity"]) for r in sym} == concrete
    k = sympy.Symbol("k")
    rows = family_decomposition((d - 1, 1), k=k)
    assert sympy.expand(sum(r["dim"] * r["multiplicity"] for r in rows) - k * d) == 0


def test_unrecognised_group_raises():
    H = group_from_colours(np.add.outer(range(4), range(4)) % 4)
    assert H.factors is None
    with pytest.raises(OutOfReachError):
        isotypic_decomposition(H)
