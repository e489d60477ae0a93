"""Train chapter 13's classifiers once, ship their weights with the package and measure
their spread over training seeds.

Chapter 13 trains eleven classifiers on the array-free domain
(:mod:`acousticlib.experiments.arrayfree`): DualCamNet on real, tiled-MFCC and
generated acoustic images (three generators, each with chapter 07's trunk and with the
trunk fine-tuned on the domain), the VGGish-like spectrogram CNN and the video model. On
2 CPU cores DualCamNet alone learns about 58 windows per second, so the eight DualCamNet
classifiers take most of half an hour: far more than a chapter's 4 minutes. They are
trained here, in one process of one torch thread (the chapters' setting: weights differ
between thread counts), and the weights of training seed ``--seed`` (0.1-0.5 MB each;
the fine-tuned trunk 11 MB) go to ``acousticlib/data/weights/ch13-<name>-<profile>-
seed<seed>-train<seed>/``, keyed to the model's cache key (dataset, model, training
configuration). The chapter loads them through
:func:`acousticlib.experiments.train_arrayfree_classifier`; when the key differs it
trains its own.

``--only`` trains some of them (two processes of the tool, each with its own
``--only``, share the results file: each adds its classifiers to what is there).
``--train-seeds`` trains every classifier again with other training seeds on the same
data (the spread the chapter reports as mean +- std). Every test accuracy, the best
epoch and the wall seconds each model took in this run (data included; about 0 for a
model found in the cache; ``benchmarks/bench_models.py`` measures training speeds) go
to
``benchmarks/results/arrayfree_classification.json``::

    ACOUSTICLIB_THREADS=1 .venv/bin/python tools/train_arrayfree.py \\
        [--profile book] [--seed 0] [--train-seeds 1 2] [--only mcgan tiled]
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "arrayfree_classification.json"


def main(argv: list[str] | None = None) -> int:
    from acousticlib import datasets, runtime, training
    from acousticlib.cache import write_json_atomic
    from acousticlib.experiments import arrayfree as af

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="book", choices=runtime.PROFILES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-seeds", type=int, nargs="*", default=[1, 2])
    parser.add_argument(
        "--only", nargs="*", choices=af.ARRAYFREE_CLASSIFIERS, default=None
    )
    parser.add_argument("--no-ship", action="store_true", help="measure only")
    args = parser.parse_args(argv)
    from acousticlib.runtime import warn_unless_book_threads

    warn_unless_book_threads()
    run = runtime.configure(args.profile, args.seed)
    names = args.only or list(af.ARRAYFREE_CLASSIFIERS)
    seeds = [args.seed, *[s for s in args.train_seeds if s != args.seed]]

    t0 = time.perf_counter()
    ds = af.arrayfree_data(args.profile, args.seed, progress=True)
    print(f"array-free domain: {ds} ({time.perf_counter() - t0:.0f} s)", flush=True)
    # the fine-tuned trunks the selected classifiers need: trained (or loaded) first,
    # shipped with the classifiers
    trunk_seconds = {}
    for what, needed, make in (
        ("finetuned", "_class", af.finetuned_classifier),
        ("correspondence", "_triplet", af.correspondence_pair),
    ):
        if not any(n.endswith(needed) for n in names):
            continue
        t0 = time.perf_counter()
        trunk = make(args.profile, args.seed, progress=True)
        trunk_seconds[what] = round(time.perf_counter() - t0, 1)
        print(f"{what} trunk: {trunk.origin} ({trunk_seconds[what]} s)", flush=True)
        if not args.no_ship:
            training.ship_weights(
                trunk,
                f"arrayfree-{what}-trunk-{args.profile}-seed{args.seed}",
                {"command": " ".join(["tools/train_arrayfree.py", *sys.argv[1:]])},
            )

    config = af.arrayfree_config(args.profile, args.seed)
    dataset_key = datasets.dataset_cache_key(config)
    for name in names:
        per_seed = {}
        for t in seeds:
            t0 = time.perf_counter()
            trained = af.train_arrayfree_classifier(
                name, args.profile, args.seed, train_seed=t, progress=False
            )
            seconds = time.perf_counter() - t0
            scores = af.arrayfree_scores(name, args.profile, args.seed, train_seed=t)
            history = json.loads((trained.path / "history.json").read_text())
            per_seed[str(t)] = {
                "accuracy": scores["accuracy"],
                # this run's wall time, data included (about 0 from the cache)
                "seconds": round(seconds, 1),
                "origin": trained.origin,
                "best_epoch": history.get("best_epoch"),
            }
            print(
                f"{name:>12} train seed {t}: accuracy {scores['accuracy']:.3f} "
                f"({trained.origin}, {seconds:.0f} s)",
                flush=True,
            )
            if t == args.seed and not args.no_ship:
                training.ship_weights(
                    trained,
                    af.arrayfree_weights(name, args.profile, args.seed, t),
                    {
                        "command": " ".join(
                            ["tools/train_arrayfree.py", *sys.argv[1:]]
                        ),
                        "test_accuracy": scores["accuracy"],
                    },
                )
        acc = [v["accuracy"] for v in per_seed.values()]
        # re-read: another process of this tool may have added other classifiers
        old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        same = old.get("profile") == args.profile and old.get("dataset") == dataset_key
        rows = dict(old.get("classifiers", {})) if same else {}
        seconds = dict(old.get("trunk_seconds", {})) if same else {}
        seconds.update(trunk_seconds)
        rows[name] = {
            "train_seeds": per_seed,
            "mean": float(sum(acc) / len(acc)),
            "std": float(
                (sum((a - sum(acc) / len(acc)) ** 2 for a in acc) / len(acc)) ** 0.5
            ),
        }
        write_json_atomic(
            RESULTS,
            {
                "what": "chapter 13: test accuracy of each classifier on the "
                "array-free domain, per training seed (std over seeds, population)",
                # every command that added to the file, e.g. two processes' --only
                "commands": sorted(
                    set(old.get("commands", []) if same else [])
                    | {" ".join(["tools/train_arrayfree.py", *sys.argv[1:]])}
                ),
                "dataset": dataset_key,
                "profile": args.profile,
                "seed": args.seed,
                "machine": f"{platform.machine()}, torch threads {run.threads}",
                "date": datetime.date.today().isoformat(),
                "trunk_seconds": seconds,
                "classifiers": rows,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
