"""Rigorous ball arithmetic (python-flint ``arb``) behind the number-context interface.

The simplest call:

>>> import numpy as np
>>> from certificates.arb_context import ArbContext
>>> from landscape.loss import loss
>>> ctx = ArbContext(128)
>>> with ctx.working():                          # flint's working precision: 128 bits
...     L = loss(np.eye(3, dtype=int), ctx=ctx)     # the global minimum: L = 0
>>> bool(L.contains(0)) and L.rad() < 1e-30
True

:class:`ArbContext` implements the interface of ``landscape.backends``
(``asarray, number, sqrt, atan2, sin, cos, pi, zero, one, eye, zeros, norm,
angle, is_zero``) with numpy object arrays of ``flint.arb`` balls, so the one
formula of ``landscape.kernel`` / ``landscape.loss`` yields *enclosures*: every
ball returned contains the exact value of the loss (gradient, Hessian entry)
for every input inside the input balls.

Rules that keep this rigorous:

* ``number`` converts a :class:`fractions.Fraction`, an int, a float (exactly) or
  a decimal string (read as an exact rational) into a ball containing it;
* squares are formed by :func:`square`, which never dips below 0 (``x*x`` of a
  ball straddling 0 would; ``x**2`` of such a ball is NaN in flint 0.9);
* ``sqrt`` of a ball straddling 0 takes the square root of its non-negative
  part (the exact argument is a square or a sum of squares, hence >= 0); a
  ball entirely below 0 gives NaN, never a number;
* ``is_zero(x)`` means "x is exactly 0" (zero midpoint and zero radius), never
  "x may be 0": the kernel's exact-zero branches (parallel rows) are taken
  only when parallelism is exact;
* a ball that cannot be bounded (division by a ball containing 0) becomes
  NaN/infinite; every certificate check (:mod:`certificates.verdict`) treats a
  non-finite ball as "not proved".

Precision: flint works at the global ``flint.ctx.prec``; :meth:`ArbContext.working`
sets it for a computation.  A ball computed at a lower precision is still an
enclosure (only wider), so precision never affects correctness.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

import flint
import numpy as np

from landscape.backends import Context

__all__ = ["ArbContext", "arb_number", "square", "is_finite_ball", "to_arb_mat", "from_arb_mat"]


def arb_number(x) -> flint.arb:
    """A ball containing the exact value of ``x`` (Fraction, int, float, decimal string, arb).

    Floats are binary rationals and convert exactly; decimal strings are read
    as exact rationals (``"0.1"`` is 1/10, not the double nearest it).

    >>> arb_number("0.1").contains(flint.fmpq(1, 10))
    True
    """
    if isinstance(x, flint.arb):
        return x
    if isinstance(x, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(x, (int, np.integer)):
        return flint.arb(int(x))
    if isinstance(x, (float, np.floating)):
        q = Fraction(float(x))
    elif isinstance(x, str):
        q = Fraction(x.strip())
    elif isinstance(x, Fraction):
        q = x
    else:
        try:  # mpmath mpf: exact binary value
            man, exp = x.man_exp
            q = Fraction(int(man)) * Fraction(2) ** int(exp)
        except AttributeError:
            raise TypeError(f"cannot make a ball of {x!r}") from None
    if q.denominator == 1:
        return flint.arb(q.numerator)
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def square(x: flint.arb) -> flint.arb:
    """``x²`` as a ball inside ``[0, ∞)`` (rigorous also when ``x`` straddles 0)."""
    if x.contains(0) and not x.is_zero():
        u = x.abs_upper()
        return flint.arb(0, u * u).nonnegative_part()
    return x * x


def _sqrt(x: flint.arb) -> flint.arb:
    if x.is_finite() and x.lower() < 0 <= x.upper():
        return x.nonnegative_part().sqrt()
    return x.sqrt()


def is_finite_ball(x) -> bool:
    """True when ``x`` is a finite ball (not NaN, not infinite radius)."""
    return isinstance(x, flint.arb) and x.is_finite()


def to_arb_mat(A) -> flint.arb_mat:
    """numpy object array (2-D) of balls/numbers -> ``flint.arb_mat``."""
    A = np.asarray(A, dtype=object)
    n, m = A.shape
    return flint.arb_mat(n, m, [arb_number(x) for x in A.ravel()])


def from_arb_mat(M: flint.arb_mat) -> np.ndarray:
    """``flint.arb_mat`` -> numpy object array of balls."""
    out = np.empty((M.nrows(), M.ncols()), dtype=object)
    for i in range(M.nrows()):
        for j in range(M.ncols()):
            out[i, j] = M[i, j]
    return out


class ArbContext(Context):
    """numpy object arrays of ``flint.arb`` balls at ``prec`` bits: rigorous enclosures.

    Parameters
    ----------
    prec : int
        Working precision in bits (default 128, about 38 digits).

    Examples
    --------
    >>> ctx = ArbContext(64)
    >>> x = ctx.asarray(["0.5", "-0.25"])
    >>> n = ctx.norm(x[None, :], axis=1)[0]
    >>> (n * n).contains(flint.fmpq(5, 16))
    True
    >>> ctx.is_zero(flint.arb(0, 1e-20)), ctx.is_zero(flint.arb(0))
    (False, True)
    """

    exact = False

    def __init__(self, prec: int = 128):
        self.prec = int(prec)
        self.digits = int(self.prec * 0.30103)
        self.name = f"arb({self.prec} bits)"
        with self.working():
            self.pi = flint.arb.pi()
        self.zero = flint.arb(0)
        self.one = flint.arb(1)
        self._conv = np.frompyfunc(arb_number, 1, 1)
        self._sqrt = np.frompyfunc(_sqrt, 1, 1)
        self._square = np.frompyfunc(square, 1, 1)
        self._atan2 = np.frompyfunc(flint.arb.atan2, 2, 1)
        self._sin = np.frompyfunc(lambda x: x.sin(), 1, 1)
        self._cos = np.frompyfunc(lambda x: x.cos(), 1, 1)

    @contextlib.contextmanager
    def working(self):
        """Set ``flint.ctx.prec`` to this context's precision for a block of code."""
        old = flint.ctx.prec
        flint.ctx.prec = self.prec
        try:
            yield self
        finally:
            flint.ctx.prec = old

    def number(self, x):
        return arb_number(x)

    def asarray(self, x):
        a = np.asarray(x, dtype=object)
        return self._conv(a) if a.ndim else arb_number(a.item())

    def sqrt(self, x):
        return self._sqrt(x) if isinstance(x, np.ndarray) else _sqrt(x)

    def atan2(self, y, x):
        return self._atan2(y, x)

    def sin(self, x):
        return self._sin(x)

    def cos(self, x):
        return self._cos(x)

    def norm(self, X, axis=-1):
        """Euclidean norm as the square root of a sum of :func:`square` (never NaN for a ball at 0)."""
        return self.sqrt(self._square(X).sum(axis=axis))

    def is_zero(self, x) -> bool:
        """Exactly zero (zero midpoint, zero radius) -- never "contains zero"."""
        return isinstance(x, flint.arb) and x.is_zero()
