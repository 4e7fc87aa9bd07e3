"""Exact series of the Hessian eigenvalues of ``Δ(S_{d−p}×S_p)`` in ``s = d^{-1/2}``, derived.

The simplest call (type A, two terms of every distinct eigenvalue; about a minute, most of it
the exact build of the regular Hessian, :func:`landscape.regular_hessian.fine_hessian_system`):

>>> from landscape.eigen_series import eigenvalue_series
>>> br = eigenvalue_series(1, order=1)                              # doctest: +SKIP
>>> [(b.irrep, b.power, str(b.coefficients[0])) for b in br][:1]    # doctest: +SKIP
[('[d-3,1,1]', 0.0, '(pi - 2)/(4*pi)')]

Method (a derivation; no fitted number enters).

1. **The Hessian on Fix(G') as series.**  ``G' = S_{d−p−2}`` (two distinguished indices of
   the large block, :mod:`landscape.isotypic_spectrum`) has the fine family of
   :mod:`landscape.regular_hessian` as its fixed space; there ``∇²L`` acts as the pencil
   ``(H, D)``, H the Hessian of the fine reduced loss (``H_ab = s^{v_ab} F̃_ab``) and
   ``D = diag(|orbit|)``.  ``F̃_ab`` is evaluated on the exact branch
   (:func:`landscape.exact_series.family_series`) as truncated power series with
   coefficients in ``Q(π)`` (``Q(√2)(π)`` for p = 2; :mod:`landscape.pi_field`); D is exact.
2. **Isotypic parts with d symbolic.**  The class sum ``T_l`` of the transpositions of block
   l commutes with ``∇²L`` and acts on the irrep ``λ`` as the content sum ``c(λ_l)``
   (Jucys–Murphy).  Its matrix on the fine coordinates is computed by brute force (the
   transpositions applied to the orbit indicators) at six small d and interpolated as a
   polynomial of degree ≤ 2 in d (checked at the other points); the λ-part is the
   nullspace of ``T_l − c(λ_l)`` over ``Q(d)`` (sympy).  When λ restricted to
   ``S_{d−p−2}`` holds two copies of the trivial representation (λ_1 = (d−p−1, 1)) the
   part is cut to one copy by the swap σ of the two distinguished indices (σ = +1).  The
   dimension of every cut part is checked against :func:`isotypic_structure` at d = 40.
3. **Branches.**  On each part (basis Y, columns rational in d) the pencil
   ``(YᵀHY, YᵀDY)`` is small (m_λ ≤ 6); its characteristic polynomial ``P(λ, s)`` is
   formed exactly (determinants by elimination over Laurent series in s, interpolated in
   λ).  The eigenvalue branches are the roots of P: the Newton polygon gives each branch's
   leading power (``λ ~ s^k μ``: ``k = −2`` for the ``Θ(d)`` eigenvalues, ``0`` for the
   bounded ones), the edge polynomial is factored over the field, a simple root is lifted
   order by order (Hensel), and a repeated root -- eigenvalues of one block with the same
   limit -- is resolved by shifting and recursing (Newton–Puiseux; for a real symmetric
   pencil analytic in s the branches are power series, Rellich, so an exponent that is not
   an integer is reported as a failure, never rounded).  Every series carries its absolute
   precision; a coefficient that is not determined by the terms computed is never
   reported (the computation is repeated with more terms, up to :data:`MAX_EXTRA_TERMS`).

The result is checked in the tests against the isotypic spectrum
(:func:`landscape.isotypic_spectrum.isotypic_blocks`, mpmath) at d = 10⁴..10⁸ and against
the fitted series of :mod:`landscape.asymptotics` (an independent computation: Newton
solutions far out and undetermined coefficients).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product

import numpy as np
import sympy

from .errors import InputError
from .regular_hessian import fine_parts

__all__ = ["Branch", "eigenvalue_series", "MAX_EXTRA_TERMS", "Laurent"]

#: Largest number of series terms computed beyond the requested order before giving up.
MAX_EXTRA_TERMS = 24

_RESULTS: dict = {}  # (p, order) -> branches, per process
_HESSIANS: dict = {}  # p -> (terms, K, H, D), per process


class NeedPrecision(Exception):
    """More series terms are needed to decide a valuation or a coefficient."""


class Laurent:
    """A Laurent series ``Σ_{i ≥ val} c_i s^i + O(s^prec)`` over a field K (``prec = val + len(c)``)."""

    __slots__ = ("K", "val", "c")

    def __init__(self, K, val: int, c: list):
        self.K, self.val, self.c = K, val, list(c)

    @property
    def prec(self) -> int:
        return self.val + len(self.c)

    @classmethod
    def const(cls, K, x, prec: int):
        return cls(K, 0, [x] + [K.zero] * (prec - 1)) if prec > 0 else cls(K, prec, [])

    def normal(self) -> "Laurent":
        """Leading zeros dropped (the valuation is then exact unless nothing is left)."""
        i = 0
        while i < len(self.c) and not self.c[i]:
            i += 1
        return Laurent(self.K, self.val + i, self.c[i:])

    def is_zero(self) -> bool:
        return not any(self.c)

    def truncate(self, prec: int) -> "Laurent":
        return Laurent(self.K, self.val, self.c[:max(0, prec - self.val)]) if prec >= self.val else \
            Laurent(self.K, prec, [])

    def coeff(self, i: int):
        if i >= self.prec:
            raise NeedPrecision(f"coefficient of s^{i} beyond the precision O(s^{self.prec})")
        return self.c[i - self.val] if i >= self.val else self.K.zero

    def __add__(self, o):
        if not isinstance(o, Laurent):
            o = Laurent.const(self.K, self.K.one * o, max(self.prec, 1))
        prec = min(self.prec, o.prec)
        val = min(self.val, o.val)
        if val >= prec:
            return Laurent(self.K, prec, [])
        out = [self.K.zero] * (prec - val)
        for src in (self, o):
            for i, x in enumerate(src.c):
                j = src.val + i - val
                if j >= prec - val:
                    break
                if x:
                    out[j] = out[j] + x
        return Laurent(self.K, val, out)

    def __neg__(self):
        return Laurent(self.K, self.val, [-x for x in self.c])

    def __sub__(self, o):
        return self + (-o)

    def scale(self, x) -> "Laurent":
        return Laurent(self.K, self.val, [v * x for v in self.c])

    def shift(self, k: int) -> "Laurent":
        """``s^k`` times the series."""
        return Laurent(self.K, self.val + k, self.c)

    def __mul__(self, o):
        if not isinstance(o, Laurent):
            return self.scale(o)
        a, b = self.normal(), o.normal()
        if not a.c or not b.c:  # zero to its precision: O(s^(a.prec + b.val)) etc.
            val = min(a.prec + b.val, b.prec + a.val)
            return Laurent(self.K, val, [])
        prec = min(a.val + b.prec, b.val + a.prec)
        val = a.val + b.val
        n = prec - val
        out = [self.K.zero] * n
        for i, x in enumerate(a.c[:n]):
            if x:
                for j, y in enumerate(b.c[:n - i]):
                    if y:
                        out[i + j] = out[i + j] + x * y
        return Laurent(self.K, val, out)

    def inv(self) -> "Laurent":
        a = self.normal()
        if not a.c:
            raise NeedPrecision("the reciprocal of a series that vanishes to its precision")
        n = len(a.c)
        a0 = a.c[0]
        inv0 = self.K.one / a0
        b = [inv0]
        for m in range(1, n):
            acc = self.K.zero
            for k in range(1, m + 1):
                if a.c[k]:
                    acc = acc + a.c[k] * b[m - k]
            b.append(-(acc * inv0))
        return Laurent(self.K, -a.val, b)

    def __truediv__(self, o):
        return self * o.inv()


def _from_rational_in_d(K, expr, d, prec: int) -> Laurent:
    """A rational function of d as a Laurent series in s (d = s^{-2}) to ``O(s^prec)``."""
    num, den = sympy.fraction(sympy.cancel(sympy.together(expr)))

    def poly(e):
        P = sympy.Poly(e, d)
        deg = P.degree()
        # e = Σ a_i d^i = s^{-2 deg} Σ a_i s^{2(deg - i)}
        width = max(prec + 2 * deg + 4, 2 * deg + 1)
        c = [K.zero] * width
        for (i,), a in zip(P.monoms(), P.coeffs()):
            c[2 * (deg - i)] = K.from_sympy(a)
        return Laurent(K, -2 * deg, c)

    if num == 0:
        return Laurent(K, prec, [])
    out = poly(num) * poly(den).inv()
    return out.truncate(prec)


# ---------------------------------------------------------------------------
# the isotypic parts of the fine coordinates, d symbolic

def _index_blocks(parts):
    out, start = [], 0
    for n in parts:
        out.append(list(range(start, start + n)))
        start += n
    return out


def _indicator(fam, key, d):
    X = np.zeros((d, d), dtype=np.int64)
    blocks = _index_blocks(fam.parts)
    if key[0] == "A":
        for i in blocks[key[1]]:
            X[i, i] = 1
    else:
        for i in blocks[key[1]]:
            for j in blocks[key[2]]:
                if i != j:
                    X[i, j] = 1
    return X


def _coefficients(fam, keys, X):
    """Coordinates of a Fix(G') matrix in the orbit indicators (checked constant on each orbit)."""
    out = []
    for key in keys:
        cells = np.argwhere(_indicator(fam, key, fam.d) == 1)
        vals = {int(X[i, j]) for i, j in cells}
        if len(vals) != 1:
            raise AssertionError(f"not in Fix(G'): orbit {key} takes values {vals}")
        out.append(vals.pop())
    return out


def _class_sum_matrix(p: int, l: int, d: int):
    """Integer matrix of ``T_l = Σ_{transpositions τ of coarse block l} τ·X`` on the fine
    coordinates at dimension d (brute force: the transpositions act on rows and columns)."""
    from .fixed_points import Family

    small, parent = fine_parts(p)
    fam = Family((d - sum(small),) + small)
    keys = fam.param_keys
    idx = [i for b, ids in enumerate(_index_blocks(fam.parts)) if parent[b] == l for i in ids]
    cols = []
    for key in keys:
        X = _indicator(fam, key, d)
        Y = np.zeros_like(X)
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                perm = np.arange(d)
                perm[idx[a]], perm[idx[b]] = idx[b], idx[a]
                Y += X[np.ix_(perm, perm)]
        cols.append(_coefficients(fam, keys, Y))
    return [[cols[c][r] for c in range(len(keys))] for r in range(len(keys))]


def _swap_matrix(p: int, d: int):
    """The swap σ of the two distinguished indices of the large block on the fine coordinates."""
    from .fixed_points import Family

    small, parent = fine_parts(p)
    fam = Family((d - sum(small),) + small)
    keys = fam.param_keys
    blocks = _index_blocks(fam.parts)
    a, b = blocks[1][0], blocks[2][0]  # fine blocks 1, 2: the distinguished indices of block 0
    perm = np.arange(d)
    perm[a], perm[b] = b, a
    cols = [_coefficients(fam, keys, _indicator(fam, key, d)[np.ix_(perm, perm)]) for key in keys]
    return [[cols[c][r] for c in range(len(keys))] for r in range(len(keys))]


def _interpolate_in_d(mats, ds, d):
    """Entry-wise polynomial in d of degree ≤ 2 through the first three points, checked on the rest."""
    n = len(mats[0])
    out = sympy.zeros(n, n)
    for r in range(n):
        for c in range(n):
            pts = [(sympy.Integer(x), sympy.Integer(M[r][c])) for x, M in zip(ds, mats)]
            poly = sympy.expand(sympy.interpolate(pts[:3], d))
            if any(poly.subs(d, x) != y for x, y in pts[3:]):
                raise AssertionError(f"entry ({r}, {c}) is not a polynomial of degree <= 2 in d")
            out[r, c] = poly
    return out


def _content(lam, n):
    """Content sum of λ = (n − |tail|, *tail) with n symbolic (Σ_i λ_i(λ_i − 1)/2 − i λ_i)."""
    return sum(sympy.Integer(x) * (x - 1) / 2 - i * x if isinstance(x, int) else x * (x - 1) / 2 - i * x
               for i, x in enumerate(lam))


@dataclass
class Part:
    """One irrep's cut part of the fine coordinates: basis columns rational in d."""

    irrep: str
    lams: tuple
    multiplicity: int
    dim: str
    basis: list  # list of sympy column vectors (entries in Q(d))


def isotypic_parts(p: int) -> list[Part]:
    """The λ-parts (one copy each) of the fine coordinates of ``Δ(S_{d−p}×S_p)``, d symbolic."""
    from symmetry.irreps import partition_label

    from .asymptotics import _generic_irrep, _generic_multiplicity
    from .isotypic_spectrum import _near_trivial, _near_trivial_dim, _paths, isotypic_structure

    d = sympy.Symbol("d")
    small, parent = fine_parts(p)
    ds = [12, 13, 14, 15, 16, 17]
    coarse_sizes = [d - p, sympy.Integer(p)]
    Ts = [_interpolate_in_d([_class_sum_matrix(p, l, x) for x in ds], ds, d) for l in range(2) if
          (l == 0 or p >= 2)]
    sigma = sympy.Matrix(_swap_matrix(p, 12))
    n = Ts[0].shape[0]
    D0 = 40
    _, numeric_parts = isotypic_structure((D0 - p, p))
    by_lams = {tuple(tuple(x) for x in pt.partitions): pt for pt in numeric_parts}
    cands = [[lam[1:] for lam in _near_trivial(1000 - p)]]  # the large block: the tails of λ_1
    if p >= 2:
        cands.append([tuple(lam) for lam in _near_trivial(p)])  # the small block: λ_2 itself
    out = []
    for combo in product(*cands):
        rows = []
        lams_num = []
        for l, tail in enumerate(combo):
            if l == 0:
                lam = (coarse_sizes[0] - sum(tail),) + tuple(tail)
                lams_num.append((D0 - p - sum(tail),) + tuple(tail))
            else:
                lam = tail
                lams_num.append(tail)
            c = sympy.expand(_content(lam, coarse_sizes[l]))
            rows.append(Ts[l] - c * sympy.eye(n))
        if p == 1:
            lams_num.append((1,))
        A = sympy.Matrix.vstack(*rows)
        cols = _nullspace(A, d)
        if not cols:
            continue
        f = _paths(lams_num[0], 2)
        if f == 2:
            B = sympy.Matrix.vstack(A, sigma - sympy.eye(n))
            cols = _nullspace(B, d)
        elif f != 1:
            raise AssertionError(f"unexpected number of copies {f}")
        numeric = by_lams.get(tuple(lams_num))
        if numeric is None or numeric.multiplicity != len(cols) or numeric.copies != f:
            raise AssertionError(f"part {lams_num}: {len(cols)} columns, isotypic_structure says "
                                 f"{None if numeric is None else (numeric.multiplicity, numeric.copies)}")
        labels = [partition_label(x) for x in lams_num if sum(x) >= 2]
        label = _generic_irrep("⊗".join(labels), D0)
        dims = [(x, _prod_dims([(x - p - sum(combo[0]),) + tuple(combo[0])] + list(lams_num[1:]),
                               _near_trivial_dim)) for x in (40, 41, 42, 43, 44, 45)]
        out.append(Part(label, tuple(lams_num), len(cols), _generic_multiplicity(dims),
                        [sympy.Matrix([sympy.cancel(v) for v in col]) for col in cols]))
    return out


def _nullspace(A, d):
    """Nullspace over ``Q(d)`` (sympy's DomainMatrix: exact, fraction-free)."""
    from sympy.polys.matrices import DomainMatrix

    K = sympy.QQ.frac_field(d)
    M = DomainMatrix.from_list_sympy(*A.shape, A.tolist(), domain=K)
    N = M.nullspace().to_Matrix()
    return [sympy.Matrix([sympy.cancel(v) for v in N.row(i)]) for i in range(N.rows)]


def _prod_dims(lams, dimf):
    out = 1
    for lam in lams:
        if sum(lam) >= 2:
            out *= dimf(tuple(lam))
    return out


# ---------------------------------------------------------------------------
# the pencil on each part and its branches

def _det(M, K):
    """Determinant of a square matrix of Laurent series (elimination, pivot of least valuation)."""
    M = [[x for x in row] for row in M]
    n = len(M)
    det = None
    for c in range(n):
        best, bv = None, None
        for r in range(c, n):
            x = M[r][c].normal()
            if x.c and (bv is None or x.val < bv):
                best, bv = r, x.val
        if best is None:
            raise NeedPrecision("a pivot vanishes to its precision")
        sign = -1 if best != c else 1
        if best != c:
            M[c], M[best] = M[best], M[c]
        piv = M[c][c]
        det = piv if det is None else det * piv
        if sign < 0:
            det = -det
        inv = piv.inv()
        for r in range(c + 1, n):
            f = M[r][c] * inv
            if f.normal().c:
                M[r] = [M[r][j] - f * M[c][j] if j > c else M[r][j] for j in range(n)]
    return det


def _charpoly(A, B, K):
    """Coefficients ``c_0..c_m`` (Laurent) of ``det(A − λB)``: determinants at λ = 0..m, interpolated."""
    m = len(A)
    vals = []
    for t in range(m + 1):
        vals.append(_det([[A[i][j] - B[i][j].scale(K.one * t) for j in range(m)] for i in range(m)], K))
    # Lagrange: P(λ) = Σ_t vals[t] Π_{u≠t} (λ − u)/(t − u)
    prec = min(v.prec for v in vals)
    coeffs = [Laurent(K, prec, []) for _ in range(m + 1)]
    for t in range(m + 1):
        poly = [Fraction(1)]
        den = Fraction(1)
        for u in range(m + 1):
            if u != t:
                poly = [Fraction(0)] + poly
                for i in range(len(poly) - 1):
                    poly[i] -= u * poly[i + 1]
                den *= t - u
        for j, a in enumerate(poly):
            if a:
                coeffs[j] = coeffs[j] + vals[t].scale(K.one * (a / den))
    return coeffs


def _edge_roots(K, lead: dict):
    """Roots in K of ``Σ_j lead[j] z^j`` (z ≠ 0) with multiplicities; None for a factor of degree > 1."""
    z, t = sympy.Symbol("z"), sympy.Symbol("t")  # t stands for π: factored over Q or Q(√2)
    expr = sum(K.to_sympy(c, t) * z ** j for j, c in lead.items())
    num, _ = sympy.fraction(sympy.together(expr))
    if getattr(K, "sqrt2", False):
        _, facs = sympy.factor_list(sympy.expand(num), z, t, extension=sympy.sqrt(2))
    else:
        _, facs = sympy.factor_list(sympy.expand(num), z, t)
    out, bad = [], []
    for fac, mult in facs:
        P = sympy.Poly(fac, z)
        if P.degree() == 0:
            continue
        if P.degree() == 1:
            a, b = P.all_coeffs()
            r = sympy.cancel(-b / a).subs(t, sympy.pi)
            if r != 0:
                out.append((K.from_sympy(r), mult))
        else:
            bad.append((fac, mult))
    return out, bad


def _newton_polygon(Q, k_min=None):
    """Lower hull edges of ``{(j, val c_j)}``: ``[(k, j_lo, j_hi)]`` with ``y ~ s^k`` (k = −slope)."""
    pts = []
    for j, c in enumerate(Q):
        x = c.normal()
        if x.c:
            pts.append((j, x.val))
    undecided = [(j, Q[j].normal().val) for j in range(len(Q)) if not Q[j].normal().c]
    if pts and any(j < pts[0][0] or j > pts[-1][0] for j, _ in undecided):
        raise NeedPrecision("an end coefficient of the polynomial vanishes to its precision")
    hull = []
    for pt in pts:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (y2 - y1) * (pt[0] - x1) >= (pt[1] - y1) * (x2 - x1):
                hull.pop()
            else:
                break
        hull.append(pt)
    edges = []
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        slope = Fraction(y2 - y1, x2 - x1)
        k = -slope
        # a coefficient known only to be O(s^prec) must lie strictly above the edge
        for j, v in undecided:
            if x1 < j < x2 and v <= y1 + slope * (j - x1):
                raise NeedPrecision("a coefficient of the characteristic polynomial is not resolved")
        if k_min is not None and k < k_min:
            continue
        edges.append((k, x1, x2))
    return edges, pts


def _substitute(Q, k: int, z0, K):
    """``Q(s^k (z0 + w))`` as a polynomial in w (coefficients Laurent series in s)."""
    m = len(Q) - 1
    # coefficients of (z0 + w)^j
    out = [Laurent(K, 10 ** 6, []) for _ in range(m + 1)]
    from math import comb

    for j, c in enumerate(Q):
        cj = c.shift(k * j)
        zp = [K.one]
        for _ in range(j):
            zp.append(zp[-1] * z0)
        for i in range(j + 1):  # w^i z0^(j−i) C(j, i)
            coef = zp[j - i] * comb(j, i)
            if coef:
                out[i] = out[i] + cj.scale(coef)
    return out


def _branches(Q, K, depth=0, k_min=None):
    """All branches ``y(s)`` of ``Σ_j Q_j(s) y^j = 0`` with ``y ~ s^k``, ``k ≥ k_min``: ``[(Laurent, mult)]``."""
    if depth > 12:
        raise NeedPrecision("repeated roots not separated")
    edges, pts = _newton_polygon(Q, k_min)
    out = []
    for k, j_lo, j_hi in edges:
        if k.denominator != 1:
            raise ArithmeticError(f"a branch with the non-integer exponent {k} (the pencil is not analytic)")
        k = int(k)
        lead = {}
        base = dict(pts)
        v_lo = base[j_lo]
        for j in range(j_lo, j_hi + 1):
            if j in base and base[j] + k * j == v_lo + k * j_lo:
                lead[j - j_lo] = Q[j].normal().c[0]
        roots, bad = _edge_roots(K, lead)
        if bad:
            raise ArithmeticError(f"eigenvalue limits outside the field: {bad}")
        for z0, mult in roots:
            # Q(s^k (z0 + w)): the branches with w -> 0
            Q1 = _substitute(Q, k, z0, K)
            if mult == 1:
                w = _hensel(Q1, K)
                out.append(((w + Laurent.const(K, z0, w.prec)).shift(k), 1))
            else:
                sub = _branches(Q1, K, depth + 1, k_min=1)
                if sum(mw for _, mw in sub) != mult:
                    raise NeedPrecision("a repeated root's branches not all found")
                for w, mw in sub:
                    out.append(((w + Laurent.const(K, z0, w.prec)).shift(k), mw))
    return out


def _hensel(Q1, K):
    """The branch ``w(s) = Σ_{i ≥ 1} w_i s^i`` of ``Σ_j Q1_j w^j = 0`` (simple root w = 0)."""
    v = min(c.normal().val for c in Q1 if c.normal().c)
    Q1 = [c.shift(-v) for c in Q1]
    a1 = Q1[1].coeff(0)
    if not a1:
        raise AssertionError("not a simple root")
    prec = min(c.prec for c in Q1)
    coeffs = []
    for i in range(1, prec):
        cur = Laurent(K, 1, coeffs + [K.zero] * (prec - 1 - len(coeffs)))
        val = _poly_eval(Q1, cur, K)
        r = val.coeff(i) if val.prec > i else None
        if r is None:
            break
        coeffs.append(-(r / a1))
    return Laurent(K, 1, coeffs)


def _poly_eval(Q, y, K):
    acc = Q[-1]
    for c in reversed(Q[:-1]):
        acc = acc * y + c
    return acc


@dataclass
class Branch:
    """One distinct eigenvalue: ``λ = Σ_j coefficients[j] d^{power − j/2}`` (exact, K elements
    turned into sympy), known to the number of coefficients given."""

    irrep: str
    multiplicity: str  # dim λ as a polynomial in d
    power: float
    coefficients: list = field(default_factory=list)  # sympy, exact
    repeated: int = 1  # branches of the same block with identical series to this precision


def eigenvalue_series(p: int, order: int = 2) -> list[Branch]:
    """Exact series of every distinct Hessian eigenvalue of ``Δ(S_{d−p}×S_p)`` (p = 1, 2).

    Parameters
    ----------
    p : int
    order : int
        Half-integer orders beyond the leading one (0..6).

    Returns
    -------
    list of Branch
        Sorted by irrep and by value at large d; ``coefficients`` holds ``order + 1`` exact
        coefficients of ``d^{power}, d^{power − 1/2}, …``.

    Raises
    ------
    InputError
        p or order out of range; the series not derivable within :data:`MAX_EXTRA_TERMS`
        extra terms (with the reason).
    """
    if p not in (1, 2):
        raise InputError(f"eigenvalue series are derived for p = 1, 2, got {p}")
    if not 0 <= order <= 6:
        raise InputError(f"order must be between 0 and 6, got {order}")
    if (p, order) in _RESULTS:
        return list(_RESULTS[(p, order)])
    parts = isotypic_parts(p)
    extra = 16
    last = None
    while extra <= MAX_EXTRA_TERMS:
        try:
            _RESULTS[(p, order)] = _series(p, order, parts, max(order, 1) + extra)
            return list(_RESULTS[(p, order)])
        except NeedPrecision as exc:
            last = exc
            extra += 8
    raise InputError(f"eigenvalue series of d-{p},{p} not resolved with {order + MAX_EXTRA_TERMS} terms: {last}")


def _hessian_series(p: int, n: int):
    """``(K, H, D, keys)``: H_ab and D_a as Laurent series in s to ``O(s^(v + n))``."""
    from .exact_series import _evaluate, family_series
    from .fixed_points import Family
    from .pi_field import PiField
    from .regular_family import two_block_system
    from .regular_hessian import coarse_to_fine, fine_hessian_system

    hs = fine_hessian_system(p)
    rs = hs.regular_system()
    fs = family_series(p, n - 1)
    K = fs.field
    if not K.sqrt2 and any(e.has(sympy.sqrt(2)) for e in rs.equations):
        K = PiField(True)
    coarse_keys = two_block_system(p).keys
    rows = [coarse_to_fine(p, hs.keys, coarse_keys, [K.from_sympy(v) for v in row]) for row in fs.beta]
    from .exact_series import _Ser

    beta = [_Ser(K, [rows[j][t] for j in range(n)]) for t in range(len(hs.keys))]
    # one entry per orbit of the singleton swaps: on the branch β is invariant under them
    # (fine parameters are copies of their coarse parents), so H_{h(a)h(b)} = H_ab as series
    syms = hs.builder.symmetries() if hs.builder is not None else []
    index = {pair: i for i, pair in enumerate(hs.pairs)}
    rep = {}
    for (a, b) in hs.pairs:
        images = [tuple(sorted((h[a], h[b]))) for h in syms] + [(a, b)]
        rep[(a, b)] = min(images)
    reps = sorted(set(rep.values()))
    rs.equations = [hs.equations[index[r]] for r in reps]
    F = dict(zip(reps, _evaluate(rs, K, n, beta)))
    N = len(hs.keys)
    H = [[None] * N for _ in range(N)]
    for (a, b), v in zip(hs.pairs, hs.valuations):
        r = rep[(a, b)]
        if hs.valuations[index[r]] != v:
            raise AssertionError(f"entries {(a, b)} and {r} of one orbit with different valuations")
        H[a][b] = H[b][a] = Laurent(K, v, F[r].c)
    d = sympy.Symbol("d")
    small, _ = fine_parts(p)
    q = sum(small)
    Dg = []
    for key in hs.keys:
        size = sympy.expand(sympy.interpolate([(x, Family((x - q,) + small).orbit_size(key)) for x in (20, 30, 40)], d))
        Dg.append(size)
    keys_fam = Family((1000 - q,) + small).param_keys
    if list(hs.keys) != list(keys_fam):
        raise AssertionError("the Hessian system's coordinates are not the fine family's")
    return K, H, Dg


def _cached_hessian_series(p: int, n: int):
    """:func:`_hessian_series`, reusing (truncated) a longer one computed in this process."""
    have = _HESSIANS.get(p)
    if have is None or have[0] < n:
        _HESSIANS[p] = (n,) + tuple(_hessian_series(p, n))
        have = _HESSIANS[p]
    _, K, H, Dg = have
    return K, [[x.truncate(x.val + n) for x in row] for row in H], Dg


def _series(p, order, parts, n):
    K, H, Dg = _cached_hessian_series(p, n)
    d = sympy.Symbol("d")
    N = len(H)
    big = n + 12
    out = []
    for part in parts:
        Y = [[_from_rational_in_d(K, col[i], d, big) for i in range(N)] for col in part.basis]
        Ds = [_from_rational_in_d(K, g, d, big) for g in Dg]
        m = len(Y)
        nz = [[part.basis[c][b] != 0 for b in range(N)] for c in range(m)]
        HY = [[_sum([H[a][b] * Y[c][b] for b in range(N) if nz[c][b]], K) for c in range(m)] for a in range(N)]
        A = [[_sum([Y[r][a] * HY[a][c] for a in range(N) if nz[r][a]], K) for c in range(m)] for r in range(m)]
        B = [[_sum([Y[r][a] * Ds[a] * Y[c][a] for a in range(N) if nz[r][a] and nz[c][a]], K) for c in range(m)]
             for r in range(m)]
        P = _charpoly(A, B, K)
        brs = _branches(P, K)
        if sum(mu for _, mu in brs) != m:
            raise NeedPrecision(f"{part.irrep}: {sum(mu for _, mu in brs)} branches of {m}")
        for y, mu in brs:
            y = y.normal()
            need = y.val + order + 1
            if y.prec < need:
                raise NeedPrecision(f"{part.irrep}: a branch known to O(s^{y.prec}), need O(s^{need})")
            coeffs = [K.to_sympy(y.coeff(y.val + j)) for j in range(order + 1)]
            out.append(Branch(part.irrep, part.dim, -y.val / 2, coeffs, mu))
    return _sorted(out)


def _sum(items, K):
    acc = None
    for x in items:
        acc = x if acc is None else acc + x
    return Laurent(K, 10 ** 6, []) if acc is None else acc  # an exact zero


def _sorted(branches):
    def key(b):
        with_val = float(sum(float(sympy.N(c)) * 1e10 ** (b.power - j / 2) for j, c in enumerate(b.coefficients)))
        return (b.irrep, with_val)

    return sorted(branches, key=key)
