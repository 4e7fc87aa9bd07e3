"""certify / verify / split through the CLI entry point, in-process."""

import json
from fractions import Fraction

import numpy as np
import pytest

from certificates.cli import main
from certificates.examples import type_a_point
from landscape.io import Point, read_point, write_point


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def a5(tmp_path):
    path = tmp_path / "a5.json"
    write_point(path, Point.from_arrays(type_a_point(5)))
    return path


def test_certify_and_verify_json(tmp_path, capsys, a5):
    cert = tmp_path / "a5.cert.json"
    script = tmp_path / "a5_proof.py"
    code, out, err = _run(capsys, "certify", "--W", str(a5), "--out", str(cert), "--script", str(script), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["verdict"] == "saddle" and payload["certificate"] == str(cert)
    assert payload["reason"] and payload["negative_rayleigh_upper_bound"] < 0
    assert cert.is_file() and script.is_file()
    code, out, _ = _run(capsys, "verify", str(cert), "--json")
    assert code == 0 and json.loads(out) == {"valid": True, "verdict": "saddle",
                                             "reason": json.loads(out)["reason"], "certificate": str(cert)}


def test_verify_rejects_a_bad_certificate_with_status_1(tmp_path, capsys):
    npy = tmp_path / "eye.npy"
    np.save(npy, np.eye(3))
    code, _, _ = _run(capsys, "certify", "--W", str(npy))
    assert code == 0
    cert = tmp_path / "eye.cert.json"
    data = json.loads(cert.read_text())
    data["verdict"] = "saddle"
    cert.write_text(json.dumps(data))
    code, out, _ = _run(capsys, "verify", str(cert))
    assert code == 1 and out.startswith("INVALID")
    cert.write_text("{not json")  # not a certificate at all: bad input (exit 2), not an invalid one (1)
    code, out, err = _run(capsys, "verify", str(cert), "--json")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [
    ["certify", "--W", "MISSING.json"],
    ["certify", "--W", "BAD.json"],
    ["certify", "--W", "ZERO.csv"],
    ["certify", "--W", "GOOD.json", "--out", "/nonexistent-dir/c.json"],
    ["certify", "--W", "GOOD.json", "--prec", "8"],
    ["verify", "MISSING.cert"],
    ["split", "--W", "GOOD.json", "--neuron", "7"],
    ["split", "--W", "GOOD.json", "--neuron", "0", "--t", "1.5"],
    ["split", "--W", "GOOD.json", "--neuron", "0", "--t", "abc"],
])
def test_bad_input_exit_2_and_nothing_written(tmp_path, capsys, argv, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "BAD.json").write_text('{"W": [[1, "x"]]}')
    (tmp_path / "ZERO.csv").write_text("0,0\n1,0\n")
    write_point(tmp_path / "GOOD.json", Point.from_arrays(np.eye(2)))
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_split_writes_the_input_format_and_certify_proves_saddle(tmp_path, capsys):
    from certificates.existence import polish

    src = tmp_path / "a6.json"
    write_point(src, Point.from_arrays(polish(Point.from_arrays(type_a_point(6)))))
    out = tmp_path / "a6_split.json"
    code, text, err = _run(capsys, "split", "--W", str(src), "--neuron", "2", "--t", "1/4", "--out", str(out), "--json")
    assert code == 0, err
    p = read_point(out)
    assert p.k == 7 and p.d == 6
    q = read_point(src)
    assert list(p.W[2]) == [Fraction(1, 4) * x for x in q.W[2]]
    assert list(p.W[6]) == [Fraction(3, 4) * x for x in q.W[2]]
    code, text, _ = _run(capsys, "certify", "--W", str(out), "--json")
    assert code == 0 and json.loads(text)["verdict"] == "saddle"
    code, _, _ = _run(capsys, "verify", str(tmp_path / "a6_split.cert.json"))
    assert code == 0


def test_split_npy_round_trip(tmp_path, capsys):
    src = tmp_path / "eye.npy"
    np.save(src, np.eye(3))
    code, _, _ = _run(capsys, "split", "--W", str(src), "--neuron", "1")
    assert code == 0
    W = np.load(tmp_path / "eye.split.npy")
    assert W.shape == (4, 3) and np.allclose(W[1], [0, 0.5, 0]) and np.allclose(W[3], [0, 0.5, 0])


def test_certify_bounds_the_point_size_before_the_work(tmp_path, capsys, monkeypatch):
    """certify --W refuses a point above CERTIFY_MAX_KD entries with one line
    naming the limit and the family route, and writes nothing (the bound is
    lowered here so the test needs no 200 MB file)."""
    import certificates.cli.certificate_commands as cc

    path = tmp_path / "a.npy"
    np.save(path, np.asarray(type_a_point(8), dtype=float))
    monkeypatch.setattr(cc, "CERTIFY_MAX_KD", 63)
    code, out, err = _run(capsys, "certify", "--W", str(path), "--out", str(tmp_path / "c.json"))
    assert code == 2 and out == ""
    assert "k d <= 63" in err and "k d = 64" in err and "--partition" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c.json").exists()
    monkeypatch.setattr(cc, "CERTIFY_MAX_KD", 64)
    code, out, err = _run(capsys, "certify", "--W", str(path), "--out", str(tmp_path / "c.json"), "--json")
    assert code == 0 and json.loads(out)["verdict"] == "minimum"
