"""``relu-landscape gd``: JSON contract, sweep, resume, certificates, bad input (exit 2), Ctrl-C (130).

Oracles: the per-run endpoints in the JSON-lines file, checked with the
single-point closed form (``landscape.loss``) and a permutation match to
``I_d``; an uninterrupted run of the same experiment for resume.
"""

import json
import os

import numpy as np
import pytest

from certificates.cli import main
from landscape.loss import gradient, loss


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def endpoints(path):
    lines = open(path).read().splitlines()
    out = {}
    for line in lines[1:]:
        rec = json.loads(line)["result"]
        for r, W, conv in zip(rec["run"], rec["W"], rec["converged"]):
            out[(rec["k"], rec["d"], r)] = (np.array(W), conv)
    return out


def is_permuted_identity(W, tol=1e-8):
    P = np.round(W)
    return np.allclose(W, P, atol=tol) and (P.sum(0) == 1).all() and (P.sum(1) == 1).all() and (P >= 0).all()


def test_gd_json_contract_and_endpoints(capsys, tmp_path):
    out = tmp_path / "runs.jsonl"
    code, text, err = run(capsys, "gd", "--k", 5, "--d", 5, "--runs", 6, "--seed", 1, "--out", out,
                          "--cert-dir", tmp_path / "certs", "--json")
    assert code == 0, err
    p = json.loads(text)
    assert {"runs", "global", "spurious", "unconverged", "spurious_fraction", "families"} <= set(p)
    assert p["runs"] == 6 and p["global"] + p["spurious"] + p["unconverged"] == 6
    # independent count of global endpoints from the streamed file: rows are a permutation of I_5
    ends = endpoints(out)
    assert len(ends) == 6
    n_global = sum(1 for W, conv in ends.values() if conv and is_permuted_identity(W))
    assert n_global == p["global"]
    for W, conv in ends.values():
        assert conv and np.linalg.norm(gradient(W)) <= 1e-12 * 1.01
    for fam in p["families"]:
        assert {"loss", "count", "isotropy", "index", "lambda_min", "verdict", "certificate"} <= set(fam)
        assert fam["loss"] == pytest.approx(float(loss(np.array(fam["W"]))), abs=1e-12)
        if fam["verdict"] is not None:
            assert os.path.exists(fam["certificate"])
    assert p["families"][0]["is_global"] and p["families"][0]["verdict"] == "minimum"
    lo, hi = p["spurious_ci95"]
    assert lo <= p["spurious_fraction"] <= hi


def test_gd_sweep_table_and_figure(capsys, tmp_path):
    fig = tmp_path / "sweep.png"
    code, text, err = run(capsys, "gd", "--k", "d", "--d", "4..5", "--runs", 3, "--no-certify", "--figure", fig,
                          "--json")
    assert code == 0, err
    p = json.loads(text)
    assert [(s["k"], s["d"]) for s in p["sizes"]] == [(4, 4), (5, 5)]
    assert open(fig, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    code, text, _ = run(capsys, "gd", "--k", "d..d+1", "--d", 4, "--runs", 2, "--no-certify", "--loss-tol", "1e-9")
    assert code == 0
    assert "   5    4" in text and "loss rule" in text
    # runs stopped by the loss rule at k = d + 1 are classified (split rows merged), not waved through
    code, text, _ = run(capsys, "gd", "--k", 5, "--d", 4, "--runs", 4, "--no-certify", "--loss-tol", "1e-9", "--json")
    s = json.loads(text)  # one size: its summary at the top level
    assert code == 0 and s["global"] == s["runs"] and s["spurious"] == 0 and s["unconverged"] == 0
    assert [f["is_global"] for f in s["families"]] == [True] and s["families"][0]["count"] == s["runs"]
    assert s["families"][0]["loss"] <= 1e-9  # stopped by the loss rule, and still classified global


def test_gd_resume_gives_the_same_answer(capsys, tmp_path):
    full = tmp_path / "full.jsonl"
    code, text, _ = run(capsys, "gd", "--k", 5, "--d", 5, "--runs", 6, "--chunk", 2, "--out", full, "--no-certify",
                        "--json")
    clean = json.loads(text)
    part = tmp_path / "part.jsonl"
    lines = open(full).read().splitlines(keepends=True)
    with open(part, "w") as fh:  # two finished chunks, then half of the third line
        fh.write("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    code, text, err = run(capsys, "gd", "--k", 5, "--d", 5, "--runs", 6, "--chunk", 2, "--resume", part,
                          "--no-certify", "--json")
    assert code == 0, err
    resumed = json.loads(text)
    for key in ("runs", "global", "spurious", "unconverged", "families"):
        assert resumed[key] == clean[key]
    assert sorted(endpoints(part)) == sorted(endpoints(full))
    assert len(open(part).read().splitlines()) == 4  # meta + 3 chunks, none repeated


def test_gd_text_summary(capsys):
    code, text, _ = run(capsys, "gd", "--k", 4, "--d", 4, "--runs", 2, "--no-certify")
    assert code == 0
    assert "protocol sys21" in text and "Wilson" in text and "global" in text


@pytest.mark.parametrize("argv, message", [
    (["--k", 0, "--d", 4, "--runs", 2], "--k must be between 1"),
    (["--k", 4, "--d", 4, "--runs", 0], "--runs must be positive"),
    (["--k", 4, "--d", 4, "--runs", 2, "--step", 0], "--step must be positive"),
    (["--k", 4, "--d", 4, "--runs", 2, "--step", -1], "--step must be positive"),
    (["--k", 4, "--d", 4, "--runs", 2, "--protocol", "adam"], "unknown protocol"),
    (["--k", 4, "--d", 4, "--runs", 2, "--scheduler", "tcp://127.0.0.1:1"], "Dask scheduler"),
    (["--k", 100000, "--d", 4, "--runs", 2], "--k must be between 1"),
    (["--k", 4, "--d", 4, "--runs", 10 ** 9], "runs must be an integer between"),
    (["--k", 400, "--d", 400, "--runs", 5000], "above the limit"),
    (["--k", 4, "--d", "d", "--runs", 2], "only --k may"),
    (["--k", "6..2", "--d", 4, "--runs", 2], "empty range"),
    (["--k", "x", "--d", 4, "--runs", 2], "cannot read"),
    (["--k", 4, "--d", 4, "--runs", 2, "--max-steps", 0], "max steps"),
    (["--k", 4, "--d", 4, "--runs", 2, "--tol", "nan"], "--tol must be finite"),
    (["--k", 4, "--d", 4, "--runs", 2, "--out", "/nonexistent-dir/x.jsonl"], "does not exist"),
])
def test_gd_bad_input_exit_2(capsys, argv, message):
    code, out, err = run(capsys, "gd", *argv)
    assert code == 2
    assert out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_gd_resume_of_another_experiment_is_refused(capsys, tmp_path):
    f = tmp_path / "r.jsonl"
    run(capsys, "gd", "--k", 4, "--d", 4, "--runs", 2, "--out", f, "--no-certify")
    code, _, err = run(capsys, "gd", "--k", 4, "--d", 4, "--runs", 2, "--seed", 9, "--resume", f, "--no-certify")
    assert code == 2 and "different experiment" in err


def test_gd_ctrl_c_exits_130(capsys, monkeypatch):
    import certificates.cli.dynamics_commands as dc

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(dc, "run_experiment", interrupted)
    code, _, err = run(capsys, "gd", "--k", 4, "--d", 4, "--runs", 2)
    assert code == 130 and "interrupted" in err
