"""Generated hostile input for every subcommand the parser registers, and the contract check.

The simplest call (the report table of the issue-11 note; about 10 minutes)::

    PYTHONPATH=. python -m tests.hardening.fuzz_cli --full

``cases(full)`` enumerates ``certificates.cli.build_parser()`` -- so a
subcommand added later is fuzzed without touching this file -- and, for every
option of every subcommand, bad values of the kinds below, each with a
baseline of valid values for the other required options.  ``run_case`` runs
the CLI as a subprocess (``python -m certificates.cli``) in a fresh directory
holding the fixture files, with a time limit, and ``check`` asserts the
contract of docs/cli.md:

* exit status 2, exactly one line on stderr, no traceback, no file created or
  changed -- for input that is certainly bad;
* for input that may be valid for some option (``0``, ``-1``): either that,
  or a normal answer (exit 0/1, no traceback, something on stdout);
* always: no hang (the time limit), never a traceback.

The kinds are generic (numbers float64 cannot carry, huge or negative sizes,
non-numbers, very long strings, power towers, huge decimal exponents, missing
files, directories, empty and hostile JSON/npy files, unwritable outputs,
an output naming the input file).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Seconds a single call may take (bad input must be refused before any work).
TIME_LIMIT = 20.0

#: Kinds of bad value, by the kind of option: (name, value, certainly_bad).
INT_VALUES = [
    ("negative", "-1", False),
    ("zero", "0", False),
    ("huge", "100000000000000000000", True),
    ("5000 digits", "9" * 5000, True),
    ("non-numeric", "abc", True),
    ("overflow literal", "1e999", True),
]
FLOAT_VALUES = [
    ("negative", "-1", False),
    ("huge", "1e300", False),
    ("overflow literal", "1e999", True),
    ("nan", "nan", True),
    ("non-numeric", "abc", True),
]
STRING_VALUES = [
    ("empty", "", True),
    ("very long", "x" * 20000, True),
    ("power tower", "9**9**9", True),
    ("huge exponent", "1e999999999", True),
    ("nan", "nan", True),
    ("negative", "-1", False),
]
CHOICE_VALUES = [("not a choice", "bogus", True)]
INPUT_FILE_VALUES = [
    ("missing file", "missing.json", True),
    ("directory", "adir", True),
    ("0-byte file", "empty.json", True),
    ("0-byte npy", "empty.npy", True),
    ("deep nesting", "deep.json", True),
    ("duplicate keys", "dup.json", True),
    ("overflow literal", "overflow.json", True),
    ("huge exponent", "hugeexp.json", True),
    ("5000-digit integer", "longint.json", True),
    ("not a point/certificate", "other.json", True),
    ("binary garbage", "garbage.json", True),
]
OUTPUT_FILE_VALUES = [
    ("missing directory", "nodir/out.json", True),
    ("a directory", "adir", False),  # valid where the option names a directory (find --out DIR)
    ("read-only directory", "rodir/out.json", hasattr(os, "geteuid") and os.geteuid() != 0),  # root may write
    ("the input file", "@input", True),
    ("very long name", "y" * 5000, True),
]

#: Options that name an input file / an output path, by dest.
INPUT_DESTS = {"W", "V", "cert", "resume"}
RESUME_DESTS = {"resume"}
OUTPUT_DESTS = {"out", "figure", "script", "png", "graphml", "dot", "toy_figure", "cert_dir"}

#: Valid values for required options, per subcommand (others: generic guesses).
BASELINE = {
    "loss": {"W": "point.json"},
    "spectrum": {"W": "point.json"},
    "isotropy": {"W": "point.json"},
    "subgroups": {"k": "2", "d": "2"},
    "find": {"d": "3", "partition": "2,1", "starts": "3"},
    "table": {"partition": "d-1,1", "d": "3", "starts": "3"},
    "certify": {"W": "point.json"},
    "verify": {"cert": "cert.json"},
    "split": {"W": "point.json", "neuron": "0"},
    "gd": {"k": "2", "d": "2", "runs": "1"},
    "robustness": {"d": "2", "r": "1", "init-scale": "0.1", "weight-decay": "0"},
    "asymptotics": {"partition": "d-1,1"},
    "critical-dimension": {"partition": "d-1,1"},
}


@dataclass
class Case:
    command: str
    option: str  # option string, or the dest of a positional
    kind: str
    argv: list
    certainly_bad: bool


def _subparsers():
    sys.path.insert(0, str(REPO))
    from certificates.cli import build_parser

    parser = build_parser()
    sub = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"][0]
    return sub.choices


def _values_for(action):
    dest = action.dest
    if dest in RESUME_DESTS:  # a journal: may legitimately be missing or empty (start afresh)
        return [(k, v, c and k not in ("missing file", "0-byte file", "0-byte npy")) for k, v, c in INPUT_FILE_VALUES]
    if dest in INPUT_DESTS:
        return INPUT_FILE_VALUES
    if dest in OUTPUT_DESTS:
        return OUTPUT_FILE_VALUES
    if action.choices:
        return CHOICE_VALUES
    t = getattr(action.type, "__name__", None)
    if t == "int":
        return INT_VALUES
    if t == "float":
        return FLOAT_VALUES
    return STRING_VALUES


def _takes_value(action) -> bool:
    return action.nargs != 0 and action.dest not in ("help",)


def _baseline(command, sp) -> dict:
    """``{action: value}`` for every required argument."""
    base = BASELINE.get(command, {})
    out = {}
    for a in sp._actions:
        if not _takes_value(a) or not (a.required or not a.option_strings):
            continue
        name = a.option_strings[0].lstrip("-") if a.option_strings else a.dest
        if name in base:
            out[a] = base[name]
        elif a.dest in base:
            out[a] = base[a.dest]
        elif a.dest in INPUT_DESTS:
            out[a] = "point.json"
        else:
            t = getattr(a.type, "__name__", None)
            out[a] = "2" if t == "int" else "0.5" if t == "float" else "1"
    return out


def _argv(command, baseline: dict, target, value) -> list:
    argv = [command]
    for a, v in list(baseline.items()) + ([(target, value)] if target not in baseline else []):
        if a is target:
            v = value
        if a.option_strings:
            argv += [a.option_strings[0], v]
        else:
            argv.append(v)
    if target in baseline:
        pass
    return argv


def cases(full: bool = False, per_option: int = 1) -> list[Case]:
    """Every (subcommand, option, kind of bad value).  ``full=False`` keeps the
    certainly-bad kinds and, per option, ``per_option`` of them chosen in
    rotation (a CI budget of about a minute); ``full=True`` is everything."""
    out = []
    for command, sp in sorted(_subparsers().items()):
        base = _baseline(command, sp)
        baseline_values = {a.option_strings[0] if a.option_strings else a.dest: v for a, v in base.items()}
        n = 0
        for a in sp._actions:
            if not _takes_value(a) or a.dest in ("help",):
                continue
            values = _values_for(a)
            if not full:
                bad = [v for v in values if v[2]]
                values = [bad[(n + j) % len(bad)] for j in range(min(per_option, len(bad)))]
            n += 1
            for kind, value, certain in values:
                if value == "@input":
                    inp = next((v for k, v in baseline_values.items() if k in ("--W", "--V", "cert", "--resume")), None)
                    if inp is None:
                        continue  # no input file to protect
                    value = inp
                opt = a.option_strings[0] if a.option_strings else a.dest
                out.append(Case(command, opt, kind, _argv(command, base, a, value), certain))
    return out


# --------------------------------------------------------------------------- fixtures
def make_fixtures(root: Path) -> None:
    """The files every case may name (created once, copied per case)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "point.json").write_text(json.dumps({"W": [["1", "0.25"], ["0.5", "-0.75"]]}))
    (root / "empty.json").write_text("")
    (root / "empty.npy").write_bytes(b"")
    (root / "deep.json").write_text("[" * 100000 + "]" * 100000)
    (root / "dup.json").write_text('{"W": [[1, 0], [0, 1]], "W": [[2, 0], [0, 1]]}')
    (root / "overflow.json").write_text('{"W": [[1e999, 0], [0, 1]], "format": 1e999}')
    (root / "hugeexp.json").write_text('{"W": [["1e999999999", 0], [0, 1]], "format": "relu-landscape-certificate/1", '
                                       '"x": "1e999999999"}')
    (root / "longint.json").write_text('{"W": [[' + "1" * 5000 + ', 0], [0, 1]]}')
    (root / "other.json").write_text('{"hello": [1, 2, 3]}')
    (root / "garbage.json").write_bytes(bytes(range(256)) * 4)
    (root / "adir").mkdir(exist_ok=True)
    (root / "rodir").mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-m", "certificates.cli", "certify", "--W", "point.json", "--out", "cert.json"],
                   cwd=root, env=env, capture_output=True, timeout=120, check=True)
    os.chmod(root / "rodir", 0o555)


def _snapshot(root: Path) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except FileNotFoundError:
                continue
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


@dataclass
class Result:
    case: Case
    status: int | None
    seconds: float
    stdout: str
    stderr: str
    changed: list
    problem: str | None


def run_case(case: Case, fixtures: Path, workdir: Path) -> Result:
    shutil.copytree(fixtures, workdir, symlinks=True)
    os.chmod(workdir / "rodir", 0o555)
    before = _snapshot(workdir)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("COLUMNS", None)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "certificates.cli", *case.argv], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=TIME_LIMIT, stdin=subprocess.DEVNULL)
        status, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        status, out, err = None, str(exc.stdout or ""), str(exc.stderr or "")
    seconds = time.perf_counter() - t0
    after = _snapshot(workdir)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    os.chmod(workdir / "rodir", 0o755)
    return Result(case, status, seconds, out, err, changed, check(case, status, out, err, changed))


def check(case: Case, status, out: str, err: str, changed: list) -> str | None:
    """None if the contract holds, else what broke."""
    if status is None:
        return f"no answer within {TIME_LIMIT:.0f} s"
    if "Traceback" in err or "Traceback" in out:
        return "traceback"
    lines = [l for l in err.splitlines() if l.strip()]
    if status == 2:
        if len(lines) != 1:
            return f"{len(lines)} lines on stderr"
        if changed:
            return f"files left behind: {changed[:3]}"
        if out.strip():
            return "output on stdout with an error"
        return None
    if case.certainly_bad:
        return f"exit {status} for certainly bad input"
    if status not in (0, 1):
        return f"exit {status}"
    if not out.strip():
        return "exit 0/1 without an answer on stdout"
    return None


class CallTimeout(BaseException):
    """Raised by the alarm in the driver (not an Exception: main() must not catch it)."""


def _drive(cases_file: Path, fixtures: Path, work: Path, out_file: Path) -> None:
    """Driver mode: run many cases through ``certificates.cli.main`` in this one
    process (the imports are paid once), each in a fresh copy of the fixtures,
    with stdout/stderr captured and an alarm as the time limit."""
    import contextlib
    import io
    import signal
    import traceback

    sys.path.insert(0, str(REPO))
    from certificates.cli import main

    def on_alarm(signum, frame):
        raise CallTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    todo = json.loads(cases_file.read_text())
    results = []
    home = os.getcwd()
    for n, c in enumerate(todo):
        wd = work / f"c{n}"
        shutil.copytree(fixtures, wd, symlinks=True)
        os.chmod(wd / "rodir", 0o555)
        before = _snapshot(wd)
        out, err = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        os.chdir(wd)
        try:
            signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(c["argv"])
        except CallTimeout:
            status = None
        except BaseException:  # noqa: BLE001 - anything escaping main() is a contract breach
            status = -1
            err.write(traceback.format_exc())
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            os.chdir(home)
        seconds = time.perf_counter() - t0
        after = _snapshot(wd)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        os.chmod(wd / "rodir", 0o755)
        shutil.rmtree(wd, ignore_errors=True)
        results.append({"status": status, "seconds": seconds, "stdout": out.getvalue()[-2000:],
                         "stderr": err.getvalue()[-2000:], "changed": changed})
        out_file.write_text(json.dumps(results))


def run_in_drivers(todo: list[Case], workers: int = 2, fixtures_root: Path | None = None) -> list[Result]:
    """Run ``todo`` in ``workers`` driver subprocesses (``python -m
    tests.hardening.fuzz_cli --driver``): the CLI runs out of the test process,
    each call under a time limit, the imports paid once per driver."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    tmp = Path(tempfile.mkdtemp(prefix="relu-fuzz-"))
    try:
        make_fixtures(tmp / "fixtures")
        chunks = [todo[i::workers] for i in range(workers)]

        def drive(i):
            cf, of = tmp / f"cases{i}.json", tmp / f"results{i}.json"
            cf.write_text(json.dumps([{"argv": c.argv} for c in chunks[i]]))
            (tmp / f"work{i}").mkdir()
            env = dict(os.environ, PYTHONPATH=str(REPO))
            limit = TIME_LIMIT * len(chunks[i]) + 120
            subprocess.run([sys.executable, "-m", "tests.hardening.fuzz_cli", "--driver", str(cf),
                            str(tmp / "fixtures"), str(tmp / f"work{i}"), str(of)],
                           cwd=REPO, env=env, capture_output=True, timeout=limit, stdin=subprocess.DEVNULL)
            raw = json.loads(of.read_text()) if of.exists() else []
            out = []
            for c, r in zip(chunks[i], raw + [None] * (len(chunks[i]) - len(raw))):
                if r is None:
                    out.append(Result(c, None, 0.0, "", "", [], "the driver died"))
                    continue
                status = r["status"]
                problem = "traceback" if status == -1 else check(c, status, r["stdout"], r["stderr"], r["changed"])
                out.append(Result(c, status, r["seconds"], r["stdout"], r["stderr"], r["changed"], problem))
            return out

        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(drive, range(workers)))
    finally:
        for dirpath, dirnames, _ in os.walk(tmp):
            for d in dirnames:
                try:
                    os.chmod(Path(dirpath) / d, 0o755)
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)
    return [r for part in parts for r in part]


def run_all(full: bool = False, workers: int = 2, only=None) -> list[Result]:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    tmp = Path(tempfile.mkdtemp(prefix="relu-fuzz-"))
    try:
        make_fixtures(tmp / "fixtures")
        todo = [c for c in cases(full) if only is None or c.command in only]
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda ic: run_case(ic[1], tmp / "fixtures", tmp / f"case{ic[0]}"),
                                    enumerate(todo)))
    finally:
        for dirpath, dirnames, _ in os.walk(tmp):
            for d in dirnames:
                try:
                    os.chmod(Path(dirpath) / d, 0o755)
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def report(results: list[Result]) -> str:
    """Markdown table: kinds tried per subcommand and how many met the contract."""
    rows: dict = {}
    for r in results:
        row = rows.setdefault(r.case.command, {"kinds": set(), "n": 0, "ok": 0, "bad": []})
        row["kinds"].add(r.case.kind)
        row["n"] += 1
        if r.problem is None:
            row["ok"] += 1
        else:
            row["bad"].append(f"{r.case.option} {r.case.kind}: {r.problem}")
    lines = ["| subcommand | calls | met the contract | kinds of bad input | failures |", "|---|---:|---:|---|---|"]
    for cmd, row in sorted(rows.items()):
        lines.append(f"| {cmd} | {row['n']} | {row['ok']} | {', '.join(sorted(row['kinds']))} | "
                     f"{'; '.join(row['bad'][:6]) + (' ...' if len(row['bad']) > 6 else '')} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import argparse

    if len(sys.argv) == 6 and sys.argv[1] == "--driver":
        _drive(*(Path(x) for x in sys.argv[2:]))
        sys.exit(0)
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--subprocess-per-call", action="store_true", help="one subprocess per call (slow)")
    a = ap.parse_args()
    if a.subprocess_per_call:
        res = run_all(a.full, a.workers, a.only)
    else:
        res = run_in_drivers([c for c in cases(a.full) if a.only is None or c.command in a.only], a.workers)
    print(report(res))
    for r in res:
        if r.problem:
            print(f"- {' '.join(x if len(x) < 60 else x[:20] + '...' for x in r.case.argv)}: {r.problem} "
                  f"[{r.status}] {r.stderr.strip()[-300:]!r}")
