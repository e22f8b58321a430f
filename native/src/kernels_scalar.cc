// Portable kernels: plain C++ on a 4-lane struct (the compiler may still use baseline SIMD such as SSE2).
// Used when no faster ISA is available or SELFJ_NATIVE_ISA=scalar.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "aligned.h"
#include "kernels.h"

namespace selfj {
namespace scalar {
struct V {
  float x[4];
};
constexpr int W = 4;
constexpr int GMR = 6;  // GEMM tile 6 x 2 vectors
constexpr int HR = 2, HG = 2, GG = 4;
#define ISA_NAME "scalar"
static inline V vzero() { return V{{0.0f, 0.0f, 0.0f, 0.0f}}; }
static inline V vload(const float* p) { return V{{p[0], p[1], p[2], p[3]}}; }
static inline void vstore(float* p, V v) { for (int i = 0; i < 4; ++i) p[i] = v.x[i]; }
static inline V vset1(float x) { return V{{x, x, x, x}}; }
// Unfused multiply-add, matching sfma below so vector and tail paths round identically.
static inline V vfma(V a, V b, V c) {
  V r;
  for (int i = 0; i < 4; ++i) r.x[i] = a.x[i] * b.x[i] + c.x[i];
  return r;
}
static inline V vadd(V a, V b) {
  V r;
  for (int i = 0; i < 4; ++i) r.x[i] = a.x[i] + b.x[i];
  return r;
}
static inline float vhsum(V v) { return (v.x[0] + v.x[2]) + (v.x[1] + v.x[3]); }
static inline float sfma(float a, float b, float c) { return a * b + c; }
#define FMA_ACC 4
#include "kernels_impl.h"
#undef ISA_NAME
}  // namespace scalar
const KernelTable* kernelsScalar() { return &scalar::kTable; }
}  // namespace selfj
