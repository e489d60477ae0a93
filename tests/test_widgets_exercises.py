"""Widgets are driven by setting their values; exercise checkers accept right answers
and reject wrong ones."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from acousticlib import exercises
from acousticlib.geometry import Camera, spiral_array
from acousticlib.widgets import SourceExplorer


@pytest.fixture(scope="module")
def explorer():
    fs = 12288.0
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(2048)  # broadband: every direction is well defined
    return SourceExplorer(
        spiral_array(32, 0.5),
        Camera().resized(144, 192),
        noise,
        fs,
        grid_shape=(18, 24),
        depth=1.5,
        band=(1000.0, 5000.0),
    )


def test_source_explorer_follows_the_sliders(explorer):
    start = explorer.result
    assert (
        max(abs(a - b) for a, b in zip(start.peak, start.true_pixel, strict=False)) <= 1
    )
    for x, y in [(0.5, -0.2), (-0.6, 0.3)]:
        explorer.controls["x"].value = x
        explorer.controls["y"].value = y
        r = explorer.result
        assert r.position[:2] == pytest.approx((x, y), abs=0.006)
        assert (
            max(abs(a - b) for a, b in zip(r.peak, r.true_pixel, strict=False)) <= 1
        ), (
            r.peak,
            r.true_pixel,
        )
        assert r.peak != start.peak


def test_source_explorer_band_changes_the_image(explorer):
    explorer.controls["band"].value = (300.0, 800.0)
    low = explorer.result.energy / explorer.result.energy.max()
    explorer.controls["band"].value = (4000.0, 6000.0)
    high = explorer.result.energy / explorer.result.energy.max()
    # Low frequencies give a wide main lobe: more of the image is within 3 dB of the
    # peak.
    assert (low > 0.5).sum() > 3 * (high > 0.5).sum()


def test_source_explorer_rejects_bad_input():
    cam = Camera().resized(144, 192)
    with pytest.raises(TypeError, match="array"):
        SourceExplorer(np.zeros((4, 3)), cam, np.zeros(2048), 12288.0)
    with pytest.raises(ValueError, match="signal"):
        SourceExplorer(spiral_array(8, 0.3), cam, np.zeros(100), 12288.0)
    with pytest.raises(ValueError, match="fs"):
        SourceExplorer(spiral_array(8, 0.3), cam, np.zeros(2048), -1.0)


def test_beamwidth_checker():
    right = math.degrees(343.0 / 2000.0 / 0.5)
    assert exercises.check("01.1", right, frequency=2000.0, aperture=0.5)
    assert exercises.check("01.1", right * 1.05, frequency=2000.0, aperture=0.5)
    wrong = exercises.check("01.1", right * 2, frequency=2000.0, aperture=0.5)
    assert not wrong and "too large" in wrong.message
    assert not exercises.check("01.1", "twenty", frequency=2000.0, aperture=0.5)
    # radians, not degrees
    assert not exercises.check(
        "01.1", math.radians(right), frequency=2000.0, aperture=0.5
    )


def test_peak_pixel_checker_and_grading():
    assert exercises.check("01.2", (10, 20), expected_pixel=(10, 21))
    assert not exercises.check("01.2", (3, 20), expected_pixel=(10, 21))
    table = exercises.grade(
        {"ada": {"01.2": (10, 21)}, "bob": {"01.2": "?"}}, expected_pixel=(10, 21)
    )
    assert table == {"ada": {"01.2": True}, "bob": {"01.2": False}}
    with pytest.raises(ValueError, match="unknown exercise"):
        exercises.check("99.9", 1)
    assert [e.id for e in exercises.catalogue()][:2] == ["01.1", "01.2"]


def test_feedback_and_messages_carry_the_registered_id(monkeypatch):
    """The id is written once, in the registration: the checker's feedback and its
    validators' messages take it from there, and nothing else can."""
    from acousticlib.teaching.exercises import _core

    monkeypatch.setattr(_core, "_REGISTRY", dict(_core._REGISTRY))

    @exercises.exercise("Z.9", "test", "Twice n.")
    def check_twice(answer, *, n=1):
        return exercises.compare_number(answer, 2 * _core._positive_ints(n=n)["n"])

    assert exercises.check("Z.9", 4, n=2).exercise == "Z.9"
    assert str(check_twice(5, n=2)).startswith("Exercise Z.9: not yet.")
    with pytest.raises(
        ValueError, match=r"n must be a positive integer; got 0 \(exercise Z\.9\)"
    ):
        check_twice(1, n=0)
    assert check_twice.__name__ == "check_twice"
    with pytest.raises(RuntimeError, match="no exercise checker is running"):
        exercises.verdict(True, "outside any checker")
    # the checker's context is gone once it returns
    with pytest.raises(RuntimeError):
        _core.current_exercise()


def test_explorer_draws_its_figure_into_an_image_widget(explorer):
    # The live figure is PNG bytes in an Image widget (an image inside an Output widget
    # stalls papermill for the whole cell timeout); a control change redraws it.
    import matplotlib.pyplot as plt

    explorer.update()
    first = explorer.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and not plt.get_fignums()
    name, control = next(
        (n, c)
        for n, c in explorer.controls.items()
        if hasattr(c, "max") and c.value != c.max
    )
    control.value = control.max
    assert explorer.image.value != first
    assert explorer.image in explorer.widget().children
