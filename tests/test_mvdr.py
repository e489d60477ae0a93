"""The MVDR beamformer (chapter 18): hand-computed weights, the null toward an
interferer, delay-and-sum when the covariance is the identity, and its audio."""

from __future__ import annotations

import numpy as np
import pytest

from acousticlib import beamforming, simulate
from acousticlib.geometry import SPEED_OF_SOUND

FS = 12288
MICS = np.array([[x, 0.0, 0.0] for x in (-0.15, -0.05, 0.05, 0.15)])
TARGET = np.array([0.2, 0.0, 1.0])
INTERFERER = np.array([-0.9, 0.0, 1.0])


def test_weights_of_a_hand_computed_case():
    # a = (1, 1), R = diag(1, 4): R^-1 a = (1, 1/4), a^H R^-1 a = 5/4
    w = beamforming.mvdr_weights([1.0, 1.0], np.diag([1.0, 4.0]))
    assert np.allclose(w, [0.8, 0.2])


def test_distortionless_toward_the_look_direction_and_a_null_toward_an_interferer():
    phi, psi, power = 0.7, -2.1, 1e4
    a = np.array([1.0, np.exp(-1j * phi), np.exp(-2j * phi)])
    b = np.array([1.0, np.exp(-1j * psi), np.exp(-2j * psi)])
    R = np.eye(3) + power * np.outer(b, b.conj())
    w = beamforming.mvdr_weights(a, R)
    assert np.vdot(w, a) == pytest.approx(1.0)
    # Woodbury: R^-1 = I - p b b^H / (1 + p |b|^2), so w^H b = a^H b / (1 + p |b|^2)
    # divided by a^H R^-1 a = |a|^2 - p |a^H b|^2 / (1 + p |b|^2)
    ab = np.vdot(a, b)
    k = power / (1 + power * 3)
    expected = ab / (1 + power * 3) / (3 - k * abs(ab) ** 2)
    assert np.vdot(w, b) == pytest.approx(expected)
    assert abs(np.vdot(w, b)) < 1e-3
    # with the identity: the matched filter a / |a|^2, delay-and-sum
    assert np.allclose(beamforming.mvdr_weights(a, np.eye(3)), a / 3)


def test_identity_covariance_gives_the_packages_delay_and_sum_weights():
    f = np.array([0.0, 500.0, 3000.0])
    a = beamforming.propagation_vectors(MICS, TARGET, f)
    r = np.linalg.norm(MICS - TARGET, axis=1)
    assert np.allclose(a, np.exp(-2j * np.pi * f[:, None] * r / SPEED_OF_SOUND) / r)
    w = beamforming.mvdr_weights(a, np.eye(4))
    # the package applies its steering vectors without conjugation
    assert np.allclose(np.conj(w), beamforming.steering_vectors(MICS, TARGET, f))
    # heavy diagonal loading forgets the covariance
    R = np.eye(4) + 50 * np.outer(a[1], a[1].conj()) * r.mean() ** 2
    loaded = beamforming.mvdr_weights(a[1], R, diagonal_loading=1e6)
    assert np.allclose(loaded, w[1], rtol=1e-4)


@pytest.fixture(scope="module")
def recordings():
    from scipy.signal import butter, sosfiltfilt

    rng = np.random.default_rng(1)
    sos = butter(8, 0.3 * FS, fs=FS, output="sos")
    s, i = (sosfiltfilt(sos, rng.standard_normal(FS // 2)) for _ in range(2))
    target = simulate.free_field(s, FS, TARGET, MICS)
    interferer = 3 * simulate.free_field(i, FS, INTERFERER, MICS)
    return s, target, interferer


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x[400:-400] ** 2)))


def test_identity_covariance_is_delay_and_sum(recordings):
    _, target, interferer = recordings
    x = target + interferer
    das = beamforming.beamformed_signal(x, FS, MICS, TARGET)
    mvdr = beamforming.mvdr_signal(x, FS, MICS, TARGET, covariance=np.eye(4))
    assert rms(mvdr - das) < 0.01 * rms(das)


def test_mvdr_keeps_the_target_and_cancels_the_interferer(recordings):
    s, target, interferer = recordings
    kwargs = {"noise": interferer}
    alone = beamforming.mvdr_signal(target, FS, MICS, TARGET, **kwargs)
    assert rms(alone - s / (4 * np.pi)) < 0.01 * rms(s / (4 * np.pi))
    leak = beamforming.mvdr_signal(interferer, FS, MICS, TARGET, **kwargs)
    das_leak = beamforming.beamformed_signal(interferer, FS, MICS, TARGET)
    assert 20 * np.log10(rms(das_leak) / rms(leak)) > 15
    # without a noise recording (MPDR) the mixture's own covariance also helps
    mix = beamforming.mvdr_signal(target + interferer, FS, MICS, TARGET)
    das = beamforming.beamformed_signal(target + interferer, FS, MICS, TARGET)
    reference = s / (4 * np.pi)
    assert rms(mix - reference) < 0.5 * rms(das - reference)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"covariance": np.eye(3)}, "covariance"),
        (
            {"covariance": np.eye(4), "noise": np.zeros((4, 1024))},
            "noise or covariance",
        ),
        ({"noise": np.zeros((3, 1024))}, "noise"),
        ({"diagonal_loading": -1.0}, "diagonal_loading"),
        ({"frame_length": 511}, "frame_length"),
        ({"focus_point": [0.0, 0.0, -1.0]}, "focus_point"),
        ({"focus_point": [[0.0, 0.0, 1.0]]}, "focus_point"),
        ({"signals": np.zeros((3, 2048))}, "signals"),
    ],
)
def test_mvdr_signal_rejects_bad_inputs(kwargs, name):
    args = {"signals": np.ones((4, 2048)), "focus_point": TARGET}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        beamforming.mvdr_signal(
            args.pop("signals"), FS, MICS, args.pop("focus_point"), **args
        )


def test_mvdr_weights_reject_bad_covariances():
    with pytest.raises(ValueError, match="covariance must be Hermitian"):
        beamforming.mvdr_weights([1.0, 1.0], [[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="covariance is singular"):
        beamforming.mvdr_weights([1.0, 1.0], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="covariance must have shape"):
        beamforming.mvdr_weights([1.0, 1.0], np.eye(3))
