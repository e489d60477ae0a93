"""Checkers for the book's exercises.

Each exercise of the book has an identifier (``"01.1"`` is the first exercise of chapter 01)
and a checker that computes the expected answer itself, from the same parameters the student
used, and compares. A student calls::

    from acousticlib import exercises
    exercises.check("01.1", my_answer, frequency=2000.0, aperture=0.5)

and gets a :class:`Feedback` that prints a verdict and, when wrong, a hint. A teacher grades a
class with :func:`grade` (a table of verdicts per student and exercise) and lists the exercises
with :func:`catalogue`.

This module is a read-only consumer of the library: nothing in the pipeline imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a message, and the expected value (for teachers)."""

    exercise: str
    correct: bool
    message: str
    expected: Any = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "correct" if self.correct else "not yet"
        return f"Exercise {self.exercise}: {mark}. {self.message}"

    def _repr_markdown_(self) -> str:  # shown by Jupyter
        icon = "✅" if self.correct else "❌"
        return f"{icon} **Exercise {self.exercise}**: {self.message}"


@dataclass(frozen=True)
class Exercise:
    """An exercise: its identifier, a one-line statement, and its checker."""

    id: str
    chapter: str
    statement: str
    checker: Callable[..., Feedback]


_REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, chapter: str, statement: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Decorator registering a checker under ``id``."""

    def register(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
        if id in _REGISTRY:
            raise ValueError(f"exercise {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, chapter, statement, fn)
        return fn

    return register


def catalogue() -> list[Exercise]:
    """All registered exercises, sorted by identifier."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def check(id: str, answer: Any, **params: Any) -> Feedback:
    """Check ``answer`` to exercise ``id`` (with the exercise's parameters as keywords)."""
    if id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"unknown exercise id {id!r}; known exercises: {known}")
    return _REGISTRY[id].checker(answer, **params)


def grade(submissions: Mapping[str, Mapping[str, Any]], **params: Any) -> dict[str, dict[str, bool]]:
    """Grade many students at once: ``{student: {exercise_id: answer}}`` → ``{student: {id: correct}}``.

    ``params`` are passed to every checker (only those it accepts)."""
    import inspect

    table: dict[str, dict[str, bool]] = {}
    for student, answers in submissions.items():
        row = {}
        for ex_id, answer in answers.items():
            fn = _REGISTRY[ex_id].checker if ex_id in _REGISTRY else None
            if fn is None:
                raise ValueError(f"student {student!r} answered unknown exercise {ex_id!r}")
            accepted = inspect.signature(fn).parameters
            kwargs = {k: v for k, v in params.items() if k in accepted}
            try:
                row[ex_id] = bool(fn(answer, **kwargs))
            except (TypeError, ValueError):
                row[ex_id] = False
        table[student] = row
    return table


def compare_number(exercise_id: str, answer: Any, expected: float, *, rtol: float = 0.05,
                   unit: str = "", hint: str = "") -> Feedback:
    """Feedback for a numeric answer within a relative tolerance ``rtol`` of ``expected``."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(exercise_id, False, f"expected a number{f' in {unit}' if unit else ''}; got {answer!r}.",
                        expected)
    if not math.isfinite(value):
        return Feedback(exercise_id, False, "the answer is not a finite number.", expected)
    ok = abs(value - expected) <= rtol * abs(expected)
    u = f" {unit}" if unit else ""
    if ok:
        return Feedback(exercise_id, True, f"{value:.4g}{u} is within {rtol:.0%} of the expected {expected:.4g}{u}.",
                        expected)
    direction = "too large" if value > expected else "too small"
    return Feedback(exercise_id, False, f"{value:.4g}{u} is {direction}. {hint}".strip(), expected)


# ---------------------------------------------------------------------------------------------
# Chapter 01
# ---------------------------------------------------------------------------------------------


@exercise("01.1", "01_acoustic_images_at_a_glance",
          "Predict the width (degrees) of the main lobe of an array of aperture D at frequency f.")
def check_beamwidth(answer: Any, *, frequency: float, aperture: float, c: float = 343.0) -> Feedback:
    """Beamwidth ≈ λ/D radians (the Rayleigh-like rule of thumb taught in chapter 01), in degrees."""
    from .geometry import beamwidth_deg

    expected = float(beamwidth_deg(frequency, aperture, c=c))
    return compare_number("01.1", answer, expected, rtol=0.1, unit="degrees",
                          hint="Use λ = c / f with c = 343 m/s, then θ ≈ λ / D in radians, and convert to degrees.")


@exercise("01.2", "01_acoustic_images_at_a_glance",
          "Find the pixel (row, column) of the acoustic image where the source is.")
def check_peak_pixel(answer: Any, *, expected_pixel: tuple[int, int], tolerance: int = 1) -> Feedback:
    """The answer is right when it lies within ``tolerance`` grid cells of the expected pixel."""
    try:
        row, col = (int(v) for v in np.asarray(answer).ravel()[:2])
    except (TypeError, ValueError):
        return Feedback("01.2", False, f"expected a (row, column) pair of integers; got {answer!r}.", expected_pixel)
    er, ec = expected_pixel
    dist = max(abs(row - er), abs(col - ec))
    if dist <= tolerance:
        return Feedback("01.2", True, f"({row}, {col}) is the source's pixel.", expected_pixel)
    return Feedback("01.2", False, f"({row}, {col}) is {dist} cells away from the source. Look for the maximum of "
                    "the energy map with np.unravel_index(np.argmax(...), shape).", expected_pixel)


# ---------------------------------------------------------------------------------------------
# Chapter 02
# ---------------------------------------------------------------------------------------------


@exercise("02.1", "02_array_geometry",
          "Highest frequency (Hz) at which a regular array of pitch d has no grating lobe, for steering up to a given angle.")
def check_grating_lobe_frequency(answer: Any, *, spacing: float, max_steer_deg: float = 90.0, c: float = 343.0) -> Feedback:
    """Expected ``c / (d (1 + sin theta_max))`` Hz (the half-wavelength rule at 90 degrees), chapter 02."""
    from .geometry import grating_lobe_frequency

    expected = float(grating_lobe_frequency(spacing, max_steer_deg=max_steer_deg, c=c))
    return compare_number("02.1", answer, expected, rtol=0.05, unit="Hz",
                          hint="A grating lobe enters the visible region when d (1 + sin theta) exceeds one wavelength.")


@exercise("02.2", "02_array_geometry",
          "Width (m) of the main lobe's footprint on a plane at a given distance: the smallest separable detail.")
def check_resolution_m(answer: Any, *, frequency: float, aperture: float, distance: float, c: float = 343.0) -> Feedback:
    """Expected ``distance * lambda / D`` metres (small-angle resolution), chapter 02."""
    from .geometry import wavelength

    distance = float(distance)
    if not (math.isfinite(distance) and distance > 0):
        raise ValueError(f"distance must be a positive number of metres; got {distance!r}")
    expected = distance * float(wavelength(frequency, c=c)) / float(aperture)
    return compare_number("02.2", answer, expected, rtol=0.1, unit="m",
                          hint="The main lobe spans about lambda / D radians; multiply by the distance.")


@exercise("02.3", "02_array_geometry",
          "How many microphones would a square regular array need to cover a given side without grating lobes up to f_max?")
def check_regular_mic_count(answer: Any, *, side: float, fmax: float, c: float = 343.0) -> Feedback:
    """Expected ``(ceil(side / (lambda_min / 2)) + 1)^2`` microphones (half-wavelength pitch), chapter 02."""
    from .geometry import wavelength

    side = float(side)
    if not (math.isfinite(side) and side > 0):
        raise ValueError(f"side must be a positive number of metres; got {side!r}")
    per_side = math.ceil(side / (float(wavelength(fmax, c=c)) / 2) - 1e-9) + 1
    expected = per_side**2
    return compare_number("02.3", answer, float(expected), rtol=0.12, unit="microphones",
                          hint="Pitch lambda_min / 2; count the intervals along one side, add one, and square.")


# ---------------------------------------------------------------------------------------------
# Chapter 03
# ---------------------------------------------------------------------------------------------


@exercise("03.1", "03_sound_propagation_and_simulation",
          "Difference of arrival times (ms) of a source's sound at two microphones.")
def check_arrival_difference_ms(answer: Any, *, source: Any, mic_a: Any, mic_b: Any, c: float = 343.0) -> Feedback:
    """Expected ``(|s - b| - |s - a|) / c`` in milliseconds (positive when b hears later), chapter 03."""
    from ._checks import as_array

    s = as_array("source", source, shape=(3,), dtype=float)
    a = as_array("mic_a", mic_a, shape=(3,), dtype=float)
    b = as_array("mic_b", mic_b, shape=(3,), dtype=float)
    expected = 1000 * (np.linalg.norm(s - b) - np.linalg.norm(s - a)) / c
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback("03.1", False, f"expected a number of milliseconds; got {answer!r}.", expected)
    ok = abs(value - expected) <= max(0.02 * abs(expected), 1e-4)
    if ok:
        return Feedback("03.1", True, f"{value:.4f} ms matches {expected:.4f} ms.", expected)
    hint = "The sign is wrong: b minus a." if abs(value + expected) <= 0.02 * abs(expected) else \
        "Compute both distances, subtract, and divide by c = 343 m/s (then x 1000 for ms)."
    return Feedback("03.1", False, f"{value:.4f} ms is not right. {hint}", expected)


@exercise("03.2", "03_sound_propagation_and_simulation",
          "Phase error (degrees) of the plane-wave model at the edge of an array, for an on-axis source at distance r.")
def check_far_field_phase_error(answer: Any, *, distance: float, radius: float, frequency: float,
                                c: float = 343.0) -> Feedback:
    """Expected ``360 f (sqrt(r^2 + a^2) - r) / c`` degrees for a microphone ``a`` m off the axis, chapter 03."""
    r, a, f = float(distance), float(radius), float(frequency)
    for name, val in (("distance", r), ("radius", a), ("frequency", f)):
        if not (math.isfinite(val) and val > 0):
            raise ValueError(f"{name} must be a positive number; got {val!r}")
    expected = 360 * f * (math.hypot(r, a) - r) / c
    return compare_number("03.2", answer, expected, rtol=0.05, unit="degrees",
                          hint="The extra path to the edge microphone is sqrt(r^2 + a^2) - r (about a^2 / 2r); "
                               "the phase is 360 f times its delay.")


@exercise("03.3", "03_sound_propagation_and_simulation",
          "SNR gain (dB) of averaging M aligned microphones whose sensor noises are independent.")
def check_averaging_gain_db(answer: Any, *, n_mics: int) -> Feedback:
    """Expected ``10 log10 M`` dB, chapter 03 (it fails for diffuse noise, which is correlated)."""
    m = int(n_mics)
    if m < 1:
        raise ValueError(f"n_mics must be >= 1; got {n_mics!r}")
    return compare_number("03.3", answer, 10 * math.log10(m), rtol=0.05, unit="dB",
                          hint="The signals add in amplitude (M^2 in power), independent noises add in power (M).")


# ---------------------------------------------------------------------------------------------
# Chapter 04
# ---------------------------------------------------------------------------------------------


def _positive_ints(exercise_id: str, **values: Any) -> dict[str, int]:
    out = {}
    for name, v in values.items():
        if int(v) < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r} (exercise {exercise_id})")
        out[name] = int(v)
    return out


@exercise("04.1", "04_beamforming",
          "Count the complex multiply-adds of one acoustic image (M microphones, H x W points, K bins).")
def check_image_operations(answer: Any, *, n_mics: int, grid: tuple[int, int], n_bins: int) -> Feedback:
    """One filter-and-sum image costs ``M`` complex multiply-adds per point and bin: ``M H W K``."""
    v = _positive_ints("04.1", n_mics=n_mics, rows=grid[0], cols=grid[1], n_bins=n_bins)
    expected = float(v["n_mics"] * v["rows"] * v["cols"] * v["n_bins"])
    return compare_number("04.1", answer, expected, rtol=0.01, unit="multiply-adds",
                          hint="Each output value Y_p(f_k) is a sum over all microphones of one product.")


@exercise("04.2", "04_beamforming",
          "Size (MB) of the whole complex64 steering tensor for M microphones, H x W points and K bins.")
def check_steering_memory_mb(answer: Any, *, n_mics: int, grid: tuple[int, int], n_bins: int) -> Feedback:
    """``K x H W x M`` complex64 values of 8 bytes each, in MB of 2^20 bytes."""
    v = _positive_ints("04.2", n_mics=n_mics, rows=grid[0], cols=grid[1], n_bins=n_bins)
    expected = v["n_bins"] * v["rows"] * v["cols"] * v["n_mics"] * 8 / 2**20
    return compare_number("04.2", answer, expected, rtol=0.02, unit="MB",
                          hint="A complex64 number is two float32, 8 bytes; 1 MB = 2**20 bytes.")


# ---------------------------------------------------------------------------------------------
# Chapter 05
# ---------------------------------------------------------------------------------------------


@exercise("05.1", "05_mfcc_compression_and_energy",
          "By what factor do n_mfcc coefficients compress an acoustic pixel of n_bins power values?")
def check_compression_ratio(answer: Any, *, n_bins: int = 512, n_mfcc: int = 12) -> Feedback:
    """The compression factor is ``n_bins / n_mfcc`` (512 / 12 for the papers' images)."""
    v = _positive_ints("05.1", n_bins=n_bins, n_mfcc=n_mfcc)
    return compare_number("05.1", answer, v["n_bins"] / v["n_mfcc"], rtol=0.01,
                          hint="Count the values per acoustic pixel before and after compression.")


@exercise("05.2", "05_mfcc_compression_and_energy",
          "Predict the un-normalized reciprocal energy map of a pixel whose mel energies are all equal.")
def check_flat_energy_map(answer: Any, *, n_mels: int = 24) -> Feedback:
    """A flat mel spectrum has all of c1..cC equal to 0, so each band rebuilds to exp(0) = 1 and the
    reciprocal of their sum is ``1 / n_mels``, whatever the spectrum's level (chapter 05)."""
    v = _positive_ints("05.2", n_mels=n_mels)
    return compare_number("05.2", answer, 1.0 / v["n_mels"], rtol=0.01,
                          hint="Without c0, a flat spectrum's coefficients are all zero. What does the inverse DCT give?")


@exercise("05.3", "05_mfcc_compression_and_energy",
          "Share of scenes whose map peak lies within one acoustic pixel of the true source.")
def check_localization_share(answer: Any, *, peaks: Any, truths: Any, tolerance: int = 1) -> Feedback:
    """``mean(max(|row - row*|, |col - col*|) <= tolerance)`` over scenes (a Chebyshev distance)."""
    p = np.asarray(peaks, dtype=int).reshape(-1, 2)
    t = np.asarray(truths, dtype=int).reshape(-1, 2)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(f"peaks and truths must both have shape (N, 2) with N >= 1; got {p.shape} and {t.shape}")
    expected = float(np.mean(np.abs(p - t).max(axis=1) <= int(tolerance)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback("05.3", False, f"expected a share between 0 and 1; got {answer!r}.", expected)
    if abs(value - expected) <= 0.5 / len(p):
        return Feedback("05.3", True, f"{value:.3f} of the scenes are localized within {tolerance} pixel(s).", expected)
    return Feedback("05.3", False, f"{value:.3f} is not the share of hits. Use the larger of the row and column "
                    f"errors and compare it with {tolerance}.", expected)


@exercise("06.1", "06_audio_visual_camera_dataset",
          "Number of one-second clips and of frames in a dataset configuration.")
def check_dataset_size(answer: Any, *, locations: int, unseen_locations: int, recordings_per_location: int,
                       background_per_location: int, recording_seconds: int, fps: int = 12) -> Feedback:
    """Clips = (locations + unseen) x (recordings + background) x seconds; frames = 12 x clips.

    ``answer`` is the pair ``(clips, frames)`` (chapter 06).
    """
    v = _positive_ints("06.1", locations=locations, recordings_per_location=recordings_per_location,
                       recording_seconds=recording_seconds, fps=fps)
    clips = (v["locations"] + int(unseen_locations)) * (v["recordings_per_location"] + int(background_per_location)) \
        * v["recording_seconds"]
    expected = (clips, clips * v["fps"])
    try:
        got = tuple(int(x) for x in answer)
    except (TypeError, ValueError):
        return Feedback("06.1", False, f"expected a pair (clips, frames) of integers; got {answer!r}.", expected)
    if got == expected:
        return Feedback("06.1", True, f"{clips} clips of 12 frames: {clips * v['fps']} frames.", expected)
    return Feedback("06.1", False, f"{got} is not right. Count recordings per location (sound and background), "
                    "multiply by the locations of every split, then by the seconds per recording.", expected)
