"""The old import path of :mod:`acousticlib.teaching.exercises` (its home since issue
21).

``from acousticlib import exercises`` and ``import acousticlib.exercises`` give that
very module (the same object, so attributes set on one are seen through the other).
"""

import sys

from .teaching import exercises as _home

sys.modules[__name__] = _home
