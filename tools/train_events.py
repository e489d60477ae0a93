"""Train chapter 16's event localizers (every variant of the paper's Tables 1-3,
supervised and weakly supervised) over training seeds and measure their spread.

Chapter 16 (:mod:`acousticlib.experiments.event_localization`) compares the variants
of Ramaswamy and Das's event localizer: Table 1 (audio, visual, audio-assisted visual,
audio + visual, the full model), Table 2 (six fusions) and Table 3 (SWAB and the
aggregation), each trained with segment labels (``full``) or the clip's class alone
(``weak``, MIL). Every run trains in this process on one torch thread (the chapters'
setting), on the frozen features of :func:`acousticlib.experiments.event_inputs`;
Table 1 comes first, so a stopped sweep still holds it. After each run the results
file ``benchmarks/results/event_localization.json`` is rewritten (atomically): per run
the variant, supervision, training seed, the test and unseen segment accuracies
(:func:`~acousticlib.experiments.event_scores`), the best epoch and the wall seconds
(a model found in the cache keeps those of the run that trained it), plus mean and
population std per variant and supervision (:func:`acousticlib.metrics.
spread_over_runs`) beside the paper's accuracy. ``--avtgml`` adds the unsupervised
model and its pointing game and cIoU on the test clips; ``--ship`` copies the seed-0
weights of the models the chapter shows (Table 1 and the AVTGML model) to
``acousticlib/data/weights/ch16-...``. ``--only`` trains the named variants instead of
the tables' (e.g. the two SWAB rows with aggregation, which no table of the paper
holds)::

    ACOUSTICLIB_THREADS=1 .venv/bin/python tools/train_events.py [--profile book] \\
        [--train-seeds 0 1 2] [--tables 1 2 3] [--supervision full weak] \\
        [--only swab_mean_agg swab_max_agg] [--avtgml] [--ship]
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
RESULTS = ROOT / "benchmarks" / "results" / "event_localization.json"
SCORES = ("test_accuracy", "unseen_accuracy", "test_event_accuracy")


def _plan(tables: list[int], only: list[str] | None) -> list[str]:
    """The variants ``only`` names (in its order), else those of ``tables`` in table
    order, each once."""
    from acousticlib.experiments import event_localization as el

    if only:
        return list(dict.fromkeys(only))
    variants: list[str] = []
    for table in tables:
        for v in el.EVENT_TABLES[table]:
            if v not in variants:
                variants.append(v)
    return variants


def _write(args: argparse.Namespace, runs: list[dict], extra: dict, run) -> None:
    from acousticlib.cache import write_json_atomic
    from acousticlib.experiments import event_localization as el
    from acousticlib.metrics import spread_over_runs

    done = [r for r in runs if r["supervision"] in el.SUPERVISIONS]
    for r in done:
        r["group"] = f"{r['variant']}/{r['supervision']}"
    summary = spread_over_runs(done, "group", SCORES) if done else {}
    for group, s in summary.items():
        variant, supervision = group.split("/")
        s["paper_accuracy"] = el.PAPER_EVENT_ACCURACY.get(variant, {}).get(supervision)
    write_json_atomic(
        args.out,
        {
            "what": "chapter 16: segment accuracy (share of all segments classified "
            "right, the paper's measure) of each event localizer variant on the test "
            "and unseen splits, per training seed; mean and population std over the "
            "seeds beside the paper's accuracy (%)",
            "profile": args.profile,
            "seed": args.seed,
            "train_seeds": sorted({r["train_seed"] for r in runs}),
            "recipe": el.EVENT_TRAINING[args.profile],
            "machine": f"{platform.machine()}, torch threads {run.threads}",
            "date": datetime.date.today().isoformat(),
            "runs": [{k: v for k, v in r.items() if k != "group"} for r in runs],
            "summary": summary,
            **extra,
        },
    )


def main(argv: list[str] | None = None) -> int:
    from acousticlib import runtime, training
    from acousticlib.datasets import BACKGROUND_LABEL
    from acousticlib.experiments import event_localization as el
    from acousticlib.experiments import events

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="book", choices=runtime.PROFILES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--tables", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument(
        "--supervision", nargs="+", choices=el.SUPERVISIONS, default=el.SUPERVISIONS
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="variants to train (not --tables')"
    )
    parser.add_argument("--avtgml", action="store_true", help="also AVTGML")
    parser.add_argument("--ship", action="store_true", help="ship seed-0 weights")
    parser.add_argument("--workers", type=int, default=1, help="dataset build")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    bad = [t for t in args.tables if t not in el.EVENT_TABLES]
    if bad:
        parser.error(f"--tables must be among {sorted(el.EVENT_TABLES)}; got {bad}")
    unknown = [v for v in args.only or [] if v not in el.EVENT_VARIANTS]
    if unknown:
        parser.error(f"--only must name variants of EVENT_VARIANTS; got {unknown}")
    runtime.warn_unless_book_threads()
    run = runtime.configure(args.profile, args.seed)
    command = " ".join(["tools/train_events.py", *sys.argv[1:]])
    ds = events.event_data(args.profile, args.seed, workers=args.workers)
    kw = dict(ds=ds, progress=False)
    test = el.event_split_inputs("test", args.profile, args.seed, **kw)
    unseen = el.event_split_inputs("unseen", args.profile, args.seed, **kw)
    shown = set(el.EVENT_TABLES[1])
    # runs of another invocation on the same profile and seed stay in the file
    old = json.loads(args.out.read_text()) if args.out.exists() else {}
    same = old.get("profile") == args.profile and old.get("seed") == args.seed
    runs: list[dict] = list(old.get("runs", [])) if same else []
    extra: dict = {"avtgml": old["avtgml"]} if same and "avtgml" in old else {}
    extra["commands"] = list(
        dict.fromkeys([*(old.get("commands", []) if same else []), command])
    )
    # two reference points: background everywhere, and the clip's class everywhere
    # (the best a model that never says background can do: weak supervision's trap)
    extra["baselines"] = {
        name: {
            "background_everywhere": float(
                (x.tensors["labels"] == BACKGROUND_LABEL).double().mean()
            ),
            "clip_class_everywhere": float(
                (x.tensors["labels"] == x.tensors["label"][:, None]).double().mean()
            ),
        }
        for name, x in (("test", test), ("unseen", unseen))
    }
    for variant in _plan(args.tables, args.only):
        for supervision in args.supervision:
            for t in args.train_seeds:
                t0, started = time.perf_counter(), time.time()
                trained = el.train_event_model(
                    variant,
                    args.profile,
                    args.seed,
                    supervision=supervision,
                    train_seed=t,
                    **kw,
                )
                seconds = time.perf_counter() - t0
                s_test = el.event_scores(trained.model, test)
                s_unseen = el.event_scores(trained.model, unseen)
                info = json.loads((trained.path / "history.json").read_text())
                fields = el.EVENT_VARIANTS[variant]
                where = {}
                if fields["streams"] != "audio" and fields["fusion"] in ("mfb", "avfb"):
                    # the AVFB attention against the true boxes (chapter 15's metrics)
                    loc = el.event_localization_scores(s_test["attention"], ds, "test")
                    where = {
                        "test_pointing": loc["pointing_mean"],
                        "test_ciou_mean": loc["summary"]["mean"],
                    }
                same_run = [
                    r
                    for r in runs
                    if (r["variant"], r["supervision"], r["train_seed"])
                    == (variant, supervision, t)
                ]
                runs[:] = [r for r in runs if r not in same_run]
                # a model found in the cache keeps the seconds its training took
                cached = (trained.path / "history.json").stat().st_mtime < started
                if cached and same_run:
                    seconds = same_run[0]["seconds"]
                runs.append(
                    {
                        "variant": variant,
                        "supervision": supervision,
                        "train_seed": t,
                        "test_accuracy": s_test["accuracy"],
                        "unseen_accuracy": s_unseen["accuracy"],
                        "test_event_accuracy": s_test["event_accuracy"],
                        "best_epoch": info.get("best_epoch"),
                        "seconds": round(seconds, 1),
                        "origin": trained.origin,
                        **where,
                    }
                )
                print(
                    f"{variant:>22} {supervision:>4} seed {t}: test "
                    f"{s_test['accuracy']:.3f} unseen {s_unseen['accuracy']:.3f} "
                    f"(epoch {info.get('best_epoch')}, {trained.origin}, "
                    f"{seconds:.0f} s)",
                    flush=True,
                )
                if args.ship and t == 0 and variant in shown:
                    training.ship_weights(
                        trained,
                        el.event_weights(
                            variant, supervision, args.profile, args.seed, t
                        ),
                        {"command": command, "test_accuracy": s_test["accuracy"]},
                    )
                _write(args, runs, extra, run)
    if args.avtgml:
        for t in args.train_seeds:
            extra["avtgml"] = [
                r for r in extra.get("avtgml", []) if r["train_seed"] != t
            ]
            t0 = time.perf_counter()
            trained = el.train_avtgml(args.profile, args.seed, train_seed=t, **kw)
            seconds = time.perf_counter() - t0
            maps = el.event_attention(trained.model, test)
            loc = el.event_localization_scores(maps, ds, "test")
            extra["avtgml"].append(
                {
                    "train_seed": t,
                    "pointing": loc["pointing_mean"],
                    "uniform_pointing": loc["uniform_pointing"],
                    **{f"ciou_{k}": v for k, v in loc["summary"].items()},
                    "seconds": round(seconds, 1),
                }
            )
            print(
                f"AVTGML seed {t}: pointing {loc['pointing_mean']:.3f} (chance "
                f"{loc['uniform_pointing']:.3f}), mean cIoU "
                f"{loc['summary']['mean']:.3f} ({seconds:.0f} s)",
                flush=True,
            )
            if args.ship and t == 0:
                training.ship_weights(
                    trained,
                    el.event_weights("full", "avtgml", args.profile, args.seed, t),
                    {"command": command, "test_pointing": loc["pointing_mean"]},
                )
            _write(args, runs, extra, run)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
