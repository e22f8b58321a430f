// AVX2 + FMA kernels (compiled with -mavx2 -mfma; only called when the CPU reports both).
#include <algorithm>
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
// dst[k * ld + i] = src[i][k] for i < n (n <= 8; a null src row packs zeros), k < kc8 (a multiple of 8).
#define SELFJ_HAVE_PACK8 1
static inline void packT8(const float* const* src, int n, size_t kc8, float* dst, size_t ld) {
  static const int kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
  for (size_t k = 0; k < kc8; k += 8) {
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = src[i] ? _mm256_loadu_ps(src[i] + k) : _mm256_setzero_ps();
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    const __m256 c[8] = {_mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
                         _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
                         _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
                         _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31)};
    float* d = dst + k * ld;
    if (n == 8)
      for (int j = 0; j < 8; ++j) _mm256_storeu_ps(d + j * ld, c[j]);
    else
      for (int j = 0; j < 8; ++j) _mm256_maskstore_ps(d + j * ld, mask, c[j]);
  }
}
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
