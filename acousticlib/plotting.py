"""The old import path of :mod:`acousticlib.teaching.plotting` (its home since issue
21).

``from acousticlib import plotting`` and ``import acousticlib.plotting`` give that very
module (the same object, so attributes set on one are seen through the other).
"""

import sys

from .teaching import plotting as _home

sys.modules[__name__] = _home
