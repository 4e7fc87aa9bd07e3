"""Class 3: parser edge cases -> one line on stderr, exit 2, in every reader including verify."""

import json

import numpy as np
import pytest

from tests.hardening.helpers import assert_one_line_error, run


def _files(tmp_path):
    f = {}
    f["overflow"] = tmp_path / "overflow.json"
    f["overflow"].write_text('{"W": [[1e999, 0], [0, 1]], "alpha": [1e999, 1]}')
    f["deep"] = tmp_path / "deep.json"
    f["deep"].write_text("[" * 100000 + "]" * 100000)
    f["empty_npy"] = tmp_path / "empty.npy"
    f["empty_npy"].write_bytes(b"")
    f["longint"] = tmp_path / "long.json"
    f["longint"].write_text('{"W": [[' + "7" * 5000 + ', 0], [0, 1]]}')
    f["dup"] = tmp_path / "dup.json"
    f["dup"].write_text('{"W": [[1, 0], [0, 1]], "W": [[5, 0], [0, 1]]}')
    f["nan"] = tmp_path / "nan.json"
    f["nan"].write_text('{"W": [[NaN, 0], [0, 1]]}')
    f["npy3d"] = tmp_path / "cube.npy"
    np.save(f["npy3d"], np.ones((2, 2, 2)))
    return f


@pytest.mark.parametrize("kind", ["deep", "empty_npy", "longint", "dup", "nan", "npy3d"])
@pytest.mark.parametrize("command", ["loss", "spectrum", "isotropy", "certify", "split"])
def test_hostile_point_files(tmp_path, capsys, command, kind):
    f = _files(tmp_path)[kind]
    argv = [command, "--W", f] + (["--neuron", "0"] if command == "split" else [])
    assert_one_line_error(*run(capsys, *argv))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in _files(tmp_path).values())


def test_overflow_literal_gives_a_correct_answer_or_a_clear_error(tmp_path, capsys):
    f = _files(tmp_path)["overflow"]
    code, out, err = run(capsys, "loss", "--W", f, "--json")
    assert_one_line_error(code, out, err)  # the loss (~1e1998) is beyond float64: said in one line
    code, out, err = run(capsys, "loss", "--W", f, "--precision", "10", "--json")
    assert code == 0 and "e+" in json.loads(out)["loss"]


@pytest.mark.parametrize("argv", [["find", "--d", "6", "--partition", "5,1", "--seed", "-1"],
                                  ["table", "--d", "6", "--partition", "d-1,1", "--seed", "-5"],
                                  ["find", "--d", "6", "--partition", "5,1", "--seed", str(2**64)]])
def test_negative_or_huge_seeds(capsys, argv):
    assert_one_line_error(*run(capsys, *argv))


@pytest.mark.parametrize("kind", ["deep", "longint", "dup", "nan", "empty_npy"])
def test_verify_on_hostile_files_exits_2(tmp_path, capsys, kind):
    assert_one_line_error(*run(capsys, "verify", _files(tmp_path)[kind]))


@pytest.mark.parametrize("text", ['{"hello": 1}', "[1, 2, 3]", '"a string"', "{not json", '{"format": "other/1"}'])
def test_verify_on_something_that_is_not_a_certificate_exits_2(tmp_path, capsys, text):
    f = tmp_path / "x.json"
    f.write_text(text)
    assert_one_line_error(*run(capsys, "verify", f))


def test_verify_on_a_tampered_certificate_still_exits_1(tmp_path, capsys):
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"W": [["1", "0"], ["0", "1"]]}))
    assert run(capsys, "certify", "--W", p)[0] == 0
    cert = tmp_path / "p.cert.json"
    data = json.loads(cert.read_text())
    data["verdict"] = "saddle"
    cert.write_text(json.dumps(data))
    code, out, _ = run(capsys, "verify", cert)
    assert code == 1 and out.startswith("INVALID")


def test_usage_errors_are_one_line(capsys):
    for argv in (["find", "--d", "9" * 5000, "--partition", "5,1"], ["bogus"], [], ["loss"],
                 ["table", "--partition", "d-1,1", "--d", "6", "--format", "xls"]):
        code, out, err = run(capsys, *argv)
        assert_one_line_error(code, out, err)
        assert len(err) < 600
