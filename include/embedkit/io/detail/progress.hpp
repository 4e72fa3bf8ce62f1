// Reports a load's progress through the user's callback, from one thread only, and keeps an
// exception the callback throws (it cannot cross an OpenMP region) to rethrow after the work.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <utility>

#include "embedkit/io/table_options.hpp"

namespace embedkit::io::detail {

class ProgressSink {
 public:
  ProgressSink(const Progress& callback, std::uint64_t total) : callback_(callback), total_(total) {}

  // Any thread: `bytes` more are done.
  void add(std::uint64_t bytes) noexcept { done_.fetch_add(bytes, std::memory_order_relaxed); }

  // The calling thread only: tells the callback how far the work is. Returns false once the
  // callback has thrown (the work should stop).
  bool report() noexcept {
    if (failed_.load(std::memory_order_relaxed)) return false;
    if (!callback_) return true;
    try {
      callback_(std::min(done_.load(std::memory_order_relaxed), total_), total_);
    } catch (...) {
      error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
      return false;
    }
    return true;
  }

  bool cancelled() const noexcept { return failed_.load(std::memory_order_relaxed); }

  // After the work: rethrows the callback's exception, if any, else reports completion.
  void finish() {
    if (error_) std::rethrow_exception(error_);
    if (callback_) callback_(total_, total_);
  }

  void rethrow_if_cancelled() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const Progress& callback_;
  std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
};

}  // namespace embedkit::io::detail
