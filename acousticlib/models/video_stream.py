"""The video stream of the self-supervised distillation: a ResNet-18 trained from
scratch, cut to a ``12 x 16`` map over the acoustic grid (chapter 12).

Sanguineti et al. 2020 (Sec. 4.2, ``REFERENCE.md`` section 4) feed ``224 x 298`` frames
to a ResNet-18 without its fourth stage (stages of 64, 128 and 256 channels, output
stride 16: a ``14 x 19`` map) and add a ``3 x 4`` *valid* convolution to 128 channels,
which trims the borders to the ``12 x 16 x 128`` grid of DualCamNet's map. No ImageNet
weights: the stream learns only from the pretext task.

The book's frames are ``144 x 192``, and ``144 / 12 = 192 / 16 = 12``: an output stride
of exactly 12 lands on the grid, so we reach it by the strides themselves instead of
trimming, and every cell stands for its own ``12 x 12`` block of pixels (the ``3 x 3``
acoustic pixels DualCamNet's cell pools). The layer plan (two torchvision
``BasicBlock`` per stage, batch normalization after every convolution)::

    part     layers                                          output    stride
    stem     conv 7 x 7 / 2, BN, ReLU, max-pool 3 x 3 / 2    36 x 48   4
    stage 1  2 blocks of c1 channels                         36 x 48   4
    stage 2  2 blocks of c2, the first of stride 3           12 x 16   12
    stage 3  2 blocks of c3                                  12 x 16   12
    head     conv 3 x 3 ("same"), BN, ReLU to C channels     12 x 16   12

Stage 1 works at the acoustic images' own ``36 x 48`` grid (one cell = one acoustic
pixel = 4 x 4 pixels). Stage 2 goes to ``12 x 16`` in one stride-3 step, as
DualCamNet's ``3 x 3`` max-pool of stride 3 does: its first convolution is ``3 x 3``
with stride 3 and no padding, so output cell ``i`` reads exactly stage-1 cells ``3i ..
3i + 2``, and its shortcut averages the same ``3 x 3`` block before a ``1 x 1``
convolution (a strided ``1 x 1`` would read cell ``3i`` alone). Stage 3 has stride 1
(the paper's halves its map once more, to output stride 16). The head plays the part of
the paper's ``3 x 4`` convolution (128 channels, BN, ReLU) but with zero padding, which
keeps the cells in place. The stem's symmetric padding keeps even
positions, so each cell is centred 1.5 pixels above and left of its block's centre (an
eighth of a cell; chapter 12's test measures it).

Widths (:data:`PROFILE_STAGES`, the map's channels ``C`` from
:data:`~acousticlib.models.dualcamnet.PROFILE_CHANNELS`): ``full`` the paper's (64,
128, 256) and 128, ``book`` (16, 32, 64) and 32, ``smoke`` (4, 8, 16) and 16.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

from .._checks import positive
from .dualcamnet import PROFILE_CHANNELS
from .visual import _IMAGENET_MEAN, _IMAGENET_STD, VISUAL_GRID

#: The book's frame size (rows, columns) in pixels, which the stream maps to 12 x 16.
FRAME_SIZE: tuple[int, int] = (144, 192)
#: Pixels per map cell along each axis: ``144 / 12 = 192 / 16``.
CELL_PIXELS = FRAME_SIZE[0] // VISUAL_GRID[0]
#: Channels of the three stages in Sanguineti et al. 2020 (ResNet-18 without stage 4).
PAPER_STAGES: tuple[int, int, int] = (64, 128, 256)
#: Stage channels per run profile; the map's channels are
#: ``PROFILE_CHANNELS[profile][1]``.
PROFILE_STAGES: dict[str, tuple[int, int, int]] = {
    "smoke": (4, 8, 16),
    "book": (16, 32, 64),
    "full": PAPER_STAGES,
}


def _stage(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    """Two ``BasicBlock``; the first changes the width and, for stride 3, reads each
    ``3 x 3`` block of cells once (see the module docstring)."""
    shortcut = None
    if stride != 1 or c_in != c_out:
        pool = [nn.AvgPool2d(stride, stride)] if stride != 1 else []
        shortcut = nn.Sequential(
            *pool, nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out)
        )
    first = BasicBlock(c_in, c_out, stride=stride, downsample=shortcut)
    if stride != 1:
        first.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=0, bias=False)
    return nn.Sequential(first, BasicBlock(c_out, c_out))


class VideoStream(nn.Module):
    """ResNet-18-style stream from scratch: frames ``(B, 3, 144, 192)`` in [0, 1] ->
    map ``(B, out_channels, 12, 16)``.

    Parameters
    ----------
    stage_channels:
        Channels of the three stages, ``(64, 128, 256)`` in Sanguineti et al. 2020.
    out_channels:
        Channels ``C`` of the map, 128 in the paper; it must equal DualCamNet's map
        channels and HearNet's embedding size (the similarity map multiplies them).
    imagenet_normalization:
        Standardise frames with the ImageNet mean and standard deviation first (the
        paper subtracts the ImageNet mean; no ImageNet weights are used).

    The layer plan and why it reaches 12 x 16 exactly are in the module docstring.
    """

    def __init__(
        self,
        stage_channels: Sequence[int] = PAPER_STAGES,
        out_channels: int = PROFILE_CHANNELS["full"][1],
        *,
        imagenet_normalization: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(stage_channels, (str, bytes)) or len(stage_channels) != 3:
            raise ValueError(
                f"stage_channels must be three widths (stages 1-3); got "
                f"{stage_channels!r}"
            )
        c1, c2, c3 = (
            positive("stage_channels", c, integer=True) for c in stage_channels
        )
        self.out_channels = positive("out_channels", out_channels, integer=True)
        self.imagenet_normalization = bool(imagenet_normalization)
        self.stem = nn.Sequential(
            nn.Conv2d(3, c1, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(c1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        self.stages = nn.Sequential(
            _stage(c1, c1, 1), _stage(c1, c2, 3), _stage(c2, c3, 1)
        )
        self.head = nn.Sequential(
            nn.Conv2d(c3, self.out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(self.out_channels),
            nn.ReLU(inplace=True),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        self.register_buffer(
            "mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False
        )
        self.register_buffer(
            "std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False
        )

    def _frames(self, frames: torch.Tensor) -> torch.Tensor:
        if not isinstance(frames, torch.Tensor):
            raise TypeError(
                f"frames must be a torch.Tensor; got {type(frames).__name__}"
            )
        if not frames.is_floating_point():
            raise TypeError(
                f"frames must be floats in [0, 1] (divide uint8 frames by 255); got "
                f"{frames.dtype}"
            )
        if frames.ndim != 4 or tuple(frames.shape[1:]) != (3, *FRAME_SIZE):
            raise ValueError(
                f"frames must have shape (B, 3, {FRAME_SIZE[0]}, {FRAME_SIZE[1]}) (the "
                f"book's frames; resample others first); got {tuple(frames.shape)}"
            )
        x = frames.float()
        return (x - self.mean) / self.std if self.imagenet_normalization else x

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """Map ``(B, out_channels, 12, 16)`` of frames ``(B, 3, 144, 192)``; cell ``(i,
        j)`` stands for pixels ``12 i .. 12 i + 11`` by ``12 j .. 12 j + 11``."""
        return self.head(self.stages(self.stem(self._frames(frames))))
