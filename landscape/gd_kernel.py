"""The batched population loss and gradient as one compiled loop per run (numba).

The simplest call (two students at k = d = 3, teacher ``I_3``):

>>> import numpy as np
>>> from landscape.gd_kernel import loss_and_gradient
>>> L, G = loss_and_gradient(np.stack([np.eye(3), 2 * np.eye(3)]))
>>> L.round(12).tolist() == [0.0, round(3 / 4 + 3 / (2 * np.pi), 12)]   # L(2I) = ½ Σ_ij K(e_i, e_j)
True

What it computes.  For ``W`` of shape ``(B, k, d)`` (rows are neurons), teacher
``V`` (``n × d``, default ``I_d``) and second layers ``α, β`` (default ones),
the closed form of SPEC.md, with the ½:

    L(W) = ½ Σ_ij α_iα_j K(w_i, w_j) − Σ_ij α_iβ_j K(w_i, v_j) + ½ Σ_ij β_iβ_j K(v_i, v_j)
    ∇_{w_i} L = α_i [ (Σ_j α_j P(w_i,w_j) − Σ_j β_j P(w_i,v_j)) ŵ_i + Σ_j α_j Q_ij w_j − Σ_j β_j Q'_ij v_j ]

with ``∂_w K(w, v) = P ŵ + Q v``, ``P = ‖v‖ sin θ / (2π)``, ``Q = (π − θ)/(2π)``
(Cho & Saul 2009; Safran & Shamir, ICML 2018, §4).  ``K``, ``P`` and ``Q`` are
the single formulas :func:`landscape.kernel.kernel_value` and
:func:`landscape.kernel.grad_coefficients_value`, compiled by numba with a
float context (no copy of the formulas).  The teacher–teacher constant is
computed once by the caller (:class:`landscape.dynamics.PopulationObjective`).

Angles are those of the numpy reference (:func:`landscape.dynamics._angles`):
``θ = arccos(ŵ_i·ŵ_j)`` where ``|cos θ| <= NEAR_PARALLEL`` (0.9), Kahan's
``θ = 2 atan2(|u − v|, |u + v|)`` (then ``sin θ``, ``cos θ`` of that ``θ``)
for nearly (anti)parallel pairs, ``θ = 0`` exactly for a row with itself.
With the teacher ``I_d`` the cosine of ``w_i`` with ``e_j`` is the entry
``ŵ_i[j]`` itself (no product), and ``v_j = e_j`` is added by indexing.

How it runs.  One loop per run: norms and unit rows, the Gram matrix of
unit rows and the student–teacher cosines, the angles (one vectorised
arccos/sqrt pass, then Kahan's formula where needed), then the gradient and,
only when asked, the loss.  Per-run matrices keep the student index last,
padded to a multiple of 8, so the inner loops are whole vectors.  No threads
inside a call, no ``fastmath``: every sum is taken in a fixed sequential
order, so a run's floating-point operations do not depend on the batch, the
other runs, the process or the machine's thread count, and the same seed
gives the same endpoints with any chunking, worker pool or Dask cluster.
:func:`fused_population` releases the GIL (``nogil=True``) and keeps all its
scratch per call, so several threads may call it at once on different runs
(:func:`landscape.dynamics.descend` with ``threads > 1``): each run is
still computed by the same sequence of operations.
It differs from the numpy reference only in the order of the sums and in
the arccos implementation (last-bit round-off; ``tests/landscape/test_gd_kernel.py`` bounds it by ``1e-13``
relative).  Compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import collections
import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, models, register_model

from .kernel import grad_coefficients_value, kernel_value

__all__ = ["loss_and_gradient", "fused_population", "NEAR_PARALLEL"]

#: Pairs with ``|cos θ|`` above this get Kahan's angle (as in the numpy reference).
NEAR_PARALLEL = 0.9

# a float number context numba can compile (the formulas only read ``ctx.pi``)
_FloatCtx = collections.namedtuple("_FloatCtx", "pi")
_CTX = _FloatCtx(math.pi)

_K = numba.njit(cache=True, error_model="numpy")(kernel_value)
_PQ = numba.njit(cache=True, error_model="numpy")(grad_coefficients_value)


# Explicit 8-wide vectors for the two k²·d products (Gram matrix, Σ_j Q_ij w_j).
# numba has no vector type and LLVM's loop vectoriser leaves a 4 × 8 tile of
# running sums in memory (or scalar), so the tiles below are written with a
# numba type whose LLVM value is ``<8 x double>``: a load, a store, and
# ``acc + u·x`` as a rounded product then a rounded sum (``fmul``, ``fadd``:
# no fused multiply-add, so every entry is the same sequence of IEEE
# operations as the scalar loop ``c += u * x``).  On AVX-512 one instruction
# each; elsewhere LLVM splits them.  A tile's four multipliers come from one
# vector load, each broadcast by a shuffle (:func:`_lane_muladd`): four scalar
# loads per step had LLVM spill index registers (measured: the tiles 2x slower).
_V8 = ir.VectorType(ir.DoubleType(), 8)


class _Vec8Type(types.Type):
    def __init__(self):
        super().__init__(name="Vec8")


_vec8 = _Vec8Type()


@register_model(_Vec8Type)
class _Vec8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _V8)


def _vec_ptr(context, builder, aryty, ary, idx):
    data = context.make_array(aryty)(context, builder, ary).data
    return builder.bitcast(builder.gep(data, [idx]), _V8.as_pointer())


@intrinsic
def _vzero(typingctx):
    """``(0.0,) * 8``."""
    def codegen(context, builder, sig, args):
        return ir.Constant(_V8, [0.0] * 8)
    return _vec8(), codegen


@intrinsic
def _vload(typingctx, arr, idx):
    """The 8 doubles at flat offset ``idx`` of a C-contiguous float64 array (no bounds check)."""
    def codegen(context, builder, sig, args):
        return builder.load(_vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
    return _vec8(arr, idx), codegen


@intrinsic
def _vstore(typingctx, arr, idx, v):
    """Store 8 doubles at flat offset ``idx`` of a C-contiguous float64 array."""
    def codegen(context, builder, sig, args):
        builder.store(args[2], _vec_ptr(context, builder, sig.args[0], args[0], args[1]), align=8)
        return context.get_dummy_value()
    return types.none(arr, idx, v), codegen


@intrinsic
def _vmuladd(typingctx, acc, u, x):
    """``acc + u * x`` lane by lane: the product rounded, then the sum (never fused)."""
    def codegen(context, builder, sig, args):
        acc, u, x = args
        lanes = builder.insert_element(ir.Constant(_V8, ir.Undefined), u, ir.Constant(ir.IntType(32), 0))
        lanes = builder.shuffle_vector(lanes, ir.Constant(_V8, ir.Undefined),
                                       ir.Constant(ir.VectorType(ir.IntType(32), 8), [0] * 8))
        return builder.fadd(acc, builder.fmul(lanes, x))
    return _vec8(acc, types.float64, x), codegen


def _lane_muladd(lane):
    """An intrinsic ``(acc, u, x) -> acc + u[lane] * x``: lane ``lane`` of the
    vector ``u`` times ``x``, rounded, then added (never fused)."""
    @intrinsic
    def muladd(typingctx, acc, u, x):
        def codegen(context, builder, sig, args):
            acc, u, x = args
            splat = builder.shuffle_vector(u, ir.Constant(_V8, ir.Undefined),
                                           ir.Constant(ir.VectorType(ir.IntType(32), 8), [lane] * 8))
            return builder.fadd(acc, builder.fmul(splat, x))
        return _vec8(acc, u, x), codegen
    return muladd


_vmuladd_l0, _vmuladd_l1, _vmuladd_l2, _vmuladd_l3 = (_lane_muladd(q) for q in range(4))


@intrinsic
def _vmulsub(typingctx, acc, u, x):
    """``acc − u * x`` lane by lane (``u`` a float): the product rounded, then the difference."""
    def codegen(context, builder, sig, args):
        acc, u, x = args
        lanes = builder.insert_element(ir.Constant(_V8, ir.Undefined), u, ir.Constant(ir.IntType(32), 0))
        lanes = builder.shuffle_vector(lanes, ir.Constant(_V8, ir.Undefined),
                                       ir.Constant(ir.VectorType(ir.IntType(32), 8), [0] * 8))
        return builder.fsub(acc, builder.fmul(lanes, x))
    return _vec8(acc, types.float64, x), codegen


@intrinsic
def _vsqadd(typingctx, acc, x):
    """``acc + x * x`` lane by lane (the square rounded, then added)."""
    def codegen(context, builder, sig, args):
        return builder.fadd(args[0], builder.fmul(args[1], args[1]))
    return _vec8(acc, x), codegen


@intrinsic
def _vdiv(typingctx, x, y):
    """``x / y`` lane by lane."""
    def codegen(context, builder, sig, args):
        return builder.fdiv(args[0], args[1])
    return _vec8(x, y), codegen


@intrinsic
def _vscale(typingctx, al, g, r, u):
    """``al * (g + r * u)`` lane by lane, each operation rounded in this order."""
    def codegen(context, builder, sig, args):
        al, g, r, u = args
        return builder.fmul(al, builder.fadd(g, builder.fmul(r, u)))
    return _vec8(al, g, r, u), codegen


@intrinsic
def _vadd(typingctx, x, y):
    """``x + y`` lane by lane."""
    def codegen(context, builder, sig, args):
        return builder.fadd(args[0], args[1])
    return _vec8(x, y), codegen


@intrinsic
def _vlane(typingctx, v, q):
    """Lane ``q`` of ``v`` (a float)."""
    def codegen(context, builder, sig, args):
        return builder.extract_element(args[0], args[1])
    return types.float64(v, q), codegen


@intrinsic
def _vmaxabs(typingctx, m, x):
    """Lane by lane ``|x|`` if ``|x| > m`` or ``x`` is NaN, else ``m``: the
    running max-abs of :func:`_max_abs` (NaN, once met, stays)."""
    def codegen(context, builder, sig, args):
        m, x = args
        fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_V8, [_V8]), "llvm.fabs.v8f64")
        ax = builder.call(fabs, [x])
        take = builder.or_(builder.fcmp_ordered(">", ax, m), builder.fcmp_unordered("uno", ax, ax))
        return builder.select(take, ax, m)
    return _vec8(m, x), codegen


@numba.njit(cache=True, error_model="numpy")
def _gram_tile(Ut, d, kp, j0, i0, C):
    """``C[j0 + r, i0 : i0 + 8] = Σ_p Ut[p, j0 + r] Ut[p, i0 : i0 + 8]`` for
    ``r < 4`` (``Ut`` is ``(d, kp)``, ``C`` has ``kp`` columns): four vector
    running sums in registers, each entry summed over ``p`` in order."""
    c0 = _vzero()
    c1 = _vzero()
    c2 = _vzero()
    c3 = _vzero()
    for p in range(d):
        x = _vload(Ut, p * kp + i0)
        u = _vload(Ut, p * kp + j0)  # lanes 0-3 used; may read 4 past the row (the caller leaves room)
        c0 = _vmuladd_l0(c0, u, x)
        c1 = _vmuladd_l1(c1, u, x)
        c2 = _vmuladd_l2(c2, u, x)
        c3 = _vmuladd_l3(c3, u, x)
    _vstore(C, j0 * kp + i0, c0)
    _vstore(C, (j0 + 1) * kp + i0, c1)
    _vstore(C, (j0 + 2) * kp + i0, c2)
    _vstore(C, (j0 + 3) * kp + i0, c3)


@numba.njit(cache=True, error_model="numpy")
def _qw_tile(AW, dp, Q, k, kp, p0, i0, Gt):
    """``Gt[p0 + r, i0 : i0 + 8] = Σ_j AW[j, p0 + r] Q[j, i0 : i0 + 8]`` for
    ``r < 4``, ``j < k`` (``AW`` has ``dp`` columns, ``Q`` and ``Gt`` ``kp``),
    each entry summed over ``j`` in order."""
    g0 = _vzero()
    g1 = _vzero()
    g2 = _vzero()
    g3 = _vzero()
    for j in range(k):
        x = _vload(Q, j * kp + i0)
        w = _vload(AW, j * dp + p0)  # lanes 0-3 used; may read 4 past the row (the caller leaves room)
        g0 = _vmuladd_l0(g0, w, x)
        g1 = _vmuladd_l1(g1, w, x)
        g2 = _vmuladd_l2(g2, w, x)
        g3 = _vmuladd_l3(g3, w, x)
    _vstore(Gt, p0 * kp + i0, g0)
    _vstore(Gt, (p0 + 1) * kp + i0, g1)
    _vstore(Gt, (p0 + 2) * kp + i0, g2)
    _vstore(Gt, (p0 + 3) * kp + i0, g3)


# arccos by Sun's fdlibm algorithm (e_asin.c / e_acos.c, freely distributable):
# asin(t) = t + t R(t²) for 0 <= t <= 1/2 with R a rational minimax fit, and
# acos(x) = π/2 ∓ asin(|x|) (|x| <= 1/2), 2 asin(sqrt((1 − |x|)/2)) or π minus it
# (|x| > 1/2).  Written without branches so that LLVM vectorises it (libm's acos
# is a scalar call, 6-14 ns; this is ~1.5 ns on AVX-512); within 1 ulp of
# numpy.arccos on [−1, 1] (tests/landscape/test_gd_kernel.py, against mpmath).
_PS = (1.66666666666666657415e-01, -3.25565818622400915405e-01, 2.01212532134862925881e-01,
       -4.00555345006794114027e-02, 7.91534994289814532176e-04, 3.47933107596021167570e-05)
_QS = (-2.40339491173441421878e+00, 2.02094576023350569471e+00, -6.88283971605453293030e-01,
       7.70381505559019352791e-02)
PS0, PS1, PS2, PS3, PS4, PS5 = _PS
QS1, QS2, QS3, QS4 = _QS
_PI = math.pi
_PIO2 = math.pi / 2


@numba.njit(cache=True, error_model="numpy")
def acos(x):
    """``arccos x`` for ``|x| <= 1`` (NaN beyond), branch-free fdlibm algorithm (see above)."""
    ax = abs(x)
    big = 1.0 if ax > 0.5 else 0.0
    neg = 1.0 if x < 0.0 else 0.0
    # the products by big, 1 − big in {0, 1} are exact selections
    z = big * ((1.0 - ax) * 0.5) + (1.0 - big) * (ax * ax)
    t = big * math.sqrt(z) + (1.0 - big) * ax
    p = z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5)))))
    q = 1.0 + z * (QS1 + z * (QS2 + z * (QS3 + z * QS4)))
    r = t + t * (p / q)  # asin(t)
    return big * (_PI * neg + (1.0 - 2.0 * neg) * (2.0 * r)) + (1.0 - big) * (_PIO2 + (2.0 * neg - 1.0) * r)


@numba.njit(cache=True, error_model="numpy")
def _kahan_col(Ut, i, B, j):
    """``θ`` between unit vectors ``Ut[:, i]`` and ``B[j]``: ``2 atan2(|u − v|, |u + v|)`` (Kahan)."""
    dm = 0.0
    dp = 0.0
    for p in range(Ut.shape[0]):
        x = Ut[p, i] - B[j, p]
        y = Ut[p, i] + B[j, p]
        dm += x * x
        dp += y * y
    return 2.0 * math.atan2(math.sqrt(dm), math.sqrt(dp))


@numba.njit(cache=True, error_model="numpy")
def _angles(C, T, S, A, B, k, self_pairs):
    """``T = θ``, ``S = sin θ`` (and ``C = cos θ``) from the cosines ``C[j, i]``
    (``i < k``; the first ``T.shape[0]`` rows) of the unit columns ``A[:, i]``
    and rows ``B[j]``: arccos/sqrt everywhere (one vectorised pass over the
    flattened matrix, padding included), then Kahan's angle where
    ``|cos θ| > NEAR_PARALLEL`` (also where rounding put ``|cos θ|`` above 1;
    a row is scanned only if a vectorised count finds such an entry) and
    ``θ = 0`` on the diagonal of a self-pair matrix."""
    m, kp = T.shape
    Cf = C.reshape(C.shape[0] * kp)
    Tf = T.reshape(m * kp)
    Sf = S.reshape(m * kp)
    for x in range(m * kp):
        c = Cf[x]
        Tf[x] = acos(c)
        Sf[x] = math.sqrt(1.0 - c * c)
    for j in range(m):
        near = 0
        for i in range(kp):
            near += 1 if abs(C[j, i]) > NEAR_PARALLEL else 0
        if near == 0:
            continue
        for i in range(k):
            if abs(C[j, i]) > NEAR_PARALLEL and not (self_pairs and i == j):
                t = _kahan_col(A, i, B, j)
                T[j, i] = t
                S[j, i] = math.sin(t)
                C[j, i] = math.cos(t)
    if self_pairs:
        for i in range(k):
            T[i, i] = 0.0
            S[i, i] = 0.0
            C[i, i] = 1.0


@numba.njit(cache=True, error_model="numpy")
def _block_sum(x, lo, n):
    """``Σ x[lo:lo+n]`` for ``n <= 128`` in numpy's order: sequential below 8
    terms, else eight running sums combined pairwise, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += x[i]
        return res
    r = _vload(x, lo)  # the eight running sums r_q += x[lo + i + q], as one vector
    i = 8
    m = n - n % 8
    while i < m:
        r = _vadd(r, _vload(x, lo + i))
        i += 8
    r0 = _vlane(r, 0)
    r1 = _vlane(r, 1)
    r2 = _vlane(r, 2)
    r3 = _vlane(r, 3)
    r4 = _vlane(r, 4)
    r5 = _vlane(r, 5)
    r6 = _vlane(r, 6)
    r7 = _vlane(r, 7)
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += x[lo + i]
        i += 1
    return res


@numba.njit(cache=True, error_model="numpy")
def _pairwise_sum(x, n):
    """``Σ x[:n]`` in numpy's pairwise order (``numpy/_core/src/umath/
    loops_utils.h.src``: blocks of at most 128 by :func:`_block_sum`, larger
    ranges split in two at a multiple of 8 below the middle, the two halves
    added), so that a norm computed here is bit for bit the one
    ``np.sqrt((g * g).sum(axis=1))`` gives (tested).  The recursion is run on
    an explicit stack (numba's on-disk cache does not support recursion)."""
    return _pairwise_sum_ws(x, n, np.empty((3, 64), dtype=np.int64), np.empty(64))


@numba.njit(cache=True, error_model="numpy")
def _pairwise_sum_ws(x, n, frames, left):
    """:func:`_pairwise_sum` with its stack given: ``frames`` ``(3, 64)``
    int64, ``left`` ``(64,)`` float64 (allocated once per batch by the kernel)."""
    if n <= 128:
        return _block_sum(x, 0, n)
    # frames: range (lo, n), state 0 = left half pending, 1 = right half pending
    los = frames[0]
    ns = frames[1]
    state = frames[2]
    sp = 0
    los[0] = 0
    ns[0] = n
    state[0] = 0
    while True:
        top_n = ns[sp]
        if top_n > 128 and state[sp] == 0:  # descend into the left half
            n2 = top_n // 2
            n2 -= n2 % 8
            los[sp + 1] = los[sp]
            ns[sp + 1] = n2
            state[sp + 1] = 0
            sp += 1
            continue
        val = _block_sum(x, los[sp], top_n)
        # hand the value up until a frame still needs its right half
        while True:
            if sp == 0:
                return val
            sp -= 1
            if state[sp] == 0:
                left[sp] = val
                state[sp] = 1
                n2 = ns[sp] // 2
                n2 -= n2 % 8
                los[sp + 1] = los[sp] + n2
                ns[sp + 1] = ns[sp] - n2
                state[sp + 1] = 0
                sp += 1
                break
            val = left[sp] + val


@numba.njit(cache=True, error_model="numpy")
def _max_abs(x, n):
    """``max |x[:n]|`` of a C-contiguous array as ``np.abs(x).max()`` gives it
    (NaN if any entry is NaN): eight running maxima, then combined (the max
    does not depend on the order)."""
    m = 0.0
    i = 0
    if n >= 8:
        mv = _vmaxabs(_vzero(), _vload(x, 0))
        i = 8
        while i + 8 <= n:
            mv = _vmaxabs(mv, _vload(x, i))
            i += 8
        for q in range(8):
            v = _vlane(mv, q)
            if v > m or v != v:
                m = v
    while i < n:
        v = abs(x[i])
        if v > m or v != v:
            m = v
        i += 1
    return m


@numba.njit(cache=True, error_model="numpy")
def _norms_ws(Gb, sq, frames, left):
    """``(max |g|, ‖g‖_F)`` of one run's gradient ``Gb`` (C-contiguous ``(k, d)``),
    as ``landscape.descent`` computes them from the array (``np.abs(g).max()``,
    numpy's pairwise sum of squares); ``sq`` is scratch of ``k·d`` entries,
    ``frames``, ``left`` the stack of :func:`_pairwise_sum_ws`."""
    n = Gb.shape[0] * Gb.shape[1]
    g = Gb.reshape(n)
    for x in range(n):
        sq[x] = g[x] * g[x]
    return _max_abs(g, n), math.sqrt(0.0 + _pairwise_sum_ws(sq, n, frames, left))


@numba.njit(cache=True, error_model="numpy")
def _norms(Gb, sq):
    """:func:`_norms_ws` with its own stack."""
    return _norms_ws(Gb, sq, np.empty((3, 64), dtype=np.int64), np.empty(64))


@numba.njit(cache=True, error_model="numpy")
def _carve(block, offset, rows, cols):
    """``(rows × cols)`` C-contiguous view of ``block`` at ``offset``, and the
    offset of the next view (one 64-byte cache line further on)."""
    end = offset + rows * cols
    return block[offset:end].reshape((rows, cols)), end + 8


@numba.njit(cache=True, error_model="numpy", nogil=True)
def fused_population(ctx, W, V, VU, vnorm, alpha, beta, identity, need_loss, L, G, need_norms, gmax, gfro):
    """Loss (into ``L[b]``) and gradient (into ``G[b]``) of every run ``b`` of
    ``W``; with ``need_norms`` also the gradient's max-abs entry and Frobenius
    norm (into ``gmax[b]``, ``gfro[b]``; :func:`_norms`).

    ``V`` (n, d), its unit rows ``VU`` and norms ``vnorm``; ``identity`` means
    ``V = I_d`` (then the cosines are the entries of the unit rows and
    ``v_j = e_j`` is added by indexing).  ``L`` excludes the teacher–teacher
    constant.  Releases the GIL; every array it writes is either an argument
    or allocated by the call, so concurrent calls on different outputs are
    safe.  Returns ``-1``, or ``b * k + i`` for the first run ``b`` whose
    row ``i`` has a norm that is not ``> 0`` (zero or NaN): ``L``, ``G`` are
    then incomplete and the caller raises.

    Layout: every per-run matrix is stored with the student index ``i`` last
    (``Ut = Ŵᵀ``, cosines ``C[j, i]``, gradient ``Gt = ∇Lᵀ``), padded to
    ``kp``, a multiple of 8 columns (zeros; never read back), so that the inner
    loops run over ``i`` in whole 8-wide vectors, while each sum over ``j`` or
    ``p`` is taken in a fixed sequential order.  The two ``k²·d`` products
    (Gram matrix, ``Σ_j α_j Q_ij w_j``) are computed in 4 × 8 register tiles
    (:func:`_gram_tile`, :func:`_qw_tile`).  ``C`` is symmetric bit for bit
    (same products, same order), hence so are ``θ`` and ``sin θ``.  Arrays are filled by explicit
    loops, not slice assignments: numba's broadcasting machinery for those
    doubled the compile time.
    """
    B, k, d = W.shape
    n = V.shape[0]
    kp = (k + 7) // 8 * 8
    dp = (d + 3) // 4 * 4
    # the per-run scratch, carved out of one zeroed block (one allocation per
    # call), one cache line apart
    block = np.zeros(kp * (2 * d + 2 * dp + kp + 3 * k + 4 * n + 4) + 16 * 8)
    Wt, o = _carve(block, 0, d, kp)
    AW, o = _carve(block, o, kp, dp)  # α_j w_j, rows are students; columns d..dp−1 stay 0
    Ut, o = _carve(block, o, d, kp)
    C, o = _carve(block, o, kp, kp)  # Gram tiles reach row 4⌈k/4⌉ − 1; the angles read rows < k
    T, o = _carve(block, o, k, kp)
    S, o = _carve(block, o, k, kp)
    Q, o = _carve(block, o, k, kp)
    CV, o = _carve(block, o, n, kp)
    TV, o = _carve(block, o, n, kp)
    SV, o = _carve(block, o, n, kp)
    QV, o = _carve(block, o, n, kp)
    Gt, o = _carve(block, o, dp, kp)
    norm2, o = _carve(block, o, 1, kp)
    a, o = _carve(block, o, 1, kp)
    alpha_p, o = _carve(block, o, 1, kp)
    radial, o = _carve(block, o, 1, kp)
    norm2 = norm2[0]
    a = a[0]
    alpha_p = alpha_p[0]
    radial = radial[0]
    for i in range(kp):
        a[i] = 1.0
    for i in range(k):
        alpha_p[i] = alpha[i]
    sq = np.empty(k * d)
    frames = np.empty((3, 64), dtype=np.int64)
    left = np.empty(64)
    # "# phase:" comments mark the phases that benchmarks/bench_gd.py times separately
    for b in range(B):
        # phase: norms and unit rows
        Wb = W[b]
        for i in range(k):
            ai = alpha[i]
            for p in range(d):
                w = Wb[i, p]
                Wt[p, i] = w
                AW[i, p] = ai * w
        for i0 in range(0, kp, 8):  # norm2[i] = Σ_p W[i, p]², in order
            s2 = _vzero()
            for p in range(d):
                s2 = _vsqadd(s2, _vload(Wt, p * kp + i0))
            _vstore(norm2, i0, s2)
        for i in range(k):
            a[i] = math.sqrt(norm2[i])
            if not a[i] > 0.0:
                return b * k + i
        for i0 in range(0, kp, 8):
            ai = _vload(a, i0)
            for p in range(d):
                _vstore(Ut, p * kp + i0, _vdiv(_vload(Wt, p * kp + i0), ai))
        # phase: Gram matrix of the unit rows (k²·d, 4 × 8 tiles)
        for j0 in range(0, k, 4):
            for i0 in range(0, kp, 8):
                _gram_tile(Ut, d, kp, j0, i0, C)
        for j in range(k):
            C[j, j] = 0.0  # the diagonal (θ = 0) is set by _angles; 0 keeps it out of the near-parallel scan
        # phase: teacher cosines (Ŵᵀ itself when V = I_d)
        if identity:
            for j in range(n):
                for i in range(kp):
                    CV[j, i] = Ut[j, i]
        else:
            for j in range(n):
                for i in range(kp):
                    CV[j, i] = 0.0
                for p in range(d):
                    v = VU[j, p]
                    for i in range(kp):
                        CV[j, i] += v * Ut[p, i]
        # phase: student angles (arccos, sqrt: k·kp entries)
        _angles(C, T, S, Ut, Ut.T, k, True)
        # phase: teacher angles (arccos, sqrt: n·kp entries)
        _angles(CV, TV, SV, Ut, VU, k, False)
        # ∇_{w_i} L = α_i [ (Σ_j α_j P_ij − Σ_j β_j P'_ij) ŵ_i + Σ_j α_j Q_ij w_j − Σ_j β_j Q'_ij v_j ]
        # phase: P, Q and the radial sums (two divisions per entry)
        for i in range(kp):
            radial[i] = 0.0
        for j in range(k):
            aj = alpha[j]
            for i in range(kp):
                P, Q[j, i] = _PQ(ctx, a[j], T[j, i], S[j, i])  # θ, sin θ symmetric: P is P_ij
                radial[i] += aj * P
        for j in range(n):
            bj = beta[j]
            for i in range(kp):
                P, QV[j, i] = _PQ(ctx, vnorm[j], TV[j, i], SV[j, i])
                radial[i] -= bj * P
        # phase: Σ_j α_j Q_ij w_j (k²·d, 4 × 8 tiles)
        for p0 in range(0, d, 4):  # Gt[p, i] = Σ_j α_j W[j, p] Q[j, i]
            for i0 in range(0, kp, 8):
                _qw_tile(AW, dp, Q, k, kp, p0, i0, Gt)
        # phase: teacher term, radial term, the gradient written
        if identity:
            for j in range(n):
                bj = beta[j]
                for i0 in range(0, kp, 8):
                    _vstore(Gt, j * kp + i0, _vmulsub(_vload(Gt, j * kp + i0), bj, _vload(QV, j * kp + i0)))
        else:
            for j in range(n):
                for p in range(d):
                    v = beta[j] * V[j, p]
                    for i in range(kp):
                        Gt[p, i] -= v * QV[j, i]
        for i0 in range(0, kp, 8):
            al = _vload(alpha_p, i0)
            r = _vload(radial, i0)
            for p in range(d):
                x = p * kp + i0
                _vstore(Gt, x, _vscale(al, _vload(Gt, x), r, _vload(Ut, x)))
        Gb = G[b]
        for i in range(k):
            for p in range(d):
                Gb[i, p] = Gt[p, i]
        # phase: max-abs entry and Frobenius norm of the gradient
        if need_norms:
            gmax[b], gfro[b] = _norms_ws(Gb, sq, frames, left)
        if need_loss:
            loss = 0.0
            for j in range(k):
                for i in range(k):
                    loss += 0.5 * alpha[i] * alpha[j] * _K(ctx, a[i], a[j], T[j, i], S[j, i], C[j, i])
            for j in range(n):
                for i in range(k):
                    loss -= alpha[i] * beta[j] * _K(ctx, a[i], vnorm[j], TV[j, i], SV[j, i], CV[j, i])
            L[b] = loss
    return -1


def loss_and_gradient(W, V=None, alpha=None, beta=None, need_loss: bool = True):
    """``(L, ∇L)`` of a batch ``W`` of shape ``(B, k, d)`` by the compiled loop.

    A convenience for tests and one-off calls; experiments go through
    :func:`landscape.dynamics.population_objective` (``engine="numba"``, the
    default), which caches the teacher's data and raises the named errors.
    """
    from .dynamics import population_objective

    return population_objective(V, alpha, beta, engine="numba")(W, need_loss=need_loss)
