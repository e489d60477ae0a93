"""Serve the ipywidgets embed manager from the built book instead of a CDN.

myst-nb adds the JavaScript of ``nb_ipywidgets_js`` to every page that holds widget
state; its default is require.js from one CDN and the AMD build of the widget manager
(``@jupyter-widgets/html-manager``, ``embed-amd.js``) from another, so without network
(or in the offline browser check, ``tools/check_book.py``) every widget area stays
empty. ``_config.yml`` sets ``nb_ipywidgets_js`` to ``jupyter-widgets/embed.js`` (a path
under ``_static``) and this extension puts the manager there when an HTML build
finishes.

Where the manager comes from, and why:

* **Not PyPI**: no well-kept package ships it. The ``ipywidgets`` wheel holds no
  JavaScript, and ``jupyterlab_widgets`` holds the JupyterLab extension (module
  federation chunks that need JupyterLab), not the standalone embed bundle.
* **Not vendored**: the AMD bundle alone is 3.6 MB, the standalone bundle and the icon
  fonts it loads are 4.8 MB together, over what this repository vendors (< 3 MB).
* **The npm registry at build time**: the official package
  ``@jupyter-widgets/html-manager`` at the version pinned in ``VERSION`` (the one that
  goes with the pinned ipywidgets 8.1 / jupyterlab_widgets 3.0: ``@jupyter-widgets/
  controls`` 5.0), fetched with ``npm pack`` and checked against the pinned
  ``INTEGRITY`` (the registry's sha512) before anything is unpacked. The tarball is
  kept in ``_build/.npm_packages``, so only the first build needs the registry.

The **standalone** bundle ``dist/embed.js`` is served, not ``embed-amd.js``: it holds
the base, controls and output widgets (the only widget modules in the book's notebooks),
renders every widget state on the page at ``load`` and needs no require.js, so nothing
else is loaded from a CDN (the AMD build exists to fetch third-party widget modules from
one). Next to it go the icon fonts it references (Font Awesome, by its webpack hashes),
its third-party licences (``embed.js.LICENSE.txt``), its ``package.json`` and a
``LICENSE`` naming the package's BSD-3-Clause licence. No source maps, no AMD builds.
Before it, a 20-line shim (``mathjax2-hub.js``, written from this file) lets the
manager's MathJax 2 calls work on the book's MathJax 3.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "@jupyter-widgets/html-manager"
VERSION = "1.0.15"
# sha512 of the registry's tarball (`npm view PACKAGE@VERSION dist`)
INTEGRITY = (
    "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1"
    "yp47bCrJ3CQA=="
)
TARBALL = f"jupyter-widgets-html-manager-{VERSION}.tgz"
# Folder under _static that receives the manager; nb_ipywidgets_js names files in it.
TARGET = "jupyter-widgets"
BUNDLE = "embed.js"
# Loaded before the bundle (nb_ipywidgets_js keeps the order): see _MATHJAX_HUB.
SHIM = "mathjax2-hub.js"
# The widget manager typesets every widget label with MathJax 2's API
# (``MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])``, still in html-manager
# 1.0.15); the book loads MathJax 3, which has no ``Hub``, so each label throws
# "Cannot read properties of undefined (reading 'Queue')". This shim gives MathJax 3 a
# ``Hub`` whose ``Queue`` typesets the element with ``typesetPromise``. Its ``load``
# listener runs before the manager's (registered later, by the bundle), when MathJax
# has loaded.
_MATHJAX_HUB = """\
// MathJax 2's MathJax.Hub.Queue for the widget manager on MathJax 3 (local_widgets.py)
window.addEventListener("load", () => {
  const mj = window.MathJax;
  if (!mj || mj.Hub) return;
  mj.Hub = {
    Queue(...jobs) {
      for (const job of jobs) {
        const el = Array.isArray(job) ? job[2] : undefined;
        if (!(el instanceof Element)) continue;
        Promise.resolve(mj.startup && mj.startup.promise)
          .then(() => mj.typesetPromise && mj.typesetPromise([el]))
          .catch((err) => console.warn("MathJax in a widget:", err));
      }
    },
  };
});
"""
_FONTS = (".woff2", ".woff", ".ttf", ".eot", ".svg")
_LICENCE = f"""{PACKAGE} {VERSION} (https://github.com/jupyter-widgets/ipywidgets),
served by the book's build from the npm registry (_ext/local_widgets.py).

Licence: BSD-3-Clause (package.json), Copyright (c) Jupyter Development Team and
Project Jupyter Contributors. The licences of the third-party code bundled into
{BUNDLE} are in {BUNDLE}.LICENSE.txt; the icon fonts are Font Awesome Free (SIL OFL 1.1
for the fonts, MIT for the code).
"""


def integrity_of(data: bytes) -> str:
    """The npm ``integrity`` string (``sha512-<base64>``) of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def verified_tarball(path: Path, integrity: str = INTEGRITY) -> bytes:
    """The bytes of the tarball at ``path``; ExtensionError unless they have
    ``integrity``."""
    data = path.read_bytes()
    got = integrity_of(data)
    if got != integrity:
        raise ExtensionError(
            f"local_widgets: {path} does not match the pinned integrity of "
            f"{PACKAGE}@{VERSION}: expected {integrity}, got {got}"
        )
    return data


def fetch(cache: Path, npm: str = "npm", integrity: str = INTEGRITY) -> bytes:
    """The verified tarball of ``PACKAGE@VERSION``: from ``cache`` when it is there,
    else fetched with ``npm pack`` from the registry into ``cache``."""
    path = cache / TARBALL
    if not path.is_file():
        if shutil.which(npm) is None:
            raise ExtensionError(
                f"local_widgets: npm is needed once to fetch {PACKAGE}@{VERSION} "
                f"(the widget manager) into {cache}; install Node.js/npm"
            )
        cache.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(cache)],
            capture_output=True,
            text=True,
            env={**os.environ, "npm_config_fund": "false", "npm_config_audit": "false"},
        )
        if run.returncode != 0 or not path.is_file():
            raise ExtensionError(
                f"local_widgets: `npm pack {PACKAGE}@{VERSION}` failed "
                f"(exit {run.returncode}): {run.stderr.strip()[-500:]}"
            )
    try:
        return verified_tarball(path, integrity)
    except ExtensionError:
        path.unlink()  # a truncated or foreign file: fetched again next build
        raise


def unpack(data: bytes, dest: Path) -> list[str]:
    """Write the standalone bundle, its fonts and licences from the package tarball
    ``data`` into ``dest``; return the names written."""
    wanted: dict[str, str] = {
        f"package/dist/{BUNDLE}": BUNDLE,
        f"package/dist/{BUNDLE}.LICENSE.txt": f"{BUNDLE}.LICENSE.txt",
        "package/package.json": "package.json",
    }
    written: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name
            if name not in wanted:
                if not (
                    member.isfile()
                    and name.startswith("package/dist/")
                    and name.count("/") == 2
                    and name.endswith(_FONTS)
                ):
                    continue
                wanted[name] = name.rsplit("/", 1)[1]
            if not member.isfile():
                continue
            src = tar.extractfile(member)
            assert src is not None
            dest.mkdir(parents=True, exist_ok=True)
            (dest / wanted[name]).write_bytes(src.read())
            written.append(wanted[name])
    if BUNDLE not in written:
        raise ExtensionError(f"local_widgets: {PACKAGE}@{VERSION} has no dist/{BUNDLE}")
    (dest / "LICENSE").write_text(_LICENCE)
    (dest / SHIM).write_text(_MATHJAX_HUB)
    return sorted([*written, "LICENSE", SHIM])


def bundle_paths(ipywidgets_js: dict) -> list[str]:
    """Check that ``nb_ipywidgets_js`` loads the MathJax shim and then the local
    bundle, and nothing else; return their paths."""
    expected = [f"{TARGET}/{SHIM}", f"{TARGET}/{BUNDLE}"]
    paths = list(ipywidgets_js)
    if paths != expected:
        raise ExtensionError(
            f"local_widgets: nb_ipywidgets_js must name {expected!r} in this order "
            f"(the manager served from _static: no CDN, no require.js); got {paths!r}"
        )
    return expected


def _cache(app) -> Path:
    return Path(app.outdir).parent / ".npm_packages"


def _check(app) -> None:
    bundle_paths(app.config.nb_ipywidgets_js)
    if app.builder.format == "html":
        fetch(_cache(app))  # fail at the start of the build, not after every page


def _copy(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    dest = Path(app.outdir) / "_static" / TARGET
    written = unpack(fetch(_cache(app)), dest)
    size = sum((dest / n).stat().st_size for n in written)
    info = json.loads((dest / "package.json").read_text())
    logger.info(
        f"local_widgets: {info['name']}@{info['version']} in _static/{TARGET} "
        f"({len(written)} files, {size / 1e6:.1f} MB)"
    )


def setup(app):
    app.connect("builder-inited", _check)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
