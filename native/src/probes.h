// Machine yardsticks for the benchmark's roofline: streaming-read bandwidth and FMA peak, both measured with the
// addon's own thread pool and its widest (or a given) ISA.
#pragma once
#include <cstddef>

#include "kernels.h"

namespace selfj {

// STREAM-style read of a 64-byte aligned buffer of `bytes` (pages first touched by the thread that reads them):
// every thread sums its contiguous part with the table's widest aligned loads and 8 accumulators. Returns the best
// (highest) GB/s over `runs` passes.
double readBandwidth(const KernelTable& k, size_t bytes, int runs, int threads);
// Register-only FMAs on `threads` threads (each `iters` rounds of the table's fmaBurn); best GFLOP/s over `runs`.
double fmaPeak(const KernelTable& k, size_t iters, int runs, int threads);

}  // namespace selfj
