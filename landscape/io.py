"""Reading and writing points (student weights, teacher, second layers).

The simplest call:

>>> from landscape.io import Point
>>> p = Point.from_arrays([[1.0, 0.0], [0.0, 1.0]])
>>> p.k, p.d, p.n
(2, 2, 2)

A point on disk is a ``.json`` file ``{"W": [[...]], "V": [[...]]?,
"alpha": [...]?, "beta": [...]?}`` (entries are numbers or decimal strings;
strings keep full precision), a ``.npy`` 2-D array or a ``.csv`` file (``W``
alone).  ``V`` defaults to ``I_d``, ``alpha`` and ``beta`` to ones.
Convention: **rows are neurons** (``W`` is ``k x d``).

Exactness is part of the type: :class:`Point` keeps every entry as an exact
:class:`fractions.Fraction` (a decimal string or a binary float converts
exactly); :meth:`Point.as_float` gives numpy float64 arrays and
:meth:`Point.as_mp` mpmath numbers at the working precision.  A point read
from binary floats (``.npy``) keeps its float64 array and builds the
Fractions on first access of :attr:`Point.W` / :attr:`Point.V` (the same
values, later): float consumers never pay for them.  A point read from
decimal text (``.csv``, ``.json``) is validated and rounded to float64 (each
entry ``float(text)``, correctly rounded, the same as ``float(Fraction(text))``)
at once, and keeps its text for the exact Fractions, also built on first access.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["Point", "read_point", "write_point", "to_fraction", "atomic_write_text", "strict_json_load",
           "StagedOutputs", "MAX_DIGITS", "MAX_EXPONENT", "MAX_JSON_DEPTH", "MAX_FILE_BYTES"]

#: Largest number of digits accepted in one number (mantissa), and largest
#: decimal exponent: exact conversion of ``"1e999999999"`` would expand 10^exp.
MAX_DIGITS = 4000
MAX_EXPONENT = 4000
#: Deepest nesting accepted in a JSON file (points and certificates need < 10).
MAX_JSON_DEPTH = 64
#: Largest input file read (bytes).
MAX_FILE_BYTES = 200 * 2**20

_DECIMAL = re.compile(r"^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$")
_RATIONAL = re.compile(r"^[+-]?\d+\s*/\s*[+-]?\d+$")


def short(x, limit: int = 40) -> str:
    """``repr(x)`` cut to ``limit`` characters (error messages stay one short line)."""
    r = repr(x)
    return r if len(r) <= limit else r[: limit - 5] + "...(" + str(len(r)) + " chars)"


def _check_number_text(s: str, where: str) -> None:
    """Refuse decimal / rational strings whose exact value is too large to expand."""
    m = _DECIMAL.match(s)
    if m:
        digits = len(m.group(1) or "") + len(m.group(2) or "") + len(m.group(3) or "")
        exp_text = m.group(4)
        if exp_text is not None and len(exp_text.lstrip("+-")) > 6:
            raise InputError(f"{where}: exponent of {short(s)} is out of range (|exponent| <= {MAX_EXPONENT})")
        exp = int(exp_text) if exp_text is not None else 0
        if abs(exp) > MAX_EXPONENT:
            raise InputError(f"{where}: exponent {exp} of {short(s)} is out of range (|exponent| <= {MAX_EXPONENT})")
        if digits > MAX_DIGITS:
            raise InputError(f"{where}: {short(s)} has {digits} digits (at most {MAX_DIGITS})")
        return
    if _RATIONAL.match(s) and len(s) > 2 * MAX_DIGITS + 3:
        raise InputError(f"{where}: {short(s)} is too long (at most {MAX_DIGITS} digits above and below the bar)")


def to_fraction(x, where: str = "entry") -> Fraction:
    """Exact rational value of a number or decimal string.

    Returns
    -------
    Fraction
        Exact: ``0.1`` given as a float is the binary double nearest 0.1,
        given as the string ``"0.1"`` it is exactly 1/10.

    Raises
    ------
    InputError
        For NaN, infinities, booleans and anything that is not a number.

    Examples
    --------
    >>> to_fraction("0.1")
    Fraction(1, 10)
    >>> to_fraction(0.5)
    Fraction(1, 2)
    """
    if isinstance(x, bool) or x is None:
        raise InputError(f"{where} is {x!r}, not a number")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        if isinstance(x, int) and x.bit_length() > 3.33 * MAX_DIGITS:
            raise InputError(f"{where} is an integer with more than {MAX_DIGITS} digits")
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)):
            raise InputError(f"{where} is {x}, not a finite number")
        return Fraction(float(x))
    if isinstance(x, str):
        s = x.strip()
        _check_number_text(s, where)
        try:
            f = Fraction(s)
        except (ValueError, ZeroDivisionError):
            low = s.lower().lstrip("+-")
            if low in ("nan", "inf", "infinity"):
                raise InputError(f"{where} is {short(x)}, not a finite number") from None
            raise InputError(f"{where} is {short(x)}, not a number") from None
        return f
    # mpmath mpf, sympy Rational/Float and similar: go through a decimal string
    try:
        import mpmath

        if isinstance(x, mpmath.mpf):
            if not mpmath.isfinite(x):
                raise InputError(f"{where} is {x}, not a finite number")
            man, exp = x.man_exp
            if abs(int(exp)) > 4 * MAX_EXPONENT:
                raise InputError(f"{where} = {mpmath.nstr(x, 5)} is out of range (|exponent| <= {MAX_EXPONENT})")
            return Fraction(int(man)) * (Fraction(2) ** int(exp))
    except ImportError:  # pragma: no cover
        pass
    try:
        import sympy

        if isinstance(x, sympy.Basic):
            r = sympy.nsimplify(x, rational=True) if not x.is_Rational else x
            return Fraction(int(r.p), int(r.q))
    except ImportError:  # pragma: no cover
        pass
    raise InputError(f"{where} is {short(x)}, not a number")


def _matrix(rows, name: str) -> np.ndarray:
    """Object array of Fractions from a nested list; checks it is a 2-D matrix."""
    if isinstance(rows, np.ndarray):
        if rows.ndim != 2:
            raise InputError(f"{name} must be a 2-D matrix, got an array with {rows.ndim} dimensions")
        rows = rows.tolist()
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InputError(f"{name} must be a non-empty list of rows")
    if not all(isinstance(r, (list, tuple, np.ndarray)) for r in rows):
        raise InputError(f"{name} must be a list of rows (a 2-D matrix)")
    width = len(rows[0])
    if width == 0:
        raise InputError(f"{name} has empty rows")
    for i, r in enumerate(rows):
        if len(r) != width:
            raise InputError(f"{name} is ragged: row 0 has {width} entries, row {i} has {len(r)}")
    out = np.empty((len(rows), width), dtype=object)
    for i, r in enumerate(rows):
        for j, x in enumerate(r):
            out[i, j] = to_fraction(x, f"{name}[{i}][{j}]")
    return out


def _vector(vals, name: str, length: int) -> np.ndarray:
    if isinstance(vals, np.ndarray):
        vals = vals.tolist()
    if not isinstance(vals, (list, tuple)):
        raise InputError(f"{name} must be a list of numbers")
    if len(vals) != length:
        raise InputError(f"{name} has {len(vals)} entries, expected {length}")
    out = np.empty(length, dtype=object)
    for i, x in enumerate(vals):
        out[i] = to_fraction(x, f"{name}[{i}]")
    return out


def numerators_denominators(flat):
    """Lists of numerators and denominators of rationals (ints or Fractions in
    lowest terms), read from Fraction's slots when every entry is a Fraction
    (its public properties cost a Python call each)."""
    from operator import attrgetter

    if set(map(type, flat)) == {Fraction}:
        return list(map(attrgetter("_numerator"), flat)), list(map(attrgetter("_denominator"), flat))
    return list(map(attrgetter("numerator"), flat)), list(map(attrgetter("denominator"), flat))


def float_matrix(M) -> np.ndarray:
    """Float64 copy of an array of exact rationals, each entry ``float(q)``
    (correctly rounded: CPython's int / int), in one ``fromiter`` pass rather
    than a Python call per entry.

    Raises
    ------
    InputError
        If an entry is beyond float64's range (it would become inf).

    >>> from fractions import Fraction as F
    >>> float_matrix(np.array([[F(1, 3), F(2)]], dtype=object)).tolist()
    [[0.3333333333333333, 2.0]]
    """
    from operator import truediv

    M = np.asarray(M)
    if M.dtype != object:
        return M.astype(float)
    num, den = numerators_denominators(M.ravel())
    try:
        return np.fromiter(map(truediv, num, den), dtype=float, count=M.size).reshape(M.shape)
    except OverflowError:
        big = max(M.ravel(), key=lambda q: abs(q))
        raise InputError(f"an entry of about 10^{_log10(big):.0f} is beyond float64's range; "
                         "use --precision P (mpmath) for this point") from None


def _exact_of_text(T: np.ndarray) -> np.ndarray:
    """Object array of the exact Fractions of validated decimal strings
    (:func:`_text_source`), by ``Decimal.as_integer_ratio`` (C) -- the value
    ``Fraction(text)`` gives, about four times faster."""
    from decimal import Decimal

    out = np.empty(T.shape, dtype=object)
    out.ravel()[:] = [Fraction(*Decimal(t).as_integer_ratio()) for t in T.ravel().tolist()]
    return out


#: Characters of a plain decimal literal (no ``_``, ``inf``, ``nan``, ``/``, blanks).
_DECIMAL_CHARS = frozenset("0123456789+-.eE")


def _text_source(M, name: str):
    """``(floats, text)`` for a 2-D list of plain decimal strings (a ``.csv``
    or ``.json`` point), or None when ``M`` is anything else or an entry needs
    the exact reader's checks and messages (:func:`_matrix`): then the caller
    falls back to it, so every error and every accepted value is the same.

    The fast path holds exactly when: every entry is a string over
    ``[0-9+-.eE]`` that ``float`` parses (for that alphabet ``float`` and
    ``Fraction`` accept the same literals), none is longer than
    :data:`MAX_DIGITS`, entries with an exponent pass
    :func:`_check_number_text`, every float is finite, and a float is zero only
    when the text is an exact zero (no underflow).  ``floats`` is read-only.
    """
    if not isinstance(M, list) or not M or not all(isinstance(r, list) and r for r in M):
        return None
    width = len(M[0])
    if any(len(r) != width for r in M):
        return None
    flat = [t for r in M for t in r]
    if not all(type(t) is str for t in flat):
        return None
    flat = [t.strip() for t in flat]
    if not set("".join(flat)) <= _DECIMAL_CHARS or max(map(len, flat)) > MAX_DIGITS:
        return None
    try:
        values = list(map(float, flat))
        if max(map(len, flat)) > 100:  # else a finite float's exponent text is within MAX_EXPONENT
            for t in flat:
                if "e" in t or "E" in t:
                    _check_number_text(t, name)
    except (ValueError, InputError):
        return None
    F = np.array(values, dtype=np.float64).reshape(len(M), width)
    if not np.all(np.isfinite(F)):
        return None
    for i in np.flatnonzero(F.ravel() == 0).tolist():
        if flat[i].lstrip("+-").split("e")[0].split("E")[0].strip("0.") != "":
            return None  # a nonzero decimal below float64's range: the exact reader handles it
    F.setflags(write=False)
    T = np.array(flat, dtype=object).reshape(F.shape)
    return F, T


def _exact_of_float(M: np.ndarray) -> np.ndarray:
    """Object array of ``Fraction(x)`` for every float64 entry (exact: a binary
    float is a dyadic rational), built in one ``map`` pass."""
    out = np.empty(M.shape, dtype=object)
    out.ravel()[:] = list(map(Fraction, M.ravel().tolist()))
    return out


def _float_source(M, name: str):
    """Validated float64 copy of a 2-D binary-float numpy array (the lazy path
    of :meth:`Point.from_arrays`), or None when ``M`` is not such an array.

    The checks and messages are those of the exact reader (:func:`_matrix`,
    :func:`to_fraction`): 2-D, non-empty, finite entries (the first offender
    in row-major order is named)."""
    if not isinstance(M, np.ndarray) or M.dtype.kind != "f" or M.ndim != 2 or M.size == 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        F = np.ascontiguousarray(M, dtype=np.float64)
    bad = ~np.isfinite(F)
    if bad.any():
        i, j = (int(t) for t in np.argwhere(bad)[0])
        x = M[i].tolist()[j]
        raise InputError(f"{name}[{i}][{j}] is {x}, not a finite number")
    F.setflags(write=False)
    return F


class Point:
    """A student ``W`` (k x d), teacher ``V`` (n x d) and second layers.

    All entries are exact :class:`~fractions.Fraction` objects in numpy object
    arrays.  Construct with :meth:`from_arrays` (which validates) rather than
    directly.

    A point read from binary floats (a float ``.npy`` array, or float64 arrays
    given to :meth:`from_arrays`) keeps that float64 array and builds the exact
    ``W`` (``V``) on first access of :attr:`W` (:attr:`V`): each entry is
    ``Fraction(x)`` of its float, the same value the eager reader gives.
    A point read from plain decimal text (lists of strings: ``.csv``,
    ``.json``) keeps the correctly rounded floats and the text, and builds
    ``Fraction(text)`` on first access.
    Float consumers read :meth:`float_W` / :meth:`float_V` / :meth:`as_float`
    without building it (issue 12: reading a full W costs ``O(k d)``).
    """

    __slots__ = ("_W", "_V", "_Wf", "_Vf", "_Wt", "_Vt", "alpha", "beta")

    def __init__(self, W, V, alpha, beta, *, W_float=None, V_float=None, W_text=None, V_text=None):
        for name, val in (("_W", W), ("_V", V), ("_Wf", W_float), ("_Vf", V_float),
                          ("_Wt", W_text), ("_Vt", V_text), ("alpha", alpha), ("beta", beta)):
            object.__setattr__(self, name, val)

    def __setattr__(self, name, value):
        raise AttributeError(f"Point is immutable (cannot set {name})")

    def __reduce__(self):
        return (_point, (self._W, self._V, self.alpha, self.beta, self._Wf, self._Vf, self._Wt, self._Vt))

    def __repr__(self) -> str:
        return f"Point(k={self.k}, d={self.d}, n={self.n})"

    @property
    def W(self) -> np.ndarray:
        """Exact ``W`` (object array of Fractions), built on first access when lazy."""
        if self._W is None:
            exact = _exact_of_text(self._Wt) if self._Wt is not None else _exact_of_float(self._Wf)
            object.__setattr__(self, "_W", exact)
        return self._W

    @property
    def V(self) -> np.ndarray:
        """Exact ``V`` (object array of Fractions), built on first access when lazy."""
        if self._V is None:
            exact = _exact_of_text(self._Vt) if self._Vt is not None else _exact_of_float(self._Vf)
            object.__setattr__(self, "_V", exact)
        return self._V

    @property
    def exact_W_built(self) -> bool:
        """Whether the exact ``W`` exists (always, unless the point is lazy and unread)."""
        return self._W is not None

    def exact_float(self, name: str):
        """The float64 array ``W`` or ``V`` was read from when it holds the
        entries exactly (a lazy point read from binary floats), else None: then
        equality and sign tests on it are exact tests on the rationals.  (A
        point read from decimal text has only rounded floats: None.)"""
        if name == "W":
            return self._Wf if self._Wt is None else None
        return self._Vf if self._Vt is None else None

    def rounded_float(self, name: str):
        """The float64 array ``W`` or ``V`` was read with (exact floats, or the
        correctly rounded floats of decimal text), else None (an exact point):
        for magnitude tests that tolerate rounding, at no conversion cost."""
        return {"W": self._Wf, "V": self._Vf}[name]

    def exact_colours(self, name: str = "W") -> np.ndarray:
        """Integer matrix with ``C[a] == C[b]`` iff the exact entries of ``W``
        (``V``) at a and b are equal, and ``C[a] < C[b]`` iff the entry at a is
        smaller (colours ranked by value), without building Fractions for a
        lazy point: text is compared as ``decimal.Decimal`` (exact for
        decimals), exact floats as floats.

        >>> Point.from_arrays([["0.10", "0.1", "-2"]]).exact_colours().tolist()
        [[1, 1, 0]]
        """
        F, T, M = ((self._Wf, self._Wt, self._W) if name == "W" else (self._Vf, self._Vt, self._V))
        if T is not None and M is None:
            from decimal import Decimal

            codes: dict = {}  # equal text first (cheap), then equal values among the distinct texts
            text_code = np.fromiter((codes.setdefault(t, len(codes)) for t in T.ravel().tolist()),
                                    dtype=np.int64, count=T.size)
            values = list(map(Decimal, codes))
            rank = {v: i for i, v in enumerate(sorted(set(values)))}
            return np.array([rank[v] for v in values], dtype=np.int64)[text_code].reshape(T.shape)
        elif M is None:
            return np.unique(F, return_inverse=True)[1].reshape(F.shape).astype(np.int64)
        else:
            keys = M.ravel().tolist()
        rank = {v: i for i, v in enumerate(sorted(set(keys)))}
        return np.fromiter(map(rank.__getitem__, keys), dtype=np.int64, count=len(keys)).reshape(
            (M if M is not None else F).shape)

    def float_W(self) -> np.ndarray:
        """``W`` as float64 (each entry ``float(q)``), without building the exact W of a lazy point."""
        return self._Wf.copy() if self._Wf is not None else float_matrix(self._W)

    def float_V(self) -> np.ndarray:
        """``V`` as float64 (each entry ``float(q)``), without building the exact V of a lazy point."""
        return self._Vf.copy() if self._Vf is not None else float_matrix(self._V)

    def float_column(self, name: str, j: int = 0) -> np.ndarray:
        """Column ``j`` of ``W`` or ``V`` as float64 (each entry ``float(q)``),
        converting only that column of an exact point."""
        F, M = (self._Wf, self._W) if name == "W" else (self._Vf, self._V)
        return F[:, j].copy() if F is not None else float_matrix(M[:, j])

    @property
    def k(self) -> int:
        return (self._W if self._W is not None else self._Wf).shape[0]

    @property
    def d(self) -> int:
        return (self._W if self._W is not None else self._Wf).shape[1]

    @property
    def n(self) -> int:
        return (self._V if self._V is not None else self._Vf).shape[0]

    @classmethod
    def from_arrays(cls, W, V=None, alpha=None, beta=None) -> "Point":
        """Validate and convert; ``V = I_d``, ``alpha = beta = 1`` by default.

        A float numpy ``W`` (``V``) is kept as float64 and made exact lazily;
        anything else (lists, decimal strings, Fractions, integers) is
        converted to Fractions now.

        Raises
        ------
        InputError
            Shape mismatch, non-finite entries, a zero row of ``W`` or ``V``.

        Examples
        --------
        >>> Point.from_arrays([[1, 2]], V=[[1, 0, 0]])
        Traceback (most recent call last):
        ...
        landscape.errors.InputError: V has 3 columns but W has 2: teacher and student must have the same input dimension d
        """
        Wf, Wt = _float_source(W, "W"), None
        if Wf is None and (text := _text_source(W, "W")) is not None:
            Wf, Wt = text
        Wm = _matrix(W, "W") if Wf is None else None
        k, d = (Wm if Wm is not None else Wf).shape
        Vm = Vf = Vt = None
        if V is None:
            Vf = np.eye(d)
            Vf.setflags(write=False)
        else:
            Vf = _float_source(V, "V")
            if Vf is None and (text := _text_source(V, "V")) is not None:
                Vf, Vt = text
            if Vf is None:
                Vm = _matrix(V, "V")
            shape = (Vm if Vm is not None else Vf).shape
            if shape[1] != d:
                raise InputError(
                    f"V has {shape[1]} columns but W has {d}: teacher and student must have the same input dimension d"
                )
        n = (Vm if Vm is not None else Vf).shape[0]
        a = _vector([1] * k if alpha is None else alpha, "alpha", k)
        b = _vector([1] * n if beta is None else beta, "beta", n)
        for name, M, F in (("W", Wm, Wf), ("V", Vm, Vf)):
            if M is None:
                zero = ~F.any(axis=1)
                if zero.any():
                    i = int(np.flatnonzero(zero)[0])
                    raise InputError(f"{name} row {i} is zero: the loss is not differentiable at a zero neuron")
                continue
            for i in range(M.shape[0]):
                if all(x == 0 for x in M[i]):
                    raise InputError(
                        f"{name} row {i} is zero: the loss is not differentiable at a zero neuron"
                    )
        return cls(Wm, Vm, a, b, W_float=Wf, V_float=Vf, W_text=Wt, V_text=Vt)

    #: Entries (nonzero, in absolute value) a float64 evaluation of the loss,
    #: gradient and Hessian carries without overflow or underflow: products
    #: of two norms and squared norms of rows stay far inside float64's range.
    FLOAT_RANGE = (1e-100, 1e100)

    def float_safe(self) -> bool:
        """Whether every nonzero entry lies in :attr:`FLOAT_RANGE`, so float64
        arithmetic neither overflows nor underflows (else use ``as_mp``)."""
        lo, hi = (Fraction(x) for x in self.FLOAT_RANGE)
        for F in (self.rounded_float("W"), self.rounded_float("V")):
            if F is not None:  # floats (exact, or text correctly rounded): the same comparisons, vectorised
                A = np.abs(F[F != 0])
                if not np.all((A >= self.FLOAT_RANGE[0]) & (A <= self.FLOAT_RANGE[1])):
                    return False
        exact = [getattr(self, name) for name in ("W", "V") if self.rounded_float(name) is None]
        for M in (*exact, self.alpha, self.beta):
            for x in np.asarray(M).ravel():
                if x != 0 and not (lo <= abs(x) <= hi):
                    return False
        return True

    def as_float(self, copy: bool = True):
        """``(W, V, alpha, beta)`` as numpy float64 arrays (rounded).

        ``copy=False`` hands out the point's own read-only float arrays when it
        has them (a point read from floats or decimal text): no d x d copies,
        for callers that only read.

        Raises
        ------
        InputError
            If an entry is beyond float64's range (it would become inf).
        """
        if copy:
            return self.float_W(), self.float_V(), float_matrix(self.alpha), float_matrix(self.beta)
        W = self._Wf if self._Wf is not None else float_matrix(self._W)
        V = self._Vf if self._Vf is not None else float_matrix(self._V)
        return W, V, float_matrix(self.alpha), float_matrix(self.beta)

    def as_mp(self, mp=None):
        """``(W, V, alpha, beta)`` as object arrays of ``mpmath.mpf`` at ``mp.prec``."""
        import mpmath

        mp = mp or mpmath.mp
        conv = np.vectorize(lambda q: mp.mpf(q.numerator) / q.denominator, otypes=[object])
        return conv(self.W), conv(self.V), conv(self.alpha), conv(self.beta)

    def with_W(self, W) -> "Point":
        """Same teacher and second layers (alpha must still fit), new ``W``."""
        V = self.exact_float("V")
        V = self.V if V is None else V
        return Point.from_arrays(W, V, None if len(self.alpha) != len(W) else self.alpha, self.beta)

    def to_json_dict(self, digits: int | None = None) -> dict:
        """JSON-ready dict; exact decimal strings when the value is a finite decimal,
        otherwise ``digits`` significant digits (default 40)."""

        def s(q: Fraction) -> str:
            return _fraction_to_decimal(q, digits or 40)

        return {
            "W": [[s(x) for x in row] for row in self.W],
            "V": [[s(x) for x in row] for row in self.V],
            "alpha": [s(x) for x in self.alpha],
            "beta": [s(x) for x in self.beta],
        }


def _point(W, V, alpha, beta, W_float, V_float, W_text=None, V_text=None) -> Point:
    """Unpickle a :class:`Point` (its slots are read-only)."""
    return Point(W, V, alpha, beta, W_float=W_float, V_float=V_float, W_text=W_text, V_text=V_text)


def _log10(q: Fraction) -> float:
    q = abs(q)
    return (len(str(q.numerator)) - len(str(q.denominator))) if q else 0.0


def _fraction_to_decimal(q: Fraction, digits: int) -> str:
    """Exact decimal string when ``q`` terminates within ``digits`` significant
    digits, otherwise ``q`` rounded to ``digits`` significant digits."""
    import mpmath

    for e in range(0, 4 * digits + 1):
        scaled = q * 10**e
        if scaled.denominator == 1:
            num = abs(scaled.numerator)
            body = str(num).rjust(e + 1, "0")
            if len(str(num).strip("0")) > digits:
                break
            text = body[:-e] + "." + body[-e:] if e else body
            return ("-" if q < 0 else "") + text
    with mpmath.workdps(digits + 5):
        return mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits, strip_zeros=False)


def _reject_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise InputError(f"duplicate key {short(key)} in a JSON object")
        out[key] = value
    return out


def _reject_constant(name):
    raise InputError(f"{name} is not a finite number (JSON allows finite numbers only)")


#: A JSON string (possibly unterminated) or one bracket: the only tokens that matter for nesting.
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def _json_depth_ok(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest at most ``limit`` deep (one
    regular-expression scan; strings are skipped whole).

    >>> _json_depth_ok('[[1], "[[[["]', 2), _json_depth_ok('[[[1]]]', 2)
    (True, False)
    """
    depth = 0
    for tok in _JSON_NESTING.findall(text):
        ch = tok[0]
        if ch == "[" or ch == "{":
            depth += 1
            if depth > limit:
                return False
        elif ch == "]" or ch == "}":
            depth -= 1
    return True


def _json_number_text(s: str) -> str:
    """A JSON number kept as its decimal text (exact), refused when too long to expand."""
    _check_number_text(s, "a number")
    return s


def _json_float(s: str) -> float:
    """A JSON float literal as float64; an overflow literal (``1e999``) is refused."""
    v = float(_json_number_text(s))
    if not math.isfinite(v):
        raise InputError(f"{short(s)} overflows a float64 (an overflow literal)")
    return v


def _json_int(s: str) -> int:
    return int(_json_number_text(s))


def strict_json_load(path, what: str = "file", numbers: str = "exact"):
    """Parse a JSON file strictly: one line of :class:`InputError` for anything odd.

    Numbers are returned as their decimal strings (``numbers="exact"``: no
    float overflow, no ``1e999 -> inf``), as unchecked strings
    (``numbers="text"``, for a caller that checks them all itself, as
    :meth:`Point.from_arrays` does) or as int/float (``numbers="native"``;
    a float literal that overflows is refused), ``NaN``/``Infinity`` are refused, duplicate keys are
    refused, nesting deeper than :data:`MAX_JSON_DEPTH` is refused, and so are
    numbers with more than :data:`MAX_DIGITS` digits or an exponent beyond
    :data:`MAX_EXPONENT` (their exact value would take unbounded work).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = f.write_text('{"a": 1, "a": 2}')
    >>> strict_json_load(f)
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: cannot read ...x.json: duplicate key 'a' in a JSON object
    """
    path = Path(path)
    text = _read_text(path)

    if numbers == "native":
        parse_float, parse_int = _json_float, _json_int
    elif numbers == "text":  # the caller checks every number (Point.from_arrays does)
        parse_float = parse_int = str
    else:
        parse_float = parse_int = _json_number_text

    if not _json_depth_ok(text, MAX_JSON_DEPTH):
        raise InputError(f"cannot read {path}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_float=parse_float, parse_int=parse_int, parse_constant=_reject_constant,
                          object_pairs_hook=_reject_duplicates)
    except InputError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"cannot read {path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (RecursionError, ValueError) as exc:
        raise InputError(f"cannot read {path}: not a valid {what} ({type(exc).__name__})") from None


def strict_json_loads(text: str, where: str, allow_constants: bool = False):
    """One JSON document from ``text`` with the limits of :func:`strict_json_load`
    (nesting depth, duplicate keys, numbers too long to expand, overflow
    literals); int/float values.  ``NaN``/``Infinity`` are refused unless
    ``allow_constants`` (for journals this tool wrote itself).

    >>> strict_json_loads('{"key": 1}', "line 2")
    {'key': 1}
    >>> strict_json_loads('[' * 100 + ']' * 100, "line 2")
    Traceback (most recent call last):
    ...
    landscape.errors.InputError: line 2: JSON nested deeper than 64 levels
    """
    if not _json_depth_ok(text, MAX_JSON_DEPTH):
        raise InputError(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    kwargs = {} if allow_constants else {"parse_constant": _reject_constant}
    try:
        return json.loads(text, parse_float=_json_float, parse_int=_json_int,
                          object_pairs_hook=_reject_duplicates, **kwargs)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except (RecursionError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise InputError(f"{where}: not JSON ({type(exc).__name__})") from None


def check_number_strings(obj, where: str = "document") -> None:
    """Refuse any string in a parsed JSON document that is a decimal or
    rational number whose exact value is too large to expand (digits beyond
    :data:`MAX_DIGITS`, exponent beyond :data:`MAX_EXPONENT`): exact readers
    downstream (``Fraction``) would otherwise take unbounded work."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if len(x) > 16 or "e" in x.lower():
                _check_number_text(x.strip(), where)
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 3.33 * MAX_DIGITS:
            raise InputError(f"{where}: an integer with more than {MAX_DIGITS} digits")


def _read_text(path: Path) -> str:
    _check_input_file(path)
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError:
        raise InputError(f"cannot read {path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _check_input_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise InputError(f"cannot read {path}: it is a directory")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"cannot read {path}: {size} bytes (at most {MAX_FILE_BYTES} bytes)")
    if size == 0:
        raise InputError(f"cannot read {path}: the file is empty")


def read_point(path, V_path=None) -> Point:
    """Read a point from ``.json``, ``.npy`` or ``.csv``; see the module docstring.

    JSON is read by :func:`strict_json_load` (exact numbers, duplicate keys
    and overflow literals refused, bounded depth and digits).

    Raises
    ------
    InputError
        Unreadable or malformed file, wrong shapes, NaN/inf, zero rows.
    """
    path = Path(path)
    _check_input_file(path)
    suffix = path.suffix.lower()
    V = alpha = beta = None
    if suffix == ".json":
        data = strict_json_load(path, "point file", numbers="text")  # checked by Point.from_arrays
        if not isinstance(data, dict) or "W" not in data:
            raise InputError(f"{path}: a point file must be a JSON object with a key \"W\"")
        unknown = sorted(set(data) - {"W", "V", "alpha", "beta"})
        if unknown:
            raise InputError(f"{path}: unknown key {short(unknown[0])} (a point file has W, V, alpha, beta)")
        W = data["W"]
        V, alpha, beta = data.get("V"), data.get("alpha"), data.get("beta")
    elif suffix == ".npy":
        try:
            W = np.load(path, allow_pickle=False)
        except Exception as exc:  # numpy raises ValueError, EOFError, OSError, ... on a broken file
            raise InputError(f"cannot read {path}: not a valid .npy file ({type(exc).__name__})") from None
        if not isinstance(W, np.ndarray) or W.dtype.kind not in "iuf":
            raise InputError(f"{path}: .npy must hold a numeric 2-D array, got {getattr(W, 'dtype', type(W))}")
        if W.ndim != 2:
            raise InputError(f"{path}: .npy must hold a 2-D array, got {W.ndim} dimensions")
    elif suffix == ".csv":
        text = _read_text(path)
        try:
            W = [[c for c in row] for row in csv.reader(text.splitlines()) if row and any(c.strip() for c in row)]
        except csv.Error as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
    else:
        raise InputError(f"{path}: unknown point format {short(suffix)} (use .json, .npy or .csv)")
    if V_path is not None:
        Vp = read_point(V_path)
        V = Vp.exact_float("W") if Vp.exact_float("W") is not None else Vp.W
    return Point.from_arrays(W, V, alpha, beta)


def file_mode(executable: bool = False) -> int:
    """Permissions of every file this project writes: ``0666`` (``0777`` for a
    script) minus the umask -- what ``open(path, "w")`` would give."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if executable else 0o666) & ~mask


def atomic_write_text(path, text: str, executable: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a
    crash or an interrupt never leaves a half-written file.  The file gets
    :func:`file_mode` permissions (``mkstemp`` alone would make it 0600)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, file_mode(executable))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_save_figure(fig, path, **savefig_kwargs) -> None:
    """``fig.savefig`` through a temporary file and a rename (all or nothing, as
    :func:`atomic_write_text`), with :func:`file_mode` permissions; the format
    is the suffix of ``path`` (png when it has none) unless given."""
    path = Path(path)
    savefig_kwargs.setdefault("format", path.suffix.lstrip(".").lower() or "png")
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, **savefig_kwargs)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class StagedOutputs:
    """Several output files written all-or-nothing.

    Each output is first written to a temporary file next to its target
    (:meth:`path` gives the temporary name to write to); :meth:`commit`
    renames them all at the end; leaving the ``with`` block without commit
    (an error, Ctrl-C) removes every temporary, so no output is left behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with StagedOutputs() as out:
    ...     _ = out.path(d / "a.txt").write_text("a")
    ...     _ = out.path(d / "b.txt").write_text("b")
    ...     out.commit()
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self):
        self._pending: list[tuple[Path, Path, bool]] = []
        self._done = False

    def path(self, target, executable: bool = False) -> Path:
        target = Path(target)
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=target.suffix)
        os.close(fd)
        self._pending.append((Path(tmp), target, executable))
        return Path(tmp)

    def write_text(self, target, text: str, executable: bool = False) -> None:
        self.path(target, executable).write_text(text)

    def commit(self) -> None:
        for tmp, _, executable in self._pending:
            os.chmod(tmp, file_mode(executable))
        for tmp, target, _ in self._pending:
            os.replace(tmp, target)
        self._done = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self._done:
            for tmp, _, _ in self._pending:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
        return False


def write_point(path, point: Point, digits: int | None = None) -> None:
    """Write ``point`` in the format named by the suffix of ``path`` (atomically).

    ``.json`` keeps V, alpha, beta and full precision (decimal strings);
    ``.npy`` and ``.csv`` hold ``W`` alone (rounded to float64 / its repr).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        atomic_write_text(path, json.dumps(point.to_json_dict(digits), indent=1) + "\n")
    elif suffix == ".csv":
        Wf = point.as_float()[0]
        atomic_write_text(path, "\n".join(",".join(repr(float(x)) for x in row) for row in Wf) + "\n")
    elif suffix == ".npy":
        Wf = point.as_float()[0]
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", suffix=".npy")
        os.close(fd)
        try:
            np.save(tmp, Wf)
            os.chmod(tmp, file_mode())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        raise InputError(f"{path}: unknown point format {short(suffix)} (use .json, .npy or .csv)")
