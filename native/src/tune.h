// Measured dispatch: times each public kernel on each candidate ISA on a small representative problem, so the
// caller can run every kernel on whichever ISA is fastest on this machine (wider is not always faster).
#pragma once
#include <cstddef>

#include "kernels.h"

namespace selfj {

struct TuneResult {
  const KernelTable* tables[4];
  size_t count = 0;                 // candidate ISAs (scalar only when nothing else runs here)
  double ms[kKernelCount][4] = {};  // best time per call, [kernel][candidate]
  double totalMs = 0;               // wall time of the whole measurement, data set-up included
  double cpuMs = 0;                 // CPU time it used (all on the calling thread); wall time / CPU time = contention
};

// Times every kernel on every candidate in up to `reps` rounds and keeps each one's fastest call (the machine is
// shared); starts no new round once budgetMs of this thread's CPU time (set-up included) is spent, but always times
// two.
TuneResult tuneKernels(int reps, double budgetMs);

}  // namespace selfj
