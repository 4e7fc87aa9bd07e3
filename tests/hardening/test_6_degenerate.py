"""Class 6: points with parallel rows (a continuum of critical points, L not C³ there) are
flagged degenerate, with the reason, in every output that shows them.

Oracle: parallelism is checked on the full W in the JSON with numpy (cosine of
row pairs), independently of the flag's own computation on family parameters.
"""

import json

import numpy as np
import pytest

from tests.hardening.helpers import run


def _parallel(W, tol=1e-9):
    W = np.asarray(W, float)
    U = W / np.linalg.norm(W, axis=1)[:, None]
    G = U @ U.T
    k = len(W)
    return any(G[i, j] > 1 - tol for i in range(k) for j in range(i + 1, k))


def test_find_flags_exactly_the_points_with_parallel_rows(capsys):
    code, out, err = run(capsys, "find", "--d", "6", "--partition", "5,1", "--json")
    assert code == 0
    pts = json.loads(out)["critical_points"]
    flagged = [p for p in pts if p["degenerate"]]
    assert flagged, "the 5,1 search at d = 6 finds points with all rows parallel"
    for p in pts:
        assert bool(p["degenerate"]) == _parallel(p["W"]), p
        if p["degenerate"]:
            assert "parallel" in p["degenerate"] and "continuum" in p["degenerate"]
    code, text, _ = run(capsys, "find", "--d", "6", "--partition", "5,1")
    marked = [l for l in text.splitlines() if " *" in l and not l.lstrip().startswith("*")]
    assert "degenerate" in text and len(marked) == len(flagged)


def test_spectrum_of_a_point_with_parallel_rows_says_so(tmp_path, capsys):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"W": [["0.3", "0.4"], ["0.6", "0.8"]]}))
    code, out, _ = run(capsys, "spectrum", "--W", f, "--json")
    assert code == 0 and "parallel" in json.loads(out)["degenerate"]
    code, out, _ = run(capsys, "spectrum", "--W", f)
    assert "DEGENERATE" in out
    g = tmp_path / "q.json"
    g.write_text(json.dumps({"W": [["1", "0.1"], ["0.2", "1"]]}))
    code, out, _ = run(capsys, "spectrum", "--W", g, "--json")
    assert json.loads(out)["degenerate"] is None


def test_tables_flag_degenerate_rows_in_every_format():
    from landscape.critical_points import analyse
    from landscape.fixed_points import Family
    from landscape.tables import TableRow, format_table, table_payload

    fam = Family((5, 1))
    # all rows equal (A = B): a point of the continuum; analyse does not need it critical
    pt = analyse(fam, [0.3, 0.3, 0.3, 0.3, 0.3])
    assert _parallel(pt.W())
    rows = [TableRow(6, pt)]
    assert "degenerate" in format_table(rows, "md")
    assert "parallel" in format_table(rows, "csv")
    assert "dagger" in format_table(rows, "tex")
    assert "parallel" in table_payload(rows)["rows"][0]["degenerate"]


def _parallel_pairs_oracle(W, tol=1e-7):
    """Every pair (i < j) whose unit rows are within chord ``tol``, by brute force."""
    U = W / np.linalg.norm(W, axis=1)[:, None]
    return [(i, j) for i in range(len(U)) for j in range(i + 1, len(U)) if np.linalg.norm(U[i] - U[j]) < tol]


@pytest.mark.parametrize("k", [7, 150])  # 150 rows of one direction: the many-candidates path
def test_parallel_rows_reason_against_all_pairs(k):
    from certificates.cli.landscape_commands import parallel_rows_reason
    from landscape.io import Point

    rng = np.random.default_rng(k)
    for t in range(40):
        if k == 7:
            W = rng.normal(size=(k, 4))
            for _ in range(int(rng.integers(0, 4))):
                i, j = rng.integers(0, k, size=2)
                W[j] = W[i] * rng.uniform(0.5, 2) + rng.normal(size=4) * 10.0 ** rng.integers(-12, -5)
        else:
            W = np.outer(rng.uniform(0.5, 2, size=k), rng.normal(size=4))
            W[rng.integers(0, k, size=int(rng.integers(0, 3)))] += 1.0
        pairs = _parallel_pairs_oracle(W)
        got = parallel_rows_reason(Point.from_arrays(W))
        if not pairs:
            assert got is None
        elif len(pairs) == k * (k - 1) // 2:
            assert got.startswith("all rows are parallel")
        else:
            listed = ", ".join(f"{i} and {j}" for i, j in pairs[:4]) + (" ..." if len(pairs) > 4 else "")
            assert got.startswith(f"rows {listed} are parallel"), (got, pairs[:5])
