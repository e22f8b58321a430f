// Warp-level helpers shared by the kernels.
#pragma once
#include <cuda_runtime.h>

namespace selfj_cuda {

// Butterfly sum over the 32 lanes. Fixed order, and every lane ends with the bitwise-same total (each step adds the
// same two values, addition is commutative), so results never depend on which warp or block handled a row.
__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ double warpSumD(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

inline unsigned ceilDiv(size_t a, size_t b) { return static_cast<unsigned>((a + b - 1) / b); }

}  // namespace selfj_cuda
