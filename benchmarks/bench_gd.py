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
   hits all three alike: CPU seconds of the process, i.e. per core.  In the
   same rounds, wall-clock seconds of the per-run loop (one thread) and of
   the compiled engine with 1 and 2 trainer threads (``descend(...,
   threads=2)``: two sub-batches trained at once in one process, results bit
   for bit those of one thread): the 2-core figure, only meaningful on an
   otherwise idle machine (the load average is printed before and after; a
   warning line if it exceeds 1.2).  The numba compile/cache-load time of
   the first call is reported too.
2. Runs per second of the SYS21 protocol at k = d = 10: one process (1 and
   2 trainer threads), 2 worker processes, a Dask LocalCluster of 2 worker
   processes (one thread each).
4. Where a compiled step goes at k = d = 10 and 20 (section ``phases``):
   the compiled objective alone on a batch of 64 runs, split into its
   phases by a copy of :func:`landscape.gd_kernel.fused_population` that
   skips the rest of a run from a given ``# phase:`` comment on (the
   difference of consecutive cut-offs is the phase's cost), against the
   throughput of its two irreducible operations measured alone (the
   vectorised arccos + sqrt pass per entry, a division per entry) and the
   budget 1/10 of the per-run loop's step leaves.
3. Time of k = 6..100 x 500 runs: mean steps per run from the k = 6..20
   reproduction and measured at k = 30, 40, 50 (a few full runs each),
   seconds per run-step measured up to k = 100, power laws fitted, summed
   over k.
5. Threading variants (section ``threads``), wall clock at k = d = 10, 20,
   500 runs, every run active: the trainer's sub-batches (at most
   ``⌈runs / threads⌉`` runs each) on 2 threads -- what ``threads=2`` does --,
   2 threads each training one half of the batch in a single trainer call,
   and the objective's runs split over 2 numba ``prange`` threads inside
   each call with the trainer itself on one thread (a copy of the objective
   that calls the package's compiled loop on two halves of the batch;
   bit-identical too, checked).  Then the whole SYS21 protocol (runs stop at
   different steps, so the threads' loads differ): k = d = 8..16, 100 runs
   each in chunks of 100, 1 vs 2 threads.

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


def loop_steps_per_second_wall(k, steps):
    """:func:`loop_steps_per_second` by the wall clock."""
    W = initial_weights(k, k, 1, seed=0)[0]
    eta = 5.0 / k
    t = time.perf_counter()
    for _ in range(steps):
        W = W - eta * loop_gradient(W)
    return steps / (time.perf_counter() - t)


def batched_steps_per_second(k, runs, steps, engine="numba", threads=1, wall=False, objective=None, result=None):
    """Run-steps per second of :func:`descend` (CPU seconds of the process, or
    the wall clock with ``wall``); ``result``, a list, receives the
    :class:`DescentResult`."""
    W0 = initial_weights(k, k, runs, seed=0)
    objective = population_objective(engine=engine) if objective is None else objective
    timer = time.perf_counter if wall else clock
    t = timer()
    res = descend(objective, W0, step=5.0 / k, tol=0.0, max_steps=steps, threads=threads)
    dt = timer() - t
    assert (res.steps == steps).all()
    if result is not None:
        result.append(res)
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


#: Above this 1-minute load average before a section, or this many cores used by
#: other processes during it, the wall-clock (2-core) figures are flagged as disturbed.
QUIET_LOAD = 1.2
QUIET_OTHER_CORES = 0.2


def load_warning():
    """A line saying the machine was not quiet, or "" (1-minute load average <= QUIET_LOAD).
    Meant before a section: during one, the load average counts this benchmark's own threads."""
    try:
        one = os.getloadavg()[0]
    except OSError:
        return ""
    if one <= QUIET_LOAD:
        return ""
    return (f"**Warning: load average {one:.2f} > {QUIET_LOAD} before this section: other jobs held cores, so "
            "the wall-clock (2-core) figures below understate the 2-thread engine; re-run on a quiet machine.**")


def _busy_seconds():
    """CPU seconds the whole machine has been busy (``/proc/stat``: user, nice,
    system, irq, softirq, steal), or None off Linux."""
    try:
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / os.sysconf("SC_CLK_TCK")


_SPIN = ("import time\nt = time.perf_counter(); c = time.process_time()\n"
         "while time.perf_counter() - t < {seconds}: pass\n"
         "print((time.process_time() - c) / (time.perf_counter() - t))")


def parallel_capacity(seconds: float = 1.0) -> float:
    """Cores the machine actually gives two CPU-bound processes at once: two
    Python processes spin for ``seconds`` side by side, and their CPU/wall
    ratios are summed (2.0 on two free cores).  On this virtual machine it
    was measured anywhere between 1.0 and 2.0 with no other process running
    (the host's other guests), so the 2-core figures are stated with it."""
    import subprocess

    code = _SPIN.format(seconds=seconds)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    return sum(float(p.communicate()[0].strip()) for p in procs)


class OtherJobs:
    """Cores used on average by every other process while the ``with`` block
    runs: (machine busy CPU seconds − this process's and its reaped children's
    CPU seconds) / wall seconds.  Unlike the load average it does not count
    this benchmark's own threads."""

    def __init__(self, note: str = ""):
        self.note = note

    def __enter__(self):
        self.cores = None
        self._t, self._busy, self._own = time.perf_counter(), _busy_seconds(), sum(os.times()[:4])
        return self

    def __exit__(self, *exc):
        busy = _busy_seconds()
        if busy is not None and self._busy is not None:
            wall = time.perf_counter() - self._t
            self.cores = max(0.0, (busy - self._busy - (sum(os.times()[:4]) - self._own)) / wall)
        return False

    def lines(self):
        """The measurement, and a warning above QUIET_OTHER_CORES."""
        if self.cores is None:
            return ["Other processes' CPU use during this section: n/a (no /proc/stat).", ""]
        out = [f"Other processes used {self.cores:.2f} cores on average during this section (/proc/stat, this "
               f"process excluded{self.note}).", ""]
        if self.cores > QUIET_OTHER_CORES and not self.note:  # a note: the count includes our own workers
            out += [f"**Warning: other jobs used {self.cores:.2f} > {QUIET_OTHER_CORES} cores during the "
                    "measurement: the wall-clock (2-core) figures understate the 2-thread engine; re-run on a "
                    "quiet machine.**", ""]
        return out


def section_steps(quick, lines):
    rounds = 3 if quick else 7
    steps, loop_steps = (4, 300) if quick else (20, 1500)
    # the wall-clock timings are 5x longer: at 20 steps (30-60 ms) the ratio of 2 threads to 1 moved
    # between 1.1x and 1.9x from one measurement to the next on this virtual machine
    wall_steps, wall_loop_steps = (10, 600) if quick else (100, 7500)
    start_load, start_warning = load(), load_warning()
    lines += ["## 1. GD steps per second (one step = one gradient + update of one run)", "",
              f"{start_load}", "",
              f"CPU seconds of this process (time.process_time), i.e. per core; median of {rounds} interleaved "
              "rounds (loop, numpy engine, numba engine, then the wall-clock measurements of table 1b, in turn).",
              "",
              "| k = d | per-run loop (steps/s) | numpy objective, 500 runs (run-steps/s) | ratio | "
              "numba objective, 500 runs (run-steps/s) | ratio |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    population_objective()(np.eye(3)[None])  # compile / load the cache outside the timings
    measured, walls, same = {}, {}, {}
    capacity = [parallel_capacity()]
    with OtherJobs() as others:
        for k in (10, 20):
            measured[k], walls[k], same[k] = _steps_rounds(k, rounds, steps, loop_steps, wall_steps, wall_loop_steps)
            lo, rf, fu = measured[k]
            lines.append(f"| {k} | {lo:,.0f} | {rf:,.0f} | {rf / lo:.1f}x | {fu:,.0f} | {fu / lo:.1f}x |")
            print(lines[-1], file=sys.stderr)
    capacity.append(parallel_capacity())
    lines += ["", "### 1b. The same by the wall clock: the engine on 2 threads (2 cores) against the per-run loop "
              "(1 thread)", "",
              f"Wall-clock seconds (time.perf_counter), median of the same {rounds} rounds, {wall_steps} steps of the "
              f"500 runs and {wall_loop_steps} of the loop per measurement; {start_load} before the section. The 2-thread engine uses two cores, the loop one: the column \"2 threads / loop\" is the "
              "2-core speed-up over the loop, not a per-core speed-up (that is table 1).", ""]
    lines += [start_warning, ""] if start_warning else []
    lines += others.lines()
    lines += [f"Parallel capacity (two processes spinning side by side, CPU/wall summed; 2.00 = two free cores): "
              f"{capacity[0]:.2f} before, {capacity[1]:.2f} after the rounds.", ""]
    if min(capacity) < 1.8:
        lines += [f"**Warning: the machine gave two processes only {min(capacity):.2f} cores at once: the 2-thread "
                  "figures below are limited by that, not by the engine; re-run when it gives 2.**", ""]
    lines += ["| k = d | per-run loop, wall (steps/s) | numba, 1 thread, wall (run-steps/s) | "
              "numba, 2 threads, wall (run-steps/s) | 2 threads / loop | 2 threads / 1 thread | "
              "2 threads bit-identical to 1 |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for k in (10, 20):
        lw, one, two = walls[k]
        lines.append(f"| {k} | {lw:,.0f} | {one:,.0f} | {two:,.0f} | **{two / lw:.1f}x** | {two / one:.2f}x | "
                     f"{same[k]} |")
        print(lines[-1], file=sys.stderr)
    lines += ["", f"First compiled call in a fresh process (import numba + load the on-disk cache): "
              f"{first_call_seconds():.2f} s; {load()}", ""]
    return {k: (measured[k][0], measured[k][2]) for k in measured}


def _steps_rounds(k, rounds, steps, loop_steps, wall_steps, wall_loop_steps):
    """Section 1's interleaved rounds at one k: medians of (loop, numpy, numba) by CPU time, of (loop,
    numba 1 thread, numba 2 threads) by the wall clock, and whether 2 threads gave 1 thread's results."""
    loop, ref, fused, loop_w, one_w, two_w = [], [], [], [], [], []
    same = True
    for _ in range(rounds):
        loop.append(loop_steps_per_second(k, loop_steps))
        ref.append(batched_steps_per_second(k, 500, steps, engine="numpy"))
        fused.append(batched_steps_per_second(k, 500, steps))
        loop_w.append(loop_steps_per_second_wall(k, wall_loop_steps))
        res = []
        one_w.append(batched_steps_per_second(k, 500, wall_steps, wall=True, result=res))
        two_w.append(batched_steps_per_second(k, 500, wall_steps, threads=2, wall=True, result=res))
        same = same and all(np.array_equal(getattr(res[0], f), getattr(res[1], f))
                            for f in ("params", "loss", "grad_norm", "grad_fro", "steps"))
    med = [float(np.median(x)) for x in (loop, ref, fused, loop_w, one_w, two_w)]
    return tuple(med[:3]), tuple(med[3:]), same


def phase_kernel(directory):
    """A copy of the compiled objective with an extra argument ``stop``: a run
    is cut short (``continue``) before its ``stop``-th ``# phase:`` comment
    (``stop = -1``: never), compiled without the on-disk cache.  Returns the
    function and the phase names."""
    import importlib.util
    import inspect

    import landscape.gd_kernel as gk

    src = inspect.getsource(gk).replace("from .kernel import", "from landscape.kernel import")
    src = src.replace("cache=True", "cache=False")
    # its own vector type (numba interns types by name: sharing one with the
    # module's would make the module's kernel recompile, more slowly)
    src = src.replace('name="Vec8"', 'name="PhaseVec8"')
    head = "def fused_population(ctx, W, V, VU, vnorm, alpha, beta, identity, need_loss, L, G, need_norms, gmax, gfro"
    if src.count(head + "):") != 1:
        raise RuntimeError("landscape.gd_kernel.fused_population changed its signature: update phase_kernel")
    src = src.replace(head + "):", head + ", stop):")
    lines, names = [], []
    for line in src.split("\n"):
        if line.startswith("        # phase: "):
            lines += [f"        if stop == {len(names)}:", "            continue"]
            names.append(line.split("# phase: ", 1)[1])
        lines.append(line)
    path = os.path.join(directory, "_gd_kernel_phases.py")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    spec = importlib.util.spec_from_file_location("_gd_kernel_phases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, names


def section_phases(quick, lines, measured=None):
    import numba

    from landscape.gd_kernel import acos

    @numba.njit(error_model="numpy")
    def angle_pass(C, T, S, reps):  # the arccos + sqrt pass of landscape.gd_kernel._angles
        for _ in range(reps):
            for x in range(C.size):
                c = C[x]
                T[x] = acos(c)
                S[x] = math.sqrt(1.0 - c * c)

    @numba.njit(error_model="numpy")
    def division_pass(C, T, reps):  # Q = (π − θ) / (2π): one division per entry
        for _ in range(reps):
            for x in range(C.size):
                T[x] = (math.pi - C[x]) / (2 * math.pi)

    rounds = 3 if quick else 7
    runs = 64
    lines += ["## 4. Where a compiled step goes (k = d = 10, 20)", "", f"{load()}", "",
              f"The compiled objective alone (`fused_population`, gradient and norms, no loss) on {runs} runs; "
              f"CPU µs per run-step, min of {rounds} interleaved rounds; each phase is the difference of two "
              "cut-off copies of the kernel (`phase_kernel`: the copy's own call overhead, ~100 µs per call, "
              "cancels), so the phases add up to the kernel measured alone.", ""]
    from landscape.gd_kernel import _CTX, fused_population

    alone = {}  # the production kernel, timed before the cut-off copy is compiled (after it, in the same
    for k in (10, 20):  # process, the production kernel was measured up to 2x slower: keep this order)
        obj = population_objective()
        W = initial_weights(k, k, runs, seed=0)
        V, vnorm, VU, alpha, beta, const, identity = obj.teacher(k, k)
        L, G, gmax, gfro = np.empty(runs), np.empty_like(W), np.empty(runs), np.empty(runs)
        fused_population(_CTX, W, V, VU, vnorm, alpha, beta, identity, False, L, G, True, gmax, gfro)
        reps = 40 if quick else 200
        best = math.inf
        for _ in range(rounds):
            t = clock()
            for _ in range(reps):
                fused_population(_CTX, W, V, VU, vnorm, alpha, beta, identity, False, L, G, True, gmax, gfro)
            best = min(best, (clock() - t) / (reps * runs) * 1e6)
        alone[k] = best
    with tempfile.TemporaryDirectory() as tmp:
        module, names = phase_kernel(tmp)
        table = {}
        for k in (10, 20):
            obj = population_objective()
            W = initial_weights(k, k, runs, seed=0)
            V, vnorm, VU, alpha, beta, const, identity = obj.teacher(k, k)
            L, G, gmax, gfro = np.empty(runs), np.empty_like(W), np.empty(runs), np.empty(runs)
            stops = list(range(len(names))) + [-1]

            def call(stop):
                module.fused_population(module._CTX, W, V, VU, vnorm, alpha, beta, identity, False, L, G, True,
                                        gmax, gfro, stop)

            for stop in stops:
                call(stop)
            reps = 40 if quick else 200
            times = {stop: [] for stop in stops}
            for _ in range(rounds):
                for stop in stops:
                    t = clock()
                    for _ in range(reps):
                        call(stop)
                    times[stop].append((clock() - t) / (reps * runs) * 1e6)
            best = [min(times[s]) for s in stops]
            table[k] = [b - a for a, b in zip(best, best[1:])], best[-1] - best[0]
        lines += ["| phase | k = 10 | k = 20 |", "| --- | ---: | ---: |"]
        for i, name in enumerate(names):
            lines.append(f"| {name} | {table[10][0][i]:.2f} | {table[20][0][i]:.2f} |")
        lines.append(f"| **sum of the phases** | **{table[10][1]:.2f}** | **{table[20][1]:.2f}** |")
        lines.append(f"| the kernel itself, measured alone | {alone[10]:.2f} | {alone[20]:.2f} |")
    m = 960
    C = np.random.default_rng(0).uniform(-1, 1, m)
    T, S = np.empty(m), np.empty(m)
    angle_pass(C, T, S, 1)
    division_pass(C, T, 1)
    per_angle, per_div = [], []
    for _ in range(rounds):
        t = clock()
        angle_pass(C, T, S, 2000)
        per_angle.append((clock() - t) / (2000 * m) * 1e9)
        t = clock()
        division_pass(C, T, 2000)
        per_div.append((clock() - t) / (2000 * m) * 1e9)
    ang, div = min(per_angle), min(per_div)
    lines += ["", f"Irreducible operations alone (same compiled code, {m} entries in cache): arccos + sqrt "
              f"{ang:.2f} ns per entry, one division {div:.2f} ns per entry.", ""]
    for k in (10, 20):
        kp = (k + 7) // 8 * 8
        entries = 2 * k * kp  # student and teacher angle matrices, padded to kp columns
        divisions = 2 * entries + k * kp  # P and Q of every entry; the unit rows
        floor = (entries * ang + divisions * div) / 1000
        text = (f"k = {k}: {entries} angle entries and {divisions} divisions per run-step: "
                f"{entries * ang / 1000:.2f} + {divisions * div / 1000:.2f} = {floor:.2f} µs of arccos, "
                f"square-root and division throughput alone, of {alone[k]:.2f} µs for the whole kernel")
        if measured and k in measured:
            lo, fu = measured[k]
            text += (f"; the engine of section 1 takes {1e6 / fu:.2f} µs per run-step (the rest: trainer, "
                     f"call overhead, the final loss of a 20-step run), the 10x target allows {1e5 / lo:.2f} µs")
        lines.append(text + ".")
        lines.append("")
    return table


def section_engines(quick, lines):
    from distributed import LocalCluster

    k, runs = 10, (40 if quick else 200)
    exp = Experiment(sizes=((k, k),), runs=runs, seed=0, chunk=max(1, runs // 8))
    lines += [f"## 2. Runs per second, SYS21 protocol, k = d = {k}, {runs} runs in chunks of {exp.chunk}", "",
              f"{load()} before the section", ""]
    warning = load_warning()
    lines += [warning, ""] if warning else []
    lines += ["| engine | wall time (s) | runs/s | same endpoints as 1 process |",
              "| --- | ---: | ---: | --- |"]
    ref = None
    meter = OtherJobs("; this count includes the section's own worker processes and Dask cluster").__enter__()
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in (("1 process, 1 thread", dict(workers=1, threads=1)),
                         ("1 process, 2 threads", dict(workers=1, threads=2)),
                         ("2 worker processes (1 thread each)", dict(workers=2, threads=1))):
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
        lines.append(f"| Dask LocalCluster, 2 worker processes (1 thread each) | {dt:.2f} | {runs / dt:.1f} | "
                     f"{bool(np.array_equal(res[(k, k)]['W'], ref))} |")
        print(lines[-1], file=sys.stderr)
    meter.__exit__(None, None, None)
    lines.append("")
    lines += meter.lines()


def halves_objective():
    """The package's objective whose ``gradient_and_norms`` splits the runs of
    each call into two halves computed at once on two numba ``prange``
    threads (each half by the package's compiled loop, on a contiguous copy:
    the same per-run operations); the trainer around it stays on one thread.
    Compiled here, without the on-disk cache."""
    import numba

    from landscape.dynamics import PopulationObjective
    from landscape.gd_kernel import _CTX, fused_population

    @numba.njit(parallel=True, error_model="numpy")
    def fused_halves(ctx, W, V, VU, vnorm, alpha, beta, identity, G, gmax, gfro):
        B = W.shape[0]
        bad = np.full(2, -1, dtype=np.int64)
        for c in numba.prange(2):
            lo = c * B // 2
            hi = (c + 1) * B // 2
            if hi > lo:
                Wc = W[lo:hi].copy()
                Lc = np.empty(hi - lo)
                Gc = np.empty_like(Wc)
                mc = np.empty(hi - lo)
                fc = np.empty(hi - lo)
                r = fused_population(ctx, Wc, V, VU, vnorm, alpha, beta, identity, False, Lc, Gc, True, mc, fc)
                bad[c] = r if r < 0 else lo * W.shape[1] + r
                G[lo:hi] = Gc
                gmax[lo:hi] = mc
                gfro[lo:hi] = fc
        return bad

    class Halves(PopulationObjective):
        def gradient_and_norms(self, W):
            W = np.ascontiguousarray(W, dtype=float)
            V, vnorm, VU, alpha, beta, const, identity = self.teacher(*W.shape[1:])
            G, gmax, gfro = np.empty_like(W), np.empty(W.shape[0]), np.empty(W.shape[0])
            if (fused_halves(_CTX, W, V, VU, vnorm, alpha, beta, identity, G, gmax, gfro) >= 0).any():
                raise RuntimeError("a zero row (not expected in this benchmark)")
            return G, gmax, gfro

    obj = Halves()
    obj.gradient_and_norms(initial_weights(3, 3, 2, seed=0))  # compile outside the timings
    return obj


def section_threads(quick, lines):
    """Section 5: which way of using two cores is fastest (wall clock), and the whole protocol."""
    import landscape.dynamics as dyn

    rounds = 3 if quick else 5
    steps = 10 if quick else 100  # long enough for a stable wall-clock ratio (section 1b)
    lines += ["## 5. Threading variants (wall clock, 2 cores)", "", f"{load()} before the section", ""]
    warning = load_warning()
    lines += [warning, ""] if warning else []
    meter = OtherJobs().__enter__()
    capacity = [parallel_capacity()]
    lines += [f"500 runs, {steps} steps each, every run active; wall-clock run-steps/s, median of {rounds} "
              "interleaved rounds; \"same\": endpoints, losses and norms bit for bit those of 1 thread.", "",
              "| variant | k = 10 | same | k = 20 | same |", "| --- | ---: | --- | ---: | --- |"]
    halves = halves_objective()
    default_entries = dyn.TRAIN_BATCH_ENTRIES

    def halves_in_threads(k):  # two trainer calls of 250 runs each, one per thread
        dyn.TRAIN_BATCH_ENTRIES = 10 ** 9
        try:
            return batched_steps_per_second(k, 500, steps, threads=2, wall=True, result=res)
        finally:
            dyn.TRAIN_BATCH_ENTRIES = default_entries

    variants = [
        ("1 thread (trainer sub-batches of 25 600 entries)",
         lambda k: batched_steps_per_second(k, 500, steps, wall=True, result=res)),
        ("`threads=2`: the sub-batches on 2 threads (what the package does)",
         lambda k: batched_steps_per_second(k, 500, steps, threads=2, wall=True, result=res)),
        ("2 threads, each one trainer call on half of the batch", halves_in_threads),
        ("1 trainer thread, the objective's runs on 2 numba prange threads",
         lambda k: batched_steps_per_second(k, 500, steps, wall=True, objective=halves, result=res)),
    ]
    table = {}
    for k in (10, 20):
        times = {name: [] for name, _ in variants}
        same = {name: True for name, _ in variants}
        for _ in range(rounds):
            ref = None
            for name, fn in variants:
                res = []
                times[name].append(fn(k))
                ref = res[0] if ref is None else ref
                same[name] &= all(np.array_equal(getattr(ref, f), getattr(res[0], f))
                                  for f in ("params", "loss", "grad_norm", "grad_fro", "steps"))
        table[k] = {name: (float(np.median(times[name])), same[name]) for name, _ in variants}
    for name, _ in variants:
        (a, sa), (b, sb) = table[10][name], table[20][name]
        lines.append(f"| {name} | {a:,.0f} | {sa} | {b:,.0f} | {sb} |")
        print(lines[-1], file=sys.stderr)
    # the whole protocol: runs stop at different steps, the last runs of a chunk run alone
    sizes = tuple((k, k) for k in ((8, 12) if quick else range(8, 17)))
    runs = 20 if quick else 100
    exp = Experiment(sizes=sizes, runs=runs, seed=0, chunk=100)
    lines += ["", f"The SYS21 protocol in full (Newton polish on), k = d = {sizes[0][0]}..{sizes[-1][0]}, {runs} runs "
              "each, chunks of 100 runs, one process; wall seconds:", ""]
    walls, ref = {}, None
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (1, 2, 1, 2):
            t = time.perf_counter()
            res = run_experiment(exp, os.path.join(tmp, f"t{threads}-{len(walls)}.jsonl"), progress=False,
                                 threads=threads)
            walls.setdefault(threads, []).append(time.perf_counter() - t)
            W = np.concatenate([res[s]["W"].ravel() for s in sizes])
            steps_all = np.concatenate([res[s]["steps"] for s in sizes])
            ref = (W, steps_all) if ref is None else ref
            assert np.array_equal(W, ref[0]) and np.array_equal(steps_all, ref[1]), "threads changed a result"
    one, two = min(walls[1]), min(walls[2])
    lines += [f"1 thread {one:.2f} s, 2 threads {two:.2f} s (best of 2 each, alternated): {one / two:.2f}x; "
              "identical endpoints and step counts.", ""]
    print(lines[-2], file=sys.stderr)
    meter.__exit__(None, None, None)
    capacity.append(parallel_capacity())
    lines += meter.lines()
    lines += [f"Parallel capacity (as in section 1b): {capacity[0]:.2f} before, {capacity[1]:.2f} after.", ""]
    if min(capacity) < 1.8:
        lines += [f"**Warning: the machine gave two processes only {min(capacity):.2f} cores at once.**", ""]
    return table


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
    ap.add_argument("--skip", default="",
                    help="comma list of sections to skip: steps,threads,phases,engines,extrapolation")
    ap.add_argument("--steps-from", default="/tmp/relu-landscape-gd/gd_k=n+0_seed2021.jsonl",
                    help="results file of docs/reproduction/reproduce_gd.py --offset 0 (mean steps per k)")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    import numba

    lines = ["# Benchmark: population gradient descent (`benchmarks/bench_gd.py`)", "",
             f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
             f"{os.cpu_count()} cores "
             f"(shared with other jobs), {'quick' if args.quick else 'full'} run", ""]
    measured = None
    if "steps" not in skip:
        measured = section_steps(args.quick, lines)
    if "threads" not in skip:
        section_threads(args.quick, lines)
    if "engines" not in skip:
        section_engines(args.quick, lines)
    if "extrapolation" not in skip:
        section_extrapolation(args.quick, lines, args.steps_from)
    if "phases" not in skip:  # last: the cut-off copy of the kernel must not run before the others
        section_phases(args.quick, lines, measured)
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
