/*
 * openSMILE-compatible voice kernels (eGeMAPSv02's voice-source descriptors):
 * the forward recursion of the Viterbi pitch smoother (cPitchSmootherViterbi, as
 * measured against openSMILE 2.6) and the period-by-period jitter and shimmer of
 * cPitchJitter.  The numpy definitions (reference_voice.py) perform the same
 * operations in the same order.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static int finite_all(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

int fg_smile_viterbi_forward(const double *f0, const double *lc, size_t n_frames,
                             size_t n_states, double w_vv, double w_vvd, double w_switch,
                             double w_uu, int started, double *f_prev, double *cost,
                             double *slope, int32_t *ptr, int32_t *best)
{
    if (n_states < 2 || n_states > 64)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (!f0 || !lc || !f_prev || !cost || !slope || !ptr || !best)
        return FG_EINVAL;
    if (!finite_all(f0, n_frames * n_states) || !finite_all(lc, n_frames * n_states) ||
        !finite_all(f_prev, n_states) || !finite_all(slope, n_states))
        return FG_ENONFINITE;
    double nc[64], ns[64];
    size_t uv = n_states - 1;
    for (size_t t = 0; t < n_frames; t++) {
        const double *f = f0 + t * n_states;
        const double *l = lc + t * n_states;
        int32_t *p = ptr + t * n_states;
        for (size_t s = 0; s < n_states; s++) {
            int vs = s < uv && f[s] > 0.0;
            if (s < uv && !vs) {
                nc[s] = INFINITY;
                ns[s] = 0.0;
                p[s] = 0;
                continue;
            }
            if (!started) {
                nc[s] = l[s];
                ns[s] = 0.0;
                p[s] = 0;
                continue;
            }
            double b = INFINITY, bd = 0.0;
            int32_t bi = 0;
            for (size_t r = 0; r < n_states; r++) {
                if (!(cost[r] < INFINITY))
                    continue;
                int vr = r < uv && f_prev[r] > 0.0;
                double tr, d = 0.0;
                if (vr && vs) {
                    d = log2(f[s] / f_prev[r]);
                    tr = w_vv * fabs(d) + w_vvd * fabs(d - slope[r]);
                } else if (!vr && !vs) {
                    tr = w_uu;
                } else {
                    tr = w_switch;
                }
                double c = cost[r] + tr;
                if (c < b) {
                    b = c;
                    bi = (int32_t)r;
                    bd = (vr && vs) ? d : 0.0;
                }
            }
            nc[s] = b + l[s];
            ns[s] = bd;
            p[s] = bi;
        }
        started = 1;
        int32_t arg = 0;
        for (size_t s = 0; s < n_states; s++) {
            cost[s] = nc[s];
            slope[s] = ns[s];
            f_prev[s] = f[s];
            if (nc[s] < nc[arg])
                arg = (int32_t)s;
        }
        best[t] = arg;
    }
    return FG_OK;
}

/* Normalised cross-correlation of x[p, p + T) with x[p + T, p + 2T). */
static double ncc(const double *x, size_t p, size_t T)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < T; i++) {
        double a = x[p + i], b = x[p + T + i];
        ab += a * b;
        aa += a * a;
        bb += b * b;
    }
    double den = sqrt(aa * bb);
    return den > 0.0 ? ab / den : 0.0;
}

/* Offset and height of the parabola through y[k-1], y[k], y[k+1]: offset 0 and y[k]
 * unless curved down; offset clipped to +-1/2. */
static double vertex(const double *y, size_t k, double *height)
{
    double a = y[k - 1], b = y[k], c = y[k + 1];
    double den = a - 2.0 * b + c;
    if (!(den < 0.0)) {
        *height = b;
        return 0.0;
    }
    double d = 0.5 * (a - c) / den;
    if (d > 0.5)
        d = 0.5;
    if (d < -0.5)
        d = -0.5;
    *height = b - 0.25 * (a - c) * d;
    return d;
}

int fg_smile_jitter(const double *frames, size_t n_frames, size_t length, const double *f0,
                    double sr, double search_rel, double mark_rel, double min_cc,
                    double *jitter, double *shimmer)
{
    if (n_frames == 0)
        return FG_OK;
    if (!frames || !f0 || !jitter || !shimmer || length < 4 || !(sr > 0.0) ||
        !(search_rel >= 0.0 && search_rel < 1.0) || !(mark_rel >= 0.0 && mark_rel < 1.0) ||
        !isfinite(min_cc))
        return FG_EINVAL;
    if (!finite_all(frames, n_frames * length) || !finite_all(f0, n_frames))
        return FG_ENONFINITE;
    double *ax = malloc(length * sizeof(double));
    if (!ax)
        return FG_ENOMEM;
    for (size_t t = 0; t < n_frames; t++) {
        const double *x = frames + t * length;
        jitter[t] = shimmer[t] = 0.0;
        if (!(f0[t] > 0.0))
            continue;
        double t0 = sr / f0[t];
        double lo_d = floor(t0 * (1.0 - search_rel)), hi_d = ceil(t0 * (1.0 + search_rel));
        if (lo_d < 2.0)
            lo_d = 2.0;
        if (2.0 * hi_d + 2.0 > (double)length)
            hi_d = floor(((double)length - 2.0) / 2.0);
        if (hi_d < lo_d + 2.0)
            continue;
        size_t lo = (size_t)lo_d, hi = (size_t)hi_d, p = 1;
        for (size_t i = 2; i < hi; i++)
            if (fabs(x[i]) > fabs(x[p]))
                p = i;
        double sgn = x[p] < 0.0 ? -1.0 : 1.0;
        for (size_t i = 0; i < length; i++)
            ax[i] = sgn * x[i];
        double wd = floor(mark_rel * t0 + 0.5);
        size_t w = wd < 1.0 ? 1 : (size_t)wd;
        double prev_a, prev_m, amp;
        prev_m = (double)p + vertex(ax, p, &prev_a);
        double sum_t = 0.0, sum_dt = 0.0, sum_da = 0.0, prev_t = 0.0;
        size_t n_t = 0, n_dt = 0, n_da = 0;
        while (p + 2 * hi + 1 <= length) {
            double best = -2.0;
            size_t bt = lo;
            for (size_t T = lo; T <= hi; T++) {
                double c = ncc(x, p, T);
                if (c > best) {
                    best = c;
                    bt = T;
                }
            }
            if (best < min_cc)
                break;
            size_t a = bt >= lo + w ? p + bt - w : p + lo;
            size_t e = bt + w <= hi ? p + bt + w : p + hi;
            size_t q = a;
            for (size_t i = a + 1; i <= e; i++)
                if (ax[i] > ax[q])
                    q = i;
            double m = (double)q + vertex(ax, q, &amp);
            double per = m - prev_m;
            if (n_t > 0) {
                sum_dt += fabs(per - prev_t);
                n_dt++;
            }
            if (amp > 0.0 && prev_a > 0.0) {
                sum_da += fabs(20.0 * log10(amp / prev_a));
                n_da++;
            }
            sum_t += per;
            n_t++;
            prev_t = per;
            prev_a = amp;
            prev_m = m;
            p = q;
        }
        if (n_dt > 0)
            jitter[t] = (sum_dt / (double)n_dt) / (sum_t / (double)n_t);
        if (n_da > 0)
            shimmer[t] = sum_da / (double)n_da;
    }
    free(ax);
    return FG_OK;
}
