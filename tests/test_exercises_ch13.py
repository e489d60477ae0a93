"""Chapter 13's exercise checkers accept right answers, name common mistakes and reject
bad input."""

from __future__ import annotations

import numpy as np
import pytest

from acousticlib import exercises, metrics


def test_tone_level_checker_by_hand():
    # 0.2 Pa RMS is 80 dB SPL; the band holds between half and all of the power
    assert exercises.check("13.1", 80.0, rms=0.2)
    assert exercises.check("13.1", 78.0, rms=0.2, frequency=2000.0)
    wrong = exercises.check("13.1", 40.0, rms=0.2)
    assert not wrong and "10 log10 of the RMS" in wrong.message
    wrong = exercises.check("13.1", 20 * np.log10(0.2), rms=0.2)
    assert not wrong and "P_REF forgotten" in wrong.message
    assert not exercises.check("13.1", 90.0, rms=0.2)
    with pytest.raises(ValueError, match="frequency must lie inside the bands"):
        exercises.check("13.1", 80.0, rms=0.2, frequency=50.0)
    with pytest.raises(ValueError, match="rms"):
        exercises.check("13.1", 80.0, rms=-1.0)


def test_class_recall_checker_by_hand_and_with_the_library():
    true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    pred = np.array([0, 1, 0, 1, 0, 2, 2, 1, 2])
    c = metrics.confusion_matrix(true, pred, 3)
    # class 0: 2 of its 3 clips named 0; class 1: 1 of 2, and 3 clips named 1
    assert exercises.check("13.2", 2 / 3, confusion=c, class_index=0)
    wrong = exercises.check("13.2", 6 / 9, confusion=c, class_index=1)
    assert not wrong and "overall accuracy" in wrong.message
    wrong = exercises.check("13.2", 1 / 3, confusion=c, class_index=1)
    assert not wrong and "precision" in wrong.message
    assert exercises.check("13.2", 0.5, confusion=c, class_index=1)
    with pytest.raises(ValueError, match="square"):
        exercises.check("13.2", 0.5, confusion=np.ones((2, 3)), class_index=0)
    with pytest.raises(ValueError, match="class_index"):
        exercises.check("13.2", 0.5, confusion=c, class_index=3)
    with pytest.raises(ValueError, match="no test clips"):
        exercises.check("13.2", 0.5, confusion=np.zeros((2, 2)), class_index=0)


def test_majority_baseline_checker_by_hand():
    train = [0, 1, 1, 2, 1, 0]  # class 1 is the majority
    test = [1, 1, 0, 2, 2]
    assert exercises.check("13.3", 0.4, train_labels=train, test_labels=test)
    wrong = exercises.check("13.3", 0.5, train_labels=train, test_labels=test)
    assert not wrong and "training split" in wrong.message
    wrong = exercises.check("13.3", 1 / 3, train_labels=train, test_labels=test)
    assert not wrong and "chance" in wrong.message
    # ties go to the smallest label
    assert exercises.check("13.3", 0.5, train_labels=[2, 0], test_labels=[0, 1])
    with pytest.raises(ValueError, match="train_labels must hold at least 1"):
        exercises.check("13.3", 0.5, train_labels=[], test_labels=[0])
