"""Chapter 13's single-stream classifiers: the log-mel spectrogram, the VGGish-like
spectrogram CNN and the linear probe."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from acousticlib import features as F
from acousticlib.models import (
    LinearProbe,
    SpectrogramCNN,
    build_model,
    count_parameters,
    model_spec,
)
from acousticlib.sounds import FS

torch.set_num_threads(1)


def _tone(freq: float, rms: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(FS * seconds)) / FS
    return rms * np.sqrt(2) * np.sin(2 * np.pi * freq * t)


def test_log_mel_is_the_mel_sum_of_hand_computed_frame_powers():
    x = np.random.default_rng(0).normal(0, 0.02, FS)
    got = F.log_mel_spectrogram(x, FS)
    assert got.shape == (96, 64) and got.dtype == np.float32
    # by hand: centred Hann frames, power |X|^2 / sum w^2, HTK-mel sum, dB re 20 uPa
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(256) / 256)  # periodic Hann
    padded = np.pad(x, (64, 64))
    frames = np.stack([padded[t * 128 : t * 128 + 256] for t in range(96)])
    spec = np.abs(np.fft.rfft(frames * w, axis=-1))[:, :128]
    power = 2 * spec**2 / (256 * np.sum(w**2))
    fb = F.mel_filterbank(FS, 128, n_mels=64, fmin=125.0, fmax=FS / 2)
    mel = power @ fb.T
    want = 10 * np.log10(np.maximum(mel / F.P_REF**2, 1e-3))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


def test_a_tone_is_loudest_in_its_band_at_about_its_level():
    rms = 0.2  # Pa: 80 dB SPL
    spec = F.log_mel_spectrogram(_tone(1000.0, rms), FS)
    fb = F.mel_filterbank(FS, 128, n_mels=64, fmin=125.0, fmax=FS / 2)
    band = int(np.argmax(spec[48]))
    # the band whose triangle weighs the tone's bin (1000 Hz / 48 Hz = bin 20.8) most
    assert band in np.argsort(fb[:, 20] + fb[:, 21])[-2:]
    level = 20 * np.log10(rms / F.P_REF)
    # all the tone's power falls in one or two overlapping triangles of peak 1
    assert level - 3.0 < spec[48, band] <= level + 0.1


def test_torch_and_numpy_log_mel_agree():
    x = np.random.default_rng(1).normal(0, 0.1, (2, FS))
    np.testing.assert_allclose(
        F.log_mel_spectrogram(torch.from_numpy(x).float(), FS).numpy(),
        F.log_mel_spectrogram(x, FS),
        atol=2e-3,
    )
    with pytest.raises(ValueError, match="n_fft must be even"):
        F.log_mel_spectrogram(x, FS, n_fft=255)


@pytest.mark.parametrize("profile", ["smoke", "book", "full"])
def test_spectrogram_cnn_classifies_one_second_clips(profile):
    spec = model_spec("spectrogram_cnn", profile)
    torch.manual_seed(0)
    model = build_model(spec).eval()
    assert isinstance(model, SpectrogramCNN)
    x = torch.randn(3, 12, 1024) * 0.05
    with torch.no_grad():
        logits, emb = model(x), model.embed(x)
        flat = model(x.flatten(1))
    assert logits.shape == (3, 10) and emb.shape == (3, spec["embedding"])
    torch.testing.assert_close(logits, flat)
    assert model.log_mel(x).shape == (3, 1, 96, 64)
    assert bool((emb >= 0).all())  # ReLU'd embedding


def test_full_spectrogram_cnn_has_vggish_widths():
    spec = model_spec("spectrogram_cnn", "full")
    assert spec["channels"] == [64, 128, 256, 512] and spec["embedding"] == 128
    assert count_parameters(build_model(spec)) > count_parameters(
        build_model(model_spec("spectrogram_cnn", "book"))
    )


def test_spectrogram_cnn_and_probe_refuse_bad_inputs():
    with pytest.raises(ValueError, match="4 blocks"):
        SpectrogramCNN(channels=(4, 8))
    with pytest.raises(ValueError, match="audio must be"):
        SpectrogramCNN()(torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="overrides for spectrogram_cnn"):
        model_spec("spectrogram_cnn", "book", widths=3)
    with pytest.raises(ValueError, match="in_features"):
        model_spec("linear_probe", "book")
    probe = build_model(model_spec("linear_probe", "book", in_features=5))
    assert isinstance(probe, LinearProbe) and probe(torch.ones(2, 5)).shape == (2, 10)
    with pytest.raises(ValueError, match=r"x must be \(B, 5\)"):
        probe(torch.ones(2, 4))


def test_visual_backbone_is_a_trainable_video_stream_of_a_pair():
    from acousticlib.models import AudioVisualPair, VisualBackbone

    spec = model_spec(
        "av_pair",
        "smoke",
        audio=model_spec("hearnet", "smoke"),
        video=model_spec("visual_backbone", "smoke"),
    )
    torch.manual_seed(0)
    pair = build_model(spec)
    assert isinstance(pair, AudioVisualPair) and isinstance(pair.video, VisualBackbone)
    assert not pair.video.freeze_trunk
    assert all(p.requires_grad for p in pair.video.trunk.parameters())
    a, v = pair(torch.rand(2, 192, 129), torch.rand(2, 3, 144, 192))
    assert a.shape[1] == v.shape[1] and v.shape[-2:] == (12, 16)
    with pytest.raises(ValueError, match="same channels"):
        model_spec(
            "av_pair",
            "smoke",
            audio=model_spec("hearnet", "smoke"),
            video=model_spec("visual_backbone", "smoke", out_channels=3),
        )
    with pytest.raises(ValueError, match="overrides for visual_backbone"):
        model_spec("visual_backbone", "book", arch="resnet50")
