"""Census of the critical points of the two-block families ``Δ(S_{d−p}×S_p)`` over a range of d.

The simplest call:

>>> from landscape.census import census_branch_rows
>>> rows = census_branch_rows(1, 6, 7, starts=60, seed=0)
>>> sorted({r["d"] for r in rows}), min(r["loss"] for r in rows if r["d"] == 6) < 0.0251
([6, 7], True)

Method (k = d, teacher ``I_d``, rows are neurons, SPEC.md): the points
:func:`landscape.critical_points.find_critical_points` locates in
``Fix(Δ(S_{d−p}×S_p))`` at some dimension (:func:`search_points`) are
followed in d by continuation (:func:`follow_rows`, through
:func:`landscape.critical_points.follow_family`, which solves the O(1)-size
reduced equations at each d); each branch contributes one row per d it
reaches, with the loss, the Morse index and ``λ_min`` of the isotypic
spectrum (float64).  Branches that end at a fold stop there; a branch born
at a larger d is seen only if a search is run at or after its birth.  A
verdict is added by a caller-supplied function (the table generator uses
:func:`certificates.symmetric.certify_family`, rigorous), except at a
degenerate point (positively parallel neurons, :func:`degenerate_reason`: a
continuum of critical points where L is not C³), which is ``inconclusive``
with that reason -- no certificate applies there.  The global
minimum (``W = I``, loss 0) and points with a neuron of norm < 1e-6 are
left out.

A two-block partition is unordered: ``(d − p, p)`` and ``(p, d − p)`` are one
family, so every row is labelled by the smaller block ``p ≤ d/2``
(:func:`merge_rows`; continuation at fixed p starting from ``d − p = 2``
passes through ``p > d/2`` and those rows are relabelled).  Two rows at the
same ``(d, p)`` are the same critical point when their losses agree and the
multisets of entries of W agree (:func:`signature`, invariant under
permuting neurons and inputs) -- the rule ``find`` itself de-duplicates by.
"""

from __future__ import annotations

import numpy as np

from .critical_points import find_critical_points, follow_family
from .errors import InputError
from .fixed_points import Family

__all__ = ["census_branch_rows", "census_point_rows", "first_dimension", "search_points", "follow_rows",
           "signature", "same_point", "merge_rows", "degenerate_reason", "MIN_ROW_NORM"]

#: Points with a neuron shorter than this are left out (L is not differentiable at a zero row).
MIN_ROW_NORM = 1e-6


def first_dimension(p: int) -> int:
    """The smallest dimension where the census searches the family with a block of size p at
    fixed p: ``max(6, p + 2)`` (the other block has at least 2 rows)."""
    return max(6, p + 2)


def signature(parts, params) -> list:
    """The multiset of entries of the assembled W as sorted ``[value, count]`` pairs (float).

    Invariant under permuting neurons and inputs, hence under swapping the two blocks:
    ``signature((a, b), x)`` equals the signature of the same W written as ``(b, a)``.
    """
    fam = Family(tuple(parts))
    counts: dict = {}
    for v, size in zip(params, fam.orbit_sizes):
        counts[float(v)] = counts.get(float(v), 0) + size
    out = []
    for v in sorted(counts):  # merge values equal up to round-off (e.g. two orbits with one value)
        if out and abs(v - out[-1][0]) <= 1e-9 * max(1.0, abs(v)):
            out[-1][1] += counts[v]
        else:
            out.append([v, counts[v]])
    return out


def same_point(a: dict, b: dict, tol: float = 1e-6) -> bool:
    """True when rows ``a`` and ``b`` (same d) are the same critical point up to symmetry:
    losses within ``1e-9`` (relative above 1) and the entry multisets within ``tol``."""
    if abs(a["loss"] - b["loss"]) > 1e-9 * max(1.0, abs(a["loss"])):
        return False
    sa, sb = a["sig"], b["sig"]
    return len(sa) == len(sb) and all(ca == cb and abs(va - vb) <= tol * max(1.0, abs(va))
                                      for (va, ca), (vb, cb) in zip(sa, sb))


def degenerate_reason(parts, params) -> str | None:
    """Why the point is not an isolated smooth critical point (positively parallel neurons:
    a continuum of critical points where L is not C³), or None.  Float check, O(1) in d
    (:attr:`landscape.critical_points.CriticalPoint.degenerate_reason`)."""
    from .critical_points import CriticalPoint

    fam = Family(tuple(parts))
    return CriticalPoint(fam, [float(v) for v in params], None, None, 0, None, None).degenerate_reason


def _row(pt, p: int, source: str, verdict) -> dict:
    fam = pt.family
    params = [float(v) for v in pt.params]
    row = {"d": fam.d, "p": min(fam.parts), "parts": list(fam.parts), "loss": float(pt.loss),
           "index": int(pt.index), "lambda_min": float(pt.min_eigenvalue), "params": params,
           "sig": signature(fam.parts, params), "source": source, "verdict": "-", "reason": None,
           "degenerate": pt.degenerate_reason}
    if verdict is not None:
        if row["degenerate"]:  # no certificate applies (Krawczyk needs L smooth near the point)
            row["verdict"], row["reason"] = "inconclusive", "degenerate: " + row["degenerate"]
        else:
            v = verdict(fam.parts, params)
            row["verdict"], row["reason"] = (v, None) if isinstance(v, str) else v
    return row


def search_points(p: int, d: int, starts: int | None = None, seed: int = 0, verdict=None) -> list[dict]:
    """Rows for every non-global critical point ``find`` locates in ``Fix(Δ(S_{d−p}×S_p))`` at one d.

    Parameters
    ----------
    p, d : int
        Block sizes ``(d − p, p)``, ``1 ≤ p ≤ d − 1``.
    starts, seed
        Passed to :func:`landscape.critical_points.find_critical_points`.
    verdict : callable ``(parts, params) -> str or (str, reason)``, optional
        Rigorous verdict (``minimum | saddle | inconclusive``); None leaves ``"-"``.

    Returns
    -------
    list of dict
        ``{d, p, parts, loss, index, lambda_min, params, sig, source, verdict, reason}``
        (float64), ``p`` the smaller block, sorted by loss.
    """
    if not (1 <= p <= d - 1):
        raise InputError(f"a two-block family needs 1 <= p <= d - 1, got p = {p}, d = {d}")
    pts = find_critical_points(Family((d - p, p)), starts, seed)
    if not pts.complete:
        raise KeyboardInterrupt
    return [_row(q, p, f"search d={d}", verdict) for q in pts
            if not q.is_global and q.min_row_norm >= MIN_ROW_NORM]


def _follow(p: int, ds, fam_of, params):
    try:
        return follow_family(fam_of, ds, start=np.asarray(params, float))
    except InputError:
        return None


def follow_rows(p: int, d_lo: int, d_hi: int, params, verdict=None, source: str = "",
                down_to: int | None = None) -> list[dict]:
    """Rows of one branch: the critical point near ``params`` in ``Fix(Δ(S_{d_lo−p}×S_p))``
    followed at fixed p through ``d = d_lo..d_hi`` (one row per d reached; a fold ends it),
    and, with ``down_to < d_lo``, also downwards through ``d = d_lo−1..down_to``.

    If float Newton cannot restart from ``params`` at ``d_lo`` the branch is the point
    itself (re-analysed).  Downward continuation is :func:`follow_family` in the variable
    ``t = d_lo + down_to − d`` (it steps in increasing t).
    """
    branch = _follow(p, list(range(d_lo, d_hi + 1)), lambda d: (d - p, p), params)
    if branch is None:
        from .critical_points import analyse

        branch = [analyse(Family((d_lo - p, p)), [float(v) for v in params])]
    if down_to is not None and down_to < d_lo and branch:
        c = d_lo + down_to
        if c - d_lo - p < 1 or down_to - p < 1:
            raise InputError(f"cannot follow (d - {p}, {p}) down to d = {down_to}")
        down = _follow(p, list(range(down_to, d_lo + 1)), lambda t: (c - t - p, p), branch[0].params)
        branch = (down or [])[1:][::-1] + branch
    out = []
    for q in branch:
        if q.is_global or q.min_row_norm < MIN_ROW_NORM:
            continue  # the branch ran into the global minimum or a dead neuron
        out.append(_row(q, p, source or f"follow p={p} from d={d_lo}", verdict))
    return out


def census_branch_rows(p: int, d_lo: int, d_hi: int, starts: int | None = None, seed: int = 0,
                       verdict=None, progress: bool = False):
    """Every point found at ``d_lo`` (:func:`search_points`, no verdict) followed to ``d_hi``.

    Returns
    -------
    list of dict, sorted by (d, loss); each row also carries ``branch`` (its seed's rank).
    """
    rows = []
    for b, pt in enumerate(search_points(p, d_lo, starts, seed)):
        for r in follow_rows(p, d_lo, d_hi, pt["params"], verdict, f"follow p={p} from d={d_lo}"):
            r["branch"] = b
            rows.append(r)
    rows.sort(key=lambda r: (r["d"], r["loss"]))
    return rows


def census_point_rows(p: int, d: int, starts: int | None = None, seed: int = 0, verdict=None):
    """Rows at one d, no continuation (:func:`search_points` with a verdict); catches branches
    born above the first dimension, e.g. the families with p bad neurons, which need d − p > p."""
    return search_points(p, d, starts, seed, verdict)


_RANK = {"minimum": 0, "saddle": 0, "inconclusive": 1, "-": 2}


def merge_rows(rows) -> tuple[list[dict], list[tuple]]:
    """One row per critical point and ``(d, p)`` (``p`` the smaller block), sorted by (d, p, loss).

    Of several rows for one point the one with a certified verdict is kept (else the first);
    two certified verdicts that disagree are returned as conflicts (a bug to report, never
    to hide).

    Returns
    -------
    (rows, conflicts) : list of dict, list of (row, row)
    """
    groups: dict = {}
    conflicts = []
    for r in rows:
        kept = groups.setdefault((r["d"], r["p"]), [])
        for i, s in enumerate(kept):
            if same_point(s, r):
                if _RANK[r["verdict"]] == 0 and _RANK[s["verdict"]] == 0 and r["verdict"] != s["verdict"]:
                    conflicts.append((s, r))
                elif _RANK[r["verdict"]] < _RANK[s["verdict"]]:
                    kept[i] = r
                break
        else:
            kept.append(r)
    out = [r for g in groups.values() for r in g]
    out.sort(key=lambda r: (r["d"], r["p"], r["loss"], r["lambda_min"]))
    return out, conflicts
