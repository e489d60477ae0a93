"""Exercise checkers of chapter 11."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Feedback, compare_with_mistakes, exercise


@exercise(
    "11.1",
    "11_evaluating_generators",
    "Accuracy (GAN-test or GAN-train) of a classifier from its confusion matrix.",
)
def check_confusion_accuracy(answer: Any, *, confusion: Any) -> Feedback:
    """``confusion[i, j]`` counts test windows of true class i predicted as class j (a
    square matrix of non-negative counts); the accuracy is ``trace / sum`` (chapter
    11)."""
    from ..._checks import as_array

    c = as_array("confusion", confusion, ndim=2, dtype=np.float64, nonnegative=True)
    if c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise ValueError(
            f"confusion must be a square (K, K) matrix with K >= 2 classes; got shape "
            f"{c.shape}"
        )
    if c.sum() <= 0:
        raise ValueError("confusion must count at least one test sample")
    expected = float(np.trace(c) / c.sum())
    rows = c.sum(axis=1)
    balanced = float(np.mean(np.diag(c)[rows > 0] / rows[rows > 0]))
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what="accuracy",
        hint="Count the correct predictions (the diagonal) and divide by all test "
        "samples.",
        wrong={"error rate": 1.0 - expected, "mean per-class recall": balanced},
    )


@exercise(
    "11.2",
    "11_evaluating_generators",
    "Intersection over union of two binary masks (e.g. binarized energy maps).",
)
def check_mask_iou(answer: Any, *, pred: Any, true: Any) -> Feedback:
    """``|P and T| / |P or T|`` of two binary masks ``(H, W)`` of the same shape (1 when
    both are empty), as ``acousticlib.metrics.iou`` computes it (chapter 11)."""
    from ..._checks import as_array
    from ...metrics import iou

    p = as_array("pred", pred, ndim=2, dtype=np.float64)
    t = as_array("true", true, ndim=2, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(
            f"pred and true must have the same shape; got {p.shape} and {t.shape}"
        )
    if not (np.isin(p, (0.0, 1.0)).all() and np.isin(t, (0.0, 1.0)).all()):
        raise ValueError(
            "pred and true must be binary masks holding only 0 and 1 (or False and "
            "True)"
        )
    expected = float(iou(p, t))
    inter, total = float((p * t).sum()), float(p.sum() + t.sum())
    dice = 2 * inter / total if total > 0 else 1.0
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what="IoU",
        hint="Divide the pixels in both masks by the pixels in at least one of them.",
        wrong={
            "Dice coefficient 2|P and T| / (|P| + |T|)": dice,
            "share of the true mask covered": inter / t.sum() if t.sum() else 1.0,
        },
    )


@exercise(
    "11.3",
    "11_evaluating_generators",
    "Area under the success curve of a set of IoU values, by the authors' convention.",
)
def check_success_auc(answer: Any, *, ious: Any) -> Feedback:
    """Success rate = share of IoU > t for t = 0, 0.1, ..., 1; the AUC is the trapezoid
    area under that curve (``acousticlib.metrics.success_auc(ious, "authors")``,
    chapter 11)."""
    from ..._checks import as_array
    from ...metrics import auc, success_auc, success_curve

    v = as_array("ious", ious, ndim=1, dtype=np.float64)
    if np.any((v < 0) | (v > 1)):
        raise ValueError(
            f"ious must lie in [0, 1]; got values from {v.min():.3g} to {v.max():.3g}"
        )
    expected = success_auc(v, "authors")
    t, _ = success_curve(v, "authors")
    not_strict = auc(t, (v[None, :] >= t[:, None]).mean(axis=1))
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what="authors' AUC",
        hint="Use 11 thresholds 0, 0.1, ..., 1, count a success when IoU > t "
        "(strictly), "
        "and integrate with the trapezoid rule (the two end points weigh half).",
        wrong={
            "LVS-convention AUC (21 thresholds, IoU >= t)": success_auc(v, "lvs"),
            "AUC with successes counted as IoU >= t": not_strict,
        },
    )
