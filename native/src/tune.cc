#include "tune.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <new>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

#include "aligned.h"
#include "cpu_ops.h"
#include "thread_pool.h"

namespace selfj {
namespace {

using Clock = std::chrono::steady_clock;

double threadCpuMs() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
#endif
  return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count();  // no thread clock: wall
}

// Shapes: under a millisecond per call on one core. The streaming kernels read more than L2 and, together, more than
// a last-level cache slice (16 MB for cosineRows, 4 MB for the forward pass, 24 MB in all), as large real calls stream
// from memory: on small in-cache rows AVX2 beat AVX-512 on Zen 5 by ~10%, while from memory AVX-512 was 1.2-1.3x
// faster.
// The tails (dim % 16 != 0) are not what is measured.
constexpr size_t kRowsN = 2048, kRowsDim = 1024;
constexpr size_t kMatA = 128, kMatB = 512, kMatDim = 512;
constexpr size_t kHeadN = 512, kHeadDim = 2048, kBins = 10;
constexpr size_t kTrainN = 256;
// Inputs start 16 bytes past a 64-byte boundary, where V8 places a large Float32Array, so the measurement sees the
// same (mis)alignment as real calls.
constexpr size_t kSkew = 4;

// The inputs live in 2 MB pages where the system allows it: in a virtual machine a 4 KB page fault can cost
// microseconds, and touching 45 MB page by page cost ~140 ms of CPU here, more than all the timing.
struct HugeBuffer {
  float* p = nullptr;
  explicit HugeBuffer(size_t n) {
    const size_t huge = size_t(2) << 20, bytes = (n * sizeof(float) + huge - 1) / huge * huge;
    p = static_cast<float*>(std::aligned_alloc(huge, bytes));
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
  }
  ~HugeBuffer() { std::free(p); }
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;
};

size_t poolSize(const size_t* sizes, size_t count, size_t skew) {
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += (sizes[i] + skew + 15) / 16 * 16;
  return total;
}

constexpr size_t kSizes[] = {kRowsN * kRowsDim, kRowsN * kRowsDim, kHeadN * kHeadDim, kTrainN * kHeadDim,
                             kBins * kHeadDim,  kBins,             kHeadN * kBins,    kTrainN * kBins, kTrainN * kBins};

struct Data {
  HugeBuffer pool{poolSize(kSizes, 9, kSkew)};
  float *a, *b, *h, *h2, *w, *bias, *off, *off2, *y;
  Data() {
    const size_t* sizes = kSizes;
    const size_t total = poolSize(kSizes, 9, kSkew);
    // A 4 KB block of pseudo-random values, repeated: filling 45 MB element by element would cost more than the timing.
    float block[1024];
    uint32_t x = 12345;
    for (float& v : block) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      v = static_cast<float>(x >> 8) * (1.0f / 16777216.0f) - 0.5f;
    }
    for (size_t i = 0; i < total; i += 1024) std::memcpy(pool.p + i, block, sizeof(float) * std::min<size_t>(1024, total - i));
    float* p = pool.p;
    float** dst[] = {&a, &b, &h, &h2, &w, &bias, &off, &off2, &y};
    for (size_t i = 0; i < 9; ++i) {
      *dst[i] = p + kSkew;
      p += (sizes[i] + kSkew + 15) / 16 * 16;
    }
    for (size_t i = 0; i < kTrainN * kBins; ++i) y[i] = i % kBins == 3 ? 1.0f : 0.0f;  // valid one-hot targets
    for (size_t i = 0; i < kBins * kHeadDim; ++i) w[i] *= 0.05f;
  }
};

void runOnce(Kernel kernel, const KernelTable& k, Data& d, std::vector<float>& out) {
  switch (kernel) {
    case Kernel::CosineRows: cpuCosineRows(k, d.a, d.b, kRowsN, kRowsDim, out.data()); break;
    case Kernel::CosineMatrix: cpuCosineMatrix(k, d.a, kMatA, d.b, kMatB, kMatDim, out.data()); break;
    case Kernel::HeadForward:
      cpuHeadForward(k, d.h, kHeadN, kHeadDim, d.w, d.bias, d.off, kBins, out.data(), out.data() + kHeadN * kBins);
      break;
    case Kernel::HeadTrain: {
      const TrainHyper hp{1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.3f, 2.0f};
      float* gW = out.data();
      cpuHeadGradients(k, d.h, d.h2, d.off, d.off2, d.y, nullptr, kTrainN, kHeadDim, kBins, d.w, d.bias, hp, gW,
                       gW + kBins * kHeadDim);
      break;
    }
  }
}

}  // namespace

TuneResult tuneKernels(int reps, double budgetMs) {
  const auto t0 = Clock::now();
  const double cpu0 = threadCpuMs();
  const ScopedThreadLimit oneThread(1);  // the ISA that wins on one core wins on all; one core is timed more reliably
  TuneResult r;
  size_t count = 0;
  const KernelTable* const* all = availableTables(&count);
  for (size_t i = 0; i < count; ++i)  // scalar is never the fastest where a SIMD ISA runs: do not spend time on it
    if (count == 1 || std::strcmp(all[i]->isa, "scalar") != 0) r.tables[r.count++] = all[i];
  Data d;
  std::vector<float> out(std::max({kMatA * kMatB, kHeadN * (kBins + 1), kBins * (kHeadDim + 1)}));
  // A warm-up round (page faults, allocator, caches: the first calls can be several times slower), then rounds over
  // every kernel and candidate, so that a burst of load from other processes hits all of them alike.
  for (int ki = 0; ki < kKernelCount; ++ki)
    for (size_t c = 0; c < r.count; ++c) runOnce(static_cast<Kernel>(ki), *r.tables[c], d, out);
  for (int ki = 0; ki < kKernelCount; ++ki)
    for (size_t c = 0; c < r.count; ++c) r.ms[ki][c] = 1e300;
  for (int rep = 0; rep < std::max(1, reps); ++rep) {
    // The budget counts this thread's CPU time (waiting for a core held by another process costs the caller
    // nothing), and two rounds are always timed: one round under load once picked AVX2 for the GEMM that is 1.5x
    // faster on AVX-512.
    if (rep >= 2 && threadCpuMs() - cpu0 > budgetMs) break;
    for (int ki = 0; ki < kKernelCount; ++ki)
      for (size_t c = 0; c < r.count; ++c) {
        const auto s = Clock::now();
        runOnce(static_cast<Kernel>(ki), *r.tables[c], d, out);
        r.ms[ki][c] = std::min(r.ms[ki][c], std::chrono::duration<double, std::milli>(Clock::now() - s).count());
      }
  }
  r.totalMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  r.cpuMs = threadCpuMs() - cpu0;
  return r;
}

}  // namespace selfj
