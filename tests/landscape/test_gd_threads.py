"""Threaded training (``threads``): bit-identical results, bounds, errors, Ctrl-C, resume.

Oracles: the single-threaded trainer (``threads=1``) and, independently of
any batching, :func:`landscape.descent.gradient_descent` called on each run
alone; threadpoolctl's own report of the BLAS thread count; an uninterrupted
results file for resume.  Speed is measured in benchmarks/bench_gd.py, never here.
"""

import json
import signal
import threading
import time

import numpy as np
import pytest

from certificates.cli import main
from landscape.descent import gradient_descent
from landscape.dynamics import (MAX_THREADS, Experiment, NewtonPolish, _single_thread_blas, _sub_batches,
                                check_threads, descend, initial_weights,
                                population_objective, run_experiment, train)
from landscape.errors import InputError

FIELDS = ("params", "loss", "grad_norm", "grad_fro", "steps", "polish_steps", "converged", "diverged", "by_loss")


def assert_identical(a, b):
    for f in FIELDS:
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        assert x.dtype == y.dtype and x.shape == y.shape, f
        assert np.array_equal(x, y), f  # bit for bit (no NaN in these results)


def gd_threads():
    return [t for t in threading.enumerate() if t.name.startswith("relu-landscape-gd")]


@pytest.mark.parametrize("k, d, runs, threads, kw", [
    (4, 4, 1, 2, {}),                     # fewer runs than threads
    (5, 5, 7, 2, {}),                     # odd run count
    (6, 6, 9, 3, {}),                     # more threads than this machine's 2 cores
    (7, 6, 5, 2, {"loss_tol": 1e-10}),    # k > d, the loss rule
    (6, 6, 6, 2, {"polish": False, "protocol": "sys21-max"}),
    (5, 5, 5, 2, {"engine": "numpy"}),
])
def test_threads_give_bit_identical_results(k, d, runs, threads, kw):
    one = train(k, d, runs, seed=11, threads=1, **kw)
    many = train(k, d, runs, seed=11, threads=threads, **kw)
    assert_identical(one, many)
    assert many.converged.all()
    assert not gd_threads()  # the pool is gone


def test_threads_equal_each_run_trained_alone():
    # independent of any batching: gradient_descent on one run at a time, no sub-batches, no threads
    k, runs = 6, 5
    obj = population_objective()
    W0 = initial_weights(k, k, runs, seed=4)
    kw = dict(step=5.0 / k, tol=1e-12, max_steps=100_000, norm="fro", polish=NewtonPolish())
    many = descend(obj, W0, threads=2, **kw)
    for r in range(runs):
        alone = gradient_descent(obj, W0[r:r + 1], **kw)
        for f in FIELDS:
            assert np.array_equal(np.asarray(getattr(alone, f))[0], np.asarray(getattr(many, f))[r]), (r, f)


def test_sub_batches_cover_the_runs_and_feed_every_thread():
    for runs, k, d, threads in [(1, 4, 4, 2), (7, 5, 5, 2), (500, 20, 20, 2), (500, 10, 10, 2), (100, 20, 20, 2),
                                (9, 6, 6, 3), (1000, 3, 3, 1)]:
        pieces = _sub_batches(runs, k, d, threads)
        assert pieces[0][0] == 0 and pieces[-1][1] == runs
        assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))
        assert all(hi > lo for lo, hi in pieces)
        assert len(pieces) >= min(threads, runs)
        if threads > 1:
            assert max(hi - lo for lo, hi in pieces) <= -(-runs // threads)
    assert _sub_batches(500, 20, 20, 1) == _sub_batches(500, 20, 20)  # one thread: the sub-batches as before


def test_progress_counts_every_run_once_across_threads():
    seen = []
    res = train(5, 5, 9, seed=2, threads=2, progress=seen.append)
    assert sum(seen) == 9 and res.converged.all()


@pytest.mark.parametrize("bad", [0, -1, MAX_THREADS + 1, 2.0, True, None])
def test_train_bounds_threads_before_work(bad):
    with pytest.raises(InputError, match="threads must be an integer between 1 and"):
        train(4, 4, 2, threads=bad)


def test_run_experiment_bounds_threads_by_the_machine(tmp_path):
    exp = Experiment(sizes=((4, 4),), runs=2)
    import os

    cpus = os.cpu_count()
    with pytest.raises(InputError, match=f"between 1 and {cpus} \\(the CPUs of this machine\\)"):
        run_experiment(exp, tmp_path / "r.jsonl", threads=cpus + 1, progress=False)
    assert not (tmp_path / "r.jsonl").exists()  # refused before any work
    assert check_threads(1) == 1 and check_threads(cpus) == cpus


def test_an_error_in_one_thread_stops_the_others():
    calls = []
    k = 3
    W0 = initial_weights(k, k, 4, seed=0)
    W0[0, 1] = 0.0  # run 0 has a zero row: its sub-batch fails at the first evaluation
    obj = population_objective()

    class Counting:
        def __call__(self, W):
            calls.append(W.shape[0])
            return obj(W)

    kw = dict(step=1e-9, tol=0.0, max_steps=1_000_000)  # the other sub-batch would take ~10^6 steps
    with pytest.raises(InputError, match="zero row") as serial:
        descend(Counting(), W0, threads=1, **kw)
    calls.clear()
    with pytest.raises(InputError, match="zero row") as threaded:
        descend(Counting(), W0, threads=2, **kw)
    assert str(threaded.value) == str(serial.value)  # the first failing sub-batch in run order, as with one thread
    assert len(calls) < 1000  # the healthy sub-batch was stopped, not run to its budget
    assert not gd_threads()


def test_ctrl_c_stops_every_thread_at_once():
    main_thread = threading.main_thread().ident
    calls = []
    k = 3
    obj = population_objective()

    once = threading.Lock()

    def objective(W):
        calls.append(1)
        # one real SIGINT, delivered to the main thread while it waits for the pool
        if len(calls) >= 20 and once.acquire(blocking=False):
            signal.pthread_kill(main_thread, signal.SIGINT)
        return obj(W)

    W0 = initial_weights(k, k, 4, seed=0)
    t = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        descend(objective, W0, threads=2, step=1e-9, tol=0.0, max_steps=1_000_000)
    assert time.monotonic() - t < 60
    for th in gd_threads():  # a thread Ctrl-C caught while the pool was starting it ends at its next step
        th.join(timeout=10)
    assert not gd_threads()
    assert len(calls) < 10_000  # far from the 2 x 10^6 evaluations of the two sub-batches


def blas_threads():
    from threadpoolctl import threadpool_info

    return sorted((lib["filepath"], lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas")


def numpy_blas_threads():
    return [n for path, n in blas_threads() if "numpy" in path]  # the BLAS np.linalg calls


def test_single_thread_blas_is_safe_across_threads():
    before = blas_threads()
    inside = []
    barrier = threading.Barrier(2)

    def worker(delay):
        with _single_thread_blas():
            barrier.wait()
            time.sleep(delay)  # the first thread leaves while the second is still inside
            inside.append(numpy_blas_threads())

    with _single_thread_blas():  # as descend does: its calling thread around the pool
        ts = [threading.Thread(target=worker, args=(dl,)) for dl in (0.0, 0.2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        inside.append(numpy_blas_threads())
    assert len(inside) == 3 and all(x == [1] for x in inside)
    assert blas_threads() == before


def test_polish_in_trainer_threads_runs_blas_on_one_thread():
    before = blas_threads()
    seen = []

    class Recording(NewtonPolish):
        def __call__(self, W, G, weight_decay=0.0):
            if len(seen) < 4:
                seen.append(numpy_blas_threads())
            return super().__call__(W, G, weight_decay)

    k = 5
    W0 = initial_weights(k, k, 6, seed=1)
    res = descend(population_objective(), W0, threads=2, step=5.0 / k, tol=1e-12, norm="fro", polish=Recording())
    assert res.converged.all() and (res.polish_steps > 0).any()
    assert seen and all(x == [1] for x in seen)
    assert blas_threads() == before


# ---------------------------------------------------------------- CLI


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("value", [0, -1, 10 ** 6])
def test_cli_bad_threads_exit_2(capsys, value):
    code, out, err = run(capsys, "gd", "--k", 4, "--d", 4, "--runs", 2, "--threads", value)
    assert code == 2 and out == ""
    assert "--threads must be between 1 and" in err and len(err.strip().splitlines()) == 1


def test_cli_threads_do_not_change_the_results_file(capsys, tmp_path):
    files = {}
    for n in (1, 2):
        f = tmp_path / f"t{n}.jsonl"
        code, text, err = run(capsys, "gd", "--k", "5,6", "--d", 5, "--runs", 7, "--chunk", 3, "--out", f,
                              "--threads", n, "--loss-tol", 1e-10, "--no-certify", "--json")
        assert code == 0, err
        assert json.loads(text)["threads"] == n
        files[n] = f.read_bytes()
    assert files[1] == files[2]


def test_cli_resume_with_another_thread_count(capsys, tmp_path):
    full = tmp_path / "full.jsonl"
    code, _, err = run(capsys, "gd", "--k", 5, "--d", 5, "--runs", 7, "--chunk", 3, "--out", full, "--threads", 1,
                       "--no-certify", "--json")
    assert code == 0, err
    lines = full.read_text().splitlines(keepends=True)
    assert len(lines) == 4  # meta + 3 chunks
    part = tmp_path / "part.jsonl"
    part.write_text("".join(lines[:2]) + lines[2][: len(lines[2]) // 2])  # one chunk, then half a line
    code, _, err = run(capsys, "gd", "--k", 5, "--d", 5, "--runs", 7, "--chunk", 3, "--resume", part,
                       "--threads", 2, "--no-certify", "--json")
    assert code == 0, err
    assert part.read_bytes() == full.read_bytes()
