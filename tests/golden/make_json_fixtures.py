#!/usr/bin/env python3
"""Writes tests/data/json/python_canonical.jsonl: JSON documents and how Python's json module
re-serialises them, for tests/io/json_python_test.cpp.

Each line is one record {"name", "doc", "compact", "ascii", "indent2"}: `doc` is the input
text, the others are json.dumps(json.loads(doc)) with
  compact: separators=(",", ":"), ensure_ascii=False
  ascii:   separators=(",", ":"), ensure_ascii=True
  indent2: indent=2, ensure_ascii=False
The records themselves are written with ensure_ascii=True, so the file is plain ASCII.

Only documents inside the range where embedkit and Python agree are generated: no integers
beyond uint64/int64 (Python keeps them exact, embedkit reads them as double), no NaN or
Infinity (Python accepts them, RFC 8259 does not), no lone surrogates.

    /usr/bin/python3 tests/golden/make_json_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_json_fixtures.py --check   # compare, write nothing
"""
import json
import math
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402

HAND_WRITTEN = [
    ("rfc8259_object", """{
      "Image": {
          "Width":  800,
          "Height": 600,
          "Title":  "View from 15th Floor",
          "Thumbnail": {
              "Url":    "http://www.example.com/image/481989943",
              "Height": 125,
              "Width":  100
          },
          "Animated" : false,
          "IDs": [116, 943, 234, 38793]
        }
    }"""),
    ("rfc8259_array", """[
        {
           "precision": "zip",
           "Latitude":  37.7668,
           "Longitude": -122.3959,
           "Address":   "",
           "City":      "SAN FRANCISCO",
           "State":     "CA",
           "Zip":       "94107",
           "Country":   "US"
        },
        {
           "precision": "zip",
           "Latitude":  37.371991,
           "Longitude": -122.026020,
           "Address":   "",
           "City":      "SUNNYVALE",
           "State":     "CA",
           "Zip":       "94085",
           "Country":   "US"
        }
    ]"""),
    ("rfc8259_scalars", '["Hello world!", 42, true]'),
    ("scalar_string", '"Hello world!"'),
    ("scalar_int", "42"),
    ("scalar_true", "true"),
    ("scalar_null", " null "),
    ("whitespace", ' \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n"a" \t\r\n: \t\r\n2 \t\r\n} \t\r\n] \t\r\n'),
    ("empty_containers", '[[],{},[[]],{"":{}},""]'),
    ("escapes", r'["\"\\\/\b\f\n\r\t", "\u0000\u001f\u007f\u0080", "\u00e9\u20ac\uffff"]'),
    ("surrogate_pair", r'["\ud83d\ude00", "\uD834\uDD1E", "\udbff\udfff"]'),
    ("raw_utf8", '["é€😀", "\u007f", "日本語", "\U0010ffff"]'),
    ("duplicate_keys", '{"a": 1, "b": 2, "a": 3}'),
    ("integers", "[0, -0, 1, -1, 9007199254740993, 9223372036854775807, -9223372036854775808,"
                 " 9223372036854775808, 18446744073709551615]"),
    ("floats", "[0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e15, 1E+2, 1e-5, 0.0001, 123456789.123456789,"
               " 1.7976931348623157e308, 5e-324, 2.2250738585072011e-308, 1e-400, -1e-400,"
               " 0.30000000000000004, 1.5e300, 12345678901234567890.0, 100e-2, 4.35]"),
    ("exponent_forms", "[1e0, 1E0, 1e+0, 1e-0, 10e1, 0e5, -0e-5, 0.5e1, 1.25E-3]"),
    ("nested", '{"a": [1, {"b": [true, false, null, {"c": "d"}]}], "e": {"f": {"g": {}}}}'),
    ("deep", "[" * 100 + "]" * 100),
    ("key_order", '{"z": 1, "y": 2, "x": {"b": 1, "a": 2}, "": 0, "é": 1}'),
]


def random_string(rng):
    pools = [
        lambda: chr(rng.randrange(0x20, 0x7F)),
        lambda: chr(rng.randrange(0x00, 0x20)),
        lambda: chr(rng.randrange(0x80, 0x800)),
        lambda: chr(rng.choice([rng.randrange(0x800, 0xD800), rng.randrange(0xE000, 0x10000)])),
        lambda: chr(rng.randrange(0x10000, 0x110000)),
        lambda: rng.choice(['"', "\\", "/", "\x7f"]),
    ]
    return "".join(rng.choice(pools)() for _ in range(rng.randrange(0, 12)))


def random_double(rng):
    while True:
        d = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(d):
            return d


def random_value(rng, depth):
    kind = rng.randrange(9 if depth < 5 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randrange(-(2**63), 2**63)
    if kind == 3:
        return rng.randrange(0, 2**64)
    if kind == 4:
        return random_double(rng)
    if kind == 5:
        return rng.choice([0.5, 1e-7, 1e22, 1e21, 123.0, -2.5e-300, 1e16, 9999999999999998.0])
    if kind == 6:
        return random_string(rng)
    if kind == 7:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {random_string(rng): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def generate():
    rng = random.Random(20240611)
    docs = list(HAND_WRITTEN)
    for i in range(200):
        value = random_value(rng, 0)
        # Vary the input's form: escaped or raw UTF-8, compact or indented.
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5,
                          indent=rng.choice([None, 0, 1, 4]))
        docs.append((f"random_{i:03d}", text))
    # Random doubles, many to a document: the repr() layout of every magnitude.
    for i in range(20):
        values = [random_double(rng) for _ in range(100)]
        docs.append((f"doubles_{i:02d}", json.dumps(values)))

    with open(fixtures.out_path("json", "python_canonical.jsonl"), "w", encoding="ascii",
              newline="\n") as f:
        f.write("")
        for name, doc in docs:
            value = json.loads(doc)
            record = {
                "name": name,
                "doc": doc,
                "compact": json.dumps(value, separators=(",", ":"), ensure_ascii=False),
                "ascii": json.dumps(value, separators=(",", ":"), ensure_ascii=True),
                "indent2": json.dumps(value, indent=2, ensure_ascii=False),
            }
            f.write(json.dumps(record, ensure_ascii=True) + "\n")
    print(f"json/python_canonical.jsonl: {len(docs)} records")


if __name__ == "__main__":
    sys.exit(fixtures.main(generate, __doc__))
