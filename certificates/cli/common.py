"""Plumbing shared by every subcommand: input options, output, errors.

A subcommand module defines ``register(subparsers)``; each parser it adds sets
``handler`` to a function ``handler(args) -> Outcome``.  The handler calls a
public function of the package that owns the work and returns the JSON payload
(a dict) plus a readable summary; :func:`certificates.cli.main` prints one or
the other (``--json``) and maps named input errors to exit status 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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


def add_precision_option(parser) -> None:
    parser.add_argument("--precision", type=int, default=None, metavar="P",
                        help="significant decimal digits (mpmath); JSON numbers become decimal strings")


def load_point(args):
    """The point named by ``--W`` / ``--V``, validated (raises InputError)."""
    return read_point(args.W, args.V)


def check_precision(precision):
    if precision is not None and not (1 <= precision <= 10000):
        raise UsageError(f"--precision must be between 1 and 10000 digits, got {precision}")
    return precision


def number(x, precision=None):
    """A JSON number: float, or a decimal string of ``precision`` significant digits."""
    if precision is None:
        return float(x)
    with mpmath.workdps(precision + 10):
        return mpmath.nstr(mpmath.mpf(x), precision, strip_zeros=False)


def dumps(payload: dict) -> str:
    return json.dumps(payload, indent=None, separators=(",", ":"), allow_nan=False)
