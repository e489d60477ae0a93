"""Retrieval measures (chapter 14; chapter 11's latent kNN): :func:`cmc`,
:func:`knn_accuracy`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_array, positive


def knn_accuracy(
    train_x: Any, train_y: Any, test_x: Any, test_y: Any, k: int = 15
) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean; k = 15 in Sanguineti et al.
    2022, Table VII).

    ``train_x`` ``(N, d)``, ``test_x`` ``(M, d)``, integer labels. A tied vote goes to
    the tied class whose nearest member is closest.
    """
    a = as_array("train_x", train_x, ndim=2, dtype=np.float64)
    b = as_array("test_x", test_x, ndim=2, dtype=np.float64)
    ya = as_array("train_y", train_y, shape=(a.shape[0],)).astype(np.int64)
    yb = as_array("test_y", test_y, shape=(b.shape[0],)).astype(np.int64)
    k = positive("k", k, integer=True)
    if k > a.shape[0]:
        raise ValueError(
            f"k must be <= the number of training vectors ({a.shape[0]}); got {k}"
        )
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"train_x and test_x must have the same dimension; got {a.shape[1]} and "
            f"{b.shape[1]}"
        )
    d = (b**2).sum(1)[:, None] - 2 * b @ a.T + (a**2).sum(1)[None, :]
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    hits = 0
    for i, idx in enumerate(order):
        votes = np.bincount(ya[idx])
        tied = np.flatnonzero(votes == votes.max())
        # nearest among tied
        pred = tied[0] if len(tied) == 1 else next(c for c in ya[idx] if c in tied)
        hits += int(pred == yb[i])
    return hits / b.shape[0]


def cmc(
    query: Any,
    query_labels: Any,
    gallery: Any,
    gallery_labels: Any,
    ranks: Sequence[int] = (1, 2, 5, 10, 30),
) -> dict[int, float]:
    """Cumulative match characteristic: for each rank k, the share of queries ``(Q, d)``
    with an item of their class among their k nearest (Euclidean) gallery items ``(G,
    d)``. Ties: gallery order."""
    q = as_array("query", query, ndim=2, dtype=np.float64)
    g = as_array("gallery", gallery, ndim=2, dtype=np.float64)
    yq = as_array("query_labels", query_labels, shape=(q.shape[0],)).astype(np.int64)
    yg = as_array("gallery_labels", gallery_labels, shape=(g.shape[0],)).astype(
        np.int64
    )
    if q.shape[1] != g.shape[1]:
        raise ValueError(
            f"query and gallery must have the same dimension; got {q.shape[1]} and "
            f"{g.shape[1]}"
        )
    d = (q**2).sum(1)[:, None] - 2 * q @ g.T + (g**2).sum(1)[None, :]
    match = yg[np.argsort(d, axis=1, kind="stable")] == yq[:, None]
    # 0-based rank of the first hit
    first = np.where(match.any(1), match.argmax(1), g.shape[0])
    return {
        int(k): float(np.mean(first < positive("ranks", k, integer=True)))
        for k in ranks
    }
