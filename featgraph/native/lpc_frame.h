/*
 * Per-frame linear-prediction routines shared by lpc.c (which defines them)
 * and lpc_fused.c.  Private to the C sources: not part of featgraph.h, so
 * cffi does not expose them.
 */
#ifndef FEATGRAPH_LPC_FRAME_H
#define FEATGRAPH_LPC_FRAME_H

#include <stddef.h>

/* Levinson-Durbin on r[0..order] (finite): a[0..order] with a[0] = 1, *err. */
void levinson_frame(const double *r, size_t order, double *a, double *err);

/* Cepstrum c[0..n_ceps-1] of 1/A(z) from a[0..order] (finite, a[0] > 0). */
void cepstrum_frame_f64(const double *a, size_t order, size_t n_ceps, double *c);

#endif /* FEATGRAPH_LPC_FRAME_H */
