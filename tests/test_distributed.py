"""Training on several processes (acousticlib.training.distributed): torchrun and
DistributedDataParallel on CPU with gloo, and the bf16 precision option.

Two processes train the smoke U-VAE as one process does (same global batches, same
losses), ``torchrun ... -m acousticlib train`` writes the one cache entry a single
process writes, and the errors name what was expected: a world size that does not
divide the batch, a task not supported under torchrun, bf16 on a CPU.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from _toy import toy_frames
from torch import nn

from acousticlib import cli, training
from acousticlib import experiments as ex
from acousticlib.models import build_model, model_spec
from acousticlib.training import TrainConfig, VAETask, distributed

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
TORCHRUN = Path(sys.executable).with_name("torchrun")
#: The comparison's run: 48 training samples in 3 global batches of 16 per epoch (8
#: per rank), 3 epochs: 9 steps of the U-VAE task's Adam.
CONFIG = TrainConfig(epochs=3, batch_size=16, lr=1e-3, seed=3)
#: Relative tolerance of 2 processes against 1 on every logged metric. Measured (torch
#: 2.15, CPU, 2 gloo processes): at most 1.0e-7, float32 rounding (the gradient
#: averaged over 2 half batches vs one batch mean, the convolutions' reductions over 8
#: vs 16 samples, the metrics summed over the ranks). 1e-5 leaves a factor 100 for
#: other BLAS builds and still fails on the mistakes it guards against, measured on
#: one process: another batch order (8e-2), a doubled step, as from gradients summed
#: instead of averaged, or the global batch on each rank (both above 1, on ``kl``).
RTOL = 1e-5


class _NoDraws(VAETask):
    """The U-VAE's task with z = mu: its one random draw (the reparameterization
    noise) off, so that 1 and 2 processes compute the same function."""

    sample = False


class _Bypass(_NoDraws):
    """A task that calls ``self.model``, not ``self.net``: DDP never sees its forward
    passes, so the ranks' gradients are never averaged."""

    def _losses(self, batch):
        self.net = self.model
        return super()._losses(batch)


class _Recorded(torch.utils.data.Dataset):
    """``data`` that records the indices it is asked for, in order: the samples a
    training run read, step by step."""

    def __init__(self, data: torch.utils.data.Dataset) -> None:
        self.data, self.seen = data, []

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        self.seen.append(int(i))
        return self.data[i]


def _uvae() -> nn.Module:
    """The smoke U-VAE without its visual backbone (``arch=None``): the encoder,
    latent and decoder the chapters train, reading a visual map ``(4, 12, 16)``; no
    batch norm (the backbone's head has one, see below)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(CONFIG.seed)
        return build_model(model_spec("uvae", "smoke", arch=None))


def _data(n: int, seed: int) -> training.DictDataset:
    """Toy samples whose ``frame`` is a visual map of the smoke U-VAE's width."""
    channels = _uvae().config.visual_channels
    return toy_frames(n, seed=seed, visual_channels=channels)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    """One rank of the spawned pair: the comparison run, then the refusals."""
    torch.set_num_threads(1)
    env = {
        "RANK": str(rank),
        "LOCAL_RANK": str(rank),
        "WORLD_SIZE": str(world),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
    }
    os.environ.update(env)
    got: dict = {}
    with distributed.process_group("cpu") as device:
        got["world"] = distributed.current_world().__dict__
        model = _uvae()
        train = _Recorded(_data(48, 1))
        result = training.fit(
            model,
            train,
            _data(12, 2),
            CONFIG,
            device=device,
            progress=False,
            task=_NoDraws(model),
        )
        got["history"], got["best_epoch"] = result.history, result.best_epoch
        got["state"] = {k: v.clone() for k, v in model.state_dict().items()}
        got["seen"] = train.seen
        # a classifier with batch norm (DualCamNet): per-rank statistics on CPU, rank
        # 0's running statistics broadcast; the ranks stay in step
        net = build_model(
            model_spec("dualcamnet", "smoke", num_classes=2, batch_norm=True)
        )
        windows = _data(8, 4)
        got["classifier"] = training.fit(
            net,
            training.DictDataset(
                acoustic=torch.stack([windows[i]["acoustic"] for i in range(8)]),
                label=torch.arange(8) % 2,
            ),
            config=TrainConfig(epochs=2, batch_size=4),
            device=device,
            progress=False,
        ).history
        got["running_mean"] = [
            m.running_mean.clone()
            for m in net.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm)
        ]
        for what, call in {
            "batch": lambda: training.fit(
                _uvae(),
                _data(8, 1),
                config=TrainConfig(epochs=1, batch_size=7),
                progress=False,
            ),
            "adversarial": lambda: training.fit(
                build_model(model_spec("mcgan", "smoke")),
                _data(8, 1),
                config=TrainConfig(epochs=1, batch_size=4),
                progress=False,
            ),
        }.items():
            try:
                call()
            except (ValueError, NotImplementedError) as exc:
                got[what] = f"{type(exc).__name__}: {exc}"
        model = _uvae()
        try:
            training.fit(
                model,
                _data(16, 1),
                config=TrainConfig(epochs=1, batch_size=8),
                progress=False,
                task=_Bypass(model),
            )
        except RuntimeError as exc:
            got["bypass"] = str(exc)
    torch.save(got, Path(out) / f"rank{rank}.pt")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """What each of 2 spawned gloo processes computed."""
    out = tmp_path_factory.mktemp("ddp")
    torch.multiprocessing.start_processes(
        _worker,
        args=(2, _free_port(), str(out)),
        nprocs=2,
        start_method="spawn",
    )
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in (0, 1)]


def _norms(model: nn.Module) -> list[str]:
    return [
        name
        for name, m in model.named_modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


def test_where_the_u_vae_has_batch_norm():
    """The compared U-VAE (no backbone) has no batch norm, so 2 gloo processes can
    compute what 1 does. The chapters' U-VAE has batch norm in its frozen ResNet trunk
    (not run: it trains on precomputed trunk features) and one trained layer, the
    visual head's ``backbone.head.1``: on CPU each rank normalises with its own 8
    samples there (no SyncBatchNorm under gloo), so its 2-process run is close to, not
    equal to, the 1-process run."""
    assert _norms(_uvae()) == []
    with torch.random.fork_rng(devices=[]):
        chapters = build_model(model_spec("uvae", "smoke"))
    assert [n for n in _norms(chapters) if not n.startswith("backbone.trunk.")] == [
        "backbone.head.1"
    ]
    assert not any(p.requires_grad for p in chapters.backbone.trunk.parameters())


def _batch(n: int) -> dict[str, torch.Tensor]:
    data = _data(n, 0)
    return {k: torch.stack([data[i][k] for i in range(n)]) for k in data[0]}


def test_two_processes_train_as_one_with_the_same_global_batch(pair):
    """2 gloo processes against 1, same data, model, seed and global batch (16).

    The data order: ``GlobalBatchSampler`` (a ``DistributedSampler``) draws the
    permutation the single-process loader draws for the same seed and epoch and gives
    rank r samples ``[8 r, 8 r + 8)`` of each global batch of 16, so at every step the
    two ranks together hold exactly the samples of one process's batch: checked on
    the indices each run actually read (``_Recorded``), not on the sampler's word. The
    random draws: each rank draws its own noise, which no single process reproduces,
    so both runs use the U-VAE with z = mu (``_NoDraws``); the loss is a mean over the
    batch, so the gradient averaged over the ranks by DistributedDataParallel is the
    gradient of the one-process batch. Then every logged metric (training: averaged
    over the ranks; validation: each rank scoring half of the validation set, weighted
    by sample counts) agrees within ``RTOL``, the best epoch is the same, and the two
    ranks end with the same weights, close to the one process's.
    """
    model = _uvae()
    train = _Recorded(_data(48, 1))
    one = training.fit(
        model, train, _data(12, 2), CONFIG, progress=False, task=_NoDraws(model)
    )
    # at every step the two ranks' batches make the single process's batch
    ranks = [p["seen"] for p in pair]
    assert len(train.seen) == 3 * 48 and [len(r) for r in ranks] == [3 * 24] * 2
    for epoch in range(3):
        for step in range(3):
            a, b = 24 * epoch + 8 * step, 48 * epoch + 16 * step
            both = ranks[0][a : a + 8] + ranks[1][a : a + 8]
            assert both == train.seen[b : b + 16], (epoch, step)
    # every rank the same history and weights, each the single process's
    assert pair[0]["world"] == {"rank": 0, "world_size": 2, "backend": "gloo"}
    assert pair[0]["history"] == pair[1]["history"]
    assert all(torch.equal(pair[0]["state"][k], v) for k, v in pair[1]["state"].items())
    assert pair[0]["best_epoch"] == one.best_epoch
    worst = 0.0
    for two, ref in zip(pair[0]["history"], one.history, strict=True):
        for split in ("train", "val"):
            assert two[split].keys() == ref[split].keys()
            for k, v in ref[split].items():
                assert two[split][k] == pytest.approx(v, rel=RTOL), (split, k)
                worst = max(worst, abs(two[split][k] - v) / abs(v))
    print(f"largest relative difference, 2 processes vs 1: {worst:.2e}")
    state = model.state_dict()
    for k, v in pair[0]["state"].items():
        assert torch.allclose(v, state[k], rtol=1e-4, atol=1e-6), k


def test_a_classifier_with_batch_norm_trains_on_two_processes(pair):
    """DualCamNet (batch norm): both ranks log the same averaged metrics and end with
    the same running statistics (rank 0's, broadcast)."""
    assert len(pair[0]["classifier"]) == 2
    assert pair[0]["classifier"] == pair[1]["classifier"]
    assert pair[0]["running_mean"] and all(
        torch.equal(a, b)
        for a, b in zip(pair[0]["running_mean"], pair[1]["running_mean"], strict=True)
    )


def test_distributed_refusals_name_what_was_expected(pair):
    for got in pair:
        assert "ValueError" in got["batch"]
        assert "batch_size=7" in got["batch"] and "WORLD_SIZE=2" in got["batch"]
        assert "NotImplementedError" in got["adversarial"]
        assert (
            "AdversarialTask" in got["adversarial"] and "torchrun" in got["adversarial"]
        )
        # a task that bypasses task.net trains 2 different models: caught
        assert "_Bypass" in got["bypass"] and "task.net" in got["bypass"]


# ------------------------------------------------------------------------ torchrun
def _leftovers(root: Path, key: str) -> list[str]:
    return sorted(
        p.name
        for p in [
            *(root / "model").glob(".tmp-*"),
            *(root / "checkpoints").glob("*"),
        ]
    )


def _entries(root: Path) -> set[str]:
    return {
        p.name
        for p in (root / "model").iterdir()
        if p.is_dir() and not p.name.startswith(".")
    }


def test_torchrun_trains_the_entry_one_process_would(smoke_cache, monkeypatch):
    """``torchrun --standalone --nproc_per_node 2 -m acousticlib train uvae``: both
    processes finish, one JSON object is printed, exactly one cache entry is written
    (the key one process computes: the world size is not in it), its history records
    the world size, the backend and the precision, and no checkpoint or temporary file
    is left."""
    root = smoke_cache
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(root))
    args = ("uvae", "smoke", 0)
    key = training.model_cache_key(
        *_generator_key(monkeypatch, *args, epochs=2),
    )
    if (root / "model" / key).exists():  # from an earlier run in this session
        import shutil

        shutil.rmtree(root / "model" / key)
    before = _entries(root)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        ACOUSTICLIB_CACHE=str(root),
        ACOUSTICLIB_THREADS="1",
        OMP_NUM_THREADS="1",
    )
    done = subprocess.run(
        [
            str(TORCHRUN),
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "acousticlib",
            "train",
            "uvae",
            "--profile",
            "smoke",
            "--epochs",
            "2",
            "--no-progress",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)  # one object: rank 0 alone prints
    assert got["key"] == key and got["epochs"] == 2
    assert _entries(root) - before == {key}
    assert _leftovers(root, key) == []
    info = json.loads((root / "model" / key / "history.json").read_text())
    assert info["distributed"] == {"world_size": 2, "backend": "gloo"}
    assert info["precision"] == "fp32" and len(info["history"]) == 2
    # a single process finds that entry: the same model
    loaded = ex.train_generator(*args, epochs=2, progress=False)
    assert loaded.path.name == key and loaded.history == info["history"]


def _generator_key(monkeypatch, name, profile, seed, **kw):
    """The (spec, config, data_key) train_generator would train with (nothing
    trained)."""
    seen = {}

    def fake(spec, data, val, config, *, data_key, **rest):
        seen.update(spec=spec, config=config, data_key=data_key)
        raise StopIteration

    with monkeypatch.context() as mp:
        mp.setattr(ex.generators, "train_cached", fake)
        with pytest.raises(StopIteration):
            ex.train_generator(name, profile, seed, progress=False, **kw)
    return seen["spec"], seen["config"], seen["data_key"]


# ------------------------------------------------------- errors, precision and keys
@pytest.mark.parametrize(
    "env, name",
    [
        ({"WORLD_SIZE": "0"}, "WORLD_SIZE"),
        ({"WORLD_SIZE": "two"}, "WORLD_SIZE"),
        ({"WORLD_SIZE": "2", "RANK": "2"}, "RANK"),
        ({"WORLD_SIZE": "2", "RANK": "-1"}, "RANK"),
        ({"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "x"}, "LOCAL_RANK"),
        ({"WORLD_SIZE": "2", "RANK": "1"}, "MASTER_ADDR"),
    ],
)
def test_a_bad_launch_environment_is_named(env, name):
    with pytest.raises(ValueError, match=name):
        distributed.launch_from_env(env)


def test_outside_torchrun_nothing_is_distributed():
    assert distributed.launch_from_env({}) is None
    assert distributed.launch_from_env({"WORLD_SIZE": "1", "RANK": "0"}) is None
    assert distributed.current_world() is None
    assert distributed.per_rank_batch(16, 4) == 4
    with pytest.raises(ValueError, match=r"batch_size=16 .* WORLD_SIZE=3"):
        distributed.per_rank_batch(16, 3)


def test_the_command_line_names_a_bad_world_size(monkeypatch, capsys):
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "uvae", "--profile", "smoke"])
    assert stop.value.code == 2
    assert "WORLD_SIZE" in capsys.readouterr().err


def test_bf16_on_a_cpu_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "uvae", "--profile", "smoke", "--precision", "bf16"])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert (
        "--precision" in err
        and "bf16 autocast runs on CUDA only; got device cpu" in err
    )
    model = _uvae()
    with pytest.raises(
        ValueError, match="bf16 autocast runs on CUDA only; got device cpu"
    ):
        training.fit(
            model,
            _data(4, 0),
            config=TrainConfig(epochs=1, batch_size=4, precision="bf16"),
            progress=False,
        )
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainConfig(precision="fp16")


def test_precision_keys_fp32_as_before_and_bf16_apart():
    spec = model_spec("uvae", "smoke")
    fp32 = TrainConfig()
    assert "precision" not in fp32.to_dict()  # the keys of every model before it
    bf16 = TrainConfig(precision="bf16")
    assert bf16.to_dict()["precision"] == "bf16"
    keys = {training.model_cache_key(spec, c, "data") for c in (fp32, bf16)}
    assert len(keys) == 2


@pytest.mark.parametrize("kind", ["uvae", "dualcamnet"])
def test_forward_passes_run_in_the_tasks_autocast(kind):
    """``task.autocast()`` wraps every forward pass of the steps (CPU bfloat16 here,
    to see it work without a GPU; ``fit`` uses CUDA's): the model's output comes out
    in bfloat16, and the losses and the update stay finite."""
    if kind == "uvae":
        model, batch = _uvae(), _batch(4)
    else:
        model = build_model(model_spec("dualcamnet", "smoke", num_classes=2))
        batch = {"acoustic": _batch(4)["acoustic"], "label": torch.tensor([0, 1, 0, 1])}
    task = training.task_for(model)
    assert task.mixed_precision and task.distributed
    dtypes = []
    model.register_forward_hook(
        lambda m, i, out: dtypes.append(
            (out["recon"] if isinstance(out, dict) else out).dtype
        )
    )
    task.autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16)
    logs = task.train_step(batch, task.optimizers(TrainConfig()))
    assert dtypes == [torch.bfloat16]
    assert all(torch.isfinite(torch.tensor(v)) for v in logs.values())
    assert all(p.dtype == torch.float32 for p in model.parameters())
