"""Insert ``# fmt: off`` after the first line of each notebook's parameters cell.

papermill reads each parameter's trailing comment as its help; ``ruff format`` would
wrap the long ones into parentheses, where papermill no longer finds them. Idempotent;
run once before the first ``ruff format book/`` (issue 21)::

    .venv/bin/python tools/notebooks_fmt_off.py book/*.ipynb
"""

import json
import sys

for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    nb = json.loads(text)
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "parameters" in cell["metadata"].get("tags", []), path
    src = cell["source"]
    if any(line.strip() == "# fmt: off" for line in src):
        continue
    cell["source"] = src[:1] + ["# fmt: off\n"] + src[1:]
    out = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    open(path, "w", encoding="utf-8").write(out)
