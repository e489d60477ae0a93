"""Execute the book's notebooks: refresh committed outputs, run profiles, build the HTML
book.

Used by the Makefile (see the README):

* ``python tools/notebooks.py list`` prints the notebooks in table-of-contents order;
* ``python tools/notebooks.py refresh [NB ...]`` re-executes notebooks **in place** with
  their default parameters (``make refresh``), storing widget state, without papermill
  metadata;
* ``python tools/notebooks.py run --profile smoke --out DIR`` executes copies with
  papermill (``-p profile smoke``) and prints a table of wall time and peak memory per
  notebook; it fails when a notebook fails or uses more than ``--max-rss-gb`` (2 GB) of
  memory;
* ``python tools/notebooks.py book`` executes copies of every chapter from scratch with
  default parameters into ``_build/stage`` and builds the HTML book from them into
  ``_build/html``, leaving the committed notebooks untouched (``make book``). It quotes
  the expected time first (from ``benchmarks/results/make_book.json``), prints each
  chapter as it finishes and a line a minute for the chapters still running, and ends
  with a table. A chapter over its memory (2 GB) or time (240 s) budget is a warning; a
  chapter that raises or hangs (a cell over ``--timeout``) fails the build, named with
  its cell, and no HTML is built.

Peak memory of a notebook is its kernel's resident set plus the unique set of each of
the kernel's child processes (:func:`kernel_tree_mb`), sampled five times a second by
the parent process, and at least the kernel's own peak from
``getrusage(RUSAGE_CHILDREN)`` (which catches a spike between samples). The samples are
matched to the cells by papermill's timestamps: the table names the cell where the peak
was reached, and ``timings.json`` beside the executed copies holds each cell's time,
peak and the memory it left held (``end_mb``) -- what to read to find what a chapter
keeps across cells.
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
    """Every ``file:`` entry of ``_toc.yml`` (plus the root), in reading order,
    without suffix."""
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
    return [
        root / f"{f}.ipynb" for f in toc_files(root) if (root / f"{f}.ipynb").exists()
    ]


#: Seconds a chapter may take in a cold run of the book in order, on 2 cores
#: (CONTRIBUTING.md).
CHAPTER_BUDGET_S = 240
#: Measured costs of ``make book`` that the runner quotes before it starts (README:
#: "what it costs").
COSTS_FILE = ROOT / "benchmarks" / "results" / "make_book.json"


def _worker(nb: str, out: str, params: str, cwd: str, timeout: int) -> None:
    """Run one notebook with papermill in this process; print a JSON line with its
    record.

    The record holds the wall time, the largest peak resident memory of one process
    among the kernel and its descendants (``getrusage(RUSAGE_CHILDREN)`` once they have
    exited: a floor for the sampled sum the parent measures) and, when a cell fails or
        hangs, an error naming the cell.
    """
    import resource

    import papermill as pm

    _watch_figures(Path(out).stem)
    start = time.perf_counter()
    error = None
    try:
        pm.execute_notebook(
            nb,
            out,
            parameters=json.loads(params),
            cwd=cwd,
            progress_bar=False,
            execution_timeout=timeout,
            kernel_name="python3",
        )
    except Exception as exc:  # reported, then the worker exits non-zero
        error = describe_failure(exc, Path(out))
    wall = time.perf_counter() - start
    kernel_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB on Linux
    print(
        json.dumps(
            {
                "notebook": nb,
                "seconds": wall,
                "kernel_rss_mb": kernel_kb / 1024,
                "error": error,
            }
        )
    )
    sys.exit(1 if error else 0)


def describe_failure(exc: BaseException, executed: Path) -> str:
    """Say which cell of the chapter failed or hung, and how: ``cell 7 (In [5], 'x =
    f()'): ValueError: ...``.

    Cells (Markdown included) are counted from 1 as in the committed notebook;
    papermill's own cells are not counted. See :func:`_failed_cell` for how the cell is
    found; the message is the exception's name and value, or the fact that the cell
    timed out.
    """
    lines = [
        ln.strip()
        for ln in str(exc).splitlines()
        if ln.strip() and set(ln.strip()) != {"-"}
    ]
    kind = type(exc).__name__
    if "timed out" in str(exc).lower() or "timeout" in kind.lower():
        how = f"{kind}: the cell timed out (hung or too slow)"
    elif getattr(exc, "ename", None):
        how = f"{exc.ename}: {exc.evalue}"
    else:
        how = f"{kind}: {lines[-1] if lines else ''}"
    where = _failed_cell(executed, _timed_out_source(str(exc)))
    return f"{where}: {how}" if where else how


def _timed_out_source(message: str) -> list[str] | None:
    """The first lines of the cell that nbclient's timeout message previews, or None."""
    parts = message.split("-------------------")
    if "timed out" not in message or len(parts) < 3:
        return None
    lines = [line.strip() for line in parts[1].strip("\n").splitlines()]
    return lines[:3] or None


def _failed_cell(executed: Path, preview: list[str] | None = None) -> str | None:
    """``cell N (In [k], 'first line')`` for the failing cell of an executed copy, else
    None.

    The failing cell is the one papermill marked ``failed``; for a timeout (which
    papermill marks ``completed``) it is the cell whose source starts with the lines
    nbclient previewed. Cells are counted from 1 as in the committed notebook
    (papermill's own cells are skipped).
    """
    try:
        cells = json.loads(executed.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return None
    n = 0
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        n += 1
        if cell["cell_type"] != "code":
            continue
        src = (
            "".join(cell["source"])
            if isinstance(cell["source"], list)
            else cell["source"]
        )
        lines = [ln.strip() for ln in src.splitlines()]
        state = cell.get("metadata", {}).get("papermill", {}).get("status")
        if state == "failed" or (preview and lines[: len(preview)] == preview):
            first = next((ln for ln in lines if ln and not ln.startswith("#")), "")
            first = first if len(first) <= 60 else first[:57] + "..."
            count = cell.get("execution_count")
            return f"cell {n}" + (
                f" (In [{count}], {first!r})" if count else f" ({first!r})"
            )
    return None


def kernel_tree_mb(kernel_pid: int) -> float:
    """Memory (MB) of a notebook: the kernel's resident set plus what each of its
    descendants adds.

    The kernel counts with its resident set size (RSS); each descendant (a dataset-build
    worker, a data loader) with its unique set size (USS), the pages no other process
    shares, so that the shared libraries it maps with the kernel (torch, NumPy) are not
    counted twice. 0 when the kernel has exited.
    """
    import psutil

    try:
        kernel = psutil.Process(kernel_pid)
        total = kernel.memory_info().rss
        kids = kernel.children(recursive=True)
    except psutil.Error:
        return 0.0
    for kid in kids:
        try:
            total += kid.memory_full_info().uss
        except psutil.Error:  # exited between listing and reading
            pass
    return total / 2**20


def tree_rss_mb(pid: int) -> float:
    """Memory (MB) of the notebooks run by process ``pid`` (a worker):
    :func:`kernel_tree_mb` of each child."""
    import psutil

    try:
        kernels = psutil.Process(pid).children()
    except psutil.Error:
        return 0.0
    return sum(kernel_tree_mb(k.pid) for k in kernels)


class Monitor:
    """Samples the memory of the running notebooks (kernel and children) and prints a
    heartbeat.

    One thread for all workers: every ``interval`` seconds it sums the resident memory
    of each worker's descendants and keeps the peak; every ``heartbeat`` seconds it
    prints which chapters are still running, for how long and with how much memory.
    """

    def __init__(self, interval: float = 0.2, heartbeat: float = 60.0):
        import threading

        self.interval, self.heartbeat = interval, heartbeat
        self.jobs: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Monitor:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def add(self, name: str, pid: int) -> None:
        with self.lock:
            self.jobs[name] = {
                "pid": pid,
                "start": time.perf_counter(),
                "peak": 0.0,
                "now": 0.0,
                "samples": [],
            }

    def remove(self, name: str) -> tuple[float, list[tuple[float, float]]]:
        """Stop watching ``name``; return its sampled peak (MB) and its (Unix time,
        MB) samples."""
        with self.lock:
            job = self.jobs.pop(name)
        return job["peak"], job["samples"]

    def _loop(self) -> None:
        last_beat = time.perf_counter()
        while not self.stop.wait(self.interval):
            with self.lock:
                jobs = list(self.jobs.items())
            for _, job in jobs:
                job["now"] = tree_rss_mb(job["pid"])
                job["peak"] = max(job["peak"], job["now"])
                job["samples"].append((time.time(), job["now"]))
            if (
                self.heartbeat
                and time.perf_counter() - last_beat >= self.heartbeat
                and jobs
            ):
                last_beat = time.perf_counter()
                now = time.perf_counter()
                running = ", ".join(
                    f"{Path(name).stem} {_minutes(now - job['start'])} "
                    f"({job['now']:.0f} MB, "
                    f"peak {job['peak']:.0f} MB)"
                    for name, job in jobs
                )
                print(f"  ... still running: {running}", flush=True)


def _minutes(seconds: float) -> str:
    return (
        f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
        if seconds >= 60
        else f"{seconds:.0f} s"
    )


def _watch_figures(name: str) -> None:
    """When ``ACOUSTICLIB_FIGURE_DIR`` is set (``run --figures DIR``), make the kernel
    log every figure it draws to ``DIR/<name>.jsonl``: a ``matplotlibrc`` holding the
    ``figure.hooks`` entry :func:`acousticlib.teaching.plotting.style.watch_figure`,
    found through ``MATPLOTLIBRC`` (the kernel inherits this worker's environment)."""
    folder = os.environ.get("ACOUSTICLIB_FIGURE_DIR")
    if not folder:
        return
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.jsonl"
    log.unlink(missing_ok=True)
    rc = folder / f".mplrc-{name}"
    rc.mkdir(exist_ok=True)
    (rc / "matplotlibrc").write_text(
        "figure.hooks: acousticlib.teaching.plotting.style:watch_figure\n"
    )
    os.environ["MATPLOTLIBRC"] = str(rc)
    os.environ["ACOUSTICLIB_FIGURE_LOG"] = str(log)


def run_one(
    nb: Path,
    out: Path,
    params: dict,
    timeout: int,
    monitor: Monitor | None = None,
    retries: int = 1,
) -> dict:
    """Execute ``nb`` into ``out`` in a fresh process; return its time/memory record.

    A cell that times out is retried (up to ``retries`` times) in a fresh kernel:
    nbclient sometimes stops waiting for a cell that displays ipywidgets although the
    kernel has finished it (jupyter/nbclient#312), and a cell timeout is how that shows.
    Real failures are not retried.
    """
    record = _run_once(nb, out, params, timeout, monitor)
    while retries > 0 and record["error"] and "timed out" in record["error"].lower():
        retries -= 1
        print(f"  {nb.name}: {record['error']}; retrying in a fresh kernel", flush=True)
        record = _run_once(nb, out, params, timeout, monitor)
        record["retried"] = True
    return record


def _run_once(
    nb: Path, out: Path, params: dict, timeout: int, monitor: Monitor | None
) -> dict:
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        __file__,
        "_worker",
        str(nb),
        str(out),
        json.dumps(params),
        str(nb.parent),
        str(timeout),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    own = monitor is None
    monitor = Monitor(heartbeat=0).__enter__() if own else monitor
    key = f"{out}"
    monitor.add(key, proc.pid)
    try:
        stdout, stderr = proc.communicate()
    finally:
        sampled, samples = monitor.remove(key)
        if own:
            monitor.__exit__(None, None, None)
    record = None
    for line in stdout.splitlines()[::-1]:
        if line.startswith("{"):
            record = json.loads(line)
            break
    if record is None:
        record = {
            "notebook": str(nb),
            "seconds": float("nan"),
            "kernel_rss_mb": float("nan"),
            "error": (stderr.strip().splitlines() or ["worker crashed"])[-1],
        }
    # the sampled sum over the kernel and its children; the kernel's own getrusage peak
    # catches a spike shorter than the sampling interval
    record["peak_rss_mb"] = max(sampled, record["kernel_rss_mb"])
    record["cells"] = cell_memory(out, samples)
    top = max(record["cells"], key=lambda c: c["peak_mb"], default=None)
    record["peak_cell"] = f"cell {top['cell']} ({top['first']!r})" if top else ""
    record["notebook"] = (
        nb.relative_to(ROOT).as_posix() if nb.is_relative_to(ROOT) else str(nb)
    )
    return record


def cell_memory(executed: Path, samples: list[tuple[float, float]]) -> list[dict]:
    """Per code cell of an executed copy: its time, and the memory (MB) sampled while it
    ran.

    ``samples`` are (Unix time, MB of the kernel and its children); cells are matched by
    the start and end times papermill stores in each cell's metadata. ``peak_mb`` is the
    highest sample during the cell, ``end_mb`` the last one: what the cell left held for
    the next cells.
    """
    from datetime import datetime

    try:
        cells = json.loads(executed.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return []
    out, n = [], 0
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        n += 1
        meta = cell.get("metadata", {}).get("papermill", {})
        if (
            cell["cell_type"] != "code"
            or not meta.get("start_time")
            or not meta.get("end_time")
        ):
            continue
        t0 = datetime.fromisoformat(meta["start_time"]).timestamp()
        t1 = datetime.fromisoformat(meta["end_time"]).timestamp()
        during = [mb for t, mb in samples if t0 <= t <= t1]
        before = [mb for t, mb in samples if t <= t1]
        src = (
            "".join(cell["source"])
            if isinstance(cell["source"], list)
            else cell["source"]
        )
        first = next(
            (
                ln.strip()
                for ln in src.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")
            ),
            "",
        )
        out.append(
            {
                "cell": n,
                "first": first[:60],
                "seconds": round(t1 - t0, 2),
                "peak_mb": round(max(during + before[-1:], default=0.0), 1),
                "end_mb": round(before[-1] if before else 0.0, 1),
            }
        )
    return out


def status(record: dict, max_rss_gb: float, max_seconds: float | None = None) -> str:
    """``ok``, ``FAILED: <error>``, or the budgets it exceeded (``OVER 2.0 GB``,
    ``OVER 240 s``)."""
    if record["error"]:
        return f"FAILED: {record['error']}"
    over = []
    if record["peak_rss_mb"] > max_rss_gb * 1024:
        over.append(f"OVER {max_rss_gb} GB")
    if max_seconds is not None and record["seconds"] > max_seconds:
        over.append(f"OVER {max_seconds:.0f} s")
    return ", ".join(over) or "ok"


def run_many(
    nbs: list[Path],
    out_dir: Path,
    params: dict,
    jobs: int,
    timeout: int,
    max_rss_gb: float,
    max_seconds: float | None = None,
    retries: int = 1,
    heartbeat: float = 60.0,
    base: Path = ROOT,
) -> list[dict]:
    """Run notebooks ``jobs`` at a time, printing each record (and its status) as it
    completes."""
    total, done = len(nbs), [0]
    start = time.perf_counter()

    with Monitor(heartbeat=heartbeat) as monitor:

        def task(nb: Path) -> dict:
            rel = nb.relative_to(base) if nb.is_relative_to(base) else Path(nb.name)
            rec = run_one(nb, out_dir / rel, params, timeout, monitor, retries)
            rec["notebook"] = rel.as_posix()
            done[0] += 1
            line = (
                f"  [{done[0]}/{total}] {rec['notebook']:<48} {rec['seconds']:7.1f} s "
                f"{rec['peak_rss_mb']:6.0f} MB"
            )
            print(
                f"{line}  {status(rec, max_rss_gb, max_seconds)}   "
                f"({_minutes(time.perf_counter() - start)} so far)",
                flush=True,
            )
            return rec

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(task, nbs))


def print_table(
    records: list[dict], title: str, max_rss_gb: float, max_seconds: float | None = None
) -> bool:
    """Print a Markdown table of the records; return True when all executed within
    the budgets."""
    ok = True
    print(f"\n### {title}\n")
    print(
        "| notebook | wall time (s) | peak RSS, kernel and children (MB) | status | "
        "peak reached in |"
    )
    print("|---|---:|---:|---|---|")
    for r in records:
        verdict = status(r, max_rss_gb, max_seconds)
        ok = ok and verdict == "ok"
        print(
            f"| {r['notebook']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{verdict} | {r.get('peak_cell', '')} |"
        )
    total = sum(r["seconds"] for r in records)
    print(
        f"| **total** | {total:.1f} | "
        f"{max((r['peak_rss_mb'] for r in records), default=0):.0f} | | |\n"
    )
    return ok


def refresh(paths: list[Path], timeout: int) -> None:
    """Re-execute notebooks in place with default parameters (committed outputs).

    Torch runs on ``ACOUSTICLIB_THREADS`` threads, 1 unless set, as under ``make`` and
    in CI's
    nbval: trained weights depend on the thread count, so outputs made with another
        count
    would not match CI's run.
    """
    os.environ.setdefault("ACOUSTICLIB_THREADS", "1")
    import nbformat
    from nbclient import NotebookClient

    for nb_path in paths:
        start = time.perf_counter()
        nb = nbformat.read(nb_path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            store_widget_state=True,
            record_timing=False,
            resources={"metadata": {"path": str(nb_path.parent)}},
        )
        client.execute()
        nb.metadata.pop("papermill", None)
        tmp = nb_path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, nb_path)
        print(
            f"refreshed {nb_path.relative_to(ROOT)} in "
            f"{time.perf_counter() - start:.1f} s",
            flush=True,
        )


def expected_cost(jobs: int) -> str:
    """What ``make book`` is expected to cost, from the measured costs in
    ``COSTS_FILE``."""
    try:
        costs = json.loads(COSTS_FILE.read_text())
    except (OSError, ValueError):
        return "no measured cost on record"
    try:
        from acousticlib import cache

        n_entries = len(cache.entries())
    except Exception:  # the estimate is a courtesy; never fail the build over it
        n_entries = 0
    cold, warm = costs.get("cold_minutes"), costs.get("warm_minutes")
    where = (
        f"measured on {costs.get('machine', '?')} with JOBS={costs.get('jobs', '?')}"
    )
    scale = (
        ""
        if jobs == costs.get("jobs")
        else f"; you asked for JOBS={jobs}, so expect it to differ"
    )
    if n_entries == 0 and cold is not None:
        return f"the cache is empty: expect about {cold:.0f} min ({where}{scale})"
    if n_entries and warm is not None and cold is not None:
        return (
            f"the cache holds {n_entries} entries: expect about {warm:.0f} min if it "
            f"holds every dataset and "
            f"model, up to {cold:.0f} min if not ({where}{scale})"
        )
    return "no measured cost on record for this cache state"


def execute_chapters(
    nbs: list[Path],
    stage: Path,
    jobs: int,
    timeout: int,
    max_rss_gb: float,
    max_seconds: float | None = CHAPTER_BUDGET_S,
    retries: int = 1,
    heartbeat: float = 60.0,
) -> tuple[list[dict], bool]:
    """Execute copies of ``nbs`` into ``stage``; print the table; return (records, all
    executed).

    A chapter over its memory or time budget is a warning in the table, not a failure:
    only a chapter that raised or hung makes the second value False.
    """
    print(
        f"Executing {len(nbs)} chapters from scratch (default parameters), {jobs} at a "
        f"time, "
        f"into {stage.relative_to(ROOT) if stage.is_relative_to(ROOT) else stage}/",
        flush=True,
    )
    base = (
        ROOT
        if all(nb.is_relative_to(ROOT) for nb in nbs)
        else Path(os.path.commonpath([nb.parent for nb in nbs]))
    )
    records = run_many(
        nbs,
        stage,
        {},
        jobs,
        timeout,
        max_rss_gb,
        max_seconds,
        retries,
        heartbeat,
        base=base,
    )
    within = print_table(
        records, "make book: chapters executed", max_rss_gb, max_seconds
    )
    # per-cell time and memory too
    (stage / "timings.json").write_text(json.dumps(records, indent=1))
    failed = [r for r in records if r["error"]]
    for r in failed:
        print(f"ERROR: {r['notebook']} failed at {r['error']}")
    if not within and not failed:
        over = [
            f"{r['notebook']} ({status(r, max_rss_gb, max_seconds)})"
            for r in records
            if status(r, max_rss_gb, max_seconds) != "ok"
        ]
        memory = any("GB" in status(r, max_rss_gb, max_seconds) for r in records)
        limits = f"{max_rss_gb} GB" + (f", {max_seconds:.0f} s" if max_seconds else "")
        print(
            f"WARNING: over the book's budgets ({limits} per chapter): "
            f"{'; '.join(over)}. The book is built all the same"
            + (
                "; with less free memory than two such chapters need, use JOBS=1."
                if memory and jobs > 1
                else "."
            )
        )
    return records, not failed


def build_book(
    jobs: int,
    timeout: int,
    max_rss_gb: float,
    max_seconds: float,
    paths: list[Path] | None = None,
    stage: Path | None = None,
    html: bool = True,
    retries: int = 1,
    record: str | None = None,
) -> int:
    """Execute copies of every chapter, stage them with the book's sources, build
    ``_build/html``."""
    start = time.perf_counter()
    stage = stage or ROOT / "_build" / "stage"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy2(ROOT / name, stage / name)
    shutil.copytree(
        ROOT / "book",
        stage / "book",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_executed"),
    )
    # local Sphinx extensions named in _config.yml
    shutil.copytree(ROOT / "_ext", stage / "_ext")
    nbs = paths or notebooks()
    print(f"make book: {len(nbs)} chapters; {expected_cost(jobs)}.", flush=True)
    records, executed = execute_chapters(
        nbs, stage, jobs, timeout, max_rss_gb, max_seconds, retries
    )
    if not executed:
        print(
            "make book: no HTML built, since a chapter failed (see the errors above)."
        )
        return 1
    if not html:
        return 0
    html_dir = ROOT / "_build" / "html"
    if html_dir.exists():
        shutil.rmtree(html_dir)
    print("Building the HTML book ...", flush=True)
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(stage),
        "--path-output",
        str(stage),
        "--keep-going",
    ]
    if subprocess.run(cmd).returncode != 0:
        print("make book: jupyter-book failed (see its messages above).")
        return 1
    shutil.copytree(stage / "_build" / "html", html_dir)
    elapsed = time.perf_counter() - start
    print(f"\nThe book is built in {_minutes(elapsed)}: open {html_dir / 'index.html'}")
    if record:
        record_cost(record, elapsed, jobs, records)
    return 0


def record_cost(
    cache_state: str, seconds: float, jobs: int, records: list[dict]
) -> None:
    """Store a measured ``make book`` in ``COSTS_FILE`` (``cache_state``: ``"cold"`` or
    ``"warm"``).

    What :func:`expected_cost` quotes before the next build; the README's costs come
    from it.
    """
    import psutil

    costs = json.loads(COSTS_FILE.read_text()) if COSTS_FILE.exists() else {}
    machine = f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB"
    if costs.get("machine", machine) != machine or costs.get("jobs", jobs) != jobs:
        # another machine or job count: the other measurement no longer compares
        costs = {}
    costs.update(
        {
            "machine": machine,
            "jobs": jobs,
            f"{cache_state}_minutes": round(seconds / 60, 1),
            f"{cache_state}_chapters": {
                r["notebook"]: {
                    "seconds": round(r["seconds"], 1),
                    "peak_mb": round(r["peak_rss_mb"]),
                }
                for r in records
            },
            "command": "python tools/notebooks.py book --record cold|warm (make book; "
            "cold: an empty "
            "ACOUSTICLIB_CACHE, warm: run again)",
        }
    )
    COSTS_FILE.write_text(json.dumps(costs, indent=1) + "\n")
    print(f"recorded in {COSTS_FILE.name} as the {cache_state} cost")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "_worker":
        _worker(args[1], args[2], args[3], args[4], int(args[5]))
        return 0
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    r = sub.add_parser("refresh")
    r.add_argument("paths", nargs="*", type=Path)
    r.add_argument("--timeout", type=int, default=1800)
    run = sub.add_parser("run")
    run.add_argument("--profile", default="smoke", choices=["smoke", "book", "full"])
    run.add_argument("--out", type=Path, default=ROOT / "_build" / "papermill")
    run.add_argument("--jobs", type=int, default=2)
    run.add_argument(
        "--timeout",
        type=int,
        default=600,
        help="seconds per cell before it counts as hung",
    )
    run.add_argument("--max-rss-gb", type=float, default=2.0)
    run.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra papermill parameter (value parsed as JSON when possible)",
    )
    run.add_argument(
        "--figures",
        type=Path,
        default=None,
        help="log every figure's text size on the page to FIGURES/<chapter>.jsonl "
        "(tools/check_figures.py reads them)",
    )
    run.add_argument("paths", nargs="*", type=Path)
    b = sub.add_parser(
        "book",
        help="execute copies of the chapters and build the HTML book (make book)",
    )
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument(
        "--timeout",
        type=int,
        default=1200,
        help="seconds per cell before it counts as hung",
    )
    b.add_argument(
        "--max-rss-gb",
        type=float,
        default=2.0,
        help="memory budget per chapter (a warning, not a failure)",
    )
    b.add_argument(
        "--max-seconds",
        type=float,
        default=CHAPTER_BUDGET_S,
        help="time budget per chapter (a warning, not a failure)",
    )
    b.add_argument(
        "--retries",
        type=int,
        default=1,
        help="re-runs of a chapter whose cell timed out",
    )
    b.add_argument(
        "--stage",
        type=Path,
        default=None,
        help="folder for the executed copies (default _build/stage)",
    )
    b.add_argument("--no-html", action="store_true", help="execute the chapters only")
    b.add_argument(
        "--record",
        choices=["cold", "warm"],
        default=None,
        help="store this build's time as the cold- or warm-cache cost that make book "
        "quotes",
    )
    b.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="notebooks to execute (default: every chapter)",
    )
    a = p.parse_args(args)
    if a.cmd == "list":
        for nb in notebooks():
            print(nb.relative_to(ROOT))
        return 0
    if a.cmd == "refresh":
        refresh([q.resolve() for q in a.paths] or notebooks(), a.timeout)
        return 0
    if a.cmd == "book":
        return build_book(
            a.jobs,
            a.timeout,
            a.max_rss_gb,
            a.max_seconds,
            [q.resolve() for q in a.paths] or None,
            a.stage,
            not a.no_html,
            a.retries,
            a.record,
        )
    params = {"profile": a.profile}
    for name, value in a.param:
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    nbs = [q.resolve() for q in a.paths] or notebooks()
    if a.figures is not None:
        os.environ["ACOUSTICLIB_FIGURE_DIR"] = str(a.figures.resolve())
    print(f"papermill: {len(nbs)} notebooks with {params}, {a.jobs} at a time")
    records = run_many(nbs, a.out, params, a.jobs, a.timeout, a.max_rss_gb)
    ok = print_table(records, f"papermill run, parameters {params}", a.max_rss_gb)
    (a.out / "timings.json").parent.mkdir(parents=True, exist_ok=True)
    (a.out / "timings.json").write_text(json.dumps(records, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
