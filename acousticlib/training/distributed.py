"""Training on several processes at once (the appendix): torchrun and
``DistributedDataParallel``.

``torchrun --standalone --nproc_per_node N -m acousticlib train MODEL ...`` starts N
processes (ranks) with ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` set;
:func:`process_group` reads them (:func:`launch_from_env`), joins the process group
(backend ``"nccl"`` on CUDA, ``"gloo"`` on CPU) and leaves it at the end. Inside,
:func:`~acousticlib.training.fit` trains with ``DistributedDataParallel``:

* ``TrainConfig.batch_size`` stays the **global** batch; each rank takes
  ``batch_size / N`` samples (:func:`per_rank_batch`, an error when N does not divide
  it);
* :class:`GlobalBatchSampler`, a ``DistributedSampler`` seeded from the config's seed
  (``set_epoch`` each epoch), hands rank r its share of each global batch of the
  single-process order, so that the N ranks together see, step by step, the batches one
  process would (1/N of each epoch each);
* each rank draws its own random numbers (the U-VAE's noise, MCGAN's z), seeded from
  ``(seed, epoch, rank)``;
* the training and validation metrics are averaged over the ranks, weighted by their
  sample counts (:func:`all_mean`), so every rank picks the same best epoch;
* rank 0 alone writes the checkpoints and the cache entry
  (:func:`~acousticlib.training.train_cached`); the other ranks wait at a barrier and
  load the same entry. The world size is not part of a model's cache key (a model
  trained on 2 processes is the same entry), but its ``history.json`` records it.

**Batch norm.** On CUDA, :func:`wrap` converts the model's batch-norm layers with
``nn.SyncBatchNorm.convert_sync_batchnorm`` (statistics over the global batch; the model
keeps the converted layers after ``fit``, with the same state-dict keys). On CPU the
gloo backend has no SyncBatchNorm: each rank normalises with its own batch's statistics
(``batch_size / N`` samples), and ``DistributedDataParallel`` broadcasts rank 0's
buffers (the running statistics) at every forward pass (``broadcast_buffers=True``);
before validating, :func:`fit` broadcasts them once more, so that every rank validates,
and rank 0 saves, the same model. So on CPU a model with batch norm trains close to,
not exactly as, one process with the global batch: the chapters' U-VAE has one such
layer (its visual head's, ``backbone.head``; its ResNet trunk's are frozen and not
run on trunk features), DualCamNet and the visual backbone many; a U-VAE without the
backbone has none.

**Tasks.** A task trains under torchrun when its class says so
(:attr:`~acousticlib.training.Task.distributed`: its forward passes go through
``task.net``): the U-VAE's, the classifiers' and supervised distillation's. The
adversarial task (AU-VAE, MCGAN) and chapter 12's triplet tasks are refused by name
(:func:`check_task`). After every epoch the ranks compare a fingerprint of their
weights (:func:`check_in_sync`): a task that bypassed ``task.net`` fails loudly instead
of training N different models.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping, Sized
from dataclasses import dataclass
from datetime import timedelta

import torch
from torch import distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler
from tqdm.auto import tqdm

from .config import _derived_seed
from .tasks import Task

#: How long a rank waits for the others at a collective (rank 0 may be writing a
#: large cache entry while the others wait at the barrier).
TIMEOUT = timedelta(hours=2)


@dataclass(frozen=True)
class Launch:
    """What torchrun set for this process: its ``rank`` (0 ... ``world_size`` - 1),
    the ``world_size`` (number of processes) and the ``local_rank`` (its GPU on the
    node)."""

    rank: int
    world_size: int
    local_rank: int


@dataclass(frozen=True)
class World:
    """The process group :func:`fit` trains in: this process's ``rank``, the
    ``world_size`` and the ``backend`` (``"gloo"`` or ``"nccl"``)."""

    rank: int
    world_size: int
    backend: str


def _env_int(env: Mapping[str, str], name: str, low: int, default: int | None) -> int:
    text = env.get(name)
    if text is None and default is not None:
        return default
    try:
        value = int(str(text).strip())
    except ValueError:
        value = low - 1
    if value < low:
        raise ValueError(
            f"{name} must be an integer >= {low} (torchrun sets it); got {text!r}"
        )
    return value


def launch_from_env(env: Mapping[str, str] | None = None) -> Launch | None:
    """The torchrun launch described by ``env`` (default ``os.environ``), or None
    outside torchrun (no ``WORLD_SIZE``, or ``WORLD_SIZE=1``).

    Raises ``ValueError`` naming the variable when ``WORLD_SIZE``, ``RANK`` or
    ``LOCAL_RANK`` is not an integer in range, or ``MASTER_ADDR``/``MASTER_PORT`` is
    missing.
    """
    env = os.environ if env is None else env
    if env.get("WORLD_SIZE") is None:
        return None
    world = _env_int(env, "WORLD_SIZE", 1, None)
    if world == 1:
        return None
    rank = _env_int(env, "RANK", 0, None)
    if rank >= world:
        raise ValueError(
            f"RANK must be in [0, WORLD_SIZE - 1] = [0, {world - 1}]; got {rank}"
        )
    local = _env_int(env, "LOCAL_RANK", 0, rank)
    for name in ("MASTER_ADDR", "MASTER_PORT"):
        if not env.get(name):
            raise ValueError(
                f"{name} must be set with WORLD_SIZE={world} (torchrun sets it); "
                f"launch with torchrun --standalone --nproc_per_node {world}"
            )
    return Launch(rank, world, local)


def backend_for(device: str) -> str:
    """The process group's backend for a torch ``device``: ``"nccl"`` on CUDA,
    ``"gloo"`` on CPU; ``ValueError`` for another device."""
    kind = torch.device(device).type
    if kind not in ("cpu", "cuda"):
        raise ValueError(
            f"device must be 'cpu' or 'cuda' under torchrun; got {device!r}"
        )
    return "nccl" if kind == "cuda" else "gloo"


@contextlib.contextmanager
def process_group(device: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Inside: this process in torchrun's process group (nothing outside torchrun);
    yields the device it trains on (``"cuda"`` becomes ``"cuda:LOCAL_RANK"``).

    Backend ``"nccl"`` on CUDA, ``"gloo"`` on CPU (:func:`backend_for`); the group is
    destroyed on the way out, error or not. The command line's ``train`` and
    ``evaluate`` run inside it.
    """
    launch = launch_from_env(env)
    if launch is None or dist.is_initialized():
        yield device
        return
    backend = backend_for(device)
    if backend == "nccl":
        device = f"cuda:{launch.local_rank}"
        torch.cuda.set_device(device)
    dist.init_process_group(
        backend, rank=launch.rank, world_size=launch.world_size, timeout=TIMEOUT
    )
    try:
        yield device
    finally:
        dist.destroy_process_group()


def current_world() -> World | None:
    """The process group this process trains in, or None (not initialised, or one
    process: training as without torchrun)."""
    if not (dist.is_available() and dist.is_initialized()):
        return None
    if dist.get_world_size() == 1:
        return None
    return World(dist.get_rank(), dist.get_world_size(), dist.get_backend())


def per_rank_batch(batch_size: int, world_size: int) -> int:
    """Samples per rank and step: the global ``batch_size`` over ``world_size``
    processes; ``ValueError`` naming ``batch_size`` when they do not divide."""
    if batch_size % world_size:
        raise ValueError(
            f"batch_size={batch_size} (TrainConfig.batch_size, the global batch over "
            f"all processes) must be divisible by the world size WORLD_SIZE="
            f"{world_size} (torchrun --nproc_per_node); got a remainder of "
            f"{batch_size % world_size}"
        )
    return batch_size // world_size


def check_task(task: Task) -> None:
    """Refuse, naming it, a task that does not train under torchrun
    (``task.distributed`` false: the adversarial task of AU-VAE and MCGAN, chapter 12's
    triplet tasks)."""
    if not getattr(task, "distributed", False):
        raise NotImplementedError(
            f"{type(task).__name__} is not supported under torchrun yet (its forward "
            f"passes do not all run through one DistributedDataParallel wrapper); "
            f"train this model in one process"
        )


class GlobalBatchSampler(DistributedSampler):
    """Rank ``rank``'s share of every global batch of the single-process order.

    The order of epoch ``e`` (``set_epoch``) is the one :func:`fit`'s single-process
    loader draws from ``seed`` (``TrainConfig.seed``): a permutation of the dataset,
    cut into global batches of ``batch_size`` samples; rank r takes samples ``[r * b,
    (r + 1) * b)`` of each, with ``b = batch_size / num_replicas``. A last global batch
    of ``L`` samples gives each rank ``ceil(L / N)``, padded from the start of the
    order (as ``DistributedSampler`` pads), so that every rank runs the same number of
    steps; when N divides ``L`` the ranks together see exactly the batches of one
    process.
    """

    def __init__(
        self,
        dataset: Sized,
        batch_size: int,
        *,
        num_replicas: int,
        rank: int,
        seed: int,
    ) -> None:
        super().__init__(
            dataset,  # type: ignore[arg-type]
            num_replicas=num_replicas,
            rank=rank,
            shuffle=True,
            seed=seed,
        )
        self.batch = per_rank_batch(batch_size, num_replicas)
        n, size = len(dataset), batch_size
        last = n % size
        self.num_samples = (n // size) * self.batch + math.ceil(last / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def order(self) -> list[int]:
        """The single-process order of this epoch (what ``fit`` draws with one
        process)."""
        n = len(self.dataset)  # type: ignore[arg-type]
        shuffle = torch.Generator().manual_seed(
            _derived_seed(self.seed, "shuffle", self.epoch)
        )
        # fit's loader, iterated as fit iterates it: through tqdm.auto, whose asyncio
        # flavour calls iter() once on construction (one more draw from the
        # generator); test_distributed checks the indices fit reads against these
        loader = DataLoader(range(n), batch_size=n, shuffle=True, generator=shuffle)
        return [int(i) for batch in tqdm(loader, disable=True) for i in batch]

    def __iter__(self) -> Iterator[int]:
        order = self.order()
        n, b, world = len(order), self.batch, self.num_replicas
        size = b * world
        mine: list[int] = []
        for start in range(0, n, size):
            chunk = order[start : start + size]
            share = b if len(chunk) == size else math.ceil(len(chunk) / world)
            chunk = chunk + order[: share * world - len(chunk)]
            mine += chunk[self.rank * share : (self.rank + 1) * share]
        return iter(mine)


def wrap(task: Task, device: str) -> nn.Module:
    """``task.model`` in ``DistributedDataParallel`` (its batch norm synchronised on
    CUDA, see the module docstring); :func:`check_task` first."""
    check_task(task)
    model = task.model
    on_cuda = torch.device(device).type == "cuda"
    if on_cuda:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        if model is not task.model:
            raise ValueError(
                "model must not be a bare batch-norm layer under torchrun; wrap it in "
                "a module"
            )
    return nn.parallel.DistributedDataParallel(
        model,
        device_ids=[torch.device(device).index or 0] if on_cuda else None,
    )


def all_mean(logs: list[tuple[int, dict[str, float]]], device: str) -> dict[str, float]:
    """The metrics of every rank's batches ``(samples, {name: value})`` averaged over
    all ranks, weighted by the samples; the same dict on every rank."""
    keys = sorted(logs[0][1]) if logs else []
    sums = torch.tensor(
        [sum(n for n, _ in logs), *(sum(n * d[k] for n, d in logs) for k in keys)],
        dtype=torch.float64,
        device=device,
    )
    dist.all_reduce(sums)
    total = float(sums[0])
    return {k: float(v) / total for k, v in zip(keys, sums[1:].tolist(), strict=True)}


def broadcast_buffers(model: nn.Module) -> None:
    """Copy rank 0's buffers (batch-norm running statistics) to every rank."""
    for buffer in model.buffers():
        dist.broadcast(buffer, 0)


def check_in_sync(model: nn.Module, task: Task, epoch: int, device: str) -> None:
    """Raise ``RuntimeError`` when the ranks' weights differ after ``epoch`` (1-based):
    a task whose forward passes bypassed ``task.net`` trained N different models."""
    with torch.no_grad():
        print_ = torch.zeros((), dtype=torch.float64, device=device)
        for i, p in enumerate(model.parameters()):
            print_ += (i + 1) * p.detach().double().sum()
    low, high = print_.clone(), print_.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    if float(low) != float(high):
        raise RuntimeError(
            f"the processes' weights differ after epoch {epoch}: "
            f"{type(task).__name__}'s forward passes must run through task.net "
            f"(DistributedDataParallel) to train under torchrun"
        )


def announce(flag: bool, device: str) -> bool:
    """Rank 0's ``flag`` on every rank (the other ranks' ``flag`` is ignored)."""
    value = torch.tensor([int(flag)], device=device)
    dist.broadcast(value, 0)
    return bool(value.item())


def barrier() -> None:
    """Wait until every rank is here."""
    dist.barrier()
