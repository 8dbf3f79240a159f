/*
 * Period picking per frame from an autocorrelation or an AMDF (the periodicity and
 * amdf_periodicity ops; Rabiner and Schafer, "Introduction to Digital Speech Processing",
 * 2007, "Short-time analysis of speech"; Ross et al., IEEE Trans. ASSP 22(5), 1974).
 *
 * Row t of x holds lags 0 .. n_lags-1.  Its score over lags k:
 *   mode 0 (autocorrelation): s[k] = x[k] / x[0] if x[0] > 0, else 0;
 *   mode 1 (AMDF):            s[k] = 1 - x[k] / h with h = max_{kmin<=k<=kmax} x[k],
 *                             if h > 0, else 0.
 * The chosen lag is the shortest k in [kmin, kmax] with s[k] >= s[k-1], s[k] >= s[k+1]
 * (s[n_lags] = -inf) and s[k] >= best - tolerance, best = max of s over the range; the
 * first lag scoring best if none is.  lag[t] = k, strength[t] = s[k].  The same double
 * operations as the numpy definition (featgraph.native.reference_timedomain.pick_period),
 * so the two agree bit for bit; one pass over the range, no score array.
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#define PICK_BODY(T)                                                          \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (x == NULL || lag == NULL || strength == NULL || kmin < 1 ||           \
        kmin > kmax || kmax >= n_lags || (mode != 0 && mode != 1))            \
        return FG_EINVAL;                                                     \
    if (!(tolerance >= 0))                                                    \
        return FG_EDOMAIN;                                                    \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *r = x + t * n_lags;                                          \
        double ref = 0.0, best, s_prev, s_cur, s_next;                        \
        size_t arg = kmin, pick = SIZE_MAX;                                   \
        int on = 0;                                                           \
        for (size_t k = kmin - 1; k <= kmax + 1 && k < n_lags; k++)           \
            if (!isfinite((double)r[k]))                                      \
                return FG_ENONFINITE;                                         \
        if (!isfinite((double)r[0]))                                          \
            return FG_ENONFINITE;                                             \
        if (mode == 0) {                                                      \
            ref = (double)r[0];                                               \
            on = ref > 0;                                                     \
        } else {                                                              \
            ref = (double)r[kmin];                                            \
            for (size_t k = kmin + 1; k <= kmax; k++)                         \
                if ((double)r[k] > ref)                                       \
                    ref = (double)r[k];                                       \
            on = ref > 0;                                                     \
        }                                                                     \
        /* best over the range (the first maximum) */                         \
        best = -INFINITY;                                                     \
        for (size_t k = kmin; k <= kmax; k++) {                               \
            double s = SCORE(r[k]);                                           \
            if (s > best || k == kmin) {                                      \
                best = s;                                                     \
                arg = k;                                                      \
            }                                                                 \
        }                                                                     \
        s_prev = SCORE(r[kmin - 1]);                                          \
        s_cur = SCORE(r[kmin]);                                               \
        for (size_t k = kmin; k <= kmax; k++) {                               \
            s_next = k + 1 < n_lags ? SCORE(r[k + 1]) : -INFINITY;            \
            if (s_cur >= s_prev && s_cur >= s_next && s_cur >= best - tolerance) {\
                pick = k;                                                     \
                break;                                                        \
            }                                                                 \
            s_prev = s_cur;                                                   \
            s_cur = s_next;                                                   \
        }                                                                     \
        if (pick == SIZE_MAX)                                                 \
            pick = arg;                                                       \
        lag[t] = (double)pick;                                                \
        strength[t] = SCORE(r[pick]);                                         \
    }                                                                         \
    return FG_OK;

/* the score of one value v, given mode, on and ref of the row */
#define SCORE(v) (!on ? 0.0 : mode == 0 ? (double)(v) / ref : 1.0 - (double)(v) / ref)

int fg_pick_period_f64(const double *x, size_t n_frames, size_t n_lags, size_t kmin,
                       size_t kmax, int mode, double tolerance, double *lag,
                       double *strength)
{
    PICK_BODY(double)
}

int fg_pick_period_f32(const float *x, size_t n_frames, size_t n_lags, size_t kmin,
                       size_t kmax, int mode, double tolerance, double *lag,
                       double *strength)
{
    PICK_BODY(float)
}
