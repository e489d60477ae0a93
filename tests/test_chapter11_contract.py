"""Chapter 11's glue contract: every name other pages read is glued, as a finite number
in its range.

myst-nb's ``glue`` stores a value as a ``display_data`` output whose metadata holds
``{"scrapbook": {"name": ...}}`` and whose data holds the value's ``text/plain`` repr
(under a papermill-record MIME prefix). This test reads them from the committed,
executed notebook.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "11_evaluating_generators.ipynb"

MSE = ("mse_uvae", "mse_auvae", "mse_mcgan", "mse_uvae_0skip", "mse_uvae_2skip")
SHARES = (
    "knn_latent_0skip",
    "knn_latent_1skip",
    "gan_test_real",
    "gan_test_uvae",
    "gan_test_auvae",
    "gan_test_mcgan",
    "gan_test_tiled_mfcc",
    "gan_train_uvae_on_real",
    "gan_train_auvae_on_real",
    "gan_train_mcgan_on_real",
    "gan_train_tiled_mfcc_on_real",
    "iou_uvae_av",
    "iou_uvae_video_only",
    "iou_uvae_audio_only",
)
SPREADS = ("energy_spread_silence_bn", "energy_spread_silence_no_bn")


def glued_values(path: Path) -> dict[str, object]:
    """``{name: value}`` of every glued output of a notebook (values parsed from
    their text/plain)."""
    nb = json.loads(path.read_text())
    values: dict[str, object] = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            text = "".join(
                next(
                    (
                        v
                        for k, v in out.get("data", {}).items()
                        if k.endswith("text/plain")
                    ),
                    "",
                )
            )
            try:
                values[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[name] = text
    return values


@pytest.fixture(scope="module")
def glued():
    if not NOTEBOOK.exists():
        pytest.fail(f"{NOTEBOOK.name} is missing")
    return glued_values(NOTEBOOK)


def test_glued_values_parser_reads_myst_nb_outputs(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {
                            "scrapbook": {
                                "name": "x",
                                "mime_prefix": "application/papermill.record/",
                            }
                        },
                        "data": {"application/papermill.record/text/plain": "0.25"},
                    },
                    {"output_type": "stream", "name": "stdout", "text": "hello"},
                ],
            },
            {"cell_type": "markdown", "source": "text"},
        ]
    }
    p = tmp_path / "nb.ipynb"
    p.write_text(json.dumps(nb))
    assert glued_values(p) == {"x": 0.25}


def _number(glued: dict[str, object], name: str) -> float:
    assert name in glued, f"{NOTEBOOK.name} does not glue {name!r} (a contract name)"
    value = glued[name]
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{name!r} must be glued as a plain Python number; got {value!r}"
    )
    assert math.isfinite(value), f"{name!r} is not finite: {value!r}"
    return float(value)


@pytest.mark.parametrize("name", MSE)
def test_mse_contract(glued, name):
    assert _number(glued, name) >= 0


@pytest.mark.parametrize("name", SHARES)
def test_share_contract(glued, name):
    assert 0.0 <= _number(glued, name) <= 1.0


@pytest.mark.parametrize("name", SPREADS)
def test_spread_contract(glued, name):
    assert _number(glued, name) >= 0
