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
    # A page whose own script logs an error and throws, plus a CDN script (blocked, and
    # a failure: the book must serve its scripts).
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
    assert report.blocked >= 2  # the CDN script and the remote image
    assert by_kind["remote"] == [
        "scripted.html: " + cb.remote_asset("https://cdn.example.org/require.min.js")
    ]
    # the remote image is blocked, not a failure; nor are messages about the blocking
    assert not any(
        "example.org" in d for k, ds in by_kind.items() if k != "remote" for d in ds
    )
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


# ---- the rendered page: raw TeX and empty widget areas (no browser) -----------------

_VIEW = (
    "<script type='application/vnd.jupyter.widget-view+json'>"
    '{"model_id": "%s", "version_major": 2, "version_minor": 0}</script>'
)


def cell(output: str = "", code: str = "x = 1") -> str:
    """A myst-nb code cell: its input and its output area."""
    return (
        "<div class='cell docutils container'>"
        f"<div class='cell_input docutils container'><pre>{code}</pre></div>"
        f"<div class='cell_output docutils container'>{output}</div></div>"
    )


FIGURE = "<img src='fig.png' alt='figure'>"


def test_raw_tex_is_found_in_prose_only() -> None:
    html = page(
        "<p>The main lobe is <span class='math'>\\(\\lambda / D\\)</span> wide.</p>"
        "<div class='math'>\\[P = |w^H x|^2\\]</div>"
        "<p>$$a + b$$ and \\begin{align}x\\end{align}</p>"
    )
    hits = cb.raw_tex(html)  # one snippet per run of text
    assert len(hits) == 3
    assert "\\(\\lambda / D" in hits[0] and "\\[P" in hits[1]
    assert "$$a + b" in hits[2] and "\\begin{align" in hits[2]
    assert cb.raw_tex(page("<p>\\begin{align}x\\end{align}</p>")) != []


def test_raw_tex_ignores_code_scripts_and_typeset_math() -> None:
    html = page(
        "<p>Typeset: <mjx-container class='MathJax'><mjx-math>\\(x\\)</mjx-math>"
        "</mjx-container>; a price of $5 and one $ sign.</p>"
        "<pre>print('\\\\(')  # $$</pre><p>Call <code>re.escape('\\\\[')</code>.</p>"
        "<div class='highlight'><span>\\begin{x}</span></div>"
        + cell("<pre>\\(</pre>", code="s = '$$'"),
        head="<script>const tex = '\\\\(x\\\\)';</script>",
    )
    assert cb.raw_tex(html) == []
    # the same formula outside the typeset container is raw TeX
    assert cb.raw_tex(page("<p>\\(x\\)</p>")) == ["\\(x\\)"]


def test_math_errors_are_reported() -> None:
    html = page(
        "<mjx-container><mjx-merror data-mjx-error='Undefined control sequence \\foo'>"
        "<mjx-mtext>\\foo</mjx-mtext></mjx-merror></mjx-container>"
        "<mjx-container><mjx-math>ok</mjx-math></mjx-container>"
    )
    assert cb.math_errors(html) == ["Undefined control sequence \\foo"]
    assert cb.math_errors(page("<p>fine</p>")) == []


# What the widget manager draws next to a widget-view script: an interactive widget
# (a slider and its live figure's output area) and a progress bar (tqdm).
DRAWN = (
    "<div class='widget-subarea'><div class='jupyter-widgets widget-vbox'>"
    "<div class='widget-slider widget-hslider'><input type='range'></div>"
    "<div class='widget-output'></div></div></div>"
)
PROGRESS = (
    "<div class='widget-subarea'><div class='jupyter-widgets widget-hbox'>"
    "<div class='widget-label'>scenes: 0%</div>"
    "<div class='widget-hprogress'><div class='progress'></div></div></div></div>"
)


def drawn(model: str, widget: str = DRAWN) -> str:
    return widget + _VIEW % model


def test_a_widget_alone_is_an_empty_area() -> None:
    html = page(
        "<p>Explore.</p>" + cell(_VIEW % "lonely") + "<p>Prose.</p>" + cell(FIGURE)
    )
    assert cb.empty_widget_areas(html) == ["lonely"]


@pytest.mark.parametrize(
    "body",
    [
        cell(_VIEW % "m" + FIGURE),  # the figure in the widget's own cell
        cell(_VIEW % "m") + cell(FIGURE),  # in the next cell
        cell(FIGURE) + cell(_VIEW % "m"),  # in the cell before
        # the manager started and drew nothing
        cell("<div class='widget-subarea'></div>" + _VIEW % "m") + cell(FIGURE),
        # the manager's error widget (a saved state it could not show)
        cell(
            "<div class='widget-subarea'><div class='jupyter-widgets'><div "
            "class='jupyter-widgets-error-widget icon-error'><pre>Click to show "
            "javascript error.</pre></div></div></div>" + _VIEW % "m"
        )
        + cell(FIGURE),
    ],
)
def test_a_static_figure_does_not_fill_an_empty_widget_area(body: str) -> None:
    # the manager is served by the book: a widget output it did not draw is a failure
    assert cb.empty_widget_areas(page(body)) == ["m"]
    assert cb.widgets_without_figure(page(body)) == []  # reported once, as empty


@pytest.mark.parametrize(
    "body",
    [
        cell(drawn("m") + FIGURE),  # the figure in the widget's own cell
        cell(drawn("m")) + cell(FIGURE),  # in the next cell (chapters 01, 04, 05)
        cell(FIGURE) + cell(drawn("m")),  # in the cell before (chapters 02, 03)
    ],
)
def test_a_drawn_widget_with_its_figure_passes(body: str) -> None:
    assert cb.empty_widget_areas(page(body)) == []
    assert cb.widgets_without_figure(page(body)) == []


def test_an_interactive_widget_needs_a_static_figure() -> None:
    assert cb.empty_widget_areas(page(cell(drawn("w")))) == []
    assert cb.widgets_without_figure(page(cell(drawn("w")))) == ["w"]
    # a progress bar is not interactive: no figure needed
    assert cb.widgets_without_figure(page(cell(drawn("p", PROGRESS)))) == []


def test_widget_figure_checks_only_the_neighbouring_cells() -> None:
    # a figure two cells away, or text next to the widget, does not show its state
    far = cell(FIGURE) + cell("<pre>text</pre>") + cell(drawn("far"))
    assert cb.widgets_without_figure(page(far)) == ["far"]
    stream = cell(drawn("s") + "<div class='output stream'><pre>42</pre></div>")
    assert cb.widgets_without_figure(page(stream)) == ["s"]
    # an image in the next cell's input is not an output figure
    in_input = cell(drawn("i")) + cell(code="<img src='x.png'>")
    assert cb.widgets_without_figure(page(in_input)) == ["i"]


def test_check_rendered_names_page_and_kind() -> None:
    html = page("<p>\\(x\\)</p>" + cell(_VIEW % "w") + cell(drawn("v")))
    failures = cb.check_rendered("book/ch.html", html)
    assert sorted(f.kind for f in failures) == ["math", "widget", "widget"]
    assert all(f.page == "book/ch.html" for f in failures)
    assert any("w is empty" in f.detail for f in failures)
    assert any("v has no static figure" in f.detail for f in failures)
    good = page("<p><mjx-container>x</mjx-container></p>" + cell(drawn("w") + FIGURE))
    assert cb.check_rendered("book/ch.html", good) == []


def test_remote_scripts_and_stylesheets_fail_the_static_check(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        page(
            "<a href='https://example.org/'>a link is fine</a>"
            "<img src='https://cdn.example.org/remote.png'>"  # not a script: fine
            "<script>const THEBE_JS_URL = 'https://unpkg.com/thebe/index.js';</script>"
            "<script src='data:text/javascript,1'></script>",
            head="<script src='https://cdn.example.org/require.min.js'></script>"
            "<link rel='stylesheet' href='//cdn.example.org/widgets.css'>"
            "<link rel='preconnect' href='https://cdn.example.org'>"
            "<link rel='canonical' href='https://book.example.org/a.html'>",
        )
    )
    report = cb.check_static(tmp_path, [Path("a.html")])
    assert [(f.kind, f.detail.split()[0]) for f in report.failures] == [
        ("remote", "https://cdn.example.org/require.min.js"),
        ("remote", "//cdn.example.org/widgets.css"),
    ]
    assert cb.is_remote("//cdn.org/x.js") and not cb.is_remote("data:,1")
    assert not cb.is_remote("_static/x.js")


def test_tree_builder_closes_unclosed_elements() -> None:
    root = cb.parse_tree("<div class='a'><p>one<p>two</div><span>three</span>")
    div = next(n for n in root.iter() if n.tag == "div")
    span = next(n for n in root.iter() if n.tag == "span")
    assert "two" in div.text() and span.parent is not div
    assert next(n for n in root.iter() if n.tag == "img" or n.tag == "span") is span


# A stand-in for the widget manager: at load it draws a slider next to each widget-view
# script, as the real one does (in a "widget-subarea" before the script), after a delay.
_FAKE_MANAGER = """
window.addEventListener('load', () => setTimeout(() => {
  for (const s of document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')) {
    const area = document.createElement('div');
    area.className = 'widget-subarea';
    area.innerHTML = '<div class="jupyter-widgets widget-slider"><input type="range">'
      + '</div>';
    s.parentElement.insertBefore(area, s);
  }
}, 500));
"""

# A stand-in for MathJax 3: it typesets the .math elements after a delay and resolves
# MathJax.startup.promise then, as the real one does.
_FAKE_MATHJAX = """
window.MathJax = {startup: {promise: new Promise(ok => {
  window.addEventListener('load', () => setTimeout(() => {
    for (const el of document.querySelectorAll('.math')) {
      const c = document.createElement('mjx-container');
      c.textContent = el.textContent.slice(2, -2);
      el.replaceChildren(c);
    }
    ok();
  }, 300));
})}};
"""


@pytest.mark.skipif(
    not Path(cb.CHROMIUM).exists(),
    reason=f"system Chromium not installed at {cb.CHROMIUM}",
)
def test_browser_check_waits_for_mathjax_and_finds_raw_tex(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "mathjax.js").write_text(_FAKE_MATHJAX)
    (tmp_path / "_static" / "manager.js").write_text(_FAKE_MANAGER)
    (tmp_path / "fig.png").write_bytes(png_bytes())
    (tmp_path / "search.html").write_text(_SEARCH_PAGE)
    maths = "<p>Lobe <span class='math'>\\(\\lambda / D\\)</span> wide.</p>"
    (tmp_path / "typeset.html").write_text(
        page(
            maths + cell(_VIEW % "w") + cell(FIGURE),
            head="<script defer src='_static/mathjax.js'></script>"
            "<script src='_static/manager.js'></script>",
        )
    )
    # MathJax and the widget manager on a CDN (blocked): the formula stays raw, the
    # widget area empty though a static figure is next to it
    (tmp_path / "offline.html").write_text(
        page(
            maths + cell(_VIEW % "lonely") + cell(FIGURE),
            head="<script defer src='https://cdn.example.org/tex-chtml.js'></script>"
            "<script src='https://cdn.example.org/embed.js'></script>",
        )
    )
    # the manager draws, but no static figure of the widget's initial state
    (tmp_path / "nofigure.html").write_text(
        page(
            cell(_VIEW % "alone") + cell("<pre>text</pre>"),
            head="<script src='_static/manager.js'></script>",
        )
    )
    pages = [Path("typeset.html"), Path("offline.html"), Path("nofigure.html")]
    report = cb.check_in_browser(
        tmp_path, pages, None, "beamforming", widget_timeout_ms=3000
    )
    found = sorted((f.page, f.kind, f.detail[:30]) for f in report.failures)
    assert found == [
        ("nofigure.html", "widget", "widget alone has no static fig"),
        ("offline.html", "math", 'raw TeX in the text: "\\(\\lambd'),
        ("offline.html", "remote", "https://cdn.example.org/embed."),
        ("offline.html", "remote", "https://cdn.example.org/tex-ch"),
        ("offline.html", "widget", "widget output lonely is empty:"),
    ]


@pytest.mark.skipif(
    not Path(cb.CHROMIUM).exists(),
    reason=f"system Chromium not installed at {cb.CHROMIUM}",
)
def test_browser_check_finds_code_wider_than_the_column(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    (tmp_path / "search.html").write_text(_SEARCH_PAGE)
    style = "<style>pre { width: 300px; overflow-x: auto; }</style>"
    short = "x = 1"
    long = "y = " + "1 + " * 60 + "1"
    (tmp_path / "fits.html").write_text(page(cell(code=short), head=style))
    (tmp_path / "wide.html").write_text(
        page(
            cell("<pre>" + "printed " * 20 + "</pre>", code=long)
            # a hidden cell (remove-input leaves nothing; hide-input folds it) is not
            # seen by the reader
            + "<div style='display: none'>"
            + cell(code=long)
            + "</div>",
            head=style,
        )
    )
    pages = [Path("fits.html"), Path("wide.html")]
    report = cb.check_in_browser(tmp_path, pages, None, "beamforming")
    found = sorted((f.page, f.kind, f.detail[:22]) for f in report.failures)
    assert found == [
        ("wide.html", "code", "a code cell is wider t"),
        ("wide.html", "code", "a printed output is wi"),
    ]
    assert any(long[:60] in f.detail for f in report.failures)
    # main lists them as warnings, and fails on them only with --strict-code
    args = [str(tmp_path), "--search-word", "beamforming"]
    assert cb.main(args) == 0
    assert cb.main([*args, "--strict-code"]) == 1
