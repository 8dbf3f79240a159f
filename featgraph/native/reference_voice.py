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

__all__ = ["viterbi_forward", "smile_jitter", "nearest_peak"]


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


def _pearson(x, p, T):
    """Correlation coefficient (means removed) of ``x[p+1, p+1+T)`` and ``x[p+1+T, p+1+2T)``.

    Two passes, sums over ``i`` ascending; 0 when either stretch is constant.
    """
    a0, b0 = p + 1, p + 1 + T
    ma = mb = 0.0
    for i in range(T):
        ma += x[a0 + i]
        mb += x[b0 + i]
    ma, mb = ma / T, mb / T
    ab = aa = bb = 0.0
    for i in range(T):
        a, b = x[a0 + i] - ma, x[b0 + i] - mb
        ab += a * b
        aa += a * a
        bb += b * b
    den = np.sqrt(aa * bb)
    return ab / den if den > 0.0 else 0.0


def _pick_lag(cs):
    """The lag index ``k`` of the period and whether the search failed.

    Two or fewer lags: the largest (first on ties), never a failure.  Else ``k`` is the largest
    interior local maximum (``cs[k] > cs[k-1]`` and ``cs[k] >= cs[k+1]``, first on ties), also
    when a value at an end of the range is larger (measured: tests/data/
    make_egemaps_range_refs.py's ``range_tone``, and an 8 kHz vibrato of +-14 %), and the search
    fails when there is none (the values rise or fall across the range; ``k = 0``, the mark
    then moves by ``round(T0)``).
    """
    if len(cs) <= 2:
        return int(len(cs) == 2 and cs[1] > cs[0]), False
    k = 0
    for i in range(1, len(cs) - 1):
        if cs[i] > cs[i - 1] and cs[i] >= cs[i + 1] and (k == 0 or cs[i] > cs[k]):
            k = i
    return k, k == 0


def _p2p(x, a, e):
    """Peak-to-peak amplitude ``max - min`` of ``x[a, e)``."""
    hi = lo = x[a]
    for i in range(a + 1, e):
        hi, lo = max(hi, x[i]), min(lo, x[i])
    return hi - lo


def _vertex(cs, k, T):
    """The fractional period and the correlation at it: the vertex of the parabola through
    ``cs[k-1], cs[k], cs[k+1]`` when ``k`` is inside and the parabola curves down, else
    ``T`` and ``cs[k]``.  The vertex's value decides against ``min_cc`` (measured: peaks of
    0.498 whose vertex passes 0.5 give openSMILE periods on speech)."""
    if 0 < k < len(cs) - 1:
        den = cs[k - 1] - 2.0 * cs[k] + cs[k + 1]
        if den < 0.0:
            d = cs[k - 1] - cs[k + 1]
            return T + 0.5 * d / den, cs[k] - d * d / (8.0 * den)
    return float(T), cs[k]


def _amplitudes(x, p, T):
    """The two periods' peak-to-peak amplitudes from the mark ``p``: over ``x[p + o, p + T)``
    and ``x[p + T + o, p + 2 T)``, ``o = min(2, T - 1)`` (openSMILE's windows skip the first
    two samples of each period, measured with blips and on speech)."""
    o = min(2, T - 1)
    return _p2p(x, p + o, p + T), _p2p(x, p + T + o, p + 2 * T)


def _check_jitter(sig, f0, hop, span, sr, search_rel, min_cc, state, base=None):
    sig = np.ascontiguousarray(sig, dtype=np.float64)
    f0 = np.ascontiguousarray(f0, dtype=np.float64)
    base = hop if base is None else base
    if (sig.ndim != 1 or f0.ndim != 1 or hop < 1 or span < 0 or base < hop or
            (len(f0) and len(sig) < base + hop * (len(f0) - 1))):
        raise ValueError(f"jitter: need a signal of >= base + hop * (frames - 1) samples, "
                         f"base >= hop, got {sig.shape}, hop {hop}, base {base} and f0 "
                         f"{f0.shape}")
    if not (sr > 0 and 0 <= search_rel < 1 and np.isfinite(min_cc)):
        raise ValueError("jitter: need sr > 0, 0 <= search_rel < 1 and a finite min_cc")
    if not (isinstance(state, np.ndarray) and state.dtype == np.float64 and
            state.shape == (5,)):
        raise ValueError("jitter: state must be a float64 array of shape (5,)")
    if not (np.isfinite(sig).all() and np.isfinite(f0).all() and np.isfinite(state).all()):
        raise _nonfinite_error("jitter input")
    v = f0[f0 > 0]
    if len(v) and np.max(np.ceil(sr / v + sr / v * search_rel) -
                         np.floor(sr / v * (1 - search_rel))) >= 4096:
        raise ValueError("jitter: sr / f0 * 2 search_rel spans >= 4096 lags; raise the F0 floor "
                         "or lower search_rel")
    return sig, f0, int(base)


def smile_jitter(sig, f0, hop, span, sr, search_rel, min_cc, state, base=None):
    """Local jitter and shimmer (dB) per frame from pitch periods marked across frames.

    Frame ``t`` owns the block ``sig[b1 - hop, b1)``, ``b1 = base + t hop`` (``base >=
    hop`` samples of history before frame 0's start, ``hop`` when None: ``sig`` then starts
    at frame 0's block).  A mark ``p`` (carried across frames and chunks in ``state = [p,
    prev_period, last_jitter, last_shimmer, took]``, ``p`` relative to ``sig`` and ``-1`` for
    none, ``took`` 1 when the last frame took a period) starts *fresh* at ``b1 - 1`` in a
    voiced frame without one (or whose mark lies more than ``span`` before its block).  The
    frame's first period is taken when the mark is fresh or ``p < b1 - 2``, further ones
    while ``p + 2 hi <= b1 + hop - 3``: marks may lag behind the block (openSMILE 2.6,
    measured on pulse trains).  Per period: with ``T0 = sr / f0``, ``L = round(T0)``, ``hi
    = ceil(T0 + T0 search_rel)``, lags ``lo = max(1, floor(T0 (1 - search_rel)))`` .. ``hs
    = floor(T0 + T0 search_rel)`` (measured with an F0 chosen at will), the correlation
    coefficient (means removed) ``c(T)`` of ``x[p+1, p+1+T)`` and ``x[p+1+T, p+1+2T)``
    (windows as long as the lag, measured on harmonic glides; 0 when a stretch is constant)
    gives ``T`` at its largest interior local maximum (:func:`_pick_lag`, whatever the
    values at the ends); when ``p + 2 hi + 1`` passes ``len(sig)`` or ``b1 + span`` (the
    data of frame ``t``, whatever the chunking) the mark is dropped.  With ``P = T + (c(T-1)
    - c(T+1)) / (2 (c(T-1) - 2 c(T) + c(T+1)))`` and the vertex value ``c(P)`` (parabola
    vertex, when curved down and ``lo < T < hs``; else ``T`` and ``c(T)``): with no interior
    maximum (the values rise or fall across >= 3 lags) no period is taken and ``p += L``,
    when ``c(P) < min_cc`` no period is taken and ``p += T`` (the last period is kept either
    way).  Else ``P`` is the period, the amplitudes are the peak-to-peak ``A1 = A(p+2,
    p+T)`` and ``A2 = A(p+T+2, p+2T)`` (:func:`_amplitudes`), ``|P - prev_period|`` is taken
    once a previous period exists, and ``p += T``.  ``jitter = mean |P_i - P_(i-1)| / mean
    P_i`` and ``shimmer = 20 log10(1 + min(1, sum |A2 - A1| / sum (A1 + A2) / 2))`` over the
    frame's periods; a voiced frame without a period repeats the last frame's values, but
    writes jitter 0 when it tried no mark right after a frame that took a period; an
    unvoiced frame (``f0 <= 0``) writes 0 and drops the mark.  At the end ``p`` is made
    relative to the next chunk (``p - hop * len(f0)``, -1 when negative).

    Returns ``jitter, shimmer``, float64 ``(n,)`` each; ``state`` is updated in place.
    """
    sig, f0, base = _check_jitter(sig, f0, hop, span, sr, search_rel, min_cc, state, base)
    n, m = len(f0), len(sig)
    jit, shim = np.zeros(n), np.zeros(n)
    p, prev_t, last_j, last_s = int(state[0]), state[1], state[2], state[3]
    took = state[4] != 0.0              # the previous frame took a period
    for t in range(n):
        b1 = base + t * hop
        b0 = b1 - hop
        if not f0[t] > 0:
            p, prev_t, last_j, last_s, took = -1, 0.0, 0.0, 0.0, False
            continue
        t0 = sr / f0[t]
        lo = max(1, int(np.floor(t0 * (1 - search_rel))))
        top = t0 + t0 * search_rel      # exactly 160 at 16 kHz and 110 Hz (measured)
        hi = max(lo, int(np.ceil(top)))         # ownership, data limit
        hs = max(lo, int(np.floor(top)))        # the last lag searched
        L = max(1, int(np.floor(t0 + 0.5)))
        fresh = p < 0 or p < b0 - span
        if fresh:
            p, prev_t = b1 - 1, 0.0
        sum_t = sum_dt = sum_da = sum_a = 0.0
        n_t = n_dt = n_try = 0
        first = True
        while (fresh or p < b1 - 2) if first else (p + 2 * hi + 3 <= b1 + hop):
            first = False
            n_try += 1
            if p + 2 * hi + 1 > min(m, b1 + span):
                p, prev_t = -1, 0.0
                break
            cs = [_pearson(sig, p, T) for T in range(lo, hs + 1)]
            k, fail = _pick_lag(cs)
            T = lo + k
            per, peak = _vertex(cs, k, T)
            if fail or peak < min_cc:           # rejected; the last period is kept
                p += L if fail else T
                continue
            a1, a2 = _amplitudes(sig, p, T)
            sum_da += abs(a2 - a1)
            sum_a += 0.5 * (a1 + a2)
            if prev_t > 0.0:
                sum_dt += abs(per - prev_t)
                n_dt += 1
            sum_t += per
            n_t += 1
            prev_t = per
            p += T
        if n_t == 0:    # no period: repeat; jitter 0 when no mark was tried after a period
            jit[t], shim[t] = (0.0 if n_try == 0 and took else last_j), last_s
            last_j, took = jit[t], False
            continue
        jit[t] = (sum_dt / n_dt) / (sum_t / n_t) if n_dt else 0.0
        shim[t] = 20.0 * np.log10(1.0 + min(sum_da / sum_a, 1.0)) if sum_a > 0.0 else 0.0
        last_j, last_s, took = jit[t], shim[t], True
    p_next = p - hop * n
    state[:] = (p_next if p >= 0 and p_next >= 0 else -1.0, prev_t, last_j, last_s, float(took))
    return jit, shim


def _check_nearest(r, k, half):
    half = int(half)
    r = np.ascontiguousarray(r, dtype=np.float64)
    k = np.ascontiguousarray(k, dtype=np.int64)
    if half < 0 or r.ndim != 2 or r.shape[1] != half + 1 or k.shape != (r.shape[0],):
        raise ValueError(f"nearest_peak: expected r (rows, half + 1 = {half + 1}) and k "
                         f"(rows,), got {r.shape} and {k.shape}")
    return r, k, half


def nearest_peak(r, k, half):
    """Per row of ``r`` (lags ``0 .. half``), the strict local maximum of ``a = |r|`` among
    lags ``1 .. half - 1`` nearest to lag ``k`` (``k - d`` before ``k + d``); where ``k >=
    half``, ``half`` itself when ``a[half] > a[half - 1]``.  -1 where ``k < 1`` or no lag
    qualifies (int64).  The HNR's lag ``T0`` (:class:`featgraph.nodes.egemaps_pitch.AcfHnr`).
    Vectorised over the rows still searching, ``|r|`` taken of the lags visited only."""
    r, k, half = _check_nearest(r, k, half)
    n = len(k)
    j = np.full(n, -1, dtype=np.int64)
    if half < 2:
        return j
    top = k >= half
    j[top & (np.abs(r[:, half]) > np.abs(r[:, half - 1]))] = half
    k = np.minimum(k, half)
    rows = np.flatnonzero((k >= 1) & (j < 0))
    for d in range(half):
        if not rows.size:
            break
        kr = k[rows]
        done = np.zeros(rows.size, dtype=bool)
        for c in (kr - d, kr + d) if d else (kr,):
            inside = (c >= 1) & (c <= half - 1) & ~done
            cc = np.clip(c, 1, max(half - 1, 1))
            ac = np.abs(r[rows, cc])
            peak = inside & (ac > np.abs(r[rows, cc - 1])) & (ac > np.abs(r[rows, cc + 1]))
            j[rows[peak]] = c[peak]
            done |= peak
        rows = rows[~done & (kr - d > 1) | ~done & (kr + d < half - 1)]
    return j
