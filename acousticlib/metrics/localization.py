"""Localization measures (chapters 11, 15): binarized maps, IoU, success curves and
both AUC conventions, the Flickr-SoundNet consensus map and cIoU; the pointing game
(:func:`peak_in_mask`, :func:`box_mask`, whose home is :mod:`acousticlib.features`) and
peaks at the grid's edge (:func:`peak_near_border`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_array, one_of, positive
from ..features import box_mask, energy_map, peak_in_mask  # noqa: F401 (home: features)

#: Thresholds and success rule of each AUC convention: the authors' (11 thresholds,
#: success if IoU > t) and the LVS/EZ-VSL family's (21 thresholds, success if IoU >= t).
#: Both trapezoid.
AUC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "authors": {
        "thresholds": np.round(np.linspace(0.0, 1.0, 11), 10),
        "strict": True,
        "binarize": "mean",
    },
    "lvs": {
        "thresholds": np.round(np.linspace(0.0, 1.0, 21), 10),
        "strict": False,
        "binarize": "median",
    },
}


def binarize(maps: Any, method: str = "mean") -> np.ndarray:
    """Binary masks of maps ``(..., H, W)``: ``"mean"`` (authors: value >= the map's
    mean, so a flat map is all ones) or ``"median"`` (LVS: min-max, then value > the
    median-ranked value)."""
    m = as_array("maps", maps, dtype=np.float64)
    if m.ndim < 2:
        raise ValueError(f"maps must have shape (..., H, W); got {m.shape}")
    one_of("method", method, ("mean", "median"))
    flat = m.reshape(*m.shape[:-2], -1)
    if method == "mean":
        return (m >= flat.mean(-1)[..., None, None]).astype(np.float64)
    lo, hi = flat.min(-1, keepdims=True), flat.max(-1, keepdims=True)
    norm = (flat - lo) / np.where(hi > lo, hi - lo, 1.0)
    thr = np.sort(norm, axis=-1)[..., flat.shape[-1] // 2]
    return (norm > thr[..., None]).astype(np.float64).reshape(m.shape)


def iou(pred: Any, true: Any) -> np.ndarray:
    """Intersection over union of binary masks ``(..., H, W)``; two empty masks give
    1."""
    p = as_array("pred", pred, dtype=np.float64) > 0.5
    t = as_array("true", true, dtype=np.float64) > 0.5
    if p.shape != t.shape:
        raise ValueError(
            f"pred and true must have the same shape; got {p.shape} and {t.shape}"
        )
    inter = (p & t).sum(axis=(-2, -1))
    union = (p | t).sum(axis=(-2, -1))
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def energy_iou(pred_energy: Any, true_energy: Any) -> np.ndarray:
    """IoU of generated vs reference energy maps ``(..., 36, 48)``, each binarized at
    its mean (authors)."""
    return iou(binarize(pred_energy, "mean"), binarize(true_energy, "mean"))


def success_curve(
    ious: Any, convention: str = "authors"
) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds t and success rates (share of IoU > t, or >= t for ``"lvs"``); see
    :data:`AUC_CONVENTIONS`."""
    one_of("convention", convention, tuple(AUC_CONVENTIONS))
    v = as_array("ious", ious, ndim=1, dtype=np.float64)
    conv = AUC_CONVENTIONS[convention]
    t = conv["thresholds"]
    rates = (
        (v[None, :] > t[:, None]) if conv["strict"] else (v[None, :] >= t[:, None])
    ).mean(axis=1)
    return t.copy(), rates


def auc(thresholds: Any, rates: Any) -> float:
    """Area under a success curve by the trapezoid rule (thresholds increasing, in [0,
    1])."""
    t = as_array("thresholds", thresholds, ndim=1, dtype=np.float64)
    r = as_array("rates", rates, shape=(t.shape[0],), dtype=np.float64)
    if t.shape[0] < 2 or np.any(np.diff(t) <= 0):
        raise ValueError(f"thresholds must be at least two increasing values; got {t}")
    return float(np.sum(np.diff(t) * (r[1:] + r[:-1]) / 2))


def success_auc(ious: Any, convention: str = "authors") -> float:
    """AUC of the success curve of ``ious`` ``(N,)`` under ``convention`` (``"authors"``
    or ``"lvs"``)."""
    return auc(*success_curve(ious, convention))


def consensus_map(
    annotations: Sequence[Sequence[Sequence[float]]], shape: tuple[int, int]
) -> np.ndarray:
    """Flickr-SoundNet consensus ground truth ``(H, W)`` from annotators' boxes.

    ``annotations[a]`` is annotator a's list of boxes ``(x0, y0, x1, y1)`` in pixels (x:
    column, half-open ``[x0, x1)``). Each annotator gives a binary mask (union of their
    boxes); the consensus is the sum of the masks / 2, clipped at 1 (with three
    annotators: 0, 0.5 or 1).
    """
    h, w = (positive("shape", s, integer=True) for s in shape)
    if len(annotations) == 0:
        raise ValueError("annotations must hold at least one annotator's boxes")
    total = np.zeros((h, w))
    for a, boxes in enumerate(annotations):
        mask = np.zeros((h, w), dtype=bool)
        for box in boxes:
            b = as_array(f"annotations[{a}] box", box, shape=(4,), dtype=np.float64)
            x0, y0, x1, y1 = (int(round(v)) for v in b)
            if x1 <= x0 or y1 <= y0:
                raise ValueError(
                    f"annotations[{a}] boxes must be (x0, y0, x1, y1) with x1 > x0, y1 "
                    f"> y0; got {box}"
                )
            mask[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)] = True
        total += mask
    return np.minimum(total / 2.0, 1.0)


def ciou(pred_map: Any, consensus: Any, method: str = "mean") -> float:
    """Consensus IoU of one prediction ``(H, W)`` against a :func:`consensus_map` ``(H,
    W)``.

    The prediction is binarized (``method`` as in :func:`binarize`); then
    ``cIoU = sum(P * G) / (sum(G) + sum(P * [G == 0]))``.
    """
    g = as_array("consensus", consensus, ndim=2, dtype=np.float64)
    p = binarize(
        as_array("pred_map", pred_map, shape=g.shape, dtype=np.float64), method
    )
    return float((p * g).sum() / (g.sum() + (p * (g == 0)).sum()))


def ciou_summary(values: Any, convention: str = "authors") -> dict[str, float]:
    """``"ciou@0.5"`` (share of cIoU >= 0.5) and ``"auc"`` under ``convention`` of cIoU
    values ``(N,)``.

    Remember the whole-image baseline (``ciou`` of a constant map): about 61 % cIoU@0.5
    on the real Flickr test set.
    """
    v = as_array("values", values, ndim=1, dtype=np.float64)
    return {"ciou@0.5": float(np.mean(v >= 0.5)), "auc": success_auc(v, convention)}


def peak_near_border(maps: Any, margin: int = 2) -> np.ndarray:
    """Per map ``(N, H, W)``: 1.0 if its maximum lies within ``margin`` cells of the
    grid's edge, else 0.0.

    Generated energy maps that peak at the edge show the decoder's padding rather than
    a source (chapter 08; real maps almost never do). ``margin`` 2 on the 36 x 48 grid.
    """
    m = as_array("maps", maps, ndim=3, dtype=np.float64)
    margin = positive("margin", margin, integer=True)
    if 2 * margin >= min(m.shape[1:]):
        raise ValueError(
            f"margin must leave an inner grid: 2 * margin < {min(m.shape[1:])}; "
            f"got {margin}"
        )
    row, col = np.unravel_index(m.reshape(len(m), -1).argmax(axis=1), m.shape[1:])
    h, w = m.shape[1:]
    near = (row < margin) | (row >= h - margin) | (col < margin) | (col >= w - margin)
    return near.astype(float)


def energy_spread(maps: Any) -> np.ndarray:
    """Spread of energy maps ``(..., H, W)``: standard deviation over mean (0 for a flat
    map)."""
    m = as_array("maps", maps, dtype=np.float64)
    flat = m.reshape(*m.shape[:-2], -1)
    mean = np.abs(flat.mean(-1))
    return flat.std(-1) / np.where(mean > 0, mean, 1.0)
