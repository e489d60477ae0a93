"""Chapter 15's comparison on the smoke dataset: the frames scored, every localizer's
maps (shapes, caching, training seeds) and their scores."""

import numpy as np
import pytest
import torch

from acousticlib import experiments as ex
from acousticlib import metrics
from acousticlib.experiments import localizers as lz
from acousticlib.geometry import Camera

torch.set_num_threads(1)


@pytest.fixture()
def smoke(smoke_cache, monkeypatch):
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(smoke_cache))
    return ex.camera_data("smoke", 0, progress=False)


def test_the_scored_frames_are_the_middle_frames_of_sounding_clips(smoke):
    rows = lz.localization_rows(smoke, "test")
    assert rows.size and np.all(smoke.index["frame"][rows] == ex.ATTENTION_FRAME)
    assert np.all(smoke.index["background"][rows] == 0)
    clips = smoke.index["clip"][smoke.frames_of("test", include_background=False)]
    assert rows.size == np.unique(clips).size  # one frame per sounding clip
    with pytest.raises(ValueError, match="split"):
        lz.localization_rows(smoke, "dev")


def test_maps_have_the_grid_of_their_localizer(smoke):
    n = lz.localization_rows(smoke, "test").size
    for name, shape in [
        ("whole_image", (36, 48)),
        ("centre_prior", (36, 48)),
        ("real_energy", (36, 48)),
        ("visual_only", (12, 16)),
    ]:
        maps = lz.localizer_maps(name, "smoke", 0, "test")
        assert maps.shape == (n, *shape) and maps.dtype == np.float64, name
        assert np.all(np.isfinite(maps)), name
    with pytest.raises(ValueError, match="name"):
        lz.localizer_maps("music", "smoke", 0)
    with pytest.raises(ValueError, match="condition applies to the generators"):
        lz.localizer_maps("whole_image", "smoke", 0, condition="video only")


def test_attention_maps_follow_the_training_seed(smoke):
    a0 = lz.localizer_maps("attention", "smoke", 0, "test", train_seed=0)
    again = lz.localizer_maps("attention", "smoke", 0, "test", train_seed=0)
    a1 = lz.localizer_maps("attention", "smoke", 0, "test", train_seed=1)
    np.testing.assert_array_equal(a0, again)
    assert a0.shape == a1.shape and not np.allclose(a0, a1)
    ogl = lz.localizer_maps("attention_ogl", "smoke", 0, "test")
    assert ogl.shape == a0.shape and ogl.min() >= 0 and ogl.max() <= 1
    # train_seed None is the dataset's seed: the same model as train_seed 0 here
    model = ex.train_attention_localizer("smoke", 0, progress=False)
    assert (
        model.path
        == ex.train_attention_localizer("smoke", 0, train_seed=0, progress=False).path
    )
    with pytest.raises(ValueError, match="train_seed"):
        ex.train_attention_localizer("smoke", 0, train_seed=-1, progress=False)


def test_srp_phat_maps_are_cached_and_equal_a_direct_computation(smoke):
    rows = lz.localization_rows(smoke, "test")
    maps = lz.localizer_maps("srp_phat", "smoke", 0, "test")
    assert maps.shape == (rows.size, 36, 48)
    direct = ex.srp_phat_frames(smoke, rows[:2])
    np.testing.assert_allclose(maps[:2], direct, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(lz.localizer_maps("srp_phat", "smoke", 0), maps)
    music = lz.localizer_maps("normmusic", "smoke", 0, "test")
    assert music.shape == (rows.size, 9, 12) and np.all(music > 0)
    np.testing.assert_array_equal(lz.localizer_maps("normmusic", "smoke", 0), music)


def test_scores_of_the_box_itself_and_of_the_whole_image(smoke):
    rows = lz.localization_rows(smoke, "test")
    box = ex.localization_truth(smoke, rows, "grid")["box"]
    perfect = lz.localization_scores(box, smoke, rows)
    whole = lz.localization_scores(
        lz.localizer_maps("whole_image", "smoke"), smoke, rows
    )
    assert perfect["pointing"] == 1.0
    assert perfect["silent"] == 0.0  # the box's cells never count as a silent object
    # a map that peaks on a silent object only, on frames that have one
    many = smoke.frames_of(None, include_background=False)[::7]
    config = smoke.config
    centres = Camera().resized(config.height, config.width).grid_pixel_centres()
    many_box = ex.localization_truth(smoke, many, "grid")["box"]
    on_object = metrics.box_mask(ex.silent_boxes(smoke, many), centres) * (
        many_box == 0
    )
    has = on_object.reshape(len(many), -1).any(axis=1)
    assert has.any()
    fooled = lz.localization_scores(on_object[has], smoke, many[has])
    np.testing.assert_array_equal(fooled["silent_frames"], 1.0)
    np.testing.assert_array_equal(fooled["pointing_frames"], 0.0)
    # a constant map's tied maxima: the expected hit is the box's share of the grid
    np.testing.assert_allclose(whole["pointing_frames"], box.mean(axis=(1, 2)))
    assert perfect["authors"]["mean"] > whole["authors"]["mean"]
    # the LVS family's median binarization keeps at least half of the frame: a box
    # mask (mostly zeros, its median-ranked value 0, kept with >=) becomes the whole
    # frame, the pitfall chapter 15 explains
    np.testing.assert_allclose(perfect["lvs"]["ciou"], whole["lvs"]["ciou"])
    for convention in ("authors", "lvs"):
        assert perfect[convention]["ciou"].shape == (rows.size,)
        assert set(perfect[convention]) == {"ciou@0.5", "mean", "auc", "ciou"}
    with pytest.raises(ValueError, match="one map per row"):
        lz.localization_scores(box[:1], smoke, rows)


def test_silent_boxes_are_the_rendered_distractors(smoke):
    from acousticlib import rendering, scenes
    from acousticlib.datasets.config import plan_recordings
    from acousticlib.datasets.propagation import _scene_for

    rows = smoke.frames_of(None, include_background=False)[::7]
    boxes = ex.silent_boxes(smoke, rows)
    assert boxes.shape == (rows.size, smoke.config.max_distractors, 4)
    cam = Camera().resized(smoke.config.height, smoke.config.width)
    plan = plan_recordings(smoke.config)
    recording = smoke.index["recording"]
    times = scenes.frame_times(float(smoke.config.recording_seconds), 12)
    seen = 0
    for i, row in enumerate(rows):
        rec = int(recording[row])
        k = int(row - np.flatnonzero(recording == rec)[0])
        scene = _scene_for(plan[rec], smoke.config, cam)
        _, notes = rendering.render_frame(scene, cam, float(times[k]))
        silent = [a.box for a in notes if not a.sounding]
        mine = boxes[i][np.isfinite(boxes[i][:, 0])]
        np.testing.assert_allclose(mine, np.reshape(silent, (-1, 4)), atol=1e-6)
        seen += len(silent)
    assert seen > 0  # the smoke scenes hold silent objects
    with pytest.raises(ValueError, match="rows"):
        ex.silent_boxes(smoke, [])
