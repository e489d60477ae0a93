"""Choose the weight of the generators' spatial loss term on the validation split
(chapter 08).

For each weight (``--weights``, default 0 10 30 100 300) and each U-VAE with 1 and 2
skip connections, train the book profile's U-VAE from scratch (its settings: epochs,
batch, learning rate, every ``frame_step``-th training frame, seed) with
``spatial_weight`` set, then measure on every third validation frame with a sound:

* ``mse``: the pixel error against the normalised real images;
* ``where_over_flat``: the spatial ("where") part of that error over a flat image's (1:
  no layout learnt; chapter 08's split);
* ``iou_mean``, ``iou_success``: energy-map IoU with the real map (binarized at the
  mean) and the share of frames with IoU > 0.5 (chapter 11's convention);
* ``peak_in_box``: share of single-source frames whose generated map peaks inside the
  true box.

The models are not cached (the sweep must not fill the cache with variants no chapter
uses). Runs in ``--workers`` processes (default 2, about 5 minutes on 2 cores), prints a
table and writes ``benchmarks/results/spatial_weight_sweep.json`` atomically::

    .venv/bin/python tools/sweep_spatial_weight.py [--weights 0 10 30 100 300] \
        [--workers 2]

The dataset, the pretrained backbone and its trunk features come from the cache
(chapters 06-07 build them when missing).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "benchmarks"
    / "results"
    / "spatial_weight_sweep.json"
)


def run_one(job: tuple[float, int, str, int]) -> dict[str, float]:
    """Train one U-VAE (weight, skips) on the profile's training frames; score it on
    validation."""
    weight, skips, profile, seed = job
    import numpy as np
    import torch
    from torch.nn import functional as F

    from acousticlib import datasets, features, metrics, runtime
    from acousticlib import experiments as ex
    from acousticlib.losses import spatial_loss
    from acousticlib.models import build_model, model_spec
    from acousticlib.training import TrainConfig, fit

    runtime.configure(profile, seed, "cpu")
    s = ex.settings(profile)
    train = ex.generator_data(profile, seed, "train", frame_step=s.frame_step)
    val = ex.generator_data(profile, seed, "val", frame_step=s.frame_step)
    torch.manual_seed(seed)
    model = build_model(model_spec("uvae", profile, skips=skips, spatial_weight=weight))
    config = TrainConfig(
        epochs=s.generator_epochs,
        batch_size=s.generator_batch,
        lr=s.generator_lr,
        seed=seed,
        monitor="loss",
    )
    t0 = time.perf_counter()
    fit(model, train, val, config, progress=False)
    seconds = time.perf_counter() - t0
    del train, val

    ds = ex.camera_data(profile, seed, progress=False)
    step = 3
    rows = ds.frames_of("val", include_background=False)
    rows = rows[ds.index["frame"][rows] % step == 0]
    data = ex.generator_data(profile, seed, "val", frame_step=step, background=False)
    out = metrics.generate(model, data, keep=("generated", "real"))
    gen, real = out["generated"], out["real"]
    where = float(spatial_loss(gen, real))
    # the where error of a flat image
    flat = float(spatial_loss(torch.zeros_like(real), real))
    e_gen = features.energy_map(gen.numpy().transpose(0, 2, 3, 1))
    e_real = features.energy_map(real.numpy().transpose(0, 2, 3, 1))
    ious = metrics.energy_iou(e_gen, e_real)
    boxes = ds.array("boxes")[rows]
    single = np.sum(np.isfinite(boxes[:, :, 0]), axis=1) == 1
    peak = datasets.peaks_in_boxes(
        e_gen[single], boxes[single, 0], ds.config.height, ds.config.width
    )
    return {
        "spatial_weight": weight,
        "skips": skips,
        "mse": float(F.mse_loss(gen, real)),
        "where_over_flat": where / flat,
        "iou_mean": float(ious.mean()),
        "iou_success": float(np.mean(ious > 0.5)),
        "peak_in_box": float(peak.mean()),
        "frames": int(len(gen)),
        "train_seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument(
        "--weights", type=float, nargs="+", default=[0.0, 10.0, 30.0, 100.0, 300.0]
    )
    parser.add_argument("--skips", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile", default="book")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "ACOUSTICLIB_THREADS",
    ):
        os.environ.setdefault(var, "1")
    jobs = [(w, k, args.profile, args.seed) for w in args.weights for k in args.skips]
    from acousticlib import experiments as ex

    ex.trunk_features(args.profile, args.seed)  # built once here, not in every worker
    with mp.get_context("spawn").Pool(args.workers) as pool:
        rows = pool.map(run_one, jobs)
    print(
        f"{'weight':>7s} {'skips':>5s} {'MSE':>8s} {'where/flat':>10s} {'IoU':>6s} "
        f"{'IoU>0.5':>8s} {'peak in box':>11s}"
    )
    for r in rows:
        print(
            f"{r['spatial_weight']:7g} {r['skips']:5d} {r['mse']:8.5f} "
            f"{r['where_over_flat']:10.3f} {r['iou_mean']:6.3f} "
            f"{r['iou_success']:8.3f} {r['peak_in_box']:11.3f}"
        )
    from acousticlib.cache import write_json_atomic

    payload = {
        "profile": args.profile,
        "seed": args.seed,
        "split": "val",
        "results": rows,
        "date": time.strftime("%Y-%m-%d"),
    }
    write_json_atomic(OUT, payload)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
