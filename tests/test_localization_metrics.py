"""Chapter 15's localization measures on hand-built cases: binarization in both
conventions, bilinear resizing, the dataset's consensus ground truth, cIoU, its summary
and the pointing game. Every expected value is worked out by hand in the comments."""

import numpy as np
import pytest

from acousticlib import metrics
from acousticlib.metrics import (
    binarize,
    ciou,
    ciou_scores,
    ciou_summary,
    consensus_map,
    consensus_masks,
    pointing_game,
    resize_bilinear,
)


def _pixel_centres(h, w):
    # (row, col) centre of each pixel of an h x w frame: (i + 0.5, j + 0.5)
    rr, cc = np.meshgrid(np.arange(h) + 0.5, np.arange(w) + 0.5, indexing="ij")
    return np.stack([rr, cc], axis=-1)


# ----------------------------------------------------------------------- binarize
def test_mean_binarization_keeps_values_at_or_above_the_mean():
    m = np.array([[0.0, 1.0], [2.0, 5.0]])  # mean 2: the 2 is kept (>=)
    np.testing.assert_array_equal(binarize(m), [[0, 0], [1, 1]])


def test_median_rules_differ_by_the_cell_at_the_median():
    m = np.arange(16.0).reshape(4, 4)  # median-ranked value sorted[8] = 8
    assert binarize(m, "median").sum() == 7  # LVS >: 9..15
    assert binarize(m, "median_ge").sum() == 8  # EZ-VSL >=: 8..15
    assert binarize(m, "median_ge")[2, 0] == 1 and binarize(m, "median")[2, 0] == 0


def test_median_binarization_with_ties_at_the_threshold():
    # min-max -> 0, .5, .5, .5, .5, 1; sorted[3] = .5: >= keeps 5 cells, > keeps 1
    m = np.array([[0.0, 1.0, 1.0], [1.0, 1.0, 2.0]])
    np.testing.assert_array_equal(binarize(m, "median_ge"), [[0, 1, 1], [1, 1, 1]])
    np.testing.assert_array_equal(binarize(m, "median"), [[0, 0, 0], [0, 0, 1]])
    # two values, three of each: sorted[3] = 1 -> >= keeps the three ones, > none
    two = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    assert binarize(two, "median_ge").sum() == 3 and binarize(two, "median").sum() == 0


def test_constant_maps_binarize_to_everything_except_under_lvs_strict_rule():
    flat = np.full((3, 4), 7.0)
    assert binarize(flat, "mean").sum() == 12
    assert binarize(flat, "median_ge").sum() == 12
    assert binarize(flat, "median").sum() == 0


def test_binarize_thresholds_each_map_of_a_batch_on_its_own():
    maps = np.stack([np.array([[0.0, 4.0]]), np.array([[10.0, 2.0]])])
    np.testing.assert_array_equal(binarize(maps), [[[0, 1]], [[1, 0]]])


def test_binarize_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        binarize(np.ones((2, 2)), "max")
    with pytest.raises(ValueError, match="maps"):
        binarize(np.ones(4))
    with pytest.raises(ValueError, match="maps"):
        binarize(np.array([[0.0, np.nan]]))


# ----------------------------------------------------------------------- resizing
def test_bilinear_resize_by_hand():
    # output column o reads (o + .5) * 2 / 4 - .5 = -.25, .25, .75, 1.25 -> clamped
    np.testing.assert_allclose(
        resize_bilinear([[0.0, 1.0]], (1, 4)), [[0.0, 0.25, 0.75, 1.0]]
    )
    # separable: out[r, c] = 2 * row_pos + col_pos with positions 0, .25, .75, 1
    up = resize_bilinear([[0.0, 1.0], [2.0, 3.0]], (4, 4))
    assert up[1, 2] == pytest.approx(2 * 0.25 + 0.75)
    assert up[3, 0] == pytest.approx(2.0) and up[0, 3] == pytest.approx(1.0)
    # shrinking: (o + .5) * 4 / 2 - .5 = .5, 2.5
    np.testing.assert_allclose(
        resize_bilinear([[0.0, 1.0, 2.0, 3.0]], (1, 2)), [[0.5, 2.5]]
    )
    # a batch, and the same shape returned unchanged
    batch = np.arange(12.0).reshape(2, 2, 3)
    np.testing.assert_allclose(resize_bilinear(batch, (2, 3)), batch)
    assert resize_bilinear(np.zeros((5, 36, 48)), (144, 192)).shape == (5, 144, 192)


def test_bilinear_resize_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"shape\[0\]"):
        resize_bilinear(np.ones((2, 2)), (0, 3))
    with pytest.raises(ValueError, match="shape"):
        resize_bilinear(np.ones((2, 2)), (1, 2, 3))
    with pytest.raises(ValueError, match="maps"):
        resize_bilinear(np.ones(3), (2, 2))


# ----------------------------------------------------------- consensus of the dataset
def _annotators():
    nan = [np.nan] * 4
    # frame 0: one source; annotators' boxes (top, left, bottom, right) px
    f0 = [[(0, 0, 2, 2), (0, 0, 2, 3), (1, 0, 2, 2)], [nan, nan, nan]]
    # frame 1: two sources
    f1 = [[(0, 0, 1, 1)] * 3, [(3, 5, 4, 6), (3, 5, 4, 6), (2, 4, 4, 6)]]
    return np.array([f0, f1], dtype=float)


def test_consensus_masks_at_frame_resolution_by_hand():
    g = consensus_masks(_annotators(), _pixel_centres(4, 6))
    # frame 0: (0,0),(0,1): two votes -> 1; (1,0),(1,1): three -> 1; (0,2),(1,2): the
    # second annotator only -> 0.5
    expected0 = np.zeros((4, 6))
    expected0[0:2, 0:2] = 1.0
    expected0[0:2, 2] = 0.5
    # frame 1: (0,0) three votes; (3,5) three; (2,4),(2,5),(3,4) the third only
    expected1 = np.zeros((4, 6))
    expected1[0, 0] = expected1[3, 5] = 1.0
    expected1[2, 4] = expected1[2, 5] = expected1[3, 4] = 0.5
    np.testing.assert_array_equal(g, [expected0, expected1])


def test_consensus_masks_on_a_coarse_grid_use_cell_centres():
    # a 2 x 3 grid over the 4 x 6 frame: cell centres at rows 1, 3 and columns 1, 3, 5
    rr, cc = np.meshgrid([1.0, 3.0], [1.0, 3.0, 5.0], indexing="ij")
    g = consensus_masks(_annotators(), np.stack([rr, cc], axis=-1))
    # frame 0: only centre (1, 1) lies in all three boxes; (1, 3) in none (x < 2, < 3)
    np.testing.assert_array_equal(g[0], [[1, 0, 0], [0, 0, 0]])
    # frame 1: (1, 1) lies outside (0, 0, 1, 1) (half-open); (3, 5) in all three
    np.testing.assert_array_equal(g[1], [[0, 0, 0], [0, 0, 1]])


def test_consensus_masks_agree_with_the_flickr_consensus_on_integer_boxes():
    a = _annotators()[1]  # two sources x three annotators
    flickr = [[(b[1], b[0], b[3], b[2]) for b in a[:, k]] for k in range(3)]
    np.testing.assert_array_equal(
        consensus_masks(a[None], _pixel_centres(4, 6))[0], consensus_map(flickr, (4, 6))
    )


def test_consensus_masks_reject_bad_input():
    with pytest.raises(ValueError, match="annotators"):
        consensus_masks(np.zeros((1, 1, 3, 3)), _pixel_centres(4, 6))
    with pytest.raises(ValueError, match="annotators"):
        consensus_masks(np.zeros((1, 3, 4)), _pixel_centres(4, 6))
    with pytest.raises(ValueError, match="centres"):
        consensus_masks(_annotators(), np.zeros((4, 6, 3)))


# ------------------------------------------------------------------------------ cIoU
def _g():
    # consensus 2 x 2: one full cell
    return np.array([[1.0, 0.0], [0.0, 0.0]])


def test_ciou_by_hand_on_a_batch_with_half_votes():
    g = np.zeros((2, 2, 3))
    g[0] = [[1.0, 0.5, 0.0], [0.0, 0.0, 0.0]]
    g[1] = [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]]
    p = np.zeros((2, 2, 3))
    p[0] = [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]  # P.G = 1.5; sum G = 1.5; P outside = 1
    p[1] = [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]  # P.G = 1; sum G = 2; P outside = 0
    np.testing.assert_allclose(ciou(p, g), [1.5 / 2.5, 1 / 2])
    assert isinstance(ciou(p[0], g[0]), float)


def test_ciou_of_an_empty_prediction_is_zero_and_an_empty_truth_is_refused():
    # a constant map under LVS's strict rule binarizes to nothing: 0 / sum(G)
    assert ciou(np.ones((2, 2)), _g(), "median") == 0.0
    with pytest.raises(ValueError, match="consensus.*map \\[1\\]"):
        ciou(np.ones((2, 2, 2)), np.stack([_g(), np.zeros((2, 2))]))
    with pytest.raises(ValueError, match="consensus"):
        ciou(np.ones((2, 2)), 2 * _g())
    with pytest.raises(ValueError, match="pred_map"):
        ciou(np.ones((2, 3)), _g())


def test_ciou_scores_in_both_conventions_by_hand():
    m = np.array([[[4.0, 1.0], [1.0, 0.0]]])
    # authors: mean 1.5 -> only (0, 0): cIoU 1 / 1
    # lvs: min-max 1, .25, .25, 0; sorted[2] = .25, >= -> three cells: 1 / (1 + 2)
    assert ciou_scores(m, _g()[None], "authors")[0] == pytest.approx(1.0)
    assert ciou_scores(m, _g()[None], "lvs")[0] == pytest.approx(1 / 3)
    # whole image (a constant map): sum(G) / (sum(G) + cells with G = 0) in both
    for conv in ("authors", "lvs"):
        assert ciou_scores(np.ones((1, 2, 2)), _g()[None], conv)[0] == 0.25


def test_ciou_scores_resize_the_map_to_the_ground_truth():
    # [[1, 0]] -> 2 x 4 columns 1, .75, .25, 0; lvs: sorted[4] = .75 -> columns 0, 1;
    # authors: mean .5 -> columns 0, 1 too. G: column 0 -> 2 / (2 + 2)
    g = np.zeros((1, 2, 4))
    g[0, :, 0] = 1.0
    for conv in ("authors", "lvs"):
        assert ciou_scores([[[1.0, 0.0]]], g, conv)[0] == pytest.approx(0.5)


def test_ciou_scores_reject_bad_input():
    with pytest.raises(ValueError, match="convention"):
        ciou_scores(np.ones((1, 2, 2)), _g()[None], "vgg")
    with pytest.raises(ValueError, match="frames"):
        ciou_scores(np.ones((2, 2, 2)), _g()[None])
    with pytest.raises(ValueError, match="maps"):
        ciou_scores(np.ones((2, 2)), _g()[None])
    with pytest.raises(ValueError, match="frames"):
        ciou_scores(np.ones((0, 2, 2)), np.ones((0, 2, 2)))
    # the empty truth is named by its index in the whole batch, not in its chunk
    truth = np.stack([_g()] * 3 + [np.zeros((2, 2))])
    with pytest.raises(ValueError, match="map 3 is all zeros"):
        ciou_scores(np.ones((4, 2, 2)), truth, chunk=2)


def test_ciou_scores_in_chunks_equal_one_pass():
    rng = np.random.default_rng(0)
    maps = rng.random((5, 3, 4))
    truth = (rng.random((5, 6, 8)) > 0.5).astype(float)
    truth[:, 0, 0] = 1.0
    for conv in ("authors", "lvs"):
        np.testing.assert_array_equal(
            ciou_scores(maps, truth, conv, chunk=2), ciou_scores(maps, truth, conv)
        )


def test_ciou_summary_by_hand_in_both_conventions():
    v = [0.2, 0.5, 0.9]
    authors = ciou_summary(v, "authors")
    assert authors["ciou@0.5"] == pytest.approx(2 / 3)
    assert authors["mean"] == pytest.approx(1.6 / 3)
    # > t at t = 0, .1, ..., 1: 1, 1, 2/3, 2/3, 2/3, 1/3, 1/3, 1/3, 1/3, 0, 0; the
    # trapezoids sum to (1 + 5/6 + 2/3 + 2/3 + 1/2 + 1/3 + 1/3 + 1/3 + 1/6) / 10
    assert authors["auc"] == pytest.approx(29 / 60)
    # >= t at t = 0, .05, ..., 1: 1 (5 points), 2/3 (6), 1/3 (8), 0 (2):
    # (4 + 5/6 + 5 * 2/3 + 1/2 + 7 * 1/3 + 1/6) / 20
    assert ciou_summary(v, "lvs")["auc"] == pytest.approx(67 / 120)
    with pytest.raises(ValueError, match="convention"):
        ciou_summary(v, "both")


# ---------------------------------------------------------------------- pointing game
def test_pointing_game_hits_misses_and_ties():
    maps = np.zeros((4, 2, 3))
    maps[0, 0, 0] = 1.0  # unique peak in the mask: hit
    maps[1, 1, 2] = 1.0  # unique peak outside: miss
    maps[2, 0, 0] = maps[2, 1, 2] = 1.0  # tied peaks, one in: 1/2
    maps[3] = 5.0  # constant: the mask's share of the grid, 2 / 6
    masks = np.zeros((4, 2, 3))
    masks[:, 0, 0:2] = [1.0, 0.5]  # a consensus cell with one vote counts as in
    np.testing.assert_allclose(pointing_game(maps, masks), [1, 0, 0.5, 1 / 3])
    # a unique peak on a half-vote cell is a hit
    maps[1] = 0.0
    maps[1, 0, 1] = 2.0
    assert pointing_game(maps[1:2], masks[1:2])[0] == 1.0


def test_pointing_game_rejects_mismatched_masks():
    with pytest.raises(ValueError, match="masks"):
        pointing_game(np.zeros((2, 3, 3)), np.zeros((1, 3, 3)))
    with pytest.raises(ValueError, match="maps"):
        pointing_game(np.zeros((3, 3)), np.zeros((3, 3)))


def test_the_conventions_table_names_each_binarization():
    assert metrics.AUC_CONVENTIONS["authors"]["binarize"] == "mean"
    assert metrics.AUC_CONVENTIONS["lvs"]["binarize"] == "median_ge"
    assert len(metrics.AUC_CONVENTIONS["lvs"]["thresholds"]) == 21
    assert set(metrics.BINARIZE_METHODS) == {"mean", "median", "median_ge"}
