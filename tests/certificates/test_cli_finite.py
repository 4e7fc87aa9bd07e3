"""``relu-landscape gd-finite`` through the CLI entry point, in-process.

Oracle for the numbers: :func:`landscape.finite_sample.width_experiment`
called directly with the same options (the CLI must be a thin layer), and a
direct numpy count of the zero-loss fraction from the results file.
"""

import json

import pytest

from certificates.cli import main
from landscape.finite_sample import width_experiment

SMALL = ["--samples", "4,6", "--m", "2..16", "--runs", "2", "--d", "3", "--max-steps", "3000", "--no-progress"]


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_is_one_object_and_matches_the_library(tmp_path, capsys):
    out = tmp_path / "runs.jsonl"
    code, text, err = _run(capsys, "gd-finite", *SMALL, "--out", str(out), "--json")
    assert code == 0, err
    payload = json.loads(text)  # exactly one JSON object
    assert payload["out"] == str(out)
    assert [(c["n"], c["m"]) for c in payload["cells"]] == [(n, m) for n in (4, 6) for m in (2, 4, 8, 16)]
    lib = width_experiment(samples=(4, 6), widths=(2, 4, 8, 16), runs=2, d=3, max_steps=3000, progress=False)
    assert payload["cells"] == json.loads(json.dumps(lib.cells))
    assert payload["thresholds"] == json.loads(json.dumps(lib.thresholds))
    # the zero-loss fraction recounted from the streamed records
    lines = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    for c in payload["cells"]:
        rec = [r["result"] for r in lines if r["key"] == f"n{c['n']}-m{c['m']}-s0"][0]
        assert c["zero"] == sum(o == "zero" for o in rec["outcome"])
    assert "Zou" in payload["reference"]


def test_readable_summary_figure_and_resume(tmp_path, capsys):
    out = tmp_path / "runs.jsonl"
    fig = tmp_path / "zou_gu.png"
    code, text, err = _run(capsys, "gd-finite", *SMALL, "--out", str(out), "--figure", str(fig))
    assert code == 0, err
    assert "m* =" in text and "sufficient condition, not a prediction" in text
    assert fig.read_bytes()[:4] == b"\x89PNG"
    code, text2, err = _run(capsys, "gd-finite", *SMALL, "--resume", str(out))
    assert code == 0, err
    assert text2.splitlines()[:-1] == text.splitlines()[:-2]  # same table; the figure line is gone


def test_resume_refuses_files_that_are_not_results(tmp_path, capsys):
    for name, text in (("point.json", '{"W": [[1, 0], [0, 1]]}\n'), ("dup.json", '{"meta": 1, "meta": 2}\n'),
                       ("bin.jsonl", "\x00\x01garbage\n")):
        path = tmp_path / name
        path.write_text(text)
        code, out, err = _run(capsys, "gd-finite", "--samples", "4", "--m", "2", "--runs", "1", "--d", "2",
                              "--resume", str(path))
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert path.read_text() == text  # untouched


@pytest.mark.parametrize("extra", [
    ["--runs", "0"], ["--m", "x"], ["--m", "0..4"], ["--samples", "1"], ["--d", "0"],
    ["--step-scale", "2.5"], ["--loss-tol", "nan"], ["--figure", "f.bmp"], ["--max-steps", "0"],
    ["--samples", "5000", "--m", "8192", "--runs", "1000"], ["--out", "a.jsonl", "--resume", "b.jsonl"],
    ["--resume", "/nonexistent/x.jsonl"], ["--workers", "0"],
])
def test_bad_input_exits_2_with_one_line(capsys, extra):
    args = ["gd-finite", "--samples", "4", "--m", "2", "--runs", "1", "--d", "2", "--no-progress"]
    # later options override the defaults above (argparse keeps the last value)
    code, out, err = _run(capsys, *args, *extra)
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and "error" in err


def test_ctrl_c_exits_130_keeps_finished_cells_and_resumes(tmp_path, capsys, monkeypatch):
    import landscape.finite_sample as fs

    real = fs.fit_runs
    calls = {"n": 0}

    def interrupted_after_two(*a, **k):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    out = tmp_path / "runs.jsonl"
    monkeypatch.setattr(fs, "fit_runs", interrupted_after_two)
    code, text, err = _run(capsys, "gd-finite", *SMALL, "--out", str(out), "--json")
    assert code == 130 and text == "" and "interrupted" in err
    assert len(out.read_text().splitlines()) == 3  # meta + the two finished cells
    monkeypatch.setattr(fs, "fit_runs", real)
    code, text, err = _run(capsys, "gd-finite", *SMALL, "--resume", str(out), "--json")
    assert code == 0, err
    fresh = width_experiment(samples=(4, 6), widths=(2, 4, 8, 16), runs=2, d=3, max_steps=3000, progress=False)
    assert json.loads(text)["cells"] == json.loads(json.dumps(fresh.cells))
    assert len(out.read_text().splitlines()) == 1 + 8
