"""acousticlib.simulate against the analytic free field s(t - r/c) / (4 pi r) and
room acoustics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, csd, sosfiltfilt, welch

from acousticlib import geometry as G
from acousticlib import simulate as S
from acousticlib.runtime import seeded_rng

FS = 12288.0
C = G.SPEED_OF_SOUND


def bandlimited_noise(n: int, seed: int = 0, cutoff: float = 0.35) -> np.ndarray:
    sos = butter(8, cutoff * FS, fs=FS, output="sos")
    return sosfiltfilt(sos, seeded_rng(seed, "noise").standard_normal(n))


def gaussian_pulse(n: int, at: int, width: float = 2.0) -> np.ndarray:
    t = np.arange(n) - at
    return np.exp(-0.5 * (t / width) ** 2)


MICS = G.spiral_array(12, 0.5).positions


@settings(max_examples=15, deadline=None)
@given(x=st.floats(-1, 1), y=st.floats(-1, 1), z=st.floats(0.3, 4))
def test_free_field_delays_and_attenuation(x, y, z):
    """The pulse arrives at r/c seconds with amplitude 1/(4 pi r) at every
    microphone."""
    src = np.array([x, y, z])
    n = 2048
    out = S.free_field(gaussian_pulse(n, 200), FS, src, MICS)
    r = np.linalg.norm(MICS - src, axis=1)
    t = np.arange(n)
    # centroid of the arriving pulse = emission time + delay; its area = pulse area / (4
    # pi r)
    centroid = (out * t).sum(1) / out.sum(1)
    np.testing.assert_allclose(centroid, 200 + r / C * FS, atol=1e-3)
    np.testing.assert_allclose(
        out.sum(1), math.sqrt(2 * math.pi) * 2.0 / (4 * math.pi * r), rtol=1e-4
    )


@settings(max_examples=6, deadline=None)
@given(
    x=st.floats(-1, 1),
    y=st.floats(-1, 1),
    z=st.floats(0.5, 3),
    seed=st.integers(0, 100),
)
def test_pyroomacoustics_anechoic_matches_the_analytic_free_field(x, y, z, seed):
    s = bandlimited_noise(3000, seed)
    src = np.array([x, y, z])
    sim = S.record(S.Source(s, src), FS, MICS)
    ref = S.free_field(s, FS, src, MICS)
    core = slice(100, 2900)
    err = np.abs(sim[:, core] - ref[:, core]).max() / np.abs(ref[:, core]).max()
    assert err < 1e-2


def test_room_impulse_response_direct_path_and_rt60():
    room = S.Shoebox((6.0, 3.0, 5.0), 0.4, (3.0, 1.5, 1.0))
    src = np.array([0.5, 0.0, 2.0])
    h = S.room_impulse_responses(src, MICS[:3], FS, room)
    r = np.linalg.norm(MICS[:3] - src, axis=1)
    first = np.argmax(np.abs(h) > 0.5 * np.abs(h).max(axis=1, keepdims=True), axis=1)
    np.testing.assert_allclose(first, np.round(r / C * FS), atol=1)
    rt = S.measure_rt60(h[0], FS)
    assert rt == pytest.approx(0.4, rel=0.25)
    # an anechoic impulse response has no tail
    h0 = S.room_impulse_responses(src, MICS[:3], FS)
    assert np.sum(h0[:, 200:] ** 2) < 1e-6 * np.sum(h0**2)


def test_reverberant_recording_has_more_energy_and_a_tail():
    s = np.zeros(4096)
    s[:512] = bandlimited_noise(512)
    src = np.array([0.2, 0.0, 1.5])
    room = S.Shoebox((5.0, 3.0, 4.0), 0.5, (2.5, 1.5, 1.0))
    dry = S.record(S.Source(s, src), FS, MICS[:4])
    wet = S.record(S.Source(s, src), FS, MICS[:4], room=room)
    tail = slice(1500, 4096)
    assert np.sum(wet[:, tail] ** 2) > 100 * np.sum(dry[:, tail] ** 2)


def test_moving_source_doppler_shift():
    """A 1 kHz tone from a source approaching at 20 m/s is heard at f c / (c - v)."""
    n, f0, v = 12288, 1000.0, 20.0
    s = np.sin(2 * np.pi * f0 * np.arange(n) / FS)
    mic = np.zeros((2, 3))
    mic[1, 0] = 0.01
    start, end = np.array([0, 0, 25.0]), np.array([0, 0, 25.0 - v * n / FS])
    out = S.free_field(s, FS, np.stack([start, end]), mic)[0, 2000:10000]
    crossings = np.flatnonzero((out[:-1] < 0) & (out[1:] >= 0))
    f_heard = (len(crossings) - 1) / ((crossings[-1] - crossings[0]) / FS)
    assert f_heard == pytest.approx(f0 * C / (C - v), rel=2e-3)


def test_moving_source_in_a_room_without_reflections_approximates_free_field():
    s = bandlimited_noise(6000, 3)
    traj = np.array([[-0.6, 0.0, 1.2], [0.6, 0.1, 1.2]])  # 1.2 m in 0.5 s
    room = S.Shoebox((6.0, 3.0, 5.0), 0.3, (3.0, 1.5, 1.0), max_order=0)
    sim = S.record(S.Source(s, traj), FS, MICS[:4], room=room)
    ref = S.free_field(s, FS, traj, MICS[:4])
    core = slice(200, 5800)
    corr = np.sum(sim[:, core] * ref[:, core]) / np.sqrt(
        np.sum(sim[:, core] ** 2) * np.sum(ref[:, core] ** 2)
    )
    assert corr > 0.99
    # anechoic moving sources use the exact model
    np.testing.assert_allclose(S.record(S.Source(s, traj), FS, MICS[:4]), ref)


def test_sensor_noise_has_the_requested_snr():
    s = bandlimited_noise(8192)
    clean = S.record(S.Source(s, [0.1, 0.0, 1.0]), FS, MICS)
    noisy = S.record(S.Source(s, [0.1, 0.0, 1.0]), FS, MICS, snr_db=10.0, seed=4)
    snr = 10 * np.log10(np.mean(clean**2) / np.mean((noisy - clean) ** 2))
    assert snr == pytest.approx(10.0, abs=0.2)
    again = S.add_sensor_noise(clean, 10.0, seed=4)
    np.testing.assert_allclose(again, noisy)
    # independent across microphones
    noise = noisy - clean
    assert abs(np.corrcoef(noise[0], noise[1])[0, 1]) < 0.05


def test_diffuse_noise_has_the_sinc_coherence_of_an_isotropic_field():
    mics = np.array([[0, 0, 0], [0.05, 0, 0], [0, 0.12, 0]], float)
    x = S.diffuse_noise(int(20 * FS), FS, mics, seed=1)
    assert np.mean(x**2) == pytest.approx(1.0, rel=1e-6)
    f, pxx = welch(x[0], FS, nperseg=256)
    _, pyy = welch(x[1], FS, nperseg=256)
    for j, d in ((1, 0.05), (2, 0.12)):
        _, pxy = csd(x[0], x[j], FS, nperseg=256)
        _, pjj = welch(x[j], FS, nperseg=256)
        coh = np.real(pxy) / np.sqrt(pxx * pjj)
        band = (f > 200) & (f < 5000)
        np.testing.assert_allclose(coh[band], np.sinc(2 * f[band] * d / C), atol=0.08)


def test_simulate_rejects_bad_input():
    s = np.ones(100)
    with pytest.raises(ValueError, match="fs must be finite and > 0"):
        S.free_field(s, 0.0, [0, 0, 1], MICS)
    with pytest.raises(ValueError, match="signal must be finite"):
        S.free_field(np.array([0.0, np.nan]), FS, [0, 0, 1], MICS)
    with pytest.raises(ValueError, match=r"signal must be 1-D"):
        S.free_field(np.ones((2, 10)), FS, [0, 0, 1], MICS)
    with pytest.raises(
        ValueError, match=r"position must have shape \(3,\) or \(K, 3\)"
    ):
        S.free_field(s, FS, [0, 1], MICS)
    with pytest.raises(ValueError, match="position must stay at least 1 mm"):
        S.free_field(s, FS, MICS[0], MICS)
    with pytest.raises(TypeError, match="sources must be a Source"):
        S.record("drone", FS, MICS)
    with pytest.raises(ValueError, match="room must be 'anechoic' or a Shoebox"):
        S.record(S.Source(s, [0, 0, 1]), FS, MICS, room="hall")
    with pytest.raises(
        ValueError, match="room.array_position must lie inside the room"
    ):
        S.Shoebox((4.0, 4.0, 3.0), 0.3, (5.0, 1.0, 1.0))
    with pytest.raises(
        ValueError, match="sources and microphones must lie inside the room"
    ):
        S.record(
            S.Source(s, [0, 0, 10.0]),
            FS,
            MICS,
            room=S.Shoebox((4.0, 4.0, 3.0), 0.3, (2.0, 1.0, 1.0)),
        )
    with pytest.raises(ValueError, match="room.rt60 must be finite and > 0"):
        S.Shoebox((4.0, 4.0, 3.0), -0.3, (2.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="recording must not be silent"):
        S.add_sensor_noise(np.zeros((2, 10)), 10.0)
    with pytest.raises(ValueError, match=r"delays must be a scalar, shape \(2,\)"):
        S.fractional_delay(np.ones((2, 10)), np.ones(3))
