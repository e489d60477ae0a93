"""Exercise checkers of appendix A (reproducing the papers: scaling up)."""

from __future__ import annotations

import math
from typing import Any

from ._core import (
    Feedback,
    _positive_ints,
    compare_count,
    compare_number,
    exercise,
    verdict,
)


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
    v = _positive_ints(epochs=epochs, frames=frames, batch=batch)
    per_epoch = -(-v["frames"] // v["batch"])
    expected = v["epochs"] * per_epoch
    return compare_count(
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
    v = _positive_ints(frames=frames, epochs=epochs)
    from ..._checks import positive

    rate = positive("samples_per_second", samples_per_second)
    seconds = v["frames"] * v["epochs"] / rate
    expected = seconds / 3600
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict(False, f"expected a number of hours; got {answer!r}.", expected)
    if math.isfinite(value) and math.isclose(value, seconds, rel_tol=0.02):
        return verdict(
            False,
            f"{value:.4g} is the time in seconds; the question asks for hours.",
            expected,
        )
    if math.isfinite(value) and math.isclose(value, seconds / 60, rel_tol=0.02):
        return verdict(
            False,
            f"{value:.4g} is the time in minutes; the question asks for hours.",
            expected,
        )
    return compare_number(
        value if math.isfinite(value) else answer,
        expected,
        rtol=0.02,
        unit="hours",
        hint="Samples of all epochs, divided by the samples per second, then by 3600.",
    )
