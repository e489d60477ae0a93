"""Exercise checkers of chapter 02."""

from __future__ import annotations

import math
from typing import Any

from ._core import Feedback, compare_number, exercise


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
    from ...geometry import grating_lobe_frequency

    expected = float(grating_lobe_frequency(spacing, max_steer_deg=max_steer_deg, c=c))
    return compare_number(
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
    from ...geometry import wavelength

    distance = float(distance)
    if not (math.isfinite(distance) and distance > 0):
        raise ValueError(
            f"distance must be a positive number of metres; got {distance!r}"
        )
    expected = distance * float(wavelength(frequency, c=c)) / float(aperture)
    return compare_number(
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
    """Expected ``(ceil(side / (lambda_min / 2)) + 1)^2`` microphones (half-wavelength
    pitch), chapter 02."""
    from ...geometry import wavelength

    side = float(side)
    if not (math.isfinite(side) and side > 0):
        raise ValueError(f"side must be a positive number of metres; got {side!r}")
    per_side = math.ceil(side / (float(wavelength(fmax, c=c)) / 2) - 1e-9) + 1
    expected = per_side**2
    return compare_number(
        answer,
        float(expected),
        rtol=0.12,
        unit="microphones",
        hint="Pitch lambda_min / 2; count the intervals along one side, add one, and "
        "square.",
    )
