"""Chapter 08's exercise checkers accept right answers, reject wrong ones with a
useful hint, refuse bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from acousticlib import exercises
from acousticlib.models import GeneratorConfig, build_model, model_spec


# --------------------------------------------------------------------------------- 08.1
@pytest.mark.parametrize(
    "mu, sigma",
    [([1.0, 0.0, -0.5], [0.5, 1.0, 2.0]), ([0.0], [1.0]), ([3.0, -2.0], [0.1, 0.7])],
)
def test_gaussian_kl_matches_torch_distributions(mu, sigma):
    q = torch.distributions.Normal(
        torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64)
    )
    p = torch.distributions.Normal(
        torch.zeros(len(mu), dtype=torch.float64),
        torch.ones(len(mu), dtype=torch.float64),
    )
    truth = float(torch.distributions.kl_divergence(q, p).sum())
    fb = exercises.check("08.1", truth, mu=mu, sigma=sigma)
    assert fb.correct, fb.message
    assert fb.expected == pytest.approx(truth, rel=1e-9, abs=1e-12)
    assert not exercises.check("08.1", truth + 0.5, mu=mu, sigma=sigma)


def test_gaussian_kl_prior_is_zero_and_monte_carlo_agrees():
    assert exercises.check("08.1", 0.0, mu=[0.0, 0.0], sigma=[1.0, 1.0])
    mu, sigma = np.array([0.5, -1.0]), np.array([0.8, 1.5])
    u = np.random.default_rng(0).standard_normal((400_000, 2))
    z = mu + sigma * u
    mc = float(np.mean(np.sum(-0.5 * u**2 - np.log(sigma) + 0.5 * z**2, axis=1)))
    assert exercises.check("08.1", mc, mu=mu, sigma=sigma), mc


def test_gaussian_kl_hints_at_the_log_sigma_squared_slip():
    mu, sigma = [1.0, 0.0], [0.5, 0.8]
    slip = float(
        np.sum(0.5 * (np.square(mu) + np.square(sigma) - 1) - 2 * np.log(sigma))
    )
    fb = exercises.check("08.1", slip, mu=mu, sigma=sigma)
    assert not fb.correct and "ln sigma^2" in fb.message
    assert not exercises.check("08.1", "many", mu=mu, sigma=sigma)
    assert not exercises.check("08.1", float("nan"), mu=mu, sigma=sigma)


@pytest.mark.parametrize(
    "mu, sigma",
    [
        ([0.0, 1.0], [1.0]),
        ([0.0], [0.0]),
        ([0.0], [-1.0]),
        ([], []),
        ([[0.0]], [[1.0]]),
    ],
)
def test_gaussian_kl_rejects_bad_parameters(mu, sigma):
    with pytest.raises(ValueError):
        exercises.check("08.1", 1.0, mu=mu, sigma=sigma)


# --------------------------------------------------------------------------------- 08.2
@pytest.mark.parametrize("mid, latent", [(133, 150), (32, 64), (8, 16)])
def test_latent_layer_params_match_a_torch_layer(mid, latent):
    layer = nn.Conv2d(mid, 2 * latent, kernel_size=(12, 16))
    count = sum(p.numel() for p in layer.parameters())
    fb = exercises.check("08.2", count, mid_channels=mid, latent=latent)
    assert fb.correct, fb.message
    assert fb.expected == count


@pytest.mark.parametrize("profile", ["smoke", "book"])
def test_latent_layer_params_match_the_uvae(profile):
    c = GeneratorConfig.for_profile(profile)
    with torch.random.fork_rng(devices=[]):
        model = build_model(model_spec("uvae", profile, arch=None))
    count = sum(p.numel() for p in model.to_latent.parameters())
    assert exercises.check("08.2", count, mid_channels=c.mid_channels, latent=c.latent)


def test_latent_layer_params_wrong_answers_get_specific_hints():
    no_bias = 2 * 150 * 133 * 12 * 16
    fb = exercises.check("08.2", no_bias, mid_channels=133, latent=150)
    assert not fb.correct and "bias" in fb.message
    half = 150 * (133 * 12 * 16 + 1)
    fb = exercises.check("08.2", half, mid_channels=133, latent=150)
    assert not fb.correct and "2 x latent" in fb.message
    assert not exercises.check("08.2", 12345, mid_channels=133, latent=150)
    assert not exercises.check("08.2", None, mid_channels=133, latent=150)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(mid_channels=0, latent=150),
        dict(mid_channels=133, latent=-1),
        dict(mid_channels=133, latent=150, grid=(0, 16)),
    ],
)
def test_latent_layer_params_reject_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        exercises.check("08.2", 1, **kwargs)


# --------------------------------------------------------------------------------- 08.3
def test_latent_compression_counts_the_image_values():
    image = torch.zeros(12, 36, 48)
    for latent in (150, 64, 16):
        assert exercises.check("08.3", image.numel() / latent, latent=latent)
        # forgot the channels
        assert not exercises.check("08.3", 36 * 48 / latent, latent=latent)
    assert exercises.check("08.3", 4 * 8 * 8 / 2, latent=2, channels=4, grid=(8, 8))
    assert not exercises.check("08.3", "big", latent=150)


def test_latent_compression_rejects_bad_sizes():
    with pytest.raises(ValueError):
        exercises.check("08.3", 1.0, latent=0)
    with pytest.raises(ValueError):
        exercises.check("08.3", 1.0, latent=150, channels=-12)


def test_chapter08_exercises_are_catalogued_under_their_notebook():
    from pathlib import Path

    ids = {e.id: e for e in exercises.catalogue()}
    for ex_id in ("08.1", "08.2", "08.3"):
        assert ids[ex_id].chapter == "08_u_vae"
        assert ids[ex_id].statement
    book = Path(__file__).resolve().parents[1] / "book"
    text = (book / "08_u_vae.ipynb").read_text()
    for ex_id in ("08.1", "08.2", "08.3"):
        assert f'check(\\"{ex_id}\\"' in text, (
            f"the chapter does not use the checker of {ex_id}"
        )
