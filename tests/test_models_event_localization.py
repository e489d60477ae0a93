"""Chapter 16's event localizer (Ramaswamy and Das 2020): MFB, AVFB, SWAB, the
aggregation, the model's variants, and its three losses and tasks, each checked against
a computation written out here."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from acousticlib import losses, models, training
from acousticlib.models import (
    AVFB,
    EVENT_CLASSES,
    EVENT_FUSIONS,
    EVENT_STREAMS,
    MFB,
    SWAB,
    SWAB_POOLING,
    EventLocalizer,
    aggregate,
    signed_sqrt,
)

B, T, CV, H, W, DA = 2, 4, 6, 3, 5, 7


def inputs(seed: int = 0, b: int = B) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    visual = torch.rand(b, T, CV, H, W, generator=g)
    audio = torch.randn(b, T, DA, generator=g)
    return visual, audio


def small(**kwargs) -> EventLocalizer:
    torch.manual_seed(0)
    sizes = {"hidden": 5, "mfb_factor": 2, "mfb_out": 3}
    return EventLocalizer(CV, DA, **{**sizes, **kwargs})


# -- MFB (Eqs. 3-4) -------------------------------------------------------------------


def numpy_mfb(visual, audio, u, v, q, p):
    """Eqs. 3-4 for every cell, by loops: ``visual (N, S, d_v)``, ``audio (N, d_a)``,
    ``U (d_v, q p)``, ``V (d_a, q p)``."""
    n, s, _ = visual.shape
    out = np.zeros((n, s, p))
    for i in range(n):
        y = v.T @ audio[i]
        for j in range(s):
            e = (u.T @ visual[i, j]) * y
            pooled = np.array([e[k * q : (k + 1) * q].sum() for k in range(p)])
            root = np.sign(pooled) * np.sqrt(np.abs(pooled))
            out[i, j] = root / np.linalg.norm(root)
    return out


def test_mfb_matches_the_equations_computed_by_hand():
    rng = np.random.default_rng(1)
    d_v, d_a, q, p = 4, 3, 2, 3
    u, v = rng.normal(size=(d_v, q * p)), rng.normal(size=(d_a, q * p))
    visual, audio = rng.normal(size=(2, 5, d_v)), rng.normal(size=(2, d_a))
    mfb = MFB(d_v, d_a, q, p).double()
    with torch.no_grad():
        mfb.u.weight.copy_(torch.from_numpy(u.T))
        mfb.v.weight.copy_(torch.from_numpy(v.T))
    z = mfb(torch.from_numpy(visual), torch.from_numpy(audio)).detach().numpy()
    np.testing.assert_allclose(z, numpy_mfb(visual, audio, u, v, q, p), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(z, axis=-1), 1.0)


def test_mfb_small_case_sums_groups_of_q_then_roots_and_normalises():
    # U^T F = (1, 2, 3, 4), V^T a = (s, s, s, s): groups of q = 2 sum to s (3, 7),
    # the signed roots are sign(s) (sqrt 3, sqrt 7), their norm sqrt 10
    mfb = MFB(4, 1, factor=2, out=2)
    with torch.no_grad():
        mfb.u.weight.copy_(torch.eye(4))
        mfb.v.weight.fill_(1.0)
    visual = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    expected = torch.tensor([math.sqrt(0.3), math.sqrt(0.7)])
    for sign in (1.0, -1.0):
        z = mfb(visual, torch.tensor([[sign * 2.0]]))
        torch.testing.assert_close(z[0, 0], sign * expected)


def test_signed_sqrt_has_a_finite_gradient_at_zero():
    x = torch.tensor([-4.0, 0.0, 9.0], requires_grad=True)
    y = signed_sqrt(x)
    torch.testing.assert_close(y.detach(), torch.tensor([-2.0, 0.0, 3.0]))
    y.sum().backward()
    assert torch.isfinite(x.grad).all()
    torch.testing.assert_close(x.grad[[0, 2]], torch.tensor([0.25, 1 / 6]))


def test_mfb_refuses_bad_shapes():
    mfb = MFB(4, 3, 2, 2)
    with pytest.raises(ValueError, match="visual"):
        mfb(torch.zeros(2, 5, 5), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="audio"):
        mfb(torch.zeros(2, 5, 4), torch.zeros(2, 3, 1))
    with pytest.raises(ValueError, match="same N"):
        mfb(torch.zeros(2, 5, 4), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="factor"):
        MFB(4, 3, 0, 2)


# -- AVFB (Eqs. 1-7) ------------------------------------------------------------------


def by_hand(avfb: AVFB, visual, audio):
    """Eqs. 1 and 5-7 written out with the block's layers."""
    cells = visual.flatten(3).transpose(2, 3)  # (B, T, S, d_v)
    lv, la = cells.mean(2), avfb.audio_embed(audio)
    lf = avfb.lstm(torch.cat([lv + la, la], -1))[0] if hasattr(avfb, "lstm") else None
    if not hasattr(avfb, "mfb"):
        return lv, la, lf, None, None
    b, t, s, d = cells.shape
    z = avfb.mfb(cells.reshape(b * t, s, d), audio.reshape(b * t, -1))
    scores = (z @ avfb.score.weight.T + avfb.score.bias).reshape(b, t, s)
    lam = torch.exp(scores) / torch.exp(scores).sum(-1, keepdim=True)
    mf = torch.einsum("bts,btsd->btd", lam, cells)
    return lv, la, lf, mf, lam


@pytest.mark.parametrize("fusion", EVENT_FUSIONS)
def test_avfb_fusions_follow_the_equations(fusion):
    torch.manual_seed(0)
    avfb = AVFB(CV, DA, mfb_factor=2, mfb_out=3, fusion=fusion)
    visual, audio = inputs()
    fused, attention = avfb(visual, audio)
    assert fused.shape == (B, T, CV) and attention.shape == (B, T, H, W)
    torch.testing.assert_close(attention.sum((2, 3)), torch.ones(B, T))
    lv, la, lf, mf, lam = by_hand(avfb, visual, audio)
    expected = {
        "multiply": lambda: lv * la,
        "add": lambda: lv + la,
        "concat": lambda: torch.cat([lv, la], -1) @ avfb.fc.weight.T + avfb.fc.bias,
        "lstm": lambda: lf,
        "mfb": lambda: mf,
        "avfb": lambda: lf + mf,
    }[fusion]()
    torch.testing.assert_close(fused, expected)
    if lam is None:
        torch.testing.assert_close(attention, torch.full_like(attention, 1 / (H * W)))
    else:
        torch.testing.assert_close(attention.flatten(2), lam)
        other = avfb(visual, -audio)[1]
        assert not torch.allclose(other, attention), "the audio must steer lambda"


def test_avfb_refuses_bad_shapes():
    avfb = AVFB(CV, DA, mfb_factor=2, mfb_out=3)
    visual, audio = inputs()
    with pytest.raises(ValueError, match=r"visual must have shape \(B, T, 6, H, W\)"):
        avfb(visual[:, :, :5], audio)
    with pytest.raises(ValueError, match="audio must have shape"):
        avfb(visual, audio[..., :3])
    with pytest.raises(ValueError, match="same batch and segments"):
        avfb(visual, audio[:, :3])
    with pytest.raises(TypeError, match="visual"):
        avfb(visual.numpy(), audio)
    with pytest.raises(ValueError, match="fusion"):
        AVFB(CV, DA, fusion="sum")


# -- SWAB (Eqs. 9-11) and the aggregation (Eq. 12) -------------------------------------


@pytest.mark.parametrize("pooling", SWAB_POOLING)
def test_swab_matches_the_equations_computed_by_hand(pooling):
    rng = np.random.default_rng(2)
    dim = 3
    h = rng.normal(size=(2, 4, dim))
    wg, bg = rng.normal(size=(dim, dim)), rng.normal(size=dim)
    wb, bb = rng.normal(size=(dim, dim)), rng.normal(size=dim)
    wa, ba = rng.normal(size=(1, dim)), rng.normal(size=1)
    swab = SWAB(dim, pooling).double()
    with torch.no_grad():
        for layer, (w, b) in zip(
            (swab.global_gate, swab.segment_gate, swab.weight),
            ((wg, bg), (wb, bb), (wa, ba)),
            strict=True,
        ):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    with torch.no_grad():
        s, alpha = swab(torch.from_numpy(h))
    relu = lambda x: np.maximum(x, 0.0)  # noqa: E731
    for i in range(2):
        g = np.zeros(dim)
        if pooling in ("mean", "both"):
            g += relu(wg @ h[i].mean(0) + bg)
        if pooling in ("max", "both"):
            g += relu(wg @ h[i].max(0) + bg)
        e = np.array([(wa @ (relu(wb @ h[i, t] + bb) * g) + ba)[0] for t in range(4)])
        a = np.exp(e) / np.exp(e).sum()
        np.testing.assert_allclose(alpha[i].numpy(), a, atol=1e-12)
        np.testing.assert_allclose(s[i].numpy(), a[:, None] * h[i], atol=1e-12)
    torch.testing.assert_close(alpha.sum(1), torch.ones(2, dtype=torch.float64))


def test_swab_refuses_bad_shapes_and_pooling():
    with pytest.raises(ValueError, match=r"h must have shape \(B, T, 3\)"):
        SWAB(3)(torch.zeros(2, 4, 2))
    with pytest.raises(ValueError, match="pooling"):
        SWAB(3, "median")


def test_aggregate_is_eq_12_with_its_four_features():
    g = torch.Generator().manual_seed(3)
    hv, ha, sv, sa = (torch.randn(2, 4, 3, generator=g) for _ in range(4))
    out = aggregate(hv, ha, sv, sa)
    assert out.shape == (2, 4, 15)
    for k, x in enumerate((hv, ha, sv, sa)):
        torch.testing.assert_close(out[..., 3 * k : 3 * k + 3], x)
    expanded = (ha * sa - hv * sa) + (hv * sv - ha * sv)  # Eq. 12's second line
    torch.testing.assert_close(out[..., 12:], expanded)
    with pytest.raises(ValueError, match="s_audio"):
        aggregate(hv, ha, sv, sa[..., :2])


# -- the model: every variant ---------------------------------------------------------


@pytest.mark.parametrize(
    "streams,fusion", list(itertools.product(EVENT_STREAMS, (*EVENT_FUSIONS, None)))
)
def test_every_stream_and_fusion_gives_logits_and_attention(streams, fusion):
    model = small(streams=streams, fusion=fusion)
    visual, audio = inputs()
    out = model(visual, audio)
    assert out["logits"].shape == (B, T, EVENT_CLASSES)
    has_visual, has_audio = streams != "audio", streams != "visual"
    assert (out["attention"] is not None) == has_visual
    assert (out["s_audio"] is not None) == has_audio
    if has_visual:
        assert out["attention"].shape == (B, T, H, W)
        torch.testing.assert_close(out["attention"].sum((2, 3)), torch.ones(B, T))
    for m, present in (("visual", has_visual), ("audio", has_audio)):
        if present:
            torch.testing.assert_close(out[f"alpha_{m}"].sum(1), torch.ones(B))
            assert out[f"s_{m}"].shape == (B, T, 5)
    # which input the logits read (Table 1)
    moved_visual = model(visual.flip(0), audio)["logits"]
    moved_audio = model(visual, audio.flip(0))["logits"]
    assert torch.equal(moved_visual, out["logits"]) == (not has_visual)
    reads_audio = has_audio or fusion is not None
    assert torch.equal(moved_audio, out["logits"]) == (not reads_audio)


@pytest.mark.parametrize(
    "swab,aggregation",
    [(s, a) for s in (*SWAB_POOLING, None) for a in (True, False) if s or not a],
)
@pytest.mark.parametrize("streams", ["both", "visual"])
def test_table_3_ablations_feed_the_documented_features(swab, aggregation, streams):
    model = small(swab=swab, aggregation=aggregation, streams=streams)
    out = model(*inputs())
    assert out["logits"].shape == (B, T, EVENT_CLASSES)
    assert (out["alpha_visual"] is None) == (swab is None)
    v = [out["h_visual"], out["s_visual"]]
    if streams == "both":
        a = [out["h_audio"], out["s_audio"]]
        if aggregation:
            features = aggregate(v[0], a[0], v[1], a[1])
        else:
            k = 0 if swab is None else 1
            features = torch.cat([v[k], a[k]], -1)
    else:
        features = torch.cat(v, -1) if aggregation else v[0 if swab is None else 1]
    torch.testing.assert_close(out["logits"], model.classifier(features))


def test_the_papers_model_composes_its_blocks():
    model = small(embed=4)
    visual, audio = inputs()
    out = model(visual, audio)
    embedded = F.relu(
        torch.einsum("btchw,ec->btehw", visual, model.embed[0].weight)
        + model.embed[0].bias[:, None, None]
    )
    fused, attention = model.avfb(embedded, audio)
    hv = model.lstm_visual(fused)[0]
    ha = model.lstm_audio(audio)[0]
    sv, sa = model.swab_visual(hv)[0], model.swab_audio(ha)[0]
    torch.testing.assert_close(out["attention"], attention)
    torch.testing.assert_close(out["h_visual"], hv)
    torch.testing.assert_close(
        out["logits"], model.classifier(aggregate(hv, ha, sv, sa))
    )
    negative = audio.roll(1, 0)
    s_neg = model(visual, audio, negative_audio=negative)["s_audio_negative"]
    torch.testing.assert_close(
        s_neg, model.swab_audio(model.lstm_audio(negative)[0])[0]
    )


def test_model_refuses_bad_inputs_and_options_by_name():
    model = small()
    visual, audio = inputs()
    with pytest.raises(ValueError, match=r"visual must have shape \(B, T, 6, H, W\)"):
        model(visual[:, 0], audio)
    with pytest.raises(ValueError, match=r"audio must have shape \(B, T, 7\)"):
        model(visual, audio[..., :2])
    with pytest.raises(ValueError, match="same batch and segments"):
        model(visual[:1], audio)
    with pytest.raises(ValueError, match="negative_audio must have the shape"):
        model(visual, audio, negative_audio=audio[:, :2])
    with pytest.raises(ValueError, match="negative_audio needs the audio stream"):
        small(streams="visual")(visual, audio, negative_audio=audio)
    with pytest.raises(ValueError, match="aggregation=True needs SWAB"):
        small(swab=None)
    for bad in ({"fusion": "sum"}, {"streams": "all"}, {"swab": "min"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            small(**bad)
    with pytest.raises(ValueError, match="visual_channels"):
        EventLocalizer(0, DA)


def test_registry_builds_the_profiles_and_is_seeded():
    with pytest.raises(ValueError, match="visual_channels"):
        models.model_spec("event_localizer", "book", audio_dim=DA)
    with pytest.raises(ValueError, match="overrides for event_localizer"):
        models.model_spec("event_localizer", visual_channels=CV, audio_dim=DA, q=2)
    spec = models.model_spec(
        "event_localizer", "smoke", visual_channels=CV, audio_dim=DA, fusion="mfb"
    )
    assert spec["fusion"] == "mfb" and spec["num_classes"] == EVENT_CLASSES
    book = models.model_spec(
        "event_localizer", "book", visual_channels=CV, audio_dim=DA
    )
    full = models.model_spec(
        "event_localizer", "full", visual_channels=CV, audio_dim=DA
    )
    assert book["hidden"] < full["hidden"] and full["embed"] is None
    outputs = []
    for _ in range(2):
        torch.manual_seed(5)
        model = models.build_model(spec)
        outputs.append(model(*inputs())["logits"])
    assert isinstance(model, EventLocalizer) and model.fusion == "mfb"
    assert torch.equal(outputs[0], outputs[1])
    torch.manual_seed(6)
    assert not torch.equal(models.build_model(spec)(*inputs())["logits"], outputs[0])


# -- losses (chapter 16) --------------------------------------------------------------


def test_segment_cross_entropy_averages_over_segments():
    assert float(
        losses.segment_cross_entropy(torch.zeros(2, 3, 11), torch.zeros(2, 3))
    ) == pytest.approx(math.log(11))
    logits = torch.log(torch.tensor([[[0.5, 0.5], [0.9, 0.1]]]))
    labels = torch.tensor([[0, 1]])
    expected = -(math.log(0.5) + math.log(0.1)) / 2
    assert float(losses.segment_cross_entropy(logits, labels)) == pytest.approx(
        expected
    )
    with pytest.raises(ValueError, match="labels must be a tensor of shape"):
        losses.segment_cross_entropy(logits, labels[0])
    with pytest.raises(ValueError, match=r"logits must have shape \(B, T, C\)"):
        losses.segment_cross_entropy(logits[0], labels[0])


def test_mil_averages_the_segments_probabilities_then_takes_the_clip_loss():
    probs = torch.tensor([[[0.2, 0.8], [0.6, 0.4]]])
    logits = torch.log(probs) + 3.0  # a constant per segment does not change softmax
    torch.testing.assert_close(
        losses.clip_probabilities(logits), torch.tensor([[0.4, 0.6]])
    )
    assert float(losses.mil_loss(logits, torch.tensor([1]))) == pytest.approx(
        -math.log(0.6)
    )
    soft = losses.mil_loss(logits, torch.tensor([[0.5, 0.5]]))
    assert float(soft) == pytest.approx(-(math.log(0.4) + math.log(0.6)) / 2)
    with pytest.raises(ValueError, match=r"labels must have shape \(1,\) or \(1, 2\)"):
        losses.mil_loss(logits, torch.tensor([1, 0]))


def test_gram_matrices_on_hand_built_cases():
    eye = torch.eye(2)[None]
    torch.testing.assert_close(losses.normalized_gram(3.0 * eye), eye / math.sqrt(2))
    same = torch.tensor([[[1.0, 0.0], [1.0, 0.0]]])  # G = [[1, 1], [1, 1]], norm 2
    torch.testing.assert_close(losses.normalized_gram(same), torch.full((1, 2, 2), 0.5))
    # <I / sqrt 2, J / 2>_F = 2 / (2 sqrt 2)
    d = losses.gram_similarity(eye, same)
    torch.testing.assert_close(d, torch.tensor([1 / math.sqrt(2)]))
    # AVTGML: d_pos = 1 (the positive's Gram is the visual's), d_neg = 1 / sqrt 2
    loss = losses.avtgml_loss(eye, 5.0 * eye, same)
    assert float(loss) == pytest.approx(1 / math.sqrt(2) - 1 + 0.7)
    assert losses.AVTGML_MARGIN == 0.7
    # 3 x 3: orthogonal segments vs three equal ones: d = trace(J) / (3 sqrt 3)
    eye3, flat = torch.eye(3)[None], torch.ones(1, 3, 4)
    d3 = 1 / math.sqrt(3)
    torch.testing.assert_close(losses.gram_similarity(eye3, flat), torch.tensor([d3]))
    flat = flat[..., :3]  # the two audios come from one stream: one width
    assert float(losses.avtgml_loss(eye3, eye3, flat)) == pytest.approx(d3 - 0.3)
    assert float(losses.avtgml_loss(eye3, eye3, flat, margin=0.2)) == 0.0
    assert float(losses.avtgml_loss(eye3, flat, eye3)) == pytest.approx(1 - d3 + 0.7)
    # the batch mean of two clips
    two = losses.avtgml_loss(
        torch.cat([eye3, eye3]), torch.cat([eye3, flat]), torch.cat([flat, eye3])
    )
    assert float(two) == pytest.approx(((d3 - 0.3) + (1 - d3 + 0.7)) / 2)


def test_gram_losses_are_finite_for_zero_segments_and_refuse_bad_shapes():
    zeros = torch.zeros(1, 3, 2)
    assert torch.equal(losses.normalized_gram(zeros), torch.zeros(1, 3, 3))
    assert float(losses.avtgml_loss(zeros, zeros, zeros)) == pytest.approx(0.7)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, D\)"):
        losses.normalized_gram(zeros[0])
    with pytest.raises(ValueError, match="same B and T"):
        losses.gram_similarity(zeros, torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="positive_audio and negative_audio"):
        losses.avtgml_loss(zeros, zeros, torch.zeros(1, 3, 5))
    with pytest.raises(ValueError, match="margin"):
        losses.avtgml_loss(zeros, zeros, zeros, margin=-1.0)


# -- tasks ----------------------------------------------------------------------------


def batch(b: int = 4) -> dict[str, torch.Tensor]:
    visual, audio = inputs(7, b)
    labels = torch.arange(b * T).reshape(b, T) % EVENT_CLASSES
    return {"visual": visual, "audio": audio, "labels": labels, "label": labels[:, 0]}


def test_tasks_compute_their_losses_from_the_models_outputs():
    model = small()
    data = batch()
    with torch.no_grad():
        out = model(data["visual"], data["audio"])
    sup = training.SupervisedEventTask(model).val_step(data)
    assert sup["loss"] == pytest.approx(
        float(losses.segment_cross_entropy(out["logits"], data["labels"])), rel=1e-5
    )
    weak = training.WeakEventTask(model).val_step(data)
    assert weak["loss"] == pytest.approx(
        float(losses.mil_loss(out["logits"], data["label"])), rel=1e-5
    )
    assert weak["accuracy"] == pytest.approx(sup["accuracy"])
    task = training.AVTGMLTask(model)
    negative = data["audio"].roll(1, 0)
    torch.testing.assert_close(task.negatives(data), negative)
    with torch.no_grad():
        s_neg = model(data["visual"], data["audio"], negative)["s_audio_negative"]
    unsup = task.val_step(data)
    expected = losses.avtgml_loss(out["s_visual"], out["s_audio"], s_neg)
    assert unsup["loss"] == pytest.approx(float(expected), rel=1e-5)
    with pytest.raises(ValueError, match="negative_audio"):
        task.val_step(batch(1))
    with pytest.raises(KeyError, match="labels"):
        training.SupervisedEventTask(model).val_step({"visual": data["visual"]})


@pytest.mark.parametrize(
    "task_class",
    [training.SupervisedEventTask, training.WeakEventTask, training.AVTGMLTask],
)
def test_fit_trains_each_task_deterministically(task_class):
    data = training.DictDataset(**batch(8))
    config = training.TrainConfig(epochs=2, batch_size=4, lr=1e-2, seed=3)
    weights = []
    for _ in range(2):
        model = small()
        before = [p.detach().clone() for p in model.parameters()]
        training.fit(model, data, config=config, progress=False, task=task_class(model))
        after = list(model.parameters())
        assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))
        weights.append([p.detach().clone() for p in after])
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))
