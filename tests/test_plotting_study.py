"""The scaling study's figures (acousticlib.plotting, appendix A)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from acousticlib import plotting  # noqa: E402


def _run(name, widths, epochs, step, steps, iou, val):
    return {
        "run": name,
        "widths": widths,
        "epochs": epochs,
        "frame_step": step,
        "steps": steps,
        "iou_success": iou,
        "mse": 0.03,
        "val_mse": val,
        "best_epoch": int(np.argmin(val)) + 1,
    }


RUNS = {
    "book:3:6": _run("book:3:6", "book", 3, 6, 120, 0.45, [0.04, 0.035, 0.036]),
    "full:2:1": _run("full:2:1", "full", 2, 1, 480, 0.5, [0.05, 0.03]),
}


def test_runs_by_steps_places_each_run_and_the_reference():
    ax = plotting.plot_runs_by_steps(
        RUNS, "iou_success", ylabel="IoU@0.5", reference=0.77
    )
    points = np.concatenate(
        [c.get_offsets() for c in ax.collections if len(c.get_offsets())]
    )
    assert sorted(map(tuple, points)) == [(120.0, 0.45), (480.0, 0.5)]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.texts] == ["book:3:6", "full:2:1"]
    labels = ax.get_legend_handles_labels()[1]
    assert (
        "paper (0.77)" in labels
        and "every frame" in labels
        and "every k-th frame" in labels
    )
    assert plotting.WIDTH_STYLES["full"][1] in labels
    plt.close("all")


def test_validation_curves_mark_the_kept_epoch():
    ax = plotting.plot_validation_curves(RUNS)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["book:3:6"].get_xdata()) == [40, 80, 120]
    assert np.allclose(lines["full:2:1"].get_ydata(), [5.0, 3.0])
    marks = sorted(tuple(c.get_offsets()[0]) for c in ax.collections)
    assert marks == [(80.0, pytest.approx(3.5)), (480.0, 3.0)]
    plt.close("all")


def test_study_figures_name_bad_runs():
    with pytest.raises(ValueError, match="at least one run"):
        plotting.plot_runs_by_steps({}, "mse", ylabel="MSE")
    with pytest.raises(ValueError, match="lacks"):
        plotting.plot_runs_by_steps(
            [{"run": "x", "widths": "book"}], "mse", ylabel="MSE"
        )
    with pytest.raises(ValueError, match="widths"):
        plotting.plot_runs_by_steps(
            [{**RUNS["book:3:6"], "widths": "huge"}], "mse", ylabel="MSE"
        )
    with pytest.raises(ValueError, match="one value per epoch"):
        plotting.plot_validation_curves([{**RUNS["book:3:6"], "val_mse": [0.1, 0.2]}])
    plt.close("all")
