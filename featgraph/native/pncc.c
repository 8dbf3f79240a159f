/*
 * The recursions over time of PNCC (Kim and Stern, "Power-Normalized Cepstral
 * Coefficients (PNCC) for Robust Speech Recognition", IEEE/ACM TASLP 24(7),
 * 2016): asymmetric noise suppression with temporal masking and spectral
 * weight smoothing (Sec. II-C to II-E), and mean power normalisation
 * (Sec. II-F).  The caller owns the state, so that a stream can be processed
 * in chunks of any size with the same result as in one call.  See featgraph.h
 * for the layout and status codes, and reference_pncc.py for the numpy
 * definition the kernels must agree with (same operations, same order).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Whether any of x[0 .. n) is negative, NaN or infinite: one vectorised pass over the
 * (valid) powers; the loops after it find which, in order, only when one is. */
#define DEFINE_ANY_INVALID(NAME, T, MAX)                                      \
FG_CLONES FG_NO_TRAPS static int NAME(const T *x, size_t n)                   \
{                                                                             \
    int bad = 0;                                                              \
    for (size_t i = 0; i < n; i++)                                            \
        bad |= !((x[i] >= 0) & (x[i] <= MAX));                                \
    return bad;                                                               \
}

DEFINE_ANY_INVALID(any_invalid_f64, double, DBL_MAX)
DEFINE_ANY_INVALID(any_invalid_f32, float, FLT_MAX)

static int all_finite_nonneg(const double *x, size_t n)
{
    int status = FG_OK;
    if (!any_invalid_f64(x, n))
        return FG_OK;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return FG_ENONFINITE;
        if (x[i] < 0.0)
            status = FG_EDOMAIN;
    }
    return status;
}

static int unit_interval(double v)
{
    return isfinite(v) && v >= 0.0 && v < 1.0;
}

/* Asymmetric first-order filter AF_{la,lb} (TASLP eq. 5): fast to fall, slow to rise. */
static double asym(double prev, double in, double la, double lb)
{
    if (in >= prev)
        return la * prev + (1.0 - la) * in;
    return lb * prev + (1.0 - lb) * in;
}

int fg_pncc_suppress_f64(const double *p, const double *q, size_t n_batch, size_t n_frames,
                         size_t n_bands, double lambda_a, double lambda_b, double c,
                         double lambda_t, double mu_t, int temporal_masking, size_t n_smooth,
                         double *state, double *work, double *t)
{
    size_t n = n_batch * n_frames * n_bands;
    int status;
    if (!unit_interval(lambda_a) || !unit_interval(lambda_b) || !unit_interval(lambda_t)
        || !isfinite(c) || c < 0.0 || !isfinite(mu_t) || mu_t < 0.0)
        return FG_EINVAL;
    if (n == 0)
        return FG_OK;
    if (p == NULL || q == NULL || state == NULL || work == NULL || t == NULL)
        return FG_EINVAL;
    if ((status = all_finite_nonneg(p, n)) != FG_OK)
        return status;
    if ((status = all_finite_nonneg(q, n)) != FG_OK)
        return status;
    for (size_t b = 0; b < n_batch; b++) {
        double *st = state + b * (3 * n_bands + 1);
        double *le = st + 1, *fl = le + n_bands, *pk = fl + n_bands;
        for (size_t m = 0; m < n_frames; m++) {
            size_t row = (b * n_frames + m) * n_bands;
            const double *qm = q + row, *pm = p + row;
            double *tm = t + row;
            int first = st[0] == 0.0;
            for (size_t l = 0; l < n_bands; l++) {
                double qt = qm[l], q0, r;
                if (first)
                    le[l] = 0.9 * qt;
                le[l] = asym(le[l], qt, lambda_a, lambda_b);
                q0 = qt - le[l];
                if (q0 < 0.0)
                    q0 = 0.0;
                if (first) {
                    fl[l] = 0.9 * q0;
                    pk[l] = q0;
                }
                fl[l] = asym(fl[l], q0, lambda_a, lambda_b);
                r = q0;
                if (temporal_masking) {
                    double decayed = lambda_t * pk[l];
                    if (q0 < decayed)
                        r = mu_t * pk[l];
                    pk[l] = q0 > decayed ? q0 : decayed;
                }
                if (qt >= c * le[l])
                    r = r > fl[l] ? r : fl[l];
                else
                    r = fl[l];
                work[l] = qt > 0.0 ? r / qt : 0.0;
            }
            for (size_t l = 0; l < n_bands; l++) {
                size_t lo = l > n_smooth ? l - n_smooth : 0;
                size_t hi = l + n_smooth < n_bands - 1 ? l + n_smooth : n_bands - 1;
                double s = 0.0;
                for (size_t j = lo; j <= hi; j++)
                    s += work[j];
                tm[l] = pm[l] * (s / (double)(hi - lo + 1));
            }
            st[0] += 1.0;
        }
    }
    return FG_OK;
}

/* u[l] = mu > 0 ? k t[l] / mu : 0 over a frame's bands (mu a local: vectorised). */
FG_CLONES FG_NO_TRAPS static void norm_row(const double *restrict t, size_t n, double k,
                                           double mu, double *restrict u)
{
    for (size_t l = 0; l < n; l++)
        u[l] = mu > 0.0 ? k * t[l] / mu : 0.0;
}

int fg_mean_power_norm_f64(const double *t, size_t n_batch, size_t n_frames, size_t n_bands,
                           double lambda_mu, double k, double *state, double *u)
{
    size_t n = n_batch * n_frames * n_bands;
    int status;
    if (!unit_interval(lambda_mu) || !isfinite(k) || !(k > 0.0) || n_bands == 0)
        return FG_EINVAL;
    if (n == 0)
        return FG_OK;
    if (t == NULL || state == NULL || u == NULL)
        return FG_EINVAL;
    if ((status = all_finite_nonneg(t, n)) != FG_OK)
        return status;
    for (size_t b = 0; b < n_batch; b++) {
        double *mu = state + 2 * b, *count = mu + 1;
        for (size_t m = 0; m < n_frames; m++) {
            size_t row = (b * n_frames + m) * n_bands;
            double s = 0.0, lam = *count / (*count + 1.0);
            for (size_t l = 0; l < n_bands; l++)
                s += t[row + l];
            s = s / (double)n_bands;
            if (lam > lambda_mu)
                lam = lambda_mu;
            *mu = lam * *mu + (1.0 - lam) * s;
            *count += 1.0;
            norm_row(t + row, n_bands, k, *mu, u + row);
        }
    }
    return FG_OK;
}

/* ------------------------------------------------------------------ one pass per block
 * fg_pncc_suppression_*: the medium-time power of a block of frames and the suppression
 * above, reading the caller's frames in place (float32 or float64, converted exactly to
 * double) and writing the output in their type.  The same operations in the same order
 * as medium_time_power (nodes/pncc.py) followed by fg_pncc_suppress_f64 and a cast, so
 * the result is equal bit for bit to that path (reference_pncc.pncc_suppression); the
 * band loops are written with selects, so that the compiler vectorises them over bands
 * (IEEE operations that round each value alike: the same values at any width). */

/* One frame of the recursions over all bands (state already initialised). */
FG_CLONES FG_NO_TRAPS
static void suppress_frame(const double *restrict qm, size_t n_bands, double la, double lb,
                           double c, double lambda_t, double mu_t, int temporal_masking,
                           double *restrict le, double *restrict fl, double *restrict pk,
                           double *restrict w)
{
    double la1 = 1.0 - la, lb1 = 1.0 - lb;
    for (size_t l = 0; l < n_bands; l++) {
        double qt = qm[l], prev = le[l];
        double e = qt >= prev ? la * prev + la1 * qt : lb * prev + lb1 * qt;
        double q0 = qt - e;
        q0 = q0 < 0.0 ? 0.0 : q0;
        double f = fl[l];
        f = q0 >= f ? la * f + la1 * q0 : lb * f + lb1 * q0;
        double pkl = pk[l], decayed = lambda_t * pkl;   /* temporal masking: selects */
        double r = temporal_masking && q0 < decayed ? mu_t * pkl : q0;
        pk[l] = temporal_masking ? (q0 > decayed ? q0 : decayed) : pkl;
        r = qt >= c * e ? (r > f ? r : f) : f;
        double ratio = r / qt;
        w[l] = qt > 0.0 ? ratio : 0.0;
        le[l] = e;
        fl[l] = f;
    }
}

/* s[l] = sum of w[max(l - n, 0) .. min(l + n, n_bands - 1)] in ascending order, then
 * divided by the count: the inner bands as vectors over l, one term at a time. */
FG_CLONES
static void smooth_weights(const double *restrict w, size_t n_bands, size_t n,
                           double *restrict s)
{
    size_t lo_end = n < n_bands ? n : n_bands;              /* bands [0, lo_end) clipped */
    size_t hi_start = n_bands > n ? n_bands - n : 0;        /* bands [hi_start, n_bands) */
    if (hi_start > lo_end) {
        for (size_t l = lo_end; l < hi_start; l++)
            s[l] = 0.0;
        for (size_t j = 0; j <= 2 * n; j++)
            for (size_t l = lo_end; l < hi_start; l++)
                s[l] += w[l - n + j];
        double count = (double)(2 * n + 1);
        for (size_t l = lo_end; l < hi_start; l++)
            s[l] = s[l] / count;
    } else {
        hi_start = lo_end = 0;                              /* every band clipped */
    }
    for (size_t l = 0; l < n_bands; l++) {
        if (l >= lo_end && l < hi_start)
            continue;
        size_t lo = l > n ? l - n : 0;
        size_t hi = l + n < n_bands - 1 ? l + n : n_bands - 1;
        double sum = 0.0;
        for (size_t j = lo; j <= hi; j++)
            sum += w[j];
        s[l] = sum / (double)(hi - lo + 1);
    }
}

/* q[l] = v[l] (first) or q[l] + v[l], v read as double; add_zero adds 0.0 (an absent
 * frame, as the numpy definition's zero padding). */
#define DEFINE_ADD_ROW(NAME, T)                                                          \
FG_CLONES static void NAME(double *restrict q, const T *restrict v, size_t n, int first) \
{                                                                                         \
    if (first)                                                                            \
        for (size_t l = 0; l < n; l++)                                                    \
            q[l] = (double)v[l];                                                          \
    else                                                                                  \
        for (size_t l = 0; l < n; l++)                                                    \
            q[l] = q[l] + (double)v[l];                                                   \
}

DEFINE_ADD_ROW(add_row_f64, double)
DEFINE_ADD_ROW(add_row_f32, float)

static void add_zero(double *q, size_t n, int first)
{
    for (size_t l = 0; l < n; l++)
        q[l] = first ? 0.0 : q[l] + 0.0;
}

/* q[l] = q[l] / count over a frame's bands; whether any is infinite (q >= 0). */
FG_CLONES FG_NO_TRAPS static int mean_row(double *q, size_t n, double count)
{
    int inf = 0;
    for (size_t l = 0; l < n; l++) {
        q[l] = q[l] / count;
        inf |= !(q[l] <= DBL_MAX);
    }
    return inf;
}

#define DEFINE_SUPPRESSION(NAME, T, ADD_ROW, ANY_INVALID)                                             \
static int NAME(const T *x, size_t n_batch, size_t n_x, size_t n_bands, const double *hist,     \
         size_t n_hist, size_t out_start, size_t n_out, size_t M, double lambda_a,        \
         double lambda_b, double c, double lambda_t, double mu_t, int temporal_masking,   \
         size_t n_smooth, double *state, double *work, T *t)                              \
{                                                                                         \
    size_t n_c = n_hist + n_x;                                                            \
    if (!unit_interval(lambda_a) || !unit_interval(lambda_b) || !unit_interval(lambda_t)  \
        || !isfinite(c) || c < 0.0 || !isfinite(mu_t) || mu_t < 0.0                      \
        || out_start > n_c || n_out > n_c - out_start)                         \
        return FG_EINVAL;                                                                 \
    if (n_batch == 0 || n_out == 0 || n_bands == 0)                                       \
        return FG_OK;                                                                     \
    if (state == NULL || work == NULL || t == NULL || (n_x > 0 && x == NULL)              \
        || (n_hist > 0 && hist == NULL))                                                  \
        return FG_EINVAL;                                                                 \
    int status = all_finite_nonneg(hist, n_batch * n_hist * n_bands);                     \
    size_t n_check = ANY_INVALID(x, n_batch * n_x * n_bands) ? n_batch * n_x * n_bands : 0;\
    for (size_t i = 0; status == FG_OK && i < n_check; i++) {                             \
        if (!isfinite(x[i]))                                                              \
            return FG_ENONFINITE;                                                         \
        if (x[i] < 0)                                                                     \
            status = FG_EDOMAIN;                                                          \
    }                                                                                     \
    if (status != FG_OK)                                                                  \
        return status;                                                                    \
    /* q of every output frame first (work), so that an overflow leaves state alone */   \
    double *q = work + n_bands, *w = work;                                                \
    for (size_t b = 0; b < n_batch; b++) {                                                \
        const double *hb = hist + b * n_hist * n_bands;                                   \
        const T *xb = x + b * n_x * n_bands;                                              \
        for (size_t o = 0; o < n_out; o++) {                                              \
            size_t i = out_start + o, count = 0;                                          \
            double *qo = q + (b * n_out + o) * n_bands;                                   \
            for (size_t j = 0; j <= 2 * M; j++) {                                         \
                /* frame i - M + j of c; absent (0.0) before c or past its end */         \
                int absent = i + j < M || i + j - M >= n_c;                               \
                size_t f = absent ? 0 : i + j - M;                                        \
                count += !absent;                                                         \
                if (absent)                                                               \
                    add_zero(qo, n_bands, j == 0);                                        \
                else if (f < n_hist)                                                      \
                    add_row_f64(qo, hb + f * n_bands, n_bands, j == 0);                   \
                else                                                                      \
                    ADD_ROW(qo, xb + (f - n_hist) * n_bands, n_bands, j == 0);            \
            }                                                                             \
            if (mean_row(qo, n_bands, (double)count))   /* q >= 0: an overflow */         \
                return FG_ENONFINITE;                                                     \
        }                                                                                 \
    }                                                                                     \
    for (size_t b = 0; b < n_batch; b++) {                                                \
        double *st = state + b * (3 * n_bands + 1);                                       \
        double *le = st + 1, *fl = le + n_bands, *pk = fl + n_bands;                      \
        const double *hb = hist + b * n_hist * n_bands;                                   \
        const T *xb = x + b * n_x * n_bands;                                              \
        double *s = work + (n_batch * n_out + 1) * n_bands;                               \
        for (size_t o = 0; o < n_out; o++) {                                              \
            size_t i = out_start + o;                                                     \
            const double *qm = q + (b * n_out + o) * n_bands;                             \
            T *tm = t + (b * n_out + o) * n_bands;                                        \
            if (st[0] == 0.0) {                                                           \
                for (size_t l = 0; l < n_bands; l++) {                                    \
                    double e = 0.9 * qm[l];                                               \
                    double e1 = asym(e, qm[l], lambda_a, lambda_b);                       \
                    double q0 = qm[l] - e1;                                               \
                    if (q0 < 0.0)                                                         \
                        q0 = 0.0;                                                         \
                    le[l] = e;                                                            \
                    fl[l] = 0.9 * q0;                                                     \
                    pk[l] = q0;                                                           \
                }                                                                         \
            }                                                                             \
            suppress_frame(qm, n_bands, lambda_a, lambda_b, c, lambda_t, mu_t,            \
                           temporal_masking, le, fl, pk, w);                              \
            smooth_weights(w, n_bands, n_smooth, s);                                      \
            if (i < n_hist) {                                                             \
                const double *pm = hb + i * n_bands;                                      \
                for (size_t l = 0; l < n_bands; l++)                                      \
                    tm[l] = (T)(pm[l] * s[l]);                                            \
            } else {                                                                      \
                const T *pm = xb + (i - n_hist) * n_bands;                                \
                for (size_t l = 0; l < n_bands; l++)                                      \
                    tm[l] = (T)((double)pm[l] * s[l]);                                    \
            }                                                                             \
            st[0] += 1.0;                                                                 \
        }                                                                                 \
    }                                                                                     \
    return FG_OK;                                                                         \
}

DEFINE_SUPPRESSION(suppression_f64, double, add_row_f64, any_invalid_f64)
DEFINE_SUPPRESSION(suppression_f32, float, add_row_f32, any_invalid_f32)

int fg_pncc_suppression_f64(const double *x, size_t n_batch, size_t n_x, size_t n_bands,
                            const double *hist, size_t n_hist, size_t out_start,
                            size_t n_out, size_t M, double lambda_a, double lambda_b,
                            double c, double lambda_t, double mu_t, int temporal_masking,
                            size_t n_smooth, double *state, double *work, double *t)
{
    return suppression_f64(x, n_batch, n_x, n_bands, hist, n_hist, out_start, n_out, M,
                           lambda_a, lambda_b, c, lambda_t, mu_t, temporal_masking, n_smooth,
                           state, work, t);
}

int fg_pncc_suppression_f32(const float *x, size_t n_batch, size_t n_x, size_t n_bands,
                            const double *hist, size_t n_hist, size_t out_start,
                            size_t n_out, size_t M, double lambda_a, double lambda_b,
                            double c, double lambda_t, double mu_t, int temporal_masking,
                            size_t n_smooth, double *state, double *work, float *t)
{
    return suppression_f32(x, n_batch, n_x, n_bands, hist, n_hist, out_start, n_out, M,
                           lambda_a, lambda_b, c, lambda_t, mu_t, temporal_masking, n_smooth,
                           state, work, t);
}

int fg_mean_power_norm_f32(const float *t, size_t n_batch, size_t n_frames, size_t n_bands,
                           double lambda_mu, double k, double *state, float *u)
{
    size_t n = n_batch * n_frames * n_bands;
    int status = FG_OK;
    if (!unit_interval(lambda_mu) || !isfinite(k) || !(k > 0.0) || n_bands == 0)
        return FG_EINVAL;
    if (n == 0)
        return FG_OK;
    if (t == NULL || state == NULL || u == NULL)
        return FG_EINVAL;
    size_t n_check = any_invalid_f32(t, n) ? n : 0;
    for (size_t i = 0; i < n_check; i++) {
        if (!isfinite(t[i]))
            return FG_ENONFINITE;
        if (t[i] < 0.0f)
            status = FG_EDOMAIN;
    }
    if (status != FG_OK)
        return status;
    for (size_t b = 0; b < n_batch; b++) {
        double *mu = state + 2 * b, *count = mu + 1;
        for (size_t m = 0; m < n_frames; m++) {
            size_t row = (b * n_frames + m) * n_bands;
            double s = 0.0, lam = *count / (*count + 1.0);
            for (size_t l = 0; l < n_bands; l++)
                s += (double)t[row + l];
            s = s / (double)n_bands;
            if (lam > lambda_mu)
                lam = lambda_mu;
            *mu = lam * *mu + (1.0 - lam) * s;
            *count += 1.0;
            for (size_t l = 0; l < n_bands; l++)
                u[row + l] = *mu > 0.0 ? (float)(k * (double)t[row + l] / *mu) : 0.0f;
        }
    }
    return FG_OK;
}
