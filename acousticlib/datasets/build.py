"""Building a dataset entry (chapter 06): the recordings simulated in worker
processes into staging files (one ``.npz`` per recording), assembled into one cache
entry, byte-identical however it is built (in one piece, resumed, or in shards merged
by :mod:`~acousticlib.datasets.shards`)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import filelock
import numpy as np

from .. import _checks, cache, scenes
from ..sounds import CLASSES, FS
from .config import (
    _INDEX,
    DATASET_CODE_VERSION,
    FPS,
    FRAME_LENGTH,
    SPLITS,
    DatasetConfig,
    dataset_config,
    plan_recordings,
)
from .propagation import simulate_recording
from .store import SimulatedDataset, _build_record, _shard_record, write_npy_stream


def _limit_threads() -> None:
    """One BLAS/OpenMP/numba/torch thread in this process (each worker owns one core).

    Numba's own pool is not one threadpoolctl limits: without this, two workers ran the
    beamformer with two threads each on two cores. The kernel's tasks write disjoint
    outputs, so the thread count does not change a single bit of the result.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    os.environ["NUMBA_NUM_THREADS"] = "1"
    # already imported (librosa imports it): the calling thread's count
    if "numba" in sys.modules:
        sys.modules["numba"].set_num_threads(1)
    # only if something imported it: a build worker does not need torch
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    cache.write_atomic(path, write)


def _staged(staging: Path, index: int) -> Path:
    """The staging file of recording ``index`` in the folder ``staging``."""
    return staging / f"rec-{index:06d}.npz"


def _work(job: tuple[dict[str, Any], dict[str, Any], str]) -> int:
    """Worker body: simulate one recording into its staging file; return its index."""
    spec, cfg, staging = job
    config = DatasetConfig(**cfg)
    _save_npz(_staged(Path(staging), spec["index"]), simulate_recording(spec, config))
    return spec["index"]


def _readable(path: Path) -> bool:
    try:
        with np.load(path) as z:
            return "frames" in z.files
    except Exception:  # noqa: BLE001 - a torn or foreign file is simply redone
        return False


def _config_dict(config: DatasetConfig) -> dict[str, Any]:
    d = dataclasses.asdict(config)
    d["condition_weights"] = list(d["condition_weights"])
    d["split_fractions"] = list(d["split_fractions"])
    if d["style"] == 0:  # the keys of the datasets before the field
        del d["style"]
    return d


def _assemble(
    folder: Path,
    staged: Mapping[int, Path],
    config: DatasetConfig,
    plan: list[dict[str, Any]],
) -> None:
    """Stream the staged recordings (``staged``: recording index -> its ``.npz``
    staging file), in the plan's order, into the entry's ``.npy`` files."""
    T = FPS * config.recording_seconds
    F = len(plan) * T
    S = config.max_sources
    H, W = config.height, config.width
    shapes = {
        "frames": ((H, W, 3), np.uint8),
        "acoustic": ((12, 36, 48), np.float16),
        "audio": ((FRAME_LENGTH,), np.float32),
        "mfcc_mono": ((12,), np.float32),
        "boxes": ((S, 4), np.float32),
        "annotators": ((S, 3, 4), np.float32),
        "centres": ((S, 2), np.float32),
    }
    if config.keep_power:
        shapes["power"] = ((36, 48, FRAME_LENGTH // 2), np.float32)
    files = {
        k: write_npy_stream(folder / f"{k}.npy", (F, *s), d)
        for k, (s, d) in shapes.items()
    }
    files["recording_audio"] = write_npy_stream(
        folder / "recording_audio.npy", (len(plan), T * FRAME_LENGTH), np.float32
    )
    try:
        for spec in plan:
            with np.load(staged[spec["index"]]) as z:
                for k, f in files.items():
                    a = np.ascontiguousarray(
                        z[k], dtype=shapes[k][1] if k in shapes else np.float32
                    )
                    f.write(a.tobytes())
    finally:
        for f in files.values():
            f.close()
    (folder / "index").mkdir()
    cond = {c: i for i, c in enumerate(scenes.CONDITIONS)}
    cols: dict[str, list[int]] = {k: [] for k in _INDEX}
    for spec in plan:
        for k in range(T):
            cols["label"].append(spec["label"])
            cols["clip"].append(spec["first_clip"] + k // FPS)
            cols["location"].append(spec["location"])
            cols["recording"].append(spec["index"])
            cols["frame"].append(k % FPS)
            cols["split"].append(spec["split"])
            cols["background"].append(int(spec["class_name"] is None))
            cols["condition"].append(cond[spec["condition"]])
            cols["style"].append(spec["style"])
    for k, v in cols.items():
        np.save(folder / "index" / f"{k}.npy", np.asarray(v, dtype=np.int64))
    (folder / "recordings.json").write_text(json.dumps(plan, indent=1, sort_keys=True))
    meta = dict(
        config=_config_dict(config),
        classes=list(CLASSES),
        splits=list(SPLITS),
        conditions=list(scenes.CONDITIONS),
        fs=FS,
        fps=FPS,
        frame_length=FRAME_LENGTH,
        frames=F,
        clips=config.n_clips,
        recordings=len(plan),
    )
    (folder / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))


def _run(
    plan: list[dict[str, Any]],
    config: DatasetConfig,
    staging: Path,
    workers: int,
    progress: bool,
    callback: Callable[[int], None] | None,
    stall_timeout: float | None = None,
) -> None:
    """Simulate the recordings of ``plan`` whose staging file is missing, in
    ``workers`` processes."""
    from tqdm.auto import tqdm

    todo = [s for s in plan if not _readable(_staged(staging, s["index"]))]
    jobs = [(s, _config_dict(config), str(staging)) for s in todo]
    bar = tqdm(
        total=len(plan),
        initial=len(plan) - len(todo),
        desc="recordings",
        unit="rec",
        disable=not progress,
    )

    def done(i: int) -> None:
        bar.update(1)
        if callback is not None:
            callback(i)

    try:
        if workers <= 1:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):
                for job in jobs:
                    done(_work(job))
        else:
            _in_workers(jobs, workers, stall_timeout, done, staging)
    finally:
        bar.close()


#: Printed by a spawned worker that finds itself building the dataset while it starts.
_UNGUARDED = (
    "camera_dataset() was called while a worker process was starting: a spawned worker "
    "re-runs the "
    "top level of the main script, and this one builds the dataset there. Put the "
    "script's code under "
    '`if __name__ == "__main__":` (or build with workers=1).'
)


def _starting_worker() -> bool:
    """Whether this process is a spawned (or forkserver) child still importing its
    parent's main script."""
    import multiprocessing as mp

    return bool(getattr(mp.current_process(), "_inheriting", False))


def _in_workers(
    jobs: list[Any],
    workers: int,
    stall_timeout: float | None,
    done: Callable[[int], None],
    staging: Path,
    work: Callable[[Any], int] | None = None,
) -> None:
    """Run ``work`` (None: :func:`_work`, one recording, looked up when called;
    chapter 16's event clips pass their own, a module-level function) on ``jobs`` in
    ``workers`` spawned processes, calling ``done(index)`` as each finishes.

    Never waits forever: a worker that dies (killed by the out-of-memory killer, a
    crash) raises a :class:`RuntimeError` saying how it died, and no recording finishing
    within ``stall_timeout`` seconds (None: no limit) raises a :class:`TimeoutError`;
    the workers are stopped either way. (``multiprocessing.Pool`` replaces a dead worker
    but waits forever for its recording.) At most ``2 * workers`` jobs are submitted
    ahead, so the stall clock waits on a handful of futures.
    """
    import itertools
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    if work is None:
        work = _work
    pool = ProcessPoolExecutor(
        workers, mp_context=mp.get_context("spawn"), initializer=_limit_threads
    )
    queue = iter(jobs)
    running: set = set()
    finished = False
    try:
        while True:
            running.update(
                pool.submit(work, job)
                for job in itertools.islice(queue, 2 * workers - len(running))
            )
            if not running:
                break
            ready, running = wait(
                running, timeout=stall_timeout, return_when=FIRST_COMPLETED
            )
            if not ready:
                raise TimeoutError(
                    f"no recording of the dataset finished in {stall_timeout:g} s "
                    f"(stall_timeout) with workers={workers}: "
                    "the worker processes are alive but stuck, so they were stopped "
                    "and nothing was cached. Rebuild "
                    "with workers=1, or pass a larger stall_timeout if one recording "
                    "really takes that long here; "
                    f"the recordings already simulated are kept in {staging} and not "
                    f"simulated again."
                )
            for future in ready:
                done(future.result())
        finished = True
    except BrokenProcessPool as exc:
        processes = _processes(pool)
        # the broken pool terminates (SIGTERM) and joins the other workers: all codes
        # known
        pool.shutdown(wait=True)
        what, advice = _death([p.exitcode for p in processes])
        raise RuntimeError(
            f"{what} while building the dataset with workers={workers}, so the build "
            f"stopped and nothing "
            f"was cached (the recordings already simulated are kept in {staging} and "
            f"not simulated "
            f"again). {advice}"
        ) from exc
    finally:
        # a death, a stall, an error or an interrupt: stop the workers now, stuck or not
        if not finished:
            for p in _processes(pool):
                p.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def _processes(pool: Any) -> list[Any]:
    """The worker processes (:class:`multiprocessing.Process`) of a
    ``ProcessPoolExecutor`` (none once shut down)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def _death(codes: list[int | None]) -> tuple[str, str]:
    """How a dead pool worker died and what to do, from the exit codes of the pool's
    processes (None: running)."""
    import signal

    # after a death the pool terminates the other workers (SIGTERM): their codes say
    # nothing
    own = [c for c in codes if c is not None and c != -signal.SIGTERM]
    code = own[0] if own else -signal.SIGTERM if -signal.SIGTERM in codes else None
    if code is None:
        return "a dataset worker process died", "Rebuild with workers=1."
    if code >= 0:
        return (
            f"a dataset worker process exited with code {code}",
            "Its error is printed above. A script that calls camera_dataset at its top "
            "level must guard that "
            'call with `if __name__ == "__main__":` (each spawned worker re-runs the '
            "top level), or build "
            "with workers=1.",
        )
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "unknown signal"
    advice = {
        signal.SIGKILL: "The out-of-memory killer sends SIGKILL, so memory likely ran "
        "out: rebuild with "
        "workers=1 or with more free memory.",
        signal.SIGSEGV: "It crashed: rebuild with workers=1 to see where.",
    }.get(-code, "Rebuild with workers=1.")
    return f"a dataset worker process was killed by signal {-code} ({name})", advice


def _as_config(config: DatasetConfig | str, seed: int) -> DatasetConfig:
    """``config`` itself, or the :class:`DatasetConfig` of the profile it names with
    ``seed``."""
    if isinstance(config, str):
        config = dataset_config(config, seed=seed)
    if not isinstance(config, DatasetConfig):
        raise TypeError(
            f"config must be a DatasetConfig or a profile name; got "
            f"{type(config).__name__}"
        )
    return config


def dataset_cache_key(config: DatasetConfig | str = "book", *, seed: int = 0) -> str:
    """The cache key (the cache folder's name) of the dataset of ``config`` (or of a
    profile name with ``seed``), computed without building or reading it: it changes
    when the configuration or :data:`DATASET_CODE_VERSION` does. Results files name
    their dataset by it (the appendix)."""
    return cache.cache_key(
        "dataset", _config_dict(_as_config(config, seed)), DATASET_CODE_VERSION
    )


def camera_dataset(
    config: DatasetConfig | str = "book",
    *,
    seed: int = 0,
    workers: int = 2,
    progress: bool = True,
    root: str | os.PathLike[str] | None = None,
    callback: Callable[[int], None] | None = None,
    stall_timeout: float | None = 600.0,
) -> SimulatedDataset:
    """The simulated Dual Cam dataset of ``config`` (or of a profile name with
    ``seed``), from the cache.

    Built when missing in ``workers`` processes (1: in this process) with a progress
    bar; a ``callback(recording_index)`` is called after each recording is simulated (an
    exception it raises aborts the build). An interrupted build leaves no cache entry,
    but the recordings already simulated are kept in a staging folder beside the entry,
    so the next call only simulates the rest; the result is byte-identical to an
    uninterrupted build. ``root`` overrides the cache folder. Chapter 06.

    A parallel build never hangs: a worker process that dies (e.g. killed by the
    out-of-memory killer) raises a :class:`RuntimeError` saying how, and no recording
    finishing within ``stall_timeout`` seconds (None: no limit) raises a
    :class:`TimeoutError`; both leave no cache entry. The workers are spawned, so each
    re-runs the top level of the main script: a script that calls this with ``workers >
    1`` must do so under ``if __name__ == "__main__":`` (unguarded, the workers would
    wait for the entry this call is building; they stop with an error saying so
    instead).
    """
    config = _as_config(config, seed)
    workers = _checks.positive("workers", workers, integer=True)
    if stall_timeout is not None:
        stall_timeout = _checks.positive("stall_timeout", stall_timeout)
    cfg = _config_dict(config)
    key = dataset_cache_key(config)
    staging = cache.cache_root(root) / "dataset" / f".partial-{key}"
    plan = plan_recordings(config)
    timing: dict[str, float] = {}
    # in a worker re-running an unguarded script, waiting for the lock would wait for
    # its own parent
    starting = _starting_worker()

    def build(folder: Path) -> None:
        if starting:
            raise RuntimeError(_UNGUARDED)
        t0 = time.perf_counter()
        staging.mkdir(parents=True, exist_ok=True)
        _run(plan, config, staging, workers, progress, callback, stall_timeout)
        _assemble(
            folder,
            {s["index"]: _staged(staging, s["index"]) for s in plan},
            config,
            plan,
        )
        timing["seconds"] = time.perf_counter() - t0

    try:
        folder = cache.cached(
            "dataset",
            cfg,
            build,
            code_version=DATASET_CODE_VERSION,
            root=root,
            lock_timeout=0 if starting else -1,
        )
    # only when starting: the parent holds the lock, building the entry
    except filelock.Timeout:
        raise RuntimeError(_UNGUARDED) from None
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    # the build time is not content: a sidecar file beside the entry keeps it
    if "seconds" in timing:
        _build_record(folder).write_text(
            json.dumps({"seconds": timing["seconds"], "workers": workers})
        )
        # built in one piece: no shards made this entry
        _shard_record(folder).unlink(missing_ok=True)
    return SimulatedDataset(folder, built_now="seconds" in timing)
