"""Array recordings: sound propagation from sources to microphones (chapter 03).

A point source emitting the pressure signal ``s(t)`` in free field is heard by a
microphone at distance ``r`` (metres) as ``s(t - r / c) / (4 pi r)``: a delay of ``r /
c`` seconds and a spherical attenuation. Signals are in pascals (or any linear unit),
times in seconds, sampling rates in Hz; recordings have shape ``(M, N)`` = (microphones,
samples).

* :func:`free_field` is the analytic model, for static or moving sources (band-limited
  windowed-sinc interpolation, Doppler included); it is the reference that validates
* :func:`record`, which uses pyroomacoustics for anechoic and shoebox rooms with a
  target RT60 (:class:`Shoebox`), plus sensor noise at an SNR (:func:`add_sensor_noise`)
  and a spherically isotropic diffuse background (:func:`diffuse_noise`).
* :func:`fractional_delay` is the interpolator shared by the analytic model and the
  beamformed audio of :mod:`acousticlib.beamforming`.

Positions are in the array frame of :mod:`acousticlib.geometry` (array at ``z = 0``,
camera looking along ``+z``). Rooms use axes parallel to that frame, shifted so that the
array centre sits at ``array_position`` inside the room.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import runtime
from ._checks import as_array, positive
from .geometry import SPEED_OF_SOUND, as_positions, distances

#: Half-length (taps on each side) of the windowed-sinc fractional-delay interpolator.
SINC_HALF_WIDTH = 32


# --------------------------------------------------------------------------------------
# Checks shared by the public functions
# --------------------------------------------------------------------------------------


def check_fs(fs: Any) -> float:
    """Return the sampling rate ``fs`` (Hz) as a float, raising if it is not finite and
    > 0."""
    return positive("fs", fs)


def check_signal(name: str, value: Any) -> np.ndarray:
    """A mono signal ``(N,)`` of finite floats with N >= 1."""
    return as_array(name, value, ndim=1, dtype=float, what="(N,): samples")


def check_recording(name: str, value: Any, n_mics: int | None = None) -> np.ndarray:
    """An array recording ``(M, N)`` of finite floats, ``M`` matching ``n_mics`` when
    given."""
    arr = as_array(
        name, value, ndim=2, dtype=float, what="(M, N): microphones x samples"
    )
    if n_mics is not None and arr.shape[0] != n_mics:
        raise ValueError(
            f"{name} must have one row per microphone: shape ({n_mics}, N); got "
            f"{arr.shape}"
        )
    return arr


# --------------------------------------------------------------------------------------
# Fractional delays and the analytic free field
# --------------------------------------------------------------------------------------


def fractional_delay(
    signals: Any, delays: Any, *, half_width: int = SINC_HALF_WIDTH
) -> np.ndarray:
    """Delay signals by (possibly fractional, possibly time-varying) numbers of
    **samples**.

    ``y[m, n] = x[m](n - delays[m, n])``, evaluated by band-limited interpolation with a
    Hann-windowed sinc of ``2 * half_width`` taps; samples outside the signal count as
    zero.

    Parameters
    ----------
    signals: ``(N,)`` or ``(M, N)``.
    delays: scalar, ``(M,)`` (one constant delay per channel) or ``(M, N)`` (per
        sample), in samples; negative values advance the signal.

    Returns an array of the shape of ``signals``. Accurate to about 1e-4 below 0.4
    ``fs`` (the window's transition band), exact for integer delays.
    """
    x = as_array("signals", signals, ndim=(1, 2), dtype=float)
    mono = x.ndim == 1
    x2 = x[None] if mono else x
    m, n = x2.shape
    d = as_array("delays", delays, dtype=float)
    if d.ndim == 0:
        d = np.full((m, 1), float(d))
    elif d.ndim == 1 and d.shape[0] == m:
        d = d[:, None]
    elif d.shape != (m, n):
        raise ValueError(
            f"delays must be a scalar, shape ({m},) or ({m}, {n}) in samples; got "
            f"{d.shape}"
        )
    hw = positive("half_width", half_width, integer=True)
    # offsets j of the samples around each read position
    taps = np.arange(-hw + 1, hw + 1)

    # weight of sample i0 + j for read position i0 + frac
    def kernel(frac: np.ndarray) -> np.ndarray:
        tau = frac[..., None] - taps
        return np.sinc(tau) * (0.5 + 0.5 * np.cos(np.pi * tau / hw))

    # one delay per channel: a FIR filter per channel, applied by FFT
    if d.shape[1] == 1:
        from scipy.signal import fftconvolve

        D = np.ceil(d[:, 0]).astype(np.int64)  # read position n - d = (n - D) + frac
        k = kernel(D - d[:, 0])  # (M, 2 hw)
        z = fftconvolve(x2, k[:, ::-1], axes=1)  # z[q] = sum_j x[q - hw + j] k_j
        q = np.arange(n)[None, :] - D[:, None] + hw
        ok = (q >= 0) & (q < z.shape[1])
        out = np.where(
            ok, np.take_along_axis(z, np.clip(q, 0, z.shape[1] - 1), axis=1), 0.0
        )
        return out[0] if mono else out
    t = np.broadcast_to(np.arange(n)[None, :] - d, (m, n))  # fractional read positions
    i0 = np.floor(t).astype(np.int64)
    frac = t - i0
    padded = np.concatenate([np.zeros((m, hw + 1)), x2, np.zeros((m, hw + 1))], axis=1)
    out = np.zeros((m, n))
    rows = np.arange(m)[:, None]
    for j in taps:
        idx = np.clip(i0 + j + hw + 1, 0, padded.shape[1] - 1)
        tau = frac - j
        out += padded[rows, idx] * (
            np.sinc(tau) * (0.5 + 0.5 * np.cos(np.pi * tau / hw))
        )
    return out[0] if mono else out


def trajectory_positions(
    position: Any, n_samples: int, name: str = "position"
) -> np.ndarray:
    """Source positions ``(n_samples, 3)`` metres from a static ``(3,)`` position or
    ``(K, 3)`` waypoints.

    Waypoints are visited at evenly spaced times from the first to the last sample, with
    linear interpolation in between (constant speed on each leg).
    """
    p = as_array(name, position, ndim=(1, 2), dtype=float)
    if p.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (3,) or (K, 3) metres; got {p.shape}")
    if p.ndim == 1 or p.shape[0] == 1:
        return np.broadcast_to(p.reshape(1, 3), (n_samples, 3))
    s = np.linspace(0, p.shape[0] - 1, n_samples)
    return np.stack(
        [np.interp(s, np.arange(p.shape[0]), p[:, i]) for i in range(3)], axis=1
    )


def free_field(
    signal: Any,
    fs: float,
    position: Any,
    mic_positions: Any,
    *,
    c: float = SPEED_OF_SOUND,
    n_samples: int | None = None,
) -> np.ndarray:
    """Analytic free-field recording of one point source: ``s(t - r/c) / (4 pi r)`` at
    each microphone.

    Parameters
    ----------
    signal: ``(N,)`` source pressure signal (as it would be measured 1/(4 pi) m from the
        source, i.e. the monopole's strength).
    fs: sampling rate, Hz.
    position: ``(3,)`` static position or ``(K, 3)`` waypoints of a moving source,
        metres.
    mic_positions: ``(M, 3)`` metres or a :class:`~acousticlib.geometry.MicArray`.
    c: speed of sound, m/s.
    n_samples: output length (default ``N``).

    For a moving source the emission time ``t_e`` of what is heard at ``t`` solves ``t -
    t_e = r(t_e) / c`` (three fixed-point iterations), so Doppler shifts are included.
    Returns ``(M, n_samples)``. Chapter 03 derives it; tests use it to validate
    :func:`record`.
    """
    s = check_signal("signal", signal)
    fs = check_fs(fs)
    mics = as_positions(mic_positions)
    c = positive("c", c)
    n = s.size if n_samples is None else positive("n_samples", n_samples, integer=True)
    traj = trajectory_positions(position, max(n, s.size))[:n]
    if np.any(distances(traj, mics, name="position") < 1e-3):
        raise ValueError("position must stay at least 1 mm away from every microphone")
    t = np.arange(n) / fs
    # static source: one delay per microphone (an FIR filter each)
    if np.ptp(traj, axis=0).max() == 0.0:
        r = distances(traj[0], mics, name="position")[:, None]  # (M, 1)
    else:
        # (M, n) first guess at reception time
        r = distances(traj, mics, name="position").T
        n_traj = traj.shape[0]
        for _ in range(3):
            te = np.clip(t[None, :] - r / c, 0.0, (n_traj - 1) / fs)
            pe = np.stack(
                [np.interp(te * fs, np.arange(n_traj), traj[:, i]) for i in range(3)],
                axis=-1,
            )
            r = np.sqrt(np.sum((pe - mics[:, None, :]) ** 2, axis=-1))
    x = np.zeros(n)
    x[: min(n, s.size)] = s[:n]
    delays = r[:, 0] if r.shape[1] == 1 else r
    delayed = fractional_delay(np.broadcast_to(x, (mics.shape[0], n)), delays / c * fs)
    return delayed / (4 * np.pi * r)


# --------------------------------------------------------------------------------------
# Rooms (pyroomacoustics)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shoebox:
    """A shoebox room: ``size`` (Lx, Ly, Lz) metres, target reverberation time ``rt60``
    seconds, the array centre at ``array_position`` (room coordinates, metres; room axes
    parallel to the array frame: ``x`` right, ``y`` down, ``z`` along the camera axis,
    so the default 6 x 3 x 5 m room is 3 m high with the array 1 m from a wall, looking
    4 m across). ``max_order`` caps the image-source order (``None``: what Sabine's
    formula asks for, capped at 20). Any object with ``size``, ``rt60`` and
    ``array_position`` attributes (such as :class:`acousticlib.scenes.Room`) is accepted
    where a Shoebox is.
    """

    size: tuple[float, float, float] = (6.0, 3.0, 5.0)
    rt60: float = 0.4
    array_position: tuple[float, float, float] = (3.0, 1.5, 1.0)
    max_order: int | None = None

    def __post_init__(self) -> None:
        _room_geometry(self)


def _room_geometry(room: Any) -> tuple[np.ndarray, float, np.ndarray]:
    for attr in ("size", "rt60", "array_position"):
        if not hasattr(room, attr):
            raise TypeError(
                f"room must be 'anechoic' or a Shoebox-like object with size, rt60 and "
                f"array_position; "
                f"{type(room).__name__} has no {attr!r}"
            )
    size = as_array("room.size", room.size, shape=(3,), dtype=float)
    if np.any(size <= 0):
        raise ValueError(
            f"room.size must be three positive lengths in metres; got {size}"
        )
    rt60 = positive("room.rt60", room.rt60)
    origin = as_array(
        "room.array_position", room.array_position, shape=(3,), dtype=float
    )
    if np.any(origin <= 0) or np.any(origin >= size):
        raise ValueError(
            f"room.array_position must lie inside the room {tuple(size.tolist())}; got "
            f"{tuple(origin.tolist())}"
        )
    return size, rt60, origin


@contextlib.contextmanager
def _pra_constants(c: float) -> Iterator[Any]:
    """pyroomacoustics with speed of sound ``c`` and without its 10 Hz RIR high-pass,
    restored after."""
    import pyroomacoustics as pra

    saved = {k: pra.constants.get(k) for k in ("c", "rir_hpf_enable")}
    pra.constants.set("c", float(c))
    pra.constants.set("rir_hpf_enable", False)
    try:
        yield pra
    finally:
        for k, v in saved.items():
            pra.constants.set(k, v)


def _make_room(pra: Any, room: Any, fs: float, mics_room: np.ndarray) -> Any:
    if isinstance(room, str):
        r = pra.AnechoicRoom(dim=3, fs=int(round(fs)), air_absorption=False)
    else:
        size, rt60, _ = _room_geometry(room)
        try:
            e_abs, order = pra.inverse_sabine(rt60, size)
        except ValueError as exc:
            raise ValueError(
                f"room.rt60={rt60} s cannot be reached in a room of size "
                f"{tuple(size.tolist())} m ({exc})"
            ) from None
        cap = getattr(room, "max_order", None)
        order = (
            min(order, 20)
            if cap is None
            else min(
                order, positive("room.max_order", cap, integer=True, allow_zero=True)
            )
        )
        r = pra.ShoeBox(
            size,
            fs=int(round(fs)),
            materials=pra.Material(e_abs),
            max_order=order,
            air_absorption=False,
        )
    r.add_microphone_array(mics_room.T)
    return r


def _to_room(room: Any, points: np.ndarray) -> np.ndarray:
    if isinstance(room, str):
        return points
    size, _, origin = _room_geometry(room)
    out = points + origin
    if np.any(out <= 0) or np.any(out >= size):
        raise ValueError(
            f"sources and microphones must lie inside the room {tuple(size.tolist())} "
            f"m (room coordinates)"
        )
    return out


def room_impulse_responses(
    position: Any,
    mic_positions: Any,
    fs: float,
    room: Any = "anechoic",
    *,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Impulse responses ``(M, L)`` from a static source at ``position`` (metres, array
    frame).

    Sample 0 is the emission time and the direct path arrives after ``r / c`` seconds
    with gain ``1 / (4 pi r)``, as in :func:`free_field` (pyroomacoustics' 40-sample
    filter latency is removed and its missing ``1 / (4 pi)`` restored). Chapter 03
    measures RT60 on them.
    """
    fs = check_fs(fs)
    mics = as_positions(mic_positions)
    pos = as_array("position", position, shape=(3,), dtype=float)
    c = positive("c", c)
    with _pra_constants(c) as pra:
        r = _make_room(pra, room, fs, _to_room(room, mics))
        r.add_source(_to_room(room, pos[None])[0])
        r.compute_rir()
        lat = pra.constants.get("frac_delay_length") // 2
        length = max(len(r.rir[m][0]) for m in range(mics.shape[0]))
        out = np.zeros((mics.shape[0], length - lat))
        for m in range(mics.shape[0]):
            h = np.asarray(r.rir[m][0])[lat:]
            out[m, : h.size] = h
    return out / (4 * np.pi)


def measure_rt60(rir: Any, fs: float, *, decay_db: float = 30.0) -> float:
    """Reverberation time (s) of an impulse response ``(L,)`` by Schroeder backward
    integration, extrapolating a ``decay_db`` dB decay to 60 dB (T30 by default)."""
    h = check_signal("rir", rir)
    fs = check_fs(fs)
    decay_db = positive("decay_db", decay_db)
    import pyroomacoustics as pra

    return float(pra.experimental.measure_rt60(h, fs=fs, decay_db=decay_db))


@dataclass(frozen=True)
class Source:
    """A sound source for :func:`record`: a mono ``signal`` ``(N,)`` and a ``position``
    ``(3,)`` (static) or ``(K, 3)`` waypoints (moving, visited at evenly spaced
    times), metres."""

    signal: np.ndarray
    position: np.ndarray


def _as_sources(sources: Any) -> list[Source]:
    if isinstance(sources, Source):
        sources = [sources]
    if (
        not isinstance(sources, Sequence)
        or isinstance(sources, str)
        or len(sources) == 0
    ):
        raise TypeError(
            "sources must be a Source or a non-empty sequence of Source objects"
        )
    out = []
    for i, s in enumerate(sources):
        if not isinstance(s, Source):
            raise TypeError(
                f"sources[{i}] must be a Source(signal, position); got "
                f"{type(s).__name__}"
            )
        sig = check_signal(f"sources[{i}].signal", s.signal)
        pos = as_array(f"sources[{i}].position", s.position, ndim=(1, 2), dtype=float)
        if pos.shape[-1] != 3:
            raise ValueError(
                f"sources[{i}].position must have shape (3,) or (K, 3) metres; got "
                f"{pos.shape}"
            )
        out.append(Source(sig, pos))
    return out


def record(
    sources: Source | Sequence[Source],
    fs: float,
    mic_positions: Any,
    *,
    room: Any = "anechoic",
    n_samples: int | None = None,
    snr_db: float | None = None,
    diffuse_snr_db: float | None = None,
    segment: float = 1 / 48,
    seed: int = 0,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """Simulate an array recording ``(M, n_samples)`` of one or more sources (chapter
    03).

    Parameters
    ----------
    sources: :class:`Source` objects (signal in pascals at the monopole's reference,
        positions in metres, array frame, static or moving).
    fs: sampling rate, Hz. mic_positions: ``(M, 3)`` metres or a MicArray.
    room: ``"anechoic"`` (free field) or a :class:`Shoebox` (pyroomacoustics image
        sources, wall absorption from Sabine's formula for the target ``rt60``).
    n_samples: output length (default: the longest source signal).
    snr_db: if given, add independent white sensor noise at this SNR (dB) per
        microphone.
    diffuse_snr_db: if given, add spherically isotropic diffuse noise
        (:func:`diffuse_noise`) at this SNR (dB).
    segment: for moving sources in a room, the source is frozen on Hann-windowed
        segments of this many seconds (50 % overlap) whose responses are summed; in the
        anechoic case moving sources use the exact :func:`free_field` model instead.
    seed: seed of the noise draws (via :func:`acousticlib.runtime.seeded_rng`).
    c: speed of sound, m/s.

    SNRs are relative to the mean power (over microphones and time) of the noiseless
    recording. Static sources in both room types go through pyroomacoustics; the unit
    tests check the anechoic case against :func:`free_field`.
    """
    srcs = _as_sources(sources)
    fs = check_fs(fs)
    mics = as_positions(mic_positions)
    c = positive("c", c)
    if isinstance(room, str) and room != "anechoic":
        raise ValueError(f"room must be 'anechoic' or a Shoebox; got {room!r}")
    n = (
        max(s.signal.size for s in srcs)
        if n_samples is None
        else positive("n_samples", n_samples, integer=True)
    )
    segment = positive("segment", segment)
    for i, s in enumerate(srcs):
        if np.any(
            distances(
                trajectory_positions(s.position, n, f"sources[{i}].position"), mics
            )
            < 1e-3
        ):
            raise ValueError(
                f"sources[{i}].position must stay at least 1 mm away from every "
                f"microphone"
            )
    out = np.zeros((mics.shape[0], n))
    static = [s for s in srcs if s.position.ndim == 1 or s.position.shape[0] == 1]
    moving = [s for s in srcs if not (s.position.ndim == 1 or s.position.shape[0] == 1)]
    if isinstance(room, str):
        for s in moving:
            out += free_field(s.signal, fs, s.position, mics, c=c, n_samples=n)
    # (signal piece, position, start sample)
    pieces: list[tuple[np.ndarray, np.ndarray, int]] = []
    for s in static:
        pieces.append((s.signal[:n], s.position.reshape(3), 0))
    if not isinstance(room, str):
        hop = max(1, int(round(segment * fs / 2)))
        win = np.hanning(2 * hop + 1)[:-1]  # periodic Hann: overlapping copies sum to 1
        for s in moving:
            x = np.zeros(n + 2 * hop)
            x[hop : hop + min(n, s.signal.size)] = s.signal[:n]
            traj = trajectory_positions(s.position, n)
            # segment covers x[start: start + 2 hop]
            for start in range(0, n + hop, hop):
                # position at the segment centre (in signal time)
                centre = min(max(start, 0), n - 1)
                piece = (
                    x[start : start + 2 * hop] * win[: len(x[start : start + 2 * hop])]
                )
                pieces.append((piece, traj[centre], start - hop))
    if pieces:
        with _pra_constants(c) as pra:
            r = _make_room(pra, room, fs, _to_room(room, mics))
            lat = pra.constants.get("frac_delay_length") // 2
            for sig, pos, start in pieces:
                # pyroomacoustics cannot start before t = 0: trim the head
                if start < 0:
                    sig, start = sig[-start:], 0
                r.add_source(_to_room(room, pos[None])[0], signal=sig, delay=start / fs)
            r.simulate()
            y = np.asarray(r.mic_array.signals)[:, lat : lat + n]
        out[:, : y.shape[1]] += y / (4 * np.pi)
    if snr_db is not None or diffuse_snr_db is not None:
        power = float(np.mean(out**2))
        if power == 0:
            raise ValueError(
                "the noiseless recording is silent, so snr_db/diffuse_snr_db are "
                "undefined"
            )
        if diffuse_snr_db is not None:
            snr = as_array("diffuse_snr_db", diffuse_snr_db, ndim=0, dtype=float)
            out = out + diffuse_noise(n, fs, mics, seed=seed, c=c) * math.sqrt(
                power / 10 ** (float(snr) / 10)
            )
        if snr_db is not None:
            snr = as_array("snr_db", snr_db, ndim=0, dtype=float)
            noise = runtime.seeded_rng(seed, "sensor-noise").standard_normal(out.shape)
            out = out + noise * math.sqrt(power / 10 ** (float(snr) / 10))
    return out


def add_sensor_noise(recording: Any, snr_db: float, *, seed: int = 0) -> np.ndarray:
    """Add independent white Gaussian noise to every microphone at ``snr_db`` dB
    (chapter 03).

    The noise power is the mean power of ``recording`` ``(M, N)`` divided by
    ``10^(snr_db/10)``.
    """
    x = check_recording("recording", recording)
    snr = float(as_array("snr_db", snr_db, ndim=0, dtype=float))
    power = float(np.mean(x**2))
    if power == 0:
        raise ValueError(
            "recording must not be silent: the SNR is relative to its power"
        )
    noise = runtime.seeded_rng(seed, "sensor-noise").standard_normal(x.shape)
    return x + noise * math.sqrt(power / 10 ** (snr / 10))


def diffuse_noise(
    n_samples: int,
    fs: float,
    mic_positions: Any,
    *,
    seed: int = 0,
    c: float = SPEED_OF_SOUND,
    nperseg: int = 256,
) -> np.ndarray:
    """Spherically isotropic diffuse noise ``(M, n_samples)`` with unit mean power
    (chapter 03).

    In a diffuse field (sound arriving equally from every direction, like the tail of a
    reverberant room or distant traffic), the coherence between two microphones ``d``
    metres apart is ``sin(k d) / (k d)`` with ``k = 2 pi f / c``. We impose it on
    independent white noises in the STFT domain (``nperseg``-sample Hann frames, 50 %
    overlap): per frequency the coherence matrix ``G = V diag(l) V^T`` is factored and
    the channels mixed by its symmetric square root ``V diag(sqrt(l)) V^T`` (Habets &
    Gannot 2007), which varies smoothly with frequency, so overlapping frames do not
    blur the coherence.
    """
    from scipy.signal import istft, stft

    n = positive("n_samples", n_samples, integer=True)
    fs = check_fs(fs)
    mics = as_positions(mic_positions)
    c = positive("c", c)
    nperseg = positive("nperseg", nperseg, integer=True)
    m = mics.shape[0]
    rng = runtime.seeded_rng(seed, "diffuse")
    white = rng.standard_normal((m, n + nperseg))
    f, _, z = stft(white, fs=fs, nperseg=nperseg)
    d = np.linalg.norm(mics[:, None] - mics[None], axis=-1)
    for i, fi in enumerate(f):
        gamma = np.sinc(2 * fi * d / c)  # numpy's sinc(x) = sin(pi x) / (pi x)
        lam, vec = np.linalg.eigh(gamma)
        # symmetric root: smooth in frequency
        mix = (vec * np.sqrt(np.clip(lam, 0, None))) @ vec.T
        z[:, i, :] = mix @ z[:, i, :]
    _, y = istft(z, fs=fs, nperseg=nperseg)
    y = y[:, nperseg // 2 : nperseg // 2 + n]
    return y / np.sqrt(np.mean(y**2))
