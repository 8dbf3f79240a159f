"""Plain-numpy definitions of the openSMILE-compatible voice kernels (``smile_voice.c``).

The readable specification of what the C kernels compute, with the same argument
checks and the same floating-point operations in the same order.  Used by
:mod:`featgraph.native.smile_voice` when ``FEATGRAPH_NATIVE=0`` and by the tests.

The Viterbi pitch smoother's cost structure was measured against openSMILE 2.6's
``cPitchSmootherViterbi`` (eGeMAPSv02, ``gemapsv01b_logPitchRaw``); see
:class:`featgraph.nodes.egemaps_pitch.PitchViterbi`.
"""
import numpy as np

from .reference import _nonfinite_error

__all__ = ["viterbi_forward", "smile_jitter"]


def _check_forward(f0, lc, f_prev, cost, slope):
    f0 = np.ascontiguousarray(f0, dtype=np.float64)
    lc = np.ascontiguousarray(lc, dtype=np.float64)
    if f0.ndim != 2 or f0.shape != lc.shape or not 2 <= f0.shape[1] <= 64:
        raise ValueError(f"viterbi_forward: f0 and lc must be (frames, states) with 2 to 64 "
                         f"states, got {f0.shape} and {lc.shape}")
    for name, a in (("f_prev", f_prev), ("cost", cost), ("slope", slope)):
        if a.dtype != np.float64 or a.shape != (f0.shape[1],) or not a.flags.c_contiguous:
            raise ValueError(f"viterbi_forward: {name} must be a contiguous float64 array of "
                             f"{f0.shape[1]} states")
    if not (np.isfinite(f0).all() and np.isfinite(lc).all() and np.isfinite(f_prev).all()
            and np.isfinite(slope).all()):
        raise _nonfinite_error("Viterbi input")
    return f0, lc


def viterbi_forward(f0, lc, w_vv, w_vvd, w_switch, w_uu, started, f_prev, cost, slope):
    """Forward pass of the Viterbi pitch smoother; updates ``f_prev, cost, slope`` in place.

    States ``s < S - 1`` are pitch candidates (``f0[t, s]`` Hz, absent when <= 0), the last
    is unvoiced.  With a predecessor frame, ``cost'[s] = min_r (cost[r] + T(r, s)) +
    lc[t, s]`` (first ``r`` on ties; absent states cost ``inf``), ``T = w_vv |d| + w_vvd |d
    - slope[r]|`` with ``d = log2(f0[t, s] / f_prev[r])`` between voiced states, ``w_uu``
    between unvoiced ones and ``w_switch`` across; ``slope'[s]`` is that ``d`` (0 unless
    both voiced).  The first frame (``started`` false) costs ``lc``.

    Returns ``ptr`` (frames, S) int32, the chosen predecessors, and ``best`` (frames,)
    int32, the cheapest state after each frame (first on ties).
    """
    f0, lc = _check_forward(f0, lc, f_prev, cost, slope)
    n, ns = f0.shape
    uv = ns - 1
    ptr = np.zeros((n, ns), np.int32)
    best = np.zeros(n, np.int32)
    voiced_state = np.arange(ns) < uv
    for t in range(n):
        f = f0[t]
        vs = voiced_state & (f > 0)
        absent = voiced_state & ~vs
        if not started:
            nc = np.where(absent, np.inf, lc[t])
            ns_ = np.zeros(ns)
        else:
            vr = voiced_state & (f_prev > 0)
            both = vr[:, None] & vs[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                d = np.log2(np.where(both, f[None, :], 1.0) / np.where(both, f_prev[:, None],
                                                                       1.0))
            tr = np.where(both, w_vv * np.abs(d) + w_vvd * np.abs(d - slope[:, None]),
                          np.where(~vr[:, None] & ~vs[None, :], w_uu, w_switch))
            c = cost[:, None] + tr
            c = np.where(np.isfinite(cost)[:, None], c, np.inf)
            r = np.argmin(c, axis=0)
            cols = np.arange(ns)
            nc = np.where(absent, np.inf, c[r, cols] + lc[t])
            ns_ = np.where(absent | ~both[r, cols], 0.0, d[r, cols])
            ptr[t] = np.where(absent, 0, r)
        started = True
        cost[:] = nc
        slope[:] = ns_
        f_prev[:] = f
        best[t] = np.argmin(nc)
    return ptr, best


def _ncc(x, p, T):
    a, b = x[p:p + T], x[p + T:p + 2 * T]
    ab = aa = bb = 0.0
    for i in range(T):
        ab += a[i] * b[i]
        aa += a[i] * a[i]
        bb += b[i] * b[i]
    den = np.sqrt(aa * bb)
    return ab / den if den > 0.0 else 0.0


def _check_jitter(frames, f0, sr, search_rel, mark_rel, min_cc):
    frames = np.ascontiguousarray(frames, dtype=np.float64)
    f0 = np.ascontiguousarray(f0, dtype=np.float64)
    if frames.ndim != 2 or frames.shape[1] < 4 or f0.shape != (frames.shape[0],):
        raise ValueError(f"jitter: frames must be (n, length >= 4) and f0 (n,), got "
                         f"{frames.shape} and {f0.shape}")
    if not (sr > 0 and 0 <= search_rel < 1 and 0 <= mark_rel < 1 and np.isfinite(min_cc)):
        raise ValueError("jitter: need sr > 0, 0 <= search_rel < 1, 0 <= mark_rel < 1 and a "
                         "finite min_cc")
    if not (np.isfinite(frames).all() and np.isfinite(f0).all()):
        raise _nonfinite_error("jitter input")
    return frames, f0


def _vertex(y, k):
    """Offset and height of the parabola through y[k-1], y[k], y[k+1] (offset 0 and y[k]
    unless curved down; offset clipped to +-1/2)."""
    a, b, c = y[k - 1], y[k], y[k + 1]
    den = a - 2.0 * b + c
    if not den < 0.0:
        return 0.0, b
    d = min(0.5, max(-0.5, 0.5 * (a - c) / den))
    return d, b - 0.25 * (a - c) * d


def smile_jitter(frames, f0, sr, search_rel, mark_rel, min_cc):
    """Local jitter and shimmer (dB) per frame from peak-to-peak pitch periods.

    With ``T0 = sr / f0``, lags ``lo = max(2, floor(T0 (1 - search_rel)))`` .. ``hi =
    ceil(T0 (1 + search_rel))`` (``hi`` at most ``floor((length - 2) / 2)``; nothing when
    ``hi < lo + 2``).  The first mark ``p`` is the first sample of largest ``|x|`` in
    ``x[1, hi)``; its sign ``s`` fixes the polarity, and marks are peaks of ``y = s x``.
    While ``p + 2 hi + 1 <= length``: the normalised cross-correlation ``c(T)`` of ``x[p,
    p+T)`` and ``x[p+T, p+2T)`` is maximised over ``T in [lo, hi]`` (first on ties); below
    ``min_cc`` the search stops; else the next mark ``q`` is the first argmax of ``y`` over
    ``[p + T - w, p + T + w]`` within ``[p + lo, p + hi]``, ``w = max(1, floor(mark_rel T0
    + 1/2))``.  Marks are refined by the parabola through ``y`` (vertex offset, clipped to
    +-1/2, 0 unless curved down; its height is the amplitude).  Periods ``P_i`` are the
    distances between refined marks, amplitudes ``A_i`` the heights.  ``jitter = mean |P_i
    - P_{i-1}| / mean P_i`` (needs two periods), ``shimmer = mean |20 log10(A_i /
    A_{i-1})|`` over consecutive marks with both amplitudes > 0; 0 otherwise and when ``f0
    <= 0``.

    Returns ``jitter, shimmer``, float64 ``(n,)`` each.
    """
    frames, f0 = _check_jitter(frames, f0, sr, search_rel, mark_rel, min_cc)
    n, length = frames.shape
    jit, shim = np.zeros(n), np.zeros(n)
    for t in range(n):
        x = frames[t]
        if not f0[t] > 0:
            continue
        t0 = sr / f0[t]
        lo_d, hi_d = max(2.0, np.floor(t0 * (1 - search_rel))), np.ceil(t0 * (1 + search_rel))
        if 2.0 * hi_d + 2.0 > length:
            hi_d = np.floor((length - 2.0) / 2.0)
        if hi_d < lo_d + 2.0:
            continue
        lo, hi = int(lo_d), int(hi_d)
        p = 1
        for i in range(2, hi):
            if abs(x[i]) > abs(x[p]):
                p = i
        ax = -x if x[p] < 0.0 else x
        w = max(1, int(np.floor(mark_rel * t0 + 0.5)))
        d, prev_a = _vertex(ax, p)
        prev_m = p + d
        sum_t = sum_dt = sum_da = prev_t = 0.0
        n_t = n_dt = n_da = 0
        while p + 2 * hi + 1 <= length:
            best, bt = -2.0, lo
            for T in range(lo, hi + 1):
                c = _ncc(x, p, T)
                if c > best:
                    best, bt = c, T
            if best < min_cc:
                break
            a = p + bt - w if bt >= lo + w else p + lo
            e = p + bt + w if bt + w <= hi else p + hi
            q = a
            for i in range(a + 1, e + 1):
                if ax[i] > ax[q]:
                    q = i
            d, amp = _vertex(ax, q)
            per = (q + d) - prev_m
            if n_t > 0:
                sum_dt += abs(per - prev_t)
                n_dt += 1
            if amp > 0.0 and prev_a > 0.0:
                sum_da += abs(20.0 * np.log10(amp / prev_a))
                n_da += 1
            sum_t += per
            n_t += 1
            prev_t, prev_a, prev_m, p = per, amp, q + d, q
        if n_dt:
            jit[t] = (sum_dt / n_dt) / (sum_t / n_t)
        if n_da:
            shim[t] = sum_da / n_da
    return jit, shim
