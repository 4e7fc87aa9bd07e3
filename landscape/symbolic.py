"""Symbolic kernel, loss, gradient and Hessian (sympy), for papers and checks.

The simplest call:

>>> from landscape.symbolic import kernel_expression
>>> import sympy
>>> K, (a, b, theta) = kernel_expression()
>>> sympy.latex(K)
'\\\\frac{a b \\\\left(\\\\left(\\\\pi - \\\\theta\\\\right) \\\\cos{\\\\left(\\\\theta \\\\right)} + \\\\sin{\\\\left(\\\\theta \\\\right)}\\\\right)}{2 \\\\pi}'

The loss, gradient and Hessian of a ``k x d`` student with symbolic entries
``w_{i,p}`` are produced by the *same* closed forms as the numeric code
(``landscape.loss`` under the ``SYMPY`` context); ``sympy.diff`` of
:func:`loss_expression` is then an independent derivation to test them
against.  Rows are neurons; the loss carries the ½ (SPEC.md).
"""

from __future__ import annotations

import numpy as np
import sympy

from .backends import SYMPY
from .loss import gradient, hessian, loss

__all__ = ["kernel_expression", "weight_symbols", "loss_expression", "gradient_expression", "hessian_expression", "latex"]


def kernel_expression():
    """``K(a, b, θ) = a b (sin θ + (π − θ) cos θ) / (2π)`` with positive symbols.

    Returns
    -------
    (sympy.Expr, (a, b, theta))
        Exact expression (Cho & Saul 2009, the arc-cosine kernel of degree 1).
    """
    a, b = sympy.symbols("a b", positive=True)
    theta = sympy.Symbol("theta", real=True)
    return a * b * (sympy.sin(theta) + (sympy.pi - theta) * sympy.cos(theta)) / (2 * sympy.pi), (a, b, theta)


def weight_symbols(k: int, d: int, name: str = "w") -> np.ndarray:
    """A ``k x d`` object array of real symbols ``w_{i,p}`` (rows are neurons)."""
    out = np.empty((k, d), dtype=object)
    for i in range(k):
        for p in range(d):
            out[i, p] = sympy.Symbol(f"{name}_{{{i},{p}}}", real=True)
    return out


def loss_expression(W=None, V=None, alpha=None, beta=None, k: int = 2, d: int = 2):
    """The loss as a sympy expression (exact).

    ``W`` defaults to :func:`weight_symbols` ``(k, d)``; entries may also be
    numbers (exact rationals give an exact value).

    Examples
    --------
    >>> import sympy
    >>> loss_expression(W=[[1, 0], [0, 1]])
    0
    >>> L = loss_expression(W=[[1, 1], [1, 1]])   # by hand: 2 - 4 K(w, e_1) + 1/2 + 1/(2 pi), theta = pi/4
    >>> sympy.simplify(L - (1 - sympy.Rational(3, 2) / sympy.pi))
    0
    """
    W = weight_symbols(k, d) if W is None else W
    return sympy.simplify(loss(W, V, alpha, beta, ctx=SYMPY)) if _is_numeric(W) else loss(W, V, alpha, beta, ctx=SYMPY)


def gradient_expression(W=None, V=None, alpha=None, beta=None, k: int = 2, d: int = 2) -> sympy.Matrix:
    """The closed-form gradient as a ``k x d`` sympy Matrix."""
    W = weight_symbols(k, d) if W is None else W
    return sympy.Matrix(gradient(W, V, alpha, beta, ctx=SYMPY).tolist())


def hessian_expression(W=None, V=None, alpha=None, beta=None, k: int = 2, d: int = 2) -> sympy.Matrix:
    """The closed-form Hessian as a ``(k d) x (k d)`` sympy Matrix (index ``i*d + p``)."""
    W = weight_symbols(k, d) if W is None else W
    return sympy.Matrix(hessian(W, V, alpha, beta, ctx=SYMPY).tolist())


def latex(expr) -> str:
    """LaTeX of an expression or matrix, for a user's paper."""
    return sympy.latex(expr)


def _is_numeric(W) -> bool:
    return all(sympy.sympify(x).is_number for x in np.asarray(W, dtype=object).ravel())
