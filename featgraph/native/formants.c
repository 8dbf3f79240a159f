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
#include <stdlib.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define FG_ROOTS_MAX_DEGREE 256
#define FG_ROOTS_TOL 1e-14

/* Initial radius: |c[p-1]|^(1/p), the geometric mean of the roots' moduli (LPC
 * polynomials: roots near the unit circle, about 30 % fewer iterations than from the
 * bound below); when c[p-1] == 0, max_k |c[k-1]|^(1/k); 1 when every coefficient is 0. */
static double start_radius(const double *c, size_t p)
{
    double g = fabs(c[p - 1]);
    if (g > 0.0)
        return pow(g, 1.0 / (double)p);
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

/* The roots of a frame are updated RB at a time, side by side (lane l holds root i0 + l;
 * RB = 12 covers eGeMAPS' order 11 in one block, three vectors of four doubles whose
 * recursions are independent, so that their latencies overlap): each root's arithmetic is
 * the scalar iteration's, operation for operation and in the same order (the sum over the
 * other roots j ascending, 1 / (z_i - z_j) formed through one reciprocal of |z_i - z_j|^2),
 * so the result does not depend on the lane width.  Skipped terms (j = i, coincident roots)
 * and zero denominators are selects instead of branches, so that the compiler can keep the
 * lanes in vector registers (FG_CLONES builds an AVX2 copy). */
#define RB 12
#define NG (RB / 4)

#if defined(__GNUC__) || defined(__clang__)
/* GCC / clang vector extensions: four doubles side by side (an AVX2 register in the
 * FG_CLONES copy, two SSE2 registers in the baseline one); IEEE operations per lane. */
typedef double fg_v4d __attribute__((vector_size(32)));
typedef long long fg_v4i __attribute__((vector_size(32)));
#define V4(s) ((fg_v4d){(s), (s), (s), (s)})
/* m ? a : b per lane, m a comparison's mask (all bits set or clear) */
#define SEL(m, a, b) ((fg_v4d)(((m) & (fg_v4i)(a)) | (~(m) & (fg_v4i)(b))))

FG_CLONES FG_NO_TRAPS
static void block_sums(const double *c, size_t p, size_t i0, const double *zr, const double *zi,
                       double *br, double *bi, double *dr, double *di, double *sr, double *si)
{
    fg_v4d xr[NG], xi[NG], vbr[NG], vbi[NG], vdr[NG], vdi[NG], vsr[NG], vsi[NG];
    fg_v4i lane[NG];
    for (size_t g = 0; g < NG; g++) {
        memcpy(&xr[g], zr + i0 + 4 * g, sizeof(fg_v4d));
        memcpy(&xi[g], zi + i0 + 4 * g, sizeof(fg_v4d));
        vbr[g] = V4(1.0); vbi[g] = V4(0.0); vdr[g] = V4(0.0); vdi[g] = V4(0.0);
        vsr[g] = V4(0.0); vsi[g] = V4(0.0);
        long long l0 = (long long)(i0 + 4 * g);
        lane[g] = (fg_v4i){l0, l0 + 1, l0 + 2, l0 + 3};
    }
    /* Horner: b = P(z), d = P'(z) */
    for (size_t k = 0; k < p; k++) {
        fg_v4d ck = V4(c[k]);
        for (size_t g = 0; g < NG; g++) {
            fg_v4d ndr = (vdr[g] * xr[g] - vdi[g] * xi[g]) + vbr[g];
            fg_v4d ndi = (vdr[g] * xi[g] + vdi[g] * xr[g]) + vbi[g];
            fg_v4d nbr = (vbr[g] * xr[g] - vbi[g] * xi[g]) + ck;
            fg_v4d nbi = (vbr[g] * xi[g] + vbi[g] * xr[g]);
            vdr[g] = ndr; vdi[g] = ndi; vbr[g] = nbr; vbi[g] = nbi;
        }
    }
    /* s = sum over j != i of 1 / (z_i - z_j) = sum conj(e) / |e|^2, coincident roots skipped */
    for (size_t j = 0; j < p; j++) {
        fg_v4d yr = V4(zr[j]), yi = V4(zi[j]);
        fg_v4i jj = {(long long)j, (long long)j, (long long)j, (long long)j};
        for (size_t g = 0; g < NG; g++) {
            fg_v4d er = xr[g] - yr, ei = xi[g] - yi;
            fg_v4d ee = er * er + ei * ei;
            fg_v4d inv = V4(1.0) / ee;
            fg_v4d nsr = vsr[g] + er * inv, nsi = vsi[g] - ei * inv;
            fg_v4i skip = (lane[g] == jj) | (fg_v4i)(ee == V4(0.0));
            vsr[g] = SEL(skip, vsr[g], nsr);
            vsi[g] = SEL(skip, vsi[g], nsi);
        }
    }
    for (size_t g = 0; g < NG; g++) {
        memcpy(br + 4 * g, &vbr[g], sizeof(fg_v4d));
        memcpy(bi + 4 * g, &vbi[g], sizeof(fg_v4d));
        memcpy(dr + 4 * g, &vdr[g], sizeof(fg_v4d));
        memcpy(di + 4 * g, &vdi[g], sizeof(fg_v4d));
        memcpy(sr + 4 * g, &vsr[g], sizeof(fg_v4d));
        memcpy(si + 4 * g, &vsi[g], sizeof(fg_v4d));
    }
}
#else
/* the same sums lane by lane */
static void block_sums(const double *c, size_t p, size_t i0, const double *zr, const double *zi,
                       double *br, double *bi, double *dr, double *di, double *sr, double *si)
{
    for (size_t l = 0; l < RB; l++) {
        double xr = zr[i0 + l], xi = zi[i0 + l];
        double vbr = 1.0, vbi = 0.0, vdr = 0.0, vdi = 0.0, vsr = 0.0, vsi = 0.0;
        for (size_t k = 0; k < p; k++) {
            double ndr = (vdr * xr - vdi * xi) + vbr;
            double ndi = (vdr * xi + vdi * xr) + vbi;
            double nbr = (vbr * xr - vbi * xi) + c[k];
            double nbi = (vbr * xi + vbi * xr);
            vdr = ndr; vdi = ndi; vbr = nbr; vbi = nbi;
        }
        for (size_t j = 0; j < p; j++) {
            double er = xr - zr[j], ei = xi - zi[j];
            double ee = er * er + ei * ei;
            if (i0 + l == j || ee == 0.0)
                continue;
            double inv = 1.0 / ee;
            vsr = vsr + er * inv;
            vsi = vsi - ei * inv;
        }
        br[l] = vbr; bi[l] = vbi; dr[l] = vdr; di[l] = vdi; sr[l] = vsr; si[l] = vsi;
    }
}
#endif

FG_CLONES FG_NO_TRAPS
static int block_step(const double *c, size_t p, size_t i0, const double *zr, const double *zi,
                      double *wr, double *wi)
{
    double br[RB], bi[RB], dr[RB], di[RB], sr[RB], si[RB], ww[RB], xx[RB];
    int moving = 0;
    block_sums(c, p, i0, zr, zi, br, bi, dr, di, sr, si);
    for (size_t l = 0; l < RB; l++) {
        double xr = zr[i0 + l], xi = zi[i0 + l];
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
        ww[l] = sqrt(vr * vr + vi * vi);
        xx[l] = zero ? 1e300 : FG_ROOTS_TOL * (sqrt(xr * xr + xi * xi) + 1e-300);
    }
    for (size_t l = 0; l < RB; l++)
        moving |= !(ww[l] <= xx[l]) & (i0 + l < p);
    return moving;
}

/* The start points' directions cos / sin(2 pi i / p + 0.4), i < p: the same for every frame. */
static void start_directions(size_t p, double *cs, double *sn)
{
    const double two_pi = 6.283185307179586;
    for (size_t i = 0; i < p; i++) {
        double ang = two_pi * (double)i / (double)p + 0.4;
        cs[i] = cos(ang);
        sn[i] = sin(ang);
    }
}

static void roots_one(const double *c, size_t p, size_t max_iter, const double *cs,
                      const double *sn, double *out)
{
    double zr[FG_ROOTS_MAX_DEGREE + RB], zi[FG_ROOTS_MAX_DEGREE + RB];
    double wr[FG_ROOTS_MAX_DEGREE + RB], wi[FG_ROOTS_MAX_DEGREE + RB];
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
    size_t padded = (p + RB - 1) / RB * RB;
    for (size_t i = 0; i < padded; i++) {
        zr[i] = i < p ? rho * cs[i] : 0.0;             /* padding lanes: never read */
        zi[i] = i < p ? rho * sn[i] : 0.0;
    }
    for (size_t it = 0; it < max_iter; it++) {
        int moving = 0;
        for (size_t i0 = 0; i0 < p; i0 += RB)
            moving |= block_step(c, p, i0, zr, zi, wr, wi);
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
    double cs[FG_ROOTS_MAX_DEGREE], sn[FG_ROOTS_MAX_DEGREE];
    start_directions(degree, cs, sn);
    for (size_t f = 0; f < n_frames; f++)
        roots_one(c + f * degree, degree, max_iter, cs, sn, roots + f * 2 * degree);
    return FG_OK;
}

/* Lags 0 .. n_lags - 1 of each frame's autocorrelation, r[k] = sum_i x[i] x[i + k], in
 * doubles: eight partial sums (i mod 8, lane by lane, so that the result does not depend
 * on the vector width) added pairwise, ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)),
 * then the last (n - k) mod 8 products in order.  T is the input type; X the frame's values as doubles. */
#define FRAME_LAGS_BODY(T)                                                          \
    do {                                                                            \
        if (n == 0 || n_lags == 0 || n_lags > n)                                    \
            return FG_EINVAL;                                                       \
        if (n_frames == 0)                                                          \
            return FG_OK;                                                           \
        if (x == NULL || r == NULL)                                                 \
            return FG_EINVAL;                                                       \
        if (n_frames > SIZE_MAX / n)                                                \
            return FG_EINVAL;                                                       \
        double *buf = malloc(n * sizeof(double));                                   \
        if (buf == NULL)                                                            \
            return FG_ENOMEM;                                                       \
        int status_ = FG_OK;                                                        \
        for (size_t f = 0; f < n_frames && status_ == FG_OK; f++) {                 \
            const T *xf = x + f * n;                                                \
            for (size_t i = 0; i < n; i++)                                          \
                buf[i] = (double)xf[i];                                             \
            status_ = lags_one(buf, n, n_lags, r + f * n_lags);                     \
        }                                                                           \
        free(buf);                                                                  \
        return status_;                                                             \
    } while (0)

FG_CLONES
static int lags_one(const double *x, size_t n, size_t n_lags, double *r)
{
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        finite &= isfinite(x[i]) != 0;
    if (!finite)
        return FG_ENONFINITE;
    for (size_t k = 0; k < n_lags; k++) {
        size_t m = n - k, m8 = m / 8 * 8;
        const double *y = x + k;
        double s[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        for (size_t i = 0; i < m8; i += 8)
            for (size_t l = 0; l < 8; l++)
                s[l] += x[i + l] * y[i + l];
        double acc = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        for (size_t i = m8; i < m; i++)
            acc += x[i] * y[i];
        r[k] = acc;
    }
    return FG_OK;
}

int fg_frame_lags_f64(const double *x, size_t n_frames, size_t n, size_t n_lags, double *r)
{
    FRAME_LAGS_BODY(double);
}

int fg_frame_lags_f32(const float *x, size_t n_frames, size_t n, size_t n_lags, double *r)
{
    FRAME_LAGS_BODY(float);
}

/* ---- openSMILE 2.6 cLpc (method = acf) in single precision ------------------------
 * Every operation in float, in the order of reference_formants.smile_lpc_f32 (measured
 * bit-exact against openSMILE's gemapsv01b_lpc level; see that function).  No FG_CLONES:
 * the sums are sequential on purpose. */
#define FG_SMILE_LPC_MAX_ORDER 256

/* Levinson-Durbin on the lags r[0 .. order] (float, openSMILE's order of operations). */
static void smile_levinson(const float *r, size_t order, float *a)
{
    float prev[FG_SMILE_LPC_MAX_ORDER + 1];
    a[0] = 1.0f;
    for (size_t k = 1; k <= order; k++)
        a[k] = 0.0f;
    if (!(r[0] > 0.0f))
        return;
    float e = r[0];
    for (size_t i = 1; i <= order; i++) {
        float acc = r[i];
        for (size_t j = 1; j < i; j++)
            acc = acc + a[j] * r[i - j];
        float k = -(acc * (1.0f / e));
        if (!isfinite(k))
            break;                       /* e == 0: keep the model of order i - 1 */
        for (size_t j = 1; j < i; j++)
            prev[j] = a[j];
        int finite = 1;
        for (size_t j = 1; j < i; j++) {
            a[j] = prev[j] + k * prev[i - j];
            finite &= isfinite(a[j]) != 0;
        }
        if (!finite) {                   /* overflow: keep the model of order i - 1 */
            for (size_t j = 1; j < i; j++)
                a[j] = prev[j];
            break;
        }
        a[i] = k;
        e = e * (1.0f - k * k);
    }
}

static int smile_lpc_one(const float *x, size_t n, size_t order, float *a)
{
    float r[FG_SMILE_LPC_MAX_ORDER + 1];
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return FG_ENONFINITE;
    /* each lag summed from i = 0 up, the lags side by side (independent chains: the
     * same sums, bit for bit, without waiting on one addition at a time) */
    for (size_t k = 0; k <= order; k++)
        r[k] = 0.0f;
    size_t body = n - order;
    for (size_t i = 0; i < body; i++) {
        float xi = x[i];
        for (size_t k = 0; k <= order; k++)
            r[k] = r[k] + xi * x[i + k];
    }
    for (size_t i = body; i < n; i++)
        for (size_t k = 0; i + k < n; k++)
            r[k] = r[k] + x[i] * x[i + k];
    smile_levinson(r, order, a);
    return FG_OK;
}

/* The lags of FG_LPC_LANES frames side by side: xt holds the frames interleaved
 * (xt[i * FG_LPC_LANES + l] = sample i of frame l), r[k * FG_LPC_LANES + l] lag k of frame
 * l.  Each lane's sums are smile_lpc_one's, operation for operation and in the same order
 * (i ascending, one float product and one float sum per term), so the lags are the same
 * bits whatever the vector width. */
#define FG_LPC_LANES 16

FG_CLONES_512
static void smile_lags_lanes(const float *restrict xt, size_t n, size_t order,
                             float *restrict r)
{
    for (size_t k = 0; k <= order; k++)
        for (size_t l = 0; l < FG_LPC_LANES; l++)
            r[k * FG_LPC_LANES + l] = 0.0f;
    size_t body = n - order;
    for (size_t i = 0; i < body; i++) {
        const float *restrict xi = xt + i * FG_LPC_LANES;
        for (size_t k = 0; k <= order; k++) {
            const float *restrict xk = xi + k * FG_LPC_LANES;
            float *restrict rk = r + k * FG_LPC_LANES;
            for (size_t l = 0; l < FG_LPC_LANES; l++)
                rk[l] = rk[l] + xi[l] * xk[l];
        }
    }
    for (size_t i = body; i < n; i++) {
        const float *restrict xi = xt + i * FG_LPC_LANES;
        for (size_t k = 0; i + k < n; k++) {
            const float *restrict xk = xi + k * FG_LPC_LANES;
            float *restrict rk = r + k * FG_LPC_LANES;
            for (size_t l = 0; l < FG_LPC_LANES; l++)
                rk[l] = rk[l] + xi[l] * xk[l];
        }
    }
}

int fg_smile_lpc_f32(const float *x, size_t n_frames, size_t n, size_t order, float *a)
{
    if (order < 1 || order > FG_SMILE_LPC_MAX_ORDER || n <= order)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (x == NULL || a == NULL || n_frames > SIZE_MAX / n || n_frames > SIZE_MAX / (order + 1))
        return FG_EINVAL;
    for (size_t i = 0; i < n_frames * n; i++)
        if (!isfinite(x[i]))
            return FG_ENONFINITE;
    size_t f = 0;
    if (n_frames >= FG_LPC_LANES && n <= SIZE_MAX / sizeof(float) / FG_LPC_LANES) {
        float *xt = malloc(n * FG_LPC_LANES * sizeof(float));
        float *r = malloc((order + 1) * FG_LPC_LANES * sizeof(float));
        if (xt != NULL && r != NULL) {
            float rl[FG_SMILE_LPC_MAX_ORDER + 1];
            for (; f + FG_LPC_LANES <= n_frames; f += FG_LPC_LANES) {
                for (size_t l = 0; l < FG_LPC_LANES; l++) {
                    const float *xf = x + (f + l) * n;
                    for (size_t i = 0; i < n; i++)
                        xt[i * FG_LPC_LANES + l] = xf[i];
                }
                smile_lags_lanes(xt, n, order, r);
                for (size_t l = 0; l < FG_LPC_LANES; l++) {
                    for (size_t k = 0; k <= order; k++)
                        rl[k] = r[k * FG_LPC_LANES + l];
                    smile_levinson(rl, order, a + (f + l) * (order + 1));
                }
            }
        }
        free(xt);
        free(r);
    }
    for (; f < n_frames; f++) {          /* the last frames, or no memory: one at a time */
        int status = smile_lpc_one(x + f * n, n, order, a + f * (order + 1));
        if (status != FG_OK)
            return status;
    }
    return FG_OK;
}

/* Output samples m0 .. m_out - 1 of one frame, one at a time (outputs shorter than a tile). */
static void smile_idft_tail(const float *r, const float *s, size_t k_bins,
                            const float *cos_tab, const float *sin_tab, size_t m_out,
                            size_t m0, float scale, float *y)
{
    for (size_t m = m0; m < m_out; m++) {
        float acc = 0.0f;
        for (size_t k = 0; k < k_bins; k++) {
            acc = acc + r[k] * cos_tab[k * m_out + m];
            acc = acc + s[k] * sin_tab[k * m_out + m];
        }
        y[m] = acc * scale;
    }
}

/* fg_smile_idft_f32 computes FG_IDFT_TILE output samples of FG_IDFT_GROUP frames at a time:
 * the accumulators stay in vector registers while the bins are summed in ascending order
 * (per sample the same two roundings per bin, in the same order, as the plain loop).  Each
 * sample's sum depends on nothing else, so the last tile of a row is the one ending at
 * m_out (it may overlap the one before: the overlapping samples are computed twice, to the
 * same bits), and the frames are taken in blocks of FG_IDFT_BLOCK, each tile's strip of
 * the tables (K x 2 x FG_IDFT_TILE floats) read from L1 by all the block's frames. */
#define FG_IDFT_TILE 32
#define FG_IDFT_GROUP 4
#define FG_IDFT_BLOCK 64

/* Samples m0 .. m0 + FG_IDFT_TILE of FG_IDFT_GROUP frames (rows r[g * k_bins ..]). */
FG_CLONES_512
static void smile_idft_group(const float *r, const float *s, size_t k_bins,
                             const float *cos_tab, const float *sin_tab, size_t m_out,
                             size_t m0, float scale, float *y)
{
    float a0[FG_IDFT_TILE] = {0.0f}, a1[FG_IDFT_TILE] = {0.0f};
    float a2[FG_IDFT_TILE] = {0.0f}, a3[FG_IDFT_TILE] = {0.0f};
    const float *r0 = r, *r1 = r + k_bins, *r2 = r + 2 * k_bins, *r3 = r + 3 * k_bins;
    const float *s0 = s, *s1 = s + k_bins, *s2 = s + 2 * k_bins, *s3 = s + 3 * k_bins;
    for (size_t k = 0; k < k_bins; k++) {
        const float rk0 = r0[k], sk0 = s0[k], rk1 = r1[k], sk1 = s1[k];
        const float rk2 = r2[k], sk2 = s2[k], rk3 = r3[k], sk3 = s3[k];
        const float *c = cos_tab + k * m_out + m0, *t = sin_tab + k * m_out + m0;
        for (int j = 0; j < FG_IDFT_TILE; j++) {
            a0[j] = a0[j] + rk0 * c[j];
            a1[j] = a1[j] + rk1 * c[j];
            a2[j] = a2[j] + rk2 * c[j];
            a3[j] = a3[j] + rk3 * c[j];
            a0[j] = a0[j] + sk0 * t[j];
            a1[j] = a1[j] + sk1 * t[j];
            a2[j] = a2[j] + sk2 * t[j];
            a3[j] = a3[j] + sk3 * t[j];
        }
    }
    for (int j = 0; j < FG_IDFT_TILE; j++) {
        y[m0 + j] = a0[j] * scale;
        y[m_out + m0 + j] = a1[j] * scale;
        y[2 * m_out + m0 + j] = a2[j] * scale;
        y[3 * m_out + m0 + j] = a3[j] * scale;
    }
}

/* Samples m0 .. m0 + FG_IDFT_TILE of one frame. */
FG_CLONES_512
static void smile_idft_one(const float *r, const float *s, size_t k_bins,
                           const float *cos_tab, const float *sin_tab, size_t m_out,
                           size_t m0, float scale, float *y)
{
    float acc[FG_IDFT_TILE] = {0.0f};
    for (size_t k = 0; k < k_bins; k++) {
        const float rk = r[k], sk = s[k];
        const float *c = cos_tab + k * m_out + m0, *t = sin_tab + k * m_out + m0;
        for (int j = 0; j < FG_IDFT_TILE; j++) {
            acc[j] = acc[j] + rk * c[j];
            acc[j] = acc[j] + sk * t[j];
        }
    }
    for (int j = 0; j < FG_IDFT_TILE; j++)
        y[m0 + j] = acc[j] * scale;
}

int fg_smile_idft_f32(const float *re, const float *im, size_t n_frames, size_t k_bins,
                      const float *cos_tab, const float *sin_tab, size_t m_out, float scale,
                      float *y)
{
    if (k_bins < 1 || m_out < 1)
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (re == NULL || im == NULL || cos_tab == NULL || sin_tab == NULL || y == NULL ||
        n_frames > SIZE_MAX / k_bins || n_frames > SIZE_MAX / m_out || k_bins > SIZE_MAX / m_out)
        return FG_EINVAL;
    for (size_t i = 0; i < n_frames * k_bins; i++)
        if (!isfinite(re[i]) || !isfinite(im[i]))
            return FG_ENONFINITE;
    if (m_out < FG_IDFT_TILE) {
        for (size_t f = 0; f < n_frames; f++)
            smile_idft_tail(re + f * k_bins, im + f * k_bins, k_bins, cos_tab, sin_tab, m_out,
                            0, scale, y + f * m_out);
        return FG_OK;
    }
    for (size_t f0 = 0; f0 < n_frames; f0 += FG_IDFT_BLOCK) {
        size_t f1 = n_frames - f0 < FG_IDFT_BLOCK ? n_frames : f0 + FG_IDFT_BLOCK;
        for (size_t m0 = 0; m0 < m_out; m0 += FG_IDFT_TILE) {
            size_t mt = m0 + FG_IDFT_TILE <= m_out ? m0 : m_out - FG_IDFT_TILE;
            size_t f = f0;
            for (; f + FG_IDFT_GROUP <= f1; f += FG_IDFT_GROUP)
                smile_idft_group(re + f * k_bins, im + f * k_bins, k_bins, cos_tab, sin_tab,
                                 m_out, mt, scale, y + f * m_out);
            for (; f < f1; f++)
                smile_idft_one(re + f * k_bins, im + f * k_bins, k_bins, cos_tab, sin_tab,
                               m_out, mt, scale, y + f * m_out);
        }
    }
    return FG_OK;
}
