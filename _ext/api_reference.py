"""The API reference of ``acousticlib``, generated from the code at build time
(issue 26).

A reference page (``book/reference/*.rst``) names modules, one directive each::

    .. acousticlib-api:: acousticlib.features

and the directive writes, when the page is read, what the module exports today:

* an autosummary table of its public functions and classes, then one ``autofunction``
  / ``autoclass`` entry each with its docstring (a class with its public methods and
  properties that have docstrings), followed by "Taught in" and a link to
  every chapter the docstring names ("chapter 05", "chapters 09-12", "the appendix");
  a docstring that names none falls back on its module's docstring;
* its public constants as ``py:data`` entries with their ``#:`` comment.

The public names are the module's ``__all__``; a module without ``__all__`` exports
the functions and classes it defines and the constants it documents with ``#:``
(:func:`public_names`). Nothing is written to disk, so the reference cannot go stale.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

# "chapter 05", "chapters 09-12", "chapters 06 and 11", "ch. 12"; and "appendix"
_CHAPTER = re.compile(
    r"\b(?:chapters?|ch\.)\s+(\d{2}(?:\s*(?:-|\u2013|,|and|or|to)\s*\d{2})*)"
    r"|\b(appendix)\b",
    re.IGNORECASE,
)
_RANGE = re.compile(r"(\d{2})\s*(?:(?:-|\u2013|to)\s*(\d{2}))?")


def _defined_here(module: types.ModuleType, obj: object) -> bool:
    return getattr(obj, "__module__", None) == module.__name__


def _attr_docs(modname: str) -> dict[str, str]:
    """``#:`` comments of a module's top-level names, ``{}`` when it has no source."""
    try:
        analyzer = ModuleAnalyzer.for_module(modname)
        docs = analyzer.find_attr_docs()
    except Exception:  # noqa: BLE001 -- no source, nothing documented
        return {}
    return {
        name: "\n".join(lines).strip() for (ns, name), lines in docs.items() if not ns
    }


def public_names(modname: str) -> list[str]:
    """The public names of a module: its ``__all__``, or else the functions and classes
    it defines and the constants it documents with ``#:``, in source order."""
    module = importlib.import_module(modname)
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return list(exported)
    documented = _attr_docs(modname)
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and _defined_here(
            module, obj
        ):
            names.append(name)
        elif name in documented and not inspect.ismodule(obj):
            names.append(name)
    return names


def constant_doc(modname: str, name: str) -> str:
    """The ``#:`` comment of a constant, looked up in the module and in the acousticlib
    modules it imports (a package re-exports the constants of its parts)."""
    module = importlib.import_module(modname)
    seen = [modname]
    seen += [
        m.__name__
        for m in vars(module).values()
        if inspect.ismodule(m) and m.__name__.startswith("acousticlib")
    ]
    prefix = modname + "."
    seen += sorted(m for m in _loaded() if m.startswith(prefix) and m not in seen)
    for candidate in seen:
        doc = _attr_docs(candidate).get(name)
        if doc:
            return doc
    return ""


def _loaded() -> list[str]:
    return [m for m in list(sys.modules) if m.startswith("acousticlib")]


def chapters_named(text: str) -> list[str]:
    """The chapters a docstring names, in order of first mention, as two-digit
    strings or ``"appendix"``: ``"chapters 09-12"`` gives 09, 10, 11, 12."""
    found: list[str] = []
    for match in _CHAPTER.finditer(text):
        numbers, appendix = match.groups()
        if appendix:
            chapters = ["appendix"]
        else:
            chapters = []
            for first, last in _RANGE.findall(numbers):
                stop = max(int(first), int(last or first))
                chapters += [f"{n:02d}" for n in range(int(first), stop + 1)]
        found += [c for c in chapters if c not in found]
    return found


def chapter_docs(srcdir: Path) -> dict[str, str]:
    """``{"05": "book/05_mfcc_compression_and_energy", "appendix": ...}``: the
    documents of the book's chapters that exist."""
    out = {}
    for path in sorted((srcdir / "book").glob("*")):
        if path.suffix not in (".ipynb", ".md"):
            continue
        match = re.match(r"(\d{2})_", path.name)
        if match:
            out.setdefault(match.group(1), f"book/{path.stem}")
        elif path.name.startswith("appendix"):
            out.setdefault("appendix", f"book/{path.stem}")
    return out


def taught_in(chapters: list[str], docs: dict[str, str]) -> str:
    """The reST line "*Taught in* chapter 05, ..." with a link to each chapter that
    exists (plain text for one not written yet)."""
    parts = []
    for chapter in chapters:
        label = "the appendix" if chapter == "appendix" else f"chapter {chapter}"
        doc = docs.get(chapter)
        parts.append(f":doc:`{label} </{doc}>`" if doc else label)
    return "*Taught in* " + ", ".join(parts) + "." if parts else ""


def reference_rst(modname: str, docs: dict[str, str] | None = None) -> list[str]:
    """The reST that documents one module: module docstring, autosummary table, one
    autodoc entry per public function and class, one ``py:data`` per constant."""
    docs = docs or {}
    module = importlib.import_module(modname)
    module_chapters = chapters_named(inspect.getdoc(module) or "")
    callables, constants = [], []
    for name in public_names(modname):
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
            callables.append((name, obj))
        else:
            constants.append((name, obj))
    lines = [
        f".. automodule:: {modname}",
        "   :no-members:",
        "",
        f".. currentmodule:: {modname}",
        "",
    ]
    if callables:
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {name}" for name, _ in callables]
        lines.append("")
    for name, obj in callables:
        kind = "autoclass" if inspect.isclass(obj) else "autofunction"
        chapters = chapters_named(inspect.getdoc(obj) or "")
        line = taught_in(chapters, docs)
        if not chapters:
            line = taught_in(module_chapters, docs).replace(
                "*Taught in*", "*Its module is taught in*"
            )
        lines.append(f".. {kind}:: {modname}.{name}")
        if kind == "autoclass":
            lines.append("   :members:")  # its public methods that have a docstring
        lines.append("")
        if line:
            lines += [f"   {line}", ""]
    for name, obj in constants:
        if inspect.ismodule(obj):
            summary = (inspect.getdoc(obj) or "").strip().split("\n\n")[0]
            lines += [f".. py:data:: {modname}.{name}", "", "   The submodule"]
            lines += [f"   ``{obj.__name__}``: " + " ".join(summary.split()), ""]
            continue
        lines.append(f".. py:data:: {modname}.{name}")
        if type(obj).__module__ == "builtins":
            lines.append("   :type: " + type(obj).__name__)
        lines.append("")
        doc = constant_doc(modname, name)
        if doc:
            lines += ["   " + line if line else "" for line in doc.splitlines()]
            lines.append("")
    return lines


def source_files(modname: str) -> list[str]:
    """The files that hold what the reference of a module shows: the module, its
    submodules (a package's parts) and the modules defining its public names."""
    module = importlib.import_module(modname)
    names = {modname}
    names |= {m for m in _loaded() if m.startswith(modname + ".")}
    for name in public_names(modname):
        defining = getattr(getattr(module, name), "__module__", None)
        if isinstance(defining, str) and defining.startswith("acousticlib"):
            names.add(defining)
    files = set()
    for name in names:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            files.add(path)
    return sorted(files)


# Documents under this folder are the API reference.
REFERENCE_DIR = "book/reference/"
_MISSING = object()


def lookup(target: str, modname: str | None = None, classname: str | None = None):
    """The Python object a cross-reference names, read as Python reads it from the
    module (and class) where the reference is written; ``_MISSING`` when none."""
    target = target.lstrip(".~")
    paths = []
    if modname and classname:
        paths.append(f"{modname}.{classname}.{target}")
    if modname:
        paths.append(f"{modname}.{target}")
    paths.append(target)
    for path in paths:
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except Exception:  # noqa: BLE001 -- not a module: try a shorter prefix
                continue
            for attr in parts[cut:]:
                owner, obj = obj, getattr(obj, attr, _MISSING)
                if obj is _MISSING:
                    # an instance attribute that __init__ sets: a class's own name
                    if inspect.isclass(owner) and _sets_attribute(owner, attr):
                        obj = (owner, attr)
                        continue
                    break
            if obj is not _MISSING:
                return obj
            break
    return _MISSING


def _sets_attribute(cls: type, attr: str) -> bool:
    try:
        return f"self.{attr}" in inspect.getsource(cls)
    except (OSError, TypeError):
        return False


def _resolve_missing(app, env, node, contnode):
    """Cross-references of the reference pages that Sphinx cannot resolve by name.

    A docstring says ``:data:`CLASSES``` in the module that imports ``CLASSES``, and a
    type hint names ``numpy.ndarray``; Sphinx looks for that exact name. Here the name
    is looked up as Python would, from the reference's module: an object documented in
    the reference under another name (its defining module, or the package that
    re-exports it) gets the link; an object that exists but is not in the reference
    (NumPy, torch, the standard library, a private helper module) is shown as text
    without a link. A name that Python cannot find stays unresolved, so Sphinx warns.
    """
    if node.get("refdomain") != "py" or not node["refdoc"].startswith(REFERENCE_DIR):
        return None
    target = node["reftarget"]
    obj = lookup(target, node.get("py:module"), node.get("py:class"))
    if obj is _MISSING:
        # a docstring reads names from the module that defines it, not the package
        # that re-exports it: "docstring of acousticlib.experiments.arrayfree.f"
        match = re.search(r"docstring of ([\w.]+)", node.source or "")
        contexts = [match.group(1).rsplit(".", 1)[0]] if match else []
        # an autosummary row or a re-exported name: any acousticlib module
        contexts += sorted(m for m in _loaded() if m.startswith("acousticlib"))
        for context in contexts:
            obj = lookup(target, context)
            if obj is not _MISSING:
                break
    if obj is _MISSING:
        return None
    domain = env.get_domain("py")
    leaf = target.lstrip(".~").rsplit(".", 1)[-1]
    for fullname in domain.objects:
        if fullname.rsplit(".", 1)[-1] == leaf and lookup(fullname) is obj:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, "obj", fullname, node, contnode
            )
    return contnode


class AcousticlibApi(SphinxDirective):
    """``.. acousticlib-api:: acousticlib.MODULE``: the module's reference."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        modname = self.arguments[0]
        srcdir = Path(self.env.srcdir)
        lines = reference_rst(modname, chapter_docs(srcdir))
        source = f"<acousticlib-api {modname}>"
        content = StringList(lines, source=source)
        node = nodes.container()
        node.document = self.state.document
        nested_parse_with_titles(self.state, content, node)
        # an edited docstring, wherever it lives, re-reads the page
        for path in source_files(modname):
            self.env.note_dependency(path)
        return node.children


def setup(app):
    app.add_directive("acousticlib-api", AcousticlibApi)
    app.connect("missing-reference", _resolve_missing)
    # env_version: a change to what the directive writes re-reads the pages
    return {"env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
