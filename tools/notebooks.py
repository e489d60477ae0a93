"""Execute the book's notebooks: refresh committed outputs, run profiles, build the HTML book.

Used by the Makefile (see the README):

* ``python tools/notebooks.py list`` prints the notebooks in table-of-contents order;
* ``python tools/notebooks.py refresh [NB ...]`` re-executes notebooks **in place** with their
  default parameters (``make refresh``), storing widget state, without papermill metadata;
* ``python tools/notebooks.py run --profile smoke --out DIR`` executes copies with papermill
  (``-p profile smoke``) and prints a table of wall time and peak memory per notebook; it fails
  when a notebook fails or uses more than ``--max-rss-gb`` (2 GB) of memory;
* ``python tools/notebooks.py book`` executes copies of every chapter from scratch with default
  parameters into ``_build/stage`` and builds the HTML book from them into ``_build/html``,
  leaving the committed notebooks untouched (``make book``).

Peak memory is the maximum resident set size of the kernel process, read from the operating
system when the kernel exits (``getrusage(RUSAGE_CHILDREN)`` in a fresh worker process per
notebook).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def toc_files(root: Path = ROOT) -> list[str]:
    """Every ``file:`` entry of ``_toc.yml`` (plus the root), in reading order, without suffix."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    out = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                out.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in toc.items() if k != "root"})
    return out


def notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks of the book in table-of-contents order."""
    return [root / f"{f}.ipynb" for f in toc_files(root) if (root / f"{f}.ipynb").exists()]


def _worker(nb: str, out: str, params: str, cwd: str, timeout: int) -> None:
    """Run one notebook with papermill in this process; print a JSON line with time and memory."""
    import resource

    import papermill as pm

    start = time.perf_counter()
    error = None
    try:
        pm.execute_notebook(nb, out, parameters=json.loads(params), cwd=cwd, progress_bar=False,
                            execution_timeout=timeout, kernel_name="python3")
    except Exception as exc:  # reported, then the worker exits non-zero
        lines = [ln for ln in str(exc).splitlines() if ln.strip() and set(ln.strip()) != {"-"}]
        error = f"{type(exc).__name__}: {lines[-1].strip() if lines else ''}"
    wall = time.perf_counter() - start
    kernel_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB on Linux
    print(json.dumps({"notebook": nb, "seconds": wall, "peak_rss_mb": kernel_kb / 1024, "error": error}))
    sys.exit(1 if error else 0)


def run_one(nb: Path, out: Path, params: dict, timeout: int, retries: int = 2) -> dict:
    """Execute ``nb`` into ``out`` in a fresh process; return its time/memory record.

    A cell that times out is retried (up to ``retries`` times) in a fresh kernel: nbclient sometimes
    stops waiting for a cell that displays ipywidgets although the kernel has finished it
    (jupyter/nbclient#312), and a cell timeout is how that shows. Real failures are not retried.
    """
    record = _run_once(nb, out, params, timeout)
    while retries > 0 and record["error"] and "timeout" in record["error"].lower():
        retries -= 1
        print(f"  {nb.name}: a cell timed out ({record['error']}); retrying in a fresh kernel", flush=True)
        record = _run_once(nb, out, params, timeout)
        record["retried"] = True
    return record


def _run_once(nb: Path, out: Path, params: dict, timeout: int) -> dict:
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "_worker", str(nb), str(out), json.dumps(params), str(nb.parent),
           str(timeout)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    record = None
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            record = json.loads(line)
            break
    if record is None:
        record = {"notebook": str(nb), "seconds": float("nan"), "peak_rss_mb": float("nan"),
                  "error": (proc.stderr.strip().splitlines() or ["worker crashed"])[-1]}
    record["notebook"] = nb.relative_to(ROOT).as_posix() if nb.is_relative_to(ROOT) else str(nb)
    return record


def status(record: dict, max_rss_gb: float) -> str:
    """``ok``, ``FAILED: <error>`` or ``OVER <limit> GB`` for one notebook's record."""
    if record["error"]:
        return f"FAILED: {record['error']}"
    if record["peak_rss_mb"] > max_rss_gb * 1024:
        return f"OVER {max_rss_gb} GB"
    return "ok"


def run_many(nbs: list[Path], out_dir: Path, params: dict, jobs: int, timeout: int, max_rss_gb: float) -> list[dict]:
    """Run notebooks ``jobs`` at a time, printing each record (and its status) as it completes."""
    def task(nb: Path) -> dict:
        rel = nb.relative_to(ROOT) if nb.is_relative_to(ROOT) else Path(nb.name)
        rec = run_one(nb, out_dir / rel, params, timeout)
        line = f"  {rec['notebook']:<50} {rec['seconds']:7.1f} s {rec['peak_rss_mb']:8.0f} MB"
        print(f"{line}  {status(rec, max_rss_gb)}", flush=True)
        return rec

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(task, nbs))


def print_table(records: list[dict], title: str, max_rss_gb: float) -> bool:
    """Print a Markdown table of the records; return True when all passed the limits."""
    ok = True
    print(f"\n### {title}\n")
    print("| notebook | wall time (s) | peak RSS (MB) | status |")
    print("|---|---:|---:|---|")
    for r in records:
        verdict = status(r, max_rss_gb)
        ok = ok and verdict == "ok"
        print(f"| {r['notebook']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | {verdict} |")
    total = sum(r["seconds"] for r in records)
    print(f"| **total** | {total:.1f} | {max((r['peak_rss_mb'] for r in records), default=0):.0f} | |\n")
    return ok


def refresh(paths: list[Path], timeout: int) -> None:
    """Re-execute notebooks in place with default parameters (committed outputs)."""
    import nbformat
    from nbclient import NotebookClient

    for nb_path in paths:
        start = time.perf_counter()
        nb = nbformat.read(nb_path, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True, record_timing=False,
                                resources={"metadata": {"path": str(nb_path.parent)}})
        client.execute()
        nb.metadata.pop("papermill", None)
        tmp = nb_path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, nb_path)
        print(f"refreshed {nb_path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s", flush=True)


def build_book(jobs: int, timeout: int, max_rss_gb: float) -> int:
    """Execute copies of every chapter, stage them with the book's sources, build ``_build/html``."""
    stage = ROOT / "_build" / "stage"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy2(ROOT / name, stage / name)
    shutil.copytree(ROOT / "book", stage / "book", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_executed"))
    shutil.copytree(ROOT / "_ext", stage / "_ext")  # local Sphinx extensions named in _config.yml
    nbs = notebooks()
    print(f"Executing {len(nbs)} chapters from scratch (default parameters) into {stage.relative_to(ROOT)}/ ...")
    records = run_many(nbs, stage, {}, jobs, timeout, max_rss_gb)
    if not print_table(records, "make book: chapters executed", max_rss_gb):
        return 1
    html = ROOT / "_build" / "html"
    if html.exists():
        shutil.rmtree(html)
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(stage), "--path-output",
           str(stage), "--keep-going"]
    if subprocess.run(cmd).returncode != 0:
        return 1
    shutil.copytree(stage / "_build" / "html", html)
    print(f"\nThe book is built: open {html / 'index.html'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "_worker":
        _worker(args[1], args[2], args[3], args[4], int(args[5]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    r = sub.add_parser("refresh")
    r.add_argument("paths", nargs="*", type=Path)
    r.add_argument("--timeout", type=int, default=1800)
    run = sub.add_parser("run")
    run.add_argument("--profile", default="smoke", choices=["smoke", "book", "full"])
    run.add_argument("--out", type=Path, default=ROOT / "_build" / "papermill")
    run.add_argument("--jobs", type=int, default=2)
    run.add_argument("--timeout", type=int, default=600, help="seconds per cell before it counts as hung")
    run.add_argument("--max-rss-gb", type=float, default=2.0)
    run.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="extra papermill parameter (value parsed as JSON when possible)")
    run.add_argument("paths", nargs="*", type=Path)
    b = sub.add_parser("book")
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--timeout", type=int, default=1200, help="seconds per cell before it counts as hung")
    b.add_argument("--max-rss-gb", type=float, default=2.0)
    a = p.parse_args(args)
    if a.cmd == "list":
        for nb in notebooks():
            print(nb.relative_to(ROOT))
        return 0
    if a.cmd == "refresh":
        refresh([q.resolve() for q in a.paths] or notebooks(), a.timeout)
        return 0
    if a.cmd == "book":
        return build_book(a.jobs, a.timeout, a.max_rss_gb)
    params = {"profile": a.profile}
    for name, value in a.param:
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    nbs = [q.resolve() for q in a.paths] or notebooks()
    print(f"papermill: {len(nbs)} notebooks with {params}, {a.jobs} at a time")
    records = run_many(nbs, a.out, params, a.jobs, a.timeout, a.max_rss_gb)
    ok = print_table(records, f"papermill run, parameters {params}", a.max_rss_gb)
    (a.out / "timings.json").parent.mkdir(parents=True, exist_ok=True)
    (a.out / "timings.json").write_text(json.dumps(records, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
