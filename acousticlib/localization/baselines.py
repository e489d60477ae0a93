"""Localizers that need no sound (chapter 15): what a heat map scores without hearing.

* :func:`whole_image_map` -- every cell equally likely: binarized, the whole frame
  (about 61 % cIoU@0.5 on the real Flickr-SoundNet test set);
* :func:`centre_prior_map` -- a Gaussian centred in the frame: sources are framed near
  the centre more often than near the edges;
* :func:`feature_norm_map` -- the visual features alone: the norm of the frozen trunk's
  feature vector at each location (objects excite the trunk more than the background;
  EZ-VSL's object prior takes the mean absolute value), one reading of the paper's
  visual-only baseline (Table VI);
* :func:`object_guided_map` -- EZ-VSL's object-guided localization: an audio-visual
  map mixed with that object prior;
* :func:`class_activation_map` -- where a classifier of the frame alone finds its class
  (CAM; chapter 13's video classifier: it sees, it does not hear).

Maps are float64 ``(N, H, W)`` in arbitrary units (only their ranking matters to the
metrics of :mod:`acousticlib.metrics.localization`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, in_range, one_of, positive
from ..features import minmax_normalize
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


#: Norms of :func:`feature_norm_map`.
FEATURE_NORMS: tuple[str, ...] = ("l2", "mean_abs")


def feature_norm_map(
    features: Any, norm: str = "l2", *, chunk: int = 128
) -> np.ndarray:
    """The visual-only map ``(N, h, w)`` of visual features ``(N, C, h, w)`` (e.g. the
    frozen trunk's ``(N, C, 12, 16)``, :func:`acousticlib.experiments.trunk_features`):
    chapter 15's "where would a network look without the sound" baseline.

    ``norm``: ``"l2"`` (the Euclidean norm over channels) or ``"mean_abs"`` (``|f|``
    averaged over channels: EZ-VSL's object prior, its ``NormReducer``). On the book
    profile's test split with chapter 07's trunk the first points at the source far
    more often (pointing game 0.63 against 0.18): a few channels respond strongly to
    the objects, and the mean over all 256 dilutes them. Float64, computed in float32
    ``chunk`` frames at a time (a memory-mapped array is read a chunk at a time).
    """
    one_of("norm", norm, FEATURE_NORMS)
    chunk = positive("chunk", chunk, integer=True)
    f = features if isinstance(features, np.ndarray) else np.asarray(features)
    if f.ndim != 4 or len(f) == 0:
        raise ValueError(f"features must have shape (N, C, h, w); got {f.shape}")
    out = np.empty((len(f), *f.shape[2:]))
    for a in range(0, len(f), chunk):
        part = as_array("features", f[a : a + chunk], dtype=np.float32)
        if norm == "l2":
            out[a : a + chunk] = np.sqrt(np.einsum("nchw,nchw->nhw", part, part))
        else:
            out[a : a + chunk] = np.abs(part).mean(axis=1)
    return out


#: EZ-VSL's weight of the audio-visual map in :func:`object_guided_map`.
OGL_ALPHA = 0.4


def object_guided_map(
    av_maps: Any, object_maps: Any, alpha: float = OGL_ALPHA
) -> np.ndarray:
    """EZ-VSL's object-guided localization (chapter 15): ``minmax(alpha minmax(av) +
    (1 - alpha) minmax(object))`` per frame, float64 ``(N, h, w)`` in [0, 1].

    ``av_maps`` and ``object_maps`` ``(N, h, w)`` (e.g. the attention localizer's heat
    maps and :func:`feature_norm_map` of the same frames, both ``12 x 16``; same
    shape); ``alpha`` in [0, 1] (EZ-VSL: :data:`OGL_ALPHA`; 1 is the audio-visual map
    alone, 0 the object prior alone). A constant map normalises to 0.
    """
    av = as_array("av_maps", av_maps, ndim=3, dtype=np.float64)
    obj = as_array(
        "object_maps", object_maps, shape=av.shape, dtype=np.float64, what="(N, h, w)"
    )
    alpha = in_range("alpha", alpha, 0.0, 1.0)
    axes = (-2, -1)
    mixed = alpha * minmax_normalize(av, axes=axes) + (1 - alpha) * minmax_normalize(
        obj, axes=axes
    )
    return minmax_normalize(mixed, axes=axes).astype(np.float64)


def class_activation_map(features: Any, weight: Any, classes: Any) -> np.ndarray:
    """Class activation maps (CAM, Zhou et al. 2016) ``(N, h, w)`` float64 of visual
    features ``(N, C, h, w)`` under a linear classifier's weight ``(K, C)``: map ``n``
    is ``sum_c weight[k, c] features[n, c]`` for its class ``k = classes[n]`` (``(N,)``
    integers in ``[0, K)``), in the classifier's logit units.

    When the classifier reads the features averaged over the grid (global average
    pooling, then one linear layer with bias ``b``), the logit of class ``k`` is the
    mean of its map plus ``b[k]``: the map says exactly where the evidence for the
    class lies (chapter 15, on chapter 13's video classifier:
    :func:`acousticlib.experiments.localization.video_cam_maps`).
    """
    f = as_array("features", features, ndim=4, dtype=np.float64, what="(N, C, h, w)")
    w = as_array(
        "weight", weight, shape=(None, f.shape[1]), dtype=np.float64, what="(K, C)"
    )
    k = as_array("classes", classes, shape=(len(f),), what="(N,): one class per map")
    if not np.issubdtype(k.dtype, np.integer) or k.min() < 0 or k.max() >= len(w):
        raise ValueError(
            f"classes must be integers in [0, {len(w)}) (the weight's rows); got "
            f"{k.min()!r} to {k.max()!r}"
        )
    return np.einsum("nc,nchw->nhw", w[k], f)
