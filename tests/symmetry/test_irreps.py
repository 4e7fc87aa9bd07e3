"""Irreps of S_n: hook dimensions, content sums and Murnaghan–Nakayama characters.

Oracles: n! = Σ dim², column orthogonality, and characters computed from an
explicit construction (the permutation representation R^n = [n] + [n-1,1],
sign, and brute-force class functions over itertools.permutations).
"""

import itertools
import math

import pytest

from symmetry.errors import InputError
from symmetry.irreps import (character, class_size, content_sum, hook_dimension,
                             normalize_partition, partitions)


def cycle_type(p):
    seen, out = set(), []
    for i in range(len(p)):
        if i in seen:
            continue
        length, j = 0, i
        while j not in seen:
            seen.add(j)
            j = p[j]
            length += 1
        out.append(length)
    return tuple(sorted(out, reverse=True))


@pytest.mark.parametrize("n", range(1, 9))
def test_sum_of_squared_dimensions_is_group_order(n):
    assert sum(hook_dimension(l) ** 2 for l in partitions(n)) == math.factorial(n)


@pytest.mark.parametrize("n", range(1, 7))
def test_character_orthogonality_and_dimension(n):
    P = partitions(n)
    assert sum(class_size(mu) for mu in P) == math.factorial(n)
    for a in P:
        assert character(a, (1,) * n) == hook_dimension(a)
        for b in P:
            s = sum(class_size(mu) * character(a, mu) * character(b, mu) for mu in P)
            assert s == (math.factorial(n) if a == b else 0)


@pytest.mark.parametrize("n", range(2, 7))
def test_characters_against_explicit_representations(n):
    for p in itertools.permutations(range(n)):
        mu = cycle_type(p)
        fixed = sum(1 for i in range(n) if p[i] == i)
        sign = (-1) ** (n - len(mu))
        assert character((n,), mu) == 1
        assert character((n - 1, 1), mu) == fixed - 1      # R^n minus trivial
        assert character((1,) * n, mu) == sign
        if n >= 4:  # [n-2,1,1] = Λ²[n-1,1]
            chi = fixed - 1
            chi2 = sum(1 for i in range(n) if p[p[i]] == i) - 1
            assert character((n - 2, 1, 1), mu) == (chi * chi - chi2) // 2


@pytest.mark.parametrize("n", range(2, 9))
def test_content_sum_is_transposition_eigenvalue(n):
    transposition = (2,) + (1,) * (n - 2)
    for lam in partitions(n):
        assert content_sum(lam) * hook_dimension(lam) == math.comb(n, 2) * character(lam, transposition)


def test_hook_dimension_values_and_normalisation():
    assert hook_dimension((1, 3)) == hook_dimension((3, 1)) == 3
    assert hook_dimension(()) == 1
    assert hook_dimension((5, 3, 1)) == 162
    assert normalize_partition([0, 2, 2]) == (2, 2)
    with pytest.raises(InputError):
        normalize_partition([1, -1])
    with pytest.raises(InputError):
        character((2, 1), (2,))
