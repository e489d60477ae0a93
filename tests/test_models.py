"""Shapes, structure and invariants of the book's networks (acousticlib.models)."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision
from _toy import TINY, toy_frames

from acousticlib.models import (
    ALIGN_SHIFT,
    AUVAE,
    MCGAN,
    UVAE,
    DualCamNet,
    GeneratorConfig,
    MCGANGenerator,
    VisualBackbone,
    build_model,
    generator_inputs,
    model_spec,
    receptive_field,
)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def backbone() -> VisualBackbone:
    torch.manual_seed(0)
    return VisualBackbone("resnet18", 4).eval()


@pytest.mark.parametrize("size", [(144, 192), (480, 640)])
def test_backbone_map_is_12x16_for_both_frame_sizes(backbone, size):
    out = backbone(torch.rand(2, 3, *size))
    assert out.shape == (2, 4, 12, 16)


@pytest.mark.parametrize("size", [(144, 192), (480, 640)])
def test_prepared_frame_is_shifted_half_a_cell(size):
    # a block exactly covering visual cell (i, j) = 3 x 3 acoustic pixels lands on rows
    # 16i-8..16i+7
    h, w = size
    i, j = 5, 9
    frames = torch.zeros(1, 3, h, w)
    frames[..., i * h // 12 : (i + 1) * h // 12, j * w // 16 : (j + 1) * w // 16] = 1.0
    vb = VisualBackbone("resnet18", 4, imagenet_normalization=False)
    x = vb.prepare(frames)[0, 0]
    assert x.shape == (192, 256)
    rows = torch.nonzero(x.max(1).values > 0.5).flatten()
    cols = torch.nonzero(x.max(0).values > 0.5).flatten()
    assert (
        rows.min() == 16 * i - ALIGN_SHIFT and rows.max() == 16 * i + 15 - ALIGN_SHIFT
    )
    assert (
        cols.min() == 16 * j - ALIGN_SHIFT and cols.max() == 16 * j + 15 - ALIGN_SHIFT
    )


def _box_filter_backbone():
    """A ResNet-18 backbone (scale 2: 384 x 512 input, so interior receptive fields are
    not cut by the border) whose convolutions all average and whose batch norms are
    identities: its receptive fields are symmetric about each cell's sampling point."""
    vb = VisualBackbone("resnet18", 4, scale=2, imagenet_normalization=False).eval()
    with torch.no_grad():
        for m in vb.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.weight.fill_(1.0 / m.weight[0].numel())
            elif isinstance(m, torch.nn.BatchNorm2d):
                (
                    m.weight.fill_(1.0),
                    m.bias.zero_(),
                    m.running_mean.zero_(),
                    m.running_var.fill_(1.0),
                )
    # same window geometry as the max-pool, without its tie-breaking toward the top-left
    vb.trunk[3] = torch.nn.AvgPool2d(kernel_size=3, stride=2, padding=1)
    return vb


@pytest.mark.parametrize("cell", [(5, 8), (4, 6), (6, 9)])
def test_each_trunk_cell_is_centred_on_its_block_of_the_frame(cell):
    # gradient centre of mass of one trunk cell w.r.t. the frame pixels (its effective
    # receptive field)
    vb = _box_filter_backbone()
    frame = torch.full((1, 3, 384, 512), 0.5, requires_grad=True)
    vb.trunk_features(frame)[0, :, cell[0], cell[1]].sum().backward()
    g = frame.grad.abs().sum(dim=(0, 1))
    r = (g.sum(1) * torch.arange(384)).sum() / g.sum()
    c = (g.sum(0) * torch.arange(512)).sum() / g.sum()
    # the centre of the cell's 32 x 32 block
    assert abs(float(r) - (32 * cell[0] + 15.5)) <= 1.0
    assert abs(float(c) - (32 * cell[1] + 15.5)) <= 1.0


def test_backbone_accepts_precomputed_trunk_features(backbone):
    frames = torch.rand(2, 3, 144, 192)
    with torch.no_grad():
        assert torch.allclose(
            backbone(frames), backbone(backbone.trunk_features(frames))
        )


def test_resnet50_trunk_is_output_stride_16():
    vb = VisualBackbone("resnet50", 12)
    assert vb.trunk_channels == 1024 and receptive_field("resnet50")["stride"] == 16
    with torch.no_grad():
        assert vb.trunk_features(torch.rand(1, 3, 144, 192)).shape == (1, 1024, 12, 16)


def test_frozen_trunk_gets_no_gradient_and_keeps_bn_statistics():
    vb = VisualBackbone("resnet18", 4, freeze_trunk=True).train()
    assert not vb.trunk[1].training and vb.head.training
    vb(torch.rand(2, 3, 144, 192)).sum().backward()
    assert all(p.grad is None for p in vb.trunk.parameters())
    assert all(p.grad is not None for p in vb.head.parameters())


def test_weights_load_from_a_local_file_and_bad_files_are_refused(tmp_path):
    torch.manual_seed(1)
    ref = torchvision.models.resnet18(weights=None)
    torch.save(ref.state_dict(), tmp_path / "r18.pt")
    vb = VisualBackbone("resnet18", 4, weights=tmp_path / "r18.pt")
    assert torch.equal(vb.trunk[0].weight, ref.conv1.weight)
    assert torch.equal(vb.trunk[6][1].conv2.weight, ref.layer3[1].conv2.weight)
    with pytest.raises(ValueError, match="weights"):
        VisualBackbone("resnet18", 4, weights=tmp_path / "missing.pt")
    torch.save({"conv1.weight": ref.conv1.weight}, tmp_path / "partial.pt")
    with pytest.raises(ValueError, match="missing"):
        VisualBackbone("resnet18", 4, weights=tmp_path / "partial.pt")


def test_frames_with_wrong_aspect_ratio_are_refused(backbone):
    with pytest.raises(ValueError, match="frames"):
        backbone(torch.rand(1, 3, 144, 144))


@pytest.mark.parametrize("size", [(144, 192), (480, 640)])
@pytest.mark.parametrize("cls", [UVAE, MCGANGenerator])
def test_generators_with_backbone_map_condition_to_acoustic_image(size, cls):
    torch.manual_seed(0)
    model = cls(GeneratorConfig.for_profile("smoke")).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 12, 36, 48), torch.rand(2, 3, *size))
    assert out["recon"].shape == (2, 12, 36, 48)
    assert float(out["recon"].min()) >= 0 and float(out["recon"].max()) <= 1


def test_skip_variants_differ_in_structure_and_in_what_the_decoder_reads():
    names = {}
    for skips in (0, 1, 2):
        m = UVAE(GeneratorConfig(**{**TINY.to_dict(), "skips": skips}))
        names[skips] = {n for n, _ in m.named_modules()}
    assert "decoder.merge1" not in names[0] and "decoder.merge2" not in names[0]
    assert "decoder.merge1" in names[1] and "decoder.merge2" not in names[1]
    assert {"decoder.merge1", "decoder.merge2"} <= names[2]
    # functionally: with 0 skips the decoder ignores the skip tensors; with 1 it reads
    # the 36 x 48 one
    torch.manual_seed(0)
    z = torch.randn(2, TINY.latent)
    skips = [torch.rand(2, 4, 36, 48), torch.rand(2, 4, 12, 16)]
    other = [torch.rand(2, 4, 36, 48), skips[1]]
    for n, changes in ((0, False), (1, True)):
        dec = UVAE(GeneratorConfig(**{**TINY.to_dict(), "skips": n})).decoder
        assert (not torch.allclose(dec(z, skips), dec(z, other))) == changes


def test_uvae_samples_in_training_and_uses_the_mean_in_eval():
    torch.manual_seed(0)
    model = UVAE(TINY)
    audio, vis = torch.rand(3, 12, 36, 48), torch.rand(3, 2, 12, 16)
    out = model(audio, vis)
    assert out["mu"].shape == out["sigma"].shape == (3, TINY.latent) and bool(
        (out["sigma"] > 0).all()
    )
    assert not torch.equal(out["z"], out["mu"])
    model.eval()
    a, b = model(audio, vis), model(audio, vis)
    assert torch.equal(a["z"], a["mu"]) and torch.equal(a["recon"], b["recon"])


def test_mcgan_output_depends_on_the_noise_and_has_no_skips():
    torch.manual_seed(0)
    model = MCGAN(TINY, disc_channels=(4, 8)).eval()
    audio, vis = torch.rand(2, 12, 36, 48), torch.rand(2, 2, 12, 16)
    z1, z2 = torch.randn(2, TINY.noise), torch.randn(2, TINY.noise)
    assert torch.equal(
        model(audio, vis, z=z1)["recon"], model(audio, vis, z=z1)["recon"]
    )
    assert not torch.allclose(
        model(audio, vis, z=z1)["recon"], model(audio, vis, z=z2)["recon"]
    )
    assert (
        model.generator.decoder.merge1 is None
        and model.generator.decoder.merge2 is None
    )
    with pytest.raises(ValueError, match="z must"):
        model(audio, vis, z=torch.randn(2, TINY.noise + 1))


def test_dualcamnet_windows_frames_and_scale_invariance():
    torch.manual_seed(0)
    net = DualCamNet(10, (8, 16)).eval()
    x = torch.rand(3, 12, 12, 36, 48)
    assert net(x).shape == (3, 10) and net.feature_map(x).shape == (3, 12, 16, 12, 16)
    assert net(x[:, 0]).shape == (3, 10)
    # per-frame min-max normalisation: an affine change of each frame's scale changes
    # nothing
    assert torch.allclose(net(3.0 * x + 2.0), net(x), atol=1e-5)
    # the temporal conv mixes frames: changing frame 0 changes frame 3's features
    # (within 7 // 2 frames)
    y = x.clone()
    y[:, 0] = torch.rand(3, 12, 36, 48)
    assert not torch.allclose(net.feature_map(x)[:, 3], net.feature_map(y)[:, 3])
    assert torch.allclose(net.feature_map(x)[:, 4], net.feature_map(y)[:, 4])


def test_dualcamnet_batch_norm_option():
    plain, normed = DualCamNet(10, (8, 16)), DualCamNet(10, (8, 16), batch_norm=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in normed.modules()) == 2
    assert normed.eval()(torch.rand(2, 12, 12, 36, 48)).shape == (2, 10)
    spec = model_spec("dualcamnet", "book", batch_norm=True)
    assert (
        build_model(spec).batch_norm
        and not build_model(model_spec("dualcamnet", "book")).batch_norm
    )
    with pytest.raises(TypeError, match="batch_norm"):
        DualCamNet(10, (8, 16), batch_norm="yes")


def test_dualcamnet_pool_and_dropout_options():
    torch.manual_seed(0)
    x = torch.rand(3, 12, 12, 36, 48)
    base = DualCamNet(10, (8, 16), batch_norm=True).eval()
    # the default is the papers' global average, with no extra modules or parameters
    # the papers' network: no dropout module, so it prints as before the option
    assert base.pool == "avg" and base.dropout is None
    assert "dropout" not in repr(base) and "attention" not in repr(base)
    assert torch.allclose(
        base(x), base.head(base.feature_map(x).mean(dim=(1, 3, 4))), atol=1e-6
    )
    for pool, size in (("max", 16), ("avgmax", 32), ("attention", 16)):
        torch.manual_seed(0)
        net = DualCamNet(10, (8, 16), batch_norm=True, pool=pool, dropout=0.5).eval()
        assert net.embed(x).shape == (3, size) and net(x).shape == (3, 10)
        assert net(x[:, 0]).shape == (3, 10)
        m = net.acoustic_map(x)
        if pool == "max":
            assert torch.equal(net.embed(x), m.amax(dim=(2, 3)))
        if pool == "avgmax":
            assert torch.allclose(net.embed(x)[:, :16], m.mean(dim=(2, 3)), atol=1e-6)
        if pool == "attention":
            # a weighted average of the map's cells: within their range per channel
            e = net.embed(x)
            assert (e <= m.amax(dim=(2, 3)) + 1e-6).all()
            assert (e >= m.amin(dim=(2, 3)) - 1e-6).all()
        # dropout acts in training only
        assert torch.equal(net(x), net(x))
        net.train()
        assert not torch.equal(net.head(net.embed(x)), net(x))
    # the default spec, and so every other DualCamNet's cache key, is unchanged
    assert model_spec("dualcamnet", "book", batch_norm=True) == {
        "name": "dualcamnet",
        "num_classes": 10,
        "channels": [16, 32],
        "batch_norm": True,
    }
    built = build_model(model_spec("dualcamnet", "book", pool="max", dropout=0.2))
    assert built.pool == "max" and built.dropout.p == 0.2
    with pytest.raises(ValueError, match="pool"):
        DualCamNet(10, (8, 16), pool="median")
    with pytest.raises(ValueError, match="dropout"):
        DualCamNet(10, (8, 16), dropout=1.0)


def test_generator_padding_option():
    assert "padding" not in GeneratorConfig().to_dict()  # old cache keys unchanged
    cfg = GeneratorConfig(
        enc_channels=4,
        mid_channels=4,
        latent=8,
        visual_channels=4,
        noise=4,
        arch=None,
        padding="reflect",
    )
    assert cfg.to_dict()["padding"] == "reflect"
    model = UVAE(cfg)
    convs = [
        m
        for m in model.modules()
        if isinstance(m, torch.nn.Conv2d)
        and m.kernel_size == (3, 3)
        and m.stride == (1, 1)
    ]
    assert convs and all(m.padding_mode == "reflect" for m in convs)
    out = model(torch.rand(2, 12, 36, 48), torch.rand(2, 4, 12, 16))["recon"]
    assert out.shape == (2, 12, 36, 48)
    assert all(
        m.padding_mode == "zeros"
        for m in UVAE(GeneratorConfig(arch=None, visual_channels=4)).modules()
        if isinstance(m, torch.nn.Conv2d)
    )
    with pytest.raises(ValueError, match="padding"):
        GeneratorConfig(padding="circular")


def test_adversarial_models_have_a_one_logit_dualcamnet_discriminator():
    for cls in (AUVAE, MCGAN):
        m = cls(TINY, disc_channels=(4, 8))
        assert isinstance(m.discriminator, DualCamNet)
        assert m.discriminator(torch.rand(5, 12, 36, 48)).shape == (5, 1)


def test_invalid_inputs_name_the_parameter():
    model = UVAE(TINY)
    with pytest.raises(ValueError, match="audio"):
        model(torch.rand(2, 12, 36, 47), torch.rand(2, 2, 12, 16))
    with pytest.raises(ValueError, match="visual"):
        model(torch.rand(2, 12, 36, 48), torch.rand(2, 3, 12, 16))
    with pytest.raises(ValueError, match="skips"):
        GeneratorConfig(skips=3)
    with pytest.raises(ValueError, match="channels"):
        DualCamNet(10, (8,))
    with pytest.raises(ValueError, match="mfcc_mono"):
        generator_inputs({"frame": torch.rand(2, 3, 144, 192)})


def test_generator_inputs_are_normalised_and_fold_windows():
    data = toy_frames(4, frames=3)
    batch = {k: torch.stack([data[i][k] for i in range(4)]) for k in data[0]}
    x = generator_inputs(batch)
    assert (
        x["lead"] == (4, 3)
        and x["audio"].shape == (12, 12, 36, 48)
        and x["visual"].shape == (12, 2, 12, 16)
    )
    flat = x["target"].flatten(1)
    assert torch.allclose(flat.min(1).values, torch.zeros(12)) and torch.allclose(
        flat.max(1).values, torch.ones(12)
    )
    assert torch.equal(x["audio"][:, :, 0, 0], x["audio"][:, :, 35, 47])


def test_profiles_carry_the_paper_sizes_and_build_reproducibly():
    full = model_spec("uvae", "full")["generator"]
    assert (
        full["enc_channels"],
        full["mid_channels"],
        full["latent"],
        full["arch"],
    ) == (128, 133, 150, "resnet50")
    assert model_spec("dualcamnet", "full")["channels"] == [32, 128]
    spec = model_spec("mcgan", "smoke", arch=None)
    torch.manual_seed(3)
    a = build_model(spec)
    torch.manual_seed(3)
    b = build_model(spec)
    assert all(
        torch.equal(p, q)
        for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=False)
    )
    with pytest.raises(ValueError, match="name"):
        model_spec("vae")


@pytest.mark.parametrize("name", ["uvae", "auvae", "mcgan"])
def test_full_profile_generators_train_one_step_at_the_paper_sizes(name):
    """The ``full`` profile (a GPU's run) builds and takes one training step on CPU at
    its real widths: ResNet-50 trunk features in, 128/133 channels, latent 150, the
    paper's DualCamNet discriminator."""
    from acousticlib.models.visual import TRUNK_CHANNELS
    from acousticlib.training import TrainConfig, task_for

    torch.manual_seed(0)
    spec = model_spec(name, "full")
    model = build_model(spec)
    config = model.config if hasattr(model, "config") else model.generator.config
    assert (config.enc_channels, config.mid_channels, config.latent) == (128, 133, 150)
    g = torch.Generator().manual_seed(1)
    batch = {
        "acoustic": torch.rand(2, 12, 36, 48, generator=g),
        "frame": torch.rand(2, TRUNK_CHANNELS[config.arch], 12, 16, generator=g),
        "mfcc_mono": torch.rand(2, 12, generator=g),
        "label": torch.tensor([0, 1]),
    }
    task = task_for(model)
    opts = task.optimizers(TrainConfig(epochs=1, batch_size=2, lr=1e-4))
    before = [p.detach().clone() for p in model.parameters() if p.requires_grad]
    logs = task.train_step(batch, opts)
    assert logs and all(math.isfinite(v) for v in logs.values())
    after = [p for p in model.parameters() if p.requires_grad]
    # the step changed the weights
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=False))
    model.eval()
    with torch.no_grad():
        assert math.isfinite(task.val_step(batch)["loss"])
