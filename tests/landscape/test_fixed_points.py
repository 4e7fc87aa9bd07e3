"""The reduced loss, gradient and Jacobian in Fix(Δ(S_p1×…×S_pm)) against the
full closed forms at the assembled W, finite differences and mpmath."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.backends import SYMPY, mp_context
from landscape.errors import InputError
from landscape.fixed_points import (
    Family,
    assemble,
    detect_family,
    params_from_W,
    parse_partition,
    reduced_gradient,
    reduced_hessian,
    reduced_jacobian,
    reduced_loss,
    reduced_loss_gradient,
    symbolic_reduced_loss,
)
from landscape.loss import gradient, hessian, loss

FAMILIES = [(5, 1), (4, 2), (3, 2, 1), (1, 1), (2, 2), (1,), (6,), (2, 1, 1, 3)]


def random_params(fam, rng, scale=0.3):
    return list(np.array(fam.identity_params(), float) + scale * rng.normal(size=fam.dim))


def test_dimension_of_fixed_space():
    assert Family((9, 1)).dim == 5 and Family((3,)).dim == 2 and Family((1, 1)).dim == 4
    assert Family((4, 2)).dim == 6
    # dim Fix(H) = number of H-orbits of cells: their sizes add up to d^2
    for parts in FAMILIES:
        assert sum(Family(parts).orbit_sizes) == sum(parts) ** 2


@pytest.mark.parametrize("parts", FAMILIES)
def test_loss_and_gradient_match_full_formulas(parts):
    rng = np.random.default_rng(sum(parts))
    fam = Family(parts)
    for _ in range(3):
        x = random_params(fam, rng)
        W = assemble(fam, x)
        assert reduced_loss(fam, x) == pytest.approx(float(loss(W)), abs=1e-13)
        G = gradient(W)
        # the full gradient lies in Fix(H) and its orbit values are the reduced gradient
        np.testing.assert_allclose(G, assemble(fam, reduced_gradient(fam, x)), atol=1e-13)


@pytest.mark.parametrize("parts", [(5, 1), (3, 2, 1), (2, 2)])
def test_jacobian_is_the_sum_of_hessian_entries_over_orbits(parts):
    rng = np.random.default_rng(7)
    fam = Family(parts)
    x = random_params(fam, rng)
    H = hessian(assemble(fam, x))
    J = reduced_jacobian(fam, x)
    d = fam.d
    for c in range(fam.dim):
        e = np.zeros(fam.dim)
        e[c] = 1.0
        E = assemble(fam, e).ravel()  # indicator of orbit c
        column = (H @ E).reshape(d, d)  # d/dθ_c of the full gradient
        np.testing.assert_allclose(column, assemble(fam, J[:, c]), atol=1e-12)


@pytest.mark.parametrize("parts", [(5, 1), (3, 3), (2, 1, 2)])
def test_derivatives_against_finite_differences(parts):
    rng = np.random.default_rng(3)
    fam = Family(parts)
    x = np.array(random_params(fam, rng))
    h = 1e-6
    eye = np.eye(fam.dim)
    fd_loss = np.array([(reduced_loss(fam, x + h * e) - reduced_loss(fam, x - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(reduced_loss_gradient(fam, x), fd_loss, atol=1e-7)
    fd_grad = np.array([(reduced_gradient(fam, x + h * e) - reduced_gradient(fam, x - h * e)) / (2 * h) for e in eye]).T
    np.testing.assert_allclose(reduced_jacobian(fam, x), fd_grad, atol=1e-7)
    Hr = reduced_hessian(fam, x)
    np.testing.assert_allclose(Hr, Hr.T, atol=1e-11)


def test_mpmath_gradient_matches_full_mpmath_gradient():
    ctx = mp_context(40)
    fam = Family((4, 2))
    x = ["0.9", "1.2", "0.05", "-0.1", "0.2", "0.3"]
    W = assemble(fam, x, ctx)
    G = gradient(W, ctx=ctx)
    g = reduced_gradient(fam, x, ctx)
    R = assemble(fam, g, ctx)
    assert max(abs(a - b) for a, b in zip(G.ravel(), R.ravel())) < ctx.mp.mpf(10) ** -38
    assert abs(reduced_loss(fam, x, ctx) - loss(W, ctx=ctx)) < ctx.mp.mpf(10) ** -38


def test_loss_at_d30_against_full_50_digit_loss():
    ctx = mp_context(50)
    fam = Family((29, 1))
    x = ["0.99", "-0.8", "0.01", "0.03", "0.4"]
    full = loss(assemble(fam, x, ctx), ctx=ctx)
    assert abs(reduced_loss(fam, x, ctx) - full) < ctx.mp.mpf(10) ** -48
    assert abs(reduced_loss(fam, [float(v) for v in x]) - float(full)) <= 1e-15 * abs(float(full))


def test_float_loss_at_large_d_has_every_digit():
    """At d = 10^4 the loss is ~1e-5, a difference of terms of size d^2: the
    float result must agree with a 50-digit evaluation to full relative precision."""
    fam = Family((9999, 1))
    # near the type-A branch (orders of magnitude as in Arjevani & Field)
    x = [0.99995, -0.9999, 1e-4, 4e-4, 0.0099]
    exact = reduced_loss(fam, x, mp_context(50))
    approx = reduced_loss(fam, x)
    assert isinstance(approx, float)
    assert abs(approx - float(exact)) <= 2e-16 * abs(float(exact))
    # and the 50-digit value is stable under more digits
    assert abs(exact - reduced_loss(fam, x, mp_context(80))) < mp_context(50).mp.mpf(10) ** -49 * abs(exact)


def test_global_minimum_and_zero():
    for parts in FAMILIES:
        fam = Family(parts)
        assert abs(reduced_loss(fam, fam.identity_params())) < 1e-14
        assert np.abs(reduced_gradient(fam, fam.identity_params())).max() < 1e-14
    fam = Family((3, 2))
    with pytest.raises(InputError):
        reduced_loss(fam, [0, 0, 0, 0, 0, 0])  # zero rows
    with pytest.raises(InputError):
        reduced_loss(fam, [1, 2])


def test_sympy_reduced_loss_is_exact():
    expr, syms = symbolic_reduced_loss((2, 1))
    vals = [1, 1, 0, 0, 0]
    assert expr.subs(dict(zip(syms, vals))).simplify() == 0
    vals = [0.5, 1.5, 0.25, -0.25, 0.125]
    fam = Family((2, 1))
    assert float(expr.subs(dict(zip(syms, vals)))) == pytest.approx(float(loss(assemble(fam, vals))), abs=1e-13)
    # the symbolic loss at d = 3 differentiates to the reduced loss gradient
    g = [float(expr.diff(s).subs(dict(zip(syms, vals)))) for s in syms]
    np.testing.assert_allclose(g, reduced_loss_gradient(fam, vals), atol=1e-12)
    assert reduced_loss(fam, vals, SYMPY) is not None


def test_params_round_trip_and_detection():
    rng = np.random.default_rng(11)
    fam = Family((4, 2, 1))
    x = random_params(fam, rng)
    W = assemble(fam, x)
    np.testing.assert_allclose(params_from_W(fam, W), x, atol=1e-15)
    perm = rng.permutation(fam.d)
    Wp = W[np.ix_(perm, perm)]
    found = detect_family(Wp)
    assert found is not None
    fam2, order, params = found
    assert fam2.parts == (4, 2, 1)
    np.testing.assert_allclose(Wp[np.ix_(order, order)], assemble(fam2, params), atol=1e-14)
    assert detect_family(rng.normal(size=(5, 5))).__class__ in (tuple, type(None))


def test_parse_partition():
    assert parse_partition("d-1,1", 6) == (5, 1)
    assert parse_partition("d-2, 2", 10) == (8, 2)
    for bad in ["", "5,,1", "a,1", "0,6", "-1,7"]:
        with pytest.raises(InputError):
            parse_partition(bad, 6)
    with pytest.raises(InputError):
        parse_partition("4,1", 6)
    with pytest.raises(InputError):
        parse_partition("d-1,1")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 10_000))
def test_property_reduced_gradient_is_the_full_gradient(parts, seed):
    fam = Family(tuple(parts))
    rng = np.random.default_rng(seed)
    x = random_params(fam, rng, 0.5)
    W = assemble(fam, x)
    if np.linalg.norm(W, axis=1).min() < 1e-3:
        return
    # and W is invariant under a random element of H, so the loss is too
    np.testing.assert_allclose(gradient(W), assemble(fam, reduced_gradient(fam, x)), atol=1e-12)
    assert reduced_loss(fam, x) == pytest.approx(float(loss(W)), abs=1e-12)


OVER = [((5, 1), (1,)), ((3, 2), (2,)), ((4,), (1, 1)), ((2, 1), (3,))]


@pytest.mark.parametrize("parts,extra", OVER)
def test_over_parameterised_families_match_full_formulas(parts, extra):
    rng = np.random.default_rng(len(parts) + sum(extra))
    fam = Family(parts, extra)
    assert fam.k == sum(parts) + sum(extra) and sum(fam.orbit_sizes) == fam.k * fam.d
    x = list(0.3 + 0.4 * rng.normal(size=fam.dim))
    W = assemble(fam, x)
    assert W.shape == (fam.k, fam.d)
    assert reduced_loss(fam, x) == pytest.approx(float(loss(W)), abs=1e-13)
    np.testing.assert_allclose(gradient(W), assemble(fam, reduced_gradient(fam, x)), atol=1e-13)
    H = hessian(W)
    J = reduced_jacobian(fam, x)
    for c in range(fam.dim):
        e = np.zeros(fam.dim)
        e[c] = 1.0
        np.testing.assert_allclose((H @ assemble(fam, e).ravel()).reshape(W.shape), assemble(fam, J[:, c]), atol=1e-12)
    np.testing.assert_allclose(params_from_W(fam, W), x, atol=1e-15)


def test_split_keeps_loss_and_criticality():
    from landscape.critical_points import find_critical_points

    from landscape.fixed_points import split_params

    best = [p for p in find_critical_points((5, 1), starts=100) if not p.is_global][0]
    big, y = split_params(best.family, best.params, 1, 0.3)
    assert big.k == 7 and big.param_names[-2:] == ["C11", "C12"]
    W = assemble(big, y)
    assert float(loss(W)) == pytest.approx(float(best.loss), abs=1e-13)
    assert np.abs(gradient(W)).max() < 1e-9
    with pytest.raises(InputError):
        split_params(best.family, best.params, 0, 0.5)


def test_partition_parts_are_parsed_not_evaluated():
    """Parts with d are read by a small parser: the value of random + - *
    expressions agrees with Python's own arithmetic (the oracle), and text that
    would ask for unbounded work (powers) or is malformed is refused at once."""
    import random

    from landscape.errors import InputError
    from landscape.fixed_points import parse_partition

    rng = random.Random(5)
    for _ in range(200):
        d = rng.randint(1, 50)
        terms = ["*".join(rng.choice(["d", str(rng.randint(0, 99))]) for _ in range(rng.randint(1, 3)))
                 for _ in range(rng.randint(1, 4))]
        expr = terms[0] + "".join(rng.choice("+-") + t for t in terms[1:])
        value = eval(expr, {"__builtins__": {}}, {"d": d})  # the oracle: trusted text we generated
        if "d" in expr and 1 <= value < d:
            assert parse_partition(f"{expr},{d - value}", d) == (value, d - value)
    for bad in ["d**9**9,1", "d--1,1", "d-,1", "(d-1),1", "d-1e5,1", "d-" + "9" * 12 + ",1", "d/2,3"]:
        with pytest.raises(InputError):
            parse_partition(bad, 6)
