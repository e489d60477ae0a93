"""The two streams of chapter 14's cross-modal retrieval (Sanguineti et al. 2022, TIP,
Section IV-B and Fig. 3).

The TIP paper trains an audio and a video network in pairs with a triplet loss (its
Eq. 5) so that a clip's audio embedding lies near the clip's own video embedding. Both
embeddings are **feature volumes of 12 x 16 x 12** (the visual grid, 12 channels),
flattened to 2304-dimensional vectors rather than summed over space, "hence preserving
in a better way the spatial content". The book's streams:

* :class:`AcousticEmbedding`: DualCamNet's ``12 x 16`` map of an acoustic image (real,
  generated or tiled MFCC; chapter 14 feeds the clip's twelve frames averaged, a
  ``(12, 36, 48)`` image) through a 1 x 1 convolution to :data:`EMBEDDING_CHANNELS`
  channels, flattened.
* A spectrogram stream: chapter 13's VGGish-like :class:`~acousticlib.models.
  SpectrogramCNN` whose last layer gives the 2304 values ("an embedding of the same
  size"); it has no spatial layout to keep.
* :class:`VideoEmbedding`: chapter 07's frozen trunk features of the frames, ``(C, 12,
  16)`` averaged over the clip's frames, through batch normalization and two 1 x 1
  convolutions to :data:`EMBEDDING_CHANNELS` channels, flattened (the paper's video
  stream is ResNet-50 pre-trained on ImageNet; the book's trunk is its own, chapter
  07's).

``model_spec("retrieval_pair", profile, audio="acoustic" | "spectrogram",
video_channels=C)`` builds the pair as an :class:`~acousticlib.models.AudioVisualPair`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import positive
from .dualcamnet import DualCamNet
from .visual import VISUAL_GRID

#: Channels of the flattened 12 x 16 x 12 feature volumes (TIP paper, Section IV-B).
EMBEDDING_CHANNELS = 12

#: Length of a retrieval embedding: 12 x 16 x 12 = 2304.
EMBEDDING_SIZE = EMBEDDING_CHANNELS * VISUAL_GRID[0] * VISUAL_GRID[1]


class AcousticEmbedding(nn.Module):
    """Acoustic-image stream of chapter 14: DualCamNet's window map ``(B, c2, 12, 16)``
    (:meth:`DualCamNet.acoustic_map`) through a 1 x 1 convolution to ``out_channels``,
    flattened to ``(B, out_channels * 192)``.

    ``channels``: DualCamNet's two widths; ``batch_norm``: its normalization layers.
    ``forward`` takes windows ``(B, T, 12, 36, 48)`` or single images ``(B, 12, 36,
    48)`` (each min-max normalised inside DualCamNet).
    """

    def __init__(
        self,
        channels: Sequence[int] = (16, 32),
        out_channels: int = EMBEDDING_CHANNELS,
        *,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        # one class output that nobody reads: DualCamNet's head is not used here
        self.net = DualCamNet(1, tuple(channels), batch_norm=batch_norm)
        del self.net.head
        self.out_channels = positive("out_channels", out_channels, integer=True)
        self.project = nn.Conv2d(self.net.embedding_size, self.out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Flattened embedding ``(B, out_channels * 12 * 16)``."""
        return self.project(self.net.acoustic_map(x)).flatten(1)


class VideoEmbedding(nn.Module):
    """Video stream of chapter 14: frozen trunk features ``(B, in_channels, 12, 16)``
    through batch normalization, a 1 x 1 convolution to ``hidden`` channels, a ReLU and
    a 1 x 1 convolution to ``out_channels``, flattened to ``(B, out_channels * 192)``
    (the feature map keeps its grid, aligned with the acoustic image's)."""

    def __init__(
        self, in_channels: int, hidden: int = 64, out_channels: int = EMBEDDING_CHANNELS
    ) -> None:
        super().__init__()
        self.in_channels = positive("in_channels", in_channels, integer=True)
        self.hidden = positive("hidden", hidden, integer=True)
        self.out_channels = positive("out_channels", out_channels, integer=True)
        self.net = nn.Sequential(
            nn.BatchNorm2d(self.in_channels),
            nn.Conv2d(self.in_channels, self.hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(self.hidden, self.out_channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Flattened embedding ``(B, out_channels * 12 * 16)``."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must be trunk features (B, {self.in_channels}, H, W); got "
                f"{tuple(x.shape)}"
            )
        return self.net(x.float()).flatten(1)
