"""Speed and memory of the acoustic-image beamformer (chapter 04's performance section).

Setting of the issue: 128 microphones (the optimized aperiodic array), the 36 x 48 grid at 1 m,
frame_length 1024, 1 s of audio at 12 288 Hz (12 frames). Each path runs in a fresh process so
its peak memory is its own; "extra peak" is the peak resident memory minus the resident memory
just before the first call (the fast path's steering plan is built in the untimed warm-up call;
the naive path's full steering tensor is built once before the timings and counts in its memory).

    .venv/bin/python benchmarks/bench_beamforming.py [--repeat 3] [--threads 2] [--skip-naive]

Prints a table: ms per frame, frames per second, single-frame latency, extra peak memory.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import time

FS = 12288.0
FRAME = 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _worker(path: str, repeat: int, threads: int, queue: mp.Queue) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import numpy as np
    import torch

    from acousticlib import beamforming as BF
    from acousticlib import geometry as G
    from acousticlib.runtime import generator

    torch.set_num_threads(threads)
    mics = G.optimized_aperiodic_array()
    grid = G.Camera().focus_grid()
    x = generator(0, "bench").standard_normal((mics.n_mics, int(FS)))
    one = x[:, :FRAME]
    BF.acoustic_images(one, FS, mics, grid[:2, :2])  # load lazy imports before measuring memory
    before = _rss_mb()
    if path == "numpy":
        run = lambda s: BF.acoustic_images(s, FS, mics, grid)  # noqa: E731
    elif path == "torch-cpu":
        run = lambda s: BF.acoustic_images(s, FS, mics, grid, device="cpu")  # noqa: E731
    elif path == "torch-cuda":
        if not torch.cuda.is_available():
            queue.put((path, None))
            return
        run = lambda s: BF.acoustic_images(s, FS, mics, grid, device="cuda")  # noqa: E731
    elif path == "naive":  # steering precomputed once, outside the timings (its 0.9 GB counts in memory)
        steering = BF.full_steering(mics, grid, FS, FRAME)
        run = lambda s: BF.naive_acoustic_images(s, FS, mics, grid, steering=steering)  # noqa: E731
    elif path == "acoular":
        try:
            import acoular  # noqa: F401
        except ImportError:
            queue.put((path, None))
            return
        run = lambda s: _acoular_map(s, mics, grid)  # noqa: E731
    else:
        raise ValueError(path)
    out = run(x)  # warm-up (builds the steering plan, loads kernels)
    n_frames = out.shape[0] if out.ndim == 4 else 1
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(x)
        best = min(best, time.perf_counter() - t0)
    lat = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(one)
        lat = min(lat, time.perf_counter() - t0)
    queue.put((path, dict(ms_per_frame=best / n_frames * 1e3, fps=n_frames / best, latency_ms=lat * 1e3,
                          extra_peak_mb=_peak_mb() - before, shape=tuple(out.shape), dtype=str(np.asarray(out).dtype))))


def _acoular_map(x, mics, grid):  # pragma: no cover - benchmark-only dependency
    import acoular as ac
    import numpy as np

    ts = ac.TimeSamples(data=x.T, sample_freq=FS)
    mg = ac.MicGeom(pos_total=np.asarray(mics.positions).T)
    rg = ac.ImportGrid(pos=grid.reshape(-1, 3).T)
    ps = ac.PowerSpectra(source=ts, block_size=FRAME, window="Hanning")
    st = ac.SteeringVector(grid=rg, mics=mg)
    bb = ac.BeamformerBase(freq_data=ps, steer=st)
    return np.stack([bb.result[k] for k in range(FRAME // 2)], -1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("ACOUSTICLIB_THREADS", "2")))
    ap.add_argument("--skip-naive", action="store_true", help="skip the 0.9 GB naive baseline")
    ap.add_argument("--paths", nargs="*", default=["numpy", "torch-cpu", "torch-cuda", "naive", "acoular"])
    args = ap.parse_args()
    paths = [p for p in args.paths if not (args.skip_naive and p == "naive")]
    ctx = mp.get_context("spawn")
    results = {}
    for p in paths:
        q = ctx.Queue()
        proc = ctx.Process(target=_worker, args=(p, args.repeat, args.threads, q))
        proc.start()
        results[p] = q.get()[1]
        proc.join()
    print(f"128 mics, 36 x 48 grid, frame_length {FRAME}, 1 s at {FS:.0f} Hz, {args.threads} threads, cpu count {os.cpu_count()}")
    print(f"{'path':<12}{'ms/frame':>10}{'frames/s':>10}{'1-frame ms':>12}{'extra peak MB':>15}")
    for p, r in results.items():
        if r is None:
            print(f"{p:<12}{'(not available)':>47}")
            continue
        print(f"{p:<12}{r['ms_per_frame']:>10.1f}{r['fps']:>10.1f}{r['latency_ms']:>12.1f}{r['extra_peak_mb']:>15.0f}")
    if results.get("naive") and results.get("numpy"):
        print(f"speed-up of numpy over naive: {results['naive']['ms_per_frame'] / results['numpy']['ms_per_frame']:.1f}x")
    if results.get("naive") and results.get("torch-cpu"):
        print(f"speed-up of torch-cpu over naive: {results['naive']['ms_per_frame'] / results['torch-cpu']['ms_per_frame']:.1f}x")


if __name__ == "__main__":
    main()
