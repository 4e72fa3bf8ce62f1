#!/usr/bin/env python3
"""Generate the golden test fixtures under tests/data/ from PyTorch.

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_fixtures.py

The output is deterministic: every embedding case seeds torch.manual_seed with
a fixed value derived from its name, and the element-conversion file uses a
fixed seed as well, so re-running the script reproduces the committed files
byte for byte (for the same torch build). The C++ test suite only reads the
committed text files; torch is not needed to build or run the tests.

Fixture text format (parsed by tests/support/fixture.hpp):

    # comment
    <name> <dtype> <rank> <d0> ... <d{rank-1}> : <v0> <v1> ...

dtype is one of f32 f64 f16 bf16 i64 i32 u32 u16 bool. f32/f16/bf16 values are
written as float32 with '%.9g' (f16 and bf16 values are exactly representable
in float32), f64 values with '%.17g', so every value round-trips exactly.
Specials are written inf, -inf and nan. Options are rank-0 records; an option
that is not set has no record.
"""

import math
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")

TORCH_DTYPE = {
    "f32": torch.float32,
    "f64": torch.float64,
    "f16": torch.float16,
    "bf16": torch.bfloat16,
    "i64": torch.int64,
    "i32": torch.int32,
}


# ---------------------------------------------------------------------------
# Writing records
# ---------------------------------------------------------------------------

def _fmt_float(x, digits):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "%.*g" % (digits, x)


def _values(dtype, arr):
    """Format the elements of a numpy array / torch tensor for `dtype`."""
    if isinstance(arr, torch.Tensor):
        t = arr.detach()
        if t.dtype in (torch.float16, torch.bfloat16):
            t = t.to(torch.float32)  # exact widening
        arr = t.numpy()
    flat = np.asarray(arr).reshape(-1)
    if dtype in ("f32", "f16", "bf16"):
        # Every element must already be a float32 value (f16/bf16 widened).
        f = flat.astype(np.float32)
        assert np.array_equal(f.astype(np.float64), flat.astype(np.float64), equal_nan=True)
        return [_fmt_float(float(v), 9) for v in f]
    if dtype == "f64":
        return [_fmt_float(float(v), 17) for v in flat.astype(np.float64)]
    if dtype in ("i64", "i32", "u32", "u16"):
        return [str(int(v)) for v in flat]
    if dtype == "bool":
        return ["1" if v else "0" for v in flat]
    raise ValueError("unknown dtype " + dtype)


class FixtureWriter:
    def __init__(self, path):
        self.path = path
        self.lines = []
        self.names = set()

    def comment(self, text):
        for line in text.splitlines() or [""]:
            self.lines.append(("# " + line).rstrip())

    def record(self, name, dtype, arr):
        assert name not in self.names, name
        self.names.add(name)
        shape = tuple(arr.shape)
        vals = _values(dtype, arr)
        assert len(vals) == int(np.prod(shape, dtype=np.int64)), name
        head = [name, dtype, str(len(shape))] + [str(d) for d in shape] + [":"]
        self.lines.append(" ".join(head + vals))

    def scalar(self, name, dtype, value):
        self.record(name, dtype, np.array(value))

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="ascii", newline="\n") as f:
            f.write("\n".join(self.lines) + "\n")


# ---------------------------------------------------------------------------
# Embedding cases
# ---------------------------------------------------------------------------

def seed_for(name):
    torch.manual_seed(zlib.crc32(name.encode("ascii")))


def randn_table(rows, dim, dtype="f32", scale=1.0):
    return (torch.randn(rows, dim, dtype=torch.float64) * scale).to(TORCH_DTYPE[dtype])


def row_norms(weight, norm_type):
    return torch.linalg.vector_norm(weight.to(torch.float64), ord=norm_type, dim=1)


class Case:
    def __init__(self, name, about, weight, indices, padding_idx=None, max_norm=None,
                 norm_type=None, scale_grad_by_freq=False, f32acc=False):
        self.name = name
        self.about = about
        self.weight = weight
        self.indices = indices
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        # Also record the gradient accumulated in float32 and rounded once
        # (reduced-precision cases where that differs from torch's order).
        self.f32acc = f32acc


def build_cases():
    cases = []

    def add(name, about, make):
        seed_for(name)
        case = make()
        case.name, case.about = name, about
        cases.append(case)

    doc_idx = [[1, 2, 4, 5], [4, 3, 2, 9]]  # the torch.nn.Embedding doc example

    add("basic_i64", "10x3 table, int64 indices of shape [2,4], no options",
        lambda: Case("", "", randn_table(10, 3), torch.tensor(doc_idx, dtype=torch.int64)))
    add("basic_i32", "10x3 table, int32 indices of shape [2,4], no options",
        lambda: Case("", "", randn_table(10, 3), torch.tensor(doc_idx, dtype=torch.int32)))
    add("rank0_index", "rank-0 index: output has shape [dim]",
        lambda: Case("", "", randn_table(10, 3), torch.tensor(7, dtype=torch.int64)))
    add("rank1", "rank-1 indices",
        lambda: Case("", "", randn_table(10, 3), torch.randint(0, 10, (6,))))
    add("rank3", "rank-3 indices of shape [2,3,2]",
        lambda: Case("", "", randn_table(10, 3), torch.randint(0, 10, (2, 3, 2))))
    add("duplicates", "repeated indices: gradients of repeated rows add up",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([3, 1, 3, 3, 7, 1, 0, 3])))
    add("dim1", "embedding dimension 1",
        lambda: Case("", "", randn_table(5, 1), torch.tensor([[4, 0], [4, 2]])))
    add("empty_indices", "indices of shape [2,0]: empty output, zero gradient",
        lambda: Case("", "", randn_table(6, 3), torch.zeros(2, 0, dtype=torch.int64),
                     max_norm=1.0))
    add("padding_idx", "padding_idx=2 with a non-zero padding row (from_pretrained)",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[0, 2, 0, 5], [2, 3, 4, 2]]),
                     padding_idx=2))
    add("padding_idx_negative", "padding_idx=-1 refers to the last row (9)",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[9, 1, 9], [0, 9, 4]]),
                     padding_idx=-1))
    add("all_padding", "every index is the padding row: zero gradient, no sparse rows",
        lambda: Case("", "", randn_table(6, 3), torch.tensor([3, 3, 3]), padding_idx=3))
    add("max_norm_l2", "max_norm=1 (L2): some referenced rows above, some below; duplicates",
        lambda: Case("", "", randn_table(10, 3),
                     torch.tensor([[0, 1, 2, 3], [4, 5, 1, 0], [6, 7, 1, 1]]), max_norm=1.0,
                     norm_type=2.0))
    add("max_norm_default_norm_type", "max_norm=1.25 with norm_type left at its default (2)",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([0, 1, 2, 3, 4, 5, 5, 2]),
                     max_norm=1.25))
    add("max_norm_l1", "max_norm=2 with norm_type=1",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[0, 1, 2, 3], [4, 5, 1, 8]]),
                     max_norm=2.0, norm_type=1.0))
    add("max_norm_l3", "max_norm=1.2 with norm_type=3",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[0, 1, 2, 3], [4, 5, 1, 8]]),
                     max_norm=1.2, norm_type=3.0))
    add("max_norm_inf", "max_norm=1 with norm_type=inf (largest absolute value)",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[0, 1, 2, 3], [4, 5, 1, 8]]),
                     max_norm=1.0, norm_type=math.inf))
    add("max_norm_padding", "max_norm=1 and padding_idx=2; the padding row is referenced",
        lambda: Case("", "", randn_table(10, 3, scale=1.5),
                     torch.tensor([[0, 2, 1, 2], [4, 3, 2, 9]]), padding_idx=2,
                     max_norm=1.0, norm_type=2.0))
    add("scale_grad_by_freq", "scale_grad_by_freq with repeated indices",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[3, 1, 3, 3], [7, 1, 0, 3]]),
                     scale_grad_by_freq=True))
    add("scale_grad_by_freq_padding", "scale_grad_by_freq and padding_idx=1",
        lambda: Case("", "", randn_table(10, 3), torch.tensor([[3, 1, 3, 1], [7, 1, 0, 3]]),
                     padding_idx=1, scale_grad_by_freq=True))
    add("all_options", "padding_idx, max_norm, norm_type and scale_grad_by_freq together",
        lambda: Case("", "", randn_table(12, 4),
                     torch.tensor([[5, 0, 5, 11], [2, 5, 0, 7], [11, 11, 3, 2]], dtype=torch.int32),
                     padding_idx=11, max_norm=1.5, norm_type=2.0, scale_grad_by_freq=True))
    add("f64_table", "float64 table with repeated indices",
        lambda: Case("", "", randn_table(10, 3, "f64"), torch.tensor([[3, 1, 3], [8, 1, 0]])))
    add("f64_max_norm", "float64 table with max_norm=1, padding_idx=0",
        lambda: Case("", "", randn_table(10, 3, "f64"),
                     torch.tensor([[3, 1, 3, 0], [8, 1, 0, 6]]), padding_idx=0, max_norm=1.0))
    add("f16_table", "float16 table, each row referenced at most twice",
        lambda: Case("", "", randn_table(10, 5, "f16"), torch.tensor([[3, 1, 3, 9], [8, 1, 0, 6]])))
    add("bf16_table", "bfloat16 table, each row referenced at most twice",
        lambda: Case("", "", randn_table(10, 5, "bf16"),
                     torch.tensor([[3, 1, 3, 9], [8, 1, 0, 6]])))
    add("f16_many_duplicates", "float16 table, rows referenced many times",
        lambda: Case("", "", randn_table(6, 5, "f16"),
                     torch.tensor([[0, 1, 1, 2, 2, 2], [3, 3, 3, 3, 2, 1], [3, 5, 5, 5, 5, 3]]),
                     f32acc=True))
    add("bf16_many_duplicates", "bfloat16 table, rows referenced many times",
        lambda: Case("", "", randn_table(6, 5, "bf16"),
                     torch.tensor([[0, 1, 1, 2, 2, 2], [3, 3, 3, 3, 2, 1], [3, 5, 5, 5, 5, 3]]),
                     f32acc=True))
    add("wide_dim", "20x67 table (dimension not a multiple of any vector width), max_norm=8",
        lambda: Case("", "", randn_table(20, 67), torch.randint(0, 20, (30,)), max_norm=8.0))

    def large():
        # Most lookups hit a small hot set so that duplicates are frequent.
        hot = torch.randint(0, 1000, (40,))
        idx = torch.randint(0, 1000, (16, 50))
        pick = torch.rand(16, 50) < 0.6
        idx[pick] = hot[torch.randint(0, 40, (int(pick.sum()),))]
        return Case("", "", randn_table(1000, 8, scale=0.4), idx, max_norm=1.0)
    add("large_random", "1000x8 table, indices [16,50], max_norm=1, many duplicates", large)
    return cases


def normalized_padding(case):
    if case.padding_idx is None:
        return None
    rows = case.weight.shape[0]
    return case.padding_idx + rows if case.padding_idx < 0 else case.padding_idx


def embedding(case, weight, sparse):
    kwargs = dict(padding_idx=case.padding_idx, max_norm=case.max_norm,
                  scale_grad_by_freq=case.scale_grad_by_freq, sparse=sparse)
    if case.norm_type is not None:
        kwargs["norm_type"] = case.norm_type
    return F.embedding(case.indices, weight, **kwargs)


def check_max_norm(case, weight_after):
    """Referenced rows must straddle max_norm and end up within it."""
    if case.max_norm is None or case.indices.numel() == 0:
        return
    norm_type = 2.0 if case.norm_type is None else case.norm_type
    used = torch.unique(case.indices.to(torch.int64))
    before = row_norms(case.weight, norm_type)[used]
    after = row_norms(weight_after, norm_type)[used]
    assert (before > case.max_norm).any() and (before <= case.max_norm).any(), case.name
    assert (after <= case.max_norm * (1 + 1e-6)).all(), case.name
    unused = torch.ones(case.weight.shape[0], dtype=torch.bool)
    unused[used] = False
    assert torch.equal(weight_after[unused], case.weight[unused]), case.name


def write_case(case):
    w = FixtureWriter(os.path.join(DATA, "embedding", case.name + ".txt"))
    wdt = {v: k for k, v in TORCH_DTYPE.items()}[case.weight.dtype]
    idt = {v: k for k, v in TORCH_DTYPE.items()}[case.indices.dtype]
    pad = normalized_padding(case)
    w.comment("Embedding case '%s': %s." % (case.name, case.about))
    w.comment("Generated by tests/golden/make_fixtures.py with torch %s; do not edit." %
              torch.__version__)
    w.comment("output = F.embedding(indices, weight, options) on a copy of weight (from_pretrained")
    w.comment("semantics: the padding row keeps its values); weight_after = that copy after the")
    w.comment("forward pass (max_norm renormalises referenced rows in place, before the gather);")
    w.comment("grad_weight = dense gradient of weight for output.backward(grad_output).")

    grad_output = torch.randn(*case.indices.shape, case.weight.shape[1],
                              dtype=torch.float64).to(case.weight.dtype)

    # Forward + dense backward.
    wd = case.weight.clone().requires_grad_(True)
    out = embedding(case, wd, sparse=False)
    out.backward(grad_output)
    output = out.detach()
    weight_after = wd.detach().clone()
    grad_weight = wd.grad.clone()
    check_max_norm(case, weight_after)
    if case.max_norm is None:
        assert torch.equal(weight_after, case.weight)
    if pad is not None:
        assert (grad_weight[pad] == 0).all()

    # Sparse backward.
    ws = case.weight.clone().requires_grad_(True)
    try:
        out_s = embedding(case, ws, sparse=True)
        out_s.backward(grad_output)
    except RuntimeError as err:
        sparse_path = "derived"
        refusal = str(err).strip().splitlines()[0]
    else:
        sparse_path = "torch"
        assert torch.equal(out_s.detach(), output), case.name
        assert torch.equal(ws.detach(), weight_after), case.name
        g = ws.grad.coalesce()
        sparse_rows = g.indices()[0].clone()
        sparse_values = g.values().clone()
        # torch 1.13 already leaves padding_idx out of the sparse gradient
        # (checked here). The library returns only rows that received a
        # gradient, so a padding row would be dropped if torch ever kept one.
        if pad is not None:
            assert not (sparse_rows == pad).any(), case.name
            keep = sparse_rows != pad
            sparse_rows, sparse_values = sparse_rows[keep], sparse_values[keep]
    if sparse_path == "derived":
        flat = case.indices.reshape(-1).to(torch.int64)
        if pad is not None:
            flat = flat[flat != pad]
        sparse_rows = torch.unique(flat)  # sorted
        sparse_values = grad_weight[sparse_rows]
    assert torch.equal(sparse_rows, torch.unique(sparse_rows))

    # Reduced-precision gradients accumulated in float32 and rounded once.
    if case.weight.dtype in (torch.float16, torch.bfloat16):
        acc = torch.zeros(case.weight.shape, dtype=torch.float32)
        flat = case.indices.reshape(-1).to(torch.int64)
        acc.index_add_(0, flat, grad_output.reshape(-1, case.weight.shape[1]).float())
        grad_f32acc = acc.to(case.weight.dtype)
        same = torch.equal(grad_f32acc, grad_weight)
        assert same or case.f32acc, case.name + ": torch's order of accumulation matters here"
        assert not same or not case.f32acc, case.name + ": expected a difference"

    if case.weight.dtype in (torch.float16, torch.bfloat16):
        w.comment("torch's CPU backward supports %s; grad_weight is torch's own result." % wdt)
    if sparse_path == "torch":
        w.comment("sparse_rows/sparse_values: torch's sparse=True gradient, coalesced.")
        if not torch.equal(sparse_values, grad_weight[sparse_rows]):
            w.comment("coalesce() sums repeated rows in another order than the dense backward, so")
            w.comment("sparse_values may differ from grad_weight's rows in the last bits.")
        if pad is not None:
            w.comment("torch's sparse gradient has no entry for padding_idx (it drops the padding")
            w.comment("row itself, it is not kept with zero values).")
    else:
        w.comment("sparse_rows/sparse_values: derived from grad_weight, because torch refuses")
        w.comment("sparse=True here: \"%s\"." % refusal)
        w.comment("Rows: the distinct indices other than padding_idx, sorted; values: the dense")
        w.comment("gradient's rows at those indices.")
    if case.f32acc:
        w.comment("grad_weight is torch's result: it adds one occurrence at a time in index order,")
        w.comment("rounding to %s after every addition. grad_weight_f32acc adds the occurrences"
                  " in" % wdt)
        w.comment("float32 and rounds once; sparse_values_f32acc are its rows at sparse_rows.")
        w.comment("The two can differ for rows referenced three or more times.")
    if case.scale_grad_by_freq:
        w.comment("scale_grad_by_freq: torch adds grad_output[i] * (1/count) once per occurrence.")
    if case.max_norm is not None:
        w.comment("max_norm: each distinct referenced row whose norm (computed in the table's")
        w.comment("dtype) exceeds max_norm is multiplied by max_norm / (norm + 1e-7).")
        if pad is not None:
            w.comment("The padding row is renormalised like any other referenced row.")

    w.record("weight", wdt, case.weight)
    w.record("indices", idt, case.indices)
    if case.padding_idx is not None:
        w.scalar("padding_idx", "i64", case.padding_idx)
    if case.max_norm is not None:
        w.scalar("max_norm", "f64", case.max_norm)
    if case.norm_type is not None:
        w.scalar("norm_type", "f64", case.norm_type)
    if case.scale_grad_by_freq:
        w.scalar("scale_grad_by_freq", "bool", True)
    w.record("grad_output", wdt, grad_output)
    w.record("output", wdt, output)
    w.record("weight_after", wdt, weight_after)
    w.record("grad_weight", wdt, grad_weight)
    w.record("sparse_rows", "i64", sparse_rows.reshape(-1))
    w.record("sparse_values", wdt, sparse_values.reshape(-1, case.weight.shape[1]))
    if case.f32acc:
        w.record("grad_weight_f32acc", wdt, grad_f32acc)
        w.record("sparse_values_f32acc", wdt, grad_f32acc[sparse_rows])
    w.save()
    return sparse_path


def write_embedding():
    cases = build_cases()
    names = []
    for case in cases:
        path = write_case(case)
        names.append(case.name)
        print("embedding/%s.txt (sparse: %s)" % (case.name, path))
    w = FixtureWriter(os.path.join(DATA, "embedding", "cases.txt"))
    w.comment("Embedding fixture cases, one per line: tests/data/embedding/<case>.txt.")
    w.comment("Generated by tests/golden/make_fixtures.py; do not edit.")
    w.lines += names
    w.save()


# ---------------------------------------------------------------------------
# Element-type conversions
# ---------------------------------------------------------------------------

def f32_of_bits(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def ref_f32_to_f16(b):
    """Round-to-nearest-even float32 -> binary16, from the bit pattern (non-NaN)."""
    sign = (b >> 16) & 0x8000
    x = abs(f32_of_bits(b))
    if math.isinf(x):
        return sign | 0x7C00
    if x == 0:
        return sign
    m, e = math.frexp(x)  # x = m * 2**e, 0.5 <= m < 1 (exact in Python floats)
    q = max(e - 1, -14) - 10  # quantum: ulp of the half binade (subnormal: 2**-24)
    n = x / 2.0 ** q  # exact: scaling by a power of two
    k = math.floor(n)
    frac = n - k
    if frac > 0.5 or (frac == 0.5 and k % 2 == 1):
        k += 1
    v = k * 2.0 ** q
    if v >= 65536.0:
        return sign | 0x7C00
    h = int(np.array(v, dtype=np.float64).astype(np.float16).view(np.uint16))  # exact
    return sign | h


def ref_f32_to_bf16(b):
    """Round-to-nearest-even float32 -> bfloat16 (non-NaN), on the bits."""
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF


def torch_bits_to(bits_u32, dtype):
    t = torch.from_numpy(bits_u32.view(np.int32).copy()).view(torch.float32)
    return t.to(dtype).view(torch.int16).numpy().view(np.uint16).copy()


def torch_bits_to_scalar(bits_u32, dtype):
    out = np.empty(len(bits_u32), dtype=np.uint16)
    for i, b in enumerate(bits_u32.view(np.int32)):
        t = torch.tensor(int(b), dtype=torch.int32).view(torch.float32)
        out[i] = int(t.to(dtype).view(torch.int16).item()) & 0xFFFF
    return out


def special_f32_bits():
    s = [
        0x00000000, 0x80000000, 0x7F800000, 0xFF800000,  # zeros, infinities
        # NaNs: quiet, signalling, with payloads, both signs
        0x7FC00000, 0xFFC00000, 0x7FC00001, 0x7FFFFFFF, 0xFFFFFFFF, 0x7FC12345,
        0x7F800001, 0xFF800001, 0x7FA00000, 0x7FBFFFFF, 0x7F802000, 0xFF812345,
        # float32 extremes
        0x7F7FFFFF, 0xFF7FFFFF, 0x00800000, 0x80800000, 0x007FFFFF, 0x807FFFFF,
        0x00000001, 0x80000001, 0x3F800000, 0xBF800000,
        # binary16 overflow threshold: 65504 is the largest half, 65520 rounds to inf
        0x477FE000, 0x477FE001, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x47800000,
        0x477FDFFF, 0xC77FE000, 0xC77FEFFF, 0xC77FF000, 0x7F000000,
        # binary16 subnormals / underflow: 2^-24 smallest, 2^-25 ties to zero
        0x33800000, 0x33000000, 0x33000001, 0x32FFFFFF, 0x33400000, 0x33C00000,
        0x33A00000, 0xB3000000, 0xB3000001, 0x2F800000,
        0x38800000, 0x387FC000, 0x387FE000, 0x387FDFFF, 0x387FA000, 0x38000000,
        # binary16 ties in the normal range (even and odd mantissas), carries
        0x3F801000, 0x3F803000, 0x3F801001, 0x3F800FFF, 0x3FFFF000, 0x3FFFFFFF,
        0x46FFF000, 0x477FD000, 0x477FB000,
        # bfloat16: largest finite, overflow threshold (tie to even = inf)
        0x7F7F0000, 0x7F7F7FFF, 0x7F7F8000, 0x7F7EFFFF, 0x7F7E8000, 0xFF7F8000,
        # bfloat16 ties (even and odd mantissas), carry into the exponent
        0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF, 0x3FFF8000, 0x3FFF7FFF,
        0xBF808000, 0xBF818000,
        # bfloat16 subnormal range
        0x00008000, 0x00018000, 0x00007FFF, 0x00008001, 0x007F8000, 0x007FFFFF,
        0x80008000, 0x80018000,
    ]
    # Systematic rounding boundaries for binary16, across every half binade
    # and just outside it: low 13 bits below, at and above the tie, for odd
    # and even kept mantissas.
    for e in range(-26, 17):
        for m in (0x000, 0x001, 0x2AA, 0x155, 0x3FE, 0x3FF):
            for r in (0x0FFF, 0x1000, 0x1001):
                s.append(((e + 127) << 23) | (m << 13) | r)
    # Binary16 subnormal ties: (k + 1/2) * 2^-24 and one float ulp either side.
    for k in (0, 1, 2, 3, 510, 511, 1022, 1023):
        b = struct.unpack("<I", struct.pack("<f", (k + 0.5) * 2.0 ** -24))[0]
        s += [b - 1, b, b + 1]
    # Systematic bfloat16 boundaries over the whole exponent range.
    for e in list(range(0, 256, 7)) + [1, 127, 253, 254]:
        for m in (0x00, 0x01, 0x55, 0x2A, 0x7E, 0x7F):
            for r in (0x7FFF, 0x8000, 0x8001):
                b = (e << 23) | (m << 16) | r
                if e != 255:
                    s.append(b)
    return s


def write_half_bf16():
    torch.manual_seed(20240601)
    special = special_f32_bits()
    rand_bits = torch.randint(0, 2 ** 32, (4000,), dtype=torch.int64).tolist()
    scales = torch.pow(2.0, torch.randint(-30, 21, (4000,)).to(torch.float64))
    rand_vals = (torch.randn(4000, dtype=torch.float64) * scales).to(torch.float32)
    rand_vals_bits = rand_vals.view(torch.int32).numpy().view(np.uint32).tolist()
    seen, bits = set(), []
    for b in special + rand_bits + rand_vals_bits:
        b &= 0xFFFFFFFF
        if b not in seen:
            seen.add(b)
            bits.append(b)
    bits = np.array(bits, dtype=np.uint32)
    is_nan = np.isnan(bits.view(np.float32))

    results = {}
    for name, dtype, ref in (("to_f16_bits", torch.float16, ref_f32_to_f16),
                             ("to_bf16_bits", torch.bfloat16, ref_f32_to_bf16)):
        vec = torch_bits_to(bits, dtype)
        sca = torch_bits_to_scalar(bits, dtype)
        mismatch = np.nonzero((vec != sca) & ~is_nan)[0]
        if len(mismatch):
            print("%s: vectorised and scalar torch paths differ for %d inputs, e.g. %s"
                  % (name, len(mismatch), hex(int(bits[mismatch[0]]))), file=sys.stderr)
            sys.exit(1)
        refv = np.array([ref(int(b)) if not n else 0 for b, n in zip(bits, is_nan)],
                        dtype=np.uint16)
        bad = np.nonzero((vec != refv) & ~is_nan)[0]
        if len(bad):
            print("%s: torch differs from round-to-nearest-even for %s"
                  % (name, [hex(int(bits[i])) for i in bad[:5]]), file=sys.stderr)
            sys.exit(1)
        nan_vec = sorted({hex(int(v)) for v in vec[is_nan]})
        nan_sca = sorted({hex(int(v)) for v in sca[is_nan]})
        results[name] = (vec, nan_vec, nan_sca)

    # Widening conversions: a stride through all 16-bit patterns plus specials.
    f16_special = [0x0000, 0x8000, 0x0001, 0x8001, 0x0002, 0x03FF, 0x83FF, 0x0400, 0x8400,
                   0x3BFF, 0x3C00, 0x3C01, 0xBC00, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00,
                   0x7C01, 0x7D00, 0x7DFF, 0x7E00, 0x7E01, 0x7FFF, 0xFC01, 0xFE00, 0xFFFF]
    bf16_special = [0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x807F, 0x0080, 0x8080,
                    0x3F7F, 0x3F80, 0x3F81, 0xBF80, 0x7F7F, 0xFF7F, 0x7F80, 0xFF80,
                    0x7F81, 0x7FA0, 0x7FBF, 0x7FC0, 0x7FC1, 0x7FFF, 0xFF81, 0xFFC0, 0xFFFF]
    widen = {}
    for tag, dtype, special16 in (("f16", torch.float16, f16_special),
                                  ("bf16", torch.bfloat16, bf16_special)):
        pats = np.array(sorted(set(range(0, 65536, 7)) | set(special16)), dtype=np.uint16)
        t = torch.from_numpy(pats.view(np.int16).copy()).view(dtype)
        vec = t.to(torch.float32).view(torch.int32).numpy().view(np.uint32).copy()
        sca = np.array([int(torch.tensor(int(p), dtype=torch.int16).view(dtype)
                            .to(torch.float32).view(torch.int32).item()) & 0xFFFFFFFF
                        for p in pats.view(np.int16)], dtype=np.uint32)
        assert np.array_equal(vec, sca), tag + ": vectorised and scalar widening differ"
        if tag == "f16":
            ref = pats.view(np.float16).astype(np.float32).view(np.uint32)
            fin = ~np.isnan(pats.view(np.float16))
            assert np.array_equal(vec[fin], ref[fin])
        else:
            assert np.array_equal(vec, pats.astype(np.uint32) << 16)
        widen[tag] = (pats, vec)

    w = FixtureWriter(os.path.join(DATA, "core", "half_bf16.txt"))
    w.comment("float32 <-> binary16 / bfloat16 conversion reference, from torch %s (CPU)." %
              torch.__version__)
    w.comment("Generated by tests/golden/make_fixtures.py; do not edit.")
    w.comment("f32_bits: float32 bit patterns (specials, rounding boundaries and ties, random")
    w.comment("patterns, random normal values at scales 2^-30..2^20).")
    w.comment("to_f16_bits / to_bf16_bits: torch's narrowing conversion of each pattern")
    w.comment("(round to nearest, ties to even). For every non-NaN input it equals torch's")
    w.comment("element-by-element conversion and an independent round-to-nearest-even model.")
    w.comment("NaN inputs (only check that the result is a NaN):")
    w.comment("  to_f16_bits: torch returns %s (canonical quiet NaN, sign kept, payload dropped)."
              % ", ".join(results["to_f16_bits"][1]))
    w.comment("  to_bf16_bits: the vectorised conversion recorded here returns %s;"
              % ", ".join(results["to_bf16_bits"][1]))
    w.comment("  torch's element-by-element conversion returns %s instead."
              % ", ".join(results["to_bf16_bits"][2]))
    w.comment("f16_bits / bf16_bits: every 7th 16-bit pattern plus specials; f16_to_f32_bits /")
    w.comment("bf16_to_f32_bits: torch's exact widening to float32 (NaN payloads are kept and")
    w.comment("binary16 NaNs come back quiet).")
    w.record("f32_bits", "u32", bits)
    w.record("to_f16_bits", "u16", results["to_f16_bits"][0])
    w.record("to_bf16_bits", "u16", results["to_bf16_bits"][0])
    w.record("f16_bits", "u16", widen["f16"][0])
    w.record("f16_to_f32_bits", "u32", widen["f16"][1])
    w.record("bf16_bits", "u16", widen["bf16"][0])
    w.record("bf16_to_f32_bits", "u32", widen["bf16"][1])
    w.save()
    print("core/half_bf16.txt (%d float32 patterns, NaN f16 %s, NaN bf16 vec %s scalar %s)"
          % (len(bits), results["to_f16_bits"][1], results["to_bf16_bits"][1],
             results["to_bf16_bits"][2]))


def main():
    torch.set_num_threads(1)
    write_embedding()
    write_half_bf16()


if __name__ == "__main__":
    main()
