"""U-VAE: a conditional variational autoencoder with U-Net skips that synthesises
acoustic images.

Chapter 08 teaches it (Sanguineti et al. 2022, Sec. III-C; Sanguineti et al. 2021;
``REFERENCE.md`` section 3). Input is the *condition*: the single-microphone MFCC
min-max normalised to [0, 1] and tiled to ``(12, 36, 48)``, plus a ``12 x 16`` visual
map (from :class:`~acousticlib.models.visual.VisualBackbone` or precomputed). Output is
the per-sample min-max normalised acoustic image ``(12, 36, 48)``.

Architecture (widths are parameters; the paper's are ``enc_channels=128,
mid_channels=133, latent=150``)::

    audio (12, 36, 48) -> 2 x conv3x3 -> [skip 1, 36 x 48] -> conv 3x3 stride 3
      -> (12 x 16)
    concat visual map (min-max normalised per sample) -> 2 x conv3x3
      -> [skip 2, 12 x 16]
    -> conv 12x16 valid -> mu, softplus sigma (latent)
      z = mu + sigma * u,  u ~ N(0, I)
    z -> dense -> (12, 12, 16) -> conv3x3 [+ skip 2] -> conv3x3
      -> transposed conv stride 3
    -> (36 x 48) [+ skip 1] -> 2 x conv3x3 -> 12 channels, sigmoid

``skips`` selects 0, 1 (the 36 x 48 skip, the paper's U-VAE) or 2 skip connections
(Table VII). The building blocks (:class:`ConditionEncoder`, :class:`AcousticDecoder`)
are shared with the MCGAN generator in :mod:`acousticlib.models.gan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .._checks import in_range, one_of, positive
from ..runtime import check_profile
from .visual import ACOUSTIC_GRID, VISUAL_GRID, VisualBackbone

#: MFCC channels of an acoustic image (c1..c12, c0 dropped).
N_MFCC = 12
#: Weight of the spatial loss term in the CPU profiles (``smoke``, ``book``); chapter 08
#: shows why. Chosen on the book profile's validation split among 0, 10, 30, 100 and 300
#: (``tools/sweep_spatial_weight.py``, results in
#: ``benchmarks/results/spatial_weight_sweep.json``): up to 30 most generated maps
#: stayed unlike the real ones, 300 raised the MSE without localizing better.
SPATIAL_WEIGHT = 100.0


def minmax_per_sample(
    x: torch.Tensor, start_dim: int = 1, eps: float = 1e-8
) -> torch.Tensor:
    """Min-max normalise each sample to [0, 1] over all axes from ``start_dim`` on
    (differentiable).

    A constant sample maps to zeros. Used for the generators' inputs and targets
    (``REFERENCE.md`` section 2, step 5) and inside the models for the visual map.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor; got {type(x).__name__}")
    if x.ndim <= start_dim:
        raise ValueError(
            f"x must have more than start_dim={start_dim} axes; got shape "
            f"{tuple(x.shape)}"
        )
    flat = x.flatten(start_dim)
    lo = flat.min(dim=-1, keepdim=True).values
    hi = flat.max(dim=-1, keepdim=True).values
    return ((flat - lo) / (hi - lo).clamp_min(eps)).view_as(x)


def tile_mfcc(mfcc: Any) -> torch.Tensor:
    """Mono MFCC ``(..., 12)`` (a tensor or an array) min-max normalised to [0, 1] per
    vector and tiled to ``(..., 12, 36, 48)``: a broadcast view, float32.

    The generators' audio condition and the tiled-MFCC baseline (Sanguineti et al. 2022;
    chapter 08; also :func:`acousticlib.metrics.tiled_mfcc`, chapter 11). The NumPy
    tiling of chapter 05, channels last and not normalised, is
    :func:`acousticlib.features.tile_mfcc`.
    """
    if not isinstance(mfcc, torch.Tensor):
        try:
            mfcc = torch.as_tensor(np.asarray(mfcc))
        except (TypeError, ValueError, RuntimeError):
            pass  # reported below as a wrong type
    if not isinstance(mfcc, torch.Tensor) or mfcc.ndim < 1 or mfcc.shape[-1] != N_MFCC:
        shape = (
            tuple(mfcc.shape) if isinstance(mfcc, torch.Tensor) else type(mfcc).__name__
        )
        raise ValueError(
            f"mfcc must be a tensor ending with {N_MFCC} coefficients, (..., "
            f"{N_MFCC}); got {shape}"
        )
    lead = tuple(mfcc.shape[:-1])
    norm = minmax_per_sample(mfcc.reshape(-1, N_MFCC).float())
    return (
        norm[:, :, None, None]
        .expand(-1, -1, *ACOUSTIC_GRID)
        .reshape(*lead, N_MFCC, *ACOUSTIC_GRID)
    )


def generator_inputs(batch: Mapping[str, torch.Tensor]) -> dict[str, Any]:
    """Turn a dataset batch into the generators' condition and target, one frame per
    row.

    ``batch`` follows the data contract of chapter 06: ``"mfcc_mono"`` ``(..., 12)``,
    ``"frame"`` ``(..., 3, H, W)`` and optionally ``"acoustic"`` ``(..., 12, 36, 48)``,
    where ``...`` is ``(B,)`` for frames or ``(B, T)`` for temporal windows. Returns a
    dict with ``"audio"`` (the mono MFCC min-max normalised to [0, 1] and tiled, ``(N,
    12, 36, 48)``), ``"visual"`` (frames ``(N, 3, H, W)``), ``"target"`` (per-sample
    min-max normalised acoustic image, ``(N, 12, 36, 48)``, when present) and ``"lead"``
    (the leading shape ``...``, to fold generated frames back into windows), with ``N =
    prod(lead)``.
    """
    for key in ("mfcc_mono", "frame"):
        if key not in batch:
            raise ValueError(f"batch must have a {key!r} entry; it has {sorted(batch)}")
    mfcc = batch["mfcc_mono"]
    lead = tuple(mfcc.shape[:-1])
    audio = tile_mfcc(mfcc).reshape(-1, N_MFCC, *ACOUSTIC_GRID)
    frame = batch["frame"]
    if tuple(frame.shape[: len(lead)]) != lead or frame.ndim != len(lead) + 3:
        raise ValueError(
            f"batch['frame'] must have shape {lead} + (3, H, W); got "
            f"{tuple(frame.shape)}"
        )
    out: dict[str, Any] = {
        "audio": audio,
        "visual": frame.reshape(-1, *frame.shape[-3:]).float(),
        "lead": lead,
    }
    if "acoustic" in batch:
        ac = batch["acoustic"]
        if tuple(ac.shape) != lead + (N_MFCC, *ACOUSTIC_GRID):
            raise ValueError(
                f"batch['acoustic'] must have shape {lead + (N_MFCC, *ACOUSTIC_GRID)}; "
                f"got {tuple(ac.shape)}"
            )
        out["target"] = minmax_per_sample(
            ac.reshape(-1, N_MFCC, *ACOUSTIC_GRID).float()
        )
    return out


@dataclass(frozen=True)
class GeneratorConfig:
    """Sizes of a generator (U-VAE, AU-VAE's generator, MCGAN's generator).

    ``enc_channels``: channels at 36 x 48; ``mid_channels``: channels at 12 x 16;
    ``latent``: size of the latent (U-VAE) or condition code (MCGAN);
    ``visual_channels``: channels C of the visual map; ``skips``: 0, 1 or 2; ``beta``:
    weight of the KL term; ``noise``: size of MCGAN's noise vector z;
    ``arch``/``scale``: the visual backbone (``None`` arch: the model takes a
    precomputed visual map instead of frames); ``spatial_weight``: weight of
    :func:`acousticlib.losses.spatial_loss` in the reconstruction term (0: the paper's
    loss; the ``smoke`` and ``book`` profiles use :data:`SPATIAL_WEIGHT`, see chapter
    08); ``padding``: how the 3 x 3 convolutions pad the border, ``"zeros"`` (the
    paper's Keras "same") or ``"reflect"`` (the border continued into the padding;
    measured in the appendix).
    """

    enc_channels: int = 32
    mid_channels: int = 32
    latent: int = 64
    visual_channels: int = 12
    skips: int = 1
    beta: float = 1e-6
    noise: int = 64
    arch: str | None = "resnet18"
    scale: int = 1
    spatial_weight: float = 0.0
    padding: str = "zeros"

    def __post_init__(self) -> None:
        for name in (
            "enc_channels",
            "mid_channels",
            "latent",
            "visual_channels",
            "noise",
        ):
            positive(name, getattr(self, name), integer=True)
        one_of("skips", self.skips, (0, 1, 2))
        in_range("beta", self.beta, 0.0, 1e6)
        if self.arch is not None:
            one_of("arch", self.arch, ("resnet18", "resnet50"))
        positive("scale", self.scale, integer=True)
        in_range("spatial_weight", self.spatial_weight, 0.0, 1e6)
        one_of("padding", self.padding, PADDINGS)

    @classmethod
    def for_profile(cls, profile: str = "book", **overrides: Any) -> GeneratorConfig:
        """The sizes used by each run profile (``smoke``, ``book`` narrow for a CPU,
        ``full`` = paper)."""
        check_profile(profile)
        base = {
            "smoke": dict(
                enc_channels=8,
                mid_channels=8,
                latent=16,
                visual_channels=4,
                noise=16,
                spatial_weight=SPATIAL_WEIGHT,
            ),
            "book": dict(
                enc_channels=32,
                mid_channels=32,
                latent=64,
                visual_channels=12,
                noise=64,
                spatial_weight=SPATIAL_WEIGHT,
            ),
            "full": dict(
                enc_channels=128,
                mid_channels=133,
                latent=150,
                visual_channels=12,
                noise=64,
                arch="resnet50",
            ),
        }[profile]
        return cls(**{**base, **overrides})

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready; a cache key part). ``padding`` appears only when
        not ``"zeros"``, so configurations from before it existed keep their keys."""
        out = asdict(self)
        if out["padding"] == "zeros":
            del out["padding"]
        return out


#: Border handling of the generators' 3 x 3 convolutions
#: (:attr:`GeneratorConfig.padding`).
PADDINGS: tuple[str, ...] = ("zeros", "reflect")


def _conv3(cin: int, cout: int, padding: str = "zeros") -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, padding=1, padding_mode=padding)


def _conv(cin: int, cout: int, padding: str = "zeros") -> nn.Sequential:
    return nn.Sequential(_conv3(cin, cout, padding), nn.ReLU(inplace=True))


class ConditionEncoder(nn.Module):
    """Audio-visual encoder: tiled MFCC ``(B, 12, 36, 48)`` + visual map ``(B, Cv, 12,
    16)``.

    Returns the ``(B, mid_channels, 12, 16)`` feature map and the two candidate skips
    ``[(B, enc_channels, 36, 48), (B, mid_channels, 12, 16)]``.
    """

    def __init__(
        self,
        enc_channels: int,
        mid_channels: int,
        visual_channels: int,
        padding: str = "zeros",
    ) -> None:
        super().__init__()
        one_of("padding", padding, PADDINGS)
        self.audio = nn.Sequential(
            _conv(N_MFCC, enc_channels, padding),
            _conv(enc_channels, enc_channels, padding),
        )
        self.down = nn.Sequential(
            nn.Conv2d(enc_channels, enc_channels, 3, stride=3), nn.ReLU(inplace=True)
        )
        self.fuse = nn.Sequential(
            _conv(enc_channels + visual_channels, mid_channels, padding),
            _conv(mid_channels, mid_channels, padding),
        )

    def forward(
        self, audio: torch.Tensor, visual_map: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Feature map and skips (see the class docstring)."""
        s1 = self.audio(audio)
        h = self.fuse(torch.cat([self.down(s1), minmax_per_sample(visual_map)], dim=1))
        return h, [s1, h]


class AcousticDecoder(nn.Module):
    """Decoder from a code vector ``(B, code)`` (and 0-2 skips) to an acoustic image
    ``(B, 12, 36, 48)`` in [0, 1]."""

    def __init__(
        self,
        code: int,
        enc_channels: int,
        mid_channels: int,
        skips: int,
        padding: str = "zeros",
    ) -> None:
        super().__init__()
        one_of("padding", padding, PADDINGS)
        self.skips = skips
        rows, cols = VISUAL_GRID
        self.dense = nn.Linear(code, N_MFCC * rows * cols)
        self.mid = _conv(N_MFCC, mid_channels, padding)
        self.merge2 = (
            _conv(2 * mid_channels, mid_channels, padding) if skips >= 2 else None
        )
        self.mid2 = _conv(mid_channels, mid_channels, padding)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(mid_channels, enc_channels, 3, stride=3),
            nn.ReLU(inplace=True),
        )
        self.merge1 = (
            _conv(2 * enc_channels, enc_channels, padding) if skips >= 1 else None
        )
        self.out = nn.Sequential(
            _conv(enc_channels, enc_channels, padding),
            _conv3(enc_channels, N_MFCC, padding),
            nn.Sigmoid(),
        )

    def forward(self, code: torch.Tensor, skips: list[torch.Tensor]) -> torch.Tensor:
        """Acoustic image ``(B, 12, 36, 48)``; ``skips`` as returned by
        :class:`ConditionEncoder`."""
        h = self.mid(self.dense(code).view(-1, N_MFCC, *VISUAL_GRID))
        if self.merge2 is not None:
            h = self.merge2(torch.cat([h, skips[1]], dim=1))
        h = self.up(self.mid2(h))
        if self.merge1 is not None:
            h = self.merge1(torch.cat([h, skips[0]], dim=1))
        return self.out(h)


def _check_condition(audio: torch.Tensor) -> None:
    if (
        not isinstance(audio, torch.Tensor)
        or audio.ndim != 4
        or tuple(audio.shape[1:]) != (N_MFCC, *ACOUSTIC_GRID)
    ):
        shape = (
            tuple(audio.shape)
            if isinstance(audio, torch.Tensor)
            else type(audio).__name__
        )
        raise ValueError(
            f"audio must be the tiled MFCC of shape (B, {N_MFCC}, 36, 48); got {shape}"
        )


class _ConditionalGenerator(nn.Module):
    """Shared part of the U-VAE and the MCGAN generator: config, visual backbone,
    encoder."""

    def __init__(
        self,
        config: GeneratorConfig | None = None,
        backbone: VisualBackbone | None = None,
    ) -> None:
        super().__init__()
        self.config = config or GeneratorConfig()
        c = self.config
        if backbone is None and c.arch is not None:
            backbone = VisualBackbone(c.arch, c.visual_channels, scale=c.scale)
        if backbone is not None and backbone.out_channels != c.visual_channels:
            raise ValueError(
                f"backbone.out_channels ({backbone.out_channels}) must equal "
                f"config.visual_channels ({c.visual_channels})"
            )
        self.backbone = backbone
        self.encoder = ConditionEncoder(
            c.enc_channels, c.mid_channels, c.visual_channels, c.padding
        )

    def visual_map(self, visual: torch.Tensor) -> torch.Tensor:
        """``(B, Cv, 12, 16)`` visual map from frames/trunk features (with a backbone)
        or the map itself."""
        if self.backbone is not None:
            return self.backbone(visual)
        want = (self.config.visual_channels, *VISUAL_GRID)
        if visual.ndim != 4 or tuple(visual.shape[1:]) != want:
            raise ValueError(
                f"visual must be a precomputed visual map of shape (B, {want[0]}, 12, "
                f"16) "
                f"(this model has no backbone); got {tuple(visual.shape)}"
            )
        return visual

    def encode_condition(
        self, audio: torch.Tensor, visual: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Encoder feature map ``(B, mid, 12, 16)`` and skips of a condition."""
        _check_condition(audio)
        vis = self.visual_map(visual)
        if vis.shape[0] != audio.shape[0]:
            raise ValueError(
                f"audio and visual must hold the same number of samples; got "
                f"{audio.shape[0]} "
                f"and {vis.shape[0]}"
            )
        return self.encoder(audio, vis)


class UVAE(_ConditionalGenerator):
    """U-VAE generator (chapter 08): ``forward(audio, visual)`` -> dict of tensors.

    ``audio``: tiled normalised MFCC ``(B, 12, 36, 48)``; ``visual``: frames ``(B, 3, H,
    W)`` (or trunk features) when the model has a backbone, else a visual map ``(B, Cv,
    12, 16)``. Returns ``"recon"`` ``(B, 12, 36, 48)`` in [0, 1], ``"mu"`` and
    ``"sigma"`` ``(B, latent)`` and the latent sample ``"z"``. ``sample`` (default:
    ``self.training``) draws ``z = mu + sigma * u`` (reparameterization, Eq. 1) from
    torch's global generator; otherwise ``z = mu``.
    """

    def __init__(
        self,
        config: GeneratorConfig | None = None,
        backbone: VisualBackbone | None = None,
    ) -> None:
        super().__init__(config, backbone)
        c = self.config
        # valid 12 x 16 conv
        self.to_latent = nn.Conv2d(
            c.mid_channels, 2 * c.latent, kernel_size=VISUAL_GRID
        )
        self.decoder = AcousticDecoder(
            c.latent, c.enc_channels, c.mid_channels, c.skips, c.padding
        )

    @property
    def beta(self) -> float:
        """Weight of the KL term in the ELBO (``config.beta``)."""
        return self.config.beta

    def encode(
        self, audio: torch.Tensor, visual: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """Posterior mean and standard deviation ``(B, latent)`` (softplus, > 0) and the
        skips."""
        h, skips = self.encode_condition(audio, visual)
        stats = self.to_latent(h).flatten(1)
        mu, raw = stats.chunk(2, dim=1)
        return mu, F.softplus(raw) + 1e-6, skips

    def forward(
        self, audio: torch.Tensor, visual: torch.Tensor, sample: bool | None = None
    ) -> dict[str, torch.Tensor]:
        """Reconstruction and latent statistics (see the class docstring)."""
        mu, sigma, skips = self.encode(audio, visual)
        if self.training if sample is None else sample:
            z = mu + sigma * torch.randn_like(mu)
        else:
            z = mu
        return {"recon": self.decoder(z, skips), "mu": mu, "sigma": sigma, "z": z}
