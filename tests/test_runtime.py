"""acousticlib.runtime: configure() and the heap's fixed mmap threshold."""

from __future__ import annotations

import subprocess
import sys

import pytest

from acousticlib import runtime

# Allocates and frees a 24 MiB block (by default glibc maps it, then raises its mmap
# threshold to 24 MiB), then a 16 MiB one: how many MiB stay resident after both frees
# (inside the block, and after it)?
PROBE = """
import contextlib, sys, numpy as np, psutil
from acousticlib import runtime
mode = sys.argv[1]
if mode in ("fixed", "speed"):
    assert runtime.limit_heap_growth()
p = psutil.Process()
before = p.memory_info().rss
with runtime.heap_for_speed() if mode == "speed" else contextlib.nullcontext():
    big = np.ones(24 << 17)
    del big
    block = np.ones(16 << 17)
    del block
    inside = (p.memory_info().rss - before) / 2**20
print(inside, (p.memory_info().rss - before) / 2**20)
"""


def _resident_after_free(mode: str) -> tuple[float, float]:
    """MiB still resident after the frees: inside the (speed) block, and after it."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    inside, after = map(float, out.stdout.split())
    return inside, after


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_fixed_mmap_threshold_gives_freed_blocks_back():
    # glibc's default (dynamic threshold) keeps the 16 MiB block in the heap after its
    # free; the fixed one does not
    assert _resident_after_free("default")[0] > 8
    assert _resident_after_free("fixed")[0] < 1
    # inside heap_for_speed the heap keeps freed blocks for reuse (no fresh mapping per
    # training step); on exit they are given back
    inside, after = _resident_after_free("speed")
    assert inside > 8 and after < 1


def test_limit_heap_growth_rejects_bad_thresholds():
    for bad in (0, -1, 64 << 20, 1.5, True):
        with pytest.raises(ValueError, match="threshold"):
            runtime.limit_heap_growth(bad)


def test_configure_sets_threads_and_rejects_bad_input():
    import torch

    run = runtime.configure("smoke", 3, "cpu", threads=1)
    assert (
        run.profile == "smoke"
        and run.seed == 3
        and run.threads == 1
        and torch.get_num_threads() == 1
    )
    with pytest.raises(ValueError, match="profile"):
        runtime.configure("huge")
    with pytest.raises(ValueError, match="threads"):
        runtime.configure("smoke", threads=0)


def test_warn_unless_book_threads(monkeypatch, capsys):
    from acousticlib import runtime

    monkeypatch.setenv("ACOUSTICLIB_THREADS", "1")
    assert runtime.warn_unless_book_threads() is True
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("ACOUSTICLIB_THREADS", "2")
    assert runtime.warn_unless_book_threads() is False
    assert "ACOUSTICLIB_THREADS is not 1" in capsys.readouterr().err
