"""landscape.pi_field: Q(π) and Q(√2)(π) arithmetic against sympy's exact cancellation and
against mpmath at π's value (independent oracles)."""

import random

import mpmath
import pytest
import sympy

from landscape.pi_field import PiField

pi = sympy.pi


def _random_expr(rng, sqrt2):
    def poly():
        deg = rng.randint(0, 4)
        c = [sympy.Rational(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(deg + 1)]
        if sqrt2:
            c = [a + sympy.Rational(rng.randint(-3, 3), rng.randint(1, 3)) * sympy.sqrt(2) for a in c]
        return sum(a * pi ** i for i, a in enumerate(c))

    den = poly()
    while sympy.simplify(den) == 0:
        den = poly()
    return poly() / den


def _same(K, x, expr, sqrt2):
    """x equals expr: exact cancellation in Q(t) (t for π); with √2, values at π and at e to 60 digits
    (an identity of rational functions holding at two generic points to 60 digits)."""
    if not sqrt2:
        t = sympy.Symbol("t")
        return sympy.cancel((K.to_sympy(x) - expr).subs(pi, t)) == 0
    with mpmath.workdps(60):
        for v in (mpmath.pi, mpmath.e):
            want = sympy.N(expr.subs(pi, sympy.Float(v, 70)), 65)
            if abs(K.to_mpf(x, v) - mpmath.mpf(str(want))) > mpmath.mpf(10) ** -50 * (1 + abs(want)):
                return False
    return True


@pytest.mark.parametrize("sqrt2", [False, True])
def test_field_operations_match_sympy(sqrt2):
    rng = random.Random(7 + sqrt2)
    K = PiField(sqrt2)
    for _ in range(12):
        a, b = _random_expr(rng, sqrt2), _random_expr(rng, sqrt2)
        x, y = K.from_sympy(a), K.from_sympy(b)
        for got, want in ((x + y, a + b), (x - y, a - b), (x * y, a * b), (3 * x - y * 2, 3 * a - 2 * b)):
            assert _same(K, got, want, sqrt2)
        if x:
            assert _same(K, y / x, b / a, sqrt2)
            assert not _same(K, y / x, b / a + 1, sqrt2)  # the check can fail


def test_canonical_form_and_equality():
    K = PiField()
    x = K.from_sympy((pi ** 2 - 4) / (pi - 2))  # = pi + 2 after cancelling the common factor
    assert x == K.from_sympy(pi + 2)
    assert x.den.degree() == 0
    assert not (x - x)
    assert K.from_sympy(2 / pi) * K.from_sympy(pi / 2) == K.one
    with pytest.raises(ZeroDivisionError):
        K.one / K.zero


def test_sqrt2_field_rejects_what_it_cannot_hold():
    with pytest.raises(ValueError):
        PiField(False).from_sympy(sympy.sqrt(2) * pi)
    K = PiField(True)
    r = K.from_sympy(sympy.sqrt(2))
    assert r * r == K.from_sympy(2)
    assert (K.one + r).inverse() * (K.one + r) == K.one
