"""Classical maps on the same grid (chapter 04): the theoretical point-spread
function and pyroomacoustics' SRP-PHAT and NormMUSIC."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..geometry import SPEED_OF_SOUND, as_positions, distances
from .contract import (
    _check_common,
    check_focus_points,
    frame_signals,
    steering_vectors,
    window_values,
)


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
    x, fs, mics, fp, L, hop, c = _check_common(
        signals, fs, mic_positions, focus_points, frame_length, None, c
    )
    lo, hi = (float(v) for v in freq_range)
    if not 0 <= lo < hi <= fs / 2:
        raise ValueError(
            f"freq_range must be (low, high) Hz with 0 <= low < high <= fs/2 = "
            f"{fs / 2}; got {freq_range!r}"
        )
    w = window_values("hann", L)
    # (M, L/2 + 1, T)
    X = np.fft.rfft(frame_signals(x, L) * w, axis=-1).transpose(0, 2, 1)
    doa = pra_doa(algorithm, mics, fs, L, fp, c=c)
    doa.locate_sources(X, freq_range=[lo, hi])
    return np.asarray(doa.grid.values, dtype=float).reshape(fp.shape[:2])


def pra_doa(
    algorithm: str,
    mic_positions: Any,
    fs: float,
    nfft: int,
    focus_points: Any,
    *,
    c: float = SPEED_OF_SOUND,
) -> Any:
    """pyroomacoustics' DOA object ``algorithm`` (a key of
    ``pyroomacoustics.doa.algorithms``, e.g. ``"SRP"``, ``"NormMUSIC"``; one source,
    3-D) for microphones ``(M, 3)`` metres, ``fs`` Hz and ``nfft``-point spectra,
    searching the far-field directions of ``focus_points`` ``(..., 3)`` metres from the
    array's centre, in their order (its ``grid.values`` after ``locate_sources``
    reshape to ``focus_points.shape[:-1]``).

    Given both azimuths and colatitudes, pyroomacoustics searches their cartesian
    product (``np.meshgrid`` of the unique values), not the paired points; a camera's
    directions are not such a product, so the grid is replaced by the paired points
    (``GridSphere(spherical_points=...)``) and the mode vectors rebuilt on it. The
    microphones are passed relative to their centre. Chapters 04 and 15.
    """
    import pyroomacoustics as pra
    from pyroomacoustics.doa import ModeVector
    from pyroomacoustics.doa.grid import GridSphere

    mics = as_positions(mic_positions, min_mics=2)
    fp = check_focus_points(focus_points)
    c = positive("c", c)
    centre = mics.mean(axis=0)
    d = fp.reshape(-1, 3) - centre
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    az = np.arctan2(d[:, 1], d[:, 0])
    col = np.arccos(np.clip(d[:, 2], -1, 1))
    doa = pra.doa.algorithms[algorithm](
        (mics - centre).T, fs, nfft, c=c, num_src=1, dim=3, n_grid=100
    )
    doa.grid = GridSphere(spherical_points=np.vstack([az, col]))
    doa.mode_vec = ModeVector(doa.L, fs, nfft, c, doa.grid)
    return doa


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
