"""Localization measures (chapters 11, 15): binarized maps, IoU, success curves and
both AUC conventions, the Flickr-SoundNet consensus map and cIoU; the pointing game
(:func:`pointing_game`; :func:`peak_in_mask` and :func:`box_mask`, whose home is
:mod:`acousticlib.features`) and peaks at the grid's edge (:func:`peak_near_border`).

Chapter 15 scores every localizer in two named conventions (:data:`AUC_CONVENTIONS`,
``REFERENCE.md`` section 5), through :func:`ciou_scores`:

* ``"authors"`` -- the map binarized at its mean (value >= mean; a flat map covers
  everything), success if cIoU > t over t = 0, 0.1, ..., 1 (11 thresholds);
* ``"lvs"`` -- the LVS / EZ-VSL / SLAVC evaluation code: the map resized bilinearly to
  the ground truth's resolution (the frame), min-max normalised, binarized at its
  median-ranked value with EZ-VSL's ``>=`` (method ``"median_ge"``; LVS's ``>`` is
  method ``"median"``), success if cIoU >= t over t = 0, 0.05, ..., 1 (21 thresholds).

Both AUCs integrate the success curve by the trapezoid rule (``sklearn.metrics.auc``).
Why ``>=`` for the LVS family: it is what EZ-VSL and SLAVC (whose published numbers
chapter 15 sets beside ours) run, it keeps exactly half of a map of distinct values
(``>`` keeps one cell fewer), and a constant map binarizes to the whole frame, so the
whole-image baseline scored through the same pipeline *is* the whole-image prediction
(with ``>`` it would be empty and score 0).

Both binarizations assume large objects (Flickr-SoundNet's cover a good part of the
frame): on the simulated dataset the true boxes cover about 4 % of the frame, and a map
binarized at its median keeps half of it, so its cIoU is at most about 0.04 / (0.04 +
0.46) = 0.08 and cIoU@0.5 is 0 for *every* localizer (at its mean, a real energy map
keeps about 36 % of the grid: at most about 0.1). On these data the localizers differ
in the mean cIoU, the AUC and the pointing game, not in cIoU@0.5 (measured on the book
profile's test split: cIoU@0.5 0 for the whole image, the centre prior and the visual
features alike).

Ground truth of the simulated dataset (chapter 15): the single true box
(:func:`box_mask`) and the consensus of its three annotators' boxes
(:func:`consensus_masks`, the dataset's ``annotators`` array), either on the 36 x 48
acoustic grid or at frame resolution, chosen by the cell centres passed
(``Camera().resized(h, w).grid_pixel_centres(shape)``; ``shape = (h, w)`` gives one
cell per frame pixel).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_array, one_of, positive
from ..features import (  # noqa: F401 (home: features)
    box_mask,
    energy_map,
    minmax_normalize,
    peak_in_mask,
)

#: Thresholds, success rule and binarization of each convention: the authors' (11
#: thresholds, success if IoU > t, map >= its mean) and the LVS/EZ-VSL family's (21
#: thresholds, success if IoU >= t, map min-max normalised and >= its median-ranked
#: value, EZ-VSL's rule; see the module docstring). Both trapezoid.
AUC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "authors": {
        "thresholds": np.round(np.linspace(0.0, 1.0, 11), 10),
        "strict": True,
        "binarize": "mean",
    },
    "lvs": {
        "thresholds": np.round(np.linspace(0.0, 1.0, 21), 10),
        "strict": False,
        "binarize": "median_ge",
    },
}

#: Binarization methods of :func:`binarize`.
BINARIZE_METHODS: tuple[str, ...] = ("mean", "median", "median_ge")


def binarize(maps: Any, method: str = "mean") -> np.ndarray:
    """Binary masks (0.0 / 1.0) of maps ``(..., H, W)`` (any unit), one threshold per
    map.

    ``"mean"`` (the authors'): value >= the map's mean, so a flat map is all ones.
    ``"median"`` (LVS) and ``"median_ge"`` (EZ-VSL, SLAVC): min-max normalise the map,
    take its median-ranked value ``sorted[H * W // 2]`` (the upper median for an even
    count), keep the values above it (``"median"``, ``>``) or at or above it
    (``"median_ge"``, ``>=``). Ties at the threshold all fall on the same side, so a
    map with many equal values can keep more or fewer than half its cells; a constant
    map (normalised to 0) is all zeros under ``"median"`` and all ones under
    ``"median_ge"``. Chapters 11 and 15.
    """
    m = as_array("maps", maps, dtype=np.float64)
    if m.ndim < 2:
        raise ValueError(f"maps must have shape (..., H, W); got {m.shape}")
    one_of("method", method, BINARIZE_METHODS)
    flat = m.reshape(*m.shape[:-2], -1)
    if method == "mean":
        return (m >= flat.mean(-1)[..., None, None]).astype(np.float64)
    norm = minmax_normalize(flat, axes=-1, name="maps").astype(np.float64)
    k = flat.shape[-1] // 2
    thr = np.partition(norm, k, axis=-1)[..., k, None]
    keep = norm > thr if method == "median" else norm >= thr
    return keep.astype(np.float64).reshape(m.shape)


def _bilinear_weights(n_in: int, n_out: int) -> np.ndarray:
    # (n_out, n_in): half-pixel centres, edges clamped (cv2.INTER_LINEAR, PIL, torch's
    # align_corners=False)
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0, n_in - 1.0)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w = np.zeros((n_out, n_in))
    np.add.at(w, (np.arange(n_out), i0), 1.0 - (src - i0))
    np.add.at(w, (np.arange(n_out), i1), src - i0)
    return w


def resize_bilinear(maps: Any, shape: tuple[int, int]) -> np.ndarray:
    """Maps ``(..., h, w)`` resized to ``shape`` = (H, W) by bilinear interpolation
    (chapter 15: a 36 x 48 or 12 x 16 heat map brought to the frame's pixels).

    Half-pixel centres, as ``cv2.resize`` (LVS's evaluation) and torch's
    ``align_corners=False``: output pixel ``o`` reads the input at ``(o + 0.5) h / H -
    0.5``, clamped to the edge cells, so each cell's value lands on the pixels it
    covers.
    (EZ-VSL's code uses ``align_corners=True``, which stretches the map so that its
    corner cells' centres land on the frame's corner pixels: a shift of up to half a
    cell near the edges.) The same shape returns a copy.
    """
    m = as_array("maps", maps, dtype=np.float64)
    if m.ndim < 2:
        raise ValueError(f"maps must have shape (..., h, w); got {m.shape}")
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise ValueError(f"shape must be a pair (H, W); got {shape!r}")
    h, w = (positive(f"shape[{i}]", s, integer=True) for i, s in enumerate(shape))
    rows = _bilinear_weights(m.shape[-2], h)
    cols = _bilinear_weights(m.shape[-1], w)
    return rows @ m @ cols.T


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


def _consensus(votes: np.ndarray) -> np.ndarray:
    # (..., A, H, W) binary masks of A annotators -> sum / 2, clipped at 1
    return np.minimum(votes.sum(axis=-3) / 2.0, 1.0)


def consensus_map(
    annotations: Sequence[Sequence[Sequence[float]]], shape: tuple[int, int]
) -> np.ndarray:
    """Flickr-SoundNet consensus ground truth ``(H, W)`` from annotators' boxes.

    ``annotations[a]`` is annotator a's list of boxes ``(x0, y0, x1, y1)`` in pixels (x:
    column, half-open ``[x0, x1)``). Each annotator gives a binary mask (union of their
    boxes); the consensus is the sum of the masks / 2, clipped at 1 (with three
    annotators: 0, 0.5 or 1). :func:`consensus_masks` is the same rule on the simulated
    dataset's ``annotators`` array.
    """
    h, w = (positive("shape", s, integer=True) for s in shape)
    if len(annotations) == 0:
        raise ValueError("annotations must hold at least one annotator's boxes")
    votes = np.zeros((len(annotations), h, w))
    for a, boxes in enumerate(annotations):
        for box in boxes:
            b = as_array(f"annotations[{a}] box", box, shape=(4,), dtype=np.float64)
            x0, y0, x1, y1 = (int(round(v)) for v in b)
            if x1 <= x0 or y1 <= y0:
                raise ValueError(
                    f"annotations[{a}] boxes must be (x0, y0, x1, y1) with x1 > x0, y1 "
                    f"> y0; got {box}"
                )
            votes[a, max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)] = 1.0
    return _consensus(votes)


def consensus_masks(annotators: Any, centres: Any) -> np.ndarray:
    """Consensus ground truth ``(N, H, W)`` (values 0, 0.5, 1) of the simulated
    dataset's annotators' boxes, on the grid whose cell centres are ``centres`` (chapter
    15).

    ``annotators`` ``(N, S, A, 4)``: per frame, per source, the boxes (top, left,
    bottom, right) video pixels that ``A`` simulated annotators drew (the dataset's
    ``annotators`` array, NaN rows for absent sources; see
    :func:`acousticlib.rendering.annotator_boxes` for their model); ``centres`` ``(H, W,
    2)``: (row, col) video pixel of each cell's centre
    (``Camera().resized(h, w).grid_pixel_centres(shape)``: the 36 x 48 acoustic grid,
    or ``shape = (h, w)`` for the frame's pixels). A cell is in annotator a's mask when
    its centre lies in one of a's boxes (:func:`box_mask`'s rule); the consensus is the
    sum of the ``A`` masks / 2, clipped at 1, as :func:`consensus_map`. A frame without
    a sounding source gives an all-zero map (which :func:`ciou` refuses).
    """
    b = as_array("annotators", annotators, ndim=4, dtype=np.float64, finite=False)
    if b.shape[-1] != 4:
        raise ValueError(
            f"annotators must have shape (N, S, A, 4) (top, left, bottom, right); got "
            f"{b.shape}"
        )
    n, s, a = b.shape[:3]
    # annotator a's mask = the union of their boxes over the sources
    per_annotator = box_mask(b.transpose(0, 2, 1, 3).reshape(n * a, s, 4), centres)
    votes = per_annotator.reshape(n, a, *per_annotator.shape[1:]).astype(np.float64)
    return _consensus(votes)


def ciou(pred_map: Any, consensus: Any, method: str = "mean") -> Any:
    """Consensus IoU of predictions ``(..., H, W)`` against consensus maps ``(..., H,
    W)`` (:func:`consensus_map`, :func:`consensus_masks`, or a binary box mask).

    Each prediction is binarized (``method`` as in :func:`binarize`); then
    ``cIoU = sum(P * G) / (sum(G) + sum(P * [G == 0]))``, in [0, 1]. An empty
    prediction scores 0. A float for one ``(H, W)`` map, else an array ``(...)``.
    ValueError if a consensus map is all zeros (no sounding source: no cIoU) or has
    values outside [0, 1].
    """
    g = as_array("consensus", consensus, dtype=np.float64)
    if g.ndim < 2:
        raise ValueError(f"consensus must have shape (..., H, W); got {g.shape}")
    if g.min() < 0 or g.max() > 1:
        raise ValueError(
            f"consensus must hold values in [0, 1]; got [{g.min()}, {g.max()}]"
        )
    p = binarize(as_array("pred_map", pred_map, dtype=np.float64), method)
    if p.shape != g.shape:
        raise ValueError(
            f"pred_map and consensus must have the same shape; got {p.shape} and "
            f"{g.shape}"
        )
    total = g.sum(axis=(-2, -1))
    if np.any(total == 0):
        bad = np.argwhere(np.atleast_1d(total == 0))[0].tolist()
        raise ValueError(
            f"consensus must mark at least one cell of every map (a frame without a "
            f"sounding source has no cIoU); map {bad} is all zeros"
        )
    out = (p * g).sum(axis=(-2, -1)) / (total + (p * (g == 0)).sum(axis=(-2, -1)))
    return float(out) if out.ndim == 0 else out


def ciou_scores(
    maps: Any, consensus: Any, convention: str = "lvs", *, chunk: int = 64
) -> np.ndarray:
    """cIoU ``(N,)`` of heat maps ``(N, h, w)`` against consensus maps ``(N, H, W)``
    in a named ``convention`` (chapter 15; see the module docstring).

    Maps of another resolution than the consensus are first brought to it with
    :func:`resize_bilinear` (both conventions). ``"lvs"``: min-max normalised, binarized
    at the median-ranked value with ``>=`` (EZ-VSL); ``"authors"``: binarized at the
    mean (a min-max normalisation would change nothing). Then :func:`ciou`. Computed
    ``chunk`` frames at a time, so memory stays a few chunks of frame-sized maps
    (memory-mapped inputs are read a chunk at a time).
    """
    one_of("convention", convention, tuple(AUC_CONVENTIONS))
    chunk = positive("chunk", chunk, integer=True)
    m, g = np.asarray(maps), np.asarray(consensus)
    for name, a in (("maps", m), ("consensus", g)):
        if a.ndim != 3:
            raise ValueError(f"{name} must have shape (N, H, W); got {a.shape}")
    if len(m) != len(g) or len(m) == 0:
        raise ValueError(
            f"maps and consensus must hold as many frames, at least one; got {len(m)} "
            f"and {len(g)}"
        )
    method = AUC_CONVENTIONS[convention]["binarize"]
    out = np.empty(len(m))
    for a in range(0, len(m), chunk):
        part = as_array("maps", m[a : a + chunk], dtype=np.float64)
        truth = as_array("consensus", g[a : a + chunk], dtype=np.float64)
        empty = np.flatnonzero(truth.max(axis=(1, 2)) <= 0)
        if empty.size:
            raise ValueError(
                f"consensus must mark at least one cell of every map (a frame without "
                f"a sounding source has no cIoU); map {a + empty[0]} is all zeros"
            )
        if part.shape[1:] != truth.shape[1:]:
            part = resize_bilinear(part, truth.shape[1:])
        out[a : a + chunk] = ciou(part, truth, method)
    return out


def ciou_summary(values: Any, convention: str = "authors") -> dict[str, float]:
    """``"ciou@0.5"`` (share of cIoU >= 0.5: what the papers call cIoU), ``"mean"``
    (mean cIoU) and ``"auc"`` under ``convention`` of cIoU values ``(N,)``.

    Remember the whole-image baseline (``ciou`` of a constant map): about 61 % cIoU@0.5
    on the real Flickr test set.
    """
    v = as_array("values", values, ndim=1, dtype=np.float64)
    return {
        "ciou@0.5": float(np.mean(v >= 0.5)),
        "mean": float(v.mean()),
        "auc": success_auc(v, convention),
    }


def pointing_game(maps: Any, masks: Any) -> np.ndarray:
    """Pointing game (chapter 15): per map ``(N, H, W)``, the share of its maximum's
    cells that lie in the mask ``(N, H, W)`` (a cell is in when its mask value is >
    0: a box mask, or a consensus map's cells with at least one vote).

    A unique maximum gives 1.0 (hit) or 0.0 (miss), as :func:`peak_in_mask`; tied
    maxima give the expected hit of a random tie-break (a constant map scores the
    mask's share of the grid), where :func:`peak_in_mask` takes the first in row-major
    order.
    """
    m = as_array("maps", maps, ndim=3, dtype=np.float64)
    k = as_array(
        "masks", masks, shape=m.shape, what="the maps' shape (N, H, W)"
    ).reshape(len(m), -1)
    flat = m.reshape(len(m), -1)
    top = flat == flat.max(axis=1, keepdims=True)
    return (top & (k > 0)).sum(axis=1) / top.sum(axis=1)


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
