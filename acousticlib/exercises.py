"""Checkers for the book's exercises.

Each exercise of the book has an identifier (``"01.1"`` is the first exercise of chapter 01)
and a checker that computes the expected answer itself, from the same parameters the student
used, and compares. A student calls::

    from acousticlib import exercises
    exercises.check("01.1", my_answer, frequency=2000.0, aperture=0.5)

and gets a :class:`Feedback` that prints a verdict and, when wrong, a hint. A teacher grades a
class with :func:`grade` (a table of verdicts per student and exercise) and lists the exercises
with :func:`catalogue`.

This module is a read-only consumer of the library: nothing in the pipeline imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a message, and the expected value (for teachers)."""

    exercise: str
    correct: bool
    message: str
    expected: Any = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "correct" if self.correct else "not yet"
        return f"Exercise {self.exercise}: {mark}. {self.message}"

    def _repr_markdown_(self) -> str:  # shown by Jupyter
        icon = "✅" if self.correct else "❌"
        return f"{icon} **Exercise {self.exercise}**: {self.message}"


@dataclass(frozen=True)
class Exercise:
    """An exercise: its identifier, a one-line statement, and its checker."""

    id: str
    chapter: str
    statement: str
    checker: Callable[..., Feedback]


_REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, chapter: str, statement: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Decorator registering a checker under ``id``."""

    def register(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
        if id in _REGISTRY:
            raise ValueError(f"exercise {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, chapter, statement, fn)
        return fn

    return register


def catalogue() -> list[Exercise]:
    """All registered exercises, sorted by identifier."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def check(id: str, answer: Any, **params: Any) -> Feedback:
    """Check ``answer`` to exercise ``id`` (with the exercise's parameters as keywords)."""
    if id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"unknown exercise id {id!r}; known exercises: {known}")
    return _REGISTRY[id].checker(answer, **params)


def grade(submissions: Mapping[str, Mapping[str, Any]], **params: Any) -> dict[str, dict[str, bool]]:
    """Grade many students at once: ``{student: {exercise_id: answer}}`` → ``{student: {id: correct}}``.

    ``params`` are passed to every checker (only those it accepts)."""
    import inspect

    table: dict[str, dict[str, bool]] = {}
    for student, answers in submissions.items():
        row = {}
        for ex_id, answer in answers.items():
            fn = _REGISTRY[ex_id].checker if ex_id in _REGISTRY else None
            if fn is None:
                raise ValueError(f"student {student!r} answered unknown exercise {ex_id!r}")
            accepted = inspect.signature(fn).parameters
            kwargs = {k: v for k, v in params.items() if k in accepted}
            try:
                row[ex_id] = bool(fn(answer, **kwargs))
            except (TypeError, ValueError):
                row[ex_id] = False
        table[student] = row
    return table


def compare_number(exercise_id: str, answer: Any, expected: float, *, rtol: float = 0.05,
                   unit: str = "", hint: str = "") -> Feedback:
    """Feedback for a numeric answer within a relative tolerance ``rtol`` of ``expected``."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(exercise_id, False, f"expected a number{f' in {unit}' if unit else ''}; got {answer!r}.",
                        expected)
    if not math.isfinite(value):
        return Feedback(exercise_id, False, "the answer is not a finite number.", expected)
    ok = abs(value - expected) <= rtol * abs(expected)
    u = f" {unit}" if unit else ""
    if ok:
        return Feedback(exercise_id, True, f"{value:.4g}{u} is within {rtol:.0%} of the expected {expected:.4g}{u}.",
                        expected)
    direction = "too large" if value > expected else "too small"
    return Feedback(exercise_id, False, f"{value:.4g}{u} is {direction}. {hint}".strip(), expected)


# ---------------------------------------------------------------------------------------------
# Chapter 01
# ---------------------------------------------------------------------------------------------


@exercise("01.1", "01_acoustic_images_at_a_glance",
          "Predict the width (degrees) of the main lobe of an array of aperture D at frequency f.")
def check_beamwidth(answer: Any, *, frequency: float, aperture: float, c: float = 343.0) -> Feedback:
    """Beamwidth ≈ λ/D radians (the Rayleigh-like rule of thumb taught in chapter 01), in degrees."""
    from .geometry import beamwidth_deg

    expected = float(beamwidth_deg(frequency, aperture, c=c))
    return compare_number("01.1", answer, expected, rtol=0.1, unit="degrees",
                          hint="Use λ = c / f with c = 343 m/s, then θ ≈ λ / D in radians, and convert to degrees.")


@exercise("01.2", "01_acoustic_images_at_a_glance",
          "Find the pixel (row, column) of the acoustic image where the source is.")
def check_peak_pixel(answer: Any, *, expected_pixel: tuple[int, int], tolerance: int = 1) -> Feedback:
    """The answer is right when it lies within ``tolerance`` grid cells of the expected pixel."""
    try:
        row, col = (int(v) for v in np.asarray(answer).ravel()[:2])
    except (TypeError, ValueError):
        return Feedback("01.2", False, f"expected a (row, column) pair of integers; got {answer!r}.", expected_pixel)
    er, ec = expected_pixel
    dist = max(abs(row - er), abs(col - ec))
    if dist <= tolerance:
        return Feedback("01.2", True, f"({row}, {col}) is the source's pixel.", expected_pixel)
    return Feedback("01.2", False, f"({row}, {col}) is {dist} cells away from the source. Look for the maximum of "
                    "the energy map with np.unravel_index(np.argmax(...), shape).", expected_pixel)
