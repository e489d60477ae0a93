"""MFCC compression of acoustic images, single-microphone MFCC, spectrograms, energy
maps (chapter 05); HearNet's linear-magnitude spectrogram (chapter 12).

The authors' recipe (``REFERENCE.md`` section 2), applied to each acoustic pixel's power
spectrum (512 bins of ``fs / 1024`` Hz):

1. 24 triangular filters on the HTK mel scale (``mel = 1127 ln(1 + f / 700)``) spanning
   0-6400 Hz, each peaking at 1 (librosa's ``filters.mel(htk=True, norm=None)``);
2. floor the mel energies at 1e-3 (an **absolute** floor, so the scale of the power
   matters), natural log; ``reference`` sets that scale: power is divided by ``reference
   ** 2`` first (1.0, the default, takes the numbers as they are, like the authors'
   device units; powers in pascals squared from our simulations should use
   :data:`P_REF`, see below);
3. orthonormal DCT-II (scipy), keep coefficients 1..12 and **drop c0**;
4. HTK lifter ``1 + (L / 2) sin(pi k / L)`` with ``L = 22`` for coefficient ``k``.

:func:`energy_map` inverts it approximately (the paper's localization map): per-image
min-max normalization, undo the lifter, inverse DCT without c0, exp, sum over bands and
take the **reciprocal**. Chapter 05 investigates why the reciprocal is there and when it
fails; :func:`direct_energy_map` is the uncompressed comparison. :func:`box_mask` and
:func:`peak_in_mask` ask whether a map's peak lies on a box (chapters 06 and 11; also
importable from :mod:`acousticlib.metrics`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ._checks import as_array, positive
from .beamforming import frame_signals, window_values
from .geometry import GRID_SHAPE
from .simulate import check_fs, check_signal

#: Floor applied to mel energies before the log (authors' recipe).
MEL_FLOOR = 1e-3

#: Reference sound pressure, 20 micropascals (0 dB SPL). Simulated powers are in Pa^2,
#: where a conversation at 1 m gives mel energies around 1e-5 and the absolute floor of
#: 1e-3 would clip almost everything (chapter 05 shows it). Divided by ``P_REF ** 2``
#: they are levels re 0 dB SPL, and the floor sits at -30 dB SPL, below hearing: it only
#: keeps the log finite, as on the Dual Cam's own numbers. The dataset of chapter 06
#: uses ``reference=P_REF`` everywhere.
P_REF = 20e-6


@lru_cache(maxsize=16)
def _mel_fb(
    fs: float, n_bins: int, n_mels: int, fmin: float, fmax: float
) -> np.ndarray:
    import librosa

    fb = librosa.filters.mel(
        sr=fs,
        n_fft=2 * n_bins,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        htk=True,
        norm=None,
    )
    # drop the Nyquist column: bins 0 .. n_bins - 1
    fb = np.ascontiguousarray(fb[:, :n_bins])
    fb.setflags(write=False)
    return fb


def mel_filterbank(
    fs: float,
    n_bins: int = 512,
    *,
    n_mels: int = 24,
    fmin: float = 0.0,
    fmax: float = 6400.0,
) -> np.ndarray:
    """HTK-mel triangular filterbank ``(n_mels, n_bins)`` for bins ``k fs / (2 n_bins)``
    Hz, peaks at 1.

    librosa's ``filters.mel(sr=fs, n_fft=2 n_bins, htk=True, norm=None)`` without the
    Nyquist column (acoustic images drop it). ``fmax`` may exceed ``fs / 2`` (the
    papers' 6400 Hz with 12 288 Hz sampling): the top triangles are then cut at Nyquist.
    """
    fs = check_fs(fs)
    n_bins = positive("n_bins", n_bins, integer=True)
    n_mels = positive("n_mels", n_mels, integer=True)
    fmin = positive("fmin", fmin, allow_zero=True)
    fmax = positive("fmax", fmax)
    if fmin >= fmax:
        raise ValueError(f"fmin must be below fmax; got fmin={fmin}, fmax={fmax}")
    return _mel_fb(fs, n_bins, n_mels, fmin, fmax)


def lifter_weights(n_mfcc: int, lifter: float) -> np.ndarray:
    """HTK lifter ``1 + (lifter / 2) sin(pi k / lifter)`` for coefficients ``k`` from 1
    to ``n_mfcc``, shape ``(n_mfcc,)``.

    ``lifter = 0`` gives weights of 1 (no liftering).
    """
    k = np.arange(1, n_mfcc + 1)
    if lifter == 0:
        return np.ones(n_mfcc)
    return 1 + (lifter / 2) * np.sin(np.pi * k / lifter)


def _check_mfcc_settings(
    n_mfcc: Any, n_mels: Any, lifter: Any
) -> tuple[int, int, float]:
    n_mels = positive("n_mels", n_mels, integer=True)
    n_mfcc = positive("n_mfcc", n_mfcc, integer=True)
    if n_mfcc > n_mels - 1:
        raise ValueError(
            f"n_mfcc must be at most n_mels - 1 = {n_mels - 1} (c0 is dropped); got "
            f"{n_mfcc}"
        )
    lifter = positive("lifter", lifter, allow_zero=True)
    return n_mfcc, n_mels, lifter


def mfcc_from_power(
    power: np.ndarray,
    fs: float,
    *,
    n_mfcc: int = 12,
    n_mels: int = 24,
    fmax: float = 6400.0,
    lifter: float = 22,
    reference: float = 1.0,
) -> np.ndarray:
    """The recipe on a power spectrum ``(..., K)`` (bins ``k fs / (2K)`` Hz): ``(...,
    n_mfcc)`` float32.

    ``power`` is divided by ``reference ** 2`` before the floor. Shared by
    :func:`mfcc_images` and :func:`single_mic_mfcc`; validation is theirs, except for
    ``reference``.
    """
    from scipy.fft import dct

    reference = positive("reference", reference)
    fb = mel_filterbank(fs, power.shape[-1], n_mels=n_mels, fmax=fmax)
    # the filterbank product in the power's own precision (a float64 copy of a 36 x 48 x
    # 512 stack cost more than beamforming it), the log and DCT in float64
    p = power if power.dtype in (np.float32, np.float64) else power.astype(np.float32)
    mel = (p @ fb.T.astype(p.dtype)).astype(np.float64)  # (..., n_mels)
    if reference != 1.0:
        mel /= reference * reference
    logmel = np.log(np.maximum(mel, MEL_FLOOR))
    cep = dct(logmel, type=2, norm="ortho", axis=-1)[..., 1 : n_mfcc + 1]
    return (cep * lifter_weights(n_mfcc, lifter)).astype(np.float32)


def mfcc_images(
    images: Any,
    fs: float,
    *,
    n_mfcc: int = 12,
    n_mels: int = 24,
    fmax: float = 6400.0,
    lifter: float = 22,
    reference: float = 1.0,
) -> np.ndarray:
    """MFCC of every acoustic pixel: ``images`` ``(..., K)`` power per bin -> ``(...,
    n_mfcc)`` float32.

    ``images`` are non-negative powers per real-FFT bin ``k = 0 .. K-1`` at ``k fs /
    (2K)`` Hz (e.g. ``(T, 36, 48, 512)`` from
    :func:`acousticlib.beamforming.acoustic_images`); ``fs`` is the sampling rate in Hz.
    The authors' recipe (module docstring): HTK mel, floor 1e-3, log, orthonormal
    DCT-II, coefficients 1..``n_mfcc`` (c0 dropped), lifter. ``reference``: the pressure
    unit of the floor, power is divided by ``reference ** 2`` first (1.0: the numbers as
    given; :data:`P_REF` for powers in Pa^2, as the dataset of chapter 06 does). Chapter
    05.
    """
    fs = check_fs(fs)
    n_mfcc, n_mels, lifter = _check_mfcc_settings(n_mfcc, n_mels, lifter)
    x = as_array(
        "images", images, nonnegative=True, what="(..., K): power per frequency bin"
    )
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(
            f"images must have shape (..., K) with K >= 2 frequency bins; got {x.shape}"
        )
    positive("fmax", fmax)
    return mfcc_from_power(
        x,
        fs,
        n_mfcc=n_mfcc,
        n_mels=n_mels,
        fmax=fmax,
        lifter=lifter,
        reference=reference,
    )


def minmax_normalize(
    x: Any, *, axes: int | tuple[int, ...] = (-3, -2, -1), name: str = "x"
) -> np.ndarray:
    """Rescale to [0, 1] by the min and max over ``axes`` (the authors' per-image
    normalization).

    Default axes: (height, width, coefficients), so each image of a ``(T, H, W, C)``
    stack is normalized on its own. A constant image becomes all zeros. float32.
    """
    a = as_array(name, x, dtype=np.float64)
    ax = (axes,) if isinstance(axes, int) else tuple(axes)
    if any(not -a.ndim <= i < a.ndim for i in ax):
        raise ValueError(
            f"{name} must have at least {max(abs(i) if i < 0 else i + 1 for i in ax)} "
            f"axes for axes={axes}; got shape {a.shape}"
        )
    lo = a.min(axis=ax, keepdims=True)
    span = a.max(axis=ax, keepdims=True) - lo
    return np.where(span > 0, (a - lo) / np.where(span > 0, span, 1), 0.0).astype(
        np.float32
    )


def energy_map(
    mfcc: Any, *, normalize: bool = True, n_mels: int = 24, lifter: float = 22
) -> np.ndarray:
    """The paper's energy map from MFCC images ``(..., H, W, C)``: one value per pixel
    ``(..., H, W)``.

    Steps: (optionally) min-max normalize each image over (H, W, C); divide by the
    lifter; inverse orthonormal DCT of ``[0, c1 .. cC, 0 ...]`` (c0 unknown, set to 0)
    to ``n_mels`` approximate log-mel values; exp; sum over bands; **reciprocal**.
    Chapter 05 explains why the reciprocal localizes (or not); binarize at the map's
    mean for IoU.
    """
    from scipy.fft import idct

    x = as_array("mfcc", mfcc, dtype=np.float64)
    if x.ndim < 3:
        raise ValueError(
            f"mfcc must have shape (..., H, W, C) with C coefficients; got {x.shape}"
        )
    n_mels = positive("n_mels", n_mels, integer=True)
    C = x.shape[-1]
    if C > n_mels - 1:
        raise ValueError(
            f"mfcc must have at most n_mels - 1 = {n_mels - 1} coefficients; got {C}"
        )
    lifter = positive("lifter", lifter, allow_zero=True)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False; got {normalize!r}")
    if normalize:
        x = minmax_normalize(x, name="mfcc").astype(np.float64)
    cep = np.zeros(x.shape[:-1] + (n_mels,))
    cep[..., 1 : C + 1] = x / lifter_weights(C, lifter)
    logmel = idct(cep, type=2, norm="ortho", axis=-1)
    return (1.0 / np.sum(np.exp(logmel), axis=-1)).astype(np.float32)


def direct_energy_map(
    images: Any, fs: float, *, fmin: float = 500.0, fmax: float = 6400.0
) -> np.ndarray:
    """Energy per pixel from the uncompressed power ``(..., K)``: sum over bins in
    ``[fmin, fmax]`` Hz.

    The reference against which chapter 05 judges :func:`energy_map`. Returns ``(...)``
    float32.
    """
    fs = check_fs(fs)
    x = as_array(
        "images", images, nonnegative=True, what="(..., K): power per frequency bin"
    )
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(
            f"images must have shape (..., K) with K >= 2 frequency bins; got {x.shape}"
        )
    fmin = positive("fmin", fmin, allow_zero=True)
    fmax = positive("fmax", fmax)
    if fmin >= fmax:
        raise ValueError(f"fmin must be below fmax; got fmin={fmin}, fmax={fmax}")
    f = np.arange(x.shape[-1]) * fs / (2 * x.shape[-1])
    band = (f >= fmin) & (f <= fmax)
    if not band.any():
        raise ValueError(f"no frequency bin lies in [fmin, fmax] = [{fmin}, {fmax}] Hz")
    return x[..., band].sum(axis=-1).astype(np.float32)


def peak_in_mask(maps: Any, masks: Any) -> np.ndarray:
    """Per map ``(N, H, W)``: 1.0 if its maximum lies inside the mask ``(N, H, W)``
    (e.g. :func:`box_mask`), else 0.0.

    The "pointing game" of chapter 11: does the energy peak on a true source? Also the
    test behind :func:`acousticlib.datasets.peaks_in_boxes` (chapter 06).
    """
    m = as_array("maps", maps, ndim=3, dtype=np.float64)
    k = as_array(
        "masks", masks, shape=m.shape, what="the maps' shape (N, H, W)"
    ).astype(bool)
    peak = m.reshape(len(m), -1).argmax(axis=1)
    return k.reshape(len(k), -1)[np.arange(len(k)), peak].astype(float)


def box_mask(boxes: Any, centres: Any) -> np.ndarray:
    """Ground-truth masks ``(N, H, W)`` bool of boxes on a grid (chapter 11's extra IoU
    column; chapter 06's alignment).

    ``boxes`` ``(N, S, 4)``: up to ``S`` boxes per sample, (top, left, bottom, right) in
    video pixels, rows of NaN for absent sources (the dataset's ``boxes`` array);
    ``centres`` ``(H, W, 2)``: the (row, column) video pixel of each grid cell's centre
    (``Camera.grid_pixel_centres()``). A cell is in the mask when its centre lies in one
    of the boxes (half-open: top <= row < bottom).
    """
    b = as_array("boxes", boxes, ndim=3, dtype=np.float64, finite=False)
    c = as_array("centres", centres, ndim=3, dtype=np.float64)
    if b.shape[-1] != 4:
        raise ValueError(
            f"boxes must have shape (N, S, 4) (top, left, bottom, right); got {b.shape}"
        )
    if c.shape[-1] != 2:
        raise ValueError(
            f"centres must have shape (H, W, 2) (row, column); got {c.shape}"
        )
    if np.isinf(b).any():
        raise ValueError("boxes must be finite or NaN (absent); got an infinite value")
    r, col = c[None, None, :, :, 0], c[None, None, :, :, 1]
    lo_r, lo_c, hi_r, hi_c = (b[:, :, i, None, None] for i in range(4))
    with np.errstate(invalid="ignore"):  # NaN boxes compare False: absent
        inside = (r >= lo_r) & (r < hi_r) & (col >= lo_c) & (col < hi_c)
    return inside.any(axis=1)


def power_share_below(signal: Any, fs: float, cutoff_hz: float) -> float:
    """The share (0 to 1) of a mono signal's power at frequencies below ``cutoff_hz``
    (Hz), from one FFT of the whole signal. Chapters 01 and 04 use it to hear why a beam
    aimed at an empty pixel sounds muffled: what leaks in is mostly low-frequency sound,
    where the main lobe is wide.
    """
    s = check_signal("signal", signal)
    check_fs(fs)
    cutoff_hz = positive("cutoff_hz", cutoff_hz)
    power = np.abs(np.fft.rfft(s)) ** 2
    total = power.sum()
    if total == 0:
        raise ValueError(
            "signal must not be all zeros (its power has no share to take)"
        )
    return float(power[np.fft.rfftfreq(len(s), 1 / fs) < cutoff_hz].sum() / total)


def power_spectra(
    signal: Any,
    fs: float,
    *,
    frame_length: int = 1024,
    hop: int | None = None,
    window: Any = ("tukey", 0.75),
) -> np.ndarray:
    """Framed power spectra of a mono signal: ``(T, frame_length/2)`` (Nyquist dropped),
    ``|FFT|^2 / sum w^2``.

    The same normalization as the acoustic images, so single-microphone and array
    features are on one scale. Default window: Tukey with alpha = 0.75 (the authors'
    single-microphone MFCC).
    """
    s = check_signal("signal", signal)
    check_fs(fs)
    fr = frame_signals(s, frame_length, hop, name="signal")
    w = window_values(window, fr.shape[-1])
    spec = np.fft.rfft(fr * w, axis=-1)[:, : fr.shape[-1] // 2]
    return (np.abs(spec) ** 2 / np.sum(w**2)).astype(np.float32)


def single_mic_mfcc(
    signal: Any,
    fs: float,
    *,
    frame_length: int = 1024,
    n_mfcc: int = 12,
    n_mels: int = 24,
    fmax: float = 6400.0,
    lifter: float = 22,
    normalize: bool = True,
    reference: float = 1.0,
) -> np.ndarray:
    """One MFCC vector per ``frame_length`` samples (1/12 s at 12 288 Hz): ``(T,
    n_mfcc)`` float32.

    Tukey window (alpha 0.75), no overlap, the same recipe as :func:`mfcc_images`
    (``reference`` included: :data:`P_REF` for a signal in pascals); with ``normalize``
    each vector is min-max scaled to [0, 1] (the authors' generator input). Tile it over
    the grid with :func:`tile_mfcc`. Chapter 05.
    """
    n_mfcc, n_mels, lifter = _check_mfcc_settings(n_mfcc, n_mels, lifter)
    pw = power_spectra(signal, fs, frame_length=frame_length)
    out = mfcc_from_power(
        pw,
        float(fs),
        n_mfcc=n_mfcc,
        n_mels=n_mels,
        fmax=fmax,
        lifter=lifter,
        reference=reference,
    )
    return minmax_normalize(out, axes=-1, name="mfcc") if normalize else out


def tile_mfcc(vectors: Any, shape: tuple[int, int] = GRID_SHAPE) -> np.ndarray:
    """Tile MFCC vectors ``(..., C)`` over an acoustic grid: ``(..., H, W, C)`` (default
    36 x 48).

    The papers' "tiled MFCC" input and baseline: the same spectrum in every direction.
    """
    v = as_array("vectors", vectors, dtype=np.float32)
    if v.ndim < 1:
        raise ValueError(f"vectors must have shape (..., C); got {v.shape}")
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be a pair (rows, cols); got {shape!r}")
    h = positive("shape[0]", shape[0], integer=True)
    w = positive("shape[1]", shape[1], integer=True)
    return np.ascontiguousarray(
        np.broadcast_to(v[..., None, None, :], v.shape[:-1] + (h, w, v.shape[-1]))
    )


def spectrogram(
    signal: Any,
    fs: float,
    *,
    n_fft: int = 512,
    hop: int | None = None,
    window: Any = "hann",
    scale: str = "magnitude",
) -> np.ndarray:
    """Short-time spectrum of a mono signal: ``(T, n_fft/2 + 1)`` float32, bins ``k fs /
    n_fft`` Hz.

    ``hop`` defaults to ``n_fft // 2``; ``scale`` is ``"magnitude"`` (``|FFT|``,
    HearNet's linear-magnitude input), ``"power"`` (``|FFT|^2 / sum w^2``) or ``"db"``
    (10 log10 of the power, floored at 1e-10).
    """
    s = check_signal("signal", signal)
    check_fs(fs)
    if scale not in ("magnitude", "power", "db"):
        raise ValueError(
            f"scale must be one of 'magnitude', 'power', 'db'; got {scale!r}"
        )
    n_fft = positive("n_fft", n_fft, integer=True)
    hop = n_fft // 2 if hop is None else hop
    fr = frame_signals(s, n_fft, hop, name="signal")
    w = window_values(window, n_fft)
    spec = np.abs(np.fft.rfft(fr * w, axis=-1))
    if scale == "magnitude":
        return spec.astype(np.float32)
    power = spec**2 / np.sum(w**2)
    return (
        power if scale == "power" else 10 * np.log10(np.maximum(power, 1e-10))
    ).astype(np.float32)


#: HearNet's spectrogram in the book (chapter 12): 256-sample Hann windows (20.8 ms at
#: 12 288 Hz, 129 bins of 48 Hz) every 64 samples (5.2 ms), so a 1-s clip gives
#: 192 x 129, near the 200 x 257 of Sanguineti et al. 2020 (2 s at 22.05 kHz, 20-ms
#: windows every 10 ms) and 16 frames per 1024-sample acoustic frame.
HEARNET_N_FFT = 256
HEARNET_HOP = 64


def linear_spectrogram(
    signal: Any,
    fs: float,
    *,
    n_fft: int = HEARNET_N_FFT,
    hop: int = HEARNET_HOP,
    window: Any = "hann",
    pad: bool = True,
) -> Any:
    """Linear-magnitude spectrogram of mono clips, HearNet's input (chapter 12): ``(...,
    T, n_fft // 2 + 1)`` float32, bin ``k`` at ``k fs / n_fft`` Hz, no normalization.

    ``signal`` ``(..., N)`` holds samples (any unit: pascals in the book's dataset)
    sampled at ``fs`` Hz; leading axes are clips, e.g. ``(B, 12288)`` for B one-second
    clips (a window's ``"audio"`` ``(B, 12, 1024)`` flattened with ``flatten(-2)``).
    Frame ``t`` is ``|rfft(w * x[t hop : t hop + n_fft])|`` with the periodic
    ``window`` ``w`` (a scipy name or an ``(n_fft,)`` array). With ``pad`` the clip is
    zero-padded by ``(n_fft - hop) / 2`` samples on each side (one more at the end when
    odd), so that frame ``t`` is centred on the ``t``-th block of ``hop`` samples and
    ``T = N // hop`` (192 for one second with the defaults); without it the frames are
    :func:`spectrogram`'s, ``T = (N - n_fft) // hop + 1``.

    A torch tensor gives a tensor on its device, computed in its precision (float16 in
    float32); anything else gives a NumPy array, computed in float64. The same input
    gives the same bits every call (no randomness, one FFT per frame).
    """
    import torch

    check_fs(fs)
    n_fft = positive("n_fft", n_fft, integer=True)
    hop = positive("hop", hop, integer=True)
    if pad and hop > n_fft:
        raise ValueError(
            f"hop must be at most n_fft = {n_fft} samples when pad=True; got {hop}"
        )
    w = torch.from_numpy(window_values(window, n_fft))
    if isinstance(signal, torch.Tensor):
        if signal.is_complex():
            raise TypeError(f"signal must hold real samples; got {signal.dtype}")
        x = signal if signal.dtype in (torch.float32, torch.float64) else signal.float()
        if x.ndim < 1 or not bool(torch.isfinite(x).all()):
            raise ValueError(
                f"signal must have shape (..., N) and be finite; got shape "
                f"{tuple(x.shape)} with {int((~torch.isfinite(x)).sum())} NaN/inf"
            )
    else:
        x = torch.from_numpy(as_array("signal", signal, dtype=np.float64))
        if x.ndim < 1:
            raise ValueError("signal must have shape (..., N) samples; got a scalar")
    n = x.shape[-1]
    if pad:
        extra = n_fft - hop
        x = torch.nn.functional.pad(x, (extra // 2, extra - extra // 2))
    if x.shape[-1] < n_fft:
        raise ValueError(
            f"signal must hold at least {hop if pad else n_fft} samples for n_fft="
            f"{n_fft}, hop={hop}, pad={pad}; got {n}"
        )
    frames = x.unfold(-1, n_fft, hop) * w.to(x.device, x.dtype)
    spec = torch.fft.rfft(frames, dim=-1).abs().float()
    if isinstance(signal, torch.Tensor):
        return spec
    return spec.numpy()


def log_mel_spectrogram(
    signal: Any,
    fs: float,
    *,
    n_fft: int = 256,
    hop: int = 128,
    n_mels: int = 64,
    fmin: float = 125.0,
    fmax: float | None = None,
) -> Any:
    """Log-mel spectrogram of mono clips in dB re :data:`P_REF` (20 uPa), the input of
    chapter 13's VGGish-like network: ``(..., T, n_mels)`` float32, ``T = N // hop``.

    Frames are :func:`linear_spectrogram`'s (centred, periodic Hann); each bin's
    one-sided power ``2 |X|^2 / (n_fft sum(w^2))`` (Pa^2: a frame's bins sum to its
    window-weighted mean square, so a tone of RMS ``p`` puts about ``p^2`` into its
    band) is summed by the HTK-mel filterbank of
    :func:`mel_filterbank` (``n_mels`` bands from ``fmin`` to ``fmax``, default the
    Nyquist frequency), divided by ``P_REF ** 2`` and floored at 1e-3 (-30 dB SPL, the
    acoustic images' floor) before ``10 log10``. The defaults at 12 288 Hz give
    VGGish's ``96 x 64`` for a 1-s clip (Hershey et al. 2017: 25-ms windows every 10
    ms, 64 bands; ours are 20.8 ms every 10.4 ms). A torch tensor gives a tensor on its
    device (float32), anything else a NumPy array.
    """
    import torch

    n_fft = positive("n_fft", n_fft, integer=True)
    if n_fft % 2:
        raise ValueError(f"n_fft must be even; got {n_fft}")
    fmax = check_fs(fs) / 2 if fmax is None else fmax
    fb = mel_filterbank(fs, n_fft // 2, n_mels=n_mels, fmin=fmin, fmax=fmax)
    mag = linear_spectrogram(signal, fs, n_fft=n_fft, hop=hop)
    t = mag if isinstance(mag, torch.Tensor) else torch.from_numpy(mag)
    w = torch.from_numpy(window_values("hann", n_fft))
    # one-sided power per bin: a frame's bins sum to its window-weighted mean square
    power = 2 * t[..., : n_fft // 2].double() ** 2 / (n_fft * float((w**2).sum()))
    mel = power @ torch.from_numpy(np.array(fb, np.float64)).T.to(power.device)
    out = (10 * torch.log10(torch.clamp(mel / P_REF**2, min=1e-3))).float()
    return out if isinstance(signal, torch.Tensor) else out.numpy()
