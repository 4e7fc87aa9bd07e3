"""Class 7: equal eigenvalues of different irreps are merged (as the dense method does),
the isotypic path is O(1) in d, and float64-reported spectra at huge d have right digits.

Oracles: dense ``numpy.linalg.eigvalsh`` of the assembled Hessian; the
published value 1/4 − 1/(2π) at the global minimum (SPEC.md); mpmath at 60
digits (Newton polish + spectrum at 60 digits) for d = 10⁶.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from landscape.loss import hessian
from tests.hardening.helpers import REPO, run


@pytest.mark.parametrize("d", [5, 12, 30])
def test_isotypic_spectrum_at_the_identity_lists_each_value_once(d):
    from landscape.spectrum import spectrum

    iso = spectrum(np.eye(d), method="isotypic")
    vals = [float(e.value) for e in iso.eigenvalues]
    assert all(b - a > 1e-9 for a, b in zip(vals, vals[1:])), vals
    dense = np.linalg.eigvalsh(hessian(np.eye(d)))
    np.testing.assert_allclose(np.sort(iso.values()), dense, atol=1e-12)
    target = 0.25 - 1 / (2 * np.pi)
    hits = [e for e in iso.eigenvalues if abs(float(e.value) - target) < 1e-12]
    assert len(hits) == 1
    assert hits[0].multiplicity == int(np.sum(np.abs(dense - target) < 1e-9))
    assert len(hits[0].components) == 2 and " + " in hits[0].irrep


def test_cli_keeps_the_per_irrep_detail_in_json(tmp_path, capsys):
    np.save(tmp_path / "eye.npy", np.eye(8))
    code, out, _ = run(capsys, "spectrum", "--W", tmp_path / "eye.npy", "--method", "isotypic", "--json")
    data = json.loads(out)
    merged = [e for e in data["eigenvalues"] if "components" in e]
    assert merged and all(sum(c["multiplicity"] for c in e["components"]) == e["multiplicity"] for e in merged)


def test_irrep_dimensions_without_factorials_match_the_hook_length_formula():
    from landscape.isotypic_spectrum import _content_sum, _near_trivial, _near_trivial_dim
    from symmetry.irreps import content_sum, hook_dimension

    for p in range(1, 40):
        for lam in _near_trivial(p):
            assert _near_trivial_dim(lam) == hook_dimension(lam)
            assert _content_sum(lam) == content_sum(lam)


def test_isotypic_structure_at_d_one_billion_returns():
    code = ("from landscape.isotypic_spectrum import isotypic_structure\n"
            "o, parts = isotypic_structure((10**9 - 1, 1))\n"
            "assert sum(p.dim * p.multiplicity for p in parts) == (10**9)**2\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def test_float_spectrum_at_d_one_million_has_right_digits():
    from landscape.critical_points import analyse, polish
    from landscape.fixed_points import Family
    from landscape.isotypic_spectrum import family_spectrum

    fam = Family((999999, 1))
    start = [1.0, -0.99999464, -1.27e-12, 2.0e-06, 1.27e-06]  # near the type-A point (from continuation)
    x60 = polish(fam, start, 60)
    exact = family_spectrum(fam, x60, 60)
    pt = analyse(fam, start)  # float64 output; precision chosen from d
    assert len(pt.spectrum.eigenvalues) == len(exact.eigenvalues) == 12
    for a, b in zip(pt.spectrum.eigenvalues, exact.eigenvalues):
        assert a.multiplicity == b.multiplicity
        assert abs(float(a.value) - float(b.value)) <= 4e-16 * max(1.0, abs(float(b.value)))
    assert pt.extra["working_digits"] >= 30
