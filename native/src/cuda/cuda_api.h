// Contract between the N-API binding (native/src/*.cc) and the CUDA kernels (native/src/cuda/*.cu).
// All pointers are HOST pointers to row-major float32 data; the CUDA side copies to and from the device
// (keeping device buffers cached between calls) so the binding never sees device memory.
// Every function returns 0 on success, or non-zero and writes a message into err (errLen bytes).
// Shapes are validated by the binding before these are called (the CUDA side re-checks the ranges it depends on).
// Calls are serialised by one process-wide lock (safe from any thread); they run on device 0 of the visible devices.
#pragma once
#include <cstddef>
#include <cstdint>

extern "C" {

// 1 when the library was compiled with CUDA and a device is usable; fills name/device. Never throws, never aborts
// (no driver -> returns 0 quietly).
int selfj_cuda_probe(int* device, char* name, size_t nameLen);

int selfj_cuda_cosine_rows(const float* a, const float* b, size_t n, size_t dim, float* out, char* err, size_t errLen);

int selfj_cuda_cosine_matrix(const float* a, size_t na, const float* b, size_t nb, size_t dim, float* out, char* err,
                             size_t errLen);

// logits = offset (may be null) + h W^T + bias; probs = softmax(logits) per row; scores = sum_k k * probs_k.
int selfj_cuda_judge_head_forward(const float* h, size_t n, size_t dim, const float* w, const float* bias,
                                  const float* offset, size_t bins, float* probs, float* scores, char* err,
                                  size_t errLen);

struct SelfjTrainHyper {
  float lr, beta1, beta2, eps, weightDecay;  // AdamW, PyTorch semantics; weight decay on W only, not on bias
  float studentWeight;                       // a (default 0.3)
  float klWeight;                            // b (default 2)
};

struct SelfjTrainLoss {
  double loss, ceTeacher, ceStudent, kl;  // means over the (sample-weighted) batch
};

// One fused step. hT/hS: [n*dim]; offT/offS: [n*bins] or null; targets: [n*bins]; sampleWeights: [n] or null.
// w [bins*dim], bias [bins], mW/vW [bins*dim], mB/vB [bins] are updated in place; step is the step number AFTER
// increment (1 for the first step), used for bias correction.
int selfj_cuda_judge_head_train_step(const float* hT, const float* hS, const float* offT, const float* offS,
                                     const float* targets, const float* sampleWeights, size_t n, size_t dim,
                                     size_t bins, float* w, float* bias, float* mW, float* vW, float* mB, float* vB,
                                     int64_t step, SelfjTrainHyper hyper, SelfjTrainLoss* lossOut, char* err,
                                     size_t errLen);

// Device-resident timing for the benchmark: runs the named kernel `iters` times on data already on the device
// (random, uploaded once) and returns milliseconds per call and bytes moved per call. kernel: "cosineRows",
// "cosineMatrix", "judgeHeadForward", "judgeHeadTrainStep". Shapes as in the host functions (nb ignored where unused;
// cosineMatrix with nb = 0 uses nb = n). bytesPerCall is the compulsory device-memory traffic of one call (inputs read
// once per pass, outputs written once; the train step reads both views twice), for a bandwidth ratio.
int selfj_cuda_bench_device(const char* kernel, size_t n, size_t nb, size_t dim, size_t bins, int iters, double* msPerCall,
                            double* bytesPerCall, char* err, size_t errLen);

// Release cached device buffers (called at process exit by the binding's cleanup hook).
void selfj_cuda_release(void);
}
