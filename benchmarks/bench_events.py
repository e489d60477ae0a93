"""Build time and memory of chapter 16's event clips.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_events.py [--profile
smoke|book] [--workers 2]``. Prints the cost of one clip (single thread) and the time,
clips/s and peak memory (largest process: builder or worker) of a full build into a
fresh temporary cache.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="smoke", choices=["smoke", "book", "full"])
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from acousticlib import datasets

    config = datasets.event_config(args.profile)
    plan = datasets.plan_events(config)
    datasets._limit_threads()
    t = time.perf_counter()
    for spec in plan[:3]:
        datasets.simulate_event_clip(spec, config)
    per_clip = (time.perf_counter() - t) / 3
    print(f"one clip, 1 thread: {1000 * per_clip:.0f} ms")
    with tempfile.TemporaryDirectory() as root:
        t = time.perf_counter()
        ds = datasets.event_dataset(
            config, workers=args.workers, progress=False, root=root
        )
        dt = time.perf_counter() - t
        peak = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        size = sum(p.stat().st_size for p in ds.folder.rglob("*") if p.is_file())
    print("| profile | clips | workers | build s | clips/s | peak MB | entry MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.profile} | {len(ds)} | {args.workers} | {dt:.1f} | "
        f"{len(ds) / dt:.1f} | {peak / 1024:.0f} | {size / 1e6:.0f} |"
    )


if __name__ == "__main__":
    main()
