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
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

int fg_viterbi_pitch(const double *log_obs, size_t n_frames, size_t n_bins, size_t half_width,
                     const double *log_stay, const double *log_switch, double log_floor,
                     double *value, uint16_t *ptr)
{
    size_t n = n_bins, h = half_width, n_states = 2 * n_bins;
    if (n == 0 || n > 32767 || value == NULL || log_stay == NULL || log_switch == NULL ||
        (n_frames > 0 && (log_obs == NULL || ptr == NULL)))
        return FG_EINVAL;
    if (n_frames > SIZE_MAX / n_states || h > SIZE_MAX / 4 / n)
        return FG_EINVAL;
    if (!isfinite(log_floor) || !all_finite(value, n_states) ||
        !all_finite(log_obs, n_frames * n_states) || !all_finite(log_stay, (2 * h + 1) * n) ||
        !all_finite(log_switch, (2 * h + 1) * n))
        return FG_ENONFINITE;
    double *work = malloc((4 * n + n + n_states) * sizeof(double));
    int32_t *iwork = malloc((4 * n + n) * sizeof(int32_t));
    if (work == NULL || iwork == NULL) {
        free(work);
        free(iwork);
        return FG_ENOMEM;
    }
    double *pre_v = work, *suf_v = work + 2 * n, *best = work + 4 * n, *next = work + 5 * n;
    int32_t *pre_i = iwork, *suf_i = iwork + 2 * n, *arg = iwork + 4 * n;
    for (size_t t = 0; t < n_frames; t++) {
        const double *obs = log_obs + t * n_states;
        uint16_t *pt = ptr + t * n_states;
        for (size_t v = 0; v < 2; v++)
            prefix_suffix(value + v * n, n, log_floor, pre_v + v * n, pre_i + v * n,
                          suf_v + v * n, suf_i + v * n);
        for (size_t w = 0; w < 2; w++) {
            for (size_t j = 0; j < n; j++) {
                best[j] = -INFINITY;
                arg[j] = 0;
            }
            for (size_t v = 0; v < 2; v++) {
                const double *val = value + v * n;
                const double *tab = v == w ? log_stay : log_switch;
                int32_t base = (int32_t)(v * n);
                /* sources below the band: i <= j - h - 1 */
                for (size_t j = h + 1; j < n; j++) {
                    double c = pre_v[v * n + j - h - 1];
                    if (c > best[j]) {
                        best[j] = c;
                        arg[j] = base + pre_i[v * n + j - h - 1];
                    }
                }
                /* the band, sources i = j + d in increasing order */
                for (size_t dd = 0; dd <= 2 * h; dd++) {
                    const double *row = tab + (2 * h - dd) * n;   /* move i -> i + (h - dd) */
                    /* i = j + dd - h must lie in [0, n) */
                    size_t j0 = dd < h ? h - dd : 0;
                    size_t j1 = n + h > dd ? n + h - dd : 0;   /* exclusive */
                    if (j1 > n)
                        j1 = n;
                    for (size_t j = j0; j < j1; j++) {
                        size_t i = j + dd - h;
                        double c = val[i] + row[i];
                        if (c > best[j]) {
                            best[j] = c;
                            arg[j] = base + (int32_t)i;
                        }
                    }
                }
                /* sources above the band: i >= j + h + 1 */
                for (size_t j = 0; j + h + 1 < n; j++) {
                    double c = suf_v[v * n + j + h + 1];
                    if (c > best[j]) {
                        best[j] = c;
                        arg[j] = base + suf_i[v * n + j + h + 1];
                    }
                }
            }
            for (size_t j = 0; j < n; j++) {
                next[w * n + j] = obs[w * n + j] + best[j];
                pt[w * n + j] = (uint16_t)arg[j];
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
