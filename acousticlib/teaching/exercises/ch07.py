"""Exercise checkers of chapter 07."""

from __future__ import annotations

from typing import Any

from ._core import Feedback, _positive_ints, compare_number, compare_pair, exercise


def trunk_grid(height: int, width: int, stages: int = 4) -> tuple[int, int]:
    """Rows and columns of a ResNet trunk's map for an ``height x width`` input:
    ``stages`` stride-2 steps (conv1, max-pool, layer2, layer3 for output stride 16),
    each rounding up."""
    h, w = int(height), int(width)
    for _ in range(int(stages)):
        h, w = -(-h // 2), -(-w // 2)
    return h, w


@exercise(
    "07.1",
    "07_visual_features",
    "Size of the stride-16 trunk map for a given frame size.",
)
def check_trunk_grid(answer: Any, *, height: int, width: int) -> Feedback:
    """``answer`` = (rows, cols) of the ResNet trunk cut at output stride 16 (chapter
    07)."""
    v = _positive_ints(height=height, width=width)
    expected = trunk_grid(v["height"], v["width"])
    return compare_pair(
        answer,
        expected,
        what="(rows, cols)",
        right=f"{expected[0]} x {expected[1]} cells.",
        hint="Four stride-2 steps, each rounding up (padding keeps the last partial "
        "window).",
    )


def valid_conv_offset(size: int, cells: int, kernel: int, stride: int = 16) -> float:
    """Offset (pixels) between the centre of the first output cell of a ``kernel``-wide
    valid convolution on a stride-``stride`` ResNet trunk and the centre of the first of
    ``cells`` equal cells tiling ``size`` pixels (the paper's 3 x 4 convolution, chapter
    07). Trunk cell ``k`` is centred on input pixel ``stride * k``, whose centre lies at
    ``stride * k + 0.5`` when pixel ``i`` spans ``[i, i + 1)``, the convention of the
    cell centres ``(n + 0.5) size / cells``."""
    first_valid = stride * (kernel - 1) / 2 + 0.5
    return first_valid - size / cells / 2


@exercise(
    "07.2",
    "07_visual_features",
    "Misalignment of the paper's valid convolution with the acoustic grid, in pixels.",
)
def check_valid_conv_offset(
    answer: Any, *, size: int, cells: int, kernel: int, stride: int = 16
) -> Feedback:
    """``answer`` = offset in pixels of the first visual cell's centre from the first
    grid cell's centre."""
    v = _positive_ints(size=size, cells=cells, kernel=kernel, stride=stride)
    expected = valid_conv_offset(v["size"], v["cells"], v["kernel"], v["stride"])
    return compare_number(
        answer,
        expected,
        rtol=0.02,
        unit="pixels",
        hint="A trunk cell k is centred on input pixel stride * k (at stride * k + "
        "0.5); a kernel of width K "
        "centres its first output on trunk cell (K - 1) / 2.",
    )


@exercise(
    "07.3", "07_visual_features", "Disk size of cached trunk features in megabytes."
)
def check_feature_megabytes(
    answer: Any,
    *,
    frames: int,
    channels: int,
    rows: int = 12,
    cols: int = 16,
    bytes_per_value: int = 2,
) -> Feedback:
    """``answer`` = size in MB (1e6 bytes) of ``frames`` feature maps of ``channels x
    rows x cols`` values."""
    v = _positive_ints(
        frames=frames,
        channels=channels,
        rows=rows,
        cols=cols,
        bytes_per_value=bytes_per_value,
    )
    expected = (
        v["frames"] * v["channels"] * v["rows"] * v["cols"] * v["bytes_per_value"] / 1e6
    )
    return compare_number(
        answer,
        expected,
        rtol=0.01,
        unit="MB",
        hint="frames x channels x 12 x 16 values, 2 bytes each in float16.",
    )
