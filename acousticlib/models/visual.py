"""Visual backbone: a torchvision ResNet cut to output stride 16, mapped onto the
acoustic grid.

Chapter 07 teaches it. The generators of Sanguineti et al. 2022 condition on a ``12 x 16
x C`` visual feature map that lies over the ``36 x 48`` acoustic grid (one visual cell =
3 x 3 acoustic pixels). The authors fed 224 x 298 frames to ResNet-50, cut it at output
stride 16 (a 14 x 19 map) and added a 3 x 4 *valid* convolution to reach 12 x 16 --
which trims the borders, so the cells do not sit exactly over the acoustic pixels.

We align by construction instead: every frame (144 x 192 in the book, 480 x 640 from the
real camera, any 3:4 frame) is resampled to ``input_size = 16 * scale * (12, 16)``
pixels, so that after the stride-16 trunk feature cell ``(i, j)`` stands for the frame
rows ``[i H / 12, (i + 1) H / 12)`` and columns ``[j W / 16, (j + 1) W / 16)``, i.e.
acoustic pixels ``3i..3i+2`` by ``3j..3j+2``. A ResNet's stride-2 layers with symmetric
padding keep the *even* input positions, so trunk cell ``k`` is centred on input pixel
``16 k``, the corner of its block, not its centre ``16 k + 7.5``:
:meth:`VisualBackbone.prepare` therefore shifts the resampled frame by
:data:`ALIGN_SHIFT` = 8 pixels up and left (zero padding at the bottom and right), which
leaves every cell within half a pixel of its block's centre (chapter 07 measures it).
For ``scale > 1`` an ``scale x scale`` average pool brings the map back to 12 x 16
without breaking that alignment. The added convolution is 3 x 3 with zero padding
("same"), which keeps the cell centres in place (a 3 x 4 kernel would shift them by half
a cell).

Weights are random unless ``weights`` names a local file (e.g. ImageNet weights you
have, or those chapter 07 trains). Nothing is ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch
import torchvision
from torch import nn
from torch.nn import functional as F

from .._checks import one_of, positive

#: Acoustic grid (rows, columns) and the visual map grid it is aligned with.
ACOUSTIC_GRID: tuple[int, int] = (36, 48)
VISUAL_GRID: tuple[int, int] = (12, 16)
#: Output stride of the cut ResNet trunk (conv1, max-pool, layer1, layer2, layer3).
OUTPUT_STRIDE = 16
#: Pixels by which :meth:`VisualBackbone.prepare` shifts a resampled frame up and left
#: so that trunk cells (centred on input pixels ``16 k``) sit on the centres of their
#: blocks.
ALIGN_SHIFT = OUTPUT_STRIDE // 2
#: Channels of ``layer3`` (the last stage kept) for each architecture.
TRUNK_CHANNELS: dict[str, int] = {"resnet18": 256, "resnet50": 1024}
_TRUNK_PREFIXES = ("conv1.", "bn1.", "layer1.", "layer2.", "layer3.")
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def _load_state_dict(weights: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Read a ResNet state dict from a local file (a bare state dict or ``{"state_dict":
    ...}``)."""
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise ValueError(
            f"weights must be the path of a local state-dict file; {path!r} does not "
            f"exist"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    if (
        isinstance(state, Mapping)
        and "state_dict" in state
        and isinstance(state["state_dict"], Mapping)
    ):
        state = state["state_dict"]
    if not isinstance(state, Mapping):
        raise ValueError(
            f"weights file {path!r} must hold a state dict; got {type(state).__name__}"
        )
    return {k.removeprefix("module."): v for k, v in state.items()}


class VisualBackbone(nn.Module):
    """ResNet-18/50 trunk at output stride 16 plus a 3 x 3 conv, BN, ReLU to a 12 x 16 x
    C map.

    Parameters
    ----------
    arch:
        ``"resnet18"`` (256 trunk channels) or ``"resnet50"`` (1024, the paper's
        choice).
    out_channels:
        Channels C of the visual map (12 in Sanguineti et al. 2022).
    scale:
        Frames are resampled to ``(192 * scale, 256 * scale)`` pixels before the trunk;
        1 is the book's default (about 1.3 GMAC per frame for ResNet-18), 2 keeps more
        detail of 480 x 640 frames.
    weights:
        ``None`` for random initialisation, or the path of a local file with a
        torchvision ResNet state dict (``layer4``/``fc`` entries are ignored). Never
        downloaded.
    freeze_trunk:
        If true (the paper's setting) the trunk's parameters get no gradient and its
        batch-norm layers stay in evaluation mode; only the added convolution learns.
    imagenet_normalization:
        Standardise frames with the ImageNet mean/std (what ImageNet weights expect).

    ``forward`` takes frames ``(B, 3, H, W)`` in [0, 1] with ``H / W = 3 / 4`` (e.g. 144
    x 192 or 480 x 640) and returns ``(B, out_channels, 12, 16)``. It also accepts trunk
    features ``(B, TRUNK_CHANNELS[arch], 12, 16)`` from :meth:`trunk_features`, so a
    frozen trunk can be run once per frame and its output reused across epochs.
    """

    def __init__(
        self,
        arch: str = "resnet18",
        out_channels: int = 12,
        *,
        scale: int = 1,
        weights: str | os.PathLike[str] | None = None,
        freeze_trunk: bool = True,
        imagenet_normalization: bool = True,
    ) -> None:
        super().__init__()
        one_of("arch", arch, tuple(TRUNK_CHANNELS))
        out_channels = positive("out_channels", out_channels, integer=True)
        scale = positive("scale", scale, integer=True)
        self.arch = arch
        self.out_channels = out_channels
        self.scale = scale
        self.input_size = (
            VISUAL_GRID[0] * OUTPUT_STRIDE * scale,
            VISUAL_GRID[1] * OUTPUT_STRIDE * scale,
        )
        self.trunk_channels = TRUNK_CHANNELS[arch]
        self.freeze_trunk = bool(freeze_trunk)
        self.imagenet_normalization = bool(imagenet_normalization)
        # random init; never downloads
        net = getattr(torchvision.models, arch)(weights=None)
        if weights is not None:
            state = _load_state_dict(weights)
            missing, unexpected = net.load_state_dict(state, strict=False)
            missing = [k for k in missing if k.startswith(_TRUNK_PREFIXES)]
            unexpected = [k for k in unexpected if not k.startswith(("layer4.", "fc."))]
            if missing or unexpected:
                raise ValueError(
                    f"weights {os.fspath(weights)!r} do not fit a torchvision {arch}: "
                    f"missing {missing[:3]}{'...' if len(missing) > 3 else ''}, "
                    f"unexpected {unexpected[:3]}{'...' if len(unexpected) > 3 else ''}"
                )
        self.trunk = nn.Sequential(
            net.conv1,
            net.bn1,
            net.relu,
            net.maxpool,
            net.layer1,
            net.layer2,
            net.layer3,
        )
        self.head = nn.Sequential(
            nn.Conv2d(
                self.trunk_channels, out_channels, kernel_size=3, padding=1, bias=False
            ),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )
        self.register_buffer(
            "mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False
        )
        self.register_buffer(
            "std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False
        )
        if self.freeze_trunk:
            for p in self.trunk.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True) -> VisualBackbone:
        """Set training mode; a frozen trunk keeps its batch-norm statistics fixed (eval
        mode)."""
        super().train(mode)
        if self.freeze_trunk:
            self.trunk.eval()
        return self

    def prepare(self, frames: torch.Tensor) -> torch.Tensor:
        """Resample frames ``(B, 3, H, W)`` in [0, 1] (``H / W = 3 / 4``) to
        ``input_size``, standardise, and shift by :data:`ALIGN_SHIFT` pixels so that
        trunk cells sit on their blocks' centres."""
        if not isinstance(frames, torch.Tensor):
            raise TypeError(
                f"frames must be a torch.Tensor; got {type(frames).__name__}"
            )
        if frames.ndim != 4 or frames.shape[1] != 3:
            raise ValueError(
                f"frames must have shape (B, 3, H, W); got {tuple(frames.shape)}"
            )
        h, w = frames.shape[-2:]
        if abs(h * 4 - w * 3) > 0.02 * w * 3:
            raise ValueError(
                f"frames must have a 3:4 aspect ratio (H / W = 0.75, e.g. 144 x 192 or "
                f"480 x 640) so the "
                f"visual map lines up with the 36 x 48 acoustic grid; got {h} x {w}"
            )
        if (h, w) != self.input_size:
            frames = F.interpolate(
                frames,
                size=self.input_size,
                mode="bilinear",
                align_corners=False,
                antialias=(h > self.input_size[0]),
            )
        x = self.normalize(frames)  # zero = the mean colour, as the trunk's own padding
        return F.pad(
            x[..., ALIGN_SHIFT:, ALIGN_SHIFT:], (0, ALIGN_SHIFT, 0, ALIGN_SHIFT)
        )

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """Standardise images ``(B, 3, h, w)`` in [0, 1] of any size (ImageNet mean/std
        if enabled)."""
        if (
            not isinstance(images, torch.Tensor)
            or images.ndim != 4
            or images.shape[1] != 3
        ):
            shape = (
                tuple(images.shape)
                if isinstance(images, torch.Tensor)
                else type(images).__name__
            )
            raise ValueError(
                f"images must be a tensor of shape (B, 3, h, w); got {shape}"
            )
        return (
            (images - self.mean) / self.std if self.imagenet_normalization else images
        )

    def trunk_features(self, frames: torch.Tensor) -> torch.Tensor:
        """Trunk features ``(B, TRUNK_CHANNELS[arch], 12, 16)`` of frames ``(B, 3, H,
        W)``."""
        x = self.trunk(self.prepare(frames))
        if self.scale > 1:
            x = F.avg_pool2d(x, self.scale)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Visual map ``(B, out_channels, 12, 16)`` of frames, or of precomputed trunk
        features."""
        if (
            isinstance(x, torch.Tensor)
            and x.ndim == 4
            and x.shape[1] == self.trunk_channels
        ):
            if tuple(x.shape[-2:]) != VISUAL_GRID:
                raise ValueError(
                    f"trunk features must have shape (B, {self.trunk_channels}, 12, "
                    f"16); "
                    f"got {tuple(x.shape)}"
                )
            feats = x
        elif self.freeze_trunk:
            with torch.no_grad():
                feats = self.trunk_features(x)
        else:
            feats = self.trunk_features(x)
        return self.head(feats)


class VisualClassifier(nn.Module):
    """A backbone plus global average pooling and a linear layer: logits ``(B,
    num_classes)``.

    Chapter 07 pretrains the backbone this way on the book's images. With
    ``crops=False`` the input is whole frames ``(B, 3, H, W)``, resampled as the
    backbone expects; with ``crops=True`` it is object crops of any fixed size (e.g.
    ``(B, 3, 64, 64)``), only standardised -- the trunk is fully convolutional, so what
    it learns on crops applies to whole frames, the way ImageNet's object-centred photos
    pretrain detectors. :meth:`class_map` gives per-cell class scores ``(B, num_classes,
    12, 16)`` over whole frames.
    """

    def __init__(
        self, backbone: VisualBackbone, num_classes: int = 10, *, crops: bool = False
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.crops = bool(crops)
        self.fc = nn.Linear(
            backbone.out_channels, positive("num_classes", num_classes, integer=True)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits ``(B, num_classes)`` of frames (or crops, see the class
        docstring)."""
        if self.crops:
            feats = self.backbone.head(
                self.backbone.trunk(self.backbone.normalize(images))
            )
        else:
            feats = self.backbone(images)
        return self.fc(feats.mean(dim=(-2, -1)))

    def class_map(self, frames: torch.Tensor) -> torch.Tensor:
        """Per-cell class scores ``(B, num_classes, 12, 16)`` of whole frames (the
        linear layer applied per cell)."""
        feats = self.backbone(frames)
        return (
            torch.einsum("bchw,kc->bkhw", feats, self.fc.weight)
            + self.fc.bias[None, :, None, None]
        )


def receptive_field(arch: str = "resnet18") -> dict[str, Any]:
    """Receptive field (pixels of the resampled frame) and stride of one cell of the
    stride-16 trunk.

    Computed layer by layer from kernel sizes, strides and dilations (chapter 07); the 3
    x 3 head adds two trunk strides (2 x 16 pixels).
    """
    one_of("arch", arch, tuple(TRUNK_CHANNELS))
    net = getattr(torchvision.models, arch)(weights=None)
    rf, jump = 1, 1
    for module in nn.Sequential(
        net.conv1, net.maxpool, net.layer1, net.layer2, net.layer3
    ).modules():
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d)):
            k = (
                module.kernel_size[0]
                if isinstance(module.kernel_size, tuple)
                else module.kernel_size
            )
            s = module.stride[0] if isinstance(module.stride, tuple) else module.stride
            if isinstance(module, nn.Conv2d) and module.kernel_size == (1, 1) and s > 1:
                continue  # downsample shortcut: parallel path, does not widen the field
            rf += (k - 1) * jump
            jump *= s
    return {
        "trunk_receptive_field": rf,
        "stride": jump,
        "head_receptive_field": rf + 2 * jump,
    }
