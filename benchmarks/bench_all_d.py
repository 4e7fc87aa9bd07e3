"""Benchmark: produce and verify the range artifact of type A (and the critical dimension).

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_all_d.py                 # d = 6..200 and 6..inf
    PYTHONPATH=. python benchmarks/bench_all_d.py --d-max 50

Measures, in one run on this machine:

* ``certify_range("d-1,1", 6, D)`` (continuation + one family certificate per d) and
  ``verify_certificate`` of the artifact (the independent verifier, every d re-checked);
* ``6..inf`` (type A) and ``8..inf`` (``d-2,2``): the finite part plus the tail (Krawczyk in
  s = d^(-1/2), existence and L > 0 for every d >= D; the regular fine Hessian, its build and
  its interval Cholesky over the tail's boxes); verdict minimum; verify timed in a fresh process
  (both symbolic systems are rebuilt there); ``--parts d-1,1`` skips d-2,2 (about 4 more minutes);
* ``6..inf`` of the split family ``d-1,1+1`` (k = d + 1): produce and verify;
* the obvious alternative: D separate ``certify --W`` runs through the full-space engine is
  not comparable (k d = d² unknowns); the baseline reported is the family engine called per d
  without the range machinery (sum of per-d certify + verify), so the ratio is the overhead of
  one artifact;
* ``critical_dimension("d-1,1", 30)`` (real-d continuation, rigorous enclosure).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time


def main(argv=None):
    import certificates.verify_all_d  # noqa: F401  (registers the range check with the verifier)
    from certificates.all_d import certify_range
    from certificates.artifact import build_family_certificate
    from certificates.symmetric import certify_family
    from certificates.verifier import verify_certificate
    from landscape.real_dimension import critical_dimension

    ap = argparse.ArgumentParser()
    ap.add_argument("--d-max", type=int, default=200)
    ap.add_argument("--parts", default="d-1,1;d-2,2", help="families for lo..inf, ';'-separated")
    ap.add_argument("--workers", type=int, default=None, help="processes for the Hessian build")
    args = ap.parse_args(argv)
    if args.workers is not None:
        import landscape.regular_hessian as rh

        rh.DEFAULT_WORKERS = args.workers
    D = args.d_max
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.1f}; python {platform.python_version()}")

    t = time.perf_counter()
    art = certify_range("d-1,1", 6, D)
    t_prod = time.perf_counter() - t
    text = json.dumps(art)
    t = time.perf_counter()
    ok, verdict, reason = verify_certificate(json.loads(text))
    t_ver = time.perf_counter() - t
    print(f"type A 6..{D}: produce {t_prod:.1f} s, verify {t_ver:.1f} s, size {len(text) / 1e6:.2f} MB, "
          f"verdict {art['verdict']}, valid {ok}: {reason}")

    import subprocess
    import sys
    import tempfile

    from certificates.tail import prove_tail

    from certificates.all_d import certify_split_range

    los = {"d-1,1": 6, "d-2,2": 8, "d-1,1+1": 6}
    for part in args.parts.split(";") + ["d-1,1+1"]:
        lo = los[part]
        t = time.perf_counter()
        if part == "d-1,1+1":
            inf = certify_split_range(lo, None, finite_tail=D)
        else:
            inf = certify_range(part, lo, None, finite_tail=D)
        t_inf = time.perf_counter() - t
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            fh.write(json.dumps(inf))
        workers = "" if args.workers is None else f"import landscape.regular_hessian as rh; rh.DEFAULT_WORKERS={args.workers}; "
        code = ("import json,sys,time; t=time.perf_counter(); import certificates.verify_all_d; " + workers +
                "from certificates.verifier import verify_certificate; "
                "ok,v,r=verify_certificate(json.load(open(sys.argv[1]))); "
                "print(f'{time.perf_counter()-t:.1f}|{ok}|{v}|{r}')")
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code, fh.name], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": "."}).stdout.strip()
        t_wall = time.perf_counter() - t
        os.unlink(fh.name)
        secs, ok2, v2, why = out.split("|", 3)
        tail = inf["tail"] or {}
        extra = ""
        if "hessian" in tail:
            extra = f", Hessian {tail['hessian']['seconds']} s incl. its symbolic build"
        if "split" in tail:
            extra = f", split quotient {tail['split']['seconds']} s incl. its symbolic build"
        print(f"{part} {lo}..inf: produce {t_inf:.1f} s (finite {lo}..{D} + tail d >= {D}: existence "
              f"{tail.get('seconds', '-')} s, {len(tail.get('pieces', []))} s-pieces{extra}), "
              f"verify {secs} s in a fresh process ({t_wall:.1f} s wall incl. start-up), verdict {inf['verdict']} "
              f"(valid {ok2}); {why[:160]}...")
    # the tail alone at other D (system build cached in this process)
    for Dt in (100, 1000, 10 ** 6):
        t = time.perf_counter()
        rec = prove_tail(1, Dt)
        print(f"tail alone, type A, d >= {Dt}: {time.perf_counter() - t:.1f} s, {len(rec['pieces'])} pieces, "
              f"proved {rec['existence']}")

    # baseline: the family engine per d on the same points, no artifact
    t_c = t_v = 0.0
    for cert in art["finite"]:
        from fractions import Fraction

        parts = cert["problem"]["family"]
        params = [Fraction(v) for v in cert["input"]["params"]]
        t = time.perf_counter()
        c = build_family_certificate(certify_family(parts, params))
        t_c += time.perf_counter() - t
        t = time.perf_counter()
        verify_certificate(c)
        t_v += time.perf_counter() - t
    print(f"baseline (per-d certify + verify, no artifact): {t_c:.1f} s + {t_v:.1f} s; "
          f"artifact/baseline: produce {t_prod / t_c:.2f}x, verify {t_ver / t_v:.2f}x")

    t = time.perf_counter()
    r = critical_dimension("d-1,1", 30)
    print(f"critical dimension (30 digits): d* = {r.d} in [{r.lo}, {r.hi}], {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
