#!/usr/bin/env python3
"""Golden fixtures for quantized tables: PyTorch's row-wise prepack (the q8 and q4 layouts) and
its quantized embedding_bag, written to tests/data/quantized/<case>.txt (record format of
fixtures.py, parsed by tests/support/fixture.hpp) with the list of cases, cases.txt.

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_quantized_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_quantized_fixtures.py --check   # compare, write nothing

Deterministic (every case draws from its own generator, seeded from its size); the test suite
reads the committed files and needs no torch.
"""
import collections
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402

SCRIPT = "make_quantized_fixtures.py"

Case = collections.namedtuple("Case", "name rows dim bags scale")
CASES = [
    Case("small", 12, 8, 4, 1.0),
    Case("dim_32", 40, 32, 9, 3.0),
    Case("dim_66", 30, 66, 7, 0.25),
    Case("dim_128", 64, 128, 12, 2.0),
]


def write_case(case):
    name, rows, dim, bags, scale = case
    g = torch.Generator().manual_seed(1000 + rows * dim)
    w = torch.randn(rows, dim, generator=g) * scale
    w[3] = 0.75  # a constant row (range 0)
    w[5, : dim // 2] = 0.0
    lengths = torch.randint(0, 9, (bags,), generator=g)
    lengths[1] = 0  # an empty bag
    n = int(lengths.sum())
    inp = torch.randint(0, rows, (n,), generator=g)
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(lengths, 0)[:-1]])
    psw = torch.randn(n, generator=g)

    q8 = torch.ops.quantized.embedding_bag_byte_prepack(w)
    q4 = torch.ops.quantized.embedding_bag_4bit_prepack(w)
    byte = torch.ops.quantized.embedding_bag_byte_rowwise_offsets
    nibble = torch.ops.quantized.embedding_bag_4bit_rowwise_offsets
    q8_sum = byte(q8, inp, offsets, False, 0, False, None, None, False)
    q8_wsum = byte(q8, inp, offsets, False, 0, False, psw, None, False)
    q4_sum = nibble(q4, inp, offsets, False, 0, False, None, None, False)
    q4_wsum = nibble(q4, inp, offsets, False, 0, False, psw, None, False)
    # The outputs are sums of the dequantized rows: check that before recording them.
    deq8 = q8[:, :dim].float() * q8[:, dim:dim + 4].contiguous().view(torch.float32) + \
        q8[:, dim + 4:].contiguous().view(torch.float32)
    ref = torch.nn.functional.embedding_bag(inp, deq8, offsets, mode="sum")
    assert torch.allclose(ref, q8_sum, atol=1e-5), name

    f = FixtureWriter("quantized", name + ".txt")
    f.comment(f"Quantized case '{name}': {rows}x{dim} table, {bags} bags (bag 1 empty), row 3 constant.")
    f.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    f.comment("q8_packed = torch.ops.quantized.embedding_bag_byte_prepack(weight) (bytes);")
    f.comment("q4_packed = torch.ops.quantized.embedding_bag_4bit_prepack(weight) (bytes);")
    f.comment("q8_sum/q8_weighted_sum/q4_sum/q4_weighted_sum = torch.ops.quantized.")
    f.comment("embedding_bag_{byte,4bit}_rowwise_offsets(packed, input, offsets, mode=sum[, per_sample_weights]).")
    f.record("weight", "f32", w)
    f.record("input", "i64", inp)
    f.record("offsets", "i64", offsets)
    f.record("per_sample_weights", "f32", psw)
    f.record("q8_packed", "u16", q8.to(torch.int32))
    f.record("q4_packed", "u16", q4.to(torch.int32))
    f.record("q8_sum", "f32", q8_sum)
    f.record("q8_weighted_sum", "f32", q8_wsum)
    f.record("q4_sum", "f32", q4_sum)
    f.record("q4_weighted_sum", "f32", q4_wsum)
    f.save()


def generate():
    fixtures.write_cases("quantized", CASES, write_case, "Quantized cases", SCRIPT)


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
