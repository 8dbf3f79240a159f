"""Repeated reassignment in audioFlux 0.1.9 (``Reassign.set_order``) on a linear chirp: the
order-3 Renyi entropy of the reassigned power against the STFT's, and the energy ratio.
Recorded in docs/transforms-cqt.md.  Runs in a scratch environment (audioFlux is never a
featgraph dependency)::

    python -m venv /tmp/venv-cqt && /tmp/venv-cqt/bin/pip install audioflux==0.1.9
    /tmp/venv-cqt/bin/python docs/compare_reassign_audioflux.py
"""
import numpy as np, audioflux as af
from audioflux.type import ReassignType, WindowType
sr=8000; t=np.arange(2*sr)/sr
y=np.cos(2*np.pi*(500*t+500*t**2)).astype(np.float32)
def renyi(P): P=P/P.sum(); return np.log2(np.sum(P**3))/(-2)
for rt in (ReassignType.FRE, ReassignType.ALL):
    for o in (1,2,3):
        obj = af.Reassign(radix2_exp=9, samplate=sr, window_type=WindowType.HANN, slide_length=128, re_type=rt)
        obj.set_order(o)
        re, spec = obj.reassign(y, result_type=0)
        P = np.abs(re)**2; S = np.abs(spec)**2
        print(rt.name, o, re.shape, 'renyi re', round(renyi(P),3), 'stft', round(renyi(S),3), 'energy ratio', round(P.sum()/S.sum(),4))
