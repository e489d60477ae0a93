"""How well the acoustic images point at the sources (chapter 06): :func:`alignment`,
:func:`peaks_in_boxes`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks, features, geometry, scenes
from ..sounds import FS
from .store import SimulatedDataset


def alignment(
    dataset: SimulatedDataset,
    *,
    energy: str = "mfcc",
    condition: str = "anechoic",
    frames: np.ndarray | None = None,
) -> float:
    """Share of single-source frames of ``condition`` whose energy peak lies in the
    source's box.

    ``energy="mfcc"``: the paper's reciprocal energy map
    (:func:`acousticlib.features.energy_map`) of the stored MFCC image; ``"direct"``:
    the summed beamformed power 500-6400 Hz
    (:func:`acousticlib.features.direct_energy_map`; needs ``keep_power``). The peak
    acoustic pixel's centre (video pixels) is tested against the source's ground-truth
    box. ``frames`` restricts the frames considered. Chapter 06.
    """
    _checks.one_of("energy", energy, ("mfcc", "direct"))
    _checks.one_of("condition", condition, scenes.CONDITIONS)
    ix = dataset.index
    boxes = dataset.array("boxes")
    single = (ix["background"] == 0) & (
        ix["condition"] == scenes.CONDITIONS.index(condition)
    )
    single &= np.sum(np.isfinite(boxes[:, :, 0]), axis=1) == 1
    rows = np.flatnonzero(single)
    if frames is not None:
        rows = np.intersect1d(rows, np.asarray(frames, dtype=np.int64))
    if rows.size == 0:
        raise ValueError(
            f"the dataset has no single-source {condition} frames to measure alignment "
            f"on"
        )
    hits = 0
    # 64 frames at a time: the energy map works in float64
    for r0 in range(0, rows.size, 64):
        rr = rows[r0 : r0 + 64]
        if energy == "mfcc":
            e = features.energy_map(
                dataset.read("acoustic", rr).astype(np.float32).transpose(0, 2, 3, 1)
            )
        else:
            e = features.direct_energy_map(
                dataset.read("power", rr).astype(np.float32, copy=False), float(FS)
            )
        hits += int(
            peaks_in_boxes(
                e, boxes[rr, 0], dataset.config.height, dataset.config.width
            ).sum()
        )
    return hits / rows.size


def peaks_in_boxes(energy: Any, boxes: Any, height: int, width: int) -> np.ndarray:
    """Whether each energy map's peak acoustic pixel has its centre inside the box:
    ``(N,)`` bool.

    ``energy`` ``(N, 36, 48)``; ``boxes`` ``(N, 4)`` as ``(row0, col0, row1, col1)``
    video pixels of a ``height x width`` frame (the dataset's ``boxes[:, 0]``). The test
    behind :func:`alignment`. Chapter 06.
    """
    e = _checks.as_array(
        "energy", energy, dtype=np.float32, what="(N, 36, 48) energy maps"
    )
    if e.ndim != 3 or e.shape[1:] != tuple(geometry.GRID_SHAPE):
        raise ValueError(
            f"energy must have shape (N, {geometry.GRID_SHAPE[0]}, "
            f"{geometry.GRID_SHAPE[1]}); got {e.shape}"
        )
    b = np.asarray(boxes, np.float32)
    if b.shape != (e.shape[0], 4):
        raise ValueError(
            f"boxes must have shape ({e.shape[0]}, 4) to match energy; got {b.shape}"
        )
    centres = geometry.Camera().resized(height, width).grid_pixel_centres()
    return features.peak_in_mask(e, features.box_mask(b[:, None], centres)).astype(bool)
