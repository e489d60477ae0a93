"""A VGGish-like spectrogram CNN: the single-microphone audio classifier of chapter 13.

Hershey et al. 2017 (*CNN architectures for large-scale audio classification*) give
VGGish: a VGG network over ``96 x 64`` log-mel patches (0.96 s of 25-ms windows every
10 ms, 64 mel bands from 125 to 7500 Hz), four blocks of 3 x 3 convolutions with 64,
128, 256 and 512 channels, each followed by a 2 x 2 max-pool, then fully connected
layers to a 128-dimensional embedding. The TIP paper's Table II trains it from scratch
on VGGSound (0.38) and fine-tuned from YouTube-8M (0.64).

The book's version (:class:`SpectrogramCNN`) keeps that shape at the book's sampling
rate: a 1-s clip at 12 288 Hz, 256-sample Hann windows (20.8 ms) every 128 samples
(10.4 ms), 64 HTK-mel bands from 125 Hz to Nyquist: ``96 x 64``
(:func:`acousticlib.features.log_mel_spectrogram`). Four blocks of one 3 x 3
convolution (batch normalization, ReLU) and a 2 x 2 max-pool take it to ``6 x 4``; a
fully connected layer gives the ``embedding``, a linear layer the class scores. Widths
per profile (:data:`PROFILE_WIDTHS`): ``full`` has VGGish's channels, ``book`` and
``smoke`` are narrower for a CPU. The network computes its spectrogram itself, so it
takes the raw samples a dataset's ``"audio"`` entry holds. Chapter 16 reuses it as its
audio feature extractor.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import positive
from ..features import log_mel_spectrogram
from ..sounds import FS

#: VGGish's input: 96 frames of 64 mel bands; our windows and hop at 12 288 Hz.
N_MELS = 64
VGGISH_N_FFT = 256
VGGISH_HOP = 128
VGGISH_FMIN = 125.0

#: Convolution channels (one per block) and the embedding, per profile.
PROFILE_WIDTHS: dict[str, dict[str, object]] = {
    "smoke": {"channels": (4, 8, 8, 8), "embedding": 16},
    "book": {"channels": (16, 32, 64, 64), "embedding": 128},
    "full": {"channels": (64, 128, 256, 512), "embedding": 128},
}


class SpectrogramCNN(nn.Module):
    """VGGish-like classifier of 1-s mono clips (chapter 13).

    ``channels``: the four blocks' widths; ``embedding``: the fully connected layer's
    width; ``num_classes``: the scores. ``forward(audio)`` takes samples ``(B, N)`` or a
    window's frames ``(B, T, L)`` (flattened to ``T * L`` samples; 12 288 per second at
    :data:`~acousticlib.sounds.FS`) and returns logits ``(B, num_classes)``;
    :meth:`embed` gives the ``(B, embedding)`` vector before the class layer (ReLU'd).
    The log-mel input passes through a batch normalization of its own first, so the
    samples' unit (pascals in the book's dataset) does not matter.
    """

    def __init__(
        self,
        channels: Sequence[int] = (16, 32, 64, 64),
        embedding: int = 128,
        num_classes: int = 10,
        *,
        n_mels: int = N_MELS,
        n_fft: int = VGGISH_N_FFT,
        hop: int = VGGISH_HOP,
        fs: float = FS,
    ) -> None:
        super().__init__()
        channels = tuple(int(positive("channels", c, integer=True)) for c in channels)
        if len(channels) != 4:
            raise ValueError(
                f"channels must give the widths of 4 blocks; got {len(channels)}"
            )
        self.channels = channels
        self.embedding_size = positive("embedding", embedding, integer=True)
        self.num_classes = positive("num_classes", num_classes, integer=True)
        self.n_mels = positive("n_mels", n_mels, integer=True)
        self.n_fft, self.hop, self.fs = int(n_fft), int(hop), float(fs)
        self.input_norm = nn.BatchNorm2d(1)
        blocks, c_in = [], 1
        for c in channels:
            blocks += [
                nn.Conv2d(c_in, c, 3, padding=1),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            c_in = c
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d((6, 4))
        self.fc = nn.Sequential(
            nn.Flatten(), nn.Linear(c_in * 24, self.embedding_size), nn.ReLU()
        )
        self.head = nn.Linear(self.embedding_size, self.num_classes)

    def log_mel(self, audio: torch.Tensor) -> torch.Tensor:
        """The network's input ``(B, 1, T, n_mels)`` from samples ``(B, N)`` or ``(B,
        T, L)``."""
        if audio.ndim == 3:
            audio = audio.flatten(1)
        if audio.ndim != 2:
            raise ValueError(
                f"audio must be (B, N) samples or (B, T, L) frames; got shape "
                f"{tuple(audio.shape)}"
            )
        spec = log_mel_spectrogram(
            audio.float(), self.fs, n_fft=self.n_fft, hop=self.hop, n_mels=self.n_mels
        )
        return spec.unsqueeze(1)

    def embed(self, audio: torch.Tensor) -> torch.Tensor:
        """Embedding ``(B, embedding)`` of samples ``(B, N)`` or frames ``(B, T,
        L)``."""
        return self.fc(self.pool(self.blocks(self.input_norm(self.log_mel(audio)))))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, num_classes)``."""
        return self.head(self.embed(audio))
