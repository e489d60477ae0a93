"""Drop inline <script> bodies that Sphinx 7.4 emits twice.

Sphinx 7.4 registers an inline script added after the builder starts
(``add_js_file(None, body=...)``, e.g. sphinx-thebe's ``const THEBE_JS_URL = ...``) once
with filename ``None`` and again with ``''`` when writing pages, so every page declares
the ``const`` twice and the browser throws "Identifier 'THEBE_JS_URL' has already been
declared". Fixed upstream in Sphinx 8.2 (sphinx-doc/sphinx#13402); jupyter-book 1.x is
pinned to Sphinx 7.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        key = (
            getattr(js, "filename", js) or "",
            tuple(sorted(getattr(js, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            kept.append(js)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
