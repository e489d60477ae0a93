"""Aggregation (chapter 11 and the appendix): means and spreads over runs, confusion
matrices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import as_array, positive


def mean_std(values: Any, drop_extremes: bool = False) -> tuple[float, float]:
    """Mean and (population) standard deviation over runs; ``drop_extremes`` drops the
    min and max first (the authors' aggregation over 5 runs)."""
    v = np.sort(as_array("values", values, ndim=1, dtype=np.float64))
    if drop_extremes:
        if v.size < 3:
            raise ValueError(
                f"values must hold at least 3 runs to drop the extremes; got {v.size}"
            )
        v = v[1:-1]
    return float(v.mean()), float(v.std())


def spread_over_runs(
    rows: Sequence[Mapping[str, Any]], by: str, scores: Sequence[str]
) -> dict[str, dict[str, dict[str, float]]]:
    """Mean and population std (:func:`mean_std`) of each of ``scores`` over the runs
    ``rows`` that share the value of ``rows[i][by]`` (e.g. one generator over its
    training seeds): ``{group: {score: {"mean", "std"}, "runs": {"count"}}}``, groups in
    their first-seen order. The seed-spread tools of chapter 11 and the appendix.
    """
    if not isinstance(by, str) or not rows or any(by not in r for r in rows):
        raise ValueError(f"rows must be a non-empty list of dicts that all hold {by!r}")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for group in dict.fromkeys(r[by] for r in rows):
        runs = [r for r in rows if r[by] == group]
        out[group] = {}
        for score in scores:
            mean, std = mean_std([r[score] for r in runs])
            out[group][score] = {"mean": mean, "std": std}
        out[group]["runs"] = {"count": len(runs)}
    return out


def confusion_matrix(
    true: Any, pred: Any, num_classes: int | None = None
) -> np.ndarray:
    """Counts ``C[i, j]`` ``(K, K)`` int64 of samples of true class ``i`` predicted as
    class ``j``.

    ``true`` and ``pred`` are integer labels ``(N,)`` in ``[0, K)``; ``num_classes``
    ``K`` defaults to ``max(label) + 1``. The accuracy (GAN-test, GAN-train) is
    ``trace(C) / C.sum()`` (chapter 11).
    """
    t = as_array("true", true, ndim=1).astype(np.int64)
    p = as_array("pred", pred, shape=(t.shape[0],)).astype(np.int64)
    if (t < 0).any() or (p < 0).any():
        raise ValueError("true and pred must hold class indices >= 0")
    k = (
        int(max(t.max(), p.max())) + 1
        if num_classes is None
        else positive("num_classes", num_classes, integer=True)
    )
    if t.max() >= k or p.max() >= k:
        raise ValueError(
            f"labels must be < num_classes = {k}; got up to "
            f"{int(max(t.max(), p.max()))}"
        )
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def clip_means(values: Any, clips: Any) -> np.ndarray:
    """Mean of per-frame ``values`` ``(N,)`` over each clip: ``(N,) -> (C,)``.

    ``clips`` ``(N,)`` holds any clip identifiers; the result follows the sorted unique
    identifiers (``np.unique``). Frames of one clip are not independent, so paired
    tests over the test split run on these clip means (chapter 11, the appendix).
    """
    v = as_array("values", values, ndim=1, dtype=np.float64)
    c = np.asarray(clips)
    if c.shape != v.shape:
        raise ValueError(
            f"clips must have one identifier per value, shape {v.shape}; got {c.shape}"
        )
    inverse = np.unique(c, return_inverse=True)[1].reshape(-1)
    return np.bincount(inverse, weights=v) / np.bincount(inverse)


def paired_difference(a: Any, b: Any) -> tuple[float, float]:
    """Mean of the paired differences ``a - b`` (``(n,)`` each, e.g. per-clip scores of
    two models on the same clips) and its standard error ``std(d, ddof=1) / sqrt(n)``
    (``inf`` for a single pair): the paired test of chapter 11 and the appendix."""
    x = as_array("a", a, ndim=1, dtype=np.float64)
    y = as_array("b", b, shape=x.shape, dtype=np.float64)
    d = x - y
    if d.size == 0:
        raise ValueError("a and b must hold at least one pair")
    se = float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("inf")
    return float(d.mean()), se
