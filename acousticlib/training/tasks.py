"""How one batch trains a model (chapter 08): the tasks of the training loop.

A task supplies the optimizers and the training and validation steps of one kind of
model, so that :func:`~acousticlib.training.fit` stays one loop: :class:`VAETask` (the
U-VAE's negative ELBO), :class:`AdversarialTask` (AU-VAE and MCGAN: a discriminator
step, then a generator step), :class:`ClassifierTask` (cross-entropy; DualCamNet and the
visual classifier of chapter 07). :func:`task_for` picks the task of a model.

A task's forward passes go through ``task.net`` (the model itself, or its
``DistributedDataParallel`` wrapper while :func:`~acousticlib.training.fit` runs under
torchrun) inside ``task.autocast()`` (nothing, or bfloat16 autocast for
``precision="bf16"``); its class says which of the two it honours
(:attr:`Task.distributed`, :attr:`Task.mixed_precision`), and ``fit`` refuses the
others by name rather than train them silently wrong.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from ..losses import (
    adversarial_generator_loss,
    discriminator_loss,
    elbo_loss,
    spatial_loss,
)
from ..models import UVAE, AdversarialGenerator, generator_inputs
from .config import TrainConfig


class Task:
    """How one batch trains and validates a model; subclasses fill in the three
    methods.

    ``model``: the module trained; ``net``: what the forward passes call (``model``, or
    the ``DistributedDataParallel`` wrapper :func:`~acousticlib.training.fit` puts there
    under torchrun and takes away after); ``autocast()``: the context the forward passes
    run in (set by ``fit`` from ``TrainConfig.precision``).
    """

    #: Whether every forward pass of the steps runs through ``self.net``, so that
    #: torchrun's DistributedDataParallel can train the task (the appendix).
    distributed: ClassVar[bool] = False
    #: Whether every forward pass of the steps runs inside ``self.autocast()``, so that
    #: ``precision="bf16"`` can train the task.
    mixed_precision: ClassVar[bool] = False

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.net: nn.Module = model
        self.autocast: Callable[[], AbstractContextManager] = contextlib.nullcontext

    def optimizers(self, config: TrainConfig) -> dict[str, torch.optim.Optimizer]:
        """Named optimizers over the trainable parameters."""
        params = [p for p in self.model.parameters() if p.requires_grad]
        return {
            "model": torch.optim.Adam(
                params, lr=config.lr, weight_decay=config.weight_decay
            )
        }

    def start_epoch(self, epoch: int) -> None:
        """Called by :func:`~acousticlib.training.fit` before each epoch's batches, with
        the 0-based ``epoch`` (also on resuming); a no-op unless a task schedules
        something by epoch (chapter 12's triplet curriculum)."""

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


class LossTask(Task):
    """A task whose training step minimises the ``"loss"`` entry of ``_losses(batch)``
    with the ``"model"`` optimizer and whose validation step reports the same terms;
    subclasses write only ``_losses`` (a dict of scalar tensors), whose forward passes
    call ``self.net`` (not ``self.model``): it then trains under torchrun and in
    bf16."""

    distributed = True
    mixed_precision = True

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def train_step(self, batch, opts):
        with self.autocast():
            losses = self._losses(batch)
        _step(opts["model"], losses["loss"])
        return _floats(losses)

    def val_step(self, batch):
        with self.autocast():
            return _floats(self._losses(batch))


class VAETask(LossTask):
    """U-VAE: minimise the negative ELBO (MSE + Huber [+ spatial] + beta KL) of the
    normalised acoustic image. ``sample``: the latent draw (None: in training mode
    only, the U-VAE's default; False: z = mu, e.g. to compare runs that cannot share
    their noise)."""

    sample: bool | None = None

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        x = generator_inputs(batch)
        out = self.net(x["audio"], x["visual"], sample=self.sample)
        return elbo_loss(
            out["recon"],
            x["target"],
            out["mu"],
            out["sigma"],
            beta=self.model.beta,
            spatial_weight=self.model.config.spatial_weight,
        )


class AdversarialTask(Task):
    """AU-VAE / MCGAN: one discriminator step, then one generator step on Eq. 3.

    Adam with ``betas=(0.5, 0.999)`` for both (the pix2pix/DCGAN convention). The
    generator's reconstruction term is the ELBO for a U-VAE generator and the MSE
    otherwise. Validation ``"loss"`` is the reconstruction MSE (AU-VAE: z = mu; MCGAN: z
    from a seeded stream), since the adversarial losses do not measure the quality of a
    generator.

    Not trained under torchrun yet (:attr:`distributed` is False: its two optimizers
    step on the generator and the discriminator in turn, which one
    ``DistributedDataParallel`` wrapper does not synchronise); ``precision="bf16"``
    works.
    """

    model: AdversarialGenerator
    mixed_precision = True

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
        with self.autocast():
            out = gen(x["audio"], x["visual"])
            fake = out["recon"]
            d_loss = discriminator_loss(disc(x["target"]), disc(fake.detach()))
        _step(opts["discriminator"], d_loss)
        disc.requires_grad_(False)  # the generator step must not touch D's gradients
        try:
            with self.autocast():
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
        with self.autocast():
            out = self.model(x["audio"], x["visual"])
        mse = float(F.mse_loss(out["recon"].float(), x["target"]))
        return {"loss": mse, "mse": mse}


class ClassifierTask(Task):
    """Classifiers (DualCamNet, the visual classifier): cross-entropy on
    ``batch[input_key]`` vs ``batch["label"]``."""

    distributed = True
    mixed_precision = True

    def __init__(self, model: nn.Module, input_key: str = "acoustic") -> None:
        super().__init__(model)
        self.input_key = input_key

    def _forward(self, batch):
        if self.input_key not in batch or "label" not in batch:
            raise ValueError(
                f"batch must have {self.input_key!r} and 'label' entries; it has "
                f"{sorted(batch)}"
            )
        with self.autocast():
            logits = self.net(batch[self.input_key].float())
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
