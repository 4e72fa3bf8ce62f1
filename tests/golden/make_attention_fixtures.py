#!/usr/bin/env python3
"""Generate the attention op's golden fixtures under tests/data/attention/ from PyTorch, with
the arithmetic of Hugging Face's BertSelfAttention in evaluation mode (transformers is not
installed here, so reference_attention below repeats its torch calls in its order):

    Q, K, V = the three column blocks of qkv, each viewed as [B, L, H, d] -> [B, H, L, d]
    scores  = torch.matmul(Q, K.transpose(-1, -2)) / math.sqrt(d)
    scores  = scores + (1.0 - mask[:, None, None, :]) * torch.finfo(dtype).min
    probs   = torch.nn.functional.softmax(scores, dim=-1)      (dropout: identity in eval)
    context = torch.matmul(probs, V).permute(0, 2, 1, 3).reshape(B, L, H * d)

mask[b, k] = k < lengths[b] (all ones without lengths, as BERT gets an all-ones attention
mask). Rows of padding queries are written as HF computes them: attending to the valid keys.

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_attention_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_attention_fixtures.py --check   # compare, write nothing

Records of a case file (format in fixtures.py, parsed by tests/support/fixture.hpp):
    batch, seq, heads, head_dim   i64 scalars
    scale     scalar in the case's dtype: 1 / sqrt(head_dim) rounded to it (the kernel's
              AttentionProblem::scale)
    lengths   i64 [B], only in the cases with padding (absent: every sample has L keys)
    qkv       [B, L, 3 * H * d]: the fused projection, Q | K | V column blocks
    output    [B, L, H * d]: the context layer above

Every float32 output is checked here against the same formula run in float64 on the same
values: within a quarter of the C++ test's tolerance, so that the tolerance tests the kernels
and not torch's rounding. Every case seeds torch from its name, so re-running the script
reproduces the committed files byte for byte (for the same torch build).
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402
from torch_fixtures import CaseList  # noqa: E402

SCRIPT = "make_attention_fixtures.py"
FOLDER = "attention"

# tests/support/golden_attention.hpp's tolerance for float32 results, relative to
# 1 + |expected| (float64: 1e-12).
TOLERANCE = 1e-6

F32, F64 = torch.float32, torch.float64


def reference_attention(qkv, heads, lengths):
    """HF BertSelfAttention's context layer for a fused qkv [B, L, 3 * H * d] (see the module
    docstring), in qkv's dtype."""
    batch, seq, three_width = qkv.shape
    d = three_width // (3 * heads)
    width = heads * d

    def split_heads(x):  # transpose_for_scores
        return x.reshape(batch, seq, heads, d).permute(0, 2, 1, 3)

    q = split_heads(qkv[..., :width])
    k = split_heads(qkv[..., width:2 * width])
    v = split_heads(qkv[..., 2 * width:])
    mask = torch.ones(batch, seq, dtype=qkv.dtype)
    if lengths is not None:
        for b, n in enumerate(lengths):
            mask[b, n:] = 0
    extended = (1.0 - mask[:, None, None, :]) * torch.finfo(qkv.dtype).min
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
    scores = scores + extended
    probs = torch.nn.functional.softmax(scores, dim=-1)
    context = torch.matmul(probs, v)
    return context.permute(0, 2, 1, 3).contiguous().reshape(batch, seq, width)


def relative_error(got, want):
    """max |got - want| / (1 + |want|), in float64."""
    g, w = got.to(F64), want.to(F64)
    return float(((g - w).abs() / (1 + w.abs())).max())


class Case:
    """One fixture file. name and about are set by CaseList.add."""

    def __init__(self, qkv, heads, lengths, notes):
        self.name = self.about = ""
        self.qkv, self.heads, self.lengths, self.notes = qkv, heads, lengths, notes


def normal_qkv(batch, seq, heads, d, dtype):
    """Normal values drawn in float64 and rounded to dtype: scores of about unit size."""
    return torch.randn(batch, seq, 3 * heads * d, dtype=F64).to(dtype)


def large_qkv(batch, seq, heads, d, dtype):
    """Small integers, with the first component of every head's query and key set to 20: the
    scores are 100 plus or minus a few dozen, past float's exp overflow (88.7), so a softmax
    that did not subtract the row's maximum would give inf / inf. Every product and sum of the
    scores is exact (integers, and 1 / sqrt(16) = 0.25), so only the softmax and P V round."""
    assert d == 16
    qkv = torch.randint(-3, 4, (batch, seq, 3 * heads * d)).to(dtype)
    for h in range(heads):
        qkv[..., h * d] = 20          # Q
        qkv[..., (heads + h) * d] = 20  # K
    return qkv


def attention(batch, seq, heads, d, lengths=None, dtype=F32, draw=normal_qkv):
    assert lengths is None or (len(lengths) == batch and min(lengths) >= 1
                               and max(lengths) <= seq)

    def make():
        qkv = draw(batch, seq, heads, d, dtype)
        notes = []
        if lengths is not None:
            notes.append("Padding keys hold values like every other position: a kernel that")
            notes.append("read them would give other results.")
        return Case(qkv, heads, lengths, notes)
    return make


def build_cases():
    cases = CaseList(seed_prefix="attention/")
    add = cases.add
    add("b1_l1_h1_d8", "B 1, L 1, H 1, d 8: one key, the output is V", attention(1, 1, 1, 8))
    add("b1_l7_h4_d16", "B 1, L 7, H 4, d 16, no lengths", attention(1, 7, 4, 16))
    add("b1_l33_h4_d8", "B 1, L 33, H 4, d 8, no lengths", attention(1, 33, 4, 8))
    add("b3_l7_h4_d8_lengths", "B 3, L 7, H 4, d 8, lengths 7 1 4",
        attention(3, 7, 4, 8, lengths=[7, 1, 4]))
    add("b3_l7_h1_d16_full_lengths", "B 3, L 7, H 1, d 16, lengths given and all equal to L",
        attention(3, 7, 1, 16, lengths=[7, 7, 7]))
    add("b3_l1_h4_d16_lengths", "B 3, L 1, H 4, d 16, lengths 1 1 1",
        attention(3, 1, 4, 16, lengths=[1, 1, 1]))
    add("b3_l33_h1_d8_lengths", "B 3, L 33, H 1, d 8, lengths 5 33 17",
        attention(3, 33, 1, 8, lengths=[5, 33, 17]))
    add("b3_l33_h4_d16_lengths", "B 3, L 33, H 4, d 16, lengths 33 20 1",
        attention(3, 33, 4, 16, lengths=[33, 20, 1]))
    add("large_scores", "B 3, L 7, H 2, d 16, lengths 7 3 1: integer values, scores near 100",
        attention(3, 7, 2, 16, lengths=[7, 3, 1], draw=large_qkv))
    add("b1_l1_h1_d8_f64", "float64, B 1, L 1, H 1, d 8", attention(1, 1, 1, 8, dtype=F64))
    add("b3_l7_h4_d8_lengths_f64", "float64, B 3, L 7, H 4, d 8, lengths 7 1 4",
        attention(3, 7, 4, 8, lengths=[7, 1, 4], dtype=F64))
    add("b3_l33_h4_d16_lengths_f64", "float64, B 3, L 33, H 4, d 16, lengths 12 33 1",
        attention(3, 33, 4, 16, lengths=[12, 33, 1], dtype=F64))
    add("large_scores_f64", "float64, B 3, L 7, H 2, d 16, lengths 7 3 1: integer values, "
        "scores near 100", attention(3, 7, 2, 16, lengths=[7, 3, 1], dtype=F64, draw=large_qkv))
    return cases


def write_case(case):
    qkv, heads, lengths = case.qkv, case.heads, case.lengths
    batch, seq, three_width = qkv.shape
    d = three_width // (3 * heads)
    with torch.no_grad():
        out = reference_attention(qkv, heads, lengths)
        out64 = reference_attention(qkv.to(F64), heads, lengths)
    assert torch.isfinite(out).all(), case.name
    if qkv.dtype == F32:
        err = relative_error(out, out64)
        assert err <= TOLERANCE / 4, (case.name, err)
    if seq == 1:
        # One key: every probability is 1, the output is V.
        assert torch.equal(out, qkv[..., 2 * heads * d:]), case.name

    dt = tf.dtype_name(qkv.dtype)
    w = FixtureWriter(FOLDER, case.name + ".txt")
    w.comment("Case '%s': %s." % (case.name, case.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    w.comment("output = HF BertSelfAttention's context layer (eval) of the fused qkv, scale")
    w.comment("1 / sqrt(head_dim); see the generator's docstring.")
    for note in case.notes:
        w.comment(note)
    w.scalar("batch", "i64", batch)
    w.scalar("seq", "i64", seq)
    w.scalar("heads", "i64", heads)
    w.scalar("head_dim", "i64", d)
    w.scalar("scale", dt, torch.tensor(1.0 / math.sqrt(d), dtype=F64).to(qkv.dtype))
    if lengths is not None:
        w.record("lengths", "i64", torch.tensor(lengths, dtype=torch.int64))
    w.record("qkv", dt, qkv)
    w.record("output", dt, out)
    w.save()
    return dt


def generate():
    fixtures.write_cases(FOLDER, build_cases(), write_case, "Attention fixture cases", SCRIPT)


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
