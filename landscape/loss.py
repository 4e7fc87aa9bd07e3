"""Closed-form loss, gradient and Hessian of the teacher–student model.

The simplest call:

>>> import numpy as np
>>> from landscape.loss import loss
>>> float(loss(np.eye(3)))            # the global minimum W = V = I_d
0.0
>>> d = 3; bool(abs(loss(1e-12 * np.eye(d)) - (d / 4 + d * (d - 1) / (4 * np.pi))) < 1e-9)  # L(0) as a limit
True

Model (SPEC.md; rows are neurons): ``f(x; W, α) = Σ_i α_i relu(w_i · x)`` with
``x ~ N(0, I_d)`` and

``L(W) = ½ Σ_ij α_iα_j K(w_i,w_j) − Σ_ij α_iβ_j K(w_i,v_j) + ½ Σ_ij β_iβ_j K(v_i,v_j)``

(Safran & Shamir, ICML 2018, eq. (2); the factor ½ included).  Gradient and
Hessian follow by differentiating the kernel (``landscape.kernel``):

* ``∇_{w_i} L = α_i Σ_j α_j ∂_wK(w_i,w_j) − α_i Σ_j β_j ∂_wK(w_i,v_j)``;
* diagonal block ``½α_i² I + Σ_{j≠i} α_iα_j h1(w_i,w_j) − Σ_j α_iβ_j h1(w_i,v_j)``;
* off-diagonal block ``(i, j)``: ``α_iα_j h2(w_i,w_j)``.

The Hessian is returned as a ``(k d) x (k d)`` matrix indexed by
``i * d + p`` (neuron ``i``, coordinate ``p``): the row-major flattening of W.

In float64, :func:`loss_and_gradient` takes a fast path (angles from one Gram
product, the teacher–teacher term cached per shape, gradient-only mode);
``fast=False`` is the general one-formula-for-every-context path.

Every function takes ``ctx`` (``landscape.backends``): ``FLOAT`` (default)
returns float64 arrays, ``mp_context(P)`` mpmath numbers good to P digits,
``SYMPY`` exact expressions.
"""

from __future__ import annotations

import numpy as np

from .backends import FLOAT, Context
from .kernel import (float_angles, grad_coefficients_value, h1_blocks, h2_blocks, kernel,
                     kernel_grad_coefficients, kernel_value, pair_geometry)

__all__ = ["Model", "loss", "gradient", "hessian", "loss_and_gradient"]


class Model:
    """Teacher ``V``, second layers ``alpha`` (student) and ``beta`` (teacher),
    converted once to the numbers of a context.

    ``V = I_d`` and ones by default (fixed when the first ``W`` is seen).
    """

    def __init__(self, V=None, alpha=None, beta=None, ctx: Context = FLOAT):
        self.ctx = ctx
        self._V, self._alpha, self._beta = V, alpha, beta
        self._cache = {}

    def float_teacher(self, k: int, d: int):
        """Float64 teacher data, computed once per shape: ``(V, alpha, beta, |v_j|,
        unit rows of V, ½ Σ β_iβ_j K(v_i, v_j))`` -- the last is the constant
        teacher–teacher term of the loss (FLOAT context only)."""
        key = ("float", k, d)
        if key not in self._cache:
            V, alpha, beta = self.teacher(k, d)
            V = np.asarray(V, dtype=float)
            bn = np.linalg.norm(V, axis=1)
            UB = V / bn[:, None]
            th, s, c = float_angles(UB, UB, same=True)
            KVV = kernel_value(FLOAT, bn[:, None], bn[None, :], th, s, c)
            self._cache[key] = (V, alpha, beta, bn, UB, float(beta @ KVV @ beta) / 2)
        return self._cache[key]

    def teacher(self, k: int, d: int):
        """``(V, alpha, beta)`` for a student of shape (k, d), in the context's numbers."""
        key = (k, d)
        if key not in self._cache:
            ctx = self.ctx
            V = ctx.eye(d) if self._V is None else ctx.asarray(self._V)
            alpha = ctx.asarray(np.ones(k, dtype=int).tolist() if self._alpha is None else self._alpha)
            beta = ctx.asarray(np.ones(V.shape[0], dtype=int).tolist() if self._beta is None else self._beta)
            if ctx is FLOAT:
                alpha, beta = np.asarray(alpha, float), np.asarray(beta, float)
            self._cache[key] = (V, alpha, beta)
        return self._cache[key]


#: The default float64 model (V = I_d, ones), shared so its teacher cache outlives a call.
_DEFAULT_FLOAT = Model()


def _model(V, alpha, beta, ctx):
    if isinstance(V, Model):
        return V
    if V is None and alpha is None and beta is None and ctx is FLOAT:
        if len(_DEFAULT_FLOAT._cache) > 256:  # bounded: one entry per shape seen
            _DEFAULT_FLOAT._cache.clear()
        return _DEFAULT_FLOAT
    return Model(V, alpha, beta, ctx)


def loss(W, V=None, alpha=None, beta=None, ctx: Context = FLOAT):
    """The loss ``L(W)`` (with the ½).

    Parameters
    ----------
    W : (k, d) array-like
        Student weights, rows are neurons, no zero row.
    V : (n, d) array-like or Model, optional
        Teacher (default ``I_d``) -- or a :class:`Model` carrying V, alpha, beta.
    alpha, beta : array-like, optional
        Second layers (default ones).
    ctx : Context
        Number context; the result is a number of that context.

    Returns
    -------
    number
        float (``FLOAT``), mpf (mpmath) or sympy expression.

    Examples
    --------
    >>> from landscape.backends import mp_context
    >>> import numpy as np
    >>> W = np.eye(2)
    >>> print(loss(W, ctx=mp_context(20)))
    0.0
    """
    ctx = ctx if not isinstance(V, Model) else V.ctx
    model = _model(V, alpha, beta, ctx)
    W = ctx.asarray(W)
    Vt, a, b = model.teacher(*W.shape)
    KWW = kernel(pair_geometry(W, W, ctx))
    KWV = kernel(pair_geometry(W, Vt, ctx))
    KVV = kernel(pair_geometry(Vt, Vt, ctx))
    return (a @ KWW @ a) / 2 - a @ KWV @ b + (b @ KVV @ b) / 2


def gradient(W, V=None, alpha=None, beta=None, ctx: Context = FLOAT):
    """The gradient ``∇L(W)``, same shape as ``W`` (k, d).

    ``∂_w K(w, v) = P ŵ + Q v`` (``landscape.kernel.kernel_grad_coefficients``)
    turns the sum over pairs into matrix products.

    Examples
    --------
    >>> import numpy as np
    >>> float(abs(gradient(np.eye(3))).max()) < 1e-15
    True
    """
    return loss_and_gradient(W, V, alpha, beta, ctx, need_loss=False)[1]


def loss_and_gradient(W, V=None, alpha=None, beta=None, ctx: Context = FLOAT, need_loss=True,
                      fast: bool = True):
    """``(L(W), ∇L(W))`` sharing the pair geometry (one pass over pairs).

    In the FLOAT context (and ``fast=True``) this is the float64 fast path
    :func:`_float_loss_and_gradient`: angles from one Gram product per pair
    set (Kahan's formula only for near-parallel pairs), norms computed once,
    the teacher–teacher term cached in the :class:`Model`, and the kernel
    values skipped when ``need_loss=False``.  It agrees with the general path
    (``fast=False``) to ~1e-13 relative (``tests/scale/test_fast_loss.py``
    states and tests the bound).  Pass a :class:`Model` as ``V`` to keep the
    teacher cache between calls.
    """
    ctx = ctx if not isinstance(V, Model) else V.ctx
    model = _model(V, alpha, beta, ctx)
    if fast and ctx is FLOAT:
        return _float_loss_and_gradient(W, model, need_loss)
    W = ctx.asarray(W)
    Vt, a, b = model.teacher(*W.shape)
    gWW = pair_geometry(W, W, ctx)
    gWV = pair_geometry(W, Vt, ctx)
    P1, Q1 = kernel_grad_coefficients(gWW)
    P2, Q2 = kernel_grad_coefficients(gWV)
    # Σ_j α_j (P1_ij ŵ_i + Q1_ij w_j) − Σ_j β_j (P2_ij ŵ_i + Q2_ij v_j), times α_i
    radial = P1 @ a - P2 @ b
    G = radial[:, None] * gWW.UA + (Q1 * a[None, :]) @ W - (Q2 * b[None, :]) @ Vt
    G = a[:, None] * G
    L = None
    if need_loss:
        KVV = kernel(pair_geometry(Vt, Vt, ctx))
        L = (a @ kernel(gWW) @ a) / 2 - a @ kernel(gWV) @ b + (b @ KVV @ b) / 2
    return L, G


def _float_loss_and_gradient(W, model: Model, need_loss: bool = True):
    """Float64 ``(L, ∇L)`` (``L`` is None when ``need_loss`` is False): the formulas of
    :func:`loss_and_gradient` with the geometry of :func:`landscape.kernel.float_angles`."""
    W = np.asarray(W, dtype=float)
    k, d = W.shape
    V, a, b, bn, UB, const = model.float_teacher(k, d)
    wn = np.sqrt(np.einsum("ij,ij->i", W, W))
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero row gives NaN, as the general path does
        UA = W / wn[:, None]
    th1, s1, c1 = float_angles(UA, UA, same=True)
    th2, s2, c2 = float_angles(UA, UB)
    P1, Q1 = grad_coefficients_value(FLOAT, wn[None, :], th1, s1)
    P2, Q2 = grad_coefficients_value(FLOAT, bn[None, :], th2, s2)
    radial = P1 @ a - P2 @ b
    G = radial[:, None] * UA + (Q1 * a[None, :]) @ W - (Q2 * b[None, :]) @ V
    G *= a[:, None]
    L = None
    if need_loss:
        K1 = kernel_value(FLOAT, wn[:, None], wn[None, :], th1, s1, c1)
        K2 = kernel_value(FLOAT, wn[:, None], bn[None, :], th2, s2, c2)
        L = (a @ K1 @ a) / 2 - a @ K2 @ b + const
    return L, G


def hessian(W, V=None, alpha=None, beta=None, ctx: Context = FLOAT):
    """The Hessian ``∇²L(W)`` as a ``(k d) x (k d)`` matrix (row-major index ``i*d + p``).

    Diagonal blocks ``½α_i² I + Σ_{j≠i} α_iα_j h1(w_i,w_j) − Σ_j α_iβ_j h1(w_i,v_j)``,
    off-diagonal blocks ``α_iα_j h2(w_i,w_j)`` (Safran & Shamir 2018, App. A;
    SPEC.md).  Vectorised: no Python loop over pairs.  The ``h1(w_i, w_i)``
    term vanishes (``sin 0 = 0``), so the sums may include ``j = i``.

    Examples
    --------
    >>> import numpy as np
    >>> H = hessian(np.eye(2))
    >>> H.shape, bool(np.allclose(H, H.T))
    ((4, 4), True)
    """
    ctx = ctx if not isinstance(V, Model) else V.ctx
    model = _model(V, alpha, beta, ctx)
    W = ctx.asarray(W)
    k, d = W.shape
    Vt, a, b = model.teacher(k, d)
    gWW = pair_geometry(W, W, ctx, normals=True)
    gWV = pair_geometry(W, Vt, ctx, normals=True)
    aa = a[:, None] * a[None, :]
    H = h2_blocks(gWW, aa)  # (k, d, k, d); its diagonal blocks are replaced below
    diag = h1_blocks(gWW, aa) - h1_blocks(gWV, a[:, None] * b[None, :])
    eye = ctx.eye(d)
    rows = np.arange(k)
    H[rows, :, rows, :] = diag + (a * a / 2)[:, None, None] * eye[None, :, :]
    return H.reshape(k * d, k * d)
