"""Adversarial generators: AU-VAE and MCGAN (Sanguineti et al. 2022, Sec. III-D,
Eq. 3-4).

Chapters 09 (AU-VAE) and 10 (MCGAN) teach them. Both pair a generator with a
discriminator of DualCamNet's architecture that sees **only** acoustic images, real or
generated, never the condition (the paper's choice). The objective (Eq. 3) is
``lambda_adv * L_cGAN + lambda_rec * L_rec``; the paper does not publish the weights,
the noise size or the schedules, so we state ours:

* ``lambda_adv = 1``, ``lambda_rec = 100``: the pix2pix convention (Sanguineti et al.
  2022 cite pix2pix [37]); with images in [0, 1] the reconstruction MSE is about 1e-2,
  so both terms start near 1.
* AU-VAE's reconstruction term is the U-VAE's own loss (MSE + Huber + beta KL), MCGAN's
  is the MSE (Eq. 3's L2).
* MCGAN's noise z is a 64-D standard normal vector (16-D in the ``smoke`` profile),
  concatenated with a deterministic condition code of ``latent`` dimensions before the
  decoder (no skips).
* The discriminator uses the DualCamNet widths of the profile; one discriminator step
  per generator step, Adam with the same learning rate (:mod:`acousticlib.training`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import positive
from .dualcamnet import DualCamNet
from .uvae import UVAE, AcousticDecoder, GeneratorConfig, _ConditionalGenerator
from .visual import VISUAL_GRID, VisualBackbone

#: Loss weights of Eq. 3 (ours; unpublished in the paper).
LAMBDA_ADV = 1.0
LAMBDA_REC = 100.0


def discriminator(channels: Sequence[int] = (32, 128)) -> DualCamNet:
    """A DualCamNet with one output logit (real vs generated) for single acoustic frames
    ``(B, 12, 36, 48)``."""
    return DualCamNet(num_classes=1, channels=channels)


class MCGANGenerator(_ConditionalGenerator):
    """MCGAN generator G(z, x): condition encoder -> code (``latent``-D) ++ noise z ->
    decoder, no skips.

    ``forward(audio, visual, z=None)`` with ``audio`` ``(B, 12, 36, 48)`` and ``visual``
    as for :class:`~acousticlib.models.uvae.UVAE`; ``z`` ``(B, noise)`` is drawn from
    N(0, I) with torch's global generator when not given. Returns ``"recon"`` ``(B, 12,
    36, 48)`` in [0, 1] and ``"z"``.
    """

    def __init__(
        self,
        config: GeneratorConfig | None = None,
        backbone: VisualBackbone | None = None,
    ) -> None:
        super().__init__(config, backbone)
        c = self.config
        self.to_code = nn.Sequential(
            nn.Conv2d(c.mid_channels, c.latent, kernel_size=VISUAL_GRID), nn.ReLU()
        )
        self.decoder = AcousticDecoder(
            c.latent + c.noise,
            c.enc_channels,
            c.mid_channels,
            skips=0,
            padding=c.padding,
        )

    def forward(
        self, audio: torch.Tensor, visual: torch.Tensor, z: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Generated acoustic image and the noise used (see the class docstring)."""
        h, _ = self.encode_condition(audio, visual)
        code = self.to_code(h).flatten(1)
        if z is None:
            z = torch.randn(
                code.shape[0], self.config.noise, device=code.device, dtype=code.dtype
            )
        elif tuple(z.shape) != (code.shape[0], self.config.noise):
            raise ValueError(
                f"z must have shape (B, {self.config.noise}) = "
                f"{(code.shape[0], self.config.noise)}; "
                f"got {tuple(z.shape)}"
            )
        return {"recon": self.decoder(torch.cat([code, z], dim=1), []), "z": z}


class AdversarialGenerator(nn.Module):
    """A generator plus a DualCamNet discriminator; ``forward`` is the generator's.

    ``lambda_adv``, ``lambda_rec``: the weights of Eq. 3. The training step lives in
    :mod:`acousticlib.training` (one loop for every model).
    """

    def __init__(
        self,
        generator: nn.Module,
        disc: DualCamNet,
        lambda_adv: float = LAMBDA_ADV,
        lambda_rec: float = LAMBDA_REC,
    ) -> None:
        super().__init__()
        if disc.num_classes != 1:
            raise ValueError(
                f"disc must have num_classes=1 (one real/fake logit); got "
                f"{disc.num_classes}"
            )
        self.generator = generator
        self.discriminator = disc
        self.lambda_adv = positive("lambda_adv", lambda_adv, allow_zero=True)
        self.lambda_rec = positive("lambda_rec", lambda_rec, allow_zero=True)

    @property
    def config(self) -> GeneratorConfig:
        """The generator's :class:`~acousticlib.models.uvae.GeneratorConfig`."""
        return self.generator.config

    def forward(
        self, audio: torch.Tensor, visual: torch.Tensor, **kwargs
    ) -> dict[str, torch.Tensor]:
        """The generator's output dict (``"recon"`` ``(B, 12, 36, 48)``, ...)."""
        return self.generator(audio, visual, **kwargs)


class AUVAE(AdversarialGenerator):
    """AU-VAE (chapter 09): a :class:`~acousticlib.models.uvae.UVAE` generator +
    DualCamNet discriminator."""

    def __init__(
        self,
        config: GeneratorConfig | None = None,
        disc_channels: Sequence[int] = (32, 128),
        *,
        backbone: VisualBackbone | None = None,
        lambda_adv: float = LAMBDA_ADV,
        lambda_rec: float = LAMBDA_REC,
    ) -> None:
        super().__init__(
            UVAE(config, backbone), discriminator(disc_channels), lambda_adv, lambda_rec
        )

    @property
    def beta(self) -> float:
        """KL weight of the generator's ELBO."""
        return self.generator.beta


class MCGAN(AdversarialGenerator):
    """MCGAN (chapter 10): an :class:`MCGANGenerator` + DualCamNet discriminator."""

    def __init__(
        self,
        config: GeneratorConfig | None = None,
        disc_channels: Sequence[int] = (32, 128),
        *,
        backbone: VisualBackbone | None = None,
        lambda_adv: float = LAMBDA_ADV,
        lambda_rec: float = LAMBDA_REC,
    ) -> None:
        super().__init__(
            MCGANGenerator(config, backbone),
            discriminator(disc_channels),
            lambda_adv,
            lambda_rec,
        )
