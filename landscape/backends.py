"""Number contexts: one formula, several kinds of numbers.

The simplest call:

>>> from landscape.backends import FLOAT, mp_context
>>> FLOAT.sqrt(FLOAT.asarray([4.0]))
array([2.])
>>> ctx = mp_context(30)
>>> ctx.mp.nstr(ctx.pi, 30)
'3.14159265358979323846264338328'

As in mpmath, where one implementation of a special function serves the
``fp``, ``mp`` and ``iv`` contexts, every formula of this package (kernel,
loss, gradient, Hessian) is written once against the small interface below and
evaluated with whatever numbers the context supplies:

* :data:`FLOAT` -- numpy float64 arrays (fast, vectorised, rounded);
* :func:`mp_context` -- numpy object arrays of ``mpmath.mpf`` at a chosen
  number of significant digits (rounded, but as precise as asked);
* :data:`SYMPY` -- numpy object arrays of sympy expressions (exact, symbolic).

A context for rigorous balls (python-flint ``arb``) lives in
``certificates``; it implements the same interface.

Exactness is part of the type: arrays produced under :data:`FLOAT` have
``dtype=float64``; under the other contexts ``dtype=object`` with the
context's own number type, never a mixture.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

__all__ = ["Context", "FloatContext", "MPContext", "SymPyContext", "FLOAT", "SYMPY", "mp_context"]


class Context:
    """Interface of a number context (documentation and shared helpers).

    Attributes
    ----------
    name : str
    exact : bool
        True when arithmetic is exact (sympy).
    pi, zero, one : numbers of the context
    """

    name = "abstract"
    exact = False

    def asarray(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def elementwise(self, fn, *arrays):
        """Apply a scalar function entrywise (object arrays)."""
        return np.frompyfunc(fn, len(arrays), 1)(*arrays)

    def norm(self, X, axis=-1):
        """Euclidean norm along ``axis`` computed as sqrt of a sum of squares."""
        return self.sqrt((X * X).sum(axis=axis))

    def angle(self, UA, UB):
        """Angles between unit rows ``UA[i]`` and ``UB[j]``: returns ``(theta, sin, cos)``
        arrays of shape (k, n).

        Default (float, mpmath): Kahan's formula
        ``theta = 2 atan2(|u - v|, |u + v|)``, accurate to a few ulps for every
        angle including 0 and pi, where ``acos(u . v)`` loses half the digits.
        """
        D = UA[:, None, :] - UB[None, :, :]
        S = UA[:, None, :] + UB[None, :, :]
        theta = 2 * self.atan2(self.norm(D), self.norm(S))
        return theta, self.sin(theta), self.cos(theta)

    def is_zero(self, x) -> bool:
        return x == 0

    def eye(self, d):
        out = np.empty((d, d), dtype=object)
        out[...] = self.zero
        for i in range(d):
            out[i, i] = self.one
        return out

    def zeros(self, shape):
        out = np.empty(shape, dtype=object)
        out[...] = self.zero
        return out


class FloatContext(Context):
    """numpy float64: vectorised, rounded to double precision."""

    name = "float64"
    exact = False
    pi = math.pi
    zero = 0.0
    one = 1.0
    digits = 15

    def asarray(self, x):
        return np.asarray(x, dtype=float)

    def number(self, x):
        return float(x)

    sqrt = staticmethod(np.sqrt)
    atan2 = staticmethod(np.arctan2)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)

    def norm(self, X, axis=-1):
        return np.linalg.norm(X, axis=axis)

    def eye(self, d):
        return np.eye(d)

    def zeros(self, shape):
        return np.zeros(shape)


class ObjectArrayContext(Context):
    """Shared plumbing of the contexts whose numbers live in numpy object arrays:
    a subclass sets ``_sqrt, _atan2, _sin, _cos`` (entrywise ufuncs from
    ``np.frompyfunc``), ``_conv`` and ``number``."""

    def asarray(self, x):
        a = np.asarray(x, dtype=object)
        return self._conv(a) if a.ndim else self.number(a.item())

    def sqrt(self, x):
        return self._sqrt(x)

    def atan2(self, y, x):
        return self._atan2(y, x)

    def sin(self, x):
        return self._sin(x)

    def cos(self, x):
        return self._cos(x)


class MPContext(ObjectArrayContext):
    """numpy object arrays of ``mpmath.mpf`` at ``digits`` significant digits
    (computed with ``guard`` extra digits)."""

    exact = False

    def __init__(self, digits: int = 50, guard: int = 10):
        self.digits = int(digits)
        self.mp = mpmath.MPContext()
        self.mp.dps = self.digits + guard
        self.name = f"mpmath({self.digits} digits)"
        self.pi = +self.mp.pi
        self.zero = self.mp.mpf(0)
        self.one = self.mp.mpf(1)
        self._sqrt = np.frompyfunc(self.mp.sqrt, 1, 1)
        self._atan2 = np.frompyfunc(self.mp.atan2, 2, 1)
        self._sin = np.frompyfunc(self.mp.sin, 1, 1)
        self._cos = np.frompyfunc(self.mp.cos, 1, 1)
        self._conv = np.frompyfunc(self.number, 1, 1)

    def number(self, x):
        from fractions import Fraction

        if isinstance(x, Fraction):
            return self.mp.mpf(x.numerator) / x.denominator
        if isinstance(x, str):
            return self.mp.mpf(x)
        return self.mp.mpf(x)



class SymPyContext(ObjectArrayContext):
    """numpy object arrays of sympy expressions (exact and symbolic).

    Angles use ``acos`` of the cosine, which is the form a person writes; the
    accuracy concern that makes the numeric contexts use Kahan's formula does
    not arise in exact arithmetic.
    """

    name = "sympy"
    exact = True
    digits = None

    def __init__(self):
        import sympy

        self.sp = sympy
        self.pi = sympy.pi
        self.zero = sympy.Integer(0)
        self.one = sympy.Integer(1)
        self._sqrt = np.frompyfunc(sympy.sqrt, 1, 1)
        self._acos = np.frompyfunc(sympy.acos, 1, 1)
        self._atan2 = np.frompyfunc(sympy.atan2, 2, 1)
        self._sin = np.frompyfunc(sympy.sin, 1, 1)
        self._cos = np.frompyfunc(sympy.cos, 1, 1)
        self._conv = np.frompyfunc(sympy.sympify, 1, 1)

    def number(self, x):
        from fractions import Fraction

        if isinstance(x, Fraction):
            return self.sp.Rational(x.numerator, x.denominator)
        return self.sp.sympify(x)

    def angle(self, UA, UB):
        # cancel() turns a self-pair's cosine into exactly 1, so that the
        # self-terms K(w, w) = |w|^2/2 differentiate without 0 * infinity
        c = np.frompyfunc(self.sp.cancel, 1, 1)((UA[:, None, :] * UB[None, :, :]).sum(axis=-1))
        s = self._sqrt(1 - c * c)
        return self._acos(c), s, c


FLOAT = FloatContext()
SYMPY = SymPyContext()

_MP_CACHE: dict[int, MPContext] = {}


def mp_context(digits: int = 50) -> MPContext:
    """The mpmath context giving ``digits`` correct significant digits
    (cached per precision)."""
    if digits not in _MP_CACHE:
        _MP_CACHE[digits] = MPContext(digits)
    return _MP_CACHE[digits]
