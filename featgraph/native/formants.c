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
#include "simd.h"

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

/* The roots of a frame are updated RL at a time, side by side (lane l holds root i0 + l):
 * each root's arithmetic is the scalar iteration's, operation for operation and in the
 * same order (the sum over the other roots j ascending), so the result does not depend on
 * the lane width.  Skipped terms (j = i, coincident roots) and zero denominators are
 * selects instead of branches, so that the compiler can keep the lanes in vector
 * registers (FG_CLONES builds an AVX2 copy: four doubles, one per lane). */
#define RL 4

FG_CLONES FG_NO_TRAPS
static int lanes_step(const double *c, size_t p, size_t i0, const double *zr, const double *zi,
                      double *wr, double *wi)
{
    double xr[RL], xi[RL], br[RL], bi[RL], dr[RL], di[RL], sr[RL], si[RL];
    int moving = 0;
    for (size_t l = 0; l < RL; l++) {
        xr[l] = zr[i0 + l];
        xi[l] = zi[i0 + l];
        br[l] = 1.0; bi[l] = 0.0; dr[l] = 0.0; di[l] = 0.0;
        sr[l] = 0.0; si[l] = 0.0;
    }
    /* Horner: b = P(z), d = P'(z) */
    for (size_t k = 0; k < p; k++) {
        double ck = c[k];
        for (size_t l = 0; l < RL; l++) {
            double ndr = (dr[l] * xr[l] - di[l] * xi[l]) + br[l];
            double ndi = (dr[l] * xi[l] + di[l] * xr[l]) + bi[l];
            double nbr = (br[l] * xr[l] - bi[l] * xi[l]) + ck;
            double nbi = (br[l] * xi[l] + bi[l] * xr[l]);
            dr[l] = ndr; di[l] = ndi; br[l] = nbr; bi[l] = nbi;
        }
    }
    /* s = sum over j != i of 1 / (z_i - z_j), coincident roots skipped */
    for (size_t j = 0; j < p; j++) {
        double yr = zr[j], yi = zi[j];
        for (size_t l = 0; l < RL; l++) {
            double er = xr[l] - yr, ei = xi[l] - yi;
            double ee = er * er + ei * ei;
            double nsr = sr[l] + er / ee, nsi = si[l] - ei / ee;
            int skip = (i0 + l == j) | (ee == 0.0);
            sr[l] = skip ? sr[l] : nsr;
            si[l] = skip ? si[l] : nsi;
        }
    }
    for (size_t l = 0; l < RL; l++) {
        double dd = dr[l] * dr[l] + di[l] * di[l];
        double rr = (br[l] * dr[l] + bi[l] * di[l]) / dd;       /* r = b / d */
        double ri = (bi[l] * dr[l] - br[l] * di[l]) / dd;
        double qr = 1.0 - (rr * sr[l] - ri * si[l]);            /* q = 1 - r s */
        double qi = -(rr * si[l] + ri * sr[l]);
        double qq = qr * qr + qi * qi;
        double vr = (rr * qr + ri * qi) / qq;                   /* w = r / q */
        double vi = (ri * qr - rr * qi) / qq;
        int zero = (dd == 0.0) | (qq == 0.0);                   /* no step */
        vr = zero ? 0.0 : vr;
        vi = zero ? 0.0 : vi;
        wr[i0 + l] = vr;
        wi[i0 + l] = vi;
        double step = sqrt(vr * vr + vi * vi);
        double size = sqrt(xr[l] * xr[l] + xi[l] * xi[l]);
        moving |= !zero & !(step <= FG_ROOTS_TOL * (size + 1e-300)) & (i0 + l < p);
    }
    return moving;
}

static void roots_one(const double *c, size_t p, size_t max_iter, double *out)
{
    double zr[FG_ROOTS_MAX_DEGREE + RL], zi[FG_ROOTS_MAX_DEGREE + RL];
    double wr[FG_ROOTS_MAX_DEGREE + RL], wi[FG_ROOTS_MAX_DEGREE + RL];
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
    size_t padded = (p + RL - 1) / RL * RL;
    for (size_t i = 0; i < padded; i++) {
        double ang = two_pi * (double)i / (double)p + 0.4;
        zr[i] = i < p ? rho * cos(ang) : 0.0;          /* padding lanes: never read */
        zi[i] = i < p ? rho * sin(ang) : 0.0;
    }
    for (size_t it = 0; it < max_iter; it++) {
        int moving = 0;
        for (size_t i0 = 0; i0 < p; i0 += RL)
            moving |= lanes_step(c, p, i0, zr, zi, wr, wi);
        for (size_t i = 0; i < p; i++) {
            zr[i] = zr[i] - wr[i];
            zi[i] = zi[i] - wi[i];
        }
        if (!moving)
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
