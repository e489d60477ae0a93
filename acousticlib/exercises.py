"""Checkers for the book's exercises.

Each exercise of the book has an identifier (``"01.1"`` is the first exercise of chapter
01) and a checker that computes the expected answer itself, from the same parameters the
student used, and compares. A student calls::

    from acousticlib import exercises
    exercises.check("01.1", my_answer, frequency=2000.0, aperture=0.5)

and gets a :class:`Feedback` that prints a verdict and, when wrong, a hint. A teacher
grades a class with :func:`grade` (a table of verdicts per student and exercise) and
lists the exercises with :func:`catalogue`.

This module is a read-only consumer of the library: nothing in the pipeline imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a message, and the expected value (for
    teachers)."""

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


def exercise(
    id: str, chapter: str, statement: str
) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
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
    """Check ``answer`` to exercise ``id`` (with the exercise's parameters as
    keywords)."""
    if id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"unknown exercise id {id!r}; known exercises: {known}")
    return _REGISTRY[id].checker(answer, **params)


def grade(
    submissions: Mapping[str, Mapping[str, Any]], **params: Any
) -> dict[str, dict[str, bool]]:
    """Grade many students at once: ``{student: {exercise_id: answer}}`` → ``{student:
    {id: correct}}``.

    ``params`` are passed to every checker (only those it accepts)."""
    import inspect

    table: dict[str, dict[str, bool]] = {}
    for student, answers in submissions.items():
        row = {}
        for ex_id, answer in answers.items():
            fn = _REGISTRY[ex_id].checker if ex_id in _REGISTRY else None
            if fn is None:
                raise ValueError(
                    f"student {student!r} answered unknown exercise {ex_id!r}"
                )
            accepted = inspect.signature(fn).parameters
            kwargs = {k: v for k, v in params.items() if k in accepted}
            try:
                row[ex_id] = bool(fn(answer, **kwargs))
            except (TypeError, ValueError):
                row[ex_id] = False
        table[student] = row
    return table


def compare_number(
    exercise_id: str,
    answer: Any,
    expected: float,
    *,
    rtol: float = 0.05,
    unit: str = "",
    hint: str = "",
) -> Feedback:
    """Feedback for a numeric answer within a relative tolerance ``rtol`` of
    ``expected``."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            exercise_id,
            False,
            f"expected a number{f' in {unit}' if unit else ''}; got {answer!r}.",
            expected,
        )
    if not math.isfinite(value):
        return Feedback(
            exercise_id, False, "the answer is not a finite number.", expected
        )
    ok = abs(value - expected) <= rtol * abs(expected)
    u = f" {unit}" if unit else ""
    if ok:
        return Feedback(
            exercise_id,
            True,
            f"{value:.4g}{u} is within {rtol:.0%} of the expected {expected:.4g}{u}.",
            expected,
        )
    direction = "too large" if value > expected else "too small"
    return Feedback(
        exercise_id, False, f"{value:.4g}{u} is {direction}. {hint}".strip(), expected
    )


def compare_count(
    exercise_id: str,
    answer: Any,
    expected: int,
    *,
    what: str,
    right: str,
    mistakes: Sequence[tuple[float, str]] = (),
    hint: str = "",
) -> Feedback:
    """Feedback for a whole-number answer (a count of ``what``) that must equal
    ``expected``; ``mistakes`` pairs the value a common mistake gives with the hint that
    names it (the first match wins), ``hint`` is for any other wrong answer,
    ``right`` the message when correct."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            exercise_id,
            False,
            f"expected a whole number of {what}; got {answer!r}.",
            expected,
        )
    if value == expected:
        return Feedback(exercise_id, True, right, expected)
    named = next(
        (h for v, h in mistakes if v != expected and math.isclose(value, v)), hint
    )
    return Feedback(
        exercise_id, False, f"{value:,.0f} is not right. {named}".strip(), expected
    )


def compare_pair(
    exercise_id: str,
    answer: Any,
    expected: tuple[int, int],
    *,
    what: str,
    right: str,
    hint: str,
) -> Feedback:
    """Feedback for an answer that must equal the pair of integers ``expected``
    (``what`` names it)."""
    try:
        got = tuple(int(x) for x in answer)
    except (TypeError, ValueError):
        return Feedback(
            exercise_id,
            False,
            f"expected a pair {what} of integers; got {answer!r}.",
            expected,
        )
    if got == tuple(expected):
        return Feedback(exercise_id, True, right, expected)
    return Feedback(exercise_id, False, f"{got} is not right. {hint}", expected)


# --------------------------------------------------------------------------------------
# Chapter 01
# --------------------------------------------------------------------------------------


@exercise(
    "01.1",
    "01_acoustic_images_at_a_glance",
    "Predict the width (degrees) of the main lobe of an array of aperture D at "
    "frequency f.",
)
def check_beamwidth(
    answer: Any, *, frequency: float, aperture: float, c: float = 343.0
) -> Feedback:
    """Beamwidth ≈ λ/D radians (the Rayleigh-like rule of thumb taught in chapter
    01), in degrees."""
    from .geometry import beamwidth_deg

    expected = float(beamwidth_deg(frequency, aperture, c=c))
    return compare_number(
        "01.1",
        answer,
        expected,
        rtol=0.1,
        unit="degrees",
        hint="Use λ = c / f with c = 343 m/s, then θ ≈ λ / D in radians, and convert "
        "to degrees.",
    )


@exercise(
    "01.2",
    "01_acoustic_images_at_a_glance",
    "Find the pixel (row, column) of the acoustic image where the source is.",
)
def check_peak_pixel(
    answer: Any, *, expected_pixel: tuple[int, int], tolerance: int = 1
) -> Feedback:
    """The answer is right when it lies within ``tolerance`` grid cells of the
    expected pixel."""
    try:
        row, col = (int(v) for v in np.asarray(answer).ravel()[:2])
    except (TypeError, ValueError):
        return Feedback(
            "01.2",
            False,
            f"expected a (row, column) pair of integers; got {answer!r}.",
            expected_pixel,
        )
    er, ec = expected_pixel
    dist = max(abs(row - er), abs(col - ec))
    if dist <= tolerance:
        return Feedback(
            "01.2", True, f"({row}, {col}) is the source's pixel.", expected_pixel
        )
    return Feedback(
        "01.2",
        False,
        f"({row}, {col}) is {dist} cells away from the source. Look for the maximum of "
        "the energy map with np.unravel_index(np.argmax(...), shape).",
        expected_pixel,
    )


# --------------------------------------------------------------------------------------
# Chapter 02
# --------------------------------------------------------------------------------------


@exercise(
    "02.1",
    "02_array_geometry",
    "Highest frequency (Hz) at which a regular array of pitch d has no grating lobe, "
    "for steering up to a given angle.",
)
def check_grating_lobe_frequency(
    answer: Any, *, spacing: float, max_steer_deg: float = 90.0, c: float = 343.0
) -> Feedback:
    """Expected ``c / (d (1 + sin theta_max))`` Hz (the half-wavelength rule at 90
    degrees), chapter 02."""
    from .geometry import grating_lobe_frequency

    expected = float(grating_lobe_frequency(spacing, max_steer_deg=max_steer_deg, c=c))
    return compare_number(
        "02.1",
        answer,
        expected,
        rtol=0.05,
        unit="Hz",
        hint="A grating lobe enters the visible region when d (1 + sin theta) exceeds "
        "one wavelength.",
    )


@exercise(
    "02.2",
    "02_array_geometry",
    "Width (m) of the main lobe's footprint on a plane at a given distance: the "
    "smallest separable detail.",
)
def check_resolution_m(
    answer: Any, *, frequency: float, aperture: float, distance: float, c: float = 343.0
) -> Feedback:
    """Expected ``distance * lambda / D`` metres (small-angle resolution), chapter
    02."""
    from .geometry import wavelength

    distance = float(distance)
    if not (math.isfinite(distance) and distance > 0):
        raise ValueError(
            f"distance must be a positive number of metres; got {distance!r}"
        )
    expected = distance * float(wavelength(frequency, c=c)) / float(aperture)
    return compare_number(
        "02.2",
        answer,
        expected,
        rtol=0.1,
        unit="m",
        hint="The main lobe spans about lambda / D radians; multiply by the distance.",
    )


@exercise(
    "02.3",
    "02_array_geometry",
    "How many microphones would a square regular array need to cover a given side "
    "without grating lobes up to f_max?",
)
def check_regular_mic_count(
    answer: Any, *, side: float, fmax: float, c: float = 343.0
) -> Feedback:
    """Expected ``(ceil(side / (lambda_min / 2)) + 1)^2`` microphones
    (half-wavelength pitch), chapter 02."""
    from .geometry import wavelength

    side = float(side)
    if not (math.isfinite(side) and side > 0):
        raise ValueError(f"side must be a positive number of metres; got {side!r}")
    per_side = math.ceil(side / (float(wavelength(fmax, c=c)) / 2) - 1e-9) + 1
    expected = per_side**2
    return compare_number(
        "02.3",
        answer,
        float(expected),
        rtol=0.12,
        unit="microphones",
        hint="Pitch lambda_min / 2; count the intervals along one side, add one, and "
        "square.",
    )


# --------------------------------------------------------------------------------------
# Chapter 03
# --------------------------------------------------------------------------------------


@exercise(
    "03.1",
    "03_sound_propagation_and_simulation",
    "Difference of arrival times (ms) of a source's sound at two microphones.",
)
def check_arrival_difference_ms(
    answer: Any, *, source: Any, mic_a: Any, mic_b: Any, c: float = 343.0
) -> Feedback:
    """Expected ``(|s - b| - |s - a|) / c`` in milliseconds (positive when b hears
    later), chapter 03."""
    from ._checks import as_array

    s = as_array("source", source, shape=(3,), dtype=float)
    a = as_array("mic_a", mic_a, shape=(3,), dtype=float)
    b = as_array("mic_b", mic_b, shape=(3,), dtype=float)
    expected = 1000 * (np.linalg.norm(s - b) - np.linalg.norm(s - a)) / c
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            "03.1",
            False,
            f"expected a number of milliseconds; got {answer!r}.",
            expected,
        )
    ok = abs(value - expected) <= max(0.02 * abs(expected), 1e-4)
    if ok:
        return Feedback(
            "03.1", True, f"{value:.4f} ms matches {expected:.4f} ms.", expected
        )
    hint = (
        "The sign is wrong: b minus a."
        if abs(value + expected) <= 0.02 * abs(expected)
        else "Compute both distances, subtract, and divide by c = 343 m/s (then x 1000 "
        "for ms)."
    )
    return Feedback("03.1", False, f"{value:.4f} ms is not right. {hint}", expected)


@exercise(
    "03.2",
    "03_sound_propagation_and_simulation",
    "Phase error (degrees) of the plane-wave model at the edge of an array, for an "
    "on-axis source at distance r.",
)
def check_far_field_phase_error(
    answer: Any, *, distance: float, radius: float, frequency: float, c: float = 343.0
) -> Feedback:
    """Expected ``360 f (sqrt(r^2 + a^2) - r) / c`` degrees for a microphone ``a`` m
    off the axis, chapter 03."""
    r, a, f = float(distance), float(radius), float(frequency)
    for name, val in (("distance", r), ("radius", a), ("frequency", f)):
        if not (math.isfinite(val) and val > 0):
            raise ValueError(f"{name} must be a positive number; got {val!r}")
    expected = 360 * f * (math.hypot(r, a) - r) / c
    return compare_number(
        "03.2",
        answer,
        expected,
        rtol=0.05,
        unit="degrees",
        hint="The extra path to the edge microphone is sqrt(r^2 + a^2) - r (about a^2 "
        "/ 2r); "
        "the phase is 360 f times its delay.",
    )


@exercise(
    "03.3",
    "03_sound_propagation_and_simulation",
    "SNR gain (dB) of averaging M aligned microphones whose sensor noises are "
    "independent.",
)
def check_averaging_gain_db(answer: Any, *, n_mics: int) -> Feedback:
    """Expected ``10 log10 M`` dB, chapter 03 (it fails for diffuse noise, which is
    correlated)."""
    m = int(n_mics)
    if m < 1:
        raise ValueError(f"n_mics must be >= 1; got {n_mics!r}")
    return compare_number(
        "03.3",
        answer,
        10 * math.log10(m),
        rtol=0.05,
        unit="dB",
        hint="The signals add in amplitude (M^2 in power), independent noises add in "
        "power (M).",
    )


# --------------------------------------------------------------------------------------
# Chapter 04
# --------------------------------------------------------------------------------------


def _positive_ints(exercise_id: str, **values: Any) -> dict[str, int]:
    out = {}
    for name, v in values.items():
        if int(v) < 1:
            raise ValueError(
                f"{name} must be a positive integer; got {v!r} (exercise {exercise_id})"
            )
        out[name] = int(v)
    return out


@exercise(
    "04.1",
    "04_beamforming",
    "Count the complex multiply-adds of one acoustic image (M microphones, H x W "
    "points, K bins).",
)
def check_image_operations(
    answer: Any, *, n_mics: int, grid: tuple[int, int], n_bins: int
) -> Feedback:
    """One filter-and-sum image costs ``M`` complex multiply-adds per point and bin:
    ``M H W K``."""
    v = _positive_ints("04.1", n_mics=n_mics, rows=grid[0], cols=grid[1], n_bins=n_bins)
    expected = float(v["n_mics"] * v["rows"] * v["cols"] * v["n_bins"])
    return compare_number(
        "04.1",
        answer,
        expected,
        rtol=0.01,
        unit="multiply-adds",
        hint="Each output value Y_p(f_k) is a sum over all microphones of one product.",
    )


@exercise(
    "04.2",
    "04_beamforming",
    "Size (MB) of the whole complex64 steering tensor for M microphones, H x W points "
    "and K bins.",
)
def check_steering_memory_mb(
    answer: Any, *, n_mics: int, grid: tuple[int, int], n_bins: int
) -> Feedback:
    """``K x H W x M`` complex64 values of 8 bytes each, in MB of 2^20 bytes."""
    v = _positive_ints("04.2", n_mics=n_mics, rows=grid[0], cols=grid[1], n_bins=n_bins)
    expected = v["n_bins"] * v["rows"] * v["cols"] * v["n_mics"] * 8 / 2**20
    return compare_number(
        "04.2",
        answer,
        expected,
        rtol=0.02,
        unit="MB",
        hint="A complex64 number is two float32, 8 bytes; 1 MB = 2**20 bytes.",
    )


# --------------------------------------------------------------------------------------
# Chapter 05
# --------------------------------------------------------------------------------------


@exercise(
    "05.1",
    "05_mfcc_compression_and_energy",
    "By what factor do n_mfcc coefficients compress an acoustic pixel of n_bins power "
    "values?",
)
def check_compression_ratio(
    answer: Any, *, n_bins: int = 512, n_mfcc: int = 12
) -> Feedback:
    """The compression factor is ``n_bins / n_mfcc`` (512 / 12 for the papers'
    images)."""
    v = _positive_ints("05.1", n_bins=n_bins, n_mfcc=n_mfcc)
    return compare_number(
        "05.1",
        answer,
        v["n_bins"] / v["n_mfcc"],
        rtol=0.01,
        hint="Count the values per acoustic pixel before and after compression.",
    )


@exercise(
    "05.2",
    "05_mfcc_compression_and_energy",
    "Predict the un-normalized reciprocal energy map of a pixel whose mel energies are "
    "all equal.",
)
def check_flat_energy_map(answer: Any, *, n_mels: int = 24) -> Feedback:
    """A flat mel spectrum has all of c1..cC equal to 0, so each band rebuilds to exp(0)
    = 1 and the reciprocal of their sum is ``1 / n_mels``, whatever the spectrum's
    level (chapter 05)."""
    v = _positive_ints("05.2", n_mels=n_mels)
    return compare_number(
        "05.2",
        answer,
        1.0 / v["n_mels"],
        rtol=0.01,
        hint="Without c0, a flat spectrum's coefficients are all zero. What does the "
        "inverse DCT give?",
    )


@exercise(
    "05.3",
    "05_mfcc_compression_and_energy",
    "Share of scenes whose map peak lies within one acoustic pixel of the true source.",
)
def check_localization_share(
    answer: Any, *, peaks: Any, truths: Any, tolerance: int = 1
) -> Feedback:
    """``mean(max(|row - row*|, |col - col*|) <= tolerance)`` over scenes (a
    Chebyshev distance)."""
    p = np.asarray(peaks, dtype=int).reshape(-1, 2)
    t = np.asarray(truths, dtype=int).reshape(-1, 2)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(
            f"peaks and truths must both have shape (N, 2) with N >= 1; got {p.shape} "
            f"and {t.shape}"
        )
    expected = float(np.mean(np.abs(p - t).max(axis=1) <= int(tolerance)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            "05.3",
            False,
            f"expected a share between 0 and 1; got {answer!r}.",
            expected,
        )
    if abs(value - expected) <= 0.5 / len(p):
        return Feedback(
            "05.3",
            True,
            f"{value:.3f} of the scenes are localized within {tolerance} pixel(s).",
            expected,
        )
    return Feedback(
        "05.3",
        False,
        f"{value:.3f} is not the share of hits. Use the larger of the row and column "
        f"errors and compare it with {tolerance}.",
        expected,
    )


@exercise(
    "06.1",
    "06_audio_visual_camera_dataset",
    "Number of one-second clips and of frames in a dataset configuration.",
)
def check_dataset_size(
    answer: Any,
    *,
    locations: int,
    unseen_locations: int,
    recordings_per_location: int,
    background_per_location: int,
    recording_seconds: int,
    fps: int = 12,
) -> Feedback:
    """Clips = (locations + unseen) x (recordings + background) x seconds; frames = 12 x
    clips.

    ``answer`` is the pair ``(clips, frames)`` (chapter 06).
    """
    v = _positive_ints(
        "06.1",
        locations=locations,
        recordings_per_location=recordings_per_location,
        recording_seconds=recording_seconds,
        fps=fps,
    )
    clips = (
        (v["locations"] + int(unseen_locations))
        * (v["recordings_per_location"] + int(background_per_location))
        * v["recording_seconds"]
    )
    expected = (clips, clips * v["fps"])
    return compare_pair(
        "06.1",
        answer,
        expected,
        what="(clips, frames)",
        right=f"{clips} clips of 12 frames: {clips * v['fps']} frames.",
        hint="Count recordings per location (sound and background), multiply by the "
        "locations "
        "of every split, then by the seconds per recording.",
    )


# --------------------------------------------------------------------------------------
# Chapters 09-10: adversarial generators (AU-VAE, MCGAN)
# --------------------------------------------------------------------------------------


def _open_probability(exercise_id: str, name: str, value: Any) -> float:
    """``value`` as a float strictly between 0 and 1 (a discriminator's output), else
    ValueError."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"exercise {exercise_id}: {name} must be a probability in (0, 1); got "
            f"{value!r}"
        ) from None
    if not 0.0 < p < 1.0:
        raise ValueError(
            f"exercise {exercise_id}: {name} must be a probability in (0, 1); got "
            f"{value!r}"
        )
    return p


def _non_negative(exercise_id: str, **values: Any) -> dict[str, float]:
    out = {}
    for name, value in values.items():
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"exercise {exercise_id}: {name} must be a finite number >= 0; got "
                f"{value!r}"
            ) from None
        if not math.isfinite(v) or v < 0:
            raise ValueError(
                f"exercise {exercise_id}: {name} must be a finite number >= 0; got "
                f"{value!r}"
            )
        out[name] = v
    return out


@exercise(
    "09.1",
    "09_au_vae",
    "Value (nats) of the discriminator's binary cross-entropy for given outputs "
    "D(real) and D(generated).",
)
def check_discriminator_bce(
    answer: Any, *, d_real: float = 0.5, d_fake: float = 0.5
) -> Feedback:
    """``-(log D(y) + log(1 - D(G(x, z)))) / 2`` in nats, the mean of the real and
    generated halves as in ``acousticlib.losses.discriminator_loss``; ``log 2`` at
    ``D = 1/2`` (chapter 09)."""
    pr = _open_probability("09.1", "d_real", d_real)
    pf = _open_probability("09.1", "d_fake", d_fake)
    expected = -0.5 * (math.log(pr) + math.log(1.0 - pf))
    return compare_number(
        "09.1",
        answer,
        expected,
        rtol=0.01,
        unit="nats",
        hint="A real image is labelled 1 (its term is -log D), a generated one 0 (its "
        "term is "
        "-log(1 - D)); average the two terms and use natural logarithms.",
    )


@exercise(
    "09.2",
    "09_au_vae",
    "Share of the generator's loss (Eq. 3) carried by the adversarial term, for given "
    "weights and terms.",
)
def check_adversarial_share(
    answer: Any,
    *,
    adv: float,
    rec: float,
    lambda_adv: float = 1.0,
    lambda_rec: float = 100.0,
) -> Feedback:
    """``lambda_adv * adv / (lambda_adv * adv + lambda_rec * rec)`` (chapter 09): how
    much of the generator's objective the discriminator's opinion is, against the
    reconstruction term."""
    v = _non_negative(
        "09.2", adv=adv, rec=rec, lambda_adv=lambda_adv, lambda_rec=lambda_rec
    )
    total = v["lambda_adv"] * v["adv"] + v["lambda_rec"] * v["rec"]
    if total <= 0:
        raise ValueError(
            "exercise 09.2: the weighted loss lambda_adv * adv + lambda_rec * rec must "
            "be positive"
        )
    return compare_number(
        "09.2",
        answer,
        v["lambda_adv"] * v["adv"] / total,
        rtol=0.02,
        hint="Weigh each term by its lambda first, then divide the adversarial part by "
        "the sum.",
    )


@exercise(
    "09.3",
    "09_au_vae",
    "Ratio of the non-saturating to the saturating generator gradient (w.r.t. the "
    "logit) at D(G(x, z)) = p.",
)
def check_gradient_ratio(answer: Any, *, d_fake: float) -> Feedback:
    """With ``D = sigmoid(a)``: ``d log(1 - D)/da = -D`` and ``d(-log D)/da = -(1 -
    D)``; the ratio of their magnitudes is ``(1 - p) / p`` (chapter 09)."""
    p = _open_probability("09.3", "d_fake", d_fake)
    return compare_number(
        "09.3",
        answer,
        (1.0 - p) / p,
        rtol=0.02,
        hint="Differentiate both losses with respect to the logit a, using dD/da = D "
        "(1 - D).",
    )


@exercise(
    "10.1",
    "10_mcgan",
    "Optimal discriminator D*(y) = p_data(y) / (p_data(y) + p_g(y)) for two 1-D "
    "Gaussian densities.",
)
def check_optimal_discriminator(
    answer: Any,
    *,
    y: float,
    mu_data: float,
    sigma_data: float,
    mu_gen: float,
    sigma_gen: float,
) -> Feedback:
    """Goodfellow et al.'s optimum for a fixed generator, with normal densities
    ``N(mu, sigma^2)`` (chapter 10)."""
    from ._checks import positive

    sd = positive("sigma_data", sigma_data)
    sg = positive("sigma_gen", sigma_gen)
    y, md, mg = (float(v) for v in (y, mu_data, mu_gen))
    # log densities, to stay finite far in the tails
    ld = -0.5 * ((y - md) / sd) ** 2 - math.log(sd)
    lg = -0.5 * ((y - mg) / sg) ** 2 - math.log(sg)
    expected = 1.0 / (1.0 + math.exp(min(lg - ld, 700.0)))
    fb = compare_number(
        "10.1",
        answer,
        expected,
        rtol=0.02,
        hint="Evaluate both normal densities at y (the common 1/sqrt(2 pi) cancels), "
        "then "
        "p_data / (p_data + p_g).",
    )
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return fb
    # near 0 a relative test is too strict
    if not fb.correct and math.isfinite(value) and abs(value - expected) <= 0.005:
        return Feedback(
            "10.1",
            True,
            f"{value:.4g} is within 0.005 of the expected {expected:.4g}.",
            expected,
        )
    return fb


@exercise(
    "10.2",
    "10_mcgan",
    "Diversity ratio: mean pixel std across noise draws over mean pixel std across "
    "conditions.",
)
def check_diversity_ratio(answer: Any, *, samples: Any) -> Feedback:
    """``samples`` ``(K, N, ...)``: K noise draws for each of N conditions. Within = std
    over the K draws, averaged over conditions and pixels; across = std over the N
    conditions, averaged over draws and pixels; the answer is within / across (0 when
    the generator ignores z; chapter 10)."""
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim < 2 or s.shape[0] < 2 or s.shape[1] < 2 or not np.all(np.isfinite(s)):
        raise ValueError(
            f"samples must be a finite array (K, N, ...) with K >= 2 draws and N >= 2 "
            f"conditions; "
            f"got shape {s.shape}"
        )
    across = float(s.std(axis=1).mean())
    if across <= 0:
        raise ValueError(
            "samples must differ across conditions (their std across conditions is 0)"
        )
    expected = float(s.std(axis=0).mean()) / across
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            "10.2", False, f"expected a non-negative number; got {answer!r}.", expected
        )
    if math.isfinite(value) and abs(value - expected) <= max(0.02 * expected, 1e-4):
        return Feedback(
            "10.2",
            True,
            f"{value:.4g}: the noise moves a pixel {value:.1%} as much as the "
            f"condition does.",
            expected,
        )
    return Feedback(
        "10.2",
        False,
        f"{value:.4g} is not the ratio. Take the std over axis 0 (draws) and over axis "
        f"1 "
        "(conditions) separately, average each over everything else, then divide.",
        expected,
    )


# --------------------------------------------------------------------------------------
# Chapter 11
# --------------------------------------------------------------------------------------


def _share_feedback(
    exercise_id: str,
    answer: Any,
    expected: float,
    *,
    tol: float,
    what: str,
    hint: str,
    wrong: Mapping[str, float] | None = None,
) -> Feedback:
    """Feedback for an answer in [0, 1] within ``tol`` of ``expected``; ``wrong`` maps a
    named common mistake to the value it gives, so the hint can name it."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            exercise_id,
            False,
            f"expected a number between 0 and 1 ({what}); got {answer!r}.",
            expected,
        )
    if not math.isfinite(value):
        return Feedback(
            exercise_id, False, "the answer is not a finite number.", expected
        )
    if abs(value - expected) <= tol:
        return Feedback(
            exercise_id,
            True,
            f"{value:.4g} is the {what} (expected {expected:.4g}).",
            expected,
        )
    for mistake, v in (wrong or {}).items():
        if abs(value - v) <= tol and abs(v - expected) > tol:
            return Feedback(
                exercise_id,
                False,
                f"{value:.4g} is the {mistake}, not the {what}. {hint}",
                expected,
            )
    return Feedback(
        exercise_id, False, f"{value:.4g} is not the {what}. {hint}", expected
    )


@exercise(
    "11.1",
    "11_evaluating_generators",
    "Accuracy (GAN-test or GAN-train) of a classifier from its confusion matrix.",
)
def check_confusion_accuracy(answer: Any, *, confusion: Any) -> Feedback:
    """``confusion[i, j]`` counts test windows of true class i predicted as class j (a
    square matrix of non-negative counts); the accuracy is ``trace / sum`` (chapter
    11)."""
    from ._checks import as_array

    c = as_array("confusion", confusion, ndim=2, dtype=np.float64, nonnegative=True)
    if c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise ValueError(
            f"confusion must be a square (K, K) matrix with K >= 2 classes; got shape "
            f"{c.shape}"
        )
    if c.sum() <= 0:
        raise ValueError("confusion must count at least one test sample")
    expected = float(np.trace(c) / c.sum())
    rows = c.sum(axis=1)
    balanced = float(np.mean(np.diag(c)[rows > 0] / rows[rows > 0]))
    return _share_feedback(
        "11.1",
        answer,
        expected,
        tol=0.005,
        what="accuracy",
        hint="Count the correct predictions (the diagonal) and divide by all test "
        "samples.",
        wrong={"error rate": 1.0 - expected, "mean per-class recall": balanced},
    )


@exercise(
    "11.2",
    "11_evaluating_generators",
    "Intersection over union of two binary masks (e.g. binarized energy maps).",
)
def check_mask_iou(answer: Any, *, pred: Any, true: Any) -> Feedback:
    """``|P and T| / |P or T|`` of two binary masks ``(H, W)`` of the same shape (1 when
    both are empty), as ``acousticlib.metrics.iou`` computes it (chapter 11)."""
    from ._checks import as_array
    from .metrics import iou

    p = as_array("pred", pred, ndim=2, dtype=np.float64)
    t = as_array("true", true, ndim=2, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(
            f"pred and true must have the same shape; got {p.shape} and {t.shape}"
        )
    if not (np.isin(p, (0.0, 1.0)).all() and np.isin(t, (0.0, 1.0)).all()):
        raise ValueError(
            "pred and true must be binary masks holding only 0 and 1 (or False and "
            "True)"
        )
    expected = float(iou(p, t))
    inter, total = float((p * t).sum()), float(p.sum() + t.sum())
    dice = 2 * inter / total if total > 0 else 1.0
    return _share_feedback(
        "11.2",
        answer,
        expected,
        tol=0.005,
        what="IoU",
        hint="Divide the pixels in both masks by the pixels in at least one of them.",
        wrong={
            "Dice coefficient 2|P and T| / (|P| + |T|)": dice,
            "share of the true mask covered": inter / t.sum() if t.sum() else 1.0,
        },
    )


@exercise(
    "11.3",
    "11_evaluating_generators",
    "Area under the success curve of a set of IoU values, by the authors' convention.",
)
def check_success_auc(answer: Any, *, ious: Any) -> Feedback:
    """Success rate = share of IoU > t for t = 0, 0.1, ..., 1; the AUC is the trapezoid
    area under that curve (``acousticlib.metrics.success_auc(ious, "authors")``,
    chapter 11)."""
    from ._checks import as_array
    from .metrics import auc, success_auc, success_curve

    v = as_array("ious", ious, ndim=1, dtype=np.float64)
    if np.any((v < 0) | (v > 1)):
        raise ValueError(
            f"ious must lie in [0, 1]; got values from {v.min():.3g} to {v.max():.3g}"
        )
    expected = success_auc(v, "authors")
    t, _ = success_curve(v, "authors")
    not_strict = auc(t, (v[None, :] >= t[:, None]).mean(axis=1))
    return _share_feedback(
        "11.3",
        answer,
        expected,
        tol=0.005,
        what="authors' AUC",
        hint="Use 11 thresholds 0, 0.1, ..., 1, count a success when IoU > t "
        "(strictly), "
        "and integrate with the trapezoid rule (the two end points weigh half).",
        wrong={
            "LVS-convention AUC (21 thresholds, IoU >= t)": success_auc(v, "lvs"),
            "AUC with successes counted as IoU >= t": not_strict,
        },
    )


# --------------------------------------------------------------------------------------
# Chapter 07
# --------------------------------------------------------------------------------------


def trunk_grid(height: int, width: int, stages: int = 4) -> tuple[int, int]:
    """Rows and columns of a ResNet trunk's map for an ``height x width`` input:
    ``stages`` stride-2 steps (conv1, max-pool, layer2, layer3 for output stride 16),
    each rounding up."""
    h, w = int(height), int(width)
    for _ in range(int(stages)):
        h, w = -(-h // 2), -(-w // 2)
    return h, w


@exercise(
    "07.1",
    "07_visual_features",
    "Size of the stride-16 trunk map for a given frame size.",
)
def check_trunk_grid(answer: Any, *, height: int, width: int) -> Feedback:
    """``answer`` = (rows, cols) of the ResNet trunk cut at output stride 16 (chapter
    07)."""
    v = _positive_ints("07.1", height=height, width=width)
    expected = trunk_grid(v["height"], v["width"])
    return compare_pair(
        "07.1",
        answer,
        expected,
        what="(rows, cols)",
        right=f"{expected[0]} x {expected[1]} cells.",
        hint="Four stride-2 steps, each rounding up (padding keeps the last partial "
        "window).",
    )


def valid_conv_offset(size: int, cells: int, kernel: int, stride: int = 16) -> float:
    """Offset (pixels) between the centre of the first output cell of a ``kernel``-wide
    valid convolution on a stride-``stride`` ResNet trunk and the centre of the first of
    ``cells`` equal cells tiling ``size`` pixels (the paper's 3 x 4 convolution, chapter
    07). Trunk cell ``k`` is centred on input pixel ``stride * k``, whose centre lies at
    ``stride * k + 0.5`` when pixel ``i`` spans ``[i, i + 1)``, the convention of the
    cell centres ``(n + 0.5) size / cells``."""
    first_valid = stride * (kernel - 1) / 2 + 0.5
    return first_valid - size / cells / 2


@exercise(
    "07.2",
    "07_visual_features",
    "Misalignment of the paper's valid convolution with the acoustic grid, in pixels.",
)
def check_valid_conv_offset(
    answer: Any, *, size: int, cells: int, kernel: int, stride: int = 16
) -> Feedback:
    """``answer`` = offset in pixels of the first visual cell's centre from the first
    grid cell's centre."""
    v = _positive_ints("07.2", size=size, cells=cells, kernel=kernel, stride=stride)
    expected = valid_conv_offset(v["size"], v["cells"], v["kernel"], v["stride"])
    return compare_number(
        "07.2",
        answer,
        expected,
        rtol=0.02,
        unit="pixels",
        hint="A trunk cell k is centred on input pixel stride * k (at stride * k + "
        "0.5); a kernel of width K "
        "centres its first output on trunk cell (K - 1) / 2.",
    )


@exercise(
    "07.3", "07_visual_features", "Disk size of cached trunk features in megabytes."
)
def check_feature_megabytes(
    answer: Any,
    *,
    frames: int,
    channels: int,
    rows: int = 12,
    cols: int = 16,
    bytes_per_value: int = 2,
) -> Feedback:
    """``answer`` = size in MB (1e6 bytes) of ``frames`` feature maps of ``channels x
    rows x cols`` values."""
    v = _positive_ints(
        "07.3",
        frames=frames,
        channels=channels,
        rows=rows,
        cols=cols,
        bytes_per_value=bytes_per_value,
    )
    expected = (
        v["frames"] * v["channels"] * v["rows"] * v["cols"] * v["bytes_per_value"] / 1e6
    )
    return compare_number(
        "07.3",
        answer,
        expected,
        rtol=0.01,
        unit="MB",
        hint="frames x channels x 12 x 16 values, 2 bytes each in float16.",
    )


# --------------------------------------------------------------------------------------
# Chapter 08
# --------------------------------------------------------------------------------------


@exercise(
    "08.1",
    "08_u_vae",
    "KL divergence (nats) of a diagonal Gaussian posterior N(mu, diag sigma^2) from "
    "N(0, I).",
)
def check_gaussian_kl(answer: Any, *, mu: Any, sigma: Any) -> Feedback:
    """``sum_j 0.5 (mu_j^2 + sigma_j^2 - 1) - ln sigma_j`` in nats for vectors ``mu``,
    ``sigma`` ``(d,)``, ``sigma > 0`` (the U-VAE's latent term, chapter 08)."""
    from ._checks import as_array

    m = as_array("mu", mu, ndim=1, dtype=np.float64)
    s = as_array("sigma", sigma, ndim=1, dtype=np.float64)
    if m.shape != s.shape or m.size == 0:
        raise ValueError(
            f"mu and sigma must be vectors of the same length d >= 1; got {m.shape} "
            f"and {s.shape}"
        )
    if np.any(s <= 0):
        raise ValueError(f"sigma must hold standard deviations > 0; got {s.tolist()}")
    expected = float(np.sum(0.5 * (m**2 + s**2 - 1.0) - np.log(s)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            "08.1", False, f"expected a number of nats; got {answer!r}.", expected
        )
    tol = 0.01 * max(abs(expected), 0.1)
    if math.isfinite(value) and abs(value - expected) <= tol:
        return Feedback(
            "08.1", True, f"KL = {value:.4g} nats (expected {expected:.4g}).", expected
        )
    hint = (
        "Sum over the dimensions 0.5 (mu^2 + sigma^2 - 1) - ln sigma, with the natural "
        "logarithm."
    )
    if (
        math.isfinite(value)
        and abs(value - float(np.sum(0.5 * (m**2 + s**2 - 1.0) - 2 * np.log(s)))) <= tol
    ):
        hint = "The log term is ln sigma = 0.5 ln sigma^2, not ln sigma^2."
    return Feedback("08.1", False, f"{value:.4g} nats is not right. {hint}", expected)


@exercise(
    "08.2",
    "08_u_vae",
    "Parameters of the U-VAE's latent layer: a valid conv over the whole 12 x 16 map "
    "to 2 x latent outputs.",
)
def check_latent_layer_params(
    answer: Any, *, mid_channels: int, latent: int, grid: tuple[int, int] = (12, 16)
) -> Feedback:
    """``2 latent (mid_channels rows cols + 1)``: one filter per output (mu and raw
    sigma), each spanning the whole ``mid_channels x rows x cols`` map, plus its bias
    (chapter 08)."""
    v = _positive_ints(
        "08.2", mid_channels=mid_channels, latent=latent, rows=grid[0], cols=grid[1]
    )
    fan_in = v["mid_channels"] * v["rows"] * v["cols"]
    expected = 2 * v["latent"] * (fan_in + 1)
    return compare_count(
        "08.2",
        answer,
        expected,
        what="parameters",
        right=f"{expected:,} parameters: {2 * v['latent']} filters of {fan_in:,} "
        f"weights and one bias each.",
        mistakes=[
            (2 * v["latent"] * fan_in, "Each filter also has a bias."),
            (
                v["latent"] * (fan_in + 1),
                "The layer outputs both mu and the raw sigma: 2 x latent filters.",
            ),
        ],
        hint="Each filter sees every channel and every cell of the 12 x 16 map.",
    )


@exercise(
    "08.3",
    "08_u_vae",
    "By what factor is the latent vector smaller than the acoustic image (channels x "
    "rows x cols)?",
)
def check_latent_compression(
    answer: Any, *, latent: int, channels: int = 12, grid: tuple[int, int] = (36, 48)
) -> Feedback:
    """``channels rows cols / latent`` (20 736 / 150 = 138.24 at the paper's sizes;
    chapter 08)."""
    v = _positive_ints(
        "08.3", latent=latent, channels=channels, rows=grid[0], cols=grid[1]
    )
    return compare_number(
        "08.3",
        answer,
        v["channels"] * v["rows"] * v["cols"] / v["latent"],
        rtol=0.01,
        hint="Count the values of one acoustic image (all channels) and divide by the "
        "latent size.",
    )


# --------------------------------------------------------------------------------------
# Appendix A (reproducing the papers: scaling up)
# --------------------------------------------------------------------------------------


@exercise(
    "A.1",
    "appendix_reproducing_the_papers",
    "Gradient steps of a training run from its epochs, training frames per epoch and "
    "batch size.",
)
def check_gradient_steps(
    answer: Any, *, epochs: int, frames: int, batch: int
) -> Feedback:
    """``epochs x ceil(frames / batch)``: every epoch ends with one smaller batch when
    ``batch`` does not divide ``frames`` (the training loop keeps it; appendix A)."""
    v = _positive_ints("A.1", epochs=epochs, frames=frames, batch=batch)
    per_epoch = -(-v["frames"] // v["batch"])
    expected = v["epochs"] * per_epoch
    return compare_count(
        "A.1",
        answer,
        expected,
        what="gradient steps",
        right=f"{expected:,} steps: {v['epochs']} epochs of {per_epoch:,} batches.",
        mistakes=[
            (
                v["epochs"] * v["frames"] / v["batch"],
                "The last batch of an epoch is smaller but still one step: round up "
                "per epoch.",
            ),
            (
                v["epochs"] * v["frames"],
                "That counts training samples; one step takes a whole batch.",
            ),
            (per_epoch, "That is one epoch; multiply by the epochs."),
        ],
        hint="Batches per epoch (rounded up), times epochs.",
    )


@exercise(
    "A.2",
    "appendix_reproducing_the_papers",
    "Hours a training run takes from its samples per epoch, epochs and measured "
    "samples per second.",
)
def check_training_hours(
    answer: Any, *, frames: int, epochs: int, samples_per_second: float
) -> Feedback:
    """``frames x epochs / samples_per_second / 3600`` hours (validation passes left
    out; appendix A)."""
    v = _positive_ints("A.2", frames=frames, epochs=epochs)
    from ._checks import positive

    rate = positive("samples_per_second", samples_per_second)
    seconds = v["frames"] * v["epochs"] / rate
    expected = seconds / 3600
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(
            "A.2", False, f"expected a number of hours; got {answer!r}.", expected
        )
    if math.isfinite(value) and math.isclose(value, seconds, rel_tol=0.02):
        return Feedback(
            "A.2",
            False,
            f"{value:.4g} is the time in seconds; the question asks for hours.",
            expected,
        )
    if math.isfinite(value) and math.isclose(value, seconds / 60, rel_tol=0.02):
        return Feedback(
            "A.2",
            False,
            f"{value:.4g} is the time in minutes; the question asks for hours.",
            expected,
        )
    return compare_number(
        "A.2",
        value if math.isfinite(value) else answer,
        expected,
        rtol=0.02,
        unit="hours",
        hint="Samples of all epochs, divided by the samples per second, then by 3600.",
    )
