"""A built dataset and its files (chapter 06): :class:`SimulatedDataset`,
memory-light row reads, streamed ``.npy`` writes, the content checksum."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import _checks, cache, scenes
from ..sounds import CLASSES
from .config import _INDEX, MODALITIES, SPLITS, DatasetConfig


def write_npy_stream(
    path: str | os.PathLike[str], shape: tuple[int, ...], dtype: Any
) -> Any:
    """An open binary file holding the ``.npy`` header of an array ``shape``/``dtype``;
    write its C-order bytes after.

    Streams a large array to disk without holding it (or a memory map of it) in memory;
    the caller closes the file. Used by the dataset build and chapter 07's trunk
    features.
    """
    f = open(path, "wb")
    np.lib.format.write_array_header_1_0(
        f,
        {
            "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
            "fortran_order": False,
            "shape": shape,
        },
    )
    return f


def content_sha256(folder: str | os.PathLike[str]) -> str:
    """Content hash of a dataset entry: SHA-256 over the sorted (file name, SHA-256)
    pairs of its manifest.

    Independent of where and when the entry was built (the manifest's timestamp is left
    out).
    """
    manifest = json.loads((Path(folder) / cache.MANIFEST).read_text())
    text = "\n".join(
        f"{name} {info['sha256']}" for name, info in sorted(manifest["files"].items())
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _build_record(folder: Path) -> Path:
    """The sidecar file of a one-piece build's wall time, beside the entry."""
    return folder.parent / f"{folder.name}.build.json"


def _shard_record(folder: Path) -> Path:
    """The sidecar file of the shards merged into the entry, beside it."""
    return folder.parent / f"{folder.name}.shards.json"


class SimulatedDataset:
    """A built dataset entry, read lazily (memory-mapped ``.npy`` files).

    ``config`` (:class:`DatasetConfig`), ``meta`` (dict), ``index`` (dict of ``(F,)``
    int64 columns: label, clip, location, recording, frame, split, background,
    condition, style), ``recordings`` (the plan), ``sha256`` (:func:`content_sha256`),
    ``build_seconds`` (wall time of the build that made the entry, from a sidecar file
    beside it; None if unknown), ``shards`` (for an entry merged from shards by
    :func:`~acousticlib.datasets.merge_shards`, the list of the shards' ``index``,
    ``count``, ``host``, ``folder``, ``recordings``, ``seconds``, ``workers``,
    ``created``, from a sidecar file; None otherwise), ``built_now`` (whether this call
    built it).
    ``array(name)`` opens one array memory-mapped; ``frames_of(split)`` gives frame
    indices.
    """

    def __init__(self, folder: str | os.PathLike[str], built_now: bool = False) -> None:
        self.folder = Path(folder)
        meta_path = self.folder / "meta.json"
        if not meta_path.is_file():
            raise FileNotFoundError(
                f"{meta_path} is missing: {self.folder} is not a dataset entry"
            )
        self.meta: dict[str, Any] = json.loads(meta_path.read_text())
        cfg = dict(self.meta["config"])
        self.config = DatasetConfig(
            **{
                **cfg,
                "condition_weights": tuple(cfg["condition_weights"]),
                "split_fractions": tuple(cfg["split_fractions"]),
            }
        )
        self.index = {k: np.load(self.folder / "index" / f"{k}.npy") for k in _INDEX}
        self.recordings: list[dict[str, Any]] = json.loads(
            (self.folder / "recordings.json").read_text()
        )
        self.built_now = bool(built_now)
        try:
            self.build_seconds: float | None = float(
                json.loads(_build_record(self.folder).read_text())["seconds"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            self.build_seconds = None
        try:
            self.shards: list[dict[str, Any]] | None = list(
                json.loads(_shard_record(self.folder).read_text())["shards"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            self.shards = None
        self._arrays: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return int(self.meta["frames"])

    def __repr__(self) -> str:
        return (
            f"SimulatedDataset({self.meta['clips']} clips, {self.meta['frames']} "
            f"frames, "
            f"{self.meta['recordings']} recordings, sha256={self.sha256[:12]})"
        )

    @property
    def sha256(self) -> str:
        """The content hash (:func:`content_sha256`)."""
        return content_sha256(self.folder)

    def array(self, name: str) -> np.ndarray:
        """The stored array ``name`` (e.g. ``"frames"``, ``"acoustic"``), memory-mapped
        read-only."""
        if name not in self._arrays:
            path = self.folder / f"{name}.npy"
            if not path.is_file():
                raise KeyError(
                    f"this dataset stores no {name!r} array "
                    f"(keep_power={self.config.keep_power})"
                )
            self._arrays[name] = np.load(path, mmap_mode="r")
        return self._arrays[name]

    def read(self, name: str, rows: Any = None) -> np.ndarray:
        """Rows ``rows`` (all if None) of array ``name``, copied into memory by
        :func:`read_rows`.

        Unlike indexing :meth:`array`, the file's pages do not stay mapped in this
        process, so a pass over a large array (frames: 83 kB each) does not grow its
        resident memory.
        """
        self.array(name)  # validates the name
        return read_rows(self.folder / f"{name}.npy", rows)

    def frames_of(
        self, split: str | None = None, *, include_background: bool = True
    ) -> np.ndarray:
        """Indices ``(n,)`` of the frames of ``split`` (a name of :data:`SPLITS`, or
        None for all)."""
        mask = np.ones(len(self), bool)
        if split is not None:
            mask &= self.index["split"] == SPLITS.index(
                _checks.one_of("split", split, SPLITS)
            )
        if not include_background:
            mask &= self.index["background"] == 0
        return np.flatnonzero(mask)

    def sample(
        self,
        i: int,
        modalities: Sequence[str] = ("frame", "audio", "mfcc_mono", "acoustic"),
    ) -> dict[str, Any]:
        """Frame ``i`` as NumPy arrays in the data contract's layout (see
        :class:`FrameDataset`)."""
        i = int(i)
        if not 0 <= i < len(self):
            raise IndexError(f"frame index {i} out of range [0, {len(self)})")
        out: dict[str, Any] = {}
        for m in modalities:
            _checks.one_of("modalities", m, MODALITIES)
            if m == "frame":
                out[m] = np.asarray(self.array("frames")[i], np.float32).transpose(
                    2, 0, 1
                ) / np.float32(255)
            elif m == "context":
                out[m] = np.array(
                    self.array("recording_audio")[self.index["recording"][i]],
                    np.float32,
                )
            elif m == "power":
                out[m] = np.array(self.array("power")[i], np.float32)
            else:
                out[m] = np.array(self.array(m)[i], np.float32)
        for k in ("label", "clip", "location"):
            out[k] = np.int64(self.index[k][i])
        out["background"] = bool(self.index["background"][i])
        return out

    def statistics(self) -> dict[str, dict[str, int]]:
        """Counts of clips per split and class (``"background"`` for background-only),
        and per split and condition."""
        clip_rows = np.flatnonzero(self.index["frame"] == 0)
        out: dict[str, dict[str, int]] = {}
        for s, name in enumerate(SPLITS):
            rows = clip_rows[self.index["split"][clip_rows] == s]
            counts = {
                c: int(np.sum(self.index["label"][rows] == k))
                for k, c in enumerate(CLASSES)
            }
            counts["background"] = int(np.sum(self.index["background"][rows]))
            for k, c in enumerate(scenes.CONDITIONS):
                counts[c] = int(np.sum(self.index["condition"][rows] == k))
            counts["locations"] = len(set(self.index["location"][rows].tolist()))
            out[name] = counts
        return out


def read_rows(path: str | os.PathLike[str], rows: Any = None) -> np.ndarray:
    """Rows ``rows`` (an index array, boolean mask or slice; all if None) of the
    ``.npy`` file ``path``, in memory.

    Reads the rows' bytes with ordinary file reads, one read per run of consecutive
    rows, into the returned array: nothing is memory-mapped, so the copy is all this
    process keeps and all its resident memory counts. (Indexing a memory map instead
    counts every page it touched in the process's resident memory while the map is open:
    a pass over trunk features then counts them twice.) Files in another layout than a
    C-ordered, version 1 or 2 ``.npy`` of a plain dtype are read through a memory map
    closed before returning. Chapters 07-11 use it for passes over frames and trunk
    features.
    """
    with open(path, "rb") as fh:
        try:
            version = np.lib.format.read_magic(fh)
            header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            shape, fortran, dtype = (
                header(fh) if header else ((), True, np.dtype(object))
            )
        except ValueError as err:
            raise ValueError(f"{path} is not a readable .npy file: {err}") from None
        if fortran or dtype.hasobject or not shape:
            return _read_rows_mmap(path, rows)
        n = shape[0]
        index = np.arange(n)[rows] if rows is not None else np.arange(n)
        if index.ndim != 1:
            raise ValueError(
                f"rows must select along the first axis (1-D indices, mask or slice); "
                f"got shape {index.shape}"
            )
        out = np.empty((index.size, *shape[1:]), dtype)
        row_bytes = out[:1].nbytes
        if index.size == 0 or row_bytes == 0:
            return out
        start = fh.tell()
        breaks = np.flatnonzero(np.diff(index) != 1) + 1
        buf = memoryview(out.reshape(index.size, -1)).cast("B")
        for a, b in zip(np.r_[0, breaks], np.r_[breaks, index.size], strict=False):
            fh.seek(start + int(index[a]) * row_bytes)
            want = (int(b) - int(a)) * row_bytes
            if fh.readinto(buf[int(a) * row_bytes : int(a) * row_bytes + want]) != want:
                raise ValueError(
                    f"{path} is shorter than its header says ({shape} {dtype}): "
                    f"truncated file?"
                )
        return out


def _read_rows_mmap(path: str | os.PathLike[str], rows: Any) -> np.ndarray:
    """:func:`read_rows` through a memory map closed before returning (any ``.npy``
    layout)."""
    m = np.load(path, mmap_mode="r")
    try:
        return np.array(m if rows is None else m[rows])
    finally:
        mm = getattr(m, "_mmap", None)
        del m
        if mm is not None:
            try:
                mm.close()
            # a view is still alive elsewhere: leave it to the garbage collector
            except BufferError:
                pass
