"""Trained models in the cache (chapters 07-12): :func:`train_cached` and its keys.

:func:`train_cached` trains the model of a spec once and stores it in
:mod:`acousticlib.cache`, keyed by :func:`model_cache_key` (the spec, the
:class:`~acousticlib.training.TrainConfig`, a string naming the training data,
chapter 12's description of a task that :func:`~acousticlib.training.task_for` does not
pick, and :data:`MODEL_CODE_VERSION`; ``tests/test_cache_keys.py`` pins these keys), or
fills the
entry from weights shipped with the package (:data:`SHIPPED_WEIGHTS`, :func:`shipped`;
chapter 11's judge). A test that moves the shipped weights patches
``training.cache.SHIPPED_WEIGHTS``, where :func:`shipped` looks it up.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

from ..cache import cache_key, cache_root, cached, remove_partial_writes
from ..models import build_model
from ..runtime import resolve_device
from . import distributed
from .config import TrainConfig
from .loop import _cpu_state, fit
from .tasks import Task

#: Bump when what :func:`train_cached` writes, or how it trains, changes.
MODEL_CODE_VERSION = "models-1"


@dataclass
class TrainedModel:
    """A model from :func:`train_cached`: the module (evaluation mode), its history and
    cache folder.

    ``origin``: ``"trained"`` here (or on an earlier run), or ``"shipped"`` (loaded from
    weights shipped with the package, :func:`shipped`).
    """

    model: nn.Module
    history: list[dict[str, Any]]
    path: Path
    spec: dict[str, Any]
    origin: str = "trained"


#: Where trained weights shipped with the package live (one folder each; chapter 11's
#: judge).
SHIPPED_WEIGHTS = Path(__file__).resolve().parent.parent / "data" / "weights"


def ship_weights(
    trained: TrainedModel, name: str, info: Mapping[str, Any] | None = None
) -> Path:
    """Copy the cached model ``trained`` to the shipped weights ``name`` under
    :data:`SHIPPED_WEIGHTS` (what :func:`shipped` then finds) and return the folder.

    Writes ``model.pt`` and ``history.json`` from the cache entry and ``shipped.json``:
    ``{"key": <the entry's cache key>, "model": <its spec>, **info}`` (``info``: the
    command that trained it, what it measured). The folder appears whole or not at all
    (written beside it, then renamed over any earlier one). The tools that train the
    book's heavy models once use it (``tools/train_judge.py``,
    ``tools/train_distillation.py``).
    """
    if not isinstance(trained, TrainedModel):
        raise TypeError(
            f"trained must be a TrainedModel (from train_cached); got "
            f"{type(trained).__name__}"
        )
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise ValueError(f"name must be a plain folder name; got {name!r}")
    import shutil
    import tempfile

    target = SHIPPED_WEIGHTS / name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        shutil.copy(trained.path / "model.pt", tmp / "model.pt")
        shutil.copy(trained.path / "history.json", tmp / "history.json")
        meta = {"key": trained.path.name, "model": trained.spec, **dict(info or {})}
        (tmp / "shipped.json").write_text(json.dumps(meta, indent=1) + "\n")
        # mkdtemp leaves the folder private
        for path in (tmp, *tmp.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _key_config(
    spec: Mapping[str, Any],
    config: TrainConfig,
    data_key: str,
    task_key: Mapping[str, Any] | None,
) -> dict[str, Any]:
    # no "task" entry without a task: the keys of chapters 07-11 stay as they were
    key = {"model": dict(spec), "train": config.to_dict(), "data": data_key}
    if task_key is not None:
        key["task"] = dict(task_key)
    return key


def model_cache_key(
    spec: Mapping[str, Any],
    config: TrainConfig,
    data_key: str,
    task_key: Mapping[str, Any] | None = None,
) -> str:
    """The cache key :func:`train_cached` gives the model of ``spec`` trained by
    ``config`` on ``data_key`` (by the task ``task_key`` describes, if any)."""
    return cache_key(
        "model", _key_config(spec, config, data_key, task_key), MODEL_CODE_VERSION
    )


def shipped(name: str) -> Path | None:
    """The folder of the shipped weights ``name`` under :data:`SHIPPED_WEIGHTS`, or None
    if absent.

    A folder holds ``model.pt`` (the state dict), ``history.json`` (as a cache entry's)
    and ``shipped.json``: the model's cache key (:func:`model_cache_key`), the command
    that made it and what it measured.
    """
    folder = SHIPPED_WEIGHTS / name
    return (
        folder
        if (folder / "shipped.json").is_file() and (folder / "model.pt").is_file()
        else None
    )


def _group_device(world: distributed.World) -> str:
    """Where the process group's tensors live: the current GPU for nccl, else CPU."""
    return f"cuda:{torch.cuda.current_device()}" if world.backend == "nccl" else "cpu"


def _written_by_rank_0(folder: Path) -> None:
    raise RuntimeError(
        "the cache entry rank 0 wrote is missing or corrupt after the barrier: is "
        "ACOUSTICLIB_CACHE the same folder for every process?"
    )


def train_cached(
    spec: Mapping[str, Any],
    train_data: Dataset | Callable[[], tuple[Dataset, Dataset | None]],
    val_data: Dataset | None,
    config: TrainConfig,
    *,
    data_key: str,
    device: str = "cpu",
    progress: bool = True,
    root: str | os.PathLike[str] | None = None,
    weights: str | os.PathLike[str] | None = None,
    task_factory: Callable[[nn.Module], Task] | None = None,
    task_key: Mapping[str, Any] | None = None,
) -> TrainedModel:
    """Train the model of ``spec`` (see :func:`acousticlib.models.model_spec`) once and
    cache it.

    The cache key hashes the spec, ``config`` and ``data_key`` (a string naming the
    training data, e.g. the dataset's cache key), plus :data:`MODEL_CODE_VERSION`; the
    device is not part of it. The model's initial weights are drawn from
    ``torch.manual_seed(config.seed)``. An interrupted build (an exception, Ctrl-C,
    SIGTERM or SIGKILL) resumes from its last epoch's checkpoint (kept under
    ``<cache>/checkpoints/<key>.pt``, deleted once the entry exists) and ends with the
    weights and history of an uninterrupted run. ``train_data`` may also be a function
    returning ``(train_data, val_data)`` (``val_data`` must then be None): it is called
    only when the model has to be trained, so a cached model costs no data loading.
    ``weights``: a folder of shipped weights (:func:`shipped`); when its
    ``shipped.json`` names this model's cache key, the entry is filled from it instead
    of training (the history says ``"origin": "shipped"``); any other key trains as
    usual. ``task_factory(model)``: the :class:`~acousticlib.training.Task` that trains
    the freshly built model (chapter 12's triplet, transfer and distillation tasks;
    default :func:`~acousticlib.training.task_for`); it comes with ``task_key``, a
    JSON-ready mapping of everything in the task that changes the result (its kind,
    weights, margin, curriculum, the teacher's cache key ...), which joins the cache
    key (:func:`model_cache_key`).

    Under torchrun (:mod:`~acousticlib.training.distributed`) every rank calls it with
    the same arguments and trains (:func:`~acousticlib.training.fit`), rank 0 alone
    writes the checkpoints and the entry, and the others wait for it at a barrier and
    return the same entry. The world size is not part of the key; ``history.json``
    records it (``"distributed": {"world_size": N, "backend": "gloo" | "nccl" |
    null}``) and the precision (``"precision"``, ``TrainConfig.precision``).
    """
    if not isinstance(data_key, str) or not data_key:
        raise ValueError(
            f"data_key must be a non-empty string naming the training data; got "
            f"{data_key!r}"
        )
    if (task_factory is None) != (task_key is None):
        raise ValueError(
            "task_factory and task_key go together: a task of its own must be named "
            f"in the cache key; got task_factory={task_factory!r}, "
            f"task_key={task_key!r}"
        )
    if task_factory is not None and not callable(task_factory):
        raise TypeError(
            f"task_factory must be a function model -> Task; got "
            f"{type(task_factory).__name__}"
        )
    if task_key is not None and not isinstance(task_key, Mapping):
        raise TypeError(
            f"task_key must be a mapping describing the task; got "
            f"{type(task_key).__name__}"
        )
    spec = dict(spec)
    key_config = _key_config(spec, config, data_key, task_key)
    key = cache_key("model", key_config, MODEL_CODE_VERSION)
    ckpt = cache_root(root) / "checkpoints" / f"{key}.pt"
    ship = Path(weights) if weights is not None else None
    if ship is not None and not (ship / "shipped.json").is_file():
        raise FileNotFoundError(
            f"weights={str(ship)!r} holds no shipped.json: not a folder of shipped "
            f"weights"
        )
    use_shipped = (
        ship is not None
        and json.loads((ship / "shipped.json").read_text()).get("key") == key
    )

    lazy = callable(train_data) and not isinstance(train_data, Dataset)
    if lazy and val_data is not None:
        raise ValueError(
            "val_data must be None when train_data is a function returning (train, val)"
        )

    world = distributed.current_world()
    # rank 0 tells the others whether it trains (inside build) or not (after cached)
    told = False

    def train() -> tuple[nn.Module, Any]:
        # earlier work may leave tensors in reference cycles: free them before this
        # model's data comes in, and free its data before returning, so that training
        # models one after another (chapters 08-11) does not stack their datasets in
        # memory
        gc.collect()
        train, val = train_data() if lazy else (train_data, val_data)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = build_model(spec)
        result = fit(
            model,
            train,
            val,
            config,
            device=device,
            checkpoint=ckpt,
            progress=progress and (world is None or world.rank == 0),
            task=task_factory(model) if task_factory is not None else None,
        )
        del train, val
        gc.collect()
        return model, result

    def build(folder: Path) -> None:
        nonlocal told
        if use_shipped:
            state = torch.load(ship / "model.pt", map_location="cpu", weights_only=True)
            torch.save(state, folder / "model.pt")
            info = json.loads((ship / "history.json").read_text())
            info["origin"] = "shipped"
            (folder / "history.json").write_text(
                json.dumps(info, indent=1, sort_keys=True)
            )
            return
        # a run killed while writing its checkpoint left a temporary file beside it;
        # this build holds the entry's lock, so nothing else writes that checkpoint
        remove_partial_writes(ckpt)
        if world is not None:
            told = distributed.announce(True, _group_device(world))
        model, result = train()
        torch.save(_cpu_state(model), folder / "model.pt")
        (folder / "history.json").write_text(
            json.dumps(
                {
                    "spec": spec,
                    "train": config.to_dict(),
                    "data": data_key,
                    **({"task": key_config["task"]} if task_key is not None else {}),
                    "history": result.history,
                    "best_epoch": result.best_epoch,
                    "best_value": result.best_value,
                    "monitor": result.monitor,
                    "origin": "trained",
                    "precision": config.precision,
                    "distributed": {
                        "world_size": 1 if world is None else world.world_size,
                        "backend": None if world is None else world.backend,
                    },
                },
                indent=1,
                sort_keys=True,
            )
        )

    if world is None or world.rank == 0:
        folder = cached(
            "model", key_config, build, code_version=MODEL_CODE_VERSION, root=root
        )
        if world is not None and not told:
            distributed.announce(False, _group_device(world))
        if ckpt.exists():
            ckpt.unlink()
    elif distributed.announce(False, _group_device(world)):
        train()  # beside rank 0, which writes the checkpoints and the entry
    if world is not None:
        distributed.barrier()
        folder = cached(
            "model",
            key_config,
            _written_by_rank_0,
            code_version=MODEL_CODE_VERSION,
            root=root,
        )
    with torch.random.fork_rng(devices=[]):  # rebuilding must not move the caller's RNG
        model = build_model(spec)
    model.load_state_dict(
        torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    )
    model.to(resolve_device(device)).eval()
    info = json.loads((folder / "history.json").read_text())
    return TrainedModel(
        model=model,
        history=info["history"],
        path=folder,
        spec=spec,
        origin=info.get("origin", "trained"),
    )
