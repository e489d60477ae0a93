"""Procedural camera frames of a scene, with ground-truth boxes (chapter 06).

Every object of a :class:`acousticlib.scenes.Scene` (sounding sources and silent
distractors) is drawn where the camera projects it: its box is centred on
``camera.project(position)`` and spans ``size * f / z`` pixels (size in metres, focal
length f in pixels, depth z in metres), so sight and sound agree. Each class has its own
procedural look (a car with cabin, windows and wheels; a wire-mesh shopping cart; a
four-rotor drone; a fountain with animated spray; ...), with colours, proportions and
facing varied per instance from the object's ``appearance_seed``. Objects are painted
far to near over a cluttered background that depends on the condition (foam wedges of an
anechoic chamber, a furnished room, an outdoor street) and on the visual ``style``
(style 1 is an unseen dusk domain for generalisation tests).

Ground truth per frame (:class:`ObjectAnnotation`): class, whether it sounds, the
projected pixel position, the box clipped to the frame and three "annotator" boxes
jittered from it as human annotators would draw them (for consensus-IoU evaluation, as
on Flickr-SoundNet).

Boxes are ``(top, left, bottom, right)`` in pixels, continuous coordinates in which
pixel ``(i, j)`` covers ``[i, i + 1) x [j, j + 1)``; positions are ``(row, col)`` in the
same coordinates. Images are ``uint8`` RGB arrays of shape ``(H, W, 3)``.

Everything is vectorised NumPy: a 144 x 192 frame costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from .runtime import seeded_rng
from .scenes import (
    Distractor,
    Scene,
    Source,
    box_iou,
    check_camera,
    clip_box,
    frame_times,
    projected_box,
)
from .sounds import CLASSES

__all__ = [
    "ObjectAnnotation",
    "RenderedClip",
    "render_background",
    "render_frame",
    "render_clip",
    "annotator_boxes",
    "box_iou",
]

#: Number of annotators whose boxes are simulated per object (as Flickr-SoundNet).
N_ANNOTATORS = 3


@dataclass(frozen=True)
class ObjectAnnotation:
    """Ground truth of one object in one frame.

    ``class_name``/``label`` (index in :data:`acousticlib.sounds.CLASSES`);
    ``sounding``: True for a source, False for a silent distractor; ``position``:
        projected centre
    ``(row, col)`` in pixels; ``box``: ``(top, left, bottom, right)`` pixels clipped to
    the frame; ``annotator_boxes``: ``(3, 4)`` jittered boxes; ``depth``: z in metres;
    ``index``: the object's index in ``scene.sources`` or ``scene.distractors``.
    """

    class_name: str
    label: int
    sounding: bool
    index: int
    position: tuple[float, float]
    box: tuple[float, float, float, float]
    annotator_boxes: np.ndarray
    depth: float


@dataclass(frozen=True)
class RenderedClip:
    """Frames of a scene: ``frames`` uint8 ``(T, H, W, 3)``, their centre ``times`` (s)
    ``(T,)``, and per frame a tuple of :class:`ObjectAnnotation` (sources first, then
    distractors)."""

    frames: np.ndarray
    times: np.ndarray
    annotations: tuple[tuple[ObjectAnnotation, ...], ...]

    def source_boxes(self) -> np.ndarray:
        """Clipped boxes of the sounding sources: float ``(T, S, 4)`` pixels ``(top,
        left, bottom, right)``."""
        return np.array(
            [[a.box for a in frame if a.sounding] for frame in self.annotations],
            dtype=float,
        ).reshape(len(self.annotations), -1, 4)


# --------------------------------------------------------------------------------------
# Drawing primitives on normalised object coordinates u (right) and v (down), both in
# [-0.5, 0.5] over the object's box. Each returns a boolean mask.
# --------------------------------------------------------------------------------------


def _rect(
    u: np.ndarray, v: np.ndarray, u0: float, v0: float, u1: float, v1: float
) -> np.ndarray:
    return (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)


def _ell(
    u: np.ndarray, v: np.ndarray, cu: float, cv: float, ru: float, rv: float
) -> np.ndarray:
    return ((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2 <= 1.0


def _poly(
    u: np.ndarray, v: np.ndarray, pts: Sequence[tuple[float, float]]
) -> np.ndarray:
    """Inside of a convex polygon given by its vertices (either orientation)."""
    p = np.asarray(pts, dtype=float)
    q = np.roll(p, -1, axis=0)
    cross = [
        (b[0] - a[0]) * (v - a[1]) - (b[1] - a[1]) * (u - a[0])
        for a, b in zip(p, q, strict=False)
    ]
    return np.all(np.stack(cross) >= 0, axis=0) | np.all(np.stack(cross) <= 0, axis=0)


def _seg(
    u: np.ndarray,
    v: np.ndarray,
    a: tuple[float, float],
    b: tuple[float, float],
    w: float,
) -> np.ndarray:
    """Thick segment from a to b of half-width w."""
    du, dv = b[0] - a[0], b[1] - a[1]
    s = np.clip(
        ((u - a[0]) * du + (v - a[1]) * dv) / (du * du + dv * dv + 1e-12), 0.0, 1.0
    )
    return (u - a[0] - s * du) ** 2 + (v - a[1] - s * dv) ** 2 <= w * w


def _hash(i: np.ndarray, j: np.ndarray, seed: int) -> np.ndarray:
    """Deterministic pseudo-random values in [0, 1) for integer lattice points (i,
    j)."""
    h = (
        (i.astype(np.int64) * 73856093)
        ^ (j.astype(np.int64) * 19349663)
        ^ (seed * 83492791)
    )
    h = (h ^ (h >> 13)) * 1274126177
    return ((h ^ (h >> 16)) & 0xFFFF).astype(np.float32) / 65536.0


def _noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth value noise of shape (h, w), values about in [-1, 1], features ``cell``
    pixels wide."""
    gh, gw = int(h / cell) + 2, int(w / cell) + 2
    g = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    r = np.arange(h, dtype=np.float32) / cell
    c = np.arange(w, dtype=np.float32) / cell
    r0, c0 = r.astype(np.int64), c.astype(np.int64)
    fr, fc = (r - r0)[:, None], (c - c0)[None, :]
    a, b = g[r0][:, c0], g[r0][:, c0 + 1]
    cc, d = g[r0 + 1][:, c0], g[r0 + 1][:, c0 + 1]
    return (
        a * (1 - fr) * (1 - fc) + b * (1 - fr) * fc + cc * fr * (1 - fc) + d * fr * fc
    ).astype(np.float32)


def _pick(
    rng: np.random.Generator,
    palette: Sequence[tuple[float, float, float]],
    spread: float = 0.08,
) -> np.ndarray:
    """A palette colour (RGB in [0, 1]) with a little random variation."""
    c = np.asarray(palette[int(rng.integers(len(palette)))], dtype=np.float32)
    return np.clip(c * rng.uniform(1 - spread, 1 + spread, 3), 0.0, 1.0).astype(
        np.float32
    )


_METAL = [(0.75, 0.76, 0.78), (0.6, 0.62, 0.65), (0.85, 0.85, 0.86)]
_DARK = [(0.1, 0.1, 0.11), (0.18, 0.18, 0.2), (0.25, 0.24, 0.23)]
_GLASS = [(0.2, 0.3, 0.42), (0.15, 0.22, 0.3), (0.3, 0.4, 0.5)]
_VIVID = [
    (0.8, 0.1, 0.1),
    (0.1, 0.3, 0.75),
    (0.95, 0.95, 0.95),
    (0.1, 0.55, 0.2),
    (0.95, 0.8, 0.1),
    (0.9, 0.45, 0.1),
]
_TOOL = [
    (0.95, 0.75, 0.05),
    (0.1, 0.5, 0.3),
    (0.75, 0.1, 0.1),
    (0.1, 0.35, 0.7),
    (0.95, 0.5, 0.05),
]

_DARK_C = np.array([0.08, 0.08, 0.09], dtype=np.float32)
_WHITE_C = np.array([0.92, 0.94, 0.96], dtype=np.float32)
#: Flat tone of a distractor drawn with similarity 0: a desaturated mid grey, no shading
#: or texture.
_FLAT_C = np.array([0.5, 0.5, 0.51], dtype=np.float32)
#: Opacity above which a pixel belongs to an object's silhouette (wire mesh and spray
#: included).
_SILHOUETTE_ALPHA = 0.1

Layer = tuple[np.ndarray, np.ndarray, float]  # (mask, rgb colour, opacity)


def _drone(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    body, accent, prop = (
        _pick(rng, [(0.15, 0.15, 0.16), (0.9, 0.9, 0.9), (0.4, 0.4, 0.42)]),
        _pick(rng, _VIVID),
        _pick(rng, _METAL),
    )
    out: list[Layer] = []
    for su in (-1, 1):
        out.append((_seg(u, v, (0.0, -0.05), (0.36 * su, -0.28), 0.05), body, 1.0))
        out.append((_seg(u, v, (0.12 * su, 0.1), (0.16 * su, 0.45), 0.025), body, 1.0))
    for su in (-1, 1):
        disc = _ell(u, v, 0.36 * su, -0.33, 0.14, 0.16)
        out.append((disc, prop, 0.45))
        ang = 40.0 * t + su
        blade = _seg(
            u,
            v,
            (0.36 * su - 0.13 * np.cos(ang), -0.33 - 0.06 * np.sin(ang)),
            (0.36 * su + 0.13 * np.cos(ang), -0.33 + 0.06 * np.sin(ang)),
            0.03,
        )
        out.append((blade, _DARK_C, 0.6))
    out.append((_ell(u, v, 0.0, 0.0, 0.17, 0.28), body, 1.0))
    out.append((_rect(u, v, -0.12, -0.05, 0.12, 0.05), accent, 1.0))
    out.append((_ell(u, v, 0.0, 0.26, 0.06, 0.12), _DARK_C, 1.0))
    return out


def _shopping_cart(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    metal = _pick(rng, _METAL + [(0.75, 0.15, 0.12), (0.15, 0.3, 0.7)])
    pitch_u, pitch_v = rng.uniform(9, 14), rng.uniform(7, 11)
    basket = _poly(u, v, [(-0.42, -0.38), (0.48, -0.38), (0.36, 0.18), (-0.3, 0.18)])
    grid = (np.abs(((u * pitch_u) % 1.0) - 0.5) > 0.33) | (
        np.abs(((v * pitch_v) % 1.0) - 0.5) > 0.33
    )
    out: list[Layer] = [(basket & grid, metal, 1.0), (basket & ~grid, metal, 0.12)]
    out.append((_seg(u, v, (-0.42, -0.38), (0.48, -0.38), 0.03), metal, 1.0))
    out.append(
        (_seg(u, v, (-0.5, -0.45), (-0.36, -0.3), 0.03), _pick(rng, _VIVID), 1.0)
    )
    out.append((_seg(u, v, (-0.3, 0.3), (0.36, 0.3), 0.025), metal, 1.0))
    for a, b in (((-0.3, 0.18), (-0.3, 0.4)), ((0.36, 0.18), (0.34, 0.4))):
        out.append((_seg(u, v, a, b, 0.02), metal, 1.0))
    for cu in (-0.3, -0.1, 0.14, 0.34):
        out.append((_ell(u, v, cu, 0.44, 0.05, 0.055), _DARK_C, 1.0))
    return out


def _traffic(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    paint, glass = (
        _pick(rng, _VIVID + [(0.1, 0.1, 0.1), (0.7, 0.7, 0.72)]),
        _pick(rng, _GLASS),
    )
    roof = rng.uniform(0.15, 0.25)
    out: list[Layer] = [
        (
            _rect(u, v, -0.47, -0.05, 0.47, 0.3)
            | _ell(u, v, -0.44, 0.12, 0.06, 0.17)
            | _ell(u, v, 0.44, 0.12, 0.06, 0.17),
            paint,
            1.0,
        ),
        (
            _poly(
                u,
                v,
                [
                    (-0.35 + roof * 0.3, -0.45),
                    (0.1 + roof, -0.45),
                    (0.3, -0.05),
                    (-0.38, -0.05),
                ],
            ),
            paint,
            1.0,
        ),
        (
            _poly(
                u,
                v,
                [
                    (-0.3 + roof * 0.3, -0.38),
                    (0.08 + roof, -0.38),
                    (0.24, -0.08),
                    (-0.32, -0.08),
                ],
            )
            & ~_rect(u, v, -0.06, -0.5, -0.02, 0.0),
            glass,
            1.0,
        ),
        (_rect(u, v, -0.45, 0.1, 0.45, 0.13), paint * 0.7, 1.0),
        (
            _ell(u, v, 0.46, 0.02, 0.03, 0.05),
            np.array([1.0, 0.95, 0.6], np.float32),
            1.0,
        ),
        (
            _ell(u, v, -0.47, 0.02, 0.02, 0.05),
            np.array([0.8, 0.05, 0.05], np.float32),
            1.0,
        ),
    ]
    for cu in (-0.3, 0.3):
        out.append((_ell(u, v, cu, 0.3, 0.1, 0.2), _DARK_C, 1.0))
        out.append((_ell(u, v, cu, 0.3, 0.045, 0.09), _pick(rng, _METAL), 1.0))
    return out


def _train(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    body, stripe, glass = (
        _pick(
            rng,
            [(0.85, 0.1, 0.1), (0.9, 0.9, 0.92), (0.15, 0.3, 0.65), (0.95, 0.75, 0.1)],
        ),
        _pick(rng, _VIVID),
        _pick(rng, _GLASS),
    )
    nwin = rng.uniform(6, 10)
    shell = _poly(
        u, v, [(-0.5, -0.38), (0.36, -0.38), (0.5, -0.1), (0.5, 0.33), (-0.5, 0.33)]
    )
    win = _rect(u, v, -0.48, -0.27, 0.34, -0.06) & ((((u + 0.5) * nwin) % 1.0) > 0.3)
    out: list[Layer] = [
        (shell, body, 1.0),
        (shell & _rect(u, v, -0.5, 0.04, 0.5, 0.13), stripe, 1.0),
        (win, glass, 1.0),
        (_poly(u, v, [(0.38, -0.32), (0.47, -0.12), (0.4, -0.12)]), glass, 1.0),
        (_rect(u, v, -0.5, 0.33, 0.5, 0.42), _DARK_C, 1.0),
        (_seg(u, v, (-0.1, -0.38), (0.05, -0.5), 0.01), _DARK_C, 1.0),
    ]
    for cu in (-0.42, -0.32, 0.28, 0.38):
        out.append((_ell(u, v, cu, 0.43, 0.04, 0.07), _pick(rng, _METAL) * 0.6, 1.0))
    return out


def _boat(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    hull, trim, cabin = (
        _pick(
            rng,
            [
                (0.95, 0.95, 0.95),
                (0.75, 0.12, 0.1),
                (0.1, 0.25, 0.6),
                (0.55, 0.35, 0.2),
            ],
        ),
        _pick(rng, _VIVID),
        _pick(rng, [(0.95, 0.95, 0.95), (0.8, 0.8, 0.75)]),
    )
    water = np.array([0.12, 0.32, 0.5], np.float32)
    wave = v > 0.28 + 0.03 * np.sin(25 * u + 6 * t)
    out: list[Layer] = [
        (_rect(u, v, -0.28, -0.32, 0.12, 0.0), cabin, 1.0),
        (
            _rect(u, v, -0.22, -0.24, 0.08, -0.12) & ((((u + 0.5) * 12) % 1.0) > 0.3),
            _pick(rng, _GLASS),
            1.0,
        ),
        (_seg(u, v, (-0.05, -0.32), (-0.05, -0.5), 0.012), _DARK_C, 1.0),
        (
            _poly(u, v, [(-0.48, -0.02), (0.5, -0.08), (0.3, 0.3), (-0.42, 0.3)]),
            hull,
            1.0,
        ),
        (
            _poly(u, v, [(-0.48, -0.02), (0.5, -0.08), (0.47, -0.0), (-0.47, 0.05)]),
            trim,
            1.0,
        ),
        (_rect(u, v, -0.5, -0.12, -0.42, 0.25), _DARK_C, 1.0),
        (wave, water, 1.0),
        (
            wave
            & (
                _hash((u * 40).astype(np.int64), (v * 20 + 30 * t).astype(np.int64), 7)
                > 0.85
            ),
            _WHITE_C,
            0.7,
        ),
    ]
    return out


def _fountain(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    stone = _pick(rng, [(0.6, 0.58, 0.55), (0.75, 0.72, 0.65), (0.45, 0.45, 0.48)])
    water = np.array([0.6, 0.78, 0.95], np.float32)
    spread = rng.uniform(0.3, 0.45)
    spray = (np.abs(u) < spread * (v + 0.55) / 0.8) & (v < 0.25) & (v > -0.5)
    streak = (
        _hash((u * 45).astype(np.int64), (v * 10 - 40 * t).astype(np.int64), 11) > 0.45
    )
    return [
        (spray & streak, water, 0.85),
        (spray & ~streak, _WHITE_C, 0.35),
        (_ell(u, v, 0.0, -0.18, 0.2, 0.05), stone, 1.0),
        (_rect(u, v, -0.05, -0.18, 0.05, 0.22), stone * 0.85, 1.0),
        (
            _rect(u, v, -0.48, 0.2, 0.48, 0.5) | _ell(u, v, 0.0, 0.2, 0.48, 0.06),
            stone,
            1.0,
        ),
        (_ell(u, v, 0.0, 0.2, 0.42, 0.04), water * 0.8, 1.0),
        (_rect(u, v, -0.48, 0.3, 0.48, 0.33), stone * 0.7, 1.0),
    ]


def _drill(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    col = _pick(rng, _TOOL)
    return [
        (
            _rect(u, v, -0.42, -0.45, 0.2, -0.05) | _ell(u, v, -0.42, -0.25, 0.06, 0.2),
            col,
            1.0,
        ),
        (_rect(u, v, -0.48, -0.4, -0.38, -0.1), _DARK_C, 1.0),
        (
            _poly(u, v, [(-0.18, -0.05), (0.02, -0.05), (-0.04, 0.32), (-0.24, 0.32)]),
            _DARK_C * 2.0,
            1.0,
        ),
        (_rect(u, v, -0.32, 0.3, 0.1, 0.5), _DARK_C, 1.0),
        (_rect(u, v, 0.0, -0.02, 0.06, 0.1), col * 0.6, 1.0),
        (_rect(u, v, 0.2, -0.37, 0.32, -0.13), _DARK_C * 1.5, 1.0),
        (_rect(u, v, 0.32, -0.28, 0.5, -0.22), _pick(rng, _METAL), 1.0),
    ]


def _razor(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    col = _pick(
        rng, [(0.1, 0.1, 0.12), (0.7, 0.72, 0.75), (0.1, 0.25, 0.55), (0.9, 0.9, 0.92)]
    )
    head = _rect(u, v, -0.5, -0.5, 0.5, -0.22)
    foil = head & ((((u + 0.5) * rng.uniform(5, 9)) % 1.0) > 0.35)
    return [
        (
            _rect(u, v, -0.36, -0.25, 0.36, 0.38) | _ell(u, v, 0.0, 0.38, 0.36, 0.12),
            col,
            1.0,
        ),
        (head, _pick(rng, _METAL), 1.0),
        (foil, _pick(rng, _METAL) * 0.7, 1.0),
        (_ell(u, v, 0.0, 0.02, 0.14, 0.06), _pick(rng, _VIVID), 1.0),
        (_rect(u, v, -0.36, -0.22, 0.36, -0.18), _DARK_C, 1.0),
    ]


def _hair_dryer(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    col = _pick(
        rng,
        [
            (0.9, 0.45, 0.6),
            (0.1, 0.1, 0.12),
            (0.92, 0.92, 0.94),
            (0.5, 0.25, 0.6),
            (0.75, 0.1, 0.15),
        ],
    )
    rings = (np.hypot((u + 0.34) / 0.14, (v + 0.25) / 0.2) * 4) % 1.0 > 0.5
    return [
        (_rect(u, v, -0.34, -0.45, 0.34, -0.05), col, 1.0),
        (_ell(u, v, -0.34, -0.25, 0.14, 0.2), col * 0.85, 1.0),
        (_ell(u, v, -0.34, -0.25, 0.1, 0.15) & rings, _DARK_C, 1.0),
        (_rect(u, v, 0.34, -0.38, 0.5, -0.12), _DARK_C * 2.0, 1.0),
        (
            _poly(u, v, [(-0.15, -0.06), (0.05, -0.06), (0.02, 0.48), (-0.16, 0.48)]),
            col,
            1.0,
        ),
        (_rect(u, v, -0.06, 0.02, 0.02, 0.12), _pick(rng, _METAL), 1.0),
    ]


def _vacuum_cleaner(
    u: np.ndarray, v: np.ndarray, rng: np.random.Generator, t: float
) -> list[Layer]:
    col = _pick(
        rng,
        [
            (0.8, 0.12, 0.1),
            (0.15, 0.35, 0.75),
            (0.95, 0.8, 0.15),
            (0.55, 0.55, 0.58),
            (0.5, 0.2, 0.55),
        ],
    )
    r = np.hypot((u + 0.12) / 0.3, (v + 0.05) / 0.42)
    hose = (r > 0.85) & (r < 1.0) & (u > -0.42) & (v < 0.1)
    return [
        (hose, _DARK_C * 2.5, 1.0),
        (_seg(u, v, (-0.4, -0.45), (-0.4, 0.4), 0.03), _pick(rng, _METAL), 1.0),
        (_rect(u, v, -0.5, 0.38, -0.22, 0.5), _DARK_C, 1.0),
        (_ell(u, v, 0.18, 0.22, 0.32, 0.24), col, 1.0),
        (_ell(u, v, 0.18, 0.12, 0.22, 0.08), col * 1.2, 1.0),
        (_ell(u, v, 0.12, 0.4, 0.1, 0.1), _DARK_C, 1.0),
        (_ell(u, v, 0.38, 0.3, 0.06, 0.08), _DARK_C, 1.0),
    ]


_DRAW: dict[
    str, Callable[[np.ndarray, np.ndarray, np.random.Generator, float], list[Layer]]
] = {
    "drone": _drone,
    "shopping_cart": _shopping_cart,
    "traffic": _traffic,
    "train": _train,
    "boat": _boat,
    "fountain": _fountain,
    "drill": _drill,
    "razor": _razor,
    "hair_dryer": _hair_dryer,
    "vacuum_cleaner": _vacuum_cleaner,
}
assert tuple(_DRAW) == CLASSES


# --------------------------------------------------------------------------------------
# Backgrounds
# --------------------------------------------------------------------------------------


def _fill(
    img: np.ndarray, mask: np.ndarray, colour: np.ndarray, alpha: float = 1.0
) -> None:
    img[mask] = (1 - alpha) * img[mask] + alpha * colour


def _span(n: int, a: float, b: float) -> slice:
    """Pixel rows (or columns) of a frame of ``n`` pixels between fractions ``a`` and
    ``b``."""
    return slice(int(np.clip(round(a * n), 0, n)), int(np.clip(round(b * n), 0, n)))


def render_background(scene: Scene, camera: Any) -> np.ndarray:
    """The static background of ``scene`` seen by ``camera``: float32 RGB in [0, 1], (H,
    W, 3).

    Anechoic: foam wedges and a wire-mesh floor; reverberant: wall, floor and furniture;
    noisy outdoor: sky, buildings, trees and a road or lawn. Clutter, colours and
    textures are drawn from ``seeded_rng(scene.seed, "background")``; ``scene.style ==
    1`` applies the unseen dusk style (cool, darker light, stronger vignetting, other
    textures).
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    check_camera(camera)
    h, w = int(camera.height), int(camera.width)
    rng = seeded_rng(scene.seed, "background")
    rr, cc = np.meshgrid(
        np.arange(h, dtype=np.float32) / h,
        np.arange(w, dtype=np.float32) / w,
        indexing="ij",
    )
    img = np.empty((h, w, 3), np.float32)
    tex = _noise(rng, h, w, max(3.0, w / rng.uniform(15, 40)))[..., None]
    clutter = int(rng.integers(4, 10))
    if scene.condition == "anechoic":
        base = _pick(rng, [(0.35, 0.36, 0.4), (0.25, 0.3, 0.42), (0.45, 0.42, 0.38)])
        period = rng.uniform(0.04, 0.08)
        wedge = np.abs(((cc / period) % 1.0) - 0.5) + np.abs(
            ((rr * h / w / period) % 1.0) - 0.5
        )
        img[:] = base * (0.7 + 0.6 * wedge[..., None])
        floor = rr > rng.uniform(0.7, 0.85)
        mesh = ((cc * w / 6) % 1.0 < 0.15) | ((rr * h / 4) % 1.0 < 0.15)
        _fill(img, floor, base * 0.5)
        _fill(img, floor & mesh, np.array([0.6, 0.6, 0.6], np.float32))
        for _ in range(clutter // 2):  # stands and tripods
            x0 = rng.uniform(0, 1)
            _fill(
                img,
                (np.abs(cc - x0) < 0.006) & (rr > rng.uniform(0.3, 0.7)),
                _pick(rng, _DARK + _METAL),
            )
    elif scene.condition == "reverberant":
        wall = _pick(
            rng,
            [(0.85, 0.8, 0.7), (0.75, 0.8, 0.78), (0.9, 0.88, 0.85), (0.7, 0.72, 0.8)],
        )
        floor_c = _pick(
            rng, [(0.55, 0.38, 0.22), (0.45, 0.45, 0.47), (0.65, 0.5, 0.35)]
        )
        horizon = rng.uniform(0.55, 0.75)
        img[:] = wall * (0.9 + 0.1 * rr[..., None])
        floor = rr > horizon
        planks = ((cc * rng.uniform(6, 14) + 0.3 * (rr > 0.8)) % 1.0) < 0.04
        _fill(img, floor, floor_c)
        _fill(img, floor & planks, floor_c * 0.6)
        for _ in range(clutter):  # furniture, frames, doors
            x0, wdt = rng.uniform(-0.1, 1.0), rng.uniform(0.05, 0.25)
            y1 = horizon + rng.uniform(-0.05, 0.15)
            y0 = y1 - rng.uniform(0.1, 0.45)
            if rng.random() < 0.4:  # a picture on the wall
                y0, y1 = rng.uniform(0.1, 0.3), rng.uniform(0.35, 0.5)
            rs, cs = _span(h, y0, y1), _span(w, x0, x0 + wdt)
            col = _pick(
                rng,
                [
                    (0.45, 0.3, 0.2),
                    (0.3, 0.3, 0.33),
                    (0.7, 0.65, 0.55),
                    (0.2, 0.35, 0.5),
                    (0.6, 0.2, 0.2),
                ],
                0.15,
            )
            img[rs, cs] = col
            shelf = (
                (np.arange(rs.start, rs.stop) - rs.start) / rng.uniform(6, 15)
            ) % 1.0 < 0.12
            img[rs, cs][shelf] = col * 0.6
    else:  # noisy_outdoor
        sky = _pick(rng, [(0.55, 0.72, 0.92), (0.75, 0.78, 0.82), (0.6, 0.68, 0.8)])
        ground = _pick(
            rng,
            [(0.3, 0.5, 0.2), (0.35, 0.35, 0.37), (0.6, 0.55, 0.42), (0.25, 0.4, 0.55)],
        )
        horizon = rng.uniform(0.35, 0.6)
        img[:] = sky * (0.85 + 0.3 * rr[..., None])
        for _ in range(clutter):  # buildings with windows
            x0, wdt = rng.uniform(-0.1, 1.0), rng.uniform(0.08, 0.3)
            top = horizon - rng.uniform(0.1, 0.4)
            rs, cs = _span(h, top, horizon), _span(w, x0, x0 + wdt)
            col = _pick(
                rng,
                [
                    (0.6, 0.55, 0.5),
                    (0.5, 0.5, 0.55),
                    (0.7, 0.6, 0.45),
                    (0.45, 0.35, 0.3),
                ],
                0.15,
            )
            img[rs, cs] = col
            wr = (
                (np.arange(rs.start, rs.stop) - rs.start) / rng.uniform(5, 9)
            ) % 1.0 < 0.4
            wc = (
                (np.arange(cs.start, cs.stop) - cs.start) / rng.uniform(5, 9)
            ) % 1.0 < 0.4
            sub = img[rs, cs]
            sub[wr[:, None] & wc[None, :]] = _pick(rng, _GLASS)
        for _ in range(int(rng.integers(1, 5))):  # trees
            x0, y0 = rng.uniform(0, 1), horizon - rng.uniform(0.05, 0.25)
            r = rng.uniform(0.04, 0.1)
            _fill(
                img,
                (np.abs(cc - x0) < r * 0.15) & (rr > y0) & (rr <= horizon + 0.02),
                np.array([0.35, 0.25, 0.15], np.float32),
            )
            _fill(
                img,
                ((cc - x0) / r) ** 2 + ((rr - y0) * h / w / r) ** 2 < 1,
                _pick(rng, [(0.15, 0.4, 0.15), (0.25, 0.45, 0.2)], 0.2),
            )
        ground_mask = rr > horizon
        _fill(img, ground_mask, ground * (0.8 + 0.3 * rr[..., None][ground_mask]))
        lane = (
            ground_mask
            & (np.abs(rr - (horizon + 1) / 2) < 0.008)
            & ((cc * 8) % 1.0 < 0.5)
        )
        _fill(img, lane, np.array([0.9, 0.9, 0.85], np.float32), 0.7)
    img *= 1.0 + 0.12 * tex
    if scene.style == 1:  # the unseen "dusk" style
        img = img[..., ::-1] * 0.35 + img * 0.35 + 0.05
        img *= np.array([0.75, 0.8, 1.05], np.float32)
        img *= (1.0 - 0.6 * ((rr - 0.5) ** 2 + (cc - 0.5) ** 2))[..., None]
        img += 0.08 * _noise(rng, h, w, 2.0)[..., None]
    return np.clip(img, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------------------
# Objects, annotations, frames
# --------------------------------------------------------------------------------------


def annotator_boxes(
    box: Any,
    rng: np.random.Generator,
    height: int,
    width: int,
    n: int = N_ANNOTATORS,
    jitter: float = 0.06,
) -> np.ndarray:
    """Boxes that ``n`` annotators might draw around the true ``box`` (top, left,
    bottom, right) px.

    Each edge moves by a Gaussian of standard deviation ``jitter`` times the box's
    height (top/bottom) or width (left/right), truncated at 2 ``jitter`` (and at most
    0.12), then the box is clipped to the ``height`` x ``width`` frame. The truncation
    guarantees IoU > 0.55 with the true box. Returns float ``(n, 4)``.
    """
    box = _checks.as_array(
        "box", box, shape=(4,), dtype=float, what="(top, left, bottom, right) pixels"
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError(
            f"box must have bottom > top and right > left; got {tuple(box)}"
        )
    _checks.in_range("jitter", jitter, 0.0, 0.2)
    n = _checks.positive("n", n, integer=True)
    size = np.array([box[2] - box[0], box[3] - box[1]] * 2)
    lim = min(2 * jitter, 0.12)
    d = np.clip(rng.normal(0.0, jitter, (n, 4)), -lim, lim) * size
    out = clip_box(box + d, height, width)
    out[:, 2] = np.maximum(out[:, 2], out[:, 0] + 1e-3)
    out[:, 3] = np.maximum(out[:, 3], out[:, 1] + 1e-3)
    return out


_ANIMATED = frozenset({"drone", "boat", "fountain"})


def _sprite(
    obj: Source | Distractor, box: np.ndarray, t: float, flip: bool, h: int, w: int
) -> tuple | None:
    """Draw ``obj`` inside its unclipped ``box`` as a premultiplied RGBA patch.

    Returns ``(rows, cols, premultiplied rgb (h', w', 3), alpha (h', w', 1))`` for the
    part of the box inside an ``h`` x ``w`` frame, or None when the box misses the
    frame. A distractor with ``similarity`` s < 1 is the blend s * (its full look) + (1
    - s) * (its solid silhouette in a flat grey), so it looks less like a sound source
      as s falls (chapter 06).
    """
    top, left, bottom, right = box
    r0, r1 = max(0, int(np.floor(top))), min(h, int(np.ceil(bottom)))
    c0, c1 = max(0, int(np.floor(left))), min(w, int(np.ceil(right)))
    if r1 <= r0 or c1 <= c0:
        return None
    v = ((np.arange(r0, r1, dtype=np.float32) + 0.5 - top) / (bottom - top) - 0.5)[
        :, None
    ]
    u = ((np.arange(c0, c1, dtype=np.float32) + 0.5 - left) / (right - left) - 0.5)[
        None, :
    ]
    if flip:
        u = -u
    u, v = np.broadcast_arrays(u, v)
    rng = seeded_rng(obj.appearance_seed, "appearance")
    shade = ((1.08 - 0.25 * (v + 0.5)) * (1.0 + 0.05 * np.sin(37.0 * u + 23.0 * v)))[
        ..., None
    ]
    rgb = np.zeros(u.shape + (3,), np.float32)
    alpha = np.zeros(u.shape + (1,), np.float32)
    for mask, colour, opacity in _DRAW[obj.class_name](u, v, rng, t):
        a = (mask * np.float32(opacity))[..., None]
        rgb = rgb * (1 - a) + np.clip(colour * shade, 0.0, 1.0) * a
        alpha = alpha * (1 - a) + a
    if isinstance(obj, Distractor) and obj.similarity < 1.0:
        # blend with the flat version: the solid silhouette in _FLAT_C (premultiplied
        # RGBA, linear)
        s = np.float32(obj.similarity)
        flat = (alpha > _SILHOUETTE_ALPHA).astype(np.float32)
        rgb = s * rgb + (1 - s) * flat * _FLAT_C
        alpha = s * alpha + (1 - s) * flat
    return slice(r0, r1), slice(c0, c1), rgb, alpha


def _objects(scene: Scene) -> list[tuple[Source | Distractor, bool, int]]:
    return [(s, True, i) for i, s in enumerate(scene.sources)] + [
        (d, False, i) for i, d in enumerate(scene.distractors)
    ]


def render_frame(
    scene: Scene,
    camera: Any,
    t: float,
    *,
    background: np.ndarray | None = None,
    frame_index: int | None = None,
    _sprites: dict | None = None,
) -> tuple[np.ndarray, tuple[ObjectAnnotation, ...]]:
    """Render the frame of ``scene`` at time ``t`` (seconds) and its ground truth
    (chapter 06).

    ``background`` (float32 (H, W, 3) from :func:`render_background`) saves redrawing it
    for every frame of a clip. ``frame_index`` salts the annotators' jitter (default:
    ``t`` in microseconds). Returns the uint8 RGB image ``(H, W, 3)`` and one
    :class:`ObjectAnnotation` per object whose box meets the frame (sources first, then
    distractors).
    """
    check_camera(camera)
    t = float(_checks.in_range("t", t, 0.0, float(scene.duration)))
    if background is None:
        background = render_background(scene, camera)
    bg = _checks.as_array(
        "background",
        background,
        shape=(camera.height, camera.width, 3),
        dtype=np.float32,
        what="(H, W, 3) RGB of the camera frame",
    )
    img = bg.copy()
    h, w = img.shape[:2]
    salt = frame_index if frame_index is not None else int(round(t * 1e6))
    objs = _objects(scene)
    pos = np.array(
        [o.position(t) if isinstance(o, Source) else o.position for o, _, _ in objs]
    ).reshape(-1, 3)
    sizes = np.array([o.size for o, _, _ in objs]).reshape(-1, 2)
    if len(objs) == 0:
        return (img * 255 + 0.5).astype(np.uint8), ()
    boxes = projected_box(camera, pos, sizes)
    centres = np.asarray(camera.project(pos), dtype=float).reshape(-1, 2)
    for k in np.argsort(-pos[:, 2], kind="stable"):  # far to near
        obj, sounding, idx = objs[k]
        static = (
            not (isinstance(obj, Source) and obj.moving)
            and obj.class_name not in _ANIMATED
        )
        key = (sounding, idx)
        if static and _sprites is not None and key in _sprites:
            sprite = _sprites[key]
        else:
            flip = (
                (obj.velocity[0] < 0)
                if isinstance(obj, Source) and obj.moving
                else bool(seeded_rng(obj.appearance_seed, "flip").random() < 0.5)
            )
            sprite = _sprite(obj, boxes[k], t, flip, h, w)
            if static and _sprites is not None:
                _sprites[key] = sprite
        if sprite is not None:
            rs, cs, rgb, alpha = sprite
            img[rs, cs] = rgb + img[rs, cs] * (1 - alpha)
    notes = []
    rng = seeded_rng(scene.seed, "annotators", salt)
    for k, (obj, sounding, idx) in enumerate(objs):
        clipped = clip_box(boxes[k], h, w)
        if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
            continue
        notes.append(
            ObjectAnnotation(
                class_name=obj.class_name,
                label=obj.label,
                sounding=sounding,
                index=idx,
                position=(float(centres[k, 0]), float(centres[k, 1])),
                box=tuple(float(b) for b in clipped),
                annotator_boxes=annotator_boxes(clipped, rng, h, w),
                depth=float(pos[k, 2]),
            )
        )
    return (img * 255 + 0.5).astype(np.uint8), tuple(notes)


def render_clip(
    scene: Scene, camera: Any, fps: float = 12.0, times: Sequence[float] | None = None
) -> RenderedClip:
    """Render all frames of ``scene`` at ``fps`` frames/s (or at the given ``times``,
    seconds).

    Frame k is drawn at its centre time (k + 0.5) / fps (see
    :func:`acousticlib.scenes.frame_times`), over one shared background. Returns a
    :class:`RenderedClip` with frames ``(T, H, W, 3)`` uint8.
    """
    check_camera(camera)
    tt = (
        frame_times(scene.duration, fps)
        if times is None
        else _checks.as_array("times", times, ndim=1, dtype=float)
    )
    bg = render_background(scene, camera)
    frames = np.empty((len(tt), camera.height, camera.width, 3), np.uint8)
    notes = []
    sprites: dict = {}  # static objects are drawn once per clip
    for k, t in enumerate(tt):
        frames[k], ann = render_frame(
            scene, camera, float(t), background=bg, frame_index=k, _sprites=sprites
        )
        notes.append(ann)
    return RenderedClip(
        frames=frames, times=np.asarray(tt, dtype=float), annotations=tuple(notes)
    )
