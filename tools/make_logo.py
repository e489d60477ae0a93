"""Draw the book's logo (book/images/logo.png): the beam pattern of a 32-microphone
sunflower array steered slightly off axis at 3 kHz, with the microphones drawn on top.

Run ``.venv/bin/python tools/make_logo.py`` to regenerate it.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "book" / "images" / "logo.png"


def main() -> None:
    m, radius, f, c = 32, 0.25, 3000.0, 343.0
    k = np.arange(m) + 0.5
    r = radius * np.sqrt(k / m)
    phi = k * np.pi * (3 - np.sqrt(5))  # golden-angle (sunflower) layout
    mics = np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1)
    u = np.linspace(-1, 1, 400)  # direction cosines
    ux, uy = np.meshgrid(u, u)
    steer = np.array([0.25, -0.15])
    phase = (
        2
        * np.pi
        * f
        / c
        * (
            (ux[..., None] - steer[0]) * mics[:, 0]
            + (uy[..., None] - steer[1]) * mics[:, 1]
        )
    )
    af = np.abs(np.exp(1j * phase).mean(-1)) ** 2
    af[ux**2 + uy**2 > 1] = np.nan
    fig, ax = plt.subplots(figsize=(3, 3), dpi=100)
    ax.imshow(
        10 * np.log10(af + 1e-6),
        extent=(-1, 1, -1, 1),
        origin="lower",
        cmap="magma",
        vmin=-20,
        vmax=0,
    )
    ax.scatter(
        mics[:, 0] * 3.2,
        mics[:, 1] * 3.2,
        s=9,
        c="white",
        edgecolors="black",
        linewidths=0.4,
    )
    ax.set_axis_off()
    fig.subplots_adjust(0, 0, 1, 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, transparent=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
