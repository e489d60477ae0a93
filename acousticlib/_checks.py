"""Input validation shared by every public function of :mod:`acousticlib`.

Each helper raises ``ValueError`` (or ``TypeError``) with a message that names the
parameter and says what was expected, so a reader knows what to fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np


def _fmt_shape(shape: Sequence[int | None]) -> str:
    return (
        "("
        + ", ".join("*" if s is None else str(s) for s in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def as_array(
    name: str,
    value: Any,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    dtype: Any = None,
    finite: bool = True,
    nonnegative: bool = False,
    min_size: int = 1,
    what: str = "",
) -> np.ndarray:
    """Convert ``value`` to a NumPy array and check it.

    ``shape`` may hold ``None`` for free axes, e.g. ``(None, 3)`` for ``(M, 3)``
    positions; ``what`` is a short description of the axes used in messages (e.g. ``"(M,
    N): microphones x samples"``).
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch tensors
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be array-like of numbers; got {type(value).__name__} ({exc})"
        ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must hold numbers; got dtype {arr.dtype}")
    desc = f" {what}" if what else ""
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}{desc}; got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=False)
        ):
            raise ValueError(
                f"{name} must have shape {_fmt_shape(shape)}{desc}; got {arr.shape}"
            )
    if arr.size < min_size:
        raise ValueError(
            f"{name} must hold at least {min_size} value(s); got shape {arr.shape}"
        )
    if finite and np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} must be finite; it holds {bad} NaN or infinite value(s)"
        )
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative; its minimum is {arr.min()!r}")
    return arr


def positive(
    name: str, value: Any, *, integer: bool = False, allow_zero: bool = False
) -> Any:
    """Check that ``value`` is a (finite) positive number, or a positive integer if
    ``integer``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {kind}; got {type(value).__name__} {value!r}")
    if integer and not float(value).is_integer():
        raise ValueError(f"{name} must be an integer; got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}; got {value!r}")
    return int(value) if integer else float(value)


def in_range(
    name: str, value: Any, low: float, high: float, *, inclusive: bool = True
) -> float:
    """Check that a number lies in ``[low, high]`` (or ``(low, high)`` if not
    inclusive)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
    ):
        raise TypeError(f"{name} must be a finite number; got {value!r}")
    ok = low <= value <= high if inclusive else low < value < high
    if not ok:
        br = "[]" if inclusive else "()"
        raise ValueError(
            f"{name} must lie in {br[0]}{low}, {high}{br[1]}; got {value!r}"
        )
    return float(value)


def one_of(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}; got "
            f"{value!r}"
        )
    return value


def positive_integer(name: str, value: Any, *, context: str = "") -> int:
    """``int(value)`` (truncated, as ``int`` does) when it is at least 1, else
    ValueError naming ``name`` (with `` (context)`` after the message when given).

    Laxer than :func:`positive` with ``integer=True``: whatever ``int`` accepts passes
    (the exercises' parameters); a value ``int`` rejects raises ``int``'s own error.
    """
    n = int(value)
    if n < 1:
        where = f" ({context})" if context else ""
        raise ValueError(f"{name} must be a positive integer; got {value!r}{where}")
    return n


def non_negative(name: str, value: Any) -> float:
    """``float(value)`` when it is a finite number >= 0, else ValueError naming
    ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a finite number >= 0; got {value!r}"
        ) from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return v


def open_probability(name: str, value: Any) -> float:
    """``float(value)`` when it lies strictly between 0 and 1 (e.g. a discriminator's
    output), else ValueError naming ``name``."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a probability in (0, 1); got {value!r}"
        ) from None
    if not 0.0 < p < 1.0:
        raise ValueError(f"{name} must be a probability in (0, 1); got {value!r}")
    return p
