"""Camera projection and pixel boxes of the objects of a scene (chapter 06).

The camera is any object with ``project(points (..., 3)) -> (..., 2)`` pixel ``(row,
col)``, attributes ``height`` and ``width`` (pixels) and ``fx``, ``fy`` (focal lengths
in pixels), such as ``acousticlib.geometry.Camera``; :func:`check_camera` checks it.
Boxes are float ``(top, left, bottom, right)`` in pixels: :func:`projected_box` (an
object's box from its centre and size in metres), :func:`clip_box` (clipped to the
frame) and :func:`box_iou` (intersection over union). The sampler
(:func:`acousticlib.scenes.sample_scene`) keeps objects inside the frame and apart with
them; the renderer (:mod:`acousticlib.rendering`) draws and annotates them.

Every name is importable from :mod:`acousticlib.scenes` as before. This module imports
only :mod:`acousticlib._checks`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks


def check_camera(camera: Any) -> Any:
    """Check that ``camera`` has ``project``, ``height``, ``width``, ``fx`` and ``fy``;
    return it."""
    if not callable(getattr(camera, "project", None)):
        raise TypeError(
            f"camera must have a method project(points (..., 3)) -> (..., 2); got "
            f"{type(camera).__name__}"
        )
    for attr, integer in (
        ("height", True),
        ("width", True),
        ("fx", False),
        ("fy", False),
    ):
        if not hasattr(camera, attr):
            raise TypeError(
                f"camera must have attribute {attr!r} ({type(camera).__name__} has "
                f"none)"
            )
        _checks.positive(f"camera.{attr}", getattr(camera, attr), integer=integer)
    if camera.height < 16 or camera.width < 16:
        raise ValueError(
            f"camera frame must be at least 16 x 16 pixels; got {camera.height} x "
            f"{camera.width}"
        )
    return camera


def projected_box(camera: Any, position: Any, size: Any) -> np.ndarray:
    """Pixel box of an object of ``size`` (width, height metres) centred at ``position``
    (metres).

    The centre is ``camera.project(position)``; the box spans ``size * f / z`` pixels
    (``fx`` across, ``fy`` down), z being the depth. ``position`` has shape (..., 3),
    ``size`` (2,) or (..., 2). Returns (..., 4) float pixel boxes ``(top, left, bottom,
    right)``, not clipped to the frame.
    """
    position = _checks.as_array("position", position, dtype=float)
    if position.shape[-1:] != (3,):
        raise ValueError(
            f"position must have shape (..., 3) metres; got {position.shape}"
        )
    z = position[..., 2]
    if np.any(z <= 0):
        raise ValueError("position must lie in front of the camera (z > 0 m)")
    size = _checks.as_array("size", size, dtype=float, nonnegative=True)
    if size.shape[-1:] != (2,):
        raise ValueError(
            f"size must have shape (..., 2): (width, height) metres; got {size.shape}"
        )
    rc = np.asarray(camera.project(position), dtype=float)
    half_h = 0.5 * size[..., 1] * camera.fy / z
    half_w = 0.5 * size[..., 0] * camera.fx / z
    return np.stack(
        [
            rc[..., 0] - half_h,
            rc[..., 1] - half_w,
            rc[..., 0] + half_h,
            rc[..., 1] + half_w,
        ],
        axis=-1,
    )


def clip_box(box: Any, height: int, width: int) -> np.ndarray:
    """Clip (..., 4) boxes ``(top, left, bottom, right)`` (pixels) to a ``height`` x
    ``width`` frame."""
    box = np.array(_checks.as_array("box", box, dtype=float), dtype=float)
    if box.shape[-1:] != (4,):
        raise ValueError(
            f"box must have shape (..., 4): (top, left, bottom, right); got {box.shape}"
        )
    box[..., 0::2] = np.clip(box[..., 0::2], 0.0, float(height))
    box[..., 1::2] = np.clip(box[..., 1::2], 0.0, float(width))
    return box


def box_iou(a: Any, b: Any) -> np.ndarray:
    """Intersection over union of pixel boxes ``(top, left, bottom, right)``, shapes
    (..., 4), broadcast."""
    a = _checks.as_array("a", a, dtype=float)
    b = _checks.as_array("b", b, dtype=float)
    if a.shape[-1:] != (4,) or b.shape[-1:] != (4,):
        raise ValueError(
            f"a and b must have shape (..., 4): (top, left, bottom, right); got "
            f"{a.shape} and {b.shape}"
        )
    h = np.clip(
        np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None
    )
    w = np.clip(
        np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None
    )
    inter = h * w
    area = lambda x: (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])  # noqa: E731
    return inter / np.maximum(area(a) + area(b) - inter, 1e-12)
