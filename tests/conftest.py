"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smoke_cache(tmp_path_factory):
    """A private cache folder holding the smoke profile's dataset (seed 0), chapter 07's
    pretrained backbone and its trunk features, built once per session (per xdist
    worker) for the experiments' and the command line's tests; models trained later
    land in it too. Tests point ``ACOUSTICLIB_CACHE`` at it themselves."""
    root = tmp_path_factory.mktemp("smoke-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACOUSTICLIB_CACHE", str(root))
        from acousticlib import experiments

        experiments.trunk_features("smoke", 0, progress=False)
    return root
