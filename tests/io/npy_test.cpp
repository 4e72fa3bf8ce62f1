// .npy reading and writing against files NumPy wrote (tests/golden/make_npy_fixtures.py):
// every dtype, both byte orders, C and Fortran order, versions 1.0 to 3.0; then every way a
// file can be malformed.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <embedkit/io/npy.hpp>

#include <unistd.h>

#include "support/fixture.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::data_path;

namespace {

std::vector<std::byte> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
  return out;
}

std::string npy(const std::string& name) { return data_path("npy/" + name + ".npy"); }

// A version 1.0 file with the given header text and data bytes (no alignment padding: the
// reader does not require it).
std::vector<std::byte> make_npy(const std::string& header, std::size_t data_bytes,
                                unsigned char fill = 0) {
  std::string s("\x93NUMPY\x01\x00", 8);
  s += static_cast<char>(header.size() & 0xFF);
  s += static_cast<char>(header.size() >> 8);
  s += header;
  s.append(data_bytes, static_cast<char>(fill));
  std::vector<std::byte> out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = static_cast<std::byte>(s[i]);
  return out;
}

std::string load_error(const std::vector<std::byte>& bytes) {
  try {
    (void)ek::io::load_npy<double>(bytes);
  } catch (const ek::error& e) {
    return e.what();
  }
  return "";
}

bool same(double a, double b) {
  return std::isnan(a) ? std::isnan(b) : std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

}  // namespace

TEST_CASE("npy: every file NumPy wrote reads back to NumPy's values") {
  const auto names = embedkit_test::read_lines(data_path("npy/expected.txt"));
  const auto fx = embedkit_test::Fixture::load(data_path("npy/expected.txt"));
  int files = 0;
  for (const std::string& line : names) {
    const std::string name = line.substr(0, line.find(' '));
    CAPTURE(name);
    const embedkit_test::Array& want = fx.at(name);
    const ek::Shape shape{std::span<const std::int64_t>(want.shape)};
    if (want.dtype == "f64") {
      const auto t = ek::io::load_npy<double>(npy(name));
      REQUIRE(t.shape() == shape);
      for (std::int64_t i = 0; i < t.numel(); ++i) CHECK(same(t[i], want.values[static_cast<std::size_t>(i)]));
    } else {
      const auto t = ek::io::load_npy<std::int64_t>(npy(name));
      REQUIRE(t.shape() == shape);
      for (std::int64_t i = 0; i < t.numel(); ++i) CHECK(t[i] == want.ints[static_cast<std::size_t>(i)]);
    }
    ++files;
  }
  CHECK(files == 35);
}

TEST_CASE("npy: read_npy_header reports version, descr, order and layout") {
  for (int v = 1; v <= 3; ++v) {
    const ek::io::NpyInfo info = ek::io::read_npy_header(npy("f4_v" + std::to_string(v)));
    CHECK(info.version_major == v);
    CHECK(info.version_minor == 0);
    CHECK(info.descr == "<f4");
    CHECK(info.type == ek::dtype::f32);
    CHECK(info.shape == std::vector<std::int64_t>{3, 4});
    CHECK(info.data_offset % 64 == 0);
    CHECK(info.data_bytes == 48);
  }
  const auto f = ek::io::read_npy_header(npy("i8_fortran_2x3x4"));
  CHECK(f.fortran_order);
  CHECK(f.numel() == 24);
  const auto be = ek::io::read_npy_header(npy("f8_be_2x3"));
  CHECK(be.descr == ">f8");
  CHECK(be.type == ek::dtype::f64);
  CHECK(!ek::io::read_npy_header(npy("u4_le_2x3")).type.has_value());  // no ek::dtype for uint32
  CHECK(ek::io::read_npy_header(npy("b1_na_2x3")).type == ek::dtype::boolean);
  CHECK(ek::io::read_npy_header(npy("f8_scalar")).shape.empty());
}

TEST_CASE("npy: loading converts between element types by the documented rules") {
  // Floating point targets accept everything.
  const auto d = ek::io::load_npy<double>(npy("f8_le_2x3"));
  const auto f = ek::io::load_npy<float>(npy("f8_le_2x3"));
  const auto h = ek::io::load_npy<ek::half>(npy("f4_le_2x3"));
  const auto bf = ek::io::load_npy<ek::bfloat16>(npy("f4_le_2x3"));
  const auto f4 = ek::io::load_npy<float>(npy("f4_le_2x3"));
  for (std::int64_t i = 0; i < 6; ++i) {
    CHECK(f[i] == static_cast<float>(d[i]));
    CHECK(h[i].bits() == ek::half(f4[i]).bits());
    CHECK(bf[i].bits() == ek::bfloat16(f4[i]).bits());
  }
  const auto from_int = ek::io::load_npy<float>(npy("i8_le_2x3"));
  const auto i8 = ek::io::load_npy<std::int64_t>(npy("i8_le_2x3"));
  for (std::int64_t i = 0; i < 6; ++i) CHECK(from_int[i] == static_cast<float>(i8[i]));
  const auto from_bool = ek::io::load_npy<float>(npy("b1_na_2x3"));
  CHECK(from_bool[0] == 1.0f);
  CHECK(from_bool[1] == 0.0f);

  // Integer targets: exact values only.
  const auto small = ek::io::load_npy<std::int32_t>(npy("i1_na_2x3"));
  CHECK(small[0] == -128);
  CHECK(ek::io::load_npy<std::int64_t>(npy("u4_be_2x3"))[5] == 4294967295);
  CHECK_THROWS_WITH_AS(ek::io::load_npy<std::int8_t>(npy("i8_le_2x3")),
                       doctest::Contains("element 0 = -9223372036854775808 does not fit int8"),
                       ek::value_error);
  CHECK_THROWS_WITH_AS(ek::io::load_npy<std::int32_t>(npy("f4_le_2x3")),
                       doctest::Contains("float32 elements, which cannot be read as int32"),
                       ek::value_error);
  CHECK_THROWS_AS(ek::io::load_npy<std::uint8_t>(npy("i1_na_2x3")), ek::value_error);
  CHECK_THROWS_AS(ek::io::load_npy<bool>(npy("u1_na_2x3")), ek::value_error);
  CHECK(ek::io::load_npy<bool>(npy("b1_na_2x3"))[3] == true);
}

TEST_CASE("npy: save_npy writes the bytes np.save writes") {
  auto check = [](const std::string& name, auto tag) {
    using T = decltype(tag);
    CAPTURE(name);
    const auto t = ek::io::load_npy<T>(npy(name));
    CHECK(ek::io::encode_npy(t.cview()) == read_bytes(npy(name)));
  };
  check("f2_le_2x3", ek::half{});
  check("f4_le_2x3", float{});
  check("f8_le_2x3", double{});
  check("i1_na_2x3", std::int8_t{});
  check("i2_le_2x3", std::int16_t{});
  check("i4_le_2x3", std::int32_t{});
  check("i8_le_2x3", std::int64_t{});
  check("u1_na_2x3", std::uint8_t{});
  check("b1_na_2x3", bool{});
  check("f8_scalar", double{});
  check("i4_vector", std::int32_t{});
  check("f4_empty_0x3", float{});
  check("f4_3d_2x3x4", float{});
  check("f4_specials", float{});
  check("f8_specials", double{});
  check("f4_rank8", float{});

  // Through a file, and from a mutable view.
  auto t = ek::Tensor<float>::zeros({2, 2});
  t[3] = 1.5f;
  const fs::path p = fs::temp_directory_path() / "embedkit_npy_save_test.npy";
  ek::io::save_npy(p, t.view());
  const auto back = ek::io::load_npy<float>(p);
  CHECK(back.shape() == ek::Shape{2, 2});
  CHECK(back[3] == 1.5f);
  ek::io::save_npy(p, t);
  CHECK(ek::io::read_npy_header(p).descr == "<f4");
  fs::remove(p);

  CHECK_THROWS_WITH_AS(ek::io::encode_npy(ek::Tensor<ek::bfloat16>::zeros({2}).cview()),
                       doctest::Contains("NumPy has no bfloat16 dtype"), ek::value_error);
  CHECK_THROWS_AS(ek::io::save_npy(fs::temp_directory_path() / "no_such_dir" / "x.npy", t),
                  ek::io_error);
}

TEST_CASE("npy: malformed files give a format_error saying what and where") {
  const std::string good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n";
  CHECK(load_error(make_npy(good, 48)) == "");

  auto bytes = make_npy(good, 48);
  CHECK(load_error({bytes.begin(), bytes.end() - 1}) ==
        "npy: the data is 47 bytes, but shape (2, 3) of '<f8' needs 48 at byte 70");
  CHECK(load_error(make_npy(good, 49)) ==
        "npy: the data is 49 bytes, but shape (2, 3) of '<f8' needs 48 at byte 70");
  CHECK(load_error({bytes.begin(), bytes.begin() + 9}) ==
        "npy: a file of 9 bytes is too short for a .npy preamble at byte 0");
  CHECK(load_error({}) == "npy: a file of 0 bytes is too short for a .npy preamble at byte 0");

  auto bad_magic = bytes;
  bad_magic[1] = std::byte{'X'};
  CHECK(load_error(bad_magic) == "npy: not a .npy file: expected the magic string \\x93NUMPY at byte 0");
  auto v4 = bytes;
  v4[6] = std::byte{4};
  CHECK(load_error(v4) == "npy: unsupported format version 4.0 (embedkit reads 1.0, 2.0 and 3.0) at byte 6");
  auto long_header = bytes;
  long_header[9] = std::byte{0x7F};
  CHECK(load_error(long_header).find("runs past the end of the file") != std::string::npos);

  auto err = [&](const std::string& header, std::size_t data = 48) {
    return load_error(make_npy(header, data));
  };
  CHECK(err("{'descr': '<f8', 'fortran_order': False, }") ==
        "npy: the header dict lacks the key 'shape' in the header at byte 10");
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}") ==
        "npy: unexpected key 'x' (the header has exactly 'descr', 'fortran_order' and 'shape') "
        "in the header at byte 68");
  CHECK(err("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}")
            .find("duplicate key 'descr'") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (6)}")
            .find("a 1-element tuple needs a trailing comma") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (6,)}") == "");
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (-6,)}")
            .find("negative dimension") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (06,)}")
            .find("leading zeros") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': 0, 'shape': (6,)}")
            .find("expected True or False") != std::string::npos);
  CHECK(err("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,)}")
            .find("structured dtypes") != std::string::npos);
  CHECK(err("{'descr': '<c16', 'fortran_order': False, 'shape': (3,)}")
            .find("unsupported dtype '<c16'") != std::string::npos);
  CHECK(err("{'descr': '|f8', 'fortran_order': False, 'shape': (6,)}")
            .find("no byte order") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (6,)} x")
            .find("expected only spaces and a newline") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (6,)")
            .find("expected ',' or '}'") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}")
            .find("does not fit int64") != std::string::npos);
  // A shape whose element count overflows is refused before anything is allocated.
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}")
            .find("more elements than int64 can count") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483648, 2147483648)}")
            .find("needs more bytes than int64 can count") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,)}")
            .find("needs 8000000000000") != std::string::npos);
  // Python 2 files write longs with an L suffix.
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }") == "");
  // Bools must be 0 or 1.
  CHECK(err("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", 3) == "");
  CHECK(load_error(make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", 3, 2))
            .find("bool element 0 is the byte 2") != std::string::npos);
  // Rank above ek::Shape's maximum.
  CHECK_THROWS_AS(ek::io::load_npy<float>(make_npy(
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", 4)),
                  ek::shape_error);

  // Errors from files name the path.
  const fs::path p = fs::temp_directory_path() / "embedkit_npy_bad.npy";
  std::ofstream(p, std::ios::binary) << "not numpy at all";
  CHECK_THROWS_WITH_AS(ek::io::load_npy<float>(p), doctest::Contains("embedkit_npy_bad.npy"),
                       ek::format_error);
  fs::remove(p);
  CHECK_THROWS_AS(ek::io::load_npy<float>(p), ek::io_error);
}

TEST_CASE("npy: NpyFile maps the file and views arrays stored as T in place") {
  const auto f = ek::io::NpyFile::open(npy("f4_le_2x3"));
  CHECK(f.shape() == ek::Shape{2, 3});
  const ek::TensorView<const float> v = f.view<float>();
  const auto copy = ek::io::load_npy<float>(npy("f4_le_2x3"));
  REQUIRE(v.numel() == copy.numel());
  for (std::int64_t i = 0; i < v.numel(); ++i) CHECK(v[i] == copy[i]);
  CHECK(v.data() != copy.data());  // the view points into the mapping
  const auto d = f.get<double>();  // conversion still works
  CHECK(d[5] == static_cast<double>(copy[5]));
  // Not stored as T, in another byte order, or in Fortran order: an error that says to convert.
  CHECK_THROWS_AS(f.view<double>(), ek::value_error);
  CHECK_THROWS_AS(ek::io::NpyFile::open(npy("f4_be_2x3")).view<float>(), ek::value_error);
  CHECK_THROWS_AS(ek::io::NpyFile::open(npy("f4_fortran_3x4")).view<float>(), ek::value_error);
  CHECK(ek::io::NpyFile::open(npy("f4_fortran_3x4")).get<float>().shape() == ek::Shape{3, 4});
  CHECK(ek::io::NpyFile::open(npy("f4_empty_0x3")).view<float>().numel() == 0);
  CHECK_THROWS_AS(ek::io::NpyFile::open(data_path("npy/expected.txt")), ek::format_error);
}

// Regression (audit after hostile testing, 02b): a zero extent before the large ones let a
// shape whose non-zero extents overflow int64 through the header check. Such a shape breaks
// ek::Shape's invariant, so it is refused where it is read, as a format_error.
TEST_CASE("npy: a shape whose non-zero extents overflow int64 is refused, zero extent or not") {
  for (const char* shape : {"(0, 4611686018427387904, 4611686018427387904)",
                            "(4611686018427387904, 0, 4611686018427387904)",
                            "(4611686018427387904, 4611686018427387904, 0)",
                            "(0, 3037000500, 3037000500)"}) {
    INFO(shape);
    const auto bytes =
        make_npy(std::string("{'descr': '<f8', 'fortran_order': False, 'shape': ") + shape + "}", 0);
    CHECK_THROWS_WITH_AS((void)ek::io::read_npy_header(bytes),
                         doctest::Contains("has more elements than int64 can count"),
                         ek::format_error);
    CHECK_THROWS_AS((void)ek::io::load_npy<float>(bytes), ek::format_error);
  }
  // The largest that fit read, as empty arrays, in either order.
  for (const char* shape : {"(0, 3037000499, 3037000499)", "(9223372036854775807, 0)"}) {
    INFO(shape);
    const auto bytes =
        make_npy(std::string("{'descr': '<f8', 'fortran_order': True, 'shape': ") + shape + "}", 0);
    CHECK(ek::io::read_npy_header(bytes).numel() == 0);
    CHECK(ek::io::load_npy<double>(bytes).numel() == 0);
  }
  // An NpyInfo filled in by hand cannot overflow either.
  ek::io::NpyInfo info;
  info.shape = {INT64_MAX, 2};
  CHECK_THROWS_AS((void)info.numel(), ek::shape_error);
  info.shape = {INT64_MAX, 2, 0};
  CHECK(info.numel() == 0);
}

// Defect M (hostile testing, 90): a file truncated under a live NpyFile mapping raises SIGBUS
// when a lost page is touched. NpyFile::open(path, {.copy = true}) reads the file into owned
// memory instead, with the same checks and errors.
TEST_CASE("npy: NpyFile::open with {.copy = true} owns its bytes and survives the file changing") {
  auto t = ek::Tensor<float>::zeros({4096, 16});
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(i);
  const fs::path p =
      fs::temp_directory_path() / ("embedkit_npy_copy_" + std::to_string(::getpid()) + ".npy");
  ek::io::save_npy(p, t.view());

  const auto f = ek::io::NpyFile::open(p, {.copy = true});
  CHECK(f.copied());
  CHECK_FALSE(ek::io::NpyFile::open(p).copied());
  const ek::TensorView<const float> v = f.view<float>();  // zero-copy into the owned bytes
  fs::resize_file(p, 128);                                // would be SIGBUS for a mapping
  REQUIRE(v.numel() == 4096 * 16);
  CHECK(v[4000 * 16 + 3] == 64003.0F);
  CHECK(f.get<double>()[65535] == 65535.0);
  CHECK(f.info().shape == std::vector<std::int64_t>{4096, 16});

  // The same errors as the mapping open: the truncated file, then a missing one.
  std::string mapped_error, copied_error;
  try {
    (void)ek::io::NpyFile::open(p);
  } catch (const ek::format_error& e) {
    mapped_error = e.what();
  }
  try {
    (void)ek::io::NpyFile::open(p, {.copy = true});
  } catch (const ek::format_error& e) {
    copied_error = e.what();
  }
  CHECK(mapped_error.find("embedkit_npy_copy_") != std::string::npos);
  CHECK(mapped_error == copied_error);
  fs::remove(p);
  CHECK_THROWS_WITH_AS(ek::io::NpyFile::open(p, {.copy = true}),
                       doctest::Contains("embedkit_npy_copy_"), ek::io_error);
}
