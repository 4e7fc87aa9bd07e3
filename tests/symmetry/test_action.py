"""The action (π,ρ)·W = P_π W P_ρᵀ on matrices and cells."""

from fractions import Fraction

import numpy as np
import pytest

from symmetry.action import (act, act_on_cell, cell_permutation, compose, inverse,
                             permutation_matrix, random_element)
from symmetry.errors import InputError


def test_act_is_matrix_product():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 4))
    for _ in range(10):
        g = random_element(3, 4, rng)
        expected = permutation_matrix(g[0]) @ W @ permutation_matrix(g[1]).T
        assert np.array_equal(act(g, W), expected)


def test_left_action_and_cells():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 3))
    g, h = random_element(3, 3, rng), random_element(3, 3, rng)
    gh = (compose(g[0], h[0]), compose(g[1], h[1]))
    assert np.array_equal(act(g, act(h, W)), act(gh, W))
    out = act(g, W)
    for i in range(3):
        for j in range(3):
            a, b = act_on_cell(g, (i, j))
            assert out[a, b] == W[i, j]
            assert cell_permutation(g, 3, 3)[i * 3 + j] == a * 3 + b
    assert compose(g[0], inverse(g[0])) == (0, 1, 2)


def test_act_keeps_exact_entries():
    W = np.array([[Fraction(1, 3), Fraction(2)], [Fraction(0), Fraction(-1, 7)]], dtype=object)
    out = act(((1, 0), (1, 0)), W)
    assert out.dtype == object and out[0, 0] == Fraction(-1, 7)


def test_bad_elements():
    with pytest.raises(InputError):
        act(((0, 0), (0, 1)), np.zeros((2, 2)))
    with pytest.raises(InputError):
        act(((0, 1, 2), (0, 1)), np.zeros((2, 2)))
    with pytest.raises(InputError):
        act(((0,), (0,)), np.zeros(3))
