"""``relu-landscape robustness`` through the CLI entry point, in-process."""

import json

import pytest

import landscape.robustness as robustness
from certificates.cli import main

BASE = ["robustness", "--d", "5", "--r", "2", "--steps", "40", "--test-points", "10", "--seeds", "2"]


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_cells_and_the_trend_with_the_scale(tmp_path, capsys):
    res = tmp_path / "cells.jsonl"
    fig = tmp_path / "sweep.png"
    code, out, err = _run(capsys, *BASE, "--init-scale", "1,0.1", "--weight-decay", "0", "--out", str(res),
                          "--figure", str(fig), "--json")
    assert code == 0, err
    payload = json.loads(out)
    cells = payload["cells"]
    assert [(c["init_scale"], c["weight_decay"], c["seeds"]) for c in cells] == [(1.0, 0.0, 2), (0.1, 0.0, 2)]
    for key in ("median_orth_grad", "median_flip_distance", "train_loss_median", "test_accuracy_median"):
        assert all(key in c for c in cells)
    # W P⊥ is exactly W_0 P⊥ and W_0 scales with s: the orthogonal gradient scales by 1/10 up to the
    # activation pattern, far below the s = 1 value
    assert cells[1]["median_orth_grad"] < 0.3 * cells[0]["median_orth_grad"]
    assert fig.stat().st_size > 0
    assert len(res.read_text().splitlines()) == 3
    assert payload["results"] == str(res)


def test_readable_summary(capsys):
    code, out, err = _run(capsys, *BASE, "--init-scale", "1", "--weight-decay", "0.01", "--setting", "finite",
                          "--samples", "20", "--width", "8")
    assert code == 0, err
    assert "finite setting" in out and "flip distance" in out and len(out.splitlines()) == 4


@pytest.mark.parametrize("extra", [
    ["--init-scale", "1", "--weight-decay", "0", "--r", "6"],          # r > d
    ["--init-scale", "1", "--weight-decay", "0", "--r", "0"],          # r <= 0
    ["--init-scale", "-1", "--weight-decay", "0"],                     # negative scale
    ["--init-scale", "0", "--weight-decay", "0"],                      # zero scale
    ["--init-scale", "1", "--weight-decay", "-0.1"],                   # negative decay
    ["--init-scale", "", "--weight-decay", "0"],                       # empty list
    ["--init-scale", "1,", "--weight-decay", "0"],                     # empty entry
    ["--init-scale", "1", "--weight-decay", "abc"],                    # unparsable
    ["--init-scale", "1e999", "--weight-decay", "0"],                  # overflow to inf
    ["--init-scale", "1", "--weight-decay", "nan"],
    ["--init-scale", "1", "--weight-decay", "0", "--seeds", "0"],
    ["--init-scale", "1", "--weight-decay", "0", "--d", "1000000"],
    ["--init-scale", "1", "--weight-decay", "0", "--steps", "0"],
    ["--init-scale", "1", "--weight-decay", "0", "--step", "inf"],
    ["--init-scale", "1", "--weight-decay", "5", "--step", "0.5"],     # 1 - step*decay <= 0
    ["--init-scale", "1", "--weight-decay", "0", "--setting", "other"],
    ["--init-scale", "1", "--weight-decay", "0", "--out", "/nonexistent/dir/x.jsonl"],
    ["--init-scale", ",".join(["1"] * 101), "--weight-decay", "0"],
    ["--init-scale", "1", "--weight-decay", "0", "--figure", "plot.txt"],     # not a figure extension
    ["--weight-decay", "0"],                                           # missing option
])
def test_bad_input_is_one_line_and_status_2(capsys, extra):
    code, out, err = _run(capsys, *BASE, *extra)
    assert code == 2 and out == ""
    # our errors are one line; argparse's (choices, missing options) end with one error line after the usage
    assert err.strip().splitlines()[-1].startswith("relu-landscape robustness: error:") and "Traceback" not in err


def test_our_errors_are_exactly_one_line(capsys):
    code, out, err = _run(capsys, *BASE, "--init-scale", "1e999", "--weight-decay", "0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--init-scale" in err


def test_resume_continues_the_file(tmp_path, capsys):
    res = tmp_path / "cells.jsonl"
    code, out, _ = _run(capsys, *BASE, "--init-scale", "1", "--weight-decay", "0", "--out", str(res), "--json")
    assert code == 0
    first = json.loads(out)["cells"][0]
    code, out, _ = _run(capsys, *BASE, "--init-scale", "1,0.5", "--weight-decay", "0", "--resume", str(res),
                        "--json")
    assert code == 0
    cells = json.loads(out)["cells"]
    assert cells[0] == first and len(res.read_text().splitlines()) == 3


def test_ctrl_c_exits_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(robustness, "train", interrupted)
    code, out, err = _run(capsys, *BASE, "--init-scale", "1", "--weight-decay", "0")
    assert code == 130 and "interrupted" in err
