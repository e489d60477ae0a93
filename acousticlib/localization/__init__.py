"""Chapter 15's sound-source localizers, scored by
:mod:`acousticlib.metrics.localization`.

* :mod:`~acousticlib.localization.baselines` -- maps that need no sound:
  :func:`whole_image_map`, :func:`centre_prior_map` (a Gaussian centred in the frame,
  width :data:`CENTRE_PRIOR_SIGMA`), :func:`feature_norm_map` (the visual features
  alone), :func:`object_guided_map` (EZ-VSL's mix of an audio-visual map with that
  object prior, weight :data:`OGL_ALPHA`);
* :mod:`~acousticlib.localization.attention` -- the EZ-VSL-style contrastive attention
  localizer trained from mono audio and frames without boxes:
  :class:`AttentionLocalizer`, :func:`mil_contrastive_loss` (temperature
  :data:`EZVSL_TAU`), :class:`AttentionTask` (for :func:`acousticlib.training.fit`);
* :mod:`~acousticlib.localization.srp` -- the classical reference on the array signals:
  :func:`srp_phat_maps` (SRP-PHAT through the package's fast beamformer, band
  :data:`SRP_BAND`) and its whitening :func:`phat_whiten`.

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
    feature_norm_map,
    object_guided_map,
    whole_image_map,
)
from .srp import SRP_BAND, phat_whiten, srp_phat_maps

__all__ = [
    "CENTRE_PRIOR_SIGMA",
    "EZVSL_TAU",
    "FEATURE_NORMS",
    "OGL_ALPHA",
    "SRP_BAND",
    "AttentionLocalizer",
    "AttentionTask",
    "centre_prior_map",
    "feature_norm_map",
    "mil_contrastive_loss",
    "object_guided_map",
    "phat_whiten",
    "srp_phat_maps",
    "whole_image_map",
]
