"""Metrics on hand-built cases (acousticlib.metrics)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _toy import TINY, toy_frames
from torch.utils.data import Subset

from acousticlib.features import energy_map
from acousticlib.metrics import (
    auc,
    binarize,
    ciou,
    ciou_summary,
    cmc,
    consensus_map,
    energy_iou,
    energy_maps,
    energy_spread,
    evaluate_generator,
    gan_test,
    gan_train,
    generate,
    iou,
    knn_accuracy,
    mean_std,
    mse,
    peak_in_mask,
    peak_near_border,
    predict,
    spread_over_runs,
    success_auc,
    success_curve,
    tiled_mfcc,
)
from acousticlib.models import MCGAN, UVAE

torch.set_num_threads(1)


def _square(r, c, size=2, shape=(6, 6)):
    m = np.zeros(shape)
    m[r : r + size, c : c + size] = 1
    return m


def test_iou_of_known_masks():
    a, b = _square(0, 0), _square(1, 1)  # 4 + 4 cells overlapping in 1
    assert iou(a, b) == pytest.approx(1 / 7)
    assert iou(a, a) == 1.0 and iou(a, _square(3, 3)) == 0.0
    assert np.allclose(iou(np.stack([a, a]), np.stack([a, b])), [1.0, 1 / 7])


def test_energy_iou_binarizes_each_map_at_its_mean():
    pred = 0.1 + 5 * _square(0, 0)
    true = 3 * _square(1, 1) - 1  # different scale and offset, same shape of the peak
    assert energy_iou(pred, true) == pytest.approx(1 / 7)
    # a flat map covers everything (authors' >= mean)
    assert binarize(np.ones((4, 4))).sum() == 16


def test_median_binarization_keeps_the_upper_half():
    m = np.arange(16.0).reshape(4, 4)
    assert binarize(m, "median").sum() == 7  # values above the median-ranked value 8


def test_success_curve_and_auc_of_a_known_case():
    t, rates = success_curve(np.array([0.55, 0.55]))
    assert np.allclose(t, np.linspace(0, 1, 11))
    assert np.allclose(rates, [1] * 6 + [0] * 5)
    # 0.5 full + half of the 0.5 -> 0.6 step
    assert success_auc([0.55, 0.55]) == pytest.approx(0.55)
    # strict (> t) vs inclusive (>= t): an IoU of exactly 0.5 fails t = 0.5 in the
    # authors' rule only
    assert success_curve([0.5])[1][5] == 0 and success_curve([0.5], "lvs")[1][10] == 1
    assert auc([0, 0.5, 1], [1, 1, 0]) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="thresholds"):
        auc([0, 0], [1, 1])


def test_consensus_of_three_annotators():
    boxes = [[(0, 0, 4, 4)], [(2, 2, 6, 6)], [(2, 2, 4, 4), (5, 5, 6, 6)]]
    g = consensus_map(boxes, (6, 6))
    # one vote; three; three
    assert g[0, 0] == 0.5 and g[3, 3] == 1.0 and g[2, 2] == 1.0
    # two votes clip at 1; one; none
    assert g[5, 5] == 1.0 and g[4, 4] == 0.5 and g[0, 5] == 0.0
    assert set(np.unique(g)) <= {0.0, 0.5, 1.0}


def test_ciou_on_hand_built_maps():
    # 4 cells 1.0, 4 cells 0.5
    g = consensus_map([[(0, 0, 2, 2)], [(0, 0, 2, 2)], [(0, 0, 4, 2)]], (4, 4))
    pred = np.zeros((4, 4))
    pred[0:2, 0:2] = 1  # hits the 4 full-consensus cells, nothing outside
    assert ciou(pred, g) == pytest.approx(4 / (4 + 2))
    # whole-image prediction: sum(G) / (sum(G) + cells with G = 0)
    assert ciou(np.ones((4, 4)), g) == pytest.approx(6 / (6 + 8))
    summary = ciou_summary(np.array([0.2, 0.5, 0.9]))
    assert summary["ciou@0.5"] == pytest.approx(2 / 3)
    assert summary["auc"] == pytest.approx(success_auc([0.2, 0.5, 0.9]))
    assert ciou_summary(np.array([0.2, 0.5, 0.9]), "lvs")["auc"] != summary["auc"]


def test_cmc_on_a_toy_embedding():
    gallery = np.array([[0.0], [1.0], [2.0], [10.0]])
    g_labels = np.array([0, 1, 1, 2])
    query = np.array([[0.1], [9.0], [1.6]])
    q_labels = np.array([1, 0, 0])
    # query 0 (class 1): nearest 0 (c0), 1 (c1) -> rank 2; query 1 (class 0): order 3,
    # 2, 1, 0 -> rank 4; query 2 (class 0): order 2, 1, 0 -> rank 3
    res = cmc(query, q_labels, gallery, g_labels, ranks=(1, 2, 3, 4))
    assert res == {1: 0.0, 2: pytest.approx(1 / 3), 3: pytest.approx(2 / 3), 4: 1.0}


def test_knn_accuracy_on_clusters_and_ties():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.1, (20, 3)), rng.normal(5, 0.1, (20, 3))])
    y = np.repeat([0, 1], 20)
    assert knn_accuracy(x, y, x + 0.01, y, k=15) == 1.0
    assert knn_accuracy(x, y, x, 1 - y, k=15) == 0.0
    # a 1-1 tie goes to the class of the nearest neighbour
    assert knn_accuracy([[0.0], [1.0]], [0, 1], [[0.9]], [1], k=2) == 1.0
    with pytest.raises(ValueError, match="k must"):
        knn_accuracy(x, y, x, y, k=41)


def test_mse_spread_and_aggregation():
    a, b = np.zeros((2, 3)), np.full((2, 3), 0.5)
    assert mse(a, b) == pytest.approx(0.25)
    assert energy_spread(np.ones((5, 5))) == 0 and energy_spread(_square(0, 0)) > 0
    assert mean_std([1.0, 2.0, 3.0, 4.0, 100.0], drop_extremes=True) == pytest.approx(
        (3.0, np.std([2, 3, 4]))
    )
    with pytest.raises(ValueError, match="pred and target"):
        mse(a, b.T)


def test_tiled_mfcc_baseline_is_flat_in_space():
    t = tiled_mfcc(torch.tensor([[3.0] + [1.0] * 11]))
    assert (
        t.shape == (1, 12, 36, 48)
        and float(t[0, 0].min()) == 1.0
        and float(t[0, 1:].max()) == 0.0
    )
    # one tiling for the generators' condition and the baseline, from arrays too
    from acousticlib.models import tile_mfcc

    assert tiled_mfcc is tile_mfcc
    torch.testing.assert_close(tiled_mfcc(np.array([[3.0] + [1.0] * 11])), t)
    with pytest.raises(ValueError, match="mfcc must be"):
        tiled_mfcc("not coefficients")


def test_generate_folds_windows_and_returns_latents():
    torch.manual_seed(0)
    data = toy_frames(3, frames=2)
    out = generate(UVAE(TINY), data, batch_size=2)
    assert (
        out["generated"].shape
        == out["real"].shape
        == out["tiled"].shape
        == (3, 2, 12, 36, 48)
    )
    assert out["latent"].shape == (3, 2, TINY.latent) and out["label"].tolist() == [
        0,
        1,
        0,
    ]
    only = generate(UVAE(TINY), data, batch_size=2, keep=("generated",))
    assert set(only) == {"generated"}
    # the batch size (and a last, partial batch) does not change the result
    model = UVAE(TINY)
    one, many = generate(model, data, batch_size=1), generate(model, data, batch_size=2)
    assert all(
        torch.allclose(one[k], many[k], atol=1e-6)
        for k in ("generated", "real", "tiled", "latent")
    )
    mc = MCGAN(TINY, disc_channels=(4, 8))
    a, b, c = (generate(mc, data, seed=s)["generated"] for s in (0, 0, 1))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_generate_stores_in_the_requested_dtype():
    torch.manual_seed(0)
    data, model = toy_frames(3, frames=2), UVAE(TINY)
    full = generate(model, data, batch_size=2)
    half = generate(model, data, batch_size=2, dtype=torch.float16)
    for k in ("generated", "real", "tiled", "latent"):
        assert half[k].dtype == torch.float16 and torch.equal(
            half[k], full[k].to(torch.float16)
        )
    assert half["label"].dtype == full["label"].dtype and torch.equal(
        half["label"], full["label"]
    )
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        generate(model, data, dtype=torch.int8)


def test_generate_in_parts_with_one_rng_draws_the_same_noise_as_one_pass():
    torch.manual_seed(0)
    data, mc = toy_frames(4, frames=2), MCGAN(TINY, disc_channels=(4, 8))
    whole = generate(mc, data, batch_size=2, seed=3)["generated"]
    rng = torch.Generator().manual_seed(3)
    parts = [
        generate(mc, Subset(data, range(a, a + 2)), batch_size=2, rng=rng)["generated"]
        for a in (0, 2)
    ]
    assert torch.equal(torch.cat(parts), whole)
    fresh = [
        generate(mc, Subset(data, range(a, a + 2)), batch_size=2, seed=3)["generated"]
        for a in (0, 2)
    ]
    # restarting the stream per part draws other z
    assert not torch.equal(torch.cat(fresh), whole)
    with pytest.raises(TypeError, match="rng must be a torch.Generator"):
        generate(mc, data, rng=3)


def test_energy_maps_in_chunks_equal_the_channels_last_energy_map():
    images = np.random.default_rng(0).random((5, 12, 36, 48)).astype(np.float32)
    direct = energy_map(images.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(energy_maps(images, chunk=2), direct)
    np.testing.assert_array_equal(energy_maps(torch.from_numpy(images)), direct)
    with pytest.raises(ValueError, match="images must have shape"):
        energy_maps(images[0])
    with pytest.raises(ValueError, match="chunk"):
        energy_maps(images, chunk=0)


def test_evaluate_generator_matches_one_pass_of_generate():
    torch.manual_seed(0)
    data = toy_frames(5)
    model = UVAE(TINY)
    rec = evaluate_generator(model, data, chunk=2)
    full = generate(model, data)
    per_frame = (
        ((full["generated"] - full["real"]) ** 2).mean(dim=(1, 2, 3)).double().numpy()
    )
    np.testing.assert_allclose(rec["frame_mse"], per_frame, rtol=1e-6)
    assert rec["mse"] == pytest.approx(float(per_frame.mean()), rel=1e-6)
    np.testing.assert_allclose(rec["energy"], energy_maps(full["generated"]), rtol=1e-6)
    torch.testing.assert_close(rec["latent"], full["latent"])
    # the same image to the last bit or two: a batch of 2 and one of 5 may take other
    # kernels (AVX-512)
    np.testing.assert_allclose(
        rec["example"], full["generated"][0].numpy(), rtol=1e-6, atol=1e-7
    )
    # MCGAN: chunk a draws its noise from seed + a
    mc = MCGAN(TINY, disc_channels=(4, 8))
    rec = evaluate_generator(mc, Subset(data, range(5)), seed=7, chunk=2)
    assert rec["latent"] is None
    second = generate(mc, Subset(data, range(2, 4)), seed=9)["generated"]
    np.testing.assert_allclose(rec["energy"][2:4], energy_maps(second), rtol=1e-6)
    with pytest.raises(ValueError, match="at least one frame"):
        evaluate_generator(model, Subset(data, []))


def test_peak_in_mask_is_the_pointing_game():
    maps = np.zeros((3, 4, 5))
    maps[0, 1, 1] = maps[1, 3, 4] = maps[2, 0, 0] = 1.0
    masks = np.zeros((3, 4, 5), bool)
    masks[:, :2, :2] = True
    np.testing.assert_array_equal(peak_in_mask(maps, masks), [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="masks"):
        peak_in_mask(maps, masks[:2])


def test_peak_near_border_flags_maps_peaking_at_the_edge():
    maps = np.zeros((4, 8, 10))
    maps[0, 0, 5] = maps[1, 4, 5] = maps[2, 6, 5] = maps[3, 4, 8] = 1.0
    np.testing.assert_array_equal(peak_near_border(maps), [1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(
        peak_near_border(maps, margin=1), [1.0, 0.0, 0.0, 0.0]
    )
    with pytest.raises(ValueError, match="margin"):
        peak_near_border(maps, margin=4)


def test_mse_in_chunks_equals_the_direct_mean():
    rng = np.random.default_rng(0)
    a, b = (
        rng.random((300, 3, 40, 50)).astype(np.float32),
        rng.random((300, 3, 40, 50)).astype(np.float32),
    )
    assert mse(a, b) == pytest.approx(
        float(np.mean((a.astype(np.float64) - b) ** 2)), rel=1e-12
    )
    assert mse(torch.from_numpy(a), torch.from_numpy(b)) == mse(a, b)
    assert mse(np.float32(2.0), np.float32(1.0)) == 1.0


class _Oracle(torch.nn.Module):
    """Says class 1 when channel 0 outweighs channel 11 (the toy's spectral
    signature)."""

    def forward(self, x):
        s = x[:, :, 0].mean(dim=(1, 2, 3)) - x[:, :, 11].mean(dim=(1, 2, 3))
        return torch.stack([-s, s], dim=1)


def test_predict_batches_float16_input_and_matches_one_pass():
    data = toy_frames(10, frames=2)
    x = torch.stack([data[i]["acoustic"] for i in range(10)]).half()
    one_pass = _Oracle()(x.float()).argmax(1).numpy()
    for batch in (1, 3, 64):
        pred = predict(_Oracle(), x, batch_size=batch)
        assert pred.dtype == np.int64 and np.array_equal(pred, one_pass)
    with pytest.raises(ValueError, match="batch_size"):
        predict(_Oracle(), x, batch_size=0)
    with pytest.raises(ValueError, match="at least one sample"):
        predict(_Oracle(), x[:0])


def test_gan_test_and_gan_train_on_separable_windows():
    data = toy_frames(8, frames=2)
    x = torch.stack([data[i]["acoustic"] for i in range(8)])
    y = torch.stack([data[i]["label"] for i in range(8)])
    assert gan_test(_Oracle(), x, y) == 1.0 and gan_test(_Oracle(), x, 1 - y) == 0.0
    from acousticlib.training import TrainConfig

    accs = gan_train(
        x,
        y,
        {"real": (x, y), "flipped": (x, 1 - y)},
        profile="smoke",
        config=TrainConfig(epochs=25, batch_size=8, lr=1e-2),
    )
    assert accs["real"] == 1.0 and accs["flipped"] == 0.0


def test_spread_over_runs_groups_runs_and_aggregates_each_score():
    rows = [
        {"model": "a", "x": 1.0, "y": 4.0},
        {"model": "b", "x": 5.0, "y": 0.0},
        {"model": "a", "x": 3.0, "y": 4.0},
    ]
    out = spread_over_runs(rows, "model", ["x", "y"])
    assert list(out) == ["a", "b"]
    assert out["a"]["x"] == {"mean": 2.0, "std": 1.0} and out["a"]["y"]["std"] == 0.0
    assert out["a"]["runs"] == {"count": 2} and out["b"]["runs"] == {"count": 1}
    with pytest.raises(ValueError, match="model"):
        spread_over_runs([{"x": 1.0}], "model", ["x"])


def test_clip_means_and_paired_difference_by_hand():
    from acousticlib.metrics import clip_means, paired_difference

    # clips given out of order: the result follows the sorted identifiers
    means = clip_means([1.0, 3.0, 10.0, 2.0], ["b", "b", "a", "c"])
    np.testing.assert_allclose(means, [10.0, 2.0, 2.0])
    np.testing.assert_allclose(clip_means([True, False, True], [7, 7, 9]), [0.5, 1.0])
    with pytest.raises(ValueError, match="clips must have one identifier"):
        clip_means([1.0, 2.0], [0])
    # d = (1, 3, 5): mean 3, std (ddof 1) 2, se 2 / sqrt(3)
    mean, se = paired_difference([2.0, 5.0, 9.0], [1.0, 2.0, 4.0])
    assert mean == pytest.approx(3.0)
    assert se == pytest.approx(2.0 / np.sqrt(3.0))
    assert paired_difference([1.0], [0.0]) == (1.0, float("inf"))
    with pytest.raises(ValueError, match="b"):
        paired_difference([1.0, 2.0], [1.0])


def test_recall_at_k_by_hand_in_both_directions_and_with_ties():
    from acousticlib import metrics

    d = np.array([[0.1, 0.5, 0.9], [0.2, 0.3, 0.1], [0.7, 0.2, 0.4]])
    # rows as queries: own pairs at ranks 1, 3 (0.2 and 0.1 closer), 2 (0.2 closer)
    assert metrics.recall_at_k_from_distances(d, (1, 2, 3)) == pytest.approx(
        {1: 1 / 3, 2: 2 / 3, 3: 1.0}
    )
    # columns as queries (the other modality): ranks 1, 2, 2
    assert metrics.recall_at_k_from_distances(d.T, (1, 2)) == pytest.approx(
        {1: 1 / 3, 2: 1.0}
    )
    # a tie counts against the query; a constant matrix earns nothing before k = N
    tied = np.array([[0.1, 0.1], [0.5, 0.2]])
    assert metrics.recall_at_k_from_distances(tied, (1, 2)) == {1: 0.5, 2: 1.0}
    assert metrics.recall_at_k_from_distances(np.ones((4, 4)), (1, 3, 4)) == {
        1: 0.0,
        3: 0.0,
        4: 1.0,
    }
    # class-level CMC of the same matrix counts any item of the query's class
    labels = np.array([0, 1, 0])
    assert metrics.cmc_from_distances(d, labels, labels, (1,))[1] == pytest.approx(
        1 / 3
    )
    with pytest.raises(ValueError, match="square"):
        metrics.recall_at_k_from_distances(np.ones((2, 3)))


def test_recall_at_k_of_embeddings_matches_the_distances():
    from acousticlib import metrics

    rng = np.random.default_rng(0)
    audio, video = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    d = np.sqrt(((audio[:, None] - video[None]) ** 2).sum(-1))
    assert metrics.recall_at_k(audio, video, (1, 3)) == pytest.approx(
        metrics.recall_at_k_from_distances(d, (1, 3))
    )
    assert metrics.recall_at_k(video, audio, (1, 3)) == pytest.approx(
        metrics.recall_at_k_from_distances(d.T, (1, 3))
    )
    assert metrics.recall_at_k(audio, audio, (1,)) == {1: 1.0}
    with pytest.raises(ValueError, match="paired row by row"):
        metrics.recall_at_k(audio, video[:5])
