#!/usr/bin/env python
"""The book's widgets in JupyterLab, in a real browser (issue 26).

Usage::

    .venv/bin/python tools/check_lab.py [--notebook book/04_beamforming.ipynb]
        [--profile smoke] [--screenshots _build/screenshots] [--timeout 600]
        [--markdown]

1. Copies the chapter into a temporary folder, its ``profile`` parameter set (``smoke``
   by default: the same widgets, on small data, in seconds).
2. Starts JupyterLab on ``127.0.0.1`` (an ephemeral port, a random token, no browser),
   with the environment's kernel.
3. Opens the notebook in headless Chromium (the system ``/usr/bin/chromium``, driven by
   Playwright as ``tools/check_book.py`` does), runs all cells from the Run menu and
   waits until no cell is running.
4. Finds the source explorer (the widget with the "x (m)" slider), screenshots its
   acoustic image, types a new source position into the slider's readout, waits for the
   image to be redrawn and screenshots it again.
5. With ``--markdown`` (the issue "readable in JupyterLab too"), also reads every
   rendered markdown cell of the run chapter from the page and fails when one still
   shows its MyST source instead of what the HTML book shows (``markdown_leftovers``):
   a raw role (``{glue:text}``, ``{cite}``, ``{term}``, ``{doc}``, ...) or directive
   (```` ```{exercise} ````, ``:::{admonition}``), or, where a renderer drops a role it
   does not know and keeps its content, a glued value's name in place of the value, a
   citation key in place of the reference or a chapter's file name in place of its
   title. Screenshot of the first such cell: ``lab_<chapter>_markdown.png``.

Fails (exit 1) when a cell shows an error, when the widget does not appear (the widget
manager did not load) or when the image does not change after the source moves.
Screenshots: ``lab_<chapter>_before.png``, ``lab_<chapter>_after.png`` and the whole
page, ``lab_<chapter>_page.png``. Exit 2 when Chromium or JupyterLab is missing.

JupyterLab's own markdown renderer (4.6.6) shows every MyST role and directive raw, so
``--markdown`` fails on chapter 04 (15 of its 22 markdown cells) and on every chapter
that uses ``{glue:text}`` (all of them); with the jupyterlab-myst extension (2.7.0) the
directives, ``{term}`` and its own ``{eval}`` render, but ``{glue:text}`` shows the
glued name instead of the value, ``{cite}`` the key and ``{doc}`` the file name, so it
fails too (14 of 22 cells of chapter 04). To try a renderer
without installing it into the environment, put it on ``JUPYTER_PATH`` (and its Python
package on ``PYTHONPATH``): the server started here inherits the environment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from check_book import CHROMIUM, launch_browser  # noqa: E402

#: share of the image's pixels that must change when the source moves (its blob moves
#: across the frame and the spectrum's title changes: 24 % in chapter 04)
MIN_CHANGE = 0.01
_RUNNING_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && !prompts.some(p => p.textContent.includes('*'))
    && prompts.some(p => /\\[\\d+\\]/.test(p.textContent));
}"""


#: a MyST role left raw in rendered text: its name in braces (the backticks around its
#: content become a code span or vanish), not a TeX argument such as ``\text{doc}``
RAW_ROLE = re.compile(
    r"(?<![A-Za-z\\])\{(?:glue(?::\w+)?|cite(?::\w+)?|term|doc|ref|numref|eq|download|eval|abbr)\}"
)
#: a MyST directive left raw in rendered text (a ``:::`` fence is not CommonMark)
RAW_DIRECTIVE = re.compile(r"(?:```|:::)\{[\w:-]+\}")
_GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)[^`]*`")
_CITE_ROLE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
_DOC_ROLE = re.compile(r"\{doc\}`([^`<]+?)`")
#: the rendered markdown cells, in order: the text a reader sees (math, its assistive
#: copies and heading anchors dropped) and the info strings of code blocks whose
#: language is a directive (```{exercise} rendered as a code block); null for a cell
#: that is not rendered. Stock JupyterLab renders into .jp-MarkdownOutput,
#: jupyterlab-myst into .myst
_MARKDOWN_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')]
  .map(cell => {
    const r = cell.querySelector('.jp-MarkdownOutput')
      || cell.querySelector('.jp-InputArea .myst');
    if (!r) return null;
    const c = r.cloneNode(true);
    c.querySelectorAll(
      'mjx-container, .katex, annotation, script, .jp-InternalAnchorLink'
    ).forEach(e => e.remove());
    const fences = [...r.querySelectorAll('code[class*="language-{"]')]
      .map(e => [...e.classList].find(k => k.startsWith('language-{')));
    return {text: c.textContent, fences: fences};
  })"""


def markdown_leftovers(sources: list[str], rendered: list[dict | None]) -> list[str]:
    """What the rendered markdown cells still show of their MyST source, one line per
    cell that shows any: raw roles and directives, and the contents of roles that a
    renderer dropped and kept as plain text (a glued value's name instead of its value,
    a citation key instead of the reference, a file name instead of a chapter's title).

    ``sources``: the markdown cells' sources, in order; ``rendered``: for each, the
    ``{"text", "fences"}`` read from the page (``_MARKDOWN_JS``), or None when the
    cell was not rendered."""
    out = []
    if len(rendered) != len(sources):
        out.append(f"{len(rendered)} markdown cells on the page, {len(sources)} in the "
                   "notebook")  # fmt: skip
    for i, (src, cell) in enumerate(zip(sources, rendered, strict=False)):
        title = src.strip().splitlines()[0][:50] if src.strip() else ""
        if cell is None:
            out.append(f"markdown cell {i} ({title}) is not rendered")
            continue
        text, found = cell["text"], []
        roles = sorted(set(RAW_ROLE.findall(text)))
        directives = sorted(
            set(RAW_DIRECTIVE.findall(text))
            | {"```" + f.removeprefix("language-") for f in cell.get("fences", [])}
        )
        if roles:
            found.append("raw roles " + " ".join(roles))
        if directives:
            found.append("raw directives " + " ".join(directives))
        shown = {
            "glued names": {m for m in _GLUE_ROLE.findall(src)},
            "citation keys": {
                k.strip() for m in _CITE_ROLE.findall(src) for k in m.split(",")
            },
            "file names": {m.strip() for m in _DOC_ROLE.findall(src)},
        }
        for what, names in shown.items():
            # substrings: textContent runs neighbouring elements together
            # ("…unsupervised36 × 48", "m" + "ch04_n_mics"), and the names are unique
            seen = sorted(n for n in names if n in text)
            if seen:
                found.append(f"{what} as text: " + ", ".join(seen))
        if found:
            out.append(f"markdown cell {i} ({title}): " + "; ".join(found))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def changed_share(before: bytes, after: bytes) -> float:
    """Share of the pixels that differ between two PNG screenshots of one element (1.0
    when their sizes differ)."""
    import io

    import matplotlib.image as mpimg
    import numpy as np

    a, b = (mpimg.imread(io.BytesIO(x), format="png") for x in (before, after))
    if a.shape != b.shape:
        return 1.0
    return float(np.mean(np.abs(a - b).max(axis=-1) > 0.05))


def prepared_copy(notebook: Path, folder: Path, profile: str) -> Path:
    """The chapter copied into ``folder`` with ``profile = "<profile>"`` in its
    parameters cell and no stored outputs."""
    nb = nbformat.read(notebook, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not params or 'profile = "' not in params[0].source:
        raise ValueError(f"{notebook.name} has no parameters cell setting profile")
    lines = params[0].source.splitlines()
    params[0].source = "\n".join(
        f'profile = "{profile}"' if ln.startswith("profile = ") else ln for ln in lines
    )
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    out = folder / notebook.name
    nbformat.write(nb, out)
    return out


@contextlib.contextmanager
def jupyterlab(folder: Path, timeout: float = 120.0):
    """A JupyterLab server on 127.0.0.1 serving ``folder``: yields (base URL, token)."""
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False",
        "--LabApp.news_url=",
        # fresh settings and workspace: nothing restored from earlier sessions
        f"--LabApp.workspaces_dir={folder / '.lab' / 'workspaces'}",
        f"--LabApp.user_settings_dir={folder / '.lab' / 'settings'}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    log = open(folder / "jupyterlab.log", "w")  # closed in the finally below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(
                    f"{base}/api/status?token={token}", timeout=5
                ):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() - t0 > timeout:
                    raise RuntimeError(
                        "JupyterLab did not start:\n"
                        + (folder / "jupyterlab.log").read_text()
                    ) from None
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def check(notebook: Path, profile: str, screenshots: Path, timeout: float,
          executable: str = CHROMIUM, markdown: bool = False) -> list[str]:  # fmt: skip
    """Run the chapter in JupyterLab in a browser and move the source; the failures.
    ``markdown``: also fail on MyST source left in the rendered markdown cells."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    stem = notebook.stem[:2]
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = prepared_copy(notebook, Path(tmp), profile)
        with jupyterlab(Path(tmp)) as (base, token), sync_playwright() as pw:
            browser = launch_browser(pw, executable)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            t0 = time.monotonic()

            def step(what: str) -> None:
                print(f"  {time.monotonic() - t0:5.0f} s  {what}", flush=True)

            page.goto(f"{base}/lab/tree/{copy.name}?reset&token={token}")
            page.locator(".jp-Notebook").first.wait_for()
            step("notebook open")
            # the kernel is ready when the status bar says Idle
            page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(
                timeout=120_000
            )
            step("kernel idle")
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            step("run all cells")
            try:
                page.wait_for_function(
                    _RUNNING_JS, timeout=timeout * 1000, polling=1000
                )
            except Exception:  # playwright's TimeoutError
                page.screenshot(path=screenshots / f"lab_{stem}_page.png")
                return [f"the chapter did not finish running within {timeout:g} s"]
            step("every cell ran")
            errors = page.locator(".jp-OutputArea-output[data-mime-type*='error']")
            if errors.count():
                first = errors.first.inner_text()[:300]
                failures.append(f"{errors.count()} cell(s) raised: {first}")
            if markdown:
                time.sleep(2.0)  # let the last renders settle
                sources = [
                    c.source
                    for c in nbformat.read(copy, as_version=4).cells
                    if c.cell_type == "markdown"
                ]
                left = markdown_leftovers(sources, page.evaluate(_MARKDOWN_JS))
                bad = [ln for ln in left if ln.startswith("markdown cell ")]
                step(f"{len(sources)} markdown cells read, {len(bad)} show MyST source")
                if bad:
                    first = int(bad[0].split()[2])
                    cell = page.locator(".jp-Notebook .jp-MarkdownCell").nth(first)
                    with contextlib.suppress(Exception):
                        cell.scroll_into_view_if_needed()
                        cell.screenshot(path=screenshots / f"lab_{stem}_markdown.png")
                failures += left
            slider = page.locator(".widget-slider", has_text="x (m)").first
            try:
                slider.wait_for(timeout=30_000)
            except Exception:  # playwright's TimeoutError
                page.screenshot(
                    path=screenshots / f"lab_{stem}_page.png", full_page=False
                )
                return [*failures, "the source explorer's x slider did not appear"]
            box = slider.locator(
                "xpath=ancestor::div[contains(@class,'widget-vbox')][1]"
            )
            image = box.locator(".widget-image").first
            with contextlib.suppress(Exception):  # JupyterLab's news question, if asked
                toast = page.locator(".Toastify__toast", has_text="Jupyter news")
                toast.get_by_role("button", name="No", exact=True).click(timeout=3_000)
            image.scroll_into_view_if_needed()
            image.wait_for()
            time.sleep(1.0)
            before = image.screenshot(path=screenshots / f"lab_{stem}_before.png")
            readout = slider.locator(".widget-readout").first
            old = readout.inner_text()
            new = "-0.3" if not old.strip().startswith("-") else "0.3"
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(new)
            page.keyboard.press("Enter")
            step(f"x set from {old} to {new}")
            after = before
            t1 = time.monotonic()
            while time.monotonic() - t1 < 60:  # the kernel recomputes, then redraws
                time.sleep(1.0)
                after = image.screenshot()
                if changed_share(before, after) > MIN_CHANGE:
                    time.sleep(1.0)  # let the new frame settle
                    after = image.screenshot()
                    break
            (screenshots / f"lab_{stem}_after.png").write_bytes(after)
            page.screenshot(path=screenshots / f"lab_{stem}_page.png")
            if readout.inner_text().strip() in (old.strip(), ""):
                failures.append(
                    f"the x readout did not take the new value ({old!r} stays)"
                )
            share = changed_share(before, after)
            step(f"{share:.0%} of the widget's image changed")
            if share <= MIN_CHANGE:
                failures.append(
                    "the acoustic image did not change after the source moved "
                    f"({share:.1%} of its pixels differ)"
                )
            browser.close()
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--notebook", type=Path, default=ROOT / "book" / "04_beamforming.ipynb"
    )
    ap.add_argument("--profile", default="smoke")
    ap.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    ap.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to run the chapter"
    )
    ap.add_argument("--chromium", default=CHROMIUM)
    ap.add_argument(
        "--markdown",
        action="store_true",
        help="also fail when a rendered markdown cell shows MyST source",
    )
    a = ap.parse_args(argv)
    if not Path(a.chromium).exists() or shutil.which(a.chromium) is None:
        print(f"no browser at {a.chromium}: `make chromium` installs Debian's chromium")
        return 2
    t0 = time.perf_counter()
    failures = check(
        a.notebook, a.profile, a.screenshots, a.timeout, a.chromium, a.markdown
    )
    took = time.perf_counter() - t0
    for f in failures:
        print(f"FAIL {a.notebook.name}: {f}")
    verdict = "failed" if failures else "passed"
    print(f"JupyterLab widget check of {a.notebook.name} {verdict} in {took:.0f} s; "
          f"screenshots in {a.screenshots}")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
