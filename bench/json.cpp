// JSON throughput on the bodies an Object2Vec endpoint reads and writes, embedkit against
// nlohmann::json and simdjson in the same process, as MB/s of the body (bytes_per_second).
//
// The bodies are fixed (splitmix64 from fixed seeds, no std:: distributions, so every machine
// builds the same bytes):
//   - request: {"instances": [{"in0": [ids]}, ...]}, 1,000 instances of 50 ids in [0, 30000),
//     laid out as Python's json.dumps writes it (", " and ": "), which is what clients send;
//   - response: {"predictions":[{"embeddings":[...]},...]}, 1,000 rows of 256 floats in
//     [-0.125, 0.125), as embedkit writes it (compact, each float's shortest digits).
//
// parse_request/*: the request text to ids.
//   embedkit_codec      ek::parse_object2vec_request: what embedkit-serve runs (a DOM with the
//                       shape checks and error positions of the codec, then vectors of ids);
//   embedkit_dom        json::parse: the JSON core's document;
//   nlohmann_dom        nlohmann::json::parse;
//   simdjson_ondemand   simdjson On Demand, walking instances and ids into
//                       std::vector<std::vector<int64_t>>: the same result the codec returns;
//   simdjson_dom        simdjson's DOM parser (the document only, for reference).
//   simdjson reads a padded copy of the body, made once outside the timed loop (a server would
//   have to make it per request), so its numbers are, if anything, flattering.
// write_response/*: the response from in-memory data to text; MB/s are of embedkit's response
// body for every writer (so the rates compare times), and each reports its own output size.
//   embedkit_codec      ek::write_object2vec_response from the [1000, 256] float tensor: each
//                       float's shortest round-trip digits, into a new string each time (as
//                       every other writer here);
//   embedkit_codec_reused  the same into a string reused from call to call (a server's buffer);
//   embedkit_dump       json::dump of the same data as a json::Value (numbers are doubles there,
//                       so it writes each float's value as a double's shortest digits: longer);
//   nlohmann_dump       nlohmann::json::dump of the same data (nlohmann::json stores doubles:
//                       the same longer digits);
//   nlohmann_float_dump nlohmann::basic_json with float as its number type: float digits, the
//                       same text as embedkit_codec.
//
// The setup checks that every parser reads the same ids as were generated and that every
// writer's floats read back to the values written; a mismatch aborts the program.
//
//   build/release/bench/bench_json --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//
// bench/compare_json.py runs it and writes the json section of docs/performance.md.

#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "embedkit/core/tensor.hpp"
#include "embedkit/encoders/object2vec/inference.hpp"
#include "embedkit/json/json.hpp"

namespace ek = embedkit;
namespace json = embedkit::json;

namespace {

constexpr std::size_t kInstances = 1000;
constexpr std::size_t kIds = 50;
constexpr std::uint64_t kVocabulary = 30000;
constexpr std::size_t kRows = 1000;
constexpr std::size_t kDim = 256;

using IdLists = std::vector<std::vector<std::int64_t>>;
// nlohmann::json with float numbers: writes float digits, like embedkit's codec.
using nlohmann_float_json =
    nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t, std::uint64_t, float>;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_json: setup check failed: %s\n", what.c_str());
  std::abort();
}

// ---- the bodies -------------------------------------------------------------------------------

const IdLists& request_ids() {
  static const IdLists ids = [] {
    IdLists out(kInstances);
    for (std::size_t i = 0; i < kInstances; ++i)
      for (std::size_t k = 0; k < kIds; ++k)
        out[i].push_back(static_cast<std::int64_t>(splitmix64(i * kIds + k) % kVocabulary));
    return out;
  }();
  return ids;
}

// As Python's json.dumps({"instances": [{"in0": ids}, ...]}) writes it.
const std::string& request_body() {
  static const std::string body = [] {
    std::string s = "{\"instances\": [";
    const IdLists& ids = request_ids();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      s += i ? ", {\"in0\": [" : "{\"in0\": [";
      for (std::size_t k = 0; k < ids[i].size(); ++k) {
        if (k) s += ", ";
        s += std::to_string(ids[i][k]);
      }
      s += "]}";
    }
    s += "]}";
    return s;
  }();
  return body;
}

const simdjson::padded_string& padded_request() {
  static const simdjson::padded_string padded(request_body());
  return padded;
}

const ek::Object2VecResponse& response() {
  static const ek::Object2VecResponse r = [] {
    ek::Object2VecResponse out;
    out.values = ek::Tensor<float>::empty(ek::Shape{static_cast<std::int64_t>(kRows),
                                                    static_cast<std::int64_t>(kDim)});
    float* p = out.values.data();
    for (std::size_t i = 0; i < kRows * kDim; ++i) {
      const double u = static_cast<double>(splitmix64((1ULL << 40) + i) >> 11) * 0x1.0p-53;
      p[i] = static_cast<float>((u - 0.5) * 0.25);
    }
    return out;
  }();
  return r;
}

float response_value(std::size_t row, std::size_t j) { return response().values.data()[row * kDim + j]; }

std::string embedkit_response_body() {
  std::string out;
  ek::write_object2vec_response(response(), ek::MediaType::json, out);
  return out;
}

const json::Value& response_value_embedkit() {
  static const json::Value v = [] {
    json::Array predictions;
    for (std::size_t b = 0; b < kRows; ++b) {
      json::Array row;
      row.reserve(kDim);
      for (std::size_t j = 0; j < kDim; ++j) row.emplace_back(response_value(b, j));
      predictions.emplace_back(json::Object{{"embeddings", json::Value(std::move(row))}});
    }
    return json::Value(json::Object{{"predictions", json::Value(std::move(predictions))}});
  }();
  return v;
}

template <class J>
const J& response_value_nlohmann() {
  static const J v = [] {
    J predictions = J::array();
    for (std::size_t b = 0; b < kRows; ++b) {
      J row = J::array();
      for (std::size_t j = 0; j < kDim; ++j) row.push_back(response_value(b, j));
      predictions.push_back(J{{"embeddings", std::move(row)}});
    }
    return J{{"predictions", std::move(predictions)}};
  }();
  return v;
}

// ---- the parsers under test -------------------------------------------------------------------

IdLists ids_of(const ek::Object2VecRequest& r) {
  IdLists out;
  for (const auto& inst : r.instances) out.push_back(inst.in0 ? *inst.in0 : std::vector<std::int64_t>{});
  return out;
}

IdLists ids_of(const json::Value& v) {
  IdLists out;
  for (const json::Value& inst : v.at("instances").as_array()) {
    std::vector<std::int64_t> ids;
    for (const json::Value& id : inst.at("in0").as_array()) ids.push_back(id.as_int64());
    out.push_back(std::move(ids));
  }
  return out;
}

IdLists ids_of(const nlohmann::json& v) {
  IdLists out;
  for (const auto& inst : v.at("instances")) out.push_back(inst.at("in0").get<std::vector<std::int64_t>>());
  return out;
}

IdLists simdjson_ondemand(simdjson::ondemand::parser& parser, const simdjson::padded_string& body) {
  IdLists out;
  simdjson::ondemand::document doc = parser.iterate(body);
  for (simdjson::ondemand::object inst : doc["instances"].get_array()) {
    std::vector<std::int64_t> ids;
    for (std::int64_t id : inst["in0"].get_array()) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

IdLists ids_of(simdjson::dom::element doc) {
  IdLists out;
  for (simdjson::dom::object inst : doc["instances"].get_array()) {
    std::vector<std::int64_t> ids;
    for (std::int64_t id : inst["in0"].get_array()) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

// The floats of {"predictions":[{"embeddings":[...]},...]} as text, each read as a float.
std::vector<float> floats_in(std::string_view text) {
  std::vector<float> out;
  const std::string_view key = "\"embeddings\":";
  for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at)) {
    const char* p = text.data() + at + key.size();
    while (*p == ' ' || *p == '[') ++p;
    for (;;) {
      float f = 0;
      const auto r = std::from_chars(p, text.data() + text.size(), f);
      if (r.ec != std::errc()) die("unreadable number in a written response");
      out.push_back(f);
      p = r.ptr;
      while (*p == ' ') ++p;
      if (*p != ',') break;
      ++p;
      while (*p == ' ') ++p;
    }
    at = static_cast<std::size_t>(p - text.data());
  }
  return out;
}

void check_floats(const std::string& text, const char* writer, bool as_double) {
  // Read as doubles where the writer wrote doubles: those digits round-trip the double.
  std::vector<float> got;
  if (as_double) {
    const json::Value v = json::parse(text);
    for (const json::Value& p : v.at("predictions").as_array())
      for (const json::Value& x : p.at("embeddings").as_array()) {
        const double d = x.as_double();
        if (static_cast<double>(static_cast<float>(d)) != d)
          die(std::string(writer) + " wrote a number that is not the float's value");
        got.push_back(static_cast<float>(d));
      }
  } else {
    got = floats_in(text);
  }
  if (got.size() != kRows * kDim) die(std::string(writer) + " wrote the wrong number of floats");
  for (std::size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], response().values.data() + i, sizeof(float)) != 0)
      die(std::string(writer) + " wrote float " + std::to_string(i) + " that reads back differently");
}

// Every parser reads the generated ids, every writer's floats read back equal; abort otherwise.
void check_all() {
  const IdLists& want = request_ids();
  const std::string& body = request_body();
  if (ids_of(ek::parse_object2vec_request(body, ek::MediaType::json)) != want) die("embedkit codec ids differ");
  if (ids_of(json::parse(body)) != want) die("embedkit json::parse ids differ");
  if (ids_of(nlohmann::json::parse(body)) != want) die("nlohmann ids differ");
  simdjson::ondemand::parser od;
  if (simdjson_ondemand(od, padded_request()) != want) die("simdjson On Demand ids differ");
  simdjson::dom::parser dom;
  if (ids_of(dom.parse(padded_request()).value()) != want) die("simdjson DOM ids differ");

  check_floats(embedkit_response_body(), "write_object2vec_response", false);
  check_floats(json::dump(response_value_embedkit()), "json::dump", true);
  check_floats(response_value_nlohmann<nlohmann::json>().dump(), "nlohmann::json::dump", true);
  check_floats(response_value_nlohmann<nlohmann_float_json>().dump(), "nlohmann float dump", false);
  if (json::parse(embedkit_response_body()).at("predictions").size() != kRows)
    die("write_object2vec_response is not the expected JSON document");
}

// ---- benchmarks ---------------------------------------------------------------------------------

void set_bytes(benchmark::State& state, std::size_t body_bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body_bytes));
  state.counters["body_bytes"] = static_cast<double>(body_bytes);
}

void parse_embedkit_codec(benchmark::State& state) {
  const std::string& body = request_body();
  for (auto _ : state) {
    ek::Object2VecRequest r = ek::parse_object2vec_request(body, ek::MediaType::json);
    benchmark::DoNotOptimize(r.instances.data());
  }
  set_bytes(state, body.size());
}

void parse_embedkit_dom(benchmark::State& state) {
  const std::string& body = request_body();
  for (auto _ : state) {
    json::Value v = json::parse(body);
    benchmark::DoNotOptimize(&v);
  }
  set_bytes(state, body.size());
}

void parse_nlohmann_dom(benchmark::State& state) {
  const std::string& body = request_body();
  for (auto _ : state) {
    nlohmann::json v = nlohmann::json::parse(body);
    benchmark::DoNotOptimize(&v);
  }
  set_bytes(state, body.size());
}

void parse_simdjson_ondemand(benchmark::State& state) {
  const simdjson::padded_string& body = padded_request();
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    IdLists ids = simdjson_ondemand(parser, body);
    benchmark::DoNotOptimize(ids.data());
  }
  set_bytes(state, body.size());
}

void parse_simdjson_dom(benchmark::State& state) {
  const simdjson::padded_string& body = padded_request();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc = parser.parse(body);
    benchmark::DoNotOptimize(&doc);
  }
  set_bytes(state, body.size());
}

void write_embedkit_codec(benchmark::State& state) {
  const ek::Object2VecResponse& r = response();
  std::size_t written = 0;
  for (auto _ : state) {
    std::string out;
    ek::write_object2vec_response(r, ek::MediaType::json, out);
    written = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, embedkit_response_body().size());
  state.counters["output_bytes"] = static_cast<double>(written);
}

// The same into one string kept from call to call (cleared, capacity kept): the codec appends
// to a caller's string so that a server can reuse a buffer per thread. nlohmann's dump() always
// returns a new string.
void write_embedkit_codec_reused(benchmark::State& state) {
  const ek::Object2VecResponse& r = response();
  std::string out;
  for (auto _ : state) {
    out.clear();
    ek::write_object2vec_response(r, ek::MediaType::json, out);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, embedkit_response_body().size());
  state.counters["output_bytes"] = static_cast<double>(out.size());
}

void write_embedkit_dump(benchmark::State& state) {
  const json::Value& v = response_value_embedkit();
  std::size_t written = 0;
  for (auto _ : state) {
    std::string out = json::dump(v);
    written = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, embedkit_response_body().size());
  state.counters["output_bytes"] = static_cast<double>(written);
}

template <class J>
void write_nlohmann(benchmark::State& state) {
  const J& v = response_value_nlohmann<J>();
  std::size_t written = 0;
  for (auto _ : state) {
    std::string out = v.dump();
    written = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, embedkit_response_body().size());
  state.counters["output_bytes"] = static_cast<double>(written);
}

}  // namespace

BENCHMARK(parse_embedkit_codec)->Name("parse_request/embedkit_codec")->Unit(benchmark::kMicrosecond);
BENCHMARK(parse_embedkit_dom)->Name("parse_request/embedkit_dom")->Unit(benchmark::kMicrosecond);
BENCHMARK(parse_nlohmann_dom)->Name("parse_request/nlohmann_dom")->Unit(benchmark::kMicrosecond);
BENCHMARK(parse_simdjson_ondemand)->Name("parse_request/simdjson_ondemand")->Unit(benchmark::kMicrosecond);
BENCHMARK(parse_simdjson_dom)->Name("parse_request/simdjson_dom")->Unit(benchmark::kMicrosecond);
BENCHMARK(write_embedkit_codec)->Name("write_response/embedkit_codec")->Unit(benchmark::kMicrosecond);
BENCHMARK(write_embedkit_codec_reused)
    ->Name("write_response/embedkit_codec_reused")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(write_embedkit_dump)->Name("write_response/embedkit_dump")->Unit(benchmark::kMicrosecond);
BENCHMARK(write_nlohmann<nlohmann::json>)->Name("write_response/nlohmann_dump")->Unit(benchmark::kMicrosecond);
BENCHMARK(write_nlohmann<nlohmann_float_json>)
    ->Name("write_response/nlohmann_float_dump")
    ->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  check_all();
  benchmark::AddCustomContext("request_bytes", std::to_string(request_body().size()));
  benchmark::AddCustomContext("response_bytes", std::to_string(embedkit_response_body().size()));
  benchmark::AddCustomContext("simdjson_implementation",
                              simdjson::get_active_implementation()->name());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
