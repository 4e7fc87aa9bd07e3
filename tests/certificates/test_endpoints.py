"""Certificates for endpoint families.

Oracles: the independent verifier (certificates.verifier.verify_certificate)
re-checks every claimed verdict; the published facts that type A at k = d = 6
is a spurious minimum with loss ≈ 0.02508 (Safran & Shamir, ICML 2018) and
that at d = 5 the same shape is a saddle (dense eigvalsh of the Hessian shows
the negative eigenvalue independently here).
"""

import json

import numpy as np
import pytest

from certificates.endpoints import certify_families
from certificates.examples import type_a_point
from certificates.verifier import verify_certificate
from landscape.endpoints import classify_endpoints
from landscape.errors import InputError
from landscape.loss import hessian
from symmetry.action import act, random_element


def family_of(W, n=3, seed=0):
    rng = np.random.default_rng(seed)
    k, d = W.shape
    Ws = np.stack([act(random_element(k, d, rng), W) + 1e-12 * rng.standard_normal((k, d)) for _ in range(n)])
    return classify_endpoints(Ws).families


def check(record, verdict):
    assert record["verdict"] == verdict, record
    cert = json.loads(open(record["certificate"]).read())
    ok, v, reason = verify_certificate(cert)
    assert ok and v == verdict, reason


def test_type_a_d6_is_a_certified_minimum(tmp_path):
    fams = family_of(type_a_point(6))
    assert abs(fams[0].loss - 0.02508) < 1e-5
    (r,) = certify_families(fams, tmp_path)
    check(r, "minimum")
    assert r["engine"] == "family" and r["count"] == 3 and r["family"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["family-0.cert.json"]  # no temporaries left


def test_type_a_d5_is_a_certified_saddle(tmp_path):
    W = type_a_point(5)
    assert np.linalg.eigvalsh(hessian(W))[0] < -1e-3  # independent: dense spectrum
    (r,) = certify_families(family_of(W), tmp_path, prefix="d5")
    check(r, "saddle")


def test_full_engine_on_type_a(tmp_path):
    (r,) = certify_families(family_of(type_a_point(6)), tmp_path, engine="full")
    check(r, "minimum")
    assert r["engine"] == "full"


def test_global_minimum(tmp_path):
    (r,) = certify_families(family_of(np.eye(4)), tmp_path)
    check(r, "minimum")
    assert r["existence"] == "teacher-match"


def test_far_from_critical_is_inconclusive(tmp_path):
    W = np.random.default_rng(5).standard_normal((4, 4)) + 3 * np.eye(4)
    c = classify_endpoints(W[None])
    (r,) = certify_families(c.families, tmp_path)
    assert r["verdict"] == "inconclusive" and r["reason"]
    ok, v, _ = verify_certificate(json.loads(open(r["certificate"]).read()))
    assert v == "inconclusive"


def test_failures_become_inconclusive_records_and_nothing_is_dropped(tmp_path):
    W = type_a_point(6)
    Z = np.eye(6)
    Z[2] = 0.0  # a zero row: Point.from_arrays refuses it
    c = classify_endpoints(np.stack([W, Z]))
    recs = certify_families(c.families, tmp_path)
    assert len(recs) == 2
    bad = [r for r in recs if r["certificate"] is None]
    assert len(bad) == 1 and bad[0]["verdict"] == "inconclusive" and "zero" in bad[0]["reason"]
    recs = certify_families(c.families, tmp_path, max_families=1)
    assert [r["verdict"] for r in recs][1] == "inconclusive" and "not attempted" in recs[1]["reason"]


@pytest.mark.parametrize("kwargs", [dict(engine="magic"), dict(prec=8), dict(max_families=-1), dict(prefix="a/b")])
def test_bad_input(tmp_path, kwargs):
    with pytest.raises(InputError):
        certify_families(family_of(np.eye(2)), tmp_path, **kwargs)


def test_missing_parent_directory(tmp_path):
    with pytest.raises(InputError):
        certify_families(family_of(np.eye(2)), tmp_path / "no" / "such")


def test_a_degenerate_global_family_is_reported_not_attempted(tmp_path):
    """k > n: the global minima form a manifold (a split teacher neuron); no
    isolated critical point exists to enclose, so the family is reported
    inconclusive with that reason, without running an engine, and kept."""
    import numpy as np

    from certificates.endpoints import certify_families
    from landscape.endpoints import classify_endpoints
    from landscape.loss import loss

    W = np.vstack([np.eye(4), 0.4 * np.eye(4)[2]])
    W[2] *= 0.6  # e_3 split 0.6 / 0.4: exactly on the manifold of global minima
    c = classify_endpoints(W[None], loss_values=np.array([loss(W)]), spectra=False)
    assert c.global_count == 1 and c.families[0].degenerate and c.families[0].representative.shape == (5, 4)
    rec, = certify_families(c.families, tmp_path / "certs")
    assert rec["verdict"] == "inconclusive" and "manifold" in rec["reason"] and rec["certificate"] is None
