"""The Sphinx extension that serves the ipywidgets manager from the built book
(``_ext/local_widgets.py``): which ``nb_ipywidgets_js`` it accepts, the integrity check
of the npm tarball and what it unpacks, on a small hand-made tarball (no network)."""

from __future__ import annotations

import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
from sphinx.errors import ExtensionError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location(
        "local_widgets", ROOT / "_ext" / "local_widgets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lw = _load()


def tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


PACKAGE_FILES = {
    "package/package.json": b'{"name": "@jupyter-widgets/html-manager", '
    b'"version": "1.0.15"}',
    "package/dist/embed.js": b"/* the standalone manager */",
    "package/dist/embed.js.LICENSE.txt": b"jQuery: MIT",
    "package/dist/embed.js.map": b"{}",  # not served
    "package/dist/embed-amd.js": b"define()",  # the AMD builds: not served
    "package/dist/libembed-amd.js": b"define()",
    "package/dist/1551f4f60c37af51121f.woff2": b"font",
    "package/dist/2f517e09eb2ca6650ff5.svg": b"<svg/>",
    "package/lib/index.js": b"",  # the sources: not served
    "package/src/fonts/x.woff2": b"",
}


def test_config_loads_the_local_manager_and_no_cdn() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    assert "local_widgets" in config["local_extensions"]
    js = config["config"]["nb_ipywidgets_js"]
    assert lw.bundle_paths(js) == [
        "jupyter-widgets/mathjax2-hub.js",
        "jupyter-widgets/embed.js",
    ]
    assert not any("://" in path for path in js)


@pytest.mark.parametrize(
    "js",
    [
        {  # myst-nb's default: require.js and the AMD manager from two CDNs
            "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/"
            "require.min.js": {},
            "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/"
            "embed-amd.js": {},
        },
        {"jupyter-widgets/embed.js": {}},  # without the MathJax shim
        {"jupyter-widgets/embed.js": {}, "jupyter-widgets/mathjax2-hub.js": {}},
        {"jupyter-widgets/mathjax2-hub.js": {}, "jupyter-widgets/embed-amd.js": {}},
    ],
)
def test_bundle_paths_refuses_a_cdn_or_another_bundle(js: dict) -> None:
    with pytest.raises(ExtensionError, match="nb_ipywidgets_js"):
        lw.bundle_paths(js)


def test_integrity_is_npm_sha512() -> None:
    # the npm registry's form: "sha512-" and the base64 digest (88 characters)
    value = lw.integrity_of(b"abc")
    assert value.startswith("sha512-") and len(value) == 7 + 88
    assert lw.INTEGRITY.startswith("sha512-") and len(lw.INTEGRITY) == 7 + 88


def test_fetch_takes_a_verified_tarball_from_the_cache(tmp_path: Path) -> None:
    data = tarball(PACKAGE_FILES)
    (tmp_path / lw.TARBALL).write_bytes(data)
    # npm is not called when the cache holds the tarball
    got = lw.fetch(tmp_path, npm="/no/such/npm", integrity=lw.integrity_of(data))
    assert got == data


def test_fetch_refuses_and_drops_a_tarball_that_does_not_match(tmp_path: Path) -> None:
    (tmp_path / lw.TARBALL).write_bytes(tarball(PACKAGE_FILES))
    with pytest.raises(ExtensionError, match="integrity"):
        lw.fetch(tmp_path, npm="/no/such/npm")  # the pinned integrity: not this one
    assert not (tmp_path / lw.TARBALL).exists()  # fetched again by the next build
    with pytest.raises(ExtensionError, match="npm"):
        lw.fetch(tmp_path, npm="/no/such/npm")


def test_unpack_writes_the_bundle_fonts_licences_and_shim(tmp_path: Path) -> None:
    dest = tmp_path / "_static" / "jupyter-widgets"
    written = lw.unpack(tarball(PACKAGE_FILES), dest)
    assert written == sorted(
        [
            "1551f4f60c37af51121f.woff2",
            "2f517e09eb2ca6650ff5.svg",
            "LICENSE",
            "embed.js",
            "embed.js.LICENSE.txt",
            "mathjax2-hub.js",
            "package.json",
        ]
    )
    assert sorted(p.name for p in dest.iterdir()) == written
    assert "BSD-3-Clause" in (dest / "LICENSE").read_text()
    shim = (dest / "mathjax2-hub.js").read_text()
    assert "mj.Hub" in shim and "typesetPromise" in shim
    no_bundle = {k: v for k, v in PACKAGE_FILES.items() if k != "package/dist/embed.js"}
    with pytest.raises(ExtensionError, match="embed.js"):
        lw.unpack(tarball(no_bundle), tmp_path / "other")
