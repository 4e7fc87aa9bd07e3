"""Class 8: the newcomer's path -- find writes point files certify reads, progress by default
on a terminal, readable figures, distinct subgroup names, and the CLI reference in the
project's own docs."""

import json
import re
from pathlib import Path

import pytest

from tests.hardening.helpers import REPO, run


def test_find_out_writes_points_that_certify_reads_directly(tmp_path, capsys):
    code, out, err = run(capsys, "find", "--d", "6", "--partition", "5,1", "--out", tmp_path / "pts", "--json")
    assert code == 0, err
    index = json.loads((tmp_path / "pts" / "index.json").read_text())
    assert index["complete"] is True
    typeA = [p for p in index["critical_points"] if abs(p["loss"] - 0.02508) < 1e-4]  # Safran-Shamir, k = d = 6
    assert len(typeA) == 1
    point = tmp_path / "pts" / typeA[0]["file"]
    code, out, err = run(capsys, "certify", "--W", point, "--json")
    assert code == 0 and json.loads(out)["verdict"] == "minimum", err
    code, out, _ = run(capsys, "verify", json.loads(out)["certificate"])
    assert code == 0 and out.startswith("VALID")


def test_progress_is_on_by_default_when_stderr_is_a_terminal(capsys, monkeypatch):
    import sys

    import certificates.cli.family_commands as fc

    seen = {}

    def fake_find(fam, starts, seed, digits, progress=False):
        seen["progress"] = progress
        from landscape.critical_points import SearchResult
        return SearchResult()

    monkeypatch.setattr(fc, "find_critical_points", fake_find)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    run(capsys, "find", "--d", "6", "--partition", "5,1")
    assert seen["progress"] is True
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    run(capsys, "find", "--d", "6", "--partition", "5,1")
    assert seen["progress"] is False
    run(capsys, "find", "--d", "6", "--partition", "5,1", "--progress")
    assert seen["progress"] is True


def test_table_figure_has_integer_d_ticks(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from landscape.tables import family_table, plot_table

    figs = []
    monkeypatch.setattr(plt, "close", lambda fig=None: figs.append(fig))
    rows = family_table("d-1,1", [6, 7, 8], starts=40)
    plot_table(rows, tmp_path / "t.png")
    ax = figs[0].axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"\d+", l.replace("\u2212", "-")) for l in labels), labels
    assert (tmp_path / "t.png").stat().st_size > 0


@pytest.mark.parametrize("k, d", [(2, 2), (3, 3), (3, 4), (4, 4)])
def test_distinct_subgroup_classes_have_distinct_names(k, d):
    from symmetry.subgroups import subgroups

    names = [c.name for c in subgroups(k, d).classes]
    assert len(set(names)) == len(names), names


def test_the_cli_reference_is_in_the_project_and_covers_every_subcommand():
    from tests.hardening.fuzz_cli import _subparsers

    doc = (REPO / "docs" / "cli.md").read_text()
    for command, sp in _subparsers().items():
        assert f"### `{command}" in doc, command
        for a in sp._actions:
            for opt in a.option_strings:
                if opt.startswith("--") and opt not in ("--help", "--json", "--debug", "--force", "--no-progress",
                                                        "--progress", "--no-polish", "--no-certify"):
                    assert opt in doc or command in ("gd", "gd-finite", "robustness"), (command, opt)
    assert "../shared" not in doc
