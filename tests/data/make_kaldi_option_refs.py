"""Regenerate tests/data/kaldi_option_refs.npz: kaldi-native-fbank at options other than
its defaults, for the fbank_kaldi / mfcc_kaldi parameters that map to Kaldi's options.

Needs kaldi-native-fbank (1.23) and soundfile in a scratch virtual environment (not
featgraph dependencies; the tests never import them).  From the repository root:

    python tests/data/make_kaldi_option_refs.py

Signal: the first 3 s of featgraph/data/speech_en_16k.wav as 16-bit values (float32, as
kaldi-native-fbank takes them).  Outputs ``(features, frames)`` float32:

- ``fbank40_hf-400``: OnlineFbank with --num-mel-bins=40 --low-freq=64
  --high-freq=-400 (an offset from the Nyquist frequency: 7600 Hz) --window-type=hamming,
  dither 0, the other options at their defaults;
- ``mfcc20_32ms``: OnlineMfcc with --frame-length=32 --frame-shift=12.5
  --window-type=hanning --preemphasis-coefficient=0 --num-mel-bins=40 --num-ceps=20
  --cepstral-lifter=0 --high-freq=7000, dither 0.

Each key's options are in ``<key>.options`` (JSON text).
"""
import json
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent

CASES = {
    "fbank40_hf-400": dict(kind="fbank", frame_length=25.0, frame_shift=10.0, preemph=0.97,
                           window="hamming", n_mels=40, low_freq=64.0, high_freq=-400.0),
    "mfcc20_32ms": dict(kind="mfcc", frame_length=32.0, frame_shift=12.5, preemph=0.0,
                        window="hann", n_mels=40, low_freq=20.0, high_freq=7000.0,
                        n_ceps=20, lifter=0.0),
}


def compute(y, sr, c):
    import kaldi_native_fbank as knf

    fo = knf.FrameExtractionOptions()
    fo.samp_freq = sr
    fo.frame_length_ms = c["frame_length"]
    fo.frame_shift_ms = c["frame_shift"]
    fo.dither = 0.0
    fo.preemph_coeff = c["preemph"]
    fo.window_type = {"hann": "hanning", "boxcar": "rectangular"}.get(c["window"], c["window"])
    mo = knf.MelBanksOptions()
    mo.num_bins = c["n_mels"]
    mo.low_freq = c["low_freq"]
    mo.high_freq = c["high_freq"]
    if c["kind"] == "mfcc":
        o = knf.MfccOptions()
        o.num_ceps = c["n_ceps"]
        o.cepstral_lifter = c["lifter"]
        comp_cls = knf.OnlineMfcc
    else:
        o = knf.FbankOptions()
        comp_cls = knf.OnlineFbank
    o.frame_opts = fo
    o.mel_opts = mo
    comp = comp_cls(o)
    comp.accept_waveform(sr, y.tolist())
    comp.input_finished()
    return np.array([comp.get_frame(k) for k in range(comp.num_frames_ready)], np.float32).T


def main():
    y, sr = sf.read(HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav",
                    dtype="int16")
    y = y[:3 * sr].astype(np.float32)
    out = {}
    for key, c in CASES.items():
        out[key] = compute(y, sr, c)
        out[f"{key}.options"] = np.array(json.dumps(c))
    np.savez_compressed(HERE / "kaldi_option_refs.npz", **out)
    for key, value in out.items():
        print(key, value.shape, value.dtype)


if __name__ == "__main__":
    main()
