"""The camera dataset's configuration (chapter 06): sizes and constants,
:class:`DatasetConfig`, the profiles, and the recording plan."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks, geometry, runtime, scenes
from ..sounds import CLASSES

#: Bump when what the builder writes changes (part of the cache key).
# 5: the vector beamformer kernel (images differ from 4 in the last bits); 6: the SNR is
# set where it is heard, at the mono microphone after propagation (it was against the
# dry source, which left the background about 30 dB too loud)
DATASET_CODE_VERSION = "6"


#: Video frames (and acoustic images) per second.
FPS = 12


#: Audio samples per frame at :data:`acousticlib.sounds.FS` = 12 288 Hz.
FRAME_LENGTH = 1024


#: Split names, in the order of their codes in ``index/split.npy``.
SPLITS: tuple[str, ...] = ("train", "val", "test", "unseen")


#: Per-frame modalities the torch views can return.
MODALITIES: tuple[str, ...] = (
    "frame",
    "audio",
    "mfcc_mono",
    "acoustic",
    "power",
    "boxes",
    "context",
)


_INDEX = (
    "label",
    "clip",
    "location",
    "recording",
    "frame",
    "split",
    "background",
    "condition",
    "style",
)


_RT60_SEEN = (0.3, 0.9)


_RT60_UNSEEN = (0.9, 1.3)


@dataclass(frozen=True)
class DatasetConfig:
    """What a dataset holds; every field is part of its cache key.

    ``locations``: in-domain locations (split 70/15/15 by ``split_fractions``);
    ``unseen_locations``: locations of the unseen domain; ``recordings_per_location``:
    recordings with a sound source per location (their classes cycle over the ten
    classes within each split, so every split is balanced); ``background_per_location``:
    background-only recordings per location; ``recording_seconds``: length of a
    recording (whole seconds; each second is a clip); ``height``/``width``: frame size
    in pixels; ``max_sources``: sources per recording (1 = one labelled source; more
    adds random other classes); ``max_distractors``: 0..this many silent objects per
    recording; ``distractor_similarity`` in [0, 1]: how alike they look to sounding
    objects (:class:`acousticlib.scenes.SceneConfig`: 1 = true look-alikes, only hearing
    tells the source; 0 = flat grey silhouettes, plainly silent; the profiles use 0.25,
    the papers' regime where sight alone nearly finds the sounding object);
    ``condition_weights``: probabilities of anechoic, reverberant, noisy outdoor per
    location; ``room_order``: image-source order of the rooms; ``mic``: the microphone
    used as the mono channel; ``keep_power``: also store the 512-bin power (big: 3.5 MB
    per frame); ``device``: ``None`` (numpy beamformer) or a torch device for
    beamforming (``"cuda"`` for the full profile; results then differ in float rounding,
    hence part of the key); ``seed``: seed of every draw; ``style``: the visual style
    of the in-domain locations (0: the camera dataset's daylight; 1: the unseen domain's
    dusk, which chapter 13's array-free domain uses; the unseen locations are always
    style 1; left out of the cache key when 0, so the keys of the datasets before it
    stay).
    """

    locations: int = 24
    unseen_locations: int = 3
    recordings_per_location: int = 5
    background_per_location: int = 1
    recording_seconds: int = 2
    height: int = geometry.DATASET_FRAME[0]
    width: int = geometry.DATASET_FRAME[1]
    max_sources: int = 1
    max_distractors: int = 2
    distractor_similarity: float = 0.25
    condition_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    room_order: int = 12
    mic: int = 0
    keep_power: bool = False
    device: str | None = None
    seed: int = 0
    style: int = 0

    def __post_init__(self) -> None:
        _checks.positive("locations", self.locations, integer=True)
        if self.locations < 3:
            raise ValueError(
                f"locations must be >= 3 (one per split: train, val, test); got "
                f"{self.locations}"
            )
        _checks.positive(
            "unseen_locations", self.unseen_locations, integer=True, allow_zero=True
        )
        _checks.positive(
            "recordings_per_location", self.recordings_per_location, integer=True
        )
        _checks.positive(
            "background_per_location",
            self.background_per_location,
            integer=True,
            allow_zero=True,
        )
        _checks.positive("recording_seconds", self.recording_seconds, integer=True)
        for name in ("height", "width"):
            v = _checks.positive(name, getattr(self, name), integer=True)
            if not 16 <= v <= 1024:
                raise ValueError(f"{name} must be between 16 and 1024 pixels; got {v}")
        _checks.positive("max_sources", self.max_sources, integer=True)
        _checks.positive(
            "max_distractors", self.max_distractors, integer=True, allow_zero=True
        )
        _checks.in_range("distractor_similarity", self.distractor_similarity, 0.0, 1.0)
        if self.style not in (0, 1) or isinstance(self.style, bool):
            raise ValueError(
                f"style must be 0 (daylight) or 1 (dusk); got {self.style!r}"
            )
        w = _checks.as_array(
            "condition_weights",
            self.condition_weights,
            shape=(3,),
            dtype=float,
            nonnegative=True,
            what="(anechoic, reverberant, noisy_outdoor)",
        )
        if w.sum() <= 0:
            raise ValueError("condition_weights must have a positive sum")
        f = _checks.as_array(
            "split_fractions",
            self.split_fractions,
            shape=(3,),
            dtype=float,
            nonnegative=True,
            what="(train, val, test)",
        )
        if not math.isclose(f.sum(), 1.0, abs_tol=1e-6) or min(f) <= 0:
            raise ValueError(
                f"split_fractions must be three positive fractions summing to 1; got "
                f"{tuple(f)}"
            )
        _checks.positive("room_order", self.room_order, integer=True)
        _checks.one_of("mic", self.mic, range(128))
        if not isinstance(self.keep_power, bool):
            raise TypeError(
                f"keep_power must be True or False; got {self.keep_power!r}"
            )
        if self.device is not None and not isinstance(self.device, str):
            raise TypeError(
                f"device must be None or a torch device name; got {self.device!r}"
            )
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or self.seed < 0
        ):
            raise ValueError(f"seed must be a non-negative integer; got {self.seed!r}")
        object.__setattr__(self, "condition_weights", tuple(float(x) for x in w))
        object.__setattr__(self, "split_fractions", tuple(float(x) for x in f))

    @property
    def n_recordings(self) -> int:
        """Recordings in all splits."""
        return (self.locations + self.unseen_locations) * (
            self.recordings_per_location + self.background_per_location
        )

    @property
    def n_clips(self) -> int:
        """One-second clips in all splits."""
        return self.n_recordings * self.recording_seconds

    @property
    def n_frames(self) -> int:
        """Frames (1/12 s) in all splits."""
        return self.n_clips * FPS


_PROFILES: dict[str, dict[str, Any]] = {
    # seconds: 4 locations x 3 recordings x 1 s
    "smoke": dict(
        locations=3,
        unseen_locations=1,
        recordings_per_location=2,
        background_per_location=1,
        recording_seconds=1,
        distractor_similarity=0.25,
    ),
    # the book (2 CPU cores, <= 3 minutes): see chapter 06 for the measured build time.
    # 990 clips: 41 in-domain locations (29 train, 6 validation, 6 test) and 4 unseen
    # ones; every location records each class once, plus one background-only recording
    # (build time: benchmarks/bench_datasets.py)
    "book": dict(
        locations=41,
        unseen_locations=4,
        recordings_per_location=10,
        background_per_location=1,
        recording_seconds=2,
        distractor_similarity=0.25,
    ),
    # paper scale (ACIVW: 10 classes x 30 minutes): 300 locations x 22 recordings x 3 s
    # = 5.5 h, GPU beamforming
    "full": dict(
        locations=300,
        unseen_locations=30,
        recordings_per_location=20,
        background_per_location=2,
        recording_seconds=3,
        device="cuda",
        distractor_similarity=0.25,
    ),
}


def dataset_config(
    profile: str = "book", seed: int = 0, **overrides: Any
) -> DatasetConfig:
    """The :class:`DatasetConfig` of a run profile (``"smoke"``, ``"book"``,
    ``"full"``), with ``overrides``."""
    runtime.check_profile(profile)
    fields = {f.name for f in dataclasses.fields(DatasetConfig)}
    bad = sorted(set(overrides) - fields)
    if bad:
        raise TypeError(
            f"unknown DatasetConfig field(s) {bad}; valid fields: {sorted(fields)}"
        )
    return DatasetConfig(**{**_PROFILES[profile], "seed": seed, **overrides})


def _split_counts(n: int, fractions: Sequence[float]) -> tuple[int, int, int]:
    val = max(1, int(round(fractions[1] * n)))
    test = max(1, int(round(fractions[2] * n)))
    return n - val - test, val, test


def _stratified_conditions(
    weights: Sequence[float], n: int, rng: np.random.Generator
) -> dict[int, str]:
    """Conditions of ``n`` locations in proportion to ``weights`` (largest remainders),
    shuffled."""
    w = np.asarray(weights, float) / sum(weights)
    counts = np.floor(w * n).astype(int)
    for k in np.argsort(-(w * n - counts), kind="stable")[: n - counts.sum()]:
        counts[k] += 1
    names = [
        c for c, k in zip(scenes.CONDITIONS, counts, strict=False) for _ in range(k)
    ]
    return {i: names[j] for i, j in enumerate(rng.permutation(n))}


def plan_recordings(config: DatasetConfig) -> list[dict[str, Any]]:
    """Describe every recording (cheap, deterministic): a list of JSON-able dicts.

    Keys: ``index`` (recording id), ``location``, ``split`` (code, :data:`SPLITS`),
    ``condition``, ``style``, ``class_name`` (None for background-only), ``label`` (-1
    for background-only), ``rt60`` (s, reverberant only), ``background`` (noise name),
    ``level_shift_db`` (dB by which the unseen domain's SNR is lowered), ``visual_seed``
    (the location's surroundings), ``first_clip`` (id of its first clip).
    """
    if not isinstance(config, DatasetConfig):
        raise TypeError(f"config must be a DatasetConfig; got {type(config).__name__}")
    n_train, n_val, n_test = _split_counts(config.locations, config.split_fractions)
    if n_train < 1:
        raise ValueError(
            f"locations={config.locations} leaves no training location with "
            f"split_fractions="
            f"{config.split_fractions}"
        )
    conditions = _stratified_conditions(
        config.condition_weights,
        config.locations,
        runtime.seeded_rng(config.seed, "conditions"),
    )
    unseen_conditions = _stratified_conditions(
        config.condition_weights,
        config.unseen_locations,
        runtime.seeded_rng(config.seed, "conditions-unseen"),
    )
    conditions.update({config.locations + i: c for i, c in unseen_conditions.items()})
    # splits stratified by condition: interleave the (shuffled) locations of each
    # condition, then give the first ones to validation, the next to test and the rest
    # to training
    g = runtime.seeded_rng(config.seed, "splits")
    groups = [
        [
            int(x)
            for x in g.permutation(
                [loc for loc in range(config.locations) if conditions[loc] == c]
            )
        ]
        for c in scenes.CONDITIONS
    ]
    order = [
        grp[i] for i in range(max(map(len, groups))) for grp in groups if i < len(grp)
    ]
    split_of = {
        loc: 1 if k < n_val else 2 if k < n_val + n_test else 0
        for k, loc in enumerate(order)
    }
    per_loc = config.recordings_per_location + config.background_per_location
    # classes cycle within each split, so every split is balanced
    seen_in_split = [0, 0, 0, 0]
    plan = []
    for loc in range(config.locations + config.unseen_locations):
        unseen = loc >= config.locations
        split = 3 if unseen else split_of[loc]
        condition = conditions[loc]
        g = runtime.seeded_rng(config.seed, "location", loc)
        rt60 = (
            float(g.uniform(*(_RT60_UNSEEN if unseen else _RT60_SEEN)))
            if condition == "reverberant"
            else None
        )
        if condition == "noisy_outdoor":
            background = str(g.choice(["wind", "traffic_hum"]))
        else:
            background = "traffic_hum" if unseen else "room_tone"
        visual_seed = int(g.integers(0, 2**31 - 1))
        for j in range(per_loc):
            idx = loc * per_loc + j
            sounding = j < config.recordings_per_location
            cls = None
            if sounding:
                cls = CLASSES[seen_in_split[split] % len(CLASSES)]
                seen_in_split[split] += 1
            plan.append(
                dict(
                    index=idx,
                    location=loc,
                    split=split,
                    condition=condition,
                    style=1 if unseen else config.style,
                    class_name=cls,
                    label=CLASSES.index(cls) if sounding else -1,
                    rt60=rt60,
                    background=background,
                    level_shift_db=6.0 if unseen else 0.0,
                    visual_seed=visual_seed,
                    first_clip=idx * config.recording_seconds,
                )
            )
    return plan


def split_sizes(config: DatasetConfig, split: str = "train") -> dict[str, int]:
    """How many clips and frames ``split`` of ``config``'s dataset holds, from its plan
    (nothing is built or read).

    Returns ``clips`` and ``frames`` (sound and background-only recordings alike: what
    the generators train on) and ``sound_clips`` and ``sound_frames`` (recordings with a
    sound only: the classifiers' 1-s windows); a clip is one second, ``FPS`` frames.
    Chapter 06; the appendix and ``tools/gpu_check.py`` project training times from
    them.
    """
    if not isinstance(config, DatasetConfig):
        raise TypeError(f"config must be a DatasetConfig; got {type(config).__name__}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
    code = SPLITS.index(split)
    rows = [r for r in plan_recordings(config) if r["split"] == code]
    clips = len(rows) * config.recording_seconds
    sound = sum(1 for r in rows if r["label"] >= 0) * config.recording_seconds
    return {
        "clips": clips,
        "frames": clips * FPS,
        "sound_clips": sound,
        "sound_frames": sound * FPS,
    }
