"""Tiny synthetic data following chapter 06's data contract, for the
model/training/metric tests.

``visual`` maps stand in for frames when a generator is built without a backbone
(``GeneratorConfig(arch=None)``): ``"frame"`` then holds a ``(Cv, 12, 16)`` map.
"""

from __future__ import annotations

import torch

from acousticlib.models import GeneratorConfig
from acousticlib.training import DictDataset

TINY = GeneratorConfig(
    enc_channels=4, mid_channels=4, latent=8, visual_channels=2, noise=4, arch=None
)


def toy_frames(
    n: int = 8, seed: int = 0, frames: int | None = None, visual_channels: int = 2
) -> DictDataset:
    """``n`` samples (or windows of ``frames`` frames): a class-dependent blob in the
    acoustic image, a visual map marking the blob's cell, an MFCC vector whose shape
    depends on the class."""
    g = torch.Generator().manual_seed(seed)
    t = frames or 1
    label = torch.arange(n) % 2
    rows = torch.randint(0, 12, (n,), generator=g)
    cols = torch.randint(0, 16, (n,), generator=g)
    acoustic = 0.1 * torch.rand(n, t, 12, 36, 48, generator=g)
    visual = 0.1 * torch.rand(n, t, visual_channels, 12, 16, generator=g)
    spectrum = torch.linspace(0, 1, 12)
    for i in range(n):
        shape = spectrum if label[i] == 0 else spectrum.flip(0)
        r, c = int(rows[i]), int(cols[i])
        acoustic[i, :, :, 3 * r : 3 * r + 3, 3 * c : 3 * c + 3] += shape[:, None, None]
        visual[i, :, :, r, c] = 1.0
    mfcc = torch.stack([spectrum if y == 0 else spectrum.flip(0) for y in label])[
        :, None
    ].repeat(1, t, 1)
    mfcc = mfcc + 0.05 * torch.rand(n, t, 12, generator=g)
    data = {"acoustic": acoustic, "frame": visual, "mfcc_mono": mfcc}
    if frames is None:
        data = {k: v[:, 0] for k, v in data.items()}
    return DictDataset(
        **data,
        label=label,
        clip=torch.arange(n),
        location=torch.zeros(n, dtype=torch.long),
    )
