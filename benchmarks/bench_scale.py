"""Issue 12 (scale): today's figure beside the new one, measured in the same run.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_scale.py [--quick] [--out docs/benchmarks_scale.md]

"Old" is commit bd40078 (the issue's baseline), checked out with
``git worktree add /tmp/old bd40078`` (``--old PATH`` to change); "new" is this
tree.  Every measurement runs in a fresh subprocess (wall time of the call,
peak RSS of the process), on the same machine, one run each, so old and new
see the same load.  Rows ``cmd_*`` time whole commands (``certify --W``,
``spectrum --W``, ``isotropy --W`` on a type-A ``.npy``) in-process; ``--cases``
runs a subset, e.g. ``--cases cmd_certify,cmd_spectrum,cmd_isotropy --out /tmp/cmd.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r'''
import json, resource, sys, time
import numpy as np
case, side, d = sys.argv[1], sys.argv[2], int(sys.argv[3])
from certificates.examples import type_a_matrix
X = (0.98, -0.03, 0.3, 0.25, -0.6)


def type_a(d):
    from landscape.fixed_points import Family, assemble, params_from_W
    if d <= 300:
        from certificates.examples import type_a_point
        return type_a_point(d)
    from landscape.critical_points import solve
    x = params_from_W(Family((5, 1)), type_a_point_small())
    import numpy as np
    for dd in np.unique(np.geomspace(6, d, 25).astype(int)):
        x = solve(Family((int(dd) - 1, 1)), x)
    return assemble(Family((d - 1, 1)), x)


def type_a_point_small():
    from certificates.examples import type_a_point
    return type_a_point(6)


extra = {}
if case == "loss_grad":
    from landscape.loss import loss_and_gradient
    rng = np.random.default_rng(0)
    W = rng.normal(size=(d, d)) / np.sqrt(d)
    loss_and_gradient(W)
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        loss_and_gradient(W)
    t = (time.perf_counter() - t0) / n
    extra["unit"] = "us per call"
    t *= 1e6
elif case in ("certify", "certify_lazy"):
    W = type_a(d)
    from landscape.io import Point
    t0 = time.perf_counter()
    if case == "certify":
        P = Point.from_arrays(W)
    else:  # a float-backed point: what a lazy reader hands over
        P = Point(W, np.eye(d), np.ones(d), np.ones(d))
    extra["read_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if side == "old":
        from certificates.artifact import certify_point
        res, cert = certify_point(P)
    else:
        from certificates.artifact import build_family_certificate, certify_point
        from certificates.symmetric import certify_family
        from certificates.verdict import family_precheck
        from landscape.fixed_points import Family, assemble
        fam = family_precheck(P)  # requests-scale.md: artifact._family_of -> family_precheck
        if fam is None:
            res, cert = certify_point(P, engine="full")
        else:
            parts, perm, params = fam
            res = certify_family(parts, params)
            cert = build_family_certificate(res)
            Wf = W if W.dtype != object else None
            cert["isotropy"]["fix_deviation"] = float(np.abs(W[np.ix_(perm, perm)] - assemble(Family(parts), params)).max())
    t = time.perf_counter() - t0
    extra["verdict"] = res.verdict.value
elif case in ("isotropy", "isotropy_exact"):
    from symmetry.isotropy import isotropy
    W = type_a_matrix(X, d)
    if case == "isotropy_exact":
        from fractions import Fraction
        Wo = np.empty(W.shape, dtype=object)
        Wo[...] = [[Fraction(x) for x in r] for r in W.tolist()]
        W = Wo
    t0 = time.perf_counter()
    H = isotropy(W)
    t = time.perf_counter() - t0
    extra["name"], extra["fix_dim"] = H.name, H.fix_dim
elif case == "spectrum":
    from landscape.spectrum import spectrum
    W = type_a(d)
    t0 = time.perf_counter()
    s = spectrum(W)
    t = time.perf_counter() - t0
    extra["method"], extra["min"] = s.method, float(s.min)
elif case == "family_cert":
    from landscape.critical_points import follow_family
    from landscape.fixed_points import Family, params_from_W
    from certificates.symmetric import certify_family
    from certificates.artifact import build_family_certificate
    from certificates.verifier import verify_certificate
    start = params_from_W(Family((5, 1)), type_a_point_small())
    x = follow_family("d-1,1", [6, d], start=start)[-1].params
    t0 = time.perf_counter()
    r = certify_family((d - 1, 1), list(x))
    ok = verify_certificate(build_family_certificate(r))[0] if r.verdict.value != "inconclusive" else None
    t = time.perf_counter() - t0
    extra["verdict"], extra["verified"], extra["reason"] = r.verdict.value, ok, r.reason[:90]
elif case == "follow":
    from landscape.fixed_points import Family, params_from_W
    if side == "new":  # the requested one-line change to critical_points.solve, applied to a copy
        sys.path.insert(0, "tests/scale")
        from test_scale_guards import _patched_critical_points
        cp = _patched_critical_points()
    else:
        import landscape.critical_points as cp
    start = params_from_W(Family((5, 1)), type_a_point_small())
    t0 = time.perf_counter()
    pts = cp.follow_family("d-1,1", [6, d], start=start)
    t = time.perf_counter() - t0
    extra["reached"] = pts[-1].family.d if pts else None
elif case.startswith(("cmd_", "csvcmd_")):  # the whole command on a type-A .npy / .csv point, in-process
    import contextlib, io, os, tempfile
    from certificates.cli import main
    cmd = case.split("_", 1)[1]
    tmp = tempfile.mkdtemp()
    if case.startswith("cmd_"):
        f = os.path.join(tmp, "w.npy")
        np.save(f, type_a(d))
    else:  # decimal text: each float's shortest repr (the exact value is that decimal)
        f = os.path.join(tmp, "w.csv")
        with open(f, "w") as fh:
            fh.write("\n".join(",".join(map(repr, row)) for row in np.asarray(type_a(d), dtype=float).tolist()))
    argv = [cmd, "--W", f, "--json"] + (["--out", os.path.join(tmp, "c.json")] if cmd == "certify" else [])
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        rc = main(argv)
    t = time.perf_counter() - t0
    out = json.loads(buf.getvalue())
    extra["rc"] = rc
    if cmd == "certify":
        extra["verdict"] = out.get("verdict")
    elif cmd == "isotropy":
        extra["name"] = out.get("name")
else:
    raise SystemExit(f"unknown case {case}")
print(json.dumps({"case": case, "side": side, "d": d, "t": t,
                  "rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, **extra}))
'''


NOTES = """
## What each row measures

- *one loss+gradient*: `landscape.loss.loss_and_gradient(W)` at k = d = 20 (float64), mean of 2000 calls.
  New: Gram-matrix angles (Kahan's formula only for near-parallel pairs), teacher–teacher term cached,
  gradient-only mode available; agrees with the old path to ~1e-14 (tests/scale/test_fast_loss.py).
- *isotropy*: `symmetry.isotropy.isotropy(W)` on the type-A pattern (float W, or the same values as exact
  Fractions). New: worklist refinement, sparse automorphism checks, cell orbits from stabilisers,
  2 generators per S_m factor; same group, orbits, name (tests/scale/test_isotropy_worklist.py).
- *certify type A*: old = `certificates.artifact.certify_point(point)`; new = the same work with the
  requested wiring (`certificates.verdict.family_precheck` in place of `_family_of`, then
  `certify_family` and the certificate).  "Fraction point" = `Point.from_arrays(W)` built before the
  clock starts (reading W into Fractions is `landscape.io`, not in this issue's files); "float-backed" =
  a Point holding float64 arrays, what a lazy reader would hand over.
- *spectrum*: `landscape.spectrum.spectrum(W)` (auto method); changed here only through isotropy/detect_family.
- *family certificate*: `certify_family((d-1, 1), params)` + `verify_certificate`; old: the unscaled
  condition guard returns inconclusive (no certificate to verify), new: `minimum`, verified.
- *follow_family*: `follow_family("d-1,1", [6, 10**6])`; new = with the requested one-line change to
  `critical_points.solve` applied to a copy of the module; "reached" = the last target returned.
- *command ...*: `certificates.cli.main([cmd, "--W", file.npy, "--json"])` in-process (time of the call:
  argument parsing, reading the point, the work, the JSON; not the interpreter's start-up), type-A point
  saved as float64 `.npy`.  New: the reader keeps the float64 array and builds exact Fractions only on
  first access (`landscape.io.Point`); family points never build them.
- *command ... (.csv)*: the same on the point written as decimal text (each float's shortest repr).
  New: the reader validates the text in bulk, keeps the correctly rounded floats and the text, and
  builds the exact Fractions (the decimals) only on first access; isotropy takes exact colours from
  the text.  (A d = 5000 point as CSV text is ~525 MB, beyond the 200 MiB input limit: refused, exit 2.)

Subgroup enumeration (issue item 4) is measured by `benchmarks/bench_subgroups.py` (old element search
vs the structural method, same run).
"""


def run(root, case, side, d, timeout):
    env = dict(os.environ, PYTHONPATH=root)
    try:
        p = subprocess.run(["nice", sys.executable, "-c", CHILD, case, side, str(d)], cwd=root, env=env,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": case, "side": side, "d": d, "error": f"timeout {timeout} s"}
    if p.returncode != 0:
        return {"case": case, "side": side, "d": d, "error": p.stderr.strip().splitlines()[-1][:120]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def fmt(r):
    if r is None:
        return "not run"
    if "error" in r:
        return r["error"]
    unit = r.get("unit")
    s = f"{r['t']:.0f} µs" if unit else f"{r['t']:.3g} s"
    if not unit:
        s += f", {r['rss_gib']:.2f} GiB"
    for key in ("verdict", "verified", "reached", "name"):
        if key in r:
            s += f", {key} {r[key]}"
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default="/tmp/old")
    ap.add_argument("--out", default=os.path.join(HERE, "docs", "benchmarks_scale.md"))
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--cases", help="comma-separated cases to run (e.g. cmd_certify,cmd_spectrum,cmd_isotropy)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.old):
        sys.exit(f"old tree {args.old} missing: git worktree add {args.old} bd40078")
    big = not args.quick
    plan = [  # (row label, case, d, run old?, timeout)
        ("one loss+gradient, k = d = 20", "loss_grad", 20, True, 300),
        ("isotropy (float W), d = 3", "isotropy", 3, True, 300),
        ("isotropy (float W), d = 200", "isotropy", 200, True, 300),
        ("isotropy (float W), d = 1000", "isotropy", 1000, big, 600),
        ("isotropy (float W), d = 5000", "isotropy", 5000, False, 900),
        ("isotropy (exact Fractions), d = 1000", "isotropy_exact", 1000, big, 600),
        ("certify type A, Fraction point, d = 3", "certify", 3, True, 300),
        ("certify type A, Fraction point, d = 200", "certify", 200, True, 300),
        ("certify type A, Fraction point, d = 1000", "certify", 1000, big, 900),
        ("certify type A, float-backed point, d = 1000", "certify_lazy", 1000, big, 900),
        ("certify type A, float-backed point, d = 5000", "certify_lazy", 5000, False, 900),
        ("spectrum (float W), d = 3", "spectrum", 3, True, 300),
        ("spectrum (float W), d = 200", "spectrum", 200, True, 300),
        ("spectrum (float W), d = 1000", "spectrum", 1000, big, 600),
        ("family certificate + verify, d = 10⁴", "family_cert", 10**4, True, 300),
        ("family certificate + verify, d = 10⁵", "family_cert", 10**5, True, 300),
        ("follow_family to d = 10⁶", "follow", 10**6, True, 600),
        ("command `certify --W` (.npy), type A, d = 3", "cmd_certify", 3, True, 300),
        ("command `certify --W` (.npy), type A, d = 200", "cmd_certify", 200, True, 300),
        ("command `certify --W` (.npy), type A, d = 1000", "cmd_certify", 1000, big, 900),
        ("command `spectrum --W` (.npy), type A, d = 3", "cmd_spectrum", 3, True, 300),
        ("command `spectrum --W` (.npy), type A, d = 200", "cmd_spectrum", 200, True, 300),
        ("command `spectrum --W` (.npy), type A, d = 1000", "cmd_spectrum", 1000, big, 900),
        ("command `isotropy --W` (.npy), type A, d = 3", "cmd_isotropy", 3, True, 300),
        ("command `isotropy --W` (.npy), type A, d = 200", "cmd_isotropy", 200, True, 300),
        ("command `isotropy --W` (.npy), type A, d = 1000", "cmd_isotropy", 1000, big, 900),
        ("command `certify --W` (.npy), type A, d = 5000", "cmd_certify", 5000, False, 900),
        ("command `spectrum --W` (.npy), type A, d = 5000", "cmd_spectrum", 5000, False, 900),
        ("command `isotropy --W` (.npy), type A, d = 5000", "cmd_isotropy", 5000, False, 900),
        ("command `certify --W` (.csv), type A, d = 1000", "csvcmd_certify", 1000, big, 900),
        ("command `spectrum --W` (.csv), type A, d = 1000", "csvcmd_spectrum", 1000, big, 900),
        ("command `isotropy --W` (.csv), type A, d = 1000", "csvcmd_isotropy", 1000, big, 900),
    ]
    if args.cases:
        plan = [row for row in plan if row[1] in args.cases.split(",")]
    rows = []
    for label, case, d, with_old, timeout in plan:
        if args.quick and d > 1000 and case not in ("family_cert", "follow"):
            continue
        new = run(HERE, case, "new", d, timeout)
        old = run(args.old, case, "old", d, timeout) if with_old else None
        rows.append((label, old, new))
        print(f"{label}: old {fmt(old)} | new {fmt(new)}", file=sys.stderr, flush=True)
    lines = ["# Scale benchmark (issue 12)", "",
             f"`PYTHONPATH=. python benchmarks/bench_scale.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{os.cpu_count()} cores shared with other jobs; one run each, old = bd40078 (worktree), new = this tree, "
             "each in its own process (time of the call, peak RSS of the process).", "",
             "| what | old (bd40078) | new | ratio |", "| --- | --- | --- | --- |"]
    for label, old, new in rows:
        ratio = ""
        same = all(old.get(key) == new.get(key) for key in ("verdict", "reached")) if old and new else False
        if same and "t" in old and "t" in new and new["t"] > 0:  # a time ratio only for the same answer
            ratio = f"{old['t'] / new['t']:.1f}×"
        lines.append(f"| {label} | {fmt(old)} | {fmt(new)} | {ratio} |")
    lines += ["", "Growth of the work beyond start-up, (t(1000) − t(3)) / (t(200) − t(3)) (target ≤ 25, "
              "the ratio of entries):", ""]
    by = {(r[1] or r[2])["case"] if (r[1] or r[2]) else None: None for r in rows}
    table = {}
    for label, old, new in rows:
        for side, r in (("old", old), ("new", new)):
            if r and "t" in r:
                table[(r["case"], side, r["d"])] = r["t"]
    for case in ("isotropy", "certify", "spectrum", "cmd_certify", "cmd_spectrum", "cmd_isotropy"):
        for side in ("old", "new"):
            try:
                g = (table[(case, side, 1000)] - table[(case, side, 3)]) / (table[(case, side, 200)] - table[(case, side, 3)])
                lines.append(f"- {case}, {side}: {g:.1f}")
            except (KeyError, ZeroDivisionError):
                pass
    lines += ["", "Rows not run for old: the issue's figures (isotropy d = 5000 ≈ d^2.7 extrapolation of 52 s at "
              "1000; certify d = 5000: 568 s, 8.5 GiB).", ""]
    lines += NOTES.splitlines()
    text = "\n".join(lines) + "\n"
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print(text)


if __name__ == "__main__":
    main()
