"""O(k d) pre-checks (issue 12, item 1) give the answers of today's implementations:
detect_family (reference: sorted signature tuples), find_split (all pairs),
teacher_match and the artifact's _family_of (Python loops over Fractions)."""

from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from certificates.artifact import _family_of_reference as _family_of
from certificates.examples import type_a_matrix
from certificates.existence import teacher_match
from certificates.overparam import _find_split_all_pairs as find_split
from certificates.verdict import family_precheck, find_split_fast, float_matrix, is_identity
from landscape.fixed_points import Family, _detect_family_reference, assemble, detect_family
from landscape.io import Point


def _same_detection(W):
    a, b = detect_family(W), _detect_family_reference(W)
    assert (a is None) == (b is None)
    if a is not None:
        assert a[0].parts == b[0].parts and a[1] == b[1] and a[2] == b[2]
    return a


def test_detect_family_on_permuted_family_points():
    rng = np.random.default_rng(0)
    for parts in ((5, 1), (9, 1), (4, 2), (2, 2, 2), (3, 2, 1), (1, 1, 1), (6,)):
        fam = Family(parts)
        W = assemble(fam, rng.normal(size=fam.dim))
        p = rng.permutation(fam.d)
        found = _same_detection(W[np.ix_(p, p)])
        assert found is not None and sorted(found[0].parts) == sorted(parts)
        _same_detection(W[np.ix_(p, p)] + 1e-13 * rng.normal(size=W.shape))  # within tolerance
        _same_detection(W[np.ix_(p, p)] + 1e-6 * rng.normal(size=W.shape))  # off Fix: broken symmetry


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 7), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_detect_family_on_matrices_with_many_ties(d, nvals, seed):
    W = np.random.default_rng(seed).integers(0, nvals, size=(d, d)).astype(float)
    _same_detection(W)


def test_find_split_fast_matches_all_pairs():
    rng = np.random.default_rng(1)
    for trial in range(40):
        k, d = int(rng.integers(2, 12)), int(rng.integers(1, 6))
        W = rng.normal(size=(k, d))
        alpha = [1] * k
        for _ in range(int(rng.integers(0, 3))):  # plant splits, antiparallel rows, near misses
            i, j = rng.choice(k, 2, replace=False)
            kind = rng.integers(0, 4)
            W[j] = W[i] * (rng.uniform(0.1, 3) if kind < 2 else -1.0)
            if kind == 2:
                W[j] = W[i] * 2 + 1e-7
            if kind == 3:
                alpha[j] = 2
        P = Point.from_arrays(W, alpha=alpha)
        a, b = find_split_fast(P), find_split(P)
        assert (a is None) == (b is None)
        if a is not None:
            assert (a.i, a.j, a.t) == (b.i, b.j, b.t)


def test_is_identity_and_float_matrix():
    assert is_identity(Point.from_arrays(np.eye(4)).V)
    V = Point.from_arrays(np.eye(3), V=[[1, 0, 0], [0, 1, Fraction(1, 10**400)], [0, 0, 1]]).V
    assert not is_identity(V)  # an entry that rounds to 0.0 is still not 0
    assert not is_identity(Point.from_arrays(np.eye(3), V=2 * np.eye(3)).V)
    P = Point.from_arrays([[Fraction(1, 3), Fraction(-7, 11)], [Fraction(10**30 + 1, 10**30), 2]])
    assert np.array_equal(float_matrix(P.W), P.as_float()[0])


def test_teacher_match_against_exact_row_multisets():
    rng = np.random.default_rng(2)
    for W, V in [(np.eye(4)[[2, 0, 3, 1]], None), (np.eye(4), None), (np.eye(3) + 1e-12, None),
                 (rng.normal(size=(3, 3)), None), (np.array([[1.0, 2.0], [3.0, 4.0]]), [[3, 4], [1, 2]]),
                 (np.array([[1.0, 2.0], [3.0, 5.0]]), [[3, 4], [1, 2]])]:
        P = Point.from_arrays(W, V=V)
        expected = sorted(map(tuple, P.W.tolist())) == sorted(map(tuple, P.V.tolist()))
        assert teacher_match(P) == expected


def test_family_precheck_is_the_artifacts_family_of():
    rng = np.random.default_rng(3)
    d = 8
    A = type_a_matrix((0.98, -0.03, 0.3, 0.25, -0.6), d)
    p = rng.permutation(d)
    split = np.vstack([A[:-1], 0.5 * A[-2]])
    split[-2] *= 0.5
    points = [Point.from_arrays(A[np.ix_(p, p)]), Point.from_arrays(np.eye(d)), Point.from_arrays(split),
              Point.from_arrays(A, V=2 * np.eye(d)), Point.from_arrays(A, alpha=[2] + [1] * (d - 1)),
              Point.from_arrays(rng.normal(size=(d, d))), Point.from_arrays(A[:, :-1])]
    for P in points:
        a, b = family_precheck(P), _family_of(P)
        assert (a is None) == (b is None)
        if a is not None:
            assert a[0] == b[0] and a[1] == b[1] and a[2] == b[2]
    assert family_precheck(points[0]) is not None
