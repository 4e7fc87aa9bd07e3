"""Exact series of a family's critical point in s = d^(-1/2), derived from the regular system.

The simplest call:

>>> from landscape.exact_series import family_series
>>> ser = family_series(1, order=1)               # type A, β to O(s)
>>> [str(c) for c in ser.beta[0]]                 # β at s = 0: a1, a2, b11, b12, b21
['8/pi', '2*(2 + pi)**2/pi**2', '-4/pi', '2', '4/pi']

Method (a derivation, not a fit).  :mod:`landscape.regular_family` gives
``F̃(s, β) = 0``, regular at ``s = 0``, equivalent to criticality in Fix(H) for
``d = s^{-2}``.  The limit system ``F̃(0, β) = 0`` is solved exactly (sympy; the
root with the signs of the family), ``J0 = ∂_βF̃(0, β0)`` is computed exactly,
and for ``m = 1, 2, …`` the coefficient of ``s^m`` of ``F̃(s, β0 + … + β_{m−1}s^{m−1})``,
``r_m``, gives ``β_m = −J0^{-1} r_m`` (the implicit function theorem: ``J0`` is
invertible, so the branch is analytic in s).  The coefficients ``r_m`` come from
evaluating the system's straight-line program on truncated power series whose
coefficients live in the field ``Q(π)`` (``Q(√2, π)`` when needed; π is
transcendental, so it is treated as an indeterminate): ``+, ×``, the series of
``1/x``, ``sqrt x`` (the square root of the constant term must lie in the field:
checked), and ``asinc(x) = Σ C(2k,k) x^{2k}/(4^k(2k+1))`` at ``x0 = 0``.

The parameters are ``θ = c + s^k β(s)``, so ``θ = c + Σ_j β_j d^{−(k+j)/2}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .errors import InputError
from .pi_field import PI, PiField
from .regular_family import S, asinc_coefficients, two_block_system

__all__ = ["family_series", "FamilySeries", "MAX_SERIES_ORDER"]

#: Largest order in s computed (each order is one evaluation of the program on series).
MAX_SERIES_ORDER = 30



@dataclass
class FamilySeries:
    """``beta[j][t]``: coefficient of ``s^j`` of the scaled variable t (sympy, exact)."""

    p: int
    order: int
    names: list
    scaling: list
    beta: list
    loss: list = None  # coefficients of s^m of L (exact), m = 0..order
    field: object = None  # the coefficient field (landscape.pi_field.PiField)
    beta_field: list = None  # beta[j][t] as elements of ``field``

    def param_terms(self, t: int):
        """``[(power of d, exact coefficient)]`` of parameter t: ``θ = c + Σ_j β_j d^{−(k+j)/2}``."""
        c, k = self.scaling[t]
        out = []
        if c != 0:
            out.append((0.0, sympy.Rational(c.numerator, c.denominator)))
        for j, row in enumerate(self.beta):
            if row[t] != 0:
                out.append((-(k + j) / 2, row[t]))
        return out


class _Ser:
    """Truncated power series in s with coefficients in a sympy field K."""

    def __init__(self, K, c):
        self.K, self.c = K, c

    def __add__(self, o):
        return _Ser(self.K, [a + b for a, b in zip(self.c, o.c)])

    def __mul__(self, o):
        n = len(self.c)
        out = [self.K.zero] * n
        for i, a in enumerate(self.c):
            if a:
                for j in range(n - i):
                    if o.c[j]:
                        out[i + j] += a * o.c[j]
        return _Ser(self.K, out)

    def inv(self):
        a0 = self.c[0]
        if not a0:
            raise InputError("series reciprocal of a quantity vanishing at s = 0")
        b = [1 / a0]
        for n in range(1, len(self.c)):
            b.append(-sum((self.c[k] * b[n - k] for k in range(1, n + 1)), self.K.zero) / a0)
        return _Ser(self.K, b)

    def sqrt(self):
        a0 = self.c[0]
        r = sympy.sqrt(self.K.to_sympy(a0))
        b0 = self.K.from_sympy(sympy.factor(r))
        if b0 * b0 != a0:
            raise InputError(f"the square root of {self.K.to_sympy(a0)} is not in the coefficient field")
        b = [b0]
        for n in range(1, len(self.c)):
            acc = self.c[n] - sum((b[k] * b[n - k] for k in range(1, n)), self.K.zero)
            b.append(acc / (2 * b0))
        return _Ser(self.K, b)

    def compose_even(self, start: int):
        """``Σ_{k ≥ start} c_k x^{2(k − start)}`` (asinc: start 0; asinc2: start 1) at x0 = 0."""
        if self.c[0]:
            raise InputError("asinc series at a non-zero point")
        n = len(self.c)
        co = asinc_coefficients(start + n)
        x2 = self * self
        out = _Ser(self.K, [self.K.zero] * n)
        power = _Ser(self.K, [self.K.one] + [self.K.zero] * (n - 1))
        for k in range(start, start + n):
            q = co[k]
            out = out + _Ser(self.K, [v * q for v in power.c])
            power = power * x2
        return out


def _field(sysm):
    """``Q(π)``, or ``Q(√2)(π)`` when √2 occurs in the system (:class:`landscape.pi_field.PiField`:
    FLINT's exact gcd; sympy's own fraction field gave up at type A's order 7)."""
    has_sqrt2 = any(e.has(sympy.sqrt(2)) for e in sysm.equations) or any(a.has(sympy.sqrt(2))
                                                                         for _, _, a in sysm.atoms)
    return PiField(sqrt2=has_sqrt2)


def _evaluate(sysm, K, n, beta_series):
    """Series (length n) of every equation at β(s) = beta_series."""
    env = {S: _Ser(K, [K.zero, K.one] + [K.zero] * (n - 2)) if n > 1 else _Ser(K, [K.zero])}
    env.update(zip(sysm.betas, beta_series))
    memo = {}

    def const(v):
        return _Ser(K, [v] + [K.zero] * (n - 1))

    def ev_tree(e):
        if e in memo:
            return memo[e]
        if e.is_Rational or e.is_Pow and e.base.is_Rational and e.exp.is_Rational:
            out = const(K.from_sympy(e))
        elif e is sympy.pi:
            out = const(K.from_sympy(PI))
        elif e.is_Add or e.is_Mul:
            parts = [ev(a) for a in e.args]
            out = parts[0]
            for a in parts[1:]:
                out = out + a if e.is_Add else out * a
        elif e.is_Pow and e.exp.is_Integer:
            b = ev(e.base)
            k = int(e.exp)
            if k < 0:
                b, k = b.inv(), -k
            out = b
            for _ in range(k - 1):
                out = out * b
        else:
            raise InputError(f"cannot expand {e} as a series")
        memo[e] = out
        return out

    atoms = {sym: (kind, arg) for sym, kind, arg in sysm.atoms}

    def atom(sym):  # evaluated when first met: a subset of the equations needs only its atoms
        kind, arg = atoms[sym]
        a = ev(arg)
        env[sym] = {"sqrt": a.sqrt, "inv": a.inv, "asinc": lambda: a.compose_even(0),
                    "asinc2": lambda: a.compose_even(1), "def": lambda: a}[kind]()
        return env[sym]

    def ev(e):
        if e in env:
            return env[e]
        if e in atoms:
            return atom(e)
        return ev_tree(e)

    return [ev(e) for e in sysm.equations]


def _limit_solution(sysm):
    """The root of F̃(0, β) = 0 with the family's signs (sympy solve; exact)."""
    sols = sympy.solve(sysm.limit_system(), sysm.betas, dict=True)
    good = [s for s in sols if all(v.is_real for v in s.values())]
    if len(good) != 1:
        raise InputError(f"the limit system has {len(good)} admissible roots (need exactly one)")
    return [sympy.simplify(good[0][b]) for b in sysm.betas]


def family_series(p: int, order: int = 3) -> FamilySeries:
    """Exact coefficients ``β_0 … β_order`` of the branch of ``Δ(S_{d−p}×S_p)`` (p = 1, 2).

    Returns
    -------
    FamilySeries
        ``beta[j]`` the exact (sympy, in π) coefficient vector of ``s^j``; ``loss[m]`` the
        coefficient of ``s^m = d^{-m/2}`` of L along the branch (exact to this order: L is
        evaluated through its own regular form, :attr:`RegularSystem.loss`).

    Raises
    ------
    InputError
        ``order`` outside ``0..MAX_SERIES_ORDER``, or a singular limit Jacobian.
    """
    if not 0 <= order <= MAX_SERIES_ORDER:
        raise InputError(f"order must be between 0 and {MAX_SERIES_ORDER}, got {order}")
    sysm = two_block_system(p)
    K = _field(sysm)
    beta0 = _limit_solution(sysm)
    J0 = sympy.Matrix([[sympy.diff(eq, b) for b in sysm.betas] for eq in sysm.limit_system()])
    J0 = J0.subs(dict(zip(sysm.betas, beta0)))
    if sympy.simplify(J0.det()) == 0:
        raise InputError("the limit Jacobian is singular: the branch is not regular at s = 0")
    Jinv = [[K.from_sympy(v) for v in row] for row in J0.inv().tolist()]
    nb = len(sysm.betas)
    rows = [[K.from_sympy(v) for v in beta0]]
    n = order + 1
    for m in range(1, n):
        ser = [_Ser(K, [rows[j][t] for j in range(m)] + [K.zero] * (n - m)) for t in range(nb)]
        F = _evaluate(sysm, K, m + 1, [_Ser(K, x.c[:m + 1]) for x in ser])
        r = [f.c[m] for f in F]
        rows.append([-sum((Jinv[i][j] * r[j] for j in range(nb)), K.zero) for i in range(nb)])
    ser = [_Ser(K, [rows[j][t] for j in range(n)]) for t in range(nb)]
    eqs = sysm.equations
    try:
        sysm.equations = [sysm.loss]
        Ls = _evaluate(sysm, K, n, ser)[0]
    finally:
        sysm.equations = eqs
    shift = sysm.loss_valuation
    loss = [sympy.Integer(0)] * min(n, max(0, shift)) + [K.to_sympy(c) for c in Ls.c]
    exact_rows = [beta0] + [[K.to_sympy(v) for v in row] for row in rows[1:]]
    return FamilySeries(p, order, sysm.names, sysm.scaling, exact_rows, loss[:n], K, rows)
