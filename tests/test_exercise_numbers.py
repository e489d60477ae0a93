"""The Sphinx extension that numbers exercises as their checkers
(``_ext/exercise_numbers.py``): "Exercise 04.2" in a small book built with
sphinx-exercise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sphinx_exercise")
from sphinx.application import Sphinx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "exercise_numbers", ROOT / "_ext" / "exercise_numbers.py"
)
en = importlib.util.module_from_spec(spec)
spec.loader.exec_module(en)


def test_checker_number_from_the_label():
    assert en.checker_number("ex-04-2") == ("04", 2)
    assert en.checker_number("ex-a-1") == ("A", 1)
    assert en.checker_number("ex-13-10") == ("13", 10)
    assert en.checker_number("my-exercise") is None


def _build(tmp_path: Path, extensions: list[str]) -> str:
    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        f"extensions = {extensions!r}\n"
        "numfig = True\n"
    )
    (src / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   ch\n")
    (src / "ch.rst").write_text(
        "Chapter\n=======\n\n"
        ".. exercise::\n   :label: ex-04-1\n\n   First.\n\n"
        ".. exercise::\n   :label: ex-04-2\n\n   Second.\n\n"
        ".. solution:: ex-04-2\n\n   Answer.\n\n"
        "See :numref:`ex-04-2`.\n"
    )
    out = tmp_path / "html"
    app = Sphinx(
        src,
        src,
        out,
        tmp_path / "doctrees",
        "html",
        status=None,
        warning=None,
        freshenv=True,
    )
    app.build()
    return (out / "ch.html").read_text()


def test_exercises_are_numbered_as_their_checkers(tmp_path):
    html = _build(tmp_path, ["sphinx_exercise", "exercise_numbers"])
    assert "Exercise 04.2" in html and "Exercise 04.1" in html
    assert "Solution to" in html and "Exercise 04.2" in html.split("Solution to")[1]
    # without the extension the book numbers them 1, 2, ...
    plain = _build(tmp_path / "plain", ["sphinx_exercise"])
    assert "Exercise 2" in plain and "Exercise 04.2" not in plain
