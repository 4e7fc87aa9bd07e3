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
(unit directions within ``1e-6``) compute one neuron's function, and GD ends
anywhere on the segment ``(t w, (1−t) w)`` (SPEC.md, over-parameterisation).
Such rows are merged (summed) before the canonical form, so endpoints on one
segment form one family; the family is flagged ``degenerate`` with the
reason, and its representative is one member (not an average).  Zero rows
(norm below ``1e-8 · max(1, max|W|)``) make the loss non-differentiable
(SPEC.md): flagged, dropped from the merged point, no spectrum.

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

__all__ = ["EndpointFamily", "Classification", "classify_endpoints", "MAX_BATCH"]

#: Largest batch and matrix size accepted (bounded before any work).
MAX_BATCH = 1_000_000
MAX_ENTRIES = 40_000
#: Largest k d for the dense Hessian spectrum when the isotypic engine does not apply.
MAX_DENSE_DIM = 3000

_PARALLEL_TOL = 1e-6
_ZERO_TOL = 1e-8


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


def _structure(W: np.ndarray, alpha):
    """Merged point (split neurons summed, zero rows dropped), its α, and degeneracy notes."""
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
    group = list(range(k))
    anti = []
    live = ~zero[:, None] & ~zero[None, :] & ~np.eye(k, dtype=bool)
    par = (np.abs(U[:, None, :] - U[None, :, :]).max(axis=2) <= _PARALLEL_TOL) & live
    apar = (np.abs(U[:, None, :] + U[None, :, :]).max(axis=2) <= _PARALLEL_TOL) & live
    for i, j in zip(*np.nonzero(np.triu(par | apar))):  # rare: only flagged pairs are looked at
        i, j = int(i), int(j)
        if par[i, j] and a[i] == a[j]:
            if group[i] == i and group[j] == j:
                group[j] = i
            elif group[j] == j:
                group[j] = group[i]
        elif apar[i, j]:
            anti.append((i, j))
    merged_sets = {}
    for j in range(k):
        if not zero[j]:
            merged_sets.setdefault(group[j], []).append(j)
    splits = [g for g in merged_sets.values() if len(g) > 1]
    if splits:
        notes.append(f"split neurons (positively parallel rows) {splits}: a segment of critical points")
    if anti:
        notes.append(f"antiparallel rows {anti} (loss not C³ there)")
    keep = sorted(merged_sets)
    R = np.array([W[merged_sets[i]].sum(axis=0) for i in keep]).reshape(len(keep), W.shape[1])
    return R, a[keep], bool(splits), notes


def _teacher_match(R: np.ndarray, V: np.ndarray, tol: float) -> bool:
    if R.shape != V.shape:
        return False
    used = set()
    scale = max(1.0, float(np.abs(V).max()))
    for r in R:
        dist = np.abs(V - r).max(axis=1)
        j = int(np.argmin(dist))
        if dist[j] > tol * scale or j in used:
            return False
        used.add(j)
    return True


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
        (split neurons merged) are a permutation of V's rows within ``match_tol``.
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

    # 1-2: colours and canonical form of each (merged) endpoint
    classes: dict[tuple, list] = {}
    info = []
    colours = []
    for b in range(B):
        R, aR, split, notes = _structure(Ws[b], model[1])
        info.append((R, split, notes))
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

    families = []
    for members, mats in groups:
        first = members[0]
        R, split, notes = info[first]
        degenerate_notes = sorted({n for m in members for n in info[m][2]})
        if split or R.shape != Ws[first].shape:
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
        Rrep, _, _, _ = _structure(rep, model[1])
        fam.teacher_match = _teacher_match(Rrep, Vf, match_tol)
        fam.is_global = bool(fam.loss <= global_tol and fam.teacher_match)
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
                "symmetry": "S_k x S_d" if standard else "S_k (rows only: non-standard teacher or second layer)"}
    return Classification(families, labels, settings)
