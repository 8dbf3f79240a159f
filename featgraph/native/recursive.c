/*
 * Recursions over time: the one-pole filter y[t] = u[t] + pole * y[t-1],
 * run along frames for every band at once (the inner loop is over the
 * contiguous band axis).  See featgraph.h for the layout and status codes,
 * and reference.py for the numpy definition it must agree with.
 */
#include <math.h>

#include "featgraph.h"

int fg_one_pole_f64(const double *u, size_t n_batch, size_t n_frames, size_t n_bands,
                    double pole, double *y)
{
    size_t n = n_batch * n_frames * n_bands;
    if (!isfinite(pole) || !(fabs(pole) < 1.0))
        return FG_EINVAL;
    if (n == 0)
        return FG_OK;
    if (u == NULL || y == NULL)
        return FG_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(u[i]))
            return FG_ENONFINITE;
    for (size_t b = 0; b < n_batch; b++) {
        const double *ub = u + b * n_frames * n_bands;
        double *yb = y + b * n_frames * n_bands;
        for (size_t k = 0; k < n_bands; k++)
            yb[k] = ub[k];
        for (size_t t = 1; t < n_frames; t++) {
            const double *ut = ub + t * n_bands;
            const double *prev = yb + (t - 1) * n_bands;
            double *yt = yb + t * n_bands;
            for (size_t k = 0; k < n_bands; k++)
                yt[k] = ut[k] + pole * prev[k];
        }
    }
    return FG_OK;
}
