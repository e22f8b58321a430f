// selfj_cuda_judge_head_train_step: uploads the batch and the head/optimizer state, runs launchJudgeTrain on the
// cached device buffers, downloads the updated state and the losses.
#include <climits>
#include <cmath>

#include "common.cuh"
#include "cuda_api.h"
#include "launch.cuh"

using namespace selfj_cuda;

extern "C" int selfj_cuda_judge_head_train_step(const float* hT, const float* hS, const float* offT,
                                                const float* offS, const float* targets, const float* sampleWeights,
                                                size_t n, size_t dim, size_t bins, float* w, float* bias, float* mW,
                                                float* vW, float* mB, float* vB, int64_t step, SelfjTrainHyper hyper,
                                                SelfjTrainLoss* lossOut, char* err, size_t errLen) {
  if (n == 0 || bins < 2 || bins > 64 || dim == 0 || dim > size_t(INT_MAX) || step < 1) {
    setMessage(err, errLen, "judgeHeadTrainStep: need n >= 1, bins in 2..64, dim in 1..2^31-1, step >= 1");
    return 1;
  }
  // Weight sum on the host in double: exact enough, and the same order every call.
  double sumW = double(n);
  if (sampleWeights) {
    sumW = 0.0;
    for (size_t i = 0; i < n; ++i) sumW += double(sampleWeights[i]);
  }
  if (sumW == 0.0) {
    setMessage(err, errLen, "judgeHeadTrainStep: sampleWeights sum to 0 (the weighted mean is undefined)");
    return 1;
  }
  SELFJ_ENTER();
  const size_t nd = n * dim, nk = n * bins, wk = bins * dim, chunks = trainChunks(n);
  SELFJ_BUF(dHT, float, kSlotA, nd);
  SELFJ_BUF(dHS, float, kSlotB, nd);
  SELFJ_BUF(dY, float, kSlotTargets, nk);
  SELFJ_BUF(dW, float, kSlotW, wk);
  SELFJ_BUF(dBias, float, kSlotBias, bins);
  SELFJ_BUF(dMW, float, kSlotMW, wk);
  SELFJ_BUF(dVW, float, kSlotVW, wk);
  SELFJ_BUF(dMB, float, kSlotMB, bins);
  SELFJ_BUF(dVB, float, kSlotVB, bins);
  SELFJ_BUF(dLpT, float, kSlotLogpT, nk);
  SELFJ_BUF(dLpS, float, kSlotLogpS, nk);
  SELFJ_BUF(dDzT, float, kSlotDzT, nk);
  SELFJ_BUF(dDzS, float, kSlotDzS, nk);
  SELFJ_BUF(dRowLoss, float, kSlotRowLoss, n * 3);
  SELFJ_BUF(dPartW, float, kSlotPartW, chunks * wk);
  SELFJ_BUF(dPartB, float, kSlotPartB, chunks * bins);
  SELFJ_BUF(dLoss, double, kSlotLossSum, 4);
  float *dOffT = nullptr, *dOffS = nullptr, *dWt = nullptr;
  if (offT) {
    SELFJ_BUF(p, float, kSlotAux0, nk);
    dOffT = p;
  }
  if (offS) {
    SELFJ_BUF(p, float, kSlotAux1, nk);
    dOffS = p;
  }
  if (sampleWeights) {
    SELFJ_BUF(p, float, kSlotWeights, n);
    dWt = p;
  }
  SELFJ_UP(dHT, hT, nd);
  SELFJ_UP(dHS, hS, nd);
  SELFJ_UP(dY, targets, nk);
  SELFJ_UP(dW, w, wk);
  SELFJ_UP(dBias, bias, bins);
  SELFJ_UP(dMW, mW, wk);
  SELFJ_UP(dVW, vW, wk);
  SELFJ_UP(dMB, mB, bins);
  SELFJ_UP(dVB, vB, bins);
  SELFJ_UP(dOffT, offT, nk);
  SELFJ_UP(dOffS, offS, nk);
  SELFJ_UP(dWt, sampleWeights, n);

  const TrainDev d{dHT,  dHS,  dOffT, dOffS, dY,   dWt,  dW,     dBias,    dMW,   dVW,
                   dMB,  dVB,  dLpT,  dLpS,  dDzT, dDzS, dRowLoss, dPartW, dPartB, dLoss};
  SELFJ_CK(launchJudgeTrain(d, n, dim, bins, step, hyper, 1.0 / sumW));

  double loss[4];
  SELFJ_CK(cudaMemcpy(loss, dLoss, sizeof loss, cudaMemcpyDeviceToHost));  // synchronises, reports kernel faults
  SELFJ_DOWN(w, dW, wk);
  SELFJ_DOWN(bias, dBias, bins);
  SELFJ_DOWN(mW, dMW, wk);
  SELFJ_DOWN(vW, dVW, wk);
  SELFJ_DOWN(mB, dMB, bins);
  SELFJ_DOWN(vB, dVB, bins);
  if (lossOut) *lossOut = SelfjTrainLoss{loss[0], loss[1], loss[2], loss[3]};
  return 0;
}
