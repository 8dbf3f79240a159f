"""Plain-numpy definition of the polynomial-root kernel in ``formants.c``.

:func:`poly_roots` is the readable specification of ``fg_poly_roots_f64``: the same
Aberth-Ehrlich iteration (Aberth 1973; Ehrlich 1967) with the same start, the same
complex arithmetic spelled out in real and imaginary parts in the same order, and the
same stopping rule per frame, so that the two backends agree to rounding.  Frames are
processed together; the loops run over the degree and the iterations.

Used by :mod:`featgraph.native.formants` when ``FEATGRAPH_NATIVE=0`` and by the tests.
"""
import numpy as np

MAX_DEGREE = 256
TOL = 1e-14


def check_poly_roots_args(c, max_iter):
    """``c`` as C-contiguous float64 ``(frames, degree)``; validated ``max_iter``."""
    c = np.ascontiguousarray(np.asarray(c, dtype=np.float64))
    if c.ndim != 2 or c.shape[1] < 1:
        raise ValueError(f"poly_roots takes coefficients (frames, degree >= 1), got shape "
                         f"{c.shape}")
    if not isinstance(max_iter, (int, np.integer)) or isinstance(max_iter, bool) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    if not np.isfinite(c).all():
        raise ValueError("polynomial coefficients contain NaN or infinity")
    return c, int(max_iter)


def start_radius(c):
    """``|c[p-1]|^(1/p)`` per row (the geometric mean of the roots' moduli: LPC roots lie
    near the unit circle, and the iteration needs about 30 % fewer steps than from the
    bound); where ``c[p-1] == 0``, ``max_k |c[k-1]|^(1/k)``; 1 where every coefficient is 0."""
    p = c.shape[1]
    g = np.abs(c[:, p - 1])
    rho = np.zeros(c.shape[0])
    for k in range(1, p + 1):
        v = np.abs(c[:, k - 1])
        t = np.where(v > 0.0, v ** (1.0 / k), 0.0)
        rho = np.where(t > rho, t, rho)
    rho = np.where(rho > 0.0, rho, 1.0)
    return np.where(g > 0.0, np.where(g > 0.0, g, 1.0) ** (1.0 / p), rho)


def poly_roots(c, max_iter=100):
    """Roots of ``z^p + c[0] z^(p-1) + ... + c[p-1]`` for each row (see formants.c).

    Parameters
    ----------
    c : np.ndarray [shape=(frames, p)], float, finite
    max_iter : int >= 1

    Returns
    -------
    roots : np.ndarray [shape=(frames, p)], complex128
        In the order the iteration leaves them (not sorted).  A row of zeros gives
        ``p`` roots at 0.
    """
    c, max_iter = check_poly_roots_args(c, max_iter)
    n, p = c.shape
    zr = np.zeros((n, p))
    zi = np.zeros((n, p))
    active = np.any(c != 0.0, axis=1)
    rho = start_radius(c)
    ang = 2.0 * np.pi * np.arange(p) / p + 0.4
    zr[active] = rho[active, None] * np.cos(ang)[None, :]
    zi[active] = rho[active, None] * np.sin(ang)[None, :]
    for _ in range(max_iter):
        if not active.any():
            break
        rows = np.flatnonzero(active)
        xr, xi, cc = zr[rows], zi[rows], c[rows]
        br, bi = np.ones_like(xr), np.zeros_like(xr)
        dr, di = np.zeros_like(xr), np.zeros_like(xr)
        for k in range(p):                             # Horner: b = P(z), d = P'(z)
            ndr = (dr * xr - di * xi) + br
            ndi = (dr * xi + di * xr) + bi
            nbr = (br * xr - bi * xi) + cc[:, k:k + 1]
            nbi = (br * xi + bi * xr)
            dr, di, br, bi = ndr, ndi, nbr, nbi
        dd = dr * dr + di * di
        ok_d = dd != 0.0
        dds = np.where(ok_d, dd, 1.0)
        rr = (br * dr + bi * di) / dds
        ri = (bi * dr - br * di) / dds
        sr, si = np.zeros_like(xr), np.zeros_like(xr)
        for j in range(p):                             # s = sum_{j != i} 1 / (z_i - z_j)
            er = xr - xr[:, j:j + 1]
            ei = xi - xi[:, j:j + 1]
            ee = er * er + ei * ei
            use = ee != 0.0
            use[:, j] = False
            inv = 1.0 / np.where(use, ee, 1.0)          # conj(e) / |e|^2, one reciprocal
            sr = np.where(use, sr + er * inv, sr)
            si = np.where(use, si - ei * inv, si)
        qr = 1.0 - (rr * sr - ri * si)
        qi = -(rr * si + ri * sr)
        qq = qr * qr + qi * qi
        ok = ok_d & (qq != 0.0)
        qqs = np.where(ok, qq, 1.0)
        wr = np.where(ok, (rr * qr + ri * qi) / qqs, 0.0)
        wi = np.where(ok, (ri * qr - rr * qi) / qqs, 0.0)
        step = np.sqrt(wr * wr + wi * wi)
        size = np.sqrt(xr * xr + xi * xi)
        small = (step <= TOL * (size + 1e-300)) | ~ok
        zr[rows] = xr - wr
        zi[rows] = xi - wi
        active[rows[small.all(axis=1)]] = False
    return zr + 1j * zi


def check_frame_lags_args(x, n_lags, finite=True):
    """``x`` as C-contiguous float32/float64 ``(frames, n)``; validated ``n_lags``; values
    checked when ``finite`` (the C kernel checks them itself)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = np.ascontiguousarray(x)
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"frame_lags takes frames (frames, n >= 1), got shape {x.shape}")
    if not isinstance(n_lags, (int, np.integer)) or isinstance(n_lags, bool) or \
            not 1 <= n_lags <= x.shape[1]:
        raise ValueError(f"n_lags must be an integer in [1, {x.shape[1]}] (the frame "
                         f"length), got {n_lags!r}")
    if finite and not np.isfinite(x).all():
        raise ValueError("frames contain NaN or infinity")
    return x, int(n_lags)


def frame_lags(x, n_lags):
    """``r[:, k] = sum_i x[:, i] x[:, i + k]``, ``k < n_lags``, float64 ``(frames, n_lags)``
    (the definition; formants.c sums the products in another order: equal to rounding)."""
    x, n_lags = check_frame_lags_args(x, n_lags)
    x = x.astype(np.float64, copy=False)
    n = x.shape[1]
    r = np.empty((x.shape[0], n_lags))
    for k in range(n_lags):
        np.einsum("fn,fn->f", x[:, k:], x[:, :n - k], out=r[:, k])
    return r


SMILE_LPC_MAX_ORDER = 256


def check_smile_lpc_args(x, order):
    """``x`` as C-contiguous float32 ``(frames, n)`` (rounded from other dtypes) and the
    validated ``order``."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"smile_lpc_f32 takes frames (frames, n), got shape {x.shape}")
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or \
            not 1 <= order <= SMILE_LPC_MAX_ORDER or x.shape[1] <= order:
        raise ValueError(f"order must be an integer in [1, {SMILE_LPC_MAX_ORDER}] below the "
                         f"frame length ({x.shape[1]}), got {order!r}")
    return np.ascontiguousarray(x, dtype=np.float32), int(order)


def smile_lpc_f32(x, order):
    """openSMILE 2.6's ``cLpc`` (``method = acf``) in single precision, ``(frames, order + 1)``
    float32 ``[1, a1, ... a_order]`` of ``A(z) = 1 + sum a_k z^-k``.

    Every operation rounds to float32, in this order (numpy float32 arithmetic rounds each
    operation as C ``float`` does without contraction):

    - lags ``r[k] = (((x[0] x[k]) + x[1] x[1 + k]) + ...)``, summed from ``i = 0`` up;
    - ``e = r[0]``; for ``i = 1 .. order``: ``acc = r[i] + a[1] r[i-1] + ... + a[i-1] r[1]``
      (left to right), ``k = -(acc * (1 / e))`` (a reciprocal, then a product: not a
      division), ``a[j] = a[j] + k a[i - j]`` for ``j < i`` (previous ``a``), ``a[i] = k``,
      ``e = e (1 - k k)``.

    Frames with ``r[0] <= 0`` give ``[1, 0, ...]`` (openSMILE writes zeros); a non-finite
    ``k`` (``e`` 0 or denormal) or coefficient (overflow) ends the recursion at the order
    reached, so the output is always finite (guards of featgraph's: no frame of the
    measurements reached them).  Measured black-box: with
    ``saveRefCoeff = 1``, ``lpGain = 1`` and ``p = 1, 2, 11`` on eGeMAPS' resampled frames
    (``gemapsv01b_outpR``) of three speech files, a sine and a clipped square, this gives
    openSMILE's coefficients, reflection coefficients and gain bit for bit on every frame;
    float64 lags or recursion, a division for ``k``, the lags summed backwards or in
    partial sums, or ``e - k k e`` each break it on most frames.
    """
    x, order = check_smile_lpc_args(x, order)
    if not np.isfinite(x).all():
        raise ValueError("frames contain NaN or infinity")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _smile_lpc_f32(x, order)


def _smile_lpc_f32(x, order):
    f32 = np.float32
    m, n = x.shape
    r = np.zeros((m, order + 1), f32)
    for k in range(order + 1):
        s = np.zeros(m, f32)
        for i in range(n - k):
            s = s + x[:, i] * x[:, i + k]
        r[:, k] = s
    a = np.zeros((m, order + 1), f32)
    a[:, 0] = 1
    live = r[:, 0] > 0
    e = np.where(live, r[:, 0], f32(1))
    for i in range(1, order + 1):
        acc = r[:, i].copy()
        for j in range(1, i):
            acc = acc + a[:, j] * r[:, i - j]
        k = -(acc * (f32(1) / e))
        live &= np.isfinite(k)
        k = np.where(live, k, f32(0))
        prev = a.copy()
        new = prev[:, 1:i] + k[:, None] * prev[:, i - 1:0:-1]
        live &= np.isfinite(new).all(axis=1)
        a[:, 1:i] = np.where(live[:, None], new, prev[:, 1:i])
        a[:, i] = np.where(live, k, f32(0))
        e = np.where(live, e * (f32(1) - k * k), e)
    return a


def check_smile_idft_args(re, im, cos_tab, sin_tab):
    """``re``, ``im`` ``(frames, K)`` and the tables ``(K, M)``, C-contiguous float32
    (rounded from other dtypes), shapes checked."""
    re, im = (np.ascontiguousarray(v, dtype=np.float32) for v in (re, im))
    cos_tab, sin_tab = (np.ascontiguousarray(v, dtype=np.float32) for v in (cos_tab, sin_tab))
    if re.ndim != 2 or re.shape != im.shape or re.shape[1] < 1:
        raise ValueError(f"smile_idft_f32 takes re and im of one shape (frames, bins >= 1), "
                         f"got {re.shape} and {im.shape}")
    if cos_tab.ndim != 2 or cos_tab.shape != sin_tab.shape or \
            cos_tab.shape[0] != re.shape[1] or cos_tab.shape[1] < 1:
        raise ValueError(f"smile_idft_f32 takes tables of shape (bins, samples) with "
                         f"{re.shape[1]} bins, got {cos_tab.shape} and {sin_tab.shape}")
    return re, im, cos_tab, sin_tab


def smile_idft_f32(re, im, cos_tab, sin_tab, scale):
    """openSMILE 2.6's ``cSpecResample`` synthesis in single precision, ``(frames, M)``
    float32.

    ``y[m] = scale * (((re[0] c[0, m]) + im[0] s[0, m]) + re[1] c[1, m] + ...)``: one float32
    accumulator per sample, the bins in ascending order, each bin adding its cosine term
    and then its sine term (two roundings), the scale applied last (numpy float32
    arithmetic rounds each operation as C ``float`` does without contraction).  With the
    tables ``float32(cos(2 pi k m / N'))`` and ``float32(sin(...))``, ``re`` and ``im`` the
    real part and the + sine part of openSMILE's ``gemapsv01b_fftcH25`` spectrum and
    ``scale = 2 / N``, this is its ``gemapsv01b_outpR`` bit for bit (measured on every
    frame of three speech files; a float64 accumulator, the bins descending, or the two
    terms added together first each miss on most samples).
    """
    re, im, cos_tab, sin_tab = check_smile_idft_args(re, im, cos_tab, sin_tab)
    if not (np.isfinite(re).all() and np.isfinite(im).all()):
        raise ValueError("spectrum contains NaN or infinity")
    acc = np.zeros((re.shape[0], cos_tab.shape[1]), np.float32)
    for k in range(re.shape[1]):
        acc = acc + re[:, k:k + 1] * cos_tab[k]
        acc = acc + im[:, k:k + 1] * sin_tab[k]
    return acc * np.float32(scale)
