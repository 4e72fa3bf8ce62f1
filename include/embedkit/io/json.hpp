// embedkit's JSON codec (optional: embedkit/embedkit.hpp never includes it).
//
//   ek::json::Value v = ek::json::parse(text);            // strict RFC 8259
//   std::string s = ek::json::dump(v, {.indent = 2});      // Python json.dumps layout
//   ek::json::Cursor c(v);                                 // access with paths in errors
//   ek::json::LineReader lines(path);                      // JSON Lines, one record at a time
//   for (ek::json::Value rec; lines.next(rec);) { ... }
//
// Limits and error format: docs/guide/json.md.
#pragma once

#include "embedkit/io/detail/json/value.hpp"
#include "embedkit/io/detail/json/parser.hpp"
#include "embedkit/io/detail/json/writer.hpp"
#include "embedkit/io/detail/json/cursor.hpp"
#include "embedkit/io/detail/json/line_reader.hpp"
