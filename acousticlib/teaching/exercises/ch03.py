"""Exercise checkers of chapter 03."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import Feedback, compare_number, exercise, verdict


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
    from ..._checks import as_array

    s = as_array("source", source, shape=(3,), dtype=float)
    a = as_array("mic_a", mic_a, shape=(3,), dtype=float)
    b = as_array("mic_b", mic_b, shape=(3,), dtype=float)
    expected = 1000 * (np.linalg.norm(s - b) - np.linalg.norm(s - a)) / c
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict(
            False,
            f"expected a number of milliseconds; got {answer!r}.",
            expected,
        )
    ok = abs(value - expected) <= max(0.02 * abs(expected), 1e-4)
    if ok:
        return verdict(True, f"{value:.4f} ms matches {expected:.4f} ms.", expected)
    hint = (
        "The sign is wrong: b minus a."
        if abs(value + expected) <= 0.02 * abs(expected)
        else "Compute both distances, subtract, and divide by c = 343 m/s (then x 1000 "
        "for ms)."
    )
    return verdict(False, f"{value:.4f} ms is not right. {hint}", expected)


@exercise(
    "03.2",
    "03_sound_propagation_and_simulation",
    "Phase error (degrees) of the plane-wave model at the edge of an array, for an "
    "on-axis source at distance r.",
)
def check_far_field_phase_error(
    answer: Any, *, distance: float, radius: float, frequency: float, c: float = 343.0
) -> Feedback:
    """Expected ``360 f (sqrt(r^2 + a^2) - r) / c`` degrees for a microphone ``a`` m off
    the axis, chapter 03."""
    r, a, f = float(distance), float(radius), float(frequency)
    for name, val in (("distance", r), ("radius", a), ("frequency", f)):
        if not (math.isfinite(val) and val > 0):
            raise ValueError(f"{name} must be a positive number; got {val!r}")
    expected = 360 * f * (math.hypot(r, a) - r) / c
    return compare_number(
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
        answer,
        10 * math.log10(m),
        rtol=0.05,
        unit="dB",
        hint="The signals add in amplitude (M^2 in power), independent noises add in "
        "power (M).",
    )
