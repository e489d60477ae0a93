"""Chapter 16's event clips: the plan's invariants, determinism, the SNR at the
microphone, the confusers' frames and audio, the cache, and the per-segment features."""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest
import torch

from acousticlib import cache, datasets, geometry, rendering, scenes
from acousticlib import experiments as ex
from acousticlib.datasets import BACKGROUND_LABEL, FS, SEGMENTS
from acousticlib.models import build_model, model_spec

# every clip shows its object silent and plays its sound off-screen somewhere
CONFUSED = dict(p_silent_visible=1.0, p_offscreen_sound=1.0, max_event=6)


def confused(**kw):
    return datasets.event_config("smoke", **{**CONFUSED, **kw})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("events")
    ds = datasets.event_dataset(confused(), workers=1, progress=False, root=root)
    return ds, root


def segment_mask(segments):
    mask = np.zeros(SEGMENTS * FS, bool)
    for k in segments:
        mask[k * FS : (k + 1) * FS] = True
    return mask


# ------------------------------------------------------------------------ configuration
def test_bad_configurations_are_rejected():
    bad = [
        (dict(min_event=0), ValueError, "min_event"),
        (dict(max_event=SEGMENTS + 1), ValueError, "max_event"),
        (dict(min_event=5, max_event=3), ValueError, "min_event"),
        (dict(p_silent_visible=1.5), ValueError, "p_silent_visible"),
        (dict(p_offscreen_sound=-0.1), ValueError, "p_offscreen_sound"),
        (dict(max_confuser=0), ValueError, "max_confuser"),
        (dict(clips_per_location=0), ValueError, "clips_per_location"),
        (dict(locations=2), ValueError, "locations"),
        (dict(split_fractions=(0.5, 0.2, 0.2)), ValueError, "split_fractions"),
        (dict(height=8), ValueError, "height"),
        (dict(mic=128), ValueError, "mic"),
        (dict(seed=-1), ValueError, "seed"),
    ]
    for fields, error, name in bad:
        with pytest.raises(error, match=name):
            datasets.EventDatasetConfig(**fields)
    with pytest.raises(TypeError, match="unknown EventDatasetConfig field"):
        datasets.event_config("smoke", recording_seconds=3)
    with pytest.raises(ValueError, match="profile"):
        datasets.event_config("huge")
    with pytest.raises(TypeError, match="config"):
        datasets.event_dataset(3.0)
    with pytest.raises(TypeError, match="config"):
        datasets.plan_events(datasets.dataset_config("smoke"))


# --------------------------------------------------------------------------------- plan
def test_the_plan_keeps_its_invariants():
    config = datasets.event_config("book")
    plan = datasets.plan_events(config)
    assert len(plan) == config.n_clips
    for spec in plan:
        visible, audible = np.array(spec["visible"]), np.array(spec["audible"])
        labels = np.array(spec["labels"])
        onset, length = spec["onset"], spec["length"]
        assert config.min_event <= length <= config.max_event
        assert 0 <= onset and onset + length <= SEGMENTS
        event = np.zeros(SEGMENTS, bool)
        event[onset : onset + length] = True
        # labelled where seen and heard, which is the event's run, nowhere else
        assert np.array_equal(labels == spec["label"], event)
        assert np.array_equal(labels == BACKGROUND_LABEL, ~event)
        assert np.array_equal(visible & audible, event)
        silent, heard = spec["silent_visible"], spec["offscreen_sound"]
        assert not set(silent) & set(heard)
        assert visible[silent].all() and not audible[silent].any()
        assert audible[heard].all() and not visible[heard].any()
        assert np.array_equal(visible, event | np.isin(np.arange(SEGMENTS), silent))
        assert np.array_equal(audible, event | np.isin(np.arange(SEGMENTS), heard))
        for run in (silent, heard):
            assert len(run) <= config.max_confuser
            assert run == list(range(run[0], run[0] + len(run))) if run else True
    # confusers drawn about as often as asked (clips with free segments only)
    free = [s for s in plan if s["length"] < SEGMENTS]
    for key, p in (
        ("silent_visible", config.p_silent_visible),
        ("offscreen_sound", config.p_offscreen_sound),
    ):
        share = np.mean([bool(s[key]) for s in free])
        assert abs(share - p) < 0.1, (key, share)
    lengths = collections.Counter(s["length"] for s in plan)
    assert set(lengths) == set(range(config.min_event, config.max_event + 1))


def test_splits_are_by_location_balanced_and_include_the_unseen_domain():
    config = datasets.event_config("book")
    plan = datasets.plan_events(config)
    split_of = collections.defaultdict(set)
    for spec in plan:
        split_of[spec["location"]].add(spec["split"])
    assert all(len(s) == 1 for s in split_of.values())
    codes = {spec["split"] for spec in plan}
    assert codes == set(range(len(datasets.SPLITS)))
    unseen = [s for s in plan if s["split"] == datasets.SPLITS.index("unseen")]
    assert len({s["location"] for s in unseen}) == config.unseen_locations
    assert all(s["style"] == 1 and s["level_shift_db"] > 0 for s in unseen)
    assert all(s["style"] == 0 for s in plan if s not in unseen)
    for code in codes:
        counts = collections.Counter(s["label"] for s in plan if s["split"] == code)
        assert len(counts) == len(datasets.CLASSES)
        assert max(counts.values()) - min(counts.values()) <= 1
    # conditions stratified: each in-domain split holds each condition
    for code in (0, 1, 2):
        conds = {s["condition"] for s in plan if s["split"] == code}
        assert conds == set(scenes.CONDITIONS)


def test_the_plan_is_deterministic_under_the_seed():
    a = datasets.plan_events(datasets.event_config("book", seed=0))
    b = datasets.plan_events(datasets.event_config("book", seed=0))
    c = datasets.plan_events(datasets.event_config("book", seed=1))
    assert a == b
    assert [s["labels"] for s in a] != [s["labels"] for s in c]


# -------------------------------------------------------------------------------- build
def test_the_entry_holds_the_plan_and_its_arrays(built):
    ds, _ = built
    n = ds.config.n_clips
    H, W = ds.config.height, ds.config.width
    assert len(ds) == n and ds.clips == datasets.plan_events(ds.config)
    assert ds.array("audio").shape == (n, SEGMENTS * FS)
    assert ds.array("frames").shape == (n * SEGMENTS, H, W, 3)
    assert ds.array("frames").dtype == np.uint8
    assert ds.labels.shape == (n, SEGMENTS) and ds.labels.dtype == np.int64
    assert np.array_equal(ds.labels, [s["labels"] for s in ds.clips])
    assert np.array_equal(ds.index["label"], [s["label"] for s in ds.clips])
    boxes = ds.array("boxes")
    assert np.isfinite(boxes[ds.visible]).all()
    assert np.isnan(boxes[~ds.visible]).all()
    assert sorted(np.concatenate([ds.clips_of(s) for s in datasets.SPLITS])) == list(
        range(n)
    )
    with pytest.raises(KeyError, match="acoustic"):
        ds.array("acoustic")


def test_the_same_seed_gives_the_same_arrays_and_another_seed_others(built, tmp_path):
    ds, _ = built
    again = datasets.event_dataset(confused(), workers=1, progress=False, root=tmp_path)
    assert again.built_now and again.folder != ds.folder
    for name in ("audio", "frames", "boxes", "labels", "visible", "audible"):
        assert np.array_equal(
            ds.array(name), again.array(name), equal_nan=name == "boxes"
        )
    other = datasets.event_dataset(
        confused(seed=1), workers=1, progress=False, root=tmp_path
    )
    assert not np.array_equal(ds.array("audio"), other.array("audio"))
    assert not np.array_equal(ds.array("frames"), other.array("frames"))


def test_the_cache_returns_the_entry_intact(built):
    ds, root = built
    again = datasets.event_dataset(confused(), workers=1, progress=False, root=root)
    assert not again.built_now and again.folder == ds.folder
    assert again.config == ds.config
    assert cache.verify(ds.folder) is None
    assert ds.folder.name == datasets.event_cache_key(confused())
    assert not list((root / "event_dataset").glob(".partial-*"))
    assert not list((root / "event_dataset").glob(".tmp-*"))
    assert datasets.EventDataset(ds.folder).config == confused()


# ---------------------------------------------------------------------------- physics
def test_the_snr_at_the_microphone_is_the_nominal_one_over_the_event(built):
    ds, _ = built
    audio = ds.array("audio")
    for i, spec in enumerate(ds.clips):
        source, background = datasets.event_audio_parts(spec, ds.config)
        mix = audio[i].astype(np.float64)
        event = segment_mask(np.flatnonzero(ds.labels[i] != BACKGROUND_LABEL))
        measured = 10 * np.log10(
            np.mean(source[event] ** 2) / np.mean((mix - source)[event] ** 2)
        )
        nominal = datasets.event_scene(spec, ds.config).snr_db
        lo, hi = scenes.SNR_DB[spec["condition"]]
        assert lo - spec["level_shift_db"] <= nominal <= hi - spec["level_shift_db"]
        assert abs(measured - nominal) < 1.0, (i, measured, nominal)


def test_silent_segments_hold_the_background_alone_and_offscreen_ones_the_sound(built):
    ds, _ = built
    audio = ds.array("audio")
    for i, spec in enumerate(ds.clips):
        source, background = datasets.event_audio_parts(spec, ds.config)
        mix = audio[i].astype(np.float64)
        silent = segment_mask(np.flatnonzero(~ds.audible[i]))
        heard = segment_mask(spec["offscreen_sound"])
        assert spec["silent_visible"] and spec["offscreen_sound"]  # CONFUSED
        # where the object is silent (visible or not), only the background plays
        assert not source[silent].any()
        np.testing.assert_allclose(mix[silent], background[silent], atol=1e-7)
        # an off-screen sound is heard: louder than the background there
        p_mix = np.mean(mix[heard] ** 2)
        assert p_mix > 2 * np.mean(background[heard] ** 2)


def test_offscreen_segments_show_no_object_and_visible_ones_show_it(built):
    ds, _ = built
    frames = ds.array("frames")
    cam = geometry.Camera().resized(ds.config.height, ds.config.width)
    for i, spec in enumerate(ds.clips):
        sc = datasets.event_scene(spec, ds.config)
        hidden = dataclasses.replace(sc, sources=())
        bg = rendering.render_background(sc, cam)
        for k in range(SEGMENTS):
            frame = frames[i * SEGMENTS + k]
            empty, _ = rendering.render_frame(hidden, cam, k + 0.5, background=bg)
            if ds.visible[i, k]:
                top, left, bottom, right = np.round(ds.array("boxes")[i, k]).astype(int)
                inside = (slice(top, bottom), slice(left, right))
                assert not np.array_equal(frame[inside], empty[inside]), (i, k)
            else:
                assert np.array_equal(frame, empty), (i, k)
        assert (
            spec["offscreen_sound"] and not ds.visible[i, spec["offscreen_sound"]].any()
        )


# ----------------------------------------------------------------------------- features
def test_per_segment_features_feed_the_event_localizer(built, monkeypatch):
    ds, root = built
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(root))
    torch.manual_seed(0)
    backbone = build_model(model_spec("visual", "smoke")).backbone
    cnn = build_model(model_spec("spectrogram_cnn", "smoke"))
    visual, audio = (backbone, "random/visual"), (cnn, "random/spectrogram")
    n = len(ds.clips_of("train"))
    fv = ex.event_visual_features(ds, "train", *visual, progress=False)
    fa = ex.event_audio_features(ds, "train", *audio, progress=False)
    assert fv.shape == (n, SEGMENTS, backbone.trunk_channels, 12, 16)
    assert fv.dtype == np.float16 and np.isfinite(fv).all()
    assert fa.shape == (n, SEGMENTS, cnn.embedding_size) and fa.dtype == np.float32
    # the cached embeddings are the network's on each segment's samples
    clip = ds.clips_of("train")[0]
    cnn.eval()
    with torch.no_grad():
        x = torch.from_numpy(ds.read("audio", [clip]).reshape(SEGMENTS, FS))
        np.testing.assert_allclose(fa[0], cnn.embed(x).numpy(), rtol=1e-4, atol=1e-5)
    assert np.array_equal(ex.event_audio_features(ds, "train", *audio), fa)
    inputs = ex.event_inputs("train", "smoke", ds=ds, visual=visual, audio=audio)
    t = inputs.tensors
    assert set(t) == {"visual", "audio", "labels", "label"}
    assert torch.equal(t["labels"], torch.from_numpy(ds.labels[ds.clips_of("train")]))
    spec = model_spec(
        "event_localizer",
        "smoke",
        visual_channels=backbone.trunk_channels,
        audio_dim=cnn.embedding_size,
    )
    model = build_model(spec)
    logits = model(t["visual"][:2], t["audio"][:2])["logits"]
    assert logits.shape == (min(2, n), SEGMENTS, BACKGROUND_LABEL + 1)
    with pytest.raises(ValueError, match="split"):
        ex.event_audio_features(ds, "training", *audio)
    with pytest.raises(TypeError, match="ds"):
        ex.event_visual_features(object(), "train", *visual)
