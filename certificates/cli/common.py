"""Plumbing shared by every subcommand: input options, output, errors.

A subcommand module defines ``register(subparsers)``; each parser it adds sets
``handler`` to a function ``handler(args) -> Outcome``.  The handler calls a
public function of the package that owns the work and returns the JSON payload
(a dict) plus a readable summary; :func:`certificates.cli.main` prints one or
the other (``--json``) and maps named input errors to exit status 2.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import mpmath

from landscape.errors import InputError as LandscapeInputError
from landscape.io import read_point
from symmetry.errors import InputError as SymmetryInputError

#: Exceptions that mean "the user gave bad input": one line, exit status 2.
INPUT_ERRORS = (LandscapeInputError, SymmetryInputError)


class UsageError(LandscapeInputError):
    """A combination of options that makes no sense."""


@dataclass
class Outcome:
    """What a handler returns: the JSON payload, the readable text, the exit code."""

    payload: dict
    text: str
    status: int = 0
    extra: dict = field(default_factory=dict)


def add_point_options(parser, required: bool = True) -> None:
    """``--W FILE`` (json/npy/csv) and ``--V FILE``."""
    parser.add_argument("--W", dest="W", required=required, metavar="FILE",
                        help="point file: .json {W, V?, alpha?, beta?}, .npy or .csv (rows are neurons)")
    parser.add_argument("--V", dest="V", metavar="FILE", help="teacher matrix file (overrides V in --W)")


def add_run_options(parser, out_help: str, resume_help: str) -> None:
    """``--workers``, ``--scheduler``, ``--out``, ``--resume``: the options every
    seeded experiment shares (:mod:`landscape.runs` runs them)."""
    parser.add_argument("--workers", type=int, default=1, help="local worker processes")
    parser.add_argument("--scheduler", default=None, metavar="ADDR", help="dask.distributed scheduler address")
    parser.add_argument("--out", default=None, metavar="FILE", help=out_help)
    parser.add_argument("--resume", default=None, metavar="FILE", help=resume_help)


def add_progress_options(parser) -> None:
    """``--progress`` / ``--no-progress`` (default: a bar when stderr is a terminal)."""
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="progress bar on stderr (default: when stderr is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false")


def add_precision_option(parser) -> None:
    parser.add_argument("--precision", type=int, default=None, metavar="P",
                        help="significant decimal digits (mpmath); JSON numbers become decimal strings")


def load_point(args):
    """The point named by ``--W`` / ``--V``, validated (raises InputError)."""
    return read_point(args.W, args.V)


def check_precision(precision, limit: int = 10000):
    if precision is not None and not (1 <= precision <= limit):
        raise UsageError(f"--precision must be between 1 and {limit} digits, got {precision}")
    return precision


class OutOfRangeError(LandscapeInputError):
    """A result that float64 cannot carry (overflow / underflow) in a float output."""


def number(x, precision=None):
    """A JSON number: float, or a decimal string of ``precision`` significant digits.

    Raises
    ------
    OutOfRangeError
        ``precision`` is None and ``x`` is not finite, overflows float64 or
        underflows a nonzero value to zero: never print nan or a wrong 0.
    """
    if precision is None:
        try:
            f = float(x)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f) or (f == 0 and x != 0) or (f != 0 and abs(f) < 2.2250738585072014e-308):
            try:
                shown = mpmath.nstr(mpmath.mpf(x), 6)
            except (TypeError, ValueError):
                shown = str(x)
            raise OutOfRangeError(f"a result ({shown}) is outside float64's range; "
                                  "rerun with --precision P to get it as a decimal string")
        return f
    with mpmath.workdps(precision + 10):
        v = mpmath.mpf(x)
        if not mpmath.isfinite(v):
            raise OutOfRangeError(f"a result is {v}: not a finite number")
        return mpmath.nstr(v, precision, strip_zeros=False)


# --------------------------------------------------------------------------- bounds
#: Seeds are numpy ``default_rng`` seeds: non-negative and below 2**63.
MAX_SEED = 2**63 - 1
#: Longest partition expression (``d-1,1``) accepted, and the parts it may have.
MAX_PARTITION_CHARS = 200
_PART = re.compile(r"^(?:\d{1,9}|d)(?:[+*-](?:\d{1,9}|d))*$")


def check_partition_text(text) -> None:
    """Refuse a partition expression before anything evaluates it.

    A part is a sum/difference/product of integers (at most 9 digits) and
    ``d``; no powers, no parentheses: ``9**9**9`` or ``d**d**d`` would take
    unbounded work (``landscape.fixed_points.parse_partition`` evaluates parts).
    """
    if not isinstance(text, str):
        return
    if len(text) > MAX_PARTITION_CHARS:
        raise UsageError(f"--partition is {len(text)} characters long (at most {MAX_PARTITION_CHARS})")
    for raw in text.split(","):
        part = raw.replace(" ", "")
        if part and not _PART.match(part):
            shown = part if len(part) <= 30 else part[:25] + "..."
            raise UsageError(f"cannot read partition part {shown!r}: use integers and d with + - * "
                             "(e.g. 5,1 or d-1,1 or d-2,2); no powers or parentheses")


def check_seed(seed) -> None:
    if seed is None or isinstance(seed, bool) or not isinstance(seed, int):
        return
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed must be between 0 and 2**63 - 1, got {seed}")


# --------------------------------------------------------------------------- outputs
#: Extensions matplotlib writes (a figure with another extension fails only after the work).
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")
POINT_SUFFIXES = (".json", ".npy", ".csv")


def check_output_path(path, option: str, inputs=(), force: bool = False, suffixes=None,
                      directory: bool = False) -> Path:
    """Refuse an output path that cannot be written, before any work starts.

    Checks: the parent directory exists and is writable, the path is not a
    directory (or, with ``directory=True``, is a new or empty directory), the
    suffix is one of ``suffixes``, and it is not one of the input files
    (unless ``force``).
    """
    path = Path(path)
    text = str(path)
    if not text or len(text) > 4096 or "\x00" in text or any(len(c) > 255 for c in path.parts):
        raise UsageError(f"{option}: not a usable path (empty, NUL, or a name longer than 255 characters)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise UsageError(f"{option} {short_path(path)}: directory {short_path(parent)} does not exist")
    if not parent.is_dir():
        raise UsageError(f"{option} {short_path(path)}: {short_path(parent)} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {short_path(path)}: directory {short_path(parent)} is not writable")
    if directory:
        if path.exists() and not path.is_dir():
            raise UsageError(f"{option} {short_path(path)}: exists and is not a directory")
        if path.is_dir() and any(path.iterdir()) and not force:
            raise UsageError(f"{option} {short_path(path)}: directory is not empty (use --force to replace it)")
    else:
        if path.is_dir():
            raise UsageError(f"{option} {short_path(path)}: is a directory, expected a file name")
        if path.exists() and not os.access(path, os.W_OK):
            raise UsageError(f"{option} {short_path(path)}: file is not writable")
        if suffixes is not None and path.suffix.lower() not in suffixes:
            raise UsageError(f"{option} {short_path(path)}: unsupported extension {path.suffix or '(none)'!r} "
                             f"(use {', '.join(suffixes)})")
    if not force:
        for inp in inputs:
            if inp and _same_file(path, Path(inp)):
                raise UsageError(f"{option} {short_path(path)} is also an input file; "
                                 "choose another name (or --force to overwrite it)")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def short_path(path) -> str:
    s = str(path)
    return s if len(s) <= 80 else s[:40] + "..." + s[-30:]


def dumps(payload: dict) -> str:
    return json.dumps(payload, indent=None, separators=(",", ":"), allow_nan=False)
