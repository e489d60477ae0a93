"""What the microphones record, at a distance, in a room, with noise (chapter 03):
:class:`RecordingExplorer` and its :class:`RecordingView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._checks import as_array, positive
from ._base import Explorer


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
    rt60: initial target reverberation time, seconds; 0 means an anechoic room (slider
        from 0 to 0.8 s; values below 0.2 s count as anechoic, which the default room
        cannot reach otherwise).
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

        from ...geometry import as_positions
        from ...simulate import Shoebox

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
        from ...simulate import Shoebox

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
        """Simulate the recording for a source ``distance`` m ahead, a room, and sensor
        noise (no drawing)."""
        from ...geometry import SPEED_OF_SOUND, distances
        from ...simulate import (
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
        """Draw the current result: microphone 0's recording, and the impulse response
        in dB."""
        import matplotlib.pyplot as plt

        from ..plotting import plot_impulse_response, plot_signals

        r = self.result
        fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(7.0, 6.0))
        plot_signals(r.recording, self.fs, ax0, channels=(0,))
        room = (
            "anechoic"
            if r.rt60 == 0
            else f"RT60 {r.rt60:.1f} s (measured {r.measured_rt60:.2f} s)"
        )
        ax0.set_title(
            f"microphone 0, source at {r.position[2]:.2f} m, SNR {r.snr_db:.0f} dB\n"
            f"{room}"
        )
        plot_impulse_response(
            r.rir, self.fs, ax1, title="impulse response to microphone 0"
        )
        fig.tight_layout()
        return fig
