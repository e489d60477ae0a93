"""The objectives of acousticlib.losses against closed forms and sign conventions."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Normal
from torch.distributions import kl_divergence as torch_kl

from acousticlib.losses import (
    adversarial_generator_loss,
    discriminator_loss,
    elbo_loss,
    generator_adversarial_loss,
    kl_divergence,
    reconstruction_loss,
    spatial_loss,
)


def test_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(5, 7, generator=g)
    sigma = torch.rand(5, 7, generator=g) + 0.1
    ref = (
        torch_kl(
            Normal(mu, sigma), Normal(torch.zeros_like(mu), torch.ones_like(sigma))
        )
        .sum(1)
        .mean()
    )
    assert torch.allclose(kl_divergence(mu, sigma), ref, atol=1e-6)


def test_kl_is_zero_only_at_the_prior():
    assert float(kl_divergence(torch.zeros(3, 4), torch.ones(3, 4))) == pytest.approx(
        0.0, abs=1e-7
    )
    assert float(kl_divergence(torch.full((3, 4), 0.1), torch.ones(3, 4))) > 0
    assert float(kl_divergence(torch.zeros(3, 4), torch.full((3, 4), 0.5))) > 0
    # one dimension with sigma = e: 0.5 * (e^2 - 1) - 1
    val = kl_divergence(torch.zeros(1, 1), torch.full((1, 1), math.e))
    assert float(val) == pytest.approx(0.5 * (math.e**2 - 1) - 1, rel=1e-6)


def test_reconstruction_is_mse_plus_huber():
    g = torch.Generator().manual_seed(1)
    a, b = (
        torch.rand(2, 12, 36, 48, generator=g),
        torch.rand(2, 12, 36, 48, generator=g),
    )
    mse = ((a - b) ** 2).mean()
    # all errors are below delta = 1, where Huber = 0.5 * err^2
    assert torch.allclose(reconstruction_loss(a, b), 1.5 * mse)
    big = torch.full((1, 4), 3.0)
    # with delta = 1 and error 3: MSE 9, Huber 1 * (3 - 0.5) = 2.5
    assert float(reconstruction_loss(big, torch.zeros(1, 4))) == pytest.approx(11.5)


def test_elbo_weights_kl_by_beta():
    g = torch.Generator().manual_seed(2)
    a, b = (
        torch.rand(2, 12, 36, 48, generator=g),
        torch.rand(2, 12, 36, 48, generator=g),
    )
    mu, sigma = torch.randn(2, 8, generator=g), torch.rand(2, 8, generator=g) + 0.5
    l0, l1 = elbo_loss(a, b, mu, sigma, beta=0.0), elbo_loss(a, b, mu, sigma, beta=0.25)
    assert torch.allclose(l0["loss"], l0["recon"])
    assert torch.allclose(l1["loss"], l1["recon"] + 0.25 * l1["kl"])
    with pytest.raises(ValueError, match="beta"):
        elbo_loss(a, b, mu, sigma, beta=-1.0)


def test_gan_losses_sign_conventions():
    high, low = torch.full((4, 1), 5.0), torch.full((4, 1), -5.0)
    # discriminator: real -> 1, fake -> 0
    assert (
        float(discriminator_loss(high, low))
        < 0.01
        < float(discriminator_loss(low, high))
    )
    assert float(
        discriminator_loss(torch.zeros(4, 1), torch.zeros(4, 1))
    ) == pytest.approx(math.log(2))
    # generator: wants fake -> 1, so its loss falls as the fake logit rises
    logit = torch.zeros(3, 1, requires_grad=True)
    generator_adversarial_loss(logit).backward()
    assert bool((logit.grad < 0).all())
    assert float(generator_adversarial_loss(high)) < float(
        generator_adversarial_loss(low)
    )
    # discriminator's gradient pushes real logits up and fake logits down
    r, f = torch.zeros(3, 1, requires_grad=True), torch.zeros(3, 1, requires_grad=True)
    discriminator_loss(r, f).backward()
    assert bool((r.grad < 0).all()) and bool((f.grad > 0).all())


def test_eq3_combines_the_terms_with_their_weights():
    logits, rec = torch.zeros(2, 1), torch.tensor(0.02)
    out = adversarial_generator_loss(logits, rec, lambda_adv=2.0, lambda_rec=100.0)
    assert float(out["loss"]) == pytest.approx(2 * math.log(2) + 2.0)


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="recon and target"):
        reconstruction_loss(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="mu"):
        kl_divergence(torch.zeros(2, 3, 1), torch.ones(2, 3, 1))


def test_spatial_loss_ignores_a_constant_per_map_and_sees_layout():
    g = torch.Generator().manual_seed(2)
    a = torch.rand(3, 12, 36, 48, generator=g)
    shift = torch.rand(3, 12, 1, 1, generator=g)  # another spectrum, the same layout
    assert float(spatial_loss(a + shift, a)) == pytest.approx(0.0, abs=1e-10)
    assert float(reconstruction_loss(a + shift, a)) > 0
    # a blob moved to another place: the layout differs, the per-map means do not
    blob = torch.zeros(1, 12, 36, 48)
    blob[..., 5:10, 5:10] = 1.0
    moved = torch.roll(blob, shifts=(20, 30), dims=(-2, -1))
    assert torch.allclose(moved.mean(dim=(-2, -1)), blob.mean(dim=(-2, -1)))
    diff = moved - blob
    assert float(spatial_loss(moved, blob)) == pytest.approx(
        float((diff**2).mean()), rel=1e-6
    )


def test_spatial_weight_adds_the_spatial_term():
    g = torch.Generator().manual_seed(3)
    a, b = (
        torch.rand(2, 12, 36, 48, generator=g),
        torch.rand(2, 12, 36, 48, generator=g),
    )
    base = reconstruction_loss(a, b)
    assert torch.allclose(
        reconstruction_loss(a, b, spatial_weight=30.0), base + 30.0 * spatial_loss(a, b)
    )
    mu, sigma = torch.zeros(2, 4), torch.ones(2, 4)
    out = elbo_loss(a, b, mu, sigma, spatial_weight=2.0)
    assert torch.allclose(out["loss"], base + 2.0 * spatial_loss(a, b))
    with pytest.raises(ValueError, match="spatial_weight"):
        reconstruction_loss(a, b, spatial_weight=-1.0)
    with pytest.raises(ValueError, match="at least 3 axes"):
        spatial_loss(torch.zeros(4, 5), torch.zeros(4, 5))
