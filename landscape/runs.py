"""Run independent tasks, stream one JSON line per finished task, resume.

The simplest call (two tiny tasks, one process):

>>> import tempfile, os
>>> from landscape.runs import Task, run_tasks
>>> path = os.path.join(tempfile.mkdtemp(), "out.jsonl")
>>> tasks = [Task("a", {"x": 2}), Task("b", {"x": 3})]
>>> records = run_tasks(_square, tasks, out=path, progress=False)
>>> sorted((key, rec["y"]) for key, rec in records.items())
[('a', 4), ('b', 9)]

Design
------
* A :class:`Task` is a stable key (str) and a JSON-able payload; ``fn(payload)``
  returns a JSON-able dict.  ``fn`` must be a module-level function (it is
  pickled to worker processes or Dask workers).
* Output: a JSON-lines file.  The first line is ``{"meta": ...}`` (the
  experiment's parameters); every other line is ``{"key": ..., "result": ...}``
  for one finished task, written and flushed as soon as the task finishes
  (``os.fsync`` at most every :data:`FSYNC_SECONDS` and at the end).
* Resume (``resume=True``): the file is read, a truncated last line (a crash
  mid-write) is cut off, finished keys are skipped, and the remaining tasks
  run; a file whose ``meta`` differs from this experiment's is refused
  (``InputError``), so results of different experiments are never mixed.
* Execution: in this process (``workers=1``), a ``multiprocessing`` pool
  (``workers > 1``; workers ignore SIGINT and are terminated on Ctrl-C), or a
  ``dask.distributed`` cluster (``scheduler="tcp://host:port"``, or a
  ``distributed.Client``) -- no scheduler of our own.  Results do not depend on
  the engine: each task is computed by the same function from its payload.
* Progress: a tqdm bar on stderr, by default only when stderr is a terminal,
  advanced by ``weight(task)`` units per finished task (e.g. runs in a chunk).
* Ctrl-C: ``KeyboardInterrupt`` propagates after pending work is cancelled
  (pool terminated / Dask futures cancelled); what finished is on disk.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from .errors import InputError
from .io import strict_json_loads

__all__ = ["Task", "run_tasks", "read_records", "FSYNC_SECONDS", "CONNECT_TIMEOUT"]

#: Seconds between two fsyncs of the results file.
FSYNC_SECONDS = 5.0

#: Seconds allowed to connect to a Dask scheduler.
CONNECT_TIMEOUT = 3.0

#: Largest number of local worker processes.
MAX_WORKERS = 256


@dataclass(frozen=True)
class Task:
    """One unit of work: a stable ``key`` and a JSON-able ``payload``."""

    key: str
    payload: dict
    weight: int = 1


def _square(payload):  # used by the module doctest
    return {"y": payload["x"] ** 2}


def read_records(path, meta=None) -> tuple[dict, dict]:
    """``(meta, {key: result})`` from a results file.

    A last line without its newline or not valid JSON (an interrupted write)
    is ignored -- and cut from the file when ``meta`` is given (resume mode);
    a bad line elsewhere raises ``InputError``.  With ``meta`` given, the
    file's ``meta`` must equal it.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read results file {path}: {exc.strerror}") from None
    lines = data.split(b"\n")
    keep_bytes = 0
    file_meta, records = None, {}
    not_ours = (f"{path} is not a results file of this tool (its first line is not a 'meta' record); "
                "delete it or choose another --out to start afresh")
    for pos, raw in enumerate(lines):
        last = pos == len(lines) - 1
        if last and raw == b"":
            break
        try:
            if last:  # no newline after it: an interrupted write
                raise ValueError("truncated")
            obj = strict_json_loads(raw.decode("utf-8"), f"{path}: line {pos + 1}", allow_constants=True)
        except (ValueError, InputError) as exc:  # UnicodeDecodeError is a ValueError
            if pos == 0:
                raise InputError(not_ours) from None  # the meta line is written and flushed first
            if pos >= len(lines) - 2 and not isinstance(exc, InputError):
                break  # the final line is partial: drop it
            raise InputError(f"{path}: line {pos + 1} is not valid JSON (not a results file of this tool?)") from None
        if pos == 0:
            if not isinstance(obj, dict) or set(obj) != {"meta"}:
                raise InputError(not_ours)
            file_meta = obj["meta"]
        else:
            if not isinstance(obj, dict) or "key" not in obj or "result" not in obj:
                raise InputError(f"{path}: line {pos + 1} is not a result record")
            records[obj["key"]] = obj["result"]
        keep_bytes += len(raw) + 1
    if meta is not None:
        if file_meta is None:
            raise InputError(not_ours)
        if not isinstance(file_meta, dict):
            raise InputError(not_ours)
        if _normal(file_meta) != _normal(meta):
            diff = sorted(k for k in set(meta) | set(file_meta) if _normal(meta.get(k)) != _normal(file_meta.get(k)))
            raise InputError(f"{path} was written by a different experiment (differs in: {', '.join(diff)})")
        if keep_bytes < len(data):
            with open(path, "r+b") as fh:
                fh.truncate(keep_bytes)
    return file_meta, records


def _normal(x):
    return json.loads(json.dumps(x))


class _Writer:
    def __init__(self, path, meta, append: bool):
        self.fh = open(path, "a" if append else "w", encoding="utf-8")
        self.last_sync = time.monotonic()
        if not append:
            self._line({"meta": meta})

    def _line(self, obj):
        self.fh.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.fh.flush()
        now = time.monotonic()
        if now - self.last_sync >= FSYNC_SECONDS:
            os.fsync(self.fh.fileno())
            self.last_sync = now

    def record(self, key, result):
        self._line({"key": key, "result": result})

    def close(self):
        try:
            self.fh.flush()
            os.fsync(self.fh.fileno())
        finally:
            self.fh.close()


def _progress_bar(progress, total, desc):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, unit="run", dynamic_ncols=True)


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(fn_task):
    fn, key, payload = fn_task
    return key, fn(payload)


def connect(scheduler, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` for ``scheduler`` (address or Client); a bad
    address raises ``InputError`` within ``timeout`` seconds."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=f"{timeout}s", set_as_default=False), True
    except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address, ...
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot connect to the Dask scheduler {scheduler!r}: {msg}") from None


def run_tasks(
    fn: Callable[[dict], dict],
    tasks: Iterable[Task],
    *,
    out,
    meta: dict | None = None,
    resume: bool = False,
    workers: int = 1,
    scheduler=None,
    progress: bool | None = None,
    desc: str | None = None,
) -> dict:
    """Run ``fn`` on every task not already in ``out``; return ``{key: result}`` for all.

    Parameters
    ----------
    fn : callable
        Module-level function ``payload -> JSON-able dict``.
    tasks : iterable of Task
        Keys must be unique.
    out : path
        Results file (JSON lines), created or appended to (``resume``).
    meta : dict, optional
        Parameters of the experiment, written as the first line; on resume the
        file's must be equal.
    resume : bool
        Continue ``out`` if it exists (else start it).
    workers : int
        Local processes (1 = in this process).
    scheduler : str or distributed.Client, optional
        Run on a Dask cluster instead of local processes.
    progress : bool, optional
        tqdm bar on stderr (default: when stderr is a terminal).

    Returns
    -------
    dict
        ``{key: result}`` in task order, finished earlier or now.
    """
    tasks = list(tasks)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise InputError("task keys must be unique")
    if not (isinstance(workers, int) and 1 <= workers <= MAX_WORKERS):
        raise InputError(f"workers must be an integer between 1 and {MAX_WORKERS}, got {workers}")
    meta = {} if meta is None else meta
    done = {}
    append = False
    if resume and os.path.exists(out) and os.path.getsize(out) > 0:
        file_meta, done = read_records(out, meta)
        append = file_meta is not None
    todo = [t for t in tasks if t.key not in done]
    client = owned = None
    if scheduler is not None and todo:
        client, owned = connect(scheduler)  # fail fast, before touching the file
    try:
        writer = _Writer(out, meta, append)
    except OSError as exc:
        if owned:
            client.close()
        raise InputError(f"cannot write results file {out}: {exc.strerror}") from None
    bar = _progress_bar(progress, sum(t.weight for t in tasks), desc)
    if bar is not None:
        bar.update(sum(t.weight for t in tasks if t.key in done))
    weight = {t.key: t.weight for t in tasks}

    def finished(key, result):
        writer.record(key, result)
        done[key] = result
        if bar is not None:
            bar.update(weight[key])

    try:
        if not todo:
            pass
        elif client is not None:
            _run_dask(client, fn, todo, finished)
        elif workers == 1:
            for t in todo:
                finished(t.key, fn(t.payload))
        else:
            _run_pool(fn, todo, workers, finished)
    finally:
        writer.close()
        if bar is not None:
            bar.close()
        if owned:
            client.close()
    return {k: done[k] for k in keys}


def _run_pool(fn, todo, workers, finished):
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    pool = ctx.Pool(min(workers, len(todo)), initializer=_ignore_sigint)
    try:
        for key, result in pool.imap_unordered(_call, [(fn, t.key, t.payload) for t in todo]):
            finished(key, result)
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C (or an error in a task): stop the workers now
        raise
    finally:
        pool.join()


def _run_dask(client, fn, todo, finished):
    from distributed import as_completed

    futures = client.map(fn, [t.payload for t in todo], key=[f"relu-landscape-{os.getpid()}-{t.key}" for t in todo],
                         pure=False)
    key_of = {f.key: t.key for f, t in zip(futures, todo)}
    try:
        for fut in as_completed(futures, loop=client.loop):
            finished(key_of[fut.key], fut.result())
    except BaseException:
        client.cancel(futures)
        raise
