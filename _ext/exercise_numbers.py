"""Number each exercise as its checker: "Exercise 04.2" for the label ``ex-04-2``.

sphinx-exercise numbers exercises across the whole book ("Exercise 9"), while a student
checks an answer with ``exercises.check("04.2", ...)``. After Sphinx assigns the figure
numbers, this replaces every exercise's number whose label is ``ex-<chapter>-<k>`` by
``(<chapter>, k)``, which sphinx-exercise and ``{numref}`` print as "04.2" (``ex-a-1``
gives "A.1"). The solutions' titles ("Solution to Exercise 04.2") follow.
"""

from __future__ import annotations

import re

LABEL = re.compile(r"^ex-([0-9a-z]+)-(\d+)$")


def checker_number(label: str) -> tuple[str, int] | None:
    """``("04", 2)`` for ``"ex-04-2"``, ``("A", 1)`` for ``"ex-a-1"``, else None."""
    m = LABEL.match(label)
    if not m:
        return None
    chapter = m.group(1).upper() if m.group(1).isalpha() else m.group(1)
    return chapter, int(m.group(2))


def _renumber(app, env):
    for numbers in env.toc_fignumbers.values():
        for label in list(numbers.get("exercise", {})):
            number = checker_number(label)
            if number is not None:
                numbers["exercise"][label] = number
    return []


def setup(app):
    # after sphinx.environment.collectors.toctree assigns the numbers (priority 500)
    app.connect("env-get-updated", _renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
