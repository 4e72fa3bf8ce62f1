// Fuzzes the Object2Vec request reader (encoders/object2vec/inference.hpp) and the header
// parsers. Any input, read as an application/json and as an application/jsonlines body, either
// raises an ek::error or gives a request that round-trips: parse(write(r)) == r in both media
// types, and writing it again gives the same text. Each line alone through
// parse_object2vec_line agrees with the whole-body reader. The same bytes as a Content-Type or
// an Accept header give a result or an ek::value_error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <embedkit/encoders/object2vec/inference.hpp>

namespace ek = embedkit;

namespace {

void check_round_trip(const ek::Object2VecRequest& r) {
  for (ek::MediaType t : {ek::MediaType::json, ek::MediaType::jsonlines}) {
    std::string text;
    ek::write_object2vec_request(r, t, text);
    const ek::Object2VecRequest back = ek::parse_object2vec_request(text, t);
    if (!(back == r)) __builtin_trap();
    std::string again;
    ek::write_object2vec_request(back, t, again);
    if (again != text) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (ek::MediaType t : {ek::MediaType::json, ek::MediaType::jsonlines}) {
    ek::Object2VecRequest r;
    try {
      r = ek::parse_object2vec_request(text, t);
    } catch (const ek::format_error& e) {
      // Positions point into the body.
      if (e.byte_offset() < 0 || e.byte_offset() > static_cast<std::int64_t>(size)) __builtin_trap();
      if (e.line() < 1 || e.column() < 1) __builtin_trap();
      continue;
    }
    check_round_trip(r);
    if (t == ek::MediaType::jsonlines) {
      // Line by line, as a streaming reader calls it.
      std::size_t start = 0, n = 0;
      std::int64_t line_no = 0;
      while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        ++line_no;
        const std::string_view line = text.substr(start, end - start);
        if (!ek::is_blank_line(line)) {
          if (n >= r.instances.size()) __builtin_trap();
          if (!(ek::parse_object2vec_line(line, n, line_no, static_cast<std::int64_t>(start)) ==
                r.instances[n]))
            __builtin_trap();
          ++n;
        }
        start = end + 1;
      }
      if (n != r.instances.size()) __builtin_trap();
    }
  }
  try {
    (void)ek::parse_content_type(text);
  } catch (const ek::value_error&) {
  }
  try {
    (void)ek::parse_accept(text);
  } catch (const ek::value_error&) {
  }
  return 0;
}
