"""Evaluation metrics, each with its convention stated (chapters 11-15;
``REFERENCE.md`` section 5).

Generators (chapter 11): :func:`generate` (one pass giving generated, real and
tiled-MFCC images and latents), :func:`mse`, :func:`gan_test` (a classifier trained on
real acoustic images, tested on generated ones), :func:`gan_train` (a DualCamNet trained
on generated or tiled-MFCC images, tested on real ones), :func:`tiled_mfcc` (the
single-microphone baseline), :func:`knn_accuracy` (latent vectors, k = 15).

Localization (chapters 11, 15): :func:`binarize`, :func:`iou`, :func:`energy_iou`,
:func:`success_curve` / :func:`success_auc` (IoU > t over t = 0, 0.1, ..., 1, trapezoid;
the authors' convention) and the Flickr-SoundNet :func:`consensus_map` / :func:`ciou` /
:func:`ciou_summary` with both AUC conventions; chapter 15's :func:`consensus_masks`
(the dataset's three annotators), :func:`ciou_scores` (a heat map scored in a named
convention, ``"authors"`` or ``"lvs"``), :func:`resize_bilinear` and
:func:`pointing_game`. Retrieval (chapters 12, 14):
:func:`cmc`, :func:`cmc_from_distances` (a precomputed ``(Q, G)`` matrix, e.g.
audio-conditioned video vectors), :func:`select_k` (the kNN's k chosen on validation
data among :data:`KNN_KS`; ties to the smaller k).
Binaural (chapter 17, Gao's Table 7.1): :func:`stft_distance`, :func:`envelope_distance`
(with their :func:`stft` and Hilbert :func:`envelope`; :data:`REDUCTIONS`: the text's
norms or the released code's means).
Aggregation over runs: :func:`mean_std`, :func:`spread_over_runs`; over clips:
:func:`clip_means`, :func:`paired_difference` (the paired test over test clips).

One module per topic, every name importable from here as before:
:mod:`~acousticlib.metrics.generation` (needs torch), and
:mod:`~acousticlib.metrics.localization`, :mod:`~acousticlib.metrics.retrieval`,
:mod:`~acousticlib.metrics.statistics` and :mod:`~acousticlib.metrics.binaural`, which
do not import torch themselves.
"""

from __future__ import annotations

from ..features import box_mask, peak_in_mask
from .binaural import (
    REDUCTIONS,
    STFT_SETTINGS,
    envelope,
    envelope_distance,
    stft,
    stft_distance,
)
from .generation import (
    accuracy,
    energy_maps,
    evaluate_generator,
    gan_test,
    gan_train,
    generate,
    mse,
    predict,
    tiled_mfcc,
)
from .localization import (
    AUC_CONVENTIONS,
    BINARIZE_METHODS,
    auc,
    binarize,
    ciou,
    ciou_scores,
    ciou_summary,
    consensus_map,
    consensus_masks,
    energy_iou,
    energy_spread,
    iou,
    peak_near_border,
    pointing_game,
    resize_bilinear,
    success_auc,
    success_curve,
)
from .retrieval import (
    KNN_KS,
    cmc,
    cmc_from_distances,
    knn_accuracy,
    knn_predict,
    recall_at_k,
    recall_at_k_from_distances,
    select_k,
)
from .statistics import (
    clip_means,
    confusion_matrix,
    mean_std,
    paired_difference,
    spread_over_runs,
)

__all__ = [
    "recall_at_k",
    "recall_at_k_from_distances",
    "AUC_CONVENTIONS",
    "REDUCTIONS",
    "STFT_SETTINGS",
    "envelope",
    "envelope_distance",
    "stft",
    "stft_distance",
    "BINARIZE_METHODS",
    "KNN_KS",
    "accuracy",
    "auc",
    "binarize",
    "box_mask",
    "ciou",
    "ciou_scores",
    "clip_means",
    "ciou_summary",
    "cmc",
    "cmc_from_distances",
    "confusion_matrix",
    "consensus_map",
    "consensus_masks",
    "energy_iou",
    "energy_maps",
    "energy_spread",
    "evaluate_generator",
    "gan_test",
    "gan_train",
    "generate",
    "iou",
    "knn_accuracy",
    "knn_predict",
    "mean_std",
    "paired_difference",
    "spread_over_runs",
    "mse",
    "peak_in_mask",
    "peak_near_border",
    "pointing_game",
    "predict",
    "resize_bilinear",
    "select_k",
    "success_auc",
    "success_curve",
    "tiled_mfcc",
]
