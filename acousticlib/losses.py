"""Training objectives of the generators and classifiers (chapters 08-10), and of
chapter 16's event localizer.

* :func:`kl_divergence`: KL(q(z|x) || N(0, I)) of a diagonal Gaussian posterior, in
  closed form.
* :func:`reconstruction_loss`: the U-VAE's pixel term, MSE + Huber (``REFERENCE.md``
  section 3), plus optionally :func:`spatial_loss` (our addition, chapter 08).
* :func:`spatial_loss`: the MSE of the *spatial part* of the images: each coefficient
  map minus its mean over the grid. The per-coefficient spatial means (the sound's
  spectrum, "what") carry about 80 % of a normalised acoustic image's variance on the
  book's data; this term weighs the remaining "where" on its own, so a short training
  run does not learn the spectrum alone (the paper's loss has no such term: weight 0
  reproduces it).
* :func:`elbo_loss`: the negative ELBO with a weight beta on the KL term (Sanguineti et
  al. 2022, Eq. 2).
* :func:`discriminator_loss`, :func:`generator_adversarial_loss`: the conditional GAN's
  binary cross-entropy (Eq. 4): D labels real images 1 and generated ones 0; G wants D
  to say 1 (the non-saturating form of ``min_G log(1 - D(G(x, z)))``).
* :func:`adversarial_generator_loss`: Eq. 3, ``lambda_adv * L_cGAN + lambda_rec *
  L_rec``.
* :func:`distillation_loss`: supervised knowledge distillation (Hinton et al. 2015), the
  baseline that chapter 12 sets beside the self-supervised transfer of
  :mod:`acousticlib.triplet`.

* :func:`segment_cross_entropy`, :func:`mil_loss` (with :func:`clip_probabilities`,
  its MIL pooling) and :func:`avtgml_loss` (with :func:`normalized_gram` and
  :func:`gram_similarity`): the supervised, weakly supervised and unsupervised losses
  of Ramaswamy and Das 2020 (chapter 16; the last is its Eqs. 13-16).

All losses are scalars averaged over the batch; images are ``(B, 12, 36, 48)`` in [0,
1].
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ._checks import in_range, positive


def _same_shape(a: torch.Tensor, b: torch.Tensor, names: tuple[str, str]) -> None:
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        raise TypeError(f"{names[0]} and {names[1]} must be torch tensors")
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape; got {tuple(a.shape)} "
            f"and "
            f"{tuple(b.shape)}"
        )


def kl_divergence(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag sigma^2) || N(0, I)), summed over the latent axis, averaged over
    the batch.

    ``mu``, ``sigma``: ``(B, d)``, ``sigma > 0``. Closed form per dimension:
    ``0.5 * (mu^2 + sigma^2 - 1) - log sigma`` (nats).
    """
    _same_shape(mu, sigma, ("mu", "sigma"))
    if mu.ndim != 2:
        raise ValueError(f"mu must have shape (B, d); got {tuple(mu.shape)}")
    kl = 0.5 * (mu.pow(2) + sigma.pow(2) - 1.0) - torch.log(sigma)
    return kl.sum(dim=1).mean()


def spatial_loss(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE between the spatially centred images: each ``(..., H, W)`` map minus its mean
    over ``H, W``.

    Zero when the two images differ only by a constant per coefficient map (the same
    layout with another spectrum); the mean over all elements otherwise. Chapter 08.
    """
    _same_shape(recon, target, ("recon", "target"))
    if recon.ndim < 3:
        raise ValueError(
            f"recon and target must have at least 3 axes (..., H, W); got "
            f"{tuple(recon.shape)}"
        )
    diff = recon - target
    return (diff - diff.mean(dim=(-2, -1), keepdim=True)).pow(2).mean()


def reconstruction_loss(
    recon: torch.Tensor,
    target: torch.Tensor,
    huber_delta: float = 1.0,
    spatial_weight: float = 0.0,
) -> torch.Tensor:
    """Pixel loss MSE + Huber (``delta`` in the images' units) + ``spatial_weight`` x
    :func:`spatial_loss`.

    Each term is averaged over all elements; ``spatial_weight=0`` is the paper's loss.
    """
    _same_shape(recon, target, ("recon", "target"))
    delta = positive("huber_delta", huber_delta)
    weight = positive("spatial_weight", spatial_weight, allow_zero=True)
    loss = F.mse_loss(recon, target) + F.huber_loss(recon, target, delta=delta)
    return loss + weight * spatial_loss(recon, target) if weight else loss


def elbo_loss(
    recon: torch.Tensor,
    target: torch.Tensor,
    mu: torch.Tensor,
    sigma: torch.Tensor,
    beta: float = 1e-6,
    huber_delta: float = 1.0,
    spatial_weight: float = 0.0,
) -> dict[str, torch.Tensor]:
    """Negative ELBO with weight ``beta`` on the KL term: ``"loss" = recon + beta *
    kl``.

    Returns a dict with ``"loss"``, ``"recon"`` (MSE + Huber + ``spatial_weight`` x
    spatial), ``"mse"`` and ``"kl"``. The
    paper picks beta < 1 so that both terms have the same order of magnitude; its code
    uses 1e-6 with the KL summed over the 150 latent dimensions.
    """
    beta = positive("beta", beta, allow_zero=True)
    rec = reconstruction_loss(recon, target, huber_delta, spatial_weight)
    kl = kl_divergence(mu, sigma)
    return {
        "loss": rec + beta * kl,
        "recon": rec,
        "mse": F.mse_loss(recon.detach(), target),
        "kl": kl,
    }


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """BCE of the discriminator: real images labelled 1, generated ones 0 (mean of the
    two halves).

    Minimising it maximises Eq. 4's ``log D(y) + log(1 - D(G(x, z)))``. Logits ``(B,
    1)``.
    """
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(
        fake_logits, torch.zeros_like(fake_logits)
    )
    return 0.5 * (real + fake)


def generator_adversarial_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """BCE of the generator: it wants the discriminator to label its images real (1)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def adversarial_generator_loss(
    fake_logits: torch.Tensor, rec: torch.Tensor, lambda_adv: float, lambda_rec: float
) -> dict[str, torch.Tensor]:
    """Eq. 3 for the generator: ``lambda_adv * adversarial + lambda_rec * rec``; dict of
    the terms."""
    adv = generator_adversarial_loss(fake_logits)
    return {
        "loss": positive("lambda_adv", lambda_adv, allow_zero=True) * adv
        + positive("lambda_rec", lambda_rec, allow_zero=True) * rec,
        "adv": adv,
        "rec": rec,
    }


def distillation_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    teacher_logits: torch.Tensor,
    lambda_teacher: float = 0.5,
    temperature: float = 1.0,
) -> dict[str, torch.Tensor]:
    """Supervised distillation (Hinton et al. 2015; chapter 12's supervised baseline)::

        loss = (1 - lambda_teacher) * CE(labels, softmax(logits))
               + lambda_teacher * T^2 * CE(softmax(teacher_logits / T),
                                           softmax(logits / T))

    ``CE(p, q) = -sum_c p_c log q_c``, averaged over the batch. ``logits`` and
    ``teacher_logits`` ``(B, C)``, ``labels`` ``(B,)`` class indices. The soft term
    scales by ``T^2`` (Hinton et al.: it keeps the soft gradients' size as ``T``
    changes) and softens the student too; at ``T = 1``, the authors' setting with
    ``lambda_teacher = 0.5`` (``REFERENCE.md`` section 4), both have no effect. The
    teacher's logits are detached. Returns ``{"loss", "ce", "soft"}`` (``"soft"``
    without the ``T^2``).
    """
    _same_shape(logits, teacher_logits, ("logits", "teacher_logits"))
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (B, C); got {tuple(logits.shape)}")
    if not isinstance(labels, torch.Tensor) or labels.shape != logits.shape[:1]:
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else labels
        raise ValueError(
            f"labels must be a tensor of shape ({logits.shape[0]},); got {shape}"
        )
    lam = in_range("lambda_teacher", lambda_teacher, 0.0, 1.0)
    t = positive("temperature", temperature)
    ce = F.cross_entropy(logits, labels.long())
    soft_targets = F.softmax(teacher_logits.detach() / t, dim=1)
    soft = F.cross_entropy(logits / t, soft_targets)
    return {"loss": (1.0 - lam) * ce + lam * t * t * soft, "ce": ce, "soft": soft}


#: AVTGML's margin ``gamma`` (Ramaswamy and Das 2020, Eq. 16: chosen empirically).
AVTGML_MARGIN = 0.7


def _segment_logits(logits: torch.Tensor) -> None:
    if not isinstance(logits, torch.Tensor) or logits.ndim != 3:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else logits
        raise ValueError(f"logits must have shape (B, T, C); got {shape}")


def segment_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Supervised event localization's loss (chapter 16): the cross-entropy (nats) of
    every segment's logits ``(B, T, C)`` against its class ``labels`` ``(B, T)``
    (integers in ``[0, C)``), averaged over the ``B T`` segments."""
    _segment_logits(logits)
    if not isinstance(labels, torch.Tensor) or labels.shape != logits.shape[:2]:
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else labels
        raise ValueError(
            f"labels must be a tensor of shape {tuple(logits.shape[:2])}; got {shape}"
        )
    return F.cross_entropy(logits.flatten(0, 1), labels.reshape(-1).long())


def clip_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """MIL pooling (chapter 16): the clip's class probabilities ``(B, C)``, the mean
    over its ``T`` segments of each segment's softmax of ``logits`` ``(B, T, C)``."""
    _segment_logits(logits)
    return torch.softmax(logits.float(), dim=-1).mean(1)


def mil_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Weakly supervised event localization's loss (chapter 16): the clip-level
    cross-entropy (nats) ``-sum_c y_c log pbar_c`` of the MIL-pooled probabilities
    ``pbar`` (:func:`clip_probabilities` of ``logits`` ``(B, T, C)``), averaged over the
    batch. ``labels``: one class per clip ``(B,)``, or a distribution ``(B, C)``
    (non-negative, rows summing to 1)."""
    p = clip_probabilities(logits)
    b, c = p.shape
    if not isinstance(labels, torch.Tensor) or labels.shape not in ((b,), (b, c)):
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else labels
        raise ValueError(f"labels must have shape ({b},) or ({b}, {c}); got {shape}")
    log_p = torch.log(p.clamp_min(torch.finfo(p.dtype).tiny))
    if labels.ndim == 1:
        return F.nll_loss(log_p, labels.long())
    return -(labels.to(log_p.dtype) * log_p).sum(1).mean()


def normalized_gram(x: torch.Tensor) -> torch.Tensor:
    """Frobenius-normalised Gram matrices ``X X^T / ||X X^T||_F`` (Eqs. 13-14, chapter
    16) of ``x`` ``(B, T, D)``: ``(B, T, T)``, the inner products of every pair of
    segments; an all-zero ``X`` gives zeros."""
    if not isinstance(x, torch.Tensor) or x.ndim != 3:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else x
        raise ValueError(f"x must have shape (B, T, D); got {shape}")
    g = x @ x.transpose(1, 2)
    norm = torch.linalg.matrix_norm(g).clamp_min(torch.finfo(g.dtype).tiny)
    return g / norm[:, None, None]


def gram_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Eq. 15 (chapter 16): the Frobenius inner product ``<G(A), G(B)>_F`` of the
    normalised Gram matrices of ``a`` ``(B, T, D)`` and ``b`` ``(B, T, D')`` (widths
    may differ), ``(B,)`` values in [-1, 1] (the cosine of the two matrices)."""
    ok = isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
    if not ok or a.ndim != 3 or b.ndim != 3 or a.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"a and b must have shapes (B, T, D) and (B, T, D') with the same B and "
            f"T; got {getattr(a, 'shape', a)} and {getattr(b, 'shape', b)}"
        )
    return (normalized_gram(a) * normalized_gram(b)).sum((1, 2))


def avtgml_loss(
    visual: torch.Tensor,
    positive_audio: torch.Tensor,
    negative_audio: torch.Tensor,
    margin: float = AVTGML_MARGIN,
) -> torch.Tensor:
    """The Audio Visual Triplet Gram Matrix Loss (Ramaswamy and Das 2020, Eqs. 13-16;
    chapter 16): ``mean_i max(d_neg - d_pos + margin, 0)`` with ``d_pos`` the
    :func:`gram_similarity` of the clip's visual segments ``visual`` ``(B, T, D)`` (the
    visual SWAB's ``s^v``) and its own audio's ``positive_audio`` ``(B, T, D')``, and
    ``d_neg`` that with another clip's audio ``negative_audio`` ``(B, T, D')``.
    ``margin``: ``gamma`` (:data:`AVTGML_MARGIN`), in cosine units."""
    gamma = positive("margin", margin, allow_zero=True)
    if positive_audio.shape != negative_audio.shape:
        raise ValueError(
            f"positive_audio and negative_audio must have the same shape; got "
            f"{tuple(positive_audio.shape)} and {tuple(negative_audio.shape)}"
        )
    d_pos = gram_similarity(visual, positive_audio)
    d_neg = gram_similarity(visual, negative_audio)
    return F.relu(d_neg - d_pos + gamma).mean()
