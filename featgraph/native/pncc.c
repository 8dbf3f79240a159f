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
#include <math.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static int all_finite_nonneg(const double *x, size_t n)
{
    int status = FG_OK;
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
            for (size_t l = 0; l < n_bands; l++)
                u[row + l] = *mu > 0.0 ? k * t[row + l] / *mu : 0.0;
        }
    }
    return FG_OK;
}
