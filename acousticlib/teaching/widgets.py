"""Interactive explorers for the chapters (ipywidgets).

The logic lives here and is unit-tested by setting widget values; the notebooks only
display the explorers. Each explorer keeps its last computation in ``.result`` and
redraws its figure in an ``ipywidgets.Output`` when a control changes. In the static
HTML book the widgets cannot run, so every chapter also shows a figure of the explorer's
default state.

This module sits on top of the pipeline: nothing in the spine imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..beamforming import acoustic_images
from ..geometry import Camera, MicArray
from ..simulate import free_field


class Explorer:
    """What every explorer of the book shares: controls → ``compute`` → a figure in an
    Image widget.

    A subclass fills ``self.controls`` (name → ipywidget, **in the order of
    ``compute``'s parameters**), sets ``rows`` (the control names of each row of the
    display), implements ``compute(*values)`` (pure, unit-tested) and ``figure()``, and
    calls :meth:`_start`. Each change of a control recomputes ``self.result`` and
    redraws; :meth:`after_figure` may add more output under the figure (a sound player,
    say).
    """

    controls: dict
    rows: tuple[tuple[str, ...], ...] = ()

    def _start(self) -> None:
        import ipywidgets as w

        self.image = w.Image(format="png")  # the live figure (see update)
        self.output = w.Output()  # what after_figure adds (a sound player, say)
        self.result = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def compute(self, *values: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def figure(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def after_figure(self) -> None:
        """Extra output drawn under the figure on each update (nothing by default)."""

    def update(self) -> Any:
        """Recompute from the current control values and redraw; return the result."""
        import io

        import matplotlib.pyplot as plt

        self.result = self.compute(
            *(control.value for control in self.controls.values())
        )
        # The figure goes into an Image widget as PNG bytes, not into the Output widget:
        # an image displayed inside an Output widget stalls papermill/nbclient for the
        # whole cell timeout.
        self.figure()
        fig = plt.gcf()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
        plt.close(fig)
        self.image.value = buf.getvalue()
        self.output.clear_output(wait=True)
        with self.output:
            self.after_figure()
        return self.result

    def _on_change(self, change: dict) -> None:
        self.update()

    def widget(self) -> Any:
        """The controls (in ``rows``) above the live figure, ready to display."""
        import ipywidgets as w

        rows = self.rows or (tuple(self.controls),)
        return w.VBox(
            [w.HBox([self.controls[name] for name in row]) for row in rows]
            + [self.image, self.output]
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())


@dataclass(frozen=True)
class SourceView:
    """What :class:`SourceExplorer` computed for one source position.

    ``energy`` is the band power ``(H, W)`` of the acoustic image summed over the chosen
    band and averaged over frames; ``peak`` the (row, col) of its maximum on the
    acoustic grid; ``true_pixel`` the acoustic pixel that sees the source;
    ``spectrum_db`` the power (dB) per frequency bin of the peak pixel, ``freqs`` their
    frequencies in Hz.
    """

    position: tuple[float, float, float]
    energy: np.ndarray
    peak: tuple[int, int]
    true_pixel: tuple[int, int]
    freqs: np.ndarray
    spectrum_db: np.ndarray


class SourceExplorer(Explorer):
    """Move one source in front of an array and watch its acoustic image (chapter 01).

    Parameters
    ----------
    array: the microphone array.
    camera: the pinhole camera at the array centre (its frame is drawn under the image).
    signal: ``(N,)`` the source's sound, sampled at ``fs`` Hz (a fraction of a second is
        enough).
    fs: sampling rate, Hz.
    frame: optional ``(h, w, 3)`` RGB frame to draw under the energy (any size of the
        camera's aspect).
    grid_shape: acoustic grid (rows, columns); the papers use 36 x 48.
    depth: distance of the source plane in front of the array, metres.
    band: initial frequency band (low, high) in Hz.
    frame_length: samples per beamforming frame.

    Controls (``.controls``): ``x`` and ``y`` (metres, in the source plane; x to the
    right, y downward as in the image), and ``band`` (Hz).
    """

    rows = (("x", "y"), ("band",))

    def __init__(
        self,
        array: MicArray,
        camera: Camera,
        signal: Any,
        fs: float,
        *,
        frame: Any = None,
        grid_shape: tuple[int, int] = (36, 48),
        depth: float = 1.5,
        band: tuple[float, float] = (500.0, 4000.0),
        frame_length: int = 1024,
        position: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        import ipywidgets as w

        if not isinstance(array, MicArray):
            raise TypeError(
                f"array must be an acousticlib.geometry.MicArray; got "
                f"{type(array).__name__}"
            )
        if not isinstance(camera, Camera):
            raise TypeError(
                f"camera must be an acousticlib.geometry.Camera; got "
                f"{type(camera).__name__}"
            )
        self.signal = as_array("signal", signal, ndim=1, dtype=float)
        self.fs = positive("fs", fs)
        if self.signal.size < frame_length:
            raise ValueError(
                f"signal must hold at least frame_length = {frame_length} samples; got "
                f"{self.signal.size}"
            )
        self.array, self.camera, self.grid_shape = array, camera, grid_shape
        self.depth = positive("depth", depth)
        self.frame_length = int(frame_length)
        self.frame = None if frame is None else as_array("frame", frame, ndim=3)
        self.focus = camera.focus_grid(grid_shape, self.depth)
        # The plane z = depth seen by the camera: half-widths in metres.
        half_x = self.depth * (camera.width / 2) / camera.fx
        half_y = self.depth * (camera.height / 2) / camera.fy
        nyq = self.fs / 2
        style = {"description_width": "7em"}
        self.controls = {
            "x": w.FloatSlider(
                value=position[0],
                min=-0.95 * half_x,
                max=0.95 * half_x,
                step=0.01,
                description="x (m)",
                continuous_update=False,
                style=style,
            ),
            "y": w.FloatSlider(
                value=position[1],
                min=-0.95 * half_y,
                max=0.95 * half_y,
                step=0.01,
                description="y (m)",
                continuous_update=False,
                style=style,
            ),
            "band": w.FloatRangeSlider(
                value=band,
                min=0.0,
                max=nyq,
                step=50.0,
                description="band (Hz)",
                continuous_update=False,
                style=style,
            ),
        }
        self._start()

    # -- logic
    # ------------------------------------------------------------------------------
    def compute(self, x: float, y: float, band: tuple[float, float]) -> SourceView:
        """Simulate the source at ``(x, y, depth)``, beamform, and summarise (no
        drawing)."""
        pos = np.array([x, y, self.depth])
        rec = free_field(self.signal, self.fs, pos, self.array.positions)
        images = acoustic_images(
            rec,
            self.fs,
            self.array.positions,
            self.focus,
            frame_length=self.frame_length,
        )
        L = self.frame_length
        freqs = np.arange(L // 2) * self.fs / L
        lo, hi = band
        sel = (freqs >= lo) & (freqs <= hi)
        if not sel.any():
            raise ValueError(
                f"band must contain at least one frequency bin (spacing "
                f"{self.fs / L:.1f} Hz); got {band}"
            )
        energy = images[..., sel].sum(-1).mean(0)
        peak = np.unravel_index(int(np.argmax(energy)), energy.shape)
        spectrum = images[:, peak[0], peak[1], :].mean(0)
        true = self.camera.acoustic_pixel(pos, self.grid_shape)
        return SourceView(
            position=(float(x), float(y), float(self.depth)),
            energy=energy,
            peak=(int(peak[0]), int(peak[1])),
            true_pixel=(int(true[0]), int(true[1])),
            freqs=freqs,
            spectrum_db=10 * np.log10(np.maximum(spectrum, 1e-20)),
        )

    # -- display
    # ----------------------------------------------------------------------------
    def figure(self):
        """Draw the current result: energy over the frame, and the peak pixel's
        spectrum."""
        import matplotlib.pyplot as plt

        from .plotting import overlay_energy

        r = self.result
        fig, (ax0, ax1) = plt.subplots(
            1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [1.3, 1]}
        )
        frame = (
            self.frame
            if self.frame is not None
            else np.full((self.camera.height, self.camera.width), 0.8)
        )
        pr, pc = self.camera.project(np.array(r.position))
        scale_r, scale_c = (
            frame.shape[0] / self.camera.height,
            frame.shape[1] / self.camera.width,
        )
        band = self.controls["band"].value
        overlay_energy(
            frame,
            r.energy,
            ax0,
            marker=(pr * scale_r, pc * scale_c),
            title=f"acoustic image, {band[0]:.0f}-{band[1]:.0f} Hz (+ true source)",
        )
        ax1.plot(r.freqs, r.spectrum_db, lw=0.8)
        ax1.set_xlabel("frequency (Hz)")
        ax1.set_ylabel("power (dB)")
        ax1.set_title(f"spectrum of acoustic pixel {r.peak}")
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------------------
# Chapter 02: beam patterns of microphone layouts
# --------------------------------------------------------------------------------------

import math  # noqa: E402
from collections.abc import Mapping  # noqa: E402

from ..geometry import beamwidth_deg  # noqa: E402


def steering_direction(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit vector ``(3,)`` of the direction ``azimuth_deg`` to the right and
    ``elevation_deg`` downward of the array axis (degrees, camera convention: x right, y
    down, z forward).

    The direction passes through the image point ``(tan(azimuth), tan(elevation))`` of a
    camera with unit focal length, so its direction cosines ``(u, v)`` are its first two
    components (chapter 02).
    """
    from .._checks import in_range

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
        from ..geometry import beam_pattern_db, uv_grid

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

        from .plotting import plot_array, plot_beam_pattern, plot_pattern_cut

        r = self.result
        fig, axes = plt.subplots(
            1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [1, 1.25, 1.4]}
        )
        plot_array(self.arrays[r.layout], axes[0], title=r.layout)
        plot_beam_pattern(
            r.pattern_db,
            1.0,
            axes[1],
            vmin=self.floor_db,
            title=f"{r.frequency:.0f} Hz, sidelobes {r.sidelobe_db:.1f} dB",
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


# --------------------------------------------------------------------------------------
# Chapter 03: what the microphones record, at a distance, in a room, with noise
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingView:
    """What :class:`RecordingExplorer` computed for one setting.

    ``position`` of the source (m, array frame); ``rt60`` the target reverberation time
    (s, 0 for anechoic); ``snr_db`` the sensor SNR asked for; ``clean`` and
    ``recording`` ``(M, N)`` the noiseless and the noisy recordings; ``rir`` ``(L,)``
    the impulse response from the source to microphone 0; ``measured_rt60`` its
    reverberation time by Schroeder integration (s, NaN when anechoic);
    ``measured_snr_db`` the SNR of the noisy recording (dB); ``arrival_ms`` the direct
    path's delay to microphone 0 (ms); ``level_db`` the clean rms level of microphone 0
    (dB re 1 Pa).
    """

    position: tuple[float, float, float]
    rt60: float
    snr_db: float
    clean: np.ndarray
    recording: np.ndarray
    rir: np.ndarray
    measured_rt60: float
    measured_snr_db: float
    arrival_ms: float
    level_db: float


class RecordingExplorer(Explorer):
    """Move a source away, add a room and noise; see and hear the recording (chapter
    03).

    Parameters
    ----------
    mic_positions: ``(M, 3)`` metres or a MicArray (keep M small: a room is simulated
        per change).
    signal: ``(N,)`` the source's sound at ``fs`` Hz.
    fs: sampling rate, Hz.
    distance: initial source distance along the array axis, metres (slider 0.25 - 3.5
        m).
    rt60: initial target reverberation time, seconds; 0 means an anechoic room (slider 0
        - 0.8 s; values below 0.2 s count as anechoic, which the default room cannot
          reach otherwise).
    snr_db: initial sensor SNR, dB (slider 0 - 60 dB).
    room_size, array_position: the shoebox room (m) and where the array centre sits in
        it.
    max_order: cap of the image-source order: ``"sabine"`` (default) uses the full order
        that Sabine's formula asks for (slow beyond about 0.6 s), ``None`` the library's
        cap of 20 (fast, but the reverberant tail is cut short), or an integer.
    offset: ``(x, y)`` metres of the source off the axis.
    seed: seed of the sensor noise.

    Controls (``.controls``): ``distance`` (m), ``rt60`` (s), ``snr`` (dB). ``.result``
    is a :class:`RecordingView`.
    """

    rows = (("distance", "rt60", "snr"),)

    MIN_RT60 = 0.2

    def __init__(
        self,
        mic_positions: Any,
        signal: Any,
        fs: float,
        *,
        distance: float = 1.0,
        rt60: float = 0.0,
        snr_db: float = 30.0,
        room_size: tuple[float, float, float] = (6.0, 3.0, 5.0),
        array_position: tuple[float, float, float] = (3.0, 1.5, 1.0),
        max_order: int | str | None = "sabine",
        offset: tuple[float, float] = (0.2, 0.0),
        seed: int = 0,
    ) -> None:
        import ipywidgets as w

        from ..geometry import as_positions
        from ..simulate import Shoebox

        self.mics = as_positions(mic_positions)
        self.signal = as_array("signal", signal, ndim=1, dtype=float)
        self.fs = positive("fs", fs)
        if self.signal.size < 16:
            raise ValueError(
                f"signal must hold at least 16 samples; got {self.signal.size}"
            )
        if not (
            max_order is None or max_order == "sabine" or isinstance(max_order, int)
        ):
            raise TypeError(
                f"max_order must be 'sabine', None or an integer; got {max_order!r}"
            )
        self.offset = tuple(
            float(v) for v in as_array("offset", offset, shape=(2,), dtype=float)
        )
        self.room_size = tuple(float(v) for v in room_size)
        self.array_position = tuple(float(v) for v in array_position)
        self.max_order = max_order
        Shoebox(self.room_size, 0.5, self.array_position, None)  # validates the room
        self.seed = int(seed)
        style = {"description_width": "8em"}
        self.controls = {
            "distance": w.FloatSlider(
                value=distance,
                min=0.25,
                max=3.5,
                step=0.05,
                description="distance (m)",
                continuous_update=False,
                style=style,
            ),
            "rt60": w.FloatSlider(
                value=rt60,
                min=0.0,
                max=0.8,
                step=0.1,
                description="RT60 (s, 0 = anechoic)",
                continuous_update=False,
                style=style,
            ),
            "snr": w.FloatSlider(
                value=snr_db,
                min=0.0,
                max=60.0,
                step=1.0,
                description="sensor SNR (dB)",
                continuous_update=False,
                style=style,
            ),
        }
        self._start()

    # -- logic
    # ------------------------------------------------------------------------------
    def room(self, rt60: float) -> Any:
        """``"anechoic"`` when ``rt60 < MIN_RT60`` seconds, else the explorer's
        :class:`Shoebox`."""
        from ..simulate import Shoebox

        rt60 = positive("rt60", rt60, allow_zero=True)
        if rt60 < self.MIN_RT60:
            return "anechoic"
        order = self.max_order
        if order == "sabine":
            import pyroomacoustics as pra

            try:
                order = int(pra.inverse_sabine(rt60, self.room_size)[1])
            except ValueError as exc:
                raise ValueError(
                    f"rt60={rt60} s cannot be reached in a room of size "
                    f"{self.room_size} m ({exc})"
                ) from None
        return Shoebox(self.room_size, rt60, self.array_position, order)

    def compute(self, distance: float, rt60: float, snr_db: float) -> RecordingView:
        """Simulate the recording for a source ``distance`` m ahead, a room, and
        sensor noise (no drawing)."""
        from ..geometry import SPEED_OF_SOUND, distances
        from ..simulate import (
            Source,
            add_sensor_noise,
            measure_rt60,
            record,
            room_impulse_responses,
        )

        distance = positive("distance", distance)
        snr = float(as_array("snr_db", snr_db, ndim=0, dtype=float))
        room = self.room(rt60)
        pos = np.array([self.offset[0], self.offset[1], distance])
        clean = record(Source(self.signal, pos), self.fs, self.mics, room=room)
        noisy = add_sensor_noise(clean, snr, seed=self.seed)
        rir = room_impulse_responses(pos, self.mics[:1], self.fs, room)[0]
        measured = float("nan") if isinstance(room, str) else measure_rt60(rir, self.fs)
        noise = noisy - clean
        r0 = float(distances(pos, self.mics[:1])[0])
        return RecordingView(
            position=(float(pos[0]), float(pos[1]), float(pos[2])),
            rt60=0.0 if isinstance(room, str) else float(rt60),
            snr_db=snr,
            clean=clean,
            recording=noisy,
            rir=rir,
            measured_rt60=measured,
            measured_snr_db=float(10 * np.log10(np.mean(clean**2) / np.mean(noise**2))),
            arrival_ms=1000 * r0 / SPEED_OF_SOUND,
            level_db=float(10 * np.log10(np.mean(clean[0] ** 2) + 1e-30)),
        )

    def after_figure(self) -> None:
        """Offer microphone 0's recording to listen to, under the figure."""
        from IPython.display import Audio, display

        display(Audio(self.result.recording[0], rate=self.fs))

    # -- display
    # ----------------------------------------------------------------------------
    def figure(self):
        """Draw the current result: microphone 0's recording, and the impulse
        response in dB."""
        import matplotlib.pyplot as plt

        from .plotting import plot_impulse_response, plot_signals

        r = self.result
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 3.4))
        plot_signals(r.recording, self.fs, ax0, channels=(0,))
        room = (
            "anechoic"
            if r.rt60 == 0
            else f"RT60 {r.rt60:.1f} s (measured {r.measured_rt60:.2f} s)"
        )
        ax0.set_title(
            f"microphone 0, source at {r.position[2]:.2f} m, {room}, SNR "
            f"{r.snr_db:.0f} dB"
        )
        plot_impulse_response(
            r.rir, self.fs, ax1, title="impulse response to microphone 0"
        )
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------------------
# Chapter 05: MFCC compression and the energy map
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MfccView:
    """What :class:`MfccExplorer` computed for one setting of its controls.

    ``energy`` is the paper's energy map ``(H, W)`` (reciprocal, frames averaged) from
    the first ``n_mfcc`` MFCC, with or without the per-image min-max ``normalize``;
    ``peak`` its maximum (row, col) and ``direct_peak`` the maximum of the uncompressed
    band energy; ``pixel`` the acoustic pixel whose log-mel spectrum is shown:
    ``logmel`` ``(n_mels,)`` its log mel energies minus their mean (what survives
    without c0, natural-log units), ``reconstruction`` ``(n_mels,)`` the same rebuilt
    from c1..c``n_mfcc``, and ``error_db`` the rms difference of the two over all pixels
    and frames, in dB.
    """

    n_mfcc: int
    normalize: bool
    energy: np.ndarray
    peak: tuple[int, int]
    direct_peak: tuple[int, int]
    pixel: tuple[int, int]
    logmel: np.ndarray
    reconstruction: np.ndarray
    error_db: float


class MfccExplorer(Explorer):
    """Compress acoustic images to MFCC and look at the energy map they give back
    (chapter 05).

    Parameters
    ----------
    images: ``(T, H, W, K)`` power per frequency bin (from
        :func:`acousticlib.beamforming.acoustic_images`), bins at ``k fs / (2K)`` Hz.
    fs: sampling rate, Hz.
    frame: optional ``(h, w[, 3])`` video frame to draw under the maps.
    marker: optional (row, col) in the frame's pixels of the true source, drawn as a
        cross.
    pixel: the acoustic pixel whose log-mel spectrum is shown (default: the
        direct-energy peak).
    n_mfcc: initial number of coefficients kept after c0 (1 .. n_mels - 1; the papers
        keep 12).
    normalize: initial state of the per-image min-max normalization (the authors'
        default).
    n_mels, lifter: the recipe's filterbank size and HTK lifter.

    Controls (``.controls``): ``n_mfcc`` (an integer slider) and ``normalize`` (a
    checkbox).
    """

    rows = (("n_mfcc", "normalize"),)

    def __init__(
        self,
        images: Any,
        fs: float,
        *,
        frame: Any = None,
        marker: Any = None,
        pixel: tuple[int, int] | None = None,
        n_mfcc: int = 12,
        normalize: bool = True,
        n_mels: int = 24,
        lifter: float = 22,
    ) -> None:
        import ipywidgets as w

        from ..features import MEL_FLOOR, direct_energy_map, mel_filterbank

        self.images = as_array(
            "images",
            images,
            ndim=4,
            nonnegative=True,
            what="(T, H, W, K): power per frequency bin",
        )
        self.fs = positive("fs", fs)
        self.n_mels = positive("n_mels", n_mels, integer=True)
        if not 1 <= int(n_mfcc) <= self.n_mels - 1:
            raise ValueError(
                f"n_mfcc must be between 1 and n_mels - 1 = {self.n_mels - 1}; got "
                f"{n_mfcc!r}"
            )
        self.lifter = float(lifter)
        self.frame = None if frame is None else as_array("frame", frame, ndim=(2, 3))
        self.marker = marker
        fb = mel_filterbank(self.fs, self.images.shape[-1], n_mels=self.n_mels)
        # (T, H, W, n_mels)
        logmel = np.log(np.maximum(self.images.astype(np.float64) @ fb.T, MEL_FLOOR))
        # what survives without c0
        self._shape = logmel - logmel.mean(-1, keepdims=True)
        self.direct = direct_energy_map(self.images, self.fs).mean(0)
        self.direct_peak = tuple(
            int(v)
            for v in np.unravel_index(int(np.argmax(self.direct)), self.direct.shape)
        )
        H, W = self.direct.shape
        self.pixel = (
            self.direct_peak if pixel is None else (int(pixel[0]), int(pixel[1]))
        )
        if not (0 <= self.pixel[0] < H and 0 <= self.pixel[1] < W):
            raise ValueError(
                f"pixel must be a (row, col) inside the {H} x {W} grid; got {pixel!r}"
            )
        style = {"description_width": "9em"}
        self.controls = {
            "n_mfcc": w.IntSlider(
                value=int(n_mfcc),
                min=1,
                max=self.n_mels - 1,
                description="coefficients",
                continuous_update=False,
                style=style,
            ),
            "normalize": w.Checkbox(
                value=bool(normalize), description="min-max normalize", style=style
            ),
        }
        self._start()

    # -- logic
    # ------------------------------------------------------------------------------
    def compute(self, n_mfcc: int, normalize: bool) -> MfccView:
        """MFCC with ``n_mfcc`` coefficients, the energy map, and the log-mel
        reconstruction."""
        from scipy.fft import idct

        from ..features import energy_map, lifter_weights, mfcc_images

        mfcc = mfcc_images(
            self.images, self.fs, n_mfcc=n_mfcc, n_mels=self.n_mels, lifter=self.lifter
        )
        energy = energy_map(
            mfcc, normalize=bool(normalize), n_mels=self.n_mels, lifter=self.lifter
        ).mean(0)
        cep = np.zeros(mfcc.shape[:-1] + (self.n_mels,))
        cep[..., 1 : n_mfcc + 1] = mfcc / lifter_weights(n_mfcc, self.lifter)
        # (T, H, W, n_mels), mean-free like _shape
        recon = idct(cep, type=2, norm="ortho", axis=-1)
        error_db = float(10 / np.log(10) * np.sqrt(np.mean((recon - self._shape) ** 2)))
        peak = np.unravel_index(int(np.argmax(energy)), energy.shape)
        r, c = self.pixel
        return MfccView(
            n_mfcc=int(n_mfcc),
            normalize=bool(normalize),
            energy=energy,
            peak=(int(peak[0]), int(peak[1])),
            direct_peak=self.direct_peak,
            pixel=self.pixel,
            logmel=self._shape[:, r, c].mean(0),
            reconstruction=recon[:, r, c].mean(0),
            error_db=error_db,
        )

    # -- display
    # ----------------------------------------------------------------------------
    def figure(self):
        """Direct band energy, the MFCC energy map, and the chosen pixel's log-mel
        spectrum."""
        import matplotlib.pyplot as plt

        from .plotting import overlay_energy

        r = self.result
        fig, axes = plt.subplots(
            1, 3, figsize=(13, 3.4), gridspec_kw={"width_ratios": [1, 1, 1.1]}
        )
        H, W = r.energy.shape
        frame = self.frame if self.frame is not None else np.full((4 * H, 4 * W), 0.8)
        overlay_energy(
            frame,
            self.direct,
            axes[0],
            marker=self.marker,
            title="band energy 0.5-6.4 kHz (uncompressed)",
        )
        norm = "with" if r.normalize else "without"
        overlay_energy(
            frame,
            r.energy,
            axes[1],
            marker=self.marker,
            title=f"reciprocal energy map, {r.n_mfcc} MFCC, {norm} min-max",
        )
        bands = np.arange(1, self.n_mels + 1)
        axes[2].plot(
            bands,
            10 / np.log(10) * r.logmel,
            "k.-",
            label="log-mel minus its mean (c0 removed)",
        )
        axes[2].plot(
            bands,
            10 / np.log(10) * r.reconstruction,
            "C1.-",
            label=f"rebuilt from c1..c{r.n_mfcc}",
        )
        axes[2].set_xlabel("mel band (1 = lowest frequency)")
        axes[2].set_ylabel("mel energy re its mean (dB)")
        axes[2].set_title(
            f"pixel {r.pixel}: rms error {r.error_db:.2f} dB over all pixels",
            fontsize=9,
        )
        axes[2].legend(fontsize=7)
        fig.tight_layout()
        return fig
