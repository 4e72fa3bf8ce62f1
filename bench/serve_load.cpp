// bench_serve_load: a closed-loop HTTP load generator for embedkit-serve (or any server that
// answers the same requests), used by bench/compare_serve.py.
//
//   bench_serve_load --port N [--host ADDR] [--path /embed] [--body-file F | --body TEXT]
//                    [--requests 200] [--concurrency 4] [--warmup N] [--time-limit S]
//                    [--items K] [--expect-marker STR --expect-count C] ...
//
// `--concurrency` connections (one thread and one keep-alive httplib::Client each) send the
// same request body; each sends its next request as soon as its previous one is answered, until
// `--requests` have been sent in all (closed loop: the offered load follows the server, so the
// numbers are the server's throughput at that concurrency, not a queue that grows without end).
// `--warmup` requests go first and are not recorded (first-touch page faults, connection setup).
// `--time-limit` bounds a run: no request is started after it, and the report says how many
// were completed.
//
// A request counts as an error when it gets no answer, a status other than 2xx, or, with
// --expect-marker, a body that does not hold the marker exactly --expect-count times (e.g.
// "\"embeddings\"" 3 times for an Object2Vec answer to 3 instances): a wrong answer served fast
// must not pass for throughput.
//
// Prints one JSON object on stdout: throughput (requests/s and, with --items K, K items per
// request: sentences or instances/s), latency percentiles in milliseconds, the error count and
// the first error, and this program's own CPU time per request, so that a caller can check that
// the load generator is not what limits the numbers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <httplib.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string method = "POST";
  std::string path = "/invocations";
  std::string body;
  std::string content_type = "application/json";
  std::string accept;           // "" : no Accept header
  std::string accept_encoding;  // "" : httplib's default
  std::int64_t requests = 200;
  std::int64_t concurrency = 1;
  std::int64_t warmup = -1;  // -1: 2 x concurrency
  double time_limit = 300;   // seconds
  double timeout = 60;       // seconds per request
  std::int64_t items = 1;    // sentences or instances per request
  std::string expect_marker;
  std::int64_t expect_count = -1;
};

constexpr const char* usage =
    "usage: bench_serve_load --port N [--host ADDR] [--method POST|GET] [--path P]\n"
    "                        [--body-file F | --body TEXT] [--content-type T] [--accept T]\n"
    "                        [--accept-encoding E] [--requests N] [--concurrency N] [--warmup N]\n"
    "                        [--time-limit S] [--timeout S] [--items K]\n"
    "                        [--expect-marker STR --expect-count C]\n";

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::invalid_argument("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::int64_t integer(std::string_view what, const std::string& v, std::int64_t lo) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || n < lo)
    throw std::invalid_argument(std::string(what) + " \"" + v + "\" is not an integer >= " + std::to_string(lo));
  return n;
}

double seconds(std::string_view what, const std::string& v) {
  std::size_t used = 0;
  double d = 0;
  try {
    d = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || !(d > 0)) throw std::invalid_argument(std::string(what) + " \"" + v + "\" is not a number > 0");
  return d;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") throw std::invalid_argument("");
    if (i + 1 >= argc) throw std::invalid_argument("unknown argument or missing value: " + a);
    const std::string v = argv[++i];
    if (a == "--host") o.host = v;
    else if (a == "--port") o.port = static_cast<int>(integer(a, v, 1));
    else if (a == "--method") o.method = v;
    else if (a == "--path") o.path = v;
    else if (a == "--body") o.body = v;
    else if (a == "--body-file") o.body = read_file(v);
    else if (a == "--content-type") o.content_type = v;
    else if (a == "--accept") o.accept = v;
    else if (a == "--accept-encoding") o.accept_encoding = v;
    else if (a == "--requests") o.requests = integer(a, v, 1);
    else if (a == "--concurrency") o.concurrency = integer(a, v, 1);
    else if (a == "--warmup") o.warmup = integer(a, v, 0);
    else if (a == "--time-limit") o.time_limit = seconds(a, v);
    else if (a == "--timeout") o.timeout = seconds(a, v);
    else if (a == "--items") o.items = integer(a, v, 1);
    else if (a == "--expect-marker") o.expect_marker = v;
    else if (a == "--expect-count") o.expect_count = integer(a, v, 0);
    else throw std::invalid_argument("unknown argument: " + a);
  }
  if (o.port == 0) throw std::invalid_argument("--port is required");
  if (o.method != "POST" && o.method != "GET") throw std::invalid_argument("--method is POST or GET");
  if (o.expect_marker.empty() != (o.expect_count < 0))
    throw std::invalid_argument("--expect-marker and --expect-count go together");
  if (o.warmup < 0) o.warmup = 2 * o.concurrency;
  return o;
}

std::int64_t occurrences(std::string_view text, std::string_view marker) {
  std::int64_t n = 0;
  for (std::size_t at = text.find(marker); at != std::string_view::npos; at = text.find(marker, at + marker.size())) ++n;
  return n;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Nearest-rank percentile of sorted values (p in (0, 100]).
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// What the threads share: the next request to send, and what came back.
struct Shared {
  std::atomic<std::int64_t> next{0};
  std::mutex m;
  std::int64_t errors = 0;
  std::string first_error;
  std::map<int, std::int64_t> statuses;  // 0: no answer
};

class Connection {
 public:
  explicit Connection(const Options& o) : o_(o), client_(o.host, o.port) {
    client_.set_keep_alive(true);
    // httplib writes a request's headers and body separately: without TCP_NODELAY the body
    // would wait for the server's delayed ACK (about 40 ms) and be measured as server latency.
    client_.set_tcp_nodelay(true);
    const auto t = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(o.timeout));
    client_.set_connection_timeout(t.count() / 1000000, t.count() % 1000000);
    client_.set_read_timeout(t.count() / 1000000, t.count() % 1000000);
    client_.set_write_timeout(t.count() / 1000000, t.count() % 1000000);
    if (!o.accept.empty()) headers_.emplace("Accept", o.accept);
    if (!o.accept_encoding.empty()) headers_.emplace("Accept-Encoding", o.accept_encoding);
  }

  // Sends one request; "" when it was answered as expected, else what went wrong.
  std::string send(int& status) {
    httplib::Result r = o_.method == "GET" ? client_.Get(o_.path.c_str(), headers_)
                                           : client_.Post(o_.path.c_str(), headers_, o_.body, o_.content_type.c_str());
    if (!r) {
      status = 0;
      return "no answer: " + httplib::to_string(r.error());
    }
    status = r->status;
    if (r->status < 200 || r->status >= 300) return "status " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
    if (o_.expect_count >= 0) {
      const std::int64_t n = occurrences(r->body, o_.expect_marker);
      if (n != o_.expect_count)
        return "the body holds " + json_string(o_.expect_marker) + " " + std::to_string(n) + " times, not " +
               std::to_string(o_.expect_count) + ": " + r->body.substr(0, 300);
    }
    return {};
  }

  // Closes the connection: an idle kept-alive connection holds one of the server's worker
  // threads (cpp-httplib serves a connection on one thread until it closes), which would stall
  // the other connections' last requests behind it.
  void close() { client_.stop(); }

 private:
  const Options& o_;
  httplib::Client client_;
  httplib::Headers headers_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    if (*e.what()) std::fprintf(stderr, "bench_serve_load: %s\n", e.what());
    std::fputs(usage, stderr);
    return *e.what() ? 2 : 0;
  }

  const auto n = static_cast<std::size_t>(o.concurrency);
  std::vector<std::unique_ptr<Connection>> connections;
  for (std::size_t i = 0; i < n; ++i) connections.push_back(std::make_unique<Connection>(o));

  // Warm-up: the same requests, spread over the connections, not recorded (an error still
  // counts: a server that fails then would fail in the run too).
  Shared shared;
  auto record_error = [&shared](int status, const std::string& what) {
    std::lock_guard lock(shared.m);
    ++shared.statuses[status];
    if (what.empty()) return;
    if (shared.errors++ == 0) shared.first_error = what;
  };
  {
    std::vector<std::thread> threads;
    std::atomic<std::int64_t> left{o.warmup};
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        while (left.fetch_sub(1) > 0) {
          int status = 0;
          const std::string what = connections[i]->send(status);
          if (!what.empty()) record_error(status, "warm-up: " + what);
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  shared.statuses.clear();

  // The measured run: each thread takes the next request number until all are taken or the
  // time limit has passed.
  std::vector<std::vector<double>> latencies(n);
  const double cpu0 = cpu_seconds();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.time_limit));
  std::atomic<bool> timed_out{false};
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        latencies[i].reserve(static_cast<std::size_t>(o.requests / o.concurrency + 1));
        while (shared.next.fetch_add(1) < o.requests) {
          if (Clock::now() >= deadline) {
            timed_out.store(true);
            return;
          }
          int status = 0;
          const auto t0 = Clock::now();
          const std::string what = connections[i]->send(status);
          latencies[i].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          record_error(status, what);
        }
        connections[i]->close();
      });
    }
    for (auto& t : threads) t.join();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu0;

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto done = static_cast<std::int64_t>(all.size());
  double sum = 0;
  for (const double v : all) sum += v;

  std::string statuses;
  for (const auto& [code, count] : shared.statuses)
    statuses += (statuses.empty() ? "" : ",") + std::string("\"") + std::to_string(code) + "\":" + std::to_string(count);
  std::printf(
      "{\"host\":%s,\"port\":%d,\"method\":%s,\"path\":%s,\"body_bytes\":%zu,\"concurrency\":%lld,"
      "\"warmup\":%lld,\"requests\":%lld,\"completed\":%lld,\"timed_out\":%s,\"errors\":%lld,"
      "\"first_error\":%s,\"statuses\":{%s},\"seconds\":%.6f,\"requests_per_s\":%.3f,"
      "\"items_per_request\":%lld,\"items_per_s\":%.3f,"
      "\"latency_ms\":{\"mean\":%.4f,\"min\":%.4f,\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"max\":%.4f},"
      "\"client_cpu_s\":%.6f,\"client_cpu_ms_per_request\":%.4f}\n",
      json_string(o.host).c_str(), o.port, json_string(o.method).c_str(), json_string(o.path).c_str(), o.body.size(),
      static_cast<long long>(o.concurrency), static_cast<long long>(o.warmup), static_cast<long long>(o.requests),
      static_cast<long long>(done), timed_out.load() ? "true" : "false", static_cast<long long>(shared.errors),
      json_string(shared.first_error).c_str(), statuses.c_str(), wall, done / wall,
      static_cast<long long>(o.items), static_cast<double>(done * o.items) / wall, done ? sum / done : 0.0,
      done ? all.front() : 0.0, percentile(all, 50), percentile(all, 90), percentile(all, 99),
      done ? all.back() : 0.0, cpu, done ? 1e3 * cpu / done : 0.0);
  return shared.errors == 0 && !timed_out.load() ? 0 : 1;
}
