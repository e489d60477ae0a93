"""The runner behind ``make book`` and the nbval memory guard, on toy chapters.

A chapter that raises or hangs fails the build and is named with its cell; a chapter
over the memory budget (kernel and children together) is a warning in the table and the
build goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebooks as runner  # noqa: E402

PARAMS = (
    'profile = "book"  # run size\nseed = 0  # seed\ndevice = "cpu"  # torch device'
)

# holds about 300 MB in the kernel and about 300 MB in a child process at the same time:
# each alone is under a 0.45 GB budget, the two together are over it
KERNEL_AND_CHILD = """\
import subprocess, sys
import numpy as np
held = np.ones(300 * 2**20 // 8)
child = subprocess.Popen([sys.executable, "-c",
    "import numpy as np, time; x = np.ones(300 * 2**20 // 8); "
    "print('ready', flush=True); time.sleep(3)"],
    stdout=subprocess.PIPE, text=True)
child.stdout.readline(); child.wait()
print(held.sum() > 0)"""

CHAPTERS = {
    "ok": ["print(1 + 1)"],
    "raises": [
        "x = 1",
        "y = 2",
        "raise ValueError('the toy chapter fails here')",
        "print('never')",
    ],
    "hangs": ["import time", "time.sleep(120)"],
    "memory": [KERNEL_AND_CHILD],
}


def toy_chapter(folder: Path, name: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]})
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), params]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in CHAPTERS[name]]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def book_run(tmp_path_factory):
    """Execute the four toy chapters once through the ``book`` command (no HTML), two
    at a time."""
    folder = tmp_path_factory.mktemp("toybook")
    paths = [toy_chapter(folder, name) for name in CHAPTERS]
    cmd = [
        sys.executable,
        str(ROOT / "tools" / "notebooks.py"),
        "book",
        "--no-html",
        "--jobs",
        "2",
        # the memory chapter's cell takes about 5 s on a loaded 2-core machine (its
        # child sleeps 3 s); 20 s leaves it room and still times the hang out
        "--timeout",
        "20",
        "--retries",
        "0",
        "--max-rss-gb",
        "0.45",
        "--stage",
        str(folder / "stage"),
        *map(str, paths),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return proc


def table_row(output: str, name: str) -> str:
    rows = [ln for ln in output.splitlines() if ln.startswith(f"| {name}.ipynb")]
    assert len(rows) == 1, f"no table row for {name} in:\n{output}"
    return rows[0]


def test_failed_chapters_fail_the_build_and_name_their_cell(book_run):
    assert book_run.returncode == 1, book_run.stdout + book_run.stderr
    out = book_run.stdout
    # cell 1 is the title, 2 the parameters; the raise is the fifth cell of the
    # committed notebook
    assert "FAILED: cell 5" in table_row(out, "raises"), out
    assert "ValueError: the toy chapter fails here" in table_row(out, "raises")
    assert "FAILED: cell 4" in table_row(out, "hangs") and "timed out" in table_row(
        out, "hangs"
    ), out
    assert "time.sleep(120)" in table_row(out, "hangs")
    assert "no HTML built" in out


def test_a_chapter_over_the_memory_budget_is_a_warning_counting_kernel_and_children(
    book_run,
):
    out = book_run.stdout
    assert table_row(out, "ok").split("|")[4].strip() == "ok", out
    row = table_row(out, "memory")
    assert "OVER 0.45 GB" in row and "FAILED" not in row, out
    assert row.split("|")[5].strip().startswith("cell 3 "), (
        f"the peak is reached in the third cell: {row}"
    )
    peak = float(row.split("|")[3])
    assert peak > 560, f"kernel (300 MB) and child (300 MB) were not summed: {peak} MB"


def test_memory_over_budget_alone_builds(tmp_path):
    """Only budgets exceeded, no error: exit status 0 and a WARNING naming the
    chapter."""
    path = toy_chapter(tmp_path, "memory")
    code = runner.main(
        [
            "book",
            "--no-html",
            "--jobs",
            "1",
            "--timeout",
            "60",
            "--max-rss-gb",
            "0.45",
            "--stage",
            str(tmp_path / "stage"),
            str(path),
        ]
    )
    assert code == 0
    cells = json.loads((tmp_path / "stage" / "timings.json").read_text())[0]["cells"]
    assert [c["cell"] for c in cells] == [2, 3]
    assert cells[1]["peak_mb"] > 560 > cells[0]["peak_mb"], cells


def test_status_names_each_budget():
    assert (
        runner.status({"error": None, "peak_rss_mb": 100.0, "seconds": 10.0}, 2.0, 240)
        == "ok"
    )
    assert (
        runner.status(
            {"error": None, "peak_rss_mb": 2100.0, "seconds": 300.0}, 2.0, 240
        )
        == "OVER 2.0 GB, OVER 240 s"
    )
    assert (
        runner.status(
            {"error": "cell 3: boom", "peak_rss_mb": 2100.0, "seconds": 1.0}, 2.0, 240
        )
        == "FAILED: cell 3: boom"
    )


def test_nbval_memory_guard_fails_a_notebook_over_budget(tmp_path):
    """``make nbval``'s plugin: the same toy chapter passes nbval's comparison but
    fails the memory budget."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(KERNEL_AND_CHILD)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "heavy.ipynb"
    nbformat.write(nb, path)
    base = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "-p",
        "nbval_memory",
        str(path),
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(tmp_path),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    # over budget under xdist (each worker samples its kernels; the controller reports),
    # within without
    over = subprocess.run(
        [*base, "--nbval-max-rss-gb", "0.45", "-n", "2", "--dist", "loadscope"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert over.returncode == 1, over.stdout
    assert "| heavy.ipynb |" in over.stdout and "OVER 0.45 GB" in over.stdout, (
        over.stdout
    )
    within = subprocess.run(
        [*base, "--nbval-max-rss-gb", "2"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert within.returncode == 0, within.stdout
    peak = float(
        next(
            ln for ln in within.stdout.splitlines() if ln.startswith("| heavy.ipynb")
        ).split("|")[2]
    )
    assert peak > 560, within.stdout


def test_recorded_costs_are_quoted_before_the_next_build(tmp_path, monkeypatch):
    """``--record`` stores a build's time; the next build quotes it, cold or warm by
    the cache's state."""
    monkeypatch.setattr(runner, "COSTS_FILE", tmp_path / "make_book.json")
    assert runner.expected_cost(2) == "no measured cost on record"
    rec = [{"notebook": "book/01.ipynb", "seconds": 12.3, "peak_rss_mb": 1500.2}]
    runner.record_cost("cold", 1290.0, 2, rec)
    runner.record_cost("warm", 600.0, 2, rec)
    costs = json.loads((tmp_path / "make_book.json").read_text())
    assert (
        costs["cold_minutes"] == 21.5
        and costs["warm_minutes"] == 10.0
        and costs["jobs"] == 2
    )
    assert costs["cold_chapters"]["book/01.ipynb"] == {"seconds": 12.3, "peak_mb": 1500}
    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(tmp_path / "empty-cache"))
    assert "the cache is empty: expect about 22 min" in runner.expected_cost(2)
    assert "JOBS=1" in runner.expected_cost(1)
