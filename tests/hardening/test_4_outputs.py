"""Class 4: output paths are checked before any work, several outputs are all-or-nothing,
every file gets the same permissions, and the input is not overwritten without --force."""

import json
import os
import stat

import numpy as np
import pytest

from tests.hardening.helpers import assert_one_line_error, run, write_point


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _expected_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _no_work(monkeypatch):
    """Fail the test if the expensive part starts."""
    import certificates.cli.certificate_commands as cc
    import certificates.cli.family_commands as fc

    def boom(*a, **k):
        raise AssertionError("the computation started before the outputs were checked")

    monkeypatch.setattr(fc, "family_table", boom)
    monkeypatch.setattr(fc, "find_critical_points", boom)
    monkeypatch.setattr(cc, "certify_point", boom)


@pytest.mark.parametrize("argv", [
    ["table", "--partition", "d-1,1", "--d", "6..20", "--out", "{nodir}/t.md"],
    ["table", "--partition", "d-1,1", "--d", "6..20", "--figure", "{nodir}/t.png"],
    ["table", "--partition", "d-1,1", "--d", "6..20", "--figure", "{tmp}/t.xyz"],
    ["table", "--partition", "d-1,1", "--d", "6..20", "--out", "{tmp}"],
    ["table", "--partition", "d-1,1", "--d", "6..20", "--out", "{tmp}/t.md", "--figure", "{tmp}/t.md"],
    ["find", "--partition", "5,1", "--d", "6", "--out", "{p}"],
    ["find", "--partition", "5,1", "--d", "6", "--out", "{tmp}"],
    ["certify", "--W", "{p}", "--out", "{nodir}/c.json"],
    ["certify", "--W", "{p}", "--script", "{nodir}/s.py"],
    ["certify", "--W", "{p}", "--out", "{p}"],
    ["certify", "--W", "{p}", "--out", "{tmp}"],
])
def test_bad_output_paths_are_refused_before_the_work(tmp_path, capsys, monkeypatch, argv):
    _no_work(monkeypatch)
    p = write_point(tmp_path / "p.json", [["1", "0.25"], ["0.5", "-0.75"]])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x").write_text("")
    fill = {"nodir": tmp_path / "missing", "tmp": tmp_path / "sub", "p": p}
    before = sorted(str(x) for x in tmp_path.rglob("*"))
    assert_one_line_error(*run(capsys, *[a.format(**fill) for a in argv]))
    assert sorted(str(x) for x in tmp_path.rglob("*")) == before


def test_one_failing_output_leaves_none_behind(tmp_path, capsys, monkeypatch):
    import importlib

    sg = importlib.import_module("symmetry.subgroups")

    def broken_png(lattice, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sg, "write_png", broken_png)
    code, out, err = run(capsys, "subgroups", "--k", "2", "--d", "2", "--dot", tmp_path / "l.dot",
                         "--graphml", tmp_path / "l.graphml", "--png", tmp_path / "l.png")
    assert_one_line_error(code, out, err)
    assert list(tmp_path.iterdir()) == []


def test_every_output_has_the_same_permissions(tmp_path, capsys):
    p = write_point(tmp_path / "p.json", [["1", "0.25"], ["0.5", "-0.75"]])
    np.save(tmp_path / "q.npy", np.array([[1.0, 0.25], [0.5, -0.75]]))
    files = []
    assert run(capsys, "certify", "--W", p, "--out", tmp_path / "c.json")[0] == 0
    files.append(tmp_path / "c.json")
    assert run(capsys, "split", "--W", p, "--neuron", "0", "--out", tmp_path / "s.json")[0] == 0
    assert run(capsys, "split", "--W", tmp_path / "q.npy", "--neuron", "0", "--out", tmp_path / "s.npy")[0] == 0
    files += [tmp_path / "s.json", tmp_path / "s.npy"]
    assert run(capsys, "subgroups", "--k", "2", "--d", "2", "--dot", tmp_path / "l.dot",
               "--graphml", tmp_path / "l.graphml")[0] == 0
    files += [tmp_path / "l.dot", tmp_path / "l.graphml"]
    assert run(capsys, "find", "--d", "3", "--partition", "2,1", "--starts", "5", "--out", tmp_path / "pts")[0] == 0
    files += sorted((tmp_path / "pts").iterdir())
    assert run(capsys, "table", "--partition", "d-1,1", "--d", "3", "--starts", "5",
               "--out", tmp_path / "t.md")[0] == 0
    files.append(tmp_path / "t.md")
    assert {f.name: _mode(f) for f in files} == {f.name: _expected_mode() for f in files}


def test_writing_over_the_input_needs_force(tmp_path, capsys):
    p = write_point(tmp_path / "p.json", [["1", "0.25"], ["0.5", "-0.75"]])
    original = p.read_text()
    assert_one_line_error(*run(capsys, "split", "--W", p, "--neuron", "0", "--out", p))
    assert p.read_text() == original
    code, out, err = run(capsys, "split", "--W", p, "--neuron", "0", "--out", p, "--force")
    assert code == 0 and len(json.loads(p.read_text())["W"]) == 3
