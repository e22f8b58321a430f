// Launchers of the kernels on DEVICE pointers (default stream, asynchronous). The host entry points (copies in and
// out) and the device-resident benchmark both go through these, so what is timed is what the binding runs.
// Each returns the launch error (cudaGetLastError), never synchronises.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "cuda_api.h"

namespace selfj_cuda {

// out[i] = cos(a_i, b_i); one warp per row pair.
cudaError_t launchCosineRows(const float* a, const float* b, size_t n, size_t dim, float* out);

// invNorm[i] = 1/||x_i|| (0 for a zero row); one warp per row, same reduction order as launchCosineRows.
cudaError_t launchInverseNorms(const float* x, size_t n, size_t dim, float* invNorm);

// out[i*nb+j] = dot(a_i, b_j) * invA[i] * invB[j]; tiled SGEMM, fixed k order. nb <= 65535*128.
// When min(na, nb) <= kSkinnyMax it dispatches to launchCosineSkinny (same bits, streams the big side once).
cudaError_t launchCosineMatrix(const float* a, size_t na, const float* b, size_t nb, size_t dim, const float* invA,
                               const float* invB, float* out);

// Largest nb the matrix launcher accepts (grid.y limit of the SGEMM path).
constexpr size_t kMatrixMaxCols = size_t(65535) * 128;

constexpr size_t kSkinnyMax = 32;
// Shapes the matrix launcher accepts: every size < 2^31, and nb within the SGEMM grid unless the skinny path runs.
inline bool matrixShapeOk(size_t na, size_t nb, size_t dim) {
  const size_t lim = 0x7fffffff;
  return na <= lim && nb <= lim && dim <= lim && (na <= kSkinnyMax || nb <= kSkinnyMax || nb <= kMatrixMaxCols);
}
cudaError_t launchCosineSkinny(const float* a, size_t na, const float* b, size_t nb, size_t dim, const float* invA,
                               const float* invB, float* out);

// z = offset (nullable) + h W^T + bias. Mode probs: probs[n*bins] = softmax(z), scores[n] = sum_k k p_k.
// Mode logp: probs[] receives log_softmax(z) and scores is unused (nullable).
enum class HeadOut { kProbs, kLogp };
cudaError_t launchJudgeHead(const float* h, size_t n, size_t dim, const float* w, const float* bias,
                            const float* offset, size_t bins, HeadOut mode, float* probs, float* scores);

// Device pointers and scratch of one train step. Scratch sizes: logpT/logpS/dzT/dzS [n*bins], rowLoss [n*3],
// partW [chunks*bins*dim], partB [chunks*bins], lossSum [4] doubles, chunks = trainChunks(n).
struct TrainDev {
  const float *hT, *hS, *offT, *offS, *targets, *weights;  // offT/offS/weights nullable
  float *w, *bias, *mW, *vW, *mB, *vB;
  float *logpT, *logpS, *dzT, *dzS, *rowLoss, *partW, *partB;
  double* lossSum;  // [loss, ceT, ceS, kl], already divided by the weight sum
};
// Rows per deterministic gradient chunk: partial sums per chunk, then summed in chunk order.
constexpr size_t kTrainChunkRows = 64;
inline size_t trainChunks(size_t n) { return (n + kTrainChunkRows - 1) / kTrainChunkRows; }

// Forward both views, dz, deterministic gradient, AdamW. invWeightSum = 1 / sum of sample weights (n when null).
cudaError_t launchJudgeTrain(const TrainDev& d, size_t n, size_t dim, size_t bins, int64_t step,
                             const SelfjTrainHyper& hyper, double invWeightSum);

// Fills x[0..count) with deterministic pseudo-random values in [lo, hi) (benchmark and self-test data).
cudaError_t launchFillRandom(float* x, size_t count, uint32_t seed, float lo, float hi);

}  // namespace selfj_cuda
