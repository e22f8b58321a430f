// Judge head train step: forward both views (log-softmax), dz per the contract (teacher detached inside the KL),
// gradient of W and bias as per-chunk partial sums (kTrainChunkRows rows, fixed order) reduced in chunk order inside
// the AdamW kernel, per-row losses reduced in a fixed tree. No float atomics anywhere: results are bitwise
// reproducible run to run.
#include <climits>
#include <cmath>

#include "common.cuh"
#include "cuda_api.h"
#include "launch.cuh"
#include "warp.cuh"

namespace selfj_cuda {
namespace {

constexpr int KG = 16;                      // bins handled per gradient block (register tile)
constexpr int CH = int(kTrainChunkRows);    // rows per chunk
constexpr int kGradThreads = 128;

// One warp per row: p = exp(logp), per-row losses (weighted), dz scaled by weight / sum of weights.
// Terms with a zero factor are skipped so that y = 0 or pT = 0 next to log p = -inf gives 0, not NaN.
__global__ void __launch_bounds__(256) rowGradKernel(const float* __restrict__ lpT, const float* __restrict__ lpS,
                                                     const float* __restrict__ y, const float* __restrict__ weights,
                                                     size_t n, unsigned bins, float a, float b, float invW,
                                                     float* __restrict__ dzT, float* __restrict__ dzS,
                                                     float* __restrict__ rowLoss) {
  const size_t row = size_t(blockIdx.x) * 8 + threadIdx.x / 32;
  const unsigned lane = threadIdx.x & 31;
  if (row >= n) return;
  const float wt = weights ? weights[row] : 1.f;
  const float s = wt * invW;
  float ceT = 0.f, ceS = 0.f, kl = 0.f;
  for (unsigned k = lane; k < bins; k += 32) {
    const size_t i = row * bins + k;
    const float lt = lpT[i], ls = lpS[i], yk = y[i];
    const float pt = expf(lt), ps = expf(ls);
    if (yk != 0.f) {
      ceT -= yk * lt;
      ceS -= yk * ls;
    }
    if (pt != 0.f) kl += pt * (lt - ls);
    dzT[i] = s * (pt - yk);
    dzS[i] = s * (a * (ps - yk) + b * (ps - pt));
  }
  ceT = warpSum(ceT);
  ceS = warpSum(ceS);
  kl = warpSum(kl);
  if (lane == 0) {
    rowLoss[row * 3 + 0] = wt * ceT;
    rowLoss[row * 3 + 1] = wt * ceS;
    rowLoss[row * 3 + 2] = wt * kl;
  }
}

// Block (chunk, d-tile, bin-group): partW[chunk][k][d] = sum over the chunk's rows, in row order, of
// dzT[i,k] hT[i,d] + dzS[i,k] hS[i,d]. Each thread owns V consecutive d and KG bins in registers.
template <int V>
__global__ void __launch_bounds__(kGradThreads) gradPartialKernel(const float* __restrict__ hT,
                                                                  const float* __restrict__ hS,
                                                                  const float* __restrict__ dzT,
                                                                  const float* __restrict__ dzS, size_t n,
                                                                  unsigned dim, unsigned bins,
                                                                  float* __restrict__ partW,
                                                                  float* __restrict__ partB) {
  __shared__ float sT[CH][KG], sS[CH][KG];
  const size_t chunk = blockIdx.x, i0 = chunk * CH;
  const int rows = int(min(size_t(CH), n - i0));
  const unsigned k0 = blockIdx.z * KG;
  const int kc = int(min(unsigned(KG), bins - k0));
  for (int idx = threadIdx.x; idx < CH * KG; idx += kGradThreads) {
    const int r = idx / KG, k = idx % KG;
    const bool ok = r < rows && k < kc;
    sT[r][k] = ok ? dzT[(i0 + r) * bins + k0 + k] : 0.f;
    sS[r][k] = ok ? dzS[(i0 + r) * bins + k0 + k] : 0.f;
  }
  __syncthreads();

  if (blockIdx.y == 0 && int(threadIdx.x) < kc) {  // bias partial of this chunk, same row order
    float gb = 0.f;
    for (int r = 0; r < rows; ++r) gb += sT[r][threadIdx.x] + sS[r][threadIdx.x];
    partB[chunk * bins + k0 + threadIdx.x] = gb;
  }

  const unsigned d = (blockIdx.y * kGradThreads + threadIdx.x) * V;
  if (d >= dim) return;
  float acc[KG][V];
#pragma unroll
  for (int k = 0; k < KG; ++k)
#pragma unroll
    for (int e = 0; e < V; ++e) acc[k][e] = 0.f;

#pragma unroll 4
  for (int r = 0; r < rows; ++r) {
    float xt[V], xs[V];
    const size_t off = (i0 + r) * dim + d;
    if (V == 4) {
      const float4 t = __ldg(reinterpret_cast<const float4*>(hT + off));
      const float4 s = __ldg(reinterpret_cast<const float4*>(hS + off));
      xt[0] = t.x, xt[V > 1 ? 1 : 0] = t.y, xt[V > 2 ? 2 : 0] = t.z, xt[V > 3 ? 3 : 0] = t.w;
      xs[0] = s.x, xs[V > 1 ? 1 : 0] = s.y, xs[V > 2 ? 2 : 0] = s.z, xs[V > 3 ? 3 : 0] = s.w;
    } else {
      xt[0] = __ldg(hT + off);
      xs[0] = __ldg(hS + off);
    }
#pragma unroll
    for (int k = 0; k < KG; ++k) {
      if (k < kc) {
        const float gt = sT[r][k], gs = sS[r][k];
#pragma unroll
        for (int e = 0; e < V; ++e) acc[k][e] = fmaf(gs, xs[e], fmaf(gt, xt[e], acc[k][e]));
      }
    }
  }
#pragma unroll
  for (int k = 0; k < KG; ++k) {
    if (k < kc) {
      float* dst = partW + (chunk * bins + k0 + k) * dim + d;
      if (V == 4)
        *reinterpret_cast<float4*>(dst) = make_float4(acc[k][0], acc[k][V > 1 ? 1 : 0], acc[k][V > 2 ? 2 : 0],
                                                      acc[k][V > 3 ? 3 : 0]);
      else
        dst[0] = acc[k][0];
    }
  }
}

// One block: per-row losses summed in double, thread-strided then a fixed shared-memory tree.
__global__ void __launch_bounds__(256) lossReduceKernel(const float* __restrict__ rowLoss, size_t n, double a,
                                                        double b, double invW, double* __restrict__ out) {
  __shared__ double sm[3][256];
  double c[3] = {0.0, 0.0, 0.0};
  for (size_t i = threadIdx.x; i < n; i += 256)
    for (int j = 0; j < 3; ++j) c[j] += double(rowLoss[i * 3 + j]);
  for (int j = 0; j < 3; ++j) sm[j][threadIdx.x] = c[j];
  __syncthreads();
  for (int s = 128; s > 0; s >>= 1) {
    if (int(threadIdx.x) < s)
      for (int j = 0; j < 3; ++j) sm[j][threadIdx.x] += sm[j][threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const double ceT = sm[0][0] * invW, ceS = sm[1][0] * invW, kl = sm[2][0] * invW;
    out[0] = ceT + a * ceS + b * kl;
    out[1] = ceT;
    out[2] = ceS;
    out[3] = kl;
  }
}

// Gradient = partial sums in chunk order, then AdamW (PyTorch semantics) on W (decayed) and bias (not decayed).
__global__ void __launch_bounds__(256) adamWKernel(const float* __restrict__ partW, const float* __restrict__ partB,
                                                   size_t chunks, size_t wCount, unsigned bins, float* w,
                                                   float* bias, float* mW, float* vW, float* mB, float* vB, float lr,
                                                   float b1, float b2, float eps, float wd, float bc1,
                                                   float bc2Sqrt) {
  const size_t idx = size_t(blockIdx.x) * 256 + threadIdx.x;
  if (idx >= wCount + bins) return;
  const bool isW = idx < wCount;
  const size_t j = isW ? idx : idx - wCount;
  const float* part = isW ? partW + j : partB + j;
  const size_t stride = isW ? wCount : bins;
  float g = 0.f;
#pragma unroll 8
  for (size_t c = 0; c < chunks; ++c) g += part[c * stride];
  float* p = isW ? w + j : bias + j;
  float* m = isW ? mW + j : mB + j;
  float* v = isW ? vW + j : vB + j;
  float pv = *p;
  if (isW) pv *= 1.f - lr * wd;
  const float mv = b1 * *m + (1.f - b1) * g;
  const float vv = b2 * *v + (1.f - b2) * g * g;
  pv -= (lr / bc1) * mv / (sqrtf(vv) / bc2Sqrt + eps);
  *p = pv;
  *m = mv;
  *v = vv;
}

}  // namespace

cudaError_t launchJudgeTrain(const TrainDev& d, size_t n, size_t dim, size_t bins, int64_t step,
                             const SelfjTrainHyper& hp, double invWeightSum) {
  if (n == 0 || bins < 2 || bins > 64 || dim == 0 || dim > size_t(INT_MAX) || step < 1) return cudaErrorInvalidValue;
  cudaError_t e;
  if ((e = launchJudgeHead(d.hT, n, dim, d.w, d.bias, d.offT, bins, HeadOut::kLogp, d.logpT, nullptr))) return e;
  if ((e = launchJudgeHead(d.hS, n, dim, d.w, d.bias, d.offS, bins, HeadOut::kLogp, d.logpS, nullptr))) return e;
  rowGradKernel<<<ceilDiv(n, 8), 256>>>(d.logpT, d.logpS, d.targets, d.weights, n, unsigned(bins), hp.studentWeight,
                                        hp.klWeight, float(invWeightSum), d.dzT, d.dzS, d.rowLoss);
  if ((e = cudaGetLastError())) return e;
  const size_t chunks = trainChunks(n);
  const int V = dim % 4 == 0 ? 4 : 1;
  const dim3 grid(unsigned(chunks), ceilDiv(dim, size_t(kGradThreads) * V), ceilDiv(bins, KG));
  if (V == 4)
    gradPartialKernel<4><<<grid, kGradThreads>>>(d.hT, d.hS, d.dzT, d.dzS, n, unsigned(dim), unsigned(bins), d.partW,
                                                 d.partB);
  else
    gradPartialKernel<1><<<grid, kGradThreads>>>(d.hT, d.hS, d.dzT, d.dzS, n, unsigned(dim), unsigned(bins), d.partW,
                                                 d.partB);
  if ((e = cudaGetLastError())) return e;
  lossReduceKernel<<<1, 256>>>(d.rowLoss, n, hp.studentWeight, hp.klWeight, invWeightSum, d.lossSum);
  if ((e = cudaGetLastError())) return e;
  const double bc1 = 1.0 - std::pow(double(hp.beta1), double(step));
  const double bc2 = 1.0 - std::pow(double(hp.beta2), double(step));
  const size_t wCount = bins * dim;
  adamWKernel<<<ceilDiv(wCount + bins, 256), 256>>>(d.partW, d.partB, chunks, wCount, unsigned(bins), d.w, d.bias,
                                                    d.mW, d.vW, d.mB, d.vB, hp.lr, hp.beta1, hp.beta2, hp.eps,
                                                    hp.weightDecay, float(bc1), float(std::sqrt(bc2)));
  return cudaGetLastError();
}

}  // namespace selfj_cuda
