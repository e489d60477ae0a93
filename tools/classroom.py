"""Student releases and grading of the book's exercises with otter-grader.

    python tools/classroom.py release [NB ...] [--out _build] [--run-tests]
    python tools/classroom.py times
    python tools/classroom.py grade SUBMISSIONS [--autograder _build/autograder]
                                    [--csv _build/grades.csv] [--timeout 900] [--jobs 1]

``release`` writes otter's assignment markup (raw ``# BEGIN QUESTION`` ... cells) into
a copy of each chapter, generated from the chapter's own cells. An exercise is a
markdown cell holding a ``{exercise}`` directive (label ``ex-NN-K``) followed by a code
cell tagged ``solution``: its statements before
``feedback_NN_K = check("NN.K", answer_NN_K, ...)`` are the solution, and that check
call is the test. The ``{solution}`` dropdowns are cut from the copy. ``otter assign``
then writes, per chapter, the student notebook (``_build/student/<chapter>.ipynb``:
solutions replaced by ``answer_NN_K = ...``, public tests in its metadata,
``grader.check("qNN_K")`` after each exercise) and the autograder
(``_build/autograder/<chapter>/``: the notebook with solutions, the tests with the
hidden ones, ``autograder.zip``). Each exercise has two tests: a public one (0 points)
that the answer is filled in, and a hidden one (1 point) that calls the chapter's
checker, whose message (what is wrong, a hint) is the failure message.

``grade`` grades every ``SUBMISSIONS/<student>/<chapter>.ipynb`` (or
``SUBMISSIONS/<student>.ipynb`` for one chapter) with otter's grading API run locally
(``otter.api.grade_submission``, no Docker), each submission in its own process with a
time limit, and writes a CSV: one row per submission with the score of each exercise,
the total and a status. A submission that is empty, not JSON or not a notebook, or whose
grading fails or hangs, gets a row saying so (status ``error``) and scores of 0.

A chapter without solution cells (13, 12) is released with its exercises as text and no
graded questions; ``grade`` reports it as ``not graded``.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"
_EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n:label: ex-([0-9a-z]+)-(\d+)")
_SOLUTION_BLOCK = re.compile(r"\n*```\{solution\}.*?\n```[ \t]*", re.S)
_ASSIGNMENT_CONFIG = """# ASSIGNMENT CONFIG
name: {name}
init_cell: true
check_all_cell: false
export_cell: false
run_tests: {run_tests}
solutions_pdf: false
generate: true
tests:
  files: false
  ok_format: false
"""


def chapters() -> list[Path]:
    """The chapter notebooks, in the book's order (tools/notebooks.py's list)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import notebooks

    return [Path(p).resolve() for p in notebooks.notebooks(ROOT)]


def exercise_id(markdown: str) -> str | None:
    """``"04.2"`` for a cell holding ``{exercise}`` labelled ``ex-04-2`` (``A.1`` for
    ``ex-a-1``), else None."""
    m = _EXERCISE.search(markdown)
    if not m:
        return None
    chapter = m.group(1).upper() if m.group(1).isalpha() else m.group(1)
    return f"{chapter}.{m.group(2)}"


def strip_solutions(markdown: str) -> str:
    """The markdown without its ``{solution}`` directives."""
    return _SOLUTION_BLOCK.sub("", markdown)


def student_prompt(markdown: str) -> str:
    """Exercise cells as plain Markdown for Jupyter: the solutions cut, each
    ``{exercise}`` fence replaced by a bold "Exercise NN.K." (Jupyter shows MyST
    directives as code)."""

    def plain(m: re.Match) -> str:
        return f"**Exercise {exercise_id(m.group(0))}.** {m.group(1).strip()}"

    fence = re.compile(
        r"```\{exercise\}[^\n]*\n:label: ex-[0-9a-z]+-\d+\n(?::[^\n]*\n)*(.*?)\n```",
        re.S,
    )
    return fence.sub(plain, strip_solutions(markdown))


def split_solution(source: str, ex_id: str) -> tuple[str, str, ast.Call]:
    """A solution cell's (solution code, answer variable, check call).

    The solution is every statement before ``feedback_NN_K = check(...)``, the check
    call's second argument names the answer; glue and anything after are dropped."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for k, node in enumerate(tree.body):
        call = node.value if isinstance(node, ast.Assign) else None
        if (
            isinstance(call, ast.Call)
            and call.args
            and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == ex_id
        ):
            answer = call.args[1]
            if not isinstance(answer, ast.Name):
                raise ValueError(
                    f"exercise {ex_id}: the check call's answer must be a variable "
                    f"(answer_...); got {ast.unparse(answer)}"
                )
            body = [
                "\n".join(lines[n.lineno - 1 : n.end_lineno])
                for n in tree.body[:k]
                if not (
                    isinstance(n, ast.Expr)
                    and isinstance(n.value, ast.Call)
                    and isinstance(n.value.func, ast.Name)
                    and n.value.func.id == "glue"
                )
            ]
            return "\n".join(body), answer.id, call
    raise ValueError(
        f"exercise {ex_id}: its solution cell has no `feedback = check({ex_id!r}, "
        "answer, ...)` statement"
    )


def free_names(call: ast.Call) -> list[str]:
    """Names the check call's arguments read from the notebook (not builtins)."""
    bound, used = set(), []
    values = [*call.args[1:], *(k.value for k in call.keywords)]
    for a in values:
        for node in ast.walk(a):
            if isinstance(node, ast.comprehension):
                bound |= {
                    n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)
                }
    for a in values:
        for node in ast.walk(a):
            if (
                isinstance(node, ast.Name)
                and node.id not in bound
                and not hasattr(builtins, node.id)
                and node.id not in used
            ):
                used.append(node.id)
    return used


def question_cells(ex_id: str, prompt: str, solution_source: str) -> list:
    """Otter's markup of one exercise: question, prompt, solution, public and hidden
    tests."""
    v4 = nbformat.v4
    name = "q" + ex_id.replace(".", "_")
    code, answer, call = split_solution(solution_source, ex_id)
    args = free_names(call)
    check = copy.deepcopy(call)
    check.func = ast.Attribute(ast.Name("_exercises"), "check")
    params = ", ".join(dict.fromkeys(args))
    solution = "\n".join(
        [
            "# BEGIN SOLUTION NO PROMPT",
            code,
            "# END SOLUTION",
            '""" # BEGIN PROMPT',
            f"{answer} = ...  # your answer to exercise {ex_id}",
            '"""; # END PROMPT',
        ]
    )
    public = (
        '""" # BEGIN TEST CONFIG\nhidden: false\npoints: 0\n""" # END TEST CONFIG\n'
        f"def test_{name}_answered({answer}):\n"
        f"    assert {answer} is not ... and {answer} is not None, (\n"
        f'        "{answer} still holds ...: replace it with your answer to '
        f'exercise {ex_id}"\n    )\n\n\n'
        f"test_{name}_answered({answer})"
    )
    hidden = (
        '""" # BEGIN TEST CONFIG\nhidden: true\npoints: 1\n""" # END TEST CONFIG\n'
        f"def test_{name}_correct({params}):\n"
        "    from acousticlib import exercises as _exercises\n\n"
        f"    feedback = {ast.unparse(check)}\n"
        "    assert feedback, str(feedback)\n\n\n"
        f"test_{name}_correct({params})"
    )
    return [
        v4.new_raw_cell(f"# BEGIN QUESTION\nname: {name}"),
        v4.new_markdown_cell(student_prompt(prompt)),
        v4.new_raw_cell("# BEGIN SOLUTION"),
        v4.new_code_cell(solution),
        v4.new_raw_cell("# END SOLUTION"),
        v4.new_raw_cell("# BEGIN TESTS"),
        v4.new_code_cell(public),
        v4.new_code_cell(hidden),
        v4.new_raw_cell("# END TESTS"),
        v4.new_raw_cell("# END QUESTION"),
    ]


def master_notebook(path: Path, run_tests: bool = False) -> tuple[object, list[str]]:
    """The chapter with otter's markup, and the ids of its graded exercises."""
    nb = nbformat.read(path, as_version=4)
    out, graded = [], []
    cells = nb.cells
    in_exercises = False
    i = 0
    while i < len(cells):
        cell = cells[i]
        cell.outputs = [] if cell.cell_type == "code" else None
        if cell.cell_type == "code":
            cell.execution_count = None
        else:
            cell.pop("outputs", None)
        src = cell.source
        if cell.cell_type == "markdown" and re.search(r"^## Exercises?\b", src, re.M):
            in_exercises = True
        ex_id = exercise_id(src) if cell.cell_type == "markdown" else None
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        tags = nxt.metadata.get("tags", []) if nxt is not None else []
        if ex_id and nxt is not None and SOLUTION_TAG in tags:
            out += question_cells(ex_id, src, nxt.source)
            graded.append(ex_id)
            i += 2
            continue
        if cell.cell_type == "markdown":
            cell.source = student_prompt(src)
        elif SOLUTION_TAG in cell.metadata.get("tags", []):
            raise ValueError(f"{path.name}: a solution cell follows no exercise")
        elif in_exercises and "remove-cell" in cell.metadata.get("tags", []):
            i += 1  # the solutions' glue of a chapter without solution cells
            continue
        out.append(cell)
        i += 1
    config = _ASSIGNMENT_CONFIG.format(
        name=path.stem, run_tests="true" if run_tests else "false"
    )
    nb.cells = [nbformat.v4.new_raw_cell(config), *out]
    return nb, graded


def release(notebooks: list[Path], out: Path, run_tests: bool = False) -> dict:
    """Write ``out/student/`` and ``out/autograder/`` for ``notebooks``."""
    student, grader = out / "student", out / "autograder"
    student.mkdir(parents=True, exist_ok=True)
    grader.mkdir(parents=True, exist_ok=True)
    index = grader / "release.json"
    summary = json.loads(index.read_text()) if index.exists() else {}
    for path in notebooks:
        t0 = time.perf_counter()
        nb, graded = master_notebook(path, run_tests)
        with tempfile.TemporaryDirectory() as tmp:
            master = Path(tmp) / path.name
            nbformat.write(nb, master)
            dist = Path(tmp) / "dist"
            proc = subprocess.run(
                [sys.executable, "-m", "otter", "assign", str(master), str(dist)],
                capture_output=True,
                text=True,
                cwd=path.parent,
            )
            if proc.returncode != 0:
                raise RuntimeError(
                    f"otter assign failed on {path.name}:\n{proc.stdout}\n{proc.stderr}"
                )
            shutil.copy(dist / "student" / path.name, student / path.name)
            target = grader / path.stem
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(dist / "autograder", target)
            for z in target.glob("*-autograder_*.zip"):
                z.rename(target / "autograder.zip")
        summary[path.name] = {
            "graded": graded,
            "seconds": round(time.perf_counter() - t0, 1),
        }
        print(f"released {path.name}: {len(graded)} graded exercises", flush=True)
    index.write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def _submissions(folder: Path, chapters_known: set[str]) -> list[tuple[str, Path]]:
    """(student, path) for ``folder/<student>/<chapter>.ipynb`` and
    ``folder/<student>.ipynb``."""
    found = []
    for p in sorted(folder.rglob("*.ipynb")):
        rel = p.relative_to(folder)
        student = rel.parts[0] if len(rel.parts) > 1 else p.stem
        found.append((student, p))
    return found


def _chapter_of(path: Path, chapters_known: list[str]) -> str | None:
    if path.stem in chapters_known:
        return path.stem
    try:
        name = json.loads(path.read_text())["metadata"]["otter"]["assignment_name"]
    except Exception:
        return chapters_known[0] if len(chapters_known) == 1 else None
    return name if name in chapters_known else None


_GRADE_ONE = """
import json, sys
from otter.api import grade_submission
r = grade_submission(sys.argv[1], sys.argv[2], quiet=True)
print("@@RESULT@@" + json.dumps({q: [float(v.score), float(v.possible)]
                                 for q, v in r.results.items()}))
"""


def grade_one(path: Path, zip_path: Path, timeout: float) -> tuple[dict, str, str]:
    """({question: (score, possible)}, status, message) for one submission."""
    text = path.read_bytes()
    if not text.strip():
        return {}, "error", "empty file"
    try:
        nbformat.reads(text.decode("utf-8"), as_version=4)
    except Exception as e:  # any reason a file is not a notebook
        return {}, "error", f"not a notebook: {type(e).__name__}: {str(e)[:120]}"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _GRADE_ONE, str(path), str(zip_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {}, "error", f"grading took more than {timeout:g} s"
    marker = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@")]
    if proc.returncode != 0 or not marker:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        return {}, "error", f"grading failed: {tail[0][:200]}"
    scores = {q: tuple(v) for q, v in json.loads(marker[0][10:]).items()}
    return scores, "graded", ""


def grade(
    folder: Path, autograder: Path, csv_path: Path, timeout: float, jobs: int = 1
) -> list[dict]:
    """Grade every submission under ``folder`` (``jobs`` at a time); write and return
    the CSV's rows."""
    from concurrent.futures import ThreadPoolExecutor

    released = json.loads((autograder / "release.json").read_text())
    known = [Path(n).stem for n in released]
    questions = {
        Path(n).stem: ["q" + e.replace(".", "_") for e in v["graded"]]
        for n, v in released.items()
    }
    columns = sorted({q for qs in questions.values() for q in qs})

    def one(student: str, path: Path) -> dict:
        t0 = time.perf_counter()
        chapter = _chapter_of(path, known)
        row = {"student": student, "file": str(path.relative_to(folder))}
        row["chapter"] = chapter or ""
        if chapter is None:
            scores, status, msg = {}, "error", "no released chapter of this name"
        elif not questions[chapter]:
            scores, status, msg = (
                {},
                "not graded",
                "the chapter has no graded exercises",
            )
        else:
            zip_path = autograder / chapter / "autograder.zip"
            scores, status, msg = grade_one(path, zip_path, timeout)
        qs = questions.get(chapter or "", [])
        for q in columns:
            row[q] = scores.get(q, (0.0, 1.0))[0] if q in qs else ""
        row["total"] = sum(scores.get(q, (0.0, 1.0))[0] for q in qs)
        row["possible"] = float(len(qs))
        row["status"], row["message"] = status, msg
        row["seconds"] = round(time.perf_counter() - t0, 1)
        print(f"{student} {path.name}: {status} {row['total']:g}/{row['possible']:g}")
        return row

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        rows = list(pool.map(lambda sp: one(*sp), _submissions(folder, set(known))))
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["student", "chapter", "file", *columns]
    fields += ["total", "possible", "status", "message", "seconds"]
    with csv_path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {csv_path} ({len(rows)} submissions)")
    return rows


#: reading speed of the teaching guide's times (words per minute of technical prose)
WORDS_PER_MINUTE = 200


def reading_words(path: Path) -> int:
    """Words a student reads in a chapter: its Markdown cells without the solution
    dropdowns (each glued number counts as one word; code is not counted)."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(
        strip_solutions(c.source) for c in nb.cells if c.cell_type == "markdown"
    )
    text = re.sub(r"\{glue:text\}`[^`]*`", "N", text)
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", text))


def times_table(notebooks: list[Path]) -> str:
    """The teaching guide's table of reading and running time per chapter.

    Reading: :func:`reading_words` at :data:`WORDS_PER_MINUTE`. Running: the warm and
    cold times per chapter of ``benchmarks/results/make_book.json`` (``make book`` on
    2 cores, two chapters at a time), "-" where it has none."""
    made = json.loads((ROOT / "benchmarks" / "results" / "make_book.json").read_text())
    rows = [
        "| chapter | words | reading (min) | running, warm cache (s) "
        "| running, empty cache (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for path in notebooks:
        key = f"book/{path.name}"
        words = reading_words(path)
        warm = made["warm_chapters"].get(key, {}).get("seconds")
        cold = made["cold_chapters"].get(key, {}).get("seconds")
        rows.append(
            f"| {path.stem} | {words:,} | {words / WORDS_PER_MINUTE:.0f} "
            f"| {'-' if warm is None else f'{warm:.0f}'} "
            f"| {'-' if cold is None else f'{cold:.0f}'} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="write _build/student and _build/autograder")
    r.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    r.add_argument("--out", type=Path, default=ROOT / "_build")
    r.add_argument(
        "--run-tests",
        action="store_true",
        help="otter runs each chapter with its solutions: every test must pass",
    )
    g = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    g.add_argument("submissions", type=Path)
    g.add_argument("--autograder", type=Path, default=ROOT / "_build" / "autograder")
    g.add_argument("--csv", type=Path, default=ROOT / "_build" / "grades.csv")
    g.add_argument("--timeout", type=float, default=900.0, help="seconds per notebook")
    g.add_argument("--jobs", type=int, default=1, help="notebooks graded at a time")
    sub.add_parser("times", help="print the teaching guide's table of time per chapter")
    a = ap.parse_args(argv)
    if a.command == "times":
        print(times_table(chapters()))
    elif a.command == "release":
        nbs = [p.resolve() for p in a.notebooks] or chapters()
        release(nbs, a.out, a.run_tests)
    else:
        if not a.submissions.is_dir():
            ap.error(f"SUBMISSIONS must be a folder of notebooks; got {a.submissions}")
        if not (a.autograder / "release.json").exists():
            ap.error(f"no release in {a.autograder}: run `make release` first")
        grade(a.submissions, a.autograder, a.csv, a.timeout, a.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
