"""Print the share of code-cell text outputs that nbval really compares (run by ``make
nbval``).

A text output is *compared* unless its cell is tagged ``nbval-ignore-output`` or
``nbval-skip`` (or the output is a progress-bar stream that the sanitizer blanks).
Images are never compared byte for byte; their ``text/plain`` repr is. Aim high: shapes,
geometry, analytic values and tables are deterministic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from notebooks import notebooks  # noqa: E402

IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip", "raises-exception"}


def text_outputs(cell: dict) -> int:
    n = 0
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            n += 1
        elif out.get("output_type") in ("execute_result", "display_data"):
            n += int("text/plain" in out.get("data", {}))
    return n


def shares() -> list[tuple[str, int, int]]:
    rows = []
    for nb in notebooks():
        cells = json.loads(nb.read_text())["cells"]
        total = compared = 0
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            n = text_outputs(cell)
            total += n
            if not IGNORE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
                compared += n
        rows.append((nb.name, compared, total))
    return rows


def main() -> None:
    rows = shares()
    print(
        "\n| notebook | text outputs compared by nbval | of all text outputs | share |"
    )
    print("|---|---:|---:|---:|")
    for name, c, t in rows:
        print(f"| {name} | {c} | {t} | {c / t if t else 1:.0%} |")
    c, t = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"| **all** | {c} | {t} | {c / t if t else 1:.0%} |")


if __name__ == "__main__":
    main()
