"""Hessian spectrum tables of a symmetric family over a range of d.

The simplest call:

>>> from landscape.tables import family_table, format_table, parse_range
>>> rows = family_table("d-1,1", parse_range("6..7"), starts=40)
>>> [(r.d, round(float(r.loss), 5), r.index) for r in rows]
[(6, 0.02508, 0), (7, 0.0232, 0)]
>>> print(format_table(rows, "csv").splitlines()[0])
d,loss,index,min_eigenvalue,value,multiplicity,irrep,degenerate

Each row is the lowest-loss spurious (loss > 1e-12) critical point found in
``Fix(Δ(S_{p1}×…×S_{pm}))`` at that d -- by seeded multi-start root finding
plus continuation from the previous row (:mod:`landscape.critical_points`) --
with its full Hessian spectrum by irreps (:mod:`landscape.isotypic_spectrum`):
every distinct eigenvalue, its multiplicity and its irrep.  Formats: Markdown,
CSV (one line per eigenvalue), LaTeX, JSON; a figure of the eigenvalues
against d (log-scaled d) with matplotlib.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

import mpmath

from .critical_points import CriticalPoint, find_critical_points, follow_family
from .errors import InputError, Interrupted
from .fixed_points import Family, parse_partition

__all__ = ["TableRow", "parse_range", "family_table", "format_table", "plot_table", "FORMATS"]

FORMATS = ("md", "csv", "tex", "json")

#: Above this d, random starts are few and continuation carries the family.
MULTISTART_MAX_D = 40

#: Largest dimension a table or a search accepts (continuation reaches it in
#: ~40 steps of factor 1.5; beyond, even the mpmath working precision grows).
MAX_D = 10**7
#: Most dimensions in one table (each is a search or a continuation step).
MAX_ROWS = 500


@dataclass
class TableRow:
    d: int
    point: CriticalPoint

    @property
    def loss(self):
        return self.point.loss

    @property
    def index(self):
        return self.point.index

    @property
    def eigenvalues(self):
        return self.point.spectrum.eigenvalues


def parse_range(text, max_d: int = MAX_D, max_count: int = MAX_ROWS) -> list[int]:
    """``"6..20"``, ``"10,100,1000"``, ``"6..10,100"`` -> sorted distinct ints.

    Bounded before any list is built: every d in ``1..max_d`` and at most
    ``max_count`` values.

    Raises
    ------
    InputError
        Unreadable items, empty ranges, d < 1, d > max_d, too many values.

    Examples
    --------
    >>> parse_range("6..8,100")
    [6, 7, 8, 100]
    """
    text = str(text)
    if len(text) > 2000:
        raise InputError(f"range is {len(text)} characters long (at most 2000)")
    out = set()

    def num(x: str) -> int:
        x = x.strip()
        if not x or len(x.lstrip("+-")) > 12 or not x.lstrip("+-").isdigit():
            raise ValueError(x)
        v = int(x)
        if v < 1:
            raise InputError(f"dimensions must be positive, got {v} in {text!r}")
        if v > max_d:
            raise InputError(f"d = {v} is beyond the largest supported dimension {max_d}")
        return v

    for part in text.split(","):
        s = part.strip()
        if not s:
            raise InputError(f"empty item in range {text[:60]!r}")
        try:
            if ".." in s:
                lo, hi = s.split("..")
                lo, hi = num(lo), num(hi)
                if hi < lo:
                    raise InputError(f"range {s!r} is empty (upper end below lower end)")
                if hi - lo + 1 + len(out) > max_count:
                    raise InputError(f"range {s!r} has {hi - lo + 1} dimensions; a table has at most {max_count} "
                                     "(use a list like 10,100,1000 for large d)")
                out.update(range(lo, hi + 1))
            else:
                out.add(num(s))
        except InputError:
            raise
        except ValueError:
            shown = s if len(s) <= 30 else s[:25] + "..."
            raise InputError(f"cannot read {shown!r} in the range (use e.g. 6..20 or 10,100,1000)") from None
        if len(out) > max_count:
            raise InputError(f"at most {max_count} dimensions in a table")
    return sorted(out)


def family_table(partition, ds, digits: int | None = None, starts: int | None = None, seed: int = 0,
                 progress: bool = False, extra=()) -> list[TableRow]:
    """One row per d: the lowest-loss spurious critical point of the family and its spectrum.

    Parameters
    ----------
    partition : str or callable
        ``"d-1,1"``-style text (parts may use d) or ``d -> block sizes``.
    ds : sequence of int
    digits : int, optional
        Newton polish and spectrum at this many digits (mpmath).
    starts : int, optional
        Random starts per d (default :func:`landscape.critical_points.default_starts`
        up to d = 40, 30 per parameter beyond, where continuation does the work).
    extra : tuple of int
        Blocks of extra rows (k = d + sum(extra)).

    Returns
    -------
    list of TableRow (rows where nothing spurious was found are left out).

    Raises
    ------
    landscape.errors.Interrupted
        On Ctrl-C, with the finished rows in ``partial`` (the row being
        computed is dropped): the caller saves them marked partial.
    """
    if isinstance(partition, str):
        text = partition
        fn = lambda d: parse_partition(text, d)  # noqa: E731
    else:
        fn = partition
    rows: list[TableRow] = []
    prev = None  # (d, float params) of the previous row
    ds = sorted(set(int(d) for d in ds))
    iterator = ds
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(ds, desc="table", file=sys.stderr, leave=False)
        iterator = bar
    try:
        for d in iterator:
            fam = Family(fn(d), tuple(extra))
            candidates = []
            if prev is not None:
                try:
                    cont = follow_family(fn, [prev[0], d], start=prev[1], digits=digits, extra=extra)
                except InputError:
                    cont = []
                if len(cont) == 2:
                    candidates.append(cont[1])
            n = starts
            if n is None and d > MULTISTART_MAX_D and prev is not None:
                n = max(10, fam.dim * 30)
            pts = find_critical_points(fam, n, seed, digits)
            if not pts.complete:  # Ctrl-C inside the search: this row is unfinished
                raise KeyboardInterrupt
            candidates += [p for p in pts if not p.is_global]
            candidates = [p for p in candidates if not p.is_global]
            if not candidates:
                continue
            best = min(candidates, key=lambda p: float(p.loss))
            rows.append(TableRow(d, best))
            prev = (d, [float(v) for v in best.params])
    except KeyboardInterrupt:
        raise Interrupted(rows, f"interrupted: {len(rows)} of {len(ds)} rows finished "
                                f"(d = {', '.join(str(r.d) for r in rows) or 'none'})") from None
    finally:
        if bar is not None:
            bar.close()
    return rows


def _num(x, digits: int | None, sig: int = 6) -> str:
    if digits is None:
        return f"{float(x):.{sig}g}"
    with mpmath.workdps(digits + 10):
        return mpmath.nstr(mpmath.mpf(x), digits, strip_zeros=False)


def _json_num(x, digits):
    return float(x) if digits is None else _num(x, digits)


def _eig_json(e, dg) -> dict:
    out = {"value": _json_num(e.value, dg), "multiplicity": e.multiplicity, "irrep": e.irrep}
    if e.components and len(e.components) > 1:
        out["components"] = [{"irrep": i, "multiplicity": m} for i, m in e.components]
    return out


def table_payload(rows: list[TableRow], partition: str = "", partial: str | None = None) -> dict:
    """The JSON form: ``{partition, complete, rows: [{d, parts, loss, index, kind,
    degenerate, min_eigenvalue, params, eigenvalues: [{value, multiplicity,
    irrep, components?}]}]}``.  ``partial`` (a reason) marks an incomplete table
    (``complete: false``).  ``degenerate`` is None or why the point is not an
    isolated smooth critical point (parallel rows)."""
    out = []
    for r in rows:
        p = r.point
        dg = p.digits
        out.append({
            "d": r.d,
            "k": p.family.k,
            "parts": list(p.family.parts),
            "loss": _json_num(p.loss, dg),
            "grad_norm": _json_num(p.grad_norm, dg),
            "index": p.index,
            "kind": p.kind,
            "isotropy": p.isotropy_name,
            "degenerate": p.degenerate_reason,
            "min_eigenvalue": _json_num(p.min_eigenvalue, dg),
            "params": {n: _json_num(v, dg) for n, v in p.named_params().items()},
            "eigenvalues": [_eig_json(e, dg) for e in p.spectrum.eigenvalues],
        })
    payload = {"partition": partition, "complete": partial is None, "rows": out}
    if partial is not None:
        payload["partial"] = partial
    return payload


def _flag(p) -> str:
    return " (degenerate: parallel rows)" if p.degenerate_reason else ""


def format_table(rows: list[TableRow], fmt: str = "md", partition: str = "", partial: str | None = None) -> str:
    """Render rows as Markdown, CSV, LaTeX or JSON.

    Float values are shown with 6 significant digits (8 for the loss); rows
    computed with ``digits`` show that many.  A degenerate row (parallel
    neurons, :attr:`CriticalPoint.degenerate_reason`) is flagged in every
    format; ``partial`` (a reason) puts a PARTIAL marker at the top.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown table format {fmt!r} (use one of {', '.join(FORMATS)})")
    if fmt == "json":
        return json.dumps(table_payload(rows, partition, partial), indent=1)
    lines = []
    mark = f"PARTIAL TABLE ({partial})" if partial else None
    if fmt == "csv":
        if mark:
            lines.append(f"# {mark}")
        lines.append("d,loss,index,min_eigenvalue,value,multiplicity,irrep,degenerate")
        for r in rows:
            p = r.point
            deg = f'"{p.degenerate_reason}"' if p.degenerate_reason else ""
            for e in p.spectrum.eigenvalues:
                lines.append(",".join([str(r.d), _num(p.loss, p.digits, 8), str(p.index), _num(p.min_eigenvalue, p.digits),
                                       _num(e.value, p.digits), str(e.multiplicity), f'"{e.irrep}"', deg]))
        return "\n".join(lines) + "\n"
    if fmt == "md":
        if mark:
            lines += [f"**{mark}**", ""]
        lines.append("| d | loss | index | min eigenvalue | eigenvalues: value ×multiplicity [irrep] |")
        lines.append("|---:|---:|---:|---:|:---|")
        notes = []
        for r in rows:
            p = r.point
            spec = "<br>".join(f"{_num(e.value, p.digits)} ×{e.multiplicity} {e.irrep}" for e in p.spectrum.eigenvalues)
            lines.append(f"| {r.d}{_flag(p)} | {_num(p.loss, p.digits, 8)} | {p.index} | {_num(p.min_eigenvalue, p.digits)} | {spec} |")
            if p.degenerate_reason:
                notes.append(f"- d = {r.d}: degenerate, {p.degenerate_reason}.")
            if p.isotropy_name and p.isotropy_name != p.family.label():
                notes.append(f"- d = {r.d}: the point's isotropy is {p.isotropy_name}, larger than {p.family.label()}.")
        if notes:
            lines += [""] + notes
        return "\n".join(lines) + "\n"
    # LaTeX
    if mark:
        lines.append(f"% {mark}")
    lines.append("\\begin{tabular}{rrrrp{0.55\\textwidth}}")
    lines.append("$d$ & loss & index & $\\lambda_{\\min}$ & eigenvalues: value $\\times$ multiplicity, irrep \\\\ \\hline")
    for r in rows:
        p = r.point
        spec = "; ".join(f"${_num(e.value, p.digits)}\\times{e.multiplicity}$ {_tex_irrep(e.irrep)}"
                         for e in p.spectrum.eigenvalues)
        flag = "$^\\dagger$" if p.degenerate_reason else ""
        lines.append(f"{r.d}{flag} & {_num(p.loss, p.digits, 8)} & {p.index} & {_num(p.min_eigenvalue, p.digits)} & {spec} \\\\")
    lines.append("\\end{tabular}")
    if any(r.point.degenerate_reason for r in rows):
        lines.append("% $^\\dagger$ degenerate: parallel rows (a continuum of critical points, L not C^3 there)")
    return "\n".join(lines) + "\n"


def _tex_irrep(label: str) -> str:
    return " + ".join("$" + part.replace("⊗", "\\otimes ") + "$" for part in label.split(" + "))


def plot_table(rows: list[TableRow], path, title: str = "") -> None:
    """Eigenvalues against d (log-scaled d, symlog values), one colour per irrep."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - optional dependency
        raise InputError("--figure needs matplotlib (pip install relu-landscape[plot])") from None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    series: dict = {}
    for r in rows:
        byirrep: dict = {}
        for e in r.point.spectrum.eigenvalues:
            for irrep, _ in (e.components or [(e.irrep, e.multiplicity)]):
                shape = _irrep_shape(irrep, r.point.family)
                byirrep.setdefault(shape, []).append(float(e.value))
        for shape, vals in byirrep.items():
            for rank, v in enumerate(sorted(vals)):
                series.setdefault((shape, rank), []).append((r.d, v))
    colours = {}
    for (shape, rank), pts in sorted(series.items()):
        colour = colours.setdefault(shape, f"C{len(colours) % 10}")
        xs, ys = zip(*pts)
        ax.plot(xs, ys, "o-", ms=3, color=colour, label=shape if rank == 0 else None)
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    ds = sorted({r.d for r in rows})
    if ds and ds[-1] / ds[0] > 20:
        ax.set_xscale("log")
    else:  # a short range: plain integer ticks (log ticks would show 6×10^0, 7×10^0 ...)
        step = max(1, len(ds) // 10)
        ax.xaxis.set_major_locator(FixedLocator(ds[::step]))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("d", fontsize=11)
    ax.set_ylabel("Hessian eigenvalue (symlog)", fontsize=11)
    ax.tick_params(labelsize=10)
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _irrep_shape(label: str, fam: Family) -> str:
    """``[5,1]⊗[2]`` at d = 8 -> ``[p1-1,1]⊗[p2]``: the label independent of d."""
    out = []
    sizes = [p for p in fam.parts if p >= 2]
    for n, (part, p) in enumerate(zip(label.split("⊗"), sizes)):
        nums = [int(x) for x in part.strip("[]").split(",")]
        head = p - nums[0]
        first = f"p{n + 1}" if head == 0 else f"p{n + 1}-{head}"
        out.append("[" + ",".join([first] + [str(x) for x in nums[1:]]) + "]")
    return "⊗".join(out) if out else label
