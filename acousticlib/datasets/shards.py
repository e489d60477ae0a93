"""The camera dataset built in shards (chapter 06, at the ``full`` profile's scale):
each shard simulates a part of the recordings, on any machine and under any scheduler
(a SLURM array, a loop over hosts), and a merge checks the shards and assembles the
same cache entry as a build in one piece.

**Partition** (round-robin): shard ``index`` of ``count`` holds the recordings
``plan[index::count]`` of :func:`~acousticlib.datasets.plan_recordings`, i.e. those
whose recording index ``r`` has ``r % count == index``; ``index`` counts from 0. Shard
sizes differ by at most one recording, and the costly recordings (rooms, moving
sources) spread over the shards instead of following the locations. Each recording is
simulated from its own seeds (its plan entry and the configuration's seed), so its
bits do not depend on the shard that simulates it, and the merged entry is
byte-identical to a one-piece build on the same machine (same ``content_sha256``).

**A shard folder** holds one ``rec-NNNNNN.npz`` per recording (the one-piece build's
staging files, written by the same code) and a ``manifest.json``: the SHA-256 and size
of each file, ``index``, ``count``, ``partition``, ``recordings``, the ``dataset_key``
it belongs to and its ``config``, the ``code_version``, the ``host``
(:func:`socket.gethostname`), ``seconds`` (wall time) and ``workers``. It appears
atomically: the recordings are simulated into ``.partial-<name>`` beside it (an
interrupted shard build resumes from there), which is renamed into place once the
manifest is written.

**The merge** (:func:`merge_shards`) refuses shards that do not cover the plan exactly
once or belong to another dataset, and verifies every file's checksum, before it
writes anything; the entry is then written by :func:`acousticlib.cache.cached`
(atomically, under the entry's lock). Which host built which shard is kept in a
sidecar file beside the entry (``<key>.shards.json``, :attr:`SimulatedDataset.shards`),
not in the entry, whose every file the content hash covers.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import filelock

from .. import _checks, cache
from .._version import __version__
from .build import (
    _as_config,
    _assemble,
    _config_dict,
    _run,
    _staged,
    _starting_worker,
    dataset_cache_key,
)
from .config import DATASET_CODE_VERSION, DatasetConfig, plan_recordings
from .store import SimulatedDataset, _build_record, _shard_record

#: The ``format`` field of a shard's ``manifest.json``.
SHARD_FORMAT = "acousticlib-dataset-shard/1"

#: How the recordings are dealt to the shards (see the module's docstring).
PARTITION = "round-robin"


def _check_shard(index: Any, count: Any, n_recordings: int) -> tuple[int, int]:
    """``(index, count)`` as integers, or a ValueError naming the bad one."""
    count = _checks.positive("count", count, integer=True)
    index = _checks.positive("index", index, integer=True, allow_zero=True)
    if index >= count:
        raise ValueError(
            f"index must lie in [0, count) = [0, {count}) (shards count from 0); "
            f"got {index}"
        )
    if count > n_recordings:
        raise ValueError(
            f"count must be at most the dataset's {n_recordings} recordings (each "
            f"shard holds at least one); got {count}"
        )
    return index, count


def parse_shard(text: str) -> tuple[int, int]:
    """``(index, count)`` from the text ``"I/N"`` (``--shard I/N`` of the command
    line): shard ``I`` of ``N``, counted from 0 (a SLURM array ``--array=0-(N-1)``
    passes ``$SLURM_ARRAY_TASK_ID`` as ``I``). Chapter 06."""
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(
            f"shard must be 'I/N' with integers 0 <= I < N (shard I of N, from 0); "
            f"got {text!r}"
        )
    index, count = (int(p) for p in parts)
    if not 0 <= index < count:
        raise ValueError(
            f"shard must be 'I/N' with 0 <= I < N (shard I of N, from 0); got {text!r}"
        )
    return index, count


def shard_plan(
    config: DatasetConfig | str, index: int, count: int, *, seed: int = 0
) -> list[dict[str, Any]]:
    """The recordings (entries of :func:`~acousticlib.datasets.plan_recordings`) of
    shard ``index`` of ``count`` of the dataset of ``config`` (or of a profile name
    with ``seed``): ``plan[index::count]``, round-robin. ``index`` counts from 0;
    ``count`` is at most the number of recordings. Chapter 06."""
    config = _as_config(config, seed)
    index, count = _check_shard(index, count, config.n_recordings)
    return plan_recordings(config)[index::count]


def shard_folder(
    config: DatasetConfig | str,
    index: int,
    count: int,
    *,
    seed: int = 0,
    root: str | os.PathLike[str] | None = None,
) -> Path:
    """Where :func:`build_shard` writes shard ``index`` of ``count`` when given no
    ``out``: ``<cache root>/dataset-shards/<dataset key>/shard-IIII-of-NNNN`` (``root``
    overrides the cache root, as in :func:`~acousticlib.datasets.camera_dataset`).
    Chapter 06."""
    config = _as_config(config, seed)
    index, count = _check_shard(index, count, config.n_recordings)
    return (
        cache.cache_root(root)
        / "dataset-shards"
        / dataset_cache_key(config)
        / f"shard-{index:04d}-of-{count:04d}"
    )


def _read_manifest(folder: Path) -> dict[str, Any]:
    """The shard manifest of ``folder``; FileNotFoundError or ValueError naming the
    folder when there is none or it is not a shard's."""
    if not folder.is_dir():
        partial = folder.parent / f".partial-{folder.name}"
        hint = (
            f" (its build was interrupted: {partial} holds the recordings simulated so "
            "far; run build_shard again to finish it)"
            if partial.is_dir()
            else ""
        )
        raise FileNotFoundError(f"shard folder {folder} does not exist{hint}")
    path = folder / cache.MANIFEST
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder} is not a dataset shard: it has no {cache.MANIFEST}"
        )
    try:
        manifest = json.loads(path.read_text())
        ok = isinstance(manifest, dict) and manifest.get("format") == SHARD_FORMAT
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{path} is not a dataset shard's manifest (format {SHARD_FORMAT!r})"
        )
    return manifest


def _names(manifest: dict[str, Any]) -> str:
    """``shard I of N`` of a manifest, for messages."""
    return f"shard {manifest['index']} of {manifest['count']}"


def build_shard(
    config: DatasetConfig | str,
    index: int,
    count: int,
    *,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    workers: int = 1,
    progress: bool = False,
    stall_timeout: float | None = 600.0,
) -> Path:
    """Simulate the recordings of shard ``index`` of ``count`` (from 0; round-robin,
    :func:`shard_plan`) of the dataset of ``config`` (or of a profile name with
    ``seed``) into the shard folder ``out`` (default :func:`shard_folder`); return it.

    The recordings are simulated as :func:`~acousticlib.datasets.camera_dataset`
    simulates them (``workers`` processes, progress bar, ``stall_timeout`` seconds),
    into ``.partial-<name>`` beside ``out``, which becomes ``out`` once the manifest
    (per-file SHA-256, index, count, dataset key, host, code version) is written: an
    interrupted build leaves no shard and the next call simulates only the missing
    recordings. An intact shard already at ``out`` is returned as it is; anything else
    there raises a :class:`FileExistsError`. Merge the shards with :func:`merge_shards`.
    Chapter 06.
    """
    config = _as_config(config, seed)
    index, count = _check_shard(index, count, config.n_recordings)
    workers = _checks.positive("workers", workers, integer=True)
    if stall_timeout is not None:
        stall_timeout = _checks.positive("stall_timeout", stall_timeout)
    key = dataset_cache_key(config)
    out = (
        Path(out) if out is not None else shard_folder(config, index, count, root=root)
    )
    if _starting_worker():
        raise RuntimeError(
            "build_shard() was called while a worker process was starting: put the "
            'script\'s code under `if __name__ == "__main__":` (or build with '
            "workers=1)."
        )
    plan = plan_recordings(config)[index::count]
    out.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(out.parent / f".{out.name}.lock")):
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # an empty folder made for it (by a scheduler's script)
        if out.exists():
            try:
                m = _read_manifest(out)
                same = (m["dataset_key"], m["index"], m["count"]) == (key, index, count)
            except (OSError, ValueError, KeyError):
                same = False
            if same and cache.verify(out) is None:
                return out
            raise FileExistsError(
                f"out={out} exists and is not an intact shard {index} of {count} of "
                f"dataset {key}: remove it, or pass another out"
            )
        staging = out.parent / f".partial-{out.name}"
        staging.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        _run(plan, config, staging, workers, progress, None, stall_timeout)
        keep = {_staged(staging, s["index"]).name for s in plan}
        for p in staging.iterdir():  # torn temporary files of a killed build
            if p.name not in keep:
                cache._remove(p)
        cache._write_manifest(
            staging,
            {
                "format": SHARD_FORMAT,
                "dataset_key": key,
                "config": _config_dict(config),
                "code_version": f"{__version__}/{DATASET_CODE_VERSION}",
                "index": index,
                "count": count,
                "partition": PARTITION,
                "recordings": [s["index"] for s in plan],
                "host": socket.gethostname(),
                "seconds": time.perf_counter() - t0,
                "workers": workers,
            },
        )
        os.replace(staging, out)
    return out


def _check_set(
    shards: list[tuple[Path, dict[str, Any]]],
) -> tuple[DatasetConfig, dict[int, tuple[Path, dict[str, Any]]]]:
    """The configuration of ``shards`` (folder, manifest) and the shards by index, once
    they are shards of one dataset, split alike, covering its plan exactly once."""
    ref_folder, ref = shards[0]
    for folder, m in shards:
        if m["dataset_key"] != ref["dataset_key"]:
            raise ValueError(
                f"shards of different datasets: {folder} ({_names(m)}) belongs to "
                f"dataset {m['dataset_key']}, {ref_folder} ({_names(ref)}) to "
                f"{ref['dataset_key']} (another configuration, seed or code version); "
                "merge the shards of one dataset"
            )
        if m["count"] != ref["count"]:
            raise ValueError(
                f"shards split the dataset differently: {folder} is {_names(m)}, "
                f"{ref_folder} is {_names(ref)}; merge shards of one count"
            )
    try:
        config = DatasetConfig(**ref["config"])
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{ref_folder}: its manifest's config is invalid ({err})"
        ) from None
    if dataset_cache_key(config) != ref["dataset_key"]:
        raise ValueError(
            f"{ref_folder} was built by acousticlib {ref['code_version']} "
            f"(dataset {ref['dataset_key']}); this code "
            f"({__version__}/{DATASET_CODE_VERSION}) would build dataset "
            f"{dataset_cache_key(config)}: rebuild the shards with this version"
        )
    count = ref["count"]
    plan = plan_recordings(config)
    by_index: dict[int, tuple[Path, dict[str, Any]]] = {}
    for folder, m in shards:
        i = m["index"]
        if i in by_index:
            raise ValueError(
                f"{_names(m)} is given twice (overlapping shards): {by_index[i][0]} "
                f"and {folder}"
            )
        want = [s["index"] for s in plan[i::count]]
        if m.get("partition") != PARTITION or m.get("recordings") != want:
            raise ValueError(
                f"{folder} ({_names(m)}) holds recordings {m.get('recordings')}, "
                f"not those the {PARTITION} partition gives it ({want})"
            )
        by_index[i] = (folder, m)
    missing = sorted(set(range(count)) - set(by_index))
    if missing:
        raise FileNotFoundError(
            f"shard(s) {missing} of {count} of dataset {ref['dataset_key']} "
            f"missing: the folders given hold shard(s) {sorted(by_index)}; build "
            f"the missing ones with build_shard(config, index, {count})"
        )
    return config, by_index


def _check_files(folder: Path, m: dict[str, Any]) -> None:
    """Every recording file of shard ``m`` is in ``folder`` and matches its checksum;
    FileNotFoundError or ValueError naming the shard, its folder and the file."""
    where = f"{_names(m)} ({folder})"
    for r in m["recordings"]:
        name = _staged(folder, r).name
        if name not in m["files"]:
            raise ValueError(f"{where}: its manifest lists no {name}")
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{where}: {name} is missing")
    problem = cache.verify(folder)
    if problem is not None:
        raise ValueError(
            f"{where} is corrupt: {problem}; rebuild it (remove the folder, then "
            f"build_shard(config, {m['index']}, {m['count']}))"
        )


def merge_shards(
    folders: Sequence[str | os.PathLike[str]],
    *,
    root: str | os.PathLike[str] | None = None,
) -> SimulatedDataset:
    """The dataset assembled from the shard folders ``folders`` (any order) made by
    :func:`build_shard`: the cache entry a one-piece
    :func:`~acousticlib.datasets.camera_dataset` writes (same files, same
    ``content_sha256``), under the cache root ``root``.

    Before anything is written it checks that the shards belong to one dataset (same
    dataset key, hence configuration and code version) and one ``count``, cover the
    plan exactly once, and that every file matches its checksum: a missing shard raises
    a :class:`FileNotFoundError` naming its index, a missing or corrupt file one naming
    the shard's folder and the file, overlapping or mismatched shards a
    :class:`ValueError`. The entry is written atomically (nothing is left if the merge
    fails); an intact entry already there is returned as it is. The entry's
    :attr:`~acousticlib.datasets.SimulatedDataset.shards` records each shard's index,
    host, folder and wall time (a sidecar file: the content hash does not see it); the
    shard folders are left in place. Chapter 06.
    """
    if isinstance(folders, (str, bytes, os.PathLike)) or not isinstance(
        folders, Sequence
    ):
        raise TypeError(
            f"folders must be a sequence of shard folders; got {type(folders).__name__}"
        )
    if not folders:
        raise ValueError("folders must name at least one shard folder; got none")
    shards = [(Path(f), _read_manifest(Path(f))) for f in folders]
    config, by_index = _check_set(shards)
    for folder, m in by_index.values():
        _check_files(folder, m)
    staged = {
        r: _staged(folder, r)
        for folder, m in by_index.values()
        for r in m["recordings"]
    }
    plan = plan_recordings(config)
    timing: dict[str, float] = {}

    def build(entry: Path) -> None:
        t0 = time.perf_counter()
        _assemble(entry, staged, config, plan)
        timing["seconds"] = time.perf_counter() - t0

    entry = cache.cached(
        "dataset",
        _config_dict(config),
        build,
        code_version=DATASET_CODE_VERSION,
        root=root,
    )
    if "seconds" in timing:
        record = {
            "host": socket.gethostname(),
            "merge_seconds": timing["seconds"],
            "partition": PARTITION,
            "shards": [
                {
                    "index": i,
                    "count": m["count"],
                    "host": m["host"],
                    "folder": str(folder.resolve()),
                    "recordings": len(m["recordings"]),
                    "seconds": m["seconds"],
                    "workers": m["workers"],
                    "created": m["created"],
                }
                for i, (folder, m) in sorted(by_index.items())
            ],
        }
        cache.write_json_atomic(_shard_record(entry), record)
        # no one-piece build made this entry: a stale build time would mislead
        _build_record(entry).unlink(missing_ok=True)
    return SimulatedDataset(entry, built_now="seconds" in timing)
