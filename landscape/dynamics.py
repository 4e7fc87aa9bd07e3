"""Gradient descent on the population loss, many runs at once.

The simplest call (20 GD runs at k = d = 4 with the SYS21 protocol):

>>> from landscape.dynamics import train
>>> res = train(k=4, d=4, runs=20, seed=0)
>>> bool(res.converged.all()), float(res.loss.max()) < 1e-12
(True, True)

Model and conventions: SPEC.md (rows are neurons, the loss has the ½, teacher
``V = I_d`` and unit second layers by default).  The batched closed form
:func:`population_objective` evaluates ``L`` and ``∇L`` of ``B`` students
``W`` of shape ``(B, k, d)`` with a batch axis through the whole computation;
the kernel and gradient coefficients are the single formulas of
:mod:`landscape.kernel` (``kernel_value``, ``grad_coefficients_value``), the
same ones :mod:`landscape.loss` uses for one point.

Angles.  Pair angles come from the Gram matrix of unit rows,
``θ = arccos(ŵ_i · ŵ_j)``, which is accurate while ``|cos θ| <= 0.9`` (the
condition number of arccos there is below 2.3); for the nearly
(anti)parallel pairs -- the student row that has found its teacher row, which
is every pair of the global minimum's matching -- the angle is recomputed
with Kahan's formula ``θ = 2 atan2(|u − v|, |u + v|)`` (the formula of
:meth:`landscape.backends.Context.angle`), which keeps full relative accuracy
down to ``θ = 0``.  Self pairs have ``θ = 0`` exactly.  With this the
gradient at ``I_d`` and at Safran–Shamir's type-A minimum is reachable to
``1e-15`` (tests), whereas ``arccos`` of the Gram matrix alone loses half the
digits of small angles.

Protocol (:data:`PROTOCOLS`).  ``sys21`` is the experiment of Safran, Yehudai
& Shamir (COLT 2021, arXiv 2006.01005, §4.2, and the README/code of
github.com/ItaySafran/Overparameterization): "standard Xavier" initialisation
``W_ij ~ N(0, 1/k)`` -- the code draws ``normal(size=(k, k)) / k**0.5`` for
``k = n = d`` --, fixed step ``5/k``, GD until the gradient's Frobenius norm
is at most ``1e-12``.  The paper only runs ``k = n``; for ``k != d`` this
module uses ``N(0, 1/d)``, the fan-in Xavier variance (each neuron's
pre-activation ``w·x`` then has unit variance), which equals ``1/k`` when
``k = d`` and is what the issue asks for; ``--init-scale`` multiplies it.

Seeds.  Run ``r`` of an experiment with seed ``s`` draws its start from
``numpy.random.SeedSequence(s, spawn_key=(k, d, r))`` (:func:`initial_weights`):
its own stream, independent of the batch, chunk or worker that computes it.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from .backends import FLOAT
from .descent import MAX_STEPS, DescentResult, gradient_descent
from .errors import InputError
from .kernel import grad_coefficients_value, kernel, kernel_value, pair_geometry

__all__ = [
    "ZeroRowError",
    "PopulationObjective",
    "population_objective",
    "batched_loss_and_gradient",
    "ENGINES",
    "Protocol",
    "PROTOCOLS",
    "get_protocol",
    "initial_weights",
    "NewtonPolish",
    "train",
    "descend",
    "train_chunk",
    "MAX_THREADS",
    "check_threads",
    "MAX_K",
    "MAX_D",
    "MAX_RUNS",
    "Experiment",
    "run_experiment",
    "collect_results",
    "summarise_size",
    "spurious_fraction_ci",
]

#: Size limits (checked before any work).
MAX_K = 400
MAX_D = 400
MAX_RUNS = 10_000_000

#: Pairs with ``|cos θ|`` above this get Kahan's angle instead of arccos.
NEAR_PARALLEL = 0.9

#: Pair entries per slab of runs evaluated at once (cache-sized temporaries).
CACHE_PAIRS = 6400


class ZeroRowError(InputError):
    """A student row is zero: the loss is not differentiable there (SPEC.md)."""


def _unit_rows(W, what="W"):
    norms = np.sqrt((W * W).sum(axis=-1))
    if not np.all(norms > 0):
        bad = np.argwhere(~(norms > 0))
        run, row = bad[0][0], bad[0][-1]
        if not np.all(np.isfinite(W)):
            raise InputError(f"{what} has a NaN or infinite entry (run {run})")
        raise ZeroRowError(f"{what} has a zero row (run {run}, row {row}): the loss is not differentiable there")
    return norms, W / norms[..., None]


def _angles(UA, UB, self_pairs: bool):
    """``(θ, sin θ, cos θ)`` of all pairs of unit rows, batched.

    ``UA`` is ``(B, k, d)``; ``UB`` is ``(B, m, d)`` (``self_pairs``: ``UB is
    UA``) or ``(m, d)`` shared by the batch.  Gram matrix + arccos where
    ``|cos θ| <= 0.9``, Kahan's ``2 atan2(|u − v|, |u + v|)`` elsewhere; the
    diagonal of a self-pair matrix is ``θ = 0`` exactly.
    """
    if UB is None:  # the teacher I_d: cos θ(w_i, e_j) is the entry itself (exactly what U @ I gives)
        C = UA.copy()
        UB = np.eye(UA.shape[-1])
    else:
        C = np.matmul(UA, np.swapaxes(UB, -1, -2))  # (B, k, m); stacked gemm, one matrix per run
    with np.errstate(invalid="ignore"):  # |C| > 1 by rounding: those pairs are recomputed below
        theta = np.arccos(C)
        S = C * C
        np.subtract(1.0, S, out=S)
        np.sqrt(S, out=S)
    if self_pairs:
        diag = np.arange(UA.shape[1])
        C[:, diag, diag] = 0.0  # excluded from the near-parallel search below
    flat = np.flatnonzero(np.abs(C) > NEAR_PARALLEL)
    if flat.size:
        b, i, j = np.unravel_index(flat, C.shape)
        u = UA[b, i]
        v = UB[b, j] if UB.ndim == 3 else UB[j]
        t = 2.0 * np.arctan2(np.sqrt(((u - v) ** 2).sum(-1)), np.sqrt(((u + v) ** 2).sum(-1)))
        theta[b, i, j] = t
        S[b, i, j] = np.sin(t)
        C[b, i, j] = np.cos(t)
    if self_pairs:
        theta[:, diag, diag] = 0.0
        S[:, diag, diag] = 0.0
        C[:, diag, diag] = 1.0
    return theta, S, C


def _rowsum(X, w):
    """``Σ_j X[..., i, j] w[j]`` by an explicit product and a last-axis sum (per
    run, independent of the batch -- a gemv over the stacked matrix might not be)."""
    return (X * w).sum(axis=-1)


#: Engines of the batched objective: ``numba`` (default) -- one compiled loop
#: per run (:mod:`landscape.gd_kernel`); ``numpy`` -- whole-batch array passes,
#: the reference the compiled loop is tested against.
ENGINES = ("numba", "numpy")


def _check_engine(engine):
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    return engine


class PopulationObjective:
    """``W (B, k, d) -> (L (B,), ∇L (B, k, d))`` for a fixed teacher.

    Built by :func:`population_objective`; picklable (plain arrays), so it can
    be shipped to worker processes.  ``engine`` (:data:`ENGINES`) chooses the
    compiled per-run loop (``numba``) or the numpy reference.
    """

    def __init__(self, V=None, alpha=None, beta=None, engine: str = "numba"):
        self.engine = _check_engine(engine)
        self.V = None if V is None else np.array(V, dtype=float)
        self.alpha = None if alpha is None else np.array(alpha, dtype=float)
        self.beta = None if beta is None else np.array(beta, dtype=float)
        if self.V is not None:
            if self.V.ndim != 2 or not np.all(np.isfinite(self.V)):
                raise InputError("V must be a finite (n, d) matrix")
            _unit_rows(self.V[None], "V")
        self._teacher_cache = {}

    def teacher(self, k: int, d: int):
        """``(V, ‖v_j‖, unit rows of V, α, β, ½βᵀK(V,V)β, V is I_d)`` for students of shape (k, d)."""
        key = (k, d)
        if key not in self._teacher_cache:
            V = np.eye(d) if self.V is None else self.V
            if V.shape[1] != d:
                raise InputError(f"V has {V.shape[1]} columns but W has d = {d}")
            n = V.shape[0]
            alpha = np.ones(k) if self.alpha is None else self.alpha
            beta = np.ones(n) if self.beta is None else self.beta
            if alpha.shape != (k,):
                raise InputError(f"alpha must have k = {k} entries, got shape {alpha.shape}")
            if beta.shape != (n,):
                raise InputError(f"beta must have n = {n} entries, got shape {beta.shape}")
            vnorm, VU = _unit_rows(V[None], "V")
            const = 0.5 * float(beta @ kernel(pair_geometry(V, V, FLOAT)) @ beta)
            identity = V.shape[0] == d and np.array_equal(V, np.eye(d))
            self._teacher_cache[key] = (V, vnorm[0], VU[0], alpha, beta, const, identity)
        return self._teacher_cache[key]

    def __call__(self, W, need_loss: bool = True):
        """``(L, ∇L)`` for ``W`` of shape ``(B, k, d)`` (``L`` is None if not ``need_loss``)."""
        W = np.asarray(W, dtype=float)
        if W.ndim != 3:
            raise InputError(f"W must have shape (B, k, d), got {W.shape}")
        B, k, d = W.shape
        teacher = self.teacher(k, d)
        if self.engine == "numba":
            return self._fused(W, teacher, need_loss)
        # runs are processed in slabs of ~6400 pair entries: the temporaries
        # stay in cache (measured 2-4x faster than one pass over the batch at
        # k = 20); slabs never mix runs, so results do not depend on B.
        slab = max(1, CACHE_PAIRS // (k * max(k, teacher[0].shape[0])))
        with _single_thread_blas():  # the Gram products of large k would spin BLAS threads
            if B <= slab:
                return self._evaluate(W, teacher, need_loss)
            G = np.empty_like(W)
            L = np.empty(B) if need_loss else None
            for lo in range(0, B, slab):
                Ls, G[lo:lo + slab] = self._evaluate(W[lo:lo + slab], teacher, need_loss)
                if need_loss:
                    L[lo:lo + slab] = Ls
            return L, G

    def gradient(self, W):
        """``∇L`` only (what a GD step needs; the loss costs another third)."""
        return self(W, need_loss=False)[1]

    def gradient_and_norms(self, W):
        """``(∇L, max |∇L|, ‖∇L‖_F)`` per run -- the protocol of
        :func:`landscape.descent.gradient_descent`.  The compiled engine
        computes both norms while it writes the gradient, bit for bit as the
        trainer would from the array (numpy's pairwise summation order)."""
        W = np.asarray(W, dtype=float)
        if W.ndim != 3:
            raise InputError(f"W must have shape (B, k, d), got {W.shape}")
        if self.engine == "numba":
            _, G, gmax, gfro = self._fused(W, self.teacher(*W.shape[1:]), False, need_norms=True)
            return G, gmax, gfro
        G = self.gradient(W)
        flat = G.reshape(G.shape[0], -1)
        with np.errstate(over="ignore", invalid="ignore"):
            return G, np.abs(flat).max(axis=1), np.sqrt((flat * flat).sum(axis=1))

    @staticmethod
    def _fused(W, teacher, need_loss, need_norms=False):
        """The compiled loop of :mod:`landscape.gd_kernel` (same formulas and angles)."""
        from .gd_kernel import _CTX, fused_population

        V, vnorm, VU, alpha, beta, const, identity = teacher
        W = np.ascontiguousarray(W)
        B = W.shape[0]
        L = np.empty(B)
        G = np.empty_like(W)
        gmax = np.empty(B)
        gfro = np.empty(B)
        bad = fused_population(_CTX, W, V, VU, vnorm, alpha, beta, identity, need_loss, L, G, need_norms, gmax, gfro)
        if bad >= 0:
            _unit_rows(W)  # raises the reference's named error (zero row / NaN)
            raise InputError(f"W has a row whose norm is not positive (run {bad // W.shape[1]})")
        if need_norms:
            return None, G, gmax, gfro
        if not need_loss:
            return None, G
        L += const
        return L, G

    @staticmethod
    def _evaluate(W, teacher, need_loss):
        V, vnorm, VU, alpha, beta, const, identity = teacher
        unit_a = bool(np.all(alpha == 1.0))
        unit_b = bool(np.all(beta == 1.0))
        a, U = _unit_rows(W)
        tWW, sWW, cWW = _angles(U, U, self_pairs=True)
        tWV, sWV, cWV = _angles(U, None if identity else VU, self_pairs=False)
        P1, Q1 = grad_coefficients_value(FLOAT, a[:, None, :], tWW, sWW)  # (B, k, k)
        P2, Q2 = grad_coefficients_value(FLOAT, vnorm, tWV, sWV)  # (B, k, n)
        # ∇_{w_i} L = α_i [ (Σ_j α_j P1_ij − Σ_j β_j P2_ij) ŵ_i + Σ_j α_j Q1_ij w_j − Σ_j β_j Q2_ij v_j ]
        if unit_a and unit_b:
            radial = P1.sum(axis=-1) - P2.sum(axis=-1)
            G = np.matmul(Q1, W)
            G -= Q2 if identity else np.matmul(Q2, V)
        else:
            radial = _rowsum(P1, alpha) - _rowsum(P2, beta)
            G = np.matmul(Q1 * alpha, W) - np.matmul(Q2 * beta, V)
        G += radial[..., None] * U
        if not unit_a:
            G *= alpha[:, None]
        if not need_loss:
            return None, G
        KWW = kernel_value(FLOAT, a[:, :, None], a[:, None, :], tWW, sWW, cWW)
        KWV = kernel_value(FLOAT, a[:, :, None], vnorm, tWV, sWV, cWV)
        L = 0.5 * _rowsum(_rowsum(KWW, alpha), alpha) - _rowsum(_rowsum(KWV, beta), alpha) + const
        return L, G


def population_objective(V=None, alpha=None, beta=None, engine: str = "numba") -> PopulationObjective:
    """The batched population loss and gradient for teacher ``V`` (default ``I_d``).

    Parameters
    ----------
    V : (n, d) array-like, optional
        Teacher rows (default ``I_d``); any ``n``, no zero row.
    alpha, beta : array-like, optional
        Student / teacher second layers (default ones).
    engine : {"numba", "numpy"}
        ``numba``: one compiled loop per run (:mod:`landscape.gd_kernel`,
        ~10x faster at k = 20); ``numpy``: the array-pass reference.  Same
        formulas and angle rules; results agree to round-off (``1e-13``).

    Returns
    -------
    PopulationObjective
        ``obj(W) -> (loss, grad)`` for ``W`` of shape ``(B, k, d)``: float64
        arrays of shapes ``(B,)`` and ``(B, k, d)``.  A zero row raises
        :class:`ZeroRowError` (never a NaN).

    Examples
    --------
    >>> import numpy as np
    >>> obj = population_objective()
    >>> L, G = obj(np.stack([np.eye(3), 2 * np.eye(3)]))
    >>> L.round(12).tolist() == [0.0, round(3 / 4 + 3 / (2 * np.pi), 12)]   # L(2I) = ½ Σ_ij K(e_i, e_j)
    True
    """
    return PopulationObjective(V, alpha, beta, engine)


def batched_loss_and_gradient(W, V=None, alpha=None, beta=None, engine: str = "numba"):
    """``(L, ∇L)`` for a batch ``W`` of shape ``(B, k, d)`` (see :func:`population_objective`)."""
    return population_objective(V, alpha, beta, engine)(W)


# ---------------------------------------------------------------- protocol


@dataclass(frozen=True)
class Protocol:
    """A published GD protocol: initialisation, step, stopping rule.

    ``init_std(k, d)`` is the standard deviation of the i.i.d. Gaussian
    entries of W; ``step(k)`` the fixed step; ``norm`` the gradient measure
    of the stopping rule (see :func:`landscape.descent.gradient_descent`).
    """

    name: str
    description: str
    source: str
    tol: float = 1e-12
    max_steps: int = MAX_STEPS
    norm: str = "fro"
    step_numerator: float = 5.0  # step = step_numerator / k

    def init_std(self, k: int, d: int) -> float:
        return 1.0 / math.sqrt(d)

    def step(self, k: int) -> float:
        return self.step_numerator / k


PROTOCOLS = {
    "sys21": Protocol(
        name="sys21",
        description="Xavier init N(0, 1/d) (= 1/k for k = d), fixed step 5/k, stop at Frobenius |grad| <= 1e-12",
        source="Safran, Yehudai & Shamir, COLT 2021 (arXiv 2006.01005) §4.2; github.com/ItaySafran/Overparameterization",
    ),
    "sys21-max": Protocol(
        name="sys21-max",
        description="as sys21, but stop when the max-abs gradient entry is <= 1e-12 (the project's grad_norm)",
        source="Safran, Yehudai & Shamir, COLT 2021 (arXiv 2006.01005) §4.2, stopping rule changed",
        norm="max",
    ),
}


def get_protocol(name: str) -> Protocol:
    """The protocol called ``name`` (``InputError`` naming the known ones otherwise)."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise InputError(f"unknown protocol {name!r}; known: {', '.join(sorted(PROTOCOLS))}") from None


def initial_weights(k: int, d: int, runs, seed: int = 0, std: float | None = None) -> np.ndarray:
    """Seeded Gaussian starts, shape ``(len(runs), k, d)``.

    Parameters
    ----------
    runs : int or iterable of int
        Run indices (``range(runs)`` for an int).  Run ``r`` uses the stream
        ``SeedSequence(seed, spawn_key=(k, d, r))``, so its start does not
        depend on which other runs are drawn with it.
    std : float, optional
        Standard deviation of the entries (default ``1/sqrt(d)``, Xavier fan-in).

    Examples
    --------
    >>> a = initial_weights(3, 3, [0, 1, 2], seed=5)
    >>> b = initial_weights(3, 3, [2], seed=5)
    >>> bool((a[2] == b[0]).all())
    True
    """
    runs = range(runs) if isinstance(runs, (int, np.integer)) else list(runs)
    std = 1.0 / math.sqrt(d) if std is None else float(std)
    out = np.empty((len(runs), k, d))
    for pos, r in enumerate(runs):
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(k, d, int(r))))
        out[pos] = rng.standard_normal((k, d)) * std
    return out


# ---------------------------------------------------------------- Newton polish


_BLAS = []
_BLAS_LOCK = threading.Lock()
_BLAS_STATE = {"depth": 0, "limiter": None}


@contextlib.contextmanager
def _single_thread_blas():
    """A context in which BLAS/LAPACK run on one thread (threadpoolctl): the
    factorisation is then the same bit for bit in this process, a worker
    process or a Dask worker, and it does not spin threads on a loaded machine
    (measured: a 400 x 400 Cholesky took 0.4 s multi-threaded on 2 busy cores,
    6 ms single-threaded).  The controller inspects the loaded libraries once.

    The BLAS thread count is process-wide, and the trainer threads of
    :func:`descend` (``threads > 1``) polish at the same time: the first entry
    sets the limit, later ones (in any thread) only count, and the last exit
    restores it (a count under a lock), so no factorisation runs with the limit
    lifted.  threadpoolctl (>= 3.8) lets only the thread that set an OpenBLAS
    limit change it again, so :func:`descend` enters here in its calling thread
    before it starts its pool and leaves after the pool has stopped: the same
    thread sets and restores.  (Were the last exit in another thread, the
    restore would be ignored and BLAS would stay on one thread: never the
    other way round.)"""
    with _BLAS_LOCK:
        if not _BLAS:
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController())
        if _BLAS_STATE["depth"] == 0:
            limiter = _BLAS[0].limit(limits=1, user_api="blas")
            limiter.__enter__()
            _BLAS_STATE["limiter"] = limiter
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0:
                limiter, _BLAS_STATE["limiter"] = _BLAS_STATE["limiter"], None
                limiter.__exit__(None, None, None)


class NewtonPolish:
    """Newton steps near a strict local minimum, to finish a GD run quickly.

    Called by :func:`landscape.descent.gradient_descent` on runs whose
    max-abs gradient is below ``start``.  A step ``δ = −(H + λI)⁻¹ g`` (H from
    :func:`landscape.loss.hessian`) is taken only when the Cholesky
    factorisation of ``H + λI`` succeeds (positive definite Hessian) and
    ``max|δ| <= max_step``; the engine undoes it if the gradient measure
    does not decrease.  Why this keeps the run in the basin plain GD would
    reach: a positive definite Hessian and a step far smaller than the
    distance to any other critical point mean the Newton iterates converge to
    the critical point inside the tiny ball ``|δ|`` around the current point
    (Kantorovich), where L is strongly convex; GD with a step below
    ``2/λ_max`` started there converges to the same point.
    ``tests/landscape/test_dynamics.py`` checks polished and unpolished
    endpoints agree on a sample; docs/dynamics.md reports it.
    """

    def __init__(self, V=None, alpha=None, beta=None, start: float = 1e-5, max_step: float = 1e-3):
        self.V, self.alpha, self.beta = V, alpha, beta
        self.start = float(start)
        self.max_step = float(max_step)

    def __call__(self, W, G, weight_decay: float = 0.0):
        from .loss import hessian

        W = np.asarray(W, dtype=float)
        B, k, d = W.shape
        new = W.copy()
        accepted = np.zeros(B, dtype=bool)
        with _single_thread_blas():  # numpy's LAPACK, one thread
            for r in range(B):
                H = hessian(W[r], self.V, self.alpha, self.beta)
                if weight_decay:
                    H = H + weight_decay * np.eye(k * d)
                if not np.all(np.isfinite(H)):
                    continue
                try:
                    np.linalg.cholesky(H)  # succeeds iff H is (numerically) positive definite
                except np.linalg.LinAlgError:
                    continue  # no Newton step: plain GD goes on
                delta = np.linalg.solve(H, G[r].ravel())
                if np.all(np.isfinite(delta)) and np.abs(delta).max() <= self.max_step:
                    new[r] = W[r] - delta.reshape(k, d)
                    accepted[r] = True
        return new, accepted


# ---------------------------------------------------------------- training


def _check_sizes(k, d, runs):
    for name, value, hi in (("k", k, MAX_K), ("d", d, MAX_D)):
        if not (isinstance(value, (int, np.integer)) and 1 <= value <= hi):
            raise InputError(f"{name} must be an integer between 1 and {hi}, got {value}")
    if not (isinstance(runs, (int, np.integer)) and 1 <= runs <= MAX_RUNS):
        raise InputError(f"runs must be an integer between 1 and {MAX_RUNS}, got {runs}")


#: Entries ``B·k·d`` of one sub-batch handed to the trainer by :func:`train`:
#: the trainer's per-step passes over the batch (norms, update) then stay in
#: cache (measured: at k = 20 its overhead per run-step is ~1.5 µs with 64 runs,
#: 6-11 µs with 128-500 runs, comparable to the compiled gradient itself).
TRAIN_BATCH_ENTRIES = 25_600


def _sub_batches(runs: int, k: int, d: int, threads: int = 1):
    """Contiguous ``(lo, hi)`` run ranges of about :data:`TRAIN_BATCH_ENTRIES`
    entries each -- and, with ``threads > 1``, at most ``⌈runs / threads⌉``
    runs each, so that every thread gets work even when the batch is small."""
    size = max(1, TRAIN_BATCH_ENTRIES // (k * d))
    if threads > 1:
        size = min(size, -(-runs // threads))
    return [(lo, min(runs, lo + size)) for lo in range(0, runs, size)]


#: Largest ``threads`` accepted by :func:`train` and :func:`descend` (a sanity
#: bound: they may run on a Dask worker whose core count this process does
#: not know).  :func:`run_experiment` and the CLI bound ``threads`` by the CPUs
#: of this machine (:func:`check_threads`).
MAX_THREADS = 256


def check_threads(threads, limit: int | None = None, option: str = "threads") -> int:
    """``threads`` if it is an integer in ``1..limit``, else ``InputError``
    naming the limit.  Default limit: the CPUs of this machine
    (``os.cpu_count()``; more threads than cores only adds switching)."""
    machine = limit is None
    limit = max(1, os.cpu_count() or 1) if machine else int(limit)
    if isinstance(threads, bool) or not (isinstance(threads, (int, np.integer)) and 1 <= threads <= limit):
        what = " (the CPUs of this machine)" if machine else ""
        raise InputError(f"{option} must be an integer between 1 and {limit}{what}, got {threads}")
    return int(threads)


class _Cancelled(Exception):
    """Raised inside a trainer thread once another thread failed or the caller
    was interrupted (never escapes :func:`descend`)."""


class _Cancellable:
    """``objective`` with its ``__call__``, ``gradient`` and
    ``gradient_and_norms`` (those it has) refusing to run once ``cancel`` is
    set: a trainer thread then stops within one step (the trainer evaluates
    the objective every step) instead of finishing its sub-batch."""

    def __init__(self, objective, cancel: threading.Event):
        self._objective = objective
        self._cancel = cancel
        for name in ("gradient", "gradient_and_norms"):
            method = getattr(objective, name, None)
            if method is not None:
                setattr(self, name, self._guard(method))
        if getattr(objective, "takes_active", False):
            self.takes_active = True

    def _guard(self, fn):
        def call(*args, **kwargs):
            if self._cancel.is_set():
                raise _Cancelled
            return fn(*args, **kwargs)
        return call

    def __call__(self, *args, **kwargs):
        if self._cancel.is_set():
            raise _Cancelled
        return self._objective(*args, **kwargs)


def descend(objective, W0, *, threads: int = 1, **kwargs) -> DescentResult:
    """:func:`landscape.descent.gradient_descent` on ``W0`` of shape ``(B, k, d)``
    in sub-batches of about :data:`TRAIN_BATCH_ENTRIES` entries, results
    concatenated in run order (identical to one call: no run depends on its
    batch).  ``kwargs`` go to ``gradient_descent``.

    ``threads > 1`` trains the sub-batches on a pool of that many threads
    (``concurrent.futures.ThreadPoolExecutor``; each sub-batch then has at
    most ``⌈B / threads⌉`` runs).  A run's arithmetic is the same whichever
    thread computes it -- the compiled objective releases the GIL
    (``nogil``), keeps its scratch per call and takes every sum in a fixed
    order; the Newton polish runs LAPACK on one thread -- so the result is
    bit for bit the one of ``threads = 1`` (tests/landscape/test_gd_threads.py).
    The trainer's own per-step Python and numpy work holds the GIL, so the
    speed-up is below ``threads`` (docs/benchmarks_gd.md, section 1).  The
    objective must be safe to call from several threads
    (:class:`PopulationObjective` and :class:`NewtonPolish` are); ``progress``
    is called under a lock.  An error in one sub-batch, or Ctrl-C, stops the
    other threads within one step and is raised (the first failing sub-batch
    in run order, as with one thread)."""
    W0 = np.asarray(W0, dtype=float)
    if W0.ndim != 3:
        raise InputError(f"W0 must have shape (B, k, d), got {W0.shape}")
    threads = check_threads(threads, MAX_THREADS)
    B, k, d = W0.shape
    pieces = _sub_batches(B, k, d, threads)
    if threads == 1 or len(pieces) == 1:
        return _concat_results([gradient_descent(objective, W0[lo:hi], **kwargs) for lo, hi in pieces])
    teacher = getattr(objective, "teacher", None)
    if callable(teacher):
        teacher(k, d)  # fill the objective's per-size cache once, before the threads read it
    cancel = threading.Event()
    guarded = _Cancellable(objective, cancel)
    progress = kwargs.get("progress")
    if progress is not None:
        lock = threading.Lock()

        def locked_progress(n):
            with lock:
                progress(n)

        kwargs["progress"] = locked_progress
    def piece(lo, hi):
        if cancel.is_set():  # queued before the failure: not started
            raise _Cancelled
        return gradient_descent(guarded, W0[lo:hi], **kwargs)

    # the BLAS limit is set and restored by this thread, around the pool's whole life (_single_thread_blas)
    with _single_thread_blas():
        pool = ThreadPoolExecutor(max_workers=min(threads, len(pieces)), thread_name_prefix="relu-landscape-gd")
        futures = []
        try:
            for lo, hi in pieces:
                futures.append(pool.submit(piece, lo, hi))
            parts = [f.result() for f in futures]
        except BaseException:
            cancel.set()  # the running sub-batches stop at their next step, the queued ones never start
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return _concat_results(parts)


def _concat_results(parts):
    if len(parts) == 1:
        return parts[0]
    cat = {f: np.concatenate([getattr(r, f) for r in parts]) for f in
           ("params", "loss", "grad_norm", "grad_fro", "steps", "polish_steps", "converged", "diverged", "by_loss")}
    return DescentResult(**cat)


def train(k: int, d: int, runs: int, seed: int = 0, *, protocol: str = "sys21", step=None, tol=None,
          max_steps=None, init_scale: float = 1.0, V=None, polish: bool = True, first_run: int = 0,
          progress=None, loss_tol: float | None = None, engine: str = "numba", threads: int = 1) -> DescentResult:
    """GD from ``runs`` seeded random starts (runs ``first_run .. first_run+runs−1``).

    Parameters
    ----------
    k, d : int
        Student shape (rows are neurons); the teacher is ``V`` (default ``I_d``).
    runs, seed : int
        Number of runs and experiment seed (see :func:`initial_weights`).
    protocol : str
        Name in :data:`PROTOCOLS` giving the defaults of ``step``, ``tol``,
        ``max_steps``, the init variance and the stopping norm.
    step, tol, max_steps : optional
        Override the protocol.
    init_scale : float
        Multiplies the protocol's init standard deviation.
    polish : bool
        Finish with :class:`NewtonPolish` (same endpoints, fewer steps).
    loss_tol : float, optional
        Also stop runs whose loss is ``<= loss_tol`` (flagged ``by_loss``):
        needed for k > n, where the global minimum is degenerate and the
        gradient decays only like 1/t (docs/dynamics.md).
    engine : {"numba", "numpy"}
        The batched objective (:func:`population_objective`).  The runs go to
        the trainer in sub-batches of about :data:`TRAIN_BATCH_ENTRIES`
        entries (each run's trajectory does not depend on its batch).
    threads : int
        Sub-batches trained at once on this many threads (:func:`descend`;
        ``1..MAX_THREADS``).  The result is bit for bit the same for every
        value; only the wall-clock time changes.

    Returns
    -------
    DescentResult
        ``params`` has shape ``(runs, k, d)``.
    """
    _check_sizes(k, d, runs)
    check_threads(threads, MAX_THREADS)
    proto = get_protocol(protocol)
    if not (np.isfinite(init_scale) and init_scale > 0):
        raise InputError(f"init scale must be positive, got {init_scale}")
    W0 = initial_weights(k, d, range(first_run, first_run + runs), seed, proto.init_std(k, d) * init_scale)
    return descend(
        population_objective(V, engine=engine),
        W0,
        step=proto.step(k) if step is None else step,
        tol=proto.tol if tol is None else tol,
        max_steps=proto.max_steps if max_steps is None else max_steps,
        norm=proto.norm,
        polish=NewtonPolish(V) if polish else None,
        progress=progress,
        loss_tol=loss_tol,
        threads=threads,
    )


def train_chunk(task: dict) -> dict:
    """Train one chunk of runs described by a JSON-able ``task`` and return a
    JSON-able record (the unit of work of :mod:`landscape.runs`).

    ``task`` keys: ``k, d, seed, first_run, runs`` and optionally ``protocol,
    step, tol, max_steps, init_scale, polish, V, loss_tol, engine, threads``
    (``threads`` changes only the speed, never the record).  The record has per-run
    lists ``run, W`` (nested lists, exact float repr), ``loss, grad_norm,
    steps, polish_steps, converged, diverged``.
    """
    res = train(
        task["k"], task["d"], task["runs"], task["seed"],
        protocol=task.get("protocol", "sys21"), step=task.get("step"), tol=task.get("tol"),
        max_steps=task.get("max_steps"), init_scale=task.get("init_scale", 1.0),
        V=task.get("V"), polish=task.get("polish", True), first_run=task["first_run"], loss_tol=task.get("loss_tol"),
        engine=task.get("engine", "numba"), threads=task.get("threads", 1),
    )
    first = task["first_run"]
    return {
        "k": task["k"],
        "d": task["d"],
        "run": list(range(first, first + task["runs"])),
        "W": res.params.tolist(),
        "loss": res.loss.tolist(),
        "grad_norm": res.grad_norm.tolist(),
        "steps": res.steps.tolist(),
        "polish_steps": res.polish_steps.tolist(),
        "converged": res.converged.tolist(),
        "diverged": res.diverged.tolist(),
        "by_loss": res.by_loss.tolist(),
    }


# ---------------------------------------------------------------- experiments

#: Bounds of an experiment (checked before any work).
MAX_SIZES = 500
MAX_STORED_ENTRIES = 200_000_000  # Σ runs·k·d over the sizes: endpoints kept in the JSONL file
MAX_CHUNK = 100_000


@dataclass(frozen=True)
class Experiment:
    """GD from random starts at several sizes ``(k, d)`` (teacher ``I_d``).

    ``sizes`` is a tuple of ``(k, d)``; the other fields override the protocol
    when not None; ``engine`` is the batched objective (:data:`ENGINES`; part
    of the experiment's identity, since the engines differ in round-off).  :meth:`tasks` cuts every size into chunks of ``chunk``
    runs (the unit of work of :mod:`landscape.runs`); :meth:`meta` is what a
    results file must match to be resumed.
    """

    sizes: tuple
    runs: int
    seed: int = 0
    protocol: str = "sys21"
    step: float | None = None
    tol: float | None = None
    max_steps: int | None = None
    init_scale: float = 1.0
    polish: bool = True
    chunk: int = 100
    loss_tol: float | None = None
    engine: str = "numba"

    def check(self) -> "Experiment":
        """Every bound, before work (``InputError`` naming the limit)."""
        proto = get_protocol(self.protocol)
        _check_engine(self.engine)
        if not self.sizes:
            raise InputError("no (k, d) to run")
        if len(self.sizes) > MAX_SIZES:
            raise InputError(f"at most {MAX_SIZES} sizes (k, d) per experiment, got {len(self.sizes)}")
        for k, d in self.sizes:
            _check_sizes(k, d, self.runs)
        if not (isinstance(self.chunk, int) and 1 <= self.chunk <= MAX_CHUNK):
            raise InputError(f"chunk must be an integer between 1 and {MAX_CHUNK}, got {self.chunk}")
        stored = sum(self.runs * k * d for k, d in self.sizes)
        if stored > MAX_STORED_ENTRIES:
            raise InputError(f"runs x k x d summed over the sizes is {stored}, above the limit {MAX_STORED_ENTRIES} "
                             "(every endpoint is stored): use fewer runs or sizes")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2 ** 63):
            raise InputError(f"seed must be an integer between 0 and 2^63 - 1, got {self.seed}")
        for name, value in (("step", self.step), ("init scale", self.init_scale)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputError(f"{name} must be positive and finite, got {value}")
        for name, value in (("tol", self.tol), ("loss tol", self.loss_tol)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be finite and >= 0, got {value}")
        if self.max_steps is not None and not (1 <= self.max_steps <= 100_000_000):
            raise InputError(f"max steps must be between 1 and 100000000, got {self.max_steps}")
        if self.step is None:
            for k, _ in self.sizes:
                if not proto.step(k) > 0:
                    raise InputError(f"protocol {self.protocol} gives no positive step at k = {k}")
        return self

    def meta(self) -> dict:
        m = {"experiment": "gd-population", **{f: getattr(self, f) for f in self.__dataclass_fields__}}
        m["sizes"] = [list(s) for s in self.sizes]
        return m

    def tasks(self):
        from .runs import Task

        out = []
        for k, d in self.sizes:
            for lo in range(0, self.runs, self.chunk):
                n = min(self.chunk, self.runs - lo)
                payload = {"k": k, "d": d, "seed": self.seed, "first_run": lo, "runs": n, "protocol": self.protocol,
                           "step": self.step, "tol": self.tol, "max_steps": self.max_steps,
                           "init_scale": self.init_scale, "polish": self.polish, "loss_tol": self.loss_tol,
                           "engine": self.engine}
                out.append(Task(f"k={k},d={d},runs={lo}-{lo + n - 1}", payload, n))
        return out


def run_experiment(experiment: Experiment, out, *, resume: bool = False, workers: int = 1, scheduler=None,
                   progress=None, threads: int = 1) -> dict:
    """Train every run of ``experiment``, streaming to ``out``; return the per-run arrays per size.

    Parameters
    ----------
    experiment : Experiment
        What to run (checked first: every bound before work).
    out : path
        JSON-lines results file (:mod:`landscape.runs`).
    resume, workers, scheduler, progress
        As in :func:`landscape.runs.run_tasks`.
    threads : int
        Trainer threads in each process that trains a chunk (:func:`train`),
        ``1..os.cpu_count()``, default 1: measured (docs/benchmarks_gd.md),
        threads help only while many runs of a chunk are active at once; a
        chunk of the full protocol ends with its slowest runs alone, a phase
        bound by the trainer's Python (GIL), and 2 threads lose 4-7 % when
        another job holds the second core.  For many chunks use ``workers``
        or ``scheduler``.  Not part of the experiment's identity
        (:meth:`Experiment.meta`) and not written to ``out``: the results are
        bit for bit the same for every value, so a file is resumed with any
        thread count.

    Returns
    -------
    dict
        ``{(k, d): {"run", "W" (runs, k, d), "loss", "grad_norm", "steps",
        "polish_steps", "converged", "diverged"}}`` as numpy arrays sorted by run.
        Identical for any ``chunk``, ``workers``, ``scheduler`` or ``threads``
        (each run is computed from its own seeded start by a batch-independent
        engine).
    """
    from .runs import Task, run_tasks

    experiment.check()
    threads = check_threads(threads)
    # threads goes into each task's payload only: the task keys and the file's meta stay the same
    tasks = [Task(t.key, {**t.payload, "threads": threads}, t.weight) for t in experiment.tasks()]
    # the biggest sizes first: the longest tasks start early (better balance across workers)
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].payload["k"] * tasks[i].payload["d"])
    records = run_tasks(train_chunk, [tasks[i] for i in order], out=out, meta=experiment.meta(), resume=resume,
                        workers=workers, scheduler=scheduler, progress=progress, desc="gd")
    return collect_results(experiment, records)


def collect_results(experiment: Experiment, records: dict) -> dict:
    """Per-size run arrays (as :func:`run_experiment` returns) from the records
    ``{task key: result}`` of a results file; sizes with a missing chunk are left
    out (e.g. to look at an experiment that is still running)."""
    tasks = experiment.tasks()
    results = {}
    for k, d in experiment.sizes:
        keys = [t.key for t in tasks if t.payload["k"] == k and t.payload["d"] == d]
        if any(key not in records for key in keys):
            continue
        recs = [records[key] for key in keys]
        merged = {}
        for field_ in ("run", "loss", "grad_norm", "steps", "polish_steps", "converged", "diverged", "by_loss"):
            merged[field_] = np.array([x for r in recs for x in r[field_]])
        merged["W"] = np.array([w for r in recs for w in r["W"]], dtype=float).reshape(-1, k, d)
        idx = np.argsort(merged["run"], kind="stable")
        results[(k, d)] = {f: v[idx] for f, v in merged.items()}
    return results


def spurious_fraction_ci(spurious: int, total: int, confidence: float = 0.95):
    """Wilson score interval of a binomial proportion (scipy.stats.binomtest);
    ``(nan, nan)`` when ``total = 0``."""
    if total == 0:
        return float("nan"), float("nan")
    from scipy.stats import binomtest

    ci = binomtest(int(spurious), int(total)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def summarise_size(result: dict, *, classify: bool = True, loss_tol: float | None = None) -> dict:
    """Counts, spurious fraction with its 95% Wilson interval, and the endpoint
    families (:func:`landscape.endpoints.classify_endpoints`) of one size.

    ``spurious_fraction`` is spurious / converged (unconverged runs are counted
    separately, never classified).  Every converged run is classified,
    including those stopped by the loss rule (``by_loss``, counted in
    ``converged_by_loss``): with ``global_tol = max(1e-8, loss_tol)`` the
    classifier recognises a global endpoint at k > n by merging split rows
    within the loss-tied angle (:func:`landscape.endpoints.split_angle_bound`)
    and matching the merged rows to the teacher -- a run is never called global
    on its loss value alone.  The ``classification`` entry holds the
    :class:`~landscape.endpoints.Classification` (not JSON) for certification.
    """
    runs = int(result["converged"].size)
    conv = result["converged"]
    W = result["W"][conv]
    out = {"runs": runs, "converged": int(result["converged"].sum()), "unconverged": int((~result["converged"]).sum()),
           "diverged": int(result["diverged"].sum()),
           "steps_median": float(np.median(result["steps"])) if runs else None,
           "steps_max": int(result["steps"].max()) if runs else None,
           "polished": int((result["polish_steps"] > 0).sum()),
           "converged_by_loss": int(result["by_loss"].sum())}
    if classify and W.shape[0]:
        from .endpoints import classify_endpoints

        c = classify_endpoints(W, loss_values=result["loss"][conv], global_tol=max(1e-8, loss_tol or 0.0))
        glob, spur = c.global_count, c.spurious_count
        runs_of = result["run"][conv]
        fams = []
        for f in c.families:
            fd = f.to_dict(with_W=True)
            fd["members"] = [int(runs_of[m]) for m in f.members]  # run indices of the experiment
            fams.append(fd)
        out["classification"] = c
    else:
        glob = spur = 0
        fams = []
        out["classification"] = None
    lo, hi = spurious_fraction_ci(spur, glob + spur)
    out.update({"global": glob, "spurious": spur,
                "spurious_fraction": spur / (glob + spur) if glob + spur else None,
                "spurious_ci95": [lo, hi] if glob + spur else None, "families": fams})
    return out
