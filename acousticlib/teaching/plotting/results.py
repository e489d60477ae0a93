"""Figures of results (chapter 11 and appendix A): a classifier's confusion matrix,
our numbers beside the paper's (paired bars), and the scaling study's training runs
(scores by gradient steps, validation curves).

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None); see
:mod:`acousticlib.teaching.plotting`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import as_array
from .images import _axes


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
    ax = _axes(ax, (5.6, 5.0))
    im = ax.imshow(c, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(range(len(names)), names, fontsize=9)
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
                fontsize=9,
            )
    ax.set_xticks(range(len(groups)), [str(g) for g in groups], fontsize=9)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
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
            fontsize=9,
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
    ax.legend(fontsize=9)
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
    ax.legend(fontsize=9, ncol=2)
    return ax
