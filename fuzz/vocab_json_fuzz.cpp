// Fuzzes the JSON vocabulary form (ek::Vocabulary::from_json / to_json). Any input either
// parses or raises ek::format_error with a position inside the input; what parses round-trips:
// to_json() parses back to the same (token, id) pairs, and writing that again gives the same
// text. The same text is also read as a one-token-per-line vocabulary, whose to_lines() must
// read back to the same tokens.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <embedkit/io/vocabulary.hpp>

namespace ek = embedkit;

namespace {

using Pairs = std::vector<std::pair<std::string, std::int64_t>>;

Pairs pairs_of(const ek::Vocabulary& v) {
  Pairs out;
  v.for_each([&](const std::string& t, std::int64_t id) { out.emplace_back(t, id); });
  return out;
}

void check_error(const ek::format_error& e, std::size_t size) {
  if (e.byte_offset() < 0 || e.byte_offset() > static_cast<std::int64_t>(size)) __builtin_trap();
  if (e.line() < 1 || e.column() < 1) __builtin_trap();
}

void check_json(std::string_view text) {
  ek::Vocabulary v;
  try {
    v = ek::Vocabulary::from_json(text);
  } catch (const ek::format_error& e) {
    check_error(e, text.size());
    return;
  }
  const Pairs p = pairs_of(v);
  if (static_cast<std::int64_t>(p.size()) != v.size()) __builtin_trap();
  for (const auto& [token, id] : p) {
    if (id < 0 || id > ek::Vocabulary::max_id || v.id(token) != id || v.token(id) != token) {
      __builtin_trap();
    }
  }
  const std::string once = v.to_json();
  const ek::Vocabulary back = ek::Vocabulary::from_json(once);  // must not throw
  if (pairs_of(back) != p || back.dense() != v.dense() || back.id_bound() != v.id_bound()) {
    __builtin_trap();
  }
  if (back.to_json() != once) __builtin_trap();
}

void check_lines(std::string_view text) {
  ek::Vocabulary v;
  try {
    v = ek::Vocabulary::from_lines(text);
  } catch (const ek::format_error& e) {
    check_error(e, text.size());
    return;
  }
  if (!v.dense()) __builtin_trap();
  const ek::Vocabulary back = ek::Vocabulary::from_lines(v.to_lines());
  if (pairs_of(back) != pairs_of(v)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_json(text);
  check_lines(text);
  return 0;
}
