"""The camera dataset and chapter 07's visual trunk, as the later chapters use them.

The experiments' sizes per profile (:class:`Settings`, :data:`SETTINGS`,
:func:`settings`); the simulated Dual Cam dataset of chapter 06 (:func:`camera_data`,
run on a variant with :func:`dataset_variant`); chapter 07's pretrained backbone
(:func:`pretrained_backbone`, :func:`load_trunk_weights`; trained on the object crops
of :mod:`acousticlib.datasets.crops`, re-exported here) and the frozen trunk's cached
features of every frame (:func:`trunk_features`, :func:`frame_digests`,
:func:`dataset_frame_digests`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import datasets
from ..cache import cached, file_sha256, joined_key
from ..datasets import CLASSES, SimulatedDataset
from ..datasets.crops import (
    CROP_SIZE,
    clip_frames,
    object_crops,
)
from ..models import model_spec
from ..runtime import check_profile, heap_for_speed, resolve_device
from ..training import DictDataset, TrainConfig, TrainedModel, train_cached

#: Bump when what :func:`trunk_features` writes changes.
FEATURES_CODE_VERSION = "trunk-features-2"


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


# ---------------------------------------------------------------------- visual backbone
def _crop_set(ds: SimulatedDataset, rows: np.ndarray, seed: int) -> DictDataset:
    crops, labels = object_crops(ds, rows, background_seed=seed)
    return DictDataset(frame=crops, label=labels)


def pretrained_backbone(
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
    precision: str = "fp32",
) -> TrainedModel:
    """Chapter 07's object classifier (backbone + pooling + linear), trained on the
    dataset's frames.

    The whole ResNet trunk learns (it starts from random weights: nothing is downloaded)
    to name the class of the sounding object in :func:`object_crops` of
    ``pretrain_frames_per_clip`` frames of every training clip, or "background" (label
    :data:`BACKGROUND_LABEL`) for a crop of the same frame away from the sources, with
    the validation accuracy choosing the best epoch. ``.model.backbone`` is the backbone
    the generators use, frozen; ``.model.class_map(frames)`` shows where in a whole
    frame it sees each class. ``precision``: ``TrainConfig.precision`` (``"bf16"``,
    on CUDA, is a model of its own; the generators read the fp32 one).
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
        precision=precision,
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

    return dataset_trunk_features(
        ds, backbone, source, batch_size=batch_size, device=device, progress=progress
    )


def _rows_digest(rows: np.ndarray) -> str:
    return hashlib.blake2b(rows.tobytes(), digest_size=16).hexdigest()


def dataset_trunk_features(
    ds: SimulatedDataset,
    backbone: torch.nn.Module,
    source: str,
    *,
    rows: np.ndarray | None = None,
    batch_size: int = 32,
    device: str = "cpu",
    progress: bool = True,
) -> np.ndarray:
    """Features ``(F, C, 12, 16)`` float16 of every frame of ``ds`` through the trunk of
    ``backbone`` (a :class:`~acousticlib.models.VisualBackbone`), memory-mapped, cached
    under ``source`` (a string naming the trunk's weights, part of the key).

    ``rows``: only these frames (dataset rows ``(F',)``), the features then ``(F', C,
    12, 16)`` in their order, cached under the rows too: a chapter that needs one split
    computes no other. :func:`trunk_features` is this on the whole camera dataset;
    chapter 13 runs the camera trunk, or a trunk fine-tuned there, over the array-free
    domain's frames, split by split.
    """
    from tqdm.auto import tqdm

    picked = None if rows is None else np.asarray(rows, np.int64).reshape(-1)
    if picked is not None and (
        picked.size == 0 or picked.min() < 0 or picked.max() >= len(ds)
    ):
        raise ValueError(
            f"rows must be a non-empty array of frame rows in [0, {len(ds)}); got "
            f"{picked.size} rows"
        )

    def build(folder: Path) -> None:
        if picked is None:
            n, digests = len(ds), dataset_frame_digests(ds)
        else:
            n = picked.size
            digests = np.concatenate(
                [
                    frame_digests(ds.read("frames", picked[a : a + 512]))
                    for a in range(0, n, 512)
                ]
            )
        _, first, inverse = np.unique(digests, return_index=True, return_inverse=True)
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
                part = order[a : a + batch_size]
                x = (
                    torch.from_numpy(
                        ds.read("frames", part if picked is None else picked[part])
                    )
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
            **({} if picked is None else {"rows": _rows_digest(picked)}),
        },
        build,
        code_version=FEATURES_CODE_VERSION,
    )
    return np.load(folder / "features.npy", mmap_mode="r")
