"""Certificates for the families of GD endpoints: one proof artifact per family.

The simplest call:

>>> import tempfile, numpy as np
>>> from landscape.endpoints import classify_endpoints
>>> from certificates.endpoints import certify_families
>>> c = classify_endpoints(np.stack([np.eye(2), np.eye(2)[::-1]]))
>>> out = tempfile.mkdtemp()
>>> [(r["family"], r["verdict"]) for r in certify_families(c.families, out)]
[(0, 'minimum')]

Each family's representative (:class:`landscape.endpoints.EndpointFamily`,
symmetrised onto its fixed space) is read exactly as a rational point and
handed to :func:`certificates.artifact.certify_point` -- Krawczyk existence
of a critical point nearby plus a rigorous Hessian bound, over
``Fix(Δ(S_p1×…×S_pm))`` parameters when the point has that symmetry
(``engine="auto"``) or in the full space -- the global minimum (teacher
match) always by the full engine's exact argument, and a family-engine
``inconclusive`` is retried in the full space when ``k d`` is small -- and
the certificate is written
atomically (:func:`certificates.artifact.write_certificate`) as
``<out_dir>/<prefix>-<id>.cert.json``; ``relu-landscape verify`` re-checks it.

Nothing is dropped: a family whose certification raises (zero row, size out
of reach, numerical failure) gets an ``inconclusive`` record with the reason
and no certificate, and families beyond ``max_families`` get ``inconclusive``
"not attempted".  A verdict ``minimum`` or ``saddle`` is only ever the
certificate's own verdict.  Ctrl-C (KeyboardInterrupt) is not swallowed.
"""

from __future__ import annotations

from pathlib import Path

from landscape.errors import InputError
from landscape.io import Point

from .artifact import certify_point, write_certificate

__all__ = ["certify_families", "MAX_FULL_DIM"]

#: Largest k d certified with the full-space engine (families in Fix(Δ(…)) have no such bound):
#: the interval Hessian has (k d)^2 balls (certificates.verdict.certify, Notes).
MAX_FULL_DIM = 600


def _record(fam, verdict: str, reason: str, path=None, engine=None, **extra) -> dict:
    out = {"family": int(fam.id), "loss": float(fam.loss), "count": int(fam.count), "verdict": verdict,
           "certificate": None if path is None else str(path), "reason": reason, "engine": engine}
    out.update(extra)
    return out


def _uses_family_engine(fam) -> bool:
    return fam.partition is not None and fam.V is None and fam.alpha is None and fam.beta is None


def certify_families(families, out_dir, *, prec: int = 192, engine: str = "auto", max_families: int | None = None,
                     prefix: str = "family") -> list[dict]:
    """Certify each family's representative and write its certificate.

    Parameters
    ----------
    families : sequence of landscape.endpoints.EndpointFamily
        As in :attr:`landscape.endpoints.Classification.families`.
    out_dir : str or Path
        Directory for the certificates (created if its parent exists).
    prec : int
        Ball precision in bits (64..4096).
    engine : {"auto", "full", "family"}
        As :func:`certificates.artifact.certify_point`; ``auto`` uses the
        family engine for points of some ``Fix(Δ(S_p1×…×S_pm))`` (any d).
    max_families : int or None
        Certify at most this many families (in the given order); the rest are
        reported ``inconclusive`` ("not attempted").  None: all.
    prefix : str
        File name prefix: ``<prefix>-<id>.cert.json``.

    Returns
    -------
    list of dict
        One record per family, in order: ``family`` (id), ``loss``, ``count``,
        ``verdict`` (``minimum | saddle | inconclusive``), ``certificate``
        (path or None), ``reason``, ``engine`` (``family | full | None``).

    Raises
    ------
    InputError
        Bad ``prec``, ``engine``, ``max_families`` or an output directory that cannot be created.
    """
    if engine not in ("auto", "full", "family"):
        raise InputError(f"engine must be auto, full or family, got {engine!r}")
    if not 64 <= int(prec) <= 4096:
        raise InputError(f"prec must be between 64 and 4096 bits, got {prec}")
    if max_families is not None and int(max_families) < 0:
        raise InputError(f"max_families must be non-negative, got {max_families}")
    if not prefix or "/" in prefix or "\\" in prefix:
        raise InputError(f"prefix must be a plain file name part, got {prefix!r}")
    out = Path(out_dir)
    if not out.exists():
        if not out.parent.is_dir():
            raise InputError(f"cannot create {out}: directory {out.parent} does not exist")
        out.mkdir()
    elif not out.is_dir():
        raise InputError(f"{out} exists and is not a directory")

    records = []
    for n, fam in enumerate(families):
        if max_families is not None and n >= int(max_families):
            records.append(_record(fam, "inconclusive", f"not attempted: max_families = {max_families}"))
            continue
        k, d = fam.representative.shape
        if fam.is_global and fam.degenerate:
            # k > n: the global minima form a manifold (split neurons); no isolated critical point to enclose
            records.append(_record(fam, "inconclusive",
                                   "not attempted: a degenerate global minimum (split neurons: a manifold of "
                                   "global minima, L = 0 on it), not an isolated critical point; the loss "
                                   f"{fam.loss:.1e} and the merge onto the teacher are the classifier's evidence"))
            continue
        family_engine = engine == "family" or (engine == "auto" and _uses_family_engine(fam))
        if not family_engine and k * d > MAX_FULL_DIM:
            records.append(_record(fam, "inconclusive",
                                   f"not attempted: k d = {k * d} exceeds {MAX_FULL_DIM} for the full-space "
                                   "engine and the point has no Δ(S_p1×…×S_pm) symmetry"))
            continue
        path = out / f"{prefix}-{fam.id}.cert.json"
        # the global minimum is proved exactly by the full engine (teacher match), not by Krawczyk in Fix
        first = "full" if engine == "auto" and fam.teacher_match else engine
        try:
            point = Point.from_arrays(fam.representative, fam.V, fam.alpha, fam.beta)
            result, cert = certify_point(point, engine=first, prec=int(prec))
            note = ""
            if (result.verdict.value == "inconclusive" and engine == "auto" and cert.get("engine") == "family"
                    and k * d <= MAX_FULL_DIM):
                result2, cert2 = certify_point(point, engine="full", prec=int(prec))
                if result2.verdict.value != "inconclusive":
                    note = f" (family engine was inconclusive: {result.reason})"
                    result, cert = result2, cert2
            write_certificate(path, cert)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # reported, never dropped
            records.append(_record(fam, "inconclusive", f"certification failed: {type(exc).__name__}: {exc}"))
            continue
        records.append(_record(fam, result.verdict.value, result.reason + note, path, cert.get("engine"),
                               existence=(cert.get("existence") or {}).get("method")))
    return records
