"""The teaching guide (book/teaching.md): its times are the measured ones, every
exercise is placed once as homework or exam, every chapter has its objectives."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402
import notebooks  # noqa: E402

from acousticlib import exercises  # noqa: E402

GUIDE = (ROOT / "book" / "teaching.md").read_text()


def _section(title: str) -> str:
    return GUIDE.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_guide_is_in_the_table_of_contents():
    assert "file: book/teaching" in (ROOT / "_toc.yml").read_text()


def test_reading_and_running_times_are_the_measured_ones():
    rows = {
        r[0]: r[1:]
        for r in re.findall(
            r"^\| ([0-9a-z_]+) \| ([\d,]+) \| (\d+) \| ([\d-]+) \| ([\d-]+) \|$",
            _section("Time per chapter"),
            flags=re.M,
        )
    }
    made = json.loads((ROOT / "benchmarks" / "results" / "make_book.json").read_text())
    chapters = notebooks.notebooks(ROOT)
    assert set(rows) == {p.stem for p in chapters}
    for path in chapters:
        words, minutes, warm, cold = rows[path.stem]
        # the chapters' text may change a little after the table was written
        now = classroom.reading_words(path) / classroom.WORDS_PER_MINUTE
        assert abs(int(minutes) - now) <= 2, (
            f"{path.stem}: the guide says {minutes} min of reading, the text now takes "
            f"{now:.0f}: run `python tools/classroom.py times` and update the table"
        )
        for said, key in ((warm, "warm_chapters"), (cold, "cold_chapters")):
            measured = made[key].get(f"book/{path.name}", {}).get("seconds")
            expected = "-" if measured is None else f"{measured:.0f}"
            assert said == expected, (path.stem, key, said, expected)


def test_every_exercise_is_placed_once_as_homework_or_exam():
    table = _section("Exercises for homework and for an exam")
    rows = [
        ln for ln in table.split("| chapter | exam |")[1].splitlines() if ln[:1] == "|"
    ]
    placed = re.findall(r"\b(\d\d\.\d|A\.\d)\b", "\n".join(rows))
    # the exercises of the chapters in the table of contents (a checker may arrive
    # before its chapter does)
    chapters = {p.stem for p in notebooks.notebooks(ROOT)}
    registered = [e.id for e in exercises.catalogue() if e.chapter in chapters]
    assert sorted(placed) == sorted(registered)


def test_every_chapter_has_its_objectives():
    section = _section("Learning objectives")
    linked = re.findall(r"^\| \{doc\}`([0-9a-z_]+)` \| .+ \|$", section, flags=re.M)
    assert linked == [p.stem for p in notebooks.notebooks(ROOT)]


def test_the_guide_gives_the_release_and_grading_commands():
    for command in ("make release", "make grade SUBMISSIONS=", "grader.check("):
        assert command in GUIDE
    assert "CH12_RUN_NOTE" not in GUIDE
