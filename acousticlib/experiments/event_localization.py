"""Chapter 16's experiments: Ramaswamy and Das's event localizer (WACV 2020) trained on
the event clips, its variants (the paper's Tables 1-3) and its scores.

* :data:`EVENT_VARIANTS` -- the named configurations of
  :class:`~acousticlib.models.EventLocalizer` (``streams``, ``fusion``, ``swab``,
  ``aggregation``) that the paper's tables compare (:data:`EVENT_TABLES`; the paper's
  accuracies in :data:`PAPER_EVENT_ACCURACY`);
* :func:`train_event_model` -- one variant trained on the train split, with segment
  labels (``supervision="full"``, :class:`~acousticlib.training.SupervisedEventTask`)
  or with the clip's class alone (``"weak"``, MIL,
  :class:`~acousticlib.training.WeakEventTask`), the best epoch by the validation loss,
  cached;
* :func:`event_scores` -- the paper's measure (the share of the test split's segments
  classified right), per class, background against event, and the predictions;
* :func:`train_avtgml` -- the unsupervised model (AVTGML, Eqs. 13-16,
  :class:`~acousticlib.training.AVTGMLTask`); :func:`event_attention` and
  :func:`event_localization_scores` -- its (or any fused model's) attention over the
  grid, scored against the source's true boxes by chapter 15's pointing game and cIoU.

The inputs are :func:`~acousticlib.experiments.event_inputs` (frozen, cached features).
``tools/train_events.py`` trains every variant for three training seeds and writes
``benchmarks/results/event_localization.json``; with ``--ship`` the chapter's models
go to ``acousticlib/data/weights/`` (:func:`event_weights`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from .._checks import one_of
from ..cache import joined_key
from ..datasets import BACKGROUND_LABEL, SEGMENTS, EventDataset
from ..geometry import Camera
from ..losses import AVTGML_MARGIN
from ..metrics import box_mask, ciou_scores, ciou_summary, pointing_game
from ..metrics import confusion_matrix as _confusion
from ..models import EVENT_CLASSES, model_spec
from ..runtime import check_profile, seeded_rng
from ..training import (
    AVTGMLTask,
    DictDataset,
    SupervisedEventTask,
    TrainConfig,
    TrainedModel,
    WeakEventTask,
    shipped,
    train_cached,
)
from .distillation import _train_seed
from .events import EVENT_FEATURES_CODE_VERSION, event_data, event_extractors
from .events import event_inputs as _event_inputs

_FULL = {"streams": "both", "fusion": "avfb", "swab": "both", "aggregation": True}

#: The variants of the event localizer, by name: the fields of
#: :class:`~acousticlib.models.EventLocalizer` that differ between the paper's rows.
#: Table 1: ``"audio"``, ``"visual"`` (the grid average), ``"audio_assisted_visual"``
#: (the visual stream after AVFB, no audio stream), ``"audio_visual"`` (both streams,
#: no AVFB), ``"full"`` (the paper's model); Table 2 (fusions, the rest kept):
#: ``"multiply"``, ``"add"``, ``"concat"``, ``"lstm"``, ``"mfb"`` (AVFB is
#: ``"full"``); Table 3: ``"avfb"`` (no SWAB, no aggregation), ``"swab_mean"``,
#: ``"swab_max"``, ``"swab_both"`` (SWAB without aggregation), ``"swab_mean_agg"``,
#: ``"swab_max_agg"`` (with it; both with it is ``"full"``).
EVENT_VARIANTS: dict[str, dict[str, Any]] = {
    "audio": {**_FULL, "streams": "audio", "fusion": None},
    "visual": {**_FULL, "streams": "visual", "fusion": None},
    "audio_assisted_visual": {**_FULL, "streams": "visual"},
    "audio_visual": {**_FULL, "fusion": None},
    "full": dict(_FULL),
    **{f: {**_FULL, "fusion": f} for f in ("multiply", "add", "concat", "lstm", "mfb")},
    "avfb": {**_FULL, "swab": None, "aggregation": False},
    "swab_mean": {**_FULL, "swab": "mean", "aggregation": False},
    "swab_max": {**_FULL, "swab": "max", "aggregation": False},
    "swab_both": {**_FULL, "aggregation": False},
    "swab_mean_agg": {**_FULL, "swab": "mean"},
    "swab_max_agg": {**_FULL, "swab": "max"},
}

#: The variants of each of the paper's tables, in its row order.
EVENT_TABLES: dict[int, tuple[str, ...]] = {
    1: ("audio", "visual", "audio_assisted_visual", "audio_visual", "full"),
    2: ("multiply", "add", "concat", "lstm", "mfb", "full"),
    3: ("avfb", "swab_mean", "swab_max", "swab_both", "full"),
}

#: The paper's accuracies (%, AVE test segments), ``{variant: {supervision: value}}``
#: (Tables 1-3; Tables 2 and 3 are supervised only). Our two SWAB-with-aggregation
#: rows have no paper number.
PAPER_EVENT_ACCURACY: dict[str, dict[str, float]] = {
    "audio": {"full": 60.6, "weak": 57.9},
    "visual": {"full": 56.7, "weak": 54.3},
    "audio_assisted_visual": {"full": 59.9, "weak": 56.5},
    "audio_visual": {"full": 73.1, "weak": 65.8},
    "full": {"full": 74.8, "weak": 68.9},
    "multiply": {"full": 67.7},
    "add": {"full": 69.3},
    "concat": {"full": 68.8},
    "lstm": {"full": 71.1},
    "mfb": {"full": 73.2},
    "avfb": {"full": 73.4},
    "swab_mean": {"full": 74.0},
    "swab_max": {"full": 73.7},
    "swab_both": {"full": 74.4},
}

#: Training with segment labels (``"full"``) or the clip's class alone (``"weak"``).
SUPERVISIONS: tuple[str, ...] = ("full", "weak")

#: How a localizer trains, per profile: Adam with cosine decay and light weight decay,
#: the best epoch by the validation loss (a few seconds per epoch on one CPU thread at
#: the book profile).
EVENT_TRAINING: dict[str, dict[str, Any]] = {
    "smoke": dict(epochs=2, batch_size=8, lr=1e-3),
    "book": dict(epochs=30, batch_size=16, lr=1e-3),
    "full": dict(epochs=60, batch_size=32, lr=5e-4),
}

#: Version of this module's inputs and training in the models' cache keys.
EVENT_EXPERIMENT_CODE_VERSION = "event-localization-1"


def _variant(variant: str) -> dict[str, Any]:
    return EVENT_VARIANTS[one_of("variant", variant, tuple(EVENT_VARIANTS))]


def event_weights(
    variant: str,
    supervision: str = "full",
    profile: str = "book",
    seed: int = 0,
    train_seed: int = 0,
) -> str:
    """Name of a trained localizer's shipped weights (``acousticlib/data/weights/``);
    ``supervision`` one of :data:`SUPERVISIONS` or ``"avtgml"`` (chapter 16)."""
    _variant(variant)
    one_of("supervision", supervision, (*SUPERVISIONS, "avtgml"))
    t = _train_seed(seed, train_seed)
    return f"ch16-{variant}-{supervision}-{check_profile(profile)}-seed{seed}-train{t}"


class _Setup:
    """What every localizer of a profile and seed reads: the event dataset, the
    extractors' sources and widths, and the inputs of a split (kept for the last few
    asked: every variant shares them; read-only)."""

    def __init__(
        self,
        profile: str,
        seed: int,
        visual: tuple[torch.nn.Module, str] | None,
        audio: tuple[torch.nn.Module, str] | None,
        ds: EventDataset | None,
        device: str,
        progress: bool,
    ) -> None:
        self.profile, self.seed = check_profile(profile), int(seed)
        self.ds = ds if ds is not None else event_data(profile, seed, progress=progress)
        if visual is None or audio is None:
            v, a = event_extractors(profile, seed, device=device, progress=progress)
            visual, audio = visual or v, audio or a
        self.visual, self.audio = visual, audio
        self.device, self.progress = device, progress

    def data_key(self) -> str:
        return joined_key(
            f"event_dataset/{self.ds.folder.name}",
            {
                "events": EVENT_EXPERIMENT_CODE_VERSION,
                "visual": self.visual[1],
                "audio": self.audio[1],
                "features": EVENT_FEATURES_CODE_VERSION,
            },
        )

    def inputs(self, split: str) -> DictDataset:
        key = (
            split,
            str(self.ds.folder),
            self.visual[1],
            self.audio[1],
            os.environ.get("ACOUSTICLIB_CACHE", ""),
        )
        if key not in _INPUTS:
            _INPUTS[key] = _event_inputs(
                split,
                self.profile,
                self.seed,
                visual=self.visual,
                audio=self.audio,
                ds=self.ds,
                device=self.device,
                progress=self.progress,
            )
            while len(_INPUTS) > 4:
                del _INPUTS[next(iter(_INPUTS))]
        return _INPUTS[key]

    def spec(self, variant: str) -> dict[str, Any]:
        t = self.inputs("val").tensors
        return model_spec(
            "event_localizer",
            self.profile,
            visual_channels=int(t["visual"].shape[2]),
            audio_dim=int(t["audio"].shape[2]),
            **_variant(variant),
        )


_INPUTS: dict[tuple[str, ...], DictDataset] = {}


def event_split_inputs(
    split: str,
    profile: str = "book",
    seed: int = 0,
    *,
    visual: tuple[torch.nn.Module, str] | None = None,
    audio: tuple[torch.nn.Module, str] | None = None,
    ds: EventDataset | None = None,
    device: str = "cpu",
    progress: bool = False,
) -> DictDataset:
    """:func:`~acousticlib.experiments.event_inputs` of ``split``, kept in memory for
    the last few splits asked (every variant of chapter 16 reads the same inputs;
    read-only). ``visual``, ``audio``, ``ds`` as there."""
    setup = _Setup(profile, seed, visual, audio, ds, device, progress)
    return setup.inputs(one_of("split", split, ("train", "val", "test", "unseen")))


def _config(profile: str, train_seed: int) -> TrainConfig:
    return TrainConfig(
        **EVENT_TRAINING[profile],
        seed=train_seed,
        monitor="loss",
        lr_schedule="cosine",
        weight_decay=1e-4,
        input_key="visual",
    )


def _train(
    setup: _Setup,
    variant: str,
    supervision: str,
    train_seed: int,
    retrain: bool,
    train_split: DictDataset | None = None,
    val_split: DictDataset | None = None,
) -> TrainedModel:
    spec = setup.spec(variant)
    data_key = setup.data_key()
    if retrain:
        data_key = joined_key(data_key, {"retrained": None})
    if supervision == "full":
        factory, task_key = SupervisedEventTask, {"task": "segment cross-entropy"}
    elif supervision == "weak":
        factory, task_key = WeakEventTask, {"task": "MIL", "pooling": "mean"}
    else:

        def factory(model: torch.nn.Module) -> AVTGMLTask:
            return AVTGMLTask(model, margin=AVTGML_MARGIN)

        task_key = {
            "task": "AVTGML",
            "margin": AVTGML_MARGIN,
            "negative": "another clip, seeded per split",
        }

    def data() -> tuple[DictDataset, DictDataset]:
        if train_split is not None and val_split is not None:
            return train_split, val_split
        return setup.inputs("train"), setup.inputs("val")

    weights = None
    if not retrain:
        name = event_weights(
            variant, supervision, setup.profile, setup.seed, train_seed
        )
        weights = shipped(name)
    return train_cached(
        spec,
        data,
        None,
        _config(setup.profile, train_seed),
        data_key=data_key,
        device=setup.device,
        progress=setup.progress,
        weights=weights,
        task_factory=factory,
        task_key=task_key,
    )


def _check_flags(retrain: Any) -> None:
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False; got {retrain!r}")


def train_event_model(
    variant: str,
    profile: str = "book",
    seed: int = 0,
    *,
    supervision: str = "full",
    train_seed: int = 0,
    retrain: bool = False,
    visual: tuple[torch.nn.Module, str] | None = None,
    audio: tuple[torch.nn.Module, str] | None = None,
    ds: EventDataset | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """The event localizer ``variant`` (:data:`EVENT_VARIANTS`) trained on the train
    split of the event clips of ``profile`` and ``seed`` (chapter 16).

    ``supervision`` (:data:`SUPERVISIONS`): ``"full"`` trains on every segment's
    class (the segment cross-entropy), ``"weak"`` on the clip's class alone (MIL over
    the segments' probabilities); both validate on the val split's segments. The
    recipe is :data:`EVENT_TRAINING`'s for the profile (Adam, cosine decay, weight
    decay 1e-4), the weights of the epoch with the lowest validation loss kept,
    initial weights and shuffles drawn from ``train_seed``. Cached under the dataset,
    the extractors' sources (:func:`~acousticlib.experiments.event_extractors`), the
    variant's spec, the recipe and the task; shipped weights (:func:`event_weights`)
    whose key matches are loaded instead; ``retrain`` trains here, in an entry of its
    own. ``visual``, ``audio``, ``ds``: as
    :func:`~acousticlib.experiments.event_inputs` (e.g. random extractors in a smoke
    test).
    """
    _variant(variant)
    one_of("supervision", supervision, SUPERVISIONS)
    _check_flags(retrain)
    t = _train_seed(seed, train_seed)
    setup = _Setup(profile, seed, visual, audio, ds, device, progress)
    return _train(setup, variant, supervision, t, retrain)


def _negatives(inputs: DictDataset, seed: int, split: str) -> DictDataset:
    """``inputs`` plus ``"negative_audio"``: each clip's audio replaced by another
    clip's (a seeded cycle through the clips, so no clip is its own negative)."""
    t = inputs.tensors
    n = len(inputs)
    if n < 2:
        raise ValueError(
            f"AVTGML needs at least 2 clips in the {split} split for negatives; got {n}"
        )
    order = seeded_rng(seed, "avtgml-negatives", split).permutation(n)
    partner = np.empty(n, np.int64)
    partner[order] = np.roll(order, -1)
    return DictDataset(**t, negative_audio=t["audio"][torch.from_numpy(partner)])


def train_avtgml(
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int = 0,
    retrain: bool = False,
    visual: tuple[torch.nn.Module, str] | None = None,
    audio: tuple[torch.nn.Module, str] | None = None,
    ds: EventDataset | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """The paper's model (``"full"``) trained without labels by the Audio Visual
    Triplet Gram Matrix Loss (Eqs. 13-16, margin
    :data:`~acousticlib.losses.AVTGML_MARGIN`;
    :class:`~acousticlib.training.AVTGMLTask`): the Gram matrix of a
    clip's visual SWAB outputs should resemble its own audio's more than another
    clip's (each clip's negative fixed per split by a seeded cycle through the clips).
    Trained on the train split, the best epoch by the validation loss, cached as
    :func:`train_event_model`. Its AVFB attention (:func:`event_attention`) is the
    unsupervised sound localization of chapter 16."""
    _check_flags(retrain)
    t = _train_seed(seed, train_seed)
    setup = _Setup(profile, seed, visual, audio, ds, device, progress)
    train = _negatives(setup.inputs("train"), setup.seed, "train")
    val = _negatives(setup.inputs("val"), setup.seed, "val")
    return _train(setup, "full", "avtgml", t, retrain, train, val)


def _outputs(
    model: torch.nn.Module, inputs: DictDataset, batch_size: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Logits ``(n, T, C)`` and attention ``(n, T, H, W)`` (None without one)."""
    if not isinstance(inputs, DictDataset):
        raise TypeError(
            f"inputs must be a DictDataset (event_inputs); got {type(inputs).__name__}"
        )
    missing = {"visual", "audio"} - set(inputs.tensors)
    if missing:
        raise KeyError(f"inputs has no {sorted(missing)} entries")
    model.eval()
    v, a = inputs.tensors["visual"], inputs.tensors["audio"]
    device = next(model.parameters()).device
    logits, attention = [], []
    with torch.no_grad():
        for i in range(0, len(inputs), batch_size):
            out = model(
                v[i : i + batch_size].to(device), a[i : i + batch_size].to(device)
            )
            logits.append(out["logits"].float().cpu())
            if out["attention"] is not None:
                attention.append(out["attention"].float().cpu())
    return torch.cat(logits), (torch.cat(attention) if attention else None)


def segment_scores(predictions: Any, labels: Any) -> dict[str, Any]:
    """The scores of segment predictions ``(n, T)`` against their classes ``(n, T)``
    (0..9 events, :data:`~acousticlib.datasets.BACKGROUND_LABEL` background), chapter
    16: ``"accuracy"`` (the share of all segments right: the paper's measure),
    ``"per_class"`` ``(11,)`` (the share right of the segments of each true class, NaN
    for a class absent), ``"event_accuracy"`` (background against event: the share of
    segments whose prediction is background exactly when the truth is),
    ``"confusion"`` ``(11, 11)`` counts (row: true class), ``"segments"`` (``n T``)."""
    p, y = np.asarray(predictions), np.asarray(labels)
    if p.shape != y.shape or p.ndim != 2 or p.size == 0:
        raise ValueError(
            f"predictions and labels must have the same shape (n, T), n T > 0; got "
            f"{p.shape} and {y.shape}"
        )
    for name, x in (("predictions", p), ("labels", y)):
        if x.min() < 0 or x.max() >= EVENT_CLASSES or not np.all(x == np.round(x)):
            raise ValueError(
                f"{name} must hold classes 0..{EVENT_CLASSES - 1}; got values in "
                f"[{x.min()}, {x.max()}]"
            )
    p, y = p.astype(np.int64), y.astype(np.int64)
    c = _confusion(y.ravel(), p.ravel(), num_classes=EVENT_CLASSES)
    total = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(total > 0, np.diag(c) / total, np.nan)
    bg = BACKGROUND_LABEL
    return {
        "accuracy": float(np.mean(p == y)),
        "per_class": per_class,
        "event_accuracy": float(np.mean((p == bg) == (y == bg))),
        "confusion": c,
        "segments": int(y.size),
    }


def event_scores(
    model: torch.nn.Module, inputs: DictDataset, *, batch_size: int = 32
) -> dict[str, Any]:
    """A trained localizer on ``inputs`` (
    :func:`~acousticlib.experiments.event_inputs` of a split), chapter 16:
    :func:`segment_scores` of its predictions
    (``"accuracy"``, ``"per_class"``, ``"event_accuracy"``, ``"confusion"``,
    ``"segments"``) plus, for timelines, ``"predictions"`` and ``"labels"`` ``(n, T)``
    int64, ``"probabilities"`` ``(n, T, 11)`` float32 (softmax) and ``"attention"``
    ``(n, T, H, W)`` float32 (the AVFB attention; None for a model without a visual
    stream), ``batch_size`` clips at a time without gradients."""
    logits, attention = _outputs(model, inputs, batch_size)
    labels = inputs.tensors["labels"].numpy().astype(np.int64)
    predictions = logits.argmax(-1).numpy().astype(np.int64)
    return {
        **segment_scores(predictions, labels),
        "predictions": predictions,
        "labels": labels,
        "probabilities": torch.softmax(logits, -1).numpy().astype(np.float32),
        "attention": None if attention is None else attention.numpy(),
    }


def event_attention(
    model: torch.nn.Module, inputs: DictDataset, *, batch_size: int = 32
) -> np.ndarray:
    """The attention ``(n, T, H, W)`` float32 of a localizer with a visual stream over
    the feature grid of each segment of ``inputs`` (AVFB's ``lambda``, Eq. 5, summing
    to 1 over the grid; uniform without MFB), chapter 16. ValueError for an audio-only
    model."""
    attention = _outputs(model, inputs, batch_size)[1]
    if attention is None:
        raise ValueError("model has no visual stream: it has no attention over frames")
    return attention.numpy()


def event_localization_scores(
    maps: Any, ds: EventDataset, split: str = "test"
) -> dict[str, Any]:
    """Attention maps ``(n, T, h, w)`` of the clips of ``split`` (e.g.
    :func:`event_attention`) scored against the source's true box (the dataset's
    ``boxes``) on the segments of the event (seen and heard), by chapter 15's metrics
    (chapter 16).

    Returns ``"pointing"`` ``(m,)`` (:func:`~acousticlib.metrics.pointing_game` on the
    map's grid: a cell is in the box when its centre is), ``"pointing_mean"``,
    ``"ciou"`` ``(m,)`` (:func:`~acousticlib.metrics.ciou_scores`, the map resized to
    the frame's pixels against the box's pixels, the authors' convention: above the
    map's mean), ``"summary"`` (:func:`~acousticlib.metrics.ciou_summary`),
    ``"segments"`` ``(m, 2)`` (the clip's position in the split, the segment) and
    ``"uniform_pointing"`` (a constant map's pointing game, the boxes' share of the
    grid: the chance level).
    """
    if not isinstance(ds, EventDataset):
        raise TypeError(f"ds must be an EventDataset; got {type(ds).__name__}")
    clips = ds.clips_of(one_of("split", split, ("train", "val", "test", "unseen")))
    m = np.asarray(maps, np.float64)
    if m.ndim != 4 or m.shape[:2] != (len(clips), SEGMENTS):
        raise ValueError(
            f"maps must have shape ({len(clips)}, {SEGMENTS}, h, w) for the clips of "
            f"{split!r}; got {m.shape}"
        )
    boxes = np.asarray(ds.array("boxes")[clips], np.float64)
    event = (ds.labels[clips] != BACKGROUND_LABEL) & np.isfinite(boxes).all(-1)
    where = np.argwhere(event)
    if where.size == 0:
        raise ValueError(f"split {split!r} has no event segment with a box")
    cam = Camera().resized(ds.config.height, ds.config.width)
    b = boxes[where[:, 0], where[:, 1]][:, None, :]
    grid = box_mask(b, cam.grid_pixel_centres(m.shape[2:]))
    pixels = box_mask(b, cam.grid_pixel_centres((cam.height, cam.width)))
    keep = pixels.any(axis=(1, 2))
    sel = m[where[:, 0], where[:, 1]]
    pointing = pointing_game(sel, grid)
    values = ciou_scores(sel[keep], pixels[keep].astype(np.float64), "authors")
    return {
        "pointing": pointing,
        "pointing_mean": float(pointing.mean()),
        "ciou": values,
        "summary": ciou_summary(values, "authors"),
        "segments": where,
        "uniform_pointing": float(grid.mean()),
    }
