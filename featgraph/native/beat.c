/*
 * Beat tracking by dynamic programming (fg_beat_dp_f64; see featgraph.h for the
 * contract and reference_mir.py's beat_dp for the numpy definition it must agree with).
 *
 * Reference: D. P. W. Ellis, "Beat tracking by dynamic programming", J. New Music
 * Research 36(1), 2007; librosa 0.11 ``librosa.beat.beat_track`` (the candidate range,
 * the log-interval penalty and the first-beat threshold followed here).
 */
#include <math.h>
#include <stddef.h>

#include "featgraph.h"

/* Keep every expression as the reference computes it (no fused multiply-add). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Round half to even, as numpy.round. */
static double round_even(double v)
{
    double r = floor(v + 0.5);

    if (r - v == 0.5 && fmod(r, 2.0) != 0.0)
        r -= 1.0;
    return r;
}

int fg_beat_dp_f64(const double *localscore, size_t n, const double *frames_per_beat,
                   size_t n_fpb, double tightness, long long *backlink, double *cumscore)
{
    size_t i;
    double top = -INFINITY, thresh;
    int first_beat = 1;

    if (!(isfinite(tightness) && tightness > 0))
        return FG_EINVAL;
    if (n == 0)
        return FG_OK;
    if (localscore == NULL || frames_per_beat == NULL || backlink == NULL || cumscore == NULL)
        return FG_EINVAL;
    if (n_fpb != 1 && n_fpb != n)
        return FG_EINVAL;
    for (i = 0; i < n_fpb; i++)
        if (!(isfinite(frames_per_beat[i]) && frames_per_beat[i] >= 1.0))
            return FG_EINVAL;
    for (i = 0; i < n; i++) {
        if (!isfinite(localscore[i]))
            return FG_ENONFINITE;
        if (localscore[i] > top)
            top = localscore[i];
    }
    thresh = 0.01 * top;
    backlink[0] = -1;
    cumscore[0] = localscore[0];
    for (i = 0; i < n; i++) {
        double period = frames_per_beat[n_fpb == 1 ? 0 : i];
        double log_period = log(period);
        long long start = (long long)i - (long long)round_even(period / 2.0);
        long long stop = (long long)i - (long long)(2.0 * period);   /* inclusive */
        long long loc, best_loc = -1;

        if (start > (long long)i - 1)          /* loc = i scores -inf: never chosen */
            start = (long long)i - 1;
        double best = -INFINITY;

        for (loc = start; loc >= stop; loc--) {
            double d, score;
            if (loc < 0)
                break;
            d = log((double)((long long)i - loc)) - log_period;
            score = cumscore[loc] - tightness * (d * d);
            if (score > best) {
                best = score;
                best_loc = loc;
            }
        }
        cumscore[i] = best_loc >= 0 ? localscore[i] + best : localscore[i];
        if (first_beat && localscore[i] < thresh) {
            backlink[i] = -1;
        } else {
            backlink[i] = best_loc;
            first_beat = 0;
        }
    }
    return FG_OK;
}
