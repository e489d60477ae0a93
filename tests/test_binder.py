"""The launch buttons' environment (issue 22): Binder builds from ``binder/`` and must
install the book's pins and ``acousticlib`` itself; ``_config.yml`` offers only launch
targets that can run a chapter."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_binder_installs_the_book_pins() -> None:
    lines = _lines(BINDER / "requirements.txt")
    includes = [line.split(None, 1)[1] for line in lines if line.startswith("-r ")]
    assert includes == ["../requirements.txt"]
    assert (BINDER / includes[0]).resolve() == ROOT / "requirements.txt"


def test_binder_post_build_installs_acousticlib_from_the_checkout() -> None:
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    assert re.search(r"pip install\b.*(-e|--editable) \.$", text, re.M)


def test_binder_python_satisfies_the_package() -> None:
    (runtime,) = _lines(BINDER / "runtime.txt")
    major, minor = map(int, runtime.removeprefix("python-").split("."))
    pyproject = (ROOT / "pyproject.toml").read_text()
    low = re.search(r'requires-python = ">=(\d+)\.(\d+)"', pyproject)
    assert low and (major, minor) >= (int(low.group(1)), int(low.group(2)))


def test_launch_buttons_point_at_services_that_can_run_a_chapter() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] and launch["colab_url"]
    # a JupyterHub button needs a hub that serves this book; there is none
    assert not launch.get("jupyterhub_url")
    assert config["repository"]["url"].startswith("https://github.com/")
