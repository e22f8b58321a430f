// Run-time ISA selection per kernel. Every kernel starts on the widest ISA the CPU supports (or the one forced by
// SELFJ_NATIVE_ISA, for testing every path on one machine); setKernelIsa moves one kernel to another ISA, which is
// how the measured choice (see tune.cc and ts/dispatch.ts) is applied. An unsupported request falls back to the
// widest available and records why.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels.h"

namespace selfj {
namespace {

const char* const kNames[kKernelCount] = {"cosineRows", "cosineMatrix", "judgeHeadForward", "judgeHeadTrainStep"};

bool cpuHas(const char* isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  if (std::strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return false;
#elif defined(__aarch64__)
  return std::strcmp(isa, "neon") == 0;
#else
  (void)isa;
  return false;
#endif
}

struct State {
  const KernelTable* tables[4] = {nullptr, nullptr, nullptr, nullptr};  // widest first
  size_t count = 0;
  const KernelTable* base = nullptr;  // widest, or forced
  const char* forced = nullptr;
  std::string reason;
  std::atomic<const KernelTable*> perKernel[kKernelCount];

  State() {
    for (const char* isa : {"avx512", "avx2", "neon"})
      if (const KernelTable* t = tableByName(isa)) tables[count++] = t;
    tables[count++] = kernelsScalar();
    base = tables[0];
    const char* env = std::getenv("SELFJ_NATIVE_ISA");
    if (env != nullptr && *env != '\0' && std::strcmp(env, "auto") != 0) {
      if (const KernelTable* t = tableByName(env)) {
        base = t;
        forced = t->isa;
      } else {
        reason = std::string("SELFJ_NATIVE_ISA=") + env + " is not supported by this CPU or build (expected one of " +
                 "avx512, avx2, scalar, neon); using " + base->isa;
      }
    }
    for (auto& k : perKernel) k.store(base);
  }
};

State& state() {
  static State s;
  return s;
}

}  // namespace

const char* kernelName(Kernel k) { return kNames[static_cast<int>(k)]; }

bool kernelByName(const char* name, Kernel* k) {
  for (int i = 0; i < kKernelCount; ++i)
    if (std::strcmp(name, kNames[i]) == 0) {
      *k = static_cast<Kernel>(i);
      return true;
    }
  return false;
}

const KernelTable* tableByName(const char* isa) {
  if (std::strcmp(isa, "scalar") == 0) return kernelsScalar();
  if (!cpuHas(isa)) return nullptr;
  if (std::strcmp(isa, "avx512") == 0) return kernelsAvx512();
  if (std::strcmp(isa, "avx2") == 0) return kernelsAvx2();
  if (std::strcmp(isa, "neon") == 0) return kernelsNeon();
  return nullptr;
}

const KernelTable* const* availableTables(size_t* count) {
  *count = state().count;
  return state().tables;
}

const KernelTable& kernelsFor(Kernel k) { return *state().perKernel[static_cast<int>(k)].load(std::memory_order_relaxed); }
const KernelTable& defaultTable() { return *state().base; }
const char* forcedIsa() { return state().forced; }
const char* isaFallbackReason() { return state().reason.empty() ? nullptr : state().reason.c_str(); }

bool setKernelIsa(Kernel k, const char* isa, const char** why) {
  State& s = state();
  if (s.forced != nullptr && std::strcmp(isa, s.forced) != 0) {
    *why = "SELFJ_NATIVE_ISA forces one ISA for every kernel";
    return false;
  }
  const KernelTable* t = tableByName(isa);
  if (t == nullptr) {
    *why = "this CPU or build does not support that ISA";
    return false;
  }
  s.perKernel[static_cast<int>(k)].store(t);
  return true;
}

}  // namespace selfj
