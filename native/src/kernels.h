// Per-ISA kernel table. Each ISA translation unit (kernels_<isa>.cc) fills one table; dispatch.cc picks one at
// run time so a single binary runs on any CPU of the architecture.
#pragma once
#include <cmath>
#include <cstddef>

#if defined(_MSC_VER)
#define SELFJ_NOINLINE __declspec(noinline)
#define SELFJ_INLINE __forceinline
#define SELFJ_PREFETCH_W(p) ((void)(p))
#else
#define SELFJ_NOINLINE __attribute__((noinline))
#define SELFJ_INLINE inline __attribute__((always_inline))
#define SELFJ_PREFETCH_W(p) __builtin_prefetch((p), 1)
#endif

namespace selfj {

struct KernelTable {
  const char* isa;
  // out[r] = cos(a_r, b_r) for rows [r0, r1).
  void (*cosineRows)(const float* a, const float* b, size_t dim, size_t r0, size_t r1, float* out);
  // inv[r] = 1/|a_r| (0 for a zero row) for rows [r0, r1).
  void (*invNorms)(const float* a, size_t dim, size_t r0, size_t r1, double* inv);
  // out[i*ldo + j] = dot(a_i, b_j) * invA[i] * invB[j] for rows i in [r0, r1), j in [0, nb) (packed,
  // register-tiled GEMM; b/invB/out may point at a column block).
  void (*cosineMatrixRows)(const float* a, const float* b, size_t nb, size_t dim, const double* invA,
                           const double* invB, size_t r0, size_t r1, float* out, size_t ldo);
  // logits[r*bins + k] = dot(h_r, w_k) for rows [0, rows); wp = packHeadWeights(w).
  void (*headDots)(const float* h, size_t rows, size_t dim, const float* w, const float* wp, size_t bins,
                   float* logits);
  // g[k*ldg + d] += sum_v dz[v*bins + k] * rows[v][d] for d in [0, dim), k < bins: per element a sum from 0 over v in
  // order, then one add to g (a fixed order, for determinism).
  void (*gradRows)(const float* dz, const float* const* rows, size_t nv, size_t dim, size_t bins, float* g, size_t ldg);
  // Streaming sum (the read-bandwidth probe).
  double (*sum)(const float* a, size_t n);
  size_t headTileRows;  // rows per register tile of headDots (the train step runs forward and gradient this many at a time)
};

const KernelTable* kernelsScalar();
const KernelTable* kernelsAvx2();    // null when not compiled for this architecture
const KernelTable* kernelsAvx512();  // null when not compiled for this architecture
const KernelTable* kernelsNeon();    // null when not compiled for this architecture

// Head weights packed per dim chunk: chunk c (columns [c*kHeadChunk, +len)) holds bins rows of len floats,
// contiguous, at offset c*kHeadChunk*bins. Same size as w (bins*dim).
constexpr size_t kHeadChunk = 512;
inline void packHeadWeights(const float* w, size_t dim, size_t bins, float* wp) {
  for (size_t k0 = 0; k0 < dim; k0 += kHeadChunk) {
    size_t len = dim - k0 < kHeadChunk ? dim - k0 : kHeadChunk;
    for (size_t g = 0; g < bins; ++g)
      for (size_t k = 0; k < len; ++k) wp[k0 * bins + g * len + k] = w[g * dim + k0 + k];
  }
}

struct IsaChoice {
  const KernelTable* table;
  const char* fallbackReason;  // null unless SELFJ_NATIVE_ISA asked for something unavailable
};
// Chosen once (env SELFJ_NATIVE_ISA may force a lower ISA).
const IsaChoice& activeKernels();

// Shared cosine finish so every ISA and kernel agrees on zero-norm handling.
inline float cosineFinish(double dot, double na, double nb) {
  if (na == 0.0 || nb == 0.0) return 0.0f;
  return static_cast<float>(dot / (std::sqrt(na) * std::sqrt(nb)));
}

}  // namespace selfj
