"""Object crops of the camera dataset's frames (chapter 07): the labelled source's
square crop, resampled to ``CROP_SIZE`` pixels, and crops of the background that
overlap no sounding source (label :data:`BACKGROUND_LABEL`), for training the visual
backbone; :func:`clip_frames` picks evenly spaced frames of every clip.

Crops are ``(N, 3, size, size)`` float tensors in [0, 1]; positions are in frame pixels
(row, col). torch is imported on first use, so importing :mod:`acousticlib.datasets`
does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..runtime import seeded_rng
from ..sounds import CLASSES
from .store import SimulatedDataset

if TYPE_CHECKING:
    import torch

#: Side (pixels) of the object crops that pretrain the visual trunk (chapter 07).
CROP_SIZE = 64
#: Label of the background crops of :func:`object_crops` (after the ten classes).
BACKGROUND_LABEL = len(CLASSES)


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
    """Square crops of frames ``rows`` centred at ``centres`` ``(N, 2)`` (row, col) with
    half-sides ``half``."""
    import torch
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
    import torch

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
        rng = seeded_rng(background_seed, "background-crop", int(row))
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
