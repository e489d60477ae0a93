"""Exercise checkers of chapter 06."""

from __future__ import annotations

import math
from typing import Any

from ._core import (
    Feedback,
    _positive_ints,
    compare_pair,
    compare_with_mistakes,
    exercise,
)


@exercise(
    "06.1",
    "06_audio_visual_camera_dataset",
    "Number of one-second clips and of frames in a dataset configuration.",
)
def check_dataset_size(
    answer: Any,
    *,
    locations: int,
    unseen_locations: int,
    recordings_per_location: int,
    background_per_location: int,
    recording_seconds: int,
    fps: int = 12,
) -> Feedback:
    """Clips = (locations + unseen) x (recordings + background) x seconds; frames = 12 x
    clips.

    ``answer`` is the pair ``(clips, frames)`` (chapter 06).
    """
    v = _positive_ints(
        locations=locations,
        recordings_per_location=recordings_per_location,
        recording_seconds=recording_seconds,
        fps=fps,
    )
    clips = (
        (v["locations"] + int(unseen_locations))
        * (v["recordings_per_location"] + int(background_per_location))
        * v["recording_seconds"]
    )
    expected = (clips, clips * v["fps"])
    return compare_pair(
        answer,
        expected,
        what="(clips, frames)",
        right=f"{clips} clips of 12 frames: {clips * v['fps']} frames.",
        hint="Count recordings per location (sound and background), multiply by the "
        "locations "
        "of every split, then by the seconds per recording.",
    )


@exercise(
    "06.2",
    "06_audio_visual_camera_dataset",
    "Megabytes (10^6 bytes) of the dataset's MFCC acoustic images.",
)
def check_acoustic_megabytes(
    answer: Any,
    *,
    frames: int,
    grid: tuple[int, int] = (36, 48),
    n_mfcc: int = 12,
    bytes_per_value: int = 2,
) -> Feedback:
    """``frames x n_mfcc x rows x cols x bytes_per_value / 1e6``: the dataset stores
    one ``(n_mfcc, rows, cols)`` image per frame, in float16 (2 bytes; chapter 06)."""
    rows, cols = grid
    v = _positive_ints(
        frames=frames,
        rows=rows,
        cols=cols,
        n_mfcc=n_mfcc,
        bytes_per_value=bytes_per_value,
    )
    values = v["frames"] * v["n_mfcc"] * v["rows"] * v["cols"]
    expected = values * v["bytes_per_value"] / 1e6
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.01 * expected,
        what="size in MB",
        expects="a size in megabytes",
        hint="Count the values of one frame's image (coefficients x rows x columns), "
        "multiply by the frames and by the bytes of one float16, divide by 10^6.",
        wrong={
            "size in MiB (2^20 bytes)": values * v["bytes_per_value"] / 2**20,
            "number of values in millions (bytes per value forgotten)": values / 1e6,
            "size with 512 frequency bins instead of the MFCC": expected
            * 512
            / v["n_mfcc"],
            "size in float32 (4 bytes)": values * 4 / 1e6,
        },
    )


@exercise(
    "06.3",
    "06_audio_visual_camera_dataset",
    "RMS of the background noise that gives a scene a target SNR at the microphone.",
)
def check_noise_rms(answer: Any, *, signal_rms: float, snr_db: float) -> Feedback:
    """``signal_rms / 10 ** (snr_db / 20)``: the SNR is a ratio of powers, so of
    squared RMS values, in dB (chapter 06)."""
    from ..._checks import positive

    p = positive("signal_rms", signal_rms)
    snr = float(snr_db)
    if not math.isfinite(snr):
        raise ValueError(f"snr_db must be a finite number of dB; got {snr_db!r}")
    expected = p / 10 ** (snr / 20)
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.02 * expected,
        what="noise RMS in pascals",
        expects="an RMS pressure in pascals",
        hint="SNR = 10 log10(P_signal / P_noise) and a power is the square of an RMS: "
        "solve for the noise's RMS.",
        wrong={
            "noise power, not its RMS": expected**2,
            "RMS from 10 ** (SNR / 10), as if the RMS were a power": p
            / 10 ** (snr / 10),
        },
    )
