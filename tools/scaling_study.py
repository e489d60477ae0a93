"""How far do more epochs, more frames and the paper's widths take the U-VAE? (the
appendix's scaling study)

Chapter 11 finds the book's generators far below the paper (whose U-VAE reaches IoU@0.5
0.77), and names the likely reasons: a few epochs on every sixth training frame, narrow
layers, a small simulated dataset. This tool measures the first three on the
``--profile``'s data (default ``book``): it trains chapter 08's U-VAE (one skip,
background samples, audio + video) in several runs that differ only in

* ``widths``: the layer widths of the ``book`` profile (32/32 channels, latent 64) or of
  the paper (``full``: 128/133 channels, latent 150); the visual trunk stays the data
  profile's;
* ``epochs``: 3 (the chapters'), 10 or 30;
* ``frame_step``: every 6th training frame (the chapters') or every frame (6 times the
  data per epoch),

all with the profile's optimiser (Adam, its learning rate and batch), training seed 0
and the validation-loss checkpoint, then scores each run on the test split's sound
frames exactly as chapter 11 does
(:func:`acousticlib.experiments.generator_test_scores`). A run is named
``WIDTHS:EPOCHS:FRAME_STEP``; ``book:3:6`` is the chapters' own U-VAE, read from the
cache.

Runs go to ``--workers`` processes (default 2, one thread each), longest first; the
trained models go to the cache (a rerun only scores them, and keeps the training times
the previous file recorded for the same cache entries). After each run the tool rewrites
``benchmarks/results/scaling_study.json`` (``scaling_study_<profile>.json`` for another
profile) atomically, so a stopped study keeps what it finished; the appendix
(``book/appendix_reproducing_the_papers``) reads that file. The default runs take about
30 minutes on 2 cores::

    .venv/bin/python tools/scaling_study.py [--runs book:3:6 book:10:6 ...] \
        [--workers 2]

On a GPU, ``--profile full --device cuda --workers 1`` runs the same study on the
paper-scale dataset.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"
DEFAULT_RUNS = (
    "book:3:6",
    "book:10:6",
    "book:30:6",
    "book:10:1",
    "book:30:1",
    "full:3:6",
    "full:10:6",
)


def results_file(profile: str) -> Path:
    """Where the study of ``profile``'s data is written: ``scaling_study.json`` for
    ``book``, else ``scaling_study_<profile>.json`` (e.g. a GPU run of the ``full``
    profile)."""
    return RESULTS / (
        "scaling_study.json" if profile == "book" else f"scaling_study_{profile}.json"
    )


def parse_run(text: str) -> tuple[str, int, int]:
    """``"WIDTHS:EPOCHS:FRAME_STEP"`` -> ``(widths, epochs, frame_step)``, with a
    clear error."""
    parts = text.split(":")
    if (
        len(parts) != 3
        or parts[0] not in ("smoke", "book", "full")
        or not (parts[1].isdigit() and parts[2].isdigit())
        or int(parts[1]) < 1
        or int(parts[2]) < 1
    ):
        raise argparse.ArgumentTypeError(
            f"a run is WIDTHS:EPOCHS:FRAME_STEP with WIDTHS smoke, book or full and "
            f"two "
            f"positive integers, e.g. book:10:6; got {text!r}"
        )
    return parts[0], int(parts[1]), int(parts[2])


def cost(run: tuple[str, int, int]) -> float:
    """A rough relative training cost (for longest-first scheduling): epochs x frames
    x width factor."""
    widths, epochs, step = run
    return epochs / step * {"smoke": 0.1, "book": 1.0, "full": 10.0}[widths]


def run_one(job: tuple[tuple[str, int, int], str, int, str]) -> dict:
    """Train (or read) one U-VAE of the study and score it on the test split's sound
    frames."""
    (widths, epochs, step), profile, seed, device = job
    import torch

    from acousticlib import experiments as ex
    from acousticlib import runtime
    from acousticlib.models import count_parameters

    runtime.configure(profile, seed, device)
    started, t0 = time.time(), time.perf_counter()
    trained = ex.train_generator(
        "uvae",
        profile,
        seed,
        epochs=epochs,
        widths=widths,
        frame_step=step,
        device=device,
        progress=False,
    )
    seconds = time.perf_counter() - t0
    trained_now = trained.path.stat().st_mtime >= started  # else it came from the cache
    info = trained.history
    frames = len(
        ex.generator_data(
            profile,
            seed,
            "train",
            frame_step=step,
            with_visual=False,
            with_acoustic=False,
        )
    )
    batch = ex.settings(profile).generator_batch
    scores = ex.generator_test_scores(
        trained.model, profile, seed, per_clip=True, device=device
    )
    gen = trained.spec["generator"]
    # the epoch training kept
    best_epoch = json.loads((trained.path / "history.json").read_text())["best_epoch"]
    return {
        "run": f"{widths}:{epochs}:{step}",
        "widths": widths,
        "epochs": epochs,
        "frame_step": step,
        "enc_channels": gen["enc_channels"],
        "mid_channels": gen["mid_channels"],
        "latent": gen["latent"],
        "parameters": count_parameters(trained.model, trainable=True),
        "train_frames": frames,
        "steps": epochs * math.ceil(frames / batch),
        "best_epoch": best_epoch,
        "val_loss": [h["val"]["loss"] for h in info],
        "val_mse": [h["val"]["mse"] for h in info],
        "train_mse": [h["train"]["mse"] for h in info],
        **scores,
        "train_seconds": seconds if trained_now else None,
        "samples_per_second": epochs * frames / seconds if trained_now else None,
        "device": device,
        "torch_threads": torch.get_num_threads(),
        "cache": trained.path.name,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument(
        "--runs",
        type=parse_run,
        nargs="+",
        default=[parse_run(r) for r in DEFAULT_RUNS],
        help="WIDTHS:EPOCHS:FRAME_STEP ... (default: %(default)s)",
    )
    parser.add_argument("--profile", default="book", choices=["smoke", "book", "full"])
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the dataset and the visual backbone",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results file (default: benchmarks/results/scaling_study.json for the "
        "book profile, "
        "scaling_study_<profile>.json for another)",
    )
    args = parser.parse_args()
    if args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    out = args.out or results_file(args.profile)
    # longest first, duplicates dropped
    runs = sorted(dict.fromkeys(args.runs), key=cost, reverse=True)
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "ACOUSTICLIB_THREADS",
    ):
        os.environ.setdefault(var, "1")
    from acousticlib import datasets
    from acousticlib import experiments as ex
    from acousticlib.cache import write_json_atomic

    # built once here, not in every worker
    ex.trunk_features(args.profile, args.seed, device=args.device)
    ds = ex.camera_data(args.profile, args.seed, progress=False)
    head = {
        "profile": args.profile,
        "seed": args.seed,
        "split": "test",
        "model": "uvae",
        "skips": 1,
        "train_seed": args.seed,
        "batch": ex.settings(args.profile).generator_batch,
        "lr": ex.settings(args.profile).generator_lr,
        "dataset": ds.folder.name,
        "test_clips": len(
            set(
                ds.index["clip"][
                    ds.frames_of("test", include_background=False)
                ].tolist()
            )
        ),
        "dataset_code_version": datasets.DATASET_CODE_VERSION,
        "date": time.strftime("%Y-%m-%d"),
    }
    # a model read from the cache keeps the training time of the previous file's run of
    # the same cache entry
    timed = {}
    if out.exists():
        timed = {
            (r["run"], r["cache"]): r
            for r in json.loads(out.read_text()).get("results", [])
            if r.get("train_seconds") is not None
        }
    rows: list[dict] = []
    print(
        f"{len(runs)} runs on {args.workers} workers: "
        f"{' '.join(':'.join(map(str, r)) for r in runs)}",
        flush=True,
    )
    jobs = [(r, args.profile, args.seed, args.device) for r in runs]
    with mp.get_context("spawn").Pool(args.workers) as pool:
        for row in pool.imap_unordered(run_one, jobs):
            earlier = timed.get((row["run"], row["cache"]))
            took = (
                "from the cache"
                if row["train_seconds"] is None
                else f"trained in {row['train_seconds']:.0f} s"
            )
            if row["train_seconds"] is None and earlier is not None:
                row.update(
                    train_seconds=earlier["train_seconds"],
                    samples_per_second=earlier["samples_per_second"],
                    torch_threads=earlier["torch_threads"],
                    device=earlier["device"],
                )
            rows.append(row)
            rows.sort(key=lambda r: (r["widths"], r["frame_step"] != 6, r["epochs"]))
            write_json_atomic(out, {**head, "results": rows})
            print(
                f"{row['run']:10s} MSE {100 * row['mse']:.3f} x1e-2, IoU>0.5 "
                f"{row['iou_success']:.3f}, "
                f"AUC {row['auc']:.3f}, peak in box {row['peak_in_box']:.3f}, best "
                f"epoch {row['best_epoch']} "
                f"({took})",
                flush=True,
            )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
