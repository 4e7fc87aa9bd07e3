"""The task runner: streaming, resume after interruption, engines agree.

Oracles: an uninterrupted single-process run of the same tasks (records
must be equal), a line count of the results file (each key exactly once),
and a deliberately truncated last line.
"""

import json
import time

import numpy as np
import pytest

from landscape.dynamics import Experiment, run_experiment, train_chunk
from landscape.errors import InputError
from landscape.runs import Task, read_records, run_tasks


def square(payload):
    if payload.get("interrupt"):
        raise KeyboardInterrupt
    return {"y": payload["x"] ** 2, "x": payload["x"]}


def gd_tasks(chunk=3):
    return Experiment(sizes=((4, 4), (5, 5)), runs=6, seed=7, chunk=chunk).tasks()


def keys_in(path):
    lines = open(path).read().splitlines()
    return [json.loads(line)["key"] for line in lines[1:]]


def test_stream_and_resume_after_a_truncated_line(tmp_path):
    tasks = [Task(f"t{i}", {"x": i}) for i in range(6)]
    clean = run_tasks(square, tasks, out=tmp_path / "clean.jsonl", meta={"m": 1}, progress=False)
    path = tmp_path / "part.jsonl"
    # first part: 4 tasks, then a crash mid-write of a fifth line
    run_tasks(square, tasks[:4], out=path, meta={"m": 1}, progress=False)
    with open(path, "a") as fh:
        fh.write('{"key":"t4","result":{"y":1')
    meta, done = read_records(path)
    assert meta == {"m": 1} and sorted(done) == ["t0", "t1", "t2", "t3"]
    calls = []

    def counting(payload):
        calls.append(payload["x"])
        return square(payload)

    resumed = run_tasks(counting, tasks, out=path, meta={"m": 1}, resume=True, progress=False)
    assert resumed == clean
    assert sorted(calls) == [4, 5]  # only the unfinished tasks ran again
    assert sorted(keys_in(path)) == [f"t{i}" for i in range(6)]  # no key lost, none repeated
    assert open(path).read().endswith("\n")


def test_resume_runs_only_missing_tasks(tmp_path):
    path = tmp_path / "r.jsonl"
    tasks = [Task(f"t{i}", {"x": i}) for i in range(5)]
    with pytest.raises(KeyboardInterrupt):
        run_tasks(square, tasks[:2] + [Task("t2", {"x": 2, "interrupt": True})] + tasks[3:], out=path,
                  meta={"m": 1}, progress=False)
    assert keys_in(path) == ["t0", "t1"]  # what finished before Ctrl-C is on disk
    out = run_tasks(square, tasks, out=path, meta={"m": 1}, resume=True, progress=False)
    assert keys_in(path) == ["t0", "t1", "t2", "t3", "t4"]
    assert [out[f"t{i}"]["y"] for i in range(5)] == [0, 1, 4, 9, 16]


def test_resume_refuses_another_experiment(tmp_path):
    path = tmp_path / "r.jsonl"
    run_tasks(square, [Task("a", {"x": 1})], out=path, meta={"seed": 1}, progress=False)
    with pytest.raises(InputError, match="different experiment.*seed"):
        run_tasks(square, [Task("a", {"x": 1})], out=path, meta={"seed": 2}, resume=True, progress=False)


def test_corrupt_file_is_an_input_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"meta":{}}\nnot json\n{"key":"a","result":{}}\n')
    with pytest.raises(InputError, match="line 2"):
        read_records(path)
    path.write_text('{"nometa":1}\n')
    with pytest.raises(InputError, match="meta"):
        read_records(path)


def test_duplicate_keys_and_bad_workers(tmp_path):
    with pytest.raises(InputError, match="unique"):
        run_tasks(square, [Task("a", {"x": 1}), Task("a", {"x": 2})], out=tmp_path / "x.jsonl")
    with pytest.raises(InputError, match="workers"):
        run_tasks(square, [Task("a", {"x": 1})], out=tmp_path / "x.jsonl", workers=0)


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        for field in a[key]:
            np.testing.assert_array_equal(a[key][field], b[key][field])


def test_gd_same_results_whatever_chunking_and_workers(tmp_path):
    one = run_experiment(Experiment(sizes=((4, 4), (5, 5)), runs=6, seed=7, chunk=6), tmp_path / "a.jsonl",
                         progress=False)
    chunked = run_experiment(Experiment(sizes=((4, 4), (5, 5)), runs=6, seed=7, chunk=2), tmp_path / "b.jsonl",
                             workers=2, progress=False)
    _assert_same(one, chunked)
    assert (one[(4, 4)]["run"] == np.arange(6)).all()


def test_gd_dask_local_cluster_matches_one_process(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = Experiment(sizes=((4, 4),), runs=4, seed=3, chunk=2)
    local = run_experiment(exp, tmp_path / "a.jsonl", progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        remote = run_experiment(exp, tmp_path / "b.jsonl", scheduler=cluster.scheduler_address, progress=False)
    _assert_same(local, remote)


def test_bad_scheduler_address_fails_fast(tmp_path):
    t0 = time.monotonic()
    with pytest.raises(InputError, match="Dask scheduler"):
        run_tasks(square, [Task("a", {"x": 1})], out=tmp_path / "x.jsonl", scheduler="tcp://127.0.0.1:1")
    assert time.monotonic() - t0 < 30
    assert not (tmp_path / "x.jsonl").exists()  # refused before touching the output


def test_train_chunk_record_is_json_and_exact():
    rec = train_chunk(gd_tasks()[0].payload)
    back = json.loads(json.dumps(rec))
    W = np.array(back["W"])
    assert W.shape == (3, 4, 4)
    np.testing.assert_array_equal(W, np.array(rec["W"]))  # floats round-trip exactly through JSON


@pytest.mark.parametrize("text", [
    '{"W": [[1, 0], [0, 1]]}',           # a point file, no newline: not a torn journal
    '{"a": 1, "a": 2}\n',                 # duplicate keys
    "[" * 100000 + "]" * 100000 + "\n",   # nesting that would overflow the parser's stack
    '{"meta": {}, "extra": 1e999}\n',     # overflow literal, and not a meta record
    "\x00\x01binary",
])
def test_resume_refuses_a_file_that_is_not_a_journal_and_leaves_it_untouched(tmp_path, text):
    path = tmp_path / "other.json"
    path.write_text(text)
    with pytest.raises(InputError, match="not a results file|line 1|not JSON|nested"):
        run_tasks(square, [Task("a", {"x": 1})], out=path, meta={"seed": 1}, resume=True, progress=False)
    assert path.read_text() == text
