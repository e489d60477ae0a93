"""Exercise checkers of chapter 13 (classification where there is no array)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Feedback, compare_with_mistakes, exercise

_CHAPTER = "13_classification_without_an_array"


@exercise(
    "13.1",
    _CHAPTER,
    "Level of a pure tone in its band of the log-mel spectrogram, dB re 20 uPa.",
)
def check_tone_band_level(
    answer: Any, *, rms: float, frequency: float = 1000.0
) -> Feedback:
    """The level in the loudest band of a middle frame of
    ``acousticlib.features.log_mel_spectrogram`` for a 1-s tone of ``rms`` pascals at
    ``frequency`` Hz (chapter 13); within 3 dB (the tone's power splits between two
    overlapping triangles, so the loudest band holds between half and all of it)."""
    from ..._checks import positive
    from ...features import P_REF, log_mel_spectrogram
    from ...sounds import FS

    p = float(positive("rms", rms))
    f = float(positive("frequency", frequency))
    if not 125 < f < FS / 2:
        raise ValueError(
            f"frequency must lie inside the bands, between 125 and {FS / 2:g} Hz; "
            f"got {f:g}"
        )
    t = np.arange(FS) / FS
    spec = log_mel_spectrogram(p * np.sqrt(2) * np.sin(2 * np.pi * f * t), FS)
    expected = float(spec[len(spec) // 2].max())
    return compare_with_mistakes(
        answer,
        expected,
        tol=3.0,
        what="level of the tone's band",
        expects="a level in dB",
        hint="All the tone's power p^2 falls into one or two bands; the level is "
        "10 log10(p^2 / P_REF^2) with P_REF = 20 micropascals.",
        wrong={
            "level with 10 log10 of the RMS instead of the power": float(
                10 * np.log10(p / P_REF)
            ),
            "level in dB re 1 Pa (P_REF forgotten)": float(20 * np.log10(p)),
            "level of the power in dB re 1 Pa^2 with 20 log10 (doubled)": float(
                20 * np.log10(p**2 / P_REF**2)
            ),
        },
    )


@exercise(
    "13.2",
    _CHAPTER,
    "Recall of one class from a confusion matrix (rows: true class).",
)
def check_class_recall(answer: Any, *, confusion: Any, class_index: int) -> Feedback:
    """``C[k, k] / sum_j C[k, j]``: the share of the test clips of class ``k`` that
    the classifier names ``k``, with rows of ``confusion`` the true classes, as
    ``acousticlib.metrics.confusion_matrix`` builds it (chapter 13)."""
    from ..._checks import as_array

    c = as_array("confusion", confusion, ndim=2, dtype=np.float64, nonnegative=True)
    if c.shape[0] != c.shape[1]:
        raise ValueError(f"confusion must be square (K, K); got shape {c.shape}")
    if isinstance(class_index, bool) or not isinstance(class_index, (int, np.integer)):
        raise TypeError(f"class_index must be an integer; got {class_index!r}")
    k = int(class_index)
    if not 0 <= k < c.shape[0]:
        raise ValueError(f"class_index must lie in [0, {c.shape[0]}); got {k}")
    if c[k].sum() == 0:
        raise ValueError(f"class {k} has no test clips (row {k} of confusion is 0)")
    expected = float(c[k, k] / c[k].sum())
    column = c[:, k].sum()
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what=f"recall of class {k}",
        hint="Divide the diagonal count by the sum of its row: the row holds every "
        "clip whose true class is k.",
        wrong={
            f"precision of class {k} (the column's share)": (
                float(c[k, k] / column) if column else float("nan")
            ),
            "overall accuracy": float(np.trace(c) / c.sum()),
        },
    )


@exercise(
    "13.3",
    _CHAPTER,
    "Test accuracy of the majority-class baseline, which ignores its input.",
)
def check_majority_baseline(
    answer: Any, *, train_labels: Any, test_labels: Any
) -> Feedback:
    """Share of ``test_labels`` equal to the most frequent class of ``train_labels``
    (the smallest label among ties): the score of a classifier that always answers
    it, a floor every row of chapter 13's table should clear."""
    from ..._checks import as_array

    tr = as_array("train_labels", train_labels, ndim=1).astype(np.int64)
    te = as_array("test_labels", test_labels, ndim=1).astype(np.int64)
    if tr.size == 0 or te.size == 0 or (tr < 0).any() or (te < 0).any():
        raise ValueError("train_labels and test_labels must be non-empty class indices")
    majority = int(np.argmax(np.bincount(tr)))
    expected = float(np.mean(te == majority))
    k = int(max(tr.max(), te.max())) + 1
    return compare_with_mistakes(
        answer,
        expected,
        tol=0.005,
        what="majority-class test accuracy",
        hint="Find the class the training split holds most often, then count how "
        "often the test split holds it.",
        wrong={
            "chance level 1 / K": 1.0 / k,
            "majority class's share of the training split": float(
                np.mean(tr == majority)
            ),
        },
    )
