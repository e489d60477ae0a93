"""The procedural look of each object class in the camera frames (chapter 06).

Drawing primitives on an object's normalised coordinates (rectangles, ellipses, convex
polygons, thick segments: boolean masks), smooth value noise and a lattice hash, colour
palettes picked with small random variations, and one painter per class of
:data:`acousticlib.sounds.CLASSES` (a car with cabin, windows and wheels; a wire-mesh
shopping cart; a four-rotor drone; a fountain with animated spray; ...), collected in
``_DRAW``: ``_DRAW[class_name](u, v, rng, t)`` returns the layers ``(mask, rgb colour,
opacity)`` of the object at time ``t`` seconds, in drawing order. Private to
:mod:`acousticlib.rendering`, which composites the layers into frames and draws the
backgrounds with the same noise and palettes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .sounds import CLASSES

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
