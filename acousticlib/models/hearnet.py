"""HearNet: the single-microphone audio network of Sanguineti et al. 2020 (chapter 12).

The network hears one microphone through its linear-magnitude spectrogram, read as a
signal over time whose channels are the frequency bins (Sanguineti et al. 2020, Sec.
4.1: a ``200 x 1 x 257`` signal), and gives one embedding per clip, the vector that the
self-supervised triplet losses pull towards the video stream's and DualCamNet's
(``REFERENCE.md`` section 4):

* three convolutions over time, ``11 -> c1``, ``5 -> c2``, ``3 -> c3`` ("same" zero
  padding, ReLU), each followed by a max-pool of 5 frames with stride 5 over time (no
  padding; the authors' code: ``[5, 1]`` pools of stride ``[5, 1]``); the paper's 200
  frames shrink to 40, 8 and 1, the book's 192 to 38, 7 and 1;
* two fully connected layers ``f1``, ``f2`` with ReLU (the paper's 1 x 1 convolutions
  to 1024 and 1000, which on one time step are linear layers), then a linear layer to
  the ``embedding``-dimensional vector (128 in the paper). The authors' code has one
  more 1 x 1 convolution to 1024 before the 1000; we follow the paper's listing.

Clips longer than one second leave more than one step after the third pool; the
network then takes the maximum over them (one more max-pool over what is left), which
is the identity for the paper's 200 frames and the book's 192.

The book's input (:func:`acousticlib.features.linear_spectrogram` with its defaults): a
1-s clip at 12 288 Hz, 256-sample Hann windows every 64 samples, padded so that the 192
frames are centred on blocks of 64 samples: ``192 x 129`` (the paper: ``200 x 257`` for
2 s at 22.05 kHz). The bins are 48 Hz wide up to 6144 Hz (the paper's 43 Hz up to 11
kHz), the windows 20.8 ms long (the paper's 20 ms).

Widths per profile (:data:`PROFILE_WIDTHS`): ``full`` has the paper's, ``book`` and
``smoke`` are narrower for a CPU. The embedding's size is the channel count of the maps
it is compared with (the video stream's and DualCamNet's, 32 in ``book``): the
similarity map multiplies them element-wise. ``batch_norm=True`` adds batch
normalization after every convolution and hidden layer (not in the papers; the book's
DualCamNet judges needed it to learn on few clips, see
:mod:`~acousticlib.models.dualcamnet`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import positive
from ..features import HEARNET_HOP, HEARNET_N_FFT, linear_spectrogram
from ..sounds import FS
from .dualcamnet import PROFILE_CHANNELS

#: Temporal kernels of the three convolutions and the pool of 5 frames after each
#: (Sanguineti et al. 2020, Fig. 3).
KERNELS: tuple[int, int, int] = (11, 5, 3)
POOL = 5
#: Shortest spectrogram the three pools leave one time step of: ``POOL ** 3`` frames.
MIN_FRAMES = POOL**3
#: The paper's widths: convolutions (128, 256, 256), fully connected (1024, 1000),
#: embedding 128.
PAPER_WIDTHS: dict[str, Any] = {
    "conv_channels": (128, 256, 256),
    "fc_widths": (1024, 1000),
    "embedding": 128,
}
#: Widths per run profile; the embedding matches DualCamNet's map channels
#: (``PROFILE_CHANNELS[profile][1]``).
PROFILE_WIDTHS: dict[str, dict[str, Any]] = {
    "smoke": {
        "conv_channels": (8, 16, 16),
        "fc_widths": (32, 32),
        "embedding": PROFILE_CHANNELS["smoke"][1],
    },
    "book": {
        "conv_channels": (32, 64, 64),
        "fc_widths": (256, 256),
        "embedding": PROFILE_CHANNELS["book"][1],
    },
    "full": PAPER_WIDTHS,
}


def _widths(name: str, values: Sequence[int], n: int) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or len(values) != n:
        raise ValueError(f"{name} must be {n} widths; got {values!r}")
    return tuple(positive(name, v, integer=True) for v in values)


class HearNet(nn.Module):
    """HearNet: linear-magnitude spectrogram ``(B, T, F)`` -> embedding ``(B,
    embedding)``.

    Parameters
    ----------
    conv_channels:
        Channels of the three temporal convolutions, ``(128, 256, 256)`` in
        Sanguineti et al. 2020.
    fc_widths:
        Widths of the two fully connected layers, ``(1024, 1000)`` in the paper.
    embedding:
        Size of the output vector, 128 in the paper; it must equal the channels of the
        maps it is compared with (:data:`PROFILE_WIDTHS`).
    fs, n_fft, hop:
        The spectrogram the network hears: sampling rate (Hz), window and hop
        (samples) of :func:`~acousticlib.features.linear_spectrogram`; ``F = n_fft //
        2 + 1`` (129 with the book's 256).
    batch_norm:
        Batch normalization after each convolution and hidden layer (not in the
        papers).

    ``forward`` takes spectrograms ``(B, T, F)`` with ``T >= 125`` frames
    (:data:`MIN_FRAMES`) and returns the raw embedding, or the L2-normalised one with
    ``normalize=True``; :meth:`from_audio` starts from samples.
    """

    def __init__(
        self,
        conv_channels: Sequence[int] = PAPER_WIDTHS["conv_channels"],
        fc_widths: Sequence[int] = PAPER_WIDTHS["fc_widths"],
        embedding: int = PAPER_WIDTHS["embedding"],
        *,
        fs: float = FS,
        n_fft: int = HEARNET_N_FFT,
        hop: int = HEARNET_HOP,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        c1, c2, c3 = _widths("conv_channels", conv_channels, 3)
        f1, f2 = _widths("fc_widths", fc_widths, 2)
        self.embedding_size = positive("embedding", embedding, integer=True)
        self.fs = positive("fs", fs)
        self.n_fft = positive("n_fft", n_fft, integer=True)
        self.hop = positive("hop", hop, integer=True)
        self.n_bins = self.n_fft // 2 + 1
        if not isinstance(batch_norm, bool):
            raise TypeError(f"batch_norm must be True or False; got {batch_norm!r}")
        self.batch_norm = batch_norm

        def conv(c_in: int, c_out: int, k: int) -> list[nn.Module]:
            norm = [nn.BatchNorm1d(c_out)] if batch_norm else []
            return [
                nn.Conv1d(c_in, c_out, k, padding=k // 2),
                *norm,
                nn.ReLU(inplace=True),
                nn.MaxPool1d(POOL, stride=POOL),
            ]

        def dense(c_in: int, c_out: int) -> list[nn.Module]:
            norm = [nn.BatchNorm1d(c_out)] if batch_norm else []
            return [nn.Linear(c_in, c_out), *norm, nn.ReLU(inplace=True)]

        k1, k2, k3 = KERNELS
        self.temporal = nn.Sequential(
            *conv(self.n_bins, c1, k1), *conv(c1, c2, k2), *conv(c2, c3, k3)
        )
        self.dense = nn.Sequential(*dense(c3, f1), *dense(f1, f2))
        self.embedding = nn.Linear(f2, self.embedding_size)

    def _spectrograms(self, x: Any) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"spectrogram must be a torch.Tensor; got {type(x).__name__}"
            )
        if x.ndim != 3 or x.shape[-1] != self.n_bins or x.shape[1] < MIN_FRAMES:
            raise ValueError(
                f"spectrogram must have shape (B, T, {self.n_bins}) with T >= "
                f"{MIN_FRAMES} frames (linear_spectrogram with n_fft={self.n_fft}); "
                f"got {tuple(x.shape)}"
            )
        return x.float()

    def spectrogram(self, audio: Any, fs: float) -> torch.Tensor:
        """The spectrogram this network hears, ``(B, N // hop, F)`` float32, of mono
        clips ``audio`` ``(B, N)`` sampled at ``fs`` Hz, which must be the network's
        ``fs`` (12 288 Hz in the book): its windows are counted in samples."""
        if positive("fs", fs) != self.fs:
            raise ValueError(
                f"fs must be the rate this HearNet was built for, {self.fs:g} Hz "
                f"(its windows are {self.n_fft} samples); got {fs!r}"
            )
        if not isinstance(audio, torch.Tensor):
            audio = torch.as_tensor(audio, dtype=torch.float32)
        if audio.ndim != 2:
            raise ValueError(
                f"audio must have shape (B, N): clips x samples; got "
                f"{tuple(audio.shape)}"
            )
        return linear_spectrogram(audio, fs, n_fft=self.n_fft, hop=self.hop)

    def forward(self, x: torch.Tensor, *, normalize: bool = False) -> torch.Tensor:
        """Embedding ``(B, embedding)`` of spectrograms ``(B, T, F)``: raw (what kNN
        reads) or, with ``normalize``, scaled to unit length (what the triplet loss
        compares)."""
        h = self.temporal(self._spectrograms(x).transpose(1, 2))  # (B, c3, T')
        z = self.embedding(self.dense(h.amax(dim=-1)))
        return F.normalize(z, dim=-1) if normalize else z

    def from_audio(
        self, audio: Any, fs: float, *, normalize: bool = False
    ) -> torch.Tensor:
        """Embedding ``(B, embedding)`` of mono clips ``(B, N)`` sampled at ``fs`` Hz
        (``N >= 125 hop`` samples, 1 s = 12 288 in the book)."""
        return self(self.spectrogram(audio, fs), normalize=normalize)
