"""Train chapter 12's models once, ship their weights with the package and measure the
students' spread over training seeds.

Chapter 12 (Sanguineti et al. 2020, ECCV) needs a self-supervised teacher (DualCamNet
and a video stream), six self-supervised students (HearNet and a video stream, transfer
weight alpha in {0, 0.1, 0.3, 0.5, 0.7, 0.9}), three supervised baselines (HearNet,
DualCamNet, the video stream) and a supervised-distillation HearNet. On 2 CPU cores the
teacher alone takes about 12 minutes, each student 6-8: far more than a chapter's 4
minutes. So they are trained here, once, in ``--workers`` processes of one torch thread
each (the chapters' setting: weights differ between thread counts), and their weights
(between 0.1 and 2 MB each) go to ``acousticlib/data/weights/ch12-<name>-<profile>-
seed<seed>/``, keyed to the model's cache key (dataset, model, training configuration
and task). The chapter loads them through the training functions of
:mod:`acousticlib.experiments.distillation`; when the key differs (another dataset,
another configuration) it trains them itself.

Every model is then measured as the chapter measures it: kNN accuracy on frozen
features (k chosen on the validation split from 7, 9, ..., 15) on the test split and
the unseen domain, and the audio-to-video CMC at rank 1 for the self-supervised pairs.
``--train-seeds`` trains the students of ``--spread-alphas`` (default alpha 0 and the
best alpha on validation) again with other training seeds, on the same data and
teacher. Everything measured goes to ``benchmarks/results/distillation.json``, where
the chapter reads the spreads::

    ACOUSTICLIB_THREADS=1 .venv/bin/python tools/train_distillation.py \\
        [--profile book] [--seed 0] [--train-seeds 1 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "distillation.json"
ALPHAS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9)


def _trained(name: str, profile: str, seed: int, train_seed: int):
    """Train (or read from the cache) one of chapter 12's models by name."""
    from acousticlib import experiments as ex

    kw = dict(train_seed=train_seed, progress=False)
    if name == "teacher":
        return ex.train_teacher(profile, seed, **kw)
    if name.startswith("student-alpha"):
        alpha = float(name.removeprefix("student-alpha"))
        return ex.train_student(profile, seed, alpha, **kw)
    if name == "supervised-distillation":
        return ex.train_supervised_distillation(profile, seed, **kw)
    if name.startswith("supervised-"):
        return ex.train_supervised(
            name.removeprefix("supervised-"), profile, seed, **kw
        )
    raise ValueError(f"no chapter 12 model is called {name!r}")


def _stream(name: str) -> str:
    if name == "teacher":
        return "dualcamnet"
    if name.startswith("student") or name == "supervised-distillation":
        return "hearnet"
    return name.removeprefix("supervised-")


def run_one(job: tuple[str, int, str, int]) -> dict:
    """Train one model with one training seed; measure it as chapter 12 does."""
    name, train_seed, profile, seed = job
    from acousticlib import experiments as ex
    from acousticlib import runtime

    runtime.configure(profile, seed, "cpu")
    t0 = time.perf_counter()
    trained = _trained(name, profile, seed, train_seed)
    seconds = time.perf_counter() - t0
    stream = _stream(name)
    with_acoustic = stream == "dualcamnet"
    emb, lab = {}, {}
    cmc1 = None
    for split in ("train", "val", "test", "unseen"):
        data = ex.distillation_data(profile, seed, split, with_acoustic=with_acoustic)
        emb[split] = ex.embeddings(trained.model, data, stream)
        lab[split] = data.tensors["label"]
        if split == "test" and not name.startswith("supervised"):
            cmc1 = ex.cmc_audio_to_video(trained.model, data, (1,))[1]
        del data
    scores = {
        split: ex.knn_scores(
            emb["train"], lab["train"], emb["val"], lab["val"], emb[split], lab[split]
        )
        for split in ("test", "unseen")
    }
    history = json.loads((trained.path / "history.json").read_text())
    return {
        "model": name,
        "stream": stream,
        "train_seed": train_seed,
        "k": scores["test"]["k"],
        "knn_val": scores["test"]["val_accuracy"],
        "knn_test": scores["test"]["test_accuracy"],
        "knn_unseen": scores["unseen"]["test_accuracy"],
        "cmc1_test": cmc1,
        "best_epoch": history.get("best_epoch"),
        "seconds": round(seconds, 1) if seconds > 5 else None,
        "origin": trained.origin,
        "cache": trained.path.name,
    }


def _pool(jobs: list[tuple[str, int, str, int]], workers: int) -> list[dict]:
    if workers == 1 or len(jobs) == 1:
        rows = [run_one(j) for j in jobs]
    else:
        with mp.get_context("spawn").Pool(min(workers, len(jobs))) as pool:
            rows = pool.map(run_one, jobs, chunksize=1)
    for r in rows:
        cmc = "" if r["cmc1_test"] is None else f", CMC@1 {r['cmc1_test']:.3f}"
        print(
            f"{r['model']:>26} (training seed {r['train_seed']}): kNN test "
            f"{r['knn_test']:.3f}, unseen {r['knn_unseen']:.3f} (k={r['k']}){cmc}, "
            f"{r['seconds'] or 0:.0f} s",
            flush=True,
        )
    return rows


def _ship(rows: list[dict], profile: str, seed: int) -> None:
    import torch

    from acousticlib import experiments as ex
    from acousticlib import runtime, training

    runtime.configure(profile, seed, "cpu")
    ds = ex.camera_data(profile, seed, progress=False)
    for r in rows:
        trained = _trained(r["model"], profile, seed, seed)
        target = training.ship_weights(
            trained,
            ex.distillation_weights(r["model"], profile, seed),
            {
                "profile": profile,
                "seed": seed,
                "dataset": ds.folder.name,
                "dataset_sha256": ds.sha256,
                "knn_test": r["knn_test"],
                "knn_unseen": r["knn_unseen"],
                "cmc1_test": r["cmc1_test"],
                "best_epoch": r["best_epoch"],
                "parameters": sum(p.numel() for p in trained.model.parameters()),
                "command": f"ACOUSTICLIB_THREADS=1 python tools/train_distillation.py "
                f"--profile {profile} --seed {seed}",
                "trained_seconds": r["seconds"],
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, 1 thread",
                "torch": torch.__version__,
                "date": datetime.date.today().isoformat(),
            },
        )
        print(f"shipped {target.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument("--profile", default="book", help="smoke, book or full")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument(
        "--train-seeds",
        type=int,
        nargs="*",
        default=[1, 2],
        help="further training seeds of the spread's students (default 1 2)",
    )
    parser.add_argument(
        "--spread-alphas",
        type=float,
        nargs="*",
        default=None,
        help="students trained with every training seed (default: 0 and the best "
        "alpha by validation kNN accuracy)",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument(
        "--no-ship", action="store_true", help="measure only; leave the weights alone"
    )
    args = parser.parse_args(argv)
    from acousticlib.runtime import warn_unless_book_threads

    warn_unless_book_threads()
    from acousticlib import experiments as ex
    from acousticlib import runtime
    from acousticlib.cache import write_json_atomic
    from acousticlib.metrics import spread_over_runs

    runtime.configure(args.profile, args.seed, "cpu")
    ds = ex.camera_data(args.profile, args.seed)
    p, s = args.profile, args.seed
    t0 = time.perf_counter()
    # the teacher and the supervised DualCamNet first: the others read them
    first = ["teacher", "supervised-dualcamnet", "student-alpha0", "supervised-hearnet"]
    first += ["supervised-video_stream"]
    rows = _pool([(n, s, p, s) for n in first], args.workers)
    second = [f"student-alpha{a:g}" for a in ALPHAS if a > 0]
    second += ["supervised-distillation"]
    rows += _pool([(n, s, p, s) for n in second], args.workers)
    if not args.no_ship:
        _ship(rows, p, s)
    students = {r["model"]: r for r in rows if r["model"].startswith("student")}
    best = max(
        (r for r in students.values() if r["model"] != "student-alpha0"),
        key=lambda r: r["knn_val"],
    )["model"]
    alphas = (
        ["student-alpha0", best]
        if args.spread_alphas is None
        else [f"student-alpha{a:g}" for a in args.spread_alphas]
    )
    seeds = [t for t in args.train_seeds if t != s]
    rows += _pool([(n, t, p, s) for n in alphas for t in seeds], args.workers)
    spread = spread_over_runs(
        [r for r in rows if r["model"] in alphas], "model", ("knn_test", "knn_unseen")
    )
    for name, sc in spread.items():
        print(
            f"{name}: kNN test {sc['knn_test']['mean']:.3f} +- "
            f"{sc['knn_test']['std']:.3f}, unseen {sc['knn_unseen']['mean']:.3f} +- "
            f"{sc['knn_unseen']['std']:.3f}"
        )
    write_json_atomic(
        RESULTS,
        {
            "profile": p,
            "seed": s,
            "dataset": ds.folder.name,
            "training": ex.DISTILLATION_TRAINING[p],
            "best_alpha_by_validation": float(best.removeprefix("student-alpha")),
            "runs": rows,
            "spread": spread,
            "seconds": round(time.perf_counter() - t0, 1),
            "command": " ".join(
                ["python", "tools/train_distillation.py", *sys.argv[1:]]
            ),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        },
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
