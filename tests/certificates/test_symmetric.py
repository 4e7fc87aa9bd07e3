"""Symmetric engine: the Fix(G') lemma against dense spectra, verdicts against the
full-space engine, verification and mutations of family certificates."""

import copy
import json

import numpy as np
import pytest

from certificates.artifact import build_family_certificate, certify_point
from certificates.examples import type_a_point
from certificates.symmetric import certify_family, polish_family, refine_params, refine_parts
from certificates.verdict import Verdict, certify
from certificates.verifier import digest, verify_certificate
from landscape.fixed_points import Family, assemble, params_from_W, reduced_hessian
from landscape.io import Point
from landscape.loss import hessian

from .test_verifier import _get, _leaves, _mutate, _set


@pytest.mark.parametrize("parts", [(5, 1), (3, 2), (4, 2, 1), (2, 2, 2), (6,), (3, 3, 1)])
def test_fix_gprime_compression_has_every_hessian_eigenvalue(parts):
    """Dense eigvalsh of the full Hessian vs the compression to Fix(G') at random points of Fix(H)."""
    rng = np.random.default_rng(sum(parts))
    fam = Family(parts)
    theta = list(rng.uniform(-0.5, 1.0, fam.dim))
    full = np.linalg.eigvalsh(hessian(assemble(fam, theta)))
    fine, _ = refine_parts(parts)
    ffam = Family(tuple(fine))
    Hp = np.asarray(reduced_hessian(ffam, refine_params(parts, theta)), float)
    s = np.sqrt(np.asarray(ffam.orbit_sizes, float))
    comp = np.linalg.eigvalsh(Hp / s[:, None] / s[None, :])
    scale = max(1.0, np.abs(full).max())
    # every compression eigenvalue is a Hessian eigenvalue, and every Hessian eigenvalue occurs
    assert all(np.min(np.abs(full - c)) < 1e-9 * scale for c in comp)
    assert all(np.min(np.abs(comp - f)) < 1e-9 * scale for f in full)


@pytest.mark.parametrize("d", [4, 5, 6, 7, 8])
def test_family_and_full_engines_agree(d):
    W = type_a_point(d)
    rf = certify_family((d - 1, 1), params_from_W(Family((d - 1, 1)), W))
    r = certify(Point.from_arrays(W))
    assert rf.verdict is r.verdict and rf.verdict is not Verdict.INCONCLUSIVE
    lam = np.linalg.eigvalsh(hessian(W))[0]
    if rf.verdict is Verdict.MINIMUM:
        assert 0 < rf.blocks[0]["lower_bound"] <= lam + 1e-9
        assert abs(rf.blocks[0]["lower_bound"] - r.blocks[0]["lower_bound"]) < 1e-8
    else:
        assert lam - 1e-9 <= rf.interlacing[0]["upper_bound"] < 0


@pytest.fixture(scope="module")
def family_certs():
    out = {}
    for d in (5, 6):
        r = certify_family((d - 1, 1), params_from_W(Family((d - 1, 1)), type_a_point(d)))
        out[d] = json.loads(json.dumps(build_family_certificate(r)))
    th = params_from_W(Family((11, 1)), type_a_point(12))
    for d in range(13, 41):
        th = polish_family((d - 1, 1), th)
    out[40] = json.loads(json.dumps(build_family_certificate(certify_family((39, 1), th))))
    return out


def test_family_certificates_verify(family_certs):
    assert [family_certs[d]["verdict"] for d in (5, 6, 40)] == ["saddle", "minimum", "minimum"]
    for c in family_certs.values():
        ok, _, reason = verify_certificate(c)
        assert ok, reason
    assert abs(family_certs[6]["loss_estimate"] - 0.02508) < 1e-5


def test_family_mutations_rejected(family_certs):
    tried = 0
    survivors = []
    for d, c in family_certs.items():
        for path in _leaves(c):
            m = copy.deepcopy(c)
            _set(m, path, _mutate(_get(c, path)))
            m["digest"] = digest(m)
            tried += 1
            if verify_certificate(m)[0]:
                survivors.append((d, path))
    print(f"\nfamily mutations tried: {tried}")
    assert tried > 90 and not survivors, survivors


def test_family_structural_mutations(family_certs):
    for c in family_certs.values():
        for mut in ("swap", "drop"):
            m = copy.deepcopy(c)
            if mut == "swap":
                m["verdict"] = "saddle" if c["verdict"] == "minimum" else "minimum"
            else:
                m["blocks"], m["interlacing"] = [], []
            m["digest"] = digest(m)
            assert not verify_certificate(m)[0]
        m = copy.deepcopy(c)
        m["verdict"] = "inconclusive"
        m["digest"] = digest(m)
        assert not verify_certificate(m)[0]


def test_far_from_critical_family_point_is_inconclusive():
    r = certify_family((5, 1), [1.0, 0.5, 0.2, 0.1, 0.3])
    assert r.verdict is Verdict.INCONCLUSIVE


def test_auto_engine_picks_family_for_symmetric_points():
    res, cert = certify_point(Point.from_arrays(type_a_point(9)))
    assert cert["engine"] == "family" and cert["verdict"] == "minimum"
    assert verify_certificate(cert)[0]
    res, cert = certify_point(Point.from_arrays(np.eye(3)))
    assert cert["engine"] == "full" and cert["verdict"] == "minimum"
