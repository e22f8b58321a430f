// AVX-512 kernels (compiled with -mavx512f/bw/dq/vl -mfma; only called when the CPU and OS support AVX-512F).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "aligned.h"
#include "kernels.h"
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace selfj {
namespace avx512 {
using V = __m512;
constexpr int W = 16;
constexpr int GMR = 12;  // GEMM tile 12 x 2 vectors
// Head tile 4 rows x 5 bins (10 bins: two groups): measured best of 2x10, 3x5, 4x3, 4x5, 5x5, 6x4, 7x3, 8x2 on Zen 5
// with V8-aligned rows (one core, thread CPU time: 87-90 GFLOP/s against 72-80 for 4x3).
constexpr int HR = 4, HG = 5, GG = 6;
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
#define SELFJ_HAVE_VLOADA 1
static inline V vloadA(const float* p) { return _mm512_load_ps(p); }
#define FMA_ACC 16  // 2 FMA pipes x 4-cycle latency, twice over

// Rows of the caller's arrays are rarely 64-byte aligned (V8 puts a large buffer 16 bytes into its pages), and a
// 512-bit load that splits a cache line costs Zen 4/5 about half their read throughput, from memory and from cache
// alike (measured on Zen 5, one core: 20 vs 43 GB/s streaming, 33 vs 70 GB/s from L3). Two 256-bit loads joined
// into one register read such a row at the full rate and give the same vector (vloadU); an aligned row takes one load.
#define SELFJ_HAVE_VLOADU 1
static inline V vloadU(const float* p) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(p)), _mm256_loadu_ps(p + 8), 1);
}
#include "pack_avx.h"
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
