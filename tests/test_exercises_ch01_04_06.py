"""Checkers of the exercises added to chapters 01, 04 and 06: right answers pass,
common mistakes are named, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from acousticlib import exercises


def test_pixel_frequency_checker():
    # D = 0.5 m, a pixel of 1.25 degrees = 0.02182 rad: f = 343 / (0.5 x 0.02182)
    f = 343.0 / (0.5 * math.radians(1.25))
    assert round(f) == 31444
    assert exercises.check("01.3", f, aperture=0.5, pixel_deg=1.25)
    assert exercises.check("01.3", 1.03 * f, aperture=0.5, pixel_deg=1.25)
    wrong = exercises.check("01.3", 343.0 / (0.5 * 1.25), aperture=0.5, pixel_deg=1.25)
    assert not wrong and "degrees" in wrong.message
    wrong = exercises.check("01.3", 343.0 / f, aperture=0.5, pixel_deg=1.25)
    assert not wrong and "wavelength" in wrong.message
    assert not exercises.check("01.3", 2 * f, aperture=0.5, pixel_deg=1.25)
    assert not exercises.check("01.3", "high", aperture=0.5, pixel_deg=1.25)
    with pytest.raises(ValueError, match="aperture"):
        exercises.check("01.3", f, aperture=0.0, pixel_deg=1.25)


def test_map_contrast_checker():
    m = np.array([[1.0, 2.0], [3.0, 14.0]])  # median 2.5, peak 14: 10 log10 5.6
    right = 10 * math.log10(5.6)
    assert exercises.check("04.3", right, energy=m)
    wrong = exercises.check("04.3", 2 * right, energy=m)
    assert not wrong and "20 log10" in wrong.message
    wrong = exercises.check("04.3", 10 * math.log10(14 / 5), energy=m)  # mean 5
    assert not wrong and "mean" in wrong.message
    wrong = exercises.check("04.3", 5.6, energy=m)
    assert not wrong and "not in dB" in wrong.message
    with pytest.raises(ValueError, match="energy"):
        exercises.check("04.3", 1.0, energy=-m)
    with pytest.raises(ValueError, match="positive median"):
        exercises.check("04.3", 1.0, energy=np.zeros((3, 3)))


def test_dataset_size_checker():
    kw = dict(
        locations=20,
        unseen_locations=3,
        recordings_per_location=10,
        background_per_location=2,
        recording_seconds=3,
    )
    # (20 + 3) x (10 + 2) x 3 = 828 clips, 12 frames each
    assert exercises.check("06.1", (828, 9936), **kw)
    assert not exercises.check("06.1", (828, 828), **kw)
    assert not exercises.check("06.1", (690, 8280), **kw)  # unseen forgotten
    assert not exercises.check("06.1", "many", **kw)
    with pytest.raises(ValueError, match="locations"):
        exercises.check("06.1", (1, 1), **{**kw, "locations": 0})


def test_acoustic_megabytes_checker():
    # 100 frames x 12 x 36 x 48 values x 2 bytes = 4.1472 MB
    assert exercises.check("06.2", 4.1472, frames=100)
    wrong = exercises.check("06.2", 100 * 12 * 36 * 48 * 2 / 2**20, frames=100)
    assert not wrong and "MiB" in wrong.message
    wrong = exercises.check("06.2", 100 * 12 * 36 * 48 / 1e6, frames=100)
    assert not wrong and "bytes per value forgotten" in wrong.message
    wrong = exercises.check("06.2", 8.2944, frames=100)
    assert not wrong and "float32" in wrong.message
    assert exercises.check("06.2", 8.2944, frames=100, bytes_per_value=4)
    with pytest.raises(ValueError, match="frames"):
        exercises.check("06.2", 1.0, frames=0)


def test_noise_rms_checker():
    # 10 dB: a power ratio of 10, an RMS ratio of sqrt(10)
    right = 0.02 / math.sqrt(10)
    assert exercises.check("06.3", right, signal_rms=0.02, snr_db=10.0)
    wrong = exercises.check("06.3", 0.002, signal_rms=0.02, snr_db=10.0)
    assert not wrong and "10 ** (SNR / 10)" in wrong.message
    wrong = exercises.check("06.3", right**2, signal_rms=0.02, snr_db=10.0)
    assert not wrong and "power" in wrong.message
    # a negative SNR: the noise is louder than the source
    assert exercises.check("06.3", 0.2, signal_rms=0.02, snr_db=-20.0)
    with pytest.raises(ValueError, match="signal_rms"):
        exercises.check("06.3", 1.0, signal_rms=-1.0, snr_db=10.0)
    with pytest.raises(ValueError, match="snr_db"):
        exercises.check("06.3", 1.0, signal_rms=1.0, snr_db=float("nan"))


def test_new_exercises_are_registered_under_their_chapters():
    ids = {e.id: e.chapter for e in exercises.catalogue()}
    assert ids["01.3"] == "01_acoustic_images_at_a_glance"
    assert ids["04.3"] == "04_beamforming"
    assert {ids[k] for k in ("06.1", "06.2", "06.3")} == {
        "06_audio_visual_camera_dataset"
    }
