"""pytest plugin: the peak memory of every notebook that nbval executes, with a budget
that fails the run.

``make nbval`` loads it (``-p nbval_memory`` with ``tools/`` on ``PYTHONPATH``). While
nbval runs a notebook, a thread samples the memory of that notebook's **kernel and all
its child processes** (dataset-build workers, data loaders;
``notebooks.kernel_tree_mb``: the kernel's resident set plus each child's unique set)
    every 0.1 s and keeps the peak, per notebook,
not per test worker. At the end it prints a table and, when a notebook went over
``--nbval-max-rss-gb`` (default 2 GB, the book's budget per chapter), fails the run, so
that a chapter over budget cannot land (issue: ``make book`` aborted on chapters 09 and
11).

Under pytest-xdist each worker samples the kernels it starts and sends its peaks to the
controller, which prints the table and sets the exit status. Without xdist the one
process does both.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from notebooks import kernel_tree_mb

_KEY = "nbval_memory_peaks"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nbval-memory", "peak memory per notebook under nbval")
    group.addoption(
        "--nbval-max-rss-gb",
        type=float,
        default=2.0,
        help="fail when a notebook's kernel and children exceed this peak memory (GB; "
        "default 2)",
    )
    group.addoption(
        "--nbval-memory-json",
        default=None,
        help="also write the peaks (MB per notebook) to this JSON file",
    )


def kernel_pid(item: pytest.Item) -> int | None:
    """The process id of the kernel that nbval runs ``item``'s notebook in (None if
    not an nbval cell)."""
    kernel = getattr(item.parent, "kernel", None)
    km = getattr(kernel, "km", None)
    if km is None:
        return None
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(getattr(provisioner, "process", None), "pid", None)
    if pid is None:
        pid = getattr(getattr(km, "kernel", None), "pid", None)  # older jupyter_client
    return pid


class Sampler:
    """Samples each registered kernel's process tree and keeps the peak per notebook
    (MB)."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.kernels: dict[int, str] = {}
        self.peaks: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._loop, daemon=True, name="nbval-memory"
        )
        self.thread.start()

    def register(self, pid: int, notebook: str) -> None:
        with self.lock:
            if pid not in self.kernels:
                self.kernels[pid] = notebook
                self.peaks.setdefault(notebook, 0.0)
        self.sample()

    def sample(self) -> None:
        with self.lock:
            kernels = list(self.kernels.items())
        for pid, notebook in kernels:
            rss = kernel_tree_mb(pid)
            with self.lock:
                self.peaks[notebook] = max(self.peaks.get(notebook, 0.0), rss)
                if rss == 0.0:  # the kernel has exited
                    self.kernels.pop(pid, None)

    def _loop(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()

    def close(self) -> dict[str, float]:
        self.sample()
        self.stop.set()
        self.thread.join()
        return dict(self.peaks)


class Report:
    """Collects the peaks (from this process or from xdist workers), prints them,
    sets the exit status."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.limit_gb = config.getoption("nbval_max_rss_gb")
        self.peaks: dict[str, float] = {}
        self.is_worker = hasattr(config, "workerinput")
        on = config.getoption("nbval", default=False) or config.getoption(
            "nbval_lax", default=False
        )
        self.sampler = Sampler() if on else None

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        pid = kernel_pid(item) if self.sampler else None
        if pid is not None:
            self.sampler.register(
                pid, Path(str(item.fspath)).relative_to(self.config.rootpath).as_posix()
            )

    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        if self.sampler:
            self.sampler.sample()

    def merge(self, peaks: dict[str, float]) -> None:
        for name, mb in peaks.items():
            self.peaks[name] = max(self.peaks.get(name, 0.0), mb)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.sampler:
            self.merge(self.sampler.close())
        if self.is_worker:
            self.config.workeroutput[_KEY] = json.dumps(self.peaks)
            return
        path = self.config.getoption("nbval_memory_json")
        if path and self.peaks:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(self.peaks, indent=1, sort_keys=True))
        if self.over() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def over(self) -> list[str]:
        return sorted(
            name for name, mb in self.peaks.items() if mb > self.limit_gb * 1024
        )

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.is_worker or not self.peaks:
            return
        tr = terminalreporter
        tr.section(
            "peak memory per notebook (kernel and children, sampled every 0.1 s)"
        )
        tr.write_line("| notebook | peak RSS (MB) | status |")
        tr.write_line("|---|---:|---|")
        for name in sorted(self.peaks):
            mb = self.peaks[name]
            verdict = f"OVER {self.limit_gb} GB" if mb > self.limit_gb * 1024 else "ok"
            tr.write_line(f"| {name} | {mb:.0f} | {verdict} |")
        over = self.over()
        if over:
            tr.write_line(
                f"FAILED: {len(over)} notebook(s) over the {self.limit_gb} GB budget "
                f"per chapter: "
                f"{', '.join(over)}. Find what holds memory across cells (del, "
                f"chunking) "
                "and re-run make nbval.",
                red=True,
                bold=True,
            )


class XdistReport(Report):
    """The report with xdist's hook: each worker sends its peaks when it finishes."""

    def pytest_testnodedown(self, node, error) -> None:
        self.merge(json.loads(getattr(node, "workeroutput", {}).get(_KEY, "{}")))


def pytest_configure(config: pytest.Config) -> None:
    cls = XdistReport if config.pluginmanager.hasplugin("xdist") else Report
    config.pluginmanager.register(cls(config), "nbval_memory_report")
