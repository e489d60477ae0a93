"""CPU training speed of chapter 12's streams: samples/s for one forward + backward pass
of HearNet and the video stream, at the ``book`` and ``full`` widths.

One sample is one 1-s clip: its ``192 x 129`` spectrogram for HearNet (computed once
before the timings; the front end's own rate is measured apart), one ``144 x 192`` RGB
frame for the video stream. The loss is the mean square of the output, a stand-in for
the triplet loss whose cost is negligible beside the networks'. Each model runs a
warm-up batch, then ``--batches`` timed batches; the best and median per-batch times
are recorded with the parameter counts.

    .venv/bin/python benchmarks/bench_distillation_models.py [--threads 1]
    [--batch 16] [--batches 3] [--profiles book full]

Prints a table and writes ``benchmarks/results/distillation_models.json``
(atomically). Wall-clock timings on a shared machine depend on its load: the load
average at start and end is recorded beside them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from bench_beamforming import _cpu_model  # this folder, on sys.path when run

from acousticlib.cache import write_json_atomic
from acousticlib.features import linear_spectrogram
from acousticlib.models import build_model, count_parameters, model_spec
from acousticlib.sounds import FS

RESULTS = Path(__file__).resolve().parent / "results" / "distillation_models.json"


def _times(step: Callable[[], None], batches: int) -> list[float]:
    step()  # warm-up
    out = []
    for _ in range(batches):
        start = time.perf_counter()
        step()
        out.append(time.perf_counter() - start)
    return out


def bench(profile: str, batch: int, batches: int) -> list[dict]:
    torch.manual_seed(0)
    audio = 0.1 * torch.randn(batch, int(FS))
    inputs = {
        "hearnet": linear_spectrogram(audio, FS),
        "video_stream": torch.rand(batch, 3, 144, 192),
    }
    rows = []
    for name, x in inputs.items():
        model = build_model(model_spec(name, profile)).train()

        def step(model=model, x=x) -> None:
            model.zero_grad(set_to_none=True)
            model(x).square().mean().backward()

        t = _times(step, batches)
        with torch.no_grad():
            out_shape = list(model.eval()(x[:2]).shape[1:])
        rows.append(
            dict(
                model=name,
                profile=profile,
                parameters=count_parameters(model),
                input_shape=list(x.shape[1:]),
                output_shape=out_shape,
                seconds_per_batch=min(t),
                seconds_per_batch_median=statistics.median(t),
                samples_per_s=batch / min(t),
                samples_per_s_median=batch / statistics.median(t),
            )
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--profiles", nargs="+", default=["book", "full"])
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    started = datetime.datetime.now()
    load_start = os.getloadavg()
    audio = 0.1 * torch.randn(args.batch, int(FS))
    front = _times(lambda: linear_spectrogram(audio, FS), max(args.batches, 5))
    rows = [r for p in args.profiles for r in bench(p, args.batch, args.batches)]
    load_end = os.getloadavg()
    print(
        f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch}, "
        f"forward + backward, best of {args.batches} batches"
    )
    print(f"{'model':14s} {'profile':8s} {'parameters':>11s} {'samples/s':>10s}")
    for r in rows:
        print(
            f"{r['model']:14s} {r['profile']:8s} {r['parameters']:11,d} "
            f"{r['samples_per_s']:10.1f}"
        )
    spectrogram_rate = args.batch / min(front)
    print(f"linear_spectrogram (1-s clips): {spectrogram_rate:.0f} clips/s")
    figures = dict(
        rows=rows,
        spectrogram_clips_per_s=spectrogram_rate,
        setting=dict(
            batch=args.batch,
            batches=args.batches,
            threads=args.threads,
            step="forward + backward of mean(output ** 2)",
            sample="one 1-s clip: a 192 x 129 spectrogram or one 144 x 192 frame",
        ),
        machine=dict(
            cpu_count=os.cpu_count(),
            cpu_model=_cpu_model(),
            python=platform.python_version(),
            torch=torch.__version__,
        ),
        load_average=dict(start=list(load_start), end=list(load_end)),
        date=started.isoformat(timespec="seconds"),
    )
    write_json_atomic(args.output, figures, indent=2)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
