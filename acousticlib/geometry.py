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
* :class:`MicArray` and builders: :func:`uniform_rectangular_array`,
  :func:`spiral_array`, :func:`optimized_aperiodic_array` (the 128-microphone, 0.5 m
  "Dual Cam"-like layout) and the optimizer behind it,
  :func:`optimize_aperiodic_layout`.
* Files: CSV (:func:`read_array_csv`, :func:`write_array_csv`) and acoular's XML
  geometry format (:func:`read_acoular_xml`, :func:`write_acoular_xml`).
* Beam patterns (far-field array factor): :func:`array_factor`, :func:`beam_pattern_db`,
  :func:`uv_grid`, :func:`peak_sidelobe_level_db`; rules of thumb :func:`wavelength`,
  :func:`beamwidth_deg`, :func:`grating_lobe_frequency`.
* Propagation geometry shared by simulation and beamforming: :func:`distances`.
* :class:`Camera`: pinhole camera, projections world -> pixel and pixel -> direction,
  and the 36 x 48 acoustic grid of focus points aligned with the frame
  (:meth:`Camera.focus_grid`).

This module imports only :mod:`acousticlib.runtime` and :mod:`acousticlib._checks`.
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import runtime
from ._checks import as_array, in_range, one_of, positive

#: Speed of sound used throughout the book (m/s, air at about 20 degrees C).
SPEED_OF_SOUND = 343.0
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

_DATA = Path(__file__).resolve().parent / "data"
#: The cached optimized 128-microphone layout (written by
#: :func:`write_optimized_layout`).
APERIODIC_CSV = _DATA / "aperiodic128.csv"


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
# Beam patterns
# --------------------------------------------------------------------------------------


def wavelength(
    freq: float | np.ndarray, *, c: float = SPEED_OF_SOUND
) -> float | np.ndarray:
    """Wavelength ``c / f`` in metres for frequency ``freq`` in Hz."""
    c = positive("c", c)
    f = as_array("freq", freq, dtype=float)
    if np.any(f <= 0):
        raise ValueError(f"freq must be > 0 Hz; its minimum is {f.min()!r}")
    out = c / f
    return float(out) if out.ndim == 0 else out


def beamwidth_deg(
    freq: float | np.ndarray, aperture: float, *, c: float = SPEED_OF_SOUND
) -> float | np.ndarray:
    """Rule-of-thumb main-lobe width ``lambda / D`` in **degrees** (chapter 02).

    About 6 degrees at 6.4 kHz and 39 degrees at 1 kHz for ``aperture`` D = 0.5 m.
    """
    aperture = positive("aperture", aperture)
    return np.degrees(wavelength(freq, c=c) / aperture)


def grating_lobe_frequency(
    spacing: float, *, max_steer_deg: float = 90.0, c: float = SPEED_OF_SOUND
) -> float:
    """Highest frequency (Hz) at which a regular array of pitch ``spacing`` m has no
    grating lobe.

    A grating lobe appears in the visible region when ``spacing > lambda / (1 +
    sin(theta))`` for steering up to ``max_steer_deg`` from broadside: ``f = c /
    (spacing * (1 + sin theta))``. With ``max_steer_deg=90`` this is the half-wavelength
    rule ``c / (2 * spacing)``.
    """
    spacing = positive("spacing", spacing)
    theta = in_range("max_steer_deg", max_steer_deg, 0.0, 90.0)
    c = positive("c", c)
    return c / (spacing * (1 + math.sin(math.radians(theta))))


def uv_grid(
    n: int = 101, *, extent: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direction cosines on an ``n x n`` grid: ``(u, v, directions)``.

    ``u = sin(theta) cos(phi)`` and ``v = sin(theta) sin(phi)`` span ``[-extent,
    extent]``; ``directions`` ``(n, n, 3)`` holds ``(u, v, w)`` with ``w = sqrt(1 - u^2
    - v^2)`` inside the visible region and ``w = 0`` outside. For a planar array the
      far-field pattern depends only on
    ``(u, v)``; ``extent > 1`` shows what enters the visible region when the beam is
    steered away from broadside (the pattern shifts by the steering direction's ``(u,
    v)``).
    """
    n = positive("n", n, integer=True)
    extent = positive("extent", extent)
    u1 = np.linspace(-extent, extent, n)
    u, v = np.meshgrid(u1, u1)
    w = np.sqrt(np.clip(1 - u**2 - v**2, 0, None))
    return u, v, np.stack([u, v, w], axis=-1)


def array_factor(
    mic_positions: Any,
    directions: Any,
    freqs: Any,
    *,
    steer: Any = (0.0, 0.0, 1.0),
    weights: Any = None,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Far-field array factor ``AF(d, f) = sum_m w_m exp(j k (d - d0) . x_m)``, complex.

    Parameters
    ----------
    mic_positions: ``(M, 3)`` metres, or a :class:`MicArray`.
    directions: ``(..., 3)`` propagation-direction vectors (unit vectors of arrival, or
        ``(u, v, 0)`` from :func:`uv_grid` beyond the visible region).
    freqs: scalar or ``(F,)`` frequencies in Hz (> 0).
    steer: ``(3,)`` steering direction ``d0``.
    weights: ``(M,)`` real shading, default uniform ``1/M`` (normalized to sum to 1).
    c: speed of sound, m/s.

    Returns ``(F, ...)`` complex (``(...)`` for a scalar ``freqs``); ``AF = 1`` in the
    steering direction, and the **beam pattern** is ``|AF|^2`` (chapter 02).
    """
    pos = as_positions(mic_positions)
    d = as_array("directions", directions, dtype=float)
    if d.ndim < 1 or d.shape[-1] != 3:
        raise ValueError(f"directions must have shape (..., 3); got {d.shape}")
    f = as_array("freqs", freqs, ndim=(0, 1), dtype=float)
    if np.any(f <= 0):
        raise ValueError(f"freqs must be > 0 Hz; its minimum is {f.min()!r}")
    d0 = as_array("steer", steer, shape=(3,), dtype=float)
    c = positive("c", c)
    if weights is None:
        w = np.full(pos.shape[0], 1.0 / pos.shape[0])
    else:
        w = as_array("weights", weights, shape=(pos.shape[0],), dtype=float)
        if w.sum() == 0:
            raise ValueError("weights must not sum to 0")
        w = w / w.sum()
    proj = (d.reshape(-1, 3) - d0) @ pos.T  # (D, M) metres
    k = 2 * np.pi * np.atleast_1d(f) / c
    out = np.empty((k.size, proj.shape[0]), dtype=complex)
    for i, ki in enumerate(k):  # one frequency at a time keeps memory at D x M
        out[i] = np.exp(1j * ki * proj) @ w
    out = out.reshape((k.size,) + d.shape[:-1])
    return out[0] if f.ndim == 0 else out


def beam_pattern_db(
    mic_positions: Any,
    directions: Any,
    freqs: Any,
    *,
    steer: Any = (0.0, 0.0, 1.0),
    c: float = SPEED_OF_SOUND,
    floor_db: float = -60.0,
) -> np.ndarray:
    """Beam pattern ``10 log10 |AF|^2`` in dB (0 dB at the steering direction), floored
    at ``floor_db``.

    Same arguments and shapes as :func:`array_factor` (chapter 02).
    """
    af = array_factor(mic_positions, directions, freqs, steer=steer, c=c)
    return np.maximum(10 * np.log10(np.abs(af) ** 2 + 1e-30), floor_db)


def _sidelobe_mask(
    u: np.ndarray,
    v: np.ndarray,
    freq: float,
    aperture: float,
    mainlobe: float,
    c: float,
) -> np.ndarray:
    """True outside the main lobe: radius ``mainlobe * lambda / aperture`` in (u, v)
    around broadside."""
    return np.hypot(u, v) > mainlobe * (c / freq) / aperture


def peak_sidelobe_level_db(
    mic_positions: Any,
    freqs: Any,
    *,
    extent: float = 1.0,
    n: int = 101,
    mainlobe: float = 1.3,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Peak sidelobe level (dB relative to the main lobe) of the broadside far-field
    pattern.

    The pattern ``|AF|^2`` is evaluated on :func:`uv_grid` ``(n, extent)``; the main
    lobe is the disc of radius ``mainlobe * lambda / D`` (``D`` the array aperture)
    around broadside. A grating lobe shows up as a sidelobe near 0 dB. Returns ``(F,)``
    (or a scalar for scalar ``freqs``).
    """
    pos = as_positions(mic_positions, min_mics=2)
    f = as_array("freqs", freqs, ndim=(0, 1), dtype=float)
    mainlobe = positive("mainlobe", mainlobe)
    aperture = MicArray(pos).aperture
    u, v, dirs = uv_grid(n, extent=extent)
    dirs = np.stack([u, v, np.zeros_like(u)], axis=-1)
    af = np.abs(array_factor(pos, dirs, np.atleast_1d(f), c=c)) ** 2
    out = np.array(
        [
            10
            * np.log10(
                af[i][_sidelobe_mask(u, v, fi, aperture, mainlobe, c)].max() + 1e-30
            )
            for i, fi in enumerate(np.atleast_1d(f))
        ]
    )
    return float(out[0]) if f.ndim == 0 else out


# --------------------------------------------------------------------------------------
# The optimized aperiodic 128-microphone array
# --------------------------------------------------------------------------------------

#: Settings of the book's optimized 128-microphone layout (see
#: :func:`optimize_aperiodic_layout`).
APERIODIC_DEFAULTS: dict[str, Any] = dict(
    n_mics=128,
    side=0.5,
    min_spacing=0.02,
    freqs=(1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 6400.0),
    extent=1.5,
    n_grid=41,
    mainlobe=1.3,
    n_iter=4000,
    seed=0,
)


def optimize_aperiodic_layout(
    n_mics: int = 128,
    side: float = 0.5,
    *,
    min_spacing: float = 0.02,
    freqs: Any = APERIODIC_DEFAULTS["freqs"],
    extent: float = 1.5,
    n_grid: int = 41,
    mainlobe: float = 1.3,
    n_iter: int = 4000,
    seed: int = 0,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Optimize an aperiodic planar layout for a low broadband peak sidelobe; ``(M, 3)``
    metres.

    **What is optimized.** The Dual Cam uses an optimized aperiodic layout (Crocco &
    Trucco 2014, seed paper 002): the microphones are placed so that the beam pattern
    has no grating lobes and low sidelobes over the whole useful band, which a regular
    grid of 128 microphones over 0.5 m cannot achieve (its pitch is about 4.4 cm, larger
    than half a wavelength above about 3.9 kHz). We minimize the **worst peak sidelobe
    level over the band**

    ``J(x) = max_f max_{(u, v) outside the main lobe} |AF(u, v; f)|^2``

    where ``AF`` is the broadside far-field array factor (:func:`array_factor`) at the
    frequencies ``freqs`` (Hz), ``(u, v)`` ranges over an ``n_grid x n_grid`` grid of
    direction cosines in ``[-extent, extent]^2`` (``extent = 1.5`` covers the sidelobes
    that enter the visible region when the beam is steered about 30 degrees off axis,
    i.e. the whole camera field of view), and the main lobe is the disc of radius
    ``mainlobe * lambda / D``.

    **Constraints.** Every microphone stays inside the ``side x side`` square (metres)
    and at least ``min_spacing`` metres from every other one (a physical board).

    **How.** Start from a sunflower spiral (already aperiodic) inscribed in the square;
    then a seeded stochastic local search: at each of ``n_iter`` steps move one random
    microphone by a Gaussian step whose size shrinks from 2 cm to 1 mm, and keep the
    move if it satisfies the constraints and does not increase ``J``. Moving one
    microphone changes one term of the array factor, so each trial updates ``AF`` in
    ``O(F * n_grid^2)`` instead of recomputing it. The random stream comes from
    :func:`acousticlib.runtime.seeded_rng` ``(seed, "aperiodic")``, so the result is
    reproducible from ``seed`` (on one machine; floating-point differences across BLAS
    builds can change accept/reject decisions). :func:`write_optimized_layout` caches
    the default result in ``acousticlib/data/aperiodic128.csv``.
    """
    n = positive("n_mics", n_mics, integer=True)
    if n < 2:
        raise ValueError(f"n_mics must be >= 2; got {n}")
    side = positive("side", side)
    min_spacing = positive("min_spacing", min_spacing)
    if min_spacing * math.sqrt(n) > side:
        raise ValueError(
            f"min_spacing={min_spacing} m is too large for {n} microphones in a {side} "
            f"m square "
            f"(need min_spacing * sqrt(n_mics) <= side)"
        )
    f = as_array("freqs", freqs, ndim=1, dtype=float)
    if np.any(f <= 0):
        raise ValueError(f"freqs must be > 0 Hz; its minimum is {f.min()!r}")
    n_iter = positive("n_iter", n_iter, integer=True, allow_zero=True)
    c = positive("c", c)
    rng = runtime.seeded_rng(seed, "aperiodic")

    pos = spiral_array(n, side).positions[:, :2].copy()
    half = side / 2
    u, v, _ = uv_grid(n_grid, extent=extent)
    k = 2 * np.pi * f / c
    # sidelobe regions per frequency, with the main-lobe radius of a side x side
    # aperture
    mask = np.stack([_sidelobe_mask(u, v, fi, side, mainlobe, c) for fi in f]).reshape(
        len(f), -1
    )
    kx = k[:, None] * u.ravel()[None, :]  # (F, D)
    ky = k[:, None] * v.ravel()[None, :]

    def terms(p: np.ndarray) -> np.ndarray:  # (F, D) contribution of one microphone
        return np.exp(1j * (kx * p[0] + ky * p[1])) / n

    af = np.zeros_like(kx, dtype=complex)
    for p in pos:
        af += terms(p)

    def cost(a: np.ndarray) -> float:
        return float(np.max(np.where(mask, np.abs(a) ** 2, 0.0)))

    best = cost(af)
    steps = np.geomspace(0.02, 0.001, max(n_iter, 1))
    for it in range(n_iter):
        m = int(rng.integers(n))
        new = pos[m] + rng.normal(0.0, steps[it], 2)
        if np.any(np.abs(new) > half):
            continue
        d2 = np.sum((pos - new) ** 2, axis=1)
        d2[m] = np.inf
        if d2.min() < min_spacing**2:
            continue
        trial = af - terms(pos[m]) + terms(new)
        j = cost(trial)
        if j <= best:
            best, af, pos[m] = j, trial, new
    return np.column_stack([pos, np.zeros(n)])


def write_optimized_layout(path: str | Path = APERIODIC_CSV, **settings: Any) -> Path:
    """Run :func:`optimize_aperiodic_layout` with :data:`APERIODIC_DEFAULTS` (overridden
    by ``settings``) and write the layout as CSV (rounded to 1 micrometre) to ``path``.

    This is how ``acousticlib/data/aperiodic128.csv`` was generated; a unit test re-runs
    it and checks that it reproduces the file.
    """
    cfg = {**APERIODIC_DEFAULTS, **settings}
    pos = optimize_aperiodic_layout(**cfg)
    return write_array_csv(np.round(pos, 6), path)


def optimized_aperiodic_array(*, recompute: bool = False) -> MicArray:
    """The book's optimized aperiodic array: 128 microphones in a 0.5 m x 0.5 m square.

    Read from the cached ``acousticlib/data/aperiodic128.csv`` (see
    :func:`optimize_aperiodic_layout` for the optimization and
    :func:`write_optimized_layout` for how the file is made); ``recompute=True`` runs
    the optimization again (a few seconds). Chapter 02 shows its beam patterns.
    """
    if recompute or not APERIODIC_CSV.exists():
        pos = np.round(optimize_aperiodic_layout(**APERIODIC_DEFAULTS), 6)
    else:
        pos = read_array_csv(APERIODIC_CSV).positions
    return MicArray(pos, "optimized aperiodic 128 mics, 0.5 m")


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
        """Vertical focal length in pixels (square pixels: equal to :attr:`fx`)."""
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
        """Pixel coordinates ``(..., 2)`` = (row, col) -> unit direction vectors
        ``(..., 3)`` (z > 0)."""
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
