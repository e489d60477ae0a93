"""What a training run is given (chapter 08): the hyper-parameters and the data.

:class:`TrainConfig` holds the hyper-parameters of :func:`~acousticlib.training.fit`
(epochs, batch size, learning rate and its schedule, seed, the monitored metric, the
precision; part of the cache key of every trained model), and :class:`DictDataset`
makes a map-style dataset of dicts (chapter 06's data contract) from aligned tensors.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch.utils.data import Dataset

from .._checks import positive
from ..runtime import seeded_rng

#: Learning-rate schedules of :class:`TrainConfig`.
LR_SCHEDULES: tuple[str, ...] = ("constant", "cosine")
#: Precisions of :class:`TrainConfig`: ``"fp32"`` (the default), or ``"bf16"``:
#: forward passes under ``torch.autocast("cuda", dtype=torch.bfloat16)`` (CUDA only).
PRECISIONS: tuple[str, ...] = ("fp32", "bf16")


def _derived_seed(seed: int, *salt: int | str) -> int:
    """A seed for torch drawn from ``(seed, *salt)``
    (:func:`~acousticlib.runtime.seeded_rng`): each epoch's shuffle and draws, the
    evaluation's draws (chapter 08)."""
    return int(seeded_rng(seed, *salt).integers(0, 2**62))


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`fit` (part of the cache key of a trained model).

    ``epochs``; ``batch_size`` (samples); ``lr`` (Adam learning rate; the paper's 1e-4);
    ``seed``; ``monitor``: the validation metric choosing the best epoch (``"loss"``,
    ``"mse"``, ``"accuracy"``); ``weight_decay``; ``input_key``: the batch entry a
    classifier reads (``"acoustic"`` windows, or ``"frame"`` for the visual classifier
    of chapter 07);
    ``lr_schedule``: ``"constant"``, or ``"cosine"`` (each epoch's learning rate
    ``lr * (1 + cos(pi * epoch / epochs)) / 2``, from ``lr`` down towards 0; chapter
    11's judge);
    ``precision``: ``"fp32"``, or ``"bf16"`` (forward passes under bfloat16 autocast,
    on CUDA only; a model of its own in the cache, while ``"fp32"`` leaves the keys of
    the models before it unchanged).
    """

    epochs: int = 5
    batch_size: int = 32
    lr: float = 1e-4
    seed: int = 0
    monitor: str = "loss"
    weight_decay: float = 0.0
    input_key: str = "acoustic"
    lr_schedule: str = "constant"
    precision: str = "fp32"

    def __post_init__(self) -> None:
        positive("epochs", self.epochs, integer=True)
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"lr_schedule must be one of {LR_SCHEDULES}; got {self.lr_schedule!r}"
            )
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {PRECISIONS}; got {self.precision!r}"
            )
        positive("batch_size", self.batch_size, integer=True)
        positive("lr", self.lr)
        positive("weight_decay", self.weight_decay, allow_zero=True)
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or self.seed < 0
        ):
            raise ValueError(f"seed must be a non-negative integer; got {self.seed!r}")

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready); a constant schedule and fp32 precision are left
        out (the keys of models before them)."""
        d = asdict(self)
        if d["lr_schedule"] == "constant":
            del d["lr_schedule"]
        if d["precision"] == "fp32":
            del d["precision"]
        return d

    def lr_at(self, epoch: int) -> float:
        """Learning rate of 0-based ``epoch`` under ``lr_schedule``."""
        if self.lr_schedule == "cosine":
            return self.lr * 0.5 * (1 + math.cos(math.pi * epoch / self.epochs))
        return self.lr


class DictDataset(Dataset):
    """A map-style dataset of dicts from aligned tensors: ``DictDataset(acoustic=x,
    label=y)[i]`` is ``{"acoustic": x[i], "label": y[i]}`` (e.g. generated windows
    for GAN-train)."""

    def __init__(self, **tensors: torch.Tensor) -> None:
        if not tensors:
            raise ValueError("tensors must hold at least one named tensor")
        sizes = {k: int(torch.as_tensor(v).shape[0]) for k, v in tensors.items()}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"tensors must all have the same length; got {sizes}")
        self.tensors = {k: torch.as_tensor(v) for k, v in tensors.items()}
        self.n = next(iter(sizes.values()))

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {k: v[i] for k, v in self.tensors.items()}
