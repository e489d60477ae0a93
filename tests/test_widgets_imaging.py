"""Chapters 04-05: the imaging widgets follow their controls, and the exercise
checkers are right."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from acousticlib import exercises, features
from acousticlib.beamforming import acoustic_images
from acousticlib.geometry import Camera, optimized_aperiodic_array, spiral_array
from acousticlib.runtime import seeded_rng
from acousticlib.simulate import free_field
from acousticlib.widgets import MfccExplorer, SourceExplorer

FS = 12288.0
CAM = Camera().resized(144, 192)


def chebyshev(a, b) -> int:
    return max(abs(int(x) - int(y)) for x, y in zip(a, b, strict=False))


@pytest.fixture(scope="module")
def scene():
    """A broadband source seen by a 32-mic spiral on an 18 x 24 grid: images, true
    pixel, marker."""
    grid, depth = (18, 24), 1.5
    pos = np.array([0.4, -0.2, depth])
    noise = seeded_rng(0, "test-imaging").standard_normal(2048)
    array = spiral_array(32, 0.5)
    images = acoustic_images(
        free_field(noise, FS, pos, array), FS, array, CAM.focus_grid(grid, depth)
    )
    return (
        images,
        tuple(int(v) for v in CAM.acoustic_pixel(pos, grid)),
        tuple(CAM.project(pos)),
    )


# -- chapter 04: SourceExplorer with the Dual Cam array
# ------------------------------------------


@pytest.mark.slow
def test_source_explorer_with_the_128_mic_array_follows_the_source():
    noise = seeded_rng(1, "test-imaging").standard_normal(1024)
    ex = SourceExplorer(
        optimized_aperiodic_array(),
        CAM,
        noise,
        FS,
        grid_shape=(36, 48),
        depth=1.0,
        band=(500.0, 6400.0),
        position=(0.2, 0.1),
    )
    assert chebyshev(ex.result.peak, ex.result.true_pixel) <= 1
    ex.controls["x"].value = -0.3
    assert ex.result.position[0] == pytest.approx(-0.3, abs=0.006)
    assert chebyshev(ex.result.peak, ex.result.true_pixel) <= 1
    assert ex.result.energy.shape == (36, 48)


# -- chapter 05: MfccExplorer
# ---------------------------------------------------------------------


def test_mfcc_explorer_reconstruction_improves_with_coefficients(scene):
    images, true, _ = scene
    ex = MfccExplorer(images, FS, pixel=true)
    errors = []
    for n in (2, 6, 12, 23):
        ex.controls["n_mfcc"].value = n
        assert ex.result.n_mfcc == n
        errors.append(ex.result.error_db)
    # The DCT is orthonormal: dropping fewer coefficients can only shrink the error ...
    assert all(a >= b - 1e-9 for a, b in zip(errors, errors[1:], strict=False)), errors
    # ... and with every coefficient but c0 the mean-free log-mel spectrum comes back
    # exactly.
    assert errors[-1] < 1e-4
    np.testing.assert_allclose(ex.result.reconstruction, ex.result.logmel, atol=1e-5)


def test_mfcc_explorer_matches_the_library_and_toggles_normalization(scene):
    images, true, _ = scene
    ex = MfccExplorer(images, FS, n_mfcc=12, normalize=True)
    mfcc = features.mfcc_images(images, FS)
    np.testing.assert_allclose(
        ex.result.energy, features.energy_map(mfcc).mean(0), rtol=1e-5
    )
    assert chebyshev(ex.result.direct_peak, true) <= 1
    # the normalized reciprocal map finds a broadband source
    assert chebyshev(ex.result.peak, true) <= 1
    ex.controls["normalize"].value = False
    assert ex.result.normalize is False
    np.testing.assert_allclose(
        ex.result.energy, features.energy_map(mfcc, normalize=False).mean(0), rtol=1e-5
    )


def test_mfcc_explorer_draws_and_rejects_bad_input(scene):
    images, true, marker = scene
    ex = MfccExplorer(images, FS, marker=marker)
    fig = ex.figure()
    assert len(fig.axes) == 3 and all(ax.get_xlabel() for ax in fig.axes)
    with pytest.raises(ValueError, match="images"):
        MfccExplorer(images[0], FS)
    with pytest.raises(ValueError, match="n_mfcc"):
        MfccExplorer(images, FS, n_mfcc=24)
    with pytest.raises(ValueError, match="pixel"):
        MfccExplorer(images, FS, pixel=(99, 0))
    with pytest.raises(ValueError, match="fs"):
        MfccExplorer(images, 0.0)


def test_energy_map_without_c0_ignores_the_level_until_the_floor(scene):
    """Chapter 05's finding: the un-normalized map carries no level (only c0 does)
    unless the absolute mel floor bites; the un-normalized reciprocal of a flat mel
    spectrum is 1 / n_mels."""
    images = scene[0]
    loud = features.energy_map(features.mfcc_images(images * 1e6, FS), normalize=False)
    louder = features.energy_map(
        features.mfcc_images(images * 1e8, FS), normalize=False
    )
    np.testing.assert_allclose(loud, louder, rtol=1e-4)
    # a flat mel spectrum: every coefficient after c0 is zero
    flat = np.zeros((1, 1, 12))
    value = float(features.energy_map(flat, normalize=False).ravel()[0])
    assert exercises.check("05.2", value, n_mels=24)


# -- exercise checkers
# ------------------------------------------------------------------------------


def test_chapter_04_checkers():
    assert exercises.check(
        "04.1", 128 * 36 * 48 * 512, n_mics=128, grid=(36, 48), n_bins=512
    )
    assert not exercises.check(
        "04.1", 36 * 48 * 512, n_mics=128, grid=(36, 48), n_bins=512
    )
    gb = 512 * 36 * 48 * 128 * 8 / 2**20
    assert exercises.check("04.2", gb, n_mics=128, grid=(36, 48), n_bins=512)
    # complex128
    assert not exercises.check("04.2", gb * 2, n_mics=128, grid=(36, 48), n_bins=512)
    with pytest.raises(ValueError, match="n_mics"):
        exercises.check("04.1", 1.0, n_mics=0, grid=(36, 48), n_bins=512)


def test_chapter_05_checkers():
    assert exercises.check("05.1", 512 / 12)
    assert not exercises.check("05.1", 512 / 13)
    assert not exercises.check("05.2", 1.0)
    peaks, truths = [(3, 4), (10, 10), (5, 5)], [(3, 5), (12, 10), (5, 5)]
    assert exercises.check("05.3", 2 / 3, peaks=peaks, truths=truths)
    assert not exercises.check("05.3", 1.0, peaks=peaks, truths=truths)
    assert not exercises.check("05.3", "most", peaks=peaks, truths=truths)
    with pytest.raises(ValueError, match="peaks"):
        exercises.check("05.3", 0.5, peaks=[(1, 2)], truths=[(1, 2), (3, 4)])
    assert math.isclose(exercises.check("05.1", 40.0).expected, 512 / 12)
