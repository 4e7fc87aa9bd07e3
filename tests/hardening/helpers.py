"""Running the CLI for the hardening tests: in-process (``main``) or as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli(*argv, cwd=None, timeout=60.0):
    """``python -m certificates.cli ARGV`` as a subprocess: (status, stdout, stderr).
    A hang is a failure (subprocess.TimeoutExpired)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.run([sys.executable, "-m", "certificates.cli", *map(str, argv)], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def run(capsys, *argv):
    """In-process ``main(argv)``: (status, stdout, stderr)."""
    from certificates.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    assert len([l for l in err.splitlines() if l.strip()]) == 1, err
    assert out == ""


def write_point(path: Path, W) -> Path:
    path.write_text(json.dumps({"W": W}))
    return path
