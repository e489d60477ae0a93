"""Chapter 15's comparison: every sound-source localizer's heat maps on the same frames
of the camera dataset, and their scores in both conventions.

* :func:`localization_rows` -- the frames scored: the middle frame
  (:data:`~acousticlib.experiments.localization.ATTENTION_FRAME`) of every clip with a
  sounding source in a split, one frame per clip as Flickr-SoundNet and VGG-SS give
  one frame per video;
* :func:`localizer_maps` -- the heat maps ``(N, h, w)`` of one localizer of
  :data:`LOCALIZERS` on those frames (the expensive ones cached);
* :func:`scene_maps` -- the same on any frames of any simulated dataset, e.g.
  :func:`two_source_scenes` (scenes with two sounding sources);
* :func:`localization_scores` -- their cIoU@0.5, mean cIoU and AUC in the authors' and
  the LVS / EZ-VSL / SLAVC conventions (:data:`acousticlib.metrics.AUC_CONVENTIONS`)
  and the pointing game, against the frames' ground truth.

``tools/localization_seeds.py`` runs the learnt localizers over several training
seeds and writes ``benchmarks/results/localization_seeds.json``, which chapter 15
reads for its mean +- std.

Imports run one way: ``camera``, ``generators``, ``localization`` -> ``localizers``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import datasets
from .._checks import one_of
from ..cache import cached
from ..geometry import GRID_SHAPE, Camera
from ..localization import (
    centre_prior_map,
    feature_norm_map,
    object_guided_map,
    whole_image_map,
)
from ..metrics import (
    AUC_CONVENTIONS,
    box_mask,
    ciou_scores,
    ciou_summary,
    energy_maps,
    evaluate_generator,
    pointing_game,
    resize_bilinear,
)
from ..models.uvae import minmax_per_sample
from ..runtime import check_profile
from ..training import DictDataset
from .camera import _key, camera_data, trunk_features
from .generators import CONDITIONS, dataset_tensors, train_generator
from .localization import (
    ATTENTION_FRAME,
    _check_rows,
    _feature_rows,
    attention_maps,
    localization_truth,
    normmusic_frames,
    silent_boxes,
    srp_phat_frames,
    train_attention_localizer,
    video_cam_maps,
)

#: Bump when what :func:`localizer_maps` caches changes.
MAPS_CODE_VERSION = "localizer-maps-1"

#: The localizers of chapter 15, by name: what each map is.
LOCALIZERS: dict[str, str] = {
    "real_energy": "energy of the real acoustic image (the array's own map)",
    "uvae": "energy of the U-VAE's generated acoustic image",
    "auvae": "energy of the AU-VAE's generated acoustic image",
    "mcgan": "energy of the MCGAN's generated acoustic image",
    "whole_image": "every cell alike (no sound, no image)",
    "centre_prior": "a Gaussian at the frame's centre (no sound, no image)",
    "visual_only": "L2 norm of the frozen trunk's features (no sound)",
    "attention": "EZ-VSL-style contrastive attention, mono audio and frame",
    "attention_ogl": "the attention map mixed with the visual-only map (EZ-VSL's OGL)",
    "video_cam": "class-activation map of chapter 13's video classifier (no sound)",
    "srp_phat": "SRP-PHAT on the 128 re-simulated array signals",
    "normmusic": "NormMUSIC on 32 of the re-simulated array signals, 9 x 12 grid",
}
#: The generators among :data:`LOCALIZERS`.
GENERATORS: tuple[str, ...] = ("uvae", "auvae", "mcgan")
#: Localizers whose maps :func:`localizer_maps` keeps in the cache (they re-simulate
#: the array or take long).
CACHED_MAPS: tuple[str, ...] = ("srp_phat", "normmusic")


def _check_condition(name: str, condition: str) -> None:
    one_of("condition", condition, CONDITIONS)
    if condition != "audio+video" and name not in GENERATORS:
        raise ValueError(
            f"condition applies to the generators ({', '.join(GENERATORS)}) only; got "
            f"{condition!r} for {name!r}"
        )


def localization_rows(ds: datasets.SimulatedDataset, split: str) -> np.ndarray:
    """Rows ``(N,)`` of the frames chapter 15 scores in ``split``: frame
    :data:`ATTENTION_FRAME` (the middle one) of every clip with a sounding source, in
    dataset order."""
    one_of("split", split, datasets.SPLITS)
    rows = ds.frames_of(split, include_background=False)
    rows = rows[ds.index["frame"][rows] == ATTENTION_FRAME]
    if rows.size == 0:
        raise ValueError(f"split {split!r} holds no clip with a sounding source")
    return rows


def _generated_energy(
    name: str,
    ds: datasets.SimulatedDataset,
    features: np.ndarray,
    rows: np.ndarray,
    profile: str,
    seed: int,
    train_seed: int,
    condition: str,
    device: str,
) -> np.ndarray:
    # each split's sound frames as the generators see them, then the rows asked for
    model = train_generator(name, profile, seed, train_seed=train_seed, progress=False)
    splits = ds.index["split"][rows]
    out = np.empty((len(rows), *GRID_SHAPE))
    for code in np.unique(splits):
        split = datasets.SPLITS[int(code)]
        frames = ds.frames_of(split, include_background=False)
        mine = np.flatnonzero(splits == code)
        pos = np.searchsorted(frames, rows[mine])
        if np.any(pos >= len(frames)) or np.any(
            frames[np.minimum(pos, len(frames) - 1)] != rows[mine]
        ):
            raise ValueError("rows must be frames with a sounding source")
        data = dataset_tensors(
            ds, features, split, background=False, condition=condition
        )
        keep = torch.from_numpy(pos)
        subset = DictDataset(**{k: v[keep] for k, v in data.tensors.items()})
        out[mine] = evaluate_generator(model.model, subset, seed=seed, device=device)[
            "energy"
        ]
    return out


def scene_maps(
    name: str,
    ds: datasets.SimulatedDataset,
    features: np.ndarray,
    rows: Any,
    profile: str = "book",
    seed: int = 0,
    *,
    train_seed: int = 0,
    condition: str = "audio+video",
    device: str = "cpu",
) -> np.ndarray:
    """Heat maps ``(N, h, w)`` float64 of localizer ``name`` (a key of
    :data:`LOCALIZERS`) on frames ``rows`` of any simulated dataset ``ds`` whose trunk
    features are ``features`` (e.g. chapter 15's two-source scenes,
    :func:`two_source_scenes`), by the models trained on the camera dataset of
    ``profile`` and ``seed`` (training seed ``train_seed``). Not cached; the frames
    must have a sounding source. See :func:`localizer_maps` for the grids and
    ``condition``."""
    one_of("name", name, tuple(LOCALIZERS))
    _check_condition(name, condition)
    profile = check_profile(profile)
    r = _check_rows(ds, rows)
    if np.any(ds.index["background"][r] != 0):
        raise ValueError("rows must be frames with a sounding source")
    if name == "real_energy":
        acoustic = torch.from_numpy(np.asarray(ds.read("acoustic", r), np.float32))
        return energy_maps(minmax_per_sample(acoustic)).astype(np.float64)
    if name in GENERATORS:
        return _generated_energy(
            name, ds, features, r, profile, seed, train_seed, condition, device
        )
    if name == "whole_image":
        return np.array(whole_image_map(len(r)))
    if name == "centre_prior":
        return np.array(centre_prior_map(len(r)))
    if name == "visual_only":
        return feature_norm_map(_feature_rows(features, r))
    if name in ("attention", "attention_ogl"):
        model = train_attention_localizer(
            profile, seed, train_seed=train_seed, device=device, progress=False
        ).model
        av = attention_maps(model, ds, features, r, device=device)
        if name == "attention":
            return av.astype(np.float64)
        return object_guided_map(av, feature_norm_map(_feature_rows(features, r)))
    if name == "video_cam":
        return video_cam_maps(ds, features, r, profile, seed)
    if name == "normmusic":
        return np.asarray(normmusic_frames(ds, r), np.float64)
    return np.asarray(srp_phat_frames(ds, r), np.float64)


def localizer_maps(
    name: str,
    profile: str = "book",
    seed: int = 0,
    split: str = "test",
    *,
    train_seed: int = 0,
    condition: str = "audio+video",
    device: str = "cpu",
) -> np.ndarray:
    """Heat maps ``(N, h, w)`` float64 of localizer ``name`` (a key of
    :data:`LOCALIZERS`) on the frames :func:`localization_rows` of ``split`` of the
    camera dataset of ``profile`` and ``seed`` (chapter 15).

    Shapes: ``36 x 48`` (the acoustic grid) for the energy maps, the baselines and
    SRP-PHAT; ``12 x 16`` (the trunk's grid) for the visual-only and attention maps
    (``"attention_ogl"``: EZ-VSL's object-guided mix,
    :func:`~acousticlib.localization.object_guided_map`, of the attention map with the
    visual-only one). ``train_seed``: the training seed of a learnt localizer (the
    generators, the attention localizer; 0 is the chapters' own model).
    ``condition``: what a generator is given (``"video only"``, ``"audio only"``: the
    paper's Table V). ``"video_cam"``: ``12 x 16``, the predicted class's activation map
    (:func:`~acousticlib.experiments.localization.video_cam_maps`); ``"normmusic"``:
    ``9 x 12`` (:data:`~acousticlib.localization.MUSIC_GRID`). The array-based maps
    (:data:`CACHED_MAPS`) are computed once and cached (about 1 s per recording to
    re-simulate the array).
    """
    one_of("name", name, tuple(LOCALIZERS))
    profile = check_profile(profile)
    ds = camera_data(profile, seed, progress=False)
    rows = localization_rows(ds, split)
    if name not in CACHED_MAPS:
        features = trunk_features(profile, seed, progress=False)
        return scene_maps(
            name,
            ds,
            features,
            rows,
            profile,
            seed,
            train_seed=train_seed,
            condition=condition,
            device=device,
        )
    _check_condition(name, condition)

    def build(folder: Path) -> None:
        t0 = time.perf_counter()
        maps = (srp_phat_frames if name == "srp_phat" else normmusic_frames)(ds, rows)
        np.save(folder / "maps.npy", maps)
        (folder / "seconds.txt").write_text(f"{time.perf_counter() - t0:.3f}\n")

    folder = cached(
        "localizer_maps",
        {"dataset": _key(ds), "localizer": name, "split": split},
        build,
        code_version=MAPS_CODE_VERSION,
    )
    return np.load(folder / "maps.npy")


def two_source_scenes(
    profile: str = "book", seed: int = 0, *, recordings: int = 4
) -> tuple[datasets.SimulatedDataset, np.ndarray]:
    """A small dataset of scenes with up to two sounding sources (chapter 15): three
    locations of ``recordings`` one-second recordings each, drawn like the camera
    dataset of ``profile`` (its frame size, conditions and silent distractors) with
    ``max_sources=2`` and seed ``seed + 2000``, and its frames' features through the
    camera dataset's trunk (chapter 07's). About 1 s per recording to build; cached.
    Returns ``(ds, features)``; ``ds.read("boxes", rows)`` holds each frame's two
    boxes (NaN where a recording drew one source).
    """
    from .camera import dataset_trunk_features, pretrained_backbone

    profile = check_profile(profile)
    config = datasets.dataset_config(
        profile,
        seed=seed + 2000,
        locations=3,
        unseen_locations=0,
        recordings_per_location=recordings,
        background_per_location=0,
        recording_seconds=1,
        max_sources=2,
    )
    ds = datasets.camera_dataset(config, workers=1, progress=False)
    pre = pretrained_backbone(profile, seed, progress=False)
    features = dataset_trunk_features(
        ds, pre.model.backbone, f"pretrained/{pre.path.name}", progress=False
    )
    return ds, features


def localization_scores(
    maps: Any, ds: datasets.SimulatedDataset, rows: Any
) -> dict[str, Any]:
    """Scores of heat maps ``maps`` ``(N, h, w)`` of the frames ``rows`` of ``ds``
    (chapter 15).

    For each convention of :data:`~acousticlib.metrics.AUC_CONVENTIONS` (``"authors"``,
    ``"lvs"``): ``"ciou@0.5"``, ``"mean"`` and ``"auc"``
    (:func:`~acousticlib.metrics.ciou_summary`) of the cIoUs against the annotators'
    consensus at frame resolution, and the per-frame ``"ciou"`` ``(N,)``; and
    ``"pointing"``: the pointing game (:func:`~acousticlib.metrics.pointing_game`)
    against the single true box on the 36 x 48 grid, maps of another size resized to
    it, with its per-frame values ``"pointing_frames"``; ``"silent"``: the same game
    played against the silent objects' boxes
    (:func:`~acousticlib.experiments.localization.silent_boxes`, cells of the true box
    left out): the share of maps whose peak lies on a silent object, with
    ``"silent_frames"``.
    """
    m = np.asarray(maps)
    r = np.asarray(rows, np.int64).reshape(-1)
    if m.ndim != 3 or len(m) != len(r):
        raise ValueError(
            f"maps must have shape (N, h, w) with one map per row ({len(r)}); got "
            f"{m.shape}"
        )
    truth = localization_truth(ds, r, "frame")
    out: dict[str, Any] = {}
    for convention in AUC_CONVENTIONS:
        values = ciou_scores(m, truth["consensus"], convention)
        out[convention] = {**ciou_summary(values, convention), "ciou": values}
    grid = m if m.shape[1:] == GRID_SHAPE else resize_bilinear(m, GRID_SHAPE)
    box = localization_truth(ds, r, "grid")["box"]
    hits = pointing_game(grid, box)
    out["pointing"] = float(np.mean(hits))
    out["pointing_frames"] = hits
    camera = Camera().resized(ds.config.height, ds.config.width)
    silent = box_mask(silent_boxes(ds, r), camera.grid_pixel_centres()) * (box == 0)
    fooled = pointing_game(grid, silent)
    out["silent"] = float(np.mean(fooled))
    out["silent_frames"] = fooled
    return out
