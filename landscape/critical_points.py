"""Critical points of the loss in ``Fix(Δ(S_{p1}×…×S_{pm}))``: search, polish, classify, follow in d.

The simplest call:

>>> from landscape.critical_points import find_critical_points
>>> pts = find_critical_points((5, 1), starts=40, seed=0)
>>> spurious = [p for p in pts if not p.is_global]
>>> round(float(spurious[0].loss), 5)                # Safran–Shamir's type-A minimum, k = d = 6
0.02508
>>> spurious[0].index                                # no negative Hessian eigenvalue: a local minimum
0

By the principle of symmetric criticality (SPEC.md), a zero of the reduced
gradient (:func:`landscape.fixed_points.reduced_gradient`, the gradient of L
at the assembled W, one entry per orbit) is a critical point of L.  The search
is root-finding (``scipy.optimize.root``, Powell's hybrid method with the
analytic reduced Jacobian) from many seeded random starts -- not minimisation,
so saddles (of L, or even of L restricted to Fix(H)) are found too -- then a
Newton polish in mpmath at the requested precision, de-duplication, and a
classification by the isotypic Hessian spectrum
(:func:`landscape.isotypic_spectrum.family_spectrum`): Morse index (number of
negative eigenvalues with multiplicity) and minimal eigenvalue.

:func:`follow_family` continues a critical point in d (solution at d is the
start at the next d, with steps of at most a factor 1.5), so a family can be
followed to d = 10⁴ and beyond at O(1) cost per step.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field

import numpy as np

from .backends import FLOAT, mp_context
from .errors import InputError, Interrupted
from .fixed_points import Family, _family, assemble, reduced_gradient, reduced_jacobian, reduced_loss, residual_acceptable
from .isotypic_spectrum import family_spectrum
from .spectrum import Spectrum

__all__ = [
    "CriticalPoint",
    "solve",
    "polish",
    "analyse",
    "find_critical_points",
    "follow_family",
    "default_starts",
    "split_point",
    "SearchResult",
]

#: A critical point with loss below this is reported as the global minimum.
GLOBAL_LOSS = 1e-12


@dataclass
class CriticalPoint:
    """A critical point of L in ``Fix(H)``.

    ``params`` are float (``digits=None``) or mpf; ``loss`` and
    ``min_eigenvalue`` likewise; ``grad_norm`` is the max-abs entry of the
    full gradient at the assembled W; ``index`` the number of negative Hessian
    eigenvalues counted with multiplicity.
    """

    family: Family
    params: list
    loss: object
    grad_norm: object
    index: int
    min_eigenvalue: object
    spectrum: Spectrum
    digits: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_global(self) -> bool:
        return abs(float(self.loss)) < GLOBAL_LOSS

    @property
    def min_row_norm(self) -> float:
        """Smallest norm of a neuron (float): near 0 the loss is not differentiable."""
        from .fixed_points import Evaluator

        return min(float(v) ** 0.5 for v in Evaluator(self.family, [float(x) for x in self.params]).n2)

    @property
    def parallel_blocks(self) -> list:
        """Pairs of row blocks ``(l, L)`` (0-based; ``l = L``: two rows of one
        block) holding positively parallel rows, angle below 1e-7 (float)."""
        if "parallel_blocks" not in self.extra:
            from .fixed_points import Evaluator

            fam = self.family
            ev = Evaluator(fam, [float(x) for x in self.params])
            out = []
            for l in range(fam.row_blocks):
                for L in range(l, fam.row_blocks):
                    if l == L and fam.row_sizes[l] < 2:
                        continue
                    if float(ev.row_geometry(l, L)[2]) < 1e-7:
                        out.append((l, L))
            self.extra["parallel_blocks"] = out
        return self.extra["parallel_blocks"]

    #: ``isotropy_name`` is computed from the assembled W up to this d (O(d²) work).
    ISOTROPY_MAX_D = 60

    @property
    def isotropy_name(self) -> str | None:
        """Name of the isotropy group of the point itself (``symmetry.isotropy``,
        float comparison with relative tolerance 1e-9), None beyond
        :attr:`ISOTROPY_MAX_D`.  It may be larger than the family's
        ``Δ(S_p1×…)``: e.g. the lowest minimum found in Fix(Δ(S_4×S_2)) is
        ΔS_6 (W = aI + b(J − I)); outputs label points by this, not the family."""
        if "isotropy" not in self.extra:
            name = None
            if self.family.k <= self.ISOTROPY_MAX_D:
                from symmetry.isotropy import isotropy

                name = isotropy(np.asarray(self.W(), float), tol=1e-9).name
            self.extra["isotropy"] = name
        return self.extra["isotropy"]

    @property
    def degenerate_reason(self) -> str | None:
        """Why this point is not an isolated, smooth critical point (None if it is).

        Two positively parallel rows ``w_j = c w_i`` (c > 0) act as one neuron
        ``(1 + c) w_i``: moving weight between them keeps the network, so the
        point lies on a continuum of critical points with the same loss, and
        L is not C³ there (the kernel has a ``|θ|³`` term).  Its Hessian
        "spectrum" is not that of an isolated critical point.  A neuron of
        norm < 1e-6 is flagged too (L is not differentiable at a zero row).
        """
        if self.min_row_norm < 1e-6:
            return f"a neuron has norm {self.min_row_norm:.1e} < 1e-6: L is not differentiable at a zero row"
        pairs = self.parallel_blocks
        if pairs:
            fam = self.family
            if len(pairs) == len([(l, L) for l in range(fam.row_blocks) for L in range(l, fam.row_blocks)
                                  if l != L or fam.row_sizes[l] >= 2]):
                what = "all rows are parallel"
            else:
                what = "parallel rows in " + ", ".join(
                    f"block {l + 1}" if l == L else f"blocks {l + 1} and {L + 1}" for l, L in pairs)
            return (f"{what}: a continuum of critical points (w -> (t w, (1-t) w)) where L is not C^3; "
                    "the spectrum is not that of an isolated smooth critical point")
        return None

    @property
    def kind(self) -> str:
        """``saddle`` (a negative eigenvalue), ``minimum`` (all positive),
        ``degenerate`` (none negative, some within tolerance of 0), or
        ``near-zero-row`` (a neuron of norm < 1e-6: the Hessian is not
        meaningful).  Points with parallel rows keep their kind and are
        flagged by :attr:`degenerate_reason` in every output."""
        if self.min_row_norm < 1e-6:
            return "near-zero-row"
        if self.index > 0:
            return "saddle"
        return "degenerate" if self.spectrum.zero_count else "minimum"

    def W(self, ctx=FLOAT):
        """The full ``d x d`` matrix (rows are neurons)."""
        return assemble(self.family, self.params, ctx)

    def named_params(self) -> dict:
        return dict(zip(self.family.param_names, self.params))


def default_starts(family) -> int:
    """Default number of random starts, 100 per parameter.

    Measured: for Δ(S_5×S_1) seeds 0..3 find the same 12 non-degenerate
    critical points (tested); for Δ(S_4×S_2) they agree on every point with
    loss < 0.14, a few high-loss saddles with small basins vary.
    """
    return 100 * _family(family).dim


def _random_start(fam: Family, rng) -> np.ndarray:
    """A random point of Fix(H): diagonal entries around ±1, off-diagonal
    entries of size about 1/sqrt(d) (rows of unit order), sometimes large."""
    x = []
    d = fam.d
    scale = rng.choice([1.0, 1.0 / np.sqrt(d), 1.0 / d])
    for key in fam.param_keys:
        if key[0] == "A":
            x.append(rng.uniform(-1.5, 1.5))
        else:
            x.append(rng.normal(0.0, scale))
    return np.array(x)


def solve(family, x0, tol: float = 1e-11, maxfev: int = 400):
    """Float64 root of the reduced gradient from ``x0`` (``scipy.optimize.root``,
    hybrid method, analytic Jacobian).  Returns the parameters or None."""
    from scipy.optimize import root

    fam = _family(family)

    def fun(x):
        try:
            return reduced_gradient(fam, x)
        except InputError:  # a zero row: push the solver away
            return np.full(fam.dim, 1e6)

    def jac(x):
        try:
            return reduced_jacobian(fam, x)
        except InputError:
            return np.eye(fam.dim)

    with np.errstate(all="ignore"):
        try:
            sol = root(fun, np.asarray(x0, float), jac=jac, method="hybr", options={"maxfev": maxfev})
        except (ValueError, FloatingPointError, ZeroDivisionError):
            return None
    x = sol.x
    if not np.all(np.isfinite(x)):
        return None
    try:
        g = reduced_gradient(fam, x)
        for _ in range(4):  # hybr stops on a small step; a few Newton steps finish the job
            if np.abs(g).max() <= 1e-15 * max(1.0, np.abs(x).max()):
                break
            with np.errstate(all="ignore"):
                y = x - np.linalg.solve(reduced_jacobian(fam, x), g)
            if not np.all(np.isfinite(y)):
                break
            gy = reduced_gradient(fam, y)
            if np.abs(gy).max() >= np.abs(g).max():
                break
            x, g = y, gy
    except (InputError, np.linalg.LinAlgError):
        return None
    if not residual_acceptable(fam, x, g, tol):
        return None
    return x


def polish(family, params, digits: int, maxiter: int = 60):
    """Newton's method on the reduced gradient in mpmath with ``digits``
    significant digits; returns mpf parameters.

    Raises
    ------
    InputError
        If Newton does not converge (the start was not near a regular root).
    """
    fam = _family(family)
    ctx = mp_context(digits)
    mp = ctx.mp
    x = [ctx.number(float(v)) if isinstance(v, (float, np.floating)) else ctx.number(v) for v in params]
    target = mp.mpf(10) ** (-(digits + 2))
    scale = max(mp.mpf(1), max(abs(v) for v in x))
    last = None
    for _ in range(maxiter):
        g = reduced_gradient(fam, x, ctx)
        gn = max(abs(v) for v in g)
        if gn <= target * scale:
            return x
        if last is not None and gn >= last and gn < mp.mpf(10) ** (-(digits // 2)):
            return x  # rounding floor reached
        last = gn
        J = reduced_jacobian(fam, x, ctx)
        try:
            step = mp.lu_solve(mp.matrix(J.tolist()), mp.matrix(list(g)))
        except ZeroDivisionError:
            raise InputError(f"Newton polish at {digits} digits: singular Jacobian for {fam.label()}") from None
        x = [xi - step[i] for i, xi in enumerate(x)]
    raise InputError(f"Newton polish at {digits} digits did not converge for {fam.label()} (|g| = {mp.nstr(gn, 3)})")


def analyse(family, params, digits: int | None = None) -> CriticalPoint:
    """Loss, gradient norm and isotypic spectrum at a (near-)critical point.

    With ``digits=None`` the results are float64; beyond
    ``d = isotypic_spectrum.AUTO_PRECISION_D`` the point is first polished
    and everything evaluated in mpmath at ``working_digits(d)`` digits (float64
    loses ~2 log10(d) digits there), then rounded to float64 -- so the
    reported digits are right at any d (``extra["working_digits"]``).
    """
    from .isotypic_spectrum import AUTO_PRECISION_D, working_digits

    fam = _family(family)
    if digits is None and fam.d > AUTO_PRECISION_D:
        work = working_digits(fam.d)
        try:
            hi = polish(fam, params, work)
        except InputError:
            hi = None
        if hi is not None:
            ctx = mp_context(work)
            L = float(reduced_loss(fam, hi, ctx))
            gn = float(max(abs(v) for v in reduced_gradient(fam, hi, ctx)))
            spec = family_spectrum(fam, hi, None)
            pt = CriticalPoint(fam, [float(v) for v in hi], L, gn, spec.negative_count, spec.min, spec, None)
            pt.extra["working_digits"] = work
            return pt
    ctx = FLOAT if digits is None else mp_context(digits)
    if digits is None:
        params = [float(v) for v in params]
    L = reduced_loss(fam, params, ctx)
    g = reduced_gradient(fam, params, ctx)
    gn = max(abs(v) for v in g)
    spec = family_spectrum(fam, params, digits)
    return CriticalPoint(fam, list(params), L, gn, spec.negative_count, spec.min, spec, digits)


def _invariant_key(fam: Family, x, loss):
    """Γ-invariants of a point: its loss and the multiset of entries of W (both
    unchanged by permuting neurons and inputs).  Two critical points of
    ``Fix(H)`` with the same key are reported once: e.g. ``I_d`` and the
    permutation matrices lying in ``Fix(H)`` are one global minimum."""
    counts: dict = {}
    for key, v, size in zip(fam.param_keys, x, fam.orbit_sizes):
        r = round(float(v), 6) + 0.0
        counts[r] = counts.get(r, 0) + size
    return (round(float(loss), 9) + 0.0, tuple(sorted(counts.items())))


def _canonical(fam: Family, x, decimals: int = 6):
    """A key identifying a point up to permutations of blocks of equal size."""
    keys = fam.param_keys
    index = {k: n for n, k in enumerate(keys)}
    groups: dict[int, list[int]] = {}
    for l, p in enumerate(fam.parts):
        groups.setdefault(p, []).append(l)
    best = None
    perms = [list(itertools.permutations(g)) for g in groups.values()]
    for choice in itertools.product(*perms):
        sigma = list(range(fam.m))
        for g, img in zip(groups.values(), choice):
            for a, b in zip(g, img):
                sigma[a] = b
        y = []
        for k in keys:
            if k[0] == "A":
                src = ("A", sigma[k[1]])
            elif k[0] == "B":
                src = ("B", sigma[k[1]], sigma[k[2]])
            else:
                src = ("C", k[1], sigma[k[2]])
            y.append(round(float(x[index[src]]), decimals) + 0.0)
        t = tuple(y)
        best = t if best is None or t < best else best
    return best


def find_critical_points(family, starts: int | None = None, seed: int = 0, digits: int | None = None,
                         extra_starts=(), progress: bool = False) -> list[CriticalPoint]:
    """Critical points of L in ``Fix(Δ(S_{p1}×…×S_{pm}))``, sorted by loss.

    Parameters
    ----------
    family : Family or tuple of block sizes (k = d = sum)
    starts : int, optional
        Number of random starts (default :func:`default_starts`).
    seed : int
        Seed of the random starts (numpy ``default_rng``).
    digits : int, optional
        Polish with mpmath Newton and report at this many digits.
    extra_starts : iterable of parameter vectors
        Starts tried in addition (e.g. a solution at a neighbouring d).
    progress : bool
        tqdm bar on stderr.

    Returns
    -------
    list of CriticalPoint
        Distinct up to permutations of equal blocks; the identity (global
        minimum) included when found.

        A :class:`SearchResult`: on Ctrl-C the search stops at once and the
        points found so far (analysed in float64, not polished) come back
        with ``interrupted`` set to what was done -- callers must report
        them as partial (the command line exits 130 and marks its files).
    """
    fam = _family(family)
    n = default_starts(fam) if starts is None else int(starts)
    if n < 0:
        raise InputError(f"--starts must be non-negative, got {n}")
    rng = np.random.default_rng(seed)
    candidates = [np.asarray(x, float) for x in extra_starts] + [_random_start(fam, rng) for _ in range(n)]
    found: dict = {}
    iterator = candidates
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(candidates, desc=f"find {fam.label()}", file=sys.stderr, leave=False)
        iterator = bar
    done = 0
    try:
        for x0 in iterator:
            x = solve(fam, x0)
            done += 1
            if x is None:
                continue
            key = _canonical(fam, x)
            if key not in found:
                found[key] = x
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
            bar = None
        # keep what was found, analysed in float64 (quick), marked incomplete
        out = SearchResult(_classify(fam, found, None))
        out.interrupted = (f"interrupted after {done} of {len(candidates)} starts; "
                           f"{len(out)} critical points found so far (float64, not polished)")
        print(f"find: {out.interrupted}", file=sys.stderr)
        return out
    finally:
        if bar is not None:
            bar.close()
    return SearchResult(_classify(fam, found, digits))


class SearchResult(list):
    """The critical points a search returned, and whether it was cut short.

    ``interrupted`` is None for a complete search, else a sentence saying how
    much was done (Ctrl-C): such a list must be reported as partial.
    """

    interrupted: str | None = None

    @property
    def complete(self) -> bool:
        return self.interrupted is None


def _classify(fam, found, digits):
    out = []
    seen = set()
    unpolished = 0
    for x in found.values():
        inv = _invariant_key(fam, x, reduced_loss(fam, x))
        if inv in seen:
            continue
        seen.add(inv)
        if digits is not None:
            try:
                params = polish(fam, x, digits)
            except (InputError, ZeroDivisionError):
                # a singular Jacobian (a continuum of critical points, e.g. split neurons):
                # its digits cannot be vouched for, so it is not reported at this precision
                unpolished += 1
                continue
        else:
            params = list(x)
        out.append(analyse(fam, params, digits))
    if unpolished:
        print(f"find: {unpolished} critical point(s) of {fam.label()} left out: Newton at {digits} digits "
              "did not converge (singular Jacobian, e.g. a continuum of critical points)", file=sys.stderr)
    out.sort(key=lambda p: float(p.loss))
    return out


def _lowest_spurious(points):
    sp = [p for p in points if not p.is_global]
    return sp[0] if sp else None


def _continue_step(partition_fn, cur, x, prev, nxt):
    """Solve at ``nxt`` from the solution ``x`` at ``cur``: first from the
    secant prediction (linear in log d through the previous solution), then from x."""
    from .isotypic_spectrum import AUTO_PRECISION_D, working_digits

    fam = _family(partition_fn(nxt))
    guesses = []
    if prev is not None and prev[0] < cur:
        t = np.log(nxt / cur) / np.log(cur / prev[0])
        guesses.append(x + t * (x - prev[1]))
    guesses.append(x)
    for g in guesses:
        y = solve(fam, g)
        if y is not None:
            return y
    if fam.d > AUTO_PRECISION_D:
        # float64 cannot reach the gradient tolerance at large d: Newton in mpmath
        for g in guesses:
            try:
                return np.array([float(v) for v in polish(fam, g, working_digits(fam.d), maxiter=12)])
            except (InputError, ZeroDivisionError):
                continue
    return None


def follow_family(partition_fn, ds, start=None, digits: int | None = None, starts: int | None = None,
                  seed: int = 0, progress: bool = False, max_ratio: float = 1.5, extra=()) -> list[CriticalPoint]:
    """Follow one critical point through increasing dimensions by continuation.

    Parameters
    ----------
    partition_fn : callable ``d -> tuple of block sizes`` (same number of
        blocks for every d), or a string like ``"d-1,1"``.
    ds : increasing sequence of int
    start : parameter vector at ``ds[0]``, optional
        Default: the lowest-loss spurious critical point found at ``ds[0]``
        by :func:`find_critical_points`.
    max_ratio : float
        Largest step ``d_next / d`` taken internally (intermediate d are
        solved and discarded).
    extra : tuple of int
        Blocks of extra rows (k = d + sum(extra)), the same for every d.

    Returns
    -------
    list of CriticalPoint, one per d reached (a failed continuation step
    ends the list early).

    Raises
    ------
    landscape.errors.Interrupted
        On Ctrl-C, with the points finished so far in ``partial``.
    """
    if isinstance(partition_fn, str):
        from .fixed_points import parse_partition

        text = partition_fn
        partition_fn = lambda d: parse_partition(text, d)  # noqa: E731
    base_fn = partition_fn
    extra = tuple(extra)
    partition_fn = lambda d: Family(base_fn(d), extra)  # noqa: E731
    ds = sorted(int(d) for d in ds)
    if not ds:
        return []
    fam0 = partition_fn(ds[0])
    if start is None:
        found = find_critical_points(fam0, starts, seed)
        if not found.complete:
            raise Interrupted([], found.interrupted)
        best = _lowest_spurious(found)
        if best is None:
            raise InputError(f"no spurious critical point found in {fam0.label()}")
        x = np.asarray(best.params, float)
    else:
        x = np.asarray(start, float)
        x = solve(fam0, x)
        if x is None:
            raise InputError(f"the start is not near a critical point of {fam0.label()}")
    out = []
    cur = ds[0]
    prev = None
    bar = None
    try:
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(ds), desc="follow", file=sys.stderr, leave=False)
        for target in ds:
            while cur < target:
                nxt = min(target, max(cur + 1, int(cur * max_ratio)))
                while True:
                    y = _continue_step(partition_fn, cur, x, prev, nxt)
                    if y is not None or nxt == cur + 1:
                        break
                    nxt = cur + max(1, (nxt - cur) // 2)  # smaller step
                if y is None:
                    return out
                prev = (cur, x)
                x, cur = y, nxt
            fam = partition_fn(target)
            params = polish(fam, x, digits) if digits is not None else list(x)
            out.append(analyse(fam, params, digits))
            if bar is not None:
                bar.update(1)
    except KeyboardInterrupt:
        raise Interrupted(out, f"interrupted: {len(out)} of {len(ds)} dimensions finished") from None
    finally:
        if bar is not None:
            bar.close()
    return out


def split_point(point: CriticalPoint, block: int, t=0.5, digits: int | None = None) -> CriticalPoint:
    """The critical point of the ``k + 1`` neuron problem obtained by splitting
    the neuron of size-1 block ``block`` into ``(t w, (1−t) w)``
    (:func:`landscape.fixed_points.split_params`), classified by its isotypic
    spectrum.  Same loss; by Arjevani & Field (2022) spurious minima typically
    become saddles.

    Split points come in a segment (any t), so the reduced Jacobian there is
    singular and root-finding continuation in d does not apply: follow the
    k = d family with :func:`follow_family` and split at each d instead.
    """
    from .fixed_points import split_params

    big, y = split_params(point.family, point.params, block, t)
    return analyse(big, y, digits if digits is not None else point.digits)
