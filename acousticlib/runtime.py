"""Run-time set-up shared by every chapter: seeds, thread counts, devices, profiles and
the heap.

Every notebook of the book calls :func:`configure` right after its ``parameters`` cell,
so a chapter re-run with the same ``seed`` on the same machine gives the same numbers
(chapter 01 shows the pattern). This module sits at the root of the import graph: it
imports nothing else from :mod:`acousticlib`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

Profile = Literal["smoke", "book", "full"]

#: The three run profiles. ``smoke`` is a seconds-long run that proves the code path
#: works; ``book`` is the default used for the committed notebooks (a laptop CPU,
#: minutes per chapter); ``full`` carries the papers' sizes and is meant for a GPU.
PROFILES: tuple[str, ...] = ("smoke", "book", "full")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is one of :data:`PROFILES`, else raise
    ``ValueError``."""
    if profile not in PROFILES:
        raise ValueError(
            f"profile must be one of {', '.join(repr(p) for p in PROFILES)}; got "
            f"{profile!r}"
        )
    return profile


@dataclass(frozen=True)
class RunConfig:
    """What :func:`configure` settled: the profile, the seed, the torch device and
    thread count."""

    profile: str
    seed: int
    device: str
    threads: int

    def __str__(self) -> str:  # printed by the notebooks; deterministic on one machine
        return (
            f"profile={self.profile} seed={self.seed} device={self.device} "
            f"threads={self.threads}"
        )


def resolve_device(device: str | None = None) -> str:
    """Turn ``None``/``"auto"``/``"cpu"``/``"cuda"``/``"cuda:N"``/``"mps"`` into a
    usable device name.

    ``None`` and ``"auto"`` pick CUDA when available, else CPU. Asking for a GPU that is
    not there raises ``ValueError`` instead of failing later inside a model.
    """
    import torch

    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, str):
        raise TypeError(
            f"device must be a string such as 'cpu' or 'cuda'; got "
            f"{type(device).__name__}"
        )
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; use "
            f"device='cpu'"
        )
    if device == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise ValueError(
            "device='mps' was requested but MPS is not available; use device='cpu'"
        )
    if device != "cpu" and not device.startswith(("cuda", "mps")):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}"
        )
    return device


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators with ``seed``."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    import torch

    torch.manual_seed(int(seed))


#: Allocations of this many bytes or more get their own memory map (see
#: :func:`limit_heap_growth`).
MMAP_THRESHOLD = 4 << 20
#: The threshold inside :func:`heap_for_speed` (glibc's largest dynamic one).
SPEED_MMAP_THRESHOLD = 32 << 20
_M_MMAP_THRESHOLD, _M_TRIM_THRESHOLD = -3, -1  # <malloc.h>
_DEFAULT_TRIM_THRESHOLD = 128 << 10  # glibc's
# what limit_heap_growth set, None while glibc's default holds
_heap_threshold: int | None = None


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """glibc, loaded once (``None`` on other systems or C libraries)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc has both; musl and others do not
    except (OSError, AttributeError):
        return None
    return libc


def _set_mmap_threshold(threshold: int, trim: int = _DEFAULT_TRIM_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold and the free memory it keeps at the top of the heap
    (bytes)."""
    libc = _libc()
    return (
        libc is not None
        and bool(libc.mallopt(ctypes.c_int(_M_MMAP_THRESHOLD), ctypes.c_int(threshold)))
        and bool(libc.mallopt(ctypes.c_int(_M_TRIM_THRESHOLD), ctypes.c_int(trim)))
    )


def limit_heap_growth(threshold: int = MMAP_THRESHOLD) -> bool:
    """Serve every allocation of ``threshold`` bytes or more from its own memory map
    (glibc only).

    glibc raises its mmap threshold each time a mapped block is freed (up to 32 MB);
    blocks below it then come from the heap, where freed memory fragments and stays
    resident. A chapter that allocates and frees a few to tens of megabytes per step
    (acoustic images in chunks, network activations) would grow its resident memory cell
    after cell (measured on chapter 11: ``benchmarks/results/docstring_timings.md``). A
    fixed threshold (``mallopt(M_MMAP_THRESHOLD, ...)``) gives every freed large block
    back to the system at once. Nothing computed changes, only where memory comes from.
    Mapping fresh memory costs time, so training loops run inside
    :func:`heap_for_speed`. Returns whether the threshold was set (``False`` on other C
    libraries or systems). Called by :func:`configure`.
    """
    global _heap_threshold
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int)
        or not 0 < threshold <= 32 << 20
    ):
        raise ValueError(
            f"threshold must be an integer number of bytes in (0, 32 MiB]; got "
            f"{threshold!r}"
        )
    if not _set_mmap_threshold(threshold):
        return False
    _heap_threshold = threshold
    return True


@contextlib.contextmanager
def heap_for_speed() -> Iterator[None]:
    """Inside: blocks up to 32 MiB come from the heap and stay there for reuse, as
    glibc's default would.

    A training step allocates and frees the same activations again and again; mapping
    each one afresh under :func:`limit_heap_growth` costs a noticeable part of a step on
    the CPU (measured: ``benchmarks/results/docstring_timings.md``). On exit the earlier
    threshold returns and the heap's free pages go back to the system (``malloc_trim``),
    so what the loop used does not stay resident. Does nothing when
    :func:`limit_heap_growth` has not been called (glibc's default then holds
    throughout). Used by :func:`acousticlib.training.fit` and chapter 07's trunk
    features.
    """
    threshold = _heap_threshold
    if threshold is None:
        yield
        return
    # keep freed blocks for the next step
    _set_mmap_threshold(SPEED_MMAP_THRESHOLD, trim=2 * SPEED_MMAP_THRESHOLD)
    try:
        yield
    finally:
        _set_mmap_threshold(threshold)
        libc = _libc()
        if libc is not None:
            libc.malloc_trim(ctypes.c_size_t(0))


def configure(
    profile: str = "book",
    seed: int = 0,
    device: str | None = "cpu",
    threads: int | None = None,
) -> RunConfig:
    """Seed everything, fix thread counts, make torch deterministic, fix the heap's mmap
    threshold (:func:`limit_heap_growth`); return the settings.

    Parameters
    ----------
    profile:
        ``"smoke"``, ``"book"`` or ``"full"`` (see :data:`PROFILES`).
    seed:
        Non-negative integer seeding Python, NumPy and torch.
    device:
        Torch device name, or ``None``/``"auto"`` for CUDA when available.
    threads:
        Torch intra-op threads. Defaults to the ``ACOUSTICLIB_THREADS`` environment
        variable, else 2 (the book's reference machine), so results do not depend on the
        core count.
    """
    import torch

    check_profile(profile)
    seed_everything(seed)
    dev = resolve_device(device)
    if threads is None:
        threads = int(os.environ.get("ACOUSTICLIB_THREADS", "2"))
    if threads < 1:
        raise ValueError(f"threads must be >= 1; got {threads}")
    torch.set_num_threads(threads)
    limit_heap_growth()
    # Deterministic kernels where torch has them; warn (not fail) where it has none.
    torch.use_deterministic_algorithms(True, warn_only=True)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if hasattr(torch.backends, "cudnn"):
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    return RunConfig(profile=profile, seed=int(seed), device=dev, threads=threads)


def seeded_rng(seed: int, *salt: int | str) -> np.random.Generator:
    """A NumPy generator derived from ``seed`` and optional ``salt`` values (strings or
    ints).

    Use it instead of the global generator so that two parts of a computation draw
    independent, reproducible streams (e.g. ``seeded_rng(seed, "noise", clip_index)``).
    """
    import hashlib

    parts = [str(seed), *(str(s) for s in salt)]
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def warn_unless_book_threads() -> bool:
    """Print a warning to stderr unless ``ACOUSTICLIB_THREADS`` is 1, the chapters'
    torch thread count (weights trained with another count differ from theirs in the
    last bits, so shipped weights would not be the chapters'); return whether it is
    1. The tools that train and ship the book's models call it first
    (``tools/train_distillation.py``, ``tools/train_arrayfree.py``)."""
    import sys

    if os.environ.get("ACOUSTICLIB_THREADS") == "1":
        return True
    print(
        "warning: ACOUSTICLIB_THREADS is not 1; the chapters train with one torch "
        "thread, and weights trained with another count differ from theirs",
        file=sys.stderr,
    )
    return False
