// The server's Prometheus metrics, under text-embeddings-inference's names so that dashboards
// built for TEI read embedkit-serve unchanged:
//
//   te_request_count{method}         counter    requests received, by route
//   te_request_success{method}       counter    answered 2xx
//   te_request_failure{err}          counter    answered with an error, by error type
//   te_request_duration              histogram  seconds from reading the request to the answer
//   te_request_queue_duration        histogram  seconds a request waited for its batch
//   te_request_inference_duration    histogram  seconds of the batch that carried it
//   te_request_input_length          histogram  tokens per input text
//   te_batch_next_size               histogram  texts per batch the model ran
//   te_batch_next_tokens             histogram  tokens per batch (longest text x texts: the
//                                               padded size the model computes)
//   te_queue_size                    gauge      requests waiting for a batch
//   embedkit_requests_in_flight      gauge      requests being handled (GET /metrics excluded)
//
// Everything sits behind one mutex: an update is a few additions, far cheaper than a request.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace embedkit_serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

  void observe(double v) {
    for (std::size_t i = 0; i < bounds_.size(); ++i)
      if (v <= bounds_[i]) ++counts_[i];
    ++count_;
    sum_ += v;
  }

  // Prometheus text format: cumulative _bucket lines, then _sum and _count.
  void write(std::string& out, const std::string& name, const std::string& help) const {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    char buf[64];
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%g", bounds_[i]);
      out += name + "_bucket{le=\"" + buf + "\"} " + std::to_string(counts_[i]) + "\n";
    }
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    std::snprintf(buf, sizeof buf, "%.9g", sum_);
    out += name + "_sum " + buf + "\n";
    out += name + "_count " + std::to_string(count_) + "\n";
  }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  Metrics()
      : duration_(seconds()), queue_(seconds()), inference_(seconds()),
        input_length_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}),
        batch_size_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}),
        batch_tokens_({16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072}) {}

  void request(const std::string& route) {
    std::lock_guard lock(m_);
    ++count_[route];
    ++in_flight_;
  }
  void answered(const std::string& route, int status, const std::string& error_type, double seconds) {
    std::lock_guard lock(m_);
    --in_flight_;
    if (status >= 200 && status < 300) {
      ++success_[route];
    } else {
      ++failure_[error_type.empty() ? std::to_string(status) : error_type];
    }
    duration_.observe(seconds);
  }
  void queued(int delta) {
    std::lock_guard lock(m_);
    queue_size_ += delta;
  }
  void input_lengths(std::span<const std::int64_t> tokens) {
    std::lock_guard lock(m_);
    for (const std::int64_t t : tokens) input_length_.observe(static_cast<double>(t));
  }
  // One batch: its size and tokens, how long it ran, and each of its requests' wait.
  void batch(std::int64_t texts, std::int64_t tokens, double seconds, std::span<const double> waits) {
    std::lock_guard lock(m_);
    batch_size_.observe(static_cast<double>(texts));
    batch_tokens_.observe(static_cast<double>(tokens));
    ++batches_;
    for (const double w : waits) {
      queue_.observe(w);
      inference_.observe(seconds);
    }
  }
  std::int64_t in_flight() const {
    std::lock_guard lock(m_);
    return in_flight_;
  }

  std::string text() const {
    std::lock_guard lock(m_);
    std::string out;
    counter(out, "te_request_count", "Requests received", "method", count_);
    counter(out, "te_request_success", "Requests answered successfully", "method", success_);
    counter(out, "te_request_failure", "Requests answered with an error", "err", failure_);
    duration_.write(out, "te_request_duration", "Request duration in seconds");
    queue_.write(out, "te_request_queue_duration", "Time a request waited for its batch in seconds");
    inference_.write(out, "te_request_inference_duration",
                     "Duration of the batch that carried a request in seconds");
    input_length_.write(out, "te_request_input_length", "Tokens per input text");
    batch_size_.write(out, "te_batch_next_size", "Texts per batch");
    batch_tokens_.write(out, "te_batch_next_tokens", "Padded tokens per batch");
    out += "# HELP te_batch_count Batches run\n# TYPE te_batch_count counter\nte_batch_count " +
           std::to_string(batches_) + "\n";
    out += "# HELP te_queue_size Requests waiting for a batch\n# TYPE te_queue_size gauge\n"
           "te_queue_size " + std::to_string(queue_size_) + "\n";
    out += "# HELP embedkit_requests_in_flight Requests being handled, this one excluded\n"
           "# TYPE embedkit_requests_in_flight gauge\nembedkit_requests_in_flight " +
           std::to_string(in_flight_) + "\n";
    return out;
  }

 private:
  static std::vector<double> seconds() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  }
  static void counter(std::string& out, const char* name, const char* help, const char* label,
                      const std::map<std::string, std::uint64_t>& values) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& [key, n] : values)
      out += std::string(name) + "{" + label + "=\"" + key + "\"} " + std::to_string(n) + "\n";
  }

  mutable std::mutex m_;
  std::map<std::string, std::uint64_t> count_, success_, failure_;
  Histogram duration_, queue_, inference_, input_length_, batch_size_, batch_tokens_;
  std::uint64_t batches_ = 0;
  std::int64_t queue_size_ = 0, in_flight_ = 0;
};

}  // namespace embedkit_serve
