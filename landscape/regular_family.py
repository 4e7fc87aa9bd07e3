"""The reduced gradient of a family with one growing block, rewritten so that it is regular at d = ∞.

The simplest call:

>>> from landscape.regular_family import type_a_system
>>> sysA = type_a_system()                     # Δ(S_{d−1}×S_1), s = d^(-1/2)
>>> [str(b) for b in sysA.betas], sysA.valuations
(['a1', 'a2', 'b11', 'b12', 'b21'], [2, 0, 2, 2, 2])
>>> sysA.limit_system()[1]                     # F̃(0, β) of dL/dA2: B12 ~ 2/d
b12/4 - 1/2

Setting (SPEC.md): k = d, teacher ``V = I_d``, second layers ones, rows are
neurons; the family is ``Fix(Δ(S_{p0}×S_{p1}×…))`` with ``p0 = d − q`` growing and
``p1, …`` fixed (type A: ``(d−1, 1)``; Arjevani & Field, arXiv 2107.10370).

**Why a rewriting is needed.**  With ``x ~ N(0, I)``,
``k(w, v) = E[relu(w·x) relu(v·x)] = ⟨w,v⟩/4 + |w||v| φ(ρ)/(2π)``,
``φ(ρ) = sqrt(1−ρ²) + ρ asin ρ``, ``ρ = ⟨w,v⟩/(|w||v|)`` (Cho & Saul 2009), so
``∇_w k(w, v) = v/4 + (|v| σ ŵ + asin(ρ) v)/(2π)``, ``σ = sqrt(1−ρ²)``, and the
gradient of ``L`` at row i, column a is

``G[i,a] = (colsum_a − 1)/4 + (1/2π)[ ŵ_i[a] S_i + Σ_j asin(ρ_ij) W[j,a] − asin(ρ_{i,e_a}) ]``,
``S_i = Σ_j |w_j| σ_ij − Σ_c σ_{i,e_c}``

(j over all rows, the term j = i being ``ρ = 1``; c over the teacher rows).  The
sums over the ``d − q`` rows of the growing block have O(d) terms of size O(1)
that cancel against the teacher sum; a ball evaluation over ``s ∈ [0, s0]``
cannot see that.  Here every term is written as an explicit power of
``s = d^{-1/2}`` times a function regular at ``s = 0``, using only exact identities:

* parameters ``θ = c + s^k β`` (offset ``c`` and power ``k`` from the family's
  series), multiplicities ``d − q = s^{-2} − q`` -- so Gram entries are
  Laurent polynomials in s whose valuation is read off exactly (sympy);
* ``|w| − 1 = (|w|² − 1)/(|w| + 1)``;
* for a pair with ``ρ → 0``: ``asin ρ = ρ·asinc(ρ)`` (``asinc(x) = asin(x)/x``,
  analytic and even), and for the big block
  ``|w_j|σ_ij − σ_{i,e_j} = (|w_j| − 1)σ_ij + (ρ_{i,e_j}² − ρ_ij²)/(σ_ij + σ_{i,e_j})``;
* for a pair with ``ρ → ±1``: ``σ = sqrt(|w|²|v|² − ⟨w,v⟩²)/(|w||v|)`` with the
  Gram determinant ``= s^{2m}·R²`` (R regular, positive), and
  ``asin ρ = ±(π/2 − σ asinc σ)``.

After this substitution each gradient entry is a polynomial in ``s, s^{-1}``
whose coefficients are polynomials in β and in *atoms* (square roots,
reciprocals and ``asinc`` of regular arguments).  sympy expands it; the
coefficients of the powers below the entry's valuation ``v`` vanish
**syntactically** (exact cancellation, e.g. ``π/2 − π/2``, of the O(d) terms --
recorded in :attr:`RegularSystem.identities`), and ``F̃_o = s^{-v_o} G_o`` is a
polynomial in s, β and the atoms: regular on ``s ∈ [0, s0]``.  Evaluated in
ball arithmetic over a box containing ``s = 0`` there is no cancellation of
large terms.  :func:`RegularSystem.evaluate` evaluates ``F̃`` (with its β-gradient)
in any number type that has ``+, ×, sqrt, 1/x`` and an ``asinc`` (mpmath here;
arb balls in :mod:`certificates.tail`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from .errors import InputError

__all__ = ["S", "asinc", "RegularSystem", "build_system", "type_a_system", "two_block_system",
           "DEFAULT_SCALINGS", "Dual", "mp_ops"]

#: The variable s = d^(-1/2).
S = sympy.Symbol("s", positive=True)


class asinc(sympy.Function):
    """``asin(x)/x`` (1 at 0): even, analytic on (−1, 1), increasing in |x|."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sympy.Integer(1)
        return None

    def _eval_rewrite_as_asin(self, x, **kwargs):
        return sympy.asin(x) / x


#: Offsets and powers ``θ = c + s^k β`` of the two-block families, read off the numerical series
#: (:mod:`landscape.asymptotics`): type A ``A1 − 1 ~ 2.5/d²``, ``A2 + 1 ~ 5.35/d``, ``B11 ~ −1.27/d²``,
#: ``B12 ~ 2/d``, ``B21 ~ 1.27/d``; for p = 2 also ``A2 ~ 1.92/d``, ``B22 + 1 ~ 5.35/d``.
DEFAULT_SCALINGS = {
    1: {("A", 0): (1, 4, 1), ("A", 1): (-1, 2, 1), ("B", 0, 0): (0, 4, -1), ("B", 0, 1): (0, 2, 1),
        ("B", 1, 0): (0, 2, 1)},
    2: {("A", 0): (1, 4, 1), ("A", 1): (0, 2, 1), ("B", 0, 0): (0, 4, -1), ("B", 0, 1): (0, 2, 1),
        ("B", 1, 0): (0, 2, 1), ("B", 1, 1): (-1, 2, 1)},
}


@dataclass
class RegularSystem:
    """``F̃(s, β) = 0``: the rescaled reduced gradient of a family, regular at s = 0.

    Attributes
    ----------
    small : tuple of int
        The fixed block sizes ``p1, …``; the family is ``(d − Σp, p1, …)``.
    keys : list of tuple
        Parameter keys (``landscape.fixed_points.Family.param_keys`` order).
    betas : list of sympy.Symbol
        The scaled unknowns, ``θ_key = offset + s^power β``.
    scaling : list of (Fraction, int)
        ``(offset, power)`` per key.
    atoms : list of (Symbol, kind, sympy expr)
        In dependency order; kind ``sqrt`` (argument > 0), ``inv`` (argument ≠ 0) or ``asinc``
        (|argument| < 1); every argument is a polynomial in s, β and earlier atoms.
    equations : list of sympy expr
        ``F̃_o``: polynomials in s (non-negative powers), β and atoms.
    valuations : list of int
        ``v_o``: ``G_o = s^{v_o} F̃_o`` (G_o the reduced gradient entry, the entry
        ``∂L/∂W[i,a]`` of a cell of orbit o).
    identities : list of str
        The exact cancellations used (one line per entry: the powers of s whose
        coefficients vanish identically).
    """

    small: tuple
    keys: list
    names: list
    betas: list
    scaling: list
    atoms: list = field(default_factory=list)
    equations: list = field(default_factory=list)
    valuations: list = field(default_factory=list)
    identities: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    signs: list = field(default_factory=list)
    limits: list = field(default_factory=list)
    conditions: list = field(default_factory=list)  # (polynomial in s, β; sign): sign(expr) = sign is needed
    loss: object = None
    loss_valuation: int | None = None
    loss_limit: object = None
    loss_identity: str | None = None

    @property
    def q(self) -> int:
        return sum(self.small)

    def limit_system(self):
        """``F̃(0, β)`` per equation (sympy, in β only): the leading-order equations."""
        return list(self.limits)

    def params_at(self, s, beta):
        """``θ = c + s^k β`` (floats or mpf): the family's parameters at d = s^(-2)."""
        return [c + s ** k * b for (c, k), b in zip(self.scaling, beta)]

    def betas_from_params(self, s, theta):
        """Inverse of :meth:`params_at`."""
        return [(t - c) / s ** k for (c, k), t in zip(self.scaling, theta)]

    def program(self):
        """Straight-line program: ``(atoms, equations)`` with sympy trees (cached)."""
        return self.atoms, self.equations

    def evaluate(self, s, beta, ops, jacobian: bool = False, wrt_s: bool = False, path=None):
        """``F̃(s, β)`` (and ``∂F̃/∂β`` with ``jacobian=True``) in the number type of ``ops``.

        Parameters
        ----------
        s : number of ``ops``
        beta : list of numbers of ``ops``
        ops : dict
            ``const(Fraction)``, ``pi``, ``sqrt``, ``inv``, ``asinc``, ``asinc2`` and their
            derivatives ``asinc_d``, ``asinc2_d`` (only with ``jacobian``).
        wrt_s : bool
            With ``jacobian``, append ``∂F̃/∂s`` as the last column.
        path : (s_m, slopes), optional
            Evaluate along ``β(s) = beta + slopes (s − s_m)`` and return ``(F̃, d/ds F̃(s, β(s)))``
            (the derivative as a one-column gradient).
        """
        n = len(self.betas) + (1 if wrt_s else 0)
        if path is not None:  # d/ds of F~(s, beta + path (s - s_m)): beta are values, path the slopes
            one = ops["const"](Fraction(1))
            s_m, slopes = path
            beta = [Dual(b + k * (s - s_m), [k], ops) for b, k in zip(beta, slopes)]
            n, jacobian = 1, True
            s_dual = Dual(s, [one], ops)
        if jacobian:
            zero = ops["const"](Fraction(0))
            gs = [zero] * n
            if wrt_s:
                gs[-1] = ops["const"](Fraction(1))
            env = {S: Dual(s, gs, ops) if path is None else s_dual}
            for t, (b, v) in enumerate(zip(self.betas, beta)):
                if isinstance(v, Dual):  # a path β(s) given by the caller
                    env[b] = v
                    continue
                g = [zero] * n
                g[t] = ops["const"](Fraction(1))
                env[b] = Dual(v, g, ops)
            lift = lambda x: Dual(x, [zero] * n, ops)  # noqa: E731
            fns = {"sqrt": lambda x: x.sqrt(), "inv": lambda x: x.inv(), "asinc": lambda x: x.asinc(),
                   "asinc2": lambda x: x.asinc2(), "def": lambda x: x}
        else:
            env = {S: s}
            env.update(zip(self.betas, beta))
            lift = lambda x: x  # noqa: E731
            fns = {k: ops[k] for k in ("sqrt", "inv", "asinc", "asinc2")}
            fns["def"] = lambda x: x
        cache = {}
        for sym, kind, arg in self.atoms:
            env[sym] = fns[kind](_eval(arg, env, ops, lift, cache))
        out = [_eval(e, env, ops, lift, cache) for e in self.equations]
        if not jacobian:
            return out
        return [o.v for o in out], [o.g for o in out]


def _eval(expr, env, ops, lift, cache):
    """Evaluate a sympy tree (Add, Mul, integer Pow, Symbol, Rational, pi) with memoisation."""
    key = expr
    if key in cache:
        return cache[key]
    if expr in env:
        out = env[expr]
    elif expr.is_Rational:
        out = lift(ops["const"](Fraction(int(expr.p), int(expr.q))))
    elif expr is sympy.pi:
        out = lift(ops["pi"])
    elif expr.is_Add:
        args = [_eval(a, env, ops, lift, cache) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = out + a
    elif expr.is_Mul:
        args = [_eval(a, env, ops, lift, cache) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = out * a
    elif expr.is_Pow and expr.exp.is_Integer:
        base = _eval(expr.base, env, ops, lift, cache)
        e = int(expr.exp)
        if e < 0:
            base = base.inv() if isinstance(base, Dual) else ops["inv"](base)
            e = -e
        out = None
        for _ in range(e):
            out = base if out is None else out * base
    elif expr.is_Pow and expr.exp.is_Rational and expr.exp.q == 2:  # b^(k/2) = sqrt(b)^k (b > 0)
        base = _eval(expr.base, env, ops, lift, cache)
        root = base.sqrt() if isinstance(base, Dual) else ops["sqrt"](base)
        out = _eval(sympy.Symbol("_") ** int(expr.exp.p), {sympy.Symbol("_"): root}, ops, lift, {})
    else:
        raise InputError(f"cannot evaluate {expr!r} in the regular system")
    cache[key] = out
    return out


class Dual:
    """First-order forward jet ``(value, gradient)`` over the numbers of ``ops``."""

    __slots__ = ("v", "g", "ops")

    def __init__(self, v, g, ops):
        self.v, self.g, self.ops = v, g, ops

    def __add__(self, o):
        return Dual(self.v + o.v, [a + b for a, b in zip(self.g, o.g)], self.ops)

    def __mul__(self, o):
        return Dual(self.v * o.v, [self.v * b + o.v * a for a, b in zip(self.g, o.g)], self.ops)

    def _chain(self, f0, f1):
        return Dual(f0, [f1 * a for a in self.g], self.ops)

    def sqrt(self):
        r = self.ops["sqrt"](self.v)
        return self._chain(r, self.ops["inv"](2 * r))

    def inv(self):
        r = self.ops["inv"](self.v)
        return self._chain(r, -(r * r))

    def asinc(self):
        return self._chain(self.ops["asinc"](self.v), self.ops["asinc_d"](self.v))

    def asinc2(self):
        return self._chain(self.ops["asinc2"](self.v), self.ops["asinc2_d"](self.v))


def asinc_coefficients(n: int) -> list[Fraction]:
    """``c_k`` with ``asinc(x) = Σ_k c_k x^{2k}``: ``c_k = C(2k, k) / (4^k (2k + 1))`` (all positive)."""
    from math import comb

    return [Fraction(comb(2 * k, k), 4 ** k * (2 * k + 1)) for k in range(n)]


def mp_ops(mp, terms: int = 80):
    """Operations for :meth:`RegularSystem.evaluate` in an mpmath context (points only).

    ``asinc``, ``asinc2 = (asinc − 1)/x²`` and their derivatives: the Taylor series (``terms``
    terms, no cancellation) for ``|x| ≤ 1/4``, the closed forms above."""
    co = [mp.mpf(c.numerator) / c.denominator for c in asinc_coefficients(terms)]

    def series(x, start, deriv):
        x2 = x * x
        tot, p = mp.mpf(0), mp.mpf(1)
        for k in range(start, terms):
            j = k - start
            if deriv:
                tot += co[k] * 2 * j * (x ** (2 * j - 1) if j else 0)
            else:
                tot += co[k] * p
                p *= x2
        return tot

    def asinc_mp(x):
        return series(x, 0, False) if abs(x) <= 0.25 else mp.asin(x) / x

    def asinc_d(x):
        return series(x, 0, True) if abs(x) <= 0.25 else (1 / mp.sqrt(1 - x * x) - mp.asin(x) / x) / x

    def asinc2(x):
        return series(x, 1, False) if abs(x) <= 0.25 else (mp.asin(x) / x - 1) / (x * x)

    def asinc2_d(x):
        return series(x, 1, True) if abs(x) <= 0.25 else (asinc_d(x) - 2 * x * asinc2(x)) / (x * x)

    return {"const": lambda q: mp.mpf(q.numerator) / q.denominator, "pi": mp.pi, "sqrt": mp.sqrt,
            "inv": lambda x: 1 / x, "asinc": asinc_mp, "asinc_d": asinc_d, "asinc2": asinc2,
            "asinc2_d": asinc2_d}


# ---------------------------------------------------------------------------- construction
def _laurent(expr):
    """``{power: coefficient}`` of an expression polynomial in s, 1/s (atoms and β opaque)."""
    e = sympy.expand(expr)
    terms = {}
    for term in sympy.Add.make_args(e):
        if term == 0:
            continue
        k, rest = 0, []
        for f in sympy.Mul.make_args(term):  # faster than as_coeff_exponent (which calls collect)
            if f is S:
                k += 1
            elif f.is_Pow and f.base is S and f.exp.is_Integer:
                k += int(f.exp)
            elif f.has(S):
                raise InputError(f"term {term} is not a monomial in s")
            else:
                rest.append(f)
        terms.setdefault(k, []).append(sympy.Mul(*rest))
    out = {k: sympy.Add(*cs) for k, cs in terms.items()}  # one Add per power: summing one by one is quadratic
    return {k: v for k, v in out.items() if v != 0}


class _Builder:
    def __init__(self, small, scaling):
        self.small = tuple(int(p) for p in small)
        self.m = 1 + len(self.small)
        self.sizes = [S ** -2 - sum(self.small)] + [sympy.Integer(p) for p in self.small]
        from .fixed_points import Family

        fam = Family((1000 - sum(self.small),) + self.small)
        self.keys = fam.param_keys
        self.names = fam.param_names
        self.betas, self.signs = [], []
        for key, name in zip(self.keys, self.names):
            if key not in scaling:
                raise InputError(f"no scaling given for parameter {key}")
            sign = scaling[key][2]
            self.signs.append(sign)
            self.betas.append(sympy.Symbol(name.lower(), positive=True) if sign > 0
                              else sympy.Symbol(name.lower(), negative=True) if sign < 0
                              else sympy.Symbol(name.lower(), real=True))
        self.scaling = []
        self.theta = {}
        for key, b in zip(self.keys, self.betas):
            c, k = scaling[key][:2]
            self.scaling.append((Fraction(c), int(k)))
            self.theta[key] = sympy.Rational(Fraction(c).numerator, Fraction(c).denominator) + S ** int(k) * b
        self.atoms = []
        self._atom_cache = {}
        self._kind = {}
        self._order = {}
        self.conditions = []
        self._expansion = {}
        self.identities = []

    # parameters and Gram entries ------------------------------------------------------------
    def A(self, l):
        return self.theta[("A", l)]

    def B(self, l, L):
        return self.theta.get(("B", l, L), sympy.Integer(0))

    def W(self, l, a_is_i, La):
        return self.A(l) if a_is_i else self.B(l, La)

    def norm2(self, l):
        return sympy.expand(self.A(l) ** 2 + sum((self.sizes[L] - int(L == l)) * self.B(l, L) ** 2
                                                 for L in range(self.m)))

    def ip_rows(self, l, L):
        """⟨w_i, w_j⟩ for rows i in block l, j ≠ i in block L."""
        c = self.A(l) * self.B(L, l) + self.B(l, L) * self.A(L)
        for L2 in range(self.m):
            c += (self.sizes[L2] - int(L2 == l) - int(L2 == L)) * self.B(l, L2) * self.B(L, L2)
        return sympy.expand(c)

    def atom(self, kind, arg):
        arg = sympy.expand(arg)
        lau = _laurent(arg)
        if lau and min(lau) < 0:
            raise InputError(f"{kind} of a non-regular argument {arg}")
        key = (kind, arg)
        if key not in self._atom_cache:
            sym = sympy.Symbol(f"_{kind}{len(self.atoms)}")
            self.atoms.append((sym, kind, arg))
            self._atom_cache[key] = sym
            self._kind[sym] = (kind, arg)
            self._order[sym] = len(self.atoms)
        return self._atom_cache[key]

    def at0(self, expr):
        """The value at s = 0 of a regular expression, as an expression in β only."""
        return self.split(expr)[0]

    def split(self, expr):
        """``expr = c0 + s^e R`` exactly: c0 an expression in β (the value at s = 0), R regular
        (a polynomial in s, β and atoms); ``(c0, None, 0)`` when expr does not depend on s."""
        lau = _laurent(expr)
        if lau and min(lau) < 0:
            raise InputError(f"{expr} is not regular at s = 0")
        c0 = lau.pop(0, sympy.Integer(0))
        atoms = sorted((a for a in sympy.sympify(c0).free_symbols if a in self._kind), key=self._order.get)
        if atoms:
            subs = {}
            for a in atoms:
                v0, e, R = self.expand_atom(a)
                subs[a] = v0 if e is None else v0 + S ** e * R
            more = _laurent(sympy.sympify(c0).xreplace(subs))
            c0 = more.pop(0, sympy.Integer(0))
            for k, c in more.items():
                lau[k] = lau.get(k, 0) + c
        lau = {k: c for k, c in lau.items() if sympy.expand(c) != 0}
        c0 = sympy.expand(c0)
        if not lau:
            return c0, None, sympy.Integer(0)
        e = min(lau)
        return c0, e, sympy.Add(*[c * S ** (k - e) for k, c in lau.items()])


    def expand_atom(self, a):
        """``a = v0 + s^e δ`` (v0 an expression in β, δ a new ``def`` atom: a regular expression),
        by the exact identities ``sqrt X − sqrt X0 = (X − X0)/(sqrt X + sqrt X0)``,
        ``1/X − 1/X0 = −(X − X0)/(X X0)``, ``asinc x − 1 = x² asinc2(x)`` (x0 = 0); a ``def`` atom
        is split like any regular expression."""
        if a in self._expansion:
            return self._expansion[a]
        kind, arg = self._kind[a]
        X0, e, R = self.split(arg)
        if kind == "def":
            out = (X0, e, R)
        elif kind == "sqrt":
            if X0 == 0:
                raise InputError(f"square root of a quantity that vanishes at s = 0: {arg}")
            v0 = sympy.sqrt(X0)
            out = (v0, e, None if e is None else R * self.atom("inv", a + v0))
        elif kind == "inv":
            if X0 == 0:
                raise InputError(f"reciprocal of a quantity that vanishes at s = 0: {arg}")
            v0 = 1 / X0
            out = (v0, e, None if e is None else -R * a * v0)
        elif kind == "asinc":
            if X0 != 0:
                raise InputError(f"asinc expanded at a non-zero point {X0}")
            out = (sympy.Integer(1), None if e is None else 2 * e,
                   None if e is None else R ** 2 * self.atom("asinc2", arg))
        else:
            raise InputError(f"cannot expand a {kind} atom at s = 0")
        if out[1] is not None:
            out = (out[0], out[1], self.atom("def", out[2]))
        self._expansion[a] = out
        return out

    # pairs -----------------------------------------------------------------------------------
    def pair(self, N_w, N_v, ip, nrm_w, nrm_v):
        """``(kind, σ, asin ρ, ρ²)`` of a pair with Gram entries N_w = |w|², N_v = |v|², ip = ⟨w,v⟩."""
        inv_w = self.atom("inv", nrm_w)
        inv_v = self.atom("inv", nrm_v) if nrm_v != 1 else sympy.Integer(1)
        ip0 = self.at0(ip)
        det = sympy.expand(N_w * N_v - ip ** 2)
        det0 = self.at0(det)
        if ip0 == 0:
            rho = ip * inv_w * inv_v
            sig = self.atom("sqrt", 1 - rho ** 2)
            return "zero", sig, rho * self.atom("asinc", rho), rho ** 2
        if det0 == 0:
            lau = _laurent(det)
            v = min(lau)
            if v % 2:
                raise InputError(f"Gram determinant {det} has odd valuation {v}: not regular")
            R = self.atom("sqrt", sympy.expand(det * S ** -v))
            sig = S ** (v // 2) * R * inv_w * inv_v
            sign = 1 if ip0 > 0 else -1
            # asin ρ = ±(π/2 − asin σ) holds for ±ρ ∈ [0, 1]: the sign of ⟨w,v⟩ is a condition
            cond = (sympy.expand(ip), sign)
            if cond not in self.conditions:
                self.conditions.append(cond)
            return "unit", sig, sign * (sympy.pi / 2 - sig * self.atom("asinc", sig)), None
        rho = ip * inv_w * inv_v
        sig = self.atom("sqrt", 1 - rho ** 2)
        return "generic", sig, rho * self.atom("asinc", rho), rho ** 2

    def phi_minus_one(self, N_w, N_v, ip, nrm_w, nrm_v):
        """``φ(ρ) − 1`` (``φ = sqrt(1−ρ²) + ρ asin ρ``): for ρ → 0 the small form
        ``ρ² (asinc ρ − 1/(1 + σ))``, otherwise ``σ + ρ asin ρ − 1``."""
        kind, sig, asin, rho2 = self.pair(N_w, N_v, ip, nrm_w, nrm_v)
        inv_w = self.atom("inv", nrm_w)
        inv_v = self.atom("inv", nrm_v) if nrm_v != 1 else sympy.Integer(1)
        rho = ip * inv_w * inv_v
        if kind == "zero":
            return rho2 * (self.atom("asinc", rho) - self.atom("inv", 1 + sig))
        return sig + rho * asin - 1

    def loss_expr(self):
        """``L`` at the point (atoms opaque): ``(1/8)Σ_L n_L (colsum_L − 1)²`` (the ⟨w,v⟩/4 part) plus
        ``(1/2π)[½(X − d)² − ½Σ n_l u_l² + Σ_l n_l b_l + ½Σ n_l c_lL |w_l||w_L| ψ_lL − Σ n_l c_lL |w_l| ψ_{l,e_L}]``
        with ``X = Σ n_l |w_l|``, ``u_l = |w_l| − 1``, ``ψ = φ − 1``, ``c_lL = n_L − [l = L]`` and the
        self terms ``b_l = (π/4)(|w_l|² + 1) − |w_l| φ(ρ_{i,e_i})`` in the form
        ``(π/4)|w_l ∓ e_i|² − |w_l|σ ± ⟨w_l,e_i⟩ σ asinc σ`` (ρ → ±1)."""
        m, n = self.m, self.sizes
        N = [self.norm2(L) for L in range(m)]
        nrm = [self.atom("sqrt", N[L]) for L in range(m)]
        lin = 0
        for L in range(m):
            colsum = self.A(L) + sum((n[L2] - int(L2 == L)) * self.B(L2, L) for L2 in range(m))
            lin += n[L] * (colsum - 1) ** 2
        u = []
        for L in range(m):
            if self.at0(N[L]) == 1:
                u.append((N[L] - 1) * self.atom("inv", nrm[L] + 1))
            elif L == 0:
                raise InputError("the rows of the growing block do not tend to unit norm")
            else:
                u.append(nrm[L] - 1)
        P = sum(n[l] * u[l] for l in range(m)) ** 2 / 2 - sum(n[l] * u[l] ** 2 for l in range(m)) / 2
        for l in range(m):
            kind, sig, _, _ = self.pair(N[l], 1, self.A(l), nrm[l], 1)
            wsig = nrm[l] * sig
            if kind == "unit":
                sign = 1 if self.at0(self.A(l)) > 0 else -1
                b = (sympy.pi / 4 * sympy.expand(N[l] - 2 * sign * self.A(l) + 1) - wsig
                     + sign * self.A(l) * sig * self.atom("asinc", sig))
            else:
                b = sympy.pi / 4 * (N[l] + 1) - nrm[l] * (1 + self.phi_minus_one(N[l], 1, self.A(l), nrm[l], 1))
            P += n[l] * b
            for L in range(m):
                cnt = n[L] - int(L == l)
                if cnt == 0:
                    continue
                P += n[l] * cnt * nrm[l] * nrm[L] * self.phi_minus_one(N[l], N[L], self.ip_rows(l, L),
                                                                        nrm[l], nrm[L]) / 2
                P -= n[l] * cnt * nrm[l] * self.phi_minus_one(N[l], 1, self.B(l, L), nrm[l], 1)
        return lin / 8 + P / (2 * sympy.pi)

    def reduce(self, E, label):
        """``E = s^v F̃`` with the coefficients below s^v vanishing identically: ``(F̃, v, F̃(0), note)``."""
        lau = _laurent(E)
        dropped = []
        while True:
            if not lau:
                raise InputError(f"{label} vanishes identically")
            v = min(lau)
            c0, e, R = self.split(lau[v])
            if c0 != 0:
                break
            dropped.append(v)
            del lau[v]
            if e is not None:
                for k, c in _laurent(S ** (v + e) * R).items():
                    lau[k] = lau.get(k, 0) + c
                lau = {k: c for k, c in lau.items() if sympy.expand(c) != 0}
        note = (f"{label} = s^{v} F~ (the coefficients of s^k, k < {v}, vanish identically"
                + (f"; those of s^{dropped} after expanding the atoms at s = 0" if dropped else "")
                + f"; F~(0) = {sympy.sstr(c0)})")
        return sympy.Add(*[c * S ** (k - v) for k, c in lau.items()]), v, c0, note

    # the gradient entry ----------------------------------------------------------------------
    def grad_entry(self, key):
        """``∂L/∂W[i,a]`` at a representative cell of the orbit of ``key`` (sympy, atoms opaque)."""
        l = key[1]
        a_is_i = key[0] == "A"
        La = l if a_is_i else key[2]
        m, n = self.m, self.sizes
        N = [self.norm2(L) for L in range(m)]
        nrm = [self.atom("sqrt", N[L]) for L in range(m)]
        inv_l = self.atom("inv", nrm[l])
        # column sum of W at column a
        colsum = self.A(La) + sum((n[L] - int(L == La)) * self.B(L, La) for L in range(m))
        Wia = self.W(l, a_is_i, La)
        Ssum = 0
        T3 = sympy.pi / 2 * Wia  # j = i: ρ = 1
        for L in range(m):
            cnt = n[L] - int(L == l)
            if cnt == 0:
                continue
            kind_r, sig_r, asin_r, rho2_r = self.pair(N[l], N[L], self.ip_rows(l, L), nrm[l], nrm[L])
            kind_t, sig_t, _, rho2_t = self.pair(N[l], 1, self.B(l, L), nrm[l], 1)
            both_zero = kind_r == "zero" and kind_t == "zero" and self.at0(N[L]) == 1
            if L == 0 and not both_zero:
                raise InputError("a row of the growing block is not asymptotically orthogonal to row i, "
                                 "or the rows of the growing block do not tend to unit norm")
            if both_zero:  # |w_L| σ_r − σ_t with both σ → 1: the difference form
                nm1 = (N[L] - 1) * self.atom("inv", nrm[L] + 1)
                D = nm1 * sig_r + (rho2_t - rho2_r) * self.atom("inv", sig_r + sig_t)
            else:
                D = nrm[L] * sig_r - sig_t
            Ssum += cnt * D
            # Σ_{j in class} W[j, a]
            eq = 1 if (La == L and not a_is_i) else 0
            T3 += asin_r * (eq * self.A(L) + (cnt - eq) * self.B(L, La))
        _, sig_self, _, _ = self.pair(N[l], 1, self.A(l), nrm[l], 1)
        Ssum -= sig_self
        if a_is_i:
            _, _, asin_ia, _ = self.pair(N[l], 1, self.A(l), nrm[l], 1)
        else:
            _, _, asin_ia, _ = self.pair(N[l], 1, self.B(l, La), nrm[l], 1)
        G = (colsum - 1) / 4 + (Wia * inv_l * Ssum + T3 - asin_ia) / (2 * sympy.pi)
        return G

    def column_block(self, key):
        return key[1] if key[0] == "A" else key[2]

    def build(self) -> RegularSystem:
        """Entries combined per column block (``G_o − G_pivot``: the common term ``(colsum − 1)/4``
        cancels; a unit-triangular change of equations, same zeros), then ``F̃_o = s^{-v_o} E_o``
        with the coefficients below ``s^{v_o}`` vanishing identically."""
        G = [self.grad_entry(key) for key in self.keys]
        pivot = {}
        for t, key in enumerate(self.keys):
            pivot.setdefault(self.column_block(key), t)
        eqs, vals, labels, limits = [], [], [], []
        for t, (key, name) in enumerate(zip(self.keys, self.names)):
            piv = pivot[self.column_block(key)]
            E = G[t] if piv == t else G[t] - G[piv]
            label = f"dL/d{name}" if piv == t else f"dL/d{name} - dL/d{self.names[piv]}"
            F, v, c0, note = self.reduce(E, label)
            eqs.append(F)
            vals.append(v)
            labels.append(label)
            limits.append(c0)
            self.identities.append(note)
        loss, loss_v, loss0, loss_note = self.reduce(self.loss_expr(), "L")
        sysm = RegularSystem(self.small, self.keys, self.names, self.betas, self.scaling, self.atoms, eqs, vals,
                             self.identities)
        sysm.labels = labels
        sysm.signs = self.signs
        sysm.limits = limits
        sysm.conditions = self.conditions
        sysm.loss = loss
        sysm.loss_valuation = loss_v
        sysm.loss_limit = loss0
        sysm.loss_identity = loss_note
        return sysm


def build_system(small, scaling) -> RegularSystem:
    """The regular rescaled system of the family ``(d − Σ small, *small)`` with the given scaling.

    Raises
    ------
    InputError
        When a term cannot be made regular by the rewritings (the scaling does not fit the
        family, or a pair is not asymptotically orthogonal/parallel as the rewritings need).
    """
    return _Builder(small, scaling).build()


_CACHE: dict = {}


def two_block_system(p: int) -> RegularSystem:
    """The system of ``Δ(S_{d−p}×S_p)`` (p = 1: type A; p = 2) with :data:`DEFAULT_SCALINGS` (cached)."""
    if p not in DEFAULT_SCALINGS:
        raise InputError(f"no scaling is known for Δ(S_(d-{p})×S_{p}) (p = 1, 2 only)")
    if p not in _CACHE:
        _CACHE[p] = build_system((p,), DEFAULT_SCALINGS[p])
    return _CACHE[p]


def type_a_system() -> RegularSystem:
    """:func:`two_block_system` for p = 1 (type A)."""
    return two_block_system(1)
