"""The exercises' machinery: feedback, the registry every chapter module fills, checking
and grading, and the shared comparisons.

An exercise's id is written once, in its :func:`exercise` registration: while its
checker runs, :func:`current_exercise` gives that id, and :func:`verdict`, the
comparisons and the validators below take it from there.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._checks import non_negative, open_probability, positive_integer


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a message, and the expected value (for
    teachers)."""

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
# the id of the exercise whose checker is running
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("exercise")


def exercise(
    id: str, chapter: str, statement: str
) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Decorator registering a checker under ``id``.

    Returns the checker wrapped so that, while it runs, :func:`current_exercise` is
    ``id`` (its signature, name and docstring stay the checker's)."""

    def register(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
        if id in _REGISTRY:
            raise ValueError(f"exercise {id!r} is registered twice")

        @functools.wraps(fn)
        def checker(*args: Any, **kwargs: Any) -> Feedback:
            token = _CURRENT.set(id)
            try:
                return fn(*args, **kwargs)
            finally:
                _CURRENT.reset(token)

        _REGISTRY[id] = Exercise(id, chapter, statement, checker)
        return checker

    return register


def current_exercise() -> str:
    """The id of the exercise whose checker is running (set by :func:`exercise`)."""
    try:
        return _CURRENT.get()
    except LookupError:
        raise RuntimeError(
            "no exercise checker is running: feedback and the exercises' validators "
            "are used inside a checker registered with @exercise"
        ) from None


def verdict(correct: bool, message: str, expected: Any = None) -> Feedback:
    """The :class:`Feedback` of the running exercise (:func:`current_exercise`)."""
    return Feedback(current_exercise(), correct, message, expected)


def catalogue() -> list[Exercise]:
    """All registered exercises, sorted by identifier."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def check(id: str, answer: Any, **params: Any) -> Feedback:
    """Check ``answer`` to exercise ``id`` (with the exercise's parameters as
    keywords)."""
    if id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"unknown exercise id {id!r}; known exercises: {known}")
    return _REGISTRY[id].checker(answer, **params)


def grade(
    submissions: Mapping[str, Mapping[str, Any]], **params: Any
) -> dict[str, dict[str, bool]]:
    """Grade many students at once: ``{student: {exercise_id: answer}}`` → ``{student:
    {id: correct}}``.

    ``params`` are passed to every checker (only those it accepts)."""
    import inspect

    table: dict[str, dict[str, bool]] = {}
    for student, answers in submissions.items():
        row = {}
        for ex_id, answer in answers.items():
            fn = _REGISTRY[ex_id].checker if ex_id in _REGISTRY else None
            if fn is None:
                raise ValueError(
                    f"student {student!r} answered unknown exercise {ex_id!r}"
                )
            accepted = inspect.signature(fn).parameters
            kwargs = {k: v for k, v in params.items() if k in accepted}
            try:
                row[ex_id] = bool(fn(answer, **kwargs))
            except (TypeError, ValueError):
                row[ex_id] = False
        table[student] = row
    return table


def _finite_number(answer: Any, expected: Any, expects: str) -> float | Feedback:
    """``answer`` as a finite float, or the wrong-answer :class:`Feedback` that says
    what was expected (``expects``: "a number in dB", ...)."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict(False, f"expected {expects}; got {answer!r}.", expected)
    if not math.isfinite(value):
        return verdict(False, "the answer is not a finite number.", expected)
    return value


def compare_number(
    answer: Any,
    expected: float,
    *,
    rtol: float = 0.05,
    unit: str = "",
    hint: str = "",
) -> Feedback:
    """Feedback for a numeric answer within a relative tolerance ``rtol`` of
    ``expected``."""
    value = _finite_number(answer, expected, f"a number{f' in {unit}' if unit else ''}")
    if isinstance(value, Feedback):
        return value
    ok = abs(value - expected) <= rtol * abs(expected)
    u = f" {unit}" if unit else ""
    if ok:
        return verdict(
            True,
            f"{value:.4g}{u} is within {rtol:.0%} of the expected {expected:.4g}{u}.",
            expected,
        )
    direction = "too large" if value > expected else "too small"
    return verdict(False, f"{value:.4g}{u} is {direction}. {hint}".strip(), expected)


def compare_with_mistakes(
    answer: Any,
    expected: float,
    *,
    tol: float,
    what: str,
    hint: str,
    wrong: Mapping[str, float] | None = None,
    expects: str = "a number between 0 and 1",
) -> Feedback:
    """Feedback for a numeric answer within an absolute ``tol`` of ``expected`` (the
    ``what``); ``wrong`` maps a named common mistake to the value it gives, so the
    feedback can name it; ``expects`` says what kind of number is asked for."""
    value = _finite_number(answer, expected, f"{expects} ({what})")
    if isinstance(value, Feedback):
        return value
    if abs(value - expected) <= tol:
        return verdict(
            True,
            f"{value:.4g} is the {what} (expected {expected:.4g}).",
            expected,
        )
    for mistake, v in (wrong or {}).items():
        if abs(value - v) <= tol and abs(v - expected) > tol:
            return verdict(
                False,
                f"{value:.4g} is the {mistake}, not the {what}. {hint}",
                expected,
            )
    return verdict(False, f"{value:.4g} is not the {what}. {hint}", expected)


def compare_count(
    answer: Any,
    expected: int,
    *,
    what: str,
    right: str,
    mistakes: Sequence[tuple[float, str]] = (),
    hint: str = "",
) -> Feedback:
    """Feedback for a whole-number answer (a count of ``what``) that must equal
    ``expected``; ``mistakes`` pairs the value a common mistake gives with the hint that
    names it (the first match wins), ``hint`` is for any other wrong answer,
    ``right`` the message when correct."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict(
            False,
            f"expected a whole number of {what}; got {answer!r}.",
            expected,
        )
    if value == expected:
        return verdict(True, right, expected)
    named = next(
        (h for v, h in mistakes if v != expected and math.isclose(value, v)), hint
    )
    return verdict(False, f"{value:,.0f} is not right. {named}".strip(), expected)


def compare_pair(
    answer: Any,
    expected: tuple[int, int],
    *,
    what: str,
    right: str,
    hint: str,
) -> Feedback:
    """Feedback for an answer that must equal the pair of integers ``expected``
    (``what`` names it)."""
    try:
        got = tuple(int(x) for x in answer)
    except (TypeError, ValueError):
        return verdict(
            False,
            f"expected a pair {what} of integers; got {answer!r}.",
            expected,
        )
    if got == tuple(expected):
        return verdict(True, right, expected)
    return verdict(False, f"{got} is not right. {hint}", expected)


def _positive_ints(**values: Any) -> dict[str, int]:
    """Each of ``values`` as an int >= 1 (:func:`~acousticlib._checks.positive_integer`;
    the message ends with the running exercise)."""
    where = f"exercise {current_exercise()}"
    return {
        name: positive_integer(name, v, context=where) for name, v in values.items()
    }


def _non_negative(**values: Any) -> dict[str, float]:
    """Each of ``values`` as a finite float >= 0
    (:func:`~acousticlib._checks.non_negative`, the message led by the running
    exercise)."""
    return {
        name: non_negative(f"exercise {current_exercise()}: {name}", v)
        for name, v in values.items()
    }


def _open_probability(name: str, value: Any) -> float:
    """``value`` as a float strictly between 0 and 1
    (:func:`~acousticlib._checks.open_probability`, the message led by the running
    exercise)."""
    return open_probability(f"exercise {current_exercise()}: {name}", value)
