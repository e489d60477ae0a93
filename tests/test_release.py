"""`make release` and `make grade` (tools/classroom.py, otter-grader) on one small
chapter: the student notebook holds no solution and runs, the grader scores a solved, a
half-solved and broken submissions into a CSV."""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402

pytest.importorskip("otter", reason="otter-grader is in requirements.txt")
# the appendix: three exercises, and it runs in seconds (it reads measured results)
CHAPTER = ROOT / "book" / "appendix_reproducing_the_papers.ipynb"
IDS = ["A.1", "A.2", "A.3"]


def _solutions() -> dict[str, str]:
    """{exercise id: solution code} from the chapter's solution cells."""
    nb = nbformat.read(CHAPTER, as_version=4)
    out = {}
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            ex_id = re.search(r'check\(\s*"([0-9A]+\.\d+)"', cell.source).group(1)
            out[ex_id] = classroom.split_solution(cell.source, ex_id)[0]
    return out


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    summary = classroom.release([CHAPTER], out)
    return out, summary


def test_release_writes_student_and_autograder(released):
    out, summary = released
    assert summary[CHAPTER.name]["graded"] == IDS
    student = out / "student" / CHAPTER.name
    grader = out / "autograder" / CHAPTER.stem
    assert student.exists() and (grader / "autograder.zip").exists()
    assert (grader / CHAPTER.name).exists()  # the notebook with its solutions
    nb = nbformat.read(student, as_version=4)
    answers = [
        c.source for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])
    ]
    assert answers == [
        f"answer_{i.replace('.', '_')} = ...  # your answer to exercise {i}"
        for i in IDS
    ]
    checks = [c.source for c in nb.cells if c.source.startswith("grader.check(")]
    assert checks == [f'grader.check("q{i.replace(".", "_")}")' for i in IDS]
    # public tests only: the student's copy cannot see what the hidden test checks
    tests = nb.metadata["otter"]["tests"]
    assert set(tests) == {"qA_1", "qA_2", "qA_3"}
    assert all("hidden=False" in t and "_exercises" not in t for t in tests.values())
    released_json = json.loads((out / "autograder" / "release.json").read_text())
    assert released_json[CHAPTER.name]["graded"] == IDS


def test_no_solution_leaks_into_the_student_notebook(released):
    out, _ = released
    text = (out / "student" / CHAPTER.name).read_text()
    assert "{solution}" not in text and "{exercise}" not in text
    assert "Exercise A.1." in text  # the statement stays, as plain Markdown
    for ex_id, code in _solutions().items():
        for line in code.splitlines():
            if len(line.strip()) > 12:
                assert json.dumps(line)[1:-1] not in text, (ex_id, line)
    # the dropdowns' text: a phrase of each solution of the chapter
    for phrase in ("the study's `steps` column", "days on the CPU of the cell above"):
        assert phrase in CHAPTER.read_text()
        assert phrase not in text


def test_student_notebook_executes_without_error(released):
    from nbclient import NotebookClient

    out, _ = released
    nb = nbformat.read(out / "student" / CHAPTER.name, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(out / "student")}},
    ).execute()  # raises CellExecutionError on any error
    shown = "".join(
        str(o.get("data", {}).get("text/plain", "")) + "".join(o.get("text", ""))
        for c in nb.cells
        if c.source.startswith('grader.check("qA_1")')
        for o in c.outputs
    )
    assert "answer_A_1 still holds ..." in shown


def _submission(nb, solved: list[str]) -> object:
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    solutions = _solutions()
    for cell in nb.cells:
        m = re.match(r"answer_(A_\d) = \.\.\.", cell.source)
        if m and m.group(1).replace("_", ".") in solved:
            cell.source = solutions[m.group(1).replace("_", ".")]
    return nb


def test_grading_scores_solved_half_solved_and_broken_submissions(released, tmp_path):
    out, _ = released
    student = nbformat.read(out / "student" / CHAPTER.name, as_version=4)
    subs = tmp_path / "submissions"
    (subs / "ada").mkdir(parents=True)
    nbformat.write(_submission(student, IDS), subs / "ada" / CHAPTER.name)
    # half-solved, with a cell that raises before the exercises
    half = _submission(student, IDS[:1])
    half.cells.insert(1, nbformat.v4.new_code_cell("raise RuntimeError('broken')"))
    (subs / "bo").mkdir()
    nbformat.write(half, subs / "bo" / CHAPTER.name)
    (subs / "di").mkdir()
    (subs / "di" / CHAPTER.name).write_text("{this is not JSON")
    (subs / "ed").mkdir()
    (subs / "ed" / CHAPTER.name).write_text("")
    csv_path = tmp_path / "grades.csv"

    classroom.grade(subs, out / "autograder", csv_path, timeout=300, jobs=2)

    rows = {r["student"]: r for r in csv.DictReader(csv_path.open())}
    assert set(rows) == {"ada", "bo", "di", "ed"}
    ada, bo = rows["ada"], rows["bo"]
    assert ada["status"] == "graded" and float(ada["total"]) == 3 == float(
        ada["possible"]
    )
    assert [float(ada[q]) for q in ("qA_1", "qA_2", "qA_3")] == [1, 1, 1]
    assert bo["status"] == "graded" and float(bo["total"]) == 1
    assert [float(bo[q]) for q in ("qA_1", "qA_2", "qA_3")] == [1, 0, 0]
    # a cell that raised did not stop the grading of that notebook or of the others
    assert rows["di"]["status"] == "error" and "not a notebook" in rows["di"]["message"]
    assert rows["ed"]["status"] == "error" and rows["ed"]["message"] == "empty file"
    assert float(rows["di"]["total"]) == 0 and float(rows["ed"]["qA_1"]) == 0


def test_a_solution_cell_splits_into_solution_answer_and_test():
    cell = (
        "# Exercise 02.9: solution\n"
        "w = c / 2000.0\n"
        "answer_02_9 = [w / d for d in (0.5, 1.0)]\n"
        "feedback_02_9 = check(\n"
        '    "02.9", answer_02_9, sizes=[d for d in (1, 2)], a=aperiodic, n=len(x)\n'
        ")\n"
        'glue("ex_02_9_correct", bool(feedback_02_9), display=False)\n'
    )
    code, answer, call = classroom.split_solution(cell, "02.9")
    assert answer == "answer_02_9"
    # the statements before the check: comments between statements, glue and the
    # check itself are dropped
    assert code.splitlines() == cell.splitlines()[1:3]
    # what the hidden test reads from the notebook: not d (bound), not len (builtin)
    assert classroom.free_names(call) == ["answer_02_9", "aperiodic", "x"]
    with pytest.raises(ValueError, match="no `feedback = check"):
        classroom.split_solution("answer_02_9 = 1\n", "02.9")
    with pytest.raises(ValueError, match="must be a variable"):
        classroom.split_solution('f = check("02.9", 1 + 1)\n', "02.9")
