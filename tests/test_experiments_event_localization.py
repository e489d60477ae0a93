"""Chapter 16's experiments at the smoke profile, on random extractors: the variants
train and are cached, the scores agree with a hand computation, weak supervision and
AVTGML run, bad names are refused, and training is deterministic under its seed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from acousticlib import datasets, training
from acousticlib.datasets import BACKGROUND_LABEL, SEGMENTS
from acousticlib.experiments import event_localization as el
from acousticlib.models import EventLocalizer, build_model, model_spec


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("event-localization")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACOUSTICLIB_CACHE", str(root))
        ds = datasets.event_dataset(
            datasets.event_config("smoke"), workers=1, progress=False
        )
    torch.manual_seed(0)
    backbone = build_model(model_spec("visual", "smoke")).backbone
    cnn = build_model(model_spec("spectrogram_cnn", "smoke"))
    kw = dict(
        ds=ds,
        visual=(backbone, "random/visual"),
        audio=(cnn, "random/spectrogram"),
        progress=False,
    )
    return root, ds, kw


@pytest.fixture
def cache(setup, monkeypatch):
    root, ds, kw = setup
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(root))
    return ds, kw


def states_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_every_variant_builds_the_model_its_table_describes():
    for table, names in el.EVENT_TABLES.items():
        assert set(names) <= set(el.EVENT_VARIANTS), table
    assert set(el.PAPER_EVENT_ACCURACY) <= set(el.EVENT_VARIANTS)
    seen = set()
    for name, fields in el.EVENT_VARIANTS.items():
        spec = model_spec("event_localizer", "smoke", visual_channels=4, audio_dim=6)
        spec.update(fields)
        model = build_model(spec)
        assert isinstance(model, EventLocalizer)
        out = model(torch.randn(2, SEGMENTS, 4, 3, 4), torch.randn(2, SEGMENTS, 6))
        assert out["logits"].shape == (2, SEGMENTS, BACKGROUND_LABEL + 1)
        key = tuple(sorted(fields.items(), key=lambda kv: kv[0]))
        assert key not in seen, f"{name} repeats another variant"
        seen.add(key)
    # Table 1's audio-assisted visual row has AVFB but no audio stream
    aav = el.EVENT_VARIANTS["audio_assisted_visual"]
    assert aav["streams"] == "visual" and aav["fusion"] == "avfb"


def test_a_variant_trains_and_a_second_call_loads_it(cache, monkeypatch):
    ds, kw = cache
    first = el.train_event_model("full", "smoke", **kw)
    assert first.origin == "trained"
    assert len(first.history) == el.EVENT_TRAINING["smoke"]["epochs"]
    assert all("loss" in r["val"] and "accuracy" in r["val"] for r in first.history)

    def no_training(*args, **kwargs):
        raise AssertionError("the cached model was trained again")

    fit = training.cache.fit
    monkeypatch.setattr(training.cache, "fit", no_training)
    second = el.train_event_model("full", "smoke", **kw)
    assert second.path == first.path and states_equal(first.model, second.model)
    # another source of the features is another entry
    monkeypatch.setattr(training.cache, "fit", fit)
    other = el.train_event_model(
        "full", "smoke", **{**kw, "audio": (kw["audio"][0], "random/other")}
    )
    assert other.path != first.path


def test_segment_scores_match_a_hand_computation():
    bg = BACKGROUND_LABEL
    labels = np.array([[bg, 3, 3], [bg, bg, 5]])
    predictions = np.array([[bg, 3, 4], [3, bg, 5]])
    s = el.segment_scores(predictions, labels)
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert s["per_class"][bg] == pytest.approx(2 / 3)
    assert s["per_class"][3] == pytest.approx(1 / 2)
    assert s["per_class"][5] == pytest.approx(1.0)
    absent = [c for c in range(bg + 1) if c not in (3, 5, bg)]
    assert np.isnan(s["per_class"][absent]).all()
    # background against event: only (1, 0) is wrong (an event called on background)
    assert s["event_accuracy"] == pytest.approx(5 / 6)
    assert s["confusion"].sum() == 6 and s["confusion"][bg, 3] == 1
    assert s["segments"] == 6


def test_event_scores_are_the_models_own_predictions(cache):
    ds, kw = cache
    trained = el.train_event_model("full", "smoke", **kw)
    test = el.event_split_inputs("test", "smoke", **kw)
    s = el.event_scores(trained.model, test, batch_size=1)
    with torch.no_grad():
        logits = trained.model(test.tensors["visual"], test.tensors["audio"])["logits"]
    assert np.array_equal(s["predictions"], logits.argmax(-1).numpy())
    assert np.array_equal(s["labels"], ds.labels[ds.clips_of("test")])
    assert s["accuracy"] == pytest.approx(np.mean(s["predictions"] == s["labels"]))
    for key in ("accuracy", "event_accuracy"):
        assert 0.0 <= s[key] <= 1.0
    per_class = s["per_class"][np.isfinite(s["per_class"])]
    assert ((per_class >= 0) & (per_class <= 1)).all()
    np.testing.assert_allclose(s["probabilities"].sum(-1), 1.0, rtol=1e-5)
    assert s["attention"].shape[:2] == (len(test), SEGMENTS)


def test_weak_supervision_trains_on_the_clip_class_and_validates_segments(cache):
    ds, kw = cache
    weak = el.train_event_model("audio", "smoke", supervision="weak", **kw)
    full = el.train_event_model("audio", "smoke", supervision="full", **kw)
    assert weak.path != full.path
    assert {"loss", "clip_accuracy", "accuracy"} <= set(weak.history[-1]["val"])
    s = el.event_scores(weak.model, el.event_split_inputs("test", "smoke", **kw))
    assert 0.0 <= s["accuracy"] <= 1.0 and s["attention"] is None
    with pytest.raises(ValueError, match="visual stream"):
        el.event_attention(weak.model, el.event_split_inputs("test", "smoke", **kw))


def test_avtgml_trains_and_its_maps_cover_the_grid(cache):
    ds, kw = cache
    trained = el.train_avtgml("smoke", **kw)
    assert "d_pos" in trained.history[-1]["val"]
    test = el.event_split_inputs("test", "smoke", **kw)
    maps = el.event_attention(trained.model, test)
    h, w = test.tensors["visual"].shape[-2:]
    assert maps.shape == (len(test), SEGMENTS, h, w)
    np.testing.assert_allclose(maps.sum((-2, -1)), 1.0, rtol=1e-5)
    loc = el.event_localization_scores(maps, ds, "test")
    assert ((loc["pointing"] >= 0) & (loc["pointing"] <= 1)).all()
    assert ((loc["ciou"] >= 0) & (loc["ciou"] <= 1)).all()
    # a map peaked on the cell under the box's centre hits when that cell's centre
    # lies in the box (cells of H / h x W / w pixels)
    boxes = ds.array("boxes")[ds.clips_of("test")]
    peaked = np.zeros_like(maps)
    expected = []
    ch, cw = ds.config.height / h, ds.config.width / w
    for i, k in loc["segments"]:
        top, left, bottom, right = boxes[i, k]
        r, c = int((top + bottom) / 2 / ch), int((left + right) / 2 / cw)
        peaked[i, k, r, c] = 1.0
        y, x = (r + 0.5) * ch, (c + 0.5) * cw
        expected.append(top <= y < bottom and left <= x < right)
    hit = el.event_localization_scores(peaked, ds, "test")["pointing"]
    assert np.array_equal(hit, np.array(expected, float)) and any(expected)
    with pytest.raises(ValueError, match="maps"):
        el.event_localization_scores(maps[:, :3], ds, "test")


def test_bad_names_raise_errors_naming_the_parameter(cache):
    ds, kw = cache
    with pytest.raises(ValueError, match="variant"):
        el.train_event_model("fancy", "smoke", **kw)
    with pytest.raises(ValueError, match="supervision"):
        el.train_event_model("full", "smoke", supervision="semi", **kw)
    with pytest.raises(ValueError, match="train_seed"):
        el.train_event_model("full", "smoke", train_seed=-1, **kw)
    with pytest.raises(TypeError, match="retrain"):
        el.train_event_model("full", "smoke", retrain="yes", **kw)
    with pytest.raises(ValueError, match="profile"):
        el.event_weights("full", "full", "huge")
    with pytest.raises(ValueError, match="split"):
        el.event_split_inputs("training", "smoke", **kw)
    with pytest.raises(ValueError, match="predictions and labels"):
        el.segment_scores(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="labels"):
        el.segment_scores(np.zeros((1, 2)), np.array([[0, BACKGROUND_LABEL + 1]]))


def test_training_is_deterministic_under_its_seed(cache, tmp_path, monkeypatch):
    ds, kw = cache
    first = el.train_event_model("mfb", "smoke", train_seed=1, **kw)
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(tmp_path))
    again = el.train_event_model("mfb", "smoke", train_seed=1, **kw)
    assert again.path.name == first.path.name and again.path != first.path
    assert states_equal(first.model, again.model)
    other = el.train_event_model("mfb", "smoke", train_seed=2, **kw)
    assert other.path.name != first.path.name
    assert not states_equal(first.model, other.model)
    retrained = el.train_event_model("mfb", "smoke", train_seed=1, retrain=True, **kw)
    assert retrained.path.name != first.path.name
    assert states_equal(first.model, retrained.model)
