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
 *   y[b, 0, k] = u[b, 0, k]
 *   y[b, t, k] = u[b, t, k] + pole * y[b, t-1, k]        t = 1 .. n_frames-1
 *
 *   u, y  (n_batch, n_frames, n_bands), row-major; y may not alias u.
 *
 * The IIR part of RASTA filtering (Hermansky and Morgan 1994).  Returns
 * FG_EINVAL for a NULL buffer (when there is data) or a pole that is not
 * finite with |pole| < 1, FG_ENONFINITE if u holds NaN or infinity.
 */
int fg_one_pole_f64(const double *u, size_t n_batch, size_t n_frames, size_t n_bands,
                    double pole, double *y);

/*
 * Fused PLP back end (lpc_fused.c): per frame, Levinson-Durbin on r, then
 * optionally a /= max(err, error_floor), then the cepstrum of 1/A(z), then
 * c[n] *= lifter[n] -- the composition of fg_levinson_*, the gain
 * normalisation, fg_lpc_to_cepstrum_* and a lifter, in one pass.
 *
 *   r       (n_frames, r_stride), r_stride >= order + 1; r[0..order] read.
 *   lifter  (n_ceps,) weights, or NULL for none.
 *   work    caller-owned scratch of 2 * (order + 1) + n_ceps doubles.
 *   c       (n_frames, n_ceps) out.
 *
 * Returns FG_EINVAL for order == 0, r_stride < order + 1, n_ceps == 0, an
 * error_floor that is not finite and > 0, or a NULL buffer (when n_frames >
 * 0); FG_ENONFINITE if a lag read is NaN or infinite; FG_EDOMAIN if a gain
 * term a[0] is not > 0 (cannot happen with an error_floor > 0).  The float
 * variant computes in double and stores float.
 */
int fg_lpc_cepstra_f64(const double *r, size_t n_frames, size_t r_stride, size_t order,
                       int gain_normalize, double error_floor, size_t n_ceps,
                       const double *lifter, double *work, double *c);
int fg_lpc_cepstra_f32(const float *r, size_t n_frames, size_t r_stride, size_t order,
                       int gain_normalize, double error_floor, size_t n_ceps,
                       const double *lifter, double *work, float *c);

#endif /* FEATGRAPH_H */
