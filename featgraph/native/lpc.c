/*
 * Linear-prediction kernels: Levinson-Durbin recursion and the conversion
 * of predictor coefficients to cepstral coefficients.
 *
 * References
 *   N. Levinson, "The Wiener RMS error criterion in filter design and
 *     prediction", J. Math. Phys. 25, 1947.
 *   J. Durbin, "The fitting of time-series models", Rev. Int. Stat. Inst. 28,
 *     1960.
 *   J. Makhoul, "Linear prediction: a tutorial review", Proc. IEEE 63(4),
 *     1975 (eqs. 38a-38e for the recursion).
 *   S. Young et al., "The HTK Book", section on LPC cepstra (the recursion
 *     c_n = -(a_n + (1/n) sum_{m=1}^{n-1} (n-m) a_m c_{n-m})).
 *
 * The arithmetic here is written in the same order as the numpy reference
 * in reference.py so that both agree to rounding error.  Both variants
 * (float64 and float32) compute in double precision.  The float64 kernels
 * never allocate; the float32 kernels allocate one small double work buffer
 * per call (not per frame).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "featgraph.h"
#include "lpc_frame.h"

/* Keep every a*b + c as two roundings so that the C and numpy backends agree
 * bit for bit.  GCC already does so in ISO C mode (-std=c99); clang would
 * otherwise fuse multiply-adds where the target has them. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

const char *fg_strerror(int code)
{
    switch (code) {
    case FG_OK:
        return "success";
    case FG_EINVAL:
        return "invalid sizes or arguments";
    case FG_ENONFINITE:
        return "input contains NaN or infinity";
    case FG_EDOMAIN:
        return "input outside the kernel's domain";
    case FG_ENOMEM:
        return "out of memory";
    default:
        return "unknown error code";
    }
}

/* ------------------------------------------------------------------------
 * Argument checks shared by both precisions.
 * --------------------------------------------------------------------- */

/* 1 if rows * cols would overflow size_t. */
static int mul_overflows(size_t rows, size_t cols)
{
    return cols != 0 && rows > SIZE_MAX / cols;
}

static int levinson_args(const void *r, size_t n_frames, size_t r_stride,
                         size_t order, const void *a, const void *err)
{
    /* r_stride >= order + 1, written so that order + 1 cannot wrap. */
    if (order == 0 || r_stride <= order)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (r == NULL || a == NULL || err == NULL)
        return FG_EINVAL;
    if (mul_overflows(n_frames, r_stride) || mul_overflows(n_frames, order + 1))
        return FG_EINVAL;
    return FG_OK;
}

static int cepstrum_args(const void *a, size_t n_frames, size_t order,
                         size_t n_ceps, const void *c)
{
    if (order == 0 || order == SIZE_MAX || n_ceps == 0)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (a == NULL || c == NULL)
        return FG_EINVAL;
    if (mul_overflows(n_frames, order + 1) || mul_overflows(n_frames, n_ceps))
        return FG_EINVAL;
    return FG_OK;
}

/* ------------------------------------------------------------------------
 * Levinson-Durbin, one frame, double precision.
 *
 * r[0..order] is the autocorrelation; a[0..order] receives A(z) with
 * a[0] = 1, *err the final prediction-error power.  Finiteness of r has been
 * checked by the caller.
 *
 * For i = 1..order (Makhoul 1975, eq. 38):
 *   k_i   = -(r_i + sum_{j=1}^{i-1} a_j r_{i-j}) / E_{i-1}
 *   a_j  <- a_j + k_i a_{i-j}       (j = 1..i-1, old values on the right)
 *   a_i   = k_i
 *   E_i   = (1 - k_i^2) E_{i-1}
 * The recursion stops, keeping the order-(i-1) model, as soon as |k_i| < 1
 * fails (a singular or perfectly predictable frame, or a non-positive
 * definite sequence); the remaining coefficients stay 0.  A frame with
 * r_0 <= 0 gives A(z) = 1 and E = 0.
 * --------------------------------------------------------------------- */
void levinson_frame(const double *r, size_t order, double *a,
                    double *err)
{
    size_t i, j;
    double e;

    a[0] = 1.0;
    for (i = 1; i <= order; i++)
        a[i] = 0.0;
    if (!(r[0] > 0.0)) {
        *err = 0.0;
        return;
    }

    e = r[0];
    for (i = 1; i <= order; i++) {
        double acc = r[i];
        double k;

        for (j = 1; j < i; j++)
            acc += a[j] * r[i - j];
        k = -acc / e;
        if (!(fabs(k) < 1.0))
            break;
        /* In-place update on symmetric pairs (j, i-j): both new values need
         * both old ones.  When i is even the middle element pairs with
         * itself and the two writes store the same value. */
        for (j = 1; 2 * j <= i; j++) {
            double lo = a[j];
            double hi = a[i - j];
            a[j] = lo + k * hi;
            a[i - j] = hi + k * lo;
        }
        a[i] = k;
        e = e * (1.0 - k * k);
    }
    *err = e;
}

static int all_finite_f64(const double *x, size_t n_rows, size_t stride,
                          size_t n_cols)
{
    size_t f, j;
    for (f = 0; f < n_rows; f++) {
        const double *row = x + f * stride;
        for (j = 0; j < n_cols; j++)
            if (!isfinite(row[j]))
                return 0;
    }
    return 1;
}

static int all_finite_f32(const float *x, size_t n_rows, size_t stride,
                          size_t n_cols)
{
    size_t f, j;
    for (f = 0; f < n_rows; f++) {
        const float *row = x + f * stride;
        for (j = 0; j < n_cols; j++)
            if (!isfinite(row[j]))
                return 0;
    }
    return 1;
}

int fg_levinson_f64(const double *r, size_t n_frames, size_t r_stride,
                    size_t order, double *a, double *err)
{
    size_t f;
    int status = levinson_args(r, n_frames, r_stride, order, a, err);

    if (status != FG_OK || n_frames == 0)
        return status;
    if (!all_finite_f64(r, n_frames, r_stride, order + 1))
        return FG_ENONFINITE;
    for (f = 0; f < n_frames; f++)
        levinson_frame(r + f * r_stride, order, a + f * (order + 1), err + f);
    return FG_OK;
}

int fg_levinson_f32(const float *r, size_t n_frames, size_t r_stride,
                    size_t order, float *a, float *err)
{
    size_t f, j;
    size_t p1 = order + 1;
    double *rw, *aw;
    int status = levinson_args(r, n_frames, r_stride, order, a, err);

    if (status != FG_OK || n_frames == 0)
        return status;
    if (!all_finite_f32(r, n_frames, r_stride, p1))
        return FG_ENONFINITE;
    if (p1 > SIZE_MAX / (2 * sizeof(double)))
        return FG_ENOMEM;
    rw = malloc(2 * p1 * sizeof(double));
    if (rw == NULL)
        return FG_ENOMEM;
    aw = rw + p1;

    for (f = 0; f < n_frames; f++) {
        const float *rf = r + f * r_stride;
        float *af = a + f * p1;
        double e;

        for (j = 0; j < p1; j++)
            rw[j] = (double)rf[j];
        levinson_frame(rw, order, aw, &e);
        for (j = 0; j < p1; j++)
            af[j] = (float)aw[j];
        err[f] = (float)e;
    }
    free(rw);
    return FG_OK;
}

/* ------------------------------------------------------------------------
 * LPC -> cepstrum, one frame, double precision.
 *
 * The model is G / A'(z) with A(z) = a_0 A'(z), i.e. gain 1/a_0 and the
 * monic polynomial b = a / a_0.  Its complex cepstrum (HTK Book,
 * LPC2Cepstrum; Makhoul 1975 for the derivation):
 *   c_0 = -log a_0
 *   c_n = -(b_n + (1/n) sum_{m=1}^{n-1} (n - m) b_m c_{n-m}),  n >= 1,
 * with b_m = 0 for m > order.  The caller has checked finiteness and a_0 > 0.
 * --------------------------------------------------------------------- */
void cepstrum_frame_f64(const double *a, size_t order, size_t n_ceps,
                        double *c)
{
    size_t n, m;
    double a0 = a[0];

    c[0] = -log(a0);
    for (n = 1; n < n_ceps; n++) {
        size_t m_hi = n - 1 < order ? n - 1 : order;
        double s = 0.0;
        double bn = n <= order ? a[n] / a0 : 0.0;

        for (m = 1; m <= m_hi; m++)
            s += ((double)(n - m) * (a[m] / a0)) * c[n - m];
        c[n] = -(bn + s / (double)n);
    }
}

int fg_lpc_to_cepstrum_f64(const double *a, size_t n_frames, size_t order,
                           size_t n_ceps, double *c)
{
    size_t f;
    size_t p1 = order + 1;
    int status = cepstrum_args(a, n_frames, order, n_ceps, c);

    if (status != FG_OK || n_frames == 0)
        return status;
    if (!all_finite_f64(a, n_frames, p1, p1))
        return FG_ENONFINITE;
    for (f = 0; f < n_frames; f++)
        if (!(a[f * p1] > 0.0))
            return FG_EDOMAIN;
    for (f = 0; f < n_frames; f++)
        cepstrum_frame_f64(a + f * p1, order, n_ceps, c + f * n_ceps);
    return FG_OK;
}

int fg_lpc_to_cepstrum_f32(const float *a, size_t n_frames, size_t order,
                           size_t n_ceps, float *c)
{
    size_t f, j;
    size_t p1 = order + 1;
    double *aw, *cw;
    int status = cepstrum_args(a, n_frames, order, n_ceps, c);

    if (status != FG_OK || n_frames == 0)
        return status;
    if (!all_finite_f32(a, n_frames, p1, p1))
        return FG_ENONFINITE;
    for (f = 0; f < n_frames; f++)
        if (!(a[f * p1] > 0.0f))
            return FG_EDOMAIN;
    if (p1 > SIZE_MAX / sizeof(double)
        || n_ceps > SIZE_MAX / sizeof(double) - p1)
        return FG_ENOMEM;
    aw = malloc((p1 + n_ceps) * sizeof(double));
    if (aw == NULL)
        return FG_ENOMEM;
    cw = aw + p1;

    for (f = 0; f < n_frames; f++) {
        const float *af = a + f * p1;
        float *cf = c + f * n_ceps;

        for (j = 0; j < p1; j++)
            aw[j] = (double)af[j];
        cepstrum_frame_f64(aw, order, n_ceps, cw);
        for (j = 0; j < n_ceps; j++)
            cf[j] = (float)cw[j];
    }
    free(aw);
    return FG_OK;
}
