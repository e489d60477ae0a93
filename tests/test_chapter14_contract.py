"""Chapter 14's glue contract: every name other pages and checks read is glued, as a
finite share, read from the committed, executed notebook; and the shares are the ones
``tools/train_retrieval.py`` measured for the shipped pairs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_chapter11_contract import glued_values

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "14_cross_modal_retrieval.ipynb"
RESULTS = ROOT / "benchmarks" / "results" / "retrieval.json"

#: contract suffix -> source of acousticlib.experiments.RETRIEVAL_SOURCES
SOURCES = {
    "real": "real",
    "uvae": "uvae",
    "auvae": "auvae",
    "mcgan": "mcgan",
    "tiled_mfcc": "tiled",
    "spectrogram": "spectrogram",
}
#: contract name -> (domain, source, direction)
SHARES = {
    f"cmc1_{d}_{name}{suffix}": (domain, src, d)
    for name, src in SOURCES.items()
    for d in ("av", "va")
    for domain, suffix in (("camera", ""), ("arrayfree", "_arrayfree"))
    if not (domain == "arrayfree" and src == "real")
}


@pytest.fixture(scope="module")
def glued():
    if not NOTEBOOK.exists():
        pytest.fail(f"{NOTEBOOK.name} is missing")
    return glued_values(NOTEBOOK)


def test_the_contract_has_its_22_names():
    assert len(SHARES) == 22
    assert "cmc1_av_real_arrayfree" not in SHARES


@pytest.mark.parametrize("name", SHARES)
def test_share_contract(glued, name):
    assert name in glued, f"{NOTEBOOK.name} does not glue {name!r} (a contract name)"
    value = glued[name]
    assert isinstance(value, float) and math.isfinite(value), (name, value)
    assert 0.0 <= value <= 1.0, (name, value)


def test_the_chapter_shows_the_shipped_pairs_the_tool_measured(glued):
    """The committed chapter loads the weights tools/train_retrieval.py shipped, so its
    shares are the tool's training seed 0 (to a query's rounding), and the tool
    trained three seeds of each."""
    saved = json.loads(RESULTS.read_text())
    assert saved["profile"] == "book" and saved["seed"] == 0
    for name, (domain, src, d) in SHARES.items():
        row = saved["pairs"][f"{domain}/{src}"]
        assert len(row["train_seeds"]) >= 3, name
        tool = row["train_seeds"]["0"][f"cmc_{d}"]["1"]
        assert glued[name] == pytest.approx(tool, abs=0.011), name


def test_claim_verdicts(glued):
    verdicts = [v for k, v in glued.items() if k.startswith("ch14_claim_")]
    assert len(verdicts) == 5
    assert set(verdicts) <= {"holds", "does not hold", "inconclusive"}
    assert glued["n_test_camera"] >= 100 and glued["n_test_free"] >= 90
