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

========================  ============================  ================================
file                      shape, dtype                  content
========================  ============================  ================================
``frames.npy``            ``(F, H, W, 3)`` uint8        RGB frames
``acoustic.npy``          ``(F, 12, 36, 48)`` float16   MFCC acoustic images
``power.npy`` (optional)  ``(F, 36, 48, 512)`` float32  beamformed power per bin, Pa^2
``audio.npy``             ``(F, 1024)`` float32         mono microphone, per frame
``mfcc_mono.npy``         ``(F, 12)`` float32           its MFCC (not normalised)
``boxes.npy``             ``(F, S, 4)`` float32         source boxes (top, left,
                                                        bottom, right) px, NaN if absent
``annotators.npy``        ``(F, S, 3, 4)`` float32      three annotators' boxes
``centres.npy``           ``(F, S, 2)`` float32         projected source (row, col) px
``index/<name>.npy``      ``(F,)`` int64                label, clip, location,
                                                        recording, frame, split,
                                                        background, condition, style
``recording_audio.npy``   ``(R, N)`` float32            mono audio of each recording
``recordings.json``                                     per-recording description
========================  ============================  ================================

Splits are coded ``0`` train, ``1`` val, ``2`` test, ``3`` unseen (:data:`SPLITS`);
conditions by their index in :data:`acousticlib.scenes.CONDITIONS`.

The package: :mod:`~acousticlib.datasets.config` (sizes, :class:`DatasetConfig`,
profiles, the recording plan), :mod:`~acousticlib.datasets.propagation` (one recording's
simulation), :mod:`~acousticlib.datasets.build` (the parallel, resumable build),
:mod:`~acousticlib.datasets.shards` (the build in shards on several machines and their
merge), :mod:`~acousticlib.datasets.store` (:class:`SimulatedDataset` and the ``.npy``
I/O),
:mod:`~acousticlib.datasets.evaluation` (alignment),
:mod:`~acousticlib.datasets.views` (the torch views),
:mod:`~acousticlib.datasets.crops` (chapter 07's object crops, imported on use) and
:mod:`~acousticlib.datasets.events` (chapter 16's ten-second event clips);
every other name is importable from here as before.
"""

from __future__ import annotations

from typing import Any

# the sounds' class names and rate, importable from here as before
from ..sounds import CLASSES as CLASSES
from ..sounds import FS as FS

# private names that other modules and the tests use are re-exported as `X as X`
from .build import _config_dict as _config_dict
from .build import _limit_threads as _limit_threads
from .build import camera_dataset, dataset_cache_key
from .config import (
    _PROFILES as _PROFILES,
)
from .config import (
    DATASET_CODE_VERSION,
    FPS,
    FRAME_LENGTH,
    MODALITIES,
    SPLITS,
    DatasetConfig,
    dataset_config,
    plan_recordings,
    split_sizes,
)
from .evaluation import alignment, peaks_in_boxes
from .events import (
    BACKGROUND_LABEL,
    EVENTS_CODE_VERSION,
    SEGMENTS,
    EventDataset,
    EventDatasetConfig,
    event_audio_parts,
    event_cache_key,
    event_config,
    event_dataset,
    event_scene,
    plan_events,
    simulate_event_clip,
)
from .propagation import (
    _scene_for as _scene_for,
)
from .propagation import (
    propagate,
    propagate_parts,
    simulate_recording,
    snr_at_microphone,
    source_at_microphone,
)
from .shards import (
    PARTITION,
    build_shard,
    merge_shards,
    parse_shard,
    shard_folder,
    shard_plan,
)
from .store import SimulatedDataset, content_sha256, read_rows, write_npy_stream

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
    "split_sizes",
    "propagate",
    "propagate_parts",
    "snr_at_microphone",
    "source_at_microphone",
    "simulate_recording",
    "camera_dataset",
    "PARTITION",
    "build_shard",
    "merge_shards",
    "parse_shard",
    "shard_folder",
    "shard_plan",
    "SimulatedDataset",
    "content_sha256",
    "FrameDataset",  # noqa: F822 (made on first use by the module's __getattr__)
    "WindowDataset",  # noqa: F822
    "alignment",
    "peaks_in_boxes",
    "SEGMENTS",
    "BACKGROUND_LABEL",
    "EVENTS_CODE_VERSION",
    "EventDatasetConfig",
    "event_config",
    "plan_events",
    "event_scene",
    "event_audio_parts",
    "simulate_event_clip",
    "EventDataset",
    "event_cache_key",
    "event_dataset",
    "read_rows",
    "write_npy_stream",
]


def __getattr__(name: str) -> Any:
    """``FrameDataset`` and ``WindowDataset`` are made on first use, so that importing
    this package does not import torch: the dataset build's spawned workers import it,
    and torch would add about 350 MB to each of them (chapter 06's memory budget)."""
    if name in ("FrameDataset", "WindowDataset"):
        from .views import _torch_views

        return _torch_views()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
