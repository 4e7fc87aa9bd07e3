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
    rho = max(sum((E[i, j].abs_upper() for j in range(n)), flint.arb(0)) for i in range(n))
    return ball(sigma) - rho, float(np.linalg.eigvalsh(Hm)[0])


def rayleigh(H, q):
    n = len(q)
    nz = [i for i in range(n) if q[i] != 0]
    qa = {i: ball(q[i]) for i in nz}
    num = flint.arb(0)
    for i in nz:
        num += qa[i] * sum((H[i, j] * qa[j] for j in nz), flint.arb(0))
    return num / ball(sum(q[i] * q[i] for i in nz))


def verify_certificate(cert: dict) -> tuple[bool, str | None, str]:
    """Check a certificate (parsed JSON).  Returns ``(valid, verdict, reason)``; never raises."""
    try:
        return True, cert["verdict"], _verify(cert)
    except Invalid as exc:
        return False, cert.get("verdict") if isinstance(cert, dict) else None, str(exc)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError) as exc:
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
