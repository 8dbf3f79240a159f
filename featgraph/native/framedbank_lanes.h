/*
 * The lane kernels of framedbank.c, one type at a time: included there twice, with
 *
 *   T    the sample type (double, float),
 *   VT   a GNU C vector of LV values of T (64 bytes: LV = 8 doubles, 16 floats),
 *   SFX  the name suffix (f64, f32),
 *   TRANSPOSE_LV(rows, n, c)  c[i] = sample n + i of the LV frames at rows,
 *   POWER_TO_LANES(dst, p)    the LV powers p, as doubles, to dst .. dst + LV - 1,
 *
 * defined.  Private to framedbank.c (the comments there describe the algorithm).
 */
#define FB_CAT2(a, b) a##_##b
#define FB_CAT(a, b) FB_CAT2(a, b)
#define FB_NAME(name) FB_CAT(name, SFX)

/* The h-point complex FFT (forward, in place) of the LV-lane complex vectors at x
 * (element i: re at x + 2 i LV, im at x + (2 i + 1) LV), from the step of span n0 on
 * (n0 = h: all of it; lane_power does the first step itself); tw holds W_h^j, j < h,
 * as doubles (rounded to T where they are broadcast).  Radix-4 decimation in frequency
 * (one radix-2 step last when log2(h) is odd), the butterflies with j = 0 without
 * their twiddles (1): X[k] ends at position pos[k] (digit-reversed; see positions).
 * In place, and one sub-transform of span n0 at a time (all its steps, then the next),
 * so that its data (n0 = 128: 16 KiB) stays in the L1 cache: the butterflies and their
 * operands are the same whatever the order, so are the numbers. */
FG_CLONES_512 static void FB_NAME(lane_fft)(T *x, size_t h, size_t n0, const double *tw)
{
    for (size_t blk = 0; blk < h; blk += n0) {
        T *xb = x + 2 * LV * blk;
        size_t n = n0;
        while (n >= 4) {
            size_t m = n / 4, s = h / n, e = 2 * LV * m;
            for (size_t base = 0; base < n0; base += n) {
                T *a = xb + 2 * LV * base;
                BF4_PLAIN(LD(a), LD(a + LV), LD(a + e), LD(a + e + LV), LD(a + 2 * e),
                          LD(a + 2 * e + LV), LD(a + 3 * e), LD(a + 3 * e + LV), a, a + e,
                          a + 2 * e, a + 3 * e);
            }
            for (size_t j = 1; j < m; j++) {
                const double *w1 = tw + 2 * (j * s), *w2 = tw + 2 * (2 * j * s),
                             *w3 = tw + 2 * (3 * j * s);
                VT w1r = BC(w1[0]), w1i = BC(w1[1]), w2r = BC(w2[0]), w2i = BC(w2[1]);
                VT w3r = BC(w3[0]), w3i = BC(w3[1]);
                for (size_t base = 0; base < n0; base += n) {
                    T *a = xb + 2 * LV * (base + j);
                    BF4_TW(LD(a), LD(a + LV), LD(a + e), LD(a + e + LV), LD(a + 2 * e),
                           LD(a + 2 * e + LV), LD(a + 3 * e), LD(a + 3 * e + LV), a, a + e,
                           a + 2 * e, a + 3 * e, w1r, w1i, w2r, w2i, w3r, w3i);
                }
            }
            n = m;
        }
        if (n == 2) {                   /* the last radix-2 step: twiddle 1 */
            for (size_t base = 0; base < n0; base += 2) {
                T *a = xb + 2 * LV * base, *b = a + 2 * LV;
                VT ar = LD(a), ai = LD(a + LV), br = LD(b), bi = LD(b + LV);
                ST(a, ar + br);
                ST(a + LV, ai + bi);
                ST(b, ar - br);
                ST(b + LV, ai - bi);
            }
        }
    }
}

/* rb[n] (n < len): sample n of the LV frames at rows, pre-emphasised and windowed in T
 * (the operations of window.c, lane by lane).  Whole blocks of LV samples are read as
 * one vector per frame and transposed (LV x LV), the rest one value at a time. */
FG_CLONES_512 static void FB_NAME(windowed)(const T *const *rows, size_t len, const T *win,
                                            double preemph, T *rb)
{
    const T k = (T)preemph;
    const VT nk = BC(-k), first = BC((T)1 - k);
    VT prev = BC(0);
    size_t n = 0;
    for (; n + LV <= len; n += LV) {
        VT c[LV];
        TRANSPOSE_LV(rows, n, c);
        for (size_t i = 0; i < LV; i++) {
            VT x = c[i], e = k == 0 ? x : n + i == 0 ? x * first : x + prev * nk;
            prev = x;
            ST(rb + (n + i) * LV, e * BC(win[n + i]));
        }
    }
    for (; n < len; n++) {
        VT x;
        for (size_t l = 0; l < LV; l++)
            x[l] = rows[l][n];
        VT e = k == 0 ? x : n == 0 ? x * first : x + prev * nk;
        prev = x;
        ST(rb + n * LV, e * BC(win[n]));
    }
}

/* The power |X[k]|^2, k = 0 .. n_fft / 2, of the LV frames at rows, in T, into lanes as
 * doubles (bin k of these frames at lanes + k GROUP); rb holds n_fft vectors, buf 4 h. */
FG_CLONES_512 static void FB_NAME(lane_power)(const T *const *rows, size_t len, size_t start,
                                              const T *win, double preemph, size_t n_fft,
                                              const double *tw_h, const double *tw_m,
                                              const double *tw_n, const uint32_t *pos,
                                              T *rb, T *buf, double *lanes)
{
    size_t h = n_fft / 4, m = n_fft / 2, half = n_fft / 2;
    T *u0 = buf, *v0 = u0 + 2 * LV * h;
    FB_NAME(windowed)(rows, len, win, preemph, rb);
    /* u[n] = z[n] + z[n + h], v[n] = (z[n] - z[n + h]) W_M^n, z[n] = r[2n] + i r[2n + 1]:
     * z[n + h] holds samples 2n + half, 2n + half + 1, zero for every n when the frame
     * ends in the first half. */
    const VT zero = BC(0);
#define R(j) ((j) >= start && (j) - start < len ? LD(rb + ((j) - start) * LV) : zero)
    int upper = start + len > half;
    /* ... and, in the same pass, the first radix-4 step of both h-point FFTs (span h:
     * elements j, j + h/4, j + h/2, j + 3h/4), as lane_fft would do it. */
    size_t q = h / 4, e = 2 * LV * q;
    for (size_t j = 0; j < q; j++) {
        VT ur[4], ui[4], vr[4], vi[4];
        for (size_t t = 0; t < 4; t++) {
            size_t nn = j + t * q, jj = 2 * nn;
            VT ar = R(jj), ai = R(jj + 1), br = zero, bi = zero;
            if (upper) {
                br = R(jj + half);
                bi = R(jj + half + 1);
            }
            ur[t] = ar + br;
            ui[t] = ai + bi;
            VT dr = ar - br, di = ai - bi, wr = BC(tw_m[2 * nn]), wi = BC(tw_m[2 * nn + 1]);
            vr[t] = dr * wr - di * wi;
            vi[t] = dr * wi + di * wr;
        }
        T *pu = u0 + 2 * LV * j, *pv = v0 + 2 * LV * j;
        if (j == 0) {
            BF4_PLAIN(ur[0], ui[0], ur[1], ui[1], ur[2], ui[2], ur[3], ui[3], pu, pu + e,
                      pu + 2 * e, pu + 3 * e);
            BF4_PLAIN(vr[0], vi[0], vr[1], vi[1], vr[2], vi[2], vr[3], vi[3], pv, pv + e,
                      pv + 2 * e, pv + 3 * e);
        } else {
            VT w1r = BC(tw_h[2 * j]), w1i = BC(tw_h[2 * j + 1]);
            VT w2r = BC(tw_h[4 * j]), w2i = BC(tw_h[4 * j + 1]);
            VT w3r = BC(tw_h[6 * j]), w3i = BC(tw_h[6 * j + 1]);
            BF4_TW(ur[0], ui[0], ur[1], ui[1], ur[2], ui[2], ur[3], ui[3], pu, pu + e,
                   pu + 2 * e, pu + 3 * e, w1r, w1i, w2r, w2i, w3r, w3i);
            BF4_TW(vr[0], vi[0], vr[1], vi[1], vr[2], vi[2], vr[3], vi[3], pv, pv + e,
                   pv + 2 * e, pv + 3 * e, w1r, w1i, w2r, w2i, w3r, w3i);
        }
    }
#undef R
    FB_NAME(lane_fft)(u0, h, q, tw_h);
    FB_NAME(lane_fft)(v0, h, q, tw_h);
    const T *U = u0, *V = v0;
    /* With A = Z[k], B = conj Z[M - k] (Z[M] = Z[0]; Z[2i] = U[i], Z[2i + 1] = V[i]),
     * S = A + B and T = W_N^k (A - B): 2 X[k] = S - i T, and, as W_N^(M - k) = -conj W_N^k,
     * 2 X[M - k] = conj S - i conj T.  k and M - k together, k = 0 .. M / 2. */
    const VT quarter = BC(0.25);
    for (size_t kk = 0; kk <= m / 2; kk++) {
        size_t a = kk, b = kk == 0 ? 0 : m - kk;
        const T *za = (a & 1 ? V : U) + 2 * LV * pos[a >> 1];
        const T *zb = (b & 1 ? V : U) + 2 * LV * pos[b >> 1];
        VT ar = LD(za), ai = LD(za + LV), br = LD(zb), bi = -LD(zb + LV);
        VT sr = ar + br, si = ai + bi, dr = ar - br, di = ai - bi;
        VT wr = BC(tw_n[2 * kk]), wi = BC(tw_n[2 * kk + 1]);
        VT tr = dr * wr - di * wi, ti = dr * wi + di * wr;
        VT xr = sr + ti, xi = si - tr;           /* 2 X[k] */
        POWER_TO_LANES(lanes + kk * GROUP, (xr * xr + xi * xi) * quarter);
        if (kk != m - kk) {
            VT yr = sr - ti, yi = si + tr;       /* 2 X[M - k], up to its sign */
            POWER_TO_LANES(lanes + (m - kk) * GROUP, (yr * yr + yi * yi) * quarter);
        }
    }
}

/* The magnitude from the power in the first n lanes, as the banded kernels take it:
 * sqrt in double, or sqrtf of the (exact) float value for float. */
FG_CLONES static void FB_NAME(lanes_sqrt)(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (double)SQRT_T((T)v[i]);
}

/* out[f, b] = sum_{k = first[b]}^{stop[b] - 1} lanes[k GROUP + f] w[b, k] for the GROUP
 * frames held bin-major in lanes: per frame one double sum in the order of k (the sums
 * of fg_banded_filterbank), rounded to T at the end; eight vectors of eight frames, so
 * that eight independent additions are in flight. */
FG_CLONES_512 static void FB_NAME(lane_sums)(const double *lanes, size_t n_bins, const T *w,
                                             size_t n_bands, const size_t *first,
                                             const size_t *stop, T *out)
{
    for (size_t b = 0; b < n_bands; b++) {
        const T *wb = w + b * n_bins;
        v8d a[GROUP / 8];
        for (size_t i = 0; i < GROUP / 8; i++)
            a[i] = BC8(0.0);
        for (size_t k = first[b]; k < stop[b]; k++) {
            v8d wv = BC8((double)wb[k]);
            const double *v = lanes + k * GROUP;
            for (size_t i = 0; i < GROUP / 8; i++)
                a[i] += LD8(v + i * 8) * wv;
        }
        for (size_t i = 0; i < GROUP / 8; i++)
            for (size_t f = 0; f < 8; f++)
                out[(i * 8 + f) * n_bands + b] = (T)a[i][f];
    }
}

#undef FB_NAME
#undef FB_CAT
#undef FB_CAT2
