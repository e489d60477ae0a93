"""Evaluation metrics, each with its convention stated (chapters 11, 13-15; ``REFERENCE.md`` section 5).

Generators (chapter 11): :func:`generate` (one pass giving generated, real and tiled-MFCC
images and latents), :func:`mse`, :func:`gan_test` (a classifier trained on real acoustic
images, tested on generated ones), :func:`gan_train` (a DualCamNet trained on generated or
tiled-MFCC images, tested on real ones), :func:`tiled_mfcc` (the single-microphone baseline),
:func:`knn_accuracy` (latent vectors, k = 15).

Localization (chapters 11, 15): :func:`binarize`, :func:`iou`, :func:`energy_iou`,
:func:`success_curve` / :func:`success_auc` (IoU > t over t = 0, 0.1, ..., 1, trapezoid; the
authors' convention) and the Flickr-SoundNet :func:`consensus_map` / :func:`ciou` /
:func:`ciou_summary` with both AUC conventions. Retrieval (chapter 14): :func:`cmc`.
Aggregation over runs: :func:`mean_std`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from ._checks import as_array, one_of, positive
from .features import energy_map
from .models import UVAE, AdversarialGenerator, build_model, generator_inputs, model_spec, tile_mfcc
from .training import DictDataset, TrainConfig, fit

#: Thresholds and success rule of each AUC convention: the authors' (11 thresholds, success if
#: IoU > t) and the LVS/EZ-VSL family's (21 thresholds, success if IoU >= t). Both trapezoid.
AUC_CONVENTIONS: dict[str, dict[str, Any]] = {
    "authors": {"thresholds": np.round(np.linspace(0.0, 1.0, 11), 10), "strict": True, "binarize": "mean"},
    "lvs": {"thresholds": np.round(np.linspace(0.0, 1.0, 21), 10), "strict": False, "binarize": "median"},
}


# ------------------------------------------------------------------------------------ generators
def tiled_mfcc(mfcc_mono: Any) -> torch.Tensor:
    """Tiled-MFCC baseline: the mono MFCC ``(..., 12)`` min-max normalised and replicated to ``(..., 12, 36, 48)``."""
    return tile_mfcc(torch.as_tensor(np.asarray(mfcc_mono) if not isinstance(mfcc_mono, torch.Tensor) else mfcc_mono))


@torch.no_grad()
def generate(model: nn.Module, data: Dataset, *, batch_size: int = 32, device: str = "cpu", seed: int = 0,
             progress: bool = False,
             keep: Sequence[str] = ("generated", "real", "tiled", "label", "latent"),
             dtype: torch.dtype | None = None, rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Run a generator over ``data`` (frames or windows of chapter 06); return CPU tensors.

    ``"generated"``, ``"real"`` (normalised target) and ``"tiled"`` (tiled-MFCC baseline), each
    ``(N, [T,] 12, 36, 48)``; ``"label"`` ``(N,)``; for a U-VAE (also AU-VAE's) the posterior
    means ``"latent"`` ``(N, [T,] latent)``. Random draws (MCGAN's z) are seeded by ``seed``.
    ``keep`` names the outputs to return (the others are not stored: less memory on large sets).
    ``dtype`` (e.g. ``torch.float16``) stores the floating-point outputs in that type, batch by
    batch, instead of float32: the same values as casting the result, without a float32 copy.
    ``rng`` continues that random stream instead of starting one from ``seed``: a set generated in
    parts whose sizes are multiples of ``batch_size``, with one ``rng``, draws the same z as one pass.
    """
    for name in keep:
        one_of("keep", name, ("generated", "real", "tiled", "label", "latent"))
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch.dtype or None; got {dtype!r}")
    from tqdm.auto import tqdm

    model.eval().to(device)
    n = len(data)  # type: ignore[arg-type]
    out: dict[str, torch.Tensor] = {}  # filled in place: no list of chunks and no second copy from concatenating them
    if rng is not None and not isinstance(rng, torch.Generator):
        raise TypeError(f"rng must be a torch.Generator or None; got {type(rng).__name__}")
    gen = rng if rng is not None else torch.Generator(device=device).manual_seed(int(seed))
    uvae = model if isinstance(model, UVAE) else getattr(model, "generator", None)
    start = 0
    for batch in tqdm(DataLoader(data, batch_size=batch_size, shuffle=False), disable=not progress, desc="generate"):
        x = generator_inputs({k: v.to(device) for k, v in batch.items() if isinstance(v, torch.Tensor)})
        lead = x["lead"]
        kwargs = {}
        if isinstance(model, AdversarialGenerator) and not isinstance(uvae, UVAE):
            kwargs["z"] = torch.randn(x["audio"].shape[0], model.config.noise, generator=gen, device=device)
        res = model(x["audio"], x["visual"], **kwargs)
        parts = {"generated": res["recon"], "tiled": x["audio"], "real": x.get("target")}
        parts = {k: v.reshape(*lead, *v.shape[1:]) for k, v in parts.items() if v is not None}
        if res.get("mu") is not None:
            parts["latent"] = res["mu"].reshape(*lead, -1)
        if "label" in batch:
            parts["label"] = batch["label"].reshape(len(batch["label"]), -1)[:, 0]
        for k, v in parts.items():
            if k in keep:
                if k not in out:
                    store = dtype if dtype is not None and v.dtype.is_floating_point else v.dtype
                    out[k] = torch.empty((n, *v.shape[1:]), dtype=store)
                out[k][start:start + lead[0]] = v.cpu()
        start += lead[0]
    return out


def energy_maps(images: Any, *, chunk: int = 64) -> np.ndarray:
    """The paper's energy map (chapter 05) of normalised acoustic images ``(N, 12, H, W)`` -> ``(N, H, W)`` float64.

    :func:`acousticlib.features.energy_map` on channels-last copies, ``chunk`` images at a time: it
    works in float64 on arrays 12 times larger than the maps (chapter 11).
    """
    x = np.asarray(images.numpy() if isinstance(images, torch.Tensor) else images, np.float32)
    if x.ndim != 4:
        raise ValueError(f"images must have shape (N, channels, height, width); got {x.shape}")
    chunk = positive("chunk", chunk, integer=True)
    return np.concatenate([energy_map(x[a:a + chunk].transpose(0, 2, 3, 1)) for a in range(0, len(x), chunk)]) \
        if len(x) else np.zeros((0,) + x.shape[2:])


def _frames(data: Dataset, a: int, b: int) -> Dataset:
    """Samples ``a .. b-1`` of a dataset (a :class:`DictDataset` is sliced, others wrapped in a Subset)."""
    if isinstance(data, DictDataset):
        return DictDataset(**{key: v[a:b] for key, v in data.tensors.items()})
    return torch.utils.data.Subset(data, range(a, min(b, len(data))))  # type: ignore[arg-type]


def evaluate_generator(model: nn.Module, data: Dataset, *, seed: int = 0, chunk: int = 96,
                       device: str = "cpu") -> dict[str, Any]:
    """A generator's test record over the frames of ``data`` (chapter 11), ``chunk`` frames at a time.

    Returns ``"frame_mse"`` ``(N,)`` float64 (per-frame MSE against the normalised real image),
    ``"mse"`` (their mean), ``"energy"`` ``(N, 36, 48)`` (:func:`energy_maps` of the generated
    images), ``"latent"`` ``(N, latent)`` posterior means (U-VAE, AU-VAE; else ``None``) and
    ``"example"`` (the first generated image). Chunk ``a`` draws MCGAN's noise from seed ``seed + a``,
    so a record depends on ``chunk`` for MCGAN only. Only the maps are kept, not the images.
    """
    chunk = positive("chunk", chunk, integer=True)
    parts = []
    for a in range(0, len(data), chunk):  # type: ignore[arg-type]
        g = generate(model, _frames(data, a, a + chunk), seed=seed + a, device=device,
                     keep=("generated", "real", "latent"))
        parts.append({"frame_mse": ((g["generated"] - g["real"]) ** 2).mean(dim=(1, 2, 3)).double().numpy(),
                      "energy": energy_maps(g["generated"]), "latent": g.get("latent"),
                      "example": g["generated"][0].numpy()})
    if not parts:
        raise ValueError("data must hold at least one frame")
    out: dict[str, Any] = {name: np.concatenate([p[name] for p in parts]) for name in ("frame_mse", "energy")}
    out["mse"] = float(out["frame_mse"].mean())  # every frame has the same size: the mean of the means
    out["latent"] = torch.cat([p["latent"] for p in parts]) if parts[0]["latent"] is not None else None
    out["example"] = parts[0]["example"]
    return out


def mse(pred: Any, target: Any) -> float:
    """Mean squared error over all elements (acoustic images in [0, 1]; the paper reports it x 1e-2).

    Accumulated in float64 over chunks of the first axis, so a test set of float32 images costs
    no float64 copy of the whole set, and a broadcast view (the tiled-MFCC baseline of
    :func:`tiled_mfcc`) no copy at all.
    """
    p = as_array("pred", pred)
    t = as_array("target", target)
    if p.shape != t.shape:
        raise ValueError(f"pred and target must have the same shape; got {p.shape} and {t.shape}")
    if not p.ndim:
        p, t = p.reshape(1, 1), t.reshape(1, 1)
    per_row = max(1, p.size // len(p))
    rows = max(1, (1 << 22) // per_row)                              # about 32 MB of float64 per chunk
    total = 0.0
    for a in range(0, len(p), rows):  # each chunk flattened on its own: a broadcast view is never copied whole
        d = p[a:a + rows].reshape(-1, per_row).astype(np.float64) - t[a:a + rows].reshape(-1, per_row)
        total += float(np.einsum("ij,ij->", d, d))
    return total / p.size


@torch.no_grad()
def predict(classifier: nn.Module, x: Any, *, batch_size: int = 16, device: str = "cpu") -> np.ndarray:
    """Predicted class (arg-max logit) of each sample of ``x`` ``(N, ...)``: ``(N,)`` int64.

    ``batch_size`` samples at a time (16, DualCamNet's training batch: a batch of 1-s windows is
    192 acoustic images, and a larger one costs more memory than training did), each batch converted
    to float32 on its own (a float16 set costs no float32 copy of the whole set). Puts ``classifier``
    in evaluation mode on ``device``. Chapters 07 (object crops) and 11 (GAN-test windows).
    """
    batch_size = positive("batch_size", batch_size, integer=True)
    x = torch.as_tensor(x)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError("x must hold at least one sample (N, ...)")
    classifier.eval().to(device)
    return torch.cat([classifier(x[i:i + batch_size].to(device).float()).argmax(1).cpu()
                      for i in range(0, x.shape[0], batch_size)]).numpy()


def accuracy(classifier: nn.Module, x: Any, labels: Any, *, batch_size: int = 16, device: str = "cpu") -> float:
    """Share of samples ``x`` ``(N, ...)`` whose arg-max logit equals ``labels`` ``(N,)`` (see :func:`predict`)."""
    x = torch.as_tensor(x)
    y = torch.as_tensor(labels).long()
    if x.ndim < 1 or x.shape[0] != y.shape[0] or y.ndim != 1:
        raise ValueError(f"labels must have shape (N,) with N = len(x) = {x.shape[0] if x.ndim else 0}; "
                         f"got {tuple(y.shape)}")
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one sample")
    return float((predict(classifier, x, batch_size=batch_size, device=device) == y.numpy()).mean())


def gan_test(classifier: nn.Module, generated: Any, labels: Any, **kwargs: Any) -> float:
    """GAN-test (Shmelkov et al.): accuracy of a classifier **trained on real** acoustic windows
    ``(N, T, 12, 36, 48)``, tested on generated ones (or on real/tiled ones for the reference rows)."""
    return accuracy(classifier, generated, labels, **kwargs)


def gan_train(train_x: Any, train_y: Any, tests: Mapping[str, tuple[Any, Any]], *, profile: str = "book",
              config: TrainConfig | None = None, val: tuple[Any, Any] | None = None, device: str = "cpu",
              progress: bool = False) -> dict[str, float]:
    """GAN-train: train a DualCamNet (widths of ``profile``) on ``train_x`` ``(N, T, 12, 36, 48)``
    (generated or tiled-MFCC windows) and return its accuracy on each ``tests[name] = (x, y)``
    (e.g. ``{"real": ..., "generated": ...}``). Initial weights come from ``config.seed``."""
    config = config or TrainConfig(epochs=10, batch_size=16, lr=1e-3, monitor="accuracy")
    train_y = torch.as_tensor(train_y).long()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = build_model(model_spec("dualcamnet", profile, num_classes=int(train_y.max()) + 1))
    val_set = DictDataset(acoustic=torch.as_tensor(val[0]), label=torch.as_tensor(val[1])) if val else None
    fit(net, DictDataset(acoustic=torch.as_tensor(train_x), label=train_y), val_set, config, device=device,
        progress=progress)
    return {name: accuracy(net, x, y, device=device) for name, (x, y) in tests.items()}


def knn_accuracy(train_x: Any, train_y: Any, test_x: Any, test_y: Any, k: int = 15) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean; k = 15 in seed 000's Table VII).

    ``train_x`` ``(N, d)``, ``test_x`` ``(M, d)``, integer labels. A tied vote goes to the tied
    class whose nearest member is closest.
    """
    a = as_array("train_x", train_x, ndim=2, dtype=np.float64)
    b = as_array("test_x", test_x, ndim=2, dtype=np.float64)
    ya = as_array("train_y", train_y, shape=(a.shape[0],)).astype(np.int64)
    yb = as_array("test_y", test_y, shape=(b.shape[0],)).astype(np.int64)
    k = positive("k", k, integer=True)
    if k > a.shape[0]:
        raise ValueError(f"k must be <= the number of training vectors ({a.shape[0]}); got {k}")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"train_x and test_x must have the same dimension; got {a.shape[1]} and {b.shape[1]}")
    d = (b**2).sum(1)[:, None] - 2 * b @ a.T + (a**2).sum(1)[None, :]
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    hits = 0
    for i, idx in enumerate(order):
        votes = np.bincount(ya[idx])
        tied = np.flatnonzero(votes == votes.max())
        pred = tied[0] if len(tied) == 1 else next(c for c in ya[idx] if c in tied)  # nearest among tied
        hits += int(pred == yb[i])
    return hits / b.shape[0]


# ---------------------------------------------------------------------------------- localization
def binarize(maps: Any, method: str = "mean") -> np.ndarray:
    """Binary masks of maps ``(..., H, W)``: ``"mean"`` (authors: value >= the map's mean, so a flat
    map is all ones) or ``"median"`` (LVS: min-max, then value > the median-ranked value)."""
    m = as_array("maps", maps, dtype=np.float64)
    if m.ndim < 2:
        raise ValueError(f"maps must have shape (..., H, W); got {m.shape}")
    one_of("method", method, ("mean", "median"))
    flat = m.reshape(*m.shape[:-2], -1)
    if method == "mean":
        return (m >= flat.mean(-1)[..., None, None]).astype(np.float64)
    lo, hi = flat.min(-1, keepdims=True), flat.max(-1, keepdims=True)
    norm = (flat - lo) / np.where(hi > lo, hi - lo, 1.0)
    thr = np.sort(norm, axis=-1)[..., flat.shape[-1] // 2]
    return (norm > thr[..., None]).astype(np.float64).reshape(m.shape)


def iou(pred: Any, true: Any) -> np.ndarray:
    """Intersection over union of binary masks ``(..., H, W)``; two empty masks give 1."""
    p = as_array("pred", pred, dtype=np.float64) > 0.5
    t = as_array("true", true, dtype=np.float64) > 0.5
    if p.shape != t.shape:
        raise ValueError(f"pred and true must have the same shape; got {p.shape} and {t.shape}")
    inter = (p & t).sum(axis=(-2, -1))
    union = (p | t).sum(axis=(-2, -1))
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def energy_iou(pred_energy: Any, true_energy: Any) -> np.ndarray:
    """IoU of generated vs reference energy maps ``(..., 36, 48)``, each binarized at its mean (authors)."""
    return iou(binarize(pred_energy, "mean"), binarize(true_energy, "mean"))


def success_curve(ious: Any, convention: str = "authors") -> tuple[np.ndarray, np.ndarray]:
    """Thresholds t and success rates (share of IoU > t, or >= t for ``"lvs"``); see :data:`AUC_CONVENTIONS`."""
    one_of("convention", convention, tuple(AUC_CONVENTIONS))
    v = as_array("ious", ious, ndim=1, dtype=np.float64)
    conv = AUC_CONVENTIONS[convention]
    t = conv["thresholds"]
    rates = ((v[None, :] > t[:, None]) if conv["strict"] else (v[None, :] >= t[:, None])).mean(axis=1)
    return t.copy(), rates


def auc(thresholds: Any, rates: Any) -> float:
    """Area under a success curve by the trapezoid rule (thresholds increasing, in [0, 1])."""
    t = as_array("thresholds", thresholds, ndim=1, dtype=np.float64)
    r = as_array("rates", rates, shape=(t.shape[0],), dtype=np.float64)
    if t.shape[0] < 2 or np.any(np.diff(t) <= 0):
        raise ValueError(f"thresholds must be at least two increasing values; got {t}")
    return float(np.sum(np.diff(t) * (r[1:] + r[:-1]) / 2))


def success_auc(ious: Any, convention: str = "authors") -> float:
    """AUC of the success curve of ``ious`` ``(N,)`` under ``convention`` (``"authors"`` or ``"lvs"``)."""
    return auc(*success_curve(ious, convention))


def consensus_map(annotations: Sequence[Sequence[Sequence[float]]], shape: tuple[int, int]) -> np.ndarray:
    """Flickr-SoundNet consensus ground truth ``(H, W)`` from annotators' boxes.

    ``annotations[a]`` is annotator a's list of boxes ``(x0, y0, x1, y1)`` in pixels (x: column,
    half-open ``[x0, x1)``). Each annotator gives a binary mask (union of their boxes); the
    consensus is the sum of the masks / 2, clipped at 1 (with three annotators: 0, 0.5 or 1).
    """
    h, w = (positive("shape", s, integer=True) for s in shape)
    if len(annotations) == 0:
        raise ValueError("annotations must hold at least one annotator's boxes")
    total = np.zeros((h, w))
    for a, boxes in enumerate(annotations):
        mask = np.zeros((h, w), dtype=bool)
        for box in boxes:
            b = as_array(f"annotations[{a}] box", box, shape=(4,), dtype=np.float64)
            x0, y0, x1, y1 = (int(round(v)) for v in b)
            if x1 <= x0 or y1 <= y0:
                raise ValueError(f"annotations[{a}] boxes must be (x0, y0, x1, y1) with x1 > x0, y1 > y0; got {box}")
            mask[max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)] = True
        total += mask
    return np.minimum(total / 2.0, 1.0)


def ciou(pred_map: Any, consensus: Any, method: str = "mean") -> float:
    """Consensus IoU of one prediction ``(H, W)`` against a :func:`consensus_map` ``(H, W)``.

    The prediction is binarized (``method`` as in :func:`binarize`); then
    ``cIoU = sum(P * G) / (sum(G) + sum(P * [G == 0]))``.
    """
    g = as_array("consensus", consensus, ndim=2, dtype=np.float64)
    p = binarize(as_array("pred_map", pred_map, shape=g.shape, dtype=np.float64), method)
    return float((p * g).sum() / (g.sum() + (p * (g == 0)).sum()))


def ciou_summary(values: Any, convention: str = "authors") -> dict[str, float]:
    """``"ciou@0.5"`` (share of cIoU >= 0.5) and ``"auc"`` under ``convention`` of cIoU values ``(N,)``.

    Remember the whole-image baseline (``ciou`` of a constant map): about 61 % cIoU@0.5 on the
    real Flickr test set.
    """
    v = as_array("values", values, ndim=1, dtype=np.float64)
    return {"ciou@0.5": float(np.mean(v >= 0.5)), "auc": success_auc(v, convention)}


def energy_spread(maps: Any) -> np.ndarray:
    """Spread of energy maps ``(..., H, W)``: standard deviation over mean (0 for a flat map)."""
    m = as_array("maps", maps, dtype=np.float64)
    flat = m.reshape(*m.shape[:-2], -1)
    mean = np.abs(flat.mean(-1))
    return flat.std(-1) / np.where(mean > 0, mean, 1.0)


# -------------------------------------------------------------------------------------- retrieval
def cmc(query: Any, query_labels: Any, gallery: Any, gallery_labels: Any,
        ranks: Sequence[int] = (1, 2, 5, 10, 30)) -> dict[int, float]:
    """Cumulative match characteristic: for each rank k, the share of queries ``(Q, d)`` with an item
    of their class among their k nearest (Euclidean) gallery items ``(G, d)``. Ties: gallery order."""
    q = as_array("query", query, ndim=2, dtype=np.float64)
    g = as_array("gallery", gallery, ndim=2, dtype=np.float64)
    yq = as_array("query_labels", query_labels, shape=(q.shape[0],)).astype(np.int64)
    yg = as_array("gallery_labels", gallery_labels, shape=(g.shape[0],)).astype(np.int64)
    if q.shape[1] != g.shape[1]:
        raise ValueError(f"query and gallery must have the same dimension; got {q.shape[1]} and {g.shape[1]}")
    d = (q**2).sum(1)[:, None] - 2 * q @ g.T + (g**2).sum(1)[None, :]
    match = yg[np.argsort(d, axis=1, kind="stable")] == yq[:, None]
    first = np.where(match.any(1), match.argmax(1), g.shape[0])  # 0-based rank of the first hit
    return {int(k): float(np.mean(first < positive("ranks", k, integer=True))) for k in ranks}


def mean_std(values: Any, drop_extremes: bool = False) -> tuple[float, float]:
    """Mean and (population) standard deviation over runs; ``drop_extremes`` drops the min and max
    first (the authors' aggregation over 5 runs)."""
    v = np.sort(as_array("values", values, ndim=1, dtype=np.float64))
    if drop_extremes:
        if v.size < 3:
            raise ValueError(f"values must hold at least 3 runs to drop the extremes; got {v.size}")
        v = v[1:-1]
    return float(v.mean()), float(v.std())


# ------------------------------------------------------------------------ chapter 11: helpers
def confusion_matrix(true: Any, pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` ``(K, K)`` int64 of samples of true class ``i`` predicted as class ``j``.

    ``true`` and ``pred`` are integer labels ``(N,)`` in ``[0, K)``; ``num_classes`` ``K`` defaults
    to ``max(label) + 1``. The accuracy (GAN-test, GAN-train) is ``trace(C) / C.sum()`` (chapter 11).
    """
    t = as_array("true", true, ndim=1).astype(np.int64)
    p = as_array("pred", pred, shape=(t.shape[0],)).astype(np.int64)
    if (t < 0).any() or (p < 0).any():
        raise ValueError("true and pred must hold class indices >= 0")
    k = int(max(t.max(), p.max())) + 1 if num_classes is None else positive("num_classes", num_classes, integer=True)
    if t.max() >= k or p.max() >= k:
        raise ValueError(f"labels must be < num_classes = {k}; got up to {int(max(t.max(), p.max()))}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def peak_in_mask(maps: Any, masks: Any) -> np.ndarray:
    """Per map ``(N, H, W)``: 1.0 if its maximum lies inside the mask ``(N, H, W)`` (e.g. :func:`box_mask`), else 0.0.

    The "pointing game" of chapter 11: does the energy peak on a true source?
    """
    m = as_array("maps", maps, ndim=3, dtype=np.float64)
    k = as_array("masks", masks, shape=m.shape, what="the maps' shape (N, H, W)").astype(bool)
    peak = m.reshape(len(m), -1).argmax(axis=1)
    return k.reshape(len(k), -1)[np.arange(len(k)), peak].astype(float)


def peak_near_border(maps: Any, margin: int = 2) -> np.ndarray:
    """Per map ``(N, H, W)``: 1.0 if its maximum lies within ``margin`` cells of the grid's edge, else 0.0.

    Generated energy maps that peak at the edge show the decoder's padding rather than a source
    (chapter 08; real maps almost never do). ``margin`` 2 on the 36 x 48 grid.
    """
    m = as_array("maps", maps, ndim=3, dtype=np.float64)
    margin = positive("margin", margin, integer=True)
    if 2 * margin >= min(m.shape[1:]):
        raise ValueError(f"margin must leave an inner grid: 2 * margin < {min(m.shape[1:])}; got {margin}")
    row, col = np.unravel_index(m.reshape(len(m), -1).argmax(axis=1), m.shape[1:])
    h, w = m.shape[1:]
    near = (row < margin) | (row >= h - margin) | (col < margin) | (col >= w - margin)
    return near.astype(float)


def box_mask(boxes: Any, centres: Any) -> np.ndarray:
    """Ground-truth masks ``(N, H, W)`` bool of boxes on a grid (chapter 11's extra IoU column).

    ``boxes`` ``(N, S, 4)``: up to ``S`` boxes per sample, (top, left, bottom, right) in video pixels,
    rows of NaN for absent sources (the dataset's ``boxes`` array); ``centres`` ``(H, W, 2)``: the
    (row, column) video pixel of each grid cell's centre (``Camera.grid_pixel_centres()``). A cell
    is in the mask when its centre lies in one of the boxes (half-open: top <= row < bottom).
    """
    b = as_array("boxes", boxes, ndim=3, dtype=np.float64, finite=False)
    c = as_array("centres", centres, ndim=3, dtype=np.float64)
    if b.shape[-1] != 4:
        raise ValueError(f"boxes must have shape (N, S, 4) (top, left, bottom, right); got {b.shape}")
    if c.shape[-1] != 2:
        raise ValueError(f"centres must have shape (H, W, 2) (row, column); got {c.shape}")
    if np.isinf(b).any():
        raise ValueError("boxes must be finite or NaN (absent); got an infinite value")
    r, col = c[None, None, :, :, 0], c[None, None, :, :, 1]
    lo_r, lo_c, hi_r, hi_c = (b[:, :, i, None, None] for i in range(4))
    with np.errstate(invalid="ignore"):  # NaN boxes compare False: absent
        inside = (r >= lo_r) & (r < hi_r) & (col >= lo_c) & (col < hi_c)
    return inside.any(axis=1)
