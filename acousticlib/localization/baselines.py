"""Localizers that need no sound (chapter 15): what a heat map scores without hearing.

* :func:`whole_image_map` -- every cell equally likely: binarized, the whole frame
  (about 61 % cIoU@0.5 on the real Flickr-SoundNet test set);
* :func:`centre_prior_map` -- a Gaussian centred in the frame: sources are framed near
  the centre more often than near the edges;
* :func:`feature_norm_map` -- the visual features alone: the norm of the frozen trunk's
  feature vector at each location (objects excite the trunk more than the background),
  one reading of the paper's visual-only baseline (Table VI).

Maps are float64 ``(N, H, W)`` in arbitrary units (only their ranking matters to the
metrics of :mod:`acousticlib.metrics.localization`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..geometry import GRID_SHAPE

#: Default width of :func:`centre_prior_map`, as a fraction of the frame's height
#: (rows) and width (columns): close to the spread of the true sources' box centres in
#: the book profile's dataset (standard deviation 0.23 of the height, 0.22 of the width
#: around the frame's centre, 10 800 sounding frames).
CENTRE_PRIOR_SIGMA = 0.25


def _shape(shape: Any) -> tuple[int, int]:
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise ValueError(f"shape must be a pair (H, W); got {shape!r}")
    return tuple(positive(f"shape[{i}]", s, integer=True) for i, s in enumerate(shape))


def whole_image_map(n: int, shape: tuple[int, int] = GRID_SHAPE) -> np.ndarray:
    """``n`` constant maps ``(n, H, W)`` (ones): the whole-image prediction of chapter
    15. Both conventions of :func:`~acousticlib.metrics.ciou_scores` binarize it to the
    whole frame, so its cIoU is ``sum(G) / (sum(G) + cells with G = 0)``. A read-only
    broadcast view (no memory per map)."""
    n = positive("n", n, integer=True)
    return np.broadcast_to(np.ones(_shape(shape)), (n, *_shape(shape)))


def centre_prior_map(
    n: int, shape: tuple[int, int] = GRID_SHAPE, sigma: float = CENTRE_PRIOR_SIGMA
) -> np.ndarray:
    """``n`` copies ``(n, H, W)`` of a Gaussian centred in the frame (chapter 15's
    centre prior), 1 at the centre.

    Cell ``(i, j)`` covers rows ``[i / H, (i + 1) / H)`` and columns ``[j / W, (j + 1)
    / W)`` of the frame (in fractions of its height and width); its value is
    ``exp(-(dr^2 + dc^2) / (2 sigma^2))`` with ``dr``, ``dc`` its centre's offsets from
    the frame's centre in those fractions: ``sigma`` (default
    :data:`CENTRE_PRIOR_SIGMA`) is a fraction of the height along the rows and of the
    width along the columns, so the prior is an ellipse with the frame's aspect. A
    read-only broadcast view.
    """
    n = positive("n", n, integer=True)
    h, w = _shape(shape)
    sigma = positive("sigma", sigma)
    dr = (np.arange(h) + 0.5) / h - 0.5
    dc = (np.arange(w) + 0.5) / w - 0.5
    g = np.exp(-(dr[:, None] ** 2 + dc[None, :] ** 2) / (2 * sigma**2))
    return np.broadcast_to(g, (n, h, w))


def feature_norm_map(features: Any, chunk: int = 128) -> np.ndarray:
    """The visual-only map ``(N, h, w)``: the Euclidean norm over channels of visual
    features ``(N, C, h, w)`` (e.g. the frozen trunk's ``(N, C, 12, 16)``,
    :func:`acousticlib.experiments.trunk_features`), chapter 15's "where would a
    network look without the sound" baseline. Float64, computed in float32 ``chunk``
    frames at a time (a memory-mapped array is read a chunk at a time)."""
    chunk = positive("chunk", chunk, integer=True)
    f = features if isinstance(features, np.ndarray) else np.asarray(features)
    if f.ndim != 4 or len(f) == 0:
        raise ValueError(f"features must have shape (N, C, h, w); got {f.shape}")
    out = np.empty((len(f), *f.shape[2:]))
    for a in range(0, len(f), chunk):
        part = as_array("features", f[a : a + chunk], dtype=np.float32)
        out[a : a + chunk] = np.sqrt(np.einsum("nchw,nchw->nhw", part, part))
    return out
