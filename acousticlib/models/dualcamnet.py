"""DualCamNet: the acoustic-image classifier of Sanguineti et al. 2020, used as
GAN-test/GAN-train judge.

Chapters 09-11 use it (Sanguineti et al. 2022, Sec. V-B; Sanguineti et al. 2020, Fig. 3;
``REFERENCE.md`` section 4): a temporal 3-D convolution ``7 x 1 x 1`` over the frames of
a window ("same" zero padding, so any number of frames T works), then per frame a ``5 x
5`` conv to 32 channels, max-pool ``3 x 3`` stride 3 (36 x 48 -> 12 x 16), a ``5 x 5``
conv to 128 channels: the ``12 x 16 x 128`` map of Sanguineti et al. 2020. The
classification head averages that map over time and space and applies a linear layer
(Sanguineti et al. 2020: "a simple average pooling layer followed by a fully connected
layer").

Chapter 12 distils its window map (:meth:`DualCamNet.acoustic_map`, the ``12 x 16`` map
averaged over time) into HearNet.

With ``num_classes=1`` and single frames (T = 1, where the temporal kernel sees only its
centre tap) the same network is the discriminator of AU-VAE and MCGAN
(:func:`~acousticlib.models.gan.discriminator`).

``batch_norm=True`` adds batch normalization after each 5 x 5 convolution. The seeds do
not describe normalization layers; the book's GAN-test/GAN-train judges use it (chapter
11): on the book's 160 training windows the plain network reached 0.15-0.2 validation
accuracy after 20 epochs, the normalized one 0.4-0.5. The discriminators stay plain.

``pool`` chooses how the head reads the time-averaged ``12 x 16`` map: ``"avg"``, the
papers' global average (the default: every model but the judge), ``"max"``,
``"avgmax"`` (average and maximum side by side) or ``"attention"`` (a softmax over the
map's cells of a learned 1 x 1 score, then the weighted average). A sound fills a few
cells of the map; averaging over all 192 dilutes it with background. The other pools
deviate from the papers, as does ``dropout`` (before the head); they are options for
chapter 11's judge (``acousticlib.experiments.JUDGE_MODEL``), off by default.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import one_of, positive
from .uvae import N_MFCC, minmax_per_sample
from .visual import ACOUSTIC_GRID

#: Channels of the two 5 x 5 convolutions in Sanguineti et al. 2020 (the ``full``
#: profile).
PAPER_CHANNELS: tuple[int, int] = (32, 128)
#: Widths per run profile (``full`` = Sanguineti et al. 2020); used for classifiers and
#: discriminators alike.
PROFILE_CHANNELS: dict[str, tuple[int, int]] = {
    "smoke": (8, 16),
    "book": (16, 32),
    "full": PAPER_CHANNELS,
}
#: How the head pools the window's map: the papers' average and the judge's deviations.
POOLS: tuple[str, ...] = ("avg", "max", "avgmax", "attention")


class DualCamNet(nn.Module):
    """DualCamNet classifier over windows of acoustic images.

    Parameters
    ----------
    num_classes:
        Output logits (10 classes in the book; 1 for a discriminator).
    channels:
        Channels of the two 5 x 5 convolutions: ``(32, 128)`` in Sanguineti et al.
        2020; narrower in the ``book`` profile for CPU speed.
    temporal_kernel:
        Length (frames) of the temporal convolution, 7 in Sanguineti et al. 2020.
    normalize:
        Min-max normalise each frame to [0, 1] first, so real, generated and tiled-MFCC
        images are seen on the same scale (the generators' targets are normalised this
        way).
    batch_norm:
        Batch normalization after each 5 x 5 convolution (not in the papers; the
        book's judges).
    pool:
        How the head pools the time-averaged map over space (:data:`POOLS`):
        ``"avg"`` as in the papers; ``"max"``, ``"avgmax"`` (``2 * channels[1]``
        features) and ``"attention"`` (learned weights over the cells) are
        deviations, for chapter 11's judge.
    dropout:
        Probability of dropout on the pooled features before the linear head (0: none,
        as in the papers).

    ``forward`` takes ``(B, T, 12, 36, 48)`` windows (T = 12 for 1 s) or single frames
    ``(B, 12, 36, 48)`` and returns logits ``(B, num_classes)``.
    """

    def __init__(
        self,
        num_classes: int = 10,
        channels: Sequence[int] = PAPER_CHANNELS,
        *,
        temporal_kernel: int = 7,
        normalize: bool = True,
        in_channels: int = N_MFCC,
        batch_norm: bool = False,
        pool: str = "avg",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.num_classes = positive("num_classes", num_classes, integer=True)
        if len(channels) != 2:
            raise ValueError(
                f"channels must be two widths (conv 1, conv 2); got {tuple(channels)}"
            )
        c1, c2 = (positive("channels", c, integer=True) for c in channels)
        k = positive("temporal_kernel", temporal_kernel, integer=True)
        if k % 2 == 0:
            raise ValueError(
                f"temporal_kernel must be odd (centred 'same' padding); got {k}"
            )
        self.in_channels = positive("in_channels", in_channels, integer=True)
        self.normalize = bool(normalize)
        self.temporal = nn.Sequential(
            nn.Conv3d(in_channels, in_channels, (k, 1, 1), padding=(k // 2, 0, 0)),
            nn.ReLU(inplace=True),
        )
        if not isinstance(batch_norm, bool):
            raise TypeError(f"batch_norm must be True or False; got {batch_norm!r}")
        self.batch_norm = batch_norm

        def norm(c: int) -> list[nn.Module]:
            return [nn.BatchNorm2d(c)] if batch_norm else []

        self.spatial = nn.Sequential(
            nn.Conv2d(in_channels, c1, 5, padding=2),
            *norm(c1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=3),
            nn.Conv2d(c1, c2, 5, padding=2),
            *norm(c2),
            nn.ReLU(inplace=True),
        )
        self.pool = one_of("pool", pool, POOLS)
        if isinstance(dropout, bool) or not 0.0 <= float(dropout) < 1.0:
            raise ValueError(
                f"dropout must be a probability in [0, 1); got {dropout!r}"
            )
        # no module at 0: the default network draws no random numbers in forward
        # no module at 0, so the papers' network prints and saves as before
        self.dropout = nn.Dropout(float(dropout)) if dropout else None
        if pool == "attention":
            # one score per cell of the map; softmax over the cells weighs the average
            self.attention = nn.Conv2d(c2, 1, 1)
        self.embedding_size = 2 * c2 if pool == "avgmax" else c2
        self.head = nn.Linear(self.embedding_size, self.num_classes)

    def _windows(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor; got {type(x).__name__}")
        if x.ndim == 4:
            x = x[:, None]
        if x.ndim != 5 or tuple(x.shape[2:]) != (self.in_channels, *ACOUSTIC_GRID):
            raise ValueError(
                f"x must have shape (B, T, {self.in_channels}, 36, 48) or (B, "
                f"{self.in_channels}, 36, 48); "
                f"got {tuple(x.shape)}"
            )
        # float16 windows (the book's stored images) are computed in float32
        return x.float()

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """Per-frame feature maps ``(B, T, channels[1], 12, 16)`` of windows or
        frames."""
        x = self._windows(x)
        b, t = x.shape[:2]
        if self.normalize:
            x = minmax_per_sample(x, start_dim=2)
        h = self.temporal(x.transpose(1, 2))  # (B, C, T, H, W)
        h = self.spatial(
            h.transpose(1, 2).reshape(b * t, self.in_channels, *ACOUSTIC_GRID)
        )
        return h.view(b, t, *h.shape[1:])

    def acoustic_map(self, x: torch.Tensor) -> torch.Tensor:
        """The window's map ``(B, channels[1], 12, 16)``: :meth:`feature_map` averaged
        over time, before the head (chapter 12's teacher map; the head applied to its
        spatial mean gives the logits of ``forward``)."""
        return self.feature_map(x).mean(dim=1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Embedding ``(B, embedding_size)``: the feature map averaged over time and
        pooled over space as ``pool`` says (``"avg"``: averaged, ``channels[1]``
        features; ``"avgmax"``: ``2 * channels[1]``)."""
        if self.pool == "avg":
            return self.feature_map(x).mean(dim=(1, 3, 4))
        m = self.acoustic_map(x)  # (B, C, 12, 16)
        if self.pool == "max":
            return m.amax(dim=(2, 3))
        if self.pool == "avgmax":
            return torch.cat([m.mean(dim=(2, 3)), m.amax(dim=(2, 3))], dim=1)
        w = torch.softmax(self.attention(m).flatten(1), dim=1)  # (B, 12 * 16)
        return torch.einsum("bcn,bn->bc", m.flatten(2), w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, num_classes)``."""
        x = self.embed(x)
        return self.head(x if self.dropout is None else self.dropout(x))


class AcousticMapNet(nn.Module):
    """A :class:`DualCamNet` seen through :meth:`DualCamNet.acoustic_map`: windows
    ``(B, T, 12, 36, 48)`` -> maps ``(B, C, 12, 16)`` (chapter 12).

    The acoustic-image stream of the self-supervised teacher and the transfer term's
    frozen teacher read maps, not logits; this wrapper shares the network's parameters
    (training it trains ``net``), so the same DualCamNet can later be evaluated by its
    head.
    """

    def __init__(self, net: DualCamNet) -> None:
        super().__init__()
        if not isinstance(net, DualCamNet):
            raise TypeError(f"net must be a DualCamNet; got {type(net).__name__}")
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Maps ``(B, C, 12, 16)`` of windows ``(B, T, 12, 36, 48)``."""
        return self.net.acoustic_map(x)
