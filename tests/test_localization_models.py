"""Chapter 15's localizers: the sound-free baselines and the EZ-VSL-style contrastive
attention localizer (shapes, the loss on a hand-computed case, its task in the training
loop)."""

import math

import numpy as np
import pytest
import torch

from acousticlib import metrics
from acousticlib.localization import (
    CENTRE_PRIOR_SIGMA,
    AttentionLocalizer,
    AttentionTask,
    centre_prior_map,
    feature_norm_map,
    mil_contrastive_loss,
    object_guided_map,
    whole_image_map,
)
from acousticlib.training import DictDataset, TrainConfig, fit

torch.set_num_threads(1)


def _tiny(**kw):
    torch.manual_seed(0)
    return AttentionLocalizer(
        8, 4, audio_channels=(2, 2, 2, 2), audio_embedding=4, **kw
    )


# ------------------------------------------------------------------------- baselines
def test_whole_image_map_scores_the_share_of_the_truth():
    maps = whole_image_map(2, (2, 3))
    assert maps.shape == (2, 2, 3) and np.all(maps == 1.0)
    g = np.zeros((2, 2, 3))
    g[0, 0, 0] = 1.0  # sum G = 1, five empty cells: 1 / 6
    g[1, :, 0:2] = [[1.0, 0.5], [0.5, 0.5]]  # sum G = 2.5, two empty: 2.5 / 4.5
    for conv in ("authors", "lvs"):
        np.testing.assert_allclose(
            metrics.ciou_scores(maps, g, conv), [1 / 6, 2.5 / 4.5]
        )


def test_centre_prior_by_hand():
    p = centre_prior_map(1, (2, 3), sigma=0.25)[0]
    # row centres at .25, .75 of the height: dr = -/+ .25 -> .0625 / (2 * .0625) = .5;
    # column centres at 1/6, 1/2, 5/6: dc = -1/3, 0, 1/3 -> (1/9) / .125 = 8/9
    assert p[0, 1] == pytest.approx(math.exp(-0.5))
    assert p[1, 2] == pytest.approx(math.exp(-0.5 - 8 / 9))
    np.testing.assert_allclose(p, p[::-1, ::-1])  # symmetric about the centre
    odd = centre_prior_map(3, (3, 5))
    assert odd.shape == (3, 3, 5) and odd[0, 1, 2] == 1.0 and odd[2].argmax() == 7
    # the default width: a quarter of the frame along each axis
    assert CENTRE_PRIOR_SIGMA == 0.25
    wide, narrow = centre_prior_map(1, (9, 9), 1.0), centre_prior_map(1, (9, 9), 0.1)
    assert wide[0, 0, 0] > narrow[0, 0, 0]


def test_baselines_reject_bad_arguments():
    with pytest.raises(ValueError, match="n"):
        whole_image_map(0)
    with pytest.raises(ValueError, match="shape"):
        whole_image_map(1, (2, 3, 4))
    with pytest.raises(ValueError, match=r"shape\[1\]"):
        centre_prior_map(1, (2, 0))
    with pytest.raises(ValueError, match="sigma"):
        centre_prior_map(1, (2, 3), sigma=0.0)
    with pytest.raises(ValueError, match="features"):
        feature_norm_map(np.ones((2, 3, 4)))


def test_feature_norm_map_by_hand_and_in_chunks():
    f = np.zeros((3, 2, 1, 2), np.float16)
    f[0, :, 0, 0] = [3, -4]  # l2 5, mean |f| 3.5
    f[0, :, 0, 1] = [0, 1]  # 1, 0.5
    f[1:, 0] = 2.0  # 2, (2 + 0) / 2 = 1 everywhere
    np.testing.assert_allclose(feature_norm_map(f), [[[5, 1]], [[2, 2]], [[2, 2]]])
    np.testing.assert_allclose(
        feature_norm_map(f, "mean_abs"), [[[3.5, 0.5]], [[1, 1]], [[1, 1]]]
    )
    for norm in ("l2", "mean_abs"):
        np.testing.assert_array_equal(
            feature_norm_map(f, norm, chunk=1), feature_norm_map(f, norm)
        )
    with pytest.raises(ValueError, match="norm"):
        feature_norm_map(f, "l1")


def test_object_guided_map_by_hand():
    av = np.array([[[0.0, 2.0, 4.0]]])  # min-max 0, .5, 1
    obj = np.array([[[1.0, 1.0, 3.0]]])  # min-max 0, 0, 1
    # .4 * (0, .5, 1) + .6 * (0, 0, 1) = (0, .2, 1), already in [0, 1]
    np.testing.assert_allclose(object_guided_map(av, obj), [[[0.0, 0.2, 1.0]]])
    np.testing.assert_allclose(object_guided_map(av, obj, 1.0), [[[0.0, 0.5, 1.0]]])
    np.testing.assert_allclose(object_guided_map(av, obj, 0.0), [[[0.0, 0.0, 1.0]]])
    # a constant audio-visual map leaves the object prior, rescaled
    np.testing.assert_allclose(
        object_guided_map(np.ones((1, 1, 3)), obj), [[[0.0, 0.0, 1.0]]]
    )
    with pytest.raises(ValueError, match="alpha"):
        object_guided_map(av, obj, 1.5)
    with pytest.raises(ValueError, match="object_maps"):
        object_guided_map(av, np.ones((1, 1, 2)))


# --------------------------------------------------------------------- contrastive loss
def test_mil_contrastive_loss_by_hand():
    s = torch.zeros(2, 2, 1, 2)
    s[0, 0] = torch.tensor([0.5, 1.0])  # max 1
    s[0, 1] = torch.tensor([0.0, 0.2])  # max .2
    s[1, 0] = torch.tensor([0.1, 0.3])  # max .3
    s[1, 1] = torch.tensor([0.8, 0.4])  # max .8
    # logits (tau 1) [[1, .2], [.3, .8]]; rows: -log softmax of the diagonal:
    # log(1 + e^(.2 - 1)), log(1 + e^(.3 - .8)); columns: log(1 + e^(.3 - 1)),
    # log(1 + e^(.2 - .8)); each direction averaged, the two summed
    rows = (math.log(1 + math.exp(-0.8)) + math.log(1 + math.exp(-0.5))) / 2
    cols = (math.log(1 + math.exp(-0.7)) + math.log(1 + math.exp(-0.6))) / 2
    out = mil_contrastive_loss(s, tau=1.0)
    assert float(out["loss"]) == pytest.approx(rows + cols, rel=1e-6)
    assert float(out["accuracy"]) == 1.0
    # tau .5 doubles the logits
    rows2 = (math.log(1 + math.exp(-1.6)) + math.log(1 + math.exp(-1.0))) / 2
    cols2 = (math.log(1 + math.exp(-1.4)) + math.log(1 + math.exp(-1.2))) / 2
    assert float(mil_contrastive_loss(s, 0.5)["loss"]) == pytest.approx(
        rows2 + cols2, rel=1e-6
    )
    # frame 1 prefers clip 0 once its own cosine drops: accuracy 1/2
    s[1, 1] = 0.0
    assert float(mil_contrastive_loss(s, 1.0)["accuracy"]) == 0.5


def test_mil_loss_with_groups_by_hand():
    # max-logits (tau 1): clips 0, 1 form a group, clip 2 is alone; the large
    # cross-group values must not count
    best = torch.tensor([[1.0, 0.2, 5.0], [0.3, 0.8, 5.0], [9.0, 9.0, 0.5]])
    s = best[:, :, None, None].expand(3, 3, 2, 2).clone()
    s[:, :, 0, 0] -= 1.0  # the maximum is at one location only
    rows = (math.log(1 + math.exp(-0.8)) + math.log(1 + math.exp(-0.5)) + 0) / 3
    cols = (math.log(1 + math.exp(-0.7)) + math.log(1 + math.exp(-0.6)) + 0) / 3
    out = mil_contrastive_loss(s, 1.0, torch.tensor([0, 0, 1]))
    assert float(out["loss"]) == pytest.approx(rows + cols, rel=1e-6)
    assert float(out["accuracy"]) == 1.0
    # without groups every frame prefers another group's clip (5 > 1, 5 > .8, 9 > .5)
    assert float(mil_contrastive_loss(s, 1.0)["accuracy"]) == 0.0
    with pytest.raises(ValueError, match="groups"):
        mil_contrastive_loss(s, 1.0, torch.tensor([0, 1]))


def test_mil_loss_flows_only_through_each_pairs_best_location():
    s = torch.tensor(
        [[[[0.1, 0.9]], [[0.7, 0.2]]], [[[0.3, 0.4]], [[0.6, 0.5]]]],
        requires_grad=True,
    )
    mil_contrastive_loss(s, 1.0)["loss"].backward()
    nonzero = (s.grad != 0).squeeze(2)
    # the argmax columns per pair: (0,0)->1, (0,1)->0, (1,0)->1, (1,1)->0
    expected = torch.tensor(
        [[[False, True], [True, False]], [[False, True], [True, False]]]
    )
    assert torch.equal(nonzero, expected)


def test_mil_loss_rejects_bad_input():
    with pytest.raises(ValueError, match="similarity"):
        mil_contrastive_loss(torch.zeros(2, 3, 1, 1))
    with pytest.raises(ValueError, match="similarity"):
        mil_contrastive_loss(torch.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="tau"):
        mil_contrastive_loss(torch.zeros(2, 2, 1, 1), tau=0.0)


# ---------------------------------------------------------------------------- model
def test_localizer_shapes_and_heat_map_is_the_diagonal():
    m = _tiny().eval()
    audio = 0.1 * torch.randn(3, 12288, generator=torch.Generator().manual_seed(1))
    visual = torch.randn(3, 8, 12, 16, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        s = m(audio, visual)
    assert s.shape == (3, 3, 12, 16)
    assert float(s.abs().max()) <= 1.0 + 1e-5  # cosines
    h = m.heat_map(audio, visual)
    assert h.shape == (3, 12, 16)
    torch.testing.assert_close(h, s[torch.arange(3), torch.arange(3)])
    # audio as a clip's 12 frames of 1024 samples gives the same embedding
    torch.testing.assert_close(
        m.embed_audio(audio.reshape(3, 12, 1024)), m.embed_audio(audio)
    )


def test_localizer_rejects_bad_input():
    m = _tiny()
    with pytest.raises(ValueError, match="visual"):
        m(torch.zeros(2, 12288), torch.zeros(2, 7, 12, 16))
    with pytest.raises(ValueError, match="audio and visual"):
        m(torch.zeros(2, 12288), torch.zeros(3, 8, 12, 16))
    with pytest.raises(ValueError, match="dim"):
        AttentionLocalizer(8, 0)
    with pytest.raises(ValueError, match="tau"):
        AttentionLocalizer(8, tau=-1.0)


def test_attention_task_trains_in_the_loop():
    m = _tiny(tau=0.1)
    g = torch.Generator().manual_seed(3)
    data = DictDataset(
        audio=0.1 * torch.randn(8, 12288, generator=g),
        visual=torch.randn(8, 8, 12, 16, generator=g),
    )
    before = m.visual_proj.weight.detach().clone()
    result = fit(
        m,
        data,
        data,
        TrainConfig(epochs=2, batch_size=4, lr=1e-2),
        progress=False,
        task=AttentionTask(m),
    )
    assert not torch.equal(before, m.visual_proj.weight)
    assert len(result.history) == 2
    assert {"loss", "accuracy"} <= set(result.history[-1]["val"])
    # groups of 2 clips: 4 samples of (2, ...) tensors
    grouped = DictDataset(
        audio=data.tensors["audio"].reshape(4, 2, 12288),
        visual=data.tensors["visual"].reshape(4, 2, 8, 12, 16),
    )
    task = AttentionTask(m, grouped=True)
    logs = task.val_step(grouped[:2])
    assert np.isfinite(logs["loss"]) and 0 <= logs["accuracy"] <= 1
    with pytest.raises(ValueError, match="grouped"):
        task.val_step(data[:2])
    with pytest.raises(TypeError, match="model"):
        AttentionTask(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="batch"):
        AttentionTask(m).val_step({"audio": torch.zeros(2, 12288)})
