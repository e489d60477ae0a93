"""Reference implementations (chapter 04): the slow, obviously correct time-domain
delay-and-sum, the plain per-frame product with a precomputed steering tensor, and
the signal heard by steering to one point."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import positive
from ..geometry import SPEED_OF_SOUND, as_positions
from ..simulate import check_fs, check_recording, fractional_delay
from .contract import (
    _check_common,
    _spectra,
    check_focus_points,
    check_frame_length,
    focus_weights,
    frame_signals,
    window_values,
)


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
