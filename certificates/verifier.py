"""Independent verifier of relu-landscape certificates (the trust base).

The simplest call:

>>> from certificates.verifier import verify_certificate     # doctest: +SKIP
>>> verify_certificate(json.load(open("cert.json")))          # doctest: +SKIP
(True, 'minimum', 'Krawczyk: K(X) in int X (contraction 0.001); lambda_min >= 2.35e-03 > 0')

This module is self-contained on purpose: it imports only the standard
library, numpy (float guesses that need no trust: preconditioner, Cholesky
factor) and python-flint (``arb`` balls: outward-rounded enclosures of
+, −, ×, ÷, sqrt, atan2, π).  It does not import ``landscape`` or any producer
module of ``certificates``; its loss derivatives are written in a different
form (Gram entries ``p = |w|², q = |v|², c = w·v``, ``S = sqrt(pq − c²)``,
``θ = atan2(S, c)``):

* ``K = (S + (π−θ) c) / (2π)``                          (Cho & Saul kernel)
* ``∂_w K = (S/p) w / (2π) + (π−θ) v / (2π)``
* ``∂²_w K = [ (S/p) I − (S/p²) w wᵀ + a aᵀ / S ] / (2π)``,  ``a = v − (c/p) w``
* ``∂_v∂_w K = [ (π−θ) I + (w aᵀ + v bᵀ) / S ] / (2π)``,  ``b = w − (c/q) v``
  (entry (r, s) is ∂²K/∂w_r∂v_s); for exactly parallel rows (S = 0 exactly,
  decided in exact rationals) the limits are ``0`` and ``(π−θ) I/(2π)``.

Loss ``L = ½Σα_iα_jK(w_i,w_j) − Σα_iβ_jK(w_i,v_j) + ½Σβ_iβ_jK(v_i,v_j)``
(rows are neurons).  Checks, by verdict:

* every certificate: format, SHA-256 digest of its canonical JSON, shapes;
* existence: ``krawczyk`` -- ``K(X) = −C g(x̃) + (I − C J(X))[−r, r]`` lies in
  ``(−r, r)`` coordinatewise (Krawczyk's theorem: unique zero of ∇L in X);
  ``teacher-match`` -- W's rows are a permutation of V's with equal second
  layers (then L(W) = 0 = min, so W is critical); the certified point is
  within ``input_distance`` of the input;
* ``minimum``: blocks covering all ``k d`` coordinates, each with
  ``λ_min ≥ σ − max_i Σ_j |E_ij| > 0`` where ``E = H − σI − LLᵀ`` over the box
  (L: float Cholesky of H_mid − σI; Weyl);
* ``saddle``: a rational vector q with ``qᵀHq/qᵀq < 0`` over the box (Cauchy
  interlacing: λ_min ≤ Rayleigh quotient); for a split point (neurons i, j =
  t w, (1−t) w) the vector is ``(δ, −δ)`` and the splitting lemma
  ``qᵀH_{k+1}q = δᵀ(D_i − ½α_i²I)δ / (t(1−t))`` (D_i: i-th diagonal block of
  the unsplit Hessian; Arjevani & Field, arXiv 2210.06088) is used, with the
  existence proof done for the unsplit point (splitting maps critical points
  to critical points);
* ``inconclusive``: carries no evidence (blocks and interlacing empty).

Family certificates (``engine = "family"``: k = d, V = I, second layers ones,
W in Fix(Δ(S_p1×…×S_pm)) with parameters θ) are checked at O(1) cost in d:
the reduced loss ``L(W(θ))`` is a sum over pairs of *blocks* with counts
(:func:`reduced_loss_jet`), evaluated with second-order jets (value,
gradient, Hessian in θ) of balls.  Krawczyk on ``∇_θ L_red`` proves a
critical point of L in Fix(H), hence of L (symmetric criticality, Palais
1979: L is H-invariant).  The verdict uses the compression of the Hessian to
Fix(G'), ``G' = Π S_{p_l − 2}``, which is the Hessian of the reduced loss of
the finer family ``(…, p_l − 2, 1, 1, …)`` scaled by the orbit sizes; by the
lemma in :func:`check_family` every Hessian eigenvalue occurs there.

Every recorded number is recomputed and must agree (bounds to 1e-9
relative, float estimates to 1e-6, the Krawczyk contraction to 5 %).
"""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction

import flint
import numpy as np

FORMAT = "relu-landscape-certificate/1"
RANGE_FORMAT = "relu-landscape-range-certificate/1"  # checked by certificates.verify_all_d
_RANGE_VERIFIER = None  # set by certificates.verify_all_d on import (register_range_verifier)


def register_range_verifier(fn) -> None:
    """Dispatch target for range artifacts (``certificates.verify_all_d.verify_range``)."""
    global _RANGE_VERIFIER
    _RANGE_VERIFIER = fn


class Invalid(Exception):
    """The certificate does not check; the message says which claim failed."""


# ----------------------------------------------------------------- numbers
def frac(s) -> Fraction:
    if isinstance(s, bool) or not isinstance(s, (str, int)):
        raise Invalid(f"expected an exact number as a string, got {s!r}")
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise Invalid(f"not an exact number: {s!r}") from None


def ball(q: Fraction) -> flint.arb:
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def matrix(rows, name):
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise Invalid(f"{name} is not a matrix")
    if len({len(r) for r in rows}) != 1:
        raise Invalid(f"{name} is ragged")
    return [[frac(x) for x in r] for r in rows]


def digest(cert: dict) -> str:
    body = {k: v for k, v in cert.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def close(recorded, own: float, rel: float, name: str, absolute: float = 0.0):
    if isinstance(recorded, bool) or not isinstance(recorded, (int, float)) or not math.isfinite(recorded):
        raise Invalid(f"{name}: recorded value {recorded!r} is not a finite number")
    if abs(recorded - own) > absolute + rel * abs(own):
        raise Invalid(f"{name}: recorded {recorded!r} but recomputed {own!r}")


# ------------------------------------------------------ kernel derivatives
class Pair:
    """Enclosures for one pair of rows (w, v) given as lists of balls."""

    def __init__(self, w, v, exact_parallel: int):
        self.w, self.v = w, v
        p = sum((x * x for x in w), flint.arb(0))
        q = sum((x * x for x in v), flint.arb(0))
        c = sum((x * y for x, y in zip(w, v)), flint.arb(0))
        self.p, self.q, self.c = p, q, c
        self.parallel = exact_parallel
        if exact_parallel:
            self.S = flint.arb(0)
            self.theta = flint.arb(0) if exact_parallel > 0 else flint.arb.pi()
        else:
            S2 = p * q - c * c
            if not S2 > 0:
                raise Invalid("a pair of rows is (nearly) parallel over the box: cannot enclose its Hessian")
            self.S = S2.sqrt()
            self.theta = flint.arb.atan2(self.S, c)

    def grad_w(self):
        pi2 = 2 * flint.arb.pi()
        f1 = self.S / self.p / pi2
        f2 = (flint.arb.pi() - self.theta) / pi2
        return [f1 * a + f2 * b for a, b in zip(self.w, self.v)]

    def h1(self):
        d = len(self.w)
        if self.parallel:
            return [[flint.arb(0)] * d for _ in range(d)]
        pi2 = 2 * flint.arb.pi()
        S, p, c = self.S, self.p, self.c
        a = [y - (c / p) * x for x, y in zip(self.w, self.v)]
        return [[((S / p if r == s else 0) - (S / (p * p)) * self.w[r] * self.w[s] + a[r] * a[s] / S) / pi2
                 for s in range(d)] for r in range(d)]

    def h2(self):
        d = len(self.w)
        pi2 = 2 * flint.arb.pi()
        diag = (flint.arb.pi() - self.theta) / pi2
        if self.parallel:
            return [[diag if r == s else flint.arb(0) for s in range(d)] for r in range(d)]
        S, p, q, c = self.S, self.p, self.q, self.c
        a = [y - (c / p) * x for x, y in zip(self.w, self.v)]
        b = [x - (c / q) * y for x, y in zip(self.w, self.v)]
        return [[(diag if r == s else 0) + (self.w[r] * a[s] + self.v[r] * b[s]) / S / pi2
                 for s in range(d)] for r in range(d)]


def parallel_sign(w, v) -> int:
    """+1 / −1 if the exact rational rows are positively / negatively parallel, else 0."""
    c = sum(x * y for x, y in zip(w, v))
    if sum(x * x for x in w) * sum(y * y for y in v) == c * c:
        return 1 if c > 0 else -1
    return 0


class Model:
    """Loss derivatives over a box: centre (Fractions), radius (Fraction), teacher, second layers."""

    def __init__(self, center, radius, V, alpha, beta):
        self.k, self.d = len(center), len(center[0])
        r = ball(radius).abs_upper() if radius else None
        self.W = [[ball(x) + flint.arb(0, r) if r is not None else ball(x) for x in row] for row in center]
        self.V = [[ball(x) for x in row] for row in V]
        self.a = [ball(x) for x in alpha]
        self.b = [ball(x) for x in beta]
        exact = not radius
        self.pairs = {}
        for i in range(self.k):
            for j in range(self.k):
                if i != j:
                    s = parallel_sign(center[i], center[j]) if exact else 0
                    self.pairs["W", i, j] = Pair(self.W[i], self.W[j], s)
            for j in range(len(V)):
                s = parallel_sign(center[i], V[j]) if exact else 0
                self.pairs["V", i, j] = Pair(self.W[i], self.V[j], s)

    def gradient(self):
        out = []
        for i in range(self.k):
            g = [self.a[i] * x / 2 for x in self.W[i]]
            for j in range(self.k):
                if j != i:
                    g = [x + self.a[j] * y for x, y in zip(g, self.pairs["W", i, j].grad_w())]
            for j in range(len(self.V)):
                g = [x - self.b[j] * y for x, y in zip(g, self.pairs["V", i, j].grad_w())]
            out.extend(self.a[i] * x for x in g)
        return out

    def hessian(self) -> flint.arb_mat:
        k, d = self.k, self.d
        H = [[flint.arb(0)] * (k * d) for _ in range(k * d)]
        for i in range(k):
            D = [[self.a[i] * self.a[i] / 2 if r == s else flint.arb(0) for s in range(d)] for r in range(d)]
            for j in range(self.k):
                if j != i:
                    h = self.pairs["W", i, j].h1()
                    D = [[D[r][s] + self.a[i] * self.a[j] * h[r][s] for s in range(d)] for r in range(d)]
                    h2 = self.pairs["W", i, j].h2()
                    for r in range(d):
                        for s in range(d):
                            H[i * d + r][j * d + s] = self.a[i] * self.a[j] * h2[r][s]
            for j in range(len(self.V)):
                h = self.pairs["V", i, j].h1()
                D = [[D[r][s] - self.a[i] * self.b[j] * h[r][s] for s in range(d)] for r in range(d)]
            for r in range(d):
                for s in range(d):
                    H[i * d + r][i * d + s] = D[r][s]
        return flint.arb_mat(H)


def mids(M: flint.arb_mat) -> np.ndarray:
    return np.array([[float(M[i, j].mid()) for j in range(M.ncols())] for i in range(M.nrows())])


def finite(M: flint.arb_mat) -> bool:
    return all(M[i, j].is_finite() for i in range(M.nrows()) for j in range(M.ncols()))


# ----------------------------------------------------------------- checks
def check_krawczyk(model: Model, at_center: Model, radius: Fraction, ex: dict) -> str:
    n = model.k * model.d
    g = at_center.gradient()
    J = model.hessian()
    if not finite(J) or not all(x.is_finite() for x in g):
        raise Invalid("Jacobian enclosure over the box is not finite")
    C = np.linalg.inv(mids(J))
    Cm = flint.arb_mat(C.tolist())
    step = Cm * flint.arb_mat([[x] for x in g])
    M = flint.arb_mat(np.eye(n).tolist()) - Cm * J
    r = ball(radius)
    K = -step + M * flint.arb_mat([[flint.arb(0, r.abs_upper())] for _ in range(n)])
    widths = [K[i, 0].abs_upper() for i in range(n)]
    if not all(w < r for w in widths):
        raise Invalid("Krawczyk test fails: K(X) is not inside the interior of X")
    contraction = max(float(w) for w in widths) / float(radius)
    close(ex.get("contraction"), contraction, 0.05, "existence.contraction")
    gb = max(float(x.abs_upper()) for x in g)
    close(ex.get("grad_bound"), gb, 0.5, "existence.grad_bound", 1e-300)
    return f"Krawczyk: K(X) in int X (contraction {contraction:.3g})"


def lambda_bound(H: flint.arb_mat, sigma: Fraction):
    n = H.nrows()
    Hm = mids(H)
    Hm = (Hm + Hm.T) / 2
    try:
        L = np.linalg.cholesky(Hm - float(sigma) * np.eye(n))
    except np.linalg.LinAlgError:
        raise Invalid("Cholesky factorisation of H_mid - sigma I fails") from None
    Lm = flint.arb_mat(L.tolist())
    S = flint.arb_mat([[ball(sigma) if i == j else 0 for j in range(n)] for i in range(n)])
    E = H - S - Lm * Lm.transpose()
    rho = max(sum((E[i, j].abs_upper() for j in range(n)), flint.arb(0)).upper() for i in range(n))  # exact
    return ball(sigma) - rho, float(np.linalg.eigvalsh(Hm)[0])


def rayleigh(H, q):
    n = len(q)
    nz = [i for i in range(n) if q[i] != 0]
    qa = {i: ball(q[i]) for i in nz}
    num = flint.arb(0)
    for i in nz:
        num += qa[i] * sum((H[i, j] * qa[j] for j in nz), flint.arb(0))
    return num / ball(sum(q[i] * q[i] for i in nz))


# ------------------------------------------------- family engine (k = d, V = I)
class Jet:
    """Second-order Taylor jet in n variables: value, gradient, Hessian (balls)."""

    def __init__(self, v, g, h):
        self.v, self.g, self.h = v, g, h

    @staticmethod
    def const(v, n):
        z = np.empty(n, dtype=object)
        z[:] = flint.arb(0)
        H = np.empty((n, n), dtype=object)
        H[:, :] = flint.arb(0)
        return Jet(v if isinstance(v, flint.arb) else ball(Fraction(v)), z, H)

    def __add__(self, o):
        if isinstance(o, (int, Fraction)):
            o = ball(Fraction(o))
        if not isinstance(o, Jet):
            return Jet(self.v + o, self.g, self.h)
        return Jet(self.v + o.v, self.g + o.g, self.h + o.h)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, -self.g, -self.h)

    def __sub__(self, o):
        return self + (-o)

    def __mul__(self, o):
        if isinstance(o, (int, Fraction)):
            o = ball(Fraction(o))
        if not isinstance(o, Jet):
            return Jet(self.v * o, self.g * o, self.h * o)
        return Jet(self.v * o.v, self.v * o.g + o.v * self.g,
                   self.v * o.h + o.v * self.h + np.outer(self.g, o.g) + np.outer(o.g, self.g))

    __rmul__ = __mul__

    def chain(self, f0, f1, f2):
        return Jet(f0, f1 * self.g, f1 * self.h + f2 * np.outer(self.g, self.g))

    def sqrt(self):
        if not self.v > 0:
            raise Invalid("square root of a quantity not proved positive (parallel rows?)")
        r = self.v.sqrt()
        return self.chain(r, 1 / (2 * r), -1 / (4 * r * self.v))

    def recip(self):
        return self.chain(1 / self.v, -1 / (self.v * self.v), 2 / (self.v * self.v * self.v))


def jet_atan2(S: Jet, c: Jet) -> Jet:
    """theta = atan2(S, c) with its first and second derivatives through (S, c)."""
    r2 = S.v * S.v + c.v * c.v
    tS, tc = c.v / r2, -S.v / r2
    r4 = r2 * r2
    tSS, tcc, tSc = -2 * S.v * c.v / r4, 2 * S.v * c.v / r4, (S.v * S.v - c.v * c.v) / r4
    g = tS * S.g + tc * c.g
    h = (tS * S.h + tc * c.h + tSS * np.outer(S.g, S.g) + tcc * np.outer(c.g, c.g)
         + tSc * (np.outer(S.g, c.g) + np.outer(c.g, S.g)))
    return Jet(flint.arb.atan2(S.v, c.v), g, h)


def jet_kernel(p: Jet, q: Jet, c: Jet) -> Jet:
    """K = (S + (pi - theta) c) / (2 pi) with S = sqrt(pq - c^2), theta = atan2(S, c)."""
    S = (p * q - c * c).sqrt()
    theta = jet_atan2(S, c)
    pi = flint.arb.pi()
    return (S + (-theta + pi) * c) * (1 / (2 * pi))


def family_keys(parts):
    """Parameter order: A_l for every block, then B_(l,L) (B_(l,l) only when p_l >= 2)."""
    keys = [("A", l) for l in range(len(parts))]
    keys += [("B", l, L) for l in range(len(parts)) for L in range(len(parts)) if l != L or parts[l] >= 2]
    return keys


def orbit_sizes(parts):
    return [parts[k[1]] if k[0] == "A" else parts[k[1]] * (parts[k[2]] - (k[1] == k[2]))
            for k in family_keys(parts)]


def reduced_loss_jet(parts, values) -> Jet:
    """L(W(theta)) up to a constant, as a jet in theta; W in Fix(Delta(S_p1 x ... x S_pm)), V = I_d.

    Row i of block l has W[i,i] = A_l and W[i,j] = B_(l,blk(j)) (j != i); sums over
    pairs of rows become sums over pairs of blocks with counts.
    """
    keys = family_keys(parts)
    n, m = len(keys), len(parts)
    x = {}
    for t, (key, v) in enumerate(zip(keys, values)):
        g = np.empty(n, dtype=object)
        g[:] = flint.arb(0)
        g[t] = flint.arb(1)
        x[key] = Jet(v, g, Jet.const(0, n).h)
    zero = Jet.const(0, n)
    A = [x["A", l] for l in range(m)]

    def B(l, L):
        return x.get(("B", l, L), zero)

    P = [A[l] * A[l] + sum((B(l, L) * B(l, L) * (parts[L] - (L == l)) for L in range(m)), zero)
         for l in range(m)]
    one = Jet.const(1, n)
    total = zero
    for l in range(m):
        total = total + P[l] * Fraction(parts[l], 4)  # (1/2) sum_i K(w_i, w_i) = (1/2) sum |w_i|^2 / 2
        total = total - jet_kernel(P[l], one, A[l]) * parts[l]
        for L in range(m):
            cnt = parts[l] * (parts[L] - (l == L))
            if cnt == 0:
                continue
            c = A[l] * B(L, l) + A[L] * B(l, L)
            for L2 in range(m):
                k2 = parts[L2] - (L2 == l) - (L2 == L)
                if k2:
                    c = c + B(l, L2) * B(L, L2) * k2
            total = total + jet_kernel(P[l], P[L], c) * Fraction(cnt, 2)
            total = total - jet_kernel(P[l], one, B(l, L)) * cnt
    return total


def refine(parts):
    fine, parent = [], []
    for l, p in enumerate(parts):
        pieces = [p - 2, 1, 1] if p >= 3 else [1] * p
        fine += pieces
        parent += [l] * len(pieces)
    return fine, parent


def check_family(cert: dict) -> str:
    """Family certificate: Krawczyk in Fix(H) on grad L_red, verdict on the Fix(G') compression.

    Lemma (trust base): for H = Delta(S_p1 x ... x S_pm) every eigenvalue of the
    Hessian at W in Fix(H) is an eigenvalue of its compression to Fix(G'),
    G' = prod S_(p_l - 2): the H-irreps in M(d,d) are tensor products of
    irreps lambda_l with first row >= p_l - 2 (those of R^p (x) R^p), which
    contain G'-fixed vectors (Pieri).  For a saddle no lemma is needed
    (interlacing on the subspace Fix(G')).
    """
    prob = cert["problem"]
    parts = prob["family"]
    if not (isinstance(parts, list) and parts and all(isinstance(p, int) and p >= 1 for p in parts)):
        raise Invalid("bad family")
    d = sum(parts)
    if prob != {"k": d, "d": d, "n": d, "family": parts, "teacher": "identity", "second_layers": "ones"}:
        raise Invalid("family problem data inconsistent")
    keys = family_keys(parts)
    inp = [frac(v) for v in cert["input"]["params"]]
    ex = cert["existence"]
    if ex["method"] != "krawczyk-fix":
        raise Invalid(f"unknown existence method {ex['method']!r}")
    center = [frac(v) for v in ex["center"]]
    radius = frac(ex["radius"])
    if len(center) != len(keys) or len(inp) != len(keys) or not 0 < radius <= Fraction(1, 1000):
        raise Invalid("centre/radius do not fit the family")
    dist = max(abs(float(a - b)) for a, b in zip(inp, center))
    close(cert["input_distance"], dist, 1e-6, "input_distance", 1e-300)
    if dist > 1e-3:
        raise Invalid("the certified point is far from the input")
    n = len(keys)
    at_center = reduced_loss_jet(parts, [ball(v) for v in center])
    g = at_center.g
    loss = at_center.v + ball(Fraction(d, 4)) + d * (d - 1) / (4 * flint.arb.pi())  # + (1/2) sum K(e_i, e_j)
    close(cert["loss_estimate"], float(loss.mid()), 1e-6, "loss_estimate", 1e-12)
    rb = flint.arb(0, ball(radius).abs_upper())
    box = [ball(v) + rb for v in center]
    J = flint.arb_mat(reduced_loss_jet(parts, box).h.tolist())
    if not finite(J):
        raise Invalid("Jacobian enclosure is not finite")
    C = flint.arb_mat(np.linalg.inv(mids(J)).tolist())
    step = C * flint.arb_mat([[x] for x in g])
    K = -step + (flint.arb_mat(np.eye(n).tolist()) - C * J) * flint.arb_mat([[rb] for _ in range(n)])
    widths = [K[i, 0].abs_upper() for i in range(n)]
    if not all(w < ball(radius) for w in widths):
        raise Invalid("Krawczyk test fails in Fix(H)")
    close(ex["contraction"], max(float(w) for w in widths) / float(radius), 0.05, "existence.contraction")
    close(ex["grad_bound"], max(float(x.abs_upper()) for x in g) / 1.0, 0.5, "existence.grad_bound", 1e-300)
    fine, parent = refine(parts)
    value = dict(zip(keys, box))
    fbox = [value["A", parent[k[1]]] if k[0] == "A" else value["B", parent[k[1]], parent[k[2]]]
            for k in family_keys(fine)]
    Hf = reduced_loss_jet(fine, fbox).h
    sizes = orbit_sizes(fine)
    nf = len(sizes)
    verdict, blocks, inter = cert["verdict"], cert["blocks"], cert["interlacing"]
    msg = f"Krawczyk in Fix(H): unique critical point in the box"
    if verdict == "minimum":
        if inter or len(blocks) != 1:
            raise Invalid("a minimum certificate needs exactly one block (the Fix(G') compression)")
        b = blocks[0]
        if b["fine_parts"] != fine or b["dim"] != nf or b["method"] != "cholesky-residual":
            raise Invalid("block does not describe the Fix(G') compression")
        inv = [1 / ball(Fraction(s)).sqrt() for s in sizes]
        S = flint.arb_mat([[Hf[i, j] * inv[i] * inv[j] for j in range(nf)] for i in range(nf)])
        bound, est = lambda_bound(S, frac(b["sigma"]))
        if not bound > 0:
            raise Invalid("the compression is not proved positive definite")
        close(b["lower_bound"], float(bound.lower()), 1e-9, "block lower_bound", 1e-12)
        close(b["estimate"], est, 1e-6, "block estimate", 1e-12)
        return f"{msg}; lambda_min >= {float(bound.lower()):.3e} > 0 (Fix(G') lemma)"
    if verdict != "saddle" or blocks or len(inter) != 1:
        raise Invalid("a saddle certificate needs exactly one interlacing entry and no blocks")
    e = inter[0]
    z = [frac(v) for v in e["vector"]]
    if e["fine_parts"] != fine or len(z) != nf or not any(z):
        raise Invalid("interlacing vector does not fit Fix(G')")
    R = rayleigh(flint.arb_mat(Hf.tolist()), z) * ball(sum(v * v for v in z)) / ball(
        sum(v * v * s for v, s in zip(z, sizes)))
    if not R < 0:
        raise Invalid("the Rayleigh quotient is not proved negative")
    close(e["upper_bound"], float(R.upper()), 1e-9, "interlacing upper_bound", 1e-12)
    close(e["rayleigh_estimate"], float(R.mid()), 1e-6, "interlacing rayleigh_estimate", 1e-12)
    return f"{msg}; z^T H z / z^T z <= {float(R.upper()):.3e} < 0 in Fix(G')"


def verify_certificate(cert: dict) -> tuple[bool, str | None, str]:
    """Check a certificate (parsed JSON).  Returns ``(valid, verdict, reason)``; never raises.

    A range artifact (one family over a range of d) is dispatched to
    :func:`certificates.verify_all_d.verify_range`, which re-checks each of its
    family certificates here."""
    if isinstance(cert, dict) and cert.get("format") == RANGE_FORMAT:
        if _RANGE_VERIFIER is None:
            from . import verify_all_d  # noqa: F401  (the range checker, part of the trust base: registers itself)
        return _RANGE_VERIFIER(cert)
    try:
        return True, cert["verdict"], _verify(cert)
    except Invalid as exc:
        return False, cert.get("verdict") if isinstance(cert, dict) else None, str(exc)
    except Exception as exc:  # anything unexpected in a hand-edited file: not valid
        return False, cert.get("verdict") if isinstance(cert, dict) else None, f"malformed certificate: {exc!r}"


def _verify(cert: dict) -> str:
    if not isinstance(cert, dict) or cert.get("format") != FORMAT:
        raise Invalid(f"not a {FORMAT} document")
    if cert.get("digest") != digest(cert):
        raise Invalid("digest does not match the content (the certificate was altered)")
    old = flint.ctx.prec
    prec = cert["precision_bits"]
    if not isinstance(prec, int) or not 53 <= prec <= 4096:
        raise Invalid(f"precision_bits {prec!r} out of range")
    flint.ctx.prec = prec
    try:
        return _verify_body(cert)
    finally:
        flint.ctx.prec = old


def _verify_body(cert: dict) -> str:
    verdict = cert["verdict"]
    blocks, inter = cert["blocks"], cert["interlacing"]
    if verdict not in ("minimum", "saddle", "inconclusive"):
        raise Invalid(f"unknown verdict {verdict!r}")
    if cert["engine"] == "family":
        if verdict == "inconclusive":
            if blocks or inter:
                raise Invalid("an inconclusive certificate must not carry evidence (blocks/interlacing)")
            return "inconclusive: nothing is claimed"
        return check_family(cert)
    if cert["engine"] != "full":
        raise Invalid(f"unknown engine {cert['engine']!r}")
    inp = cert["input"]
    W, V = matrix(inp["W"], "input.W"), matrix(inp["V"], "input.V")
    alpha, beta = [frac(x) for x in inp["alpha"]], [frac(x) for x in inp["beta"]]
    k, d = len(W), len(W[0])
    if cert["problem"] != {"k": k, "d": d, "n": len(V)} or len(V[0]) != d or len(alpha) != k or len(beta) != len(V):
        raise Invalid("problem shape does not match the input")
    if verdict == "inconclusive":
        if blocks or inter:
            raise Invalid("an inconclusive certificate must not carry evidence (blocks/interlacing)")
        return "inconclusive: nothing is claimed"
    ex = cert["existence"]
    split = cert["split"]
    center = matrix(ex["center"], "existence.center")
    radius = frac(ex["radius"])
    if radius < 0 or radius > Fraction(1, 1000):
        raise Invalid("box radius out of range")
    if split is not None:  # existence is about the unsplit point
        i, j, t = split["i"], split["j"], frac(split["t"])
        if not (isinstance(i, int) and isinstance(j, int) and 0 <= i < j < k and 0 < t < 1):
            raise Invalid("bad split data")
        ualpha = [a for r, a in enumerate(alpha) if r != j]
        if alpha[i] != alpha[j] or len(center) != k - 1:
            raise Invalid("split neurons must share their second-layer weight; centre must have k-1 rows")
        point = [list(r) for r in center]
        point[i] = [t * x for x in center[i]]
        point.insert(j, [(1 - t) * x for x in center[i]])
    else:
        ualpha = alpha
        point = center
        if len(center) != k:
            raise Invalid("centre shape does not match the input")
    if len(center[0]) != d:
        raise Invalid("centre shape does not match the input")
    dist = max(abs(float(a - b)) for ra, rb in zip(W, point) for a, b in zip(ra, rb))
    close(cert["input_distance"], dist, 1e-6, "input_distance", 1e-300)
    if dist > 1e-3:
        raise Invalid(f"the certified point is {dist:.2e} away from the input")
    model = Model(center, radius, V, ualpha, beta)
    if ex["method"] == "krawczyk":
        if radius == 0:
            raise Invalid("Krawczyk needs a box of positive radius")
        msg = check_krawczyk(model, Model(center, Fraction(0), V, ualpha, beta), radius, ex)
    elif ex["method"] == "teacher-match":
        if radius != 0 or sorted(zip(map(tuple, center), ualpha)) != sorted(zip(map(tuple, V), beta)):
            raise Invalid("teacher-match: the neurons are not the teacher's")
        msg = "teacher match: L = 0 = min, W is critical"
    else:
        raise Invalid(f"unknown existence method {ex['method']!r}")
    H = model.hessian()
    if not finite(H):
        raise Invalid("Hessian enclosure is not finite")
    if verdict == "minimum":
        if split is not None or inter or not blocks:
            raise Invalid("a minimum certificate needs Hessian blocks (and no split/interlacing)")
        if sum(b["dim"] for b in blocks) != k * d or len(blocks) != 1:
            raise Invalid("the blocks do not cover the whole space")
        b = blocks[0]
        if b["method"] != "cholesky-residual":
            raise Invalid(f"unknown block method {b['method']!r}")
        bound, est = lambda_bound(H, frac(b["sigma"]))
        if not bound > 0:
            raise Invalid("the Hessian is not proved positive definite")
        close(b["lower_bound"], float(bound.lower()), 1e-9, "block lower_bound", 1e-12)
        close(b["estimate"], est, 1e-6, "block estimate", 1e-12)
        return f"{msg}; lambda_min >= {float(bound.lower()):.3e} > 0"
    # saddle
    if blocks or not inter:
        raise Invalid("a saddle certificate needs an interlacing entry (and no blocks)")
    e = inter[0]
    if len(inter) != 1:
        raise Invalid("exactly one interlacing entry expected")
    q = [frac(x) for x in e["vector"]]
    if len(q) != k * d or not any(q):
        raise Invalid("interlacing vector has the wrong length or is zero")
    if split is not None:
        delta = [frac(x) for x in e["delta"]]
        want = [Fraction(0)] * (k * d)
        for p in range(d):
            want[i * d + p], want[j * d + p] = delta[p], -delta[p]
        if q != want or len(delta) != d:
            raise Invalid("split direction must be (delta, -delta) on the split neurons")
        Hi = flint.arb_mat([[H[i * d + r, i * d + s] - (ball(alpha[i]) ** 2 / 2 if r == s else 0)
                             for s in range(d)] for r in range(d)])
        R = rayleigh(Hi, delta) / ball(2 * t * (1 - t))
    else:
        R = rayleigh(H, q)
    if not R < 0:
        raise Invalid("the Rayleigh quotient is not proved negative")
    close(e["upper_bound"], float(R.upper()), 1e-9, "interlacing upper_bound", 1e-12)
    close(e["rayleigh_estimate"], float(R.mid()), 1e-6, "interlacing rayleigh_estimate", 1e-12)
    return f"{msg}; q^T H q / q^T q <= {float(R.upper()):.3e} < 0"


def main_script(cert: dict) -> int:
    """Entry point of an exported proof script: print the result, exit 0 (valid) or 1."""
    ok, verdict, reason = verify_certificate(cert)
    print(("VALID" if ok else "INVALID") + f" ({verdict}): {reason}")
    return 0 if ok else 1
