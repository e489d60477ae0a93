"""The camera dataset built in shards and merged (issue 27): the same entry as a build
in one piece, and clear errors for missing, corrupt or mismatched shards."""

from __future__ import annotations

import json
import shutil

import pytest

from acousticlib import cache, datasets
from acousticlib.datasets import shards as shards_module

N = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The smoke dataset built in one piece, and its three shards built out of order,
    each on a "host" of its own, into their default folders."""
    one = datasets.camera_dataset(
        "smoke", workers=1, progress=False, root=tmp_path_factory.mktemp("one")
    )
    root = tmp_path_factory.mktemp("shards")
    folders = {}
    for i in (2, 0, 1):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(shards_module.socket, "gethostname", lambda i=i: f"node{i}")
            folders[i] = datasets.build_shard("smoke", i, N, root=root)
    return one, [folders[i] for i in range(N)]


def _copies(folders, where):
    """Copies of the shard folders under ``where`` (to damage them)."""
    return [shutil.copytree(f, where / f.name) for f in folders]


def test_the_partition_deals_the_plan_round_robin_once():
    config = datasets.dataset_config("smoke")
    plan = [s["index"] for s in datasets.plan_recordings(config)]
    for count in (1, 2, N, 5, len(plan)):
        parts = [
            [s["index"] for s in datasets.shard_plan(config, i, count)]
            for i in range(count)
        ]
        assert sorted(r for p in parts for r in p) == plan
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
        assert all(r % count == i for i, p in enumerate(parts) for r in p)


def test_bad_index_and_count_are_named():
    for index, count, name in [
        (3, 3, "index"),
        (-1, 3, "index"),
        (0.5, 3, "index"),
        (0, 0, "count"),
        (0, -2, "count"),
        (0, 13, "count"),  # the smoke dataset has 12 recordings
    ]:
        with pytest.raises(ValueError, match=name):
            datasets.shard_plan("smoke", index, count)
        with pytest.raises(ValueError, match=name):
            datasets.build_shard("smoke", index, count, out="/nonexistent/shard")
    assert datasets.parse_shard("2/3") == (2, 3)
    for text in ("3/3", "1", "a/3", "-1/3", "1/3/4", 3):
        with pytest.raises(ValueError, match="shard must be 'I/N'"):
            datasets.parse_shard(text)


def test_merged_shards_are_the_one_piece_dataset_and_record_their_hosts(
    built, tmp_path
):
    one, folders = built
    merged = datasets.merge_shards([folders[1], folders[2], folders[0]], root=tmp_path)
    assert merged.built_now and merged.folder.name == one.folder.name
    assert merged.sha256 == one.sha256
    # file for file, not only the hash of the hashes
    files = {e["path"]: e["files"] for e in cache.entries("dataset", root=tmp_path)}[
        str(merged.folder)
    ]
    assert files == json.loads((one.folder / cache.MANIFEST).read_text())["files"]
    assert [(s["index"], s["host"], s["recordings"]) for s in merged.shards] == [
        (i, f"node{i}", 4) for i in range(N)
    ]
    assert one.shards is None and merged.build_seconds is None
    # the shard record is a sidecar: reopened, the entry keeps it and its hash
    again = datasets.SimulatedDataset(merged.folder)
    assert again.shards == merged.shards and again.sha256 == one.sha256
    # merging again returns the entry; the one-piece build finds it
    assert not datasets.merge_shards(folders, root=tmp_path).built_now
    found = datasets.camera_dataset(
        "smoke", workers=1, progress=False, root=tmp_path, callback=pytest.fail
    )
    assert not found.built_now and found.sha256 == one.sha256


def test_a_shard_manifest_names_its_dataset_host_and_checksums(built):
    _, folders = built
    key = datasets.dataset_cache_key("smoke")
    assert folders[1] == datasets.shard_folder(
        "smoke", 1, N, root=folders[1].parents[2]
    )
    m = json.loads((folders[1] / cache.MANIFEST).read_text())
    assert (m["index"], m["count"], m["dataset_key"], m["host"]) == (
        1,
        N,
        key,
        "node1",
    )
    assert m["code_version"].endswith("/" + datasets.DATASET_CODE_VERSION)
    assert sorted(m["files"]) == [f"rec-{r:06d}.npz" for r in m["recordings"]]
    assert all(
        cache.file_sha256(folders[1] / n) == f["sha256"] for n, f in m["files"].items()
    )


def test_a_missing_shard_is_named_and_nothing_is_written(built, tmp_path):
    _, folders = built
    with pytest.raises(FileNotFoundError, match=r"shard\(s\) \[1\] of 3 .*missing"):
        datasets.merge_shards([folders[2], folders[0]], root=tmp_path)
    gone = tmp_path / "gone"
    with pytest.raises(FileNotFoundError, match=f"shard folder {gone} does not exist"):
        datasets.merge_shards([folders[0], gone, folders[2]], root=tmp_path)
    with pytest.raises(FileNotFoundError, match="is not a dataset shard"):
        datasets.merge_shards([folders[0], tmp_path, folders[2]], root=tmp_path)
    with pytest.raises(TypeError, match="folders"):
        datasets.merge_shards(str(folders[0]), root=tmp_path)
    assert not (tmp_path / "dataset").exists()


def test_a_corrupt_or_missing_file_names_the_shard_and_the_file(built, tmp_path):
    _, folders = built
    copies = _copies(folders, tmp_path / "copies")
    victim = copies[1] / "rec-000004.npz"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(
        ValueError,
        match=rf"shard 1 of 3 \({copies[1]}\) is corrupt: rec-000004.npz does not "
        "match its checksum",
    ):
        datasets.merge_shards(copies, root=tmp_path)
    (copies[2] / "rec-000005.npz").unlink()
    with pytest.raises(
        FileNotFoundError, match=rf"shard 2 of 3 \({copies[2]}\): rec-000005.npz is"
    ):
        datasets.merge_shards([copies[2], copies[0]] + copies[1:2], root=tmp_path)
    assert not (tmp_path / "dataset").exists()


def test_overlapping_or_mismatched_shards_are_refused(built, tmp_path, monkeypatch):
    _, folders = built
    twin = shutil.copytree(folders[1], tmp_path / "twin")
    with pytest.raises(ValueError, match=r"shard 1 of 3 is given twice"):
        datasets.merge_shards([*folders, twin], root=tmp_path)
    # one recording each: cheap
    other_count = datasets.build_shard("smoke", 0, 12, out=tmp_path / "of12")
    with pytest.raises(ValueError, match="split the dataset differently"):
        datasets.merge_shards([*folders[1:], other_count], root=tmp_path)
    other_seed = datasets.build_shard(
        datasets.dataset_config("smoke", seed=1), 0, 12, out=tmp_path / "seed1"
    )
    with pytest.raises(ValueError, match=r"shards of different datasets: .*seed1"):
        datasets.merge_shards([*folders, other_seed], root=tmp_path)
    # shards of an older code version
    monkeypatch.setattr(datasets.build, "DATASET_CODE_VERSION", "older")
    with pytest.raises(ValueError, match="rebuild the shards with this version"):
        datasets.merge_shards(folders, root=tmp_path)
    assert not (tmp_path / "dataset").exists()


def test_a_shard_build_resumes_and_keeps_an_intact_shard(built, tmp_path, monkeypatch):
    _, folders = built
    out = tmp_path / "shard-0"
    # an interrupted build: its staging folder holds a finished recording and a torn
    # temporary file
    staging = tmp_path / ".partial-shard-0"
    staging.mkdir()
    shutil.copy(folders[0] / "rec-000000.npz", staging)
    (staging / ".rec-000003.npz.tmp-1-abc").write_bytes(b"torn")
    simulated = []
    work = datasets.build._work
    monkeypatch.setattr(
        datasets.build,
        "_work",
        lambda job: simulated.append(job[0]["index"]) or work(job),
    )
    assert datasets.build_shard("smoke", 0, N, out=out) == out
    assert simulated == [3, 6, 9] and not staging.exists()
    assert cache.verify(out) is None
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name for p in folders[0].iterdir()
    )
    # built again: the intact shard is kept, nothing simulated
    assert datasets.build_shard("smoke", 0, N, out=out) == out
    assert simulated == [3, 6, 9]
    # another shard's folder, or a damaged one, is not taken for this shard
    with pytest.raises(FileExistsError, match="is not an intact shard 1 of 3"):
        datasets.build_shard("smoke", 1, N, out=out)
    (out / "rec-000003.npz").write_bytes(b"damaged")
    with pytest.raises(FileExistsError, match="is not an intact shard 0 of 3"):
        datasets.build_shard("smoke", 0, N, out=out)
