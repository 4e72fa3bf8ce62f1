#!/usr/bin/env python3
"""Checks files embedkit writes against third-party readers: runs WRITER (the
embedkit_io_writer test program, tests/io/write_for_python.cpp) into DIR, then reads the
.npy files with NumPy and the safetensors file with the reference crate's rules
(safetensors_reference.py), comparing every value. Exit 77 (skipped) without NumPy, or 1 when
EMBEDKIT_REQUIRE_THIRD_PARTY=1 (as scripts/test.sh sets it).

    check_written_files.py WRITER DIR
"""
import io
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("NumPy is not installed: skipped")
    sys.exit(1 if os.environ.get("EMBEDKIT_REQUIRE_THIRD_PARTY") == "1" else 77)

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_reference  # noqa: E402


def values(dtype, shape):
    """What write_for_python.cpp writes: a fixed function of the element index."""
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.int64)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        v = i % 3 == 0
    elif dt.kind == "i":
        v = (i * 37) % 200 - 100
    elif dt.kind == "u":
        v = (i * 37) % 256
    else:
        v = ((i - 3).astype(np.float32) / np.float32(4.0))
    return v.astype(dt).reshape(shape)


def main():
    writer, out = sys.argv[1], sys.argv[2]
    subprocess.run([writer, out], check=True)
    failures = 0

    def check(what, ok):
        nonlocal failures
        if not ok:
            failures += 1
            print("FAIL:", what)

    npy = {"f2": ("<f2", (2, 3)), "f4": ("<f4", (2, 3)), "f8": ("<f8", (2, 3)),
           "i1": ("|i1", (2, 3)), "i2": ("<i2", (2, 3)), "i4": ("<i4", (2, 3)),
           "i8": ("<i8", (2, 3)), "u1": ("|u1", (2, 3)), "b1": ("|b1", (2, 3)),
           "scalar": ("<f8", ()), "empty": ("<f4", (0, 4)), "rank4": ("<f4", (2, 1, 3, 2))}
    for name, (descr, shape) in npy.items():
        path = os.path.join(out, name + ".npy")
        a = np.load(path, allow_pickle=False)
        want = values(descr, shape)
        check(f"{name}.npy dtype {a.dtype.str} != {descr}", a.dtype.str == descr)
        check(f"{name}.npy shape {a.shape} != {shape}", a.shape == shape)
        check(f"{name}.npy values", np.array_equal(a, want))
        # And byte for byte what np.save writes for the same array.
        with open(path, "rb") as f:
            ours = f.read()
        buf = io.BytesIO()
        np.save(buf, want)
        check(f"{name}.npy bytes differ from np.save's", ours == buf.getvalue())

    with open(os.path.join(out, "all.safetensors"), "rb") as f:
        raw = f.read()
    tensors, metadata = safetensors_reference.deserialize(raw)
    check("metadata", metadata == {"format": "pt", "writer": "embedkit"})
    st = {"f16": "<f2", "f32": "<f4", "f64": "<f8", "i8": "|i1", "i16": "<i2", "i32": "<i4",
          "i64": "<i8", "u8": "|u1", "bool": "|b1"}
    names = {"<f2": "F16", "<f4": "F32", "<f8": "F64", "|i1": "I8", "<i2": "I16", "<i4": "I32",
             "<i8": "I64", "|u1": "U8", "|b1": "BOOL"}
    for name, descr in st.items():
        dtype, shape, data = tensors[name]
        check(f"{name}: dtype {dtype}", dtype == names[descr])
        check(f"{name}: shape {shape}", shape == [2, 3])
        check(f"{name}: values", np.array_equal(np.frombuffer(data, dtype=descr).reshape(2, 3), values(descr, (2, 3))))
    # bfloat16: the upper 16 bits of the float32 values (exact for these).
    dtype, shape, data = tensors["bf16"]
    bf = (np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16).view(np.float32).reshape(2, 3)
    check("bf16 values", dtype == "BF16" and np.array_equal(bf, values("<f4", (2, 3))))
    # The reference writer lays the same tensors out identically.
    check("safetensors bytes differ from the reference layout",
          safetensors_reference.serialize(tensors, metadata) == raw)

    if failures:
        print(f"{failures} checks failed")
        return 1
    print("NumPy and the reference safetensors rules read every file embedkit wrote")
    return 0


if __name__ == "__main__":
    sys.exit(main())
