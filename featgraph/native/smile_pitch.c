/*
 * openSMILE-compatible pitch front-end kernels (eGeMAPSv02's SHS pitch):
 * cSpecScale to the octave scale (peak enhancement, 3-point smoothing, natural
 * cubic spline, auditory weighting) and cPitchShs (subharmonic sum, candidate
 * peaks), frame by frame.  The numpy definitions are in reference_smile_pitch.py;
 * the spline there is scipy's CubicSpline (the same interpolant, other rounding).
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

#define LANES 8

typedef double sp_v4d __attribute__((vector_size(32)));
typedef long long sp_v4l __attribute__((vector_size(32)));

/* The natural spline through LANES interleaved frames z[k * LANES + l] (second
 * derivatives mm by the Thomas factors h, ih, cp, inv) evaluated at the targets (interval
 * seg[j], weights ca[4 j ..]), clipped at 0, times weights: the first nl lanes into out
 * (rows of n_out).  The lane loops and vector operations are elementwise: the AVX2 copy
 * (FG_CLONES) computes the same values. */
FG_CLONES FG_NO_TRAPS
static void spline_lanes(const double *z, double *mm, size_t b, const double *h,
                         const double *ih, const double *cp, const double *inv,
                         const double *ca, const size_t *seg, size_t n_out,
                         const double *weights, size_t nl, double *out)
{
    size_t last = b - 1;
    /* second derivatives: h[k-1] M[k-1] + 2 (h[k-1] + h[k]) M[k] + h[k] M[k+1] = rhs; the
     * previous row is carried in a local array so that the lane loops vectorise */
    double prev[LANES], cur[LANES];
    for (size_t l = 0; l < LANES; l++) {
        prev[l] = 0.0;
        mm[l] = 0.0;
        mm[last * LANES + l] = 0.0;
    }
    for (size_t k = 1; k < last; k++) {
        const double *zp = z + (k - 1) * LANES, *zk = z + k * LANES, *zn = z + (k + 1) * LANES;
        double hp = h[k - 1], ik = ih[k], ip = ih[k - 1], iv = inv[k];
        for (size_t l = 0; l < LANES; l++) {
            double rhs = 6.0 * ((zn[l] - zk[l]) * ik - (zk[l] - zp[l]) * ip);
            cur[l] = (rhs - hp * prev[l]) * iv;
        }
        double *mk = mm + k * LANES;
        for (size_t l = 0; l < LANES; l++)
            mk[l] = prev[l] = cur[l];
    }
    for (size_t l = 0; l < LANES; l++)
        prev[l] = 0.0;                                  /* M[last] */
    for (size_t k = last - 1; k >= 1; k--) {
        double *mk = mm + k * LANES, c = cp[k];
        for (size_t l = 0; l < LANES; l++)
            mk[l] = prev[l] = mk[l] - c * prev[l];
    }
    /* four targets at a time in vectors (lanes 0-3 and 4-7), transposed in registers so
     * that each frame's four values are stored together; the other targets (and a last
     * group of fewer than LANES frames) one by one.  No weights multiply by 1.0, which
     * leaves every value as it is; the clip keeps u where u > 0, else +0.0. */
    size_t j = 0;
    if (nl == LANES) {
        for (; j + 4 <= n_out; j += 4) {
            sp_v4d lo[4], hi[4];
            for (int q = 0; q < 4; q++) {
                size_t i = seg[j + q];
                const double *c = ca + 4 * (j + q);
                double w = weights ? weights[j + q] : 1.0;
                for (int half = 0; half < 2; half++) {
                    sp_v4d z0, z1, m0, m1;
                    memcpy(&z0, z + i * LANES + 4 * half, sizeof z0);
                    memcpy(&z1, z + (i + 1) * LANES + 4 * half, sizeof z1);
                    memcpy(&m0, mm + i * LANES + 4 * half, sizeof m0);
                    memcpy(&m1, mm + (i + 1) * LANES + 4 * half, sizeof m1);
                    sp_v4d u = c[0] * z0 + c[1] * z1 + (c[2] * m0 + c[3] * m1);
                    u = (sp_v4d)((sp_v4l)u & (u > 0.0));
                    u = u * w;
                    if (half)
                        hi[q] = u;
                    else
                        lo[q] = u;
                }
            }
            for (int half = 0; half < 2; half++) {
                sp_v4d *r = half ? hi : lo;
                sp_v4d t0 = __builtin_shuffle(r[0], r[1], (sp_v4l){0, 4, 2, 6});
                sp_v4d t1 = __builtin_shuffle(r[0], r[1], (sp_v4l){1, 5, 3, 7});
                sp_v4d t2 = __builtin_shuffle(r[2], r[3], (sp_v4l){0, 4, 2, 6});
                sp_v4d t3 = __builtin_shuffle(r[2], r[3], (sp_v4l){1, 5, 3, 7});
                sp_v4d col[4] = {__builtin_shuffle(t0, t2, (sp_v4l){0, 1, 4, 5}),
                                 __builtin_shuffle(t1, t3, (sp_v4l){0, 1, 4, 5}),
                                 __builtin_shuffle(t0, t2, (sp_v4l){2, 3, 6, 7}),
                                 __builtin_shuffle(t1, t3, (sp_v4l){2, 3, 6, 7})};
                for (int l = 0; l < 4; l++)
                    memcpy(out + (size_t)(4 * half + l) * n_out + j, &col[l], sizeof col[l]);
            }
        }
    }
    for (; j < n_out; j++) {
        size_t i = seg[j];
        const double *c = ca + 4 * j;
        const double *z0 = z + i * LANES, *z1 = z0 + LANES;
        const double *m0 = mm + i * LANES, *m1 = m0 + LANES;
        double w = weights ? weights[j] : 1.0;
        for (size_t l = 0; l < nl; l++) {
            double u = c[0] * z0[l] + c[1] * z1[l] + (c[2] * m0[l] + c[3] * m1[l]);
            u = u > 0.0 ? u : 0.0;
            out[l * n_out + j] = u * w;
        }
    }
}

/* One frame's peak enhancement and smoothing (fg_smile_spec_scale's steps 1 and 2) into
 * zs[k * LANES], k = 0 .. b - 1 (the frame's lane of the interleaved block, written
 * directly), in vector loops; the finiteness check of the row is folded into the maxima
 * sweep.  Returns 0 (zs untouched) when m holds a value that is not finite, else 1.
 * Enhancement keeps bin i unless it lies strictly between the first and the last local
 * maximum with no maximum within two bins (the bins a+3 .. b-3 between consecutive maxima
 * a < b of the definition); p holds b + 4 flags (the maxima, two zero flags either side),
 * y the enhanced frame.  Each kept value is m[i], each other 0.0, and the smoothing sums
 * are the same expressions: the values are those of the plain loops. */
FG_CLONES FG_NO_TRAPS
static int enhance_smooth(const double *m, size_t b, int enhance, int smooth,
                          unsigned char *p, double *y, double *zs)
{
    size_t last = b - 1;
    const double *v = m;
    int ok = 1;
    if (enhance) {
        unsigned char *q = p + 2;
        q[-2] = q[-1] = q[b] = q[b + 1] = 0;
        q[0] = m[0] > m[1];
        for (size_t k = 1; k < last; k++) {
            ok &= fabs(m[k]) <= DBL_MAX;
            q[k] = (unsigned char)((m[k] > m[k - 1]) & (m[k] > m[k + 1]));
        }
        ok &= (fabs(m[0]) <= DBL_MAX) & (fabs(m[last]) <= DBL_MAX);
        if (!ok)
            return 0;
        q[last] = m[last] > m[last - 1];
        size_t first = 0, lastpk = 0;
        while (first < b && !q[first])
            first++;
        if (first < b) {
            lastpk = last;
            while (!q[lastpk])
                lastpk--;
        }
        for (size_t i = 0; i < b; i++) {
            int near = p[i] | p[i + 1] | p[i + 2] | p[i + 3] | p[i + 4];    /* q[i-2 .. i+2] */
            int zero = (i > first) & (i < lastpk) & !near;
            y[i] = zero ? 0.0 : m[i];
        }
        v = y;
    } else if (!fg_row_finite(m, b)) {
        return 0;
    }
    if (smooth) {
        zs[0] = 0.5 * v[0] + 0.25 * v[1];
        for (size_t k = 1; k < last; k++)
            zs[k * LANES] = 0.25 * v[k - 1] + 0.5 * v[k] + 0.25 * v[k + 1];
        zs[last * LANES] = v[last];
    } else {
        for (size_t k = 0; k < b; k++)
            zs[k * LANES] = v[k];
    }
    return 1;
}

int fg_smile_spec_scale(const double *in, size_t n_frames, size_t n_bins, const double *knots,
                        const double *targets, size_t n_out, const double *weights,
                        int enhance, int smooth, double *out)
{
    if (n_bins < 4 || n_out == 0)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (!in || !knots || !targets || !out)
        return FG_EINVAL;
    size_t b = n_bins, last = b - 1;
    for (size_t k = 0; k < b; k++)
        if (!isfinite(knots[k]) || (k && !(knots[k] > knots[k - 1])))
            return FG_EINVAL;
    for (size_t j = 0; j < n_out; j++)
        if (!isfinite(targets[j]) || (weights && !isfinite(weights[j])))
            return FG_EINVAL;
    /* precomputed: Thomas factors of the natural spline's system for the second
     * derivatives M (M_0 = M_last = 0), and per target its interval and weights */
    double *h = malloc(b * sizeof(double));
    double *ih = malloc(b * sizeof(double));
    double *cp = malloc(b * sizeof(double));
    double *inv = malloc(b * sizeof(double));
    double *y = malloc(b * sizeof(double));
    double *z = malloc(LANES * b * sizeof(double));
    double *mm = malloc(LANES * b * sizeof(double));
    double *ca = malloc(4 * n_out * sizeof(double));
    size_t *seg = malloc(n_out * sizeof(size_t));
    unsigned char *pks = malloc(b + 4);
    int status = FG_OK;
    if (!h || !ih || !cp || !inv || !y || !z || !mm || !ca || !seg || !pks) {
        status = FG_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < last; k++) {
        h[k] = knots[k + 1] - knots[k];
        ih[k] = 1.0 / h[k];
    }
    cp[0] = 0.0;
    for (size_t k = 1; k < last; k++) {
        double den = 2.0 * (h[k - 1] + h[k]) - h[k - 1] * cp[k - 1];
        inv[k] = 1.0 / den;
        cp[k] = h[k] * inv[k];
    }
    {
        size_t i = 0;
        for (size_t j = 0; j < n_out; j++) {
            double t = targets[j];
            /* targets are usually increasing: walk forward, restart otherwise */
            if (j && t < targets[j - 1])
                i = 0;
            while (i + 1 < last && t > knots[i + 1])
                i++;
            double hh = h[i];
            double a = (knots[i + 1] - t) / hh, bb = (t - knots[i]) / hh;
            seg[j] = i;
            ca[4 * j] = a;
            ca[4 * j + 1] = bb;
            ca[4 * j + 2] = (a * a * a - a) * hh * hh / 6.0;
            ca[4 * j + 3] = (bb * bb * bb - bb) * hh * hh / 6.0;
        }
    }
    /* LANES frames at a time, interleaved (z[k * LANES + l]) so that the recursions of
     * the spline solve run side by side; each frame's arithmetic is unchanged */
    for (size_t t0 = 0; t0 < n_frames; t0 += LANES) {
        size_t nl = n_frames - t0 < LANES ? n_frames - t0 : LANES;
        for (size_t l = 0; l < LANES; l++) {
            const double *m = in + (t0 + (l < nl ? l : 0)) * b;
            if (!enhance_smooth(m, b, enhance, smooth, pks, y, z + l)) {
                status = FG_ENONFINITE;
                goto done;
            }
        }
        spline_lanes(z, mm, b, h, ih, cp, inv, ca, seg, n_out, weights, nl,
                     out + t0 * n_out);
    }
done:
    free(h);
    free(ih);
    free(cp);
    free(inv);
    free(y);
    free(z);
    free(mm);
    free(ca);
    free(seg);
    free(pks);
    return status;
}

/* s[i] = (sum over n of gains[n] x[i + shifts[n]]) / hn (terms past the last bin left
 * out), n ascending, from 0.0: elementwise, so the vector copies (FG_CLONES_512) give the
 * same values.  Tiles of SHS_TILE bins are summed over all harmonics in registers. */
#define SHS_TILE 32
FG_CLONES_512
static void shs_sum(const double *x, size_t b, const int32_t *shifts, const double *gains,
                    size_t n_harmonics, double hn, double *s)
{
    for (size_t i0 = 0; i0 < b; i0 += SHS_TILE) {
        size_t m = b - i0 < SHS_TILE ? b - i0 : SHS_TILE;
        double acc[SHS_TILE];
        for (size_t j = 0; j < SHS_TILE; j++)
            acc[j] = 0.0;
        for (size_t n = 0; n < n_harmonics; n++) {
            size_t k = (size_t)shifts[n];
            if (k >= b - i0)
                continue;
            size_t e = b - i0 - k;                      /* bins i0 + j with i0 + j + k < b */
            const double *xk = x + i0 + k;
            double g = gains[n];
            if (e >= SHS_TILE) {
                for (size_t j = 0; j < SHS_TILE; j++)
                    acc[j] += g * xk[j];
            } else {
                for (size_t j = 0; j < e; j++)
                    acc[j] += g * xk[j];
            }
        }
        for (size_t j = 0; j < m; j++)
            s[i0 + j] = acc[j] / hn;
    }
}

int fg_smile_shs(const double *x, size_t n_frames, size_t n_bins, const int32_t *shifts,
                 const double *gains, size_t n_harmonics, size_t lo, size_t hi,
                 size_t n_cand, double fmin, double step, double f_lo, double f_hi,
                 double *f0, double *voicing, double *score)
{
    if (n_bins < 4 || n_harmonics == 0 || n_cand == 0 || n_cand > 64 || lo < 1 ||
        hi + 2 > n_bins)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (!x || !shifts || !gains || !f0 || !voicing || !score)
        return FG_EINVAL;
    for (size_t n = 0; n < n_harmonics; n++)
        if (shifts[n] < 0 || !isfinite(gains[n]))
            return FG_EINVAL;
    if (!isfinite(fmin) || !isfinite(step) || isnan(f_lo) || isnan(f_hi))
        return FG_EINVAL;
    size_t b = n_bins;
    double *s = malloc(b * sizeof(double));
    size_t *pk = malloc((b + 1) * sizeof(size_t));
    if (!s || !pk) {
        free(s);
        free(pk);
        return FG_ENOMEM;
    }
    double hn = (double)n_harmonics;
    for (size_t t = 0; t < n_frames; t++) {
        const double *xt = x + t * b;
        if (!fg_row_finite(xt, b)) {
            free(s);
            free(pk);
            return FG_ENONFINITE;
        }
        shs_sum(xt, b, shifts, gains, n_harmonics, hn, s);
        /* the sum of S ascending; alongside, the peaks (S[i] > S[i - 1], S[i] >= S[i + 1],
         * lo <= i <= hi) listed in increasing order without branches on the data */
        double sum = 0.0;
        size_t np = 0, i = 0, a = hi >= lo ? lo : b;
        for (; i < a; i++)
            sum += s[i];
        for (; i <= hi; i++) {
            sum += s[i];
            pk[np] = i;
            np += (s[i] > s[i - 1]) & (s[i] >= s[i + 1]);
        }
        for (; i < b; i++)
            sum += s[i];
        double mean = sum / (double)b;
        double raw[64], top[64], pos[64];
        size_t at_i[64], nk = 0, nr = 0;
        if (hi >= lo) {
            /* the n_cand highest peaks by S[i], decreasing; ties keep the lower index first */
            for (size_t e = 0; e < np; e++) {
                size_t i = pk[e];
                double m = s[i];
                size_t at = nr;
                while (at > 0 && raw[at - 1] < m)
                    at--;
                if (at >= n_cand)
                    continue;
                size_t end = nr < n_cand ? nr : n_cand - 1;
                for (size_t q = end; q > at; q--) {
                    raw[q] = raw[q - 1];
                    at_i[q] = at_i[q - 1];
                }
                raw[at] = m;
                at_i[at] = i;
                if (nr < n_cand)
                    nr++;
            }
        }
        /* refined by the parabola; those outside [f_lo, f_hi] dropped, order kept */
        for (size_t q = 0; q < nr; q++) {
            size_t i = at_i[q];
            double l = s[i - 1], m = s[i], r = s[i + 1];
            double den = l - 2.0 * m + r;
            double d = den != 0.0 ? 0.5 * (l - r) / den : 0.0;
            double p = (double)i + d;
            double f = fmin * pow(2.0, p * step);
            if (!(f >= f_lo && f <= f_hi))
                continue;
            top[nk] = m - 0.25 * (l - r) * d;
            pos[nk] = p;
            nk++;
        }
        /* the highest refined height swapped into the first place */
        size_t best = 0;
        for (size_t q = 1; q < nk; q++)
            if (top[q] > top[best])
                best = q;
        if (best > 0) {
            double th = top[0], tp = pos[0];
            top[0] = top[best];
            pos[0] = pos[best];
            top[best] = th;
            pos[best] = tp;
        }
        double *ft = f0 + t * n_cand, *vt = voicing + t * n_cand, *st = score + t * n_cand;
        for (size_t q = 0; q < n_cand; q++) {
            if (q < nk) {
                double v = top[q] > 0.0 ? 1.0 - mean / top[q] : 0.0;
                ft[q] = fmin * pow(2.0, pos[q] * step);
                vt[q] = v > 0.0 ? v : 0.0;
                st[q] = top[q];
            } else {
                ft[q] = vt[q] = st[q] = 0.0;
            }
        }
    }
    free(s);
    free(pk);
    return FG_OK;
}

/* One frame of fg_smile_harmonic_peaks: x (n_bins values, finite), F0 f0b in bins; m, f,
 * r, ok the frame's n_harmonics outputs. */
static void harmonic_row(const double *x, long nb, double f0b, size_t n_harmonics, double *m,
                         double *f, double *r, uint8_t *ok)
{
    int all = 1;
    for (size_t q = 0; q < n_harmonics; q++) {
        double start = f0b * (double)(q + 1);
        int here = start < (double)(nb - 1);
        long j = here ? (long)floor(start + 0.5) : 0;
        if (here) {
            /* the nearest strict local maximum, the right one first on a tie */
            long j0 = j;
            for (long d = 0; j0 + d <= nb - 2 || j0 - d >= 1; d++) {
                long k = j0 + d;
                if (k >= 1 && k <= nb - 2 && x[k] > x[k - 1] && x[k] > x[k + 1]) {
                    j = k;
                    break;
                }
                k = j0 - d;
                if (d > 0 && k >= 1 && k <= nb - 2 && x[k] > x[k - 1] && x[k] > x[k + 1]) {
                    j = k;
                    break;
                }
            }
        }
        here = here && j > 0 && j < nb - 1;
        all = all && here;
        ok[q] = (uint8_t)all;
        long jc = j < 1 ? 1 : (j > nb - 2 ? nb - 2 : j);
        double a = x[jc - 1], b = x[jc], c = x[jc + 1];
        double den = a - 2.0 * b + c;
        double p = den != 0.0 ? 0.5 * (a - c) / den : 0.0;
        m[q] = b - 0.25 * (a - c) * p;
        f[q] = (double)jc + p;
        r[q] = b;
    }
}

/* The harmonic peaks of frames t = 0 .. n_frames-1, read from row rows[t] of mag (row t
   when rows is NULL); the shared body of the two entry points below. */
static int harmonic_frames(const double *mag, const int64_t *rows, size_t n_bins,
                           size_t n_frames, const double *f0_bins, size_t n_harmonics,
                           double *m, double *f, double *r, uint8_t *ok)
{
    for (size_t t = 0; t < n_frames; t++) {
        const double *x = mag + (rows ? (size_t)rows[t] : t) * n_bins;
        if (!fg_row_finite(x, n_bins))
            return FG_ENONFINITE;
        if (!isfinite(f0_bins[t]))
            return FG_ENONFINITE;
        size_t o = t * n_harmonics;
        harmonic_row(x, (long)n_bins, f0_bins[t], n_harmonics, m + o, f + o, r + o, ok + o);
    }
    return FG_OK;
}

int fg_smile_harmonic_peaks(const double *mag, size_t n_frames, size_t n_bins,
                            const double *f0_bins, size_t n_harmonics, double *m, double *f,
                            double *r, uint8_t *ok)
{
    if (n_bins < 3 || n_harmonics == 0)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (!mag || !f0_bins || !m || !f || !r || !ok)
        return FG_EINVAL;
    return harmonic_frames(mag, NULL, n_bins, n_frames, f0_bins, n_harmonics, m, f, r, ok);
}

int fg_smile_harmonic_peaks_rows(const double *mag, size_t n_total, size_t n_bins,
                                 const int64_t *rows, size_t n_frames, const double *f0_bins,
                                 size_t n_harmonics, double *m, double *f, double *r,
                                 uint8_t *ok)
{
    if (n_bins < 3 || n_harmonics == 0)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (!mag || !rows || !f0_bins || !m || !f || !r || !ok)
        return FG_EINVAL;
    for (size_t t = 0; t < n_frames; t++)
        if (rows[t] < 0 || (uint64_t)rows[t] >= (uint64_t)n_total)
            return FG_EINVAL;
    return harmonic_frames(mag, rows, n_bins, n_frames, f0_bins, n_harmonics, m, f, r, ok);
}

int fg_smile_formant_peaks(const double *m, const double *f, const double *r,
                           const uint8_t *ok, size_t n_frames, size_t n_harmonics, double df,
                           const double *fc, size_t n_fc, double lo, double hi, double *amp,
                           uint8_t *found)
{
    if (n_harmonics == 0)
        return FG_EINVAL;
    if (n_frames == 0 || n_fc == 0)
        return FG_OK;
    if (!m || !f || !r || !ok || !fc || !amp || !found)
        return FG_EINVAL;
    for (size_t t = 0; t < n_frames; t++) {
        const double *mt = m + t * n_harmonics, *ft = f + t * n_harmonics;
        const double *rt = r + t * n_harmonics;
        const uint8_t *okt = ok + t * n_harmonics;
        for (size_t j = 0; j < n_fc; j++) {
            double c = fc[t * n_fc + j], a = lo * c, b = hi * c;
            long best = -1;
            if (c > 0.0)
                for (size_t h = 1; h < n_harmonics; h++) {
                    double fh = ft[h] * df;
                    if (okt[h] && fh >= a && fh <= b && (best < 0 || rt[h] > rt[best]))
                        best = (long)h;
                }
            amp[t * n_fc + j] = best >= 0 ? mt[best] : 0.0;
            found[t * n_fc + j] = (uint8_t)(best >= 0);
        }
    }
    return FG_OK;
}
