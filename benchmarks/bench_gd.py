"""Speed of population GD: batched engine vs the obvious per-run loop; runs/s by engine; extrapolation.

Run (writes docs/benchmarks_gd.md):

    PYTHONPATH=. nice python benchmarks/bench_gd.py [--quick] [--out docs/benchmarks_gd.md]

1. GD steps per second at k = d = 10 and 20: the batched engine as the
   experiments use it (:func:`landscape.dynamics.descend`: the trainer of
   :mod:`landscape.descent` on cache-sized sub-batches, 500 runs, every run
   kept active) with the compiled objective (``numba``, the default) and the
   numpy reference objective, against a per-run numpy loop written the
   obvious way (one W at a time, arccos of the Gram matrix of unit rows, as in
   the published experiment's code).  The three are measured in the same
   process, interleaved over several rounds (loop, numpy, numba, loop, ...),
   and the median of the rounds is reported, so a change of machine load
   hits all three alike.  The numba compile/cache-load time of the first call
   is reported too.
2. Runs per second of the SYS21 protocol at k = d = 10: one process,
   2 worker processes, a Dask LocalCluster of 2 worker processes.
3. Time of k = 6..100 x 500 runs: mean steps per run from the k = 6..20
   reproduction and measured at k = 30, 40, 50 (a few full runs each),
   seconds per run-step measured up to k = 100, power laws fitted, summed
   over k.

The machine has 2 cores shared with other jobs: the load average is printed
with every table; ratios measured in the same run are the meaningful numbers.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time

import numpy as np

from landscape.dynamics import Experiment, descend, initial_weights, population_objective, run_experiment, train


def loop_gradient(W):
    """∇L at one W (rows are neurons, V = I_d), the obvious way: arccos of Gram matrices."""
    norms = np.linalg.norm(W, axis=1)
    U = W / norms[:, None]
    T = np.arccos(np.clip(U @ U.T, -1.0, 1.0))
    TV = np.arccos(np.clip(U, -1.0, 1.0))  # angles to e_j: cos = U[i, j]
    G = (np.sin(T) @ norms)[:, None] * U + (np.pi - T) @ W
    G -= np.sin(TV).sum(axis=1)[:, None] * U + (np.pi - TV)
    return G / (2 * np.pi)


#: Sections 1 and 3 time CPU seconds of this process (time.process_time): on a
#: shared machine the wall clock also counts the time other jobs hold the core.
clock = time.process_time


def loop_steps_per_second(k, steps):
    W = initial_weights(k, k, 1, seed=0)[0]
    eta = 5.0 / k
    t = clock()
    for _ in range(steps):
        W = W - eta * loop_gradient(W)
    return steps / (clock() - t)


def batched_steps_per_second(k, runs, steps, engine="numba"):
    W0 = initial_weights(k, k, runs, seed=0)
    t = clock()
    res = descend(population_objective(engine=engine), W0, step=5.0 / k, tol=0.0, max_steps=steps)
    dt = clock() - t
    assert (res.steps == steps).all()
    return runs * steps / dt


def load():
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average n/a"


def first_call_seconds():
    """Seconds of the first compiled call in a fresh interpreter (import numba
    and load the on-disk cache, or compile if there is none) -- in a subprocess,
    so this process's own state does not count."""
    import subprocess

    code = ("import time, numpy as np; from landscape.dynamics import population_objective; "
            "t = time.perf_counter(); population_objective()(np.eye(3)[None]); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return float(out.stdout.strip().splitlines()[-1])


def section_steps(quick, lines):
    rounds = 3 if quick else 7
    lines += ["## 1. GD steps per second (one step = one gradient + update of one run)", "",
              f"{load()}", "",
              f"CPU seconds of this process (time.process_time); median of {rounds} interleaved rounds "
              "(loop, numpy engine, numba engine in turn).", "",
              "| k = d | per-run loop (steps/s) | numpy objective, 500 runs (run-steps/s) | ratio | "
              "numba objective, 500 runs (run-steps/s) | ratio |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    population_objective()(np.eye(3)[None])  # compile / load the cache outside the timings
    for k in (10, 20):
        loop, ref, fused = [], [], []
        for _ in range(rounds):
            loop.append(loop_steps_per_second(k, 300 if quick else 1500))
            ref.append(batched_steps_per_second(k, 500, 4 if quick else 20, engine="numpy"))
            fused.append(batched_steps_per_second(k, 500, 4 if quick else 20))
        lo, rf, fu = (float(np.median(x)) for x in (loop, ref, fused))
        lines.append(f"| {k} | {lo:,.0f} | {rf:,.0f} | {rf / lo:.1f}x | {fu:,.0f} | {fu / lo:.1f}x |")
        print(lines[-1], file=sys.stderr)
    lines += ["", f"First compiled call in a fresh process (import numba + load the on-disk cache): "
              f"{first_call_seconds():.2f} s; {load()}", ""]


def section_engines(quick, lines):
    from distributed import LocalCluster

    k, runs = 10, (40 if quick else 200)
    exp = Experiment(sizes=((k, k),), runs=runs, seed=0, chunk=max(1, runs // 8))
    lines += [f"## 2. Runs per second, SYS21 protocol, k = d = {k}, {runs} runs in chunks of {exp.chunk}", "",
              f"{load()}", "", "| engine | wall time (s) | runs/s | same endpoints as 1 process |",
              "| --- | ---: | ---: | --- |"]
    ref = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in (("1 process", dict(workers=1)), ("2 worker processes", dict(workers=2))):
            t = time.perf_counter()
            res = run_experiment(exp, os.path.join(tmp, name + ".jsonl"), progress=False, **kw)
            dt = time.perf_counter() - t
            same = "reference" if ref is None else str(bool(np.array_equal(res[(k, k)]["W"], ref)))
            ref = res[(k, k)]["W"] if ref is None else ref
            lines.append(f"| {name} | {dt:.2f} | {runs / dt:.1f} | {same} |")
            print(lines[-1], file=sys.stderr)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            t = time.perf_counter()
            res = run_experiment(exp, os.path.join(tmp, "dask.jsonl"), progress=False,
                                 scheduler=cluster.scheduler_address)
            dt = time.perf_counter() - t
        lines.append(f"| Dask LocalCluster, 2 worker processes | {dt:.2f} | {runs / dt:.1f} | "
                     f"{bool(np.array_equal(res[(k, k)]['W'], ref))} |")
        print(lines[-1], file=sys.stderr)
    lines.append("")


def mean_steps_from(path):
    """Mean GD steps per run for each k = d in a results file of the reproduction."""
    from landscape.runs import read_records

    _, records = read_records(path)
    steps = {}
    for rec in records.values():
        if rec["k"] == rec["d"]:
            steps.setdefault(rec["k"], []).extend(rec["steps"])
    return {k: float(np.mean(v)) for k, v in sorted(steps.items())}


def section_extrapolation(quick, lines, steps_file=None):
    lines += ["## 3. k = 6..100 x 500 runs: measured, fitted, extrapolated", "", f"{load()}", ""]
    if steps_file and os.path.exists(steps_file):
        mean_steps = mean_steps_from(steps_file)
        lines.append(f"Mean GD steps per run (SYS21 protocol, Newton polish on) measured over the 500 runs of "
                     f"each k of the reproduction (`{os.path.basename(steps_file)}`).")
    else:
        runs = 8 if quick else 20
        mean_steps = {k: float(train(k, k, runs, seed=100 + k).steps.mean()) for k in (8, 12, 16, 20)}
        lines.append(f"Mean GD steps per run measured over {runs} runs at each k.")
    big_runs = 2 if quick else 6
    wall = {}
    for k in ((30,) if quick else (30, 40, 50)):
        t = clock()
        res = train(k, k, big_runs, seed=2021)
        wall[k] = (clock() - t) / big_runs
        mean_steps[k] = float(res.steps.mean())
        print(f"k = {k}: {big_runs} full runs, mean steps {mean_steps[k]:,.0f}, {wall[k]:.2f} s per run, "
              f"{int((~res.converged).sum())} unconverged", file=sys.stderr)
    lines.append(f"Measured in full (SYS21, seed 2021, runs 0..{big_runs - 1}, one process): "
                 + "; ".join(f"k = {k}: mean {mean_steps[k]:,.0f} steps, {wall[k]:.2f} CPU s per run" for k in wall)
                 + ".")
    ks_cost = (10, 20, 40) if quick else (10, 20, 40, 60, 100)
    cost = {}
    for k in ks_cost:
        B = max(4, min(128, 20000 // (k * k)))
        steps = 10 if k >= 60 else 30
        cost[k] = 1.0 / batched_steps_per_second(k, B, steps)
    lines += ["CPU seconds per run-step of the batched engine (one process, all runs active) measured at k = "
              + ", ".join(map(str, ks_cost)) + ".", "",
              "| k | mean steps per run | s per run-step |", "| ---: | ---: | ---: |"]
    for k in sorted(set(mean_steps) | set(cost)):
        ms = f"{mean_steps[k]:,.0f}" if k in mean_steps else ""
        cs = f"{cost[k]:.2e}" if k in cost else ""
        lines.append(f"| {k} | {ms} | {cs} |")
    kk = np.array(sorted(mean_steps))
    big = kk[kk >= 10] if (kk >= 10).sum() >= 3 else kk  # the fit uses every measured k >= 10
    p_steps, c_steps = np.polyfit(np.log(big), np.log([mean_steps[k] for k in big]), 1)
    kc = np.array(sorted(cost))
    p_cost, c_cost = np.polyfit(np.log(kc), np.log([cost[k] for k in kc]), 1)

    def steps_at(k):
        return mean_steps[k] if k in mean_steps else math.exp(c_steps) * k ** p_steps

    def cost_at(k):
        return math.exp(c_cost) * k ** p_cost

    measured = sum(500 * steps_at(k) * cost_at(k) for k in range(6, 21))
    total = sum(500 * steps_at(k) * cost_at(k) for k in range(6, 101))
    lines += ["", f"fits: steps per run ≈ {math.exp(c_steps):.3g} k^{p_steps:.2f} (k >= 10); s per run-step ≈ "
              f"{math.exp(c_cost):.3g} k^{p_cost:.2f}",
              f"k = 6..20 x 500 (steps measured): {measured:,.0f} core-seconds; "
              f"k = 6..100 x 500 (steps fitted beyond the measured k): {total:,.0f} core-seconds = "
              f"{total / 3600:.1f} core-hours.",
              f"Runs are independent tasks, so W Dask workers (one core each) need about {total / 3600:.1f}/W hours "
              "(the tail: the last task of the largest k bounds it; chunks of 50-100 runs keep W up to a few "
              "hundred busy). Section 2 measures the overhead of 2 local/Dask workers at small k.", ""]
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    ap.add_argument("--out", default=None, help="markdown output (default: stdout)")
    ap.add_argument("--skip", default="", help="comma list of sections to skip: steps,engines,extrapolation")
    ap.add_argument("--steps-from", default="/tmp/relu-landscape-gd/gd_k=n+0_seed2021.jsonl",
                    help="results file of docs/reproduction/reproduce_gd.py --offset 0 (mean steps per k)")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    import numba

    lines = ["# Benchmark: population gradient descent (`benchmarks/bench_gd.py`)", "",
             f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
             f"{os.cpu_count()} cores "
             f"(shared with other jobs), {'quick' if args.quick else 'full'} run", ""]
    if "steps" not in skip:
        section_steps(args.quick, lines)
    if "engines" not in skip:
        section_engines(args.quick, lines)
    if "extrapolation" not in skip:
        section_extrapolation(args.quick, lines, args.steps_from)
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
