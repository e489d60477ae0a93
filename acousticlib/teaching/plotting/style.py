"""How big a figure's text looks on the book's page (every chapter's figures).

The HTML book shows a figure's PNG at its own pixel width, shrunk to fit the text
column (about :data:`COLUMN_PX` = 700 CSS pixels) when it is wider. A label of ``s``
points drawn at ``dpi`` dots per inch is ``s * dpi / 72`` image pixels tall; the page
shows an image pixel as one CSS pixel (1/96 inch) before any shrinking, so the label is
read at ``s * dpi / 96 * min(1, COLUMN_PX / width_px)`` points. The book asks for at
least :data:`MIN_TEXT_PT` = 9 points: a 12-inch figure at 100 dpi (1,200 pixels) shrinks
to 58 % of its size, and its 10-point tick labels to about 6 points.

:func:`text_on_page` measures that for a drawn figure; :func:`watch_figure` is a
matplotlib ``figure.hooks`` entry that logs every figure a notebook draws (as JSON lines
in the file named by the environment variable ``ACOUSTICLIB_FIGURE_LOG``), which
``tools/notebooks.py run --figures`` installs and ``tools/check_figures.py`` reads.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

#: Width of the book's text column, CSS pixels (the theme's main column at 1,280 px).
COLUMN_PX = 700

#: Smallest text size a reader should meet on the page, points.
MIN_TEXT_PT = 9.0

#: Widest figure that the column shows at full size, inches (``COLUMN_PX`` at 100 dpi).
FIGURE_WIDTH_IN = 7.0

#: Most panels side by side the book's style allows in one figure row.
MAX_PANELS_PER_ROW = 3

#: Environment variable naming the JSON-lines file :func:`watch_figure` appends to.
FIGURE_LOG_ENV = "ACOUSTICLIB_FIGURE_LOG"


@dataclass(frozen=True)
class TextOnPage:
    """What :func:`text_on_page` measured for one drawn figure: its PNG's size in
    pixels (the tight bounding box the notebook's inline backend saves), the shrink
    factor the page applies, the smallest text on the page in points and that text,
    the number of texts below ``min_pt``, and the most axes side by side in one row."""

    width_px: int
    height_px: int
    scale: float
    smallest_pt: float
    smallest_text: str
    small_texts: int
    panels_per_row: int


def _visible_texts(fig: Any) -> list[Any]:
    """Every visible, non-empty text of ``fig`` (titles, labels, tick labels, legends,
    annotations)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _panels_per_row(fig: Any) -> int:
    """The most visible axes (colour bars aside) whose vertical extents overlap."""
    boxes = [
        ax.get_position()
        for ax in fig.axes
        if ax.get_visible() and ax.get_label() != "<colorbar>"
    ]
    best = 0
    for b in boxes:
        mid = (b.y0 + b.y1) / 2
        best = max(best, sum(1 for o in boxes if o.y0 <= mid <= o.y1))
    return best


def text_on_page(
    fig: Any, *, column_px: float = COLUMN_PX, min_pt: float = MIN_TEXT_PT
) -> TextOnPage:
    """Measure how big ``fig``'s text reads on the book's page (module docstring).

    ``fig``: a matplotlib figure (it is drawn here if it was not); ``column_px``: width
    of the page's column, CSS pixels; ``min_pt``: the smallest size counted as legible,
    points. The figure's saved width is its tight bounding box at ``fig.dpi``, as the
    notebooks' inline backend saves it.
    """
    if column_px <= 0:
        raise ValueError(f"column_px must be positive; got {column_px}")
    if min_pt <= 0:
        raise ValueError(f"min_pt must be positive; got {min_pt}")
    canvas = fig.canvas
    renderer = canvas.get_renderer() if hasattr(canvas, "get_renderer") else None
    if renderer is None:
        canvas.draw()
        renderer = canvas.get_renderer()
    bbox = fig.get_tightbbox(renderer)
    width_px = max(1, round(bbox.width * fig.dpi))
    height_px = max(1, round(bbox.height * fig.dpi))
    scale = min(1.0, column_px / width_px)
    factor = fig.dpi / 96.0 * scale
    sizes = [(t.get_fontsize() * factor, t.get_text()) for t in _visible_texts(fig)]
    smallest = min(sizes, default=(float("inf"), ""))
    return TextOnPage(
        width_px=int(width_px),
        height_px=int(height_px),
        scale=float(scale),
        smallest_pt=float(smallest[0]),
        smallest_text=str(smallest[1])[:40],
        small_texts=sum(1 for s, _ in sizes if s < min_pt),
        panels_per_row=_panels_per_row(fig),
    )


def _cell_first_line() -> tuple[int | None, str]:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the book's stack
        return None, ""
    ip = get_ipython()
    if ip is None:
        return None, ""
    raw = ip.history_manager.input_hist_raw
    source = raw[-1] if raw else ""
    first = next((ln for ln in source.splitlines() if ln.strip()), "")
    return int(ip.execution_count), first[:80]


def watch_figure(fig: Any) -> None:
    """A matplotlib ``figure.hooks`` entry: when ``fig`` is drawn, append what
    :func:`text_on_page` measures (with the cell's execution count and first line) to
    the JSON-lines file named by ``ACOUSTICLIB_FIGURE_LOG``; nothing when that variable
    is unset. A figure drawn several times is logged each time (a reader keeps the
    last line per figure id)."""
    path = os.environ.get(FIGURE_LOG_ENV)
    if not path:
        return

    def on_draw(event: Any) -> None:
        try:
            measured = text_on_page(fig)
        except Exception as exc:  # a measurement must never break a chapter
            record: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}"}
        else:
            record = asdict(measured)
        count, first = _cell_first_line()
        record.update(figure=id(fig), cell=count, first_line=first)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    fig.canvas.mpl_connect("draw_event", on_draw)
