"""Exercise checkers of chapter 01."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import Feedback, compare_number, exercise, verdict


@exercise(
    "01.1",
    "01_acoustic_images_at_a_glance",
    "Predict the width (degrees) of the main lobe of an array of aperture D at "
    "frequency f.",
)
def check_beamwidth(
    answer: Any, *, frequency: float, aperture: float, c: float = 343.0
) -> Feedback:
    """Beamwidth ≈ λ/D radians (the Rayleigh-like rule of thumb taught in chapter 01),
    in degrees."""
    from ...geometry import beamwidth_deg

    expected = float(beamwidth_deg(frequency, aperture, c=c))
    return compare_number(
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
    """The answer is right when it lies within ``tolerance`` grid cells of the expected
    pixel."""
    try:
        row, col = (int(v) for v in np.asarray(answer).ravel()[:2])
    except (TypeError, ValueError):
        return verdict(
            False,
            f"expected a (row, column) pair of integers; got {answer!r}.",
            expected_pixel,
        )
    er, ec = expected_pixel
    dist = max(abs(row - er), abs(col - ec))
    if dist <= tolerance:
        return verdict(True, f"({row}, {col}) is the source's pixel.", expected_pixel)
    return verdict(
        False,
        f"({row}, {col}) is {dist} cells away from the source. Look for the maximum of "
        "the energy map with np.unravel_index(np.argmax(...), shape).",
        expected_pixel,
    )


@exercise(
    "01.3",
    "01_acoustic_images_at_a_glance",
    "Frequency above which the main lobe is narrower than one acoustic pixel.",
)
def check_pixel_frequency(
    answer: Any, *, aperture: float, pixel_deg: float, c: float = 343.0
) -> Feedback:
    """The frequency ``f`` (Hz) at which the main lobe, about ``lambda / D`` radians
    wide, spans exactly one pixel of the acoustic grid, ``pixel_deg`` degrees wide:
    ``f = c / (D * radians(pixel_deg))`` (chapter 01). Below it a source blurs over
    several pixels; above it the grid, not the array, limits the image's detail."""
    from ..._checks import positive

    d = positive("aperture", aperture)
    pix = positive("pixel_deg", pixel_deg)
    speed = positive("c", c)
    expected = speed / (d * np.radians(pix))
    mistakes = {
        "result with the pixel's width left in degrees": speed / (d * pix),
        "wavelength in metres, not the frequency": speed / expected,
    }
    try:
        value = float(answer)
    except (TypeError, ValueError):
        value = math.nan
    for mistake, v in mistakes.items():  # relative: the values span decades
        if math.isclose(value, v, rel_tol=0.05):
            return verdict(
                False,
                f"{value:.4g} is the {mistake}. Set lambda / D (radians) equal to the "
                "pixel's width in radians and solve for f = c / lambda.",
                expected,
            )
    return compare_number(
        answer,
        expected,
        rtol=0.05,
        unit="Hz",
        hint="Set lambda / D (radians) equal to the pixel's width in radians and "
        "solve for f = c / lambda.",
    )
