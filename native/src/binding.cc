// N-API entry points of selfj_native.node: argument validation, backend choice (cuda | cpu), error mapping.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "backend.h"
#include "cpu_ops.h"
#include "kernels.h"
#include "probes.h"
#include "thread_pool.h"
#include "tune.h"
#include "validate.h"
#ifdef SELFJ_WITH_CUDA
#include "cuda/cuda_api.h"
#endif

namespace selfj {

Backend& backend() {
  static Backend b;
  return b;
}

Napi::Value judgeHeadTrainStep(const Napi::CallbackInfo& info);  // binding_train.cc

namespace {

// Runs a binding body, mapping C++ failures to JS errors (never lets an exception cross into Node).
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F body) {
  Napi::Env env = info.Env();
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const BadInput& e) {
    throwJs(env, e);
  } catch (const std::bad_alloc&) {
    throwNative(env, "selfj native: out of memory");
  } catch (const std::exception& e) {
    throwNative(env, std::string("selfj native: ") + e.what());
  }
}

[[maybe_unused]] void cudaCheck(Napi::Env env, int rc, const char* fn, const char* err) {
  if (rc != 0) throwNative(env, std::string(fn) + " (cuda): " + err);
}

Napi::Float32Array outOrNew(Napi::Env env, const F32& out, size_t len, const char* fn, const char* name,
                            const std::string& what) {
  return out.present ? out.value.As<Napi::Float32Array>() : newResult(env, len, fn, name, what);
}

Napi::Value cosineRows(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "cosineRows";
    F32 a = getF32(info[0], fn, "a"), b = getF32(info[1], fn, "b");
    size_t dim = getInt(info[2], fn, "dim", 1, 4294967295.0);
    size_t n = rowsOf(a, dim, fn, "a");
    if (b.len != a.len)
      throw BadInput(BadInput::Range, "b", std::to_string(a.len) + " elements",
                     std::string(fn) + ": b has " + std::to_string(b.len) + " elements but a has " +
                         std::to_string(a.len) + " (expected the same number of rows x dim=" +
                         std::to_string(dim) + ")");
    F32 out = getF32(info[3], fn, "out", true);
    if (out.present) expectLen(out, n, fn, "out", "one value per row, n");
    Napi::Float32Array res = outOrNew(info.Env(), out, n, fn, "out", "rows(a)");
    if (n == 0) return res;
    float* o = res.Data();
#ifdef SELFJ_WITH_CUDA
    if (backend().useCuda) {
      char err[512] = {0};
      cudaCheck(info.Env(), selfj_cuda_cosine_rows(a.data, b.data, n, dim, o, err, sizeof err), fn, err);
    } else
#endif
      cpuCosineRows(kernelsFor(Kernel::CosineRows), a.data, b.data, n, dim, o);
    if (!allFinite(o, n)) nonFinite(fn, {{"a", a.data, a.len}, {"b", b.data, b.len}});
    return res;
  });
}

Napi::Value cosineMatrix(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "cosineMatrix";
    F32 a = getF32(info[0], fn, "a"), b = getF32(info[1], fn, "b");
    size_t dim = getInt(info[2], fn, "dim", 1, 4294967295.0);
    size_t na = rowsOf(a, dim, fn, "a"), nb = rowsOf(b, dim, fn, "b");
    const std::string shape = "rows(a) x rows(b), " + std::to_string(na) + " x " + std::to_string(nb);
    if (nb != 0 && na > (size_t(1) << 52) / nb)  // keeps na * nb exact in size_t and double
      throw BadInput(BadInput::Range, "out", "a result that can be allocated",
                     std::string(fn) + ": the result (" + shape + ") is too large to allocate");
    F32 out = getF32(info[3], fn, "out", true);
    if (out.present) expectLen(out, na * nb, fn, "out", shape);
    Napi::Float32Array res = outOrNew(info.Env(), out, na * nb, fn, "out", shape);
    if (na == 0 || nb == 0) return res;
    float* o = res.Data();
#ifdef SELFJ_WITH_CUDA
    if (backend().useCuda) {
      char err[512] = {0};
      cudaCheck(info.Env(), selfj_cuda_cosine_matrix(a.data, na, b.data, nb, dim, o, err, sizeof err), fn, err);
    } else
#endif
      cpuCosineMatrix(kernelsFor(Kernel::CosineMatrix), a.data, na, b.data, nb, dim, o);
    if (!allFinite(o, na * nb)) nonFinite(fn, {{"a", a.data, a.len}, {"b", b.data, b.len}});
    return res;
  });
}

Napi::Value judgeHeadForward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "judgeHeadForward";
    F32 h = getF32(info[0], fn, "h"), w = getF32(info[1], fn, "w"), bias = getF32(info[2], fn, "bias");
    F32 offset = getF32(info[3], fn, "offset", true);
    size_t dim = getInt(info[4], fn, "dim", 1, 4294967295.0);
    size_t bins = getInt(info[5], fn, "bins", 2, 64);
    size_t n = rowsOf(h, dim, fn, "h");
    expectLen(w, bins * dim, fn, "w", "bins x dim, " + std::to_string(bins) + " x " + std::to_string(dim));
    expectLen(bias, bins, fn, "bias", "bins");
    const std::string rowsBins = "rows x bins, " + std::to_string(n) + " x " + std::to_string(bins);
    if (offset.present) expectLen(offset, n * bins, fn, "offset", rowsBins);
    F32 probsOut = getF32(info[6], fn, "probsOut", true), scoresOut = getF32(info[7], fn, "scoresOut", true);
    if (probsOut.present) expectLen(probsOut, n * bins, fn, "probsOut", rowsBins);
    if (scoresOut.present) expectLen(scoresOut, n, fn, "scoresOut", "one score per row, n");
    Napi::Env env = info.Env();
    Napi::Float32Array probs = outOrNew(env, probsOut, n * bins, fn, "probsOut", rowsBins);
    Napi::Float32Array scores = outOrNew(env, scoresOut, n, fn, "scoresOut", "rows(h)");
    Napi::Object res = Napi::Object::New(env);
    res.Set("probs", probs);
    res.Set("scores", scores);
    if (n == 0) return res;
#ifdef SELFJ_WITH_CUDA
    if (backend().useCuda) {
      char err[512] = {0};
      cudaCheck(env, selfj_cuda_judge_head_forward(h.data, n, dim, w.data, bias.data, offset.data, bins, probs.Data(),
                                                   scores.Data(), err, sizeof err), fn, err);
    } else
#endif
      cpuHeadForward(kernelsFor(Kernel::HeadForward), h.data, n, dim, w.data, bias.data, offset.data, bins, probs.Data(), scores.Data());
    if (!allFinite(probs.Data(), n * bins) || !allFinite(scores.Data(), n))
      nonFinite(fn, {{"h", h.data, h.len}, {"w", w.data, w.len}, {"bias", bias.data, bias.len},
                     {"offset", offset.data, offset.len}});
    return res;
  });
}

Napi::Value infoFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const Backend& be = backend();
  o.Set("backend", be.useCuda ? "cuda" : "cpu");
  o.Set("version", SELFJ_NATIVE_VERSION);
  o.Set("isa", defaultTable().isa);
  Napi::Object kernels = Napi::Object::New(env);
  for (int i = 0; i < kKernelCount; ++i)
    kernels.Set(kernelName(static_cast<Kernel>(i)), kernelsFor(static_cast<Kernel>(i)).isa);
  o.Set("kernels", kernels);
  Napi::Array isas = Napi::Array::New(env);
  size_t count = 0;
  const KernelTable* const* tables = availableTables(&count);
  for (size_t i = 0; i < count; ++i) isas.Set(static_cast<uint32_t>(i), tables[i]->isa);
  o.Set("isas", isas);
  if (forcedIsa()) o.Set("forcedIsa", forcedIsa());
  o.Set("threads", ThreadPool::instance().size());
  o.Set("cudaCompiled", be.cudaCompiled);
  if (be.cudaDevice) o.Set("cudaDevice", be.deviceName);
  if (isaFallbackReason()) o.Set("isaFallbackReason", isaFallbackReason());
  return o;
}

// tuneKernels(reps, budgetMs) -> {isas, ms: {kernel: {isa: best ms per call}}, totalMs, cpuMs}; changes nothing.
Napi::Value tuneKernelsFn(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const int reps = static_cast<int>(getInt(info[0], "tuneKernels", "reps", 1, 100));
    const double budget = getNum(info[1], "tuneKernels", "budgetMs", 0, 10000, 60);
    const TuneResult r = tuneKernels(reps, budget);
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env), ms = Napi::Object::New(env);
    Napi::Array isas = Napi::Array::New(env);
    for (size_t c = 0; c < r.count; ++c) isas.Set(static_cast<uint32_t>(c), r.tables[c]->isa);
    for (int k = 0; k < kKernelCount; ++k) {
      Napi::Object per = Napi::Object::New(env);
      for (size_t c = 0; c < r.count; ++c) per.Set(r.tables[c]->isa, r.ms[k][c]);
      ms.Set(kernelName(static_cast<Kernel>(k)), per);
    }
    o.Set("isas", isas);
    o.Set("ms", ms);
    o.Set("totalMs", r.totalMs);
    o.Set("cpuMs", r.cpuMs);
    return o;
  });
}

std::string getString(const Napi::Value& v, const char* fn, const char* name, const char* expected) {
  if (!v.IsString()) throw BadInput(BadInput::Type, name, expected, std::string(fn) + ": " + name + " must be " + expected);
  return v.As<Napi::String>().Utf8Value();
}

// setKernelIsa(kernel, isa) -> true, or false when this CPU/build cannot run it or SELFJ_NATIVE_ISA forces another.
Napi::Value setKernelIsaFn(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "setKernelIsa";
    const std::string kernel = getString(info[0], fn, "kernel", "a kernel name (cosineRows, cosineMatrix, ...)");
    const std::string isa = getString(info[1], fn, "isa", "an ISA name (avx512, avx2, neon, scalar)");
    Kernel k;
    if (!kernelByName(kernel.c_str(), &k))
      throw BadInput(BadInput::Range, "kernel", "cosineRows, cosineMatrix, judgeHeadForward or judgeHeadTrainStep",
                     std::string(fn) + ": unknown kernel \"" + kernel + "\"");
    const char* why = nullptr;
    return Napi::Boolean::New(info.Env(), setKernelIsa(k, isa.c_str(), &why));
  });
}

Napi::Value setBackend(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    std::string want = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    if (want != "cpu" && want != "cuda")
      throw BadInput(BadInput::Type, "backend", "'cpu' | 'cuda'", "setBackend: backend must be 'cpu' or 'cuda'");
    Backend& be = backend();
    if (want == "cpu") {
      be.useCuda = false;
      return Napi::Boolean::New(info.Env(), true);
    }
    if (!be.cudaDevice) return Napi::Boolean::New(info.Env(), false);
    be.useCuda = true;
    return Napi::Boolean::New(info.Env(), true);
  });
}

Napi::Value setThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    ThreadPool::instance().setSize(static_cast<int>(getInt(info[0], "setThreads", "n", 1, 256)));
    return info.Env().Undefined();
  });
}

// readBandwidthProbe(bytes, runs, threads) -> best GB/s; fmaPeakProbe(threads, isa?) -> best GFLOP/s.
Napi::Value readBandwidthProbe(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "readBandwidthProbe";
    size_t bytes = getInt(info[0], fn, "bytes", 4096, 4294967296.0);
    size_t runs = getInt(info[1], fn, "runs", 1, 1000);
    size_t threads = getInt(info[2], fn, "threads", 1, 256);
    newResultCheck(fn, "bytes", bytes / 4);  // the probe's own buffer: refuse one larger than memory
    return Napi::Number::New(info.Env(), readBandwidth(defaultTable(), bytes, static_cast<int>(runs),
                                                       static_cast<int>(threads)));
  });
}

Napi::Value fmaPeakProbe(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* fn = "fmaPeakProbe";
    size_t threads = getInt(info[0], fn, "threads", 1, 256);
    const KernelTable* t = &defaultTable();
    if (!isAbsent(info[1])) {
      t = tableByName(getString(info[1], fn, "isa", "an ISA name (avx512, avx2, neon, scalar)").c_str());
      if (t == nullptr) return info.Env().Null();
    }
    // 2 M rounds of FMA_ACC FMAs: a few milliseconds per run; the best of 12 (a shared machine takes cores away).
    return Napi::Number::New(info.Env(), fmaPeak(*t, size_t(1) << 21, 12, static_cast<int>(threads)));
  });
}

Napi::Value benchDevice(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (!backend().cudaDevice) return info.Env().Null();
#ifdef SELFJ_WITH_CUDA
    const char* fn = "benchDevice";
    if (!info[0].IsString())
      throw BadInput(BadInput::Type, "kernel", "kernel name", "benchDevice: kernel must be a string");
    std::string kernel = info[0].As<Napi::String>().Utf8Value();
    size_t n = getInt(info[1], fn, "n", 1, 1e9), nb = getInt(info[2], fn, "nb", 0, 1e9);
    size_t dim = getInt(info[3], fn, "dim", 1, 1e7), bins = getInt(info[4], fn, "bins", 2, 64);
    int iters = static_cast<int>(getInt(info[5], fn, "iters", 1, 1e6));
    double ms = 0, bytes = 0;
    char err[512] = {0};
    int rc = selfj_cuda_bench_device(kernel.c_str(), n, nb, dim, bins, iters, &ms, &bytes, err, sizeof err);
    cudaCheck(info.Env(), rc, fn, err);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("msPerCall", ms);
    o.Set("bytesPerCall", bytes);
    return o;
#else
    return info.Env().Null();
#endif
  });
}

void initBackend(Napi::Env env) {
#ifdef SELFJ_WITH_CUDA
  static bool probed = false;
  Backend& be = backend();
  be.cudaCompiled = true;
  if (!probed) {
    int device = -1;
    char name[256] = {0};
    be.cudaDevice = selfj_cuda_probe(&device, name, sizeof name) == 1;
    be.deviceName = name;
    const char* forced = std::getenv("SELFJ_NATIVE_BACKEND");
    be.useCuda = be.cudaDevice && !(forced && std::strcmp(forced, "cpu") == 0);
  }
  probed = true;
  napi_add_env_cleanup_hook(env, [](void*) { selfj_cuda_release(); }, nullptr);
#else
  (void)env;
#endif
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  initBackend(env);
  initResultAllocator(env);
  exports.Set("cosineRows", Napi::Function::New(env, cosineRows, "cosineRows"));
  exports.Set("cosineMatrix", Napi::Function::New(env, cosineMatrix, "cosineMatrix"));
  exports.Set("judgeHeadForward", Napi::Function::New(env, judgeHeadForward, "judgeHeadForward"));
  exports.Set("judgeHeadTrainStep", Napi::Function::New(env, judgeHeadTrainStep, "judgeHeadTrainStep"));
  exports.Set("info", Napi::Function::New(env, infoFn, "info"));
  exports.Set("setBackend", Napi::Function::New(env, setBackend, "setBackend"));
  exports.Set("setThreads", Napi::Function::New(env, setThreads, "setThreads"));
  exports.Set("readBandwidthProbe", Napi::Function::New(env, readBandwidthProbe, "readBandwidthProbe"));
  exports.Set("fmaPeakProbe", Napi::Function::New(env, fmaPeakProbe, "fmaPeakProbe"));
  exports.Set("tuneKernels", Napi::Function::New(env, tuneKernelsFn, "tuneKernels"));
  exports.Set("setKernelIsa", Napi::Function::New(env, setKernelIsaFn, "setKernelIsa"));
  exports.Set("benchDevice", Napi::Function::New(env, benchDevice, "benchDevice"));
  return exports;
}

}  // namespace selfj

static Napi::Object SelfjInit(Napi::Env env, Napi::Object exports) { return selfj::Init(env, exports); }
NODE_API_MODULE(selfj_native, SelfjInit)
