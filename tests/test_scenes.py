"""Tests of acousticlib.scenes: sampling inside the field of view, rooms, signals, input checks."""

from __future__ import annotations

import numpy as np
import pytest
from _standin_camera import PinholeCamera

from acousticlib import scenes, sounds
from acousticlib.scenes import SceneConfig, Source, sample_scene

CAM = PinholeCamera()


def _inside_frame(box, cam):
    return box[..., 0] >= -1e-9 and box[..., 1] >= -1e-9 and box[..., 2] <= cam.height + 1e-9 and box[..., 3] <= cam.width + 1e-9


def test_same_seed_same_scene_other_seed_other_scene():
    cfg = SceneConfig(max_sources=3)
    assert sample_scene(CAM, 5, cfg) == sample_scene(CAM, 5, cfg)
    assert sample_scene(CAM, 5, cfg) != sample_scene(CAM, 6, cfg)


@pytest.mark.parametrize("seed", range(40))
def test_sources_stay_in_view_and_depth_for_the_whole_scene(seed):
    cfg = SceneConfig(max_sources=3, p_moving=0.8, max_speed=1.5, duration=1.0)
    sc = sample_scene(CAM, seed, cfg)
    for s in sc.sources:
        assert 1.0 <= s.start[2] <= 5.0
        for t in np.linspace(0.0, sc.duration, 5):
            p = s.position(t)
            assert 1.0 - 1e-9 <= p[2] <= 5.0 + 1e-9
            box = scenes.projected_box(CAM, p, s.size)
            assert _inside_frame(box, CAM), (s, t, box)
        if s.moving:
            assert sounds.SPECS[s.class_name].moves
            assert np.linalg.norm(s.velocity) <= cfg.max_speed + 1e-9
    for d in sc.distractors:
        assert _inside_frame(scenes.projected_box(CAM, d.position, d.size), CAM)


def test_conditions_rooms_and_backgrounds():
    seen = set()
    for seed in range(30):
        sc = sample_scene(CAM, seed, SceneConfig(max_sources=2))
        seen.add(sc.condition)
        if sc.condition == "reverberant":
            room = sc.room
            assert room is not None and room.rt60 > 0
            pts = [room.to_room(np.zeros(3))]
            pts += [room.to_room(s.position(t)) for s in sc.sources for t in (0.0, sc.duration)]
            pts += [room.to_room(d.position) for d in sc.distractors]
            for p in pts:  # array and every object inside the room
                assert np.all(p > 0) and np.all(p < np.asarray(room.size))
        else:
            assert sc.room is None
        assert sc.background in sounds.BACKGROUNDS
    assert seen == set(scenes.CONDITIONS)
    # noisier conditions have louder backgrounds
    lv = {c: np.mean([sample_scene(CAM, i, condition=c).background_level_db for i in range(10)]) for c in scenes.CONDITIONS}
    assert lv["anechoic"] < lv["reverberant"] < lv["noisy_outdoor"]


def test_forced_classes_background_only_and_distractors():
    sc = sample_scene(CAM, 1, classes=["razor", "train"])
    assert [s.class_name for s in sc.sources] == ["razor", "train"] and sc.labels == (7, 3)
    bg = sample_scene(CAM, 1, background_only=True)
    assert bg.background_only and bg.sources == ()
    shares = [sample_scene(CAM, i, SceneConfig(p_background_only=0.5)).background_only for i in range(100)]
    assert 0.3 < np.mean(shares) < 0.7
    assert any(len(sample_scene(CAM, i, SceneConfig(max_distractors=2)).distractors) > 0 for i in range(10))
    assert all(len(sample_scene(CAM, i, SceneConfig(max_distractors=0)).distractors) == 0 for i in range(10))


def test_box_scales_with_focal_length_over_depth():
    size = (0.4, 0.2)
    b1 = scenes.projected_box(CAM, (0.1, 0.0, 1.0), size)
    b2 = scenes.projected_box(CAM, (0.2, 0.0, 2.0), size)
    np.testing.assert_allclose(b1[2] - b1[0], size[1] * CAM.fy / 1.0)
    np.testing.assert_allclose(b1[3] - b1[1], 2 * (b2[3] - b2[1]))
    np.testing.assert_allclose(b1[[0, 2]].mean(), CAM.project((0.1, 0.0, 1.0))[0])


def test_box_iou_properties():
    a = np.array([0.0, 0.0, 10.0, 10.0])
    assert scenes.box_iou(a, a) == pytest.approx(1.0)
    assert scenes.box_iou(a, a + 20) == 0.0
    assert scenes.box_iou(a, np.array([0.0, 0.0, 10.0, 5.0])) == pytest.approx(0.5)


def test_source_signals_follow_levels():
    sc = sample_scene(CAM, 3, SceneConfig(max_sources=3), classes=["drill", "boat"])
    sig = scenes.source_signals(sc, 12288)
    assert sig.shape == (2, 12288) and sig.dtype == np.float32
    for x, s in zip(sig, sc.sources):
        assert np.max(np.abs(x)) == pytest.approx(0.9 * 10 ** (s.level_db / 20), rel=1e-4)
    np.testing.assert_array_equal(sig, scenes.source_signals(sc, 12288))
    b0, b1 = scenes.background_signal(sc, 12288, 0), scenes.background_signal(sc, 12288, 1)
    assert b0.shape == (12288,) and not np.allclose(b0, b1)
    assert scenes.source_signals(sample_scene(CAM, 3, background_only=True)).shape == (0, 12288)


def test_frame_times_are_frame_centres():
    t = scenes.frame_times(1.0, 12)
    assert t.shape == (12,)
    np.testing.assert_allclose(np.diff(t), 1 / 12)
    np.testing.assert_allclose(t[0], 1 / 24)


def test_bad_inputs_are_rejected():
    with pytest.raises(TypeError, match="camera"):
        sample_scene(object(), 0)
    with pytest.raises(ValueError, match="condition"):
        sample_scene(CAM, 0, condition="underwater")
    with pytest.raises(ValueError, match="classes"):
        sample_scene(CAM, 0, classes=["cat"])
    with pytest.raises(TypeError, match="classes"):
        sample_scene(CAM, 0, classes="drone")
    with pytest.raises(ValueError, match="max_sources"):
        SceneConfig(max_sources=0)
    with pytest.raises(ValueError, match="depth"):
        SceneConfig(depth=(3.0, 2.0))
    with pytest.raises(ValueError, match="p_background_only"):
        SceneConfig(p_background_only=1.5)
    with pytest.raises(ValueError, match="start"):
        Source("drone", (0.0, 0.0, -1.0))
    with pytest.raises(ValueError, match="start"):
        Source("drone", (0.0, np.nan, 1.0))
    with pytest.raises(ValueError, match="class_name"):
        Source("cat", (0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="room"):
        scenes.Scene(sources=(), condition="reverberant")
    with pytest.raises(ValueError, match="position"):
        scenes.projected_box(CAM, (0.0, 0.0, 0.0), (1.0, 1.0))


def test_forced_classes_never_give_a_background_only_scene():
    from acousticlib.geometry import Camera
    from acousticlib.scenes import SceneConfig, sample_scene

    cam = Camera().resized(144, 192)
    cfg = SceneConfig(p_background_only=0.9)
    scenes_drawn = [sample_scene(cam, seed, cfg, classes=["drill"]) for seed in range(20)]
    assert all(not sc.background_only and sc.labels == (sc.sources[0].label,) for sc in scenes_drawn)
    assert sample_scene(cam, 0, cfg, classes=[]).background_only
