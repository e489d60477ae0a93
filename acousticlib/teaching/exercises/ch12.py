"""Exercise checkers of chapter 12 (self-supervised distillation)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Feedback, compare_with_mistakes, exercise, verdict


def _vectors(**named: Any) -> dict[str, np.ndarray]:
    """1-D float arrays of one length, none of zero norm (a direction to normalise)."""
    from ..._checks import as_array

    out = {k: as_array(k, v, ndim=1, dtype=np.float64) for k, v in named.items()}
    sizes = {k: v.size for k, v in out.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"the vectors must have one length; got {sizes}")
    for k, v in out.items():
        if not np.linalg.norm(v) > 0:
            raise ValueError(f"{k} must not be the zero vector (it has no direction)")
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@exercise(
    "12.1",
    "12_self_supervised_distillation",
    "Triplet loss of one (anchor, positive, negative) triplet, the authors' way.",
)
def check_triplet_loss(
    answer: Any, *, anchor: Any, positive: Any, negative: Any, margin: float = 0.2
) -> Feedback:
    """``max(0, |a - p|^2 - |a - n|^2 + margin)`` with ``a``, ``p``, ``n`` the
    L2-normalised vectors (squared Euclidean distances; margin 0.2 in the authors'
    code), as ``acousticlib.triplet.triplet_loss`` computes it (chapter 12)."""
    from ..._checks import non_negative

    m = float(non_negative("margin", margin))
    v = _vectors(anchor=anchor, positive=positive, negative=negative)
    a, p, n = (_unit(v[k]) for k in ("anchor", "positive", "negative"))
    d_ap, d_an = float(np.sum((a - p) ** 2)), float(np.sum((a - n) ** 2))
    expected = max(0.0, d_ap - d_an + m)
    raw_a, raw_p, raw_n = v["anchor"], v["positive"], v["negative"]
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what="triplet loss",
        expects="a non-negative number",
        hint="Normalise each vector to length 1 first, use squared Euclidean "
        "distances, and clip the result at 0.",
        wrong={
            "loss without normalising the vectors": max(
                0.0,
                float(np.sum((raw_a - raw_p) ** 2) - np.sum((raw_a - raw_n) ** 2)) + m,
            ),
            "loss with plain (not squared) distances": max(
                0.0, float(np.sqrt(d_ap) - np.sqrt(d_an)) + m
            ),
            "loss before clipping at 0": d_ap - d_an + m,
            "loss with the TIP paper's margin 1.0": max(0.0, d_ap - d_an + 1.0),
        },
    )


@exercise(
    "12.2",
    "12_self_supervised_distillation",
    "Cumulative match characteristic at rank k of a small retrieval.",
)
def check_cmc_rank(
    answer: Any,
    *,
    distances: Any,
    query_labels: Any,
    gallery_labels: Any,
    rank: int,
) -> Feedback:
    """Share of the queries (rows of ``distances``, ``(Q, G)``) whose ``rank`` nearest
    gallery items hold at least one of the query's class, as
    ``acousticlib.metrics.cmc_from_distances`` computes it (chapter 12)."""
    from ..._checks import as_array, positive_integer
    from ...metrics import cmc_from_distances

    d = as_array("distances", distances, ndim=2, dtype=np.float64)
    q = as_array("query_labels", query_labels, shape=(d.shape[0],))
    g = as_array("gallery_labels", gallery_labels, shape=(d.shape[1],))
    k = positive_integer("rank", rank)
    if k > d.shape[1]:
        raise ValueError(f"rank must be at most the gallery's {d.shape[1]} items")
    expected = float(cmc_from_distances(d, q, g, (k,))[k])
    order = np.argsort(d, axis=1, kind="stable")
    exact = float(np.mean([i in order[i, :k] for i in range(min(d.shape))]))
    farthest = np.argsort(-d, axis=1, kind="stable")[:, :k]
    reversed_ = float(
        np.mean([(g[row] == q[i]).any() for i, row in enumerate(farthest)])
    )
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what=f"CMC at rank {k}",
        hint=f"For each query, sort the gallery by distance (smallest first), look at "
        f"the first {k} and count a hit when any of them has the query's class.",
        wrong={
            "share of queries whose own item is in the top k (instance retrieval)": (
                exact
            ),
            "CMC with the largest distances taken as the nearest": reversed_,
        },
    )


@exercise(
    "12.3",
    "12_self_supervised_distillation",
    "The video vector conditioned on an acoustic map (DualCamNet's audio).",
)
def check_conditioned_vector(answer: Any, *, audio: Any, video_map: Any) -> Feedback:
    """``c[d] = sum_{h,w} a[d,h,w] * V[d,h,w] ** 2`` for one clip's audio map ``(D, H,
    W)`` (or vector ``(D,)``, tiled over the grid) and video map ``(D, H, W)``, as
    ``acousticlib.triplet.audio_conditioned_video`` computes it (chapter 12)."""
    from ..._checks import as_array

    v = as_array("video_map", video_map, ndim=3, dtype=np.float64)
    a = as_array("audio", audio, dtype=np.float64)
    if a.shape not in (v.shape, v.shape[:1]):
        raise ValueError(
            f"audio must be a map of video_map's shape {v.shape} or a vector of its "
            f"{v.shape[0]} channels; got shape {a.shape}"
        )
    a_map = a if a.ndim == 3 else np.broadcast_to(a[:, None, None], v.shape)
    expected = (a_map * v * v).sum(axis=(1, 2))
    try:
        value = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return verdict(False, f"expected a vector of {v.shape[0]} numbers.", expected)
    if value.shape != expected.shape:
        return verdict(
            False,
            f"expected one number per channel, shape {expected.shape}; got shape "
            f"{value.shape}. Sum over the grid (H, W), not over the channels.",
            expected,
        )
    scale = max(1e-12, float(np.abs(expected).max()))
    if np.allclose(value, expected, rtol=1e-4, atol=1e-6 * scale):
        return verdict(
            True, "the conditioned vector matches, channel by channel.", expected
        )
    once = (a_map * v).sum(axis=(1, 2))
    if np.allclose(value, once, rtol=1e-4, atol=1e-6 * scale):
        return verdict(
            False,
            "that is the similarity map summed over the grid: multiply it by the video "
            "map once more before summing (a weighted sum of video features).",
            expected,
        )
    return verdict(
        False,
        "not the conditioned vector. Multiply audio and video map element by element "
        "(the similarity map), multiply by the video map again, then sum over H and W.",
        expected,
    )
