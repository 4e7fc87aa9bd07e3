"""Series of the two-block families in d^(-1/2) (landscape.asymptotics) against solutions at
d = 10^3..10^8 computed independently by continuation (follow_family + polish)."""

import math

import mpmath
import pytest
import sympy

from landscape.asymptotics import evaluate_series, family_asymptotics, to_json, to_latex, to_text
from landscape.backends import mp_context
from landscape.critical_points import follow_family, polish
from landscape.errors import InputError
from landscape.fixed_points import Family, reduced_loss
from landscape.isotypic_spectrum import family_spectrum

DS = [10**3, 10**4, 10**5, 10**6]


@pytest.fixture(scope="module")
def series():
    return family_asymptotics("d-1,1", order=2, digits=45, method="fit")


@pytest.fixture(scope="module")
def numerics():
    pts = follow_family("d-1,1", DS)
    out = {}
    for pt in pts:
        d = sum(pt.family.parts)
        x = polish(pt.family, list(pt.params), 40)
        out[d] = (x, reduced_loss(pt.family, x, mp_context(40)))
    return out


def rate(errs, ds):
    """Slopes of log err against log d between consecutive d."""
    return [math.log(float(errs[i + 1] / errs[i])) / math.log(ds[i + 1] / ds[i]) for i in range(len(ds) - 1)]


def test_loss_series_error_shrinks_at_the_predicted_rate(series, numerics):
    terms = series.loss
    assert [t.power for t in terms] == [-1.0, -1.5, -2.0]
    errs = [abs(numerics[d][1] - evaluate_series(terms, d)) for d in DS]
    # next term is d^(-5/2): slope -2.5 (the d^(-3) term perturbs the slope by O(d^(-1/2)))
    for slope in rate(errs, DS)[1:]:
        assert abs(slope + 2.5) < 0.15, (slope, errs)


def test_parameter_series_error_rate(series, numerics):
    names = Family((5, 1)).param_names
    for name in ("B12", "B21", "A2"):
        terms = series.params[name]
        c = names.index(name)
        nxt = terms[-1].power - 0.5
        errs = [abs(numerics[d][0][c] - evaluate_series(terms, d)) for d in DS]
        for slope in rate(errs, DS)[1:]:
            assert abs(slope - nxt) < 0.2, (name, slope, nxt, errs)


def test_leading_constants(series):
    """Closed forms: d L -> 1/2 - 2/pi^2, B12 d -> 2, B21 d -> 4/pi (each also a check of the
    exact-form identification: parsed with sympy and compared to 30 digits)."""
    lead = series.loss[0]
    assert lead.power == -1.0
    assert sympy.simplify(sympy.sympify(lead.exact) - (sympy.Rational(1, 2) - 2 / sympy.pi**2)) == 0
    assert series.params["B12"][0].exact == "2"
    assert sympy.simplify(sympy.sympify(series.params["B21"][0].exact) - 4 / sympy.pi) == 0
    for t in series.loss + sum(series.params.values(), []):
        if t.exact is not None:
            assert abs(float(sympy.N(sympy.sympify(t.exact), 30)) - float(mpmath.mpf(t.value))) < 1e-12


def test_eigenvalue_series_against_isotypic_spectrum(series):
    """Eigenvalue limits 1/4 -+ 1/(2 pi) (Arjevani & Field, arXiv 2008.01805) and the Theta(d)
    eigenvalues d/4, d/(2 pi); the order-1 series matches the isotypic spectrum at d = 10^4 and
    10^6 to O(d^(-1))."""
    res = series
    leads = {(e["series"][0].power, e["series"][0].exact) for e in res.eigenvalues}
    for power, exact in leads:
        assert exact is not None
    vals = {sympy.nsimplify(sympy.sympify(x)) for p, x in leads}
    want = {sympy.Rational(1, 4) - 1 / (2 * sympy.pi), sympy.Rational(1, 4) + 1 / (2 * sympy.pi),
            sympy.Rational(1, 4), 1 / (2 * sympy.pi)}
    assert {sympy.simplify(v) for v in vals} == {sympy.simplify(v) for v in want}
    assert sorted({p for p, _ in leads}) == [0.0, 1.0]
    pts = follow_family("d-1,1", [10**4, 10**6])
    for pt in pts:
        d = sum(pt.family.parts)
        spec = sorted(float(e.value) for e in family_spectrum(pt.family, pt.params).eigenvalues)
        pred = sorted(float(evaluate_series(e["series"], d)) for e in res.eigenvalues)
        assert len(pred) >= len(spec)  # equal eigenvalues of different irreps are grouped by the spectrum
        for v in spec:
            assert min(abs(v - q) for q in pred) < 30 * max(1.0, abs(v)) / d, (d, v)
    j = to_json(res)
    assert set(j) >= {"loss", "params", "eigenvalues"}
    assert all(set(t) == {"power", "value", "exact"} for t in j["loss"])
    assert "\\begin{align*}" in to_latex(res) and "loss" in to_text(res)


@pytest.fixture(scope="module")
def derived():
    return family_asymptotics("d-1,1", order=1, spectrum=False)


def test_derived_series_match_the_fit_to_20_digits(derived, series):
    """The derived coefficients (exact_series: order-by-order solve of the regular system) agree
    with the independent numerical fit (Newton at d ~ 10^10..10^12 + polynomial fit) wherever the
    fit resolves >= 22 digits; and the derived leading constants are the known closed forms."""
    assert derived.method == "derived"
    checked = 0
    pairs = [(derived.loss, series.loss)] + [(derived.params[k], series.params[k]) for k in derived.params]
    for ex_terms, fit_terms in pairs:
        fit = {t.power: t for t in fit_terms}
        for t in ex_terms:
            f = fit.get(t.power)
            if f is None or len(f.value.replace("-", "").replace(".", "").lstrip("0")) < 22:
                continue
            with mpmath.workdps(40):
                ex = mpmath.mpf(str(sympy.N(sympy.sympify(t.exact), 40)))
                assert abs(ex - mpmath.mpf(f.value)) <= mpmath.mpf(10) ** -20 * max(1, abs(ex)), (t, f)
            checked += 1
    assert checked >= 6, checked
    pi = sympy.pi
    assert sympy.simplify(sympy.sympify(derived.loss[0].exact) - (sympy.Rational(1, 2) - 2 / pi ** 2)) == 0
    assert derived.loss[0].power == -1.0 and derived.loss[1].power == -1.5
    assert sympy.simplify(sympy.sympify(derived.loss[1].exact) + 32 / (3 * pi ** 4)) == 0
    assert sympy.simplify(sympy.sympify(derived.params["B21"][1].exact) - 32 / pi ** 3) == 0
    assert derived.params["B21"][1].power == -1.5


def test_bad_partition():
    with pytest.raises(InputError):
        family_asymptotics("d-2,1,1", order=1)
    with pytest.raises(InputError):
        family_asymptotics("d-1,1", order=11)


def test_split_variant_against_the_dense_hessian():
    """d-1,1+1 (type A's bad neuron split into halves, k = d + 1): the loss is type A's, the
    split rows carry half of type A's series; every eigenvalue of the dense (d+1)d x (d+1)d
    Hessian (numpy eigvalsh of landscape.loss.hessian) at d = 30 and 50 lies within 30/d of a
    series value (order 2), and the lowest one -- negative, the split saddle of Theorem 7 -- is
    the series -(8/pi^2) d^(-1/2) + ... to O(d^(-3/2))."""
    import numpy as np

    from landscape.fixed_points import assemble, split_params
    from landscape.loss import hessian

    res = family_asymptotics("d-1,1+1", order=2)
    base = family_asymptotics("d-1,1", order=2, spectrum=False)
    assert [t.exact for t in res.loss] == [t.exact for t in base.loss]
    assert sympy.simplify(sympy.sympify(res.params["C12"][0].exact) + sympy.Rational(1, 2)) == 0
    assert sympy.simplify(sympy.sympify(res.params["B21"][0].exact) - 2 / sympy.pi) == 0
    assert any(e["series"] == [] or e["series"][0].value == "0" for e in res.eigenvalues)  # the flat split
    low = min(res.eigenvalues, key=lambda e: float(evaluate_series(e["series"], 10**4)))
    assert low["series"][0].power == -0.5
    assert sympy.simplify(sympy.sympify(low["series"][0].exact) + 8 / sympy.pi**2) == 0
    for pt in follow_family("d-1,1", [30, 50]):
        d = sum(pt.family.parts)
        big, y = split_params(pt.family, list(pt.params), 1, 0.5)
        dense = np.linalg.eigvalsh(hessian(assemble(big, y)))
        pred = [float(evaluate_series(e["series"], d)) for e in res.eigenvalues]
        for v in dense:
            assert min(abs(v - q) for q in pred) < 30 * max(1.0, abs(v)) / d, (d, v)
        assert abs(dense[0] - float(evaluate_series(low["series"], d))) < 5 * d ** -1.5, (d, dense[0])
