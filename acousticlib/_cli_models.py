"""The models of the command line (:mod:`acousticlib.cli`): :data:`MODELS`,
:func:`train_model` and :func:`score_model`.

Each name maps to the function its chapter calls (chapters 07-11), so that a model the
command line trains is the cache entry the chapter loads; :mod:`acousticlib.cli`
re-exports these names. Imports the experiments and metrics on use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelEntry:
    """A model of the command line: the ``chapter`` that trains it, ``what`` it is, its
    ``kind`` (``"visual"``, ``"generator"`` or ``"classifier"``) and, for a
    classifier, the ``source`` of its windows
    (:data:`acousticlib.experiments.CLASSIFIER_SOURCES`)."""

    chapter: str
    what: str
    kind: str
    source: str | None = None


#: The chapters' cached models, by the name the command line gives them.
MODELS: dict[str, ModelEntry] = {
    "visual": ModelEntry(
        "07",
        "the visual backbone pretrained on the frames' object crops, and its trunk "
        "features of every frame",
        "visual",
    ),
    "uvae": ModelEntry("08", "the U-VAE (one skip connection)", "generator"),
    "auvae": ModelEntry("09", "the adversarial U-VAE", "generator"),
    "mcgan": ModelEntry("10", "the multimodal conditional GAN", "generator"),
    "judge": ModelEntry(
        "11",
        "GAN-test's judge: DualCamNet on real windows (the shipped weights when they "
        "match)",
        "classifier",
        "real",
    ),
    "tiled": ModelEntry(
        "11",
        "DualCamNet on tiled mono-MFCC windows (the baseline)",
        "classifier",
        "tiled",
    ),
    **{
        f"{g}-classifier": ModelEntry(
            "11", f"GAN-train's DualCamNet on the {label}'s windows", "classifier", g
        )
        for g, label in (("uvae", "U-VAE"), ("auvae", "AU-VAE"), ("mcgan", "MCGAN"))
    },
}

_GENERATORS = tuple(name for name, m in MODELS.items() if m.kind == "generator")


# ------------------------------------------------------------------------------ models
def train_model(
    name: str,
    profile: str = "book",
    seed: int = 0,
    *,
    device: str = "cpu",
    progress: bool = True,
    epochs: int | None = None,
    precision: str = "fp32",
) -> Any:
    """The model ``name`` of :data:`MODELS`, from the cache or trained now, through the
    function its chapter calls; returns its
    :class:`~acousticlib.training.TrainedModel`.

    ``visual``: :func:`~acousticlib.experiments.pretrained_backbone`, then its
    :func:`~acousticlib.experiments.trunk_features` (the generators' input);
    generators: :func:`~acousticlib.experiments.train_generator` (``epochs``
    overrides the profile's, in an entry of its own); classifiers:
    :func:`~acousticlib.experiments.train_classifier` with the model's source.
    ``precision``: ``TrainConfig.precision`` of the model itself (``"bf16"``: CUDA
    only, an entry of its own); the models it builds on stay the chapters' fp32 ones.
    """
    from . import experiments as ex

    entry = MODELS[name]
    if epochs is not None and entry.kind != "generator":
        raise ValueError(
            f"epochs applies to the generators {_GENERATORS}; got it for {name!r}"
        )
    if entry.kind == "visual":
        trained = ex.pretrained_backbone(
            profile, seed, device=device, progress=progress, precision=precision
        )
        ex.trunk_features(profile, seed, device=device, progress=progress)
        return trained
    if entry.kind == "generator":
        return ex.train_generator(
            name,
            profile,
            seed,
            epochs=epochs,
            device=device,
            progress=progress,
            precision=precision,
        )
    return ex.train_classifier(
        entry.source,
        profile,
        seed,
        device=device,
        progress=progress,
        precision=precision,
    )


def score_model(
    name: str, model: Any, profile: str = "book", seed: int = 0, *, device: str = "cpu"
) -> dict[str, Any]:
    """Scores of the trained ``model`` of ``name`` on the test split, as its chapters
    measure them.

    ``visual``: ``accuracy`` on the object and background crops of the test clips
    (chapter 07) and their number ``crops``; generators:
    :func:`~acousticlib.experiments.generator_test_scores` (chapter 11: ``mse``,
    ``iou_success``, ``auc``, ``peak_in_box``, ``peak_near_border``, ``frames``);
    classifiers: ``accuracy`` on the test windows of their own source and their number
    ``windows`` (the judge's is GAN-test on real windows), and for the others also
    ``accuracy_on_real`` (GAN-train, chapter 11). Accuracies are shares in [0, 1].
    """
    from . import experiments as ex
    from . import metrics

    entry = MODELS[name]
    if entry.kind == "visual":
        ds = ex.camera_data(profile, seed, progress=False)
        rows = ex.clip_frames(ds, "test", ex.settings(profile).pretrain_frames_per_clip)
        crops, labels = ex.object_crops(ds, rows, background_seed=seed)
        return {
            "accuracy": metrics.accuracy(model, crops, labels, device=device),
            "crops": int(len(labels)),
        }
    if entry.kind == "generator":
        return ex.generator_test_scores(model, profile, seed, device=device)
    x, y = ex.classifier_windows(entry.source, "test", profile, seed, device=device)
    scores: dict[str, Any] = {
        "accuracy": metrics.accuracy(model, x, y, device=device),
        "windows": int(len(y)),
    }
    if entry.source != "real":
        del x
        real, labels = ex.classifier_windows("real", "test", profile, seed)
        scores["accuracy_on_real"] = metrics.accuracy(
            model, real, labels, device=device
        )
    return scores
