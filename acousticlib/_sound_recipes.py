"""The recipes of the procedural sounds (chapter 06): the ten ACIVW-like source classes
and the three background noises, private to :mod:`acousticlib.sounds`.

Each recipe takes ``(rng, n, fs)`` (a NumPy generator, a number of samples, a rate in
Hz) and returns ``n`` float64 samples at an arbitrary level; the physics it imitates is
in the comment at its top (frequencies in Hz, times in seconds, distances in metres,
speeds in m/s). :func:`acousticlib.sounds.synthesize` reaches them through the registry
(:data:`acousticlib.sounds.SPECS`), removes the mean, soft-limits the crest factor and
normalises the peak. This module imports only :mod:`acousticlib._sound_blocks`.
"""

from __future__ import annotations

import numpy as np

from ._sound_blocks import (
    _band_noise,
    _envelope,
    _harmonic,
    _impacts,
    _pass_by,
    _poisson_times,
    _smooth,
    _tone_amps,
    _track,
)

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
