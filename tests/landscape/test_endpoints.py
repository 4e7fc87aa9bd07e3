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
    assert f.loss < 1e-15  # exactly 0; float64 rounding of the closed form


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


# ---------------------------------------------------------------- over-parameterised global endpoints (k > d)


def split_angle(W, i, j):
    u, v = W[i] / np.linalg.norm(W[i]), W[j] / np.linalg.norm(W[j])
    return 2 * np.arcsin(np.linalg.norm(u - v) / 2)


def rotate_towards(w, z, theta):
    """w rotated by angle theta in the plane of w and z (|w| kept)."""
    n = np.linalg.norm(w)
    u = w / n
    e = z - (z @ u) * u
    e /= np.linalg.norm(e)
    return n * (np.cos(theta) * u + np.sin(theta) * e)


@pytest.mark.parametrize("na,nb,theta", [(0.5, 0.5, 1e-3), (0.3, 0.7, 3e-3), (0.9, 0.1, 1e-2), (1.2, 0.4, 2e-3)])
def test_split_cost_is_cubic_in_the_angle(na, nb, theta):
    # hand expansion (split_angle_bound docstring) against the closed-form loss of the two rows
    # with their merged row as teacher: ½E[(relu(a·x) + relu(b·x) − relu((a+b)·x))²]
    rng = np.random.default_rng(5)
    d = 4
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    a = na * u
    b = rotate_towards(nb * u, rng.standard_normal(d), theta)
    exact = loss(np.stack([a, b]), (a + b)[None, :])
    expansion = na ** 2 * nb ** 2 * theta ** 3 / (3 * np.pi * (na + nb) ** 2)
    assert abs(exact / expansion - 1) < 5 * theta  # relative error O(θ)
    # and the bound inverts it: at loss = the cost, the angle is within the bound (κ ≥ 1)
    from landscape.endpoints import split_angle_bound
    assert theta <= split_angle_bound(exact, na, nb) <= theta * (1.01 * 100) ** (1 / 3)


def test_split_cost_monte_carlo():
    # the same cost by Monte Carlo (independent of the kernel), 4 standard errors
    rng = np.random.default_rng(6)
    na, nb, theta = 0.6, 0.4, 0.2
    a = np.array([na, 0.0, 0.0])
    b = nb * np.array([np.cos(theta), np.sin(theta), 0.0])
    x = rng.standard_normal((400_000, 3))
    relu = lambda z: np.maximum(z, 0)  # noqa: E731
    h2 = 0.5 * (relu(x @ a) + relu(x @ b) - relu(x @ (a + b))) ** 2
    exact = loss(np.stack([a, b]), (a + b)[None, :])
    assert abs(h2.mean() - exact) < 4 * h2.std() / np.sqrt(h2.size)
    expansion = na ** 2 * nb ** 2 * theta ** 3 / (3 * np.pi * (na + nb) ** 2)
    assert abs(exact / expansion - 1) < 0.2


def random_split_teacher(d, extra, rng, angle):
    """I_d with ``extra`` rows split (random positive proportions t, 1 − t), the two copies turned
    apart by ``angle`` (radians) in a random plane, keeping their sum on the teacher row (as GD
    leaves them: the merged row converges fast, the split angle slowly); rows and columns permuted."""
    W = list(np.eye(d))
    for _ in range(extra):
        i = int(rng.integers(len(W)))
        t = rng.uniform(0.1, 0.9)
        w = W[i]
        z = rng.standard_normal(d)
        a = rotate_towards(t * w, z, (1 - t) * angle)
        b = rotate_towards((1 - t) * w, -z, t * angle)
        s = (a + b) @ w / (w @ w)  # rescale the pair so that its sum lies on w (to O(angle^3))
        W[i] = a / s
        W.append(b / s)
    return act(random_element(d + extra, d, rng), np.array(W))


@pytest.mark.parametrize("d,extra", [(3, 1), (4, 2), (6, 1)])
def test_random_split_global_points_are_global(d, extra):
    rng = np.random.default_rng(d * 10 + extra)
    # directions perturbed by 1e-7 (the brief), and split apart by 1e-4..1e-3 rad as GD leaves them at
    # L ~ 1e-13 (the strict 1e-6 direction rule does not merge those)
    Ws = [random_split_teacher(d, extra, rng, 0.0) + 1e-7 * rng.standard_normal((d + extra, d)) for _ in range(3)]
    Ws += [random_split_teacher(d, extra, rng, ang) for ang in (1e-4, 3e-4, 1e-3)]
    Ws = np.stack(Ws)
    losses = np.array([loss(W) for W in Ws])
    assert losses.max() < 1e-8
    from landscape.endpoints import _structure
    assert len(_structure(Ws[-1], None)[5]) == d + extra  # the strict rule alone would see no split
    c = classify_endpoints(Ws)
    assert len(c.families) == 1 and c.global_count == len(Ws)
    f = c.families[0]
    assert f.is_global and f.teacher_match and f.degenerate and "split" in f.degenerate_reason
    assert f.loss <= 1e-8
    # invariance under permuting rows and columns of each endpoint
    moved = np.stack([act(random_element(d + extra, d, rng), W) for W in Ws])
    c2 = classify_endpoints(moved)
    assert c2.labels.tolist() == c.labels.tolist() and c2.global_count == len(Ws)


def test_split_far_apart_is_not_global():
    # split at 0.05 rad: the merge would cost more than global_tol, so the loss rule refuses it
    rng = np.random.default_rng(8)
    W = random_split_teacher(3, 1, rng, 0.05)
    assert loss(W) > 1e-8
    c = classify_endpoints(W[None])
    assert c.global_count == 0 and not c.families[0].is_global


def test_split_type_a_stays_spurious(type_a6):
    # type A (d = 6) with its bad neuron (the row alone in its orbit) split: a spurious point of k = 7
    from landscape.endpoints import _structure
    rng = np.random.default_rng(9)
    W = type_a6
    norms = np.linalg.norm(W, axis=1)
    diag = np.abs(np.diag(W))
    bad = int(np.argmin(diag / norms))  # the row farthest from its teacher direction
    Ws = []
    for t, ang in ((0.3, 0.0), (0.6, 0.0), (0.45, 2e-4)):
        S = np.vstack([W, rotate_towards((1 - t) * W[bad], rng.standard_normal(6), ang) if ang else (1 - t) * W[bad]])
        S[bad] = t * W[bad]
        Ws.append(act(random_element(7, 6, rng), S))
    Ws = np.stack(Ws)
    c = classify_endpoints(Ws, spectra=False)
    assert c.global_count == 0 and all(not f.is_global and not f.teacher_match for f in c.families)
    # as before: the exact splits form one degenerate family at type A's loss; the split at 2e-4 rad
    # is not merged (strict rule: its loss is not small) and is a family of its own
    assert sorted(f.count for f in c.families) == [1, 2]
    two = [f for f in c.families if f.count == 2][0]
    assert two.degenerate and "split" in two.degenerate_reason
    assert abs(two.loss - 0.02508) < 1e-5  # Safran & Shamir (ICML 2018): type A at k = n = 6
    assert len(_structure(Ws[2], None)[5]) == 7
    # invariance under row/column permutations
    moved = np.stack([act(random_element(7, 6, rng), S) for S in Ws])
    assert classify_endpoints(moved, spectra=False).labels.tolist() == c.labels.tolist()


def test_gd_at_k_equal_d_plus_1_ends_global_without_the_loss_rule():
    # end to end: GD at k = d + 1 stops by the loss rule (loss <= 1e-12, gradient still ~1e-8: the split
    # closes only like 1/t); every run at loss <= 1e-12 must classify as the global minimum on its own
    from landscape.dynamics import train
    from landscape.endpoints import _structure

    res = train(5, 4, 6, seed=0, loss_tol=1e-12)
    low = res.loss <= 1e-12
    assert low.sum() >= 4
    assert any(len(_structure(W, None)[5]) == 5 for W in res.params[low])  # the strict rule sees no split
    c = classify_endpoints(res.params[low], loss_values=res.loss[low], spectra=False)
    assert c.global_count == int(low.sum()) and len(c.families) == 1


def published_k7_point():
    """The spurious minimum at k = n = 7 printed in the README of SYS21's code (repository
    ItaySafran/Overparameterization, "If a non-global minimum is found for k=7, then it will be
    (with overwhelming probability) the following"), in this project's layout (rows are neurons)."""
    W = np.full((7, 7), -0.0350801559)
    np.fill_diagonal(W, 0.9969227988)
    W[0, 1:] = 0.1859910463
    W[1:, 0] = 0.2616910758
    W[0, 0] = -0.6327039049
    return W


def test_published_k7_minimum_and_its_split():
    # oracle: the published point (10 digits); its loss and symmetry, then split: still spurious at k = 8
    rng = np.random.default_rng(10)
    W = published_k7_point()
    c = classify_endpoints(np.stack([act(random_element(7, 7, rng), W) for _ in range(3)]))
    f = c.families[0]
    assert len(c.families) == 1 and not f.is_global and f.isotropy_name == "Δ(S_6×S_1)"
    assert abs(f.loss - loss(W)) < 1e-12 and 0.0232 < f.loss < 0.02321
    assert f.index == 0 and f.lambda_min > 0
    S = np.vstack([W, 0.4 * W[0]])
    S[0] *= 0.6
    c2 = classify_endpoints(np.stack([act(random_element(8, 7, rng), S) for _ in range(2)]), spectra=False)
    assert len(c2.families) == 1 and c2.global_count == 0 and c2.families[0].degenerate
    assert abs(c2.families[0].loss - f.loss) < 1e-12  # splitting keeps the function


def test_merged_rows_are_within_the_loss_bound_of_the_teacher():
    # module docstring: ‖R − P V‖_F ≤ √(2/λ*) (√L + √cost), λ* = 1/4 − 1/(2π) the smallest Hessian
    # eigenvalue at I_d (dense oracle here); GD-like split points with their merged rows moved off the teacher
    from landscape.endpoints import _structure

    rng = np.random.default_rng(11)
    for d in (3, 5):
        lam = np.linalg.eigvalsh(hessian(np.eye(d)))[0]
        assert abs(lam - (0.25 - 1 / (2 * np.pi))) < 1e-12
        for eps in (1e-6, 1e-5):
            W = random_split_teacher(d, 1, rng, 3e-4)
            L0 = loss(W)
            W = W + eps * rng.standard_normal(W.shape)
            L = loss(W)
            R, _a, split, _n, cost, _g = _structure(W, None, L, 1e-8)
            assert split and R.shape == (d, d) and cost is not None
            P = np.zeros((d, d))
            P[np.arange(d), np.argmax(np.abs(R), axis=1)] = 1.0
            dist = np.linalg.norm(R - P)
            bound = np.sqrt(2 / lam) * (np.sqrt(L) + np.sqrt(cost))
            assert dist <= bound and L > L0  # the perturbation is seen by the loss and bounded by it


def test_a_small_split_share_at_a_wide_angle_is_global():
    """GD at k = n + 2 leaves a split piece of norm ~5e-4 at ~0.11 rad from its
    partner (seen at n = 13..18, L ~ 1e-10): its merge costs ~n²θ³/(3π) ~ 4e-11
    (exact closed-form loss checked here), so the endpoint is global."""
    from landscape.loss import loss as closed_loss

    d, theta, share = 6, 0.11, 5e-4
    piece = share * (np.cos(theta) * np.eye(d)[0] + np.sin(theta) * np.eye(d)[1])
    W = np.vstack([np.eye(d), piece])
    W[0] -= piece  # the pieces still sum to the teacher row e_1
    L = float(closed_loss(W))
    assert 1e-12 < L < 1e-9  # the merge cost is the whole loss, tiny
    c = classify_endpoints(W[None], loss_values=np.array([L]), spectra=False)
    assert c.global_count == 1 and c.spurious_count == 0
