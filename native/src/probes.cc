#include "probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "aligned.h"
#include "thread_pool.h"

namespace selfj {
namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

double readBandwidth(const KernelTable& k, size_t bytes, int runs, int threads) {
  ThreadPool& pool = ThreadPool::instance();
  threads = std::max(1, threads);
  runs = std::max(1, runs);
  const size_t block = 64 * 16;  // floats: each thread's part is a whole number of 4 KB blocks
  const size_t n = std::max<size_t>(bytes / sizeof(float) / block, static_cast<size_t>(threads)) * block;
  AlignedVec<float> buf(n);
  auto part = [&](int tid, int T, size_t& b, size_t& e) {
    const size_t blocks = n / block;
    b = blocks * tid / T * block;
    e = blocks * (tid + 1) / T * block;
  };
  pool.team(threads, [&](int tid, int T) {  // first touch by the reading thread
    size_t b, e;
    part(tid, T, b, e);
    for (size_t i = b; i < e; ++i) buf[i] = static_cast<float>(i & 7);
  });
  std::vector<double> sink(threads * 8, 0.0);  // one cache line per thread
  double best = 0.0;
  for (int r = 0; r <= runs; ++r) {  // pass 0 warms the threads and the TLB
    const auto t0 = Clock::now();
    pool.team(threads, [&](int tid, int T) {
      size_t b, e;
      part(tid, T, b, e);
      sink[tid * 8] += k.readSum(buf.data() + b, e - b);
    });
    const double s = seconds(t0);
    if (r > 0) best = std::max(best, static_cast<double>(n) * sizeof(float) / s / 1e9);
  }
  volatile double keep = sink[0];
  (void)keep;
  return best;
}

double fmaPeak(const KernelTable& k, size_t iters, int runs, int threads) {
  ThreadPool& pool = ThreadPool::instance();
  threads = std::max(1, threads);
  runs = std::max(1, runs);
  std::vector<float> sink(threads * 16, 0.0f);
  double best = 0.0;
  for (int r = 0; r <= runs; ++r) {
    const auto t0 = Clock::now();
    pool.team(threads, [&](int tid, int) { sink[tid * 16] += k.fmaBurn(iters); });
    const double s = seconds(t0);
    if (r > 0) best = std::max(best, static_cast<double>(iters) * k.fmaFlopsPerIter * threads / s / 1e9);
  }
  volatile float keep = sink[0];
  (void)keep;
  return best;
}

}  // namespace selfj
