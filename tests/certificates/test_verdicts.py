"""Every verdict on points whose nature is known independently."""

from fractions import Fraction

import numpy as np
import pytest

from certificates.examples import type_a_point
from certificates.existence import krawczyk, polish, teacher_match
from certificates.overparam import find_split, merge_split, split_neuron
from certificates.verdict import Verdict, certify, lambda_min_lower_bound
from landscape.backends import mp_context
from landscape.io import Point
from landscape.loss import hessian, loss


@pytest.fixture(scope="module")
def type_a6():
    return Point.from_arrays(polish(Point.from_arrays(type_a_point(6))))


@pytest.fixture(scope="module")
def type_a5():
    return Point.from_arrays(type_a_point(5))


@pytest.mark.parametrize("d", [2, 3, 4])
def test_global_minimum_is_minimum(d):
    r = certify(Point.from_arrays(np.eye(d)))
    assert r.verdict is Verdict.MINIMUM
    assert r.enclosure.method == "teacher-match"
    lb = r.blocks[0]["lower_bound"]
    assert 0 < lb <= 0.25 - 1 / (2 * np.pi)  # that eigenvalue occurs at I_d (SPEC)


def test_type_a_d6_is_minimum(type_a6):
    assert abs(float(loss(type_a6.as_float()[0])) - 0.02508) < 1e-5  # Safran–Shamir
    r = certify(type_a6)
    assert r.verdict is Verdict.MINIMUM, r.reason
    lam = np.linalg.eigvalsh(hessian(type_a6.as_float()[0]))[0]
    assert 0 < r.blocks[0]["lower_bound"] <= lam


def test_type_a_d6_from_float_input(type_a6):
    """A float input is polished; the certificate is about the critical point within input_distance."""
    W = type_a6.as_float()[0] + 1e-9
    r = certify(Point.from_arrays(W))
    assert r.verdict is Verdict.MINIMUM
    assert r.input_distance < 1e-8


def test_type_a_d5_is_saddle(type_a5):
    r = certify(type_a5)
    assert r.verdict is Verdict.SADDLE, r.reason
    lam = np.linalg.eigvalsh(hessian(type_a5.as_float()[0]))[0]
    assert lam - 1e-8 <= r.interlacing[0]["upper_bound"] < 0  # interlacing: λ_min ≤ Rayleigh quotient


def test_far_from_critical_is_inconclusive():
    W = np.random.default_rng(3).standard_normal((4, 4))
    r = certify(Point.from_arrays(W))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert "not near-critical" in r.reason or "did not contract" in r.reason


def test_zero_eigenvalue_point_is_inconclusive_never_minimum():
    """Splitting I_3 gives a global minimiser with a zero Hessian eigenvalue (t moves freely)."""
    p = split_neuron(Point.from_arrays(np.eye(3)), 0, Fraction(1, 2))
    lam = np.linalg.eigvalsh(hessian(p.as_float()[0], alpha=np.ones(4)))
    assert abs(lam[0]) < 1e-12  # zero eigenvalues (the whole antisymmetric block vanishes at I_d)
    r = certify(p)
    assert r.verdict is Verdict.INCONCLUSIVE


def test_singular_hessian_blocks_krawczyk():
    """A near-singular Hessian: Krawczyk refuses (never a 'proved')."""
    p = split_neuron(Point.from_arrays(np.eye(3)), 1, Fraction(1, 3))
    enc = krawczyk(p)
    assert not enc.proved


def test_lambda_bound_refuses_indefinite_and_singular():
    import flint

    H = np.array([[flint.arb(1), flint.arb(0)], [flint.arb(0), flint.arb(0, 1e-20)]], dtype=object)
    assert not lambda_min_lower_bound(H)["proved"]
    H = np.array([[flint.arb(1), flint.arb(2)], [flint.arb(2), flint.arb(1)]], dtype=object)
    assert not lambda_min_lower_bound(H)["proved"]
    H = np.array([[flint.arb(2), flint.arb(1)], [flint.arb(1), flint.arb(2)]], dtype=object)
    b = lambda_min_lower_bound(H)
    assert b["proved"] and 0.999 < b["lower_bound"] <= 1


@pytest.mark.parametrize("i", [0, 5])
def test_split_type_a_minimum_is_saddle(type_a6, i):
    p = split_neuron(type_a6, i, Fraction(1, 3))
    s = find_split(p)
    assert (s.i, s.j, s.t) == (i, 6, Fraction(1, 3))
    assert merge_split(p, s).W.tolist() == type_a6.W.tolist()
    r = certify(p)
    assert r.verdict is Verdict.SADDLE, r.reason
    assert "antisymmetric" in r.interlacing[0]["subspace"]


def test_split_lemma_against_finite_differences(type_a6):
    """qᵀ∇²L_{k+1}q = δᵀ(D_i − ½I)δ / (t(1−t)) for q = (δ, −δ): second difference of the loss at 40 digits."""
    t, i, d = Fraction(1, 3), 5, 6
    H = hessian(type_a6.as_float()[0])
    E = H[i * d:(i + 1) * d, i * d:(i + 1) * d] - 0.5 * np.eye(d)
    delta = np.linalg.eigh(E)[1][:, 0]
    p = split_neuron(type_a6, i, t)
    ctx = mp_context(40)
    mp = ctx.mp
    W = np.vectorize(lambda x: mp.mpf(x.numerator) / x.denominator, otypes=[object])(p.W)
    q = np.zeros(W.shape, dtype=object)
    q[...] = mp.mpf(0)
    for c in range(d):
        q[i, c], q[6, c] = mp.mpf(delta[c]), -mp.mpf(delta[c])
    h = mp.mpf("1e-10")
    f = lambda s: loss(W + s * q, alpha=[1] * 7, ctx=ctx)
    fd = (f(h) - 2 * f(0) + f(-h)) / h**2
    lemma = delta @ E @ delta / float(t * (1 - t))
    assert lemma < 0
    assert abs(float(fd) - lemma) < 1e-7


def test_teacher_match_is_exact():
    assert teacher_match(Point.from_arrays(np.eye(3)[[1, 2, 0]]))
    assert not teacher_match(Point.from_arrays(np.eye(3) * 1.0000001))


def test_split_minimum_of_type_a_d7_descends_to_a_certified_spurious_minimum():
    """One added neuron at d = 7: descent from the split (certified) saddle ends at a certified
    minimum with positive loss, below the split point's loss (a k = 8 spurious minimum)."""
    from certificates.overparam import annihilation_experiment

    base = Point.from_arrays(polish(Point.from_arrays(type_a_point(7))))
    o = annihilation_experiment(base, 6, 1)
    assert o.k == 8
    assert o.verdict == "minimum", o.reason
    assert 0.01 < o.end_loss < o.start_loss
    # the endpoint is a genuine local minimum: random perturbations do not lower the loss
    W = o.endpoint.as_float()[0]
    rng = np.random.default_rng(0)
    L0 = loss(W, alpha=np.ones(8))
    assert all(loss(W + 1e-4 * rng.standard_normal(W.shape), alpha=np.ones(8)) > L0 for _ in range(20))


def test_two_added_neurons_reach_a_global_minimum_at_d7():
    from certificates.overparam import annihilation_experiment

    base = Point.from_arrays(polish(Point.from_arrays(type_a_point(7))))
    o = annihilation_experiment(base, 6, 2)
    assert o.k == 9 and o.verdict == "global" and o.end_loss < 1e-9


from hypothesis import given, settings, strategies as st


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.floats(1e-6, 0.2))
def test_lambda_bound_holds_for_every_matrix_in_the_balls(seed, r):
    """Property: the certified bound is ≤ λ_min of every symmetric matrix inside the interval matrix
    (wide balls make row sums overlap: regression for max() over ambiguous balls)."""
    import flint

    rng = np.random.default_rng(seed)
    n = 5
    A = rng.standard_normal((n, n))
    A = A @ A.T + 0.5 * np.eye(n)
    R = r * rng.uniform(0, 1, (n, n))
    R = (R + R.T) / 2
    Hb = np.array([[flint.arb(A[i, j], R[i, j]) for j in range(n)] for i in range(n)], dtype=object)
    b = lambda_min_lower_bound(Hb)
    if not b["proved"] and b.get("lower_bound") is None:
        return
    for _ in range(50):
        P = rng.uniform(-1, 1, (n, n))
        P = (P + P.T) / 2
        M = A + R * P
        assert np.linalg.eigvalsh(M)[0] >= b["lower_bound"] - 1e-12
    # the worst case of the Weyl bound: corners ±R
    M = A - R
    assert np.linalg.eigvalsh(M)[0] >= b["lower_bound"] - 1e-12


def test_float_point_near_the_teacher_is_certified_at_the_exact_global_minimum():
    from certificates.artifact import build_certificate
    from certificates.verifier import verify_certificate

    W = np.eye(4)[[3, 1, 0, 2]] + 1e-9
    r = certify(Point.from_arrays(W))
    assert r.verdict is Verdict.MINIMUM and r.enclosure.method == "teacher-match"
    assert 0 < r.input_distance < 2e-9
    assert verify_certificate(build_certificate(r))[0]
