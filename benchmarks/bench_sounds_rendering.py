"""Per-clip cost of the procedural sounds and rendered frames of the synthetic dataset
(chapter 06).

Prints a table: milliseconds per one-second clip for sampling a scene, synthesising its
source and background signals (12 288 Hz), and rendering its 12 frames, at 144 x 192 and
480 x 640.
Run: .venv/bin/python benchmarks/bench_sounds_rendering.py [clips]
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from acousticlib import rendering, scenes, sounds


class _Camera:
    """Pinhole camera (the contract of acousticlib.geometry.Camera), used if that is
    missing."""

    def __init__(self, height: int, width: int, hfov_deg: float = 60.0) -> None:
        self.height, self.width = height, width
        self.fx = self.fy = (width / 2) / math.tan(math.radians(hfov_deg) / 2)

    def project(self, points):
        p = np.asarray(points, dtype=float)
        return np.stack(
            [
                self.height / 2 + self.fy * p[..., 1] / p[..., 2],
                self.width / 2 + self.fx * p[..., 0] / p[..., 2],
            ],
            -1,
        )


def _camera(h: int, w: int):
    try:
        from acousticlib.geometry import Camera

        return Camera().resized(h, w)
    except (ImportError, AttributeError):
        return _Camera(h, w)


def main(clips: int = 100) -> None:
    print(
        f"{'frame':>9} {'scene ms':>9} {'sounds ms':>10} {'frames ms':>10} "
        f"{'total ms':>9} {'per frame ms':>13}"
    )
    for h, w in ((144, 192), (480, 640)):
        cam = _camera(h, w)
        n = clips if h == 144 else max(10, clips // 5)
        t = np.zeros(3)
        for i in range(n):
            t0 = time.perf_counter()
            sc = scenes.sample_scene(cam, i, classes=[sounds.CLASSES[i % 10]])
            t1 = time.perf_counter()
            scenes.source_signals(sc)
            scenes.background_signal(sc)
            t2 = time.perf_counter()
            rendering.render_clip(sc, cam)
            t3 = time.perf_counter()
            t += (t1 - t0, t2 - t1, t3 - t2)
        ms = t / n * 1e3
        print(
            f"{h:>4}x{w:<4} {ms[0]:9.2f} {ms[1]:10.2f} {ms[2]:10.2f} {ms.sum():9.2f} "
            f"{ms[2] / 12:13.2f}"
        )
    per = {}
    for name in sounds.SPECS:
        t0 = time.perf_counter()
        for i in range(20):
            sounds.synthesize(name, 1.0, sounds.FS, i)
        per[name] = (time.perf_counter() - t0) / 20 * 1e3
    print("\nsynthesize(name, 1 s, 12288 Hz), ms:")
    for name, v in per.items():
        print(f"  {name:15s} {v:6.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
