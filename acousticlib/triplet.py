"""Self-supervised audio-visual objectives of chapter 12 (Sanguineti et al. 2020, ECCV:
*Leveraging acoustic images for effective self-supervised audio representation
learning*).

An audio network (HearNet on one microphone, or DualCamNet on acoustic images) and a
video network (a ResNet-18 cut to a feature map) learn from each other without labels:
the audio embedding of a clip must lie nearer to the clip's own video vector than to
the video vectors of other clips. The pieces, each model-agnostic (any networks whose
outputs have the shapes below):

* :func:`audio_vector`: the audio embedding ``(B, D)`` of a vector or of a map (spatial
  sum, Section 4.3).
* :func:`audio_conditioned_video`: the video vector conditioned on a clip's own audio,
  ``c = sum_{h,w} (a * V) * V`` (Section 4.3); :func:`conditioned_video_pairs` the same
  for every audio query against every video, ``(Q, G, D)``.
* :func:`audio_visual_distances`: the ``(Q, G)`` squared Euclidean distances between
  the L2-normalised audio vectors and the L2-normalised video vectors conditioned on
  each query (training and retrieval; computed in chunks of queries);
  :func:`embedding_distances` the same between two sets of plain vectors.
* :func:`triplet_loss`: Eq. 1 on explicit triplets; :func:`batch_triplet_loss` mines
  the triplets of a batch from its distance matrix, ``"all"`` or ``"hardest"``;
  :func:`curriculum_mining` says which, epoch by epoch (Section 4.3's curriculum);
  :func:`triplet_accuracy` the share of a batch's triplets that already meet the
  margin (the authors' validation accuracy).
* :func:`audio_visual_triplet_loss`: the audio-video term of a batch;
  :func:`transfer_loss`: Eq. 2, ``alpha * L_transfer + (1 - alpha) * L_video``, with a
  frozen teacher's acoustic-image embedding as the second partner (Section 4.4).
* :class:`AudioVisualPair`: a container holding the ``audio`` and ``video`` networks
  that :class:`acousticlib.training.TripletTask` trains together (defined in
  :mod:`acousticlib.models.composite`, whose registry builds it from a spec;
  re-exported here).

Conventions (``REFERENCE.md`` section 4, read in the authors' TensorFlow code):
distances are **squared** Euclidean between L2-normalised vectors (so they lie in [0,
4]); the margin is 0.2; losses are means (Eq. 1 writes a sum over triplets; the code
averages). Supervised distillation (their earlier baseline) is
:func:`acousticlib.losses.distillation_loss`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.nn import functional as F

from ._checks import in_range, one_of, positive

# the container lives with the models (their registry builds it); re-exported here
from .models.composite import AudioVisualPair as AudioVisualPair

#: Triplet mining modes of :func:`batch_triplet_loss`.
MINING: tuple[str, ...] = ("all", "hardest")

#: Margin of the authors' code (``REFERENCE.md`` section 4).
MARGIN = 0.2

#: Epochs mined with all triplets before the hardest ones (the authors' code switches
#: when its 0-based epoch counter exceeds 3, i.e. after four epochs).
CURRICULUM_EPOCHS = 4


def _tensor(name: str, value: Any, ndims: tuple[int, ...], what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor; got {type(value).__name__}")
    if value.ndim not in ndims:
        raise ValueError(f"{name} must have shape {what}; got {tuple(value.shape)}")
    if value.shape[0] < 1 or value.shape[1] < 1:
        raise ValueError(f"{name} must not be empty; got {tuple(value.shape)}")
    return value


def _video_map(video_map: Any) -> torch.Tensor:
    return _tensor("video_map", video_map, (4,), "(B, D, H, W)")


def _audio(audio: Any, name: str = "audio") -> torch.Tensor:
    return _tensor(name, audio, (2, 4), "(B, D) or (B, D, H, W)")


def _margin(margin: float) -> float:
    return positive("margin", margin, allow_zero=True)


def audio_vector(audio: torch.Tensor, name: str = "audio") -> torch.Tensor:
    """The audio embedding ``(B, D)`` of a clip, not yet normalised (chapter 12).

    ``audio``: HearNet's vector ``(B, D)``, returned as it is, or DualCamNet's map ``(B,
    D, H, W)``, summed over the grid (Sanguineti et al. 2020, Section 4.3: "a sum along
    two spatial dimensions of the acoustic feature map"). ``name`` names the argument
    in error messages.
    """
    a = _audio(audio, name)
    return a if a.ndim == 2 else a.sum(dim=(2, 3))


def _check_pair(a: torch.Tensor, v: torch.Tensor, same_batch: bool) -> None:
    if same_batch and a.shape[0] != v.shape[0]:
        raise ValueError(
            f"audio and video_map must hold the same number of clips; got "
            f"{a.shape[0]} and {v.shape[0]}"
        )
    if a.shape[1] != v.shape[1]:
        raise ValueError(
            f"audio and video_map must have the same number of channels D; got "
            f"{a.shape[1]} and {v.shape[1]}"
        )
    if a.ndim == 4 and a.shape[2:] != v.shape[2:]:
        raise ValueError(
            f"audio and video_map must have the same grid (H, W); got "
            f"{tuple(a.shape[2:])} and {tuple(v.shape[2:])}"
        )


def audio_conditioned_video(
    audio: torch.Tensor, video_map: torch.Tensor
) -> torch.Tensor:
    """The video vector ``(B, D)`` of each clip, conditioned on the clip's own audio
    (chapter 12).

    Sanguineti et al. 2020, Section 4.3: the similarity map is the element-wise
    product of the audio and video maps, ``S = a * V``; the conditioned video vector
    multiplies it element-wise by the video map again and sums over the grid::

        c[b, d] = sum_{h, w} a[b, d, h, w] * V[b, d, h, w] ** 2

    i.e. a weighted sum of the video features whose weights are the similarity map.
    ``audio``: a map ``(B, D, H, W)`` (DualCamNet), or a vector ``(B, D)`` (HearNet)
    tiled over the grid, for which the formula reduces to ``a[b, d] * sum_{h, w} V[b,
    d, h, w] ** 2``: HearNet's audio reweights the video's channel energies.
    ``video_map``: ``(B, D, H, W)`` (ResNet-18's 12 x 16 x 128 map in the paper). Not
    normalised; the triplet losses normalise it.
    """
    a, v = _audio(audio), _video_map(video_map)
    _check_pair(a, v, same_batch=True)
    if a.ndim == 2:
        return a * v.pow(2).sum(dim=(2, 3))
    return (a * v * v).sum(dim=(2, 3))


def conditioned_video_pairs(
    audio: torch.Tensor, video_map: torch.Tensor
) -> torch.Tensor:
    """Every video conditioned on every audio query: ``(Q, G, D)`` (chapter 12).

    ``c[q, g, d] = sum_{h, w} a[q, d, h, w] * V[g, d, h, w] ** 2``, the formula of
    :func:`audio_conditioned_video` for query ``q`` and video ``g`` (its diagonal, when
    ``Q = G`` and the rows pair up, is that function's result). ``audio``: ``(Q, D)``
    vectors or ``(Q, D, H, W)`` maps; ``video_map``: ``(G, D, H, W)``. Memory ``Q * G *
    D`` values; :func:`audio_visual_distances` works through it in chunks.
    """
    a, v = _audio(audio), _video_map(video_map)
    _check_pair(a, v, same_batch=False)
    v2 = v.pow(2)
    if a.ndim == 2:
        return a[:, None, :] * v2.sum(dim=(2, 3))[None, :, :]
    return torch.einsum("qdn,gdn->qgd", a.flatten(2), v2.flatten(2))


def _squared(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x - y).pow(2).sum(dim=-1)


def embedding_distances(
    x: torch.Tensor, y: torch.Tensor, *, squared: bool = True
) -> torch.Tensor:
    """Distances ``(N, M)`` between the L2-normalised rows of ``x`` ``(N, D)`` and
    ``y`` ``(M, D)`` (chapter 12).

    ``d[i, j] = || x_i / |x_i| - y_j / |y_j| ||^2`` (squared Euclidean, in [0, 4]; the
    authors' code), or its square root when ``squared=False``. The transfer term
    compares the student's audio vectors with the teacher's through it.
    """
    a = _tensor("x", x, (2,), "(N, D)")
    b = _tensor("y", y, (2,), "(M, D)")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x and y must have the same dimension D; got {a.shape[1]} and {b.shape[1]}"
        )
    d = _squared(F.normalize(a, dim=1)[:, None, :], F.normalize(b, dim=1)[None, :, :])
    return d if squared else d.sqrt()


def audio_visual_distances(
    audio: torch.Tensor,
    video_map: torch.Tensor,
    *,
    squared: bool = True,
    max_elements: int = 2**24,
) -> torch.Tensor:
    """Distances ``(Q, G)`` between each audio query and every video conditioned on
    that query (chapter 12; training and cross-modal retrieval).

    ``d[q, g] = || u_q - c_qg ||^2`` with ``u_q`` = :func:`audio_vector` of query ``q``
    and ``c_qg`` = :func:`conditioned_video_pairs`, both L2-normalised (Sanguineti et
    al. 2020, Eq. 1; the authors' retrieval code conditions every test video on each
    query the same way). Squared Euclidean, in [0, 4]; ``squared=False`` gives the
    Euclidean distance (the same ranking; for retrieval only, since its gradient is
    infinite at 0). ``audio``: ``(Q, D)`` or ``(Q, D, H, W)``; ``video_map``: ``(G, D,
    H, W)``. The queries are taken in chunks of at most ``max_elements`` conditioned
    values (``chunk * G * D``; 2**24 float32 values = 64 MiB), so a test set of a few
    thousand clips fits in memory; gradients flow through every chunk. Row ``q``,
    column ``g`` for the video-to-audio direction: read the matrix transposed.
    """
    a, v = _audio(audio), _video_map(video_map)
    _check_pair(a, v, same_batch=False)
    limit = positive("max_elements", max_elements, integer=True)
    anchors = F.normalize(audio_vector(a), dim=1)
    chunk = max(1, limit // (v.shape[0] * v.shape[1]))
    rows = []
    for start in range(0, a.shape[0], chunk):
        c = F.normalize(conditioned_video_pairs(a[start : start + chunk], v), dim=-1)
        rows.append(_squared(anchors[start : start + chunk, None, :], c))
    d = torch.cat(rows)
    return d if squared else d.sqrt()


def triplet_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    margin: float = MARGIN,
) -> torch.Tensor:
    """Triplet loss of explicit triplets, averaged over them (chapter 12).

    ``mean_i [ |a_i - p_i|^2 - |a_i - n_i|^2 + margin ]_+`` on L2-normalised rows of
    ``anchor``, ``positive``, ``negative`` (each ``(N, D)``): Sanguineti et al. 2020,
    Eq. 1, with **squared** Euclidean distances (the paper and the authors' code) and a
    mean where Eq. 1 writes a sum. ``margin`` (>= 0, in squared-distance units; the
    distances lie in [0, 4]): 0.2 in the authors' code; Sanguineti et al. 2022 (TIP),
    Eq. 5, a related form, uses m = 1.0.
    """
    m = _margin(margin)
    vecs = [
        _tensor(name, t, (2,), "(N, D)")
        for name, t in (
            ("anchor", anchor),
            ("positive", positive),
            ("negative", negative),
        )
    ]
    for name, t in (("positive", vecs[1]), ("negative", vecs[2])):
        if t.shape != vecs[0].shape:
            raise ValueError(
                f"anchor and {name} must have the same shape; got "
                f"{tuple(vecs[0].shape)} and {tuple(t.shape)}"
            )
    a, p, n = (F.normalize(t, dim=1) for t in vecs)
    return F.relu(_squared(a, p) - _squared(a, n) + m).mean()


def _same_clip(distances: Any, ids: Any) -> tuple[torch.Tensor, torch.Tensor]:
    d = _tensor("distances", distances, (2,), "(B, B)")
    if d.shape[0] != d.shape[1]:
        raise ValueError(
            f"distances must be square (B, B): anchors x partners; got {tuple(d.shape)}"
        )
    n = d.shape[0]
    if ids is None:
        return d, torch.eye(n, dtype=torch.bool, device=d.device)
    if not isinstance(ids, torch.Tensor) or ids.shape != (n,):
        shape = tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids)
        raise ValueError(f"ids must be a tensor of shape ({n},); got {shape}")
    ids = ids.to(d.device)
    return d, ids[:, None] == ids[None, :]


def batch_triplet_loss(
    distances: torch.Tensor,
    ids: torch.Tensor | None = None,
    *,
    margin: float = MARGIN,
    mining: str = "all",
) -> torch.Tensor:
    """Triplet loss of a batch with mined triplets (chapter 12).

    ``distances`` ``(B, B)``: ``d[a, j]`` between anchor ``a`` (an audio embedding) and
    partner ``j`` (a video vector conditioned on the anchor's audio,
    :func:`audio_visual_distances`, or a teacher's vector,
    :func:`embedding_distances`). ``ids`` ``(B,)``: the clip of each item; partner
    ``j`` is a positive of anchor ``a`` when ``ids[j] == ids[a]`` and a negative
    otherwise (``None``: every item is its own clip, the positives are the diagonal).
    A triplet ``(a, p, n)`` is valid when ``p`` is a positive and ``n`` a negative of
    ``a``; its loss is ``[d[a, p] - d[a, n] + margin]_+``. Sanguineti et al. 2020,
    Section 4.3, as in the authors' code:

    * ``"all"``: every valid triplet; the sum of their losses divided by the number of
      triplets whose loss is positive (the easy ones, already meeting the margin, do
      not dilute the mean); 0 when none is positive.
    * ``"hardest"``: per anchor, the farthest positive and the nearest negative, one
      triplet each; the mean over the anchors that have a negative.

    A batch without any valid triplet (one clip only) gives a loss of 0 that still
    depends on ``distances``, so ``backward`` works.
    """
    d, same = _same_clip(distances, ids)
    m = _margin(margin)
    one_of("mining", mining, MINING)
    if mining == "all":
        valid = same[:, :, None] & ~same[:, None, :]
        losses = F.relu(d[:, :, None] - d[:, None, :] + m) * valid
        return losses.sum() / (losses > 0).sum().clamp_min(1)
    hardest_pos = d.masked_fill(~same, float("-inf")).amax(dim=1)
    hardest_neg = d.masked_fill(same, float("inf")).amin(dim=1)
    has_neg = (~same).any(dim=1)
    if not bool(has_neg.any()):
        return d.sum() * 0.0
    return F.relu(hardest_pos - hardest_neg + m)[has_neg].mean()


def triplet_accuracy(
    distances: torch.Tensor, ids: torch.Tensor | None = None, *, margin: float = MARGIN
) -> torch.Tensor:
    """Share of a batch's valid triplets that already meet the margin, ``d[a, n] >=
    d[a, p] + margin`` (chapter 12; the authors' validation "accuracy", one minus the
    share of triplets with a positive loss).

    ``distances``, ``ids``, ``margin`` as in :func:`batch_triplet_loss`; a 0-D tensor
    in [0, 1]; 1 when the batch holds no valid triplet (none fails, and the authors'
    formula gives 1 too).
    """
    d, same = _same_clip(distances, ids)
    m = _margin(margin)
    valid = same[:, :, None] & ~same[:, None, :]
    failed = (d[:, :, None] - d[:, None, :] + m > 0) & valid
    return 1.0 - failed.sum() / valid.sum().clamp_min(1)


def curriculum_mining(epoch: int, curriculum_epochs: int = CURRICULUM_EPOCHS) -> str:
    """Mining mode of 0-based ``epoch``: ``"all"`` for the first ``curriculum_epochs``
    epochs, ``"hardest"`` after (chapter 12).

    Sanguineti et al. 2020, Section 4.3: "in the first epochs, we use all the triplets
    that contribute to the training [...], and later on only the hardest triplets".
    Their code mines the hardest ones once its 0-based epoch exceeds 3, so the default
    is 4 epochs of all triplets (epochs 0-3) and the hardest from epoch 4 (the fifth)
    on; ``curriculum_epochs=0`` mines the hardest from the start.
    """
    e = positive("epoch", epoch, integer=True, allow_zero=True)
    n = positive("curriculum_epochs", curriculum_epochs, integer=True, allow_zero=True)
    return "all" if e < n else "hardest"


def _rectified(audio: torch.Tensor, rectify: bool) -> torch.Tensor:
    return F.relu(audio) if rectify else audio


def audio_visual_triplet_loss(
    audio: torch.Tensor,
    video_map: torch.Tensor,
    ids: torch.Tensor | None = None,
    *,
    margin: float = MARGIN,
    mining: str = "all",
    rectify_audio: bool = False,
) -> torch.Tensor:
    """The audio-video triplet term of a batch (chapter 12): :func:`batch_triplet_loss`
    of :func:`audio_visual_distances` (anchors: the audio embeddings; positives: each
    clip's video conditioned on the anchor's audio; negatives: the other clips' videos,
    conditioned on the same audio).

    ``audio`` ``(B, D)`` or ``(B, D, H, W)``, ``video_map`` ``(B, D, H, W)``, the same
    ``B`` clips in the same order. ``rectify_audio``: pass the audio through a ReLU
    first (the authors' code does so to HearNet's vector before tiling it, and uses the
    rectified vector as the anchor too).
    """
    a, v = _audio(audio), _video_map(video_map)
    _check_pair(a, v, same_batch=True)
    d = audio_visual_distances(_rectified(a, rectify_audio), v)
    return batch_triplet_loss(d, ids, margin=margin, mining=mining)


def transfer_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    video_map: torch.Tensor,
    alpha: float,
    ids: torch.Tensor | None = None,
    *,
    margin: float = MARGIN,
    mining: str = "all",
    rectify_audio: bool = False,
) -> dict[str, torch.Tensor]:
    """Self-supervised distillation from acoustic images (chapter 12; Sanguineti et al.
    2020, Section 4.4, Eq. 2)::

        loss = alpha * transfer + (1 - alpha) * video

    ``transfer``: :func:`batch_triplet_loss` between the student's audio vectors
    (anchors) and the frozen teacher's acoustic-image vectors (partners; positive: the
    same clip), :func:`embedding_distances` of :func:`audio_vector` of each (the
    teacher's map summed over the grid, as the authors' code does with DualCamNet's
    frame-averaged map). ``video``: :func:`audio_visual_triplet_loss` between the
    student and the video stream. ``student`` ``(B, D)`` (HearNet) or ``(B, D, H,
    W)``; ``teacher`` ``(B, D, H, W)`` (DualCamNet's map) or ``(B, D)``, **detached**
    here (the teacher learns nothing); ``video_map`` ``(B, D, H, W)``. ``alpha`` in [0,
    1] (the imitation parameter; 0: no transfer; the paper tries 0.1 ... 0.9). Both
    terms use the same ``mining`` and ``margin``; ``rectify_audio`` reaches the video
    term only (the authors' transfer term sees HearNet's raw vector). Returns
    ``{"loss", "transfer", "video"}``.
    """
    w = in_range("alpha", alpha, 0.0, 1.0)
    s = _audio(student, "student")
    t = audio_vector(_audio(teacher, "teacher"), "teacher").detach()
    if t.shape[:2] != s.shape[:2]:
        raise ValueError(
            f"student and teacher must hold the same clips B and channels D; got "
            f"{tuple(s.shape[:2])} and {tuple(t.shape)}"
        )
    d = embedding_distances(audio_vector(s, "student"), t)
    transfer = batch_triplet_loss(d, ids, margin=margin, mining=mining)
    video = audio_visual_triplet_loss(
        s, video_map, ids, margin=margin, mining=mining, rectify_audio=rectify_audio
    )
    return {
        "loss": w * transfer + (1.0 - w) * video,
        "transfer": transfer,
        "video": video,
    }
