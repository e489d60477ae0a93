"""CPU throughput of each model of chapters 07-13: samples/s of one training step.

Run: ``.venv/bin/python benchmarks/bench_models.py [--threads 2] [--profiles book full]
    [--batch 8]``.
The U-VAE, AU-VAE, MCGAN and DualCamNet are measured as the library trains them: the
model of ``model_spec(name, profile)``, one step of its training task
(:func:`acousticlib.training.task_for`: forward, backward and the Adam update; AU-VAE
and MCGAN a discriminator step then a generator step) on a random batch in the
training data's contract (:func:`synthetic_batch`: the generators read the frozen
trunk's precomputed features, so the trunk itself does not run). The visual backbone
is measured separately (the frozen trunk's forward pass and the head's backward). One
sample = one 1/12-s frame for generators and the backbone, one 1-s window (12 frames)
for the DualCamNet classifier and chapter 13's spectrogram CNN (12 288 samples of the
microphone, its log-mel spectrogram computed in the step), one 1-s clip for chapter 14's
retrieval pairs (the clip's averaged acoustic image, or its samples, and its frames'
trunk features, trained by the cross-modal triplet task). ``tools/gpu_check.py``
measures the same steps on a GPU, in fp32 and under bfloat16 autocast.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

import torch

from acousticlib.models import (
    TRUNK_CHANNELS,
    GeneratorConfig,
    VisualBackbone,
    build_model,
    model_spec,
)
from acousticlib.training import CrossModalTripletTask, Task, TrainConfig, task_for

#: The models whose training step :func:`training_step` measures.
TRAINED_MODELS: tuple[str, ...] = (
    "uvae",
    "auvae",
    "mcgan",
    "dualcamnet",
    "spectrogram_cnn",
    "retrieval_acoustic",
    "retrieval_spectrogram",
)

#: Row names of :data:`TRAINED_MODELS` in the tables.
LABELS: dict[str, str] = {
    "uvae": "U-VAE (1 skip)",
    "auvae": "AU-VAE (G + D step)",
    "mcgan": "MCGAN (G + D step)",
    "dualcamnet": "DualCamNet (1-s window)",
    "spectrogram_cnn": "spectrogram CNN (1-s clip)",
    "retrieval_acoustic": "retrieval pair, acoustic image (1-s clip)",
    "retrieval_spectrogram": "retrieval pair, spectrogram (1-s clip)",
}


def synthetic_batch(
    name: str, profile: str, batch: int, *, device: str = "cpu", seed: int = 0
) -> dict[str, torch.Tensor]:
    """A random batch of ``batch`` samples for model ``name`` in the contract of its
    training data (chapter 06), on ``device``.

    Generators (``"uvae"``, ``"auvae"``, ``"mcgan"``): ``mfcc_mono`` ``(B, 12)``,
    ``frame`` the frozen trunk's features ``(B, C, 12, 16)`` float16 (C: the profile's
    trunk, 1024 for ResNet-50) and ``acoustic`` ``(B, 12, 36, 48)`` float16 in [0, 1],
    as :func:`acousticlib.experiments.generator_data` gives them. ``"dualcamnet"``:
    ``acoustic`` 1-s windows ``(B, 12, 12, 36, 48)`` float16 in [0, 1] and ``label``
    ``(B,)``. ``"spectrogram_cnn"``: ``audio`` ``(B, 12288)`` samples (Pa) and
    ``label``. ``"retrieval_acoustic"``, ``"retrieval_spectrogram"``: ``audio`` (a
    clip's averaged acoustic image ``(B, 12, 36, 48)`` or its samples ``(B, 12288)``)
    and ``frame`` trunk features ``(B, C, 12, 16)``, as
    :func:`acousticlib.experiments.retrieval_inputs` gives them. Drawn from a generator
    seeded by ``seed``.
    """
    g = torch.Generator().manual_seed(seed)

    def rand(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=g)

    arch = GeneratorConfig.for_profile(profile).arch or "resnet18"
    if name.startswith("retrieval_"):
        audio = (
            rand(batch, 12, 36, 48)
            if name == "retrieval_acoustic"
            else (rand(batch, 12288) - 0.5) * 0.2
        )
        out = {"audio": audio, "frame": rand(batch, TRUNK_CHANNELS[arch], 12, 16)}
    elif name == "spectrogram_cnn":
        out = {
            "audio": (rand(batch, 12288) - 0.5) * 0.2,
            "label": torch.randint(0, 10, (batch,), generator=g),
        }
    elif name == "dualcamnet":
        out = {
            "acoustic": rand(batch, 12, 12, 36, 48).half(),
            "label": torch.randint(0, 10, (batch,), generator=g),
        }
    elif name in ("uvae", "auvae", "mcgan"):
        out = {
            "mfcc_mono": rand(batch, 12) * 40 - 20,
            "frame": rand(batch, TRUNK_CHANNELS[arch], 12, 16).half(),
            "acoustic": rand(batch, 12, 36, 48).half(),
        }
    else:
        raise ValueError(f"name must be one of {TRAINED_MODELS}; got {name!r}")
    return {k: v.to(device) for k, v in out.items()}


def training_step(
    name: str,
    profile: str,
    batch: int,
    *,
    device: str = "cpu",
    precision: str = "fp32",
) -> Callable[[], None]:
    """One training step of model ``name`` at ``profile``'s widths on a fixed
    :func:`synthetic_batch`, as a function of no arguments.

    The model is ``build_model(model_spec(name, profile))`` on ``device``, trained by
    its task (:func:`acousticlib.training.task_for`) with Adam at the paper's learning
    rate (1e-4). ``precision="bf16"`` runs the forward passes under
    ``torch.autocast(<device type>, dtype=torch.bfloat16)``, as
    :func:`acousticlib.training.fit` does on CUDA (here on any device).
    """
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'fp32' or 'bf16'; got {precision!r}")
    dev = torch.device(device)
    torch.manual_seed(0)
    if name.startswith("retrieval_"):
        arch = GeneratorConfig.for_profile(profile).arch or "resnet18"
        spec = model_spec(
            "retrieval_pair",
            profile,
            audio=name.split("_", 1)[1],
            video_channels=TRUNK_CHANNELS[arch],
        )
        model = build_model(spec).to(dev).train()
        task: Task = CrossModalTripletTask(model)
    else:
        model = build_model(model_spec(name, profile)).to(dev).train()
        task = task_for(model, "audio" if name == "spectrogram_cnn" else "acoustic")
    if precision == "bf16":
        task.autocast = functools.partial(torch.autocast, dev.type, torch.bfloat16)
    opts = task.optimizers(TrainConfig(epochs=1, batch_size=batch, lr=1e-4))
    data = synthetic_batch(name, profile, batch, device=device)

    def step() -> None:
        task.train_step(data, opts)

    return step


def samples_per_second(
    step: Callable[[], object],
    batch: int,
    repeats: int,
    min_seconds: float = 1.0,
    *,
    sync: Callable[[], None] | None = None,
) -> float:
    """Samples per second of ``step`` (``batch`` samples per call): one untimed warm-up
    call, then at least ``repeats`` calls and ``min_seconds`` seconds; ``sync`` (e.g.
    ``torch.cuda.synchronize``) is called before the clock starts and stops, so that
    queued GPU work is counted."""
    sync = sync or (lambda: None)
    step()  # warm-up
    sync()
    n, start = 0, time.perf_counter()
    while n < repeats or time.perf_counter() - start < min_seconds:
        step()
        n += 1
    sync()
    return n * batch / (time.perf_counter() - start)


def bench(profile: str, batch: int, repeats: int) -> list[tuple[str, str, float]]:
    """Rows ``(model, profile, samples/s)`` on the CPU: the training step of each of
    :data:`TRAINED_MODELS`, then the visual backbone."""
    rows = [
        (
            LABELS[name],
            profile,
            samples_per_second(training_step(name, profile, batch), batch, repeats),
        )
        for name in TRAINED_MODELS
    ]
    torch.manual_seed(0)
    cfg = GeneratorConfig.for_profile(profile)
    arch = cfg.arch or "resnet18"
    vb = VisualBackbone(arch, cfg.visual_channels).train()
    frames = torch.rand(batch, 3, 144, 192)
    rows.append(
        (
            f"VisualBackbone {arch} (frozen trunk)",
            profile,
            samples_per_second(
                lambda: vb(frames).sum().backward(), batch, max(1, repeats // 4)
            ),
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
        f"training step (forward + backward + Adam)"
    )
    print(f"{'model':38s} {'profile':8s} {'samples/s':>10s}")
    for profile in args.profiles:
        for name, prof, rate in bench(profile, args.batch, args.repeats):
            print(f"{name:38s} {prof:8s} {rate:10.1f}")


if __name__ == "__main__":
    main()
