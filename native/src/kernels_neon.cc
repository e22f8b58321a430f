// NEON kernels (aarch64, where NEON is always present).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "aligned.h"
#include "kernels.h"
#if defined(__aarch64__)
#include <arm_neon.h>

namespace selfj {
namespace neon {
using V = float32x4_t;
constexpr int W = 4;
constexpr int GMR = 8;  // GEMM tile 8 x 2 vectors
constexpr int HR = 4, HG = 3, GG = 6;  // 32 vector registers
#define ISA_NAME "neon"
static inline V vzero() { return vdupq_n_f32(0.0f); }
static inline V vload(const float* p) { return vld1q_f32(p); }
static inline void vstore(float* p, V v) { vst1q_f32(p, v); }
static inline V vset1(float x) { return vdupq_n_f32(x); }
static inline V vfma(V a, V b, V c) { return vfmaq_f32(c, a, b); }
static inline V vadd(V a, V b) { return vaddq_f32(a, b); }
static inline float vhsum(V v) { return vaddvq_f32(v); }
static inline float sfma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
#define FMA_ACC 16
#include "kernels_impl.h"
#undef ISA_NAME
}  // namespace neon
const KernelTable* kernelsNeon() { return &neon::kTable; }
}  // namespace selfj
#else
namespace selfj {
const KernelTable* kernelsNeon() { return nullptr; }
}  // namespace selfj
#endif
