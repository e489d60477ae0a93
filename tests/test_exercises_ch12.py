"""Chapter 12's exercise checkers accept right answers, name common mistakes and reject
bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from acousticlib import exercises, metrics, triplet

A = [3.0, 4.0, 0.0]
P = [4.0, 3.0, 0.0]
N = [0.0, 1.0, 1.0]


def test_triplet_loss_checker_by_hand():
    # unit vectors: a = (.6, .8, 0), p = (.8, .6, 0), n = (0, .707, .707)
    # |a - p|^2 = 2 - 2 * 0.96 = 0.08; |a - n|^2 = 2 - 2 * 0.8 / sqrt(2) = 0.8686
    right = max(0.0, 0.08 - (2 - 1.6 / np.sqrt(2)) + 0.2)
    assert right == 0.0
    assert exercises.check("12.1", 0.0, anchor=A, positive=P, negative=N)
    # a harder negative makes the loss positive; the library agrees with the checker
    hard = [4.0, 3.5, 0.0]
    lib = float(
        triplet.triplet_loss(
            torch.tensor([A]), torch.tensor([P]), torch.tensor([hard]), 0.2
        )
    )
    assert lib > 0
    assert exercises.check("12.1", lib, anchor=A, positive=P, negative=hard)


def test_triplet_loss_checker_names_mistakes():
    hard = [4.0, 3.5, 0.0]
    a, p, n = (np.asarray(v) / np.linalg.norm(v) for v in (A, P, hard))
    d_ap, d_an = np.sum((a - p) ** 2), np.sum((a - n) ** 2)
    wrong = exercises.check(
        "12.1", d_ap - d_an + 1.0, anchor=A, positive=P, negative=hard
    )
    assert not wrong and "margin 1.0" in wrong.message
    plain = max(0.0, np.sqrt(d_ap) - np.sqrt(d_an) + 0.2)
    wrong = exercises.check("12.1", plain, anchor=A, positive=P, negative=hard)
    assert not wrong and "not squared" in wrong.message
    assert not exercises.check("12.1", "zero", anchor=A, positive=P, negative=N)


@pytest.mark.parametrize(
    "kw",
    [
        dict(anchor=[1, 0], positive=[1, 0, 0], negative=[0, 1, 0]),
        dict(anchor=[0, 0, 0], positive=P, negative=N),
        dict(anchor=A, positive=P, negative=N, margin=-0.1),
    ],
)
def test_triplet_loss_checker_rejects_bad_input(kw):
    with pytest.raises(ValueError, match="anchor|margin|length"):
        exercises.check("12.1", 0.0, **kw)


def test_cmc_checker():
    d = np.array([[0.1, 0.5, 0.9], [0.2, 0.3, 0.1], [0.7, 0.2, 0.4]])
    labels = np.array([0, 1, 0])
    for k in (1, 2, 3):
        right = metrics.cmc_from_distances(d, labels, labels, (k,))[k]
        assert exercises.check(
            "12.2",
            right,
            distances=d,
            query_labels=labels,
            gallery_labels=labels,
            rank=k,
        )
    # rank 1 by hand: query 0 -> item 0 (class 0) hit; query 1 -> item 2 (class 0)
    # miss; query 2 -> item 1 (class 1) miss
    assert exercises.check(
        "12.2", 1 / 3, distances=d, query_labels=labels, gallery_labels=labels, rank=1
    )
    wrong = exercises.check(
        "12.2", 2 / 3, distances=d, query_labels=labels, gallery_labels=labels, rank=1
    )
    assert not wrong
    with pytest.raises(ValueError, match="rank"):
        exercises.check(
            "12.2", 0.5, distances=d, query_labels=labels, gallery_labels=labels, rank=4
        )
    with pytest.raises(ValueError, match="query_labels"):
        exercises.check(
            "12.2", 0.5, distances=d, query_labels=[0, 1], gallery_labels=labels, rank=1
        )


def test_conditioned_vector_checker():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(4, 3, 5))
    a_map = rng.normal(size=(4, 3, 5))
    right = triplet.audio_conditioned_video(
        torch.tensor(a_map[None]), torch.tensor(v[None])
    )[0].numpy()
    assert exercises.check("12.3", right, audio=a_map, video_map=v)
    once = (a_map * v).sum(axis=(1, 2))
    wrong = exercises.check("12.3", once, audio=a_map, video_map=v)
    assert not wrong and "once more" in wrong.message
    wrong = exercises.check("12.3", right.sum(), audio=a_map, video_map=v)
    assert not wrong and "shape" in wrong.message
    # a vector is tiled over the grid: a[d] * sum V^2
    a_vec = rng.normal(size=4)
    assert exercises.check(
        "12.3", a_vec * (v**2).sum(axis=(1, 2)), audio=a_vec, video_map=v
    )
    with pytest.raises(ValueError, match="audio"):
        exercises.check("12.3", right, audio=np.ones((3, 3, 5)), video_map=v)
