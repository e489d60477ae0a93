"""The event localizer of chapter 16 (Ramaswamy and Das, "See the Sound, Hear the
Pixels", WACV 2020).

A clip is cut into ``T`` segments (one second each in the paper); each segment gives a
visual feature map ``F^v_t`` (``C_v`` channels on an ``H x W`` grid, ``S = H W``
cells) and an audio embedding ``F^a_t`` (``D_a`` values). The network:

* :class:`MFB` -- multimodal factorized bilinear pooling (Eqs. 3-4): low-rank
  projections ``U^T F^v`` and ``V^T F^a``, their element-wise product, sum pooling
  over groups of ``q``, signed square root and L2 normalisation, for every grid cell.
* :class:`AVFB` -- the audio-visual fusion block (Eqs. 1-7): an LSTM over
  ``[l^v_t + l^a_t, l^a_t]`` (``l^v_t`` the grid's average, ``l^a_t`` the audio
  through dense layers) plus an MFB-driven softmax attention over the grid whose
  weighted sum of cells is added to the LSTM's output. It also holds the simple
  fusions of the paper's Table 2 (:data:`EVENT_FUSIONS`).
* :class:`SWAB` -- the segment-wise attention block (Eqs. 9-11): mean and/or max pooling
  over the segments gives a clip summary that gates each segment; a softmax over the
  segments weighs them.
* :func:`aggregate` -- Eq. 12's similarity term ``(h^a - h^v) o (s^a - s^v)``
  concatenated with ``h^v, h^a, s^v, s^a``.
* :class:`EventLocalizer` -- the whole model (Fig. 2): fusion, the two LSTMs of Eq. 8,
  two SWABs, the aggregation and a classifier shared by the segments over
  :data:`EVENT_CLASSES` classes (the book's ten sound classes plus background). Its
  constructor chooses the variants of Tables 1-3 (``streams``, ``fusion``, ``swab``,
  ``aggregation``).

The losses that train it (segment cross-entropy, the weakly supervised MIL loss and the
unsupervised AVTGML of Eqs. 13-16) live in :mod:`acousticlib.losses`; the tasks in
:mod:`acousticlib.training`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import one_of, positive

#: Classes of a segment: the book's ten sound classes plus one for background (the
#: paper's ``C``: events + 1).
EVENT_CLASSES = 11

#: Fusions of the visual stream (paper's Table 2): ``"multiply"``, ``"add"`` (of the
#: grid-averaged visual vector and the embedded audio), ``"concat"`` (concatenation
#: then one fully connected layer), ``"lstm"`` (Eq. 1 alone), ``"mfb"`` (Eqs. 3-6
#: alone), ``"avfb"`` (Eq. 7: both).
EVENT_FUSIONS: tuple[str, ...] = ("multiply", "add", "concat", "lstm", "mfb", "avfb")

#: Streams read by the classifier (paper's Table 1): ``"audio"``, ``"visual"`` (plain
#: or audio-assisted, by ``fusion``), ``"both"``.
EVENT_STREAMS: tuple[str, ...] = ("audio", "visual", "both")

#: SWAB's pooling over the segments (paper's Table 3): ``"mean"``, ``"max"``,
#: ``"both"``.
SWAB_POOLING: tuple[str, ...] = ("mean", "max", "both")

#: Widths per run profile: ``embed`` (a per-cell linear map of the visual channels
#: before fusion; None keeps ``C_v``, the paper), ``hidden`` (the LSTMs, SWAB and the
#: classifier's hidden layer), ``mfb_factor`` (``q``) and ``mfb_out`` (``p``). The
#: ``full`` MFB sizes are Yu et al.'s (k = 5, o = 1000); the paper does not give them.
PROFILE_SIZES: dict[str, dict[str, Any]] = {
    "smoke": {"embed": 8, "hidden": 8, "mfb_factor": 2, "mfb_out": 8},
    "book": {"embed": 32, "hidden": 32, "mfb_factor": 4, "mfb_out": 16},
    "full": {"embed": None, "hidden": 128, "mfb_factor": 5, "mfb_out": 1000},
}


def _check_tensor(name: str, x: Any, ndim: int, layout: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch tensor {layout}; got {type(x).__name__}"
        )
    if x.ndim != ndim:
        raise ValueError(f"{name} must have shape {layout}; got {tuple(x.shape)}")
    return x


def signed_sqrt(x: torch.Tensor) -> torch.Tensor:
    """``sign(x) |x|^0.5`` element-wise (Eq. 4's power normalisation), with a zero (not
    infinite) gradient at 0. Chapter 16."""
    return torch.sqrt(F.relu(x)) - torch.sqrt(F.relu(-x))


class MFB(nn.Module):
    """Multimodal factorized bilinear pooling of every grid cell with the audio (Eqs.
    3-4; Yu et al. 2017), chapter 16.

    ``visual_dim`` (``d_v``), ``audio_dim`` (``d_a``), ``factor`` (``q``, the latent
    dimensionality) and ``out`` (``p``). ``U`` (``d_v x qp``) and ``V`` (``d_a x
    qp``) are the weights of :attr:`u` and :attr:`v` (bias-free linear maps, as the
    equation). ``forward(visual (N, S, d_v), audio (N, d_a))`` gives ``z`` ``(N, S,
    p)``: ``z~ = SumPooling(U^T F^v_i o V^T F^a, q)`` (entries ``k q ... k q + q - 1``
    summed into entry ``k``), then ``sign(z~) |z~|^0.5``, then each cell's ``p``-vector
    divided by its L2 norm.
    """

    def __init__(self, visual_dim: int, audio_dim: int, factor: int, out: int) -> None:
        super().__init__()
        self.visual_dim = positive("visual_dim", visual_dim, integer=True)
        self.audio_dim = positive("audio_dim", audio_dim, integer=True)
        self.factor = positive("factor", factor, integer=True)
        self.out = positive("out", out, integer=True)
        self.u = nn.Linear(self.visual_dim, self.factor * self.out, bias=False)
        self.v = nn.Linear(self.audio_dim, self.factor * self.out, bias=False)

    def forward(self, visual: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """``z`` ``(N, S, p)``, unit L2 norm along ``p`` (zero where ``z~`` is)."""
        _check_tensor("visual", visual, 3, f"(N, S, {self.visual_dim})")
        _check_tensor("audio", audio, 2, f"(N, {self.audio_dim})")
        if visual.shape[-1] != self.visual_dim or audio.shape[-1] != self.audio_dim:
            raise ValueError(
                f"visual and audio must end in {self.visual_dim} and {self.audio_dim} "
                f"features; got {tuple(visual.shape)} and {tuple(audio.shape)}"
            )
        if visual.shape[0] != audio.shape[0]:
            raise ValueError(
                f"visual and audio must have the same N; got {visual.shape[0]} and "
                f"{audio.shape[0]}"
            )
        joint = self.u(visual) * self.v(audio).unsqueeze(1)  # (N, S, q p)
        pooled = joint.unflatten(-1, (self.out, self.factor)).sum(-1)  # Eq. 3
        return F.normalize(signed_sqrt(pooled), dim=-1)  # Eq. 4


class AVFB(nn.Module):
    """Audio-visual fusion block (Eqs. 1-7), chapter 16: audio-assisted visual vectors
    and the spatial attention that made them.

    ``visual_dim`` (``d_v``, the channels of the maps it reads; also the common
    embedding ``d_e`` and the fusion LSTM's width, since Eq. 7 adds its output to a
    weighted sum of cells), ``audio_dim`` (``d_a``), ``mfb_factor`` and ``mfb_out``
    (:class:`MFB`'s ``q``, ``p``), ``fusion`` (one of :data:`EVENT_FUSIONS`).

    ``forward(visual (B, T, d_v, H, W), audio (B, T, d_a))`` returns ``(fused (B, T,
    d_v), attention (B, T, H, W))``. With ``l^v_t`` the grid average of ``F^v_t`` and
    ``l^a_t`` the audio through two dense layers: ``"lstm"`` gives Eq. 1's
    ``LF^v_t = h'_t`` of an LSTM over ``[l^v_t + l^a_t, l^a_t]``; ``"mfb"`` gives Eq.
    6's ``MF^v_t = sum_i lambda^i_t F^{v_i}_t`` with ``lambda_t = softmax_i(W_z z^i_t
    + b_z)`` (Eq. 5, a softmax over the ``S`` cells of each segment); ``"avfb"`` their
    sum ``IF^v_t`` (Eq. 7); ``"multiply"``, ``"add"``, ``"concat"`` combine ``l^v_t``
    and ``l^a_t`` (Table 2). The attention is ``lambda_t`` for ``"mfb"``/``"avfb"`` and
    the uniform ``1 / S`` of the grid average otherwise.
    """

    def __init__(
        self,
        visual_dim: int,
        audio_dim: int,
        *,
        mfb_factor: int = 5,
        mfb_out: int = 1000,
        fusion: str = "avfb",
    ) -> None:
        super().__init__()
        self.visual_dim = positive("visual_dim", visual_dim, integer=True)
        self.audio_dim = positive("audio_dim", audio_dim, integer=True)
        self.fusion = one_of("fusion", fusion, EVENT_FUSIONS)
        d = self.visual_dim
        self.audio_embed = nn.Sequential(
            nn.Linear(self.audio_dim, d), nn.ReLU(), nn.Linear(d, d)
        )
        if self.fusion in ("lstm", "avfb"):
            self.lstm = nn.LSTM(2 * d, d, batch_first=True)
        if self.fusion in ("mfb", "avfb"):
            self.mfb = MFB(d, self.audio_dim, mfb_factor, mfb_out)
            self.score = nn.Linear(mfb_out, 1)  # W_z, b_z of Eq. 5
        if self.fusion == "concat":
            self.fc = nn.Linear(2 * d, d)

    def spatial_attention(
        self, visual: torch.Tensor, audio: torch.Tensor
    ) -> torch.Tensor:
        """Eq. 5's ``lambda`` ``(B, T, S)`` from cells ``(B, T, S, d_v)`` and audio
        ``(B, T, d_a)``: sums to 1 over the ``S`` cells of each segment."""
        b, t, s, _ = visual.shape
        z = self.mfb(visual.reshape(b * t, s, -1), audio.reshape(b * t, -1))
        return torch.softmax(self.score(z).squeeze(-1), dim=-1).reshape(b, t, s)

    def forward(
        self, visual: torch.Tensor, audio: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(fused (B, T, d_v), attention (B, T, H, W))``, see the class."""
        check_segments(visual, audio, self.visual_dim, self.audio_dim)
        b, t, _, h, w = visual.shape
        cells = visual.flatten(3).transpose(2, 3)  # (B, T, S, d_v)
        lv = cells.mean(2)
        la = self.audio_embed(audio)
        if self.fusion in ("mfb", "avfb"):
            lam = self.spatial_attention(cells, audio)
            fused = (lam.unsqueeze(-1) * cells).sum(2)  # Eq. 6
        else:
            lam = cells.new_full((b, t, h * w), 1.0 / (h * w))
        if self.fusion in ("lstm", "avfb"):
            lf = self.lstm(torch.cat([lv + la, la], dim=-1))[0]  # Eq. 1
            fused = lf if self.fusion == "lstm" else lf + fused  # Eq. 7
        elif self.fusion == "multiply":
            fused = lv * la
        elif self.fusion == "add":
            fused = lv + la
        elif self.fusion == "concat":
            fused = self.fc(torch.cat([lv, la], dim=-1))
        return fused, lam.reshape(b, t, h, w)


class SWAB(nn.Module):
    """Segment-wise attention block (Eqs. 9-11), chapter 16.

    ``dim``: the width of the LSTM outputs ``h_t`` it reads; ``pooling``: one of
    :data:`SWAB_POOLING`. ``forward(h (B, T, dim))`` returns ``(s (B, T, dim), alpha
    (B, T))``: ``R_ave``/``R_max`` pool ``h`` over the segments, ``g = relu(W_g R +
    b_g)`` (one ``W_g`` for both), ``g~ = g_ave + g_max`` (or the one chosen),
    ``P_t = relu(W_g' h_t + b_g') o g~``, ``alpha = softmax_t(W_alpha P_t +
    b_alpha)`` (sums to 1 over the ``T`` segments) and ``s_t = alpha_t h_t``.
    """

    def __init__(self, dim: int, pooling: str = "both") -> None:
        super().__init__()
        self.dim = positive("dim", dim, integer=True)
        self.pooling = one_of("pooling", pooling, SWAB_POOLING)
        self.global_gate = nn.Linear(self.dim, self.dim)  # W_g, b_g
        self.segment_gate = nn.Linear(self.dim, self.dim)  # W_g', b_g'
        self.weight = nn.Linear(self.dim, 1)  # W_alpha, b_alpha

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(s (B, T, dim), alpha (B, T))``, see the class."""
        _check_tensor("h", h, 3, f"(B, T, {self.dim})")
        if h.shape[-1] != self.dim:
            raise ValueError(
                f"h must have shape (B, T, {self.dim}); got {tuple(h.shape)}"
            )
        g = 0
        if self.pooling in ("mean", "both"):
            g = g + F.relu(self.global_gate(h.mean(1)))
        if self.pooling in ("max", "both"):
            g = g + F.relu(self.global_gate(h.amax(1)))
        p = F.relu(self.segment_gate(h)) * g.unsqueeze(1)  # Eq. 9
        alpha = torch.softmax(self.weight(p).squeeze(-1), dim=1)  # Eq. 10
        return alpha.unsqueeze(-1) * h, alpha  # Eq. 11


def aggregate(
    h_visual: torch.Tensor,
    h_audio: torch.Tensor,
    s_visual: torch.Tensor,
    s_audio: torch.Tensor,
) -> torch.Tensor:
    """Eq. 12's aggregation, chapter 16: ``[h^v, h^a, s^v, s^a, sim]`` along the last
    axis with ``sim = (h^a - h^v) o (s^a - s^v)``; four ``(B, T, D)`` tensors in, ``(B,
    T, 5 D)`` out."""
    shape = h_visual.shape
    for name, x in (("h_audio", h_audio), ("s_visual", s_visual), ("s_audio", s_audio)):
        if x.shape != shape:
            raise ValueError(
                f"{name} must have the shape of h_visual {tuple(shape)}; got "
                f"{tuple(x.shape)}"
            )
    sim = (h_audio - h_visual) * (s_audio - s_visual)
    return torch.cat([h_visual, h_audio, s_visual, s_audio, sim], dim=-1)


def check_segments(
    visual: Any, audio: Any, visual_channels: int, audio_dim: int
) -> None:
    """Raise a ValueError (TypeError for a non-tensor) unless ``visual`` is ``(B, T,
    visual_channels, H, W)`` and ``audio`` ``(B, T, audio_dim)`` with the same ``B``
    and ``T``: the inputs of :class:`AVFB` and :class:`EventLocalizer` (chapter 16)."""
    _check_tensor("visual", visual, 5, f"(B, T, {visual_channels}, H, W)")
    _check_tensor("audio", audio, 3, f"(B, T, {audio_dim})")
    if visual.shape[2] != visual_channels:
        raise ValueError(
            f"visual must have shape (B, T, {visual_channels}, H, W); got "
            f"{tuple(visual.shape)}"
        )
    if audio.shape[2] != audio_dim:
        raise ValueError(
            f"audio must have shape (B, T, {audio_dim}); got {tuple(audio.shape)}"
        )
    if visual.shape[:2] != audio.shape[:2]:
        raise ValueError(
            f"visual and audio must have the same batch and segments (B, T); got "
            f"{tuple(visual.shape[:2])} and {tuple(audio.shape[:2])}"
        )


class EventLocalizer(nn.Module):
    """Ramaswamy and Das's event localizer (Fig. 2), chapter 16.

    ``visual_channels`` (``C_v``) and ``audio_dim`` (``D_a``) are the inputs' widths;
    ``num_classes`` (:data:`EVENT_CLASSES`); ``embed`` (a per-cell linear map + ReLU of
    the visual channels before everything else; None: none, the paper); ``hidden``
    (the width of the two LSTMs of Eq. 8, of SWAB and of the classifier's hidden
    layer); ``mfb_factor``, ``mfb_out`` (:class:`MFB`'s ``q``, ``p``).

    The variants of the paper's tables: ``streams`` (:data:`EVENT_STREAMS`) and
    ``fusion`` (:data:`EVENT_FUSIONS` or None). Table 1: audio (``streams="audio"``;
    ``fusion`` is ignored), visual (``"visual"``, ``fusion=None``: the grid average),
    audio-assisted visual (``"visual"``, ``"avfb"``), audio + visual (``"both"``,
    None) and the paper's model (``"both"``, ``"avfb"``). Table 2: ``fusion``. Table
    3: ``swab`` (:data:`SWAB_POOLING` or None) and ``aggregation``: the classifier
    reads :func:`aggregate`'s ``[h^v, h^a, s^v, s^a, sim]`` when True (it needs
    SWAB), else ``[s^v, s^a]`` (``[h^v, h^a]`` without SWAB); a single stream reads
    ``[h, s]`` or ``s`` (``h``).

    ``forward(visual (B, T, C_v, H, W), audio (B, T, D_a), negative_audio=None)``
    returns a dict: ``"logits"`` ``(B, T, num_classes)``; ``"attention"`` ``(B, T, H,
    W)`` (AVFB's ``lambda``, uniform for the grid average; None for audio only);
    ``"h_visual"``, ``"h_audio"`` ``(B, T, hidden)`` (Eq. 8), ``"s_visual"``,
    ``"s_audio"`` (Eq. 11) and ``"alpha_visual"``, ``"alpha_audio"`` ``(B, T)`` (Eq.
    10), None where the stream or SWAB is absent; with ``negative_audio`` (another
    clip's audio, ``(B, T, D_a)``), ``"s_audio_negative"``, its audio stream's
    ``s`` (AVTGML, Eqs. 13-16).
    """

    def __init__(
        self,
        visual_channels: int,
        audio_dim: int,
        *,
        num_classes: int = EVENT_CLASSES,
        embed: int | None = None,
        hidden: int = 128,
        mfb_factor: int = 5,
        mfb_out: int = 1000,
        fusion: str | None = "avfb",
        streams: str = "both",
        swab: str | None = "both",
        aggregation: bool = True,
    ) -> None:
        super().__init__()
        self.visual_channels = positive(
            "visual_channels", visual_channels, integer=True
        )
        self.audio_dim = positive("audio_dim", audio_dim, integer=True)
        self.num_classes = positive("num_classes", num_classes, integer=True)
        self.hidden = positive("hidden", hidden, integer=True)
        self.streams = one_of("streams", streams, EVENT_STREAMS)
        self.fusion = (
            None
            if streams == "audio"
            else one_of("fusion", fusion, (*EVENT_FUSIONS, None))
        )
        self.swab = one_of("swab", swab, (*SWAB_POOLING, None))
        if not isinstance(aggregation, bool):
            raise TypeError(f"aggregation must be a bool; got {aggregation!r}")
        if aggregation and swab is None:
            raise ValueError(
                "aggregation=True needs SWAB's s_t (Eq. 12); pass swab='both', 'mean' "
                "or 'max', or aggregation=False"
            )
        self.aggregation = aggregation
        self.has_visual = streams in ("visual", "both")
        self.has_audio = streams in ("audio", "both")
        width = self.visual_channels
        self.embed: nn.Module | None = None
        if embed is not None and self.has_visual:
            width = positive("embed", embed, integer=True)
            self.embed = nn.Sequential(
                nn.Linear(self.visual_channels, width), nn.ReLU()
            )
        if self.has_visual:
            self.avfb = (
                None
                if self.fusion is None
                else AVFB(
                    width,
                    self.audio_dim,
                    mfb_factor=mfb_factor,
                    mfb_out=mfb_out,
                    fusion=self.fusion,
                )
            )
            self.lstm_visual = nn.LSTM(width, self.hidden, batch_first=True)
            self.swab_visual = None if swab is None else SWAB(self.hidden, swab)
        if self.has_audio:
            self.lstm_audio = nn.LSTM(self.audio_dim, self.hidden, batch_first=True)
            self.swab_audio = None if swab is None else SWAB(self.hidden, swab)
        n_streams = 2 if streams == "both" else 1
        per_stream = 2 if aggregation else 1
        features = self.hidden * (
            5 if aggregation and n_streams == 2 else n_streams * per_stream
        )
        self.classifier = nn.Sequential(
            nn.Linear(features, self.hidden),
            nn.ReLU(),
            nn.Linear(self.hidden, self.num_classes),
        )

    def _visual(
        self, visual: torch.Tensor, audio: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The visual stream's input ``(B, T, width)`` and its attention ``(B, T, H,
        W)``."""
        if self.embed is not None:
            visual = self.embed(visual.movedim(2, -1)).movedim(-1, 2)
        if self.avfb is not None:
            return self.avfb(visual, audio)
        b, t, _, h, w = visual.shape
        return visual.mean((3, 4)), visual.new_full((b, t, h, w), 1.0 / (h * w))

    def _stream(
        self, x: torch.Tensor, lstm: nn.LSTM, swab: SWAB | None
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        h = lstm(x)[0]  # Eq. 8
        if swab is None:
            return h, None, None
        s, alpha = swab(h)
        return h, s, alpha

    def forward(
        self,
        visual: torch.Tensor,
        audio: torch.Tensor,
        negative_audio: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor | None]:
        """Per-segment logits and the attentions, see the class."""
        check_segments(visual, audio, self.visual_channels, self.audio_dim)
        visual, audio = visual.float(), audio.float()
        out: dict[str, torch.Tensor | None] = dict.fromkeys(
            (
                "attention",
                "h_visual",
                "s_visual",
                "alpha_visual",
                "h_audio",
                "s_audio",
                "alpha_audio",
            )
        )
        if self.has_visual:
            x, out["attention"] = self._visual(visual, audio)
            out["h_visual"], out["s_visual"], out["alpha_visual"] = self._stream(
                x, self.lstm_visual, self.swab_visual
            )
        if self.has_audio:
            out["h_audio"], out["s_audio"], out["alpha_audio"] = self._stream(
                audio, self.lstm_audio, self.swab_audio
            )
        if negative_audio is not None:
            if not self.has_audio or self.swab is None:
                raise ValueError(
                    "negative_audio needs the audio stream and SWAB (streams='both', "
                    f"swab set); this model has streams={self.streams!r}, "
                    f"swab={self.swab!r}"
                )
            _check_tensor("negative_audio", negative_audio, 3, "(B, T, D_a)")
            if negative_audio.shape != audio.shape:
                raise ValueError(
                    f"negative_audio must have the shape of audio "
                    f"{tuple(audio.shape)}; got {tuple(negative_audio.shape)}"
                )
            out["s_audio_negative"] = self._stream(
                negative_audio.float(), self.lstm_audio, self.swab_audio
            )[1]
        out["logits"] = self.classifier(self._features(out))
        return out

    def _features(self, out: dict[str, torch.Tensor | None]) -> torch.Tensor:
        """What the shared classifier reads (see the class)."""
        if self.streams == "both":
            if self.aggregation:
                return aggregate(
                    out["h_visual"], out["h_audio"], out["s_visual"], out["s_audio"]
                )
            key = "h" if self.swab is None else "s"
            return torch.cat([out[f"{key}_visual"], out[f"{key}_audio"]], dim=-1)
        m = self.streams
        if self.aggregation:
            return torch.cat([out[f"h_{m}"], out[f"s_{m}"]], dim=-1)
        return out[f"h_{m}" if self.swab is None else f"s_{m}"]
