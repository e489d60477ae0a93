"""The generators of chapters 08-10 and their shared measures.

Their training and evaluation sets (:func:`generator_data`, :class:`MirroredFrames`),
the cached U-VAE / AU-VAE / MCGAN (:func:`train_generator`), chapter 07's trunk put back
into a trained generator (:func:`attach_trunk`), chapter 08's baselines for a
generator's MSE (:func:`mean_training_image`, :func:`reference_errors`), and the
headline scores on the test split that chapter 11, the appendix and the tools read
(:func:`generator_test_scores`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .. import datasets
from .._checks import one_of, positive
from ..cache import joined_key
from ..geometry import Camera
from ..metrics import (
    box_mask,
    clip_means,
    energy_iou,
    energy_maps,
    evaluate_generator,
    mse,
    peak_in_mask,
    peak_near_border,
    success_auc,
)
from ..models import (
    PADDINGS,
    PROFILE_CHANNELS,
    GeneratorConfig,
    minmax_per_sample,
    model_spec,
)
from ..runtime import check_profile
from ..training import DictDataset, TrainConfig, TrainedModel, train_cached
from .camera import (
    FEATURES_CODE_VERSION,
    _key,
    camera_data,
    pretrained_backbone,
    settings,
    trunk_features,
)

#: Conditions a generator can be trained on: both modalities, or one of them (Table V).
CONDITIONS: tuple[str, ...] = ("audio+video", "video only", "audio only")


# ----------------------------------------------------------------------- generator data
def _clip_starts(
    ds: datasets.SimulatedDataset,
    split: str,
    *,
    background: bool,
    part: slice | None = None,
) -> np.ndarray:
    """Rows ``(N,)`` of the first frames of the clips of ``split`` in dataset order
    (``part`` of them); a clip's frames are the ``fps`` rows from there, in time
    order. The 1-s windows of :func:`generator_data` and chapter 12's clips."""
    rows = ds.frames_of(split, include_background=background)
    return rows[ds.index["frame"][rows] == 0][part or slice(None)]


def generator_data(
    profile: str = "book",
    seed: int = 0,
    split: str = "train",
    *,
    windows: bool = False,
    background: bool = True,
    condition: str = "audio+video",
    frame_step: int = 1,
    with_visual: bool = True,
    with_acoustic: bool = True,
    part: slice | None = None,
) -> DictDataset:
    """The generators' data for ``split``: ``mfcc_mono``, ``frame`` (trunk features),
    ``acoustic``, ``label``.

    ``windows``: 1-s windows ``(N, 12, ...)`` (one per clip) instead of frames ``(N,
    ...)``. ``background``: include background-noise-only frames; their target is the
    flat tiled mono MFCC (the paper's background-noise training samples, so that a scene
    without sound gives a flat energy map). ``condition``: ``"video only"`` zeroes the
    audio condition, ``"audio only"`` the visual one (Table V). ``frame_step``: keep
    every ``frame_step``-th frame (frames only). ``with_visual=False`` leaves the trunk
    features out (``frame`` has 0 channels): what the real and tiled classifier windows
    need, without reading them. ``with_acoustic=False`` leaves out the acoustic images
    (no ``acoustic`` entry): the condition alone, for generating. ``part``: a slice of
    the selected frames (or windows) to load, e.g. ``slice(0, 64)``, for a pass over a
    split in chunks that never holds all of its trunk features. ``label`` is -1 and
    ``background`` true for background frames. Arrays are float16 (trunk features,
    acoustic images); the models convert batches to float32.
    """
    one_of("condition", condition, CONDITIONS)
    one_of("split", split, datasets.SPLITS)
    if (
        isinstance(frame_step, bool)
        or not isinstance(frame_step, int)
        or frame_step < 1
    ):
        raise ValueError(f"frame_step must be a positive integer; got {frame_step!r}")
    if windows and frame_step != 1:
        raise ValueError(
            "frame_step applies to frames only; windows keep all 12 frames of a clip "
            "(frame_step=1)"
        )
    if part is not None and not isinstance(part, slice):
        raise TypeError(
            f"part must be a slice of the selected frames or windows, or None; got "
            f"{part!r}"
        )
    ds = camera_data(profile, seed, progress=False)
    # real/tiled windows need no trunk
    feats = trunk_features(profile, seed, progress=False) if with_visual else None
    return dataset_tensors(
        ds,
        feats,
        split,
        windows=windows,
        background=background,
        condition=condition,
        frame_step=frame_step,
        with_acoustic=with_acoustic,
        part=part,
    )


def dataset_tensors(
    ds: datasets.SimulatedDataset,
    feats: np.ndarray | None,
    split: str,
    *,
    windows: bool = False,
    background: bool = True,
    condition: str = "audio+video",
    frame_step: int = 1,
    with_acoustic: bool = True,
    part: slice | None = None,
) -> DictDataset:
    """:func:`generator_data` of any dataset ``ds`` whose frames' trunk features are
    ``feats`` (``(F, C, 12, 16)``, e.g. from
    :func:`~acousticlib.experiments.dataset_trunk_features`; None: no visual features,
    ``frame`` has 0 channels). Chapter 13 feeds the array-free domain to the camera
    dataset's generators with it. Arguments are checked by :func:`generator_data`.
    """
    if windows:
        fps = int(ds.meta["fps"])
        starts = _clip_starts(ds, split, background=background, part=part)
        rows = (starts[:, None] + np.arange(fps)[None, :]).reshape(-1)
    else:
        rows = ds.frames_of(split, include_background=background)
        if frame_step > 1:
            rows = rows[ds.index["frame"][rows] % frame_step == 0]
        rows = rows[part or slice(None)]
    mono = ds.read("mfcc_mono", rows).astype(np.float32, copy=False)
    bg = ds.index["background"][rows].astype(bool)
    acoustic = (
        ds.read("acoustic", rows).astype(np.float16, copy=False)
        if with_acoustic
        else None
    )
    if acoustic is not None and bg.any():
        acoustic[bg] = np.broadcast_to(
            mono[bg][:, :, None, None],
            (int(bg.sum()), mono.shape[1], *acoustic.shape[-2:]),
        )
    visual = (
        datasets.read_rows(feats.filename, rows)
        if feats is not None
        else np.zeros((rows.size, 0), np.float16)
    )
    if condition == "video only":
        mono = np.zeros_like(mono)
    elif condition == "audio only":
        visual = np.zeros_like(visual)
    label = ds.index["label"][rows]
    tensors = {
        "mfcc_mono": mono,
        "frame": visual,
        "acoustic": acoustic,
        "label": label,
        "background": bg,
    }
    if acoustic is None:
        del tensors["acoustic"]
    if windows:
        tensors = {
            k: v.reshape(v.shape[0] // fps, fps, *v.shape[1:])
            for k, v in tensors.items()
        }
        tensors["label"] = tensors["label"][:, 0]
        tensors["background"] = tensors["background"][:, 0]
    return DictDataset(
        **{k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in tensors.items()}
    )


# --------------------------------------------------------------------------- generators
def train_generator(
    name: str,
    profile: str = "book",
    seed: int = 0,
    *,
    skips: int = 1,
    background: bool = True,
    condition: str = "audio+video",
    epochs: int | None = None,
    spatial_weight: float | None = None,
    train_seed: int | None = None,
    widths: str | None = None,
    frame_step: int | None = None,
    padding: str | None = None,
    flip: bool = False,
    precision: str = "fp32",
    device: str = "cpu",
    progress: bool = True,
) -> TrainedModel:
    """A trained ``"uvae"``, ``"auvae"`` or ``"mcgan"`` (chapters 08-10), from the cache
    when present.

    ``skips`` (U-VAE and AU-VAE; MCGAN has none), ``background`` (train with
    background-noise samples) and ``condition`` (see :func:`generator_data`) select the
    variants of Tables V and VII. Trained on every ``frame_step``-th training frame,
    validated on the validation split; the best epoch by validation loss is kept.
    ``epochs`` overrides the profile's; ``spatial_weight`` overrides the profile's
    weight of the spatial loss term (0: the paper's loss; see
    :class:`~acousticlib.models.GeneratorConfig`). ``train_seed`` seeds the training
    alone (initialisation, batch order, the VAE's and MCGAN's draws) while ``seed``
    keeps choosing the dataset: repeated runs on the same data, for the spread over
    seeds of chapter 11 (``tools/training_seeds.py``); ``None`` means ``seed``.
    ``widths`` names the profile whose layer widths the generator (and the AU-VAE's and
    MCGAN's discriminator) takes -- e.g. ``"full"`` for the paper's 128/133 channels and
    latent 150 on the ``book`` profile's data -- while the visual trunk stays the data
    profile's; ``frame_step`` overrides the profile's (1: every training frame).
    ``None`` keeps the profile's own, and the same model (cache key) as without them.
    The appendix's scaling study (``tools/scaling_study.py``) uses both. ``padding``
    (``"zeros"`` or ``"reflect"``, see :class:`~acousticlib.models.GeneratorConfig`)
    and ``flip`` (train on :class:`MirroredFrames`) are the spatial measures the
    appendix compares (``tools/generator_measures.py``); ``None`` and ``False`` keep
    the chapters' model. ``precision``: ``TrainConfig.precision`` (``"bf16"``, on CUDA,
    is a model of its own; the trunk it reads stays the fp32 one).
    """
    one_of("name", name, ("uvae", "auvae", "mcgan"))
    if train_seed is not None and (
        isinstance(train_seed, bool)
        or not isinstance(train_seed, (int, np.integer))
        or train_seed < 0
    ):
        raise ValueError(
            f"train_seed must be a non-negative integer or None; got {train_seed!r}"
        )
    one_of("skips", skips, (0, 1, 2))
    one_of("condition", condition, CONDITIONS)
    if not isinstance(flip, bool):
        raise TypeError(f"flip must be True or False; got {flip!r}")
    s = settings(profile)
    if frame_step is not None:
        positive("frame_step", frame_step, integer=True)
    step = s.frame_step if frame_step is None else int(frame_step)
    if name == "mcgan":
        skips = 0
    overrides: dict[str, Any] = (
        {} if spatial_weight is None else {"spatial_weight": spatial_weight}
    )
    if padding is not None:
        overrides["padding"] = one_of("padding", padding, PADDINGS)
    if widths is not None:
        check_profile(widths)
        sized = GeneratorConfig.for_profile(widths)
        overrides.update(
            enc_channels=sized.enc_channels,
            mid_channels=sized.mid_channels,
            latent=sized.latent,
            noise=sized.noise,
        )
        if name != "uvae":
            overrides["disc_channels"] = PROFILE_CHANNELS[widths]
    spec = model_spec(name, profile, skips=skips, **overrides)
    config = TrainConfig(
        epochs=s.generator_epochs if epochs is None else epochs,
        batch_size=s.generator_batch,
        lr=s.generator_lr,
        seed=seed if train_seed is None else int(train_seed),
        monitor="loss",
        precision=precision,
    )
    ds = camera_data(profile, seed, progress=progress)
    # built here (with its progress bar) when missing
    trunk_features(profile, seed, device=device, progress=progress)
    pre = pretrained_backbone(profile, seed, device=device, progress=False)
    data_key = joined_key(
        _key(ds),
        {
            "trunk": f"pretrained/{pre.path.name}",
            FEATURES_CODE_VERSION: None,
            "background": background,
            "condition": condition,
            "frame_step": step,
            **({"augmented": "mirror"} if flip else {}),
        },
    )

    def data() -> tuple[torch.utils.data.Dataset, DictDataset]:
        train, val = (
            generator_data(
                profile,
                seed,
                split,
                background=background,
                condition=condition,
                frame_step=step,
            )
            for split in ("train", "val")
        )
        return (MirroredFrames(train) if flip else train), val

    return train_cached(
        spec, data, None, config, data_key=data_key, device=device, progress=progress
    )


class MirroredFrames(torch.utils.data.Dataset):
    """The generators' training frames, each mirrored left-right with probability 1/2
    (the appendix).

    A mirrored item flips the trunk features ``frame`` ``(C, 12, 16)`` and the acoustic
    image ``(12, 36, 48)`` along their last (horizontal) axis; the tiled mono MFCC is
    the same everywhere and stays. The array sits at the camera, so a mirrored scene's
    acoustic image is the mirrored image; its trunk features are only approximately
    the mirrored features (the trunk is not exactly mirror-symmetric), which is what an
    augmentation of cached features costs. Draws come from torch's global generator,
    which :func:`acousticlib.training.fit` seeds per epoch.
    """

    def __init__(self, frames: DictDataset) -> None:
        if not isinstance(frames, DictDataset):
            raise TypeError(
                "frames must be a DictDataset (see generator_data); got "
                f"{type(frames).__name__}"
            )
        missing = {"frame", "acoustic"} - set(frames.tensors)
        if missing:
            raise ValueError(
                f"frames must hold 'frame' and 'acoustic'; missing {sorted(missing)}"
            )
        self.frames = frames

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = self.frames[i]
        if bool(torch.rand(()) < 0.5):
            item = {
                k: v.flip(-1) if k in ("frame", "acoustic") else v
                for k, v in item.items()
            }
        return item


def attach_trunk(
    model: torch.nn.Module, profile: str = "book", seed: int = 0
) -> torch.nn.Module:
    """Put chapter 07's pretrained trunk into a trained generator, so it takes camera
    frames directly.

    The generators are trained on precomputed trunk features; with the trunk attached
    they accept frames ``(B, 3, H, W)`` too (and still accept trunk features).
    ``model``: a trained generator network (or an adversarial pair holding one as
    ``.generator``). Returns ``model``.
    """
    gen = getattr(model, "generator", model)
    if getattr(gen, "backbone", None) is None:
        raise ValueError(
            "model must be a generator with a visual backbone to attach a trunk to"
        )
    pre = pretrained_backbone(profile, seed, progress=False)
    gen.backbone.trunk.load_state_dict(pre.model.backbone.trunk.state_dict())
    return model


def mean_training_image(profile: str = "book", seed: int = 0) -> torch.Tensor:
    """The mean of the normalised training targets, one frame per clip (the frames at 0
    s), ``(12, 36, 48)``.

    The baseline that knows nothing of the frame or the sound: chapter 08 (section 5)
    measures it, chapters 09 and 10 compare their generators with it
    (:func:`reference_errors`).
    """
    fps = int(camera_data(profile, seed, progress=False).meta["fps"])
    one = generator_data(
        profile, seed, "train", background=False, frame_step=fps, with_visual=False
    )
    return minmax_per_sample(one.tensors["acoustic"].float()).mean(dim=0)


def reference_errors(
    test: DictDataset,
    real: torch.Tensor,
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
) -> dict[str, float]:
    """Chapter 08's two references for a generator's MSE on the frames ``test``, whose
    normalised targets are ``real`` ``(N, 12, 36, 48)`` (e.g.
    ``metrics.generate(...)["real"]``).

    ``"paper_loss"``: the U-VAE with one skip trained with the paper's loss (no where
    term; from the cache, or trained now); ``"mean_image"``:
    :func:`mean_training_image`. Chapters 09 and 10.
    """
    if len(test) != len(real):  # type: ignore[arg-type]
        raise ValueError(
            f"real must hold one target per frame of test ({len(test)}); got "
            f"{len(real)}"
        )  # type: ignore[arg-type]
    paper = train_generator(
        "uvae",
        profile,
        seed,
        skips=1,
        spatial_weight=0.0,
        device=device,
        progress=False,
    )
    # chunk by chunk against the targets of test (the same images as real): no generated
    # set is held
    return {
        "paper_loss": evaluate_generator(paper.model, test, seed=seed, device=device)[
            "mse"
        ],
        "mean_image": mse(mean_training_image(profile, seed).expand_as(real), real),
    }


def generator_test_scores(
    model: torch.nn.Module,
    profile: str = "book",
    seed: int = 0,
    *,
    per_clip: bool = False,
    condition: str = "audio+video",
    device: str = "cpu",
) -> dict[str, Any]:
    """A trained generator's headline scores on the sound frames of the test split
    (chapter 11's measures).

    ``"mse"``: the mean pixel error against the normalised real images
    (:func:`metrics.evaluate_generator`); ``"iou_success"``: the share of frames whose
    energy map has IoU > 0.5 with the real one (Table V's score); ``"auc"``: the AUC of
    those IoUs' success curve (Table IV's convention); ``"peak_in_box"``: the share of
    frames whose energy peaks in a true source box; ``"peak_near_border"``: the share
    whose energy peaks within 2 cells of the grid's edge
    (:func:`metrics.peak_near_border`); ``"frames"``: how many frames were
    scored. With ``per_clip`` also ``"clip_mse"`` and ``"clip_iou_success"``: lists of
    the same two scores over the frames of each test clip (in clip order), the unit of
    independent evidence for comparing two models on the same clips. ``condition``: what
    the model is given at test time, as in training (a video-only model gets no audio;
    :func:`generator_data`). Used by the tools that train many runs
    (``tools/training_seeds.py``, ``tools/scaling_study.py``) and by the appendix.
    """
    one_of("condition", condition, CONDITIONS)
    ds = camera_data(profile, seed, progress=False)
    test = generator_data(profile, seed, "test", background=False, condition=condition)
    rows = ds.frames_of("test", include_background=False)
    real_energy = energy_maps(minmax_per_sample(test.tensors["acoustic"].float()))
    record = evaluate_generator(model, test, seed=seed, device=device)
    ious = energy_iou(record["energy"], real_energy)
    cam = Camera().resized(ds.config.height, ds.config.width)
    box = box_mask(ds.array("boxes")[rows], cam.grid_pixel_centres())
    scores: dict[str, Any] = {
        "mse": float(record["mse"]),
        "iou_success": float(np.mean(ious > 0.5)),
        "auc": float(success_auc(ious)),
        "peak_in_box": float(peak_in_mask(record["energy"], box).mean()),
        "peak_near_border": float(peak_near_border(record["energy"]).mean()),
        "frames": int(len(rows)),
    }
    if per_clip:
        clip = ds.index["clip"][rows]
        scores["clip_mse"] = clip_means(record["frame_mse"], clip).tolist()
        scores["clip_iou_success"] = clip_means(ious > 0.5, clip).tolist()
    return scores
