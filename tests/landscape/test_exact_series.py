"""Exact series (landscape.exact_series) against independent numerics: the numerical fit of
landscape.asymptotics (Newton at d ~ 10^10..10^12 + polynomial fit) and Newton solutions of the
plain reduced equations (landscape.fixed_points) at d = 10^3..10^6."""

import mpmath
import pytest
import sympy

from landscape.asymptotics import _start, family_solution
from landscape.exact_series import family_series


@pytest.fixture(scope="module")
def ser():
    return family_series(1, order=3)


def test_leading_terms_closed_form(ser):
    pi = sympy.pi
    want = [8 / pi, 2 + 8 / pi + 8 / pi ** 2, -4 / pi, 2, 4 / pi]
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(ser.beta[0], want))
    assert ser.beta[1][3] == 0 and sympy.simplify(ser.beta[1][4] - 32 / pi ** 3) == 0


def test_series_error_shrinks_at_the_predicted_rate(ser):
    """Truncated after s^3, the error in θ/s^k is O(s^4): ratio of errors at d and 100 d ~ 10^4."""
    mpmath.mp.dps = 40
    errs = []
    for d in (10 ** 3, 10 ** 5):
        x = family_solution(1, d, _start(1, d), digits=40)
        s = mpmath.mpf(d) ** -0.5
        e = 0
        for t, (c, k) in enumerate(ser.scaling):
            approx = sum(mpmath.mpf(sympy.N(row[t], 40)) * s ** j for j, row in enumerate(ser.beta))
            e = max(e, abs((x[t] - c) / s ** k - approx))
        errs.append(e)
    ratio = errs[0] / errs[1]
    assert 10 ** 3.5 < ratio < 10 ** 4.5, (errs, ratio)
