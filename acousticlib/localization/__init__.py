"""Chapter 15's sound-source localizers, scored by
:mod:`acousticlib.metrics.localization`.

* :mod:`~acousticlib.localization.baselines` -- maps that need no sound:
  :func:`whole_image_map`, :func:`centre_prior_map` (a Gaussian centred in the frame,
  width :data:`CENTRE_PRIOR_SIGMA`), :func:`feature_norm_map` (the visual features
  alone), :func:`object_guided_map` (EZ-VSL's mix of an audio-visual map with that
  object prior, weight :data:`OGL_ALPHA`), :func:`class_activation_map` (a linear
  classifier's evidence for a class, cell by cell: CAM);
* :mod:`~acousticlib.localization.attention` -- the EZ-VSL-style contrastive attention
  localizer trained from mono audio and frames without boxes:
  :class:`AttentionLocalizer`, :func:`mil_contrastive_loss` (temperature
  :data:`EZVSL_TAU`), :class:`AttentionTask` (for :func:`acousticlib.training.fit`);
* :mod:`~acousticlib.localization.srp` -- the classical reference on the array signals:
  :func:`srp_phat_maps` (SRP-PHAT through the package's fast beamformer, band
  :data:`SRP_BAND`) and its whitening :func:`phat_whiten`;
* :mod:`~acousticlib.localization.music` -- the subspace localizer on the same signals:
  :func:`normmusic_maps` (pyroomacoustics' NormMUSIC per frame on a coarse grid of
  directions, :data:`MUSIC_GRID`, from :data:`MUSIC_MICS` microphones chosen by
  :func:`spread_microphones`, snapshots of :data:`MUSIC_NFFT` samples).

Imports run one way: this package uses ``beamforming``, ``geometry``, ``models`` and
``training``; :mod:`acousticlib.experiments.localization` wires it to the camera dataset
(its clips, trunk features and ground truth).
"""

from __future__ import annotations

from .attention import (
    EZVSL_TAU,
    AttentionLocalizer,
    AttentionTask,
    mil_contrastive_loss,
)
from .baselines import (
    CENTRE_PRIOR_SIGMA,
    FEATURE_NORMS,
    OGL_ALPHA,
    centre_prior_map,
    class_activation_map,
    feature_norm_map,
    object_guided_map,
    whole_image_map,
)
from .music import (
    MUSIC_GRID,
    MUSIC_MICS,
    MUSIC_NFFT,
    normmusic_maps,
    spread_microphones,
)
from .srp import SRP_BAND, phat_whiten, srp_phat_maps

__all__ = [
    "CENTRE_PRIOR_SIGMA",
    "EZVSL_TAU",
    "FEATURE_NORMS",
    "MUSIC_GRID",
    "MUSIC_MICS",
    "MUSIC_NFFT",
    "OGL_ALPHA",
    "SRP_BAND",
    "AttentionLocalizer",
    "AttentionTask",
    "centre_prior_map",
    "class_activation_map",
    "feature_norm_map",
    "mil_contrastive_loss",
    "normmusic_maps",
    "object_guided_map",
    "phat_whiten",
    "spread_microphones",
    "srp_phat_maps",
    "whole_image_map",
]
