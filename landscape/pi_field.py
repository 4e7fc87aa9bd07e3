"""Exact arithmetic in ``Q(π)`` and ``Q(√2)(π)`` on python-flint polynomials.

The simplest call:

>>> import sympy
>>> from landscape.pi_field import PiField
>>> K = PiField()
>>> x = K.from_sympy((2 + sympy.pi) / sympy.pi)
>>> sympy.simplify(K.to_sympy(x * x - K.one) - 4 * (1 + sympy.pi) / sympy.pi**2)
0

The series of :mod:`landscape.exact_series` and :mod:`landscape.eigen_series` have
coefficients in the field of rational functions of π over ``Q`` (or ``Q(√2)``):
π is transcendental, so it is an indeterminate and every identity found there
holds as an identity of real numbers.  sympy's own fraction field
(``QQ.frac_field(pi)``) cancels with a heuristic gcd that gives up on large
coefficients (``HeuristicGCDFailed``, met at order 7 of type A's series) and is
slow; here an element is ``num/den`` with ``num, den`` python-flint ``fmpq_poly``
in π, kept canonical (``gcd(num, den) = 1``, ``den`` monic) with FLINT's exact gcd.
``Q(√2)(π)`` elements are pairs ``a + b√2`` with ``a, b`` in ``Q(π)``.

Elements support ``+ − × /``, integer and Fraction operands, ``==`` and truth
(non-zero); the field object has ``zero``, ``one``, ``from_sympy``, ``to_sympy``
(the interface of a sympy domain used by :class:`landscape.exact_series._Ser`).
"""

from __future__ import annotations

from fractions import Fraction

import flint
import sympy

__all__ = ["PiField", "PI"]

#: The indeterminate that stands for π in sympy expressions handed to :meth:`PiField.from_sympy`.
PI = sympy.Symbol("PI", positive=True)


def _poly(v) -> flint.fmpq_poly:
    if isinstance(v, Fraction):
        return flint.fmpq_poly([flint.fmpq(v.numerator, v.denominator)])
    return flint.fmpq_poly([v])


class _Ops:
    """The operations both element types derive from ``_lift``, ``+``, unary ``−``, ``×`` and
    ``inverse``."""

    __slots__ = ()

    def __radd__(self, o):
        return self + o

    def __rmul__(self, o):
        return self * o

    def __sub__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return o
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __truediv__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return o
        return self * o.inverse()

    def __rtruediv__(self, o):
        return self._lift(o) * self.inverse()


class QPi(_Ops):
    """``num/den`` in ``Q(π)``; products and quotients are reduced (``gcd = 1``, ``den`` monic),
    sums are not (:meth:`reduced` gives the canonical form)."""

    __slots__ = ("num", "den")

    def __init__(self, num, den=None, canonical: bool = False):
        if den is None:
            self.num, self.den = num, flint.fmpq_poly([1])
            return
        if not canonical:
            if den == 0:
                raise ZeroDivisionError("division by zero in Q(pi)")
            if num == 0:
                num, den = flint.fmpq_poly([]), flint.fmpq_poly([1])
            else:
                if den.degree() > 0:
                    g = num.gcd(den)
                    if g.degree() > 0:
                        num, den = num // g, den // g
                lc = den[den.degree()]
                if lc != 1:
                    num, den = num / lc, den / lc
        self.num, self.den = num, den

    @staticmethod
    def _lift(o):
        if isinstance(o, QPi):
            return o
        if isinstance(o, (int, Fraction)):
            return QPi(_poly(o))
        return NotImplemented

    def __add__(self, o):
        # a sum over one denominator is left unreduced (no gcd; its degree does not grow): the
        # next product or quotient reduces it, and equality cross-multiplies
        o = self._lift(o)
        if o is NotImplemented:
            return o
        if not o.num:
            return self
        if not self.num:
            return o
        if self.den == o.den:
            return QPi(self.num + o.num, self.den, canonical=True)
        return QPi(self.num * o.den + o.num * self.den, self.den * o.den)

    def __neg__(self):
        return QPi(-self.num, self.den, canonical=True)

    def __mul__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return o
        if not self.num or not o.num:
            return QPi(flint.fmpq_poly([]))
        return QPi(self.num * o.num, self.den * o.den)

    def inverse(self) -> "QPi":
        if not self.num:
            raise ZeroDivisionError("division by zero in Q(pi)")
        return QPi(self.den, self.num)

    def __bool__(self):
        return bool(self.num)

    def __eq__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return False
        return self.num * o.den == o.num * self.den

    def reduced(self) -> "QPi":
        """The canonical form (``gcd(num, den) = 1``, ``den`` monic)."""
        return QPi(self.num, self.den)

    def __hash__(self):
        r = self.reduced()
        return hash((str(r.num), str(r.den)))

    def __repr__(self):
        return f"({self.num})/({self.den})"


class QPiR2(_Ops):
    """``a + b√2`` with ``a, b`` in ``Q(π)``."""

    __slots__ = ("a", "b")

    def __init__(self, a: QPi, b: QPi):
        self.a, self.b = a, b

    @staticmethod
    def _lift(o):
        if isinstance(o, QPiR2):
            return o
        if isinstance(o, (int, Fraction, QPi)):
            return QPiR2(QPi._lift(o), QPi(flint.fmpq_poly([])))
        return NotImplemented

    def __add__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return o
        return QPiR2(self.a + o.a, self.b + o.b)

    def __neg__(self):
        return QPiR2(-self.a, -self.b)

    def __mul__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return o
        return QPiR2(self.a * o.a + 2 * (self.b * o.b), self.a * o.b + self.b * o.a)

    def inverse(self) -> "QPiR2":
        n = self.a * self.a - 2 * (self.b * self.b)  # ≠ 0 unless a = b = 0: √2 is irrational
        return QPiR2(self.a / n, -self.b / n)

    def __bool__(self):
        return bool(self.a) or bool(self.b)

    def __eq__(self, o):
        o = self._lift(o)
        if o is NotImplemented:
            return False
        return self.a == o.a and self.b == o.b

    def __hash__(self):
        return hash((self.a, self.b))

    def __repr__(self):
        return f"{self.a!r} + {self.b!r}*sqrt(2)"


def _qpi_from_sympy(expr) -> QPi:
    num, den = sympy.fraction(sympy.together(expr))
    out = []
    for part in (num, den):
        poly = sympy.Poly(sympy.expand(part), PI, domain=sympy.QQ)
        coeffs = [Fraction(int(c.p), int(c.q)) for c in reversed(poly.all_coeffs())]
        out.append(flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in coeffs]))
    return QPi(out[0], out[1])


def _qpi_to_sympy(x: QPi, symbol):
    x = x.reduced()

    def conv(p):
        return sum((sympy.Rational(int(c.p), int(c.q)) * symbol ** i for i, c in enumerate(p.coeffs())),
                   sympy.Integer(0))

    return sympy.factor(conv(x.num) / conv(x.den))


class PiField:
    """``Q(π)`` (``sqrt2=False``) or ``Q(√2)(π)``; π is written ``PI`` in sympy input (``sympy.pi``
    is accepted too) and ``sympy.pi`` in output."""

    def __init__(self, sqrt2: bool = False):
        self.sqrt2 = sqrt2
        zero, one = QPi(flint.fmpq_poly([])), QPi(flint.fmpq_poly([1]))
        self.zero = QPiR2(zero, zero) if sqrt2 else zero
        self.one = QPiR2(one, zero) if sqrt2 else one

    def __repr__(self):
        return "QQ<sqrt(2)>(pi) [flint]" if self.sqrt2 else "QQ(pi) [flint]"

    def from_sympy(self, expr):
        """The element of a sympy expression rational in π (and √2 when ``sqrt2``)."""
        expr = sympy.sympify(expr).subs(sympy.pi, PI)
        if not self.sqrt2:
            if expr.has(sympy.sqrt(2)):
                raise ValueError(f"{expr} is not in Q(pi)")
            return _qpi_from_sympy(expr)
        r = sympy.Symbol("_r2")
        e = sympy.expand(expr.subs(sympy.sqrt(2), r))
        num, den = sympy.fraction(sympy.together(e))
        # a + b r with r² = 2: reduce numerator and denominator, then rationalise the denominator
        def split(poly_expr):
            q = sympy.Poly(sympy.expand(poly_expr), r)
            rem = q.rem(sympy.Poly(r ** 2 - 2, r))
            c = dict(zip(rem.monoms(), rem.coeffs()))
            return c.get((0,), sympy.Integer(0)), c.get((1,), sympy.Integer(0))
        na, nb = split(num)
        da, db = split(den)
        top = QPiR2(_qpi_from_sympy(na), _qpi_from_sympy(nb))
        bot = QPiR2(_qpi_from_sympy(da), _qpi_from_sympy(db))
        if any(x.has(r) for x in (na, nb, da, db)):
            raise ValueError(f"{expr} is not in Q(sqrt2)(pi)")
        return top / bot

    def to_sympy(self, x, symbol=sympy.pi):
        """A sympy expression (factored) of an element; π as ``symbol``."""
        if isinstance(x, QPiR2):
            return sympy.factor(_qpi_to_sympy(x.a, symbol) + sympy.sqrt(2) * _qpi_to_sympy(x.b, symbol))
        return _qpi_to_sympy(x, symbol)

    def to_mpf(self, x, pi_value):
        """The value of an element at π = ``pi_value`` (an mpmath number)."""
        import mpmath

        def ev(q: QPi):
            def pv(p):
                return sum((mpmath.mpf(int(c.p)) / int(c.q) * pi_value ** i for i, c in enumerate(p.coeffs())),
                           mpmath.mpf(0))
            return pv(q.num) / pv(q.den)

        if isinstance(x, QPiR2):
            return ev(x.a) + mpmath.sqrt(2) * ev(x.b)
        return ev(x)
