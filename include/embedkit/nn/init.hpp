// Initializers for parameter tables. Each is a value describing a distribution; fill() draws
// element i of a tensor from counter i of the seeded Philox stream, so a table depends only on
// (initializer, shape, seed): not on thread count, compiler, platform or backend.
//
// Fan convention (xavier, kaiming): PyTorch's, over the stored shape. For a rank-2 table
// [rows, cols]: fan_in = cols, fan_out = rows; higher ranks multiply by the receptive field
// prod(shape[2:]). Keras computes fan_in = rows for an Embedding table, so Keras' he_uniform
// equals kaiming_uniform(0, Fan::out, Nonlinearity::relu) here.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>

#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/random.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {
namespace init {

enum class Kind { uniform, normal, truncated_normal, xavier_uniform, xavier_normal,
                  kaiming_uniform, kaiming_normal, constant };
enum class Fan { in, out };
enum class Nonlinearity { linear, relu, leaky_relu, tanh, sigmoid };

struct Initializer {
  Kind kind = Kind::normal;
  double a = 0.0;  // uniform: low; normal: mean; truncated: mean; kaiming: negative slope;
                   // constant: the value
  double b = 1.0;  // uniform: high; normal/truncated: std; xavier: gain
  double low = -2.0, high = 2.0;  // truncated_normal bounds (absolute, as torch.nn.init)
  Fan fan = Fan::in;
  Nonlinearity nonlinearity = Nonlinearity::leaky_relu;
};

}  // namespace init

namespace detail {
// Every parameter of an initializer is a finite number: an inf or NaN would fill a table with
// them (or, for truncated_normal, never end).
inline void require_finite(const char* where, const char* name, double v) {
  if (!std::isfinite(v)) {
    raise<value_error>(std::string(where) + ": " + name + " " + std::to_string(v) +
                                         " is not a finite number");
  }
}

// The probability that N(0, 1) lies in [lo, hi] (lo < hi), from erfc on the side away from
// the mean so that tails keep their digits.
inline double normal_mass(double lo, double hi) {
  if (lo >= 0) return 0.5 * (std::erfc(lo / std::sqrt(2.0)) - std::erfc(hi / std::sqrt(2.0)));
  if (hi <= 0) return 0.5 * (std::erfc(-hi / std::sqrt(2.0)) - std::erfc(-lo / std::sqrt(2.0)));
  return 1.0 - 0.5 * (std::erfc(-lo / std::sqrt(2.0)) + std::erfc(hi / std::sqrt(2.0)));
}
}  // namespace detail

namespace init {

// truncated_normal redraws until a value falls in [low, high]: intervals holding less than this
// share of the distribution are refused (expected draws per element: 1 / mass), and no element
// takes more than truncated_normal_max_draws draws (for mass >= 1%, the chance of reaching it
// is below 1e-17 per element); past it fill() raises instead of looping on.
inline constexpr double truncated_normal_min_mass = 0.01;
inline constexpr std::uint32_t truncated_normal_max_draws = 4096;

// U(a, b), values in [a, b). Keras' Embedding default is uniform(-0.05, 0.05).
inline Initializer uniform(double a = 0.0, double b = 1.0) {
  detail::require_finite("init::uniform", "low", a);
  detail::require_finite("init::uniform", "high", b);
  if (!(a <= b)) {
    detail::raise<value_error>("init::uniform: low " + std::to_string(a) +
                               " must not exceed high " + std::to_string(b));
  }
  return {.kind = Kind::uniform, .a = a, .b = b};
}

// N(mean, std^2). PyTorch's nn.Embedding default is normal(0, 1).
inline Initializer normal(double mean = 0.0, double std = 1.0) {
  detail::require_finite("init::normal", "mean", mean);
  detail::require_finite("init::normal", "std", std);
  if (!(std >= 0.0)) {
    detail::raise<value_error>("init::normal: std " + std::to_string(std) + " must be >= 0");
  }
  return {.kind = Kind::normal, .a = mean, .b = std};
}

// N(mean, std^2) redrawn until inside [low, high] (torch.nn.init.trunc_normal_'s contract;
// Keras' TruncatedNormal(mean, s) is truncated_normal(mean, s, mean - 2s, mean + 2s)).
inline Initializer truncated_normal(double mean = 0.0, double std = 1.0, double low = -2.0,
                                    double high = 2.0) {
  detail::require_finite("init::truncated_normal", "mean", mean);
  detail::require_finite("init::truncated_normal", "std", std);
  detail::require_finite("init::truncated_normal", "low", low);
  detail::require_finite("init::truncated_normal", "high", high);
  if (!(std > 0.0) || !(low < high) ||
      !(detail::normal_mass((low - mean) / std, (high - mean) / std) >= truncated_normal_min_mass)) {
    embedkit::detail::raise<value_error>(
        "init::truncated_normal: need std > 0 and low < high with [low, high] holding at least " +
        std::to_string(truncated_normal_min_mass) + " of N(mean, std^2); got mean " +
        std::to_string(mean) + ", std " + std::to_string(std) + ", [" + std::to_string(low) + ", " +
        std::to_string(high) + "] (mass " +
        std::to_string(std > 0.0 && low < high ? detail::normal_mass((low - mean) / std, (high - mean) / std) : 0.0) +
        ")");
  }
  return {.kind = Kind::truncated_normal, .a = mean, .b = std, .low = low, .high = high};
}

// Glorot: U(-g*sqrt(6/(fan_in+fan_out)), +...) and N(0, g^2 * 2/(fan_in+fan_out)).
inline Initializer xavier_uniform(double gain = 1.0) {
  detail::require_finite("init::xavier_uniform", "gain", gain);
  return {.kind = Kind::xavier_uniform, .b = gain};
}
inline Initializer xavier_normal(double gain = 1.0) {
  detail::require_finite("init::xavier_normal", "gain", gain);
  return {.kind = Kind::xavier_normal, .b = gain};
}

// He: bound = gain*sqrt(3/fan), std = gain/sqrt(fan), gain from the nonlinearity as
// torch.nn.init.calculate_gain (leaky_relu with slope a: sqrt(2/(1+a^2))).
inline Initializer kaiming_uniform(double a = 0.0, Fan fan = Fan::in,
                                   Nonlinearity nl = Nonlinearity::leaky_relu) {
  detail::require_finite("init::kaiming_uniform", "a", a);
  return {.kind = Kind::kaiming_uniform, .a = a, .fan = fan, .nonlinearity = nl};
}
inline Initializer kaiming_normal(double a = 0.0, Fan fan = Fan::in,
                                  Nonlinearity nl = Nonlinearity::leaky_relu) {
  detail::require_finite("init::kaiming_normal", "a", a);
  return {.kind = Kind::kaiming_normal, .a = a, .fan = fan, .nonlinearity = nl};
}

inline Initializer constant(double value) {
  detail::require_finite("init::constant", "value", value);
  return {.kind = Kind::constant, .a = value};
}
inline Initializer zeros() { return constant(0.0); }
inline Initializer ones() { return constant(1.0); }

// torch.nn.init.calculate_gain.
inline double gain(Nonlinearity nl, double slope = 0.01) {
  switch (nl) {
    case Nonlinearity::linear: case Nonlinearity::sigmoid: return 1.0;
    case Nonlinearity::tanh: return 5.0 / 3.0;
    case Nonlinearity::relu: return std::sqrt(2.0);
    case Nonlinearity::leaky_relu: return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  return 1.0;
}

struct Fans {
  double in, out;
};

// PyTorch's _calculate_fan_in_and_fan_out.
inline Fans fans(const Shape& s) {
  if (s.rank() < 2) {
    detail::raise<shape_error>("fan in/out need a tensor of rank >= 2, got shape " + s.str());
  }
  double receptive = 1.0;
  for (int k = 2; k < s.rank(); ++k) receptive *= static_cast<double>(s[k]);
  return {static_cast<double>(s[1]) * receptive, static_cast<double>(s[0]) * receptive};
}

}  // namespace init

// The seed used when a layer is built without one: a per-process sequence (like PyTorch's
// global generator) that manual_seed() restarts, so programs stay reproducible.
namespace detail {
inline std::atomic<std::uint64_t>& global_seed_state() {
  static std::atomic<std::uint64_t> state{0x2545F4914F6CDD1Dull};
  return state;
}
}  // namespace detail

inline void manual_seed(std::uint64_t seed) { detail::global_seed_state().store(seed); }

// The next seed of the per-process sequence (a Weyl sequence, mixed).
inline std::uint64_t next_seed() {
  std::uint64_t z = detail::global_seed_state().fetch_add(0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace init {

// Fills a host tensor in place. Every element is an independent draw: element i uses Philox
// counter i of `seed`, whatever the thread split.
template <class T>
  requires FloatStorage<T>
void fill(TensorView<T> t, const Initializer& ini, std::uint64_t seed) {
  using V = std::remove_const_t<T>;
  static_assert(!std::is_const_v<T>, "init::fill needs a writable view");
  double lo = ini.a, hi = ini.b, mean = ini.a, std = ini.b;
  Kind kind = ini.kind;
  // Xavier and Kaiming are uniform or normal draws whose spread comes from the fans.
  double spread = 0.0;  // the standard deviation they ask for
  switch (ini.kind) {
    case Kind::xavier_uniform: case Kind::xavier_normal: {
      const Fans f = fans(t.shape());
      spread = ini.b * std::sqrt(2.0 / (f.in + f.out));
      break;
    }
    case Kind::kaiming_uniform: case Kind::kaiming_normal: {
      const Fans f = fans(t.shape());
      spread = gain(ini.nonlinearity, ini.a) / std::sqrt(ini.fan == Fan::in ? f.in : f.out);
      break;
    }
    default: break;
  }
  if (kind == Kind::xavier_uniform || kind == Kind::kaiming_uniform) {
    lo = -std::sqrt(3.0) * spread;  // U(-a, a) has standard deviation a / sqrt(3)
    hi = std::sqrt(3.0) * spread;
    kind = Kind::uniform;
  } else if (kind == Kind::xavier_normal || kind == Kind::kaiming_normal) {
    mean = 0.0;
    std = spread;
    kind = Kind::normal;
  }
  V* out = t.data();
  const double width = hi - lo;
  std::atomic<std::int64_t> endless{-1};  // an element that ran out of truncated_normal draws
  detail::parallel_for(t.numel(), 1 << 14, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const auto idx = static_cast<std::uint64_t>(i);
      double v = 0.0;
      switch (kind) {
        case Kind::uniform:
          v = std::fma(width, random_uniform(seed, 0, idx), lo);
          break;
        case Kind::normal:
          v = std::fma(std, random_normal(seed, 1, idx, 0), mean);
          break;
        case Kind::truncated_normal: {
          std::uint32_t attempt = 0;
          do {
            v = std::fma(std, random_normal(seed, 2, idx, attempt, &attempt), mean);
          } while ((v < ini.low || v > ini.high) && attempt < truncated_normal_max_draws);
          if (v < ini.low || v > ini.high) {
            endless.store(i);
            v = ini.low;
          }
          break;
        }
        case Kind::constant:
          v = ini.a;
          break;
        default:
          break;
      }
      out[i] = convert<V>(v);
    }
  });
  if (const std::int64_t i = endless.load(); i >= 0) {
    embedkit::detail::raise<value_error>(
        "init::truncated_normal: element " + std::to_string(i) + " found no value in [" +
        std::to_string(ini.low) + ", " + std::to_string(ini.high) + "] in " +
        std::to_string(truncated_normal_max_draws) + " draws");
  }
}

}  // namespace init
}  // namespace embedkit
