"""The phrase makers of acousticlib.reporting: every branch, and the errors for bad
input."""

import numpy as np
import pytest
import torch

from acousticlib import reporting as R
from acousticlib.models import count_parameters


@pytest.mark.parametrize(
    "values, phrase",
    [
        ([3.0, 2.0, 1.0], "falls in every epoch"),
        ([1.0, 2.0, 3.0], "rises in every epoch"),
        ([1.0, 2.0, 1.5], "goes up and down"),
        # a flat step is neither a fall nor a rise
        ([1.0, 1.0], "goes up and down"),
        ([1.0], R.ONE_EPOCH),
    ],
)
def test_epoch_trend(values, phrase):
    assert R.epoch_trend(values) == phrase


@pytest.mark.parametrize(
    "values, phrase",
    [
        ([1.0, 1.005], "hardly changes"),
        ([1.0, 0.97], "falls a little"),
        ([1.0, 1.03], "rises a little"),
        ([1.0, 0.5], "falls"),
        ([1.0, 2.0, 2.5], "rises"),  # only the last two epochs count
        (np.array([4.0]), R.ONE_EPOCH),
    ],
)
def test_last_step(values, phrase):
    assert R.last_step(values) == phrase


def test_epoch_path_names_each_epoch():
    assert R.epoch_path([1.0, 0.9], [1, 2]) == "fell in epoch 2"
    assert R.epoch_path([1.0, 0.9, 0.905, 1.2], [1, 2, 3, 4]) == (
        "fell in epoch 2, stayed about level in epoch 3 and rose in epoch 4"
    )
    assert (
        R.epoch_path([1.0, 0.9, 0.905], [5, 6, 7], tol=1e-4)
        == "fell in epoch 6 and rose in epoch 7"
    )


def test_epoch_path_sums_up_long_runs():
    assert (
        R.epoch_path([5.0, 4, 3, 2, 1], range(1, 6))
        == "fell between the first epoch and the last"
    )
    assert (
        R.epoch_path([5.0, 4, 3, 4, 1], range(1, 6))
        == "moved between the first epoch and the last"
    )
    assert R.epoch_path([5.0], [1]) == R.ONE_EPOCH


def test_versus_reference_groups_epochs():
    ref = [1.0, 1.0, 1.0]
    assert (
        R.versus_reference([2.0, 2.0, 2.0], ref, [1, 2, 3], "the training MSE")
        == "above the training MSE after every epoch"
    )
    assert R.versus_reference(
        [0.5, 2.0, 1.001], ref, [1, 2, 3], "the training MSE"
    ) == (
        "below the training MSE after epoch 1 and above it after epoch 2 and level "
        "with it after epoch 3"
    )
    assert (
        R.versus_reference([0.5, 2.0, 3.0], ref, [1, 2, 3], "it0")
        == "below it0 after epoch 1 and above it after epochs 2 and 3"
    )


@pytest.mark.parametrize(
    "values, phrase",
    [
        ([1.0, 1.005], "level with"),
        ([0.95, 0.93], "a little below"),
        # one level with it, the other a little above
        ([1.05, 1.002], "a little above"),
        ([0.5, 0.95], "below"),
        (1.3, "above"),
        ([0.9, 1.1], "on either side of"),
    ],
)
def test_standing(values, phrase):
    assert R.standing(values, 1.0) == phrase


def test_versus_chance_in_standard_errors():
    # 0.03 for 100 items, 10 classes
    se = np.sqrt(0.1 * 0.9 / 100)
    assert (
        R.versus_chance(0.1 + 3 * se, 100, 10)
        == "more than two standard errors above chance"
    )
    assert (
        R.versus_chance(0.1 + 2.2 * se, 100, 10)
        == "just beyond two standard errors above chance"
    )
    assert (
        R.versus_chance(0.1 + 1.9 * se, 100, 10)
        == "within two standard errors of chance"
    )
    assert (
        R.versus_chance(0.1 - 1.9 * se, 100, 10)
        == "within two standard errors of chance"
    )
    assert R.versus_chance(0.0, 100, 10) == "more than two standard errors below chance"
    # 2 classes: se 0.05
    assert R.versus_chance(0.6, 100, 2) == "within two standard errors of chance"
    with pytest.raises(ValueError, match="accuracy must lie in"):
        R.versus_chance(1.5, 100, 10)
    with pytest.raises(ValueError, match="n_classes must be at least 2"):
        R.versus_chance(0.5, 100, 1)


def test_claim_verdicts():
    assert R.claim_verdict(0.3, 0.1) == "holds"
    assert R.claim_verdict(-0.3, 0.1) == "does not hold"
    assert R.claim_verdict(0.15, 0.1) == "inconclusive"
    assert R.claim_verdict(0.0, 0.0) == "inconclusive"
    # unknown uncertainty
    assert R.claim_verdict(0.3, float("nan")) == "inconclusive"
    assert R.claim_verdict(float("nan"), 0.1) == "inconclusive"
    assert R.combined_verdict(["holds", "holds"]) == "holds"
    assert R.combined_verdict(["holds", "inconclusive"]) == "inconclusive"
    assert (
        R.combined_verdict(["inconclusive", "does not hold", "holds"])
        == "does not hold"
    )


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="values must be 1-D"):
        R.epoch_trend([[1.0, 2.0]])
    with pytest.raises(ValueError, match="values must be finite"):
        R.last_step([1.0, float("nan")])
    with pytest.raises(ValueError, match="epochs must hold one number per value"):
        R.epoch_path([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="reference must hold one value per epoch"):
        R.versus_reference([1.0, 2.0], [1.0], [1, 2], "x")
    with pytest.raises(ValueError, match="tol must be finite and > 0"):
        R.epoch_path([1.0, 2.0], [1, 2], tol=0)
    with pytest.raises(ValueError, match="reference must be > 0"):
        R.standing([1.0], 0.0)
    with pytest.raises(ValueError, match="near must be >= tol"):
        R.standing([1.0], 1.0, tol=0.1, near=0.05)
    with pytest.raises(ValueError, match="se must be non-negative"):
        R.claim_verdict(1.0, -1.0)
    with pytest.raises(ValueError, match="verdicts must each be one of"):
        R.combined_verdict(["holds", "maybe"])
    with pytest.raises(ValueError, match="at least one verdict"):
        R.combined_verdict([])


def test_count_parameters():
    # 16 + 10 parameters
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    # 12 frozen
    net[0].weight.requires_grad_(False)
    assert count_parameters(net) == 26
    assert count_parameters(net, trainable=True) == 14
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        count_parameters([1, 2])


def test_beyond_two_se_follows_the_claim_rule():
    words = ("up", "down", "level")
    assert R.beyond_two_se(0.3, 0.1, *words) == "up"
    assert R.beyond_two_se(-0.3, 0.1, *words) == "down"
    assert R.beyond_two_se(0.15, 0.1, *words) == "level"
    assert R.beyond_two_se(0.3, float("nan"), *words) == "level"
    for diff, se in [(0.3, 0.1), (-0.3, 0.1), (0.2, 0.1), (-0.05, 0.02)]:
        outcome = R.claim_verdict(diff, se)
        expected = dict(zip(R.VERDICTS, words, strict=True))[outcome]
        assert R.beyond_two_se(diff, se, *words) == expected
    with pytest.raises(ValueError, match="se must be non-negative"):
        R.beyond_two_se(1.0, -1.0, *words)


def test_check_table_is_a_markdown_table_of_the_rows():
    rows = [("a", "b", "c", "d"), ("e", "f", "g", "h")]
    lines = R.check_table(rows, head="claim", expected="paper").split("\n")
    assert lines[0] == "| claim | paper | measured | verdict |"
    assert lines[1] == "|---|---|---|---|"
    # every row: its four cells, in order, between pipes
    assert [line.strip("|").split(" | ") for line in lines[2:]] == [
        [" " + r[0], *r[1:3], r[3] + " "] for r in rows
    ]
    assert R.check_table(iter(rows)) == R.check_table(rows)
    assert R.check_table(rows).startswith("| check | expected (paper) |")
    with pytest.raises(ValueError, match="at least one check"):
        R.check_table([])
    with pytest.raises(ValueError, match="rows must each be four strings"):
        R.check_table([("a", "b", "c")])
    with pytest.raises(ValueError, match="rows must each be four strings"):
        R.check_table([("a", "b", "c", 1.0)])
