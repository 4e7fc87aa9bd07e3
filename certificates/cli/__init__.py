"""The ``relu-landscape`` command line (reference: ``docs/cli.md``).

It lives in ``certificates`` because that is the one package allowed to import
the other two; each subcommand is a thin layer over a public function of the
package that owns the work.

Exit status: 0 success, 1 a definite negative answer (``verify`` of a bad
certificate), 2 bad input (one line on stderr; a traceback only with
``--debug``), 130 interrupted (Ctrl-C; finished results are kept in files
marked partial), 3 an internal error (a bug: one line, traceback with
``--debug``).  The full reference is ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from .common import INPUT_ERRORS, dumps

#: Modules that contribute subcommands, each with ``register(subparsers)``.
COMMAND_MODULES = (
    "certificates.cli.landscape_commands",  # loss, spectrum
    "certificates.cli.family_commands",  # find, table
    "certificates.cli.symmetry_commands",  # isotropy, subgroups
    "certificates.cli.certificate_commands",  # certify, verify, split
    "certificates.cli.dynamics_commands",  # gd (population GD from random starts)
    "certificates.cli.finite_commands",  # gd-finite (finite-sample width threshold, Zou & Gu)
    "certificates.cli.robustness_commands",  # robustness (off-subspace, Melamed et al.)
    "certificates.cli.theorem_commands",  # asymptotics, critical-dimension (certify --partition)
)


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line on stderr (exit 2):
    ``relu-landscape CMD: error: MESSAGE (see relu-landscape CMD --help)``,
    with any echoed value cut short (a 5000-digit --d stays one short line)."""

    def error(self, message):
        message = " ".join(str(message).split())
        message = re.sub(r"'([^']{60})[^']{20,}'", lambda m: f"'{m.group(1)}...'", message)
        if len(message) > 300:
            message = message[:297] + "..."
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="relu-landscape",
        description="Loss landscape of two-layer ReLU networks: losses, Hessian spectra, "
        "symmetry, critical points and rigorous certificates.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command family not built yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    for action in sub.choices.values():
        action.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
        action.add_argument("--debug", action="store_true", help="show tracebacks")
        writes = any(a.dest in OUTPUT_OPTIONS for a in action._actions)
        if writes and not any("--force" in a.option_strings for a in action._actions):
            action.add_argument("--force", action="store_true",
                                help="allow an output file to replace an input file or a non-empty directory")
    return parser


#: Exit status of an unexpected failure (a bug): one line on stderr, never a traceback without --debug.
INTERNAL_ERROR = 3
#: Options that name an output path, checked for every subcommand before the work starts
#: (the subcommands check extension and overwriting themselves).
OUTPUT_OPTIONS = ("out", "figure", "script", "png", "graphml", "dot", "toy_figure", "cert_dir")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _precheck(args) -> None:
    """Checks every subcommand shares, before its handler does any work:
    partition expressions, seeds, output directories, progress default."""
    from pathlib import Path

    from .common import UsageError, check_partition_text, check_seed, short_path

    if isinstance(getattr(args, "partition", None), str):
        check_partition_text(args.partition)
    check_seed(getattr(args, "seed", None))
    for name in OUTPUT_OPTIONS:
        value = getattr(args, name, None)
        if not isinstance(value, str):
            continue
        path = Path(value)
        parent = path.parent if str(path.parent) else Path(".")
        if not value or len(value) > 4096 or "\x00" in value or any(len(c) > 255 for c in path.parts):
            raise UsageError(f"--{name.replace('_', '-')}: not a usable path (empty, NUL, or a name "
                             "longer than 255 characters)")
        if not parent.is_dir():
            raise UsageError(f"--{name.replace('_', '-')} {short_path(path)}: directory {short_path(parent)} "
                             "does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"--{name.replace('_', '-')} {short_path(path)}: directory {short_path(parent)} "
                             "is not writable")
    if getattr(args, "progress", False) is None:
        args.progress = sys.stderr.isatty()


def main(argv=None) -> int:
    command = "?"
    args = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse already printed its one-line usage error
            return 2 if exc.code not in (0, None) else 0
        command = args.command
        _precheck(args)
        outcome = args.handler(args)
        if args.json:
            text = dumps(outcome.payload) + "\n"
        else:
            text = outcome.text.rstrip("\n") + "\n"
        sys.stdout.write(text)
        sys.stdout.flush()
        return outcome.status
    except INPUT_ERRORS as exc:
        if args is not None and args.debug:
            raise
        print(f"relu-landscape {command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"relu-landscape {command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. | head): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug: one line, exit 3; the traceback with --debug
        if args is not None and getattr(args, "debug", False):
            raise
        print(f"relu-landscape {command}: internal error ({type(exc).__name__}: {_one_line(exc, 200)}); "
              "rerun with --debug for the traceback and please report it", file=sys.stderr)
        return INTERNAL_ERROR


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
