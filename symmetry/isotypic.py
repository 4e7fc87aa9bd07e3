"""Isotypic decomposition of M(k,d) under an isotropy group, and its projectors.

The simplest call:

>>> from symmetry.isotypic import family_decomposition
>>> [(c["irrep"], c["dim"], c["multiplicity"]) for c in family_decomposition((4,))]
[('[4]', 1, 2), ('[3,1]', 3, 3), ('[2,2]', 2, 1), ('[2,1,1]', 3, 1)]

That is ``R^4 ⊗ R^4 = 2[4] + 3[3,1] + [2,2] + [2,1,1]`` under the diagonal
``ΔS_4``.  The groups handled are those :mod:`symmetry.isotropy` recognises
as products ``H = S_{m_1} × … × S_{m_r}`` where factor f acts on some row
orbits and some column orbits at once (``Δ(S_{p1}×…×S_{pm})`` and ``S_a ×
ΔS_b`` are examples).  The module follows Arjevani & Field, "Analytic
characterization of the Hessian in shallow ReLU models: a tale of symmetry"
(arXiv 2008.01805) and "Symmetry & critical points" (arXiv 2003.10576): M(k,d)
splits cell-orbit pair by pair, and

* a row orbit of factor f against a fixed column (or vice versa) is the
  natural representation ``R^m = [m] + [m-1,1]``;
* a row orbit and a column orbit of the same factor give
  ``R^m ⊗ R^m = 2[m] + 3[m-1,1] + [m-2,2] + [m-2,1,1]`` (m ≥ 4; smaller m are
  computed from characters);
* orbits of different factors give the outer tensor product of natural
  representations; fixed row × fixed column is trivial.

Irreps of H are tuples of partitions, one per factor (trivial on the others).
Because the multiplicities only depend on the pattern, they are available for
symbolic block sizes (:func:`family_decomposition` with sympy symbols; a
symbolic size is assumed ≥ 4).

Projectors (:func:`isotypic_projectors`) need no enumeration of H: the class
sum of transpositions ``T_f`` of factor f acts on the irrep λ as the scalar
``content_sum(λ_f)``, so the projector onto the component λ is
``Π_f Π_{μ ≠ λ_f} (T_f − c(μ)) / (c(λ_f) − c(μ))`` over the content values μ
occurring for factor f.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError, OutOfReachError
from .irreps import character, class_size, content_sum, hook_dimension, partitions

__all__ = [
    "IsotypicComponent",
    "natural_decomposition",
    "diagonal_square_decomposition",
    "isotypic_decomposition",
    "family_decomposition",
    "transposition_class_sum",
    "isotypic_projectors",
    "MAX_PROJECTOR_SIZE",
]

#: Largest k·d for which dense projectors are built.
MAX_PROJECTOR_SIZE = 2500

#: Tails μ of the partitions [m - |μ|, μ] that occur in M(k,d).
_TAILS = ((), (1,), (2,), (1, 1))


@dataclass(frozen=True)
class IsotypicComponent:
    """One isotypic component of M(k,d) under H.

    Attributes
    ----------
    irrep : tuple of tuple of int
        One partition per factor of H (``()`` when H is trivial).
    label : str
        ``'[3,1]'`` for one factor, ``'[3,1]⊗[2]'`` for several, ``'trivial'``
        when H is trivial.
    dim : int
        Dimension of the irrep (hook length formula, product over factors).
    multiplicity : int
        How many times it occurs; the component has dimension ``dim * multiplicity``.
    """

    irrep: tuple
    label: str
    dim: int
    multiplicity: int

    def to_dict(self) -> dict:
        return {"irrep": self.label, "dim": self.dim, "multiplicity": self.multiplicity,
                "partitions": [list(p) for p in self.irrep]}


def _perm_character_multiplicities(m: int, fixed_power: int) -> dict:
    """Multiplicities in the permutation character σ ↦ fix(σ)^power of S_m."""
    out = {}
    for lam in partitions(m):
        total = sum(class_size(mu) * mu.count(1) ** fixed_power * character(lam, mu)
                    for mu in partitions(m))
        mult = total // math.factorial(m)
        if mult:
            out[lam] = mult
    return out


def natural_decomposition(m: int) -> dict:
    """``R^m`` (permutation representation of S_m) as ``{partition: multiplicity}``.

    Examples
    --------
    >>> natural_decomposition(4)
    {(4,): 1, (3, 1): 1}
    >>> natural_decomposition(1)
    {(1,): 1}
    """
    m = _check_size(m)
    return {(m,): 1} if m == 1 else {(m,): 1, (m - 1, 1): 1}


def diagonal_square_decomposition(m: int) -> dict:
    """``R^m ⊗ R^m`` under the diagonal S_m as ``{partition: multiplicity}``.

    Closed form for m ≥ 4; characters (Murnaghan–Nakayama) for m ≤ 5, which
    also checks the closed form where both apply.

    Examples
    --------
    >>> diagonal_square_decomposition(5)
    {(5,): 2, (4, 1): 3, (3, 2): 1, (3, 1, 1): 1}
    >>> diagonal_square_decomposition(2)
    {(2,): 2, (1, 1): 2}
    """
    m = _check_size(m)
    if m <= 5:
        return _perm_character_multiplicities(m, 2)
    return {(m,): 2, (m - 1, 1): 3, (m - 2, 2): 1, (m - 2, 1, 1): 1}


def _check_size(m):
    if isinstance(m, bool) or int(m) != m or m < 1:
        raise InputError(f"a symmetric group size must be a positive integer, got {m!r}")
    return int(m)


def _tails(dec: dict, m: int) -> dict:
    return {lam[1:]: mult for lam, mult in dec.items()}


def _symbolic_tail_dim(m, tail):
    import sympy

    m = sympy.sympify(m)
    dims = {(): sympy.Integer(1), (1,): m - 1, (2,): m * (m - 3) / 2, (1, 1): (m - 1) * (m - 2) / 2}
    return sympy.factor(dims[tail])


def _natural_tails(m) -> dict:
    if isinstance(m, int):
        return _tails(natural_decomposition(m), m)
    return {(): 1, (1,): 1}


def _square_tails(m) -> dict:
    if isinstance(m, int):
        return _tails(diagonal_square_decomposition(m), m)
    return {(): 2, (1,): 3, (2,): 1, (1, 1): 1}


def _decompose(sizes, row_units, col_units, fixed_rows, fixed_cols) -> dict:
    """Multiplicities keyed by a tuple of tails (one per factor)."""
    r = len(sizes)
    triv = ((),) * r
    out: dict = {}

    def add(key, mult):
        out[key] = out.get(key, 0) + mult

    def one(f, tail):
        key = list(triv)
        key[f] = tail
        return tuple(key)

    add(triv, fixed_rows * fixed_cols)
    for f in row_units:
        for tail, mult in _natural_tails(sizes[f]).items():
            add(one(f, tail), mult * fixed_cols)
    for f in col_units:
        for tail, mult in _natural_tails(sizes[f]).items():
            add(one(f, tail), mult * fixed_rows)
    for f in row_units:
        for g in col_units:
            if f == g:
                for tail, mult in _square_tails(sizes[f]).items():
                    add(one(f, tail), mult)
            else:
                for t1, m1 in _natural_tails(sizes[f]).items():
                    for t2, m2 in _natural_tails(sizes[g]).items():
                        key = list(triv)
                        key[f], key[g] = t1, t2
                        add(tuple(key), m1 * m2)
    return {key: mult for key, mult in out.items() if mult}


def _label(parts) -> str:
    if not parts:
        return "trivial"
    return "⊗".join("[" + ",".join(str(x) for x in p) + "]" for p in parts)


def _sort_key(tails):
    return tuple((sum(t), tuple(-x for x in t)) for t in tails)


def isotypic_decomposition(H) -> list[IsotypicComponent]:
    """Isotypic decomposition of M(k,d) under an isotropy group H.

    Parameters
    ----------
    H : symmetry.isotropy.Isotropy
        Must be recognised as a product of symmetric groups (``H.factors`` not
        ``None``); the trivial group is allowed.

    Returns
    -------
    list of IsotypicComponent
        Sorted with the trivial irrep first; ``Σ dim·multiplicity = k·d`` and
        the multiplicity of the trivial irrep is ``dim Fix(H)``.

    Raises
    ------
    OutOfReachError
        If H is not a recognised product of symmetric groups.

    Examples
    --------
    >>> from symmetry.isotropy import diagonal_partition_group
    >>> H = diagonal_partition_group((5, 1))
    >>> [(c.label, c.dim, c.multiplicity) for c in isotypic_decomposition(H)]
    [('[5]', 1, 5), ('[4,1]', 4, 5), ('[3,2]', 5, 1), ('[3,1,1]', 6, 1)]
    """
    if H.factors is None:
        raise OutOfReachError(
            f"isotypic decomposition is implemented for products of symmetric groups; "
            f"{H.name} is not recognised as one")
    sizes = [f["size"] for f in H.factors]
    row_units = [t for t, f in enumerate(H.factors) for _ in f["rows"]]
    col_units = [t for t, f in enumerate(H.factors) for _ in f["cols"]]
    fixed_rows = sum(1 for o in H.row_orbits if len(o) == 1)
    fixed_cols = sum(1 for o in H.col_orbits if len(o) == 1)
    dec = _decompose(sizes, row_units, col_units, fixed_rows, fixed_cols)
    comps = []
    for tails in sorted(dec, key=_sort_key):
        parts = tuple((m - sum(t),) + t for m, t in zip(sizes, tails))
        dim = 1
        for p in parts:
            dim *= hook_dimension(p)
        comps.append(IsotypicComponent(parts, _label(parts), dim, dec[tails]))
    return comps


def family_decomposition(parts, k=None) -> list[dict]:
    """Decomposition of M(k,d) under ``Δ(S_{p1}×…×S_{pm})``, sizes possibly symbolic.

    Parameters
    ----------
    parts : sequence of int or sympy expressions
        Block sizes (``d = Σ parts``).  A symbolic size is assumed ≥ 4; an
        integer size 1 is a fixed row and column.
    k : int, sympy expression or None
        Number of rows (default ``d``); extra rows are fixed.

    Returns
    -------
    list of dict
        ``{"irrep": label, "partitions": [...], "dim": int or sympy expr,
        "multiplicity": int or sympy expr}``; labels use the sizes, e.g.
        ``'[d - 2,1,1]'``.  One entry per irrep of the product of the
        non-trivial factors.

    Examples
    --------
    >>> import sympy
    >>> d = sympy.Symbol("d")
    >>> rows = family_decomposition((d - 1, 1))
    >>> [(r["irrep"], r["dim"], r["multiplicity"]) for r in rows]
    [('[d - 1]', 1, 5), ('[d - 2,1]', d - 2, 5), ('[d - 3,2]', (d - 4)*(d - 1)/2, 1), ('[d - 3,1,1]', (d - 3)*(d - 2)/2, 1)]
    >>> sum(r["dim"] * r["multiplicity"] for r in rows).expand()
    d**2
    """
    import sympy

    parts = [p if isinstance(p, int) else sympy.sympify(p) for p in parts]
    for p in parts:
        if isinstance(p, int) and p < 1:
            raise InputError(f"block sizes must be positive, got {p}")
        if not isinstance(p, int) and p.is_number:
            raise InputError(f"numeric block sizes must be Python ints, got {p!r}")
    d = sum(parts)
    k = d if k is None else k
    sizes = [p for p in parts if not (isinstance(p, int) and p == 1)]
    ones = len(parts) - len(sizes)
    extra = sympy.simplify(k - d) if not isinstance(k - d, int) else k - d
    if isinstance(extra, int) and extra < 0:
        raise InputError(f"k must be at least d = {d}")
    units = list(range(len(sizes)))
    dec = _decompose(sizes, units, units, ones + extra, ones)
    out = []
    for tails in sorted(dec, key=_sort_key):
        labels, concrete, dim = [], [], 1
        for m, t in zip(sizes, tails):
            first = m - sum(t)
            labels.append("[" + ",".join([str(first)] + [str(x) for x in t]) + "]")
            if isinstance(m, int):
                p = (first,) + t
                concrete.append(list(p))
                dim *= hook_dimension(p)
            else:
                concrete.append([str(first)] + list(t))
                dim *= _symbolic_tail_dim(m, t)
        mult = dec[tails]
        if not isinstance(mult, int):
            mult = sympy.expand(mult)
        out.append({"irrep": "⊗".join(labels) if labels else "trivial", "partitions": concrete,
                    "dim": dim, "multiplicity": mult})
    return out


def _factor_transpositions(factor, a: int, b: int, k: int, d: int):
    pi = np.arange(k)
    rho = np.arange(d)
    for orb in factor["rows"]:
        pi[orb[a]], pi[orb[b]] = orb[b], orb[a]
    for orb in factor["cols"]:
        rho[orb[a]], rho[orb[b]] = orb[b], orb[a]
    return pi, rho


def transposition_class_sum(H, f: int) -> np.ndarray:
    """``T_f = Σ_{a<b} ρ((a b))``: the class sum of transpositions of factor f of H.

    Acting on ``vec(W)`` (row-major flattening, cell ``(i, j) ↦ i·d + j``)
    as an integer ``kd × kd`` matrix with ``T[g(c), c] += 1``.  It commutes
    with H and acts on the irrep λ of factor f as ``content_sum(λ)``.

    Examples
    --------
    >>> from symmetry.isotropy import diagonal_partition_group
    >>> T = transposition_class_sum(diagonal_partition_group((3,)), 0)
    >>> T.shape, int(T.trace())
    ((9, 9), 3)
    """
    k, d = H.k, H.d
    factor = H.factors[f]
    m = factor["size"]
    T = np.zeros((k * d, k * d), dtype=np.int64)
    src = np.arange(k * d)
    for a in range(m):
        for b in range(a + 1, m):
            pi, rho = _factor_transpositions(factor, a, b, k, d)
            dst = (pi[:, None] * d + rho[None, :]).ravel()
            T[dst, src] += 1
    return T


def isotypic_projectors(H, components=None) -> list[tuple[IsotypicComponent, np.ndarray]]:
    """Orthogonal projectors of ``R^{kd}`` (row-major ``vec(W)``) onto the isotypic components.

    Built as polynomials in the transposition class sums ``T_f`` (no group
    enumeration).  Returns float64 matrices; they are symmetric, idempotent,
    mutually orthogonal, sum to the identity and commute with H, and the
    component of λ has rank ``dim(λ)·multiplicity(λ)``.

    Raises
    ------
    OutOfReachError
        If ``k·d > MAX_PROJECTOR_SIZE`` or H is not a recognised product.

    Examples
    --------
    >>> from symmetry.isotropy import diagonal_partition_group
    >>> H = diagonal_partition_group((3, 1))
    >>> [(c.label, round(float(np.trace(P)))) for c, P in isotypic_projectors(H)]
    [('[3]', 5), ('[2,1]', 10), ('[1,1,1]', 1)]
    """
    n = H.k * H.d
    if n > MAX_PROJECTOR_SIZE:
        raise OutOfReachError(f"dense projectors for k*d = {n} > {MAX_PROJECTOR_SIZE} are too large")
    if components is None:
        components = isotypic_decomposition(H)
    eye = np.eye(n)
    if not H.factors:
        return [(c, eye.copy()) for c in components]
    T = [transposition_class_sum(H, f).astype(float) for f in range(len(H.factors))]
    spectra = []
    for f in range(len(H.factors)):
        values = {}
        for c in components:
            lam = c.irrep[f]
            values.setdefault(content_sum(lam), set()).add(lam)
        for val, lams in values.items():
            if len(lams) > 1:
                raise OutOfReachError(
                    f"partitions {sorted(lams)} share the content sum {val}; the transposition "
                    "class sum cannot separate them")
        spectra.append(sorted(values))
    out = []
    for c in components:
        P = eye.copy()
        for f, lam in enumerate(c.irrep):
            cl = content_sum(lam)
            for mu in spectra[f]:
                if mu != cl:
                    P = P @ ((T[f] - mu * eye) / (cl - mu))
        out.append((c, P))
    return out
