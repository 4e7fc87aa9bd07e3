"""The ``relu-landscape`` command line (see ../shared/CLI.md).

It lives in ``certificates`` because that is the one package allowed to import
the other two; each subcommand is a thin layer over a public function of the
package that owns the work.

Exit status: 0 success, 1 a definite negative answer (``verify`` of a bad
certificate), 2 bad input (one line on stderr; a traceback only with
``--debug``).
"""

from __future__ import annotations

import argparse
import importlib
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return 2 if exc.code not in (0, None) else 0
    try:
        outcome = args.handler(args)
    except INPUT_ERRORS as exc:
        if args.debug:
            raise
        print(f"relu-landscape {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"relu-landscape {args.command}: interrupted", file=sys.stderr)
        return 130
    if args.json:
        sys.stdout.write(dumps(outcome.payload) + "\n")
    else:
        sys.stdout.write(outcome.text.rstrip("\n") + "\n")
    return outcome.status


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
