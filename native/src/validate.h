// Argument checks for direct addon calls. Every failure throws BadInput, which the binding boundary turns into a
// JS TypeError/RangeError/Error with code 'BAD_INPUT' and `argument` / `expected` properties.
#pragma once
#define NAPI_VERSION 8
#include <napi.h>

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace selfj {

struct BadInput : std::runtime_error {
  enum Kind { Type, Range, Plain };
  BadInput(Kind k, std::string arg, std::string exp, const std::string& msg)
      : std::runtime_error(msg), kind(k), argument(std::move(arg)), expected(std::move(exp)) {}
  Kind kind;
  std::string argument, expected;
};

struct F32 {
  float* data = nullptr;
  size_t len = 0;
  bool present = false;
  Napi::Value value;
};

bool isAbsent(const Napi::Value& v);
// Float32Array required (optional=true also accepts undefined/null and returns present=false).
F32 getF32(const Napi::Value& v, const char* fn, const char* name, bool optional = false);
// Positive integer (dim) or integer in [lo, hi].
size_t getInt(const Napi::Value& v, const char* fn, const char* name, double lo, double hi);
// Finite number in [lo, hi]; `fallback` when absent.
double getNum(const Napi::Value& v, const char* fn, const char* name, double lo, double hi, double fallback);
// Rows of an [n*dim] array; throws unless len is a multiple of dim.
size_t rowsOf(const F32& a, size_t dim, const char* fn, const char* name);
// Exact length check: "<fn>: <name> has L elements (expected <what> = N)".
void expectLen(const F32& a, size_t want, const char* fn, const char* name, const std::string& what);

struct Named {
  const char* name;
  const float* data;
  size_t len;
};
bool allFinite(const float* p, size_t n);
// Throws naming the first input with a NaN/Inf, or a generic overflow message when the inputs are all finite.
[[noreturn]] void nonFinite(const char* fn, std::initializer_list<Named> inputs);

// Captures this environment's Float32Array constructor (call once per env, from the module's Init).
void initResultAllocator(Napi::Env env);
// A new zeroed Float32Array of len elements for a result the caller did not preallocate. Refuses (BadInput naming
// `name`) a result over physical memory or over the engine's typed-array limit; allocates through the JS constructor,
// whose failure is a catchable RangeError (napi_create_arraybuffer's is a fatal out-of-memory abort).
// The size check of newResult alone: throws unless len floats fit in physical memory.
void newResultCheck(const char* fn, const char* name, size_t len);
Napi::Float32Array newResult(Napi::Env env, size_t len, const char* fn, const char* name, const std::string& what);

// Converts a BadInput into a JS error (with code/argument/expected) and throws it as Napi::Error.
[[noreturn]] void throwJs(Napi::Env env, const BadInput& e);
[[noreturn]] void throwNative(Napi::Env env, const std::string& msg);

}  // namespace selfj
