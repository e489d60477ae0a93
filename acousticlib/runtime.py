"""Run-time set-up shared by every chapter: seeds, thread counts, devices and profiles.

Every notebook of the book calls :func:`configure` right after its ``parameters`` cell, so a
chapter re-run with the same ``seed`` on the same machine gives the same numbers (chapter 01
shows the pattern). This module sits at the root of the import graph: it imports nothing else
from :mod:`acousticlib`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Literal

import numpy as np

Profile = Literal["smoke", "book", "full"]

#: The three run profiles. ``smoke`` is a seconds-long run that proves the code path works;
#: ``book`` is the default used for the committed notebooks (a laptop CPU, minutes per chapter);
#: ``full`` carries the papers' sizes and is meant for a GPU.
PROFILES: tuple[str, ...] = ("smoke", "book", "full")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is one of :data:`PROFILES`, else raise ``ValueError``."""
    if profile not in PROFILES:
        raise ValueError(
            f"profile must be one of {', '.join(repr(p) for p in PROFILES)}; got {profile!r}"
        )
    return profile


@dataclass(frozen=True)
class RunConfig:
    """What :func:`configure` settled: the profile, the seed, the torch device and thread count."""

    profile: str
    seed: int
    device: str
    threads: int

    def __str__(self) -> str:  # printed by the notebooks; deterministic on one machine
        return f"profile={self.profile} seed={self.seed} device={self.device} threads={self.threads}"


def resolve_device(device: str | None = None) -> str:
    """Turn ``None``/``"auto"``/``"cpu"``/``"cuda"``/``"cuda:N"``/``"mps"`` into a usable device name.

    ``None`` and ``"auto"`` pick CUDA when available, else CPU. Asking for a GPU that is not
    there raises ``ValueError`` instead of failing later inside a model.
    """
    import torch

    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda'; got {type(device).__name__}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; use device='cpu'")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("device='mps' was requested but MPS is not available; use device='cpu'")
    if device != "cpu" and not device.startswith(("cuda", "mps")):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators with ``seed``."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    import torch

    torch.manual_seed(int(seed))


def configure(
    profile: str = "book",
    seed: int = 0,
    device: str | None = "cpu",
    threads: int | None = None,
) -> RunConfig:
    """Seed everything, fix thread counts and make torch deterministic; return the settings.

    Parameters
    ----------
    profile:
        ``"smoke"``, ``"book"`` or ``"full"`` (see :data:`PROFILES`).
    seed:
        Non-negative integer seeding Python, NumPy and torch.
    device:
        Torch device name, or ``None``/``"auto"`` for CUDA when available.
    threads:
        Torch intra-op threads. Defaults to the ``ACOUSTICLIB_THREADS`` environment variable,
        else 2 (the book's reference machine), so results do not depend on the core count.
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
    # Deterministic kernels where torch has them; warn (not fail) where it has none.
    torch.use_deterministic_algorithms(True, warn_only=True)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if hasattr(torch.backends, "cudnn"):
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    return RunConfig(profile=profile, seed=int(seed), device=dev, threads=threads)


def generator(seed: int, *salt: int | str) -> np.random.Generator:
    """A NumPy generator derived from ``seed`` and optional ``salt`` values (strings or ints).

    Use it instead of the global generator so that two parts of a computation draw
    independent, reproducible streams (e.g. ``generator(seed, "noise", clip_index)``).
    """
    import hashlib

    parts = [str(seed), *(str(s) for s in salt)]
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
