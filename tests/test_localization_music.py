"""Chapter 15's NormMUSIC (pyroomacoustics on a coarse grid of the camera's directions)
and class activation maps: shapes, the peak on an analytic plane wave, the spread
microphone subset, CAM by hand, bad input."""

import numpy as np
import pytest

from acousticlib.beamforming import pra_doa
from acousticlib.geometry import SPEED_OF_SOUND, Camera, optimized_aperiodic_array
from acousticlib.localization import (
    MUSIC_GRID,
    class_activation_map,
    normmusic_maps,
    spread_microphones,
)

FS = 12288


def _plane_wave(mics, point, n=3072, seed=0, noise=1e-3):
    # broadband noise arriving from the direction of ``point`` seen from the array's
    # centre: microphone m hears s(t + u . r_m / c), a circular fractional delay built
    # in the frequency domain (free field, far field, exact)
    rng = np.random.default_rng(seed)
    u = point / np.linalg.norm(point - mics.mean(axis=0))
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / FS)
    lead = (mics - mics.mean(axis=0)) @ u / SPEED_OF_SOUND  # (M,) s
    x = np.fft.irfft(spectrum * np.exp(2j * np.pi * f * lead[:, None]), n=n, axis=-1)
    return x + noise * rng.standard_normal(x.shape)


def test_normmusic_peaks_on_a_plane_wave_cell():
    mics = np.asarray(optimized_aperiodic_array())[::8]  # 16 microphones, 0.5 m
    grid = Camera().focus_grid(MUSIC_GRID)
    for cell, seed in (((3, 8), 0), ((0, 0), 1), ((8, 5), 2)):
        x = _plane_wave(mics, grid[cell], seed=seed)
        maps = normmusic_maps(x, FS, mics, grid, mic_subset=None)
        assert maps.shape == (3, *MUSIC_GRID)
        assert np.all(maps > 0) and np.all(maps <= 1 + 1e-12)
        for m in maps:
            assert np.unravel_index(m.argmax(), m.shape) == cell
    # one map of the whole signal, and a subset of the microphones, agree on the cell
    whole = normmusic_maps(x, FS, mics, grid, frame_length=3072, mic_subset=8)
    assert whole.shape == (1, *MUSIC_GRID)
    assert np.unravel_index(whole[0].argmax(), MUSIC_GRID) == (8, 5)


def test_normmusic_ignores_the_signals_scale_and_the_grid_distance():
    mics = np.asarray(optimized_aperiodic_array())[::16]  # 8 microphones
    grid = Camera().focus_grid((3, 4))
    x = _plane_wave(mics, grid[1, 2], n=1024)
    maps = normmusic_maps(x, FS, mics, grid, mic_subset=None)
    centre = mics.mean(axis=0)
    farther = centre + 2.0 * (grid - centre)  # the same directions, 2 m away
    np.testing.assert_allclose(
        normmusic_maps(1e3 * x, FS, mics, farther, mic_subset=None), maps, rtol=1e-6
    )


def test_pra_doa_searches_the_paired_directions():
    mics = np.asarray(optimized_aperiodic_array())[::16]
    grid = Camera().focus_grid((3, 4))
    doa = pra_doa("NormMUSIC", mics, FS, 128, grid)
    assert doa.grid.n_points == 12  # not the 12 x 12 product of its angles
    d = grid.reshape(-1, 3) - mics.mean(axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    np.testing.assert_allclose(doa.grid.cartesian.T, d, atol=1e-12)


def test_spread_microphones_cover_the_aperture():
    mics = np.asarray(optimized_aperiodic_array())
    idx = spread_microphones(mics, 32)
    assert idx.shape == (32,) and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, spread_microphones(mics, 32))
    sub = mics[idx]
    # the subset keeps (nearly) the full aperture in both directions
    for axis in (0, 1):
        full = np.ptp(mics[:, axis])
        assert np.ptp(sub[:, axis]) > 0.9 * full
    square = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0.5, 0.5, 0]])
    np.testing.assert_array_equal(spread_microphones(square, 4), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="k must not exceed"):
        spread_microphones(square, 6)


def test_normmusic_rejects_bad_input():
    mics = np.asarray(optimized_aperiodic_array())[::16]
    grid = Camera().focus_grid((3, 4))
    x = np.random.default_rng(0).standard_normal((8, 2048))
    with pytest.raises(ValueError, match="signals must have one row per microphone"):
        normmusic_maps(x[:7], FS, mics, grid)
    with pytest.raises(ValueError, match="signals"):
        normmusic_maps(x[0], FS, mics, grid)
    with pytest.raises(ValueError, match="nfft"):
        normmusic_maps(x, FS, mics, grid, nfft=127, mic_subset=None)
    with pytest.raises(ValueError, match="nfft"):
        normmusic_maps(x, FS, mics, grid, nfft=2048, mic_subset=None)
    with pytest.raises(ValueError, match="frame_length"):
        normmusic_maps(x, FS, mics, grid, frame_length=4096, mic_subset=None)
    with pytest.raises(ValueError, match="freq_range"):
        normmusic_maps(x, FS, mics, grid, freq_range=(6000.0, 500.0))
    with pytest.raises(ValueError, match="freq_range"):
        normmusic_maps(x, FS, mics, grid, freq_range=(500.0, 7000.0))
    with pytest.raises(ValueError, match="freq_range"):
        normmusic_maps(x, FS, mics, grid, freq_range=(500.0, 510.0))
    with pytest.raises(ValueError, match="directions"):
        normmusic_maps(x, FS, mics, grid.reshape(-1, 3))
    with pytest.raises(ValueError, match="directions"):
        normmusic_maps(x, FS, mics, -grid)
    with pytest.raises(ValueError, match="mic_subset"):
        normmusic_maps(x, FS, mics, grid, mic_subset=[0, 0, 1])
    with pytest.raises(ValueError, match="mic_subset"):
        normmusic_maps(x, FS, mics, grid, mic_subset=[0, 8])
    with pytest.raises(ValueError, match="mic_subset"):
        normmusic_maps(x, FS, mics, grid, mic_subset=[3])
    with pytest.raises(ValueError, match="k must not exceed"):
        normmusic_maps(x, FS, mics, grid, mic_subset=32)
    with pytest.raises(ValueError, match="fs"):
        normmusic_maps(x, 0.0, mics, grid)


def test_class_activation_map_by_hand():
    # two frames, C = 2 channels on a 1 x 2 grid, K = 3 classes
    features = np.array(
        [
            [[[1.0, 2.0]], [[3.0, 4.0]]],
            [[[0.0, 1.0]], [[1.0, 0.0]]],
        ]
    )
    weight = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]])
    maps = class_activation_map(features, weight, [1, 2])
    # frame 0, class 1: 0.5 [1, 2] - [3, 4]; frame 1, class 2: 2 [1, 0]
    np.testing.assert_allclose(maps, [[[-2.5, -3.0]], [[2.0, 0.0]]])
    # the map's mean is the linear head's logit on the pooled features (bias apart)
    pooled = features.mean(axis=(2, 3))
    np.testing.assert_allclose(
        maps.mean(axis=(1, 2)), (pooled @ weight.T)[[0, 1], [1, 2]]
    )
    with pytest.raises(ValueError, match="classes must be integers in \\[0, 3\\)"):
        class_activation_map(features, weight, [1, 3])
    with pytest.raises(ValueError, match="classes must be integers"):
        class_activation_map(features, weight, [1.0, 2.0])
    with pytest.raises(ValueError, match="classes"):
        class_activation_map(features, weight, [1])
    with pytest.raises(ValueError, match="weight"):
        class_activation_map(features, weight[:, :1], [1, 2])
    with pytest.raises(ValueError, match="features"):
        class_activation_map(features[0], weight, [1, 2])


def test_video_cam_maps_use_the_linear_head(monkeypatch):
    import torch

    from acousticlib.experiments import localization as exp
    from acousticlib.models.composite import LinearProbe

    torch.manual_seed(0)
    probe = LinearProbe(4, num_classes=3)

    class Trained:
        model = probe

    monkeypatch.setattr(exp, "train_arrayfree_classifier", lambda *a, **k: Trained)

    class Frames:  # the two things video_cam_maps reads of a dataset
        index = {"label": np.array([2, 0, 1, 1, 0])}

        def __len__(self):
            return 5

    features = np.random.default_rng(0).standard_normal((5, 4, 2, 3))
    rows = [4, 1, 2]
    maps = exp.video_cam_maps(Frames(), features, rows)
    assert maps.shape == (3, 2, 3)
    with torch.no_grad():
        logits = probe(torch.from_numpy(features[rows].mean(axis=(2, 3)))).numpy()
    pred = logits.argmax(axis=1)
    weight = probe.head.weight.detach().numpy()
    np.testing.assert_allclose(
        maps, class_activation_map(features[rows], weight, pred), rtol=1e-5, atol=1e-6
    )
    # exact CAM: each map's mean plus the bias is the frame's logit
    bias = probe.head.bias.detach().numpy()
    np.testing.assert_allclose(
        maps.mean(axis=(1, 2)) + bias[pred], logits[np.arange(3), pred], atol=1e-5
    )
    labels = exp.video_cam_maps(Frames(), features, rows, classes="label")
    np.testing.assert_allclose(
        labels, class_activation_map(features[rows], weight, [0, 0, 1]), atol=1e-5
    )
    with pytest.raises(ValueError, match="classes"):
        exp.video_cam_maps(Frames(), features, rows, classes="true")
    with pytest.raises(ValueError, match="rows"):
        exp.video_cam_maps(Frames(), features, [5])
    with pytest.raises(ValueError, match="features"):
        exp.video_cam_maps(Frames(), features[:, :3], rows)
