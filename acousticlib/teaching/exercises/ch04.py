"""Exercise checkers of chapter 04."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import (
    Feedback,
    _positive_ints,
    compare_number,
    compare_with_mistakes,
    exercise,
)


@exercise(
    "04.1",
    "04_beamforming",
    "Count the complex multiply-adds of one acoustic image (M microphones, H x W "
    "points, K bins).",
)
def check_image_operations(
    answer: Any, *, n_mics: int, grid: tuple[int, int], n_bins: int
) -> Feedback:
    """One filter-and-sum image costs ``M`` complex multiply-adds per point and bin: ``M
    H W K``."""
    v = _positive_ints(n_mics=n_mics, rows=grid[0], cols=grid[1], n_bins=n_bins)
    expected = float(v["n_mics"] * v["rows"] * v["cols"] * v["n_bins"])
    return compare_number(
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
    v = _positive_ints(n_mics=n_mics, rows=grid[0], cols=grid[1], n_bins=n_bins)
    expected = v["n_bins"] * v["rows"] * v["cols"] * v["n_mics"] * 8 / 2**20
    return compare_number(
        answer,
        expected,
        rtol=0.02,
        unit="MB",
        hint="A complex64 number is two float32, 8 bytes; 1 MB = 2**20 bytes.",
    )


@exercise(
    "04.3",
    "04_beamforming",
    "Contrast of an energy map, peak over median, in dB.",
)
def check_map_contrast(answer: Any, *, energy: Any) -> Feedback:
    """``10 log10(max / median)`` of a map of non-negative energies (a power, so 10
    log10; chapter 04's measure of how far the source stands above the haze)."""
    from ..._checks import as_array

    e = as_array("energy", energy, dtype=np.float64, nonnegative=True)
    median = float(np.median(e))
    if e.size == 0 or median <= 0:
        raise ValueError("energy must be a non-empty map with a positive median")
    peak = float(e.max())
    expected = float(10 * np.log10(peak / median))
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.05,
        what="contrast in dB",
        expects="a contrast in dB",
        hint="Divide the map's maximum by its median (np.median), then take "
        "10 log10: the map holds energies, which are powers.",
        wrong={
            "contrast with 20 log10 (an amplitude's dB)": 2 * expected,
            "contrast over the mean instead of the median": float(
                10 * np.log10(peak / e.mean())
            ),
            "ratio itself, not in dB": peak / median,
        },
    )
