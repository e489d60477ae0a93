"""acousticlib.beamforming: physics of the acoustic image and agreement of
independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, sosfiltfilt

from acousticlib import beamforming as BF
from acousticlib import geometry as G
from acousticlib import simulate as S
from acousticlib.runtime import seeded_rng

FS = 12288.0
CAM = G.Camera()


def noise(n: int, seed: int = 0) -> np.ndarray:
    return seeded_rng(seed, "source").standard_normal(n)


def random_planar(seed: int, m: int) -> np.ndarray:
    xy = seeded_rng(seed, "mics").uniform(-0.25, 0.25, (m, 2))
    return np.column_stack([xy, np.zeros(m)])


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    row=st.integers(0, 35),
    col=st.integers(0, 47),
    dr=st.floats(0.1, 0.9),
    dc=st.floats(0.1, 0.9),
)
def test_broadband_image_peaks_at_the_true_pixel(seed, row, col, dr, dc):
    """Random planar array, random source in the field of view at 1 m, broadband
    noise."""
    mics = random_planar(seed, 32)
    px = CAM.grid_pixel_centres()[0, 0] * 0 + [
        (row + dr) * 480 / 36,
        (col + dc) * 640 / 48,
    ]
    src = CAM.pixel_to_direction(px)
    src = src / src[2]  # on the focus plane z = 1 m
    x = S.free_field(noise(1024 * 3, seed), FS, src, mics)
    img = BF.acoustic_images(x, FS, mics, CAM.focus_grid(), frame_length=512)
    broadband = img.sum(axis=(0, 3))
    peak = np.unravel_index(np.argmax(broadband), broadband.shape)
    assert abs(peak[0] - row) <= 1 and abs(peak[1] - col) <= 1


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    m=st.integers(3, 12),
    hop=st.sampled_from([None, 48]),
    window=st.sampled_from(["hann", "hamming", "boxcar"]),
)
def test_fast_frequency_domain_equals_slow_time_domain_reference(seed, m, hop, window):
    mics = random_planar(seed, m)
    grid = CAM.focus_grid((3, 4), 0.8)
    x = S.free_field(noise(400, seed), FS, grid[1, 2], mics) + 1e-3 * seeded_rng(
        seed, "n"
    ).standard_normal((m, 400))
    fast = BF.acoustic_images(
        x, FS, mics, grid, frame_length=96, hop=hop, window=window
    )
    slow = BF.delay_and_sum_images(
        x, FS, mics, grid, frame_length=96, hop=hop, window=window
    )
    assert fast.dtype == np.float32 and fast.shape == slow.shape == (
        slow.shape[0],
        3,
        4,
        48,
    )
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-6 * slow.max())


def test_numpy_torch_and_naive_paths_agree():
    mics = G.spiral_array(24, 0.5)
    grid = CAM.focus_grid((9, 12))
    x = S.free_field(noise(1024 * 2 + 300), FS, grid[4, 7], mics)
    ref = BF.naive_acoustic_images(x, FS, mics, grid, frame_length=256, hop=200)
    fast = BF.acoustic_images(x, FS, mics, grid, frame_length=256, hop=200)
    torch_cpu = BF.acoustic_images(
        x, FS, mics, grid, frame_length=256, hop=200, device="cpu"
    )
    assert fast.shape == (1 + (x.shape[1] - 256) // 200, 9, 12, 128)
    np.testing.assert_allclose(fast, ref, rtol=1e-4, atol=1e-6 * ref.max())
    np.testing.assert_allclose(torch_cpu, ref, rtol=1e-4, atol=1e-6 * ref.max())


def test_power_units_white_noise_and_distortionless_source():
    """Uncorrelated unit-variance noise on M mics gives sum(g^2) per bin; a source at
    the focus point gives the power of s / (4 pi) per bin."""
    mics = G.spiral_array(16, 0.5)
    grid = CAM.focus_grid((2, 2))
    white = seeded_rng(0, "white").standard_normal((16, 512 * 400))
    img = BF.acoustic_images(white, FS, mics, grid, frame_length=512)
    _, g = BF.focus_weights(mics, grid)
    np.testing.assert_allclose(
        img[..., 1:].mean(axis=(0, 3)), np.sum(g**2, -1), rtol=0.03
    )
    s = noise(512 * 60)
    x = S.free_field(s, FS, grid[0, 1], mics)
    on = BF.acoustic_images(x, FS, mics, grid, frame_length=512)[:, 0, 1, 10:200].mean()
    w = np.hanning(513)[:-1]
    frames = (s / (4 * np.pi)).reshape(-1, 512) * w
    direct = (
        np.abs(np.fft.rfft(frames, axis=-1)[:, 10:200]) ** 2 / np.sum(w**2)
    ).mean()
    assert on == pytest.approx(direct, rel=0.02)


def test_beamformed_signal_recovers_the_source_and_rejects_others():
    mics = G.optimized_aperiodic_array()
    sos = butter(8, [1500, 4500], btype="band", fs=FS, output="sos")
    a = sosfiltfilt(sos, noise(6000, 1))
    b = sosfiltfilt(sos, noise(6000, 2))
    pa, pb = np.array([-0.3, 0.1, 1.0]), np.array([0.35, -0.1, 1.0])
    x = S.free_field(a, FS, pa, mics) + S.free_field(b, FS, pb, mics)
    y = BF.beamformed_signal(x, FS, mics, pa)
    core = slice(300, 5700)
    target = a[core] / (4 * np.pi)
    rel = np.sum((y[core] - target) ** 2) / np.sum(target**2)
    assert rel < 0.05  # the other source leaks in only through sidelobes
    y_other = BF.beamformed_signal(x, FS, mics, pb)
    # steered away: a is gone
    assert np.sum((y_other[core] - target) ** 2) / np.sum(target**2) > 0.9
    alone = BF.beamformed_signal(S.free_field(a, FS, pa, mics), FS, mics, pa)
    np.testing.assert_allclose(alone[core], target, atol=1e-3 * np.abs(target).max())


def test_point_spread_function_is_one_at_the_source_and_narrows_with_frequency():
    mics = G.optimized_aperiodic_array()
    grid = CAM.focus_grid()
    src = grid[18, 24]
    psf = BF.point_spread_function(mics, grid, src, [1000.0, 4000.0])
    np.testing.assert_allclose(psf[:, 18, 24], 1.0, rtol=1e-12)
    assert np.all(psf <= 1 + 1e-9)
    half = (psf > 0.5).sum(axis=(1, 2))
    assert half[1] < half[0] / 4  # area of the main lobe ~ (lambda / D)^2


def test_srp_phat_and_music_point_at_the_source():
    mics = G.spiral_array(16, 0.5)
    grid = CAM.focus_grid((6, 8))
    x = S.free_field(noise(1024 * 24, 5), FS, grid[1, 6], mics)
    for fn in (BF.srp_phat_map, BF.music_map):
        m = fn(x, FS, mics, grid)
        assert m.shape == (6, 8)
        assert np.unravel_index(np.argmax(m), m.shape) == (1, 6)


def test_frame_signals_and_periodic_sinc():
    fr = BF.frame_signals(np.arange(10.0), 4, 3)
    np.testing.assert_array_equal(fr, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    # a copy of its own, not a view of the signal: overlapping frames stay independent
    fr[0, 3] = -1.0
    assert fr[1, 0] == 3.0
    # the imager's spectra (strided frames, FFT on every core) equal a plain per-frame
    # FFT, for any hop
    x = seeded_rng(1).standard_normal((3, 200))
    w = BF.window_values("hann", 32)
    for hop in (None, 7, 32):
        spec, norm = BF.fast._spectra(x, 32, hop, "hann")
        frames = BF.frame_signals(x, 32, hop)
        np.testing.assert_allclose(
            spec, np.fft.rfft(frames * w, axis=-1)[..., :16], rtol=1e-12, atol=1e-12
        )
        assert norm == pytest.approx(np.sum(w**2))
    # integer shifts of the periodic kernel reproduce circular shifts exactly (no
    # Nyquist content)
    x = np.fft.irfft(np.r_[np.fft.rfft(seeded_rng(0).standard_normal(16))[:8], 0], 16)
    k = np.arange(16)
    shifted = BF.periodic_sinc((k[:, None] - k[None, :] + 3) % 16, 16) @ x
    np.testing.assert_allclose(shifted, np.roll(x, -3), atol=1e-12)


def test_beamforming_rejects_bad_input():
    mics = G.spiral_array(4, 0.5)
    grid = CAM.focus_grid((2, 3))
    x = np.zeros((4, 2048))
    with pytest.raises(ValueError, match="frame_length must be an even number"):
        BF.acoustic_images(x, FS, mics, grid, frame_length=1023)
    with pytest.raises(
        ValueError,
        match=r"frame_length must be at most the signal length \(2048 samples\)",
    ):
        BF.acoustic_images(x, FS, mics, grid, frame_length=4096)
    with pytest.raises(
        ValueError, match=r"focus_points must lie in front of the array \(z > 0 m\)"
    ):
        BF.acoustic_images(x, FS, mics, grid * [1, 1, -1])
    with pytest.raises(ValueError, match=r"focus_points must have shape \(H, W, 3\)"):
        BF.acoustic_images(x, FS, mics, grid.reshape(-1, 3))
    with pytest.raises(
        ValueError, match=r"signals must have one row per microphone: shape \(4, N\)"
    ):
        BF.acoustic_images(np.zeros((5, 2048)), FS, mics, grid)
    with pytest.raises(ValueError, match="signals must be 2-D"):
        BF.acoustic_images(np.zeros(2048), FS, mics, grid)
    with pytest.raises(ValueError, match="signals must be finite"):
        BF.acoustic_images(np.full((4, 2048), np.inf), FS, mics, grid)
    with pytest.raises(ValueError, match="fs must be finite and > 0"):
        BF.acoustic_images(x, -1.0, mics, grid)
    with pytest.raises(ValueError, match="hop must be finite and > 0"):
        BF.acoustic_images(x, FS, mics, grid, hop=0)
    with pytest.raises(ValueError, match="window must be a scipy window name"):
        BF.acoustic_images(x, FS, mics, grid, window="no-such-window")
    with pytest.raises(ValueError, match="c must be finite and > 0"):
        BF.acoustic_images(x, FS, mics, grid, c=0.0)
    with pytest.raises(ValueError, match="device must be 'auto', 'cpu'"):
        BF.acoustic_images(x, FS, mics, grid, device="tpu")
    with pytest.raises(ValueError, match=r"focus_point must have shape \(3,\)"):
        BF.beamformed_signal(x, FS, mics, grid)
    with pytest.raises(ValueError, match="freq_range must be"):
        BF.srp_phat_map(x, FS, mics, grid, freq_range=(100.0, 9000.0))


@pytest.mark.parametrize("overlap", [False, True])
def test_numba_and_numpy_engines_agree_with_the_naive_product(monkeypatch, overlap):
    """Odd frame counts, a grid that is no multiple of the kernel's point blocks and
    bins that are no multiple of its anchor spacing exercise the numba kernel's
    padding."""
    pytest.importorskip("numba")
    mics = random_planar(3, 9)
    grid = CAM.focus_grid((5, 7), 1.3)
    L = 2 * (BF.ANCHOR_BINS * 3 + 5)  # K = 3 anchors + 5 bins
    hop = L // 2 if overlap else None  # 5 or 3 frames
    x = S.free_field(noise(L * 3 + 17, 3), FS, grid[2, 3], mics) + 1e-2 * seeded_rng(
        3, "n"
    ).standard_normal((9, L * 3 + 17))
    ref = BF.naive_acoustic_images(x, FS, mics, grid, frame_length=L, hop=hop)
    assert ref.shape[0] % 2 == 1
    images = {}
    for engine in ("numba", "numpy"):
        images[engine] = BF.acoustic_images(
            x, FS, mics, grid, frame_length=L, hop=hop, engine=engine
        )
        assert images[engine].dtype == np.float32 and images[engine].shape == ref.shape
        np.testing.assert_allclose(
            images[engine], ref, rtol=1e-4, atol=1e-6 * ref.max()
        )
    np.testing.assert_allclose(
        images["numba"], images["numpy"], rtol=1e-4, atol=1e-6 * ref.max()
    )
    # a single frame (the kernel's one-frame loop)
    one = BF.acoustic_images(x[:, :L], FS, mics, grid, frame_length=L, engine="numpy")
    np.testing.assert_allclose(
        BF.acoustic_images(x[:, :L], FS, mics, grid, frame_length=L, engine="numba"),
        one,
        rtol=1e-4,
        atol=1e-6 * one.max(),
    )


def test_numba_frame_images_do_not_depend_on_their_block():
    """Seven frames run as a block of four and three lone frames; imaged two, one or
    three at a time they run in other blocks. Every output is the same sequence of fused
    multiply-adds either way, so the images are identical, bit for bit."""
    pytest.importorskip("numba")
    mics = random_planar(5, 19)
    grid = CAM.focus_grid((5, 7), 1.3)  # 35 points: the last block of lanes is padded
    L = 2 * (BF.ANCHOR_BINS * 2 + 3)
    x = seeded_rng(5, "n").standard_normal((19, 7 * L))
    together = BF.acoustic_images(x, FS, mics, grid, frame_length=L, engine="numba")
    for size in (1, 2, 3):
        parts = [
            BF.acoustic_images(
                x[:, t * L : min(t + size, 7) * L],
                FS,
                mics,
                grid,
                frame_length=L,
                engine="numba",
            )
            for t in range(0, 7, size)
        ]
        np.testing.assert_array_equal(together, np.concatenate(parts))


def test_vector_kernel_bits_do_not_depend_on_lanes_or_threads():
    """The kernel compiled for 8 lanes (AVX2 hosts) and for 16 (AVX-512 hosts), and run
    on one or two threads, computes the same bits: images made on another host are
    identical."""
    numba = pytest.importorskip("numba")
    from acousticlib.beamforming import _vector_kernel as VK

    mics = random_planar(6, 21)  # 21 microphones: a block of MIC_BLOCK and a remainder
    points = CAM.focus_grid((5, 7), 1.3).reshape(-1, 3)
    L = 2 * (BF.ANCHOR_BINS * 3 + 5)
    x = seeded_rng(6, "n").standard_normal((21, 5 * L))
    spec, norm = BF.fast._spectra(x, L, None, "hann")
    results = {}
    for lanes in (8, 16):
        drive = VK.make_driver(VK.compile_task(lanes))
        plan = BF.fast._numba_plan(mics, points, FS, L, 343.0, lanes)
        for threads in (1, 2):
            before = numba.get_num_threads()
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            try:
                out = np.full(
                    (spec.shape[1], len(points), L // 2), np.nan, dtype=np.float32
                )
                BF.fast._images_numba(drive, spec, plan, out, norm)
            finally:
                numba.set_num_threads(before)
            assert np.isfinite(out).all(), "some outputs were not written"
            results[lanes, threads] = out
    first = results[8, 1]
    for key, out in results.items():
        np.testing.assert_array_equal(out, first, err_msg=f"lanes, threads = {key}")
    ref = BF.naive_acoustic_images(
        x, FS, mics, points.reshape(5, 7, 3), frame_length=L
    ).reshape(first.shape)
    np.testing.assert_allclose(first, ref, rtol=1e-4, atol=1e-6 * ref.max())


def test_vector_kernel_lanes_follow_the_host_features():
    from acousticlib.beamforming import _vector_kernel as VK

    assert VK.host_lanes("+avx2,+fma,+avx512f,-amx-tile") == 16
    assert VK.host_lanes("+avx2,+fma,-avx512f") == 8
    with pytest.raises(ValueError, match="lanes, frame_block and mic_block"):
        VK.kernel_ir(0)


def test_without_numba_the_numpy_engine_serves(monkeypatch):
    mics = G.spiral_array(8, 0.5)
    grid = CAM.focus_grid((3, 4))
    x = S.free_field(noise(1200, 4), FS, grid[1, 1], mics)
    ref = BF.naive_acoustic_images(x, FS, mics, grid, frame_length=128)
    monkeypatch.setattr(BF.fast, "_numba_kernel", lambda: None)
    calls, original = [], BF.fast._images_numpy

    def spy(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(BF.fast, "_images_numpy", spy)
    got = BF.acoustic_images(x, FS, mics, grid, frame_length=128)
    assert calls, "the numpy engine was not used"
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-6 * ref.max())
    with pytest.raises(RuntimeError, match="numba is not installed"):
        BF.acoustic_images(x, FS, mics, grid, frame_length=128, engine="numba")
    with pytest.raises(ValueError, match="engine"):
        BF.acoustic_images(x, FS, mics, grid, frame_length=128, engine="fast")


def test_steering_plans_are_cached_per_geometry():
    pytest.importorskip("numba")
    mics = G.spiral_array(8, 0.5)
    grids = [CAM.focus_grid((3, 4), d) for d in (1.0, 1.5, 2.0)]
    x = noise(8 * 512).reshape(8, 512)

    def plan(grid):
        return BF.fast._numba_plan(
            np.asarray(mics.positions), grid.reshape(-1, 3), FS, 128, 343.0, 8
        )

    first = plan(grids[0])
    assert plan(grids[0]) is first  # same geometry: no new set-up
    assert plan(grids[1]) is not first
    plan(grids[2])  # a third geometry evicts the oldest
    assert plan(grids[0]) is not first
    BF.acoustic_images(x, FS, mics, grids[0], frame_length=128)
    assert all(
        sum(k[0] == kind for k in BF.fast._PLANS) <= BF.fast._PLAN_SLOTS
        for kind in {k[0] for k in BF.fast._PLANS}
    )


@pytest.mark.parametrize("engine", ["numpy", "numba", "torch"])
def test_every_path_matches_exact_steering_on_the_dual_cam_geometry(
    engine, monkeypatch
):
    """128 microphones, the 36 x 48 grid, all 512 bins: phase stepping must not drift
    beyond 1e-4."""
    from acousticlib import beamforming as bf
    from acousticlib.geometry import Camera, optimized_aperiodic_array

    arr = optimized_aperiodic_array()
    fp = Camera().focus_grid((36, 48), 1.0)
    x = np.random.default_rng(1).standard_normal((128, 1024))
    L = 1024
    w = bf.window_values("hann", L)
    X = np.fft.rfft(x * w, axis=-1)[:, : L // 2]  # (M, K), one frame
    # late bins are where a recurrence drifts most
    bins = np.array([1, 63, 64, 200, 384, 511])
    # complex128 (F, P, M)
    S = bf.steering_vectors(arr, fp.reshape(-1, 3), bins * 12288 / L)
    exact = (
        np.abs(np.einsum("fpm,mf->pf", S, X[:, bins])) ** 2 / np.sum(w**2)
    ).reshape(36, 48, -1)
    if engine == "torch":
        out = bf.acoustic_images(x, 12288, arr, fp, device="cpu")[0][..., bins]
    else:
        if engine == "numba":
            pytest.importorskip("numba")
        out = bf.acoustic_images(x, 12288, arr, fp, engine=engine)[0][..., bins]
    err = np.abs(out - exact) / np.maximum(exact, 1e-6 * exact.max())
    assert err.max() < 1e-4, f"{engine}: relative error {err.max():.2e}"


@pytest.mark.slow
def test_images_are_bit_identical_across_processes():
    """Two fresh processes (as dataset workers are) give the same bytes: no per-process
    variant of the compiled kernel (e.g. a disk cache) may change the float32 sums."""
    import subprocess
    import sys

    code = (
        "import hashlib, numpy as np\n"
        "from acousticlib import geometry, beamforming as bf\n"
        "x = np.random.default_rng(0).standard_normal((32, 4096))\n"
        "fp = geometry.Camera().resized(144, 192).focus_grid((36, 48), 1.5)\n"
        "y = bf.acoustic_images(x, 12288, geometry.spiral_array(32, 0.5), fp)\n"
        "print(hashlib.sha256(y.tobytes()).hexdigest())\n"
    )
    digests = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert digests[0] == digests[1]
