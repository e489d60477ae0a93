"""The on-disk cache: atomic entries, one builder across processes, corruption
detected."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np
import pytest

from acousticlib import cache


def _build_array(folder: Path, value: float = 1.0, n: int = 1000) -> None:
    np.save(folder / "data.npy", np.full(n, value))


def _slow_writer(root: str, log: str, barrier_path: str) -> str:
    """Process body: wait for a common start, then ask for the same entry; log every
    build."""
    while not os.path.exists(barrier_path):
        time.sleep(0.001)

    def build(folder: Path) -> None:
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        for i in range(20):  # a slow build, written in pieces
            with open(folder / f"part{i}.bin", "wb") as f:
                f.write(bytes([i]) * 10_000)
            time.sleep(0.01)

    return str(cache.cached("test", {"a": 1}, build, root=root))


def test_key_depends_on_kind_config_and_code_version():
    k = cache.cache_key("dataset", {"n": 1, "name": "x"})
    # order does not matter
    assert k == cache.cache_key("dataset", {"name": "x", "n": 1})
    assert k != cache.cache_key("dataset", {"n": 2, "name": "x"})
    assert k != cache.cache_key("model", {"n": 1, "name": "x"})
    assert k != cache.cache_key("dataset", {"n": 1, "name": "x"}, code_version="2")
    assert cache.cache_key("d", {"x": np.float32(0.5), "t": (1, 2)}) == cache.cache_key(
        "d", {"x": 0.5, "t": [1, 2]}
    )


@pytest.mark.parametrize(
    "config, message",
    [
        ({"x": object()}, "config\\['x'\\]"),
        ({1: 2}, "keys must be strings"),
        ({"x": float("nan")}, "non-finite"),
    ],
)
def test_bad_configs_are_rejected(config, message):
    with pytest.raises((TypeError, ValueError), match=message):
        cache.cache_key("dataset", config)


def test_bad_kind_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        cache.cached("../escape", {}, _build_array, root=tmp_path)


def test_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(tmp_path / "c"))
    assert cache.cache_root() == tmp_path / "c"
    monkeypatch.delenv("ACOUSTICLIB_CACHE")
    assert "site-packages" not in str(cache.cache_root())


def test_build_once_then_reuse(tmp_path):
    calls = []

    def build(folder):
        calls.append(folder)
        _build_array(folder)

    a = cache.cached("dataset", {"n": 1}, build, root=tmp_path)
    b = cache.cached("dataset", {"n": 1}, build, root=tmp_path)
    assert a == b and len(calls) == 1
    assert np.load(a / "data.npy").sum() == 1000
    assert cache.verify(a) is None
    assert [e["key"] for e in cache.entries(root=tmp_path)] == [a.name]
    cache.cached("dataset", {"n": 2}, build, root=tmp_path)
    assert len(calls) == 2
    assert cache.clear("dataset", root=tmp_path) == 2
    assert cache.entries(root=tmp_path) == []


def test_two_concurrent_writers_build_once(tmp_path):
    log, barrier = tmp_path / "log.txt", tmp_path / "go"
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = [
            pool.apply_async(
                _slow_writer, (str(tmp_path / "c"), str(log), str(barrier))
            )
            for _ in range(2)
        ]
        time.sleep(0.5)  # let both processes start and wait at the barrier
        barrier.touch()
        paths = [r.get(timeout=120) for r in results]
    assert paths[0] == paths[1]
    assert len(log.read_text().split()) == 1, "the entry was built more than once"
    entry = Path(paths[0])
    assert cache.verify(entry) is None
    assert sorted(p.name for p in entry.iterdir()) == sorted(
        [f"part{i}.bin" for i in range(20)] + ["manifest.json"]
    )
    assert not list((tmp_path / "c" / "test").glob(".tmp-*")), (
        "a temporary folder was left behind"
    )


def test_truncated_entry_is_rebuilt_with_a_warning(tmp_path):
    entry = cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    data = entry / "data.npy"
    size = data.stat().st_size
    with open(data, "r+b") as f:
        f.truncate(size // 2)
    assert "truncated" in cache.verify(entry)
    with pytest.warns(cache.CacheWarning, match="corrupt"):
        again = cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    assert (
        again == entry and data.stat().st_size == size and cache.verify(entry) is None
    )


def test_flipped_byte_is_detected(tmp_path):
    entry = cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    raw = bytearray((entry / "data.npy").read_bytes())
    raw[-1] ^= 0xFF
    (entry / "data.npy").write_bytes(bytes(raw))
    assert "checksum" in cache.verify(entry)
    with pytest.warns(cache.CacheWarning):
        cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    assert np.load(entry / "data.npy")[-1] == 1.0


def test_interrupted_write_leaves_nothing_and_next_call_completes(tmp_path):
    def interrupted(folder):
        _build_array(folder)
        raise KeyboardInterrupt  # Ctrl-C in the middle of a build

    with pytest.raises(KeyboardInterrupt):
        cache.cached("dataset", {"n": 1}, interrupted, root=tmp_path)
    base = tmp_path / "dataset"
    assert [p.name for p in base.iterdir() if not p.name.endswith(".lock")] == []
    # A process killed outright leaves its temporary folder: the next build removes it.
    key = cache.cache_key("dataset", {"n": 1})
    (base / f".tmp-{key}-deadbeef").mkdir()
    (base / f".tmp-{key}-deadbeef" / "half.npy").write_bytes(b"\x93NUMPY")
    entry = cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    assert cache.verify(entry) is None
    assert not list(base.glob(".tmp-*"))


def test_build_that_writes_nothing_is_an_error(tmp_path):
    with pytest.raises(cache.CacheError, match="no files"):
        cache.cached("dataset", {"n": 1}, lambda folder: None, root=tmp_path)
    assert not (tmp_path / "dataset" / cache.cache_key("dataset", {"n": 1})).exists()


def test_a_verified_entry_is_not_rehashed_until_a_file_changes(tmp_path, monkeypatch):
    entry = cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    # verified in full, remembered
    cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    calls = []
    real = cache.file_sha256
    monkeypatch.setattr(
        cache, "file_sha256", lambda path: calls.append(path) or real(path)
    )
    assert cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path) == entry
    assert calls == []  # remembered: no hashing
    data = entry / "data.npy"
    raw = bytearray(data.read_bytes())
    raw[-1] ^= 0xFF
    data.write_bytes(bytes(raw))
    st = data.stat()
    # a later write, whatever the clock's grain
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    with pytest.warns(cache.CacheWarning, match="corrupt"):
        cache.cached("dataset", {"n": 1}, _build_array, root=tmp_path)
    assert calls and np.load(data)[-1] == 1.0


def test_results_files_are_written_atomically(tmp_path):
    from acousticlib.cache import write_json_atomic

    path = tmp_path / "results" / "figures.json"
    assert write_json_atomic(path, {"fps": 97.0}) == path
    assert json.loads(path.read_text()) == {"fps": 97.0}
    with pytest.raises(TypeError):
        # not JSON: the old file stays whole
        write_json_atomic(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"fps": 97.0}
    # no temporary file left behind
    assert [p.name for p in path.parent.iterdir()] == ["figures.json"]


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.bin"
    assert cache.write_atomic(target, lambda tmp: tmp.write_bytes(b"one")) == target
    cache.write_atomic(target, lambda tmp: tmp.write_bytes(b"two"))
    assert target.read_bytes() == b"two"

    def fails(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cache.write_atomic(target, fails)
    assert target.read_bytes() == b"two"  # the old file stays whole
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.bin"]


def test_torch_checkpoints_name_their_archive_after_the_file_alone(tmp_path):
    """torch.save names the zip archive after the file's stem: the temporary name of
    write_atomic varies only after its last dot, so the bytes do not depend on the
    process that wrote them."""
    import zipfile

    import torch

    names = []
    for sub in ("a", "b"):
        path = tmp_path / sub / "model.pt"
        cache.write_atomic(path, lambda tmp: torch.save({"w": torch.ones(2)}, tmp))
        names.append(sorted(zipfile.ZipFile(path).namelist()))
    assert names[0] == names[1] and names[0][0].startswith(".model.pt/")


def test_remove_partial_writes_deletes_the_temporaries_of_one_file_only(tmp_path):
    """What a process killed inside write_atomic leaves (no finally ran), and only
    that."""
    target = tmp_path / "run.pt"
    cache.write_atomic(target, lambda tmp: tmp.write_bytes(b"whole"))
    torn = [tmp_path / ".run.pt.tmp-4242-0badf00d", tmp_path / ".run.pt.tmp-7-12345678"]
    others = [tmp_path / ".run.pt2.tmp-1-00000000", tmp_path / "run.pt.tmp-1-x"]
    for p in [*torn, *others]:
        p.write_bytes(b"torn")
    assert cache.remove_partial_writes(target) == 2
    assert target.read_bytes() == b"whole"
    assert not any(p.exists() for p in torn) and all(p.exists() for p in others)
    assert cache.remove_partial_writes(tmp_path / "absent[1].pt") == 0
