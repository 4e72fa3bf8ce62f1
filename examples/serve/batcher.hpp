// Dynamic batching for a sentence model. Request threads put their texts in a queue and wait
// on a future; one worker thread takes the oldest request and every later one that can share
// its forward pass (same prompt, same truncation side) while the batch stays within the token
// budget, runs the model once over all their texts, and hands each request its rows. Under
// load the model sees full batches instead of one small request at a time; with a single
// client a request waits for nothing.
//
// The budget counts padded tokens, as text-embeddings-inference does for padded backends: a
// batch of n texts whose longest has L tokens costs n x L. A request over the budget on its
// own still runs, alone, in forward passes that each fit the budget.
//
// The worker asks the model for raw embeddings (no normalisation, full width); cutting to
// `dimensions` and normalising are per request and done by the caller, in the order encode()
// does them, so the numbers are encode()'s.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <embedkit/encoders/sentence_encoder.hpp>

#include "metrics.hpp"

namespace embedkit_serve {

namespace ek = embedkit;

class Batcher {
 public:
  using Clock = std::chrono::steady_clock;

  struct Job {
    std::vector<std::string> texts;
    std::string prompt;  // resolved prompt text, "" for none
    ek::TruncationSide side = ek::TruncationSide::right;
    std::int64_t longest = 1;  // tokens of the longest text (after truncation)
    Clock::time_point queued;
    std::promise<ek::Tensor<float>> done;  // [texts, dimension] raw embeddings
  };

  // wait: how long the oldest request may wait for others to join its batch (0: the worker
  // runs whatever is queued as soon as it is free, which already batches under load).
  Batcher(const ek::SentenceEncoder& model, std::int64_t max_batch_tokens,
          std::chrono::milliseconds wait, Metrics& metrics)
      : model_(model), budget_(max_batch_tokens), wait_(wait), metrics_(metrics),
        worker_([this] { loop(); }) {}

  ~Batcher() { stop(); }
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues the texts; the future holds their raw embeddings or the model's exception.
  std::future<ek::Tensor<float>> submit(std::vector<std::string> texts, std::string prompt,
                                        ek::TruncationSide side, std::int64_t longest) {
    auto job = std::make_unique<Job>();
    job->texts = std::move(texts);
    job->prompt = std::move(prompt);
    job->side = side;
    job->longest = std::max<std::int64_t>(1, longest);
    job->queued = Clock::now();
    auto future = job->done.get_future();
    {
      std::lock_guard lock(m_);
      queue_.push_back(std::move(job));
    }
    metrics_.queued(+1);
    cv_.notify_one();
    return future;
  }

  // Runs what is queued, then ends the worker.
  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (worker_.joinable()) worker_.join();
  }

 private:
  void loop() {
    for (;;) {
      std::vector<std::unique_ptr<Job>> batch;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        if (wait_.count() > 0 && !stopping_) {
          cv_.wait_until(lock, queue_.front()->queued + wait_, [&] { return stopping_; });
        }
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
        const Job& first = *batch.front();
        std::int64_t texts = static_cast<std::int64_t>(first.texts.size());
        std::int64_t longest = first.longest;
        for (auto it = queue_.begin(); it != queue_.end();) {
          Job& j = **it;
          const std::int64_t n = texts + static_cast<std::int64_t>(j.texts.size());
          const std::int64_t l = std::max(longest, j.longest);
          if (j.prompt != first.prompt || j.side != first.side || n * l > budget_) {
            ++it;
            continue;
          }
          texts = n;
          longest = l;
          batch.push_back(std::move(*it));
          it = queue_.erase(it);
        }
      }
      metrics_.queued(-static_cast<int>(batch.size()));
      run(batch);
    }
  }

  void run(std::vector<std::unique_ptr<Job>>& batch) {
    const auto start = Clock::now();
    std::vector<std::string> texts;
    std::int64_t longest = 1;
    std::vector<double> waits;
    for (const auto& j : batch) {
      texts.insert(texts.end(), j->texts.begin(), j->texts.end());
      longest = std::max(longest, j->longest);
      waits.push_back(std::chrono::duration<double>(start - j->queued).count());
    }
    const auto n = static_cast<std::int64_t>(texts.size());
    ek::SentenceEncodeOptions o;
    // One forward pass when the batch fits (it does unless a lone request exceeds the budget).
    o.batch_size = std::max<std::int64_t>(1, std::min(n, budget_ / longest));
    o.prompt = batch.front()->prompt;
    o.truncation_side = batch.front()->side;
    try {
      const ek::Tensor<float> e = n > 0 ? model_.encode(texts, o)
                                        : ek::Tensor<float>::empty(ek::Shape{0, model_.dimension()});
      const std::int64_t dim = e.size(1);
      std::int64_t row = 0;
      metrics_.batch(n, n * longest,
                     std::chrono::duration<double>(Clock::now() - start).count(), waits);
      for (auto& j : batch) {
        const auto rows = static_cast<std::int64_t>(j->texts.size());
        auto part = ek::Tensor<float>::empty(ek::Shape{rows, dim});
        std::copy_n(e.data() + row * dim, rows * dim, part.data());
        row += rows;
        j->done.set_value(std::move(part));
      }
    } catch (...) {
      // A failure of the batch fails each of its requests (they were validated beforehand, so
      // this is the model's fault, not theirs).
      for (auto& j : batch) j->done.set_exception(std::current_exception());
    }
  }

  const ek::SentenceEncoder& model_;
  const std::int64_t budget_;
  const std::chrono::milliseconds wait_;
  Metrics& metrics_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread worker_;  // last: starts once the members above exist
};

}  // namespace embedkit_serve
