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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from ._painters import (
    _DARK,
    _DRAW,
    _FLAT_C,
    _GLASS,
    _METAL,
    _SILHOUETTE_ALPHA,
    _noise,
    _pick,
)
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
    projected centre ``(row, col)`` in pixels; ``box``: ``(top, left, bottom, right)``
    pixels clipped to the frame; ``annotator_boxes``: ``(3, 4)`` jittered boxes;
    ``depth``: z in metres; ``index``: the object's index in ``scene.sources`` or
    ``scene.distractors``.
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
