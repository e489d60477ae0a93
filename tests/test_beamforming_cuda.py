"""The beamformer's torch path on a CUDA device against the CPU kernel (issue 27).

The torch path on the CPU is checked against the numpy and numba engines in
``tests/test_beamforming.py`` (``test_numpy_torch_and_naive_paths_agree`` and
``test_every_path_matches_exact_steering_on_the_dual_cam_geometry``); this file adds
the GPU, where the steering phases are computed per block of bins in float32
(``acousticlib.beamforming.fast._images_torch``) instead of the CPU's recurrence.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from acousticlib import beamforming as BF
from acousticlib import geometry as G
from acousticlib.runtime import seeded_rng

FS = 12288.0


@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="no CUDA device: torch.cuda.is_available() is False (run on a GPU, or "
    "tools/gpu_check.py there)",
)
@pytest.mark.parametrize("frame_length", [256, 1024])
def test_cuda_path_agrees_with_the_cpu_kernel(frame_length):
    mics = G.optimized_aperiodic_array().positions[:48]
    grid = G.Camera().focus_grid((9, 12), 1.0)
    x = seeded_rng(0, "cuda-test").standard_normal((len(mics), 3 * frame_length))
    ref = BF.acoustic_images(x, FS, mics, grid, frame_length=frame_length)
    out = BF.acoustic_images(
        x, FS, mics, grid, frame_length=frame_length, device="cuda"
    )
    assert out.shape == ref.shape and out.dtype == np.float32
    # float32 on both sides: phases rounded to float32 (about 1e-7 rad) and
    # complex64 products summed over 48 microphones in a different order (cuBLAS);
    # relative 1e-3 where the power is large, 1e-5 of the image's peak near its nulls
    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-5 * float(ref.max()))
