"""The spherical-head binaural renderer, its interaural cues and the binaural metrics
of Gao's Table 7.1 (chapters 17-18)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import eval_legendre, spherical_jn, spherical_yn

from acousticlib import binaural, metrics, scenes, simulate
from acousticlib.geometry import SPEED_OF_SOUND

FS = 12288
A = binaural.HEAD_RADIUS


def at(azimuth_deg: float, distance: float = 3.0) -> np.ndarray:
    th = np.radians(azimuth_deg)
    return distance * np.array([np.sin(th), 0.0, np.cos(th)])


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return np.random.default_rng(0).standard_normal(FS // 4)


def lowpassed(x: np.ndarray, cutoff: float) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    return sosfiltfilt(butter(8, cutoff, fs=FS, output="sos"), x)


# -- the head model --------------------------------------------------------------------


def test_series_tends_to_the_plane_wave_solution_far_away():
    # Rayleigh's rigid sphere in a plane wave, written independently: the total
    # surface pressure is i / (ka)^2 sum (2m+1) (-i)^m P_m(cos) / h_m'(ka), for a wave
    # travelling away from the source; conjugated for numpy's FFT sign convention
    f = np.linspace(50, 6000, 25)
    ka = 2 * np.pi * f * A / SPEED_OF_SOUND
    for az in (0.0, 40.0, 90.0, -70.0):
        H = binaural.spherical_head_response(f, at(az, 1e4))
        for ear, side in ((0, -1.0), (1, 1.0)):
            cos = side * np.sin(np.radians(az))  # ear direction . source direction
            total = sum(
                (2 * m + 1)
                * (-1j) ** m
                * eval_legendre(m, cos)
                / (spherical_jn(m, ka, True) + 1j * spherical_yn(m, ka, True))
                for m in range(60)
            )
            plane = np.conj(1j / ka**2 * total)
            assert np.allclose(H[ear], plane, atol=5e-3), (az, ear)


def test_head_is_transparent_at_zero_hertz_and_doubles_pressure_when_facing():
    H = binaural.spherical_head_response([0.0, 6000.0], at(90.0, 50.0))
    assert np.allclose(H[:, 0], 1.0, atol=0.01)
    assert 1.7 < abs(H[1, 1]) < 2.3  # the lit ear: about +6 dB
    # straight behind the source, the far ear sits in the sphere's bright spot
    H = binaural.spherical_head_response([6000.0], at(50.0, 50.0))
    assert abs(H[0, 0]) < abs(H[1, 0]) / 2  # the shadowed ear


def test_zero_hertz_is_the_limit_of_the_series_and_shows_the_near_field():
    for position in (at(40.0, 0.3), at(80.0, 0.15), at(10.0, 5.0)):
        H = binaural.spherical_head_response([0.0, 1.0], position)
        assert np.allclose(H[:, 0], H[:, 1].real, atol=1e-4)  # 1 Hz: a tiny phase
        # first order in a / r: the near ear is louder by 3 a cos(theta) / (2 r)
        r = np.linalg.norm(position)
        if r < 0.3:
            assert H[0, 0].real < 0.6 < 2 < H[1, 0].real  # right at the head: strong
            continue
        cos = binaural.ear_positions() @ position / (A * r)
        assert np.allclose(H[:, 0].real, 1 + 1.5 * cos * A / r, atol=2 * (A / r) ** 2)


def test_low_frequency_energy_reaches_both_ears_unchanged(noise):
    low = lowpassed(noise, 150.0)
    position = at(60.0, 10.0)
    ears = binaural.render_source(low, FS, position)
    centre = simulate.free_field(low, FS, position, np.zeros((1, 3)))[0]
    for ear in ears:
        assert np.sum(ear**2) == pytest.approx(np.sum(centre**2), rel=0.03)


# -- cues --------------------------------------------------------------------------


@pytest.mark.parametrize("az", [0.0, 20.0, 45.0, 70.0, 90.0, -35.0])
def test_itd_matches_woodworth_within_a_sample(noise, az):
    ears = binaural.render_source(noise, FS, at(az))
    itd = binaural.interaural_time_difference(ears, FS)
    assert abs(itd - binaural.woodworth_itd(az)) * FS <= 1.0
    high = binaural.interaural_time_difference(ears, FS, band=(1500.0, 5000.0))
    assert abs(high - binaural.woodworth_itd(az)) * FS <= 1.0


def test_ild_is_zero_ahead_and_grows_with_azimuth(noise):
    ilds = [
        binaural.interaural_level_difference(
            binaural.render_source(noise, FS, at(az)), FS
        )
        for az in (0.0, 15.0, 30.0, 45.0, 60.0)
    ]
    assert abs(ilds[0]) < 0.05
    assert np.all(np.diff(ilds) > 0.5)


def test_band_ild_matches_the_model(noise):
    bands = np.array([[300.0, 600.0], [1000.0, 2000.0], [3000.0, 5000.0]])
    position = at(50.0)
    measured = binaural.interaural_level_difference(
        binaural.render_source(noise, FS, position), FS, bands=bands
    )
    for (lo, hi), got in zip(bands, measured, strict=True):
        f = np.linspace(lo, hi, 64)
        H = binaural.spherical_head_response(f, position)
        model_db = 10 * np.log10(
            np.mean(np.abs(H[1]) ** 2) / np.mean(np.abs(H[0]) ** 2)
        )
        assert got == pytest.approx(model_db, abs=0.5)
    assert np.all(np.diff(measured) > 0)  # the shadow deepens with frequency
    # far away (no near-field parallax), the head casts no shadow at low frequency
    model = binaural.spherical_head_ild(at(50.0, 30.0), [100.0, 4000.0])
    assert abs(model[0]) < 0.2 and model[1] > 5


def test_mirroring_the_azimuth_swaps_the_ears(noise):
    p = np.array([0.8, -0.3, 2.0])
    right = binaural.render_source(noise, FS, p)
    left = binaural.render_source(noise, FS, p * [-1, 1, 1])
    assert np.allclose(left, right[::-1], atol=1e-12 * np.abs(right).max())
    itd = binaural.interaural_time_difference(right, FS)
    assert itd > 0
    assert binaural.interaural_time_difference(left, FS) == pytest.approx(-itd)
    assert binaural.woodworth_itd(-30.0) == -binaural.woodworth_itd(30.0)
    assert binaural.woodworth_itd(150.0) == pytest.approx(binaural.woodworth_itd(30.0))


def test_gcc_phat_finds_an_integer_delay(noise):
    delayed = np.concatenate([np.zeros(5), noise[:-5]])
    lags, cc = binaural.gcc_phat(delayed, noise, FS, max_lag=0.01)
    assert lags[np.argmax(cc)] * FS == pytest.approx(5.0)


# -- rendering scenes --------------------------------------------------------------


def test_moving_source_crosses_from_left_to_right(noise):
    ears = binaural.render_source(noise, FS, [[-2.0, 0.0, 2.0], [2.0, 0.0, 2.0]])
    quarter = ears.shape[1] // 4
    assert binaural.interaural_time_difference(ears[:, :quarter], FS) < 0
    assert binaural.interaural_time_difference(ears[:, -quarter:], FS) > 0


def test_render_scene_gives_the_mix_each_source_and_the_mono_mix():
    scene = scenes.Scene(
        sources=(
            scenes.Source("drone", (-1.5, 0.0, 2.0)),
            scenes.Source("drill", (1.0, 0.2, 3.0), sound_seed=1),
        ),
        condition="anechoic",
        duration=0.25,
    )
    out = binaural.render_scene(scene)
    n = int(round(0.25 * FS))
    assert out.binaural.shape == (2, n) and out.sources.shape == (2, 2, n)
    assert np.allclose(out.binaural, out.sources.sum(axis=0))
    assert np.allclose(out.mono, out.binaural[0] + out.binaural[1])
    assert out.azimuths[0] < 0 < out.azimuths[1]
    itds = [binaural.interaural_time_difference(s, out.fs) for s in out.sources]
    assert itds[0] < 0 < itds[1]
    dry = scenes.source_signals(scene)[1].astype(float)
    alone = binaural.render_source(dry, out.fs, scene.sources[1].start)
    assert np.allclose(out.sources[1], alone)


# -- Table 7.1's metrics -------------------------------------------------------------


def test_metrics_are_zero_for_identical_signals_and_read_the_definitions(noise):
    x = np.stack([noise, np.roll(noise, 3)])
    assert metrics.stft_distance(x, x) == 0.0
    assert metrics.envelope_distance(x, x) == 0.0
    y = x * [[0.5], [1.0]]
    spec = metrics.stft(x)
    expected = np.linalg.norm(0.5 * spec[0])  # only the left channel differs
    assert metrics.stft_distance(y, x) == pytest.approx(expected)
    assert metrics.stft_distance(2 * x, x) == pytest.approx(
        np.linalg.norm(spec[0]) + np.linalg.norm(spec[1])
    )


def test_mean_reduction_is_the_released_codes_scale(noise):
    x = np.stack([noise, np.roll(noise, 3)])
    y = 0.7 * x[::-1]
    spec = metrics.stft(x - y)
    f, t = spec.shape[1:]
    norm = metrics.stft_distance(x, y)
    mean = metrics.stft_distance(x, y, reduction="mean")
    per = [np.linalg.norm(spec[ch]) ** 2 / (2 * f * t) for ch in range(2)]
    assert mean == pytest.approx(sum(per))
    assert norm == pytest.approx(sum(np.linalg.norm(spec[ch]) for ch in range(2)))
    env = metrics.envelope(x) - metrics.envelope(y)
    rms = np.sqrt(np.mean(env**2, axis=1)).sum()
    assert metrics.envelope_distance(x, y, reduction="mean") == pytest.approx(rms)
    with pytest.raises(ValueError, match="reduction"):
        metrics.envelope_distance(x, y, reduction="sum")


def test_envelope_distance_ignores_the_carrier_phase_and_the_stft_does_not():
    t = np.arange(FS) / FS
    am = 1 + 0.5 * np.cos(2 * np.pi * 4 * t)
    x = np.stack([am * np.cos(2 * np.pi * 1000 * t)] * 2)
    y = np.stack([am * np.sin(2 * np.pi * 1000 * t)] * 2)
    assert np.allclose(metrics.envelope(x[0])[500:-500], am[500:-500], atol=1e-3)
    assert metrics.envelope_distance(x, y) < 1e-3 * metrics.envelope_distance(x, 0 * y)
    assert metrics.stft_distance(x, y) > 0.5 * metrics.stft_distance(x, 0 * y)


def test_stft_agrees_with_scipy(noise):
    from scipy.signal import get_window
    from scipy.signal import stft as scipy_stft

    win = np.zeros(512)
    win[56:456] = get_window("hann", 400)
    _, _, ref = scipy_stft(
        noise, window=win, nperseg=512, noverlap=512 - 160, boundary="zeros"
    )
    ours = metrics.stft(noise)
    assert np.allclose(ours, ref[:, : ours.shape[1]] * win.sum())


# -- bad inputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x: binaural.render_source(x, FS, [0.05, 0.0, 0.0]), "position"),
        (lambda x: binaural.render_source(x, FS, at(10), radius=-1.0), "radius"),
        (lambda x: binaural.render_source(x, 0.0, at(10)), "fs"),
        (lambda x: binaural.head_filters(at(10), FS, n_taps=101), "n_taps"),
        (
            lambda x: binaural.interaural_time_difference(np.stack([x] * 3), FS),
            "binaural",
        ),
        (
            lambda x: binaural.interaural_time_difference(
                np.stack([x] * 2), FS, band=(3000.0, 100.0)
            ),
            "band",
        ),
        (
            lambda x: binaural.interaural_level_difference(
                np.stack([x] * 2), FS, bands=[[0.0, 1e5]]
            ),
            "bands",
        ),
        (lambda x: binaural.woodworth_itd(200.0), "azimuth_deg"),
        (lambda x: binaural.spherical_head_response([-1.0], at(10)), "freqs"),
        (lambda x: metrics.stft_distance(x, x), "predicted"),
        (lambda x: metrics.envelope_distance(np.stack([x] * 2), x[None]), "target"),
        (lambda x: metrics.stft(x, n_fft=256, win_length=400), "win_length"),
        (lambda x: binaural.render_source(x * np.nan, FS, at(10)), "signal"),
    ],
)
def test_bad_inputs_name_the_parameter(noise, call, name):
    with pytest.raises(ValueError, match=name):
        call(noise[:1024])


def test_render_scene_wants_a_scene():
    with pytest.raises(TypeError, match="scene"):
        binaural.render_scene("not a scene")
