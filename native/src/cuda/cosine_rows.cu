// Row-wise cosine (and the inverse row norms used by the matrix kernel): one warp per row, fused dot and norms,
// float4 streaming loads when dim % 4 == 0, warp butterfly reduction in a fixed order (batch-invariant).
#include <climits>

#include "common.cuh"
#include "cuda_api.h"
#include "launch.cuh"
#include "warp.cuh"

namespace selfj_cuda {
namespace {

constexpr int kWarps = 8;  // rows per 256-thread block

// Per-lane partial sums over the lane's strided elements. V = 4: float4 loads (dim % 4 == 0, rows 16-byte aligned
// because cudaMalloc bases are 256-byte aligned); V = 1: scalar. V depends on dim only, so the order is shape-free.
template <int V, bool kPair>
__device__ __forceinline__ void rowPartials(const float* pa, const float* pb, unsigned dim, unsigned lane, float& dot,
                                            float& na, float& nb) {
  if (V == 4) {
    const float4* a4 = reinterpret_cast<const float4*>(pa);
    const float4* b4 = reinterpret_cast<const float4*>(pb);
    const unsigned d4 = dim / 4;
#pragma unroll 4
    for (unsigned j = lane; j < d4; j += 32) {
      const float4 x = __ldcs(a4 + j);  // streamed once: evict-first
      na = fmaf(x.x, x.x, na);
      na = fmaf(x.y, x.y, na);
      na = fmaf(x.z, x.z, na);
      na = fmaf(x.w, x.w, na);
      if (kPair) {
        const float4 y = __ldcs(b4 + j);
        dot = fmaf(x.x, y.x, dot);
        dot = fmaf(x.y, y.y, dot);
        dot = fmaf(x.z, y.z, dot);
        dot = fmaf(x.w, y.w, dot);
        nb = fmaf(y.x, y.x, nb);
        nb = fmaf(y.y, y.y, nb);
        nb = fmaf(y.z, y.z, nb);
        nb = fmaf(y.w, y.w, nb);
      }
    }
  } else {
#pragma unroll 4
    for (unsigned j = lane; j < dim; j += 32) {
      const float x = __ldcs(pa + j);
      na = fmaf(x, x, na);
      if (kPair) {
        const float y = __ldcs(pb + j);
        dot = fmaf(x, y, dot);
        nb = fmaf(y, y, nb);
      }
    }
  }
}

template <int V>
__global__ void __launch_bounds__(kWarps * 32) cosineRowsKernel(const float* __restrict__ a,
                                                                const float* __restrict__ b, size_t n, unsigned dim,
                                                                float* __restrict__ out) {
  const size_t row = size_t(blockIdx.x) * kWarps + threadIdx.x / 32;
  const unsigned lane = threadIdx.x & 31;
  if (row >= n) return;  // whole warp leaves together
  float dot = 0.f, na = 0.f, nb = 0.f;
  rowPartials<V, true>(a + row * dim, b + row * dim, dim, lane, dot, na, nb);
  dot = warpSum(dot);
  na = warpSum(na);
  nb = warpSum(nb);
  if (lane == 0) out[row] = (na == 0.f || nb == 0.f) ? 0.f : dot / (sqrtf(na) * sqrtf(nb));
}

template <int V>
__global__ void __launch_bounds__(kWarps * 32) inverseNormsKernel(const float* __restrict__ x, size_t n,
                                                                  unsigned dim, float* __restrict__ inv) {
  const size_t row = size_t(blockIdx.x) * kWarps + threadIdx.x / 32;
  const unsigned lane = threadIdx.x & 31;
  if (row >= n) return;
  float dot = 0.f, nx = 0.f, unused = 0.f;
  rowPartials<V, false>(x + row * dim, nullptr, dim, lane, dot, nx, unused);
  nx = warpSum(nx);
  if (lane == 0) inv[row] = nx == 0.f ? 0.f : 1.f / sqrtf(nx);  // zero row -> cosine 0
}

}  // namespace

cudaError_t launchCosineRows(const float* a, const float* b, size_t n, size_t dim, float* out) {
  if (n == 0) return cudaSuccess;
  const unsigned grid = ceilDiv(n, kWarps);
  if (dim % 4 == 0)
    cosineRowsKernel<4><<<grid, kWarps * 32>>>(a, b, n, unsigned(dim), out);
  else
    cosineRowsKernel<1><<<grid, kWarps * 32>>>(a, b, n, unsigned(dim), out);
  return cudaGetLastError();
}

cudaError_t launchInverseNorms(const float* x, size_t n, size_t dim, float* inv) {
  if (n == 0) return cudaSuccess;
  const unsigned grid = ceilDiv(n, kWarps);
  if (dim % 4 == 0)
    inverseNormsKernel<4><<<grid, kWarps * 32>>>(x, n, unsigned(dim), inv);
  else
    inverseNormsKernel<1><<<grid, kWarps * 32>>>(x, n, unsigned(dim), inv);
  return cudaGetLastError();
}

}  // namespace selfj_cuda

using namespace selfj_cuda;

extern "C" int selfj_cuda_cosine_rows(const float* a, const float* b, size_t n, size_t dim, float* out, char* err,
                                      size_t errLen) {
  if (dim == 0 || dim > size_t(INT_MAX)) {
    setMessage(err, errLen, "cosineRows: dim must be in 1..2^31-1");
    return 1;
  }
  if (n == 0) return 0;
  SELFJ_ENTER();
  SELFJ_BUF(dA, float, kSlotA, n * dim);
  SELFJ_BUF(dB, float, kSlotB, n * dim);
  SELFJ_BUF(dOut, float, kSlotOut, n);
  SELFJ_UP(dA, a, n * dim);
  SELFJ_UP(dB, b, n * dim);
  SELFJ_CK(launchCosineRows(dA, dB, n, dim, dOut));
  SELFJ_DOWN(out, dOut, n);  // synchronous: also reports faults of the kernel
  return 0;
}
