"""A stand-in pinhole camera for the scene and rendering tests (the contract of
geometry.Camera)."""

from __future__ import annotations

import math

import numpy as np


class PinholeCamera:
    """Pinhole at the origin looking along +z; x right, y down; principal point at
    the frame centre."""

    def __init__(
        self, height: int = 144, width: int = 192, hfov_deg: float = 60.0
    ) -> None:
        self.height, self.width = height, width
        self.fx = self.fy = (width / 2) / math.tan(math.radians(hfov_deg) / 2)

    def project(self, points):
        p = np.asarray(points, dtype=float)
        return np.stack(
            [
                self.height / 2 + self.fy * p[..., 1] / p[..., 2],
                self.width / 2 + self.fx * p[..., 0] / p[..., 2],
            ],
            axis=-1,
        )
