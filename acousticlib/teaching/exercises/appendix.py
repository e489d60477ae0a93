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


@exercise(
    "A.3",
    "appendix_reproducing_the_papers",
    "GPUs needed to finish a training run before a deadline under data parallelism.",
)
def check_gpus_for_deadline(
    answer: Any,
    *,
    frames: int,
    epochs: int,
    samples_per_second: float,
    deadline_hours: float,
    efficiency: float = 0.9,
) -> Feedback:
    """The smallest whole ``N`` with ``hours_1 / (N * efficiency) <= deadline_hours``
    for ``N >= 2`` (``hours_1 <= deadline_hours`` for ``N = 1``), where ``hours_1 =
    frames x epochs / samples_per_second / 3600``; ``efficiency`` is the share of
    linear speed-up data parallelism keeps (appendix A)."""
    from ..._checks import in_range, positive

    v = _positive_ints(frames=frames, epochs=epochs)
    rate = positive("samples_per_second", samples_per_second)
    deadline = positive("deadline_hours", deadline_hours)
    eff = in_range("efficiency", efficiency, 0.0, 1.0)
    if eff == 0:
        raise ValueError("efficiency must lie in (0, 1]; got 0")
    hours = v["frames"] * v["epochs"] / rate / 3600
    if hours <= deadline:
        expected = 1
    else:
        expected = max(2, math.ceil(hours / (deadline * eff) - 1e-9))
    return compare_count(
        answer,
        expected,
        what="GPUs",
        right=f"{expected} GPUs: {hours:.1f} h on one GPU, "
        f"{hours / (expected * (eff if expected > 1 else 1)):.1f} h on {expected}.",
        mistakes=[
            (
                math.ceil(hours / deadline - 1e-9),
                "That assumes a perfect speed-up: divide by the efficiency too.",
            ),
            (
                hours / (deadline * eff),
                "A fraction of a GPU does not exist: round up.",
            ),
        ],
        hint="Hours on one GPU, divided by the deadline and by the efficiency, "
        "rounded up.",
    )
