"""The reference pages (issue 26): the API reference that ``_ext/api_reference.py``
writes from the docstrings when the book is built, and the glossary that the chapters'
``{term}`` roles point to. Files are parsed; no HTML is built."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import api_reference  # noqa: E402

REFERENCE_PAGES = sorted((ROOT / "book" / "reference").glob("*.rst"))
GLOSSARY = ROOT / "book" / "glossary.md"


def documented_modules() -> list[str]:
    """The modules that the reference pages document, in page order."""
    modules = []
    for page in REFERENCE_PAGES:
        modules += re.findall(r"^\.\. acousticlib-api:: (\S+)$", page.read_text(), re.M)
    return modules


MODULES = documented_modules()


def test_reference_pages_are_in_the_reference_part_of_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    parts = [part["caption"] for part in toc["parts"]]
    assert parts[-1] == "Reference" and parts.index("Appendix") == len(parts) - 2
    files = {entry["file"] for entry in toc["parts"][-1]["chapters"]}
    assert "book/glossary" in files
    assert {f"book/reference/{p.stem}" for p in REFERENCE_PAGES} <= files
    assert REFERENCE_PAGES, "no reference page under book/reference/"


def test_every_module_with_an_all_is_documented_once():
    assert len(MODULES) == len(set(MODULES)), "a module documented twice"
    import acousticlib

    expected = {"acousticlib"}
    for info in pkgutil.iter_modules(acousticlib.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"acousticlib.{info.name}")
        if hasattr(module, "__all__"):
            expected.add(f"acousticlib.{info.name}")  # alias modules by this name
    missing = expected - set(MODULES)
    assert not missing, f"modules with __all__ missing from the reference: {missing}"


@pytest.mark.parametrize("modname", MODULES)
def test_every_public_name_has_a_docstring_and_an_entry(modname):
    module = importlib.import_module(modname)
    names = api_reference.public_names(modname)
    assert names, f"{modname} exports nothing"
    if hasattr(module, "__all__"):
        assert names == list(module.__all__)
    rst = "\n".join(api_reference.reference_rst(modname))
    entries = re.findall(
        r"^\.\. (?:autofunction|autoclass|py:data):: (\S+)$", rst, flags=re.M
    )
    assert sorted(entries) == sorted(f"{modname}.{name}" for name in names)
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (inspect.getdoc(obj) or "").strip(), (
                f"{modname}.{name}: no docstring"
            )
    # the autosummary table lists the functions and classes
    table = rst.split(".. autosummary::", 1)[1].split("\n\n.. ", 1)[0]
    for entry in entries:
        obj = getattr(module, entry.rsplit(".", 1)[1])
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert f"   {entry.rsplit('.', 1)[1]}\n" in table + "\n"


def test_a_module_without_all_exports_what_it_defines_and_documents():
    names = api_reference.public_names("acousticlib.features")
    assert "energy_map" in names and "P_REF" in names and "MEL_FLOOR" in names
    assert not any(n.startswith("_") for n in names)
    assert "as_array" not in names  # imported from _checks, not defined there
    assert "np" not in names


def test_chapters_named_reads_ranges_lists_and_the_appendix():
    read = api_reference.chapters_named
    assert read("Chapter 05's energy map") == ["05"]
    assert read("(chapters 09-12; ch. 07)") == ["09", "10", "11", "12", "07"]
    assert read("chapters 06 and 11, then the appendix") == ["06", "11", "appendix"]
    assert read("no chapter here, 12 frames") == []


def test_taught_in_links_the_chapters_that_exist():
    docs = api_reference.chapter_docs(ROOT)
    assert docs["05"] == "book/05_mfcc_compression_and_energy"
    assert docs["appendix"] == "book/appendix_reproducing_the_papers"
    line = api_reference.taught_in(["05", "99"], docs)
    assert ":doc:`chapter 05 </book/05_mfcc_compression_and_energy>`" in line
    assert "chapter 99" in line and "</book/99" not in line
    rst = "\n".join(api_reference.reference_rst("acousticlib.features", docs))
    assert "*Taught in* :doc:`chapter 05 " in rst


def test_lookup_reads_names_as_python_does():
    lookup, missing = api_reference.lookup, api_reference._MISSING
    from acousticlib import sounds

    assert lookup("CLASSES", "acousticlib.scenes") is sounds.CLASSES
    assert lookup("acousticlib.geometry.MicArray") is not missing
    assert lookup("np.ndarray", "acousticlib.features") is not missing
    assert lookup("no_such_name", "acousticlib.features") is missing
    assert lookup("acousticlib.no_such_module.f") is missing


# -- glossary ------------------------------------------------------------------------


def glossary_terms() -> dict[str, str]:
    """``{term (lower case): its definition}`` from the ``{glossary}`` block; terms
    on consecutive lines share the definition indented under them."""
    text = GLOSSARY.read_text()
    block = re.search(r"^:::\{glossary\}\n(.*?)^:::$", text, flags=re.M | re.S)
    assert block, "book/glossary.md has no {glossary} block"
    terms: dict[str, str] = {}
    group: list[str] = []
    defined = False
    for line in block.group(1).splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line.startswith(" "):
            for term in group:
                terms[term] += line.strip() + " "
            defined = True
        else:
            if defined:
                group, defined = [], False
            group.append(line.strip().lower())
            terms[group[-1]] = ""
    return terms


def markdown_sources() -> dict[str, str]:
    """The book's markdown: every markdown cell of every notebook, and the .md and
    .rst pages."""
    out = {}
    for path in sorted((ROOT / "book").rglob("*")):
        if "_executed" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            out[path.name] = "\n".join(
                "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
            )
        elif path.suffix in (".md", ".rst"):
            out[path.name] = path.read_text()
    return out


def terms_used(text: str) -> list[str]:
    uses = re.findall(r"\{term\}`([^`]*)`", text) + re.findall(r":term:`([^`]*)`", text)
    out = []
    for use in uses:
        explicit = re.fullmatch(r".*<(.+)>", use, flags=re.S)
        out.append((explicit.group(1) if explicit else use).strip().lower())
    return out


REQUIRED_TERMS = """array, aperture, steering, beam pattern, main lobe, grating lobe,
delay-and-sum, acoustic image, MFCC, c0, lifter, energy map, SNR, RT60, U-VAE, ELBO,
AU-VAE, MCGAN, GAN-train, GAN-test, tiled MFCC, DualCamNet, HearNet, triplet loss, kNN,
CMC, Recall@k, cIoU, AUC, array-free domain, visual-stream swap, VGGish,
log-mel spectrogram"""


def test_glossary_defines_the_books_terms_each_with_its_chapter():
    terms = glossary_terms()
    for term in REQUIRED_TERMS.replace("\n", " ").split(", "):
        assert term.lower() in terms, f"the glossary does not define {term!r}"
    docs = {p.stem for p in (ROOT / "book").glob("*") if p.suffix in (".ipynb", ".md")}
    listed = set(re.findall(r"file: book/(\S+)", (ROOT / "_toc.yml").read_text()))
    for term, definition in terms.items():
        assert definition.strip(), f"glossary entry {term!r} has no definition"
        linked = re.findall(r"\{doc\}`([^`<]+)`", definition)
        assert linked, f"glossary entry {term!r} names no chapter"
        for doc in linked:
            assert doc in listed and doc in docs, f"{term!r} links {doc}, not a page"


def test_every_term_used_in_the_book_is_defined():
    terms = glossary_terms()
    for name, text in markdown_sources().items():
        undefined = set(terms_used(text)) - set(terms)
        assert not undefined, f"{name} uses undefined terms {sorted(undefined)}"


@pytest.mark.parametrize("number", [f"{n:02d}" for n in range(1, 14)])
def test_each_chapter_links_a_term(number):
    (path,) = (ROOT / "book").glob(f"{number}_*.ipynb")
    assert terms_used(markdown_sources()[path.name]), f"{path.name} links no term"


def test_a_page_depends_on_every_file_its_module_shows():
    files = {
        Path(f).relative_to(ROOT).as_posix()
        for f in api_reference.source_files("acousticlib.metrics")
    }
    assert "acousticlib/metrics/__init__.py" in files
    assert "acousticlib/metrics/retrieval.py" in files  # cmc, recall_at_k live there
    assert "acousticlib/features.py" in files  # box_mask, re-exported by metrics
