"""Report the figures whose text is too small on the book's page.

``tools/notebooks.py run --figures DIR`` (``make smoke`` passes ``_build/figures``)
logs every figure each chapter draws, measured by
:func:`acousticlib.teaching.plotting.style.text_on_page`: its PNG width, the shrink the
~700-px column applies, the smallest text as read on the page (points) and the most
panels in one row. This tool reads those logs and lists, per chapter, the figures whose
smallest text is under 9 points or that hold more than three panels in a row (the
book's style: :mod:`acousticlib.teaching.plotting.style`)::

    .venv/bin/python tools/check_figures.py _build/figures [--strict]

It prints a table and exits 0 (a report), or 1 with ``--strict`` when any figure fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acousticlib.teaching.plotting.style import (  # noqa: E402
    MAX_PANELS_PER_ROW,
    MIN_TEXT_PT,
)


def read_log(path: Path) -> list[dict]:
    """The figures of one chapter's log: the last record of each figure drawn (a
    figure drawn twice, e.g. by a tight bounding box, is logged twice)."""
    last: dict[int, dict] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: not a JSON line ({exc})") from None
        last[int(record.get("figure", n))] = record
    return list(last.values())


def failures(record: dict, min_pt: float = MIN_TEXT_PT) -> list[str]:
    """Why one logged figure breaks the book's style (empty when it does not)."""
    if "error" in record:
        return [f"not measured: {record['error']}"]
    why = []
    if record["smallest_pt"] < min_pt:
        why.append(
            f"text {record['smallest_pt']:.1f} pt on the page "
            f"({record['width_px']} px wide, shown at {record['scale']:.0%})"
        )
    if record["panels_per_row"] > MAX_PANELS_PER_ROW:
        why.append(f"{record['panels_per_row']} panels in a row")
    return why


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder of <chapter>.jsonl logs")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when any figure fails"
    )
    parser.add_argument(
        "--min-pt", type=float, default=MIN_TEXT_PT, help="smallest legible text, pt"
    )
    args = parser.parse_args(argv)
    logs = sorted(args.folder.glob("*.jsonl"))
    if not logs:
        print(f"check_figures: no figure logs in {args.folder}", file=sys.stderr)
        return 2
    total = bad = 0
    for log in logs:
        records = read_log(log)
        failing = [(r, failures(r, args.min_pt)) for r in records]
        failing = [(r, why) for r, why in failing if why]
        total += len(records)
        bad += len(failing)
        print(f"{log.stem}: {len(records)} figures, {len(failing)} too small or wide")
        for r, why in failing:
            print(f"    cell {r.get('cell')}: {r.get('first_line', '')[:50]!r}")
            for w in why:
                print(f"        {w}")
    print(f"check_figures: {bad} of {total} figures break the book's figure style")
    return 1 if args.strict and bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
