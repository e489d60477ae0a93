"""Chapter 15's localization experiments on the camera dataset: the ground truth of
every frame and the contrastive attention localizer's data, training and heat maps.

* :func:`localization_truth` -- per frame, the true box's mask and the consensus of its
  three simulated annotators (:func:`acousticlib.metrics.consensus_masks`), on the 36 x
  48 acoustic grid or at frame resolution;
* :func:`clip_audio` -- the mono 1-s clip (12 frames of 1024 samples) a frame belongs
  to;
* :func:`attention_clips` -- the localizer's samples: one frame per clip (the middle
  one, :data:`ATTENTION_FRAME`) with its clip's audio and the frozen trunk's features;
* :func:`train_attention_localizer` -- the EZ-VSL-style
  :class:`~acousticlib.localization.AttentionLocalizer` trained on the training split
  without boxes (sizes per profile in :data:`ATTENTION_TRAINING`), cached;
* :func:`attention_maps` -- its heat maps ``(N, 12, 16)`` of any frames;
* :func:`array_signals` -- a recording's 128 microphone signals, simulated again from
  its scene (the dataset stores acoustic images, not the array's signals);
  :func:`srp_phat_frames` -- SRP-PHAT maps ``(N, 36, 48)`` of any frames from them;
  :func:`normmusic_frames` -- NormMUSIC maps ``(N, 9, 12)`` of any frames from them;
* :func:`video_cam_maps` -- class activation maps ``(N, 12, 16)`` of chapter 13's video
  classifier (a linear head on the frozen trunk: it sees the frame, it hears nothing).

Imports run one way: ``camera``, ``arrayfree`` -> ``localization``; nothing in the
other experiments imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._checks import one_of, positive
from ..cache import cached
from ..datasets import SimulatedDataset, read_rows
from ..datasets.config import plan_recordings
from ..datasets.propagation import _scene_for, propagate
from ..geometry import GRID_SHAPE, Camera, optimized_aperiodic_array
from ..localization import (
    MUSIC_GRID,
    MUSIC_MICS,
    MUSIC_NFFT,
    SRP_BAND,
    AttentionLocalizer,
    AttentionTask,
    class_activation_map,
    normmusic_maps,
    srp_phat_maps,
)
from ..metrics import box_mask, consensus_masks
from ..runtime import check_profile, resolve_device
from ..scene_boxes import clip_box, projected_box
from ..sounds import FS
from ..training import DictDataset, TrainConfig, TrainedModel, fit
from .arrayfree import train_arrayfree_classifier
from .camera import _key, camera_data, trunk_features

#: Bump when what :func:`train_attention_localizer` trains or stores changes.
ATTENTION_CODE_VERSION = "attention-localizer-1"
#: Frames per clip and samples per frame of the camera dataset (1 s at 12 288 Hz).
CLIP_FRAMES, FRAME_SAMPLES = 12, 1024
#: The frame of each clip the localizer trains on (the middle one, as EZ-VSL takes a
#: clip's centre frame).
ATTENTION_FRAME = 6

#: Training sizes of the attention localizer per profile: epochs, clips per batch (the
#: contrastive loss's negatives are the batch's other clips), Adam's learning rate, the
#: shared embedding's width and the SpectrogramCNN's widths; ``group``: None (EZ-VSL's
#: negatives, every other clip of the batch) or k (samples are groups of k clips of one
#: location, each other's only negatives, and ``batch_size`` counts groups; see
#: :func:`attention_clips`).
ATTENTION_TRAINING: dict[str, dict[str, Any]] = {
    "smoke": {
        "epochs": 1,
        "batch_size": 16,
        "lr": 1e-3,
        "dim": 16,
        "audio_channels": (4, 8, 8, 8),
        "audio_embedding": 16,
        "group": None,
    },
    "book": {
        "epochs": 8,
        "batch_size": 32,
        "lr": 1e-3,
        "dim": 64,
        "audio_channels": (16, 32, 64, 64),
        "audio_embedding": 128,
        "group": None,
    },
    "full": {
        "epochs": 40,
        "batch_size": 64,
        "lr": 1e-4,
        "dim": 128,
        "audio_channels": (64, 128, 256, 512),
        "audio_embedding": 128,
        "group": None,
    },
}

#: Resolutions of :func:`localization_truth`.
RESOLUTIONS: tuple[str, ...] = ("grid", "frame")


def localization_truth(
    ds: SimulatedDataset, rows: Any, resolution: str = "frame"
) -> dict[str, np.ndarray]:
    """Ground truth ``(N, H, W)`` float64 of frames ``rows`` of ``ds`` (chapter 15).

    ``"box"``: 1 where a cell's centre lies in a sounding source's true box (the single
    true box; the union with several sources); ``"consensus"``: the annotators'
    consensus (0, 0.5, 1; :func:`acousticlib.metrics.consensus_masks`). ``resolution``:
    ``"grid"`` (the 36 x 48 acoustic grid) or ``"frame"`` (one cell per frame pixel,
    144 x 192 in the book profile). A background-only frame gives all zeros (no cIoU:
    pass ``ds.frames_of(split, include_background=False)``).
    """
    one_of("resolution", resolution, RESOLUTIONS)
    r = _check_rows(ds, rows)
    h, w = ds.config.height, ds.config.width
    shape = GRID_SHAPE if resolution == "grid" else (h, w)
    centres = Camera().resized(h, w).grid_pixel_centres(shape)
    return {
        "box": box_mask(ds.read("boxes", r), centres).astype(np.float64),
        "consensus": consensus_masks(ds.read("annotators", r), centres),
    }


def clip_audio(ds: SimulatedDataset, rows: Any) -> np.ndarray:
    """The mono audio ``(N, 12 * 1024)`` float32 (Pa) of the 1-s clip each frame of
    ``rows`` belongs to (its 12 frames' samples in order; chapter 15's localizer hears
    the whole clip)."""
    r = _check_rows(ds, rows)
    start = r - ds.index["frame"][r]
    frames = (start[:, None] + np.arange(CLIP_FRAMES)).reshape(-1)
    if np.any(ds.index["clip"][frames] != np.repeat(ds.index["clip"][r], CLIP_FRAMES)):
        raise ValueError("the dataset's clips must be 12 consecutive frames each")
    return ds.read("audio", frames).reshape(len(r), CLIP_FRAMES * FRAME_SAMPLES)


def _feature_rows(features: np.ndarray, rows: np.ndarray) -> np.ndarray:
    # rows of (memory-mapped) trunk features as float32, read without mapping the file
    # into this process (see datasets.read_rows)
    path = getattr(features, "filename", None)
    part = read_rows(path, rows) if path else np.asarray(features)[rows]
    return np.asarray(part, np.float32)


def attention_clips(
    ds: SimulatedDataset,
    features: np.ndarray,
    split: str,
    *,
    group: int | None = None,
) -> tuple[DictDataset, np.ndarray]:
    """The localizer's samples of ``split`` and their dataset rows: for every clip with
    a sounding source, frame :data:`ATTENTION_FRAME` as its trunk features
    ``"visual"`` ``(C, 12, 16)`` float32 (from ``features``, the dataset's
    :func:`~acousticlib.experiments.trunk_features`) and the clip's audio ``"audio"``
    ``(12288,)`` float32; rows ``(N,)``.

    ``group`` = k: samples are instead groups of k clips of one location (``"audio"``
    ``(k, 12288)``, ``"visual"`` ``(k, C, 12, 16)``; rows ``(G, k)``), a location's
    clips in dataset order cut into consecutive groups, the last incomplete group of
    each location left out -- the batches of ``AttentionTask(grouped=True)``.
    """
    rows = ds.frames_of(split, include_background=False)
    rows = rows[ds.index["frame"][rows] == ATTENTION_FRAME]
    if rows.size == 0:
        raise ValueError(f"split {split!r} holds no clip with a sounding source")
    if group is not None:
        k = positive("group", group, integer=True)
        location = ds.index["location"][rows]
        groups = [
            rows[location == loc][a : a + k]
            for loc in np.unique(location)
            for a in range(0, int(np.sum(location == loc)) - k + 1, k)
        ]
        if not groups:
            raise ValueError(
                f"group must not exceed a location's clips in split {split!r}; got {k}"
            )
        rows = np.stack(groups)
    flat = rows.reshape(-1)
    audio = clip_audio(ds, flat)
    visual = _feature_rows(features, flat)
    data = DictDataset(
        audio=torch.from_numpy(audio.reshape(*rows.shape, -1)),
        visual=torch.from_numpy(visual.reshape(*rows.shape, *visual.shape[1:])),
    )
    return data, rows


def _localizer(visual_channels: int, sizes: dict[str, Any]) -> AttentionLocalizer:
    return AttentionLocalizer(
        visual_channels,
        sizes["dim"],
        audio_channels=sizes["audio_channels"],
        audio_embedding=sizes["audio_embedding"],
    )


def train_attention_localizer(
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int | None = None,
    device: str = "cpu",
    progress: bool = True,
    **overrides: Any,
) -> TrainedModel:
    """The EZ-VSL-style attention localizer of chapter 15, trained on the training
    split's clips (no boxes) with the validation split's loss choosing the epoch;
    cached.

    Sizes from :data:`ATTENTION_TRAINING` of ``profile`` (``overrides`` replace any of
    them, e.g. ``epochs=2``); weights and batch order drawn from ``train_seed``
    (``None``: ``seed``; other values give the spread over training seeds of
    ``tools/localization_seeds.py``), the dataset and trunk features those of
    ``profile`` and ``seed``. Returns a
    :class:`~acousticlib.training.TrainedModel` (evaluation mode, on ``device``; its
    ``spec`` is the sizes).
    """
    sizes = dict(ATTENTION_TRAINING[check_profile(profile)])
    unknown = sorted(set(overrides) - set(sizes))
    if unknown:
        raise TypeError(
            f"overrides must be fields of ATTENTION_TRAINING ({', '.join(sizes)}); got "
            f"{', '.join(unknown)}"
        )
    sizes.update(overrides)
    sizes["audio_channels"] = list(sizes["audio_channels"])
    ds = camera_data(profile, seed, progress=progress)
    features = trunk_features(profile, seed, progress=progress)
    channels = int(features.shape[1])
    draws = seed if train_seed is None else train_seed
    draws = positive("train_seed", draws, integer=True, allow_zero=True)
    config = TrainConfig(
        epochs=positive("epochs", sizes["epochs"], integer=True),
        batch_size=positive("batch_size", sizes["batch_size"], integer=True),
        lr=positive("lr", sizes["lr"]),
        seed=draws,
        monitor="loss",
    )

    def build(folder: Path) -> None:
        group = sizes["group"]
        train, _ = attention_clips(ds, features, "train", group=group)
        val, _ = attention_clips(ds, features, "val", group=group)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(draws)
            model = _localizer(channels, sizes)
        result = fit(
            model,
            train,
            val,
            config,
            device=device,
            progress=progress,
            task=AttentionTask(model, grouped=group is not None),
        )
        torch.save(
            {k: v.cpu() for k, v in model.state_dict().items()}, folder / "model.pt"
        )
        (folder / "history.json").write_text(
            json.dumps({"history": result.history, "sizes": sizes}, indent=1)
        )

    folder = cached(
        "localizer",
        {
            "dataset": _key(ds),
            "features": Path(getattr(features, "filename", "") or "").parent.name,
            "sizes": sizes,
            "train": config.to_dict(),
        },
        build,
        code_version=ATTENTION_CODE_VERSION,
    )
    with torch.random.fork_rng(devices=[]):
        model = _localizer(channels, sizes)
    model.load_state_dict(
        torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    )
    model.to(resolve_device(device)).eval()
    info = json.loads((folder / "history.json").read_text())
    return TrainedModel(model=model, history=info["history"], path=folder, spec=sizes)


def attention_maps(
    model: AttentionLocalizer,
    ds: SimulatedDataset,
    features: np.ndarray,
    rows: Any,
    *,
    batch_size: int = 64,
    device: str = "cpu",
) -> np.ndarray:
    """Heat maps ``(N, 12, 16)`` float32 (cosines in [-1, 1]) of the frames ``rows`` of
    ``ds``: each frame's trunk features (``features``, the dataset's) against its
    clip's audio, ``batch_size`` frames at a time (chapter 15)."""
    r = np.asarray(rows, np.int64).reshape(-1)
    batch_size = positive("batch_size", batch_size, integer=True)
    dev = resolve_device(device)
    model = model.to(dev).eval()
    out = []
    for a in range(0, r.size, batch_size):
        part = r[a : a + batch_size]
        audio = torch.from_numpy(clip_audio(ds, part)).to(dev)
        visual = torch.from_numpy(_feature_rows(features, part)).to(dev)
        out.append(model.heat_map(audio, visual).float().cpu().numpy())
    return np.concatenate(out) if out else np.empty((0, 12, 16), np.float32)


def array_signals(ds: SimulatedDataset, recording: int) -> np.ndarray:
    """The 128 microphone signals ``(128, N)`` float64 (Pa) of recording ``recording``
    of ``ds``, simulated again from its scene (chapter 15).

    The build is deterministic (:func:`acousticlib.datasets.propagation.propagate` on
    the scene the dataset drew for that recording, with its room order and reference
    microphone), so microphone ``ds.config.mic`` of the result is the stored
    ``recording_audio`` (to float32 rounding); the tests check it. Costs one
    propagation: about as long as building the recording, rooms' impulse responses
    included.
    """
    plan = plan_recordings(ds.config)
    recording = positive("recording", recording, integer=True, allow_zero=True)
    if recording >= len(plan):
        raise ValueError(
            f"recording must be below {len(plan)} (the dataset's recordings); got "
            f"{recording}"
        )
    config = ds.config
    scene = _scene_for(
        plan[recording], config, Camera().resized(config.height, config.width)
    )
    mics = np.asarray(optimized_aperiodic_array())
    return propagate(
        scene, mics, FS, room_order=config.room_order, reference_mic=config.mic
    )


def silent_boxes(ds: SimulatedDataset, rows: Any) -> np.ndarray:
    """Pixel boxes ``(N, D, 4)`` float64 ``(top, left, bottom, right)`` of the silent
    objects (the scenes' distractors) in the frames ``rows`` of ``ds``, NaN where a
    frame has fewer than ``D = max(ds.config.max_distractors, 1)`` of them in view
    (chapter 15).

    The dataset stores the sounding sources' boxes only; the distractors are static,
    so their boxes come from the scene each recording was drawn from (the same scene
    :func:`array_signals` simulates again), projected by the dataset's camera and
    clipped to the frame; a box wholly outside the frame is left out. Partly hidden
    objects keep their whole box.
    """
    r = _check_rows(ds, rows)
    config = ds.config
    camera = Camera().resized(config.height, config.width)
    plan = plan_recordings(config)
    out = np.full((r.size, max(config.max_distractors, 1), 4), np.nan)
    recording = ds.index["recording"][r]
    for rec in np.unique(recording):
        scene = _scene_for(plan[int(rec)], config, camera)
        boxes = [
            clip_box(
                projected_box(camera, d.position, d.size), camera.height, camera.width
            )
            for d in scene.distractors
        ]
        boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
        if boxes:
            out[recording == rec, : len(boxes)] = np.stack(boxes)
    return out


def _check_rows(ds: SimulatedDataset, rows: Any) -> np.ndarray:
    r = np.asarray(rows, np.int64).reshape(-1)
    if r.size == 0 or r.min() < 0 or r.max() >= len(ds):
        raise ValueError(
            f"rows must be a non-empty array of frame rows in [0, {len(ds)}); got "
            f"{r.size} rows"
        )
    return r


def _frame_signals(
    ds: SimulatedDataset, rows: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    # per recording of the frames ``rows``: the positions in ``rows`` of its frames and
    # their 128 signals back to back (128, n * 1024); each recording simulated once
    recording = ds.index["recording"]
    for rec in np.unique(recording[rows]):
        first = int(np.flatnonzero(recording == rec)[0])
        mine = np.flatnonzero(recording[rows] == rec)
        frames = rows[mine] - first  # frame t of the recording: [t L, (t + 1) L)
        samples = (frames[:, None] * FRAME_SAMPLES + np.arange(FRAME_SAMPLES)).ravel()
        yield mine, array_signals(ds, int(rec))[:, samples]


def srp_phat_frames(
    ds: SimulatedDataset,
    rows: Any,
    *,
    freq_range: tuple[float, float] = SRP_BAND,
    engine: str = "auto",
) -> np.ndarray:
    """SRP-PHAT maps ``(N, 36, 48)`` float64 of the frames ``rows`` of ``ds``, in the
    order given: each recording they belong to simulated again once
    (:func:`array_signals`), its frames' maps computed by
    :func:`acousticlib.localization.srp_phat_maps` on the camera's 36 x 48 focus grid at
    1 m (the acoustic images' grid), ``freq_range`` Hz (chapter 15)."""
    r = _check_rows(ds, rows)
    config = ds.config
    grid = Camera().resized(config.height, config.width).focus_grid()
    mics = np.asarray(optimized_aperiodic_array())
    out = np.empty((r.size, *GRID_SHAPE))
    # only the frames needed, back to back, in one call per recording (frames do not
    # overlap, so each map is that of its frame alone); the beamformer's set-up once
    for mine, x in _frame_signals(ds, r):
        out[mine] = srp_phat_maps(
            x,
            FS,
            mics,
            grid,
            frame_length=FRAME_SAMPLES,
            freq_range=freq_range,
            engine=engine,
        )
    return out


def normmusic_frames(
    ds: SimulatedDataset,
    rows: Any,
    *,
    shape: tuple[int, int] = MUSIC_GRID,
    nfft: int = MUSIC_NFFT,
    freq_range: tuple[float, float] = SRP_BAND,
    mic_subset: int | Sequence[int] | None = MUSIC_MICS,
) -> np.ndarray:
    """NormMUSIC maps ``(N, h, w)`` float64 (dimensionless, in (0, 1]) of the frames
    ``rows`` of ``ds``, in the order given, as :func:`srp_phat_frames`: each recording
    simulated again once (:func:`array_signals`), each frame's map computed by
    :func:`acousticlib.localization.normmusic_maps` from the snapshots of that frame
    alone (its 1024 samples) on the directions of the camera's ``shape`` focus grid
    (default :data:`~acousticlib.localization.MUSIC_GRID`, 9 x 12: 4 x 4 blocks of the
    acoustic grid; resize with :func:`acousticlib.metrics.resize_bilinear` to compare
    with 36 x 48 truth). ``nfft``, ``freq_range`` Hz and ``mic_subset`` as there
    (chapter 15)."""
    r = _check_rows(ds, rows)
    config = ds.config
    grid = Camera().resized(config.height, config.width).focus_grid(shape)
    mics = np.asarray(optimized_aperiodic_array())
    out = np.empty((r.size, *grid.shape[:2]))
    for mine, x in _frame_signals(ds, r):
        out[mine] = normmusic_maps(
            x,
            FS,
            mics,
            grid,
            frame_length=FRAME_SAMPLES,
            nfft=nfft,
            freq_range=freq_range,
            mic_subset=mic_subset,
        )
    return out


#: What :func:`video_cam_maps` maps: the classifier's predicted class or the true label.
CAM_CLASSES: tuple[str, ...] = ("predicted", "label")


def video_cam_maps(
    ds: SimulatedDataset,
    features: np.ndarray,
    rows: Any,
    profile: str = "book",
    seed: int = 0,
    *,
    classes: str = "predicted",
) -> np.ndarray:
    """Class activation maps ``(N, 12, 16)`` float64 (logit units) of chapter 13's video
    classifier on the frames ``rows`` of the camera dataset ``ds``, from their trunk
    features ``features`` (the dataset's :func:`~acousticlib.experiments.trunk_features`
    of ``profile`` and ``seed``) -- chapter 15's "what the frame alone points at".

    The classifier (:func:`~acousticlib.experiments.train_arrayfree_classifier`
    ``("video", profile, seed)``, loaded from the cache or the shipped weights, trained
    there if neither holds it) is one linear layer on chapter 07's frozen trunk features
    averaged over the 12 x 16 grid (and over a 1-s clip's frames, on the array-free
    domain), so :func:`acousticlib.localization.class_activation_map` with its weight is
    exact: a frame's map averaged over the grid, plus the bias, is the frame's logit.
    ``classes``: ``"predicted"`` (the class of the frame's own pooled features, one
    frame rather than a clip's twelve) or ``"label"`` (the true class; every row must
    have a sounding source).

    The classifier was trained on the array-free domain (dusk light, other places), so
    on the camera dataset it is weak: on the book profile's 120 middle test frames it
    names the right class for 22 % of single frames, and the maps point into the true
    box 22 % of the time for the predicted class, 30 % for the true one (the trunk's
    feature norm, :func:`~acousticlib.localization.feature_norm_map`, 63 %).
    """
    one_of("classes", classes, CAM_CLASSES)
    r = _check_rows(ds, rows)
    probe = train_arrayfree_classifier("video", profile, seed, progress=False).model
    head = getattr(probe, "head", None)
    if not isinstance(head, torch.nn.Linear):
        raise TypeError(
            f"the video classifier must be one linear layer on pooled features (CAM is "
            f"exact only then); got {type(probe).__name__}"
        )
    weight = head.weight.detach().cpu().double().numpy()  # (K, C)
    bias = head.bias.detach().cpu().double().numpy()
    f = _feature_rows(features, r)  # (N, C, 12, 16) float32
    if f.ndim != 4 or f.shape[1] != weight.shape[1]:
        raise ValueError(
            f"features must be the trunk's (F, {weight.shape[1]}, h, w) features; got "
            f"rows of shape {f.shape[1:]}"
        )
    if classes == "label":
        k = ds.index["label"][r]
    else:
        k = (f.mean(axis=(2, 3), dtype=np.float64) @ weight.T + bias).argmax(axis=1)
    return class_activation_map(f, weight, k)
