"""Class 5: Ctrl-C stops every long command within seconds, exits 130, and keeps the
finished results in output marked partial -- never in one that looks complete."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.hardening.helpers import REPO, run


def _interrupt(argv, cwd, after):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen([sys.executable, "-m", "certificates.cli", *argv], cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    assert p.poll() is None, "the command finished before it could be interrupted"
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    return p.returncode, out, err, time.monotonic() - t0


def test_table_stops_on_ctrl_c_and_marks_the_file_partial(tmp_path):
    code, out, err, seconds = _interrupt(["table", "--partition", "d-1,1", "--d", "6..60", "--out", "t.md"],
                                         tmp_path, after=12)
    assert code == 130 and "Traceback" not in err
    assert seconds < 10  # it used to finish the whole table (minutes): Ctrl-C was swallowed
    assert not (tmp_path / "t.md").exists()  # never a file that looks complete
    partial = tmp_path / "t.partial.md"
    if partial.exists():
        assert partial.read_text().startswith("**PARTIAL")
    assert "PARTIAL" in out


def test_find_stops_on_ctrl_c_and_reports_partial(tmp_path):
    code, out, err, seconds = _interrupt(["find", "--partition", "d-2,2", "--d", "8", "--starts", "100000",
                                          "--out", "pts", "--json"], tmp_path, after=12)
    assert code == 130 and "Traceback" not in err and seconds < 10
    data = json.loads(out)
    assert data["complete"] is False and "interrupted" in data["partial"]
    assert not (tmp_path / "pts").exists()
    index = json.loads((tmp_path / "pts.partial" / "index.json").read_text())
    assert index["complete"] is False


def test_find_interrupted_in_process_is_not_reported_complete(capsys, monkeypatch):
    import landscape.critical_points as cp

    real = cp.solve
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] > 40:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(cp, "solve", flaky)
    code, out, err = run(capsys, "find", "--d", "6", "--partition", "5,1", "--starts", "200")
    assert code == 130 and out.startswith("PARTIAL") and "interrupted" in err


def test_table_library_raises_with_the_finished_rows(monkeypatch):
    import landscape.tables as tables
    from landscape.errors import Interrupted

    real = tables.find_critical_points
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(tables, "find_critical_points", flaky)
    with pytest.raises(Interrupted) as exc:
        tables.family_table("d-1,1", [6, 7, 8], starts=40)
    assert [r.d for r in exc.value.partial] == [6]
