"""Serve MathJax 3 from the built book instead of a CDN (issue 22).

Sphinx loads MathJax from ``mathjax_path``; its default is a CDN address, so a reader
without network (or the offline browser check, ``tools/check_book.py``) sees raw TeX.
``_config.yml`` sets ``mathjax_path`` to a path under ``_static`` and this extension
copies MathJax there when an HTML build finishes.

MathJax comes from the PyPI package ``django-static-mathjax`` (pinned in
``requirements.txt``; import name ``mathjax``, no dependencies, Django not needed): the
official MathJax 3 distribution, whose ``es5/`` folder holds the combined
``tex-chtml.js`` and what it loads on demand (TeX extensions, CHTML fonts, the menu's
accessibility parts). Only that much is copied (about 9 MB), not the other combined
files nor the sources.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

# Folder under _static that receives the copy; mathjax_path must point inside it.
TARGET = "mathjax"
# What tex-chtml.js needs next to it: what it loads on demand, and the licence.
_NEEDED = ("input", "output/chtml", "output/chtml.js", "ui", "a11y", "sre", "adaptors")


def mathjax_es5() -> Path:
    """The ``es5`` folder of the installed MathJax 3 distribution."""
    spec = importlib.util.find_spec("mathjax")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        es5 = Path(loc) / "static" / "mathjax" / "es5"
        if (es5 / "tex-chtml.js").is_file():
            return es5
    raise ExtensionError(
        "local_mathjax: MathJax 3 is not installed (no mathjax/static/mathjax/es5/"
        "tex-chtml.js); install the pinned django-static-mathjax from requirements.txt"
    )


def bundle_name(mathjax_path: str) -> str:
    """The combined file that ``mathjax_path`` names inside ``_static/mathjax``, e.g.
    ``"tex-chtml.js"`` for ``"mathjax/tex-chtml.js"``."""
    prefix = TARGET + "/"
    if "://" in mathjax_path or not mathjax_path.startswith(prefix):
        raise ExtensionError(
            f"local_mathjax: mathjax_path must be {prefix}<bundle>.js (a file under "
            f"_static, not a CDN); got {mathjax_path!r}"
        )
    name = mathjax_path[len(prefix) :]
    if "/" in name or not name.endswith(".js"):
        raise ExtensionError(
            f"local_mathjax: mathjax_path must name a combined file such as "
            f"{prefix}tex-chtml.js; got {mathjax_path!r}"
        )
    return name


def copy_mathjax(es5: Path, bundle: str, dest: Path) -> None:
    """Copy ``bundle`` (e.g. ``tex-chtml.js``) and what it loads from ``es5`` into
    ``dest``."""
    if not (es5 / bundle).is_file():
        raise ExtensionError(f"local_mathjax: MathJax has no {bundle} in {es5}")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(es5 / bundle, dest / bundle)
    for part in _NEEDED:
        src = es5 / part
        if src.is_dir():
            shutil.copytree(src, dest / part, dirs_exist_ok=True)
        elif src.is_file():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    licence = es5.parent / "LICENSE"
    if licence.is_file():
        shutil.copy2(licence, dest / "LICENSE")


def _check(app, config) -> None:
    bundle_name(config.mathjax_path)
    mathjax_es5()  # fail at the start of the build, not after writing every page


def _copy(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    copy_mathjax(
        mathjax_es5(),
        bundle_name(app.config.mathjax_path),
        Path(app.outdir) / "_static" / TARGET,
    )


def setup(app):
    app.connect("config-inited", _check)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
