"""The family at real d (landscape.real_dimension): jets vs landscape.fixed_points at integer d,
and the critical fractional dimension of type A."""

import flint
import mpmath
import numpy as np
import pytest

from landscape.critical_points import follow_family
from landscape.errors import InputError
from landscape.fixed_points import Family, reduced_loss, reduced_loss_gradient, reduced_hessian
from landscape.isotypic_spectrum import family_spectrum
from landscape.real_dimension import compression, critical_dimension, reduced_loss_jet


@pytest.mark.parametrize("parts,x", [((5, 1), [0.9, -0.7, 0.01, 0.2, 0.15]),
                                     ((6, 2), [0.9, 0.1, 0.01, 0.2, 0.15, -0.9])])
def test_jet_matches_fixed_points_at_integer_d(parts, x):
    flint.ctx.dps = 30
    J = reduced_loss_jet([flint.arb(parts[0]), flint.arb(parts[1])], [True, parts[1] >= 2],
                         [flint.arb(repr(v)) for v in x])
    fam = Family(parts)
    assert abs(float(J.v.mid()) - reduced_loss(fam, x)) < 1e-13
    assert np.allclose([float(v.mid()) for v in J.g], reduced_loss_gradient(fam, x), atol=1e-12)
    H = np.array([[float(v.mid()) for v in row] for row in J.h])
    assert np.allclose(H, reduced_hessian(fam, x), atol=1e-11)


def test_compression_spectrum_is_the_hessian_spectrum_at_integer_d():
    """At d = 7 the compression's eigenvalues are exactly the distinct Hessian eigenvalues
    (isotypic spectrum, itself tested against dense eigvalsh)."""
    flint.ctx.dps = 30
    pt = follow_family("d-1,1", [7], start=[1.0, -0.65, -0.03, 0.27, 0.2])[0]
    S = compression(flint.arb(7), 1, [flint.arb(repr(float(v))) for v in pt.params])
    ev = np.linalg.eigvalsh(np.array([[float(v.mid()) for v in row] for row in S]))
    spec = sorted({round(float(e.value), 9) for e in family_spectrum(pt.family, pt.params).eigenvalues})
    assert sorted({round(v, 9) for v in ev}) == spec


@pytest.fixture(scope="module")
def dstar50():
    return critical_dimension("d-1,1", 50)


def test_critical_dimension_between_5_and_6(dstar50):
    r = dstar50
    with mpmath.workdps(100):
        lo, hi = mpmath.mpf(r.lo), mpmath.mpf(r.hi)
        assert 5 < lo < mpmath.mpf(r.d) < hi < 6
        assert hi - lo < mpmath.mpf(10) ** -47
    assert r.lam_lo < 0 < r.lam_hi


def test_critical_dimension_stable_50_vs_80_digits(dstar50):
    r80 = critical_dimension("d-1,1", 80)
    with mpmath.workdps(100):
        assert abs(mpmath.mpf(r80.d) - mpmath.mpf(dstar50.d)) < mpmath.mpf(10) ** -48
        assert mpmath.mpf(dstar50.lo) <= mpmath.mpf(r80.lo) and mpmath.mpf(r80.hi) <= mpmath.mpf(dstar50.hi)


def test_sign_change_agrees_with_integer_verdicts():
    """Independent of the enclosure: the isotypic spectrum is indefinite at d = 5, positive at d = 6."""
    pts = follow_family("d-1,1", [5, 6], start=[0.97, -0.55, -0.07, 0.36, 0.27])
    assert pts[0].min_eigenvalue < 0 < pts[1].min_eigenvalue


def test_bad_partition():
    with pytest.raises(InputError):
        critical_dimension("d-3,3")


def test_compression_two_bad_neurons_at_integer_d():
    """Δ(S_7×S_2) at d = 9: the compression (fine family (d-4,1,1,1,1)) has the isotypic spectrum."""
    flint.ctx.dps = 30
    pt = follow_family("d-2,2", [9], start=[0.9909, 0.1702, -0.0484, 0.2137, 0.1539, -0.7148])[0]
    S = compression(flint.arb(9), 2, [flint.arb(repr(float(v))) for v in pt.params])
    ev = np.linalg.eigvalsh(np.array([[float(v.mid()) for v in row] for row in S]))
    spec = sorted({round(float(e.value), 9) for e in family_spectrum(pt.family, pt.params).eigenvalues})
    assert sorted({round(v, 9) for v in ev}) == spec
    assert pt.min_eigenvalue > 0  # the first minimum of the family is d = 8 (d = 7: a saddle)
