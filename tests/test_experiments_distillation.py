"""Chapter 12's experiments (acousticlib.experiments.distillation) on the smoke profile:
the clips' data, the cached teacher, students and supervised models, their keys, and
the measures on frozen features."""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from acousticlib import cache, training, triplet
from acousticlib import experiments as ex
from acousticlib.features import linear_spectrogram
from acousticlib.metrics import knn_accuracy
from acousticlib.models import (
    AcousticMapNet,
    AudioVisualPair,
    DualCamNet,
    HearNet,
    StreamClassifier,
    build_model,
    model_spec,
)
from acousticlib.training import DictDataset, TrainConfig

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def smoke_ds(tmp_path_factory):
    """The smoke dataset, and every model trained below, in a private cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ACOUSTICLIB_CACHE", str(tmp_path_factory.mktemp("cache-ch12")))
    yield ex.camera_data("smoke", 0, progress=False)
    patch.undo()


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# -------------------------------------------------------------------------------- data
def test_distillation_data_holds_one_item_per_sound_clip(smoke_ds):
    ds = smoke_ds
    for split in ("train", "test"):
        data = ex.distillation_data("smoke", 0, split)
        rows = ds.frames_of(split, include_background=False)
        clips = np.unique(ds.index["clip"][rows])
        n = len(clips)
        t = data.tensors
        assert list(t) == ["audio", "frame", "acoustic", "label", "clip"]
        assert len(data) == n > 0
        assert t["audio"].shape == (n, 192, 129) and t["audio"].dtype == torch.float32
        assert (
            t["frame"].shape == (n, 3, 144, 192) and t["frame"].dtype == torch.float16
        )
        assert t["acoustic"].shape == (n, 12, 12, 36, 48)
        assert t["acoustic"].dtype == torch.float16
        assert t["label"].dtype == t["clip"].dtype == torch.int64
        assert sorted(t["clip"].tolist()) == sorted(clips.tolist())
        # no background-only clip; labels are the clips' own
        assert bool((t["label"] >= 0).all())
        for c, y in zip(t["clip"].tolist(), t["label"].tolist(), strict=True):
            assert set(ds.index["label"][ds.index["clip"] == c].tolist()) == {y}
        assert 0.0 <= float(t["frame"].amin()) and float(t["frame"].amax()) <= 1.0
    lean = ex.distillation_data("smoke", 0, "test", with_acoustic=False)
    assert "acoustic" not in lean.tensors
    assert torch.equal(lean.tensors["audio"], data.tensors["audio"])
    # a part is those clips of the whole split
    one = ex.distillation_data("smoke", 0, "test", part=slice(1, 2))
    for k, v in one.tensors.items():
        assert torch.equal(v, data.tensors[k][1:2]), k


def test_items_are_the_clips_spectrogram_middle_frame_and_real_window(smoke_ds):
    ds = smoke_ds
    data = ex.distillation_data("smoke", 0, "val")
    windows, labels = ex.classifier_windows("real", "val", "smoke", 0)
    # the acoustic window is chapter 11's real classifier window of the same clip
    assert torch.equal(data.tensors["acoustic"], windows)
    assert torch.equal(data.tensors["label"], labels)
    frames = ds.array("frames")
    for i, c in enumerate(data.tensors["clip"].tolist()):
        rows = np.flatnonzero(ds.index["clip"] == c)
        rows = rows[np.argsort(ds.index["frame"][rows])]
        assert len(rows) == 12
        mono = np.concatenate([ds.read("audio", [r])[0] for r in rows])
        assert mono.shape == (12288,)
        expected = linear_spectrogram(torch.from_numpy(mono)[None], ds.meta["fs"])[0]
        assert torch.equal(data.tensors["audio"][i], expected)
        middle = torch.from_numpy(np.array(frames[rows[6]])).permute(2, 0, 1) / 255.0
        assert torch.equal(data.tensors["frame"][i], middle.half())


def test_bad_inputs_name_the_parameter(smoke_ds):
    with pytest.raises(ValueError, match="split"):
        ex.distillation_data("smoke", 0, "holdout")
    with pytest.raises(TypeError, match="part"):
        ex.distillation_data("smoke", 0, "train", part=[0, 1])
    with pytest.raises(TypeError, match="with_acoustic"):
        ex.distillation_data("smoke", 0, "train", with_acoustic=1)
    for alpha in (-0.1, 1.5):
        with pytest.raises(ValueError, match="alpha"):
            ex.train_student("smoke", 0, alpha, progress=False)
    with pytest.raises(TypeError, match="alpha"):
        ex.train_student("smoke", 0, "half", progress=False)
    with pytest.raises(ValueError, match="stream"):
        ex.train_supervised("resnet", "smoke", 0, progress=False)
    with pytest.raises(ValueError, match="profile"):
        ex.train_teacher("huge", 0, progress=False)


# ------------------------------------------------------------------------------ models
def test_composite_specs_build_the_pair_and_the_stream_classifier():
    assert triplet.AudioVisualPair is AudioVisualPair
    torch.manual_seed(0)
    teacher = build_model(model_spec("av_pair", "smoke", audio="dualcamnet"))
    assert isinstance(teacher, AudioVisualPair)
    assert isinstance(teacher.audio, AcousticMapNet)
    maps = teacher.audio(torch.rand(2, 12, 12, 36, 48))
    assert maps.shape == teacher.video(torch.rand(2, 3, 144, 192)).shape
    student = build_model(model_spec("av_pair", "smoke"))
    assert isinstance(student.audio, HearNet)
    spec = model_spec("av_pair", "smoke", audio=model_spec("hearnet", "smoke"))
    assert spec == model_spec("av_pair", "smoke", audio="hearnet")
    clf = build_model(model_spec("stream_classifier", "smoke", stream="video_stream"))
    assert isinstance(clf, StreamClassifier)
    assert clf(torch.rand(2, 3, 144, 192)).shape == (2, 10)
    with pytest.raises(ValueError, match="channels"):
        model_spec(
            "av_pair", "smoke", audio=model_spec("hearnet", "smoke", embedding=8)
        )
    with pytest.raises(ValueError, match="stream"):
        model_spec("stream_classifier", "smoke", stream="dualcamnet")
    with pytest.raises(ValueError, match="audio"):
        model_spec("av_pair", "smoke", audio="video_stream")
    with pytest.raises(ValueError, match="overrides for av_pair"):
        model_spec("av_pair", "smoke", num_classes=3)


def test_teacher_and_student_train_once_then_come_from_the_cache(smoke_ds, monkeypatch):
    teacher = ex.train_teacher("smoke", 0, progress=False)
    student = ex.train_student("smoke", 0, 0.5, progress=False)
    plain = ex.train_student("smoke", 0, 0.0, progress=False)
    assert isinstance(teacher.model.audio, AcousticMapNet)
    assert isinstance(student.model.audio, HearNet)
    for m in (teacher, student, plain):
        assert m.origin == "trained" and len(m.history) == 1 and m.path.is_dir()
    assert len({teacher.path, student.path, plain.path}) == 3
    # each trained by its own task: the transfer term only where alpha > 0
    assert "transfer" in student.history[0]["train"]
    assert "transfer" not in plain.history[0]["train"]
    assert "triplet_accuracy" in teacher.history[0]["val"]
    # the cache key is the one model_cache_key computes from the recorded task
    info = json.loads((student.path / "history.json").read_text())
    assert info["task"]["alpha"] == 0.5 and info["task"]["task"] == "transfer"
    assert info["task"]["teacher"] == teacher.path.name
    config = TrainConfig(**info["train"])
    key = training.model_cache_key(
        student.spec, config, ex.distillation_data_key("smoke", 0), info["task"]
    )
    assert key == student.path.name
    assert json.loads((plain.path / "history.json").read_text())["task"] == {
        "task": "triplet",
        "margin": triplet.MARGIN,
        "curriculum_epochs": ex.DISTILLATION_TRAINING["smoke"]["curriculum_epochs"],
        "rectify_audio": False,
    }

    def no_training(*args, **kwargs):
        raise AssertionError("a cached model was trained again")

    monkeypatch.setattr(training.cache, "fit", no_training)
    for again, first in (
        (ex.train_teacher("smoke", 0, progress=False), teacher),
        (ex.train_student("smoke", 0, 0.5, progress=False), student),
        (ex.train_student("smoke", 0, 0, progress=False), plain),
    ):
        assert again.path == first.path and again.history == first.history
        assert _same_weights(again.model, first.model)


def test_student_keys_name_alpha_and_the_teacher(monkeypatch):
    """With the dataset and training stubbed: every student's key, from what it would
    train with."""
    ds = types.SimpleNamespace(folder=Path("/nowhere/0123abcd"))
    teacher_entry = ["TEACHER-A"]
    keys: dict[str, str] = {}

    def fake_train_cached(spec, data, _, config, *, data_key, task_key=None, **kw):
        key = training.model_cache_key(spec, config, data_key, task_key)
        name = teacher_entry[0] if spec["audio"]["name"] == "dualcamnet" else key
        return types.SimpleNamespace(path=Path(name), model=None, key=key)

    monkeypatch.setattr(ex.distillation, "camera_data", lambda *a, **k: ds)
    monkeypatch.setattr(ex.distillation, "train_cached", fake_train_cached)
    assert (
        ex.distillation_data_key("smoke", 0)
        == f"dataset/0123abcd|distillation={ex.distillation.DISTILLATION_DATA_VERSION}"
    )
    for alpha in (0.0, 0.3, 0.5):
        keys[f"a{alpha}"] = ex.train_student("smoke", 0, alpha, progress=False).key
    teacher_entry[0] = "TEACHER-B"
    keys["a0.5/B"] = ex.train_student("smoke", 0, 0.5, progress=False).key
    keys["a0/B"] = ex.train_student("smoke", 0, 0, progress=False).key
    assert len({keys[k] for k in ("a0.0", "a0.3", "a0.5", "a0.5/B")}) == 4
    # without transfer no teacher enters the key; the same teacher, the same key
    assert keys["a0/B"] == keys["a0.0"]
    teacher_entry[0] = "TEACHER-A"
    assert ex.train_student("smoke", 0, 0.5, progress=False).key == keys["a0.5"]


def test_a_model_key_without_a_task_is_as_before():
    spec = model_spec("dualcamnet", "smoke")
    config = TrainConfig(epochs=1)
    before = cache.cache_key(
        "model",
        {"model": spec, "train": config.to_dict(), "data": "toy"},
        training.MODEL_CODE_VERSION,
    )
    assert training.model_cache_key(spec, config, "toy") == before
    assert training.model_cache_key(spec, config, "toy", {"task": "triplet"}) != before
    with pytest.raises(ValueError, match="task_factory and task_key"):
        training.train_cached(
            spec, lambda: (None, None), None, config, data_key="toy", task_key={}
        )


def test_supervised_models_and_supervised_distillation(smoke_ds):
    data = ex.distillation_data("smoke", 0, "test")
    models = {s: ex.train_supervised(s, "smoke", 0, progress=False) for s in ex.STREAMS}
    assert isinstance(models["dualcamnet"].model, DualCamNet)
    assert isinstance(models["hearnet"].model.stream, HearNet)
    for stream, m in models.items():
        x = data.tensors[ex.distillation.STREAM_INPUTS[stream]]
        with torch.no_grad():
            assert m.model(x.float()).shape == (len(data), 10)
        assert m.history[0]["val"]["accuracy"] >= 0.0
    distilled = ex.train_supervised_distillation("smoke", 0, progress=False)
    info = json.loads((distilled.path / "history.json").read_text())
    assert info["task"]["teacher"] == models["dualcamnet"].path.name
    assert isinstance(distilled.model, StreamClassifier)
    assert distilled.path != models["hearnet"].path


# ---------------------------------------------------------------------------- measures
def test_embeddings_are_each_streams_frozen_features(smoke_ds):
    data = ex.distillation_data("smoke", 0, "val")
    teacher = ex.train_teacher("smoke", 0, progress=False).model
    student = ex.train_student("smoke", 0, 0.5, progress=False).model
    with torch.no_grad():
        expected = {
            "hearnet": student.audio(data.tensors["audio"]),
            "video_stream": student.video(data.tensors["frame"].float()).mean((2, 3)),
            "dualcamnet": teacher.audio.net.embed(data.tensors["acoustic"]),
        }
    for stream, model in (
        ("hearnet", student),
        ("video_stream", student),
        ("dualcamnet", teacher),
    ):
        got = ex.embeddings(model, data, stream, batch_size=1)
        assert got.dtype == torch.float32 and got.shape == (len(data), 16)
        torch.testing.assert_close(got, expected[stream])
    with pytest.raises(ValueError, match="stream"):
        ex.embeddings(student, data, "resnet")
    with pytest.raises(ValueError, match="stream must name a network"):
        ex.embeddings(student, data, "dualcamnet")
    with pytest.raises(TypeError, match="data"):
        ex.embeddings(student, data.tensors, "hearnet")
    scores = ex.cmc_audio_to_video(teacher, data, ranks=(1, len(data)))
    assert 0.0 <= scores[1] <= scores[len(data)] == 1.0


def test_knn_scores_choose_k_on_validation_and_report_test_accuracy():
    rng = np.random.default_rng(0)

    def blobs(n):
        y = np.arange(n) % 2
        return rng.normal(size=(n, 3)) * 0.3 + 3.0 * y[:, None], y

    (a, ya), (b, yb), (c, yc) = blobs(40), blobs(10), blobs(10)
    got = ex.knn_scores(a, ya, b, yb, c, yc)
    # every k separates the blobs: the smallest wins the tie
    assert got["k"] == 7 and got["val_accuracies"] == {
        k: 1.0 for k in (7, 9, 11, 13, 15)
    }
    assert got["test_accuracy"] == knn_accuracy(a, ya, c, yc, 7) == 1.0
    small = ex.knn_scores(a[:2], ya[:2], b, yb, c, yc)
    assert small["k"] == 2 and list(small["val_accuracies"]) == [2]
    with pytest.raises(ValueError, match="ks"):
        ex.knn_scores(a, ya, b, yb, c, yc, ks=[])


def _grid(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)[:, :, None, None]


def test_cmc_audio_to_video_on_a_hand_built_gallery():
    pair = AudioVisualPair(nn.Identity(), nn.Identity())
    labels = torch.tensor([0, 0, 1, 1])
    # one audio for all: every query ranks the videos alike, by how evenly the video's
    # two channel energies weigh the audio: g0 (equal), g2 (1 : 1/4), then g1 and g3
    # (1 : 1/100, either way round) at the same distance
    data = DictDataset(
        audio=torch.ones(4, 2),
        frame=_grid([[1.0, 1.0], [1.0, 0.1], [1.0, 0.5], [0.1, 1.0]]),
        label=labels,
    )
    # class 0 finds its own g0 first (the query's own pair stays in the gallery);
    # class 1 finds g2 second
    assert ex.cmc_audio_to_video(pair, data, ranks=(1, 2, 4)) == {
        1: 0.5,
        2: 1.0,
        4: 1.0,
    }
    # random queries against a brute-force reading of the definition
    g = torch.Generator().manual_seed(0)
    audio = torch.rand(6, 3, generator=g) + 0.1
    video = torch.rand(6, 3, 2, 2, generator=g)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    got = ex.cmc_audio_to_video(
        pair, DictDataset(audio=audio, frame=video, label=y), ranks=(1, 2, 3)
    )
    a = audio.double().numpy()
    v = video.double().numpy()
    first = []
    for q in range(6):
        u = a[q] / np.linalg.norm(a[q])
        c = a[q][None, :] * (v**2).sum(axis=(2, 3))
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        order = np.argsort(((u[None, :] - c) ** 2).sum(axis=1), kind="stable")
        first.append(int(np.flatnonzero(y.numpy()[order] == int(y[q]))[0]))
    assert got == {k: float(np.mean(np.array(first) < k)) for k in (1, 2, 3)}
    with pytest.raises(TypeError, match="AudioVisualPair"):
        ex.cmc_audio_to_video(nn.Identity(), data)


def test_train_seed_and_retrain_make_entries_of_their_own(
    smoke_ds, tmp_path, monkeypatch
):
    base = ex.train_student("smoke", 0, 0.0, progress=False)
    same = ex.train_student("smoke", 0, 0.0, train_seed=0, progress=False)
    other = ex.train_student("smoke", 0, 0.0, train_seed=1, progress=False)
    assert same.path == base.path and other.path != base.path
    assert json.loads((other.path / "history.json").read_text())["train"]["seed"] == 1
    assert not _same_weights(other.model, base.model)
    with pytest.raises(ValueError, match="train_seed"):
        ex.train_student("smoke", 0, 0.0, train_seed=-1, progress=False)
    with pytest.raises(TypeError, match="retrain"):
        ex.train_student("smoke", 0, 0.0, retrain="yes", progress=False)
    # shipped weights load under the model's key; retrain ignores them
    monkeypatch.setattr(training.cache, "SHIPPED_WEIGHTS", tmp_path / "weights")
    name = ex.distillation_weights("student-alpha0", "smoke", 0)
    folder = training.ship_weights(base, name, {"command": "test"})
    meta = json.loads((folder / "shipped.json").read_text())
    assert meta["key"] == base.path.name and meta["command"] == "test"
    assert sorted(p.name for p in folder.iterdir()) == [
        "history.json",
        "model.pt",
        "shipped.json",
    ]
    assert not list((tmp_path / "weights").glob(".tmp-*"))
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(tmp_path / "fresh-cache"))
    loaded = ex.train_student("smoke", 0, 0.0, progress=False)
    assert loaded.origin == "shipped" and _same_weights(loaded.model, base.model)
    fresh = ex.train_student("smoke", 0, 0.0, retrain=True, progress=False)
    assert fresh.origin == "trained" and fresh.path.name != base.path.name
    with pytest.raises(ValueError, match="name"):
        training.ship_weights(base, "../elsewhere")
    with pytest.raises(TypeError, match="TrainedModel"):
        training.ship_weights(base.model, name)


def test_knn_scores_say_which_test_items_are_right():
    from acousticlib.metrics import knn_predict

    a = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    ya = np.array([0, 0, 0, 1, 1, 1])
    c, yc = np.array([[0.05], [5.05], [4.9]]), np.array([0, 1, 0])
    # a 3-NN vote by hand: 0, 1, 1
    np.testing.assert_array_equal(knn_predict(a, ya, c, 3), [0, 1, 1])
    got = ex.knn_scores(a, ya, c, yc, c, yc, ks=[3])
    np.testing.assert_array_equal(got["test_correct"], [True, True, False])
    assert got["test_accuracy"] == knn_accuracy(a, ya, c, yc, 3) == 2 / 3
    with pytest.raises(ValueError, match="k"):
        knn_predict(a, ya, c, 7)
    with pytest.raises(ValueError, match="dimension"):
        knn_predict(a, ya, np.ones((2, 2)), 3)


def test_acoustic_embeddings_equal_the_whole_splits(smoke_ds):
    teacher = ex.train_teacher("smoke", 0, progress=False)
    supervised = ex.train_supervised("dualcamnet", "smoke", 0, progress=False)
    models = {"teacher": teacher.model, "supervised": supervised.model}
    got = ex.acoustic_embeddings(models, "train", "smoke", 0, chunk=1)
    whole = ex.distillation_data("smoke", 0, "train")
    for name, model in models.items():
        torch.testing.assert_close(got[name], ex.embeddings(model, whole, "dualcamnet"))
    with pytest.raises(ValueError, match="chunk"):
        ex.acoustic_embeddings(models, "train", "smoke", 0, chunk=0)
    with pytest.raises(TypeError, match="models"):
        ex.acoustic_embeddings({}, "train", "smoke", 0)
