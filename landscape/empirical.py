"""A finite-data two-layer ReLU network objective, batched over runs.

The simplest call (two runs, square loss, one sample):

>>> import numpy as np
>>> from landscape.empirical import EmpiricalObjective
>>> obj = EmpiricalObjective(X=np.array([[1.0, 2.0]]), y=np.array([3.0]), loss="square", bias=False)
>>> W = np.array([[[1.0, 1.0]], [[-1.0, 0.0]]])      # (B=2, k=1, d=2)
>>> a = np.ones((2, 1))
>>> L, (gW, ga) = obj((W, a))
>>> L.tolist()                                     # ½ (f − y)²: f = 3 (exact fit) and f = 0
[0.0, 4.5]

Model (rows are neurons, as everywhere in the project):

    ``f(x) = Σ_i a_i relu(w_i · x + b_i)``,

weights ``W`` (k × d), biases ``b`` (k; optional), second layer ``a`` (k;
trainable or fixed).  Objective: the mean over the ``n`` samples of

* ``"square"``: ``½ (f(x_s) − y_s)²`` (the project's ½, SPEC.md);
* ``"logistic"``: ``log(1 + exp(−y_s f(x_s)))``, labels ``±1`` -- the loss of
  Melamed, Yehudai & Vardi (NeurIPS 2023, arXiv 2303.00783), who train with the
  logistic (or exponential) loss on labelled data;
* ``"exponential"``: ``exp(−y_s f(x_s))``, labels ``±1``.

Gradients in closed form (the ReLU derivative is taken as ``1[z > 0]``, the
subgradient the usual frameworks use; at ``z = 0`` exactly the loss has a kink):
with ``r_s = ℓ'(f(x_s), y_s) / n`` and ``m_si = 1[w_i · x_s + b_i > 0]``,

* ``∂/∂w_i = a_i Σ_s r_s m_si x_s``,  ``∂/∂b_i = a_i Σ_s r_s m_si``,
* ``∂/∂a_i = Σ_s r_s relu(w_i · x_s + b_i)``.

Input gradient (what the robustness probe measures):
``∇_x f(x) = Σ_i a_i 1[w_i · x + b_i > 0] w_i``.

Batching: every parameter array has the run index on axis 0, as in
:func:`landscape.descent.gradient_descent` (``params = (W, b?, a?)``, the biases
present iff ``bias=True``, the second layer iff it is trainable).  The data
``X``, ``y`` and a fixed second layer are shared by all runs, or given per run
(``X`` of shape ``(B, n, d)``, ``y`` ``(B, n)``, second layer ``(B, k)``: run
``r`` has its own sample).  The engine calls the objective on the *active*
runs only; the objective declares ``takes_active = True``, so
:func:`landscape.descent.gradient_descent` passes ``active=`` (the original
run indices of the sub-batch) and the matching rows of the per-run data are
used.  Called without ``active``, every call must see all ``B`` runs.
Nothing mixes runs, so a run's trajectory is independent of the batch: the
per-seed calls of :mod:`landscape.robustness` and one batched call give the
same endpoints bit for bit (``tests/landscape/test_empirical.py``).

Reused by the finite-sample width experiment (Zou & Gu, NeurIPS 2019: square
loss, fixed second layer) and by :mod:`landscape.robustness`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .errors import InputError

__all__ = ["LOSSES", "EmpiricalObjective", "forward", "input_gradient", "preactivations"]

#: Loss names accepted by :class:`EmpiricalObjective`.
LOSSES = ("square", "logistic", "exponential")
#: Runs are evaluated in blocks of at most this many floats of ``runs · n · max(k, d)``
#: (one ``(runs, n, k)`` temporary: ~256 KB, cache-sized; benchmarks/bench_robustness.py).
BLOCK_FLOATS = 32768


def _batched(A, name, ndim):
    A = np.asarray(A, dtype=float)
    if A.ndim != ndim:
        raise InputError(f"{name} must have {ndim} axes (run index first), got shape {A.shape}")
    return A


def preactivations(X, W, b=None) -> np.ndarray:
    """``Z[r, s, i] = w_i · x_s + b_i`` for run ``r``: shape ``(B, n, k)``.

    ``X`` is ``(n, d)`` (shared) or ``(B, n, d)``; ``W`` is ``(B, k, d)``; ``b`` ``(B, k)`` or None.
    """
    W = _batched(W, "W", 3)
    X = np.asarray(X, dtype=float)
    Z = np.matmul(X, W.swapaxes(-1, -2))  # batched BLAS (einsum here is ~10x slower)
    if b is not None:
        Z = Z + np.asarray(b, dtype=float)[:, None, :]
    return Z


def _second(a, B, k):
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = np.broadcast_to(a, (B, a.shape[0]))
    if a.shape != (B, k):
        raise InputError(f"second layer must have shape (k,) or (B, k) = ({B}, {k}), got {a.shape}")
    return a


def forward(X, W, b=None, a=None) -> np.ndarray:
    """Network outputs ``f(x_s)`` for every run: shape ``(B, n)``.

    ``a`` defaults to ones (shape ``(k,)`` or ``(B, k)``).
    """
    W = _batched(W, "W", 3)
    B, k, _ = W.shape
    a = _second(np.ones(k) if a is None else a, B, k)
    return np.matmul(np.maximum(preactivations(X, W, b), 0.0), a[:, :, None])[..., 0]


def input_gradient(X, W, b=None, a=None) -> np.ndarray:
    """``∇_x f(x_s) = Σ_i a_i 1[w_i · x_s + b_i > 0] w_i``: shape ``(B, n, d)``.

    At a point where some ``w_i · x + b_i = 0`` exactly, ``f`` has a kink; the
    value returned is the one-sided derivative with the neuron off.
    """
    W = _batched(W, "W", 3)
    B, k, _ = W.shape
    a = _second(np.ones(k) if a is None else a, B, k)
    M = (preactivations(X, W, b) > 0) * a[:, None, :]
    return np.matmul(M, W)


class EmpiricalObjective:
    """Mean loss of a two-layer ReLU network on a fixed sample, for batched GD.

    Parameters
    ----------
    X : (n, d) array, or (B, n, d) for per-run samples
        Inputs (rows).
    y : (n,) array, or (B, n)
        Targets (any reals for ``"square"``, ``±1`` for the classification losses).
    loss : {"square", "logistic", "exponential"}
    bias : bool
        Whether the network has biases ``b`` (then they are trained).
    second_layer : array, optional
        A fixed second layer, shape ``(k,)`` (or ``(B, k)``).  If None, the
        second layer is trainable and is the last array of ``params``.

    Calling the objective
    ---------------------
    ``obj(params, active=None) -> (loss (B,), grads)`` with ``params = (W, b?,
    a?)`` as described in the module docstring; ``grads`` has the same
    structure.  ``active`` (int array, ``(B,)``): the runs of the per-run data
    that the rows of ``params`` belong to (the descent engine's
    ``takes_active`` protocol); None = all runs, in order.
    """

    #: :func:`landscape.descent.gradient_descent` passes ``active=`` (per-run data).
    takes_active = True

    def __init__(self, X, y, *, loss: str = "square", bias: bool = True, second_layer=None):
        if loss not in LOSSES:
            raise InputError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        if X.ndim not in (2, 3) or y.shape != X.shape[:-1]:
            raise InputError(f"X must be (n, d) or (B, n, d) and y the matching (n,) or (B, n); "
                             f"got {X.shape}, {y.shape}")
        if X.shape[-2] < 1:
            raise InputError("the sample is empty")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise InputError("the sample has NaN or infinite entries")
        if loss != "square" and not np.all(np.abs(y) == 1):
            raise InputError(f"the {loss} loss needs labels ±1")
        self.X, self.y, self.loss_name, self.bias = X, y, loss, bool(bias)
        self.second_layer = None if second_layer is None else np.asarray(second_layer, dtype=float)
        self.n = X.shape[-2]

    @property
    def trains_second_layer(self) -> bool:
        return self.second_layer is None

    def pack(self, W, b=None, a=None) -> tuple:
        """``params`` tuple for :func:`landscape.descent.gradient_descent` from its parts."""
        parts = [np.asarray(W, dtype=float)]
        if self.bias:
            if b is None:
                raise InputError("this objective has biases: give b")
            parts.append(np.asarray(b, dtype=float))
        if self.trains_second_layer:
            if a is None:
                raise InputError("this objective trains the second layer: give a")
            parts.append(np.asarray(a, dtype=float))
        return tuple(parts)

    def unpack(self, params, active=None):
        """``(W, b or None, a)`` from a params tuple (``a`` the fixed layer when not trained;
        a per-run fixed layer restricted to the runs ``active``)."""
        params = tuple(params)
        expected = 1 + self.bias + self.trains_second_layer
        if len(params) != expected:
            raise InputError(f"params must hold {expected} arrays (W, b?, a?), got {len(params)}")
        W = _batched(params[0], "W", 3)
        if active is not None and len(active) != W.shape[0]:
            raise InputError(f"active names {len(active)} runs but params hold {W.shape[0]}")
        b = params[1] if self.bias else None
        if self.trains_second_layer:
            a = params[-1]
        else:
            fixed = self.second_layer
            if fixed.ndim == 2 and active is not None:
                fixed = fixed[self._rows(active, fixed.shape[0])]
            a = _second(fixed, W.shape[0], W.shape[1])
        return W, b, np.asarray(a, dtype=float)

    @staticmethod
    def _rows(active, runs):
        """``active`` as an index array (or a slice for all runs in order: no copy of the data)."""
        idx = np.asarray(active)
        if idx.ndim != 1 or idx.dtype.kind not in "iu" or (idx.size and (idx.min() < 0 or idx.max() >= runs)):
            raise InputError(f"active must be indices of the {runs} runs, got {active!r}")
        if idx.size == runs and np.array_equal(idx, np.arange(runs)):
            return slice(None)
        return idx

    def _data(self, B, active=None):
        if self.X.ndim == 2:
            return self.X, self.y
        if active is None:
            if self.X.shape[0] != B:
                raise InputError(
                    f"per-run samples for {self.X.shape[0]} runs but {B} runs given "
                    "(pass active= with the runs' indices, or give all runs)")
            return self.X, self.y
        if len(active) != B:
            raise InputError(f"active names {len(active)} runs but params hold {B}")
        rows = self._rows(active, self.X.shape[0])
        if isinstance(rows, slice):
            return self.X, self.y
        cached = getattr(self, "_cache", None)  # the active set changes only when a run stops
        if cached is None or not np.array_equal(cached[0], rows):
            cached = (rows.copy(), self.X[rows], self.y[rows])
            self._cache = cached
        return cached[1], cached[2]

    def _loss_terms(self, f, y):
        """``(ℓ(f, y), ℓ'(f, y))`` entrywise (derivative in ``f``)."""
        if self.loss_name == "square":
            r = f - y
            return 0.5 * r * r, r
        q = y * f
        if self.loss_name == "logistic":
            return np.logaddexp(0.0, -q), -y * expit(-q)
        e = np.exp(-q)
        return e, -y * e

    def margins(self, params, active=None) -> np.ndarray:
        """``y_s f(x_s)`` per run and sample (B, n)."""
        W, b, a = self.unpack(params, active)
        X, y = self._data(W.shape[0], active)
        return y * forward(X, W, b, a)

    def accuracy(self, params, active=None) -> np.ndarray:
        """Fraction of samples with ``y_s f(x_s) > 0`` per run (classification losses)."""
        return (self.margins(params, active) > 0).mean(axis=-1)

    def __call__(self, params, active=None):
        W, b, a = self.unpack(params, active)
        B = W.shape[0]
        X, y = self._data(B, active)
        step = max(1, int(BLOCK_FLOATS // (self.n * max(W.shape[1], W.shape[2]))))
        if B <= step:
            return self._evaluate(X, y, W, b, a)
        # blocks of runs: the (runs, n, k) temporaries stay in cache (same numbers: nothing mixes runs)
        parts = []
        for lo in range(0, B, step):
            sl = slice(lo, lo + step)
            parts.append(self._evaluate(X if X.ndim == 2 else X[sl], y if y.ndim == 1 else y[sl], W[sl],
                                        None if b is None else b[sl], a[sl]))
        loss = np.concatenate([p[0] for p in parts])
        return loss, tuple(np.concatenate([p[1][i] for p in parts]) for i in range(len(parts[0][1])))

    def _evaluate(self, X, y, W, b, a):
        Z = preactivations(X, W, b)  # (B, n, k)
        act = np.maximum(Z, 0.0)
        f = np.matmul(act, a[:, :, None])[..., 0]
        ell, dl = self._loss_terms(f, y)
        loss = ell.mean(axis=-1)
        r = dl / self.n  # (B, n)
        M = (Z > 0) * (r[:, :, None] * a[:, None, :])  # (B, n, k): r_s a_i m_si
        gW = np.matmul(M.swapaxes(1, 2), X)
        grads = [gW]
        if self.bias:
            grads.append(M.sum(axis=1))
        if self.trains_second_layer:
            grads.append(np.matmul(r[:, None, :], act)[:, 0, :])
        return loss, tuple(grads)
