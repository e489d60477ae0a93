"""The spread of chapter 15's learnt localizers over training seeds.

Chapter 15 scores every localizer once (training seed 0: the chapters' own models). How
much of a difference between two of them is the luck of one training run? This tool
scores the learnt localizers (the U-VAE, AU-VAE and MCGAN energy maps, read from the
cache where ``tools/training_seeds.py`` or the chapters trained them, and the
attention localizer with and without EZ-VSL's object guidance, trained here in about 30
s each) for ``--train-seeds`` (default 0 1 2) on the **same** data, on the test split
and the unseen locations, exactly as the chapter does
(:func:`acousticlib.experiments.localization_scores`): cIoU@0.5, mean cIoU and AUC in
both conventions and the pointing game. It also records the seed-free localizers once
(the real energy map, SRP-PHAT and the baselines), so that the results file holds the
whole table. Prints mean +- std per localizer and writes
``benchmarks/results/localization_seeds.json`` atomically, where chapter 15 reads it::

    .venv/bin/python tools/localization_seeds.py [--train-seeds 0 1 2]

About 4 minutes on 2 cores with the generators cached (one thread, as the book runs).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

OUT = (
    Path(__file__).resolve().parent.parent
    / "benchmarks"
    / "results"
    / "localization_seeds.json"
)
LEARNT = ("uvae", "auvae", "mcgan", "attention", "attention_ogl")
SPLITS = ("test", "unseen")


#: The scores kept per run: "<convention>_<summary>" and the two pointing games.
KEYS = (
    *(f"{c}_{k}" for c in ("lvs", "authors") for k in ("ciou@0.5", "mean", "auc")),
    "pointing",
    "silent",
)


def _summary(scores: dict) -> dict[str, float]:
    out = {}
    for key in KEYS:
        conv, _, what = key.partition("_")
        out[key] = float(scores[key] if key in scores else scores[conv][what])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="book")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if len(set(args.train_seeds)) < 2:
        parser.error("--train-seeds needs at least two different seeds for a spread")

    from acousticlib import experiments as ex
    from acousticlib import runtime

    runtime.configure(args.profile, args.seed, "cpu")
    ds = ex.camera_data(args.profile, args.seed, progress=False)
    results = []
    for split in SPLITS:
        rows = ex.localization_rows(ds, split)
        for name in ex.LOCALIZERS:
            seeds = args.train_seeds if name in LEARNT else [None]
            for train_seed in seeds:
                t0 = time.perf_counter()
                maps = ex.localizer_maps(
                    name, args.profile, args.seed, split, train_seed=train_seed or 0
                )
                seconds = time.perf_counter() - t0
                scores = _summary(ex.localization_scores(maps, ds, rows))
                results.append(
                    {
                        "localizer": name,
                        "split": split,
                        "train_seed": train_seed,
                        "frames": int(len(rows)),
                        "seconds": seconds,
                        **scores,
                    }
                )
                print(
                    f"{split:7s} {name:14s} seed {train_seed}: pointing "
                    f"{scores['pointing']:.3f}, mean cIoU (authors) "
                    f"{scores['authors_mean']:.3f}, {seconds:.1f} s",
                    flush=True,
                )
    summary: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for split in SPLITS:
        summary[split] = {}
        for name in ex.LOCALIZERS:
            mine = [
                r for r in results if r["split"] == split and r["localizer"] == name
            ]
            summary[split][name] = {
                key: {
                    "mean": float(np.mean([r[key] for r in mine])),
                    "std": float(np.std([r[key] for r in mine], ddof=1))
                    if len(mine) > 1
                    else 0.0,
                    "runs": len(mine),
                }
                for key in KEYS
            }
    record = {
        "profile": args.profile,
        "seed": args.seed,
        "train_seeds": args.train_seeds,
        "frames": "the middle frame of every sounding clip of the split",
        "results": results,
        "summary": summary,
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")
    for split in SPLITS:
        for name, s in summary[split].items():
            p = s["pointing"]
            print(f"{split:7s} {name:14s} pointing {p['mean']:.3f} +- {p['std']:.3f}")


if __name__ == "__main__":
    main()
