"""What the ``full`` profile costs on one GPU: a check in under 5 minutes (issue 27).

Measures, on ``--device`` (default ``cuda``), and writes to
``benchmarks/results/gpu.json`` (atomically):

* ``beamformer``: the torch beamformer on the device against the CPU kernel (the
  numba vector kernel, or numpy without numba) on one second of noise: the largest
  absolute and relative differences of their images, and frames/s of both. The case
  is the Dual Cam setting (128 microphones, the 36 x 48 grid, frame length 1024, 12
  frames) for ``--profile full`` and a small one (32 microphones, 6 x 8, 256, 4 frames)
  otherwise.
* ``models``: training samples/s of the U-VAE, AU-VAE, MCGAN and DualCamNet at the
  profile's widths (``model_spec(name, profile)``; ``full``: the paper's), one step of
  the library's training task (forward, backward, Adam) on random batches in the
  training data's contract, in fp32 and under bfloat16 autocast (the steps and batches
  of ``benchmarks/bench_models.py``). A sample is a frame for the generators, a 1-s
  window for DualCamNet; the batch is the profile's (``Settings.generator_batch``,
  ``classifier_batch``).
* ``one_epoch``: one epoch of the U-VAE with :func:`acousticlib.training.fit` on a
  slice of the training frames of the profile's dataset when the cache holds it (its
  MFCC and acoustic images; the trunk features stay random, since computing them needs
  chapter 07's pretrained trunk), else on random tensors of the same shapes; which one
  is recorded.
* ``projection``: hours to train each model for the profile's epochs over its
  training set (:func:`acousticlib.experiments.settings`,
  :func:`acousticlib.datasets.split_sizes`) at the measured fp32 and bf16 rates, on one
  GPU and on 8 (assuming linear scaling).
* the device, torch and CUDA versions, the date and the command.

A part whose packages are missing (the GPU's Python may lack librosa or
pyroomacoustics, which no part needs, but also scipy or torchvision) is skipped with
the packages it wants, and the others still run. ``--quick`` takes a few steps per
measurement; ``--device cpu --quick --profile smoke`` runs in seconds (the unit test)::

    python tools/gpu_check.py [--device cuda] [--quick] [--profile full] [--out PATH]

Exit status 2 when ``--device cuda`` and no GPU is visible.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import math
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "gpu.json"
NO_CUDA = "no CUDA device visible (torch.cuda.is_available() is False)"
FS = 12288.0
#: The beamformer's cases: microphones, grid, frame length, frames.
BEAM_CASES: dict[str, dict[str, Any]] = {
    "dual_cam": dict(n_mics=128, grid=[36, 48], frame_length=1024, frames=12),
    "small": dict(n_mics=32, grid=[6, 8], frame_length=256, frames=4),
}
#: The packages each part imports, besides torch.
WANTS: dict[str, tuple[str, ...]] = {
    "beamformer": ("numpy", "scipy"),
    "models": ("numpy", "scipy", "torchvision", "tqdm", "filelock"),
    "one_epoch": ("numpy", "scipy", "torchvision", "tqdm", "filelock"),
    "projection": ("numpy", "scipy", "filelock", "torchvision", "tqdm"),
}
#: Several GPUs: the projection divides one GPU's time by their number.
GPUS = 8


def missing(packages: tuple[str, ...]) -> list[str]:
    """The names of ``packages`` that this Python cannot import."""
    return [p for p in packages if importlib.util.find_spec(p) is None]


def run_part(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``fn()``, or ``{"skipped": why}`` when a package it wants is not installed."""
    lacking = missing(WANTS[name])
    if not lacking:
        try:
            return fn()
        except ModuleNotFoundError as e:
            lacking = [e.name or str(e)]
    why = f"needs {', '.join(lacking)} (pip install {' '.join(lacking)})"
    print(f"{name}: skipped, {why}", file=sys.stderr)
    return {"skipped": why}


def _sync(device: str) -> Callable[[], None]:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.synchronize
    return lambda: None


def _timed(fn: Callable[[], Any], calls: int, sync: Callable[[], None]) -> float:
    """Best wall seconds of ``calls`` calls of ``fn`` (after ``sync``)."""
    best = math.inf
    for _ in range(calls):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best


def beamformer(device: str, profile: str, quick: bool) -> dict[str, Any]:
    """The device's beamformer against the CPU kernel (see the module docstring)."""
    import numpy as np

    from acousticlib import beamforming as BF
    from acousticlib import geometry as G
    from acousticlib.runtime import seeded_rng

    case_name = "dual_cam" if profile == "full" else "small"
    case = BEAM_CASES[case_name]
    mics = G.optimized_aperiodic_array().positions[: case["n_mics"]]
    grid = G.Camera().focus_grid(tuple(case["grid"]), 1.0)
    L = case["frame_length"]
    x = seeded_rng(0, "gpu_check").standard_normal((len(mics), L * case["frames"]))
    engine = "numpy" if BF.fast._numba_kernel() is None else "numba"

    def cpu() -> np.ndarray:
        return BF.acoustic_images(x, FS, mics, grid, frame_length=L, engine=engine)

    def dev() -> np.ndarray:
        return BF.acoustic_images(x, FS, mics, grid, frame_length=L, device=device)

    ref, out = cpu(), dev()  # also the warm-up: plans, kernels
    calls = 2 if quick else 5
    cpu_s = _timed(cpu, calls, lambda: None)
    dev_s = _timed(dev, calls, _sync(device))
    diff = np.abs(out.astype(np.float64) - ref)
    peak = float(np.abs(ref).max())
    big = np.abs(ref) >= 1e-6 * peak
    return {
        "case": dict(case, name=case_name, fs_hz=FS, focus_distance_m=1.0),
        "cpu_engine": engine,
        "max_abs_error": float(diff.max()),
        "max_abs_error_over_peak": float(diff.max() / peak),
        "max_rel_error": float((diff[big] / np.abs(ref[big])).max()),
        "rel_error_over": "entries at least 1e-6 of the peak",
        "peak": peak,
        "frames_per_s": case["frames"] / dev_s,
        "cpu_frames_per_s": case["frames"] / cpu_s,
        "timing": f"best of {calls} calls, set-up excluded (after a warm-up call)",
    }


def _batches(profile: str) -> dict[str, int]:
    from acousticlib.experiments import settings

    s = settings(profile)
    return {
        "uvae": s.generator_batch,
        "auvae": s.generator_batch,
        "mcgan": s.generator_batch,
        "dualcamnet": s.classifier_batch,
    }


def models(device: str, profile: str, quick: bool) -> dict[str, Any]:
    """Training samples/s of each model in fp32 and bf16 (see the module
    docstring)."""
    import torch
    from bench_models import TRAINED_MODELS, samples_per_second, training_step

    out: dict[str, Any] = {}
    for name, batch in _batches(profile).items():
        assert name in TRAINED_MODELS
        row: dict[str, Any] = {"batch": batch}
        for precision in ("fp32", "bf16"):
            step = training_step(
                name, profile, batch, device=device, precision=precision
            )
            row[f"samples_per_s_{precision}"] = samples_per_second(
                step,
                batch,
                repeats=1 if quick else 20,
                min_seconds=0.0 if quick else 3.0,
                sync=_sync(device),
            )
            del step
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
        out[name] = row
        print(
            f"{name}: {row['samples_per_s_fp32']:.1f} samples/s fp32, "
            f"{row['samples_per_s_bf16']:.1f} bf16",
            file=sys.stderr,
        )
    return {
        "models": out,
        "step": "one training step of the library's task (forward, backward, Adam; "
        "AU-VAE and MCGAN: a discriminator then a generator step) on a random batch "
        "of the training data's shapes (benchmarks/bench_models.py)",
        "sample": "one frame (generators), one 1-s window of 12 frames (DualCamNet)",
        "bf16": f"forward passes under torch.autocast({device.split(':')[0]!r}, "
        "dtype=torch.bfloat16)",
        "profile": profile,
    }


def _cached_dataset(profile: str) -> Any:
    """The profile's dataset when the cache holds it, else ``None`` (nothing is
    built)."""
    from acousticlib import cache, datasets

    key = datasets.dataset_cache_key(profile)
    if not (cache.cache_root() / "dataset" / key / cache.MANIFEST).exists():
        return None
    return datasets.camera_dataset(profile, progress=False)


def one_epoch(device: str, profile: str, quick: bool) -> dict[str, Any]:
    """One epoch of the U-VAE on a slice of the training frames (see the module
    docstring)."""
    import numpy as np
    import torch
    from bench_models import synthetic_batch

    from acousticlib.experiments import settings
    from acousticlib.models import build_model, model_spec
    from acousticlib.training import DictDataset, TrainConfig, fit

    s = settings(profile)
    n = s.generator_batch * (2 if quick else 64)
    fake = synthetic_batch("uvae", profile, n)
    ds = _cached_dataset(profile)
    if ds is None:
        source = "random tensors (the profile's dataset is not in the cache)"
        data = fake
    else:
        rows = ds.frames_of("train", include_background=True)[:n]
        n = int(rows.size)
        source = (
            "the first training frames of the cached dataset (MFCC and acoustic "
            "images); random trunk features"
        )
        data = {
            "mfcc_mono": torch.from_numpy(
                ds.read("mfcc_mono", rows).astype(np.float32)
            ),
            "frame": fake["frame"][:n],
            "acoustic": torch.from_numpy(ds.read("acoustic", rows).astype(np.float16)),
        }
    config = TrainConfig(epochs=1, batch_size=s.generator_batch, lr=s.generator_lr)
    torch.manual_seed(0)
    model = build_model(model_spec("uvae", profile))
    sync = _sync(device)
    sync()
    t0 = time.perf_counter()
    result = fit(
        model, DictDataset(**data), None, config, device=device, progress=False
    )
    sync()
    wall = time.perf_counter() - t0
    return {
        "model": "uvae",
        "data": source,
        "samples": n,
        "batch": s.generator_batch,
        "wall_s": wall,
        "samples_per_s": n / wall,
        "loss": float(result.history[-1]["train"]["loss"]),
        "includes": "fit's data loading, moving batches to the device, the steps",
    }


def projection(profile: str, measured: dict[str, Any]) -> dict[str, Any]:
    """Hours to train each model of ``measured`` over the profile's epochs and training
    set, on one GPU and on :data:`GPUS`."""
    from acousticlib import datasets
    from acousticlib.experiments import settings
    from acousticlib.training.tasks import AdversarialTask, ClassifierTask, VAETask

    s = settings(profile)
    sizes = datasets.split_sizes(datasets.dataset_config(profile), "train")
    frames = sizes["clips"] * math.ceil(datasets.FPS / s.frame_step)
    per_model = {
        "uvae": (s.generator_epochs, frames, VAETask),
        "auvae": (s.generator_epochs, frames, AdversarialTask),
        "mcgan": (s.generator_epochs, frames, AdversarialTask),
        "dualcamnet": (s.classifier_epochs, sizes["sound_clips"], ClassifierTask),
    }
    out: dict[str, Any] = {}
    for name, (epochs, samples, task) in per_model.items():
        row: dict[str, Any] = {
            "epochs": epochs,
            "train_samples": samples,
            "several_gpus_supported": bool(task.distributed),
        }
        for precision in ("fp32", "bf16"):
            rate = measured.get(name, {}).get(f"samples_per_s_{precision}")
            hours = None if not rate else epochs * samples / rate / 3600
            row[f"hours_1_gpu_{precision}"] = hours
            row[f"hours_{GPUS}_gpus_{precision}"] = (
                None if hours is None else hours / GPUS
            )
        out[name] = row
    return {
        "profile": profile,
        "models": out,
        "train_frames": frames,
        "train_windows": sizes["sound_clips"],
        "how": "hours = epochs x training samples / measured training samples/s / "
        "3600 (settings(profile): generator_epochs or classifier_epochs; "
        "datasets.split_sizes(dataset_config(profile), 'train'): the generators' "
        "frames, every frame_step-th, background recordings included, DualCamNet's "
        "1-s windows of recordings with a sound); validation passes, data loading "
        "and the dataset build are left out",
        "several_gpus": f"{GPUS} GPUs assumed to scale linearly (one GPU's hours / "
        f"{GPUS}), not measured; AU-VAE and MCGAN do not train under torchrun yet "
        "(several_gpus_supported false)",
    }


def environment(device: str, argv: list[str]) -> dict[str, Any]:
    """The device's name, torch and CUDA versions, the date and the command."""
    import torch

    cuda = device.startswith("cuda")
    return {
        "device": device,
        "device_name": torch.cuda.get_device_name(device)
        if cuda
        else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if cuda else None,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "command": shlex.join([sys.executable, *argv]),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the check; returns the exit status (2: ``--device cuda`` without a GPU)."""
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda", help="torch device (default cuda)")
    ap.add_argument("--quick", action="store_true", help="a few steps per measurement")
    ap.add_argument(
        "--profile",
        default="full",
        choices=("smoke", "book", "full"),
        help="the model widths, batches, dataset and settings (default full)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS, help="the JSON file written")
    args = ap.parse_args(argv)
    if missing(("torch",)):
        print("tools/gpu_check.py needs torch (pip install torch)", file=sys.stderr)
        return 2
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(NO_CUDA, file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    if os.environ.get("ACOUSTICLIB_THREADS"):
        torch.set_num_threads(int(os.environ["ACOUSTICLIB_THREADS"]))
    torch.manual_seed(0)
    start = time.perf_counter()
    report: dict[str, Any] = {
        "environment": environment(args.device, [__file__, *argv]),
        "profile": args.profile,
        "quick": args.quick,
    }
    report["models"] = run_part(
        "models", lambda: models(args.device, args.profile, args.quick)
    )
    report["one_epoch"] = run_part(
        "one_epoch", lambda: one_epoch(args.device, args.profile, args.quick)
    )
    # last: once numba's OpenMP threads have run the CPU kernel, they slow torch's CPU
    # steps in this process (measured: 40 ms -> 100-1400 ms per U-VAE step)
    report["beamformer"] = run_part(
        "beamformer", lambda: beamformer(args.device, args.profile, args.quick)
    )
    report["projection"] = run_part(
        "projection",
        lambda: projection(args.profile, report["models"].get("models", {})),
    )
    report["wall_s"] = time.perf_counter() - start
    from acousticlib.cache import write_json_atomic  # a temporary file, os.replace

    write_json_atomic(args.out, report, indent=2)
    print(f"wrote {args.out} in {report['wall_s']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
