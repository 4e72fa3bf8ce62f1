// The Object2Vec inference codec: SageMaker's request and response formats for Object2Vec
// endpoints and batch transforms, on embedkit's JSON core, so that the requests users already
// send to SageMaker work unchanged against embedkit-infer and embedkit-serve.
//
//   ContentType ct = ek::parse_content_type("application/json; infer_max_seqlens=10,20");
//   MediaType out = ek::parse_accept("application/jsonlines;q=0.9, application/json");
//   Object2VecRequest req = ek::parse_object2vec_request(body, ct.type);
//   Object2VecResponse r = ek::run_object2vec(model, req, ct.infer_max_seqlens);
//   std::string text;
//   ek::write_object2vec_response(r, out, text);
//
// Requests: {"instances": [{"in0": [ids]}, ...]} (application/json) or one instance per line
// (application/jsonlines). Responses: {"predictions": [{"embeddings": [...]}, ...]} or
// {"predictions": [{"scores": [...]}, ...]}, or one prediction per line. JSON Lines stream: a
// program reads and answers one line at a time with parse_object2vec_line and
// write_object2vec_prediction, in memory bounded by the longest line.
//
// Optional: embedkit.hpp does not include this header. docs/guide/serving.md describes the
// formats, the headers and every error.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/encoders/object2vec.hpp"
#include "embedkit/encoders/object2vec/detail/inference_float.hpp"
#include "embedkit/encoders/object2vec/detail/inference_header.hpp"
#include "embedkit/encoders/object2vec/detail/inference_locate.hpp"
#include "embedkit/encoders/object2vec/detail/inference_request.hpp"
#include "embedkit/json/detail/position.hpp"
#include "embedkit/json/detail/utf8.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit {

// ---------------------------------------------------------------------------------------------
// Media types: Content-Type and Accept
// ---------------------------------------------------------------------------------------------

// A Content-Type naming a media type embedkit does not read, or a charset other than UTF-8
// (HTTP 415 Unsupported Media Type).
class unsupported_media_type : public value_error {
 public:
  using value_error::value_error;
};

// An Accept header that none of the media types embedkit writes satisfies (HTTP 406 Not
// Acceptable).
class not_acceptable : public value_error {
 public:
  using value_error::value_error;
};

// The bodies embedkit reads and writes. `text` (text/plain, one text per line) is an input for
// sentence models only: Object2Vec requests are JSON, and responses are always JSON.
enum class MediaType { json, jsonlines, text };

// "application/json", "application/jsonlines", "text/plain".
constexpr const char* media_type_name(MediaType t) noexcept {
  switch (t) {
    case MediaType::json: return "application/json";
    case MediaType::jsonlines: return "application/jsonlines";
    case MediaType::text: return "text/plain";
  }
  return "?";
}

// A parsed Content-Type header.
struct ContentType {
  MediaType type = MediaType::json;
  // infer_max_seqlens=<FWD>,<BCK>: the longest sequences encoder 0 (in0) and encoder 1 (in1)
  // read, each in [1, 5000]; longer ones are cut to their first ids.
  std::optional<std::array<std::int64_t, 2>> infer_max_seqlens;
};

namespace detail {

inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type a (lowercased) type/subtype names, if embedkit knows it. JSON Lines has no
// registered media type: SageMaker uses application/jsonlines, other tools
// application/x-jsonlines or application/jsonl, and all three are read.
inline std::optional<MediaType> known_media_type(const MediaRange& r) {
  if (r.type == "application") {
    if (r.subtype == "json") return MediaType::json;
    if (r.subtype == "jsonlines" || r.subtype == "x-jsonlines" || r.subtype == "jsonl")
      return MediaType::jsonlines;
  }
  if (r.type == "text" && r.subtype == "plain") return MediaType::text;
  return std::nullopt;
}

inline std::array<std::int64_t, 2> parse_infer_max_seqlens(std::string_view header,
                                                           std::string_view value) {
  auto fail = [&](const std::string& why) {
    raise<value_error>("Content-Type \"" + std::string(header) + "\": infer_max_seqlens=" +
                       std::string(value) + " " + why +
                       "; expected infer_max_seqlens=<FWD>,<BCK>, two integers in [1, 5000] "
                       "(the longest in0 and in1 sequences)");
  };
  std::array<std::int64_t, 2> out{};
  const std::size_t comma = value.find(',');
  if (comma == std::string_view::npos) fail("has one value");
  const std::string_view parts[2] = {trim_ows(value.substr(0, comma)),
                                     trim_ows(value.substr(comma + 1))};
  if (parts[1].find(',') != std::string_view::npos) fail("has more than two values");
  for (int i = 0; i < 2; ++i) {
    const std::string_view p = parts[i];
    const char* which = i == 0 ? "FWD (in0)" : "BCK (in1)";
    std::int64_t v = 0;
    const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
    const bool digits = !p.empty() && p.front() >= '0' && p.front() <= '9';
    if (!digits || r.ptr != p.data() + p.size() || r.ec == std::errc::invalid_argument) {
      fail(std::string("is not valid: ") + which + " \"" + std::string(p) +
           "\" is not an integer");
    }
    if (r.ec == std::errc::result_out_of_range || v < 1 || v > 5000) {
      fail(std::string("is out of range: ") + which + " " + std::string(p) +
           " is not in [1, 5000]");
    }
    out[static_cast<std::size_t>(i)] = v;
  }
  return out;
}

}  // namespace detail

// Parses a Content-Type header: application/json, application/jsonlines (also
// application/x-jsonlines and application/jsonl) or text/plain, case-insensitive, with the
// parameters infer_max_seqlens=<FWD>,<BCK> and charset=utf-8 (its only allowed value; also
// "utf8" and "us-ascii", a subset). Whitespace around ';' and '=' and quoted values are
// accepted. An empty header means application/json.
// Errors: ek::unsupported_media_type for another media type or charset; ek::value_error naming
// the parameter and its value for a bad infer_max_seqlens, an unknown or repeated parameter,
// or a header that is not a media type.
inline ContentType parse_content_type(std::string_view header) {
  ContentType out;
  if (detail::trim_ows(header).empty()) return out;
  const detail::MediaRange r =
      detail::MediaRangeReader(header, "Content-Type", /*commas_in_values=*/true).read_one();
  const auto type = detail::known_media_type(r);
  if (!type) {
    detail::raise<unsupported_media_type>(
        "Content-Type \"" + std::string(header) + "\": unsupported media type " + r.type + "/" +
        r.subtype +
        "; embedkit reads application/json, application/jsonlines (or application/x-jsonlines, "
        "application/jsonl) and, for sentence models, text/plain");
  }
  out.type = *type;
  bool seen_charset = false;
  for (const auto& parameter : r.parameters) {
    const std::string& name = parameter.first;
    const std::string& value = parameter.second;
    auto repeated = [&header, &name](bool seen) {
      if (seen) {
        detail::raise<value_error>("Content-Type \"" + std::string(header) + "\": parameter " +
                                   name + " is given more than once");
      }
    };
    if (name == "infer_max_seqlens") {
      repeated(out.infer_max_seqlens.has_value());
      out.infer_max_seqlens = detail::parse_infer_max_seqlens(header, value);
    } else if (name == "charset") {
      repeated(seen_charset);
      seen_charset = true;
      const std::string cs = detail::ascii_lower(value);
      if (cs != "utf-8" && cs != "utf8" && cs != "us-ascii") {
        detail::raise<unsupported_media_type>(
            "Content-Type \"" + std::string(header) + "\": charset=" + value +
            " is not supported; request bodies are UTF-8 (charset=utf-8)");
      }
    } else {
      detail::raise<value_error>("Content-Type \"" + std::string(header) +
                                 "\": unknown parameter " + name + "=" + value +
                                 "; allowed: infer_max_seqlens=<FWD>,<BCK>, charset=utf-8");
    }
  }
  return out;
}

namespace detail {

// The q value of a media range, in thousandths (RFC 9110: "0" to "1", at most three decimals).
inline int accept_quality(std::string_view header, const MediaRange& r) {
  int q = 1000;
  for (const auto& [name, value] : r.parameters) {
    if (name != "q") continue;
    const std::string_view v = value;
    bool ok = !v.empty() && (v[0] == '0' || v[0] == '1') && v.size() <= 5;
    int milli = ok ? (v[0] - '0') * 1000 : 0;
    if (ok && v.size() > 1) {
      ok = v[1] == '.';
      int scale = 100;
      for (std::size_t i = 2; ok && i < v.size(); ++i, scale /= 10) {
        ok = v[i] >= '0' && v[i] <= '9';
        milli += (v[i] - '0') * scale;
      }
    }
    if (!ok || milli > 1000) {
      raise<value_error>("Accept \"" + std::string(header) + "\": q=" + value + " in " +
                         r.type + "/" + r.subtype +
                         " is not a quality value; expected a number in [0, 1] with at most "
                         "three decimals");
    }
    q = milli;
  }
  return q;
}

}  // namespace detail

// The response media type an Accept header asks for: application/json when the header is
// empty or accepts anything (*/*, application/*), otherwise the supported type with the
// highest q among application/json and application/jsonlines (also application/x-jsonlines,
// application/jsonl); a more specific range decides over a wildcard, and between equal q values
// the one listed first wins. Parameters other than q are ignored.
// Errors: ek::not_acceptable when neither type is accepted (every range is unsupported or has
// q=0); ek::value_error for a header that is not a media range list or a bad q value.
inline MediaType parse_accept(std::string_view header) {
  if (detail::trim_ows(header).empty()) return MediaType::json;
  const auto ranges = detail::MediaRangeReader(header, "Accept").read_list();
  struct Choice {
    int specificity = -1;  // 2: the type itself, 1: application/*, 0: */*
    int q = 0;
    std::size_t position = 0;
  };
  std::array<Choice, 2> choice{};  // json, jsonlines
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    const detail::MediaRange& r = ranges[k];
    const int q = detail::accept_quality(header, r);
    for (int t = 0; t < 2; ++t) {
      const MediaType type = t == 0 ? MediaType::json : MediaType::jsonlines;
      int spec = -1;
      if (r.type == "*" && r.subtype == "*") spec = 0;
      else if (r.type == "application" && r.subtype == "*") spec = 1;
      else if (detail::known_media_type(r) == type) spec = 2;
      Choice& c = choice[static_cast<std::size_t>(t)];
      if (spec > c.specificity) c = Choice{spec, q, k};
    }
  }
  const Choice& j = choice[0];
  const Choice& l = choice[1];
  const bool json_ok = j.specificity >= 0 && j.q > 0;
  const bool lines_ok = l.specificity >= 0 && l.q > 0;
  if (!json_ok && !lines_ok) {
    detail::raise<not_acceptable>(
        "Accept \"" + std::string(header) +
        "\": none of the accepted media types is one embedkit writes: application/json or "
        "application/jsonlines");
  }
  if (!lines_ok) return MediaType::json;
  if (!json_ok) return MediaType::jsonlines;
  if (l.q != j.q) return l.q > j.q ? MediaType::jsonlines : MediaType::json;
  return l.position < j.position ? MediaType::jsonlines : MediaType::json;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

struct Object2VecRequest {
  std::vector<Object2VecInstance> instances;
  friend bool operator==(const Object2VecRequest&, const Object2VecRequest&) = default;
};

// True for a line JSON Lines skips: empty, or only spaces, tabs and a '\r'.
constexpr bool is_blank_line(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// One line of an application/jsonlines request: an instance object. `instance` is its number
// in the request (for messages), `line_number` (1-based) and `byte_offset` where the line
// starts in the whole body, so that errors give positions in the body. The line excludes its
// "\n" (a trailing '\r' is whitespace). Errors: ek::format_error, as parse_object2vec_request.
inline Object2VecInstance parse_object2vec_line(std::string_view line, std::size_t instance = 0,
                                                std::int64_t line_number = 1,
                                                std::int64_t byte_offset = 0) {
  const json::detail::text_origin origin{byte_offset, line_number, 1, {}};
  const json::Value v =
      json::detail::JsonParser(line, detail::request_parse_options(), origin).parse_document();
  const detail::InstanceSite site{line, detail::JsonLocator(line).value_at(0), origin};
  return detail::read_instance(v, instance, site);
}

// A whole request body. application/json: {"instances": [instance, ...]}; application/jsonlines:
// one instance per non-blank line. An instance is {"in0": [ids]}, {"in1": [ids]} or both; ids are
// integers in [0, 2^63); an empty list is allowed (the encoders define its encoding).
// Errors: ek::format_error with line(), column() and byte_offset() of the problem and a message
// naming it (syntax errors as the JSON core words them; then e.g. "instance 3: \"in0\"[5] is -1:
// token ids are integers >= 0 at line 5, column 23 (byte 140)"): a missing or unknown key, a
// value of the wrong kind, a repeated key. ek::unsupported_media_type for MediaType::text.
inline Object2VecRequest parse_object2vec_request(std::string_view body, MediaType type) {
  Object2VecRequest out;
  if (type == MediaType::text) {
    detail::raise<unsupported_media_type>(
        "Object2Vec requests are application/json or application/jsonlines, not text/plain");
  }
  if (type == MediaType::jsonlines) {
    std::size_t start = 0;
    std::int64_t line_no = 0;
    while (start < body.size()) {
      std::size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      ++line_no;
      const std::string_view line = body.substr(start, end - start);
      if (!is_blank_line(line)) {
        out.instances.push_back(parse_object2vec_line(line, out.instances.size(), line_no,
                                                      static_cast<std::int64_t>(start)));
      }
      start = end + 1;
    }
    return out;
  }
  const json::detail::text_origin origin{};
  const detail::InstanceSite top{body, 0, origin};
  const detail::JsonLocator loc(body);
  std::optional<json::Value> instances;
  std::size_t instances_at = 0;
  json::Kind kind;
  try {
    kind = json::detail::JsonParser(body, detail::request_parse_options(), origin)
               .parse_members([&](std::string&& key, json::Value&& value, json::MemberSite site) {
                 if (key != "instances") {
                   const bool instance_key = key == "in0" || key == "in1";
                   detail::raise_at(
                       top, site.key,
                       "request: unknown key " + json::dump(json::Value(key)) +
                           "; an application/json request is {\"instances\": [...]}" +
                           (instance_key ? " (one instance per line is application/jsonlines)"
                                         : ""));
                 }
                 instances = std::move(value);
                 instances_at = site.value;
               });
  } catch (const format_error& e) {
    // Several JSON texts one after the other: most likely JSON Lines sent as application/json.
    const std::string_view what = e.what();
    if (what.starts_with("expected end of input after the JSON value") && e.line() > 1) {
      detail::raise<format_error>(
          std::string(what) + " (one instance per line is application/jsonlines)",
          e.byte_offset(), e.line(), e.column());
    }
    throw;
  }
  if (kind != json::Kind::object) {
    detail::raise_at(top, loc.value_at(0),
                     std::string("request: expected an object {\"instances\": [...]}, found ") +
                         json::describe(kind));
  }
  if (!instances) {
    detail::raise_at(top, loc.value_at(0),
                     "request: no \"instances\" member; an application/json request is "
                     "{\"instances\": [{\"in0\": [...]}, ...]}");
  }
  if (!instances->is_array()) {
    detail::raise_at(top, instances_at,
                     std::string("request: \"instances\" is ") +
                         json::describe(instances->kind()) + "; expected a list of instances");
  }
  const json::Array& list = instances->as_array();
  out.instances.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const detail::InstanceSite site{body, loc.element(instances_at, i), origin};
    out.instances.push_back(detail::read_instance(list[i], i, site));
  }
  return out;
}

// The JSON text of one instance: {"in0":[...],"in1":[...]} (absent inputs left out).
inline void write_object2vec_instance(const Object2VecInstance& instance, std::string& out) {
  out += '{';
  bool first = true;
  for (int i = 0; i < 2; ++i) {
    const auto& ids = i == 0 ? instance.in0 : instance.in1;
    if (!ids) continue;
    if (!first) out += ',';
    first = false;
    out += i == 0 ? "\"in0\":[" : "\"in1\":[";
    for (std::size_t k = 0; k < ids->size(); ++k) {
      if (k) out += ',';
      out += std::to_string((*ids)[k]);
    }
    out += ']';
  }
  out += '}';
}

// A request as a client sends it (what parse_object2vec_request reads back): compact
// {"instances":[...]} for application/json, one instance per line, each ending in '\n', for
// application/jsonlines. Appends to `out`.
inline void write_object2vec_request(const Object2VecRequest& request, MediaType type,
                                     std::string& out) {
  if (type == MediaType::text) {
    detail::raise<value_error>("write_object2vec_request: requests are JSON, not text/plain");
  }
  if (type == MediaType::jsonlines) {
    for (const auto& inst : request.instances) {
      write_object2vec_instance(inst, out);
      out += '\n';
    }
    return;
  }
  out += "{\"instances\":[";
  for (std::size_t i = 0; i < request.instances.size(); ++i) {
    if (i) out += ',';
    write_object2vec_instance(request.instances[i], out);
  }
  out += "]}";
}

// ---------------------------------------------------------------------------------------------
// Running a request
// ---------------------------------------------------------------------------------------------

// What a request asks for, decided by its instances' keys.
enum class Object2VecTask { encode_in0, encode_in1, predict };

constexpr Object2VecTask object2vec_task(const Object2VecInstance& instance) noexcept {
  if (instance.in0 && instance.in1) return Object2VecTask::predict;
  return instance.in0 ? Object2VecTask::encode_in0 : Object2VecTask::encode_in1;
}

struct Object2VecResponse {
  enum class Kind { embeddings, scores };
  Kind kind = Kind::embeddings;
  // [N, k]: one row per instance; k = enc_dim for embeddings, num_classes (or 1) for scores.
  Tensor<float> values;
};

// Checks the ids of one instance against the model's vocabularies, as the encoders will read
// them (cut to infer_max_seqlens or the encoder's max_seq_len): ek::index_error naming the
// instance, the input, the position and the vocabulary ("instance 3: \"in0\"[5] is 30000,
// outside encoder 0's vocabulary [0, 30000)"). run_object2vec calls it for every instance;
// a program batching lines calls it per line, so one bad line fails alone.
template <class Backend>
void check_object2vec_instance(const BasicObject2Vec<Backend>& model,
                               const Object2VecInstance& instance, std::size_t index,
                               const std::optional<std::array<std::int64_t, 2>>& max_seqlens =
                                   std::nullopt) {
  for (int i = 0; i < 2; ++i) {
    const auto& ids = i == 0 ? instance.in0 : instance.in1;
    if (!ids) continue;
    const auto& enc = model.hyperparameters().enc[static_cast<std::size_t>(i)];
    std::int64_t limit = enc.max_seq_len;
    if (max_seqlens) limit = std::min(limit, (*max_seqlens)[static_cast<std::size_t>(i)]);
    const auto n = std::min<std::int64_t>(limit, static_cast<std::int64_t>(ids->size()));
    for (std::int64_t k = 0; k < n; ++k) {
      const std::int64_t id = (*ids)[static_cast<std::size_t>(k)];
      if (id < 0 || id >= enc.vocab_size) {
        detail::raise<index_error>("instance " + std::to_string(index) + ": \"in" +
                                   std::to_string(i) + "\"[" + std::to_string(k) + "] is " +
                                   std::to_string(id) + ", outside encoder " + std::to_string(i) +
                                   "'s vocabulary [0, " + std::to_string(enc.vocab_size) + ")");
      }
    }
  }
}

// Checks a whole request before any of it runs, and returns what it asks for: every instance of
// the same kind as instance 0 (else ek::value_error naming the first that differs: one request
// asks for one kind of result), every id inside its encoder's vocabulary (else ek::index_error,
// check_object2vec_instance). An empty request asks for encoder 0's embeddings.
template <class Backend>
Object2VecTask check_object2vec_request(const BasicObject2Vec<Backend>& model,
                                        const Object2VecRequest& request,
                                        const std::optional<std::array<std::int64_t, 2>>&
                                            max_seqlens = std::nullopt) {
  const auto& inst = request.instances;
  if (inst.empty()) return Object2VecTask::encode_in0;
  const Object2VecTask task = object2vec_task(inst[0]);
  auto describe = [](Object2VecTask t) -> const char* {
    switch (t) {
      case Object2VecTask::encode_in0: return "only \"in0\" (an encoder 0 embedding)";
      case Object2VecTask::encode_in1: return "only \"in1\" (an encoder 1 embedding)";
      case Object2VecTask::predict: return "\"in0\" and \"in1\" (a pair to score)";
    }
    return "?";
  };
  for (std::size_t i = 0; i < inst.size(); ++i) {
    if (object2vec_task(inst[i]) != task) {
      detail::raise<value_error>("instance " + std::to_string(i) + " has " +
                                 describe(object2vec_task(inst[i])) + ", but instance 0 has " +
                                 describe(task) +
                                 "; one request asks for one kind of result: send them apart");
    }
    check_object2vec_instance(model, inst[i], i, max_seqlens);
  }
  return task;
}

// Runs a request on a model: instances with in0 only give encoder 0's embeddings, in1 only
// encoder 1's, both the pair's scores (predict). `max_seqlens` is the Content-Type's
// infer_max_seqlens. The whole request is checked first (check_object2vec_request: mixed kinds
// are an ek::value_error, ids outside a vocabulary an ek::index_error), then runs as one batch.
// An empty request gives [0, enc_dim] embeddings.
template <class Backend>
Object2VecResponse run_object2vec(const BasicObject2Vec<Backend>& model,
                                  const Object2VecRequest& request,
                                  const std::optional<std::array<std::int64_t, 2>>& max_seqlens =
                                      std::nullopt) {
  Object2VecResponse out;
  const auto& inst = request.instances;
  const Object2VecTask task = check_object2vec_request(model, request, max_seqlens);
  if (inst.empty()) {
    out.values = Tensor<float>::empty(Shape{0, model.encoding_dim()});
    return out;
  }
  std::array<EncodeOptions, 2> options{};
  if (max_seqlens) {
    options[0].max_seq_len = (*max_seqlens)[0];
    options[1].max_seq_len = (*max_seqlens)[1];
  }
  std::vector<std::vector<std::int64_t>> a, b;
  a.reserve(inst.size());
  for (const auto& x : inst) a.push_back(task == Object2VecTask::encode_in1 ? *x.in1 : *x.in0);
  if (task == Object2VecTask::predict) {
    b.reserve(inst.size());
    for (const auto& x : inst) b.push_back(*x.in1);
    out.kind = Object2VecResponse::Kind::scores;
    out.values = model.predict(a, b, options);
    return out;
  }
  const int encoder = task == Object2VecTask::encode_in0 ? 0 : 1;
  out.values = model.encode(encoder, a, options[static_cast<std::size_t>(encoder)]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

// A list of floats, [v0,v1,...], each the shortest text that reads back as the same float.
inline void write_json_floats(std::span<const float> values, std::string& out) {
  out += '[';
  for (std::size_t j = 0; j < values.size(); ++j) {
    if (j) out += ',';
    detail::append_json_float(out, values[j]);
  }
  out += ']';
}

// One prediction: {"embeddings":[...]} or {"scores":[...]} (no line end). ek::value_error for
// a NaN or infinite value, which JSON cannot carry.
inline void write_object2vec_prediction(Object2VecResponse::Kind kind,
                                        std::span<const float> values, std::string& out) {
  out += kind == Object2VecResponse::Kind::embeddings ? "{\"embeddings\":" : "{\"scores\":";
  write_json_floats(values, out);
  out += '}';
}

// The response body, compact: {"predictions":[{"embeddings":[...]},...]} for application/json
// (no line end), one prediction per line, each ending in '\n', for application/jsonlines.
// Appends to `out`.
inline void write_object2vec_response(const Object2VecResponse& r, MediaType type,
                                      std::string& out) {
  if (type == MediaType::text) {
    detail::raise<value_error>("write_object2vec_response: responses are JSON, not text/plain");
  }
  const std::int64_t n = r.values.rank() == 2 ? r.values.shape()[0] : 0;
  const std::int64_t k = r.values.rank() == 2 ? r.values.shape()[1] : 0;
  auto row = [&](std::int64_t b) {
    return std::span<const float>(r.values.data() + b * k, static_cast<std::size_t>(k));
  };
  if (type == MediaType::jsonlines) {
    for (std::int64_t b = 0; b < n; ++b) {
      write_object2vec_prediction(r.kind, row(b), out);
      out += '\n';
    }
    return;
  }
  out += "{\"predictions\":[";
  for (std::int64_t b = 0; b < n; ++b) {
    if (b) out += ',';
    write_object2vec_prediction(r.kind, row(b), out);
  }
  out += "]}";
}

// ---------------------------------------------------------------------------------------------
// Text inputs (sentence models)
// ---------------------------------------------------------------------------------------------

// One text of a sentence-model input: for text/plain the line itself (without a trailing '\r'),
// for application/jsonlines the "text" member of a {"text": "..."} line. `line_number` and
// `byte_offset` place the line in the whole input, for errors. Errors: ek::format_error for
// text that is not UTF-8 or a line of another shape; ek::value_error for application/json,
// which is not one text per line.
inline std::string parse_text_line(std::string_view line, MediaType type,
                                   std::int64_t line_number = 1, std::int64_t byte_offset = 0) {
  const json::detail::text_origin origin{byte_offset, line_number, 1, {}};
  if (type == MediaType::json) {
    detail::raise<value_error>(
        "one text per line is text/plain or application/jsonlines ({\"text\": \"...\"}), not "
        "application/json");
  }
  if (type == MediaType::text) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const char* p = line.data();
    const char* end = p + line.size();
    while (p < end) {
      const auto d = json::detail::decode_utf8(p, end);
      if (d.status != json::detail::utf8_status::ok) {
        json::detail::raise_format_error_at(
            line, static_cast<std::size_t>(p - line.data() + d.length), origin,
            std::string("text is not valid UTF-8: ") + json::detail::utf8_message(d.status),
            false);
      }
      p += d.length;
    }
    return std::string(line);
  }
  json::Value v =
      json::detail::JsonParser(line, detail::request_parse_options(), origin).parse_document();
  const detail::InstanceSite site{line, detail::JsonLocator(line).value_at(0), origin};
  const json::Value* text = v.is_object() ? v.find("text") : nullptr;
  if (text == nullptr || !text->is_string() || v.as_object().size() != 1) {
    std::string found = json::describe(v.kind());
    if (text != nullptr && !text->is_string()) {
      found = "\"text\" as " + std::string(json::describe(text->kind()));
    } else if (v.is_object()) {
      found = text == nullptr ? "an object without \"text\"" : "an object with other members";
    }
    detail::raise_at(site, site.at, "expected a line {\"text\": \"...\"}, found " + found);
  }
  return text->as_string();
}

}  // namespace embedkit
