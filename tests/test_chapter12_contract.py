"""Chapter 12's glue contract: every name other pages and checks read is glued, as a
finite number in its range, read from the committed, executed notebook."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from test_chapter11_contract import glued_values

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "12_self_supervised_distillation.ipynb"

SHARES = (
    "knn_hearnet_alpha_0",
    "knn_hearnet_alpha_0p1",
    "knn_hearnet_alpha_0p3",
    "knn_hearnet_alpha_0p5",
    "knn_hearnet_alpha_0p7",
    "knn_hearnet_alpha_0p9",
    "knn_dualcamnet",
    "knn_resnet18",
    "cmc1_dualcamnet",
    "cmc1_hearnet",
    "knn_hearnet_alpha_0_unseen",
    "knn_hearnet_best_alpha_unseen",
    "supervised_hearnet",
    "supervised_dualcamnet",
    "supervised_video_stream",
    "supervised_hearnet_distillation",
)


@pytest.fixture(scope="module")
def glued():
    if not NOTEBOOK.exists():
        pytest.fail(f"{NOTEBOOK.name} is missing")
    return glued_values(NOTEBOOK)


@pytest.mark.parametrize("name", SHARES)
def test_share_contract(glued, name):
    assert name in glued, f"{NOTEBOOK.name} does not glue {name!r} (a contract name)"
    value = glued[name]
    assert isinstance(value, float) and math.isfinite(value), (name, value)
    assert 0.0 <= value <= 1.0, (name, value)


def test_best_alpha_is_a_transfer_weight(glued):
    assert glued["best_alpha"] in (0.1, 0.3, 0.5, 0.7, 0.9)


def test_claim_verdicts_are_verdicts(glued):
    verdicts = [v for k, v in glued.items() if k.startswith("ch12_claim_")]
    assert len(verdicts) == 4
    assert set(verdicts) <= {"holds", "does not hold", "inconclusive"}
