"""Exercise checkers of chapter 05."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Feedback, _positive_ints, compare_number, exercise, verdict


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
    v = _positive_ints(n_bins=n_bins, n_mfcc=n_mfcc)
    return compare_number(
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
    v = _positive_ints(n_mels=n_mels)
    return compare_number(
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
    """``mean(max(|row - row*|, |col - col*|) <= tolerance)`` over scenes (a Chebyshev
    distance)."""
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
        return verdict(
            False,
            f"expected a share between 0 and 1; got {answer!r}.",
            expected,
        )
    if abs(value - expected) <= 0.5 / len(p):
        return verdict(
            True,
            f"{value:.3f} of the scenes are localized within {tolerance} pixel(s).",
            expected,
        )
    return verdict(
        False,
        f"{value:.3f} is not the share of hits. Use the larger of the row and column "
        f"errors and compare it with {tolerance}.",
        expected,
    )
