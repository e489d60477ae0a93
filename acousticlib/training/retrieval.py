"""The task of chapter 14: two streams trained for cross-modal retrieval by the triplet
loss of Sanguineti et al. 2022 (TIP), Eq. 5.

:class:`CrossModalTripletTask` trains an audio and a video network (an
:class:`~acousticlib.models.AudioVisualPair` whose streams give ``(B, D)`` vectors,
e.g. ``model_spec("retrieval_pair", ...)``) so that each clip's audio embedding (the
anchor) lies nearer to its own video embedding (the positive) than to the video
embeddings of the batch's other clips (the negatives), by ``margin``: squared Euclidean
distances between L2-normalised vectors (:func:`~acousticlib.triplet.
embedding_distances`, in [0, 4]), every valid triplet of the batch
(:func:`~acousticlib.triplet.batch_triplet_loss`, ``"all"``). Unlike chapter 12's
:class:`~acousticlib.training.TripletTask`, the video vector does not depend on the
audio query, so the same two embeddings serve retrieval in both directions.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .._checks import one_of, positive
from ..triplet import MINING, batch_triplet_loss, embedding_distances, triplet_accuracy
from .distillation import check_two_streams
from .tasks import Task, _step

#: The TIP paper's margin (Eq. 5: m = 1.0; the ECCV authors' code used 0.2).
TIP_MARGIN = 1.0


class CrossModalTripletTask(Task):
    """Cross-modal triplet training of ``model.audio`` and ``model.video`` (chapter 14).

    ``margin``: Eq. 5's m (1.0), in squared-distance units; ``mining``: ``"all"`` (every
    valid triplet, the default) or ``"hardest"``; ``audio_key``, ``video_key``: the
    batch entries the streams read; ``identity_key``: the entry naming each item's clip
    (items of one clip are positives of each other; absent: every item is its own
    clip). Training logs ``"loss"``; validation logs ``"loss"`` and
    ``"triplet_accuracy"`` (the share of the batch's triplets meeting the margin).
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        margin: float = TIP_MARGIN,
        mining: str = "all",
        audio_key: str = "audio",
        video_key: str = "frame",
        identity_key: str | None = "clip",
    ) -> None:
        check_two_streams(model)
        super().__init__(model)
        self.margin = positive("margin", margin, allow_zero=True)
        self.mining = one_of("mining", mining, MINING)
        self.audio_key, self.video_key = audio_key, video_key
        self.identity_key = identity_key

    def distances(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Squared distances ``(B, B)`` between the batch's audio (rows) and video
        (columns) embeddings."""
        for key in (self.audio_key, self.video_key):
            if key not in batch:
                raise KeyError(
                    f"the batch has no {key!r} entry; it has {sorted(batch)}"
                )
        audio = self.model.audio(batch[self.audio_key])
        video = self.model.video(batch[self.video_key])
        return embedding_distances(audio, video)

    def _ids(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor | None:
        if self.identity_key is None or self.identity_key not in batch:
            return None
        return batch[self.identity_key].reshape(-1)

    def train_step(self, batch, opts):
        d = self.distances(batch)
        loss = batch_triplet_loss(
            d, self._ids(batch), margin=self.margin, mining=self.mining
        )
        _step(opts["model"], loss)
        return {"loss": float(loss.detach())}

    def val_step(self, batch):
        d = self.distances(batch)
        ids = self._ids(batch)
        loss = batch_triplet_loss(d, ids, margin=self.margin, mining=self.mining)
        accuracy = triplet_accuracy(d, ids, margin=self.margin)
        return {"loss": float(loss), "triplet_accuracy": float(accuracy)}
