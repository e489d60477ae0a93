"""acousticlib.geometry: arrays, files, beam patterns and the camera, checked against
physics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acousticlib import geometry as G
from acousticlib.runtime import seeded_rng


def random_planar(seed: int, m: int = 16, side: float = 0.5) -> np.ndarray:
    xy = seeded_rng(seed, "array").uniform(-side / 2, side / 2, (m, 2))
    return np.column_stack([xy, np.zeros(m)])


# ---------------------------------------------------------------- arrays


def test_uniform_array_spacing_and_aperture():
    a = G.uniform_rectangular_array(4, 5, 0.05)
    assert a.n_mics == 20
    assert a.min_spacing == pytest.approx(0.05)
    assert a.aperture == pytest.approx(0.05 * math.hypot(3, 4))
    assert np.allclose(a.positions.mean(axis=0), 0)


def test_spiral_fills_its_disc_with_equal_areas():
    a = G.spiral_array(200, 0.5)
    r = np.hypot(*a.positions[:, :2].T)
    assert r.max() <= 0.25 + 1e-12
    # equal area per microphone: the fraction inside radius rho is (rho / R)^2
    assert np.mean(r < 0.125) == pytest.approx(0.25, abs=0.02)


def test_optimized_array_meets_its_constraints():
    a = G.optimized_aperiodic_array()
    assert a.n_mics == 128
    assert np.all(np.abs(a.positions[:, :2]) <= 0.25 + 1e-9)
    assert a.min_spacing >= G.APERIODIC_DEFAULTS["min_spacing"] - 1e-6
    assert 0.4 < a.aperture <= 0.5 * math.sqrt(2)


def test_optimized_layout_file_is_reproduced_by_its_generator(tmp_path):
    out = G.write_optimized_layout(tmp_path / "layout.csv")
    fresh = G.read_array_csv(out).positions
    cached = G.read_array_csv(G.APERIODIC_CSV).positions
    np.testing.assert_allclose(fresh, cached, atol=2e-6)


def test_optimization_lowers_the_peak_sidelobe():
    freqs = [5000.0, 6000.0]
    start = G.spiral_array(128, 0.5)
    best = G.optimized_aperiodic_array()
    kw = dict(extent=1.5, n=81)
    assert (
        np.max(G.peak_sidelobe_level_db(best, freqs, **kw))
        < np.max(G.peak_sidelobe_level_db(start, freqs, **kw)) - 1.0
    )


def test_micarray_rejects_bad_input():
    with pytest.raises(ValueError, match="positions must describe a planar array"):
        G.MicArray(np.array([[0, 0, 0], [0.1, 0, 0.01]]))
    with pytest.raises(ValueError, match=r"positions must have shape \(\*, 3\)"):
        G.MicArray(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="positions must be finite"):
        G.MicArray(np.array([[0, 0, 0], [np.nan, 0, 0]]))
    with pytest.raises(ValueError, match="at least 2"):
        G.MicArray(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="spacing must be finite and > 0"):
        G.uniform_rectangular_array(2, 2, -0.1)
    with pytest.raises(ValueError, match="min_spacing"):
        G.optimize_aperiodic_layout(128, 0.5, min_spacing=0.1, n_iter=0)


# ---------------------------------------------------------------- files


def test_csv_and_acoular_xml_round_trip(tmp_path):
    a = G.optimized_aperiodic_array()
    b = G.read_array_csv(G.write_array_csv(a, tmp_path / "a.csv"))
    c = G.read_acoular_xml(G.write_acoular_xml(a, tmp_path / "a.xml", name="dualcam"))
    np.testing.assert_allclose(b.positions, a.positions, atol=1e-6)
    np.testing.assert_allclose(c.positions, a.positions, atol=1e-6)
    assert c.name == "dualcam"


def test_reads_an_acoular_style_file(tmp_path):
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n<MicArray name="tiny">\n'
        '  <pos Name="Point 1" x="0.1" y="-0.2" z="0"/>\n'
        '  <pos Name="Point 2" x="-0.05" y="0.03" z="0"/>\n'
        '  <pos Name="Point 3" x="0" y="0" z="0"/>\n</MicArray>\n'
    )
    (tmp_path / "tiny.xml").write_text(text)
    a = G.read_acoular_xml(tmp_path / "tiny.xml")
    np.testing.assert_allclose(
        a.positions, [[0.1, -0.2, 0], [-0.05, 0.03, 0], [0, 0, 0]]
    )


def test_file_readers_reject_bad_files(tmp_path):
    with pytest.raises(ValueError, match="path must be an existing"):
        G.read_array_csv(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="header x_m,y_m,z_m"):
        G.read_array_csv(tmp_path / "bad.csv")
    (tmp_path / "bad.xml").write_text("<MicArray><pos x='1' y='0' z='0'/></MicArray>")
    with pytest.raises(ValueError, match="at least 2 <pos>"):
        G.read_acoular_xml(tmp_path / "bad.xml")


# ---------------------------------------------------------------- beam patterns


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    theta=st.floats(0, 60),
    phi=st.floats(0, 360),
    f=st.floats(200, 8000),
)
def test_array_factor_is_one_at_the_steering_direction_and_bounded(seed, theta, phi, f):
    pos = random_planar(seed)
    t, p = math.radians(theta), math.radians(phi)
    d0 = np.array([math.sin(t) * math.cos(p), math.sin(t) * math.sin(p), math.cos(t)])
    assert abs(G.array_factor(pos, d0, f, steer=d0) - 1) < 1e-12
    _, _, dirs = G.uv_grid(31)
    assert np.all(np.abs(G.array_factor(pos, dirs, f, steer=d0)) <= 1 + 1e-12)


def test_steering_shifts_the_pattern_in_direction_cosines():
    pos = random_planar(1)
    u, v, _ = G.uv_grid(21, extent=0.5)
    d0 = np.array([0.3, -0.2, math.sqrt(1 - 0.13)])
    steered = G.array_factor(
        pos, np.stack([u, v, np.zeros_like(u)], -1), 3000.0, steer=d0
    )
    shifted = G.array_factor(
        pos, np.stack([u - 0.3, v + 0.2, np.zeros_like(u)], -1), 3000.0
    )
    np.testing.assert_allclose(steered, shifted, atol=1e-12)


def test_regular_sparse_array_has_grating_lobes_and_aperiodic_does_not():
    f = 6000.0
    regular = G.uniform_rectangular_array(8, 8, 0.07)  # pitch 7 cm > lambda = 5.7 cm
    assert G.grating_lobe_frequency(0.07) < f
    # a full-height copy of the main lobe
    assert G.peak_sidelobe_level_db(regular, f) > -1.0
    # the grating lobe sits where the theory says: u = lambda / d
    lam = G.wavelength(f)
    af = abs(
        G.array_factor(regular, [lam / 0.07, 0.0, math.sqrt(1 - (lam / 0.07) ** 2)], f)
    )
    assert af == pytest.approx(1.0, abs=1e-9)
    aperiodic = G.optimized_aperiodic_array()
    assert np.max(G.peak_sidelobe_level_db(aperiodic, [2000.0, 4000.0, 6000.0])) < -10.0


def test_main_lobe_width_follows_lambda_over_d():
    a = G.uniform_rectangular_array(1, 41, 0.5 / 40)  # a line of aperture 0.5 m along x
    for f in (2000.0, 4000.0):
        u = np.linspace(0, 0.5, 2001)
        af = np.abs(G.array_factor(a, np.stack([u, 0 * u, np.sqrt(1 - u**2)], -1), f))
        # the pattern stops decreasing at the first null
        first_null = u[np.argmax(np.diff(af) > 0)]
        assert first_null == pytest.approx(G.wavelength(f) / a.aperture, rel=0.05)
    assert G.beamwidth_deg(6400.0, 0.5) == pytest.approx(6.1, abs=0.1)


def test_beam_pattern_rejects_bad_input():
    pos = random_planar(0)
    with pytest.raises(ValueError, match="freqs must be > 0 Hz"):
        G.array_factor(pos, [0, 0, 1], 0.0)
    with pytest.raises(ValueError, match=r"directions must have shape \(\.\.\., 3\)"):
        G.array_factor(pos, [0, 1], 1000.0)
    with pytest.raises(ValueError, match="mic_positions must be finite"):
        G.array_factor(np.full((3, 3), np.inf), [0, 0, 1], 1000.0)
    with pytest.raises(ValueError, match="max_steer_deg must lie in"):
        G.grating_lobe_frequency(0.05, max_steer_deg=120)


# ---------------------------------------------------------------- camera


def test_focus_grid_projects_to_acoustic_pixel_centres():
    cam = G.Camera()
    grid = cam.focus_grid()
    assert grid.shape == (36, 48, 3)
    np.testing.assert_allclose(grid[..., 2], 1.0)
    np.testing.assert_allclose(cam.project(grid), cam.grid_pixel_centres(), atol=1e-9)
    rows, cols = np.meshgrid(np.arange(36), np.arange(48), indexing="ij")
    np.testing.assert_array_equal(cam.acoustic_pixel(grid), np.stack([rows, cols], -1))
    # each acoustic pixel covers 480/36 = 13.3 video pixels, as in the papers
    centres = cam.grid_pixel_centres()
    assert centres[1, 0, 0] - centres[0, 0, 0] == pytest.approx(480 / 36)
    assert centres[0, 1, 1] - centres[0, 0, 1] == pytest.approx(640 / 48)


def test_sphere_grid_and_resized_camera_keep_directions():
    cam = G.Camera()
    small = cam.resized(*G.DATASET_FRAME)
    s = cam.focus_grid(distance=2.0, surface="sphere")
    np.testing.assert_allclose(np.linalg.norm(s, axis=-1), 2.0)
    np.testing.assert_allclose(small.focus_grid(), cam.focus_grid(), atol=1e-12)
    assert small.vfov_deg == pytest.approx(cam.vfov_deg)
    assert cam.fx == cam.fy


@settings(max_examples=25, deadline=None)
@given(x=st.floats(-0.5, 0.5), y=st.floats(-0.4, 0.4), z=st.floats(0.5, 5))
def test_pixel_to_direction_inverts_project(x, y, z):
    cam = G.Camera(144, 192, 60.0)
    p = np.array([x, y, z])
    d = cam.pixel_to_direction(cam.project(p))
    np.testing.assert_allclose(d, p / np.linalg.norm(p), atol=1e-12)


def test_camera_rejects_bad_input():
    cam = G.Camera()
    with pytest.raises(
        ValueError, match=r"points must lie in front of the camera \(z > 0 m\)"
    ):
        cam.project([0.1, 0.0, -1.0])
    with pytest.raises(ValueError, match="hfov_deg must lie in"):
        G.Camera(480, 640, 180.0)
    with pytest.raises(ValueError, match="height must be finite and > 0"):
        G.Camera(0, 640)
    with pytest.raises(ValueError, match="distance must be finite and > 0"):
        cam.focus_grid(distance=0.0)
    with pytest.raises(ValueError, match="surface must be one of"):
        cam.focus_grid(surface="cube")
    with pytest.raises(ValueError, match=r"pixels must have shape \(\.\.\., 2\)"):
        cam.pixel_to_direction([1.0, 2.0, 3.0])
