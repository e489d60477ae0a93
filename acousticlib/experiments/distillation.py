"""Chapter 12: self-supervised distillation of acoustic images into a single-microphone
network (Sanguineti et al. 2020, ECCV; ``REFERENCE.md`` section 4).

The data, one item per sound clip (:func:`distillation_data`, named in cache keys by
:func:`distillation_data_key`); the cached models, trained as
:data:`DISTILLATION_TRAINING` says for each profile: the self-supervised teacher
(DualCamNet's acoustic map and the video stream, :func:`train_teacher`), the
self-supervised students (HearNet and a video stream, with the transfer term towards
the frozen teacher weighted by ``alpha``, :func:`train_student`), the supervised
baselines (:func:`train_supervised`) and supervised distillation
(:func:`train_supervised_distillation`). Book-profile weights, shipped with the
package under :func:`distillation_weights` (``tools/train_distillation.py``), load
instead of training. The measures on frozen features (``embeddings``, ``knn_scores``,
``cmc_audio_to_video``) live in :mod:`~acousticlib.experiments.distillation_measures`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import datasets
from .._checks import in_range, one_of
from ..cache import joined_key
from ..datasets import CLASSES
from ..features import HEARNET_HOP, HEARNET_N_FFT, linear_spectrogram
from ..models import (
    model_spec,
)
from ..runtime import check_profile
from ..training import (
    DictDataset,
    DistillationTask,
    Task,
    TrainConfig,
    TrainedModel,
    TransferTask,
    TripletTask,
    shipped,
    train_cached,
)
from ..triplet import MARGIN
from .camera import _key, camera_data
from .classifiers import _real_windows
from .generators import _clip_starts

#: Bump when what :func:`distillation_data` gives changes (part of the data key).
DISTILLATION_DATA_VERSION = "clips-1"

#: The networks chapter 12 trains and measures, and the item entry each reads:
#: HearNet the spectrogram, DualCamNet the acoustic window, the video stream the frame.
STREAM_INPUTS: dict[str, str] = {
    "hearnet": "audio",
    "dualcamnet": "acoustic",
    "video_stream": "frame",
}
STREAMS: tuple[str, ...] = tuple(STREAM_INPUTS)

#: How chapter 12's models are trained, per profile: Adam's ``lr``, ``epochs``,
#: ``batch_size`` (clips), the curriculum's ``curriculum_epochs`` (mining all triplets
#: before the hardest) and ``batch_norm`` (DualCamNet's and HearNet's; the paper has
#: none: on the book's few hundred clips of unnormalised linear-magnitude spectrograms
#: the plain networks barely learn. Measured on the book profile, supervised HearNet
#: classifies 0.46 of the test clips without it and 0.83 with it; chapter 11's
#: DualCamNet classifiers needed it too). ``full`` is the authors' code (Adam 1e-5,
#: batch 64, 20 epochs, 4 of them with all triplets). ``book`` has 580 training clips,
#: 19 batches of 32 per epoch: 30 epochs make about 570 steps, a quarter of the paper's,
#: so the rate is ten times the paper's; the curriculum keeps its share (a fifth of the
#: epochs). Trained once on a CPU by a tool and shipped (:func:`distillation_weights`):
#: the teacher and the video streams cost far more than a chapter's 4 minutes.
#: ``smoke``: one epoch.
DISTILLATION_TRAINING: dict[str, dict[str, Any]] = {
    "smoke": dict(
        epochs=1, batch_size=8, lr=1e-3, curriculum_epochs=4, batch_norm=True
    ),
    "book": dict(
        epochs=30, batch_size=32, lr=1e-4, curriculum_epochs=6, batch_norm=True
    ),
    "full": dict(
        epochs=20, batch_size=64, lr=1e-5, curriculum_epochs=4, batch_norm=False
    ),
}

#: Supervised distillation's weight of the teacher's softened outputs and its
#: temperature (the authors' values, ``REFERENCE.md`` section 4).
LAMBDA_TEACHER = 0.5
TEMPERATURE = 1.0

# clips whose items are spectrograms, frames and windows at a time: bounds the float32
# temporaries of a pass
_CHUNK = 64


# -------------------------------------------------------------------------------- data
def distillation_data(
    profile: str = "book",
    seed: int = 0,
    split: str = "train",
    *,
    with_acoustic: bool = True,
    part: slice | None = None,
) -> DictDataset:
    """Chapter 12's items, one per sound clip of ``split`` (background-only clips
    excluded), in dataset order.

    ``"audio"``: HearNet's input, the linear-magnitude spectrogram
    (:func:`~acousticlib.features.linear_spectrogram`, 256-sample windows every 64
    samples) of the clip's 1-s mono audio, its 12 frames of 1024 samples in time order
    (12 288 samples at 12 288 Hz): ``(N, 192, 129)`` float32. ``"frame"``: the clip's
    middle frame (frame 6 of 0-11, at 0.5 s), ``(N, 3, 144, 192)`` float16 in [0, 1]
    (the streams compute in float32). ``"acoustic"``: the clip's 1-s window of MFCC
    acoustic images, each min-max normalised as chapter 11's real classifier windows
    are, ``(N, 12, 12, 36, 48)`` float16 in [0, 1]; left out when ``with_acoustic`` is
    false (HearNet and the video stream alone). ``"label"``: the class ``(N,)`` int64;
    ``"clip"``: the clip's id ``(N,)`` int64 (the triplet tasks' identities).
    ``part``: a slice of the clips, for a pass over a large split in chunks. About 0.76
    MB per clip with the acoustic window, 0.27 MB without.
    """
    one_of("split", split, datasets.SPLITS)
    if not isinstance(with_acoustic, bool):
        raise TypeError(f"with_acoustic must be True or False; got {with_acoustic!r}")
    if part is not None and not isinstance(part, slice):
        raise TypeError(f"part must be a slice of the clips, or None; got {part!r}")
    ds = camera_data(profile, seed, progress=False)
    starts = _clip_starts(ds, split, background=False, part=part)
    items = clip_items(ds, starts)
    label = torch.from_numpy(ds.index["label"][starts].astype(np.int64))
    if with_acoustic:
        items["acoustic"], window_label = _real_windows(split, profile, seed, part=part)
        if not torch.equal(window_label, label):
            raise RuntimeError("acoustic windows and clips are out of step")
    items["label"] = label
    items["clip"] = torch.from_numpy(ds.index["clip"][starts].astype(np.int64))
    return DictDataset(**items)


def clip_items(ds: datasets.SimulatedDataset, starts: np.ndarray) -> dict[str, Any]:
    """HearNet's ``"audio"`` spectrograms ``(N, 192, 129)`` float32 and the middle
    ``"frame"`` ``(N, 3, H, W)`` float16 in [0, 1] of the 1-s clips of ``ds`` whose
    first frames are the rows ``starts`` (see :func:`distillation_data`), computed
    :data:`_CHUNK` clips at a time. Chapter 12's items, and chapter 13's on the
    array-free domain."""
    fps, fs = int(ds.meta["fps"]), float(ds.meta["fs"])
    n = len(starts)
    samples = fps * int(ds.meta["frame_length"])
    bins = HEARNET_N_FFT // 2 + 1
    audio = torch.empty((n, samples // HEARNET_HOP, bins), dtype=torch.float32)
    frame = torch.empty((n, 3, ds.config.height, ds.config.width), dtype=torch.float16)
    for a in range(0, n, _CHUNK):
        clips = starts[a : a + _CHUNK]
        rows = (clips[:, None] + np.arange(fps)[None, :]).reshape(-1)
        mono = torch.from_numpy(ds.read("audio", rows).reshape(len(clips), samples))
        audio[a : a + len(clips)] = linear_spectrogram(mono, fs)
        pixels = torch.from_numpy(ds.read("frames", clips + fps // 2))
        frame[a : a + len(clips)] = pixels.permute(0, 3, 1, 2).float().div_(255.0)
    return {"audio": audio, "frame": frame}


def distillation_data_key(profile: str = "book", seed: int = 0) -> str:
    """The string naming chapter 12's training data (:func:`distillation_data` of the
    profile's dataset) in its models' cache keys."""
    ds = camera_data(profile, seed, progress=False)
    return joined_key(_key(ds), {"distillation": DISTILLATION_DATA_VERSION})


# ------------------------------------------------------------------------------ models
def distillation_weights(name: str, profile: str = "book", seed: int = 0) -> str:
    """Name of a chapter 12 model's shipped weights (``acousticlib/data/weights/
    <name>``): ``name`` is ``"teacher"``, ``"student-alpha<alpha>"``,
    ``"supervised-<stream>"`` or ``"supervised-distillation"``."""
    return f"ch12-{name}-{check_profile(profile)}-seed{int(seed)}"


def _training(profile: str) -> dict[str, Any]:
    return DISTILLATION_TRAINING[check_profile(profile)]


def _train_seed(seed: int, train_seed: int | None) -> int:
    """The training seed: ``train_seed``, or the dataset's ``seed`` when None."""
    if train_seed is None:
        return int(seed)
    if (
        isinstance(train_seed, bool)
        or not isinstance(train_seed, (int, np.integer))
        or train_seed < 0
    ):
        raise ValueError(
            f"train_seed must be a non-negative integer or None; got {train_seed!r}"
        )
    return int(train_seed)


def _config(
    profile: str, seed: int, monitor: str, input_key: str, train_seed: int | None
) -> TrainConfig:
    s = _training(profile)
    return TrainConfig(
        epochs=s["epochs"],
        batch_size=s["batch_size"],
        lr=s["lr"],
        seed=_train_seed(seed, train_seed),
        monitor=monitor,
        input_key=input_key,
    )


def _stream_spec(stream: str, profile: str) -> dict[str, Any]:
    """The profile's spec of ``stream``, with the profile's batch normalization for
    DualCamNet and HearNet (:data:`DISTILLATION_TRAINING`)."""
    if stream == "dualcamnet":
        return model_spec(
            "dualcamnet",
            profile,
            num_classes=len(CLASSES),
            batch_norm=_training(profile)["batch_norm"],
        )
    spec = model_spec(stream, profile)
    if stream == "hearnet":
        spec["batch_norm"] = _training(profile)["batch_norm"]
    return spec


def _train(
    name: str,
    spec: Mapping[str, Any],
    config: TrainConfig,
    profile: str,
    seed: int,
    *,
    with_acoustic: bool,
    device: str,
    progress: bool,
    task: Callable[[nn.Module], Task] | None = None,
    task_key: Mapping[str, Any] | None = None,
    retrain: bool = False,
) -> TrainedModel:
    """:func:`train_cached` on the training and validation clips; the shipped weights
    of ``name`` load when they carry the key, unless ``retrain`` (then the model is
    trained here, into a cache entry of its own: its data key says so)."""
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False; got {retrain!r}")
    camera_data(profile, seed, progress=progress)
    data_key = distillation_data_key(profile, seed)
    if retrain:
        data_key = joined_key(data_key, {"retrained": None})

    def data() -> tuple[DictDataset, DictDataset]:
        return tuple(  # type: ignore[return-value]
            distillation_data(profile, seed, split, with_acoustic=with_acoustic)
            for split in ("train", "val")
        )

    return train_cached(
        spec,
        data,
        None,
        config,
        data_key=data_key,
        device=device,
        progress=progress,
        weights=None if retrain else shipped(distillation_weights(name, profile, seed)),
        task_factory=task,
        task_key=task_key,
    )


def _triplet_key(kind: str, profile: str) -> dict[str, Any]:
    return {
        "task": kind,
        "margin": MARGIN,
        "curriculum_epochs": _training(profile)["curriculum_epochs"],
        "rectify_audio": False,
    }


def _triplet(model: nn.Module, profile: str, audio_key: str) -> TripletTask:
    return TripletTask(
        model,
        margin=MARGIN,
        curriculum_epochs=_training(profile)["curriculum_epochs"],
        audio_key=audio_key,
        video_key="frame",
        identity_key="clip",
        rectify_audio=False,
    )


def train_teacher(
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int | None = None,
    retrain: bool = False,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """The self-supervised teacher (Sanguineti et al. 2020, Section 4.3), cached: an
    :class:`~acousticlib.models.AudioVisualPair` of DualCamNet seen through its
    acoustic map (``.model.audio``, an :class:`~acousticlib.models.AcousticMapNet`)
    and the video stream (``.model.video``), trained together by
    :class:`~acousticlib.training.TripletTask` (margin 0.2, the profile's curriculum)
    on the training clips, the best epoch by validation loss. ``train_seed`` seeds the
    training alone (initial weights, batch order) on the same data (``seed``); None
    means ``seed`` (the shipped model). ``retrain``: train here even when shipped
    weights carry the key (a cache entry of its own; chapter 12's papermill parameter
    of the same name); the students and supervised distillation pass it on to their
    teachers. Chapter 12.
    """
    spec = model_spec("av_pair", profile, audio=_stream_spec("dualcamnet", profile))
    return _train(
        "teacher",
        spec,
        _config(profile, seed, "loss", "acoustic", train_seed),
        profile,
        seed,
        with_acoustic=True,
        device=device,
        progress=progress,
        retrain=retrain,
        task=lambda model: _triplet(model, profile, "acoustic"),
        task_key=_triplet_key("triplet", profile),
    )


def train_student(
    profile: str = "book",
    seed: int = 0,
    alpha: float = 0.5,
    *,
    train_seed: int | None = None,
    retrain: bool = False,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """A self-supervised student, cached: HearNet (``.model.audio``) and a video stream
    (``.model.video``) of their own, trained by Eq. 2 of Sanguineti et al. 2020,
    ``alpha * transfer + (1 - alpha) * video`` (Section 4.4), the transfer term towards
    the frozen teacher's acoustic map (:func:`train_teacher`, trained first if
    missing). ``alpha`` in [0, 1] (the paper: 0.1 ... 0.9); 0 is HearNet without
    transfer, trained by :class:`~acousticlib.training.TripletTask` alone (no teacher,
    no acoustic windows loaded; the same loss as the transfer task at 0, which would
    still run the teacher). The cache key names the task: alpha and the teacher's key
    with transfer, neither without. ``train_seed`` seeds the student's training alone
    (the teacher stays the one of ``seed``); None means ``seed``. Chapter 12.
    """
    alpha = float(in_range("alpha", alpha, 0.0, 1.0))
    spec = model_spec("av_pair", profile, audio=_stream_spec("hearnet", profile))
    config = _config(profile, seed, "loss", "audio", train_seed)
    name = f"student-alpha{alpha:g}"
    if alpha == 0.0:
        return _train(
            name,
            spec,
            config,
            profile,
            seed,
            with_acoustic=False,
            device=device,
            progress=progress,
            retrain=retrain,
            task=lambda model: _triplet(model, profile, "audio"),
            task_key=_triplet_key("triplet", profile),
        )
    teacher = train_teacher(
        profile, seed, retrain=retrain, device=device, progress=progress
    )

    def task(model: nn.Module) -> TransferTask:
        return TransferTask(
            model,
            teacher.model.audio,
            alpha,
            teacher_key="acoustic",
            margin=MARGIN,
            curriculum_epochs=_training(profile)["curriculum_epochs"],
            audio_key="audio",
            video_key="frame",
            identity_key="clip",
            rectify_audio=False,
        )

    return _train(
        name,
        spec,
        config,
        profile,
        seed,
        with_acoustic=True,
        device=device,
        progress=progress,
        retrain=retrain,
        task=task,
        task_key={
            **_triplet_key("transfer", profile),
            "alpha": alpha,
            "teacher": teacher.path.name,
        },
    )


def train_supervised(
    stream: str,
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int | None = None,
    retrain: bool = False,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """A supervised baseline of Sanguineti et al. 2020 (Table 2), cached: ``stream``
    (:data:`STREAMS`) trained on the class labels by cross-entropy, the best epoch by
    validation accuracy.

    ``"hearnet"`` and ``"video_stream"``: a
    :class:`~acousticlib.models.StreamClassifier`, one linear layer on the embedding
    (HearNet's vector; the video map averaged over the 12 x 16 grid);
    ``"dualcamnet"``: DualCamNet with its own head, one linear layer on its map
    averaged over time and the grid. ``train_seed``: as :func:`train_teacher`'s.
    Chapter 12.
    """
    one_of("stream", stream, STREAMS)
    if stream == "dualcamnet":
        spec = _stream_spec(stream, profile)
    else:
        spec = model_spec(
            "stream_classifier",
            profile,
            stream=_stream_spec(stream, profile),
            num_classes=len(CLASSES),
        )
    return _train(
        f"supervised-{stream}",
        spec,
        _config(profile, seed, "accuracy", STREAM_INPUTS[stream], train_seed),
        profile,
        seed,
        with_acoustic=stream == "dualcamnet",
        device=device,
        progress=progress,
        retrain=retrain,
    )


def train_supervised_distillation(
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int | None = None,
    retrain: bool = False,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """HearNet with a linear class layer (as :func:`train_supervised`'s) trained by
    supervised distillation from the supervised DualCamNet
    (:func:`train_supervised`, trained first if missing), cached:
    :class:`~acousticlib.training.DistillationTask`, ``(1 - 0.5) CE(labels) + 0.5
    CE(teacher's softmax)`` at temperature 1 (:data:`LAMBDA_TEACHER`,
    :data:`TEMPERATURE`), the best epoch by validation accuracy. Chapter 12 (the
    authors' earlier baseline). ``train_seed`` seeds the student alone (the teacher
    stays the one of ``seed``).
    """
    teacher = train_supervised(
        "dualcamnet", profile, seed, retrain=retrain, device=device, progress=progress
    )
    spec = model_spec(
        "stream_classifier",
        profile,
        stream=_stream_spec("hearnet", profile),
        num_classes=len(CLASSES),
    )
    return _train(
        "supervised-distillation",
        spec,
        _config(profile, seed, "accuracy", "audio", train_seed),
        profile,
        seed,
        with_acoustic=True,
        device=device,
        progress=progress,
        retrain=retrain,
        task=lambda model: DistillationTask(
            model,
            teacher.model,
            lambda_teacher=LAMBDA_TEACHER,
            temperature=TEMPERATURE,
            input_key="audio",
            teacher_key="acoustic",
        ),
        task_key={
            "task": "distillation",
            "lambda_teacher": LAMBDA_TEACHER,
            "temperature": TEMPERATURE,
            "teacher": teacher.path.name,
        },
    )
