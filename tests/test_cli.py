"""The command line, ``python -m acousticlib`` (acousticlib.cli): help and errors, the
chapters' cache entries, the test scores, and training runs killed and resumed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from acousticlib import cache, cli, runtime
from acousticlib import experiments as ex

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]


def _env(root: Path) -> dict[str, str]:
    """The environment of a command run: this checkout's package, one thread, the
    cache ``root``."""
    env = dict(os.environ)
    path = [str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    env.update(
        PYTHONPATH=os.pathsep.join(path),
        ACOUSTICLIB_CACHE=str(root),
        ACOUSTICLIB_THREADS="1",
        OMP_NUM_THREADS="1",
    )
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "acousticlib", *args]


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(*args),
        env=_env(root),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --------------------------------------------------------------------- help and errors
@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["evaluate", "-h"]])
def test_help_lists_the_models_and_profiles(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    out = capsys.readouterr().out
    assert stop.value.code == 0
    for name in [*cli.MODELS, *runtime.PROFILES]:
        assert name in out
    # every model names the chapter that trains it
    assert all(f"chapter {m.chapter}" in out for m in cli.MODELS.values())
    if argv[0] == "--help":
        assert all(cmd in out for cmd in ("train", "build-dataset", "evaluate"))


def test_build_dataset_help_lists_the_profiles(capsys):
    with pytest.raises(SystemExit):
        cli.main(["build-dataset", "--help"])
    out = capsys.readouterr().out
    assert "--workers" in out and all(p in out for p in runtime.PROFILES)


def test_every_model_is_one_the_experiments_train():
    assert {m.kind for m in cli.MODELS.values()} == {
        "visual",
        "generator",
        "classifier",
    }
    sources = [m.source for m in cli.MODELS.values() if m.kind == "classifier"]
    assert sorted(sources) == sorted(ex.CLASSIFIER_SOURCES)
    generators = [n for n, m in cli.MODELS.items() if m.kind == "generator"]
    assert generators == ["uvae", "auvae", "mcgan"]
    with pytest.raises(ValueError, match="epochs applies to the generators"):
        cli.train_model("judge", "smoke", epochs=2)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["train", "vae"], ["invalid choice: 'vae'", *cli.MODELS]),
        (["evaluate", "uvae", "--profile", "huge"], ["'huge'", *runtime.PROFILES]),
        (["build-dataset", "--profile", "paper"], ["'paper'", *runtime.PROFILES]),
        (["train", "uvae", "--seed", "-1"], ["--seed", "non-negative integer"]),
        (["train", "judge", "--epochs", "3"], ["--epochs", "uvae, auvae, mcgan"]),
        (["train", "uvae", "--epochs", "0"], ["--epochs", "positive integer"]),
        (["build-dataset", "--workers", "zero"], ["--workers", "positive integer"]),
        (["train", "uvae", "--device", "gpu"], ["--device", "'cpu'", "'cuda'"]),
        (["train"], ["MODEL"]),
        ([], ["COMMAND"]),
    ],
)
def test_bad_input_exits_2_naming_what_was_expected(argv, expected, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert "error:" in err and all(word in err for word in expected), err


def test_the_module_exits_2_on_an_unknown_model(tmp_path):
    done = _run(tmp_path, "train", "vae")
    assert done.returncode == 2 and not done.stdout
    assert "invalid choice: 'vae'" in done.stderr and "mcgan-classifier" in done.stderr
    assert not (tmp_path / "model").exists()  # nothing was trained


# ------------------------------------------------------- the chapters' cache entries
@pytest.fixture
def in_smoke_cache(smoke_cache, monkeypatch):
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
    return smoke_cache


def test_train_writes_the_entry_the_chapters_load(in_smoke_cache):
    got = _json(_run(in_smoke_cache, "train", "uvae", "--profile", "smoke"))
    chapter = ex.train_generator("uvae", "smoke", 0, progress=False)
    assert Path(got["path"]) == chapter.path and got["key"] == chapter.path.name
    assert (got["model"], got["profile"], got["seed"]) == ("uvae", "smoke", 0)
    assert (
        got["epochs"] == len(chapter.history) == ex.settings("smoke").generator_epochs
    )
    assert cache.verify(chapter.path) is None
    # the other kinds, in this process (the command is the same function)
    visual = cli.train_model("visual", "smoke", progress=False)
    assert visual.path == ex.pretrained_backbone("smoke", 0, progress=False).path


def test_build_dataset_prints_the_chapter_06_key_and_hash(in_smoke_cache):
    from acousticlib import datasets

    got = _json(
        _run(in_smoke_cache, "build-dataset", "--profile", "smoke", "--workers", "1")
    )
    ds = ex.camera_data("smoke", 0, progress=False)
    assert got["key"] == ds.folder.name == datasets.dataset_cache_key("smoke", seed=0)
    assert got["dataset_sha256"] == ds.sha256 and got["frames"] == len(ds)


def test_evaluate_prints_the_chapters_test_scores_as_json(in_smoke_cache):
    got = _json(
        _run(in_smoke_cache, "evaluate", "uvae", "--profile", "smoke", "--no-progress")
    )
    model = ex.train_generator("uvae", "smoke", 0, progress=False)
    assert got["key"] == model.path.name
    expected = ex.generator_test_scores(model.model, "smoke", 0)
    assert set(got["scores"]) == set(expected)
    assert got["scores"] == pytest.approx(expected, rel=1e-6)
    judge = _json(
        _run(in_smoke_cache, "evaluate", "judge", "--profile", "smoke", "--no-progress")
    )
    windows, labels = ex.classifier_windows("real", "test", "smoke", 0)
    assert set(judge["scores"]) == {"accuracy", "windows"}
    assert judge["scores"]["windows"] == len(labels)
    # GAN-test on real windows: the accuracy chapter 11 computes
    from acousticlib import metrics

    trained = ex.train_classifier("real", "smoke", 0, progress=False)
    assert judge["key"] == trained.path.name
    assert judge["scores"]["accuracy"] == pytest.approx(
        metrics.accuracy(trained.model, windows, labels)
    )


# ------------------------------------------------------------------ kill and resume
#: Epochs of the killed runs: killed right after the first epoch's checkpoint, a run
#: has many epochs left, whatever the machine's load.
EPOCHS = 8
TRAIN = ("train", "uvae", "--profile", "smoke", "--epochs", str(EPOCHS))


def _state(folder: Path) -> dict[str, torch.Tensor]:
    return torch.load(folder / "model.pt", map_location="cpu", weights_only=True)


def _history(folder: Path) -> list:
    return json.loads((folder / "history.json").read_text())["history"]


@pytest.fixture(scope="module")
def uninterrupted(smoke_cache):
    """The U-VAE trained for EPOCHS epochs in one go; its entry is then deleted, so
    that each kill test trains the same model afresh."""
    got = _json(_run(smoke_cache, *TRAIN, "--no-progress"))
    folder = Path(got["path"])
    run = SimpleNamespace(
        key=got["key"], state=_state(folder), history=_history(folder)
    )
    assert len(run.history) == EPOCHS
    shutil.rmtree(folder)
    return run


def _leftovers(root: Path, key: str) -> list[str]:
    """Temporary files and folders of ``key``'s entry and checkpoint."""
    return sorted(
        p.name
        for p in [
            *(root / "model").glob(f".tmp-{key}-*"),
            *(root / "checkpoints").glob(f".{key}.pt.tmp-*"),
        ]
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 600) -> None:
    """Wait until ``path`` exists (the process is still training then)."""
    start = time.monotonic()
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(
                f"the run ended before its first checkpoint: {proc.stderr.read()}"
            )
        if time.monotonic() - start > timeout:
            pytest.fail(f"no checkpoint within {timeout} s")
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_a_killed_training_run_resumes_to_the_uninterrupted_result(
    smoke_cache, uninterrupted, sig
):
    root, key = smoke_cache, uninterrupted.key
    entry, ckpt = root / "model" / key, root / "checkpoints" / f"{key}.pt"
    assert not entry.exists() and not ckpt.exists()
    proc = subprocess.Popen(
        _command(*TRAIN, "--no-progress"),
        env=_env(root),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(ckpt, proc)
        proc.send_signal(sig)  # in the second epoch, or writing its checkpoint
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGTERM:
        # stopped cleanly: a message, the shell's status, no temporary file or folder
        assert proc.returncode == cli.EXIT_SIGTERM, err
        assert "stopped by SIGTERM" in err and not out
        assert _leftovers(root, key) == []
    else:
        assert proc.returncode == -signal.SIGKILL
        # a kill in the middle of writing the checkpoint would leave its temporary file
        (ckpt.parent / f".{ckpt.name}.tmp-99999-0badf00d").write_bytes(b"torn")
    # no entry, nothing listed as one, and the last checkpoint whole, mid-training
    assert not entry.exists()
    assert key not in {e["key"] for e in cache.entries("model", root)}
    assert all(
        (p / cache.MANIFEST).is_file()
        for p in (root / "model").iterdir()
        if p.is_dir() and not p.name.startswith(".")
    )
    epoch = torch.load(ckpt, map_location="cpu", weights_only=False)["epoch"]
    assert 1 <= epoch < EPOCHS

    resumed = _run(root, *TRAIN, "--no-progress")
    got = _json(resumed)
    assert f"resuming from the checkpoint of epoch {epoch} of {EPOCHS}" in (
        resumed.stderr
    )
    assert got["key"] == key and Path(got["path"]) == entry
    assert cache.verify(entry) is None
    assert _history(entry) == uninterrupted.history
    state = _state(entry)
    assert state.keys() == uninterrupted.state.keys()
    assert all(torch.equal(state[k], uninterrupted.state[k]) for k in state)
    # the checkpoint is gone once the entry exists, and so is every temporary
    assert not ckpt.exists() and _leftovers(root, key) == []
    shutil.rmtree(entry)


def test_shards_built_and_merged_from_the_command_line(tmp_path):
    """build-dataset --shard I/N three times, then merge-shards --count 3: the dataset
    of a build in one piece (same dataset_sha256), with the shards recorded; a bad
    --shard and a missing shard are refused, naming what is wrong."""
    from acousticlib import datasets

    root = tmp_path / "cache"
    for i in (2, 0, 1):
        got = _json(
            _run(root, "build-dataset", "--profile", "smoke", "--shard", f"{i}/3")
        )
        assert got["shard"] == f"{i}/3" and Path(got["path"]).is_dir()
    missing = tmp_path / "missing"
    proc = _run(root, "merge-shards", "--profile", "smoke", str(missing))
    assert proc.returncode == 1 and "missing" in proc.stderr, proc.stderr
    merged = _json(_run(root, "merge-shards", "--profile", "smoke", "--count", "3"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACOUSTICLIB_CACHE", str(tmp_path / "one-piece"))
        whole = datasets.camera_dataset(datasets.dataset_config("smoke"), workers=1)
    assert merged["dataset_sha256"] == whole.sha256
    assert [s["index"] for s in sorted(merged["shards"], key=lambda s: s["index"])] == [
        0,
        1,
        2,
    ]
    with pytest.raises(SystemExit) as bad:
        cli.main(["build-dataset", "--profile", "smoke", "--shard", "3/3"])
    assert bad.value.code == 2


def test_a_sigterm_inside_a_finalizer_is_delivered_again(monkeypatch):
    """Python ignores an exception raised in ``__del__``: a SIGTERM landing there (as
    in tqdm's finalizer, seen in CI) must come back outside it, not be lost."""
    import os
    import threading
    import time
    import types

    sent = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append((pid, sig)))
    with cli._sigterm_raises():
        handler = signal.getsignal(signal.SIGTERM)
        in_del = types.SimpleNamespace(f_code=types.SimpleNamespace(co_name="__del__"))
        handler(signal.SIGTERM, in_del)  # no exception: it would be swallowed
        deadline = time.monotonic() + 5
        while not sent and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sent == [(os.getpid(), signal.SIGTERM)]
        assert signal.getsignal(signal.SIGTERM) is handler  # still armed
        elsewhere = types.SimpleNamespace(f_code=types.SimpleNamespace(co_name="fit"))
        with pytest.raises(cli.Terminated):
            handler(signal.SIGTERM, elsewhere)
    assert threading.current_thread() is threading.main_thread()
