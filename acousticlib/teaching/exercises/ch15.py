"""Exercise checkers of chapter 15 (sound-source localization)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Feedback, compare_with_mistakes, exercise

_CHAPTER = "15_sound_source_localization"


def _map_and_truth(heat_map: Any, consensus: Any) -> tuple[np.ndarray, np.ndarray]:
    from ..._checks import as_array

    m = as_array("heat_map", heat_map, ndim=2, dtype=np.float64)
    g = as_array("consensus", consensus, ndim=2, dtype=np.float64)
    if g.min() < 0 or g.max() > 1 or g.max() == 0:
        raise ValueError(
            "consensus must hold values in [0, 1] with at least one cell above 0 (a "
            "frame with a sounding source)"
        )
    return m, g


@exercise(
    "15.1",
    _CHAPTER,
    "cIoU of one heat map against its consensus, in a named convention.",
)
def check_ciou(
    answer: Any, *, heat_map: Any, consensus: Any, convention: str = "authors"
) -> Feedback:
    """cIoU of ``heat_map`` ``(h, w)`` against ``consensus`` ``(H, W)`` (values 0,
    0.5, 1) in ``convention`` (:func:`acousticlib.metrics.ciou_scores`; chapter 15)."""
    from ..._checks import one_of
    from ...metrics import AUC_CONVENTIONS, binarize, ciou_scores, resize_bilinear

    one_of("convention", convention, tuple(AUC_CONVENTIONS))
    m, g = _map_and_truth(heat_map, consensus)
    expected = float(ciou_scores(m[None], g[None], convention)[0])
    other = "lvs" if convention == "authors" else "authors"
    full = m if m.shape == g.shape else resize_bilinear(m[None], g.shape)[0]
    p = binarize(full, AUC_CONVENTIONS[convention]["binarize"])
    box = g > 0
    plain_iou = float((p * box).sum() / np.maximum((np.maximum(p, box)).sum(), 1))
    return compare_with_mistakes(
        answer,
        expected,
        tol=1e-3,
        what=f"cIoU in the {convention} convention",
        hint="Binarize the map first (authors: value >= its mean; lvs: resized to the "
        "consensus, min-max normalised, value >= its median-ranked value), then "
        "sum(P * G) / (sum(G) + sum(P * [G == 0])).",
        wrong={
            f"cIoU in the {other} convention": float(
                ciou_scores(m[None], g[None], other)[0]
            ),
            "plain IoU of the binarized map with the cells that have a vote": (
                plain_iou
            ),
        },
    )


@exercise(
    "15.2",
    _CHAPTER,
    "The largest cIoU any map can reach when binarization keeps half the frame.",
)
def check_ciou_ceiling(answer: Any, *, consensus: Any) -> Feedback:
    """The best cIoU over all maps binarized at their median-ranked value with ``>=``
    (maps of distinct values keep ``n - n // 2`` of the ``n`` cells) against
    ``consensus`` ``(H, W)``: the kept cells cover the most-voted cells first
    (chapter 15)."""
    _, g = _map_and_truth(np.zeros((1, 1)), consensus)
    values = np.sort(g.ravel())[::-1]
    kept = values.size - values.size // 2
    top = values[:kept]
    expected = float(top.sum() / (g.sum() + np.sum(top == 0)))
    marked = int(np.sum(g > 0))
    naive = float(marked / kept) if kept else 0.0
    return compare_with_mistakes(
        answer,
        expected,
        tol=1e-3,
        what="largest cIoU with half of the frame kept",
        hint=f"The binarized map keeps {kept} of {values.size} cells whatever it "
        "shows. Put them on the cells with the most votes first; every kept cell "
        "without a vote adds 1 to the denominator.",
        wrong={
            "share of the kept cells that have a vote (votes of 0.5 counted as 1)": (
                naive
            ),
            "the fraction of the frame with a vote": float(marked / values.size),
        },
    )


@exercise(
    "15.3",
    _CHAPTER,
    "Pointing game of EZ-VSL's object-guided mix for one weight alpha.",
)
def check_guided_pointing(
    answer: Any, *, av_maps: Any, object_maps: Any, masks: Any, alpha: float
) -> Feedback:
    """The pointing game (:func:`acousticlib.metrics.pointing_game`) of
    :func:`acousticlib.localization.object_guided_map` of ``av_maps`` and
    ``object_maps`` ``(N, h, w)`` with weight ``alpha``, against ``masks`` ``(N, H,
    W)`` (maps resized bilinearly to the masks' size; chapter 15)."""
    from ..._checks import in_range
    from ...localization import object_guided_map
    from ...metrics import pointing_game, resize_bilinear

    def score(a: float) -> float:
        mixed = object_guided_map(av_maps, object_maps, a)
        k = np.asarray(masks)
        if mixed.shape[1:] != k.shape[1:]:
            mixed = resize_bilinear(mixed, k.shape[1:])
        return float(np.mean(pointing_game(mixed, k)))

    alpha = in_range("alpha", alpha, 0.0, 1.0)
    expected = score(alpha)
    return compare_with_mistakes(
        answer,
        expected,
        tol=1e-3,
        what=f"pointing game of the mix with alpha = {alpha:g}",
        hint="object_guided_map(av, objects, alpha) weighs the audio-visual map by "
        "alpha; resize the mix to the masks' grid, then take the share of maps whose "
        "maximum lies in the mask (metrics.pointing_game).",
        wrong={
            "alpha and 1 - alpha swapped": score(1 - alpha),
            "the audio-visual map alone (alpha = 1)": score(1.0),
        },
    )
