"""Proof artifacts: certificates as JSON, written atomically, and as standalone scripts.

The simplest call:

>>> import json, numpy as np
>>> from landscape.io import Point
>>> from certificates.artifact import build_certificate
>>> from certificates.verdict import certify
>>> cert = build_certificate(certify(Point.from_arrays(np.eye(2))))
>>> cert["verdict"], cert["existence"]["method"]
('minimum', 'teacher-match')

A certificate is one JSON object (format ``relu-landscape-certificate/1``):

``verdict``, ``reason``
    ``minimum | saddle | inconclusive`` and a sentence.
``problem``, ``input``
    ``k, d, n``; the input point exactly (``W, V, alpha, beta`` as rational
    strings ``"p/q"`` -- a float input is recorded as its exact binary value).
``existence``
    ``method`` (``krawczyk`` | ``teacher-match``), the exact ``center`` (rational
    strings), the box ``radius``, the Krawczyk ``contraction`` and
    ``grad_bound`` (sup |∇L| at the centre).  For a split point it is about
    the *unsplit* point and ``split = {i, j, t}`` says how to split it.
``input_distance``
    max |input − certified centre| (the certified critical point lies within
    this plus the radius of the input).
``blocks``
    Hessian blocks with a certified lower bound: ``name, subspace, dim,
    method ("cholesky-residual"), sigma, lower_bound, estimate``.
``interlacing``
    Compressions with a certified negative Rayleigh quotient: ``subspace``,
    the exact ``vector`` q (and ``delta`` for a split), ``upper_bound`` of
    ``qᵀHq/qᵀq``, ``rayleigh_estimate``.
``isotropy``
    Name of the (float-detected) isotropy group -- informational, not part of
    the proof.  For family certificates made from a W file: the permutation
    ``perm`` putting W in block order and ``fix_deviation`` = max |W[perm][:,perm]
    − assemble(params)| (the input W itself is not recorded).
``engine``, ``loss_estimate``
    ``full`` (the above) or ``family`` (:func:`build_family_certificate`:
    parameters of Fix(Δ(S_p1×…×S_pm)) instead of W; the loss at the centre is
    recorded and re-checked).
``precision_bits``, ``versions``, ``digest``
    Ball precision, library versions, SHA-256 of the canonical JSON.

``relu-landscape verify`` (:mod:`certificates.verifier`) re-checks all of it
with its own code; :func:`proof_script` exports the verifier plus the
certificate as one Python file that needs only numpy and python-flint.
"""

from __future__ import annotations

import inspect
import json
import platform
from fractions import Fraction
from pathlib import Path

import numpy as np

from landscape.io import atomic_write_text

from . import verifier
from .verdict import CertifyResult, Verdict

__all__ = ["certify_point", "build_certificate", "build_family_certificate", "write_certificate", "proof_script", "write_proof_script", "versions"]


def _q(x) -> str:
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _mat(M) -> list:
    return [[_q(x) for x in row] for row in M]


def versions() -> dict:
    """Versions of the libraries the proof relies on."""
    import flint
    import mpmath
    import scipy

    return {"python": platform.python_version(), "numpy": np.__version__, "python-flint": flint.__version__,
            "mpmath": mpmath.__version__, "scipy": scipy.__version__}


def _isotropy_name(point) -> str:
    try:
        from symmetry.isotropy import isotropy

        return isotropy(point.float_W()).name
    except Exception as exc:  # informational only
        return f"unknown ({type(exc).__name__})"


def build_certificate(result: CertifyResult) -> dict:
    """The JSON-ready certificate of a :class:`certificates.verdict.CertifyResult` (with digest)."""
    p = result.point
    claims = result.verdict is not Verdict.INCONCLUSIVE
    cert = {
        "format": verifier.FORMAT,
        "engine": "full",
        "verdict": result.verdict.value,
        "reason": result.reason,
        "problem": {"k": p.k, "d": p.d, "n": p.n},
        "input": {"W": _mat(p.W), "V": _mat(p.V), "alpha": [_q(x) for x in p.alpha],
                  "beta": [_q(x) for x in p.beta]},
        "isotropy": {"name": _isotropy_name(p), "informational": True},
        "existence": None,
        "split": None,
        "input_distance": result.input_distance,
        "blocks": [],
        "interlacing": [],
        "precision_bits": result.prec,
        "versions": versions(),
    }
    enc = result.enclosure
    if enc is not None and enc.proved:
        cert["existence"] = {"method": enc.method, "center": _mat(enc.center), "radius": _q(enc.radius),
                             "contraction": enc.contraction, "grad_bound": enc.grad_bound, "reason": enc.reason}
    elif enc is not None:
        cert["existence"] = {"method": enc.method, "proved": False, "reason": enc.reason}
    if result.split is not None:
        cert["split"] = {"i": result.split.i, "j": result.split.j, "t": _q(result.split.t)}
    if claims:
        for b in result.blocks:
            cert["blocks"].append({"name": b["name"], "subspace": b["subspace"], "dim": b["dim"],
                                   "method": b["method"], "sigma": _q(b["sigma"]),
                                   "lower_bound": b["lower_bound"], "estimate": b["estimate"]})
        for e in result.interlacing:
            entry = {"subspace": e["subspace"], "method": e["method"], "vector": [_q(x) for x in e["vector"]],
                     "upper_bound": e["upper_bound"], "rayleigh_estimate": e["rayleigh_estimate"]}
            if "delta" in e:
                entry["delta"] = [_q(x) for x in e["delta"]]
            cert["interlacing"].append(entry)
    cert["digest"] = verifier.digest(cert)
    return cert


def build_family_certificate(result) -> dict:
    """Certificate of a :class:`certificates.symmetric.FamilyResult` (``engine = "family"``).

    The point is ``assemble(parts, params)`` (k = d, ``V = I_d``, second layers
    ones); ``input.params`` are the given parameters (exact), ``existence``
    is Krawczyk in Fix(H) on the parameters, the block / interlacing entry is
    about the compression to Fix(G') (:mod:`certificates.symmetric`).
    """
    from landscape.fixed_points import Family

    parts = list(result.parts)
    d = sum(parts)
    claims = result.verdict is not Verdict.INCONCLUSIVE
    cert = {
        "format": verifier.FORMAT,
        "engine": "family",
        "verdict": result.verdict.value,
        "reason": result.reason,
        "problem": {"k": d, "d": d, "n": d, "family": parts, "teacher": "identity", "second_layers": "ones"},
        "input": {"params": [_q(x) for x in result.input_params],
                  "param_names": Family(tuple(parts)).param_names},
        "isotropy": {"name": Family(tuple(parts)).label(), "informational": True},
        "existence": None,
        "split": None,
        "input_distance": result.input_distance,
        "loss_estimate": result.loss,
        "blocks": [],
        "interlacing": [],
        "precision_bits": result.prec,
        "versions": versions(),
    }
    if result.center is not None:
        cert["existence"] = {"method": "krawczyk-fix", "center": [_q(x) for x in result.center],
                             "radius": _q(result.radius), "contraction": result.contraction,
                             "grad_bound": result.grad_bound}
    if claims:
        for b in result.blocks:
            cert["blocks"].append({"name": b["name"], "subspace": b["subspace"], "fine_parts": b["fine_parts"],
                                   "dim": b["dim"], "method": b["method"], "sigma": _q(b["sigma"]),
                                   "lower_bound": b["lower_bound"], "estimate": b["estimate"]})
        for e in result.interlacing:
            cert["interlacing"].append({"subspace": e["subspace"], "fine_parts": e["fine_parts"],
                                        "method": e["method"], "vector": [_q(x) for x in e["vector"]],
                                        "upper_bound": e["upper_bound"], "rayleigh_estimate": e["rayleigh_estimate"]})
    cert["digest"] = verifier.digest(cert)
    return cert


def _family_of(point):
    """``(parts, perm, params)`` if the point is k = d, V = I, ones, in a non-trivial Fix(Δ(…)); else None
    (:func:`certificates.verdict.family_precheck`, O(k d))."""
    from .verdict import family_precheck

    return family_precheck(point)


def _family_of_reference(point):
    """Reference for :func:`_family_of`: Python loops over the exact entries (tests, benchmarks)."""
    from landscape.fixed_points import detect_family

    from .existence import teacher_match
    from .overparam import _find_split_all_pairs as find_split

    k, d = point.k, point.d
    if k != d or point.n != d or teacher_match(point) or find_split(point) is not None:
        return None
    if any(point.V[i, j] != int(i == j) for i in range(d) for j in range(d)):
        return None
    if any(x != 1 for x in point.alpha) or any(x != 1 for x in point.beta):
        return None
    found = detect_family(point.as_float()[0])
    if found is None or len(found[0].parts) == d:
        return None
    fam, perm, params = found
    return fam.parts, perm, params


#: Largest k d the full-space engine takes (its Hessian has (k d)² entries in ball arithmetic).
FULL_MAX_KD = 900


def certify_point(point, engine: str = "auto", prec: int = 192):
    """Certify a point and build its certificate: ``(result, certificate dict)``.

    ``engine``: ``"full"`` (:func:`certificates.verdict.certify`), ``"family"``
    (:func:`certificates.symmetric.certify_family`; needs k = d, ``V = I``,
    ones and a point of some ``Fix(Δ(S_p1×…×S_pm))`` up to permutation), or
    ``"auto"`` (family when available, else full).

    Raises
    ------
    InputError
        ``engine="family"`` on a point without such symmetry.
    """
    from landscape.errors import InputError

    from .symmetric import certify_family
    from .verdict import certify

    fam = _family_of(point) if engine in ("auto", "family") else None
    if engine == "family" and fam is None:
        raise InputError("--engine family needs k = d, V = I, unit second layers and a point of "
                         "Fix(Δ(S_p1×…×S_pm)) (up to a permutation); this point is not")
    if fam is None and point.k * point.d > FULL_MAX_KD:
        raise InputError(f"the full-space engine works up to k d = {FULL_MAX_KD} (this point: k d = "
                         f"{point.k * point.d}); a point of Fix(Δ(S_p1×…×S_pm)) uses the family engine at any d")
    if fam is not None:
        from landscape.fixed_points import Family, assemble

        parts, perm, params = fam
        result = certify_family(parts, params, prec=prec)
        cert = build_family_certificate(result)
        cert["isotropy"]["perm"] = list(map(int, perm))
        Wp = point.float_W()[np.ix_(perm, perm)]
        cert["isotropy"]["fix_deviation"] = float(np.abs(Wp - assemble(Family(parts), params)).max())
        cert["digest"] = verifier.digest(cert)
        return result, cert
    result = certify(point, prec=prec)
    return result, build_certificate(result)


def write_certificate(path, cert: dict) -> None:
    """Write the certificate atomically (a crash never leaves half a file), with
    the permissions of every file the project writes (:func:`landscape.io.file_mode`)."""
    atomic_write_text(path, json.dumps(cert, indent=1, allow_nan=False) + "\n")


def proof_script(cert: dict) -> str:
    """A standalone Python program: the verifier's source plus the certificate.

    It needs only ``numpy`` and ``python-flint`` and exits 0 if the
    certificate checks, 1 otherwise ("proof as code").
    """
    src = inspect.getsource(verifier)
    blob = json.dumps(cert, sort_keys=True)
    return (
        "#!/usr/bin/env python3\n"
        f"# Proof script exported by relu-landscape: verdict {cert.get('verdict')!r}.\n"
        "# Dependencies: python>=3.10, numpy, python-flint.  Run: python THIS_FILE\n"
        + src
        + "\n\nCERTIFICATE = json.loads(" + repr(blob) + ")\n\n"
        "if __name__ == '__main__':\n"
        "    import sys\n"
        "    sys.exit(main_script(CERTIFICATE))\n"
    )


def write_proof_script(path, cert: dict) -> None:
    """Write :func:`proof_script` atomically, executable (``./proof.py``; 0777 minus the umask)."""
    atomic_write_text(path, proof_script(cert), executable=True)
