"""Beam patterns of microphone layouts (chapter 02): :class:`BeamPatternExplorer`,
its :class:`BeamView`, and :func:`steering_direction`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..._checks import positive
from ...geometry import MicArray, beamwidth_deg
from ._base import Explorer


def steering_direction(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit vector ``(3,)`` of the direction ``azimuth_deg`` to the right and
    ``elevation_deg`` downward of the array axis (degrees, camera convention: x right, y
    down, z forward).

    The direction passes through the image point ``(tan(azimuth), tan(elevation))`` of a
    camera with unit focal length, so its direction cosines ``(u, v)`` are its first two
    components (chapter 02).
    """
    from ..._checks import in_range

    az = math.radians(in_range("azimuth_deg", azimuth_deg, -89.0, 89.0))
    el = math.radians(in_range("elevation_deg", elevation_deg, -89.0, 89.0))
    d = np.array([math.tan(az), math.tan(el), 1.0])
    return d / np.linalg.norm(d)


@dataclass(frozen=True)
class BeamView:
    """What :class:`BeamPatternExplorer` computed for one setting.

    ``u``, ``v`` ``(n, n)`` direction cosines; ``pattern_db`` ``(n, n)`` the far-field
    beam pattern ``10 log10 |AF|^2`` (0 dB at the steering direction, floored);
    ``steer`` the unit steering vector; ``peak_uv`` the (u, v) of the pattern's maximum
    inside the visible region; ``sidelobe_db`` the highest level (dB) in the visible
    region outside the main lobe (the disc of radius ``1.3 lambda / D`` around the
    steering direction; NaN when the main lobe fills the visible region);
    ``beamwidth_deg`` the rule of thumb ``lambda / D`` in degrees.
    """

    layout: str
    frequency: float
    steer: np.ndarray
    u: np.ndarray
    v: np.ndarray
    pattern_db: np.ndarray
    peak_uv: tuple[float, float]
    sidelobe_db: float
    beamwidth_deg: float


class BeamPatternExplorer(Explorer):
    """Pick a layout, a frequency and a steering direction; see the beam pattern
    (chapter 02).

    Parameters
    ----------
    arrays: ``{name: MicArray}``, the layouts to choose from (at least one).
    layout: the initial layout's name (default: the first).
    frequency: initial frequency, Hz (the slider spans 250 Hz - 6.4 kHz, the Dual Cam's
        band).
    azimuth_deg, elevation_deg: initial steering direction, degrees right / down of the
        axis.
    n: the pattern is evaluated on an ``n x n`` grid of direction cosines over ``[-1,
        1]^2``.
    floor_db: lowest level shown, dB.

    Controls (``.controls``): ``layout`` (dropdown), ``frequency`` (Hz), ``azimuth`` and
    ``elevation`` (degrees). The last computation is in ``.result`` (a
    :class:`BeamView`).
    """

    rows = (("layout", "frequency"), ("azimuth", "elevation"))

    def __init__(
        self,
        arrays: Mapping[str, MicArray],
        *,
        layout: str | None = None,
        frequency: float = 3000.0,
        azimuth_deg: float = 0.0,
        elevation_deg: float = 0.0,
        n: int = 101,
        floor_db: float = -40.0,
    ) -> None:
        import ipywidgets as w

        if not isinstance(arrays, Mapping) or not arrays:
            raise TypeError("arrays must be a non-empty mapping {name: MicArray}")
        for key, arr in arrays.items():
            if not isinstance(arr, MicArray):
                raise TypeError(
                    f"arrays[{key!r}] must be an acousticlib.geometry.MicArray; got "
                    f"{type(arr).__name__}"
                )
        self.arrays = dict(arrays)
        layout = next(iter(self.arrays)) if layout is None else layout
        if layout not in self.arrays:
            raise ValueError(
                f"layout must be one of {list(self.arrays)}; got {layout!r}"
            )
        self.n = positive("n", n, integer=True)
        if self.n < 3:
            raise ValueError(f"n must be >= 3 grid points per axis; got {self.n}")
        self.floor_db = float(floor_db)
        if not (math.isfinite(self.floor_db) and self.floor_db < 0):
            raise ValueError(
                f"floor_db must be a finite negative level in dB; got {floor_db!r}"
            )
        positive("frequency", frequency)
        steering_direction(azimuth_deg, elevation_deg)  # validates the angles
        style = {"description_width": "8em"}
        self.controls = {
            "layout": w.Dropdown(
                options=list(self.arrays),
                value=layout,
                description="layout",
                style=style,
            ),
            "frequency": w.FloatSlider(
                value=frequency,
                min=250.0,
                max=6400.0,
                step=50.0,
                description="frequency (Hz)",
                continuous_update=False,
                style=style,
            ),
            "azimuth": w.FloatSlider(
                value=azimuth_deg,
                min=-60.0,
                max=60.0,
                step=1.0,
                description="azimuth (deg)",
                continuous_update=False,
                style=style,
            ),
            "elevation": w.FloatSlider(
                value=elevation_deg,
                min=-45.0,
                max=45.0,
                step=1.0,
                description="elevation (deg)",
                continuous_update=False,
                style=style,
            ),
        }
        self._start()

    # -- logic
    # ------------------------------------------------------------------------------
    def compute(
        self, layout: str, frequency: float, azimuth_deg: float, elevation_deg: float
    ) -> BeamView:
        """The beam pattern of ``layout`` at ``frequency`` Hz steered to the given
        angles (no drawing)."""
        from ...geometry import beam_pattern_db, uv_grid

        if layout not in self.arrays:
            raise ValueError(
                f"layout must be one of {list(self.arrays)}; got {layout!r}"
            )
        f = positive("frequency", frequency)
        array = self.arrays[layout]
        d0 = steering_direction(azimuth_deg, elevation_deg)
        u, v, dirs = uv_grid(self.n)
        pattern = beam_pattern_db(array, dirs, f, steer=d0, floor_db=self.floor_db)
        visible = u**2 + v**2 <= 1.0
        masked = np.where(visible, pattern, -np.inf)
        i, j = np.unravel_index(int(np.argmax(masked)), masked.shape)
        width = float(beamwidth_deg(f, array.aperture))
        outside = visible & (np.hypot(u - d0[0], v - d0[1]) > 1.3 * math.radians(width))
        sidelobe = float(pattern[outside].max()) if outside.any() else float("nan")
        return BeamView(
            layout=layout,
            frequency=f,
            steer=d0,
            u=u,
            v=v,
            pattern_db=pattern,
            peak_uv=(float(u[i, j]), float(v[i, j])),
            sidelobe_db=sidelobe,
            beamwidth_deg=width,
        )

    # -- display
    # ----------------------------------------------------------------------------
    def figure(self):
        """Draw the current result: the layout, the beam pattern over (u, v), and a
        horizontal cut."""
        import matplotlib.pyplot as plt

        from ..plotting import plot_array, plot_beam_pattern, plot_pattern_cut

        r = self.result
        fig = plt.figure(figsize=(7.0, 6.6))
        grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.25], height_ratios=[1.2, 1])
        axes = [
            fig.add_subplot(grid[0, 0]),
            fig.add_subplot(grid[0, 1]),
            fig.add_subplot(grid[1, :]),
        ]
        plot_array(self.arrays[r.layout], axes[0], title=r.layout)
        plot_beam_pattern(
            r.pattern_db,
            1.0,
            axes[1],
            vmin=self.floor_db,
            title=f"{r.frequency:.0f} Hz\nsidelobes {r.sidelobe_db:.1f} dB",
        )
        axes[1].plot([r.steer[0]], [r.steer[1]], "r+", ms=12, mew=2)
        row = int(np.argmin(np.abs(r.v[:, 0] - r.steer[1])))
        inside = r.u[row] ** 2 + r.v[row] ** 2 <= 1.0
        angles = np.degrees(np.arcsin(np.clip(r.u[row][inside], -1, 1)))
        plot_pattern_cut(
            angles,
            r.pattern_db[row][inside],
            axes[2],
            label=f"cut at v = {r.v[row, 0]:.2f}",
        )
        axes[2].set_xlabel("angle from the array axis, horizontal (degrees)")
        axes[2].set_ylim(self.floor_db, 3)
        axes[2].set_title(f"main lobe about lambda/D = {r.beamwidth_deg:.1f} degrees")
        fig.tight_layout()
        return fig
