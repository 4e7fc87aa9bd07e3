"""Where gradient descent landed: endpoints grouped into families up to symmetry.

The simplest call:

>>> import numpy as np
>>> from landscape.endpoints import classify_endpoints
>>> Ws = np.stack([np.eye(3), np.eye(3)[[2, 0, 1]]])      # two runs at the teacher, permuted
>>> c = classify_endpoints(Ws)
>>> len(c.families), c.families[0].count, c.families[0].is_global, c.labels.tolist()
(1, 2, True, [0, 0])

How two endpoints are put in one family (rows are neurons, SPEC.md):

1. **Colours.**  The entries of each endpoint are grouped into value classes
   by single linkage: sorted values split where consecutive ones differ by
   more than ``value_tol · max(1, max|W|)``
   (:func:`symmetry.isotropy.value_classes`); classes are numbered by
   increasing value.  *This grouping is the only tolerance in the
   classification.*  It is safe because GD endpoints stopped at
   ``‖∇L‖ ≤ 1e-12`` lie within ``‖∇L‖/λ_min ≈ 1e-10`` of their critical
   point, so entries equal on an orbit of the critical point's isotropy
   agree to ~1e-10, far inside the default ``value_tol = 1e-6``, while
   distinct values of a critical point differ by much more (if two did
   differ by less, the family would be given a larger symmetry than it has;
   the certificate, computed at the symmetrised point, would then fail and
   say ``inconclusive`` -- never a wrong verdict).
2. **Orbit.**  The exact canonical form of the colour matrix under
   ``S_k × S_d`` (:func:`symmetry.canonical.canonical_form`; rows and
   columns permuted independently, Γ of SPEC.md) decides the orbit: equal
   canonical matrices ⇔ same orbit of colour patterns.  No coordinate is
   rounded.
3. **Values.**  Within one canonical class the canonically permuted
   endpoints must agree entrywise within the same tolerance; otherwise they
   are different critical points with the same pattern and form separate
   families.

With a teacher other than ``I_d`` (``V`` given and not the identity) or
non-unit second layers the loss is only invariant under permutations of
neurons carrying equal ``α`` (and of the coordinates fixing ``V``); the
classification then uses rows only: the canonical form is the
lexicographically sorted list of rows (with their ``α`` colour), an exact
canonical form for S_k, and no isotropy is reported.

**Split neurons** (k > d): rows that are positive multiples of each other
compute one neuron's function, and the critical points form segments
``(t w, (1−t) w)`` (SPEC.md, over-parameterisation).  Rows with equal ``α``
whose unit directions agree within ``1e-6`` are merged (summed) before the
canonical form, so endpoints on one segment form one family, flagged
``degenerate``, represented by one member (not an average).  Zero rows
(norm below ``1e-8 · max(1, max|W|)``) make the loss non-differentiable
(SPEC.md): flagged, dropped from the merged point, no spectrum.

**The global minimum at k > d** is degenerate and GD reaches it only
sublinearly: the loss of two copies turned apart by an angle θ is cubic in θ
(:func:`split_angle_bound`), so at ``L ≈ 1e-13`` the copies still differ by
~1e-4 rad -- far beyond ``1e-6`` -- and every run used to form its own
"spurious" family.  An endpoint with ``L ≤ global_tol`` is therefore merged
with a tolerance tied to its loss: rows whose angle is within
``(3π κ L (n_i+n_j)² / (α² n_i² n_j²))^{1/3}`` (κ = :data:`SPLIT_COST_FACTOR`,
capped at :data:`SPLIT_ANGLE_CAP`) are merged, and rows whose whole function
``α²|w|²/4`` is within ``κ L`` are left out; the merge is kept only if its
exact cost ``½‖f_W − f_R‖²`` (closed-form loss of W against the merged point
R) is ``≤ global_tol``.  Then ``½‖f_R − f_V‖² ≤ (√L + √cost)² ≤ 4·global_tol``
by the triangle inequality in L²(N(0, I)), and the run is global when R is a
row permutation of V within ``match_tol``.  The loss also controls that
distance: for k = n the global minimum is non-degenerate (Safran, Yehudai &
Shamir 2021: strongly convex around it), with smallest Hessian eigenvalue
``λ* = 1/4 − 1/(2π) ≈ 0.0908`` at ``V = I_d`` (checked with the dense Hessian
for d = 2..9; SPEC.md), so to second order
``‖R − P V‖_F ≤ √(2 L(R)/λ*) ≤ √(2/λ*) (√L + √cost)``, at most
``√(8·global_tol/λ*) ≈ 9.4e-4`` at the default ``global_tol = 1e-8`` --
inside the default ``match_tol = 1e-3`` (GD endpoints at L ≈ 1e-13 have
``‖R − P V‖ ≈ 1e-8``; ``tests/landscape/test_endpoints.py`` checks the bound).  All global runs form one family
(rows put in teacher order).  Endpoints with ``L > global_tol`` (spurious
points, including split ones such as type A with its bad neuron split) are
merged by the strict ``1e-6`` rule only, exactly as before.

Each family reports the isotropy of its representative
(:func:`symmetry.isotropy.isotropy`, name like ``Δ(S_4×S_2)``), its Morse
index and λ_min (:func:`landscape.spectrum.spectrum`: the isotypic engine
when the point lies in some ``Fix(Δ(S_p1×…))``, dense otherwise) and whether
it is the global minimum: loss ≤ ``global_tol`` **and** the rows (after
merging split neurons) are a permutation of the teacher's rows within
``match_tol``.  The representative is the mean of the aligned members,
projected onto ``Fix(H)`` of its isotropy group H (orbit averages): by
symmetric criticality (Arjevani & Field, arXiv 2003.10576) the critical
point of a symmetric family lies in Fix(H), so the projection only removes
GD's rounding noise.

References: I. Safran, O. Shamir, ICML 2018 (arXiv 1712.08968) and I. Safran,
G. Yehudai, O. Shamir, COLT 2021 (arXiv 2006.01005), §4.2 (endpoints
identified up to permutations of neurons and coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symmetry.canonical import canonical_form, canonical_forms, canonical_key
from symmetry.isotropy import isotropy, value_classes

from .errors import InputError
from .loss import loss as loss_value

__all__ = ["EndpointFamily", "Classification", "classify_endpoints", "split_angle_bound", "MAX_BATCH"]

#: Largest batch and matrix size accepted (bounded before any work).
MAX_BATCH = 1_000_000
MAX_ENTRIES = 40_000
#: Largest k d for the dense Hessian spectrum when the isotypic engine does not apply.
MAX_DENSE_DIM = 3000

_PARALLEL_TOL = 1e-6
_ZERO_TOL = 1e-8
#: κ: a loss-tied merge may cost up to κ times the endpoint's loss (:func:`split_angle_bound`).
SPLIT_COST_FACTOR = 100.0
#: Largest angle (radians) between rows merged by the loss-tied rule: a small share of a split
#: neuron costs little even at a wide angle (GD at k = n + 2 leaves pieces of norm ~5e-4 at 0.11 rad
#: with L ~ 1e-10), and every loss-tied merge is kept only if its exact cost is within the budget.
SPLIT_ANGLE_CAP = 0.5
#: Floor of the loss in the loss-tied rule: float64 rounding of L near 0 (entries O(1)).
LOSS_FLOOR = 1e-15


@dataclass
class EndpointFamily:
    """One family of endpoints: a critical point up to S_k × S_d, with its runs.

    Attributes
    ----------
    id : int
        Position in :attr:`Classification.families` (global minimum first, then by loss).
    representative : numpy.ndarray, float64, shape (k, d)
        Mean of the canonically aligned members, projected onto Fix(H); for a k = d point of
        some Fix(Δ(S_p1×…)) its columns are then permuted into simultaneous block form.
    loss : float
        ``L(representative)`` (float64, with the ½), or the mean of the given
        ``loss_values`` when the loss cannot be evaluated (zero rows).
    loss_spread : float
        max |loss of a member − loss| over the members (from ``loss_values`` if given).
    count : int
        Number of runs in the family.
    members : list of int
        Run indices (0-based positions in the batch).
    isotropy_name, isotropy_order, fix_dim : str, int, int or None
        Isotropy group of the representative in S_k × S_d (None with a non-standard teacher).
    partition : tuple of int or None
        ``(p1, …, pm)`` when the representative lies in ``Fix(Δ(S_p1×…×S_pm))`` (k = d).
    index : int or None
        Number of negative Hessian eigenvalues (below the spectrum's grouping tolerance).
    lambda_min : float or None
        Smallest Hessian eigenvalue (float64 estimate, not a proof -- see
        :func:`certificates.endpoints.certify_families`).
    zero_eigenvalues : int or None
        Eigenvalues within the grouping tolerance of 0 (sign unknown).
    spectrum_method : str or None
        ``isotypic`` or ``dense``; None when no spectrum was computed (see ``spectrum_reason``).
    is_global : bool
        Loss ≤ ``global_tol`` and rows (split neurons merged) match the teacher's rows.
    teacher_match : bool
        Rows (split neurons merged) are a permutation of V's rows within ``match_tol``.
    degenerate : bool
        Zero rows, split (positively parallel) or antiparallel rows; ``degenerate_reason`` says which.
    max_member_deviation : float
        max over members of max |aligned member − mean| (0 for merged split families).
    V, alpha, beta : numpy.ndarray or None
        The model (None = defaults ``I_d`` and ones), kept for certification.
    """

    id: int
    representative: np.ndarray
    loss: float
    count: int
    members: list
    loss_spread: float = 0.0
    isotropy_name: str | None = None
    isotropy_order: int | None = None
    fix_dim: int | None = None
    partition: tuple | None = None
    index: int | None = None
    lambda_min: float | None = None
    zero_eigenvalues: int | None = None
    spectrum_method: str | None = None
    spectrum_reason: str | None = None
    is_global: bool = False
    teacher_match: bool = False
    degenerate: bool = False
    degenerate_reason: str | None = None
    max_member_deviation: float = 0.0
    V: np.ndarray | None = None
    alpha: np.ndarray | None = None
    beta: np.ndarray | None = None

    def to_dict(self, with_W: bool = True) -> dict:
        """JSON-ready summary (floats, ints, strings; huge orders as strings)."""
        order = self.isotropy_order
        out = {
            "id": self.id, "loss": float(self.loss), "loss_spread": float(self.loss_spread),
            "count": self.count, "members": list(map(int, self.members)),
            "isotropy": self.isotropy_name,
            "isotropy_order": order if order is None or order < 2**53 else str(order),
            "fix_dim": self.fix_dim, "partition": list(self.partition) if self.partition else None,
            "index": self.index, "lambda_min": self.lambda_min, "zero_eigenvalues": self.zero_eigenvalues,
            "spectrum_method": self.spectrum_method, "spectrum_reason": self.spectrum_reason,
            "is_global": self.is_global, "teacher_match": self.teacher_match,
            "degenerate": self.degenerate, "degenerate_reason": self.degenerate_reason,
            "max_member_deviation": float(self.max_member_deviation),
        }
        if with_W:
            out["W"] = self.representative.tolist()
        return out


@dataclass
class Classification:
    """Result of :func:`classify_endpoints`.

    ``families`` sorted with the global minimum first, then by loss;
    ``labels[b]`` is the family id of run b.
    """

    families: list
    labels: np.ndarray
    settings: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.labels.size)

    @property
    def global_count(self) -> int:
        return sum(f.count for f in self.families if f.is_global)

    @property
    def spurious_count(self) -> int:
        return self.runs - self.global_count

    def to_dict(self, with_W: bool = True) -> dict:
        return {"runs": self.runs, "global": self.global_count, "spurious": self.spurious_count,
                "families": [f.to_dict(with_W) for f in self.families],
                "labels": self.labels.tolist(), "settings": self.settings}


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------


def _standard_model(V, alpha, beta, k, d) -> bool:
    """Teacher I_d (up to row order) with unit second layers: full S_k × S_d symmetry."""
    if alpha is not None and not np.all(np.asarray(alpha, float) == 1.0):
        return False
    if V is None:
        return beta is None or np.all(np.asarray(beta, float) == 1.0)
    Vf = np.asarray(V, float)
    if Vf.shape != (d, d):
        return False
    if beta is not None and not np.all(np.asarray(beta, float) == 1.0):
        return False
    # a permutation of the rows of I_d is I_d up to the symmetry
    return bool(np.all((Vf == 0) | (Vf == 1)) and np.all(Vf.sum(0) == 1) and np.all(Vf.sum(1) == 1))


def split_angle_bound(residual: float, n_i, n_j, alpha: float = 1.0) -> np.ndarray:
    """Largest angle (radians) between two split copies of one neuron at loss ``residual``.

    Two rows ``a, b`` with norms ``n_i, n_j`` and angle ``θ`` between them
    compute ``α(relu(a·x) + relu(b·x))``, which differs from the merged neuron
    ``α relu((a+b)·x)`` only on the two wedges where ``a·x`` and ``b·x`` have
    opposite signs.  On such a wedge (planar angle ψ ∈ (0, θ), radius ρ of the
    projection of x onto span(a, b), ``E ρ² = 2``) the difference is
    ``α min(n_i ρ sin ψ, n_j ρ sin(θ − ψ))``; integrating,

    ``½ E[(α relu(a·x) + α relu(b·x) − α relu((a+b)·x))²]
    = α² n_i² n_j² θ³ / (3π (n_i + n_j)²) + O(θ⁴)``,

    *cubic* in the angle (the split direction is flat to second order, so GD
    closes it only like 1/t; docs/dynamics.md).  If this merge cost is at most
    ``κ`` times the endpoint's loss (``κ =`` :data:`SPLIT_COST_FACTOR`),

    ``θ ≤ (3π κ L (n_i + n_j)² / (α² n_i² n_j²))^{1/3}``,

    which is the bound returned (capped at :data:`SPLIT_ANGLE_CAP`).  The
    formula is tested against the closed-form loss and Monte Carlo in
    ``tests/landscape/test_endpoints.py``.  ``residual`` is floored at
    :data:`LOSS_FLOOR` (the float64 rounding of ``L`` near 0).
    """
    n_i = np.asarray(n_i, float)
    n_j = np.asarray(n_j, float)
    L = max(float(residual), LOSS_FLOOR)
    with np.errstate(divide="ignore"):
        bound = np.cbrt(3 * np.pi * SPLIT_COST_FACTOR * L * (n_i + n_j) ** 2 / (alpha ** 2 * n_i ** 2 * n_j ** 2))
    return np.minimum(bound, SPLIT_ANGLE_CAP)


def _merge_groups(pairs, k):
    """Connected components (union-find) of the graph on ``range(k)`` with edges ``pairs``."""
    parent = list(range(k))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        ri, rj = find(int(i)), find(int(j))
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(k)]


def _structure(W: np.ndarray, alpha, residual: float | None = None, merge_budget: float = 0.0):
    """Merged point (split neurons summed, zero rows dropped), its α, and degeneracy notes.

    Rows with the same ``α`` are merged when their unit directions agree
    within ``1e-6`` (max entry) -- or, when ``residual`` (the endpoint's loss,
    a candidate for the global minimum) is given, when their angle is within
    :func:`split_angle_bound` of it.  A loss-tied merge is kept only if its
    exact cost ``½‖f_W − f_R‖²`` (the loss of W against the merged point R as
    teacher, closed form) is at most ``merge_budget``; otherwise the strict
    merge is used.  Returns ``(R, α_R, split, notes, merge_cost, groups)``
    (``merge_cost`` None unless a loss-tied merge was kept; ``groups[g]`` the
    rows of W summed into ``R[g]``).
    """
    k = W.shape[0]
    scale = max(1.0, float(np.abs(W).max()))
    norms = np.linalg.norm(W, axis=1)
    zero = norms <= _ZERO_TOL * scale
    U = np.zeros_like(W)
    U[~zero] = W[~zero] / norms[~zero, None]
    notes = []
    if zero.any():
        notes.append(f"zero rows {np.flatnonzero(zero).tolist()} (loss not differentiable there)")
    a = np.ones(k) if alpha is None else np.asarray(alpha, float)
    live = ~zero[:, None] & ~zero[None, :] & ~np.eye(k, dtype=bool)
    same_alpha = a[:, None] == a[None, :]
    strict = (np.abs(U[:, None, :] - U[None, :, :]).max(axis=2) <= _PARALLEL_TOL) & live & same_alpha
    apar = (np.abs(U[:, None, :] + U[None, :, :]).max(axis=2) <= _PARALLEL_TOL) & live
    anti = [(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(apar)))]
    def merge(par, drop=zero):
        group = _merge_groups(zip(*np.nonzero(np.triu(par))), k)
        sets = {}
        for j in range(k):
            if not drop[j]:
                sets.setdefault(group[j], []).append(j)
        keep = sorted(sets)
        R = np.array([W[sets[i]].sum(axis=0) for i in keep]).reshape(len(keep), W.shape[1])
        return sets, keep, R

    merged_sets, keep, R = merge(strict)
    merge_cost = None
    if residual is not None and np.isfinite(residual):
        angle = 2 * np.arcsin(np.clip(np.linalg.norm(U[:, None, :] - U[None, :, :], axis=2) / 2, 0, 1))
        bound = split_angle_bound(residual, norms[:, None], norms[None, :], np.abs(a)[:, None])
        loose = (angle <= bound) & live & same_alpha
        # a row whose whole function ½E[(α relu(w·x))²] = α²|w|²/4 is within the budget vanishes
        vanish = zero | (a ** 2 * norms ** 2 / 4 <= SPLIT_COST_FACTOR * max(float(residual), LOSS_FLOOR))
        if (loose & ~strict).any() or (vanish & ~zero).any():
            sets2, keep2, R2 = merge(loose & ~vanish[:, None] & ~vanish[None, :], vanish)
            # exact: ½‖f_W − f_R‖² is the loss of W against the merged point as teacher
            rows = np.flatnonzero(~zero)
            cost = float(loss_value(W[rows], R2, a[rows], a[keep2])) if keep2 else float("inf")
            if cost <= merge_budget:
                merged_sets, keep, R, merge_cost = sets2, keep2, R2, cost
                if (vanish & ~zero).any():
                    notes.append(f"vanishing rows {np.flatnonzero(vanish & ~zero).tolist()} "
                                 "(function within the loss budget) left out of the merged point")
    splits = [g for g in merged_sets.values() if len(g) > 1]
    if splits:
        notes.append(f"split neurons (positively parallel rows) {splits}: a segment of critical points")
    if anti:
        notes.append(f"antiparallel rows {anti} (loss not C³ there)")
    return R, a[keep], bool(splits), notes, merge_cost, [merged_sets[i] for i in keep]


def _teacher_match(R: np.ndarray, V: np.ndarray, tol: float):
    """Teacher row matched by each row of R (a permutation, list), or None when
    some row of R is farther than ``tol · max(1, max|V|)`` (max entry) from every
    unused row of V or the shapes differ."""
    if R.shape != V.shape:
        return None
    used = []
    scale = max(1.0, float(np.abs(V).max()))
    for r in R:
        dist = np.abs(V - r).max(axis=1)
        j = int(np.argmin(dist))
        if dist[j] > tol * scale or j in used:
            return None
        used.append(j)
    return used


def _global_representative(Ws, members, info):
    """The global family's representative: members' rows put in teacher order.

    Without splits (every member has k = n rows matched one to one) it is the
    mean of the row-aligned members (the columns need no alignment: the match
    is to V's own coordinates); with splits it is the first member, its rows
    grouped by the teacher neuron they split (largest first), then the rows
    left out of the merge (vanishing, zero).  Returns ``(rep, deviation)``.
    """
    def order(b):
        _R, _s, _n, groups, match = info[b]
        rows = []
        for g in np.argsort(match):
            rows.extend(sorted(groups[g], key=lambda i: -np.linalg.norm(Ws[b][i])))
        return rows + [i for i in range(Ws.shape[1]) if i not in set(rows)]

    if all(len(info[b][3]) == Ws.shape[1] for b in members):
        stack = np.stack([Ws[b][order(b)] for b in members])
        rep = stack.mean(axis=0)
        return rep, float(np.abs(stack - rep).max())
    return Ws[members[0]][order(members[0])].copy(), 0.0


def _row_canonical(C: np.ndarray, A: np.ndarray):
    """Exact canonical form under S_k alone: rows (α colour first) sorted lexicographically."""
    keys = [(int(A[i]),) + tuple(int(x) for x in C[i]) for i in range(C.shape[0])]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    M = np.array([keys[i] for i in order], dtype=np.int64)
    pi = [0] * len(order)
    for pos, i in enumerate(order):
        pi[i] = pos
    return tuple(pi), tuple(range(C.shape[1])), M


def _project_fix(W: np.ndarray, tol: float):
    H = isotropy(W, tol=tol)
    P = W.copy()
    for orb in H.cell_orbits:
        idx = tuple(np.array(orb).T)
        P[idx] = W[idx].mean()
    return P, H


def _diagonal_alignment(W: np.ndarray, H):
    """Column permutation putting a k = d point with a Δ-type isotropy in simultaneous form.

    The canonical form permutes rows and columns independently, so a point of
    ``Fix(Δ(S_p1×…))`` comes out with its "diagonal" scattered.  The isotropy
    factors pair each row orbit with its column orbit position by position
    (:func:`symmetry.isotropy.isotropy`, ``factors``); fixed rows and columns
    are paired by trying the (few) bijections.  Returns ``(W[:, σ], parts)``
    with ``parts`` from :func:`landscape.fixed_points.detect_family`, or None.
    """
    import itertools

    from .fixed_points import detect_family

    k, d = W.shape
    if k != d or H.factors is None:
        return None
    col_of_row = {}
    for f in H.factors:
        if len(f["rows"]) != 1 or len(f["cols"]) != 1:
            return None
        for r, c in zip(f["rows"][0], f["cols"][0]):
            col_of_row[r] = c
    free_rows = [r for r in range(k) if r not in col_of_row]
    free_cols = sorted(set(range(d)) - set(col_of_row.values()))
    if len(free_rows) != len(free_cols) or len(free_rows) > 6:
        return None
    for cols in itertools.permutations(free_cols):
        sigma = dict(col_of_row)
        sigma.update(zip(free_rows, cols))
        Wa = W[:, [sigma[i] for i in range(k)]]
        found = detect_family(Wa, tol=1e-12)
        if found is not None:
            return Wa, tuple(found[0].parts)
    return None


def _spectrum_fields(fam: EndpointFamily, W, V, alpha, beta):
    from .spectrum import spectrum

    k, d = W.shape
    try:
        if k * d > MAX_DENSE_DIM:
            s = spectrum(W, V, alpha, beta, method="isotypic")
        else:
            s = spectrum(W, V, alpha, beta, method="auto")
    except InputError as exc:
        fam.spectrum_reason = f"no spectrum: {exc} (k d = {k * d} > {MAX_DENSE_DIM} for the dense engine)"
        return
    fam.index = int(s.negative_count)
    fam.lambda_min = float(s.min)
    fam.zero_eigenvalues = int(s.zero_count)
    fam.spectrum_method = s.method


# ----------------------------------------------------------------------------
# the classification
# ----------------------------------------------------------------------------


def classify_endpoints(Ws, *, V=None, alpha=None, beta=None, loss_values=None, global_tol: float = 1e-8,
                       value_tol: float = 1e-6, match_tol: float = 1e-3, spectra: bool = True) -> Classification:
    """Group GD endpoints into families of critical points up to S_k × S_d.

    Parameters
    ----------
    Ws : array_like, float, shape (B, k, d)
        Endpoints, rows are neurons.
    V : array_like, shape (n, d), optional
        Teacher (default ``I_d``).
    alpha, beta : array_like, optional
        Second layers (default ones).
    loss_values : array_like, shape (B,), optional
        Losses of the runs (the trainer's); computed with :func:`landscape.loss.loss` if absent.
    global_tol : float
        A run is at the global minimum if its loss is ≤ this **and** its rows
        (split neurons merged, with the loss-tied tolerance of the module
        docstring) are a permutation of V's rows within ``match_tol``.  Also
        the budget of a loss-tied merge's exact cost.
    value_tol : float
        Relative tolerance of the value grouping (module docstring: the only tolerance).
    match_tol : float
        Relative max-entry distance for the teacher match.
    spectra : bool
        Compute index and λ_min of each family (default True).

    Returns
    -------
    Classification
        ``families`` (:class:`EndpointFamily`, global minimum first, then by
        loss) and ``labels`` (family id per run).

    Raises
    ------
    InputError
        Wrong shapes, NaN or infinite entries, sizes beyond the bounds, negative tolerances.

    Examples
    --------
    Type A at d = 4 (Safran–Shamir's spurious shape) seen through two permutations:

    >>> from certificates.examples import type_a_point
    >>> from symmetry.action import act
    >>> W = type_a_point(4)
    >>> c = classify_endpoints(np.stack([W, act(((1, 2, 3, 0), (3, 0, 1, 2)), W)]))
    >>> f = c.families[0]
    >>> f.count, f.isotropy_name, f.partition, f.is_global
    (2, 'Δ(S_3×S_1)', (3, 1), False)
    """
    Ws = np.asarray(Ws, dtype=float) if not isinstance(Ws, np.ndarray) or Ws.dtype != float else Ws
    if Ws.ndim != 3 or 0 in Ws.shape:
        raise InputError(f"Ws must have shape (B, k, d) with B, k, d >= 1, got {Ws.shape}")
    B, k, d = Ws.shape
    if B > MAX_BATCH:
        raise InputError(f"at most {MAX_BATCH} endpoints can be classified at once, got {B}")
    if k * d > MAX_ENTRIES:
        raise InputError(f"k d = {k * d} exceeds the limit {MAX_ENTRIES} for the canonical form")
    if not np.all(np.isfinite(Ws)):
        bad = np.flatnonzero(~np.all(np.isfinite(Ws), axis=(1, 2)))
        raise InputError(f"endpoints {bad[:10].tolist()} have NaN or infinite entries")
    for name, tol in (("global_tol", global_tol), ("value_tol", value_tol), ("match_tol", match_tol)):
        if not (tol >= 0 and np.isfinite(tol)):
            raise InputError(f"{name} must be a non-negative number, got {tol}")
    Vf = np.eye(d) if V is None else np.asarray(V, dtype=float)
    if Vf.ndim != 2 or Vf.shape[1] != d:
        raise InputError(f"V must have shape (n, {d}), got {Vf.shape}")
    if alpha is not None and np.shape(alpha) != (k,):
        raise InputError(f"alpha must have {k} entries, got shape {np.shape(alpha)}")
    if beta is not None and np.shape(beta) != (Vf.shape[0],):
        raise InputError(f"beta must have {Vf.shape[0]} entries, got shape {np.shape(beta)}")
    if loss_values is not None:
        loss_values = np.asarray(loss_values, dtype=float)
        if loss_values.shape != (B,):
            raise InputError(f"loss_values must have shape ({B},), got {loss_values.shape}")
    standard = _standard_model(V, alpha, beta, k, d)
    model = (None if V is None else Vf, None if alpha is None else np.asarray(alpha, float),
             None if beta is None else np.asarray(beta, float))

    # 0: the loss of each endpoint decides which may be the global minimum (L >= 0, min 0)
    if loss_values is None:
        losses = np.array([loss_value(Ws[b], *model) for b in range(B)])
    else:
        losses = loss_values
    # 1-2: colours and canonical form of each (merged) endpoint
    classes: dict[tuple, list] = {}
    info = []
    colours = []
    global_members = []
    for b in range(B):
        low = bool(losses[b] <= global_tol)
        R, aR, split, notes, cost, groups = _structure(Ws[b], model[1], losses[b] if low else None, global_tol)
        match = _teacher_match(R, Vf, match_tol) if low else None
        info.append((R, split, notes, groups, match))
        if match is not None:  # the global minimum: one family, whatever the split proportions
            global_members.append(b)
            colours.append(None)
            continue
        if R.shape[0] == 0:
            colours.append(None)
            continue
        C, _ = value_classes(R, value_tol)
        if standard:
            colours.append(C)
        else:
            A, _ = value_classes(aR[None, :], value_tol)
            colours.append(_row_canonical(C, A[0]))
    if standard:  # one batch: endpoints in one orbit share the search (symmetry.canonical.canonical_forms)
        todo = [b for b in range(B) if colours[b] is not None]
        for b, f in zip(todo, canonical_forms([colours[b] for b in todo])):
            colours[b] = tuple(f)
    for b in range(B):
        R = info[b][0]
        if info[b][4] is not None:
            continue
        if colours[b] is None:
            key = ("empty",)
            aligned = Ws[b]
        else:
            pi, rho, M = colours[b]
            key = (R.shape,) + canonical_key(M)
            aligned = np.empty_like(R)
            aligned[np.ix_(pi, rho)] = R
        classes.setdefault(key, []).append((b, aligned))

    # 3: values within a canonical class
    groups = []  # (members, aligned list)
    for key, entries in classes.items():
        clusters: list[tuple[list, list]] = []
        for b, A in entries:
            scale = max(1.0, float(np.abs(A).max()))
            for members, mats in clusters:
                if mats[0].shape == A.shape and np.abs(mats[0] - A).max() <= value_tol * scale:
                    members.append(b)
                    mats.append(A)
                    break
            else:
                clusters.append(([b], [A]))
        groups.extend(clusters)
    if global_members:
        groups.insert(0, (global_members, None))

    families = []
    for members, mats in groups:
        first = members[0]
        R, split, notes, _groups, _match = info[first]
        degenerate_notes = sorted({n for m in members for n in info[m][2]})
        if mats is None:
            rep, deviation = _global_representative(Ws, members, info)
        elif split or R.shape != Ws[first].shape:
            # members differ along a segment of critical points: one actual endpoint represents them
            rep = Ws[first].copy()
            deviation = 0.0
            if standard:
                C, _ = value_classes(rep, value_tol)
                pi, rho, _M = canonical_form(C)
                rep = np.empty_like(rep)
                rep[np.ix_(pi, rho)] = Ws[first]
        else:
            stack = np.stack(mats)
            rep = stack.mean(axis=0)
            deviation = float(np.abs(stack - rep).max())
        fam = EndpointFamily(id=-1, representative=rep, loss=float("nan"), count=len(members),
                             members=sorted(members), V=model[0], alpha=model[1], beta=model[2])
        if degenerate_notes:
            fam.degenerate = True
            fam.degenerate_reason = "; ".join(degenerate_notes)
        fam.max_member_deviation = deviation
        if standard:
            rep, H = _project_fix(rep, value_tol)
            fam.representative = rep
            fam.isotropy_name, fam.isotropy_order, fam.fix_dim = H.name, int(H.order), H.fix_dim
            aligned = _diagonal_alignment(rep, H)
            if aligned is not None:
                rep, parts = aligned
                fam.representative = rep
                if not all(p == 1 for p in parts):
                    fam.partition = parts
        zero_rows = np.linalg.norm(rep, axis=1) <= _ZERO_TOL * max(1.0, float(np.abs(rep).max()))
        if not zero_rows.any():
            fam.loss = float(loss_value(rep, *model))
        elif loss_values is not None:
            fam.loss = float(np.mean(loss_values[members]))
        if loss_values is not None:
            fam.loss_spread = float(np.abs(loss_values[members] - fam.loss).max())
        if mats is None:  # every member passed the test below on its own
            fam.teacher_match = fam.is_global = True
        else:
            low = bool(fam.loss <= global_tol)
            Rrep = _structure(rep, model[1], fam.loss if low else None, global_tol)[0]
            fam.teacher_match = _teacher_match(Rrep, Vf, match_tol) is not None
            fam.is_global = bool(low and fam.teacher_match)
        if spectra and not zero_rows.any():
            _spectrum_fields(fam, rep, *model)
        elif spectra:
            fam.spectrum_reason = "zero row: the loss is not differentiable there"
        families.append(fam)

    families.sort(key=lambda f: (not f.is_global, f.loss if np.isfinite(f.loss) else np.inf, -f.count))
    labels = np.full(B, -1, dtype=np.int64)
    for i, f in enumerate(families):
        f.id = i
        labels[f.members] = i
    settings = {"global_tol": global_tol, "value_tol": value_tol, "match_tol": match_tol,
                "split_cost_factor": SPLIT_COST_FACTOR, "split_angle_cap": SPLIT_ANGLE_CAP,
                "symmetry": "S_k x S_d" if standard else "S_k (rows only: non-standard teacher or second layer)"}
    return Classification(families, labels, settings)
