"""Chapter 15's exercise checkers accept right answers, name common mistakes and reject
bad input."""

from __future__ import annotations

import numpy as np
import pytest

from acousticlib import exercises, metrics

# a 4 x 4 frame: two annotators agree on the top-left 2 x 2 block; one adds a row
G = np.zeros((4, 4))
G[:2, :2] = 1.0
G[2, :2] = 0.5
# a map decreasing in reading order: its top two rows are at or above its mean (7.5) and
# at or above its median-ranked value (8)
HEAT = np.arange(16.0)[::-1].reshape(4, 4)


def test_ciou_checker_by_hand():
    # P = top two rows (8 cells): sum(P G) = 4, sum(G) = 5, claimed background 4
    assert exercises.check("15.1", 4 / 9, heat_map=HEAT, consensus=G)
    assert exercises.check("15.1", 4 / 9, heat_map=HEAT, consensus=G, convention="lvs")
    # plain IoU with the voted cells: 4 / (8 + 2)
    wrong = exercises.check("15.1", 0.4, heat_map=HEAT, consensus=G)
    assert not wrong and "plain IoU" in wrong.message
    assert not exercises.check("15.1", 0.9, heat_map=HEAT, consensus=G)
    # a coarser map is resized to the consensus first, as the library does
    small = np.array([[3.0, 1.0], [2.0, 0.0]])
    expected = metrics.ciou_scores(small[None], G[None], "lvs")[0]
    assert exercises.check(
        "15.1", expected, heat_map=small, consensus=G, convention="lvs"
    )
    with pytest.raises(ValueError, match="convention"):
        exercises.check("15.1", 0.5, heat_map=HEAT, consensus=G, convention="x")
    with pytest.raises(ValueError, match="consensus"):
        exercises.check("15.1", 0.5, heat_map=HEAT, consensus=np.zeros((4, 4)))


def test_ceiling_checker_by_hand():
    # 8 of 16 cells kept: the four 1s, the two 0.5s and two empty cells -> 5 / (5 + 2)
    assert exercises.check("15.2", 5 / 7, consensus=G)
    wrong = exercises.check("15.2", 6 / 8, consensus=G)
    assert not wrong and "share of the kept cells" in wrong.message
    wrong = exercises.check("15.2", 6 / 16, consensus=G)
    assert not wrong and "fraction of the frame" in wrong.message
    # one agreed block: four 1s and four empty cells kept -> 0.5
    block = np.zeros((4, 4))
    block[:2, :2] = 1.0
    assert exercises.check("15.2", 0.5, consensus=block)
    # an object that fills the frame: every kept cell is voted
    assert exercises.check("15.2", 0.5, consensus=np.ones((4, 4)))
    with pytest.raises(ValueError, match="consensus"):
        exercises.check("15.2", 0.5, consensus=np.full((4, 4), 2.0))


def test_guided_pointing_checker_by_hand():
    av = np.array([[[1.0, 0.0], [0.0, 0.0]]])  # the audio-visual map points top-left
    objects = np.array([[[0.0, 0.0], [0.0, 1.0]]])  # the object prior bottom-right
    mask = np.array([[[0.0, 0.0], [0.0, 1.0]]])  # the source is bottom-right
    kw = dict(av_maps=av, object_maps=objects, masks=mask)
    assert exercises.check("15.3", 1.0, alpha=0.2, **kw)  # 0.2 at top-left, 0.8 here
    assert exercises.check("15.3", 0.0, alpha=0.8, **kw)
    assert exercises.check("15.3", 0.5, alpha=0.5, **kw)  # a tie: half a hit
    wrong = exercises.check("15.3", 0.0, alpha=0.2, **kw)
    assert not wrong and "swapped" in wrong.message
    with pytest.raises(ValueError, match="alpha"):
        exercises.check("15.3", 0.5, alpha=1.5, **kw)
