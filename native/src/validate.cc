#include "validate.h"

#include <cmath>
#include <cstdio>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace selfj {

bool isAbsent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

static std::string num(double d) {  // JS-like: "3", "0.5", "NaN", "-Infinity"
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

static BadInput numberError(BadInput::Kind kind, const char* fn, const char* name, const std::string& exp,
                            const std::string& got) {
  return BadInput(kind, name, exp, std::string(fn) + ": " + name + " must be " + exp + ", got " + got);
}

static std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float64_array: return "a Float64Array";
      case napi_int32_array: return "an Int32Array";
      case napi_uint8_array: return "a Uint8Array";
      default: return "another typed array";
    }
  }
  if (v.IsArray()) return "a plain Array";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  return "an object";
}

F32 getF32(const Napi::Value& v, const char* fn, const char* name, bool optional) {
  F32 r;
  if (optional && isAbsent(v)) return r;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw BadInput(BadInput::Type, name, "Float32Array",
                   std::string(fn) + ": " + name + " must be a Float32Array" + (optional ? " (or omitted)" : "") +
                       ", got " + describe(v));
  Napi::Float32Array arr = v.As<Napi::Float32Array>();
  r.len = arr.ElementLength();
  r.data = r.len ? arr.Data() : nullptr;
  r.present = true;
  r.value = v;
  return r;
}

size_t getInt(const Napi::Value& v, const char* fn, const char* name, double lo, double hi) {
  std::string exp = "an integer in " + num(lo) + ".." + num(hi);
  if (!v.IsNumber()) throw numberError(BadInput::Type, fn, name, exp, describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi)
    throw numberError(BadInput::Range, fn, name, exp, num(d));
  return static_cast<size_t>(d);
}

double getNum(const Napi::Value& v, const char* fn, const char* name, double lo, double hi, double fallback) {
  if (isAbsent(v)) return fallback;
  std::string exp = "a finite number in [" + num(lo) + ", " + num(hi) + "]";
  if (!v.IsNumber()) throw numberError(BadInput::Type, fn, name, exp, describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < lo || d > hi) throw numberError(BadInput::Range, fn, name, exp, num(d));
  return d;
}

size_t rowsOf(const F32& a, size_t dim, const char* fn, const char* name) {
  if (a.len % dim != 0)
    throw BadInput(BadInput::Range, name, "rows x dim=" + std::to_string(dim),
                   std::string(fn) + ": " + name + " has " + std::to_string(a.len) +
                       " elements, which is not a multiple of dim=" + std::to_string(dim) + " (expected rows x dim)");
  return a.len / dim;
}

void expectLen(const F32& a, size_t want, const char* fn, const char* name, const std::string& what) {
  if (a.len != want)
    throw BadInput(BadInput::Range, name, what + " = " + std::to_string(want),
                   std::string(fn) + ": " + name + " has " + std::to_string(a.len) + " elements (expected " + what +
                       " = " + std::to_string(want) + ")");
}

bool allFinite(const float* p, size_t n) {
  // Branch-free accumulation: x - x is NaN for NaN/Inf and 0 otherwise.
  float acc = 0.0f;
  for (size_t i = 0; i < n; ++i) acc += p[i] - p[i];
  return acc == 0.0f;
}

void nonFinite(const char* fn, std::initializer_list<Named> inputs) {
  for (const Named& in : inputs) {
    if (in.data == nullptr || allFinite(in.data, in.len)) continue;
    size_t i = 0;
    while (i < in.len && std::isfinite(in.data[i])) ++i;
    throw BadInput(BadInput::Range, in.name, "finite values",
                   std::string(fn) + ": " + in.name + " contains a non-finite value (" + num(in.data[i]) +
                       ") at index " + std::to_string(i) + "; NaN/Inf inputs give NaN/Inf results");
  }
  throw BadInput(BadInput::Range, "", "inputs small enough not to overflow float32",
                 std::string(fn) + ": the result is not finite although all inputs are (float32 overflow); "
                                   "scale the inputs down");
}

namespace {
struct AllocatorData {
  Napi::FunctionReference float32Array;
};

double physicalMemoryBytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return static_cast<double>(pages) * static_cast<double>(page);
#endif
  return 1e300;  // unknown: only the engine's own limit applies
}
}  // namespace

void initResultAllocator(Napi::Env env) {
  auto* data = new AllocatorData();
  data->float32Array = Napi::Persistent(env.Global().Get("Float32Array").As<Napi::Function>());
  env.SetInstanceData<AllocatorData>(data);  // freed by Node when the environment goes away
}

namespace {
BadInput tooLarge(const char* fn, const char* name, const std::string& what, size_t len, const std::string& why) {
  return BadInput(BadInput::Range, name, "a result that can be allocated",
                  std::string(fn) + ": the result (" + what + " = " + std::to_string(len) +
                      " float32 elements) is too large to allocate: " + why +
                      "; split the work into blocks of rows and pass a preallocated " + name + " for each");
}
}  // namespace

void newResultCheck(const char* fn, const char* name, size_t len) {
  const double mem = physicalMemoryBytes();
  if (static_cast<double>(len) * 4.0 > mem)
    throw tooLarge(fn, name, name, len, "more than the " + num(mem) + " bytes of physical memory");
}

Napi::Float32Array newResult(Napi::Env env, size_t len, const char* fn, const char* name, const std::string& what) {
  auto refuse = [&](const std::string& why) { return tooLarge(fn, name, what, len, why); };
  const double mem = physicalMemoryBytes();
  if (static_cast<double>(len) * 4.0 > mem) throw refuse("more than the " + num(mem) + " bytes of physical memory");
  AllocatorData* data = env.GetInstanceData<AllocatorData>();
  if (data == nullptr || data->float32Array.IsEmpty()) return Napi::Float32Array::New(env, len);
  Napi::Value v;
  try {
    v = data->float32Array.New({Napi::Number::New(env, static_cast<double>(len))});
  } catch (const Napi::Error& e) {  // RangeError: over the engine's typed-array length limit, or out of memory
    throw refuse(e.Message());
  }
  return v.As<Napi::Float32Array>();
}

void throwJs(Napi::Env env, const BadInput& e) {
  Napi::Error err = e.kind == BadInput::Type    ? Napi::TypeError::New(env, e.what())
                    : e.kind == BadInput::Range ? Napi::RangeError::New(env, e.what())
                                                : Napi::Error::New(env, e.what());
  err.Set("code", Napi::String::New(env, "BAD_INPUT"));
  if (!e.argument.empty()) err.Set("argument", Napi::String::New(env, e.argument));
  if (!e.expected.empty()) err.Set("expected", Napi::String::New(env, e.expected));
  throw err;
}

void throwNative(Napi::Env env, const std::string& msg) {
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, "NATIVE"));
  throw err;
}

}  // namespace selfj
