"""Scenes for the simulated acoustic-optical camera: what sounds where, and in which
room (chapter 06).

A :class:`Scene` is a pure description, with no audio or pixels in it: zero to K sound
:class:`Source` objects (a class from :data:`acousticlib.sounds.CLASSES`, a
straight-line trajectory in front of the camera at 1-5 m, a physical size, a level and
the seeds of its sound and appearance), silent :class:`Distractor` objects shaped like
sources (how alike they look is ``SceneConfig.distractor_similarity``), and a condition
mirroring AVIA's increasing
difficulty: ``"anechoic"`` (free field, faint room tone), ``"reverberant"`` (a shoebox
:class:`Room` with an RT60) and ``"noisy_outdoor"`` (wind or distant traffic at 0-10 dB
SNR at the microphone, :data:`SNR_DB`). A scene with no sources is a background-only
segment, the papers' background-noise samples.

Coordinates are metres in the camera frame: the camera (and the array centre) is at the
origin and looks along +z; x and y follow the camera model's convention. The camera is
any object with ``project(points (..., 3)) -> (..., 2)`` pixel ``(row, col)``,
attributes ``height`` and ``width`` (pixels) and ``fx``, ``fy`` (focal lengths in
pixels), such as ``acousticlib.geometry.Camera``; the principal point is assumed near
the frame centre when sampling positions, and every sample is checked with ``project``.

:func:`sample_scene` draws scenes; :func:`source_signals` and :func:`background_signal`
give the dry mono signals that the array simulator (``acousticlib.simulate``) propagates
to the microphones; ``acousticlib.rendering`` draws the frames.

Where the parts live: the description (:data:`CONDITIONS`, :class:`Source`,
:class:`Distractor`, :class:`Room`, :class:`Scene`, :class:`SceneConfig`) is in
:mod:`acousticlib.scene_description`, the camera check and the pixel boxes
(:func:`check_camera`, :func:`projected_box`, :func:`clip_box`, :func:`box_iou`) in
:mod:`acousticlib.scene_boxes`, every name importable from here as before; here are the
sampling tables (:data:`OBJECT_SIZES`, :data:`DEPTH_RANGES`, :data:`SNR_DB`), the
sampling, the calibration, the signals and :func:`frame_times`. Imports run one way:
``scene_description``, ``scene_boxes`` -> ``scenes``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _checks
from .scene_boxes import box_iou, check_camera, clip_box, projected_box
from .scene_description import (
    CONDITIONS,
    Distractor,
    Room,
    Scene,
    SceneConfig,
    Source,
)
from .sounds import CLASSES, FS, SPECS, as_rng, synthesize

__all__ = [
    "CONDITIONS",
    "OBJECT_SIZES",
    "DEPTH_RANGES",
    "SNR_DB",
    "REFERENCE_SOURCE_POWER_DB",
    "Source",
    "Distractor",
    "Room",
    "Scene",
    "SceneConfig",
    "check_camera",
    "projected_box",
    "clip_box",
    "box_iou",
    "sample_scene",
    "source_signals",
    "background_signal",
    "calibrated",
    "frame_times",
]

#: Nominal visible size (width, height) in metres of each class's object; instances vary
#: by +-15 %. Large vehicles are scale models so that they fit the 1-5 m field of the
#: camera.
OBJECT_SIZES: dict[str, tuple[float, float]] = {
    "drone": (0.55, 0.22),
    "shopping_cart": (0.9, 0.9),
    "traffic": (1.8, 0.85),
    "train": (2.6, 1.0),
    "boat": (1.5, 0.75),
    "fountain": (0.8, 1.0),
    "drill": (0.3, 0.25),
    "razor": (0.09, 0.2),
    "hair_dryer": (0.3, 0.28),
    "vacuum_cleaner": (0.6, 0.6),
}

#: Depth range (z, metres) where each class is placed: hand-held objects near, vehicles
#: far.
DEPTH_RANGES: dict[str, tuple[float, float]] = {
    "drone": (1.5, 5.0),
    "shopping_cart": (2.5, 5.0),
    "traffic": (3.5, 5.0),
    "train": (4.0, 5.0),
    "boat": (3.0, 5.0),
    "fountain": (2.0, 5.0),
    "drill": (1.0, 2.5),
    "razor": (1.0, 2.0),
    "hair_dryer": (1.0, 2.5),
    "vacuum_cleaner": (1.5, 4.0),
}

#: Broadband signal-to-noise ratio at the reference microphone (dB), drawn uniformly per
#: scene: the sources' power after propagation over the background's power, both at that
#: microphone.
SNR_DB: dict[str, tuple[float, float]] = {
    "anechoic": (25.0, 35.0),
    "reverberant": (15.0, 25.0),
    "noisy_outdoor": (0.0, 10.0),
}
#: Power (dB re 1 Pa^2) a background-only scene's SNR refers to: the median broadband
#: power at the microphone of one source of the book's scenes (level -6..0 dB, 1-5 m;
#: measured by ``tests/test_scenes.py``), so a background-only recording is as loud as
#: its condition's others.
REFERENCE_SOURCE_POWER_DB = -43.5
_BACKGROUND = {
    "anechoic": ("room_tone",),
    "reverberant": ("room_tone",),
    "noisy_outdoor": ("wind", "traffic_hum"),
}


def frame_times(duration: float, fps: float = 12.0) -> np.ndarray:
    """Centre times (s) of the video frames of a ``duration``-second scene at ``fps``
    frames/s.

    Frame k covers [k / fps, (k + 1) / fps) and is rendered at its centre (k + 0.5) /
    fps, matching the 1024-sample audio frame k at 12 288 Hz and 12 fps. Shape
    ``(round(duration * fps),)``.
    """
    duration = _checks.positive("duration", duration)
    fps = _checks.positive("fps", fps)
    n = int(round(duration * fps))
    if n < 1:
        raise ValueError(
            f"duration * fps must give at least one frame; got {duration} s at {fps} "
            f"fps"
        )
    return (np.arange(n) + 0.5) / fps


def _inside(camera: Any, pos: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Whether each object's projected box (at positions (..., 3)) lies inside the
    frame."""
    box = projected_box(camera, pos, size)
    return (
        (box[..., 0] >= 0)
        & (box[..., 1] >= 0)
        & (box[..., 2] <= camera.height)
        & (box[..., 3] <= camera.width)
    )


def _place(
    rng: np.random.Generator,
    camera: Any,
    name: str,
    cfg: SceneConfig,
    size: np.ndarray,
    move: bool,
    taken: list[np.ndarray],
    tries: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a start position and velocity whose box stays in the frame for the whole
    scene."""
    lo, hi = DEPTH_RANGES[name]
    lo, hi = max(lo, cfg.depth[0]), min(hi, cfg.depth[1])
    # the class's range does not meet the configured one: use the configured one
    if lo > hi:
        lo, hi = cfg.depth
    z = rng.uniform(lo, hi, tries)
    tx, ty = 0.5 * camera.width / camera.fx, 0.5 * camera.height / camera.fy
    ax = np.clip(z * tx - 0.5 * size[0], 0.0, None)
    ay = np.clip(z * ty - 0.5 * size[1], 0.0, None)
    start = np.stack(
        [rng.uniform(-1, 1, tries) * ax, rng.uniform(-1, 1, tries) * ay, z], axis=-1
    )
    vel = np.zeros((tries, 3))
    if move and cfg.max_speed > 0:
        speed = rng.uniform(0.3, 1.0, tries) * cfg.max_speed
        # mostly sideways
        ang = rng.uniform(-0.35, 0.35, tries) + np.pi * rng.integers(0, 2, tries)
        vel = (
            np.stack([np.cos(ang), np.zeros(tries), np.sin(ang)], axis=-1)
            * speed[:, None]
        )
    end = start + cfg.duration * vel
    ok = (
        _inside(camera, start, size)
        & _inside(camera, end, size)
        & (end[:, 2] >= lo)
        & (end[:, 2] <= hi)
    )
    if taken:
        box = projected_box(camera, start, size)
        for other in taken:
            ok &= box_iou(box, other) < 0.3
    if not ok.any():  # fall back to a static object on the optical axis
        return np.array([0.0, 0.0, 0.5 * (lo + hi)]), np.zeros(3)
    i = int(np.argmax(ok))
    return start[i], vel[i]


def _sample_room(rng: np.random.Generator, points: np.ndarray) -> Room:
    """A shoebox room holding the array (origin) and all ``points`` (N, 3) with 0.4 m
    margins."""
    m = 0.4
    pts = np.vstack([points.reshape(-1, 3), np.zeros((1, 3))])
    pmin, pmax = pts.min(0), pts.max(0)
    nominal = np.array(
        [rng.uniform(4.0, 9.0), rng.uniform(2.6, 4.0), rng.uniform(5.0, 10.0)]
    )
    size = np.maximum(nominal, pmax - pmin + 2 * m + 0.2)
    lo_a, hi_a = m - pmin, size - m - pmax
    array_pos = lo_a + rng.uniform(0.0, 1.0, 3) * (hi_a - lo_a)
    return Room(
        size=tuple(size),
        rt60=float(rng.uniform(0.3, 0.9)),
        array_position=tuple(array_pos),
    )


def sample_scene(
    camera: Any,
    rng: np.random.Generator | int,
    config: SceneConfig | None = None,
    *,
    classes: Sequence[str] | None = None,
    condition: str | None = None,
    background_only: bool | None = None,
) -> Scene:
    """Draw a random :class:`Scene` seen by ``camera`` (chapter 06).

    Parameters
    ----------
    camera:
        Camera model (see the module docstring): objects are placed so that their
        projected boxes stay inside its frame for the whole scene.
    rng:
        ``numpy.random.Generator`` or a non-negative integer seed (expanded with
        ``runtime.seeded_rng(seed, "scene")``).
    config:
        :class:`SceneConfig` (default: one source, all classes and conditions).
    classes:
        Force the classes of the sounding sources (e.g. ``["drone"]`` for a
        class-balanced dataset); their number overrides ``config.max_sources``. Default:
        1..K random classes.
    condition:
        Force the condition (one of :data:`CONDITIONS`); default: drawn from ``config``.
    background_only:
        Force (True) or forbid (False) a scene without sources; default: drawn with
        probability ``config.p_background_only``. ``classes`` implies False.

    Returns
    -------
    Scene
        Positions in metres (camera frame), sizes in metres, levels in dB, times in
        seconds.
    """
    check_camera(camera)
    cfg = config if config is not None else SceneConfig()
    if not isinstance(cfg, SceneConfig):
        raise TypeError(f"config must be a SceneConfig; got {type(cfg).__name__}")
    gen = as_rng(rng, "scene")
    if condition is None:
        w = (
            None
            if cfg.condition_weights is None
            else np.asarray(cfg.condition_weights, float)
        )
        condition = str(
            gen.choice(cfg.conditions, p=None if w is None else w / w.sum())
        )
    _checks.one_of("condition", condition, CONDITIONS)
    if classes is not None:
        if isinstance(classes, str):
            raise TypeError(
                "classes must be a sequence of class names, e.g. ['drone']; got a "
                "string"
            )
        classes = list(classes)
        for c in classes:
            _checks.one_of("classes", c, CLASSES)
        if background_only:
            raise ValueError("background_only=True contradicts a non-empty classes")
        # classes given: sources (as documented); empty list: background only
        background_only = not classes
    if background_only is None:
        background_only = bool(gen.random() < cfg.p_background_only)
    if background_only:
        names: list[str] = []
    elif classes:
        names = classes
    else:
        names = [
            str(c)
            for c in gen.choice(cfg.classes, int(gen.integers(1, cfg.max_sources + 1)))
        ]

    def seed() -> int:
        return int(gen.integers(0, 2**31 - 1))

    def draw_size(name: str) -> np.ndarray:
        return (
            np.asarray(OBJECT_SIZES[name])
            * gen.uniform(0.85, 1.15)
            * gen.uniform(0.93, 1.07, 2)
        )

    taken: list[np.ndarray] = []
    sources: list[Source] = []
    for name in names:
        size = draw_size(name)
        move = SPECS[name].moves and gen.random() < cfg.p_moving
        start, vel = _place(gen, camera, name, cfg, size, move, taken)
        taken.append(projected_box(camera, start, size))
        sources.append(
            Source(
                name,
                tuple(start),
                tuple(vel),
                tuple(size),
                float(gen.uniform(-6.0, 0.0)),
                seed(),
                seed(),
            )
        )
    distractors: list[Distractor] = []
    # Whether a distractor copies a source's class is drawn from a side stream seeded by
    # the sources' drawn seeds, so the scene's own draws are the same whatever
    # distractor_similarity.
    alike = (
        as_rng(
            sources[0].sound_seed, "look-alike", *(s.appearance_seed for s in sources)
        )
        if sources
        else None
    )
    for _ in range(int(gen.integers(0, cfg.max_distractors + 1))):
        name = str(gen.choice(CLASSES))
        if alike is not None:
            u, j = alike.random(), int(alike.integers(len(sources)))
            if u < cfg.distractor_similarity:
                name = sources[j].class_name
        size = draw_size(name)
        pos, _ = _place(gen, camera, name, cfg, size, False, taken)
        taken.append(projected_box(camera, pos, size))
        distractors.append(
            Distractor(
                name, tuple(pos), tuple(size), seed(), float(cfg.distractor_similarity)
            )
        )
    room = None
    if condition == "reverberant":
        pts = [np.stack([s.position(0.0), s.position(cfg.duration)]) for s in sources]
        pts += [np.asarray(d.position)[None] for d in distractors]
        room = _sample_room(gen, np.concatenate(pts) if pts else np.zeros((0, 3)))
    background = str(gen.choice(_BACKGROUND[condition]))
    snr = gen.uniform(*SNR_DB[condition])
    return Scene(
        sources=tuple(sources),
        condition=condition,
        duration=cfg.duration,
        distractors=tuple(distractors),
        background=background,
        background_seed=seed(),
        room=room,
        style=cfg.style,
        seed=seed(),
        snr_db=float(snr),
    )


def calibrated(scene: Scene, source_power: float | None, fs: int = FS) -> Scene:
    """``scene`` with the background level that gives its ``snr_db`` at a microphone
    (chapter 06).

    ``source_power`` is the mean power (Pa^2) of the sources' signal at the reference
    microphone after propagation, or None for a background-only scene (then
    :data:`REFERENCE_SOURCE_POWER_DB` stands in). Returns a copy with
    ``background_level_db`` set so that the mean power of :func:`background_signal` is
    ``source_power`` divided by ``10 ** (snr_db / 10)``, and ``snr_db`` kept; a scene
    with ``snr_db=None`` is returned as is.
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    if scene.snr_db is None:
        return scene
    if source_power is None:
        source_power = 10 ** (REFERENCE_SOURCE_POWER_DB / 10)
    if not np.isfinite(source_power) or source_power <= 0:
        raise ValueError(
            f"source_power must be a positive power in Pa^2; got {source_power}"
        )
    unit = dataclasses.replace(scene, background_level_db=0.0, snr_db=None)
    unit_power = float(np.mean(background_signal(unit, fs).astype(np.float64) ** 2))
    level = 10 * np.log10(source_power / unit_power) - scene.snr_db
    return dataclasses.replace(scene, background_level_db=float(level))


def source_signals(scene: Scene, fs: int = FS) -> np.ndarray:
    """Dry mono signals of the scene's sources, scaled by their ``level_db`` (chapter
    06).

    Returns ``float32`` of shape ``(S, round(scene.duration * fs))``, S = number of
    sources (0 rows for a background-only scene); sample rate ``fs`` Hz. These are the
    emitted signals that the array simulator propagates from each source's trajectory.
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    n = int(round(scene.duration * _checks.positive("fs", fs, integer=True)))
    out = np.zeros((len(scene.sources), n), dtype=np.float32)
    for i, s in enumerate(scene.sources):
        out[i] = synthesize(
            s.class_name, scene.duration, fs, s.sound_seed
        ) * np.float32(10 ** (s.level_db / 20))
    return out


def background_signal(scene: Scene, fs: int = FS, channel: int = 0) -> np.ndarray:
    """The scene's background noise at ``background_level_db``: ``float32``
    (round(duration * fs),).

    The level is the scene's as given: a scene drawn by :func:`sample_scene` carries its
    SNR at the microphone instead, and :func:`calibrated` sets the level that gives it.

    ``channel`` selects an independent realisation (e.g. one per microphone for an
    uncorrelated noise field); the same channel always gives the same signal.
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    channel = _checks.positive("channel", channel, integer=True, allow_zero=True)
    seed = int(
        as_rng(scene.background_seed, "background", channel).integers(0, 2**31 - 1)
    )
    x = synthesize(scene.background, scene.duration, fs, seed)
    return x * np.float32(10 ** (scene.background_level_db / 20))
