"""The book's figure-size check: text_on_page's arithmetic on known figures, the
figure.hooks logger, and tools/check_figures.py's verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from acousticlib.teaching.plotting import style  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _figure(n_panels: int, width_in: float, fontsize: float = 10.0):
    fig, axes = plt.subplots(1, n_panels, figsize=(width_in, 2.5), dpi=100)
    for ax in [axes] if n_panels == 1 else axes:
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x", fontsize=fontsize)
        ax.tick_params(labelsize=fontsize)
    return fig


def test_a_narrow_figure_is_shown_at_its_size():
    fig = _figure(2, 6.0, fontsize=10.0)
    m = style.text_on_page(fig)
    plt.close(fig)
    assert m.width_px <= style.COLUMN_PX and m.scale == 1.0
    # 10 pt at 100 dpi: 13.9 image pixels, read as 10 * 100 / 96 points
    assert m.smallest_pt == pytest.approx(10 * 100 / 96)
    assert m.small_texts == 0 and m.panels_per_row == 2


def test_a_wide_figure_shrinks_its_text_by_the_column():
    fig = _figure(5, 14.0, fontsize=10.0)
    m = style.text_on_page(fig)
    plt.close(fig)
    assert m.width_px > style.COLUMN_PX
    assert m.scale == pytest.approx(style.COLUMN_PX / m.width_px)
    assert m.smallest_pt == pytest.approx(10 * 100 / 96 * m.scale)
    assert m.smallest_pt < style.MIN_TEXT_PT and m.small_texts > 0
    assert m.panels_per_row == 5


def test_panels_in_two_rows_count_per_row():
    fig, axes = plt.subplots(2, 3, figsize=(6.5, 4), dpi=100)
    m = style.text_on_page(fig)
    plt.close(fig)
    assert m.panels_per_row == 3


def test_bad_arguments_name_the_parameter():
    fig = _figure(1, 3.0)
    with pytest.raises(ValueError, match="column_px"):
        style.text_on_page(fig, column_px=0)
    with pytest.raises(ValueError, match="min_pt"):
        style.text_on_page(fig, min_pt=-1)
    plt.close(fig)


def test_watch_figure_logs_each_draw(tmp_path, monkeypatch):
    log = tmp_path / "ch.jsonl"
    monkeypatch.setenv(style.FIGURE_LOG_ENV, str(log))
    fig = _figure(5, 14.0)
    style.watch_figure(fig)
    fig.canvas.draw()
    plt.close(fig)
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(records) == 1 and records[0]["panels_per_row"] == 5
    assert records[0]["smallest_pt"] < style.MIN_TEXT_PT


def test_watch_figure_is_silent_without_its_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(style.FIGURE_LOG_ENV, raising=False)
    fig = _figure(1, 3.0)
    style.watch_figure(fig)
    fig.canvas.draw()
    plt.close(fig)
    assert not list(tmp_path.iterdir())


def _check(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_figures.py"), str(folder), *args],
        capture_output=True,
        text=True,
    )


def test_check_figures_reports_and_fails_only_when_strict(tmp_path):
    good = dict(
        width_px=600,
        height_px=300,
        scale=1.0,
        smallest_pt=10.4,
        smallest_text="1",
        small_texts=0,
        panels_per_row=2,
        figure=1,
        cell=3,
        first_line="fig = ...",
    )
    small = {**good, "smallest_pt": 6.0, "scale": 0.6, "width_px": 1170, "figure": 2}
    wide = {**good, "panels_per_row": 5, "figure": 3}
    redrawn = {**small, "smallest_pt": 9.5, "scale": 1.0}  # figure 2, fixed later
    (tmp_path / "01_a.jsonl").write_text(
        "\n".join(json.dumps(r) for r in (good, small, wide)) + "\n"
    )
    (tmp_path / "02_b.jsonl").write_text(
        "\n".join(json.dumps(r) for r in (small, redrawn)) + "\n"
    )
    report = _check(tmp_path)
    assert report.returncode == 0, report.stderr
    assert "01_a: 3 figures, 2 too small or wide" in report.stdout
    assert "02_b: 1 figures, 0 too small or wide" in report.stdout
    assert "6.0 pt" in report.stdout and "5 panels in a row" in report.stdout
    assert _check(tmp_path, "--strict").returncode == 1
    (tmp_path / "01_a.jsonl").write_text(json.dumps(good) + "\n")
    assert _check(tmp_path, "--strict").returncode == 0


def test_check_figures_needs_logs(tmp_path):
    result = _check(tmp_path)
    assert result.returncode == 2 and "no figure logs" in result.stderr


@pytest.mark.parametrize("n_maps", [1, 2, 3, 4, 5, 6])
def test_map_rows_fit_the_column(n_maps):
    # plot_map_row reflows its maps into rows of at most three (four: two rows of two)
    # within the column, whatever panel width a chapter asks for.
    import numpy as np

    from acousticlib.teaching import plotting

    maps = {f"map {k}": np.random.default_rng(k).random((9, 12)) for k in range(n_maps)}
    fig = plotting.plot_map_row(maps, width=4.5, markers=[(10, 10)])
    fig.set_dpi(100)
    m = style.text_on_page(fig)
    plt.close(fig)
    assert m.width_px <= style.COLUMN_PX
    assert m.smallest_pt >= style.MIN_TEXT_PT
    assert m.panels_per_row <= style.MAX_PANELS_PER_ROW
    assert m.panels_per_row == (2 if n_maps == 4 else min(n_maps, 3))


def test_mfcc_channels_fit_the_column():
    import numpy as np

    from acousticlib.teaching import plotting

    fig = plotting.plot_mfcc_channels(np.random.default_rng(0).random((9, 12, 12)))
    fig.set_dpi(100)
    m = style.text_on_page(fig)
    plt.close(fig)
    assert m.width_px <= style.COLUMN_PX and m.smallest_pt >= style.MIN_TEXT_PT
    assert m.panels_per_row == 3 and len(fig.axes) == 12
