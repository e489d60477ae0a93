"""The single training loop: learning, determinism, best epoch, resume, cache
(acousticlib.training)."""

from __future__ import annotations

import pytest
import torch
from _toy import TINY, toy_frames

from acousticlib.models import AUVAE, MCGAN, UVAE, DualCamNet, model_spec
from acousticlib.training import TrainConfig, evaluate, fit, task_for, train_cached

torch.set_num_threads(1)


def _weights(model):
    return [v.clone() for v in model.state_dict().values()]


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=False))


def _uvae(seed=0):
    torch.manual_seed(seed)
    return UVAE(TINY)


def test_tiny_uvae_overfits_a_tiny_batch():
    data = toy_frames(4)
    model = _uvae()
    res = fit(
        model, data, None, TrainConfig(epochs=40, batch_size=4, lr=3e-3), progress=False
    )
    first, last = res.history[0]["train"]["mse"], res.history[-1]["train"]["mse"]
    assert last < 0.5 * first


@pytest.mark.parametrize("cls", [AUVAE, MCGAN])
def test_adversarial_models_train_and_reduce_reconstruction_error(cls):
    torch.manual_seed(0)
    model = cls(TINY, disc_channels=(4, 8), lambda_rec=100.0)
    res = fit(
        model,
        toy_frames(4),
        None,
        TrainConfig(epochs=30, batch_size=4, lr=3e-3),
        progress=False,
    )
    assert res.history[-1]["train"]["mse"] < 0.6 * res.history[0]["train"]["mse"]
    assert {"adv", "d_loss", "rec"} <= set(res.history[0]["train"])


@pytest.mark.parametrize("cls", [UVAE, AUVAE, MCGAN])
def test_generator_config_spatial_weight_reaches_the_training_loss(cls):
    from dataclasses import replace

    from acousticlib.losses import spatial_loss
    from acousticlib.models import generator_inputs

    batch = next(iter(torch.utils.data.DataLoader(toy_frames(4), batch_size=4)))
    x = generator_inputs(batch)
    rec = {}
    for weight in (0.0, 30.0):
        torch.manual_seed(0)
        cfg = replace(TINY, spatial_weight=weight)
        # eval: z = mu, no sampling
        model = (cls(cfg) if cls is UVAE else cls(cfg, disc_channels=(4, 8))).eval()
        task = task_for(model)
        with torch.no_grad():
            if cls is UVAE:
                rec[weight] = task._losses(batch)["recon"]
                out = model(x["audio"], x["visual"])
            else:
                out = model(
                    x["audio"],
                    x["visual"],
                    **({"z": torch.zeros(4, cfg.noise)} if cls is MCGAN else {}),
                )
                rec[weight] = task._rec(out, x["target"])
            sp = spatial_loss(out["recon"], x["target"])
    assert float(sp) > 0
    assert float(rec[30.0]) == pytest.approx(
        float(rec[0.0]) + 30.0 * float(sp), rel=1e-4
    )


def test_dualcamnet_learns_a_separable_toy_problem():
    torch.manual_seed(0)
    net = DualCamNet(2, (4, 8))
    data = toy_frames(8, frames=2)
    res = fit(
        net,
        data,
        data,
        TrainConfig(epochs=25, batch_size=8, lr=1e-2, monitor="accuracy"),
        progress=False,
    )
    assert res.best_value == 1.0


def test_same_seed_gives_identical_weights_and_another_seed_does_not():
    data = toy_frames(6)
    runs = []
    for seed in (0, 0, 1):
        model = _uvae()
        fit(
            model,
            data,
            None,
            TrainConfig(epochs=2, batch_size=4, lr=1e-3, seed=seed),
            progress=False,
        )
        runs.append(_weights(model))
    assert _same(runs[0], runs[1])
    assert not _same(runs[0], runs[2])


def test_resume_after_interruption_matches_an_uninterrupted_run(tmp_path):
    data, val = toy_frames(6), toy_frames(4, seed=1)
    cfg = TrainConfig(epochs=3, batch_size=4, lr=1e-3, seed=5)
    ref = _uvae()
    ref_res = fit(ref, data, val, cfg, progress=False)

    class Interrupt(Exception):
        pass

    def stop(epoch, record):
        if epoch == 2:
            raise Interrupt

    ckpt = tmp_path / "run.pt"
    with pytest.raises(Interrupt):
        fit(_uvae(), data, val, cfg, checkpoint=ckpt, callback=stop, progress=False)
    assert ckpt.exists() and not list(tmp_path.glob(".*tmp*"))
    # different initial weights: the checkpoint must overwrite them
    resumed = _uvae(seed=99)
    res = fit(resumed, data, val, cfg, checkpoint=ckpt, progress=False)
    assert _same(_weights(ref), _weights(resumed))
    assert [h["val"] for h in res.history] == [h["val"] for h in ref_res.history]
    with pytest.raises(ValueError, match="checkpoint"):
        fit(
            _uvae(),
            data,
            val,
            TrainConfig(epochs=4, batch_size=4, lr=1e-3, seed=5),
            checkpoint=ckpt,
            progress=False,
        )


def test_best_validation_epoch_is_restored():
    data, val = toy_frames(6), toy_frames(6, seed=3)
    model = _uvae()
    res = fit(
        model, data, val, TrainConfig(epochs=4, batch_size=2, lr=3e-2), progress=False
    )
    losses = [h["val"]["loss"] for h in res.history]
    assert (
        res.best_value == min(losses)
        and res.best_epoch == losses.index(min(losses)) + 1
    )
    assert evaluate(task_for(model), val, batch_size=2)["loss"] == pytest.approx(
        min(losses), rel=1e-5
    )


def test_fit_leaves_the_callers_random_stream_alone():
    model = _uvae()
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    fit(model, toy_frames(2), None, TrainConfig(epochs=1, batch_size=2), progress=False)
    assert torch.equal(torch.rand(3), expected)


class Exploding(torch.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        raise AssertionError("the cached model was retrained")


def test_cache_trains_once_and_reuses_the_model(tmp_path):
    spec = model_spec(
        "uvae", "smoke", **{k: v for k, v in TINY.to_dict().items() if k != "beta"}
    )
    cfg = TrainConfig(epochs=1, batch_size=4)
    first = train_cached(
        spec, toy_frames(4), None, cfg, data_key="toy-v1", root=tmp_path, progress=False
    )
    again = train_cached(
        spec, Exploding(), None, cfg, data_key="toy-v1", root=tmp_path, progress=False
    )
    assert first.path == again.path and _same(
        _weights(first.model), _weights(again.model)
    )
    assert not list((tmp_path / "checkpoints").glob("*.pt"))
    other = train_cached(
        spec, toy_frames(4), None, cfg, data_key="toy-v2", root=tmp_path, progress=False
    )
    assert other.path != first.path


def test_invalid_configuration_is_refused():
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="monitor"):
        fit(
            _uvae(),
            toy_frames(2),
            None,
            TrainConfig(epochs=1, monitor="accuracy"),
            progress=False,
        )
    with pytest.raises(ValueError, match="data_key"):
        train_cached(
            model_spec("uvae", "smoke"), toy_frames(2), None, TrainConfig(), data_key=""
        )


def test_cosine_schedule_decays_the_learning_rate_each_epoch():
    cfg = TrainConfig(epochs=4, lr=1e-2, lr_schedule="cosine")
    assert [round(cfg.lr_at(e), 6) for e in range(4)] == [
        0.01,
        0.008536,
        0.005,
        0.001464,
    ]
    assert TrainConfig(epochs=4, lr=1e-2).lr_at(3) == 1e-2
    # the constant schedule leaves the cache keys of earlier models as they were
    assert (
        "lr_schedule" not in TrainConfig().to_dict()
        and TrainConfig(lr_schedule="cosine").to_dict()["lr_schedule"]
    )
    seen = []
    model = _uvae()
    fit(model, toy_frames(4), None, cfg, progress=False, task=_RateSpy(model, seen))
    assert seen == pytest.approx([cfg.lr_at(e) for e in range(4)])
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="linear")


class _RateSpy:
    """A task that records the learning rate of each epoch's first step (wraps the
    model's own task)."""

    def __init__(self, model, seen):
        self._task, self._seen, self._last = task_for(model), seen, None
        self.model = model

    def optimizers(self, config):
        return self._task.optimizers(config)

    def train_step(self, batch, opts):
        lr = opts["model"].param_groups[0]["lr"]
        if not self._seen or lr != self._seen[-1]:
            self._seen.append(lr)
        return self._task.train_step(batch, opts)

    def val_step(self, batch):
        return self._task.val_step(batch)


def test_shipped_weights_fill_the_cache_only_for_their_key(tmp_path, monkeypatch):
    import json

    from acousticlib import training

    spec = model_spec(
        "uvae", "smoke", **{k: v for k, v in TINY.to_dict().items() if k != "beta"}
    )
    cfg = TrainConfig(epochs=1, batch_size=4)
    made = train_cached(
        spec,
        toy_frames(4),
        None,
        cfg,
        data_key="toy-v1",
        root=tmp_path / "a",
        progress=False,
    )
    ship = tmp_path / "weights" / "toy"
    ship.mkdir(parents=True)
    for name in ("model.pt", "history.json"):
        (ship / name).write_bytes((made.path / name).read_bytes())
    key = training.model_cache_key(spec, cfg, "toy-v1")
    assert key == made.path.name  # the key a shipped folder names is the cache entry's
    (ship / "shipped.json").write_text(json.dumps({"key": key}))
    monkeypatch.setattr(training.cache, "SHIPPED_WEIGHTS", tmp_path / "weights")
    assert training.shipped("toy") == ship and training.shipped("other") is None
    # same key: loaded, never trained (the data would raise)
    got = train_cached(
        spec,
        Exploding(),
        None,
        cfg,
        data_key="toy-v1",
        root=tmp_path / "b",
        progress=False,
        weights=ship,
    )
    assert got.origin == "shipped" and _same(_weights(got.model), _weights(made.model))
    # another key (other data): trained as usual, the shipped weights ignored
    other = train_cached(
        spec,
        toy_frames(4),
        None,
        cfg,
        data_key="toy-v2",
        root=tmp_path / "b",
        progress=False,
        weights=ship,
    )
    assert other.origin == "trained"
    with pytest.raises(FileNotFoundError, match="shipped.json"):
        train_cached(
            spec,
            toy_frames(4),
            None,
            cfg,
            data_key="toy-v1",
            root=tmp_path / "c",
            weights=tmp_path,
        )
