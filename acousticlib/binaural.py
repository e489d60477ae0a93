"""Binaural rendering on a rigid spherical head, and the interaural cues (chapters 17
and 18).

A listener's head sits at the camera (the array centre, the origin of the frame of
:mod:`acousticlib.geometry`: ``x`` right, ``y`` down, ``z`` along the camera's axis),
with its two ears at the ends of the interaural axis: the left ear at ``(-a, 0, 0)``,
the right ear at ``(+a, 0, 0)``, ``a`` the head radius (8.75 cm by default, Brown &
Duda's average head). Azimuths are degrees from the camera's axis toward the right
ear (``atan2(x, z)``: +90 deg is straight right, -90 deg straight left).

**The head model.** The head is a rigid sphere and each ear a point on its surface:
:func:`spherical_head_response` is the exact transfer function of Duda & Martens (1998,
"Range dependence of the response of a spherical head model", JASA 104(5)), the
pressure at the ear relative to the free-field pressure that the source would give at
the head's centre with the head absent, from its series solution::

    H(rho, mu, theta) = -(rho / mu) exp(-i mu rho)
                        sum_m (2m + 1) P_m(cos theta) h_m(mu rho) / h_m'(mu)

with ``mu = 2 pi f a / c``, ``rho = r / a`` (``r`` the source's distance from the
centre), ``theta`` the angle between the ear and the source seen from the centre and
``h_m`` the outgoing spherical Hankel function (numpy's FFT sign convention: a delay
``tau`` is ``exp(-i 2 pi f tau)``). It holds for a point source at any distance outside
the head, near field included, and gives both cues from one physical model: the
interaural time difference (the wave creeps around the sphere; Woodworth's
``a / c (theta + sin theta)`` at high frequency, about ``3 a / c sin theta`` at low
frequency) and the interaural level difference (the head's acoustic shadow, 0 dB at low
frequency and growing with frequency and azimuth). **Its limits**: a sphere is not a
head. There is no pinna, torso or neck, so no spectral elevation cues and no
front-back asymmetry (a source at azimuth ``phi`` and its mirror ``180 - phi`` are
heard alike); the ears sit exactly at +-90 deg (a real ear is about 10 deg behind);
the surface is perfectly rigid; one radius fits everyone. Rendering is anechoic: the
direct path only, no room.

**Rendering.** :func:`render_source` propagates a dry signal to the head's centre with
the package's free-field model (:func:`acousticlib.simulate.free_field`: delay ``r /
c`` and gain ``1 / (4 pi r)``, moving sources included) and filters it with each ear's
:func:`head_filters`; :func:`render_scene` does it for every source of a
:class:`acousticlib.scenes.Scene` at the dataset's sample rate and returns the
binaural mix, each source alone and the mono mix ``x^M = x^L + x^R`` of the
Mono2Binaural formulation (Gao's dissertation, eq. 7.1; chapter 17).

**Cues.** :func:`gcc_phat` (the generalized cross-correlation with phase transform),
:func:`interaural_time_difference` (its peak, seconds) and
:func:`interaural_level_difference` (dB, broadband or per band), with the formulas to
check them against: :func:`woodworth_itd` and :func:`spherical_head_ild`. Both cues are
signed "right-leading positive": a source on the right (positive azimuth) reaches the
right ear first and louder, so its ITD = (arrival at the left) - (arrival at the right)
and its ILD = level(right) - level(left) are positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import as_array, positive
from .geometry import SPEED_OF_SOUND
from .scenes import Scene, source_signals
from .simulate import check_fs, free_field, trajectory_positions
from .sounds import FS

#: Default head radius, metres: Brown & Duda's (1998) average adult head.
HEAD_RADIUS = 0.0875

#: Default length of the ears' FIR filters, samples (:func:`head_filters`).
HEAD_FILTER_TAPS = 128

#: Longest hop, seconds, over which a moving source's direction is held constant.
MOVING_HOP_S = 1 / 48

__all__ = [
    "HEAD_FILTER_TAPS",
    "HEAD_RADIUS",
    "MOVING_HOP_S",
    "BinauralScene",
    "azimuth",
    "ear_positions",
    "gcc_phat",
    "head_filters",
    "interaural_level_difference",
    "interaural_time_difference",
    "render_scene",
    "render_source",
    "spherical_head_ild",
    "spherical_head_response",
    "woodworth_itd",
]


# --------------------------------------------------------------------------------------
# Geometry of the head
# --------------------------------------------------------------------------------------


def ear_positions(radius: float = HEAD_RADIUS) -> np.ndarray:
    """The two ears ``(2, 3)`` metres, left then right: ``(-a, 0, 0)`` and ``(+a, 0,
    0)`` for a head of radius ``a`` centred at the camera (chapter 17)."""
    a = positive("radius", radius)
    return np.array([[-a, 0.0, 0.0], [a, 0.0, 0.0]])


def _check_position(position: Any, radius: float, name: str = "position") -> np.ndarray:
    p = as_array(name, position, dtype=float)
    if p.ndim < 1 or p.shape[-1] != 3:
        raise ValueError(
            f"{name} must have shape (3,) or (..., 3) metres; got {p.shape}"
        )
    if np.any(np.linalg.norm(p, axis=-1) <= radius):
        raise ValueError(
            f"{name} must lie outside the head (farther than radius = {radius} m from "
            f"the camera)"
        )
    return p


def azimuth(position: Any) -> np.ndarray | float:
    """Azimuth in degrees of positions ``(..., 3)`` metres (camera frame): ``atan2(x,
    z)``, positive toward the right ear, in ``(-180, 180]`` (chapter 17)."""
    p = as_array("position", position, dtype=float)
    if p.ndim < 1 or p.shape[-1] != 3:
        raise ValueError(f"position must have shape (..., 3) metres; got {p.shape}")
    out = np.degrees(np.arctan2(p[..., 0], p[..., 2]))
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------
# The rigid sphere (Duda & Martens 1998)
# --------------------------------------------------------------------------------------


def _sphere_series(
    mu: np.ndarray, rho: np.ndarray, cos_theta: np.ndarray
) -> np.ndarray:
    """Duda & Martens' H for broadcastable ``mu`` (> 0), ``rho`` (> 1), ``cos_theta``;
    physics sign convention (``exp(-i omega t)``), terms summed to convergence."""
    from scipy.special import eval_legendre, spherical_jn, spherical_yn

    mu, rho, ct = np.broadcast_arrays(mu, rho, cos_theta)
    x = mu * rho
    # past m ~ mu the terms fall at least geometrically (ratio ~ 1 / rho): enough of
    # them for 1e-15 relative accuracy
    n_terms = int(np.ceil(np.max(mu) + 20 + 36 / np.log(max(np.min(rho), 1.05))))
    total = np.zeros(mu.shape, dtype=complex)
    with np.errstate(over="ignore", invalid="ignore"):
        for m in range(min(n_terms, 600)):
            num = spherical_jn(m, x) + 1j * spherical_yn(m, x)
            den = spherical_jn(m, mu, derivative=True) + 1j * spherical_yn(
                m, mu, derivative=True
            )
            term = (2 * m + 1) * eval_legendre(m, ct) * num / den
            # an overflowed derivative (tiny mu, high order) means a vanishing term
            total += np.where(np.isfinite(term), term, 0.0)
    return -(rho / mu) * np.exp(-1j * x) * total


def spherical_head_response(
    freqs: Any,
    position: Any,
    *,
    radius: float = HEAD_RADIUS,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Transfer functions ``(2, F)`` (left, right ear) of a rigid spherical head for a
    point source at ``position`` ``(3,)`` metres (camera frame), at ``freqs`` ``(F,)``
    Hz (chapter 17).

    Duda & Martens' series solution (see the module's docstring): each ear's complex
    pressure relative to the free-field pressure at the head's centre with the head
    absent, so a source's ear signal is its :func:`acousticlib.simulate.free_field`
    signal at the centre filtered by this. Numpy's FFT sign convention (a delay
    ``tau`` is ``exp(-i 2 pi f tau)``). At 0 Hz it is the series' static limit: 1 for
    a far source (the head is transparent to long waves), but a near source is louder
    at the near ear (``1 + 3 a cos(theta) / (2 r)`` to first order: the near field's
    parallax, enhanced by the sphere). The source must lie outside the head.
    """
    a = positive("radius", radius)
    c = positive("c", c)
    f = as_array("freqs", freqs, ndim=1, dtype=float, nonnegative=True)
    p = _check_position(position, a)
    if p.shape != (3,):
        raise ValueError(f"position must have shape (3,) metres; got {p.shape}")
    r = float(np.linalg.norm(p))
    cos_theta = ear_positions(a) @ p / (a * r)  # (2,)
    mu = 2 * np.pi * f * a / c
    out = np.empty((2, f.size), dtype=complex)
    on = mu > 0
    if np.any(on):
        h = _sphere_series(mu[None, on], np.array(r / a), cos_theta[:, None])
        out[:, on] = np.conj(h)  # physics exp(-i omega t) -> numpy's FFT convention
    if not np.all(on):
        out[:, ~on] = _static_limit(r / a, cos_theta)[:, None]
    return out


def _static_limit(rho: float, cos_theta: np.ndarray) -> np.ndarray:
    """The series' limit at 0 Hz: ``sum_m (2m + 1) / (m + 1) P_m(cos theta) rho^-m``
    (small-argument Hankel functions), real; 1 far away, ``1 + 3 cos(theta) / (2 rho)
    + ...`` near the head (the near field's parallax, enhanced by the sphere)."""
    from scipy.special import eval_legendre

    n_terms = int(np.ceil(36 / np.log(max(rho, 1.05))))
    m = np.arange(min(n_terms, 600))[:, None]
    terms = (2 * m + 1) / (m + 1) * eval_legendre(m, cos_theta[None]) * rho ** (-m)
    return terms.sum(axis=0)


def head_filters(
    position: Any,
    fs: float = FS,
    *,
    n_taps: int = HEAD_FILTER_TAPS,
    radius: float = HEAD_RADIUS,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """FIR impulse responses ``(2, n_taps)`` (left, right) of the two ears for a source
    at ``position`` ``(3,)`` metres, sampled at ``fs`` Hz (chapter 17).

    :func:`spherical_head_response` on the ``n_taps``-point FFT grid, transformed to the
    time domain and centred: tap ``n_taps // 2`` is time zero (the ipsilateral ear hears
    up to ``a / c`` seconds before the head's centre, so the filters are not causal),
    then a Tukey taper keeps the ends quiet. The head's responses last well under a
    millisecond, so the default 128 taps (10 ms at 12 288 Hz) hold them: their
    magnitudes follow the series within a few tenths of a dB up to 0.45 ``fs``.
    """
    fs = check_fs(fs)
    n = positive("n_taps", n_taps, integer=True)
    if n < 16 or n % 2:
        raise ValueError(
            f"n_taps must be an even number of samples >= 16; got {n_taps}"
        )
    from scipy.signal.windows import tukey

    f = np.fft.rfftfreq(n, 1 / fs)
    H = spherical_head_response(f, position, radius=radius, c=c)
    H[:, -1] = np.abs(H[:, -1])  # the Nyquist bin of a real filter is real
    half = n // 2
    shift = np.exp(-2j * np.pi * f * half / fs)  # delay by half the length: centred
    return np.fft.irfft(H * shift, n, axis=-1) * tukey(n, 0.25)


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def render_source(
    signal: Any,
    fs: float,
    position: Any,
    *,
    n_samples: int | None = None,
    radius: float = HEAD_RADIUS,
    c: float = SPEED_OF_SOUND,
    n_taps: int = HEAD_FILTER_TAPS,
) -> np.ndarray:
    """Binaural signals ``(2, n_samples)`` (left, right; pascals) of one point source
    heard by the spherical head at the camera (chapter 17).

    ``signal`` ``(N,)`` is the dry source (as :func:`acousticlib.simulate.free_field`
    takes it), ``fs`` Hz, ``position`` ``(3,)`` static or ``(K, 3)`` waypoints visited
    at evenly spaced times (metres, camera frame). The free-field signal at the head's
    centre (delay ``r / c``, gain ``1 / (4 pi r)``, Doppler for a moving source) is
    filtered by each ear's :func:`head_filters`; a moving source's filters follow its
    direction, held for :data:`MOVING_HOP_S` and cross-faded with Hann windows.
    """
    from scipy.signal import fftconvolve

    fs = check_fs(fs)
    a = positive("radius", radius)
    s = as_array("signal", signal, ndim=1, dtype=float, what="(N,): samples")
    n = s.size if n_samples is None else positive("n_samples", n_samples, integer=True)
    traj = trajectory_positions(position, max(n, s.size))[:n]
    _check_position(traj, a)
    centre = free_field(s, fs, position, np.zeros((1, 3)), c=c, n_samples=n)[0]
    half = positive("n_taps", n_taps, integer=True) // 2
    if np.ptp(traj, axis=0).max() == 0.0:
        h = head_filters(traj[0], fs, n_taps=n_taps, radius=a, c=c)
        return fftconvolve(centre[None], h, axes=-1)[:, half : half + n]
    hop = max(1, int(round(MOVING_HOP_S * fs / 2)))
    win = np.hanning(2 * hop + 1)[:-1]  # periodic Hann: overlapping copies sum to 1
    padded = np.concatenate([np.zeros(hop), centre, np.zeros(2 * hop)])
    out = np.zeros((2, n + 3 * hop + 2 * half))
    for start in range(0, n + hop, hop):
        t = min(start, n - 1)
        # the direction the sound heard at t left from: the source at t - r / c
        emitted = max(0, t - int(round(np.linalg.norm(traj[t]) / c * fs)))
        h = head_filters(traj[emitted], fs, n_taps=n_taps, radius=a, c=c)
        piece = fftconvolve(padded[None, start : start + 2 * hop] * win, h, axes=-1)
        out[:, start : start + piece.shape[1]] += piece
    # out[:, j] holds output sample j - hop - half
    return out[:, hop + half : hop + half + n]


@dataclass(frozen=True)
class BinauralScene:
    """A scene heard by the spherical head (chapter 17): ``binaural`` ``(2, N)`` (left,
    right; pascals), ``sources`` ``(S, 2, N)`` each source alone, ``mono`` ``(N,)`` the
    mono mix ``left + right`` (Gao's ``x^M``), ``azimuths`` ``(S,)`` degrees at t = 0,
    ``fs`` Hz."""

    binaural: np.ndarray
    sources: np.ndarray
    mono: np.ndarray
    azimuths: np.ndarray
    fs: int


def render_scene(
    scene: Scene,
    fs: int = FS,
    *,
    radius: float = HEAD_RADIUS,
    c: float = SPEED_OF_SOUND,
    n_taps: int = HEAD_FILTER_TAPS,
) -> BinauralScene:
    """Render a :class:`acousticlib.scenes.Scene`'s sources to the two ears of a
    spherical head at the camera, at the dataset's sample rate ``fs`` Hz (chapter 17).

    Each source's dry signal (:func:`acousticlib.scenes.source_signals`, its
    ``level_db`` applied) follows its straight-line trajectory through
    :func:`render_source`; ``N = round(duration * fs)``. Direct sound only: the scene's
    room (the reverberant condition) and its background noise are not rendered, so
    every condition is heard anechoic and noiseless. A background-only scene gives
    silence and ``S = 0``.
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    fs = positive("fs", fs, integer=True)
    dry = source_signals(scene, fs).astype(np.float64)
    n = dry.shape[1]
    parts = np.zeros((len(scene.sources), 2, n))
    for j, src in enumerate(scene.sources):
        # waypoints at the first and last samples: the straight line, at its speed
        path = (
            np.stack([src.position(0.0), src.position((n - 1) / fs)])
            if src.moving
            else src.position(0.0)
        )
        parts[j] = render_source(
            dry[j], fs, path, n_samples=n, radius=radius, c=c, n_taps=n_taps
        )
    binaural = parts.sum(axis=0)
    starts = np.array([s.start for s in scene.sources]).reshape(-1, 3)
    return BinauralScene(
        binaural=binaural,
        sources=parts,
        mono=binaural[0] + binaural[1],
        azimuths=np.atleast_1d(azimuth(starts)) if len(starts) else np.zeros(0),
        fs=fs,
    )


# --------------------------------------------------------------------------------------
# Cues and the formulas to check them against
# --------------------------------------------------------------------------------------


def _check_binaural(value: Any, name: str = "binaural") -> np.ndarray:
    x = as_array(name, value, ndim=2, dtype=float, what="(2, N): left, right x samples")
    if x.shape[0] != 2:
        raise ValueError(
            f"{name} must have shape (2, N): left and right ear; got {x.shape}"
        )
    return x


def _check_band(band: Any, fs: float, name: str = "band") -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in band)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a pair (low, high) in Hz; got {band!r}"
        ) from None
    if not 0 <= lo < hi <= fs / 2:
        raise ValueError(
            f"{name} must be (low, high) Hz with 0 <= low < high <= fs/2 = {fs / 2}; "
            f"got {band!r}"
        )
    return lo, hi


def gcc_phat(
    x: Any,
    y: Any,
    fs: float,
    *,
    max_lag: float | None = None,
    band: tuple[float, float] | None = None,
    upsample: int = 16,
) -> tuple[np.ndarray, np.ndarray]:
    """Generalized cross-correlation with phase transform of two signals ``(N,)``
    (chapters 17-18): ``(lags, gcc)``, lags in seconds, ``gcc`` ``(L,)``.

    ``gcc(tau) = IFFT[X Y* / |X Y*|]``: the cross-spectrum whitened to unit magnitude
    (only its phase is kept), so every frequency votes equally and the peak is sharp.
    Its peak sits at ``tau`` = how much ``x`` **lags** ``y``. ``band`` (Hz) keeps only
    those frequencies; ``upsample`` interpolates the correlation by zero-padding the
    spectrum (``1 / (upsample fs)`` second steps); ``max_lag`` (seconds) keeps lags in
    ``[-max_lag, max_lag]``.
    """
    fs = check_fs(fs)
    a = as_array("x", x, ndim=1, dtype=float)
    b = as_array("y", y, ndim=1, dtype=float, shape=(a.size,))
    up = positive("upsample", upsample, integer=True)
    n = 2 * a.size
    f = np.fft.rfftfreq(n, 1 / fs)
    cross = np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n))
    mag = np.abs(cross)
    cross = np.where(mag > 1e-12 * max(float(mag.max()), 1e-300), cross / mag, 0.0)
    if band is not None:
        lo, hi = _check_band(band, fs)
        cross = np.where((f >= lo) & (f <= hi), cross, 0.0)
    cc = np.fft.irfft(cross, n * up) * up
    lags = np.arange(n * up)
    lags = np.where(lags < n * up // 2, lags, lags - n * up) / (fs * up)
    order = np.argsort(lags)
    lags, cc = lags[order], cc[order]
    if max_lag is not None:
        keep = np.abs(lags) <= positive("max_lag", max_lag)
        lags, cc = lags[keep], cc[keep]
    return lags, cc


def interaural_time_difference(
    binaural: Any,
    fs: float,
    *,
    max_itd: float = 1e-3,
    band: tuple[float, float] | None = None,
) -> float:
    """Interaural time difference, seconds, of a binaural signal ``(2, N)`` (left,
    right) at ``fs`` Hz (chapters 17-18): the peak of :func:`gcc_phat` (left vs right)
    within ``+-max_itd`` seconds (1 ms by default, beyond any head's), refined by a
    parabola through the peak and its neighbours.

    Positive when the left ear lags, i.e. for a source on the right. ``band`` (Hz)
    restricts the frequencies that vote: above about 1.5 kHz a rigid sphere's ITD is
    Woodworth's (:func:`woodworth_itd`), below it tends to ``3 a / c sin(theta)``.
    """
    x = _check_binaural(binaural)
    fs = check_fs(fs)
    max_itd = positive("max_itd", max_itd)
    lags, cc = gcc_phat(x[0], x[1], fs, max_lag=max_itd, band=band)
    k = int(np.argmax(cc))
    if 0 < k < cc.size - 1:
        y0, y1, y2 = cc[k - 1], cc[k], cc[k + 1]
        den = y0 - 2 * y1 + y2
        step = lags[1] - lags[0]
        return float(lags[k] + (0.5 * (y0 - y2) / den * step if den < 0 else 0.0))
    return float(lags[k])


def interaural_level_difference(
    binaural: Any,
    fs: float,
    *,
    bands: Any = None,
) -> float | np.ndarray:
    """Interaural level difference, dB, of a binaural signal ``(2, N)`` (left, right)
    at ``fs`` Hz (chapters 17-18): ``10 log10(E_right / E_left)`` of the two ears'
    energies.

    Broadband (a float) when ``bands`` is None; else ``bands`` ``(B, 2)`` (low, high)
    Hz gives one ILD per band ``(B,)``, each from the energy of the FFT bins in
    ``[low, high)``. Positive when the right ear is louder (a source on the right).
    """
    x = _check_binaural(binaural)
    fs = check_fs(fs)
    if bands is None:
        e = np.sum(x**2, axis=1)
        edges = None
    else:
        edges = as_array("bands", bands, ndim=2, dtype=float, what="(B, 2): Hz")
        if edges.shape[1] != 2:
            raise ValueError(
                f"bands must have shape (B, 2): (low, high) Hz; got {edges.shape}"
            )
        for row in edges:
            _check_band(row, fs, "bands")
        f = np.fft.rfftfreq(x.shape[1], 1 / fs)
        power = np.abs(np.fft.rfft(x, axis=1)) ** 2
        e = np.stack(
            [power[:, (f >= lo) & (f < hi)].sum(axis=1) for lo, hi in edges], axis=1
        )
    if np.any(e <= 0):
        raise ValueError("binaural must carry energy in both ears (and in every band)")
    ild = 10 * np.log10(e[1] / e[0])
    return float(ild) if edges is None else ild


def woodworth_itd(
    azimuth_deg: Any, *, radius: float = HEAD_RADIUS, c: float = SPEED_OF_SOUND
) -> np.ndarray | float:
    """Woodworth's interaural time difference, seconds, of a far source at
    ``azimuth_deg`` degrees (chapter 17): ``a / c (theta + sin theta)``.

    The path difference of a plane wave creeping around a sphere of radius ``a`` (m) to
    ears at +-90 deg, valid for ``|theta| <= 90`` deg; a source behind (``|theta| >
    90``) is folded to its front mirror ``180 - |theta|``, as a sphere cannot tell them
    apart. Signed as :func:`interaural_time_difference`: positive to the right.
    """
    a = positive("radius", radius)
    c = positive("c", c)
    az = as_array("azimuth_deg", azimuth_deg, dtype=float)
    if np.any(np.abs(az) > 180):
        raise ValueError("azimuth_deg must lie in [-180, 180] degrees")
    folded = np.where(np.abs(az) > 90, np.sign(az) * (180 - np.abs(az)), az)
    theta = np.radians(folded)
    out = a / c * (theta + np.sin(theta))
    return float(out) if out.ndim == 0 else out


def spherical_head_ild(
    position: Any,
    freqs: Any,
    *,
    radius: float = HEAD_RADIUS,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """The rigid sphere's interaural level difference ``(F,)`` dB at ``freqs`` ``(F,)``
    Hz for a source at ``position`` ``(3,)`` metres (chapter 17): ``20 log10(|H_R| /
    |H_L|)`` of :func:`spherical_head_response`; the broadband ILD of a white source is
    the level of the mean of ``|H_R|^2`` over that of ``|H_L|^2`` (mean over the band's
    bins)."""
    H = spherical_head_response(freqs, position, radius=radius, c=c)
    return 20 * np.log10(np.abs(H[1]) / np.abs(H[0]))
