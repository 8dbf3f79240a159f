"""Regenerate tests/data/kaldi_refs.npz: the Kaldi-family references at other lengths.

Needs kaldi-native-fbank, transformers (numpy only, no torch) and soundfile in a scratch
virtual environment; none of them is a featgraph dependency, and the tests never import them.

    python tests/data/make_kaldi_refs.py

Signals (from featgraph/data/speech_en_16k.wav and tests/data/speech_en_gb_16k.wav):

- ``short``: the first 300 samples of speech_en_16k (shorter than one 400-sample frame);
- ``s30``: exactly 30 s (480000 samples), speech_en_16k and speech_en_gb_16k repeated;
- ``s37``: 37.3 s (596800 samples), the same repeated further;
- ``s10``: exactly 10 s (160000 samples), for AST.

Outputs, each ``(features, frames)`` float32, with its full shape in ``<key>.shape``; for the
long signals only the frames listed in ``<key>.frames`` are stored (the first 20, 20 around
the middle and the last 20), to keep the file small:

- ``kaldi.fbank80`` / ``kaldi.mfcc13`` (kaldi-native-fbank OnlineFbank / OnlineMfcc, the
  options of ../shared/reference/make_frontend_refs.py) on short, s30, s37;
- ``speech2text`` and ``seamless`` (transformers' extractors, their numpy path) on short-free
  s30 and s37 (the short signal has no frames, and their statistics are then undefined);
- ``ast`` (ASTFeatureExtractor's numpy path) on short, s10, s37. The extractor wraps its
  numpy filterbank with ``torch.from_numpy`` and pads with ``torch.nn.ZeroPad2d``; without
  torch installed this script gives the module a two-function numpy stand-in for those calls
  (a view with ``.numpy()``, and zero-padding at the end), which is all that path uses.
"""
import types
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
SR = 16000


def signals():
    a, _ = sf.read(HERE.parent.parent / "featgraph" / "data" / "speech_en_16k.wav", dtype="int16")
    b, _ = sf.read(HERE / "speech_en_gb_16k.wav", dtype="int16")
    loop = np.concatenate([a, b] * 3)
    return {"short": a[:300], "s30": loop[:480000], "s37": loop[:596800], "s10": loop[:160000]}


def kaldi(x16, kind):
    import kaldi_native_fbank as knf

    o = knf.FbankOptions() if kind == "fbank" else knf.MfccOptions()
    o.frame_opts.samp_freq = SR
    o.frame_opts.dither = 0.0
    if kind == "fbank":
        o.mel_opts.num_bins = 80
    comp = knf.OnlineFbank(o) if kind == "fbank" else knf.OnlineMfcc(o)
    comp.accept_waveform(SR, x16.astype(np.float32).tolist())
    comp.input_finished()
    frames = [comp.get_frame(i) for i in range(comp.num_frames_ready)]
    dim = 80 if kind == "fbank" else 13
    return np.asarray(frames, dtype=np.float32).reshape(-1, dim).T


class _Tensor(np.ndarray):
    def numpy(self):
        return np.asarray(self)


class _Pad:
    def __init__(self, widths):
        self.extra = widths[3]

    def __call__(self, x):
        return np.pad(np.asarray(x), ((0, self.extra), (0, 0))).view(_Tensor)


def _torch_stand_in():
    return types.SimpleNamespace(from_numpy=lambda a: np.asarray(a).view(_Tensor),
                                 nn=types.SimpleNamespace(ZeroPad2d=_Pad))


def main():
    # the peers are imported here, so that the test suite's doctest collection can import
    # this file without them
    import transformers as T
    import transformers.models.audio_spectrogram_transformer.feature_extraction_audio_spectrogram_transformer as astmod  # noqa: E501

    out = {}

    def put(key, arr, sparse):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        out[key + ".shape"] = np.asarray(arr.shape)
        n = arr.shape[1]
        frames = np.arange(n)
        if sparse and n > 60:
            frames = np.unique(np.r_[0:20, n // 2 - 10:n // 2 + 10, n - 20:n])
        out[key + ".frames"] = frames
        out[key] = arr[:, frames]

    if not hasattr(astmod, "torch"):
        astmod.torch = _torch_stand_in()
    for name, x16 in signals().items():
        y = (x16.astype(np.float32) / 32768.0)
        sparse = name != "short"
        if name in ("short", "s30", "s37"):
            put(f"{name}/kaldi.fbank80", kaldi(x16, "fbank"), sparse)
            put(f"{name}/kaldi.mfcc13", kaldi(x16, "mfcc"), sparse)
        if name in ("s30", "s37"):
            s2t = T.Speech2TextFeatureExtractor()(y, sampling_rate=SR, return_tensors="np")
            put(f"{name}/speech2text", s2t["input_features"][0].T, sparse)
            sm = T.SeamlessM4TFeatureExtractor()(y, sampling_rate=SR, return_tensors="np")
            put(f"{name}/seamless", sm["input_features"][0].T, sparse)
        if name in ("short", "s10", "s37"):
            ast = astmod.ASTFeatureExtractor()(y, sampling_rate=SR, return_tensors="np")
            put(f"{name}/ast", np.asarray(ast["input_values"])[0].T, sparse)
    np.savez_compressed(HERE / "kaldi_refs.npz", **out)


if __name__ == "__main__":
    main()
