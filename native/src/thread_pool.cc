#include "thread_pool.h"

#include <algorithm>
#include <cstdlib>

namespace selfj {

thread_local int ThreadPool::limit_ = 0;

ThreadPool& ThreadPool::instance() {
  // Intentionally leaked: workers stay parked until the process exits, avoiding exit-time join ordering issues.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

ThreadPool::ThreadPool() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* env = std::getenv("SELFJ_NATIVE_THREADS")) {
    int v = std::atoi(env);
    if (v > 0) n = v;
  }
  setSize(n);
}

void ThreadPool::setSize(int n) {
  if (n < 1) n = 1;
  if (n > 256) n = 256;
  size_ = n;
}

void ThreadPool::ensureWorkers(int n) {
  while (static_cast<int>(workers_.size()) < n - 1) {
    int tid = static_cast<int>(workers_.size()) + 1;
    workers_.emplace_back([this, tid] { workerLoop(tid); });
  }
}

void ThreadPool::workerLoop(int tid) {
  unsigned long seen = 0;
  for (;;) {
    const std::function<void(int, int)>* job;
    int nt;
    {
      std::unique_lock<std::mutex> lk(m_);
      wake_.wait(lk, [&] { return generation_ != seen; });
      seen = generation_;
      job = job_;
      nt = jobThreads_;
    }
    if (tid >= nt) continue;
    std::exception_ptr err;
    try {
      (*job)(tid, nt);
    } catch (...) {
      err = std::current_exception();
    }
    std::lock_guard<std::mutex> lk(m_);
    if (err && !error_) error_ = err;
    if (--pending_ == 0) done_.notify_one();
  }
}

void ThreadPool::team(int n, const std::function<void(int, int)>& fn) {
  if (n <= 0) n = size();
  if (n > 256) n = 256;
  if (n == 1) {
    fn(0, 1);
    return;
  }
  std::lock_guard<std::mutex> run(runMutex_);
  ensureWorkers(n);
  {
    std::lock_guard<std::mutex> lk(m_);
    job_ = &fn;
    jobThreads_ = n;
    pending_ = n - 1;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  std::exception_ptr err;
  try {
    fn(0, n);
  } catch (...) {
    err = std::current_exception();
  }
  std::unique_lock<std::mutex> lk(m_);
  done_.wait(lk, [&] { return pending_ == 0; });
  if (!err) err = error_;
  job_ = nullptr;
  if (err) std::rethrow_exception(err);
}

void ThreadPool::parallelFor(size_t count, size_t minPerPiece, const std::function<void(size_t, size_t)>& fn,
                             size_t piecesPerThread) {
  if (count == 0) return;
  const size_t minPiece = std::max<size_t>(1, minPerPiece);
  const size_t n = std::min<size_t>(static_cast<size_t>(size()), (count + minPiece - 1) / minPiece);
  if (n <= 1) {
    fn(0, count);
    return;
  }
  const size_t pieces = std::min(n * std::max<size_t>(1, piecesPerThread), (count + minPiece - 1) / minPiece);
  std::atomic<size_t> next{0};
  team(static_cast<int>(n), [&](int, int) {
    for (size_t p = next.fetch_add(1); p < pieces; p = next.fetch_add(1)) {
      const size_t b = count * p / pieces, e = count * (p + 1) / pieces;
      if (b < e) fn(b, e);
    }
  });
}

}  // namespace selfj
