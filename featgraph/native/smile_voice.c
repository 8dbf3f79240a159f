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
