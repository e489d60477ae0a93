"""Chapter 12's measures on frozen features (Sanguineti et al. 2020, Section 5):
:func:`embeddings` of a trained stream (:func:`acoustic_embeddings`: DualCamNet's, a
split at a time in bounded memory), :func:`knn_scores` (k chosen on validation
data, accuracy on test data) and :func:`cmc_audio_to_video` (cross-modal retrieval).
They read what :mod:`~acousticlib.experiments.distillation` trains and loads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .._checks import as_array, one_of, positive
from ..metrics import KNN_KS, cmc_from_distances, knn_predict, select_k
from ..models import (
    AcousticMapNet,
    AudioVisualPair,
    DualCamNet,
    HearNet,
    StreamClassifier,
    VideoStream,
)
from ..training import DictDataset
from ..triplet import audio_visual_distances
from .camera import camera_data
from .distillation import STREAM_INPUTS, STREAMS, distillation_data
from .generators import _clip_starts


def _network(model: nn.Module, stream: str) -> nn.Module:
    """The network of kind ``stream`` inside ``model`` (a pair, a stream classifier or
    the network itself)."""
    one_of("stream", stream, STREAMS)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if isinstance(model, AudioVisualPair):
        parts = [model.audio, model.video]
    elif isinstance(model, StreamClassifier):
        parts = [model.stream]
    else:
        parts = [model]
    parts = [p.net if isinstance(p, AcousticMapNet) else p for p in parts]
    kind = {"hearnet": HearNet, "dualcamnet": DualCamNet, "video_stream": VideoStream}
    for p in parts:
        if isinstance(p, kind[stream]):
            return p
    raise ValueError(
        f"stream must name a network of model; {type(model).__name__} holds "
        f"{[type(p).__name__ for p in parts]}, no {stream!r}"
    )


def _entry(data: Any, key: str) -> torch.Tensor:
    if not isinstance(data, DictDataset):
        raise TypeError(
            f"data must be a DictDataset (see distillation_data); got "
            f"{type(data).__name__}"
        )
    if key not in data.tensors:
        raise ValueError(f"data must hold {key!r}; it has {sorted(data.tensors)}")
    return data.tensors[key]


def _outputs(
    net: nn.Module,
    x: torch.Tensor,
    batch_size: int,
    forward: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """``forward(batch)`` (default ``net``) over ``x`` in batches: evaluation mode, no
    gradients, float32 on the CPU."""
    size = positive("batch_size", batch_size, integer=True)
    param = next(net.parameters(), None)
    dev = param.device if param is not None else torch.device("cpu")
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            out = [
                (forward or net)(x[a : a + size].to(dev).float()).float().cpu()
                for a in range(0, len(x), size)
            ]
    finally:
        net.train(was_training)
    return torch.cat(out)


def embeddings(
    model: nn.Module, data: DictDataset, stream: str, *, batch_size: int = 64
) -> torch.Tensor:
    """Frozen features ``(N, D)`` float32 of ``stream`` (:data:`STREAMS`) inside
    ``model``, for the ``N`` items of ``data`` (:func:`distillation_data`); what the
    kNN of Sanguineti et al. 2020 reads (not L2-normalised).

    ``model``: a trained pair (:func:`train_teacher`, :func:`train_student`), a
    supervised model (:func:`train_supervised`) or the network itself. HearNet: its
    vector of ``data["audio"]``; DualCamNet: its map of ``data["acoustic"]`` averaged
    over time and the grid (``DualCamNet.embed``); the video stream: its map of
    ``data["frame"]`` averaged over the grid. Evaluation mode, no gradients, in batches
    of ``batch_size`` on the model's device. Chapter 12.
    """
    net = _network(model, stream)
    x = _entry(data, STREAM_INPUTS[stream])
    if isinstance(net, DualCamNet):
        return _outputs(net, x, batch_size, net.embed)

    def pooled(batch: torch.Tensor) -> torch.Tensor:
        z = net(batch)
        return z.mean(dim=(2, 3)) if z.ndim == 4 else z

    return _outputs(net, x, batch_size, pooled)


def acoustic_embeddings(
    models: Mapping[str, nn.Module],
    split: str,
    profile: str = "book",
    seed: int = 0,
    *,
    chunk: int = 128,
) -> dict[str, torch.Tensor]:
    """DualCamNet's frozen features ``(N, D)`` inside each of ``models`` (name ->
    model, as :func:`embeddings` takes them) for the ``N`` sound clips of ``split``,
    in dataset order, with bounded memory: the clips' acoustic windows (about 0.5 MB
    each) are loaded ``chunk`` clips at a time (:func:`distillation_data` with
    ``part``) and dropped after use, so a chapter can hold the rest of its data without
    the whole split's windows. Equal to :func:`embeddings` of the whole split. Chapter
    12.
    """
    if not isinstance(models, Mapping) or not models:
        raise TypeError("models must be a non-empty mapping of name -> model")
    size = positive("chunk", chunk, integer=True)
    ds = camera_data(profile, seed, progress=False)
    n = len(_clip_starts(ds, split, background=False))
    parts: dict[str, list[torch.Tensor]] = {name: [] for name in models}
    for a in range(0, n, size):
        data = distillation_data(profile, seed, split, part=slice(a, a + size))
        for name, model in models.items():
            parts[name].append(embeddings(model, data, "dualcamnet"))
        del data
    return {name: torch.cat(p) for name, p in parts.items()}


def knn_scores(
    train_emb: Any,
    train_y: Any,
    val_emb: Any,
    val_y: Any,
    test_emb: Any,
    test_y: Any,
    *,
    ks: Sequence[int] = KNN_KS,
) -> dict[str, Any]:
    """kNN classification on frozen features (Sanguineti et al. 2020, Table 2): k chosen
    on validation data, accuracy on the test data.

    Embeddings ``(N, D)`` (:func:`embeddings`), labels ``(N,)``. The k of ``ks`` (7, 9,
    ..., 15) with the best validation accuracy, the smallest on a tie
    (:func:`~acousticlib.metrics.select_k`); ks larger than the training set are
    dropped, and when none is left k is the training set's size (the smoke profile's
    two clips). Returns ``{"k", "val_accuracy", "test_accuracy", "val_accuracies",
    "test_correct"}``: ``val_accuracies`` a dict k -> accuracy, ``test_correct`` a
    boolean ``(M,)`` array, whether each test item is classified right (for paired
    comparisons of two models on the same items). Chapter 12.
    """
    if isinstance(ks, (str, bytes)) or not isinstance(ks, Sequence) or not ks:
        raise ValueError(f"ks must be a non-empty sequence of integers; got {ks!r}")
    ks = [positive("ks", k, integer=True) for k in ks]
    n_train = len(as_array("train_y", train_y, ndim=1))
    usable = [k for k in ks if k <= n_train] or [n_train]
    k, accuracies = select_k(train_emb, train_y, val_emb, val_y, usable)
    truth = as_array("test_y", test_y, ndim=1).astype(np.int64)
    correct = knn_predict(train_emb, train_y, test_emb, k) == truth
    return {
        "k": int(k),
        "val_accuracy": float(accuracies[k]),
        "test_accuracy": float(correct.mean()),
        "val_accuracies": {int(j): float(v) for j, v in accuracies.items()},
        "test_correct": correct,
    }


def cmc_audio_to_video(
    model: nn.Module,
    data: DictDataset,
    ranks: Sequence[int] = (1, 2, 5, 10, 30),
    *,
    batch_size: int = 64,
) -> dict[int, float]:
    """Cross-modal retrieval, audio to video (Sanguineti et al. 2020, Section 5; the
    authors' code): the cumulative match characteristic at each rank of ``ranks``.

    Every clip's audio (``model.audio`` of ``data["audio"]``, or of
    ``data["acoustic"]`` when it is an :class:`~acousticlib.models.AcousticMapNet`)
    queries every clip's video (``model.video`` of ``data["frame"]``), each video
    conditioned on the query (:func:`~acousticlib.triplet.audio_visual_distances`:
    both vectors L2-normalised, squared Euclidean distance, the ranking of the
    Euclidean one). The query's own clip stays in the gallery; a query hits at rank k
    when any of its k nearest videos shares its class (``data["label"]``).
    ``model``: an :class:`~acousticlib.models.AudioVisualPair` (:func:`train_teacher`,
    :func:`train_student`). Returns ``{rank: share of queries}``. Chapter 12.
    """
    if not isinstance(model, AudioVisualPair):
        raise TypeError(
            f"model must be an AudioVisualPair (train_teacher, train_student); got "
            f"{type(model).__name__}"
        )
    key = "acoustic" if isinstance(model.audio, AcousticMapNet) else "audio"
    audio = _outputs(model.audio, _entry(data, key), batch_size)
    video = _outputs(model.video, _entry(data, "frame"), batch_size)
    labels = _entry(data, "label")
    return cmc_from_distances(
        audio_visual_distances(audio, video), labels, labels, ranks
    )
