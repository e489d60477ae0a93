"""Tests of acousticlib.scenes: sampling inside the field of view, rooms, signals,
input checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _standin_camera import PinholeCamera

from acousticlib import scenes, sounds
from acousticlib.scenes import SceneConfig, Source, sample_scene

CAM = PinholeCamera()


def _inside_frame(box, cam):
    return (
        box[..., 0] >= -1e-9
        and box[..., 1] >= -1e-9
        and box[..., 2] <= cam.height + 1e-9
        and box[..., 3] <= cam.width + 1e-9
    )


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
            pts += [
                room.to_room(s.position(t))
                for s in sc.sources
                for t in (0.0, sc.duration)
            ]
            pts += [room.to_room(d.position) for d in sc.distractors]
            for p in pts:  # array and every object inside the room
                assert np.all(p > 0) and np.all(p < np.asarray(room.size))
        else:
            assert sc.room is None
        assert sc.background in sounds.BACKGROUNDS
    assert seen == set(scenes.CONDITIONS)
    # noisier conditions have lower SNRs at the microphone, each inside its documented
    # range
    snr = {
        c: [sample_scene(CAM, i, condition=c).snr_db for i in range(10)]
        for c in scenes.CONDITIONS
    }
    for c, v in snr.items():
        lo, hi = scenes.SNR_DB[c]
        assert all(lo <= x <= hi for x in v), c
    assert (
        np.mean(snr["anechoic"])
        > np.mean(snr["reverberant"])
        > np.mean(snr["noisy_outdoor"])
    )


def test_calibrated_background_gives_the_snr_at_the_microphone():
    sc = sample_scene(CAM, 4, classes=["drone"], condition="noisy_outdoor")
    for power in (1e-5, 3e-4):
        cal = scenes.calibrated(sc, power)
        bg = scenes.background_signal(cal).astype(np.float64)
        np.testing.assert_allclose(
            10 * np.log10(power / np.mean(bg**2)), sc.snr_db, atol=1e-3
        )
    fixed = dataclasses.replace(sc, snr_db=None, background_level_db=-20.0)
    assert scenes.calibrated(fixed, 1e-5) is fixed  # no SNR: the level stays as given
    with pytest.raises(ValueError, match="source_power"):
        scenes.calibrated(sc, 0.0)
    with pytest.raises(ValueError, match="snr_db"):
        dataclasses.replace(sc, snr_db=200.0)


def test_reference_source_power_is_the_median_source_at_the_microphone():
    # a background-only scene's level refers to REFERENCE_SOURCE_POWER_DB: keep it the
    # median broadband power of one source at the mono microphone (the dataset's),
    # within 2 dB
    from acousticlib import datasets, geometry

    mic = np.asarray(geometry.optimized_aperiodic_array())[
        [datasets.dataset_config("book").mic]
    ]
    cam = geometry.Camera().resized(144, 192)
    powers = []
    for i in range(60):
        sc = sample_scene(cam, i, SceneConfig(p_background_only=0.0))
        src, _ = datasets.propagate_parts(sc, mic)
        powers.append(10 * np.log10(np.mean(src[0] ** 2)))
    assert abs(np.median(powers) - scenes.REFERENCE_SOURCE_POWER_DB) < 2.0


def test_forced_classes_background_only_and_distractors():
    sc = sample_scene(CAM, 1, classes=["razor", "train"])
    assert [s.class_name for s in sc.sources] == ["razor", "train"] and sc.labels == (
        7,
        3,
    )
    bg = sample_scene(CAM, 1, background_only=True)
    assert bg.background_only and bg.sources == ()
    shares = [
        sample_scene(CAM, i, SceneConfig(p_background_only=0.5)).background_only
        for i in range(100)
    ]
    assert 0.3 < np.mean(shares) < 0.7
    assert any(
        len(sample_scene(CAM, i, SceneConfig(max_distractors=2)).distractors) > 0
        for i in range(10)
    )
    assert all(
        len(sample_scene(CAM, i, SceneConfig(max_distractors=0)).distractors) == 0
        for i in range(10)
    )


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
    for x, s in zip(sig, sc.sources, strict=False):
        assert np.max(np.abs(x)) == pytest.approx(
            0.9 * 10 ** (s.level_db / 20), rel=1e-4
        )
    np.testing.assert_array_equal(sig, scenes.source_signals(sc, 12288))
    b0, b1 = (
        scenes.background_signal(sc, 12288, 0),
        scenes.background_signal(sc, 12288, 1),
    )
    assert b0.shape == (12288,) and not np.allclose(b0, b1)
    assert scenes.source_signals(sample_scene(CAM, 3, background_only=True)).shape == (
        0,
        12288,
    )


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
    scenes_drawn = [
        sample_scene(cam, seed, cfg, classes=["drill"]) for seed in range(20)
    ]
    assert all(
        not sc.background_only and sc.labels == (sc.sources[0].label,)
        for sc in scenes_drawn
    )
    assert sample_scene(cam, 0, cfg, classes=[]).background_only


def test_distractor_similarity_is_validated():
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="distractor_similarity"):
            SceneConfig(distractor_similarity=bad)
    with pytest.raises(TypeError, match="distractor_similarity"):
        SceneConfig(distractor_similarity=float("nan"))
    with pytest.raises(ValueError, match="similarity"):
        scenes.Distractor("drill", (0.0, 0.0, 1.5), similarity=2.0)
    assert scenes.Distractor("drill", (0.0, 0.0, 1.5)).similarity == 1.0


def test_distractor_similarity_sets_look_alike_classes_without_moving_the_draws():
    cfg = SceneConfig(max_sources=2, max_distractors=3, p_background_only=0.0)
    n = {1.0: [0, 0], 0.0: [0, 0]}
    for seed in range(60):
        by_s = {
            s: sample_scene(
                CAM, seed, dataclasses.replace(cfg, distractor_similarity=s)
            )
            for s in (1.0, 0.5, 0.0)
        }
        ref = by_s[1.0]
        # the scene's own draws do not depend on the similarity
        for s, sc in by_s.items():
            assert sc.sources == ref.sources and len(sc.distractors) == len(
                ref.distractors
            )
            assert (sc.seed, sc.background_seed, sc.snr_db) == (
                ref.seed,
                ref.background_seed,
                ref.snr_db,
            )
            assert [d.appearance_seed for d in sc.distractors] == [
                d.appearance_seed for d in ref.distractors
            ]
            assert all(d.similarity == s for d in sc.distractors)
        for s in n:
            sounding = {x.class_name for x in by_s[s].sources}
            n[s][0] += sum(d.class_name in sounding for d in by_s[s].distractors)
            n[s][1] += len(by_s[s].distractors)
    # similarity 1: every distractor copies a sounding class
    assert n[1.0][1] > 30 and n[1.0][0] == n[1.0][1]
    # similarity 0: random classes (2 of 10 sounding)
    assert n[0.0][0] / n[0.0][1] < 0.4
    bg = [
        sample_scene(CAM, i, SceneConfig(max_distractors=3), background_only=True)
        for i in range(10)
    ]
    # background-only scenes still get (random) distractors
    assert sum(len(b.distractors) for b in bg) > 0
