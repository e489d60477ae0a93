"""Microphone arrays, the camera and the acoustic grid, and beam patterns (chapter 02).

Coordinates
-----------
Everything is in **metres**, in the *array frame*: the array lies in the plane ``z = 0``
with its centre at the origin; ``x`` points to the right of the image, ``y`` **down**
(like image rows) and ``z`` forward, along the optical axis of the camera that sits at
the array centre (the OpenCV pinhole convention). A point in front of the device has ``z
> 0``. (The authors' code loads its acoustic images rotated by 180 degrees to align them
with the video; in this frame no rotation is needed.)

Contents
--------
* In :mod:`acousticlib.mic_arrays`: :class:`~acousticlib.mic_arrays.MicArray` and
  builders :func:`~acousticlib.mic_arrays.uniform_rectangular_array`,
  :func:`~acousticlib.mic_arrays.spiral_array`; files: CSV (``read_array_csv``,
  ``write_array_csv``) and acoular's XML geometry format (``read_acoular_xml``,
  ``write_acoular_xml``).
* In :mod:`acousticlib.array_patterns`: beam patterns (far-field array factor):
  ``array_factor``, ``beam_pattern_db``, ``uv_grid``, ``peak_sidelobe_level_db``; rules
  of thumb ``wavelength``, ``beamwidth_deg``, ``grating_lobe_frequency`` and
  ``SPEED_OF_SOUND``; the book's optimized aperiodic array
  (:func:`~acousticlib.array_patterns.optimized_aperiodic_array`, the 128-microphone,
  0.5 m "Dual Cam"-like layout) and the optimizer behind it,
  :func:`~acousticlib.array_patterns.optimize_aperiodic_layout`.
* Here: the propagation geometry shared by simulation and beamforming,
  :func:`distances`; :class:`Camera`: pinhole camera, projections world -> pixel and
  pixel -> direction, and the 36 x 48 acoustic grid of focus points aligned with the
  frame (:meth:`Camera.focus_grid`); the frame and grid sizes.

Every name of the two modules is importable from here as before
(``geometry.MicArray``, ``geometry.array_factor``, ...). Imports run one way:
``mic_arrays`` -> ``array_patterns`` -> ``geometry``; this module imports only those two
and :mod:`acousticlib._checks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import as_array, in_range, one_of, positive

# the arrays, beam patterns and the optimized array, importable from here as before
from .array_patterns import APERIODIC_CSV as APERIODIC_CSV
from .array_patterns import APERIODIC_DEFAULTS as APERIODIC_DEFAULTS
from .array_patterns import SPEED_OF_SOUND as SPEED_OF_SOUND
from .array_patterns import array_factor as array_factor
from .array_patterns import beam_pattern_db as beam_pattern_db
from .array_patterns import beamwidth_deg as beamwidth_deg
from .array_patterns import grating_lobe_frequency as grating_lobe_frequency
from .array_patterns import optimize_aperiodic_layout as optimize_aperiodic_layout
from .array_patterns import optimized_aperiodic_array as optimized_aperiodic_array
from .array_patterns import peak_sidelobe_level_db as peak_sidelobe_level_db
from .array_patterns import uv_grid as uv_grid
from .array_patterns import wavelength as wavelength
from .array_patterns import write_optimized_layout as write_optimized_layout
from .mic_arrays import MicArray as MicArray
from .mic_arrays import as_positions
from .mic_arrays import read_acoular_xml as read_acoular_xml
from .mic_arrays import read_array_csv as read_array_csv
from .mic_arrays import spiral_array as spiral_array
from .mic_arrays import uniform_rectangular_array as uniform_rectangular_array
from .mic_arrays import write_acoular_xml as write_acoular_xml
from .mic_arrays import write_array_csv as write_array_csv

#: Acoustic image size (rows, columns) of the Dual Cam and of the papers.
GRID_SHAPE = (36, 48)
#: Video frame size (rows, columns) of the real Dual Cam camera.
DUALCAM_FRAME = (480, 640)
#: Video frame size (rows, columns) of the book's synthetic dataset frames (4 x 4 pixels
#: per acoustic pixel).
DATASET_FRAME = (144, 192)
#: Default horizontal field of view of the camera, degrees [unverified: the papers do
#: not state it].
DEFAULT_HFOV_DEG = 70.0


# --------------------------------------------------------------------------------------
# Propagation geometry
# --------------------------------------------------------------------------------------


def distances(points: Any, mic_positions: Any, *, name: str = "points") -> np.ndarray:
    """Euclidean distances (m) from points ``(..., 3)`` to microphones ``(M, 3)``:
    ``(..., M)``.

    The propagation delay is ``distances / c`` seconds and the free-field amplitude
    ``1 / (4 pi distance)`` (chapter 03); beamforming steers with the same distances
    (chapter 04).
    """
    pos = as_positions(mic_positions)
    p = as_array(name, points, dtype=float)
    if p.ndim < 1 or p.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (..., 3) in metres; got {p.shape}")
    return np.sqrt(np.sum((p[..., None, :] - pos) ** 2, axis=-1))


# --------------------------------------------------------------------------------------
# Camera and acoustic grid
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Camera:
    """Pinhole camera at the array centre, looking along +z; frames ``height x width``
    pixels.

    Pixel coordinates are continuous ``(row, col)`` pairs: pixel ``[i, j]`` of a frame
    covers rows ``[i, i+1)`` and columns ``[j, j+1)``, so its centre is ``(i + 0.5, j +
    0.5)`` and the principal point is the frame centre. Pixels are square (``fx == fy``,
    in pixels); ``hfov_deg`` is the horizontal field of view in degrees (the vertical
    one follows from the aspect ratio). The default 480 x 640 is the real Dual Cam; the
    synthetic dataset uses ``camera.resized(144, 192)`` (same field of view). Chapters
    02 and 04.
    """

    height: int = DUALCAM_FRAME[0]
    width: int = DUALCAM_FRAME[1]
    hfov_deg: float = DEFAULT_HFOV_DEG

    def __post_init__(self) -> None:
        positive("height", self.height, integer=True)
        positive("width", self.width, integer=True)
        in_range("hfov_deg", self.hfov_deg, 0.0, 180.0, inclusive=False)

    @property
    def fx(self) -> float:
        """Horizontal focal length in pixels."""
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg) / 2)

    @property
    def fy(self) -> float:
        """Vertical focal length in pixels, equal to :attr:`fx` (square pixels)."""
        return self.fx

    @property
    def vfov_deg(self) -> float:
        """Vertical field of view in degrees."""
        return math.degrees(2 * math.atan((self.height / 2) / self.fy))

    def resized(self, height: int, width: int) -> Camera:
        """The same camera (same horizontal field of view) with another frame size in
        pixels."""
        return Camera(height, width, self.hfov_deg)

    def project(self, points: Any) -> np.ndarray:
        """World points ``(..., 3)`` metres (z > 0) -> continuous pixel coordinates
        ``(..., 2)`` = (row, col)."""
        p = as_array("points", points, dtype=float)
        if p.ndim < 1 or p.shape[-1] != 3:
            raise ValueError(
                f"points must have shape (..., 3) in metres; got {p.shape}"
            )
        if np.any(p[..., 2] <= 0):
            raise ValueError(
                "points must lie in front of the camera (z > 0 m); some have z <= 0"
            )
        row = self.fy * p[..., 1] / p[..., 2] + self.height / 2
        col = self.fx * p[..., 0] / p[..., 2] + self.width / 2
        return np.stack([row, col], axis=-1)

    def pixel_to_direction(self, pixels: Any) -> np.ndarray:
        """Pixel coordinates ``(..., 2)`` = (row, col) -> unit direction vectors ``(...,
        3)`` (z > 0)."""
        q = as_array("pixels", pixels, dtype=float)
        if q.ndim < 1 or q.shape[-1] != 2:
            raise ValueError(
                f"pixels must have shape (..., 2) = (row, col) in pixels; got {q.shape}"
            )
        d = np.stack(
            [
                (q[..., 1] - self.width / 2) / self.fx,
                (q[..., 0] - self.height / 2) / self.fy,
                np.ones(q.shape[:-1]),
            ],
            axis=-1,
        )
        return d / np.linalg.norm(d, axis=-1, keepdims=True)

    def _check_grid(self, shape: Any) -> tuple[int, int]:
        if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
            raise TypeError(f"shape must be a pair (rows, cols); got {shape!r}")
        h = positive("shape[0]", shape[0], integer=True)
        w = positive("shape[1]", shape[1], integer=True)
        return h, w

    def grid_pixel_centres(self, shape: tuple[int, int] = GRID_SHAPE) -> np.ndarray:
        """Centres ``(H, W, 2)`` = (row, col), in video pixels, of the acoustic pixels
        of a ``shape`` grid.

        Acoustic pixel ``[i, j]`` covers video rows ``[i * height / H, (i + 1) * height
        / H)`` and columns ``[j * width / W, (j + 1) * width / W)``: 13.3 x 13.3 video
        pixels for 36 x 48 on 480 x 640 (as in the papers), 4 x 4 on the 144 x 192
        dataset frames.
        """
        h, w = self._check_grid(shape)
        rows = (np.arange(h) + 0.5) * self.height / h
        cols = (np.arange(w) + 0.5) * self.width / w
        rr, cc = np.meshgrid(rows, cols, indexing="ij")
        return np.stack([rr, cc], axis=-1)

    def focus_grid(
        self,
        shape: tuple[int, int] = GRID_SHAPE,
        distance: float = 1.0,
        *,
        surface: str = "plane",
    ) -> np.ndarray:
        """The acoustic grid: focus points ``(H, W, 3)`` metres, one through each
        acoustic pixel centre.

        ``surface="plane"`` puts them on the plane ``z = distance``; ``"sphere"`` at
        ``distance`` metres from the array centre. Feed them to
        :func:`acousticlib.beamforming.acoustic_images`.
        """
        distance = positive("distance", distance)
        one_of("surface", surface, ("plane", "sphere"))
        d = self.pixel_to_direction(self.grid_pixel_centres(shape))
        scale = distance / d[..., 2:3] if surface == "plane" else distance
        return d * scale

    def acoustic_pixel(
        self, points: Any, shape: tuple[int, int] = GRID_SHAPE
    ) -> np.ndarray:
        """Integer index ``(..., 2)`` = (row, col) of the acoustic pixel that sees each
        world point.

        Points outside the frame get ``-1`` in both entries.
        """
        h, w = self._check_grid(shape)
        q = self.project(points)
        row = np.floor(q[..., 0] * h / self.height).astype(int)
        col = np.floor(q[..., 1] * w / self.width).astype(int)
        inside = (col >= 0) & (col < w) & (row >= 0) & (row < h)
        return np.where(inside[..., None], np.stack([row, col], axis=-1), -1)
