"""Regenerate tests/data/spectral_features_refs.npz: audioFlux 0.1.9's spectral features
and librosa 0.11's spectral contrast, for tests/test_spectral_features.py.

``X``
    The complex STFT (complex64, ``(bins, frames)``) that every audioFlux feature
    here is computed from: the first channel of ``chord_pluck_22k_stereo.wav``,
    frames of 512 samples every 256 (not centred), periodic Hann window, 512-point
    FFT, frames 0..47 (the onset and the decay).  ``freq`` holds the bin
    frequencies in Hz, ``sr`` the rate.
``af/<name>[/<variant>]``
    ``audioflux.Spectral(num=257, fre_band_arr=freq)`` with ``set_time_length(48)``,
    called on ``S = |X|`` (float32) and, for the phase features, ``np.angle(X)``;
    the variant names the parameters (see ``calls``).  ``afband/...``: the same after
    ``set_edge(B1, B2)`` (bins 12..150).
``librosa/contrast/<stem>``
    ``librosa.feature.spectral_contrast(y=y, sr=sr)`` at its defaults (n_fft 2048,
    hop 512, hann, centred, fmin 200, 6 bands, quantile 0.02, top_db 80 in
    power_to_db) on the speech file and on the chord's first channel.

Not run by the tests (which never import audioFlux or librosa); run it in a
scratch environment::

    python -m venv /tmp/venv && /tmp/venv/bin/pip install audioflux==0.1.9 librosa soundfile
    /tmp/venv/bin/python tests/data/make_features_refs.py
"""
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
N_FFT, HOP, FRAMES, B1, B2 = 512, 256, 48, 12, 150

def calls() -> dict:
    """``{key: f(spectral, S, P)}``: every audioFlux call saved (imported here, so that the
    test collection, which imports this module, needs no audioFlux)."""
    from audioflux.type import SpectralNoveltyDataType as D
    from audioflux.type import SpectralNoveltyMethodType as M

    table = {
        "flatness": lambda s, S, P: s.flatness(S),
        "rolloff": lambda s, S, P: s.rolloff(S),
        "rolloff/0.85": lambda s, S, P: s.rolloff(S, 0.85),
        "centroid": lambda s, S, P: s.centroid(S),
        "spread": lambda s, S, P: s.spread(S),
        "skewness": lambda s, S, P: s.skewness(S),
        "kurtosis": lambda s, S, P: s.kurtosis(S),
        "entropy": lambda s, S, P: s.entropy(S),
        "entropy/norm": lambda s, S, P: s.entropy(S, is_norm=True),
        "crest": lambda s, S, P: s.crest(S),
        "slope": lambda s, S, P: s.slope(S),
        "decrease": lambda s, S, P: s.decrease(S),
        "band_width": lambda s, S, P: s.band_width(S, 2),
        "rms": lambda s, S, P: s.rms(S),
        "energy": lambda s, S, P: s.energy(S),
        "hfc": lambda s, S, P: s.hfc(S),
        "flux": lambda s, S, P: s.flux(S),
        "flux/p1_positive_exp_mean_step2":
            lambda s, S, P: s.flux(S, step=2, p=1, is_positive=True, is_exp=True, tp=1),
        "flux/exp": lambda s, S, P: s.flux(S, is_exp=True),
        "sd": lambda s, S, P: s.sd(S),
        "sd/positive": lambda s, S, P: s.sd(S, is_positive=True),
        "sf": lambda s, S, P: s.sf(S),
        "sf/positive": lambda s, S, P: s.sf(S, is_positive=True),
        "mkl": lambda s, S, P: s.mkl(S),
        "mkl/mean": lambda s, S, P: s.mkl(S, tp=1),
        "pd": lambda s, S, P: s.pd(S, P),
        "wpd": lambda s, S, P: s.wpd(S, P),
        "nwpd": lambda s, S, P: s.nwpd(S, P),
        "cd": lambda s, S, P: s.cd(S, P),
        "rcd": lambda s, S, P: s.rcd(S, P),
        "broadband": lambda s, S, P: s.broadband(S),
        "broadband/0.01": lambda s, S, P: s.broadband(S, 0.01),
        "eef": lambda s, S, P: s.eef(S),
        "eef/norm": lambda s, S, P: s.eef(S, is_norm=True),
        "eer": lambda s, S, P: s.eer(S),
        "eer/norm_gamma10": lambda s, S, P: s.eer(S, is_norm=True, gamma=10.0),
        "max": lambda s, S, P: s.max(S)[0],
        "max/frequency": lambda s, S, P: s.max(S)[1],
        "mean": lambda s, S, P: s.mean(S)[0],
        "var": lambda s, S, P: s.var(S)[0],
    }
    for method in ("sub", "entropy", "kl", "is"):
        for data in ("value", "number"):
            enum_m = {"sub": M.SUB, "entropy": M.ENTROY, "kl": M.KL, "is": M.IS}[method]
            enum_d = D.VALUE if data == "value" else D.NUMBER
            for thr in (0.0, 0.01):
                table[f"novelty/{method}_{data}_{thr:g}"] = (
                    lambda s, S, P, m=enum_m, d=enum_d, t=thr:
                    s.novelty(S, threshold=t, method_type=m, data_type=d))
    return table


def stft(y: np.ndarray) -> np.ndarray:
    n = 1 + (len(y) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    return np.fft.rfft(y[idx] * window, axis=-1).T


def main() -> None:
    import audioflux as af
    import librosa

    chord, sr = sf.read(HERE / "chord_pluck_22k_stereo.wav")
    X = stft(chord[:, 0])[:, :FRAMES].astype(np.complex64)
    freq = np.arange(N_FFT // 2 + 1) * sr / N_FFT
    S = np.ascontiguousarray(np.abs(X), dtype=np.float32)
    P = np.ascontiguousarray(np.angle(X), dtype=np.float32)
    out = {"X": X, "freq": freq, "sr": np.float64(sr)}
    for prefix, edge in (("af", None), ("afband", (B1, B2))):
        for name, call in calls().items():
            spectral = af.Spectral(num=S.shape[0], fre_band_arr=freq.astype(np.float32))
            spectral.set_time_length(FRAMES)
            if edge:
                spectral.set_edge(*edge)
            out[f"{prefix}/{name}"] = np.asarray(call(spectral, S, P), dtype=np.float32)
    speech, ssr = sf.read(HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav",
                          dtype="float32")
    out["librosa/contrast/speech_en_16k"] = librosa.feature.spectral_contrast(y=speech, sr=ssr)
    out["librosa/contrast/chord"] = librosa.feature.spectral_contrast(
        y=chord[:, 0].astype(np.float32), sr=sr)
    np.savez_compressed(HERE / "spectral_features_refs.npz", **out)
    print({k: v.shape for k, v in out.items()})


if __name__ == "__main__":
    main()
