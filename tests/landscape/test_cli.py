"""The ``loss`` and ``spectrum`` subcommands, in-process, including bad input."""

import json

import numpy as np
import pytest

from certificates.cli import main
from landscape.loss import loss_and_gradient


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 4))
    paths = {}
    paths["json"] = tmp_path / "w.json"
    paths["json"].write_text(json.dumps({"W": W.tolist()}))
    paths["npy"] = tmp_path / "w.npy"
    np.save(paths["npy"], W)
    paths["csv"] = tmp_path / "w.csv"
    paths["csv"].write_text("\n".join(",".join(repr(float(x)) for x in row) for row in W))
    return W, paths


@pytest.mark.parametrize("fmt", ["json", "npy", "csv"])
def test_loss_json_in_every_input_format(capsys, files, fmt):
    W, paths = files
    status, out, err = run(capsys, "loss", "--W", str(paths[fmt]), "--json")
    assert status == 0
    payload = json.loads(out)  # exactly one JSON object
    L, G = loss_and_gradient(W)
    assert payload["k"] == 3 and payload["d"] == 4
    assert payload["loss"] == pytest.approx(L, rel=1e-14)
    assert payload["grad_norm"] == pytest.approx(np.abs(G).max(), rel=1e-14)


def test_loss_precision_gives_decimal_strings(capsys, tmp_path):
    p = tmp_path / "w.json"
    p.write_text(json.dumps({"W": [["1.5", "0.25"], ["-0.5", "2"]]}))
    status, out, _ = run(capsys, "loss", "--W", str(p), "--json", "--precision", "40")
    assert status == 0
    value = json.loads(out)["loss"]
    assert isinstance(value, str) and len(value.replace("-", "").replace(".", "").lstrip("0")) >= 40
    assert float(value) == pytest.approx(loss_and_gradient(np.array([[1.5, 0.25], [-0.5, 2]]))[0], rel=1e-14)


def test_teacher_from_file_and_json(capsys, tmp_path):
    V = [[1.0, 0.5], [0.0, 2.0], [1.0, 1.0]]
    p = tmp_path / "w.json"
    p.write_text(json.dumps({"W": [[1.0, 0.0], [0.3, 1.0]], "V": V, "beta": [1, 2, 0.5]}))
    status, out, _ = run(capsys, "loss", "--W", str(p), "--json")
    want = loss_and_gradient(np.array([[1.0, 0.0], [0.3, 1.0]]), np.array(V), None, np.array([1, 2, 0.5]))[0]
    assert status == 0 and json.loads(out)["loss"] == pytest.approx(want, rel=1e-14)
    assert json.loads(out)["n"] == 3


def test_spectrum_dense_at_identity(capsys, tmp_path):
    p = tmp_path / "i.json"
    p.write_text(json.dumps({"W": np.eye(4).tolist()}))
    status, out, _ = run(capsys, "spectrum", "--W", str(p), "--method", "dense", "--json")
    payload = json.loads(out)
    assert status == 0 and payload["method"] == "dense"
    assert sum(e["multiplicity"] for e in payload["eigenvalues"]) == 16
    assert payload["min"] == pytest.approx(0.25 - 1 / (2 * np.pi), abs=1e-13)
    assert payload["negative_count"] == 0
    status, out, _ = run(capsys, "spectrum", "--W", str(p), "--method", "dense")
    assert status == 0 and "negative: 0" in out


BAD = {
    "ragged.json": '{"W": [[1, 2], [3]]}',
    "nan.json": '{"W": [[1, "nan"], [0, 1]]}',
    "inf.json": '{"W": [[1, Infinity], [0, 1]]}',
    "zero_row.json": '{"W": [[1, 0], [0, 0]]}',
    "teacher_mismatch.json": '{"W": [[1, 0], [0, 1]], "V": [[1, 0, 0]]}',
    "alpha_mismatch.json": '{"W": [[1, 0], [0, 1]], "alpha": [1, 2, 3]}',
    "not_json.json": "{W: ",
    "no_W.json": '{"V": [[1]]}',
    "vector.json": '{"W": [1, 2, 3]}',
    "words.csv": "1,2\nthree,4\n",
    "unknown.txt": "1 2",
}


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("command", ["loss", "spectrum"])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, name, command):
    p = tmp_path / name
    p.write_text(BAD[name])
    status, out, err = run(capsys, command, "--W", str(p))
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "error" in err


def test_missing_file_and_bad_npy(capsys, tmp_path):
    status, _, err = run(capsys, "loss", "--W", str(tmp_path / "nope.json"))
    assert status == 2 and "no such file" in err
    p = tmp_path / "w.npy"
    np.save(p, np.ones(3))
    status, _, err = run(capsys, "loss", "--W", str(p))
    assert status == 2 and "2-D" in err
    p.write_bytes(b"garbage")
    status, _, err = run(capsys, "loss", "--W", str(p))
    assert status == 2 and len(err.strip().splitlines()) == 1


def test_bad_precision(capsys, files):
    _, paths = files
    status, _, err = run(capsys, "loss", "--W", str(paths["json"]), "--precision", "0")
    assert status == 2 and "precision" in err
