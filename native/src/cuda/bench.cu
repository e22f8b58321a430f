// selfj_cuda_bench_device: device-resident timing of one kernel path (what the host entry points launch, without
// the PCIe copies). Random data is generated on the device once per call, a few warm-up calls run, then `iters`
// calls are timed with CUDA events. bytesPerCall is the compulsory HBM traffic of the path (each input read once
// per pass, each output written once), so bytesPerCall / msPerCall compares with the card's copy bandwidth.
#include <climits>
#include <string>

#include "common.cuh"
#include "cuda_api.h"
#include "launch.cuh"
#include "warp.cuh"

namespace selfj_cuda {
namespace {

__global__ void fillRandomKernel(float* x, size_t count, uint32_t seed, float lo, float hi) {
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) {
    // splitmix64 of (seed, index): cheap, stateless, good enough for benchmark and test data
    uint64_t z = (uint64_t(seed) << 32) + i + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float u = float(z >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    x[i] = lo + (hi - lo) * u;
  }
}

}  // namespace

cudaError_t launchFillRandom(float* x, size_t count, uint32_t seed, float lo, float hi) {
  if (count == 0) return cudaSuccess;
  const size_t blocks = (count + 255) / 256;
  fillRandomKernel<<<unsigned(blocks < 65536 ? blocks : 65536), 256>>>(x, count, seed, lo, hi);
  return cudaGetLastError();
}

}  // namespace selfj_cuda

using namespace selfj_cuda;

#define SELFJ_FILL(ptr, count, seed, lo, hi) SELFJ_CK(launchFillRandom((ptr), (count), (seed), (lo), (hi)))

extern "C" int selfj_cuda_bench_device(const char* kernel, size_t n, size_t nb, size_t dim, size_t bins, int iters,
                                       double* msPerCall, double* bytesPerCall, char* err, size_t errLen) {
  const std::string name = kernel ? kernel : "";
  const bool rows = name == "cosineRows", matrix = name == "cosineMatrix", fwd = name == "judgeHeadForward",
             train = name == "judgeHeadTrainStep";
  if (!rows && !matrix && !fwd && !train) {
    setMessage(err, errLen,
               "benchDevice: unknown kernel (expected cosineRows, cosineMatrix, judgeHeadForward, judgeHeadTrainStep)");
    return 1;
  }
  if (matrix && nb == 0) nb = n;
  if (n == 0 || dim == 0 || dim > size_t(INT_MAX) || iters < 1 || ((fwd || train) && (bins < 2 || bins > 64)) ||
      (matrix && !matrixShapeOk(n, nb, dim))) {
    setMessage(err, errLen, "benchDevice: need n, dim, iters >= 1, bins in 2..64 for the judge head, shapes in range");
    return 1;
  }
  SELFJ_ENTER();
  const double f = sizeof(float);
  double bytes = 0;
  // Device data for the chosen kernel and a closure that launches one call.
  struct Call {
    int kind;
    const float *a, *b;
    float *o1, *o2, *ia, *ib;  // outputs; inverse norms of the matrix path
    TrainDev t;
    int64_t step;
  } c{};
  const size_t nd = n * dim;
  SelfjTrainHyper hp{1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.3f, 2.f};
  if (rows) {
    SELFJ_BUF(a, float, kSlotA, nd);
    SELFJ_BUF(b, float, kSlotB, nd);
    SELFJ_BUF(o, float, kSlotOut, n);
    SELFJ_FILL(a, nd, 1, -1.f, 1.f);
    SELFJ_FILL(b, nd, 2, -1.f, 1.f);
    c = Call{0, a, b, o, nullptr, nullptr, nullptr, {}, 0};
    bytes = f * (2.0 * nd + n);
  } else if (matrix) {
    SELFJ_BUF(a, float, kSlotA, nd);
    SELFJ_BUF(b, float, kSlotB, nb * dim);
    SELFJ_BUF(ia, float, kSlotAux0, n);
    SELFJ_BUF(ib, float, kSlotAux1, nb);
    SELFJ_BUF(o, float, kSlotOut, n * nb);
    SELFJ_FILL(a, nd, 1, -1.f, 1.f);
    SELFJ_FILL(b, nb * dim, 2, -1.f, 1.f);
    c = Call{1, a, b, o, nullptr, ia, ib, {}, 0};
    bytes = f * (double(n + nb) * dim + double(n) * nb);
  } else {
    const size_t nk = n * bins, wk = bins * dim, chunks = trainChunks(n);
    TrainDev t{};
    SELFJ_BUF(hT, float, kSlotA, nd);
    SELFJ_BUF(offT, float, kSlotAux0, nk);
    SELFJ_BUF(w, float, kSlotW, wk);
    SELFJ_BUF(bias, float, kSlotBias, bins);
    SELFJ_BUF(probs, float, kSlotOut, nk);
    SELFJ_BUF(scores, float, kSlotDzT, train ? nk : n);
    SELFJ_FILL(hT, nd, 1, -1.f, 1.f);
    SELFJ_FILL(offT, nk, 3, -4.f, 0.f);
    SELFJ_FILL(w, wk, 4, -0.02f, 0.02f);
    SELFJ_FILL(bias, bins, 5, -0.1f, 0.1f);
    t.hT = hT, t.offT = offT, t.w = w, t.bias = bias;
    bytes = f * (double(nd) + wk + 2.0 * nk + n);  // forward: h, W, offset, probs, scores
    if (train) {
      SELFJ_BUF(hS, float, kSlotB, nd);
      SELFJ_BUF(offS, float, kSlotAux1, nk);
      SELFJ_BUF(y, float, kSlotTargets, nk);
      SELFJ_BUF(mW, float, kSlotMW, wk);
      SELFJ_BUF(vW, float, kSlotVW, wk);
      SELFJ_BUF(mB, float, kSlotMB, bins);
      SELFJ_BUF(vB, float, kSlotVB, bins);
      SELFJ_BUF(lpT, float, kSlotLogpT, nk);
      SELFJ_BUF(lpS, float, kSlotLogpS, nk);
      SELFJ_BUF(dzS, float, kSlotDzS, nk);
      SELFJ_BUF(rowLoss, float, kSlotRowLoss, n * 3);
      SELFJ_BUF(partW, float, kSlotPartW, chunks * wk);
      SELFJ_BUF(partB, float, kSlotPartB, chunks * bins);
      SELFJ_BUF(lossSum, double, kSlotLossSum, 4);
      SELFJ_FILL(hS, nd, 6, -1.f, 1.f);
      SELFJ_FILL(offS, nk, 7, -4.f, 0.f);
      SELFJ_FILL(y, nk, 8, 1.f / bins, 1.f / bins);  // uniform soft targets: rows sum to 1
      SELFJ_CK(cudaMemset(mW, 0, f * wk));
      SELFJ_CK(cudaMemset(vW, 0, f * wk));
      SELFJ_CK(cudaMemset(mB, 0, f * bins));
      SELFJ_CK(cudaMemset(vB, 0, f * bins));
      t.hS = hS, t.offS = offS, t.targets = y, t.mW = mW, t.vW = vW, t.mB = mB, t.vB = vB;
      t.logpT = lpT, t.logpS = lpS, t.dzT = scores, t.dzS = dzS, t.rowLoss = rowLoss, t.partW = partW;
      t.partB = partB, t.lossSum = lossSum;
      // both views read twice (forward, gradient); offsets, targets, log-probs and dz (11 n*bins); gradient
      // partials written and read; W read by both forwards, W/m/v read and written by AdamW; row losses
      bytes = f * (4.0 * nd + 11.0 * nk + 2.0 * chunks * wk + 8.0 * wk + 6.0 * n);
    }
    c = Call{train ? 3 : 2, nullptr, nullptr, probs, scores, nullptr, nullptr, t, 0};
  }

  auto run = [&]() -> cudaError_t {
    switch (c.kind) {
      case 0:
        return launchCosineRows(c.a, c.b, n, dim, c.o1);
      case 1: {
        cudaError_t e = launchInverseNorms(c.a, n, dim, c.ia);
        if (!e) e = launchInverseNorms(c.b, nb, dim, c.ib);
        return e ? e : launchCosineMatrix(c.a, n, c.b, nb, dim, c.ia, c.ib, c.o1);
      }
      case 2:
        return launchJudgeHead(c.t.hT, n, dim, c.t.w, c.t.bias, c.t.offT, bins, HeadOut::kProbs, c.o1, c.o2);
      default:
        return launchJudgeTrain(c.t, n, dim, bins, ++c.step, hp, 1.0 / double(n));
    }
  };

  const int warm = iters < 3 ? iters : 3;
  for (int i = 0; i < warm; ++i) SELFJ_CK(run());
  SELFJ_CK(cudaDeviceSynchronize());
  cudaEvent_t start = nullptr, stop = nullptr;
  SELFJ_CK(cudaEventCreate(&start));
  cudaError_t e = cudaEventCreate(&stop);
  if (!e) e = cudaEventRecord(start);
  for (int i = 0; i < iters && !e; ++i) e = run();
  if (!e) e = cudaEventRecord(stop);
  if (!e) e = cudaEventSynchronize(stop);
  float ms = 0.f;
  if (!e) e = cudaEventElapsedTime(&ms, start, stop);
  cudaEventDestroy(start);
  if (stop) cudaEventDestroy(stop);
  SELFJ_CK(e);
  if (msPerCall) *msPerCall = double(ms) / iters;
  if (bytesPerCall) *bytesPerCall = bytes;
  return 0;
}
