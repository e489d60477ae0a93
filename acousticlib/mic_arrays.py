"""Microphone arrays: positions, the regular and spiral builders, and array files
(chapter 02).

Positions are ``(M, 3)`` arrays in **metres**, in the array frame of
:mod:`acousticlib.geometry` (the array in the plane ``z = 0``, centred at the origin).

* :class:`MicArray` (``n_mics``, ``aperture`` and ``min_spacing`` in metres) and
  :func:`as_positions`, the check of every module that takes microphone positions.
* Builders: :func:`uniform_rectangular_array`, :func:`spiral_array`; the book's
  optimized aperiodic layout is in :mod:`acousticlib.array_patterns`.
* Files: CSV (:func:`read_array_csv`, :func:`write_array_csv`) and acoular's XML
  geometry format (:func:`read_acoular_xml`, :func:`write_acoular_xml`).

Every name is importable from :mod:`acousticlib.geometry` as before. This module imports
only :mod:`acousticlib._checks`.
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import as_array, positive

# --------------------------------------------------------------------------------------
# Microphone arrays
# --------------------------------------------------------------------------------------


def as_positions(
    value: Any, name: str = "mic_positions", *, min_mics: int = 1
) -> np.ndarray:
    """Return microphone (or point) positions as a float64 ``(M, 3)`` array in metres.

    Accepts a :class:`MicArray` or anything array-like of shape ``(M, 3)``; raises
    ``ValueError``/``TypeError`` naming ``name`` otherwise. Used by every module that
    takes microphone positions (chapters 02-04).
    """
    if isinstance(value, MicArray):
        value = value.positions
    arr = as_array(
        name, value, shape=(None, 3), dtype=float, what="(M, 3): metres x, y, z"
    )
    if arr.shape[0] < min_mics:
        raise ValueError(
            f"{name} must hold at least {min_mics} microphone(s); got shape {arr.shape}"
        )
    return arr


@dataclass(frozen=True)
class MicArray:
    """A planar microphone array: positions ``(M, 3)`` in metres, all with ``z = 0``.

    Attributes ``n_mics``, ``aperture`` (largest distance between two microphones, m),
    ``min_spacing`` (smallest distance, m) describe it; ``np.asarray(array)`` gives the
    positions. Taught in chapter 02.
    """

    positions: np.ndarray
    name: str = "array"
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pos = as_positions(self.positions, "positions", min_mics=2)
        if np.max(np.abs(pos[:, 2])) > 1e-9:
            raise ValueError(
                "positions must describe a planar array with z = 0 for every "
                "microphone "
                f"(the array plane); got z in [{pos[:, 2].min():.3g}, "
                f"{pos[:, 2].max():.3g}] m"
            )
        pos = pos.copy()
        pos[:, 2] = 0.0
        pos.setflags(write=False)
        object.__setattr__(self, "positions", pos)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string; got {type(self.name).__name__}")

    def __len__(self) -> int:
        return self.positions.shape[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array(self.positions, dtype=dtype)

    @property
    def n_mics(self) -> int:
        """Number of microphones M."""
        return self.positions.shape[0]

    def _pairwise(self) -> np.ndarray:
        if "d" not in self._cache:
            d = np.linalg.norm(
                self.positions[:, None, :] - self.positions[None, :, :], axis=-1
            )
            self._cache["d"] = d
        return self._cache["d"]

    @property
    def aperture(self) -> float:
        """Largest distance between two microphones, metres."""
        return float(self._pairwise().max())

    @property
    def min_spacing(self) -> float:
        """Smallest distance between two microphones, metres."""
        d = self._pairwise() + np.diag(np.full(self.n_mics, np.inf))
        return float(d.min())

    def __repr__(self) -> str:
        return (
            f"MicArray(name={self.name!r}, n_mics={self.n_mics}, "
            f"aperture={self.aperture:.3f} m, "
            f"min_spacing={self.min_spacing * 100:.2f} cm)"
        )


def uniform_rectangular_array(
    rows: int, cols: int, spacing: float, *, name: str | None = None
) -> MicArray:
    """A regular ``rows x cols`` grid of microphones, ``spacing`` metres apart, centred
    at 0.

    Regular arrays have **grating lobes** above ``c / (2 * spacing)`` Hz (chapter 02).
    """
    rows = positive("rows", rows, integer=True)
    cols = positive("cols", cols, integer=True)
    spacing = positive("spacing", spacing)
    if rows * cols < 2:
        raise ValueError(f"rows * cols must be >= 2 microphones; got {rows} x {cols}")
    x = (np.arange(cols) - (cols - 1) / 2) * spacing
    y = (np.arange(rows) - (rows - 1) / 2) * spacing
    xx, yy = np.meshgrid(x, y)
    pos = np.stack([xx.ravel(), yy.ravel(), np.zeros(xx.size)], axis=1)
    return MicArray(pos, name or f"uniform {rows}x{cols} @ {spacing * 100:g} cm")


def spiral_array(n_mics: int, aperture: float, *, name: str | None = None) -> MicArray:
    """A sunflower (Vogel) spiral: ``n_mics`` microphones in a disc of diameter
    ``aperture`` m.

    Microphone ``i`` sits at radius ``(aperture/2) * sqrt((i + 1/2) / n)`` and angle
    ``i * 137.5...`` degrees (the golden angle): equal area per microphone and no two
    equal spacings, hence no grating lobes (chapter 02).
    """
    n = positive("n_mics", n_mics, integer=True)
    if n < 2:
        raise ValueError(f"n_mics must be >= 2; got {n}")
    aperture = positive("aperture", aperture)
    i = np.arange(n)
    r = aperture / 2 * np.sqrt((i + 0.5) / n)
    theta = i * math.pi * (3 - math.sqrt(5))
    pos = np.stack([r * np.cos(theta), r * np.sin(theta), np.zeros(n)], axis=1)
    return MicArray(pos, name or f"sunflower spiral {n} mics, {aperture:g} m")


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def write_array_csv(mic_positions: Any, path: str | Path) -> Path:
    """Write positions ``(M, 3)`` (metres) as CSV with header ``x_m,y_m,z_m``; return
    the path."""
    pos = as_positions(mic_positions)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["x_m", "y_m", "z_m"])
        for row in pos:
            w.writerow([f"{v:.6f}" for v in row])
    return path


def read_array_csv(path: str | Path, *, name: str | None = None) -> MicArray:
    """Read a CSV of microphone positions (header ``x_m,y_m,z_m``, metres) into a
    :class:`MicArray`."""
    path = Path(path)
    if not path.exists():
        raise ValueError(
            f"path must be an existing CSV file; {str(path)!r} does not exist"
        )
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or [h.strip() for h in rows[0]] != ["x_m", "y_m", "z_m"]:
        raise ValueError(f"path {str(path)!r} must start with the header x_m,y_m,z_m")
    try:
        pos = np.array([[float(v) for v in r] for r in rows[1:] if r], dtype=float)
    except ValueError as exc:
        raise ValueError(
            f"path {str(path)!r} holds a non-numeric value ({exc})"
        ) from None
    return MicArray(pos, name or path.stem)


def write_acoular_xml(
    mic_positions: Any, path: str | Path, *, name: str = "array"
) -> Path:
    """Write positions in acoular's XML geometry format (``<MicArray><pos Name x y
    z/>...``)."""
    pos = as_positions(mic_positions)
    root = ET.Element("MicArray", name=str(name))
    for i, (x, y, z) in enumerate(pos, start=1):
        ET.SubElement(
            root, "pos", Name=f"Point {i}", x=f"{x:.6f}", y=f"{y:.6f}", z=f"{z:.6f}"
        )
    ET.indent(root)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def read_acoular_xml(path: str | Path) -> MicArray:
    """Read acoular's XML geometry format: every ``<pos x= y= z=/>`` element, in file
    order."""
    path = Path(path)
    if not path.exists():
        raise ValueError(
            f"path must be an existing XML file; {str(path)!r} does not exist"
        )
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"path {str(path)!r} is not valid XML ({exc})") from None
    try:
        pos = [[float(el.get(a, "0")) for a in "xyz"] for el in root.iter("pos")]
    except ValueError as exc:
        raise ValueError(
            f"path {str(path)!r} holds a non-numeric coordinate ({exc})"
        ) from None
    if len(pos) < 2:
        raise ValueError(
            f"path {str(path)!r} must hold at least 2 <pos> elements; got {len(pos)}"
        )
    return MicArray(np.array(pos), root.get("name") or path.stem)
