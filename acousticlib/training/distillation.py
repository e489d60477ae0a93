"""The tasks of chapter 12: self-supervised audio-visual training, distillation from
acoustic images, and supervised distillation (Sanguineti et al. 2020).

Each is a :class:`~acousticlib.training.Task` for the one loop, passed as
``fit(model, data, val, config, task=...)`` (:func:`~acousticlib.training.task_for`
does not pick them):

* :class:`TripletTask`: an audio and a video network (an
  :class:`~acousticlib.triplet.AudioVisualPair`) trained together by the audio-video
  triplet loss, with the curriculum: all triplets for the first ``curriculum_epochs``
  epochs, then the hardest (the hook :meth:`Task.start_epoch` tells it the epoch).
* :class:`TransferTask`: the same, plus the transfer term towards a frozen teacher's
  acoustic-image embedding, weighted by ``alpha`` (Eq. 2).
* :class:`DistillationTask`: a classifier trained on labels and on a frozen teacher
  classifier's softened outputs (Hinton et al. 2015).

Batch entries (keys configurable): ``"audio"`` the audio network's input (HearNet's
spectrogram), ``"frame"`` the video network's input, ``"acoustic"`` the teacher's input
(DualCamNet's acoustic images), ``"label"`` the class (distillation only), and
optionally ``"clip"``, the clip of each item: items of the same clip are positives of
each other, never negatives (without it every item is its own clip).

A teacher is frozen in place (``requires_grad_(False)``, evaluation mode), is not a
submodule of the trained model (so checkpoints and the best-epoch weights hold the
student only), runs under ``torch.no_grad`` and follows the batch to its device.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .._checks import in_range, positive
from ..losses import distillation_loss
from ..triplet import (
    CURRICULUM_EPOCHS,
    MARGIN,
    audio_visual_distances,
    audio_visual_triplet_loss,
    curriculum_mining,
    transfer_loss,
    triplet_accuracy,
)
from .tasks import LossTask, Task, _floats, _step


def _entries(batch: Mapping[str, torch.Tensor], *keys: str) -> list[torch.Tensor]:
    missing = [k for k in keys if k not in batch]
    if missing:
        raise ValueError(
            f"batch must have the entries {list(keys)}; it lacks {missing} (it has "
            f"{sorted(batch)})"
        )
    return [batch[k].float() for k in keys]


def _frozen(teacher: nn.Module, model: nn.Module) -> nn.Module:
    if not isinstance(teacher, nn.Module):
        raise TypeError(
            f"teacher must be a torch.nn.Module; got {type(teacher).__name__}"
        )
    own = {id(p) for p in model.parameters()}
    if any(id(p) in own for p in teacher.parameters()):
        raise ValueError(
            "teacher must not share parameters with the model being trained"
        )
    return teacher.requires_grad_(False).eval()


def _teach(teacher: nn.Module, x: torch.Tensor) -> torch.Tensor:
    teacher.eval()
    p = next(teacher.parameters(), None)
    if p is not None and p.device != x.device:
        teacher.to(x.device)
    with torch.no_grad():
        return teacher(x)


def check_two_streams(model: nn.Module) -> None:
    """TypeError unless ``model`` holds ``audio`` and ``video`` submodules (an
    :class:`~acousticlib.triplet.AudioVisualPair`): the two-stream tasks of chapters 12
    and 14 train both."""
    for part in ("audio", "video"):
        if not isinstance(getattr(model, part, None), nn.Module):
            raise TypeError(
                f"model must hold an {part!r} submodule (e.g. an AudioVisualPair);"
                f" {type(model).__name__} has none"
            )


class TripletTask(Task):
    """Self-supervised training of an audio and a video stream by the audio-video
    triplet loss (chapter 12; Sanguineti et al. 2020, Section 4.3).

    ``model``: holds ``model.audio`` (``(B, D)`` vectors or ``(B, D, H, W)`` maps) and
    ``model.video`` (``(B, D, H, W)`` maps), e.g. an
    :class:`~acousticlib.triplet.AudioVisualPair`; both are trained, by one Adam (the
    paper: 1e-5, batch 64, in ``TrainConfig``). Loss:
    :func:`~acousticlib.triplet.audio_visual_triplet_loss` with ``margin`` (0.2), mined
    by :func:`~acousticlib.triplet.curriculum_mining`: ``"all"`` for the first
    ``curriculum_epochs`` epochs (4, as the authors' code), ``"hardest"`` after.
    ``audio_key``, ``video_key``: the batch entries the two streams read;
    ``identity_key``: the entry naming each item's clip (``None``, or absent from a
    batch: every item is its own clip); ``rectify_audio``: a ReLU on the audio before
    the loss (the authors' HearNet). Training logs ``"loss"`` and ``"hardest_mining"``
    (1 when the epoch mined the hardest triplets); validation always mines all the
    triplets (as the authors' validation does), so its ``"loss"`` compares across
    epochs, and logs ``"triplet_accuracy"``, the share of triplets that meet the
    margin.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        margin: float = MARGIN,
        curriculum_epochs: int = CURRICULUM_EPOCHS,
        audio_key: str = "audio",
        video_key: str = "frame",
        identity_key: str | None = "clip",
        rectify_audio: bool = False,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"model must be a torch.nn.Module; got {type(model).__name__}"
            )
        check_two_streams(model)
        super().__init__(model)
        self.margin = positive("margin", margin, allow_zero=True)
        self.curriculum_epochs = positive(
            "curriculum_epochs", curriculum_epochs, integer=True, allow_zero=True
        )
        self.audio_key, self.video_key = audio_key, video_key
        self.identity_key = identity_key
        self.rectify_audio = bool(rectify_audio)
        self.mining = curriculum_mining(0, self.curriculum_epochs)

    def start_epoch(self, epoch: int) -> None:
        """Set the mining mode of 0-based ``epoch`` (the curriculum)."""
        self.mining = curriculum_mining(epoch, self.curriculum_epochs)

    def _ids(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor | None:
        if self.identity_key is None or self.identity_key not in batch:
            return None
        return batch[self.identity_key].reshape(-1)

    def _streams(
        self, batch: Mapping[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        audio_in, video_in = _entries(batch, self.audio_key, self.video_key)
        return self.model.audio(audio_in), self.model.video(video_in)

    def _losses(
        self, batch: Mapping[str, torch.Tensor], mining: str
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """The loss terms of one batch, and the two streams' outputs."""
        audio, video = self._streams(batch)
        loss = audio_visual_triplet_loss(
            audio,
            video,
            self._ids(batch),
            margin=self.margin,
            mining=mining,
            rectify_audio=self.rectify_audio,
        )
        return {"loss": loss}, audio, video

    def train_step(self, batch, opts):
        losses, _, _ = self._losses(batch, self.mining)
        _step(opts["model"], losses["loss"])
        return {
            **_floats(losses),
            "hardest_mining": float(self.mining == "hardest"),
        }

    def val_step(self, batch):
        losses, audio, video = self._losses(batch, "all")
        if self.rectify_audio:
            audio = torch.relu(audio)
        d = audio_visual_distances(audio, video)
        accuracy = triplet_accuracy(d, self._ids(batch), margin=self.margin)
        return {**_floats(losses), "triplet_accuracy": float(accuracy)}


class TransferTask(TripletTask):
    """Self-supervised distillation from acoustic images (chapter 12; Sanguineti et al.
    2020, Section 4.4, Eq. 2): :class:`TripletTask` whose loss is
    :func:`~acousticlib.triplet.transfer_loss`, ``alpha * transfer + (1 - alpha) *
    video``.

    ``teacher``: the pre-trained acoustic-image network (DualCamNet), giving ``(B, D,
    H, W)`` maps (summed over the grid) or ``(B, D)`` vectors from
    ``batch[teacher_key]``; frozen in place, never trained. ``alpha`` in [0, 1] (0: no
    transfer, :class:`TripletTask`'s loss). The curriculum mines both terms alike.
    Logs ``"loss"``, ``"transfer"``, ``"video"`` (and ``"hardest_mining"`` in training,
    ``"triplet_accuracy"`` of the video term in validation); other arguments as
    :class:`TripletTask`.
    """

    def __init__(
        self,
        model: nn.Module,
        teacher: nn.Module,
        alpha: float,
        *,
        teacher_key: str = "acoustic",
        margin: float = MARGIN,
        curriculum_epochs: int = CURRICULUM_EPOCHS,
        audio_key: str = "audio",
        video_key: str = "frame",
        identity_key: str | None = "clip",
        rectify_audio: bool = False,
    ) -> None:
        super().__init__(
            model,
            margin=margin,
            curriculum_epochs=curriculum_epochs,
            audio_key=audio_key,
            video_key=video_key,
            identity_key=identity_key,
            rectify_audio=rectify_audio,
        )
        self.alpha = in_range("alpha", alpha, 0.0, 1.0)
        self.teacher = _frozen(teacher, model)
        self.teacher_key = teacher_key

    def _losses(self, batch, mining):
        (acoustic,) = _entries(batch, self.teacher_key)
        audio, video = self._streams(batch)
        losses = transfer_loss(
            audio,
            _teach(self.teacher, acoustic),
            video,
            self.alpha,
            self._ids(batch),
            margin=self.margin,
            mining=mining,
            rectify_audio=self.rectify_audio,
        )
        return losses, audio, video


class DistillationTask(LossTask):
    """Supervised distillation of a classifier (chapter 12's supervised baseline):
    :func:`~acousticlib.losses.distillation_loss`, ``(1 - lambda_teacher) * CE(labels)
    + lambda_teacher * T^2 * CE(softened teacher)``.

    ``model``: the student classifier, reading ``batch[input_key]`` (HearNet with a
    class layer); ``teacher``: a trained classifier over the same classes, reading
    ``batch[teacher_key]`` (DualCamNet), frozen in place. ``lambda_teacher = 0.5``,
    ``temperature = 1`` (the authors' values, ``REFERENCE.md`` section 4). Logs
    ``"loss"``, ``"ce"``, ``"soft"``, ``"accuracy"`` (of the student on the labels).
    """

    def __init__(
        self,
        model: nn.Module,
        teacher: nn.Module,
        *,
        lambda_teacher: float = 0.5,
        temperature: float = 1.0,
        input_key: str = "audio",
        teacher_key: str = "acoustic",
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"model must be a torch.nn.Module; got {type(model).__name__}"
            )
        super().__init__(model)
        self.lambda_teacher = in_range("lambda_teacher", lambda_teacher, 0.0, 1.0)
        self.temperature = positive("temperature", temperature)
        self.teacher = _frozen(teacher, model)
        self.input_key, self.teacher_key = input_key, teacher_key

    def _losses(self, batch):
        x, acoustic = _entries(batch, self.input_key, self.teacher_key)
        if "label" not in batch:
            raise ValueError(f"batch must have a 'label' entry; it has {sorted(batch)}")
        logits = self.net(x)
        labels = batch["label"].long()
        losses = distillation_loss(
            logits,
            labels,
            _teach(self.teacher, acoustic),
            self.lambda_teacher,
            self.temperature,
        )
        losses["accuracy"] = (logits.detach().argmax(1) == labels).float().mean()
        return losses
