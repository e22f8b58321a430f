// Cosine matrix when one side has at most kSkinnyMax rows (a few queries against many documents). The 128x128
// SGEMM tile would waste up to 128x the arithmetic there; this kernel streams the big side once instead (one thread
// per big-side row, k-tiles staged through shared memory with coalesced loads). Every output is accumulated exactly
// like the SGEMM does it (acc = fmaf(a_k, b_k, acc) for k = 0..dim-1 from 0, then acc * invA * invB), so both
// paths give the same bits and switching between them by shape keeps results batch-invariant (the one exception:
// the sign of an exact zero dot product when dim % 8 != 0, where the SGEMM adds zero padding).
#include <climits>

#include "common.cuh"
#include "launch.cuh"
#include "warp.cuh"

namespace selfj_cuda {
namespace {

constexpr int kThreads = 128, TK = 32;
constexpr int MAXS = int(kSkinnyMax);

template <bool VEC>
__global__ void __launch_bounds__(kThreads) cosineSkinnyKernel(const float* __restrict__ S, int ns,
                                                               const float* __restrict__ G, int ng, int K,
                                                               const float* __restrict__ invS,
                                                               const float* __restrict__ invG, bool smallIsA,
                                                               float* __restrict__ out) {
  __shared__ float Ss[MAXS][TK];
  __shared__ float Gs[kThreads][TK + 1];  // +1: thread t reads row t, conflict-free
  const int tid = threadIdx.x;
  const size_t g0 = size_t(blockIdx.x) * kThreads;
  float acc[MAXS];
#pragma unroll
  for (int i = 0; i < MAXS; ++i) acc[i] = 0.f;

  for (int k0 = 0; k0 < K; k0 += TK) {
    const int kl = min(TK, K - k0);
    __syncthreads();  // previous tile consumed
    if (VEC) {        // K % 4 == 0: float4 loads, 8 per row per tile
#pragma unroll
      for (int it = 0; it < (kThreads * TK / 4) / kThreads; ++it) {
        const int idx = it * kThreads + tid, r = idx / (TK / 4), c = (idx % (TK / 4)) * 4;
        float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
        if (g0 + r < size_t(ng) && c < kl) x = __ldcs(reinterpret_cast<const float4*>(G + (g0 + r) * K + k0 + c));
        Gs[r][c] = x.x, Gs[r][c + 1] = x.y, Gs[r][c + 2] = x.z, Gs[r][c + 3] = x.w;
      }
    } else {
#pragma unroll 8
      for (int it = 0; it < TK; ++it) {
        const int idx = it * kThreads + tid, r = idx / TK, c = idx % TK;
        Gs[r][c] = (g0 + r < size_t(ng) && c < kl) ? __ldcs(G + (g0 + r) * K + k0 + c) : 0.f;
      }
    }
    for (int idx = tid; idx < MAXS * TK; idx += kThreads) {
      const int r = idx / TK, c = idx % TK;
      Ss[r][c] = (r < ns && c < kl) ? __ldg(S + size_t(r) * K + k0 + c) : 0.f;
    }
    __syncthreads();
    for (int kk = 0; kk < kl; ++kk) {  // exactly dim terms in total: no padding terms
      const float g = Gs[tid][kk];
#pragma unroll
      for (int i = 0; i < MAXS; ++i)
        if (i < ns) acc[i] = fmaf(Ss[i][kk], g, acc[i]);
    }
  }

  const size_t j = g0 + tid;
  if (j >= size_t(ng)) return;
  const float sg = invG[j];
#pragma unroll
  for (int i = 0; i < MAXS; ++i) {
    if (i < ns) {
      if (smallIsA)
        out[size_t(i) * ng + j] = acc[i] * invS[i] * sg;  // same order as the SGEMM: acc * invA * invB
      else
        out[j * size_t(ns) + i] = acc[i] * sg * invS[i];
    }
  }
}

}  // namespace

cudaError_t launchCosineSkinny(const float* a, size_t na, const float* b, size_t nb, size_t dim, const float* invA,
                               const float* invB, float* out) {
  const bool smallIsA = na <= nb;
  const size_t ns = smallIsA ? na : nb, ng = smallIsA ? nb : na;
  if (ns == 0 || ng == 0) return cudaSuccess;
  if (ns > kSkinnyMax || ng > size_t(INT_MAX) || dim > size_t(INT_MAX)) return cudaErrorInvalidValue;
  const float *S = smallIsA ? a : b, *G = smallIsA ? b : a;
  const float *iS = smallIsA ? invA : invB, *iG = smallIsA ? invB : invA;
  const unsigned grid = ceilDiv(ng, kThreads);
  if (dim % 4 == 0)
    cosineSkinnyKernel<true><<<grid, kThreads>>>(S, int(ns), G, int(ng), int(dim), iS, iG, smallIsA, out);
  else
    cosineSkinnyKernel<false><<<grid, kThreads>>>(S, int(ns), G, int(ng), int(dim), iS, iG, smallIsA, out);
  return cudaGetLastError();
}

}  // namespace selfj_cuda
