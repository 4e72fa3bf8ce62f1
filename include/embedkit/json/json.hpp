// embedkit's JSON codec, every public header of embedkit/json/ (optional: embedkit/embedkit.hpp
// never includes it; embedkit/io/io.hpp does).
//
//   ek::json::Value v = ek::json::parse(text);            // strict RFC 8259
//   std::string s = ek::json::dump(v, {.indent = 2});      // Python json.dumps layout
//   ek::json::Cursor c(v);                                 // access with paths in errors
//   ek::json::LineReader lines(path);                      // JSON Lines, one record at a time
//   for (ek::json::Value rec; lines.next(rec);) { ... }
//
// value.hpp (the document model), parser.hpp (parse, parse_members, ParseOptions), writer.hpp
// (dump, DumpOptions), cursor.hpp (Cursor), line_reader.hpp (LineReader); the internals they
// share (UTF-8, numbers, error positions) are in json/detail/. Limits and error format:
// docs/guide/json.md.
#pragma once

#include "embedkit/json/value.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/writer.hpp"
#include "embedkit/json/cursor.hpp"
#include "embedkit/json/line_reader.hpp"
