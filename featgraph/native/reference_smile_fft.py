"""Plain-numpy definition of openSMILE 2.6's single-precision real FFT (``smile_fft.c``).

openSMILE's eGeMAPS formant path transforms its 20 ms Hamming frames (level
``gemapsv01b_winH25``, the frame centred in ``N`` zeros) into ``gemapsv01b_fftcH25``
with a float32 real FFT whose every rounding is reproduced here: the order of operations
of Takuya Ooura's split-radix FFT package (``fftsg.c``, "General Purpose FFT
(Fast Fourier/Cosine/Sine Transform) Package", 1996-2001,
https://www.kurims.kyoto-u.ac.jp/~ooura/fft.html), evaluated in float with the twiddle
tables of :func:`smile_fft_tables`.  Measured black-box (the openSMILE source was not
read): on every value of the 60 saved frames of tests/data/egemaps_resample_refs.npz (the
three speech files at 16 and 8 kHz, ``N`` = 512 and 256, and impulses, DC, a sine and
noise) this gives openSMILE's ``fftcH25`` bit for bit; the same algorithm with its tables
computed in double and rounded once gives 25-47 % of the values, Ooura's radix-4 package
(``fft4g.c``) in float 18-40 %, other float32 FFTs 15-19 %
(tests/test_native_smile_fft.py; docs/paralinguistic.md, "Formants").

The transform (Ooura's ``rdft(n, 1, a, ip, w)``) of ``a[0 .. N-1]`` is::

    R[k] = sum_j a[j] cos(2 pi j k / N),  I[k] = sum_j a[j] sin(2 pi j k / N)

written as ``a[0] = R[0], a[1] = R[N/2], a[2k] = R[k], a[2k+1] = I[k]`` (openSMILE's
layout: ``I`` is minus the imaginary part of ``numpy.fft.rfft``).  It is an ``N/2``-point
complex FFT of ``z[p] = a[2p] + i a[2p+1]`` by split-radix decimation in frequency
(``cftf1st``: the first radix-4 step over the whole sequence, with twiddles built on the
fly from the table and the secants ``w[2], w[3]``; ``cftleaf``: the quarters and
sixteenths by ``cftmdl1``/``cftmdl2`` and the 16- or 8-point kernels
``cftf161``/``cftf162``/``cftf081``/``cftf082``), the complex bit reversal, then the
real split (``rftfsub``) and ``R[0], R[N/2] = a[0] + a[1], a[0] - a[1]``.  The functions
below follow those routines operation by operation, each on one column per frame (numpy
float32 operations round as C ``float`` ones do without contraction; ``a + b`` and
``a * b`` commute exactly, and negation is exact, so only which values meet, and in what
grouping, is spelled out).  ``N`` = 256 and 512 (``cftleaf``'s two sizes: openSMILE's
20 ms frames from 6.4 to 25.6 kHz).

Used by :mod:`featgraph.native.formants` when ``FEATGRAPH_NATIVE=0`` and by the tests.
"""
import functools

import numpy as np

__all__ = ["SIZES", "smile_fft_tables", "check_smile_rdft_args", "smile_rdft_f32"]

SIZES = (256, 512)
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


# ---- complex values as (re, im) pairs of float32 columns (one value per frame) ----------

def _add(x, y):
    return x[0] + y[0], x[1] + y[1]


def _sub(x, y):
    return x[0] - y[0], x[1] - y[1]


def _ip(x, y):
    """``x + i y``."""
    return x[0] - y[1], x[1] + y[0]


def _im(x, y):
    """``x - i y``."""
    return x[0] + y[1], x[1] - y[0]


def _mul(p, q, x):
    """``(p xr - q xi, p xi + q xr)``: ``x (p + i q)``."""
    return p * x[0] - q * x[1], p * x[1] + q * x[0]


def _mulc(p, q, x):
    """``(p xr + q xi, p xi - q xr)``: ``x (p - i q)``."""
    return p * x[0] + q * x[1], p * x[1] - q * x[0]


def _w4(r, x):
    """``(r (xr - xi), r (xi + xr))``: ``x`` times ``exp(i pi / 4)``, ``r = cos(pi / 4)``."""
    return r * (x[0] - x[1]), r * (x[1] + x[0])


def _w4c(r, x):
    """``(r (xr + xi), r (xi - xr))``: ``x`` times ``exp(-i pi / 4)``."""
    return r * (x[0] + x[1]), r * (x[1] - x[0])


class _Seq:
    """The transform's buffer ``(frames, N)``: complex value ``p`` at columns ``2p, 2p + 1``
    (``at`` and ``put`` take the column of the real part, as Ooura's indices)."""

    def __init__(self, a):
        self.a = a

    def at(self, j):
        return self.a[:, j].copy(), self.a[:, j + 1].copy()

    def put(self, j, z):
        self.a[:, j], self.a[:, j + 1] = z

    def value(self, o, p):                  # value p of a kernel's block from column o
        return self.at(o + 2 * p)


def _bfly(s, j, m, tw1, tw3):
    """A radix-4 decimation-in-frequency butterfly on the values at ``j, j + m, j + 2m,
    j + 3m``: sums and differences, then ``tw1`` on ``x1 + i x3`` and ``tw3`` on ``x1 - i x3``."""
    j1, j2, j3 = j + m, j + 2 * m, j + 3 * m
    a0, a1, a2, a3 = s.at(j), s.at(j1), s.at(j2), s.at(j3)
    x0, x1, x2, x3 = _add(a0, a2), _sub(a0, a2), _add(a1, a3), _sub(a1, a3)
    s.put(j, _add(x0, x2))
    s.put(j1, _sub(x0, x2))
    s.put(j2, tw1(_ip(x1, x3)))
    s.put(j3, tw3(_im(x1, x3)))


def _one(z):
    return z


def _tw(p1, q1, p3, q3):
    return (lambda z: _mul(p1, q1, z)), (lambda z: _mulc(p3, q3, z))


def _tw8(r):
    return (lambda z: _w4(r, z)), (lambda z: (-(r * (z[0] + z[1])), -(r * (z[1] - z[0]))))


def _cftf1st(s, n, w):
    """The first radix-4 step over all ``N/2`` values; its twiddles ``wk1 = csc1 (wd1 +
    w[k])``, the half-angle of two table entries, between the table's own."""
    mh = n >> 3
    m = 2 * mh
    _bfly(s, 0, m, _one, _one)
    wn4r, csc1, csc3 = w[1], w[2], w[3]
    wd1r = wd3r = _F(1)
    wd1i = wd3i = _F(0)
    k = 0
    for j in range(2, mh - 2, 4):
        k += 4
        wk1r, wk1i = csc1 * (wd1r + w[k]), csc1 * (wd1i + w[k + 1])
        wk3r, wk3i = csc3 * (wd3r + w[k + 2]), csc3 * (wd3i + w[k + 3])
        wd1r, wd1i, wd3r, wd3i = w[k], w[k + 1], w[k + 2], w[k + 3]
        _bfly(s, j, m, *_tw(wk1r, wk1i, wk3r, wk3i))
        _bfly(s, j + 2, m, *_tw(wd1r, wd1i, wd3r, wd3i))
        _bfly(s, m - j, m, *_tw(wk1i, wk1r, wk3i, wk3r))
        _bfly(s, m - j - 2, m, *_tw(wd1i, wd1r, wd3i, wd3r))
    wk1r, wk1i = csc1 * (wd1r + wn4r), csc1 * (wd1i + wn4r)
    wk3r, wk3i = csc3 * (wd3r - wn4r), csc3 * (wd3i - wn4r)
    _bfly(s, mh - 2, m, *_tw(wk1r, wk1i, wk3r, wk3i))
    _bfly(s, mh, m, *_tw8(wn4r))
    _bfly(s, mh + 2, m, *_tw(wk1i, wk1r, wk3i, wk3r))


def _cftmdl1(s, n, o, w):
    """A radix-4 step over the ``n/2`` values from column ``o`` (the ``x1 + i x3`` branch
    of a split-radix step: twiddles from the table)."""
    mh = n >> 3
    m = 2 * mh
    _bfly(s, o, m, _one, _one)
    k = 0
    for j in range(2, mh, 2):
        k += 4
        wk1r, wk1i, wk3r, wk3i = w[k], w[k + 1], w[k + 2], w[k + 3]
        _bfly(s, o + j, m, *_tw(wk1r, wk1i, wk3r, wk3i))
        _bfly(s, o + m - j, m, *_tw(wk1i, wk1r, wk3i, wk3r))
    _bfly(s, o + mh, m, *_tw8(w[1]))


def _cftmdl2(s, n, o, w):
    """A radix-4 step over the ``n/2`` values from column ``o`` that still carry the
    ``exp(-i pi / 4)``-rotated half of the previous step (the other split-radix branch)."""
    mh = n >> 3
    m = 2 * mh
    wn4r = w[1]

    def load(j):
        a0, a1, a2, a3 = s.at(j), s.at(j + m), s.at(j + 2 * m), s.at(j + 3 * m)
        return _ip(a0, a2), _im(a0, a2), _ip(a1, a3), _im(a1, a3)

    def store(j, y0, y2, y1, y3):
        s.put(j, _add(y0, y2))
        s.put(j + m, _sub(y0, y2))
        s.put(j + 2 * m, _add(y1, y3))
        s.put(j + 3 * m, _sub(y1, y3))

    x0, x1, x2, x3 = load(o)
    y0 = _w4(wn4r, x2)
    y1 = _w4(wn4r, x3)
    s.put(o, _add(x0, y0))
    s.put(o + m, _sub(x0, y0))
    s.put(o + 2 * m, _ip(x1, y1))
    s.put(o + 3 * m, _im(x1, y1))
    k, kr = 0, 2 * m
    for j in range(2, mh, 2):
        k += 4
        kr -= 4
        wk1r, wk1i, wk3r, wk3i = w[k], w[k + 1], w[k + 2], w[k + 3]
        wd1i, wd1r, wd3i, wd3r = w[kr], w[kr + 1], w[kr + 2], w[kr + 3]
        x0, x1, x2, x3 = load(o + j)
        store(o + j, _mul(wk1r, wk1i, x0), _mul(wd1r, wd1i, x2),
              _mulc(wk3r, wk3i, x1), _mulc(wd3r, wd3i, x3))
        x0, x1, x2, x3 = load(o + m - j)
        store(o + m - j, _mul(wd1i, wd1r, x0), _mul(wk1i, wk1r, x2),
              _mulc(wd3i, wd3r, x1), _mulc(wk3i, wk3r, x3))
    wk1r, wk1i = w[m], w[m + 1]
    x0, x1, x2, x3 = load(o + mh)
    y0, y2 = _mul(wk1r, wk1i, x0), _mul(wk1i, wk1r, x2)
    y1, y3 = _mul(wk1i, wk1r, x1), _mul(wk1r, wk1i, x3)
    s.put(o + mh, _add(y0, y2))
    s.put(o + mh + m, _sub(y0, y2))
    s.put(o + mh + 2 * m, _sub(y1, y3))
    s.put(o + mh + 3 * m, _add(y1, y3))


def _cftf161(s, o, w):
    """The 16-point kernel of the ``x1 + i x3`` branch (values ``o/2 .. o/2 + 15``)."""
    wn4r, wk1r, wk1i = w[1], w[2], w[3]

    v = functools.partial(s.value, o)
    y = [None] * 16
    for p in range(4):                      # the four radix-4 butterflies of stride 4
        x0, x1 = _add(v(p), v(p + 8)), _sub(v(p), v(p + 8))
        x2, x3 = _add(v(p + 4), v(p + 12)), _sub(v(p + 4), v(p + 12))
        y[p], y[p + 4] = _add(x0, x2), _sub(x0, x2)
        u, d = _ip(x1, x3), _im(x1, x3)
        if p == 0:
            y[8], y[12] = u, d
        elif p == 1:
            y[9], y[13] = _mul(wk1r, wk1i, u), _mul(wk1i, wk1r, d)
        elif p == 2:
            y[10], y[14] = _w4(wn4r, u), _w4c(wn4r, d)
        else:
            y[11], y[15] = _mul(wk1i, wk1r, u), _mul(wk1r, wk1i, d)

    def out4(q, x0, x1, x2, x3):
        s.put(o + 2 * q, _add(x0, x2))
        s.put(o + 2 * q + 2, _sub(x0, x2))
        s.put(o + 2 * q + 4, _ip(x1, x3))
        s.put(o + 2 * q + 6, _im(x1, x3))

    out4(12, _sub(y[12], y[14]), _add(y[12], y[14]), _sub(y[13], y[15]), _add(y[13], y[15]))
    out4(8, _add(y[8], y[10]), _sub(y[8], y[10]), _add(y[9], y[11]), _sub(y[9], y[11]))
    x2, x3 = _w4(wn4r, _ip(y[5], y[7])), _w4(wn4r, _im(y[5], y[7]))
    out4(4, _ip(y[4], y[6]), _im(y[4], y[6]), x2, x3)
    out4(0, _add(y[0], y[2]), _sub(y[0], y[2]), _add(y[1], y[3]), _sub(y[1], y[3]))


def _cftf162(s, o, w):
    """The 16-point kernel of the other branch (its inputs rotated as in ``cftmdl2``)."""
    wn4r, wk1r, wk1i, wk3r, wk3i, wk2r, wk2i = w[1], w[4], w[5], w[6], -w[7], w[8], w[9]

    v = functools.partial(s.value, o)
    x2 = _w4(wn4r, _ip(v(4), v(12)))
    x1 = _ip(v(0), v(8))
    y0, y4 = _add(x1, x2), _sub(x1, x2)
    x2 = _w4(wn4r, _im(v(4), v(12)))
    x1 = _im(v(0), v(8))
    y8, y12 = _ip(x1, x2), _im(x1, x2)
    x1, x2 = _mul(wk1r, wk1i, _ip(v(1), v(9))), _mul(wk3i, wk3r, _ip(v(5), v(13)))
    y1, y5 = _add(x1, x2), _sub(x1, x2)
    x1, x2 = _mul(wk3r, wk3i, _im(v(1), v(9))), _mulc(wk1r, wk1i, _im(v(5), v(13)))
    y9, y13 = _sub(x1, x2), _add(x1, x2)
    x1, x2 = _mul(wk2r, wk2i, _ip(v(2), v(10))), _mul(wk2i, wk2r, _ip(v(6), v(14)))
    y2, y6 = _add(x1, x2), _sub(x1, x2)
    x1, x2 = _mul(wk2i, wk2r, _im(v(2), v(10))), _mul(wk2r, wk2i, _im(v(6), v(14)))
    y10, y14 = _sub(x1, x2), _add(x1, x2)
    x1, x2 = _mul(wk3r, wk3i, _ip(v(3), v(11))), _mul(wk1i, wk1r, _ip(v(7), v(15)))
    y3, y7 = _add(x1, x2), _sub(x1, x2)
    x1, x2 = _mulc(wk1i, wk1r, _im(v(3), v(11))), _mul(wk3i, wk3r, _im(v(7), v(15)))
    y11, y15 = _add(x1, x2), _sub(x1, x2)

    outs = ((_add(y0, y2), _add(y1, y3), False), (_sub(y0, y2), _sub(y1, y3), True),
            (_ip(y4, y6), _w4(wn4r, _ip(y5, y7)), False),
            (_im(y4, y6), _w4(wn4r, _im(y5, y7)), True),
            (_add(y8, y10), _sub(y9, y11), False), (_sub(y8, y10), _add(y9, y11), True),
            (_ip(y12, y14), _w4(wn4r, _im(y13, y15)), False),
            (_im(y12, y14), _w4(wn4r, _ip(y13, y15)), True))
    for p, (x1, x2, rot) in enumerate(outs):        # values 2p, 2p + 1
        s.put(o + 4 * p, _ip(x1, x2) if rot else _add(x1, x2))
        s.put(o + 4 * p + 2, _im(x1, x2) if rot else _sub(x1, x2))


def _cftf081(s, o, w):
    """The 8-point kernel of the ``x1 + i x3`` branch."""
    wn4r = w[1]

    v = functools.partial(s.value, o)
    x0, x1, x2, x3 = _add(v(0), v(4)), _sub(v(0), v(4)), _add(v(2), v(6)), _sub(v(2), v(6))
    y0, y2, y1, y3 = _add(x0, x2), _sub(x0, x2), _ip(x1, x3), _im(x1, x3)
    x0, x1, x2, x3 = _add(v(1), v(5)), _sub(v(1), v(5)), _add(v(3), v(7)), _sub(v(3), v(7))
    y4, y6 = _add(x0, x2), _sub(x0, x2)
    y5, y7 = _w4(wn4r, _ip(x1, x3)), _w4(wn4r, _im(x1, x3))
    for p, z in ((4, _add(y1, y5)), (5, _sub(y1, y5)), (6, _ip(y3, y7)), (7, _im(y3, y7)),
                 (0, _add(y0, y4)), (1, _sub(y0, y4)), (2, _ip(y2, y6)), (3, _im(y2, y6))):
        s.put(o + 2 * p, z)


def _cftf082(s, o, w):
    """The 8-point kernel of the other branch."""
    wn4r, wk1r, wk1i = w[1], w[2], w[3]

    v = functools.partial(s.value, o)
    y0, y1 = _ip(v(0), v(4)), _im(v(0), v(4))
    y2, y3 = _w4(wn4r, _ip(v(2), v(6))), _w4(wn4r, _im(v(2), v(6)))
    y4, y5 = _mul(wk1r, wk1i, _ip(v(1), v(5))), _mul(wk1i, wk1r, _im(v(1), v(5)))
    y6, y7 = _mul(wk1i, wk1r, _ip(v(3), v(7))), _mul(wk1r, wk1i, _im(v(3), v(7)))
    outs = ((_add(y0, y2), _add(y4, y6), False), (_sub(y0, y2), _sub(y4, y6), True),
            (_ip(y1, y3), _sub(y5, y7), False), (_im(y1, y3), _add(y5, y7), True))
    for p, (x0, x1, rot) in enumerate(outs):        # values 2p, 2p + 1
        s.put(o + 4 * p, _ip(x0, x1) if rot else _add(x0, x1))
        s.put(o + 4 * p + 2, _im(x0, x1) if rot else _sub(x0, x1))


def _cftleaf(s, n, w):
    """Ooura's ``cftleaf(n, 1, ...)`` after ``cftf1st``: the four quarters, each a radix-4
    step (``cftmdl1`` on quarters 0, 2, 3, ``cftmdl2`` on quarter 1) and its 16-point (N =
    512) or 8-point kernels on its four sixteenths (``a``: the ``x1 + i x3`` kernel, ``b``:
    the other), as the package calls them (the kernels of a quarter touch disjoint values:
    their order within it does not matter)."""
    nw, q = n >> 2, n >> 2
    a, b = (_cftf161, _cftf162) if n == 512 else (_cftf081, _cftf082)
    wa, wb = w[nw - 8:], w[nw - 32:] if n == 512 else w[nw - 8:]
    for o, mdl, kinds in ((0, _cftmdl1, "abaa"), (q, _cftmdl2, "abab"),
                          (2 * q, _cftmdl1, "abaa"), (3 * q, _cftmdl1, "abaa")):
        mdl(s, q, o, w[nw - (q >> 1 if mdl is _cftmdl1 else q):])
        for i, kind in enumerate(kinds):
            if kind == "a":
                a(s, o + i * (q >> 2), wa)
            else:
                b(s, o + i * (q >> 2), wb)


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
    s = _Seq(a)
    _cftf1st(s, n_fft, w)
    _cftleaf(s, n_fft, w)
    h = n_fft >> 1
    z = np.empty_like(a)
    rev = bit_reversal(n_fft)
    z.reshape(-1, h, 2)[:, rev, :] = a.reshape(-1, h, 2)
    _rftfsub(z, c)
    d = z[:, 0] - z[:, 1]
    z[:, 0] = z[:, 0] + z[:, 1]
    z[:, 1] = d
    return np.ascontiguousarray(z[:, :n_out])
