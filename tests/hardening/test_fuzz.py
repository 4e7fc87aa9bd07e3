"""Every subcommand the parser registers, fed generated bad input, keeps the contract.

The CLI runs out of this process (driver subprocesses, ``python -m
tests.hardening.fuzz_cli --driver``), each call under a time limit, in a fresh
directory: exit status 2, exactly one line on stderr, no traceback, no file
created or changed.  The case list is generated from
``certificates.cli.build_parser()``, so a subcommand added later is fuzzed
too.  CI runs one certainly-bad value per option (rotating through the kinds);
``python -m tests.hardening.fuzz_cli --full`` runs every kind (the table in
the issue-11 note).
"""

import pytest

from tests.hardening.fuzz_cli import cases, report, run_in_drivers


def test_the_case_list_covers_every_registered_subcommand_and_option():
    from tests.hardening.fuzz_cli import _subparsers, _takes_value

    listed = {(c.command, c.option) for c in cases(full=True)}
    for command, sp in _subparsers().items():
        for a in sp._actions:
            if _takes_value(a) and a.dest != "help":
                opt = a.option_strings[0] if a.option_strings else a.dest
                assert (command, opt) in listed, (command, opt)


@pytest.mark.timeout(600) if hasattr(pytest.mark, "timeout") else (lambda f: f)
def test_every_subcommand_meets_the_contract_on_bad_input():
    results = run_in_drivers(cases(full=False))
    broken = [r for r in results if r.problem]
    assert results and not broken, report(results) + "\n" + "\n".join(
        f"{' '.join(a if len(a) < 40 else a[:20] + '...' for a in r.case.argv)}: {r.problem}: {r.stderr[-200:]!r}"
        for r in broken)
