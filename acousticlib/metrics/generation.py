"""Generators' measures (chapter 11): one pass giving generated, real and tiled-MFCC
images, MSE, GAN-test and GAN-train, and the summary of a trained generator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._checks import as_array, one_of, positive
from ..features import energy_map
from ..models import (
    UVAE,
    AdversarialGenerator,
    build_model,
    generator_inputs,
    model_spec,
    tile_mfcc,
)
from ..training import DictDataset, TrainConfig, fit

#: Tiled-MFCC baseline: the mono MFCC ``(..., 12)`` min-max normalised and replicated to
#: ``(..., 12, 36, 48)`` (:func:`acousticlib.models.tile_mfcc`, of which it is another
#: name).
tiled_mfcc = tile_mfcc


@torch.no_grad()
def generate(
    model: nn.Module,
    data: Dataset,
    *,
    batch_size: int = 32,
    device: str = "cpu",
    seed: int = 0,
    progress: bool = False,
    keep: Sequence[str] = ("generated", "real", "tiled", "label", "latent"),
    dtype: torch.dtype | None = None,
    rng: torch.Generator | None = None,
) -> dict[str, torch.Tensor]:
    """Run a generator over ``data`` (frames or windows of chapter 06); return CPU
    tensors.

    ``"generated"``, ``"real"`` (normalised target) and ``"tiled"`` (tiled-MFCC
    baseline), each ``(N, [T,] 12, 36, 48)``; ``"label"`` ``(N,)``; for a U-VAE (also
    AU-VAE's) the posterior means ``"latent"`` ``(N, [T,] latent)``. Random draws
    (MCGAN's z) are seeded by ``seed``. ``keep`` names the outputs to return (the others
    are not stored: less memory on large sets). ``dtype`` (e.g. ``torch.float16``)
    stores the floating-point outputs in that type, batch by batch, instead of float32:
    the same values as casting the result, without a float32 copy. ``rng`` continues
    that random stream instead of starting one from ``seed``: a set generated in parts
    whose sizes are multiples of ``batch_size``, with one ``rng``, draws the same z as
    one pass.
    """
    for name in keep:
        one_of("keep", name, ("generated", "real", "tiled", "label", "latent"))
    if dtype is not None and not (
        isinstance(dtype, torch.dtype) and dtype.is_floating_point
    ):
        raise TypeError(
            f"dtype must be a floating-point torch.dtype or None; got {dtype!r}"
        )
    from tqdm.auto import tqdm

    model.eval().to(device)
    n = len(data)  # type: ignore[arg-type]
    # filled in place: no list of chunks and no second copy from concatenating them
    out: dict[str, torch.Tensor] = {}
    if rng is not None and not isinstance(rng, torch.Generator):
        raise TypeError(
            f"rng must be a torch.Generator or None; got {type(rng).__name__}"
        )
    gen = (
        rng
        if rng is not None
        else torch.Generator(device=device).manual_seed(int(seed))
    )
    uvae = model if isinstance(model, UVAE) else getattr(model, "generator", None)
    start = 0
    for batch in tqdm(
        DataLoader(data, batch_size=batch_size, shuffle=False),
        disable=not progress,
        desc="generate",
    ):
        x = generator_inputs(
            {k: v.to(device) for k, v in batch.items() if isinstance(v, torch.Tensor)}
        )
        lead = x["lead"]
        kwargs = {}
        if isinstance(model, AdversarialGenerator) and not isinstance(uvae, UVAE):
            kwargs["z"] = torch.randn(
                x["audio"].shape[0], model.config.noise, generator=gen, device=device
            )
        res = model(x["audio"], x["visual"], **kwargs)
        parts = {
            "generated": res["recon"],
            "tiled": x["audio"],
            "real": x.get("target"),
        }
        parts = {
            k: v.reshape(*lead, *v.shape[1:]) for k, v in parts.items() if v is not None
        }
        if res.get("mu") is not None:
            parts["latent"] = res["mu"].reshape(*lead, -1)
        if "label" in batch:
            parts["label"] = batch["label"].reshape(len(batch["label"]), -1)[:, 0]
        for k, v in parts.items():
            if k in keep:
                if k not in out:
                    store = (
                        dtype
                        if dtype is not None and v.dtype.is_floating_point
                        else v.dtype
                    )
                    out[k] = torch.empty((n, *v.shape[1:]), dtype=store)
                out[k][start : start + lead[0]] = v.cpu()
        start += lead[0]
    return out


def energy_maps(images: Any, *, chunk: int = 64) -> np.ndarray:
    """The paper's energy map (chapter 05) of normalised acoustic images ``(N, 12, H,
    W)`` -> ``(N, H, W)`` float64.

    :func:`acousticlib.features.energy_map` on channels-last copies, ``chunk`` images at
    a time: it works in float64 on arrays 12 times larger than the maps (chapter 11).
    """
    x = np.asarray(
        images.numpy() if isinstance(images, torch.Tensor) else images, np.float32
    )
    if x.ndim != 4:
        raise ValueError(
            f"images must have shape (N, channels, height, width); got {x.shape}"
        )
    chunk = positive("chunk", chunk, integer=True)
    return (
        np.concatenate(
            [
                energy_map(x[a : a + chunk].transpose(0, 2, 3, 1))
                for a in range(0, len(x), chunk)
            ]
        )
        if len(x)
        else np.zeros((0,) + x.shape[2:])
    )


def _frames(data: Dataset, a: int, b: int) -> Dataset:
    """Samples ``a .. b-1`` of a dataset (a :class:`DictDataset` is sliced, others
    wrapped in a Subset)."""
    if isinstance(data, DictDataset):
        return DictDataset(**{key: v[a:b] for key, v in data.tensors.items()})
    return torch.utils.data.Subset(data, range(a, min(b, len(data))))  # type: ignore[arg-type]


def evaluate_generator(
    model: nn.Module,
    data: Dataset,
    *,
    seed: int = 0,
    chunk: int = 96,
    device: str = "cpu",
) -> dict[str, Any]:
    """A generator's test record over the frames of ``data`` (chapter 11), ``chunk``
    frames at a time.

    Returns ``"frame_mse"`` ``(N,)`` float64 (per-frame MSE against the normalised real
    image), ``"mse"`` (their mean), ``"energy"`` ``(N, 36, 48)`` (:func:`energy_maps` of
    the generated images), ``"latent"`` ``(N, latent)`` posterior means (U-VAE, AU-VAE;
    else ``None``) and ``"example"`` (the first generated image). Chunk ``a`` draws
    MCGAN's noise from seed ``seed + a``, so a record depends on ``chunk`` for MCGAN
    only. Only the maps are kept, not the images.
    """
    chunk = positive("chunk", chunk, integer=True)
    parts = []
    for a in range(0, len(data), chunk):  # type: ignore[arg-type]
        g = generate(
            model,
            _frames(data, a, a + chunk),
            seed=seed + a,
            device=device,
            keep=("generated", "real", "latent"),
        )
        parts.append(
            {
                "frame_mse": ((g["generated"] - g["real"]) ** 2)
                .mean(dim=(1, 2, 3))
                .double()
                .numpy(),
                "energy": energy_maps(g["generated"]),
                "latent": g.get("latent"),
                "example": g["generated"][0].numpy(),
            }
        )
    if not parts:
        raise ValueError("data must hold at least one frame")
    out: dict[str, Any] = {
        name: np.concatenate([p[name] for p in parts])
        for name in ("frame_mse", "energy")
    }
    # every frame has the same size: the mean of the means
    out["mse"] = float(out["frame_mse"].mean())
    out["latent"] = (
        torch.cat([p["latent"] for p in parts])
        if parts[0]["latent"] is not None
        else None
    )
    out["example"] = parts[0]["example"]
    return out


def mse(pred: Any, target: Any) -> float:
    """Mean squared error over all elements (acoustic images in [0, 1]; the paper
    reports it x 1e-2).

    Accumulated in float64 over chunks of the first axis, so a test set of float32
    images costs no float64 copy of the whole set, and a broadcast view (the tiled-MFCC
    baseline of :func:`tiled_mfcc`) no copy at all.
    """
    p = as_array("pred", pred)
    t = as_array("target", target)
    if p.shape != t.shape:
        raise ValueError(
            f"pred and target must have the same shape; got {p.shape} and {t.shape}"
        )
    if not p.ndim:
        p, t = p.reshape(1, 1), t.reshape(1, 1)
    per_row = max(1, p.size // len(p))
    # about 32 MB of float64 per chunk
    rows = max(1, (1 << 22) // per_row)
    total = 0.0
    # each chunk flattened on its own: a broadcast view is never copied whole
    for a in range(0, len(p), rows):
        d = p[a : a + rows].reshape(-1, per_row).astype(np.float64) - t[
            a : a + rows
        ].reshape(-1, per_row)
        total += float(np.einsum("ij,ij->", d, d))
    return total / p.size


@torch.no_grad()
def predict(
    classifier: nn.Module, x: Any, *, batch_size: int = 16, device: str = "cpu"
) -> np.ndarray:
    """Predicted class (arg-max logit) of each sample of ``x`` ``(N, ...)``: ``(N,)``
    int64.

    ``batch_size`` samples at a time (16, DualCamNet's training batch: a batch of 1-s
    windows is 192 acoustic images, and a larger one costs more memory than training
    did), each batch converted to float32 on its own (a float16 set costs no float32
    copy of the whole set). Puts ``classifier`` in evaluation mode on ``device``.
    Chapters 07 (object crops) and 11 (GAN-test windows).
    """
    batch_size = positive("batch_size", batch_size, integer=True)
    x = torch.as_tensor(x)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError("x must hold at least one sample (N, ...)")
    classifier.eval().to(device)
    return torch.cat(
        [
            classifier(x[i : i + batch_size].to(device).float()).argmax(1).cpu()
            for i in range(0, x.shape[0], batch_size)
        ]
    ).numpy()


def accuracy(
    classifier: nn.Module,
    x: Any,
    labels: Any,
    *,
    batch_size: int = 16,
    device: str = "cpu",
) -> float:
    """Share of samples ``x`` ``(N, ...)`` whose arg-max logit equals ``labels``
    ``(N,)`` (see :func:`predict`)."""
    x = torch.as_tensor(x)
    y = torch.as_tensor(labels).long()
    if x.ndim < 1 or x.shape[0] != y.shape[0] or y.ndim != 1:
        raise ValueError(
            f"labels must have shape (N,) with N = len(x) = "
            f"{x.shape[0] if x.ndim else 0}; "
            f"got {tuple(y.shape)}"
        )
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one sample")
    return float(
        (
            predict(classifier, x, batch_size=batch_size, device=device) == y.numpy()
        ).mean()
    )


def gan_test(
    classifier: nn.Module, generated: Any, labels: Any, **kwargs: Any
) -> float:
    """GAN-test (Shmelkov et al.): accuracy of a classifier **trained on real** acoustic
    windows ``(N, T, 12, 36, 48)``, tested on generated ones (or on real/tiled ones
    for the reference rows)."""
    return accuracy(classifier, generated, labels, **kwargs)


def gan_train(
    train_x: Any,
    train_y: Any,
    tests: Mapping[str, tuple[Any, Any]],
    *,
    profile: str = "book",
    config: TrainConfig | None = None,
    val: tuple[Any, Any] | None = None,
    device: str = "cpu",
    progress: bool = False,
) -> dict[str, float]:
    """GAN-train: train a DualCamNet (widths of ``profile``) on ``train_x`` ``(N, T, 12,
    36, 48)`` (generated or tiled-MFCC windows) and return its accuracy on each
    ``tests[name] = (x, y)`` (e.g. ``{"real": ..., "generated": ...}``). Initial
    weights come from ``config.seed``."""
    config = config or TrainConfig(
        epochs=10, batch_size=16, lr=1e-3, monitor="accuracy"
    )
    train_y = torch.as_tensor(train_y).long()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = build_model(
            model_spec("dualcamnet", profile, num_classes=int(train_y.max()) + 1)
        )
    val_set = (
        DictDataset(acoustic=torch.as_tensor(val[0]), label=torch.as_tensor(val[1]))
        if val
        else None
    )
    fit(
        net,
        DictDataset(acoustic=torch.as_tensor(train_x), label=train_y),
        val_set,
        config,
        device=device,
        progress=progress,
    )
    return {name: accuracy(net, x, y, device=device) for name, (x, y) in tests.items()}
