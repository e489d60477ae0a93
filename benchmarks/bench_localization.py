"""Speed of chapter 15's localization pieces on the CPU: the attention localizer's
training (clips/s) and heat maps (frames/s), and the cIoU scoring of maps at frame
resolution (frames/s) in both conventions.

* ``train``: one optimizer step (forward over the batch's B x B pairs, the
  multiple-instance contrastive loss, backward, Adam) of
  :class:`acousticlib.localization.AttentionLocalizer` at the sizes of
  ``ATTENTION_TRAINING[profile]``, on batches of random clips (12 288 samples) and
  trunk features ``(256, 12, 16)``: the cost does not depend on the values;
* ``heat maps``: :meth:`AttentionLocalizer.heat_map` on the same batch;
* ``ciou``: :func:`acousticlib.metrics.ciou_scores` of ``36 x 48`` maps against ``144
  x 192`` consensus maps (the book's frames), ``"lvs"`` (resize, min-max, median) and
  ``"authors"`` (resize, mean);
* ``srp``: :func:`acousticlib.localization.srp_phat_maps` of 1 s of random signals at
  the 128 microphones (12 frames of 1024 samples) on the 36 x 48 focus grid at 1 m
  (the first, untimed call compiles the beamformer's kernel);
* ``--localizers``: every localizer of chapter 15
  (:data:`acousticlib.experiments.LOCALIZERS`) through
  :func:`acousticlib.experiments.scene_maps`, uncached, on the first ``--frames`` of
  the book dataset's scored test frames (the middle frame of each clip): frames/s of
  the whole computation, the array signals' re-simulation included for SRP-PHAT and
  NormMUSIC, the models' loading excluded (a first, untimed call on one frame loads
  them);
* ``--real``: one epoch of :func:`acousticlib.training.fit` with the
  :class:`~acousticlib.localization.AttentionTask` on the book dataset's training
  clips (``ACOUSTICLIB_CACHE`` must hold the dataset and its trunk features), data
  loading included.

    .venv/bin/python benchmarks/bench_localization.py [--threads 1] [--batches 3]
    [--profile book] [--real] [--localizers] [--frames 30]

Prints a table and writes ``benchmarks/results/localization.json`` (atomically).
Wall-clock timings on a shared machine depend on its load: the load average at start
and end is recorded beside them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from bench_beamforming import _cpu_model  # this folder, on sys.path when run
from bench_distillation_models import _times

from acousticlib.cache import write_json_atomic
from acousticlib.experiments.localization import ATTENTION_TRAINING, _localizer
from acousticlib.localization import AttentionTask
from acousticlib.metrics import ciou_scores
from acousticlib.sounds import FS
from acousticlib.training import TrainConfig, fit

RESULTS = Path(__file__).resolve().parent / "results" / "localization.json"


def bench_model(profile: str, batches: int) -> dict:
    sizes = ATTENTION_TRAINING[profile]
    b = sizes["batch_size"]
    torch.manual_seed(0)
    model = _localizer(256, sizes)
    batch = {
        "audio": 0.1 * torch.randn(b, int(FS)),
        "visual": torch.randn(b, 256, 12, 16),
    }
    task = AttentionTask(model)
    opts = task.optimizers(TrainConfig(lr=sizes["lr"], batch_size=b))
    model.train()
    train = _times(lambda: task.train_step(batch, opts), batches)
    model.eval()
    maps = _times(lambda: model.heat_map(batch["audio"], batch["visual"]), batches)
    return dict(
        profile=profile,
        batch=b,
        parameters=sum(p.numel() for p in model.parameters()),
        train_seconds_per_batch=min(train),
        train_clips_per_s=b / min(train),
        train_clips_per_s_median=b / statistics.median(train),
        heat_map_frames_per_s=b / min(maps),
        heat_map_frames_per_s_median=b / statistics.median(maps),
    )


def bench_ciou(frames: int, batches: int) -> dict:
    rng = np.random.default_rng(0)
    maps = rng.random((frames, 36, 48))
    truth = np.zeros((frames, 144, 192))
    truth[:, 40:80, 60:120] = 1.0
    truth[:, 36:84, 56:124] = np.maximum(truth[:, 36:84, 56:124], 0.5)
    out = {}
    for conv in ("lvs", "authors"):
        t = _times(lambda conv=conv: ciou_scores(maps, truth, conv), batches)
        out[conv] = frames / min(t)
    return out


def bench_srp(batches: int) -> float:
    from acousticlib.geometry import Camera, optimized_aperiodic_array
    from acousticlib.localization import srp_phat_maps

    mics = np.asarray(optimized_aperiodic_array())
    grid = Camera().focus_grid()
    x = np.random.default_rng(0).standard_normal((len(mics), int(FS)))
    t = _times(lambda: srp_phat_maps(x, FS, mics, grid), batches)
    return 12 / min(t)


def bench_localizers(profile: str, frames: int) -> dict:
    from acousticlib import experiments as ex

    ds = ex.camera_data(profile, 0, progress=False)
    feats = ex.trunk_features(profile, 0, progress=False)
    rows = ex.localization_rows(ds, "test")[:frames]
    out = {}
    for name in ex.LOCALIZERS:
        ex.scene_maps(name, ds, feats, rows[:1], profile)  # loads (or trains) models
        start = time.perf_counter()
        ex.scene_maps(name, ds, feats, rows, profile)
        out[name] = len(rows) / (time.perf_counter() - start)
        print(f"  {name:14s} {out[name]:9.1f} frames/s", flush=True)
    return {"frames": int(len(rows)), "frames_per_s": out}


def bench_real(profile: str) -> dict:
    from acousticlib import experiments
    from acousticlib.experiments.localization import attention_clips

    sizes = ATTENTION_TRAINING[profile]
    ds = experiments.camera_data(profile, 0, progress=False)
    feats = experiments.trunk_features(profile, 0, progress=False)
    start = time.perf_counter()
    train, _ = attention_clips(ds, feats, "train")
    load = time.perf_counter() - start
    torch.manual_seed(0)
    model = _localizer(int(feats.shape[1]), sizes)
    config = TrainConfig(epochs=1, batch_size=sizes["batch_size"], lr=sizes["lr"])
    start = time.perf_counter()
    result = fit(model, train, None, config, progress=False, task=AttentionTask(model))
    epoch = time.perf_counter() - start
    return dict(
        clips=len(train),
        load_seconds=load,
        epoch_seconds=epoch,
        clips_per_s=len(train) / epoch,
        loss=result.history[-1]["train"]["loss"],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--profile", default="book")
    ap.add_argument("--ciou-frames", type=int, default=256)
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--localizers", action="store_true")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    started = datetime.datetime.now()
    load_start = os.getloadavg()
    model = bench_model(args.profile, args.batches)
    ciou = bench_ciou(args.ciou_frames, args.batches)
    srp = bench_srp(args.batches)
    real = bench_real(args.profile) if args.real else None
    localizers = (
        bench_localizers(args.profile, args.frames) if args.localizers else None
    )
    load_end = os.getloadavg()
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.profile}")
    print(
        f"attention localizer ({model['parameters']:,d} parameters, batch "
        f"{model['batch']}): train {model['train_clips_per_s']:.1f} clips/s, heat "
        f"maps {model['heat_map_frames_per_s']:.0f} frames/s"
    )
    print(
        f"ciou_scores 36 x 48 -> 144 x 192: lvs {ciou['lvs']:.0f} frames/s, authors "
        f"{ciou['authors']:.0f} frames/s"
    )
    print(f"srp_phat_maps 128 microphones, 36 x 48: {srp:.1f} frames/s")
    if real is not None:
        print(
            f"one epoch on the {args.profile} training split: {real['clips']} clips in "
            f"{real['epoch_seconds']:.1f} s ({real['clips_per_s']:.1f} clips/s; data "
            f"{real['load_seconds']:.1f} s)"
        )
    figures = dict(
        model=model,
        ciou_frames_per_s=ciou,
        srp_phat_frames_per_s=srp,
        real_epoch=real,
        localizers=localizers,
        setting=dict(
            threads=args.threads,
            batches=args.batches,
            ciou_frames=args.ciou_frames,
            step="AttentionTask.train_step: forward, MIL contrastive loss, backward, "
            "Adam",
        ),
        machine=dict(
            cpu_count=os.cpu_count(),
            cpu_model=_cpu_model(),
            python=platform.python_version(),
            torch=torch.__version__,
        ),
        load_average=dict(start=list(load_start), end=list(load_end)),
        date=started.isoformat(timespec="seconds"),
    )
    write_json_atomic(args.output, figures, indent=2)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
