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

__all__ = ["viterbi_forward"]


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
