"""Make tests/data/onset_refs.npz: librosa's onsets, tempo, beats, tempograms and HPSS.

Needs librosa (0.11); not run by the tests, which read the saved arrays.  Run from the
repository root: ``python tests/data/make_onset_refs.py``.

Signals (each under its own key prefix):

- ``chord``: ``chord_pluck_22k_mono.wav`` (3 s plucked chord, 22.05 kHz, a copy of
  ``shared/audio``), read by ``librosa.load(path, sr=None)`` (float32);
- ``speech``: ``featgraph/data/speech_en_16k.wav`` at its own 16 kHz, same way;
- ``loop``: ``tests/mir_signals.drum_loop()`` (20 s drums and chords at 124 BPM,
  22.05 kHz, float64), rebuilt by the tests from the same code.

Per signal, librosa at its defaults: ``onset_strength`` (mean aggregate),
``onset_strength_median`` (the envelope ``beat_track`` uses), ``onsets`` and
``onsets_backtrack`` (``onset_detect(units='time')``), ``tempo`` and ``beats``
(``beat_track(units='time')``).  For ``loop`` also ``tempogram`` (autocorrelation),
``fourier_tempogram`` (magnitude; both keep every 8th frame, ``<key>.frames``, full
shape ``<key>.shape``, float32), ``tempo_global`` (``feature.tempo`` on the mean
envelope) and ``tempo_local`` (``aggregate=None``), all on the mean envelope.  For
``chord``: ``hpss_harmonic`` / ``hpss_percussive`` = ``decompose.hpss(|stft(y)|)``,
float32; ``bundle_chroma_harmonic`` = ``chroma_stft(S=harmonic**2, tuning=0)`` and
``bundle_onset_percussive`` = ``onset_strength(S=power_to_db(melspectrogram(
S=percussive**2)))``, the expert way of computing mir_bundle's parts;
``onset_strength_nfft512`` = ``onset_strength(y=y, sr=sr, n_fft=512)`` (9 of its 128 mel
filters are empty at that resolution: librosa warns and keeps them).
"""
from __future__ import annotations

import sys
from pathlib import Path

import librosa
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from mir_signals import drum_loop  # noqa: E402


def signals():
    root = HERE.parent.parent
    chord, sr_c = librosa.load(HERE / "chord_pluck_22k_mono.wav", sr=None)
    speech, sr_s = librosa.load(root / "featgraph" / "data" / "speech_en_16k.wav", sr=None)
    return {"chord": (chord, sr_c), "speech": (speech, sr_s), "loop": (drum_loop(), 22050)}


def refs_of(y, sr, long: bool) -> dict[str, np.ndarray]:
    out = {}
    env = librosa.onset.onset_strength(y=y, sr=sr)
    out["onset_strength"] = env
    out["onset_strength_median"] = librosa.onset.onset_strength(y=y, sr=sr,
                                                                aggregate=np.median)
    out["onsets"] = librosa.onset.onset_detect(y=y, sr=sr, units="time")
    out["onsets_backtrack"] = librosa.onset.onset_detect(y=y, sr=sr, units="time",
                                                         backtrack=True)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    out["tempo"] = np.atleast_1d(np.asarray(tempo, dtype=np.float64))
    out["beats"] = beats
    if long:                     # tempograms: every 8th frame (``.frames``), float32
        tg = librosa.feature.tempogram(onset_envelope=env, sr=sr)
        ftg = np.abs(librosa.feature.fourier_tempogram(onset_envelope=env, sr=sr))
        for key, value in (("tempogram", tg), ("fourier_tempogram", ftg)):
            out[f"{key}.shape"] = np.array(value.shape)
            out[f"{key}.frames"] = np.arange(0, value.shape[-1], 8)
            out[key] = value[:, ::8].astype(np.float32)
        out["tempo_global"] = librosa.feature.tempo(onset_envelope=env, sr=sr)
        out["tempo_local"] = librosa.feature.tempo(onset_envelope=env, sr=sr, aggregate=None)
    return out


def main():
    arrays = {"librosa_version": np.array(librosa.__version__)}
    for name, (y, sr) in signals().items():
        for key, value in refs_of(y, sr, long=name == "loop").items():
            arrays[f"{name}/{key}"] = np.asarray(value)
        if name == "chord":
            harm, perc = librosa.decompose.hpss(np.abs(librosa.stft(y)))
            arrays["chord/hpss_harmonic"] = harm.astype(np.float32)
            arrays["chord/hpss_percussive"] = perc.astype(np.float32)
            arrays["chord/bundle_chroma_harmonic"] = librosa.feature.chroma_stft(
                S=harm ** 2, sr=sr, tuning=0.0)
            arrays["chord/onset_strength_nfft512"] = librosa.onset.onset_strength(
                y=y, sr=sr, n_fft=512)
            arrays["chord/bundle_onset_percussive"] = librosa.onset.onset_strength(
                S=librosa.power_to_db(librosa.feature.melspectrogram(S=perc ** 2, sr=sr)),
                sr=sr)
    np.savez_compressed(HERE / "onset_refs.npz", **arrays)
    for key, value in arrays.items():
        print(key, value.shape, value.dtype)


if __name__ == "__main__":
    main()
