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
  // Sum of a[0, n) with the widest aligned loads, four streams and eight accumulators (the read-bandwidth probe; a
  // is 64-byte aligned, n a multiple of 256).
  double (*readSum)(const float* a, size_t n);
  // `iters` rounds of independent register-only FMAs (the FMA-peak probe); returns a value to keep alive.
  float (*fmaBurn)(size_t iters);
  size_t fmaFlopsPerIter;  // floating-point operations per fmaBurn round
  size_t headTileRows;  // rows per register tile of headDots (the train step runs forward and gradient this many at a time)
};

const KernelTable* kernelsScalar();
const KernelTable* kernelsAvx2();    // null when not compiled for this architecture
const KernelTable* kernelsAvx512();  // null when not compiled for this architecture
const KernelTable* kernelsNeon();    // null when not compiled for this architecture

// Head weights packed per dim chunk: chunk c (columns [c*kHeadChunk, +len)) holds bins rows of headRowStride(len)
// floats (len rounded up to 16, so every row starts 64-byte aligned in an aligned buffer), at offset
// c*kHeadChunk*bins. headPackedSize(dim, bins) floats.
constexpr size_t kHeadChunk = 512;
inline size_t headRowStride(size_t len) { return (len + 15) / 16 * 16; }
inline size_t headPackedSize(size_t dim, size_t bins) {
  return dim / kHeadChunk * kHeadChunk * bins + headRowStride(dim % kHeadChunk) * bins;
}
inline void packHeadWeights(const float* w, size_t dim, size_t bins, float* wp) {
  for (size_t k0 = 0; k0 < dim; k0 += kHeadChunk) {
    const size_t len = dim - k0 < kHeadChunk ? dim - k0 : kHeadChunk, ld = headRowStride(len);
    for (size_t g = 0; g < bins; ++g) {
      for (size_t k = 0; k < len; ++k) wp[k0 * bins + g * ld + k] = w[g * dim + k0 + k];
      for (size_t k = len; k < ld; ++k) wp[k0 * bins + g * ld + k] = 0.0f;
    }
  }
}

// The public kernels; each runs on its own ISA table (chosen per kernel, see dispatch.cc).
enum class Kernel { CosineRows = 0, CosineMatrix, HeadForward, HeadTrain };
constexpr int kKernelCount = 4;
const char* kernelName(Kernel k);
bool kernelByName(const char* name, Kernel* k);

// The table a kernel runs on now (the widest ISA until setKernelIsa or SELFJ_NATIVE_ISA says otherwise).
const KernelTable& kernelsFor(Kernel k);
// Tables this CPU and build can run, widest first (scalar last).
const KernelTable* const* availableTables(size_t* count);
// The table for an ISA name when this CPU and build support it, else null.
const KernelTable* tableByName(const char* isa);
// The widest table, or the one forced by SELFJ_NATIVE_ISA.
const KernelTable& defaultTable();
// SELFJ_NATIVE_ISA when it named a usable ISA (per-kernel choices are then refused), else null.
const char* forcedIsa();
// Why SELFJ_NATIVE_ISA was ignored, or null.
const char* isaFallbackReason();
// Runs kernel k on `isa` from now on; false (and why) when the ISA is unusable or SELFJ_NATIVE_ISA forces one.
bool setKernelIsa(Kernel k, const char* isa, const char** why);

// Shared cosine finish so every ISA and kernel agrees on zero-norm handling.
inline float cosineFinish(double dot, double na, double nb) {
  if (na == 0.0 || nb == 0.0) return 0.0f;
  return static_cast<float>(dot / (std::sqrt(na) * std::sqrt(nb)));
}

}  // namespace selfj
