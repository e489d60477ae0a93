"""What a scene is: its sounding sources, silent distractors, room and the settings of
its sampling (chapter 06).

Frozen dataclasses, pure descriptions with no audio or pixels in them: :class:`Source`
(an object of a class from :data:`acousticlib.sounds.CLASSES` on a straight-line
trajectory, with its size, level and the seeds of its sound and look),
:class:`Distractor` (a silent, static object shaped like a source), :class:`Room` (a
shoebox with an RT60, for the reverberant condition), :class:`Scene` (all of these, one
of the :data:`CONDITIONS`, the background noise and the signal-to-noise ratio) and
:class:`SceneConfig` (the parameters of :func:`acousticlib.scenes.sample_scene`).
Positions are metres in the camera frame, velocities m/s, sizes (width, height) metres,
levels dB, durations seconds; :mod:`acousticlib.scenes` describes the conditions and the
frame, draws scenes and gives their signals.

Every name is importable from :mod:`acousticlib.scenes` as before. This module imports
only :mod:`acousticlib._checks` and :mod:`acousticlib.sounds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from .sounds import BACKGROUNDS, CLASSES

#: Recording conditions, in order of increasing difficulty (as AVIA's noise levels).
CONDITIONS: tuple[str, ...] = ("anechoic", "reverberant", "noisy_outdoor")


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
