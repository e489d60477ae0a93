"""Chapter 15's glue contract: every name other pages and checks read is glued, as a
finite share, read from the committed, executed notebook; and the learnt localizers'
scores are the ones ``tools/localization_seeds.py`` measured for training seed 0."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_chapter11_contract import glued_values

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "15_sound_source_localization.ipynb"
RESULTS = ROOT / "benchmarks" / "results" / "localization_seeds.json"

#: contract name (LVS / EZ-VSL convention; "_authors" appended for the authors') ->
#: (localizer, split, score)
BASE = {
    **{
        f"ciou_{name}": (loc, "test", "ciou@0.5")
        for name, loc in {
            "uvae": "uvae",
            "auvae": "auvae",
            "mcgan": "mcgan",
            "real_energy": "real_energy",
            "whole_image": "whole_image",
            "center_prior": "centre_prior",
            "visual_only": "visual_only",
            "attention": "attention",
            "srp_phat": "srp_phat",
        }.items()
    },
    "auc_uvae": ("uvae", "test", "auc"),
    "auc_mcgan": ("mcgan", "test", "auc"),
    "ciou_uvae_unseen": ("uvae", "unseen", "ciou@0.5"),
}
CONTRACT = {
    **{name: (*v, "lvs") for name, v in BASE.items()},
    **{f"{name}_authors": (*v, "authors") for name, v in BASE.items()},
}


@pytest.fixture(scope="module")
def glued():
    if not NOTEBOOK.exists():
        pytest.fail(f"{NOTEBOOK.name} is missing")
    return glued_values(NOTEBOOK)


def test_the_contract_has_its_24_names():
    assert len(CONTRACT) == 24
    assert "ciou_center_prior" in CONTRACT and "auc_mcgan_authors" in CONTRACT


@pytest.mark.parametrize("name", CONTRACT)
def test_share_contract(glued, name):
    assert name in glued, f"{NOTEBOOK.name} does not glue {name!r} (a contract name)"
    value = glued[name]
    assert isinstance(value, float) and math.isfinite(value), (name, value)
    assert 0.0 <= value <= 1.0, (name, value)


def test_claims_are_glued_as_verdicts(glued):
    for i in range(1, 5):
        assert glued[f"ch15_claim_{i}_verdict"] in (
            "holds",
            "does not hold",
            "inconclusive",
        )


def test_the_chapter_shows_what_the_tool_measured_for_seed_0(glued):
    """The committed chapter's scores are the tool's training seed 0 (the chapters' own
    models), for the contract's names and the pointing game, and the tool ran three
    training seeds of every learnt localizer."""
    record = json.loads(RESULTS.read_text())
    assert record["profile"] == "book" and record["seed"] == 0
    assert len(record["train_seeds"]) >= 3
    rows = {
        (r["localizer"], r["split"]): r
        for r in record["results"]
        if r["train_seed"] in (0, None)
    }
    for name, (loc, split, score, convention) in CONTRACT.items():
        tool = rows[loc, split][f"{convention}_{score}"]
        assert glued[name] == pytest.approx(tool, abs=1e-9), name
    for loc in ("uvae", "mcgan", "visual_only", "srp_phat", "attention"):
        glued_name = f"pointing_{loc}"
        assert glued[glued_name] == pytest.approx(rows[loc, "test"]["pointing"]), loc
    for loc in ("uvae", "auvae", "mcgan", "attention", "attention_ogl"):
        runs = [
            r
            for r in record["results"]
            if r["localizer"] == loc and r["split"] == "test"
        ]
        assert len(runs) >= 3, loc
