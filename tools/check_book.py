#!/usr/bin/env python
"""Headless-browser check of the built HTML book (issue 2, item 6).

Usage::

    .venv/bin/python tools/check_book.py _build/html [--screenshots _build/screenshots]

What it does:

1. Serves the HTML folder on ``127.0.0.1`` (an ephemeral port, ``http.server`` in a
   thread).
2. Statically parses every book page (every ``.html`` under the folder except Sphinx
   internals: ``genindex``, ``search``, ``py-modindex`` and folders starting with ``_``)
   and checks
   * every local link (``<a href>``, stylesheets, scripts, downloads): the target file
     exists, and a ``#fragment`` names an ``id`` (or ``<a name>``) on the target page;
   * every local image (``<img src>``, ``srcset``): the file exists and is not empty;
   * no ``<script src>`` or stylesheet ``<link>`` points at another host (the book
     serves MathJax, ``_ext/local_mathjax.py``, and the widget manager,
     ``_ext/local_widgets.py``, itself).
3. Opens every page in headless Chromium -- the **system** browser ``/usr/bin/chromium``
   driven by Playwright (no browser download). Requests to any host other than the local
   server are aborted: the check runs offline, as a reader without network. It fails on
   * a script or stylesheet requested from another host (links to Binder, Colab,
     GitHub and remote images are blocked but not failures);
   * console errors that come from the book's own pages/assets on ``127.0.0.1``, and
     uncaught page errors;
   * local requests that fail or answer HTTP >= 400;
   * ``<img>`` elements pointing to local files that did not decode (``naturalWidth ==
     0``);
   * raw TeX left in the rendered text outside code (``\\(``, ``\\[``, ``$$``,
     ``\\begin{``: MathJax, served from ``_static/mathjax``, did not typeset it; the
     check waits for ``MathJax.startup.promise``) and equations typeset as errors;
   * empty widget areas: a widget output where the widget manager drew no widget once
     the page settled (the check waits up to 15 s for every widget output to fill); a
     static figure next to it does not make up for that;
   * interactive widgets (sliders, dropdowns, output areas; not progress bars) with no
     static figure of their initial state in their cell or the cell next to it;
   and saves a full-page screenshot of each page.
4. Opens ``search.html?q=WORD`` for a word taken from the book's first page (or
   ``--search-word``) and fails if the search finds nothing.

Exit status: 0 when everything passes, 1 with a list of failures, 2 on a usage error
(missing folder, no browser). A summary table (pages, links, images, failures) is always
printed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import html.parser
import http.server
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urljoin, urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}

# Pages that are Sphinx machinery rather than book content (the search page gets its own
# check).
SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}

# Words that appear on every page as theme chrome; never a good search probe.
_CHROME_WORDS = {
    "search",
    "contents",
    "previous",
    "next",
    "download",
    "binder",
    "colab",
    "launch",
    "jupyterhub",
    "repository",
    "theme",
    "content",
    "print",
    "fullscreen",
    "sidebar",
    "toggle",
    "navigation",
    "skip",
    "copyright",
    "powered",
    "jupyter",
    "notebook",
    "notebooks",
    "markdown",
    "python",
    "section",
    "chapter",
    "should",
    "these",
    "their",
    "there",
    "which",
    "where",
    "would",
    "about",
    "other",
    "while",
    "within",
    "without",
}


# --------------------------------------------------------------------------------------
# Static HTML parsing (no browser)
# --------------------------------------------------------------------------------------


@dataclass
class PageInfo:
    """What the static parser extracts from one HTML file."""

    ids: set[str] = field(default_factory=set)  # id="..." and <a name="...">
    links: list[str] = field(default_factory=list)  # <a href>, <area href>
    resources: list[str] = field(default_factory=list)  # <link href>, <script src>, ...
    # <img src>, srcset entries, <source srcset>
    images: list[str] = field(default_factory=list)
    # text inside <main>/<article> (or body)
    text: list[str] = field(default_factory=list)
    refresh: str | None = None  # target of <meta http-equiv="refresh">
    # <script src>, <link rel=stylesheet|preload|modulepreload href> on another host
    remote_assets: list[str] = field(default_factory=list)


class _Parser(html.parser.HTMLParser):
    _SKIP_TEXT = {"script", "style", "nav", "header", "footer", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.info = PageInfo()
        self._skip_depth = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if "id" in a and a["id"]:
            self.info.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.info.ids.add(a["name"])
        if tag in ("a", "area") and "href" in a:
            self.info.links.append(a["href"])
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if {
                "stylesheet",
                "icon",
                "shortcut",
                "prev",
                "next",
                "index",
                "search",
            } & set(rel) or not rel:
                self.info.resources.append(a["href"])
            if {"stylesheet", "preload", "modulepreload"} & set(rel) and is_remote(
                a["href"].strip()
            ):
                self.info.remote_assets.append(a["href"].strip())
        elif tag in ("script", "iframe", "embed", "audio", "video", "track") and a.get(
            "src"
        ):
            self.info.resources.append(a["src"])
            if tag == "script" and is_remote(a["src"].strip()):
                self.info.remote_assets.append(a["src"].strip())
        elif tag == "source":
            if a.get("src"):
                self.info.resources.append(a["src"])
            if a.get("srcset"):
                self.info.images.extend(_srcset_urls(a["srcset"]))
        elif tag == "img":
            if a.get("src"):
                self.info.images.append(a["src"])
            if a.get("srcset"):
                self.info.images.extend(_srcset_urls(a["srcset"]))
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\";]+)", a.get("content", ""), re.I)
            if m:
                self.info.refresh = m.group(1).strip()
                self.info.links.append(self.info.refresh)
        if tag in self._SKIP_TEXT:
            self._skip_depth += 1
        if tag not in _VOID:
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag in self._stack:
            while self._stack:
                top = self._stack.pop()
                if top in self._SKIP_TEXT:
                    self._skip_depth = max(0, self._skip_depth - 1)
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._skip_depth == 0 and (
            "main" in self._stack or "article" in self._stack
        ):
            self.info.text.append(data)


_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def _srcset_urls(srcset: str) -> list[str]:
    return [part.strip().split()[0] for part in srcset.split(",") if part.strip()]


def parse_html(text: str) -> PageInfo:
    """Parse one HTML document into ids, links, resources, images and main text."""
    p = _Parser()
    p.feed(text)
    p.close()
    return p.info


@functools.cache
def _parse_file(path: Path) -> PageInfo:
    return parse_html(path.read_text(encoding="utf-8", errors="replace"))


def list_pages(root: Path) -> list[Path]:
    """Every book page under ``root``: ``*.html`` except Sphinx internals (sorted,
    relative)."""
    pages = []
    for p in sorted(root.rglob("*.html")):
        rel = p.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts[:-1]):
            continue  # _static, _sources, _images, _downloads, .doctrees ...
        if len(rel.parts) == 1 and rel.name in SKIP_PAGES:
            continue
        pages.append(rel)
    return pages


def is_local(url: str) -> bool:
    """True for a relative URL or a root-relative path (not another scheme or host)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def is_remote(url: str) -> bool:
    """True for a URL on another host (``https://``, ``//host/``), not for a local path
    nor a ``data:``/``blob:`` URL."""
    return not is_local(url) and urlsplit(url).scheme not in ("data", "blob")


@dataclass
class Target:
    path: Path  # file under root (may not exist)
    fragment: str
    escapes_root: bool = False


def resolve(root: Path, page: Path, url: str) -> Target:
    """Resolve a local ``url`` found on ``page`` (relative to ``root``) to a file +
    fragment."""
    parts = urlsplit(url)
    fragment = unquote(parts.fragment)
    if not parts.path:
        return Target(root / page, fragment)
    if parts.path.startswith("/"):
        joined = PurePosixPath(unquote(parts.path).lstrip("/"))
    else:
        joined = PurePosixPath(page.parent.as_posix()) / unquote(parts.path)
    # Normalise ".." without touching the filesystem.
    out: list[str] = []
    escapes = False
    for part in joined.parts:
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            else:
                escapes = True
        else:
            out.append(part)
    target = root.joinpath(*out) if out else root
    if target.is_dir() or parts.path.endswith("/"):
        target = target / "index.html"
    return Target(target, fragment, escapes)


@dataclass
class Failure:
    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.page}: {self.detail}"


def remote_asset(url: str) -> str:
    """The failure detail of a script or stylesheet that comes from another host (the
    same words from the static and the browser check, so that one is reported once)."""
    return (
        f"{url} is a script or stylesheet from another host: the book must serve it "
        "(it works offline)"
    )


@dataclass
class StaticReport:
    links: int = 0
    images: int = 0
    failures: list[Failure] = field(default_factory=list)


def check_static(root: Path, pages: Iterable[Path]) -> StaticReport:
    """Check local links, anchors, resources and image files of ``pages`` without a
    browser."""
    root = Path(root)
    report = StaticReport()
    for page in pages:
        info = _parse_file(root / page)
        name = page.as_posix()
        for url in dict.fromkeys(info.remote_assets):
            report.failures.append(Failure(name, "remote", remote_asset(url)))
        seen: set[str] = set()
        for url in info.links + info.resources:
            url = url.strip()
            if url in seen or not url or not is_local(url):
                continue
            seen.add(url)
            if url == "#":  # theme buttons ("back to top", dropdown toggles)
                continue
            report.links += 1
            t = resolve(root, page, url)
            if t.escapes_root:
                report.failures.append(
                    Failure(name, "link", f"{url!r} points outside the book")
                )
                continue
            if not t.path.is_file():
                report.failures.append(
                    Failure(
                        name, "link", f"{url!r} -> missing file {_rel(root, t.path)}"
                    )
                )
                continue
            if t.fragment and t.path.suffix == ".html":
                ids = _parse_file(t.path).ids
                if t.fragment not in ids:
                    report.failures.append(
                        Failure(
                            name,
                            "anchor",
                            f"{url!r}: no id {t.fragment!r} on {_rel(root, t.path)}",
                        )
                    )
        for url in dict.fromkeys(u.strip() for u in info.images):
            if not url or not is_local(url) or url.startswith("data:"):
                continue
            report.images += 1
            t = resolve(root, page, url)
            if not t.path.is_file():
                report.failures.append(
                    Failure(
                        name, "image", f"{url!r} -> missing file {_rel(root, t.path)}"
                    )
                )
            elif t.path.stat().st_size == 0:
                report.failures.append(
                    Failure(
                        name, "image", f"{url!r} -> empty file {_rel(root, t.path)}"
                    )
                )
    return report


def _rel(root: Path, p: Path) -> str:
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return str(p)


def first_page(root: Path, pages: list[Path]) -> Path | None:
    """The book's landing page: where ``index.html`` redirects to, else the first
    page."""
    index = root / "index.html"
    if index.is_file():
        info = _parse_file(index)
        if info.refresh and is_local(info.refresh):
            t = resolve(root, Path("index.html"), info.refresh)
            if t.path.is_file():
                return t.path.relative_to(root)
        if info.text:
            return Path("index.html")
    return pages[0] if pages else None


def pick_search_word(text: str) -> str | None:
    """A distinctive word of ``text`` to search for: the most frequent alphabetic word
    of at least 6 letters that is not theme chrome (ties broken by first appearance)."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]{6,}", text)]
    words = [w for w in words if w not in _CHROME_WORDS]
    if not words:
        return None
    counts = collections.Counter(words)
    first = {w: i for i, w in reversed(list(enumerate(words)))}
    return max(counts, key=lambda w: (counts[w], -first[w]))


# --------------------------------------------------------------------------------------
# Checks of the rendered page (the DOM after MathJax and the widget manager ran)
# --------------------------------------------------------------------------------------

# TeX delimiters that MathJax removes when it typesets: left in the text, an equation
# shows as raw TeX (MathJax did not load, or did not process that element).
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|\\begin\{")

# Elements whose text is code or already typeset math, never prose.
_CODE_TAGS = {
    "pre",
    "code",
    "kbd",
    "samp",
    "script",
    "style",
    "textarea",
    "template",
    "mjx-container",
}
_CODE_CLASSES = {"highlight", "cell_input"}

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@dataclass
class Node:
    """One element of a parsed page: just enough DOM for the rendered-page checks."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self) -> Iterator[Node]:
        """This element and every element under it, in document order."""
        yield self
        for child in self.elements():
            yield from child.iter()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self._open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v or "") for k, v in attrs}, self._open)
        self._open.children.append(node)
        if tag not in _VOID:
            self._open = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self._open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self._open = node.parent  # closes everything left open inside it

    def handle_data(self, data: str) -> None:
        self._open.children.append(data)


def parse_tree(text: str) -> Node:
    """Parse an HTML document (e.g. Playwright's ``page.content()``) into a tree."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def _is_code(node: Node) -> bool:
    return node.tag in _CODE_TAGS or bool(node.classes & _CODE_CLASSES)


def raw_tex(document: str | Node, context: int = 30) -> list[str]:
    """Snippets of the text of ``document`` (outside code, scripts and typeset math)
    that still hold a TeX delimiter: ``\\(``, ``\\[``, ``$$`` or ``\\begin{`` (one
    snippet per run of text between two elements)."""
    root = parse_tree(document) if isinstance(document, str) else document
    hits: list[str] = []

    def walk(node: Node) -> None:
        if _is_code(node):
            return
        text = ""
        for child in node.children:
            if isinstance(child, str):
                text += child
                continue
            _scan(text)
            text = ""
            walk(child)
        _scan(text)

    def _scan(text: str) -> None:
        m = RAW_TEX.search(text)  # one snippet per run of text
        if m:
            lo, hi = max(0, m.start() - context), m.end() + context
            hits.append(" ".join(text[lo:hi].split()))

    walk(root)
    return hits


def math_errors(document: str | Node) -> list[str]:
    """The messages of equations MathJax typeset as errors (``<mjx-merror>``)."""
    root = parse_tree(document) if isinstance(document, str) else document
    return [
        " ".join((n.attrs.get("data-mjx-error") or n.text()).split())
        for n in root.iter()
        if n.tag == "mjx-merror"
    ]


def _has_widget_view(node: Node) -> bool:
    """A widget drawn by the widget manager: an element with a ``widget-*``,
    ``jupyter-widgets`` or Lumino class that holds something (and not the manager's
    error widget, drawn when a saved state cannot be shown)."""
    if any("jupyter-widgets-error-widget" in n.classes for n in node.iter()):
        return False
    for n in node.iter():
        if n.tag == "script":
            continue
        if any(
            c.startswith(("widget-", "jupyter-widgets", "lm-Widget", "p-Widget"))
            for c in n.classes
        ) and (n.elements() or n.text().strip()):
            return True
    return False


# What makes a drawn widget interactive (a reader changes its state): such a widget
# needs a static figure of its initial state. A progress bar (tqdm) does not.
_INTERACTIVE_TAGS = {"input", "select", "button", "textarea"}
_INTERACTIVE_CLASSES = {
    "widget-slider",
    "widget-dropdown",
    "widget-button",
    "widget-toggle-button",
    "widget-toggle-buttons",
    "widget-radio",
    "widget-checkbox",
    "widget-text",
    "widget-play",
    "widget-output",
}


def _is_interactive(node: Node) -> bool:
    return any(
        n.tag in _INTERACTIVE_TAGS or n.classes & _INTERACTIVE_CLASSES
        for n in node.iter()
    )


def _cell(node: Node) -> Node | None:
    return next((a for a in node.ancestors() if "cell" in a.classes), None)


def _siblings(node: Node) -> tuple[Node | None, Node | None]:
    """The element just before and just after ``node`` (None at the ends)."""
    if node.parent is None:
        return None, None
    elements = node.parent.elements()
    i = next(k for k, e in enumerate(elements) if e is node)
    before = elements[i - 1] if i > 0 else None
    after = elements[i + 1] if i + 1 < len(elements) else None
    return before, after


def _has_figure(node: Node | None) -> bool:
    """A cell whose output shows an image."""
    if node is None or "cell" not in node.classes:
        return False
    return any(
        n.tag == "img" and any("cell_output" in a.classes for a in n.ancestors())
        for n in node.iter()
    )


def _widget_views(root: Node) -> Iterator[tuple[Node, str]]:
    """Each widget output of the page (its ``widget-view+json`` script) and model id."""
    for script in root.iter():
        if script.tag == "script" and script.attrs.get("type") == WIDGET_VIEW:
            m = re.search(r'"model_id"\s*:\s*"([^"]+)"', script.text())
            yield script, (m.group(1) if m else "(no model id)")


def empty_widget_areas(document: str | Node) -> list[str]:
    """The widget outputs of ``document`` where the widget manager drew no widget (it
    did not load, e.g. from a blocked CDN, or drew its error widget in place of the
    saved state), by model id. A static figure next to it does not make up for that."""
    root = parse_tree(document) if isinstance(document, str) else document
    return [
        model
        for script, model in _widget_views(root)
        if not _has_widget_view(script.parent or root)
    ]


def widgets_without_figure(document: str | Node) -> list[str]:
    """The drawn interactive widgets (sliders, dropdowns, an output area ...) of
    ``document`` with no static figure of their initial state in their cell or the
    cell just before or after it, by model id."""
    root = parse_tree(document) if isinstance(document, str) else document
    missing: list[str] = []
    for script, model in _widget_views(root):
        area = script.parent or root
        if not (_has_widget_view(area) and _is_interactive(area)):
            continue
        cell = _cell(script)
        if cell is not None and (
            _has_figure(cell) or any(_has_figure(s) for s in _siblings(cell))
        ):
            continue
        missing.append(model)
    return missing


def check_rendered(name: str, document: str) -> list[Failure]:
    """Failures of one rendered page: raw TeX in its text, equations MathJax could not
    typeset, widget outputs that show nothing, interactive widgets without a static
    figure."""
    root = parse_tree(document)
    failures = [
        Failure(name, "math", f'raw TeX in the text: "{s}"') for s in raw_tex(root)
    ]
    failures += [
        Failure(name, "math", f'MathJax error: "{s}"') for s in math_errors(root)
    ]
    failures += [
        Failure(
            name,
            "widget",
            f"widget output {model} is empty: the widget manager drew no widget there",
        )
        for model in empty_widget_areas(root)
    ]
    failures += [
        Failure(
            name,
            "widget",
            f"widget {model} has no static figure of its initial state in its cell or "
            "the cell next to it",
        )
        for model in widgets_without_figure(root)
    ]
    return failures


# --------------------------------------------------------------------------------------
# Local server
# --------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (ephemeral port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------------------
# Browser checks
# --------------------------------------------------------------------------------------


def is_local_url(url: str) -> bool:
    """True when an absolute URL points at the local test server (or is a data:/blob:
    URL)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


@dataclass
class BrowserReport:
    pages: int = 0
    images: int = 0
    blocked: int = 0
    seconds: float = 0.0
    search_word: str | None = None
    search_hits: int | None = None
    failures: list[Failure] = field(default_factory=list)


_IMAGES_JS = """
async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(ok => {
    img.addEventListener('load', ok, {once: true});
    img.addEventListener('error', ok, {once: true});
    setTimeout(ok, 5000);
  })));
  return imgs.map(img => ({src: img.currentSrc || img.src, w: img.naturalWidth,
                           complete: img.complete}));
}
"""

# MathJax 3 typesets asynchronously: its startup promise resolves once the page's
# equations are typeset. "absent" when the page loads no MathJax (then any equation is
# left as raw TeX, which check_rendered reports).
_MATHJAX_JS = """
async (timeoutMs) => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return 'absent';
  const late = new Promise(ok => setTimeout(() => ok('timeout'), timeoutMs));
  return await Promise.race([mj.startup.promise.then(() => 'typeset'), late]);
}
"""

# The widget manager renders the saved widget state at the window's load event, in a
# "widget-subarea" next to each widget-view script: wait until every widget output holds
# a drawn widget, or the time is up ("none" when the page has no widget output). What
# is still empty then is reported by check_rendered.
#: Visible code boxes (a cell's source or printed output) wider than the column: a
#: reader would have to scroll sideways. The longest line of each, cut to 100
#: characters.
_CODE_JS = """
() => Array.from(document.querySelectorAll('div.cell_input pre, div.cell_output pre'))
  .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1)
  .map(pre => ({
    output: pre.closest('div.cell_output') !== null,
    line: pre.textContent.split('\\n')
      .reduce((a, b) => (b.length > a.length ? b : a), '').slice(0, 100),
  }))
"""

_WIDGETS_JS = """
async (timeoutMs) => {
  const views = Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]'));
  if (!views.length) return 'none';
  const drawn = () => views.every(s => s.parentElement && s.parentElement.querySelector(
    '.widget-subarea > *, .jupyter-widgets > *, .lm-Widget > *'));
  const t0 = Date.now();
  while (!drawn()) {
    if (Date.now() - t0 > timeoutMs) return 'timeout';
    await new Promise(ok => setTimeout(ok, 100));
  }
  await new Promise(ok => setTimeout(ok, 300));  // the widgets' own layout passes
  return 'drawn';
}
"""

_SEARCH_DONE_JS = """
() => {
  const box = document.querySelector('#search-results');
  if (!box) return false;
  if (box.querySelectorAll('ul.search li').length > 0) return true;
  const text = box.innerText || '';
  return /finished|did not match|found \\d|no results/i.test(text);
}
"""

_SEARCH_COUNT_JS = (
    "() => document.querySelectorAll('#search-results ul.search li').length"
)


def launch_browser(playwright, executable: str = CHROMIUM):  # type: ignore[no-untyped-def]
    """Launch the system Chromium headless with the project's fixed arguments."""
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )


def screenshot_name(page: Path) -> str:
    return page.with_suffix("").as_posix().replace("/", "__") + ".png"


def check_in_browser(
    root: Path,
    pages: list[Path],
    screenshots: Path | None,
    search_word: str | None,
    executable: str = CHROMIUM,
    timeout_ms: int = 30000,
    widget_timeout_ms: int = 15000,
) -> BrowserReport:
    """Open every page (and the search page) in headless Chromium and collect
    failures."""
    from playwright.sync_api import sync_playwright

    report = BrowserReport(search_word=search_word)
    t0 = time.perf_counter()
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
    with serve(root) as base, sync_playwright() as pw:
        browser = launch_browser(pw, executable)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, service_workers="block"
        )

        def route(r):  # type: ignore[no-untyped-def]
            if is_local_url(r.request.url):
                r.continue_()
            else:
                report.blocked += 1
                if r.request.resource_type in ("script", "stylesheet"):
                    report.failures.append(
                        Failure(current["name"], "remote", remote_asset(r.request.url))
                    )
                r.abort("blockedbyclient")

        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        current: dict[str, str] = {"name": ""}
        blocked_urls: set[str] = set()

        def on_console(msg):  # type: ignore[no-untyped-def]
            if msg.type != "error":
                return
            loc = (msg.location or {}).get("url", "") or ""
            if loc and not is_local_url(loc):
                return  # message about (or from) a blocked external resource
            text = msg.text
            if "net::ERR_BLOCKED_BY_CLIENT" in text and (
                not loc or loc in blocked_urls
            ):
                return
            report.failures.append(
                Failure(current["name"], "console", f"{text} (at {loc or 'unknown'})")
            )

        def on_pageerror(err):  # type: ignore[no-untyped-def]
            report.failures.append(Failure(current["name"], "pageerror", str(err)))

        def on_requestfailed(req):  # type: ignore[no-untyped-def]
            if not is_local_url(req.url):
                blocked_urls.add(req.url)
                return
            report.failures.append(
                Failure(current["name"], "request", f"{req.url} failed: {req.failure}")
            )

        def on_response(resp):  # type: ignore[no-untyped-def]
            if is_local_url(resp.url) and resp.status >= 400:
                report.failures.append(
                    Failure(
                        current["name"], "request", f"{resp.url} -> HTTP {resp.status}"
                    )
                )

        page.on("console", on_console)
        page.on("pageerror", on_pageerror)
        page.on("requestfailed", on_requestfailed)
        page.on("response", on_response)

        for rel in pages:
            name = current["name"] = rel.as_posix()
            t_page = time.perf_counter()
            n_failures = len(report.failures)
            url = urljoin(base, rel.as_posix())
            try:
                page.goto(url, wait_until="load")
                with contextlib.suppress(Exception):
                    page.wait_for_load_state("networkidle", timeout=5000)
                images = _evaluate_settled(page, _IMAGES_JS)
                mathjax = _evaluate_settled(page, _MATHJAX_JS, timeout_ms // 2)
                _evaluate_settled(page, _WIDGETS_JS, widget_timeout_ms)
                wide = _evaluate_settled(page, _CODE_JS)
                rendered = _evaluate_settled(page, None)
            except Exception as exc:  # noqa: BLE001 - report any navigation failure
                report.failures.append(
                    Failure(name, "load", f"{type(exc).__name__}: {exc}")
                )
                continue
            report.pages += 1
            if mathjax == "timeout":
                report.failures.append(
                    Failure(name, "math", "MathJax did not finish typesetting")
                )
            report.failures += check_rendered(name, rendered)
            for box in wide or []:
                what = "printed output" if box["output"] else "code cell"
                report.failures.append(
                    Failure(
                        name,
                        "code",
                        f"a {what} is wider than the column (scrolls sideways); its "
                        f"longest line: {box['line']!r}",
                    )
                )
            for img in images:
                src = img["src"]
                if not src or not is_local_url(src) or src.startswith("data:"):
                    continue
                report.images += 1
                if img["w"] == 0 and not _svg_ok(root, base, src):
                    report.failures.append(
                        Failure(name, "image", f"{src} did not load (naturalWidth 0)")
                    )
            if screenshots is not None:
                try:
                    page.screenshot(
                        path=str(screenshots / screenshot_name(rel)),
                        full_page=True,
                        animations="disabled",
                    )
                except Exception as exc:  # noqa: BLE001
                    report.failures.append(Failure(name, "screenshot", str(exc)))
            status = "ok" if len(report.failures) == n_failures else "FAIL"
            print(
                f"  {status:<4} {time.perf_counter() - t_page:5.1f} s  {name}",
                flush=True,
            )

        # Search page.
        current["name"] = "search.html"
        if not (root / "search.html").is_file():
            report.failures.append(
                Failure("search.html", "search", "no search.html in the book")
            )
        elif not search_word:
            report.failures.append(
                Failure("search.html", "search", "could not pick a word to search for")
            )
        else:
            url = urljoin(base, f"search.html?q={quote(search_word)}")
            try:
                page.goto(url, wait_until="load")
                page.wait_for_function(_SEARCH_DONE_JS, timeout=timeout_ms)
                report.search_hits = page.evaluate(_SEARCH_COUNT_JS)
                if screenshots is not None:
                    page.screenshot(
                        path=str(screenshots / "search.png"), full_page=True
                    )
            except Exception as exc:  # noqa: BLE001
                report.failures.append(
                    Failure(
                        "search.html",
                        "search",
                        f"search for {search_word!r} did not finish: "
                        f"{type(exc).__name__}: {exc}".splitlines()[0],
                    )
                )
            else:
                if not report.search_hits:
                    report.failures.append(
                        Failure(
                            "search.html",
                            "search",
                            f"searching for {search_word!r} (a word of the book) found "
                            f"no page",
                        )
                    )
        context.close()
        browser.close()
    report.seconds = time.perf_counter() - t0
    return report


def _evaluate_settled(page, script: str | None, arg: object = None):  # type: ignore[no-untyped-def]
    """Evaluate ``script`` (with ``arg``; ``script=None``: read the page's HTML),
    retrying if a redirect (index.html's meta refresh) replaced the document while it
    ran."""
    for attempt in range(3):
        try:
            return page.content() if script is None else page.evaluate(script, arg)
        except Exception as exc:  # noqa: BLE001
            if attempt == 2 or not any(
                s in str(exc) for s in ("context was destroyed", "is navigating")
            ):
                raise
            with contextlib.suppress(Exception):
                page.wait_for_load_state("load")
    return None  # unreachable


def _svg_ok(root: Path, base: str, src: str) -> bool:
    """An SVG without intrinsic size reports naturalWidth 0 in Chromium; accept a
    non-empty file."""
    path = urlsplit(src).path
    if not path.lower().endswith(".svg"):
        return False
    f = root / unquote(path).lstrip("/")
    return f.is_file() and f.stat().st_size > 0


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def summary_table(rows: list[tuple[str, object]]) -> str:
    width = max(len(k) for k, _ in rows)
    lines = [f"{'check':<{width}}  value", f"{'-' * width}  -----"]
    lines += [f"{k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html", type=Path, help="built HTML folder, e.g. _build/html")
    ap.add_argument(
        "--screenshots",
        type=Path,
        default=None,
        help="folder for full-page screenshots (e.g. _build/screenshots)",
    )
    ap.add_argument(
        "--search-word",
        default=None,
        help="word to search for (default: picked from the book's first page)",
    )
    ap.add_argument(
        "--browser", default=CHROMIUM, help=f"Chromium binary (default {CHROMIUM})"
    )
    ap.add_argument(
        "--no-browser",
        action="store_true",
        help="only the static link/anchor/image checks",
    )
    ap.add_argument(
        "--strict-code",
        action="store_true",
        help="fail on code boxes wider than the column (default: list them as "
        "warnings; the chapters still print some lines over 88 characters)",
    )
    args = ap.parse_args(argv)

    root: Path = args.html.resolve()
    if not (root / "index.html").is_file() and not any(root.glob("*.html")):
        print(
            f"check_book: {args.html} is not a built HTML book (no .html files)",
            file=sys.stderr,
        )
        return 2
    pages = list_pages(root)
    landing = first_page(root, pages)
    word = args.search_word
    if word is None and landing is not None:
        word = pick_search_word(" ".join(_parse_file(root / landing).text))

    static = check_static(root, pages)
    failures = list(static.failures)
    browser: BrowserReport | None = None
    if not args.no_browser:
        if not (os.access(args.browser, os.X_OK) or shutil.which(args.browser)):
            print(
                f"check_book: no browser at {args.browser}; install Debian 'chromium' "
                "(tools/install_chromium.sh) or pass --no-browser",
                file=sys.stderr,
            )
            return 2
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            print(
                "check_book: Playwright for Python is not installed in this "
                "environment "
                "(it is in requirements.txt; run make venv)",
                file=sys.stderr,
            )
            return 2
        if args.screenshots is not None and args.screenshots.is_dir():
            for old in args.screenshots.glob("*.png"):  # stale shots of removed pages
                old.unlink()
        browser = check_in_browser(root, pages, args.screenshots, word, args.browser)
        failures += browser.failures
    # a remote <script src> is found by both checks: report it once
    failures = list({(f.page, f.kind, f.detail): f for f in failures}.values())
    warnings: list[Failure] = []
    if not args.strict_code:
        warnings = [f for f in failures if f.kind == "code"]
        failures = [f for f in failures if f.kind != "code"]

    rows: list[tuple[str, object]] = [
        ("pages", len(pages)),
        ("links checked", static.links),
        ("images checked (files)", static.images),
    ]
    if browser is not None:
        rows += [
            ("pages opened in browser", browser.pages),
            ("images checked (rendered)", browser.images),
            ("external requests blocked", browser.blocked),
            ("search", f"{browser.search_word!r} -> {browser.search_hits} result(s)"),
            ("browser time", f"{browser.seconds:.1f} s"),
        ]
        if args.screenshots is not None:
            rows.append(("screenshots", str(args.screenshots)))
    rows.append(("code boxes wider than the column", len(warnings)))
    rows.append(("failures", len(failures)))
    print(summary_table(rows))
    if warnings:
        print(f"\n{len(warnings)} code box(es) scroll sideways (--strict-code fails):")
        for f in warnings:
            print(f"  {f}")
    if failures:
        print(f"\nFAILED: {len(failures)} problem(s) in {args.html}:")
        for f in failures:
            print(f"  {f}")
        return 1
    print(f"\nOK: {args.html} passed the book check.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
