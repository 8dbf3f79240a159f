"""The complex FFT of :mod:`featgraph.native.reference_smile_fft`: Ooura's split-radix
routines (``fftsg.c``: ``cftf1st``, ``cftrec4``/``cfttree``, ``cftleaf``, ``cftmdl1``,
``cftmdl2``, ``cftf161``, ``cftf162``, ``cftf081``, ``cftf082``) operation by operation in
float32, one column per frame; the order of operations is the package's (published at
https://www.kurims.kyoto-u.ac.jp/~ooura/fft.html), the code featgraph's own.  Its output
is in bit-reversed order (the caller reorders it).  ``smile_fft.c`` does the same in C.
"""
import functools

import numpy as np

__all__ = ["Seq", "cftfsub"]

_F = np.float32


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


class Seq:
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


def _cftleaf(s, n, o, w, nw, isplt=True):
    """Ooura's ``cftleaf(n, isplt, ...)`` on the ``n/2`` values from column ``o`` (``n`` =
    512 or 256; ``nw`` the whole table's length): the four quarters, each a radix-4 step
    (``cftmdl1`` on quarters 0 and 2, ``cftmdl2`` on quarter 1, on quarter 3 ``cftmdl1``
    with ``isplt``, else ``cftmdl2``) and its 16-point (n = 512) or 8-point kernels on its
    four sixteenths (``a``: the ``x1 + i x3`` kernel, ``b``: the other), as the package calls
    them (the kernels of a quarter touch disjoint values: their order within it does not
    matter)."""
    q = n >> 2
    a, b = (_cftf161, _cftf162) if n == 512 else (_cftf081, _cftf082)
    wa, wb = w[nw - 8:], w[nw - 32:] if n == 512 else w[nw - 8:]
    last = (_cftmdl1, "abaa") if isplt else (_cftmdl2, "abab")
    for o, mdl, kinds in ((o, _cftmdl1, "abaa"), (o + q, _cftmdl2, "abab"),
                          (o + 2 * q, _cftmdl1, "abaa"), (o + 3 * q, *last)):
        mdl(s, q, o, w[nw - (q >> 1 if mdl is _cftmdl1 else q):])
        for i, kind in enumerate(kinds):
            if kind == "a":
                a(s, o + i * (q >> 2), wa)
            else:
                b(s, o + i * (q >> 2), wb)


def cftfsub(s, n, w):
    """The ``n/2``-point complex FFT (``N`` = 256, 512, 1024), bit-reversed: ``cftf1st``,
    then ``cftleaf`` (n <= 512) or, for n = 1024, ``cftrec4``: the last quarter's radix-4
    step and leaf, then the other quarters from the top down, each after the step
    ``cfttree`` gives it (``cftmdl1`` for the odd ones, ``cftmdl2`` for quarter 1, whose
    leaf then ends with ``cftmdl2`` too)."""
    nw = n >> 2
    _cftf1st(s, n, w)
    if n <= 512:
        _cftleaf(s, n, 0, w, nw)
        return
    m = n >> 2                             # 256: the quarters' length
    _cftmdl1(s, m, n - m, w[nw - (m >> 1):])
    _cftleaf(s, m, n - m, w, nw)
    for k, j in enumerate(range(n - m, 0, -m), start=1):
        isplt = k & 1
        if isplt:
            _cftmdl1(s, m, j - m, w[nw - (m >> 1):])
        else:
            _cftmdl2(s, m, j - m, w[nw - m:])
        _cftleaf(s, m, j - m, w, nw, bool(isplt))
