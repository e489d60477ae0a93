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
