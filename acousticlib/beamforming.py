"""Acoustic images by frequency-domain filter-and-sum beamforming (chapter 04).

The beamformer focused on a point ``p`` undoes each microphone's propagation: it
advances microphone ``m`` by ``r_pm / c`` seconds (``r_pm`` the distance from ``p`` to
the microphone, spherical near-field steering), weights it by ``g_pm = (1 / r_pm) /
sum_m' r_pm'^-2`` and sums. For a point source at ``p`` whose free-field recording is
``s(t - r/c) / (4 pi r)`` the output is exactly ``s(t) / (4 pi)``: the source's pressure
at 1 m (distortionless response). In the frequency domain, per frame and real-FFT bin
``k`` (frequency ``f_k = k fs / L``)::

    Y_p(f_k) = sum_m  g_pm exp(+j 2 pi f_k r_pm / c)  X_m(f_k)     (a matrix product)
    image[t, p, k] = |Y_p(f_k)|^2 / sum_n w[n]^2                         (power per bin)

with ``X_m`` the FFT of the ``window``-ed frame; bins ``0 .. L/2 - 1`` are kept (Nyquist
dropped), so ``frame_length = 1024`` gives 512 bins as in the papers. The power is in
(signal unit)^2 per bin: white noise of variance ``s^2`` gives ``s^2`` per bin on
average.

* :func:`acoustic_images` is the fast path (a hand-written vector kernel threaded by
  numba, numpy without numba, or torch on ``device``).
* :func:`delay_and_sum_images` is the slow, obviously correct time-domain reference.
* :func:`naive_acoustic_images` is the plain per-frame product with a precomputed
  steering tensor (:func:`full_steering`; the benchmark's baseline, 0.9 GB for the Dual
  Cam grid).
* :func:`beamformed_signal` is the audio heard by steering to one point (listen to a
  pixel).
* :func:`srp_phat_map` and :func:`music_map` run pyroomacoustics' SRP-PHAT and NormMUSIC
  on the same grid; :func:`point_spread_function` is the theoretical image of a point
  source.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from ._checks import as_array, one_of, positive
from .geometry import SPEED_OF_SOUND, as_positions, distances
from .simulate import check_fs, check_recording, fractional_delay

#: Frequency bins per block of the fast path: the steering block is ``B x P x M``
#: complex64.
BLOCK_BINS = 8
#: Frames per matrix product; longer signals are processed in chunks of this many
#: frames.
CHUNK_FRAMES = 64


# --------------------------------------------------------------------------------------
# Validation and framing
# --------------------------------------------------------------------------------------


def check_focus_points(focus_points: Any, name: str = "focus_points") -> np.ndarray:
    """Focus points ``(..., 3)`` metres, all in front of the array (``z > 0``);
    float64."""
    p = as_array(name, focus_points, dtype=float)
    if p.ndim < 1 or p.shape[-1] != 3:
        raise ValueError(
            f"{name} must have shape (H, W, 3) (or (..., 3)) in metres; got {p.shape}"
        )
    if np.any(p[..., 2] <= 0):
        raise ValueError(
            f"{name} must lie in front of the array (z > 0 m); "
            f"{int(np.sum(p[..., 2] <= 0))} point(s) have z <= 0"
        )
    return p


def check_frame_length(frame_length: Any, n_samples: int | None = None) -> int:
    """An even ``frame_length`` >= 2 samples, no longer than the signal when
    ``n_samples`` is given."""
    L = positive("frame_length", frame_length, integer=True)
    if L < 2 or L % 2:
        raise ValueError(
            f"frame_length must be an even number of samples >= 2; got {frame_length!r}"
        )
    if n_samples is not None and L > n_samples:
        raise ValueError(
            f"frame_length must be at most the signal length ({n_samples} samples); "
            f"got {L}"
        )
    return L


def window_values(window: Any, frame_length: int) -> np.ndarray:
    """Window samples ``(frame_length,)``: a scipy window name/tuple (periodic) or an
    explicit array."""
    from scipy.signal import get_window

    if isinstance(window, (str, tuple)):
        try:
            return np.asarray(
                get_window(window, frame_length, fftbins=True), dtype=float
            )
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"window must be a scipy window name such as 'hann' or an array; got "
                f"{window!r} ({exc})"
            ) from None
    w = as_array(
        "window", window, shape=(frame_length,), dtype=float, what="(frame_length,)"
    )
    if not np.any(w):
        raise ValueError("window must not be all zeros")
    return w


def frame_signals(
    signals: Any, frame_length: int, hop: int | None = None, name: str = "signals"
) -> np.ndarray:
    """Cut ``(M, N)`` (or ``(N,)``) signals into frames ``(M, T, frame_length)`` (or
    ``(T, L)``).

    Frame ``t`` holds samples ``[t hop, t hop + frame_length)``; ``hop`` defaults to
    ``frame_length`` (no overlap, the papers' 12 frames/s at 1024 samples and 12 288
    Hz). Incomplete trailing frames are dropped.
    """
    x = as_array(name, signals, ndim=(1, 2), dtype=float)
    L = check_frame_length(frame_length, x.shape[-1])
    hop = L if hop is None else positive("hop", hop, integer=True)
    return _frame_view(x, L, hop).copy()


def _frame_view(x: np.ndarray, L: int, hop: int) -> np.ndarray:
    """Frames of checked signals as a read-only strided view (no copy): ``(..., T,
    L)``."""
    return np.lib.stride_tricks.sliding_window_view(x, L, axis=-1)[..., ::hop, :]


def _spectra(
    signals: np.ndarray, L: int, hop: int | None, window: Any
) -> tuple[np.ndarray, float]:
    """Windowed real FFTs ``(M, T, L/2)`` (Nyquist dropped) and the power normalization
    sum w^2.

    ``signals`` are already checked: the frames are a strided view, windowed in one
    pass, and the transforms run on every core (each frame's FFT alone, so the result
    does not depend on the core count).
    """
    import scipy.fft

    w = window_values(window, L)
    windowed = _frame_view(signals, L, L if hop is None else hop) * w
    return scipy.fft.rfft(windowed, axis=-1, workers=-1, overwrite_x=True)[
        ..., : L // 2
    ], float(np.sum(w**2))


def focus_weights(
    mic_positions: Any, focus_points: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Distances ``r`` (m) and gains ``g = (1/r) / sum r^-2`` for focus points ``(...,
    3)``: both ``(..., M)``.

    With these gains the beamformer's response to a point source at the focus point is
    ``s(t) / (4 pi)`` (distortionless, chapter 04).
    """
    r = distances(check_focus_points(focus_points), mic_positions, name="focus_points")
    g = (1 / r) / np.sum(r**-2.0, axis=-1, keepdims=True)
    return r, g


def steering_vectors(
    mic_positions: Any, focus_points: Any, freqs: Any, *, c: float = SPEED_OF_SOUND
) -> np.ndarray:
    """Filter-and-sum weights ``g_pm exp(+j 2 pi f r_pm / c)``: complex ``(F, ..., M)``
    for freqs ``(F,)`` Hz.

    ``Y_p(f) = steering_vectors(...)[f, p] @ X(f)`` is the beamformer output (chapter
    04).
    """
    c = positive("c", c)
    f = as_array("freqs", freqs, ndim=1, dtype=float)
    r, g = focus_weights(mic_positions, focus_points)
    return g[None] * np.exp(2j * np.pi * f.reshape((-1,) + (1,) * r.ndim) * r[None] / c)


def _check_common(
    signals: Any,
    fs: Any,
    mic_positions: Any,
    focus_points: Any,
    frame_length: Any,
    hop: Any,
    c: Any,
):
    fs = check_fs(fs)
    mics = as_positions(mic_positions, min_mics=2)
    x = check_recording("signals", signals, mics.shape[0])
    fp = check_focus_points(focus_points)
    if fp.ndim != 3:
        raise ValueError(
            f"focus_points must have shape (H, W, 3) in metres; got {fp.shape}"
        )
    L = check_frame_length(frame_length, x.shape[1])
    hop = L if hop is None else positive("hop", hop, integer=True)
    c = positive("c", c)
    return x, fs, mics, fp, L, hop, c


# --------------------------------------------------------------------------------------
# The fast path
# --------------------------------------------------------------------------------------

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


# --- the vector kernel (:mod:`acousticlib._vector_kernel`): phase recurrence and
# accumulation fused, float32, re-anchored every ANCHOR_BINS bins from exact
# (float64-computed) phases, threads from numba
# ------------------------------------------------------------------------------------

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
    """``(K, P, T)`` -> ``(T, P, K)`` scaled by ``1 / norm``, transposed in
    cache-sized blocks of points."""
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
    (:mod:`acousticlib._vector_kernel`; the first call in a process compiles it, see
    ``benchmarks/bench_beamforming.py``). Its images are the same, bit for bit, on every
    host and for every thread count, and a frame's image does not depend on the other
    frames. Without numba, numpy advances the phases over blocks of :data:`BLOCK_BINS`
    bins with one complex64 matrix product per bin. The set-up is kept for the last two
    geometries. It agrees with :func:`delay_and_sum_images` to float32 rounding (rtol
    1e-4). Chapter 04.
    """
    x, fs, mics, fp, L, hop, c = _check_common(
        signals, fs, mic_positions, focus_points, frame_length, hop, c
    )
    one_of("engine", engine, CPU_ENGINES)
    H, W, _ = fp.shape
    points = np.ascontiguousarray(fp.reshape(-1, 3))
    if device is not None:
        from .runtime import resolve_device

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


def full_steering(
    mic_positions: Any,
    focus_points: Any,
    fs: float,
    frame_length: int = 1024,
    *,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """The whole steering tensor ``(L/2, P, M)`` complex64 for bins ``k fs / L``, built
    bin by bin.

    0.9 GB for the Dual Cam setting (512 bins x 1728 points x 128 microphones): the
    memory that the fast path avoids. Used by :func:`naive_acoustic_images` and the
    benchmark.
    """
    fs = check_fs(fs)
    L = check_frame_length(frame_length)
    c = positive("c", c)
    r, g = focus_weights(
        mic_positions, np.asarray(focus_points, dtype=float).reshape(-1, 3)
    )
    out = np.empty((L // 2,) + r.shape, dtype=np.complex64)
    for k in range(L // 2):
        out[k] = g * np.exp(2j * np.pi * k * fs / L * r / c)
    return out


def naive_acoustic_images(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    *,
    frame_length: int = 1024,
    hop: int | None = None,
    window: Any = "hann",
    c: float = SPEED_OF_SOUND,
    steering: np.ndarray | None = None,
) -> np.ndarray:
    """The textbook version of :func:`acoustic_images`: with the whole steering tensor
    (:func:`full_steering`, pass it as ``steering`` to reuse it), one batched
    matrix-vector product per frame. Same result; the benchmark's baseline (chapter 04).
    """
    x, fs, mics, fp, L, hop, c = _check_common(
        signals, fs, mic_positions, focus_points, frame_length, hop, c
    )
    H, W, _ = fp.shape
    spec, norm = _spectra(x, L, hop, window)  # (M, T, K)
    if steering is None:
        steering = full_steering(mics, fp, fs, L, c=c)
    if steering.shape != (L // 2, H * W, mics.shape[0]):
        raise ValueError(
            f"steering must have shape ({L // 2}, {H * W}, {mics.shape[0]}); got "
            f"{steering.shape}"
        )
    out = np.empty((spec.shape[1], H * W, L // 2), dtype=np.float32)
    for t in range(spec.shape[1]):
        # (K, P)
        y = np.matmul(steering, spec[:, t].T.astype(np.complex64)[:, :, None])[..., 0]
        out[t] = (np.abs(y) ** 2).T / norm
    return out.reshape(-1, H, W, L // 2)


# --------------------------------------------------------------------------------------
# The slow time-domain reference
# --------------------------------------------------------------------------------------


def periodic_sinc(t: Any, n: int) -> np.ndarray:
    """Band-limited interpolation kernel of a length-``n`` periodic sequence, Nyquist
    bin excluded.

    ``D(t) = sin(pi t (n - 1) / n) / (n sin(pi t / n))`` (``(n - 1) / n`` at ``t = 0 mod
    n``): ``sum_k x[k] D(t - k)`` evaluates the sequence between its samples, and
    shifting by ``delta`` samples multiplies FFT bin ``k`` by ``exp(-j 2 pi k delta /
    n)``.
    """
    t = np.asarray(t, dtype=float)
    s = np.sin(np.pi * t / n)
    small = np.abs(s) < 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sin(np.pi * t * (n - 1) / n) / (n * s)
    limit = (
        (n - 1)
        / n
        * np.cos(np.pi * np.round(t / n) * (n - 1))
        / np.cos(np.pi * np.round(t / n))
    )
    return np.where(small, limit, d)


def delay_and_sum_images(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    *,
    frame_length: int = 1024,
    hop: int | None = None,
    window: Any = "hann",
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Slow, obviously correct delay-and-sum in the **time domain**; same output as
    :func:`acoustic_images`.

    For every frame, focus point and microphone: take the windowed frame, advance it by
    ``r_pm / c`` seconds with band-limited interpolation (:func:`periodic_sinc`,
    circular within the frame), weight it by ``g_pm`` and add it to the beam; then the
    beam's power spectrum ``|FFT|^2 / sum w^2`` on bins ``0 .. L/2 - 1``. Circular
    band-limited delay is exactly a phase ramp in the FFT, so this equals the
    frequency-domain product up to rounding (float64 here). Cost ``O(T P M L^2)``: use
    small grids and frames (teaching and tests, chapter 04).
    """
    x, fs, mics, fp, L, hop, c = _check_common(
        signals, fs, mic_positions, focus_points, frame_length, hop, c
    )
    H, W, _ = fp.shape
    w = window_values(window, L)
    frames = frame_signals(x, L, hop) * w  # (M, T, L)
    r, g = focus_weights(mics, fp.reshape(-1, 3))  # (P, M)
    # (n, k) -> (n - k) mod L
    lags = (np.arange(L)[:, None] - np.arange(L)[None, :]) % L
    out = np.empty((frames.shape[1], H * W, L // 2))
    for p in range(H * W):
        advance = r[p] / c * fs  # samples, (M,)
        # kernel[m, n, k] = D(n - k + advance_m): output sample n reads input near n +
        # advance
        kernel = periodic_sinc(lags[None] + advance[:, None, None], L)
        beam = np.einsum("m,mnk,mtk->tn", g[p], kernel, frames)  # (T, L)
        out[:, p] = np.abs(np.fft.rfft(beam, axis=-1)[:, : L // 2]) ** 2 / np.sum(w**2)
    return out.reshape(-1, H, W, L // 2)


# --------------------------------------------------------------------------------------
# Listening, point-spread functions and classical direction finding
# --------------------------------------------------------------------------------------


def beamformed_signal(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_point: Any,
    *,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """The audio ``(N,)`` heard by steering the array to ``focus_point`` ``(3,)`` metres
    (chapter 04).

    ``y(t) = sum_m g_m x_m(t + r_m / c)`` with the gains of :func:`focus_weights` and
    windowed-sinc fractional delays: a source at the focus point comes out as ``s(t) /
    (4 pi)`` (its pressure at 1 m), sound from elsewhere is attenuated. Play it with
    ``IPython.display.Audio(y, rate=fs)``.
    """
    fs = check_fs(fs)
    mics = as_positions(mic_positions, min_mics=2)
    x = check_recording("signals", signals, mics.shape[0])
    p = check_focus_points(focus_point, "focus_point")
    if p.shape != (3,):
        raise ValueError(f"focus_point must have shape (3,) in metres; got {p.shape}")
    c = positive("c", c)
    r, g = focus_weights(mics, p)
    return g @ fractional_delay(x, -r / c * fs)


def point_spread_function(
    mic_positions: Any,
    focus_points: Any,
    source_position: Any,
    freqs: Any,
    *,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Beamformer power at ``focus_points`` ``(..., 3)`` for a unit point source, per
    frequency: ``(F, ...)``.

    ``|sum_m w_pm(f) exp(-j 2 pi f r_sm / c) / r_sm|^2`` (the 1/(4 pi) dropped), which
    is 1 at the source position: the image of a single tone is this pattern, whose width
    is about ``lambda / D`` (chapters 04 and 05).
    """
    src = check_focus_points(source_position, "source_position")
    if src.shape != (3,):
        raise ValueError(
            f"source_position must have shape (3,) in metres; got {src.shape}"
        )
    f = as_array("freqs", freqs, ndim=1, dtype=float)
    c = positive("c", c)
    mics = as_positions(mic_positions, min_mics=2)
    rs = distances(src, mics, name="source_position")  # (M,)
    field = np.exp(-2j * np.pi * f[:, None] * rs[None] / c) / rs[None]  # (F, M)
    A = steering_vectors(mics, focus_points, f, c=c)  # (F, ..., M)
    y = np.einsum("f...m,fm->f...", A, field)
    return np.abs(y) ** 2


def _pra_doa_map(
    algorithm: str,
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    frame_length: int,
    freq_range: tuple[float, float],
    c: float,
) -> np.ndarray:
    import pyroomacoustics as pra
    from pyroomacoustics.doa import ModeVector
    from pyroomacoustics.doa.grid import GridSphere

    x, fs, mics, fp, L, hop, c = _check_common(
        signals, fs, mic_positions, focus_points, frame_length, None, c
    )
    lo, hi = (float(v) for v in freq_range)
    if not 0 <= lo < hi <= fs / 2:
        raise ValueError(
            f"freq_range must be (low, high) Hz with 0 <= low < high <= fs/2 = "
            f"{fs / 2}; got {freq_range!r}"
        )
    centre = mics.mean(axis=0)
    d = fp.reshape(-1, 3) - centre
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    az = np.arctan2(d[:, 1], d[:, 0])
    col = np.arccos(np.clip(d[:, 2], -1, 1))
    w = window_values("hann", L)
    # (M, L/2 + 1, T)
    X = np.fft.rfft(frame_signals(x, L) * w, axis=-1).transpose(0, 2, 1)
    doa = pra.doa.algorithms[algorithm](
        (mics - centre).T, fs, L, c=c, num_src=1, dim=3, n_grid=100
    )
    doa.grid = GridSphere(spherical_points=np.vstack([az, col]))
    doa.mode_vec = ModeVector(doa.L, fs, L, c, doa.grid)
    doa.locate_sources(X, freq_range=[lo, hi])
    return np.asarray(doa.grid.values, dtype=float).reshape(fp.shape[:2])


def srp_phat_map(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    *,
    frame_length: int = 1024,
    freq_range: tuple[float, float] = (500.0, 6000.0),
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """pyroomacoustics' SRP-PHAT on the directions of ``focus_points`` ``(H, W, 3)``:
    map ``(H, W)``.

    Far-field steering toward each point's direction from the array centre;
    ``freq_range`` Hz. Slow on the full Dual Cam grid
    (``benchmarks/results/docstring_timings.md``); use fewer microphones or a coarser
    grid.
    """
    return _pra_doa_map(
        "SRP", signals, fs, mic_positions, focus_points, frame_length, freq_range, c
    )


def music_map(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    *,
    frame_length: int = 1024,
    freq_range: tuple[float, float] = (500.0, 6000.0),
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """pyroomacoustics' NormMUSIC (one source) on the directions of ``focus_points``:
    map ``(H, W)``.

    Like :func:`srp_phat_map`; needs at least as many frames as microphones for a stable
    covariance estimate.
    """
    return _pra_doa_map(
        "NormMUSIC",
        signals,
        fs,
        mic_positions,
        focus_points,
        frame_length,
        freq_range,
        c,
    )
