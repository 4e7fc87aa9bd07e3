"""The arc-cosine kernel and its first and second derivatives, for all pairs
of rows at once.

The simplest call:

>>> import numpy as np
>>> from landscape.kernel import pair_geometry, kernel
>>> g = pair_geometry(np.eye(2), np.eye(2))
>>> np.round(kernel(g) * 2 * np.pi, 12)   # K(e_i, e_j) = 1/(2 pi), K(e_i, e_i) = 1/2
array([[3.14159265, 1.        ],
       [1.        , 3.14159265]])

Convention: rows are neurons.  For ``w`` (a row of ``A``) and ``v`` (a row of
``B``) with angle ``theta``, ``a = |w|``, ``b = |v|``, unit vectors ``ŵ, v̂`` and
``n`` the unit vector of ``v̂ - cos(theta) ŵ`` (the direction towards ``v``
orthogonal to ``w``; zero when ``w`` and ``v`` are parallel or antiparallel):

* ``K(w, v) = a b (sin θ + (π − θ) cos θ) / (2π)``  (Cho & Saul 2009);
* ``∂_w K = (b sin θ ŵ + (π − θ) v) / (2π)``;
* ``h1 = ∂²_w K = b sin θ (I − ŵŵᵀ + n nᵀ) / (2π a)``;
* ``h2 = ∂_v ∂_w K = [(π − θ) I + sin θ cos θ ŵŵᵀ
  + sin²θ (ŵ nᵀ + n ŵᵀ) − sin θ cos θ n nᵀ] / (2π)``, entry ``(p, q)`` being
  ``∂²K / ∂w_p ∂v_q``.

These are the forms of Safran & Shamir (ICML 2018, arXiv 1712.08968, Sec. 4 and
App. A), written in the orthonormal pair ``(ŵ, n)`` so that every term carries
an explicit factor ``sin θ``: at ``θ → 0, π`` the limits ``h1 → 0`` and
``h2 → (π − θ) I / (2π)`` come out exactly, with no 0/0.  (``h2`` is
symmetric; the derivation is in ``docs/derivations.md``.)

Every function takes a number context (``landscape.backends``): one formula
serves float64, mpmath and sympy (and interval balls in ``certificates``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backends import FLOAT, Context

__all__ = [
    "PairGeometry",
    "pair_geometry",
    "kernel",
    "kernel_grad_coefficients",
    "h1_blocks",
    "h2_blocks",
    "kernel_value",
    "grad_coefficients_value",
    "h1_entry",
    "h2_entry",
    "float_angles",
    "NEAR_PARALLEL",
]

#: Pairs with ``1 - |cos θ|`` below this get their angle from Kahan's formula
#: (:meth:`landscape.backends.Context.angle`) in :func:`float_angles`; above it
#: the Gram-matrix angle has error ``≤ δc / sin θ ≤ δc / 0.014`` with ``δc`` a
#: few ulps of the dot product.
NEAR_PARALLEL = 1e-4


def kernel_value(ctx: Context, a, b, theta, s, c):
    """``K = a b (sin θ + (π − θ) cos θ) / (2π)`` from norms ``a, b``, angle ``θ``,
    ``s = sin θ``, ``c = cos θ`` (scalars or arrays of the context's numbers).

    The one place the kernel's closed form is written; :func:`kernel` and the
    reduced loss of :mod:`landscape.fixed_points` both call it.
    """
    return a * b * (s + (ctx.pi - theta) * c) / (2 * ctx.pi)


def grad_coefficients_value(ctx: Context, b, theta, s):
    """``(P, Q)`` with ``∂_w K(w, v) = P ŵ + Q v``: ``P = b sin θ / (2π)``, ``Q = (π − θ)/(2π)``."""
    return b * s / (2 * ctx.pi), (ctx.pi - theta) / (2 * ctx.pi)


def h1_entry(ctx: Context, a, b, s, wa, wb, na, nb, delta):
    """Entry ``[p, q]`` of ``h1 = b sin θ (I − ŵŵᵀ + n nᵀ) / (2π a)``, given
    ``wa = ŵ_p``, ``wb = ŵ_q``, ``na = n_p``, ``nb = n_q`` and ``delta = δ_pq``."""
    return b * s * (delta - wa * wb + na * nb) / (2 * ctx.pi * a)


def h2_entry(ctx: Context, theta, s, c, wa, wb, na, nb, delta):
    """Entry ``[p, q]`` (``∂²K/∂w_p ∂v_q``) of
    ``h2 = [(π − θ) I + sc ŵŵᵀ + s²(ŵnᵀ + nŵᵀ) − sc nnᵀ] / (2π)``."""
    sc = s * c
    return ((ctx.pi - theta) * delta + sc * wa * wb + s * s * (wa * nb + na * wb) - sc * na * nb) / (2 * ctx.pi)


def float_angles(UA: np.ndarray, UB: np.ndarray, same: bool = False):
    """``(θ, sin θ, cos θ)`` of all pairs of unit rows, float64, from one Gram product.

    The float64 fast path of :meth:`landscape.backends.Context.angle`: ``cos θ``
    is read off ``UA @ UB.T`` (a BLAS product, no ``(k, n, d)`` temporary), and
    only the pairs with ``1 − |cos θ| < NEAR_PARALLEL`` -- where ``acos`` of a
    rounded cosine loses digits -- are recomputed with Kahan's formula
    ``θ = 2 atan2(|u − v|, |u + v|)``.  With ``same=True`` (``UA is UB``) the
    diagonal is set exactly to ``θ = 0``.

    Parameters
    ----------
    UA : ndarray, shape (k, d)
    UB : ndarray, shape (n, d)
        Unit rows (float64).
    same : bool
        ``UA`` and ``UB`` are the same rows (pairs ``(i, i)`` are parallel).

    Returns
    -------
    theta, sin, cos : ndarray, shape (k, n), float64

    Examples
    --------
    >>> import numpy as np
    >>> th, s, c = float_angles(np.eye(2), np.array([[1.0, 0.0], [-1.0, 0.0]]))
    >>> np.round(th / np.pi, 12).tolist()
    [[0.0, 1.0], [0.5, 0.5]]
    """
    c = UA @ UB.T
    np.clip(c, -1.0, 1.0, out=c)
    if same:
        np.fill_diagonal(c, 1.0)
    near = (1.0 - np.abs(c)) < NEAR_PARALLEL
    if same:
        np.fill_diagonal(near, False)
    theta = np.arccos(c)
    if near.any():
        i, j = np.nonzero(near)
        D = np.linalg.norm(UA[i] - UB[j], axis=1)
        S = np.linalg.norm(UA[i] + UB[j], axis=1)
        t = 2 * np.arctan2(D, S)
        theta[i, j] = t
        c[i, j] = np.cos(t)
    if same:
        np.fill_diagonal(theta, 0.0)
    s = np.sin(theta)
    return theta, s, c


@dataclass
class PairGeometry:
    """Norms, unit vectors and angles of all pairs ``(A[i], B[j])``.

    ``normals[i, j]`` (shape (k, n, d), only when asked for) is the unit vector
    ``n`` of the pair, zero for (anti)parallel pairs.
    """

    ctx: Context
    a: np.ndarray  # (k,) norms of A's rows
    b: np.ndarray  # (n,) norms of B's rows
    UA: np.ndarray  # (k, d) unit rows
    UB: np.ndarray  # (n, d)
    B: np.ndarray  # (n, d) the rows themselves
    theta: np.ndarray  # (k, n)
    sin: np.ndarray
    cos: np.ndarray
    normals: np.ndarray | None = None
    inv_m: np.ndarray | None = None  # 1/|v̂ − cos θ ŵ| (0 for (anti)parallel pairs)


def pair_geometry(A, B, ctx: Context = FLOAT, normals: bool = False) -> PairGeometry:
    """Geometry of all pairs of rows of ``A`` (k x d) and ``B`` (n x d).

    Rows must be non-zero (checked by :class:`landscape.io.Point`; a zero row
    has no direction and the loss is not differentiable there).

    Returns
    -------
    PairGeometry
        Arrays of the context's number type.
    """
    A = ctx.asarray(A)
    B = ctx.asarray(B)
    a = ctx.norm(A, axis=1)
    b = ctx.norm(B, axis=1)
    UA = A / a[:, None]
    UB = B / b[:, None]
    theta, s, c = ctx.angle(UA, UB)
    N = inv = None
    if normals:
        M = UB[None, :, :] - c[:, :, None] * UA[:, None, :]
        inv = _inverse_or_zero(ctx, M, s)
        N = M * inv[:, :, None]
    return PairGeometry(ctx, a, b, UA, UB, B, theta, s, c, N, inv)


def _inverse_or_zero(ctx: Context, M, s):
    """``1 / |M|`` along the last axis, and 0 where ``sin θ`` or ``|M|`` is exactly 0.

    ``M = v̂ − cos θ ŵ`` has length ``sin θ``; dividing by the computed ``|M|``
    (not by ``sin θ``) keeps ``M / |M|`` a unit vector even when ``M`` is tiny
    and inaccurate, and every use multiplies it by ``sin θ``, so its error is
    harmless.
    """
    norm = ctx.norm(M, axis=-1)
    if ctx is FLOAT:
        ok = (norm > 0) & (s != 0)
        return np.where(ok, 1.0 / np.where(ok, norm, 1.0), 0.0)
    out = ctx.zeros(norm.shape)
    for idx in np.ndindex(norm.shape):
        if not ctx.is_zero(s[idx]) and not ctx.is_zero(norm[idx]):
            out[idx] = 1 / norm[idx]
    return out


def kernel(g: PairGeometry):
    """``K(A[i], B[j])`` for all pairs, shape (k, n)."""
    return kernel_value(g.ctx, g.a[:, None], g.b[None, :], g.theta, g.sin, g.cos)


def kernel_grad_coefficients(g: PairGeometry):
    """Coefficients of ``∂_w K(A[i], B[j]) = P[i, j] ŵ_i + Q[i, j] B[j]``.

    Returns ``(P, Q)`` with ``P = b sin θ / (2π)`` and ``Q = (π − θ) / (2π)``;
    a gradient is then two matrix products, no loop over pairs.
    """
    return grad_coefficients_value(g.ctx, g.b[None, :], g.theta, g.sin)


def h1_blocks(g: PairGeometry, weights):
    """``Σ_j weights[i, j] · h1(A[i], B[j])`` for each ``i``: shape (k, d, d).

    ``h1 = b sin θ (I − ŵŵᵀ + n nᵀ) / (2π a)``, summed over ``j`` with the
    given weights (e.g. ``α_i β_j``), without forming a (k, n, d, d) array.
    """
    ctx = g.ctx
    coef = weights * g.b[None, :] * g.sin / (2 * ctx.pi * g.a[:, None])  # (k, n)
    total = coef.sum(axis=1)  # (k,)
    d = g.UA.shape[1]
    eye = ctx.eye(d)
    out = total[:, None, None] * (eye[None, :, :] - g.UA[:, :, None] * g.UA[:, None, :])
    weighted = coef[:, :, None] * g.normals  # (k, n, d)
    return out + np.matmul(weighted.transpose(0, 2, 1), g.normals)


def h2_blocks(g: PairGeometry, weights):
    """``weights[i, j] · h2(A[i], B[j])`` for all pairs, shape (k, d, n, d).

    Laid out as the off-diagonal blocks of a Hessian: entry ``[i, p, j, q]``
    is ``weights[i, j] ∂²K / ∂w_p ∂v_q`` at ``(A[i], B[j])``.

    The rank-two part ``sc ŵŵᵀ + s²(ŵnᵀ + nŵᵀ) − sc nnᵀ`` is
    ``ŵ ⊗ P + n ⊗ Q`` with ``P = sc ŵ + s² n``, ``Q = s² ŵ − sc n``; writing
    ``n = (v̂ − c ŵ)/|v̂ − c ŵ|`` turns it into
    ``ŵ_i ⊗ (P − c Q̃) + v̂_j ⊗ Q̃`` with ``Q̃ = Q / |v̂ − c ŵ|``: two
    broadcast products, the memory-bound minimum for a (k d)² result.
    """
    ctx = g.ctx
    s, c = g.sin, g.cos
    d = g.UA.shape[1]
    w = weights / (2 * ctx.pi)
    sc = (w * s * c)[:, :, None]
    ss = (w * s * s)[:, :, None]
    U = g.UA[:, None, :]
    N = g.normals
    P = sc * U + ss * N
    Qt = (ss * U - sc * N) * g.inv_m[:, :, None]
    R = P - g.cos[:, :, None] * Qt
    identity_coef = w * (ctx.pi - g.theta)  # (k, n)
    if ctx is FLOAT:
        return _h2_assemble_float(g.UA, g.UB, R, Qt, identity_coef)
    out = g.UA[:, :, None, None] * R[:, None, :, :]
    out += g.UB.T[None, :, :, None] * Qt[:, None, :, :]
    idx = np.arange(d)
    out[:, idx, :, idx] += identity_coef[None, :, :]
    return out


def _h2_assemble_float(UA, UB, R, Qt, identity_coef, threads: int = 2):
    """``out[i] = ŵ_i ⊗ R_i + v̂ ⊗ Q̃_i + diag`` one neuron at a time.

    Working on one (d, n, d) slab at a time keeps the operands in cache (about
    4x faster than one broadcast over the whole (k, d, n, d) array), and numpy
    releases the GIL in its loops, so two threads share the slabs.
    """
    k, n, d = R.shape
    out = np.empty((k, d, n, d))
    UBT = np.ascontiguousarray(UB.T)
    idx = np.arange(d)

    def slabs(lo, hi):
        tmp = np.empty((d, n, d))
        for i in range(lo, hi):
            oi = out[i]
            np.multiply(UA[i][:, None, None], R[i][None], out=oi)
            np.multiply(UBT[:, :, None], Qt[i][None], out=tmp)
            oi += tmp
            oi[idx, :, idx] += identity_coef[i][None, :]

    if threads <= 1 or k * n * d * d < 1_000_000:
        slabs(0, k)
    else:
        from concurrent.futures import ThreadPoolExecutor

        cuts = np.linspace(0, k, 4 * threads + 1).astype(int)
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda lh: slabs(*lh), zip(cuts[:-1], cuts[1:])))
    return out
