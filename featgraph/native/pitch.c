/*
 * Pitch kernels: YIN's trough pick, pYIN's trough probabilities and the
 * Viterbi decoding of pYIN's pitch/voicing HMM.
 *
 * de Cheveigne and Kawahara, "YIN, a fundamental frequency estimator for
 * speech and music", JASA 111(4), 2002 (steps 4-5); Mauch and Dixon, "pYIN: a
 * fundamental frequency estimator using probabilistic threshold
 * distributions", ICASSP 2014; conventions of librosa 0.11's yin / pyin /
 * sequence.viterbi.  The numpy definitions (reference_pitch.py) perform the
 * same operations in the same order.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static int is_trough(const double *c, size_t n, size_t k)
{
    if (k == 0)
        return c[0] < c[1];
    if (k == n - 1)
        return c[k] < c[k - 1];
    return c[k] < c[k - 1] && c[k] <= c[k + 1];
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

int fg_yin_pick(const double *cmnd, size_t n_frames, size_t n_lags, double threshold,
                double *pos)
{
    if (n_lags < 3 || (n_frames > 0 && (cmnd == NULL || pos == NULL)))
        return FG_EINVAL;
    if (n_frames > SIZE_MAX / n_lags)
        return FG_EINVAL;
    if (!all_finite(cmnd, n_frames * n_lags))
        return FG_ENONFINITE;
    for (size_t t = 0; t < n_frames; t++) {
        const double *c = cmnd + t * n_lags;
        size_t k = 0, best = 0;
        int found = 0;
        for (k = 0; k < n_lags; k++) {
            if (c[k] < threshold && is_trough(c, n_lags, k)) {
                found = 1;
                break;
            }
            if (c[k] < c[best])
                best = k;
        }
        if (!found) {
            k = best;
        }
        double shift = 0.0;
        if (k > 0 && k < n_lags - 1) {
            double a = c[k + 1] + c[k - 1] - 2 * c[k];
            double b = (c[k + 1] - c[k - 1]) / 2;
            if (fabs(b) < fabs(a))
                shift = -b / a;
        }
        pos[t] = (double)k + shift;
    }
    return FG_OK;
}

int fg_pyin_trough_probs(const double *cmnd, size_t n_frames, size_t n_lags,
                         size_t n_thresholds, const double *thresholds, const double *beta,
                         const double *beta_prefix, const double *fact, const double *decay,
                         double no_trough_prob, double *probs)
{
    if (n_lags < 3 || n_thresholds == 0 || (n_frames > 0 && (cmnd == NULL || probs == NULL)) ||
        thresholds == NULL || beta == NULL || beta_prefix == NULL || fact == NULL ||
        decay == NULL)
        return FG_EINVAL;
    if (n_frames > SIZE_MAX / n_lags)
        return FG_EINVAL;
    if (!all_finite(cmnd, n_frames * n_lags))
        return FG_ENONFINITE;
    size_t *idx = malloc(n_lags * sizeof(size_t));
    size_t *rank = malloc(n_lags * sizeof(size_t));
    double *p = malloc(n_lags * sizeof(double));
    if (idx == NULL || rank == NULL || p == NULL) {
        free(idx);
        free(rank);
        free(p);
        return FG_ENOMEM;
    }
    for (size_t t = 0; t < n_frames; t++) {
        const double *c = cmnd + t * n_lags;
        double *out = probs + t * n_lags;
        size_t n_tr = 0, g = 0;
        for (size_t k = 0; k < n_lags; k++) {
            out[k] = 0.0;
            if (is_trough(c, n_lags, k)) {
                if (n_tr == 0 || c[k] < c[idx[g]])
                    g = n_tr;
                idx[n_tr] = k;
                p[n_tr] = 0.0;
                n_tr++;
            }
        }
        if (n_tr == 0)
            continue;
        for (size_t m = 0; m < n_thresholds; m++) {
            size_t below = 0;
            for (size_t r = 0; r < n_tr; r++)
                if (c[idx[r]] < thresholds[m])
                    rank[r] = below++;
            if (below == 0)
                continue;
            /* p += prior * beta[m]; troughs not below get a prior of 0 (adds +0.0) */
            for (size_t r = 0; r < n_tr; r++) {
                double prior = c[idx[r]] < thresholds[m] ? fact[below] * decay[rank[r]] : 0.0;
                p[r] = p[r] + prior * beta[m];
            }
        }
        size_t not_below = 0;
        for (size_t m = 0; m < n_thresholds; m++)
            if (!(c[idx[g]] < thresholds[m]))
                not_below++;
        p[g] += no_trough_prob * beta_prefix[not_below];
        for (size_t r = 0; r < n_tr; r++)
            out[idx[r]] = p[r];
    }
    free(idx);
    free(rank);
    free(p);
    return FG_OK;
}

/* First maximum of the prefix / suffix of out[v] = value[v] + floor. */
static void prefix_suffix(const double *value, size_t n, double floor, double *pre_v,
                          int32_t *pre_i, double *suf_v, int32_t *suf_i)
{
    for (size_t i = 0; i < n; i++) {
        double x = value[i] + floor;
        if (i == 0 || x > pre_v[i - 1]) {
            pre_v[i] = x;
            pre_i[i] = (int32_t)i;
        } else {
            pre_v[i] = pre_v[i - 1];
            pre_i[i] = pre_i[i - 1];
        }
    }
    for (size_t k = n; k-- > 0;) {
        double x = value[k] + floor;
        if (k == n - 1 || x >= suf_v[k + 1]) {
            suf_v[k] = x;
            suf_i[k] = (int32_t)k;
        } else {
            suf_v[k] = suf_v[k + 1];
            suf_i[k] = suf_i[k + 1];
        }
    }
}

/* Sliding maximum of value over the window [j - h, j + h] (clipped). */
static void window_max(const double *value, size_t n, size_t h, double *pm, double *sm,
                       double *wmax)
{
    size_t w = 2 * h + 1;
    for (size_t i = 0; i < n; i++)
        pm[i] = (i % w == 0 || value[i] > pm[i - 1]) ? value[i] : pm[i - 1];
    for (size_t k = n; k-- > 0;)
        sm[k] = (k == n - 1 || (k + 1) % w == 0 || value[k] > sm[k + 1]) ? value[k] : sm[k + 1];
    for (size_t j = 0; j < n; j++) {
        size_t lo = j > h ? j - h : 0, hi = j + h < n ? j + h : n - 1;
        if (lo / w == hi / w) {
            double m = value[lo];
            for (size_t i = lo + 1; i <= hi; i++)
                m = value[i] > m ? value[i] : m;
            wmax[j] = m;
        } else {
            wmax[j] = sm[lo] > pm[hi] ? sm[lo] : pm[hi];
        }
    }
}

/* max_k (a[k] + b[k]) over k < len (len >= 1); every sum is an IEEE double addition,
 * as in the scalar loop, so the maximum is one of the candidates bit for bit. */
static double sum_max(const double *a, const double *b, size_t len)
{
    size_t k = 0;
#if defined(__SSE2__) || defined(_M_X64)
    __m128d m0 = _mm_set1_pd(-INFINITY), m1 = m0;
    for (; k + 4 <= len; k += 4) {
        m0 = _mm_max_pd(m0, _mm_add_pd(_mm_loadu_pd(a + k), _mm_loadu_pd(b + k)));
        m1 = _mm_max_pd(m1, _mm_add_pd(_mm_loadu_pd(a + k + 2), _mm_loadu_pd(b + k + 2)));
    }
    double lanes[2];
    _mm_storeu_pd(lanes, _mm_max_pd(m0, m1));
    double m = lanes[0] > lanes[1] ? lanes[0] : lanes[1];
#else
    double m0 = -INFINITY, m1 = -INFINITY, m2 = -INFINITY, m3 = -INFINITY;
    for (; k + 4 <= len; k += 4) {
        double c0 = a[k] + b[k], c1 = a[k + 1] + b[k + 1];
        double c2 = a[k + 2] + b[k + 2], c3 = a[k + 3] + b[k + 3];
        m0 = c0 > m0 ? c0 : m0;
        m1 = c1 > m1 ? c1 : m1;
        m2 = c2 > m2 ? c2 : m2;
        m3 = c3 > m3 ? c3 : m3;
    }
    double m = m0 > m1 ? m0 : m1;
    m = m2 > m ? m2 : m;
    m = m3 > m ? m3 : m;
#endif
    for (; k < len; k++) {
        double c = a[k] + b[k];
        m = c > m ? c : m;
    }
    return m;
}

int fg_viterbi_pitch(const double *log_obs, size_t n_frames, size_t n_bins, size_t half_width,
                     const double *log_stay, const double *log_switch, double log_floor,
                     double *value, uint16_t *ptr)
{
    size_t n = n_bins, h = half_width, n_states = 2 * n_bins, cols;
    if (n == 0 || n > 32767 || value == NULL || log_stay == NULL || log_switch == NULL ||
        (n_frames > 0 && (log_obs == NULL || ptr == NULL)))
        return FG_EINVAL;
    if (n_frames > SIZE_MAX / n_states || h > SIZE_MAX / 4 / n)
        return FG_EINVAL;
    cols = 2 * h + 1;
    if (!isfinite(log_floor) || !all_finite(value, n_states) ||
        !all_finite(log_obs, n_frames * n_states) || !all_finite(log_stay, cols * n) ||
        !all_finite(log_switch, cols * n))
        return FG_ENONFINITE;
    double tmax[2] = {-INFINITY, -INFINITY};
    for (size_t k = 0; k < cols * n; k++) {
        tmax[0] = log_stay[k] > tmax[0] ? log_stay[k] : tmax[0];
        tmax[1] = log_switch[k] > tmax[1] ? log_switch[k] : tmax[1];
    }
    double *work = malloc((8 * n + n_states) * sizeof(double));
    int32_t *iwork = malloc(4 * n * sizeof(int32_t));
    if (work == NULL || iwork == NULL) {
        free(work);
        free(iwork);
        return FG_ENOMEM;
    }
    double *pre_v = work, *suf_v = work + 2 * n, *wmax = work + 4 * n, *scratch = work + 6 * n;
    double *next = work + 8 * n;
    int32_t *pre_i = iwork, *suf_i = iwork + 2 * n;
    for (size_t t = 0; t < n_frames; t++) {
        const double *obs = log_obs + t * n_states;
        uint16_t *pt = ptr + t * n_states;
        for (size_t v = 0; v < 2; v++) {
            prefix_suffix(value + v * n, n, log_floor, pre_v + v * n, pre_i + v * n,
                          suf_v + v * n, suf_i + v * n);
            window_max(value + v * n, n, h, scratch, scratch + n, wmax + v * n);
        }
        for (size_t w = 0; w < 2; w++) {
            for (size_t j = 0; j < n; j++) {
                size_t lo = j > h ? j - h : 0, hi = j + h < n ? j + h : n - 1;
                size_t k0 = lo + h - j, len = hi - lo + 1;    /* table columns k0 .. */
                double out_max = -INFINITY, band[2];
                for (size_t v = 0; v < 2; v++) {
                    if (j > h && pre_v[v * n + j - h - 1] > out_max)
                        out_max = pre_v[v * n + j - h - 1];
                    if (j + h + 1 < n && suf_v[v * n + j + h + 1] > out_max)
                        out_max = suf_v[v * n + j + h + 1];
                }
                /* band maxima; the voiced one first unless it cannot beat the rest
                 * (each of its candidates is <= wmax + tmax; fl() is monotone) */
                size_t order[2] = {1, 0};
                double known = out_max;
                for (size_t o = 0; o < 2; o++) {
                    size_t v = order[o];
                    band[v] = -INFINITY;
                    if (wmax[v * n + j] + tmax[v != w] < known)
                        continue;
                    const double *tab = (v == w ? log_stay : log_switch) + j * cols + k0;
                    band[v] = sum_max(value + v * n + lo, tab, len);
                    known = band[v] > known ? band[v] : known;
                }
                /* the first maximum in state order: below-band, band, above-band, per block */
                double best = -INFINITY;
                int32_t arg = 0;
                for (size_t v = 0; v < 2; v++) {
                    int32_t base = (int32_t)(v * n);
                    if (j > h && pre_v[v * n + j - h - 1] > best) {
                        best = pre_v[v * n + j - h - 1];
                        arg = base + pre_i[v * n + j - h - 1];
                    }
                    if (band[v] > best) {
                        const double *tab = (v == w ? log_stay : log_switch) + j * cols + k0;
                        const double *val = value + v * n + lo;
                        size_t k = 0;
                        while (val[k] + tab[k] != band[v])
                            k++;
                        best = band[v];
                        arg = base + (int32_t)(lo + k);
                    }
                    if (j + h + 1 < n && suf_v[v * n + j + h + 1] > best) {
                        best = suf_v[v * n + j + h + 1];
                        arg = base + suf_i[v * n + j + h + 1];
                    }
                }
                next[w * n + j] = obs[w * n + j] + best;
                pt[w * n + j] = (uint16_t)arg;
            }
        }
        for (size_t s = 0; s < n_states; s++)
            value[s] = next[s];
    }
    free(work);
    free(iwork);
    return FG_OK;
}

int fg_viterbi_backtrack(const uint16_t *ptr, size_t n_frames, size_t n_states, size_t last,
                         int32_t *states)
{
    if (n_frames == 0)
        return FG_OK;
    if (ptr == NULL || states == NULL || n_states == 0 || last >= n_states ||
        n_frames > SIZE_MAX / n_states)
        return FG_EINVAL;
    states[n_frames - 1] = (int32_t)last;
    for (size_t t = n_frames - 1; t-- > 0;) {
        size_t s = ptr[(t + 1) * n_states + (size_t)states[t + 1]];
        if (s >= n_states)
            return FG_EINVAL;
        states[t] = (int32_t)s;
    }
    return FG_OK;
}

int fg_acf_combine(const double *spec, size_t n_blocks, size_t n_bins, size_t m, size_t q,
                   const double *phase, double *work, double *out)
{
    if (m == 0 || q >= m || n_bins == 0 || n_blocks < m || spec == NULL || phase == NULL ||
        work == NULL || out == NULL)
        return FG_EINVAL;
    if (n_blocks > SIZE_MAX / 2 / n_bins / (q + 1))
        return FG_EINVAL;
    size_t stride = 2 * n_bins, plane = n_blocks * stride, n_frames = n_blocks - m + 1;
    if (!all_finite(spec, n_blocks * stride) || !all_finite(phase, (q + 1) * stride))
        return FG_ENONFINITE;
    /* S_r[g] = sum_{j <= r} conj(B_g) (phase_j B_{g+j}), r = 0 .. q (while g + r < G) */
    for (size_t g = 0; g < n_blocks; g++) {
        const double *restrict b = spec + g * stride;
        for (size_t j = 0; j <= q && g + j < n_blocks; j++) {
            const double *restrict c = spec + (g + j) * stride;
            const double *restrict p = phase + j * stride;
            const double *restrict prev = work + (j ? j - 1 : 0) * plane + g * stride;
            double *restrict acc = work + j * plane + g * stride;
            for (size_t f = 0; f < n_bins; f++) {
                double wr = p[2 * f] * c[2 * f] - p[2 * f + 1] * c[2 * f + 1];
                double wi = p[2 * f] * c[2 * f + 1] + p[2 * f + 1] * c[2 * f];
                double ar = b[2 * f] * wr + b[2 * f + 1] * wi;
                double ai = b[2 * f] * wi - b[2 * f + 1] * wr;
                acc[2 * f] = (j ? prev[2 * f] : 0.0) + ar;
                acc[2 * f + 1] = (j ? prev[2 * f + 1] : 0.0) + ai;
            }
        }
    }
    /* P_t = sum_{i < m} S_{min(q, m - 1 - i)}[t + i] */
    for (size_t t = 0; t < n_frames; t++) {
        double *restrict o = out + t * stride;
        for (size_t k = 0; k < stride; k++)
            o[k] = 0.0;
        for (size_t i = 0; i < m; i++) {
            size_t r = m - 1 - i < q ? m - 1 - i : q;
            const double *restrict s = work + r * plane + (t + i) * stride;
            for (size_t k = 0; k < stride; k++)
                o[k] += s[k];
        }
    }
    return FG_OK;
}

int fg_yin_cmnd(const double *acf, size_t n_frames, size_t acf_stride, const double *frames,
                size_t frame_stride, size_t min_period, size_t max_period, double *out)
{
    if (min_period < 1 || max_period <= min_period || acf_stride < max_period + 1 ||
        frame_stride < max_period || (n_frames > 0 && (acf == NULL || frames == NULL ||
                                                       out == NULL)))
        return FG_EINVAL;
    size_t n_out = max_period - min_period + 1;
    for (size_t t = 0; t < n_frames; t++) {
        const double *r = acf + t * acf_stride, *x = frames + t * frame_stride;
        double *o = out + t * n_out;
        double energy = 0.0, sum = 0.0;
        for (size_t k = 1; k <= max_period; k++) {
            /* E_k = sum_{n < k} x[n]^2 with E_1 = 0 (librosa) */
            energy += x[k - 1] * x[k - 1];
            double e = k == 1 ? 0.0 : energy;
            double d = 2 * (r[0] - r[k]) - e;
            if (!isfinite(d))
                return FG_ENONFINITE;
            sum += d;
            if (k >= min_period)
                o[k - min_period] = d / (sum / (double)k + DBL_MIN);
        }
    }
    return FG_OK;
}
