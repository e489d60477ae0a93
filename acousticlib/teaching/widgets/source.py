"""Move one source in front of an array and watch its acoustic image (chapter 01;
chapter 04 with the Dual Cam array): :class:`SourceExplorer` and its
:class:`SourceView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._checks import as_array, positive
from ...beamforming import acoustic_images
from ...geometry import Camera, MicArray
from ...simulate import free_field
from ._base import Explorer


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

        from ..plotting import overlay_energy

        r = self.result
        fig, (ax0, ax1) = plt.subplots(
            1, 2, figsize=(7.0, 3.2), gridspec_kw={"width_ratios": [1.3, 1]}
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
            title=f"acoustic image, {band[0]:.0f}-{band[1]:.0f} Hz\n(+ true source)",
        )
        ax1.plot(r.freqs, r.spectrum_db, lw=0.8)
        ax1.set_xlabel("frequency (Hz)")
        ax1.set_ylabel("power (dB)")
        ax1.set_title(f"spectrum of acoustic pixel {r.peak}")
        fig.tight_layout()
        return fig
