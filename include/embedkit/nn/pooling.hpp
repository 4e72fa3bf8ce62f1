// Pooling<T, Backend>: sentence-transformers' Pooling module. It turns token vectors
// [batch, length, dim] and a mask of real tokens into one vector per sample, one or several
// poolings side by side (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken, and
// embedkit's sum), and reads the module's 1_Pooling/config.json (PoolingConfig). The layer
// owns the rules (shapes, the prompt, the order of the modes); every reduction runs in
// Backend::pool (backend/common/pool.hpp states the formulas).
//
// Where sentence-transformers versions differ, the layer follows the newest (5.x): cls is the
// first real token (older versions took position 0 whatever the mask), max fills padding with
// -inf (older: -1e9, see PoolingConfig::max_fill), and include_prompt = false leaves out the
// prompt after any left padding.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/checked.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/pooling_mode.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit {

// The name sentence-transformers gives a mode in its `pooling_mode` key ("sum" is embedkit's).
constexpr std::string_view name(PoolingMode m) noexcept {
  switch (m) {
    case PoolingMode::cls:
      return "cls";
    case PoolingMode::max:
      return "max";
    case PoolingMode::mean:
      return "mean";
    case PoolingMode::mean_sqrt_len_tokens:
      return "mean_sqrt_len_tokens";
    case PoolingMode::weightedmean:
      return "weightedmean";
    case PoolingMode::lasttoken:
      return "lasttoken";
    case PoolingMode::sum:
      return "sum";
  }
  return "?";
}

namespace detail {

inline constexpr PoolingMode all_pooling_modes[] = {
    PoolingMode::cls,          PoolingMode::max,
    PoolingMode::mean,         PoolingMode::mean_sqrt_len_tokens,
    PoolingMode::weightedmean, PoolingMode::lasttoken,
    PoolingMode::sum};

// The mode a name stands for, ignoring case as sentence-transformers 2.x-3.x did (it
// lower-cased the name); nullopt for anything else.
inline std::optional<PoolingMode> pooling_mode_from_name(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (PoolingMode m : all_pooling_modes) {
    if (name(m) == lower) return m;
  }
  return std::nullopt;
}

inline std::string pooling_mode_names() {
  std::string s;
  for (PoolingMode m : all_pooling_modes) {
    if (!s.empty()) s += ", ";
    s += name(m);
  }
  return s;
}

// A JSON value as it reads in a message, shortened when long.
inline std::string json_excerpt(const json::Value& v) {
  std::string s = json::dump(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// The modes in enum order (the order of the output's blocks); value_error for an empty list
// or a mode listed twice.
inline std::vector<PoolingMode> canonical_pooling_modes(const char* where,
                                                        std::vector<PoolingMode> modes) {
  if (modes.empty()) {
    raise<value_error>(std::string(where) + ": no pooling mode; give at least one of " +
                       pooling_mode_names());
  }
  std::sort(modes.begin(), modes.end());
  const auto dup = std::adjacent_find(modes.begin(), modes.end());
  if (dup != modes.end()) {
    raise<value_error>(std::string(where) + ": pooling mode '" + std::string(name(*dup)) +
                       "' is listed twice; each mode may appear once");
  }
  return modes;
}

}  // namespace detail

struct PoolingConfig {
  // The poolings to compute. The output holds one block of dim values per mode, in enum order
  // (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken, sum: the order
  // sentence-transformers concatenates its legacy flags in), whatever order they are listed in.
  // Duplicates are refused.
  std::vector<PoolingMode> modes = {PoolingMode::mean};
  // false: the first prompt_length real tokens (the prompt prepended to the text) are left out
  // of the pooling, as INSTRUCTOR models need.
  bool include_prompt = true;
  // word_embedding_dimension / embedding_dimension of the config file; 0: not stated.
  // When set, forward() checks that the token vectors have this size.
  std::int64_t dimension = 0;
  // What max gives for a sample without real tokens: -inf as sentence-transformers 5.x; its
  // older versions filled padding with -1e9, which this reproduces when set to -1e9.
  double max_fill = -std::numeric_limits<double>::infinity();

  // From the object of a 1_Pooling/config.json, in either style:
  //   legacy: pooling_mode_cls_token, pooling_mode_max_tokens, pooling_mode_mean_tokens,
  //     pooling_mode_mean_sqrt_len_tokens, pooling_mode_weightedmean_tokens,
  //     pooling_mode_lasttoken (booleans), word_embedding_dimension, include_prompt;
  //   newer: embedding_dimension, pooling_mode (a mode name or a list of them).
  // pooling_mode, when present, overrides the legacy flags; with neither, or with every flag
  // false, the mode is mean (sentence-transformers 5.x's reading of legacy files). A list
  // keeps its order here (Pooling puts the modes in enum order). Unknown keys and null values
  // are ignored; a value of the wrong kind or out of range is a value_error naming the key.
  static PoolingConfig from_json(const json::Value& config) {
    constexpr const char* where = "Pooling config";
    if (!config.is_object()) {
      detail::raise<value_error>(std::string(where) + ": expected a JSON object, found " +
                                 json::describe(config.kind()));
    }
    const auto get = [&](std::string_view key) -> const json::Value* {
      const json::Value* v = config.find(key);
      return v != nullptr && !v->is_null() ? v : nullptr;
    };
    const auto bad = [&](std::string_view key, const json::Value& v, const std::string& allowed) {
      detail::raise<value_error>(std::string(where) + ": key '" + std::string(key) +
                                 "' has value " + detail::json_excerpt(v) + "; expected " +
                                 allowed);
    };
    const auto flag = [&](std::string_view key) -> std::optional<bool> {
      const json::Value* v = get(key);
      if (v == nullptr) return std::nullopt;
      if (!v->is_bool()) bad(key, *v, "true or false");
      return v->as_bool();
    };
    const auto size = [&](std::string_view key) -> std::int64_t {
      const json::Value* v = get(key);
      if (v == nullptr) return 0;
      if (v->kind() != json::Kind::int64 || v->as_int64() <= 0) bad(key, *v, "a positive integer");
      return v->as_int64();
    };
    const auto mode = [&](std::string_view key, const json::Value& v) {
      const std::optional<PoolingMode> m =
          v.is_string() ? detail::pooling_mode_from_name(v.as_string()) : std::nullopt;
      if (!m) bad(key, v, "one of " + detail::pooling_mode_names());
      return *m;
    };

    PoolingConfig c;
    if (const json::Value* pm = get("pooling_mode")) {
      c.modes.clear();
      if (pm->is_array()) {
        for (const json::Value& e : pm->as_array()) c.modes.push_back(mode("pooling_mode", e));
        if (c.modes.empty()) bad("pooling_mode", *pm, "at least one mode");
        std::vector<PoolingMode> sorted = c.modes;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
          bad("pooling_mode", *pm, "each mode at most once");
        }
      } else if (pm->is_string()) {
        c.modes.push_back(mode("pooling_mode", *pm));
      } else {
        bad("pooling_mode", *pm, "a mode name or a list of them");
      }
    }
    // The legacy flags are read (and checked) even when pooling_mode overrides them.
    static constexpr std::pair<const char*, PoolingMode> legacy[] = {
        {"pooling_mode_cls_token", PoolingMode::cls},
        {"pooling_mode_max_tokens", PoolingMode::max},
        {"pooling_mode_mean_tokens", PoolingMode::mean},
        {"pooling_mode_mean_sqrt_len_tokens", PoolingMode::mean_sqrt_len_tokens},
        {"pooling_mode_weightedmean_tokens", PoolingMode::weightedmean},
        {"pooling_mode_lasttoken", PoolingMode::lasttoken}};
    std::vector<PoolingMode> flagged;
    for (const auto& [key, m] : legacy) {
      if (flag(key).value_or(false)) flagged.push_back(m);
    }
    if (get("pooling_mode") == nullptr)
      c.modes = flagged.empty() ? std::vector{PoolingMode::mean} : flagged;

    c.include_prompt = flag("include_prompt").value_or(true);
    const std::int64_t legacy_dim = size("word_embedding_dimension");
    const std::int64_t dim = size("embedding_dimension");
    if (legacy_dim != 0 && dim != 0 && legacy_dim != dim) {
      detail::raise<value_error>(std::string(where) + ": word_embedding_dimension " +
                                 std::to_string(legacy_dim) + " and embedding_dimension " +
                                 std::to_string(dim) + " disagree");
    }
    c.dimension = dim != 0 ? dim : legacy_dim;
    return c;
  }

  // The same from the text of the file (json::parse's format_error for malformed JSON).
  static PoolingConfig parse(std::string_view json_text) {
    return from_json(json::parse(json_text));
  }
};

template <class T = float, class Backend = cpu>
class Pooling {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "Pooling computes in float or double");

 public:
  using value_type = T;
  using backend_type = Backend;

  // Checks the config (at least one mode, none twice, dimension >= 0) and puts the modes in
  // enum order, the order of the output's blocks.
  explicit Pooling(PoolingConfig config) : config_(std::move(config)) {
    config_.modes = detail::canonical_pooling_modes("Pooling", std::move(config_.modes));
    if (config_.dimension < 0) {
      detail::raise<value_error>(
          "Pooling: dimension " + std::to_string(config_.dimension) +
          " is negative; give the token vectors' size, or 0 to leave it unchecked");
    }
  }
  Pooling(std::initializer_list<PoolingMode> modes)
      : Pooling(PoolingConfig{.modes = std::vector<PoolingMode>(modes)}) {}

  // The config, its modes in output order.
  const PoolingConfig& config() const noexcept { return config_; }
  // dim * the number of modes: the output's row length for token vectors of size dim.
  std::int64_t output_dimension(std::int64_t dim) const {
    return detail::checked_mul<shape_error>(dim, static_cast<std::int64_t>(config_.modes.size()),
                                            "Pooling::output_dimension");
  }

  // x [B, L, D] and mask [B, L] (true = real token), both in Backend memory -> [B, D * modes].
  // With include_prompt = false, the prompt_length tokens after any left padding (positions
  // first real + [0, prompt_length)) leave the mask first, sentence-transformers' rule; with
  // include_prompt = true prompt_length is checked and ignored.
  Tensor<T, Backend> forward(TensorView<const T> x, TensorView<const bool> mask,
                             std::int64_t prompt_length = 0) const {
    constexpr const char* where = "Pooling::forward";
    check_input(where, x.shape(), prompt_length);
    const std::int64_t batch = x.size(0), length = x.size(1);
    if (!(mask.shape() == Shape{batch, length})) {
      detail::raise<shape_error>(std::string(where) + ": mask has shape " + mask.shape().str() +
                                 ", expected " + Shape{batch, length}.str() +
                                 " ([batch, length] of x " + x.shape().str() + ")");
    }
    if (excludes_prompt(prompt_length)) {
      // The mask is edited on the host: it is small beside x, and the rule needs each row's
      // first real token.
      Tensor<bool> host = detail::host_copy<Backend>(mask);
      exclude_prompt(host.data(), batch, length, prompt_length);
      const Tensor<bool, Backend> edited = to<Backend>(std::move(host));
      return pool(x, edited.data());
    }
    return pool(x, mask.data());
  }

  // The same with lengths (on the host): sample b's real tokens are positions [0, lengths[b]).
  Tensor<T, Backend> forward(TensorView<const T> x, std::span<const std::int64_t> lengths,
                             std::int64_t prompt_length = 0) const {
    constexpr const char* where = "Pooling::forward";
    check_input(where, x.shape(), prompt_length);
    const std::int64_t batch = x.size(0), length = x.size(1);
    if (static_cast<std::int64_t>(lengths.size()) != batch) {
      detail::raise<shape_error>(std::string(where) + ": " + std::to_string(lengths.size()) +
                                 " lengths for a batch of " + std::to_string(batch) + " (x " +
                                 x.shape().str() + "); give one length per sample");
    }
    auto host = Tensor<bool>::empty({batch, length});
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t n = lengths[static_cast<std::size_t>(b)];
      if (n < 0 || n > length) {
        detail::raise<value_error>(std::string(where) + ": lengths[" + std::to_string(b) +
                                   "] = " + std::to_string(n) + " is out of range [0, " +
                                   std::to_string(length) + "] (the length of x " +
                                   x.shape().str() + ")");
      }
      bool* row = host.data() + b * length;
      std::fill_n(row, n, true);
      std::fill_n(row + n, length - n, false);
    }
    if (excludes_prompt(prompt_length)) exclude_prompt(host.data(), batch, length, prompt_length);
    const Tensor<bool, Backend> mask = to<Backend>(std::move(host));
    return pool(x, mask.data());
  }

 private:
  void check_input(const char* where, const Shape& s, std::int64_t prompt_length) const {
    if (s.rank() != 3) {
      detail::raise<shape_error>(std::string(where) + ": x has shape " + s.str() +
                                 "; expected rank 3 [batch, length, dim]");
    }
    if (config_.dimension != 0 && s[2] != config_.dimension) {
      detail::raise<shape_error>(std::string(where) + ": x has shape " + s.str() +
                                 ", token vectors of size " + std::to_string(s[2]) +
                                 "; the config states dimension " +
                                 std::to_string(config_.dimension));
    }
    if (prompt_length < 0 || prompt_length > s[1]) {
      detail::raise<value_error>(std::string(where) + ": prompt_length " +
                                 std::to_string(prompt_length) + " is out of range [0, " +
                                 std::to_string(s[1]) + "] (the length of x " + s.str() + ")");
    }
  }

  bool excludes_prompt(std::int64_t prompt_length) const noexcept {
    return !config_.include_prompt && prompt_length > 0;
  }

  // sentence-transformers 5.x (_exclude_prompt_from_mask): in each row, positions before
  // first + prompt_length leave the mask, first being the row's first real token (0 when it
  // has none), so a left-padded row loses its prompt and not only its padding.
  static void exclude_prompt(bool* mask, std::int64_t batch, std::int64_t length,
                             std::int64_t prompt_length) {
    for (std::int64_t b = 0; b < batch; ++b) {
      bool* row = mask + b * length;
      const std::int64_t first = std::find(row, row + length, true) - row;
      const std::int64_t end = std::min(length, (first == length ? 0 : first) + prompt_length);
      std::fill_n(row, end, false);
    }
  }

  // One pool call per mode, each writing its block of the output rows.
  Tensor<T, Backend> pool(TensorView<const T> x, const bool* mask) const {
    const std::int64_t batch = x.size(0), length = x.size(1), dim = x.size(2);
    const auto k = static_cast<std::int64_t>(config_.modes.size());
    const std::int64_t width = output_dimension(dim);
    auto out = Tensor<T, Backend>::empty({batch, width});
    if (out.numel() == 0) return out;
    for (std::int64_t i = 0; i < k; ++i) {
      detail::PoolProblem<T> p;
      p.x = x.data();
      p.batch = batch;
      p.length = length;
      p.dim = dim;
      p.mask = mask;
      p.mode = config_.modes[static_cast<std::size_t>(i)];
      p.max_fill = static_cast<T>(config_.max_fill);
      p.out = out.data() + i * dim;
      p.out_stride = width;
      Backend::pool::pool(p);
    }
    return out;
  }

  PoolingConfig config_;
};

}  // namespace embedkit
