// The Object2Vec inference codec (encoders/object2vec/inference.hpp) against SageMaker's
// published examples (AWS's "Encoder Embeddings for Object2Vec" page): its requests parse byte
// for byte in both content types, responses are written in the shape of its responses, and
// every request or header error is raised with its class, position and wording. Results of
// run_object2vec are compared with Object2Vec's own encode() and predict() on the demo model,
// bit for bit, including infer_max_seqlens truncation.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <embedkit/encoders/object2vec/inference.hpp>
#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;
using Ids = std::vector<std::int64_t>;
using Seqs = std::vector<Ids>;

namespace {

// The example requests and responses of AWS's Object2Vec encoder-embeddings page, byte for byte
// (examples/data/object2vec_request.json and .jsonl hold the same requests).
constexpr std::string_view kSeedRequestJson = R"seed({
  "instances" : [
    {"in0": [6, 17, 606, 19, 53, 67, 52, 12, 5, 10, 15, 10178, 7, 33, 652, 80, 15, 69, 821, 4]},
    {"in0": [22, 1016, 32, 13, 25, 11, 5, 64, 573, 45, 5, 80, 15, 67, 21, 7, 9, 107, 4]},
    {"in0": [774, 14, 21, 206]}
  ]
}
)seed";
constexpr std::string_view kSeedRequestJsonl = R"seed({"in0": [6, 17, 606, 19, 53, 67, 52, 12, 5, 10, 15, 10178, 7, 33, 652, 80, 15, 69, 821, 4]}
{"in0": [22, 1016, 32, 13, 25, 11, 5, 64, 573, 45, 5, 80, 15, 67, 21, 7, 9, 107, 4]}
{"in0": [774, 14, 21, 206]}
)seed";
constexpr std::string_view kSeedResponseJson = R"seed({
  "predictions": [
    {"embeddings":[0.057368703186511,0.030703511089086,0.099890425801277,0.063688032329082,0.026327300816774,0.003637571120634,0.021305780857801,0.004316598642617,0.0,0.003397724591195,0.0,0.000378780066967,0.0,0.0,0.0,0.007419463712722]},
    {"embeddings":[0.150190666317939,0.05145975202322,0.098204270005226,0.064249359071254,0.056249320507049,0.01513972133398,0.047553978860378,0.0,0.0,0.011533712036907,0.011472506448626,0.010696629062294,0.0,0.0,0.0,0.008508535102009]}
  ]
}
)seed";
constexpr std::string_view kSeedResponseJsonl = R"seed({"embeddings":[0.057368703186511,0.030703511089086,0.099890425801277,0.063688032329082,0.026327300816774,0.003637571120634,0.021305780857801,0.004316598642617,0.0,0.003397724591195,0.0,0.000378780066967,0.0,0.0,0.0,0.007419463712722]}
{"embeddings":[0.150190666317939,0.05145975202322,0.098204270005226,0.064249359071254,0.056249320507049,0.01513972133398,0.047553978860378,0.0,0.0,0.011533712036907,0.011472506448626,0.010696629062294,0.0,0.0,0.0,0.008508535102009]}
)seed";

// The id lists of the example requests, as the page lists them.
const Seqs kSeedIds = {
    {6, 17, 606, 19, 53, 67, 52, 12, 5, 10, 15, 10178, 7, 33, 652, 80, 15, 69, 821, 4},
    {22, 1016, 32, 13, 25, 11, 5, 64, 573, 45, 5, 80, 15, 67, 21, 7, 9, 107, 4},
    {774, 14, 21, 206}};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string examples_data(const std::string& name) {
  return std::string(EMBEDKIT_TEST_DATA_DIR) + "/../../examples/data/" + name;
}

// The format_error a call raises (fails the test when it raises nothing or something else).
template <class F>
ek::format_error format_error_of(F&& f) {
  try {
    f();
  } catch (const ek::format_error& e) {
    return e;
  } catch (const std::exception& e) {
    FAIL("expected an ek::format_error, got: " << e.what());
  }
  FAIL("expected an ek::format_error, nothing was raised");
  return ek::format_error("", -1);
}

ek::format_error request_error(std::string_view body, ek::MediaType type) {
  return format_error_of([&] { (void)ek::parse_object2vec_request(body, type); });
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

ek::Tensor<float> tensor_of(const std::vector<std::vector<float>>& rows) {
  const auto n = static_cast<std::int64_t>(rows.size());
  const auto k = static_cast<std::int64_t>(rows.empty() ? 0 : rows[0].size());
  auto t = ek::Tensor<float>::empty(ek::Shape{n, k});
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t j = 0; j < k; ++j) t[b * k + j] = rows[static_cast<std::size_t>(b)][static_cast<std::size_t>(j)];
  return t;
}

// The numbers of a response body in order, and the body with each number replaced by '#'.
struct Tokens {
  std::vector<std::string> numbers;
  std::string shape;
};
Tokens tokenize(std::string_view text, bool drop_whitespace) {
  Tokens t;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t j = i;
      while (j < text.size() && std::string_view("-+.eE0123456789").find(text[j]) != std::string_view::npos) ++j;
      t.numbers.emplace_back(text.substr(i, j - i));
      t.shape += '#';
      i = j;
      continue;
    }
    if (!(drop_whitespace && (c == ' ' || c == '\n'))) t.shape += c;
    ++i;
  }
  return t;
}

// The significant digits of a decimal number's text ("0.0573687" -> "573687").
std::string significant_digits(std::string_view s) {
  std::string d;
  for (char c : s.substr(0, s.find_first_of("eE")))
    if (c >= '0' && c <= '9') d += c;
  const auto first = d.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  d.erase(0, first);
  while (d.size() > 1 && d.back() == '0') d.pop_back();
  return d;
}

float to_float(std::string_view s) {
  float f = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), f);
  REQUIRE(r.ec == std::errc());
  REQUIRE(r.ptr == s.data() + s.size());
  return f;
}

// The seed's response values, each rounded to float (the model's precision).
std::vector<std::vector<float>> seed_response_values() {
  std::vector<std::vector<float>> rows;
  const json::Value response = json::parse(kSeedResponseJson);
  for (const json::Value& p : response.at("predictions").as_array()) {
    std::vector<float> row;
    for (const json::Value& v : p.at("embeddings").as_array()) row.push_back(static_cast<float>(v.as_double()));
    rows.push_back(row);
  }
  return rows;
}

// Our response text against the seed's: the same bytes apart from whitespace between tokens
// (the page pretty-prints its JSON) and the digits of each number, where ours must be the
// shortest text that reads back as the float of the seed's number.
void check_against_seed(std::string_view ours, std::string_view seed, bool drop_whitespace) {
  const Tokens a = tokenize(ours, false);
  const Tokens b = tokenize(seed, drop_whitespace);
  CHECK(a.shape == b.shape);
  REQUIRE(a.numbers.size() == b.numbers.size());
  for (std::size_t i = 0; i < a.numbers.size(); ++i) {
    CAPTURE(a.numbers[i]);
    CAPTURE(b.numbers[i]);
    const float want = static_cast<float>(std::stod(b.numbers[i]));
    CHECK(to_float(a.numbers[i]) == want);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, want, std::chars_format::scientific);  // shortest
    CHECK(significant_digits(a.numbers[i]) == significant_digits(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf))));
    // Positional notation, as the seed writes it; zeros exactly as the seed writes them.
    CHECK(a.numbers[i].find_first_of("eE") == std::string::npos);
    if (want == 0.0f) CHECK(a.numbers[i] == b.numbers[i]);
  }
}

std::string text_of(const ek::Object2VecResponse& r, ek::MediaType t) {
  std::string out;
  ek::write_object2vec_response(r, t, out);
  return out;
}

}  // namespace

TEST_CASE("Object2Vec codec: the seed's requests parse byte for byte in both content types") {
  const ek::Object2VecRequest j = ek::parse_object2vec_request(kSeedRequestJson, ek::MediaType::json);
  const ek::Object2VecRequest l = ek::parse_object2vec_request(kSeedRequestJsonl, ek::MediaType::jsonlines);
  REQUIRE(j.instances.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(j.instances[i].in0 == kSeedIds[i]);
    CHECK_FALSE(j.instances[i].in1.has_value());
  }
  CHECK(l == j);
  // The example files the README's command reads are the seed's requests.
  CHECK(read_text(examples_data("object2vec_request.json")) == kSeedRequestJson);
  CHECK(read_text(examples_data("object2vec_request.jsonl")) == kSeedRequestJsonl);
  // Line by line (the streaming path) gives the same instances.
  std::size_t start = 0, n = 0;
  std::int64_t line = 0;
  while (start < kSeedRequestJsonl.size()) {
    const std::size_t end = kSeedRequestJsonl.find('\n', start);
    ++line;
    CHECK(ek::parse_object2vec_line(kSeedRequestJsonl.substr(start, end - start), n, line,
                                    static_cast<std::int64_t>(start)) == j.instances[n]);
    ++n;
    start = end + 1;
  }
  CHECK(n == 3);
  // CRLF line ends and blank lines are accepted in JSON Lines.
  CHECK(ek::parse_object2vec_request("\r\n{\"in0\": [6, 17]}\r\n\r\n  \n{\"in0\": []}", ek::MediaType::jsonlines) ==
        ek::Object2VecRequest{{{Ids{6, 17}, std::nullopt}, {Ids{}, std::nullopt}}});
  // The seed's requests, written back compactly, are the seed's text without its whitespace.
  std::string compact;
  for (char c : kSeedRequestJson)
    if (c != ' ' && c != '\n') compact += c;
  std::string written;
  ek::write_object2vec_request(j, ek::MediaType::json, written);
  CHECK(written == compact);
}

TEST_CASE("Object2Vec codec: responses have the seed's shape and the floats' shortest digits") {
  ek::Object2VecResponse r;
  r.values = tensor_of(seed_response_values());
  REQUIRE(r.values.shape() == ek::Shape{2, 16});
  const std::string j = text_of(r, ek::MediaType::json);
  const std::string l = text_of(r, ek::MediaType::jsonlines);
  check_against_seed(j, kSeedResponseJson, /*drop_whitespace=*/true);
  check_against_seed(l, kSeedResponseJsonl, /*drop_whitespace=*/false);
  CHECK(j.front() == '{');
  CHECK(j.back() == '}');
  CHECK(l.back() == '\n');
  // Both read back through the JSON core as the same floats, row for row.
  const json::Value parsed = json::parse(j);
  const auto& preds = parsed.at("predictions").as_array();
  REQUIRE(preds.size() == 2);
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t k = 0; k < 16; ++k)
      CHECK(static_cast<float>(preds[static_cast<std::size_t>(b)].at("embeddings").at(static_cast<std::size_t>(k)).as_double()) == r.values[b * 16 + k]);

  // Scores are written under "scores"; nothing to write is an empty list or no lines.
  r.kind = ek::Object2VecResponse::Kind::scores;
  CHECK(text_of(r, ek::MediaType::json).starts_with("{\"predictions\":[{\"scores\":["));
  CHECK(text_of(r, ek::MediaType::jsonlines).starts_with("{\"scores\":["));
  ek::Object2VecResponse empty;
  empty.values = ek::Tensor<float>::empty(ek::Shape{0, 16});
  CHECK(text_of(empty, ek::MediaType::json) == "{\"predictions\":[]}");
  CHECK(text_of(empty, ek::MediaType::jsonlines).empty());
  // Appends, never replaces.
  std::string out = "x";
  ek::write_object2vec_response(empty, ek::MediaType::json, out);
  CHECK(out == "x{\"predictions\":[]}");
}

TEST_CASE("Object2Vec codec: floats are written as their shortest round trip") {
  // Special values and the notation switches (as the JSON core lays out doubles).
  const std::vector<float> values = {0.0f, -0.0f, 1.0f, -2.5f, 0.1f, 1e-4f, 1e-5f, 123456.0f, 1e16f, 3e38f,
                                     std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                                     0.057368703186511f, 16777216.0f};
  std::string out;
  ek::write_json_floats(values, out);
  const json::Value v = json::parse(out);
  REQUIRE(v.as_array().size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    CHECK(static_cast<float>(v.at(i).as_double()) == values[i]);
    CHECK(std::signbit(static_cast<float>(v.at(i).as_double())) == std::signbit(values[i]));
    CHECK(v.at(i).kind() == json::Kind::float64);  // never an integer literal
  }
  CHECK(out.starts_with("[0.0,-0.0,1.0,-2.5,0.1,0.0001,1e-05,123456.0,1e+16,3e+38,"));
  // Every float's text is as short as its shortest round trip (to_chars), on many values.
  std::mt19937 gen(7);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 2000; ++i) {
    std::uint32_t u = bits(gen);
    float f;
    std::memcpy(&f, &u, sizeof f);
    if (!std::isfinite(f)) continue;
    std::string s;
    ek::write_json_floats(std::vector<float>{f}, s);
    const std::string_view tok = std::string_view(s).substr(1, s.size() - 2);
    CAPTURE(tok);
    CHECK(to_float(tok) == f);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
    CHECK(significant_digits(tok) == significant_digits(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf))));
  }
  std::string bad;
  CHECK_THROWS_AS(ek::write_json_floats(std::vector<float>{std::nanf("")}, bad), ek::value_error);
  CHECK_THROWS_AS(ek::write_json_floats(std::vector<float>{INFINITY}, bad), ek::value_error);
}

TEST_CASE("Object2Vec codec: request errors name the line, column, byte, instance and key") {
  using ek::MediaType;
  SUBCASE("bad JSON") {
    const auto e = request_error("{\"instances\": [\n  {\"in0\": [1, 2,]}\n]}", MediaType::json);
    CHECK(e.line() == 2);
    CHECK(e.column() == 17);
    CHECK(e.byte_offset() == 32);
    CHECK(contains(e.what(), "expected a value after ','"));
  }
  SUBCASE("bad JSON in a JSON Lines body: the position in the whole body") {
    const auto e = request_error("{\"in0\": [1]}\n\n{\"in0\": [1 2]}\n", MediaType::jsonlines);
    CHECK(e.line() == 3);
    CHECK(e.column() == 12);
    CHECK(e.byte_offset() == 25);
  }
  SUBCASE("JSON Lines sent as application/json") {
    const auto e = request_error(kSeedRequestJsonl, MediaType::json);
    CHECK(contains(e.what(), "application/jsonlines"));
    const auto f = request_error("{\"in0\": [1]}", MediaType::json);
    CHECK(contains(f.what(), "unknown key \"in0\""));
    CHECK(contains(f.what(), "application/jsonlines"));
  }
  SUBCASE("a whole request sent as application/jsonlines") {
    const auto e = request_error("{\"instances\": [{\"in0\": [1]}]}", MediaType::jsonlines);
    CHECK(contains(e.what(), "instance 0: unknown key \"instances\""));
    CHECK(contains(e.what(), "application/json"));
  }
  SUBCASE("missing instances") {
    const auto e = request_error("  {}", MediaType::json);
    CHECK(contains(e.what(), "no \"instances\" member"));
    CHECK(e.byte_offset() == 2);
    CHECK(contains(request_error("[]", MediaType::json).what(), "expected an object {\"instances\""));
    CHECK(contains(request_error("{\"instances\": {}}", MediaType::json).what(),
                   "\"instances\" is an object; expected a list"));
    const auto u = request_error("{\"instances\": [], \"extra\": 1}", MediaType::json);
    CHECK(contains(u.what(), "unknown key \"extra\""));
    CHECK(u.byte_offset() == 18);
  }
  SUBCASE("in0 not a list") {
    const auto e = request_error("{\"instances\": [{\"in0\": [1]}, {\"in1\": \"1 2\"}]}", MediaType::json);
    CHECK(contains(e.what(), "instance 1: \"in1\" is a string: expected a list of token ids"));
    CHECK(e.byte_offset() == 37);
    CHECK(e.column() == 38);
    CHECK(contains(request_error("{\"in0\": 5}", MediaType::jsonlines).what(), "\"in0\" is an integer"));
    CHECK(contains(request_error("{\"in0\": null}", MediaType::jsonlines).what(), "\"in0\" is null"));
    CHECK(contains(request_error("{\"in0\": [[1]]}", MediaType::jsonlines).what(), "\"in0\"[0] is an array"));
  }
  SUBCASE("ids that are not integers >= 0") {
    const std::string body = "{\"instances\": [\n{\"in0\": [1]},\n{\"in0\": [1]},\n{\"in0\": [1]},\n{\"in0\": [0, 1, 2, 3, 4, -1]}\n]}";
    const auto e = request_error(body, MediaType::json);
    CHECK(std::string(e.what()).starts_with("instance 3: \"in0\"[5] is -1: token ids are integers >= 0 at line 5, column 25 (byte "));
    CHECK(e.line() == 5);
    CHECK(e.column() == 25);
    CHECK(body[static_cast<std::size_t>(e.byte_offset())] == '-');
    CHECK(contains(request_error("{\"in0\": [1, 2.0]}", MediaType::jsonlines).what(), "\"in0\"[1] is 2.0: token ids are integers"));
    CHECK(contains(request_error("{\"in0\": [1e3]}", MediaType::jsonlines).what(), "\"in0\"[0] is 1000.0"));
    CHECK(contains(request_error("{\"in0\": [\"7\"]}", MediaType::jsonlines).what(), "\"in0\"[0] is a string"));
    CHECK(contains(request_error("{\"in0\": [true]}", MediaType::jsonlines).what(), "\"in0\"[0] is a boolean"));
    const auto huge = request_error("{\"in1\": [9223372036854775808]}", MediaType::jsonlines);
    CHECK(contains(huge.what(), "\"in1\"[0] is 9223372036854775808: token ids are integers >= 0 and < 2^63"));
    CHECK(huge.byte_offset() == 9);
    CHECK(contains(request_error("{\"in1\": [123456789012345678901234567890]}", MediaType::jsonlines).what(),
                   "\"in1\"[0] is 1.2345678901234568e+29"));
    // The largest int64 is an id like any other (the vocabulary check comes later).
    CHECK(ek::parse_object2vec_line("{\"in0\": [9223372036854775807]}").in0 == Ids{INT64_MAX});
  }
  SUBCASE("an empty instance and unknown keys") {
    const auto e = request_error("{\"in0\": [1]}\n{}\n", MediaType::jsonlines);
    CHECK(contains(e.what(), "instance 1: the instance has neither \"in0\" nor \"in1\""));
    CHECK(e.line() == 2);
    CHECK(e.byte_offset() == 13);
    const auto k = request_error("{\"in0\": [1], \"label\": 1}", MediaType::jsonlines);
    CHECK(contains(k.what(), "instance 0: unknown key \"label\""));
    CHECK(k.byte_offset() == 13);
    CHECK(contains(request_error("[1, 2]", MediaType::jsonlines).what(),
                   "instance 0: expected an object such as {\"in0\""));
  }
  SUBCASE("a repeated key") {
    const auto e = request_error("{\"in0\": [1], \"in0\": [2]}", MediaType::jsonlines);
    CHECK(contains(e.what(), "duplicate key \"in0\""));
    CHECK(e.byte_offset() == 13);
  }
  SUBCASE("escaped keys are the same keys") {
    CHECK(ek::parse_object2vec_line("{\"in\\u0030\": [1]}").in0 == Ids{1});
    const auto e = request_error("{\"instances\": [{\"in\\u0031\": [1, -3]}]}", MediaType::json);
    CHECK(e.byte_offset() == 32);
  }
  SUBCASE("text/plain is no Object2Vec request") {
    CHECK_THROWS_AS(ek::parse_object2vec_request("1 2 3", MediaType::text), ek::unsupported_media_type);
  }
}

TEST_CASE("Object2Vec codec: Content-Type") {
  auto ct = [](std::string_view h) { return ek::parse_content_type(h); };
  CHECK(ct("").type == ek::MediaType::json);
  CHECK(ct("application/json").type == ek::MediaType::json);
  CHECK_FALSE(ct("application/json").infer_max_seqlens.has_value());
  CHECK(ct("APPLICATION/JSONLINES").type == ek::MediaType::jsonlines);
  CHECK(ct("application/x-jsonlines").type == ek::MediaType::jsonlines);
  CHECK(ct("application/jsonl").type == ek::MediaType::jsonlines);
  CHECK(ct("text/plain; charset=utf-8").type == ek::MediaType::text);
  using A = std::array<std::int64_t, 2>;
  CHECK(ct("application/json; infer_max_seqlens=10,20").infer_max_seqlens == A{10, 20});
  CHECK(ct("application/json;infer_max_seqlens=1,5000").infer_max_seqlens == A{1, 5000});
  CHECK(ct("application/jsonlines ; infer_max_seqlens = \"3, 4\" ; charset=UTF-8").infer_max_seqlens == A{3, 4});
  CHECK(ct("application/json; Infer_Max_Seqlens=7, 8;").infer_max_seqlens == A{7, 8});
  CHECK(ct("application/json; charset=\"utf-8\"").type == ek::MediaType::json);

  auto value_error_of = [](std::string_view h) -> std::string {
    try {
      (void)ek::parse_content_type(h);
    } catch (const ek::unsupported_media_type& e) {
      return std::string("415: ") + e.what();
    } catch (const ek::value_error& e) {
      return e.what();
    }
    return "no error";
  };
  for (const char* bad : {"application/json; infer_max_seqlens=0,4", "application/json; infer_max_seqlens=4,5001",
                          "application/json; infer_max_seqlens=a,b", "application/json; infer_max_seqlens=5",
                          "application/json; infer_max_seqlens=1,2,3", "application/json; infer_max_seqlens=-1,2",
                          "application/json; infer_max_seqlens=+1,2", "application/json; infer_max_seqlens=99999999999999999999,2",
                          "application/json; infer_max_seqlens=1.5,2"}) {
    CAPTURE(bad);
    const std::string e = value_error_of(bad);
    CHECK(e.starts_with("Content-Type \""));
    CHECK(contains(e, "infer_max_seqlens="));
    CHECK(contains(e, "[1, 5000]"));
  }
  CHECK(contains(value_error_of("application/json; infer_max_seqlens=0,4"), "FWD (in0) 0 is not in [1, 5000]"));
  CHECK(contains(value_error_of("application/json; infer_max_seqlens=4,5001"), "BCK (in1) 5001 is not in [1, 5000]"));
  CHECK(contains(value_error_of("application/json; infer_max_seqlens=a,b"), "FWD (in0) \"a\" is not an integer"));
  CHECK(contains(value_error_of("application/json; infer_max_seqlens=5"), "has one value"));
  CHECK(contains(value_error_of("application/json; infer_max_seqlens=1,2; infer_max_seqlens=1,2"), "more than once"));
  CHECK(contains(value_error_of("application/json; verbose=true"), "unknown parameter verbose=true"));
  CHECK(value_error_of("application/json; charset=latin-1").starts_with("415: "));
  CHECK(contains(value_error_of("application/json; charset=latin-1"), "charset=latin-1 is not supported"));
  CHECK(value_error_of("text/csv").starts_with("415: "));
  CHECK(contains(value_error_of("application/x-recordio-protobuf"), "unsupported media type application/x-recordio-protobuf"));
  // Not a media type at all: a plain value_error (400), not 415.
  for (const char* bad : {"json", "application/", "/json", "application/json, application/jsonlines",
                          "application/json; =3", "application/json; x", "application/json; q=\"open"}) {
    CAPTURE(bad);
    const std::string e = value_error_of(bad);
    CHECK(e.starts_with("Content-Type \""));
  }
}

TEST_CASE("Object2Vec codec: Accept") {
  using ek::MediaType;
  CHECK(ek::parse_accept("") == MediaType::json);
  CHECK(ek::parse_accept("*/*") == MediaType::json);
  CHECK(ek::parse_accept("application/*") == MediaType::json);
  CHECK(ek::parse_accept("application/json") == MediaType::json);
  CHECK(ek::parse_accept("Application/JSONLines") == MediaType::jsonlines);
  CHECK(ek::parse_accept("application/jsonlines;q=0.9, application/json") == MediaType::json);
  CHECK(ek::parse_accept("application/jsonlines, application/json") == MediaType::jsonlines);
  CHECK(ek::parse_accept("application/json, application/jsonlines") == MediaType::json);
  CHECK(ek::parse_accept("application/json;q=0.5, application/x-jsonlines;q=0.6") == MediaType::jsonlines);
  CHECK(ek::parse_accept("text/html, application/jsonlines;q=0.1") == MediaType::jsonlines);
  CHECK(ek::parse_accept("*/*;q=0.1, application/json;q=0") == MediaType::jsonlines);
  CHECK(ek::parse_accept("application/json; verbose=true") == MediaType::json);
  CHECK(ek::parse_accept("text/html, */*; q=0.01") == MediaType::json);
  for (const char* none : {"text/html", "text/plain", "application/json;q=0", "application/xml, image/*",
                           "application/jsonlines;q=0, application/json;q=0.000"}) {
    CAPTURE(none);
    CHECK_THROWS_AS((void)ek::parse_accept(none), ek::not_acceptable);
  }
  CHECK_THROWS_WITH_AS((void)ek::parse_accept("text/csv"),
                       "Accept \"text/csv\": none of the accepted media types is one embedkit writes: "
                       "application/json or application/jsonlines",
                       ek::not_acceptable);
  for (const char* bad : {"application/json;q=2", "application/json;q=0.1234", "application/json;q=x", "json"}) {
    CAPTURE(bad);
    try {
      (void)ek::parse_accept(bad);
      FAIL("no error");
    } catch (const ek::not_acceptable&) {
      FAIL("a malformed header is a bad request, not a 406");
    } catch (const ek::value_error& e) {
      CHECK(std::string(e.what()).starts_with("Accept \""));
    }
  }
}

TEST_CASE("Object2Vec codec: requests round-trip through the writer") {
  std::mt19937_64 gen(11);
  for (int round = 0; round < 200; ++round) {
    ek::Object2VecRequest req;
    const auto n = gen() % 6;
    for (std::uint64_t i = 0; i < n; ++i) {
      ek::Object2VecInstance inst;
      const auto kind = gen() % 3;
      auto ids = [&] {
        Ids v(gen() % 5);
        for (auto& id : v) id = static_cast<std::int64_t>(gen() % 3 == 0 ? gen() >> 1 : gen() % 100);
        return v;
      };
      if (kind != 1) inst.in0 = ids();
      if (kind != 0) inst.in1 = ids();
      req.instances.push_back(inst);
    }
    for (ek::MediaType t : {ek::MediaType::json, ek::MediaType::jsonlines}) {
      std::string text;
      ek::write_object2vec_request(req, t, text);
      CAPTURE(text);
      CHECK(ek::parse_object2vec_request(text, t) == req);
    }
  }
}

TEST_CASE("Object2Vec codec: results equal Object2Vec's own encode and predict") {
  const ek::Object2Vec model = ek::Object2Vec::demo();
  const ek::Object2VecRequest req = ek::parse_object2vec_request(kSeedRequestJson, ek::MediaType::json);
  auto same = [](const ek::Tensor<float>& a, const ek::Tensor<float>& b) {
    REQUIRE(a.shape() == b.shape());
    for (std::int64_t i = 0; i < a.numel(); ++i) CHECK(a[i] == b[i]);
  };

  const ek::Object2VecResponse r = ek::run_object2vec(model, req, std::nullopt);
  CHECK(r.kind == ek::Object2VecResponse::Kind::embeddings);
  same(r.values, model.encode(0, kSeedIds));

  // infer_max_seqlens from the Content-Type cuts in0 to its first 5 ids.
  const auto ct = ek::parse_content_type("application/json; infer_max_seqlens=5,7");
  const auto cut = ek::run_object2vec(model, req, ct.infer_max_seqlens);
  same(cut.values, model.encode(0, kSeedIds, {.max_seq_len = 5}));
  Seqs first5;
  for (const Ids& s : kSeedIds) first5.emplace_back(s.begin(), s.begin() + std::min<std::ptrdiff_t>(5, std::ssize(s)));
  same(cut.values, model.encode(0, first5));
  bool differs = false;
  for (std::int64_t i = 0; i < 16; ++i) differs = differs || cut.values[i] != r.values[i];
  CHECK(differs);  // the first instance has 20 ids: cutting it changes its embedding

  // in1 only: encoder 1, cut by BCK.
  ek::Object2VecRequest in1;
  for (const Ids& s : kSeedIds) in1.instances.push_back({std::nullopt, s});
  same(ek::run_object2vec(model, in1, ct.infer_max_seqlens).values, model.encode(1, kSeedIds, {.max_seq_len = 7}));

  // Both: the pair's scores.
  ek::Object2VecRequest pairs;
  const Seqs b = {kSeedIds[2], kSeedIds[0], kSeedIds[1]};
  for (std::size_t i = 0; i < 3; ++i) pairs.instances.push_back({kSeedIds[i], b[i]});
  const auto scores = ek::run_object2vec(model, pairs, std::nullopt);
  CHECK(scores.kind == ek::Object2VecResponse::Kind::scores);
  same(scores.values, model.predict(kSeedIds, b));
  same(ek::run_object2vec(model, pairs, ct.infer_max_seqlens).values,
       model.predict(kSeedIds, b, {ek::EncodeOptions{5}, ek::EncodeOptions{7}}));
  CHECK(text_of(scores, ek::MediaType::jsonlines).starts_with("{\"scores\":["));

  // No instances: no predictions.
  const auto none = ek::run_object2vec(model, ek::Object2VecRequest{}, std::nullopt);
  CHECK(text_of(none, ek::MediaType::json) == "{\"predictions\":[]}");
}

TEST_CASE("Object2Vec codec: mixed kinds and ids outside the vocabulary") {
  const ek::Object2Vec model = ek::Object2Vec::demo();
  const auto mixed = ek::parse_object2vec_request(
      "{\"in0\": [1]}\n{\"in0\": [2]}\n{\"in1\": [3]}\n{\"in0\": [4], \"in1\": [5]}\n", ek::MediaType::jsonlines);
  CHECK_THROWS_WITH_AS(ek::run_object2vec(model, mixed, std::nullopt),
                       "instance 2 has only \"in1\" (an encoder 1 embedding), but instance 0 has only \"in0\" "
                       "(an encoder 0 embedding); one request asks for one kind of result: send them apart",
                       ek::value_error);
  const auto oov = ek::parse_object2vec_request("{\"instances\": [{\"in0\": [1]}, {\"in0\": [5, 6, 30000]}]}",
                                                ek::MediaType::json);
  CHECK_THROWS_WITH_AS(ek::run_object2vec(model, oov, std::nullopt),
                       "instance 1: \"in0\"[2] is 30000, outside encoder 0's vocabulary [0, 30000)",
                       ek::index_error);
  // Ids beyond infer_max_seqlens are never read, so they are not checked (as Object2Vec::encode).
  const auto cut = ek::run_object2vec(model, oov, std::array<std::int64_t, 2>{2, 2});
  CHECK(cut.values.shape() == ek::Shape{2, 16});
  // Per instance, for programs that batch lines themselves.
  CHECK_THROWS_AS(ek::check_object2vec_instance(model, oov.instances[1], 7), ek::index_error);
  CHECK_NOTHROW(ek::check_object2vec_instance(model, oov.instances[0], 0));
}

TEST_CASE("Object2Vec codec: text lines for sentence models") {
  CHECK(ek::parse_text_line("A man is eating food.\r", ek::MediaType::text) == "A man is eating food.");
  CHECK(ek::parse_text_line("", ek::MediaType::text).empty());
  CHECK(ek::parse_text_line("{\"text\": \"caf\\u00e9 \\\"x\\\"\"}", ek::MediaType::jsonlines) == "caf\xC3\xA9 \"x\"");
  const auto e = format_error_of([] { (void)ek::parse_text_line("ok \xC3 no", ek::MediaType::text, 4, 100); });
  CHECK(e.line() == 4);
  CHECK(e.byte_offset() == 104);
  CHECK(contains(e.what(), "not valid UTF-8"));
  for (const char* bad : {"{\"txt\": \"a\"}", "{\"text\": 1}", "\"a\"", "{\"text\": \"a\", \"x\": 1}"}) {
    CAPTURE(bad);
    CHECK(contains(format_error_of([&] { (void)ek::parse_text_line(bad, ek::MediaType::jsonlines); }).what(),
                   "expected a line {\"text\": \"...\"}"));
  }
  CHECK_THROWS_AS((void)ek::parse_text_line("{\"text\": \"a\"", ek::MediaType::jsonlines), ek::format_error);
  CHECK_THROWS_AS((void)ek::parse_text_line("a", ek::MediaType::json), ek::value_error);
}
