"""Checkers of chapters 09 (AU-VAE) and 10 (MCGAN): right answers pass, wrong ones
fail, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from acousticlib import exercises, losses


def _logit(p: float) -> torch.Tensor:
    return torch.tensor([[math.log(p / (1 - p))]], dtype=torch.float64)


@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99))
@settings(max_examples=30, deadline=None)
def test_bce_checker_agrees_with_the_library_loss(d_real, d_fake):
    # The library's BCE on logits is an independent implementation of the same quantity.
    expected = float(losses.discriminator_loss(_logit(d_real), _logit(d_fake)))
    assert exercises.check("09.1", expected, d_real=d_real, d_fake=d_fake)
    assert not exercises.check(
        "09.1", expected * 1.1 + 0.01, d_real=d_real, d_fake=d_fake
    )


def test_bce_checker_at_equilibrium_and_bad_input():
    assert exercises.check("09.1", math.log(2))  # D = 1/2 on both halves
    assert not exercises.check("09.1", math.log10(2))  # decimal logarithm: wrong units
    assert not exercises.check("09.1", 2 * math.log(2))  # summed instead of averaged
    assert not exercises.check("09.1", "log 2")
    assert not exercises.check("09.1", float("nan"))
    with pytest.raises(ValueError, match="d_real"):
        exercises.check("09.1", 0.7, d_real=1.0)
    with pytest.raises(ValueError, match="d_fake"):
        exercises.check("09.1", 0.7, d_fake="half")


def test_adversarial_share_checker():
    # 1 * 0.7 against 100 * 0.028 = 2.8: the adversarial term is a fifth of the loss.
    assert exercises.check("09.2", 0.2, adv=0.7, rec=0.028)
    assert exercises.check(
        "09.2", 0.5, adv=1.0, rec=1.0, lambda_adv=1.0, lambda_rec=1.0
    )
    # forgot lambda_rec
    assert not exercises.check("09.2", 0.7 / (0.7 + 0.028), adv=0.7, rec=0.028)
    # the reconstruction share instead
    assert not exercises.check("09.2", 0.8, adv=0.7, rec=0.028)
    # no adversarial weight, no share
    assert exercises.check("09.2", 0.0, adv=0.7, rec=0.028, lambda_adv=0.0)
    with pytest.raises(ValueError, match="rec"):
        exercises.check("09.2", 0.2, adv=0.7, rec=-1.0)
    with pytest.raises(ValueError, match="positive"):
        exercises.check("09.2", 0.2, adv=0.0, rec=0.0)


def test_gradient_ratio_checker_matches_autograd():
    for p in (0.01, 0.2, 0.5, 0.9):
        a = _logit(p).requires_grad_(True)
        (sat,) = torch.autograd.grad(torch.log1p(-torch.sigmoid(a)).sum(), a)
        b = _logit(p).requires_grad_(True)
        (ns,) = torch.autograd.grad((-torch.log(torch.sigmoid(b))).sum(), b)
        ratio = float(ns.abs() / sat.abs())
        assert exercises.check("09.3", ratio, d_fake=p)
        assert not exercises.check(
            "09.3", 1 / ratio if abs(ratio - 1) > 0.05 else ratio + 1, d_fake=p
        )
    with pytest.raises(ValueError, match="d_fake"):
        exercises.check("09.3", 1.0, d_fake=0.0)


def test_optimal_discriminator_checker():
    # Same densities: D* = 1/2 everywhere.
    assert exercises.check(
        "10.1", 0.5, y=1.3, mu_data=0.0, sigma_data=1.0, mu_gen=0.0, sigma_gen=1.0
    )

    # Independent computation with the normal pdf written out.
    def pdf(y, m, s):
        return math.exp(-0.5 * ((y - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))

    y, args = 0.5, dict(mu_data=0.0, sigma_data=1.0, mu_gen=2.0, sigma_gen=0.5)
    expected = pdf(y, 0.0, 1.0) / (pdf(y, 0.0, 1.0) + pdf(y, 2.0, 0.5))
    assert exercises.check("10.1", expected, y=y, **args)
    # D* of the generated side
    assert not exercises.check("10.1", 1 - expected, y=y, **args)
    # the density, not the ratio
    assert not exercises.check("10.1", pdf(y, 0.0, 1.0), y=y, **args)
    # Far in the generator's tail D* is about 0; an absolute tolerance accepts 0.
    assert exercises.check(
        "10.1", 0.0, y=2.0, mu_data=-5.0, sigma_data=0.5, mu_gen=2.0, sigma_gen=0.5
    )
    with pytest.raises(ValueError, match="sigma_gen"):
        exercises.check(
            "10.1", 0.5, y=0.0, mu_data=0.0, sigma_data=1.0, mu_gen=0.0, sigma_gen=0.0
        )


def test_diversity_ratio_checker():
    rng = np.random.default_rng(0)
    conditions = rng.normal(size=(1, 6, 3, 4))  # N = 6 conditions
    # K = 4 identical draws: the noise is ignored
    ignored = np.repeat(conditions, 4, axis=0)
    assert exercises.check("10.2", 0.0, samples=ignored)
    assert not exercises.check("10.2", 1.0, samples=ignored)
    noisy = conditions + 0.5 * rng.normal(size=(4, 6, 3, 4))
    within = np.mean([noisy[:, n].std(axis=0).mean() for n in range(6)])
    across = np.mean([noisy[k].std(axis=0).mean() for k in range(4)])
    assert exercises.check("10.2", within / across, samples=noisy)
    assert not exercises.check("10.2", across / within, samples=noisy)
    assert not exercises.check("10.2", "none", samples=noisy)
    with pytest.raises(ValueError, match="K >= 2"):
        exercises.check("10.2", 0.0, samples=conditions)
    with pytest.raises(ValueError, match="across conditions"):
        exercises.check("10.2", 0.0, samples=np.ones((3, 4, 2)))


def test_chapter_09_10_exercises_are_registered():
    ids = {e.id: e.chapter for e in exercises.catalogue()}
    assert {k: ids.get(k) for k in ("09.1", "09.2", "09.3")} == dict.fromkeys(
        ("09.1", "09.2", "09.3"), "09_au_vae"
    )
    assert {k: ids.get(k) for k in ("10.1", "10.2")} == dict.fromkeys(
        ("10.1", "10.2"), "10_mcgan"
    )


def test_game_value_checker_at_the_optimal_discriminator():
    # matching distributions: D* = 1/2 everywhere, value 2 log(1/2) = -log 4
    assert exercises.check("10.3", -math.log(4), p_data=[0.5, 0.5], p_gen=[0.5, 0.5])
    # disjoint supports: D* = 1 on the data, 0 on the generated outcome, value 0
    assert exercises.check("10.3", 0.0, p_data=[1, 0], p_gen=[0, 1])
    # (0.5, 0.3, 0.2) vs (0.2, 0.3, 0.5): D* = (5/7, 1/2, 2/7)
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    value = float(np.sum(p * np.log(p / (p + q)) + q * np.log(q / (p + q))))
    assert exercises.check("10.3", value, p_data=p, p_gen=q)
    jsd = (value + math.log(4)) / 2
    wrong = exercises.check("10.3", jsd, p_data=p, p_gen=q)
    assert not wrong and "Jensen-Shannon" in wrong.message
    wrong = exercises.check("10.3", value / math.log(2), p_data=p, p_gen=q)
    assert not wrong and "bits" in wrong.message
    assert not exercises.check("10.3", "low", p_data=p, p_gen=q)
    with pytest.raises(ValueError, match="p_gen must sum to 1"):
        exercises.check("10.3", 0.0, p_data=[0.5, 0.5], p_gen=[0.5, 0.6])
    with pytest.raises(ValueError, match="same length"):
        exercises.check("10.3", 0.0, p_data=[0.5, 0.5], p_gen=[1.0])
    ids = {e.id: e.chapter for e in exercises.catalogue()}
    assert ids["10.3"] == "10_mcgan"
