"""The family ``Δ(S_{d−p}×S_p)`` at real d, and the critical fractional dimension.

The simplest call:

>>> from landscape.real_dimension import critical_dimension
>>> r = critical_dimension("d-1,1", digits=12)               # type A
>>> 5 < float(r.d) < 6, r.method
(True, 'Krawczyk at both ends and over the d-interval; Rayleigh quotient < 0 at lo, LDL^T pivots > 0 at hi')

The reduced loss of ``Fix(Δ(S_{p1}×…×S_{pm}))`` (k = d, teacher ``I_d``, rows are
neurons) is a finite sum over pairs of blocks of Cho–Saul kernels with *counts*
``p_l (p_L − [l = L])`` that are polynomials in the block sizes
(:mod:`landscape.fixed_points` explains the reduction; Arjevani & Field,
arXiv 2003.10576).  With the block sizes ``(d − p, p)`` and d real, it is an
analytic function of (θ, d) away from parallel rows: this is the continuation
of the family to real d.  The Hessian spectrum continues the same way: the
compression of ``∇²L`` to ``Fix(G')`` (the finer family ``(d−p−2, 1, 1, …)``,
:mod:`certificates.symmetric`) is ``D^{-1/2} ∇²_θ' L_red' D^{-1/2}`` with orbit
sizes ``D`` polynomial in d; at integer d its eigenvalues are those of ``∇²L``.

:func:`critical_dimension` finds the real ``d*`` where the smallest eigenvalue
of that compression crosses 0 along the branch (type A: between the saddle at
d = 5 and the minimum at d = 6): secant on ``λ_min(d)`` (Newton for θ at each d,
mpmath eigenvalues), then a **rigorous enclosure** ``[lo, hi]`` with python-flint
balls: Krawczyk proves a zero θ(d) of ``∇_θ L_red`` in a box for every d in
``[lo, hi]`` (so the branch is continuous there) and in tiny boxes at d = lo and
d = hi inside it; a Rayleigh quotient ``< 0`` at lo and positive LDLᵀ pivots
at hi prove ``λ_min(lo) < 0 < λ_min(hi)``, so λ_min vanishes in (lo, hi).

Derivatives are second-order jets (value, gradient, Hessian in θ) over
``flint.arb``; this is a separate implementation from :mod:`landscape.fixed_points`
(the tests compare the two at integer d).
"""

from __future__ import annotations

from dataclasses import dataclass

import flint
import mpmath
import numpy as np

from .errors import InputError

__all__ = ["Jet", "reduced_loss_jet", "family_keys", "fine_family", "critical_dimension", "CriticalDimension",
           "branch_params", "compression", "smallest_eigenvalue"]


class Jet:
    """Second-order jet in n variables over ``flint.arb``: value, gradient, Hessian."""

    __slots__ = ("v", "g", "h")

    def __init__(self, v, g, h):
        self.v, self.g, self.h = v, g, h

    @staticmethod
    def const(v, n):
        z = np.empty(n, dtype=object)
        z[:] = flint.arb(0)
        H = np.empty((n, n), dtype=object)
        H[:, :] = flint.arb(0)
        return Jet(flint.arb(v) if not isinstance(v, flint.arb) else v, z, H)

    def __add__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.v + o, self.g, self.h)
        return Jet(self.v + o.v, self.g + o.g, self.h + o.h)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, -self.g, -self.h)

    def __sub__(self, o):
        return self + (-o)

    def __mul__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.v * o, self.g * o, self.h * o)
        return Jet(self.v * o.v, self.v * o.g + o.v * self.g,
                   self.v * o.h + o.v * self.h + np.outer(self.g, o.g) + np.outer(o.g, self.g))

    __rmul__ = __mul__

    def _chain(self, f0, f1, f2):
        return Jet(f0, f1 * self.g, f1 * self.h + f2 * np.outer(self.g, self.g))

    def sqrt(self):
        r = self.v.sqrt()
        return self._chain(r, 1 / (2 * r), -1 / (4 * r * self.v))


def _atan2(S: Jet, c: Jet) -> Jet:
    r2 = S.v * S.v + c.v * c.v
    tS, tc = c.v / r2, -S.v / r2
    r4 = r2 * r2
    tSS, tcc, tSc = -2 * S.v * c.v / r4, 2 * S.v * c.v / r4, (S.v * S.v - c.v * c.v) / r4
    g = tS * S.g + tc * c.g
    h = (tS * S.h + tc * c.h + tSS * np.outer(S.g, S.g) + tcc * np.outer(c.g, c.g)
         + tSc * (np.outer(S.g, c.g) + np.outer(c.g, S.g)))
    return Jet(flint.arb.atan2(S.v, c.v), g, h)


def _kernel(p: Jet, q: Jet, c: Jet) -> Jet:
    """Cho–Saul ``K = (S + (π − θ) c) / (2π)`` from Gram entries ``|w|², |v|², w·v``."""
    S = (p * q - c * c).sqrt()
    theta = _atan2(S, c)
    pi = flint.arb.pi()
    return (S + (-theta + pi) * c) * (1 / (2 * pi))


def family_keys(big):
    """Parameter keys of a family whose blocks ``l`` with ``big[l]`` have size ≥ 2 (A's then B's,
    the order of :class:`landscape.fixed_points.Family`)."""
    m = len(big)
    keys = [("A", l) for l in range(m)]
    keys += [("B", l, L) for l in range(m) for L in range(m) if l != L or big[l]]
    return keys


def orbit_sizes(parts, big):
    return [parts[k[1]] if k[0] == "A" else parts[k[1]] * (parts[k[2]] - (1 if k[1] == k[2] else 0))
            for k in family_keys(big)]


def reduced_loss_jet(parts, big, values) -> Jet:
    """``L(W(θ))`` as a jet in θ; block sizes ``parts`` may be any real balls (d real).

    Same sum as :func:`landscape.fixed_points.reduced_loss` (pairs of blocks with counts),
    written on Gram entries; includes the constant ``d/4 + d(d−1)/(4π)``.
    """
    keys = family_keys(big)
    n, m = len(keys), len(parts)
    x = {}
    for t, (key, v) in enumerate(zip(keys, values)):
        if isinstance(v, Jet):
            x[key] = v
            continue
        g = np.empty(n, dtype=object)
        g[:] = flint.arb(0)
        g[t] = flint.arb(1)
        x[key] = Jet(v, g, Jet.const(0, n).h)
    n = len(next(iter(x.values())).g)
    zero = Jet.const(0, n)
    A = [x["A", l] for l in range(m)]

    def B(l, L):
        return x.get(("B", l, L), zero)

    def cnt(L, *minus):
        return parts[L] - sum(1 for q in minus if q == L)

    P = [A[l] * A[l] + sum((B(l, L) * B(l, L) * cnt(L, l) for L in range(m)), zero) for l in range(m)]
    one = Jet.const(1, n)
    total = zero
    for l in range(m):
        total = total + P[l] * (parts[l] / 4) - _kernel(P[l], one, A[l]) * parts[l]
        for L in range(m):
            c_lL = parts[l] * cnt(L, l)
            if L == l and not big[l]:
                continue
            c = A[l] * B(L, l) + A[L] * B(l, L)
            for L2 in range(m):  # columns k != i, j (a size-1 block l or L has none left: count 0)
                if not big[L2] and L2 in (l, L):
                    continue
                c = c + B(l, L2) * B(L, L2) * cnt(L2, l, L)
            total = total + _kernel(P[l], P[L], c) * (c_lL / 2) - _kernel(P[l], one, B(l, L)) * c_lL
    d = sum(parts, flint.arb(0))
    return total + d / 4 + d * (d - 1) / (4 * flint.arb.pi())


def fine_family(parts, fixed):
    """Blocks of ``Fix(G')``: a block growing with d (``fixed[l] is None``) becomes
    ``(p − 2, 1, 1)``, a fixed block of size 2 becomes ``(1, 1)``, a size-1 block stays.

    Returns ``(fine sizes, fine big flags, parent block of each fine block)``."""
    fine, fbig, parent = [], [], []
    for l, (p, f) in enumerate(zip(parts, fixed)):
        if f is None:
            pieces, pb = [p - 2, flint.arb(1), flint.arb(1)], [True, False, False]
        elif f == 2:
            pieces, pb = [flint.arb(1), flint.arb(1)], [False, False]
        elif f == 1:
            pieces, pb = [p], [False]
        else:
            raise InputError("fixed blocks of size > 2 are not supported here")
        fine += pieces
        fbig += pb
        parent += [l] * len(pieces)
    return fine, fbig, parent


def _parts(d, p):
    d = flint.arb(d) if not isinstance(d, flint.arb) else d
    return [d - p, flint.arb(p)], [True, p >= 2]


def gradient_and_jacobian(d, p, theta):
    parts, big = _parts(d, p)
    J = reduced_loss_jet(parts, big, theta)
    return J.g, J.h


def compression(d, p, theta):
    """``D'^{-1/2} ∇²_θ' L_red' D'^{-1/2}`` (numpy object array of balls) at real d."""
    parts, big = _parts(d, p)
    fine, fbig, parent = fine_family(parts, [None, p])
    value = dict(zip(family_keys(big), theta))
    fvals = [value["A", parent[k[1]]] if k[0] == "A" else value["B", parent[k[1]], parent[k[2]]]
             for k in family_keys(fbig)]
    H = reduced_loss_jet(fine, fbig, fvals).h
    inv = [1 / s.sqrt() for s in orbit_sizes(fine, fbig)]
    n = len(inv)
    return np.array([[H[i, j] * inv[i] * inv[j] for j in range(n)] for i in range(n)], dtype=object)


def _mid(x):
    return mpmath.mpf(x.mid().str(flint.ctx.dps + 5, radius=False))


def branch_params(d, p, start, steps: int = 60):
    """Newton for ``∇_θ L_red = 0`` at real d (mpf d), from ``start``; returns arb midpoints (exact balls)."""
    x = [flint.arb(v) if not isinstance(v, flint.arb) else v for v in start]
    dd = flint.arb(mpmath.nstr(d, flint.ctx.dps + 5)) if not isinstance(d, flint.arb) else d
    for _ in range(steps):
        g, H = gradient_and_jacobian(dd, p, x)
        Hm = flint.arb_mat([[h.mid() for h in row] for row in H])
        step = Hm.solve(flint.arb_mat([[v.mid()] for v in g]))
        x = [(a - step[i, 0]).mid() for i, a in enumerate(x)]
        size = max(abs(float(step[i, 0].mid())) for i in range(len(x)))
        if size < 2.0 ** (-flint.ctx.prec + 20):
            break
    return x


def smallest_eigenvalue(d, p, theta):
    """(λ_min, eigenvector) of the compression at real d (mpmath, current precision)."""
    S = compression(d, p, theta)
    with mpmath.workdps(flint.ctx.dps):
        M = mpmath.matrix([[_mid(v) for v in row] for row in S])
        M = (M + M.T) / 2
        E, Q = mpmath.eigsy(M)
        i = min(range(len(E)), key=lambda k: E[k])
        return E[i], [Q[r, i] for r in range(len(E))]


@dataclass
class CriticalDimension:
    d: str
    lo: str
    hi: str
    lam_lo: float
    lam_hi: float
    method: str
    params: list


def _krawczyk(d_ball, p, center, radius):
    """Krawczyk test for ∇_θ L_red over the box center ± radius, d in the ball ``d_ball``."""
    n = len(center)
    rad = flint.arb(0, radius)
    box = [c + rad for c in center]
    g0, _ = gradient_and_jacobian(d_ball, p, center)
    _, J = gradient_and_jacobian(d_ball, p, box)
    Jm = flint.arb_mat([[v.mid() for v in row] for row in J])
    C = Jm.inv()
    C = flint.arb_mat([[C[i, j].mid() for j in range(n)] for i in range(n)])
    K = -(C * flint.arb_mat([[v] for v in g0])) + (flint.arb_mat([[int(i == j) for j in range(n)] for i in range(n)]) - C * flint.arb_mat(J.tolist())) * \
        flint.arb_mat([[rad] for _ in range(n)])
    return all(K[i, 0].abs_upper() < flint.arb(radius) for i in range(n))


def _ldl_positive(S) -> bool:
    """Every symmetric matrix in the ball matrix S is positive definite (LDLᵀ pivots > 0)."""
    n = len(S)
    A = [[S[i][j] for j in range(n)] for i in range(n)]
    for k in range(n):
        piv = A[k][k]
        if not piv > 0:
            return False
        for i in range(k + 1, n):
            f = A[i][k] / piv
            for j in range(k + 1, n):
                A[i][j] = A[i][j] - f * A[k][j]
    return True


def critical_dimension(partition, digits: int = 30, bracket=None) -> CriticalDimension:
    """Real d in ``bracket`` where the family's smallest Hessian eigenvalue crosses 0.

    Parameters
    ----------
    partition : str
        ``"d-p,p"`` with p = 1 or 2.
    digits : int
        Significant digits of ``d`` (the enclosure has width about ``10^{-digits}``).
    bracket : (int, int), optional
        Integer dimensions where the family is a saddle and a minimum (default: type A
        (5, 6); Δ(S_{d−2}×S_2) (7, 8), the family of Arjevani & Field continued down from
        large d, whose first minimum is d = 8).

    Returns
    -------
    CriticalDimension
        ``d`` (decimal string), the proved enclosure ``[lo, hi]`` (decimal strings),
        the eigenvalue estimates at lo and hi, the method, the parameters at d*.

    Raises
    ------
    InputError
        If the partition is not ``d-1,1``/``d-2,2``, or the enclosure cannot be proved.
    """
    from .fixed_points import parse_partition

    try:
        a = parse_partition(partition, d=100)
    except InputError:
        raise
    if len(a) != 2 or a[1] not in (1, 2) or parse_partition(partition, d=200)[1] != a[1]:
        raise InputError(f"critical-dimension supports d-1,1 and d-2,2, got {partition!r}")
    p = a[1]
    if bracket is None:
        bracket = (5, 6) if p == 1 else (7, 8)
    old = flint.ctx.prec
    flint.ctx.dps = digits + 40
    try:
        return _critical_dimension(p, digits, bracket)
    finally:
        flint.ctx.prec = old


def _critical_dimension(p, digits, bracket):
    from .critical_points import follow_family

    lo_d, hi_d = bracket
    # type A at d = 6 (Safran & Shamir 2018, loss 0.02508); Newton polishes it
    known = {(1, 6): [0.98670, -0.60151, -0.05041, 0.30801, 0.22452],
             (2, 8): [0.9784, 0.1927, -0.0653, 0.2429, 0.1788, -0.6974]}  # Δ(S_6×S_2), loss 0.03979
    start = known.get((p, hi_d))
    pts = follow_family(f"d-{p},{p}", [hi_d], start=start)
    if not pts:
        raise InputError("no critical point of the family found at the upper bracket dimension")
    x = [flint.arb(repr(float(v))) for v in pts[0].params]
    work = flint.ctx.dps
    # continuation in real d from hi_d down to lo_d, tracking λ_min
    cache = {}

    def lam(dv):
        nonlocal x
        key = mpmath.nstr(dv, work)
        if key not in cache:
            x = branch_params(dv, p, x)
            cache[key] = (smallest_eigenvalue(flint.arb(key), p, x)[0], list(x))
        return cache[key][0]

    with mpmath.workdps(work):
        ds = [mpmath.mpf(hi_d) - k * mpmath.mpf(hi_d - lo_d) / 8 for k in range(9)]
        vals = [lam(dv) for dv in ds]
        k = next((i for i in range(len(ds) - 1) if vals[i] > 0 >= vals[i + 1]), None)
        if k is None:
            raise InputError(f"λ_min does not change sign between d = {lo_d} and {hi_d} along the branch")
        x = cache[mpmath.nstr(ds[k], work)][1]
        a, b = ds[k + 1], ds[k]
        fa, fb = vals[k + 1], vals[k]
        tol = mpmath.mpf(10) ** (-digits - 8)
        for _ in range(200):  # Illinois regula falsi (keeps the bracket)
            c = b - fb * (b - a) / (fb - fa)
            fc = lam(c)
            if fc == 0 or abs(b - a) < tol:
                break
            if (fc > 0) == (fb > 0):
                b, fb = c, fc
                fa = fa / 2
            else:
                a, fa = c, fc
        dstar = c
        theta = cache[mpmath.nstr(dstar, work)][1]
        # rigorous enclosure
        delta = mpmath.mpf(10) ** (-(digits - 1))  # the rounded d (error <= 5e-digits, d < 10) lies inside
        lo = dstar - delta
        hi = dstar + delta
        lo_s, hi_s = mpmath.nstr(lo, digits + 6), mpmath.nstr(hi, digits + 6)
        lo_b, hi_b = flint.arb(lo_s), flint.arb(hi_s)
        x_lo = branch_params(lo_b, p, theta)
        x_hi = branch_params(hi_b, p, theta)
        small = flint.arb(2) ** (-(flint.ctx.prec - 40))
        interval = flint.arb((lo_b + hi_b) / 2, (hi_b - lo_b) / 2 * 2)  # contains [lo, hi]
        big_r = flint.arb(10) ** (-(digits // 2))
        if not (_krawczyk(lo_b, p, x_lo, small) and _krawczyk(hi_b, p, x_hi, small)
                and _krawczyk(interval, p, theta, big_r)):
            raise InputError("Krawczyk failed: the branch is not enclosed near d*")
        for xe in (x_lo, x_hi):  # the small boxes lie in the big one (same zero by uniqueness)
            if not all(abs(float(u - v)) + float(small) < float(big_r) for u, v in zip(xe, theta)):
                raise InputError("the end-point boxes are not inside the interval box")
        rs = flint.arb(0, small)
        # λ_min(lo) < 0: Rayleigh quotient of the float eigenvector, over the small box
        _, vec = smallest_eigenvalue(lo_b, p, x_lo)
        z = [flint.arb(mpmath.nstr(v, work)) for v in vec]
        S_lo = compression(lo_b, p, [u + rs for u in x_lo])
        num = sum((z[i] * S_lo[i, j] * z[j] for i in range(len(z)) for j in range(len(z))), flint.arb(0))
        R = num / sum((v * v for v in z), flint.arb(0))
        S_hi = compression(hi_b, p, [u + rs for u in x_hi])
        if not R < 0 or not _ldl_positive(S_hi.tolist()):
            raise InputError("the sign change of λ_min could not be proved at the enclosure's ends "
                             "(raise --precision headroom)")
        lam_hi = smallest_eigenvalue(hi_b, p, x_hi)[0]
        return CriticalDimension(
            d=mpmath.nstr(dstar, digits), lo=lo_s, hi=hi_s, lam_lo=float(R.mid()), lam_hi=float(lam_hi),
            method="Krawczyk at both ends and over the d-interval; Rayleigh quotient < 0 at lo, LDL^T pivots > 0 at hi",
            params=[mpmath.nstr(_mid(v), digits) for v in theta])
