"""Procedural sounds: the ten ACIVW-like source classes and three background noises
(chapter 06).

The ACIVW dataset (Sanguineti et al. 2020) holds half an hour of outdoor recordings for
each of ten classes: drone, shopping cart, traffic, train, boat, fountain, drill, razor,
hair dryer and vacuum cleaner. It cannot be downloaded, so the book synthesises
stand-ins from the physics of each source: harmonic series of rotating machines (with
pitch jitter, frequency and amplitude modulation), band-limited aerodynamic and water
noise, impulsive events (rattles, rail joints, bubbles) filtered by resonant modes, and
Doppler pass-bys for vehicles. Every parameter (pitch, rates, timbre, mixing levels) is
drawn per instance, so two drones differ and a drone can resemble a razor: a classifier
has to learn the classes, not memorise a waveform.

All signals are mono ``float32`` arrays of ``round(duration * fs)`` samples,
peak-normalised to ``peak`` (full scale is 1.0), deterministic given the seed. Loudness
differences between sources are set by the scene (:class:`acousticlib.scenes.Source`
``level_db``), not here.

The default rate is 12 288 Hz, the papers' effective rate (1024 samples per 1/12-s video
frame); any integer rate >= 8000 Hz works: components above 45 % of the rate are left
out.

Where the parts live: the registry (:class:`SoundSpec`, :data:`SPECS`, :data:`CLASSES`,
:data:`BACKGROUNDS`), :func:`synthesize`, :func:`as_rng` and :data:`FS` are here; the
recipes of the classes and backgrounds are in :mod:`acousticlib._sound_recipes`, made of
the building blocks of :mod:`acousticlib._sound_blocks` (the home of :data:`BAND`,
importable from here as before). Imports run one way: ``_sound_blocks`` ->
``_sound_recipes`` -> ``sounds``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._sound_blocks import BAND
from ._sound_recipes import (
    _boat,
    _drill,
    _drone,
    _fountain,
    _hair_dryer,
    _razor,
    _room_tone,
    _shopping_cart,
    _traffic,
    _traffic_hum,
    _train,
    _vacuum_cleaner,
    _wind,
)
from .runtime import seeded_rng

__all__ = [
    "CLASSES",
    "BACKGROUNDS",
    "SPECS",
    "SoundSpec",
    "FS",
    "BAND",
    "as_rng",
    "synthesize",
    "class_index",
]

#: Default sampling rate in Hz: 1024 samples per 1/12-s frame, as in the authors' code.
FS: int = 12288


def as_rng(
    rng_or_seed: np.random.Generator | int, *salt: int | str
) -> np.random.Generator:
    """Return a NumPy generator from a generator (used as is) or a non-negative integer
    seed.

    A seed is expanded with :func:`acousticlib.runtime.seeded_rng` ``(seed, *salt)``, so
    the same seed used by two parts of the library gives independent streams. A
    generator is returned unchanged (``salt`` is then ignored) and advanced by the
    caller's draws.
    """
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    if isinstance(rng_or_seed, bool) or not isinstance(rng_or_seed, numbers.Integral):
        raise TypeError(
            f"rng must be a numpy.random.Generator or a non-negative integer seed; got "
            f"{type(rng_or_seed).__name__}"
        )
    if rng_or_seed < 0:
        raise ValueError(
            f"rng seed must be a non-negative integer; got {rng_or_seed!r}"
        )
    return seeded_rng(int(rng_or_seed), *salt)


@dataclass(frozen=True)
class SoundSpec:
    """A sound in the registry: its name, ``kind`` (``"source"`` or ``"background"``),
    its integer ``label`` (index in :data:`CLASSES` or :data:`BACKGROUNDS`), whether the
    physical object usually ``moves``, a one-line ``description`` and its recipe
    ``synth(rng, n, fs)``."""

    name: str
    kind: str
    label: int
    moves: bool
    description: str
    synth: Callable[[np.random.Generator, int, int], np.ndarray]


_SOURCES = (
    (
        "drone",
        True,
        "multirotor blade-pass harmonics with beating rotors, motor whine, Doppler",
        _drone,
    ),
    (
        "shopping_cart",
        True,
        "rolling noise, metallic rattle on the wheel rhythm, castor squeak",
        _shopping_cart,
    ),
    (
        "traffic",
        True,
        "vehicles passing by: tyre noise, engine harmonics, Doppler, rare horn",
        _traffic,
    ),
    (
        "train",
        True,
        "wheel-rail noise, rail-joint clack pairs, motor whine, flange squeal",
        _train,
    ),
    (
        "boat",
        True,
        "outboard engine odd harmonics with throttle modulation, water, Doppler",
        _boat,
    ),
    (
        "fountain",
        False,
        "broadband splash, rising bubble resonances, low rumble",
        _fountain,
    ),
    (
        "drill",
        False,
        "motor harmonics with trigger ramps, gear whine, optional hammer impacts",
        _drill,
    ),
    ("razor", False, "bright buzz near mains rate, cutting crackle", _razor),
    (
        "hair_dryer",
        False,
        "airflow noise with duct resonance, fan blade-pass tone",
        _hair_dryer,
    ),
    (
        "vacuum_cleaner",
        False,
        "high-speed motor whine, suction noise, swells and blockages",
        _vacuum_cleaner,
    ),
)
_BACKS = (
    ("wind", "gusty low-frequency turbulence and rustle", _wind),
    ("traffic_hum", "distant traffic rumble with faint engine harmonics", _traffic_hum),
    ("room_tone", "air conditioning, duct noise and mains hum", _room_tone),
)

#: The ten source classes, in the order of Sanguineti et al. 2020; a class's label is
#: its index here.
CLASSES: tuple[str, ...] = tuple(s[0] for s in _SOURCES)
#: The background noises used by the scene conditions.
BACKGROUNDS: tuple[str, ...] = tuple(b[0] for b in _BACKS)
#: Registry of every sound by name (sources and backgrounds).
SPECS: dict[str, SoundSpec] = {
    **{
        name: SoundSpec(name, "source", i, moves, desc, fn)
        for i, (name, moves, desc, fn) in enumerate(_SOURCES)
    },
    **{
        name: SoundSpec(name, "background", i, False, desc, fn)
        for i, (name, desc, fn) in enumerate(_BACKS)
    },
}


def class_index(name: str) -> int:
    """Integer label (0..9) of a source class name from :data:`CLASSES`."""
    _checks.one_of("name", name, CLASSES)
    return CLASSES.index(name)


def synthesize(
    name: str,
    duration: float = 1.0,
    fs: int = FS,
    rng: np.random.Generator | int = 0,
    *,
    peak: float = 0.9,
) -> np.ndarray:
    """Synthesise one random instance of a source class or a background noise (chapter
    06).

    Parameters
    ----------
    name:
        A source class from :data:`CLASSES` or a background from :data:`BACKGROUNDS`.
    duration:
        Length in seconds (> 0, at most 600).
    fs:
        Sampling rate in Hz, an integer >= 8000 (default 12 288 Hz).
    rng:
        A ``numpy.random.Generator`` or a non-negative integer seed; a seed is expanded
        with ``acousticlib.runtime.seeded_rng(seed, "sound", name)``, so the output
        depends only on ``(name, duration, fs, seed)``.
    peak:
        Peak absolute amplitude of the result, in (0, 1] (full scale = 1).

    Returns
    -------
    numpy.ndarray
        Mono signal, ``float32``, shape ``(round(duration * fs),)``, zero mean, peak
        ``peak``. The crest factor is soft-limited to about 5 (a gentle compressor), so
        rare loud impacts do not make the rest of the clip inaudible after peak
        normalisation.
    """
    _checks.one_of("name", name, tuple(SPECS))
    duration = _checks.positive("duration", duration)
    if duration > 600.0:
        raise ValueError(f"duration must be at most 600 s; got {duration!r}")
    fs = _checks.positive("fs", fs, integer=True)
    if fs < 8000:
        raise ValueError(f"fs must be an integer sampling rate >= 8000 Hz; got {fs!r}")
    _checks.in_range("peak", peak, 0.0, 1.0)
    if peak == 0.0:
        raise ValueError("peak must lie in (0, 1]; got 0.0")
    n = int(round(duration * fs))
    if n < 16:
        raise ValueError(
            f"duration * fs must give at least 16 samples; got {n} ({duration} s at "
            f"{fs} Hz)"
        )
    gen = as_rng(rng, "sound", name)
    x = SPECS[name].synth(gen, n, fs)
    x = x - x.mean()
    limit = 5.0 * np.sqrt(np.mean(x**2)) + 1e-12
    x = limit * np.tanh(x / limit)
    x *= peak / (np.max(np.abs(x)) + 1e-12)
    return x.astype(np.float32)
