"""The loss restricted to ``Fix(Δ(S_{p1}×…×S_{pm}))``, with d and the block sizes as parameters.

The simplest call:

>>> from landscape.fixed_points import Family, reduced_loss
>>> fam = Family((5, 1))                      # Δ(S_5 × S_1), k = d = 6
>>> fam.param_names
['A1', 'A2', 'B11', 'B12', 'B21']
>>> abs(reduced_loss(fam, [1, 1, 0, 0, 0])) < 1e-30  # W = I_6: the global minimum
True

Convention (SPEC.md): rows are neurons, ``k = d = p1 + … + pm``, teacher
``V = I_d``, second layers all ones.  The indices ``0..d-1`` are split into
consecutive blocks of sizes ``p1, …, pm``, and ``H = Δ(S_{p1}×…×S_{pm})``
permutes rows and columns simultaneously inside each block.  A matrix is in
``Fix(H)`` iff it is constant on the H-orbits of cells:

* ``W[i, i] = A_l`` for ``i`` in block ``l``;
* ``W[i, j] = B_{l,l'}`` for ``i`` in block ``l``, ``j ≠ i`` in block ``l'``
  (``B_{l,l}`` exists only when ``p_l ≥ 2``).

So ``dim Fix(H) = m + m² − #{l : p_l = 1}`` (5 for type A, ``Δ(S_{d−1}×S_1)``).

Everything here is evaluated on a few *labelled* rows and columns: an index
is a label ``(block, name)`` and two labels denote the same index iff they are
equal; every other index of a block is represented by one "fresh" label with a
count.  A Gram entry, a kernel value, a gradient entry ``∂L/∂W[i,a]`` or a
Hessian entry ``∂²L/∂W[i,a]∂W[j,b]`` therefore costs O(m) operations, for any d
(Arjevani & Field, arXiv 2003.10576 and 2008.01805, use the same reduction).

Public functions (all take a number context ``ctx`` from
:mod:`landscape.backends`, FLOAT by default; only ring operations and
``ctx.sqrt/atan2/sin/cos/pi`` are used, so an interval context works too):

* :func:`reduced_loss` -- ``L`` at the point of ``Fix(H)`` with these parameters;
* :func:`reduced_gradient` -- the gradient entry of each orbit (the gradient of
  ``L`` at a point of ``Fix(H)`` lies in ``Fix(H)``); zero iff W is critical;
* :func:`reduced_jacobian` -- its derivative w.r.t. the parameters
  (``J[o, o'] = Σ_{y ∈ O'} ∂²L/∂x_o∂y``), for Newton / Krawczyk;
* :func:`reduced_loss_gradient`, :func:`reduced_hessian` -- derivatives of the
  reduced loss itself (``|O| g`` and the symmetric ``|O| J``);
* :func:`assemble` / :func:`params_from_W` -- parameters <-> full ``W``;
* :func:`split_params` -- a neuron split ``w -> (t w, (1−t) w)`` into the
  over-parameterised family ``Family(parts, extra=(1,))`` (k = d + 1; extra
  row blocks are permuted by ``S_e`` and constant on the column blocks);
* :func:`symbolic_reduced_loss` -- the reduced loss as a sympy expression.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .backends import FLOAT, Context, FloatContext, MPContext, mp_context
from .errors import InputError
from .kernel import grad_coefficients_value, h1_entry, h2_entry, kernel_value

__all__ = [
    "Family",
    "parse_partition",
    "reduced_loss",
    "reduced_gradient",
    "reduced_jacobian",
    "reduced_loss_gradient",
    "reduced_hessian",
    "assemble",
    "params_from_W",
    "detect_family",
    "symbolic_reduced_loss",
    "Evaluator",
    "split_params",
    "residual_threshold",
    "residual_acceptable",
]


# ---------------------------------------------------------------------------
# families


#: A partition part is at most this long; each integer in it at most 9 digits.
MAX_PART_CHARS = 40
_TERM = re.compile(r"^(?:\d{1,9}|d)(?:\*(?:\d{1,9}|d))*$")


def _part_value(s: str, d: int) -> int:
    """Value of a part such as ``d-1`` or ``2*d+3``: integers (at most 9 digits)
    and ``d`` joined by ``+ - *`` -- parsed, never evaluated as Python, so no
    input can ask for unbounded work (``d**d**d`` is refused)."""
    bad = InputError(f"cannot read partition part {s[:30]!r} (use integers and d with + - *, e.g. d-1 or 2)")
    if len(s) > MAX_PART_CHARS:
        raise bad
    total = 0
    for sign, term in re.findall(r"([+-]?)([^+-]+)", s):
        if not _TERM.match(term):
            raise bad
        value = 1
        for factor in term.split("*"):
            value *= d if factor == "d" else int(factor)
        total += -value if sign == "-" else value
    if re.sub(r"[+-]?[^+-]+", "", s):  # stray signs, e.g. "d--1" or a trailing "-"
        raise bad
    return total


def parse_partition(text, d: int | None = None) -> tuple[int, ...]:
    """Block sizes from ``"5,1"`` or ``"d-1,1"`` (parts may use ``d``).

    Raises
    ------
    InputError
        For an empty, non-positive or non-numeric part, or parts that do not
        sum to ``d`` when ``d`` is given.

    Examples
    --------
    >>> parse_partition("d-2,2", d=10)
    (8, 2)
    >>> parse_partition("3,2,1")
    (3, 2, 1)
    """
    if isinstance(text, (tuple, list)):
        parts = [int(p) for p in text]
    else:
        parts = []
        for raw in str(text).split(","):
            s = raw.strip().replace(" ", "")
            if not s:
                raise InputError(f"empty part in partition {text!r}")
            if "d" in s:
                if d is None:
                    raise InputError(f"partition {text!r} uses d but no d was given")
                val = _part_value(s, int(d))
            else:
                try:
                    val = int(s)
                except ValueError:
                    raise InputError(f"partition part {s!r} is not an integer") from None
            parts.append(int(val))
    if not parts or any(p < 1 for p in parts):
        raise InputError(f"partition parts must be positive integers, got {text!r} -> {parts}")
    if d is not None and sum(parts) != d:
        raise InputError(f"partition {text!r} has parts {parts} summing to {sum(parts)}, not d = {d}")
    return tuple(parts)


@dataclass(frozen=True)
class Family:
    """The fixed-point space of ``Δ(S_{p1}×…×S_{pm})`` in ``M(d, d)`` -- or, with
    ``extra = (e1, …)``, of ``Δ(S_{p1}×…×S_{pm}) × S_{e1} × …`` in ``M(k, d)``,
    ``k = d + e1 + …`` (over-parameterised students).

    The extra rows come after the d "diagonal" rows; extra block ``E`` has
    entries ``C_{E,l}`` constant on each column block ``l`` (SPEC.md: a
    neuron split ``w -> (t w, (1−t) w)`` of a row that is constant on the
    column blocks lands in such a family).

    Attributes
    ----------
    parts : tuple of int
        Block sizes, in the order of the (consecutive) index blocks.
    extra : tuple of int
        Sizes of the blocks of extra rows (default none: k = d).
    """

    parts: tuple
    extra: tuple = ()

    def __post_init__(self):
        parts = tuple(int(p) for p in self.parts)
        extra = tuple(int(p) for p in self.extra)
        if not parts or any(p < 1 for p in parts) or any(e < 1 for e in extra):
            raise InputError(f"block sizes must be positive integers, got {self.parts!r} and extra {self.extra!r}")
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "extra", extra)

    @property
    def row_sizes(self) -> tuple:
        """Sizes of all row blocks: the m diagonal blocks, then the extra ones
        (block ids ``m, m+1, …``)."""
        return self.parts + self.extra

    @property
    def row_blocks(self) -> int:
        return len(self.parts) + len(self.extra)

    @property
    def m(self) -> int:
        return len(self.parts)

    @property
    def d(self) -> int:
        return sum(self.parts)

    @property
    def k(self) -> int:
        return self.d + sum(self.extra)

    @property
    def offsets(self) -> list[int]:
        out, s = [], 0
        for p in self.parts:
            out.append(s)
            s += p
        return out

    @property
    def param_keys(self) -> list[tuple]:
        """``('A', l)`` then ``('B', l, l')`` (0-based blocks) in parameter order."""
        keys = [("A", l) for l in range(self.m)]
        for l in range(self.m):
            for l2 in range(self.m):
                if l != l2 or self.parts[l] >= 2:
                    keys.append(("B", l, l2))
        for E in range(self.m, self.row_blocks):
            for l in range(self.m):
                keys.append(("C", E, l))
        return keys

    @property
    def param_names(self) -> list[str]:
        """``A1, A2, …, B11, B12, …, C11, …`` (1-based block numbers; ``C_{E,l}``
        for extra row block E)."""
        out = []
        for k in self.param_keys:
            if k[0] == "A":
                out.append(f"A{k[1] + 1}")
            elif k[0] == "B":
                out.append(f"B{k[1] + 1}{k[2] + 1}")
            else:
                out.append(f"C{k[1] - self.m + 1}{k[2] + 1}")
        return out

    @property
    def dim(self) -> int:
        return len(self.param_keys)

    def orbit_size(self, key) -> int:
        """Number of cells of the H-orbit of parameter ``key``."""
        p = self.parts
        if key[0] == "A":
            return p[key[1]]
        if key[0] == "C":
            return self.row_sizes[key[1]] * p[key[2]]
        l, l2 = key[1], key[2]
        return p[l] * (p[l] - 1) if l == l2 else p[l] * p[l2]

    @property
    def orbit_sizes(self) -> list[int]:
        return [self.orbit_size(key) for key in self.param_keys]

    def label(self) -> str:
        base = "Δ(" + "×".join(f"S_{p}" for p in self.parts) + ")"
        return base + "".join(f"×S_{e}" for e in self.extra)

    def identity_params(self) -> list[int]:
        """Parameters of ``W = I_d`` (the global minimum; k = d only)."""
        return [1 if key[0] == "A" else 0 for key in self.param_keys]


def _family(fam) -> Family:
    return fam if isinstance(fam, Family) else Family(tuple(fam))


def split_params(family, params, block: int, t):
    """Split every neuron of diagonal block ``block`` of size 1 into ``(t w, (1−t) w)``:
    the parameters of the same network in ``Family(parts, extra + (1,))``
    (SPEC.md, over-parameterisation; the loss is unchanged and a critical
    point stays critical).

    Returns
    -------
    (Family, list)
    """
    fam = _family(family)
    if fam.parts[block] != 1:
        raise InputError(f"only a block of size 1 can be split into one extra row (block {block + 1} has size {fam.parts[block]})")
    big = Family(fam.parts, fam.extra + (1,))
    old = dict(zip(fam.param_keys, params))
    new = []
    E = big.row_blocks - 1
    for key in big.param_keys:
        if key[0] == "C" and key[1] == E:
            l = key[2]
            v = old[("A", block)] if l == block else old[("B", block, l)]
            new.append((1 - t) * v)
        elif key in (("A", block),) or (key[0] == "B" and key[1] == block):
            new.append(t * old[key])
        else:
            new.append(old[key])
    return big, new


# ---------------------------------------------------------------------------
# labelled evaluation


def _distinct(labels):
    out = []
    for x in labels:
        if x not in out:
            out.append(x)
    return out


class Evaluator:
    """Loss, gradient and Hessian entries at one point of ``Fix(H)``, on labels.

    A label is ``(block, name)``; equal labels are the same index.  Pair
    geometries (norms, angle, sine, cosine, inverse length of the normal
    direction) depend only on the blocks and are cached.

    Parameters
    ----------
    family : Family or tuple of block sizes
    params : sequence
        One value per parameter (``family.param_names``), any type the
        context converts (float, Fraction, str, mpf, ...).
    ctx : Context
    """

    FRESH = ("x",)

    def __init__(self, family, params, ctx: Context = FLOAT):
        fam = _family(family)
        self.fam, self.ctx = fam, ctx
        keys = fam.param_keys
        if len(params) != len(keys):
            raise InputError(f"{fam.label()} has {len(keys)} parameters {fam.param_names}, got {len(params)} values")
        vals = [ctx.number(v) if not _is_ctx_number(ctx, v) else v for v in params]
        self.params = vals
        self.A = [ctx.zero] * fam.m
        self.B = {}  # B_{l,l'} and C_{E,l} (extra rows): entries off the diagonal
        for key, v in zip(keys, vals):
            if key[0] == "A":
                self.A[key[1]] = v
            else:
                self.B[(key[1], key[2])] = v
        p = fam.parts
        self.n2 = []
        for l in range(fam.row_blocks):
            s = self.A[l] * self.A[l] if l < fam.m else ctx.zero
            for L in range(fam.m):
                c = p[L] - (L == l)
                if c > 0:
                    s = s + c * self.B[(l, L)] * self.B[(l, L)]
            self.n2.append(s)
        for l, v in enumerate(self.n2):
            if ctx.is_zero(v):
                raise InputError(f"block {l + 1} has zero rows: the loss is not differentiable there")
        self.norm = [ctx.sqrt(v) for v in self.n2]
        self._rows = {}
        self._teach = {}

    # entries of W and of the teacher
    def W(self, r, c):
        if r == c:
            return self.A[r[0]]
        return self.B.get((r[0], c[0]), self.ctx.zero)

    def columns(self, labels):
        """Column classes relative to the given labels: ``[(label, count)]``."""
        labels = [x for x in _distinct(labels) if x[0] < self.fam.m]  # columns are diagonal-block indices
        out = [(x, 1) for x in labels]
        for L, p in enumerate(self.fam.parts):
            c = p - sum(1 for x in labels if x[0] == L)
            if c > 0:
                out.append(((L, self.FRESH), c))
        return out

    def _geometry(self, r, a, vec_v, b):
        """Angle data of row ``r`` (norm ``a``) and a vector ``v`` given by
        ``vec_v(q)`` (norm ``b``), summing over the column classes."""
        ctx = self.ctx
        cols = self.columns([r] + self._extra)
        d2 = s2 = ctx.zero
        for q, cnt in cols:
            u = self.W(r, q) / a
            v = vec_v(q) / b
            d2 = d2 + cnt * (u - v) * (u - v)
            s2 = s2 + cnt * (u + v) * (u + v)
        theta = 2 * ctx.atan2(ctx.sqrt(d2), ctx.sqrt(s2))
        s, c = ctx.sin(theta), ctx.cos(theta)
        m2 = ctx.zero
        for q, cnt in cols:
            t = vec_v(q) / b - c * self.W(r, q) / a
            m2 = m2 + cnt * t * t
        if ctx.is_zero(s) or ctx.is_zero(m2):
            inv = ctx.zero
        else:
            inv = 1 / ctx.sqrt(m2)
        return theta, s, c, inv

    def row_geometry(self, L1, L2):
        """``(a, b, θ, sin θ, cos θ, 1/|v̂ − cos θ ŵ|)`` for two distinct rows in blocks L1, L2."""
        key = (L1, L2)
        if key not in self._rows:
            r, s = (L1, ("c", 0)), (L2, ("c", 1))
            self._extra = [s]
            geo = self._geometry(r, self.norm[L1], lambda q: self.W(s, q), self.norm[L2])
            self._rows[key] = (self.norm[L1], self.norm[L2]) + geo
        return self._rows[key]

    def teacher_geometry(self, L1, L2):
        """Same for row ``i`` in block L1 and teacher row ``e_c``: ``L2 = 'self'`` (c = i)
        or the block of ``c ≠ i``."""
        key = (L1, L2)
        if key not in self._teach:
            r = (L1, ("c", 0))
            c = r if L2 == "self" else (L2, ("c", 1))
            self._extra = [c]
            one = self.ctx.one
            zero = self.ctx.zero
            geo = self._geometry(r, self.norm[L1], lambda q: one if q == c else zero, one)
            self._teach[key] = (self.norm[L1], one) + geo
        return self._teach[key]

    def _teacher_key(self, i, l):
        return "self" if l == i else l[0]

    def _rows_except(self, i, labels):
        """Rows ``l ≠ i`` as ``[(label, count)]``: the given labels, then one fresh
        label per block."""
        labs = _distinct([i] + list(labels))
        out = [(x, 1) for x in labs if x != i]
        for L, p in enumerate(self.fam.row_sizes):
            c = p - sum(1 for x in labs if x[0] == L)
            if c > 0:
                out.append(((L, self.FRESH), c))
        return out

    def _teachers(self, labels):
        labs = [x for x in _distinct(labels) if x[0] < self.fam.m]  # teacher rows: diagonal-block indices
        out = [(x, 1) for x in labs]
        for L, p in enumerate(self.fam.parts):
            c = p - sum(1 for x in labs if x[0] == L)
            if c > 0:
                out.append(((L, self.FRESH), c))
        return out

    # the loss
    def loss(self):
        """``L`` at this point (beware cancellation: see :func:`reduced_loss`)."""
        ctx = self.ctx
        p = self.fam.parts
        m = self.fam.m
        ww = ctx.zero
        wv = ctx.zero
        rows = self.fam.row_sizes
        for l in range(len(rows)):
            ww = ww + rows[l] * self.n2[l] / 2  # K(w, w) = |w|^2 / 2
            for L in range(len(rows)):
                c = rows[l] * (rows[L] - (L == l))
                if c > 0:
                    a, b, th, s, co, _ = self.row_geometry(l, L)
                    ww = ww + c * kernel_value(ctx, a, b, th, s, co)
            if l < m:
                a, b, th, s, co, _ = self.teacher_geometry(l, "self")
                wv = wv + p[l] * kernel_value(ctx, a, b, th, s, co)
            for L in range(m):
                c = rows[l] * (p[L] - (L == l))
                if c > 0:
                    a, b, th, s, co, _ = self.teacher_geometry(l, L)
                    wv = wv + c * kernel_value(ctx, a, b, th, s, co)
        d = self.fam.d
        vv = ctx.one * d / 2 + ctx.one * d * (d - 1) / (2 * ctx.pi)  # Σ K(v_i, v_j)
        return ww / 2 - wv + vv / 2

    # first derivatives
    def grad_entry(self, i, a):
        """``∂L/∂W[i, a]`` for labels ``i`` (row) and ``a`` (column)."""
        ctx = self.ctx
        wia = self.W(i, a)
        ai = self.norm[i[0]]
        total = wia / 2  # ∂_w K(w, w) = w / 2
        for l, cnt in self._rows_except(i, [a]):
            _, b, th, s, _, _ = self.row_geometry(i[0], l[0])
            P, Q = grad_coefficients_value(ctx, b, th, s)
            total = total + cnt * (P * wia / ai + Q * self.W(l, a))
        for l, cnt in self._teachers([i, a]):
            _, b, th, s, _, _ = self.teacher_geometry(i[0], self._teacher_key(i, l))
            P, Q = grad_coefficients_value(ctx, b, th, s)
            term = P * wia / ai
            if l == a:
                term = term + Q
            total = total - cnt * term
        return total

    # second derivatives
    def hess_entry(self, i, a, j, b):
        """``∂²L/∂W[i, a]∂W[j, b]`` for labels."""
        ctx = self.ctx
        ai = self.norm[i[0]]
        wa, wb = self.W(i, a) / ai, self.W(i, b) / ai
        delta = 1 if a == b else 0
        if i != j:
            an, bn, th, s, c, inv = self.row_geometry(i[0], j[0])
            na = (self.W(j, a) / bn - c * wa) * inv
            nb = (self.W(j, b) / bn - c * wb) * inv
            return h2_entry(ctx, th, s, c, wa, wb, na, nb, delta)
        total = ctx.one * delta / 2
        for l, cnt in self._rows_except(i, [a, b]):
            an, bn, th, s, c, inv = self.row_geometry(i[0], l[0])
            na = (self.W(l, a) / bn - c * wa) * inv
            nb = (self.W(l, b) / bn - c * wb) * inv
            total = total + cnt * h1_entry(ctx, an, bn, s, wa, wb, na, nb, delta)
        for l, cnt in self._teachers([i, a, b]):
            an, bn, th, s, c, inv = self.teacher_geometry(i[0], self._teacher_key(i, l))
            ea = ctx.one if l == a else ctx.zero
            eb = ctx.one if l == b else ctx.zero
            na = (ea - c * wa) * inv
            nb = (eb - c * wb) * inv
            total = total - cnt * h1_entry(ctx, an, bn, s, wa, wb, na, nb, delta)
        return total

    # sums over orbits
    def pool_options(self, pool, existing, tag):
        """Indices of a pool as ``[(label, count)]`` relative to ``existing`` labels.

        ``pool`` is ``('fixed', label)``, ``('block', L)`` (every index of block
        L) or ``('generic', L)`` (the indices of block L not named ``('d', s)``
        with ``s < r_L``; their number is passed as ``self.generic_size[L]``).
        """
        if pool[0] == "fixed":
            return [(pool[1], 1)]
        L = pool[1]
        if pool[0] == "block":
            members = [e for e in existing if e[0] == L]
            size = self.fam.row_sizes[L]
        else:
            members = [e for e in existing if e[0] == L and e[1][0] != "d"]
            size = self.generic_size[L]
        out = [(e, 1) for e in members]
        c = size - len(members)
        if c > 0:
            out.append(((L, ("g", tag)), c))
        return out

    def orbit_cells(self, orbit, existing):
        """Cells ``(j, b)`` of an orbit ``(pool_j, pool_b, rel)`` relative to the
        labels ``existing``, as ``[(j, b, count)]``; ``rel`` is ``'eq'`` (b = j),
        ``'neq'`` (b ≠ j) or ``'free'``."""
        pool_j, pool_b, rel = orbit
        existing = _distinct(existing)
        out = []
        for j, cj in self.pool_options(pool_j, existing, "j"):
            if rel == "eq":
                out.append((j, j, cj))
                continue
            ex2 = _distinct(existing + [j])
            for b, cb in self.pool_options(pool_b, ex2, "b"):
                if rel == "neq" and b == j:
                    continue
                out.append((j, b, cj * cb))
        return out

    def orbit_hessian_sum(self, x, orbit):
        """``Σ_{y ∈ orbit} ∂²L/∂x∂y`` for a labelled cell ``x = (i, a)``."""
        i, a = x
        total = self.ctx.zero
        for j, b, cnt in self.orbit_cells(orbit, [i, a]):
            total = total + cnt * self.hess_entry(i, a, j, b)
        return total


def _is_ctx_number(ctx, v):
    if isinstance(ctx, FloatContext):
        return isinstance(v, (float, np.floating))
    if isinstance(ctx, MPContext):
        return isinstance(v, ctx.mp.mpf)
    return not isinstance(v, (int, float, str, Fraction, np.integer, np.floating))


def h_orbit(fam: Family, key):
    """``(representative cell, orbit)`` of a parameter's H-orbit, in labels."""
    if key[0] == "A":
        l = key[1]
        i = (l, ("d", 0))
        return (i, i), (("block", l), ("block", l), "eq")
    if key[0] == "C":
        E, l = key[1], key[2]
        return ((E, ("d", 0)), (l, ("d", 0))), (("block", E), ("block", l), "free")
    l, l2 = key[1], key[2]
    i = (l, ("d", 0))
    a = (l, ("d", 1)) if l == l2 else (l2, ("d", 0))
    return (i, a), (("block", l), ("block", l2), "neq" if l == l2 else "free")


# ---------------------------------------------------------------------------
# public reduced functions


def _working_context(ctx: Context, d: int):
    """Context for the loss sum: more digits for FLOAT and mpmath (the loss is a
    difference of O(d²) terms of size O(1)), the same context otherwise."""
    extra = 2 * len(str(max(d, 1))) + 8
    if isinstance(ctx, FloatContext):
        return mp_context(17 + extra)
    if isinstance(ctx, MPContext):
        return mp_context(ctx.digits + extra)
    return ctx


def _to_work(params, ctx, work):
    if work is ctx:
        return list(params)
    out = []
    for v in params:
        if isinstance(ctx, MPContext) and isinstance(v, ctx.mp.mpf):
            out.append(work.mp.mpf(v))
        elif isinstance(v, (float, np.floating)):
            out.append(work.mp.mpf(float(v)))
        else:
            out.append(work.number(v))
    return out


def reduced_loss(family, params, ctx: Context = FLOAT):
    """The loss ``L(W)`` at the point of ``Fix(H)`` with these parameters.

    Cost O(m²), independent of d.  For FLOAT and mpmath contexts the sum is
    done in mpmath with ``2 log10(d) + 8`` extra digits and rounded once, so
    every digit of the result is right even at ``d = 10⁴`` where ``L ≈ 3e-5``
    is a difference of terms of size ``d²``; other contexts (sympy, intervals)
    evaluate directly.

    Returns
    -------
    float (FLOAT), mpf (mpmath) or the context's number.

    Examples
    --------
    >>> import numpy as np
    >>> from landscape.loss import loss
    >>> fam = Family((3, 2))
    >>> x = [0.9, 1.1, 0.1, -0.2, 0.05, 0.3]
    >>> bool(abs(reduced_loss(fam, x) - loss(assemble(fam, x))) < 1e-14)
    True
    """
    fam = _family(family)
    work = _working_context(ctx, fam.d)
    value = Evaluator(fam, _to_work(params, ctx, work), work).loss()
    if isinstance(ctx, FloatContext):
        return float(value)
    if isinstance(ctx, MPContext):
        return ctx.mp.mpf(value)
    return value


def reduced_gradient(family, params, ctx: Context = FLOAT):
    """The gradient of ``L`` at ``W = assemble(params)``, one entry per orbit.

    By symmetric criticality the gradient lies in ``Fix(H)``; entry ``o`` is
    ``∂L/∂W[x]`` for any cell ``x`` of the orbit of parameter ``o``.  So
    ``max |g|`` is the max-abs entry of the full gradient, and zeros of ``g``
    are critical points of ``L``.

    Returns
    -------
    numpy array (float64 for FLOAT, object otherwise), length ``family.dim``.
    """
    fam = _family(family)
    ev = Evaluator(fam, params, ctx)
    out = [ev.grad_entry(*h_orbit(fam, key)[0]) for key in fam.param_keys]
    return np.array(out, dtype=float if isinstance(ctx, FloatContext) else object)


def reduced_jacobian(family, params, ctx: Context = FLOAT):
    """``J[o, o'] = ∂g_o/∂θ_{o'} = Σ_{y ∈ O'} ∂²L/∂x_o∂y`` (not symmetric; see
    :func:`reduced_hessian`).  The Jacobian of :func:`reduced_gradient`."""
    fam = _family(family)
    ev = Evaluator(fam, params, ctx)
    keys = fam.param_keys
    n = len(keys)
    J = np.empty((n, n), dtype=float if isinstance(ctx, FloatContext) else object)
    reps = [h_orbit(fam, key) for key in keys]
    for r, (x, _) in enumerate(reps):
        for c, (_, orbit) in enumerate(reps):
            J[r, c] = ev.orbit_hessian_sum(x, orbit)
    return J


#: Residuals up to this many rounding units of ``‖J‖∞ ‖x‖∞`` are float64 round-off.
ROUNDING_UNITS = 8


def residual_threshold(family, x, tol: float = 1e-11, J=None) -> float:
    """Largest ``max|g|`` accepted for a float64 root ``x`` of the reduced gradient.

    ``max(tol · max(1, ‖x‖∞), ROUNDING_UNITS · ε · ‖J‖∞ · max(1, ‖x‖∞))`` with
    ``J`` = :func:`reduced_jacobian` at ``x`` and ``ε = 2⁻⁵²``.  The second
    term is the residual that rounding ``x`` to float64 alone produces
    (``g(x + δ) ≈ J δ`` with ``|δ| ≤ ε |x|``); it grows with d because the
    orbit sums in ``J`` do (``‖J‖∞ ≈ 0.41 d`` for type A: 9e-11 at d = 10⁶,
    where the measured floor is 1.2e-11 and an absolute 1e-11 rejects the
    root).  Below d ≈ 10⁴ the first term wins, so the acceptance there is
    the absolute one of :func:`landscape.critical_points.solve`.

    Examples
    --------
    >>> from landscape.fixed_points import Family
    >>> residual_threshold(Family((5, 1)), [1, 1, 0, 0, 0])
    1e-11
    """
    fam = _family(family)
    x = np.asarray(x, dtype=float)
    if J is None:
        J = reduced_jacobian(fam, x)
    scale = max(1.0, float(np.abs(x).max()))
    norm_J = float(np.abs(np.asarray(J, dtype=float)).sum(axis=1).max())
    return max(tol * scale, ROUNDING_UNITS * np.finfo(float).eps * norm_J * scale)


def residual_acceptable(family, x, g=None, tol: float = 1e-11, J=None) -> bool:
    """Whether ``x`` is a float64 root of the reduced gradient up to ``tol`` or
    round-off (:func:`residual_threshold`), relative to the problem's scale.

    Examples
    --------
    >>> from landscape.fixed_points import Family
    >>> residual_acceptable(Family((5, 1)), [1, 1, 0, 0, 0])   # W = I_6
    True
    >>> residual_acceptable(Family((5, 1)), [1, 1, 0, 0, 1e-6])
    False
    """
    fam = _family(family)
    if g is None:
        g = reduced_gradient(fam, x)
    g = np.asarray(g, dtype=float)
    if not np.all(np.isfinite(g)):
        return False
    return bool(np.abs(g).max() <= residual_threshold(fam, x, tol, J))


def reduced_loss_gradient(family, params, ctx: Context = FLOAT):
    """``∂L_red/∂θ_o = |O| g_o``: the gradient of the reduced loss in the parameters."""
    fam = _family(family)
    g = reduced_gradient(fam, params, ctx)
    return g * np.array(fam.orbit_sizes, dtype=g.dtype)


def reduced_hessian(family, params, ctx: Context = FLOAT):
    """``∂²L_red/∂θ_o∂θ_o' = |O| J[o, o']`` (symmetric): the Hessian of the reduced loss.

    Equivalently ``D^{1/2}`` times the trivial isotypic block of the Hessian of
    ``L`` times ``D^{1/2}``, ``D = diag(|O|)``.
    """
    fam = _family(family)
    J = reduced_jacobian(fam, params, ctx)
    return np.array(fam.orbit_sizes, dtype=J.dtype)[:, None] * J


def assemble(family, params, ctx: Context = FLOAT):
    """The full ``d x d`` matrix ``W`` of the parameters (rows are neurons).

    Examples
    --------
    >>> assemble(Family((2, 1)), [1, 2, 3, 4, 5]).tolist()
    [[1.0, 3.0, 4.0], [3.0, 1.0, 4.0], [5.0, 5.0, 2.0]]
    """
    fam = _family(family)
    vals = ctx.asarray(list(params))
    out = ctx.zeros((fam.k, fam.d))
    for key, v in zip(fam.param_keys, vals):
        out[_orbit_mask(fam, key)] = v
    return out


def _orbit_mask(fam: Family, key):
    """Boolean (k, d) mask of the cells of a parameter's orbit."""
    rows = np.repeat(np.arange(fam.row_blocks), fam.row_sizes)
    cols = np.repeat(np.arange(fam.m), fam.parts)
    diag = np.eye(fam.k, fam.d, dtype=bool)
    if key[0] == "A":
        return diag & (rows == key[1])[:, None]
    mask = (rows == key[1])[:, None] & (cols == key[2])[None, :]
    if key[0] == "B" and key[1] == key[2]:
        mask &= ~diag
    return mask


def params_from_W(family, W):
    """Orbit averages of ``W`` (float64): the parameters of the nearest point of ``Fix(H)``
    (orthogonal projection)."""
    fam = _family(family)
    W = np.asarray(W, dtype=float)
    if W.shape != (fam.k, fam.d):
        raise InputError(f"W has shape {W.shape}, expected {(fam.k, fam.d)} for {fam.label()}")
    return [float(W[_orbit_mask(fam, key)].mean()) for key in fam.param_keys]


def detect_family(W, tol: float = 1e-10):
    """Recognise ``W`` (k = d) as a point of ``Fix(Δ(S_{p1}×…×S_{pm}))`` up to a
    simultaneous permutation of rows and columns.

    Colour refinement of the indices (by diagonal entry, then by the multiset
    of (colour, W[i,j], W[j,i])) gives blocks; the answer is checked: W must be
    constant (within ``tol · max|W|``) on every orbit.  Entries are compared
    after quantisation ``round(x / (tol · max(1, max|W|)))``.  Each refinement
    round hashes the multisets with numpy in ``O(d²)`` (rows in chunks); the
    result is that of :func:`_detect_family_reference` (sorted signature
    tuples, ``O(d² log d)`` Python per round) unless two 64-bit multiset
    hashes collide -- and a coarser partition could only make the final check
    fail (None), never accept a wrong family.

    Returns
    -------
    (Family, perm, params) or None
        ``perm`` lists the original indices in block order, so that
        ``W[perm][:, perm]`` equals ``assemble(family, params)`` (params are
        orbit averages, float64).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.full((4, 4), -0.1); np.fill_diagonal(W, 0.9); W[2, :] = 0.3; W[2, 2] = -0.5
    >>> fam, perm, params = detect_family(W)
    >>> fam.parts, perm
    ((3, 1), [0, 1, 3, 2])
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0 or not tol > 0:
        return _detect_family_reference(W, tol)
    if not np.all(np.isfinite(W)):
        return None
    d = W.shape[0]
    scale = max(1.0, float(np.abs(W).max()))
    eps = tol * scale
    # d x d temporaries are made in place (at d = 5000 each costs 200 MB)
    Q = np.divide(W, eps)
    np.rint(Q, out=Q)
    Q = Q.astype(np.int64).view(np.uint64)  # the same bits as astype(uint64): wrapping
    colour = np.unique(np.diag(Q).view(np.int64), return_inverse=True)[1].ravel()
    pair = Q * np.uint64(0x9E3779B97F4A7C15)
    tmp = np.multiply(Q.T, np.uint64(0xC2B2AE3D27D4EB4F))
    del Q
    pair ^= tmp  # (W_ij, W_ji)
    _mix64(pair, out=pair, tmp=tmp)
    del tmp
    ncol = int(colour.max()) + 1
    for _ in range(d + 1):
        cj = colour.astype(np.uint64) * np.uint64(0x165667B19E3779F9)
        h = np.empty(d, dtype=np.uint64)
        for lo in range(0, d, 512):
            blk = pair[lo:lo + 512] + cj[None, :]
            _mix64(blk, out=blk)
            idx = np.arange(lo, min(d, lo + 512))
            blk[idx - lo, idx] = 0  # j ≠ i
            h[lo:lo + 512] = blk.sum(axis=1, dtype=np.uint64)
        key = np.stack([colour.astype(np.uint64), h], axis=1)
        new = np.unique(key, axis=0, return_inverse=True)[1].ravel()
        m = int(new.max()) + 1
        colour = new
        if m == ncol:
            break
        ncol = m
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(colour.tolist()):
        groups.setdefault(c, []).append(i)
    return _family_from_blocks(W, groups, eps)


def _mix64(x: np.ndarray, out=None, tmp=None) -> np.ndarray:
    """SplitMix64 finaliser (uint64, wrapping): a well-mixed hash of each entry.
    With ``out`` (may be ``x``) and a scratch array ``tmp`` of x's shape it
    allocates nothing."""
    if out is None:
        out = x.copy()
    elif out is not x:
        out[...] = x
    if tmp is None:
        tmp = np.empty_like(out)
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        np.right_shift(out, np.uint64(shift), out=tmp)
        out ^= tmp
        out *= np.uint64(mult)
    np.right_shift(out, np.uint64(31), out=tmp)
    out ^= tmp
    return out


def _family_from_blocks(W, groups, eps):
    """Blocks (largest first, then by first index) -> (Family, perm, params), or None
    when W is not constant within ``10 eps`` on the orbits."""
    blocks = sorted(groups.values(), key=lambda g: (-len(g), g[0]))
    perm = [i for g in blocks for i in g]
    fam = Family(tuple(len(g) for g in blocks))
    Wp = W[np.ix_(perm, perm)]
    params = params_from_W(fam, Wp)
    D = assemble(fam, params)
    np.subtract(Wp, D, out=D)
    del Wp
    if np.abs(D, out=D).max() > 10 * eps:
        return None
    return fam, perm, params


def _detect_family_reference(W, tol: float = 1e-10):
    """The reference implementation of :func:`detect_family` (sorted signature tuples)."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
        return None
    d = W.shape[0]
    scale = max(1.0, float(np.abs(W).max()))
    eps = tol * scale

    def q(x):
        return int(round(x / eps)) if eps > 0 else x

    colour = [q(W[i, i]) for i in range(d)]
    for _ in range(d + 1):
        sig = []
        for i in range(d):
            row = sorted((colour[j], q(W[i, j]), q(W[j, i])) for j in range(d) if j != i)
            sig.append((colour[i], tuple(row)))
        ids = {s: n for n, s in enumerate(sorted(set(sig)))}
        new = [ids[s] for s in sig]
        if len(set(new)) == len(set(colour)):
            colour = new
            break
        colour = new
    # blocks ordered by size (largest first), then by first index
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(colour):
        groups.setdefault(c, []).append(i)
    return _family_from_blocks(W, groups, eps)


def symbolic_reduced_loss(family, names=None):
    """The reduced loss as a sympy expression in the parameters ``A1, …, B..``.

    Returns
    -------
    (expr, symbols)
        ``expr`` exact (sympy); differentiate it, ``sympy.latex`` it, or
        ``lambdify`` it.

    Examples
    --------
    >>> expr, syms = symbolic_reduced_loss((1, 1))
    >>> [str(s) for s in syms]
    ['A1', 'A2', 'B12', 'B21']
    >>> float(expr.subs({s: v for s, v in zip(syms, [1, 1, 0, 0])}))
    0.0
    """
    import sympy

    from .backends import SYMPY

    fam = _family(family)
    syms = sympy.symbols(names or fam.param_names, real=True)
    expr = Evaluator(fam, list(syms), SYMPY).loss()
    return expr, list(syms)
