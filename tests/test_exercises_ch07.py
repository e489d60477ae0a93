"""Checkers of chapter 07's exercises (visual features)."""

from __future__ import annotations

import pytest
import torch

from acousticlib import exercises
from acousticlib.models import VisualBackbone


@pytest.mark.parametrize("size", [(224, 298), (192, 256), (100, 77)])
def test_trunk_grid_matches_the_real_resnet_trunk(size):
    trunk = VisualBackbone("resnet18", 4).trunk.eval()
    with torch.no_grad():
        out = trunk(torch.zeros(1, 3, *size))
    assert exercises.trunk_grid(*size) == tuple(out.shape[-2:])


def test_check_trunk_grid_right_wrong_and_malformed():
    assert exercises.check("07.1", (14, 19), height=224, width=298)
    assert not exercises.check("07.1", (14, 18), height=224, width=298)
    assert not exercises.check("07.1", "14x19", height=224, width=298)
    with pytest.raises(ValueError, match="height"):
        exercises.check("07.1", (1, 1), height=0, width=298)


def test_valid_conv_offset_agrees_with_a_direct_count():
    # centres of the 12 outputs of a 3-wide valid convolution over 14 trunk rows (pixel
    # 16 k, middle 16 k + 0.5)
    trunk = [16 * k + 0.5 for k in range(14)]
    first = sum(trunk[0:3]) / 3
    assert exercises.valid_conv_offset(224, 12, 3) == pytest.approx(
        first - 224 / 12 / 2
    )
    assert exercises.check("07.2", first - 224 / 12 / 2, size=224, cells=12, kernel=3)
    assert not exercises.check("07.2", 0.0, size=224, cells=12, kernel=3)
    assert not exercises.check("07.2", "far", size=224, cells=12, kernel=3)


def test_feature_megabytes():
    assert exercises.check(
        "07.3", 10 * 256 * 12 * 16 * 2 / 1e6, frames=10, channels=256
    )
    assert not exercises.check(
        "07.3", 10 * 256 * 12 * 16 * 4 / 1e6, frames=10, channels=256
    )
    with pytest.raises(ValueError, match="channels"):
        exercises.check("07.3", 1.0, frames=10, channels=-1)
