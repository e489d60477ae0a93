"""The one training loop of the book (chapter 08): :func:`fit` and :func:`evaluate`.

:func:`fit` runs epochs of a task (:mod:`~acousticlib.training.tasks`) over a map-style
dataset of dicts, seeded per epoch, keeps the weights of the best validation epoch,
writes an atomic checkpoint after every epoch and resumes from it; :func:`evaluate`
averages a task's validation metrics over a dataset. See :mod:`acousticlib.training`.
Under torchrun :func:`fit` trains with ``DistributedDataParallel``
(:mod:`~acousticlib.training.distributed`); ``TrainConfig.precision="bf16"`` runs the
forward passes under bfloat16 autocast on CUDA.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm.auto import tqdm

from ..cache import write_atomic
from ..runtime import heap_for_speed, resolve_device
from . import distributed
from .config import TrainConfig, _derived_seed
from .tasks import Task, task_for

_log = logging.getLogger(__name__)

#: Validation metrics where higher is better (the best checkpoint maximises them).
HIGHER_IS_BETTER = ("accuracy", "triplet_accuracy")


def _to(batch: Any, device: str) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: _to(v, device) for k, v in batch.items()}
    return batch


@dataclass
class FitResult:
    """What :func:`fit` returns: per-epoch ``history`` (``{"epoch", "train": {...},
    "val": {...}}``), the ``best_epoch`` (1-based) and its validation ``best_value``
    of ``monitor``."""

    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    best_value: float = math.nan
    monitor: str = "loss"


def _save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` through :func:`acousticlib.cache.write_atomic`."""
    write_atomic(path, lambda tmp: torch.save(obj, tmp))


def _cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}


def _mean_logs(logs: list[tuple[int, dict[str, float]]]) -> dict[str, float]:
    total = sum(n for n, _ in logs)
    keys = logs[0][1].keys() if logs else []
    return {k: sum(n * d[k] for n, d in logs) / total for k in keys}


def _batch_size(batch: Mapping[str, Any]) -> int:
    return int(next(v for v in batch.values() if isinstance(v, torch.Tensor)).shape[0])


def _val_logs(
    task: Task, data: Dataset, batch_size: int, device: str, seed: int
) -> list[tuple[int, dict[str, float]]]:
    loader = DataLoader(data, batch_size=batch_size, shuffle=False)
    task.model.eval()
    logs = []
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        with torch.no_grad():
            for batch in loader:
                logs.append((_batch_size(batch), task.val_step(_to(batch, device))))
    finally:
        torch.random.set_rng_state(state)
    return logs


def evaluate(
    task: Task, data: Dataset, batch_size: int = 64, device: str = "cpu", seed: int = 0
) -> dict[str, float]:
    """Mean validation metrics of ``task.model`` over ``data`` (evaluation mode, no
    gradients, seeded draws)."""
    logs = _val_logs(task, data, batch_size, device, _derived_seed(seed, "evaluate"))
    if not logs:
        raise ValueError("data must hold at least one sample")
    return _mean_logs(logs)


def _evaluate_shared(
    task: Task,
    data: Dataset,
    config: TrainConfig,
    device: str,
    world: distributed.World,
) -> dict[str, float]:
    """:func:`evaluate` under torchrun: rank r validates samples r, r + N, ... (the
    bare model: its weights are every rank's), and the ranks average their metrics
    weighted by sample counts."""
    share = Subset(data, range(world.rank, len(data), world.world_size))  # type: ignore[arg-type]
    batch = distributed.per_rank_batch(config.batch_size, world.world_size)
    seed = _derived_seed(config.seed, "evaluate", world.rank)
    return distributed.all_mean(_val_logs(task, share, batch, device, seed), device)


def fit(
    model: nn.Module,
    train_data: Dataset,
    val_data: Dataset | None = None,
    config: TrainConfig | None = None,
    *,
    device: str = "cpu",
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool = True,
    restore_best: bool = True,
    callback: Callable[[int, dict[str, Any]], None] | None = None,
    task: Task | None = None,
) -> FitResult:
    """Train ``model`` in place for ``config.epochs`` epochs; see the module docstring.

    ``train_data``/``val_data``: map-style datasets of dicts (chapter 06's contract);
    without ``val_data`` the training metrics choose the best epoch. ``checkpoint``: a
    file path; an existing checkpoint written with the same config is resumed (saying
    so at INFO level on the ``acousticlib.training.loop`` logger).
    ``callback(epoch, record)`` runs after each epoch's checkpoint is written (1-based
    epoch). ``task`` overrides :func:`task_for`; its ``start_epoch(epoch)``, when it has
    one, runs before each epoch's batches (0-based epoch, resumed runs included).
    Returns a :class:`FitResult`. Torch's global generator is reseeded per epoch inside
    the loop and restored afterwards, so the caller's random stream is unaffected.

    ``config.precision="bf16"`` runs the task's forward passes under
    ``torch.autocast("cuda", dtype=torch.bfloat16)``; it needs a CUDA ``device``
    (``ValueError`` otherwise) and a task whose class has ``mixed_precision``.

    Under torchrun (a process group of N > 1 ranks, see
    :mod:`~acousticlib.training.distributed`), every rank calls ``fit`` with the same
    arguments: the model trains in ``DistributedDataParallel`` on rank r's share of
    each global batch of ``config.batch_size`` samples (``ValueError`` naming
    ``batch_size`` when N does not divide it), the metrics are averaged over the ranks,
    every rank reads ``checkpoint`` to resume and rank 0 alone writes it; ``callback``
    runs on every rank with the same record. Without a process group (or with one
    rank) nothing changes.
    """
    config = config or TrainConfig()
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    device = resolve_device(device)
    if len(train_data) == 0:  # type: ignore[arg-type]
        raise ValueError("train_data must hold at least one sample")
    task = task or task_for(model, config.input_key)
    if task.model is not model:
        raise ValueError("task.model must be the model being trained")
    if config.precision == "bf16":
        if torch.device(device).type != "cuda":
            raise ValueError(f"bf16 autocast runs on CUDA only; got device {device}")
        if not getattr(task, "mixed_precision", False):
            raise NotImplementedError(
                f"{type(task).__name__} does not run its forward passes in "
                f"task.autocast(); precision='bf16' cannot train it"
            )
    world = distributed.current_world()
    if world is not None:
        distributed.check_task(task)
        distributed.per_rank_batch(config.batch_size, world.world_size)
        for name, data in (("train_data", train_data), ("val_data", val_data)):
            if data is not None and len(data) < world.world_size:  # type: ignore[arg-type]
                raise ValueError(
                    f"{name} must hold at least WORLD_SIZE={world.world_size} samples "
                    f"(one per process); got {len(data)}"  # type: ignore[arg-type]
                )
    writer = world is None or world.rank == 0
    model.to(device)
    opts = task.optimizers(config)
    # Task's epoch hook; a duck-typed task without one works as before
    epoch_hook = getattr(task, "start_epoch", None)
    mode = "max" if config.monitor in HIGHER_IS_BETTER else "min"
    result = FitResult(monitor=config.monitor)
    best_state: dict[str, torch.Tensor] | None = None
    start = 0
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        ckpt = torch.load(path, map_location=device, weights_only=False)
        if ckpt.get("config") != config.to_dict():
            raise ValueError(
                f"checkpoint {str(path)!r} was written with config "
                f"{ckpt.get('config')}, "
                f"not {config.to_dict()}; delete it or use another path"
            )
        model.load_state_dict(ckpt["model"])
        for name, opt in opts.items():
            opt.load_state_dict(ckpt["optimizers"][name])
        start = int(ckpt["epoch"])
        result.history = list(ckpt["history"])
        result.best_epoch, result.best_value = ckpt["best_epoch"], ckpt["best_value"]
        best_state = ckpt["best_state"]
        _log.info(
            "%s: resuming from the checkpoint of epoch %d of %d (%s)",
            type(model).__name__,
            start,
            config.epochs,
            path,
        )

    # the loop reseeds torch; the caller's stream is restored after
    rng_state = torch.random.get_rng_state()
    if config.precision == "bf16":
        task.autocast = functools.partial(torch.autocast, "cuda", dtype=torch.bfloat16)
    sampler = None
    if world is not None:
        task.net = distributed.wrap(task, device)
        sampler = distributed.GlobalBatchSampler(
            train_data,  # type: ignore[arg-type]
            config.batch_size,
            num_replicas=world.world_size,
            rank=world.rank,
            seed=config.seed,
        )
    try:
        # steps reuse their activations' memory; given back after
        with heap_for_speed():
            epochs = tqdm(
                range(start, config.epochs),
                desc=type(model).__name__,
                initial=start,
                total=config.epochs,
                disable=not progress,
            )
            for epoch in epochs:
                # a constant one leaves a task's own rates alone
                if config.lr_schedule != "constant":
                    for opt in opts.values():
                        for group in opt.param_groups:
                            group["lr"] = config.lr_at(epoch)
                if epoch_hook is not None:
                    epoch_hook(epoch)
                shuffle = torch.Generator().manual_seed(
                    _derived_seed(config.seed, "shuffle", epoch)
                )
                if sampler is None:
                    loader = DataLoader(
                        train_data,
                        batch_size=config.batch_size,
                        shuffle=True,
                        generator=shuffle,
                    )
                    torch.manual_seed(_derived_seed(config.seed, "draws", epoch))
                else:
                    sampler.set_epoch(epoch)
                    # the generator keeps the loader's own draw off torch's stream
                    loader = DataLoader(
                        train_data,
                        batch_size=sampler.batch,
                        sampler=sampler,
                        generator=shuffle,
                    )
                    torch.manual_seed(
                        _derived_seed(config.seed, "draws", epoch, world.rank)
                    )
                model.train()
                logs = []
                for batch in tqdm(
                    loader, desc=f"epoch {epoch + 1}", leave=False, disable=not progress
                ):
                    logs.append(
                        (_batch_size(batch), task.train_step(_to(batch, device), opts))
                    )
                if world is None:
                    record: dict[str, Any] = {
                        "epoch": epoch + 1,
                        "train": _mean_logs(logs),
                    }
                else:
                    distributed.check_in_sync(model, task, epoch + 1, device)
                    distributed.broadcast_buffers(model)
                    record = {
                        "epoch": epoch + 1,
                        "train": distributed.all_mean(logs, device),
                    }
                if val_data is not None and world is None:
                    record["val"] = evaluate(
                        task, val_data, config.batch_size, device, config.seed
                    )
                elif val_data is not None:
                    record["val"] = _evaluate_shared(
                        task, val_data, config, device, world
                    )
                scores = record.get("val", record["train"])
                if config.monitor not in scores:
                    raise ValueError(
                        f"config.monitor={config.monitor!r} is not among the metrics "
                        f"{sorted(scores)}"
                    )
                value = scores[config.monitor]
                better = result.best_epoch == 0 or (
                    value < result.best_value
                    if mode == "min"
                    else value > result.best_value
                )
                if better:
                    result.best_epoch, result.best_value = epoch + 1, value
                    best_state = _cpu_state(model)
                result.history.append(record)
                epochs.set_postfix({k: f"{v:.4g}" for k, v in scores.items()})
                if path is not None and writer:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    _save_atomic(
                        {
                            "epoch": epoch + 1,
                            "config": config.to_dict(),
                            "model": _cpu_state(model),
                            "optimizers": {k: o.state_dict() for k, o in opts.items()},
                            "history": result.history,
                            "best_epoch": result.best_epoch,
                            "best_value": result.best_value,
                            "best_state": best_state,
                        },
                        path,
                    )
                if callback is not None:
                    callback(epoch + 1, record)
    finally:
        torch.random.set_rng_state(rng_state)
        if world is not None:
            task.net = model
        if config.precision == "bf16":
            task.autocast = contextlib.nullcontext
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return result
