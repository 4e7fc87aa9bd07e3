"""One batched gradient-descent engine for every experiment of the project.

The simplest call (three runs of GD on ``f(p) = ½|p|²``, one parameter each):

>>> import numpy as np
>>> from landscape.descent import gradient_descent
>>> quadratic = lambda p: (0.5 * (p * p).sum(axis=1), p)
>>> res = gradient_descent(quadratic, np.array([[1.0], [-2.0], [0.5]]), step=0.5, tol=1e-12)
>>> res.converged.tolist(), res.steps.tolist()
([True, True, True], [40, 41, 39])

Conventions
-----------
* ``params0`` is one array whose axis 0 is the run index, or a tuple of such
  arrays (e.g. ``(W, b, a)`` of a network trained on finite data): every
  array's axis 0 is the run, of the same length ``B``.
* ``objective(params) -> (loss, grads)`` is called on the *active* runs only
  (the sub-batch of runs not yet stopped, in their original order): ``loss``
  has shape ``(B',)``, ``grads`` the structure and shapes of ``params``.
* An objective with per-run data (e.g. each run its own sample,
  :class:`landscape.empirical.EmpiricalObjective`) needs to know *which* runs
  those are: if it has a true attribute ``takes_active``, every call (and
  its ``gradient`` method, if any) gets the keyword ``active=idx``, the
  original indices (into ``params0``, increasing, ``(B',)`` int64) of the
  rows of the sub-batch.  Objectives without it are called as before.  The
  same holds for ``polish``.
* The update is plain gradient descent with optional weight decay,
  ``p ← p − step · (∇L(p) + λ p)``, with a fixed step (a float, or one per run).
* A run stops when its gradient measure (``∇L + λp``; max-abs entry, or the
  Frobenius norm with ``norm="fro"`` as in Safran, Yehudai & Shamir 2021,
  App./code) is ``<= tol`` -- *converged* -- or when it has taken
  ``max_steps`` steps -- *unconverged*, reported as such, never counted as
  converged -- or when its loss or gradient stops being finite -- *diverged*.
  A stopped run is frozen and dropped from the active batch.

Determinism: nothing in the engine mixes runs (no reduction across axis 0),
so a run's trajectory depends only on its own start -- provided the objective
has the same property (``landscape.dynamics.population_objective`` does;
``tests/landscape/test_descent.py`` checks it bit for bit).  That is what makes
results independent of the chunking and of the number of workers.

``KeyboardInterrupt`` is not caught: one step takes milliseconds, so Ctrl-C
stops the loop at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import InputError

__all__ = ["DescentResult", "gradient_descent", "MAX_STEPS"]

#: Default step budget of :func:`gradient_descent`.
MAX_STEPS = 100_000

#: Largest step budget accepted (bounded before work starts).
MAX_STEPS_LIMIT = 100_000_000


@dataclass
class DescentResult:
    """Endpoints of a batch of GD runs (index ``r`` = run ``r`` of ``params0``).

    Attributes
    ----------
    params : ndarray or tuple of ndarray
        Final parameters, same structure as ``params0`` (float64).
    loss : (B,) float64
        Objective at the final parameters (without the weight-decay term).
    grad_norm : (B,) float64
        Max-abs entry of ``∇L + λp`` at the final parameters.
    grad_fro : (B,) float64
        Frobenius (Euclidean) norm of the same, over all arrays.
    steps : (B,) int64
        Gradient steps taken.
    polish_steps : (B,) int64
        Newton (polish) steps accepted.
    converged : (B,) bool
        Stopped because the gradient measure reached ``tol``.
    diverged : (B,) bool
        Stopped because the loss or gradient became non-finite.
    by_loss : (B,) bool
        Converged by the optional ``loss_tol`` rule (not by the gradient rule).
    """

    params: object
    loss: np.ndarray
    grad_norm: np.ndarray
    grad_fro: np.ndarray
    steps: np.ndarray
    polish_steps: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    by_loss: np.ndarray = None

    @property
    def unconverged(self) -> np.ndarray:
        """Runs that hit the step budget (or diverged) without reaching ``tol``."""
        return ~self.converged


def _as_tuple(params0):
    single = isinstance(params0, np.ndarray) or not isinstance(params0, (tuple, list))
    arrays = (params0,) if single else tuple(params0)
    arrays = tuple(np.array(a, dtype=float, copy=True) for a in arrays)
    if not arrays:
        raise InputError("params0 is empty: give an array or a tuple of arrays with the run index on axis 0")
    B = arrays[0].shape[0] if arrays[0].ndim else None
    for a in arrays:
        if a.ndim < 1 or a.shape[0] != B:
            raise InputError("every array of params0 needs the run index on axis 0, with the same number of runs")
        if not np.all(np.isfinite(a)):
            raise InputError("params0 has a NaN or infinite entry")
    return single, arrays, B


def _max_abs(arrays):
    """Max-abs entry per run over all arrays (float64, (B,))."""
    with np.errstate(invalid="ignore"):
        return np.max([np.abs(a.reshape(a.shape[0], -1)).max(axis=1) for a in arrays], axis=0)


def _frobenius(arrays):
    """Euclidean norm per run over all arrays (overflow gives inf: a diverging run)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.sqrt(np.sum([(x * x).sum(axis=1) for x in (a.reshape(a.shape[0], -1) for a in arrays)], axis=0))


def _per_run(fn, arrays):
    """Combine a per-array, per-run reduction over all arrays (no mixing of runs)."""
    return [fn(a.reshape(a.shape[0], -1)) for a in arrays]


def _with_active(fn):
    """``fn`` called with the original run indices of the sub-batch (``takes_active`` protocol)."""
    def call(*args, active):
        return fn(*args, active=active)
    return call


def _ignore_active(fn):
    def call(*args, active):
        return fn(*args)
    return call


def gradient_descent(
    objective: Callable,
    params0,
    *,
    step,
    tol: float = 1e-12,
    max_steps: int = MAX_STEPS,
    weight_decay: float = 0.0,
    progress: Callable[[int], None] | None = None,
    polish=None,
    norm: str = "max",
    loss_tol: float | None = None,
    loss_every: int = 50,
) -> DescentResult:
    """Batched gradient descent, each run stopped on its own.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> (loss (B',), grads)`` on the active sub-batch.
        If it also has a method ``gradient(params) -> grads``, that is used for
        the steps and the loss is evaluated only for the runs that stop.  If
        it has a true attribute ``takes_active``, both are called with the
        keyword ``active=`` (original run indices of the sub-batch's rows).
        An objective may also have ``gradient_and_norms(params) -> (grads,
        gmax, gfro)``: the gradient with its per-run max-abs entry and
        Frobenius norm, computed while it is written (a compiled kernel saves
        two passes); it replaces ``gradient`` when there is no weight decay.
    params0 : ndarray or tuple of ndarray
        Starting points; axis 0 of every array is the run index.
    step : float or (B,) array
        Fixed step size, positive (one per run allowed).
    tol : float
        Stop a run when its gradient measure is ``<= tol``.
    max_steps : int
        Step budget per run (``1 <= max_steps <= 10^8``).
    weight_decay : float
        ``λ >= 0``: descend on ``L(p) + (λ/2)|p|²``; ``loss`` reports ``L`` only.
    progress : callable, optional
        Called as ``progress(n)`` whenever ``n`` runs have just stopped.
    polish : object, optional
        Newton-type polish (e.g. :class:`landscape.dynamics.NewtonPolish`): has an
        attribute ``start`` (gradient max-abs below which it is tried) and is
        called as ``polish(params, grads, weight_decay) -> (new_params, accepted)``
        on the sub-batch of runs below ``start``.  An accepted polish step
        replaces the GD step; if the gradient measure does not decrease at the
        polished point, the run goes back to its pre-polish parameters and is
        never polished again (plain GD finishes it).
    norm : {"max", "fro"}
        Gradient measure of the stopping rule: max-abs entry (project
        convention, CLI.md ``grad_norm``) or Frobenius norm (SYS21's code).

    loss_tol : float, optional
        Also stop a run (counted as converged, flagged ``by_loss``) once its
        loss is ``<= loss_tol``, checked every ``loss_every`` steps.  For a
        loss bounded below by 0 (the population loss) this certifies
        ``loss_tol``-optimality where the gradient rule is impractical: at a
        degenerate global minimum (k > n: split neurons) GD converges
        sublinearly, the gradient decaying like 1/t.

    Returns
    -------
    DescentResult
    """
    single, arrays, B = _as_tuple(params0)
    if norm not in ("max", "fro"):
        raise InputError(f"norm must be 'max' or 'fro', got {norm!r}")
    if not (isinstance(max_steps, (int, np.integer)) and 1 <= max_steps <= MAX_STEPS_LIMIT):
        raise InputError(f"max_steps must be an integer between 1 and {MAX_STEPS_LIMIT}, got {max_steps}")
    if not (np.isfinite(tol) and tol >= 0):
        raise InputError(f"tol must be a finite number >= 0, got {tol}")
    if loss_tol is not None and not (np.isfinite(loss_tol) and loss_tol >= 0):
        raise InputError(f"loss_tol must be a finite number >= 0, got {loss_tol}")
    if not (isinstance(loss_every, (int, np.integer)) and loss_every >= 1):
        raise InputError(f"loss_every must be a positive integer, got {loss_every}")
    if not (np.isfinite(weight_decay) and weight_decay >= 0):
        raise InputError(f"weight_decay must be a finite number >= 0, got {weight_decay}")
    steps_of_run = np.broadcast_to(np.asarray(step, dtype=float), (B,)).copy()
    if not np.all(np.isfinite(steps_of_run) & (steps_of_run > 0)):
        raise InputError(f"step must be positive and finite, got {step}")

    out_params = tuple(a.copy() for a in arrays)
    out_loss = np.full(B, np.nan)
    out_gmax = np.full(B, np.nan)
    out_gfro = np.full(B, np.nan)
    out_steps = np.zeros(B, dtype=np.int64)
    out_polish = np.zeros(B, dtype=np.int64)
    converged = np.zeros(B, dtype=bool)
    diverged = np.zeros(B, dtype=bool)
    by_loss = np.zeros(B, dtype=bool)
    iteration = 0

    # an objective with a ``gradient`` method is asked for the loss only when a run stops
    grad_only = getattr(objective, "gradient", None)
    # ... and one with ``gradient_and_norms`` also hands over the two norms (without weight decay:
    # with it the measures are of ∇L + λp, which the objective does not see)
    grad_norms = getattr(objective, "gradient_and_norms", None) if not weight_decay else None
    wrap = _with_active if getattr(objective, "takes_active", False) else _ignore_active
    objective = wrap(objective)
    grad_only = None if grad_only is None else wrap(grad_only)
    grad_norms = None if grad_norms is None else wrap(grad_norms)
    if polish is not None:
        polish_call = _with_active(polish) if getattr(polish, "takes_active", False) else _ignore_active(polish)
    active = np.arange(B)
    cur = tuple(a.copy() for a in arrays)
    eta = steps_of_run.copy()
    n_steps = np.zeros(B, dtype=np.int64)
    n_polish = np.zeros(B, dtype=np.int64)
    # a run is polished when its max-abs gradient is below this level: polish.start
    # at first, a tenth of the current value after a refusal (Hessian not
    # positive definite yet), -inf after a polish step that did not help
    polish_level = np.full(B, -np.inf if polish is None else float(polish.start))
    backup = None  # (mask over active, params before the polish step, measure before)
    size = sum(int(np.prod(a.shape[1:])) for a in arrays)  # entries per run
    scratch = [None] * len(arrays)  # the step's products, reused while the batch keeps its size
    uniform = bool(np.all(eta == eta[0]))  # one step for every run: a Python float multiplies

    while active.size:
        check_loss = loss_tol is not None and iteration % loss_every == 0
        iteration += 1
        norms = None
        if grad_norms is not None and not check_loss:
            grads, *norms = grad_norms(cur if not single else cur[0], active=active)
            loss = None
        elif grad_only is not None and not check_loss:
            grads = grad_only(cur if not single else cur[0], active=active)
            loss = None
        else:
            loss, grads = objective(cur if not single else cur[0], active=active)
            loss = np.asarray(loss, dtype=float)
        grads = (grads,) if single else tuple(grads)
        total = tuple(g + weight_decay * p for g, p in zip(grads, cur)) if weight_decay else grads
        # per step only the measures that are used (the other is computed for stopped runs)
        if norms is not None:
            gmax, gfro = (np.asarray(x, dtype=float) for x in norms)
        elif norm == "max":
            gmax, gfro = _max_abs(total), None
        else:
            gfro = _frobenius(total)
            # the polish needs max|g| only where it could be below the polish level: max|g| >= ‖g‖_F / √size
            gmax = _max_abs(total) if (polish is not None and np.any(
                gfro <= polish_level[active] * np.sqrt(size) * (1 + 1e-12))) else None
        measure = gmax if norm == "max" else gfro

        if backup is not None:
            # a polish step that did not reduce the gradient measure is undone
            mask, before, m_before = backup
            bad = mask & ~(measure < m_before)
            if bad.any():
                polish_level[active[bad]] = -np.inf
                n_polish[active[bad]] -= 1
                cur = tuple(np.where(bad.reshape((-1,) + (1,) * (c.ndim - 1)), b, c) for c, b in zip(cur, before))
                backup = None
                continue  # re-evaluate the restored runs (one extra evaluation, rare)
            backup = None

        finite = np.isfinite(measure) if loss is None else np.isfinite(loss) & np.isfinite(measure)
        done = measure <= tol
        low = (loss <= loss_tol) & ~done if check_loss else np.zeros_like(done)
        done |= low
        stop = done | ~finite | (n_steps[active] >= max_steps)
        if stop.any():
            idx = active[stop]
            for o, c in zip(out_params, cur):
                o[idx] = c[stop]
            by_loss[idx] = low[stop]
            if loss is None:
                stopped = tuple(c[stop] for c in cur)
                with np.errstate(all="ignore"):
                    try:
                        loss_stop = np.asarray(objective(stopped if not single else stopped[0], active=idx)[0], dtype=float)
                    except InputError:  # a diverged run may not even be evaluable
                        loss_stop = np.full(int(stop.sum()), np.nan)
                finite[stop] &= np.isfinite(loss_stop)
                out_loss[idx] = loss_stop
            else:
                out_loss[idx] = loss[stop]
            total_stop = tuple(t[stop] for t in total)
            out_gmax[idx] = gmax[stop] if gmax is not None else _max_abs(total_stop)
            out_gfro[idx] = gfro[stop] if gfro is not None else _frobenius(total_stop)
            converged[idx] = done[stop] & finite[stop]
            diverged[idx] = ~finite[stop]
            keep = ~stop
            active = active[keep]
            cur = tuple(c[keep] for c in cur)
            total = tuple(t[keep] for t in total)
            measure = measure[keep]
            gmax = gmax[keep] if gmax is not None else None
            gfro = gfro[keep] if gfro is not None else None
            if progress is not None:
                progress(int(stop.sum()))
            if not active.size:
                break

        polished = np.zeros(active.size, dtype=bool)
        if polish is not None and gmax is not None:
            try_now = gmax <= polish_level[active]
            if try_now.any():
                sub = tuple(c[try_now] for c in cur)
                sub_grads = tuple(t[try_now] for t in total)
                new, accepted = polish_call(sub if not single else sub[0], sub_grads if not single else sub_grads[0],
                                            weight_decay, active=active[try_now])
                new = (new,) if single else tuple(new)
                accepted = np.asarray(accepted, dtype=bool)
                if accepted.any():
                    polished[np.flatnonzero(try_now)[accepted]] = True
                    before = tuple(c.copy() for c in cur)
                    for c, nv in zip(cur, new):
                        c[np.flatnonzero(try_now)[accepted]] = nv[accepted]
                    n_polish[active[polished]] += 1
                    backup = (polished, before, measure.copy())
                refused = np.flatnonzero(try_now)[~accepted]
                polish_level[active[refused]] = gmax[refused] / 10.0

        if polished.any():
            move = ~polished
            eta_a = eta[active][move]
            for c, t in zip(cur, total):
                c[move] -= eta_a.reshape((-1,) + (1,) * (c.ndim - 1)) * t[move]
            n_steps[active[move]] += 1
        else:  # the common case: every active run steps, in place, products into reused buffers
            factor = float(eta[0]) if uniform else eta[active]
            for i, (c, t) in enumerate(zip(cur, total)):
                if scratch[i] is None or scratch[i].shape != t.shape:
                    scratch[i] = np.empty_like(t)
                np.multiply(t, factor if uniform else factor.reshape((-1,) + (1,) * (c.ndim - 1)), out=scratch[i])
                c -= scratch[i]
            n_steps[active] += 1

    out_steps[:] = n_steps
    out_polish[:] = n_polish
    params = out_params[0] if single else out_params
    return DescentResult(params, out_loss, out_gmax, out_gfro, out_steps, out_polish, converged, diverged, by_loss)
