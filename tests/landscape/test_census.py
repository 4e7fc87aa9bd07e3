"""Census of the two-block families (landscape.census) against independent computations."""

import numpy as np

from landscape.census import census_branch_rows, first_dimension
from landscape.fixed_points import Family, assemble
from landscape.loss import hessian, loss


def test_census_rows_small():
    rows = census_branch_rows(1, 6, 7, starts=60, seed=0, verdict=lambda parts, params: "checked")
    assert {r["d"] for r in rows} == {6, 7}
    assert all(r["verdict"] == "checked" and r["p"] == 1 for r in rows)
    # Safran & Shamir (2018): the type-A spurious minimum at d = 6 has loss ~ 0.02508
    at6 = [r for r in rows if r["d"] == 6]
    assert any(abs(r["loss"] - 0.02508) < 5e-5 and r["index"] == 0 for r in at6)
    for r in at6[:4]:  # loss, index and lambda_min against the dense loss and eigvalsh
        W = assemble(Family((5, 1)), r["params"])
        assert abs(loss(W) - r["loss"]) < 1e-10
        ev = np.linalg.eigvalsh(hessian(W))
        assert abs(ev[0] - r["lambda_min"]) < 1e-7
        assert int((ev < -1e-9).sum()) == r["index"]
    # rows sorted by (d, loss); no global minimum
    assert rows == sorted(rows, key=lambda r: (r["d"], r["loss"]))
    assert min(r["loss"] for r in rows) > 1e-9


def test_first_dimension():
    assert [first_dimension(p) for p in (1, 4, 5, 10)] == [6, 6, 7, 12]


def test_point_rows_at_one_dimension():
    from landscape.census import census_point_rows

    rows = census_point_rows(1, 6, starts=60, seed=0)
    assert any(abs(r["loss"] - 0.02508) < 5e-5 and r["index"] == 0 for r in rows)
    assert all(r["d"] == 6 and r["p"] == 1 for r in rows)
