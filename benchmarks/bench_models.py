"""CPU throughput of each model of chapters 07-11: samples/s for one forward + backward
pass.

Run: ``.venv/bin/python benchmarks/bench_models.py [--threads 2] [--profiles book full]
    [--batch 8]``.
Generators are measured without the visual trunk (a precomputed 12 x 16 map, the
frozen-trunk setting) and the visual backbone separately (forward only when frozen; its
trunk dominates). One sample = one 1/12-s frame for generators and the backbone, one 1-s
window (12 frames) for the DualCamNet classifier.
"""

from __future__ import annotations

import argparse
import time

import torch

from acousticlib.losses import discriminator_loss, elbo_loss, generator_adversarial_loss
from acousticlib.models import (
    AUVAE,
    MCGAN,
    PROFILE_CHANNELS,
    UVAE,
    DualCamNet,
    GeneratorConfig,
    VisualBackbone,
)


def _rate(step, batch: int, repeats: int, min_seconds: float = 1.0) -> float:
    step()  # warm-up
    n, start = 0, time.perf_counter()
    while n < repeats or time.perf_counter() - start < min_seconds:
        step()
        n += 1
    return n * batch / (time.perf_counter() - start)


def bench(profile: str, batch: int, repeats: int) -> list[tuple[str, str, float]]:
    torch.manual_seed(0)
    cfg = GeneratorConfig.for_profile(profile, arch=None)
    disc = PROFILE_CHANNELS[profile]
    audio, vis = (
        torch.rand(batch, 12, 36, 48),
        torch.rand(batch, cfg.visual_channels, 12, 16),
    )
    target = torch.rand(batch, 12, 36, 48)
    rows = []

    uvae = UVAE(cfg).train()

    def uvae_step():
        out = uvae(audio, vis)
        elbo_loss(out["recon"], target, out["mu"], out["sigma"])["loss"].backward()

    rows.append(("U-VAE (1 skip)", profile, _rate(uvae_step, batch, repeats)))
    for cls, name in ((AUVAE, "AU-VAE"), (MCGAN, "MCGAN")):
        model = cls(cfg, disc).train()

        def adv_step(model=model):
            fake = model(audio, vis)["recon"]
            discriminator_loss(
                model.discriminator(target), model.discriminator(fake.detach())
            ).backward()
            (
                generator_adversarial_loss(model.discriminator(fake))
                + 100 * ((fake - target) ** 2).mean()
            ).backward()

        rows.append((f"{name} (G + D step)", profile, _rate(adv_step, batch, repeats)))
    net = DualCamNet(10, disc).train()
    windows = torch.rand(batch, 12, 12, 36, 48)
    labels = torch.randint(0, 10, (batch,))
    rows.append(
        (
            "DualCamNet (1-s window)",
            profile,
            _rate(
                lambda: torch.nn.functional.cross_entropy(
                    net(windows), labels
                ).backward(),
                batch,
                repeats,
            ),
        )
    )
    arch = "resnet50" if profile == "full" else "resnet18"
    vb = VisualBackbone(arch, cfg.visual_channels).train()
    frames = torch.rand(batch, 3, 144, 192)
    rows.append(
        (
            f"VisualBackbone {arch} (frozen trunk)",
            profile,
            _rate(lambda: vb(frames).sum().backward(), batch, max(1, repeats // 4)),
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profiles", nargs="+", default=["book", "full"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {args.threads} threads, batch {args.batch}, "
        f"forward + backward"
    )
    print(f"{'model':38s} {'profile':8s} {'samples/s':>10s}")
    for profile in args.profiles:
        for name, prof, rate in bench(profile, args.batch, args.repeats):
            print(f"{name:38s} {prof:8s} {rate:10.1f}")


if __name__ == "__main__":
    main()
