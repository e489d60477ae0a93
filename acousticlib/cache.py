"""A content-addressed on-disk cache for datasets and trained models.

Chapters build expensive things (a simulated dataset, a trained U-VAE) once and reuse
them: chapter 06 builds the dataset that chapters 07-15 load, chapter 08 trains the
U-VAE that chapter 11 evaluates. An entry is a folder of files written by a ``build``
function you pass, addressed by a key that hashes

* the entry's *kind* (``"dataset"``, ``"model"``, ...),
* its configuration (any JSON-like mapping), and
* the code version (``acousticlib.__version__`` plus an optional per-kind version
  string),

so a changed configuration or a new release never reads a stale entry.

Guarantees:

* **Atomic**: ``build`` writes into a temporary folder beside the entry, which is
  renamed into place only once complete (with a ``manifest.json`` of SHA-256 checksums).
  A crash or a Ctrl-C leaves no half-written entry; the next call builds it again.
  Single files (checkpoints, results) are written the same way (:func:`write_atomic`);
  :func:`remove_partial_writes` deletes what a killed writer left beside them.
* **One builder at a time**: a file lock per key, so two processes (nbval with xdist,
  two notebooks at once) never build the same entry twice: the second waits, then reads.
* **Verified on read**: sizes and checksums are checked; a corrupt or truncated entry is
  rebuilt with a :class:`CacheWarning`.

The location is ``$ACOUSTICLIB_CACHE`` when set, else the user's cache folder
(``$XDG_CACHE_HOME/acousticlib`` or ``~/.cache/acousticlib`` on Linux). The book's intro
explains it; ``python -m acousticlib.cache`` lists or clears entries.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import math
import os
import shutil
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import Any

from filelock import FileLock

from ._version import __version__

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class CacheWarning(UserWarning):
    """Raised (as a warning) when an entry is found corrupt and is rebuilt."""


class CacheError(RuntimeError):
    """A build function failed to produce a usable entry."""


def cache_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``root`` if given, else ``$ACOUSTICLIB_CACHE``, else the user
    cache."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("ACOUSTICLIB_CACHE")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "acousticlib"


def _canonical(value: Any, where: str = "config") -> Any:
    """Turn a configuration into plain JSON types, refusing anything ambiguous."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _canonical(dataclasses.asdict(value), where)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: keys must be strings; got {k!r}")
            out[k] = _canonical(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, PurePath):
        return str(value)
    if (
        hasattr(value, "item")
        and callable(value.item)
        and getattr(value, "shape", None) == ()
    ):
        value = value.item()  # numpy / torch scalars
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"{where}: non-finite float {value!r} cannot be part of a cache key"
            )
        return float(value)
    raise TypeError(
        f"{where}: values of type {type(value).__name__} cannot be hashed into a cache "
        f"key; "
        "use numbers, strings, booleans, lists and dicts"
    )


def cache_key(
    kind: str, config: Mapping[str, Any], code_version: str | None = None
) -> str:
    """The hex key of an entry: SHA-256 of kind, canonical JSON config and code
    version."""
    _check_kind(kind)
    if not isinstance(config, Mapping) and not dataclasses.is_dataclass(config):
        raise TypeError(
            f"config must be a mapping or a dataclass; got {type(config).__name__}"
        )
    payload = {
        "kind": kind,
        "config": _canonical(config),
        "code_version": f"{__version__}/{code_version or ''}",
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def joined_key(head: str, fields: Mapping[str, Any]) -> str:
    """``head|name=value|name=value...``: the string naming what a cached entry was
    made from, as the experiments give it to :func:`acousticlib.training.train_cached`
    (``data_key``).

    ``fields`` in their order, each value written with ``str``; a field whose value is
    ``None`` is written as its name alone (a bare tag, e.g. a code version). The one
    place such strings are joined: the strings, and so the cache keys hashed from them,
    must stay the same byte for byte (``tests/test_cache.py`` pins them).
    """
    if not isinstance(head, str) or not head:
        raise ValueError(f"head must be a non-empty string; got {head!r}")
    parts = [head]
    for name, value in fields.items():
        if not isinstance(name, str) or not name or "|" in name:
            raise ValueError(
                f"field names must be non-empty strings without '|'; got {name!r}"
            )
        parts.append(name if value is None else f"{name}={value}")
    return "|".join(parts)


def _check_kind(kind: str) -> None:
    if (
        not isinstance(kind, str)
        or not kind
        or not kind.replace("-", "").replace("_", "").isalnum()
    ):
        raise ValueError(
            f"kind must be a non-empty name of letters, digits, '-' or '_'; got "
            f"{kind!r}"
        )


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], Any]) -> Path:
    """Write the file ``path`` atomically: ``write(tmp)`` fills a temporary file beside
    it, which then replaces ``path`` (``os.replace``).

    A crash leaves the old file (or none), never half a file; the temporary file is
    removed on failure. Its name is ``.{name}.tmp-{pid}-{random}``: everything after
    the name's last dot is the only part that varies, so writers that derive something
    from the stem (``torch.save`` names its archive after it) write the same bytes in
    every process. The one atomic writer of the package (dataset shards, training
    checkpoints, results files). Returns the path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_tmp_prefix(path)}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _tmp_prefix(path: Path) -> str:
    """How the names of :func:`write_atomic`'s temporary files for ``path`` begin."""
    return f".{path.name}.tmp-"


def remove_partial_writes(path: str | os.PathLike[str]) -> int:
    """Delete the temporary files that :func:`write_atomic` left beside ``path`` when a
    process writing it was killed outright (SIGKILL, a power cut: no ``finally``
    ran); return how many.

    ``path`` itself is never touched. Call it only where no other process is writing
    ``path``, e.g. under the lock of the cache entry it belongs to
    (:func:`acousticlib.training.train_cached` does so for its checkpoints).
    """
    path = Path(path)
    removed = 0
    for tmp in path.parent.glob(f"{glob.escape(_tmp_prefix(path))}*"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def write_json_atomic(
    path: str | os.PathLike[str], data: Any, *, indent: int = 1
) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (:func:`write_atomic`).

    Used for the results files of ``benchmarks/`` and ``tools/`` that the chapters
    read. Returns the path.
    """

    def write(tmp: Path) -> None:
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=indent)
            fh.write("\n")

    return write_atomic(path, write)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _list_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )


def _write_manifest(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    files = {
        name: {
            "size": (folder / name).stat().st_size,
            "sha256": file_sha256(folder / name),
        }
        for name in _list_files(folder)
    }
    if not files:
        raise CacheError("the build function wrote no files into the entry folder")
    manifest = {**meta, "files": files, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with open(folder / MANIFEST, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    return manifest


def verify(folder: str | os.PathLike[str]) -> str | None:
    """Check an entry folder against its manifest; return ``None`` if intact, else the
    reason."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = manifest["files"]
    except FileNotFoundError:
        return "manifest.json is missing"
    except (ValueError, KeyError, TypeError) as exc:
        return f"manifest.json is unreadable ({exc})"
    for name, info in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != info["size"]:
            return (
                f"{name} has {path.stat().st_size} bytes, expected {info['size']} "
                "(truncated?)"
            )
        if file_sha256(path) != info["sha256"]:
            return f"{name} does not match its checksum"
    return None


#: Entries this process has verified in full, with the stamp (sizes and modification
#: times of the manifest and every file) they had then: reading an entry again costs a
#: few ``stat`` calls, not re-hashing hundreds of megabytes. A changed file changes the
#: stamp and is checked again.
_VERIFIED: dict[str, tuple] = {}


def _stamp(folder: Path) -> tuple | None:
    """Sizes and modification times (ns) of an entry's manifest and files; None if any
    is missing."""
    try:
        manifest = folder / MANIFEST
        names = sorted(json.loads(manifest.read_text())["files"])
        return tuple(
            (n, st.st_size, st.st_mtime_ns)
            for n, st in [(MANIFEST, manifest.stat())]
            + [(n, (folder / n).stat()) for n in names]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _intact(folder: Path) -> bool:
    """Whether ``folder`` is an intact entry: verified in full once per process, then by
    its stamp."""
    stamp = _stamp(folder)
    if stamp is not None and _VERIFIED.get(str(folder)) == stamp:
        return True
    if verify(folder) is None:
        if stamp is not None:
            _VERIFIED[str(folder)] = stamp
        return True
    _VERIFIED.pop(str(folder), None)
    return False


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def cached(
    kind: str,
    config: Mapping[str, Any],
    build: Callable[[Path], None],
    *,
    code_version: str | None = None,
    root: str | os.PathLike[str] | None = None,
    lock_timeout: float = -1,
) -> Path:
    """Return the folder of the entry for ``(kind, config)``, building it first if
    needed.

    ``build(folder)`` must write the entry's files into ``folder`` (an empty temporary
    folder); it is called only when no intact entry exists, and at most once across
    processes. ``code_version`` is a per-kind version string (bump it when the builder's
    output changes). ``lock_timeout`` is in seconds (``-1`` waits forever).
    """
    if not callable(build):
        raise TypeError(
            f"build must be a callable taking a folder path; got {type(build).__name__}"
        )
    key = cache_key(kind, config, code_version)
    base = cache_root(root) / kind
    base.mkdir(parents=True, exist_ok=True)
    final = base / key
    # Fast path: an intact entry needs no lock (entries are immutable once renamed into
    # place).
    if final.is_dir() and (final / MANIFEST).exists() and _intact(final):
        return final
    with FileLock(str(base / f".{key}.lock"), timeout=lock_timeout):
        if final.exists():
            problem = verify(final)
            if problem is None:
                return final  # another process built it while we waited
            warnings.warn(
                f"cache entry {kind}/{key} is corrupt ({problem}); rebuilding it",
                CacheWarning,
                stacklevel=2,
            )
            trash = base / f".trash-{key}-{uuid.uuid4().hex[:8]}"
            os.replace(final, trash)
            _remove(trash)
        # left by an interrupted build; we hold the lock
        for stale in base.glob(f".tmp-{key}-*"):
            _remove(stale)
        tmp = base / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            build(tmp)
            _write_manifest(
                tmp,
                {
                    "kind": kind,
                    "key": key,
                    "config": _canonical(config),
                    "code_version": f"{__version__}/{code_version or ''}",
                },
            )
            os.replace(tmp, final)
        except BaseException:
            _remove(tmp)
            raise
    return final


def entries(
    kind: str | None = None, root: str | os.PathLike[str] | None = None
) -> list[dict[str, Any]]:
    """Manifests of the intact-looking entries (optionally of one kind), newest
    first."""
    top = cache_root(root)
    out = []
    for manifest in top.glob(f"{kind or '*'}/*/{MANIFEST}"):
        try:
            info = json.loads(manifest.read_text())
        except ValueError:
            continue
        info["path"] = str(manifest.parent)
        info["bytes"] = sum(f["size"] for f in info.get("files", {}).values())
        out.append(info)
    return sorted(out, key=lambda m: m.get("created", ""), reverse=True)


def clear(kind: str | None = None, root: str | os.PathLike[str] | None = None) -> int:
    """Delete all entries (or those of one kind); return how many were removed."""
    top = cache_root(root)
    if kind is not None:
        _check_kind(kind)
    n = 0
    for folder in top.glob(f"{kind}/*") if kind else top.glob("*/*"):
        if folder.is_dir():
            _remove(folder)
            n += not folder.name.startswith(".")
    return n


def main(argv: list[str] | None = None) -> int:
    """``python -m acousticlib.cache [list|clear [KIND]|path]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    cmd = args.pop(0) if args else "list"
    if cmd == "path":
        print(cache_root())
    elif cmd == "list":
        for e in entries(args[0] if args else None):
            print(
                f"{e['kind']:>10} {e['key']} {e['bytes'] / 1e6:9.1f} MB  "
                f"{e.get('created', '')}"
            )
    elif cmd == "clear":
        print(f"removed {clear(args[0] if args else None)} entries from {cache_root()}")
    else:
        print(
            "usage: python -m acousticlib.cache [list [KIND] | clear [KIND] | path]",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
