"""Chapter 13's glue contract: every name other pages and checks read is glued, as a
finite number in its range, read from the committed, executed notebook; and the shares
agree with the seed spread's file where that file describes the same run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_chapter11_contract import glued_values

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "13_classification_without_an_array.ipynb"
RESULTS = ROOT / "benchmarks" / "results" / "arrayfree_classification.json"

#: contract name -> classifier of acousticlib.experiments.ARRAYFREE_CLASSIFIERS
SHARES = {
    "acc_cls_real": "real",
    "acc_cls_uvae": "uvae",
    "acc_cls_auvae": "auvae",
    "acc_cls_mcgan": "mcgan",
    "acc_cls_tiled_mfcc": "tiled",
    "acc_cls_spectrogram": "spectrogram",
    "acc_cls_video": "video",
    "acc_cls_mcgan_swap_class": "mcgan_class",
    "acc_cls_mcgan_swap_triplet": "mcgan_triplet",
}


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


def test_the_chapter_shows_the_shipped_models_the_tool_measured(glued):
    """The committed chapter loads the weights tools/train_arrayfree.py shipped, so its
    accuracies are the tool's training seed 0 (to a test clip's rounding)."""
    saved = json.loads(RESULTS.read_text())
    assert saved["profile"] == "book" and saved["seed"] == 0
    for name, clf in SHARES.items():
        tool = saved["classifiers"][clf]["train_seeds"]["0"]["accuracy"]
        assert glued[name] == pytest.approx(tool, abs=0.011), name
        assert len(saved["classifiers"][clf]["train_seeds"]) >= 3


def test_claim_verdicts_and_sizes(glued):
    verdicts = [v for k, v in glued.items() if k.startswith("ch13_claim_")]
    assert len(verdicts) == 5
    assert set(verdicts) <= {"holds", "does not hold", "inconclusive"}
    clips = sum(glued[f"n_free_{s}"] for s in ("train", "val", "test"))
    assert clips == glued["n_free_clips"] >= 300
