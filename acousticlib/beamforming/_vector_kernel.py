"""The fast beamformer's inner kernel, written in LLVM IR with the focus points in
vector lanes.

Private to :mod:`acousticlib.beamforming` (chapter 04 teaches what it computes). One
*task* is one block of ``lanes`` focus points (8 or 16, :func:`host_lanes`) times one
block of bins (``k0 <= k < k1``)::

    # copied to the stack: 8 or 16 KB for 128 microphones
    a[m, :] = anchor steering of bin k0 for the task's points
    for k in k0 .. k1 - 1:
        # then the remaining frames one at a time
        for each block of FRAME_BLOCK frames t:
            # complex, one point per lane, in blocks of MIC_BLOCK microphones
            s[t, :] = sum_m a[m, :] X[k, m, t]
            out[t, q0 + lane, k] = scale |s[t, lane]|^2    # masked scatter
        a[m, :] *= step[m, :]                      # advance every phase by one bin

Why not numba alone: numba vectorizes the dot product over the *microphones*, so each
output ends with a horizontal sum across the vector lanes, and it cannot keep a vector
of points per accumulator in registers (both an accumulator array and unrolled scalars
were slower: ``benchmarks/results/docstring_timings.md``). Here each
accumulator is one vector register holding ``lanes`` points, the microphone loop has no
horizontal sums, and each frame's spectrum value is broadcast to all lanes: 4 fused
multiply-adds per complex product, 4 frames x 2 (re, im) = 8 partial sums over a block
of :data:`MIC_BLOCK` microphones, added into 8 totals (16 vector registers of the 32 of
AVX-512).

Every lane computes the same scalar operations in the same order (``llvm.fma`` for every
multiply-add, no fast-math flags: nothing is reassociated), so the result is **the same,
bit for bit, whatever the vector width, the frame block, the thread count or the host's
instruction set**: 16 lanes on hosts with AVX-512, 8 elsewhere, compiled with the same
arithmetic. (Without hardware FMA, LLVM calls ``fmaf``: the same numbers, much slower.)
Threads come from numba: a ``prange`` over tasks calls the compiled function.
"""

from __future__ import annotations

import ctypes
import functools
import time
from typing import Any

#: Frames per accumulator block (4 frames x 2 parts = 8 vector accumulators); remaining
#: frames run one at a time with the same arithmetic.
FRAME_BLOCK = 4
#: Microphones per partial sum: each output sums blocks of this many microphones, then
#: adds the block sums (blocked summation: float32 rounding error grows with 16 + M / 16
#: terms instead of M, 5x less for 128 microphones; a plain running sum over 128
#: microphones missed the 1e-4 tolerance on dim pixels next to bright ones).
MIC_BLOCK = 16
#: Seconds spent compiling the kernel and its numba driver in this process (0 until the
#: first call); reported by the benchmark.
COMPILE_S = 0.0

_ARGS = ("xr", "xi", "ar", "ai", "sr", "si", "out")
_INTS = ("M", "T", "P", "K", "k0", "k1", "q0", "nvalid")


def host_lanes(features: str | None = None) -> int:
    """Vector lanes (float32 points per task) for this host: 16 with AVX-512, else 8."""
    if features is None:
        import llvmlite.binding as ll

        features = ll.get_host_cpu_features().flatten()
    return 16 if "+avx512f" in features.split(",") else 8


def kernel_ir(
    lanes: int, frame_block: int = FRAME_BLOCK, mic_block: int = MIC_BLOCK
) -> str:
    """LLVM IR (text) of ``bf_task``: one task as in the module docstring.

    Arguments (all ``i64`` but the last): addresses of ``xr, xi`` ``(K, M, T)`` float32
    spectra, ``ar, ai`` the task's anchor steering ``(M, lanes)``, ``sr, si`` its
    one-bin step ``(M, lanes)``, ``out`` ``(T, P, K)`` float32; then ``M, T, P, K``, the
    bins ``k0, k1``, the task's first point ``q0``, its number of real points ``nvalid``
    (the rest are padding, not written) and ``float scale``.
    """
    if lanes < 1 or frame_block < 1 or mic_block < 1:
        raise ValueError(
            f"lanes, frame_block and mic_block must be >= 1; got {lanes}, "
            f"{frame_block}, {mic_block}"
        )
    V = lanes
    vt = f"<{V} x float>"
    vi = f"<{V} x i64>"
    zeros = f"<{V} x i32> zeroinitializer"
    fma = f"call {vt} @llvm.fma.v{V}f32"
    L: list[str] = []
    a = L.append

    def splat(name: str, scalar: str, etype: str, vtype: str) -> None:
        a(f"  %{name}.0 = insertelement {vtype} poison, {etype} {scalar}, i64 0")
        a(f"  %{name} = shufflevector {vtype} %{name}.0, {vtype} poison, {zeros}")

    a(f"declare {vt} @llvm.fma.v{V}f32({vt}, {vt}, {vt})")
    a(
        f"declare void @llvm.masked.scatter.v{V}f32.v{V}p0({vt}, <{V} x ptr>, <{V} x "
        f"i1>)"
    )
    a("declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)")
    args = ", ".join(
        [f"i64 %{n}.a" for n in _ARGS] + [f"i64 %{n}" for n in _INTS] + ["float %scale"]
    )
    a(f"define void @bf_task({args}) nounwind {{")
    a("entry:")
    for n in _ARGS:
        a(f"  %{n} = inttoptr i64 %{n}.a to ptr")
    a(f"  %n = mul i64 %M, {V}")
    a("  %lar = alloca float, i64 %n, align 64")
    a("  %lai = alloca float, i64 %n, align 64")
    a("  %nbytes = mul i64 %n, 4")
    a(
        "  call void @llvm.memcpy.p0.p0.i64(ptr align 4 %lar, ptr align 4 %ar, i64 "
        "%nbytes, i1 false)"
    )
    a(
        "  call void @llvm.memcpy.p0.p0.i64(ptr align 4 %lai, ptr align 4 %ai, i64 "
        "%nbytes, i1 false)"
    )
    splat("scv", "%scale", "float", vt)
    splat("nvv", "%nvalid", "i64", vi)
    splat("Kv", "%K", "i64", vi)
    a(
        f"  %lane = add {vi} <{', '.join(f'i64 {i}' for i in range(V))}>, "
        f"zeroinitializer"
    )
    a(f"  %lmask = icmp ult {vi} %lane, %nvv")
    a("  %MT = mul i64 %M, %T")
    a("  %PK = mul i64 %P, %K")
    a("  %qK = mul i64 %q0, %K")
    a(f"  %laneK = mul {vi} %lane, %Kv")
    a("  br label %kloop")

    a("kloop:")
    a("  %k = phi i64 [ %k0, %entry ], [ %knext, %step.done ]")
    a("  %xk = mul i64 %k, %MT")
    a("  %qKk = add i64 %qK, %k")
    splat("qKkv", "%qKk", "i64", vi)
    a(f"  %off = add {vi} %laneK, %qKkv")
    a("  br label %f.head")

    def frames(tag: str, TF: int, init: str, pred: str, after: str) -> None:
        """Blocks of ``TF`` frames from ``init`` while a whole block fits in ``T``."""

        def accumulators(name: str, entry: str, latch: str) -> None:
            """Re and im of ``TF`` frames: zero when entering from ``entry``, updated by
            ``latch``."""
            for j in range(TF):
                for c in "ri":
                    a(
                        f"  %{tag}.{name}{j}{c} = phi {vt} [ zeroinitializer, "
                        f"%{tag}.{entry} ], [ %{tag}.{name}{j}{c}.n, %{tag}.{latch} ]"
                    )

        a(f"{tag}.head:")
        a(f"  %{tag}.t = phi i64 [ {init}, %{pred} ], [ %{tag}.end, %{tag}.exit ]")
        a(f"  %{tag}.end = add i64 %{tag}.t, {TF}")
        a(f"  %{tag}.ok = icmp ule i64 %{tag}.end, %T")
        a(f"  %{tag}.xkt = add i64 %xk, %{tag}.t")
        a(f"  br i1 %{tag}.ok, label %{tag}.mo, label %{after}")
        # blocks of MIC_BLOCK microphones: partial sums, then added to the totals
        a(f"{tag}.mo:")
        a(f"  %{tag}.m0 = phi i64 [ 0, %{tag}.head ], [ %{tag}.m1, %{tag}.mb ]")
        accumulators("S", "head", "mb")  # totals over the microphone blocks
        a(f"  %{tag}.m1.t = add i64 %{tag}.m0, {mic_block}")
        a(f"  %{tag}.m1.c = icmp ult i64 %{tag}.m1.t, %M")
        a(f"  %{tag}.m1 = select i1 %{tag}.m1.c, i64 %{tag}.m1.t, i64 %M")
        a(f"  br label %{tag}.m")
        a(f"{tag}.m:")
        a(f"  %{tag}.mi = phi i64 [ %{tag}.m0, %{tag}.mo ], [ %{tag}.mn, %{tag}.m ]")
        accumulators("s", "mo", "m")  # partial sums over one block
        a(f"  %{tag}.am = mul i64 %{tag}.mi, {V}")
        for c in "ri":
            a(f"  %{tag}.pa{c} = getelementptr float, ptr %la{c}, i64 %{tag}.am")
            a(f"  %{tag}.a{c} = load {vt}, ptr %{tag}.pa{c}, align 4")
        a(f"  %{tag}.ain = fneg {vt} %{tag}.ai")
        a(f"  %{tag}.mT = mul i64 %{tag}.mi, %T")
        a(f"  %{tag}.xo = add i64 %{tag}.xkt, %{tag}.mT")
        for j in range(TF):
            a(f"  %{tag}.xo{j} = add i64 %{tag}.xo, {j}")
            for c in "ri":
                a(
                    f"  %{tag}.px{j}{c} = getelementptr float, ptr %x{c}, i64 "
                    f"%{tag}.xo{j}"
                )
                a(f"  %{tag}.x{j}{c}.s = load float, ptr %{tag}.px{j}{c}, align 4")
                splat(f"{tag}.x{j}{c}", f"%{tag}.x{j}{c}.s", "float", vt)
        # re += ar xr - ai xi ;  im += ar xi + ai xr  (in this order)
        for j in range(TF):
            s, x = f"%{tag}.s{j}", f"%{tag}.x{j}"
            a(f"  {s}r.h = {fma}({vt} %{tag}.ar, {vt} {x}r, {vt} {s}r)")
            a(f"  {s}r.n = {fma}({vt} %{tag}.ain, {vt} {x}i, {vt} {s}r.h)")
            a(f"  {s}i.h = {fma}({vt} %{tag}.ar, {vt} {x}i, {vt} {s}i)")
            a(f"  {s}i.n = {fma}({vt} %{tag}.ai, {vt} {x}r, {vt} {s}i.h)")
        a(f"  %{tag}.mn = add i64 %{tag}.mi, 1")
        a(f"  %{tag}.mdone = icmp eq i64 %{tag}.mn, %{tag}.m1")
        a(f"  br i1 %{tag}.mdone, label %{tag}.mb, label %{tag}.m")
        a(f"{tag}.mb:")
        for j in range(TF):
            for c in "ri":
                a(f"  %{tag}.S{j}{c}.n = fadd {vt} %{tag}.S{j}{c}, %{tag}.s{j}{c}.n")
        a(f"  %{tag}.mbdone = icmp eq i64 %{tag}.m1, %M")
        a(f"  br i1 %{tag}.mbdone, label %{tag}.exit, label %{tag}.mo")
        a(f"{tag}.exit:")
        for j in range(TF):  # power = (re^2 + im^2) scale
            s = f"%{tag}.S{j}"
            a(f"  %{tag}.ii{j} = fmul {vt} {s}i.n, {s}i.n")
            a(f"  %{tag}.pw{j} = {fma}({vt} {s}r.n, {vt} {s}r.n, {vt} %{tag}.ii{j})")
            a(f"  %{tag}.pws{j} = fmul {vt} %{tag}.pw{j}, %scv")
            a(f"  %{tag}.tj{j} = add i64 %{tag}.t, {j}")
            a(f"  %{tag}.tPK{j} = mul i64 %{tag}.tj{j}, %PK")
            a(f"  %{tag}.base{j} = getelementptr float, ptr %out, i64 %{tag}.tPK{j}")
            a(f"  %{tag}.ptr{j} = getelementptr float, ptr %{tag}.base{j}, {vi} %off")
            a(
                f"  call void @llvm.masked.scatter.v{V}f32.v{V}p0({vt} %{tag}.pws{j}, "
                f"<{V} x ptr> align 4 %{tag}.ptr{j}, <{V} x i1> %lmask)"
            )
        a(f"  br label %{tag}.head")

    frames("f", frame_block, "0", "kloop", "g.head")
    frames("g", 1, "%f.t", "f.head", "kafter")

    a("kafter:")
    a("  %knext = add i64 %k, 1")
    a("  %kmore = icmp ult i64 %knext, %k1")
    a("  br i1 %kmore, label %step, label %done")
    a("step:")  # a <- a * step:  re' = fma(ar, sr, -(ai si)),  im' = fma(ar, si, ai sr)
    a("  %ms = phi i64 [ 0, %kafter ], [ %msn, %step ]")
    a(f"  %bo = mul i64 %ms, {V}")
    for nm, src in (("ar", "lar"), ("ai", "lai"), ("sr", "sr"), ("si", "si")):
        a(f"  %q{nm} = getelementptr float, ptr %{src}, i64 %bo")
        a(f"  %v{nm} = load {vt}, ptr %q{nm}, align 4")
    a(f"  %t1 = fmul {vt} %vai, %vsi")
    a(f"  %t1n = fneg {vt} %t1")
    a(f"  %nar = {fma}({vt} %var, {vt} %vsr, {vt} %t1n)")
    a(f"  %t2 = fmul {vt} %vai, %vsr")
    a(f"  %nai = {fma}({vt} %var, {vt} %vsi, {vt} %t2)")
    a(f"  store {vt} %nar, ptr %qar, align 4")
    a(f"  store {vt} %nai, ptr %qai, align 4")
    a("  %msn = add i64 %ms, 1")
    a("  %msdone = icmp eq i64 %msn, %M")
    a("  br i1 %msdone, label %step.done, label %step")
    a("step.done:")
    a("  br label %kloop")
    a("done:")
    a("  ret void")
    a("}")
    return "\n".join(L)


_KEEP: list[Any] = []  # execution engines must outlive the functions they compiled


def compile_task(lanes: int) -> ctypes._CFuncPtr:
    """``bf_task`` compiled for this host with ``lanes`` lanes, as a ctypes function."""
    import llvmlite.binding as ll

    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
    mod = ll.parse_assembly(kernel_ir(lanes))
    mod.verify()
    tm = ll.Target.from_default_triple().create_target_machine(
        cpu=ll.get_host_cpu_name(), features=ll.get_host_cpu_features().flatten(), opt=3
    )
    pb = ll.create_pass_builder(tm, ll.create_pipeline_tuning_options(speed_level=3))
    pb.getModulePassManager().run(mod, pb)
    engine = ll.create_mcjit_compiler(mod, tm)
    engine.finalize_object()
    _KEEP.append((engine, mod, tm))
    proto = ctypes.CFUNCTYPE(
        None, *([ctypes.c_int64] * (len(_ARGS) + len(_INTS))), ctypes.c_float
    )
    return proto(engine.get_function_address("bf_task"))


def make_driver(task: ctypes._CFuncPtr):
    """A numba ``prange`` over all tasks calling ``task``: ``drive(Xr, Xi, Ar, Ai, Sr,
    Si, out, kb, scale)`` with ``Xr, Xi`` ``(K, M, T)``, ``Ar, Ai`` ``(NA, NB, M,
    lanes)`` anchors of bins ``0, kb, 2 kb, ...``, ``Sr, Si`` ``(NB, M, lanes)``,
    ``out`` ``(T, P, K)``, all C-contiguous float32. Static scheduling hands each
    thread a contiguous range of bins."""
    import numba

    @numba.njit(parallel=True, nogil=True, cache=False)
    def drive(
        Xr, Xi, Ar, Ai, Sr, Si, out, kb, scale
    ):  # pragma: no cover - compiled by numba
        K, M, T = Xr.shape
        NA, NB, _, PT = Ar.shape
        P = out.shape[1]
        for job in numba.prange(NA * NB):
            blk = job // NB
            pb = job - blk * NB
            k0 = blk * kb
            q0 = pb * PT
            off = (blk * NB + pb) * M * PT * 4
            soff = pb * M * PT * 4
            task(
                Xr.ctypes.data,
                Xi.ctypes.data,
                Ar.ctypes.data + off,
                Ai.ctypes.data + off,
                Sr.ctypes.data + soff,
                Si.ctypes.data + soff,
                out.ctypes.data,
                M,
                T,
                P,
                K,
                k0,
                min(K, k0 + kb),
                q0,
                min(PT, P - q0),
                scale,
            )

    return drive


@functools.lru_cache(maxsize=1)
def host_driver():
    """``(lanes, drive)`` for this host, compiled once per process (timed into
    :data:`COMPILE_S` with the numba driver's compilation on its first call); ``None``
    when numba or llvmlite is missing."""
    try:
        import llvmlite.binding  # noqa: F401
        import numba  # noqa: F401
    except ImportError:
        return None
    global COMPILE_S
    t0 = time.perf_counter()
    lanes = host_lanes()
    drive = make_driver(compile_task(lanes))
    COMPILE_S = time.perf_counter() - t0
    return lanes, drive
