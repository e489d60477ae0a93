"""Chapter 16's audio-visual event clips: ten seconds in ten one-second segments, each
labelled with the event's class where its object is both seen and heard, else
background (the AVE task of Ramaswamy and Das, WACV 2020).

A clip is a scene of the camera dataset's world (
:func:`~acousticlib.datasets.propagation._scene_for`: one source, silent distractors, a
location's condition,
room, background noise and surroundings) lasting :data:`SEGMENTS` seconds. Its
**event** -- the source both visible and audible -- lasts ``min_event`` to
``max_event`` whole segments from an onset drawn per clip; outside it the object is
neither seen (it is not rendered) nor heard (its sound is gated off), except for the
**confusers** drawn per clip: with probability ``p_silent_visible`` a run of 1 to
``max_confuser`` other segments shows the object silent, and with probability
``p_offscreen_sound`` another run plays its sound while it is off-screen. Those
segments are background too, so neither modality alone finds the event.

The audio is the mono microphone's (``config.mic`` of the array, no beamforming): the
sources propagated by :func:`~acousticlib.datasets.propagate_parts`, gated segment by
segment at the microphone (:data:`RAMP` -sample raised-cosine edges inside the audible
segments, so an inaudible segment holds the background alone), plus the background
scaled so that the SNR over the event's segments at the microphone is the scene's
nominal one (the camera dataset's convention, :func:`~acousticlib.scenes.calibrated`,
with the power measured where the event is). One frame per segment, rendered at its
centre ``k + 0.5`` s (:func:`~acousticlib.rendering.render_frame`).

Splits by location, stratified by condition, and the unseen domain are the camera
dataset's (:func:`~acousticlib.datasets.plan_recordings` on
:meth:`EventDatasetConfig.camera_config`: one recording per clip, classes cycling
within each split); the world's seed is the config's plus :data:`EVENT_SEED_OFFSET`,
so no location is shared with chapter 06's dataset.

On disk (a :mod:`acousticlib.cache` entry of kind ``"event_dataset"``, built like the
camera dataset: per-clip staging files, resumable, assembled atomically):

====================  ================================  ==============================
file                  shape, dtype                      content
====================  ================================  ==============================
``audio.npy``         ``(N, 10 * FS)`` float32          mono microphone (Pa)
``frames.npy``        ``(10 N, H, W, 3)`` uint8         one frame per segment, clip
                                                        by clip
``boxes.npy``         ``(N, 10, 4)`` float32            the source's box (top, left,
                                                        bottom, right) px; NaN where
                                                        not visible
``labels.npy``        ``(N, 10)`` int64                 segment labels, 0..9 or
                                                        10 (background)
``visible.npy``       ``(N, 10)`` bool                  the object rendered
``audible.npy``       ``(N, 10)`` bool                  its sound playing
``index/<k>.npy``     ``(N,)`` int64                    label (the clip's class),
                                                        location, split, condition,
                                                        style
``clips.json``                                          the plan (:func:`plan_events`)
====================  ================================  ==============================
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import numpy as np

from .. import _checks, cache, geometry, rendering, runtime, scenes
from ..sounds import CLASSES, FS
from .build import (
    _UNGUARDED,
    _in_workers,
    _readable,
    _save_npz,
    _staged,
    _starting_worker,
)
from .config import SPLITS, DatasetConfig
from .crops import BACKGROUND_LABEL
from .propagation import _scene_for, propagate_parts
from .store import read_rows, write_npy_stream

#: Bump when what :func:`event_dataset` writes changes (part of the cache key).
EVENTS_CODE_VERSION = "1"

#: Segments (seconds) of a clip: the paper's T = 10.
SEGMENTS = 10

#: The event clips' world: its dataset seed is the config's plus this.
EVENT_SEED_OFFSET = 1600

#: Samples of the raised-cosine edges of the sound's gate (about 21 ms at 12 288 Hz).
RAMP = 256

#: Top speed (m/s) of a moving source over a 10-s clip (the camera dataset's 1 m/s
#: would carry most objects out of the frame).
EVENT_MAX_SPEED = 0.2

_INDEX = ("label", "location", "split", "condition", "style")


@dataclass(frozen=True)
class EventDatasetConfig:
    """What an event dataset holds (chapter 16); every field is part of its cache key.

    ``locations``: in-domain locations (split by ``split_fractions``, stratified by
    condition, as the camera dataset); ``unseen_locations``: locations of the unseen
    domain (dusk style, longer reverberation, 6 dB lower SNR); ``clips_per_location``:
    10-s clips per location (their classes cycle within each split, so every split is
    balanced); ``min_event``/``max_event``: the event's length in whole segments
    (seconds, 1..10); ``p_silent_visible``: probability that a clip shows its object
    silent in a run of other segments; ``p_offscreen_sound``: probability that it plays
    the object's sound off-screen in another run; ``max_confuser``: longest such run
    (segments); ``height``/``width``: frame size (pixels); ``max_distractors``,
    ``distractor_similarity``, ``condition_weights``, ``room_order``, ``mic`` (the
    microphone of the array that records): as
    :class:`~acousticlib.datasets.DatasetConfig`; ``seed``: seed of every draw.
    """

    locations: int = 30
    unseen_locations: int = 4
    clips_per_location: int = 10
    min_event: int = 2
    max_event: int = SEGMENTS
    p_silent_visible: float = 0.3
    p_offscreen_sound: float = 0.3
    max_confuser: int = 3
    height: int = geometry.DATASET_FRAME[0]
    width: int = geometry.DATASET_FRAME[1]
    max_distractors: int = 1
    distractor_similarity: float = 0.25
    condition_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    room_order: int = 12
    mic: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        _checks.positive("clips_per_location", self.clips_per_location, integer=True)
        for name in ("min_event", "max_event"):
            v = _checks.positive(name, getattr(self, name), integer=True)
            if v > SEGMENTS:
                raise ValueError(
                    f"{name} must be between 1 and {SEGMENTS} segments; got {v}"
                )
        if self.min_event > self.max_event:
            raise ValueError(
                f"min_event must not exceed max_event; got {self.min_event} > "
                f"{self.max_event}"
            )
        for name in ("p_silent_visible", "p_offscreen_sound"):
            _checks.in_range(name, getattr(self, name), 0.0, 1.0)
        _checks.positive("max_confuser", self.max_confuser, integer=True)
        # the fields shared with the camera dataset are checked (and normalised) there
        camera = self.camera_config()
        object.__setattr__(self, "condition_weights", camera.condition_weights)
        object.__setattr__(self, "split_fractions", camera.split_fractions)

    def camera_config(self) -> DatasetConfig:
        """The camera dataset's :class:`~acousticlib.datasets.DatasetConfig` whose plan
        and scenes the clips take (one 10-s recording per clip, one source, no
        background-only recordings, seed + :data:`EVENT_SEED_OFFSET`)."""
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or self.seed < 0
        ):
            raise ValueError(f"seed must be a non-negative integer; got {self.seed!r}")
        return DatasetConfig(
            locations=self.locations,
            unseen_locations=self.unseen_locations,
            recordings_per_location=self.clips_per_location,
            background_per_location=0,
            recording_seconds=SEGMENTS,
            height=self.height,
            width=self.width,
            max_sources=1,
            max_distractors=self.max_distractors,
            distractor_similarity=self.distractor_similarity,
            condition_weights=tuple(self.condition_weights),  # type: ignore[arg-type]
            split_fractions=tuple(self.split_fractions),  # type: ignore[arg-type]
            room_order=self.room_order,
            mic=self.mic,
            seed=self.seed + EVENT_SEED_OFFSET,
        )

    @property
    def n_clips(self) -> int:
        """Clips in all splits."""
        return (self.locations + self.unseen_locations) * self.clips_per_location


_PROFILES: dict[str, dict[str, Any]] = {
    # seconds: 4 locations x 2 clips
    "smoke": dict(locations=3, unseen_locations=1, clips_per_location=2),
    # the book (2 CPU cores, <= 3 minutes): 340 clips, 30 in-domain locations (22
    # train, 4 validation, 4 test) and 4 unseen ones, each location recording every
    # class once
    "book": dict(locations=30, unseen_locations=4, clips_per_location=10),
    # paper scale (AVE: 4143 videos): 300 + 30 locations x 14 clips = 4620 clips
    "full": dict(locations=300, unseen_locations=30, clips_per_location=14),
}


def event_config(
    profile: str = "book", seed: int = 0, **overrides: Any
) -> EventDatasetConfig:
    """The :class:`EventDatasetConfig` of a run profile (``"smoke"``, ``"book"``,
    ``"full"``) with ``overrides`` (chapter 16)."""
    runtime.check_profile(profile)
    fields = {f.name for f in dataclasses.fields(EventDatasetConfig)}
    bad = sorted(set(overrides) - fields)
    if bad:
        raise TypeError(
            f"unknown EventDatasetConfig field(s) {bad}; valid fields: {sorted(fields)}"
        )
    return EventDatasetConfig(**{**_PROFILES[profile], "seed": seed, **overrides})


def _confuser_run(
    rng: np.random.Generator, free: np.ndarray, p: float, longest: int
) -> list[int]:
    """With probability ``p``, a run of 1..``longest`` consecutive ``free`` segments
    drawn uniformly among all such runs (none if there is none): its segments."""
    drawn = rng.random() < p
    runs = [
        (a, k)
        for k in range(1, longest + 1)
        for a in range(SEGMENTS - k + 1)
        if free[a : a + k].all()
    ]
    if not drawn or not runs:
        return []
    a, k = runs[int(rng.integers(len(runs)))]
    return list(range(a, a + k))


def plan_events(config: EventDatasetConfig) -> list[dict[str, Any]]:
    """Describe every clip (cheap, deterministic): a list of JSON-able dicts (chapter
    16).

    The keys of :func:`~acousticlib.datasets.plan_recordings` for the clip's recording
    (``index``, ``location``, ``split``, ``condition``, ``style``, ``class_name``,
    ``label``, ``rt60``, ``background``, ``level_shift_db``, ``visual_seed``), and:
    ``onset`` and ``length`` (the event's first segment and its length, segments =
    seconds), ``silent_visible`` and ``offscreen_sound`` (the confusers' segments,
    lists), ``visible`` and ``audible`` (10 booleans each) and ``labels`` (10 segment
    labels: ``label`` where visible and audible, else
    :data:`~acousticlib.datasets.crops.BACKGROUND_LABEL`, 10: the paper's C = 11
    classes).
    """
    if not isinstance(config, EventDatasetConfig):
        raise TypeError(
            f"config must be an EventDatasetConfig; got {type(config).__name__}"
        )
    from .config import plan_recordings

    plan = []
    for rec in plan_recordings(config.camera_config()):
        g = runtime.seeded_rng(config.seed, "event", rec["index"])
        length = int(g.integers(config.min_event, config.max_event + 1))
        onset = int(g.integers(0, SEGMENTS - length + 1))
        event = np.zeros(SEGMENTS, bool)
        event[onset : onset + length] = True
        silent = _confuser_run(g, ~event, config.p_silent_visible, config.max_confuser)
        free = ~event
        free[silent] = False
        heard = _confuser_run(g, free, config.p_offscreen_sound, config.max_confuser)
        visible, audible = event.copy(), event.copy()
        visible[silent] = True
        audible[heard] = True
        labels = np.where(visible & audible, rec["label"], BACKGROUND_LABEL)
        spec = {k: v for k, v in rec.items() if k != "first_clip"}
        spec.update(
            onset=onset,
            length=length,
            silent_visible=silent,
            offscreen_sound=heard,
            visible=[bool(v) for v in visible],
            audible=[bool(v) for v in audible],
            labels=[int(v) for v in labels],
        )
        plan.append(spec)
    return plan


def event_scene(spec: dict[str, Any], config: EventDatasetConfig) -> scenes.Scene:
    """The :class:`~acousticlib.scenes.Scene` of a planned clip (an entry of
    :func:`plan_events`): 10 s, its one source of ``spec["class_name"]`` present
    throughout (the gating of its sight and sound is :func:`simulate_event_clip`'s),
    the location's condition, background and surroundings. Chapter 16."""
    cam = geometry.Camera().resized(config.height, config.width)
    return _scene_for(spec, config.camera_config(), cam, max_speed=EVENT_MAX_SPEED)


def _gate(audible: Sequence[bool]) -> np.ndarray:
    """Per-sample gain ``(SEGMENTS * FS,)`` of the sound: 1 in audible segments, 0
    elsewhere, with :data:`RAMP` -sample raised-cosine edges inside the audible runs
    where they meet inaudible segments."""
    on = np.repeat(np.asarray(audible, bool), FS).astype(np.float64)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(RAMP) + 0.5) / RAMP)
    for k in range(1, SEGMENTS):
        a, b = audible[k - 1], audible[k]
        if a and not b:
            on[k * FS - RAMP : k * FS] *= ramp[::-1]
        elif b and not a:
            on[k * FS : k * FS + RAMP] *= ramp
    return on


def event_audio_parts(
    spec: dict[str, Any], config: EventDatasetConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The planned clip's sound and background at the microphone, apart: two float64
    ``(10 FS,)`` signals (Pa) whose sum is the stored ``audio`` (chapter 16).

    The source is propagated (:func:`~acousticlib.datasets.propagate_parts`) and gated
    to its audible segments (:func:`_gate`); the background is scaled so that the
    source's power over the event's segments over the background's there is the scene's
    ``snr_db`` (the SNR at the microphone, lowered in the unseen domain).
    """
    sc = event_scene(spec, config)
    mic = np.asarray(geometry.optimized_aperiodic_array())[[config.mic]]
    source, background = propagate_parts(sc, mic, FS, room_order=config.room_order)
    source = source[0] * _gate(spec["audible"])
    background = np.array(background[0], np.float64)
    event = np.repeat(np.asarray(spec["labels"]) != BACKGROUND_LABEL, FS)
    p_source = float(np.mean(source[event] ** 2))
    p_background = float(np.mean(background[event] ** 2))
    background *= math.sqrt(p_source / (p_background * 10 ** (sc.snr_db / 10)))
    return source, background


def simulate_event_clip(
    spec: dict[str, Any], config: EventDatasetConfig
) -> dict[str, np.ndarray]:
    """Everything stored for one planned clip (chapter 16): ``audio`` ``(10 FS,)``
    float32 (Pa, :func:`event_audio_parts` summed), ``frames`` ``(10, H, W, 3)`` uint8
    (segment k at ``k + 0.5`` s, the source drawn only where ``spec["visible"]``) and
    ``boxes`` ``(10, 4)`` float32 (the source's box in pixels, NaN where not
    visible)."""
    source, background = event_audio_parts(spec, config)
    sc = event_scene(spec, config)
    hidden = dataclasses.replace(sc, sources=())
    cam = geometry.Camera().resized(config.height, config.width)
    bg = rendering.render_background(sc, cam)
    frames = np.empty((SEGMENTS, cam.height, cam.width, 3), np.uint8)
    boxes = np.full((SEGMENTS, 4), np.nan, np.float32)
    sprites: dict = {}  # the distractors' sprites serve both scenes
    for k in range(SEGMENTS):
        shown = sc if spec["visible"][k] else hidden
        frames[k], notes = rendering.render_frame(
            shown,
            cam,
            k + 0.5,
            background=bg,
            frame_index=spec["index"] * 100 + k,
            _sprites=sprites,
        )
        for a in notes:
            if a.sounding and a.index == 0:
                boxes[k] = a.box
    return {
        "audio": (source + background).astype(np.float32),
        "frames": frames,
        "boxes": boxes,
    }


def _event_config_dict(config: EventDatasetConfig) -> dict[str, Any]:
    d = dataclasses.asdict(config)
    d["condition_weights"] = list(d["condition_weights"])
    d["split_fractions"] = list(d["split_fractions"])
    return d


def _event_work(job: tuple[dict[str, Any], dict[str, Any], str]) -> int:
    """Worker body: simulate one clip into its staging file; return its index."""
    spec, cfg, staging = job
    config = EventDatasetConfig(**cfg)
    _save_npz(_staged(Path(staging), spec["index"]), simulate_event_clip(spec, config))
    return spec["index"]


def _assemble(
    folder: Path, staging: Path, config: EventDatasetConfig, plan: list[dict[str, Any]]
) -> None:
    """Stream the staged clips, in the plan's order, into the entry's files."""
    n, H, W = len(plan), config.height, config.width
    audio = write_npy_stream(folder / "audio.npy", (n, SEGMENTS * FS), np.float32)
    frames = write_npy_stream(folder / "frames.npy", (n * SEGMENTS, H, W, 3), np.uint8)
    boxes = np.empty((n, SEGMENTS, 4), np.float32)
    try:
        for i, spec in enumerate(plan):
            with np.load(_staged(staging, spec["index"])) as z:
                audio.write(np.ascontiguousarray(z["audio"], np.float32).tobytes())
                frames.write(np.ascontiguousarray(z["frames"], np.uint8).tobytes())
                boxes[i] = z["boxes"]
    finally:
        audio.close()
        frames.close()
    np.save(folder / "boxes.npy", boxes)
    for name in ("labels", "visible", "audible"):
        dtype = np.int64 if name == "labels" else bool
        np.save(folder / f"{name}.npy", np.array([s[name] for s in plan], dtype))
    (folder / "index").mkdir()
    cond = {c: i for i, c in enumerate(scenes.CONDITIONS)}
    for name in _INDEX:
        values = [cond[s[name]] if name == "condition" else s[name] for s in plan]
        np.save(folder / "index" / f"{name}.npy", np.asarray(values, np.int64))
    (folder / "clips.json").write_text(json.dumps(plan, indent=1, sort_keys=True))
    meta = dict(
        config=_event_config_dict(config),
        classes=list(CLASSES),
        splits=list(SPLITS),
        conditions=list(scenes.CONDITIONS),
        fs=FS,
        segments=SEGMENTS,
        background_label=BACKGROUND_LABEL,
        clips=n,
    )
    (folder / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))


class EventDataset:
    """A built event dataset entry (chapter 16), read lazily.

    ``config`` (:class:`EventDatasetConfig`), ``meta`` (dict), ``clips`` (the plan,
    :func:`plan_events`), ``index`` (``(N,)`` int64 columns ``label``, ``location``,
    ``split``, ``condition``, ``style``), ``labels`` ``(N, 10)`` (segment labels),
    ``visible`` and ``audible`` ``(N, 10)`` bool, ``built_now``. ``len()`` is the
    number of clips; :meth:`read` copies rows of ``audio`` (by clip) or ``frames`` (by
    frame: clip ``i``'s segment ``k`` is row ``10 i + k``) into memory.
    """

    def __init__(self, folder: str | os.PathLike[str], built_now: bool = False) -> None:
        self.folder = Path(folder)
        meta_path = self.folder / "meta.json"
        if not meta_path.is_file():
            raise FileNotFoundError(
                f"{meta_path} is missing: {self.folder} is not an event dataset entry"
            )
        self.meta: dict[str, Any] = json.loads(meta_path.read_text())
        cfg = dict(self.meta["config"])
        self.config = EventDatasetConfig(
            **{
                **cfg,
                "condition_weights": tuple(cfg["condition_weights"]),
                "split_fractions": tuple(cfg["split_fractions"]),
            }
        )
        self.clips: list[dict[str, Any]] = json.loads(
            (self.folder / "clips.json").read_text()
        )
        self.index = {k: np.load(self.folder / "index" / f"{k}.npy") for k in _INDEX}
        self.labels = np.load(self.folder / "labels.npy")
        self.visible = np.load(self.folder / "visible.npy")
        self.audible = np.load(self.folder / "audible.npy")
        self.built_now = bool(built_now)

    def __len__(self) -> int:
        return int(self.meta["clips"])

    def __repr__(self) -> str:
        return f"EventDataset({len(self)} clips, {self.folder.name})"

    def array(self, name: str) -> np.ndarray:
        """The stored array ``name`` (``"audio"``, ``"frames"``, ``"boxes"``, ...),
        memory-mapped read-only."""
        path = self.folder / f"{name}.npy"
        if not path.is_file():
            raise KeyError(f"this event dataset stores no {name!r} array")
        return np.load(path, mmap_mode="r")

    def read(self, name: str, rows: Any = None) -> np.ndarray:
        """Rows ``rows`` (all if None) of array ``name``, copied into memory (pages
        not kept mapped: :func:`~acousticlib.datasets.read_rows`)."""
        self.array(name)  # validates the name
        return read_rows(self.folder / f"{name}.npy", rows)

    def clips_of(self, split: str | None = None) -> np.ndarray:
        """Indices ``(n,)`` of the clips of ``split`` (a name of
        :data:`~acousticlib.datasets.SPLITS`, or None for all)."""
        if split is None:
            return np.arange(len(self))
        code = SPLITS.index(_checks.one_of("split", split, SPLITS))
        return np.flatnonzero(self.index["split"] == code)


def event_cache_key(config: EventDatasetConfig | str = "book", *, seed: int = 0) -> str:
    """The cache key of the event dataset of ``config`` (or of a profile name with
    ``seed``), computed without building it (chapter 16)."""
    return cache.cache_key(
        "event_dataset",
        _event_config_dict(_as_config(config, seed)),
        EVENTS_CODE_VERSION,
    )


def _as_config(config: EventDatasetConfig | str, seed: int) -> EventDatasetConfig:
    if isinstance(config, str):
        config = event_config(config, seed=seed)
    if not isinstance(config, EventDatasetConfig):
        raise TypeError(
            f"config must be an EventDatasetConfig or a profile name; got "
            f"{type(config).__name__}"
        )
    return config


def event_dataset(
    config: EventDatasetConfig | str = "book",
    *,
    seed: int = 0,
    workers: int = 2,
    progress: bool = True,
    root: str | os.PathLike[str] | None = None,
    stall_timeout: float | None = 600.0,
) -> EventDataset:
    """The event clips of ``config`` (or of a profile name with ``seed``), from the
    cache (chapter 16).

    Built when missing as the camera dataset is (
    :func:`~acousticlib.datasets.camera_dataset`): in ``workers`` spawned processes (1:
    in this process), each clip
    staged in a file beside the entry (an interrupted build resumes), assembled into
    one entry written atomically, byte-identical however it was built; a dead or
    stalled worker (``stall_timeout`` s) stops the build with an error. ``root``
    overrides the cache folder. A script calling this with ``workers > 1`` must do so
    under ``if __name__ == "__main__":``.
    """
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    config = _as_config(config, seed)
    workers = _checks.positive("workers", workers, integer=True)
    if stall_timeout is not None:
        stall_timeout = _checks.positive("stall_timeout", stall_timeout)
    cfg = _event_config_dict(config)
    key = event_cache_key(config)
    staging = cache.cache_root(root) / "event_dataset" / f".partial-{key}"
    plan = plan_events(config)
    starting = _starting_worker()
    built = False

    def build(folder: Path) -> None:
        nonlocal built
        if starting:
            raise RuntimeError(_UNGUARDED)
        staging.mkdir(parents=True, exist_ok=True)
        todo = [s for s in plan if not _readable(_staged(staging, s["index"]))]
        jobs = [(s, cfg, str(staging)) for s in todo]
        bar = tqdm(
            total=len(plan),
            initial=len(plan) - len(todo),
            desc="event clips",
            unit="clip",
            disable=not progress,
        )
        try:
            if workers <= 1:
                with threadpool_limits(1):
                    for job in jobs:
                        _event_work(job)
                        bar.update(1)
            else:
                _in_workers(
                    jobs,
                    workers,
                    stall_timeout,
                    lambda _: bar.update(1),
                    staging,
                    work=_event_work,
                )
        finally:
            bar.close()
        _assemble(folder, staging, config, plan)
        built = True

    try:
        folder = cache.cached(
            "event_dataset",
            cfg,
            build,
            code_version=EVENTS_CODE_VERSION,
            root=root,
            lock_timeout=0 if starting else -1,
        )
    except filelock.Timeout:
        raise RuntimeError(_UNGUARDED) from None
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    return EventDataset(folder, built_now=built)
