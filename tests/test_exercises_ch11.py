"""Chapter 11's exercise checkers accept right answers, name common mistakes and
reject bad input."""

from __future__ import annotations

import numpy as np
import pytest

from acousticlib import exercises, metrics


def test_confusion_accuracy_checker():
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 9, size=(10, 10)) + np.diag(
        rng.integers(5, 20, size=10)
    )
    right = np.trace(confusion) / confusion.sum()
    assert exercises.check("11.1", right, confusion=confusion)
    # the accuracy of explicit predictions agrees with the confusion-matrix formula
    true = np.repeat(np.arange(10), confusion.sum(1))
    pred = np.concatenate([np.repeat(np.arange(10), row) for row in confusion])
    assert exercises.check("11.1", np.mean(true == pred), confusion=confusion)
    wrong = exercises.check("11.1", 1 - right, confusion=confusion)
    assert not wrong and "error rate" in wrong.message
    assert not exercises.check("11.1", right + 0.05, confusion=confusion)
    assert not exercises.check("11.1", "most of them", confusion=confusion)
    assert not exercises.check("11.1", float("nan"), confusion=confusion)


def test_confusion_accuracy_names_balanced_accuracy():
    # imbalanced: accuracy 0.864, mean recall 0.7
    confusion = np.array([[90, 10], [5, 5]])
    assert exercises.check("11.1", 95 / 110, confusion=confusion)
    wrong = exercises.check("11.1", 0.7, confusion=confusion)
    assert not wrong and "per-class recall" in wrong.message


@pytest.mark.parametrize(
    "bad",
    [
        np.ones((3, 4)),
        np.ones(5),
        -np.eye(3),
        np.zeros((3, 3)),
        [[1.0]],
        [[1, np.nan], [0, 1]],
    ],
)
def test_confusion_accuracy_rejects_bad_matrices(bad):
    with pytest.raises(ValueError, match="confusion"):
        exercises.check("11.1", 0.5, confusion=bad)


def test_mask_iou_checker():
    pred = np.zeros((6, 8), int)
    true = np.zeros((6, 8), int)
    pred[1:4, 1:5] = 1  # 12 pixels
    true[2:5, 3:7] = 1  # 12 pixels, 4 shared
    right = 4 / 20
    assert float(metrics.iou(pred, true)) == pytest.approx(right)
    assert exercises.check("11.2", right, pred=pred, true=true)
    dice = exercises.check("11.2", 2 * 4 / 24, pred=pred, true=true)
    assert not dice and "Dice" in dice.message
    assert not exercises.check("11.2", 4 / 12 + 0.1, pred=pred, true=true)
    assert not exercises.check("11.2", None, pred=pred, true=true)
    # two empty masks
    assert exercises.check("11.2", 1.0, pred=np.zeros((2, 2)), true=np.zeros((2, 2)))


def test_mask_iou_rejects_bad_masks():
    with pytest.raises(ValueError, match="same shape"):
        exercises.check("11.2", 0.5, pred=np.zeros((3, 3)), true=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="binary"):
        exercises.check("11.2", 0.5, pred=np.full((3, 3), 0.3), true=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="pred"):
        exercises.check("11.2", 0.5, pred=np.zeros(9), true=np.zeros(9))


def test_success_auc_checker():
    # IoU 0 never succeeds (IoU > t), IoU 1 once
    ious = np.array([0.0, 0.0, 0.3, 0.5, 0.55, 0.8, 1.0])
    # by hand: success rate at t = 0, 0.1, ..., 1 (IoU > t), trapezoid with step 0.1
    t = np.linspace(0, 1, 11)
    rates = np.array([(ious > x).mean() for x in t])
    right = float(np.sum(0.1 * (rates[1:] + rates[:-1]) / 2))
    assert right == pytest.approx(metrics.success_auc(ious))
    assert exercises.check("11.3", right, ious=ious)
    lvs = exercises.check("11.3", metrics.success_auc(ious, "lvs"), ious=ious)
    assert not lvs and "LVS" in lvs.message
    rates_ge = np.array([(ious >= x).mean() for x in t])
    not_strict = exercises.check(
        "11.3", float(np.sum(0.1 * (rates_ge[1:] + rates_ge[:-1]) / 2)), ious=ious
    )
    assert not not_strict and "IoU >= t" in not_strict.message
    assert not exercises.check("11.3", right + 0.1, ious=ious)
    assert not exercises.check("11.3", "half", ious=ious)


def test_success_auc_rejects_bad_ious():
    with pytest.raises(ValueError, match="ious"):
        exercises.check("11.3", 0.5, ious=[0.2, 1.5])
    with pytest.raises(ValueError, match="ious"):
        exercises.check("11.3", 0.5, ious=np.ones((2, 2)) * 0.5)
    with pytest.raises(ValueError, match="ious"):
        exercises.check("11.3", 0.5, ious=[0.2, np.inf])


def test_chapter11_exercises_are_catalogued():
    ids = {e.id: e for e in exercises.catalogue()}
    for i in ("11.1", "11.2", "11.3"):
        assert ids[i].chapter == "11_evaluating_generators" and ids[i].statement
