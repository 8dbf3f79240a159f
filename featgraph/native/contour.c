/* Turning points of a contour (openSMILE 2.6's cFunctionalPeaks2, as reconstructed by
 * measurement): the loop of featgraph.native.reference_contour.turning_points, the same
 * comparisons and the same double arithmetic, point for point. */
#include "featgraph.h"

int fg_turning_points_f64(const double *x, size_t n, double th, double replace_th,
                          int64_t *frames, int32_t *signs, size_t *n_points)
{
    if (n_points == NULL)
        return FG_EINVAL;
    *n_points = 0;
    if (n < 5)
        return FG_OK;
    if (x == NULL || frames == NULL || signs == NULL)
        return FG_EINVAL;
    size_t count = 0, pi = 0;
    int ps = 0, smaller = 0;
    for (size_t i = 2; i + 2 < n; i++) {
        double l = x[i - 1], m = x[i], r = x[i + 1];
        int s = (l < m && m > r) ? 1 : ((l > m && m < r) ? -1 : 0);
        if (s == 0)
            continue;
        double d = (m - x[pi]) * (double)s;
        if (s == ps) {
            if (d > 0.0 && !(s > 0 && smaller && d <= replace_th)) {
                pi = i;
                smaller = 0;
            }
        } else if (d > th) {
            if (ps) {                      /* at most one point per candidate: count < n */
                frames[count] = (int64_t)pi;
                signs[count] = ps;
                count++;
            }
            pi = i;
            ps = s;
            smaller = 0;
        } else if (ps) {
            smaller = 1;
        }
    }
    if (ps) {
        frames[count] = (int64_t)pi;
        signs[count] = ps;
        count++;
    }
    *n_points = count;
    return FG_OK;
}
