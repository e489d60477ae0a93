"""The classifiers of chapter 11: DualCamNet over 1-s windows.

The windows a classifier learns from, real, tiled-MFCC or generated
(:func:`classifier_windows`); GAN-test's judge, trained on augmented real windows
(:class:`JudgeWindows`, :data:`JUDGE_TRAINING`, :func:`judge_config`) and shipped with
the package (:func:`judge_weights`); the cached classifiers themselves
(:func:`train_classifier`) and the string naming their training data in the cache key
(:func:`classifier_data_key`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from .. import datasets
from .._checks import one_of, positive
from ..cache import joined_key
from ..datasets import CLASSES
from ..features import GRID_SHAPE
from ..metrics import generate
from ..models import minmax_per_sample, model_spec, tile_mfcc
from ..runtime import check_profile, resolve_device
from ..training import DictDataset, TrainConfig, TrainedModel, shipped, train_cached
from .camera import _key, camera_data, settings
from .generators import generator_data, train_generator

#: Where a classifier's training windows come from (chapter 11).
CLASSIFIER_SOURCES: tuple[str, ...] = ("real", "tiled", "uvae", "auvae", "mcgan")


# -------------------------------------------------------------------------- classifiers
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
    tiled-MFCC baseline) or a generator name (its output, z drawn from ``seed`` for
    MCGAN); a generator is taken from ``generators[source]`` if given, else from
    :func:`train_generator`.
    """
    one_of("source", source, CLASSIFIER_SOURCES)
    if source == "real":
        return _real_windows(split, profile, seed)
    data = generator_data(
        profile,
        seed,
        split,
        windows=True,
        background=False,
        with_visual=False,
        with_acoustic=False,
    )
    labels = data.tensors["label"]
    if source == "tiled":
        out = tiled_windows(data.tensors["mfcc_mono"])
    else:
        model = (generators or {}).get(source) or train_generator(
            source, profile, seed, device=device, progress=False
        ).model
        out = generated_windows(
            model,
            lambda part: generator_data(
                profile,
                seed,
                split,
                windows=True,
                background=False,
                with_acoustic=False,
                part=part,
            ),
            len(labels),
            seed=seed,
            device=device,
        )
    # half the memory; DualCamNet computes in float32
    return out.to(torch.float16), labels


def tiled_windows(mono: torch.Tensor) -> torch.Tensor:
    """The tiled-MFCC baseline ``(N, 12, 12, 36, 48)`` float16 of mono MFCC windows
    ``(N, 12, 12)``: each frame's vector copied to every cell of the grid, tiled 64
    windows at a time (no float32 copy of the whole split). Chapters 11 and 13."""
    out = torch.empty(
        (*mono.shape[:-1], mono.shape[-1], *GRID_SHAPE), dtype=torch.float16
    )
    for a in range(0, len(mono), 64):
        out[a : a + 64] = tile_mfcc(mono[a : a + 64])
    return out


def generated_windows(
    model: torch.nn.Module,
    part_of: Callable[[slice], DictDataset],
    n: int,
    *,
    seed: int = 0,
    device: str = "cpu",
) -> torch.Tensor:
    """A generator's 1-s windows ``(n, 12, 12, 36, 48)`` float16 of ``n`` conditions,
    generated 64 windows at a time: ``part_of(slice(a, a + 64))`` gives the conditions
    (``mfcc_mono`` and trunk features ``frame``) of windows ``a`` to ``a + 64``, so that
    no split's trunk features are ever all in memory. One stream of z from ``seed``
    runs over the parts (MCGAN's draws; the VAEs use their means). Chapters 11 and 13.
    """
    n = positive("n", n, integer=True)
    dev = resolve_device(device)
    rng = torch.Generator(device=dev).manual_seed(int(seed))
    out: torch.Tensor | None = None
    for a in range(0, n, 64):
        got = generate(
            model,
            part_of(slice(a, a + 64)),
            batch_size=4,
            device=dev,
            rng=rng,
            keep=("generated",),
            dtype=torch.float16,
        )["generated"]
        if out is None:
            out = torch.empty((n, *got.shape[1:]), dtype=torch.float16)
        out[a : a + len(got)] = got
    assert out is not None
    return out


def _minmax_frames_(x: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """Min-max normalise each acoustic image ``(12, 36, 48)`` of ``x`` ``(..., 12, 36,
    48)`` float16 to [0, 1], in place, ``chunk`` images at a time (no float32 copy of
    the whole set); returns ``x``."""
    frames = x.view(-1, *x.shape[-3:])
    for a in range(0, len(frames), chunk):
        f = frames[a : a + chunk]
        f.copy_(minmax_per_sample(f.float()))
    return x


def _real_windows(
    split: str, profile: str = "book", seed: int = 0, *, part: slice | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The real 1-s windows of :func:`classifier_windows` (``source="real"``): ``(N,
    12, 12, 36, 48)`` float16, each acoustic image min-max normalised to [0, 1], and
    labels ``(N,)``, of the sound clips of ``split`` (``part``: a slice of them, as in
    :func:`generator_data`). Chapters 11 and 12."""
    data = generator_data(
        profile,
        seed,
        split,
        windows=True,
        background=False,
        with_visual=False,
        with_acoustic=True,
        part=part,
    )
    # this call's own copy (float16): normalised in place, in chunks
    return _minmax_frames_(data.tensors["acoustic"]), data.tensors["label"]


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


#: How GAN-test's judge deviates from the papers' DualCamNet (chapter 11): overrides of
#: ``model_spec("dualcamnet", ...)`` (:func:`judge_spec`), e.g. ``pool="attention"``
#: or ``dropout=0.3`` (:class:`~acousticlib.models.DualCamNet`). Empty: the papers'
#: network, average pooling, as GAN-train's classifiers and every other DualCamNet;
#: a deviation enters the judge's cache key and needs its weights shipped anew
#: (``tools/train_judge.py``).
JUDGE_MODEL: dict[str, Any] = {}


def judge_spec(profile: str = "book") -> dict[str, Any]:
    """The model spec of GAN-test's judge for ``profile``: DualCamNet at the profile's
    widths with batch normalization and :data:`JUDGE_MODEL`'s deviations (chapter
    11)."""
    return model_spec(
        "dualcamnet",
        check_profile(profile),
        num_classes=len(CLASSES),
        batch_norm=True,
        **JUDGE_MODEL,
    )


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
        x = _minmax_frames_(x)
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
    precision: str = "fp32",
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
    ``precision``: ``TrainConfig.precision`` of this classifier (``"bf16"``, on CUDA,
    is a model of its own, never the shipped judge; a generator it reads stays fp32).
    """
    one_of("source", source, CLASSIFIER_SOURCES)
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False; got {retrain!r}")
    s = settings(profile)
    camera_data(profile, seed, progress=progress)
    if source == "real":
        spec = judge_spec(profile)
        config = judge_config(profile, seed)
    else:
        spec = model_spec(
            "dualcamnet", profile, num_classes=len(CLASSES), batch_norm=True
        )
        config = TrainConfig(
            epochs=s.classifier_epochs,
            batch_size=s.classifier_batch,
            lr=s.classifier_lr,
            seed=seed,
            monitor="accuracy",
        )
        if source != "tiled":
            train_generator(source, profile, seed, device=device, progress=progress)
    config = dataclasses.replace(config, precision=precision)
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
