"""The old import path of :mod:`acousticlib.teaching.widgets` (its home since issue 21).

``from acousticlib import widgets`` and ``import acousticlib.widgets`` give that very
module (the same object, so attributes set on one are seen through the other).
"""

import sys

from .teaching import widgets as _home

sys.modules[__name__] = _home
