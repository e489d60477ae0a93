"""Chapter 14's exercise checkers accept right answers, name common mistakes and reject
bad input."""

from __future__ import annotations

import numpy as np
import pytest

from acousticlib import exercises

# three sounds (rows) and their three frames (columns); pair i is (i, i)
D = np.array(
    [
        [0.2, 0.5, 0.9],  # own pair nearest
        [0.4, 0.4, 0.1],  # own pair tied with item 0, item 2 nearer
        [0.3, 0.8, 0.6],  # own pair second
    ]
)


def test_recall_checker_by_hand():
    # rank of the pair, ties against the query: row 0 -> 1, row 1 -> 3, row 2 -> 2
    assert exercises.check("14.1", 1 / 3, distances=D, rank=1)
    assert exercises.check("14.1", 2 / 3, distances=D, rank=2)
    assert exercises.check("14.1", 1.0, distances=D, rank=3)
    # ties for the query: row 1's pair would rank 2 at k = 2
    wrong = exercises.check("14.1", 1.0, distances=D, rank=2)
    assert not wrong and "ties counted for the query" in wrong.message
    # columns: frame 0 nearest sound 0 (0.2); frame 1: 0.4 (own) vs 0.5, 0.8 -> 1;
    # frame 2: 0.1 (sound 1), 0.6 (own) -> 2; at k = 1: 2 of 3
    wrong = exercises.check("14.1", 2 / 3, distances=D, rank=1)
    assert not wrong and "other direction" in wrong.message
    assert not exercises.check("14.1", 0.0, distances=D, rank=1)
    with pytest.raises(ValueError, match="square"):
        exercises.check("14.1", 0.5, distances=np.ones((2, 3)))
    with pytest.raises(ValueError, match="rank"):
        exercises.check("14.1", 0.5, distances=D, rank=0)


def test_chance_cmc_checker_by_hand():
    labels = np.repeat(np.arange(10), 12)  # 120 items, 12 per class
    assert exercises.check("14.2", 0.1, gallery_labels=labels, query_label=3)
    # rank 2: 1 - (108 * 107) / (120 * 119)
    expected = 1 - (108 * 107) / (120 * 119)
    assert exercises.check(
        "14.2", expected, gallery_labels=labels, query_label=3, rank=2
    )
    # at rank 10 the draws without replacement (0.668) and with it (0.651) part
    wrong = exercises.check(
        "14.2", 1 - 0.9**10, gallery_labels=labels, query_label=3, rank=10
    )
    assert not wrong and "with replacement" in wrong.message
    wrong = exercises.check("14.2", 0.5, gallery_labels=labels, query_label=3, rank=5)
    assert not wrong and "counted more than once" in wrong.message
    with pytest.raises(ValueError, match="no item of class 11"):
        exercises.check("14.2", 0.1, gallery_labels=labels, query_label=11)
    with pytest.raises(ValueError, match="rank must be at most"):
        exercises.check("14.2", 1.0, gallery_labels=labels, query_label=1, rank=121)
    with pytest.raises(TypeError, match="integer labels"):
        exercises.check("14.2", 0.1, gallery_labels=[0.5, 1.0], query_label=0)


def test_location_cmc_checker_by_hand():
    locations = np.array([0, 0, 1])
    labels = np.array([5, 6, 5])
    # nearest frames: row 0 -> 0 (loc 0: hit), row 1 -> 2 (loc 1: miss),
    # row 2 -> 0 (loc 0: miss)
    assert exercises.check(
        "14.3", 1 / 3, distances=D, locations=locations, labels=labels
    )
    # class-level: row 0 -> 5 = 5 hit, row 1 -> 5 != 6, row 2 -> 5 = 5 hit
    wrong = exercises.check(
        "14.3", 2 / 3, distances=D, locations=locations, labels=labels
    )
    assert not wrong and "class-level" in wrong.message
    # rank 2: row 0 {0, 1} hit; row 1 {2, 0 (first of the tie)} hit; row 2 {0, 2}
    # hit
    assert exercises.check(
        "14.3", 1.0, distances=D, locations=locations, labels=labels, rank=2
    )
    with pytest.raises(ValueError, match="locations must be a"):
        exercises.check("14.3", 0.5, distances=D, locations=[0, 1], labels=labels)
