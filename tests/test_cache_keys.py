"""The strings the experiments hash into cache keys stay the same, byte for byte.

Each expected string below was printed by the code before issue 21 gathered the joining
into :func:`acousticlib.cache.joined_key` (hand-joined f-strings then). A changed string
would make every chapter retrain its cached models and would orphan the shipped weights,
whose ``shipped.json`` records the key they were trained under.
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from acousticlib import cache, datasets, training
from acousticlib import experiments as ex

DS = types.SimpleNamespace(folder=Path("/nowhere/0123abcd"), meta={"fps": 12})


@pytest.fixture
def stubbed(monkeypatch):
    """The experiments with their dataset, trunk and training replaced by stubs that
    record the data key each would train on (nothing is built or trained).

    Each stub replaces the name in the experiments module that looks it up."""
    captured: list[str] = []

    def fake_train_cached(spec, data, _, config, *, data_key, **kw):
        captured.append(data_key)
        return types.SimpleNamespace(path=Path("GENERATOR-ENTRY"), model=None)

    for module in (ex.camera, ex.generators, ex.classifiers):
        monkeypatch.setattr(module, "camera_data", lambda *a, **k: DS)
    for module in (ex.camera, ex.generators):
        monkeypatch.setattr(module, "train_cached", fake_train_cached)
    monkeypatch.setattr(ex.generators, "trunk_features", lambda *a, **k: None)
    return captured


def test_joined_key_writes_fields_in_order_and_bare_tags():
    assert (
        cache.joined_key(
            "dataset/x", {"a": 1, "v2": None, "flag": True, "name": "video only"}
        )
        == "dataset/x|a=1|v2|flag=True|name=video only"
    )
    assert cache.joined_key("head", {}) == "head"
    with pytest.raises(ValueError, match="head"):
        cache.joined_key("", {"a": 1})
    with pytest.raises(ValueError, match="field names"):
        cache.joined_key("head", {"a|b": 1})


def test_pretraining_and_generator_data_keys_are_pinned(stubbed, monkeypatch):
    ex.pretrained_backbone("smoke", 0, progress=False)
    monkeypatch.setattr(
        ex.generators,
        "pretrained_backbone",
        lambda *a, **k: types.SimpleNamespace(path=Path("PRETRAINED-ENTRY")),
    )
    ex.train_generator("uvae", "smoke", 0, progress=False)
    ex.train_generator(
        "uvae", "smoke", 0, progress=False, background=False, condition="video only"
    )
    assert stubbed == [
        "dataset/0123abcd|crops=64+background|frames/clip=1",
        "dataset/0123abcd|trunk=pretrained/PRETRAINED-ENTRY|trunk-features-2"
        "|background=True|condition=audio+video|frame_step=6",
        "dataset/0123abcd|trunk=pretrained/PRETRAINED-ENTRY|trunk-features-2"
        "|background=False|condition=video only|frame_step=6",
    ]


def test_classifier_data_keys_are_pinned(stubbed, monkeypatch):
    monkeypatch.setattr(
        ex.classifiers,
        "train_generator",
        lambda *a, **k: types.SimpleNamespace(path=Path("GENERATOR-ENTRY")),
    )
    got = {s: ex.classifier_data_key(s, "smoke", 0) for s in ex.CLASSIFIER_SOURCES}
    assert got == {
        "real": "dataset/0123abcd|windows=real|augmented=random-start+mirror|draws=2",
        "tiled": "dataset/0123abcd|windows=tiled",
        "uvae": "dataset/0123abcd|windows=uvae|generator=GENERATOR-ENTRY",
        "auvae": "dataset/0123abcd|windows=auvae|generator=GENERATOR-ENTRY",
        "mcgan": "dataset/0123abcd|windows=mcgan|generator=GENERATOR-ENTRY",
    }


def test_the_shipped_judge_key_is_what_the_code_computes(monkeypatch):
    """The book judge's cache key, computed from the book dataset's key (nothing built),
    is the key its shipped weights record: they still load instead of training."""
    shipped = training.SHIPPED_WEIGHTS / ex.judge_weights("book", 0) / "shipped.json"
    record = json.loads(shipped.read_text())
    dataset_key = datasets.dataset_cache_key("book", seed=0)
    assert dataset_key == record["dataset"]
    book = types.SimpleNamespace(folder=Path("/nowhere") / dataset_key)
    monkeypatch.setattr(ex.classifiers, "camera_data", lambda *a, **k: book)
    key = training.model_cache_key(
        ex.judge_spec("book"),
        ex.judge_config("book", 0),
        ex.classifier_data_key("real", "book", 0),
    )
    assert key == record["key"]


def test_event_localizer_data_key_is_pinned():
    """Chapter 16's localizers name the event clips and the extractors' weights."""
    from acousticlib.experiments import event_localization as el

    setup = el._Setup("smoke", 0, (None, "VISUAL"), (None, "AUDIO"), DS, "cpu", False)
    assert setup.data_key() == (
        "event_dataset/0123abcd|events=event-localization-1|visual=VISUAL"
        "|audio=AUDIO|features=event-audio-1"
    )
