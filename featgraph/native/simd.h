/*
 * Build helpers shared by the kernels that profit from wider vectors or from software
 * prefetch.  Private to the C sources: not part of featgraph.h, so cffi does not see it.
 *
 * FG_CLONES: the function is built twice, for AVX2 and for the baseline (SSE2), and the
 * loader picks one for the CPU (GCC's function multi-versioning, x86-64 Linux only; a
 * plain function elsewhere, or with -DFG_NO_CLONES).  Only for loops whose results do not
 * depend on the vector width: comparisons, copies, and IEEE operations that round each
 * value alike (no reductions, no contraction into fused multiply-adds: -std=c99 keeps
 * -ffp-contract=off, and the clones get no FMA target).  FG_CLONES_512 adds an AVX-512F
 * clone, for loops that keep many accumulators in registers (AVX-512F brings FMA
 * instructions, but -ffp-contract=off still keeps every product and sum rounded apart).
 * FG_CLONES_FMA: an x86-64-v3 clone (AVX2 with FMA) and the baseline, for loops written
 * with fma()/fmaf(): a single rounding is IEEE-defined, so every clone gives the same
 * values (the v3 clone in one instruction, the baseline through the C library's fma).
 *
 * FG_PREFETCH / FG_PREFETCH_W: a hint to fetch the cache line of p for reading / writing.
 */
#ifndef FEATGRAPH_SIMD_H
#define FEATGRAPH_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(FG_NO_CLONES)
#define FG_CLONES __attribute__((target_clones("avx2", "default")))
#define FG_CLONES_512 __attribute__((target_clones("avx512f", "avx2", "default")))
#if __GNUC__ >= 11
#define FG_CLONES_FMA __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FG_CLONES_FMA
#endif
#else
#define FG_CLONES
#define FG_CLONES_512
#define FG_CLONES_FMA
#endif

/* FG_NO_TRAPS: compile the function as if floating-point exceptions were never inspected
 * (GCC's -fno-trapping-math), so that selects between computed values (x < y ? a : b)
 * can be vectorised; the values computed are the same (featgraph never reads the
 * floating-point status flags). */
#if defined(__GNUC__) && !defined(__clang__)
#define FG_NO_TRAPS __attribute__((optimize("no-trapping-math")))
#else
#define FG_NO_TRAPS
#endif

#if defined(__GNUC__) || defined(__clang__)
#define FG_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#define FG_PREFETCH_W(p) __builtin_prefetch((p), 1, 3)
#else
#define FG_PREFETCH(p) ((void)(p))
#define FG_PREFETCH_W(p) ((void)(p))
#endif

#endif /* FEATGRAPH_SIMD_H */
