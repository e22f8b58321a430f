// Small fixed pool of std::thread workers. Work is given as a "team" job: fn(tid, nthreads) runs exactly once on
// each of nthreads threads (the caller is thread 0).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace selfj {

class ThreadPool {
 public:
  static ThreadPool& instance();
  // Team size for jobs started from this thread: size_, or less inside a ScopedThreadLimit.
  int size() const { return limit_ > 0 && limit_ < size_ ? limit_ : size_; }
  void setSize(int n);  // default team size (1..256)
  // Runs fn(tid, n) on n threads (n <= 0: size()). Exceptions from workers are rethrown in the caller.
  void team(int n, const std::function<void(int, int)>& fn);
  // Splits [0, count) into contiguous pieces (piecesPerThread per thread, at least minPerPiece items each) that the
  // threads take dynamically, so a thread that loses its core does not hold up the others; tiny jobs run inline.
  // Results must not depend on the split.
  void parallelFor(size_t count, size_t minPerPiece, const std::function<void(size_t, size_t)>& fn,
                   size_t piecesPerThread = 8);

 private:
  ThreadPool();
  void ensureWorkers(int n);
  void workerLoop(int tid);

  friend class ScopedThreadLimit;
  static thread_local int limit_;
  int size_ = 1;
  std::mutex runMutex_;  // one job at a time (several Node environments may share the pool)
  std::mutex m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int, int)>* job_ = nullptr;
  int jobThreads_ = 0;
  unsigned long generation_ = 0;
  int pending_ = 0;
  std::exception_ptr error_;
};

// Jobs started from the current thread use at most n threads while this lives (the measured dispatch times
// kernels on one thread: on a shared machine a one-thread time is far less disturbed by other processes).
class ScopedThreadLimit {
 public:
  explicit ScopedThreadLimit(int n) : saved_(ThreadPool::limit_) { ThreadPool::limit_ = n; }
  ~ScopedThreadLimit() { ThreadPool::limit_ = saved_; }
  ScopedThreadLimit(const ScopedThreadLimit&) = delete;
  ScopedThreadLimit& operator=(const ScopedThreadLimit&) = delete;

 private:
  int saved_;
};

}  // namespace selfj
