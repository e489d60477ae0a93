"""Figures for the book: arrays, beam patterns, acoustic images and energy overlays
(chapters 02-05).

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None), labels
its axes with units, and returns the ``Axes``; chapters end the cell with
``plt.show()``. Nothing in the library's spine imports this package.

The package, one module per kind of figure (``curves`` and ``results`` draw with
``images``'s helpers; imports run one way):

* :mod:`~acousticlib.teaching.plotting.images` -- arrays, beam patterns, acoustic
  images and energy overlays (chapters 02-05): :func:`plot_array`,
  :func:`plot_beam_pattern`, :func:`plot_pattern_cut`, :func:`plot_acoustic_image`,
  :func:`overlay_energy`, :func:`plot_pixel_spectrum`, :func:`plot_mfcc_channels`,
  :func:`plot_signals`;
* :mod:`~acousticlib.teaching.plotting.curves` -- curves and maps (chapters 02-06):
  :func:`plot_curves`, :func:`plot_impulse_response`, :func:`plot_map_row`,
  :func:`plot_shares`, :func:`plot_dataset_frame`;
* :mod:`~acousticlib.teaching.plotting.results` -- chapter 11 and appendix A:
  :func:`plot_confusion`, :func:`plot_paired_bars`, :data:`WIDTH_STYLES`,
  :func:`plot_runs_by_steps`, :func:`plot_validation_curves`;
* :mod:`~acousticlib.teaching.plotting.style` -- how big a figure's text reads on the
  book's ~700-px page (:func:`~acousticlib.teaching.plotting.style.text_on_page`), and
  the ``figure.hooks`` logger ``make smoke`` uses to report figures too small to read.

Every name is importable from here (and from ``acousticlib.plotting``, this very
package) as before.
"""

from __future__ import annotations

from .curves import (
    plot_curves,
    plot_dataset_frame,
    plot_impulse_response,
    plot_map_row,
    plot_shares,
)
from .images import (
    overlay_energy,
    plot_acoustic_image,
    plot_array,
    plot_beam_pattern,
    plot_mfcc_channels,
    plot_pattern_cut,
    plot_pixel_spectrum,
    plot_signals,
)
from .results import (
    WIDTH_STYLES,
    plot_confusion,
    plot_paired_bars,
    plot_runs_by_steps,
    plot_validation_curves,
)

__all__ = [
    "WIDTH_STYLES",
    "overlay_energy",
    "plot_acoustic_image",
    "plot_array",
    "plot_beam_pattern",
    "plot_confusion",
    "plot_curves",
    "plot_dataset_frame",
    "plot_impulse_response",
    "plot_map_row",
    "plot_mfcc_channels",
    "plot_paired_bars",
    "plot_pattern_cut",
    "plot_pixel_spectrum",
    "plot_runs_by_steps",
    "plot_shares",
    "plot_signals",
    "plot_validation_curves",
]
