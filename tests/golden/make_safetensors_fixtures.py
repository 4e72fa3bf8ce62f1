#!/usr/bin/env python3
"""Writes safetensors files under tests/data/safetensors/ from PyTorch tensors, and
tests/data/safetensors/expected.txt with their values (record format of
tests/support/fixture.hpp; record names are <file>__<tensor>, '.' written as '_').

Debian has no package of the `safetensors` library, so the files are written by
safetensors_reference.serialize, a transcription of the reference crate's serialize()
(safetensors/src/tensor.rs): tensors sorted by descending dtype (in the crate's enum order)
then by name, "__metadata__" first, compact JSON padded with spaces to 8 bytes, u64 LE
length prefix. tests/io/safetensors_test.cpp also checks embedkit's writer against byte
strings copied from the crate's own unit tests.

    /usr/bin/python3 tests/golden/make_safetensors_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_safetensors_fixtures.py --check   # compare, write nothing

(python3-torch, python3-numpy.)
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
from safetensors_reference import serialize as reference_serialize  # noqa: E402

TORCH_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def torch_entry(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        data = t.view(torch.int16).numpy().astype("<i2").tobytes()
    else:
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
    return TORCH_DTYPES[t.dtype], list(t.shape), data


def write(name, data):
    with open(fixtures.out_path("safetensors", name + ".safetensors"), "wb") as f:
        f.write(data)


def record(file, tensor, t):
    """The expected.txt record of tensor `tensor` of file `file`."""
    return fixtures.exact_record(f"{file}__{tensor}".replace(".", "_"), t)


def generate():
    records = []
    torch.manual_seed(20240611)

    # 1. One tensor of every dtype embedkit converts, with metadata.
    base = torch.randn(2, 3, dtype=torch.float64) * 100
    dtypes = {
        "f64": base, "f32": base.float(), "f16": base.half(), "bf16": base.bfloat16(),
        "i64": torch.tensor([[-(2**63), -1, 0], [1, 2**40, 2**63 - 1]], dtype=torch.int64),
        "i32": torch.tensor([[-(2**31), -7, 0], [7, 2**20, 2**31 - 1]], dtype=torch.int32),
        "i16": torch.tensor([[-32768, -300, 0], [300, 1000, 32767]], dtype=torch.int16),
        "i8": torch.tensor([[-128, -5, 0], [5, 100, 127]], dtype=torch.int8),
        "u8": torch.tensor([[0, 1, 2], [127, 128, 255]], dtype=torch.uint8),
        "bool": torch.tensor([[True, False, True], [False, False, True]]),
    }
    write("dtypes", reference_serialize({k: torch_entry(v) for k, v in dtypes.items()},
                                        {"format": "pt", "note": "written from torch " + torch.__version__}))
    records += [record("dtypes", k, v) for k, v in dtypes.items()]

    # 2. A checkpoint of embedding layers, as a model folder would hold it.
    emb = torch.nn.Embedding(10, 4, padding_idx=0)
    bag = torch.nn.EmbeddingBag(6, 3, mode="mean")
    state = {"emb.weight": emb.weight, "bag.weight": bag.weight.bfloat16(),
             "emb_half.weight": emb.weight.half()}
    write("embedding", reference_serialize({k: torch_entry(v) for k, v in state.items()}, {"format": "pt"}))
    records += [record("embedding", k, v) for k, v in state.items()]

    # 3. Shapes: a scalar, an empty tensor, rank 4, a vector.
    shapes = {"scalar": torch.tensor(2.5, dtype=torch.float32),
              "empty": torch.zeros(0, 4, dtype=torch.float32),
              "rank4": torch.arange(12, dtype=torch.float32).reshape(2, 1, 3, 2),
              "vector": torch.arange(-2, 3, dtype=torch.int64)}
    write("shapes", reference_serialize({k: torch_entry(v) for k, v in shapes.items()}))
    records += [record("shapes", k, v) for k, v in shapes.items()]

    # 4. Unsigned and 8-bit float dtypes torch 1.13 lacks, as raw little-endian bytes.
    other = {
        "u16": ("U16", [3], np.array([0, 1, 65535], dtype="<u2")),
        "u32": ("U32", [3], np.array([0, 7, 4294967295], dtype="<u4")),
        "u64": ("U64", [2], np.array([5, 2**63 - 1], dtype="<u8")),
        "f8": ("F8_E4M3", [4], np.array([0x38, 0x40, 0xB8, 0x00], dtype="u1")),
    }
    write("other_dtypes", reference_serialize({k: (d, s, a.tobytes()) for k, (d, s, a) in other.items()}))
    records += [record("other_dtypes", k, other[k][2]) for k in ["u16", "u32", "u64"]]

    # 5. A header in another writer's style: entries in name order with offsets in the
    #    reverse order, and no padding, so the F32 data is not 4-byte aligned.
    a = np.array([1.5, -2.0], dtype="<f4").tobytes()
    b = np.array([3.0, 4.25], dtype="<f4").tobytes()
    header = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
                         "b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
                        separators=(",", ":")).encode()
    if len(header) % 4 == 0:
        header += b" "
    write("unaligned", struct.pack("<Q", len(header)) + header + b + a)
    records.append(record("unaligned", "a", np.frombuffer(a, dtype="<f4")))
    records.append(record("unaligned", "b", np.frombuffer(b, dtype="<f4")))

    # 6. No tensors at all.
    write("empty", reference_serialize({}))

    w = fixtures.FixtureWriter("safetensors", "expected.txt")
    w.comment("Values of the tensors in tests/data/safetensors/*.safetensors")
    w.comment("(tests/golden/make_safetensors_fixtures.py, torch %s)" % torch.__version__)
    for r in records:
        w.line(r)
    w.save()
    print(f"safetensors/: {len(records)} records in expected.txt")


if __name__ == "__main__":
    sys.exit(fixtures.main(generate, __doc__))
