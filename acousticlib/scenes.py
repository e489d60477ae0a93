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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from .sounds import BACKGROUNDS, CLASSES, FS, SPECS, as_rng, synthesize

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

#: Recording conditions, in order of increasing difficulty (as AVIA's noise levels).
CONDITIONS: tuple[str, ...] = ("anechoic", "reverberant", "noisy_outdoor")

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


def _vec(name: str, value: Any, n: int) -> tuple[float, ...]:
    arr = _checks.as_array(name, value, shape=(n,), dtype=float)
    return tuple(float(v) for v in arr)


def _check_object(obj: Any, where: str) -> None:
    """Validate and normalise class_name, the position field ``where`` and size of a
    frozen object."""
    _checks.one_of("class_name", obj.class_name, CLASSES)
    pos = _vec(where, getattr(obj, where), 3)
    if pos[2] <= 0:
        raise ValueError(
            f"{where} must lie in front of the camera (z > 0 m); got z = {pos[2]}"
        )
    object.__setattr__(obj, where, pos)
    size = _vec("size", obj.size, 2)
    if min(size) <= 0:
        raise ValueError(
            f"size must be a positive (width, height) in metres; got {size}"
        )
    object.__setattr__(obj, "size", size)


@dataclass(frozen=True)
class Source:
    """A sounding object on a straight-line trajectory.

    ``start`` is its centre at t = 0 (metres, camera frame) and ``velocity`` its
    velocity (m/s); ``size`` is its visible (width, height) in metres; ``level_db`` the
    gain (dB) applied to its peak-normalised dry signal; ``sound_seed`` and
    ``appearance_seed`` fix its sound and look.
    """

    class_name: str
    start: tuple[float, float, float]
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    size: tuple[float, float] = (0.3, 0.3)
    level_db: float = 0.0
    sound_seed: int = 0
    appearance_seed: int = 0

    def __post_init__(self) -> None:
        _check_object(self, "start")
        object.__setattr__(self, "velocity", _vec("velocity", self.velocity, 3))
        _checks.in_range("level_db", self.level_db, -120.0, 40.0)

    @property
    def label(self) -> int:
        """Integer class label (index in :data:`acousticlib.sounds.CLASSES`)."""
        return CLASSES.index(self.class_name)

    @property
    def moving(self) -> bool:
        """Whether the source moves during the scene."""
        return any(v != 0.0 for v in self.velocity)

    def position(self, t: float | np.ndarray) -> np.ndarray:
        """Centre position (metres) at time(s) ``t`` (seconds): shape ``(3,)`` or
        ``t.shape + (3,)``."""
        t = np.asarray(t, dtype=float)
        return np.asarray(self.start) + t[..., None] * np.asarray(self.velocity)


@dataclass(frozen=True)
class Distractor:
    """A silent, static object shaped like an object of ``class_name`` (metres, camera
    frame).

    ``similarity`` in [0, 1] is how much it looks like a sound source (see
    :class:`SceneConfig` ``distractor_similarity``): 1 draws it exactly as a source of
    its class, 0 as the class's silhouette in a flat grey, values between blend the two
    linearly.
    """

    class_name: str
    position: tuple[float, float, float]
    size: tuple[float, float] = (0.3, 0.3)
    appearance_seed: int = 0
    similarity: float = 1.0

    def __post_init__(self) -> None:
        _check_object(self, "position")
        object.__setattr__(
            self,
            "similarity",
            _checks.in_range("similarity", self.similarity, 0.0, 1.0),
        )

    @property
    def label(self) -> int:
        """Integer class label of the object it looks like."""
        return CLASSES.index(self.class_name)


@dataclass(frozen=True)
class Room:
    """A shoebox room: ``size`` (Lx, Ly, Lz) metres, reverberation time ``rt60`` (s),
    and the array centre's position ``array_position`` in room coordinates (metres).
    Room coordinates are camera coordinates shifted by ``array_position`` (axes
    parallel)."""

    size: tuple[float, float, float]
    rt60: float
    array_position: tuple[float, float, float]

    def __post_init__(self) -> None:
        size = _vec("size", self.size, 3)
        if min(size) <= 0:
            raise ValueError(
                f"size must be positive room dimensions in metres; got {size}"
            )
        object.__setattr__(self, "size", size)
        _checks.positive("rt60", self.rt60)
        pos = _vec("array_position", self.array_position, 3)
        if any(p <= 0 or p >= s for p, s in zip(pos, size, strict=False)):
            raise ValueError(
                f"array_position must lie inside the room {size}; got {pos}"
            )
        object.__setattr__(self, "array_position", pos)

    def to_room(self, points: np.ndarray) -> np.ndarray:
        """Camera-frame points (..., 3) metres -> room coordinates (..., 3) metres."""
        return np.asarray(points, dtype=float) + np.asarray(self.array_position)


@dataclass(frozen=True)
class Scene:
    """A complete scene description (see the module docstring).

    ``duration`` (s) is the span of audio to simulate; ``background`` names a noise from
    :data:`acousticlib.sounds.BACKGROUNDS`; ``snr_db`` is the broadband signal-to-noise
    ratio at the reference microphone, where it is heard: the propagation
    (:func:`acousticlib.datasets.propagate`) plays the background at the level that
    makes the sources' power there, after spreading loss and reverberation, ``snr_db``
    above the background's (:func:`calibrated`). With ``snr_db=None`` the background
    plays at ``background_level_db`` (dB gain on its peak-normalised signal) whatever
    the sources do; ``room`` is set for the reverberant condition only; ``style`` is the
    visual domain (0 the default, 1 an unseen style for generalisation tests); ``seed``
    fixes the drawn background and the annotators' jitter.
    """

    sources: tuple[Source, ...]
    condition: str
    duration: float = 1.0
    distractors: tuple[Distractor, ...] = ()
    background: str = "room_tone"
    background_level_db: float = -35.0
    background_seed: int = 0
    room: Room | None = None
    style: int = 0
    seed: int = 0
    snr_db: float | None = None

    def __post_init__(self) -> None:
        _checks.one_of("condition", self.condition, CONDITIONS)
        _checks.positive("duration", self.duration)
        _checks.one_of("background", self.background, BACKGROUNDS)
        _checks.in_range("background_level_db", self.background_level_db, -160.0, 40.0)
        if self.snr_db is not None:
            _checks.in_range("snr_db", self.snr_db, -40.0, 80.0)
        _checks.one_of("style", self.style, (0, 1))
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "distractors", tuple(self.distractors))
        for i, s in enumerate(self.sources):
            if not isinstance(s, Source):
                raise TypeError(
                    f"sources[{i}] must be a Source; got {type(s).__name__}"
                )
        for i, d in enumerate(self.distractors):
            if not isinstance(d, Distractor):
                raise TypeError(
                    f"distractors[{i}] must be a Distractor; got {type(d).__name__}"
                )
        if (self.condition == "reverberant") != (self.room is not None):
            raise ValueError(
                f"room must be given for condition 'reverberant' and only then; got "
                f"condition={self.condition!r}, "
                f"room={'set' if self.room is not None else None}"
            )

    @property
    def background_only(self) -> bool:
        """True when the scene has no sounding source (a background-noise sample)."""
        return len(self.sources) == 0

    @property
    def labels(self) -> tuple[int, ...]:
        """Class labels of the sounding sources."""
        return tuple(s.label for s in self.sources)


@dataclass(frozen=True)
class SceneConfig:
    """Parameters of :func:`sample_scene`.

    ``max_sources`` (K): 1..K sources per scene; ``classes``: allowed source classes;
    ``conditions`` and ``condition_weights``: allowed conditions and their
    probabilities;
    ``p_background_only``: probability of a scene without sources; ``max_distractors``:
    0..this many silent objects; ``p_moving``: probability that a source of a moving
    class (``SPECS[name].moves``) moves; ``max_speed`` (m/s); ``depth`` (m): allowed
    depth range, intersected with :data:`DEPTH_RANGES`; ``duration`` (s); ``style``:
    visual domain.

    ``distractor_similarity`` s in [0, 1]: how alike the silent distractors look to
    sounding objects. With probability s a distractor takes the class of one of the
    scene's sources (a true look-alike; otherwise, or in a background-only scene, a
    random class), and it is drawn with weight s on its full appearance and 1 - s on a
    flat, desaturated grey silhouette of its shape (:attr:`Distractor.similarity`). s =
    1: distractors are indistinguishable from sources by sight, so only hearing tells
    which object sounds; s = 0: they are plainly not sources (the regime of real
    recordings, where vision alone nearly localises the sounding object).
    """

    max_sources: int = 1
    classes: tuple[str, ...] = CLASSES
    conditions: tuple[str, ...] = CONDITIONS
    condition_weights: tuple[float, ...] | None = None
    p_background_only: float = 0.1
    max_distractors: int = 2
    p_moving: float = 0.5
    max_speed: float = 1.0
    depth: tuple[float, float] = (1.0, 5.0)
    duration: float = 1.0
    style: int = 0
    distractor_similarity: float = 1.0

    def __post_init__(self) -> None:
        _checks.positive("max_sources", self.max_sources, integer=True)
        if not self.classes:
            raise ValueError("classes must name at least one class")
        for c in self.classes:
            _checks.one_of("classes", c, CLASSES)
        if not self.conditions:
            raise ValueError("conditions must name at least one condition")
        for c in self.conditions:
            _checks.one_of("conditions", c, CONDITIONS)
        if self.condition_weights is not None:
            w = _checks.as_array(
                "condition_weights",
                self.condition_weights,
                shape=(len(self.conditions),),
                dtype=float,
                nonnegative=True,
                what="(one weight per condition)",
            )
            if w.sum() <= 0:
                raise ValueError("condition_weights must have a positive sum")
        _checks.in_range("p_background_only", self.p_background_only, 0.0, 1.0)
        _checks.positive(
            "max_distractors", self.max_distractors, integer=True, allow_zero=True
        )
        _checks.in_range("p_moving", self.p_moving, 0.0, 1.0)
        _checks.positive("max_speed", self.max_speed, allow_zero=True)
        d = _checks.as_array(
            "depth", self.depth, shape=(2,), dtype=float, what="(near, far) metres"
        )
        if not 0 < d[0] < d[1]:
            raise ValueError(
                f"depth must be (near, far) metres with 0 < near < far; got {tuple(d)}"
            )
        _checks.positive("duration", self.duration)
        _checks.one_of("style", self.style, (0, 1))
        _checks.in_range("distractor_similarity", self.distractor_similarity, 0.0, 1.0)


def check_camera(camera: Any) -> Any:
    """Check that ``camera`` has ``project``, ``height``, ``width``, ``fx`` and
    ``fy``; return it."""
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
