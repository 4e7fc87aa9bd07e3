"""Census of the critical points of the two-block families ``Δ(S_{d−p}×S_p)`` over a range of d.

The simplest call:

>>> from landscape.census import census_branch_rows
>>> rows = census_branch_rows(1, 6, 7, starts=60, seed=0)
>>> sorted({r["d"] for r in rows}), min(r["loss"] for r in rows if r["d"] == 6) < 0.0251
([6, 7], True)

Method (k = d, teacher ``I_d``, rows are neurons): every critical point that
:func:`landscape.critical_points.find_critical_points` locates in
``Fix(Δ(S_{d0−p}×S_p))`` at the first dimension ``d0 = max(6, p + 2)`` is
followed in d by continuation (:func:`landscape.critical_points.follow_family`,
which solves the O(1)-size reduced equations at each d); each branch
contributes one row per d it reaches, with the loss, the Morse index and
``λ_min`` of the isotypic spectrum (float64).  Branches that end at a fold
stop there; critical points born at a larger d are not seen (the census says
which d0 it searched).  A verdict is added by a caller-supplied function (the
table generator uses :func:`certificates.symmetric.certify_family`, rigorous).
The global minimum (``W = I``, loss 0) is left out.
"""

from __future__ import annotations

import numpy as np

from .critical_points import find_critical_points, follow_family
from .errors import InputError
from .fixed_points import Family

__all__ = ["census_branch_rows", "first_dimension"]


def first_dimension(p: int) -> int:
    """The dimension where the census searches the family ``(d − p, p)``: ``max(6, p + 2)``."""
    return max(6, p + 2)


def census_branch_rows(p: int, d_lo: int, d_hi: int, starts: int | None = None, seed: int = 0,
                       verdict=None, progress: bool = False):
    """Rows ``{d, p, branch, loss, index, lambda_min, verdict, params}`` for ``d_lo ≤ d ≤ d_hi``.

    Parameters
    ----------
    p : int
        Size of the second block (``d − p ≥ 2``).
    d_lo, d_hi : int
        Dimensions; the search runs at ``d_lo``.
    starts, seed
        Passed to :func:`find_critical_points`.
    verdict : callable ``(parts, params) -> str``, optional
        Rigorous verdict (``minimum | saddle | inconclusive``); None leaves ``"-"``.

    Returns
    -------
    list of dict, sorted by (d, loss).
    """
    fam0 = Family((d_lo - p, p))
    pts = [pt for pt in find_critical_points(fam0, starts, seed) if not pt.is_global]
    rows = []
    ds = list(range(d_lo, d_hi + 1))
    for b, pt in enumerate(pts):
        if pt.min_row_norm < 1e-6:
            continue
        try:
            branch = follow_family(lambda d: (d - p, p), ds, start=np.asarray(pt.params, float))
        except InputError:  # float Newton cannot restart from this point: keep the point itself only
            branch = [pt]
        for q in branch:
            d = q.family.d
            row = {"d": d, "p": p, "branch": b, "loss": float(q.loss), "index": int(q.index),
                   "lambda_min": float(q.min_eigenvalue), "params": [float(v) for v in q.params]}
            row["verdict"] = verdict(q.family.parts, list(q.params)) if verdict is not None else "-"
            rows.append(row)
    rows.sort(key=lambda r: (r["d"], r["loss"]))
    return rows


def census_point_rows(p: int, d: int, starts: int | None = None, seed: int = 0, verdict=None):
    """Rows for every non-global critical point ``find`` locates in ``Fix(Δ(S_{d−p}×S_p))`` at one d
    (no continuation): catches branches born above the census' first dimension (e.g. the
    families with p bad neurons, which need d − p > p)."""
    fam = Family((d - p, p))
    rows = []
    for b, q in enumerate(pt for pt in find_critical_points(fam, starts, seed) if not pt.is_global):
        if q.min_row_norm < 1e-6:
            continue
        row = {"d": d, "p": p, "branch": f"d{d}-{b}", "loss": float(q.loss), "index": int(q.index),
               "lambda_min": float(q.min_eigenvalue), "params": [float(v) for v in q.params]}
        row["verdict"] = verdict(fam.parts, list(q.params)) if verdict is not None else "-"
        rows.append(row)
    return rows
