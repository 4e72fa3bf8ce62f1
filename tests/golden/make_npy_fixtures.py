#!/usr/bin/env python3
"""Writes .npy files with NumPy (np.lib.format.write_array) under tests/data/npy/, and
tests/data/npy/expected.txt with every array's values in C order, in the record format of
tests/support/fixture.hpp (floats as f64, integers and bools as i64).

Covers every dtype embedkit reads, both byte orders, C and Fortran order, format versions
1.0, 2.0 and 3.0, and ranks 0 to 3 including empty arrays.

    /usr/bin/python3 tests/golden/make_npy_fixtures.py           # python3-numpy; rewrite in place
    /usr/bin/python3 tests/golden/make_npy_fixtures.py --check   # compare, write nothing
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402


def values_for(dtype, shape):
    n = int(np.prod(shape))
    kind = np.dtype(dtype).kind
    if kind == "b":
        return (np.arange(n) % 3 == 0).reshape(shape)
    if kind == "f":
        v = (np.arange(n, dtype=np.float64) - n / 2) * 0.7 + 0.125
        return v.astype(dtype).reshape(shape)
    info = np.iinfo(dtype)
    v = np.linspace(info.min, info.max, n) if n > 1 else np.array([info.max])
    v = np.array([int(x) for x in v], dtype=object)
    v = np.clip(v, info.min, info.max)
    return np.array(list(v), dtype=dtype).reshape(shape)


def write(name, array, version=(1, 0), fortran=False):
    if fortran:
        array = np.asfortranarray(array)
    with open(fixtures.out_path("npy", name + ".npy"), "wb") as f:
        np.lib.format.write_array(f, array, version=version)
    return name, np.array(array, order="C", copy=True)


def generate():
    written = []
    # Every dtype, little- and big-endian, 2 x 3, version 1.0, C order.
    for code in ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]:
        base = np.dtype(code)
        orders = ["<", ">"] if base.itemsize > 1 else ["|"]
        for bo in orders:
            dt = base.newbyteorder(bo) if bo != "|" else base
            tag = {"<": "le", ">": "be", "|": "na"}[bo]
            arr = values_for(dt, (2, 3))
            if code == "u8":  # keep within int64 for expected.txt
                arr = np.array([[0, 1, 2**62], [3, 2**63 - 1, 7]], dtype=dt)
            written.append(write(f"{code}_{tag}_2x3", arr))
    # Format versions.
    for ver in [(1, 0), (2, 0), (3, 0)]:
        written.append(write(f"f4_v{ver[0]}", values_for("<f4", (3, 4)), version=ver))
    # Fortran order, ranks 2 and 3, two dtypes, and big-endian Fortran.
    written.append(write("f4_fortran_3x4", values_for("<f4", (3, 4)), fortran=True))
    written.append(write("i8_fortran_2x3x4", values_for("<i8", (2, 3, 4)), fortran=True))
    written.append(write("f8_be_fortran_4x2", values_for(">f8", (4, 2)), fortran=True))
    # Ranks and empty arrays.
    written.append(write("f8_scalar", np.array(3.25, dtype="<f8")))
    written.append(write("i4_vector", np.arange(-2, 5, dtype="<i4")))
    written.append(write("f4_empty_0x3", np.zeros((0, 3), dtype="<f4")))
    written.append(write("f4_3d_2x3x4", values_for("<f4", (2, 3, 4))))
    # Special floating-point values.
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 6e-8, 65504.0, 3.4028234663852886e38]
    written.append(write("f4_specials", np.array(specials, dtype="<f4")))
    with np.errstate(over="ignore"):  # 3.4e38 becomes inf in float16, on purpose
        written.append(write("f2_specials", np.array(specials, dtype="<f2")))
    written.append(write("f8_specials", np.array(specials + [5e-324, 1.7976931348623157e308], dtype="<f8")))
    # The highest rank ek::Shape holds.
    written.append(write("f4_rank8", np.ones((1, 2, 1, 2, 1, 2, 1, 2), dtype="<f4")))

    w = fixtures.FixtureWriter("npy", "expected.txt")
    w.comment("Values of the arrays in tests/data/npy/*.npy in C order")
    w.comment("(tests/golden/make_npy_fixtures.py, NumPy %s)" % np.__version__)
    for name, arr in written:
        line = fixtures.exact_record(name, arr)
        if arr.size == 0:
            line += " "  # the committed file has "<name> f64 2 0 3 : " here (kept byte for byte)
        w.line(line)
    w.save()
    print(f"npy/: {len(written)} .npy files and expected.txt")


if __name__ == "__main__":
    sys.exit(fixtures.main(generate, __doc__))
