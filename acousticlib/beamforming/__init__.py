"""Acoustic images by frequency-domain filter-and-sum beamforming (chapter 04).

The beamformer focused on a point ``p`` undoes each microphone's propagation: it
advances microphone ``m`` by ``r_pm / c`` seconds (``r_pm`` the distance from ``p`` to
the microphone, spherical near-field steering), weights it by ``g_pm = (1 / r_pm) /
sum_m' r_pm'^-2`` and sums. For a point source at ``p`` whose free-field recording is
``s(t - r/c) / (4 pi r)`` the output is exactly ``s(t) / (4 pi)``: the source's pressure
at 1 m (distortionless response). In the frequency domain, per frame and real-FFT bin
``k`` (frequency ``f_k = k fs / L``)::

    Y_p(f_k) = sum_m  g_pm exp(+j 2 pi f_k r_pm / c)  X_m(f_k)     (a matrix product)
    image[t, p, k] = |Y_p(f_k)|^2 / sum_n w[n]^2                         (power per bin)

with ``X_m`` the FFT of the ``window``-ed frame; bins ``0 .. L/2 - 1`` are kept (Nyquist
dropped), so ``frame_length = 1024`` gives 512 bins as in the papers. The power is in
(signal unit)^2 per bin: white noise of variance ``s^2`` gives ``s^2`` per bin on
average.

The package: :mod:`~acousticlib.beamforming.contract` (checks, frames, steering),
:mod:`~acousticlib.beamforming.fast` (:func:`acoustic_images` and its engines, with the
private vector kernel :mod:`~acousticlib.beamforming._vector_kernel`),
:mod:`~acousticlib.beamforming.reference`, :mod:`~acousticlib.beamforming.classical`
and :mod:`~acousticlib.beamforming.adaptive` (MVDR);
every name is importable from here as before.

* :func:`acoustic_images` is the fast path (a hand-written vector kernel threaded by
  numba, numpy without numba, or torch on ``device``).
* :func:`delay_and_sum_images` is the slow, obviously correct time-domain reference.
* :func:`naive_acoustic_images` is the plain per-frame product with a precomputed
  steering tensor (:func:`full_steering`; the benchmark's baseline, 0.9 GB for the Dual
  Cam grid).
* :func:`beamformed_signal` is the audio heard by steering to one point (listen to a
  pixel).
* :func:`srp_phat_map` and :func:`music_map` run pyroomacoustics' SRP-PHAT and NormMUSIC
  on the same grid (:func:`pra_doa` builds pyroomacoustics' search object on a grid's
  directions); :func:`point_spread_function` is the theoretical image of a point
  source.
* :func:`mvdr_signal` is the adaptive MVDR beam heard at a point (chapter 18;
  :func:`mvdr_weights`, :func:`propagation_vectors`), in
  :mod:`~acousticlib.beamforming.adaptive`.
"""

from __future__ import annotations

from .adaptive import mvdr_signal, mvdr_weights, propagation_vectors
from .classical import music_map, point_spread_function, pra_doa, srp_phat_map
from .contract import (
    BLOCK_BINS,
    CHUNK_FRAMES,
    check_focus_points,
    check_frame_length,
    focus_weights,
    frame_signals,
    steering_vectors,
    window_values,
)
from .fast import (
    ANCHOR_BINS,
    CPU_ENGINES,
    acoustic_images,
)
from .reference import (
    beamformed_signal,
    delay_and_sum_images,
    full_steering,
    naive_acoustic_images,
    periodic_sinc,
)


def __getattr__(name: str):
    # a value the fast path updates: read it where it lives
    if name == "NUMBA_COMPILE_S":
        from . import fast

        return fast.NUMBA_COMPILE_S
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ANCHOR_BINS",
    "BLOCK_BINS",
    "CHUNK_FRAMES",
    "CPU_ENGINES",
    "NUMBA_COMPILE_S",
    "acoustic_images",
    "beamformed_signal",
    "check_focus_points",
    "check_frame_length",
    "delay_and_sum_images",
    "focus_weights",
    "frame_signals",
    "full_steering",
    "music_map",
    "mvdr_signal",
    "mvdr_weights",
    "naive_acoustic_images",
    "periodic_sinc",
    "point_spread_function",
    "pra_doa",
    "propagation_vectors",
    "srp_phat_map",
    "steering_vectors",
    "window_values",
]
