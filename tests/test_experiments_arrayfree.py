"""Chapter 13's array-free domain and its classifiers, on the smoke profile."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from acousticlib import datasets
from acousticlib import experiments as ex
from acousticlib.experiments import arrayfree as af

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def smoke(smoke_cache):
    mp = pytest.MonkeyPatch()
    mp.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
    yield af.arrayfree_data("smoke", 0, progress=False)
    mp.undo()


def test_the_domain_is_a_new_world_in_dusk_light_with_its_own_splits():
    camera = datasets.dataset_config("smoke", seed=0)
    free = ex.arrayfree_config("smoke", 0)
    assert free.seed == camera.seed + af.ARRAYFREE_SEED_OFFSET
    assert free.style == 1 and free.unseen_locations == 0
    assert free.background_per_location == 0
    plan = datasets.plan_recordings(free)
    assert {p["style"] for p in plan} == {1}
    assert {p["split"] for p in plan} == {0, 1, 2}
    # the style field leaves the keys of daylight datasets as they were
    assert "style" not in datasets._config_dict(camera)
    assert datasets.dataset_cache_key(free) != datasets.dataset_cache_key(camera)
    book = ex.arrayfree_config("book", 0)
    assert (
        datasets.split_sizes(book, "train")["sound_clips"]
        + datasets.split_sizes(book, "val")["sound_clips"]
        + datasets.split_sizes(book, "test")["sound_clips"]
        >= 300
    )
    with pytest.raises(ValueError, match="style must be 0"):
        datasets.dataset_config("smoke", style=2)


def test_windows_audio_and_frame_features_line_up_clip_by_clip(smoke):
    labels = ex.arrayfree_labels("test", "smoke", 0)
    real, y = ex.arrayfree_windows("real", "test", "smoke", 0)
    tiled, y2 = ex.arrayfree_windows("tiled", "test", "smoke", 0)
    gen, y3 = ex.arrayfree_windows("mcgan", "test", "smoke", 0)
    assert real.shape == tiled.shape == gen.shape == (len(labels), 12, 12, 36, 48)
    assert (
        torch.equal(y, labels) and torch.equal(y2, labels) and torch.equal(y3, labels)
    )
    assert real.dtype == gen.dtype == torch.float16
    assert float(real.amin()) >= 0 and float(real.amax()) <= 1
    # the same windows again (kept), and a copy the caller may change
    again, _ = ex.arrayfree_windows("mcgan", "test", "smoke", 0)
    assert torch.equal(again, gen)
    again.zero_()
    assert not torch.equal(ex.arrayfree_windows("mcgan", "test", "smoke", 0)[0], again)
    audio, _ = ex.arrayfree_audio("test", "smoke", 0)
    rows = af._rows(smoke, "test")
    np.testing.assert_array_equal(
        audio[1].numpy(), smoke.read("audio", rows[1]).reshape(-1)
    )
    frames, _ = ex.arrayfree_frame_features("test", "smoke", 0)
    feats = ex.arrayfree_features("test", "camera", "smoke", 0, progress=False)
    assert feats.shape[0] == rows.size
    np.testing.assert_allclose(
        frames[1].numpy(),
        np.asarray(feats[12:24], np.float32).mean(axis=(0, 2, 3)),
        rtol=1e-5,
    )
    # the split's features are the whole dataset's rows, computed for the split alone
    whole = ex.dataset_trunk_features(
        smoke, *ex.arrayfree_backbone("camera", "smoke", 0, progress=False)
    )
    np.testing.assert_array_equal(
        np.asarray(feats), np.asarray(whole[rows.reshape(-1)])
    )
    with pytest.raises(ValueError, match="source"):
        ex.arrayfree_windows("vggish", "test", "smoke", 0)
    with pytest.raises(ValueError, match="split"):
        ex.arrayfree_windows("real", "unseen", "smoke", 0)


@pytest.mark.parametrize("trunk", ["class", "triplet"])
def test_the_swapped_trunks_are_fine_tuned_from_chapter_07s(smoke, trunk):
    camera, source = ex.arrayfree_backbone("camera", "smoke", 0, progress=False)
    tuned, tuned_source = ex.arrayfree_backbone(trunk, "smoke", 0, progress=False)
    prefix = {"class": "finetuned/", "triplet": "correspondence/"}[trunk]
    assert source.startswith("pretrained/") and tuned_source.startswith(prefix)
    diff = [
        float((a - b).abs().max())
        for a, b in zip(
            camera.trunk.state_dict().values(),
            tuned.trunk.state_dict().values(),
            strict=True,
        )
        if a.is_floating_point()
    ]
    # fine-tuned, not trained from scratch: close to the start, but moved
    assert max(diff) > 0 and np.median(diff) < 0.05
    swapped, _ = ex.arrayfree_windows(f"mcgan_{trunk}", "test", "smoke", 0)
    plain, _ = ex.arrayfree_windows("mcgan", "test", "smoke", 0)
    assert swapped.shape == plain.shape and not torch.equal(swapped, plain)


@pytest.mark.parametrize("name", ["tiled", "spectrogram", "video"])
def test_classifiers_train_cache_and_score(smoke, name):
    trained = ex.train_arrayfree_classifier(name, "smoke", 0, progress=False)
    again = ex.train_arrayfree_classifier(name, "smoke", 0, progress=False)
    assert again.path == trained.path and trained.origin == "trained"
    other = ex.train_arrayfree_classifier(
        name, "smoke", 0, train_seed=1, progress=False
    )
    assert other.path != trained.path
    scores = ex.arrayfree_scores(name, "smoke", 0)
    n = len(ex.arrayfree_labels("test", "smoke", 0))
    assert scores["confusion"].sum() == n and scores["predictions"].shape == (n,)
    assert scores["accuracy"] == pytest.approx(np.trace(scores["confusion"]) / n)


def test_mirrored_windows_flip_half_the_draws():
    x = torch.arange(2 * 12 * 12 * 36 * 48, dtype=torch.float32).reshape(
        2, 12, 12, 36, 48
    )
    data = ex.MirroredWindows(x, torch.tensor([3, 4]))
    torch.manual_seed(0)
    draws = [data[0]["acoustic"] for _ in range(40)]
    flipped = sum(torch.equal(d, x[0].flip(-1)) for d in draws)
    same = sum(torch.equal(d, x[0]) for d in draws)
    assert flipped + same == 40 and 8 < flipped < 32
    assert int(data[1]["label"]) == 4
    with pytest.raises(ValueError, match="as many"):
        ex.MirroredWindows(x, torch.tensor([1]))


def test_weights_names_and_bad_arguments():
    assert ex.arrayfree_weights("mcgan", "book", 0) == "ch13-mcgan-book-seed0-train0"
    assert ex.arrayfree_weights("video", "book", 0, 2) == "ch13-video-book-seed0-train2"
    with pytest.raises(ValueError, match="name"):
        ex.train_arrayfree_classifier("resnet", "smoke", 0)
    with pytest.raises(TypeError, match="retrain"):
        ex.train_arrayfree_classifier("tiled", "smoke", 0, retrain="yes")
