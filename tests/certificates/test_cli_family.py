"""``relu-landscape find`` and ``table``: JSON contract, text output, bad input (exit 2)."""

import json

import numpy as np
import pytest

from certificates.cli import main
from landscape.loss import gradient, loss


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_find_json(capsys):
    code, out, err = run(capsys, "find", "--d", "6", "--partition", "5,1", "--starts", "60", "--json")
    assert code == 0
    payload = json.loads(out)
    pts = payload["critical_points"]
    losses = [p["loss"] for p in pts]
    assert losses == sorted(losses)
    spurious = [p for p in pts if not p["global"]]
    assert abs(spurious[0]["loss"] - 0.02508) < 5e-6 and spurious[0]["index"] == 0
    for p in pts:
        assert set(p) >= {"params", "W", "loss", "grad_norm", "index", "min_eigenvalue"}
        W = np.array(p["W"])
        assert W.shape == (6, 6)
        assert abs(float(loss(W)) - p["loss"]) < 1e-12  # independent: the full loss at the printed W
        assert np.abs(gradient(W)).max() < 1e-9
    assert set(pts[0]["params"]) == {"A1", "A2", "B11", "B12", "B21"}


def test_find_precision_and_text(capsys):
    code, out, _ = run(capsys, "find", "--d", "6", "--partition", "d-1,1", "--starts", "40", "--precision", "25",
                       "--json")
    assert code == 0
    p = [q for q in json.loads(out)["critical_points"] if not q["global"]][0]
    assert isinstance(p["loss"], str) and p["loss"].startswith("0.02508058")
    assert float(p["grad_norm"]) < 1e-24
    code, out, _ = run(capsys, "find", "--d", "20", "--partition", "d-1,1", "--starts", "20")
    assert code == 0 and "Δ(S_19×S_1)" in out
    code, out, _ = run(capsys, "find", "--d", "20", "--partition", "19,1", "--starts", "5", "--json")
    assert "W" not in json.loads(out)["critical_points"][0]
    code, out, _ = run(capsys, "find", "--d", "20", "--partition", "19,1", "--starts", "5", "--json", "--with-W")
    assert len(json.loads(out)["critical_points"][0]["W"]) == 20


def test_find_over_parameterised(capsys):
    code, out, _ = run(capsys, "find", "--d", "4", "--partition", "3,1", "--k", "5", "--starts", "20", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["k"] == 5 and "C11" in payload["param_names"]
    for p in payload["critical_points"]:
        assert np.array(p["W"]).shape == (5, 4)
        if p["kind"] in ("saddle", "minimum"):
            assert np.abs(gradient(np.array(p["W"]))).max() < 1e-9


def test_table_formats_and_out(capsys, tmp_path):
    code, out, _ = run(capsys, "table", "--partition", "d-1,1", "--d", "6..7", "--starts", "40", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["d"] for r in rows] == [6, 7]
    assert sum(e["multiplicity"] for e in rows[1]["eigenvalues"]) == 49
    code, out, _ = run(capsys, "table", "--partition", "d-1,1", "--d", "6", "--starts", "40")
    assert code == 0 and out.startswith("| d |")
    target = tmp_path / "t.csv"
    fig = tmp_path / "t.png"
    code, out, _ = run(capsys, "table", "--partition", "d-1,1", "--d", "6", "--starts", "40", "--format", "csv",
                       "--out", str(target), "--figure", str(fig))
    assert code == 0 and target.read_text().startswith("d,loss") and fig.exists()


@pytest.mark.parametrize("argv", [
    ["find", "--d", "6", "--partition", "4,1"],
    ["find", "--d", "6", "--partition", "x,1"],
    ["find", "--d", "6", "--partition", "5,1", "--k", "5"],
    ["find", "--d", "6", "--partition", "5,1", "--starts", "-3"],
    ["find", "--d", "6", "--partition", "5,1", "--precision", "0"],
    ["table", "--partition", "d-1,1", "--d", "9..6"],
    ["table", "--partition", "d-1,1", "--d", "six"],
    ["table", "--partition", "d+1,1", "--d", "6"],
    ["table", "--partition", "d-1,1", "--d", "6", "--format", "xls"],
])
def test_bad_input_exits_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err and err.strip()
