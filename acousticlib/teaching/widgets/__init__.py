"""Interactive explorers for the chapters (ipywidgets).

The logic lives here and is unit-tested by setting widget values; the notebooks only
display the explorers. Each explorer keeps its last computation in ``.result`` and
redraws its figure in an ``ipywidgets.Output`` when a control changes. In the static
HTML book the widgets cannot run, so every chapter also shows a figure of the explorer's
default state.

This package sits on top of the pipeline: nothing in the spine imports it. One module
per explorer; each takes the :class:`Explorer` they share from
:mod:`~acousticlib.teaching.widgets._base` and, when drawing, its figures from
:mod:`acousticlib.teaching.plotting`:

* :mod:`~acousticlib.teaching.widgets.source` -- :class:`SourceExplorer` (chapters 01
  and 04);
* :mod:`~acousticlib.teaching.widgets.beam_pattern` -- :class:`BeamPatternExplorer`,
  :func:`steering_direction` (chapter 02);
* :mod:`~acousticlib.teaching.widgets.recording` -- :class:`RecordingExplorer`
  (chapter 03);
* :mod:`~acousticlib.teaching.widgets.mfcc` -- :class:`MfccExplorer` (chapter 05).

Every name is importable from here (and from ``acousticlib.widgets``, this very
package) as before.
"""

from __future__ import annotations

from ._base import Explorer
from .beam_pattern import BeamPatternExplorer, BeamView, steering_direction
from .mfcc import MfccExplorer, MfccView
from .recording import RecordingExplorer, RecordingView
from .source import SourceExplorer, SourceView

__all__ = [
    "BeamPatternExplorer",
    "BeamView",
    "Explorer",
    "MfccExplorer",
    "MfccView",
    "RecordingExplorer",
    "RecordingView",
    "SourceExplorer",
    "SourceView",
    "steering_direction",
]
