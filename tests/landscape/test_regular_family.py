"""The regular rescaled system F̃(s, β) of the two-block families against the reduced gradient
of landscape.fixed_points (an independent evaluation: Kahan angles, arc-cosine kernel in θ)."""

import random

import mpmath
import pytest

from landscape.backends import mp_context
from landscape.fixed_points import Family, reduced_gradient
from landscape.regular_family import asinc_coefficients, mp_ops, two_block_system


def combined(sysm, g):
    """The same unit-triangular combination of gradient entries as the system (per column block)."""
    pivot = {}
    for t, key in enumerate(sysm.keys):
        pivot.setdefault(key[1] if key[0] == "A" else key[2], t)
    out = []
    for t, key in enumerate(sysm.keys):
        piv = pivot[key[1] if key[0] == "A" else key[2]]
        out.append(g[t] if piv == t else g[t] - g[piv])
    return out


@pytest.mark.parametrize("p", [1, 2])
def test_equals_scaled_reduced_gradient_at_integer_d(p):
    sysm = two_block_system(p)
    rng = random.Random(p)
    for d in (p + 5, 37, 1000, 10 ** 7):
        ctx = mp_context(60)
        mp = ctx.mp
        s = 1 / mp.sqrt(d)
        beta = [mp.mpf(rng.uniform(0.5, 3)) * sg for sg in sysm.signs]
        g = reduced_gradient(Family((d - p, p)), sysm.params_at(s, beta), ctx)
        want = [e / s ** v for e, v in zip(combined(sysm, g), sysm.valuations)]
        got = sysm.evaluate(s, beta, mp_ops(mp))
        assert max(abs(a - b) for a, b in zip(want, got)) < mpmath.mpf(10) ** -25, d


def test_jacobian_against_finite_differences():
    sysm = two_block_system(1)
    mp = mp_context(50).mp
    ops = mp_ops(mp)
    s = mp.mpf("0.05")
    beta = [mp.mpf(v) for v in ("2.5", "5.3", "-1.3", "2.0", "1.3")]
    F, J = sysm.evaluate(s, beta, ops, jacobian=True)
    h = mp.mpf(10) ** -20
    for k in range(len(beta)):
        bp = list(beta)
        bp[k] += h
        bm = list(beta)
        bm[k] -= h
        Fp, Fm = sysm.evaluate(s, bp, ops), sysm.evaluate(s, bm, ops)
        for i in range(len(F)):
            assert abs((Fp[i] - Fm[i]) / (2 * h) - J[i][k]) < mpmath.mpf(10) ** -15


def test_limit_system_type_a_closed_form():
    """Leading order of type A by hand from the limit equations: b12 = 2, b21 = 4/π, b11 = −4/π,
    a1 = 8/π, a2 = 2 + 8/π + 8/π²; these are the d^-1, d^-2 constants fitted in
    docs/theorems.md (B12 ~ 2/d, B21 ~ (4/π)/d, B11 ~ −(4/π)/d², A2 + 1 ~ (2 + 8/π + 8/π²)/d)."""
    import sympy

    sysm = two_block_system(1)
    pi = sympy.pi
    sol = dict(zip(sysm.betas, [8 / pi, 2 + 8 / pi + 8 / pi ** 2, -4 / pi, sympy.Integer(2), 4 / pi]))
    for eq in sysm.limit_system():
        assert sympy.simplify(eq.subs(sol)) == 0


def test_asinc_series_against_closed_form():
    mp = mp_context(40).mp
    ops = mp_ops(mp)
    for x in ("0.01", "0.2", "0.3", "-0.6"):
        x = mp.mpf(x)
        assert abs(ops["asinc"](x) - mp.asin(x) / x) < 1e-35
        assert abs(ops["asinc2"](x) - (mp.asin(x) / x - 1) / x ** 2) < 1e-30
        assert abs(ops["asinc_d"](x) - mp.diff(lambda y: mp.asin(y) / y, x)) < 1e-30
    assert asinc_coefficients(3)[1] == mp.mpf(1) / 6 or float(asinc_coefficients(3)[1]) == 1 / 6
