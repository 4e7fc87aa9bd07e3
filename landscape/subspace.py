"""Gaussian inputs on a linear subspace: ``x ~ N(0, Σ)`` with ``Σ = U Uᵀ``.

The simplest call:

>>> import numpy as np
>>> from landscape.subspace import coordinate_basis, loss
>>> U = coordinate_basis(3, 2)                # data on span(e_1, e_2) in R^3
>>> W = np.array([[1.0, 0.0, 0.7], [0.0, 1.0, -0.2]])
>>> float(loss(W, U))                         # teacher V = Uᵀ: W U = I_2, the third column is invisible
0.0

Setting (Melamed, Yehudai & Vardi, NeurIPS 2023, arXiv 2303.00783: data on a
low-dimensional linear subspace).  ``U`` is a ``d × r`` matrix with
orthonormal columns (``1 ≤ r ≤ d``), ``P = U Uᵀ`` the orthogonal projector
onto the data subspace and ``P⊥ = I − P``.  An input is ``x = U z`` with
``z ~ N(0, I_r)``, so ``w · x = (Uᵀ w) · z`` and, rows being neurons,

    ``L_Σ(W; V) = L(W U; V U)``,

the loss of ``landscape.loss`` (SPEC.md, with the ½) in ``r`` dimensions.  The
arc-cosine kernel is evaluated in the Σ inner product (``‖w‖_Σ = ‖Uᵀw‖``), as
SPEC.md anticipates; nothing of the kernel is rewritten here.  By the chain
rule

* gradient: ``∇_W L_Σ = G_r Uᵀ`` with ``G_r = ∇L(W U; V U)`` (k × r);
* Hessian: ``∇²_W L_Σ = (I_k ⊗ U) H_r (I_k ⊗ Uᵀ)`` with ``H_r = ∇²L(W U; V U)``
  (row-major index ``i d + p``, as in ``landscape.loss``).

**Consequence (stated and tested).**  ``∇_W L_Σ P⊥ = G_r Uᵀ (I − U Uᵀ) = 0``:
the gradient lies in the row space of Σ.  Under gradient descent with step
``η`` and weight decay ``λ`` (``W ← W − η(∇L + λW)``),

    ``W_{t+1} P⊥ = (1 − ηλ) W_t P⊥``,  hence ``W_T P⊥ = (1 − ηλ)^T W_0 P⊥``:

the component of W orthogonal to the data never moves without weight decay,
and decays geometrically with it.  This is the mechanism behind the paper's
non-robustness result (the off-subspace weights keep their random
initialisation, so the input gradient keeps a component ``Σ_i α_i 1[w_i·x>0]
P⊥ w_i`` orthogonal to the data) and behind both remedies (a smaller
initialisation scales ``W_0 P⊥`` down; weight decay shrinks it).

A row with ``W U`` zero has no direction in the data subspace: the loss is not
differentiable there and :class:`ZeroInSubspaceError` is raised (never a NaN).
"""

from __future__ import annotations

import numpy as np

from .errors import InputError
from .loss import hessian as _hessian
from .loss import loss_and_gradient as _loss_and_gradient

__all__ = [
    "ZeroInSubspaceError",
    "check_basis",
    "coordinate_basis",
    "random_basis",
    "projectors",
    "split",
    "default_teacher",
    "reduce",
    "loss",
    "gradient",
    "loss_and_gradient",
    "hessian",
    "population_objective",
    "decayed_orthogonal_component",
    "sample_inputs",
]

#: Largest ambient dimension accepted (the Hessian is (k d)² floats).
MAX_DIMENSION = 100_000


class ZeroInSubspaceError(InputError):
    """A row of ``W`` (or of the teacher ``V``) is orthogonal to the data subspace."""


def check_basis(U, tol: float = 1e-10) -> np.ndarray:
    """``U`` as a float64 ``d × r`` array with orthonormal columns, ``1 ≤ r ≤ d``.

    Raises
    ------
    InputError
        Wrong shape, non-finite entries, ``r > d``, or ``UᵀU ≠ I`` beyond ``tol``.
    """
    U = np.asarray(U, dtype=float)
    if U.ndim != 2:
        raise InputError(f"the subspace basis U must be a d x r matrix, got shape {U.shape}")
    d, r = U.shape
    if not 1 <= r <= d:
        raise InputError(f"the subspace dimension r must satisfy 1 <= r <= d, got r = {r}, d = {d}")
    if not np.all(np.isfinite(U)):
        raise InputError("the subspace basis U has non-finite entries")
    err = np.abs(U.T @ U - np.eye(r)).max()
    if err > tol:
        raise InputError(f"the columns of U are not orthonormal (max |UᵀU − I| = {err:.3g})")
    return U


def _check_dims(d: int, r: int) -> None:
    if not isinstance(d, (int, np.integer)) or not isinstance(r, (int, np.integer)):
        raise InputError(f"d and r must be integers, got d = {d!r}, r = {r!r}")
    if d < 1 or d > MAX_DIMENSION:
        raise InputError(f"d must be between 1 and {MAX_DIMENSION}, got {d}")
    if r < 1 or r > d:
        raise InputError(f"the subspace dimension r must satisfy 1 <= r <= d, got r = {r}, d = {d}")


def coordinate_basis(d: int, r: int) -> np.ndarray:
    """The basis ``[e_1 … e_r]`` of the first ``r`` coordinates (``d × r``).

    With this basis ``P⊥`` zeroes exactly the last ``d − r`` columns, so the
    invariance of ``W P⊥`` holds without rounding.

    >>> coordinate_basis(3, 1).ravel().tolist()
    [1.0, 0.0, 0.0]
    """
    _check_dims(d, r)
    return np.eye(d, r)


def random_basis(d: int, r: int, rng=None) -> np.ndarray:
    """A uniformly random ``d × r`` orthonormal basis (QR of a Gaussian matrix, signs fixed).

    >>> U = random_basis(5, 2, np.random.default_rng(0))
    >>> bool(np.allclose(U.T @ U, np.eye(2)))
    True
    """
    _check_dims(d, r)
    rng = np.random.default_rng(rng)
    Q, R = np.linalg.qr(rng.standard_normal((d, r)))
    return Q * np.sign(np.where(np.diag(R) == 0, 1.0, np.diag(R)))[None, :]


def projectors(U):
    """``(P, P⊥)``: the orthogonal projectors onto the data subspace and its complement (d × d)."""
    U = check_basis(U)
    P = U @ U.T
    return P, np.eye(U.shape[0]) - P


def split(W, U):
    """``(W P, W P⊥)`` for ``W`` of shape ``(..., k, d)`` (rows are neurons).

    ``W P = (W U) Uᵀ`` is computed through ``U`` (no d × d matrix).
    """
    U = check_basis(U)
    W = np.asarray(W, dtype=float)
    WP = (W @ U) @ U.T
    return WP, W - WP


def default_teacher(U) -> np.ndarray:
    """The teacher ``V = Uᵀ`` (r × d): one neuron per basis vector, so ``V U = I_r``.

    It lies on the subspace; ``L_Σ`` with this teacher is the project's standard
    loss with ``V = I_r`` in the data coordinates.
    """
    return check_basis(U).T.copy()


#: A row with ``‖(W U)_i‖ <= ZERO_TOL · ‖w_i‖`` is orthogonal to the data up to rounding.
ZERO_TOL = 1e-12


def reduce(W, U, what: str = "W", tol: float = ZERO_TOL) -> np.ndarray:
    """``W U`` (k × r): the rows in data coordinates; raises on a row with ``W U`` zero.

    Parameters
    ----------
    W : (k, d) array-like
    U : (d, r) orthonormal basis
    what : str
        Name used in the error message ("W" or "V").
    tol : float
        A row with ``‖(W U)_i‖ <= tol · ‖w_i‖`` counts as zero (orthogonal to
        the data up to rounding; a zero row always does).
    """
    U = check_basis(U)
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[1] != U.shape[0]:
        raise InputError(f"{what} must be a k x d matrix with d = {U.shape[0]}, got shape {W.shape}")
    R = W @ U
    norms = np.linalg.norm(R, axis=1)
    bad = np.flatnonzero(norms <= tol * np.linalg.norm(W, axis=1))
    if bad.size:
        raise ZeroInSubspaceError(
            f"row {int(bad[0])} of {what} is orthogonal to the data subspace ({what} U has a zero row): "
            "the loss is not differentiable there")
    return R


def _reduced_teacher(U, V):
    V = default_teacher(U) if V is None else np.asarray(V, dtype=float)
    return reduce(V, U, what="V")


def loss(W, U, V=None, alpha=None, beta=None) -> float:
    """``L_Σ(W) = ½ E_{x~N(0, UUᵀ)} (f(x; W, α) − f(x; V, β))² = L(W U; V U)`` (float64).

    Parameters
    ----------
    W : (k, d) array-like
        Student, rows are neurons, no row orthogonal to the subspace.
    U : (d, r) array
        Orthonormal basis of the data subspace.
    V : (n, d) array-like, optional
        Teacher (default ``Uᵀ``; only ``V U`` matters).
    alpha, beta : array-like, optional
        Second layers (default ones).

    Examples
    --------
    >>> import numpy as np
    >>> U = coordinate_basis(4, 2)
    >>> W = np.ones((2, 4)); W2 = W.copy(); W2[:, 2:] = 5.0
    >>> bool(loss(W, U) == loss(W2, U))          # only W U matters
    True
    """
    return loss_and_gradient(W, U, V, alpha, beta)[0]


def gradient(W, U, V=None, alpha=None, beta=None) -> np.ndarray:
    """``∇_W L_Σ = ∇L(W U; V U) Uᵀ`` (k × d, float64); it satisfies ``∇L_Σ P⊥ = 0``."""
    return loss_and_gradient(W, U, V, alpha, beta)[1]


def loss_and_gradient(W, U, V=None, alpha=None, beta=None):
    """``(L_Σ(W), ∇_W L_Σ)`` through one evaluation of ``landscape.loss.loss_and_gradient``."""
    U = check_basis(U)
    R = reduce(W, U)
    L, G = _loss_and_gradient(R, _reduced_teacher(U, V), alpha, beta)
    return float(L), np.asarray(G, dtype=float) @ U.T


def hessian(W, U, V=None, alpha=None, beta=None) -> np.ndarray:
    """``∇²_W L_Σ = (I_k ⊗ U) H_r (I_k ⊗ Uᵀ)``, a ``(k d) × (k d)`` matrix (row-major ``i d + p``).

    Its null space contains every direction ``E P⊥`` (rank at most ``k r``).
    """
    U = check_basis(U)
    R = reduce(W, U)
    k, r = R.shape
    d = U.shape[0]
    Hr = np.asarray(_hessian(R, _reduced_teacher(U, V), alpha, beta), dtype=float).reshape(k, r, k, r)
    return np.einsum("pa,iajb,qb->ipjq", U, Hr, U, optimize=True).reshape(k * d, k * d)


def population_objective(U, V=None, alpha=None, beta=None):
    """The batched population objective under ``Σ = U Uᵀ`` for ``landscape.descent``.

    Wraps ``landscape.dynamics.population_objective(V U, alpha, beta)`` (the
    batched closed form; no copy of the kernel) by the change of variables
    ``W ↦ W U``: the returned callable maps ``W`` of shape ``(B, k, d)`` to
    ``(loss (B,), grad (B, k, d))`` with ``grad = G_r Uᵀ``.

    Raises :class:`ZeroInSubspaceError` when a row of some ``W_b U`` is zero
    (``‖(W_b U)_i‖ <= ZERO_TOL · ‖w_i‖``).
    """
    from .dynamics import population_objective as _batched  # written by the dynamics work

    U = check_basis(U)
    inner = _batched(V=_reduced_teacher(U, V), alpha=alpha, beta=beta)
    Ut = U.T.copy()

    def objective(W):
        W = np.asarray(W, dtype=float)
        R = W @ U
        zero = np.linalg.norm(R, axis=-1) <= ZERO_TOL * np.linalg.norm(W, axis=-1)
        if zero.any():
            b, i = np.argwhere(zero)[0]
            raise ZeroInSubspaceError(
                f"run {int(b)}: row {int(i)} of W is orthogonal to the data subspace: "
                "the loss is not differentiable there")
        L, G = inner(R)
        return L, np.asarray(G) @ Ut

    return objective


def decayed_orthogonal_component(W0, U, step: float, weight_decay: float, steps: int) -> np.ndarray:
    """``(1 − ηλ)^T W_0 P⊥``: the orthogonal part of W after ``T`` GD steps (see the module docstring)."""
    _, W0perp = split(W0, U)
    return (1.0 - step * weight_decay) ** steps * W0perp


def sample_inputs(U, n: int, rng=None) -> np.ndarray:
    """``n`` inputs ``x = U z``, ``z ~ N(0, I_r)`` (rows), i.e. ``x ~ N(0, U Uᵀ)``."""
    U = check_basis(U)
    rng = np.random.default_rng(rng)
    return rng.standard_normal((n, U.shape[1])) @ U.T
