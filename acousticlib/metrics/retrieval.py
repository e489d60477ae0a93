"""Retrieval measures (chapter 14; chapters 11 and 12's kNN): :func:`cmc` and
:func:`cmc_from_distances` (class level), :func:`recall_at_k` and
:func:`recall_at_k_from_distances` (instance level), :func:`knn_accuracy`,
:func:`knn_predict`, :func:`select_k`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_array, positive

#: The k that chapter 12 chooses among on validation data (Sanguineti et al. 2020; the
#: authors' code).
KNN_KS: tuple[int, ...] = (7, 9, 11, 13, 15)


def _knn_data(
    train_x: Any, train_y: Any, test_x: Any, test_y: Any, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a = as_array("train_x", train_x, ndim=2, dtype=np.float64)
    b = as_array(names[0], test_x, ndim=2, dtype=np.float64)
    ya = as_array("train_y", train_y, shape=(a.shape[0],)).astype(np.int64)
    yb = as_array(names[1], test_y, shape=(b.shape[0],)).astype(np.int64)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"train_x and {names[0]} must have the same dimension; got {a.shape[1]} "
            f"and {b.shape[1]}"
        )
    return a, ya, b, yb


def _knn_votes(
    a: np.ndarray, ya: np.ndarray, b: np.ndarray, ks: Sequence[int]
) -> dict[int, np.ndarray]:
    """The kNN vote ``(M,)`` of each row of ``b`` for each k of ``ks`` (checked ints),
    one distance matrix and one sort for all of them; a tie goes to the tied class
    whose nearest member is closest."""
    d = (b**2).sum(1)[:, None] - 2 * b @ a.T + (a**2).sum(1)[None, :]
    nearest = np.argsort(d, axis=1, kind="stable")[:, : max(ks)]
    out = {}
    for k in ks:
        pred = np.empty(b.shape[0], dtype=np.int64)
        for i, idx in enumerate(nearest[:, :k]):
            votes = np.bincount(ya[idx])
            tied = np.flatnonzero(votes == votes.max())
            pred[i] = (
                tied[0] if len(tied) == 1 else next(c for c in ya[idx] if c in tied)
            )
        out[k] = pred
    return out


def _knn_accuracies(
    a: np.ndarray, ya: np.ndarray, b: np.ndarray, yb: np.ndarray, ks: Sequence[int]
) -> dict[int, float]:
    """Accuracy of the kNN vote for each k of ``ks`` (checked ints)."""
    return {k: float(np.mean(p == yb)) for k, p in _knn_votes(a, ya, b, ks).items()}


def _k(name: str, k: Any, n_train: int) -> int:
    k = positive(name, k, integer=True)
    if k > n_train:
        raise ValueError(
            f"{name} must be <= the number of training vectors ({n_train}); got {k}"
        )
    return k


def knn_accuracy(
    train_x: Any, train_y: Any, test_x: Any, test_y: Any, k: int = 15
) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean; k = 15 in Sanguineti et al.
    2022, Table VII).

    ``train_x`` ``(N, d)``, ``test_x`` ``(M, d)``, integer labels. A tied vote goes to
    the tied class whose nearest member is closest. Chapter 11 (latent vectors) and
    chapter 12 (with the k of :func:`select_k`).
    """
    a, ya, b, yb = _knn_data(train_x, train_y, test_x, test_y, ("test_x", "test_y"))
    k = _k("k", k, a.shape[0])
    return _knn_accuracies(a, ya, b, yb, (k,))[k]


def knn_predict(train_x: Any, train_y: Any, test_x: Any, k: int = 15) -> np.ndarray:
    """The class ``(M,)`` int64 that a k-nearest-neighbour vote (Euclidean) gives each
    row of ``test_x`` ``(M, d)`` among ``train_x`` ``(N, d)`` with integer labels
    ``train_y``; a tie goes to the tied class whose nearest member is closest.
    :func:`knn_accuracy` is the share of these that are right; chapter 12 compares two
    models clip by clip through them.
    """
    a = as_array("train_x", train_x, ndim=2, dtype=np.float64)
    ya = as_array("train_y", train_y, shape=(a.shape[0],)).astype(np.int64)
    b = as_array("test_x", test_x, ndim=2, dtype=np.float64)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"train_x and test_x must have the same dimension; got {a.shape[1]} and "
            f"{b.shape[1]}"
        )
    k = _k("k", k, a.shape[0])
    return _knn_votes(a, ya, b, (k,))[k]


def select_k(
    train_x: Any,
    train_y: Any,
    val_x: Any,
    val_y: Any,
    ks: Sequence[int] = KNN_KS,
) -> tuple[int, dict[int, float]]:
    """The k of a kNN classifier chosen on validation data: ``(best_k, accuracies)``
    (chapter 12).

    ``accuracies[k]`` is :func:`knn_accuracy` of ``val_x`` ``(V, d)`` against the
    ``train_x`` ``(N, d)`` vectors for each k of ``ks`` (Sanguineti et al. 2020 choose k
    in 7, 9, ..., 15 by validation accuracy); ``best_k`` has the highest accuracy, the
    **smallest** such k on a tie. Then report ``knn_accuracy(train_x, train_y, test_x,
    test_y, k=best_k)`` on the test set.
    """
    a, ya, b, yb = _knn_data(train_x, train_y, val_x, val_y, ("val_x", "val_y"))
    if isinstance(ks, (str, bytes)) or not isinstance(ks, Sequence) or not ks:
        raise ValueError(f"ks must be a non-empty sequence of integers; got {ks!r}")
    checked = sorted({_k("ks", k, a.shape[0]) for k in ks})
    accuracies = _knn_accuracies(a, ya, b, yb, checked)
    best = max(checked, key=lambda k: (accuracies[k], -k))
    return best, accuracies


def cmc_from_distances(
    distances: Any,
    query_labels: Any,
    gallery_labels: Any,
    ranks: Sequence[int] = (1, 2, 5, 10, 30),
) -> dict[int, float]:
    """Cumulative match characteristic from a distance matrix ``(Q, G)``: for each rank
    k, the share of queries with an item of their class among their k nearest gallery
    items (chapters 12 and 14). Ties: gallery order.

    For distances that no pair of embeddings gives alone, e.g. chapter 12's videos
    conditioned on each audio query (:func:`acousticlib.triplet.audio_visual_distances`;
    the query's own clip stays in the gallery, as in the authors' code).
    """
    d = as_array("distances", distances, ndim=2, dtype=np.float64)
    yq = as_array("query_labels", query_labels, shape=(d.shape[0],)).astype(np.int64)
    yg = as_array("gallery_labels", gallery_labels, shape=(d.shape[1],)).astype(
        np.int64
    )
    match = yg[np.argsort(d, axis=1, kind="stable")] == yq[:, None]
    # 0-based rank of the first hit
    first = np.where(match.any(1), match.argmax(1), d.shape[1])
    return {
        int(k): float(np.mean(first < positive("ranks", k, integer=True)))
        for k in ranks
    }


def cmc(
    query: Any,
    query_labels: Any,
    gallery: Any,
    gallery_labels: Any,
    ranks: Sequence[int] = (1, 2, 5, 10, 30),
) -> dict[int, float]:
    """Cumulative match characteristic: for each rank k, the share of queries ``(Q, d)``
    with an item of their class among their k nearest (Euclidean) gallery items ``(G,
    d)``. Ties: gallery order. Chapter 14; :func:`cmc_from_distances` takes the
    distances themselves."""
    q = as_array("query", query, ndim=2, dtype=np.float64)
    g = as_array("gallery", gallery, ndim=2, dtype=np.float64)
    if q.shape[1] != g.shape[1]:
        raise ValueError(
            f"query and gallery must have the same dimension; got {q.shape[1]} and "
            f"{g.shape[1]}"
        )
    d = (q**2).sum(1)[:, None] - 2 * q @ g.T + (g**2).sum(1)[None, :]
    return cmc_from_distances(d, query_labels, gallery_labels, ranks)


def recall_at_k_from_distances(
    distances: Any, ranks: Sequence[int] = (1, 5, 10)
) -> dict[int, float]:
    """Instance-level Recall@k from a square distance matrix ``(N, N)`` whose query
    ``i`` (row) is paired with gallery item ``i`` (column): for each rank k, the share
    of queries whose own pair is among their k nearest items, as the wider
    cross-modal retrieval literature reports it (only the true pair counts; the class
    does not, unlike :func:`cmc_from_distances`). Chapter 14.

    Ties count against the query: the pair's rank is one plus the number of other
    items at a distance **no greater** than its own, so a constant distance matrix
    scores 0 until k reaches N (an embedding that cannot tell items apart gets no
    credit from the gallery's order). The other direction (gallery items as queries)
    is the transpose.
    """
    d = as_array("distances", distances, ndim=2, dtype=np.float64)
    if d.shape[0] != d.shape[1]:
        raise ValueError(
            f"distances must be square (query i paired with gallery item i); got "
            f"shape {d.shape}"
        )
    own = np.diag(d)[:, None]
    # 1-based rank of the true pair, ties against it
    rank = (d <= own).sum(axis=1)
    return {
        int(k): float(np.mean(rank <= positive("ranks", k, integer=True)))
        for k in ranks
    }


def recall_at_k(
    query: Any, gallery: Any, ranks: Sequence[int] = (1, 5, 10)
) -> dict[int, float]:
    """Instance-level Recall@k of paired embeddings: query ``i`` ``(N, d)`` and gallery
    item ``i`` ``(N, d)`` are the two modalities of one clip; Euclidean distances, ties
    against the query (:func:`recall_at_k_from_distances`). Swap the arguments for the
    other direction. Chapter 14, beside the class-level :func:`cmc`."""
    q = as_array("query", query, ndim=2, dtype=np.float64)
    g = as_array("gallery", gallery, ndim=2, dtype=np.float64)
    if q.shape != g.shape:
        raise ValueError(
            f"query and gallery must be paired row by row with one dimension; got "
            f"shapes {q.shape} and {g.shape}"
        )
    d = (q**2).sum(1)[:, None] - 2 * q @ g.T + (g**2).sum(1)[None, :]
    return recall_at_k_from_distances(d, ranks)
