"""Procedural sounds: the ten ACIVW-like source classes and three background noises
(chapter 06).

The ACIVW dataset (seed 002) holds half an hour of outdoor recordings for each of ten
classes: drone, shopping cart, traffic, train, boat, fountain, drill, razor, hair dryer
    and vacuum
cleaner. It cannot be downloaded, so the book synthesises stand-ins from the physics of
each
source: harmonic series of rotating machines (with pitch jitter, frequency and amplitude
modulation), band-limited aerodynamic and water noise, impulsive events (rattles, rail
joints, bubbles) filtered by resonant modes, and Doppler pass-bys for vehicles. Every
parameter (pitch, rates, timbre, mixing levels) is drawn per instance, so two drones
differ and a drone can resemble a razor: a classifier has to learn the classes, not
memorise a waveform.

All signals are mono ``float32`` arrays of ``round(duration * fs)`` samples,
peak-normalised to ``peak`` (full scale is 1.0), deterministic given the seed. Loudness
differences between sources are set by the scene (:class:`acousticlib.scenes.Source`
``level_db``), not here.

The default rate is 12 288 Hz, the papers' effective rate (1024 samples per 1/12-s video
frame); any integer rate >= 8000 Hz works: components above 45 % of the rate are left
out.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import oaconvolve

from . import _checks
from .runtime import seeded_rng

__all__ = [
    "CLASSES",
    "BACKGROUNDS",
    "SPECS",
    "SoundSpec",
    "FS",
    "BAND",
    "as_rng",
    "synthesize",
    "class_index",
]

#: Default sampling rate in Hz: 1024 samples per 1/12-s frame, as in the authors' code.
FS: int = 12288
#: The acoustic camera's useful band in Hz (seed 002).
BAND: tuple[float, float] = (500.0, 6400.0)
#: Speed of sound in air, m/s (used for the Doppler pass-bys).
_C = 343.0


def as_rng(
    rng_or_seed: np.random.Generator | int, *salt: int | str
) -> np.random.Generator:
    """Return a NumPy generator from a generator (used as is) or a non-negative integer
    seed.

    A seed is expanded with :func:`acousticlib.runtime.seeded_rng` ``(seed, *salt)``, so
    the same seed used by two parts of the library gives independent streams. A
    generator is returned unchanged (``salt`` is then ignored) and advanced by the
    caller's draws.
    """
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    if isinstance(rng_or_seed, bool) or not isinstance(rng_or_seed, numbers.Integral):
        raise TypeError(
            f"rng must be a numpy.random.Generator or a non-negative integer seed; got "
            f"{type(rng_or_seed).__name__}"
        )
    if rng_or_seed < 0:
        raise ValueError(
            f"rng seed must be a non-negative integer; got {rng_or_seed!r}"
        )
    return seeded_rng(int(rng_or_seed), *salt)


# --------------------------------------------------------------------------------------
# Building blocks. Each works on ``n`` samples at rate ``fs`` and returns float64
# arrays.
# --------------------------------------------------------------------------------------


def _top(fs: int) -> float:
    """Highest frequency (Hz) a component may reach at rate ``fs``: 45 % of fs, at
    most 6.4 kHz."""
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
    """Pitch track around ``f0`` Hz: slow random jitter (relative ``jitter`` at
    ``rate`` Hz) plus vibrato."""
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
    """Event times (s) of a Poisson process of ``rate`` events per second over
    ``dur`` s."""
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


# --------------------------------------------------------------------------------------
# The ten classes. Each recipe takes (rng, n, fs) and returns n float64 samples.
# --------------------------------------------------------------------------------------


def _drone(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Multirotor: 4 or 6 rotors with slightly different blade-pass frequencies
    # (beating), each a harmonic series whose pitch is trimmed continuously by the
    # flight controller; motor whine at a multiple of the rotation rate; broadband
    # blade-vortex noise.
    base = rng.uniform(140.0, 280.0)
    slope = rng.uniform(0.4, 0.9)

    def make(m: int) -> np.ndarray:
        x = np.zeros(m)
        for _ in range(int(rng.choice([4, 6]))):
            f0 = _track(rng, m, fs, base * rng.uniform(0.95, 1.05), 0.02, 4.0)
            x += _harmonic(rng, f0, _tone_amps(rng, 40, slope, f0=base), fs)
            whine = f0 * rng.uniform(5.0, 9.0)
            x += 0.3 * _harmonic(rng, whine, _tone_amps(rng, 3, 1.0), fs)
        x /= np.sqrt(np.mean(x**2))
        x += rng.uniform(0.3, 0.8) * _band_noise(
            rng, m, fs, 700.0, 5000.0, peak=rng.uniform(1500, 3500)
        )
        return x * _envelope(rng, m, fs, 0.1, 3.0)

    return _pass_by(
        rng,
        n,
        fs,
        make,
        speed=(3.0, 10.0),
        distance=(3.0, 15.0),
        centre=(-1.0, n / fs + 1.0),
    )


def _shopping_cart(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Wire basket on castors: rolling noise modulated by the wheel rotation, dense
    # metallic rattle synchronised loosely with the wheel, and sometimes a squeaking
    # castor.
    dur = n / fs
    t = np.arange(n) / fs
    wheel = rng.uniform(2.0, 6.0)
    mod = 1.0 + 0.6 * np.abs(np.sin(np.pi * wheel * t + rng.random() * np.pi))
    roll = _band_noise(rng, n, fs, 400.0, 3500.0, tilt=-2.0) * mod
    times = _poisson_times(rng, rng.uniform(15.0, 45.0), dur)
    phase = np.sin(np.pi * wheel * times) ** 2
    amps = rng.lognormal(0.0, 0.6, times.size) * (0.3 + phase)
    rattle = _impacts(
        rng, n, fs, times, amps, (1500.0, 6000.0), (0.004, 0.025), groups=4
    )
    x = rng.uniform(0.4, 0.9) * roll + rattle
    if rng.random() < 0.5:
        f0 = _track(rng, n, fs, rng.uniform(1800.0, 3500.0), 0.05, 8.0)
        gate = np.clip(_smooth(rng, n, fs, 3.0), 0.0, None)
        x += rng.uniform(0.2, 0.6) * _harmonic(rng, f0, [1.0, 0.3], fs) * gate
    return x


def _traffic(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # A road: a few vehicles passing by (tyre noise peaking near 1 kHz, engine
    # harmonics), each with its Doppler shift and 1/r swell, over a distant rumble;
    # sometimes a horn.
    dur = n / fs
    x = 0.4 * _band_noise(rng, n, fs, 300.0, 2500.0, tilt=-3.0)
    for _ in range(int(rng.integers(1, 4))):
        fe = rng.uniform(25.0, 70.0)
        level = rng.uniform(0.5, 1.5)

        def make(m: int, fe: float = fe) -> np.ndarray:
            tyre = _band_noise(
                rng, m, fs, 500.0, 4000.0, peak=rng.uniform(800.0, 1400.0), q=1.0
            )
            eng = _harmonic(
                rng,
                _track(rng, m, fs, fe, 0.03, 2.0),
                _tone_amps(rng, 30, 0.5, f0=fe),
                fs,
            )
            return tyre + rng.uniform(0.2, 0.6) * eng

        x += level * _pass_by(
            rng,
            n,
            fs,
            make,
            speed=(8.0, 20.0),
            distance=(4.0, 15.0),
            centre=(-0.5, dur + 0.5),
        )
    if rng.random() < 0.15:
        t = np.arange(n) / fs
        t1 = rng.uniform(0.0, dur)
        gate = ((t > t1) & (t < t1 + rng.uniform(0.2, 0.6))).astype(float)
        f0 = np.full(n, rng.uniform(330.0, 480.0))
        x += (
            0.7
            * (
                _harmonic(rng, f0, _tone_amps(rng, 12, 0.5), fs)
                + _harmonic(rng, f0 * 1.26, _tone_amps(rng, 10, 0.5), fs)
            )
            * gate
        )
    return x


def _train(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Rolling stock: broadband wheel-rail noise, pairs of clacks at the rail joints (two
    # axles of a bogie), traction-motor whine, and flange squeal in curves.
    dur = n / fs
    roll = _band_noise(
        rng, n, fs, 300.0, 4500.0, tilt=-1.5, peak=rng.uniform(600.0, 1500.0), q=0.8
    )
    x = roll * _envelope(rng, n, fs, 0.15, 1.0)
    period = rng.uniform(0.15, 0.6)
    gap = rng.uniform(0.07, 0.15)
    first = np.arange(rng.uniform(0.0, period), dur, period)
    times = np.concatenate([first, first + gap]) + rng.normal(
        0.0, 0.005, 2 * first.size
    )
    clack = _impacts(
        rng,
        n,
        fs,
        times,
        rng.lognormal(0.0, 0.3, times.size),
        (300.0, 2000.0),
        (0.015, 0.05),
        groups=2,
        modes=4,
    )
    x += rng.uniform(0.5, 1.2) * clack
    fm = rng.uniform(90.0, 250.0)
    x += rng.uniform(0.15, 0.4) * _harmonic(
        rng, _track(rng, n, fs, fm, 0.01, 1.0), _tone_amps(rng, 12, 0.8), fs
    )
    if rng.random() < 0.4:
        f0 = _track(
            rng,
            n,
            fs,
            rng.uniform(2000.0, 4500.0),
            0.03,
            2.0,
            vibrato=0.005,
            vib_rate=7.0,
        )
        x += (
            rng.uniform(0.3, 1.0)
            * _harmonic(rng, f0, [1.0, 0.2], fs)
            * _envelope(rng, n, fs, 0.8, 2.0)
        )
    return x


def _boat(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Outboard engine: firing-rate harmonic series with strong odd harmonics and
    # throttle modulation by the waves, passing by with Doppler; water slapping the
    # hull.
    fe = rng.uniform(40.0, 110.0)
    k = np.arange(1, 81)
    odd = np.where(k % 2 == 1, 1.0, rng.uniform(0.3, 0.7))

    def make(m: int) -> np.ndarray:
        f0 = _track(
            rng,
            m,
            fs,
            fe,
            0.03,
            1.0,
            vibrato=rng.uniform(0.0, 0.03),
            vib_rate=rng.uniform(0.4, 1.5),
        )
        eng = _harmonic(
            rng,
            f0,
            _tone_amps(rng, 80, rng.uniform(0.3, 0.7), f0=fe, hp=600.0) * odd,
            fs,
        )
        return eng * _envelope(rng, m, fs, 0.1, 2.0)

    x = _pass_by(
        rng,
        n,
        fs,
        make,
        speed=(4.0, 12.0),
        distance=(5.0, 20.0),
        centre=(-1.0, n / fs + 1.0),
    )
    water = _band_noise(rng, n, fs, 500.0, 5000.0, tilt=-1.0) * _envelope(
        rng, n, fs, 0.6, rng.uniform(0.5, 2.0)
    )
    return x + rng.uniform(0.3, 0.8) * water


def _fountain(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Falling water: a dense broadband splash with fast flicker, countless bubbles
    # ringing at their Minnaert frequencies (rising as they shrink), and a low rumble of
    # the jet.
    dur = n / fs
    splash = _band_noise(
        rng, n, fs, 700.0, 6000.0, tilt=rng.uniform(-1.0, 2.0)
    ) * _envelope(rng, n, fs, 0.2, 20.0)
    times = _poisson_times(rng, rng.uniform(60.0, 250.0), dur)
    bubbles = _impacts(
        rng,
        n,
        fs,
        times,
        rng.lognormal(0.0, 0.5, times.size),
        (800.0, 4500.0),
        (0.002, 0.008),
        groups=6,
        modes=1,
        chirp=0.3,
    )
    rumble = _band_noise(rng, n, fs, 150.0, 700.0)
    return splash + rng.uniform(0.3, 1.0) * bubbles + rng.uniform(0.1, 0.4) * rumble


def _drill(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Electric drill: universal-motor harmonics, gear whine, speed set by the trigger
    # (ramps), brush noise, and in hammer mode a train of impacts.
    dur = n / fs
    m = max(2, int(dur * rng.uniform(0.5, 2.0)) + 2)
    speed = np.interp(np.linspace(0, m - 1, n), np.arange(m), rng.uniform(0.65, 1.0, m))
    f0 = rng.uniform(180.0, 420.0) * speed * (1.0 + 0.01 * _smooth(rng, n, fs, 20.0))
    x = _harmonic(
        rng, f0, _tone_amps(rng, 30, rng.uniform(0.6, 1.1), f0=float(f0.mean())), fs
    )
    x += rng.uniform(0.3, 0.8) * _harmonic(
        rng, f0 * rng.uniform(3.0, 6.0), _tone_amps(rng, 3, 1.0), fs
    )
    x += rng.uniform(0.15, 0.4) * _band_noise(rng, n, fs, 2000.0, 6400.0)
    if rng.random() < 0.5:
        rate = rng.uniform(25.0, 60.0)
        times = np.arange(rng.uniform(0, 1 / rate), dur, 1 / rate)
        x += rng.uniform(0.4, 1.0) * _impacts(
            rng,
            n,
            fs,
            times,
            rng.lognormal(0, 0.2, times.size),
            (1000.0, 3500.0),
            (0.003, 0.01),
            groups=2,
        )
    return x * speed


def _razor(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Electric shaver: an oscillating cutter driven near mains rate, a very bright buzz
    # (slowly decaying harmonics), crackle of hairs being cut, and loudness changing on
    # the skin.
    f0 = _track(rng, n, fs, rng.uniform(90.0, 240.0), 0.01, 3.0)
    x = _harmonic(rng, f0, _tone_amps(rng, 60, rng.uniform(0.1, 0.5)), fs)
    crackle = (
        _band_noise(rng, n, fs, 2500.0, 6400.0)
        * np.clip(_smooth(rng, n, fs, 30.0), 0.0, None) ** 2
    )
    x += rng.uniform(0.2, 0.7) * crackle
    return x * _envelope(rng, n, fs, 0.15, 2.0)


def _hair_dryer(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Hair dryer: turbulent airflow through the nozzle (broadband with a duct
    # resonance), the fan's blade-pass tone with a few harmonics, and a weak motor hum.
    x = _band_noise(
        rng,
        n,
        fs,
        500.0,
        6400.0,
        tilt=rng.uniform(-2.0, 1.0),
        peak=rng.uniform(1200.0, 3500.0),
        q=1.0,
    )
    fb = _track(rng, n, fs, rng.uniform(400.0, 900.0), 0.005, 2.0)
    x += rng.uniform(0.15, 0.5) * _harmonic(rng, fb, _tone_amps(rng, 4, 1.0), fs)
    fm = _track(rng, n, fs, rng.uniform(100.0, 200.0), 0.005, 1.0)
    x += rng.uniform(0.05, 0.2) * _harmonic(rng, fm, _tone_amps(rng, 6, 1.0), fs)
    return x * _envelope(rng, n, fs, 0.05, 1.0)


def _vacuum_cleaner(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Vacuum cleaner: a high-speed motor whine with harmonics, broadband suction noise
    # with a hose resonance, slow swells as the nozzle is pushed and pitch jumps when it
    # is blocked.
    dur = n / fs
    t = np.arange(n) / fs
    f0 = rng.uniform(450.0, 1100.0) * (1.0 + 0.01 * _smooth(rng, n, fs, 1.0))
    if rng.random() < 0.5:
        t1 = rng.uniform(0.0, dur)
        f0 = f0 * (1.0 + rng.uniform(0.05, 0.15) / (1.0 + np.exp(-(t - t1) * 40.0)))
    x = rng.uniform(0.3, 0.9) * _harmonic(
        rng, f0, _tone_amps(rng, 8, rng.uniform(0.5, 1.2)), fs
    )
    x += _band_noise(
        rng, n, fs, 300.0, 5500.0, tilt=-1.0, peak=rng.uniform(700.0, 2200.0), q=1.2
    )
    return x * _envelope(rng, n, fs, 0.2, rng.uniform(0.3, 1.0))


# --------------------------------------------------------------------------------------
# Backgrounds: diffuse noise added by the scene conditions, poor in the useful band.
# --------------------------------------------------------------------------------------


def _wind(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Gusty wind: low-frequency turbulence on the microphones, gusts, rustling leaves.
    gust = _envelope(rng, n, fs, 0.6, rng.uniform(0.5, 2.0))
    x = _band_noise(rng, n, fs, 20.0, 500.0, tilt=-4.0) * gust
    x += rng.uniform(0.05, 0.25) * _band_noise(rng, n, fs, 2000.0, 6400.0) * gust**2
    return x


def _traffic_hum(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Distant traffic: a low rumble with slowly varying loudness and faint engine
    # harmonics.
    x = _band_noise(rng, n, fs, 30.0, 700.0, tilt=-3.0) * _envelope(
        rng, n, fs, 0.3, 0.3
    )
    f0 = _track(rng, n, fs, rng.uniform(30.0, 60.0), 0.02, 0.5)
    return x + 0.2 * _harmonic(rng, f0, _tone_amps(rng, 8, 1.0), fs)


def _room_tone(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # Room tone: pinkish air-conditioning noise, a duct band, and mains hum (50 or 60
    # Hz).
    x = _band_noise(rng, n, fs, 40.0, 6000.0, tilt=-4.5)
    x += 0.5 * _band_noise(rng, n, fs, 100.0, 500.0)
    mains = float(rng.choice([50.0, 60.0]))
    x += rng.uniform(0.05, 0.3) * _harmonic(
        rng, np.full(n, mains), _tone_amps(rng, 6, 1.5), fs
    )
    return x


@dataclass(frozen=True)
class SoundSpec:
    """A sound in the registry: its name, ``kind`` (``"source"`` or ``"background"``),
    its integer ``label`` (index in :data:`CLASSES` or :data:`BACKGROUNDS`), whether the
    physical object usually ``moves``, a one-line ``description`` and its recipe
    ``synth(rng, n, fs)``."""

    name: str
    kind: str
    label: int
    moves: bool
    description: str
    synth: Callable[[np.random.Generator, int, int], np.ndarray]


_SOURCES = (
    (
        "drone",
        True,
        "multirotor blade-pass harmonics with beating rotors, motor whine, Doppler",
        _drone,
    ),
    (
        "shopping_cart",
        True,
        "rolling noise, metallic rattle on the wheel rhythm, castor squeak",
        _shopping_cart,
    ),
    (
        "traffic",
        True,
        "vehicles passing by: tyre noise, engine harmonics, Doppler, rare horn",
        _traffic,
    ),
    (
        "train",
        True,
        "wheel-rail noise, rail-joint clack pairs, motor whine, flange squeal",
        _train,
    ),
    (
        "boat",
        True,
        "outboard engine odd harmonics with throttle modulation, water, Doppler",
        _boat,
    ),
    (
        "fountain",
        False,
        "broadband splash, rising bubble resonances, low rumble",
        _fountain,
    ),
    (
        "drill",
        False,
        "motor harmonics with trigger ramps, gear whine, optional hammer impacts",
        _drill,
    ),
    ("razor", False, "bright buzz near mains rate, cutting crackle", _razor),
    (
        "hair_dryer",
        False,
        "airflow noise with duct resonance, fan blade-pass tone",
        _hair_dryer,
    ),
    (
        "vacuum_cleaner",
        False,
        "high-speed motor whine, suction noise, swells and blockages",
        _vacuum_cleaner,
    ),
)
_BACKS = (
    ("wind", "gusty low-frequency turbulence and rustle", _wind),
    ("traffic_hum", "distant traffic rumble with faint engine harmonics", _traffic_hum),
    ("room_tone", "air conditioning, duct noise and mains hum", _room_tone),
)

#: The ten source classes, in the order of seed 002; a class's label is its index here.
CLASSES: tuple[str, ...] = tuple(s[0] for s in _SOURCES)
#: The background noises used by the scene conditions.
BACKGROUNDS: tuple[str, ...] = tuple(b[0] for b in _BACKS)
#: Registry of every sound by name (sources and backgrounds).
SPECS: dict[str, SoundSpec] = {
    **{
        name: SoundSpec(name, "source", i, moves, desc, fn)
        for i, (name, moves, desc, fn) in enumerate(_SOURCES)
    },
    **{
        name: SoundSpec(name, "background", i, False, desc, fn)
        for i, (name, desc, fn) in enumerate(_BACKS)
    },
}


def class_index(name: str) -> int:
    """Integer label (0..9) of a source class name from :data:`CLASSES`."""
    _checks.one_of("name", name, CLASSES)
    return CLASSES.index(name)


def synthesize(
    name: str,
    duration: float = 1.0,
    fs: int = FS,
    rng: np.random.Generator | int = 0,
    *,
    peak: float = 0.9,
) -> np.ndarray:
    """Synthesise one random instance of a source class or a background noise (chapter
    06).

    Parameters
    ----------
    name:
        A source class from :data:`CLASSES` or a background from :data:`BACKGROUNDS`.
    duration:
        Length in seconds (> 0, at most 600).
    fs:
        Sampling rate in Hz, an integer >= 8000 (default 12 288 Hz).
    rng:
        A ``numpy.random.Generator`` or a non-negative integer seed; a seed is expanded
        with ``acousticlib.runtime.seeded_rng(seed, "sound", name)``, so the output
        depends only on ``(name, duration, fs, seed)``.
    peak:
        Peak absolute amplitude of the result, in (0, 1] (full scale = 1).

    Returns
    -------
    numpy.ndarray
        Mono signal, ``float32``, shape ``(round(duration * fs),)``, zero mean, peak
        ``peak``. The crest factor is soft-limited to about 5 (a gentle compressor), so
        rare loud impacts do not make the rest of the clip inaudible after peak
        normalisation.
    """
    _checks.one_of("name", name, tuple(SPECS))
    duration = _checks.positive("duration", duration)
    if duration > 600.0:
        raise ValueError(f"duration must be at most 600 s; got {duration!r}")
    fs = _checks.positive("fs", fs, integer=True)
    if fs < 8000:
        raise ValueError(f"fs must be an integer sampling rate >= 8000 Hz; got {fs!r}")
    _checks.in_range("peak", peak, 0.0, 1.0)
    if peak == 0.0:
        raise ValueError("peak must lie in (0, 1]; got 0.0")
    n = int(round(duration * fs))
    if n < 16:
        raise ValueError(
            f"duration * fs must give at least 16 samples; got {n} ({duration} s at "
            f"{fs} Hz)"
        )
    gen = as_rng(rng, "sound", name)
    x = SPECS[name].synth(gen, n, fs)
    x = x - x.mean()
    limit = 5.0 * np.sqrt(np.mean(x**2)) + 1e-12
    x = limit * np.tanh(x / limit)
    x *= peak / (np.max(np.abs(x)) + 1e-12)
    return x.astype(np.float32)
