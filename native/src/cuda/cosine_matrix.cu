// Cosine matrix out[i*nb+j] = dot(a_i, b_j) / (|a_i| |b_j|): a tiled shared-memory SGEMM of a·b^T (no cuBLAS),
// 128x128 block tiles, 8x8 register tiles per thread, k-tiles of 8 double-buffered through registers, then scaled
// by the precomputed inverse norms. Each output accumulates k = 0..dim-1 in order in one register, so a result
// depends only on its two rows and dim, never on na, nb or the tiling position (batch-invariant).
#include <climits>

#include "common.cuh"
#include "cuda_api.h"
#include "launch.cuh"
#include "warp.cuh"

namespace selfj_cuda {
namespace {

constexpr int BM = 128, BN = 128, BK = 8, PAD = 4, kThreads = 256;

// A: [M x K] row-major, B: [N x K] row-major (both k-contiguous). VEC: K % 4 == 0 (float4 global loads).
template <bool VEC>
__global__ void __launch_bounds__(kThreads) cosineMatrixKernel(const float* __restrict__ A, int M,
                                                               const float* __restrict__ B, int N, int K,
                                                               const float* __restrict__ invA,
                                                               const float* __restrict__ invB,
                                                               float* __restrict__ out) {
  __shared__ __align__(16) float As[2][BK][BM + PAD];  // transposed tiles: [k][row]
  __shared__ __align__(16) float Bs[2][BK][BN + PAD];
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const size_t bm = size_t(blockIdx.x) * BM, bn = size_t(blockIdx.y) * BN;

  // global -> register loader: thread covers one tile row (lr) and 4 consecutive k (lk..lk+3) of A and of B
  const int lr = tid >> 1, lk = (tid & 1) * 4;
  const bool aOk = bm + lr < size_t(M), bOk = bn + lr < size_t(N);
  const float* aRow = A + (aOk ? (bm + lr) * size_t(K) : 0);
  const float* bRow = B + (bOk ? (bn + lr) * size_t(K) : 0);
  float ra[4], rb[4];
  auto loadTile = [&](int k0) {
    const int k = k0 + lk;
    if (VEC) {
      const float4 z = make_float4(0.f, 0.f, 0.f, 0.f);
      const float4 x = (aOk && k < K) ? __ldg(reinterpret_cast<const float4*>(aRow + k)) : z;
      const float4 y = (bOk && k < K) ? __ldg(reinterpret_cast<const float4*>(bRow + k)) : z;
      ra[0] = x.x, ra[1] = x.y, ra[2] = x.z, ra[3] = x.w;
      rb[0] = y.x, rb[1] = y.y, rb[2] = y.z, rb[3] = y.w;
    } else {
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        ra[c] = (aOk && k + c < K) ? __ldg(aRow + k + c) : 0.f;
        rb[c] = (bOk && k + c < K) ? __ldg(bRow + k + c) : 0.f;
      }
    }
  };
  auto storeTile = [&](int buf) {
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      As[buf][lk + c][lr] = ra[c];
      Bs[buf][lk + c][lr] = rb[c];
    }
  };

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

  const int tiles = (K + BK - 1) / BK;
  loadTile(0);
  storeTile(0);
  __syncthreads();
  for (int t = 0; t < tiles; ++t) {
    const int cur = t & 1;
    if (t + 1 < tiles) loadTile((t + 1) * BK);  // in flight while we compute
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      // rows ty*4..+3 and 64+ty*4..+3, cols tx*4..+3 and 64+tx*4..+3: float4 shared reads, few bank conflicts
      const float4 a0 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4*>(&As[cur][kk][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&Bs[cur][kk][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&Bs[cur][kk][64 + tx * 4]);
      const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    // the other buffer was last read in iteration t-1, which every thread finished (barrier below)
    if (t + 1 < tiles) storeTile(cur ^ 1);
    __syncthreads();
  }

  const bool vecOut = (N % 4) == 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const size_t row = bm + (i >> 2) * 64 + ty * 4 + (i & 3);
    if (row >= size_t(M)) continue;
    const float sa = invA[row];
    float* orow = out + row * size_t(N);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const size_t col = bn + h * 64 + tx * 4;
      float v[4];
#pragma unroll
      for (int c = 0; c < 4; ++c) v[c] = col + c < size_t(N) ? acc[i][h * 4 + c] * sa * invB[col + c] : 0.f;
      if (vecOut && col + 3 < size_t(N)) {
        *reinterpret_cast<float4*>(orow + col) = make_float4(v[0], v[1], v[2], v[3]);
      } else {
#pragma unroll
        for (int c = 0; c < 4; ++c)
          if (col + c < size_t(N)) orow[col + c] = v[c];
      }
    }
  }
}

}  // namespace

cudaError_t launchCosineMatrix(const float* a, size_t na, const float* b, size_t nb, size_t dim, const float* invA,
                               const float* invB, float* out) {
  if (na == 0 || nb == 0) return cudaSuccess;
  if (na <= kSkinnyMax || nb <= kSkinnyMax) return launchCosineSkinny(a, na, b, nb, dim, invA, invB, out);
  if (!matrixShapeOk(na, nb, dim)) return cudaErrorInvalidValue;
  const dim3 grid(ceilDiv(na, BM), ceilDiv(nb, BN));
  if (dim % 4 == 0)
    cosineMatrixKernel<true><<<grid, kThreads>>>(a, int(na), b, int(nb), int(dim), invA, invB, out);
  else
    cosineMatrixKernel<false><<<grid, kThreads>>>(a, int(na), b, int(nb), int(dim), invA, invB, out);
  return cudaGetLastError();
}

}  // namespace selfj_cuda

using namespace selfj_cuda;

extern "C" int selfj_cuda_cosine_matrix(const float* a, size_t na, const float* b, size_t nb, size_t dim, float* out,
                                        char* err, size_t errLen) {
  if (dim == 0 || !matrixShapeOk(na, nb, dim)) {
    setMessage(err, errLen,
               "cosineMatrix: shape too large for the CUDA kernel (dim, na, nb < 2^31; nb <= 8388480 unless na <= 32)");
    return 1;
  }
  if (na == 0 || nb == 0) return 0;
  SELFJ_ENTER();
  SELFJ_BUF(dA, float, kSlotA, na * dim);
  SELFJ_BUF(dB, float, kSlotB, nb * dim);
  SELFJ_BUF(dInvA, float, kSlotAux0, na);
  SELFJ_BUF(dInvB, float, kSlotAux1, nb);
  SELFJ_BUF(dOut, float, kSlotOut, na * nb);
  SELFJ_UP(dA, a, na * dim);
  SELFJ_UP(dB, b, nb * dim);
  SELFJ_CK(launchInverseNorms(dA, na, dim, dInvA));
  SELFJ_CK(launchInverseNorms(dB, nb, dim, dInvB));
  SELFJ_CK(launchCosineMatrix(dA, na, dB, nb, dim, dInvA, dInvB, dOut));
  SELFJ_DOWN(out, dOut, na * nb);
  return 0;
}
