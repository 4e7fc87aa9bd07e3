"""Class 9: generated tables say no more than was shown -- labels agree with the isotropy
of the point itself, and the over-parameterisation table says what was found."""

import json
from pathlib import Path

import pytest

from landscape.fixed_points import Family, assemble
from symmetry.isotropy import isotropy

TABLES = Path(__file__).resolve().parents[2] / "docs" / "tables"


def _spectrum_tables():
    """The JSON files of docs/tables written by ``landscape.tables`` (other generators share the folder)."""
    out = []
    for path in sorted(TABLES.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(data, dict) and "partition" in data and isinstance(data.get("rows"), list) and \
                all(isinstance(r, dict) and {"parts", "params", "d"} <= set(r) for r in data["rows"]):
            out.append(path)
    return out


def test_the_spectrum_tables_are_found():
    assert {"type_A_d6-20.json", "type_d-2_2_d6-20.json"} <= {p.name for p in _spectrum_tables()}


@pytest.mark.parametrize("path", _spectrum_tables(), ids=lambda p: p.name)
def test_every_generated_row_is_labelled_by_its_own_isotropy(path):
    table = json.loads(path.read_text())
    for row in table["rows"]:
        if row["d"] > 40:
            continue
        fam = Family(tuple(row["parts"]))
        W = assemble(fam, [row["params"][n] for n in fam.param_names])
        H = isotropy(W, tol=1e-9)
        label = row.get("isotropy") or fam.label()
        assert H.name == label, (path.name, row["d"], H.name, label)


def test_rows_with_more_symmetry_than_the_family_are_labelled_so():
    from landscape.critical_points import find_critical_points
    from landscape.tables import format_table, table_payload, TableRow

    pts = [p for p in find_critical_points((4, 2), starts=200, seed=0) if not p.is_global]
    full = [p for p in pts if abs(float(p.loss) - 0.05566858) < 1e-6]
    assert full and full[0].isotropy_name == "ΔS_6"  # W = aI + b(J - I), found in Fix(Δ(S_4×S_2))
    rows = [TableRow(6, full[0])]
    assert table_payload(rows)["rows"][0]["isotropy"] == "ΔS_6"
    assert "ΔS_6" in format_table(rows, "md")


def test_certified_overparam_wording_and_labels():
    text = (TABLES / "certified_overparam.md").read_text()
    assert "survives there" not in text and "the k = d minimum survives" not in text
    assert "new* critical point" in text or "new critical point" in text
    for d in ("6", "7"):
        rows = [l for l in text.splitlines() if l.startswith("|") and f"| {d} |" in l and "0.0556" in l or
                l.startswith("|") and f"| {d} |" in l and "0.0622" in l]
        assert rows and all(l.startswith("| ΔS_d") for l in rows), rows
