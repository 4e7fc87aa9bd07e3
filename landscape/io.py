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
:meth:`Point.as_mp` mpmath numbers at the working precision.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["Point", "read_point", "write_point", "to_fraction", "atomic_write_text"]


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
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)):
            raise InputError(f"{where} is {x}, not a finite number")
        return Fraction(float(x))
    if isinstance(x, str):
        s = x.strip()
        try:
            f = Fraction(s)
        except (ValueError, ZeroDivisionError):
            low = s.lower().lstrip("+-")
            if low in ("nan", "inf", "infinity"):
                raise InputError(f"{where} is {x!r}, not a finite number") from None
            raise InputError(f"{where} is {x!r}, not a number") from None
        return f
    # mpmath mpf, sympy Rational/Float and similar: go through a decimal string
    try:
        import mpmath

        if isinstance(x, mpmath.mpf):
            if not mpmath.isfinite(x):
                raise InputError(f"{where} is {x}, not a finite number")
            man, exp = x.man_exp
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
    raise InputError(f"{where} is {x!r}, not a number")


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


@dataclass(frozen=True)
class Point:
    """A student ``W`` (k x d), teacher ``V`` (n x d) and second layers.

    All entries are exact :class:`~fractions.Fraction` objects in numpy object
    arrays.  Construct with :meth:`from_arrays` (which validates) rather than
    directly.
    """

    W: np.ndarray
    V: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray

    @property
    def k(self) -> int:
        return self.W.shape[0]

    @property
    def d(self) -> int:
        return self.W.shape[1]

    @property
    def n(self) -> int:
        return self.V.shape[0]

    @classmethod
    def from_arrays(cls, W, V=None, alpha=None, beta=None) -> "Point":
        """Validate and convert; ``V = I_d``, ``alpha = beta = 1`` by default.

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
        Wm = _matrix(W, "W")
        k, d = Wm.shape
        if V is None:
            Vm = np.empty((d, d), dtype=object)
            for i in range(d):
                for j in range(d):
                    Vm[i, j] = Fraction(int(i == j))
        else:
            Vm = _matrix(V, "V")
            if Vm.shape[1] != d:
                raise InputError(
                    f"V has {Vm.shape[1]} columns but W has {d}: teacher and student must have the same input dimension d"
                )
        n = Vm.shape[0]
        a = _vector([1] * k if alpha is None else alpha, "alpha", k)
        b = _vector([1] * n if beta is None else beta, "beta", n)
        for name, M in (("W", Wm), ("V", Vm)):
            for i in range(M.shape[0]):
                if all(x == 0 for x in M[i]):
                    raise InputError(
                        f"{name} row {i} is zero: the loss is not differentiable at a zero neuron"
                    )
        return cls(Wm, Vm, a, b)

    def as_float(self):
        """``(W, V, alpha, beta)`` as numpy float64 arrays (rounded)."""
        f = np.vectorize(float, otypes=[float])
        return f(self.W), f(self.V), f(self.alpha), f(self.beta)

    def as_mp(self, mp=None):
        """``(W, V, alpha, beta)`` as object arrays of ``mpmath.mpf`` at ``mp.prec``."""
        import mpmath

        mp = mp or mpmath.mp
        conv = np.vectorize(lambda q: mp.mpf(q.numerator) / q.denominator, otypes=[object])
        return conv(self.W), conv(self.V), conv(self.alpha), conv(self.beta)

    def with_W(self, W) -> "Point":
        """Same teacher and second layers (alpha must still fit), new ``W``."""
        return Point.from_arrays(W, self.V, None if len(self.alpha) != len(W) else self.alpha, self.beta)

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


def read_point(path, V_path=None) -> Point:
    """Read a point from ``.json``, ``.npy`` or ``.csv``; see the module docstring.

    Raises
    ------
    InputError
        Unreadable or malformed file, wrong shapes, NaN/inf, zero rows.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"cannot read {path}: no such file")
    suffix = path.suffix.lower()
    V = alpha = beta = None
    try:
        if suffix == ".json":
            with open(path) as fh:
                data = json.load(fh, parse_float=str, parse_int=str)
            if not isinstance(data, dict) or "W" not in data:
                raise InputError(f"{path}: a point file must be a JSON object with a key \"W\"")
            W = data["W"]
            V, alpha, beta = data.get("V"), data.get("alpha"), data.get("beta")
        elif suffix == ".npy":
            W = np.load(path, allow_pickle=False)
            if W.dtype.kind not in "iuf":
                raise InputError(f"{path}: .npy must hold a numeric 2-D array, got dtype {W.dtype}")
        elif suffix == ".csv":
            with open(path, newline="") as fh:
                W = [[c for c in row] for row in csv.reader(fh) if row and any(c.strip() for c in row)]
        else:
            raise InputError(f"{path}: unknown point format {suffix!r} (use .json, .npy or .csv)")
    except InputError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}".splitlines()[0]) from None
    if V_path is not None:
        V = read_point(V_path).W
    return Point.from_arrays(W, V, alpha, beta)


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a
    crash or an interrupt never leaves a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        raise InputError(f"{path}: unknown point format {suffix!r} (use .json, .npy or .csv)")
