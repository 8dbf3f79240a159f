"""Closed-form windows under audioFlux's names, computed with numpy alone.

Symmetric windows of ``N`` points use ``n = 0..N-1``; the periodic (DFT-even) form of
length ``N`` is the symmetric one of ``N + 1`` points without its last point (scipy's
``fftbins=True``).

References
----------
F. J. Harris, "On the use of windows for harmonic analysis with the discrete Fourier
transform", Proc. IEEE 66(1), 51-83, 1978 (rectangle, triangle, Gaussian, 4-term
Blackman-Harris ``0.35875, 0.48829, 0.14128, 0.01168``).
A. H. Nuttall, "Some windows with very good sidelobe behavior", IEEE Trans. ASSP 29(1),
84-91, 1981 (Blackman-Nuttall ``0.3635819, 0.4891775, 0.1365995, 0.0106411``).
Y.-H. Ha and J. A. Pearce, "A new window and comparison to standard windows", IEEE Trans.
ASSP 37(2), 298-301, 1989 (Bartlett-Hann ``0.62 - 0.48 |x| + 0.38 cos(2 pi x)``,
``x = n / (N - 1) - 1/2``).
"""
from __future__ import annotations

import numpy as np

COSINE_SUMS = {
    "blackman_harris": (0.35875, 0.48829, 0.14128, 0.01168),
    "blackman_nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
}
NAMES = ("rect", "triangular", "gauss", "bartlett_hann") + tuple(COSINE_SUMS)


def closed_form(name: str, n: int, periodic: bool, param: float | None) -> np.ndarray:
    """The window ``name`` (one of :data:`NAMES`) of ``n`` points, float64."""
    if n <= 1:
        return np.ones(max(n, 0))
    if periodic:
        return _symmetric(name, n + 1, param)[:-1]
    return _symmetric(name, n, param)


def _symmetric(name: str, n: int, param: float | None) -> np.ndarray:
    k = np.arange(n, dtype=np.float64)
    if name == "rect":
        return np.ones(n)
    if name == "triangular":                 # never zero at the ends (scipy's triang)
        half = (n + 1) / 2 if n % 2 else n / 2
        return 1.0 - np.abs(k - (n - 1) / 2) / half
    if name == "gauss":                      # param: standard deviation in samples
        return np.exp(-0.5 * ((k - (n - 1) / 2) / param) ** 2)
    x = k / (n - 1)
    if name == "bartlett_hann":
        return 0.62 - 0.48 * np.abs(x - 0.5) + 0.38 * np.cos(2 * np.pi * (x - 0.5))
    a = COSINE_SUMS[name]
    return sum((-1) ** i * c * np.cos(2 * np.pi * i * x) for i, c in enumerate(a))


COSINE_WINDOWS = {"hann": (0.5, -0.5), "hamming": (0.54, -0.46),
                  "blackman": (0.42, -0.5, 0.08)}
"""The periodic windows that are cosine sums ``h[n] = sum_m c_m cos(2 pi m n / N)`` (as
:func:`featgraph.nodes._cqfilters._window` computes them): their DFT is a few taps, so
they can be applied to the spectrum of the bare frames (reassignment, the fused
filterbanks)."""
