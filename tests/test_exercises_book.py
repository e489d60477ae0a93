"""Every chapter's exercises: at least three, numbered as their checkers, solutions in
dropdowns only, each solution checked by its checker in the committed outputs, and no
visible cell that prints a verdict or an answer."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from acousticlib import exercises

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402
import notebooks  # noqa: E402

CHAPTERS = notebooks.notebooks(ROOT)
# chapters whose solutions are checked elsewhere (none: every chapter follows the
# convention, one solution cell per exercise)
NO_SOLUTION_CELLS: set[str] = set()
_FENCE = re.compile(
    r"```\{exercise\}[^\n]*\n:label: (ex-[0-9a-z]+-\d+)\n(.*?)\n```", re.S
)
_DROPDOWN = re.compile(r"```\{solution\} (ex-[0-9a-z]+-\d+)\n:class: dropdown\n")
_VERDICT = re.compile(r"Exercise [0-9A]+\.\d+:? ?(\*\*)?:? (correct|not yet)|✅|❌")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def _exercises(path: Path) -> dict[str, str]:
    """{checker id: statement} of a chapter's ``{exercise}`` directives."""
    md = "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "markdown")
    return {classroom.exercise_id(m.group(0)): m.group(2) for m in _FENCE.finditer(md)}


def _glued(cell: dict) -> dict[str, str]:
    out = {}
    for o in cell.get("outputs", []):
        name = o.get("metadata", {}).get("scrapbook", {}).get("name")
        if name:
            out[name] = o["data"].get("application/papermill.record/text/plain")
    return out


def _chapter_prefix(path: Path) -> str:
    return "A" if path.stem.startswith("appendix") else path.stem[:2]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem[:12])
def test_three_exercises_numbered_as_their_checkers(path):
    found = _exercises(path)
    prefix = _chapter_prefix(path)
    assert len(found) >= 3, f"{path.name} has {len(found)} exercises; at least 3"
    assert list(found) == [f"{prefix}.{k}" for k in range(1, len(found) + 1)], (
        f"{path.name}: exercises {list(found)} are not numbered {prefix}.1, {prefix}.2"
    )
    registered = {e.id: e.chapter for e in exercises.catalogue()}
    for ex_id, statement in found.items():
        assert registered.get(ex_id) == path.stem, (
            f"{path.name}: exercise {ex_id} has no checker registered for this chapter"
        )
        assert f'check("{ex_id}"' in statement, (
            f"{path.name}: exercise {ex_id} does not show its check call"
        )
    # no checker of this chapter without its exercise
    mine = {k for k, ch in registered.items() if ch == path.stem}
    assert mine == set(found), f"{path.name}: checkers {mine - set(found)} unused"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem[:12])
def test_every_solution_sits_in_a_dropdown(path):
    md = "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "markdown")
    labels = [m.group(1) for m in _FENCE.finditer(md)]
    dropdowns = _DROPDOWN.findall(md)
    assert dropdowns == labels, (
        f"{path.name}: solutions {dropdowns} for exercises {labels}: each exercise "
        "needs one ```{solution} ... :class: dropdown"
    )
    assert md.count("```{solution}") == len(dropdowns), (
        f"{path.name}: a solution without :class: dropdown shows its answer"
    )


@pytest.mark.parametrize(
    "path",
    [p for p in CHAPTERS if p.stem not in NO_SOLUTION_CELLS],
    ids=lambda p: p.stem[:12],
)
def test_each_solution_passes_its_checker_in_the_committed_outputs(path):
    """The solution cells glue ``ex_NN_K_correct``: the checker's verdict on the
    solution, recorded when the chapter ran (nbval re-checks it on every run)."""
    cells = _cells(path)
    found = _exercises(path)
    for ex_id in found:
        key = ex_id.replace(".", "_").lower()
        sols = [
            c
            for c in cells
            if "solution" in c["metadata"].get("tags", []) and f'"{ex_id}"' in _text(c)
        ]
        assert len(sols) == 1, f"{path.name}: exercise {ex_id} needs one solution cell"
        cell = sols[0]
        assert "remove-cell" in cell["metadata"]["tags"], (
            f"{path.name}: the solution cell of {ex_id} must be tagged remove-cell"
        )
        assert _glued(cell).get(f"ex_{key}_correct") == "True", (
            f"{path.name}: the committed run does not record the solution of {ex_id} "
            "as correct (re-run the chapter, or fix the solution)"
        )
        # the release can turn it into a stub and a test
        code, answer, call = classroom.split_solution(_text(cell), ex_id)
        assert answer == f"answer_{ex_id.replace('.', '_')}" and code.strip()
        said = _shown_keywords(found[ex_id], ex_id)
        assert said == {k.arg for k in call.keywords}, (
            f"{path.name}: exercise {ex_id} shows check(..., {sorted(said)}) but its "
            f"solution checks with {sorted(k.arg for k in call.keywords)}"
        )


def _shown_keywords(statement: str, ex_id: str) -> set[str]:
    """The keywords of the check call an exercise's statement shows (in backticks)."""
    for code in re.findall(r"`([^`]+)`", statement):
        if f'check("{ex_id}"' in code:
            call = ast.parse(code.replace("\n", " ").strip()).body[0].value
            return {k.arg for k in call.keywords}
    return set()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem[:12])
def test_no_visible_cell_prints_a_verdict(path):
    """Answers appear only in the solution dropdowns: no visible output holds an
    exercise's verdict (which states the expected answer)."""
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        tags = cell["metadata"].get("tags", [])
        if "remove-cell" in tags or "remove-output" in tags:
            continue
        for o in cell.get("outputs", []):
            text = "".join(o.get("text", ""))
            for v in o.get("data", {}).values():
                text += "".join(v) if isinstance(v, list) else str(v)
            assert not _VERDICT.search(text), (
                f"{path.name}, cell {i}: a visible output shows an exercise verdict"
            )
        src = _text(cell)
        if "check(" in src:
            tree = ast.parse(re.sub(r"^[%!].*$", "", src, flags=re.M))
            calls = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Call)
                and getattr(n.func, "attr", getattr(n.func, "id", "")) == "check"
            ]
            assert not calls, f"{path.name}, cell {i}: a visible cell checks an answer"


def test_the_verdict_pattern_catches_what_a_checker_prints():
    fb = exercises.check("05.1", 512 / 12, n_bins=512, n_mfcc=12)
    assert _VERDICT.search(str(fb)) and _VERDICT.search(fb._repr_markdown_())
    assert not _VERDICT.search("Exercise 05.1 asks for a ratio")
