"""SRP-PHAT maps through the package's own fast beamformer (chapter 15): what a real
acoustic camera's array would localize.

The steered response power with phase transform (DiBiase et al. 2001) of focus point
``p`` in frame ``t`` is::

    SRP(t, p) = sum over bins k in the band  | sum_m  g_pm exp(+j 2 pi f_k r_pm / c)
                                                       X_m(t, k) / |X_m(t, k)| |^2

the filter-and-sum beamformer of chapter 04 run on spectra whitened to unit magnitude
(PHAT: every bin and every microphone counts by its phase alone, so a loud low-frequency
hum does not swamp the map and the peak sharpens to the array's resolution at its
highest frequencies). :func:`srp_phat_maps` whitens each Hann-windowed frame's spectrum,
transforms it back to ``L`` samples and hands the whitened frames, back to back, to
:func:`acousticlib.beamforming.acoustic_images` with a rectangular window and no overlap
(so the beamformer's FFT of a whitened frame returns its whitened spectrum exactly),
then sums the power over the bins in ``freq_range``.

Differences from pyroomacoustics' ``SRP`` (:func:`acousticlib.beamforming.srp_phat_map`,
about 96 s per map on the 36 x 48 grid with 128 microphones): near-field steering to the
focus points (pyroomacoustics steers to far-field directions from the array's centre)
and the beamformer's distortionless gains ``g_pm = (1 / r_pm) / sum r^-2`` instead of
equal gains (within a few per cent of each other for points 1 m away from the Dual
Cam's 0.5 m aperture); the Nyquist bin is dropped, as by the beamformer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..beamforming import acoustic_images, frame_signals, window_values
from ..geometry import SPEED_OF_SOUND

#: Default band of :func:`srp_phat_maps`, Hz: above the room tone and traffic hum,
#: below the grating lobes of the Dual Cam's array (the band of
#: :func:`acousticlib.beamforming.srp_phat_map`).
SRP_BAND = (500.0, 6000.0)


def phat_whiten(signals: Any, frame_length: int = 1024) -> np.ndarray:
    """PHAT-whitened frames of ``signals`` ``(M, N)``, back to back: ``(M, T *
    frame_length)`` float64, T = N // frame_length.

    Each frame of ``frame_length`` samples is Hann-windowed, its real FFT divided by
    its magnitude (bins of zero magnitude stay 0) and transformed back: every bin keeps
    only its phase. Chapter 15's :func:`srp_phat_maps` beamforms these.
    """
    frames = frame_signals(signals, frame_length)  # (M, T, L)
    if frames.ndim != 3:
        raise ValueError(
            f"signals must have shape (M, N) microphones x samples; got "
            f"{np.shape(signals)}"
        )
    spec = np.fft.rfft(frames * window_values("hann", frame_length), axis=-1)
    mag = np.abs(spec)
    white = np.where(mag > 0, spec / np.where(mag > 0, mag, 1.0), 0.0)
    out = np.fft.irfft(white, n=frame_length, axis=-1)
    return out.reshape(frames.shape[0], -1)


def srp_phat_maps(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_points: Any,
    *,
    frame_length: int = 1024,
    freq_range: tuple[float, float] = SRP_BAND,
    c: float = SPEED_OF_SOUND,
    engine: str = "auto",
) -> np.ndarray:
    """SRP-PHAT maps ``(T, H, W)`` float64 of microphone signals ``(M, N)`` (any linear
    unit) at ``fs`` Hz, one per frame of ``frame_length`` samples, on the focus points
    ``(H, W, 3)`` metres (e.g. ``Camera.focus_grid()``: the 36 x 48 grid at 1 m).

    The module docstring gives the formula; the power is summed over the bins ``k fs /
    L`` in ``freq_range`` (Hz, inclusive) and is in units of whitened power (the
    signals' unit drops out: scaling any microphone leaves the map unchanged).
    ``engine``: :func:`~acousticlib.beamforming.acoustic_images`'s CPU engine.
    Chapter 15.
    """
    fs = positive("fs", fs)
    lo, hi = (float(f) for f in freq_range)
    if not 0 <= lo < hi <= fs / 2:
        raise ValueError(
            f"freq_range must be (low, high) Hz with 0 <= low < high <= fs / 2 = "
            f"{fs / 2}; got {freq_range}"
        )
    x = as_array("signals", signals, ndim=2, dtype=np.float64)
    white = phat_whiten(x, frame_length)
    power = acoustic_images(
        white,
        fs,
        mic_positions,
        focus_points,
        frame_length=frame_length,
        window="boxcar",
        c=c,
        engine=engine,
    )  # (T, H, W, L/2)
    freqs = np.arange(frame_length // 2) * fs / frame_length
    band = (freqs >= lo) & (freqs <= hi)
    if not band.any():
        raise ValueError(
            f"freq_range must hold at least one bin of {fs / frame_length} Hz; got "
            f"{freq_range}"
        )
    return power[..., band].sum(axis=-1, dtype=np.float64)
