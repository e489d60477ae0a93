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


def test_gpus_for_deadline_rounds_up_and_counts_the_efficiency():
    # one GPU: 100000 x 100 / 200 / 3600 = 13.89 h; within 4 h at 90 %:
    # 13.89 / (4 x 0.9) = 3.86 -> 4 GPUs
    kw = dict(frames=100_000, epochs=100, samples_per_second=200, deadline_hours=4)
    ok = exercises.check("A.3", 4, **kw)
    assert ok.correct and ok.expected == 4
    # within 3 h: 13.89 / 2.7 = 5.14 -> 6 GPUs; a perfect speed-up would say 5
    kw["deadline_hours"] = 3
    assert exercises.check("A.3", 6, **kw).correct
    wrong = exercises.check("A.3", 5, **kw)
    assert not wrong and "efficiency" in wrong.message
    wrong = exercises.check("A.3", 100_000 * 100 / 200 / 3600 / 2.7, **kw)
    assert not wrong and "round up" in wrong.message
    assert not exercises.check("A.3", "six", **kw)
    # a run that fits the deadline on one GPU needs one
    assert exercises.check("A.3", 1, **{**kw, "deadline_hours": 20})
    with pytest.raises(ValueError, match="efficiency"):
        exercises.check("A.3", 1, **{**kw, "efficiency": 0.0})
    with pytest.raises(ValueError, match="deadline_hours"):
        exercises.check("A.3", 1, **{**kw, "deadline_hours": -1})
    ids = {e.id: e.chapter for e in exercises.catalogue()}
    assert ids["A.3"] == "appendix_reproducing_the_papers"
