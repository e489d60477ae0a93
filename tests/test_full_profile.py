"""The ``full`` profile's code path, end to end on a CPU: the paper's model sizes on a
tiny dataset.

The ``full`` profile is meant for a GPU and for days of training, so no run here can
reach its scale. What can break before a GPU run starts -- a ResNet-50 trunk instead of
ResNet-18, its 1024-channel features, the paper's generator and discriminator widths,
the paper's loss, the paper's DualCamNet -- is exercised here: the profile's dataset is
replaced by the smoke profile's (beamformed on the CPU) and its epochs by one,
everything else is the ``full`` profile's own.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from acousticlib import datasets
from acousticlib import experiments as ex
from acousticlib.models import PAPER_CHANNELS, TRUNK_CHANNELS, GeneratorConfig

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_full(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ACOUSTICLIB_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.setitem(
        datasets._PROFILES, "full", {**datasets._PROFILES["smoke"], "device": None}
    )
    mp.setitem(
        ex.SETTINGS,
        "full",
        dataclasses.replace(
            ex.SETTINGS["full"],
            pretrain_epochs=1,
            pretrain_frames_per_clip=1,
            generator_epochs=1,
            classifier_epochs=1,
        ),
    )
    mp.setitem(ex.JUDGE_TRAINING, "full", {**ex.JUDGE_TRAINING["full"], "epochs": 1})
    yield ex.camera_data("full", 0, progress=False)
    mp.undo()


def test_full_profile_trunk_is_resnet50_with_its_feature_width(tiny_full):
    assert GeneratorConfig.for_profile("full").arch == "resnet50"
    pre = ex.pretrained_backbone("full", 0, progress=False)
    assert pre.model.backbone.arch == "resnet50"
    feats = ex.trunk_features("full", 0, progress=False)
    assert feats.shape == (len(tiny_full), TRUNK_CHANNELS["resnet50"], 12, 16)
    assert np.isfinite(np.asarray(feats[:4], np.float32)).all()


@pytest.mark.parametrize("name", ["uvae", "auvae", "mcgan"])
def test_full_profile_generators_train_at_the_papers_sizes(tiny_full, name):
    trained = ex.train_generator(name, "full", 0, progress=False)
    gen = trained.spec["generator"]
    assert (gen["enc_channels"], gen["mid_channels"], gen["latent"]) == (128, 133, 150)
    # the paper's loss: no where term
    assert gen["spatial_weight"] == 0.0
    if name != "uvae":
        assert trained.spec["disc_channels"] == list(PAPER_CHANNELS)
    assert len(trained.history) == 1 and np.isfinite(trained.history[0]["val"]["loss"])
    scores = ex.generator_test_scores(trained.model, "full", 0)
    assert (
        scores["frames"] > 0
        and np.isfinite(scores["mse"])
        and 0 <= scores["iou_success"] <= 1
    )


def test_full_profile_judge_is_the_papers_dualcamnet(tiny_full):
    judge = ex.train_classifier("real", "full", 0, progress=False)
    assert judge.spec["channels"] == list(PAPER_CHANNELS) and len(judge.history) == 1
    x, y = ex.classifier_windows("real", "test", "full", 0)
    with torch.no_grad():
        logits = judge.model(x[:2].float())
    assert (
        logits.shape == (min(2, len(y)), len(datasets.CLASSES))
        and torch.isfinite(logits).all()
    )
