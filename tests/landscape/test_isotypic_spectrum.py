"""Isotypic spectra against dense eigvalsh of the assembled Hessian, eigenvalue
for eigenvalue with multiplicities, and against the irrep decomposition of
symmetry.isotypic (computed from characters, independently)."""

import numpy as np
import pytest

from landscape.backends import mp_context
from landscape.errors import InputError
from landscape.fixed_points import Family, assemble
from landscape.isotypic_spectrum import family_spectrum, isotypic_blocks, isotypic_spectrum, isotypic_structure
from landscape.loss import hessian
from landscape.spectrum import dense_spectrum, spectrum
from landscape.critical_points import solve
from symmetry.irreps import hook_dimension
from symmetry.isotypic import family_decomposition

FAMILIES = [(5, 1), (4, 2), (3, 3), (3, 2, 1), (2, 2), (1, 1), (7,), (2, 1, 1), (10, 2), (4, 3, 2)]


def point(fam, seed, scale=0.25):
    rng = np.random.default_rng(seed)
    return list(np.array(fam.identity_params(), float) + scale * rng.normal(size=fam.dim))


@pytest.mark.parametrize("parts", FAMILIES)
def test_isotypic_equals_dense_eigenvalues(parts):
    fam = Family(parts)
    x = point(fam, sum(parts))
    iso = family_spectrum(fam, x).values()
    dense = np.linalg.eigvalsh(hessian(assemble(fam, x)))
    assert len(iso) == fam.k * fam.d
    np.testing.assert_allclose(np.sort(iso), dense, atol=1e-11 * max(1, np.abs(dense).max()))


@pytest.mark.parametrize("parts", [(29, 1), (28, 2), (20, 10)])
def test_isotypic_equals_dense_at_d30(parts):
    fam = Family(parts)
    x = point(fam, 5, 0.1)
    s = family_spectrum(fam, x)
    dense = np.linalg.eigvalsh(hessian(assemble(fam, x)))
    np.testing.assert_allclose(np.sort(s.values()), dense, atol=1e-10 * np.abs(dense).max())


@pytest.mark.parametrize("parts", FAMILIES + [(30,), (29, 1), (6, 6, 1)])
def test_structure_matches_character_decomposition(parts):
    fam = Family(parts)
    _, irreps = isotypic_structure(fam.parts)
    ours = sorted((p.label, p.dim, p.multiplicity) for p in irreps)
    ref = sorted((c["irrep"], c["dim"], c["multiplicity"]) for c in family_decomposition(parts))
    assert ours == ref
    assert sum(p.dim * p.multiplicity for p in irreps) == fam.d ** 2
    for p in irreps:
        assert p.dim == np.prod([hook_dimension(lam) for lam in p.partitions])


def test_multiplicities_are_irrep_dimensions_on_a_critical_point():
    fam = Family((5, 1))
    x = solve(fam, [1.0, -0.9, 0.0, 0.1, 0.5])
    assert x is not None
    s = family_spectrum(fam, x)
    dense = dense_spectrum(assemble(fam, x))
    assert [e.multiplicity for e in sorted(dense.eigenvalues, key=lambda e: float(e.value))] == \
        [e.multiplicity for e in s.eigenvalues] or np.allclose(np.sort(s.values()), np.sort(dense.values()), atol=1e-10)
    dims = {p.label: p.dim for p in isotypic_structure((5, 1))[1]}
    for e in s.eigenvalues:
        assert e.multiplicity % dims[e.irrep] == 0


def test_number_of_distinct_eigenvalues_does_not_grow_with_d():
    counts = set()
    blocks = set()
    for d in (10, 20, 100, 1000, 10_000):
        fam = Family((d - 1, 1))
        x = point(fam, 1, 0.05)
        s = family_spectrum(fam, x)
        counts.add(len(s.eigenvalues))
        blocks.add(tuple(sorted((b.irrep.count(","), b.multiplicity) for b in isotypic_blocks(fam, x))))
        assert s.dimension == d * d
    assert len(blocks) == 1 and max(counts) <= 12


def test_global_minimum_spectrum():
    s = family_spectrum(Family((9, 1)), [1, 1, 0, 0, 0])
    assert any(abs(float(e.value) - (0.25 - 1 / (2 * np.pi))) < 1e-14 for e in s.eigenvalues)
    np.testing.assert_allclose(np.sort(s.values()), np.linalg.eigvalsh(hessian(np.eye(10))), atol=1e-13)


def test_high_precision_agrees_with_float_and_dense_mpmath():
    fam = Family((3, 1))
    x = ["0.95", "-0.7", "0.05", "0.2", "0.4"]
    hi = family_spectrum(fam, x, digits=40)
    dense = dense_spectrum(assemble(fam, [float(v) for v in x]).tolist(), digits=30)
    mp = mp_context(40).mp
    a = sorted(mp.mpf(v) for v in np.repeat([e.value for e in hi.eigenvalues], [e.multiplicity for e in hi.eigenvalues]))
    b = sorted(np.repeat([e.value for e in dense.eigenvalues], [e.multiplicity for e in dense.eigenvalues]), key=float)
    # dense at 30 digits of the float-rounded point vs 40 digits of the exact decimal point: agree to ~1e-15
    assert max(abs(u - v) for u, v in zip(a, b)) < 1e-14
    # and the 40-digit values are stable at 60 digits
    hi2 = family_spectrum(fam, x, digits=60)
    for e, f in zip(hi.eigenvalues, hi2.eigenvalues):
        assert abs(e.value - f.value) < mp.mpf(10) ** -38 and e.multiplicity == f.multiplicity


def test_spectrum_entry_point_recognises_permuted_points():
    fam = Family((4, 2))
    x = point(fam, 9)
    W = assemble(fam, x)
    perm = np.random.default_rng(0).permutation(6)
    Wp = W[np.ix_(perm, perm)]
    s = spectrum(Wp, method="isotypic")
    assert s.method == "isotypic"
    np.testing.assert_allclose(np.sort(s.values()), np.linalg.eigvalsh(hessian(Wp)), atol=1e-12)
    assert spectrum(Wp, method="auto").method == "isotypic"


def test_unhandled_points():
    W = np.random.default_rng(1).normal(size=(4, 4))
    assert isotypic_spectrum(W) is None
    with pytest.raises(InputError):
        isotypic_spectrum(W, required=True)
    with pytest.raises(InputError):
        isotypic_spectrum(np.eye(3)[:2], required=True)
    with pytest.raises(InputError):
        isotypic_spectrum(np.eye(3), V=2 * np.eye(3), required=True)
    assert spectrum(W, method="auto").method == "dense"


def test_blocks_are_symmetric_in_every_context():
    fam = Family((4, 2))
    x = ["0.9", "1.1", "0.1", "-0.2", "0.05", "0.3"]
    ctx = mp_context(30)
    for blk in isotypic_blocks(fam, x, ctx):
        C = blk.C
        assert C.shape == (blk.copies * blk.multiplicity,) * 2
        assert max(abs(C[i, j] - C[j, i]) for i in range(C.shape[0]) for j in range(C.shape[0])) < ctx.mp.mpf(10) ** -30


@pytest.mark.parametrize("parts,extra", [((5, 1), (1,)), ((3, 2), (2,)), ((4,), (1, 1)), ((6, 1), (3,)), ((10,), (2,))])
def test_over_parameterised_isotypic_equals_dense(parts, extra):
    fam = Family(parts, extra)
    rng = np.random.default_rng(4)
    x = list(0.3 + 0.4 * rng.normal(size=fam.dim))
    s = family_spectrum(fam, x)
    dense = np.linalg.eigvalsh(hessian(assemble(fam, x)))
    assert s.dimension == fam.k * fam.d
    np.testing.assert_allclose(np.sort(s.values()), dense, atol=1e-11 * max(1, np.abs(dense).max()))


def test_spectrum_of_a_split_point_via_the_entry_point():
    """A k = d + 1 point with the split neuron as last row (certificates' convention)."""
    from landscape.critical_points import find_critical_points
    from landscape.fixed_points import split_params

    best = [p for p in find_critical_points((4, 1), starts=60) if not p.is_global][0]
    big, y = split_params(best.family, best.params, 1, 0.25)
    W = assemble(big, y)
    perm = list(np.random.default_rng(2).permutation(5))
    Wp = np.vstack([W[:5][np.ix_(perm, perm)], W[5:, perm]])
    s = spectrum(Wp, method="isotypic")
    assert s.method == "isotypic" and s.dimension == 30
    np.testing.assert_allclose(np.sort(s.values()), np.linalg.eigvalsh(hessian(Wp)), atol=1e-11)
    hi = isotypic_spectrum(Wp.tolist(), digits=30, required=True)
    np.testing.assert_allclose(np.sort(hi.values()), np.sort(s.values()), atol=1e-12)


def test_float_spectrum_at_d_10000_agrees_with_50_digits():
    """Every printed digit (6 significant) of the float64 spectrum at d = 10^4 is right."""
    fam = Family((9999, 1))
    x = [0.99995, -0.9999, 1e-4, 4e-4, 0.0099]
    lo = family_spectrum(fam, x)
    hi = family_spectrum(fam, x, digits=50)
    assert [(e.multiplicity, e.irrep) for e in lo.eigenvalues] == [(e.multiplicity, e.irrep) for e in hi.eigenvalues]
    for a, b in zip(lo.eigenvalues, hi.eigenvalues):
        assert abs(float(a.value) - float(b.value)) <= 1e-10 * max(1.0, abs(float(b.value)))
