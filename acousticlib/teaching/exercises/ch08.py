"""Exercise checkers of chapter 08."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import (
    Feedback,
    _positive_ints,
    compare_count,
    compare_number,
    exercise,
    verdict,
)


@exercise(
    "08.1",
    "08_u_vae",
    "KL divergence (nats) of a diagonal Gaussian posterior N(mu, diag sigma^2) from "
    "N(0, I).",
)
def check_gaussian_kl(answer: Any, *, mu: Any, sigma: Any) -> Feedback:
    """``sum_j 0.5 (mu_j^2 + sigma_j^2 - 1) - ln sigma_j`` in nats for vectors ``mu``,
    ``sigma`` ``(d,)``, ``sigma > 0`` (the U-VAE's latent term, chapter 08)."""
    from ..._checks import as_array

    m = as_array("mu", mu, ndim=1, dtype=np.float64)
    s = as_array("sigma", sigma, ndim=1, dtype=np.float64)
    if m.shape != s.shape or m.size == 0:
        raise ValueError(
            f"mu and sigma must be vectors of the same length d >= 1; got {m.shape} "
            f"and {s.shape}"
        )
    if np.any(s <= 0):
        raise ValueError(f"sigma must hold standard deviations > 0; got {s.tolist()}")
    expected = float(np.sum(0.5 * (m**2 + s**2 - 1.0) - np.log(s)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict(False, f"expected a number of nats; got {answer!r}.", expected)
    tol = 0.01 * max(abs(expected), 0.1)
    if math.isfinite(value) and abs(value - expected) <= tol:
        return verdict(
            True, f"KL = {value:.4g} nats (expected {expected:.4g}).", expected
        )
    hint = (
        "Sum over the dimensions 0.5 (mu^2 + sigma^2 - 1) - ln sigma, with the natural "
        "logarithm."
    )
    if (
        math.isfinite(value)
        and abs(value - float(np.sum(0.5 * (m**2 + s**2 - 1.0) - 2 * np.log(s)))) <= tol
    ):
        hint = "The log term is ln sigma = 0.5 ln sigma^2, not ln sigma^2."
    return verdict(False, f"{value:.4g} nats is not right. {hint}", expected)


@exercise(
    "08.2",
    "08_u_vae",
    "Parameters of the U-VAE's latent layer: a valid conv over the whole 12 x 16 map "
    "to 2 x latent outputs.",
)
def check_latent_layer_params(
    answer: Any, *, mid_channels: int, latent: int, grid: tuple[int, int] = (12, 16)
) -> Feedback:
    """``2 latent (mid_channels rows cols + 1)``: one filter per output (mu and raw
    sigma), each spanning the whole ``mid_channels x rows x cols`` map, plus its bias
    (chapter 08)."""
    v = _positive_ints(
        mid_channels=mid_channels, latent=latent, rows=grid[0], cols=grid[1]
    )
    fan_in = v["mid_channels"] * v["rows"] * v["cols"]
    expected = 2 * v["latent"] * (fan_in + 1)
    return compare_count(
        answer,
        expected,
        what="parameters",
        right=f"{expected:,} parameters: {2 * v['latent']} filters of {fan_in:,} "
        f"weights and one bias each.",
        mistakes=[
            (2 * v["latent"] * fan_in, "Each filter also has a bias."),
            (
                v["latent"] * (fan_in + 1),
                "The layer outputs both mu and the raw sigma: 2 x latent filters.",
            ),
        ],
        hint="Each filter sees every channel and every cell of the 12 x 16 map.",
    )


@exercise(
    "08.3",
    "08_u_vae",
    "By what factor is the latent vector smaller than the acoustic image (channels x "
    "rows x cols)?",
)
def check_latent_compression(
    answer: Any, *, latent: int, channels: int = 12, grid: tuple[int, int] = (36, 48)
) -> Feedback:
    """``channels rows cols / latent`` (20 736 / 150 = 138.24 at the paper's sizes;
    chapter 08)."""
    v = _positive_ints(latent=latent, channels=channels, rows=grid[0], cols=grid[1])
    return compare_number(
        answer,
        v["channels"] * v["rows"] * v["cols"] / v["latent"],
        rtol=0.01,
        hint="Count the values of one acoustic image (all channels) and divide by the "
        "latent size.",
    )
