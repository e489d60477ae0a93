"""``tools/gpu_check.py`` on the CPU: the JSON it writes, and its refusal without a
GPU."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "gpu_check.py"
MODELS = ("uvae", "auvae", "mcgan", "dualcamnet")


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "ACOUSTICLIB_CACHE": str(tmp_path / "cache"),
        "ACOUSTICLIB_THREADS": "1",
    }
    return subprocess.run(
        [sys.executable, str(TOOL), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_cpu_quick_run_writes_finite_positive_figures(tmp_path):
    out = tmp_path / "results" / "gpu.json"
    done = _run(
        "--device",
        "cpu",
        "--quick",
        "--profile",
        "smoke",
        "--out",
        str(out),
        tmp_path=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    # the temporary file was renamed into place
    assert not list(out.parent.glob(".gpu.json.tmp-*"))
    env = report["environment"]
    for key in ("device", "device_name", "torch", "date", "command"):
        assert env[key], key
    assert env["device"] == "cpu" and "--quick" in env["command"]
    assert "cuda" in env  # None on a torch without CUDA
    assert report["profile"] == "smoke" and report["quick"] is True

    beam = report["beamformer"]
    assert beam["cpu_engine"] in ("numba", "numpy")
    for key in ("frames_per_s", "cpu_frames_per_s", "peak"):
        assert _positive(beam[key]), key
    # the torch path on the CPU agrees with the CPU kernel to float32 rounding
    for key in ("max_abs_error", "max_rel_error"):
        assert math.isfinite(beam[key]) and 0 <= beam[key]
    assert beam["max_abs_error_over_peak"] < 1e-4

    rates = report["models"]["models"]
    assert set(rates) == set(MODELS)
    for name in MODELS:
        for precision in ("fp32", "bf16"):
            assert _positive(rates[name][f"samples_per_s_{precision}"]), name
        assert _positive(rates[name]["batch"])

    epoch = report["one_epoch"]
    assert "random" in epoch["data"]  # the smoke dataset is not in the fresh cache
    for key in ("samples", "wall_s", "samples_per_s", "loss"):
        assert _positive(epoch[key]), key

    proj = report["projection"]
    assert proj["profile"] == "smoke" and "linear" in proj["several_gpus"]
    for name in MODELS:
        row = proj["models"][name]
        assert _positive(row["epochs"]) and _positive(row["train_samples"])
        for precision in ("fp32", "bf16"):
            one, eight = (
                row[f"hours_1_gpu_{precision}"],
                row[f"hours_8_gpus_{precision}"],
            )
            assert _positive(one) and _positive(eight)
            assert eight == pytest.approx(one / 8)
            expected = row["epochs"] * row["train_samples"]
            assert one * 3600 * rates[name][f"samples_per_s_{precision}"] == (
                pytest.approx(expected)
            )
    assert _positive(report["wall_s"])


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="a CUDA device is visible: no refusal to check"
)
def test_cuda_without_a_gpu_exits_2_naming_the_reason(tmp_path):
    out = tmp_path / "gpu.json"
    done = _run("--device", "cuda", "--quick", "--out", str(out), tmp_path=tmp_path)
    assert done.returncode == 2
    assert "no CUDA device visible (torch.cuda.is_available() is False)" in (
        done.stderr
    )
    assert not out.exists()


@pytest.mark.slow
def test_one_epoch_reads_the_cached_dataset_when_there(tmp_path, monkeypatch):
    from acousticlib import datasets

    monkeypatch.setenv("ACOUSTICLIB_CACHE", str(tmp_path / "cache"))
    ds = datasets.camera_dataset("smoke", workers=1, progress=False)
    out = tmp_path / "gpu.json"
    done = _run(
        "--device", "cpu", "--quick", "--profile", "smoke", "--out", str(out),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    epoch = json.loads(out.read_text())["one_epoch"]
    assert "cached dataset" in epoch["data"]
    train = ds.frames_of("train", include_background=True).size
    assert 0 < epoch["samples"] <= train and _positive(epoch["loss"])
