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
 *   FG_ENOMEM      a kernel could not allocate its work buffer (a float32
 *                  kernel's double-precision copy, or the scratch of a few others)
 */
#ifndef FEATGRAPH_H
#define FEATGRAPH_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * PNCC's recursions over frames (pncc.c; Kim and Stern, IEEE/ACM TASLP 24(7),
 * 2016, Sec. II-C to II-F).  Arrays are (n_batch, n_frames, n_bands), row-major.
 *
 * fg_pncc_suppress_f64: asymmetric noise suppression, temporal masking and
 * spectral weight smoothing.  For each frame m and band l, with Q = q[m, l]
 * the medium-time power and AF(prev, x) = la prev + (1 - la) x if x >= prev,
 * else lb prev + (1 - lb) x:
 *
 *   Q_le = AF(Q_le, Q);   Q0 = max(Q - Q_le, 0);   Q_f = AF(Q_f, Q0)
 *   R_tm = Q0 if Q0 >= lambda_t Q_p else mu_t Q_p;   Q_p = max(lambda_t Q_p, Q0)
 *          (R_tm = Q0 when temporal_masking == 0)
 *   R    = max(R_tm, Q_f) if Q >= c Q_le else Q_f
 *   w[l] = R / Q (0 where Q == 0)
 *   t[m, l] = p[m, l] * mean(w[max(l - n_smooth, 0) .. min(l + n_smooth, n_bands - 1)])
 *
 *   p, q   (n_batch, n_frames, n_bands): short-time and medium-time power, >= 0.
 *   state  (n_batch, 3 * n_bands + 1) in/out: frames seen so far (0 at the start,
 *          when Q_le = 0.9 Q, Q_f = 0.9 Q0 and Q_p = Q0 are set before the
 *          update, as in Kim's code), then Q_le, Q_f, Q_p.
 *   work   (n_bands,) scratch.   t (n_batch, n_frames, n_bands) out.
 *
 * fg_mean_power_norm_f64: mu = lam mu + (1 - lam) mean_l t[m, l] with
 * lam = min(lambda_mu, n / (n + 1)), n the frames seen before (so mu is the
 * running mean until n reaches lambda_mu / (1 - lambda_mu)), then
 * u[m, l] = k t[m, l] / mu (0 when mu == 0).  state (n_batch, 2) in/out: mu, n.
 *
 * Both return FG_EINVAL for forgetting factors outside [0, 1), a negative or
 * non-finite c or mu_t, k <= 0, or NULL buffers (when there is data),
 * FG_ENONFINITE for NaN or infinity and FG_EDOMAIN for negative powers.
 */
int fg_pncc_suppress_f64(const double *p, const double *q, size_t n_batch, size_t n_frames,
                         size_t n_bands, double lambda_a, double lambda_b, double c,
                         double lambda_t, double mu_t, int temporal_masking, size_t n_smooth,
                         double *state, double *work, double *t);
int fg_mean_power_norm_f64(const double *t, size_t n_batch, size_t n_frames, size_t n_bands,
                           double lambda_mu, double k, double *state, double *u);

/*
 * fg_pncc_suppression_f64 / _f32: the medium-time power and fg_pncc_suppress_f64 in one
 * pass over a block, reading the frames in place.  The input frames are c = hist ++ x:
 * hist (n_batch, n_hist, n_bands) float64 (earlier frames the caller kept), then x
 * (n_batch, n_x, n_bands) of the type.  For the n_out frames i = out_start ..
 * out_start + n_out - 1 of c (out_start + n_out <= n_hist + n_x):
 *
 *   q[i, l] = (c[i - M, l] + c[i - M + 1, l] + ... + c[i + M, l]) / count
 *
 * added in that order, frames outside c as 0.0, count the frames inside c (the caller
 * keeps enough history that no frame before c exists but at the start of the stream:
 * Kim and Stern's eq. 4 with the mean over the frames present at the ends); then
 * t[i - out_start] = fg_pncc_suppress_f64 of p = c[i] and q (same state), rounded to
 * the type.  Equal bit for bit to that sequence.  work: (n_batch n_out + 2) n_bands
 * doubles.  Returns as fg_pncc_suppress_f64, and FG_EINVAL for an output range
 * outside c; on an error the state is left unchanged.
 *
 * fg_mean_power_norm_f32: fg_mean_power_norm_f64 reading float32 (exactly converted)
 * and writing its double results rounded to float32.
 */
int fg_pncc_suppression_f64(const double *x, size_t n_batch, size_t n_x, size_t n_bands,
                            const double *hist, size_t n_hist, size_t out_start,
                            size_t n_out, size_t M, double lambda_a, double lambda_b,
                            double c, double lambda_t, double mu_t, int temporal_masking,
                            size_t n_smooth, double *state, double *work, double *t);
int fg_pncc_suppression_f32(const float *x, size_t n_batch, size_t n_x, size_t n_bands,
                            const double *hist, size_t n_hist, size_t out_start,
                            size_t n_out, size_t M, double lambda_a, double lambda_b,
                            double c, double lambda_t, double mu_t, int temporal_masking,
                            size_t n_smooth, double *state, double *work, float *t);
int fg_mean_power_norm_f32(const float *t, size_t n_batch, size_t n_frames, size_t n_bands,
                           double lambda_mu, double k, double *state, float *u);

/*
 * Zero crossings of frames (crossings.c):
 *
 *   out[t] = sum_{n=1}^{frame_len-1} [neg(x[t, n]) != neg(x[t, n-1])]
 *
 *   frame t is x[t * frame_stride .. t * frame_stride + frame_len - 1] (frames may
 *   overlap: a framed signal is read as it is); out (n_frames,) counts, as double.
 *
 * neg(v): the sign bit of v, with |v| <= threshold counted as +0 (librosa), or v < 0
 * (lecture != 0; threshold unused).  Returns FG_EINVAL for frame_len == 0, a zero
 * frame_stride with several frames, a NULL buffer (when n_frames > 0) or sizes that
 * overflow; FG_EDOMAIN for a negative or NaN threshold.  NaN samples count by their
 * sign bit (librosa) or as not negative (lecture), as in numpy.
 */
int fg_zero_crossings_f64(const double *x, size_t n_frames, size_t frame_len,
                          size_t frame_stride, double threshold, int lecture, double *out);
int fg_zero_crossings_f32(const float *x, size_t n_frames, size_t frame_len,
                          size_t frame_stride, double threshold, int lecture, double *out);

/*
 * Average magnitude difference function of frames (amdf.c):
 *
 *   d[t, k - first_lag] = sum_{n=k}^{frame_len-1} |x[t, n] - x[t, n-k]|,
 *                                              k = first_lag .. end_lag-1
 *
 *   frame t is x[t * frame_stride .. t * frame_stride + frame_len - 1] (frames may
 *   overlap); d (n_frames, end_lag - first_lag) out, divided by frame_len - k when
 *   normalize != 0.
 *
 * Returns FG_EINVAL unless first_lag <= end_lag <= frame_len, for a zero frame_stride
 * with several frames, sizes that overflow or a NULL buffer (when there is data),
 * FG_ENONFINITE if x holds NaN or infinity.  Differences and sums in the frames' type,
 * W lanes at a time, FG_AMDF_LAGS lags per pass from first_lag: within
 * (frame_len / W + 4) units of rounding of d itself (W = 8 floats, 4 doubles); a lag's
 * last bits depend on where its pass starts (see amdf.c).
 */
#define FG_AMDF_LAGS 6
int fg_amdf_f64(const double *x, size_t n_frames, size_t frame_len, size_t frame_stride,
                size_t first_lag, size_t end_lag, int normalize, double *d);
int fg_amdf_f32(const float *x, size_t n_frames, size_t frame_len, size_t frame_stride,
                size_t first_lag, size_t end_lag, int normalize, float *d);

/*
 * Period picking from an autocorrelation or an AMDF (periodicity.c):
 *
 *   x (n_frames, n_lags): row t holds lags 0 .. n_lags-1.  Score s[k] = x[k] / x[0]
 *   (mode 0, autocorrelation; 0 when x[0] <= 0) or 1 - x[k] / max_{kmin..kmax} x
 *   (mode 1, AMDF; 0 when that maximum is <= 0).  lag[t]: the shortest k in
 *   [kmin, kmax] that is a local maximum of s (against s[k-1] and s[k+1], -inf past
 *   the last lag) scoring >= best - tolerance, else the first best; strength[t] = s[lag].
 *
 * Returns FG_EINVAL unless 1 <= kmin <= kmax < n_lags and mode is 0 or 1 (or for a NULL
 * buffer with n_frames > 0), FG_EDOMAIN for a negative or NaN tolerance, FG_ENONFINITE
 * for NaN or infinity among the lags read.  Equal bit for bit to the numpy definition.
 */
int fg_pick_period_f64(const double *x, size_t n_frames, size_t n_lags, size_t kmin,
                       size_t kmax, int mode, double tolerance, double *lag,
                       double *strength);
int fg_pick_period_f32(const float *x, size_t n_frames, size_t n_lags, size_t kmin,
                       size_t kmax, int mode, double tolerance, double *lag,
                       double *strength);

/*
 * Automatic gain control over samples (agc.c), n_batch independent rows:
 *
 *   E(n) = (1 - alpha) x(n-1)^2 + alpha E(n-1),   y(n) = x(n) / sqrt(max(E(n), floor))
 *
 *   x, y          (n_batch, n_samples); y may not alias x.
 *   energy, prev  (n_batch,) in/out state: E and x of the sample before the
 *                 block; updated to the block's last sample.
 *
 * Returns FG_EINVAL unless 0 < alpha < 1 and floor is finite and > 0, or for
 * a NULL buffer (when there is data); FG_EDOMAIN for a state that is not
 * finite or a negative energy; FG_ENONFINITE if x holds NaN or infinity.
 * Nothing is written on an error.  Computes in double.
 */
int fg_agc_f64(const double *x, size_t n_batch, size_t n_samples, double alpha,
               double floor_, double *energy, double *prev, double *y);
int fg_agc_f32(const float *x, size_t n_batch, size_t n_samples, double alpha,
               double floor_, double *energy, double *prev, float *y);

/*
 * Spectral moments of real non-negative frames, one pass per statistic group
 * (moments.c):
 *
 *   S = sum_k s_k,  c = sum f_k s_k / S,  mu2 = sqrt(sum (f_k - c)^2 s_k / S),
 *   out[t] = { c, mu2, sum (f-c)^3 s / (S mu2^3), sum (f-c)^4 s / (S mu2^4),
 *              H = log2 S - sum s_k log2 s_k / S (bits), max_k s_k, S / n_bins }
 *
 *   s (n_frames, n_bins), freq (n_bins,), out (n_frames, 7) out.
 *
 * A frame summing to 0 gives 0 for c, mu2, skewness, kurtosis and H; a spread
 * of 0 gives 0 skewness and kurtosis; terms with s_k = 0 add nothing to H.
 * Returns FG_EINVAL for n_bins == 0 or a NULL buffer (when there is data),
 * FG_ENONFINITE for NaN or infinity in s or freq, FG_EDOMAIN for a negative
 * s.  Nothing is written on an error.  Computes in double.
 */
int fg_spectral_moments_f64(const double *s, size_t n_frames, size_t n_bins,
                            const double *freq, double *out);
int fg_spectral_moments_f32(const float *s, size_t n_frames, size_t n_bins,
                            const double *freq, double *out);

/*
 * librosa's spectral shape descriptors (shape.c), one value per frame into out (double):
 * n_frames frames of n_bins non-negative values, row_stride values apart; freq (n_bins,)
 * the bin frequencies in Hz.  With S = sum_k s_k:
 *
 *   centroid   c = sum_k (s_k / S) f_k (s as it is when S < DBL_MIN)
 *   bandwidth  (sum_k w_k |f_k - c|^p)^(1/p), w = s / S with norm (as the centroid), else s
 *   rolloff    f_k of the first k whose running sum reaches roll_percent * S (the sums and
 *              the threshold in the type of s)
 *   flatness   exp(mean ln v) / mean v, v_k = max(amin, s_k^power) in the type of s
 *
 * Other sums in double (four partial sums, k mod 4).  Returns FG_EINVAL for n_bins == 0,
 * row_stride < n_bins, a NULL buffer (when n_frames > 0) or sizes that overflow;
 * FG_EDOMAIN for a negative value or a parameter out of range (p, power, amin > 0 and
 * finite; 0 < roll_percent < 1), after which out holds the frames before it only.
 * Values are not otherwise checked (NaN propagates).
 */
int fg_spectral_centroid_f64(const double *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const double *freq, double *out);
int fg_spectral_centroid_f32(const float *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const double *freq, double *out);
int fg_spectral_bandwidth_f64(const double *s, size_t n_frames, size_t n_bins,
                              size_t row_stride, const double *freq, double p, int norm,
                              double *out);
int fg_spectral_bandwidth_f32(const float *s, size_t n_frames, size_t n_bins,
                              size_t row_stride, const double *freq, double p, int norm,
                              double *out);
int fg_spectral_rolloff_f64(const double *s, size_t n_frames, size_t n_bins,
                            size_t row_stride, const double *freq, double roll_percent,
                            double *out);
int fg_spectral_rolloff_f32(const float *s, size_t n_frames, size_t n_bins,
                            size_t row_stride, const double *freq, double roll_percent,
                            double *out);
int fg_spectral_flatness_f64(const double *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, double power, double amin, double *out);
int fg_spectral_flatness_f32(const float *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, double power, double amin, double *out);

/*
 * Per-frame statistics (framestats.c); every sum in double, as eight partial sums (k mod 8).
 *
 * fg_frame_dots: out[t * n_w + j] = sum_k w[j * n_bins + k] g(s[t * row_stride + k]) for
 * n_frames frames of n_bins values, g(s) = s^2 with square, else s; w (n_w, n_bins).
 * With nonneg, FG_EDOMAIN when a value is negative.
 *
 * fg_spectral_change: out[t] = sum_k h(a_k, b_k) over the rows a + t a_stride (frame t)
 * and b + t b_stride (the frame it is compared with), by mode:
 *   0  |a - b|^p
 *   1  max(0, a - b)^p
 *   2  ln(1 + a / max(amin, b))   (MKL; p unused)
 * FG_EDOMAIN for a negative value, p < 1 or amin <= 0 (or not finite), FG_EINVAL for
 * another mode.
 *
 * fg_spectral_contrast: for band b, the values s[t, first[b] .. first[b] + count[b]):
 * out[(t * n_bands + b) * 2] the mean of its q[b] largest, [.. + 1] of its q[b] smallest
 * (1 <= q[b] <= count[b]; work holds max count[b] doubles when some q[b] > 64, may be NULL
 * otherwise).  NaN in a band gives NaN for both.
 *
 * All: FG_EINVAL for n_bins == 0, a stride < n_bins, sizes that overflow, or a NULL
 * buffer when n_frames > 0.  NaN propagates to the frame's value.  The sign is checked in
 * the same pass as the sums: after FG_EDOMAIN, out holds the frames before the bad one.
 */
int fg_frame_dots_f64(const double *s, size_t n_frames, size_t n_bins, size_t row_stride,
                      const double *w, size_t n_w, int square, int nonneg, double *out);
int fg_frame_dots_f32(const float *s, size_t n_frames, size_t n_bins, size_t row_stride,
                      const double *w, size_t n_w, int square, int nonneg, double *out);
int fg_spectral_change_f64(const double *a, const double *b, size_t n_frames, size_t n_bins,
                           size_t a_stride, size_t b_stride, int mode, double p, double amin,
                           double *out);
int fg_spectral_change_f32(const float *a, const float *b, size_t n_frames, size_t n_bins,
                           size_t a_stride, size_t b_stride, int mode, double p, double amin,
                           double *out);
int fg_spectral_contrast_f64(const double *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const size_t *first, const size_t *count,
                             const size_t *q, size_t n_bands, double *work, double *out);
int fg_spectral_contrast_f32(const float *s, size_t n_frames, size_t n_bins,
                             size_t row_stride, const size_t *first, const size_t *count,
                             const size_t *q, size_t n_bands, double *work, double *out);

/*
 * Power spectrum (spectrum.c): out[i] = (re_i^2 + im_i^2) + floor for n
 * complex values stored interleaved (re, im) in z (2 n reals), in the real
 * type of z; the numpy definition's operations in its order (bit-equal).
 * NaN and infinity propagate as in numpy (no value checks: a hot path).
 * Returns FG_EINVAL for a NULL buffer (when n > 0), FG_EDOMAIN for a floor
 * that is negative or not finite.  Nothing is written on an error.
 */
int fg_power_spectrum_f64(const double *z, size_t n, double floor_, double *out);
int fg_power_spectrum_f32(const float *z, size_t n, double floor_, float *out);

/*
 * Magnitude spectrum (spectrum.c): out[i] = sqrt(re_i^2 + im_i^2) for n complex values
 * stored interleaved in z, in the real type of z: fg_power_spectrum (floor 0) and the
 * square root in one pass, bit-equal to numpy's power then np.sqrt.  NaN and infinity
 * propagate.  Returns FG_EINVAL for a NULL buffer (when n > 0).
 */
int fg_magnitude_spectrum_f64(const double *z, size_t n, double *out);
int fg_magnitude_spectrum_f32(const float *z, size_t n, float *out);

/*
 * Frames pre-emphasised, windowed and zero-padded for an FFT (window.c):
 *
 *   e[n] = x[t, n] - k x[t, n - 1] (n >= 1),  e[0] = (1 - k) x[t, 0]    (HTK, per frame)
 *   out[t, start + n] = e[n] * w[n],  n = 0 .. frame_len - 1;  out[t, m] = 0 elsewhere
 *
 *   frame t is x[t * frame_stride .. t * frame_stride + frame_len - 1] (frames may
 *   overlap: a framed signal is read as it is); w (frame_len,); out (n_frames, out_len).
 *
 * zero_pad == 0 leaves out[t, m] outside [start, start + frame_len) as it is (a reused
 * buffer whose padding is already zero).
 * k = preemph, rounded to the type of x; k = 0 is the window alone.  Each product is
 * rounded before the sum, as numpy computes it.  Returns FG_EINVAL for frame_len == 0,
 * start + frame_len > out_len, a NULL buffer (when n_frames > 0) or sizes that
 * overflow; FG_EDOMAIN for k outside [0, 1] or NaN.
 */
int fg_window_frames_f64(const double *x, size_t n_frames, size_t frame_len,
                         size_t frame_stride, const double *w, double preemph,
                         size_t out_len, size_t start, int zero_pad, double *out);
int fg_window_frames_f32(const float *x, size_t n_frames, size_t frame_len,
                         size_t frame_stride, const float *w, double preemph,
                         size_t out_len, size_t start, int zero_pad, float *out);

/*
 * Band-limited filterbank product (filterbank.c):
 *
 *   out[t, b] = sum_{k = first[b]}^{stop[b] - 1} spec[t, k] * w[b, k]
 *
 *   spec (n_frames, n_bins), w (n_bands, n_bins), first/stop (n_bands,) the
 *   support of each filter, out (n_frames, n_bands); work
 *   (FG_BANDED_LANES * n_bins,) double scratch, for either input type.
 *
 * Accumulates in double, in the order of k.  Returns FG_EINVAL for a NULL
 * buffer (when there is data), a support with first > stop or stop > n_bins,
 * or sizes that overflow.  Values are not checked (NaN propagates).  Nothing
 * but work is written on an error.
 */
#define FG_BANDED_LANES 32
int fg_banded_filterbank_f64(const double *spec, size_t n_frames, size_t n_bins,
                             const double *w, size_t n_bands, const size_t *first,
                             const size_t *stop, double *work, double *out);
int fg_banded_filterbank_f32(const float *spec, size_t n_frames, size_t n_bins,
                             const float *w, size_t n_bands, const size_t *first,
                             const size_t *stop, double *work, float *out);

/*
 * The same product on the power, or the magnitude, of a complex spectrum (filterbank.c):
 *
 *   power:     out[t, b] = sum_k (re[t, k]^2 + im[t, k]^2) * w[b, k]
 *   magnitude: out[t, b] = sum_k sqrt(re[t, k]^2 + im[t, k]^2) * w[b, k]
 *
 *   z (n_frames, n_bins) complex, stored interleaved (re, im): 2 n_bins reals per frame;
 *   work, w, first, stop, out as fg_banded_filterbank.
 *
 * The power re * re + im * im (and its square root) is formed in the type of z, then
 * summed as fg_banded_filterbank sums: without taps, the power form is equal bit for
 * bit to fg_power_spectrum (floor 0) followed by fg_banded_filterbank, without the power
 * spectrogram in memory.
 *
 * taps (NULL, or 2 values c0, c1) window each spectrum first, in the frequency domain:
 * z[k] becomes c0 z[k] + c1 (z[k - 1] + z[k + 1]) with z[-1] = conj(z[1]) and
 * z[n_bins] = conj(z[n_bins - 2]).  For the n_bins = N/2 + 1 bins of the real DFT of a
 * frame of even length N, that is the DFT of the frame times c0 + 2 c1 cos(2 pi n / N):
 * periodic Hann is c0 = 0.5, c1 = -0.25, Hamming 0.54, -0.23 (times any gain); the
 * frames need no windowed copy before the FFT.  The taps are rounded to the type of z.
 *
 * Returns FG_EINVAL as fg_banded_filterbank does and for taps with n_bins < 2,
 * FG_EDOMAIN for taps that are not finite.
 */
int fg_banded_power_filterbank_f64(const double *z, size_t n_frames, size_t n_bins,
                                   const double *w, size_t n_bands, const size_t *first,
                                   const size_t *stop, const double *taps, double *work,
                                   double *out);
int fg_banded_power_filterbank_f32(const float *z, size_t n_frames, size_t n_bins,
                                   const float *w, size_t n_bands, const size_t *first,
                                   const size_t *stop, const double *taps, double *work,
                                   float *out);
int fg_banded_magnitude_filterbank_f64(const double *z, size_t n_frames, size_t n_bins,
                                       const double *w, size_t n_bands, const size_t *first,
                                       const size_t *stop, const double *taps, double *work,
                                       double *out);
int fg_banded_magnitude_filterbank_f32(const float *z, size_t n_frames, size_t n_bins,
                                       const float *w, size_t n_bands, const size_t *first,
                                       const size_t *stop, const double *taps, double *work,
                                       float *out);

/*
 * Framed power filterbank, float64 and float32 (framedbank.c): window, real FFT, power
 * (or magnitude) and band-limited filter sums of framed signal in one pass:
 *
 *   r[t, start + n] = w[n] e[t, n] (n < frame_len), 0 elsewhere in 0 .. n_fft - 1
 *   P[t, k] = |sum_j r[t, j] e^(-2 pi i j k / n_fft)|^2   (magnitude != 0: its sqrt)
 *   out[t, b] = sum_{k = first[b]}^{stop[b] - 1} P[t, k] wb[b, k]
 *
 *   x: frame t at x + t * frame_stride, frame_len samples (frames may overlap);
 *   e as fg_window_frames (HTK pre-emphasis k = preemph, 0: none); win (frame_len,);
 *   n_fft a power of two >= 16, start + frame_len <= n_fft; wb (n_bands, n_fft / 2 + 1),
 *   first/stop as fg_banded_filterbank; out (n_frames, n_bands); work (work_len,)
 *   doubles, work_len >= fg_framed_power_filterbank_work(n_fft, n_bands), laid out once
 *   by fg_framed_power_filterbank_plan (its twiddle tables; the same work buffer then
 *   serves either type, every call with this n_fft and at most n_bands bands, one call
 *   at a time).
 *
 * Equal to fg_window_frames, a real FFT and fg_banded_power_filterbank (magnitude:
 * fg_banded_magnitude_filterbank) of the same type to rounding: the window, power and
 * sums are theirs (window and power in the type of x, sums in double), the FFT its
 * own, in the type of x, frames side by side in vectors (each frame's numbers do not
 * depend on the others).  fg_framed_power_filterbank_work returns 0 for an n_fft it does not
 * take.  Returns FG_EINVAL for a NULL buffer (with data), a short or unplanned work
 * buffer (or one planned for another n_fft), an unsupported n_fft, a frame that does not fit, a bad support or sizes that overflow;
 * FG_EDOMAIN for preemph outside [0, 1].
 */
size_t fg_framed_power_filterbank_work(size_t n_fft, size_t n_bands);
int fg_framed_power_filterbank_plan(size_t n_fft, size_t n_bands, double *work,
                                    size_t work_len);
int fg_framed_power_filterbank_f64(const double *x, size_t n_frames, size_t frame_len,
                                   size_t frame_stride, const double *win, double preemph,
                                   size_t n_fft, size_t start, const double *wb,
                                   size_t n_bands, const size_t *first, const size_t *stop,
                                   int magnitude, double *work, size_t work_len, double *out);
int fg_framed_power_filterbank_f32(const float *x, size_t n_frames, size_t frame_len,
                                   size_t frame_stride, const float *win, double preemph,
                                   size_t n_fft, size_t start, const float *wb,
                                   size_t n_bands, const size_t *first, const size_t *stop,
                                   int magnitude, double *work, size_t work_len, float *out);

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

/*
 * Pitch (pitch.c): YIN's period pick, pYIN's trough probabilities and the
 * Viterbi decoding of pYIN's pitch/voicing HMM (de Cheveigne & Kawahara 2002;
 * Mauch & Dixon 2014; librosa 0.11's conventions).  A trough is c[k] < c[k-1]
 * and c[k] <= c[k+1] inside, c[0] < c[1] at the first lag, c[n-1] < c[n-2] at
 * the last.  See reference_pitch.py for the exact definitions.
 *
 * fg_yin_pick: cmnd (n_frames, n_lags >= 3); pos (n_frames) out: the first
 *   trough below threshold, else the first global minimum, plus the parabolic
 *   shift -b/a (0 when |b| >= |a| or at the first/last lag).
 * fg_pyin_trough_probs: probs (n_frames, n_lags) out, zero but at troughs:
 *   sum_m beta[m] fact[N_m] decay[rank] over the thresholds the trough is below,
 *   plus no_trough_prob * beta_prefix[M] at the lowest trough.  fact has
 *   n_lags + 1 entries, decay n_lags, beta_prefix n_thresholds + 1.
 * fg_viterbi_pitch: states s = v * n_bins + i (v = 0 voiced, 1 unvoiced).
 *   log_stay / log_switch (n_bins, 2 * half_width + 1), by target: entry
 *   [j][k] is log A of the move (v, j - half_width + k) -> (w, j), for v == w /
 *   v != w; log_floor outside the band.  value (2 n_bins) in/out: the log score of the previous
 *   frame, then of the last; ptr (n_frames, 2 n_bins) out: the best source
 *   (first in state order on ties).  n_bins <= 32767.
 * fg_viterbi_backtrack: states[n_frames - 1] = last, states[t] =
 *   ptr[t + 1][states[t + 1]].
 * fg_acf_combine: the blocked autocorrelation's spectrum.  spec (n_blocks,
 *   n_bins) complex (interleaved re, im) of hop-long blocks, phase (q + 1,
 *   n_bins) complex; out (n_blocks - m + 1, n_bins) complex: P_t = sum_{i < m}
 *   sum_{j <= min(q, m - 1 - i)} conj(B_{t+i}) phase_j B_{t+i+j}.  work holds
 *   (q + 1) * n_blocks * n_bins complex (the partial sums over j per block).
 * fg_yin_cmnd: YIN's cumulative mean normalised difference from each frame's
 *   autocorrelation acf (n_frames, acf_stride >= max_period + 1) and samples
 *   frames (n_frames, frame_stride >= max_period): d(k) = 2 (r[0] - r[k]) - E_k,
 *   E_k = sum_{n<k} x[n]^2 but E_1 = 0 (librosa), out[k - min_period] =
 *   d(k) / (sum_{j<=k} d(j) / k + DBL_MIN) for k = min_period .. max_period;
 *   out (n_frames, max_period - min_period + 1).
 *
 * Return FG_EINVAL for bad sizes or NULL buffers, FG_ENONFINITE for NaN or
 * infinity in an input, FG_ENOMEM when scratch memory cannot be allocated.
 */
int fg_yin_pick(const double *cmnd, size_t n_frames, size_t n_lags, double threshold,
                double *pos);
int fg_pyin_trough_probs(const double *cmnd, size_t n_frames, size_t n_lags,
                         size_t n_thresholds, const double *thresholds, const double *beta,
                         const double *beta_prefix, const double *fact, const double *decay,
                         double no_trough_prob, double *probs);
int fg_viterbi_pitch(const double *log_obs, size_t n_frames, size_t n_bins, size_t half_width,
                     const double *log_stay, const double *log_switch, double log_floor,
                     double *value, uint16_t *ptr);
int fg_viterbi_backtrack(const uint16_t *ptr, size_t n_frames, size_t n_states, size_t last,
                         int32_t *states);
int fg_yin_cmnd(const double *acf, size_t n_frames, size_t acf_stride, const double *frames,
                size_t frame_stride, size_t min_period, size_t max_period, double *out);
int fg_acf_combine(const double *spec, size_t n_blocks, size_t n_bins, size_t m, size_t q,
                   const double *phase, double *work, double *out);

/*
 * Running median along one axis of a strided layout (median.c), for median-filtering
 * harmonic-percussive separation (Fitzgerald 2010).  Line i (i < n_lines) holds the n
 * values x[i * line_stride + j * step], j = 0 .. n-1 (strides in elements, may be of any
 * sign-free layout but must not overlap between lines).  For each j, the window of
 * `size` values at j - size/2 .. j + size - 1 - size/2 is ranked and the value of rank
 * size/2 (0-based: the median for odd size, the upper median for even size) is written
 * to y at the same offset as x[i, j].  Beyond the ends the line is mirrored as
 * scipy.ndimage's 'reflect' mode (d c b a | a b c d | d c b a), repeated as needed, so
 * the result equals scipy.ndimage.median_filter(x, size, mode='reflect') along that axis.
 *
 * Returns FG_EINVAL for size == 0, a NULL buffer (when there is data) or sizes whose
 * products overflow; FG_ENONFINITE if x holds NaN or infinity (nothing is written);
 * FG_ENOMEM if the sorted windows cannot be allocated.  y may not alias x.
 */
int fg_running_median_f64(const double *x, size_t n_lines, size_t n, size_t line_stride,
                          size_t step, size_t size, double *y);
int fg_running_median_f32(const float *x, size_t n_lines, size_t n, size_t line_stride,
                          size_t step, size_t size, float *y);

/*
 * HPSS masks applied in one pass (hpss.c; librosa.decompose.hpss after its two median
 * filters).  For i < n, with h = harm[i], p = perc[i] and softmask(x, r) =
 * x^power / (x^power + r^power) computed as librosa.util.softmask (both divided by
 * z = max(x, r) first; where z < the type's smallest normal, 1/2 when both margins are 1
 * and 0 otherwise):
 *
 *   hard == 0:  M_h = softmask(h, margin_h p),  M_p = softmask(p, margin_p h)
 *   hard != 0:  M_h = (h > margin_h p),         M_p = (p > margin_p h)      (1 or 0)
 *   out_h[i] = M_h s[i], out_p[i] = M_p s[i]; the masks themselves when s is NULL.
 *
 * In the buffers' type, numpy's operations in numpy's order: equal bit for bit to
 * featgraph.native.reference_mir.hpss_masks.  out_h may be harm and out_p may be perc
 * (in place); no other overlap.  Values are not checked (NaN propagates).  Returns
 * FG_EINVAL for a NULL harm, perc, out_h or out_p (when n > 0), FG_EDOMAIN for a power
 * that is not finite and > 0 or a margin that is not finite and >= 1; nothing is written
 * on an error.
 */
int fg_hpss_masks_f64(const double *s, const double *harm, const double *perc, size_t n,
                      double power, double margin_h, double margin_p, int hard,
                      double *out_h, double *out_p);
int fg_hpss_masks_f32(const float *s, const float *harm, const float *perc, size_t n,
                      double power, double margin_h, double margin_p, int hard,
                      float *out_h, float *out_p);

/*
 * Rectified spectral flux summed over bands (novelty.c; librosa's onset strength with
 * max_size 1, before the aggregate):
 *
 *   out[t - start] = sum_{k=0}^{n_bands-1} max(0, s[t, k] - s[t - lag, k])
 *
 *   s (n_frames, n_bands) frame-major; t = start .. n_frames - 1; out (n_frames - start,).
 *
 * Sums in double (four partial sums over k mod 4, then the rest); a NaN difference gives
 * NaN.  Returns FG_EINVAL for
 * lag == 0, start < lag, start > n_frames, a NULL buffer (when there is data) or sizes
 * that overflow.
 */
int fg_onset_flux_f64(const double *s, size_t n_frames, size_t n_bands, size_t lag,
                      size_t start, double *out);
int fg_onset_flux_f32(const float *s, size_t n_frames, size_t n_bands, size_t lag,
                      size_t start, double *out);

/*
 * Beat tracking's dynamic program (beat.c; Ellis 2007, librosa.beat's definitions).
 * With P = frames_per_beat[i] (one value for every frame when n_fpb == 1, else one per
 * frame, n_fpb == n) and the candidates loc = i - round_half_even(P / 2) down to
 * i - 2 P (stopping at 0):
 *
 *   score(loc) = cumscore[loc] - tightness * (log(i - loc) - log(P))^2
 *   cumscore[i] = localscore[i] + max score   (localscore[i] if no candidate)
 *   backlink[i] = the first loc (nearest i) reaching the max, or -1 if none, and -1 for
 *                 every frame before the first whose localscore >= 0.01 max(localscore)
 *
 *   localscore (n,), frames_per_beat (n_fpb,) > 0, backlink (n,) out, cumscore (n,) out.
 *
 * Returns FG_EINVAL for n_fpb not 1 or n, tightness not finite and > 0, a period not
 * finite and >= 1, or a NULL buffer (when n > 0); FG_ENONFINITE for NaN or infinity in
 * localscore.
 */
int fg_beat_dp_f64(const double *localscore, size_t n, const double *frames_per_beat,
                   size_t n_fpb, double tightness, long long *backlink, double *cumscore);

/*
 * openSMILE-compatible voice kernels (smile_voice.c; reference_voice.py).
 *
 * fg_smile_viterbi_forward: the forward pass of the Viterbi pitch smoother measured
 *   against openSMILE 2.6's cPitchSmootherViterbi.  States s < n_states - 1 are pitch
 *   candidates (f0[t][s] Hz, absent when <= 0), the last state is unvoiced.  For frame
 *   t with a predecessor frame (started != 0):
 *     cost'[s] = min_r (cost[r] + T(r, s)) + lc[t][s]   (first r on ties; absent: inf)
 *     T = w_vv |d| + w_vvd |d - slope[r]|, d = log2(f0[t][s] / f_prev[r]), both voiced;
 *         w_uu both unvoiced; w_switch otherwise;
 *     slope'[s] = d of the chosen r when both voiced, else 0;
 *   the first frame (started == 0) has cost = lc.  ptr[t][s] = the chosen r,
 *   best[t] = argmin_s cost'[s] (first on ties); f_prev, cost, slope (n_states) are
 *   the state, in/out.  2 <= n_states <= 64; f0, lc, f_prev and slope finite (cost may
 *   hold +inf for absent states).
 *
 * Return FG_EINVAL for bad sizes or NULL buffers, FG_ENONFINITE for NaN or infinity.
 */
int fg_smile_viterbi_forward(const double *f0, const double *lc, size_t n_frames,
                             size_t n_states, double w_vv, double w_vvd, double w_switch,
                             double w_uu, int started, double *f_prev, double *cost,
                             double *slope, int32_t *ptr, int32_t *best);

/*
 * fg_smile_jitter: local jitter and shimmer (dB) per frame from pitch periods marked across
 *   frames (openSMILE 2.6 cPitchJitter, measured).  Frame t's block is sig[b1 - hop, b1),
 *   b1 = base + t hop (base >= hop samples of history before frame 0's start; n_sig >= base +
 *   hop (n_frames - 1)).  state = [p, prev_period, last_jitter, last_shimmer, took] (p
 *   relative to sig, -1 for none; took != 0 when the last frame took a period) in/out.  A
 *   voiced frame without a mark, or whose mark lies more than span before its block, starts
 *   one (fresh) at b1 - 1.  The frame's first period is taken when the mark is fresh or p <
 *   b1 - 2, further ones while p + 2 hi <= b1 + hop - 3 (marks may lag behind the block).
 *   Per period: T0 = sr / f0, L = round(T0), hi = max(lo, ceil(T0 + T0 search_rel)), lags lo
 *   = max(1, floor(T0 (1 - search_rel))) .. hs = max(lo, floor(T0 + T0 search_rel)); the
 *   mark is dropped when p + 2 hi + 1 > min(n_sig, b1 + span) (frame t's data, independent
 *   of the chunking); c(T) is the correlation coefficient (means removed, 0 when a window is
 *   constant) of x[p+1, p+1+T) and x[p+1+T, p+1+2T); T is its largest interior local
 *   maximum (c(T) > c(T-1), c(T) >= c(T+1), first on ties; of <= 2 lags the largest value),
 *   whatever the values at the ends; with none (the values rise or fall across >= 3 lags) no
 *   period is taken and p += L; when the parabola vertex value through c(T-1), c(T), c(T+1)
 *   (c(T) when not curved down) is below min_cc no period is taken and p += T (prev_period
 *   kept either way); else the period P is T refined by that vertex, the amplitude pair
 *   A(p+2, p+T), A(p+T+2, p+2T) (peak-to-peak) is taken, and |P - prev_period| once a
 *   previous period exists; p += T.  jitter = mean |dP| / mean P, shimmer = 20 log10(1 +
 *   min(1, sum |A2 - A1| / sum (A1 + A2) / 2)) over the frame's periods; a voiced frame
 *   without periods repeats the last frame's values (jitter 0 when it tried no mark and the
 *   last frame took a period); f0 <= 0 writes 0 and drops the mark.  At the end p -= hop
 *   n_frames (-1 when negative).  hop >= 1, sr > 0, 0 <= search_rel < 1.
 */
int fg_smile_jitter(const double *sig, size_t n_sig, const double *f0, size_t n_frames,
                    size_t hop, size_t span, size_t base, double sr, double search_rel,
                    double min_cc, double *state, double *jitter, double *shimmer);

/*
 * fg_acf_nearest_peak: per row t of r (n_rows, half + 1: autocorrelation lags 0 .. half),
 *   the strict local maximum of a = |r| (a[j] > a[j - 1] and a[j] > a[j + 1], 1 <= j <=
 *   half - 1) nearest to lag k[t], k - d before k + d for d = 0, 1, ...; where k >= half,
 *   lag half itself when a[half] > a[half - 1] (else the search from half); -1 where k < 1
 *   or no lag qualifies.  The HNR's T0 (acf_hnr; reference_voice.nearest_peak).  j
 *   (n_rows) out.  half >= 2 (else every j is -1); r finite is not required (a NaN is
 *   never a peak).  FG_EINVAL for NULL buffers when n_rows > 0.
 */
int fg_acf_nearest_peak(const double *r, size_t n_rows, size_t half, const int64_t *k,
                        int64_t *j);

/*
 * Roots of monic real polynomials by the Aberth-Ehrlich iteration (formants.c):
 *
 *   P(z) = z^p + c[0] z^(p-1) + ... + c[p-1]          (one row of c per frame)
 *
 * Start: z_i = rho exp(i (2 pi i / p + 0.4)), rho = |c[p-1]|^(1/p) (the geometric
 * mean of the roots' moduli); when c[p-1] == 0, rho = max_k |c[k-1]|^(1/k) (rho = 1
 * when that is 0).  Each iteration updates every root at once (Jacobi form) with
 *
 *   r_i = P(z_i) / P'(z_i)  (Horner),   s_i = sum_{j != i} 1 / (z_i - z_j),
 *   z_i <- z_i - r_i / (1 - r_i s_i)
 *
 * (a term with a zero denominator is left out; a root whose P' is 0 stays), and
 * stops when every step is at most 1e-14 (|z_i| + 1e-300) or after max_iter
 * iterations.  A row of zeros gives p roots at 0 without iterating.
 *
 *   c      (n_frames, degree) coefficients, finite.
 *   roots  (n_frames, degree, 2) out: real and imaginary parts.
 *
 * Returns FG_EINVAL for degree == 0, max_iter == 0, sizes that overflow or NULL
 * buffers (when n_frames > 0), FG_ENONFINITE for NaN or infinity in c.  Complex
 * arithmetic is spelled out in doubles, in the order of
 * featgraph.native.reference_formants.poly_roots, so that both agree to rounding.
 */
int fg_poly_roots_f64(const double *c, size_t n_frames, size_t degree, size_t max_iter,
                      double *roots);

/*
 * Autocorrelation lags of frames (formants.c): for each of n_frames rows x (n values, the
 * rows contiguous), r[k] = sum_{i < n - k} x[i] x[i + k] for k = 0 .. n_lags - 1, summed
 * in doubles (eight partial sums over i mod 8, then the remainder; any float input is
 * widened first).  r (n_frames, n_lags) out.  1 <= n_lags <= n, else FG_EINVAL;
 * FG_ENONFINITE for NaN or infinity in x (the rows before it are written).
 */
int fg_frame_lags_f64(const double *x, size_t n_frames, size_t n, size_t n_lags, double *r);
int fg_frame_lags_f32(const float *x, size_t n_frames, size_t n, size_t n_lags, double *r);

/*
 * openSMILE 2.6's cLpc (method = acf) in single precision (formants.c; reference
 * reference_formants.smile_lpc_f32): for each of n_frames rows x (n float values), the
 * lags r[k] = sum_{i < n - k} x[i] x[i + k] (k = 0 .. order) summed in float from i = 0
 * up, then the Levinson-Durbin recursion in float: e = r[0]; for i = 1 .. order:
 * acc = r[i] + sum_{j=1}^{i-1} a[j] r[i-j] (j ascending), k = -(acc * (1 / e)),
 * a[j] += k a[i-j] (j < i, from the previous a), a[i] = k, e *= 1 - k k.  A frame with
 * r[0] <= 0 gives a = [1, 0, ...]; a non-finite k (e 0 or denormal) or coefficient
 * (overflow) ends the recursion at the order reached, so a is finite.
 * a (n_frames, order + 1) out, a[0] = 1.  1 <= order <= 256, n > order, else FG_EINVAL;
 * FG_ENONFINITE for NaN or infinity in x (checked first: nothing is written).  The lags
 * of 16 frames at a time are summed side by side (frame l in vector lane l), each lane
 * the sums above in the same order: the same bits as one frame at a time.
 */
int fg_smile_lpc_f32(const float *x, size_t n_frames, size_t n, size_t order, float *a);

/*
 * openSMILE 2.6's cSpecResample synthesis in single precision (formants.c; reference
 * reference_formants.smile_idft_f32): for each of n_frames rows, re and im (k_bins floats
 * each: the real part and the + sine part of a centred frame's DFT),
 * acc[m] = 0; for k = 0 .. k_bins - 1 (ascending): acc[m] = acc[m] + re[k] cos_tab[k][m];
 * acc[m] = acc[m] + im[k] sin_tab[k][m]; then y[m] = acc[m] * scale, every operation a
 * float rounding (no contraction).  cos_tab and sin_tab (k_bins, m_out) in; y
 * (n_frames, m_out) out.  k_bins, m_out >= 1, else FG_EINVAL; FG_ENONFINITE for NaN or
 * infinity in re or im (the rows before are written).
 */
int fg_smile_idft_f32(const float *re, const float *im, size_t n_frames, size_t k_bins,
                      const float *cos_tab, const float *sin_tab, size_t m_out, float scale,
                      float *y);

/*
 * openSMILE 2.6's single-precision real FFT (smile_fft.c; reference
 * reference_smile_fft.smile_rdft_f32).  x holds n_x frames of len values, frame i at
 * x + i * stride (stride < len: overlapping frames of a signal); the frames transformed
 * are rows[0 .. n_frames - 1] (indices below n_x), or the first n_frames when rows is
 * NULL.  Frame f is a[offset + t] = (float)x_f[t] * win[t] (t < len; a float product, or
 * (float)x_f[t] alone when win is NULL) in n_fft zeros, transformed in float in the order
 * of operations of Ooura's split-radix package (fftsg.c rdft) with the tables w and c
 * (n_fft / 4 floats each, reference_smile_fft.smile_fft_tables); out (n_frames, n_out)
 * receives the first n_out values of [R0, R(N/2), R1, I1, R2, I2, ...], R[k] = sum_j a[j]
 * cos(2 pi j k / N), I[k] = sum_j a[j] sin(2 pi j k / N).  n_fft 256, 512 or 1024,
 * offset + len <= n_fft, 1 <= n_out <= n_fft, len, stride >= 1, else (or for a row
 * outside [0, n_x)) FG_EINVAL; FG_ENONFINITE for NaN, infinity or a value beyond the float range in a frame
 * (the groups of eight frames before it are written) or in the window.
 */
int fg_smile_rdft_f32(const double *x, size_t n_x, size_t stride, size_t len,
                      const int64_t *rows, size_t n_frames, const float *win, size_t n_fft,
                      size_t offset, const float *w, const float *c, size_t n_out, float *out);

/*
 * openSMILE-compatible pitch front-end kernels (smile_pitch.c; reference_smile_pitch.py).
 *
 * fg_smile_spec_scale: per frame of in (n_frames, n_bins) (magnitude spectra), openSMILE
 *   2.6's cSpecScale: (enhance) between consecutive local maxima a < b (bins above both
 *   neighbours; bin 0 above bin 1, the last bin above the one before) the bins a+3 .. b-3
 *   are set to 0; (smooth) y[k] = y[k-1]/4 + y[k]/2 + y[k+1]/4, y[0] = y[0]/2 + y[1]/4,
 *   the last bin kept; the natural cubic spline through (knots[k], y[k]) evaluated at
 *   targets[j] (the end cubics extrapolate); negative values set to 0; times weights[j]
 *   (NULL: 1).  out (n_frames, n_out).  knots strictly increasing and finite, n_bins >= 4.
 *   Returns FG_EINVAL for bad sizes, knots, targets or NULL buffers, FG_ENONFINITE for
 *   NaN or infinity in in, FG_ENOMEM.
 *
 * fg_smile_shs: per frame of x (n_frames, n_bins) (the octave spectrum), openSMILE's
 *   cPitchShs: S[i] = (sum_n gains[n] x[i + shifts[n]]) / n_harmonics (terms beyond the
 *   last bin dropped); its local maxima S[i-1] < S[i] >= S[i+1] for i in [lo, hi], the
 *   n_cand highest by S[i] (lower i first on ties), each refined by the parabola through
 *   the three points (d = (S[i-1] - S[i+1]) / (2 (S[i-1] - 2 S[i] + S[i+1])), 0 on a flat
 *   top; height S[i] - (S[i-1] - S[i+1]) d / 4) to f0 = fmin 2^((i + d) step); those with
 *   f0 outside [f_lo, f_hi] dropped (the others keep their order), then the highest
 *   refined height swapped into the first place; score = height, voicing = max(0, 1 -
 *   mean(S) / height) (0 when height <= 0); missing candidates 0.  f0, voicing, score
 *   (n_frames, n_cand).  1 <= lo, hi + 2 <= n_bins, 1 <= n_cand <= 64, shifts >= 0,
 *   f_lo and f_hi not NaN.  Returns FG_EINVAL, FG_ENONFINITE (x), FG_ENOMEM.
 */
int fg_smile_spec_scale(const double *in, size_t n_frames, size_t n_bins, const double *knots,
                        const double *targets, size_t n_out, const double *weights,
                        int enhance, int smooth, double *out);
int fg_smile_shs(const double *x, size_t n_frames, size_t n_bins, const int32_t *shifts,
                 const double *gains, size_t n_harmonics, size_t lo, size_t hi,
                 size_t n_cand, double fmin, double step, double f_lo, double f_hi,
                 double *f0, double *voicing, double *score);

/*
 * fg_smile_harmonic_peaks: per frame of mag (n_frames, n_bins) (magnitude spectrum) and
 *   its F0 in bins f0_bins[t] (> 0), the peaks near the harmonics q = 1 .. n_harmonics
 *   (openSMILE's cHarmonics as measured): from bin j0 = round(q f0) (when q f0 <
 *   n_bins - 1) the nearest strict local maximum (mag[j] above both neighbours, 0 < j <
 *   n_bins - 1), searching j0, j0 + 1, j0 - 1, j0 + 2, j0 - 2, ... (the right one first on
 *   a tie; j0 itself when there is none); the harmonic exists when that bin is inside
 *   (0 < j < n_bins - 1) and every lower one exists (ok = 1).  With jc = j clipped to [1, n_bins - 2] and the parabola through
 *   mag[jc-1 .. jc+1] (offset p = (a - c) / (2 (a - 2b + c)), 0 when flat): m = b - (a -
 *   c) p / 4, f = jc + p (bins), r = b.  m, f, r (n_frames, n_harmonics) double, ok
 *   uint8.  Returns FG_EINVAL (n_bins < 3, n_harmonics 0, NULL), FG_ENONFINITE.
 */
int fg_smile_harmonic_peaks(const double *mag, size_t n_frames, size_t n_bins,
                            const double *f0_bins, size_t n_harmonics, double *m, double *f,
                            double *r, uint8_t *ok);
/* fg_smile_harmonic_peaks_rows: the same for the rows rows[t] < n_total of mag (n_total,
 * n_bins), t < n_frames (the voiced frames read in place, no gathered copy); f0_bins and the
 * outputs per t.  FG_EINVAL also for a row index >= n_total. */
int fg_smile_harmonic_peaks_rows(const double *mag, size_t n_total, size_t n_bins,
                                 const int64_t *rows, size_t n_frames, const double *f0_bins,
                                 size_t n_harmonics, double *m, double *f, double *r,
                                 uint8_t *ok);

/*
 * Constant-Q basis product (constantq.c):
 *
 *   out[t, out_col0 + r] = sum_{k = first[r]}^{stop[r] - 1} w[r, k] * spec[t, col0 + k]
 *
 *   spec (n_frames, spec_stride) complex, w (n_rows, n_cols) complex double, out
 *   (n_frames, out_stride) complex, (re, im) interleaved: 2 reals per value; first/stop
 *   (n_rows,) each row's support.
 *
 * Complex products in the type of spec (w rounded to it), summed in the order of k, one
 * sum per frame and row.
 * Returns FG_EINVAL for a NULL buffer (when there is data), col0 + n_cols > spec_stride,
 * out_col0 + n_rows > out_stride or a support with first > stop or stop > n_cols;
 * FG_ENOMEM when its work buffer (2 x 16 x (n_cols + n_rows) values) cannot be had.
 * Values are not checked (NaN propagates).  Only the out values named are written.
 */
int fg_cq_product_f64(const double *spec, size_t n_frames, size_t spec_stride, size_t col0,
                      const double *w, size_t n_rows, size_t n_cols, const size_t *first,
                      const size_t *stop, double *out, size_t out_stride,
                      size_t out_col0);
int fg_cq_product_f32(const float *spec, size_t n_frames, size_t spec_stride, size_t col0,
                      const double *w, size_t n_rows, size_t n_cols, const size_t *first,
                      const size_t *stop, float *out, size_t out_stride,
                      size_t out_col0);

/*
 * Constant-Q filters applied in the time domain (constantq.c): the basis product of
 * fg_cq_product with its rows turned into time-domain filters, for short FFTs, where it
 * costs less than the FFT and the product:
 *
 *   out[t, out_col0 + c] = sum_{j = 0}^{n_fft - 1} y[t hop + j] h[j, c],  c < m_out
 *
 * y (n,) real, frame t the samples t hop .. t hop + n_fft - 1; h (n_fft, m) real,
 * row-major, m a multiple of FG_CQ_FRAME_COLS (zero columns pad it); out (n_frames,
 * out_stride) real, row-major.  Sums in the type of y, each output summed in the order
 * of j from 0 with a fused multiply-add per term (one rounding each, fma/fmaf): a
 * frame's result does not depend on the others, on the vector width or on the CPU.  Returns FG_EINVAL for a NULL buffer (when there
 * is data), hop < 1, m not a multiple of FG_CQ_FRAME_COLS, m_out > m, out_col0 + m_out >
 * out_stride or (n_frames - 1) hop + n_fft > n.  Values are not checked (NaN propagates).
 * Only the out values named are written.
 */
#define FG_CQ_FRAME_COLS 24
int fg_cq_frames_f64(const double *y, size_t n, size_t hop, size_t n_fft, size_t n_frames,
                     const double *h, size_t m, size_t m_out, double *out,
                     size_t out_stride, size_t out_col0);
int fg_cq_frames_f32(const float *y, size_t n, size_t hop, size_t n_fft, size_t n_frames,
                     const float *h, size_t m, size_t m_out, float *out,
                     size_t out_stride, size_t out_col0);

/*
 * Spectral peaks for the tuning estimate (constantq.c; librosa's piptrack definition, see
 * featgraph.nodes._tuning): per frame of spec (n_frames, n_bins) complex, interleaved,
 * the maximum magnitude sqrt(max (re^2 + im^2)) over all bins; with mag (n_frames, k1 -
 * k0 + 3) the magnitudes of bins k0 - 1 .. k1 + 1 (numpy's abs of spec), the bins k0 ..
 * k1 that are local maxima (above the left neighbour, at least the right one) once every
 * magnitude at or below threshold * maximum is set to 0.  Each peak's frequency
 * ((double)k + shift) bin_hz and magnitude c + (0.5 b) shift (parabolic interpolation:
 * a = (r + l) - 2 c, b = (r - l) / 2, shift = -b / a, 0 when |b| >= |a|) go to freq and
 * peak in frame-then-bin order, *n_peaks of them; capacity needed: n_frames ((k1 - k0) /
 * 2 + 1).  In the type of spec, bit-equal to the numpy definition.  Returns FG_EINVAL
 * for a NULL buffer, k0 < 1, k1 < k0 or k1 + 2 > n_bins; FG_ENOMEM when its flag buffer
 * (k1 - k0 + 8 bytes) cannot be had.
 */
int fg_cq_tuning_peaks_f64(const double *spec, size_t n_frames, size_t n_bins,
                           const double *mag, size_t k0, size_t k1, double threshold,
                           double bin_hz, double *freq, double *peak, size_t *n_peaks);
int fg_cq_tuning_peaks_f32(const float *spec, size_t n_frames, size_t n_bins,
                           const float *mag, size_t k0, size_t k1, double threshold,
                           double bin_hz, double *freq, float *peak, size_t *n_peaks);

/*
 * Reassigned spectrogram of a cosine-sum window (reassign.c; librosa's
 * reassigned_spectrogram definition) from two DFTs per frame: x (n_frames, n_bins) the
 * DFT of the frames, y that of the frames times t (the time from the frame centre in
 * samples; may be NULL when reassign_times is 0), complex interleaved, n_bins = n_fft / 2
 * + 1; the window h[n] = sum_m coef[m] cos(2 pi m n / n_fft), m < n_coef <= 3.  With
 *   S_h = DFT(x h), S_dh = DFT(x dh) (dh the cyclic centred gradient of h), S_th =
 *   DFT(x h t), formed from x and y in the frequency domain:
 *   mags = sqrt(power), power = re(S_h)^2 + im(S_h)^2,
 *   freqs = k sr / n_fft - Im(S_dh conj(S_h)) / power sr / (2 pi), clipped to [0, sr/2],
 *   times = (t0 + t) hop / sr + Re(S_th conj(S_h)) / power / sr, at least 0,
 * the corrections 0 where power < max(ref_power, the type's smallest normal number) or
 * where reassign_freqs / reassign_times is 0; in the type of x.  freqs, times, mags
 * (n_frames, n_bins).  Returns FG_EINVAL for a NULL buffer needed, n_fft < 2, n_bins !=
 * n_fft / 2 + 1, n_coef 0 or above 3, sr <= 0, hop < 0, ref_power < 0 (or NaN), sizes
 * that overflow; FG_ENOMEM without memory for its work buffer (4 (n_bins + 4)
 * doubles).
 */
int fg_reassign_f64(const double *x, const double *y, size_t n_frames, size_t n_bins,
                    size_t n_fft, const double *coef, size_t n_coef, double sr, double hop,
                    double t0, double ref_power, int reassign_freqs, int reassign_times,
                    double *freqs, double *times, double *mags);
int fg_reassign_f32(const float *x, const float *y, size_t n_frames, size_t n_bins,
                    size_t n_fft, const double *coef, size_t n_coef, double sr, double hop,
                    double t0, double ref_power, int reassign_freqs, int reassign_times,
                    float *freqs, float *times, float *mags);

/*
 * fg_smile_formant_peaks: for each frame t and formant j of fc (n_frames, n_fc) (Hz), the
 *   harmonic peak of fg_smile_harmonic_peaks' output (m, f, r, ok: (n_frames, n_harmonics))
 *   that is the formant's: among the harmonics h = 1 .. n_harmonics - 1 (the fundamental,
 *   h = 0, never) with ok, fc > 0 and lo fc <= f[h] df <= hi fc, the one of largest r
 *   (the first on ties); amp = its m and found = 1, else amp = 0 and found = 0.  amp
 *   (n_frames, n_fc) double, found uint8.  Returns FG_EINVAL (n_harmonics 0, NULL).
 */
int fg_smile_formant_peaks(const double *m, const double *f, const double *r,
                           const uint8_t *ok, size_t n_frames, size_t n_harmonics, double df,
                           const double *fc, size_t n_fc, double lo, double hi, double *amp,
                           uint8_t *found);

/*
 * Casting samples (samples.c).
 *
 * fg_samples_<from>_<to>: out[i] = (to) x[i], then out[i] *= (to) scale unless
 *   scale == 1 (numpy's cast then product, value for value).  FG_ENONFINITE when a
 *   value of x is NaN or infinite, FG_EDOMAIN for a non-finite scale.
 * One pass: on an error out may be partly written (callers pass a fresh buffer
 * and drop it).
 */
int fg_samples_f64_f64(const double *x, size_t n, double scale, double *out);
int fg_samples_f64_f32(const double *x, size_t n, double scale, float *out);
int fg_samples_f32_f32(const float *x, size_t n, double scale, float *out);
int fg_samples_f32_f64(const float *x, size_t n, double scale, double *out);

/*
 * fg_finite_*: FG_OK when every x[i] of n values is finite, FG_ENONFINITE when one is NaN
 *   or infinite (samples.c; the test of fg_samples_* without the cast).
 */
int fg_finite_f64(const double *x, size_t n);
int fg_finite_f32(const float *x, size_t n);

/*
 * Pre-emphasis of n_rows rows (channels) of n samples each (samples.c):
 *   out[r, i] = x[r, i] - coef * x[r, i - 1], in the type of x (product, then difference),
 *   x[r, -1] = prev[r] (the last sample of the previous block), or out[r, 0] = x[r, 0]
 *   when prev is NULL (the start of a stream).  0 <= coef <= 1, else FG_EDOMAIN.
 */
int fg_preemphasis_f64(const double *x, size_t n_rows, size_t n, double coef,
                       const double *prev, double *out);
int fg_preemphasis_f32(const float *x, size_t n_rows, size_t n, double coef,
                       const float *prev, float *out);

/*
 * Logarithms (logs.c): out[k] = scale * ln(x[k]), libm's special values for x <= 0, inf
 * and NaN, within about 1 ulp of libm's log for the rest (then the product by scale).
 * out is x itself (in place) or does not overlap it.  FG_EDOMAIN for a non-finite scale.
 */
int fg_log_f64(const double *x, size_t n, double scale, double *out);

/*
 * Powers (logs.c): out[k] = x[k]^e for x[k] >= 0 and 0 < e <= 4, within a few ulp of
 * libm's pow (2^m exp(phi ln 2 + e ln z) for x = 2^k z, e k = m + phi); zero, subnormal,
 * infinite and NaN inputs and results outside the normal range are libm's pow.  out is
 * x itself (in place) or does not overlap it.  FG_EDOMAIN for e outside (0, 4] or a
 * negative x (out is then partly written).
 */
int fg_pow_f64(const double *x, size_t n, double e, double *out);

/*
 * Discrete wavelet transforms (wavelets.c).  Filters lo, hi of flen taps (2 <= flen <=
 * 256), in the type of the signal; products summed over the taps in order.
 *
 * fg_dwt_step: one analysis step of n_rows rows.  Row r reads the extended signal
 *   e = [left[r], x[r], right[r]] (left: n_left samples at left + r n_left, x: n at
 *   x + r x_stride, right: n_right at right + r n_right; the boundary mode's samples,
 *   made by the caller) and writes, for k = 0 .. m - 1,
 *     a[r out_stride + k] = sum_{j=0}^{flen-1} lo[j] e[2k + flen - 1 - j]   (d: hi)
 *   FG_EINVAL unless flen is even, 2 (m - 1) + flen <= n_left + n + n_right, x_stride
 *   >= n and out_stride >= m (for n_rows > 1), and no NULL buffer is used; a, d must not
 *   overlap each other or the inputs, except that a may be x itself (same start and
 *   row stride: a block's samples are read before its outputs are written, and later
 *   blocks read past them).  NaN and infinity propagate.
 *
 * fg_swt: the stationary (a trous) transform to level L of n_rows periodic rows of n
 *   samples: level j = 1 .. L, dil = 2^(j-1), s_0 = x,
 *     s_j[k] = sum_i lo[i] s_{j-1}[(k + dil (flen / 2) - i dil) mod n]   (d_j: hi)
 *   written to out (n_rows, L + 1, n): row 0 = s_L, row L + 1 - j = d_j.  work: n
 *   samples of scratch (NULL allowed for L == 1).  FG_EINVAL for level 0, n == 0 with
 *   n_rows > 0, or a NULL buffer; out and work must not overlap x.
 */
int fg_dwt_step_f64(const double *x, size_t n_rows, size_t n, size_t x_stride,
                    const double *left, size_t n_left, const double *right, size_t n_right,
                    const double *lo, const double *hi, size_t flen, size_t m, double *a,
                    double *d, size_t out_stride);
int fg_dwt_step_f32(const float *x, size_t n_rows, size_t n, size_t x_stride,
                    const float *left, size_t n_left, const float *right, size_t n_right,
                    const float *lo, const float *hi, size_t flen, size_t m, float *a,
                    float *d, size_t out_stride);
int fg_swt_f64(const double *x, size_t n_rows, size_t n, const double *lo, const double *hi,
               size_t flen, size_t level, double *out, double *work);
int fg_swt_f32(const float *x, size_t n_rows, size_t n, const float *lo, const float *hi,
               size_t flen, size_t level, float *out, float *work);

/*
 * Full-rate band-pass analysis (tf.c; featgraph.nodes._tf, the CWT at hop 1).  Complex
 * values are pairs of doubles (re, im).
 *
 * fg_interleave_c128: src holds n_phases x n_bands x q complex values (phase p, band b,
 *   index i at (p n_bands + b) q + i); for each with row t = i sub + first_phase + p
 *   < n_rows it sets out[t row_stride + b] = src[(p n_bands + b) q + i] (out: n_rows
 *   rows of row_stride complex values, the first n_bands of a row written).  FG_EINVAL
 *   for sub == 0, first_phase + n_phases > sub, n_bands > row_stride, or a NULL buffer
 *   with something to copy.  src and out must not overlap.
 *
 * fg_phase_chunk_c128: the spectra of 2^n_low consecutive phases, chunk (2^n_low,
 *   n_bands, q), from z0 (n_bands, q): chunk[0] = z0 * first (elementwise along q, each
 *   band; a copy of z0 when first is NULL), then for j = 0 .. n_low - 1, s = 2^j,
 *   chunk[s + r] = chunk[r] * twiddles[j] (r < s; twiddles: n_low rows of q).  Complex
 *   products as (ar br - ai bi, ar bi + ai br).  FG_EINVAL for a NULL buffer with work
 *   to do or n_low too large; chunk must not overlap the inputs.
 */
int fg_interleave_c128(const double *src, size_t n_phases, size_t n_bands, size_t q,
                       size_t sub, size_t first_phase, double *out, size_t n_rows,
                       size_t row_stride);
int fg_phase_chunk_c128(const double *z0, size_t n_bands, size_t q, const double *first,
                        const double *twiddles, size_t n_low, double *chunk);

/*
 * fg_turning_points_f64 (contour.c; reference reference_contour.turning_points): the
 * alternating peaks (+1) and valleys (-1) of the contour x (n doubles) with hysteresis th
 * and replacement bound replace_th (openSMILE 2.6's cFunctionalPeaks2 as measured): the
 * strict local extrema at 2 <= i <= n - 3 are the candidates; a pending point starts at
 * frame 0 with no type; a candidate of the other type more than th beyond it confirms it
 * (written, except frame 0) and becomes pending; one of the same type replaces it when
 * more extreme (a peak after a smaller opposite excursion only when d > replace_th); the
 * last pending point is written.  frames and signs out, room for n each (at most n - 4
 * points); *n_points out, 0 for n < 5.  NaN compares false, as in the reference.
 */
int fg_turning_points_f64(const double *x, size_t n, double th, double replace_th,
                          int64_t *frames, int32_t *signs, size_t *n_points);

#endif /* FEATGRAPH_H */
