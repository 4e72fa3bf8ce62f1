// safetensors reading against files written from PyTorch tensors by a transcription of the
// reference crate's writer (tests/golden/make_safetensors_fixtures.py), embedkit's writer
// against byte strings from the crate's own unit tests, and every rule of the format.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <embedkit/io/safetensors.hpp>

#include <unistd.h>

#include "support/fixture.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::data_path;

namespace {

std::string st_path(const std::string& name) { return data_path("safetensors/" + name + ".safetensors"); }

std::vector<std::byte> to_bytes(const std::string& s) {
  std::vector<std::byte> out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = static_cast<std::byte>(s[i]);
  return out;
}

std::vector<std::byte> from_ints(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

// A file with the given header text (no padding added) and `data` bytes of buffer.
std::vector<std::byte> make_st(const std::string& header, std::size_t data, unsigned char fill = 0) {
  std::string s;
  for (int i = 0; i < 8; ++i) s += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  s += header;
  s.append(data, static_cast<char>(fill));
  return to_bytes(s);
}

std::string open_error(const std::vector<std::byte>& bytes) {
  try {
    (void)ek::io::SafeTensors::from_bytes(bytes);
  } catch (const ek::error& e) {
    return e.what();
  }
  return "";
}

bool same(double a, double b) {
  return std::isnan(a) ? std::isnan(b) : std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

}  // namespace

TEST_CASE("safetensors: tensors written from PyTorch read back to PyTorch's values") {
  const auto fx = embedkit_test::Fixture::load(data_path("safetensors/expected.txt"));
  int checked = 0;
  for (const char* file : {"dtypes", "embedding", "shapes", "other_dtypes", "unaligned"}) {
    const auto st = ek::io::SafeTensors::open(st_path(file));
    for (const std::string& name : st.names()) {
      std::string rec = std::string(file) + "__" + name;
      for (char& c : rec)
        if (c == '.') c = '_';
      if (!fx.has(rec)) continue;  // F8_E4M3: checked below
      CAPTURE(rec);
      const embedkit_test::Array& want = fx.at(rec);
      const ek::Shape shape{std::span<const std::int64_t>(want.shape)};
      CHECK(st.info(name).shape == want.shape);
      if (want.dtype == "f64") {
        const auto t = st.get<double>(name);
        REQUIRE(t.shape() == shape);
        for (std::int64_t i = 0; i < t.numel(); ++i) CHECK(same(t[i], want.values[static_cast<std::size_t>(i)]));
      } else {
        const auto t = st.get<std::int64_t>(name);
        REQUIRE(t.shape() == shape);
        for (std::int64_t i = 0; i < t.numel(); ++i) CHECK(t[i] == want.ints[static_cast<std::size_t>(i)]);
      }
      ++checked;
    }
  }
  CHECK(checked == 22);
}

TEST_CASE("safetensors: names, info, metadata and raw data") {
  const auto st = ek::io::SafeTensors::open(st_path("dtypes"));
  CHECK(st.size() == 10);
  // File order is the reference writer's: widest dtype first, then by name.
  CHECK(st.names() == std::vector<std::string>{"i64", "f64", "f32", "i32", "bf16", "f16", "i16",
                                               "i8", "u8", "bool"});
  CHECK(st.metadata().at("format") == "pt");
  const ek::io::TensorInfo& bf = st.info("bf16");
  CHECK(bf.dtype_name == "BF16");
  CHECK(bf.type == ek::dtype::bf16);
  CHECK(bf.shape == std::vector<std::int64_t>{2, 3});
  CHECK(bf.bytes() == 12);
  CHECK(bf.begin == 144);
  CHECK(st.data("bf16").size() == 12);
  CHECK(st.contains("f32"));
  CHECK(!st.contains("F32"));
  CHECK_THROWS_WITH_AS(st.info("missing"), doctest::Contains("no tensor named \"missing\""),
                       ek::index_error);
  CHECK(st.path() == st_path("dtypes"));

  const auto other = ek::io::SafeTensors::open(st_path("other_dtypes"));
  CHECK(!other.info("u16").type.has_value());
  CHECK(other.info("f8").dtype_name == "F8_E4M3");
  CHECK_THROWS_WITH_AS(other.get<float>("f8"), doctest::Contains("F8_E4M3, which embedkit cannot convert"),
                       ek::value_error);
  CHECK(ek::io::SafeTensors::open(st_path("empty")).size() == 0);
}

TEST_CASE("safetensors: view is zero-copy, for the stored dtype and aligned data only") {
  const auto st = ek::io::SafeTensors::open(st_path("embedding"));
  const auto v = st.view<float>("emb.weight");
  CHECK(v.shape() == ek::Shape{10, 4});
  CHECK(reinterpret_cast<const std::byte*>(v.data()) == st.data("emb.weight").data());
  const auto copy = st.get<float>("emb.weight");
  for (std::int64_t i = 0; i < 40; ++i) CHECK(v[i] == copy[i]);
  CHECK(st.view<ek::bfloat16>("bag.weight").numel() == 18);
  CHECK_THROWS_WITH_AS(st.view<float>("bag.weight"),
                       doctest::Contains("is stored as BF16, not float32"), ek::value_error);
  // Converting reads go through float for half and bfloat16.
  const auto bag = st.get<float>("bag.weight");
  const auto bag_bf = st.view<ek::bfloat16>("bag.weight");
  for (std::int64_t i = 0; i < 18; ++i) CHECK(bag[i] == static_cast<float>(bag_bf[i]));

  const auto un = ek::io::SafeTensors::open(st_path("unaligned"));
  CHECK(un.names() == std::vector<std::string>{"b", "a"});  // offset order, not header order
  CHECK_THROWS_WITH_AS(un.view<float>("a"), doctest::Contains("not aligned to 4 bytes"),
                       ek::value_error);
  CHECK(un.get<float>("a")[1] == -2.0f);

  const auto d = ek::io::SafeTensors::open(st_path("dtypes"));
  const auto b = d.view<bool>("bool");
  CHECK(b[0] == true);
  CHECK(b[1] == false);
  CHECK(d.view<std::uint8_t>("u8")[5] == 255);
}

TEST_CASE("safetensors: converting reads follow the documented rules") {
  const auto st = ek::io::SafeTensors::open(st_path("dtypes"));
  CHECK(st.get<float>("i8")[0] == -128.0f);
  CHECK(st.get<double>("bool")[0] == 1.0);
  CHECK(st.get<std::int16_t>("i8")[5] == 127);
  CHECK(st.get<std::int64_t>("u8")[5] == 255);
  CHECK_THROWS_WITH_AS(st.get<std::int8_t>("i16"), doctest::Contains("element 0 = -32768 does not fit int8"),
                       ek::value_error);
  CHECK_THROWS_AS(st.get<std::int64_t>("f32"), ek::value_error);
  CHECK_THROWS_AS(st.get<bool>("u8"), ek::value_error);
  CHECK_THROWS_AS(st.get<std::uint8_t>("i8"), ek::value_error);
  const auto h = st.get<ek::half>("f32");
  const auto f = st.get<float>("f32");
  for (std::int64_t i = 0; i < 6; ++i) CHECK(h[i].bits() == ek::half(f[i]).bits());
}

TEST_CASE("safetensors: the writer reproduces the reference crate's bytes") {
  // From the crate's unit tests (safetensors/src/tensor.rs: test_serialization,
  // test_serialization_forced_alignement, test_empty).
  const std::vector<float> data{0, 1, 2, 3, 4, 5};
  const ek::TensorView<const float> v(data.data(), {1, 2, 3});
  CHECK(ek::io::serialize_safetensors({{"attn.0", v}}) ==
        from_ints({64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                   116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                   58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                   101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                   0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64}));
  CHECK(ek::io::serialize_safetensors({{"attn0", v.reshape({1, 1, 2, 3})}}) ==
        from_ints({72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
                   121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
                   91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
                   115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
                   32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
                   160, 64}));
  CHECK(ek::io::serialize_safetensors({}) ==
        from_ints({8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}));
  CHECK(ek::io::serialize_safetensors({}, {{"framework", "pt"}}) ==
        from_ints({40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                   95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                   116, 34, 125, 125, 32, 32, 32, 32, 32}));
}

TEST_CASE("safetensors: the writer reproduces the reference layout of every fixture") {
  for (const char* file : {"dtypes", "embedding", "shapes"}) {
    CAPTURE(file);
    const auto st = ek::io::SafeTensors::open(st_path(file));
    std::vector<std::pair<std::string, ek::io::TensorRef>> refs;
    for (const ek::io::TensorInfo& t : st.tensors()) {
      refs.emplace_back(t.name, ek::io::TensorRef(*t.type, ek::Shape(std::span<const std::int64_t>(t.shape)),
                                                  st.data(t.name).data()));
    }
    // Given in reverse file order: the writer sorts them itself.
    std::reverse(refs.begin(), refs.end());
    std::ifstream in(st_path(file), std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(ek::io::serialize_safetensors(refs, st.metadata()) == to_bytes(std::string(raw.begin(), raw.end())));
  }

  // Round trip through a file, from Tensors and views of several types.
  auto w = ek::Tensor<float>::zeros({3, 2});
  w[5] = 7.5f;
  const auto ids = ek::Tensor<std::int64_t>::full({4}, 9);
  const auto h = ek::Tensor<ek::half>::zeros({0, 5});
  const fs::path p = fs::temp_directory_path() / "embedkit_st_roundtrip.safetensors";
  ek::io::save_safetensors(p, {{"w", w}, {"ids", ids.view()}, {"h", h}},
                           {{"k", "v"}});
  const auto back = ek::io::SafeTensors::open(p);
  CHECK(back.view<float>("w")[5] == 7.5f);
  CHECK(back.get<std::int32_t>("ids")[3] == 9);
  CHECK(back.info("h").shape == std::vector<std::int64_t>{0, 5});
  CHECK(back.metadata().at("k") == "v");
  fs::remove(p);

  CHECK_THROWS_AS(ek::io::serialize_safetensors({{"a", w}, {"a", w}}), ek::value_error);
  CHECK_THROWS_AS(ek::io::serialize_safetensors({{"__metadata__", w}}), ek::value_error);
  CHECK_THROWS_AS(ek::io::save_safetensors(fs::temp_directory_path() / "no_such_dir" / "x", {{"w", w}}),
                  ek::io_error);
}

TEST_CASE("safetensors: every rule of the format is enforced with a format_error") {
  const std::string entry = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  CHECK(open_error(make_st(entry, 8)) == "");

  CHECK(open_error(from_ints({1, 0, 0})) ==
        "safetensors: a file of 3 bytes is too short for the 8-byte header length at byte 0");
  CHECK(open_error(from_ints({0, 0xE1, 0xF5, 0x05, 0, 0, 0, 0})) ==
        "safetensors: header length 100000000 runs past the end of the file (8 bytes) at byte 0");
  CHECK(open_error(from_ints({1, 0xE1, 0xF5, 0x05, 0, 0, 0, 0})) ==
        "safetensors: header length 100000001 exceeds the limit of 100000000 bytes at byte 0");
  CHECK(open_error(from_ints({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})).find("exceeds the limit") !=
        std::string::npos);

  auto err = [](const std::string& header, std::size_t data = 8, unsigned char fill = 0) {
    return open_error(make_st(header, data, fill));
  };
  // JSON errors carry line, column and file offset.
  CHECK(err(R"({"w":{"dtype":"F32",,}})") ==
        "safetensors: expected a string key after ',' at line 1, column 21 (byte 28): found ','");
  CHECK(err("[]").find("the header is an array, not a JSON object") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{}})").find("duplicate key \"w\"") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})")
            .find("unexpected key \"extra\"") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2]}})").find("lacks \"data_offsets\"") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})")
            .find("unknown dtype \"F31\"") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":5,"shape":[2],"data_offsets":[0,8]}})").find("\"dtype\" is an integer") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})").find("non-negative integer") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})").find("non-negative integer") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})").find("expected an array") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}})").find("[begin, end]") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})").find("ends before it begins") !=
        std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})")
            .find("span 8 bytes, but 3 elements of F32 need 12") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 9) ==
        "safetensors: the tensors cover 8 bytes of the 9-byte data buffer at byte 70");
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 7)
            .find("past the end of the 7-byte data buffer") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})", 6)
            .find("(a hole)") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", 4)
            .find("(an overlap)") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}})", 1)
            .find("do not fill whole bytes") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", 2) == "");
  CHECK(err(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})")
            .find("overflows") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}})")
            .find("18446744073709551615") != std::string::npos);
  CHECK(err(R"({"__metadata__":{"a":1},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})")
            .find("maps strings to strings, but \"a\" is an integer") != std::string::npos);
  CHECK(err(R"({"__metadata__":[],"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})")
            .find("\"__metadata__\" is an array") != std::string::npos);
  CHECK(err(R"({"w":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}})").find("nesting depth") !=
        std::string::npos);
  CHECK(err("{\"w\xFF\":{}}").find("invalid UTF-8") != std::string::npos);
  // Zero-size tensors may share an offset; any header order is accepted.
  CHECK(err(R"({"b":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}})",
            0) == "");
  // A BOOL byte other than 0 or 1 is malformed data.
  const auto bools = make_st(R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", 2, 3);
  const auto st = ek::io::SafeTensors::from_bytes(bools);
  CHECK_THROWS_WITH_AS(st.view<bool>("b"), doctest::Contains("bool element 0 is the byte 3"), ek::format_error);
  CHECK_THROWS_AS(st.get<float>("b"), ek::format_error);
  // Ranks above ek::Shape's limit are valid files, but cannot become tensors.
  const auto deep = ek::io::SafeTensors::from_bytes(
      make_st(R"({"d":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}})", 1));
  CHECK(deep.info("d").shape.size() == 9);
  CHECK_THROWS_AS(deep.get<float>("d"), ek::shape_error);

  // Errors from files name the path.
  const fs::path p = fs::temp_directory_path() / "embedkit_st_bad.safetensors";
  std::ofstream(p, std::ios::binary) << "xx";
  CHECK_THROWS_WITH_AS(ek::io::SafeTensors::open(p), doctest::Contains("embedkit_st_bad.safetensors"),
                       ek::format_error);
  fs::remove(p);
  CHECK_THROWS_AS(ek::io::SafeTensors::open(p), ek::io_error);
}

// Regression (hostile testing, 02b): a zero extent made the header reader skip its overflow
// check, so [2^62, 2^62, 0] opened and TensorInfo::numel() / get() then multiplied the extents
// in int64 (signed overflow). A shape's non-zero extents must multiply within int64 (ek::Shape's
// invariant), wherever the zero is.
TEST_CASE("safetensors: a shape whose non-zero extents overflow int64 is refused, zero extent or not") {
  auto err = [](const std::string& shape, std::size_t data = 0) {
    return open_error(make_st(R"({"x":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,)" +
                                  std::to_string(data) + "]}}",
                              data));
  };
  for (const char* shape : {"[4611686018427387904,4611686018427387904,0]",
                            "[0,4611686018427387904,4611686018427387904]",
                            "[4611686018427387904,0,4611686018427387904]",
                            "[4294967296,4294967296,0]", "[3037000500,3037000500,0]"}) {
    INFO(shape);
    const std::string e = err(shape);
    CHECK(e.find("tensor \"x\": the element count of shape ") != std::string::npos);
    CHECK(e.find("overflows int64 (the product of its non-zero extents must fit int64)") !=
          std::string::npos);
  }
  // The largest counts that fit are fine (with a zero extent, no data is needed).
  CHECK(err("[9223372036854775807,0]") == "");
  CHECK(err("[0,3037000499,3037000499]") == "");
  CHECK(err("[2,2]", 16) == "");

  // The repro's file, as written by hostile testing.
  const auto bytes = make_st(
      R"({"x": {"dtype": "F32", "shape": [4611686018427387904, 4611686018427387904, 0], "data_offsets": [0, 0]}})",
      0);
  try {
    (void)ek::io::SafeTensors::from_bytes(bytes);
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(e.byte_offset() == 14);  // the entry's value, "{" after "x":
    CHECK(e.line() == 1);
    CHECK(e.column() == 7);
  }
  // A zero-size tensor beside one that is not.
  const auto ok = ek::io::SafeTensors::from_bytes(make_st(
      R"({"e":{"dtype":"F32","shape":[9223372036854775807,0],"data_offsets":[0,0]},"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})",
      2));
  CHECK(ok.info("e").numel() == 0);
  CHECK(ok.get<float>("e").numel() == 0);
  CHECK(ok.get<float>("e").shape() == ek::Shape{INT64_MAX, 0});

  // A TensorInfo filled in by hand cannot overflow either.
  ek::io::TensorInfo t;
  t.name = "h";
  t.shape = {INT64_MAX, 2};
  CHECK_THROWS_WITH_AS((void)t.numel(), doctest::Contains("tensor \"h\""), ek::shape_error);
  t.shape = {INT64_MAX, 2, 0};
  CHECK(t.numel() == 0);

  // The writer's sizes are checked too: a TensorRef's byte count, and the buffer's total
  // (raised before anything is read from the pointers or allocated).
  const unsigned char byte = 0;
  CHECK_THROWS_WITH_AS(ek::io::TensorRef(ek::dtype::f64, ek::Shape{INT64_MAX / 4}, &byte),
                       doctest::Contains("has more bytes than int64 can count"), ek::shape_error);
  const ek::io::TensorRef half_of_all(ek::dtype::u8, ek::Shape{INT64_MAX / 2 + 1}, &byte);
  CHECK_THROWS_WITH_AS(ek::io::serialize_safetensors({{"a", half_of_all}, {"b", half_of_all}}),
                       doctest::Contains("overflows int64"), ek::value_error);
}

TEST_CASE("safetensors: errors about a header member point at that member") {
  const std::string header =
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\n"
      " \"b\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[1,2]}}";
  try {
    (void)ek::io::SafeTensors::from_bytes(make_st(header, 2));
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(std::string(e.what()).find("tensor \"b\" has the unknown dtype \"F31\"") != std::string::npos);
    CHECK(std::string(e.what()).find("at line 2, column 6 (byte ") != std::string::npos);
    CHECK(e.line() == 2);
    CHECK(e.column() == 6);
    CHECK(e.byte_offset() == static_cast<std::int64_t>(8 + header.find("{\"dtype\":\"F31\"")));
  }
  // "__metadata__" errors too.
  const std::string meta = R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"k":1}})";
  try {
    (void)ek::io::SafeTensors::from_bytes(make_st(meta, 1));
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(e.byte_offset() == static_cast<std::int64_t>(8 + meta.find("{\"k\"")));
  }
}

namespace {

fs::path write_temp(const std::string& name, const std::vector<std::byte>& bytes) {
  const fs::path p = fs::temp_directory_path() / name;
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return p;
}

}  // namespace

// Defect M (hostile testing, 90): a file truncated under a live mapping raises SIGBUS when a
// lost page is touched. {.copy = true} reads the file into owned memory instead.
TEST_CASE("safetensors: open with {.copy = true} owns its bytes and survives the file changing") {
  std::vector<float> w(4096);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) * 0.5F;
  const ek::TensorView<const float> wv(w.data(), {64, 64});
  const fs::path p = write_temp("embedkit_st_copy_" + std::to_string(::getpid()) + ".safetensors",
                                ek::io::serialize_safetensors({{"w", wv}}, {{"k", "v"}}));

  auto st = ek::io::SafeTensors::open(p, {.copy = true});
  CHECK(st.copied());
  CHECK_FALSE(ek::io::SafeTensors::open(p).copied());
  const ek::TensorView<const float> v = st.view<float>("w");
  fs::resize_file(p, 16);  // would be SIGBUS for a mapping
  REQUIRE(v.numel() == 4096);
  CHECK(v[4095] == 2047.5F);
  CHECK(st.get<double>("w")[4001] == 2000.5);
  CHECK(st.metadata().at("k") == "v");
  CHECK(st.path() == p.string());

  // The same errors as the mapping open.
  CHECK_THROWS_WITH_AS(ek::io::SafeTensors::open(p, {.copy = true}),
                       doctest::Contains("embedkit_st_copy_"), ek::format_error);
  std::string mapped_error, copied_error;
  try {
    (void)ek::io::SafeTensors::open(p);
  } catch (const ek::format_error& e) {
    mapped_error = e.what();
  }
  try {
    (void)ek::io::SafeTensors::open(p, {.copy = true});
  } catch (const ek::format_error& e) {
    copied_error = e.what();
  }
  CHECK(!mapped_error.empty());
  CHECK(mapped_error == copied_error);
  fs::remove(p);
  CHECK_THROWS_WITH_AS(ek::io::SafeTensors::open(p, {.copy = true}),
                       doctest::Contains("embedkit_st_copy_"), ek::io_error);
}
