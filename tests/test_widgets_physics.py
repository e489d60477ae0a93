"""Chapters 02-03: the beam-pattern and recording explorers follow their controls and
obey the physics they teach; the chapters' exercise checkers accept right answers and
reject wrong ones."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from acousticlib import exercises, plotting
from acousticlib.geometry import (
    SPEED_OF_SOUND,
    grating_lobe_frequency,
    optimized_aperiodic_array,
    spiral_array,
    uniform_rectangular_array,
)
from acousticlib.widgets import (
    BeamPatternExplorer,
    RecordingExplorer,
    steering_direction,
)

# --------------------------------------------------------------------------------------
# Chapter 02: BeamPatternExplorer
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def beams():
    arrays = {
        "uniform": uniform_rectangular_array(11, 11, 0.05),
        "aperiodic": optimized_aperiodic_array(),
    }
    return BeamPatternExplorer(arrays, frequency=2000.0, n=61)


def test_steering_direction_is_a_unit_vector_towards_the_angles():
    d = steering_direction(30.0, -10.0)
    assert np.linalg.norm(d) == pytest.approx(1.0)
    assert math.degrees(math.atan2(d[0], d[2])) == pytest.approx(30.0)
    assert math.degrees(math.atan2(d[1], d[2])) == pytest.approx(-10.0)
    with pytest.raises(ValueError, match="azimuth_deg"):
        steering_direction(95.0, 0.0)


def test_beam_peak_follows_the_steering_sliders(beams):
    step = 2.0 / (beams.n - 1)  # grid spacing in u, v
    for az, el in [(0.0, 0.0), (25.0, 0.0), (-20.0, 15.0)]:
        beams.controls["azimuth"].value = az
        beams.controls["elevation"].value = el
        r = beams.result
        assert r.peak_uv[0] == pytest.approx(r.steer[0], abs=step)
        assert r.peak_uv[1] == pytest.approx(r.steer[1], abs=step)
        # 0 dB is the maximum, at the steering direction
        assert r.pattern_db.max() <= 1e-9


def test_main_lobe_narrows_with_frequency(beams):
    beams.controls["azimuth"].value = 0.0
    beams.controls["elevation"].value = 0.0
    beams.controls["layout"].value = "aperiodic"
    areas = []
    for f in (1000.0, 2000.0, 4000.0):
        beams.controls["frequency"].value = f
        areas.append(int((beams.result.pattern_db > -3.0).sum()))
        assert beams.result.beamwidth_deg == pytest.approx(
            math.degrees(SPEED_OF_SOUND / f / beams.arrays["aperiodic"].aperture)
        )
    assert areas[0] > 2 * areas[1] > 4 * areas[2] > 0  # -3 dB area ~ 1/f^2


def test_grating_lobe_of_the_regular_array_but_not_of_the_aperiodic_one(beams):
    spacing = 0.05
    f = 6400.0
    # theory: a grating lobe must appear
    assert f > grating_lobe_frequency(spacing, max_steer_deg=30.0)
    beams.controls["frequency"].value = f
    beams.controls["elevation"].value = 0.0
    beams.controls["azimuth"].value = 30.0
    beams.controls["layout"].value = "uniform"
    assert beams.result.sidelobe_db > -3.0  # a second main lobe
    beams.controls["layout"].value = "aperiodic"
    assert beams.result.sidelobe_db < -8.0
    # below the grating-lobe frequency the regular array is clean again
    beams.controls["layout"].value = "uniform"
    beams.controls["frequency"].value = 0.9 * grating_lobe_frequency(
        spacing, max_steer_deg=30.0
    )
    assert beams.result.sidelobe_db < -8.0


def test_beam_explorer_draws_and_rejects_bad_input(beams):
    fig = beams.figure()
    assert len(fig.axes) >= 3
    with pytest.raises(TypeError, match="arrays"):
        BeamPatternExplorer({"x": np.zeros((4, 3))})
    with pytest.raises(ValueError, match="layout"):
        BeamPatternExplorer({"a": spiral_array(8, 0.3)}, layout="b")
    with pytest.raises(ValueError, match="frequency"):
        beams.compute("uniform", -1.0, 0.0, 0.0)


# --------------------------------------------------------------------------------------
# Chapter 03: RecordingExplorer
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recorder():
    fs = 12288.0
    noise = np.random.default_rng(0).standard_normal(4096)
    return RecordingExplorer(
        spiral_array(3, 0.2), noise, fs, distance=1.0, rt60=0.0, snr_db=30.0
    )


def test_recording_obeys_spherical_spreading_and_delay(recorder):
    recorder.controls["rt60"].value = 0.0
    recorder.controls["distance"].value = 1.0
    near = recorder.result
    recorder.controls["distance"].value = 2.0
    far = recorder.result
    r_near = np.linalg.norm(np.array(near.position) - recorder.mics[0])
    r_far = np.linalg.norm(np.array(far.position) - recorder.mics[0])
    # 1/r amplitude: the level drops by 20 log10(r_far / r_near) dB (about 6 dB per
    # doubling)
    assert near.level_db - far.level_db == pytest.approx(
        20 * math.log10(r_far / r_near), abs=0.3
    )
    assert far.arrival_ms - near.arrival_ms == pytest.approx(
        1000 * (r_far - r_near) / SPEED_OF_SOUND, rel=1e-6
    )
    # the impulse response's direct path arrives r / c after emission
    assert int(np.argmax(np.abs(far.rir))) == pytest.approx(
        far.arrival_ms / 1000 * recorder.fs, abs=1
    )
    assert math.isnan(far.measured_rt60)


def test_recording_snr_follows_the_slider(recorder):
    for snr in (10.0, 40.0):
        recorder.controls["snr"].value = snr
        assert recorder.result.measured_snr_db == pytest.approx(snr, abs=0.5)


def test_reverberation_grows_with_the_rt60_slider(recorder):
    recorder.controls["distance"].value = 1.5
    recorder.controls["rt60"].value = 0.3
    short = recorder.result
    recorder.controls["rt60"].value = 0.6
    long = recorder.result
    assert short.rt60 == pytest.approx(0.3) and long.rt60 == pytest.approx(0.6)
    assert long.measured_rt60 > short.measured_rt60 > 0
    # the reverberant tail adds energy to the recording compared with the direct sound
    # alone
    recorder.controls["rt60"].value = 0.0
    assert long.level_db > recorder.result.level_db
    assert len(recorder.figure().axes) == 2


def test_recording_explorer_rejects_bad_input():
    with pytest.raises(TypeError, match="max_order"):
        RecordingExplorer(spiral_array(3, 0.2), np.ones(100), 12288.0, max_order="all")
    with pytest.raises(ValueError, match="signal"):
        RecordingExplorer(spiral_array(3, 0.2), np.zeros(4), 12288.0)
    with pytest.raises(ValueError, match="fs"):
        RecordingExplorer(spiral_array(3, 0.2), np.zeros(100), 0.0)
    with pytest.raises(ValueError, match="array_position"):
        RecordingExplorer(
            spiral_array(3, 0.2), np.ones(100), 12288.0, array_position=(9.0, 1.0, 1.0)
        )


# --------------------------------------------------------------------------------------
# Plotting helpers of chapters 02-03
# --------------------------------------------------------------------------------------


def test_plot_helpers_label_their_axes_and_validate():
    ax = plotting.plot_curves(
        np.arange(3.0), {"a": [1, 2, 3]}, xlabel="frequency (Hz)", ylabel="level (dB)"
    )
    assert ax.get_xlabel() == "frequency (Hz)" and len(ax.lines) == 1
    with pytest.raises(ValueError, match="curves"):
        plotting.plot_curves(np.arange(3.0), {"a": [1, 2]}, xlabel="x", ylabel="y")
    h = np.exp(-np.arange(1000) / 100.0) * np.random.default_rng(1).standard_normal(
        1000
    )
    ax = plotting.plot_impulse_response(h, 12288.0)
    assert "ms" in ax.get_xlabel() and "dB" in ax.get_ylabel()
    with pytest.raises(ValueError, match="fs"):
        plotting.plot_impulse_response(h, -1.0)
    with pytest.raises(ValueError, match="rir"):
        plotting.plot_impulse_response(np.zeros(10), 12288.0)


# --------------------------------------------------------------------------------------
# Exercise checkers of chapters 02-03
# --------------------------------------------------------------------------------------


def test_checker_02_1_grating_lobe_frequency():
    assert exercises.check("02.1", SPEED_OF_SOUND / (2 * 0.05), spacing=0.05)
    assert exercises.check(
        "02.1", SPEED_OF_SOUND / (0.05 * 1.5), spacing=0.05, max_steer_deg=30.0
    )
    # forgot the factor 2
    assert not exercises.check("02.1", SPEED_OF_SOUND / 0.05, spacing=0.05)
    assert not exercises.check("02.1", "many", spacing=0.05)


def test_checker_02_2_resolution():
    right = 1.0 * (SPEED_OF_SOUND / 2000.0) / 0.5
    assert exercises.check("02.2", right, frequency=2000.0, aperture=0.5, distance=1.0)
    assert not exercises.check(
        "02.2", right / 2, frequency=2000.0, aperture=0.5, distance=1.0
    )
    with pytest.raises(ValueError, match="distance"):
        exercises.check("02.2", right, frequency=2000.0, aperture=0.5, distance=-1.0)


def test_checker_02_3_regular_mic_count():
    # count from first principles: place microphones every lambda/2 along a side
    pitch = SPEED_OF_SOUND / 6400.0 / 2
    per_side = len(np.arange(0.0, 0.5 + pitch - 1e-12, pitch))
    assert per_side * pitch >= 0.5
    assert exercises.check("02.3", per_side**2, side=0.5, fmax=6400.0)
    assert not exercises.check("02.3", 128, side=0.5, fmax=6400.0)


def test_checker_03_1_arrival_difference():
    s, a, b = (
        np.array([0.3, 0.0, 1.0]),
        np.array([0.2, 0.0, 0.0]),
        np.array([-0.2, 0.0, 0.0]),
    )
    right = 1000 * (np.linalg.norm(s - b) - np.linalg.norm(s - a)) / SPEED_OF_SOUND
    assert right > 0  # b is farther from the source
    assert exercises.check("03.1", right, source=s, mic_a=a, mic_b=b)
    wrong = exercises.check("03.1", -right, source=s, mic_a=a, mic_b=b)
    assert not wrong and "sign" in wrong.message


def test_checker_03_2_far_field_phase_error():
    r, a, f = 1.0, 0.25, 6400.0
    exact = 360 * f * (math.hypot(r, a) - r) / SPEED_OF_SOUND
    # the small-angle approximation is accepted
    approx = 360 * f * (a**2 / (2 * r)) / SPEED_OF_SOUND
    assert exercises.check("03.2", exact, distance=r, radius=a, frequency=f)
    assert exercises.check("03.2", approx, distance=r, radius=a, frequency=f)
    assert not exercises.check("03.2", exact / 4, distance=r, radius=a, frequency=f)


def test_checker_03_3_averaging_gain_matches_a_simulation():
    m = 16
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((m, 200_000))
    # independent noise averaged
    gain = 10 * math.log10(np.mean(noise**2) / np.mean(noise.mean(axis=0) ** 2))
    assert exercises.check("03.3", gain, n_mics=m)
    assert not exercises.check("03.3", 20 * math.log10(m), n_mics=m)
