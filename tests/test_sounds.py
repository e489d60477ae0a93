"""Tests of acousticlib.sounds: determinism, band energy, class distinguishability,
input checks."""

from __future__ import annotations

import numpy as np
import pytest

from acousticlib import sounds
from acousticlib.runtime import seeded_rng

FS = sounds.FS
ALL = sounds.CLASSES + sounds.BACKGROUNDS


def _band_fraction(x: np.ndarray, fs: int, lo: float, hi: float) -> float:
    p = np.abs(np.fft.rfft(x.astype(float))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / fs)
    return float(p[(f >= lo) & (f <= hi)].sum() / p.sum())


def test_registry_is_consistent():
    assert len(sounds.CLASSES) == 10 and len(set(sounds.CLASSES)) == 10
    for i, name in enumerate(sounds.CLASSES):
        assert sounds.SPECS[name].kind == "source" and sounds.SPECS[
            name
        ].label == i == sounds.class_index(name)
    for name in sounds.BACKGROUNDS:
        assert sounds.SPECS[name].kind == "background"


@pytest.mark.parametrize("name", ALL)
def test_deterministic_and_seed_dependent(name):
    a = sounds.synthesize(name, 0.5, FS, 7)
    b = sounds.synthesize(name, 0.5, FS, 7)
    c = sounds.synthesize(name, 0.5, FS, 8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # a Generator is used as is: two equal generators give equal sounds
    np.testing.assert_array_equal(
        sounds.synthesize(name, 0.5, FS, seeded_rng(3, "x")),
        sounds.synthesize(name, 0.5, FS, seeded_rng(3, "x")),
    )


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("fs", [8000, FS, 16000])
def test_shape_dtype_peak_and_finite(name, fs):
    x = sounds.synthesize(name, 0.75, fs, 1, peak=0.5)
    assert x.dtype == np.float32 and x.shape == (round(0.75 * fs),)
    assert np.all(np.isfinite(x))
    assert np.max(np.abs(x)) == pytest.approx(0.5, rel=1e-5)
    # not silent: crest factor below 10
    assert np.sqrt(np.mean(x.astype(float) ** 2)) > 0.05
    assert abs(float(x.mean())) < 0.05


@pytest.mark.parametrize("name", sounds.CLASSES)
def test_sources_are_energetic_in_the_useful_band(name):
    # Every instance keeps most of its energy in the acoustic camera's band (500 Hz -
    # 6.4 kHz).
    for seed in range(6):
        x = sounds.synthesize(name, 1.0, FS, seed)
        assert _band_fraction(x, FS, 500.0, FS / 2) > 0.5, (name, seed)


def test_backgrounds_are_mostly_below_the_band():
    for name in ("wind", "traffic_hum"):
        assert (
            _band_fraction(sounds.synthesize(name, 1.0, FS, 0), FS, 500.0, FS / 2) < 0.5
        )


def test_no_energy_above_nyquist_guard_at_low_rate():
    # Components stop at 45 % of fs, so there is (almost) nothing near Nyquist: no
    # aliasing.
    for name in sounds.CLASSES:
        x = sounds.synthesize(name, 1.0, 8000, 2)
        assert _band_fraction(x, 8000, 3800.0, 4000.0) < 0.02, name


def _log_bands(x: np.ndarray, fs: int) -> np.ndarray:
    edges = np.geomspace(100.0, 6000.0, 17)
    p = np.abs(np.fft.rfft(x.astype(float))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / fs)
    e = np.log(
        np.array(
            [
                p[(f >= a) & (f < b)].sum()
                for a, b in zip(edges[:-1], edges[1:], strict=False)
            ]
        )
        + 1e-9
    )
    return e - e.mean()


def test_classes_are_distinguishable_but_overlap():
    # Nearest class centroid on 16 log band energies, 10 training and 10 test instances
    # per class (200 sounds). Chance is 0.1: the classes must be clearly learnable...
    per = 10
    feats = {split: [] for split in ("train", "test")}
    for split, base in (("train", 0), ("test", 10_000)):
        for name in sounds.CLASSES:
            feats[split].append(
                [
                    _log_bands(sounds.synthesize(name, 0.5, FS, base + i), FS)
                    for i in range(per)
                ]
            )
    train, test = np.array(feats["train"]), np.array(feats["test"])  # (10, per, 16)
    centroids = train.mean(1)
    pred = np.argmin(
        ((test[:, :, None, :] - centroids[None, None]) ** 2).sum(-1), axis=-1
    )
    acc = float((pred == np.arange(10)[:, None]).mean())
    assert acc > 0.4, acc
    # ...and instances vary: within-class spread is a sizeable fraction of between-class
    # spread.
    within = float(np.mean(train.var(1).sum(-1)))
    between = float(centroids.var(0).sum())
    assert within > 0.1 * between


def test_bad_inputs_are_rejected_with_named_parameter():
    with pytest.raises(ValueError, match="name"):
        sounds.synthesize("cat", 1.0)
    with pytest.raises(ValueError, match="duration"):
        sounds.synthesize("drone", -1.0)
    with pytest.raises(ValueError, match="fs"):
        sounds.synthesize("drone", 1.0, 4000)
    with pytest.raises(ValueError, match="fs"):
        sounds.synthesize("drone", 1.0, 12288.5)
    with pytest.raises(TypeError, match="rng"):
        sounds.synthesize("drone", 1.0, FS, "seed")
    with pytest.raises(ValueError, match="rng"):
        sounds.synthesize("drone", 1.0, FS, -3)
    with pytest.raises(ValueError, match="peak"):
        sounds.synthesize("drone", 1.0, FS, 0, peak=1.5)
    with pytest.raises(ValueError, match="duration"):
        sounds.synthesize("drone", 0.0005, FS)
