"""Hessian spectra, grouped into distinct eigenvalues with multiplicities.

The simplest call:

>>> import numpy as np
>>> from landscape.spectrum import spectrum
>>> s = spectrum(np.eye(3))              # the global minimum W = V = I_3
>>> sum(e.multiplicity for e in s.eigenvalues)   # k d = 9 eigenvalues in 5 groups
9
>>> len(s.eigenvalues)
5
>>> bool(abs(s.min - (1 / 4 - 1 / (2 * np.pi))) < 1e-14)
True

``method="dense"`` assembles the ``(k d) x (k d)`` Hessian and diagonalises it
(``numpy.linalg.eigvalsh`` in float64, ``mpmath.eigsy`` at higher
precision).  ``method="isotypic"`` works block by block on the isotypic
decomposition (``landscape.isotypic_spectrum``) without forming the Hessian;
``"auto"`` picks it when the point has a large isotropy group.

Grouping tolerance is tied to the precision: eigenvalues closer than
``tol = 1e-8 · max(1, |λ|_max)`` in float64 (dense ``eigvalsh`` is accurate to
about ``n ε ‖H‖``), ``10^(−P/2) · max(1, |λ|_max)`` with ``P`` digits, form one
cluster, reported as their mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backends import FLOAT, Context, mp_context
from .loss import Model, hessian

__all__ = ["Eigenvalue", "Spectrum", "group_eigenvalues", "spectrum", "dense_spectrum"]


@dataclass
class Eigenvalue:
    """One distinct eigenvalue: ``value`` (float or mpf), its ``multiplicity`` and,
    when known, the ``irrep`` label of its isotypic component."""

    value: object
    multiplicity: int
    irrep: str | None = None
    spread: float = 0.0  # max distance of the grouped numerical values from ``value``
    #: ``[(irrep, multiplicity)]`` when equal values of several irreps were merged
    #: (``irrep`` is then their labels joined by `` + ``); None otherwise.
    components: list | None = None


@dataclass
class Spectrum:
    """A grouped spectrum, sorted by value.

    ``min``, ``max`` are the extreme eigenvalues; ``negative_count`` counts
    eigenvalues (with multiplicity) below ``-tol`` -- an eigenvalue within
    ``tol`` of zero is reported in ``zero_count`` instead, since its sign is
    not known from this computation.
    """

    eigenvalues: list[Eigenvalue]
    method: str
    tol: float
    digits: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def min(self):
        return self.eigenvalues[0].value

    @property
    def max(self):
        return self.eigenvalues[-1].value

    @property
    def negative_count(self) -> int:
        return sum(e.multiplicity for e in self.eigenvalues if e.value < -self.tol)

    @property
    def zero_count(self) -> int:
        return sum(e.multiplicity for e in self.eigenvalues if abs(e.value) <= self.tol)

    @property
    def dimension(self) -> int:
        return sum(e.multiplicity for e in self.eigenvalues)

    def values(self) -> np.ndarray:
        """Every eigenvalue repeated by multiplicity, as float64, ascending."""
        return np.repeat([float(e.value) for e in self.eigenvalues], [e.multiplicity for e in self.eigenvalues])


def grouping_tolerance(values, digits: int | None) -> float:
    """The clustering tolerance for eigenvalues computed with ``digits`` digits
    (``None`` = float64)."""
    scale = max([1.0] + [abs(float(v)) for v in values])
    return (1e-8 if digits is None else 10.0 ** (-digits / 2)) * scale


def group_eigenvalues(values, digits: int | None = None, tol: float | None = None, irrep=None) -> list[Eigenvalue]:
    """Group sorted eigenvalues into clusters of width ``tol`` (chained).

    Parameters
    ----------
    values : sequence of float or mpf
    digits : int, optional
        Working precision (``None`` = float64): sets the default ``tol``.
    irrep : str, optional
        Label attached to every group (for one isotypic block).

    Examples
    --------
    >>> [(round(float(e.value), 6), e.multiplicity) for e in group_eigenvalues([1.0, 2.0, 1.0 + 1e-12])]
    [(1.0, 2), (2.0, 1)]
    """
    vals = sorted(values, key=float)
    if tol is None:
        tol = grouping_tolerance(vals, digits)
    groups: list[list] = []
    for v in vals:
        if groups and float(v) - float(groups[-1][-1]) <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    out = []
    for g in groups:
        mean = sum(g[1:], g[0]) / len(g)
        spread = max(abs(float(x) - float(mean)) for x in g)
        out.append(Eigenvalue(mean, len(g), irrep, spread))
    return out


def dense_spectrum(W, V=None, alpha=None, beta=None, digits: int | None = None) -> Spectrum:
    """Grouped spectrum of the assembled Hessian.

    ``digits=None``: float64 ``eigvalsh``; otherwise the Hessian and its
    eigenvalues in mpmath with ``digits`` significant digits (``mpmath.eigsy``;
    cost grows as ``(k d)^3`` multiprecision operations: fine to k d ≈ 100).
    """
    ctx: Context = FLOAT if digits is None else mp_context(digits)
    H = hessian(W, V, alpha, beta, ctx=ctx)
    if digits is None:
        vals = np.linalg.eigvalsh(H)
    else:
        mp = ctx.mp
        vals = list(mp.eigsy(mp.matrix(H.tolist()), eigvals_only=True))
    tol = grouping_tolerance(vals, digits)
    return Spectrum(group_eigenvalues(vals, digits, tol), "dense", tol, digits)


def spectrum(W, V=None, alpha=None, beta=None, digits: int | None = None, method: str = "auto") -> Spectrum:
    """Grouped Hessian spectrum at ``W`` by the chosen method.

    Parameters
    ----------
    method : {"auto", "dense", "isotypic"}
        ``auto`` uses the isotypic route when it is available for the point's
        isotropy and the dense route otherwise.

    Returns
    -------
    Spectrum
        Values are float (``digits=None``) or mpf.
    """
    if method not in ("auto", "dense", "isotypic"):
        from .errors import InputError

        raise InputError(f"unknown spectrum method {method!r} (use auto, isotypic or dense)")
    if method in ("auto", "isotypic"):
        try:
            from .isotypic_spectrum import isotypic_spectrum
        except ImportError:
            isotypic_spectrum = None
        if isotypic_spectrum is not None:
            result = isotypic_spectrum(W, V, alpha, beta, digits=digits, required=(method == "isotypic"))
            if result is not None:
                return result
        elif method == "isotypic":
            from .errors import InputError

            raise InputError("the isotypic spectrum is not available in this build")
    return dense_spectrum(W, V, alpha, beta, digits)
