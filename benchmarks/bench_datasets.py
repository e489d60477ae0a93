"""Build speed and memory of the simulated camera dataset (chapter 06).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_datasets.py [--profile
    smoke|book] [--workers 2]
[--locations N --unseen-locations N]`` (the ``book`` profile has 41 + 4 locations, 990
clips; other counts time a smaller or larger dataset).
Prints the cost of each stage of one recording (single thread) and the time, clips/s and
peak memory (largest process: builder or worker) of a full build into a fresh temporary
cache.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import numpy as np


def stages(config) -> None:
    from acousticlib import beamforming, datasets, features, geometry, rendering, scenes

    plan = datasets.plan_recordings(config)
    cam = geometry.Camera().resized(config.height, config.width)
    mics = np.asarray(geometry.optimized_aperiodic_array())
    T = datasets.FPS * config.recording_seconds
    # one thread, as in a build worker (BLAS and numba's pool)
    datasets._limit_threads()
    # compile first
    beamforming.acoustic_images(
        np.zeros((len(mics), 1024)), 12288, mics, cam.focus_grid()
    )
    print(f"| stage (one recording, {T} frames, 1 thread) | ms per frame |\n|---|---:|")
    for spec in plan[:3]:
        sc = datasets._scene_for(spec, config, cam)
        t = time.perf_counter()
        x = datasets.propagate(sc, mics, room_order=config.room_order)
        t1 = time.perf_counter()
        p = beamforming.acoustic_images(x, 12288, mics, cam.focus_grid())
        t2 = time.perf_counter()
        features.mfcc_from_power(p, 12288.0)
        t3 = time.perf_counter()
        rendering.render_clip(
            sc, cam, times=scenes.frame_times(float(config.recording_seconds))
        )
        t4 = time.perf_counter()
        for name, dt in (
            ("propagation", t1 - t),
            ("beamforming", t2 - t1),
            ("MFCC", t3 - t2),
            ("rendering", t4 - t3),
        ):
            print(f"| {spec['condition']:13s} {name:12s} | {1000 * dt / T:8.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="smoke", choices=["smoke", "book", "full"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--locations",
        type=int,
        default=None,
        help="in-domain locations (default: the profile's)",
    )
    ap.add_argument(
        "--unseen-locations",
        type=int,
        default=None,
        help="unseen-domain locations (default: the profile's)",
    )
    a = ap.parse_args()
    from acousticlib import datasets

    sizes = {
        k: v
        for k, v in (
            ("locations", a.locations),
            ("unseen_locations", a.unseen_locations),
        )
        if v is not None
    }
    config = datasets.dataset_config(a.profile, **sizes)
    stages(config)
    with tempfile.TemporaryDirectory() as root:
        t = time.perf_counter()
        ds = datasets.camera_dataset(
            config, workers=a.workers, progress=False, root=root
        )
        dt = time.perf_counter() - t
        summary = repr(ds)
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        "\n| profile | workers | clips | frames | build (s) | clips/s | ms/frame | "
        "peak RSS (MB) |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(
        f"| {a.profile} | {a.workers} | {config.n_clips} | {config.n_frames} | "
        f"{dt:.1f} | {config.n_clips / dt:.2f} | "
        f"{1000 * dt / config.n_frames:.1f} | {rss / 1024:.0f} |"
    )
    print(summary)


if __name__ == "__main__":
    main()
