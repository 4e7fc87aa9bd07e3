"""The Hessian of a family's fine reduced loss, rewritten so that it is regular at d = ∞.

The simplest call:

>>> from landscape.regular_hessian import fine_hessian_system
>>> hs = fine_hessian_system(1)                 # type A: fine family (d−3, 1, 1, 1), 17 parameters
>>> len(hs.keys), hs.congruence[:5]             # M = T H T, T = diag(s^t)
(17, [2, 0, 0, 0, 3])

Setting (SPEC.md): k = d, teacher ``V = I_d``, second layers ones, rows are
neurons.  For the two-block family ``Δ(S_{d−p}×S_p)`` the Hessian verdict of
:mod:`certificates.symmetric` reads the spectrum of ``∇²L`` off the compression
to ``Fix(G')``, the fixed space of the *fine* family (type A: ``(d−3, 1, 1, 1)``;
p = 2: ``(d−4, 1, 1, 1, 1)``): in the orbit-indicator basis that compression is
the Hessian ``H = ∇²_θ L_red`` of the fine reduced loss, and ``∇²L ≻ 0`` iff
``H ≻ 0``.  This module writes every entry as ``H_ab = s^{v_ab} F̃_ab(s, β)``
(``s = d^{-1/2}``, ``θ = c + s^k β`` with the scaling of
:mod:`landscape.regular_family`), F̃ regular at s = 0, and picks a diagonal
congruence ``T = diag(s^{t_a})`` with ``t_a = −v_aa/2``; then
``M = T H T``, ``M_ab = s^{v_ab + t_a + t_b} F̃_ab`` with every exponent ≥ 0, is
regular on ``[0, s0]`` and ``H ≻ 0 ⟺ M ≻ 0`` for s > 0.  (The Θ(d)
eigenvalues of the compression live on the large orbits; the congruence brings
them to O(1) while the O(1) ones stay O(1), so the limit ``M(0, β*)`` is
positive definite and an interval Cholesky over a box containing s = 0 can
succeed: :func:`certificates.tail.prove_tail_hessian`.)

**The formula.**  The kernel ``k(w, v) = ⟨w,v⟩/4 + F/(2π)``,
``F = sqrt(Δ) + z asin(z/sqrt(xy))`` in the Gram entries ``x = |w|²``,
``y = |v|²``, ``z = ⟨w,v⟩``, ``Δ = xy − z²`` (Cho & Saul 2009).  Its
derivatives are ``F_x = sqrt(Δ)/(2x)``, ``F_z = asin ρ`` and the second-order
form ``(N_a N_b − Δ P_a P_b)/sqrt(Δ)`` with
``N_a = z_a − z x_a/(2x) − z y_a/(2y)``, ``P_a = x_a/(2x) − y_a/(2y)`` (derived
by hand in ``docs/theorems.md``, tested against the closed-form Hessian).  So

``∂²k/∂θ_a∂θ_b = z_ab/4 + (1/2π)[F_x x_ab + F_y y_ab + F_z z_ab + (N_a N_b − Δ P_a P_b)/sqrt(Δ)]``

summed over the pair types of the family with their multiplicities (student
pairs ``½ n_l (n_L − [l = L])``, teacher pairs ``−n_l`` and
``−n_l (n_L − [l = L])``, self terms ``n_l |w_l|²/4``).  The singular factor
``1/sqrt(Δ)`` of a near-parallel pair (``Δ = s^{2m} R²``) is paired with
``N = (2xy z_a − zy x_a − zx y_a)/(2xy)``, whose numerator is a polynomial
with an explicit power of s (kept as a ``def`` atom so the expressions stay
small); the O(d) sums cancel exactly in
:meth:`landscape.regular_family._Builder.reduce` (recorded in ``identities``).
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field

import sympy

from .errors import InputError
from .regular_family import DEFAULT_SCALINGS, S, RegularSystem, _Builder, _laurent

__all__ = ["HessianSystem", "build_hessian", "fine_hessian_system", "fine_parts", "coarse_to_fine",
           "split_quotient_system"]


def fine_parts(p: int) -> tuple[tuple, list]:
    """The fixed blocks of the fine family of ``Δ(S_{d−p}×S_p)`` and each block's coarse parent.

    >>> fine_parts(1)
    ((1, 1, 1), [0, 0, 0, 1])
    """
    if p == 1:
        return (1, 1, 1), [0, 0, 0, 1]
    if p == 2:
        return (1, 1, 1, 1), [0, 0, 0, 1, 1]
    raise InputError(f"the fine Hessian is built for p = 1, 2 only, got {p}")


def _fine_scaling(p: int, keys) -> dict:
    """The fine family's scaling: each fine parameter is a copy of its coarse parent at the point."""
    _, parent = fine_parts(p)
    coarse = DEFAULT_SCALINGS[p]
    out = {}
    for key in keys:
        out[key] = coarse[("A", parent[key[1]])] if key[0] == "A" else coarse[("B", parent[key[1]], parent[key[2]])]
    return out


def coarse_to_fine(p: int, fine_keys, coarse_keys, values):
    """Fine-family values (any number type) from the coarse ones: copies of the parents."""
    _, parent = fine_parts(p)
    value = dict(zip(coarse_keys, values))
    return [value[("A", parent[k[1]])] if k[0] == "A" else value[("B", parent[k[1]], parent[k[2]])]
            for k in fine_keys]


@dataclass
class HessianSystem:
    """``H_ab = s^{v_ab} F̃_ab(s, β)`` (upper triangle) and the congruence ``t``.

    Attributes
    ----------
    pairs : list of (int, int)
        ``(a, b)``, a ≤ b, in the order of ``equations``.
    equations, valuations, limits : lists
        ``F̃_ab`` (polynomials in s ≥ 0, β and atoms), ``v_ab`` and ``F̃_ab(0, β)``.
    congruence : list of int
        ``t_a = −v_aa/2``; ``M_ab = s^{exponent} F̃_ab`` with ``exponent = v_ab + t_a + t_b ≥ 0``.
    """

    small: tuple
    keys: list
    names: list
    betas: list
    scaling: list
    signs: list
    atoms: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    equations: list = field(default_factory=list)
    valuations: list = field(default_factory=list)
    limits: list = field(default_factory=list)
    identities: list = field(default_factory=list)
    congruence: list = field(default_factory=list)
    builder: object = field(default=None, repr=False, compare=False)

    @property
    def exponents(self) -> list[int]:
        return [v + self.congruence[a] + self.congruence[b] for (a, b), v in zip(self.pairs, self.valuations)]

    def regular_system(self) -> RegularSystem:
        """The entries as a :class:`RegularSystem` (for its evaluator; ``equations`` = F̃_ab)."""
        sysm = RegularSystem(self.small, self.keys, self.names, self.betas, self.scaling, self.atoms,
                             self.equations, self.valuations, self.identities)
        sysm.signs, sysm.conditions = self.signs, self.conditions
        return sysm

    def matrix(self, s, beta, ops):
        """``M(s, β)`` (nested lists, symmetric) in the number type of ``ops``."""
        return self._symmetric(s, beta, ops, self.exponents)

    def hessian(self, s, beta, ops):
        """``H(s, β) = ∇²_θ L_red`` itself (``s^{v_ab} F̃_ab``), for checks at finite d."""
        return self._symmetric(s, beta, ops, self.valuations)

    def _symmetric(self, s, beta, ops, powers):
        vals = self.regular_system().evaluate(s, beta, ops)
        n = len(self.keys)
        out = [[None] * n for _ in range(n)]
        for (a, b), e, f in zip(self.pairs, powers, vals):
            out[a][b] = out[b][a] = f * s ** e if e else f
        return out

    def limit_matrix(self):
        """``M(0, β)`` as a sympy Matrix in β (entries with exponent 0; the others vanish at s = 0)."""
        n = len(self.keys)
        M = sympy.zeros(n, n)
        for (a, b), e, c0 in zip(self.pairs, self.exponents, self.limits):
            if e == 0:
                M[a, b] = M[b, a] = c0
        return M


class _HessianBuilder(_Builder):
    """:class:`landscape.regular_family._Builder` with the Gram-form Hessian of the reduced loss."""

    def _d1(self, e, a):
        """``∂e/∂θ_a = s^{-k_a} ∂e/∂β_a`` (e a polynomial in s, β; memoised: the Gram entries recur)."""
        return self._deriv(e, (a,))

    def _d2(self, e, a, b):
        return self._deriv(e, (a, b))

    def _deriv(self, e, idx):
        memo = self.__dict__.setdefault("_dmemo", {})
        key = (e, idx)
        if key not in memo:
            if not all(self.betas[a] in e.free_symbols for a in idx):
                memo[key] = sympy.Integer(0)
            else:
                d = e
                for a in idx:
                    d = sympy.diff(d, self.betas[a])
                memo[key] = sympy.expand(d * S ** -sum(self.scaling[a][1] for a in idx))
        return memo[key]

    def _regular_poly(self, e):
        """A polynomial in s^{±1}, β as ``s^v·D`` with D a ``def`` atom (regular, D(0) ≠ 0 generically)."""
        if e == 0:
            return sympy.Integer(0)
        v = min(_laurent(e))
        return S ** v * self.atom("def", sympy.expand(e * S ** -v))

    def pair_types(self):
        """``(multiplicity, x, y, z, l, L)`` per pair type (L None for a teacher pair)."""
        m, n = self.m, self.sizes
        N = [self.norm2(L) for L in range(m)]
        out = []
        for l in range(m):
            for L in range(m):
                cnt = n[L] - int(L == l)
                if cnt != 0:
                    out.append((n[l] * cnt / 2, N[l], N[L], self.ip_rows(l, L), l, L))
            out.append((-n[l], N[l], sympy.Integer(1), self.A(l), l, None))  # c = i
            for L in range(m):
                cnt = n[L] - int(L == l)
                if cnt != 0:
                    out.append((-n[l] * cnt, N[l], sympy.Integer(1), self.B(l, L), l, None))
        return out

    def hessian_entries(self):
        """``H_ab`` (a ≤ b) as expressions polynomial in s^{±1}, β and atoms."""
        m, n = self.m, self.sizes
        P = len(self.betas)
        N = [self.norm2(L) for L in range(m)]
        nrm = [self.atom("sqrt", N[L]) for L in range(m)]
        inv = [self.atom("inv", nrm[L]) for L in range(m)]
        invN = [self.atom("inv", N[L]) for L in range(m)]
        H = {(a, b): sympy.Integer(0) for a in range(P) for b in range(a, P)}
        for l in range(m):  # self terms ½ n_l k(w, w) = n_l |w_l|²/4
            for a in range(P):
                for b in range(a, P):
                    e = self._d2(N[l], a, b)
                    if e != 0:
                        H[a, b] += n[l] * e / 4
        for mult, x, y, z, l, L in self.pair_types():
            teacher = L is None
            nv, iv, iy = (1, 1, 1) if teacher else (nrm[L], inv[L], invN[L])
            kind, sig, asin, _ = self.pair(x, y, z, nrm[l], nv)
            if kind == "unit":  # Δ = s^{2h} R²: 1/sqrt(Δ) = s^{-h}/R
                det = sympy.expand(x * y - z ** 2)
                v = min(_laurent(det))
                R = self.atom("sqrt", sympy.expand(det * S ** -v))
                inv_sd = S ** (-(v // 2)) * self.atom("inv", R)
            else:
                inv_sd = inv[l] * iv * self.atom("inv", sig)
            sd = nrm[l] * nv * sig  # sqrt(Δ)
            xa = [self._d1(x, a) for a in range(P)]
            ya = [sympy.Integer(0) if teacher else self._d1(y, a) for a in range(P)]
            za = [self._d1(z, a) for a in range(P)]
            Np = [self._regular_poly(sympy.expand(2 * x * y * za[a] - z * y * xa[a] - z * x * ya[a]))
                  for a in range(P)]
            Pa = [xa[a] * invN[l] / 2 - ya[a] * iy / 2 for a in range(P)]
            for a in range(P):
                for b in range(a, P):
                    xab = self._d2(x, a, b)
                    yab = sympy.Integer(0) if teacher else self._d2(y, a, b)
                    zab = self._d2(z, a, b)
                    if not (xab != 0 or yab != 0 or zab != 0 or (Np[a] != 0 and Np[b] != 0)
                            or (Pa[a] != 0 and Pa[b] != 0)):
                        continue
                    t = (zab / 4 + (sig * nv * inv[l] / 2 * xab + sig * nrm[l] * iv / 2 * yab + asin * zab
                                    + Np[a] * Np[b] * invN[l] ** 2 * iy ** 2 * inv_sd / 4 - sd * Pa[a] * Pa[b])
                         / (2 * sympy.pi))
                    H[a, b] += mult * t
        return H

    def symmetries(self) -> list[list[int]]:
        """Parameter permutations ``h`` (index lists) from permuting singleton blocks with the
        same coarse parent (``self.parents``); the identity excluded.  L is invariant under them,
        so ``H_{h(a),h(b)}(β) = H_{ab}(β ∘ h)``: an entry is obtained from its representative by
        renaming the β (and the atoms built from them)."""
        from itertools import permutations, product

        parents = getattr(self, "parents", None)
        if parents is None:
            return []
        groups = {}
        for l in range(1, self.m):
            if self.sizes[l] == 1:
                groups.setdefault(parents[l], []).append(l)
        choices = [[dict(zip(g, q)) for q in permutations(g)] for g in groups.values()]
        out = []
        for combo in product(*choices):
            blk = {l: l for l in range(self.m)}
            for part in combo:
                blk.update(part)
            if all(blk[l] == l for l in blk):
                continue
            idx = {k: i for i, k in enumerate(self.keys)}
            out.append([idx[("A", blk[k[1]]) if k[0] == "A" else ("B", blk[k[1]], blk[k[2]])] for k in self.keys])
        return out

    def _renamed(self, h, memo):
        """The substitution β_c -> β_{h(c)} extended to the atoms (created as needed)."""
        mapping = {self.betas[c]: self.betas[h[c]] for c in range(len(self.betas))}

        def atom_of(sym):
            if sym not in memo:
                kind, arg = self._kind[sym]
                for a in sorted((x for x in arg.free_symbols if x in self._kind), key=self._order.get):
                    atom_of(a)
                memo[sym] = self.atom(kind, arg.xreplace({**mapping, **memo}))
            return memo[sym]

        def rename(expr):
            for a in sorted((x for x in expr.free_symbols if x in self._kind), key=self._order.get):
                atom_of(a)
            return expr.xreplace({**mapping, **memo})

        return rename

    def reduce_all(self, H: dict, workers: int | None = None) -> dict:
        """``reduce`` every entry -- one per orbit of the entries under :meth:`symmetries`, the
        others renamed from it (tested against direct reduction); with ``workers`` > 1 (where
        ``fork`` exists) the representatives are shared among forked processes and their new atoms
        merged here in a fixed order, so the result does not depend on the number of workers."""
        syms = self.symmetries()
        rep = {}
        for (a, b) in H:
            if (a, b) in rep:
                continue
            rep[(a, b)] = ((a, b), None)
            for t, h in enumerate(syms):
                img = tuple(sorted((h[a], h[b])))
                rep.setdefault(img, ((a, b), t))
        todo = {key: E for key, E in H.items() if rep[key][1] is None}
        done = self._reduce_items(todo, workers)
        memos = [{} for _ in syms]
        out = {}
        for key in H:
            src, t = rep[key]
            if t is None:
                out[key] = done[key]
                continue
            F, v, c0, note = done[src]
            h = syms[t]
            rename = self._renamed(h, memos[t])
            c1 = rename(c0)
            old_label, new_label = self._label(src), self._label(key)
            head, _, _ = note.rpartition("; F~(0) = ")
            out[key] = (rename(F), v, c1, head.replace(old_label, new_label, 1) + f"; F~(0) = {sympy.sstr(c1)})")
        return out

    def _reduce_items(self, H: dict, workers: int | None = None) -> dict:
        items = list(H.items())
        if workers is None:
            workers = DEFAULT_WORKERS
        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:
            ctx = None
        if ctx is None or workers < 2 or len(items) < 8:
            return {key: self.reduce(E, self._label(key)) for key, E in items}
        global _WORKER_STATE
        _WORKER_STATE = (self, len(self.atoms))
        chunks = [items[w::workers] for w in range(workers)]
        try:
            with ctx.Pool(workers) as pool:
                results = pool.map(_reduce_chunk, chunks)
        finally:
            _WORKER_STATE = None
        out = {}
        for new_atoms, reduced in results:  # worker order: deterministic names
            mapping = {}
            for sym, kind, arg in new_atoms:
                mapping[sym] = self.atom(kind, arg.xreplace(mapping))
            for key, (F, v, c0, note) in reduced:
                out[key] = (F.xreplace(mapping), v, c0, note)
        return {key: out[key] for key, _ in items}

    def _label(self, key):
        a, b = key
        return f"d2L/d{self.names[a]}d{self.names[b]}"

    def build_hessian(self, workers: int | None = None, parents=None) -> HessianSystem:
        self.parents = parents
        H = self.hessian_entries()
        hs = HessianSystem(self.small, self.keys, self.names, self.betas, self.scaling, self.signs)
        for (a, b), (F, v, c0, note) in self.reduce_all(H, workers).items():
            hs.pairs.append((a, b))
            hs.equations.append(F)
            hs.valuations.append(v)
            hs.limits.append(c0)
            hs.identities.append(note)
        hs.atoms, hs.conditions = self.atoms, self.conditions
        hs.builder = self  # for exact combinations of entries (split_quotient_system); not part of the record
        diag = {a: v for (a, b), v in zip(hs.pairs, hs.valuations) if a == b}
        if any(v % 2 for v in diag.values()):
            raise InputError("a diagonal Hessian entry has an odd power of s: no diagonal congruence")
        hs.congruence = [-diag[a] // 2 for a in range(len(self.keys))]
        bad = [(self.names[a], self.names[b]) for (a, b), e in zip(hs.pairs, hs.exponents) if e < 0]
        if bad:
            raise InputError(f"the congruence leaves negative powers of s in {bad[:3]}")
        return hs


_WORKER_STATE = None
#: Processes for :meth:`_HessianBuilder.reduce_all` (1: serial; see benchmarks/bench_all_d.py).
DEFAULT_WORKERS = 1


def _reduce_chunk(items):
    """In a forked worker: reduce some entries; return the atoms created here and the results."""
    builder, base = _WORKER_STATE
    reduced = [(key, builder.reduce(E, builder._label(key))) for key, E in items]
    return builder.atoms[base:], reduced


def build_hessian(small, scaling, workers: int | None = None, parents=None) -> HessianSystem:
    """The regular Hessian of the reduced loss of the family ``(d − Σ small, *small)``.

    ``parents`` (one per block, e.g. ``[0, 0, 0, 1]`` for type A's fine family) lets singleton
    blocks with the same parent be permuted: one entry per orbit is reduced, the others renamed."""
    return _HessianBuilder(small, scaling).build_hessian(workers, parents)


_CACHE: dict = {}


def fine_hessian_system(p: int) -> HessianSystem:
    """The regular Hessian of the fine family of ``Δ(S_{d−p}×S_p)`` (p = 1, 2; cached per process).

    Building it is exact sympy algebra (about 45 s for p = 1)."""
    if p not in _CACHE:
        from .fixed_points import Family

        small, parents = fine_parts(p)
        keys = Family((1000 - sum(small),) + small).param_keys
        _CACHE[p] = build_hessian(small, _fine_scaling(p, keys), parents=parents)
    return _CACHE[p]


def split_quotient_system() -> RegularSystem:
    """``R = qᵀ∇²L_{d+1}q / qᵀq`` for the split of type A's bad neuron, as ``s^v F̃(s, β)`` (cached).

    Splitting the bad neuron (the singleton row) of the type-A critical point W as
    ``(w/2, w/2)`` gives a critical point of the (d+1)-neuron loss, and for
    ``q = (δ, −δ)`` on the two halves, ``qᵀ∇²L_{d+1}q / qᵀq = (δᵀD_iδ − |δ|²/2)/(t(1−t))/|q|²``
    (t = 1/2, |q|² = 2|δ|²; :mod:`certificates.overparam`, Arjevani & Field, arXiv 2210.06088),
    ``D_i`` the bad row's diagonal block of ``∇²L(W)``.  With ``δ = e_{a1} − e_{a2}`` (the two
    singleton columns of the fine family taken from the big block) ``δᵀD_iδ`` is
    ``H[B42,B42] + H[B43,B43] − 2H[B42,B43]`` (single-cell orbits) of the fine Hessian, so
    ``R = H[B42,B42] + H[B43,B43] − 2 H[B42,B43] − 1``.  The three entries are exact
    (``s^{v_ab} F̃_ab``); their combination is reduced again, giving ``R = s^v F̃`` with F̃
    regular and ``sign R = sign F̃`` for s > 0 (R ~ −0.36 d^{-1/2}: v = 1).
    """
    if "split" not in _CACHE:
        hs = fine_hessian_system(1)
        idx = {n: i for i, n in enumerate(hs.names)}
        ent = {pair: (F, v) for pair, F, v in zip(hs.pairs, hs.equations, hs.valuations)}

        def h(a, b):
            a, b = sorted((idx[a], idx[b]))
            F, v = ent[(a, b)]
            return S ** v * F

        E = h("B42", "B42") + h("B43", "B43") - 2 * h("B42", "B43") - 1
        F, v, c0, note = hs.builder.reduce(E, "R = H[B42,B42] + H[B43,B43] - 2 H[B42,B43] - 1")
        sysm = RegularSystem(hs.small, hs.keys, hs.names, hs.betas, hs.scaling, hs.atoms, [F], [v], [note])
        sysm.signs, sysm.conditions, sysm.limits = hs.signs, hs.conditions, [c0]
        sysm.labels = ["split Rayleigh quotient R"]
        _CACHE["split"] = sysm
    return _CACHE["split"]


def eigenvalue_limits(p: int) -> dict:
    """Exact limits of the Hessian eigenvalues of ``Δ(S_{d−p}×S_p)`` as d → ∞ (cached).

    The compression's eigenvalues λ solve ``det(M(s) − λ W(s)) = 0`` with ``M = T H T`` and
    ``W = T D T``, D the orbit sizes (``W_a = s^{2t_a} |O_a|``: ``W_a → w_a`` on the small orbits,
    ``W_a ~ s² w̃_a`` on the five (p = 1) large ones).  The polynomial is regular in s: at s = 0
    its degree drops by the number of large orbits, so the bounded eigenvalues tend to the roots
    of ``det(S − λ W_ss(0))``, S the Schur complement of the large block of ``M(0, β*)``, and the
    others are ``λ = μ d + O(d^{1/2})`` with μ the roots of ``det(M_bb(0) − μ w̃)``.  Everything is
    exact: ``M(0, β*)`` from the limit entries at the exact limit root (:mod:`landscape.exact_series`).

    Returns
    -------
    dict
        ``bounded`` and ``linear``: lists of ``(exact sympy expression, multiplicity in the
        compression to Fix(G'))`` (the root of an irreducible factor of degree > 2 is given as a
        ``CRootOf``).
    """
    key = ("limits", p)
    if key in _CACHE:
        return _CACHE[key]
    from .exact_series import family_series
    from .fixed_points import Family
    from .regular_family import two_block_system

    hs = fine_hessian_system(p)
    sysm = two_block_system(p)
    beta0 = coarse_to_fine(p, hs.keys, sysm.keys, family_series(p, 0).beta[0])
    M0 = hs.limit_matrix().subs(dict(zip(hs.betas, beta0))).applyfunc(sympy.simplify)
    small, _ = fine_parts(p)
    q = sum(small)
    d = sympy.Symbol("d")
    big, rest, lead = [], [], {}
    for a, (key_a, t) in enumerate(zip(hs.keys, hs.congruence)):
        size = sympy.expand(sympy.interpolate([(n, Family((n - q,) + small).orbit_size(key_a)) for n in (20, 30, 40, 50)], d))
        W = sympy.expand(S ** (2 * t) * size.subs(d, S ** -2))
        e = min(_laurent(W))
        lead[a] = _laurent(W)[e]
        if e == 2:
            big.append(a)
        elif e == 0:
            rest.append(a)
        else:
            raise InputError(f"orbit {hs.names[a]}: T D T ~ s^{e}, neither O(1) nor O(s^2)")
    lam = sympy.Symbol("lambda")
    Mbb, Mbs, Mss = M0.extract(big, big), M0.extract(big, rest), M0.extract(rest, rest)
    schur = Mss - Mbs.T * Mbb.inv() * Mbs
    out = {}
    for name, A, idx in (("bounded", schur, rest), ("linear", Mbb, big)):
        P = (sympy.diag(*[1 / lead[a] for a in idx]) * A).charpoly(lam).as_expr()
        roots = []
        for fac, mult in sympy.factor_list(sympy.simplify(P), lam)[1]:
            for r in sympy.roots(sympy.Poly(fac, lam), multiple=True) or sympy.Poly(fac, lam).all_roots():
                roots.append((sympy.simplify(r), mult))
        out[name] = sorted(roots, key=lambda rm: float(rm[0]))
    _CACHE[key] = out
    return out
