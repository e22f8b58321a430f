// Shared plumbing of the CUDA side: error reporting into the caller's err buffer (never exit/abort), the process-wide
// lock around the cached device buffers, and the grow-only buffer cache itself (device_buffers.cu).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdio>
#include <mutex>

namespace selfj_cuda {

// Writes "selfj cuda: <what>: <cuda error name>: <message>" into err (truncated, always NUL-terminated).
void setError(char* err, size_t errLen, const char* what, cudaError_t e);
// Writes a plain message (no CUDA error code attached).
void setMessage(char* err, size_t errLen, const char* msg);

// Every CUDA call is checked. On failure: clear the (non-sticky) error, describe it in err, return 1 from the caller.
#define SELFJ_CK(call)                                              \
  do {                                                              \
    cudaError_t selfj_e_ = (call);                                  \
    if (selfj_e_ != cudaSuccess) {                                  \
      (void)cudaGetLastError();                                     \
      ::selfj_cuda::setError(err, errLen, #call, selfj_e_);         \
      return 1;                                                     \
    }                                                               \
  } while (0)

// Buffers kept on the device between calls, one per role. Grow-only: a call that needs more frees and reallocates.
enum Slot : int {
  kSlotA = 0,     // cosine a / judge hT or h
  kSlotB,         // cosine b / judge hS
  kSlotOut,       // cosine out / judge probs
  kSlotAux0,      // inverse norms a / judge scores / offT
  kSlotAux1,      // inverse norms b / offS
  kSlotW,         // judge W
  kSlotBias,      // judge bias
  kSlotTargets,   // judge targets
  kSlotWeights,   // sample weights
  kSlotMW,        // AdamW state (mW, vW, mB, vB)
  kSlotVW,
  kSlotMB,
  kSlotVB,
  kSlotLogpT,     // train: log-softmax of both views, then dz of both views
  kSlotLogpS,
  kSlotDzT,
  kSlotDzS,
  kSlotRowLoss,   // train: per-row weighted losses [n*3]
  kSlotPartW,     // train: per-chunk gradient partial sums [chunks*bins*dim]
  kSlotPartB,     // train: per-chunk bias partial sums [chunks*bins]
  kSlotLossSum,   // train: reduced losses (4 doubles)
  kSlotCount
};

// Returns a device pointer with at least `bytes` bytes (nullptr + err written on failure). Caller holds apiMutex().
void* deviceBuffer(Slot slot, size_t bytes, char* err, size_t errLen);
void releaseAll();
std::mutex& apiMutex();
// The device chosen by the probe (0 by default). Every entry point makes it current first.
int currentDevice();
void setCurrentDevice(int device);

// Guard for host entry points: takes the lock and makes the selected device current on this thread.
#define SELFJ_ENTER()                                              \
  std::lock_guard<std::mutex> selfj_lock_(::selfj_cuda::apiMutex()); \
  SELFJ_CK(cudaSetDevice(::selfj_cuda::currentDevice()))

#define SELFJ_BUF(var, type, slot, count)                                                           \
  type* var = static_cast<type*>(::selfj_cuda::deviceBuffer((slot), sizeof(type) * (count), err, errLen)); \
  if (!(var)) return 1

// Upload / download `count` floats (no-op for a null source or count 0).
#define SELFJ_UP(dst, src, count)                                                               \
  do {                                                                                          \
    if ((src) != nullptr && (count) != 0)                                                       \
      SELFJ_CK(cudaMemcpy((dst), (src), sizeof(float) * (count), cudaMemcpyHostToDevice));     \
  } while (0)
#define SELFJ_DOWN(dst, src, count)                                                             \
  do {                                                                                          \
    if ((count) != 0) SELFJ_CK(cudaMemcpy((dst), (src), sizeof(float) * (count), cudaMemcpyDeviceToHost)); \
  } while (0)

}  // namespace selfj_cuda
