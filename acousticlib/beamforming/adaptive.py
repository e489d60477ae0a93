"""The minimum-variance distortionless-response (MVDR, Capon) beamformer (chapter 18).

Delay-and-sum (:func:`~acousticlib.beamforming.beamformed_signal`) weights every
microphone by the focus point's geometry alone. MVDR also looks at the noise: per
frequency it keeps the response toward the focus point at exactly 1 and minimises the
output power of everything else,

    minimise  w^H R w   subject to  w^H a = 1   =>   w = R^-1 a / (a^H R^-1 a),

with ``a`` the propagation vector from the focus point to the microphones
(:func:`propagation_vectors`) and ``R`` the ``M x M`` covariance of the noise (or of
the whole recording, which makes it the minimum-power MPDR beamformer: the same
weights when ``a`` is exact). With ``R = I`` it is delay-and-sum. An interferer that
dominates ``R`` is nulled. Diagonal loading ``R + delta (tr R / M) I`` keeps the
inverse stable when ``R`` is estimated from few frames and the steering is slightly
off. The output ``y = w^H x`` of a source at the focus point is its pressure at 1 m,
``s(t) / (4 pi)``, as for the package's delay-and-sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_array, positive
from ..geometry import SPEED_OF_SOUND, as_positions
from ..simulate import check_fs, check_recording, fractional_delay
from .contract import (
    check_focus_points,
    check_frame_length,
    focus_weights,
    steering_vectors,
)


def propagation_vectors(
    mic_positions: Any, focus_points: Any, freqs: Any, *, c: float = SPEED_OF_SOUND
) -> np.ndarray:
    """Propagation vectors ``a_m(f) = exp(-j 2 pi f r_m / c) / r_m``: complex ``(F,
    ..., M)`` for freqs ``(F,)`` Hz and focus points ``(..., 3)`` metres (chapter 18).

    What a unit point source at the focus point gives at each microphone (the ``1 / (4
    pi)`` dropped). Delay-and-sum's weights (:func:`steering_vectors`, applied without
    conjugation) are ``conj(a) / |a|^2``, so ``a = conj(w) / |w|^2`` is taken from them.
    """
    w = steering_vectors(mic_positions, focus_points, freqs, c=c)
    return np.conj(w) / np.sum(np.abs(w) ** 2, axis=-1, keepdims=True)


def mvdr_weights(
    propagation: Any, covariance: Any, *, diagonal_loading: float = 0.0
) -> np.ndarray:
    """MVDR weights ``w = R^-1 a / (a^H R^-1 a)``: complex ``(..., M)`` for
    propagation vectors ``a`` ``(..., M)`` and covariances ``R`` ``(..., M, M)``
    (Hermitian, positive semi-definite; broadcast over the leading axes) (chapter 18).

    The beam is ``y = w^H x = sum_m conj(w_m) x_m``: ``w^H a = 1`` (distortionless).
    ``diagonal_loading`` ``delta >= 0`` adds ``delta tr(R) / M`` to the diagonal first
    (relative to the mean microphone power). Solved with ``numpy.linalg.solve``, no
    explicit inverse.
    """
    a = as_array("propagation", propagation, dtype=complex)
    R = as_array("covariance", covariance, dtype=complex)
    if a.ndim < 1:
        raise ValueError("propagation must have shape (..., M) with M microphones")
    m = a.shape[-1]
    if R.ndim < 2 or R.shape[-2:] != (m, m):
        raise ValueError(
            f"covariance must have shape (..., {m}, {m}) to match propagation's {m} "
            f"microphones; got {R.shape}"
        )
    if not np.allclose(
        R, np.conj(np.swapaxes(R, -1, -2)), atol=1e-10 * np.abs(R).max()
    ):
        raise ValueError("covariance must be Hermitian: R = R^H")
    delta = positive("diagonal_loading", diagonal_loading, allow_zero=True)
    trace = np.real(np.trace(R, axis1=-2, axis2=-1))[..., None, None]
    R = R + delta * trace / m * np.eye(m)
    try:
        shape = np.broadcast_shapes(a.shape, R.shape[:-1])
        Ria = np.linalg.solve(R, np.broadcast_to(a, shape)[..., None])[..., 0]
    except np.linalg.LinAlgError:
        raise ValueError(
            "covariance is singular: pass diagonal_loading > 0 (e.g. 1e-2)"
        ) from None
    den = np.sum(np.conj(a) * Ria, axis=-1, keepdims=True)
    return Ria / den


def mvdr_signal(
    signals: Any,
    fs: float,
    mic_positions: Any,
    focus_point: Any,
    *,
    noise: Any = None,
    covariance: Any = None,
    frame_length: int = 512,
    diagonal_loading: float = 1e-2,
    c: float = SPEED_OF_SOUND,
) -> np.ndarray:
    """The audio ``(N,)`` of an MVDR beam steered at ``focus_point`` ``(3,)`` metres
    (a pixel's point: :meth:`acousticlib.geometry.Camera.pixel_to_direction` times a
    depth), from ``signals`` ``(M, N)`` at ``fs`` Hz (chapter 18).

    Frequency domain: Hann-windowed STFT frames of ``frame_length`` samples, 50 %
    overlap (``scipy.signal.stft``; the inverse resynthesises exactly); per bin the
    covariance ``R(f)`` is ``covariance`` if given (``(M, M)`` for every bin or ``(L/2
    + 1, M, M)``), else the mean of ``X X^H`` over the frames of ``noise`` ``(M, N')``
    (the MVDR proper) or, without it, of ``signals`` (MPDR). The weights
    (:func:`mvdr_weights`, ``diagonal_loading`` relative) are applied to every frame
    and the beam resynthesised. The recordings are first advanced by the common travel
    time ``min_m r_m / c`` (:func:`acousticlib.simulate.fractional_delay`), so the
    frames see only the small differences between the microphones; a source at the
    focus point comes out as ``s(t) / (4 pi)`` (emission time), as from
    :func:`~acousticlib.beamforming.beamformed_signal`, which this is when ``R = I``.
    """
    from scipy.signal import istft, stft

    fs = check_fs(fs)
    mics = as_positions(mic_positions, min_mics=2)
    x = check_recording("signals", signals, mics.shape[0])
    p = check_focus_points(focus_point, "focus_point")
    if p.shape != (3,):
        raise ValueError(f"focus_point must have shape (3,) in metres; got {p.shape}")
    L = check_frame_length(frame_length, x.shape[1])
    c = positive("c", c)
    m = mics.shape[0]
    f = np.fft.rfftfreq(L, 1 / fs)
    r, _ = focus_weights(mics, p)
    lead = float(r.min()) / c  # seconds: the common delay, removed first
    # (F, M): relative to the first arrival
    a = propagation_vectors(mics, p, f, c=c) * np.exp(2j * np.pi * f * lead)[:, None]

    def spectra(y: np.ndarray) -> np.ndarray:  # (F, M, T)
        advanced = fractional_delay(y, -lead * fs)
        return stft(advanced, fs=fs, nperseg=L, noverlap=L // 2, axis=-1)[2].transpose(
            1, 0, 2
        )

    X = spectra(x)
    if covariance is not None:
        if noise is not None:
            raise ValueError("pass noise or covariance, not both")
        R = as_array("covariance", covariance, dtype=complex)
        if R.shape not in ((m, m), (f.size, m, m)):
            raise ValueError(
                f"covariance must have shape ({m}, {m}) or ({f.size}, {m}, {m}); got "
                f"{R.shape}"
            )
        R = np.broadcast_to(R, (f.size, m, m))
    else:
        N = X if noise is None else spectra(check_recording("noise", noise, m))
        R = np.einsum("fmt,fnt->fmn", N, np.conj(N)) / N.shape[-1]
    w = mvdr_weights(a, R, diagonal_loading=diagonal_loading)  # (F, M)
    Y = np.einsum("fm,fmt->ft", np.conj(w), X)
    y = istft(Y, fs=fs, nperseg=L, noverlap=L // 2)[1]
    out = np.zeros(x.shape[1])
    out[: min(y.size, out.size)] = y[: out.size]
    return out
