"""The book's shared experiments: data, pretrained visual trunk, trained generators,
classifiers and chapter 12's distilled audio networks.

Chapters 07-12 (and the later parts) call these functions instead of wiring datasets,
models and training loops themselves, so that every chapter trains a model only when the
cache lacks it and reuses it otherwise: chapter 07 pretrains the visual backbone and
stores its trunk features, chapter 08 trains the U-VAEs, chapters 09 and 10 the AU-VAE
and MCGAN, and chapter 11 reads them all back (or trains what is missing, e.g. when a
reader runs it alone).

Training and inference run on ``device`` (``"cpu"``, ``"cuda"``, ``"auto"``; not part of
any cache key: a model trained on a GPU serves a CPU run). Everything is keyed by the
run ``profile`` (``"smoke"``, ``"book"``, ``"full"``; the sizes are in :data:`SETTINGS`)
and ``seed``:

* :func:`camera_data` -- the simulated Dual Cam dataset of chapter 06;
* :func:`pretrained_backbone` -- a :class:`~acousticlib.models.VisualClassifier` trained
  on the frames' class labels (chapter 07), or a local weights file (e.g. ImageNet) used
  as is;
* :func:`trunk_features` -- the frozen trunk's ``(F, C, 12, 16)`` features of every
  frame (float16, memory-mapped): the generators train only the added convolution on
  top, as in the paper, and never run the trunk themselves;
* :func:`generator_data` -- the generators' training/evaluation sets (frames or 1-s
  windows), with the audio-visual condition optionally ablated and background-noise
  samples whose target is the flat tiled map (Sanguineti et al. 2022, Sec. III-E);
* :func:`train_generator` -- a cached U-VAE / AU-VAE / MCGAN;
* :func:`mean_training_image`, :func:`reference_errors` -- chapter 08's baselines for a
  generator's MSE, which chapters 09 and 10 compare with;
* :func:`train_classifier` -- a cached DualCamNet over 1-s windows (real, tiled-MFCC or
  generated acoustic images): GAN-test's judge (real windows; trained once by
  ``tools/train_judge.py`` and shipped with the package) and GAN-train's classifiers
  (chapter 11);
* :func:`distillation_data`, :func:`train_teacher`, :func:`train_student`,
  :func:`train_supervised`, :func:`train_supervised_distillation` -- chapter 12's clips
  and its cached self-supervised and supervised models; :func:`embeddings`,
  :func:`knn_scores`, :func:`cmc_audio_to_video` -- their measures;
* :func:`arrayfree_data`, :func:`train_arrayfree_classifier`,
  :func:`arrayfree_scores` -- chapter 13's array-free domain and its classifiers (real,
  tiled-MFCC and generated acoustic images, the spectrogram CNN, the video model);
* :func:`retrieval_inputs`, :func:`train_retrieval_pair`, :func:`retrieval_scores` --
  chapter 14's audio-video pairs for cross-modal retrieval on both domains;
* :func:`localization_truth`, :func:`train_attention_localizer`,
  :func:`localizer_maps`, :func:`localization_scores` -- chapter 15's ground truth,
  localizers and their scores;
* :func:`event_data`, :func:`event_inputs` -- chapter 16's ten-second event clips and
  their per-segment features from frozen extractors (chapter 07's trunk, chapter 13's
  spectrogram CNN);
  :func:`train_event_model`, :func:`event_scores`, :func:`train_avtgml` -- its event
  localizers (the paper's Tables 1-3, supervised, weakly supervised, unsupervised);
* :func:`dataset_variant` -- run any of the above on a variant of the profile's dataset
  (e.g. the look-alike distractors of ``tools/distractor_study.py``).

The package, one module per part of the book (imports run one way, ``camera`` ->
``generators`` -> ``classifiers`` -> ``distillation`` -> ``distillation_measures``,
and ``classifiers`` -> ``arrayfree`` -> ``retrieval``, ``arrayfree`` -> ``events`` ->
``event_localization``):

* :mod:`~acousticlib.experiments.camera` -- the profiles' sizes (:class:`Settings`),
  the camera dataset (chapter 06: :func:`camera_data`, :func:`dataset_variant`) and the
  visual trunk (chapter 07: :func:`object_crops`, :func:`pretrained_backbone`,
  :func:`trunk_features`);
* :mod:`~acousticlib.experiments.generators` -- the generators (chapters 08-10:
  :func:`generator_data`, :func:`train_generator`, :class:`MirroredFrames`,
  :func:`attach_trunk`, :func:`reference_errors`) and their test scores (chapter 11 and
  the appendix: :func:`generator_test_scores`);
* :mod:`~acousticlib.experiments.classifiers` -- the classifiers of chapter 11
  (:func:`classifier_windows`, :class:`JudgeWindows`, :func:`judge_spec`,
  :func:`judge_config`, :func:`judge_weights`, :func:`train_classifier`);
* :mod:`~acousticlib.experiments.distillation` -- chapter 12 (:func:`distillation_data`,
  :data:`DISTILLATION_TRAINING`, :func:`train_teacher`, :func:`train_student`,
  :func:`train_supervised`, :func:`train_supervised_distillation`,
  :func:`distillation_weights`); :mod:`~acousticlib.experiments.distillation_measures`
  -- its measures on frozen features (:func:`embeddings`, :func:`acoustic_embeddings`,
  :func:`knn_scores`,
  :func:`cmc_audio_to_video`);
* :mod:`~acousticlib.experiments.arrayfree` -- chapter 13 (:func:`arrayfree_config`,
  :func:`arrayfree_data`, :func:`arrayfree_backbone`, :func:`arrayfree_features`,
  :func:`arrayfree_windows`, :func:`arrayfree_audio`, :func:`arrayfree_frame_features`,
  :func:`arrayfree_inputs`, :func:`train_arrayfree_classifier`,
  :func:`arrayfree_scores`, :func:`arrayfree_weights`, :func:`finetuned_classifier`,
  :func:`correspondence_pair`);
* :mod:`~acousticlib.experiments.retrieval` -- chapter 14 (:data:`RETRIEVAL_SOURCES`,
  :func:`retrieval_inputs`, :func:`train_retrieval_pair`,
  :func:`retrieval_embeddings`, :func:`retrieval_frames`, :func:`retrieval_scores`,
  :func:`retrieval_weights`);
* :mod:`~acousticlib.experiments.localization` -- chapter 15's data and learnt or
  array-based localizers (:func:`localization_truth`, :func:`attention_clips`,
  :func:`train_attention_localizer`, :func:`attention_maps`, :func:`array_signals`,
  :func:`srp_phat_frames`, :func:`normmusic_frames`, :func:`video_cam_maps`,
  :func:`silent_boxes`); :mod:`~acousticlib.experiments.localizers` -- every
  localizer on the same frames and their scores (:data:`LOCALIZERS`,
  :func:`localization_rows`, :func:`localizer_maps`, :func:`scene_maps`,
  :func:`two_source_scenes`, :func:`localization_scores`);
* :mod:`~acousticlib.experiments.events` -- chapter 16's event clips and their cached
  per-segment features (:func:`event_data`, :func:`event_visual_features`,
  :func:`event_audio_features`, :func:`event_extractors`, :func:`event_inputs`);
  :mod:`~acousticlib.experiments.event_localization` -- chapter 16's localizers
  (:data:`EVENT_VARIANTS`, :data:`EVENT_TABLES`, :func:`train_event_model`,
  :func:`event_scores`, :func:`train_avtgml`, :func:`event_attention`,
  :func:`event_localization_scores`).

Every name is importable from here as before. A test that replaces a function the
experiments call (``camera_data``, ``train_cached``, ...) patches it in the module that
calls it (e.g. ``experiments.generators``), where the name is looked up.
"""

from __future__ import annotations

# names of other modules that the experiments' users reach through here, as before
from ..datasets import CLASSES as CLASSES
from ..datasets.crops import BACKGROUND_LABEL, CROP_SIZE, clip_frames, object_crops
from ..models import model_spec as model_spec
from .arrayfree import (
    ARRAYFREE_CLASSIFIERS,
    ARRAYFREE_TRUNKS,
    WINDOW_SOURCES,
    MirroredWindows,
    arrayfree_audio,
    arrayfree_backbone,
    arrayfree_config,
    arrayfree_data,
    arrayfree_features,
    arrayfree_frame_features,
    arrayfree_inputs,
    arrayfree_labels,
    arrayfree_scores,
    arrayfree_weights,
    arrayfree_windows,
    correspondence_pair,
    finetuned_classifier,
    train_arrayfree_classifier,
)
from .camera import (
    FEATURES_CODE_VERSION,
    SETTINGS,
    Settings,
    camera_data,
    dataset_frame_digests,
    dataset_trunk_features,
    dataset_variant,
    frame_digests,
    load_trunk_weights,
    pretrained_backbone,
    settings,
    trunk_features,
)
from .classifiers import (
    CLASSIFIER_SOURCES,
    JUDGE_DRAWS,
    JUDGE_MODEL,
    JUDGE_TRAINING,
    JudgeWindows,
    classifier_data_key,
    classifier_windows,
    generated_windows,
    judge_config,
    judge_spec,
    judge_weights,
    train_classifier,
)
from .distillation import (
    DISTILLATION_TRAINING,
    STREAMS,
    distillation_data,
    distillation_data_key,
    distillation_weights,
    train_student,
    train_supervised,
    train_supervised_distillation,
    train_teacher,
)
from .distillation_measures import (
    acoustic_embeddings,
    cmc_audio_to_video,
    embeddings,
    knn_scores,
)
from .event_localization import (
    EVENT_TABLES,
    EVENT_TRAINING,
    EVENT_VARIANTS,
    PAPER_EVENT_ACCURACY,
    SUPERVISIONS,
    event_attention,
    event_localization_scores,
    event_scores,
    event_split_inputs,
    event_weights,
    segment_scores,
    train_avtgml,
    train_event_model,
)
from .events import (
    EVENT_FEATURES_CODE_VERSION,
    event_audio_features,
    event_data,
    event_extractors,
    event_inputs,
    event_visual_features,
)
from .generators import (
    CONDITIONS,
    MirroredFrames,
    attach_trunk,
    dataset_tensors,
    generator_data,
    generator_test_scores,
    mean_training_image,
    reference_errors,
    train_generator,
)
from .localization import (
    ATTENTION_FRAME,
    ATTENTION_TRAINING,
    array_signals,
    attention_clips,
    attention_maps,
    clip_audio,
    localization_truth,
    normmusic_frames,
    silent_boxes,
    srp_phat_frames,
    train_attention_localizer,
    video_cam_maps,
)
from .localizers import (
    GENERATORS,
    LOCALIZERS,
    localization_rows,
    localization_scores,
    localizer_maps,
    scene_maps,
    two_source_scenes,
)
from .retrieval import (
    RETRIEVAL_SOURCES,
    retrieval_embeddings,
    retrieval_frames,
    retrieval_inputs,
    retrieval_scores,
    retrieval_weights,
    train_retrieval_pair,
)

__all__ = [
    "ATTENTION_FRAME",
    "ATTENTION_TRAINING",
    "GENERATORS",
    "LOCALIZERS",
    "array_signals",
    "attention_clips",
    "attention_maps",
    "clip_audio",
    "localization_rows",
    "localization_scores",
    "localization_truth",
    "localizer_maps",
    "scene_maps",
    "silent_boxes",
    "srp_phat_frames",
    "two_source_scenes",
    "normmusic_frames",
    "video_cam_maps",
    "train_attention_localizer",
    "RETRIEVAL_SOURCES",
    "retrieval_embeddings",
    "retrieval_frames",
    "retrieval_inputs",
    "retrieval_scores",
    "retrieval_weights",
    "train_retrieval_pair",
    "ARRAYFREE_CLASSIFIERS",
    "ARRAYFREE_TRUNKS",
    "WINDOW_SOURCES",
    "MirroredWindows",
    "arrayfree_audio",
    "arrayfree_backbone",
    "arrayfree_config",
    "arrayfree_data",
    "arrayfree_features",
    "arrayfree_frame_features",
    "arrayfree_inputs",
    "arrayfree_labels",
    "arrayfree_scores",
    "arrayfree_weights",
    "arrayfree_windows",
    "train_arrayfree_classifier",
    "finetuned_classifier",
    "correspondence_pair",
    "dataset_tensors",
    "dataset_trunk_features",
    "generated_windows",
    "BACKGROUND_LABEL",
    "CLASSIFIER_SOURCES",
    "CONDITIONS",
    "DISTILLATION_TRAINING",
    "STREAMS",
    "JudgeWindows",
    "MirroredFrames",
    "classifier_data_key",
    "CROP_SIZE",
    "FEATURES_CODE_VERSION",
    "JUDGE_DRAWS",
    "JUDGE_MODEL",
    "JUDGE_TRAINING",
    "SETTINGS",
    "Settings",
    "acoustic_embeddings",
    "attach_trunk",
    "camera_data",
    "dataset_variant",
    "classifier_windows",
    "cmc_audio_to_video",
    "distillation_data",
    "distillation_data_key",
    "distillation_weights",
    "embeddings",
    "knn_scores",
    "generator_data",
    "generator_test_scores",
    "clip_frames",
    "dataset_frame_digests",
    "frame_digests",
    "judge_config",
    "judge_spec",
    "judge_weights",
    "load_trunk_weights",
    "mean_training_image",
    "object_crops",
    "pretrained_backbone",
    "reference_errors",
    "settings",
    "train_classifier",
    "train_generator",
    "train_student",
    "train_supervised",
    "train_supervised_distillation",
    "train_teacher",
    "trunk_features",
    "EVENT_FEATURES_CODE_VERSION",
    "event_data",
    "event_visual_features",
    "event_audio_features",
    "event_extractors",
    "event_inputs",
    "EVENT_VARIANTS",
    "EVENT_TABLES",
    "PAPER_EVENT_ACCURACY",
    "SUPERVISIONS",
    "EVENT_TRAINING",
    "event_weights",
    "event_split_inputs",
    "train_event_model",
    "segment_scores",
    "event_scores",
    "train_avtgml",
    "event_attention",
    "event_localization_scores",
]
