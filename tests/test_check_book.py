"""Tests of tools/check_book.py (the browser check of the built book) on a tiny
hand-made site.

The static pieces (link, anchor and image checks, page listing, search word) run without
a browser; one test drives the system Chromium and is skipped when /usr/bin/chromium is
absent.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
import urllib.request
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "check_book", ROOT / "tools" / "check_book.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_book"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


cb = _load_tool()


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def page(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta "
        f"charset='utf-8'><title>t</title>{head}</head>"
        f"<body><main>{body}</main></body></html>"
    )


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A tiny book: two good pages, one page with every kind of defect, Sphinx
    internals."""
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "style.css").write_text("body { color: #222; }")
    (tmp_path / "_static" / "internal.html").write_text(
        page("<a href='nowhere.html'>x</a>")
    )
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "good.png").write_bytes(png_bytes())
    (tmp_path / "images" / "empty.png").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        "<html><head><meta http-equiv='refresh' content='0; "
        "url=intro.html'></head></html>"
    )
    (tmp_path / "intro.html").write_text(
        page(
            "<h1 id='welcome'>Beamforming pictures</h1>"
            "<p>Beamforming turns microphone signals into a picture; beamforming is "
            "fun.</p>"
            "<a href='sub/chapter.html#delay-and-sum'>chapter</a> <a "
            "href='#welcome'>top</a>"
            "<a href='https://example.org/'>external</a> <a "
            "href='mailto:a@b.c'>mail</a>"
            "<a href='#'>toggle</a> <img src='images/good.png' alt='ok'>",
            head="<link rel='stylesheet' href='_static/style.css'>",
        )
    )
    (tmp_path / "sub" / "chapter.html").write_text(
        page(
            "<section id='delay-and-sum'><p>Delay and sum.</p><a "
            "name='old-anchor'></a></section>"
            "<a href='../intro.html?x=1#welcome'>back</a> <a "
            "href='../intro.html#old'>x</a>"
            "<a href='../sub/'>dir</a>"
        )
    )
    (tmp_path / "sub" / "index.html").write_text(page("<p>Sub index.</p>"))
    (tmp_path / "broken.html").write_text(
        page(
            "<a href='missing.html'>gone</a>"
            "<a href='intro.html#no-such-id'>bad anchor</a>"
            "<a href='#nor-here'>bad local anchor</a>"
            "<a href='sub/chapter.html#old-anchor'>named anchor ok</a>"
            "<img src='images/empty.png' alt='empty'> <img src='images/gone.png' "
            "alt='gone'>"
            "<img src='https://cdn.example.org/remote.png' alt='remote, not checked'>"
            "<script src='_static/missing.js'></script>"
        )
    )
    for name in ("genindex.html", "search.html"):
        (tmp_path / name).write_text(page("<a href='nowhere.html'>x</a>"))
    return tmp_path


def test_list_pages_skips_sphinx_internals(site: Path) -> None:
    pages = [p.as_posix() for p in cb.list_pages(site)]
    assert pages == [
        "broken.html",
        "index.html",
        "intro.html",
        "sub/chapter.html",
        "sub/index.html",
    ]


def test_parse_html_finds_ids_links_images_and_main_text() -> None:
    info = cb.parse_html(
        page(
            "<h2 id='a'>Title</h2><a name='b' href='x.html#c'>x</a>"
            "<img src='i.png' srcset='i.png 1x, i@2x.png 2x'><script>var hidden = "
            "1;</script>",
            head="<script src='s.js'></script>",
        )
    )
    assert info.ids == {"a", "b"}
    assert info.links == ["x.html#c"]
    assert info.images == ["i.png", "i.png", "i@2x.png"]
    assert "s.js" in info.resources
    text = " ".join(info.text)
    assert "Title" in text and "hidden" not in text


def test_resolve_handles_directories_queries_and_escapes(site: Path) -> None:
    t = cb.resolve(site, Path("sub/chapter.html"), "../intro.html?x=1#welcome")
    assert t.path == site / "intro.html" and t.fragment == "welcome"
    assert (
        cb.resolve(site, Path("sub/chapter.html"), "../sub/").path
        == site / "sub/index.html"
    )
    assert cb.resolve(site, Path("intro.html"), "#welcome").path == site / "intro.html"
    assert cb.resolve(site, Path("intro.html"), "../../etc/passwd").escapes_root
    assert not cb.is_local("https://example.org/") and not cb.is_local("//cdn.org/x.js")
    assert cb.is_local("a/b.html#c") and cb.is_local("/root.html")


def test_static_check_reports_each_defect_and_nothing_else(site: Path) -> None:
    report = cb.check_static(site, cb.list_pages(site))
    found = {(f.page, f.kind, f.detail.split("'")[1]) for f in report.failures}
    assert found == {
        ("broken.html", "link", "missing.html"),
        ("broken.html", "anchor", "intro.html#no-such-id"),
        ("broken.html", "anchor", "#nor-here"),
        ("broken.html", "link", "_static/missing.js"),
        ("broken.html", "image", "images/empty.png"),
        ("broken.html", "image", "images/gone.png"),
        ("sub/chapter.html", "anchor", "../intro.html#old"),
    }
    # the good links were checked too (and passed): external/mailto/'#' were not counted
    assert report.links >= 9
    assert report.images == 3


def test_broken_link_detected_in_isolation(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(page("<a href='b.html'>b</a>"))
    report = cb.check_static(tmp_path, [Path("a.html")])
    assert [f.kind for f in report.failures] == ["link"]
    (tmp_path / "b.html").write_text(page("<p>here</p>"))
    cb._parse_file.cache_clear()
    assert cb.check_static(tmp_path, [Path("a.html")]).failures == []


def test_anchor_detected_in_isolation(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(page("<a href='b.html#sec'>b</a>"))
    (tmp_path / "b.html").write_text(page("<h2 id='other'>x</h2>"))
    report = cb.check_static(tmp_path, [Path("a.html")])
    assert [f.kind for f in report.failures] == ["anchor"]
    (tmp_path / "b.html").write_text(page("<h2 id='sec'>x</h2>"))
    cb._parse_file.cache_clear()
    assert cb.check_static(tmp_path, [Path("a.html")]).failures == []


def test_empty_image_detected_in_isolation(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(page("<img src='fig.png'>"))
    (tmp_path / "fig.png").write_bytes(b"")
    report = cb.check_static(tmp_path, [Path("a.html")])
    assert [(f.kind, "empty" in f.detail) for f in report.failures] == [("image", True)]
    (tmp_path / "fig.png").write_bytes(png_bytes())
    assert cb.check_static(tmp_path, [Path("a.html")]).failures == []


def test_search_word_comes_from_the_landing_page(site: Path) -> None:
    pages = cb.list_pages(site)
    landing = cb.first_page(site, pages)
    assert landing == Path("intro.html")  # index.html redirects there
    word = cb.pick_search_word(
        " ".join(cb.parse_html((site / landing).read_text()).text)
    )
    assert word == "beamforming"
    assert cb.pick_search_word("a an to be") is None


def test_server_serves_the_folder_on_loopback(site: Path) -> None:
    with cb.serve(site) as base:
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "intro.html", timeout=10) as resp:
            assert b"Beamforming" in resp.read()


def test_main_without_browser_fails_with_a_list(site: Path, capsys) -> None:
    rc = cb.main([str(site), "--no-browser"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "failures" in out and "missing.html" in out and "no-such-id" in out
    assert cb.main([str(site / "images"), "--no-browser"]) == 2


# ---- the real browser
# ------------------------------------------------------------------------

_SEARCH_PAGE = """<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><main>
<div id="search-results"></div>
<script>
  // A stand-in for Sphinx's asynchronous search: results appear after a delay.
  const q = new URLSearchParams(location.search).get('q') || '';
  setTimeout(() => {
    const box = document.getElementById('search-results');
    const hits = ['beamforming'].includes(q.toLowerCase()) ? ['intro.html'] : [];
    box.innerHTML = '<p>Search finished.</p><ul class="search">'
      + hits.map(h => '<li><a href="' + h + '">' + h + '</a></li>').join('') + '</ul>';
  }, 300);
</script></main></body></html>"""


@pytest.mark.skipif(
    not Path(cb.CHROMIUM).exists(),
    reason=f"system Chromium not installed at {cb.CHROMIUM} "
    "(tools/install_chromium.sh installs the Debian package)",
)
def test_browser_check_on_tiny_site(site: Path, tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    (site / "search.html").write_text(_SEARCH_PAGE)
    # A page whose own script logs an error and throws, plus a blocked CDN script (not a
    # failure).
    (site / "scripted.html").write_text(
        page(
            "<p>scripted</p><img src='images/good.png'>"
            "<img src='images/corrupt.png' alt='corrupt'>",
            head="<script src='https://cdn.example.org/require.min.js'></script>"
            "<script src='_static/app.js'></script>",
        )
    )
    (site / "images" / "corrupt.png").write_bytes(b"not a png at all")
    (site / "_static" / "app.js").write_text(
        "console.error('own script failed');\nwindow.addEventListener('load', () => {"
        " throw new Error('boom from the book'); });\n"
    )
    shots = tmp_path / "shots"
    pages = [
        Path("intro.html"),
        Path("sub/chapter.html"),
        Path("scripted.html"),
        Path("broken.html"),
    ]
    report = cb.check_in_browser(site, pages, shots, "beamforming")

    by_kind: dict[str, list[str]] = {}
    for f in report.failures:
        by_kind.setdefault(f.kind, []).append(f"{f.page}: {f.detail}")
    assert report.pages == 4
    assert report.search_hits == 1
    assert "search" not in by_kind
    assert any(
        "own script failed" in d and d.startswith("scripted.html")
        for d in by_kind["console"]
    )
    assert any("boom from the book" in d for d in by_kind["pageerror"])
    assert any("corrupt.png" in d for d in by_kind["image"])
    assert any("missing.js" in d for d in by_kind["request"])  # local 404
    assert report.blocked >= 2  # the CDN script and the remote image, not failures
    assert not any("example.org" in d for ds in by_kind.values() for d in ds)
    assert not any(
        d.startswith(("intro.html", "sub/chapter.html"))
        for ds in by_kind.values()
        for d in ds
    )
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "broken.png",
        "intro.png",
        "scripted.png",
        "search.png",
        "sub__chapter.png",
    ]

    # A word that is not in the book finds nothing, which is a failure.
    report = cb.check_in_browser(site, [Path("intro.html")], None, "zzzznotaword")
    assert report.search_hits == 0
    assert [f.kind for f in report.failures] == ["search"]
