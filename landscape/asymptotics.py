"""Series of a two-block family ``Δ(S_{d−p}×S_p)`` in powers of ``s = d^{-1/2}``.

The simplest call:

>>> from landscape.asymptotics import family_asymptotics
>>> res = family_asymptotics("d-1,1", order=1, spectrum=False)   # type A, derived
>>> t = res.loss[0]                                  # d L -> 1/2 - 2/pi^2
>>> t.power, t.value[:12], t.exact                  # (π² − 4)/(2π²) = 1/2 − 2/π²
(-1.0, '0.2973576327', '(-2 + pi)*(2 + pi)/(2*pi**2)')

Arjevani & Field (NeurIPS 2021, arXiv 2107.10370) show that the families of
critical points of ``L`` (k = d, teacher ``I_d``, rows are neurons) have
Puiseux-type expansions in ``d^{-1/2}``: every parameter of ``Fix(H)``, the loss
and every distinct Hessian eigenvalue is ``d^{e} Σ_j c_j d^{-j/2}``.  This
module computes the coefficients by **undetermined coefficients on exact
solutions far out**: the reduced equations (:mod:`landscape.fixed_points`,
O(1) cost in d) are solved by Newton in mpmath at ``M + 1`` dimensions
``d_i = (M + 1)² / (i + 1)² · d_0`` (``s_i = (i + 1) s_0 / (M + 1)``,
``d_0 = 10^{10}`` by default), every quantity ``q`` is scaled by its leading power
``d^{e}`` (``e`` read off the samples: ``e ∈ {1, 0, −1/2, −1, −3/2, −2, …}``),
and the polynomial of degree M in s through the ``M + 1`` values gives
``c_0 … c_M``.  With ``s_0 = 10^{-5}`` and ``M = N + 12`` the truncation error
of ``c_j`` is about ``s_0^{M+1−j}`` times the conditioning of the fit: every
reported coefficient (j ≤ N ≤ 8) is right to ≳ 30 digits, which the tests
check against solutions at d = 10³..10⁸ computed independently (error of
the truncated series shrinks like ``d^{-(N+1)/2}``).

**Derived series (default for p = 1, 2).**  The parameters and the loss are
not fitted but derived: :mod:`landscape.exact_series` solves the regular
rescaled system of :mod:`landscape.regular_family` order by order in s
(exact limit root, then one exact linear solve per order), so ``exact`` holds
the closed form of every reported coefficient (rational functions of π) and
``value`` its decimal value.  The fit below is kept as the independent
oracle (``fit_params``, ``fit_loss``; compared in the tests to ≥ 20 digits).
So are the eigenvalue series: :mod:`landscape.eigen_series` derives them from the isotypic
pencils of the regular Hessian (exact coefficients; degenerate limits resolved by
Newton–Puiseux), and each replaces the fitted series it matches (``series_method``), the fit
kept in ``fit_series``.

Exact forms of fitted coefficients: each is compared with ``mpmath.identify`` against
``π``, ``1/π``, ``1/π²``, ``√2`` (PSLQ); a match is reported in ``exact`` only
when it agrees to at least :data:`EXACT_DIGITS` digits -- an identification,
not a derivation (docs/theorems.md states which leading constants are
derived by hand).  ``exact`` is ``None`` otherwise.

Eigenvalues are keyed by isotypic component (irrep of ``S_{d−p} × S_p``, first
row written ``d−…``) and rank inside its block; the number of distinct
eigenvalues does not depend on d (SPEC.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath

from .backends import mp_context
from .errors import InputError
from .fixed_points import Family, parse_partition, reduced_gradient, reduced_jacobian, split_params

__all__ = ["Term", "Asymptotics", "family_asymptotics", "family_solution", "to_json", "to_text", "to_latex",
           "evaluate_series", "EXACT_DIGITS"]

#: Agreement (digits) needed before an identified closed form is reported as ``exact``.
EXACT_DIGITS = 25


@dataclass
class Term:
    """One term ``value · d^power`` (``value`` a decimal string; ``exact`` sympy-parsable or None)."""

    power: float
    value: str
    exact: str | None = None

    def as_dict(self):
        return {"power": self.power, "value": self.value, "exact": self.exact}


@dataclass
class Asymptotics:
    partition: str
    order: int
    params: dict = field(default_factory=dict)  # name -> list of Term
    loss: list = field(default_factory=list)
    eigenvalues: list = field(default_factory=list)  # [{irrep, rank, multiplicity, series}]
    samples: list = field(default_factory=list)  # the d used
    digits: int = 60
    method: str = "fit"  # "derived": params and loss from landscape.exact_series
    fit_params: dict = field(default_factory=dict)  # the fitted series when params are derived
    fit_loss: list = field(default_factory=list)
    eigenvalue_limits: dict = None  # exact limits from the regular Hessian (landscape.regular_hessian)
    eigen_note: str | None = None  # why eigenvalue series stayed fitted, if they did


def _linear_parts(text):
    """``"d-1,1"`` -> ``(p,)`` s.t. parts are (d−p, p); only two-block families."""
    a = parse_partition(text, d=1000)
    if len(a) != 2 or a[0] != 1000 - a[1]:
        raise InputError(f"asymptotics is for two-block families d-p,p (got {text!r})")
    b = parse_partition(text, d=2000)
    if b[1] != a[1]:
        raise InputError(f"asymptotics needs the second part fixed: d-p,p (got {text!r})")
    return a[1]


def _newton(fam: Family, x, ctx, steps: int = 40):
    mp = ctx.mp
    x = [mp.mpf(v) for v in x]
    tol = mp.mpf(10) ** (-(ctx.digits - 8))
    for _ in range(steps):
        g = reduced_gradient(fam, x, ctx)
        J = reduced_jacobian(fam, x, ctx)
        dx = mp.lu_solve(mp.matrix(J.tolist()), mp.matrix(list(g)))
        x = [a - b for a, b in zip(x, dx)]
        if max(abs(v) for v in dx) <= tol * max(1, max(abs(v) for v in x)):
            return x
    raise InputError(f"Newton did not converge for {fam.label()}")


def family_solution(p: int, d: int, start, digits: int = 60):
    """The critical point of ``Fix(Δ(S_{d−p}×S_p))`` near ``start`` (mpf list, ``digits`` digits)."""
    fam = Family((d - p, p))
    ctx = mp_context(digits + 2 * len(str(d)))
    return _newton(fam, start, ctx)


def _extrapolate(ss, xs, s):
    """Polynomial extrapolation in s through the last points (mpf)."""
    k = min(len(ss), 4)
    pts = list(zip(ss[-k:], xs[-k:]))
    out = []
    for c in range(len(xs[0])):
        val = 0
        for i, (si, xi) in enumerate(pts):
            w = 1
            for j, (sj, _) in enumerate(pts):
                if j != i:
                    w *= (s - sj) / (si - sj)
            val += w * xi[c]
        out.append(val)
    return out


def _start(p: int, d: int):
    """A start near the family at dimension d for p = 1 (type A) and p = 2 (the leading
    terms of the series: good rows ~ e_i, bad rows ~ -e_i for p = 1 and ~ -e_(other) for p = 2);
    None (lowest spurious point found by ``find``) otherwise."""
    if p == 1:
        return [1.0, -1.0 + 5.0 / d, -1.28 / d ** 2, 2.0 / d, 1.28 / d]
    if p == 2:
        return [1.0, 0.0, -2.6 / d ** 2, 2.0 / d, 1.3 / d, -1.0]
    return None


def _branch(p: int, d_targets, digits):
    """Solutions along increasing d (floats up to 10^4 by follow_family, then mpmath)."""
    from .critical_points import follow_family

    base = [100, 300, 1000, 3000, 10000]
    pts = follow_family(f"d-{p},{p}", base, start=_start(p, base[0]))
    if len(pts) < len(base):
        raise InputError(f"continuation of d-{p},{p} failed before d = 10^4")
    ss = [mpmath.mpf(d) ** -0.5 for d in base]
    xs = [[mpmath.mpf(float(v)) for v in pt.params] for pt in pts]
    xs[-1] = family_solution(p, base[-1], xs[-1], digits)
    cur = base[-1]
    out = {}
    for d in sorted(d_targets):
        while cur < d:
            nxt = min(d, cur * 30)
            s = mpmath.mpf(nxt) ** -0.5
            x = family_solution(p, nxt, _extrapolate(ss, xs, s), digits)
            ss.append(s)
            xs.append(x)
            cur = nxt
        out[d] = xs[-1]
    return out


def _generic_irrep(label: str, d: int) -> str:
    import re

    return re.sub(r"\d+", lambda m: (f"d-{d - int(m.group())}" if int(m.group()) > d // 2 else m.group()), label)


def _spectrum(p, d, x, digits, split: bool = False):
    """Isotypic eigenvalues at the family point x (``split``: at type A's split point, k = d + 1)."""
    from .isotypic_spectrum import isotypic_blocks

    ctx = mp_context(digits)
    mp = ctx.mp
    fam = Family((d - p, p))
    if split:
        fam, x = split_params(fam, x, 1, mpmath.mpf(1) / 2)
    out = {}
    for blk in isotypic_blocks(fam, x, ctx):
        vals = sorted(mp.eigsy(mp.matrix(blk.C.tolist()), eigvals_only=True))
        f = blk.copies
        reps = [sum(vals[t * f:(t + 1) * f]) / f for t in range(len(vals) // f)]
        for r, v in enumerate(reps):
            out[(_generic_irrep(blk.irrep, d), r)] = (v, blk.dim)
    return out


def _leading_power(values, ds):
    """Exponent e (a multiple of 1/2) with q(d) ~ c d^e, from the two largest d."""
    q1, q2 = values[-1], values[-2]
    d1, d2 = ds[-1], ds[-2]
    if q1 == 0 or q2 == 0:
        return None
    e = mpmath.log(abs(q1 / q2)) / mpmath.log(mpmath.mpf(d1) / d2)
    return round(float(e) * 2) / 2


def _fit(values, ds, M):
    """Coefficients c_0..c_M with q(d) d^{-e} = Σ c_j s^j, the exponent e, and an error
    estimate per coefficient (difference with the fit of degree M − 3 on the M − 2 largest s)."""
    e = _leading_power(values, ds)
    if e is None:
        return None, None, None
    ss = [mpmath.mpf(d) ** -0.5 for d in ds]
    ys = [q * mpmath.mpf(d) ** (-e) for q, d in zip(values, ds)]
    top = max(ss)

    def solve(idx, deg):  # in t = s / max(s) (a well-scaled Vandermonde), then c_j = a_j / top^j
        A = mpmath.matrix([[(ss[i] / top) ** j for j in range(deg + 1)] for i in idx])
        a = mpmath.lu_solve(A, mpmath.matrix([ys[i] for i in idx]))
        return [a[j] / top ** j for j in range(deg + 1)]

    n = len(ss)
    c = solve(range(n), n - 1)
    c2 = solve(range(3, n), n - 4)  # the n - 3 smallest s, one degree per point
    coeffs = [c[j] for j in range(n)]
    errs = [abs(c[j] - c2[j]) if j <= n - 4 else mpmath.mpf(1) for j in range(n)]
    return e, coeffs, errs


def _identify(v, digits):
    for consts in ([], ["pi"], ["pi", "pi**2"], ["1/pi", "1/pi**2"], ["1/pi"], ["sqrt(2)"], ["sqrt(2)", "pi"],
                   ["sqrt(2)/pi"], ["1/pi", "sqrt(2)", "sqrt(2)/pi"]):
        try:
            with mpmath.workdps(EXACT_DIGITS + 5):
                s = mpmath.identify(v, consts, tol=mpmath.mpf(10) ** (-min(digits, EXACT_DIGITS + 3)), maxcoeff=200)
        except Exception:  # pragma: no cover - identify's internal failures
            s = None
        if s:
            import sympy

            expr = sympy.sympify(s)
            if abs(mpmath.mpf(str(sympy.N(expr, digits + 10))) - v) < abs(v) * mpmath.mpf(10) ** (-digits + 1):
                return str(sympy.nsimplify(expr)) if expr.is_rational else str(expr)
    return None


def _terms(e, coeffs, errs, order, max_digits=30):
    """Terms from the first coefficient that is not zero within its error on, ``order + 1``
    half-steps; each value carries the digits the two fits agree on (at most ``max_digits``)."""
    j0 = next((j for j, (c, r) in enumerate(zip(coeffs, errs)) if abs(c) > 100 * r), None)
    if j0 is None:
        return [Term(0.0, "0", "0")]
    out = []
    for j in range(j0, min(j0 + order + 1, len(coeffs))):
        c, r = coeffs[j], max(errs[j], abs(coeffs[j]) * mpmath.mpf(10) ** (-max_digits - 2))
        if abs(c) <= 100 * r:
            continue  # zero within the error (or unresolved)
        good = int(min(max_digits, max(1, mpmath.floor(mpmath.log10(abs(c) / r)) - 1)))
        exact = _identify(c, good) if good >= EXACT_DIGITS else None
        out.append(Term(float(e - mpmath.mpf(j) / 2), mpmath.nstr(c, good), exact))
    return out


def _exact_terms(ser, order):
    """Terms of the derived series (:mod:`landscape.exact_series`): params and loss."""
    import sympy

    def term(power, expr):
        return Term(float(power), mpmath.nstr(mpmath.mpf(str(sympy.N(expr, 45))), 30), str(expr))

    params = {}
    for t, name in enumerate(ser.names):
        terms = ser.param_terms(t)
        if not terms:
            params[name] = [Term(0.0, "0", "0")]
            continue
        lead = terms[0][0]
        params[name] = [term(pw, c) for pw, c in terms if pw >= lead - order / 2 - 1e-9]
    nz = [m for m, c in enumerate(ser.loss) if c != 0]
    loss = [term(-m / 2, ser.loss[m]) for m in nz if m <= nz[0] + order] if nz else [Term(0.0, "0", "0")]
    return params, loss


def family_asymptotics(partition, order: int = 4, digits: int = 60, s0: float = 1e-5,
                       spectrum: bool = True, method: str = "exact",
                       derive_eigenvalues: bool | None = None) -> Asymptotics:
    """Series in ``d^{-1/2}`` of the family's parameters, loss and Hessian eigenvalues.

    Parameters
    ----------
    partition : str
        ``"d-p,p"`` (type A is ``"d-1,1"``).
    order : int
        Half-integer orders reported beyond the leading one (0..8).
    digits : int
        Working precision of the solutions (mpmath).
    s0 : float
        Largest ``s = d^{-1/2}`` sampled.
    spectrum : bool
        Also the Hessian eigenvalues (the costly part: one isotypic spectrum per sample).
    method : {"exact", "fit"}
        ``"exact"`` (p = 1, 2): parameters and loss *derived* order by order from the regular
        system (:func:`landscape.exact_series.family_series`, exact coefficients in π), the
        fitted values kept in ``fit_params``/``fit_loss`` (when samples are computed, i.e.
        ``spectrum=True``), and the eigenvalue series derived too (see ``derive_eigenvalues``).
        ``"fit"``: everything fitted.
    derive_eigenvalues : bool or None
        With ``method="exact"``: replace the fitted eigenvalue series by the derived ones
        (:func:`landscape.eigen_series.eigenvalue_series`).  None (default): for p = 1 (type A,
        about 2.5 min at order 1, 6 min at order 3); for p = 2 only when asked, because its
        Hessian series (26 coordinates, coefficients in Q(√2)(π)) takes far longer
        (``eigen_note`` says so).

    Returns
    -------
    Asymptotics
        ``params`` (name -> terms), ``loss`` and ``eigenvalues`` (each with
        ``irrep``, ``rank``, ``multiplicity`` and ``series``), every term with
        ``power`` (the exponent of d), ``value`` (decimal string, ~30 digits)
        and ``exact`` (or None).
    """
    if not 0 <= order <= 8:
        raise InputError(f"order must be between 0 and 8, got {order}")
    if method not in ("exact", "fit"):
        raise InputError(f"method must be 'exact' or 'fit', got {method!r}")
    text = str(partition).replace(" ", "")
    if text.endswith("+1"):
        return _split_asymptotics(text, order, digits, s0, spectrum, method)
    p = _linear_parts(partition)
    exact = None
    if method == "exact" and p in (1, 2):
        from .exact_series import MAX_SERIES_ORDER, family_series

        exact = _exact_terms(family_series(p, min(order + 2, MAX_SERIES_ORDER)), order)
        if not spectrum:
            res = Asymptotics(partition, order, digits=digits)
            res.params, res.loss = exact
            res.method = "derived"
            return res
    M = order + 12
    ds = sorted({int(round((M + 1) ** 2 / (i + 1) ** 2 / s0 ** 2)) for i in range(M + 1)})
    sols = _branch(p, ds, digits)
    fam_names = Family((ds[0] - p, p)).param_names
    res = Asymptotics(partition, order, samples=ds, digits=digits)
    with mpmath.workdps(digits):
        for c, name in enumerate(fam_names):
            e, co, er = _fit([sols[d][c] for d in ds], ds, M)
            res.params[name] = _terms(e, co, er, order) if e is not None else [Term(0.0, "0", "0")]
        from .fixed_points import reduced_loss

        losses = [reduced_loss(Family((d - p, p)), sols[d], mp_context(digits)) for d in ds]
        e, co, er = _fit(losses, ds, M)
        res.loss = _terms(e, co, er, order)
        if exact is not None:
            res.fit_params, res.fit_loss = res.params, res.loss
            res.params, res.loss = exact
            res.method = "derived"
        if not spectrum:
            return res
        specs = [_spectrum(p, d, sols[d], digits) for d in ds]
        keys = sorted(specs[-1], key=lambda k: float(specs[-1][k][0] / ds[-1]))
        for key in keys:
            vals = [sp[key][0] for sp in specs]
            e, co, er = _fit(vals, ds, M)
            mult = _generic_multiplicity([(d, sp[key][1]) for d, sp in zip(ds, specs)])
            res.eigenvalues.append({"irrep": key[0], "rank": key[1], "multiplicity": mult,
                                    "series": _terms(e, co, er, order), "limit": "fitted"})
    if method == "exact" and p in (1, 2):
        _derive_limits(res, p)
        asked = derive_eigenvalues
        if derive_eigenvalues is None:
            derive_eigenvalues = p == 1
        if derive_eigenvalues:
            _derive_eigenvalue_series(res, p, order)
        elif asked is None:
            res.eigen_note = (f"eigenvalue series beyond the derived limits fitted: their derivation for d-{p},{p} "
                              "is available (derive_eigenvalues=True, CLI --derive-eigenvalues yes) but slow")
        else:
            res.eigen_note = "eigenvalue series beyond the derived limits fitted (their derivation was not asked for)"
    return res


def _split_asymptotics(text, order, digits, s0, spectrum, method) -> Asymptotics:
    """Type A's over-parameterised variant ``d-1,1+1`` (k = d + 1): the bad neuron split into
    ``(w/2, w/2)`` (:func:`landscape.fixed_points.split_params`), a critical point with type A's
    loss.  Parameters: type A's series with the split rows halved (exact when type A's are);
    eigenvalues: fitted on the isotypic spectra of the split points (the family with one extra
    row block), as for p ≥ 3; the flat direction of the split is an exact 0."""
    if _linear_parts(text[:-2]) != 1:
        raise InputError(f"the over-parameterised variant is type A's split, d-1,1+1 (got {text!r})")
    base = family_asymptotics(text[:-2], order, digits, s0, spectrum=False, method=method)
    big = Family((999, 1), (1,))
    small_keys = Family((999, 1)).param_keys
    names = dict(zip(small_keys, Family((999, 1)).param_names))
    import sympy

    sympy_half = sympy.Rational(1, 2)

    def halved(terms):
        return [Term(t.power, mpmath.nstr(mpmath.mpf(t.value) / 2, 30),
                     str(sympy.sympify(t.exact) * sympy_half) if t.exact is not None else None) for t in terms]

    res = Asymptotics(text, order, digits=digits, method=base.method)
    res.loss = base.loss
    for key, name in zip(big.param_keys, big.param_names):
        if key[0] == "C":  # the extra row: (1 − t) times the split row, t = 1/2
            src = ("A", 1) if key[2] == 1 else ("B", 1, key[2])
            res.params[name] = halved(base.params[names[src]])
        elif key == ("A", 1) or (key[0] == "B" and key[1] == 1):
            res.params[name] = halved(base.params[names[key]])
        else:
            res.params[name] = base.params[names[key]]
    res.eigen_note = "over-parameterised variant: eigenvalue series fitted (isotypic spectra of the split points)"
    if not spectrum:
        return res
    M = order + 12
    ds = sorted({int(round((M + 1) ** 2 / (i + 1) ** 2 / s0 ** 2)) for i in range(M + 1)})
    sols = _branch(1, ds, digits)
    res.samples = ds
    with mpmath.workdps(digits):
        specs = [_spectrum(1, d, sols[d], digits, split=True) for d in ds]
        tiny = mpmath.mpf(10) ** (-(digits - 15))
        keys = sorted(specs[-1], key=lambda k: float(specs[-1][k][0] / ds[-1]))
        for key in keys:
            vals = [sp[key][0] for sp in specs]
            mult = _generic_multiplicity([(d, sp[key][1]) for d, sp in zip(ds, specs)])
            if all(abs(v) <= tiny * d for v, d in zip(vals, ds)):
                series = [Term(0.0, "0", "0")]  # the flat direction of the split (exactly 0)
            else:
                e, co, er = _fit(vals, ds, M)
                series = _terms(e, co, er, order)
            res.eigenvalues.append({"irrep": key[0], "rank": key[1], "multiplicity": mult, "series": series,
                                    "limit": "fitted", "series_method": "fitted"})
    return res


def _derive_eigenvalue_series(res: Asymptotics, p: int, order: int) -> None:
    """Replace every fitted eigenvalue series by its derived one
    (:func:`landscape.eigen_series.eigenvalue_series`: exact coefficients), matched by irrep, leading
    power and value at the largest sample d (to 20 digits); the fit is kept in ``fit_series``.  An
    eigenvalue without a match keeps its fitted series (``series_method: fitted``) -- and if the
    derivation fails as a whole, the reason is recorded in ``res.eigen_note``."""
    import sympy

    from .eigen_series import eigenvalue_series

    try:
        branches = eigenvalue_series(p, order)
    except (InputError, ArithmeticError) as exc:
        res.eigen_note = f"eigenvalue series fitted: the derivation stopped ({exc})"
        return
    d_top = mpmath.mpf(res.samples[-1]) if res.samples else mpmath.mpf(10) ** 10
    used = set()
    with mpmath.workdps(50):
        for e in res.eigenvalues:
            fit_val = evaluate_series(e["series"], d_top)
            best = None
            for n, b in enumerate(branches):
                if n in used or b.irrep != e["irrep"] or b.power != e["series"][0].power:
                    continue
                val = sum(mpmath.mpf(str(sympy.N(c, 50))) * d_top ** (mpmath.mpf(b.power) - mpmath.mpf(j) / 2)
                          for j, c in enumerate(b.coefficients))
                if abs(val - fit_val) <= mpmath.mpf(10) ** -20 * max(1, abs(val)):
                    best = n
                    break
            if best is None:
                e["series_method"] = "fitted"
                continue
            used.add(best)
            b = branches[best]
            e["fit_series"] = e["series"]
            e["series"] = [Term(b.power - j / 2, mpmath.nstr(mpmath.mpf(str(sympy.N(c, 45))), 30), str(c))
                           for j, c in enumerate(b.coefficients) if c != 0]
            e["series_method"] = "derived"


def _derive_limits(res: Asymptotics, p: int) -> None:
    """Replace the leading coefficient of every eigenvalue series by its exact limit derived from
    the regular Hessian (:func:`landscape.regular_hessian.eigenvalue_limits`) -- bounded
    eigenvalues (``d^0``) and ``Θ(d)`` ones (``d^1``) -- matched to the fitted leading value to
    20 digits; an eigenvalue whose fitted limit matches no derived one keeps ``limit: fitted``."""
    import sympy

    from .regular_hessian import eigenvalue_limits

    lim = eigenvalue_limits(p)
    res.eigenvalue_limits = {k: [{"exact": str(r), "value": mpmath.nstr(mpmath.mpf(str(sympy.N(r, 40))), 30),
                                  "multiplicity_in_compression": m} for r, m in v] for k, v in lim.items()}
    for e in res.eigenvalues:
        t0 = e["series"][0]
        pool = lim["bounded"] if t0.power == 0 else lim["linear"] if t0.power == 1 else []
        with mpmath.workdps(40):
            v = mpmath.mpf(t0.value)
            for r, _ in pool:
                rv = mpmath.mpf(str(sympy.N(r, 40)))
                if abs(rv - v) <= mpmath.mpf(10) ** -20 * max(1, abs(rv)):
                    e["series"][0] = Term(t0.power, mpmath.nstr(rv, 30), str(r))
                    e["limit"] = "derived"
                    break


def _generic_multiplicity(points) -> str:
    """The irrep dimension as a polynomial in d, interpolated through exact ``(d, dim)`` pairs
    (degree <= 4: the cells are pairs of indices) and checked on every pair."""
    import sympy

    d = sympy.Symbol("d")
    pts = sorted(points)[:5]
    poly = sympy.expand(sympy.interpolate([(sympy.Integer(a), sympy.Integer(b)) for a, b in pts], d))
    if any(poly.subs(d, a) != b for a, b in points):
        return None
    return str(sympy.factor(poly)).replace(" ", "")


def evaluate_series(terms, d):
    """``Σ value · d^power`` (mpf) of a list of :class:`Term`."""
    return sum(mpmath.mpf(t.value) * mpmath.mpf(d) ** mpmath.mpf(t.power) for t in terms)


def to_json(res: Asymptotics) -> dict:
    return {"partition": res.partition, "order": res.order,
            "params": {k: [t.as_dict() for t in v] for k, v in res.params.items()},
            "loss": [t.as_dict() for t in res.loss],
            "eigenvalues": [{"irrep": e["irrep"], "rank": e["rank"], "multiplicity": e["multiplicity"],
                             "limit": e.get("limit", "fitted"), "series_method": e.get("series_method", "fitted"),
                             "series": [t.as_dict() for t in e["series"]],
                             "fit_series": [t.as_dict() for t in e["fit_series"]] if "fit_series" in e else None}
                            for e in res.eigenvalues],
            "eigen_note": res.eigen_note,
            "eigenvalue_limits": res.eigenvalue_limits,
            "samples": res.samples,
            "method": ("params and loss derived order by order from the regular rescaled system "
                       "(landscape.exact_series); eigenvalue limits (d^0 and d^1 terms) derived exactly from the "
                       "regular Hessian (landscape.regular_hessian.eigenvalue_limits) and every eigenvalue series "
                       "derived from its isotypic pencil (landscape.eigen_series; series_method per eigenvalue, "
                       "the fit kept in fit_series)") if res.method == "derived" else
                      "undetermined coefficients on Newton solutions at large d",
            "fit": {"params": {k: [t.as_dict() for t in v] for k, v in res.fit_params.items()},
                    "loss": [t.as_dict() for t in res.fit_loss]} if res.fit_loss else None}


def _fmt(terms, latex=False):
    out = []
    for t in terms:
        c = t.exact if t.exact is not None else t.value[:14]
        if latex:
            import sympy

            c = sympy.latex(sympy.sympify(t.exact)) if t.exact is not None else t.value[:14]
            out.append(f"\\left({c}\\right) d^{{{t.power:g}}}")
        else:
            out.append(f"({c}) d^{t.power:g}")
    return " + ".join(out) if out else "0"


def to_text(res: Asymptotics) -> str:
    lines = [f"family {res.partition}: series in d^(-1/2) (order {res.order})", f"loss = {_fmt(res.loss)} + ..."]
    for k, v in res.params.items():
        lines.append(f"{k} = {_fmt(v)} + ...")
    for e in res.eigenvalues:
        mark = " [series derived]" if e.get("series_method") == "derived" else \
            " [limit derived]" if e.get("limit") == "derived" else ""
        lines.append(f"eigenvalue {e['irrep']}#{e['rank']} (x{e['multiplicity']}) = {_fmt(e['series'])} + ...{mark}")
    return "\n".join(lines)


def to_latex(res: Asymptotics) -> str:
    lines = ["\\begin{align*}", f"L &= {_fmt(res.loss, True)} + \\dots \\\\"]
    for k, v in res.params.items():
        lines.append(f"{k} &= {_fmt(v, True)} + \\dots \\\\")
    for e in res.eigenvalues:
        lines.append(f"\\lambda_{{{e['irrep']},{e['rank']}}} &= {_fmt(e['series'], True)} + \\dots \\\\")
    lines.append("\\end{align*}")
    return "\n".join(lines)
