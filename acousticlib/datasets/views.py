"""Torch views of a dataset (``FrameDataset``, ``WindowDataset``), made on first use
so that importing the dataset package does not import torch."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _checks
from .config import FPS, MODALITIES
from .store import SimulatedDataset


class _View:
    """Shared by the torch views: split selection, modality checks, tensor
    conversion."""

    def _setup(
        self,
        dataset: SimulatedDataset,
        split: str | None,
        modalities: Sequence[str],
        include_background: bool,
    ) -> None:
        if not isinstance(dataset, SimulatedDataset):
            raise TypeError(
                f"dataset must be a SimulatedDataset (from camera_dataset); got "
                f"{type(dataset).__name__}"
            )
        if isinstance(modalities, str):
            raise TypeError(
                "modalities must be a sequence of names, e.g. ['acoustic']; got a "
                "string"
            )
        if not modalities:
            raise ValueError(f"modalities must name at least one of {MODALITIES}")
        for m in modalities:
            _checks.one_of("modalities", m, MODALITIES)
        if "power" in modalities and not dataset.config.keep_power:
            raise ValueError(
                "modality 'power' needs a dataset built with keep_power=True"
            )
        self.dataset = dataset
        self.split = split
        self.modalities = tuple(modalities)
        self.include_background = bool(include_background)


def _as_tensors(sample: dict[str, Any]) -> dict[str, Any]:
    import torch

    out: dict[str, Any] = {}
    for k, v in sample.items():
        if isinstance(v, bool):
            out[k] = torch.tensor(v)
        else:
            out[k] = (
                torch.from_numpy(np.ascontiguousarray(v))
                if isinstance(v, np.ndarray)
                else torch.tensor(v)
            )
    return out


class _FrameView(_View):
    """One frame per item, as a dict of tensors (the data contract of chapter 06).

    ``"frame"`` float32 ``(3, H, W)`` in [0, 1]; ``"audio"`` float32 ``(1024,)``
    (pascals); ``"mfcc_mono"`` float32 ``(12,)``; ``"acoustic"`` float32 ``(12, 36,
    48)`` MFCC image; ``"power"`` float32 ``(36, 48, 512)`` (if stored); ``"boxes"``
    float32 ``(S, 4)``; ``"context"`` float32 ``(N,)`` the whole recording's mono audio
    (spectrogram models); always ``"label"`` int64 (``-1`` for background-only),
    ``"clip"``, ``"location"`` int64 and ``"background"`` bool. ``modalities`` picks
    what is loaded (one view per modality: ``FrameDataset(ds, "train", ["acoustic"])``);
    background-only frames are left out unless ``include_background``.
    """

    def __init__(
        self,
        dataset: SimulatedDataset,
        split: str | None = "train",
        modalities: Sequence[str] = ("frame", "audio", "mfcc_mono", "acoustic"),
        *,
        include_background: bool = False,
    ) -> None:
        self._setup(dataset, split, modalities, include_background)
        self.rows = dataset.frames_of(split, include_background=include_background)

    def __len__(self) -> int:
        return int(self.rows.size)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} frames")
        return _as_tensors(self.dataset.sample(int(self.rows[i]), self.modalities))


class _WindowView(_View):
    """Temporal windows of ``seconds`` (1 s = 12 frames, 2 s = 24) within one recording.

    Items have the keys of :class:`FrameDataset` with a leading T axis on per-frame
    arrays (``"acoustic"`` ``(T, 12, 36, 48)``, ``"frame"`` ``(T, 3, H, W)``, ...),
    ``"label"``, ``"location"`` scalars and ``"clip"`` the window's first clip. Windows
    start every ``hop_seconds`` seconds (default ``seconds``: no overlap); a recording
    shorter than the window gives none.
    """

    def __init__(
        self,
        dataset: SimulatedDataset,
        split: str | None = "train",
        seconds: int = 1,
        modalities: Sequence[str] = ("frame", "mfcc_mono", "acoustic"),
        *,
        hop_seconds: int | None = None,
        include_background: bool = False,
    ) -> None:
        self._setup(dataset, split, modalities, include_background)
        seconds = _checks.positive("seconds", seconds, integer=True)
        hop = (
            seconds
            if hop_seconds is None
            else _checks.positive("hop_seconds", hop_seconds, integer=True)
        )
        rec_s = dataset.config.recording_seconds
        if seconds > rec_s:
            raise ValueError(
                f"seconds must be at most the recordings' length ({rec_s} s) in this "
                f"dataset; got {seconds}"
            )
        self.length = seconds * FPS
        rows = dataset.frames_of(split, include_background=include_background)
        firsts = rows[(dataset.index["frame"][rows] == 0)]
        starts = []
        T = rec_s * FPS
        for r in firsts:
            offset = (
                dataset.index["clip"][r]
                - dataset.recordings[dataset.index["recording"][r]]["first_clip"]
            ) * FPS
            if offset % (hop * FPS) == 0 and offset + self.length <= T:
                starts.append(r)
        self.starts = np.asarray(starts, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.starts.size)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} windows")
        r0 = int(self.starts[i])
        per_frame = [m for m in self.modalities if m != "context"]
        samples = [
            self.dataset.sample(r, per_frame) for r in range(r0, r0 + self.length)
        ]
        out: dict[str, Any] = {m: np.stack([s[m] for s in samples]) for m in per_frame}
        if "context" in self.modalities:
            out["context"] = self.dataset.sample(r0, ["context"])["context"]
        for k in ("label", "clip", "location", "background"):
            out[k] = samples[0][k] if per_frame else self.dataset.sample(r0, [])[k]
        return _as_tensors(out)


@functools.lru_cache(maxsize=1)
def _torch_views() -> dict[str, type]:
    """``FrameDataset`` and ``WindowDataset``: the views above as
    ``torch.utils.data.Dataset`` subclasses, named (and pickled) as attributes of
    :mod:`acousticlib.datasets`."""
    from torch.utils.data import Dataset

    return {
        name: type(
            name,
            (view, Dataset),
            {
                "__module__": "acousticlib.datasets",
                "__qualname__": name,
                "__doc__": view.__doc__,
            },
        )
        for name, view in (("FrameDataset", _FrameView), ("WindowDataset", _WindowView))
    }
