"""acousticlib.features: the MFCC recipe against librosa/scipy, energy maps against
physics."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal.windows import tukey

from acousticlib import beamforming as BF
from acousticlib import features as F
from acousticlib import geometry as G
from acousticlib import simulate as S
from acousticlib.runtime import seeded_rng

FS = 12288.0


def direct_mfcc(
    power: np.ndarray, fs: float, n_mfcc: int = 12, lifter: float = 22
) -> np.ndarray:
    """Independent computation: librosa's mel filterbank and MFCC (lifter off), then
    HTK liftering."""
    n_bins = power.shape[-1]
    fb = librosa.filters.mel(
        sr=fs, n_fft=2 * n_bins, n_mels=24, fmin=0.0, fmax=6400.0, htk=True, norm=None
    )
    mel = fb @ np.r_[power, 0.0]  # the Nyquist bin the images drop is zero
    logmel = np.log(np.maximum(mel, 1e-3))
    c = librosa.feature.mfcc(
        S=logmel[:, None], n_mfcc=n_mfcc + 1, dct_type=2, norm="ortho", lifter=0
    )[:, 0]
    k = np.arange(1, n_mfcc + 1)
    return c[1:] * (1 + lifter / 2 * np.sin(np.pi * k / lifter))


@pytest.fixture(scope="module")
def source_images():
    """Acoustic images of a broadband source at acoustic pixel (10, 30), 1 m away."""
    cam = G.Camera()
    grid = cam.focus_grid()
    mics = G.optimized_aperiodic_array()
    x = S.free_field(seeded_rng(0, "src").standard_normal(2048), FS, grid[10, 30], mics)
    return BF.acoustic_images(20 * x, FS, mics, grid), (10, 30)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(1e-4, 1e2))
def test_mfcc_matches_a_direct_librosa_computation(seed, scale):
    power = scale * seeded_rng(seed, "p").gamma(0.5, size=512)
    ours = F.mfcc_images(power[None, None], FS)[0, 0]
    np.testing.assert_allclose(ours, direct_mfcc(power, FS), rtol=1e-4, atol=1e-4)


def test_mfcc_images_of_a_real_image_match_per_pixel(source_images):
    images, _ = source_images
    m = F.mfcc_images(images, FS)
    assert m.shape == images.shape[:-1] + (12,) and m.dtype == np.float32
    for t, r, c in [(0, 10, 30), (1, 0, 0), (0, 35, 47)]:
        np.testing.assert_allclose(
            m[t, r, c],
            direct_mfcc(images[t, r, c].astype(float), FS),
            rtol=1e-4,
            atol=1e-4,
        )


def test_mel_filterbank_is_htk_triangles_peaking_at_one():
    # fine bins: every triangle's peak lies close to a bin
    fb = F.mel_filterbank(FS, 4096)
    assert fb.shape == (24, 4096)
    np.testing.assert_allclose(fb.max(axis=1), 1.0, atol=0.02)
    f = np.arange(4096) * FS / 8192
    peaks = f[np.argmax(fb, axis=1)]
    # HTK mel points equally spaced between 0 and mel(6400 Hz); triangle i peaks at
    # point i + 1
    expected = 700 * np.expm1(
        np.arange(1, 25) * (1127 * np.log1p(6400 / 700) / 25) / 1127
    )
    np.testing.assert_allclose(peaks, expected, atol=FS / 8192)


def test_energy_map_reciprocal_is_geometric_over_arithmetic_mean():
    """With every coefficient kept and no normalization, exp(IDCT without c0) = mel /
    geometric mean, so the map is geomean(mel) / sum(mel): what survives without c0
    is spectral flatness."""
    power = seeded_rng(3, "p").gamma(1.0, size=(4, 5, 512)) + 0.01
    m = F.mfcc_images(power, FS, n_mfcc=23)
    fb = F.mel_filterbank(FS, 512)
    mel = np.maximum(power @ fb.T, 1e-3)
    expected = np.exp(np.log(mel).mean(-1)) / mel.sum(-1)
    np.testing.assert_allclose(F.energy_map(m, normalize=False), expected, rtol=1e-4)


def test_energy_maps_peak_at_the_source(source_images):
    images, (r, c) = source_images
    mfcc = F.mfcc_images(images, FS)
    e = F.energy_map(mfcc)
    assert e.shape == (images.shape[0], 36, 48)
    for t in range(images.shape[0]):
        peak = np.unravel_index(np.argmax(e[t]), e[t].shape)
        assert abs(peak[0] - r) <= 1 and abs(peak[1] - c) <= 1
        direct = F.direct_energy_map(images[t], FS)
        assert np.unravel_index(np.argmax(direct), direct.shape) == (r, c)


def test_minmax_normalization_is_per_image():
    x = (
        seeded_rng(0).normal(size=(3, 4, 5, 6))
        * np.array([1, 10, 100])[:, None, None, None]
    )
    y = F.minmax_normalize(x)
    np.testing.assert_allclose(y.min(axis=(1, 2, 3)), 0)
    np.testing.assert_allclose(y.max(axis=(1, 2, 3)), 1)
    assert np.all(F.minmax_normalize(np.ones((2, 3, 4))) == 0)


def test_single_mic_mfcc_and_tiling():
    s = seeded_rng(1).standard_normal(12288)
    v = F.single_mic_mfcc(s, FS, normalize=False)
    assert v.shape == (12, 12)
    frame = s[1024:2048] * tukey(1024, 0.75, sym=False)
    power = np.abs(np.fft.rfft(frame)[:512]) ** 2 / np.sum(
        tukey(1024, 0.75, sym=False) ** 2
    )
    np.testing.assert_allclose(v[1], direct_mfcc(power, FS), rtol=1e-4, atol=1e-4)
    vn = F.single_mic_mfcc(s, FS)
    np.testing.assert_allclose(vn.min(-1), 0)
    np.testing.assert_allclose(vn.max(-1), 1)
    tiled = F.tile_mfcc(vn)
    assert tiled.shape == (12, 36, 48, 12)
    assert np.all(tiled == vn[:, None, None, :])


def test_spectrogram_scales():
    # exactly bin 64 of a 512-point FFT
    s = np.sin(2 * np.pi * 1536.0 * np.arange(4096) / FS)
    mag = F.spectrogram(s, FS, n_fft=512)
    assert mag.shape == (1 + (4096 - 512) // 256, 257)
    assert np.all(np.argmax(mag, axis=1) == 64)
    pw = F.spectrogram(s, FS, n_fft=512, scale="power")
    db = F.spectrogram(s, FS, n_fft=512, scale="db")
    np.testing.assert_allclose(
        db, 10 * np.log10(np.maximum(pw, 1e-10)), rtol=1e-5, atol=1e-4
    )


def test_features_reject_bad_input():
    good = np.ones((2, 3, 512))
    with pytest.raises(ValueError, match="images must be non-negative"):
        F.mfcc_images(-good, FS)
    with pytest.raises(ValueError, match="images must be finite"):
        F.mfcc_images(np.full((2, 512), np.nan), FS)
    with pytest.raises(ValueError, match="fs must be finite and > 0"):
        F.mfcc_images(good, 0.0)
    with pytest.raises(ValueError, match=r"n_mfcc must be at most n_mels - 1 = 23"):
        F.mfcc_images(good, FS, n_mfcc=24)
    with pytest.raises(ValueError, match=r"mfcc must have shape \(\.\.\., H, W, C\)"):
        F.energy_map(np.ones((3, 12)))
    with pytest.raises(TypeError, match="normalize must be True or False"):
        F.energy_map(np.ones((3, 4, 12)), normalize="yes")
    with pytest.raises(ValueError, match="fmin must be below fmax"):
        F.direct_energy_map(good, FS, fmin=5000.0, fmax=100.0)
    with pytest.raises(ValueError, match="frame_length must be an even number"):
        F.single_mic_mfcc(np.ones(5000), FS, frame_length=1001)
    with pytest.raises(ValueError, match="scale must be one of"):
        F.spectrogram(np.ones(1024), FS, scale="log")
    with pytest.raises(ValueError, match="signal must be 1-D"):
        F.single_mic_mfcc(np.ones((2, 4096)), FS)


def test_reference_rescales_power_before_the_floor():
    # Pa^2: almost every mel energy below 1e-3
    power = seeded_rng(3).uniform(0.0, 1e-6, size=(4, 5, 512))
    as_is = F.mfcc_images(power, FS)
    re_p0 = F.mfcc_images(power, FS, reference=F.P_REF)
    np.testing.assert_allclose(
        re_p0, F.mfcc_images(power / F.P_REF**2, FS), rtol=1e-5, atol=1e-5
    )
    fb = F.mel_filterbank(FS, 512)
    assert np.mean(power @ fb.T < F.MEL_FLOOR) > 0.9  # in Pa^2 the floor clips ...
    # ... every band, and the MFCC are all zero
    assert np.all(np.abs(as_is) < 1e-6)
    # re 20 uPa nothing is clipped
    assert np.mean(power @ fb.T / F.P_REF**2 < F.MEL_FLOOR) == 0
    assert np.abs(re_p0).max() > 0.1
    # without flooring, the unit only moves c0, which the recipe drops
    np.testing.assert_allclose(
        F.mfcc_images(power, FS, reference=1e-4), re_p0, rtol=1e-4, atol=1e-4
    )
    v = F.single_mic_mfcc(
        seeded_rng(4).standard_normal(4096) * 1e-3,
        FS,
        normalize=False,
        reference=F.P_REF,
    )
    assert np.abs(v).max() > 0.1
    with pytest.raises(ValueError, match="reference"):
        F.mfcc_images(power, FS, reference=0.0)


def test_power_share_below_splits_two_tones():
    fs, n = 8000.0, 8000
    t = np.arange(n) / fs
    # powers 1 : 4
    x = np.sin(2 * np.pi * 250 * t) + 2 * np.sin(2 * np.pi * 2000 * t)
    assert F.power_share_below(x, fs, 1000.0) == pytest.approx(0.2, abs=1e-9)
    assert F.power_share_below(x, fs, 3000.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="cutoff_hz"):
        F.power_share_below(x, fs, 0.0)
    with pytest.raises(ValueError, match="all zeros"):
        F.power_share_below(np.zeros(64), fs, 1000.0)
