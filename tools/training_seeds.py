"""The spread of the generators' test scores over training seeds (chapter 11's "mean +-
std over seeds").

Chapter 11 compares generators trained once (training seed 0). How much of a difference
between two of them is the luck of one training run? This tool trains each generator of
chapters 08-10 (``--models``, default the U-VAE, AU-VAE and MCGAN of the chapters, with
the book profile's settings) again with other training seeds (``--train-seeds``, default
0 1 2; seed 0 is the chapters' own model, read from the cache) on the **same** data (the
dataset, the visual backbone and its features keep ``--seed``), then scores every run on
the test split's sound frames exactly as chapter 11 does:

* ``mse``: the pixel error against the normalised real images
  (:func:`metrics.evaluate_generator`);
* ``iou_success``: share of frames whose energy map has IoU > 0.5 with the real map
  (Table V's score);
* ``auc``: the success-rate AUC of those IoUs (Table IV's convention);
* ``peak_in_box``: share of frames whose energy peaks inside a true source box.

The trained models go to the cache like the chapters' (a rerun only scores them). Runs
in ``--workers`` processes (default 2; about 4 minutes on 2 cores with the chapters'
models cached), prints a table with mean +- std per generator and writes
``benchmarks/results/training_seeds.json`` atomically, where chapter 11 reads it::

    .venv/bin/python tools/training_seeds.py [--train-seeds 0 1 2] [--workers 2]
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
    / "training_seeds.json"
)
SCORES = ("mse", "iou_success", "auc", "peak_in_box")


def run_one(job: tuple[str, int, str, int]) -> dict[str, float]:
    """Train (or read) one generator with one training seed; score it on the test
    split's sound frames."""
    name, train_seed, profile, seed = job
    from acousticlib import experiments as ex
    from acousticlib import runtime

    runtime.configure(profile, seed, "cpu")
    t0 = time.perf_counter()
    trained = ex.train_generator(
        name, profile, seed, train_seed=train_seed, progress=False
    )
    seconds = time.perf_counter() - t0
    scores = ex.generator_test_scores(trained.model, profile, seed)
    return {
        "model": name,
        "train_seed": train_seed,
        **scores,
        "seconds": seconds,
        "cache": trained.path.name,
    }


def summarise(rows: list[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean and population std of each score over the seeds, per model
    (:func:`acousticlib.metrics.spread_over_runs`)."""
    from acousticlib.metrics import spread_over_runs

    return spread_over_runs(rows, "model", SCORES)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=["uvae", "auvae", "mcgan"],
        choices=["uvae", "auvae", "mcgan"],
    )
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="book")
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the dataset and the visual backbone",
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if len(set(args.train_seeds)) < 2:
        parser.error("--train-seeds needs at least two different seeds for a spread")
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "ACOUSTICLIB_THREADS",
    ):
        os.environ.setdefault(var, "1")
    from acousticlib import experiments as ex

    ex.trunk_features(args.profile, args.seed)  # built once here, not in every worker
    jobs = [
        (m, s, args.profile, args.seed) for m in args.models for s in args.train_seeds
    ]
    with mp.get_context("spawn").Pool(args.workers) as pool:
        rows = pool.map(run_one, jobs)
    summary = summarise(rows)
    print(
        f"{'model':6s} {'seed':>4s} {'MSE x1e-2':>9s} {'IoU>0.5':>8s} {'AUC':>6s} "
        f"{'peak in box':>11s}"
    )
    for r in rows:
        print(
            f"{r['model']:6s} {r['train_seed']:4d} {100 * r['mse']:9.3f} "
            f"{r['iou_success']:8.3f} {r['auc']:6.3f} "
            f"{r['peak_in_box']:11.3f}"
        )
    for name, s in summary.items():
        print(
            f"{name:6s} mean +- std over {s['runs']['count']} seeds: MSE "
            f"{100 * s['mse']['mean']:.3f} +- "
            f"{100 * s['mse']['std']:.3f} x1e-2, IoU>0.5 "
            f"{s['iou_success']['mean']:.3f} +- {s['iou_success']['std']:.3f}, "
            f"peak in box {s['peak_in_box']['mean']:.3f} +- "
            f"{s['peak_in_box']['std']:.3f}"
        )
    from acousticlib.cache import write_json_atomic

    payload = {
        "profile": args.profile,
        "seed": args.seed,
        "split": "test",
        "train_seeds": args.train_seeds,
        "results": rows,
        "summary": summary,
        "date": time.strftime("%Y-%m-%d"),
    }
    write_json_atomic(OUT, payload)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
