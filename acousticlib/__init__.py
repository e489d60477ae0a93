"""acousticlib: the companion library of the executable book *Acoustic Images*.

The modules follow the pipeline of the book, and each imports only modules to its left::

    runtime, cache  (infrastructure: seeds, devices, profiles, on-disk cache)
    geometry -> simulate -> beamforming -> features -> datasets -> models -> training
      -> metrics
    teaching: reporting, plotting, widgets, exercises  (read-only consumers, imported
    by nothing in the spine; also importable as acousticlib.plotting and so on)

Topics with several modules are subpackages (``beamforming``, ``datasets``, ``models``,
``training``, ``metrics``, ``experiments``, ``teaching``); the physics stays flat, its
larger modules split into sibling modules that they re-export (``geometry`` over
``mic_arrays`` and ``array_patterns``, ``sounds``, ``scenes``, ``rendering``,
``formats``). CONTRIBUTING.md has the map.

Submodules are imported on demand (``from acousticlib import beamforming``) so that
``import acousticlib`` stays fast and does not pull in torch.
"""

from ._version import __version__
from .runtime import configure

__all__ = ["__version__", "configure"]
