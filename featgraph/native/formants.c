/*
 * Polynomial roots for LPC formant analysis: the Aberth-Ehrlich simultaneous
 * iteration on each frame's monic polynomial.
 *
 * References
 *   O. Aberth, "Iteration methods for finding all zeros of a polynomial
 *     simultaneously", Math. Comp. 27(122), 1973.
 *   L. W. Ehrlich, "A modified Newton method for polynomials", Comm. ACM
 *     10(2), 1967.
 *   J. D. Markel and A. H. Gray, "Linear Prediction of Speech", Springer
 *     1976, ch. 7 (formants from the roots of the predictor polynomial).
 *
 * The complex arithmetic is written out in doubles in the same order as the
 * numpy reference (reference_formants.py) so that both agree to rounding.
 * The kernel never allocates: the per-frame state lives in the caller's
 * output row and in fixed stack arrays (degree <= FG_ROOTS_MAX_DEGREE).
 */
#include <math.h>
#include <stdint.h>

#include "featgraph.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define FG_ROOTS_MAX_DEGREE 256
#define FG_ROOTS_TOL 1e-14

/* Initial radius: max_k |c[k-1]|^(1/k), 1 when every coefficient is 0. */
static double start_radius(const double *c, size_t p)
{
    double rho = 0.0;
    for (size_t k = 1; k <= p; k++) {
        double v = fabs(c[k - 1]);
        if (v > 0.0) {
            double t = pow(v, 1.0 / (double)k);
            if (t > rho)
                rho = t;
        }
    }
    return rho > 0.0 ? rho : 1.0;
}

static void roots_one(const double *c, size_t p, size_t max_iter, double *out)
{
    double zr[FG_ROOTS_MAX_DEGREE], zi[FG_ROOTS_MAX_DEGREE];
    double wr[FG_ROOTS_MAX_DEGREE], wi[FG_ROOTS_MAX_DEGREE];
    int zero = 1;
    for (size_t k = 0; k < p; k++)
        if (c[k] != 0.0)
            zero = 0;
    if (zero) {
        for (size_t i = 0; i < 2 * p; i++)
            out[i] = 0.0;
        return;
    }
    double rho = start_radius(c, p);
    const double two_pi = 6.283185307179586;
    for (size_t i = 0; i < p; i++) {
        double ang = two_pi * (double)i / (double)p + 0.4;
        zr[i] = rho * cos(ang);
        zi[i] = rho * sin(ang);
    }
    for (size_t it = 0; it < max_iter; it++) {
        int done = 1;
        for (size_t i = 0; i < p; i++) {
            /* Horner: b = P(z), d = P'(z) */
            double br = 1.0, bi = 0.0, dr = 0.0, di = 0.0;
            for (size_t k = 0; k < p; k++) {
                double ndr = (dr * zr[i] - di * zi[i]) + br;
                double ndi = (dr * zi[i] + di * zr[i]) + bi;
                double nbr = (br * zr[i] - bi * zi[i]) + c[k];
                double nbi = (br * zi[i] + bi * zr[i]);
                dr = ndr; di = ndi; br = nbr; bi = nbi;
            }
            double dd = dr * dr + di * di;
            if (dd == 0.0) {
                wr[i] = 0.0; wi[i] = 0.0;
                continue;
            }
            double rr = (br * dr + bi * di) / dd;       /* r = b / d */
            double ri = (bi * dr - br * di) / dd;
            double sr = 0.0, si = 0.0;                  /* s = sum 1 / (z_i - z_j) */
            for (size_t j = 0; j < p; j++) {
                if (j == i)
                    continue;
                double er = zr[i] - zr[j], ei = zi[i] - zi[j];
                double ee = er * er + ei * ei;
                if (ee == 0.0)
                    continue;
                sr = sr + er / ee;
                si = si - ei / ee;
            }
            double qr = 1.0 - (rr * sr - ri * si);     /* q = 1 - r s */
            double qi = -(rr * si + ri * sr);
            double qq = qr * qr + qi * qi;
            if (qq == 0.0) {
                wr[i] = 0.0; wi[i] = 0.0;
                continue;
            }
            wr[i] = (rr * qr + ri * qi) / qq;           /* w = r / q */
            wi[i] = (ri * qr - rr * qi) / qq;
            double step = sqrt(wr[i] * wr[i] + wi[i] * wi[i]);
            double size = sqrt(zr[i] * zr[i] + zi[i] * zi[i]);
            if (!(step <= FG_ROOTS_TOL * (size + 1e-300)))
                done = 0;
        }
        for (size_t i = 0; i < p; i++) {
            zr[i] = zr[i] - wr[i];
            zi[i] = zi[i] - wi[i];
        }
        if (done)
            break;
    }
    for (size_t i = 0; i < p; i++) {
        out[2 * i] = zr[i];
        out[2 * i + 1] = zi[i];
    }
}

int fg_poly_roots_f64(const double *c, size_t n_frames, size_t degree, size_t max_iter,
                      double *roots)
{
    if (degree == 0 || degree > FG_ROOTS_MAX_DEGREE || max_iter == 0)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (c == NULL || roots == NULL)
        return FG_EINVAL;
    if (n_frames > SIZE_MAX / (2 * degree))
        return FG_EINVAL;
    for (size_t i = 0; i < n_frames * degree; i++)
        if (!isfinite(c[i]))
            return FG_ENONFINITE;
    for (size_t f = 0; f < n_frames; f++)
        roots_one(c + f * degree, degree, max_iter, roots + f * 2 * degree);
    return FG_OK;
}
