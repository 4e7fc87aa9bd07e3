"""landscape.eigen_series: the branch algorithm on pencils with known eigenvalue series (built
from chosen series, degenerate limits included), the symbolic isotypic parts against the
dimension count and isotypic_structure, and type A's derived eigenvalue series against the
isotypic spectrum at d = 10^4..10^7 (mpmath) and the independent fit (landscape.asymptotics)."""

import math

import mpmath
import pytest
import sympy

from landscape.eigen_series import (Laurent, NeedPrecision, _branches, _charpoly, eigenvalue_series,
                                    isotypic_parts)
from landscape.errors import InputError
from landscape.pi_field import PiField

K = PiField()
pi = sympy.pi


def lau(coeffs, val=0, prec=30):
    c = [K.from_sympy(x) for x in coeffs] + [K.zero] * (prec - val - len(coeffs))
    return Laurent(K, val, c[:prec - val])


def test_laurent_arithmetic_against_sympy_series():
    s = sympy.Symbol("s")
    f = (2 + pi * s - s ** 3 / pi) / s ** 2
    g = 1 / (1 - s / pi + s ** 2)
    F = lau([2, pi, 0, -1 / pi], val=-2, prec=12)
    G = lau([sympy.series(g, s, 0, 20).removeO().coeff(s, i) for i in range(20)], prec=20)
    prod = F * G
    want = sympy.series(f * g, s, 0, 12).removeO()
    assert prod.prec == 12  # min(-2 + 20, 0 + 12)
    for i in range(-2, 12):
        assert sympy.simplify(K.to_sympy(prod.coeff(i)) - want.coeff(s, i)) == 0
    inv = F.inv()
    want = sympy.series(1 / f, s, 0, 16).removeO()
    assert inv.val == 2 and inv.prec == 16
    for i in range(2, 16):
        assert sympy.simplify(K.to_sympy(inv.coeff(i)) - want.coeff(s, i)) == 0
    with pytest.raises(NeedPrecision):
        prod.coeff(12)


def _pencil(eigs, prec=24):
    """A = Q diag(eigs) Qᵀ B-orthogonal with B = Qᵀ⁻¹... built as A = Bᵀ... : B = P Pᵀ, A = P diag Pᵀ
    for a fixed invertible P with s-dependent entries, so det(A − λB) = det(P)² Π (eigs − λ)."""
    m = len(eigs)
    s = sympy.Symbol("s")
    P = sympy.Matrix(m, m, lambda i, j: (i + 1) ** j + (s if i == j else 0) + (pi * s ** 2 if (i + j) % 3 == 0 else 0))
    Dg = sympy.diag(*eigs)
    A, B = P * Dg * P.T, P * P.T

    def conv(e):
        e = sympy.expand(e)
        lo = min(0, min((sympy.Poly(sympy.expand(e * s ** 4), s).monoms() or [(4,)]))[0] - 4)
        ser = sympy.series(e, s, 0, prec).removeO() if e.has(s) else e
        return lau([sympy.expand(ser * s ** -lo).coeff(s, i) if ser != 0 else 0 for i in range(prec - lo)],
                   val=lo, prec=prec)

    return [[conv(A[i, j]) for j in range(m)] for i in range(m)], [[conv(B[i, j]) for j in range(m)] for i in range(m)]


def test_branches_recover_known_series_with_degenerate_limits():
    s = sympy.Symbol("s")
    eigs = [1 / (4 * s ** 2) + 1 / s + pi,            # Θ(d) branch
            sympy.Rational(1, 4) + s / pi + 2 * s ** 2,  # three branches with the limit 1/4,
            sympy.Rational(1, 4) + s / pi - s ** 3,      # two of them equal to O(s)
            sympy.Rational(1, 4) - s,
            (pi - 2) / (4 * pi) + s ** 2]
    A, B = _pencil(eigs)
    P = _charpoly(A, B, K)
    got = _branches(P, K)
    assert sum(m for _, m in got) == 5
    for e in eigs:
        ser = sympy.series(e * s ** 2, s, 0, 6).removeO()
        found = False
        for y, _ in got:
            y = y.normal()
            if y.prec < 4:
                continue
            if all(sympy.simplify(K.to_sympy(y.coeff(i)) - sympy.expand(ser).coeff(s, i + 2)) == 0
                   for i in range(y.val, y.val + 4)):
                found = True
        assert found, e


def test_branches_refuse_a_polynomial_without_precision():
    P = [lau([0], prec=2), lau([1], prec=10), lau([1], prec=10)]  # c_0 = O(s^2): valuation undecided
    with pytest.raises(NeedPrecision):
        _branches(P, K)


@pytest.mark.parametrize("p", [1, 2])
def test_isotypic_parts_account_for_every_eigenvalue(p):
    """Σ_λ m_λ dim λ = d² as polynomials in d (every eigenvalue of the d²×d² Hessian accounted
    for), and the multiplicities are those of the (numeric, d = 40) isotypic_structure."""
    d = sympy.Symbol("d")
    parts = isotypic_parts(p)
    total = sum(pt.multiplicity * sympy.sympify(pt.dim) for pt in parts)
    assert sympy.expand(total - d ** 2) == 0
    assert sum(pt.multiplicity for pt in parts) == {1: 12, 2: 19}[p]


@pytest.fixture(scope="module")
def type_a():
    return eigenvalue_series(1, order=1)


def test_type_a_series_against_the_isotypic_spectrum(type_a):
    """Each derived series (two terms) agrees with the mpmath isotypic spectrum at d = 10^4..10^7
    to O(d^(power - 1)), and the error shrinks at that rate; the limits are the published
    1/4 ± 1/(2π), 1/4 (Arjevani & Field, arXiv 2008.01805) and the Θ(d) ones d/4, d/(2π)."""
    from landscape.asymptotics import _branch, _spectrum

    ds = [10 ** 4, 10 ** 5, 10 ** 6, 10 ** 7]
    sols = _branch(1, ds, 40)
    specs = {d: _spectrum(1, d, sols[d], 40) for d in ds}
    assert len(type_a) == 12
    limits = {sympy.nsimplify(c.coefficients[0]) for c in type_a}
    want = {sympy.Rational(1, 4) - 1 / (2 * pi), sympy.Rational(1, 4) + 1 / (2 * pi), sympy.Rational(1, 4),
            1 / (2 * pi)}
    assert {sympy.simplify(v) for v in limits} == {sympy.simplify(v) for v in want}
    for b in type_a:
        errs = []
        for d in ds:
            vals = [v for (irrep, _), (v, _) in specs[d].items() if irrep == b.irrep]
            pred = sum(mpmath.mpf(str(sympy.N(c, 40))) * mpmath.mpf(d) ** (mpmath.mpf(b.power) - mpmath.mpf(j) / 2)
                       for j, c in enumerate(b.coefficients))
            errs.append(min(abs(v - pred) for v in vals))
        scale = [mpmath.mpf(d) ** (b.power - 1) for d in ds]
        assert all(e < 20 * sc for e, sc in zip(errs, scale)), (b, errs)
        slope = math.log(float(errs[-1] / errs[0])) / math.log(ds[-1] / ds[0])
        assert slope < b.power - 0.8, (b, slope, errs)


def test_type_a_second_terms_closed_form(type_a):
    """The d^(-1/2) corrections: -4/π² of the trivial-irrep 1/4 branch (also the fit's value in
    docs/theorems.md) and -1/π² of the [d-2,1] branches at 1/4 ± 1/(2π)."""
    got = {(b.irrep, sympy.nsimplify(b.coefficients[0]), sympy.simplify(b.coefficients[1])) for b in type_a}
    assert ("[d-1]", sympy.Rational(1, 4), sympy.simplify(-4 / pi ** 2)) in got
    assert ("[d-2,1]", sympy.nsimplify((pi - 2) / (4 * pi)), sympy.simplify(-1 / pi ** 2)) in got
    assert ("[d-2,1]", sympy.nsimplify((pi + 2) / (4 * pi)), sympy.simplify(-1 / pi ** 2)) in got


def test_bad_arguments():
    with pytest.raises(InputError):
        eigenvalue_series(3, 1)
    with pytest.raises(InputError):
        eigenvalue_series(1, 7)


@pytest.fixture(scope="module")
def fitted():
    from landscape.asymptotics import family_asymptotics

    return family_asymptotics("d-1,1", order=1, method="fit")


def test_derived_series_replace_the_fit_and_agree_with_it_to_20_digits(type_a, fitted):
    """asymptotics' eigenvalue entries take the derived series; wherever the independent fit
    (Newton solutions at d ~ 10^10..10^12, undetermined coefficients) resolves >= 22 digits,
    the two agree to 1e-20."""
    import copy

    from landscape.asymptotics import _derive_eigenvalue_series, to_json

    res = copy.deepcopy(fitted)
    _derive_eigenvalue_series(res, 1, 1)
    assert res.eigen_note is None
    assert [e["series_method"] for e in res.eigenvalues] == ["derived"] * 12
    checked = 0
    for e in res.eigenvalues:
        fit = {t.power: t for t in e["fit_series"]}
        for t in e["series"]:
            f = fit.get(t.power)
            if f is None or len(f.value.replace("-", "").replace(".", "").lstrip("0")) < 22:
                continue
            with mpmath.workdps(40):
                ex = mpmath.mpf(str(sympy.N(sympy.sympify(t.exact), 40)))
                assert abs(ex - mpmath.mpf(f.value)) <= mpmath.mpf(10) ** -20 * max(1, abs(ex)), (e["irrep"], t, f)
            checked += 1
        for power, f in fit.items():  # a coefficient derived to be 0 is 0 in the fit too
            if power not in {t.power for t in e["series"]} and power >= e["series"][0].power - 0.5:
                assert abs(mpmath.mpf(f.value)) < 1e-15, (e["irrep"], f)
    assert checked >= 10, checked
    j = to_json(res)
    assert {e["series_method"] for e in j["eigenvalues"]} == {"derived"}
    assert all(e["fit_series"] for e in j["eigenvalues"])
