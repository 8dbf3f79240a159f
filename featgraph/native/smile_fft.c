/*
 * openSMILE 2.6's single-precision real FFT, bit for bit (the eGeMAPS formant path's
 * gemapsv01b_fftcH25 level): the order of operations of Takuya Ooura's split-radix FFT
 * package (fftsg.c, "General Purpose FFT (Fast Fourier/Cosine/Sine Transform) Package",
 * 1996-2001, https://www.kurims.kyoto-u.ac.jp/~ooura/fft.html; rdft with isgn = 1:
 * cftf1st, cftleaf or cftrec4, the complex bit reversal, rftfsub), every value a float;
 * N = 256, 512 and 1024.  Written for
 * featgraph from the package's published description of its routines; the numpy
 * definition, with the measurement (openSMILE's own frames and spectra, every value equal)
 * and the twiddle tables' roundings, is featgraph.native.reference_smile_fft.
 *
 *   R[k] = sum_j a[j] cos(2 pi j k / N),  I[k] = sum_j a[j] sin(2 pi j k / N)
 *   out = [R0, R(N/2), R1, I1, R2, I2, ...] (the first n_out values)
 *
 * with a the frame placed at offset in N zeros.  The transform runs across frames: LV = 8
 * frames side by side in each vector, every operation a lane-wise IEEE float operation
 * (no fused multiply-adds: -std=c99 keeps contraction off, and the clones get no FMA
 * target), so each frame gets the bits of the scalar routine whatever the vector width,
 * and frames do not affect one another.  Values are addressed as in the package: a[j]
 * and a[j + 1] the real and imaginary parts of complex value j / 2.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "featgraph.h"
#include "simd.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__GNUC__) && !defined(__clang__)
/* the helpers below pass 32-byte vectors by value; they are always inlined, so GCC's note
 * on that ABI (for AVX vectors outside an AVX function) concerns no call */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LV 8                            /* frames per vector */
typedef float vf __attribute__((vector_size(LV * sizeof(float))));
static inline vf bc(float x) { vf v = {x, x, x, x, x, x, x, x}; return v; }
#else
#define LV 1
typedef float vf;
static inline vf bc(float x) { return x; }
#endif

#define MAX_N 1024

typedef struct { vf r, i; } cx;

static inline vf ld(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
static inline void st(float *p, vf v) { memcpy(p, &v, sizeof v); }

/* complex value at Ooura index j (real part a[j], imaginary part a[j + 1]) */
static inline cx at(const float *a, size_t j)
{
    cx z;
    z.r = ld(a + j * LV);
    z.i = ld(a + (j + 1) * LV);
    return z;
}
static inline void put(float *a, size_t j, cx z)
{
    st(a + j * LV, z.r);
    st(a + (j + 1) * LV, z.i);
}

static inline cx add(cx x, cx y) { cx z = {x.r + y.r, x.i + y.i}; return z; }
static inline cx sub(cx x, cx y) { cx z = {x.r - y.r, x.i - y.i}; return z; }
/* x + i y and x - i y */
static inline cx ip(cx x, cx y) { cx z = {x.r - y.i, x.i + y.r}; return z; }
static inline cx im(cx x, cx y) { cx z = {x.r + y.i, x.i - y.r}; return z; }
/* x (p + i q) as (p xr - q xi, p xi + q xr); x (p - i q) as (p xr + q xi, p xi - q xr) */
static inline cx mul(float p, float q, cx x)
{
    vf vp = bc(p), vq = bc(q);
    cx z = {vp * x.r - vq * x.i, vp * x.i + vq * x.r};
    return z;
}
static inline cx mulc(float p, float q, cx x)
{
    vf vp = bc(p), vq = bc(q);
    cx z = {vp * x.r + vq * x.i, vp * x.i - vq * x.r};
    return z;
}
/* x exp(i pi/4) as (r (xr - xi), r (xi + xr)); x exp(-i pi/4) as (r (xr + xi), r (xi - xr));
 * and minus that (r = cos(pi/4)) */
static inline cx w4(float r, cx x)
{
    vf v = bc(r);
    cx z = {v * (x.r - x.i), v * (x.i + x.r)};
    return z;
}
static inline cx w4c(float r, cx x)
{
    vf v = bc(r);
    cx z = {v * (x.r + x.i), v * (x.i - x.r)};
    return z;
}
static inline cx w4n(float r, cx x)
{
    vf v = bc(r);
    cx z = {-(v * (x.r + x.i)), -(v * (x.i - x.r))};
    return z;
}

/* Radix-4 decimation-in-frequency butterflies on the values at j, j + m, j + 2m, j + 3m:
 * x0 = a0 + a2, x1 = a0 - a2, x2 = a1 + a3, x3 = a1 - a3; out x0 + x2, x0 - x2, then
 * x1 + i x3 and x1 - i x3, untouched (plain), times (p1 + i q1) and (p3 - i q3) (tw), or
 * rotated by +-pi/4 (w8: times exp(i pi/4) and -exp(-i pi/4)). */
#define BF_HEAD                                                                   \
    cx a0 = at(a, j), a1 = at(a, j + m), a2 = at(a, j + 2 * m), a3 = at(a, j + 3 * m); \
    cx x0 = add(a0, a2), x1 = sub(a0, a2), x2 = add(a1, a3), x3 = sub(a1, a3);       \
    put(a, j, add(x0, x2));                                                       \
    put(a, j + m, sub(x0, x2));

static inline void bf_plain(float *a, size_t j, size_t m)
{
    BF_HEAD
    put(a, j + 2 * m, ip(x1, x3));
    put(a, j + 3 * m, im(x1, x3));
}
static inline void bf_tw(float *a, size_t j, size_t m, float p1, float q1, float p3, float q3)
{
    BF_HEAD
    put(a, j + 2 * m, mul(p1, q1, ip(x1, x3)));
    put(a, j + 3 * m, mulc(p3, q3, im(x1, x3)));
}
static inline void bf_w8(float *a, size_t j, size_t m, float wn4r)
{
    BF_HEAD
    put(a, j + 2 * m, w4(wn4r, ip(x1, x3)));
    put(a, j + 3 * m, w4n(wn4r, im(x1, x3)));
}

/* cftf1st: the first radix-4 step over all n / 2 values; its twiddles csc (wd + w[k]), the
 * half angles of consecutive table entries, alternate with the table's own. */
FG_CLONES static void cftf1st(float *a, size_t n, const float *w)
{
    size_t mh = n >> 3, m = 2 * mh, k = 0;
    float wn4r = w[1], csc1 = w[2], csc3 = w[3];
    float wd1r = 1.0f, wd1i = 0.0f, wd3r = 1.0f, wd3i = 0.0f;
    float wk1r, wk1i, wk3r, wk3i;

    bf_plain(a, 0, m);
    for (size_t j = 2; j + 2 < mh; j += 4) {
        k += 4;
        wk1r = csc1 * (wd1r + w[k]);
        wk1i = csc1 * (wd1i + w[k + 1]);
        wk3r = csc3 * (wd3r + w[k + 2]);
        wk3i = csc3 * (wd3i + w[k + 3]);
        wd1r = w[k];
        wd1i = w[k + 1];
        wd3r = w[k + 2];
        wd3i = w[k + 3];
        bf_tw(a, j, m, wk1r, wk1i, wk3r, wk3i);
        bf_tw(a, j + 2, m, wd1r, wd1i, wd3r, wd3i);
        bf_tw(a, m - j, m, wk1i, wk1r, wk3i, wk3r);
        bf_tw(a, m - j - 2, m, wd1i, wd1r, wd3i, wd3r);
    }
    wk1r = csc1 * (wd1r + wn4r);
    wk1i = csc1 * (wd1i + wn4r);
    wk3r = csc3 * (wd3r - wn4r);
    wk3i = csc3 * (wd3i - wn4r);
    bf_tw(a, mh - 2, m, wk1r, wk1i, wk3r, wk3i);
    bf_w8(a, mh, m, wn4r);
    bf_tw(a, mh + 2, m, wk1i, wk1r, wk3i, wk3r);
}

/* cftmdl1: a radix-4 step over the n / 2 values from index o, twiddles from the table. */
FG_CLONES static void cftmdl1(float *a, size_t n, size_t o, const float *w)
{
    size_t mh = n >> 3, m = 2 * mh, k = 0;

    bf_plain(a, o, m);
    for (size_t j = 2; j < mh; j += 2) {
        k += 4;
        bf_tw(a, o + j, m, w[k], w[k + 1], w[k + 2], w[k + 3]);
        bf_tw(a, o + m - j, m, w[k + 1], w[k], w[k + 3], w[k + 2]);
    }
    bf_w8(a, o + mh, m, w[1]);
}

/* cftmdl2: a radix-4 step whose inputs are first combined as a0 +- i a2, a1 +- i a3 (the
 * other split-radix branch); the twiddles of both ends of the table at once. */
#define MDL2_LOAD(jj)                                                             \
    a0 = at(a, (jj)), a1 = at(a, (jj) + m), a2 = at(a, (jj) + 2 * m), a3 = at(a, (jj) + 3 * m); \
    x0 = ip(a0, a2), x1 = im(a0, a2), x2 = ip(a1, a3), x3 = im(a1, a3);
#define MDL2_STORE(jj, y0, y2, y1, y3)                                            \
    put(a, (jj), add((y0), (y2)));                                                \
    put(a, (jj) + m, sub((y0), (y2)));                                            \
    put(a, (jj) + 2 * m, add((y1), (y3)));                                        \
    put(a, (jj) + 3 * m, sub((y1), (y3)));

FG_CLONES static void cftmdl2(float *a, size_t n, size_t o, const float *w)
{
    size_t mh = n >> 3, m = 2 * mh, k = 0, kr = 2 * m;
    float wn4r = w[1];
    cx a0, a1, a2, a3, x0, x1, x2, x3, y0, y1;

    MDL2_LOAD(o)
    y0 = w4(wn4r, x2);
    y1 = w4(wn4r, x3);
    put(a, o, add(x0, y0));
    put(a, o + m, sub(x0, y0));
    put(a, o + 2 * m, ip(x1, y1));
    put(a, o + 3 * m, im(x1, y1));
    for (size_t j = 2; j < mh; j += 2) {
        k += 4;
        kr -= 4;
        float wk1r = w[k], wk1i = w[k + 1], wk3r = w[k + 2], wk3i = w[k + 3];
        float wd1i = w[kr], wd1r = w[kr + 1], wd3i = w[kr + 2], wd3r = w[kr + 3];
        MDL2_LOAD(o + j)
        MDL2_STORE(o + j, mul(wk1r, wk1i, x0), mul(wd1r, wd1i, x2), mulc(wk3r, wk3i, x1),
                   mulc(wd3r, wd3i, x3))
        MDL2_LOAD(o + m - j)
        MDL2_STORE(o + m - j, mul(wd1i, wd1r, x0), mul(wk1i, wk1r, x2), mulc(wd3i, wd3r, x1),
                   mulc(wk3i, wk3r, x3))
    }
    {
        float wk1r = w[m], wk1i = w[m + 1];
        cx y2, y3;
        MDL2_LOAD(o + mh)
        y0 = mul(wk1r, wk1i, x0);
        y2 = mul(wk1i, wk1r, x2);
        y1 = mul(wk1i, wk1r, x1);
        y3 = mul(wk1r, wk1i, x3);
        put(a, o + mh, add(y0, y2));            /* the -i branch the other way round */
        put(a, o + mh + m, sub(y0, y2));
        put(a, o + mh + 2 * m, sub(y1, y3));
        put(a, o + mh + 3 * m, add(y1, y3));
    }
}

#define V(p) at(a, o + 2 * (p))
#define PUT(p, z) put(a, o + 2 * (p), (z))

/* cftf161: the 16-point kernel of the x1 + i x3 branch (values o / 2 .. o / 2 + 15): four
 * radix-4 butterflies of stride 4, their twiddles, four of stride 1. */
FG_CLONES static void cftf161(float *a, size_t o, const float *w)
{
    float wn4r = w[1], wk1r = w[2], wk1i = w[3];
    cx y[16];

    for (int p = 0; p < 4; p++) {
        cx x0 = add(V(p), V(p + 8)), x1 = sub(V(p), V(p + 8));
        cx x2 = add(V(p + 4), V(p + 12)), x3 = sub(V(p + 4), V(p + 12));
        cx u = ip(x1, x3), d = im(x1, x3);
        y[p] = add(x0, x2);
        y[p + 4] = sub(x0, x2);
        switch (p) {
        case 0: y[8] = u; y[12] = d; break;
        case 1: y[9] = mul(wk1r, wk1i, u); y[13] = mul(wk1i, wk1r, d); break;
        case 2: y[10] = w4(wn4r, u); y[14] = w4c(wn4r, d); break;
        default: y[11] = mul(wk1i, wk1r, u); y[15] = mul(wk1r, wk1i, d); break;
        }
    }
    cx x0, x1, x2, x3;
#define OUT4(q)                                                                   \
    PUT((q), add(x0, x2));                                                        \
    PUT((q) + 1, sub(x0, x2));                                                    \
    PUT((q) + 2, ip(x1, x3));                                                     \
    PUT((q) + 3, im(x1, x3));
    x0 = sub(y[12], y[14]); x1 = add(y[12], y[14]); x2 = sub(y[13], y[15]); x3 = add(y[13], y[15]);
    OUT4(12)
    x0 = add(y[8], y[10]); x1 = sub(y[8], y[10]); x2 = add(y[9], y[11]); x3 = sub(y[9], y[11]);
    OUT4(8)
    x2 = w4(wn4r, ip(y[5], y[7])); x3 = w4(wn4r, im(y[5], y[7]));
    x0 = ip(y[4], y[6]); x1 = im(y[4], y[6]);
    OUT4(4)
    x0 = add(y[0], y[2]); x1 = sub(y[0], y[2]); x2 = add(y[1], y[3]); x3 = sub(y[1], y[3]);
    OUT4(0)
#undef OUT4
}

/* cftf162: the 16-point kernel of the other branch. */
FG_CLONES static void cftf162(float *a, size_t o, const float *w)
{
    float wn4r = w[1], wk1r = w[4], wk1i = w[5], wk3r = w[6], wk3i = -w[7];
    float wk2r = w[8], wk2i = w[9];
    cx x1, x2, y0, y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15;

    x1 = ip(V(0), V(8)); x2 = w4(wn4r, ip(V(4), V(12)));
    y0 = add(x1, x2); y4 = sub(x1, x2);
    x1 = im(V(0), V(8)); x2 = w4(wn4r, im(V(4), V(12)));
    y8 = ip(x1, x2); y12 = im(x1, x2);
    x1 = mul(wk1r, wk1i, ip(V(1), V(9))); x2 = mul(wk3i, wk3r, ip(V(5), V(13)));
    y1 = add(x1, x2); y5 = sub(x1, x2);
    x1 = mul(wk3r, wk3i, im(V(1), V(9))); x2 = mulc(wk1r, wk1i, im(V(5), V(13)));
    y9 = sub(x1, x2); y13 = add(x1, x2);
    x1 = mul(wk2r, wk2i, ip(V(2), V(10))); x2 = mul(wk2i, wk2r, ip(V(6), V(14)));
    y2 = add(x1, x2); y6 = sub(x1, x2);
    x1 = mul(wk2i, wk2r, im(V(2), V(10))); x2 = mul(wk2r, wk2i, im(V(6), V(14)));
    y10 = sub(x1, x2); y14 = add(x1, x2);
    x1 = mul(wk3r, wk3i, ip(V(3), V(11))); x2 = mul(wk1i, wk1r, ip(V(7), V(15)));
    y3 = add(x1, x2); y7 = sub(x1, x2);
    x1 = mulc(wk1i, wk1r, im(V(3), V(11))); x2 = mul(wk3i, wk3r, im(V(7), V(15)));
    y11 = add(x1, x2); y15 = sub(x1, x2);

    x1 = add(y0, y2); x2 = add(y1, y3);
    PUT(0, add(x1, x2)); PUT(1, sub(x1, x2));
    x1 = sub(y0, y2); x2 = sub(y1, y3);
    PUT(2, ip(x1, x2)); PUT(3, im(x1, x2));
    x1 = ip(y4, y6); x2 = w4(wn4r, ip(y5, y7));
    PUT(4, add(x1, x2)); PUT(5, sub(x1, x2));
    x1 = im(y4, y6); x2 = w4(wn4r, im(y5, y7));
    PUT(6, ip(x1, x2)); PUT(7, im(x1, x2));
    x1 = add(y8, y10); x2 = sub(y9, y11);
    PUT(8, add(x1, x2)); PUT(9, sub(x1, x2));
    x1 = sub(y8, y10); x2 = add(y9, y11);
    PUT(10, ip(x1, x2)); PUT(11, im(x1, x2));
    x1 = ip(y12, y14); x2 = w4(wn4r, im(y13, y15));
    PUT(12, add(x1, x2)); PUT(13, sub(x1, x2));
    x1 = im(y12, y14); x2 = w4(wn4r, ip(y13, y15));
    PUT(14, ip(x1, x2)); PUT(15, im(x1, x2));
}

/* cftf081: the 8-point kernel of the x1 + i x3 branch. */
FG_CLONES static void cftf081(float *a, size_t o, const float *w)
{
    float wn4r = w[1];
    cx x0 = add(V(0), V(4)), x1 = sub(V(0), V(4)), x2 = add(V(2), V(6)), x3 = sub(V(2), V(6));
    cx y0 = add(x0, x2), y2 = sub(x0, x2), y1 = ip(x1, x3), y3 = im(x1, x3);
    x0 = add(V(1), V(5)); x1 = sub(V(1), V(5)); x2 = add(V(3), V(7)); x3 = sub(V(3), V(7));
    cx y4 = add(x0, x2), y6 = sub(x0, x2), y5 = w4(wn4r, ip(x1, x3)), y7 = w4(wn4r, im(x1, x3));
    PUT(4, add(y1, y5)); PUT(5, sub(y1, y5)); PUT(6, ip(y3, y7)); PUT(7, im(y3, y7));
    PUT(0, add(y0, y4)); PUT(1, sub(y0, y4)); PUT(2, ip(y2, y6)); PUT(3, im(y2, y6));
}

/* cftf082: the 8-point kernel of the other branch. */
FG_CLONES static void cftf082(float *a, size_t o, const float *w)
{
    float wn4r = w[1], wk1r = w[2], wk1i = w[3];
    cx y0 = ip(V(0), V(4)), y1 = im(V(0), V(4));
    cx y2 = w4(wn4r, ip(V(2), V(6))), y3 = w4(wn4r, im(V(2), V(6)));
    cx y4 = mul(wk1r, wk1i, ip(V(1), V(5))), y5 = mul(wk1i, wk1r, im(V(1), V(5)));
    cx y6 = mul(wk1i, wk1r, ip(V(3), V(7))), y7 = mul(wk1r, wk1i, im(V(3), V(7)));
    cx x0 = add(y0, y2), x1 = add(y4, y6);
    PUT(0, add(x0, x1)); PUT(1, sub(x0, x1));
    x0 = sub(y0, y2); x1 = sub(y4, y6);
    PUT(2, ip(x0, x1)); PUT(3, im(x0, x1));
    x0 = ip(y1, y3); x1 = sub(y5, y7);
    PUT(4, add(x0, x1)); PUT(5, sub(x0, x1));
    x0 = im(y1, y3); x1 = add(y5, y7);
    PUT(6, ip(x0, x1)); PUT(7, im(x0, x1));
}
#undef V
#undef PUT

/* cftleaf(n, isplt) on the n / 2 values from index o (n = 512 or 256; nw the whole
 * table's length): the four quarters, each a radix-4 step (cftmdl1 on quarters 0 and 2,
 * cftmdl2 on quarter 1, on quarter 3 cftmdl1 when isplt, else cftmdl2) and its 16- or
 * 8-point kernels on its four sixteenths ('a': the x1 + i x3 kernel, 'b': the other), as
 * the package calls them (a quarter's kernels touch disjoint values). */
FG_CLONES static void cftleaf(float *a, size_t n, size_t o, const float *w, size_t nw,
                              int isplt)
{
    size_t q = n >> 2;
    const char *kinds[4] = {"abaa", "abab", "abaa", isplt ? "abaa" : "abab"};
    for (size_t p = 0; p < 4; p++) {
        size_t oq = o + p * q;
        if (kinds[p][3] == 'a')                 /* the cftmdl1 quarters */
            cftmdl1(a, q, oq, w + nw - (q >> 1));
        else
            cftmdl2(a, q, oq, w + nw - q);
        for (size_t i = 0; i < 4; i++) {
            size_t ok = oq + i * (q >> 2);
            if (n == 512) {
                if (kinds[p][i] == 'a')
                    cftf161(a, ok, w + nw - 8);
                else
                    cftf162(a, ok, w + nw - 32);
            } else {
                if (kinds[p][i] == 'a')
                    cftf081(a, ok, w + nw - 8);
                else
                    cftf082(a, ok, w + nw - 8);
            }
        }
    }
}

/* The n / 2-point complex FFT, bit-reversed: cftf1st, then cftleaf (n <= 512) or, for
 * n = 1024, cftrec4: the last quarter's radix-4 step and leaf, then the other quarters from
 * the top down, each after the step cfttree gives it (cftmdl1 for the odd ones, cftmdl2
 * for quarter 1, whose leaf then ends with cftmdl2 too). */
static void cftfsub(float *a, size_t n, const float *w)
{
    size_t nw = n >> 2;
    cftf1st(a, n, w);
    if (n <= 512) {
        cftleaf(a, n, 0, w, nw, 1);
        return;
    }
    size_t m = n >> 2;
    cftmdl1(a, m, n - m, w + nw - (m >> 1));
    cftleaf(a, m, n - m, w, nw, 1);
    size_t k = 0;
    for (size_t j = n - m; j > 0; j -= m) {
        int isplt = (int)(++k & 1);
        if (isplt)
            cftmdl1(a, m, j - m, w + nw - (m >> 1));
        else
            cftmdl2(a, m, j - m, w + nw - m);
        cftleaf(a, m, j - m, w, nw, isplt);
    }
}

/* rftfsub and the last step of rdft, reading the complex FFT a through the bit reversal
 * (complex value p of the ordered sequence z is a's value rev[p]) and writing z's first
 * n_out values: the real split of the pairs j, n - j (x = (z[j] - z[k], z[j+1] + z[k+1]),
 * y = x (wkr + i wki): z[j] - y and z[k] + conj(y)), then R0 = z[0] + z[1], R(N/2) =
 * z[0] - z[1].  Pairs none of whose values is written are skipped. */
FG_CLONES static void rftfsub(const float *a, const uint16_t *rev, size_t n, const float *c,
                              size_t n_out, float *z)
{
    size_t m = n >> 1, nc = n >> 2, ks = 2 * nc / m, kk = 0;
#define RE(j) (a + 2 * (size_t)rev[(j) >> 1] * LV)
#define IM(j) (a + (2 * (size_t)rev[(j) >> 1] + 1) * LV)
    for (size_t j = 2; j < m; j += 2) {
        size_t k = n - j;
        kk += ks;
        if (j >= n_out && k >= n_out)
            continue;
        vf wkr = bc(0.5f - c[nc - kk]), wki = bc(c[kk]);
        vf ar = ld(RE(j)), ai = ld(IM(j)), br = ld(RE(k)), bi = ld(IM(k));
        vf xr = ar - br, xi = ai + bi;
        vf yr = wkr * xr - wki * xi, yi = wkr * xi + wki * xr;
        st(z + j * LV, ar - yr);
        st(z + (j + 1) * LV, ai - yi);
        st(z + k * LV, br + yr);
        st(z + (k + 1) * LV, bi - yi);
    }
    st(z + m * LV, ld(RE(m)));                  /* the middle value, untouched */
    st(z + (m + 1) * LV, ld(IM(m)));
#undef RE
#undef IM
    vf z0 = ld(a), z1 = ld(a + LV);             /* value 0 stays in place */
    st(z, z0 + z1);
    st(z + LV, z0 - z1);
}

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector) && __has_builtin(__builtin_convertvector)
#define FG_SMILE_FFT_SHUFFLE 1
#endif
#endif
#if !defined(FG_SMILE_FFT_SHUFFLE) || LV != 8
#undef FG_SMILE_FFT_SHUFFLE
#define FG_SMILE_FFT_SHUFFLE 0
#endif

#if FG_SMILE_FFT_SHUFFLE
/* r[i] lane j <- r[j] lane i (8 x 8 floats) */
static inline void transpose8(vf *r)
{
    vf t0 = __builtin_shufflevector(r[0], r[1], 0, 8, 2, 10, 4, 12, 6, 14);
    vf t1 = __builtin_shufflevector(r[0], r[1], 1, 9, 3, 11, 5, 13, 7, 15);
    vf t2 = __builtin_shufflevector(r[2], r[3], 0, 8, 2, 10, 4, 12, 6, 14);
    vf t3 = __builtin_shufflevector(r[2], r[3], 1, 9, 3, 11, 5, 13, 7, 15);
    vf t4 = __builtin_shufflevector(r[4], r[5], 0, 8, 2, 10, 4, 12, 6, 14);
    vf t5 = __builtin_shufflevector(r[4], r[5], 1, 9, 3, 11, 5, 13, 7, 15);
    vf t6 = __builtin_shufflevector(r[6], r[7], 0, 8, 2, 10, 4, 12, 6, 14);
    vf t7 = __builtin_shufflevector(r[6], r[7], 1, 9, 3, 11, 5, 13, 7, 15);
    vf u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    vf u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    vf u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    vf u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    vf u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    vf u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    vf u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    vf u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    vf col[8] = {__builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11),
         __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11),
         __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11),
         __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11),
         __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15),
         __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15),
         __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15),
         __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15)};
    memcpy(r, col, sizeof col);
}
#endif

/* a[offset + t] (t < len), lane l: (float)x[l][t] times win[t] (float), or
 * (float)x alone; the lanes l >= n_rows 0.  Whole blocks of 8 samples of 8 frames are
 * read as one vector per frame, rounded to float and transposed (as framedbank.c's
 * windowed transposes doubles), the rest one
 * value at a time.  Returns 0 when a value is NaN or infinite (as float), else 1. */
FG_CLONES static int fill(float *a, const double *const *x, size_t n_rows, size_t len,
                          const float *win, size_t offset)
{
    vf bad = bc(0.0f);
    size_t t = 0;
#if FG_SMILE_FFT_SHUFFLE
    typedef double vd4 __attribute__((vector_size(4 * sizeof(double))));
    typedef float vf4 __attribute__((vector_size(4 * sizeof(float))));
    if (n_rows == LV) {
        for (; t + 8 <= len; t += 8) {
            vf r[8];
            for (int l = 0; l < 8; l++) {
                vd4 p, q;
                memcpy(&p, x[l] + t, sizeof p);
                memcpy(&q, x[l] + t + 4, sizeof q);
                r[l] = __builtin_shufflevector(__builtin_convertvector(p, vf4),
                                               __builtin_convertvector(q, vf4),
                                               0, 1, 2, 3, 4, 5, 6, 7);
            }
            transpose8(r);
            for (int i = 0; i < 8; i++) {
                vf v = r[i];
                if (win != NULL)
                    v = v * bc(win[t + i]);
                bad = bad + v * bc(0.0f);
                st(a + (offset + t + i) * LV, v);
            }
        }
    }
#endif
    for (; t < len; t++) {
        float lane[LV] = {0.0f};
        for (size_t l = 0; l < n_rows; l++)
            lane[l] = (float)x[l][t];
        vf v = ld(lane);
        if (win != NULL)
            v = v * bc(win[t]);
        bad = bad + v * bc(0.0f);
        st(a + (offset + t) * LV, v);
    }
    float b[LV];
    st(b, bad);
    for (int l = 0; l < LV; l++)
        if (b[l] != b[l])                       /* inf * 0 and NaN * 0 are NaN */
            return 0;
    return 1;
}

/* The transform of up to LV frames (frame l: x[l], len samples) into out + l * n_out
 * (n_out floats each); a and z: work buffers of MAX_N * LV floats.  Returns 0 (and writes
 * nothing) when a frame value is NaN or infinite as float. */
FG_CLONES static int smile_rdft_group(const double *const *x, size_t n_rows,
                                      size_t len, const float *win, size_t n, size_t offset,
                                      const float *w, const float *c, const uint16_t *rev,
                                      size_t n_out, float *out, float *a, float *z)
{
    memset(a, 0, offset * LV * sizeof(float));
    memset(a + (offset + len) * LV, 0, (n - offset - len) * LV * sizeof(float));
    if (!fill(a, x, n_rows, len, win, offset))
        return 0;
    cftfsub(a, n, w);
    rftfsub(a, rev, n, c, n_out, z);
    size_t i = 0;
#if FG_SMILE_FFT_SHUFFLE
    if (n_rows == LV)                           /* blocks of 8 values, transposed */
        for (; i + 8 <= n_out; i += 8) {
            vf r[8];
            for (int j = 0; j < 8; j++)
                r[j] = ld(z + (i + j) * LV);
            transpose8(r);
            for (int l = 0; l < 8; l++)
                st(out + l * n_out + i, r[l]);
        }
#endif
    for (size_t l = 0; l < n_rows; l++) {
        float *dst = out + l * n_out;
        for (size_t k = i; k < n_out; k++)
            dst[k] = z[k * LV + l];
    }
    return 1;
}

int fg_smile_rdft_f32(const double *x, size_t n_x, size_t stride, size_t len,
                      const int64_t *rows, size_t n_frames, const float *win, size_t n_fft,
                      size_t offset, const float *w, const float *c, size_t n_out, float *out)
{
    if ((n_fft != 256 && n_fft != 512 && n_fft != 1024) || len < 1 || stride < 1 || offset > n_fft ||
        len > n_fft - offset || n_out < 1 || n_out > n_fft || (rows == NULL && n_frames > n_x))
        return FG_EINVAL;
    if (n_frames == 0)
        return FG_OK;
    if (x == NULL || w == NULL || c == NULL || out == NULL || n_x == 0 ||
        n_frames > SIZE_MAX / n_out || n_x - 1 > (SIZE_MAX - len) / stride)
        return FG_EINVAL;
    if (rows != NULL)
        for (size_t f = 0; f < n_frames; f++)
            if (rows[f] < 0 || (uint64_t)rows[f] >= n_x)
                return FG_EINVAL;
    if (win != NULL)
        for (size_t t = 0; t < len; t++)
            if (!(fabsf(win[t]) <= FLT_MAX))
                return FG_ENONFINITE;

    float a[MAX_N * LV], z[MAX_N * LV];         /* work buffers (2 x 32 KiB) */
    uint16_t rev[MAX_N / 2];
    size_t h = n_fft >> 1, bits = 0;
    while (((size_t)1 << bits) < h)
        bits++;
    for (size_t p = 0; p < h; p++) {
        size_t r = 0;
        for (size_t b = 0; b < bits; b++)
            r |= ((p >> b) & 1) << (bits - 1 - b);
        rev[p] = (uint16_t)r;
    }
    for (size_t f0 = 0; f0 < n_frames; f0 += LV) {
        size_t n_rows = n_frames - f0 < LV ? n_frames - f0 : LV;
        const double *src[LV];
        for (size_t l = 0; l < n_rows; l++)
            src[l] = x + (rows != NULL ? (size_t)rows[f0 + l] : f0 + l) * stride;
        if (!smile_rdft_group(src, n_rows, len, win, n_fft, offset, w, c, rev, n_out,
                              out + f0 * n_out, a, z))
            return FG_ENONFINITE;
    }
    return FG_OK;
}
