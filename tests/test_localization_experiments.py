"""Chapter 15's experiments on the smoke dataset: the ground truth of every frame, the
clips' audio, the attention localizer's samples, its cached training and heat maps."""

import numpy as np
import pytest
import torch

from acousticlib import experiments as ex
from acousticlib.experiments import localization as loc

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def smoke(smoke_cache):
    mp = pytest.MonkeyPatch()
    mp.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
    yield ex.camera_data("smoke", 0, progress=False)
    mp.undo()


def _votes_by_hand(annotators, h, w, cell_h, cell_w):
    # count, cell by cell, the annotators with a box holding the cell's centre
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            r, c = (i + 0.5) * cell_h, (j + 0.5) * cell_w
            votes = 0
            for a in range(annotators.shape[1]):
                boxes = annotators[:, a]
                votes += any(
                    t <= r < b and le <= c < ri
                    for t, le, b, ri in boxes
                    if not np.isnan(t)
                )
            out[i, j] = min(votes / 2, 1.0)
    return out


def test_localization_truth_on_the_grid_and_the_frame(smoke):
    rows = smoke.frames_of("test", include_background=False)[:3]
    h, w = smoke.config.height, smoke.config.width
    grid = loc.localization_truth(smoke, rows, "grid")
    frame = loc.localization_truth(smoke, rows, "frame")
    assert grid["box"].shape == grid["consensus"].shape == (3, 36, 48)
    assert frame["box"].shape == frame["consensus"].shape == (3, h, w)
    ann = smoke.read("annotators", rows[:1])[0]
    np.testing.assert_array_equal(
        grid["consensus"][0], _votes_by_hand(ann, 36, 48, h / 36, w / 48)
    )
    top, left, bottom, right = smoke.read("boxes", rows[:1])[0, 0]
    rr, cc = np.mgrid[0:h, 0:w] + 0.5
    expected = (rr >= top) & (rr < bottom) & (cc >= left) & (cc < right)
    np.testing.assert_array_equal(frame["box"][0], expected)
    assert frame["consensus"].max(axis=(1, 2)).min() == 1.0  # every frame has a source
    with pytest.raises(ValueError, match="resolution"):
        loc.localization_truth(smoke, rows, "pixels")
    with pytest.raises(ValueError, match="rows"):
        loc.localization_truth(smoke, [len(smoke)])


def test_clip_audio_is_the_clips_twelve_frames(smoke):
    rows = smoke.frames_of("train", include_background=False)
    clip = smoke.index["clip"]
    first = rows[0]
    same = np.flatnonzero(clip == clip[first])
    assert same.size == 12
    expected = smoke.read("audio", same).reshape(-1)
    got = loc.clip_audio(smoke, same)
    assert got.shape == (12, 12 * 1024)
    for k in range(12):  # every frame of a clip hears the same second
        np.testing.assert_array_equal(got[k], expected)
    with pytest.raises(ValueError, match="rows"):
        loc.clip_audio(smoke, [])


def test_attention_clips_take_the_middle_frame_of_each_sounding_clip(smoke):
    feats = ex.trunk_features("smoke", 0, progress=False)
    data, rows = loc.attention_clips(smoke, feats, "train")
    assert np.all(smoke.index["frame"][rows] == loc.ATTENTION_FRAME)
    assert np.all(smoke.index["background"][rows] == 0)
    sounding = smoke.frames_of("train", include_background=False)
    assert len(rows) == len(np.unique(smoke.index["clip"][sounding]))
    sample = data[0]
    assert sample["audio"].shape == (12288,)
    assert sample["visual"].shape == tuple(feats.shape[1:])
    np.testing.assert_array_equal(
        sample["visual"].numpy(), np.asarray(feats[rows[0]], np.float32)
    )


def test_attention_localizer_trains_once_and_maps_frames(smoke, smoke_cache):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
        first = loc.train_attention_localizer("smoke", 0, progress=False, epochs=1)
        again = loc.train_attention_localizer("smoke", 0, progress=False, epochs=1)
        grouped = loc.train_attention_localizer(
            "smoke", 0, progress=False, epochs=1, group=2
        )
        with pytest.raises(TypeError, match="overrides"):
            loc.train_attention_localizer("smoke", 0, progress=False, epoch=1)
        feats = ex.trunk_features("smoke", 0, progress=False)
    assert again.path == first.path and len(first.history) == 1
    assert grouped.path != first.path and grouped.spec["group"] == 2
    for p, q in zip(first.model.parameters(), again.model.parameters(), strict=True):
        assert torch.equal(p, q)
    rows = smoke.frames_of("test", include_background=False)[:5]
    maps = loc.attention_maps(first.model, smoke, feats, rows, batch_size=2)
    assert maps.shape == (5, 12, 16) and np.abs(maps).max() <= 1.0 + 1e-5
    direct = first.model.heat_map(
        torch.from_numpy(loc.clip_audio(smoke, rows)),
        torch.from_numpy(np.asarray(feats[rows], np.float32)),
    )
    np.testing.assert_allclose(maps, direct.numpy(), rtol=1e-5, atol=1e-6)


def test_grouped_attention_clips_hold_clips_of_one_location(smoke):
    feats = ex.trunk_features("smoke", 0, progress=False)
    data, rows = loc.attention_clips(smoke, feats, "train", group=2)
    assert rows.ndim == 2 and rows.shape[1] == 2
    location = smoke.index["location"][rows]
    assert np.all(location[:, 0] == location[:, 1])
    assert len(np.unique(rows)) == rows.size  # no clip twice
    sample = data[0]
    assert sample["audio"].shape == (2, 12288)
    np.testing.assert_array_equal(
        sample["visual"][1].numpy(), np.asarray(feats[rows[0, 1]], np.float32)
    )
    np.testing.assert_array_equal(
        sample["audio"][1].numpy(), loc.clip_audio(smoke, rows[0, 1:])[0]
    )
    with pytest.raises(ValueError, match="group"):
        loc.attention_clips(smoke, feats, "train", group=10_000)


def test_array_signals_are_the_recording_again_and_feed_srp_phat(smoke):
    rows = smoke.frames_of("test", include_background=False)
    rec = int(smoke.index["recording"][rows[0]])
    x = loc.array_signals(smoke, rec)
    assert x.shape[0] == 128
    stored = smoke.read("recording_audio", [rec])[0]
    np.testing.assert_allclose(
        x[smoke.config.mic], stored, rtol=0, atol=1e-6 * np.abs(stored).max()
    )
    first = int(np.flatnonzero(smoke.index["recording"] == rec)[0])
    picked = np.array([first + 2, first])  # out of order on purpose
    maps = loc.srp_phat_frames(smoke, picked)
    assert maps.shape == (2, 36, 48)
    from acousticlib.geometry import Camera, optimized_aperiodic_array
    from acousticlib.localization import srp_phat_maps

    grid = Camera().resized(smoke.config.height, smoke.config.width).focus_grid()
    direct = srp_phat_maps(
        x[:, 2048:3072], 12288, np.asarray(optimized_aperiodic_array()), grid
    )
    np.testing.assert_allclose(maps[0], direct[0], rtol=1e-6)
    with pytest.raises(ValueError, match="recording"):
        loc.array_signals(smoke, 10_000)
    with pytest.raises(ValueError, match="rows"):
        loc.srp_phat_frames(smoke, [])
