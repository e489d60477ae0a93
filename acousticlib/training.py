"""One training loop for every model of the book, with checkpoints and a cache of
trained models.

Chapters 07-11 train with it (chapter 08 explains it once). :func:`fit` runs epochs over
a map-style torch ``Dataset`` of dicts (the data contract of chapter 06) and

* shows progress bars (``progress=False`` hides them);
* is **deterministic**: the shuffle order and every random draw of epoch ``e`` (the
  U-VAE's reparameterization noise, MCGAN's z) are seeded from ``(seed, e)``, so a run
  is a function of its seed, and a run resumed at an epoch boundary continues exactly as
  if never interrupted;
* keeps the weights of the epoch with the best **validation** metric and restores them
  at the end;
* writes a checkpoint after every epoch **atomically** (temporary file +
  ``os.replace``), and resumes from it when called again with the same ``checkpoint``
  path;
* runs on any torch ``device``.

How one batch is trained depends on the model (ELBO for the U-VAE, alternating
discriminator and generator steps for AU-VAE and MCGAN, cross-entropy for classifiers);
a small *task* object (:class:`VAETask`, :class:`AdversarialTask`,
:class:`ClassifierTask`) supplies that step and the loop stays one. :func:`train_cached`
stores trained models in :mod:`acousticlib.cache`, keyed by model spec, training config
and a dataset key, so later chapters reuse them.
"""

from __future__ import annotations

import gc
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from ._checks import positive
from .cache import cache_key, cache_root, cached, write_atomic
from .losses import (
    adversarial_generator_loss,
    discriminator_loss,
    elbo_loss,
    spatial_loss,
)
from .models import UVAE, AdversarialGenerator, build_model, generator_inputs
from .runtime import heap_for_speed, resolve_device, seeded_rng

#: Bump when what :func:`train_cached` writes, or how it trains, changes.
MODEL_CODE_VERSION = "models-1"
#: Validation metrics where higher is better (the best checkpoint maximises them).
HIGHER_IS_BETTER = ("accuracy",)


#: Learning-rate schedules of :class:`TrainConfig`.
LR_SCHEDULES: tuple[str, ...] = ("constant", "cosine")


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
    11's judge).
    """

    epochs: int = 5
    batch_size: int = 32
    lr: float = 1e-4
    seed: int = 0
    monitor: str = "loss"
    weight_decay: float = 0.0
    input_key: str = "acoustic"
    lr_schedule: str = "constant"

    def __post_init__(self) -> None:
        positive("epochs", self.epochs, integer=True)
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"lr_schedule must be one of {LR_SCHEDULES}; got {self.lr_schedule!r}"
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
        """A plain dict (JSON-ready); a constant schedule is left out (the keys of
        models before it)."""
        d = asdict(self)
        if d["lr_schedule"] == "constant":
            del d["lr_schedule"]
        return d

    def lr_at(self, epoch: int) -> float:
        """Learning rate of 0-based ``epoch`` under ``lr_schedule``."""
        if self.lr_schedule == "cosine":
            return self.lr * 0.5 * (1 + math.cos(math.pi * epoch / self.epochs))
        return self.lr


def _derived_seed(seed: int, *salt: int | str) -> int:
    return int(seeded_rng(seed, *salt).integers(0, 2**62))


def _to(batch: Any, device: str) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: _to(v, device) for k, v in batch.items()}
    return batch


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


# -------------------------------------------------------------------------------- tasks
class Task:
    """How one batch trains and validates a model; subclasses fill in the three
    methods."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    def optimizers(self, config: TrainConfig) -> dict[str, torch.optim.Optimizer]:
        """Named optimizers over the trainable parameters."""
        params = [p for p in self.model.parameters() if p.requires_grad]
        return {
            "model": torch.optim.Adam(
                params, lr=config.lr, weight_decay=config.weight_decay
            )
        }

    def train_step(
        self,
        batch: Mapping[str, torch.Tensor],
        opts: Mapping[str, torch.optim.Optimizer],
    ) -> dict[str, float]:
        """Update the model on one batch; return scalar logs."""
        raise NotImplementedError

    def val_step(self, batch: Mapping[str, torch.Tensor]) -> dict[str, float]:
        """Validation metrics of one batch (no gradients); must include ``"loss"``."""
        raise NotImplementedError


def _floats(logs: Mapping[str, torch.Tensor]) -> dict[str, float]:
    return {k: float(v.detach()) for k, v in logs.items()}


def _step(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


class VAETask(Task):
    """U-VAE: minimise the negative ELBO (MSE + Huber [+ spatial] + beta KL) of the
    normalised acoustic image."""

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        x = generator_inputs(batch)
        out = self.model(x["audio"], x["visual"])
        return elbo_loss(
            out["recon"],
            x["target"],
            out["mu"],
            out["sigma"],
            beta=self.model.beta,
            spatial_weight=self.model.config.spatial_weight,
        )

    def train_step(self, batch, opts):
        losses = self._losses(batch)
        _step(opts["model"], losses["loss"])
        return _floats(losses)

    def val_step(self, batch):
        return _floats(self._losses(batch))


class AdversarialTask(Task):
    """AU-VAE / MCGAN: one discriminator step, then one generator step on Eq. 3.

    Adam with ``betas=(0.5, 0.999)`` for both (the pix2pix/DCGAN convention). The
    generator's reconstruction term is the ELBO for a U-VAE generator and the MSE
    otherwise. Validation ``"loss"`` is the reconstruction MSE (AU-VAE: z = mu; MCGAN: z
    from a seeded stream), since the adversarial losses do not measure the quality of a
    generator.
    """

    model: AdversarialGenerator

    def optimizers(self, config):
        def adam(module: nn.Module) -> torch.optim.Optimizer:
            params = [p for p in module.parameters() if p.requires_grad]
            return torch.optim.Adam(
                params,
                lr=config.lr,
                betas=(0.5, 0.999),
                weight_decay=config.weight_decay,
            )

        return {
            "generator": adam(self.model.generator),
            "discriminator": adam(self.model.discriminator),
        }

    def _rec(
        self, out: Mapping[str, torch.Tensor], target: torch.Tensor
    ) -> torch.Tensor:
        weight = self.model.generator.config.spatial_weight
        if isinstance(self.model.generator, UVAE):
            return elbo_loss(
                out["recon"],
                target,
                out["mu"],
                out["sigma"],
                beta=self.model.generator.beta,
                spatial_weight=weight,
            )["loss"]
        rec = F.mse_loss(out["recon"], target)
        return rec + weight * spatial_loss(out["recon"], target) if weight else rec

    def train_step(self, batch, opts):
        x = generator_inputs(batch)
        gen, disc = self.model.generator, self.model.discriminator
        out = gen(x["audio"], x["visual"])
        fake = out["recon"]
        d_loss = discriminator_loss(disc(x["target"]), disc(fake.detach()))
        _step(opts["discriminator"], d_loss)
        disc.requires_grad_(False)  # the generator step must not touch D's gradients
        try:
            g = adversarial_generator_loss(
                disc(fake),
                self._rec(out, x["target"]),
                self.model.lambda_adv,
                self.model.lambda_rec,
            )
            _step(opts["generator"], g["loss"])
        finally:
            disc.requires_grad_(True)
        return _floats(
            {**g, "d_loss": d_loss, "mse": F.mse_loss(fake.detach(), x["target"])}
        )

    def val_step(self, batch):
        x = generator_inputs(batch)
        out = self.model(x["audio"], x["visual"])
        mse = float(F.mse_loss(out["recon"], x["target"]))
        return {"loss": mse, "mse": mse}


class ClassifierTask(Task):
    """Classifiers (DualCamNet, the visual classifier): cross-entropy on
    ``batch[input_key]`` vs ``batch["label"]``."""

    def __init__(self, model: nn.Module, input_key: str = "acoustic") -> None:
        super().__init__(model)
        self.input_key = input_key

    def _forward(self, batch):
        if self.input_key not in batch or "label" not in batch:
            raise ValueError(
                f"batch must have {self.input_key!r} and 'label' entries; it has "
                f"{sorted(batch)}"
            )
        logits = self.model(batch[self.input_key].float())
        labels = batch["label"].long()
        return F.cross_entropy(logits, labels), logits, labels

    def train_step(self, batch, opts):
        loss, logits, labels = self._forward(batch)
        _step(opts["model"], loss)
        return _floats(
            {"loss": loss, "accuracy": (logits.argmax(1) == labels).float().mean()}
        )

    def val_step(self, batch):
        loss, logits, labels = self._forward(batch)
        return {
            "loss": float(loss),
            "accuracy": float((logits.argmax(1) == labels).float().mean()),
        }


def task_for(model: nn.Module, input_key: str = "acoustic") -> Task:
    """The task that trains ``model``: U-VAE -> :class:`VAETask`, AU-VAE/MCGAN ->
    :class:`AdversarialTask`, anything else -> :class:`ClassifierTask` on
    ``batch[input_key]``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if isinstance(model, UVAE):
        return VAETask(model)
    if isinstance(model, AdversarialGenerator):
        return AdversarialTask(model)
    return ClassifierTask(model, input_key)


# --------------------------------------------------------------------------------- loop
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


def evaluate(
    task: Task, data: Dataset, batch_size: int = 64, device: str = "cpu", seed: int = 0
) -> dict[str, float]:
    """Mean validation metrics of ``task.model`` over ``data`` (evaluation mode, no
    gradients, seeded draws)."""
    loader = DataLoader(data, batch_size=batch_size, shuffle=False)
    task.model.eval()
    logs = []
    state = torch.random.get_rng_state()
    torch.manual_seed(_derived_seed(seed, "evaluate"))
    try:
        with torch.no_grad():
            for batch in loader:
                logs.append((_batch_size(batch), task.val_step(_to(batch, device))))
    finally:
        torch.random.set_rng_state(state)
    if not logs:
        raise ValueError("data must hold at least one sample")
    return _mean_logs(logs)


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
    file path; an existing checkpoint written with the same config is resumed.
    ``callback(epoch, record)`` runs after each epoch's checkpoint is written (1-based
    epoch). ``task`` overrides :func:`task_for`. Returns a :class:`FitResult`. Torch's
    global generator is reseeded per epoch inside the loop and restored afterwards, so
    the caller's random stream is unaffected.
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
    model.to(device)
    opts = task.optimizers(config)
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

    # the loop reseeds torch; the caller's stream is restored after
    rng_state = torch.random.get_rng_state()
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
                shuffle = torch.Generator().manual_seed(
                    _derived_seed(config.seed, "shuffle", epoch)
                )
                loader = DataLoader(
                    train_data,
                    batch_size=config.batch_size,
                    shuffle=True,
                    generator=shuffle,
                )
                torch.manual_seed(_derived_seed(config.seed, "draws", epoch))
                model.train()
                logs = []
                for batch in tqdm(
                    loader, desc=f"epoch {epoch + 1}", leave=False, disable=not progress
                ):
                    logs.append(
                        (_batch_size(batch), task.train_step(_to(batch, device), opts))
                    )
                record: dict[str, Any] = {"epoch": epoch + 1, "train": _mean_logs(logs)}
                if val_data is not None:
                    record["val"] = evaluate(
                        task, val_data, config.batch_size, device, config.seed
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
                if path is not None:
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
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return result


# -------------------------------------------------------------------------------- cache
@dataclass
class TrainedModel:
    """A model from :func:`train_cached`: the module (evaluation mode), its history and
    cache folder.

    ``origin``: ``"trained"`` here (or on an earlier run), or ``"shipped"`` (loaded from
        weights
    shipped with the package, :func:`shipped`).
    """

    model: nn.Module
    history: list[dict[str, Any]]
    path: Path
    spec: dict[str, Any]
    origin: str = "trained"


#: Where trained weights shipped with the package live (one folder each; chapter 11's
#: judge).
SHIPPED_WEIGHTS = Path(__file__).resolve().parent / "data" / "weights"


def model_cache_key(spec: Mapping[str, Any], config: TrainConfig, data_key: str) -> str:
    """The cache key :func:`train_cached` gives the model of ``spec`` trained by
    ``config`` on ``data_key``."""
    return cache_key(
        "model",
        {"model": dict(spec), "train": config.to_dict(), "data": data_key},
        MODEL_CODE_VERSION,
    )


def shipped(name: str) -> Path | None:
    """The folder of the shipped weights ``name`` under :data:`SHIPPED_WEIGHTS`, or None
    if absent.

    A folder holds ``model.pt`` (the state dict), ``history.json`` (as a cache entry's)
    and
    ``shipped.json``: the model's cache key (:func:`model_cache_key`), the command that
        made it
    and what it measured.
    """
    folder = SHIPPED_WEIGHTS / name
    return (
        folder
        if (folder / "shipped.json").is_file() and (folder / "model.pt").is_file()
        else None
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
) -> TrainedModel:
    """Train the model of ``spec`` (see :func:`acousticlib.models.model_spec`) once and
    cache it.

    The cache key hashes the spec, ``config`` and ``data_key`` (a string naming the
    training data, e.g. the dataset's cache key), plus :data:`MODEL_CODE_VERSION`; the
    device is not part of it. The model's initial weights are drawn from
    ``torch.manual_seed(config.seed)``. An interrupted build resumes from its checkpoint
    (kept under ``<cache>/checkpoints/``). ``train_data`` may also be a function
    returning ``(train_data, val_data)`` (``val_data`` must then be None): it is called
    only when the model has to be trained, so a cached model costs no data loading.
    ``weights``: a folder of shipped weights (:func:`shipped`); when its
        ``shipped.json`` names this model's cache key, the entry is filled from it
        instead of
    training (the history says ``"origin": "shipped"``); any other key trains as usual.
    """
    if not isinstance(data_key, str) or not data_key:
        raise ValueError(
            f"data_key must be a non-empty string naming the training data; got "
            f"{data_key!r}"
        )
    spec = dict(spec)
    key_config = {"model": spec, "train": config.to_dict(), "data": data_key}
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

    def build(folder: Path) -> None:
        if use_shipped:
            state = torch.load(ship / "model.pt", map_location="cpu", weights_only=True)
            torch.save(state, folder / "model.pt")
            info = json.loads((ship / "history.json").read_text())
            info["origin"] = "shipped"
            (folder / "history.json").write_text(
                json.dumps(info, indent=1, sort_keys=True)
            )
            return
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
            model, train, val, config, device=device, checkpoint=ckpt, progress=progress
        )
        del train, val
        gc.collect()
        torch.save(_cpu_state(model), folder / "model.pt")
        (folder / "history.json").write_text(
            json.dumps(
                {
                    "spec": spec,
                    "train": config.to_dict(),
                    "data": data_key,
                    "history": result.history,
                    "best_epoch": result.best_epoch,
                    "best_value": result.best_value,
                    "monitor": result.monitor,
                    "origin": "trained",
                },
                indent=1,
                sort_keys=True,
            )
        )

    folder = cached(
        "model", key_config, build, code_version=MODEL_CODE_VERSION, root=root
    )
    if ckpt.exists():
        ckpt.unlink()
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


__all__ = [
    "AdversarialTask",
    "ClassifierTask",
    "DictDataset",
    "FitResult",
    "LR_SCHEDULES",
    "MODEL_CODE_VERSION",
    "SHIPPED_WEIGHTS",
    "Task",
    "TrainConfig",
    "TrainedModel",
    "VAETask",
    "evaluate",
    "fit",
    "model_cache_key",
    "shipped",
    "task_for",
    "train_cached",
]
