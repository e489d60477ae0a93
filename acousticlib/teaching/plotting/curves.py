"""Curves and rows of maps (chapters 02-06): curves against frequency or distance,
room impulse responses with their decay curve, rows of energy maps, bars of shares,
and dataset frames with their boxes.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None) or
returns a new figure; see :mod:`acousticlib.teaching.plotting`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import as_array
from .images import _axes, overlay_energy


def plot_curves(
    x: Any,
    curves: Any,
    ax: Any = None,
    *,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    logx: bool = False,
    logy: bool = False,
    styles: Any = None,
) -> Any:
    """Several curves ``{label: (X,)}`` against a common ``x`` ``(X,)`` (chapters
    02-03).

    ``xlabel`` and ``ylabel`` are required and should carry units, e.g. ``"frequency
    (Hz)"``; ``styles`` optionally maps labels to matplotlib format strings (``"k--"``).
    """
    xs = as_array("x", x, ndim=1)
    if not hasattr(curves, "items") or not curves:
        raise TypeError("curves must be a non-empty mapping {label: values}")
    ax = _axes(ax, (6.0, 3.2))
    for label, y in curves.items():
        ys = as_array(f"curves[{label!r}]", y, shape=(xs.size,), finite=False)
        fmt = (styles or {}).get(label, "-")
        ax.plot(xs, ys, fmt, label=str(label))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    return ax


def plot_impulse_response(
    rir: Any,
    fs: float,
    ax: Any = None,
    *,
    title: str | None = None,
    floor_db: float = -70.0,
    schroeder: bool = True,
    label: str | None = None,
) -> Any:
    """A room impulse response ``(L,)`` (sampled at ``fs`` Hz) as energy in dB against
    time in ms, normalized to its peak, with its Schroeder backward-integrated decay
    curve (chapter 03)."""
    h = as_array("rir", rir, ndim=1)
    if not (isinstance(fs, (int, float)) and np.isfinite(fs) and fs > 0):
        raise ValueError(f"fs must be a positive sampling rate in Hz; got {fs!r}")
    e = h**2
    if e.max() <= 0:
        raise ValueError("rir must not be all zeros")
    t = np.arange(h.size) / fs * 1000
    ax = _axes(ax, (6.0, 3.2))
    ax.plot(
        t,
        np.maximum(10 * np.log10(e / e.max() + 1e-30), floor_db),
        lw=0.5,
        alpha=0.8,
        label=label or "energy |h(t)|^2",
    )
    if schroeder:
        edc = np.cumsum(e[::-1])[::-1]
        ax.plot(
            t,
            np.maximum(10 * np.log10(edc / edc[0] + 1e-30), floor_db),
            "k",
            lw=1.2,
            label="Schroeder decay curve",
        )
    ax.set_ylim(floor_db, 3)
    ax.set_xlabel("time after emission (ms)")
    ax.set_ylabel("energy (dB re peak)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9, loc="upper right")
    return ax


def plot_map_row(
    maps: Any,
    frame: Any = None,
    *,
    markers: Any = None,
    width: float = 3.6,
    suptitle: str | None = None,
) -> Any:
    """Several maps ``{title: (H, W)}`` in rows of at most three (four maps make two
    rows of two), each over ``frame`` (video pixels) or alone (acoustic pixels), each
    min-max scaled; ``markers`` lists true sources as (row, col) in the frame's pixels.
    ``width`` is a panel's width in inches, shrunk so that a row fits
    :data:`~acousticlib.teaching.plotting.style.FIGURE_WIDTH_IN`. Returns the figure
    (chapters 04-05)."""
    import matplotlib.pyplot as plt

    from .style import FIGURE_WIDTH_IN, MAX_PANELS_PER_ROW

    if not hasattr(maps, "items") or not maps:
        raise TypeError("maps must be a non-empty mapping {title: (H, W) map}")
    n = len(maps)
    ncols = 2 if n == 4 else min(n, MAX_PANELS_PER_ROW)
    nrows = int(np.ceil(n / ncols))
    width = min(float(width), FIGURE_WIDTH_IN / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, 0.8 * width * nrows), squeeze=False
    )
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, (title, m) in zip(axes.ravel(), maps.items(), strict=False):
        m = as_array(f"maps[{title!r}]", m, ndim=2)
        f = (
            frame
            if frame is not None
            else np.full((4 * m.shape[0], 4 * m.shape[1]), 0.8)
        )
        overlay_energy(f, m, ax, title=str(title))
        for r, c in markers or []:
            ax.plot([c], [r], "w+", ms=12, mew=2)
        ax.title.set_fontsize(9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_shares(
    shares: Any, ax: Any = None, *, ylabel: str, title: str | None = None
) -> Any:
    """A bar chart of shares in [0, 1] ``{label: share}`` with the value written on each
    bar."""
    if not hasattr(shares, "items") or not shares:
        raise TypeError("shares must be a non-empty mapping {label: value in [0, 1]}")
    ax = _axes(ax, (7.0, 3.4))
    labels = [str(k) for k in shares]
    values = [float(v) for v in shares.values()]
    bars = ax.bar(
        range(len(values)), values, color=[f"C{i}" for i in range(len(values))]
    )
    for b, v in zip(bars, values, strict=False):
        ax.text(
            b.get_x() + b.get_width() / 2, v + 0.02, f"{v:.2f}", ha="center", fontsize=9
        )
    ax.set_xticks(range(len(values)), labels, fontsize=9)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_dataset_frame(
    frame: Any,
    energy: Any,
    ax: Any = None,
    *,
    boxes: Any = None,
    annotators: Any = None,
    title: str | None = None,
    alpha: float = 0.45,
) -> Any:
    """A dataset frame ``(H, W, 3)`` with an energy map ``(h, w)`` overlaid
    (:func:`overlay_energy`), the ground-truth boxes ``(S, 4)`` (top, left, bottom,
    right pixels; white) and the annotators' boxes ``(S, 3, 4)`` (dashed yellow); NaN
    boxes are skipped (chapter 06)."""
    from matplotlib.patches import Rectangle

    ax = overlay_energy(frame, energy, ax, alpha=alpha, title=title)

    def draw(b: np.ndarray, **style: Any) -> None:
        if np.all(np.isfinite(b)):
            ax.add_patch(
                Rectangle((b[1], b[0]), b[3] - b[1], b[2] - b[0], fill=False, **style)
            )

    if boxes is not None:
        for b in np.asarray(boxes, dtype=float).reshape(-1, 4):
            draw(b, ec="w", lw=1.5)
    if annotators is not None:
        for b in np.asarray(annotators, dtype=float).reshape(-1, 4):
            draw(b, ec="y", lw=0.8, ls="--")
    return ax
