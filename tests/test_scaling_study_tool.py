"""The command line of the appendix's scaling study (tools/scaling_study.py); its runs
are tested through ``experiments.train_generator``'s ``widths``/``frame_step`` and
``generator_test_scores``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import scaling_study  # noqa: E402


def test_runs_are_parsed_and_bad_ones_named():
    assert scaling_study.parse_run("book:10:6") == ("book", 10, 6)
    assert scaling_study.parse_run("full:3:1") == ("full", 3, 1)
    for bad in (
        "book:10",
        "wide:10:6",
        "book:0:6",
        "book:10:-1",
        "book:ten:6",
        "book:10:6:1",
    ):
        with pytest.raises(
            argparse.ArgumentTypeError, match="WIDTHS:EPOCHS:FRAME_STEP"
        ):
            scaling_study.parse_run(bad)


def test_default_runs_parse_and_the_longest_come_first():
    runs = [scaling_study.parse_run(r) for r in scaling_study.DEFAULT_RUNS]
    # the chapters' own U-VAE is the baseline
    assert ("book", 3, 6) in runs
    order = sorted(runs, key=scaling_study.cost, reverse=True)
    assert order[0] == ("book", 30, 1) and order[-1] == ("book", 3, 6)
    assert scaling_study.cost(("full", 10, 6)) > scaling_study.cost(("book", 10, 6))


def test_results_file_is_named_by_the_profile():
    assert scaling_study.results_file("book").name == "scaling_study.json"
    assert scaling_study.results_file("full").name == "scaling_study_full.json"
    assert scaling_study.results_file("book").parent.name == "results"
