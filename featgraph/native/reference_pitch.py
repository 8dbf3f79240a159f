"""Plain-numpy definitions of the pitch kernels (``pitch.c``): YIN's trough pick,
pYIN's trough probabilities, and the Viterbi decoding of pYIN's pitch HMM.

The readable specification of what the C kernels compute, with the same argument
checks and the same floating-point operations in the same order, so that both
backends agree to rounding error (bit for bit in practice).  Used by
:mod:`featgraph.native.pitch` when ``FEATGRAPH_NATIVE=0`` and by the tests.

References
----------
A. de Cheveigné and H. Kawahara, "YIN, a fundamental frequency estimator for
speech and music", JASA 111(4), 2002 (steps 3-5: the cumulative mean normalised
difference, the absolute threshold, parabolic interpolation).
M. Mauch and S. Dixon, "pYIN: a fundamental frequency estimator using
probabilistic threshold distributions", ICASSP 2014 (the threshold prior and the
pitch/voicing HMM).  The conventions (which minima are troughs, the Boltzmann
prior over trough ranks, the HMM's band-limited transitions) follow librosa 0.11's
``librosa.yin`` / ``librosa.pyin`` / ``librosa.sequence.viterbi`` documentation.
"""
import numpy as np

from .reference import _nonfinite_error

__all__ = ["yin_cmnd", "acf_combine", "yin_pick", "pyin_trough_probs", "viterbi_step", "viterbi_backtrack"]


def _cmnd(c, name):
    c = np.ascontiguousarray(c, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] < 3:
        raise ValueError(f"{name} must be (frames, lags) with at least 3 lags, got shape "
                         f"{c.shape}")
    if not np.isfinite(c).all():
        raise _nonfinite_error(name)
    return c


def troughs(c):
    """Local minima of each row of ``c`` ``(frames, lags)``: ``c[k] < c[k-1]`` and
    ``c[k] <= c[k+1]`` inside, ``c[0] < c[1]`` at the first lag and
    ``c[-1] < c[-2]`` at the last (librosa's ``localmin`` plus YIN's first-lag rule)."""
    t = np.zeros(c.shape, dtype=bool)
    t[:, 1:-1] = (c[:, 1:-1] < c[:, :-2]) & (c[:, 1:-1] <= c[:, 2:])
    t[:, 0] = c[:, 0] < c[:, 1]
    t[:, -1] = c[:, -1] < c[:, -2]
    return t


def parabolic_shift(c, k):
    """Offset of the parabola through ``c[k-1], c[k], c[k+1]`` (per row, ``k`` per row):
    ``-b / a`` with ``a = c[k+1] + c[k-1] - 2 c[k]``, ``b = (c[k+1] - c[k-1]) / 2``; 0 when
    ``|b| >= |a|`` (the optimum would leave ``[k-1, k+1]``) and at the first and last lag."""
    rows = np.arange(c.shape[0])
    inner = (k > 0) & (k < c.shape[1] - 1)
    kk = np.clip(k, 1, c.shape[1] - 2)
    left, mid, right = c[rows, kk - 1], c[rows, kk], c[rows, kk + 1]
    a = right + left - 2 * mid
    b = (right - left) / 2
    ok = inner & (np.abs(b) < np.abs(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, -b / np.where(ok, a, 1.0), 0.0)


def yin_pick(cmnd, threshold):
    """YIN's period pick per frame, in lags from the first column of ``cmnd``.

    The first trough (:func:`troughs`) below ``threshold``, else the global
    minimum (first on ties), refined by :func:`parabolic_shift`.

    Parameters
    ----------
    cmnd : np.ndarray [shape=(frames, lags)], lags >= 3, finite
        Cumulative mean normalised difference, lags ``min_period .. max_period``.
    threshold : float
        Trough threshold (librosa's ``trough_threshold``, 0.1).

    Returns
    -------
    pos : np.ndarray [shape=(frames,)], float64
        Fractional lag index; the period is ``min_period + pos`` samples.
    """
    c = _cmnd(cmnd, "YIN cmnd")
    t = troughs(c) & (c < threshold)
    k = np.where(t.any(axis=1), np.argmax(t, axis=1), np.argmin(c, axis=1))
    return k + parabolic_shift(c, k)


def pyin_trough_probs(cmnd, thresholds, beta, beta_prefix, fact, decay, no_trough_prob):
    """pYIN's probability of each trough being the period (Mauch & Dixon 2014, eq. 4).

    For threshold ``m`` (upper edge ``thresholds[m]``, probability ``beta[m]``), the
    troughs below it, in lag order, get the Boltzmann prior
    ``fact[N] * decay[rank]`` (``N`` troughs below, ``rank`` from 0); a trough's
    probability is ``sum_m beta[m] * prior`` (in the order of ``m``).  The global
    minimum trough also gets ``no_trough_prob * beta_prefix[M]``, where ``M``
    counts the thresholds it is not below.  Frames without troughs get zeros.

    Parameters
    ----------
    cmnd : np.ndarray [shape=(frames, lags)], float64, finite
    thresholds, beta : np.ndarray [shape=(n,)]
        Threshold upper edges and their probabilities.
    beta_prefix : np.ndarray [shape=(n + 1,)]
        ``beta_prefix[M] = sum(beta[:M])`` (computed by the caller, numpy's sum).
    fact : np.ndarray [shape=(lags + 1,)]
        ``(1 - exp(-lam)) / (1 - exp(-lam N))``, the Boltzmann normaliser for ``N`` troughs.
    decay : np.ndarray [shape=(lags,)]
        ``exp(-lam * r)`` for rank ``r``.
    no_trough_prob : float in [0, 1]

    Returns
    -------
    probs : np.ndarray [shape=(frames, lags)], float64
    """
    c = _cmnd(cmnd, "pYIN cmnd")
    thresholds, beta, beta_prefix, fact, decay = _pyin_tables(
        c.shape[1], thresholds, beta, beta_prefix, fact, decay)
    is_trough = troughs(c)
    probs = np.zeros_like(c)
    for f in np.flatnonzero(is_trough.any(axis=1)):
        (idx,) = np.nonzero(is_trough[f])
        h = c[f, idx]
        below = h[:, None] < thresholds[None, :]              # (troughs, thresholds)
        n_below = below.sum(axis=0)
        rank = np.cumsum(below, axis=0) - 1
        prior = np.where(below, fact[n_below][None, :] * decay[np.maximum(rank, 0)], 0.0)
        p = np.zeros(len(idx))
        for m in range(len(beta)):                            # sequential over thresholds
            p = p + prior[:, m] * beta[m]
        g = int(np.argmin(h))
        p[g] += no_trough_prob * beta_prefix[np.count_nonzero(~below[g])]
        probs[f, idx] = p
    return probs


def _pyin_tables(n_lags, thresholds, beta, beta_prefix, fact, decay):
    arrays = [np.ascontiguousarray(a, dtype=np.float64)
              for a in (thresholds, beta, beta_prefix, fact, decay)]
    thresholds, beta, beta_prefix, fact, decay = arrays
    n = len(thresholds)
    if n < 1 or beta.shape != (n,) or beta_prefix.shape != (n + 1,) or \
            fact.shape != (n_lags + 1,) or decay.shape != (n_lags,):
        raise ValueError("pYIN tables: need thresholds (n,), beta (n,), beta_prefix (n + 1,), "
                         "fact (lags + 1,), decay (lags,)")
    if not all(np.isfinite(a[1:] if a is fact else a).all() for a in arrays):
        raise _nonfinite_error("pYIN tables")
    return thresholds, beta, beta_prefix, fact, decay


def check_viterbi_args(log_obs, value, log_stay, log_switch, log_floor):
    """Validate :func:`viterbi_step`'s arguments; return them as contiguous float64."""
    log_obs = np.ascontiguousarray(log_obs, dtype=np.float64)
    value = np.asarray(value, dtype=np.float64)
    log_stay = np.ascontiguousarray(log_stay, dtype=np.float64)
    log_switch = np.ascontiguousarray(log_switch, dtype=np.float64)
    if log_stay.ndim != 2 or log_stay.shape[1] % 2 != 1 or log_switch.shape != log_stay.shape:
        raise ValueError("Viterbi tables must be (n_bins, 2 h + 1), both the same shape")
    n = log_stay.shape[0]
    if not 1 <= n <= 32767:
        raise ValueError(f"Viterbi: 1 <= n_bins <= 32767 (states fit uint16), got {n}")
    if log_obs.ndim != 2 or log_obs.shape[1] != 2 * n or value.shape != (2 * n,):
        raise ValueError(f"Viterbi: log_obs must be (frames, {2 * n}) and value ({2 * n},), got "
                         f"{log_obs.shape} and {value.shape}")
    if not (np.isfinite(log_obs).all() and np.isfinite(value).all() and np.isfinite(log_stay).all()
            and np.isfinite(log_switch).all() and np.isfinite(log_floor)):
        raise _nonfinite_error("Viterbi log probabilities")
    return log_obs, value, log_stay, log_switch, float(log_floor)


def viterbi_step(log_obs, value, log_stay, log_switch, log_floor):
    """Forward Viterbi pass of pYIN's two-block pitch HMM over some frames.

    States ``s = v * n + i`` (``v`` 0 voiced, 1 unvoiced; ``i`` pitch bin).  A move
    ``(v, i) -> (w, j)`` has log probability ``log_stay[j, i - j + h]`` (``v == w``) or
    ``log_switch[j, i - j + h]`` (``v != w``) for ``|i - j| <= h``, and
    ``log_floor`` outside that band.  For each frame and target ``j``
    ``value'[j] = log_obs[j] + max_s (value[s] + log A[s, j])``, the maximum taken
    over sources in increasing ``s`` with the first one kept on ties (librosa's
    ``argmax``).

    Parameters
    ----------
    log_obs : np.ndarray [shape=(frames, 2 n)], finite
    value : np.ndarray [shape=(2 n,)], float64, C-contiguous
        Log score at the previous frame; updated in place to the last frame's.
    log_stay, log_switch : np.ndarray [shape=(n, 2 h + 1)], finite, by target
    log_floor : float, finite

    Returns
    -------
    ptr : np.ndarray [shape=(frames, 2 n)], uint16
        The best source of every state at every frame.
    """
    obs, val, stay, switch, floor = check_viterbi_args(log_obs, value, log_stay, log_switch,
                                                       log_floor)
    n, h2 = stay.shape
    h = h2 // 2
    ptr = np.empty(obs.shape, dtype=np.uint16)
    j = np.arange(n)
    cur = val.copy()
    for t in range(obs.shape[0]):
        cand, src = [], []
        for w in (0, 1):
            cw, sw = [], []
            for v in (0, 1):
                block = cur[v * n:(v + 1) * n]
                tab = stay if v == w else switch
                out = block + floor
                pre_v = np.maximum.accumulate(out)
                pre_i = _first_argmax_prefix(out)
                suf_i = _first_argmax_suffix(out)
                left = j - h - 1
                cw.append(np.where(left >= 0, pre_v[np.maximum(left, 0)], -np.inf))
                sw.append(v * n + pre_i[np.maximum(left, 0)])
                for d in range(-h, h + 1):
                    i = j + d
                    ok = (i >= 0) & (i < n)
                    ic = np.clip(i, 0, n - 1)
                    cw.append(np.where(ok, block[ic] + tab[j, d + h], -np.inf))
                    sw.append(v * n + ic)
                right = j + h + 1
                rc = np.minimum(right, n - 1)
                cw.append(np.where(right < n, out[suf_i[rc]], -np.inf))
                sw.append(v * n + suf_i[rc])
            cw, sw = np.array(cw), np.array(sw)
            best = np.argmax(cw, axis=0)                      # first maximum: flat order
            cand.append(cw[best, j])
            src.append(sw[best, j])
        ptr[t] = np.concatenate(src)
        cur = obs[t] + np.concatenate(cand)
    value[...] = cur
    return ptr


def _first_argmax_prefix(x):
    """Index of the first maximum of ``x[:i + 1]`` for every ``i``."""
    best = np.maximum.accumulate(x)
    new = np.r_[True, best[1:] > best[:-1]]
    return np.maximum.accumulate(np.where(new, np.arange(len(x)), 0))


def _first_argmax_suffix(x):
    """Index of the first maximum of ``x[i:]`` for every ``i``: ``i`` itself when
    ``x[i]`` is at least everything after it, else the answer for ``i + 1``."""
    best = np.maximum.accumulate(x[::-1])[::-1]
    record = np.where(x == best, np.arange(len(x)), len(x))
    return np.minimum.accumulate(record[::-1])[::-1]


def viterbi_backtrack(ptr, last):
    """The best state sequence from back pointers: ``s[T-1] = last``,
    ``s[t] = ptr[t + 1, s[t + 1]]``.

    Parameters
    ----------
    ptr : np.ndarray [shape=(frames, states)], uint16 (row 0 is not read)
    last : int, the final state

    Returns
    -------
    states : np.ndarray [shape=(frames,)], int32
    """
    ptr = np.ascontiguousarray(ptr, dtype=np.uint16)
    if ptr.ndim != 2 or not 0 <= last < max(ptr.shape[1], 1):
        raise ValueError(f"Viterbi backtrack: ptr must be (frames, states) and 0 <= last < "
                         f"states, got {ptr.shape} and {last}")
    states = np.empty(ptr.shape[0], dtype=np.int32)
    if not len(states):
        return states
    states[-1] = last
    for t in range(ptr.shape[0] - 2, -1, -1):
        s = int(ptr[t + 1, states[t + 1]])
        if s >= ptr.shape[1]:
            raise ValueError("Viterbi backtrack: a pointer is out of range")
        states[t] = s
    return states


def check_acf_combine_args(spec, m, q, phase):
    """Validate :func:`acf_combine`'s arguments; return ``(spec, phase)`` contiguous complex128."""
    spec = np.ascontiguousarray(spec, dtype=np.complex128)
    phase = np.ascontiguousarray(phase, dtype=np.complex128)
    if spec.ndim != 2 or not 1 <= m <= spec.shape[0] or not 0 <= q < m or \
            phase.shape != (q + 1, spec.shape[1]) or spec.shape[1] == 0:
        raise ValueError(f"acf_combine: need spec (blocks >= m, bins >= 1), 0 <= q < m and "
                         f"phase (q + 1, bins); got {spec.shape}, m={m}, q={q}, {phase.shape}")
    if not (np.isfinite(spec).all() and np.isfinite(phase).all()):
        raise _nonfinite_error("acf_combine spectra")
    return spec, phase


def acf_combine(spec, m, q, phase):
    """The spectrum of each frame's autocorrelation from its blocks' spectra.

    ``P_t = sum_{i < m} sum_{j <= min(q, m - 1 - i)} conj(B_{t+i}) (phase_j B_{t+i+j})``
    (the sums over ``j`` accumulated per block first, then the ``m`` blocks of a frame).

    Parameters
    ----------
    spec : np.ndarray [shape=(blocks, bins)], complex, finite
    m, q : int, ``0 <= q < m <= blocks``
    phase : np.ndarray [shape=(q + 1, bins)], complex

    Returns
    -------
    np.ndarray [shape=(blocks - m + 1, bins)], complex128
    """
    spec, phase = check_acf_combine_args(spec, m, q, phase)
    g = spec.shape[0]
    partial, acc = [], np.zeros_like(spec)
    for j in range(q + 1):
        w = phase[j] * spec[j:]
        acc = acc.copy()
        acc[:g - j] += np.conj(spec[:g - j]) * w
        partial.append(acc)
    t = g - m + 1
    out = np.zeros((t, spec.shape[1]), dtype=np.complex128)
    for i in range(m):
        out += partial[min(q, m - 1 - i)][i:i + t]
    return out


def check_yin_cmnd_args(acf, frames, min_period, max_period):
    acf = np.ascontiguousarray(acf, dtype=np.float64)
    frames = np.ascontiguousarray(frames, dtype=np.float64)
    if acf.ndim != 2 or frames.ndim != 2 or acf.shape[0] != frames.shape[0] or \
            not 1 <= min_period < max_period or acf.shape[1] < max_period + 1 or \
            frames.shape[1] < max_period:
        raise ValueError(f"yin_cmnd: need acf (frames, > max_period) and frames (frames, >= "
                         f"max_period) with 1 <= min_period < max_period; got {acf.shape}, "
                         f"{frames.shape}, {min_period}, {max_period}")
    return acf, frames


def yin_cmnd(acf, frames, min_period, max_period):
    """YIN's cumulative mean normalised difference (de Cheveigné & Kawahara 2002, eqs. 7-8)
    with librosa's energy term: ``d(k) = 2 (r[0] - r[k]) - E_k``, ``E_k = sum_{n<k} x[n]^2``
    except ``E_1 = 0``; ``d'(k) = d(k) / (sum_{j<=k} d(j) / k + tiny)``, lags
    ``min_period .. max_period``.

    Parameters
    ----------
    acf : np.ndarray [shape=(T, >= max_period + 1)], autocorrelation lags 0, 1, ...
    frames : np.ndarray [shape=(T, >= max_period)], the frames' first samples

    Returns
    -------
    np.ndarray [shape=(T, max_period - min_period + 1)], float64
    """
    acf, frames = check_yin_cmnd_args(acf, frames, min_period, max_period)
    energy = np.cumsum(np.square(frames[:, :max_period]), axis=-1)
    energy[:, 0] = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        d = 2 * (acf[:, :1] - acf[:, 1:max_period + 1]) - energy
    if not np.isfinite(d).all():
        raise _nonfinite_error("YIN autocorrelation")
    mean = np.cumsum(d, axis=-1) / np.arange(1, max_period + 1)
    return d[:, min_period - 1:] / (mean[:, min_period - 1:] + np.finfo(np.float64).tiny)
