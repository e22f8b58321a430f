// AVX-512 kernels (compiled with -mavx512f/bw/dq/vl -mfma; only called when the CPU and OS support AVX-512F).
#include <algorithm>
#include <vector>

#include "kernels.h"
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace selfj {
namespace avx512 {
using V = __m512;
constexpr int W = 16;
constexpr int GMR = 12;  // GEMM tile 12 x 2 vectors
constexpr int HR = 4, HG = 3, GG = 6;  // plenty of the 32 zmm registers
#define ISA_NAME "avx512"
static inline V vzero() { return _mm512_setzero_ps(); }
static inline V vload(const float* p) { return _mm512_loadu_ps(p); }
static inline void vstore(float* p, V v) { _mm512_storeu_ps(p, v); }
static inline V vset1(float x) { return _mm512_set1_ps(x); }
static inline V vfma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
static inline V vadd(V a, V b) { return _mm512_add_ps(a, b); }
static inline float vhsum(V v) {
  __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline float sfma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
#include "kernels_impl.h"
#undef ISA_NAME
}  // namespace avx512
const KernelTable* kernelsAvx512() { return &avx512::kTable; }
}  // namespace selfj
#else
namespace selfj {
const KernelTable* kernelsAvx512() { return nullptr; }
}  // namespace selfj
#endif
