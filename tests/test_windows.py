"""audioFlux's window names against scipy.signal.get_window (an independent implementation)."""
import numpy as np
import pytest
from pydantic import ValidationError
from scipy.signal import get_window

from featgraph.nodes.framing import Window, window_function

PAIRS = [("rect", "boxcar"), ("triangular", "triang"), ("blackman_harris", "blackmanharris"),
         ("blackman_nuttall", "nuttall"), ("bartlett_hann", "barthann")]


@pytest.mark.parametrize("ours, scipys", PAIRS)
@pytest.mark.parametrize("n", [1, 2, 7, 400, 513])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_agree_with_scipy(ours, scipys, n, periodic):
    np.testing.assert_allclose(window_function(ours, n, periodic),
                               get_window(scipys, n, fftbins=periodic), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("periodic", [True, False])
def test_gauss(periodic):
    np.testing.assert_allclose(window_function("gauss", 256, periodic, 40.0),
                               get_window(("gaussian", 40.0), 256, fftbins=periodic), rtol=1e-12)
    with pytest.raises(ValidationError, match="param"):
        Window(window="gauss")
