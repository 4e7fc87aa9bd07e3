"""Finite-sample width experiment: how wide must the student be for GD to fit n samples?

The simplest call (one sample of 4 points, a wide student, two runs):

>>> from landscape.finite_sample import width_experiment
>>> res = width_experiment(samples=(4,), widths=(32,), runs=2, d=4, seed=0, progress=False)
>>> [(c["n"], c["m"], c["zero"], c["runs"]) for c in res.cells]
[(4, 32, 2, 2)]

The setting is the two-layer case of D. Zou and Q. Gu, "An improved
analysis of training over-parameterized deep neural networks", NeurIPS 2019
(arXiv 1906.04688), Algorithm 1 with one hidden layer:

* data: ``n`` inputs ``x_s ~ N(0, I_d)`` normalised to the unit sphere (their
  data assumption ``‖x_s‖ = 1``), labelled by this project's teacher,
  ``y_s = Σ_j relu(v_j · x_s)`` with ``V = I_d`` (SPEC.md);
* student: ``f(x) = Σ_{r≤m} a_r relu(w_r · x)`` (rows are neurons), first
  layer initialised ``w_r ~ N(0, (2/m) I_d)`` (He initialisation, as in their
  Algorithm 1), second layer ``a_r ~ N(0, 1)`` **fixed** (only the hidden
  layer is trained, as in their analysis);
* objective: the empirical square loss ``L = (1/n) Σ_s ½ (f(x_s) − y_s)²``
  (:class:`landscape.empirical.EmpiricalObjective`, the project's ½), trained
  by plain GD with the project's one trainer
  (:func:`landscape.descent.gradient_descent`).

Step size.  ``f`` is piecewise linear in ``W``, so almost everywhere the
Hessian of ``L`` is the Gauss–Newton matrix ``JᵀJ/n``, whose non-zero
eigenvalues are those of ``K/n`` with the Gram matrix
``K_{ss'} = (x_s·x_{s'}) Σ_r a_r² 1[w_r·x_s > 0] 1[w_r·x_{s'} > 0]``.  Each run
takes the fixed step ``η = step_scale · n / λ_max(K₀)`` computed at its own
initialisation (``step_scale = 1``: half the stability limit ``2/λ_max``).

Outcome of a run (every run gets exactly one; none is dropped):

``zero``
    the training loss reached ``loss_tol · ½ mean(y²)`` ("numerically zero");
``stationary``
    the gradient's max-abs entry reached ``tol`` at a positive loss (GD stopped
    at a spurious stationary point);
``stalled``
    the loss decreased by a relative amount below ``stall`` over the last
    ``segment`` steps (GD plateaued; at that rate it would need more than
    ``segment / stall`` further steps per e-fold);
``budget``
    ``max_steps`` spent while still decreasing;
``diverged``
    the loss or gradient became non-finite.

GD is run in segments of ``segment`` steps, restarting each from where the
last stopped: plain GD with a fixed step has no state, so the trajectory is
the same as one long run; the segments only decide when to look.

The measured threshold ``m*(n)`` is the smallest width of the grid at which
at least ``threshold`` (default ½) of the runs reach zero loss (and every
larger width of the grid does too).  It is plotted beside Zou & Gu's
*sufficient* width for GD: their main theorem for GD on an L-hidden-layer
ReLU network needs ``m = Ω̃(n^8 L^12 φ^{-4})`` (their Table 1), ``φ`` the
minimum distance between two training inputs; with ``L = 1`` this is
``n^8 φ^{-4}`` up to an unspecified constant and log factors, drawn here
with constant 1.  It is a sufficient condition from a worst-case proof, not
a prediction of ``m*``; the figure also shows the parameter count
``m d = n`` below which a generic sample cannot be interpolated.

Reproducibility: the sample of size ``n`` (index ``s``) comes from
``numpy.random.default_rng([seed, n, s])``, the initialisation of run ``r``
at width ``m`` from ``default_rng([seed, n, s, m, r])``; a task is one
``(n, m, s)`` cell with all its runs, so the results do not depend on the
number of workers or on Dask (:mod:`landscape.runs`).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from .descent import gradient_descent
from .empirical import EmpiricalObjective
from .errors import InputError
from .io import atomic_save_figure

__all__ = ["sample", "initial_params", "gram_step", "fit_runs", "finite_chunk", "width_experiment",
           "WidthResult", "zou_gu_width", "min_distance", "plot_width_experiment", "OUTCOMES"]

#: The outcome labels of a run (module docstring).
OUTCOMES = ("zero", "stationary", "stalled", "budget", "diverged")

#: Bounds on what a user can ask for (checked before any work).
MAX_N = 5000
MAX_M = 8192
MAX_D = 512
MAX_RUNS = 10_000
MAX_CELLS = 2000
MAX_STEPS = 10_000_000
#: Largest total work, in multiply-adds: Σ over cells of runs · (4 n m d max_steps + n³) (GD steps
#: and the Gram eigenvalues of the step rule).
MAX_WORK = 2e14
#: Largest batch array ``runs · n · m`` (float64 entries; the objective holds a few of them).
MAX_BATCH_ENTRIES = 5e7

REFERENCE = ("D. Zou, Q. Gu, An improved analysis of training over-parameterized deep neural networks, "
             "NeurIPS 2019 (arXiv 1906.04688)")


# ----------------------------------------------------------------------------
# data, initialisation, step
# ----------------------------------------------------------------------------


def sample(n: int, d: int, seed: int = 0, index: int = 0, V=None):
    """The ``index``-th sample of size ``n``: unit-norm Gaussian inputs and teacher labels.

    Returns
    -------
    X : (n, d) float64
        ``x_s = g_s / ‖g_s‖``, ``g_s ~ N(0, I_d)``.
    y : (n,) float64
        ``y_s = Σ_j relu(v_j · x_s)`` (teacher ``V``, default ``I_d``, second layer ones).

    Examples
    --------
    >>> X, y = sample(3, 2, seed=1)
    >>> bool(np.allclose(np.linalg.norm(X, axis=1), 1.0)), bool(np.allclose(y, np.maximum(X, 0).sum(axis=1)))
    (True, True)
    """
    rng = np.random.default_rng([int(seed), int(n), int(index)])
    G = rng.standard_normal((n, d))
    norms = np.linalg.norm(G, axis=1, keepdims=True)
    X = G / norms
    Vm = np.eye(d) if V is None else np.asarray(V, dtype=float)
    y = np.maximum(X @ Vm.T, 0.0).sum(axis=1)
    return X, y


def initial_params(m: int, d: int, runs, seed: int = 0, n: int = 0, index: int = 0):
    """Per-run initialisation ``(W0 (R, m, d), a (R, m))``: ``w_r ~ N(0, 2/m)``, ``a_r ~ N(0, 1)``.

    ``runs`` is an iterable of run indices; run ``r`` draws from
    ``default_rng([seed, n, index, m, r])``, so it does not depend on which
    other runs share its batch.
    """
    Ws, As = [], []
    for r in runs:
        rng = np.random.default_rng([int(seed), int(n), int(index), int(m), int(r)])
        Ws.append(rng.normal(0.0, math.sqrt(2.0 / m), size=(m, d)))
        As.append(rng.standard_normal(m))
    return np.array(Ws).reshape(-1, m, d), np.array(As).reshape(-1, m)


def gram_step(X, W, a, step_scale: float = 1.0) -> np.ndarray:
    """Per-run step ``step_scale · n / λ_max(K)`` with the Gauss–Newton Gram matrix K at ``W``.

    ``K_{ss'} = (x_s·x_{s'}) Σ_r a_r² 1[w_r·x_s > 0] 1[w_r·x_{s'} > 0]``; the
    Hessian of the mean loss is ``JᵀJ/n`` a.e. and has the non-zero spectrum of
    ``K/n`` (module docstring).  A run whose K vanishes (every neuron dead on
    every sample) gets step ``step_scale`` (it cannot move anyway).
    """
    X = np.asarray(X, float)
    n = X.shape[0]
    G = X @ X.T
    lam = np.empty(len(W))
    for r in range(len(W)):  # one n x n Gram matrix at a time (memory n², not R n²)
        M = (X @ W[r].T > 0).astype(float)  # (n, m)
        K = ((M * (a[r] * a[r])[None, :]) @ M.T) * G
        lam[r] = np.linalg.eigvalsh(K)[-1]
    return np.where(lam > 0, step_scale * n / np.where(lam > 0, lam, 1.0), step_scale)


class _FixedSecondLayer:
    """The empirical objective with the second layer carried along but not trained.

    ``params = (W, a)``: the gradient in ``a`` is returned as zeros, so GD leaves
    ``a`` unchanged while it travels with its run through the engine's active
    sub-batches (a per-run fixed layer cannot be a shared constant).
    """

    def __init__(self, X, y):
        self.obj = EmpiricalObjective(X, y, loss="square", bias=False)

    def __call__(self, params):
        loss, (gW, ga) = self.obj(params)
        return loss, (gW, np.zeros_like(ga))


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------


def fit_runs(X, y, W0, a, *, step=None, step_scale: float = 1.0, loss_tol: float = 1e-10, tol: float = 1e-12,
             max_steps: int = 50_000, segment: int = 500, stall: float = 1e-4) -> dict:
    """GD on the empirical square loss from each ``(W0[r], a[r])``; outcome of every run.

    Parameters
    ----------
    X, y : (n, d), (n,)
        The sample.
    W0, a : (R, m, d), (R, m)
        First layers (trained) and second layers (fixed).
    step : float or (R,) array, optional
        Fixed step; default :func:`gram_step` at ``W0`` with ``step_scale``.
    loss_tol : float
        "Zero" loss means ``L ≤ loss_tol · ½ mean(y²)``.
    tol : float
        Gradient max-abs level of a stationary point.
    max_steps, segment, stall : int, int, float
        Budget, inspection interval and plateau rule (module docstring).

    Returns
    -------
    dict
        Lists over runs: ``loss`` (final), ``steps``, ``outcome`` (in :data:`OUTCOMES`),
        ``step``; and ``W`` (R, m, d) final first layers (float64 array).
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    W = np.array(W0, dtype=float, copy=True)
    a = np.asarray(a, float)
    R = W.shape[0]
    if step is None:
        step = gram_step(X, W, a, step_scale)
    step = np.broadcast_to(np.asarray(step, float), (R,)).copy()
    obj = _FixedSecondLayer(X, y)
    zero_level = loss_tol * 0.5 * float(np.mean(y * y))
    loss = np.asarray(obj((W, a))[0], float)
    steps = np.zeros(R, dtype=np.int64)
    outcome = np.array([""] * R, dtype=object)
    outcome[loss <= zero_level] = "zero"
    while True:
        act = np.flatnonzero(outcome == "")
        if act.size == 0:
            break
        seg = int(min(segment, max_steps - steps[act[0]]))
        res = gradient_descent(obj, (W[act], a[act]), step=step[act], tol=tol, max_steps=seg)
        W[act] = res.params[0]
        steps[act] += res.steps
        before = loss[act]
        loss[act] = res.loss
        for j, r in enumerate(act):
            if res.diverged[j] or not np.isfinite(loss[r]):
                outcome[r] = "diverged"
            elif loss[r] <= zero_level:
                outcome[r] = "zero"
            elif res.converged[j]:
                outcome[r] = "stationary"
            elif steps[r] >= max_steps:
                outcome[r] = "budget"
            elif loss[r] > (1.0 - stall) * before[j]:
                outcome[r] = "stalled"
    return {"loss": loss.tolist(), "steps": steps.tolist(), "outcome": outcome.tolist(), "step": step.tolist(),
            "W": W}


def min_distance(X) -> float:
    """``φ = min_{s≠s'} ‖x_s − x_{s'}‖`` (Zou & Gu's data separation)."""
    X = np.asarray(X, float)
    if X.shape[0] < 2:
        return float("inf")
    G = X @ X.T
    sq = np.diag(G)[:, None] + np.diag(G)[None, :] - 2 * G
    np.fill_diagonal(sq, np.inf)
    return float(math.sqrt(max(float(sq.min()), 0.0)))


def zou_gu_width(n, phi, constant: float = 1.0):
    """Zou & Gu's sufficient width for GD with one hidden layer, ``C n^8 φ^{-4}`` (log factors dropped).

    A *sufficient* condition (their main GD theorem, ``m = Ω̃(n^8 L^12 φ^{-4})``
    with ``L = 1``), with an unspecified constant; ``constant=1`` draws its
    scaling only.

    Examples
    --------
    >>> zou_gu_width(10, 0.5)
    1600000000.0
    """
    return constant * float(n) ** 8 / float(phi) ** 4


def finite_chunk(task: dict) -> dict:
    """One cell ``(n, m, sample)`` with all its runs: the unit of work of :mod:`landscape.runs`.

    ``task`` keys: ``n, m, d, seed, sample, runs`` and the :func:`fit_runs`
    options ``step_scale, loss_tol, tol, max_steps, segment, stall``.  The record is
    JSON-able: per-run lists ``run, loss, steps, outcome, step`` plus ``phi``.
    """
    n, m, d, seed, s = (int(task[k]) for k in ("n", "m", "d", "seed", "sample"))
    X, y = sample(n, d, seed, s)
    runs = list(range(int(task["runs"])))
    W0, a = initial_params(m, d, runs, seed, n, s)
    out = fit_runs(X, y, W0, a, step_scale=task["step_scale"], loss_tol=task["loss_tol"], tol=task["tol"],
                   max_steps=int(task["max_steps"]), segment=int(task["segment"]), stall=task["stall"])
    out.pop("W")
    return {"n": n, "m": m, "d": d, "sample": s, "run": runs, "phi": min_distance(X), **out}


# ----------------------------------------------------------------------------
# the experiment
# ----------------------------------------------------------------------------


@dataclass
class WidthResult:
    """Result of :func:`width_experiment`.

    ``cells``: one dict per ``(n, m)`` -- ``runs, zero, fraction, ci_low,
    ci_high`` (95% Wilson interval of the zero-loss fraction), ``outcomes``
    (count per label), ``median_steps``, ``median_loss``.  ``thresholds``:
    one dict per ``n`` -- ``m_star`` (None if no width of the grid reaches
    the threshold), ``m_below`` (the grid width just below, or None), ``phi``
    (smallest φ over the samples of that n), ``zou_gu_width`` (``n^8 φ^{-4}``),
    ``param_count_width`` (``n/d``).
    """

    cells: list
    thresholds: list
    settings: dict
    out: str | None = None
    records: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {"cells": self.cells, "thresholds": self.thresholds, "settings": self.settings, "out": self.out,
                "reference": REFERENCE}


def _ints(values, name, lo, hi):
    try:
        vals = [int(v) for v in values]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be integers, got {values!r}") from None
    if not vals:
        raise InputError(f"{name} is empty")
    for v, raw in zip(vals, values):
        if isinstance(raw, float) and raw != v:
            raise InputError(f"{name} must be integers, got {raw}")
        if not lo <= v <= hi:
            raise InputError(f"{name} must lie between {lo} and {hi}, got {v}")
    if len(set(vals)) != len(vals):
        raise InputError(f"{name} has repeated values: {vals}")
    return sorted(vals)


def _wilson(k: int, total: int):
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(total)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def width_experiment(samples=(20, 40, 80), widths=(1, 2, 4, 8, 16, 32, 64, 128), *, runs: int = 16, d: int = 8,
                     seed: int = 0, datasets: int = 1, step_scale: float = 1.0, loss_tol: float = 1e-10,
                     tol: float = 1e-12, max_steps: int = 50_000, segment: int = 500, stall: float = 1e-4,
                     threshold: float = 0.5, workers: int = 1, scheduler=None, out=None, resume: bool = False,
                     progress=None) -> WidthResult:
    """Fraction of GD runs reaching zero training loss, for each sample size n and width m.

    Parameters
    ----------
    samples, widths : sequences of int
        Sample sizes ``n`` and student widths ``m``.
    runs : int
        Runs per ``(n, m, sample)`` (different initialisations).
    d : int
        Input dimension (teacher ``V = I_d``).
    seed : int
        Experiment seed (module docstring).
    datasets : int
        Independent samples per ``n``; each ``(n, m)`` cell has ``runs · datasets`` runs.
    step_scale, loss_tol, tol, max_steps, segment, stall
        As in :func:`fit_runs`.
    threshold : float
        ``m*(n)``: smallest grid width from which on at least this fraction reaches zero.
    workers, scheduler, out, resume, progress
        As in :func:`landscape.runs.run_tasks` (``out`` None: a temporary file, removed).

    Returns
    -------
    WidthResult

    Raises
    ------
    InputError
        Any size or option out of its bounds (checked before work starts).
    """
    from .runs import Task, run_tasks

    ns = _ints(samples, "sample sizes (--samples)", 2, MAX_N)
    ms = _ints(widths, "widths (--m)", 1, MAX_M)
    for name, v, lo, hi in (("runs", runs, 1, MAX_RUNS), ("d", d, 1, MAX_D), ("datasets", datasets, 1, 1000),
                            ("max_steps", max_steps, 1, MAX_STEPS), ("segment", segment, 1, MAX_STEPS)):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and lo <= v <= hi):
            raise InputError(f"{name} must be an integer between {lo} and {hi}, got {v!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    for name, v, lo, hi in (("step_scale", step_scale, 0.0, 2.0), ("loss_tol", loss_tol, 0.0, 1.0),
                            ("tol", tol, 0.0, 1.0), ("stall", stall, 0.0, 1.0), ("threshold", threshold, 0.0, 1.0)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and lo < v <= hi) or (name == "step_scale" and v >= 2):
            raise InputError(f"{name} must lie in ({lo}, {hi}{')' if name == 'step_scale' else ']'}, got {v!r}")
    cells = len(ns) * len(ms) * datasets
    if cells > MAX_CELLS:
        raise InputError(f"{cells} cells (samples × widths × datasets) exceed the limit {MAX_CELLS}")
    work = runs * datasets * (4.0 * d * max_steps * sum(ns) * sum(ms) + len(ms) * sum(float(n) ** 3 for n in ns))
    if runs * max(ns) * max(ms) > MAX_BATCH_ENTRIES:
        raise InputError(f"runs · n · m = {runs * max(ns) * max(ms):.2e} floats in one batch exceeds the limit "
                         f"{MAX_BATCH_ENTRIES:.0e} (memory): fewer runs or smaller sizes")
    if work > MAX_WORK:
        raise InputError(f"the experiment could take up to {work:.1e} multiply-adds (runs · n · m · d · max_steps), "
                         f"above the limit {MAX_WORK:.0e}: fewer runs, smaller sizes or a smaller --max-steps")
    opts = {"step_scale": float(step_scale), "loss_tol": float(loss_tol), "tol": float(tol),
            "max_steps": int(max_steps), "segment": int(segment), "stall": float(stall)}
    meta = {"experiment": "gd-finite", "samples": ns, "widths": ms, "runs": int(runs), "d": int(d),
            "seed": int(seed), "datasets": int(datasets), **opts}
    tasks = [Task(f"n{n}-m{m}-s{s}", {"n": n, "m": m, "d": int(d), "seed": int(seed), "sample": s,
                                      "runs": int(runs), **opts}, weight=int(runs))
             for n in ns for s in range(datasets) for m in ms]
    tmp = None
    if out is None:
        fd, tmp = tempfile.mkstemp(suffix=".jsonl", prefix="gd-finite-")
        os.close(fd)
        path = tmp
    else:
        path = str(out)
    try:
        records = run_tasks(finite_chunk, tasks, out=path, meta=meta, resume=resume or tmp is not None,
                            workers=workers, scheduler=scheduler, progress=progress, desc="gd-finite")
    finally:
        if tmp is not None:
            os.unlink(tmp)
    result = summarise(records, ns, ms, datasets, d, threshold)
    result.settings = {**meta, "threshold": float(threshold)}
    result.out = None if tmp is not None else path
    result.records = records
    return result


def summarise(records: dict, ns, ms, datasets: int, d: int, threshold: float = 0.5) -> WidthResult:
    """Cells and thresholds from the task records (see :class:`WidthResult`)."""
    cells, thresholds = [], []
    for n in ns:
        fractions = {}
        phi = min(records[f"n{n}-m{ms[0]}-s{s}"]["phi"] for s in range(datasets))
        for m in ms:
            recs = [records[f"n{n}-m{m}-s{s}"] for s in range(datasets)]
            outcome = [o for r in recs for o in r["outcome"]]
            loss = [x for r in recs for x in r["loss"]]
            steps = [x for r in recs for x in r["steps"]]
            total, zero = len(outcome), outcome.count("zero")
            lo, hi = _wilson(zero, total)
            fractions[m] = zero / total
            cells.append({"n": n, "m": m, "runs": total, "zero": zero, "fraction": zero / total, "ci_low": lo,
                          "ci_high": hi, "outcomes": {k: outcome.count(k) for k in OUTCOMES},
                          "median_steps": float(np.median(steps)), "median_loss": float(np.median(loss))})
        m_star = None
        for i, m in enumerate(ms):
            if all(fractions[mm] >= threshold for mm in ms[i:]):
                m_star = m
                break
        below = None if m_star is None or m_star == ms[0] else ms[ms.index(m_star) - 1]
        thresholds.append({"n": n, "m_star": m_star, "m_below": below, "phi": phi,
                           "zou_gu_width": zou_gu_width(n, phi), "param_count_width": n / d})
    return WidthResult(cells, thresholds, {})


def plot_width_experiment(result: WidthResult, path) -> None:
    """Two panels: zero-loss fraction vs m (one line per n), and m*(n) vs n on log-log axes
    beside Zou & Gu's sufficient width ``n^8 φ^{-4}`` (constant 1) and the parameter count ``n/d``.

    Written atomically (a temporary file renamed into place).
    """
    fmt = _fmt(path)
    if not os.path.isdir(os.path.dirname(os.path.abspath(str(path)))):
        raise InputError(f"cannot write {path}: its directory does not exist")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.3))
    ns = sorted({c["n"] for c in result.cells})
    for n in ns:
        cs = [c for c in result.cells if c["n"] == n]
        m = [c["m"] for c in cs]
        f = np.array([c["fraction"] for c in cs])
        err = np.array([[c["fraction"] - c["ci_low"] for c in cs], [c["ci_high"] - c["fraction"] for c in cs]])
        ax1.errorbar(m, f, yerr=err, marker="o", capsize=3, label=f"n = {n}")
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("width m")
    ax1.set_ylabel("fraction of runs reaching zero training loss")
    ax1.axhline(result.settings.get("threshold", 0.5), color="grey", lw=0.8, ls=":")
    ax1.legend()
    ax1.set_title(f"GD on the empirical square loss (d = {result.settings.get('d')}, 95% Wilson intervals)")
    th = [t for t in result.thresholds if t["m_star"] is not None]
    if th:
        x = np.array([t["n"] for t in th], float)
        ms = np.array([t["m_star"] for t in th], float)
        lo = np.array([t["m_below"] if t["m_below"] else t["m_star"] for t in th], float)
        ax2.errorbar(x, ms, yerr=[ms - lo, np.zeros_like(ms)], marker="s", color="C3", capsize=4, lw=2,
                     label="measured m*(n) (bar: grid interval)")
    allx = np.array([t["n"] for t in result.thresholds], float)
    ax2.plot(allx, [t["zou_gu_width"] for t in result.thresholds], "k--",
             label="Zou & Gu 2019 sufficient width n⁸φ⁻⁴ (C = 1, logs dropped)\n— a sufficient condition, not a prediction")
    ax2.plot(allx, [t["param_count_width"] for t in result.thresholds], "C0:", label="parameter count m·d = n")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("number of samples n")
    ax2.set_ylabel("width m")
    ax2.legend(fontsize=8, loc="center right")
    ax2.set_title("measured threshold vs sufficient width")
    fig.tight_layout()
    try:
        atomic_save_figure(fig, path, format=fmt, dpi=110)
    finally:
        plt.close(fig)


def _fmt(path) -> str:
    ext = os.path.splitext(str(path))[1].lower().lstrip(".")
    if ext not in ("png", "pdf", "svg"):
        raise InputError(f"figure format must be .png, .pdf or .svg, got {path}")
    return ext
