"""Checkers for the book's exercises.

Each exercise of the book has an identifier (``"01.1"`` is the first exercise of chapter
01) and a checker that computes the expected answer itself, from the same parameters the
student used, and compares. A student calls::

    from acousticlib import exercises
    exercises.check("01.1", my_answer, frequency=2000.0, aperture=0.5)

and gets a :class:`Feedback` that prints a verdict and, when wrong, a hint. A teacher
grades a class with :func:`grade` (a table of verdicts per student and exercise) and
lists the exercises with :func:`catalogue`.

One module per chapter (``ch01`` ... ``ch15``, ``appendix``); importing this package
imports them all, which fills the registry. A checker's id is written once, in its
``@exercise(id, ...)`` registration: inside the checker, :func:`verdict` and the
comparisons (:func:`compare_number`, ...) stamp the running exercise's id
(:func:`current_exercise`) on their :class:`Feedback`. A read-only consumer of the
library: nothing in the pipeline imports it.
"""

from __future__ import annotations

from ._core import (
    Exercise,
    Feedback,
    catalogue,
    check,
    compare_count,
    compare_number,
    compare_pair,
    compare_with_mistakes,
    current_exercise,
    exercise,
    grade,
    verdict,
)
from .appendix import (
    check_gpus_for_deadline,
    check_gradient_steps,
    check_training_hours,
)
from .ch01 import check_beamwidth, check_peak_pixel, check_pixel_frequency
from .ch02 import (
    check_grating_lobe_frequency,
    check_regular_mic_count,
    check_resolution_m,
)
from .ch03 import (
    check_arrival_difference_ms,
    check_averaging_gain_db,
    check_far_field_phase_error,
)
from .ch04 import (
    check_image_operations,
    check_map_contrast,
    check_steering_memory_mb,
)
from .ch05 import (
    check_compression_ratio,
    check_flat_energy_map,
    check_localization_share,
)
from .ch06 import check_acoustic_megabytes, check_dataset_size, check_noise_rms
from .ch07 import (
    check_feature_megabytes,
    check_trunk_grid,
    check_valid_conv_offset,
    trunk_grid,
    valid_conv_offset,
)
from .ch08 import check_gaussian_kl, check_latent_compression, check_latent_layer_params
from .ch09_10 import (
    check_adversarial_share,
    check_discriminator_bce,
    check_diversity_ratio,
    check_game_value,
    check_gradient_ratio,
    check_optimal_discriminator,
)
from .ch11 import check_confusion_accuracy, check_mask_iou, check_success_auc
from .ch12 import check_cmc_rank, check_conditioned_vector, check_triplet_loss
from .ch13 import check_class_recall, check_majority_baseline, check_tone_band_level
from .ch14 import check_chance_cmc, check_location_cmc, check_recall_at_k
from .ch15 import check_ciou, check_ciou_ceiling, check_guided_pointing

__all__ = [
    "check_ciou",
    "check_ciou_ceiling",
    "check_guided_pointing",
    "check_recall_at_k",
    "check_location_cmc",
    "check_chance_cmc",
    "Exercise",
    "Feedback",
    "catalogue",
    "check",
    "check_acoustic_megabytes",
    "check_adversarial_share",
    "check_arrival_difference_ms",
    "check_averaging_gain_db",
    "check_beamwidth",
    "check_class_recall",
    "check_cmc_rank",
    "check_compression_ratio",
    "check_conditioned_vector",
    "check_confusion_accuracy",
    "check_dataset_size",
    "check_discriminator_bce",
    "check_diversity_ratio",
    "check_far_field_phase_error",
    "check_feature_megabytes",
    "check_flat_energy_map",
    "check_game_value",
    "check_gaussian_kl",
    "check_gpus_for_deadline",
    "check_gradient_ratio",
    "check_gradient_steps",
    "check_grating_lobe_frequency",
    "check_image_operations",
    "check_latent_compression",
    "check_latent_layer_params",
    "check_localization_share",
    "check_majority_baseline",
    "check_map_contrast",
    "check_mask_iou",
    "check_noise_rms",
    "check_optimal_discriminator",
    "check_peak_pixel",
    "check_pixel_frequency",
    "check_regular_mic_count",
    "check_resolution_m",
    "check_steering_memory_mb",
    "check_success_auc",
    "check_tone_band_level",
    "check_training_hours",
    "check_triplet_loss",
    "check_trunk_grid",
    "check_valid_conv_offset",
    "compare_count",
    "compare_number",
    "compare_pair",
    "compare_with_mistakes",
    "current_exercise",
    "exercise",
    "grade",
    "trunk_grid",
    "valid_conv_offset",
    "verdict",
]
