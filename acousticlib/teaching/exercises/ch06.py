"""Exercise checkers of chapter 06."""

from __future__ import annotations

from typing import Any

from ._core import Feedback, _positive_ints, compare_pair, exercise


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
