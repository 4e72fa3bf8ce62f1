// The parallel parser behind every text table format: rows of `word v1 ... vD`, one per line.
//
// The body is cut into line-aligned chunks of a few hundred KiB. A first parallel pass counts
// the newlines of each chunk, which gives every chunk its first row (and line number) and the
// total row count; that count is checked against what the caller expects before the table is
// allocated. A second parallel pass parses each chunk straight into its rows. Errors cannot
// leave an OpenMP region, so each chunk records its first error and stops; the error of the
// earliest chunk is raised afterwards, which makes the report the same as a serial parse's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/detail/raw_table.hpp"
#include "embedkit/io/detail/vector_text/scan.hpp"

namespace embedkit::io::detail::vector_text {

struct TableRequest {
  std::string_view file;          // the whole file: error offsets are relative to it
  std::size_t body_begin = 0;     // where the first row starts
  std::int64_t first_line = 1;    // line number of the first row (1-based)
  std::int64_t rows = -1;         // expected row count; -1: every line of the body is a row
  std::int64_t dim = 0;           // numbers per row (> 0)
  bool words_with_spaces = false; // the word is everything before the last `dim` tokens
  const char* format = "text";    // names the format in messages
};


// Raises a format_error at `at`, a position inside the line that starts at `line_start`.
[[noreturn]] inline void fail_at(const TableRequest& req, const char* at, const char* line_start,
                                 std::int64_t line, const std::string& what) {
  const std::int64_t offset = at - req.file.data();
  const std::int64_t column = at - line_start + 1;
  embedkit::detail::raise<format_error>(std::string(req.format) + ": line " +
                                            std::to_string(line) + ", column " +
                                            std::to_string(column) + ": " + what,
                                        offset, line, column);
}

namespace table_detail {

struct RowError {
  const char* at = nullptr;  // null: no error
  std::string message;
};

// (Built by appends: GCC 12 reports a false -Wrestrict on "'" + std::string(...) at -O3.)
inline std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += clip(s);
  out += '\'';
  return out;
}

// Parses one line [p, e) into `word` and out[0..dim). Returns false with `err` set on failure.
inline bool parse_row(const char* p, const char* e, std::int64_t dim, bool words_with_spaces,
                      std::string_view& word, float* out, RowError& err) noexcept {
  // Messages are built only on failure: this runs once per row.
  const auto expect = [dim] { return "expected a word and " + std::to_string(dim) + " numbers"; };
  p = skip_blanks(p, e);
  if (p == e) {
    err = {p, "empty line; " + expect()};
    return false;
  }
  const char* q = nullptr;
  if (!words_with_spaces) {
    q = token_end(p, e);
    word = std::string_view(p, static_cast<std::size_t>(q - p));
  } else {
    // Walk back over `dim` tokens; what stays in front of them is the word.
    const char* s = e;
    for (std::int64_t k = 0; k < dim; ++k) {
      while (s != p && is_blank(s[-1])) --s;
      while (s != p && !is_blank(s[-1])) --s;
    }
    const char* we = s;
    while (we != p && is_blank(we[-1])) --we;
    if (we == p) {
      err = {p, "fewer than " + std::to_string(dim + 1) + " tokens; " + expect()};
      return false;
    }
    word = std::string_view(p, static_cast<std::size_t>(we - p));
    q = s;
  }
  for (std::int64_t i = 0; i < dim; ++i) {
    q = skip_blanks(q, e);
    if (q == e) {
      err = {q, "row " + quoted(word) + " ends after " + std::to_string(i) + " of its " +
                    std::to_string(dim) + " numbers"};
      return false;
    }
    const char* te = parse_simple_float(q, e, out[i]);
    if (te != nullptr && (te == e || is_space(*te))) {
      q = te;
      continue;
    }
    te = token_end(q, e);
    const NumberParse parsed = parse_number(q, te, out[i]);
    if (parsed != NumberParse::ok) {
      const std::string token = quoted(std::string_view(q, static_cast<std::size_t>(te - q)));
      err = {q, parsed == NumberParse::out_of_range
                    ? "row " + quoted(word) + ": number " + token + " (number " +
                          std::to_string(i + 1) + ") is beyond the float32 range (magnitude "
                          "at most 3.4028235e+38; write inf for an infinite value)"
                    : "row " + quoted(word) + ": invalid number " + token +
                          " (number " + std::to_string(i + 1) + "; expected a float32 value)"};
      return false;
    }
    q = te;
  }
  q = skip_blanks(q, e);
  if (q != e) {
    err = {q, "row " + quoted(word) + " has more than " + std::to_string(dim) +
                  " numbers (extra token " +
                  quoted(std::string_view(q, static_cast<std::size_t>(token_end(q, e) - q))) +
                  ")"};
    return false;
  }
  return true;
}

// The error path: parses [begin, end) line by line into a scratch row and raises the first
// row's error, if any. A line of L bytes holds at most (L + 1) / 2 numbers, so the scratch row
// never needs more than that, whatever dim the header claims.
inline void diagnose_rows(const TableRequest& req, const char* begin, const char* end) {
  std::vector<float> scratch;
  std::int64_t line = req.first_line;
  for (const char* p = begin;; ++line) {
    const char* le = line_end(p, end);
    const auto fits = static_cast<std::int64_t>((le - p + 1) / 2 + 1);
    scratch.resize(static_cast<std::size_t>(std::min(req.dim, fits)));
    std::string_view word;
    RowError err;
    // parse_row fails before it has more numbers than the line can hold
    if (!parse_row(p, le, req.dim, req.words_with_spaces, word, scratch.data(), err)) {
      fail_at(req, err.at, p, line, err.message);
    }
    if (le == end) break;
    p = le + 1;
  }
}

}  // namespace table_detail

inline RawTable parse_table(const TableRequest& req, ProgressSink& progress) {
  using table_detail::RowError;
  const char* const file_begin = req.file.data();
  const char* const begin = file_begin + req.body_begin;
  const char* const end = trim_end(begin, file_begin + req.file.size());
  const auto body_size = static_cast<std::size_t>(end - begin);

  // Line-aligned chunks: each but the last ends just after a '\n'.
  std::vector<const char*> cuts{begin};
  const std::size_t target = std::max<std::size_t>(std::size_t{1} << 18, body_size / 256);
  while (cuts.back() != end) {
    const char* c = cuts.back();
    if (static_cast<std::size_t>(end - c) <= target) {
      cuts.push_back(end);
      break;
    }
    const char* nl = line_end(c + target, end);
    cuts.push_back(nl == end ? end : nl + 1);
  }
  const auto chunks = static_cast<std::int64_t>(cuts.size()) - 1;

  // Pass 1: rows per chunk (every line of the trimmed body is a row).
  std::vector<std::int64_t> first_row(static_cast<std::size_t>(chunks) + 1, 0);
  embedkit::detail::parallel_for(chunks, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t c = b; c < e; ++c) {
      const auto i = static_cast<std::size_t>(c);
      first_row[i + 1] = count_newlines(cuts[i], cuts[i + 1]);
    }
  });
  for (std::size_t i = 1; i < first_row.size(); ++i) first_row[i] += first_row[i - 1];
  const std::int64_t rows = body_size == 0 ? 0 : first_row.back() + 1;

  // Each row takes at least 2 * dim + 1 bytes (a word, then a separator and a digit per
  // number) plus a newline between rows; a body shorter than that cannot hold the rows, and
  // the table is not allocated for them.
  const auto dim = static_cast<std::uint64_t>(req.dim);
  const bool too_short = rows > 0 && (dim > body_size || 2 * dim + 1 > (body_size + 1) /
                                                                           static_cast<std::uint64_t>(rows));
  if ((req.rows >= 0 && rows != req.rows) || too_short) {
    // Name the first bad row if there is one (what a full parse would report first), else
    // the count.
    if (begin != end) table_detail::diagnose_rows(req, begin, end);
    if (req.rows >= 0 && rows < req.rows) {
      const char* ls = end;
      while (ls != begin && ls[-1] != '\n') --ls;
      fail_at(req, end, ls, req.first_line + std::max<std::int64_t>(rows - 1, 0),
              "the header declares " + std::to_string(req.rows) +
                  " rows, but the file ends after " + std::to_string(rows));
    }
    if (req.rows >= 0 && rows > req.rows) {
      const char* p = begin;
      for (std::int64_t r = 0; r < req.rows; ++r) p = line_end(p, end) + 1;
      fail_at(req, p, p, req.first_line + req.rows,
              "the header declares " + std::to_string(req.rows) +
                  " rows, but the file has more lines (this would be row " +
                  std::to_string(req.rows + 1) + ")");
    }
    fail_at(req, begin, begin, req.first_line,
            "the rows (" + std::to_string(body_size) + " bytes) are too short to hold " +
                std::to_string(rows) + " rows of " + std::to_string(req.dim) + " numbers");
  }

  RawTable t;
  t.words.resize(static_cast<std::size_t>(rows));
  t.vectors = Tensor<float>::empty({rows, req.dim});
  float* const out = t.vectors.data();
  std::vector<RowError> errors(static_cast<std::size_t>(chunks));
  std::vector<std::int64_t> error_rows(static_cast<std::size_t>(chunks), 0);
  std::vector<const char*> error_lines(static_cast<std::size_t>(chunks), nullptr);

  // Pass 2: parse. The range that starts at chunk 0 runs on the calling thread, which alone
  // talks to the progress callback.
  embedkit::detail::parallel_for(chunks, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t c = b; c < e; ++c) {
      if (progress.cancelled()) return;
      const auto i = static_cast<std::size_t>(c);
      const char* p = cuts[i];
      const char* const ce = cuts[i + 1];
      std::int64_t row = first_row[i];
      while (p != ce) {
        const char* le = line_end(p, ce);
        if (!table_detail::parse_row(p, le, req.dim, req.words_with_spaces,
                                     t.words[static_cast<std::size_t>(row)], out + row * req.dim,
                                     errors[i])) {
          error_rows[i] = row;
          error_lines[i] = p;
          return;  // later chunks' errors come after this one in the file
        }
        ++row;
        p = le == ce ? ce : le + 1;
      }
      progress.add(static_cast<std::uint64_t>(ce - cuts[i]));
      if (b == 0) progress.report();
    }
  });
  progress.rethrow_if_cancelled();
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i].at != nullptr) {
      fail_at(req, errors[i].at, error_lines[i], req.first_line + error_rows[i],
              errors[i].message);
    }
  }
  return t;
}

}  // namespace embedkit::io::detail::vector_text
