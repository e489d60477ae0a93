"""Exercise checkers of chapters 09-10: adversarial generators (AU-VAE, MCGAN)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._core import (
    Feedback,
    _non_negative,
    _open_probability,
    compare_number,
    compare_with_mistakes,
    current_exercise,
    exercise,
    verdict,
)


@exercise(
    "09.1",
    "09_au_vae",
    "Value (nats) of the discriminator's binary cross-entropy for given outputs "
    "D(real) and D(generated).",
)
def check_discriminator_bce(
    answer: Any, *, d_real: float = 0.5, d_fake: float = 0.5
) -> Feedback:
    """``-(log D(y) + log(1 - D(G(x, z)))) / 2`` in nats, the mean of the real and
    generated halves as in ``acousticlib.losses.discriminator_loss``; ``log 2`` at
    ``D = 1/2`` (chapter 09)."""
    pr = _open_probability("d_real", d_real)
    pf = _open_probability("d_fake", d_fake)
    expected = -0.5 * (math.log(pr) + math.log(1.0 - pf))
    return compare_number(
        answer,
        expected,
        rtol=0.01,
        unit="nats",
        hint="A real image is labelled 1 (its term is -log D), a generated one 0 (its "
        "term is "
        "-log(1 - D)); average the two terms and use natural logarithms.",
    )


@exercise(
    "09.2",
    "09_au_vae",
    "Share of the generator's loss (Eq. 3) carried by the adversarial term, for given "
    "weights and terms.",
)
def check_adversarial_share(
    answer: Any,
    *,
    adv: float,
    rec: float,
    lambda_adv: float = 1.0,
    lambda_rec: float = 100.0,
) -> Feedback:
    """``lambda_adv * adv / (lambda_adv * adv + lambda_rec * rec)`` (chapter 09): how
    much of the generator's objective the discriminator's opinion is, against the
    reconstruction term."""
    v = _non_negative(adv=adv, rec=rec, lambda_adv=lambda_adv, lambda_rec=lambda_rec)
    total = v["lambda_adv"] * v["adv"] + v["lambda_rec"] * v["rec"]
    if total <= 0:
        raise ValueError(
            f"exercise {current_exercise()}: the weighted loss lambda_adv * adv + "
            "lambda_rec * rec must "
            "be positive"
        )
    return compare_number(
        answer,
        v["lambda_adv"] * v["adv"] / total,
        rtol=0.02,
        hint="Weigh each term by its lambda first, then divide the adversarial part by "
        "the sum.",
    )


@exercise(
    "09.3",
    "09_au_vae",
    "Ratio of the non-saturating to the saturating generator gradient (w.r.t. the "
    "logit) at D(G(x, z)) = p.",
)
def check_gradient_ratio(answer: Any, *, d_fake: float) -> Feedback:
    """With ``D = sigmoid(a)``: ``d log(1 - D)/da = -D`` and ``d(-log D)/da = -(1 -
    D)``; the ratio of their magnitudes is ``(1 - p) / p`` (chapter 09)."""
    p = _open_probability("d_fake", d_fake)
    return compare_number(
        answer,
        (1.0 - p) / p,
        rtol=0.02,
        hint="Differentiate both losses with respect to the logit a, using dD/da = D "
        "(1 - D).",
    )


@exercise(
    "10.1",
    "10_mcgan",
    "Optimal discriminator D*(y) = p_data(y) / (p_data(y) + p_g(y)) for two 1-D "
    "Gaussian densities.",
)
def check_optimal_discriminator(
    answer: Any,
    *,
    y: float,
    mu_data: float,
    sigma_data: float,
    mu_gen: float,
    sigma_gen: float,
) -> Feedback:
    """Goodfellow et al.'s optimum for a fixed generator, with normal densities ``N(mu,
    sigma^2)`` (chapter 10)."""
    from ..._checks import positive

    sd = positive("sigma_data", sigma_data)
    sg = positive("sigma_gen", sigma_gen)
    y, md, mg = (float(v) for v in (y, mu_data, mu_gen))
    # log densities, to stay finite far in the tails
    ld = -0.5 * ((y - md) / sd) ** 2 - math.log(sd)
    lg = -0.5 * ((y - mg) / sg) ** 2 - math.log(sg)
    expected = 1.0 / (1.0 + math.exp(min(lg - ld, 700.0)))
    fb = compare_number(
        answer,
        expected,
        rtol=0.02,
        hint="Evaluate both normal densities at y (the common 1/sqrt(2 pi) cancels), "
        "then "
        "p_data / (p_data + p_g).",
    )
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return fb
    # near 0 a relative test is too strict
    if not fb.correct and math.isfinite(value) and abs(value - expected) <= 0.005:
        return verdict(
            True,
            f"{value:.4g} is within 0.005 of the expected {expected:.4g}.",
            expected,
        )
    return fb


@exercise(
    "10.2",
    "10_mcgan",
    "Diversity ratio: mean pixel std across noise draws over mean pixel std across "
    "conditions.",
)
def check_diversity_ratio(answer: Any, *, samples: Any) -> Feedback:
    """``samples`` ``(K, N, ...)``: K noise draws for each of N conditions. Within = std
    over the K draws, averaged over conditions and pixels; across = std over the N
    conditions, averaged over draws and pixels; the answer is within / across (0 when
    the generator ignores z; chapter 10)."""
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim < 2 or s.shape[0] < 2 or s.shape[1] < 2 or not np.all(np.isfinite(s)):
        raise ValueError(
            f"samples must be a finite array (K, N, ...) with K >= 2 draws and N >= 2 "
            f"conditions; "
            f"got shape {s.shape}"
        )
    across = float(s.std(axis=1).mean())
    if across <= 0:
        raise ValueError(
            "samples must differ across conditions (their std across conditions is 0)"
        )
    expected = float(s.std(axis=0).mean()) / across
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict(
            False, f"expected a non-negative number; got {answer!r}.", expected
        )
    if math.isfinite(value) and abs(value - expected) <= max(0.02 * expected, 1e-4):
        return verdict(
            True,
            f"{value:.4g}: the noise moves a pixel {value:.1%} as much as the "
            f"condition does.",
            expected,
        )
    return verdict(
        False,
        f"{value:.4g} is not the ratio. Take the std over axis 0 (draws) and over axis "
        f"1 "
        "(conditions) separately, average each over everything else, then divide.",
        expected,
    )


@exercise(
    "10.3",
    "10_mcgan",
    "Value of the GAN game at the optimal discriminator, for two discrete "
    "distributions.",
)
def check_game_value(answer: Any, *, p_data: Any, p_gen: Any) -> Feedback:
    """``sum_y p_data log D* + p_g log(1 - D*)`` with ``D* = p_data / (p_data + p_g)``,
    which equals ``2 JSD(p_data || p_g) - log 4`` (natural logarithms; Goodfellow et
    al., chapter 10): ``-log 4`` when the generator matches the data, 0 when the two
    distributions do not overlap."""
    from ..._checks import as_array

    p = as_array("p_data", p_data, ndim=1, dtype=np.float64, nonnegative=True)
    q = as_array("p_gen", p_gen, ndim=1, dtype=np.float64, nonnegative=True)
    if p.shape != q.shape:
        raise ValueError(
            f"p_data and p_gen must have the same length; got {p.size} and {q.size}"
        )
    for name, d in (("p_data", p), ("p_gen", q)):
        if not math.isclose(float(d.sum()), 1.0, abs_tol=1e-6):
            raise ValueError(f"{name} must sum to 1 (a distribution); got {d.sum():g}")
    m = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        t_data = np.where(p > 0, p * np.log(p / m), 0.0)
        t_gen = np.where(q > 0, q * np.log(q / m), 0.0)
    expected = float(t_data.sum() + t_gen.sum())
    jsd = (expected + math.log(4)) / 2
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what="value of the game at D*",
        expects="a number of nats",
        hint="Compute D* = p_data / (p_data + p_gen) for every outcome, then sum "
        "p_data log D* + p_gen log(1 - D*) with natural logarithms; it never "
        "exceeds 0 and reaches -log 4 when the distributions match.",
        wrong={
            "Jensen-Shannon divergence itself": jsd,
            "value 2 JSD, without the -log 4": 2 * jsd,
            "value in bits (log base 2)": expected / math.log(2),
        },
    )
