"""The shared experiments of chapters 07-11 (acousticlib.experiments), on the smoke
profile."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from acousticlib import experiments as ex
from acousticlib.metrics import (
    energy_iou,
    energy_maps,
    evaluate_generator,
    generate,
    peak_near_border,
)
from acousticlib.models import (
    UVAE,
    GeneratorConfig,
    VisualBackbone,
    VisualClassifier,
    build_model,
    minmax_per_sample,
    model_spec,
)
from acousticlib.training import DictDataset, TrainConfig, train_cached

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def smoke(smoke_cache):
    """Every smoke-profile experiment built once in a private cache (conftest's, shared
    with the command line's tests)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
    ds = ex.camera_data("smoke", 0, progress=False)
    yield SimpleNamespace(ds=ds, feats=ex.trunk_features("smoke", 0, progress=False))
    mp.undo()


# ------------------------------------------------------------------------------------
# crops
def _stub(frames, boxes, labels):
    arrays = {"frames": frames, "boxes": boxes}
    return SimpleNamespace(
        array=lambda name: arrays[name],
        read=lambda name, rows=None: np.array(arrays[name][rows]),
        index={"label": np.asarray(labels)},
    )


def test_object_crops_are_centred_on_the_source_box_and_skip_missing_boxes():
    frames = np.zeros((3, 144, 192, 3), np.uint8)
    frames[0, 40:60, 100:130] = (255, 0, 0)  # a red object
    frames[2, 90:130, 10:40] = (0, 0, 255)  # a blue one
    boxes = np.full((3, 2, 4), np.nan, np.float32)
    boxes[0, 0] = (40, 100, 60, 130)
    boxes[2, 0] = (90, 10, 130, 40)
    crops, labels = ex.object_crops(
        _stub(frames, boxes, [4, 5, 6]), np.arange(3), size=32
    )
    # frame 1 has no box
    assert crops.shape == (2, 3, 32, 32) and labels.tolist() == [4, 6]
    centre = crops[:, :, 14:18, 14:18].mean(dim=(-2, -1))
    assert torch.allclose(centre[0], torch.tensor([1.0, 0.0, 0.0]), atol=1e-5)
    assert torch.allclose(centre[1], torch.tensor([0.0, 0.0, 1.0]), atol=1e-5)
    # the margin leaves background around the object: the corners are black
    assert float(crops[0, :, 0, 0].abs().sum()) < 1e-6
    # background crops: one per object crop, labelled after the classes, clear of the
    # objects (black)
    both, labels = ex.object_crops(
        _stub(frames, boxes, [4, 5, 6]), np.arange(3), size=32, background_seed=0
    )
    assert both.shape == (4, 3, 32, 32) and labels.tolist() == [
        4,
        6,
        ex.BACKGROUND_LABEL,
        ex.BACKGROUND_LABEL,
    ]
    assert float(both[2:].abs().max()) < 1e-6
    again, _ = ex.object_crops(
        _stub(frames, boxes, [4, 5, 6]), np.arange(3), size=32, background_seed=0
    )
    assert torch.equal(both, again)


# ----------------------------------------------------------------------------- visual
# models
def test_visual_spec_and_crop_classifier():
    spec = model_spec("visual", "smoke")
    assert spec["crops"] is True and spec["arch"] == "resnet18"
    with pytest.raises(ValueError, match="overrides for visual"):
        model_spec("visual", "smoke", channels=[4])
    torch.manual_seed(0)
    model = build_model(spec)
    assert isinstance(model, VisualClassifier)
    assert model(torch.rand(2, 3, 64, 64)).shape == (2, 10)
    with pytest.raises(ValueError, match="images must be"):
        model.backbone.normalize(torch.rand(2, 64, 64))


def test_class_map_averages_to_the_whole_frame_logits():
    torch.manual_seed(0)
    model = VisualClassifier(VisualBackbone("resnet18", 4), 3).eval()
    frames = torch.rand(2, 3, 144, 192)
    with torch.no_grad():
        cmap = model.class_map(frames)
        logits = model(frames)
    assert cmap.shape == (2, 3, 12, 16)
    torch.testing.assert_close(cmap.mean(dim=(-2, -1)), logits, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- trunk
# features
def test_trunk_features_match_the_pretrained_trunk_and_are_deduplicated(smoke):
    feats = smoke.feats
    frames = smoke.ds.array("frames")
    assert feats.shape == (len(smoke.ds), 256, 12, 16) and feats.dtype == np.float16
    backbone = ex.pretrained_backbone("smoke", 0, progress=False).model.backbone.eval()
    rows = [0, 5, len(smoke.ds) - 1]
    x = (
        torch.from_numpy(np.ascontiguousarray(frames[rows])).permute(0, 3, 1, 2).float()
        / 255
    )
    with torch.no_grad():
        direct = backbone.trunk_features(x).numpy()
    np.testing.assert_allclose(
        feats[rows].astype(np.float32), direct, rtol=2e-2, atol=2e-2
    )
    # identical frames share identical features
    digests = ex.frame_digests(frames)
    same = np.flatnonzero(digests == digests[0])
    assert np.array_equal(feats[same[0]], feats[same[-1]])
    # the chunked pass over the dataset gives the same digests as one pass over the
    # frames
    assert np.array_equal(ex.dataset_frame_digests(smoke.ds, chunk=7), digests)
    assert len(np.unique(digests)) < len(digests)  # still scenes: frames repeat
    # no scratch file of the build is left in the cache entry
    assert sorted(p.name for p in Path(feats.filename).parent.glob("*.npy")) == [
        "features.npy"
    ]


# ---------------------------------------------------------------------------- generator
# data
def test_generator_data_shapes_background_targets_and_ablations(smoke):
    frames = ex.generator_data("smoke", 0, "train")
    t = frames.tensors
    assert t["frame"].shape[1:] == (256, 12, 16) and t["acoustic"].shape[1:] == (
        12,
        36,
        48,
    )
    bg = t["background"]
    assert bg.any() and (t["label"][bg] == -1).all() and (t["label"][~bg] >= 0).all()
    flat = t["acoustic"][bg].float()
    # background targets are flat maps
    assert torch.equal(flat, flat[..., :1, :1].expand_as(flat))
    assert not torch.equal(
        t["acoustic"][~bg][0], t["acoustic"][~bg][0][..., :1, :1].expand(12, 36, 48)
    )
    video = ex.generator_data("smoke", 0, "train", condition="video only").tensors
    audio = ex.generator_data("smoke", 0, "train", condition="audio only").tensors
    assert (video["mfcc_mono"] == 0).all() and torch.equal(video["frame"], t["frame"])
    assert (audio["frame"] == 0).all() and torch.equal(
        audio["mfcc_mono"], t["mfcc_mono"]
    )
    no_bg = ex.generator_data("smoke", 0, "train", background=False).tensors
    assert len(no_bg["label"]) == int((~bg).sum()) and not no_bg["background"].any()
    step = ex.generator_data("smoke", 0, "train", frame_step=3).tensors
    assert len(step["label"]) == len(t["label"]) // 3
    win = ex.generator_data("smoke", 0, "test", windows=True, background=False).tensors
    assert win["acoustic"].shape[1:] == (12, 12, 36, 48) and win["label"].ndim == 1
    bare = ex.generator_data(
        "smoke", 0, "test", windows=True, background=False, with_acoustic=False
    ).tensors
    # the condition alone
    assert "acoustic" not in bare and all(torch.equal(bare[k], win[k]) for k in bare)
    some = ex.generator_data(
        "smoke", 0, "test", windows=True, background=False, part=slice(1, 3)
    ).tensors
    assert all(torch.equal(some[k], win[k][1:3]) for k in win)
    sub = ex.generator_data("smoke", 0, "train", frame_step=3, part=slice(2, 5)).tensors
    assert all(torch.equal(sub[k], step[k][2:5]) for k in step)


def test_generator_data_rejects_bad_arguments(smoke):
    with pytest.raises(ValueError, match="condition"):
        ex.generator_data("smoke", 0, "train", condition="both")
    with pytest.raises(ValueError, match="split"):
        ex.generator_data("smoke", 0, "training")
    with pytest.raises(ValueError, match="frame_step"):
        ex.generator_data("smoke", 0, "train", frame_step=0)
    with pytest.raises(ValueError, match="frame_step applies to frames only"):
        ex.generator_data("smoke", 0, "train", windows=True, frame_step=2)
    with pytest.raises(TypeError, match="part must be a slice"):
        ex.generator_data("smoke", 0, "train", part=[0, 1])
    with pytest.raises(ValueError, match="profile"):
        ex.settings("huge")


# ----------------------------------------------------------------------- trained, then
# cached
def test_generators_train_once_then_come_from_the_cache(smoke):
    first = ex.train_generator("uvae", "smoke", 0, progress=False)
    assert isinstance(first.model, UVAE) and first.history
    t0 = time.perf_counter()
    again = ex.train_generator("uvae", "smoke", 0, progress=False)
    assert again.path == first.path
    for a, b in zip(
        first.model.state_dict().values(),
        again.model.state_dict().values(),
        strict=False,
    ):
        assert torch.equal(a, b)
    assert time.perf_counter() - t0 < 30
    variant = ex.train_generator(
        "uvae", "smoke", 0, condition="audio only", progress=False
    )
    assert variant.path != first.path
    # the CPU profiles add the spatial term
    assert first.model.config.spatial_weight > 0
    paper_loss = ex.train_generator(
        "uvae", "smoke", 0, spatial_weight=0.0, progress=False
    )
    assert (
        paper_loss.path != first.path and paper_loss.model.config.spatial_weight == 0.0
    )
    with pytest.raises(ValueError, match="spatial_weight"):
        ex.train_generator("uvae", "smoke", 0, spatial_weight=-1.0)
    assert (
        ex.train_generator("uvae", "smoke", 0, train_seed=0, progress=False).path
        == first.path
    )
    # same data, another run
    reseeded = ex.train_generator("uvae", "smoke", 0, train_seed=1, progress=False)
    assert reseeded.path != first.path
    assert (
        json.loads((reseeded.path / "manifest.json").read_text())["config"]["train"][
            "seed"
        ]
        == 1
    )
    assert not all(
        torch.equal(a, b)
        for a, b in zip(
            first.model.state_dict().values(),
            reseeded.model.state_dict().values(),
            strict=False,
        )
    )
    with pytest.raises(ValueError, match="train_seed"):
        ex.train_generator("uvae", "smoke", 0, train_seed=-1)
    with pytest.raises(ValueError, match="name"):
        ex.train_generator("vae", "smoke", 0)
    with pytest.raises(ValueError, match="skips"):
        ex.train_generator("uvae", "smoke", 0, skips=3)


def test_generator_widths_and_frame_step_overrides(smoke):
    """The scaling study's knobs: the profile's own values give the same model,
    others another one."""
    first = ex.train_generator("uvae", "smoke", 0, progress=False)
    own = ex.train_generator(
        "uvae",
        "smoke",
        0,
        widths="smoke",
        frame_step=ex.settings("smoke").frame_step,
        progress=False,
    )
    # same spec, same data key: the same cache entry
    assert own.path == first.path
    wide = ex.train_generator(
        "uvae", "smoke", 0, widths="book", epochs=1, progress=False
    )
    cfg = GeneratorConfig.for_profile("book")
    assert (
        wide.model.config.enc_channels,
        wide.model.config.mid_channels,
        wide.model.config.latent,
    ) == (cfg.enc_channels, cfg.mid_channels, cfg.latent)
    # the data profile's trunk map
    assert wide.model.config.visual_channels == first.model.config.visual_channels
    # and its loss
    assert wide.model.config.spatial_weight == first.model.config.spatial_weight
    every = ex.train_generator(
        "uvae", "smoke", 0, frame_step=1, epochs=1, progress=False
    )
    assert every.path != first.path
    assert (
        "frame_step=1"
        in json.loads((every.path / "manifest.json").read_text())["config"]["data"]
    )
    adversarial = ex.train_generator(
        "auvae", "smoke", 0, widths="book", epochs=1, progress=False
    )
    assert adversarial.spec["disc_channels"] == list(
        model_spec("auvae", "book")["disc_channels"]
    )
    with pytest.raises(ValueError, match="profile"):
        ex.train_generator("uvae", "smoke", 0, widths="huge")
    with pytest.raises(ValueError, match="frame_step"):
        ex.train_generator("uvae", "smoke", 0, frame_step=0)


def test_mirrored_frames_flip_frame_and_image_together():
    frame, acoustic = torch.rand(6, 4, 12, 16), torch.rand(6, 12, 36, 48)
    data = DictDataset(
        mfcc_mono=torch.rand(6, 12),
        frame=frame,
        acoustic=acoustic,
        label=torch.arange(6),
    )
    mirrored = ex.MirroredFrames(data)
    torch.manual_seed(0)
    items = [mirrored[i] for i in range(6) for _ in range(4)]
    flipped = [torch.equal(it["frame"], frame[it["label"]].flip(-1)) for it in items]
    assert 0 < sum(flipped) < len(items)  # about half of the draws
    for it, f in zip(items, flipped, strict=True):
        i = int(it["label"])
        assert torch.equal(it["acoustic"], acoustic[i].flip(-1) if f else acoustic[i])
        assert f or torch.equal(it["frame"], frame[i])
        assert torch.equal(it["mfcc_mono"], data.tensors["mfcc_mono"][i])
    with pytest.raises(TypeError, match="DictDataset"):
        ex.MirroredFrames([1, 2])
    with pytest.raises(ValueError, match="acoustic"):
        ex.MirroredFrames(DictDataset(frame=frame))


def test_generator_spatial_measures_are_models_of_their_own(smoke):
    base = ex.train_generator("uvae", "smoke", 0, progress=False)
    reflect = ex.train_generator(
        "uvae", "smoke", 0, padding="reflect", epochs=1, progress=False
    )
    mirror = ex.train_generator("uvae", "smoke", 0, flip=True, epochs=1, progress=False)
    assert len({base.path, reflect.path, mirror.path}) == 3
    assert (
        reflect.model.config.padding == "reflect"
        and base.model.config.padding == "zeros"
    )
    assert (
        "augmented=mirror"
        in json.loads((mirror.path / "manifest.json").read_text())["config"]["data"]
    )
    assert (
        ex.train_generator("uvae", "smoke", 0, padding="zeros", progress=False).path
        == base.path
    )
    with pytest.raises(TypeError, match="flip"):
        ex.train_generator("uvae", "smoke", 0, flip="yes")
    with pytest.raises(ValueError, match="padding"):
        ex.train_generator("uvae", "smoke", 0, padding="circular")


def test_generator_test_scores_are_chapter_11s_measures(smoke):
    model = ex.train_generator("uvae", "smoke", 0, progress=False).model
    scores = ex.generator_test_scores(model, "smoke", 0, per_clip=True)
    test = ex.generator_data("smoke", 0, "test", background=False)
    record = evaluate_generator(model, test, seed=0)
    real = energy_maps(minmax_per_sample(test.tensors["acoustic"].float()))
    ious = energy_iou(record["energy"], real)
    assert scores["frames"] == len(test)
    assert scores["mse"] == pytest.approx(record["mse"])
    assert scores["iou_success"] == pytest.approx(float(np.mean(ious > 0.5)))
    assert scores["peak_near_border"] == pytest.approx(
        float(peak_near_border(record["energy"]).mean())
    )
    rows = smoke.ds.frames_of("test", include_background=False)
    clips = np.unique(smoke.ds.index["clip"][rows])
    assert len(scores["clip_mse"]) == len(scores["clip_iou_success"]) == clips.size
    # every clip has as many frames, so the mean of the clip means is the mean over
    # frames
    assert np.mean(scores["clip_mse"]) == pytest.approx(scores["mse"])
    assert np.mean(scores["clip_iou_success"]) == pytest.approx(scores["iou_success"])
    assert "clip_mse" not in ex.generator_test_scores(model, "smoke", 0)
    # a video-only model is scored without the audio it never had, as chapter 11 scores
    # it
    silent = ex.generator_data(
        "smoke", 0, "test", background=False, condition="video only"
    )
    muted = ex.generator_test_scores(model, "smoke", 0, condition="video only")
    assert muted["mse"] == pytest.approx(
        evaluate_generator(model, silent, seed=0)["mse"]
    )
    assert muted["mse"] != pytest.approx(scores["mse"])
    with pytest.raises(ValueError, match="condition"):
        ex.generator_test_scores(model, "smoke", 0, condition="sound only")


def test_dataset_cache_key_names_the_cache_folder(smoke):
    from acousticlib import datasets

    assert datasets.dataset_cache_key("smoke", seed=0) == smoke.ds.folder.name
    assert (
        datasets.dataset_cache_key(datasets.dataset_config("smoke", seed=1))
        != smoke.ds.folder.name
    )
    with pytest.raises(TypeError, match="config"):
        datasets.dataset_cache_key(3)


def test_reference_errors_are_chapter_8s_baselines(smoke):
    fps = int(smoke.ds.meta["fps"])
    mean = ex.mean_training_image("smoke", 0)
    rows = smoke.ds.frames_of("train", include_background=False)
    # one frame per clip
    rows = rows[smoke.ds.index["frame"][rows] % fps == 0]
    targets = torch.from_numpy(smoke.ds.read("acoustic", rows).astype(np.float32))
    lo, hi = (
        targets.amin(dim=(1, 2, 3), keepdim=True),
        targets.amax(dim=(1, 2, 3), keepdim=True),
    )
    assert mean.shape == (12, 36, 48)
    # float16 storage
    assert torch.allclose(mean, ((targets - lo) / (hi - lo)).mean(dim=0), atol=1e-3)
    test = ex.generator_data("smoke", 0, "test", background=False)
    real = generate(
        ex.train_generator("uvae", "smoke", 0, progress=False).model,
        test,
        keep=("real",),
    )["real"]
    ref = ex.reference_errors(test, real, "smoke", 0)
    assert ref["mean_image"] == pytest.approx(
        float(((mean - real) ** 2).mean()), rel=1e-5
    )
    paper = ex.train_generator(
        "uvae", "smoke", 0, spatial_weight=0.0, progress=False
    ).model
    assert ref["paper_loss"] == pytest.approx(
        float(
            (
                (generate(paper, test, keep=("generated",))["generated"] - real) ** 2
            ).mean()
        ),
        rel=1e-5,
    )
    with pytest.raises(ValueError, match="real must hold one target per frame of test"):
        ex.reference_errors(test, real[:1], "smoke", 0)


def test_attached_trunk_takes_frames_like_the_precomputed_features(smoke):
    gen = ex.attach_trunk(
        ex.train_generator("uvae", "smoke", 0, progress=False).model, "smoke", 0
    )
    rows = [3, 4]
    frames = (
        torch.from_numpy(np.ascontiguousarray(smoke.ds.array("frames")[rows]))
        .permute(0, 3, 1, 2)
        .float()
        / 255
    )
    feats = torch.from_numpy(np.asarray(smoke.feats[rows], np.float32))
    with torch.no_grad():
        a = gen.visual_map(frames)
        b = gen.visual_map(feats)
    torch.testing.assert_close(a, b, rtol=5e-2, atol=5e-2)


def test_classifier_windows_and_a_cached_classifier(smoke):
    real, y = ex.classifier_windows("real", "test", "smoke", 0)
    tiled, y2 = ex.classifier_windows("tiled", "test", "smoke", 0)
    assert (
        real.shape == tiled.shape
        and real.shape[1:] == (12, 12, 36, 48)
        and torch.equal(y, y2)
    )
    assert float(real.amin()) >= 0.0 and float(real.amax()) <= 1.0
    from acousticlib.models import generator_inputs

    x = generator_inputs(
        ex.generator_data("smoke", 0, "test", windows=True, background=False).tensors
    )
    assert real.dtype == tiled.dtype == torch.float16
    assert torch.equal(real, x["target"].reshape(real.shape).half()) and torch.equal(
        tiled, x["audio"].reshape(tiled.shape).half()
    )
    # a tiled window is constant over the grid
    assert torch.equal(tiled[0, 0], tiled[0, 0, :, :1, :1].expand(12, 36, 48))
    clf = ex.train_classifier("real", "smoke", 0, progress=False)
    assert clf.model(real[:2]).shape == (2, 10)
    with pytest.raises(ValueError, match="source"):
        ex.classifier_windows("fake", "test", "smoke", 0)


def test_judge_windows_are_random_mirrored_windows_of_one_recording(smoke):
    jw = ex.JudgeWindows("smoke", 0, "train")
    ds = smoke.ds
    rows = ds.frames_of("train", include_background=False)
    assert len(jw) == jw.frames.shape[
        0
    ] * jw.per_recording == ex.JUDGE_DRAWS * jw.frames.shape[0] and jw.frames.shape[
        2:
    ] == (12, 36, 48)
    assert jw.labels.tolist() == [
        int(ds.index["label"][rows[ds.index["recording"][rows] == r][0]])
        for r in np.unique(ds.index["recording"][rows])
    ]
    torch.manual_seed(3)
    items = [jw[i] for i in range(len(jw))]
    torch.manual_seed(3)
    again = [jw[i] for i in range(len(jw))]
    # seeded: repeatable
    assert all(
        torch.equal(a["acoustic"], b["acoustic"])
        for a, b in zip(items, again, strict=False)
    )
    for i, item in enumerate(items):
        w, r = item["acoustic"], i // jw.per_recording
        assert w.shape == (12, 12, 36, 48) and int(item["label"]) == int(jw.labels[r])
        # a window of its own recording, as it is or mirrored left-right
        starts = range(jw.frames.shape[1] - 12 + 1)
        assert any(
            torch.equal(w, jw.frames[r, s : s + 12])
            or torch.equal(w, jw.frames[r, s : s + 12].flip(-1))
            for s in starts
        )
    n = len(jw)
    mirrored = [
        any(
            torch.equal(
                jw[i % n]["acoustic"],
                jw.frames[(i % n) // jw.per_recording, s : s + 12].flip(-1),
            )
            for s in range(jw.frames.shape[1] - 11)
        )
        for i in range(8 * n)
    ]
    assert 0 < sum(mirrored) < len(mirrored)
    # the judge's data key names the augmentation; the shipped weights' name the profile
    # and seed
    assert ex.classifier_data_key("real", "smoke", 0).endswith(
        f"|augmented=random-start+mirror|draws={ex.JUDGE_DRAWS}"
    )
    assert len(ex.JudgeWindows("smoke", 0, "train", draws=3)) == 3 * jw.frames.shape[
        0
    ] * (jw.frames.shape[1] // 12)
    assert ex.judge_weights("book", 0) == "judge-book-seed0"


def test_judge_loads_shipped_weights_for_its_key_and_retrains_on_request(
    smoke, tmp_path, monkeypatch
):
    from acousticlib import training

    trained = ex.train_classifier("real", "smoke", 0, progress=False)
    ship = tmp_path / "weights" / ex.judge_weights("smoke", 0)
    ship.mkdir(parents=True)
    for name in ("model.pt", "history.json"):
        (ship / name).write_bytes((trained.path / name).read_bytes())
    key = training.model_cache_key(
        trained.spec,
        ex.judge_config("smoke", 0),
        ex.classifier_data_key("real", "smoke", 0),
    )
    assert key == trained.path.name
    (ship / "shipped.json").write_text(json.dumps({"key": key}))
    monkeypatch.setattr(training.cache, "SHIPPED_WEIGHTS", tmp_path / "weights")
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(tmp_path / "fresh-cache"))
    # loading the shipped weights must not need training data
    monkeypatch.setattr(ex.classifiers, "JudgeWindows", None)
    monkeypatch.setattr(ex.classifiers, "camera_data", lambda *a, **k: smoke.ds)
    got = ex.train_classifier("real", "smoke", 0, progress=False)
    assert got.origin == "shipped"
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            got.model.state_dict().values(),
            trained.model.state_dict().values(),
            strict=False,
        )
    )
    monkeypatch.undo()
    again = ex.train_classifier("real", "smoke", 0, progress=False, retrain=True)
    assert again.origin == "trained" and again.path != trained.path


def test_lazy_training_data_is_not_loaded_for_a_cached_model(tmp_path):
    calls = []

    def data():
        calls.append(1)
        x = torch.rand(8, 12, 12, 36, 48)
        return DictDataset(acoustic=x, label=torch.arange(8) % 2), None

    spec = model_spec("dualcamnet", "smoke", num_classes=2)
    cfg = TrainConfig(epochs=1, batch_size=4)
    a = train_cached(
        spec, data, None, cfg, data_key="toy", progress=False, root=tmp_path
    )
    b = train_cached(
        spec, data, None, cfg, data_key="toy", progress=False, root=tmp_path
    )
    assert calls == [1] and a.path == b.path
    with pytest.raises(ValueError, match="val_data must be None"):
        train_cached(
            spec,
            data,
            DictDataset(acoustic=torch.rand(2, 1), label=torch.zeros(2)),
            cfg,
            data_key="toy",
            root=tmp_path,
        )


def test_settings_are_keyword_only():
    s = ex.settings("smoke")
    assert ex.Settings(**{f: getattr(s, f) for f in s.__dataclass_fields__}) == s
    with pytest.raises(TypeError):
        ex.Settings(1, 1, 1e-3, 1, 16, 1e-3, 6, 2, 16, 1e-3)
