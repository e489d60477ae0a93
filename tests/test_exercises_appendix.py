"""Checkers of the appendix's exercises (appendix A: reproducing the papers, scaling
up)."""

from __future__ import annotations

import pytest

from acousticlib import exercises


def test_gradient_steps_round_up_per_epoch_and_name_mistakes():
    # ceil(1276 / 32) = 40
    ok = exercises.check("A.1", 30 * 40, epochs=30, frames=1276, batch=32)
    assert ok.correct and ok.expected == 1200
    assert (
        "round up"
        in exercises.check(
            "A.1", 30 * 1276 / 32, epochs=30, frames=1276, batch=32
        ).message
    )
    assert (
        "samples"
        in exercises.check("A.1", 30 * 1276, epochs=30, frames=1276, batch=32).message
    )
    assert (
        "one epoch"
        in exercises.check("A.1", 40, epochs=30, frames=1276, batch=32).message
    )
    assert not exercises.check("A.1", "many", epochs=30, frames=1276, batch=32).correct
    # an exact division
    assert exercises.check("A.1", 3 * 2, epochs=3, frames=64, batch=32).correct
    with pytest.raises(ValueError, match="batch"):
        exercises.check("A.1", 1, epochs=1, frames=10, batch=0)


def test_training_hours_and_unit_mistakes():
    # 10 hours
    expected = 7200 * 100 / 20 / 3600
    assert exercises.check(
        "A.2", expected, frames=7200, epochs=100, samples_per_second=20
    ).correct
    assert not exercises.check(
        "A.2", 11.0, frames=7200, epochs=100, samples_per_second=20
    ).correct
    assert (
        "seconds"
        in exercises.check(
            "A.2", expected * 3600, frames=7200, epochs=100, samples_per_second=20
        ).message
    )
    assert (
        "minutes"
        in exercises.check(
            "A.2", expected * 60, frames=7200, epochs=100, samples_per_second=20
        ).message
    )
    assert not exercises.check(
        "A.2", float("nan"), frames=7200, epochs=100, samples_per_second=20
    ).correct
    with pytest.raises(ValueError, match="samples_per_second"):
        exercises.check("A.2", 1.0, frames=10, epochs=1, samples_per_second=0)


def test_appendix_exercises_are_catalogued():
    ids = {e.id: e for e in exercises.catalogue()}
    for i in ("A.1", "A.2"):
        assert ids[i].chapter == "appendix_reproducing_the_papers" and ids[i].statement
