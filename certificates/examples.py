"""Example points used by the tests and the benchmark (approximate, float64).

The simplest call:

>>> from certificates.examples import type_a_point
>>> W = type_a_point(6)
>>> W.shape
(6, 6)

:func:`type_a_point` minimises the loss over the 5-dimensional fixed space of
``Δ(S_{d−1}×S_1)`` (Safran & Shamir 2018's "type A" shape; Arjevani & Field,
arXiv 2003.10576): diagonal ``x1`` and off-diagonal ``x2`` on the first
``d−1`` rows/columns, last column ``x3``, last row ``x4``, corner ``x5``.  It
is only a starting guess: certificates polish and prove it.
"""

from __future__ import annotations

import numpy as np

from landscape.loss import loss_and_gradient

__all__ = ["type_a_matrix", "type_a_point"]


def type_a_matrix(x, d: int) -> np.ndarray:
    """The matrix of ``Fix(Δ(S_{d−1}×S_1))`` with parameters ``x = (x1, …, x5)``."""
    x1, x2, x3, x4, x5 = x
    W = np.full((d, d), x2, dtype=float)
    np.fill_diagonal(W, x1)
    W[:-1, -1] = x3
    W[-1, :-1] = x4
    W[-1, -1] = x5
    return W


def type_a_point(d: int, start=(1.0, -0.05, 0.3, 0.3, -0.6)) -> np.ndarray:
    """Float64 critical point of type A at dimension ``d`` (k = d), by BFGS in Fix.

    The reduced gradient is ``Bᵀ∇L`` with the orbit indicators B (symmetric
    criticality: a critical point in Fix(H) is critical in the full space).
    """
    from scipy.optimize import minimize

    def fun(x):
        L, G = loss_and_gradient(type_a_matrix(x, d))
        m = d - 1
        gx = [np.trace(G[:m, :m]), G[:m, :m].sum() - np.trace(G[:m, :m]), G[:m, -1].sum(), G[-1, :m].sum(), G[-1, -1]]
        return L, np.array(gx)

    res = minimize(fun, np.array(start, float), jac=True, method="BFGS", options={"gtol": 1e-13, "maxiter": 2000})
    return type_a_matrix(res.x, d)
