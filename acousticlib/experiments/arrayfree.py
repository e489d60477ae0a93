"""Chapter 13: classification where there is no array.

The TIP paper's Table II asks a deployment question: on videos recorded *without* a
microphone array (VGGSound), do acoustic images generated from the frame and one
microphone -- by generators trained on the camera dataset -- classify better than what
the microphone alone gives? The book's analogue is an **array-free domain**
(:func:`arrayfree_config`, :func:`arrayfree_data`): new locations, placements and
conditions, under the dusk light of the unseen domain, with training, validation and
test splits of its own. The generators of chapters 08-10 never see it; our simulator
can still record its real acoustic images, the row the paper could not have.

Every classifier (:data:`ARRAYFREE_CLASSIFIERS`) is trained on the domain's training
clips and tested on its test clips (:func:`train_arrayfree_classifier`,
:func:`arrayfree_scores`):

* DualCamNet on 1-s windows (:func:`arrayfree_windows`) of real, tiled-MFCC and
  generated acoustic images, including the generators' *visual-stream swap* (the
  ``"_class"`` sources: their trunk features come from chapter 07's trunk fine-tuned on
  the domain's training frames, :func:`arrayfree_backbone`);
* the VGGish-like spectrogram CNN (:class:`~acousticlib.models.SpectrogramCNN`) on the
  mono microphone's samples;
* a linear head on chapter 07's frozen trunk features of the frames (the video model).

The book profile's classifiers are trained once by ``tools/train_arrayfree.py``, which
also trains the seed spread, and shipped with the package; a run whose cache key
differs trains its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from .. import datasets
from .._checks import one_of
from ..cache import joined_key
from ..datasets import CLASSES, SimulatedDataset
from ..datasets.crops import CROP_SIZE, clip_frames
from ..metrics import confusion_matrix
from ..models import minmax_per_sample, model_spec
from ..runtime import check_profile
from ..training import (
    ClassifierTask,
    DictDataset,
    TrainConfig,
    TrainedModel,
    shipped,
    train_cached,
)
from .camera import (
    FEATURES_CODE_VERSION,
    _crop_set,
    _key,
    dataset_trunk_features,
    pretrained_backbone,
)
from .classifiers import generated_windows, tiled_windows
from .generators import dataset_tensors, train_generator

#: The array-free domain's world: its dataset seed is the camera dataset's plus this, so
#: no location, placement or sound is shared with it.
ARRAYFREE_SEED_OFFSET = 1000

#: Sizes of the array-free domain per profile (at least 300 clips in ``book``: 18
#: locations x 10 recordings x 2 s = 360 sound clips, 220 / 40 / 100 for training,
#: validation and test) and how it differs from the camera dataset: the dusk style,
#: twice as many noisy outdoor locations, up to three silent objects.
ARRAYFREE: dict[str, dict[str, Any]] = {
    "smoke": dict(locations=3, recordings_per_location=4, recording_seconds=1),
    "book": dict(locations=18, recordings_per_location=10, recording_seconds=2),
    "full": dict(locations=60, recordings_per_location=20, recording_seconds=3),
}
ARRAYFREE_SHIFT: dict[str, Any] = dict(
    unseen_locations=0,
    background_per_location=0,
    split_fractions=(0.6, 0.1, 0.3),
    condition_weights=(1.0, 1.0, 2.0),
    max_distractors=3,
    style=1,
)

#: The visual trunks whose features a generator can be given here: chapter 07's
#: (``"camera"``), or that trunk fine-tuned on the domain's training clips to name the
#: sounding object (``"class"``: the paper's "resnet class") or to tell a clip's sound
#: and frame from those of other clips (``"triplet"``: its "resnet triplet").
ARRAYFREE_TRUNKS: tuple[str, ...] = ("camera", "class", "triplet")

#: DualCamNet's window sources: real and tiled-MFCC images, each generator with the
#: camera trunk, and each with a fine-tuned one (``"<generator>_class"``,
#: ``"<generator>_triplet"``).
WINDOW_SOURCES: tuple[str, ...] = (
    "real",
    "tiled",
    "uvae",
    "auvae",
    "mcgan",
    "uvae_class",
    "auvae_class",
    "mcgan_class",
    "uvae_triplet",
    "auvae_triplet",
    "mcgan_triplet",
)

#: Every classifier of chapter 13: DualCamNet on :data:`WINDOW_SOURCES`, the
#: spectrogram CNN and the video model.
ARRAYFREE_CLASSIFIERS: tuple[str, ...] = (*WINDOW_SOURCES, "spectrogram", "video")

#: How each kind of classifier trains, per profile: DualCamNet on windows mirrored at
#: random (a sound's class does not depend on its direction), the spectrogram CNN, the
#: video model's linear head, and the trunk's fine-tuning (``"finetune"``). The best
#: epoch is chosen by the validation loss.
TRAINING: dict[str, dict[str, dict[str, Any]]] = {
    "smoke": {
        "dualcamnet": dict(epochs=2, batch_size=16, lr=2e-3),
        "spectrogram": dict(epochs=2, batch_size=16, lr=1e-3),
        "video": dict(epochs=5, batch_size=32, lr=1e-2),
        "finetune": dict(epochs=1, batch_size=32, lr=1e-4),
        "correspondence": dict(epochs=1, batch_size=8, lr=1e-4),
    },
    "book": {
        "dualcamnet": dict(epochs=20, batch_size=16, lr=2e-3),
        "spectrogram": dict(epochs=30, batch_size=16, lr=1e-3),
        "video": dict(epochs=200, batch_size=32, lr=1e-2),
        "finetune": dict(epochs=2, batch_size=32, lr=1e-4),
        "correspondence": dict(epochs=8, batch_size=32, lr=1e-4),
    },
    "full": {
        "dualcamnet": dict(epochs=60, batch_size=16, lr=1e-3),
        "spectrogram": dict(epochs=60, batch_size=32, lr=1e-3),
        "video": dict(epochs=300, batch_size=64, lr=1e-2),
        "finetune": dict(epochs=10, batch_size=64, lr=1e-4),
        "correspondence": dict(epochs=20, batch_size=64, lr=1e-5),
    },
}

#: Epochs of the correspondence fine-tuning that mine every valid triplet before the
#: hardest (chapter 12's curriculum).
CORRESPONDENCE_CURRICULUM = 4

#: Frames per training clip the trunk's fine-tuning reads (as chapter 07's
#: pretraining).
FINETUNE_FRAMES_PER_CLIP = 4


# ------------------------------------------------------------------------------- domain
def arrayfree_config(profile: str = "book", seed: int = 0) -> datasets.DatasetConfig:
    """The :class:`~acousticlib.datasets.DatasetConfig` of the array-free domain of
    ``profile`` whose camera dataset has ``seed`` (:data:`ARRAYFREE`,
    :data:`ARRAYFREE_SHIFT`)."""
    check_profile(profile)
    return datasets.dataset_config(
        profile,
        seed=int(seed) + ARRAYFREE_SEED_OFFSET,
        **ARRAYFREE[profile],
        **ARRAYFREE_SHIFT,
    )


def arrayfree_data(
    profile: str = "book", seed: int = 0, *, progress: bool = True, workers: int = 2
) -> SimulatedDataset:
    """The array-free domain's dataset (built like chapter 06's, from the cache), in
    ``workers`` processes when missing (1: in this process, less memory at once:
    chapter 13 builds it so inside its 2 GB budget)."""
    return datasets.camera_dataset(
        arrayfree_config(profile, seed), workers=workers, progress=progress
    )


def _train_config(kind: str, profile: str, seed: int, **extra: Any) -> TrainConfig:
    return TrainConfig(
        **TRAINING[check_profile(profile)][kind],
        seed=int(seed),
        monitor="loss",
        lr_schedule="cosine",
        weight_decay=1e-4,
        **extra,
    )


# ------------------------------------------------------------------------------- trunks
def arrayfree_backbone(
    trunk: str = "camera",
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> tuple[torch.nn.Module, str]:
    """The visual backbone ``trunk`` (:data:`ARRAYFREE_TRUNKS`) and a string naming its
    weights.

    ``"camera"``: chapter 07's pretrained backbone (never trained on this domain).
    ``"class"``: that classifier (backbone, pooling and its 11 outputs) fine-tuned on
    object crops of :data:`FINETUNE_FRAMES_PER_CLIP` frames of every training clip of
    the array-free domain, as chapter 07 trained it on the camera dataset (shipped for
    the book profile; cached). ``"triplet"``: chapter 07's trunk as the video stream of
    :func:`correspondence_pair`, fine-tuned without labels.
    """
    one_of("trunk", trunk, ARRAYFREE_TRUNKS)
    pre = pretrained_backbone(profile, seed, device=device, progress=progress)
    if trunk == "camera":
        return pre.model.backbone, f"pretrained/{pre.path.name}"
    if trunk == "triplet":
        pair = correspondence_pair(profile, seed, device=device, progress=progress)
        return pair.model.video, f"correspondence/{pair.path.name}"
    tuned = finetuned_classifier(profile, seed, device=device, progress=progress)
    return tuned.model.backbone, f"finetuned/{tuned.path.name}"


def finetuned_classifier(
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """Chapter 07's object classifier (:func:`pretrained_backbone`) fine-tuned on the
    array-free domain: its whole network starts from the camera dataset's weights and
    learns to name the sounding object (or "background") in object crops of
    :data:`FINETUNE_FRAMES_PER_CLIP` frames of every training clip, validated on the
    validation clips' crops (best epoch by accuracy), :data:`TRAINING`'s
    ``"finetune"`` sizes. Shipped for the book profile
    (``arrayfree-finetuned-trunk-<profile>-seed<seed>``), cached."""
    pre = pretrained_backbone(profile, seed, device=device, progress=progress)
    ds = arrayfree_data(profile, seed, progress=progress)
    config = _train_config("finetune", profile, seed, input_key="frame")
    config = dataclasses.replace(config, monitor="accuracy", lr_schedule="constant")
    start = {k: v.clone() for k, v in pre.model.state_dict().items()}

    def task(model: torch.nn.Module) -> ClassifierTask:
        model.load_state_dict(start)
        return ClassifierTask(model, "frame")

    def data() -> tuple[DictDataset, DictDataset]:
        return tuple(  # type: ignore[return-value]
            _crop_set(ds, clip_frames(ds, split, FINETUNE_FRAMES_PER_CLIP), seed)
            for split in ("train", "val")
        )

    name = f"arrayfree-finetuned-trunk-{profile}-seed{int(seed)}"
    return train_cached(
        pre.spec,
        data,
        None,
        config,
        data_key=joined_key(
            _key(ds),
            {
                "crops": f"{CROP_SIZE}+background",
                "frames/clip": FINETUNE_FRAMES_PER_CLIP,
            },
        ),
        device=device,
        progress=progress,
        weights=shipped(name),
        task_factory=task,
        task_key={"kind": "finetune", "from": pre.path.name},
    )


def correspondence_pair(
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """Chapter 07's trunk fine-tuned on the array-free domain by audio-visual
    correspondence, without labels (the paper's "resnet triplet").

    An :class:`~acousticlib.models.AudioVisualPair` of HearNet (chapter 12's
    one-microphone network, with batch normalization, from scratch) and a
    :class:`~acousticlib.models.VisualBackbone` whose trunk starts from chapter 07's
    weights and is trained (its 3 x 3 head maps to HearNet's ``D`` channels), trained
    together by chapter 12's :class:`~acousticlib.training.TripletTask` (margin 0.2,
    every valid triplet for :data:`CORRESPONDENCE_CURRICULUM` epochs, then the
    hardest) on each training clip's spectrogram and middle frame, the best epoch by
    validation loss. Shipped for the book profile
    (``arrayfree-correspondence-trunk-<profile>-seed<seed>``), cached.
    """
    from ..models import model_spec as spec_of
    from ..training.distillation import TripletTask
    from ..triplet import MARGIN
    from .distillation import clip_items

    pre = pretrained_backbone(profile, seed, device=device, progress=progress)
    ds = arrayfree_data(profile, seed, progress=progress)
    spec = spec_of(
        "av_pair",
        profile,
        audio=spec_of("hearnet", profile, batch_norm=True),
        video=spec_of("visual_backbone", profile),
    )
    config = TrainConfig(**TRAINING[profile]["correspondence"], seed=int(seed))
    trunk = {k: v.clone() for k, v in pre.model.backbone.trunk.state_dict().items()}

    def task(model: torch.nn.Module) -> TripletTask:
        model.video.trunk.load_state_dict(trunk)
        return TripletTask(
            model,
            margin=MARGIN,
            curriculum_epochs=CORRESPONDENCE_CURRICULUM,
            audio_key="audio",
            video_key="frame",
            identity_key="clip",
        )

    def data() -> tuple[DictDataset, DictDataset]:
        out = []
        for split in ("train", "val"):
            starts = _rows(ds, split)[:, 0]
            items = clip_items(ds, starts)
            items["clip"] = torch.from_numpy(ds.index["clip"][starts].astype(np.int64))
            out.append(DictDataset(**items))
        return out[0], out[1]

    return train_cached(
        spec,
        data,
        None,
        config,
        data_key=joined_key(_key(ds), {"clips": "spectrogram+middle-frame"}),
        device=device,
        progress=progress,
        weights=shipped(f"arrayfree-correspondence-trunk-{profile}-seed{int(seed)}"),
        task_factory=task,
        task_key={
            "task": "triplet",
            "margin": MARGIN,
            "curriculum_epochs": CORRESPONDENCE_CURRICULUM,
            "from": pre.path.name,
        },
    )


def arrayfree_features(
    split: str,
    trunk: str = "camera",
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> np.ndarray:
    """Trunk features ``(12 N, C, 12, 16)`` float16 of the frames of the ``N`` sound
    clips of ``split`` of the array-free domain (clip by clip, frames in time order)
    through ``trunk`` (:func:`arrayfree_backbone`), memory-mapped, cached split by
    split (a chapter that tests computes no training features)."""
    one_of("split", split, ("train", "val", "test"))
    # batches of 8 frames: chapter 13 runs three trunks in its kernel beside its models,
    # within the 2 GB budget (32 frames at a time took it over on a cold run)
    backbone, source = arrayfree_backbone(
        trunk, profile, seed, device=device, progress=progress
    )
    ds = arrayfree_data(profile, seed, progress=progress)
    return dataset_trunk_features(
        ds,
        backbone,
        source,
        rows=_rows(ds, split).reshape(-1),
        batch_size=8,
        device=device,
        progress=progress,
    )


# ------------------------------------------------------------------------------ windows
def _rows(ds: SimulatedDataset, split: str) -> np.ndarray:
    """Rows ``(N, 12)`` of the sound clips of ``split``, clip by clip, in time order."""
    fps = int(ds.meta["fps"])
    rows = ds.frames_of(split, include_background=False)
    starts = rows[ds.index["frame"][rows] == 0]
    return starts[:, None] + np.arange(fps)[None, :]


def arrayfree_labels(split: str, profile: str = "book", seed: int = 0) -> torch.Tensor:
    """Class labels ``(N,)`` of the sound clips of ``split`` of the array-free domain,
    in the order of every input of this module."""
    ds = arrayfree_data(profile, seed, progress=False)
    return torch.from_numpy(ds.index["label"][_rows(ds, split)[:, 0]].astype(np.int64))


def _source_parts(source: str) -> tuple[str, str]:
    gen, _, trunk = source.partition("_")
    return gen, trunk or "camera"


def arrayfree_windows(
    source: str,
    split: str,
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """1-s windows ``(N, 12, 12, 36, 48)`` float16 in [0, 1] and labels ``(N,)`` of the
    sound clips of ``split`` of the array-free domain, as chapter 11's
    :func:`~acousticlib.experiments.classifier_windows` makes them for the camera
    dataset.

    ``source`` (:data:`WINDOW_SOURCES`): ``"real"`` (each acoustic image min-max
    normalised), ``"tiled"`` (the mono MFCC copied over the grid), a generator of
    chapters 08-10 trained on the camera dataset (``"uvae"``, ``"auvae"``,
    ``"mcgan"``: its output from the mono MFCC and chapter 07's trunk features of the
    frame; MCGAN's z drawn from ``seed``) or the same generator given the fine-tuned
    trunk's features (``"<generator>_class"``, the visual-stream swap).
    """
    one_of("source", source, WINDOW_SOURCES)
    one_of("split", split, ("train", "val", "test"))
    key = (source, split, check_profile(profile), int(seed), str(device))
    if key not in _WINDOWS:
        _WINDOWS[key] = _windows(source, split, profile, seed, device)
        while len(_WINDOWS) > _WINDOWS_KEPT:
            del _WINDOWS[next(iter(_WINDOWS))]
    x, y = _WINDOWS[key]
    return x.clone(), y.clone()


#: The last windows :func:`arrayfree_windows` made, kept so that the seed spread of a
#: source (``tools/train_arrayfree.py``) generates its windows once: a source's
#: training, validation and test splits (at most about 230 MB in the book profile).
_WINDOWS: dict[tuple[str, str, str, int, str], tuple[torch.Tensor, torch.Tensor]] = {}
_WINDOWS_KEPT = 3


def _windows(
    source: str, split: str, profile: str, seed: int, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    ds = arrayfree_data(profile, seed, progress=False)
    if source in ("real", "tiled"):
        data = dataset_tensors(
            ds, None, split, windows=True, background=False, with_acoustic=True
        )
        labels = data.tensors["label"]
        if source == "tiled":
            return tiled_windows(data.tensors["mfcc_mono"]), labels
        x = data.tensors["acoustic"]
        frames = x.view(-1, *x.shape[-3:])
        for a in range(0, len(frames), 256):
            frames[a : a + 256] = minmax_per_sample(frames[a : a + 256].float())
        return x, labels
    gen, trunk = _source_parts(source)
    feats = arrayfree_features(
        split, trunk, profile, seed, device=device, progress=False
    )
    model = train_generator(gen, profile, seed, device=device, progress=False).model
    rows = _rows(ds, split)
    return generated_windows(
        model,
        lambda part: _conditions(ds, feats, rows, part),
        len(rows),
        seed=seed,
        device=device,
    ), arrayfree_labels(split, profile, seed)


def _conditions(
    ds: SimulatedDataset, feats: np.ndarray, rows: np.ndarray, part: slice
) -> DictDataset:
    """A generator's conditions for the windows ``part`` of the clips ``rows`` ``(N,
    12)``: mono MFCC and trunk features (``feats``, one row per entry of ``rows``)."""
    picked = rows[part]
    n, fps = picked.shape
    local = np.arange(rows.size).reshape(rows.shape)[part].reshape(-1)
    mono = ds.read("mfcc_mono", picked.reshape(-1)).astype(np.float32, copy=False)
    frame = datasets.read_rows(feats.filename, local)
    return DictDataset(
        mfcc_mono=torch.from_numpy(mono.reshape(n, fps, *mono.shape[1:])),
        frame=torch.from_numpy(
            np.ascontiguousarray(frame).reshape(n, fps, *frame.shape[1:])
        ),
        label=torch.from_numpy(ds.index["label"][picked[:, 0]].astype(np.int64)),
        background=torch.zeros(n, dtype=torch.bool),
    )


def arrayfree_audio(
    split: str, profile: str = "book", seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The mono microphone's samples ``(N, 12 288)`` float32 (Pa) of each 1-s sound
    clip of ``split``, and its labels ``(N,)``: the spectrogram CNN's input."""
    one_of("split", split, ("train", "val", "test"))
    ds = arrayfree_data(profile, seed, progress=False)
    rows = _rows(ds, split)
    audio = ds.read("audio", rows.reshape(-1)).astype(np.float32, copy=False)
    return (
        torch.from_numpy(audio.reshape(len(rows), -1)),
        arrayfree_labels(split, profile, seed),
    )


def arrayfree_frame_features(
    split: str, profile: str = "book", seed: int = 0, *, trunk: str = "camera"
) -> tuple[torch.Tensor, torch.Tensor]:
    """The video model's input: ``trunk``'s features of each 1-s sound clip of
    ``split``, averaged over the 12 x 16 grid and the clip's 12 frames, ``(N, C)``
    float32, and the labels ``(N,)``."""
    one_of("split", split, ("train", "val", "test"))
    feats = arrayfree_features(split, trunk, profile, seed, progress=False)
    fps = int(arrayfree_data(profile, seed, progress=False).meta["fps"])
    pooled = np.stack(
        [
            np.asarray(feats[a : a + fps], np.float32).mean(axis=(0, 2, 3))
            for a in range(0, len(feats), fps)
        ]
    )
    return torch.from_numpy(pooled), arrayfree_labels(split, profile, seed)


class MirroredWindows(torch.utils.data.Dataset):
    """1-s windows ``(N, 12, 12, 36, 48)`` with labels, each mirrored left-right with
    probability 1/2 when drawn (a sound's class does not depend on its direction; the
    draws come from torch's global generator, which :func:`acousticlib.training.fit`
    seeds per epoch)."""

    def __init__(self, windows: torch.Tensor, labels: torch.Tensor) -> None:
        if len(windows) != len(labels):
            raise ValueError(
                f"windows and labels must be as many; got {len(windows)} and "
                f"{len(labels)}"
            )
        self.windows, self.labels = windows, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        w = self.windows[i]
        if bool(torch.rand(()) < 0.5):
            w = w.flip(-1)
        return {"acoustic": w, "label": self.labels[i]}


# -------------------------------------------------------------------------- classifiers
def arrayfree_inputs(
    name: str,
    split: str,
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
) -> DictDataset:
    """The inputs and labels of classifier ``name`` (:data:`ARRAYFREE_CLASSIFIERS`) for
    the sound clips of ``split``: ``"acoustic"`` windows, ``"audio"`` samples or
    ``"frame"`` features, with ``"label"``."""
    one_of("name", name, ARRAYFREE_CLASSIFIERS)
    if name == "spectrogram":
        x, y = arrayfree_audio(split, profile, seed)
        return DictDataset(audio=x, label=y)
    if name == "video":
        x, y = arrayfree_frame_features(split, profile, seed)
        return DictDataset(frame=x, label=y)
    x, y = arrayfree_windows(name, split, profile, seed, device=device)
    return DictDataset(acoustic=x, label=y)


def _spec_and_key(name: str, profile: str, seed: int) -> tuple[dict[str, Any], str]:
    if name == "spectrogram":
        return model_spec("spectrogram_cnn", profile), "audio"
    if name == "video":
        pre = pretrained_backbone(profile, seed, progress=False)
        width = pre.model.backbone.trunk_channels
        return model_spec("linear_probe", profile, in_features=width), "frame"
    spec = model_spec("dualcamnet", profile, num_classes=len(CLASSES), batch_norm=True)
    return spec, "acoustic"


def arrayfree_weights(
    name: str, profile: str = "book", seed: int = 0, train_seed: int | None = None
) -> str:
    """Name of classifier ``name``'s shipped weights (``acousticlib/data/weights/``)."""
    one_of("name", name, ARRAYFREE_CLASSIFIERS)
    t = int(seed if train_seed is None else train_seed)
    return f"ch13-{name}-{check_profile(profile)}-seed{int(seed)}-train{t}"


def train_arrayfree_classifier(
    name: str,
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int | None = None,
    device: str = "cpu",
    progress: bool = True,
    retrain: bool = False,
) -> TrainedModel:
    """Classifier ``name`` (:data:`ARRAYFREE_CLASSIFIERS`) trained on the array-free
    domain's training clips, validated on its validation clips (best epoch by loss),
    cached.

    DualCamNet (with batch normalization, as chapter 11's judge) reads the windows of
    :func:`arrayfree_windows`, mirrored at random; ``"spectrogram"`` is the VGGish-like
    CNN on the mono samples; ``"video"`` the linear head on the camera trunk's pooled
    features (:data:`TRAINING` says how each trains). ``train_seed`` seeds the
    training alone (initialisation, batch order, mirroring) while ``seed`` keeps
    choosing the data: the seed spread of ``tools/train_arrayfree.py``; ``None`` means
    ``seed``. Weights shipped with the package (:func:`arrayfree_weights`) whose key is
    this model's are loaded instead of training; ``retrain`` trains here, in a cache
    entry of its own.
    """
    one_of("name", name, ARRAYFREE_CLASSIFIERS)
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False; got {retrain!r}")
    t = int(seed if train_seed is None else train_seed)
    if t < 0:
        raise ValueError(f"train_seed must be a non-negative integer; got {train_seed}")
    # the domain's cache key, computed without building it: shipped or cached weights
    # load without the dataset (chapter 15 reads the video classifier so), and data()
    # builds it only when the classifier trains here
    domain = datasets.dataset_cache_key(arrayfree_config(profile, seed))
    dataset_key = f"dataset/{domain}"
    spec, input_key = _spec_and_key(name, profile, seed)
    kind = name if name in ("spectrogram", "video") else "dualcamnet"
    config = _train_config(kind, profile, t, input_key=input_key)
    fields: dict[str, Any] = {"classifier": name, "code": "arrayfree-1"}
    if name not in ("spectrogram", "real", "tiled"):
        gen, trunk = _source_parts(name) if name != "video" else ("", "camera")
        _, source = arrayfree_backbone(trunk, profile, seed, progress=progress)
        fields.update(trunk=source, features=FEATURES_CODE_VERSION)
        if gen:
            fields["generator"] = train_generator(
                gen, profile, seed, device=device, progress=progress
            ).path.name
    if kind == "dualcamnet":
        fields["augmented"] = "mirror"
    data_key = joined_key(dataset_key, fields)
    if retrain:
        data_key = joined_key(data_key, {"retrained": None})

    def data() -> tuple[torch.utils.data.Dataset, DictDataset]:
        train, val = (
            arrayfree_inputs(name, split, profile, seed, device=device)
            for split in ("train", "val")
        )
        if kind == "dualcamnet":
            return MirroredWindows(*train.tensors.values()), val
        return train, val

    weights = None if retrain else shipped(arrayfree_weights(name, profile, seed, t))
    return train_cached(
        spec,
        data,
        None,
        config,
        data_key=data_key,
        device=device,
        progress=progress,
        weights=weights,
    )


def predict(
    model: torch.nn.Module, inputs: DictDataset, *, batch_size: int = 16
) -> torch.Tensor:
    """Class predictions ``(N,)`` of a trained classifier over ``inputs`` (from
    :func:`arrayfree_inputs`), batch by batch, without gradients."""
    key = next(k for k in inputs.tensors if k != "label")
    x = inputs.tensors[key]
    model.eval()
    out = torch.empty(len(x), dtype=torch.long)
    with torch.no_grad():
        for a in range(0, len(x), batch_size):
            out[a : a + batch_size] = model(x[a : a + batch_size].float()).argmax(1)
    return out


def arrayfree_scores(
    name: str,
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int | None = None,
    split: str = "test",
    device: str = "cpu",
    progress: bool = False,
) -> dict[str, Any]:
    """Classifier ``name`` on the sound clips of ``split``: ``"accuracy"``,
    ``"predictions"`` and ``"labels"`` ``(N,)`` arrays, ``"confusion"`` ``(10, 10)``
    counts (rows: true class, columns: predicted), ``"origin"`` (``"trained"`` or
    ``"shipped"``)."""
    trained = train_arrayfree_classifier(
        name, profile, seed, train_seed=train_seed, device=device, progress=progress
    )
    inputs = arrayfree_inputs(name, split, profile, seed, device=device)
    pred = predict(trained.model, inputs).numpy()
    labels = inputs.tensors["label"].numpy()
    confusion = confusion_matrix(labels, pred, len(CLASSES))
    return {
        "accuracy": float((pred == labels).mean()),
        "predictions": pred,
        "labels": labels,
        "confusion": confusion,
        "origin": trained.origin,
    }
