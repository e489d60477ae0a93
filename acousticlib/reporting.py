"""The old import path of :mod:`acousticlib.teaching.reporting` (its home since issue
21).

``from acousticlib import reporting`` and ``import acousticlib.reporting`` give that
very module (the same object, so attributes set on one are seen through the other).
"""

import sys

from .teaching import reporting as _home

sys.modules[__name__] = _home
