"""Propagation to the array and the mono microphone (chapter 06): moving sources by
fractional FFT delays, rooms by image-source impulse responses, one recording's
simulation."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from .. import _checks, features, geometry, rendering, runtime, scenes, simulate
from ..beamforming import acoustic_images, frame_signals
from ..sounds import CLASSES, FS
from .config import FPS, FRAME_LENGTH, DatasetConfig, plan_recordings
from .store import SimulatedDataset


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
    M`` samples at microphone ``m`` (spatially uncorrelated), at the level that gives
    ``scene.snr_db`` at microphone ``reference_mic`` (the dataset's mono microphone;
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
    spec: dict[str, Any],
    config: DatasetConfig,
    camera: geometry.Camera,
    *,
    max_speed: float | None = None,
) -> scenes.Scene:
    """The scene of a planned recording: drawn per recording, then given its location's
    traits. ``max_speed`` (m/s): the moving sources' top speed (None: the
    :class:`~acousticlib.scenes.SceneConfig` default; chapter 16's 10-s clips go
    slower, so that a moving object stays in the frame)."""
    g = runtime.seeded_rng(config.seed, "recording", spec["index"])
    reverberant = spec["condition"] == "reverberant"
    sc_cfg = scenes.SceneConfig(
        max_sources=config.max_sources,
        max_distractors=config.max_distractors,
        p_moving=0.0 if reverberant else 0.5,
        **({} if max_speed is None else {"max_speed": float(max_speed)}),
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
