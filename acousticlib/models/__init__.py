"""Neural networks of the book: visual backbone, U-VAE, AU-VAE, MCGAN, DualCamNet, and
the distillation's HearNet and video stream.

Chapters 07-12 teach them. Every model can be rebuilt from a plain JSON-like *spec* with
:func:`build_model` (that spec is part of the cache key of a trained model, see
:mod:`acousticlib.training`), and :func:`model_spec` gives the spec of each run
profile::

    spec = model_spec("uvae", "book", skips=0)       # narrow widths for a CPU
    model = build_model(spec)                         # random weights, seeded by torch

Names follow the papers: ``UVAE``, ``AUVAE``, ``MCGAN``, ``DualCamNet``, ``HearNet``;
``VideoStream`` is their ResNet-18 stream. Chapter 12's composites are specs of specs:
``model_spec("av_pair", profile, audio="hearnet")`` (an :class:`AudioVisualPair`, with
DualCamNet seen through :class:`AcousticMapNet` when it is the audio stream) and
``model_spec("stream_classifier", profile, stream="hearnet")`` (a
:class:`StreamClassifier`). Chapter 16's :class:`EventLocalizer` (Ramaswamy and Das
2020) is ``model_spec("event_localizer", profile, visual_channels=C_v, audio_dim=D_a)``
with its variants as overrides (``fusion``, ``streams``, ``swab``, ``aggregation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .._checks import one_of, positive
from ..features import HEARNET_HOP, HEARNET_N_FFT
from ..runtime import check_profile
from .composite import AudioVisualPair, LinearProbe, StreamClassifier
from .dualcamnet import PAPER_CHANNELS, PROFILE_CHANNELS, AcousticMapNet, DualCamNet
from .event_localization import (
    AVFB,
    EVENT_CLASSES,
    EVENT_FUSIONS,
    EVENT_STREAMS,
    MFB,
    SWAB,
    SWAB_POOLING,
    EventLocalizer,
    aggregate,
    check_segments,
    signed_sqrt,
)
from .event_localization import PROFILE_SIZES as EVENT_SIZES
from .gan import (
    AUVAE,
    LAMBDA_ADV,
    LAMBDA_REC,
    MCGAN,
    AdversarialGenerator,
    MCGANGenerator,
    discriminator,
)
from .hearnet import MIN_FRAMES, PAPER_WIDTHS, PROFILE_WIDTHS, HearNet
from .retrieval import (
    EMBEDDING_CHANNELS,
    EMBEDDING_SIZE,
    AcousticEmbedding,
    VideoEmbedding,
)
from .uvae import (
    PADDINGS,
    UVAE,
    AcousticDecoder,
    ConditionEncoder,
    GeneratorConfig,
    generator_inputs,
    minmax_per_sample,
    tile_mfcc,
)
from .vggish import PROFILE_WIDTHS as SPECTROGRAM_WIDTHS
from .vggish import SpectrogramCNN
from .video_stream import (
    CELL_PIXELS,
    FRAME_SIZE,
    PAPER_STAGES,
    PROFILE_STAGES,
    VideoStream,
)
from .visual import (
    ACOUSTIC_GRID,
    ALIGN_SHIFT,
    OUTPUT_STRIDE,
    TRUNK_CHANNELS,
    VISUAL_GRID,
    VisualBackbone,
    VisualClassifier,
    receptive_field,
)

#: Model names understood by :func:`model_spec` and :func:`build_model`.
MODEL_NAMES: tuple[str, ...] = (
    "uvae",
    "auvae",
    "mcgan",
    "dualcamnet",
    "visual",
    "hearnet",
    "video_stream",
    "av_pair",
    "stream_classifier",
    "spectrogram_cnn",
    "linear_probe",
    "visual_backbone",
    "retrieval_pair",
    "event_localizer",
)

#: The audio streams of chapter 14's ``"retrieval_pair"``.
RETRIEVAL_AUDIO: tuple[str, ...] = ("acoustic", "spectrogram")

#: The audio streams of an ``"av_pair"`` and the streams a ``"stream_classifier"``
#: wraps (chapter 12).
PAIR_AUDIO: tuple[str, ...] = ("hearnet", "dualcamnet")
CLASSIFIED_STREAMS: tuple[str, ...] = ("hearnet", "video_stream")


def _overridden(
    name: str, spec: dict[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """``spec`` with ``overrides`` of its own fields (sequences stored as lists);
    any other field raises a ValueError naming the allowed ones."""
    allowed = set(spec) - {"name"}
    unknown = set(overrides) - allowed
    if unknown:
        raise ValueError(
            f"overrides for {name} must be among {sorted(allowed)}; got "
            f"{sorted(unknown)}"
        )
    spec.update(
        {
            k: list(v) if isinstance(v, (tuple, list)) else v
            for k, v in overrides.items()
        }
    )
    return spec


def _distillation_spec(
    name: str, profile: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Specs of chapter 12's streams: HearNet's widths and spectrogram, the video
    stream's stages; the embedding / map channels are DualCamNet's map channels."""
    if name == "hearnet":
        widths = PROFILE_WIDTHS[profile]
        spec = {
            "name": name,
            "conv_channels": list(widths["conv_channels"]),
            "fc_widths": list(widths["fc_widths"]),
            "embedding": widths["embedding"],
            "n_fft": HEARNET_N_FFT,
            "hop": HEARNET_HOP,
            "batch_norm": False,
        }
    else:
        spec = {
            "name": name,
            "stage_channels": list(PROFILE_STAGES[profile]),
            "out_channels": PROFILE_CHANNELS[profile][1],
        }
    return _overridden(name, spec, overrides)


def _classifier_spec(
    name: str, profile: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Specs of chapter 13's single-stream classifiers: the VGGish-like
    ``"spectrogram_cnn"`` (its widths per profile) and the ``"linear_probe"`` on
    ``in_features``-dimensional features (required)."""
    if name == "spectrogram_cnn":
        widths = SPECTROGRAM_WIDTHS[profile]
        spec: dict[str, Any] = {
            "name": name,
            "channels": list(widths["channels"]),  # type: ignore[call-overload]
            "embedding": widths["embedding"],
            "num_classes": 10,
        }
    else:
        if "in_features" not in overrides:
            raise ValueError(
                "linear_probe needs in_features (the width of the features it reads)"
            )
        spec = {"name": name, "in_features": None, "num_classes": 10}
    return _overridden(name, spec, overrides)


def _stream_spec(
    role: str, stream: Any, choices: tuple[str, ...], profile: str
) -> dict[str, Any]:
    """The spec of a composite's stream: a name of ``choices`` (the profile's spec) or a
    spec of one of them (e.g. with overrides)."""
    if isinstance(stream, Mapping):
        one_of(f"{role}['name']", stream.get("name"), choices)
        return dict(stream)
    return model_spec(one_of(role, stream, choices), profile)


def _channels(spec: Mapping[str, Any]) -> int:
    """Channels ``D`` of a stream's vector or map, from its spec."""
    if spec["name"] == "hearnet":
        return int(spec.get("embedding", PAPER_WIDTHS["embedding"]))
    if spec["name"] == "dualcamnet":
        return int(spec.get("channels", PAPER_CHANNELS)[1])
    if spec["name"] == "visual_backbone":
        return int(spec["out_channels"])
    return int(spec.get("out_channels", PAPER_CHANNELS[1]))


def _composite_spec(
    name: str, profile: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Specs of chapter 12's composites (see :func:`model_spec`)."""
    allowed = {"audio", "video"} if name == "av_pair" else {"stream", "num_classes"}
    unknown = set(overrides) - allowed
    if unknown:
        raise ValueError(
            f"overrides for {name} must be among {sorted(allowed)}; got "
            f"{sorted(unknown)}"
        )
    if name == "stream_classifier":
        return {
            "name": name,
            "stream": _stream_spec(
                "stream",
                overrides.get("stream", "hearnet"),
                CLASSIFIED_STREAMS,
                profile,
            ),
            "num_classes": positive(
                "num_classes", overrides.get("num_classes", 10), integer=True
            ),
        }
    audio = _stream_spec(
        "audio", overrides.get("audio", "hearnet"), PAIR_AUDIO, profile
    )
    video = _stream_spec(
        "video",
        overrides.get("video", "video_stream"),
        ("video_stream", "visual_backbone"),
        profile,
    )
    if _channels(audio) != _channels(video):
        raise ValueError(
            f"audio and video must have the same channels D (the similarity map "
            f"multiplies them); got {_channels(audio)} and {_channels(video)}"
        )
    return {"name": name, "audio": audio, "video": video}


def _retrieval_spec(profile: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Spec of chapter 14's two streams: ``audio`` (``"acoustic"``: DualCamNet's widths
    of the profile with batch normalization; ``"spectrogram"``: the profile's
    spectrogram CNN), ``video_channels`` (the trunk's channels, required) and the video
    stream's ``hidden`` width."""
    allowed = {"audio", "video_channels", "hidden"}
    unknown = set(overrides) - allowed
    if unknown:
        raise ValueError(
            f"overrides for retrieval_pair must be among {sorted(allowed)}; got "
            f"{sorted(unknown)}"
        )
    if "video_channels" not in overrides:
        raise ValueError(
            "retrieval_pair needs video_channels (the channels of the trunk features "
            "its video stream reads)"
        )
    audio = one_of("audio", overrides.get("audio", "acoustic"), RETRIEVAL_AUDIO)
    if audio == "acoustic":
        audio_spec: dict[str, Any] = {"channels": list(PROFILE_CHANNELS[profile])}
    else:
        widths = SPECTROGRAM_WIDTHS[profile]
        audio_spec = {
            "channels": list(widths["channels"]),  # type: ignore[call-overload]
            "embedding": widths["embedding"],
        }
    return {
        "name": "retrieval_pair",
        "audio": audio,
        "audio_spec": audio_spec,
        "video_channels": positive(
            "video_channels", overrides["video_channels"], integer=True
        ),
        "hidden": positive("hidden", overrides.get("hidden", 64), integer=True),
        "out_channels": EMBEDDING_CHANNELS,
    }


def _event_spec(profile: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Spec of chapter 16's :class:`EventLocalizer`: ``visual_channels`` and
    ``audio_dim`` (required), the profile's widths (:data:`EVENT_SIZES`) and the
    paper's model (``fusion="avfb"``, ``streams="both"``, ``swab="both"``,
    ``aggregation=True``) unless overridden."""
    missing = {"visual_channels", "audio_dim"} - set(overrides)
    if missing:
        raise ValueError(
            f"event_localizer needs {sorted(missing)} (the widths of the visual maps "
            f"and audio embeddings it reads)"
        )
    spec = {
        "name": "event_localizer",
        "visual_channels": None,
        "audio_dim": None,
        "num_classes": EVENT_CLASSES,
        **EVENT_SIZES[profile],
        "fusion": "avfb",
        "streams": "both",
        "swab": "both",
        "aggregation": True,
    }
    return _overridden("event_localizer", spec, overrides)


def model_spec(name: str, profile: str = "book", **overrides: Any) -> dict[str, Any]:
    """The JSON-ready spec of model ``name`` at the widths of ``profile``.

    Generator overrides (``skips``, ``latent``, ``beta``, ``arch`` ...) go to
    :class:`GeneratorConfig`; ``disc_channels``/``channels``, ``num_classes``,
    ``lambda_adv`` and ``lambda_rec`` are recognised too. Chapter 12's composites take
    their streams as names of the profile's specs or as specs: ``"av_pair"``:
    ``audio`` (``"hearnet"``, the default, or ``"dualcamnet"``) and ``video``
    (``"video_stream"``), whose channels must agree; ``"stream_classifier"``:
    ``stream`` (``"hearnet"`` or ``"video_stream"``) and ``num_classes`` (10).
    """
    one_of("name", name, MODEL_NAMES)
    check_profile(profile)
    if name in ("av_pair", "stream_classifier"):
        return _composite_spec(name, profile, overrides)
    if name == "retrieval_pair":
        return _retrieval_spec(profile, overrides)
    if name == "event_localizer":
        return _event_spec(profile, overrides)
    if name in ("hearnet", "video_stream"):
        return _distillation_spec(name, profile, overrides)
    if name in ("spectrogram_cnn", "linear_probe"):
        return _classifier_spec(name, profile, overrides)
    # the backbone alone, trunk trainable, as the video stream of an "av_pair"
    # (chapter 13's correspondence fine-tuning)
    if name == "visual_backbone":
        gen = GeneratorConfig.for_profile(profile)
        spec = {
            "name": name,
            "arch": gen.arch,
            "out_channels": PROFILE_CHANNELS[profile][1],
            "scale": gen.scale,
        }
        unknown = set(overrides) - {"out_channels"}
        if unknown:
            raise ValueError(
                f"overrides for visual_backbone must be out_channels; got "
                f"{sorted(unknown)}"
            )
        spec.update(overrides)
        return spec
    # the frame classifier that pretrains the visual backbone (chapter 07)
    if name == "visual":
        gen = GeneratorConfig.for_profile(profile)
        spec = {
            "name": name,
            "arch": gen.arch,
            "out_channels": gen.visual_channels,
            "scale": gen.scale,
            "num_classes": 10,
            "freeze_trunk": False,
            "crops": True,
        }
        unknown = set(overrides) - (set(spec) - {"name"})
        if unknown:
            raise ValueError(
                f"overrides for visual must be among {sorted(set(spec) - {'name'})}; "
                f"got {sorted(unknown)}"
            )
        spec.update(overrides)
        return spec
    if name == "dualcamnet":
        spec = {
            "name": name,
            "num_classes": 10,
            "channels": list(PROFILE_CHANNELS[profile]),
        }
        # pool and dropout enter the spec only when given: the other DualCamNets'
        # specs, and so their cache keys, stay as they were
        unknown = set(overrides) - {
            "num_classes",
            "channels",
            "batch_norm",
            "pool",
            "dropout",
        }
        if unknown:
            raise ValueError(
                f"overrides for dualcamnet must be num_classes, channels, "
                f"batch_norm, pool or dropout; got {sorted(unknown)}"
            )
        spec.update(
            {k: list(v) if k == "channels" else v for k, v in overrides.items()}
        )
        return spec
    extra = {
        k: overrides.pop(k)
        for k in ("disc_channels", "lambda_adv", "lambda_rec")
        if k in overrides
    }
    spec = {
        "name": name,
        "generator": GeneratorConfig.for_profile(profile, **overrides).to_dict(),
    }
    if name in ("auvae", "mcgan"):
        spec.update(
            disc_channels=list(extra.get("disc_channels", PROFILE_CHANNELS[profile])),
            lambda_adv=float(extra.get("lambda_adv", LAMBDA_ADV)),
            lambda_rec=float(extra.get("lambda_rec", LAMBDA_REC)),
        )
    elif extra:
        raise ValueError(
            f"{sorted(extra)} apply only to 'auvae' and 'mcgan'; got name={name!r}"
        )
    return spec


def count_parameters(module: nn.Module, *, trainable: bool = False) -> int:
    """Number of parameters (weights and biases) of ``module``; only those that learn
    (``requires_grad``) when ``trainable``. Chapters 08-10 count each part of a
    generator with it."""
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"module must be a torch.nn.Module; got {type(module).__name__}"
        )
    return sum(
        p.numel() for p in module.parameters() if p.requires_grad or not trainable
    )


def build_model(spec: Mapping[str, Any]) -> nn.Module:
    """Build a freshly initialised model from a spec of :func:`model_spec` (uses torch's
    global RNG)."""
    if not isinstance(spec, Mapping) or "name" not in spec:
        raise ValueError(
            f"spec must be a mapping with a 'name' entry (see model_spec); got {spec!r}"
        )
    name = one_of("spec['name']", spec["name"], MODEL_NAMES)
    if name == "av_pair":
        audio = build_model(spec["audio"])
        if isinstance(audio, DualCamNet):
            audio = AcousticMapNet(audio)
        return AudioVisualPair(audio, build_model(spec["video"]))
    if name == "retrieval_pair":
        out = int(spec.get("out_channels", EMBEDDING_CHANNELS))
        a = spec.get("audio_spec", {})
        if spec["audio"] == "acoustic":
            audio: nn.Module = AcousticEmbedding(a.get("channels", (16, 32)), out)
        else:
            audio = SpectrogramCNN(
                a.get("channels", (16, 32, 64, 64)),
                a.get("embedding", 128),
                out * VISUAL_GRID[0] * VISUAL_GRID[1],
            )
        video = VideoEmbedding(spec["video_channels"], spec.get("hidden", 64), out)
        return AudioVisualPair(audio, video)
    if name == "event_localizer":
        return EventLocalizer(**{k: v for k, v in spec.items() if k != "name"})
    if name == "stream_classifier":
        stream = build_model(spec["stream"])
        return StreamClassifier(
            stream, _channels(spec["stream"]), spec.get("num_classes", 10)
        )
    if name == "hearnet":
        return HearNet(
            spec.get("conv_channels", PAPER_WIDTHS["conv_channels"]),
            spec.get("fc_widths", PAPER_WIDTHS["fc_widths"]),
            spec.get("embedding", PAPER_WIDTHS["embedding"]),
            n_fft=spec.get("n_fft", HEARNET_N_FFT),
            hop=spec.get("hop", HEARNET_HOP),
            batch_norm=spec.get("batch_norm", False),
        )
    if name == "visual_backbone":
        return VisualBackbone(
            spec.get("arch", "resnet18"),
            spec["out_channels"],
            scale=spec.get("scale", 1),
            freeze_trunk=False,
        )
    if name == "spectrogram_cnn":
        return SpectrogramCNN(
            spec.get("channels", (16, 32, 64, 64)),
            spec.get("embedding", 128),
            spec.get("num_classes", 10),
        )
    if name == "linear_probe":
        return LinearProbe(spec["in_features"], spec.get("num_classes", 10))
    if name == "video_stream":
        return VideoStream(
            spec.get("stage_channels", PAPER_STAGES),
            spec.get("out_channels", PAPER_CHANNELS[1]),
        )
    if name == "dualcamnet":
        return DualCamNet(
            spec.get("num_classes", 10),
            tuple(spec.get("channels", PAPER_CHANNELS)),
            batch_norm=spec.get("batch_norm", False),
            pool=spec.get("pool", "avg"),
            dropout=spec.get("dropout", 0.0),
        )
    if name == "visual":
        backbone = VisualBackbone(
            spec.get("arch", "resnet18"),
            spec.get("out_channels", 12),
            scale=spec.get("scale", 1),
            freeze_trunk=spec.get("freeze_trunk", False),
        )
        return VisualClassifier(
            backbone, spec.get("num_classes", 10), crops=spec.get("crops", False)
        )
    config = GeneratorConfig(**spec.get("generator", {}))
    if name == "uvae":
        return UVAE(config)
    cls = AUVAE if name == "auvae" else MCGAN
    return cls(
        config,
        tuple(spec.get("disc_channels", PAPER_CHANNELS)),
        lambda_adv=spec.get("lambda_adv", LAMBDA_ADV),
        lambda_rec=spec.get("lambda_rec", LAMBDA_REC),
    )


__all__ = [
    "AVFB",
    "EVENT_SIZES",
    "EventLocalizer",
    "EVENT_FUSIONS",
    "MFB",
    "EVENT_CLASSES",
    "EVENT_STREAMS",
    "SWAB",
    "SWAB_POOLING",
    "aggregate",
    "check_segments",
    "signed_sqrt",
    "ACOUSTIC_GRID",
    "AcousticEmbedding",
    "EMBEDDING_CHANNELS",
    "EMBEDDING_SIZE",
    "RETRIEVAL_AUDIO",
    "VideoEmbedding",
    "ALIGN_SHIFT",
    "AUVAE",
    "AcousticDecoder",
    "LinearProbe",
    "SpectrogramCNN",
    "CELL_PIXELS",
    "AdversarialGenerator",
    "ConditionEncoder",
    "AcousticMapNet",
    "AudioVisualPair",
    "CLASSIFIED_STREAMS",
    "DualCamNet",
    "FRAME_SIZE",
    "GeneratorConfig",
    "HearNet",
    "LAMBDA_ADV",
    "LAMBDA_REC",
    "MCGAN",
    "MCGANGenerator",
    "MIN_FRAMES",
    "MODEL_NAMES",
    "OUTPUT_STRIDE",
    "PADDINGS",
    "PAIR_AUDIO",
    "PAPER_CHANNELS",
    "PAPER_STAGES",
    "PAPER_WIDTHS",
    "PROFILE_CHANNELS",
    "PROFILE_STAGES",
    "PROFILE_WIDTHS",
    "TRUNK_CHANNELS",
    "UVAE",
    "VISUAL_GRID",
    "StreamClassifier",
    "VideoStream",
    "VisualBackbone",
    "VisualClassifier",
    "build_model",
    "count_parameters",
    "discriminator",
    "generator_inputs",
    "minmax_per_sample",
    "model_spec",
    "receptive_field",
    "tile_mfcc",
]
