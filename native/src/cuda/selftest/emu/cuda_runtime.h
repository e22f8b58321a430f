// CPU emulation of the small part of CUDA the selfj kernels use, so the self-test can run (slowly) on a machine
// without a GPU: every CUDA thread is a std::thread, blocks run one after another (so `__shared__` = `static`),
// __syncthreads / warp shuffles are std::barrier rendezvous, device memory is host memory. It checks indexing,
// control flow, reductions and results; not races between blocks, memory coalescing or bank conflicts.
// Used only by emulate.sh (the kernels' <<<...>>> launches are rewritten to shimLaunch(...) there).
#pragma once
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct alignas(16) float4 {
  float x, y, z, w;
};
inline float4 make_float4(float a, float b, float c, float d) { return float4{a, b, c, d}; }

template <class T> inline T min(T a, T b) { return b < a ? b : a; }
template <class T> inline T max(T a, T b) { return a < b ? b : a; }
template <class T> inline T __ldg(const T* p) { return *p; }
template <class T> inline T __ldcs(const T* p) { return *p; }

namespace emu {
struct Warp {
  std::barrier<> bar;
  float f[32];
  double d[32];
  explicit Warp(ptrdiff_t n) : bar(n) {}
};
inline thread_local dim3 tIdx, bIdx, bDim, gDim;
inline thread_local std::barrier<>* blockBar = nullptr;
inline thread_local Warp* warp = nullptr;
inline thread_local unsigned char* dynSmem = nullptr;

inline void runGrid(dim3 g, dim3 b, size_t smem, const std::function<void()>& body) {
  const unsigned nt = b.x * b.y * b.z;
  std::vector<unsigned char> dyn(smem + 16);
  for (unsigned bz = 0; bz < g.z; ++bz)
    for (unsigned by = 0; by < g.y; ++by)
      for (unsigned bx = 0; bx < g.x; ++bx) {
        std::barrier<> bar(nt);
        std::vector<std::unique_ptr<Warp>> warps;
        for (unsigned w = 0; w < (nt + 31) / 32; ++w)
          warps.emplace_back(new Warp(ptrdiff_t(std::min(32u, nt - w * 32))));
        std::vector<std::thread> ts;
        for (unsigned t = 0; t < nt; ++t)
          ts.emplace_back([&, t] {
            tIdx = dim3(t % b.x, (t / b.x) % b.y, t / (b.x * b.y));
            bIdx = dim3(bx, by, bz), bDim = b, gDim = g;
            blockBar = &bar;
            warp = warps[t / 32].get();
            dynSmem = dyn.data();
            body();
            warp->bar.arrive_and_drop();  // an exited thread no longer takes part in barriers
            bar.arrive_and_drop();
          });
        for (auto& th : ts) th.join();
      }
}
}  // namespace emu

#define threadIdx (emu::tIdx)
#define blockIdx (emu::bIdx)
#define blockDim (emu::bDim)
#define gridDim (emu::gDim)
inline void __syncthreads() { emu::blockBar->arrive_and_wait(); }
inline unsigned emuLane() { return (threadIdx.x + threadIdx.y * blockDim.x) & 31; }
inline float __shfl_xor_sync(unsigned, float v, int o) {
  emu::warp->f[emuLane()] = v;
  emu::warp->bar.arrive_and_wait();
  const float r = emu::warp->f[emuLane() ^ unsigned(o)];
  emu::warp->bar.arrive_and_wait();
  return r;
}
inline double __shfl_xor_sync(unsigned, double v, int o) {
  emu::warp->d[emuLane()] = v;
  emu::warp->bar.arrive_and_wait();
  const double r = emu::warp->d[emuLane() ^ unsigned(o)];
  emu::warp->bar.arrive_and_wait();
  return r;
}
template <class T> inline T* emuDynamicSmem() { return reinterpret_cast<T*>(emu::dynSmem); }

template <class... P>
struct EmuLauncher {
  void (*k)(P...);
  dim3 g, b;
  size_t smem;
  template <class... A>
  void operator()(A&&... a) const {
    auto k2 = k;
    std::tuple<P...> args(static_cast<P>(a)...);
    emu::runGrid(g, b, smem, [&] { std::apply(k2, args); });
  }
};
template <class... P>
EmuLauncher<P...> shimLaunch(void (*k)(P...), dim3 g, dim3 b, size_t smem = 0) {
  return EmuLauncher<P...>{k, g, b, smem};
}

// ---- runtime API subset ----
enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2 };
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };
struct cudaDeviceProp {
  char name[256];
};
using cudaEvent_t = std::chrono::steady_clock::time_point*;
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline const char* cudaGetErrorName(cudaError_t) { return "cudaErrorEmulated"; }
inline const char* cudaGetErrorString(cudaError_t) { return "emulated error"; }
inline cudaError_t cudaGetDeviceCount(int* c) { return *c = 1, cudaSuccess; }
inline cudaError_t cudaSetDevice(int) { return cudaSuccess; }
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int) {
  std::strcpy(p->name, "CPU emulation");
  return cudaSuccess;
}
inline cudaError_t cudaMalloc(void** p, size_t n) {
  *p = std::aligned_alloc(256, (n + 255) / 256 * 256);
  if (*p) std::memset(*p, 0xff, n);  // NaN-filled: reads of never-written memory show up
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
template <class T> inline cudaError_t cudaMalloc(T** p, size_t n) { return cudaMalloc(reinterpret_cast<void**>(p), n); }
inline cudaError_t cudaFree(void* p) { return std::free(p), cudaSuccess; }
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind) {
  return std::memcpy(d, s, n), cudaSuccess;
}
inline cudaError_t cudaMemset(void* d, int v, size_t n) { return std::memset(d, v, n), cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaEventCreate(cudaEvent_t* e) { return *e = new std::chrono::steady_clock::time_point, cudaSuccess; }
inline cudaError_t cudaEventRecord(cudaEvent_t e) { return *e = std::chrono::steady_clock::now(), cudaSuccess; }
inline cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
inline cudaError_t cudaEventDestroy(cudaEvent_t e) { return delete e, cudaSuccess; }
inline cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  *ms = std::chrono::duration<float, std::milli>(*b - *a).count();
  return cudaSuccess;
}
