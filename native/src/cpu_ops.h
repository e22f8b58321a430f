// CPU implementations of the addon's kernels (threaded) on a given ISA table. Shapes are validated by the caller.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace selfj {

struct TrainHyper {
  float lr, beta1, beta2, eps, weightDecay, studentWeight, klWeight;
};
struct TrainLoss {
  double loss, ceTeacher, ceStudent, kl;
};

void cpuCosineRows(const KernelTable& k, const float* a, const float* b, size_t n, size_t dim, float* out);
void cpuCosineMatrix(const KernelTable& k, const float* a, size_t na, const float* b, size_t nb, size_t dim, float* out);
// Fills probs [n*bins] and scores [n]; offset may be null.
void cpuHeadForward(const KernelTable& k, const float* h, size_t n, size_t dim, const float* w, const float* bias, const float* offset,
                    size_t bins, float* probs, float* scores);
// Computes the loss and the gradients gW [bins*dim], gb [bins] (weighted means). offT/offS/weights may be null.
TrainLoss cpuHeadGradients(const KernelTable& k, const float* hT, const float* hS, const float* offT, const float* offS,
                           const float* targets, const float* weights, size_t n, size_t dim, size_t bins,
                           const float* w, const float* bias, const TrainHyper& hp, float* gW, float* gb);
// AdamW (PyTorch semantics) on one parameter tensor; step is the step number after increment.
void adamwUpdate(float* p, const float* g, float* m, float* v, size_t count, int64_t step, const TrainHyper& hp,
                 bool decay);

}  // namespace selfj
