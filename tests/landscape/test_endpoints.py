"""Classification of GD endpoints up to S_k × S_d.

Oracles: the published type-A loss at d = 6 (0.02508, Safran & Shamir 2018,
Table/§4), brute-force orbits under S_3 × S_3, dense ``numpy.linalg.eigvalsh``
of the assembled Hessian against the reported index / λ_min (computed by the
isotypic engine), and invariance under random group elements (hypothesis).
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from landscape.critical_points import find_critical_points
from landscape.endpoints import classify_endpoints
from landscape.errors import InputError
from landscape.loss import hessian, loss
from symmetry.action import act, random_element


@pytest.fixture(scope="module")
def type_a6():
    pts = find_critical_points((5, 1), starts=60, seed=0)
    W = [p for p in pts if abs(float(p.loss) - 0.02508) < 1e-4]
    assert W, [float(p.loss) for p in pts]
    return W[0].W()


@pytest.fixture(scope="module")
def s42_point():
    pts = find_critical_points((4, 2), starts=30, seed=1)
    W = [p for p in pts if abs(float(p.loss) - 0.0371956) < 1e-6]
    assert W, [float(p.loss) for p in pts]
    return W[0].W()


def orbit_copies(W, n, rng, noise=1e-12):
    k, d = W.shape
    return [act(random_element(k, d, rng), W) + noise * rng.standard_normal((k, d)) for _ in range(n)]


def test_type_a_d6_one_family(type_a6):
    rng = np.random.default_rng(0)
    Ws = np.stack(orbit_copies(type_a6, 12, rng))
    c = classify_endpoints(Ws)
    assert len(c.families) == 1
    f = c.families[0]
    assert f.count == 12 and f.members == list(range(12))
    assert abs(f.loss - 0.02508) < 1e-5  # Safran & Shamir (ICML 2018): type A at k = n = 6
    assert f.isotropy_name == "Δ(S_5×S_1)" and f.isotropy_order == 120 and f.fix_dim == 5
    assert f.partition == (5, 1)
    assert not f.is_global and not f.degenerate
    assert f.spectrum_method == "isotypic"
    ev = np.linalg.eigvalsh(hessian(f.representative))  # dense oracle
    assert f.index == int(np.sum(ev < -1e-8)) == 0
    assert abs(f.lambda_min - ev[0]) < 1e-9
    assert f.max_member_deviation < 1e-10
    # the representative is a permutation of the input point
    assert abs(loss(f.representative) - loss(type_a6)) < 1e-14


def test_mixed_batch(type_a6, s42_point):
    rng = np.random.default_rng(1)
    d = 6
    glob = [act(random_element(d, d, rng), np.eye(d)) + 1e-12 * rng.standard_normal((d, d)) for _ in range(5)]
    A = orbit_copies(type_a6, 4, rng)
    S = orbit_copies(s42_point, 3, rng)
    order = rng.permutation(12)
    Ws = np.stack(glob + A + S)[order]
    c = classify_endpoints(Ws)
    assert [f.count for f in c.families] == [5, 4, 3]
    g, a, s = c.families
    assert g.is_global and g.teacher_match and g.loss < 1e-20 and g.isotropy_name == "ΔS_6"
    assert a.isotropy_name == "Δ(S_5×S_1)" and not a.is_global
    assert s.isotropy_name == "Δ(S_4×S_2)" and s.partition == (4, 2)
    ev = np.linalg.eigvalsh(hessian(s.representative))
    assert s.index == int(np.sum(ev < -1e-8)) == 3  # a saddle (find reports index 3 too)
    assert abs(s.lambda_min - ev[0]) < 1e-9
    truth = np.array([0] * 5 + [1] * 4 + [2] * 3)[order]
    assert c.labels.tolist() == truth.tolist()
    assert (c.global_count, c.spurious_count) == (5, 7)
    # the global minimum's spectrum contains 1/4 - 1/(2π) (SPEC.md)
    assert abs(g.lambda_min - (0.25 - 1 / (2 * np.pi))) < 1e-9


def test_same_pattern_different_values_are_different_families(type_a6):
    # two different critical points with the same isotropy Δ(S_5×S_1)
    pts = find_critical_points((5, 1), starts=60, seed=0)
    other = [p for p in pts if abs(float(p.loss) - 0.0473958) < 1e-6][0].W()
    rng = np.random.default_rng(2)
    c = classify_endpoints(np.stack(orbit_copies(type_a6, 2, rng) + orbit_copies(other, 2, rng)))
    assert [f.count for f in c.families] == [2, 2]
    assert all(f.isotropy_name == "Δ(S_5×S_1)" for f in c.families)
    assert c.families[0].loss < c.families[1].loss


def brute_same_orbit(A, B):
    k, d = A.shape
    return any(np.array_equal(act((p, r), A), B) for p in itertools.permutations(range(k))
               for r in itertools.permutations(range(d)))


def test_families_are_brute_force_orbits():
    # small matrices with repeated values: families must be exactly the orbits under S_3 × S_3
    rng = np.random.default_rng(3)
    base = [rng.choice([0.3, -0.7, 1.1], size=(3, 3)) for _ in range(6)]
    Ws = [act(random_element(3, 3, rng), base[i % 6]) for i in range(18)]
    c = classify_endpoints(np.stack(Ws), spectra=False)
    for a in range(18):
        for b in range(a + 1, 18):
            assert (c.labels[a] == c.labels[b]) == brute_same_orbit(Ws[a], Ws[b])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 5), d=st.integers(2, 5))
def test_invariant_under_permuting_rows_and_columns(seed, k, d):
    rng = np.random.default_rng(seed)
    base = [rng.standard_normal((k, d)), np.round(rng.standard_normal((k, d)), 0) + 0.25]
    Ws = np.stack([base[rng.integers(2)] for _ in range(6)])
    c1 = classify_endpoints(Ws, spectra=False)
    moved = np.stack([act(random_element(k, d, rng), W) for W in Ws])
    c2 = classify_endpoints(moved, spectra=False)
    assert c1.labels.tolist() == c2.labels.tolist()
    assert [f.count for f in c1.families] == [f.count for f in c2.families]
    for f1, f2 in zip(c1.families, c2.families):
        assert abs(f1.loss - f2.loss) < 1e-12
        assert f1.isotropy_name == f2.isotropy_name
        assert np.allclose(f1.representative, f2.representative, atol=1e-12)


def test_split_neurons_form_one_global_family():
    d = 4
    rng = np.random.default_rng(4)
    Ws = []
    for t in (0.3, 0.5, 0.8):
        W = np.vstack([np.eye(d), np.zeros((1, d))])
        W[d] = (1 - t) * W[1]
        W[1] = t * W[1]
        Ws.append(act(random_element(d + 1, d, rng), W))
    c = classify_endpoints(np.stack(Ws))
    assert len(c.families) == 1
    f = c.families[0]
    assert f.count == 3 and f.is_global and f.degenerate and "split" in f.degenerate_reason
    assert f.loss < 1e-20


def test_non_standard_teacher_uses_rows_only():
    V = np.array([[1.0, 0.2], [0.0, 1.0]])
    W = np.array([[0.9, 0.3], [0.1, 1.1]])
    Ws = np.stack([W, W[::-1], W[:, ::-1]])
    c = classify_endpoints(Ws, V=V)
    assert c.labels[0] == c.labels[1] != c.labels[2]
    assert c.families[0].isotropy_name is None
    assert abs(c.families[0].loss - loss(W, V)) < 1e-15 or abs(c.families[1].loss - loss(W, V)) < 1e-15


@pytest.mark.parametrize("kwargs", [dict(Ws=np.zeros((2, 2))), dict(Ws=np.full((1, 2, 2), np.nan)),
                                    dict(Ws=np.ones((1, 2, 2)), value_tol=-1.0),
                                    dict(Ws=np.ones((2, 2, 2)), loss_values=[1.0]),
                                    dict(Ws=np.ones((1, 2, 2)), V=np.eye(3))])
def test_bad_input(kwargs):
    with pytest.raises(InputError):
        classify_endpoints(**kwargs)
