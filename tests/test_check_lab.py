"""The JupyterLab widget check (tools/check_lab.py) without a browser: the chapter's
copy and the image comparison. The browser run itself is `make check-lab`."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_lab  # noqa: E402


def _png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    plt.imsave(buf, a, format="png", vmin=0, vmax=1)
    return buf.getvalue()


def test_changed_share_counts_changed_pixels():
    a = np.zeros((10, 10))
    b = a.copy()
    b[:2] = 1.0  # 20 of 100 pixels
    assert check_lab.changed_share(_png(a), _png(a)) == 0.0
    assert check_lab.changed_share(_png(a), _png(b)) == pytest.approx(0.2)
    assert check_lab.changed_share(_png(a), _png(np.zeros((5, 5)))) == 1.0


def test_prepared_copy_sets_the_profile_and_drops_outputs(tmp_path):
    chapter = ROOT / "book" / "04_beamforming.ipynb"
    copy = check_lab.prepared_copy(chapter, tmp_path, "smoke")
    nb = nbformat.read(copy, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])][0]
    assert 'profile = "smoke"' in params.source.splitlines()
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "widgets.SourceExplorer(" in copy.read_text()  # the widget it drives


def test_prepared_copy_needs_a_profile_parameter(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="no parameters cell"):
        check_lab.prepared_copy(path, tmp_path, "smoke")


# markdown cells as written and as read from the page (tools/check_lab.py _MARKDOWN_JS)
# by stock JupyterLab 4.6.6 and with jupyterlab-myst 2.7.0 (measured in Chromium)
_SOURCES = [
    "The beam is {glue:text}`ch04_listen_contrast_db:.1f` dB above the leak "
    "{cite}`sanguineti2020leveraging,vantrees2002optimum`; an {term}`acoustic image`.",
    "See {doc}`02_array_geometry`.",
    "```{exercise}\n:label: ex-04-1\n\nHow many?\n```\n\n"
    "```{solution} ex-04-1\n:class: dropdown\n\nMany.\n```",
    ":::{admonition} Note\nText.\n:::",
]
_STOCK = [
    {
        "text": "The beam is {glue:text}ch04_listen_contrast_db:.1f dB above the leak "
        "{cite}sanguineti2020leveraging,vantrees2002optimum; an {term}acoustic image.",
        "fences": [],
    },
    {"text": "See {doc}02_array_geometry.", "fences": []},
    {
        "text": ":label: ex-04-1\n\nHow many?:class: dropdown\n\nMany.",
        "fences": ["language-{exercise}", "language-{solution}"],
    },
    {"text": ":::{admonition} Note\nText.\n:::", "fences": []},
]
_MYST = [
    {
        # textContent runs the elements together (the comma is drawn by CSS)
        "text": "The beam is ch04_listen_contrast_db:.1f dB above the leak "
        "sanguineti2020leveragingvantrees2002optimum; an acoustic image.",
        "fences": [],
    },
    {"text": "See 02_array_geometry.", "fences": []},
    {"text": "Exercise 1How many?Solution to Exercise\xa01Many.", "fences": []},
    {"text": "NoteText.", "fences": []},
]
_BOOK = [
    {
        "text": "The beam is 21.4 dB above the leak (Sanguineti et al., 2020; "
        "Van Trees, 2002); an acoustic image.",
        "fences": [],
    },
    {"text": "See 2. Array geometry.", "fences": []},
    _MYST[2],
    _MYST[3],
]


def test_markdown_leftovers_finds_raw_roles_and_directives():
    left = check_lab.markdown_leftovers(_SOURCES, _STOCK)
    assert len(left) == 4 and all(ln.startswith("markdown cell ") for ln in left)
    assert "raw roles {cite} {glue:text} {term}" in left[0]
    assert "glued names as text: ch04_listen_contrast_db" in left[0]
    assert "raw roles {doc}" in left[1]
    assert "raw directives ```{exercise} ```{solution}" in left[2]
    assert "raw directives :::{admonition}" in left[3]


def test_markdown_leftovers_finds_role_contents_kept_as_text():
    # an extension that drops the roles it does not know keeps their content: no
    # braces left, but the glued name stands where the number should
    left = check_lab.markdown_leftovers(_SOURCES, _MYST)
    assert len(left) == 2
    assert "raw" not in left[0]
    assert "glued names as text: ch04_listen_contrast_db" in left[0]
    assert (
        "citation keys as text: sanguineti2020leveraging, vantrees2002optimum"
        in left[0]
    )
    assert "file names as text: 02_array_geometry" in left[1]


def test_markdown_leftovers_passes_what_the_book_shows():
    assert check_lab.markdown_leftovers(_SOURCES, _BOOK) == []


def test_markdown_leftovers_reports_cells_not_rendered():
    left = check_lab.markdown_leftovers(_SOURCES, [None, *_BOOK[1:3]])
    assert left[0] == "3 markdown cells on the page, 4 in the notebook"
    assert "markdown cell 0 (The beam is" in left[1] and "not rendered" in left[1]
    assert len(left) == 2


def test_raw_role_ignores_tex_braces():
    assert not check_lab.RAW_ROLE.search(r"\mathbf{s} and \text{doc}s")
    assert check_lab.RAW_ROLE.search("{cite:t}sanguineti2020leveraging")
