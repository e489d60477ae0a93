"""What every beamformer of the package shares (chapter 04): input checks, frames and
windows, spectra, near-field focus weights and steering vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..geometry import SPEED_OF_SOUND, as_positions, distances
from ..simulate import check_fs, check_recording

#: Frequency bins per block of the fast path: the steering block is ``B x P x M``
#: complex64.
BLOCK_BINS = 8


#: Frames per matrix product; longer signals are processed in chunks of this many
#: frames.
CHUNK_FRAMES = 64


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
