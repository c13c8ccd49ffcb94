#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace reclens {
namespace {

// Below this many element operations a call stays on the calling thread (waking a sleeping
// worker costs tens of microseconds).
constexpr double kMinParallelWork = 1 << 18;

// One parallelFor call. Workers hold it by shared_ptr, so a worker that wakes late only sees an
// exhausted counter of the job it was woken for, never a later job's chunks.
struct Job {
  const std::function<void(size_t)>* task;
  size_t chunks;
  std::atomic<size_t> next{0};
  std::atomic<size_t> pending;
  std::mutex mu;
  std::condition_variable done;
  Job(const std::function<void(size_t)>* t, size_t n) : task(t), chunks(n), pending(n) {}

  // Claims and runs chunks until none are left.
  void drain() {
    for (;;) {
      size_t c = next.fetch_add(1);
      if (c >= chunks) return;
      (*task)(c);
      if (pending.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mu);
        done.notify_all();
      }
    }
  }
};

class Pool {
 public:
  ~Pool() { resize(0); }

  void resize(int workers) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    stop_ = false;
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { workerLoop(); });
  }

  void run(size_t chunks, const std::function<void(size_t)>& task) {
    auto job = std::make_shared<Job>(&task, chunks);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = job;
      ++generation_;
    }
    cv_.notify_all();
    job->drain();
    std::unique_lock<std::mutex> lock(job->mu);
    job->done.wait(lock, [&] { return job->pending.load() == 0; });
    lock.unlock();
    std::lock_guard<std::mutex> guard(mu_);
    job_.reset();
  }

 private:
  void workerLoop() {
    size_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      if (job) job->drain();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  std::shared_ptr<Job> job_;
  size_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  // Leaked on purpose: joining threads from a static destructor at process exit can deadlock.
  static Pool* p = new Pool();
  return *p;
}

int g_threads = 1;

}  // namespace

void setPoolThreads(int n) {
  n = std::max(1, n);
  if (n == g_threads) return;
  g_threads = n;
  pool().resize(n - 1);
}

int poolThreads() { return g_threads; }

void parallelFor(size_t n, double work, const std::function<void(size_t, size_t)>& body) {
  if (n == 0) return;
  size_t threads = static_cast<size_t>(g_threads);
  if (threads <= 1 || n < 2 || work < kMinParallelWork) {
    body(0, n);
    return;
  }
  // A few chunks per thread balance uneven rows (sparse matrices) without much overhead.
  size_t chunks = std::min(n, threads * 4);
  size_t step = (n + chunks - 1) / chunks;
  chunks = (n + step - 1) / step;
  std::function<void(size_t)> task = [&](size_t c) {
    size_t b = c * step;
    size_t e = std::min(n, b + step);
    body(b, e);
  };
  pool().run(chunks, task);
}

}  // namespace reclens
