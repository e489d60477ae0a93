"""Chapter 15's SRP-PHAT through the package's fast beamformer: the whitening by hand,
the peak on a simulated point source, invariance to each microphone's gain, agreement
with pyroomacoustics' SRP-PHAT, bad input."""

import numpy as np
import pytest

from acousticlib.beamforming import srp_phat_map
from acousticlib.geometry import Camera, optimized_aperiodic_array
from acousticlib.localization import phat_whiten, srp_phat_maps
from acousticlib.simulate import free_field

FS = 12288


def test_phat_whitening_keeps_only_the_phase():
    # an impulse at the centre of an 8-sample frame: the periodic Hann window is 1
    # there, its spectrum has magnitude 1 in every bin, so whitening returns it
    x = np.zeros((2, 16))
    x[0, 4] = 1.0
    x[1, 4] = 7.0  # the same impulse, louder: the same output
    x[1, 8 + 4] = 1e-3  # second frame of microphone 1
    out = phat_whiten(x, 8)
    expected = np.zeros(8)
    expected[4] = 1.0
    np.testing.assert_allclose(out[0, :8], expected, atol=1e-12)
    np.testing.assert_allclose(out[1, :8], expected, atol=1e-12)
    np.testing.assert_allclose(out[1, 8:], expected, atol=1e-12)
    np.testing.assert_array_equal(out[0, 8:], 0.0)  # a silent frame stays silent
    spectrum = np.abs(
        np.fft.rfft(phat_whiten(np.random.default_rng(0).random((1, 64)), 32)[0, :32])
    )
    np.testing.assert_allclose(spectrum, 1.0, rtol=1e-9)


def _point_source(mics, point, n=4096, seed=0):
    rng = np.random.default_rng(seed)
    x = free_field(rng.standard_normal(n), FS, point, mics)
    return x + 1e-4 * rng.standard_normal(x.shape)


def test_srp_phat_peaks_on_the_source_and_ignores_microphone_gains():
    mics = np.asarray(optimized_aperiodic_array())[::4]  # 32 microphones
    grid = Camera().focus_grid((9, 12))
    x = _point_source(mics, grid[3, 8])
    maps = srp_phat_maps(x, FS, mics, grid)
    assert maps.shape == (4, 9, 12)
    for m in maps:
        assert np.unravel_index(m.argmax(), m.shape) == (3, 8)
    louder = x.copy()
    louder[0] *= 100.0
    louder[5] *= 0.01
    np.testing.assert_allclose(srp_phat_maps(louder, FS, mics, grid), maps, rtol=1e-6)
    # a narrower band changes the map
    assert not np.allclose(
        srp_phat_maps(x, FS, mics, grid, freq_range=(500.0, 1500.0)), maps
    )


def test_srp_phat_agrees_with_pyroomacoustics():
    mics = np.asarray(optimized_aperiodic_array())[::8]  # 16 microphones: fast
    grid = Camera().focus_grid((6, 8))
    x = _point_source(mics, grid[4, 2], seed=1)
    ours = srp_phat_maps(x, FS, mics, grid).mean(axis=0)
    theirs = srp_phat_map(x, FS, mics, grid)
    assert np.unravel_index(ours.argmax(), ours.shape) == (4, 2)
    assert np.unravel_index(theirs.argmax(), theirs.shape) == (4, 2)
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.9


def test_srp_phat_rejects_bad_input():
    mics = np.asarray(optimized_aperiodic_array())[::8]
    grid = Camera().focus_grid((3, 4))
    x = np.zeros((16, 2048))
    with pytest.raises(ValueError, match="freq_range"):
        srp_phat_maps(x, FS, mics, grid, freq_range=(6000.0, 500.0))
    with pytest.raises(ValueError, match="freq_range"):
        srp_phat_maps(x, FS, mics, grid, freq_range=(500.0, 7000.0))
    with pytest.raises(ValueError, match="signals"):
        srp_phat_maps(np.zeros(2048), FS, mics, grid)
    with pytest.raises(ValueError, match="fs"):
        srp_phat_maps(x, 0.0, mics, grid)
