#include "tune.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>

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

// Shapes: under a millisecond per call on one core, inputs larger than L2; the tails (dim % 16 != 0) are not what is measured.
constexpr size_t kRowsN = 512, kRowsDim = 1024;
constexpr size_t kMatA = 128, kMatB = 512, kMatDim = 512;
constexpr size_t kHeadN = 256, kHeadDim = 2048, kBins = 10;
constexpr size_t kTrainN = 128;
// Inputs start 16 bytes past a 64-byte boundary, where V8 places a large Float32Array, so the measurement sees the
// same (mis)alignment as real calls.
constexpr size_t kSkew = 4;

struct Data {
  AlignedVec<float> pool;
  float *a, *b, *h, *h2, *w, *bias, *off, *off2, *y;
  Data() {
    const size_t sizes[] = {kRowsN * kRowsDim, kRowsN * kRowsDim, kHeadN * kHeadDim, kTrainN * kHeadDim,
                            kBins * kHeadDim,  kBins,             kHeadN * kBins,    kTrainN * kBins, kTrainN * kBins};
    size_t total = 0;
    for (size_t s : sizes) total += (s + kSkew + 15) / 16 * 16;
    pool.resize(total);
    uint32_t x = 12345;
    for (float& v : pool) {  // xorshift: cheap, and non-trivial values
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      v = static_cast<float>(x >> 8) * (1.0f / 16777216.0f) - 0.5f;
    }
    float* p = pool.data();
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
    if (rep > 0 && std::chrono::duration<double, std::milli>(Clock::now() - t0).count() > budgetMs) break;
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
