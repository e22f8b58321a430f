// 64-byte aligned, not zero-filled std::vector storage: packed operands and scratch buffers are read with full-width
// aligned loads (an AVX-512 load that splits a cache line costs Zen 4/5 up to half their streaming bandwidth).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace selfj {

template <typename T>
struct AlignedAlloc {
  using value_type = T;
  static constexpr size_t kAlign = 64;
  AlignedAlloc() = default;
  template <typename U>
  AlignedAlloc(const AlignedAlloc<U>&) {}
  T* allocate(size_t n) {
    if (n > (size_t(-1) - kAlign) / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = (n * sizeof(T) + kAlign - 1) / kAlign * kAlign;
    void* p = std::aligned_alloc(kAlign, bytes == 0 ? kAlign : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  // Default-initialise (no zero fill): every user writes the buffer before reading it, and zeroing megabytes of
  // packing space on each call is measurable.
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const AlignedAlloc<U>&) const { return true; }
  template <typename U>
  bool operator!=(const AlignedAlloc<U>&) const { return false; }
};

template <typename T>
using AlignedVec = std::vector<T, AlignedAlloc<T>>;

}  // namespace selfj
