/*
 * featgraph native kernels: the single declaration of the C interface.
 *
 * This header is read twice: by the C compiler (lpc.c and the generated
 * cffi module include it), and by featgraph/native/build.py, which strips
 * the preprocessor lines cffi cannot parse (include guards, #include) and
 * hands the remainder to ffi.cdef.  Keep it to plain declarations and
 * integer #defines so that both readers understand it.
 *
 * Conventions (all kernels):
 *   - no global state, no allocation; the caller owns every buffer;
 *   - every array is row-major with explicit lengths;
 *   - the return value is an FG_* status code, FG_OK on success.  Inputs
 *     are checked before anything is written, so on an error the output
 *     buffers are left untouched.
 *
 * Status codes:
 *   FG_OK          success
 *   FG_EINVAL      bad sizes or arguments
 *   FG_ENONFINITE  NaN or infinity in the input
 *   FG_EDOMAIN     input outside the kernel's domain
 *   FG_ENOMEM      a float32 kernel could not allocate its double-precision
 *                  work buffer (the float64 kernels never allocate)
 */
#ifndef FEATGRAPH_H
#define FEATGRAPH_H

#include <stddef.h>

#define FG_OK 0
#define FG_EINVAL 1
#define FG_ENONFINITE 2
#define FG_EDOMAIN 3
#define FG_ENOMEM 4

/* Short English description of a status code (static storage). */
const char *fg_strerror(int code);

/*
 * Levinson-Durbin recursion on autocorrelation sequences.
 *
 *   r    (n_frames, r_stride), r_stride >= order + 1; only r[0..order] of
 *        each row are read.
 *   a    (n_frames, order + 1) out: predictor polynomial
 *        A(z) = a[0] + a[1] z^-1 + ... + a[order] z^-order with a[0] = 1.
 *   err  (n_frames,) out: final prediction-error power.
 *
 * Returns FG_EINVAL for order == 0, r_stride < order + 1 or a NULL buffer
 * (when n_frames > 0), FG_ENONFINITE if any lag read is NaN or infinite.
 * The float variant computes in double and stores float.
 */
int fg_levinson_f64(const double *r, size_t n_frames, size_t r_stride,
                    size_t order, double *a, double *err);
int fg_levinson_f32(const float *r, size_t n_frames, size_t r_stride,
                    size_t order, float *a, float *err);

/*
 * Cepstrum of the all-pole model 1/A(z) from predictor coefficients.
 *
 *   a    (n_frames, order + 1) with a[0] > 0 (gain-normalised rows allowed).
 *   c    (n_frames, n_ceps) out: c[0] = -log(a[0]), c[1..n_ceps-1].
 *
 * Returns FG_EINVAL for order == 0, n_ceps == 0 or a NULL buffer (when
 * n_frames > 0), FG_ENONFINITE if any coefficient is NaN or infinite,
 * FG_EDOMAIN if some row has a[0] <= 0.
 */
int fg_lpc_to_cepstrum_f64(const double *a, size_t n_frames, size_t order,
                           size_t n_ceps, double *c);
int fg_lpc_to_cepstrum_f32(const float *a, size_t n_frames, size_t order,
                           size_t n_ceps, float *c);

/*
 * One-pole recursion along frames, vectorised over bands (recursive.c):
 *
 *   y[b, 0, k] = u[b, 0, k] + pole * state[b, k]
 *   y[b, t, k] = u[b, t, k] + pole * y[b, t-1, k]        t = 1 .. n_frames-1
 *   state[b, k] <- y[b, n_frames-1, k]                   (when n_frames > 0)
 *
 *   u, y   (n_batch, n_frames, n_bands), row-major.  y may be u itself
 *          (in place) but may not overlap it otherwise.
 *   state  (n_batch, n_bands), in: the output before the first frame,
 *          y[b, -1, k]; out: the last output frame.  Always double, also in
 *          the float variant, so that a stream cut into chunks carries the
 *          full-precision state and equals one call on the whole stream.
 *          NULL means a zero initial state, and nothing is written back
 *          (then y[b, 0, k] = u[b, 0, k] exactly).
 *
 * The IIR part of RASTA filtering (Hermansky and Morgan 1994).  Returns
 * FG_EINVAL for a NULL u or y (when there is data), sizes whose product
 * overflows, or a pole that is not finite with |pole| < 1; FG_ENONFINITE if
 * u or state holds NaN or infinity.  With n_frames == 0 nothing is read from
 * u and the state is left as it is.  The float variant computes in double
 * and stores float.
 */
int fg_one_pole_f64(const double *u, size_t n_batch, size_t n_frames, size_t n_bands,
                    double pole, double *state, double *y);
int fg_one_pole_f32(const float *u, size_t n_batch, size_t n_frames, size_t n_bands,
                    double pole, double *state, float *y);

#endif /* FEATGRAPH_H */
