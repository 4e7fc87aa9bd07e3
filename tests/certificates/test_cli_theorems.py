"""certify --partition/--d, asymptotics and critical-dimension through the CLI, in-process."""

import json

import mpmath
import pytest
import sympy

from certificates import verifier
from certificates.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_certify_range_and_verify(tmp_path, capsys):
    cert = tmp_path / "a.json"
    code, out, err = _run(capsys, "certify", "--partition", "d-1,1", "--d", "6..7", "--out", str(cert), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["verdict"] == "minimum" and payload["proved"] == {"lo": 6, "hi": 7, "verdict": "minimum"}
    code, out, _ = _run(capsys, "verify", str(cert), "--json")
    assert code == 0 and json.loads(out)["valid"] and json.loads(out)["verdict"] == "minimum"
    # a verdict upgraded by hand and re-sealed is rejected (exit 1)
    art = json.loads(cert.read_text())
    art["range"]["hi"] = None
    art["digest"] = verifier.digest(art)
    cert.write_text(json.dumps(art))
    code, out, _ = _run(capsys, "verify", str(cert), "--json")
    assert code == 1 and not json.loads(out)["valid"]


def test_certify_infinite_range_is_inconclusive(tmp_path, capsys, monkeypatch):
    import certificates.all_d as all_d

    monkeypatch.setattr(all_d, "DEFAULT_FINITE_TAIL", 6)
    cert = tmp_path / "inf.json"
    code, out, err = _run(capsys, "certify", "--partition", "d-1,1", "--d", "6..inf", "--out", str(cert))
    assert code == 0, err
    assert "verdict: inconclusive" in out and "d > 6" in out


@pytest.mark.parametrize("argv,msg", [
    (["certify", "--partition", "d-1,1", "--d", "7..6"], "empty range"),
    (["certify", "--partition", "d-1,1", "--d", "6..6000"], "at most 5000"),
    (["certify", "--partition", "d-1,1+1", "--d", "3..inf"], "d >= 4"),
    (["certify", "--partition", "d-1,1"], "both --partition"),
    (["certify", "--partition", "d,1", "--d", "6..8"], "sum"),
    (["asymptotics", "--partition", "d-1,1", "--order", "9"], "--order"),
    (["asymptotics", "--partition", "d-2,1,1"], "two-block"),
    (["critical-dimension", "--partition", "d-1,1", "--precision", "500"], "--precision"),
    (["critical-dimension", "--partition", "d-4,4"], "supports"),
])
def test_bad_input_exit_2(capsys, argv, msg):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == "" and msg in err and len(err.strip().splitlines()) == 1


def test_critical_dimension_cli(capsys):
    code, out, err = _run(capsys, "critical-dimension", "--partition", "d-1,1", "--precision", "20", "--json")
    assert code == 0, err
    payload = json.loads(out)
    with mpmath.workdps(40):
        lo, hi = (mpmath.mpf(x) for x in payload["enclosure"])
        assert 5 < lo <= mpmath.mpf(payload["d"]) <= hi < 6
    assert len(payload["d"].replace(".", "")) == 20


def test_asymptotics_cli_json_and_latex(capsys):
    code, out, err = _run(capsys, "asymptotics", "--partition", "d-1,1", "--order", "0", "--json")
    assert code == 0, err
    payload = json.loads(out)
    lead = payload["loss"][0]
    assert lead["power"] == -1.0
    assert abs(float(sympy.sympify(lead["exact"])) - (0.5 - 2 / 3.141592653589793**2)) < 1e-15
    assert all(set(t) == {"power", "value", "exact"} for v in payload["params"].values() for t in v)
    assert all("series" in e and "irrep" in e for e in payload["eigenvalues"])
    # every leading eigenvalue coefficient is the exact limit derived from the regular Hessian
    assert all(e["limit"] == "derived" for e in payload["eigenvalues"])
    # and every eigenvalue series is derived (landscape.eigen_series), the fit kept beside it
    assert all(e["series_method"] == "derived" and e["fit_series"] for e in payload["eigenvalues"])
    assert payload["eigen_note"] is None
    lims = {sympy.sympify(x["exact"]) for x in payload["eigenvalue_limits"]["bounded"]}
    assert lims == {(sympy.pi - 2) / (4 * sympy.pi), sympy.Rational(1, 4), (sympy.pi + 2) / (4 * sympy.pi)}
    code, out, _ = _run(capsys, "asymptotics", "--partition", "d-1,1", "--order", "0", "--format", "latex")
    assert code == 0 and "\\begin{align*}" in out


def test_certify_infinite_range_with_tail(tmp_path, capsys, monkeypatch):
    """d-1,1 from d = 4000 on: the finite part (d = 4000) plus the tail, Hessian included: verdict
    minimum for every d >= 4000; `verify` accepts it and says what it verified."""
    import certificates.all_d as all_d

    monkeypatch.setattr(all_d, "DEFAULT_FINITE_TAIL", 4000)
    cert = tmp_path / "tail.json"
    code, out, err = _run(capsys, "certify", "--partition", "d-1,1", "--d", "4000..inf", "--out", str(cert), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["verdict"] == "minimum" and "for every d >= 4000" in payload["reason"]
    assert payload["tail"]["D"] == 4000 and payload["tail"]["existence"] and payload["tail"]["hessian"]
    assert payload["all_d_statement"].startswith("For every d >= 4000")
    code, out, _ = _run(capsys, "verify", str(cert), "--json")
    res = json.loads(out)
    assert code == 0 and res["valid"] and res["verdict"] == "minimum"
