"""``relu-landscape isotropy`` and ``subgroups``, called in-process."""

import json
import math

import numpy as np
import pytest

from certificates.cli import main


def run(capsys, argv):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def type_a_json(tmp_path, d):
    W = [["-0.1"] * d for _ in range(d)]
    for i in range(d):
        W[i][i] = "0.9"
        W[i][d - 1] = "0.3"
    W[d - 1] = ["0.2"] * (d - 1) + ["-0.5"]
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"W": W}))
    return path


def test_isotropy_json(tmp_path, capsys):
    path = type_a_json(tmp_path, 6)
    status, out, _ = run(capsys, ["isotropy", "--W", str(path), "--json"])
    assert status == 0
    data = json.loads(out)
    assert data["order"] == 120 and data["name"] == "Δ(S_5×S_1)" and data["fix_dim"] == 5
    assert {c["irrep"]: c["multiplicity"] for c in data["isotypic"]} == {
        "[5]": 5, "[4,1]": 5, "[3,2]": 1, "[3,1,1]": 1}
    assert sum(c["dim"] * c["multiplicity"] for c in data["isotypic"]) == 36
    W = np.array(json.loads(path.read_text())["W"], dtype=float)
    for pi, rho in data["generators"]:
        assert np.array_equal(W[np.ix_(pi, rho)], W)


def test_isotropy_text_and_tolerance(tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_text("1,0.0000000001\n0,1\n")
    status, out, _ = run(capsys, ["isotropy", "--W", str(path)])
    assert status == 0 and "isotropy of W (2x2): 1" in out
    status, out, _ = run(capsys, ["isotropy", "--W", str(path), "--tol", "1e-6", "--json"])
    assert json.loads(out)["order"] == 2


def test_isotropy_huge_order(tmp_path, capsys):
    path = type_a_json(tmp_path, 30)
    status, out, _ = run(capsys, ["isotropy", "--W", str(path), "--json"])
    data = json.loads(out)
    assert data["order"] == str(math.factorial(29))
    assert abs(data["order_log10"] - math.log10(math.factorial(29))) < 1e-9


def test_isotropy_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"W": [[1, "x"]]}')
    status, out, err = run(capsys, ["isotropy", "--W", str(bad)])
    assert status == 2 and "error" in err and "Traceback" not in err
    status, _, err = run(capsys, ["isotropy", "--W", str(tmp_path / "missing.json")])
    assert status == 2
    good = type_a_json(tmp_path, 3)
    status, _, err = run(capsys, ["isotropy", "--W", str(good), "--tol", "-1"])
    assert status == 2 and "--tol" in err


def test_subgroups(tmp_path, capsys):
    dot, gml = tmp_path / "l.dot", tmp_path / "l.graphml"
    status, out, _ = run(capsys, ["subgroups", "--k", "3", "--d", "3", "--json",
                                  "--dot", str(dot), "--graphml", str(gml)])
    assert status == 0
    data = json.loads(out)
    assert data["count"] == len(data["classes"]) == 12
    assert {"order", "fix_dim", "name", "generators"} <= set(data["classes"][0])
    assert dot.read_text().startswith("digraph") and gml.exists()
    status, out, _ = run(capsys, ["subgroups", "--k", "2", "--d", "2"])
    assert status == 0 and "5 classes" in out


def test_subgroups_out_of_reach(capsys):
    status, out, err = run(capsys, ["subgroups", "--k", "7", "--d", "6"])
    assert status == 2 and "in reach" in err and "k, d <= 6" in err and out == ""
    status, out, err = run(capsys, ["subgroups", "--k", "6", "--d", "6", "--method", "elements"])
    assert status == 2 and "14400" in err and out == ""
    status, _, err = run(capsys, ["subgroups", "--k", "0", "--d", "2"])
    assert status == 2


def test_isotropy_of_an_order_beyond_pythons_int_string_limit(tmp_path, capsys):
    """Δ(S_1800×S_1) has order 1800! (5 000+ digits, above Python's default
    4300-digit int-to-str limit): the JSON carries the exact decimal and its
    log10 (oracle: math.factorial and lgamma)."""
    d = 1801
    W = np.full((d, d), -0.01)
    np.fill_diagonal(W, 0.9)
    W[-1, :], W[:, -1], W[-1, -1] = 0.3, 0.2, -0.5
    f = tmp_path / "w.npy"
    np.save(f, W)
    code, out, err = run(capsys, ["isotropy", "--W", str(f), "--json"])
    assert code == 0, err
    payload = json.loads(out)
    assert payload["name"] == "Δ(S_1800×S_1)"
    import sys
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert int(payload["order"]) == math.factorial(1800)
    finally:
        sys.set_int_max_str_digits(limit)
    assert abs(payload["order_log10"] - math.lgamma(1801) / math.log(10)) < 1e-9
