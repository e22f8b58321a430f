// Grow-only device buffers cached between calls, error formatting, and selfj_cuda_release.
#include <cstring>

#include "common.cuh"
#include "cuda_api.h"

namespace selfj_cuda {
namespace {
struct DevBuf {
  void* ptr = nullptr;
  size_t cap = 0;
};
DevBuf g_bufs[kSlotCount];
int g_device = 0;
}  // namespace

std::mutex& apiMutex() {
  static std::mutex m;
  return m;
}

int currentDevice() { return g_device; }
void setCurrentDevice(int device) { g_device = device; }

void setMessage(char* err, size_t errLen, const char* msg) {
  if (!err || errLen == 0) return;
  std::snprintf(err, errLen, "selfj cuda: %s", msg);
}

void setError(char* err, size_t errLen, const char* what, cudaError_t e) {
  if (!err || errLen == 0) return;
  std::snprintf(err, errLen, "selfj cuda: %s failed: %s: %s", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

void* deviceBuffer(Slot slot, size_t bytes, char* err, size_t errLen) {
  DevBuf& b = g_bufs[slot];
  if (bytes == 0) bytes = 256;  // keep pointers non-null for empty inputs
  if (b.ptr && b.cap >= bytes) return b.ptr;
  if (b.ptr) {
    cudaFree(b.ptr);  // grow: the old content is not needed (every call uploads what it reads)
    b.ptr = nullptr;
    b.cap = 0;
  }
  // round up to 2 MiB steps above 2 MiB so that slowly growing batches do not reallocate every call
  const size_t step = bytes > (size_t(2) << 20) ? (size_t(2) << 20) : 256;
  const size_t want = (bytes + step - 1) / step * step;
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, want);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    char what[96];
    std::snprintf(what, sizeof what, "cudaMalloc(%zu bytes)", want);
    setError(err, errLen, what, e);
    return nullptr;
  }
  b.ptr = p;
  b.cap = want;
  return p;
}

void releaseAll() {
  for (DevBuf& b : g_bufs) {
    if (b.ptr) cudaFree(b.ptr);  // errors ignored: at process exit the context may already be gone
    b.ptr = nullptr;
    b.cap = 0;
  }
  (void)cudaGetLastError();
}

}  // namespace selfj_cuda

extern "C" void selfj_cuda_release(void) {
  std::lock_guard<std::mutex> lock(selfj_cuda::apiMutex());
  selfj_cuda::releaseAll();
}
