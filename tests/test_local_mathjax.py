"""The Sphinx extension that serves MathJax from the built book (issue 22,
``_ext/local_mathjax.py``): which ``mathjax_path`` it accepts and what it copies, on a
small stand-in MathJax tree."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
from sphinx.errors import ExtensionError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location(
        "local_mathjax", ROOT / "_ext" / "local_mathjax.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lm = _load()


def test_config_points_mathjax_at_the_local_copy() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    assert "local_mathjax" in config["local_extensions"]
    assert lm.bundle_name(config["config"]["mathjax_path"]) == "tex-chtml.js"


@pytest.mark.parametrize(
    "path",
    [
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
        "tex-chtml.js",
        "mathjax/es5/tex-chtml.js",
        "mathjax/tex-chtml.css",
    ],
)
def test_bundle_name_refuses_a_cdn_or_another_folder(path: str) -> None:
    with pytest.raises(ExtensionError, match="mathjax_path"):
        lm.bundle_name(path)


def test_copy_takes_the_bundle_and_what_it_loads(tmp_path: Path) -> None:
    es5 = tmp_path / "pkg" / "es5"
    for rel in (
        "tex-chtml.js",
        "tex-svg-full.js",  # another combined file: not copied
        "input/tex/extensions/ams.js",
        "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
        "output/svg/fonts/tex.js",  # the SVG output: not copied
        "ui/menu.js",
        "a11y/explorer.js",
        "sre/mathmaps/en.json",
    ):
        (es5 / rel).parent.mkdir(parents=True, exist_ok=True)
        (es5 / rel).write_text(rel)
    (es5.parent / "LICENSE").write_text("Apache-2.0")
    dest = tmp_path / "_static" / "mathjax"
    lm.copy_mathjax(es5, "tex-chtml.js", dest)
    copied = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert copied == {
        "LICENSE",
        "tex-chtml.js",
        "input/tex/extensions/ams.js",
        "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
        "ui/menu.js",
        "a11y/explorer.js",
        "sre/mathmaps/en.json",
    }
    lm.copy_mathjax(es5, "tex-chtml.js", dest)  # a second build overwrites in place
    with pytest.raises(ExtensionError, match="tex-mml-chtml.js"):
        lm.copy_mathjax(es5, "tex-mml-chtml.js", dest)


def test_installed_mathjax_has_the_bundle_and_its_fonts() -> None:
    pytest.importorskip("mathjax", reason="django-static-mathjax is not installed")
    es5 = lm.mathjax_es5()
    assert (es5 / "tex-chtml.js").stat().st_size > 100_000
    assert any((es5 / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
