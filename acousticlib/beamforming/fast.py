"""The fast path, :func:`acoustic_images` (chapter 04), and its three engines: the
hand-written vector kernel threaded by numba
(:mod:`acousticlib.beamforming._vector_kernel`), numpy block recurrences, and torch
on a device."""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from .._checks import one_of
from ..geometry import SPEED_OF_SOUND
from .contract import BLOCK_BINS, CHUNK_FRAMES, _check_common, _spectra, focus_weights

_PLANS: OrderedDict[tuple, tuple[np.ndarray, ...]] = OrderedDict()


_PLAN_SLOTS = 2


def _cached_plan(
    kind: str,
    mics: np.ndarray,
    points: np.ndarray,
    fs: float,
    L: int,
    c: float,
    block: int,
    build,
):
    """``build(r, g)`` for this geometry, kept for the last :data:`_PLAN_SLOTS`
    geometries per kind.

    A chapter calls the imager many times on one grid: the set-up (distances, exact
    phases) is done once. Keyed by a hash of the microphone and focus positions, fs, L,
    c and block.
    """
    digest = hashlib.sha1(
        b"".join(
            [mics.tobytes(), points.tobytes(), np.array([fs, L, c, block]).tobytes()]
        )
    ).hexdigest()
    key = (kind, digest)
    if key in _PLANS:
        _PLANS.move_to_end(key)
        return _PLANS[key]
    r, g = focus_weights(mics, points)  # (P, M)
    _PLANS[key] = plan = build(r, g)
    slots = [k for k in _PLANS if k[0] == kind]
    for old in slots[:-_PLAN_SLOTS]:
        del _PLANS[old]
    return plan


def _plan(
    mics: np.ndarray, points: np.ndarray, fs: float, L: int, c: float, block: int
) -> tuple[np.ndarray, np.ndarray]:
    """Steering for bins ``0 .. block-1`` ``(B, P, M)`` and the step ``exp(j 2 pi B df r
    / c)`` ``(P, M)``.

    Bin ``k + B`` is bin ``k`` times the step, so each block of bins is the previous one
    times one complex number per (point, microphone): the steering phase advances
    incrementally and the 0.9 GB tensor of all bins never exists. Kept in complex128 so
    that the recurrence does not drift over the 64 blocks of 512 bins (complex64
    stepping drifts by ~6e-4); each block is cast to complex64 for its matrix product.
    """

    def build(r, g):
        k = np.arange(block)[:, None, None]
        a0 = g[None] * np.exp(2j * np.pi * k * (fs / L) * r[None] / c)
        step = np.exp(2j * np.pi * block * (fs / L) * r / c)
        return a0, step

    return _cached_plan("numpy", mics, points, fs, L, c, block, build)


def _images_numpy(
    X: np.ndarray, a0: np.ndarray, step: np.ndarray, norm: float
) -> np.ndarray:
    """Power ``(T, P, K)`` float32 from spectra ``X`` ``(K, M, T)`` complex64, bin block
    by bin block.

    The pure-numpy path, used when numba is not installed."""
    K, _, T = X.shape
    B, P, _ = a0.shape
    power = np.empty((K, P, T), dtype=np.float32)
    a = a0.copy()
    for k0 in range(0, K, B):
        kb = min(B, K - k0)
        # (kb, P, T): all frames, one product per bin
        y = np.matmul(a[:kb].astype(np.complex64), X[k0 : k0 + kb])
        np.multiply(y, y.conj(), out=y)
        power[k0 : k0 + kb] = y.real
        if k0 + B < K:
            # next block of bins: advance every phase by B bins
            np.multiply(a, step, out=a)
    return _to_tpk(power, norm)


#: Bins per exact anchor of the kernel's phase recurrence (also its bins per task).
ANCHOR_BINS = 8


#: The CPU engines of :func:`acoustic_images` (its ``engine`` parameter): ``"auto"``
#: (the default: the vector kernel threaded by numba when numba is installed, else
#: numpy), ``"numba"`` or ``"numpy"``.
CPU_ENGINES = ("auto", "numba", "numpy")


#: Seconds spent compiling the vector kernel and its numba driver in this process (0
#: until the first call); reported by the benchmark.
NUMBA_COMPILE_S = 0.0


def _numba_kernel():
    """``(lanes, drive)``: the vector kernel for this host and its numba driver, or
    ``None`` when numba (or its llvmlite) is not installed (then numpy serves).

    Compiled in memory once per process (timed into :data:`NUMBA_COMPILE_S`; see
    ``benchmarks/bench_beamforming.py``),
    never cached on disk. Its arithmetic is fixed (explicit fused multiply-adds, nothing
    reassociated), so every process, thread count and vector width computes the same
    bits.
    """
    from . import _vector_kernel

    return _vector_kernel.host_driver()


def _numba_plan(
    mics: np.ndarray, points: np.ndarray, fs: float, L: int, c: float, lanes: int
) -> tuple[np.ndarray, ...]:
    """Exact steering every :data:`ANCHOR_BINS` bins and the one-bin step, split re/im,
    float32.

    Shapes ``(NA, NB, M, lanes)`` and ``(NB, M, lanes)``: ``NB`` blocks of ``lanes``
    points (the last padded by zero-gain points), microphones outside, points in the
    vector lanes: 64 anchors x 1728 points x 128 mics = 113 MB for the Dual Cam setting
    (instead of 0.9 GB for all 512 bins). Re-anchoring every 8 bins keeps the float32
    recurrence as accurate as a complex64 product with exact steering (about 5e-5
    relative); every 32 bins would save memory and time but double the error
    (``benchmarks/results/docstring_timings.md``).
    """

    def build(r, g):
        P, M = r.shape
        NB = -(-P // lanes)
        pad = NB * lanes - P
        r = np.pad(r, ((0, pad), (0, 0)), constant_values=1.0)
        g = np.pad(g, ((0, pad), (0, 0)))
        ks = range(0, L // 2, ANCHOR_BINS)
        Ar, Ai = (np.empty((len(ks), NB, M, lanes), dtype=np.float32) for _ in range(2))

        def blocks(z: np.ndarray) -> np.ndarray:  # (P', M) -> (NB, M, lanes)
            return z.reshape(NB, lanes, M).transpose(0, 2, 1)

        # one anchor at a time: no complex128 temporaries of all bins
        for i, k in enumerate(ks):
            anchor = blocks(g * np.exp(2j * np.pi * (fs / L) * k * r / c))
            Ar[i], Ai[i] = anchor.real, anchor.imag
        step = blocks(np.exp(2j * np.pi * (fs / L) * r / c))
        return (
            Ar,
            Ai,
            np.ascontiguousarray(step.real, dtype=np.float32),
            np.ascontiguousarray(step.imag, dtype=np.float32),
        )

    return _cached_plan(f"numba{lanes}", mics, points, fs, L, c, ANCHOR_BINS, build)


def _images_numba(
    drive, spec: np.ndarray, plan: tuple[np.ndarray, ...], out: np.ndarray, norm: float
) -> None:
    """Power into ``out`` ``(T, P, K)`` float32 (C-contiguous) from spectra ``spec``
    ``(M, T, K)``."""
    global NUMBA_COMPILE_S
    M, T, K = spec.shape
    Xr, Xi = (
        np.ascontiguousarray(part.transpose(2, 0, 1), dtype=np.float32)
        for part in (spec.real, spec.imag)
    )
    compiled = bool(drive.signatures)
    t0 = time.perf_counter()
    drive(Xr, Xi, *plan, out, ANCHOR_BINS, np.float32(1.0 / norm))
    if not compiled:
        from . import _vector_kernel

        NUMBA_COMPILE_S = _vector_kernel.COMPILE_S + time.perf_counter() - t0


def _prefaulted(shape: tuple[int, ...]) -> np.ndarray:
    """A float32 array of ``shape`` whose memory is already mapped (filled with zeros).

    A large fresh array is only reserved address space: each page is mapped and zeroed
    by the operating system when first written. The vector kernel writes the output in
    scattered runs of :data:`ANCHOR_BINS` bins from both threads, so on fresh memory it
    paid those page faults inside the parallel loop. Writing zeros first, in one
    sequential pass, costs far less (``benchmarks/results/docstring_timings.md``). The
    values computed are the same either way.
    """
    out = np.empty(shape, dtype=np.float32)
    out.fill(0.0)
    return out


def _to_tpk(power: np.ndarray, norm: float) -> np.ndarray:
    """``(K, P, T)`` -> ``(T, P, K)`` scaled by ``1 / norm``, transposed in cache-sized
    blocks of points."""
    K, P, T = power.shape
    out = np.empty((T, P, K), dtype=np.float32)
    for p0 in range(0, P, 64):
        out[:, p0 : p0 + 64, :] = power[:, p0 : p0 + 64, :].transpose(2, 1, 0)
    out *= np.float32(1.0 / norm)
    return out


def _images_torch(
    X: np.ndarray,
    mics: np.ndarray,
    points: np.ndarray,
    fs: float,
    L: int,
    c: float,
    norm: float,
    device: str,
) -> np.ndarray:
    """The same product in torch on ``device``: exact steering per block on GPUs,
    incremental on CPU.

    Layout ``(T, M) @ (M, P)`` per bin, which suits MKL and cuBLAS better than ``(P, M)
    @ (M, T)``.
    """
    import torch

    dev = torch.device(device)
    K, _, T = X.shape
    if dev.type == "cpu":
        a0, step = _plan(mics, points, fs, L, c, BLOCK_BINS)
        a = torch.from_numpy(np.ascontiguousarray(a0.transpose(0, 2, 1)))  # (B, M, P)
        st = torch.from_numpy(np.ascontiguousarray(step.T))
        B = a.shape[0]
    else:
        B = 64
        r, g = focus_weights(mics, points)
        r_t = torch.as_tensor(r.T, dtype=torch.float64, device=dev)  # (M, P)
        g_t = torch.as_tensor(g.T, dtype=torch.float32, device=dev)
    # (K, T, M)
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 2, 1))).to(dev)
    power = torch.empty((K, T, points.shape[0]), dtype=torch.float32, device=dev)
    for k0 in range(0, K, B):
        kb = min(B, K - k0)
        if dev.type == "cpu":
            # recurrence in complex128, product in complex64
            blk = a[:kb].to(torch.complex64)
        else:
            k = torch.arange(k0, k0 + kb, device=dev, dtype=torch.float64)[
                :, None, None
            ]
            phase = torch.remainder(
                2 * math.pi * k * (fs / L) * r_t[None] / c, 2 * math.pi
            ).to(torch.float32)
            blk = torch.polar(g_t.expand_as(phase), phase)
        y = torch.matmul(Xt[k0 : k0 + kb], blk)  # (kb, T, P)
        power[k0 : k0 + kb] = y.real.square() + y.imag.square()
        if dev.type == "cpu" and k0 + B < K:
            a.mul_(st)
    out = power.permute(1, 2, 0).contiguous()
    out.mul_(1.0 / norm)
    return out.cpu().numpy()


def acoustic_images(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    *,
    frame_length: int = 1024,
    hop: int | None = None,
    window: Any = "hann",
    c: float = SPEED_OF_SOUND,
    device: str | None = None,
    engine: str = "auto",
) -> np.ndarray:
    """Acoustic images: beamformed power per focus point and frequency bin, ``float32
    (T, H, W, L/2)``.

    Parameters
    ----------
    signals: ``(M, N)`` microphone signals (pascals or any linear unit).
    fs: sampling rate, Hz (> 0).
    mic_positions: ``(M, 3)`` metres, or a :class:`~acousticlib.geometry.MicArray`.
    focus_points: ``(H, W, 3)`` metres, in front of the array (``z > 0``), e.g.
        :meth:`acousticlib.geometry.Camera.focus_grid`.
    frame_length: even number of samples per frame ``L`` (<= N); bins ``k = 0 .. L/2 -
        1`` at ``k fs / L`` Hz.
    hop: samples between frame starts (default ``L``: no overlap); ``T = 1 + (N - L) //
        hop``.
    window: scipy window name or ``(L,)`` array.
    c: speed of sound, m/s.
    device: ``None`` for the numpy path, else a torch device (``"cpu"``, ``"cuda"``,
        ``"auto"``).
    engine: the CPU engine without ``device`` (one of :data:`CPU_ENGINES`):
        ``"auto"`` (the vector kernel when numba is installed, else numpy), ``"numba"``
        (an error without numba) or ``"numpy"``.

    The power is ``|Y|^2 / sum(w^2)`` of the near-field filter-and-sum output (module
    docstring). Fast: the 0.9 GB steering tensor of all bins never exists. With numba
    (the default CPU engine, ``engine="auto"``) one compiled kernel steps every
    steering phase bin by bin in float32, re-anchored from exact phases every
    :data:`ANCHOR_BINS` bins, and accumulates all frames while the phases sit in the L1
    cache, 8 or 16 focus points per vector instruction
    (:mod:`acousticlib.beamforming._vector_kernel`; the first call in a process compiles
    it, see ``benchmarks/bench_beamforming.py``). Its images are the same, bit for bit,
    on every host and for every thread count, and a frame's image does not depend on the
    other frames. Without numba, numpy advances the phases over blocks of
    :data:`BLOCK_BINS` bins with one complex64 matrix product per bin. The set-up is
    kept for the last two geometries. It agrees with :func:`delay_and_sum_images` to
    float32 rounding (rtol 1e-4). Chapter 04.
    """
    x, fs, mics, fp, L, hop, c = _check_common(
        signals, fs, mic_positions, focus_points, frame_length, hop, c
    )
    one_of("engine", engine, CPU_ENGINES)
    H, W, _ = fp.shape
    points = np.ascontiguousarray(fp.reshape(-1, 3))
    if device is not None:
        from ..runtime import resolve_device

        device = resolve_device(device)
    spec, norm = _spectra(x, L, hop, window)  # (M, T, K)
    T = spec.shape[1]
    kernel = _numba_kernel() if device is None and engine != "numpy" else None
    if device is None and engine == "numba" and kernel is None:
        raise RuntimeError("engine is 'numba' but numba is not installed")
    if kernel is not None:
        lanes, drive = kernel
        plan = _numba_plan(mics, points, fs, L, c, lanes)
        out = _prefaulted((T, H * W, L // 2))
        for t0 in range(0, T, CHUNK_FRAMES):
            _images_numba(
                drive,
                spec[:, t0 : t0 + CHUNK_FRAMES],
                plan,
                out[t0 : t0 + CHUNK_FRAMES],
                norm,
            )
        return out.reshape(T, H, W, L // 2)
    out = np.empty((T, H * W, L // 2), dtype=np.float32)
    if device is None:
        a0, step = _plan(mics, points, fs, L, c, BLOCK_BINS)
    for t0 in range(0, T, CHUNK_FRAMES):
        X = np.ascontiguousarray(
            spec[:, t0 : t0 + CHUNK_FRAMES].transpose(2, 0, 1)
        ).astype(np.complex64)
        if device is None:
            out[t0 : t0 + X.shape[2]] = _images_numpy(X, a0, step, norm)
        else:
            out[t0 : t0 + X.shape[2]] = _images_torch(
                X, mics, points, fs, L, c, norm, device
            )
    return out.reshape(T, H, W, L // 2)
