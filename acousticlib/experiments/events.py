"""Chapter 16: the event clips' per-segment features from frozen extractors.

The event localizer (:class:`~acousticlib.models.EventLocalizer`) reads, per 1-s
segment of a 10-s clip (:func:`~acousticlib.datasets.event_dataset`), a visual feature
map and an audio embedding, as Ramaswamy and Das read VGG-19 maps and VGGish
embeddings. Here both come from the book's own networks, frozen, pre-computed and
cached split by split:

* the visual maps ``(N, 10, C, 12, 16)`` float16: chapter 07's trunk
  (:func:`~acousticlib.experiments.pretrained_backbone`, which chapter 13 names the
  ``"camera"`` trunk) over each segment's frame (:func:`event_visual_features`);
* the audio embeddings ``(N, 10, D)`` float32: chapter 13's VGGish-like spectrogram
  CNN (:class:`~acousticlib.models.SpectrogramCNN`, shipped for the book profile) over
  each segment's 12 288 samples (:func:`event_audio_features`).

:func:`event_inputs` gathers them with the segment and clip labels into the batches
the tasks of :mod:`acousticlib.training` read (``"visual"``, ``"audio"``,
``"labels"``, ``"label"``). Either extractor can be passed in (a
``(network, source)`` pair, ``source`` naming its weights in the cache key), e.g. a
randomly initialised trunk in a smoke test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import datasets
from .._checks import one_of, positive
from ..cache import cached
from ..datasets import SPLITS, EventDataset
from ..runtime import check_profile, resolve_device
from ..training import DictDataset
from .arrayfree import arrayfree_backbone, train_arrayfree_classifier
from .camera import dataset_trunk_features

#: Bump when what :func:`event_audio_features` writes changes.
EVENT_FEATURES_CODE_VERSION = "event-audio-1"


def event_data(
    profile: str = "book", seed: int = 0, *, progress: bool = True, workers: int = 2
) -> EventDataset:
    """Chapter 16's event clips of ``profile`` and ``seed``
    (:func:`~acousticlib.datasets.event_dataset`), from the cache; built in
    ``workers`` processes when missing."""
    check_profile(profile)
    return datasets.event_dataset(
        datasets.event_config(profile, seed=seed), workers=workers, progress=progress
    )


class _Frames:
    """The frames of an event dataset as :func:`dataset_trunk_features` reads a
    dataset's: ``folder``, ``len()`` (frames) and ``read("frames", rows)``."""

    def __init__(self, ds: EventDataset) -> None:
        self.folder = ds.folder
        self._ds = ds

    def __len__(self) -> int:
        return len(self._ds) * datasets.SEGMENTS

    def read(self, name: str, rows: Any = None) -> np.ndarray:
        return self._ds.read(name, rows)


def _check(ds: Any, split: str) -> np.ndarray:
    if not isinstance(ds, EventDataset):
        raise TypeError(f"ds must be an EventDataset; got {type(ds).__name__}")
    one_of("split", split, SPLITS)
    clips = ds.clips_of(split)
    if clips.size == 0:
        raise ValueError(f"split {split!r} of this event dataset has no clips")
    return clips


def event_visual_features(
    ds: EventDataset,
    split: str,
    backbone: torch.nn.Module,
    source: str,
    *,
    batch_size: int = 8,
    device: str = "cpu",
    progress: bool = True,
) -> np.ndarray:
    """Trunk features ``(n, 10, C, 12, 16)`` float16 of the segment frames of the
    ``n`` clips of ``split`` (clip order of
    :meth:`~acousticlib.datasets.EventDataset.clips_of`), through ``backbone``'s trunk
    (a
    :class:`~acousticlib.models.VisualBackbone`, frozen), memory-mapped, cached under
    ``source`` (a string naming its weights) by :func:`dataset_trunk_features`
    (identical frames computed once, ``batch_size`` frames at a time). Chapter 16."""
    clips = _check(ds, split)
    positive("batch_size", batch_size, integer=True)
    rows = (clips[:, None] * datasets.SEGMENTS + np.arange(datasets.SEGMENTS)).ravel()
    feats = dataset_trunk_features(
        _Frames(ds),  # type: ignore[arg-type]
        backbone,
        source,
        rows=rows,
        batch_size=batch_size,
        device=device,
        progress=progress,
    )
    return feats.reshape(len(clips), datasets.SEGMENTS, *feats.shape[1:])


def event_audio_features(
    ds: EventDataset,
    split: str,
    model: torch.nn.Module,
    source: str,
    *,
    batch_size: int = 4,
    device: str = "cpu",
    progress: bool = True,
) -> np.ndarray:
    """Embeddings ``(n, 10, D)`` float32 of the 1-s segments of the ``n`` clips of
    ``split`` through ``model.embed`` (chapter 13's
    :class:`~acousticlib.models.SpectrogramCNN`, frozen, in eval mode), memory-mapped,
    cached under ``source`` (a string naming its weights); ``batch_size`` clips at a
    time. Chapter 16."""
    from tqdm.auto import tqdm

    clips = _check(ds, split)
    batch_size = positive("batch_size", batch_size, integer=True)
    if not callable(getattr(model, "embed", None)):
        raise TypeError(
            f"model must have an embed(audio) method (a SpectrogramCNN); got "
            f"{type(model).__name__}"
        )
    T = datasets.SEGMENTS

    def build(folder: Path) -> None:
        dev = resolve_device(device)
        was_training = model.training
        model.to(dev).eval()
        width = None
        part = folder / "embeddings.tmp"
        try:
            with open(part, "wb") as f, torch.no_grad():
                for a in tqdm(
                    range(0, len(clips), batch_size),
                    disable=not progress,
                    desc="audio embeddings",
                    unit="batch",
                ):
                    audio = ds.read("audio", clips[a : a + batch_size])
                    x = torch.from_numpy(audio.reshape(len(audio) * T, -1))
                    e = model.embed(x.to(dev)).float().cpu().numpy()
                    width = e.shape[-1]
                    f.write(np.ascontiguousarray(e, np.float32).tobytes())
        finally:
            model.train(was_training)
        with datasets.write_npy_stream(
            folder / "embeddings.npy", (len(clips), T, width), np.float32
        ) as out:
            out.write(part.read_bytes())
        part.unlink()

    folder = cached(
        "event_audio_features",
        {"dataset": f"event_dataset/{ds.folder.name}", "split": split, "model": source},
        build,
        code_version=EVENT_FEATURES_CODE_VERSION,
    )
    return np.load(folder / "embeddings.npy", mmap_mode="r")


def event_extractors(
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> tuple[tuple[torch.nn.Module, str], tuple[torch.nn.Module, str]]:
    """The book's frozen extractors and the strings naming their weights:
    ``((backbone, visual_source), (spectrogram_cnn, audio_source))``.

    The visual one is chapter 07's pretrained backbone (chapter 13's ``"camera"``
    trunk, :func:`~acousticlib.experiments.arrayfree_backbone`: trained from the camera
    dataset's cache); the audio one chapter 13's spectrogram CNN
    (:func:`~acousticlib.experiments.train_arrayfree_classifier`, shipped for the book
    profile, else trained on the array-free domain). Chapter 16.
    """
    backbone, visual = arrayfree_backbone(
        "camera", profile, seed, device=device, progress=progress
    )
    cnn = train_arrayfree_classifier(
        "spectrogram", profile, seed, device=device, progress=progress
    )
    return (backbone, visual), (cnn.model, f"spectrogram/{cnn.path.name}")


def event_inputs(
    split: str,
    profile: str = "book",
    seed: int = 0,
    *,
    visual: tuple[torch.nn.Module, str] | None = None,
    audio: tuple[torch.nn.Module, str] | None = None,
    ds: EventDataset | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> DictDataset:
    """The event localizer's inputs for the clips of ``split`` (chapter 16): a
    :class:`~acousticlib.training.DictDataset` of ``"visual"`` ``(n, 10, C, 12, 16)``
    float16, ``"audio"`` ``(n, 10, D)`` float32, ``"labels"`` ``(n, 10)`` (segment
    classes, 10 = background: the supervised task) and ``"label"`` ``(n,)`` (the
    clip's class: the weakly supervised task).

    ``visual``/``audio``: ``(network, source)`` extractors (default:
    :func:`event_extractors`); ``ds``: the event dataset (default: :func:`event_data`
    of ``profile`` and ``seed``). The features are cached per split.
    """
    if ds is None:
        ds = event_data(profile, seed, progress=progress)
    if visual is None or audio is None:
        v, a = event_extractors(profile, seed, device=device, progress=progress)
        visual, audio = visual or v, audio or a
    clips = _check(ds, split)
    fv = event_visual_features(ds, split, *visual, device=device, progress=progress)
    fa = event_audio_features(ds, split, *audio, device=device, progress=progress)
    return DictDataset(
        visual=torch.from_numpy(np.array(fv)),
        audio=torch.from_numpy(np.array(fa)),
        labels=torch.from_numpy(ds.labels[clips].astype(np.int64)),
        label=torch.from_numpy(ds.index["label"][clips].astype(np.int64)),
    )
