"""Plain-Python definition of the contour kernel (``contour.c``): openSMILE 2.6's turning
points (:func:`featgraph.engine.functionals.turning_points` documents the rule)."""
import numpy as np

__all__ = ["turning_points"]


def turning_points(x: np.ndarray, th: float, replace_th: float) -> tuple[np.ndarray, np.ndarray]:
    """``(frames int64, signs int32)`` of the turning points of the 1-D float64 ``x``.

    ``th``: the hysteresis (``rel_thresh * (max - min)``); ``replace_th``: the bound a
    peak after a smaller opposite excursion must exceed to replace the pending peak
    (``replace_frac * th``).  The loop of ``fg_turning_points_f64``, in Python floats
    (the same double arithmetic).
    """
    n = x.size
    frames: list[int] = []
    signs: list[int] = []
    if n >= 5:
        mid = x[2:n - 2]
        left, right = x[1:n - 3], x[3:n - 1]
        sign = np.where((left < mid) & (mid > right), 1,
                        np.where((left > mid) & (mid < right), -1, 0))
        pi, ps, smaller = 0, 0, False
        idx = np.flatnonzero(sign)
        xs = x.tolist()
        for i, s in zip((idx + 2).tolist(), sign[idx].tolist()):
            d = (xs[i] - xs[pi]) * s
            if s == ps:
                if d > 0 and not (s > 0 and smaller and d <= replace_th):
                    pi, smaller = i, False
            elif d > th:
                if ps:
                    frames.append(pi)
                    signs.append(ps)
                pi, ps, smaller = i, s, False
            elif ps:
                smaller = True
        if ps:
            frames.append(pi)
            signs.append(ps)
    return np.array(frames, np.int64), np.array(signs, np.int32)
