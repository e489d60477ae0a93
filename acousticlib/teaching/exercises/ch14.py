"""Exercise checkers of chapter 14 (cross-modal retrieval)."""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from ._core import Feedback, compare_with_mistakes, exercise

_CHAPTER = "14_cross_modal_retrieval"


def _labels(name: str, values: Any, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or (n is not None and len(arr) != n):
        want = f"({n},)" if n is not None else "1-D"
        raise ValueError(f"{name} must be a {want} array of labels; got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer labels; got {arr.dtype}")
    return arr.astype(np.int64)


def _square(distances: Any) -> np.ndarray:
    from ..._checks import as_array

    d = as_array("distances", distances, ndim=2, dtype=np.float64)
    if d.shape[0] != d.shape[1]:
        raise ValueError(
            f"distances must be square (query i paired with gallery item i); got "
            f"shape {d.shape}"
        )
    return d


@exercise(
    "14.1",
    _CHAPTER,
    "Instance-level Recall@k of paired sounds and frames, ties against the query.",
)
def check_recall_at_k(answer: Any, *, distances: Any, rank: int = 1) -> Feedback:
    """The share of queries (rows of the square ``distances``; query ``i`` paired with
    gallery item ``i``) whose own pair is among their ``rank`` nearest items, an item
    as near as the pair counting before it
    (:func:`acousticlib.metrics.recall_at_k_from_distances`; chapter 14)."""
    from ..._checks import positive
    from ...metrics import recall_at_k_from_distances

    d = _square(distances)
    k = int(positive("rank", rank, integer=True))
    expected = recall_at_k_from_distances(d, (k,))[k]
    own = np.diag(d)[:, None]
    optimistic = float(np.mean((d < own).sum(axis=1) < k))
    columns = recall_at_k_from_distances(d.T, (k,))[k]
    return compare_with_mistakes(
        answer,
        expected,
        tol=1e-3,
        what=f"Recall@{k} (sounds querying frames)",
        hint="For query i, count the items at a distance no greater than d[i, i] "
        f"(its own pair included): the pair is retrieved when that count is at most "
        f"{k}. Average over the rows.",
        wrong={
            "Recall with ties counted for the query": optimistic,
            "Recall of the other direction (columns as queries)": columns,
        },
    )


@exercise(
    "14.2",
    _CHAPTER,
    "CMC at rank k of a retrieval that ranks the gallery at random (chance level).",
)
def check_chance_cmc(
    answer: Any, *, gallery_labels: Any, query_label: int, rank: int = 1
) -> Feedback:
    """Probability that ``rank`` gallery items drawn at random without replacement
    hold at least one of class ``query_label``: ``1 - C(N - n, k) / C(N, k)`` with
    ``n`` items of that class among ``N`` (the hypergeometric law; chapter 14)."""
    from ..._checks import positive

    y = _labels("gallery_labels", gallery_labels)
    if isinstance(query_label, bool) or not isinstance(query_label, (int, np.integer)):
        raise TypeError(f"query_label must be an integer; got {query_label!r}")
    n_all, n = len(y), int(np.sum(y == int(query_label)))
    if n == 0:
        raise ValueError(f"the gallery holds no item of class {query_label}")
    k = int(positive("rank", rank, integer=True))
    if k > n_all:
        raise ValueError(f"rank must be at most the gallery's {n_all} items; got {k}")
    expected = 1.0 - comb(n_all - n, k) / comb(n_all, k)
    return compare_with_mistakes(
        answer,
        expected,
        tol=1e-3,
        what=f"chance CMC at rank {k}",
        hint="Count the ways to draw k items with none of the class, C(N - n, k), "
        "out of C(N, k); the chance of a hit is one minus their ratio.",
        wrong={
            "draw with replacement, 1 - (1 - n/N)^k": 1.0 - (1.0 - n / n_all) ** k,
            "share of the class, n/N, whatever k": n / n_all,
            "k n / N (hits counted more than once)": min(k * n / n_all, 1.0),
        },
    )


@exercise(
    "14.3",
    _CHAPTER,
    "Retrieval of the place: CMC at rank k with locations as the labels.",
)
def check_location_cmc(
    answer: Any,
    *,
    distances: Any,
    locations: Any,
    labels: Any,
    rank: int = 1,
) -> Feedback:
    """The share of sound queries (rows of the square ``distances``) with a frame of
    their own **location** among their ``rank`` nearest (the CMC of
    :func:`acousticlib.metrics.cmc_from_distances` with ``locations`` as the labels;
    chapter 14). ``labels``, the classes, name the mix-up with the class-level CMC."""
    from ..._checks import positive
    from ...metrics import cmc_from_distances

    d = _square(distances)
    where = _labels("locations", locations, d.shape[0])
    what = _labels("labels", labels, d.shape[0])
    k = int(positive("rank", rank, integer=True))
    expected = cmc_from_distances(d, where, where, (k,))[k]
    both = float(
        np.mean(
            [
                np.any((where[row] == where[i]) & (what[row] == what[i]))
                for i, row in enumerate(np.argsort(d, axis=1, kind="stable")[:, :k])
            ]
        )
    )
    return compare_with_mistakes(
        answer,
        expected,
        tol=1e-3,
        what=f"location CMC at rank {k}",
        hint="Use cmc_from_distances with the locations as both the query and the "
        "gallery labels: a hit is any of the k nearest frames filmed at the query's "
        "location, whatever its class.",
        wrong={
            "class-level CMC": cmc_from_distances(d, what, what, (k,))[k],
            "CMC of place and class together": both,
        },
    )
