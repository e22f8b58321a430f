// AVX2 + FMA kernels (compiled with -mavx2 -mfma; only called when the CPU reports both).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "aligned.h"
#include "kernels.h"
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace selfj {
namespace avx2 {
using V = __m256;
constexpr int W = 8;
constexpr int GMR = 6;  // GEMM tile 6 x 2 vectors
constexpr int HR = 3, HG = 4, GG = 6;  // head 12 acc + 3 h + 1 w; grad 12 acc + loads: 16 ymm registers
#define ISA_NAME "avx2"
static inline V vzero() { return _mm256_setzero_ps(); }
static inline V vload(const float* p) { return _mm256_loadu_ps(p); }
static inline void vstore(float* p, V v) { _mm256_storeu_ps(p, v); }
static inline V vset1(float x) { return _mm256_set1_ps(x); }
static inline V vfma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
static inline V vadd(V a, V b) { return _mm256_add_ps(a, b); }
static inline float vhsum(V v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline float sfma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
#define SELFJ_HAVE_VLOADA 1
static inline V vloadA(const float* p) { return _mm256_load_ps(p); }
#define FMA_ACC 12  // 16 ymm registers: 12 accumulators + the two operands
#include "pack_avx.h"
#include "kernels_impl.h"
#undef ISA_NAME
}  // namespace avx2
const KernelTable* kernelsAvx2() { return &avx2::kTable; }
}  // namespace selfj
#else
namespace selfj {
const KernelTable* kernelsAvx2() { return nullptr; }
}  // namespace selfj
#endif
