"""Tests of acousticlib.rendering: determinism, boxes agree with the projection,
annotators, checks."""

from __future__ import annotations

import numpy as np
import pytest
from _standin_camera import PinholeCamera

from acousticlib import rendering, scenes, sounds
from acousticlib.runtime import seeded_rng
from acousticlib.scenes import Distractor, Scene, SceneConfig, Source, sample_scene

CAM = PinholeCamera()


def test_same_scene_same_frames_other_scene_other_frames():
    sc = sample_scene(CAM, 2, SceneConfig(max_sources=2))
    a, b = rendering.render_clip(sc, CAM), rendering.render_clip(sc, CAM)
    np.testing.assert_array_equal(a.frames, b.frames)
    for fa, fb in zip(a.annotations, b.annotations, strict=False):
        for x, y in zip(fa, fb, strict=False):
            np.testing.assert_array_equal(x.annotator_boxes, y.annotator_boxes)
    c = rendering.render_clip(sample_scene(CAM, 3, SceneConfig(max_sources=2)), CAM)
    assert not np.array_equal(a.frames, c.frames)
    assert a.frames.shape == (12, 144, 192, 3) and a.frames.dtype == np.uint8


def test_render_frame_agrees_with_render_clip():
    sc = sample_scene(CAM, 4, classes=["drone"])
    clip = rendering.render_clip(sc, CAM)
    img, notes = rendering.render_frame(sc, CAM, float(clip.times[5]), frame_index=5)
    np.testing.assert_array_equal(img, clip.frames[5])
    np.testing.assert_array_equal(
        notes[0].annotator_boxes, clip.annotations[5][0].annotator_boxes
    )


def _cameras():
    cams = [PinholeCamera(), PinholeCamera(480, 640, 70.0), PinholeCamera(96, 96, 50.0)]
    try:  # the library's camera, once it exists, must satisfy the same contract
        from acousticlib.geometry import Camera

        cams.append(Camera().resized(144, 192))
    except (ImportError, AttributeError):
        pass
    return cams


@pytest.mark.parametrize(
    "cam", _cameras(), ids=lambda c: f"{type(c).__name__}{c.height}x{c.width}"
)
def test_boxes_contain_projection_stay_in_frame_and_hold_the_object(cam):
    for seed in range(12):
        sc = sample_scene(
            cam,
            seed,
            SceneConfig(
                max_sources=2, max_distractors=2, p_moving=1.0, p_background_only=0.0
            ),
        )
        clip = rendering.render_clip(sc, cam, times=[0.05, 0.95])
        bg = (rendering.render_background(sc, cam) * 255 + 0.5).astype(np.uint8)
        assert clip.frames.shape[1:] == (cam.height, cam.width, 3)
        for k, (t, notes) in enumerate(zip(clip.times, clip.annotations, strict=False)):
            assert [a.index for a in notes if a.sounding] == list(
                range(len(sc.sources))
            )
            changed = np.any(clip.frames[k] != bg, axis=-1)
            covered = np.zeros_like(changed)
            for a in notes:
                top, left, bottom, right = a.box
                assert (
                    0 <= top < bottom <= cam.height and 0 <= left < right <= cam.width
                )
                r, c = a.position
                assert top <= r <= bottom and left <= c <= right
                obj = sc.sources[a.index] if a.sounding else sc.distractors[a.index]
                p = obj.position(t) if a.sounding else np.asarray(obj.position)
                np.testing.assert_allclose(a.position, cam.project(p), atol=1e-9)
                assert a.depth == pytest.approx(p[2])
                covered[
                    int(np.floor(top)) : int(np.ceil(bottom)),
                    int(np.floor(left)) : int(np.ceil(right)),
                ] = True
                # the object is really drawn there: a good share of its box differs from
                # the background
                box_changed = changed[
                    int(top) : int(np.ceil(bottom)), int(left) : int(np.ceil(right))
                ]
                assert box_changed.mean() > 0.15, (obj, box_changed.mean())
            # nothing is drawn outside the objects' boxes
            assert not np.any(changed & ~covered)


def test_box_size_is_physical_size_times_focal_over_depth():
    sizes = (0.5, 0.3)
    for z in (1.5, 3.0):
        sc = Scene(
            sources=(Source("vacuum_cleaner", (0.1, 0.05, z), size=sizes),),
            condition="anechoic",
        )
        (a,) = rendering.render_frame(sc, CAM, 0.5)[1]
        assert a.box[2] - a.box[0] == pytest.approx(sizes[1] * CAM.fy / z)
        assert a.box[3] - a.box[1] == pytest.approx(sizes[0] * CAM.fx / z)


def test_moving_source_moves_in_the_frames():
    sc = Scene(
        sources=(
            Source(
                "traffic", (-0.6, 0.0, 4.0), velocity=(1.2, 0.0, 0.0), size=(1.6, 0.8)
            ),
        ),
        condition="noisy_outdoor",
        background="wind",
    )
    clip = rendering.render_clip(sc, CAM)
    cols = [notes[0].position[1] for notes in clip.annotations]
    assert np.all(np.diff(cols) > 0)
    assert not np.array_equal(clip.frames[0], clip.frames[-1])


def test_annotator_boxes_jitter_but_overlap():
    rng = seeded_rng(0, "test")
    ious = []
    for _ in range(300):
        top, left = rng.uniform(0, 100, 2)
        box = np.array([top, left, top + rng.uniform(5, 40), left + rng.uniform(5, 80)])
        ann = rendering.annotator_boxes(box, rng, 144, 192)
        assert ann.shape == (3, 4)
        iou = rendering.box_iou(ann, box)
        assert np.all(iou > 0.5)
        ious.extend(iou)
        assert (
            np.all(ann[:, 0::2] >= 0)
            and np.all(ann[:, 2] <= 144)
            and np.all(ann[:, 3] <= 192)
        )
    assert np.mean(ious) < 0.95  # really jittered
    assert len({round(float(i), 6) for i in ious}) > 100


def test_every_class_and_condition_renders_with_distinct_looks():
    # Mean colour of each class's object box over many instances differs between at
    # least some classes, and every class draws something.
    for cond in scenes.CONDITIONS:
        for style in (0, 1):
            sc = sample_scene(
                CAM,
                1,
                SceneConfig(style=style),
                classes=list(sounds.CLASSES),
                condition=cond,
            )
            img, notes = rendering.render_frame(sc, CAM, 0.5)
            assert len([a for a in notes if a.sounding]) >= 1
            assert img.std() > 10  # cluttered, not flat
    bgs = [
        rendering.render_background(
            sample_scene(CAM, 0, SceneConfig(style=s), condition="noisy_outdoor"), CAM
        )
        for s in (0, 1)
    ]
    # the unseen style looks different
    assert np.abs(bgs[0].mean((0, 1)) - bgs[1].mean((0, 1))).max() > 0.05


def test_background_only_scene_renders_distractors_only():
    sc = Scene(
        sources=(),
        condition="anechoic",
        distractors=(Distractor("drill", (0.0, 0.0, 1.5), (0.3, 0.25)),),
    )
    clip = rendering.render_clip(sc, CAM)
    assert all(len(n) == 1 and not n[0].sounding for n in clip.annotations)
    assert clip.source_boxes().shape == (12, 0, 4)


def test_bad_inputs_are_rejected():
    sc = sample_scene(CAM, 0)
    with pytest.raises(TypeError, match="camera"):
        rendering.render_clip(sc, object())
    with pytest.raises(TypeError, match="scene"):
        rendering.render_background("scene", CAM)
    with pytest.raises(ValueError, match="t must"):
        rendering.render_frame(sc, CAM, 5.0)
    with pytest.raises(ValueError, match="background"):
        rendering.render_frame(
            sc, CAM, 0.5, background=np.zeros((10, 10, 3), np.float32)
        )
    with pytest.raises(ValueError, match="box"):
        rendering.annotator_boxes([10, 10, 5, 20], seeded_rng(0), 144, 192)
    with pytest.raises(ValueError, match="fps"):
        rendering.render_clip(sc, CAM, fps=0)
    small = PinholeCamera(8, 8)
    with pytest.raises(ValueError, match="camera frame"):
        rendering.render_clip(sc, small)


def _one_object_frame(obj, t=0.5, background=None):
    sc = Scene(
        sources=(obj,) if isinstance(obj, Source) else (),
        condition="anechoic",
        distractors=(obj,) if isinstance(obj, Distractor) else (),
        seed=3,
    )
    return rendering.render_frame(sc, CAM, t, background=background)[0].astype(float)


@pytest.mark.parametrize("name", sounds.CLASSES)
def test_distractor_at_similarity_one_looks_exactly_like_a_source(name):
    pos, size = (0.1, 0.0, 2.0), scenes.OBJECT_SIZES[name]
    src = _one_object_frame(Source(name, pos, size=size, appearance_seed=11))
    for d in (
        Distractor(name, pos, size, 11),
        Distractor(name, pos, size, 11, similarity=1.0),
    ):
        np.testing.assert_array_equal(_one_object_frame(d), src)


@pytest.mark.parametrize("name", sounds.CLASSES)
def test_distractor_at_similarity_zero_is_a_flat_grey_silhouette(name):
    pos, size = (0.0, 0.0, 2.0), scenes.OBJECT_SIZES[name]
    bg = np.broadcast_to(
        np.array([0.1, 0.25, 0.6], np.float32), (CAM.height, CAM.width, 3)
    ).copy()
    empty = (bg * 255 + 0.5).astype(np.uint8).astype(float)
    box = scenes.clip_box(scenes.projected_box(CAM, pos, size), CAM.height, CAM.width)
    rs, cs = (
        slice(int(box[0]), int(np.ceil(box[2]))),
        slice(int(box[1]), int(np.ceil(box[3]))),
    )
    stats = {}
    for s in (1.0, 0.5, 0.0):
        img = _one_object_frame(
            Distractor(name, pos, size, 5, similarity=s), background=bg
        )
        region = img[rs, cs]
        obj = np.any(region != empty[rs, cs], axis=-1)  # the object's pixels in its box
        assert obj.mean() > 0.15
        px = region[obj]
        # texture and chroma, 0-255 units
        stats[s] = (px.std(0).mean(), (px.max(1) - px.min(1)).mean())
    # flat and grey: no texture, no colour
    assert stats[0.0][0] < 1.0 and stats[0.0][1] < 4.0
    assert stats[1.0][0] > 20.0 and stats[1.0][0] > 20 * stats[0.0][0] + 10
    assert (
        stats[0.0][0] < stats[0.5][0] < stats[1.0][0]
        and stats[0.0][1] < stats[0.5][1] < stats[1.0][1]
    )


def test_distractor_similarity_changes_distractors_only():
    import dataclasses

    cfg = SceneConfig(
        max_sources=2,
        max_distractors=3,
        p_background_only=0.0,
        distractor_similarity=0.0,
    )
    seen = 0
    for seed in range(6):
        flat = sample_scene(CAM, seed, cfg)
        full = dataclasses.replace(
            flat,
            distractors=tuple(
                dataclasses.replace(d, similarity=1.0) for d in flat.distractors
            ),
        )
        a, notes = rendering.render_frame(flat, CAM, 0.5)
        b, _ = rendering.render_frame(full, CAM, 0.5)
        outside = np.ones(a.shape[:2], bool)
        for n in notes:
            if not n.sounding:
                t, left, bt, r = n.box
                outside[int(t) : int(np.ceil(bt)), int(left) : int(np.ceil(r))] = False
        # sources and background untouched
        np.testing.assert_array_equal(a[outside], b[outside])
        seen += len(flat.distractors) > 0 and not np.array_equal(a, b)
    assert seen > 0
