"""Chapter 11's additive helpers: confusion matrix, ground-truth box masks and their
figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acousticlib import metrics, plotting
from acousticlib.geometry import Camera


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=60)
)
def test_confusion_matrix_counts_and_accuracy(pairs):
    true, pred = (np.array(v) for v in zip(*pairs, strict=False))
    c = metrics.confusion_matrix(true, pred, num_classes=5)
    assert c.shape == (5, 5) and c.sum() == len(true)
    assert np.array_equal(c.sum(1), np.bincount(true, minlength=5))
    assert np.array_equal(c.sum(0), np.bincount(pred, minlength=5))
    assert np.trace(c) / c.sum() == pytest.approx(np.mean(true == pred))


def test_confusion_matrix_default_size_and_bad_input():
    assert metrics.confusion_matrix([0, 2], [1, 2]).shape == (3, 3)
    with pytest.raises(ValueError, match="num_classes"):
        metrics.confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match=">= 0"):
        metrics.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="pred"):
        metrics.confusion_matrix([0, 1], [0, 1, 1])


def test_box_mask_matches_a_pixel_loop():
    cam = Camera().resized(144, 192)
    centres = cam.grid_pixel_centres()
    boxes = np.full((3, 2, 4), np.nan)
    boxes[0, 0] = (20, 30, 70, 90)
    boxes[1, 0] = (0, 0, 144, 192)  # the whole frame
    boxes[1, 1] = (10, 10, 20, 20)
    # sample 2: no source at all
    masks = metrics.box_mask(boxes, centres)
    assert masks.shape == (3, *centres.shape[:2]) and masks.dtype == bool
    for n in range(3):
        for i in range(centres.shape[0]):
            for j in range(centres.shape[1]):
                r, c = centres[i, j]
                want = any(
                    np.isfinite(b).all() and b[0] <= r < b[2] and b[1] <= c < b[3]
                    for b in boxes[n]
                )
                assert masks[n, i, j] == want
    assert masks[1].all() and not masks[2].any() and 0 < masks[0].sum() < masks[0].size


def test_box_mask_rejects_bad_shapes():
    centres = Camera().resized(144, 192).grid_pixel_centres()
    with pytest.raises(ValueError, match="boxes"):
        metrics.box_mask(np.zeros((2, 4)), centres)
    with pytest.raises(ValueError, match="boxes"):
        metrics.box_mask(np.zeros((2, 1, 3)), centres)
    with pytest.raises(ValueError, match="centres"):
        metrics.box_mask(np.zeros((2, 1, 4)), centres[..., :1])
    with pytest.raises(ValueError, match="infinite"):
        metrics.box_mask(np.full((1, 1, 4), np.inf), centres)


def test_plot_confusion_and_paired_bars():
    ax = plotting.plot_confusion(np.array([[3, 1], [0, 4]]), ["a", "b"], title="t")
    img = ax.images[0].get_array()
    # rows normalised to shares
    assert np.allclose(img, [[0.75, 0.25], [0, 1]])
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    with pytest.raises(ValueError, match="labels"):
        plotting.plot_confusion(np.eye(3), ["a", "b"])
    ax = plotting.plot_paired_bars(
        {"m1": {"paper": 0.8, "ours": 0.6}, "m2": {"ours": 0.3, "paper": float("nan")}},
        ylabel="accuracy",
        ylim=(0, 1),
    )
    heights = sorted(round(p.get_height(), 3) for p in ax.patches)
    assert heights == [0.3, 0.6, 0.8]  # the NaN bar is a gap
    assert ax.get_ylabel() == "accuracy"
    with pytest.raises(TypeError, match="groups"):
        plotting.plot_paired_bars({}, ylabel="x")
    plt.close("all")
