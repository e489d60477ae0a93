"""NormMUSIC maps through pyroomacoustics (chapter 15): the subspace localizer of the
array signals, one coarse map per frame.

MUSIC (Schmidt 1986) estimates, per frequency bin ``k``, the spatial covariance of the
microphones' spectra over ``S`` snapshots, ``R_k = (1/S) sum_s X(k, s) X(k, s)^H``,
takes its principal eigenvector ``e_k`` as the signal subspace (one source) and scores
each direction ``u`` by how little of its far-field steering vector ``a_k(u) =
exp(+j 2 pi f_k u . r_m / c)`` lies in the noise subspace::

    P_k(u) = 1 / | a_k(u)^H (I - e_k e_k^H) a_k(u) |

NormMUSIC (Salvati et al. 2014) divides each bin's pseudo-spectrum by its maximum over
the directions before summing the bins in the band, so that no bin dominates; the map
is that sum over the number of bins (dimensionless, in (0, 1]).
:func:`normmusic_maps` runs ``pyroomacoustics.doa.algorithms["NormMUSIC"]`` on the
paired directions of a coarse grid (:func:`acousticlib.beamforming.pra_doa`; given
azimuths and colatitudes, pyroomacoustics would search their cartesian product).

Snapshots: a frame of 1024 samples is cut into Hann-windowed STFT snapshots of ``nfft``
samples at a hop of ``nfft / 2`` (``(1024 - nfft) / (nfft / 2) + 1`` of them: 15 at
the default ``nfft = 128``). With one source only the principal eigenvector counts,
so a rank-deficient covariance (fewer snapshots than microphones) still gives a map;
a subset of microphones spread over the aperture (:func:`spread_microphones`, default
:data:`MUSIC_MICS`) keeps the cost down and the estimate of ``e_k`` closer to
well-conditioned (the measurements that chose the defaults are in
:data:`MUSIC_NFFT`'s and :data:`MUSIC_MICS`'s comments).

On the book profile's 120 middle test frames (40 per condition) the coarse 9 x 12 maps
point into the true box 88 % of the time (anechoic 95 %), SRP-PHAT on the full 36 x 48
grid 98 % (anechoic 100 %) and SRP-PHAT on the same 9 x 12 directions 80 %: a coarse
grid misses small boxes between its directions. The same NormMUSIC on the full grid
points 98 % of the time (anechoic 100 %) at about 3.6 frames/s, against 66 on the
coarse grid (one core, shared).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..beamforming import check_focus_points, frame_signals, pra_doa, window_values
from ..geometry import SPEED_OF_SOUND, as_positions
from .srp import SRP_BAND

#: Default STFT length of :func:`normmusic_maps`' snapshots, samples: 96 Hz bins at
#: 12 288 Hz, 15 snapshots per 1024-sample frame. Measured on the book profile's 120
#: middle test frames (9 x 12 grid, 32 microphones; pointing game on the 36 x 48 truth,
#: maps resized bilinearly): 64, 128, 256 and 1024 samples (31, 15, 7 and 1 snapshots)
#: point alike (0.875, 0.875, 0.867, 0.875), and so do the 191 snapshots of a whole 1-s
#: clip (0.867): the frame's own snapshots suffice; 128 is the fastest (66 frames/s
#: against 8.6 at 1024, whose 458 bins in the band each need an eigendecomposition).
MUSIC_NFFT = 128

#: Default number of microphones of :func:`normmusic_maps`, spread over the aperture by
#: :func:`spread_microphones` (a quarter of the Dual Cam's 128). On the same frames 16
#: point less often (0.85), 64 no better (0.858) and all 128 no better on the anechoic
#: ones (0.95, as 32) at 3.9 frames/s against 66: the covariance of 128 microphones
#: from 15 snapshots is far from full rank, and the peak's width is set by the
#: aperture, which the spread subset keeps.
MUSIC_MICS = 32

#: Default coarse grid of chapter 15's NormMUSIC maps: 4 x 4 blocks of the 36 x 48
#: acoustic grid (``Camera().focus_grid(MUSIC_GRID)`` passes through their centres).
MUSIC_GRID = (9, 12)


def spread_microphones(mic_positions: Any, k: int) -> np.ndarray:
    """Indices ``(k,)`` (ascending) of ``k`` microphones of ``mic_positions`` ``(M, 3)``
    metres spread over the aperture: farthest-point sampling from the microphone
    farthest from the array's centre, each next one the farthest from those already
    chosen (ties to the lowest index; deterministic). Chapter 15's NormMUSIC runs on
    such a subset."""
    mics = as_positions(mic_positions)
    k = positive("k", k, integer=True)
    if k > len(mics):
        raise ValueError(
            f"k must not exceed the {len(mics)} microphones of mic_positions; got {k}"
        )
    chosen = [int(np.argmax(np.linalg.norm(mics - mics.mean(axis=0), axis=1)))]
    nearest = np.linalg.norm(mics - mics[chosen[0]], axis=1)
    while len(chosen) < k:
        nxt = int(np.argmax(nearest))
        chosen.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(mics - mics[nxt], axis=1))
    return np.sort(np.asarray(chosen, dtype=np.int64))


def _subset(mics: np.ndarray, mic_subset: Any) -> np.ndarray:
    if mic_subset is None:
        return np.arange(len(mics))
    if isinstance(mic_subset, (int, np.integer)) and not isinstance(mic_subset, bool):
        return spread_microphones(mics, int(mic_subset))
    idx = as_array("mic_subset", mic_subset, ndim=1, what="(k,): microphone indices")
    if (
        not np.issubdtype(idx.dtype, np.integer)
        or idx.min() < 0
        or idx.max() >= len(mics)
        or len(np.unique(idx)) != len(idx)
    ):
        raise ValueError(
            f"mic_subset must be None, a count or distinct integer indices in [0, "
            f"{len(mics)}); got {mic_subset!r}"
        )
    return idx.astype(np.int64)


def normmusic_maps(
    signals: Any,
    fs: float,
    mic_positions: Any,
    directions: Any,
    *,
    frame_length: int = 1024,
    nfft: int = MUSIC_NFFT,
    freq_range: tuple[float, float] = SRP_BAND,
    mic_subset: int | Sequence[int] | None = MUSIC_MICS,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """NormMUSIC pseudo-spectrum maps ``(T, h, w)`` float64 (dimensionless, in (0, 1])
    of microphone signals ``(M, N)`` (Pa, or any linear unit) at ``fs`` Hz, one per
    frame of ``frame_length`` samples (T = N // frame_length), on the far-field
    directions of ``directions`` ``(h, w, 3)`` metres from the array's centre (e.g.
    ``Camera().resized(H, W).focus_grid(MUSIC_GRID)``: cell ``(i, j)`` is the direction
    of the acoustic image's cell of the same place in the frame).

    Each frame's snapshots are its Hann-windowed ``nfft``-sample STFT frames at a hop
    of ``nfft / 2`` (``nfft`` even, at most ``frame_length``; ``nfft = frame_length``
    is one snapshot per frame, ``frame_length = N`` one map of the whole signal); the
    bins ``round(freq_range / fs * nfft)`` (Hz; pyroomacoustics' rule, upper bin
    excluded) are summed after each is normalised to its maximum. ``mic_subset``: a
    count (that many microphones spread by :func:`spread_microphones`, default
    :data:`MUSIC_MICS`), explicit indices, or None (all). The module docstring gives
    the formula. Chapter 15.
    """
    fs = positive("fs", fs)
    mics = as_positions(mic_positions, min_mics=2)
    x = as_array(
        "signals", signals, ndim=2, dtype=np.float64, what="(M, N): mics x samples"
    )
    if x.shape[0] != len(mics):
        raise ValueError(
            f"signals must have one row per microphone ({len(mics)}); got "
            f"{x.shape[0]} rows"
        )
    frame_length = positive("frame_length", frame_length, integer=True)
    if frame_length > x.shape[1]:
        raise ValueError(
            f"frame_length must not exceed the signals' {x.shape[1]} samples; got "
            f"{frame_length}"
        )
    nfft = positive("nfft", nfft, integer=True)
    if nfft % 2 or nfft < 4 or nfft > frame_length:
        raise ValueError(
            f"nfft must be an even number of samples in [4, frame_length = "
            f"{frame_length}]; got {nfft}"
        )
    lo, hi = (float(f) for f in freq_range)
    if not 0 <= lo < hi <= fs / 2:
        raise ValueError(
            f"freq_range must be (low, high) Hz with 0 <= low < high <= fs / 2 = "
            f"{fs / 2}; got {freq_range}"
        )
    if round(hi / fs * nfft) <= round(lo / fs * nfft):
        raise ValueError(
            f"freq_range must hold at least one bin of {fs / nfft} Hz; got {freq_range}"
        )
    grid = check_focus_points(directions, "directions")
    if grid.ndim != 3:
        raise ValueError(
            f"directions must have shape (h, w, 3) in metres; got {grid.shape}"
        )
    idx = _subset(mics, mic_subset)
    if len(idx) < 2:
        raise ValueError(f"mic_subset must keep at least 2 microphones; got {len(idx)}")
    frames = frame_signals(x[idx], frame_length)  # (m, T, L)
    hop = nfft // 2
    snaps = np.lib.stride_tricks.sliding_window_view(frames, nfft, axis=-1)[
        ..., ::hop, :
    ]  # (m, T, S, nfft)
    spectra = np.fft.rfft(snaps * window_values("hann", nfft), axis=-1)
    doa = pra_doa("NormMUSIC", mics[idx], fs, nfft, grid, c=c)
    out = np.empty((frames.shape[1], *grid.shape[:2]))
    for t in range(frames.shape[1]):
        # pyroomacoustics wants (M, nfft / 2 + 1, S)
        doa.locate_sources(spectra[:, t].transpose(0, 2, 1), freq_range=[lo, hi])
        out[t] = np.asarray(doa.grid.values, dtype=np.float64).reshape(grid.shape[:2])
    return out
