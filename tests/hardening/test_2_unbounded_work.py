"""Class 2: tiny input never causes unbounded work; every size is bounded before work, naming the limit.

Each call runs as a subprocess with a time limit: a hang fails the test.
"""

import json

import pytest

from tests.hardening.helpers import assert_one_line_error, cli, write_point

LIMIT = 60  # seconds; every case here is refused in well under a second of work


@pytest.mark.parametrize("entry", ["1e999999999", "-1e-999999999", "1" + "0" * 5000, "1/" + "3" * 9000])
def test_huge_decimal_exponents_and_digits_in_a_point_are_refused(tmp_path, entry):
    f = write_point(tmp_path / "p.json", [[entry, "0"], ["0", "1"]])
    assert_one_line_error(*cli("loss", "--W", f, timeout=LIMIT))


def test_huge_exponent_in_split_t_is_refused(tmp_path):
    f = write_point(tmp_path / "p.json", [["1", "0"], ["0", "1"]])
    code, out, err = cli("split", "--W", f, "--neuron", "0", "--t", "1e-999999999", timeout=LIMIT)
    assert_one_line_error(code, out, err)
    assert not (tmp_path / "p.split.json").exists()


def test_huge_exponent_inside_a_certificate_is_refused(tmp_path):
    from certificates.verifier import digest

    f = write_point(tmp_path / "p.json", [["1", "0.25"], ["0.5", "-0.75"]])
    code, _, err = cli("certify", "--W", f, "--out", tmp_path / "c.json", timeout=300)
    assert code == 0, err
    cert = json.loads((tmp_path / "c.json").read_text())
    cert["input"]["W"][0][0] = "1e999999999"
    cert["digest"] = digest(cert)  # a forger recomputes the digest
    (tmp_path / "c.json").write_text(json.dumps(cert))
    assert_one_line_error(*cli("verify", tmp_path / "c.json", timeout=LIMIT))


@pytest.mark.parametrize("partition", ["9**9**9", "d**9**9,1", "(d-1),1", "d" * 500 + ",1", "__import__('os')"])
@pytest.mark.parametrize("command", ["find", "table"])
def test_partition_expressions_are_parsed_safely(command, partition):
    code, out, err = cli(command, "--partition", partition, "--d", "6", timeout=LIMIT)
    assert_one_line_error(code, out, err)


def test_subgroups_refuses_huge_sizes_before_any_factorial():
    code, out, err = cli("subgroups", "--k", "100000", "--d", "100000", timeout=LIMIT)
    assert_one_line_error(code, out, err)
    assert "14400" in err


@pytest.mark.parametrize("argv, limit", [
    (["table", "--partition", "d-1,1", "--d", "6..100000000"], "10000000"),
    (["table", "--partition", "d-1,1", "--d", "6..5000"], "500"),
    (["table", "--partition", "d-1,1", "--d", "6,100000000000"], "10000000"),
    (["find", "--partition", "d-1,1", "--d", "1000000000"], "10000000"),
    (["find", "--partition", "5,1", "--d", "6", "--starts", "1000000000"], "100000"),
    (["find", "--partition", "5,1", "--d", "6", "--k", "1000000"], "2 d"),
    (["find", "--partition", "5,1", "--d", "6", "--precision", "100000"], "1000"),
    (["table", "--partition", "d-1,1", "--d", "6", "--starts", "1000000000"], "100000"),
])
def test_absurd_sizes_are_refused_with_the_limit_named(argv, limit):
    code, out, err = cli(*argv, timeout=LIMIT)
    assert_one_line_error(code, out, err)
    assert limit in err


def test_library_readers_bound_exponents():
    from landscape.errors import InputError
    from landscape.io import MAX_EXPONENT, to_fraction

    with pytest.raises(InputError, match=str(MAX_EXPONENT)):
        to_fraction("1e999999999")
    assert to_fraction("1e-300") > 0  # ordinary tiny numbers are still read exactly
