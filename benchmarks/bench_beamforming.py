"""Speed and memory of the acoustic-image beamformer (chapter 04's performance section).

Setting of the issue: 128 microphones (the optimized aperiodic array), the 36 x 48 grid
at 1 m, frame_length 1024, 1 s of audio at 12 288 Hz (12 frames). Each path runs in a
fresh process so its peak memory is its own; "extra peak" is the peak resident memory
minus the resident memory just before the first full-size call (the fast paths' steering
plans are built in the untimed warm-up call and count in their memory; the naive path's
full steering tensor is built once before the timings and counts in its memory).

Paths: ``numba`` (the default CPU engine of
    :func:`acousticlib.beamforming.acoustic_images`),
``numpy`` (its fallback without numba), ``torch-cpu``, ``torch-cuda`` (if available),
``naive`` (per-frame product with the precomputed 0.9 GB steering tensor), ``numba-jit``
(a fresh process with an empty numba cache: the one-off compile time), ``acoular`` (if
installed: ``pip install -r benchmarks/requirements.txt``; its ``BeamformerBase``
    averages the cross-spectral
matrix over the 12 frames and returns one map per bin for the second, so its "frames"
are the 12 frames of audio it consumes, not 12 images).

    .venv/bin/python benchmarks/bench_beamforming.py [--repeat 5] [--rounds 1]
    [--threads 2]

Prints a table (best and median over ``repeat`` timed calls, pooled over ``rounds`` runs
of every path) and writes the figures to ``benchmarks/results/bench_beamforming.json``
(atomically), where chapter 04 reads them. Wall-clock timings on a shared machine depend
on its load: the load average at start and end is recorded beside them, and so is the
process CPU time of each call (wall > CPU time / threads means the call waited for a
core).
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

FS = 12288.0
FRAME = 1024
RESULTS = Path(__file__).resolve().parent / "results" / "bench_beamforming.json"
TARGETS = dict(
    frames_per_s=120.0, speedup_vs_naive=4.0, latency_ms=40.0, peak_memory_mb=1024.0
)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _timed(fn, repeat: int) -> list[tuple[float, float]]:
    """``repeat`` calls: (wall seconds, process CPU seconds) of each."""
    out = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t0, time.process_time() - c0))
    return out


def _worker(path: str, repeat: int, threads: int, queue: mp.Queue) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("NUMBA_NUM_THREADS", str(threads))
    # acoular runs numba's parallel loops only when OpenBLAS is single-threaded
    if path == "acoular":
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    jit_dir = None
    # an empty cache folder: numba must compile (measures the JIT cost)
    if path == "numba-jit":
        jit_dir = tempfile.TemporaryDirectory()
        os.environ["NUMBA_CACHE_DIR"] = jit_dir.name
    import numpy as np
    import torch

    from acousticlib import beamforming as BF
    from acousticlib import geometry as G
    from acousticlib.runtime import seeded_rng

    torch.set_num_threads(threads)
    mics = G.optimized_aperiodic_array()
    grid = G.Camera().focus_grid((36, 48), 1.0)
    x = seeded_rng(0, "bench").standard_normal((mics.n_mics, int(FS)))
    one = x[:, :FRAME]
    # the CPU engine of the numba and numpy paths; the others keep the default
    engine = {"numba": "numba", "numba-jit": "numba", "numpy": "numpy"}.get(
        path, "auto"
    )
    if path in ("numba", "numba-jit", "numpy"):
        if engine == "numba" and BF.fast._numba_kernel() is None:
            queue.put((path, None))
            return
    info: dict = {}
    if path == "numba-jit":
        t0 = time.perf_counter()
        BF.acoustic_images(one, FS, mics, grid[:2, :2], engine=engine)
        info = dict(
            first_call_s=time.perf_counter() - t0, jit_compile_s=BF.NUMBA_COMPILE_S
        )
        queue.put((path, info))
        jit_dir.cleanup()
        return
    t0 = time.perf_counter()
    # load lazy imports (and the numba kernel) before measuring memory
    BF.acoustic_images(one, FS, mics, grid[:2, :2], engine=engine)
    info["first_small_call_s"] = time.perf_counter() - t0
    before = _rss_mb()
    if path in ("numba", "numpy"):
        run = lambda s: BF.acoustic_images(s, FS, mics, grid, engine=engine)  # noqa: E731
    elif path == "torch-cpu":
        run = lambda s: BF.acoustic_images(s, FS, mics, grid, device="cpu")  # noqa: E731
    elif path == "torch-cuda":
        if not torch.cuda.is_available():
            queue.put((path, None))
            return
        run = lambda s: BF.acoustic_images(s, FS, mics, grid, device="cuda")  # noqa: E731
    # steering precomputed once, outside the timings (its 0.9 GB counts in memory)
    elif path == "naive":
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
    t0 = time.perf_counter()
    out = run(x)  # warm-up (builds the steering plan, loads kernels)
    info["setup_call_s"] = time.perf_counter() - t0
    # acoular: one averaged map from the 12 frames of audio
    n_frames = out.shape[0] if out.ndim == 4 else 12
    full = _timed(lambda: run(x), repeat)
    single = _timed(lambda: run(one), repeat)
    queue.put(
        (
            path,
            dict(
                info,
                n_frames=n_frames,
                full=full,
                single=single,
                extra_peak_mb=_peak_mb() - before,
                shape=list(out.shape),
                dtype=str(np.asarray(out).dtype),
            ),
        )
    )


def _acoular_map(x, mics, grid):  # pragma: no cover - benchmark-only dependency
    import acoular as ac
    import numpy as np

    # no HDF5 cache folder in the working directory, nothing reused between calls
    ac.config.global_caching = "none"

    ts = ac.TimeSamples(data=x.T, sample_freq=FS)
    mg = ac.MicGeom(pos_total=np.asarray(mics.positions).T)
    rg = ac.ImportGrid(pos=grid.reshape(-1, 3).T)
    ps = ac.PowerSpectra(source=ts, block_size=FRAME, window="Hanning")
    st = ac.SteeringVector(grid=rg, mics=mg)
    bb = ac.BeamformerBase(freq_data=ps, steer=st)
    return np.stack([bb.result[k] for k in range(FRAME // 2)], -1)


def _summary(raw: list[dict]) -> dict | None:
    """Pool the rounds of one path: best and median ms/frame, frames/s, latency,
    memory."""
    raw = [r for r in raw if r is not None]
    if not raw:
        return None
    if "full" not in raw[0]:  # numba-jit
        return dict(
            jit_compile_s=min(r["jit_compile_s"] for r in raw),
            first_call_s=min(r["first_call_s"] for r in raw),
        )
    n = raw[0]["n_frames"]
    full = [w for r in raw for w, _ in r["full"]]
    cpu = [c for r in raw for _, c in r["full"]]
    single = [w for r in raw for w, _ in r["single"]]
    best, med = min(full), statistics.median(full)
    return dict(
        ms_per_frame=best / n * 1e3,
        ms_per_frame_median=med / n * 1e3,
        frames_per_s=n / best,
        frames_per_s_median=n / med,
        cpu_ms_per_frame_median=statistics.median(cpu) / n * 1e3,
        latency_ms=min(single) * 1e3,
        latency_ms_median=statistics.median(single) * 1e3,
        extra_peak_mb=max(r["extra_peak_mb"] for r in raw),
        setup_call_s=min(r["setup_call_s"] for r in raw),
        first_small_call_s=min(r["first_small_call_s"] for r in raw),
        n_frames=n,
        timed_calls=len(full),
        shape=raw[0]["shape"],
        dtype=raw[0]["dtype"],
        full_wall_s=full,
        single_wall_s=single,
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument(
        "--repeat", type=int, default=5, help="timed calls per path and round"
    )
    ap.add_argument(
        "--rounds", type=int, default=1, help="fresh processes per path (pooled)"
    )
    ap.add_argument(
        "--threads", type=int, default=int(os.environ.get("ACOUSTICLIB_THREADS", "2"))
    )
    ap.add_argument(
        "--skip-naive", action="store_true", help="skip the 0.9 GB naive baseline"
    )
    ap.add_argument(
        "--paths",
        nargs="*",
        default=[
            "numba-jit",
            "numba",
            "numpy",
            "torch-cpu",
            "torch-cuda",
            "naive",
            "acoular",
        ],
    )
    ap.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        help="JSON file of the figures ('' to skip)",
    )
    args = ap.parse_args()
    paths = [p for p in args.paths if not (args.skip_naive and p == "naive")]
    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    ctx = mp.get_context("spawn")
    raw: dict[str, list] = {p: [] for p in paths}
    for _ in range(args.rounds):
        # round-robin, so that a change of machine load hits every path alike
        for p in paths:
            q = ctx.Queue()
            proc = ctx.Process(target=_worker, args=(p, args.repeat, args.threads, q))
            proc.start()
            raw[p].append(q.get()[1])
            proc.join()
    load_end = os.getloadavg()
    res = {p: _summary(r) for p, r in raw.items()}

    print(
        f"128 mics, 36 x 48 grid, frame_length {FRAME}, 1 s at {FS:.0f} Hz (12 "
        f"frames), {args.threads} threads, "
        f"cpu count {os.cpu_count()} ({_cpu_model()})"
    )
    print(
        f"load average (1, 5, 15 min) at start {load_start[0]:.2f} {load_start[1]:.2f} "
        f"{load_start[2]:.2f}, "
        f"at end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}"
    )
    print(
        f"{'path':<11}{'ms/frame':>10}{'(median)':>10}{'frames/s':>10}{'(median)':>10}"
        f"{'1-frame ms':>12}{'(median)':>10}"
        f"{'CPU ms/fr':>11}{'extra MB':>10}"
    )
    for p, r in res.items():
        if r is None:
            print(f"{p:<11}{'(not available)':>30}")
        elif "ms_per_frame" not in r:
            print(
                f"{p:<11}  JIT compile {r['jit_compile_s']:.1f} s (first call "
                f"{r['first_call_s']:.1f} s)"
            )
        else:
            print(
                f"{p:<11}{r['ms_per_frame']:>10.1f}{r['ms_per_frame_median']:>10.1f}{r['frames_per_s']:>10.1f}"
                f"{r['frames_per_s_median']:>10.1f}{r['latency_ms']:>12.1f}{r['latency_ms_median']:>10.1f}"
                f"{r['cpu_ms_per_frame_median']:>11.1f}{r['extra_peak_mb']:>10.0f}"
            )
    fast = res.get("numba") or res.get("numpy")
    naive = res.get("naive")
    speed = {}
    for p in ("numba", "numpy", "torch-cpu"):
        if res.get(p) and naive:
            speed[p] = (
                naive["ms_per_frame"] / res[p]["ms_per_frame"],
                naive["ms_per_frame_median"] / res[p]["ms_per_frame_median"],
            )
            print(
                f"speed-up of {p} over naive: {speed[p][0]:.1f}x best, "
                f"{speed[p][1]:.1f}x median"
            )
    if not args.output or not fast:
        return
    fast_path = "numba" if res.get("numba") else "numpy"
    figures = dict(
        path=fast_path,
        frames_per_s=fast["frames_per_s"],
        frames_per_s_median=fast["frames_per_s_median"],
        ms_per_frame=fast["ms_per_frame"],
        ms_per_frame_median=fast["ms_per_frame_median"],
        speedup_vs_naive=speed.get(fast_path, (None, None))[0],
        speedup_vs_naive_median=speed.get(fast_path, (None, None))[1],
        latency_ms=fast["latency_ms"],
        latency_ms_median=fast["latency_ms_median"],
        peak_memory_mb=fast["extra_peak_mb"],
        naive_ms_per_frame=naive["ms_per_frame"] if naive else None,
        naive_ms_per_frame_median=naive["ms_per_frame_median"] if naive else None,
        naive_peak_memory_mb=naive["extra_peak_mb"] if naive else None,
        numpy_ms_per_frame=res["numpy"]["ms_per_frame"] if res.get("numpy") else None,
        torch_frames_per_s=res["torch-cpu"]["frames_per_s"]
        if res.get("torch-cpu")
        else None,
        torch_ms_per_frame=res["torch-cpu"]["ms_per_frame"]
        if res.get("torch-cpu")
        else None,
        jit_compile_s=res["numba-jit"]["jit_compile_s"]
        if res.get("numba-jit")
        else None,
    )
    figures["targets"] = {
        k: dict(
            target=v,
            met=None
            if figures[k] is None
            else (
                figures[k] >= v
                if k in ("frames_per_s", "speedup_vs_naive")
                else figures[k] <= v
            ),
        )
        for k, v in TARGETS.items()
    }
    figures.update(
        setting=dict(
            n_mics=128,
            grid=[36, 48],
            focus_distance_m=1.0,
            frame_length=FRAME,
            fs_hz=FS,
            n_frames=12,
            threads=args.threads,
            repeat=args.repeat,
            rounds=args.rounds,
        ),
        machine=dict(
            cpu_count=os.cpu_count(),
            cpu_model=_cpu_model(),
            python=platform.python_version(),
        ),
        load_average=dict(start=list(load_start), end=list(load_end)),
        date=started.isoformat(timespec="seconds"),
        paths=res,
    )
    from acousticlib.cache import write_json_atomic

    write_json_atomic(args.output, figures, indent=2)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
