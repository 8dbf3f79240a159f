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
 * so the two agree bit for bit; the scores of the lags read (kmin-1 .. kmax+1) go to a
 * work row, with the divisions vectorised.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

/* w[i] = score of r[i], i < n: r / ref (mode 0) or 1 - r / ref (mode 1); vectorised
 * divisions round each lane alike, so the values are numpy's. */
#define DEFINE_SCORES(NAME, T)                                                \
FG_CLONES static void NAME(const T *r, size_t n, int mode, double ref, double *w) \
{                                                                             \
    if (mode == 0)                                                            \
        for (size_t i = 0; i < n; i++)                                        \
            w[i] = (double)r[i] / ref;                                        \
    else                                                                      \
        for (size_t i = 0; i < n; i++)                                        \
            w[i] = 1.0 - (double)r[i] / ref;                                  \
}
DEFINE_SCORES(scores_f64, double)
DEFINE_SCORES(scores_f32, float)

#define PICK_BODY(T, SFX)                                                     \
    size_t hi;                                                                \
    double *w;                                                                \
    if (n_frames == 0)                                                        \
        return FG_OK;                                                         \
    if (x == NULL || lag == NULL || strength == NULL || kmin < 1 ||           \
        kmin > kmax || kmax >= n_lags || (mode != 0 && mode != 1))            \
        return FG_EINVAL;                                                     \
    if (!(tolerance >= 0))                                                    \
        return FG_EDOMAIN;                                                    \
    hi = kmax + 1 < n_lags ? kmax + 1 : kmax;     /* the last lag read */     \
    w = malloc((hi - kmin + 3) * sizeof *w);                                  \
    if (w == NULL)                                                            \
        return FG_ENOMEM;                                                     \
    for (size_t t = 0; t < n_frames; t++) {                                   \
        const T *r = x + t * n_lags;                                          \
        double ref, best, cut, *s = w - (kmin - 1);   /* s[k]: lag k's score */\
        size_t pick = kmin;                                                   \
        int bad = !isfinite((double)r[0]);                                    \
        for (size_t k = kmin - 1; k <= hi; k++)                               \
            bad |= !isfinite((double)r[k]);                                   \
        if (bad) {                                                            \
            free(w);                                                          \
            return FG_ENONFINITE;                                             \
        }                                                                     \
        ref = (double)r[mode == 0 ? 0 : kmin];                                \
        if (mode == 1)                                                        \
            for (size_t k = kmin + 1; k <= kmax; k++)                         \
                if ((double)r[k] > ref)                                       \
                    ref = (double)r[k];                                       \
        if (ref > 0)                                                          \
            scores_##SFX(r + kmin - 1, hi - kmin + 2, mode, ref, w);          \
        else                                                                  \
            memset(w, 0, (hi - kmin + 2) * sizeof *w);                        \
        s[hi + 1] = -INFINITY;                 /* past the last lag */        \
        best = s[kmin];                        /* the first best lag */       \
        for (size_t k = kmin + 1; k <= kmax; k++)                             \
            if (s[k] > best) {                                                \
                best = s[k];                                                  \
                pick = k;                                                     \
            }                                                                 \
        cut = best - tolerance;                                               \
        for (size_t k = kmin; k <= kmax; k++)                                 \
            if (s[k] >= s[k - 1] && s[k] >= s[k + 1] && s[k] >= cut) {        \
                pick = k;                                                     \
                break;                                                        \
            }                                                                 \
        lag[t] = (double)pick;                                                \
        strength[t] = s[pick];                                                \
    }                                                                         \
    free(w);                                                                  \
    return FG_OK;

int fg_pick_period_f64(const double *x, size_t n_frames, size_t n_lags, size_t kmin,
                       size_t kmax, int mode, double tolerance, double *lag,
                       double *strength)
{
    PICK_BODY(double, f64)
}

int fg_pick_period_f32(const float *x, size_t n_frames, size_t n_lags, size_t kmin,
                       size_t kmax, int mode, double tolerance, double *lag,
                       double *strength)
{
    PICK_BODY(float, f32)
}
