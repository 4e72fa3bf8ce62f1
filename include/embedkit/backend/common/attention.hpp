// The attention op: multi-head scaled dot-product self-attention over a fused QKV projection,
// as BERT's self-attention layer computes it in evaluation mode (HF BertSelfAttention: no
// dropout on the probabilities, padding keys masked out).
//
// self_attention(p) -> AttentionFault: for every sample b, head h and query position t < seq,
//   with n = lengths[b] (seq when lengths is null) valid keys:
//     s_k  = scale * dot(Q[b, t, h], K[b, k, h])           for keys k < n
//     p_k  = exp(s_k - max_k s_k) / sum_k exp(s_k - max_k s_k)
//     out[b, t, h] = sum_k p_k * V[b, k, h]                (head_dim values)
//   Keys k >= n are padding: their probability is exactly 0 (what HF's additive mask of
//   finfo.min gives after exp), and their K and V rows are never read. Query rows t >= n are
//   computed the same way (HF computes them too; nobody reads them downstream). A sample with
//   n == 0 has no keys: its output rows are zeros.
//   Q[b, t, h] is the head_dim values at qkv + (b * seq + t) * ld_qkv + h * head_dim, K the
//   same plus heads * head_dim, V plus 2 * heads * head_dim (the [Q | K | V] column blocks of
//   one Linear of 3 * heads * head_dim outputs); out[b, t, h] is at
//   out + (b * seq + t) * ld_out + h * head_dim. Columns of out beyond heads * head_dim are not
//   written.
//   The first length outside [0, seq], in sample order, is returned as a fault before anything
//   is computed (out is then left as it was); a kernel never throws for it. Sizes are checked
//   with check_attention_sizes (a value_error when they are negative or their products
//   overflow int64).
//
// lengths is in the backend's memory, like every index array the kernels read (host memory
// for cpu, device memory for cuda), and so are qkv and out.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <string>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/error.hpp"

namespace embedkit::detail {

template <class T>
struct AttentionProblem {
  std::int64_t batch = 0, seq = 0, heads = 0, head_dim = 0;
  const T* qkv = nullptr;  // [batch * seq] rows of at least 3 * heads * head_dim
  std::int64_t ld_qkv = 0;
  const std::int64_t* lengths = nullptr;  // [batch] valid keys per sample, or null: all seq
  T* out = nullptr;  // [batch * seq] rows of at least heads * head_dim; must not overlap qkv
  std::int64_t ld_out = 0;
  T scale = T(1);  // BERT: 1 / sqrt(head_dim)
};

// The first sample whose length is outside [0, seq], and that length (batch -1: none).
// [[nodiscard]]: a caller that drops the fault would read an output never written.
struct [[nodiscard]] AttentionFault {
  std::int64_t batch = -1;
  std::int64_t length = 0;
  constexpr bool ok() const noexcept { return batch < 0; }
};

// The element counts a kernel walks, checked before any work: value_error when a size is
// negative, a product overflows int64, or (with rows to read) a leading dimension is narrower
// than its rows, which would make rows read one another's columns.
struct AttentionSizes {
  std::int64_t rows = 0;   // batch * seq
  std::int64_t width = 0;  // heads * head_dim: one of Q, K, V, and a row of out
};

template <class T>
AttentionSizes check_attention_sizes(const AttentionProblem<T>& p) {
  constexpr const char* where = "self_attention";
  AttentionSizes s;
  s.rows = checked_mul(p.batch, p.seq, "self_attention: batch * seq");
  s.width = checked_mul(p.heads, p.head_dim, "self_attention: heads * head_dim");
  const std::int64_t qkv_width = checked_mul(3, s.width, "self_attention: 3 * heads * head_dim");
  if (s.rows > 0 && (p.ld_qkv < qkv_width || p.ld_out < s.width)) {
    raise<value_error>(std::string(where) + ": leading dimensions ld_qkv " +
                       std::to_string(p.ld_qkv) + " and ld_out " + std::to_string(p.ld_out) +
                       " must be at least 3 * heads * head_dim = " + std::to_string(qkv_width) +
                       " and heads * head_dim = " + std::to_string(s.width));
  }
  // Every element read or written must be addressable.
  checked_mul(s.rows, std::max(p.ld_qkv, qkv_width), "self_attention: batch * seq * ld_qkv");
  checked_mul(s.rows, std::max(p.ld_out, s.width), "self_attention: batch * seq * ld_out");
  return s;
}

// The error a layer raises for a fault: the sample, its length and the allowed range, worded
// the same whichever backend found it.
[[noreturn]] inline void raise_bad_length(const char* where, const AttentionFault& f,
                                          std::int64_t seq) {
  raise<value_error>(std::string(where) + ": lengths[" + std::to_string(f.batch) + "] = " +
                     std::to_string(f.length) + " is out of range [0, " + std::to_string(seq) +
                     "] (the padded sequence length)");
}

template <class K, class B>
concept AttentionOps = requires(const AttentionProblem<float>& f,
                                const AttentionProblem<double>& d) {
  { K::self_attention(f) } -> std::same_as<AttentionFault>;
  { K::self_attention(d) } -> std::same_as<AttentionFault>;
};

}  // namespace embedkit::detail
