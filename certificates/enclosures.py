"""Rigorous enclosures of the gradient and Hessian over a box of weights.

The simplest call:

>>> import numpy as np
>>> from certificates.arb_context import ArbContext
>>> from certificates.enclosures import hessian_enclosure
>>> ctx = ArbContext(128)
>>> H = hessian_enclosure(np.eye(2, dtype=int), ctx=ctx)   # exact point I_2
>>> H.shape, bool(H[0, 0].contains(0.5))
((4, 4), True)

Both functions evaluate the one formula of ``landscape.kernel`` / ``landscape.loss``
in :class:`certificates.arb_context.ArbContext`: inputs are balls (a box of
weights), outputs are balls containing the value at *every* point of the box.

Why the Hessian is assembled here row block by row block instead of calling
``landscape.loss.hessian`` on balls: that function forms the pair geometry of
``(W, W)`` including the self pairs ``(w_i, w_i)``, whose unit normal is
``0/0``; with exact numbers the kernel's exact-zero branch handles it, but a
ball ``w_i − w_i`` is not exactly zero, so the whole Hessian would become NaN.
Here each neuron ``i`` is paired only with the *other* neurons
(``pair_geometry(W[i], W[j≠i])``), which is exactly the sum in the diagonal
block of SPEC.md (the ``j = i`` term of ``h1`` vanishes).  A genuinely
near-parallel pair of distinct rows still yields NaN balls (the normal is not
determined by the box); callers treat that as "not proved".
"""

from __future__ import annotations

from landscape.kernel import h1_blocks, h2_blocks, pair_geometry
from landscape.loss import Model, loss_and_gradient

__all__ = ["gradient_enclosure", "hessian_enclosure", "loss_enclosure"]


def _teacher(ctx, k, d, V, alpha, beta):
    return Model(V, alpha, beta, ctx).teacher(k, d)


def loss_enclosure(W, V=None, alpha=None, beta=None, *, ctx):
    """Ball containing ``L`` at every point of the box ``W`` (object array of balls)."""
    return loss_and_gradient(W, Model(V, alpha, beta, ctx), ctx=ctx)[0]


def gradient_enclosure(W, V=None, alpha=None, beta=None, *, ctx):
    """(k, d) object array of balls containing ``∇L`` over the box ``W``."""
    return loss_and_gradient(W, Model(V, alpha, beta, ctx), ctx=ctx, need_loss=False)[1]


def hessian_enclosure(W, V=None, alpha=None, beta=None, *, ctx):
    """(k d) x (k d) object array of balls containing ``∇²L`` over the box ``W``.

    Row-major index ``i*d + p`` (neuron i, coordinate p), as
    ``landscape.loss.hessian``.  Blocks (SPEC.md, Safran & Shamir 2018 App. A):
    diagonal ``½α_i² I + Σ_{j≠i} α_iα_j h1(w_i,w_j) − Σ_j α_iβ_j h1(w_i,v_j)``,
    off-diagonal ``α_iα_j h2(w_i,w_j)``.
    """
    W = ctx.asarray(W)
    k, d = W.shape
    Vt, a, b = _teacher(ctx, k, d, V, alpha, beta)
    H = ctx.zeros((k, d, k, d))
    gWV = pair_geometry(W, Vt, ctx, normals=True)
    teacher_part = h1_blocks(gWV, a[:, None] * b[None, :])
    eye = ctx.eye(d)
    for i in range(k):
        others = [j for j in range(k) if j != i]
        diag = (a[i] * a[i] / 2) * eye - teacher_part[i]
        if others:
            g = pair_geometry(W[i : i + 1], W[others], ctx, normals=True)
            weights = (a[i] * a[others])[None, :]
            diag = diag + h1_blocks(g, weights)[0]
            off = h2_blocks(g, weights)[0]  # (d, k-1, d)
            for t, j in enumerate(others):
                H[i, :, j, :] = off[:, t, :]
        H[i, :, i, :] = diag
    return H.reshape(k * d, k * d)
