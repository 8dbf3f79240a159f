/*
 * openSMILE-compatible voice kernels (eGeMAPSv02's voice-source descriptors):
 * the forward recursion of the Viterbi pitch smoother (cPitchSmootherViterbi, as
 * measured against openSMILE 2.6) and the period-by-period jitter and shimmer of
 * cPitchJitter.  The numpy definitions (reference_voice.py) perform the same
 * operations in the same order.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "featgraph.h"
#include "finite.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

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
    if (!fg_row_finite(f0, n_frames * n_states) || !fg_row_finite(lc, n_frames * n_states) ||
        !fg_row_finite(f_prev, n_states) || !fg_row_finite(slope, n_states))
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

/* Correlation coefficients (means removed) cs[i] of x[p + 1, p + 1 + T) and
 * x[p + 1 + T, p + 1 + 2 T), T = lo + i, i < nc: windows as long as the lag.  Two passes
 * per lag, sums over the window ascending; 0 when either stretch is constant. */
static void pearson_lag1(const double *x, size_t p, size_t T, double *c)
{
    const double *u = x + p + 1, *w = x + p + 1 + T;
    double ma = 0.0, mb = 0.0;
    for (size_t i = 0; i < T; i++) {
        ma += u[i];
        mb += w[i];
    }
    ma /= (double)T;
    mb /= (double)T;
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < T; i++) {
        double a = u[i] - ma, b = w[i] - mb;
        ab += a * b;
        aa += a * a;
        bb += b * b;
    }
    double den = sqrt(aa * bb);
    *c = den > 0.0 ? ab / den : 0.0;
}

#if defined(__GNUC__) || defined(__clang__)
#define FG_LAGS 8
typedef double fg_v8d __attribute__((vector_size(8 * sizeof(double))));

/* Lags T0 .. T0 + 7 at once, one lag per vector lane: every lane adds the same terms in
 * the same order as pearson_lag1 (the stretch [0, T0) shared by all lanes in vectors,
 * then lane j's last j terms one by one), so each coefficient is the scalar one bit for
 * bit (no contraction into fused multiply-adds: -ffp-contract=off). */
static inline __attribute__((always_inline)) void pearson_lag8(const double *x, size_t p, size_t T0, double *cs)
{
    const double *u = x + p + 1, *w = x + p + 1 + T0;
    double su = 0.0, ma[FG_LAGS], mb[FG_LAGS];
    const fg_v8d zero = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    fg_v8d vb = zero, wi;
    for (size_t i = 0; i < T0; i++) {
        su += u[i];
        memcpy(&wi, w + i, sizeof wi);
        vb += wi;
    }
    for (size_t j = 0; j < FG_LAGS; j++) {
        size_t T = T0 + j;
        double sb = vb[j];
        const double *wj = w + j;
        for (size_t i = T0; i < T; i++)
            sb += wj[i];
        if (j > 0)
            su += u[T - 1];
        ma[j] = su / (double)T;
        mb[j] = sb / (double)T;
    }
    fg_v8d vma, vmb, vab = zero, vaa = zero, vbb = zero;
    memcpy(&vma, ma, sizeof vma);
    memcpy(&vmb, mb, sizeof vmb);
    for (size_t i = 0; i < T0; i++) {
        memcpy(&wi, w + i, sizeof wi);
        fg_v8d a = u[i] - vma, b = wi - vmb;
        vab += a * b;
        vaa += a * a;
        vbb += b * b;
    }
    for (size_t j = 0; j < FG_LAGS; j++) {
        size_t T = T0 + j;
        double ab = vab[j], aa = vaa[j], bb = vbb[j];
        const double *wj = w + j;
        for (size_t i = T0; i < T; i++) {
            double a = u[i] - ma[j], b = wj[i] - mb[j];
            ab += a * b;
            aa += a * a;
            bb += b * b;
        }
        double den = sqrt(aa * bb);
        cs[j] = den > 0.0 ? ab / den : 0.0;
    }
}
#endif

FG_CLONES_512
static void pearson_lags(const double *x, size_t p, size_t lo, size_t nc, double *cs)
{
    size_t i0 = 0;
#ifdef FG_LAGS
    /* groups of 8 lags; the last group ends at the last lag (it may redo a few lags of
     * the group before, with the same result) so that no lane reads past lo + nc - 1 */
    if (nc >= FG_LAGS) {
        for (;; i0 += FG_LAGS) {
            size_t g = i0 + FG_LAGS <= nc ? i0 : nc - FG_LAGS;
            pearson_lag8(x, p, lo + g, cs + g);
            if (g + FG_LAGS >= nc)
                break;
        }
        return;
    }
#endif
    for (; i0 < nc; i0++)
        pearson_lag1(x, p, lo + i0, cs + i0);
}

/* The lag index *k of the period; 1 when the search fails.  Two or fewer lags: the largest
 * (first on ties), never a failure.  Else *k is the largest interior local maximum (cs[k] >
 * cs[k - 1], cs[k] >= cs[k + 1], first on ties), also when a value at an end of the range is
 * larger (measured, tests/data/make_egemaps_range_refs.py), and the search fails when there
 * is none (the values rise or fall across the range; *k = 0). */
static int pick_lag(const double *cs, size_t nc, size_t *k)
{
    size_t b = 0;
    if (nc <= 2) {
        *k = nc == 2 && cs[1] > cs[0];
        return 0;
    }
    for (size_t i = 1; i + 1 < nc; i++)
        if (cs[i] > cs[i - 1] && cs[i] >= cs[i + 1] && (b == 0 || cs[i] > cs[b]))
            b = i;
    *k = b;
    return b == 0;
}

/* The fractional period and (in *peak) the correlation at it: the vertex of the parabola
 * through cs[k - 1], cs[k], cs[k + 1] when k is inside and it curves down, else T, cs[k].
 * The vertex's value decides against min_cc (measured on speech). */
static double vertex(const double *cs, size_t nc, size_t k, size_t T, double *peak)
{
    if (k > 0 && k + 1 < nc) {
        double den = cs[k - 1] - 2.0 * cs[k] + cs[k + 1];
        if (den < 0.0) {
            double d = cs[k - 1] - cs[k + 1];
            *peak = cs[k] - d * d / (8.0 * den);
            return (double)T + 0.5 * d / den;
        }
    }
    *peak = cs[k];
    return (double)T;
}

/* Peak-to-peak amplitude max - min of x[a, e), e > a. */
static double p2p(const double *x, size_t a, size_t e)
{
    double hi = x[a], lo = x[a];
    for (size_t i = a + 1; i < e; i++) {
        if (x[i] > hi)
            hi = x[i];
        if (x[i] < lo)
            lo = x[i];
    }
    return hi - lo;
}

int fg_smile_jitter(const double *sig, size_t n_sig, const double *f0, size_t n_frames,
                    size_t hop, size_t span, size_t base, double sr, double search_rel,
                    double min_cc, double *state, double *jitter, double *shimmer)
{
    if (!state || hop < 1 || base < hop || !(sr > 0.0) ||
        !(search_rel >= 0.0 && search_rel < 1.0) || !isfinite(min_cc) ||
        (n_frames > 0 && n_sig < base + hop * (n_frames - 1)))
        return FG_EINVAL;
    if (!fg_row_finite(state, 5))
        return FG_ENONFINITE;
    if (n_frames == 0)
        return FG_OK;
    if (!sig || !f0 || !jitter || !shimmer)
        return FG_EINVAL;
    if (!fg_row_finite(sig, n_sig) || !fg_row_finite(f0, n_frames))
        return FG_ENONFINITE;
    double cs[4096];
    long long p = (long long)state[0];
    double prev_t = state[1], last_j = state[2], last_s = state[3];
    int took = state[4] != 0.0;         /* the previous frame took a period */
    for (size_t t = 0; t < n_frames; t++) {
        long long b1 = (long long)(base + t * hop), b0 = b1 - (long long)hop;
        jitter[t] = shimmer[t] = 0.0;
        if (!(f0[t] > 0.0)) {
            p = -1;
            prev_t = last_j = last_s = 0.0;
            took = 0;
            continue;
        }
        double t0 = sr / f0[t];
        /* lags searched lo .. hs = floor(T0 + T0 r); the period ownership and the data
         * limit use hi = ceil(T0 + T0 r) (measured, tests/data/make_egemaps_range_refs.py:
         * T0 + T0 r is exactly 160 at 16 kHz and 110 Hz, as openSMILE's ownership shows,
         * where T0 (1 + r) is 160.00000000000003) */
        double top = t0 + t0 * search_rel;
        double lo_d = floor(t0 * (1.0 - search_rel)), hi_d = ceil(top);
        double hs_d = floor(top), l_d = floor(t0 + 0.5);
        if (lo_d < 1.0)
            lo_d = 1.0;
        if (hi_d < lo_d)
            hi_d = lo_d;
        if (hs_d < lo_d)
            hs_d = lo_d;
        if (l_d < 1.0)
            l_d = 1.0;
        if (hi_d - lo_d >= 4096.0)
            return FG_EINVAL;
        size_t lo = (size_t)lo_d, hi = (size_t)hi_d, hs = (size_t)hs_d, L = (size_t)l_d;
        int fresh = 0;
        if (p < 0 || p < b0 - (long long)span) {
            p = b1 - 1;
            prev_t = 0.0;
            fresh = 1;
        }
        double sum_t = 0.0, sum_dt = 0.0, sum_da = 0.0, sum_a = 0.0;
        size_t n_t = 0, n_dt = 0, n_try = 0;
        for (int first = 1;; first = 0) {
            /* a frame's first period: a fresh mark or one before b1 - 2; further ones
             * while p + 2 hi <= b1 + hop - 3 (measured) */
            int go = first ? (fresh || p < b1 - 2)
                           : (p + 2 * (long long)hi + 3 <= b1 + (long long)hop);
            if (!go)
                break;
            n_try++;
            double lim = (double)b1 + (double)span;
            if (lim > (double)n_sig)
                lim = (double)n_sig;
            if ((double)p + 2.0 * hi_d + 1.0 > lim) {
                p = -1;
                prev_t = 0.0;
                break;
            }
            size_t pu = (size_t)p, nc = hs - lo + 1, k = 0;
            pearson_lags(sig, pu, lo, nc, cs);
            int fail = pick_lag(cs, nc, &k);
            size_t T = lo + k;
            double peak, per = vertex(cs, nc, k, T, &peak);
            if (fail || peak < min_cc) {    /* rejected; the last period is kept */
                p += fail ? (long long)L : (long long)T;
                continue;
            }
            size_t o = T > 2 ? 2 : T - 1;   /* the amplitudes skip two samples */
            double a1 = p2p(sig, pu + o, pu + T), a2 = p2p(sig, pu + T + o, pu + 2 * T);
            sum_da += fabs(a2 - a1);
            sum_a += 0.5 * (a1 + a2);
            if (prev_t > 0.0) {
                sum_dt += fabs(per - prev_t);
                n_dt++;
            }
            sum_t += per;
            n_t++;
            prev_t = per;
            p += (long long)T;
        }
        if (n_t == 0) {     /* no period: repeat the last frame's values; jitter 0 when no
                             * mark was tried right after a frame that took a period */
            jitter[t] = n_try == 0 && took ? 0.0 : last_j;
            shimmer[t] = last_s;
            last_j = jitter[t];
            took = 0;
            continue;
        }
        jitter[t] = n_dt > 0 ? (sum_dt / (double)n_dt) / (sum_t / (double)n_t) : 0.0;
        double rel = sum_a > 0.0 ? sum_da / sum_a : 0.0;
        shimmer[t] = 20.0 * log10(1.0 + (rel < 1.0 ? rel : 1.0));
        last_j = jitter[t];
        last_s = shimmer[t];
        took = 1;
    }
    long long p_next = p - (long long)(hop * n_frames);
    state[0] = p >= 0 && p_next >= 0 ? (double)p_next : -1.0;
    state[1] = prev_t;
    state[2] = last_j;
    state[3] = last_s;
    state[4] = took;
    return FG_OK;
}

/* One row of fg_acf_nearest_peak: a strict local maximum of |r| at lag c (1 <= c <= h - 1). */
static int acf_peak(const double *r, long c)
{
    double a = fabs(r[c]);
    return (a > fabs(r[c - 1])) & (a > fabs(r[c + 1]));
}

int fg_acf_nearest_peak(const double *r, size_t n_rows, size_t half, const int64_t *k,
                        int64_t *j)
{
    if (n_rows == 0)
        return FG_OK;
    if (!r || !k || !j)
        return FG_EINVAL;
    long h = (long)half;
    for (size_t t = 0; t < n_rows; t++) {
        const double *rt = r + t * (half + 1);
        int64_t kk = k[t], jt = -1;
        if (h >= 2) {
            if (kk >= h && fabs(rt[h]) > fabs(rt[h - 1])) {
                jt = h;
            } else if (kk >= 1) {
                long kc = kk < h ? (long)kk : h;
                for (long d = 0; d < h; d++) {
                    long c = kc - d;
                    if (c >= 1 && c <= h - 1 && acf_peak(rt, c)) {
                        jt = c;
                        break;
                    }
                    c = kc + d;
                    if (d && c >= 1 && c <= h - 1 && acf_peak(rt, c)) {
                        jt = c;
                        break;
                    }
                    if (!(kc - d > 1) && !(kc + d < h - 1))
                        break;
                }
            }
        }
        j[t] = jt;
    }
    return FG_OK;
}
