"""The simulated camera dataset: determinism, splits, alignment with the physics,
resumable builds, torch views."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from acousticlib import cache, datasets, geometry, scenes, simulate
from acousticlib.models.uvae import generator_inputs

TINY = dict(
    locations=3,
    unseen_locations=1,
    recordings_per_location=1,
    background_per_location=1,
    recording_seconds=1,
)


def tiny(**kw):
    return datasets.dataset_config("smoke", **{**TINY, **kw})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    return datasets.camera_dataset(tiny(), workers=1, progress=False, root=root), root


def test_bad_configurations_are_rejected():
    with pytest.raises(ValueError, match="locations"):
        datasets.DatasetConfig(locations=2)
    with pytest.raises(ValueError, match="split_fractions"):
        datasets.DatasetConfig(split_fractions=(0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match="mic"):
        datasets.DatasetConfig(mic=128)
    with pytest.raises(ValueError, match="height"):
        datasets.DatasetConfig(height=8)
    with pytest.raises(ValueError, match="condition_weights"):
        datasets.DatasetConfig(condition_weights=(0, 0, 0))
    with pytest.raises(TypeError, match="unknown DatasetConfig field"):
        datasets.dataset_config("book", clips=5)
    with pytest.raises(ValueError, match="profile"):
        datasets.dataset_config("huge")
    with pytest.raises(TypeError, match="DatasetConfig"):
        datasets.camera_dataset(3.0)


@pytest.mark.parametrize("profile", ["book", "full"])
def test_split_sizes_count_the_plan(profile):
    cfg = datasets.dataset_config(profile)
    sizes = {s: datasets.split_sizes(cfg, s) for s in datasets.SPLITS}
    assert sum(v["clips"] for v in sizes.values()) == cfg.n_clips
    assert sum(v["frames"] for v in sizes.values()) == cfg.n_frames
    per_loc = cfg.recordings_per_location + cfg.background_per_location
    for v in sizes.values():
        # every location of a split records the same sounds and backgrounds
        assert v["clips"] * cfg.recordings_per_location == v["sound_clips"] * per_loc
        assert v["frames"] == v["clips"] * datasets.FPS
        assert v["sound_frames"] == v["sound_clips"] * datasets.FPS
    assert sizes["train"]["clips"] > sizes["val"]["clips"] > 0
    with pytest.raises(ValueError, match="split must be one of"):
        datasets.split_sizes(cfg, "training")
    with pytest.raises(TypeError, match="config must be a DatasetConfig"):
        datasets.split_sizes("book")


def test_plan_splits_are_disjoint_by_location_and_balanced():
    cfg = datasets.dataset_config("book")
    plan = datasets.plan_recordings(cfg)
    assert len(plan) == cfg.n_recordings
    locs = {s: {p["location"] for p in plan if p["split"] == s} for s in range(4)}
    for a in range(4):
        for b in range(a + 1, 4):
            assert not locs[a] & locs[b]
    n = cfg.locations
    assert abs(len(locs[0]) / n - 0.7) < 0.05 and abs(len(locs[1]) / n - 0.15) < 0.05
    for s in range(3):  # every class equally often in every split
        labels = [p["label"] for p in plan if p["split"] == s and p["label"] >= 0]
        counts = np.bincount(labels, minlength=10)
        assert counts.min() == counts.max() > 0
    assert all(p["style"] == 1 for p in plan if p["split"] == 3)
    assert all(p["style"] == 0 for p in plan if p["split"] < 3)
    # a location fixes condition, background and surroundings
    for loc in range(cfg.locations):
        specs = [p for p in plan if p["location"] == loc]
        assert (
            len(
                {
                    (p["condition"], p["background"], p["visual_seed"], p["rt60"])
                    for p in specs
                }
            )
            == 1
        )
    for s in range(3):  # every condition in every split
        assert {p["condition"] for p in plan if p["split"] == s} == set(
            scenes.CONDITIONS
        )


def test_static_propagation_agrees_with_the_analytic_free_field():
    cam = geometry.Camera().resized(144, 192)
    mics = np.asarray(geometry.optimized_aperiodic_array())[::8]
    sc = scenes.sample_scene(
        cam,
        3,
        scenes.SceneConfig(p_moving=0.0, max_distractors=0),
        classes=["drill"],
        condition="anechoic",
    )
    quiet = dataclasses.replace(sc, snr_db=None, background_level_db=-120.0)
    ours = datasets.propagate(quiet, mics)
    ref = simulate.free_field(
        scenes.source_signals(quiet)[0], 12288, quiet.sources[0].position(0.0), mics
    )
    # free_field's windowed-sinc delays are accurate below 0.4 fs (its docstring):
    # compare there.
    from scipy.signal import butter, sosfiltfilt

    # low-pass at 0.38 fs (normalized to Nyquist = 1)
    sos = butter(8, 0.38 * 2, output="sos")
    ours, ref = sosfiltfilt(sos, ours, axis=-1), sosfiltfilt(sos, ref, axis=-1)
    core = slice(400, ours.shape[1] - 400)
    err = np.linalg.norm(ours[:, core] - ref[:, core]) / np.linalg.norm(ref[:, core])
    assert err < 1e-2


def test_snr_is_the_nominal_one_at_the_mono_microphone(built):
    # measured on the stored mix: the sources alone, propagated again to the mono
    # microphone, against the rest of the recording; the unseen domain's is 6 dB lower
    # than its scene's
    ds, _ = built
    plan = datasets.plan_recordings(ds.config)
    seen = set()
    for spec in plan:
        if spec["class_name"] is None:
            with pytest.raises(ValueError, match="background-only"):
                datasets.snr_at_microphone(ds, spec["index"])
            continue
        nominal, measured = datasets.snr_at_microphone(ds, spec["index"])
        lo, hi = scenes.SNR_DB[spec["condition"]]
        assert lo - spec["level_shift_db"] <= nominal <= hi - spec["level_shift_db"]
        assert abs(measured - nominal) < 1.0, (spec, nominal, measured)
        seen.add(spec["condition"])
    assert seen == set(scenes.CONDITIONS)
    # the SNR is heard at the mono microphone, not at another one of the array
    spec = next(
        p for p in plan if p["class_name"] is not None and p["condition"] == "anechoic"
    )
    sc = datasets._scene_for(
        spec, ds.config, geometry.Camera().resized(ds.config.height, ds.config.width)
    )
    mics = np.asarray(geometry.optimized_aperiodic_array())
    src, bg = datasets.propagate_parts(sc, mics, reference_mic=ds.config.mic)
    at = 10 * np.log10(np.mean(src**2, axis=1) / np.mean(bg**2, axis=1))
    np.testing.assert_allclose(at[ds.config.mic], sc.snr_db, atol=1e-6)
    with pytest.raises(ValueError, match="reference_mic"):
        datasets.propagate_parts(sc, mics, reference_mic=len(mics))


def test_entry_layout_and_contract(built):
    ds, _ = built
    cfg = ds.config
    assert len(ds) == cfg.n_frames == ds.array("frames").shape[0]
    assert ds.array("acoustic").shape == (cfg.n_frames, 12, 36, 48)
    assert (
        ds.array("acoustic").dtype == np.float16
        and ds.array("frames").dtype == np.uint8
    )
    assert ds.array("recording_audio").shape == (cfg.n_recordings, 12 * 1024)
    # the per-frame audio is the recording's audio cut in 1024-sample frames
    rec = ds.index["recording"][13]
    k = 13 - int(np.flatnonzero(ds.index["recording"] == rec)[0])
    np.testing.assert_array_equal(
        ds.array("audio")[13],
        ds.array("recording_audio")[rec, k * 1024 : (k + 1) * 1024],
    )
    bg = ds.index["background"] == 1
    assert np.all(ds.index["label"][bg] == -1) and np.all(ds.index["label"][~bg] >= 0)
    assert np.all(np.isnan(ds.array("boxes")[bg]))
    # a source may leave the frame
    assert np.mean(np.isfinite(ds.array("boxes")[~bg][:, 0, 0])) > 0.9
    fd = datasets.FrameDataset(ds, None, ("frame", "audio", "mfcc_mono", "acoustic"))
    item = fd[0]
    assert item["frame"].shape == (3, 144, 192) and item["frame"].dtype == torch.float32
    assert 0 <= float(item["frame"].min()) and float(item["frame"].max()) <= 1
    assert item["audio"].shape == (1024,) and item["mfcc_mono"].shape == (12,)
    assert (
        item["acoustic"].shape == (12, 36, 48)
        and item["acoustic"].dtype == torch.float32
    )
    assert item["label"].dtype == torch.int64 and item["clip"].dtype == torch.int64
    assert len(fd) == int((~bg).sum())
    assert len(
        datasets.FrameDataset(ds, None, ["acoustic"], include_background=True)
    ) == len(ds)
    batch = torch.utils.data.default_collate([fd[0], fd[1]])
    out = generator_inputs(batch)
    assert out["target"].shape == (2, 12, 36, 48) and out["audio"].shape == (
        2,
        12,
        36,
        48,
    )
    wd = datasets.WindowDataset(
        ds, None, 1, ("acoustic", "mfcc_mono", "frame", "context")
    )
    w = wd[0]
    assert w["acoustic"].shape == (12, 12, 36, 48) and w["frame"].shape == (
        12,
        3,
        144,
        192,
    )
    assert w["context"].shape == (12 * 1024,)
    assert len(wd) == len(fd) // 12
    with pytest.raises(ValueError, match="seconds"):
        datasets.WindowDataset(ds, None, 2)
    with pytest.raises(ValueError, match="power"):
        datasets.FrameDataset(ds, None, ["power"])
    with pytest.raises(ValueError, match="modalities"):
        datasets.FrameDataset(ds, None, ["smell"])


def test_rendered_boxes_hold_the_simulated_source_positions(built):
    ds, _ = built
    cam = geometry.Camera().resized(ds.config.height, ds.config.width)
    for spec in ds.recordings:
        if spec["class_name"] is None:
            continue
        sc = datasets._scene_for(spec, ds.config, cam)
        rows = np.flatnonzero(ds.index["recording"] == spec["index"])
        t = scenes.frame_times(1.0)
        true = cam.project(sc.sources[0].position(t))
        np.testing.assert_allclose(ds.array("centres")[rows, 0], true, atol=1e-3)
        b = ds.array("boxes")[rows, 0]
        assert np.all(
            (b[:, 0] <= true[:, 0])
            & (true[:, 0] <= b[:, 2])
            & (b[:, 1] <= true[:, 1])
            & (true[:, 1] <= b[:, 3])
        )


@pytest.mark.slow
def test_same_config_same_bytes_other_seed_other_bytes(built, tmp_path):
    ds, _ = built
    again = datasets.camera_dataset(
        tiny(), workers=2, progress=False, root=tmp_path / "a"
    )
    assert again.sha256 == ds.sha256
    other = datasets.camera_dataset(
        tiny(seed=1), workers=1, progress=False, root=tmp_path / "b"
    )
    assert other.sha256 != ds.sha256


def _numba_threads() -> int:
    import numba

    return numba.get_num_threads()


def test_build_workers_run_the_beamformer_on_one_thread_each():
    """Each worker owns a core: numba's pool (which threadpoolctl does not limit) is
    set to one thread."""
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(1, initializer=datasets._limit_threads) as pool:
        assert pool.apply(_numba_threads) == 1


@pytest.mark.slow
def test_interrupted_build_leaves_no_entry_and_the_next_one_completes_it(
    built, tmp_path
):
    ds, _ = built
    seen = []

    def stop(i):
        seen.append(i)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        datasets.camera_dataset(
            tiny(), workers=1, progress=False, root=tmp_path, callback=stop
        )
    assert cache.entries("dataset", root=tmp_path) == []
    staged = list((tmp_path / "dataset").glob(".partial-*/rec-*.npz"))
    assert len(staged) == 3
    redone = []
    done = datasets.camera_dataset(
        tiny(), workers=1, progress=False, root=tmp_path, callback=redone.append
    )
    # only the missing recordings were simulated
    assert len(redone) == ds.config.n_recordings - 3
    assert done.sha256 == ds.sha256
    assert not list((tmp_path / "dataset").glob(".partial-*"))


def _killed(job) -> int:
    """A worker body that dies the way the out-of-memory killer ends a process."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
    return -1


def _stuck(job) -> int:
    """A worker body that never finishes."""
    import time

    time.sleep(3600)
    return -1


def _no_entry(root) -> None:
    """Nothing under ``root`` became a finished (or half-written) dataset entry."""
    assert cache.entries("dataset", root=root) == []
    left = sorted(p.name for p in (root / "dataset").iterdir())
    assert [
        n for n in left if not n.startswith(".partial-") and not n.endswith(".lock")
    ] == []


@pytest.mark.timeout(120)
def test_a_killed_worker_stops_the_build_with_a_clear_error(tmp_path, monkeypatch):
    """multiprocessing.Pool waited forever for the recording of a worker killed by a
    signal."""
    # pickled by name: the spawned workers run it
    monkeypatch.setattr(datasets.build, "_work", _killed)
    with pytest.raises(
        RuntimeError,
        match=r"killed by signal 9 \(SIGKILL\).*nothing was cached.*out-of-memory",
    ):
        datasets.camera_dataset(tiny(), workers=2, progress=False, root=tmp_path)
    _no_entry(tmp_path)


@pytest.mark.timeout(120)
def test_stuck_workers_trip_the_stall_timeout_and_are_stopped(tmp_path, monkeypatch):
    import multiprocessing as mp

    before = set(mp.active_children())
    monkeypatch.setattr(datasets.build, "_work", _stuck)
    with pytest.raises(
        TimeoutError,
        match=r"no recording of the dataset finished in 2 s \(stall_timeout\)",
    ):
        datasets.camera_dataset(
            tiny(), workers=2, progress=False, root=tmp_path, stall_timeout=2
        )
    # the stuck workers were killed and reaped
    assert set(mp.active_children()) <= before
    _no_entry(tmp_path)
    with pytest.raises(ValueError, match="stall_timeout"):
        datasets.camera_dataset(
            tiny(), workers=2, progress=False, root=tmp_path, stall_timeout=0
        )


@pytest.mark.timeout(60)
def test_a_starting_worker_refuses_to_build_instead_of_waiting(tmp_path, monkeypatch):
    """A spawned worker re-running an unguarded script's top level must not wait for
    its parent's lock."""
    import multiprocessing as mp
    import subprocess
    import sys

    monkeypatch.setattr(mp.current_process(), "_inheriting", True, raising=False)
    lock = tmp_path / "dataset" / f".{datasets.dataset_cache_key(tiny())}.lock"
    lock.parent.mkdir()
    # the parent, building the entry: another process holding its lock
    hold = (
        f"import filelock, sys; lock = filelock.FileLock({str(lock)!r}); "
        f"lock.acquire(); "
        "print('held', flush=True); sys.stdin.read()"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", hold],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline() == "held\n"
        with pytest.raises(RuntimeError, match='if __name__ == "__main__"'):
            datasets.camera_dataset(tiny(), workers=1, progress=False, root=tmp_path)
    finally:
        parent.communicate("")  # releases the lock
    # no parent building: no build
    with pytest.raises(RuntimeError, match="while a worker process was starting"):
        datasets.camera_dataset(
            tiny(), workers=1, progress=False, root=tmp_path, callback=pytest.fail
        )
    _no_entry(tmp_path)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_an_unguarded_script_with_workers_fails_instead_of_hanging(tmp_path):
    """The spawned workers re-run the script, whose camera_dataset call waited for
    the parent's lock forever."""
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "from acousticlib import datasets\n"
        f"config = datasets.dataset_config('smoke', **{TINY!r})\n"
        f"datasets.camera_dataset(config, workers=2, progress=False, "
        f"root={str(tmp_path / 'cache')!r})\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the script and its workers
        proc.communicate()
        pytest.fail("the unguarded script hung")
    assert proc.returncode != 0
    # printed by a worker
    assert "camera_dataset() was called while a worker process was starting" in err
    # raised by the script
    assert "exited with code 1 while building the dataset with workers=2" in err
    _no_entry(tmp_path / "cache")


def test_alignment_counts_peaks_inside_boxes(built):
    ds, _ = built
    a = datasets.alignment(ds)
    assert 0.0 <= a <= 1.0
    with pytest.raises(ValueError, match="energy"):
        datasets.alignment(ds, energy="loudness")
    with pytest.raises(ValueError, match="no single-source"):
        datasets.alignment(ds, frames=np.array([], dtype=np.int64))


def test_stored_mfcc_images_localize_anechoic_sources(tmp_path):
    """The paper's reciprocal energy map of the stored images peaks on the source
    (issue: floor in Pa^2)."""
    cfg = datasets.dataset_config(
        "smoke",
        locations=4,
        unseen_locations=0,
        recordings_per_location=2,
        background_per_location=0,
        recording_seconds=1,
        condition_weights=(1.0, 0.0, 0.0),
    )
    ds = datasets.camera_dataset(cfg, workers=1, progress=False, root=tmp_path)
    assert datasets.alignment(ds) >= 0.85


def test_statistics_count_clips(built):
    ds, _ = built
    stats = ds.statistics()
    assert (
        sum(
            sum(v for k, v in s.items() if k in datasets.CLASSES or k == "background")
            for s in stats.values()
        )
        == ds.config.n_clips
    )


def test_peaks_in_boxes_tests_the_peak_pixel_centre():
    cam = geometry.Camera().resized(144, 192)
    e = np.zeros((2, 36, 48), np.float32)
    e[0, 10, 20] = e[1, 30, 5] = 1.0
    r, c = cam.grid_pixel_centres()[10, 20]
    # around the first peak only
    boxes = np.array([[r - 2, c - 2, r + 2, c + 2]] * 2, np.float32)
    assert datasets.peaks_in_boxes(e, boxes, 144, 192).tolist() == [True, False]
    with pytest.raises(ValueError, match="boxes must have shape"):
        datasets.peaks_in_boxes(e, boxes[:1], 144, 192)
    with pytest.raises(ValueError, match="energy must have shape"):
        datasets.peaks_in_boxes(e[:, :10], boxes, 144, 192)


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.uint8, np.int64, np.bool_]
)
def test_read_rows_equals_numpy_indexing(tmp_path, dtype):
    a = (np.random.default_rng(0).standard_normal((40, 3, 5)) * 10).astype(dtype)
    np.save(tmp_path / "a.npy", a)
    for rows in (
        None,
        slice(3, 20, 2),
        np.array([5, 6, 7, 1, 2, 39, -1]),
        np.arange(40) % 3 == 0,
        np.array([], int),
        [4, 4, 5],
    ):
        got, want = (
            datasets.read_rows(tmp_path / "a.npy", rows),
            (a if rows is None else a[rows]),
        )
        assert (
            got.dtype == want.dtype
            and got.shape == want.shape
            and np.array_equal(got, want)
        )
    # Fortran order: memory-map path
    np.save(tmp_path / "f.npy", np.asfortranarray(np.arange(20.0).reshape(4, 5)))
    np.testing.assert_array_equal(
        datasets.read_rows(tmp_path / "f.npy", [2, 0]),
        np.arange(20.0).reshape(4, 5)[[2, 0]],
    )


def test_read_rows_rejects_bad_rows_and_bad_files(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((6, 2), np.float32))
    with pytest.raises(IndexError):
        datasets.read_rows(tmp_path / "a.npy", [6])
    with pytest.raises(ValueError, match="rows must select along the first axis"):
        datasets.read_rows(tmp_path / "a.npy", np.zeros((2, 2), int))
    (tmp_path / "bad.npy").write_bytes(b"hello")
    with pytest.raises(ValueError, match="bad.npy is not a readable .npy file"):
        datasets.read_rows(tmp_path / "bad.npy")
    (tmp_path / "cut.npy").write_bytes((tmp_path / "a.npy").read_bytes()[:-4])
    with pytest.raises(ValueError, match="cut.npy is shorter than its header says"):
        datasets.read_rows(tmp_path / "cut.npy", [5])


def test_build_workers_do_not_import_torch():
    """A spawned build worker imports this module: torch would add about 350 MB to each
    (chapter 06's budget).

    The torch views are made on first use instead, and are still
    ``torch.utils.data.Dataset`` subclasses that pickle by name.
    """
    import pickle
    import subprocess
    import sys

    code = (
        "import sys, acousticlib.datasets as d; d._limit_threads(); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False", (
        "importing acousticlib.datasets (what a build worker runs) imported torch"
    )
    for view in (datasets.FrameDataset, datasets.WindowDataset):
        assert (
            issubclass(view, torch.utils.data.Dataset)
            and view.__module__ == "acousticlib.datasets"
        )
        assert pickle.loads(pickle.dumps(view)) is view
    with pytest.raises(AttributeError, match="no attribute 'FrameDatasets'"):
        datasets.FrameDatasets  # noqa: B018


def test_distractor_similarity_is_configured_validated_and_in_the_cache_key():
    for profile in ("smoke", "book", "full"):
        assert datasets.dataset_config(profile).distractor_similarity == 0.25
    for bad in (-0.5, 1.01):
        with pytest.raises(ValueError, match="distractor_similarity"):
            datasets.DatasetConfig(distractor_similarity=bad)
    cfg = tiny()
    assert datasets._config_dict(cfg)["distractor_similarity"] == 0.25
    keys = {
        datasets.dataset_cache_key(dataclasses.replace(cfg, distractor_similarity=s))
        for s in (0.0, 0.25, 1.0)
    }
    assert len(keys) == 3 and datasets.dataset_cache_key(cfg) in keys
    cam = geometry.Camera().resized(cfg.height, cfg.width)
    for s in (0.0, 1.0):  # the scenes carry it to their distractors
        c = dataclasses.replace(cfg, distractor_similarity=s, max_distractors=3)
        found = [
            datasets._scene_for(p, c, cam).distractors
            for p in datasets.plan_recordings(c)[:8]
        ]
        assert any(found) and all(d.similarity == s for ds in found for d in ds)
