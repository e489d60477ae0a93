"""The book's shared experiments: data, pretrained visual trunk, trained generators and
classifiers.

Chapters 07-11 (and the later parts) call these functions instead of wiring datasets,
models and training loops themselves, so that every chapter trains a model only when the
cache lacks it and reuses it otherwise: chapter 07 pretrains the visual backbone and
stores its trunk features, chapter 08 trains the U-VAEs, chapters 09 and 10 the AU-VAE
and MCGAN, and chapter 11 reads them all back (or trains what is missing, e.g. when a
reader runs it alone).

Training and inference run on ``device`` (``"cpu"``, ``"cuda"``, ``"auto"``; not part of
any cache
key: a model trained on a GPU serves a CPU run). Everything is keyed by the run
    ``profile`` (``"smoke"``, ``"book"``, ``"full"``; the sizes are in
:data:`SETTINGS`) and ``seed``:

* :func:`camera_data` -- the simulated Dual Cam dataset of chapter 06;
* :func:`pretrained_backbone` -- a :class:`~acousticlib.models.VisualClassifier` trained
  on the frames' class labels (chapter 07), or a local weights file (e.g. ImageNet) used
  as is;
* :func:`trunk_features` -- the frozen trunk's ``(F, C, 12, 16)`` features of every
  frame (float16, memory-mapped): the generators train only the added convolution on
  top, as in the paper, and never run the trunk themselves;
* :func:`generator_data` -- the generators' training/evaluation sets (frames or 1-s
  windows), with the audio-visual condition optionally ablated and background-noise
  samples whose target is the flat tiled map (seed 000, Sec. III-E);
* :func:`train_generator` -- a cached U-VAE / AU-VAE / MCGAN;
* :func:`mean_training_image`, :func:`reference_errors` -- chapter 08's baselines for a
  generator's MSE, which chapters 09 and 10 compare with;
* :func:`train_classifier` -- a cached DualCamNet over 1-s windows (real, tiled-MFCC or
  generated acoustic images): GAN-test's judge (real windows; trained once by
  ``tools/train_judge.py`` and shipped with the package) and GAN-train's classifiers
  (chapter 11);
* :func:`dataset_variant` -- run any of the above on a variant of the profile's dataset
  (e.g. the look-alike distractors of ``tools/distractor_study.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import datasets
from ._checks import one_of, positive
from .cache import cached, file_sha256, joined_key
from .datasets import CLASSES, SimulatedDataset
from .features import GRID_SHAPE
from .geometry import Camera
from .metrics import (
    box_mask,
    energy_iou,
    energy_maps,
    evaluate_generator,
    generate,
    mse,
    peak_in_mask,
    peak_near_border,
    success_auc,
)
from .models import (
    PADDINGS,
    PROFILE_CHANNELS,
    GeneratorConfig,
    minmax_per_sample,
    model_spec,
    tile_mfcc,
)
from .runtime import check_profile, generator, heap_for_speed, resolve_device
from .training import DictDataset, TrainConfig, TrainedModel, shipped, train_cached

#: Bump when what :func:`trunk_features` writes changes.
FEATURES_CODE_VERSION = "trunk-features-2"
#: Conditions a generator can be trained on: both modalities, or one of them (Table V).
CONDITIONS: tuple[str, ...] = ("audio+video", "video only", "audio only")
#: Side (pixels) of the object crops that pretrain the visual trunk (chapter 07).
CROP_SIZE = 64
#: Label of the background crops of :func:`object_crops` (after the ten classes).
BACKGROUND_LABEL = len(CLASSES)
#: Where a classifier's training windows come from (chapter 11).
CLASSIFIER_SOURCES: tuple[str, ...] = ("real", "tiled", "uvae", "auvae", "mcgan")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Sizes of the shared experiments for one profile.

    ``pretrain_epochs``/``pretrain_frames_per_clip``/``pretrain_lr``: chapter 07's frame
    classifier; ``generator_epochs``/``generator_batch``/``generator_lr``/``frame_step``
    (every ``frame_step``-th training frame): the generators; ``classifier_epochs``/
    ``classifier_batch``/``classifier_lr``: DualCamNet over 1-s windows.
    """

    pretrain_epochs: int
    pretrain_frames_per_clip: int
    pretrain_lr: float
    generator_epochs: int
    generator_batch: int
    generator_lr: float
    frame_step: int
    classifier_epochs: int
    classifier_batch: int
    classifier_lr: float


#: The sizes of each profile. ``book`` fits a laptop CPU (a few minutes per chapter);
#: ``full`` carries the paper's batch size and learning rate (Adam 1e-4, batch 64) for a
#: GPU.
SETTINGS: dict[str, Settings] = {
    "smoke": Settings(
        pretrain_epochs=1,
        pretrain_frames_per_clip=1,
        pretrain_lr=1e-3,
        generator_epochs=1,
        generator_batch=16,
        generator_lr=1e-3,
        frame_step=6,
        classifier_epochs=2,
        classifier_batch=16,
        classifier_lr=1e-3,
    ),
    # book: 580 training clips with a sound (29 locations); epochs and frame_step keep
    # the number of gradient steps to what 2 CPU cores train in a chapter's budget
    "book": Settings(
        pretrain_epochs=2,
        pretrain_frames_per_clip=4,
        pretrain_lr=1e-3,
        generator_epochs=3,
        generator_batch=32,
        generator_lr=1e-3,
        frame_step=6,
        classifier_epochs=4,
        classifier_batch=16,
        classifier_lr=1e-3,
    ),
    "full": Settings(
        pretrain_epochs=30,
        pretrain_frames_per_clip=12,
        pretrain_lr=1e-3,
        generator_epochs=100,
        generator_batch=64,
        generator_lr=1e-4,
        frame_step=1,
        classifier_epochs=50,
        classifier_batch=16,
        classifier_lr=1e-4,
    ),
}


def settings(profile: str) -> Settings:
    """The :class:`Settings` of ``profile``."""
    return SETTINGS[check_profile(profile)]


# ------------------------------------------------------------------------------ dataset
_VARIANT: dict[str, Any] = {}  # dataset fields that dataset_variant() overrides


@contextlib.contextmanager
def dataset_variant(**overrides: Any) -> Iterator[None]:
    """Run the experiments inside the block on a variant of the profile's dataset
    (chapter 11's studies).

    ``overrides`` are :class:`~acousticlib.datasets.DatasetConfig` fields, e.g.
    ``distractor_similarity=1.0``; every function of this module then reads, trains and
    caches on that dataset (its own cache key, so nothing of the chapters' is touched).
    Checked at once: an unknown field raises a TypeError naming it. Not thread-safe;
    blocks do not nest.
    """
    if _VARIANT:
        raise RuntimeError(
            f"dataset_variant blocks do not nest (already inside {_VARIANT})"
        )
    # validates the fields and their values
    datasets.dataset_config("smoke", **overrides)
    _VARIANT.update(overrides)
    try:
        yield
    finally:
        _VARIANT.clear()


def camera_data(
    profile: str = "book", seed: int = 0, *, progress: bool = True
) -> SimulatedDataset:
    """The simulated Dual Cam dataset of ``profile`` and ``seed`` (chapter 06), from the
    cache.

    Inside a :func:`dataset_variant` block, the variant of that dataset.
    """
    return datasets.camera_dataset(
        datasets.dataset_config(profile, seed=seed, **_VARIANT),
        workers=2,
        progress=progress,
    )


def _key(ds: SimulatedDataset) -> str:
    return f"dataset/{ds.folder.name}"


# ------------------------------------------------------------------------------ visual
# backbone
def clip_frames(ds: SimulatedDataset, split: str, per_clip: int) -> np.ndarray:
    """Indices of ``per_clip`` evenly spaced frames of every sound clip of ``split``."""
    rows = ds.frames_of(split, include_background=False)
    fps = int(ds.meta["fps"])
    keep = (
        np.round(np.linspace(0, fps - 1, per_clip)).astype(int)
        if per_clip > 1
        else np.array([fps // 2])
    )
    return rows[np.isin(ds.index["frame"][rows], keep)]


def _resampled_crops(
    ds: SimulatedDataset,
    rows: np.ndarray,
    centres: np.ndarray,
    half: np.ndarray,
    size: int,
    chunk: int = 256,
) -> torch.Tensor:
    """Square crops of frames ``rows`` centred at ``centres`` ``(N, 2)`` (row, col)
    with half-sides ``half``."""
    from torchvision.ops import roi_align

    cy, cx = centres[:, 0], centres[:, 1]
    # (x1, y1, x2, y2)
    rois = np.stack([cx - half, cy - half, cx + half, cy + half], axis=1)
    out = torch.empty((rows.size, 3, size, size))
    for a in range(0, rows.size, chunk):
        x = (
            torch.from_numpy(ds.read("frames", rows[a : a + chunk]))
            .permute(0, 3, 1, 2)
            .float()
            .div_(255.0)
        )
        r = torch.from_numpy(rois[a : a + chunk]).float()
        idx = torch.arange(r.shape[0], dtype=torch.float32)[:, None]
        out[a : a + chunk] = roi_align(
            x,
            torch.cat([idx, r], dim=1),
            output_size=(size, size),
            spatial_scale=1.0,
            sampling_ratio=2,
            aligned=True,
        )
    return out


def object_crops(
    ds: SimulatedDataset,
    rows: np.ndarray,
    *,
    size: int = CROP_SIZE,
    margin: float = 1.25,
    background_seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Square crops ``(N, 3, size, size)`` in [0, 1] around the labelled source of
    frames ``rows``, and labels.

    The crop is centred on the ground-truth box of source 0 (the clip's class),
    ``margin`` times its longer side (at least 16 pixels), resampled bilinearly
    (``torchvision.ops.roi_align``). Frames whose source is outside the picture are
    skipped. With ``background_seed`` each frame also gives a crop of the same size at a
    random place that overlaps no sounding source, labelled :data:`BACKGROUND_LABEL`
    (object crops first, then background crops). Chapter 07.
    """
    rows = np.asarray(rows, np.int64)
    # (top, left, bottom, right) pixels
    boxes = np.asarray(ds.array("boxes")[rows, 0], np.float64)
    ok = (
        np.isfinite(boxes).all(axis=1)
        & (boxes[:, 2] > boxes[:, 0])
        & (boxes[:, 3] > boxes[:, 1])
    )
    rows, boxes = rows[ok], boxes[ok]
    centres = np.stack(
        [(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1
    )
    half = (
        np.maximum(
            16.0,
            margin * np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]),
        )
        / 2
    )
    crops = _resampled_crops(ds, rows, centres, half, size)
    labels = torch.from_numpy(ds.index["label"][rows])
    if background_seed is None:
        return crops, labels
    frames = ds.array("frames")
    h, w = frames.shape[1:3]
    all_boxes = np.asarray(ds.array("boxes")[rows], np.float64)  # (N, S, 4)
    keep, bg_centres = [], []
    for n, row in enumerate(rows):
        rng = generator(background_seed, "background-crop", int(row))
        for _ in range(30):
            c = np.array(
                [
                    rng.uniform(half[n], max(half[n], h - half[n])),
                    rng.uniform(half[n], max(half[n], w - half[n])),
                ]
            )
            b = all_boxes[n][np.isfinite(all_boxes[n]).all(axis=1)]
            clear = (
                (c[0] + half[n] <= b[:, 0])
                | (c[0] - half[n] >= b[:, 2])
                | (c[1] + half[n] <= b[:, 1])
                | (c[1] - half[n] >= b[:, 3])
            )
            if clear.all():
                keep.append(n)
                bg_centres.append(c)
                break
    if keep:
        idx = np.asarray(keep)
        bg = _resampled_crops(ds, rows[idx], np.asarray(bg_centres), half[idx], size)
        crops = torch.cat([crops, bg])
        labels = torch.cat(
            [labels, torch.full((idx.size,), BACKGROUND_LABEL, dtype=labels.dtype)]
        )
    return crops, labels


def _crop_set(ds: SimulatedDataset, rows: np.ndarray, seed: int) -> DictDataset:
    crops, labels = object_crops(ds, rows, background_seed=seed)
    return DictDataset(frame=crops, label=labels)


def pretrained_backbone(
    profile: str = "book", seed: int = 0, *, device: str = "cpu", progress: bool = True
) -> TrainedModel:
    """Chapter 07's object classifier (backbone + pooling + linear), trained on the
    dataset's frames.

    The whole ResNet trunk learns (it starts from random weights: nothing is downloaded)
    to name the class of the sounding object in :func:`object_crops` of
    ``pretrain_frames_per_clip`` frames of every training clip, or "background" (label
    :data:`BACKGROUND_LABEL`) for a crop of the same frame away from the sources, with
    the validation accuracy choosing the best epoch. ``.model.backbone`` is the backbone
    the generators use, frozen; ``.model.class_map(frames)`` shows where in a whole
    frame it sees each class.
    """
    s = settings(profile)
    ds = camera_data(profile, seed, progress=progress)
    spec = model_spec("visual", profile, num_classes=len(CLASSES) + 1)
    config = TrainConfig(
        epochs=s.pretrain_epochs,
        batch_size=32,
        lr=s.pretrain_lr,
        seed=seed,
        monitor="accuracy",
        input_key="frame",
    )

    def data() -> tuple[DictDataset, DictDataset]:
        return (
            _crop_set(ds, clip_frames(ds, "train", s.pretrain_frames_per_clip), seed),
            _crop_set(ds, clip_frames(ds, "val", s.pretrain_frames_per_clip), seed),
        )

    data_key = joined_key(
        _key(ds),
        {
            "crops": f"{CROP_SIZE}+background",
            "frames/clip": s.pretrain_frames_per_clip,
        },
    )
    return train_cached(
        spec, data, None, config, data_key=data_key, device=device, progress=progress
    )


def load_trunk_weights(
    backbone: torch.nn.Module, weights: str | os.PathLike[str]
) -> None:
    """Load a local torchvision ResNet state-dict file into ``backbone.trunk`` (e.g.
    ImageNet weights)."""
    from .models import VisualBackbone

    if not isinstance(backbone, VisualBackbone):
        raise TypeError(
            f"backbone must be a VisualBackbone; got {type(backbone).__name__}"
        )
    donor = VisualBackbone(
        backbone.arch, backbone.out_channels, scale=backbone.scale, weights=weights
    )
    backbone.trunk.load_state_dict(donor.trunk.state_dict())


def frame_digests(frames: np.ndarray) -> np.ndarray:
    """A 128-bit BLAKE2 digest (hex string) of each frame of ``frames`` ``(N, ...)``:
    equal frames, equal digests."""
    return np.array(
        [
            hashlib.blake2b(
                np.ascontiguousarray(f).tobytes(), digest_size=16
            ).hexdigest()
            for f in frames
        ]
    )


def dataset_frame_digests(ds: SimulatedDataset, chunk: int = 512) -> np.ndarray:
    """:func:`frame_digests` of every frame of ``ds``, read ``chunk`` frames at a time
    (never all frames in memory).

    Chapter 07 counts the distinct frames with it; :func:`trunk_features` computes each
    once.
    """
    return np.concatenate(
        [
            frame_digests(ds.read("frames", slice(a, a + chunk)))
            for a in range(0, len(ds), chunk)
        ]
    )


def trunk_features(
    profile: str = "book",
    seed: int = 0,
    *,
    weights: str | os.PathLike[str] | None = None,
    batch_size: int = 32,
    device: str = "cpu",
    progress: bool = True,
) -> np.ndarray:
    """Frozen-trunk features ``(F, C, 12, 16)`` float16 of every frame of the dataset
    (memory-mapped).

    The trunk is chapter 07's pretrained one, or -- when ``weights`` names a local
    state-dict file, e.g. ImageNet weights -- that file's, used as is (the paper's
    setting). Identical frames (a still scene renders the same picture 12 times a
    second) are computed once. Cached.
    """
    from tqdm.auto import tqdm

    ds = camera_data(profile, seed, progress=progress)
    if weights is None:
        pre = pretrained_backbone(profile, seed, device=device, progress=progress)
        backbone, source = pre.model.backbone, f"pretrained/{pre.path.name}"
    else:
        from .models import VisualBackbone

        spec = model_spec("visual", profile)
        backbone = VisualBackbone(
            spec["arch"], spec["out_channels"], scale=spec["scale"], weights=weights
        )
        source = f"file/{file_sha256(weights)}"

    def build(folder: Path) -> None:
        n = len(ds)
        _, first, inverse = np.unique(
            dataset_frame_digests(ds), return_index=True, return_inverse=True
        )
        order = np.sort(first)  # compute unique frames in dataset order
        slot = np.empty(n, np.int64)
        slot[order] = np.arange(order.size)
        rows_of = slot[first[inverse]]
        shape = (backbone.trunk_channels, 12, 16)
        dev = resolve_device(device)
        backbone.to(dev).eval()
        # the distinct frames' features go to a scratch file, then out in dataset order,
        # both through file writes and reads (no memory map, no array of all features):
        # memory stays one chunk
        unique = folder / "unique_features.tmp.npy"
        with (
            datasets.write_npy_stream(unique, (order.size, *shape), np.float16) as f,
            torch.no_grad(),
            heap_for_speed(),
        ):
            for a in tqdm(
                range(0, order.size, batch_size),
                disable=not progress,
                desc="trunk features",
                unit="batch",
            ):
                x = (
                    torch.from_numpy(ds.read("frames", order[a : a + batch_size]))
                    .permute(0, 3, 1, 2)
                    .float()
                    .div_(255.0)
                )
                f.write(
                    backbone.trunk_features(x.to(dev))
                    .cpu()
                    .numpy()
                    .astype(np.float16)
                    .tobytes()
                )
        with datasets.write_npy_stream(
            folder / "features.npy", (n, *shape), np.float16
        ) as f:
            for a in range(0, n, 256):
                f.write(
                    np.ascontiguousarray(
                        datasets.read_rows(unique, rows_of[a : a + 256])
                    ).tobytes()
                )
        unique.unlink()

    folder = cached(
        "trunk_features",
        {
            "dataset": _key(ds),
            "trunk": source,
            "arch": backbone.arch,
            "scale": backbone.scale,
        },
        build,
        code_version=FEATURES_CODE_VERSION,
    )
    return np.load(folder / "features.npy", mmap_mode="r")


# ------------------------------------------------------------------------------
# generator data
def generator_data(
    profile: str = "book",
    seed: int = 0,
    split: str = "train",
    *,
    windows: bool = False,
    background: bool = True,
    condition: str = "audio+video",
    frame_step: int = 1,
    with_visual: bool = True,
    with_acoustic: bool = True,
    part: slice | None = None,
) -> DictDataset:
    """The generators' data for ``split``: ``mfcc_mono``, ``frame`` (trunk features),
    ``acoustic``, ``label``.

    ``windows``: 1-s windows ``(N, 12, ...)`` (one per clip) instead of frames ``(N,
        ...)``.
    ``background``: include background-noise-only frames; their target is the flat tiled
        mono
    MFCC (the paper's background-noise training samples, so that a scene without sound
    gives a flat energy map). ``condition``: ``"video only"`` zeroes the audio
    condition, ``"audio only"`` the visual one (Table V). ``frame_step``: keep every
    ``frame_step``-th frame (frames only). ``with_visual=False`` leaves the trunk
    features out (``frame`` has 0 channels): what the real and tiled classifier windows
    need, without reading them. ``with_acoustic=False`` leaves out the acoustic images
    (no ``acoustic`` entry): the condition alone, for generating.
    ``part``: a slice of the selected frames (or windows) to load, e.g. ``slice(0,
        64)``, for a
    pass over a split in chunks that never holds all of its trunk features.
    ``label`` is -1 and ``background`` true for background frames. Arrays are float16
    (trunk features, acoustic images); the models convert batches to float32.
    """
    one_of("condition", condition, CONDITIONS)
    one_of("split", split, datasets.SPLITS)
    if (
        isinstance(frame_step, bool)
        or not isinstance(frame_step, int)
        or frame_step < 1
    ):
        raise ValueError(f"frame_step must be a positive integer; got {frame_step!r}")
    if windows and frame_step != 1:
        raise ValueError(
            "frame_step applies to frames only; windows keep all 12 frames of a clip "
            "(frame_step=1)"
        )
    if part is not None and not isinstance(part, slice):
        raise TypeError(
            f"part must be a slice of the selected frames or windows, or None; got "
            f"{part!r}"
        )
    ds = camera_data(profile, seed, progress=False)
    # real/tiled windows need no trunk
    feats = trunk_features(profile, seed, progress=False) if with_visual else None
    rows = ds.frames_of(split, include_background=background)
    if windows:
        rows = rows[ds.index["frame"][rows] == 0]
        fps = int(ds.meta["fps"])
        rows = (rows[part or slice(None), None] + np.arange(fps)[None, :]).reshape(-1)
    else:
        if frame_step > 1:
            rows = rows[ds.index["frame"][rows] % frame_step == 0]
        rows = rows[part or slice(None)]
    mono = ds.read("mfcc_mono", rows).astype(np.float32, copy=False)
    bg = ds.index["background"][rows].astype(bool)
    acoustic = (
        ds.read("acoustic", rows).astype(np.float16, copy=False)
        if with_acoustic
        else None
    )
    if acoustic is not None and bg.any():
        acoustic[bg] = np.broadcast_to(
            mono[bg][:, :, None, None],
            (int(bg.sum()), mono.shape[1], *acoustic.shape[-2:]),
        )
    visual = (
        datasets.read_rows(feats.filename, rows)
        if feats is not None
        else np.zeros((rows.size, 0), np.float16)
    )
    if condition == "video only":
        mono = np.zeros_like(mono)
    elif condition == "audio only":
        visual = np.zeros_like(visual)
    label = ds.index["label"][rows]
    tensors = {
        "mfcc_mono": mono,
        "frame": visual,
        "acoustic": acoustic,
        "label": label,
        "background": bg,
    }
    if acoustic is None:
        del tensors["acoustic"]
    if windows:
        tensors = {
            k: v.reshape(v.shape[0] // fps, fps, *v.shape[1:])
            for k, v in tensors.items()
        }
        tensors["label"] = tensors["label"][:, 0]
        tensors["background"] = tensors["background"][:, 0]
    return DictDataset(
        **{k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in tensors.items()}
    )


# --------------------------------------------------------------------------------
# generators
def train_generator(
    name: str,
    profile: str = "book",
    seed: int = 0,
    *,
    skips: int = 1,
    background: bool = True,
    condition: str = "audio+video",
    epochs: int | None = None,
    spatial_weight: float | None = None,
    train_seed: int | None = None,
    widths: str | None = None,
    frame_step: int | None = None,
    padding: str | None = None,
    flip: bool = False,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """A trained ``"uvae"``, ``"auvae"`` or ``"mcgan"`` (chapters 08-10), from the cache
    when present.

    ``skips`` (U-VAE and AU-VAE; MCGAN has none), ``background`` (train with
    background-noise samples) and ``condition`` (see :func:`generator_data`) select the
    variants of Tables V and VII. Trained on every ``frame_step``-th training frame,
    validated on the validation split; the best epoch by validation loss is kept.
    ``epochs`` overrides the profile's; ``spatial_weight`` overrides the profile's
    weight of the spatial loss term (0: the paper's loss; see
    :class:`~acousticlib.models.GeneratorConfig`). ``train_seed`` seeds the training
    alone (initialisation, batch order, the VAE's and MCGAN's draws) while ``seed``
    keeps choosing the dataset: repeated runs on the same data, for the spread over
    seeds of chapter 11 (``tools/training_seeds.py``); ``None`` means ``seed``.
    ``widths`` names the profile whose layer widths the generator (and the AU-VAE's and
    MCGAN's discriminator) takes -- e.g. ``"full"`` for the paper's 128/133 channels and
    latent 150 on the ``book`` profile's data -- while the visual trunk stays the data
    profile's; ``frame_step`` overrides the profile's (1: every training frame).
    ``None`` keeps the profile's own, and the same model (cache key) as without them.
    The appendix's scaling study (``tools/scaling_study.py``) uses both. ``padding``
    (``"zeros"`` or ``"reflect"``, see :class:`~acousticlib.models.GeneratorConfig`)
    and ``flip`` (train on :class:`MirroredFrames`) are the spatial measures the
    appendix compares (``tools/generator_measures.py``); ``None`` and ``False`` keep
    the chapters' model.
    """
    one_of("name", name, ("uvae", "auvae", "mcgan"))
    if train_seed is not None and (
        isinstance(train_seed, bool)
        or not isinstance(train_seed, (int, np.integer))
        or train_seed < 0
    ):
        raise ValueError(
            f"train_seed must be a non-negative integer or None; got {train_seed!r}"
        )
    one_of("skips", skips, (0, 1, 2))
    one_of("condition", condition, CONDITIONS)
    if not isinstance(flip, bool):
        raise TypeError(f"flip must be True or False; got {flip!r}")
    s = settings(profile)
    if frame_step is not None:
        positive("frame_step", frame_step, integer=True)
    step = s.frame_step if frame_step is None else int(frame_step)
    if name == "mcgan":
        skips = 0
    overrides: dict[str, Any] = (
        {} if spatial_weight is None else {"spatial_weight": spatial_weight}
    )
    if padding is not None:
        overrides["padding"] = one_of("padding", padding, PADDINGS)
    if widths is not None:
        check_profile(widths)
        sized = GeneratorConfig.for_profile(widths)
        overrides.update(
            enc_channels=sized.enc_channels,
            mid_channels=sized.mid_channels,
            latent=sized.latent,
            noise=sized.noise,
        )
        if name != "uvae":
            overrides["disc_channels"] = PROFILE_CHANNELS[widths]
    spec = model_spec(name, profile, skips=skips, **overrides)
    config = TrainConfig(
        epochs=s.generator_epochs if epochs is None else epochs,
        batch_size=s.generator_batch,
        lr=s.generator_lr,
        seed=seed if train_seed is None else int(train_seed),
        monitor="loss",
    )
    ds = camera_data(profile, seed, progress=progress)
    # built here (with its progress bar) when missing
    trunk_features(profile, seed, device=device, progress=progress)
    pre = pretrained_backbone(profile, seed, device=device, progress=False)
    data_key = joined_key(
        _key(ds),
        {
            "trunk": f"pretrained/{pre.path.name}",
            FEATURES_CODE_VERSION: None,
            "background": background,
            "condition": condition,
            "frame_step": step,
            **({"augmented": "mirror"} if flip else {}),
        },
    )

    def data() -> tuple[torch.utils.data.Dataset, DictDataset]:
        train, val = (
            generator_data(
                profile,
                seed,
                split,
                background=background,
                condition=condition,
                frame_step=step,
            )
            for split in ("train", "val")
        )
        return (MirroredFrames(train) if flip else train), val

    return train_cached(
        spec, data, None, config, data_key=data_key, device=device, progress=progress
    )


class MirroredFrames(torch.utils.data.Dataset):
    """The generators' training frames, each mirrored left-right with probability 1/2
    (the appendix).

    A mirrored item flips the trunk features ``frame`` ``(C, 12, 16)`` and the acoustic
    image ``(12, 36, 48)`` along their last (horizontal) axis; the tiled mono MFCC is
    the same everywhere and stays. The array sits at the camera, so a mirrored scene's
    acoustic image is the mirrored image; its trunk features are only approximately
    the mirrored features (the trunk is not exactly mirror-symmetric), which is what an
    augmentation of cached features costs. Draws come from torch's global generator,
    which :func:`acousticlib.training.fit` seeds per epoch.
    """

    def __init__(self, frames: DictDataset) -> None:
        if not isinstance(frames, DictDataset):
            raise TypeError(
                "frames must be a DictDataset (see generator_data); got "
                f"{type(frames).__name__}"
            )
        missing = {"frame", "acoustic"} - set(frames.tensors)
        if missing:
            raise ValueError(
                f"frames must hold 'frame' and 'acoustic'; missing {sorted(missing)}"
            )
        self.frames = frames

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = self.frames[i]
        if bool(torch.rand(()) < 0.5):
            item = {
                k: v.flip(-1) if k in ("frame", "acoustic") else v
                for k, v in item.items()
            }
        return item


def attach_trunk(
    model: torch.nn.Module, profile: str = "book", seed: int = 0
) -> torch.nn.Module:
    """Put chapter 07's pretrained trunk into a trained generator, so it takes camera
    frames directly.

    The generators are trained on precomputed trunk features; with the trunk attached
    they accept frames ``(B, 3, H, W)`` too (and still accept trunk features).
    ``model``: a trained generator network (or an adversarial pair holding one as
    ``.generator``). Returns ``model``.
    """
    gen = getattr(model, "generator", model)
    if getattr(gen, "backbone", None) is None:
        raise ValueError(
            "model must be a generator with a visual backbone to attach a trunk to"
        )
    pre = pretrained_backbone(profile, seed, progress=False)
    gen.backbone.trunk.load_state_dict(pre.model.backbone.trunk.state_dict())
    return model


def mean_training_image(profile: str = "book", seed: int = 0) -> torch.Tensor:
    """The mean of the normalised training targets, one frame per clip (the frames at 0
    s), ``(12, 36, 48)``.

    The baseline that knows nothing of the frame or the sound: chapter 08 (section 5)
    measures it, chapters 09 and 10 compare their generators with it
    (:func:`reference_errors`).
    """
    fps = int(camera_data(profile, seed, progress=False).meta["fps"])
    one = generator_data(
        profile, seed, "train", background=False, frame_step=fps, with_visual=False
    )
    return minmax_per_sample(one.tensors["acoustic"].float()).mean(dim=0)


def reference_errors(
    test: DictDataset,
    real: torch.Tensor,
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
) -> dict[str, float]:
    """Chapter 08's two references for a generator's MSE on the frames ``test``, whose
    normalised targets are ``real`` ``(N, 12, 36, 48)`` (e.g.
    ``metrics.generate(...)["real"]``).

    ``"paper_loss"``: the U-VAE with one skip trained with the paper's loss (no where
        term; from
    the cache, or trained now); ``"mean_image"``: :func:`mean_training_image`. Chapters
    09 and 10.
    """
    if len(test) != len(real):  # type: ignore[arg-type]
        raise ValueError(
            f"real must hold one target per frame of test ({len(test)}); got "
            f"{len(real)}"
        )  # type: ignore[arg-type]
    paper = train_generator(
        "uvae",
        profile,
        seed,
        skips=1,
        spatial_weight=0.0,
        device=device,
        progress=False,
    )
    # chunk by chunk against the targets of test (the same images as real): no generated
    # set is held
    return {
        "paper_loss": evaluate_generator(paper.model, test, seed=seed, device=device)[
            "mse"
        ],
        "mean_image": mse(mean_training_image(profile, seed).expand_as(real), real),
    }


def generator_test_scores(
    model: torch.nn.Module,
    profile: str = "book",
    seed: int = 0,
    *,
    per_clip: bool = False,
    condition: str = "audio+video",
    device: str = "cpu",
) -> dict[str, Any]:
    """A trained generator's headline scores on the sound frames of the test split
    (chapter 11's measures).

    ``"mse"``: the mean pixel error against the normalised real images
    (:func:`metrics.evaluate_generator`); ``"iou_success"``: the share of frames whose
    energy map has IoU > 0.5 with the real one (Table V's score); ``"auc"``: the AUC of
    those IoUs' success curve (Table IV's convention); ``"peak_in_box"``: the share of
    frames whose energy peaks in a true source box; ``"peak_near_border"``: the share
    whose energy peaks within 2 cells of the grid's edge
    (:func:`metrics.peak_near_border`); ``"frames"``: how many frames were
    scored. With ``per_clip`` also ``"clip_mse"`` and ``"clip_iou_success"``: lists of
    the same two scores over the frames of each test clip (in clip order), the unit of
    independent evidence for comparing two models on the same clips. ``condition``: what
    the model is given at test time, as in training (a video-only model gets no audio;
    :func:`generator_data`). Used by the tools that train many runs
    (``tools/training_seeds.py``, ``tools/scaling_study.py``) and by the appendix.
    """
    one_of("condition", condition, CONDITIONS)
    ds = camera_data(profile, seed, progress=False)
    test = generator_data(profile, seed, "test", background=False, condition=condition)
    rows = ds.frames_of("test", include_background=False)
    real_energy = energy_maps(minmax_per_sample(test.tensors["acoustic"].float()))
    record = evaluate_generator(model, test, seed=seed, device=device)
    ious = energy_iou(record["energy"], real_energy)
    cam = Camera().resized(ds.config.height, ds.config.width)
    box = box_mask(ds.array("boxes")[rows], cam.grid_pixel_centres())
    scores: dict[str, Any] = {
        "mse": float(record["mse"]),
        "iou_success": float(np.mean(ious > 0.5)),
        "auc": float(success_auc(ious)),
        "peak_in_box": float(peak_in_mask(record["energy"], box).mean()),
        "peak_near_border": float(peak_near_border(record["energy"]).mean()),
        "frames": int(len(rows)),
    }
    if per_clip:
        clip = np.unique(ds.index["clip"][rows], return_inverse=True)[1]
        count = np.bincount(clip)
        scores["clip_mse"] = (
            np.bincount(clip, weights=record["frame_mse"]) / count
        ).tolist()
        scores["clip_iou_success"] = (
            np.bincount(clip, weights=(ious > 0.5).astype(float)) / count
        ).tolist()
    return scores


# -------------------------------------------------------------------------------
# classifiers
def classifier_windows(
    source: str,
    split: str,
    profile: str = "book",
    seed: int = 0,
    generators: Mapping[str, torch.nn.Module] | None = None,
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """1-s windows ``(N, 12, 12, 36, 48)`` float16 in [0, 1] and labels ``(N,)`` of
    sound clips of ``split``.

    ``source``: ``"real"`` (min-max normalised acoustic images), ``"tiled"`` (the
        tiled-MFCC
    baseline) or a generator name (its output, z drawn from ``seed`` for MCGAN); a
    generator is taken from ``generators[source]`` if given, else from
    :func:`train_generator`.
    """
    one_of("source", source, CLASSIFIER_SOURCES)
    data = generator_data(
        profile,
        seed,
        split,
        windows=True,
        background=False,
        with_visual=False,
        with_acoustic=source == "real",
    )
    labels = data.tensors["label"]
    if source == "real":
        # this call's own copy (float16): normalised in place, in chunks
        out = data.tensors["acoustic"]
        # no float32 copy of the whole split, no second float16 one
        for a in range(0, len(out), 64):
            x = out[a : a + 64]
            x.copy_(
                minmax_per_sample(x.reshape(-1, *x.shape[2:]).float()).reshape(x.shape)
            )
    elif source == "tiled":
        mono = data.tensors["mfcc_mono"]
        out = torch.empty(
            (*mono.shape[:-1], mono.shape[-1], *GRID_SHAPE), dtype=torch.float16
        )
        # tiled in chunks: no float32 copy of the whole split
        for a in range(0, len(mono), 64):
            out[a : a + 64] = tile_mfcc(mono[a : a + 64])
    else:
        model = (generators or {}).get(source) or train_generator(
            source, profile, seed, device=device, progress=False
        ).model
        dev = resolve_device(device)
        # one stream of z over the parts
        rng = torch.Generator(device=dev).manual_seed(int(seed))
        out = torch.empty(
            (*data.tensors["mfcc_mono"].shape, *GRID_SHAPE), dtype=torch.float16
        )
        # 64 windows at a time: never all trunk features at once
        for a in range(0, len(labels), 64):
            part = generator_data(
                profile,
                seed,
                split,
                windows=True,
                background=False,
                with_acoustic=False,
                part=slice(a, a + 64),
            )
            out[a : a + 64] = generate(
                model,
                part,
                batch_size=4,
                device=dev,
                rng=rng,
                keep=("generated",),
                dtype=torch.float16,
            )["generated"]
    # half the memory; DualCamNet computes in float32
    return out.to(torch.float16), labels


#: How GAN-test's judge (DualCamNet on real windows; chapter 11) is trained, per
#: profile: long enough to fit, the learning rate decaying along a cosine, the best
#: epoch by validation loss (smoother than the accuracy of 120 windows), light weight
#: decay, and augmented windows (:class:`JudgeWindows`). The book profile's judge is
#: trained once by ``tools/train_judge.py`` and shipped (:func:`judge_weights`).
JUDGE_TRAINING: dict[str, dict[str, Any]] = {
    "smoke": dict(epochs=2, batch_size=16, lr=2e-3),
    "book": dict(epochs=30, batch_size=16, lr=2e-3),
    "full": dict(epochs=60, batch_size=16, lr=1e-3),
}


#: Windows :class:`JudgeWindows` draws per epoch for each fixed one-second window of a
#: recording.
JUDGE_DRAWS = 2


def judge_config(profile: str = "book", seed: int = 0) -> TrainConfig:
    """The :class:`TrainConfig` of GAN-test's judge for ``profile``
    (:data:`JUDGE_TRAINING`)."""
    return TrainConfig(
        **JUDGE_TRAINING[check_profile(profile)],
        seed=seed,
        monitor="loss",
        lr_schedule="cosine",
        weight_decay=1e-4,
    )


def judge_weights(profile: str = "book", seed: int = 0) -> str:
    """Name of the judge's shipped weights (``acousticlib/data/weights/<name>``) for
    ``profile`` and ``seed``."""
    return f"judge-{check_profile(profile)}-seed{int(seed)}"


class JudgeWindows(torch.utils.data.Dataset):
    """Augmented 1-s training windows of real acoustic images: the judge's training set
    (chapter 11).

    Holds every sound recording of ``split`` as its ``(R, F, 12, 36, 48)`` frames
    (float16, each frame min-max normalised as :func:`classifier_windows` does). Item
    ``i`` is a window of 12 consecutive frames of recording ``i // per_recording``
    starting at a random frame, mirrored left-right with probability 1/2 (a sound's
    class does not depend on its direction): an epoch draws ``per_recording`` windows of
    each recording, ``draws`` times as many as its fixed one-second windows. The draws
    come from torch's global generator, which :func:`acousticlib.training.fit` seeds per
    epoch, so a run is repeatable.
    """

    def __init__(
        self,
        profile: str = "book",
        seed: int = 0,
        split: str = "train",
        *,
        draws: int = JUDGE_DRAWS,
    ) -> None:
        one_of("split", split, datasets.SPLITS)
        draws = positive("draws", draws, integer=True)
        ds = camera_data(profile, seed, progress=False)
        rows = ds.frames_of(split, include_background=False)
        rec = ds.index["recording"][rows]
        # recording by recording, frames in time order
        order = np.lexsort((ds.index["frame"][rows], rec))
        rows, counts = rows[order], np.unique(rec, return_counts=True)[1]
        if counts.min() != counts.max():
            raise ValueError(
                f"recordings of split {split!r} differ in length: "
                f"{sorted(set(counts.tolist()))} frames"
            )
        self.fps, frames = int(ds.meta["fps"]), int(counts[0])
        x = torch.from_numpy(ds.read("acoustic", rows).astype(np.float16, copy=False))
        # normalised in place, in chunks: no float32 copy of the split
        for a in range(0, len(x), 256):
            x[a : a + 256] = minmax_per_sample(x[a : a + 256].float())
        self.frames = x.reshape(len(counts), frames, *x.shape[1:])
        self.labels = torch.from_numpy(
            ds.index["label"][rows[::frames]].astype(np.int64)
        )
        self.per_recording = draws * (frames // self.fps)

    def __len__(self) -> int:
        return len(self.frames) * self.per_recording

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        r = int(i) // self.per_recording
        start = int(torch.randint(0, self.frames.shape[1] - self.fps + 1, (1,)))
        window = self.frames[r, start : start + self.fps]
        if bool(torch.rand(()) < 0.5):
            window = window.flip(-1)
        return {"acoustic": window, "label": self.labels[r]}


def classifier_data_key(
    source: str, profile: str = "book", seed: int = 0, *, device: str = "cpu"
) -> str:
    """The string naming a classifier's training data in its cache key
    (:func:`train_classifier`)."""
    one_of("source", source, CLASSIFIER_SOURCES)
    ds = camera_data(profile, seed, progress=False)
    fields: dict[str, Any] = {"windows": source}
    if source == "real":
        fields.update(augmented="random-start+mirror", draws=JUDGE_DRAWS)
    elif source != "tiled":
        gen = train_generator(source, profile, seed, device=device, progress=False)
        fields["generator"] = gen.path.name
    return joined_key(_key(ds), fields)


def train_classifier(
    source: str = "real",
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
    retrain: bool = False,
) -> TrainedModel:
    """A DualCamNet trained on 1-s windows from ``source`` (see
    :func:`classifier_windows`), cached.

    ``"real"`` is GAN-test's judge, trained as :func:`judge_config` says and validated
    on the real validation windows' loss; when weights shipped with the package
    (:func:`judge_weights`) carry this judge's cache key (same dataset key, model and
    training configuration) they are loaded instead of training. ``retrain``: train
    here, in a cache entry of its own, whatever is shipped or cached (any source). The
    others are GAN-train's classifiers, trained with the profile's :data:`SETTINGS` and
    validated on the same source's validation windows (best epoch by accuracy).
    """
    one_of("source", source, CLASSIFIER_SOURCES)
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False; got {retrain!r}")
    s = settings(profile)
    camera_data(profile, seed, progress=progress)
    spec = model_spec("dualcamnet", profile, num_classes=len(CLASSES), batch_norm=True)
    if source == "real":
        config = judge_config(profile, seed)
    else:
        config = TrainConfig(
            epochs=s.classifier_epochs,
            batch_size=s.classifier_batch,
            lr=s.classifier_lr,
            seed=seed,
            monitor="accuracy",
        )
        if source != "tiled":
            train_generator(source, profile, seed, device=device, progress=progress)
    data_key = classifier_data_key(source, profile, seed, device=device)
    weights = (
        shipped(judge_weights(profile, seed))
        if source == "real" and not retrain
        else None
    )
    # an entry of its own: never the shipped weights, nor a cached copy of them
    if retrain:
        data_key = joined_key(data_key, {"retrained": None})

    def data() -> tuple[torch.utils.data.Dataset, DictDataset]:
        val = DictDataset(
            **dict(
                zip(
                    ("acoustic", "label"),
                    classifier_windows(source, "val", profile, seed, device=device),
                    strict=False,
                )
            )
        )
        if source == "real":
            return JudgeWindows(profile, seed, "train"), val
        return DictDataset(
            **dict(
                zip(
                    ("acoustic", "label"),
                    classifier_windows(source, "train", profile, seed, device=device),
                    strict=False,
                )
            )
        ), val

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


__all__ = [
    "BACKGROUND_LABEL",
    "CLASSIFIER_SOURCES",
    "CONDITIONS",
    "JudgeWindows",
    "MirroredFrames",
    "classifier_data_key",
    "CROP_SIZE",
    "FEATURES_CODE_VERSION",
    "JUDGE_TRAINING",
    "SETTINGS",
    "Settings",
    "attach_trunk",
    "camera_data",
    "dataset_variant",
    "classifier_windows",
    "generator_data",
    "generator_test_scores",
    "clip_frames",
    "dataset_frame_digests",
    "frame_digests",
    "judge_config",
    "judge_weights",
    "load_trunk_weights",
    "object_crops",
    "pretrained_backbone",
    "settings",
    "train_classifier",
    "train_generator",
    "trunk_features",
]
