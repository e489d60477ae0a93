"""The private building blocks of the procedural sounds (chapter 06): band-limited
noise, harmonic series on a pitch track, resonant impacts, envelopes and Doppler
pass-bys.

Frequencies in Hz, times in seconds, distances in metres, speeds in m/s; each block
works on ``n`` samples at rate ``fs`` (Hz) and returns float64 arrays. Components stop
at 45 % of the rate and at the top of the useful band :data:`BAND` (Hz, importable from
:mod:`acousticlib.sounds` as before). The recipes of :mod:`acousticlib._sound_recipes`
combine them; :mod:`acousticlib.sounds` is the public face. This module imports no
library module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.signal import oaconvolve

#: The acoustic camera's useful band in Hz (Sanguineti et al. 2020).
BAND: tuple[float, float] = (500.0, 6400.0)
#: Speed of sound in air, m/s (used for the Doppler pass-bys).
_C = 343.0


# --------------------------------------------------------------------------------------
# Building blocks. Each works on ``n`` samples at rate ``fs`` and returns float64
# arrays.
# --------------------------------------------------------------------------------------


def _top(fs: int) -> float:
    """Highest frequency (Hz) a component may reach at rate ``fs``: 45 % of fs, at most
    6.4 kHz."""
    return min(BAND[1], 0.45 * fs)


def _smooth(rng: np.random.Generator, n: int, fs: int, rate: float) -> np.ndarray:
    """Zero-mean, unit-variance random curve varying about ``rate`` times per second."""
    m = max(2, int(np.ceil(n / fs * rate)) + 2)
    knots = rng.standard_normal(m)
    return np.interp(np.linspace(0.0, m - 1.0, n), np.arange(m), knots)


def _band_noise(
    rng: np.random.Generator,
    n: int,
    fs: int,
    lo: float,
    hi: float,
    *,
    tilt: float = 0.0,
    peak: float | None = None,
    q: float = 1.5,
    order: int = 3,
) -> np.ndarray:
    """Gaussian noise band-limited to [lo, hi] Hz (Butterworth-like skirts), unit RMS.

    ``tilt`` is a spectral slope in dB/octave relative to 1 kHz; ``peak`` adds a
    resonance (Hz) of quality ``q`` on top, as in a fan or a duct.
    """
    hi = min(hi, _top(fs))
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / fs)
    f[0] = 1e-3
    g = (
        1.0
        / np.sqrt(1.0 + (lo / f) ** (2 * order))
        / np.sqrt(1.0 + (f / hi) ** (2 * order))
    )
    if tilt:
        g *= (f / 1000.0) ** (tilt / 6.0206)
    if peak is not None:
        g *= 1.0 + 4.0 / (1.0 + (q * (f / peak - peak / f)) ** 2)
    x = np.fft.irfft(spec * g, n)
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def _harmonic(
    rng: np.random.Generator,
    f0: np.ndarray,
    amps: np.ndarray,
    fs: int,
    *,
    table: int = 4096,
) -> np.ndarray:
    """Harmonic series following the fundamental track ``f0`` (Hz, one value per
    sample).

    ``amps[k]`` is the amplitude of harmonic ``k + 1``; harmonics that would pass 45 %
    of ``fs`` are dropped. Synthesised by wavetable look-up (cost independent of the
    number of harmonics), with random harmonic phases. Returned with unit RMS.
    """
    kmax = int(_top(fs) // max(float(np.max(f0)), 1.0))
    amps = np.asarray(amps, dtype=float)[: max(kmax, 1)]
    spec = np.zeros(table // 2 + 1, dtype=complex)
    spec[1 : len(amps) + 1] = amps * np.exp(2j * np.pi * rng.random(len(amps)))
    wave = np.fft.irfft(spec, table)
    wave = np.append(wave, wave[0])
    phase = (rng.random() + np.cumsum(f0) / fs) % 1.0
    pos = phase * table
    i = pos.astype(np.int64)
    frac = pos - i
    x = wave[i] * (1.0 - frac) + wave[i + 1] * frac
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def _tone_amps(
    rng: np.random.Generator,
    k: int,
    slope: float,
    spread: float = 0.3,
    *,
    f0: float | None = None,
    hp: float = 400.0,
) -> np.ndarray:
    """Amplitudes ``k^-slope`` of ``k`` harmonics with random timbre (log-normal,
    ``spread``).

    With ``f0`` (Hz) given, harmonics below ``hp`` Hz are attenuated by a first-order
    high-pass (radiation of small sources and the housing favour the upper harmonics).
    """
    h = np.arange(1, k + 1, dtype=float)
    a = h**-slope * np.exp(spread * rng.standard_normal(k))
    if f0 is not None:
        a /= np.sqrt(1.0 + (hp / (h * f0)) ** 2)
    return a


def _track(
    rng: np.random.Generator,
    n: int,
    fs: int,
    f0: float,
    jitter: float,
    rate: float,
    vibrato: float = 0.0,
    vib_rate: float = 5.0,
) -> np.ndarray:
    """Pitch track around ``f0`` Hz: slow random jitter (relative ``jitter`` at ``rate``
    Hz) plus vibrato."""
    t = np.arange(n) / fs
    vib = vibrato * np.sin(2 * np.pi * vib_rate * t + 2 * np.pi * rng.random())
    return f0 * (1.0 + jitter * _smooth(rng, n, fs, rate) + vib)


def _impacts(
    rng: np.random.Generator,
    n: int,
    fs: int,
    times: np.ndarray,
    amps: np.ndarray,
    freqs: tuple[float, float],
    decay: tuple[float, float],
    *,
    groups: int = 3,
    modes: int = 3,
    chirp: float = 0.0,
) -> np.ndarray:
    """Impulsive events at ``times`` (s) with ``amps``, each ringing through damped
    resonances.

    Events are spread over ``groups`` resonators, each a sum of ``modes`` damped
    sinusoids with frequencies in ``freqs`` (Hz) and decay times in ``decay`` (s);
    ``chirp`` makes the resonance glide up by that relative amount (rising bubbles).
    Returned with unit RMS (or zeros when there are no events).
    """
    out = np.zeros(n)
    idx = np.round(np.asarray(times) * fs).astype(np.int64)
    keep = (idx >= 0) & (idx < n)
    idx, amps = idx[keep], np.asarray(amps, dtype=float)[keep]
    if idx.size == 0:
        return out
    lo, hi = freqs[0], min(freqs[1], _top(fs))
    group = rng.integers(0, groups, idx.size)
    for g in range(groups):
        sel = group == g
        if not sel.any():
            continue
        tau = rng.uniform(*decay)
        klen = int(min(5 * tau * fs, n))
        t = np.arange(klen) / fs
        kern = np.zeros(klen)
        for _ in range(modes):
            f = rng.uniform(lo, hi) * (1.0 + chirp * t / (5 * tau))
            kern += rng.uniform(0.3, 1.0) * np.sin(
                2 * np.pi * np.cumsum(f) / fs + 2 * np.pi * rng.random()
            )
        kern *= np.exp(-t / (tau * rng.uniform(0.6, 1.4)))
        train = np.zeros(n)
        np.add.at(train, idx[sel], amps[sel])
        out += oaconvolve(train, kern)[:n]
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def _poisson_times(rng: np.random.Generator, rate: float, dur: float) -> np.ndarray:
    """Event times (s) of a Poisson process of ``rate`` events per second over ``dur``
    s."""
    return rng.uniform(0.0, dur, rng.poisson(rate * dur))


def _envelope(
    rng: np.random.Generator, n: int, fs: int, depth: float, rate: float
) -> np.ndarray:
    """Positive amplitude envelope: ``exp(depth * smooth noise)`` varying at ``rate``
    Hz."""
    return np.exp(depth * _smooth(rng, n, fs, rate))


def _interp4(x: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Read ``x`` at fractional sample positions ``pos`` with 4-point cubic
    (Catmull-Rom) interpolation."""
    pos = np.clip(pos, 1.0, len(x) - 3.0)
    i = pos.astype(np.int64)
    u = pos - i
    xm, x0, x1, x2 = x[i - 1], x[i], x[i + 1], x[i + 2]
    return x0 + 0.5 * u * (
        x1 - xm + u * (2 * xm - 5 * x0 + 4 * x1 - x2 + u * (3 * (x0 - x1) + x2 - xm))
    )


def _pass_by(
    rng: np.random.Generator,
    n: int,
    fs: int,
    make: Callable[[int], np.ndarray],
    *,
    speed: tuple[float, float],
    distance: tuple[float, float],
    centre: tuple[float, float] | None = None,
) -> np.ndarray:
    """A source moving on a straight line past the listener: Doppler shift and 1/r
    loudness.

    ``make(m)`` synthesises ``m`` samples of the source as emitted. The source passes at
    ``speed`` m/s, closest ``distance`` m, at a time drawn in ``centre`` (s; default:
    within the clip). The received signal at time t is the emitted one at the retarded
    time tau = t - r(tau)/c, found by fixed-point iteration, scaled by d/r(tau).
    """
    dur = n / fs
    v, d = rng.uniform(*speed), rng.uniform(*distance)
    t0 = rng.uniform(*(centre or (0.0, dur)))
    t = np.arange(n) / fs
    tau = t.copy()
    for _ in range(4):
        tau = t - np.hypot(d, v * (tau - t0)) / _C
    r = np.hypot(d, v * (tau - t0))
    start = tau[0] - 2.0 / fs
    m = int(np.ceil((tau[-1] - start) * fs)) + 4
    src = make(m)
    return _interp4(src, (tau - start) * fs) * (d / r)
