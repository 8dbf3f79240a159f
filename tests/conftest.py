"""Shared fixtures: paths of the test audio and of the reference outputs.

``tests/data`` holds copies of ``../shared`` files (see tests/data/README.md),
so the suite runs on a machine without ``../shared``.
"""
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

import featgraph

# Plans built by the suite go to a private cache, not the user's ~/.cache/featgraph.
os.environ.setdefault("FEATGRAPH_CACHE", tempfile.mkdtemp(prefix="featgraph-test-cache-"))

DATA = Path(__file__).parent / "data"
SPEECH = {
    "speech_en_16k": featgraph.example("speech"),
    "speech_en_gb_16k": DATA / "speech_en_gb_16k.wav",
    "english_8k": DATA / "english_8k.wav",
}


def rastamat(stem: str) -> dict[str, np.ndarray]:
    """rastamat's rastaplp outputs for ``stem`` (plp, plp13, rasta_plp)."""
    with np.load(DATA / f"{stem}__rastamat.npz") as z:
        return {k: z[k] for k in z.files}


def assert_close_per_coefficient(got, want, rel):
    """Per coefficient (row): max |got - want| <= rel * (range of that coefficient)."""
    assert got.shape == want.shape
    span = want.max(axis=-1) - want.min(axis=-1)
    err = np.abs(got - want).max(axis=-1)
    worst = (err / span).max()
    assert worst <= rel, f"max error {worst:.3g} of a coefficient's range (allowed {rel:g})"


@pytest.fixture
def write_recipe(tmp_path):
    """Write YAML text to a file in tmp_path; returns its path."""
    def write(text: str, name: str = "recipe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path
    return write


EDGE_SIGNALS = ("silence", "zeros", "square")
"""Signals every new op must stay finite on (see :func:`edge_signal`)."""


def edge_signal(name: str) -> np.ndarray:
    """1 s at 16 kHz of ``silence`` (tests/data/silence_16k.wav, +-1 LSB), exact ``zeros``,
    or a full-scale 220 Hz ``square`` wave clipped from 1.5x."""
    if name == "silence":
        import soundfile

        return soundfile.read(DATA / "silence_16k.wav")[0]
    if name == "zeros":
        return np.zeros(16000)
    t = np.arange(16000) / 16000
    return np.clip(1.5 * np.sign(np.sin(2 * np.pi * 220 * t)), -1.0, 1.0)
