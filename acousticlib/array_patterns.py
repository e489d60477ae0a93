"""Beam patterns of planar arrays and the book's optimized aperiodic array (chapter
02).

Frequencies in Hz, wavelengths and positions in metres, beamwidths in degrees, levels in
dB; directions are unit vectors, or direction cosines ``(u, v)``, in the array frame of
:mod:`acousticlib.geometry`.

* Rules of thumb: :data:`SPEED_OF_SOUND` (m/s), :func:`wavelength`,
  :func:`beamwidth_deg`, :func:`grating_lobe_frequency`.
* Far-field beam patterns: :func:`uv_grid`, :func:`array_factor`,
  :func:`beam_pattern_db`, :func:`peak_sidelobe_level_db`.
* The optimized aperiodic array (128 microphones in 0.5 m x 0.5 m, the "Dual Cam"-like
  layout): :func:`optimized_aperiodic_array`, read from :data:`APERIODIC_CSV`; the
  optimizer behind it, :func:`optimize_aperiodic_layout` with the book's settings
  :data:`APERIODIC_DEFAULTS`, and :func:`write_optimized_layout`, which wrote the file.

Every name is importable from :mod:`acousticlib.geometry` as before. This module imports
only :mod:`acousticlib.runtime`, :mod:`acousticlib._checks` and
:mod:`acousticlib.mic_arrays`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from . import runtime
from ._checks import as_array, in_range, positive
from .mic_arrays import (
    MicArray,
    as_positions,
    read_array_csv,
    spiral_array,
    write_array_csv,
)

#: Speed of sound used throughout the book (m/s, air at about 20 degrees C).
SPEED_OF_SOUND = 343.0

_DATA = Path(__file__).resolve().parent / "data"
#: The cached optimized 128-microphone layout (written by
#: :func:`write_optimized_layout`).
APERIODIC_CSV = _DATA / "aperiodic128.csv"


# --------------------------------------------------------------------------------------
# Beam patterns
# --------------------------------------------------------------------------------------


def wavelength(
    freq: float | np.ndarray, *, c: float = SPEED_OF_SOUND
) -> float | np.ndarray:
    """Wavelength ``c / f`` in metres for frequency ``freq`` in Hz."""
    c = positive("c", c)
    f = as_array("freq", freq, dtype=float)
    if np.any(f <= 0):
        raise ValueError(f"freq must be > 0 Hz; its minimum is {f.min()!r}")
    out = c / f
    return float(out) if out.ndim == 0 else out


def beamwidth_deg(
    freq: float | np.ndarray, aperture: float, *, c: float = SPEED_OF_SOUND
) -> float | np.ndarray:
    """Rule-of-thumb main-lobe width ``lambda / D`` in **degrees** (chapter 02).

    About 6 degrees at 6.4 kHz and 39 degrees at 1 kHz for ``aperture`` D = 0.5 m.
    """
    aperture = positive("aperture", aperture)
    return np.degrees(wavelength(freq, c=c) / aperture)


def grating_lobe_frequency(
    spacing: float, *, max_steer_deg: float = 90.0, c: float = SPEED_OF_SOUND
) -> float:
    """Highest frequency (Hz) at which a regular array of pitch ``spacing`` m has no
    grating lobe.

    A grating lobe appears in the visible region when ``spacing > lambda / (1 +
    sin(theta))`` for steering up to ``max_steer_deg`` from broadside: ``f = c /
    (spacing * (1 + sin theta))``. With ``max_steer_deg=90`` this is the half-wavelength
    rule ``c / (2 * spacing)``.
    """
    spacing = positive("spacing", spacing)
    theta = in_range("max_steer_deg", max_steer_deg, 0.0, 90.0)
    c = positive("c", c)
    return c / (spacing * (1 + math.sin(math.radians(theta))))


def uv_grid(
    n: int = 101, *, extent: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direction cosines on an ``n x n`` grid: ``(u, v, directions)``.

    ``u = sin(theta) cos(phi)`` and ``v = sin(theta) sin(phi)`` span ``[-extent,
    extent]``; ``directions`` ``(n, n, 3)`` holds ``(u, v, w)`` with ``w = sqrt(1 - u^2
    - v^2)`` inside the visible region and ``w = 0`` outside. For a planar array the
    far-field pattern depends only on ``(u, v)``; ``extent > 1`` shows what enters the
    visible region when the beam is steered away from broadside (the pattern shifts by
    the steering direction's ``(u, v)``).
    """
    n = positive("n", n, integer=True)
    extent = positive("extent", extent)
    u1 = np.linspace(-extent, extent, n)
    u, v = np.meshgrid(u1, u1)
    w = np.sqrt(np.clip(1 - u**2 - v**2, 0, None))
    return u, v, np.stack([u, v, w], axis=-1)


def array_factor(
    mic_positions: Any,
    directions: Any,
    freqs: Any,
    *,
    steer: Any = (0.0, 0.0, 1.0),
    weights: Any = None,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Far-field array factor ``AF(d, f) = sum_m w_m exp(j k dot(d - d0, x_m))``
    (complex).

    Parameters
    ----------
    mic_positions: ``(M, 3)`` metres, or a :class:`MicArray`.
    directions: ``(..., 3)`` propagation-direction vectors (unit vectors of arrival, or
        ``(u, v, 0)`` from :func:`uv_grid` beyond the visible region).
    freqs: scalar or ``(F,)`` frequencies in Hz (> 0).
    steer: ``(3,)`` steering direction ``d0``.
    weights: ``(M,)`` real shading, default uniform ``1/M`` (normalized to sum to 1).
    c: speed of sound, m/s.

    Returns ``(F, ...)`` complex (``(...)`` for a scalar ``freqs``); ``AF = 1`` in the
    steering direction, and the **beam pattern** is ``|AF|^2`` (chapter 02).
    """
    pos = as_positions(mic_positions)
    d = as_array("directions", directions, dtype=float)
    if d.ndim < 1 or d.shape[-1] != 3:
        raise ValueError(f"directions must have shape (..., 3); got {d.shape}")
    f = as_array("freqs", freqs, ndim=(0, 1), dtype=float)
    if np.any(f <= 0):
        raise ValueError(f"freqs must be > 0 Hz; its minimum is {f.min()!r}")
    d0 = as_array("steer", steer, shape=(3,), dtype=float)
    c = positive("c", c)
    if weights is None:
        w = np.full(pos.shape[0], 1.0 / pos.shape[0])
    else:
        w = as_array("weights", weights, shape=(pos.shape[0],), dtype=float)
        if w.sum() == 0:
            raise ValueError("weights must not sum to 0")
        w = w / w.sum()
    proj = (d.reshape(-1, 3) - d0) @ pos.T  # (D, M) metres
    k = 2 * np.pi * np.atleast_1d(f) / c
    out = np.empty((k.size, proj.shape[0]), dtype=complex)
    for i, ki in enumerate(k):  # one frequency at a time keeps memory at D x M
        out[i] = np.exp(1j * ki * proj) @ w
    out = out.reshape((k.size,) + d.shape[:-1])
    return out[0] if f.ndim == 0 else out


def beam_pattern_db(
    mic_positions: Any,
    directions: Any,
    freqs: Any,
    *,
    steer: Any = (0.0, 0.0, 1.0),
    c: float = SPEED_OF_SOUND,
    floor_db: float = -60.0,
) -> np.ndarray:
    """Beam pattern ``10 log10 |AF|^2`` in dB (0 dB at the steering direction), floored
    at ``floor_db``.

    Same arguments and shapes as :func:`array_factor` (chapter 02).
    """
    af = array_factor(mic_positions, directions, freqs, steer=steer, c=c)
    return np.maximum(10 * np.log10(np.abs(af) ** 2 + 1e-30), floor_db)


def _sidelobe_mask(
    u: np.ndarray,
    v: np.ndarray,
    freq: float,
    aperture: float,
    mainlobe: float,
    c: float,
) -> np.ndarray:
    """True outside the main lobe: radius ``mainlobe * lambda / aperture`` in (u, v)
    around broadside."""
    return np.hypot(u, v) > mainlobe * (c / freq) / aperture


def peak_sidelobe_level_db(
    mic_positions: Any,
    freqs: Any,
    *,
    extent: float = 1.0,
    n: int = 101,
    mainlobe: float = 1.3,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Peak sidelobe level (dB relative to the main lobe) of the broadside far-field
    pattern.

    The pattern ``|AF|^2`` is evaluated on :func:`uv_grid` ``(n, extent)``; the main
    lobe is the disc of radius ``mainlobe * lambda / D`` (``D`` the array aperture)
    around broadside. A grating lobe shows up as a sidelobe near 0 dB. Returns ``(F,)``
    (or a scalar for scalar ``freqs``).
    """
    pos = as_positions(mic_positions, min_mics=2)
    f = as_array("freqs", freqs, ndim=(0, 1), dtype=float)
    mainlobe = positive("mainlobe", mainlobe)
    aperture = MicArray(pos).aperture
    u, v, dirs = uv_grid(n, extent=extent)
    dirs = np.stack([u, v, np.zeros_like(u)], axis=-1)
    af = np.abs(array_factor(pos, dirs, np.atleast_1d(f), c=c)) ** 2
    out = np.array(
        [
            10
            * np.log10(
                af[i][_sidelobe_mask(u, v, fi, aperture, mainlobe, c)].max() + 1e-30
            )
            for i, fi in enumerate(np.atleast_1d(f))
        ]
    )
    return float(out[0]) if f.ndim == 0 else out


# --------------------------------------------------------------------------------------
# The optimized aperiodic 128-microphone array
# --------------------------------------------------------------------------------------

#: Settings of the book's optimized 128-microphone layout (see
#: :func:`optimize_aperiodic_layout`).
APERIODIC_DEFAULTS: dict[str, Any] = dict(
    n_mics=128,
    side=0.5,
    min_spacing=0.02,
    freqs=(1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 6400.0),
    extent=1.5,
    n_grid=41,
    mainlobe=1.3,
    n_iter=4000,
    seed=0,
)


def optimize_aperiodic_layout(
    n_mics: int = 128,
    side: float = 0.5,
    *,
    min_spacing: float = 0.02,
    freqs: Any = APERIODIC_DEFAULTS["freqs"],
    extent: float = 1.5,
    n_grid: int = 41,
    mainlobe: float = 1.3,
    n_iter: int = 4000,
    seed: int = 0,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Optimize an aperiodic planar layout for a low broadband peak sidelobe; ``(M, 3)``
    metres.

    **What is optimized.** The Dual Cam uses an optimized aperiodic layout (Crocco &
    Trucco 2014, seed paper 002): the microphones are placed so that the beam pattern
    has no grating lobes and low sidelobes over the whole useful band, which a regular
    grid of 128 microphones over 0.5 m cannot achieve (its pitch is about 4.4 cm, larger
    than half a wavelength above about 3.9 kHz). We minimize the **worst peak sidelobe
    level over the band**

    ``J(x) = max_f max_{(u, v) outside the main lobe} |AF(u, v; f)|^2``

    where ``AF`` is the broadside far-field array factor (:func:`array_factor`) at the
    frequencies ``freqs`` (Hz), ``(u, v)`` ranges over an ``n_grid x n_grid`` grid of
    direction cosines in ``[-extent, extent]^2`` (``extent = 1.5`` covers the sidelobes
    that enter the visible region when the beam is steered about 30 degrees off axis,
    i.e. the whole camera field of view), and the main lobe is the disc of radius
    ``mainlobe * lambda / D``.

    **Constraints.** Every microphone stays inside the ``side x side`` square (metres)
    and at least ``min_spacing`` metres from every other one (a physical board).

    **How.** Start from a sunflower spiral (already aperiodic) inscribed in the square;
    then a seeded stochastic local search: at each of ``n_iter`` steps move one random
    microphone by a Gaussian step whose size shrinks from 2 cm to 1 mm, and keep the
    move if it satisfies the constraints and does not increase ``J``. Moving one
    microphone changes one term of the array factor, so each trial updates ``AF`` in
    ``O(F * n_grid^2)`` instead of recomputing it. The random stream comes from
    :func:`acousticlib.runtime.seeded_rng` ``(seed, "aperiodic")``, so the result is
    reproducible from ``seed`` (on one machine; floating-point differences across BLAS
    builds can change accept/reject decisions). :func:`write_optimized_layout` caches
    the default result in ``acousticlib/data/aperiodic128.csv``.
    """
    n = positive("n_mics", n_mics, integer=True)
    if n < 2:
        raise ValueError(f"n_mics must be >= 2; got {n}")
    side = positive("side", side)
    min_spacing = positive("min_spacing", min_spacing)
    if min_spacing * math.sqrt(n) > side:
        raise ValueError(
            f"min_spacing={min_spacing} m is too large for {n} microphones in a {side} "
            f"m square "
            f"(need min_spacing * sqrt(n_mics) <= side)"
        )
    f = as_array("freqs", freqs, ndim=1, dtype=float)
    if np.any(f <= 0):
        raise ValueError(f"freqs must be > 0 Hz; its minimum is {f.min()!r}")
    n_iter = positive("n_iter", n_iter, integer=True, allow_zero=True)
    c = positive("c", c)
    rng = runtime.seeded_rng(seed, "aperiodic")

    pos = spiral_array(n, side).positions[:, :2].copy()
    half = side / 2
    u, v, _ = uv_grid(n_grid, extent=extent)
    k = 2 * np.pi * f / c
    # sidelobe regions per frequency, with the main-lobe radius of a side x side
    # aperture
    mask = np.stack([_sidelobe_mask(u, v, fi, side, mainlobe, c) for fi in f]).reshape(
        len(f), -1
    )
    kx = k[:, None] * u.ravel()[None, :]  # (F, D)
    ky = k[:, None] * v.ravel()[None, :]

    def terms(p: np.ndarray) -> np.ndarray:  # (F, D) contribution of one microphone
        return np.exp(1j * (kx * p[0] + ky * p[1])) / n

    af = np.zeros_like(kx, dtype=complex)
    for p in pos:
        af += terms(p)

    def cost(a: np.ndarray) -> float:
        return float(np.max(np.where(mask, np.abs(a) ** 2, 0.0)))

    best = cost(af)
    steps = np.geomspace(0.02, 0.001, max(n_iter, 1))
    for it in range(n_iter):
        m = int(rng.integers(n))
        new = pos[m] + rng.normal(0.0, steps[it], 2)
        if np.any(np.abs(new) > half):
            continue
        d2 = np.sum((pos - new) ** 2, axis=1)
        d2[m] = np.inf
        if d2.min() < min_spacing**2:
            continue
        trial = af - terms(pos[m]) + terms(new)
        j = cost(trial)
        if j <= best:
            best, af, pos[m] = j, trial, new
    return np.column_stack([pos, np.zeros(n)])


def write_optimized_layout(path: str | Path = APERIODIC_CSV, **settings: Any) -> Path:
    """Run :func:`optimize_aperiodic_layout` with :data:`APERIODIC_DEFAULTS` (overridden
    by ``settings``) and write the layout as CSV (rounded to 1 micrometre) to ``path``.

    This is how ``acousticlib/data/aperiodic128.csv`` was generated; a unit test re-runs
    it and checks that it reproduces the file.
    """
    cfg = {**APERIODIC_DEFAULTS, **settings}
    pos = optimize_aperiodic_layout(**cfg)
    return write_array_csv(np.round(pos, 6), path)


def optimized_aperiodic_array(*, recompute: bool = False) -> MicArray:
    """The book's optimized aperiodic array: 128 microphones in a 0.5 m x 0.5 m square.

    Read from the cached ``acousticlib/data/aperiodic128.csv`` (see
    :func:`optimize_aperiodic_layout` for the optimization and
    :func:`write_optimized_layout` for how the file is made); ``recompute=True`` runs
    the optimization again (a few seconds). Chapter 02 shows its beam patterns.
    """
    if recompute or not APERIODIC_CSV.exists():
        pos = np.round(optimize_aperiodic_layout(**APERIODIC_DEFAULTS), 6)
    else:
        pos = read_array_csv(APERIODIC_CSV).positions
    return MicArray(pos, "optimized aperiodic 128 mics, 0.5 m")
