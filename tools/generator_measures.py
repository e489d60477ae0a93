"""What each spatial measure buys the U-VAE, with its spread over training seeds (the
appendix).

Chapter 11 finds the book's U-VAE (one skip, zero padding) right about *how much* of the
grid is loud (IoU > 0.5 in about 0.8 of test frames) but less often right about *where*
the loudest point is, and its maps peak at the grid's edge more often than real ones.
Three measures could give the decoder a better sense of place:

* ``2 skips``: the encoder's 12 x 16 map, where the visual features enter, is passed to
  the decoder too (:class:`~acousticlib.models.GeneratorConfig` ``skips=2``); the one
  skip of the book's U-VAE comes from the 36 x 48 audio branch, which sees only the
  spatially constant tiled MFCC;
* ``reflect padding``: the 3 x 3 convolutions continue the border into the padding
  instead of zeros (``padding="reflect"``), so the edge is not a feature the decoder can
  key on;
* ``mirror``: each training frame mirrored left-right with probability 1/2
  (:class:`~acousticlib.experiments.MirroredFrames`), twice the layouts to learn from;

and ``all three`` together. Each variant is trained with ``--train-seeds`` (default 0 1
2) on the same data as chapter 08's U-VAE (``chapters`` is that model: its seed 0 is the
chapters' own, from the cache) and scored on the test split's sound frames as chapter 11
scores generators (:func:`experiments.generator_test_scores`: MSE, IoU > 0.5, AUC, peak
in a true box, peak within 2 cells of the edge), plus GAN-test: the accuracy of chapter
11's judge (the shipped DualCamNet trained on real windows) on the variant's generated
test windows; the file also holds the judge's accuracy on real and on tiled-MFCC test
windows (``judge_on``). Runs in ``--workers`` processes (default 2, one torch thread
each), prints a table with mean +- std per variant and writes
``benchmarks/results/generator_measures.json`` atomically, which the appendix reads::

    .venv/bin/python tools/generator_measures.py [--train-seeds 0 1 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "benchmarks"
    / "results"
    / "generator_measures.json"
)
#: Variant name -> train_generator keywords.
VARIANTS: dict[str, dict] = {
    "chapters": {},
    "2 skips": {"skips": 2},
    "reflect padding": {"padding": "reflect"},
    "mirror": {"flip": True},
    "all three": {"skips": 2, "padding": "reflect", "flip": True},
}
SCORES = ("mse", "iou_success", "auc", "peak_in_box", "peak_near_border", "gan_test")


def run_one(job: tuple[str, int, str, int]) -> dict:
    """Train (or read) one variant with one training seed; score it on the test
    split."""
    variant, train_seed, profile, seed = job
    from acousticlib import experiments as ex
    from acousticlib import metrics, runtime

    runtime.configure(profile, seed, "cpu")
    t0 = time.perf_counter()
    trained = ex.train_generator(
        "uvae",
        profile,
        seed,
        train_seed=train_seed,
        progress=False,
        **VARIANTS[variant],
    )
    seconds = time.perf_counter() - t0
    scores = ex.generator_test_scores(trained.model, profile, seed)
    judge = ex.train_classifier("real", profile, seed, progress=False).model
    windows, labels = ex.classifier_windows(
        "uvae", "test", profile, seed, generators={"uvae": trained.model}
    )
    scores["gan_test"] = float(metrics.gan_test(judge, windows, labels))
    return {
        "variant": variant,
        "train_seed": train_seed,
        **scores,
        "seconds": seconds,
        "cache": trained.path.name,
    }


def summarise(rows: list[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean and population std of each score over the seeds, per variant
    (:func:`acousticlib.metrics.spread_over_runs`)."""
    from acousticlib.metrics import spread_over_runs

    return spread_over_runs(rows, "variant", SCORES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(VARIANTS),
        choices=list(VARIANTS),
        metavar="VARIANT",
        help=f"variants to train (default all: {', '.join(VARIANTS)})",
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
    args = parser.parse_args(argv)
    if len(set(args.train_seeds)) < 2:
        parser.error("--train-seeds needs at least two different seeds for a spread")
    if args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "ACOUSTICLIB_THREADS",
    ):
        os.environ.setdefault(var, "1")
    from acousticlib import experiments as ex
    from acousticlib.cache import write_json_atomic

    ex.trunk_features(args.profile, args.seed)  # built once here, not in every worker
    judge = ex.train_classifier(
        "real", args.profile, args.seed
    ).model  # shipped, or trained once here
    from acousticlib import metrics

    references = {
        source: float(
            metrics.gan_test(
                judge, *ex.classifier_windows(source, "test", args.profile, args.seed)
            )
        )
        for source in ("real", "tiled")
    }  # the judge on real and on tiled-MFCC test windows
    jobs = [
        (v, s, args.profile, args.seed) for v in args.variants for s in args.train_seeds
    ]
    with mp.get_context("spawn").Pool(args.workers) as pool:
        rows = pool.map(run_one, jobs)
    summary = summarise(rows)
    head = (
        f"{'variant':16s} {'seed':>4s} {'MSE e-2':>7s} {'IoU>.5':>6s} {'AUC':>5s} "
        f"{'in box':>6s} {'edge':>5s} {'GAN-test':>8s}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['variant']:16s} {r['train_seed']:4d} {100 * r['mse']:7.3f} "
            f"{r['iou_success']:6.3f} {r['auc']:5.3f} "
            f"{r['peak_in_box']:6.3f} {r['peak_near_border']:5.3f} {r['gan_test']:8.3f}"
        )
    for name, s in summary.items():
        print(
            f"{name:16s} mean +- std over {s['runs']['count']} seeds: "
            + ", ".join(f"{k} {s[k]['mean']:.3f} +- {s[k]['std']:.3f}" for k in SCORES)
        )
    write_json_atomic(
        OUT,
        {
            "profile": args.profile,
            "seed": args.seed,
            "split": "test",
            "train_seeds": args.train_seeds,
            "dataset": ex.camera_data(
                args.profile, args.seed, progress=False
            ).folder.name,
            "variants": {v: VARIANTS[v] for v in args.variants},
            "results": rows,
            "summary": summary,
            "judge_on": references,
            "command": " ".join(
                ["python", "tools/generator_measures.py", *sys.argv[1:]]
            ),
            "date": time.strftime("%Y-%m-%d"),
        },
    )
    print(
        f"the judge on real test windows {references['real']:.3f}, on tiled-MFCC ones "
        f"{references['tiled']:.3f}"
    )
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
