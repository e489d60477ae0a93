"""Figures of arrays, beam patterns, acoustic images and energy overlays (chapters
02-05): microphone layouts, beam patterns and their cuts, acoustic images, energy maps
over video frames, pixel spectra, MFCC channels and recordings.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None, made
by ``_axes``, which the other plotting modules share); see
:mod:`acousticlib.teaching.plotting`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import as_array
from ...geometry import Camera, as_positions


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
                str(i), (x, y), fontsize=9, xytext=(2, 2), textcoords="offset points"
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


def plot_mfcc_channels(mfcc: Any, *, title: str | None = None, ncols: int = 3) -> Any:
    """The channels of one MFCC image ``(H, W, C)`` in rows of ``ncols``, the figure
    at most :data:`~acousticlib.teaching.plotting.style.FIGURE_WIDTH_IN` wide; returns
    the figure."""
    import matplotlib.pyplot as plt

    from .style import FIGURE_WIDTH_IN

    m = as_array("mfcc", mfcc, ndim=3)
    C = m.shape[-1]
    if not (isinstance(ncols, int) and ncols >= 1):
        raise ValueError(f"ncols must be a positive integer; got {ncols!r}")
    ncols = min(ncols, C)
    nrows = int(np.ceil(C / ncols))
    panel = min(2.0, FIGURE_WIDTH_IN / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel * ncols, 0.85 * panel * nrows), squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < C:
            ax.imshow(m[..., i], cmap="magma")
            ax.set_title(f"c{i + 1}")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_signals(
    signals: Any,
    fs: float,
    ax: Any = None,
    *,
    channels: Any = (0,),
    offset: float | None = None,
) -> Any:
    """Some channels of a recording ``(M, N)`` against time (s), stacked with a vertical
    ``offset``."""
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
    ax.legend(loc="upper right")
    return ax
