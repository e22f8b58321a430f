// Judge head forward: z = offset + h W^T + bias, softmax in log-sum-exp form, expected score sum_k k p_k.
// h streams from HBM once; W goes through shared memory in dim-chunks (48 KB, no opt-in needed) and each warp
// handles RW rows at a time so that one shared-memory read of W feeds RW rows (otherwise shared-memory bandwidth,
// not HBM, would bound it: bins reads of W per element of h). Per-row results depend only on dim and bins
// (fixed lane striding, fixed butterfly reduction), never on n or the row's position in the batch.
#include <climits>

#include "common.cuh"
#include "cuda_api.h"
#include "launch.cuh"
#include "warp.cuh"

namespace selfj_cuda {
namespace {

constexpr int kWarps = 8, kThreads = kWarps * 32;
constexpr unsigned kSmemFloats = 12288;  // 48 KB of W per chunk

// Chunk of dim staged per pass; a multiple of 128 (32 lanes x float4), chosen from bins and dim only.
unsigned chunkLen(size_t dim, size_t bins) {
  unsigned dc = unsigned(kSmemFloats / bins) / 128 * 128;
  if (dc < 128) dc = 128;
  const size_t whole = (dim + 127) / 128 * 128;
  return whole < dc ? unsigned(whole) : dc;
}

// MAXB: compile-time bound on bins (register arrays need constant indices). RW: rows per warp. V: 4 = float4 path
// (dim % 4 == 0), 1 = scalar path.
template <int MAXB, int RW, int V>
__global__ void __launch_bounds__(kThreads) judgeHeadKernel(const float* __restrict__ h, size_t n, unsigned dim,
                                                            const float* __restrict__ w,
                                                            const float* __restrict__ bias,
                                                            const float* __restrict__ offset, unsigned bins,
                                                            unsigned dc, int logpMode, float* __restrict__ probs,
                                                            float* __restrict__ scores) {
  extern __shared__ __align__(16) float Ws[];  // [bins][dc]
  const unsigned warp = threadIdx.x / 32, lane = threadIdx.x & 31;
  const size_t row0 = (size_t(blockIdx.x) * kWarps + warp) * RW;

  float acc[RW][MAXB];
#pragma unroll
  for (int r = 0; r < RW; ++r)
#pragma unroll
    for (int k = 0; k < MAXB; ++k) acc[r][k] = 0.f;

  for (unsigned d0 = 0; d0 < dim; d0 += dc) {
    const unsigned len = min(dc, dim - d0);
    __syncthreads();  // readers of the previous chunk are done
    for (unsigned idx = threadIdx.x * V; idx < bins * dc; idx += kThreads * V) {
      const unsigned k = idx / dc, c = idx % dc;  // V divides dc, so a float4 never straddles two k
      const float* src = w + size_t(k) * dim + d0 + c;
      if (V == 4)
        *reinterpret_cast<float4*>(Ws + idx) =
            c < len ? __ldg(reinterpret_cast<const float4*>(src)) : make_float4(0.f, 0.f, 0.f, 0.f);
      else
        Ws[idx] = c < len ? __ldg(src) : 0.f;
    }
    __syncthreads();
#pragma unroll 2
    for (unsigned c = lane * V; c < len; c += 32 * V) {
      float hv[RW][V];
#pragma unroll
      for (int r = 0; r < RW; ++r) {
        if (row0 + r < n) {  // warp-uniform
          const float* src = h + (row0 + r) * dim + d0 + c;
          if (V == 4) {
            const float4 x = __ldcs(reinterpret_cast<const float4*>(src));
            hv[r][0] = x.x, hv[r][V > 1 ? 1 : 0] = x.y, hv[r][V > 2 ? 2 : 0] = x.z, hv[r][V > 3 ? 3 : 0] = x.w;
          } else {
            hv[r][0] = __ldcs(src);
          }
        } else {
#pragma unroll
          for (int e = 0; e < V; ++e) hv[r][e] = 0.f;
        }
      }
#pragma unroll
      for (int k = 0; k < MAXB; ++k) {
        if (k < int(bins)) {
          float wv[V];
          if (V == 4) {
            const float4 x = *reinterpret_cast<const float4*>(Ws + k * dc + c);
            wv[0] = x.x, wv[V > 1 ? 1 : 0] = x.y, wv[V > 2 ? 2 : 0] = x.z, wv[V > 3 ? 3 : 0] = x.w;
          } else {
            wv[0] = Ws[k * dc + c];
          }
#pragma unroll
          for (int r = 0; r < RW; ++r)
#pragma unroll
            for (int e = 0; e < V; ++e) acc[r][k] = fmaf(hv[r][e], wv[e], acc[r][k]);
        }
      }
    }
  }

#pragma unroll
  for (int r = 0; r < RW; ++r) {
    const size_t row = row0 + r;
    if (row >= n) break;  // warp-uniform; later slots are past the end too
    float z[MAXB];
    float m = -INFINITY;
#pragma unroll
    for (int k = 0; k < MAXB; ++k) {
      if (k < int(bins)) {
        z[k] = warpSum(acc[r][k]) + bias[k];
        if (offset) z[k] += offset[row * bins + k];
        m = fmaxf(m, z[k]);
      }
    }
    // log-sum-exp; every lane computes the same values in the same order
    float s = 0.f;
#pragma unroll
    for (int k = 0; k < MAXB; ++k)
      if (k < int(bins)) s += expf(z[k] - m);
    const float lse = m + logf(s);
    float score = 0.f;
#pragma unroll
    for (int k = 0; k < MAXB; ++k) {
      if (k < int(bins)) {
        const float lp = z[k] - lse;
        const float p = expf(lp);
        score = fmaf(float(k), p, score);
        if ((k & 31) == int(lane)) probs[row * bins + k] = logpMode ? lp : p;
      }
    }
    if (!logpMode && lane == 0) scores[row] = score;
  }
}

template <int MAXB, int RW>
cudaError_t launchHead(const float* h, size_t n, size_t dim, const float* w, const float* bias, const float* offset,
                       size_t bins, int logpMode, float* probs, float* scores) {
  const unsigned dc = chunkLen(dim, bins);
  const size_t smem = sizeof(float) * bins * dc;
  const unsigned grid = ceilDiv(n, size_t(kWarps) * RW);
  if (dim % 4 == 0)
    judgeHeadKernel<MAXB, RW, 4><<<grid, kThreads, smem>>>(h, n, unsigned(dim), w, bias, offset, unsigned(bins), dc,
                                                           logpMode, probs, scores);
  else
    judgeHeadKernel<MAXB, RW, 1><<<grid, kThreads, smem>>>(h, n, unsigned(dim), w, bias, offset, unsigned(bins), dc,
                                                           logpMode, probs, scores);
  return cudaGetLastError();
}

}  // namespace

cudaError_t launchJudgeHead(const float* h, size_t n, size_t dim, const float* w, const float* bias,
                            const float* offset, size_t bins, HeadOut mode, float* probs, float* scores) {
  if (n == 0) return cudaSuccess;
  if (bins < 1 || bins > 64 || dim == 0 || dim > size_t(INT_MAX)) return cudaErrorInvalidValue;
  const int logp = mode == HeadOut::kLogp;
  if (bins <= 16) return launchHead<16, 4>(h, n, dim, w, bias, offset, bins, logp, probs, scores);
  if (bins <= 32) return launchHead<32, 2>(h, n, dim, w, bias, offset, bins, logp, probs, scores);
  return launchHead<64, 1>(h, n, dim, w, bias, offset, bins, logp, probs, scores);
}

}  // namespace selfj_cuda

using namespace selfj_cuda;

extern "C" int selfj_cuda_judge_head_forward(const float* h, size_t n, size_t dim, const float* w, const float* bias,
                                             const float* offset, size_t bins, float* probs, float* scores,
                                             char* err, size_t errLen) {
  if (bins < 2 || bins > 64 || dim == 0 || dim > size_t(INT_MAX)) {
    setMessage(err, errLen, "judgeHeadForward: bins must be in 2..64 and dim in 1..2^31-1");
    return 1;
  }
  if (n == 0) return 0;
  SELFJ_ENTER();
  SELFJ_BUF(dH, float, kSlotA, n * dim);
  SELFJ_BUF(dW, float, kSlotW, bins * dim);
  SELFJ_BUF(dBias, float, kSlotBias, bins);
  SELFJ_BUF(dProbs, float, kSlotOut, n * bins);
  SELFJ_BUF(dScores, float, kSlotAux0, n);
  float* dOff = nullptr;
  if (offset) {
    dOff = static_cast<float*>(deviceBuffer(kSlotAux1, sizeof(float) * n * bins, err, errLen));
    if (!dOff) return 1;
  }
  SELFJ_UP(dH, h, n * dim);
  SELFJ_UP(dW, w, bins * dim);
  SELFJ_UP(dBias, bias, bins);
  SELFJ_UP(dOff, offset, n * bins);
  SELFJ_CK(launchJudgeHead(dH, n, dim, dW, dBias, dOff, bins, HeadOut::kProbs, dProbs, dScores));
  SELFJ_DOWN(probs, dProbs, n * bins);
  SELFJ_DOWN(scores, dScores, n);
  return 0;
}
