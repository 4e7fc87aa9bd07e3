"""Compressions ``QᵀHQ`` to symmetry-defined subspaces, and rigorous bounds from them.

The simplest call:

>>> import numpy as np
>>> from certificates.interlacing import neuron_subspace, antisymmetric_subspace
>>> neuron_subspace(2, 3, 1).shape          # coordinates of neuron 1 in R^{k d}
(6, 3)
>>> antisymmetric_subspace(3, 2, 0, 2)[:, 0].tolist()   # (δ, 0, −δ) with δ = e_0
[1, 0, 0, 0, -1, 0]

Cauchy interlacing (e.g. Horn & Johnson, *Matrix Analysis*, Thm. 4.3.28): if
``Q`` has orthonormal columns, the eigenvalues of ``QᵀHQ`` interlace those of
``H``; in particular ``λ_min(H) ≤ λ_min(QᵀHQ) ≤ qᵀHq / qᵀq`` for every non-zero
``q`` in the range of ``Q``.  So a *single* rational vector ``q`` in a
symmetry-defined subspace with ``qᵀHq < 0`` for every Hessian in the
enclosure proves a negative eigenvalue -- a descent direction -- without
bounding the rest of the spectrum.  The subspaces used:

* ``neuron_subspace(k, d, i)``: the coordinates of neuron ``i``; the
  compression is the ``i``-th diagonal block of the Hessian;
* ``antisymmetric_subspace(k, d, i, j)``: directions ``(δ, −δ)`` on neurons
  ``i, j`` -- for a split neuron (two parallel copies) this is the subspace of
  Arjevani & Field, "Annihilation of spurious minima", NeurIPS 2022
  (arXiv 2210.06088), where the compression is ``E_i / (t(1−t))`` (see
  :mod:`certificates.overparam`).
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np

from landscape.io import to_fraction

from .arb_context import arb_number

__all__ = ["neuron_subspace", "antisymmetric_subspace", "descent_vector", "rayleigh_enclosure", "rational_vector"]


def neuron_subspace(k: int, d: int, i: int) -> np.ndarray:
    """``(k d) x d`` integer matrix whose columns are the unit vectors of neuron ``i``'s coordinates."""
    Q = np.zeros((k * d, d), dtype=int)
    Q[i * d : (i + 1) * d, :] = np.eye(d, dtype=int)
    return Q


def antisymmetric_subspace(k: int, d: int, i: int, j: int) -> np.ndarray:
    """``(k d) x d`` integer matrix of the directions ``(δ on neuron i, −δ on neuron j)``.

    Columns are orthogonal with norm √2 (interlacing applies to the normalised
    columns; a Rayleigh quotient does not care about scale).
    """
    Q = np.zeros((k * d, d), dtype=int)
    Q[i * d : (i + 1) * d, :] = np.eye(d, dtype=int)
    Q[j * d : (j + 1) * d, :] = -np.eye(d, dtype=int)
    return Q


def rational_vector(v, digits: int = 16) -> list[Fraction]:
    """A float vector as exact rationals read from ``digits``-digit decimal strings."""
    return [to_fraction(f"{float(x):.{digits}e}") for x in v]


def descent_vector(Hf: np.ndarray, Q: np.ndarray):
    """Most negative Rayleigh direction of the float compression ``QᵀHfQ`` (Q orthogonal columns).

    Returns
    -------
    (float, numpy.ndarray)
        The smallest eigenvalue of the (normalised) compression and the vector
        ``q = Q y`` in ``R^{k d}`` (float; round with :func:`rational_vector`).
    """
    Qf = np.asarray(Q, dtype=float)
    Qf = Qf / np.linalg.norm(Qf, axis=0)[None, :]
    C = Qf.T @ Hf @ Qf
    lam, Y = np.linalg.eigh((C + C.T) / 2)
    q = Qf @ Y[:, 0]
    return float(lam[0]), q / np.max(np.abs(q))


def rayleigh_enclosure(Hball: np.ndarray, q) -> flint.arb:
    """Ball containing ``qᵀHq / qᵀq`` for every H in the interval matrix ``Hball`` (q exact)."""
    qa = [arb_number(x) for x in q]
    n = len(qa)
    nz = [i for i in range(n) if not qa[i].is_zero()]
    num = flint.arb(0)
    for i in nz:
        row = flint.arb(0)
        for j in nz:
            row += Hball[i, j] * qa[j]
        num += qa[i] * row
    den = sum((qa[i] * qa[i] for i in nz), flint.arb(0))
    return num / den
