"""Train chapter 14's retrieval pairs once, ship their weights with the package and
measure their spread over training seeds.

Chapter 14 (:mod:`acousticlib.experiments.retrieval`) trains one audio-video pair per
audio representation and domain: six on the camera dataset (real, U-VAE, AU-VAE,
MCGAN and tiled-MFCC acoustic images, and the spectrogram CNN) and eleven on the
array-free domain (no real row; each generator also with chapter 13's fine-tuned
trunks). Thirty epochs of each, three training seeds, do not fit a chapter's 4 minutes,
so they are trained here, in one process of one torch thread (the chapters' setting:
weights differ between thread counts); the weights of training seed ``--seed`` (about
0.1 MB each, 1.3 MB for the spectrogram pair) go to ``acousticlib/data/weights/ch14-
<domain>-<source>-<profile>-seed<seed>-train<seed>/``, keyed to the model's cache key.
The chapter loads them through
:func:`acousticlib.experiments.retrieval.train_retrieval_pair`; when the key differs
it trains its own.

Every pair's test CMC (both directions, ranks 1, 2, 5, 10, 30), instance Recall@k, the
share of top-1 frames from the query's own location, the best epoch and the wall
seconds (data included; about 0 for a pair found in the cache) go to
``benchmarks/results/retrieval.json``. ``--domains`` and ``--only`` select pairs (two
processes of the tool, each with its own selection, share the results file)::

    ACOUSTICLIB_THREADS=1 .venv/bin/python tools/train_retrieval.py \\
        [--profile book] [--seed 0] [--train-seeds 1 2] [--domains camera] \\
        [--only real mcgan]
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
RESULTS = ROOT / "benchmarks" / "results" / "retrieval.json"


def _summary(per_seed: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Mean and (population) std over the training seeds of each rank-1 score."""
    out = {}
    for key in ("cmc_av", "cmc_va", "recall_av", "recall_va"):
        values = [v[key]["1"] for v in per_seed.values()]
        mean = sum(values) / len(values)
        std = (sum((x - mean) ** 2 for x in values) / len(values)) ** 0.5
        out[key] = {"mean": float(mean), "std": float(std)}
    return out


def main(argv: list[str] | None = None) -> int:
    from acousticlib import runtime, training
    from acousticlib.cache import write_json_atomic
    from acousticlib.experiments import retrieval as rt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="book", choices=runtime.PROFILES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-seeds", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--domains", nargs="*", choices=rt.DOMAINS, default=None)
    parser.add_argument("--only", nargs="*", default=None, help="sources to train")
    parser.add_argument("--no-ship", action="store_true", help="measure only")
    args = parser.parse_args(argv)
    runtime.warn_unless_book_threads()
    run = runtime.configure(args.profile, args.seed)
    seeds = [args.seed, *[s for s in args.train_seeds if s != args.seed]]
    command = " ".join(["tools/train_retrieval.py", *sys.argv[1:]])
    for domain in args.domains or rt.DOMAINS:
        sources = [s for s in rt.RETRIEVAL_SOURCES[domain] if s in (args.only or [s])]
        for source in sources:
            per_seed = {}
            for t in seeds:
                t0 = time.perf_counter()
                trained = rt.train_retrieval_pair(
                    domain,
                    source,
                    args.profile,
                    args.seed,
                    train_seed=t,
                    progress=False,
                )
                seconds = time.perf_counter() - t0
                s = rt.retrieval_scores(
                    domain, source, args.profile, args.seed, train_seed=t
                )
                history = json.loads((trained.path / "history.json").read_text())
                per_seed[str(t)] = {
                    **{
                        k: {str(r): v for r, v in s[k].items()}
                        for k in ("cmc_av", "cmc_va", "recall_av", "recall_va")
                    },
                    "same_location_av": s["same_location_av"],
                    "seconds": round(seconds, 1),
                    "origin": trained.origin,
                    "best_epoch": history.get("best_epoch"),
                }
                print(
                    f"{domain:>9} {source:>13} train seed {t}: CMC@1 A-V "
                    f"{s['cmc_av'][1]:.3f} V-A {s['cmc_va'][1]:.3f} "
                    f"({trained.origin}, {seconds:.0f} s)",
                    flush=True,
                )
                if t == args.seed and not args.no_ship:
                    training.ship_weights(
                        trained,
                        rt.retrieval_weights(
                            domain, source, args.profile, args.seed, t
                        ),
                        {
                            "command": command,
                            "test_cmc1_av": s["cmc_av"][1],
                            "test_cmc1_va": s["cmc_va"][1],
                        },
                    )
            # re-read: another process of this tool may have added other pairs
            old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            same = old.get("profile") == args.profile and old.get("seed") == args.seed
            pairs = dict(old.get("pairs", {})) if same else {}
            pairs[f"{domain}/{source}"] = {
                "train_seeds": per_seed,
                **_summary(per_seed),
            }
            write_json_atomic(
                RESULTS,
                {
                    "what": "chapter 14: test retrieval of each audio-video pair per "
                    "training seed (CMC at class level, Recall@k at instance level; "
                    "mean and population std of the rank-1 scores over the seeds)",
                    "commands": sorted(
                        set(old.get("commands", []) if same else []) | {command}
                    ),
                    "profile": args.profile,
                    "seed": args.seed,
                    "machine": f"{platform.machine()}, torch threads {run.threads}",
                    "date": datetime.date.today().isoformat(),
                    "pairs": dict(sorted(pairs.items())),
                },
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
