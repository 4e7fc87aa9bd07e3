"""Spectrum tables: ranges, rows against independent dense computations, formats, figure."""

import csv
import io
import json

import numpy as np
import pytest

from landscape.errors import InputError
from landscape.loss import gradient, hessian
from landscape.tables import family_table, format_table, parse_range, plot_table


@pytest.fixture(scope="module")
def rows():
    return family_table("d-1,1", [6, 7, 9], starts=80)


def test_parse_range():
    assert parse_range("6..9") == [6, 7, 8, 9]
    assert parse_range("10,100,1000") == [10, 100, 1000]
    assert parse_range("8, 6..7") == [6, 7, 8]
    for bad in ["", "6..", "a..b", "9..6", "0", "6,,7"]:
        with pytest.raises(InputError):
            parse_range(bad)


def test_rows_are_spurious_critical_points_with_dense_spectra(rows):
    assert [r.d for r in rows] == [6, 7, 9]
    assert abs(float(rows[0].loss) - 0.02508) < 5e-6
    for r in rows:
        W = r.point.W()
        assert np.abs(gradient(W)).max() < 1e-9
        assert float(r.loss) > 1e-6
        dense = np.linalg.eigvalsh(hessian(W))
        np.testing.assert_allclose(np.sort(r.point.spectrum.values()), dense, atol=1e-10)
        assert sum(e.multiplicity for e in r.eigenvalues) == r.d ** 2


def test_formats(rows):
    md = format_table(rows, "md")
    assert md.count("\n") == 2 + len(rows) and "| 6 |" in md and "[4,1]" in md
    text = format_table(rows, "csv")
    data = list(csv.DictReader(io.StringIO(text)))
    assert {int(r["d"]) for r in data} == {6, 7, 9}
    for r in rows:
        mult = sum(int(x["multiplicity"]) for x in data if int(x["d"]) == r.d)
        assert mult == r.d ** 2
    tex = format_table(rows, "tex")
    assert tex.startswith("\\begin{tabular}") and "\\otimes" not in tex.split("\n")[0]
    js = json.loads(format_table(rows, "json", "d-1,1"))
    assert js["partition"] == "d-1,1" and len(js["rows"]) == 3
    first = js["rows"][0]
    assert set(first) >= {"d", "loss", "eigenvalues", "index", "params"}
    assert set(first["eigenvalues"][0]) == {"value", "multiplicity", "irrep"}
    with pytest.raises(InputError):
        format_table(rows, "xlsx")


def test_two_block_family_and_figure(tmp_path):
    rows = family_table("d-2,2", [6, 8], starts=60)
    assert [r.d for r in rows] == [6, 8]
    for r in rows:
        assert any("⊗" in e.irrep for e in r.eigenvalues)
        np.testing.assert_allclose(np.sort(r.point.spectrum.values()), np.linalg.eigvalsh(hessian(r.point.W())),
                                   atol=1e-10)
    out = tmp_path / "fig.png"
    plot_table(rows, out)
    assert out.stat().st_size > 1000


def test_precision_rows():
    rows = family_table("d-1,1", [6], digits=30, starts=60)
    md = format_table(rows, "md")
    assert "0.02508058" in md
    js = json.loads(format_table(rows, "json"))
    assert isinstance(js["rows"][0]["loss"], str) and len(js["rows"][0]["loss"].replace("0.", "", 1)) >= 30
