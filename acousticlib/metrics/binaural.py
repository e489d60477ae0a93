"""The binaural measures of Gao's dissertation, Table 7.1 (chapter 17): the STFT
distance and the envelope distance between a predicted binaural signal and the true
one, both "lower is better" and 0 for a perfect prediction.

The dissertation (section 7.2.2) defines them on the left and right channels::

    D_STFT = ||X^L - X~^L||_2 + ||X^R - X~^R||_2
    D_ENV  = ||E[x^L] - E[x~^L]||_2 + ||E[x^R] - E[x~^R]||_2

with ``X`` the complex STFT of the channel ``x``, ``~`` the prediction and ``E[x]`` the
envelope (Hilbert). It defers the STFT's settings to
the paper; the defaults here are the released FAIR-Play evaluation's (``n_fft`` 512,
hop 160, window 400 samples, 16 kHz audio). That script also averages where the text
sums (mean squared STFT difference, RMS envelope difference), so its numbers, Table
7.1's, are on another scale than these: compare methods measured the same way, never
a number here with the table's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive

#: The STFT of :func:`stft_distance`: FFT size, hop and Hann window length (samples).
STFT_SETTINGS: dict[str, int] = {"n_fft": 512, "hop": 160, "win_length": 400}


def _pair(predicted: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    p = as_array("predicted", predicted, dtype=float, what="(2, N): left, right")
    t = as_array("target", target, dtype=float, what="(2, N): left, right")
    if p.ndim != 2 or p.shape[0] != 2:
        raise ValueError(
            f"predicted must have shape (2, N): left and right channels; got {p.shape}"
        )
    if t.shape != p.shape:
        raise ValueError(
            f"target must have predicted's shape {p.shape} (left, right x samples); "
            f"got {t.shape}"
        )
    return p, t


def stft(
    signal: Any, *, n_fft: int = 512, hop: int = 160, win_length: int = 400
) -> np.ndarray:
    """Complex STFT ``(..., n_fft // 2 + 1, T)`` of signals ``(..., N)`` (chapter 17):
    a periodic Hann window of ``win_length`` samples centred in ``n_fft``, frames every
    ``hop`` samples, the signal zero-padded by ``n_fft // 2`` on both sides (frame
    ``t`` centred on sample ``t hop``, ``T = 1 + N // hop``), as ``librosa.stft(...,
    center=True, pad_mode="constant")``; no normalisation.
    """
    x = as_array("signal", signal, dtype=float)
    if x.ndim < 1:
        raise ValueError("signal must have shape (..., N) samples; got a scalar")
    n_fft = positive("n_fft", n_fft, integer=True)
    hop = positive("hop", hop, integer=True)
    win_length = positive("win_length", win_length, integer=True)
    if win_length > n_fft:
        raise ValueError(
            f"win_length must be at most n_fft = {n_fft} samples; got {win_length}"
        )
    from scipy.signal import get_window

    w = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    w[left : left + win_length] = get_window("hann", win_length, fftbins=True)
    pad = [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)]
    xp = np.pad(x, pad)
    frames = np.lib.stride_tricks.sliding_window_view(xp, n_fft, axis=-1)[..., ::hop, :]
    return np.swapaxes(np.fft.rfft(frames * w, axis=-1), -1, -2)


def stft_distance(
    predicted: Any,
    target: Any,
    *,
    n_fft: int = STFT_SETTINGS["n_fft"],
    hop: int = STFT_SETTINGS["hop"],
    win_length: int = STFT_SETTINGS["win_length"],
) -> float:
    """Gao's STFT distance between binaural signals ``(2, N)`` (left, right; any
    linear unit) (chapter 17): ``||X^L - X~^L||_2 + ||X^R - X~^R||_2``, the Euclidean
    (Frobenius) norms of the complex :func:`stft` differences, channel by channel,
    summed. Units of the signal times the window's sum; 0 for identical signals."""
    p, t = _pair(predicted, target)
    d = stft(p - t, n_fft=n_fft, hop=hop, win_length=win_length)  # STFT is linear
    return float(sum(np.linalg.norm(d[ch]) for ch in range(2)))


def envelope(signal: Any) -> np.ndarray:
    """Hilbert envelope ``|x + j H[x]|`` of signals ``(..., N)``, same shape and unit
    (chapter 17): the magnitude of the analytic signal (``scipy.signal.hilbert``)."""
    from scipy.signal import hilbert

    x = as_array("signal", signal, dtype=float)
    if x.ndim < 1:
        raise ValueError("signal must have shape (..., N) samples; got a scalar")
    return np.abs(hilbert(x, axis=-1))


def envelope_distance(predicted: Any, target: Any) -> float:
    """Gao's envelope (ENV) distance between binaural signals ``(2, N)`` (left, right)
    (chapter 17): ``||E[x^L] - E[x~^L]||_2 + ||E[x^R] - E[x~^R]||_2`` with ``E`` the
    Hilbert :func:`envelope`; the signal's unit, 0 for identical signals. Insensitive to
    the fine structure (phase) that the STFT distance punishes."""
    p, t = _pair(predicted, target)
    d = envelope(p) - envelope(t)
    return float(np.linalg.norm(d[0]) + np.linalg.norm(d[1]))
