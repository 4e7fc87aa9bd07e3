"""Hessian spectra through the isotypic decomposition, without forming the Hessian.

The simplest call:

>>> from landscape.fixed_points import Family
>>> from landscape.isotypic_spectrum import family_spectrum
>>> s = family_spectrum(Family((3,)), [1, 0])          # W = I_3, H = ΔS_3
>>> sorted((round(float(e.value), 6), e.multiplicity, e.irrep) for e in s.eigenvalues)[:2]
[(0.090845, 3, '[1,1,1] + [2,1]'), (0.331099, 2, '[2,1]')]
>>> s.eigenvalues[0].components                          # 1/4 − 1/(2π) in two irreps, merged
[('[1,1,1]', 1), ('[2,1]', 2)]
>>> s.dimension                                          # k d eigenvalues in all
9

Method (H = Δ(S_{p1}×…×S_{pm}), k = d, teacher ``I_d``).  The Hessian ``∇²L``
commutes with H.  Let ``G' ⊂ H`` fix ``r_l = min(2, p_l)`` "distinguished"
indices of every block, ``G' = Π S_{p_l − r_l}``.  Every irrep
``λ = λ_1 ⊗ … ⊗ λ_m`` of H occurring in ``M(d, d)`` has ``λ_{l,1} ≥ p_l − 2``
(the cells are pairs of indices), hence has ``G'``-fixed vectors, so all of
``∇²L``'s eigenvalues occur on ``Fix(G')``, whose dimension (the number of
G'-orbits of cells, at most ``9m² + m``) does not depend on d.

1. ``∇²L`` restricted to ``Fix(G')`` in the basis of orbit indicators is
   ``M[o, o'] = Σ_{y ∈ O'} ∂²L/∂x_o ∂y`` -- sums of Hessian entries on
   labelled cells with counts (:class:`landscape.fixed_points.Evaluator`).
2. The class sum ``T_l`` of the transpositions of ``S_{p_l}`` commutes with H
   and acts on ``λ`` as ``content_sum(λ_l)`` (Jucys–Murphy;
   :func:`symmetry.irreps.content_sum`).  Its matrix on ``Fix(G')`` is an
   integer matrix, so the λ-part of ``Fix(G')`` is the exact joint kernel of
   ``T_l − content_sum(λ_l)`` (python-flint), made orthogonal exactly in the
   inner product ``D = diag(|O|)`` with rational arithmetic.
3. On that part ``∇²L`` is ``B_λ ⊗ I_f``, ``f = Π_l f(λ_l)`` the number of
   ways to strip ``r_l`` boxes from ``λ_l`` down to one row (branching rule).
   Each eigenvalue of the symmetric block ``C_λ`` (size ``f · m_λ``) therefore
   repeats ``f`` times; one copy of each is an eigenvalue of ``∇²L`` with
   multiplicity ``dim λ = Π hook_dimension(λ_l)``.  ``Σ_λ m_λ dim λ = k d``
   is checked.

Over-parameterised families (``Family(parts, extra)``, k = d + e, extra row
blocks permuted by ``S_e``) are handled the same way: the extra blocks are
further factors of H acting on rows only.

The same decomposition is the one of Arjevani & Field, "Analytic
characterization of the Hessian in shallow ReLU models: a tale of symmetry"
(NeurIPS 2020, arXiv 2008.01805), obtained here by a program for any family.

For certificates, :func:`isotypic_blocks` returns every block as
``S`` (entries ``y_kᵀ D M y_l`` in the context's numbers), the exact rational
Gram diagonal ``γ`` (``y_kᵀ D y_k``) and ``C = S / sqrt(γ γᵀ)``, computed with
ring operations and ``ctx.sqrt`` only (an interval context works).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import product

import numpy as np

from .backends import FLOAT, Context, FloatContext, mp_context
from .errors import InputError
from .fixed_points import Evaluator, Family, _family, detect_family
from .spectrum import Eigenvalue, Spectrum, group_eigenvalues, grouping_tolerance

__all__ = [
    "IsotypicBlock",
    "IrrepPart",
    "compression_orbits",
    "isotypic_structure",
    "isotypic_blocks",
    "family_spectrum",
    "isotypic_spectrum",
]


# ---------------------------------------------------------------------------
# exact structure (depends on the block sizes only)


def _r(p: int) -> int:
    return min(2, p)


def _distinguished(fam: Family, l: int):
    return [(l, ("d", s)) for s in range(_r(fam.row_sizes[l]))]


def _kind(label):
    return ("fixed", label) if label[1][0] == "d" else ("generic", label[0])


def _rel(r, c):
    if r[1][0] != "d" and c[1][0] != "d" and r[0] == c[0]:
        return "eq" if r == c else "neq"
    return "free"


def compression_orbits(family):
    """The G'-orbits of cells: ``[(orbit, representative cell, size)]``.

    ``orbit = (row pool, column pool, rel)`` as understood by
    :meth:`Evaluator.orbit_cells`.
    """
    fam = _family(family)
    gen = [p - _r(p) for p in fam.row_sizes]
    kinds = []
    for l in range(fam.row_blocks):
        kinds += [("fixed", x) for x in _distinguished(fam, l)]
        if gen[l] >= 1:
            kinds.append(("generic", l))
    col_kinds = [K for K in kinds if (K[1][0] if K[0] == "fixed" else K[1]) < fam.m]

    def size(kind):
        return 1 if kind[0] == "fixed" else gen[kind[1]]

    out = []
    for R in kinds:
        for C in col_kinds:
            row = R[1] if R[0] == "fixed" else (R[1], ("g", 0))
            if R[0] == "generic" and C[0] == "generic" and R[1] == C[1]:
                g = gen[R[1]]
                out.append(((R, C, "eq"), (row, row), g))
                if g >= 2:
                    out.append(((R, C, "neq"), (row, (C[1], ("g", 1))), g * (g - 1)))
            else:
                col = C[1] if C[0] == "fixed" else (C[1], ("g", 0))
                out.append(((R, C, "free"), (row, col), size(R) * size(C)))
    return out


def _transposition_matrix(fam: Family, l: int, orbits):
    """Integer matrix of the class sum of transpositions of ``S_{p_l}`` on
    ``Fix(G')`` in the orbit-indicator basis: ``T[o, o'] = #{τ : τ x_o ∈ O'}``."""
    index = {orb: n for n, (orb, _, _) in enumerate(orbits)}
    p = fam.row_sizes[l]
    g = p - _r(p)
    n = len(orbits)
    T = [[0] * n for _ in range(n)]

    def key(cell):
        r, c = cell
        return (_kind(r), _kind(c), _rel(r, c))

    for o, (_, (i, a), _) in enumerate(orbits):
        S = []
        for x in (i, a):
            if x[0] == l and x not in S:
                S.append(x)
        images = [((i, a), (p - len(S)) * (p - len(S) - 1) // 2)]
        for sigma in S:
            opts = [(t, 1) for t in _distinguished(fam, l) if t not in S]
            c = g - sum(1 for x in S if x[1][0] != "d")
            if c > 0:
                opts.append(((l, ("g", "t")), c))
            for t, cnt in opts:
                images.append(((t if i == sigma else i, t if a == sigma else a), cnt))
        if len(S) == 2:
            images.append(((a, i), 1))
        for cell, cnt in images:
            if cnt:
                T[o][index[key(cell)]] += cnt
    return T


def _paths(lam: tuple, r: int) -> int:
    """Number of ways to remove ``r`` boxes one at a time from ``λ`` ending at
    one row (or empty): the multiplicity of the trivial representation of
    ``S_{n−r}`` in ``λ`` restricted (branching rule)."""
    lam = tuple(x for x in lam if x)
    if r == 0:
        return 1 if len(lam) <= 1 else 0
    total = 0
    for idx in range(len(lam)):
        if idx == len(lam) - 1 or lam[idx] > lam[idx + 1]:
            mu = list(lam)
            mu[idx] -= 1
            total += _paths(tuple(mu), r - 1)
    return total


def _near_trivial(p: int) -> list[tuple]:
    """Partitions ``λ ⊢ p`` with ``λ_1 ≥ p − 2`` (the irreps that can occur in
    ``M(d, d)``), without enumerating all partitions of p."""
    out = []
    for tail in ((), (1,), (2,), (1, 1)):
        head = p - sum(tail)
        lam = (head,) + tail if head > 0 else tail
        if sum(lam) == p and all(x > 0 for x in lam) and list(lam) == sorted(lam, reverse=True) and lam not in out:
            out.append(lam)
    return out


def _content_sum(lam: tuple) -> int:
    """Sum of contents ``col − row`` over the boxes of λ, in O(number of rows)
    (``Σ_i λ_i(λ_i − 1)/2 − i λ_i``); equals :func:`symmetry.irreps.content_sum`."""
    return sum(x * (x - 1) // 2 - i * x for i, x in enumerate(lam))


def _near_trivial_dim(lam: tuple) -> int:
    """``dim λ`` by the hook length formula in O(|λ| − λ_1) operations.

    With ``a = λ_1``, tail ``μ = λ_2, λ_3, …`` and ``c_j`` the boxes below
    column j of the first row, the first-row hooks are ``a − j + c_j``, which
    is ``a − j`` beyond column ``μ_1``: their product ``(a − μ_1)!`` cancels
    against ``n!`` and ``dim λ = n!/(a − μ_1)! / (Π_{j<μ_1}(a − j + c_j) ·
    hooks(μ))`` -- no factorial of n (:func:`symmetry.irreps.hook_dimension`
    takes time growing with n, which made the isotypic spectrum O(d)).
    """
    lam = tuple(x for x in lam if x)
    a, mu = lam[0], lam[1:]
    n = sum(lam)
    m1 = mu[0] if mu else 0
    num = 1
    for t in range(a - m1 + 1, n + 1):
        num *= t
    cols = [sum(1 for x in mu if x > j) for j in range(m1)]
    den = 1
    for j in range(m1):
        den *= a - j + cols[j]
    for i, x in enumerate(mu):  # hooks inside the tail
        for j in range(x):
            arm = x - j - 1
            leg = sum(1 for y in mu[i + 1:] if y > j)
            den *= arm + leg + 1
    assert num % den == 0, lam
    return num // den


@dataclass
class IrrepPart:
    """The λ-isotypic part of ``Fix(G')`` (exact, independent of the point).

    ``basis`` columns are D-orthogonal rational vectors in orbit coordinates,
    ``gram[k] = y_kᵀ D y_k``; ``copies = f`` (each eigenvalue repeats f times
    on this part); ``multiplicity = m_λ`` (size of the irrep's Hessian block);
    ``dim = dim λ`` (the multiplicity of each eigenvalue in ``∇²L``).
    """

    partitions: tuple
    label: str
    dim: int
    copies: int
    multiplicity: int
    basis: list  # list of columns (lists of Fraction)
    gram: list  # Fraction


@lru_cache(maxsize=64)
def isotypic_structure(parts: tuple, extra: tuple = ()):
    """``(orbits, [IrrepPart])`` for block sizes ``parts`` (and extra row
    blocks ``extra``), exact and cached.

    Raises
    ------
    AssertionError
        If the dimension count ``Σ m_λ dim λ = d²`` fails (a bug, not bad input).
    """
    import flint

    from symmetry.irreps import partition_label

    fam = Family(tuple(parts), tuple(extra))
    sizes_rows = fam.row_sizes
    orbits = compression_orbits(fam)
    n = len(orbits)
    sizes = [s for _, _, s in orbits]
    Ts = [_transposition_matrix(fam, l, orbits) for l in range(fam.row_blocks)]
    cands = []
    for p in sizes_rows:
        lams = _near_trivial(p)
        cs = [_content_sum(lam) for lam in lams]
        assert len(set(cs)) == len(cs), (p, lams)
        cands.append(list(zip(lams, cs)))
    parts_out = []
    total = 0
    for combo in product(*cands):
        rows = []
        for l, (lam, c) in enumerate(combo):
            if sizes_rows[l] == 1:
                continue
            for o in range(n):
                rows.append([Ts[l][o][o2] - (c if o == o2 else 0) for o2 in range(n)])
        if rows:
            X, nullity = flint.fmpz_mat(rows).nullspace()
            cols = [[Fraction(int(X[i, j])) for i in range(n)] for j in range(nullity)]
        else:
            cols = [[Fraction(int(i == j)) for i in range(n)] for j in range(n)]
        if not cols:
            continue
        f = 1
        dim = 1
        for l, (lam, _) in enumerate(combo):
            f *= _paths(lam, _r(sizes_rows[l]))
            dim *= _near_trivial_dim(lam)
        assert len(cols) % f == 0, (combo, len(cols), f)
        # exact Gram–Schmidt in the inner product D = diag(orbit sizes)
        basis, gram = [], []
        for y in cols:
            y = list(y)
            for b, gb in zip(basis, gram):
                coef = sum(bi * si * yi for bi, si, yi in zip(b, sizes, y)) / gb
                y = [yi - coef * bi for yi, bi in zip(y, b)]
            gy = sum(yi * yi * si for yi, si in zip(y, sizes))
            assert gy != 0
            basis.append(y)
            gram.append(gy)
        labels = [partition_label(lam) for l, (lam, _) in enumerate(combo) if sizes_rows[l] >= 2]
        label = "⊗".join(labels) if labels else "trivial"
        mult = len(cols) // f
        parts_out.append(IrrepPart(tuple(lam for lam, _ in combo), label, dim, f, mult, basis, gram))
        total += mult * dim
    assert total == fam.k * fam.d, (parts, extra, total)
    return orbits, parts_out


# ---------------------------------------------------------------------------
# numeric blocks at a point


@dataclass
class IsotypicBlock:
    """One irrep's block of the Hessian at a point.

    ``C`` (symmetric, size ``copies · multiplicity``, context numbers) has
    each eigenvalue of the irrep's ``multiplicity × multiplicity`` block
    repeated ``copies`` times; each is an eigenvalue of ``∇²L`` of
    multiplicity ``dim``.  ``S`` and the exact ``gram`` give ``C = S /
    sqrt(gram gramᵀ)`` (for interval evaluation).
    """

    irrep: str
    partitions: tuple
    dim: int
    copies: int
    multiplicity: int
    S: np.ndarray
    gram: list
    C: np.ndarray


def compressed_hessian(family, params, ctx: Context = FLOAT):
    """``M[o, o'] = Σ_{y ∈ O'} ∂²L/∂x_o∂y`` on the G'-orbits (the Hessian acting
    on ``Fix(G')`` in the orbit-indicator basis), context numbers."""
    fam = _family(family)
    orbits, _ = isotypic_structure(fam.parts, fam.extra)
    ev = Evaluator(fam, params, ctx)
    ev.generic_size = [p - _r(p) for p in fam.row_sizes]
    n = len(orbits)
    M = np.empty((n, n), dtype=float if isinstance(ctx, FloatContext) else object)
    for o, (_, x, _) in enumerate(orbits):
        for o2, (orb, _, _) in enumerate(orbits):
            M[o, o2] = ev.orbit_hessian_sum(x, orb)
    return M


def isotypic_blocks(family, params, ctx: Context = FLOAT) -> list[IsotypicBlock]:
    """Every irrep's Hessian block at the point ``params`` of ``Fix(H)``.

    Parameters
    ----------
    family : Family or tuple of block sizes
    params : sequence (``family.param_names`` order)
    ctx : Context
        Only ring operations and ``ctx.sqrt`` are applied to the Hessian
        entries, so interval contexts give rigorous enclosures of the blocks.

    Returns
    -------
    list of IsotypicBlock
    """
    fam = _family(family)
    orbits, parts = isotypic_structure(fam.parts, fam.extra)
    sizes = [s for _, _, s in orbits]
    M = compressed_hessian(fam, params, ctx)
    n = len(orbits)
    DM = np.empty((n, n), dtype=M.dtype)
    for o in range(n):
        for o2 in range(n):
            DM[o, o2] = sizes[o] * M[o, o2]
    DM = (DM + DM.T) / 2  # exactly symmetric in exact arithmetic; removes rounding asymmetry
    out = []
    for part in parts:
        Y = ctx.asarray([[ctx.number(v) for v in col] for col in part.basis]) if not isinstance(ctx, FloatContext) \
            else np.array([[float(v) for v in col] for col in part.basis])
        S = Y @ DM @ Y.T
        g = [ctx.number(v) for v in part.gram] if not isinstance(ctx, FloatContext) else [float(v) for v in part.gram]
        root = [ctx.sqrt(v) for v in g]
        q = len(g)
        C = np.empty((q, q), dtype=S.dtype)
        for a in range(q):
            for b in range(q):
                C[a, b] = S[a, b] / (root[a] * root[b])
        out.append(IsotypicBlock(part.label, part.partitions, part.dim, part.copies, part.multiplicity, S, part.gram, C))
    return out


#: Above this d a "float64" spectrum is computed in mpmath at :func:`working_digits`
#: digits and rounded to float: float64 sums over orbits of ~d² cells lose about
#: 2 log10(d) digits (measured: relative error 4e-11 at d = 10⁵), which at d = 10⁶
#: both spoils λ_min and lets distinct eigenvalues fall within one grouping tolerance.
AUTO_PRECISION_D = 1000

#: Relative grouping tolerance of a float64 isotypic spectrum (the blocks are small;
#: their float64 error is ~1e-13 of the largest eigenvalue up to AUTO_PRECISION_D).
FLOAT_GROUP_TOL = 1e-10


def working_digits(d: int) -> int:
    """Digits used for a float64-reported spectrum at dimension ``d``: 16 + 3 log10(d)
    (every float64 digit of the result is then right; see AUTO_PRECISION_D)."""
    return 16 + 3 * len(str(int(d)))


def family_spectrum(family, params, digits: int | None = None, merge: bool = True) -> Spectrum:
    """Grouped Hessian spectrum at the point ``params`` of ``Fix(H)``, by irreps.

    Parameters
    ----------
    digits : int, optional
        ``None``: values reported as float64 -- computed in float64 (``eigvalsh``
        of each block) up to ``d = AUTO_PRECISION_D`` and in mpmath at
        :func:`working_digits` ``(d)`` digits beyond, so that the reported
        digits are right at any d; otherwise mpmath with ``digits``
        significant digits (``mpmath.eigsy``).
    merge : bool
        Merge equal eigenvalues of different irreps into one entry (as the
        dense method does): its ``irrep`` is the labels joined by `` + `` and
        ``components`` lists ``(irrep, multiplicity)`` of each part.  Values
        are equal when they agree within the grouping tolerance.

    Returns
    -------
    Spectrum
        ``method="isotypic"``, every eigenvalue with its irrep label and exact
        multiplicity (``dim λ`` times its multiplicity within the block);
        ``extra["working_digits"]`` when the precision was raised automatically.
    """
    fam = _family(family)
    work = digits
    if digits is None and fam.d > AUTO_PRECISION_D:
        work = working_digits(fam.d)
    ctx = FLOAT if work is None else mp_context(work)
    blocks = isotypic_blocks(fam, params, ctx)
    per_block = []
    allvals = []
    for blk in blocks:
        if work is None:
            vals = sorted(np.linalg.eigvalsh(blk.C.astype(float)))
        else:
            mp = ctx.mp
            vals = sorted(mp.eigsy(mp.matrix(blk.C.tolist()), eigvals_only=True))
        f = blk.copies
        reps = [sum(vals[t * f:(t + 1) * f][1:], vals[t * f]) / f for t in range(len(vals) // f)]
        if digits is None and work is not None:
            reps = [float(v) for v in reps]
        per_block.append((blk, reps))
        allvals += reps
    if work is None:
        tol = FLOAT_GROUP_TOL * max([1.0] + [abs(float(v)) for v in allvals])
    else:
        tol = grouping_tolerance(allvals, work)
    eigs = []
    for blk, reps in per_block:
        for e in group_eigenvalues(reps, work, tol, irrep=blk.irrep):
            eigs.append(Eigenvalue(e.value, e.multiplicity * blk.dim, blk.irrep, e.spread,
                                   components=[(blk.irrep, e.multiplicity * blk.dim)]))
    eigs.sort(key=lambda e: (float(e.value), e.irrep))
    if merge:
        eigs = merge_across_irreps(eigs, tol)
    extra = {"family": fam.label(), "parts": list(fam.parts), "extra_rows": list(fam.extra), "blocks": len(blocks)}
    if work != digits:
        extra["working_digits"] = work
    return Spectrum(eigs, "isotypic", tol, digits, extra=extra)


def merge_across_irreps(eigs: list, tol: float) -> list:
    """Merge sorted eigenvalues of different irreps that agree within ``tol``
    (chained): one :class:`Eigenvalue` per distinct value, multiplicities
    added, ``components`` keeping each irrep's share.

    Examples
    --------
    >>> from landscape.spectrum import Eigenvalue
    >>> e = merge_across_irreps([Eigenvalue(0.5, 2, "[2,1]", components=[("[2,1]", 2)]),
    ...                          Eigenvalue(0.5, 1, "[3]", components=[("[3]", 1)])], 1e-12)
    >>> [(x.value, x.multiplicity, x.irrep) for x in e]
    [(0.5, 3, '[2,1] + [3]')]
    """
    groups: list[list] = []
    for e in eigs:
        if groups and float(e.value) - float(groups[-1][-1].value) <= tol:
            groups[-1].append(e)
        else:
            groups.append([e])
    out = []
    for g in groups:
        if len(g) == 1:
            out.append(g[0])
            continue
        total = sum(e.multiplicity for e in g)
        value = g[0].value * g[0].multiplicity
        for e in g[1:]:
            value = value + e.value * e.multiplicity
        value = value / total
        comps = [c for e in g for c in (e.components or [(e.irrep, e.multiplicity)])]
        spread = max(abs(float(e.value) - float(value)) + e.spread for e in g)
        out.append(Eigenvalue(value, total, " + ".join(c[0] for c in comps), spread, components=comps))
    return out


def _is_identity(V, d):
    if V is None:
        return True
    try:
        A = np.asarray(V, dtype=float)
    except (TypeError, ValueError):
        return False
    # diagonal all ones and nothing else nonzero (a NaN counts as nonzero): no d x d identity built
    return A.shape == (d, d) and bool(np.all(np.diagonal(A) == 1)) and int(np.count_nonzero(A)) == d


def _is_ones(x, n):
    if x is None:
        return True
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == (n,) and bool(np.all(a == 1))


def _orbit_params(fam: Family, Wp, ctx):
    """Orbit averages of the (permuted) W in the context's numbers."""
    from .fixed_points import _orbit_mask

    out = []
    for key in fam.param_keys:
        vals = [ctx.number(v) for v in Wp[_orbit_mask(fam, key)]]
        out.append(sum(vals[1:], vals[0]) / len(vals))
    return out


def isotypic_spectrum(W, V=None, alpha=None, beta=None, digits: int | None = None, required: bool = False):
    """Hessian spectrum of ``L`` at ``W`` by the isotypic decomposition, when W
    (k = d, teacher ``I_d``, unit second layers) lies in some
    ``Fix(Δ(S_{p1}×…×S_{pm}))`` up to a simultaneous permutation.

    Returns
    -------
    Spectrum or None
        None when the point is not one this module handles (or the isotropy
        is too small for the method to pay off) and ``required`` is False.

    Raises
    ------
    InputError
        When ``required`` and the point is not handled.
    """
    def refuse(msg):
        if required:
            raise InputError(f"isotypic spectrum not available: {msg}; use --method dense")
        return None

    try:
        Wf = np.asarray(np.asarray(W, dtype=object).tolist(), dtype=float)
    except (TypeError, ValueError):
        return refuse("W is not a numeric matrix")
    if Wf.ndim != 2:
        return refuse("W is not a matrix")
    k, d = Wf.shape
    if k < d:
        return refuse(f"only k >= d is handled (got k = {k}, d = {d})")
    if not _is_identity(V, d) or not _is_ones(alpha, k) or not _is_ones(beta, d):
        return refuse("only the teacher V = I_d with unit second layers is handled")
    found = detect_family(Wf[:d], tol=1e-12)
    if found is None:
        return refuse("W is not constant on the orbits of any Δ(S_p1×…×S_pm)")
    fam, perm, params = found
    row_perm = list(perm)
    if k > d:
        found = _extra_rows(fam, perm, Wf)
        if found is None:
            return refuse("the last k − d rows are not constant on the column blocks of the first d rows' isotropy")
        fam, row_perm, params = found
    if all(p == 1 for p in fam.parts):
        return refuse("the isotropy of W is trivial (no Δ(S_p1×…×S_pm) with a block of size ≥ 2)")
    orbits = compression_orbits(fam)
    if len(orbits) >= k * d:
        return refuse(f"the isotropy {fam.label()} is too small for the isotypic method to pay off")
    if digits is not None:
        ctx = mp_context(digits)
        Wo = np.asarray(W, dtype=object)
        Wp = Wo[np.ix_(row_perm, perm)]
        params = _orbit_params(fam, Wp, ctx)
    spec = family_spectrum(fam, params, digits)
    spec.extra["permutation"] = perm
    spec.extra["row_permutation"] = row_perm
    return spec


def _extra_rows(fam: Family, perm, Wf, tol: float = 1e-12):
    """For k > d: the rows after the first d (where :func:`certificates` puts a
    split neuron) as extra row blocks, each row constant on the column blocks;
    identical rows form one block.  Returns ``(Family, row order, params)`` or None."""
    from .fixed_points import assemble, params_from_W

    d = fam.d
    scale = max(1.0, float(np.abs(Wf).max()))
    cols = np.repeat(np.arange(fam.m), fam.parts)
    X = Wf[d:][:, perm]
    keys = []
    for row in X:
        vals = []
        for l in range(fam.m):
            block = row[cols == l]
            if block.max() - block.min() > tol * scale:
                return None
            vals.append(round(float(block.mean()) / (tol * scale)))
        keys.append(tuple(vals))
    groups: dict = {}
    for r, key in enumerate(keys):
        groups.setdefault(key, []).append(d + r)
    ordered = list(groups.values())
    big = Family(fam.parts, tuple(len(g) for g in ordered))
    row_perm = list(perm) + [r for g in ordered for r in g]
    Wp = Wf[np.ix_(row_perm, perm)]
    params = params_from_W(big, Wp)
    if np.abs(Wp - assemble(big, params)).max() > 10 * tol * scale:
        return None
    return big, row_perm, params
