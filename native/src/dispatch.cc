// Run-time ISA selection: the best the CPU supports, or a lower one forced by SELFJ_NATIVE_ISA (for testing every
// path on one machine). An unsupported request falls back to the best available and records why.
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels.h"

namespace selfj {
namespace {

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

const KernelTable* tableFor(const char* isa) {
  if (std::strcmp(isa, "scalar") == 0) return kernelsScalar();
  if (!cpuHas(isa)) return nullptr;
  if (std::strcmp(isa, "avx512") == 0) return kernelsAvx512();
  if (std::strcmp(isa, "avx2") == 0) return kernelsAvx2();
  if (std::strcmp(isa, "neon") == 0) return kernelsNeon();
  return nullptr;
}

IsaChoice choose() {
  static std::string reason;
  const KernelTable* best = nullptr;
  for (const char* isa : {"avx512", "avx2", "neon"})
    if ((best = tableFor(isa)) != nullptr) break;
  if (best == nullptr) best = kernelsScalar();
  const char* forced = std::getenv("SELFJ_NATIVE_ISA");
  if (forced == nullptr || *forced == '\0' || std::strcmp(forced, "auto") == 0) return {best, nullptr};
  if (const KernelTable* t = tableFor(forced)) return {t, nullptr};
  reason = std::string("SELFJ_NATIVE_ISA=") + forced + " is not supported by this CPU or build (expected one of " +
           "avx512, avx2, scalar, neon); using " + best->isa;
  return {best, reason.c_str()};
}

}  // namespace

const IsaChoice& activeKernels() {
  static const IsaChoice choice = choose();
  return choice;
}

}  // namespace selfj
