"""MFCC compression and the energy map (chapter 05): :class:`MfccExplorer` and its
:class:`MfccView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._checks import as_array, positive
from ._base import Explorer


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

        from ...features import MEL_FLOOR, direct_energy_map, mel_filterbank

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

        from ...features import energy_map, lifter_weights, mfcc_images

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

        from ..plotting import overlay_energy

        r = self.result
        fig = plt.figure(figsize=(7.0, 6.0))
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1])
        axes = [
            fig.add_subplot(grid[0, 0]),
            fig.add_subplot(grid[0, 1]),
            fig.add_subplot(grid[1, :]),
        ]
        H, W = r.energy.shape
        frame = self.frame if self.frame is not None else np.full((4 * H, 4 * W), 0.8)
        overlay_energy(
            frame,
            self.direct,
            axes[0],
            marker=self.marker,
            title="band energy 0.5-6.4 kHz\n(uncompressed)",
        )
        norm = "with" if r.normalize else "without"
        overlay_energy(
            frame,
            r.energy,
            axes[1],
            marker=self.marker,
            title=f"reciprocal energy map\n{r.n_mfcc} MFCC, {norm} min-max",
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
            f"pixel {r.pixel}: rms error {r.error_db:.2f} dB over all pixels"
        )
        axes[2].legend(fontsize=9)
        fig.tight_layout()
        return fig
