"""Figures for the book: arrays, beam patterns, acoustic images and energy overlays
(chapters 02-05).

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None), labels
its axes with units, and returns the ``Axes``; chapters end the cell with
``plt.show()``. Nothing in the library's spine imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array
from ..geometry import Camera, as_positions


def _axes(ax: Any, figsize: tuple[float, float] = (5.0, 4.0)) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_array(
    mic_positions: Any,
    ax: Any = None,
    *,
    title: str | None = None,
    numbers: bool = False,
) -> Any:
    """Microphone layout seen from the scene (x right, y down), in centimetres."""
    pos = as_positions(mic_positions) * 100
    ax = _axes(ax)
    ax.scatter(pos[:, 0], pos[:, 1], s=12, c="k")
    if numbers:
        for i, (x, y) in enumerate(pos[:, :2]):
            ax.annotate(
                str(i), (x, y), fontsize=6, xytext=(2, 2), textcoords="offset points"
            )
    ax.set_aspect("equal")
    ax.invert_yaxis()
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm, down)")
    ax.set_title(title or f"{pos.shape[0]} microphones")
    return ax


def plot_beam_pattern(
    pattern_db: Any,
    extent: float = 1.0,
    ax: Any = None,
    *,
    title: str | None = None,
    vmin: float = -40.0,
    colorbar: bool = True,
    visible_circle: bool = True,
) -> Any:
    """A beam pattern in dB ``(n, n)`` over direction cosines ``u, v`` in ``[-extent,
    extent]`` (as returned by :func:`acousticlib.geometry.beam_pattern_db` on
    :func:`~acousticlib.geometry.uv_grid`)."""
    p = as_array("pattern_db", pattern_db, ndim=2)
    ax = _axes(ax)
    im = ax.imshow(
        p,
        origin="lower",
        extent=(-extent, extent, -extent, extent),
        vmin=vmin,
        vmax=0,
        cmap="viridis",
    )
    if visible_circle:
        t = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.cos(t), np.sin(t), "w--", lw=0.8)
    ax.set_xlabel("u = sin(theta) cos(phi)")
    ax.set_ylabel("v = sin(theta) sin(phi)")
    ax.set_title(title or "beam pattern")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="|AF|^2 (dB)")
    return ax


def plot_pattern_cut(
    angles_deg: Any, pattern_db: Any, ax: Any = None, *, label: str | None = None
) -> Any:
    """A beam-pattern cut: dB ``(A,)`` against angle ``(A,)`` in degrees."""
    a = as_array("angles_deg", angles_deg, ndim=1)
    p = as_array("pattern_db", pattern_db, shape=(a.size,))
    ax = _axes(ax, (6.0, 3.0))
    ax.plot(a, p, label=label)
    ax.set_xlabel("angle from broadside (degrees)")
    ax.set_ylabel("|AF|^2 (dB)")
    if label:
        ax.legend()
    return ax


def plot_acoustic_image(
    image: Any,
    ax: Any = None,
    *,
    camera: Camera | None = None,
    title: str | None = None,
    label: str = "power",
    db: bool = False,
    colorbar: bool = True,
    cmap: str = "inferno",
) -> Any:
    """A 2-D map ``(H, W)`` (energy, one frequency bin, one MFCC channel). With
    ``camera`` the axes are video pixels of its frame, else acoustic pixels; ``db``
    shows ``10 log10`` of the values."""
    m = as_array("image", image, ndim=2)
    if db:
        m = 10 * np.log10(np.maximum(m, 1e-30))
        label = f"{label} (dB)"
    ax = _axes(ax)
    if camera is not None:
        extent = (0, camera.width, camera.height, 0)
        unit = "video pixels"
    else:
        extent = (0, m.shape[1], m.shape[0], 0)
        unit = "acoustic pixels"
    im = ax.imshow(m, extent=extent, cmap=cmap, interpolation="nearest")
    ax.set_xlabel(f"column ({unit})")
    ax.set_ylabel(f"row ({unit})")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=label)
    return ax


def overlay_energy(
    frame: Any,
    energy: Any,
    ax: Any = None,
    *,
    alpha: float = 0.5,
    cmap: str = "jet",
    title: str | None = None,
    marker: Any = None,
) -> Any:
    """An energy map ``(H, W)`` stretched over a video frame ``(rows, cols[, 3])`` (each
    acoustic pixel covers a block of video pixels), optionally marking a true source
    at pixel (row, col)."""
    f = as_array("frame", frame, ndim=(2, 3))
    e = as_array("energy", energy, ndim=2)
    ax = _axes(ax, (6.0, 4.5))
    h, w = f.shape[:2]
    ax.imshow(f, cmap=None if f.ndim == 3 else "gray", extent=(0, w, h, 0))
    lo, hi = float(e.min()), float(e.max())
    en = (e - lo) / (hi - lo) if hi > lo else np.zeros_like(e)
    ax.imshow(en, extent=(0, w, h, 0), cmap=cmap, alpha=alpha, interpolation="bilinear")
    if marker is not None:
        r, c = marker
        ax.plot([c], [r], "w+", ms=14, mew=2)
    ax.set_xlabel("column (video pixels)")
    ax.set_ylabel("row (video pixels)")
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    if title:
        ax.set_title(title)
    return ax


def plot_pixel_spectrum(
    images: Any,
    fs: float,
    row: int,
    col: int,
    ax: Any = None,
    *,
    frame: int = 0,
    label: str | None = None,
) -> Any:
    """The power spectrum (dB) of one acoustic pixel of ``images`` ``(T, H, W, K)``
    against frequency (Hz)."""
    x = as_array("images", images, ndim=4)
    K = x.shape[-1]
    f = np.arange(K) * fs / (2 * K)
    ax = _axes(ax, (6.0, 3.0))
    ax.plot(
        f,
        10 * np.log10(np.maximum(x[frame, row, col], 1e-30)),
        label=label or f"pixel ({row}, {col})",
    )
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power per bin (dB)")
    ax.legend()
    return ax


def plot_mfcc_channels(mfcc: Any, *, title: str | None = None, ncols: int = 6) -> Any:
    """The channels of one MFCC image ``(H, W, C)`` side by side; returns the figure."""
    import matplotlib.pyplot as plt

    m = as_array("mfcc", mfcc, ndim=3)
    C = m.shape[-1]
    nrows = int(np.ceil(C / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.0 * ncols, 1.7 * nrows), squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < C:
            ax.imshow(m[..., i], cmap="magma")
            ax.set_title(f"c{i + 1}", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_signals(
    signals: Any,
    fs: float,
    ax: Any = None,
    *,
    channels: Any = (0,),
    offset: float | None = None,
) -> Any:
    """Some channels of a recording ``(M, N)`` against time (s), stacked with a
    vertical ``offset``."""
    x = as_array("signals", signals, ndim=2)
    t = np.arange(x.shape[1]) / fs
    ax = _axes(ax, (7.0, 3.0))
    step = (
        offset
        if offset is not None
        else 2.5 * float(np.abs(x[list(channels)]).max() or 1.0)
    )
    for i, ch in enumerate(channels):
        ax.plot(t, x[ch] + i * step, lw=0.7, label=f"mic {ch}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("pressure (Pa, offset per channel)")
    ax.legend(loc="upper right", fontsize=7)
    return ax


# --------------------------------------------------------------------------------------
# Chapters 02-03: curves against frequency or distance, impulse responses
# --------------------------------------------------------------------------------------


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
    ax.legend(fontsize=8)
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
    ax.legend(fontsize=7, loc="upper right")
    return ax


def plot_map_row(
    maps: Any,
    frame: Any = None,
    *,
    markers: Any = None,
    width: float = 3.6,
    suptitle: str | None = None,
) -> Any:
    """Several maps ``{title: (H, W)}`` side by side, each over ``frame`` (video pixels)
    or alone (acoustic pixels), each min-max scaled; ``markers`` lists true sources as
    (row, col) in the frame's pixels. Returns the figure (chapters 04-05)."""
    import matplotlib.pyplot as plt

    if not hasattr(maps, "items") or not maps:
        raise TypeError("maps must be a non-empty mapping {title: (H, W) map}")
    fig, axes = plt.subplots(
        1, len(maps), figsize=(width * len(maps), 0.8 * width), squeeze=False
    )
    for ax, (title, m) in zip(axes[0], maps.items(), strict=False):
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
    """A bar chart of shares in [0, 1] ``{label: share}`` with the value written on
    each bar."""
    if not hasattr(shares, "items") or not shares:
        raise TypeError("shares must be a non-empty mapping {label: value in [0, 1]}")
    ax = _axes(ax, (6.5, 3.2))
    labels = [str(k) for k in shares]
    values = [float(v) for v in shares.values()]
    bars = ax.bar(
        range(len(values)), values, color=[f"C{i}" for i in range(len(values))]
    )
    for b, v in zip(bars, values, strict=False):
        ax.text(
            b.get_x() + b.get_width() / 2, v + 0.02, f"{v:.2f}", ha="center", fontsize=8
        )
    ax.set_xticks(range(len(values)), labels, fontsize=8)
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


# --------------------------------------------------------------------------------------
# Chapter 11: classifier confusion and our numbers beside the paper's
# --------------------------------------------------------------------------------------


def plot_confusion(
    confusion: Any,
    labels: Any,
    ax: Any = None,
    *,
    title: str | None = None,
    normalize: bool = True,
) -> Any:
    """A confusion matrix ``(K, K)`` (rows: true class, columns: predicted) as an image,
    with the class ``labels`` ``(K,)`` on both axes; ``normalize`` shows each row as
    shares of its true class."""
    c = as_array("confusion", confusion, ndim=2, dtype=np.float64, nonnegative=True)
    names = [str(s) for s in labels]
    if c.shape[0] != c.shape[1] or len(names) != c.shape[0]:
        raise ValueError(
            f"confusion must be (K, K) with K = len(labels) = {len(names)}; got "
            f"{c.shape}"
        )
    if normalize:
        rows = c.sum(axis=1, keepdims=True)
        c = np.divide(c, rows, out=np.zeros_like(c), where=rows > 0)
    ax = _axes(ax, (4.8, 4.2))
    im = ax.imshow(c, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.figure.colorbar(
        im, ax=ax, label="share of the true class" if normalize else "count", shrink=0.8
    )
    if title:
        ax.set_title(title)
    return ax


def plot_paired_bars(
    groups: Any,
    ax: Any = None,
    *,
    ylabel: str,
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
) -> Any:
    """Grouped bars ``{group: {series: value}}`` (e.g. each metric's value in the paper
    and here), with the value written on each bar; a missing or NaN value leaves a
    gap."""
    if not hasattr(groups, "items") or not groups:
        raise TypeError("groups must be a non-empty mapping {group: {series: value}}")
    series: list[str] = []
    for g, vals in groups.items():
        if not hasattr(vals, "items"):
            raise TypeError(f"groups[{g!r}] must be a mapping {{series: value}}")
        series += [str(s) for s in vals if str(s) not in series]
    ax = _axes(ax, (7.0, 3.4))
    width = 0.8 / len(series)
    for j, s in enumerate(series):
        xs, ys = [], []
        for i, vals in enumerate(groups.values()):
            v = {str(k): val for k, val in vals.items()}.get(s)
            if v is not None and np.isfinite(float(v)):
                xs.append(i + (j - (len(series) - 1) / 2) * width)
                ys.append(float(v))
        bars = ax.bar(xs, ys, width, label=s, color=f"C{j}")
        for b, v in zip(bars, ys, strict=False):
            ax.text(
                b.get_x() + b.get_width() / 2,
                v,
                f"{v:.2f}",
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(range(len(groups)), [str(g) for g in groups], fontsize=8)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


#: Colour and legend text of each profile's layer widths in the scaling study's figures
#: (appendix A).
WIDTH_STYLES: dict[str, tuple[str, str]] = {
    "smoke": ("tab:green", "smoke widths"),
    "book": ("tab:blue", "book widths (32/32, latent 64)"),
    "full": ("tab:orange", "paper widths (128/133, latent 150)"),
}


def _study_runs(runs: Any, keys: tuple[str, ...]) -> list[Any]:
    items = list(runs.values()) if hasattr(runs, "values") else list(runs)
    if not items:
        raise ValueError("runs must hold at least one run of the scaling study")
    for r in items:
        missing = [k for k in keys if k not in r]
        if missing:
            raise ValueError(
                f"every run needs the keys {list(keys)} (a row of scaling_study.json); "
                f"run {r.get('run', '?')!r} lacks {missing}"
            )
        if r["widths"] not in WIDTH_STYLES:
            raise ValueError(
                f"run {r['run']!r} has widths {r['widths']!r}; expected one of "
                f"{sorted(WIDTH_STYLES)}"
            )
    return items


def plot_runs_by_steps(
    runs: Any,
    score: str,
    ax: Any = None,
    *,
    scale: float = 1.0,
    ylabel: str,
    reference: float | None = None,
    reference_label: str = "paper",
) -> Any:
    """Each training run of the scaling study (rows of ``scaling_study.json``) at its
    gradient steps (logarithmic axis) against ``scale * run[score]``: colour by layer
    widths, a circle for every k-th training frame, a square for every frame, the run's
    name beside it; ``reference`` draws a dashed line (e.g. the paper's value, in the
    same units). Appendix A."""
    items = _study_runs(runs, ("run", "widths", "frame_step", "steps", score))
    ax = _axes(ax, (5.5, 4.2))
    for r in items:
        ax.scatter(
            r["steps"],
            scale * r[score],
            s=60,
            color=WIDTH_STYLES[r["widths"]][0],
            edgecolor="black",
            marker="o" if r["frame_step"] > 1 else "s",
            zorder=3,
        )
        ax.annotate(
            r["run"],
            (r["steps"], scale * r[score]),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    if reference is not None:
        ax.axhline(
            reference,
            color="grey",
            ls="--",
            label=f"{reference_label} ({reference:.2f})",
        )
    for widths in dict.fromkeys(r["widths"] for r in items):
        colour, text = WIDTH_STYLES[widths]
        ax.scatter([], [], color=colour, edgecolor="black", label=text)
    steps = {r["frame_step"] > 1 for r in items}
    if True in steps:
        ax.scatter(
            [],
            [],
            color="white",
            edgecolor="black",
            marker="o",
            label="every k-th frame",
        )
    if False in steps:
        ax.scatter(
            [], [], color="white", edgecolor="black", marker="s", label="every frame"
        )
    ax.set_xscale("log")
    ax.set_xlabel("gradient steps")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return ax


def plot_validation_curves(
    runs: Any,
    ax: Any = None,
    *,
    key: str = "val_mse",
    scale: float = 100.0,
    ylabel: str = "validation MSE (× 10⁻²)",
) -> Any:
    """Each run's per-epoch validation score ``scale * run[key]`` against the gradient
    steps at the end of each epoch (one colour per run; solid: every k-th frame, dotted:
    every frame), with a circle on the epoch the run kept (``best_epoch``, chosen by
    the validation loss). Appendix A."""
    items = _study_runs(
        runs, ("run", "widths", "frame_step", "steps", "epochs", "best_epoch", key)
    )
    ax = _axes(ax, (5.5, 4.2))
    for i, r in enumerate(items):
        values = scale * as_array(
            f"{key} of run {r['run']}", r[key], ndim=1, dtype=np.float64
        )
        if values.size != r["epochs"]:
            raise ValueError(
                f"run {r['run']!r}: {key} must hold one value per epoch "
                f"({r['epochs']}); got {values.size}"
            )
        steps = (r["steps"] // r["epochs"]) * np.arange(1, r["epochs"] + 1)
        ax.plot(
            steps,
            values,
            color=f"C{i % 10}",
            ls="-" if r["frame_step"] > 1 else ":",
            marker=".",
            label=r["run"],
        )
        best = int(r["best_epoch"]) - 1
        ax.scatter(
            steps[best],
            values[best],
            s=50,
            facecolor="none",
            edgecolor="black",
            zorder=3,
        )
    ax.set_xscale("log")
    ax.set_xlabel("gradient steps")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return ax
