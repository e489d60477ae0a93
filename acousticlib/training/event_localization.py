"""The tasks of chapter 16: Ramaswamy and Das's event localizer (WACV 2020) trained
three ways, each a :class:`~acousticlib.training.tasks.LossTask` passed to
:func:`~acousticlib.training.fit` as ``task=``.

* :class:`SupervisedEventTask`: one class per segment, the segment cross-entropy
  (:func:`~acousticlib.losses.segment_cross_entropy`).
* :class:`WeakEventTask`: one class per clip, MIL pooling of the segments'
  probabilities then the clip-level cross-entropy (
  :func:`~acousticlib.losses.mil_loss`); it still predicts, and validates, every
  segment.
* :class:`AVTGMLTask`: no labels; the Audio Visual Triplet Gram Matrix Loss (Eqs.
  13-16, :func:`~acousticlib.losses.avtgml_loss`) between the visual SWAB's segments,
  the clip's audio and another clip's audio.

Batch entries (keys configurable): ``"visual"`` the feature maps ``(B, T, C_v, H,
W)``, ``"audio"`` the audio embeddings ``(B, T, D_a)``, ``"labels"`` the segments'
classes ``(B, T)``, ``"label"`` the clip's class ``(B,)`` and, optionally,
``"negative_audio"`` ``(B, T, D_a)`` (AVTGML's negative; absent: each clip takes the
audio of the batch's next clip).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .._checks import positive
from ..losses import (
    AVTGML_MARGIN,
    avtgml_loss,
    clip_probabilities,
    gram_similarity,
    mil_loss,
    segment_cross_entropy,
)
from .tasks import LossTask


def _entries(batch: Mapping[str, torch.Tensor], *keys: str) -> list[torch.Tensor]:
    missing = [k for k in keys if k not in batch]
    if missing:
        raise KeyError(f"the batch has no {missing} entries; it has {sorted(batch)}")
    return [batch[k] for k in keys]


class _EventTask(LossTask):
    """Shared by the three tasks: the model and the keys of its inputs."""

    def __init__(
        self,
        model: nn.Module,
        *,
        visual_key: str = "visual",
        audio_key: str = "audio",
    ) -> None:
        super().__init__(model)
        self.visual_key, self.audio_key = visual_key, audio_key

    def _forward(self, batch: Mapping[str, torch.Tensor], **kwargs):
        visual, audio = _entries(batch, self.visual_key, self.audio_key)
        return self.net(visual, audio, **kwargs)


def _segment_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return (logits.argmax(-1) == labels.long()).float().mean()


class SupervisedEventTask(_EventTask):
    """Supervised event localization (chapter 16): the segment cross-entropy of
    ``model(visual, audio)["logits"]`` against ``batch[labels_key]`` ``(B, T)``; logs
    ``"loss"`` and ``"accuracy"`` (the share of segments classified right)."""

    def __init__(self, model: nn.Module, *, labels_key: str = "labels", **keys) -> None:
        super().__init__(model, **keys)
        self.labels_key = labels_key

    def _losses(self, batch):
        (labels,) = _entries(batch, self.labels_key)
        logits = self._forward(batch)["logits"]
        return {
            "loss": segment_cross_entropy(logits, labels),
            "accuracy": _segment_accuracy(logits.detach(), labels),
        }


class WeakEventTask(_EventTask):
    """Weakly supervised event localization (chapter 16):
    :func:`~acousticlib.losses.mil_loss` of the segment logits against the clip's class
    ``batch[label_key]``
    ``(B,)``. Logs ``"loss"``, ``"clip_accuracy"`` (the MIL-pooled prediction) and,
    where the batch has ``labels_key`` ``(B, T)`` (validation), ``"accuracy"``: the
    segments' (the paper's measure)."""

    def __init__(
        self,
        model: nn.Module,
        *,
        label_key: str = "label",
        labels_key: str = "labels",
        **keys,
    ) -> None:
        super().__init__(model, **keys)
        self.label_key, self.labels_key = label_key, labels_key

    def _losses(self, batch):
        (label,) = _entries(batch, self.label_key)
        logits = self._forward(batch)["logits"]
        clip = clip_probabilities(logits.detach()).argmax(-1)
        logs = {
            "loss": mil_loss(logits, label),
            "clip_accuracy": (clip == label.long()).float().mean(),
        }
        if self.labels_key in batch:
            labels = batch[self.labels_key]
            logs["accuracy"] = _segment_accuracy(logits.detach(), labels)
        return logs


class AVTGMLTask(_EventTask):
    """Unsupervised sound localization (chapter 16):
    :func:`~acousticlib.losses.avtgml_loss` (Eq. 16, ``margin`` gamma =
    :data:`~acousticlib.losses.AVTGML_MARGIN`) of the visual SWAB's ``s^v``, the audio
    SWAB's ``s^{a+}`` and
    ``s^{a-}`` of the negative audio: ``batch[negative_key]`` where present, else the
    audio of the next clip of the batch (a batch of at least 2 clips). The model must
    have both streams and SWAB. Logs ``"loss"``, ``"d_pos"``, ``"d_neg"`` (Eq. 15's
    means) and ``"triplet_accuracy"`` (the share of clips with ``d_pos > d_neg``)."""

    def __init__(
        self,
        model: nn.Module,
        *,
        margin: float = AVTGML_MARGIN,
        negative_key: str = "negative_audio",
        **keys,
    ) -> None:
        super().__init__(model, **keys)
        self.margin = positive("margin", margin, allow_zero=True)
        self.negative_key = negative_key

    def negatives(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The negative audio ``(B, T, D_a)`` of each clip (see the class)."""
        if self.negative_key in batch:
            return batch[self.negative_key]
        (audio,) = _entries(batch, self.audio_key)
        if audio.shape[0] < 2:
            raise ValueError(
                f"AVTGML takes each clip's negative from another clip of the batch; "
                f"the batch has {audio.shape[0]} clip (pass {self.negative_key!r})"
            )
        return audio.roll(1, dims=0)

    def _losses(self, batch):
        out = self._forward(batch, negative_audio=self.negatives(batch))
        v, pos, neg = out["s_visual"], out["s_audio"], out["s_audio_negative"]
        if v is None or pos is None:
            raise ValueError(
                "AVTGMLTask needs a model with both streams and SWAB (s_visual and "
                "s_audio)"
            )
        v, pos, neg = v.float(), pos.float(), neg.float()
        d_pos = gram_similarity(v.detach(), pos.detach())
        d_neg = gram_similarity(v.detach(), neg.detach())
        return {
            "loss": avtgml_loss(v, pos, neg, self.margin),
            "d_pos": d_pos.mean(),
            "d_neg": d_neg.mean(),
            "triplet_accuracy": (d_pos > d_neg).float().mean(),
        }
