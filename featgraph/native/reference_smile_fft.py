"""Plain-numpy definition of openSMILE 2.6's single-precision real FFT (``smile_fft.c``).

openSMILE's eGeMAPS formant path transforms its 20 ms Hamming frames (level
``gemapsv01b_winH25``, the frame centred in ``N`` zeros) into ``gemapsv01b_fftcH25``
with a float32 real FFT whose every rounding is reproduced here: the order of operations
of Takuya Ooura's split-radix FFT package (``fftsg.c``, "General Purpose FFT
(Fast Fourier/Cosine/Sine Transform) Package", 1996-2001,
https://www.kurims.kyoto-u.ac.jp/~ooura/fft.html), evaluated in float with the twiddle
tables of :func:`smile_fft_tables`.  Measured black-box (the openSMILE source was not
read): on every value of the 76 saved frames of tests/data/egemaps_resample_refs.npz (the
three speech files at 16 and 8 kHz, ``N`` = 512 and 256; impulses, DC, a sine and noise;
speech at 48 kHz, ``N`` = 1024) this gives openSMILE's ``fftcH25`` bit for bit; the same
algorithm with its tables computed in double and rounded once gives 25-47 % of the
values, Ooura's radix-4 package (``fft4g.c``) in float 18-40 %, other float32 FFTs 15-19 %
(tests/test_native_smile_fft.py; docs/paralinguistic.md, "Formants").

The transform (Ooura's ``rdft(n, 1, a, ip, w)``) of ``a[0 .. N-1]`` is::

    R[k] = sum_j a[j] cos(2 pi j k / N),  I[k] = sum_j a[j] sin(2 pi j k / N)

written as ``a[0] = R[0], a[1] = R[N/2], a[2k] = R[k], a[2k+1] = I[k]`` (openSMILE's
layout: ``I`` is minus the imaginary part of ``numpy.fft.rfft``).  It is an ``N/2``-point
complex FFT of ``z[p] = a[2p] + i a[2p+1]`` by split-radix decimation in frequency
(:func:`featgraph.native.reference_smile_cft.cftfsub`), the complex bit reversal, then the
real split (``rftfsub``) and ``R[0], R[N/2] = a[0] + a[1], a[0] - a[1]``.  Every operation
rounds to float32 as C ``float`` does without contraction (numpy float32 arithmetic);
``a + b`` and ``a * b`` commute exactly and negation is exact, so only which values meet,
and in what grouping, is spelled out.  ``N`` = 256, 512 and 1024 (openSMILE's 20 ms
frames from 6.4 to 51.2 kHz).

Used by :mod:`featgraph.native.formants` when ``FEATGRAPH_NATIVE=0`` and by the tests.
"""
import functools

import numpy as np

from .reference_smile_cft import Seq, cftfsub

__all__ = ["SIZES", "smile_fft_tables", "check_smile_rdft_args", "smile_rdft_f32"]

SIZES = (256, 512, 1024)
"""The transform lengths ``N`` of :func:`smile_rdft_f32`."""

_F = np.float32


@functools.lru_cache(maxsize=4)
def smile_fft_tables(n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """The twiddle tables ``(w, c)``, ``N/4`` float32 each (read-only), of Ooura's
    ``makewt(N/4)`` and ``makect(N/4)`` as openSMILE's float build computes them:

    - the angle step ``d = float32(atan(1)) / (N/8)`` and every angle ``d * j`` (and ``(3 d)
      j``) are float32 products; each cosine and sine is that float32 angle's, evaluated in
      double and rounded to float32; the secants ``0.5 / cos`` and the halves ``0.5 * cos``
      are float32 operations on those;
    - ``w = [1, cos(d nwh), 0.5 / cos(2 d), 0.5 / cos(6 d), then cos(d j), sin(d j),
      cos(3 d j), -sin(3 d j) for j = 4, 8, ..]`` (``nwh = N/8``), followed by the tables
      of the shorter stages (``1, cos(pi/4)``, the secants of the previous table's ``w[4]``
      and ``w[6]``, and every other group of four values of the previous table), down to
      eight values;
    - ``c[0] = cos(d' nch)``, ``c[nch] = 0.5 c[0]``, ``c[j] = 0.5 cos(d' j)``, ``c[nc - j] =
      0.5 sin(d' j)`` (``nc = N/4``, ``nch = N/8``, ``d' = float32(atan(1)) / nch``).

    Those roundings were measured (module docstring); cosines taken in double with the
    angles in double give a quarter of openSMILE's values only.
    """
    if n_fft not in SIZES:
        raise ValueError(f"smile_rdft_f32: N must be one of {SIZES}, got {n_fft!r}")
    nw = nc = n_fft >> 2

    def cos(x):
        return _F(np.cos(float(x)))

    def sin(x):
        return _F(np.sin(float(x)))

    nwh = nw >> 1
    delta = _F(np.arctan(1.0)) / _F(nwh)
    wn4r = cos(delta * _F(nwh))
    w = [_F(1), wn4r, _F(0.5) / cos(delta * _F(2)), _F(0.5) / cos(delta * _F(6))]
    for j in range(4, nwh, 4):
        w += [cos(delta * _F(j)), sin(delta * _F(j)), cos(_F(3) * delta * _F(j)),
              -sin(_F(3) * delta * _F(j))]
    w += [_F(0)] * (nw - len(w))
    nw0 = 0
    while nwh > 2:                          # the shorter stages' tables, after it
        nw1 = nw0 + nwh
        nwh >>= 1
        w[nw1], w[nw1 + 1] = _F(1), wn4r
        if nwh == 4:
            w[nw1 + 2], w[nw1 + 3] = w[nw0 + 4], w[nw0 + 5]
        elif nwh > 4:
            w[nw1 + 2], w[nw1 + 3] = _F(0.5) / w[nw0 + 4], _F(0.5) / w[nw0 + 6]
            for j in range(4, nwh, 4):
                w[nw1 + j:nw1 + j + 4] = w[nw0 + 2 * j:nw0 + 2 * j + 4]
        nw0 = nw1
    nch = nc >> 1
    delta = _F(np.arctan(1.0)) / _F(nch)
    c = [_F(0)] * nc
    c[0] = cos(delta * _F(nch))
    c[nch] = _F(0.5) * c[0]
    for j in range(1, nch):
        c[j] = _F(0.5) * cos(delta * _F(j))
        c[nc - j] = _F(0.5) * sin(delta * _F(j))
    tabs = (np.array(w, dtype=_F), np.array(c, dtype=_F))
    for t in tabs:
        t.setflags(write=False)
    return tabs


def check_smile_rdft_args(x, n_fft, offset, n_out, window=None, rows=None, values=True):
    """``x`` as float64 ``(frames, n)`` (a view when it is one); ``n_fft``, ``offset``,
    ``n_out`` validated (``offset + n <= N``, ``1 <= n_out <= N``; ``offset`` None: centred,
    ``n_out`` None: ``N``); ``window`` None or float32 ``(n,)``; ``rows`` None or int64
    indices into the frames.  With ``values``, the frames (those of ``rows``) must be
    finite as float32; the window always."""
    x = np.asarray(x)
    if x.dtype != np.float64:
        x = x.astype(np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"smile_rdft_f32 takes frames (frames, n >= 1), got shape {x.shape}")
    if not isinstance(n_fft, (int, np.integer)) or isinstance(n_fft, bool) or n_fft not in SIZES:
        raise ValueError(f"smile_rdft_f32: N must be one of {SIZES}, got {n_fft!r}")
    n = x.shape[1]
    if offset is None:
        offset = (int(n_fft) - n) // 2
    if not isinstance(offset, (int, np.integer)) or offset < 0 or offset + n > n_fft:
        raise ValueError(f"smile_rdft_f32: {n}-sample frames at offset {offset!r} do not fit "
                         f"in N = {n_fft}")
    if n_out is None:
        n_out = n_fft
    if not isinstance(n_out, (int, np.integer)) or not 1 <= n_out <= n_fft:
        raise ValueError(f"smile_rdft_f32: n_out must be in [1, {n_fft}], got {n_out!r}")
    if window is not None:
        window = np.ascontiguousarray(window, dtype=np.float32)
        if window.shape != (n,):
            raise ValueError(f"smile_rdft_f32: the window must have the frames' {n} values, "
                             f"got shape {window.shape}")
        if not np.isfinite(window).all():
            raise ValueError("window contains NaN or infinity")
    if rows is not None:
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if rows.ndim != 1 or (rows.size and (rows.min() < 0 or rows.max() >= x.shape[0])):
            raise ValueError(f"smile_rdft_f32: rows must be indices into the {x.shape[0]} "
                             "frames")
    if values and not (np.abs(x if rows is None else x[rows]) <=
                       np.finfo(np.float32).max).all():
        raise ValueError("frames contain NaN or infinity (as float32)")
    return x, int(n_fft), int(offset), int(n_out), window, rows


def bit_reversal(n_fft: int) -> np.ndarray:
    """The complex bit reversal of ``N/2`` values: value ``p`` goes to ``rev(p)``."""
    h = n_fft >> 1
    bits = h.bit_length() - 1
    p = np.arange(h)
    r = np.zeros(h, dtype=np.intp)
    for b in range(bits):
        r |= ((p >> b) & 1) << (bits - 1 - b)
    return r


def _rftfsub(a, c):
    """The real split: for ``j = 2, 4, .. N/2 - 2`` and ``k = N - j``, with ``wkr = 0.5 -
    c[nc - kk]``, ``wki = c[kk]`` (``kk`` steps by ``4 nc / N``), ``x = (a[j] - a[k],
    a[j+1] + a[k+1])``, ``y = x (wkr + i wki)``: ``a[j] -= yr, a[j+1] -= yi, a[k] += yr,
    a[k+1] -= yi``."""
    n = a.shape[1]
    nc = c.shape[0]
    ks = 2 * nc // (n >> 1)
    kk = 0
    for j in range(2, n >> 1, 2):
        k = n - j
        kk += ks
        wkr, wki = _F(0.5) - c[nc - kk], c[kk]
        xr, xi = a[:, j] - a[:, k], a[:, j + 1] + a[:, k + 1]
        yr, yi = wkr * xr - wki * xi, wkr * xi + wki * xr
        a[:, j] -= yr
        a[:, j + 1] -= yi
        a[:, k] += yr
        a[:, k + 1] -= yi


def smile_rdft_f32(x, n_fft, offset=None, n_out=None, window=None, rows=None):
    """openSMILE 2.6's float32 real FFT of frames ``x`` ``(frames, n)`` (those of ``rows``
    only, in that order, when given; rounded to
    float32, then times the float32 ``window`` when one is given: openSMILE's Hamming
    frames are ``float32(frame) * float32(window)``) placed at ``offset`` (None: centred,
    ``(N - n) // 2``) in ``N`` zeros, ``(frames, n_out)`` float32: the first ``n_out``
    values (all ``N`` by default) of ``[R0, R(N/2), R1, I1, R2, I2, ...]``, ``R[k] = sum_j
    a[j] cos(2 pi j k / N)``, ``I[k] = sum_j a[j] sin(2 pi j k / N)``, with every rounding of
    openSMILE's (module docstring).  ``N`` in :data:`SIZES`."""
    x, n_fft, offset, n_out, window, rows = check_smile_rdft_args(x, n_fft, offset, n_out,
                                                                  window, rows)
    if rows is not None:
        x = x[rows]
    w, c = smile_fft_tables(n_fft)
    a = np.zeros((x.shape[0], n_fft), dtype=_F)
    frames = x.astype(_F)
    a[:, offset:offset + x.shape[1]] = frames if window is None else frames * window
    cftfsub(Seq(a), n_fft, w)
    h = n_fft >> 1
    z = np.empty_like(a)
    rev = bit_reversal(n_fft)
    z.reshape(-1, h, 2)[:, rev, :] = a.reshape(-1, h, 2)
    _rftfsub(z, c)
    d = z[:, 0] - z[:, 1]
    z[:, 0] = z[:, 0] + z[:, 1]
    z[:, 1] = d
    return np.ascontiguousarray(z[:, :n_out])
