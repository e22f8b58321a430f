// selfj_cuda_probe: is a CUDA device usable? Never aborts: no driver, an old driver, or a GPU the fatbin cannot run
// on all return 0 quietly (errors cleared), and the binding falls back to the CPU.
#include <cstring>

#include "common.cuh"
#include "cuda_api.h"

namespace {
__global__ void probeKernel(int* out) { *out = 42; }

// Runs a tiny kernel and reads it back: proves the context works and the fatbin has code for this GPU.
bool kernelRuns() {
  int* d = nullptr;
  int h = 0;
  bool ok = cudaMalloc(&d, sizeof(int)) == cudaSuccess;
  if (ok) {
    probeKernel<<<1, 1>>>(d);
    ok = cudaGetLastError() == cudaSuccess && cudaMemcpy(&h, d, sizeof(int), cudaMemcpyDeviceToHost) == cudaSuccess &&
         h == 42;
  }
  if (d) cudaFree(d);
  (void)cudaGetLastError();
  return ok;
}
}  // namespace

extern "C" int selfj_cuda_probe(int* device, char* name, size_t nameLen) {
  std::lock_guard<std::mutex> lock(selfj_cuda::apiMutex());
  if (name && nameLen) name[0] = '\0';
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
    (void)cudaGetLastError();  // e.g. cudaErrorNoDevice / cudaErrorInsufficientDriver: not an error for us
    return 0;
  }
  const int dev = 0;  // CUDA_VISIBLE_DEVICES selects which physical GPU this is
  cudaDeviceProp prop;
  if (cudaSetDevice(dev) != cudaSuccess || cudaGetDeviceProperties(&prop, dev) != cudaSuccess || !kernelRuns()) {
    (void)cudaGetLastError();
    return 0;
  }
  selfj_cuda::setCurrentDevice(dev);
  if (device) *device = dev;
  if (name && nameLen) {
    std::strncpy(name, prop.name, nameLen - 1);
    name[nameLen - 1] = '\0';
  }
  return 1;
}
