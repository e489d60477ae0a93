"""Chapter 12's composite models, built from the specs of their streams: two streams
trained together (:class:`AudioVisualPair`) and a stream with a class layer
(:class:`StreamClassifier`).

Sanguineti et al. 2020 train an audio network (HearNet on one microphone, or DualCamNet
on acoustic images) together with a video network by the triplet loss
(:mod:`acousticlib.triplet`), and compare them with the same networks trained on the
class labels. The registry (:func:`acousticlib.models.model_spec` names ``"av_pair"``
and ``"stream_classifier"``) builds both from plain specs, so that
:func:`acousticlib.training.train_cached` caches them like every other model.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import positive


class AudioVisualPair(nn.Module):
    """The two streams trained together by the triplet loss (chapter 12).

    ``audio``: a network giving ``(B, D)`` vectors (HearNet) or ``(B, D, H, W)`` maps
    (DualCamNet); ``video``: a network giving ``(B, D, H, W)`` maps (ResNet-18 cut to a
    12 x 16 x 128 map). ``forward(audio_input, video_input)`` returns both outputs;
    :class:`acousticlib.training.TripletTask` calls the two submodules itself.
    """

    def __init__(self, audio: nn.Module, video: nn.Module) -> None:
        super().__init__()
        for name, net in (("audio", audio), ("video", video)):
            if not isinstance(net, nn.Module):
                raise TypeError(
                    f"{name} must be a torch.nn.Module; got {type(net).__name__}"
                )
        self.audio = audio
        self.video = video

    def forward(
        self, audio_input: torch.Tensor, video_input: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(audio embedding, video map)`` of one batch."""
        return self.audio(audio_input), self.video(video_input)


class StreamClassifier(nn.Module):
    """A stream with one linear class layer on its embedding: the supervised
    baselines of chapter 12 (Sanguineti et al. 2020, Table 2).

    ``stream``: HearNet (its ``(B, D)`` vector is the embedding) or the video stream
    (its ``(B, D, 12, 16)`` map averaged over the grid is the embedding, as DualCamNet's
    head averages its map); ``embedding``: ``D``; ``num_classes``: the logits.
    :meth:`embed` gives the embedding, ``forward`` the logits ``(B, num_classes)``.
    DualCamNet needs no wrapper: it is a classifier of this form already.
    """

    def __init__(self, stream: nn.Module, embedding: int, num_classes: int) -> None:
        super().__init__()
        if not isinstance(stream, nn.Module):
            raise TypeError(
                f"stream must be a torch.nn.Module; got {type(stream).__name__}"
            )
        self.stream = stream
        self.embedding_size = positive("embedding", embedding, integer=True)
        self.num_classes = positive("num_classes", num_classes, integer=True)
        self.head = nn.Linear(self.embedding_size, self.num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Embedding ``(B, D)``: the stream's vector, or its map averaged over the
        grid."""
        z = self.stream(x)
        return z.mean(dim=(2, 3)) if z.ndim == 4 else z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, num_classes)``."""
        return self.head(self.embed(x))


class LinearProbe(nn.Module):
    """One linear layer on fixed features: chapter 13's video classifier, chapter 07's
    frozen trunk with a linear head.

    ``forward(x)`` takes features ``(B, in_features)`` (e.g. the trunk's map averaged
    over the grid and the frames of a 1-s window) and returns logits ``(B,
    num_classes)``.
    """

    def __init__(self, in_features: int, num_classes: int = 10) -> None:
        super().__init__()
        self.in_features = positive("in_features", in_features, integer=True)
        self.num_classes = positive("num_classes", num_classes, integer=True)
        self.head = nn.Linear(self.in_features, self.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, num_classes)``."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"x must be (B, {self.in_features}) features; got {tuple(x.shape)}"
            )
        return self.head(x.float())
