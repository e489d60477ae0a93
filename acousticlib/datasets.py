"""The simulated audio-visual camera dataset: building, caching, loading and torch views
(chapter 06).

A dataset is a set of **recordings** made by the simulated Dual Cam (128-microphone
aperiodic array + camera at its centre) at **locations**. A recording is a scene of
``recording_seconds`` seconds (:func:`acousticlib.scenes.sample_scene`) cut into
one-second **clips** of 12 frames (1/12 s each): per frame the RGB image, the 1024
samples of the mono microphone, their MFCC, the MFCC acoustic image ``12 x 36 x 48`` and
the ground truth. A location fixes the condition (anechoic / reverberant / noisy
outdoor), the room's RT60, the background noise and its level, and the visual
surroundings, so two recordings of one location share them; splits are drawn **by
location** (70/15/15), so no clip, location or room appears in two splits. An extra
``unseen`` split holds locations of another domain: the dusk visual style (style 1),
longer reverberation (0.9-1.3 s instead of 0.3-0.9 s), traffic hum instead of room tone
indoors and 6 dB less signal-to-noise ratio.

The physics (see :func:`simulate_recording`): static sources are propagated to the 128
microphones by exact band-limited (FFT) delays and ``1/(4 pi r)`` spreading; moving
sources by the same on Hann-windowed segments of 1/24 s; in rooms by pyroomacoustics
impulse responses (image sources up to ``room_order``) convolved with the dry signal
(sources in rooms are static); the background noise is one realisation of the scene's
background sound, circularly shifted by a different offset at each microphone (spatially
uncorrelated, with its spectrum and level). The acoustic images come from
:func:`acousticlib.beamforming.acoustic_images` (filter-and-sum, 36 x 48 x 512) and are
compressed with the authors' MFCC recipe (:func:`acousticlib.features.mfcc_from_power`,
12 coefficients, c0 dropped), with the power in units of ``P_REF ** 2`` (20 micropascals
squared, :data:`acousticlib.features.P_REF`) so that the recipe's absolute floor of 1e-3
lies at -30 dB SPL; in Pa^2 it would clip most mel energies and erase the images'
spatial structure (alignment 0.19 instead of 0.99 on an anechoic probe).

**Background-only recordings** (the papers' background-noise samples) have ``label =
-1`` and ``background = 1``; the torch views leave them out unless
``include_background=True`` (cross-entropy losses cannot take label -1).

On disk (a :mod:`acousticlib.cache` entry of kind ``"dataset"``), one ``.npy`` file per
array, frames first along axis 0, written in recording order (byte-identical for the
same configuration); they are opened memory-mapped, so a notebook holds only what it
indexes:

==========================  ====================================
============================== file                        shape, dtype
content ==========================  ====================================
============================== ``frames.npy``              ``(F, H, W, 3)`` uint8
RGB frames ``acoustic.npy``            ``(F, 12, 36, 48)`` float16           MFCC
acoustic images ``power.npy`` (optional)    ``(F, 36, 48, 512)`` float32
beamformed power per bin, Pa^2 ``audio.npy``               ``(F, 1024)`` float32
mono microphone, per frame ``mfcc_mono.npy``           ``(F, 12)`` float32
its MFCC (not normalised) ``boxes.npy``               ``(F, S, 4)`` float32
                                                                  source boxes (top,
                                                                  left, bottom, right)
                                                                  px, NaN when absent
``annotators.npy``          ``(F, S, 3, 4)`` float32              three annotators'
boxes ``centres.npy``             ``(F, S, 2)`` float32                 projected source
(row, col) px ``index/<name>.npy``        ``(F,)`` int64                        label,
                                                                  clip, location,
                                                                  recording, frame,
                                                                  split, background,
                                                                  condition, style
``recording_audio.npy``     ``(R, N)`` float32                    mono audio of each
recording ``recordings.json``
per-recording description ==========================
====================================  ==============================

Splits are coded ``0`` train, ``1`` val, ``2`` test, ``3`` unseen (:data:`SPLITS`);
conditions by their index in :data:`acousticlib.scenes.CONDITIONS`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import numpy as np

from . import _checks, cache, features, geometry, rendering, runtime, scenes, simulate
from .beamforming import acoustic_images, frame_signals
from .sounds import CLASSES, FS

__all__ = [
    "DATASET_CODE_VERSION",
    "FPS",
    "FRAME_LENGTH",
    "SPLITS",
    "MODALITIES",
    "DatasetConfig",
    "dataset_config",
    "dataset_cache_key",
    "plan_recordings",
    "propagate",
    "propagate_parts",
    "snr_at_microphone",
    "source_at_microphone",
    "simulate_recording",
    "camera_dataset",
    "SimulatedDataset",
    "content_sha256",
    "FrameDataset",  # noqa: F822 (made on first use by the module's __getattr__)
    "WindowDataset",  # noqa: F822
    "alignment",
    "peaks_in_boxes",
    "read_rows",
    "write_npy_stream",
]

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
        location; ``room_order``: image-source order of the rooms; ``mic``: the
        microphone used as the mono channel; ``keep_power``: also store the 512-bin
        power (big:
    3.5 MB per frame); ``device``: ``None`` (numpy beamformer) or a torch device for
    beamforming (``"cuda"`` for the full profile; results then differ in float rounding,
    hence part of the key); ``seed``: seed of every draw.
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


# --------------------------------------------------------------------------------------
# The plan: locations, splits, recordings
# --------------------------------------------------------------------------------------


def _split_counts(n: int, fractions: Sequence[float]) -> tuple[int, int, int]:
    val = max(1, int(round(fractions[1] * n)))
    test = max(1, int(round(fractions[2] * n)))
    return n - val - test, val, test


def _stratified_conditions(
    weights: Sequence[float], n: int, rng: np.random.Generator
) -> dict[int, str]:
    """Conditions of ``n`` locations in proportion to ``weights`` (largest
    remainders), shuffled."""
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
        runtime.generator(config.seed, "conditions"),
    )
    unseen_conditions = _stratified_conditions(
        config.condition_weights,
        config.unseen_locations,
        runtime.generator(config.seed, "conditions-unseen"),
    )
    conditions.update({config.locations + i: c for i, c in unseen_conditions.items()})
    # splits stratified by condition: interleave the (shuffled) locations of each
    # condition, then give the first ones to validation, the next to test and the rest
    # to training
    g = runtime.generator(config.seed, "splits")
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
        g = runtime.generator(config.seed, "location", loc)
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
                    style=1 if unseen else 0,
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


# --------------------------------------------------------------------------------------
# Physics of one recording
# --------------------------------------------------------------------------------------


def _fft_delay(
    signal: np.ndarray, delays: np.ndarray, gains: np.ndarray, n_out: int
) -> np.ndarray:
    """``gains[m] * signal(t - delays[m])`` for M delays (samples, fractional):
    band-limited, ``(M, n_out)``."""
    n = signal.size
    nfft = 1 << int(math.ceil(math.log2(n + float(delays.max()) + 64)))
    spec = np.fft.rfft(signal, nfft)
    w = 2 * np.pi * np.fft.rfftfreq(nfft)
    y = np.fft.irfft(spec[None, :] * np.exp(-1j * np.outer(delays, w)), nfft, axis=-1)[
        :, :n_out
    ]
    return y * gains[:, None]


def propagate_parts(
    scene: scenes.Scene,
    mic_positions: Any,
    fs: int = FS,
    *,
    room_order: int = 12,
    reference_mic: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The sources and the background of :func:`propagate`, apart: two ``(M, N)`` arrays
    (Pa).

    The background's level is set here (:func:`acousticlib.scenes.calibrated`): the
    sources' broadband power at microphone ``reference_mic`` over the background's power
    there is ``scene.snr_db`` (the SNR where it is heard; chapter 06). Summed, the two
    parts are :func:`propagate`'s recording.
    """
    from scipy.signal import fftconvolve

    if not isinstance(scene, scenes.Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    mics = geometry.as_positions(mic_positions)
    fs = _checks.positive("fs", fs, integer=True)
    reference_mic = _checks.positive(
        "reference_mic", reference_mic, integer=True, allow_zero=True
    )
    if reference_mic >= mics.shape[0]:
        raise ValueError(
            f"reference_mic must index one of the {mics.shape[0]} microphones; got "
            f"{reference_mic}"
        )
    n = int(round(scene.duration * fs))
    c = geometry.SPEED_OF_SOUND
    out = np.zeros((mics.shape[0], n))
    dry = scenes.source_signals(scene, fs).astype(np.float64)
    for j, src in enumerate(scene.sources):
        if scene.room is not None:
            room = simulate.Shoebox(
                size=scene.room.size,
                rt60=scene.room.rt60,
                array_position=scene.room.array_position,
                max_order=room_order,
            )
            h = simulate.room_impulse_responses(src.position(0.0), mics, fs, room)
            out += fftconvolve(dry[j][None, :], h, axes=-1)[:, :n]
        elif not src.moving:
            r = geometry.distances(src.position(0.0), mics)
            out += _fft_delay(dry[j], r / c * fs, 1 / (4 * np.pi * r), n)
        else:
            hop = int(round(fs / 48))
            # periodic Hann: overlapping copies sum to 1
            win = np.hanning(2 * hop + 1)[:-1]
            x = np.concatenate([np.zeros(hop), dry[j], np.zeros(2 * hop)])
            # piece covers output samples [start - hop, start + hop)
            for start in range(0, n + hop, hop):
                piece = x[start : start + 2 * hop] * win
                r = geometry.distances(src.position(min(start, n - 1) / fs), mics)
                y = _fft_delay(
                    piece,
                    r / c * fs,
                    1 / (4 * np.pi * r),
                    2 * hop + int(r.max() / c * fs) + 8,
                )
                a = start - hop
                lo, hi = max(a, 0), min(a + y.shape[1], n)
                if hi > lo:
                    out[:, lo:hi] += y[:, lo - a : hi - a]
    power = float(np.mean(out[reference_mic] ** 2)) if scene.sources else None
    scene = scenes.calibrated(scene, power, fs)
    bg = scenes.background_signal(scene, fs, channel=0).astype(np.float64)
    shifts = np.arange(mics.shape[0]) * (n // mics.shape[0])
    # rows[j][i] = bg[(i + j) % n]
    rows = np.lib.stride_tricks.sliding_window_view(np.concatenate([bg, bg]), n)
    return out, rows[(n - shifts) % n]


def propagate(
    scene: scenes.Scene,
    mic_positions: Any,
    fs: int = FS,
    *,
    room_order: int = 12,
    reference_mic: int = 0,
) -> np.ndarray:
    """Array recording ``(M, N)`` (pascals, N = duration x fs) of ``scene``'s sources
    and background.

    Static sources in free field: band-limited delays ``r/c`` (FFT) and gains ``1/(4 pi
    r)``, the analytic model of :func:`acousticlib.simulate.free_field` (the tests check
    they agree). Moving sources: the same on Hann-windowed segments of 1/24 s (50 %
    overlap), the source frozen at each segment's centre, as
    :func:`acousticlib.simulate.record` does in rooms. Reverberant scenes:
    pyroomacoustics impulse responses
    (:func:`acousticlib.simulate.room_impulse_responses`, image sources up to
    ``room_order``) of each source's starting position, convolved with its dry signal.
    Background: one realisation of ``scene.background`` circularly shifted by ``m * N //
        M`` samples at microphone ``m`` (spatially uncorrelated), at the level that
        gives ``scene.snr_db`` at
    microphone ``reference_mic`` (the dataset's mono microphone;
    :func:`propagate_parts`). Chapter 06.
    """
    sources, background = propagate_parts(
        scene, mic_positions, fs, room_order=room_order, reference_mic=reference_mic
    )
    return sources + background


def source_at_microphone(
    dataset: SimulatedDataset, recording: int
) -> tuple[np.ndarray, np.ndarray]:
    """One recording at its mono microphone: ``(sources, mix)``, two float64 ``(N,)``
    signals (Pa).

    ``mix`` is the stored recording (``recording_audio``); ``sources`` its sources
    alone, propagated again to the mono microphone without the background (chapter 06
    plays both and measures the SNR from them, :func:`snr_at_microphone`). A
    background-only recording has no
    sources: a ValueError.
    """
    if not isinstance(dataset, SimulatedDataset):
        raise TypeError(
            f"dataset must be a SimulatedDataset; got {type(dataset).__name__}"
        )
    config = dataset.config
    plan = plan_recordings(config)
    recording = _checks.positive("recording", recording, integer=True, allow_zero=True)
    if recording >= len(plan):
        raise ValueError(
            f"recording must be below {len(plan)} (the dataset's recordings); got "
            f"{recording}"
        )
    spec = plan[recording]
    if spec["class_name"] is None:
        raise ValueError(
            f"recording {recording} is background-only: it has no sources and no SNR"
        )
    sc = _scene_for(
        spec, config, geometry.Camera().resized(config.height, config.width)
    )
    mic = np.asarray(geometry.optimized_aperiodic_array())[[config.mic]]
    silent = dataclasses.replace(sc, snr_db=None, background_level_db=-160.0)
    sources = propagate(silent, mic, FS, room_order=config.room_order)[0]
    return sources, dataset.read("recording_audio", [recording])[0].astype(np.float64)


def snr_at_microphone(dataset: SimulatedDataset, recording: int) -> tuple[float, float]:
    """Nominal and measured broadband SNR (dB) of one recording at its mono microphone
    (chapter 06).

    The measured value compares the stored mix with its sources alone
    (:func:`source_at_microphone`): ``10 log10(P_sources / P_(mix - sources))``. The
    nominal one is the scene's ``snr_db`` (lowered by the unseen domain's level shift).
    Background-only recordings have no SNR: a ValueError.
    """
    sources, mix = source_at_microphone(dataset, recording)
    spec = plan_recordings(dataset.config)[recording]
    sc = _scene_for(
        spec,
        dataset.config,
        geometry.Camera().resized(dataset.config.height, dataset.config.width),
    )
    measured = 10 * np.log10(np.mean(sources**2) / np.mean((mix - sources) ** 2))
    return float(sc.snr_db), float(measured)


def _scene_for(
    spec: dict[str, Any], config: DatasetConfig, camera: geometry.Camera
) -> scenes.Scene:
    """The scene of a planned recording: drawn per recording, then given its
    location's traits."""
    g = runtime.generator(config.seed, "recording", spec["index"])
    reverberant = spec["condition"] == "reverberant"
    sc_cfg = scenes.SceneConfig(
        max_sources=config.max_sources,
        max_distractors=config.max_distractors,
        p_moving=0.0 if reverberant else 0.5,
        duration=float(config.recording_seconds),
        style=spec["style"],
        distractor_similarity=config.distractor_similarity,
    )
    if spec["class_name"] is None:
        sc = scenes.sample_scene(
            camera, g, sc_cfg, condition=spec["condition"], background_only=True
        )
    else:
        extra = [
            str(c) for c in g.choice(CLASSES, int(g.integers(0, config.max_sources)))
        ]
        sc = scenes.sample_scene(
            camera,
            g,
            sc_cfg,
            classes=[spec["class_name"], *extra],
            condition=spec["condition"],
            # sample_scene draws it otherwise, despite classes
            background_only=False,
        )
    changes: dict[str, Any] = dict(
        background=spec["background"],
        seed=spec["visual_seed"],
        snr_db=sc.snr_db - spec["level_shift_db"],
    )
    if reverberant:
        changes["room"] = dataclasses.replace(sc.room, rt60=spec["rt60"])
    return dataclasses.replace(sc, **changes)


def simulate_recording(
    spec: dict[str, Any], config: DatasetConfig
) -> dict[str, np.ndarray]:
    """Everything stored for one planned recording (see the module docstring for the
    arrays).

    ``spec`` is an entry of :func:`plan_recordings`. Frames are drawn at the centres
    ``(k + 0.5) / 12`` s of the audio frames; acoustic images are beamformed on the
    camera's 36 x 48 focus grid at 1 m. Returns a dict of arrays with T = 12 x
    ``recording_seconds`` frames first. Chapter 06.
    """
    cam = geometry.Camera().resized(config.height, config.width)
    sc = _scene_for(spec, config, cam)
    mics = np.asarray(geometry.optimized_aperiodic_array())
    x = propagate(sc, mics, FS, room_order=config.room_order, reference_mic=config.mic)
    T = FPS * config.recording_seconds
    power = acoustic_images(
        x, FS, mics, cam.focus_grid(), frame_length=FRAME_LENGTH, device=config.device
    )
    mono = x[config.mic]
    out: dict[str, np.ndarray] = {
        "acoustic": features.mfcc_from_power(power, float(FS), reference=features.P_REF)
        .transpose(0, 3, 1, 2)
        .astype(np.float16),
        "audio": frame_signals(mono, FRAME_LENGTH).astype(np.float32),
        "mfcc_mono": features.single_mic_mfcc(
            mono, FS, normalize=False, reference=features.P_REF
        ),
        "recording_audio": mono.astype(np.float32),
    }
    if config.keep_power:
        out["power"] = power.astype(np.float32)
    del power
    S = config.max_sources
    frames = np.empty((T, cam.height, cam.width, 3), np.uint8)
    boxes = np.full((T, S, 4), np.nan, np.float32)
    annot = np.full((T, S, 3, 4), np.nan, np.float32)
    centres = np.full((T, S, 2), np.nan, np.float32)
    bg = rendering.render_background(sc, cam)
    sprites: dict = {}
    for k, t in enumerate(scenes.frame_times(float(config.recording_seconds), FPS)):
        # salt the annotators' jitter by recording and frame (the location shares
        # scene.seed)
        frames[k], notes = rendering.render_frame(
            sc,
            cam,
            float(t),
            background=bg,
            frame_index=spec["index"] * 10_000 + k,
            _sprites=sprites,
        )
        for a in notes:
            if a.sounding and a.index < S:
                boxes[k, a.index] = a.box
                annot[k, a.index] = a.annotator_boxes
                centres[k, a.index] = a.position
    out.update(frames=frames, boxes=boxes, annotators=annot, centres=centres)
    return out


# --------------------------------------------------------------------------------------
# Building (parallel, resumable) and the cache
# --------------------------------------------------------------------------------------


def _limit_threads() -> None:
    """One BLAS/OpenMP/numba/torch thread in this process (each worker owns one core).

    Numba's own pool is not one threadpoolctl limits: without this, two workers ran the
    beamformer with two threads each on two cores. The kernel's tasks write disjoint
    outputs, so the thread count does not change a single bit of the result.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    os.environ["NUMBA_NUM_THREADS"] = "1"
    # already imported (librosa imports it): the calling thread's count
    if "numba" in sys.modules:
        sys.modules["numba"].set_num_threads(1)
    # only if something imported it: a build worker does not need torch
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    cache.write_atomic(path, write)


def _shard(staging: Path, index: int) -> Path:
    return staging / f"rec-{index:06d}.npz"


def _work(job: tuple[dict[str, Any], dict[str, Any], str]) -> int:
    """Worker body: simulate one recording into its staging shard; return its index."""
    spec, cfg, staging = job
    config = DatasetConfig(**cfg)
    _save_npz(_shard(Path(staging), spec["index"]), simulate_recording(spec, config))
    return spec["index"]


def _readable(path: Path) -> bool:
    try:
        with np.load(path) as z:
            return "frames" in z.files
    except Exception:  # noqa: BLE001 - a torn or foreign file is simply redone
        return False


def _config_dict(config: DatasetConfig) -> dict[str, Any]:
    d = dataclasses.asdict(config)
    d["condition_weights"] = list(d["condition_weights"])
    d["split_fractions"] = list(d["split_fractions"])
    return d


def write_npy_stream(
    path: str | os.PathLike[str], shape: tuple[int, ...], dtype: Any
) -> Any:
    """An open binary file holding the ``.npy`` header of an array ``shape``/``dtype``;
    write its C-order bytes after.

    Streams a large array to disk without holding it (or a memory map of it) in memory;
    the caller closes the file. Used by the dataset build and chapter 07's trunk
    features.
    """
    f = open(path, "wb")
    np.lib.format.write_array_header_1_0(
        f,
        {
            "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
            "fortran_order": False,
            "shape": shape,
        },
    )
    return f


def _assemble(
    folder: Path, staging: Path, config: DatasetConfig, plan: list[dict[str, Any]]
) -> None:
    """Stream the staged recordings, in order, into the entry's ``.npy`` files."""
    T = FPS * config.recording_seconds
    F = len(plan) * T
    S = config.max_sources
    H, W = config.height, config.width
    shapes = {
        "frames": ((H, W, 3), np.uint8),
        "acoustic": ((12, 36, 48), np.float16),
        "audio": ((FRAME_LENGTH,), np.float32),
        "mfcc_mono": ((12,), np.float32),
        "boxes": ((S, 4), np.float32),
        "annotators": ((S, 3, 4), np.float32),
        "centres": ((S, 2), np.float32),
    }
    if config.keep_power:
        shapes["power"] = ((36, 48, FRAME_LENGTH // 2), np.float32)
    files = {
        k: write_npy_stream(folder / f"{k}.npy", (F, *s), d)
        for k, (s, d) in shapes.items()
    }
    files["recording_audio"] = write_npy_stream(
        folder / "recording_audio.npy", (len(plan), T * FRAME_LENGTH), np.float32
    )
    try:
        for spec in plan:
            with np.load(_shard(staging, spec["index"])) as z:
                for k, f in files.items():
                    a = np.ascontiguousarray(
                        z[k], dtype=shapes[k][1] if k in shapes else np.float32
                    )
                    f.write(a.tobytes())
    finally:
        for f in files.values():
            f.close()
    (folder / "index").mkdir()
    cond = {c: i for i, c in enumerate(scenes.CONDITIONS)}
    cols: dict[str, list[int]] = {k: [] for k in _INDEX}
    for spec in plan:
        for k in range(T):
            cols["label"].append(spec["label"])
            cols["clip"].append(spec["first_clip"] + k // FPS)
            cols["location"].append(spec["location"])
            cols["recording"].append(spec["index"])
            cols["frame"].append(k % FPS)
            cols["split"].append(spec["split"])
            cols["background"].append(int(spec["class_name"] is None))
            cols["condition"].append(cond[spec["condition"]])
            cols["style"].append(spec["style"])
    for k, v in cols.items():
        np.save(folder / "index" / f"{k}.npy", np.asarray(v, dtype=np.int64))
    (folder / "recordings.json").write_text(json.dumps(plan, indent=1, sort_keys=True))
    meta = dict(
        config=_config_dict(config),
        classes=list(CLASSES),
        splits=list(SPLITS),
        conditions=list(scenes.CONDITIONS),
        fs=FS,
        fps=FPS,
        frame_length=FRAME_LENGTH,
        frames=F,
        clips=config.n_clips,
        recordings=len(plan),
    )
    (folder / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))


def _run(
    plan: list[dict[str, Any]],
    config: DatasetConfig,
    staging: Path,
    workers: int,
    progress: bool,
    callback: Callable[[int], None] | None,
    stall_timeout: float | None = None,
) -> None:
    """Simulate the recordings whose staging shard is missing, in ``workers``
    processes."""
    from tqdm.auto import tqdm

    todo = [s for s in plan if not _readable(_shard(staging, s["index"]))]
    jobs = [(s, _config_dict(config), str(staging)) for s in todo]
    bar = tqdm(
        total=len(plan),
        initial=len(plan) - len(todo),
        desc="recordings",
        unit="rec",
        disable=not progress,
    )

    def done(i: int) -> None:
        bar.update(1)
        if callback is not None:
            callback(i)

    try:
        if workers <= 1:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):
                for job in jobs:
                    done(_work(job))
        else:
            _in_workers(jobs, workers, stall_timeout, done, staging)
    finally:
        bar.close()


#: Printed by a spawned worker that finds itself building the dataset while it starts.
_UNGUARDED = (
    "camera_dataset() was called while a worker process was starting: a spawned worker "
    "re-runs the "
    "top level of the main script, and this one builds the dataset there. Put the "
    "script's code under "
    '`if __name__ == "__main__":` (or build with workers=1).'
)


def _starting_worker() -> bool:
    """Whether this process is a spawned (or forkserver) child still importing its
    parent's main script."""
    import multiprocessing as mp

    return bool(getattr(mp.current_process(), "_inheriting", False))


def _in_workers(
    jobs: list[tuple[dict[str, Any], dict[str, Any], str]],
    workers: int,
    stall_timeout: float | None,
    done: Callable[[int], None],
    staging: Path,
) -> None:
    """Run :func:`_work` on ``jobs`` in ``workers`` spawned processes, calling
    ``done(index)`` as each finishes.

    Never waits forever: a worker that dies (killed by the out-of-memory killer, a
    crash) raises a :class:`RuntimeError` saying how it died, and no recording finishing
    within ``stall_timeout`` seconds (None: no limit) raises a :class:`TimeoutError`;
    the workers are stopped either way. (``multiprocessing.Pool`` replaces a dead worker
    but waits forever for its recording.) At most ``2 * workers`` jobs are submitted
    ahead, so the stall clock waits on a handful of futures.
    """
    import itertools
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(
        workers, mp_context=mp.get_context("spawn"), initializer=_limit_threads
    )
    queue = iter(jobs)
    running: set = set()
    finished = False
    try:
        while True:
            running.update(
                pool.submit(_work, job)
                for job in itertools.islice(queue, 2 * workers - len(running))
            )
            if not running:
                break
            ready, running = wait(
                running, timeout=stall_timeout, return_when=FIRST_COMPLETED
            )
            if not ready:
                raise TimeoutError(
                    f"no recording of the dataset finished in {stall_timeout:g} s "
                    f"(stall_timeout) with workers={workers}: "
                    "the worker processes are alive but stuck, so they were stopped "
                    "and nothing was cached. Rebuild "
                    "with workers=1, or pass a larger stall_timeout if one recording "
                    "really takes that long here; "
                    f"the recordings already simulated are kept in {staging} and not "
                    f"simulated again."
                )
            for future in ready:
                done(future.result())
        finished = True
    except BrokenProcessPool as exc:
        processes = _processes(pool)
        # the broken pool terminates (SIGTERM) and joins the other workers: all codes
        # known
        pool.shutdown(wait=True)
        what, advice = _death([p.exitcode for p in processes])
        raise RuntimeError(
            f"{what} while building the dataset with workers={workers}, so the build "
            f"stopped and nothing "
            f"was cached (the recordings already simulated are kept in {staging} and "
            f"not simulated "
            f"again). {advice}"
        ) from exc
    finally:
        # a death, a stall, an error or an interrupt: stop the workers now, stuck or not
        if not finished:
            for p in _processes(pool):
                p.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def _processes(pool: Any) -> list[Any]:
    """The worker processes (:class:`multiprocessing.Process`) of a
    ``ProcessPoolExecutor`` (none once shut down)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def _death(codes: list[int | None]) -> tuple[str, str]:
    """How a dead pool worker died and what to do, from the exit codes of the pool's
    processes (None: running)."""
    import signal

    # after a death the pool terminates the other workers (SIGTERM): their codes say
    # nothing
    own = [c for c in codes if c is not None and c != -signal.SIGTERM]
    code = own[0] if own else -signal.SIGTERM if -signal.SIGTERM in codes else None
    if code is None:
        return "a dataset worker process died", "Rebuild with workers=1."
    if code >= 0:
        return (
            f"a dataset worker process exited with code {code}",
            "Its error is printed above. A script that calls camera_dataset at its top "
            "level must guard that "
            'call with `if __name__ == "__main__":` (each spawned worker re-runs the '
            "top level), or build "
            "with workers=1.",
        )
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "unknown signal"
    advice = {
        signal.SIGKILL: "The out-of-memory killer sends SIGKILL, so memory likely ran "
        "out: rebuild with "
        "workers=1 or with more free memory.",
        signal.SIGSEGV: "It crashed: rebuild with workers=1 to see where.",
    }.get(-code, "Rebuild with workers=1.")
    return f"a dataset worker process was killed by signal {-code} ({name})", advice


def content_sha256(folder: str | os.PathLike[str]) -> str:
    """Content hash of a dataset entry: SHA-256 over the sorted (file name, SHA-256)
    pairs of its manifest.

    Independent of where and when the entry was built (the manifest's timestamp is left
    out).
    """
    manifest = json.loads((Path(folder) / cache.MANIFEST).read_text())
    text = "\n".join(
        f"{name} {info['sha256']}" for name, info in sorted(manifest["files"].items())
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _as_config(config: DatasetConfig | str, seed: int) -> DatasetConfig:
    """``config`` itself, or the :class:`DatasetConfig` of the profile it names with
    ``seed``."""
    if isinstance(config, str):
        config = dataset_config(config, seed=seed)
    if not isinstance(config, DatasetConfig):
        raise TypeError(
            f"config must be a DatasetConfig or a profile name; got "
            f"{type(config).__name__}"
        )
    return config


def dataset_cache_key(config: DatasetConfig | str = "book", *, seed: int = 0) -> str:
    """The cache key (the cache folder's name) of the dataset of ``config`` (or of a
    profile name with ``seed``), computed without building or reading it: it changes
    when the configuration or :data:`DATASET_CODE_VERSION` does. Results files name
    their dataset by it (the appendix)."""
    return cache.cache_key(
        "dataset", _config_dict(_as_config(config, seed)), DATASET_CODE_VERSION
    )


def camera_dataset(
    config: DatasetConfig | str = "book",
    *,
    seed: int = 0,
    workers: int = 2,
    progress: bool = True,
    root: str | os.PathLike[str] | None = None,
    callback: Callable[[int], None] | None = None,
    stall_timeout: float | None = 600.0,
) -> SimulatedDataset:
    """The simulated Dual Cam dataset of ``config`` (or of a profile name with
    ``seed``), from the cache.

    Built when missing in ``workers`` processes (1: in this process) with a progress
    bar; a ``callback(recording_index)`` is called after each recording is simulated (an
    exception it raises aborts the build). An interrupted build leaves no cache entry,
    but the recordings already simulated are kept in a staging folder beside the entry,
    so the next call only simulates the rest; the result is byte-identical to an
    uninterrupted build. ``root`` overrides the cache folder. Chapter 06.

    A parallel build never hangs: a worker process that dies (e.g. killed by the
    out-of-memory killer) raises a :class:`RuntimeError` saying how, and no recording
    finishing within ``stall_timeout`` seconds (None: no limit) raises a
    :class:`TimeoutError`; both leave no cache entry. The workers are spawned, so each
    re-runs the top level of the main script: a script that calls this with ``workers >
    1`` must do so under ``if __name__ == "__main__":`` (unguarded, the workers would
    wait for the entry this call is building; they stop with an error saying so
    instead).
    """
    config = _as_config(config, seed)
    workers = _checks.positive("workers", workers, integer=True)
    if stall_timeout is not None:
        stall_timeout = _checks.positive("stall_timeout", stall_timeout)
    cfg = _config_dict(config)
    key = dataset_cache_key(config)
    staging = cache.cache_root(root) / "dataset" / f".partial-{key}"
    plan = plan_recordings(config)
    timing: dict[str, float] = {}
    # in a worker re-running an unguarded script, waiting for the lock would wait for
    # its own parent
    starting = _starting_worker()

    def build(folder: Path) -> None:
        if starting:
            raise RuntimeError(_UNGUARDED)
        t0 = time.perf_counter()
        staging.mkdir(parents=True, exist_ok=True)
        _run(plan, config, staging, workers, progress, callback, stall_timeout)
        _assemble(folder, staging, config, plan)
        timing["seconds"] = time.perf_counter() - t0

    try:
        folder = cache.cached(
            "dataset",
            cfg,
            build,
            code_version=DATASET_CODE_VERSION,
            root=root,
            lock_timeout=0 if starting else -1,
        )
    # only when starting: the parent holds the lock, building the entry
    except filelock.Timeout:
        raise RuntimeError(_UNGUARDED) from None
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    # the build time is not content: a sidecar file beside the entry keeps it
    if "seconds" in timing:
        _build_record(folder).write_text(
            json.dumps({"seconds": timing["seconds"], "workers": workers})
        )
    return SimulatedDataset(folder, built_now="seconds" in timing)


def _build_record(folder: Path) -> Path:
    return folder.parent / f"{folder.name}.build.json"


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


class SimulatedDataset:
    """A built dataset entry, read lazily (memory-mapped ``.npy`` files).

    ``config`` (:class:`DatasetConfig`), ``meta`` (dict), ``index`` (dict of ``(F,)``
    int64
    columns: label, clip, location, recording, frame, split, background, condition,
        style),
    ``recordings`` (the plan), ``sha256`` (:func:`content_sha256`), ``build_seconds``
    (wall time of the build that made the entry, from a sidecar file beside it; None if
    unknown), ``built_now`` (whether this call built it). ``array(name)`` opens one
    array memory-mapped; ``frames_of(split)`` gives frame indices.
    """

    def __init__(self, folder: str | os.PathLike[str], built_now: bool = False) -> None:
        self.folder = Path(folder)
        meta_path = self.folder / "meta.json"
        if not meta_path.is_file():
            raise FileNotFoundError(
                f"{meta_path} is missing: {self.folder} is not a dataset entry"
            )
        self.meta: dict[str, Any] = json.loads(meta_path.read_text())
        cfg = dict(self.meta["config"])
        self.config = DatasetConfig(
            **{
                **cfg,
                "condition_weights": tuple(cfg["condition_weights"]),
                "split_fractions": tuple(cfg["split_fractions"]),
            }
        )
        self.index = {k: np.load(self.folder / "index" / f"{k}.npy") for k in _INDEX}
        self.recordings: list[dict[str, Any]] = json.loads(
            (self.folder / "recordings.json").read_text()
        )
        self.built_now = bool(built_now)
        try:
            self.build_seconds: float | None = float(
                json.loads(_build_record(self.folder).read_text())["seconds"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            self.build_seconds = None
        self._arrays: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return int(self.meta["frames"])

    def __repr__(self) -> str:
        return (
            f"SimulatedDataset({self.meta['clips']} clips, {self.meta['frames']} "
            f"frames, "
            f"{self.meta['recordings']} recordings, sha256={self.sha256[:12]})"
        )

    @property
    def sha256(self) -> str:
        """The content hash (:func:`content_sha256`)."""
        return content_sha256(self.folder)

    def array(self, name: str) -> np.ndarray:
        """The stored array ``name`` (e.g. ``"frames"``, ``"acoustic"``),
        memory-mapped read-only."""
        if name not in self._arrays:
            path = self.folder / f"{name}.npy"
            if not path.is_file():
                raise KeyError(
                    f"this dataset stores no {name!r} array "
                    f"(keep_power={self.config.keep_power})"
                )
            self._arrays[name] = np.load(path, mmap_mode="r")
        return self._arrays[name]

    def read(self, name: str, rows: Any = None) -> np.ndarray:
        """Rows ``rows`` (all if None) of array ``name``, copied into memory by
        :func:`read_rows`.

        Unlike indexing :meth:`array`, the file's pages do not stay mapped in this
        process, so a pass over a large array (frames: 83 kB each) does not grow its
        resident memory.
        """
        self.array(name)  # validates the name
        return read_rows(self.folder / f"{name}.npy", rows)

    def frames_of(
        self, split: str | None = None, *, include_background: bool = True
    ) -> np.ndarray:
        """Indices ``(n,)`` of the frames of ``split`` (a name of :data:`SPLITS`, or
        None for all)."""
        mask = np.ones(len(self), bool)
        if split is not None:
            mask &= self.index["split"] == SPLITS.index(
                _checks.one_of("split", split, SPLITS)
            )
        if not include_background:
            mask &= self.index["background"] == 0
        return np.flatnonzero(mask)

    def sample(
        self,
        i: int,
        modalities: Sequence[str] = ("frame", "audio", "mfcc_mono", "acoustic"),
    ) -> dict[str, Any]:
        """Frame ``i`` as NumPy arrays in the data contract's layout (see
        :class:`FrameDataset`)."""
        i = int(i)
        if not 0 <= i < len(self):
            raise IndexError(f"frame index {i} out of range [0, {len(self)})")
        out: dict[str, Any] = {}
        for m in modalities:
            _checks.one_of("modalities", m, MODALITIES)
            if m == "frame":
                out[m] = np.asarray(self.array("frames")[i], np.float32).transpose(
                    2, 0, 1
                ) / np.float32(255)
            elif m == "context":
                out[m] = np.array(
                    self.array("recording_audio")[self.index["recording"][i]],
                    np.float32,
                )
            elif m == "power":
                out[m] = np.array(self.array("power")[i], np.float32)
            else:
                out[m] = np.array(self.array(m)[i], np.float32)
        for k in ("label", "clip", "location"):
            out[k] = np.int64(self.index[k][i])
        out["background"] = bool(self.index["background"][i])
        return out

    def statistics(self) -> dict[str, dict[str, int]]:
        """Counts of clips per split and class (``"background"`` for
        background-only), and per split and condition."""
        clip_rows = np.flatnonzero(self.index["frame"] == 0)
        out: dict[str, dict[str, int]] = {}
        for s, name in enumerate(SPLITS):
            rows = clip_rows[self.index["split"][clip_rows] == s]
            counts = {
                c: int(np.sum(self.index["label"][rows] == k))
                for k, c in enumerate(CLASSES)
            }
            counts["background"] = int(np.sum(self.index["background"][rows]))
            for k, c in enumerate(scenes.CONDITIONS):
                counts[c] = int(np.sum(self.index["condition"][rows] == k))
            counts["locations"] = len(set(self.index["location"][rows].tolist()))
            out[name] = counts
        return out


def read_rows(path: str | os.PathLike[str], rows: Any = None) -> np.ndarray:
    """Rows ``rows`` (an index array, boolean mask or slice; all if None) of the
    ``.npy`` file ``path``, in memory.

    Reads the rows' bytes with ordinary file reads, one read per run of consecutive
    rows, into the returned array: nothing is memory-mapped, so the copy is all this
    process keeps and all its resident memory counts. (Indexing a memory map instead
    counts every page it touched in the process's resident memory while the map is open:
    a pass over trunk features then counts them twice.) Files in another layout than a
    C-ordered, version 1 or 2 ``.npy`` of a plain dtype are read through a memory map
    closed before returning. Chapters 07-11 use it for passes over frames and trunk
    features.
    """
    with open(path, "rb") as fh:
        try:
            version = np.lib.format.read_magic(fh)
            header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            shape, fortran, dtype = (
                header(fh) if header else ((), True, np.dtype(object))
            )
        except ValueError as err:
            raise ValueError(f"{path} is not a readable .npy file: {err}") from None
        if fortran or dtype.hasobject or not shape:
            return _read_rows_mmap(path, rows)
        n = shape[0]
        index = np.arange(n)[rows] if rows is not None else np.arange(n)
        if index.ndim != 1:
            raise ValueError(
                f"rows must select along the first axis (1-D indices, mask or slice); "
                f"got shape {index.shape}"
            )
        out = np.empty((index.size, *shape[1:]), dtype)
        row_bytes = out[:1].nbytes
        if index.size == 0 or row_bytes == 0:
            return out
        start = fh.tell()
        breaks = np.flatnonzero(np.diff(index) != 1) + 1
        buf = memoryview(out.reshape(index.size, -1)).cast("B")
        for a, b in zip(np.r_[0, breaks], np.r_[breaks, index.size], strict=False):
            fh.seek(start + int(index[a]) * row_bytes)
            want = (int(b) - int(a)) * row_bytes
            if fh.readinto(buf[int(a) * row_bytes : int(a) * row_bytes + want]) != want:
                raise ValueError(
                    f"{path} is shorter than its header says ({shape} {dtype}): "
                    f"truncated file?"
                )
        return out


def _read_rows_mmap(path: str | os.PathLike[str], rows: Any) -> np.ndarray:
    """:func:`read_rows` through a memory map closed before returning (any ``.npy``
    layout)."""
    m = np.load(path, mmap_mode="r")
    try:
        return np.array(m if rows is None else m[rows])
    finally:
        mm = getattr(m, "_mmap", None)
        del m
        if mm is not None:
            try:
                mm.close()
            # a view is still alive elsewhere: leave it to the garbage collector
            except BufferError:
                pass


def alignment(
    dataset: SimulatedDataset,
    *,
    energy: str = "mfcc",
    condition: str = "anechoic",
    frames: np.ndarray | None = None,
) -> float:
    """Share of single-source frames of ``condition`` whose energy peak lies in the
    source's box.

    ``energy="mfcc"``: the paper's reciprocal energy map
    (:func:`acousticlib.features.energy_map`) of the stored MFCC image; ``"direct"``:
    the summed beamformed power 500-6400 Hz
    (:func:`acousticlib.features.direct_energy_map`; needs ``keep_power``). The peak
    acoustic pixel's centre (video pixels) is tested against the source's ground-truth
    box. ``frames`` restricts the frames considered. Chapter 06.
    """
    _checks.one_of("energy", energy, ("mfcc", "direct"))
    _checks.one_of("condition", condition, scenes.CONDITIONS)
    ix = dataset.index
    boxes = dataset.array("boxes")
    single = (ix["background"] == 0) & (
        ix["condition"] == scenes.CONDITIONS.index(condition)
    )
    single &= np.sum(np.isfinite(boxes[:, :, 0]), axis=1) == 1
    rows = np.flatnonzero(single)
    if frames is not None:
        rows = np.intersect1d(rows, np.asarray(frames, dtype=np.int64))
    if rows.size == 0:
        raise ValueError(
            f"the dataset has no single-source {condition} frames to measure alignment "
            f"on"
        )
    hits = 0
    # 64 frames at a time: the energy map works in float64
    for r0 in range(0, rows.size, 64):
        rr = rows[r0 : r0 + 64]
        if energy == "mfcc":
            e = features.energy_map(
                dataset.read("acoustic", rr).astype(np.float32).transpose(0, 2, 3, 1)
            )
        else:
            e = features.direct_energy_map(
                dataset.read("power", rr).astype(np.float32, copy=False), float(FS)
            )
        hits += int(
            peaks_in_boxes(
                e, boxes[rr, 0], dataset.config.height, dataset.config.width
            ).sum()
        )
    return hits / rows.size


def peaks_in_boxes(energy: Any, boxes: Any, height: int, width: int) -> np.ndarray:
    """Whether each energy map's peak acoustic pixel has its centre inside the box:
    ``(N,)`` bool.

    ``energy`` ``(N, 36, 48)``; ``boxes`` ``(N, 4)`` as ``(row0, col0, row1, col1)``
    video pixels of a ``height x width`` frame (the dataset's ``boxes[:, 0]``). The test
    behind :func:`alignment`. Chapter 06.
    """
    e = _checks.as_array(
        "energy", energy, dtype=np.float32, what="(N, 36, 48) energy maps"
    )
    if e.ndim != 3 or e.shape[1:] != tuple(geometry.GRID_SHAPE):
        raise ValueError(
            f"energy must have shape (N, {geometry.GRID_SHAPE[0]}, "
            f"{geometry.GRID_SHAPE[1]}); got {e.shape}"
        )
    b = np.asarray(boxes, np.float32)
    if b.shape != (e.shape[0], 4):
        raise ValueError(
            f"boxes must have shape ({e.shape[0]}, 4) to match energy; got {b.shape}"
        )
    centres = geometry.Camera().resized(height, width).grid_pixel_centres()
    return features.peak_in_mask(e, features.box_mask(b[:, None], centres)).astype(bool)


# --------------------------------------------------------------------------------------
# torch views
# --------------------------------------------------------------------------------------


class _View:
    """Shared by the torch views: split selection, modality checks, tensor
    conversion."""

    def _setup(
        self,
        dataset: SimulatedDataset,
        split: str | None,
        modalities: Sequence[str],
        include_background: bool,
    ) -> None:
        if not isinstance(dataset, SimulatedDataset):
            raise TypeError(
                f"dataset must be a SimulatedDataset (from camera_dataset); got "
                f"{type(dataset).__name__}"
            )
        if isinstance(modalities, str):
            raise TypeError(
                "modalities must be a sequence of names, e.g. ['acoustic']; got a "
                "string"
            )
        if not modalities:
            raise ValueError(f"modalities must name at least one of {MODALITIES}")
        for m in modalities:
            _checks.one_of("modalities", m, MODALITIES)
        if "power" in modalities and not dataset.config.keep_power:
            raise ValueError(
                "modality 'power' needs a dataset built with keep_power=True"
            )
        self.dataset = dataset
        self.split = split
        self.modalities = tuple(modalities)
        self.include_background = bool(include_background)


def _as_tensors(sample: dict[str, Any]) -> dict[str, Any]:
    import torch

    out: dict[str, Any] = {}
    for k, v in sample.items():
        if isinstance(v, bool):
            out[k] = torch.tensor(v)
        else:
            out[k] = (
                torch.from_numpy(np.ascontiguousarray(v))
                if isinstance(v, np.ndarray)
                else torch.tensor(v)
            )
    return out


class _FrameView(_View):
    """One frame per item, as a dict of tensors (the data contract of chapter 06).

    ``"frame"`` float32 ``(3, H, W)`` in [0, 1]; ``"audio"`` float32 ``(1024,)``
    (pascals); ``"mfcc_mono"`` float32 ``(12,)``; ``"acoustic"`` float32 ``(12, 36,
    48)`` MFCC image; ``"power"`` float32 ``(36, 48, 512)`` (if stored); ``"boxes"``
    float32 ``(S, 4)``; ``"context"`` float32 ``(N,)`` the whole recording's mono audio
    (spectrogram models); always ``"label"`` int64 (``-1`` for background-only),
    ``"clip"``, ``"location"`` int64 and ``"background"`` bool. ``modalities`` picks
    what is loaded (one view per modality: ``FrameDataset(ds, "train", ["acoustic"])``);
    background-only frames are left out unless ``include_background``.
    """

    def __init__(
        self,
        dataset: SimulatedDataset,
        split: str | None = "train",
        modalities: Sequence[str] = ("frame", "audio", "mfcc_mono", "acoustic"),
        *,
        include_background: bool = False,
    ) -> None:
        self._setup(dataset, split, modalities, include_background)
        self.rows = dataset.frames_of(split, include_background=include_background)

    def __len__(self) -> int:
        return int(self.rows.size)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} frames")
        return _as_tensors(self.dataset.sample(int(self.rows[i]), self.modalities))


class _WindowView(_View):
    """Temporal windows of ``seconds`` (1 s = 12 frames, 2 s = 24) within one recording.

    Items have the keys of :class:`FrameDataset` with a leading T axis on per-frame
    arrays (``"acoustic"`` ``(T, 12, 36, 48)``, ``"frame"`` ``(T, 3, H, W)``, ...),
    ``"label"``, ``"location"`` scalars and ``"clip"`` the window's first clip. Windows
    start every ``hop_seconds`` seconds (default ``seconds``: no overlap); a recording
    shorter than the window gives none.
    """

    def __init__(
        self,
        dataset: SimulatedDataset,
        split: str | None = "train",
        seconds: int = 1,
        modalities: Sequence[str] = ("frame", "mfcc_mono", "acoustic"),
        *,
        hop_seconds: int | None = None,
        include_background: bool = False,
    ) -> None:
        self._setup(dataset, split, modalities, include_background)
        seconds = _checks.positive("seconds", seconds, integer=True)
        hop = (
            seconds
            if hop_seconds is None
            else _checks.positive("hop_seconds", hop_seconds, integer=True)
        )
        rec_s = dataset.config.recording_seconds
        if seconds > rec_s:
            raise ValueError(
                f"seconds must be at most the recordings' length ({rec_s} s) in this "
                f"dataset; got {seconds}"
            )
        self.length = seconds * FPS
        rows = dataset.frames_of(split, include_background=include_background)
        firsts = rows[(dataset.index["frame"][rows] == 0)]
        starts = []
        T = rec_s * FPS
        for r in firsts:
            offset = (
                dataset.index["clip"][r]
                - dataset.recordings[dataset.index["recording"][r]]["first_clip"]
            ) * FPS
            if offset % (hop * FPS) == 0 and offset + self.length <= T:
                starts.append(r)
        self.starts = np.asarray(starts, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.starts.size)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} windows")
        r0 = int(self.starts[i])
        per_frame = [m for m in self.modalities if m != "context"]
        samples = [
            self.dataset.sample(r, per_frame) for r in range(r0, r0 + self.length)
        ]
        out: dict[str, Any] = {m: np.stack([s[m] for s in samples]) for m in per_frame}
        if "context" in self.modalities:
            out["context"] = self.dataset.sample(r0, ["context"])["context"]
        for k in ("label", "clip", "location", "background"):
            out[k] = samples[0][k] if per_frame else self.dataset.sample(r0, [])[k]
        return _as_tensors(out)


@functools.lru_cache(maxsize=1)
def _torch_views() -> dict[str, type]:
    """``FrameDataset`` and ``WindowDataset``: the views above as
    ``torch.utils.data.Dataset`` subclasses."""
    from torch.utils.data import Dataset

    return {
        name: type(
            name,
            (view, Dataset),
            {"__module__": __name__, "__qualname__": name, "__doc__": view.__doc__},
        )
        for name, view in (("FrameDataset", _FrameView), ("WindowDataset", _WindowView))
    }


def __getattr__(name: str) -> Any:
    """``FrameDataset`` and ``WindowDataset`` are made on first use, so that importing
    this module does not import torch: the dataset build's spawned workers import it,
    and torch would add about 350 MB to each of them (chapter 06's memory budget)."""
    if name in ("FrameDataset", "WindowDataset"):
        return _torch_views()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
