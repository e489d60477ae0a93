"""Words for computed results: phrases the chapters glue into their prose (chapters 03,
09-11 use these).

A sentence such as "the validation MSE falls in every epoch" is a claim about numbers
that a re-run (another seed, profile or machine) may change. The chapters therefore
compute such phrases from the numbers and glue them (``myst_nb.glue``) instead of
writing them by hand; this module holds the phrase makers that more than one chapter
uses, so each rule is written once and tested. Each phrase is written to fit its
sentence in every branch, including the one-epoch runs of the ``smoke`` profile.

Training curves (chapters 09, 10): :func:`epoch_trend`, :func:`epoch_path`,
:func:`last_step`, :func:`versus_reference`. Values against a reference value (chapters
09, 10): :func:`standing`. Claims with an uncertainty (chapters 10, 11):
:func:`versus_chance`, :func:`claim_verdict`, :func:`combined_verdict`. The check
tables of chapter 11: :func:`beyond_two_se`, :func:`check_table`.

It imports nothing from the rest of :mod:`acousticlib`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._checks import as_array, positive

#: The phrase every curve helper returns for a curve of one value (a one-epoch run).
ONE_EPOCH = "was recorded for one epoch only"
#: The three outcomes of a claim tested against its standard error
#: (:func:`claim_verdict`).
VERDICTS: tuple[str, ...] = ("holds", "does not hold", "inconclusive")


def _curve(name: str, values: Any) -> np.ndarray:
    return as_array(
        name, values, ndim=1, dtype=float, what="(epochs,): one value per epoch"
    )


def _epochs(epochs: Any, n: int) -> list[str]:
    labels = [
        str(int(e))
        for e in as_array("epochs", epochs, ndim=1, what="(epochs,): epoch numbers")
    ]
    if len(labels) != n:
        raise ValueError(
            f"epochs must hold one number per value; got {len(labels)} epochs for {n} "
            f"values"
        )
    return labels


def _listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def epoch_trend(values: Any) -> str:
    """How a curve moves over all its epochs: ``"falls in every epoch"``, ``"rises in
    every epoch"`` or ``"goes up and down"`` (:data:`ONE_EPOCH` for a single value).
    Chapter 10."""
    v = _curve("values", values)
    if len(v) < 2:
        return ONE_EPOCH
    steps = np.diff(v)
    if (steps < 0).all():
        return "falls in every epoch"
    return "rises in every epoch" if (steps > 0).all() else "goes up and down"


def last_step(values: Any) -> str:
    """How a curve changes in its last epoch relative to the one before: ``"hardly
    changes"`` (under 1 %), ``"falls a little"`` / ``"rises a little"`` (under 5 %),
    else ``"falls"`` / ``"rises"`` (:data:`ONE_EPOCH` for a single value). Chapter
    10."""
    v = _curve("values", values)
    if len(v) < 2:
        return ONE_EPOCH
    change = v[-1] / v[-2] - 1
    if abs(change) < 0.01:
        return "hardly changes"
    return ("falls" if change < 0 else "rises") + (
        " a little" if abs(change) < 0.05 else ""
    )


def epoch_path(values: Any, epochs: Any, *, tol: float = 0.01) -> str:
    """Each epoch's move, e.g. ``"fell in epoch 2 and stayed about level in epoch 3"``.

    A relative change under ``tol`` is "stayed about level". Runs of more than four
    epochs are summed up from the first epoch to the last (``"fell between the first
    epoch and the last"``, or ``"moved ..."`` when the moves differ). ``epochs`` numbers
    the values. Chapter 09.
    """
    v = _curve("values", values)
    labels = _epochs(epochs, len(v))
    tol = positive("tol", tol)
    if len(v) < 2:
        return ONE_EPOCH
    moves = [
        "stayed about level" if abs(b / a - 1) < tol else "fell" if b < a else "rose"
        for a, b in zip(v, v[1:], strict=False)
    ]
    if len(moves) > 3:
        word = moves[0] if len(set(moves)) == 1 else "moved"
        return f"{word} between the first epoch and the last"
    return _listing(
        [f"{m} in epoch {e}" for m, e in zip(moves, labels[1:], strict=False)]
    )


def versus_reference(
    values: Any, reference: Any, epochs: Any, name: str, *, tol: float = 0.01
) -> str:
    """Epoch by epoch, where a curve stands against a reference curve, in words.

    E.g. ``"above the training MSE after every epoch"`` or ``"below the training MSE
    after epoch 1 and above it after epochs 2 and 3"``; within a relative ``tol`` it is
    "level with". ``name`` names the reference in the phrase. Chapter 10.
    """
    v, r = _curve("values", values), _curve("reference", reference)
    if len(r) != len(v):
        raise ValueError(
            f"reference must hold one value per epoch, like values ({len(v)}); got "
            f"{len(r)}"
        )
    labels = _epochs(epochs, len(v))
    tol = positive("tol", tol)
    groups: dict[str, list[str]] = {}
    for e, a, b in zip(labels, v, r, strict=False):
        word = (
            "below"
            if a < b * (1 - tol)
            else "above"
            if a > b * (1 + tol)
            else "level with"
        )
        groups.setdefault(word, []).append(e)
    parts = []
    for word, es in groups.items():
        when = (
            "every epoch"
            if len(es) == len(labels)
            else f"epoch {es[0]}"
            if len(es) == 1
            else "epochs " + _listing(es)
        )
        parts.append(f"{word} {'it' if parts else name} after {when}")
    return " and ".join(parts)


def standing(
    values: Any, reference: float, *, tol: float = 0.01, near: float = 0.1
) -> str:
    """Where one or more values stand against a reference value, as a phrase to put
    before it.

    ``"level with"`` when every value is within a relative ``tol`` of the reference;
    ``"a little below"`` / ``"a little above"`` when every value is on that side and
    within ``near``; ``"below"`` / ``"above"`` when every value is on that side and one
    is farther; ``"on either side of"`` when they are on both sides. E.g. "both errors
    are {standing} that of the mean image". Chapters 09 and 10.
    """
    v = as_array("values", values, ndim=(0, 1), dtype=float).reshape(-1)
    ref = float(as_array("reference", reference, ndim=0))
    tol, near = positive("tol", tol), positive("near", near)
    if near < tol:
        raise ValueError(f"near must be >= tol ({tol}); got {near}")
    if ref <= 0:
        raise ValueError(f"reference must be > 0 (a relative comparison); got {ref}")
    rel = v / ref - 1
    if (np.abs(rel) < tol).all():
        return "level with"
    if (rel > -tol).all() or (rel < tol).all():
        side = "above" if (rel > -tol).all() else "below"
        return f"a little {side}" if (np.abs(rel) < near).all() else side
    return "on either side of"


def versus_chance(accuracy: float, n: int, n_classes: int) -> str:
    """Where a classifier's accuracy over ``n`` independent test items stands against
    guessing one of ``n_classes`` classes, in binomial standard errors of the guesser,
    sqrt(p (1 - p) / n) with p = 1 / n_classes: ``"more than two standard errors above
    chance"`` (beyond 2.5), ``"just beyond two standard errors above chance"``,
    ``"within two standard errors of chance"`` or ``"more than two standard errors below
    chance"``. Chapters 10 and 11.
    """
    acc = float(as_array("accuracy", accuracy, ndim=0))
    if not 0 <= acc <= 1:
        raise ValueError(f"accuracy must lie in [0, 1]; got {acc}")
    n, n_classes = (
        positive("n", n, integer=True),
        positive("n_classes", n_classes, integer=True),
    )
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2; got {n_classes}")
    chance = 1 / n_classes
    z = (acc - chance) / np.sqrt(chance * (1 - chance) / n)
    return (
        "more than two standard errors above chance"
        if z > 2.5
        else "just beyond two standard errors above chance"
        if z > 2
        else "within two standard errors of chance"
        if z >= -2
        else "more than two standard errors below chance"
    )


def claim_verdict(diff: float, se: float) -> str:
    """A claim that says ``diff > 0``: ``"holds"`` beyond two standard errors ``se``,
    ``"does not hold"`` beyond minus two, else ``"inconclusive"``; also inconclusive
    when ``diff`` or ``se`` is NaN (e.g. a standard error over too few samples).
    Chapter 11."""
    diff = float(as_array("diff", diff, ndim=0, finite=False))
    se = float(as_array("se", se, ndim=0, finite=False))
    if se < 0:
        raise ValueError(f"se must be non-negative (or NaN when unknown); got {se!r}")
    return (
        "holds"
        if diff > 2 * se
        else "does not hold"
        if diff < -2 * se
        else "inconclusive"
    )


def combined_verdict(verdicts: Iterable[str]) -> str:
    """A claim made of several comparisons: it holds when all hold and fails when one
    fails, else it is inconclusive. Chapter 11."""
    items = list(verdicts)
    if not items:
        raise ValueError("verdicts must hold at least one verdict")
    bad = [v for v in items if v not in VERDICTS]
    if bad:
        raise ValueError(f"verdicts must each be one of {VERDICTS}; got {bad!r}")
    return (
        "holds"
        if all(v == "holds" for v in items)
        else "does not hold"
        if "does not hold" in items
        else "inconclusive"
    )


def beyond_two_se(diff: float, se: float, above: str, below: str, within: str) -> str:
    """A paired difference against twice its standard error, in the caller's words:
    ``above`` when ``diff > 2 se``, ``below`` when ``diff < -2 se``, else ``within``
    (also when ``diff`` or ``se`` is NaN). The rule of :func:`claim_verdict`, for
    the rows of a check table. Chapter 11."""
    outcome = claim_verdict(diff, se)
    return (
        above if outcome == "holds" else below if outcome == "does not hold" else within
    )


def check_table(
    rows: Iterable[Sequence[str]],
    *,
    head: str = "check",
    expected: str = "expected (paper)",
) -> str:
    """A Markdown table of computed checks, one row ``(check, expected, measured,
    verdict)`` of four strings per check, under the column names ``head``,
    ``expected``, ``measured`` and ``verdict``: the verdict tables of chapter 11."""
    items = [tuple(row) for row in rows]
    if not items:
        raise ValueError("rows must hold at least one check")
    for row in items:
        if len(row) != 4 or not all(isinstance(cell, str) for cell in row):
            raise ValueError(
                "rows must each be four strings (check, expected, measured, verdict); "
                f"got {row!r}"
            )
    lines = [
        f"| {head} | {expected} | measured | verdict |",
        "|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in items),
    ]
    return "\n".join(lines)
