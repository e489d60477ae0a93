"""An EZ-VSL-style contrastive attention localizer (chapter 15).

Mo & Morgado 2022 (*Localizing visual sounds the easy way*, EZ-VSL) localize a sound in
a frame without boxes: an audio encoder turns the clip into one vector, a visual encoder
the frame into a map of vectors, and the heat map is their cosine similarity at every
location. Training needs only which clip goes with which frame: the multiple-instance
contrastive loss (:func:`mil_contrastive_loss`) takes as the similarity of a clip and a
frame the **maximum** over the frame's locations (some location must hold the sound,
which one is not known: the bag of locations is one instance of multiple-instance
learning), and asks, by InfoNCE over the batch in both directions, that each clip be
more similar to its own frame than to the other frames, and each frame to its own clip.

The book's version (:class:`AttentionLocalizer`):

* audio: the mono 1-s clip (12 288 samples) through chapter 13's VGGish-like
  :class:`~acousticlib.models.vggish.SpectrogramCNN` (its log-mel input and four
  convolution blocks; its class layer is not used) and a linear projection to ``dim``;
* vision: the frozen trunk's features ``(C, 12, 16)`` of the frame
  (:func:`acousticlib.experiments.trunk_features`, C = 256 in the book profile)
  through a 1 x 1 convolution to ``dim`` -- the only visual weights that learn, as
  the paper's generators train only what they add on the trunk;
* both L2-normalised: the heat map ``(12, 16)`` holds cosines in [-1, 1];
* temperature ``tau`` = 0.03, EZ-VSL's default: the logits are cosines / 0.03, so the
  softmax over a batch separates pairs whose cosines differ by a few hundredths.

EZ-VSL's object-guided refinement (mixing in a visual-only prior at test time) is a
step of its own, :func:`acousticlib.localization.object_guided_map`, so that the
chapter can score the heat maps with and without it.

:class:`AttentionTask` trains it with :func:`acousticlib.training.fit` on batches
``{"audio": (B, 12288), "visual": (B, C, 12, 16)}`` of matching clips and frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import positive
from ..models.vggish import SpectrogramCNN
from ..training.tasks import LossTask

#: EZ-VSL's temperature of the contrastive logits (cosine / tau).
EZVSL_TAU = 0.03


def mil_contrastive_loss(
    similarity: torch.Tensor,
    tau: float = EZVSL_TAU,
    groups: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """EZ-VSL's multiple-instance contrastive loss of a batch (chapter 15).

    ``similarity`` ``(B, B, h, w)``: the cosine of frame i's location (y, x) with clip
    j's audio at ``[i, j, y, x]`` (:meth:`AttentionLocalizer.forward`). The logit of
    the pair (i, j) is ``max over (y, x) / tau``; the loss is the cross-entropy of each
    frame against all clips (rows, target its own clip) plus that of each clip against
    all frames (columns), each averaged over the batch -- the sum of the two
    directions, as EZ-VSL's code. ``groups`` ``(B,)`` (optional): only pairs of the
    same group compete (the others' logits are left out), e.g. clips of one location,
    whose shared background then cannot tell them apart; a clip alone in its group
    adds 0. Returns ``"loss"`` and ``"accuracy"`` (the share of frames whose own clip
    has the largest logit of their row), scalars.
    """
    if similarity.ndim != 4 or similarity.shape[0] != similarity.shape[1]:
        raise ValueError(
            f"similarity must have shape (B, B, h, w); got {tuple(similarity.shape)}"
        )
    tau = positive("tau", tau)
    logits = similarity.flatten(2).amax(dim=2) / tau
    if groups is not None:
        if groups.shape != (len(logits),):
            raise ValueError(
                f"groups must have shape ({len(logits)},) (one per clip); got "
                f"{tuple(groups.shape)}"
            )
        apart = groups[:, None] != groups[None, :]
        logits = logits.masked_fill(apart.to(logits.device), float("-inf"))
    target = torch.arange(len(logits), device=logits.device)
    loss = F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)
    accuracy = (logits.argmax(dim=1) == target).float().mean()
    return {"loss": loss, "accuracy": accuracy}


class AttentionLocalizer(nn.Module):
    """Audio embedding . visual feature map -> heat map (chapter 15; see the module
    docstring).

    ``visual_channels``: C of the visual features ``(B, C, h, w)``; ``dim``: the shared
    embedding's width; ``audio_channels``/``audio_embedding``: the
    :class:`~acousticlib.models.vggish.SpectrogramCNN`'s four widths and its
    embedding; ``tau``: the temperature :class:`AttentionTask` trains with.
    """

    def __init__(
        self,
        visual_channels: int = 256,
        dim: int = 128,
        *,
        audio_channels: Sequence[int] = (16, 32, 64, 64),
        audio_embedding: int = 128,
        tau: float = EZVSL_TAU,
    ) -> None:
        super().__init__()
        self.visual_channels = positive(
            "visual_channels", visual_channels, integer=True
        )
        self.dim = positive("dim", dim, integer=True)
        self.tau = positive("tau", tau)
        self.audio = SpectrogramCNN(audio_channels, audio_embedding, num_classes=1)
        self.audio_proj = nn.Linear(self.audio.embedding_size, self.dim)
        self.visual_proj = nn.Conv2d(self.visual_channels, self.dim, 1)

    def embed_audio(self, audio: torch.Tensor) -> torch.Tensor:
        """Unit audio embeddings ``(B, dim)`` of samples ``(B, N)`` (Pa) or frames
        ``(B, T, L)``."""
        return F.normalize(self.audio_proj(self.audio.embed(audio)), dim=1)

    def embed_visual(self, visual: torch.Tensor) -> torch.Tensor:
        """Unit visual embeddings ``(B, dim, h, w)`` of features ``(B, C, h, w)``."""
        if visual.ndim != 4 or visual.shape[1] != self.visual_channels:
            raise ValueError(
                f"visual must have shape (B, {self.visual_channels}, h, w); got "
                f"{tuple(visual.shape)}"
            )
        return F.normalize(self.visual_proj(visual.float()), dim=1)

    def forward(self, audio: torch.Tensor, visual: torch.Tensor) -> torch.Tensor:
        """Cosines ``(B, B, h, w)`` of every frame's locations (axis 0) with every
        clip's audio (axis 1); the diagonal ``[i, i]`` is frame i's heat map."""
        a, v = self.embed_audio(audio), self.embed_visual(visual)
        if len(a) != len(v):
            raise ValueError(
                f"audio and visual must hold as many clips; got {len(a)} and {len(v)}"
            )
        return torch.einsum("bchw,mc->bmhw", v, a)

    @torch.no_grad()
    def heat_map(self, audio: torch.Tensor, visual: torch.Tensor) -> torch.Tensor:
        """Heat maps ``(B, h, w)``: the cosine of each frame's locations with its own
        clip's audio, in [-1, 1]."""
        a, v = self.embed_audio(audio), self.embed_visual(visual)
        if len(a) != len(v):
            raise ValueError(
                f"audio and visual must hold as many clips; got {len(a)} and {len(v)}"
            )
        return torch.einsum("bchw,bc->bhw", v, a)


class AttentionTask(LossTask):
    """Trains an :class:`AttentionLocalizer` with :func:`mil_contrastive_loss` at the
    model's ``tau`` on batches ``{"audio": (B, N), "visual": (B, C, h, w)}`` of
    matching clips and frames (chapter 15). Logs ``"loss"`` and ``"accuracy"``
    (frame -> clip retrieval within the batch); validation's ``"loss"`` depends on the
    batch size, so compare runs at one batch size. Runs under torchrun and in bf16
    (:class:`~acousticlib.training.tasks.LossTask`).

    ``grouped=True``: each sample is a group of ``k`` clips (``"audio"`` ``(B, k,
    N)``, ``"visual"`` ``(B, k, C, h, w)``, e.g. clips of one location) and only clips
    of the same group are each other's negatives (``groups`` of
    :func:`mil_contrastive_loss`).
    """

    model: AttentionLocalizer

    def __init__(self, model: nn.Module, *, grouped: bool = False) -> None:
        if not isinstance(model, AttentionLocalizer):
            raise TypeError(
                f"model must be an AttentionLocalizer; got {type(model).__name__}"
            )
        super().__init__(model)
        self.grouped = bool(grouped)

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if "audio" not in batch or "visual" not in batch:
            raise ValueError(
                f"batch must have 'audio' and 'visual' entries; it has {sorted(batch)}"
            )
        audio, visual, groups = batch["audio"], batch["visual"], None
        if self.grouped:
            if audio.ndim != 3 or visual.ndim != 5:
                raise ValueError(
                    f"grouped batches must hold audio (B, k, N) and visual (B, k, C, "
                    f"h, w); got {tuple(audio.shape)} and {tuple(visual.shape)}"
                )
            b, k = audio.shape[:2]
            groups = torch.arange(b, device=audio.device).repeat_interleave(k)
            audio, visual = audio.flatten(0, 1), visual.flatten(0, 1)
        return mil_contrastive_loss(self.net(audio, visual), self.model.tau, groups)
