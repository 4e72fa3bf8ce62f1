#!/usr/bin/env python3
"""Generate the EmbeddingBag golden fixtures under tests/data/embedding_bag/ from PyTorch.

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_bag_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_bag_fixtures.py --check   # compare, write nothing

It takes a minute or two (the probes below). It writes one fixture file per case
(tests/data/embedding_bag/<case>.txt, in the record format described in fixtures.py and
parsed by tests/support/fixture.hpp), the list of cases (cases.txt) and errors.txt, a plain
list of calls that torch rejects, with torch's messages:

    <short name> | <python expression> | <torch's error message>

Every case seeds torch.manual_seed from its name, so re-running the script
reproduces the committed files byte for byte (for the same torch build). A few
probes of invalid offsets run torch in a subprocess because torch can crash on
them; their findings go into comments of errors.txt.

Records of a case file (options that are not set have no record, except mode):
    weight              [rows, dim]  f32, or f64 / f16 / bf16 in the dtype cases
    input               [n] i64/i32 with offsets, or [B, N] (fixed-length bags)
    offsets             [B] or [B + 1] (include_last_offset), same dtype as input
    per_sample_weights  shape of input, dtype of weight
    mode                i64 scalar: 0 sum, 1 mean, 2 max
    padding_idx         i64 scalar as passed to torch (may be negative)
    max_norm, norm_type f64 scalars
    scale_grad_by_freq, include_last_offset   bool scalars
    grad_output         [B, dim]
    output, weight_after, grad_weight, grad_per_sample_weights, max_indices,
    sparse_rows, sparse_values, and per-case extras (*_f32acc, *_row_freq).
"""

import math
import os
import subprocess
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402
from torch_fixtures import CaseList, LookupCase, randn_table  # noqa: E402

SCRIPT = "make_bag_fixtures.py"
MODES = {"sum": 0, "mean": 1, "max": 2}


def t64(values):
    return torch.tensor(values, dtype=torch.int64)


def offsets_of(lengths, include_last=False):
    offs, pos = [], 0
    for n in lengths:
        offs.append(pos)
        pos += n
    if include_last:
        offs.append(pos)
    return offs


class BagCase(LookupCase):
    def __init__(self, weight, input, offsets=None, mode="mean", per_sample_weights=None,
                 padding_idx=None, max_norm=None, norm_type=None, scale_grad_by_freq=False,
                 include_last_offset=False, notes=(), expect_f32acc_grad=False):
        super().__init__(weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
        self.input = input
        self.offsets = offsets
        if offsets is not None:
            assert input.dim() == 1 and offsets.dtype == input.dtype
        else:
            assert input.dim() == 2 and not include_last_offset
        self.mode = mode
        self.per_sample_weights = per_sample_weights
        self.include_last_offset = include_last_offset
        self.notes = list(notes)
        # float16: torch's backward rounds every addition; the case is built so that
        # accumulating in float32 and rounding once gives a different gradient.
        self.expect_f32acc_grad = expect_f32acc_grad

    # Derived views -------------------------------------------------------
    def flat(self):
        """(flat input, offsets as F.embedding_bag builds them for 2-D input)."""
        if self.offsets is None:
            b, n = self.input.shape
            offs = torch.arange(0, b * n, n, dtype=self.input.dtype) if n > 0 else \
                torch.zeros(b, dtype=self.input.dtype)
            return self.input.reshape(-1), offs
        return self.input, self.offsets

    def num_bags(self):
        if self.offsets is None:
            return self.input.shape[0]
        return self.offsets.numel() - (1 if self.include_last_offset else 0)

    def bags(self):
        """Positions of each bag in the flat input."""
        flat, offs = self.flat()
        offs = offs.tolist()
        ends = offs[1:] + ([] if self.include_last_offset else [flat.numel()])
        return [list(range(a, b)) for a, b in zip(offs, ends)]

    def flat_psw(self):
        return None if self.per_sample_weights is None else self.per_sample_weights.reshape(-1)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def build_cases():
    cases = CaseList(seed_prefix="embedding_bag/")

    def add(name, about, make):
        # grad_output is drawn right after the case, from the same seed.
        case = cases.add(name, about, make)
        case.grad_output = torch.randn(case.num_bags(), case.dim, dtype=torch.float64) \
            .to(case.weight.dtype)

    basic_lengths = [3, 0, 5, 2]  # 4 bags, one empty

    def basic(mode, idt):
        def make():
            w = randn_table(12, 5)
            inp = torch.randint(0, 12, (sum(basic_lengths),), dtype=idt)
            return BagCase(w, inp, torch.tensor(offsets_of(basic_lengths), dtype=idt), mode)
        return make

    for mode in MODES:
        for tag, idt in (("i64", torch.int64), ("i32", torch.int32)):
            add("%s_%s" % (mode, tag), "mode %s, 12x5 table, %s input, bags of lengths 3, 0, 5, 2"
                % (mode, tag), basic(mode, idt))

    for mode in MODES:
        add("input_2d_%s" % mode, "mode %s, 2-D input [4, 3] (4 bags of 3), no offsets" % mode,
            lambda mode=mode: BagCase(randn_table(12, 5), torch.randint(0, 12, (4, 3)), None, mode))

    ilo_lengths = [3, 0, 5, 2, 0]  # 5 bags: empty in the middle and at the end
    for mode in MODES:
        add("include_last_offset_%s" % mode,
            "mode %s, include_last_offset: 6 offsets = 5 bags (lengths 3, 0, 5, 2, 0), the last "
            "offset equals the input length" % mode,
            lambda mode=mode: BagCase(
                randn_table(12, 5), torch.randint(0, 12, (10,)),
                t64(offsets_of(ilo_lengths, include_last=True)), mode, include_last_offset=True))

    psw = torch.tensor([0.5, -1.25, 0.0, 2.0, 1.0, -0.75, 0.0, 1.5, -2.0, 0.25])
    add("per_sample_weights", "per_sample_weights (positive, negative, zero), mode sum, "
        "duplicates, an empty bag",
        lambda: BagCase(randn_table(12, 5), t64([3, 7, 3, 1, 9, 3, 0, 7, 7, 11]), t64([0, 3, 3, 8]),
                        "sum", per_sample_weights=psw.clone()))
    add("per_sample_weights_padding", "per_sample_weights with padding_idx=4 (padding entries "
        "have non-zero weights)",
        lambda: BagCase(randn_table(12, 5), t64([4, 7, 3, 4, 9, 4, 4, 7, 2, 11]), t64([0, 3, 5, 8]),
                        "sum", per_sample_weights=psw.clone(), padding_idx=4))
    add("per_sample_weights_2d", "per_sample_weights [3, 4] with 2-D input [3, 4]",
        lambda: BagCase(randn_table(12, 5), t64([[1, 5, 5, 0], [11, 2, 7, 5], [0, 0, 3, 8]]), None,
                        "sum", per_sample_weights=torch.tensor(
                            [[1.0, -0.5, 0.0, 2.5], [0.0, 0.0, 0.0, 0.0],
                             [-1.0, 3.0, 0.75, -0.25]])))

    # Padding: row 2 (or the last row) is large, so that it would win every max
    # and change every sum if it were not left out.
    def padded(mode, pad_row, padding_idx):
        def make():
            w = randn_table(12, 5)
            w[pad_row] = 3.0
            p = pad_row
            inp = t64([0, p, 5, p, p, p, 7, p, 9, 4, p])
            # bags: [0 p 5] one padding, [p p] only padding, [] empty, [p 7 p 9 4 p] mixed
            return BagCase(w, inp, t64([0, 3, 5, 5]), mode, padding_idx=padding_idx)
        return make

    for mode in MODES:
        add("padding_idx_%s" % mode,
            "mode %s, padding_idx=2 (row 2 set to 3.0); bags: one padding entry, only padding, "
            "empty, mixed" % mode, padded(mode, 2, 2))
    for mode in MODES:
        add("padding_idx_negative_%s" % mode,
            "mode %s, padding_idx=-1 (row 11, set to 3.0); same bag layout as padding_idx_%s"
            % (mode, mode), padded(mode, 11, -1))

    norms = (("l2", 2.0, 1.0), ("l1", 1.0, 3.0), ("inf", math.inf, 1.0))
    for tag, norm_type, max_norm in norms:
        for mode in MODES:
            add("max_norm_%s_%s" % (tag, mode),
                "mode %s, max_norm=%g with norm_type=%s; referenced rows above and below; "
                "duplicates" % (mode, max_norm,
                                "inf" if math.isinf(norm_type) else "%g" % norm_type),
                lambda mode=mode, norm_type=norm_type, max_norm=max_norm: BagCase(
                    randn_table(12, 5, scale=0.7), t64([0, 1, 2, 3, 4, 5, 1, 0, 6, 7, 1, 1]),
                    t64([0, 4, 4, 8]), mode, max_norm=max_norm, norm_type=norm_type))
    add("max_norm_default_norm_type", "mode sum, max_norm=1.25 with norm_type left at its default",
        lambda: BagCase(randn_table(12, 5, scale=0.7), t64([0, 1, 2, 3, 4, 5, 5, 2]),
                        t64([0, 3, 6]), "sum", max_norm=1.25))
    add("max_norm_padding", "mode mean, max_norm=1, padding_idx=2; the padding row is referenced "
        "and above max_norm",
        lambda: BagCase(randn_table(12, 5, scale=1.5), t64([0, 2, 1, 2, 4, 3, 2, 9]),
                        t64([0, 4, 6]), "mean", padding_idx=2, max_norm=1.0, norm_type=2.0))

    # scale_grad_by_freq: row counts chosen so that torch's lookup of the count
    # (see grad_weight_row_freq) picks the wrong row.
    sgf_input = t64([5, 5, 5, 2, 7, 7, 9, 5, 2, 0])
    for mode in ("sum", "mean"):
        add("scale_grad_by_freq_%s" % mode,
            "mode %s, scale_grad_by_freq, rows repeated 1 to 4 times" % mode,
            lambda mode=mode: BagCase(randn_table(12, 5), sgf_input.clone(), t64([0, 3, 6, 6]),
                                      mode, scale_grad_by_freq=True))
    add("scale_grad_by_freq_padding", "mode mean, scale_grad_by_freq and padding_idx=5",
        lambda: BagCase(randn_table(12, 5), sgf_input.clone(), t64([0, 3, 6, 6]), "mean",
                        padding_idx=5, scale_grad_by_freq=True))

    dup_input = t64([3, 3, 1, 3, 1, 1, 3, 7, 7])  # bags [3 3 1 3] [1 1] [3 7 7] []
    for mode in MODES:
        add("duplicates_%s" % mode, "mode %s, rows repeated inside a bag and across bags" % mode,
            lambda mode=mode: BagCase(randn_table(12, 5), dup_input.clone(), t64([0, 4, 6, 9]),
                                      mode))

    for mode in MODES:
        add("empty_input_%s" % mode, "mode %s, empty input (0 indices), offsets [0, 0, 0]" % mode,
            lambda mode=mode: BagCase(randn_table(12, 5), t64([]), t64([0, 0, 0]), mode))
    add("all_empty_bags_include_last_offset_mean",
        "mode mean, include_last_offset, empty input, offsets [0, 0, 0, 0] = 3 empty bags",
        lambda: BagCase(randn_table(12, 5), t64([]), t64([0, 0, 0, 0]), "mean",
                        include_last_offset=True))
    add("all_empty_bags_max", "mode max, empty input, offsets [0, 0, 0, 0, 0] = 5 empty bags",
        lambda: BagCase(randn_table(12, 5), t64([]), t64([0, 0, 0, 0, 0]), "max"))

    add("all_options", "mode sum, int32, per_sample_weights, padding_idx=11, max_norm=1.5, "
        "scale_grad_by_freq, include_last_offset",
        lambda: BagCase(randn_table(12, 4),
                        torch.tensor([5, 0, 5, 11, 2, 5, 0, 7, 11, 11, 3, 2], dtype=torch.int32),
                        torch.tensor([0, 4, 4, 8, 12], dtype=torch.int32), "sum",
                        per_sample_weights=torch.tensor(
                            [1.0, -2.0, 0.5, 4.0, 0.0, 1.5, 3.0, -1.0, 2.0, 1.0, -0.5, 0.25]),
                        padding_idx=11, max_norm=1.5, norm_type=2.0, scale_grad_by_freq=True,
                        include_last_offset=True))

    for mode in MODES:
        add("f64_%s" % mode, "mode %s, float64 table, bags of lengths 3, 0, 5, 2" % mode,
            lambda mode=mode: BagCase(randn_table(12, 5, "f64"), torch.randint(0, 12, (10,)),
                                      t64(offsets_of(basic_lengths)), mode))
    add("f64_mean_padding", "mode mean, float64 table, padding_idx=2, max_norm=1",
        lambda: BagCase(randn_table(12, 5, "f64", scale=0.5),
                        t64([0, 2, 5, 2, 2, 2, 7, 2, 9, 4, 0]), t64([0, 3, 5, 5]), "mean",
                        padding_idx=2, max_norm=1.0))

    # Reduced precision: 6 rows, 8 bags (lengths not powers of two, one empty); every row
    # is referenced several times.
    rp_lengths = [7, 6, 5, 7, 0, 9, 6, 3]

    def rp_input():
        return torch.randint(0, 6, (sum(rp_lengths),))
    rp_offsets = offsets_of(rp_lengths)
    for dt in ("f16", "bf16"):
        for mode in MODES:
            add("%s_%s" % (dt, mode),
                "mode %s, %s table 6x5, 8 bags of lengths 7, 6, 5, 7, 0, 9, 6, 3, every row "
                "referenced many times"
                % (mode, "float16" if dt == "f16" else "bfloat16"),
                lambda dt=dt, mode=mode: BagCase(
                    randn_table(6, 5, dt, scale=4.0), rp_input(), t64(rp_offsets), mode,
                    expect_f32acc_grad=(dt == "f16")))
    add("f16_mean_padding", "mode mean, float16 table, padding_idx=0",
        lambda: BagCase(randn_table(6, 5, "f16", scale=4.0), rp_input(), t64(rp_offsets), "mean",
                        padding_idx=0, expect_f32acc_grad=True))

    def large():
        # Lookups hit a small hot set often, so duplicates are frequent; row 0 is padding.
        rows = 1000
        lengths = torch.randint(0, 41, (64,))
        lengths[5] = 0
        lengths[17] = 40
        n = int(lengths.sum())
        hot = torch.randint(1, rows, (30,))
        idx = torch.randint(0, rows, (n,))
        pick = torch.rand(n) < 0.5
        idx[pick] = hot[torch.randint(0, 30, (int(pick.sum()),))]
        idx[torch.rand(n) < 0.05] = 0
        return BagCase(randn_table(rows, 16), idx, t64(offsets_of(lengths.tolist())), "mean",
                       padding_idx=0)
    add("large_random_mean", "1000x16 table, 64 bags of lengths 0..40, mode mean, padding_idx=0, "
        "many duplicates", large)

    def ties():
        w = torch.tensor([[1.0, 2.0, 0.0, -1.0],
                          [0.0, 5.0, 0.0, -1.0],
                          [1.0, 5.0, 0.5, -1.0],
                          [1.0, 0.0, 0.5, -1.0],
                          [1.0, 2.0, 0.0, -1.0],   # identical to row 0
                          [-2.0, -3.0, -4.0, -5.0]])
        # bag 0: rows 3 1 2 0: col 0 ties 3/2/0 (3 first), col 1 ties 1/2 (1 first),
        #        col 2 ties 3/2 (3 first), col 3 all equal (3 first)
        # bag 1: rows 4 0 (identical rows: 4 first); bag 2: row 5 twice; bag 3: empty
        # bag 4: rows 0 4 (identical rows: 0 first)
        # bag 5: rows 5 1 2: the tie comes after a smaller value: col 1 ties 1/2 (1 first),
        #        col 3 ties 1/2 (1 first); cols 0 and 2 have a unique maximum (row 2)
        return BagCase(w, t64([3, 1, 2, 0, 4, 0, 5, 5, 0, 4, 5, 1, 2]),
                       t64([0, 4, 6, 8, 8, 10]), "max")
    add("max_ties", "mode max with equal values in a column: the first in bag order wins", ties)

    def ties_random():
        w = torch.randint(-2, 3, (40, 6)).to(torch.float32) * 0.5
        lengths = torch.randint(0, 9, (20,))
        idx = torch.randint(0, 40, (int(lengths.sum()),))
        return BagCase(w, idx, t64(offsets_of(lengths.tolist())), "max", padding_idx=7)
    add("max_ties_random", "mode max, 40x6 table of values in {-1, -0.5, 0, 0.5, 1} (many ties), "
        "20 bags of lengths 0..8, padding_idx=7", ties_random)
    return cases


# ---------------------------------------------------------------------------
# Independent model (checks the semantics described in the comments)
# ---------------------------------------------------------------------------

def model(case, weight, grad_output, acc_dtype, row_freq=False):
    """Forward and gradients accumulated in acc_dtype, in input order.

    Returns (output, grad_weight, grad_psw, max_indices) in acc_dtype.
    row_freq: scale_grad_by_freq divides by the count of the row's own index.
    """
    flat, _ = case.flat()
    flat = flat.tolist()
    psw = case.flat_psw()
    pad = case.pad()
    w = weight.to(acc_dtype)
    g = grad_output.to(acc_dtype)
    out = torch.zeros(case.num_bags(), case.dim, dtype=acc_dtype)
    gw = torch.zeros(case.rows, case.dim, dtype=acc_dtype)
    gp = torch.zeros(len(flat), dtype=acc_dtype)
    maxi = torch.zeros(case.num_bags(), case.dim, dtype=torch.int64)
    counts = {}
    for r in flat:
        counts[r] = counts.get(r, 0) + 1
    for b, positions in enumerate(case.bags()):
        used = [i for i in positions if flat[i] != pad]
        if case.mode == "max":
            for d in range(case.dim):
                best = None
                for i in used:
                    v = w[flat[i], d]
                    if best is None or v > best:
                        best, maxi[b, d] = v, flat[i]
                if best is not None:
                    out[b, d] = best
                    gw[maxi[b, d], d] += g[b, d]
            continue
        acc = torch.zeros(case.dim, dtype=acc_dtype)
        for i in used:
            row = w[flat[i]]
            acc += row if psw is None else row * psw[i].to(acc_dtype)
        if case.mode == "mean":
            acc = acc / max(len(used), 1)
        out[b] = acc
        for i in used:
            c = g[b]
            if psw is not None:
                c = c * psw[i].to(acc_dtype)
                gp[i] = torch.dot(g[b], w[flat[i]])
            if case.mode == "mean":
                c = c / len(used)
            if case.scale_grad_by_freq and row_freq:
                c = c / counts[flat[i]]
            gw[flat[i]] += c
    return out, gw, gp, maxi


# ---------------------------------------------------------------------------
# Running torch
# ---------------------------------------------------------------------------

def embedding_bag(case, weight, psw, sparse):
    return F.embedding_bag(case.input, weight, offsets=case.offsets, mode=case.mode,
                           sparse=sparse, per_sample_weights=psw,
                           include_last_offset=case.include_last_offset,
                           **case.torch_options())


def run_torch(case, weight, grad_output, sparse):
    w = weight.clone().requires_grad_(True)
    p = None
    if case.per_sample_weights is not None:
        p = case.per_sample_weights.to(weight.dtype).clone().requires_grad_(True)
    out = embedding_bag(case, w, p, sparse)
    (out * grad_output).sum().backward()
    return out.detach(), w.detach().clone(), w.grad, None if p is None else p.grad.clone()


def torch_max_indices(case, weight_after):
    flat, offs = case.flat()
    pad = case.pad()
    psw = case.flat_psw()
    if psw is not None:
        psw = psw.to(weight_after.dtype)
    res = torch.ops.aten._embedding_bag(
        weight_after, flat, offs, False, MODES[case.mode], False, psw,
        case.include_last_offset, -1 if pad is None else pad)
    return res[0], res[3]


def close(a, b, case, what, tol=1e-5):
    a, b = a.to(torch.float64), b.to(torch.float64)
    assert a.shape == b.shape, (case.name, what)
    err = (a - b).abs().max().item() if a.numel() else 0.0
    scale = max(1.0, b.abs().max().item() if b.numel() else 0.0)
    assert err <= tol * scale, "%s: %s differs from the model by %g" % (case.name, what, err)


def write_case(case):
    wdt = tf.dtype_name(case.weight.dtype)
    idt = tf.dtype_name(case.input.dtype)
    pad = case.pad()
    native = case.weight.dtype != torch.bfloat16  # torch 1.13 CPU has no bfloat16 kernel
    comp_dtype = case.weight.dtype if native else torch.float32
    if not native:
        assert case.max_norm is None and case.per_sample_weights is None
    grad_output = case.grad_output
    comp_weight = case.weight.to(comp_dtype)
    comp_grad_output = grad_output.to(comp_dtype)

    # Forward + dense backward.
    output, weight_after, grad_weight, grad_psw = run_torch(case, comp_weight, comp_grad_output,
                                                            sparse=False)
    tf.check_max_norm(case, weight_after.to(case.weight.dtype), case.input)
    max_out, max_indices = torch_max_indices(case, weight_after)
    assert torch.equal(max_out, output), case.name
    if pad is not None:
        assert (grad_weight[pad] == 0).all(), case.name

    # Sparse backward.
    refusal = None
    try:
        s_out, s_weight_after, s_grad, s_grad_psw = run_torch(case, comp_weight, comp_grad_output,
                                                              sparse=True)
    except (RuntimeError, ValueError) as err:
        refusal = str(err).strip().splitlines()[0]
    else:
        assert torch.equal(s_out, output) and torch.equal(s_weight_after, weight_after), case.name
        if grad_psw is not None:
            assert torch.equal(s_grad_psw, grad_psw), case.name
        g = s_grad.coalesce()
        sparse_rows, sparse_values = g.indices()[0].clone(), g.values().clone()
        if pad is not None:
            assert not (sparse_rows == pad).any(), case.name
    used_rows = tf.referenced_rows(case.input, pad)
    if refusal is not None:
        sparse_rows, sparse_values = used_rows, grad_weight[used_rows]
    assert torch.equal(sparse_rows, used_rows), case.name
    sparse_dense_differ = not torch.equal(sparse_values, grad_weight[sparse_rows])

    # Independent model in float64: checks every documented rule.
    m_out, m_gw, m_gp, m_maxi = model(case, weight_after, comp_grad_output, torch.float64)
    tol = {torch.float64: 1e-12, torch.float32: 1e-5, torch.float16: 2e-2}[comp_dtype]
    close(output, m_out, case, "output", tol)
    if case.mode == "max":
        assert torch.equal(max_indices, m_maxi), case.name + ": max_indices"
    if grad_psw is not None:
        close(grad_psw.reshape(-1), m_gp, case, "grad_per_sample_weights", tol)
    row_freq = None
    if case.scale_grad_by_freq:
        # What torch.nn.Embedding's rule gives: each occurrence's gradient divided by the
        # number of occurrences of its own row in the whole input.
        flat, _ = case.flat()
        bag_of = torch.zeros(flat.numel(), dtype=torch.int64)
        for b, positions in enumerate(case.bags()):
            bag_of[positions] = b
        per_occ = comp_grad_output[bag_of]
        if case.mode == "mean":
            sizes = torch.tensor([sum(1 for i in p if int(flat[i]) != pad) for p in case.bags()])
            per_occ = per_occ / sizes[bag_of].clamp(min=1).to(comp_dtype)[:, None]
        if case.per_sample_weights is not None:
            per_occ = per_occ * case.flat_psw().to(comp_dtype)[:, None]
        row_freq = torch.ops.aten.embedding_dense_backward(
            per_occ, flat.to(torch.int64), case.rows, -1 if pad is None else pad, True)
        m_rf = model(case, weight_after, comp_grad_output, torch.float64, row_freq=True)[1]
        close(row_freq, m_rf, case, "grad_weight_row_freq", tol)
        close(grad_weight, buggy_freq_model(case, weight_after, comp_grad_output), case,
              "grad_weight (count lookup model)", tol)
        assert not torch.allclose(grad_weight, row_freq), case.name + ": expected torch's quirk"
    else:
        close(grad_weight, m_gw, case, "grad_weight", tol)

    # Reduced precision: accumulate in float32, round once.
    extras = []
    if case.weight.dtype == torch.float16:
        a_out, a_gw, _, _ = model(case, weight_after, grad_output, torch.float32)
        a_out, a_gw = a_out.to(torch.float16), a_gw.to(torch.float16)
        if not torch.equal(a_out, output):
            extras.append(("output_f32acc", a_out))
        if not torch.equal(a_gw, grad_weight):
            extras.append(("grad_weight_f32acc", a_gw))
            extras.append(("sparse_values_f32acc", a_gw[sparse_rows]))
        has_gacc = any(n == "grad_weight_f32acc" for n, _ in extras)
        assert has_gacc == case.expect_f32acc_grad, case.name
        if case.mode == "sum":
            assert torch.equal(a_out, output), case.name + ": f16 sum forward rounds once"
        if case.mode == "mean":
            assert any(n == "output_f32acc" for n, _ in extras), case.name
            assert torch.equal(mean_f16_model(case, weight_after), output), case.name
        assert torch.equal(f16_backward_model(case, grad_output, max_indices), grad_weight), \
            case.name + ": f16 backward model"
    else:
        assert not case.expect_f32acc_grad

    # Results in the table's dtype.
    def fin(t):
        return t.to(case.weight.dtype)

    output, weight_after, grad_weight = fin(output), fin(weight_after), fin(grad_weight)
    sparse_values = fin(sparse_values)
    if row_freq is not None:
        row_freq = fin(row_freq)

    w = FixtureWriter("embedding_bag", case.name + ".txt")
    w.comment("EmbeddingBag case '%s': %s." % (case.name, case.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    w.comment("output = F.embedding_bag(input, w, offsets, max_norm, norm_type,"
              " scale_grad_by_freq, mode,")
    w.comment("sparse=False, per_sample_weights, include_last_offset, padding_idx) on a copy w"
              " of weight;")
    w.comment("weight_after = w after the call (max_norm renormalises every row named in input,")
    w.comment("before the reduction); grad_weight = dense gradient of w for"
              " (output * grad_output).sum().")
    w.comment("mode: 0 sum, 1 mean, 2 max. An empty bag gives a row of zeros.")
    if case.offsets is None:
        w.comment("2-D input [B, N]: torch flattens it and uses offsets 0, N, 2N, ...")
    if case.include_last_offset:
        w.comment("include_last_offset: offsets has B + 1 entries; bag b is input[offsets[b]:"
                  "offsets[b+1]].")
        w.comment("Here the last offset equals len(input). (Indices after the last offset are")
        w.comment("in no bag: torch 1.13's fast sum/mean path skips them, though mean still")
        w.comment("counts them in the last bag's divisor, and with padding_idx or mode max it")
        w.comment("writes out of bounds; see errors.txt.)")
    if pad is not None:
        w.comment("padding_idx %d (row %d): entries equal to it are left out of the bag: not added,"
                  % (case.padding_idx, pad))
        w.comment("not counted in mean's divisor, never a max; the padding row keeps its values")
        w.comment("(from_pretrained semantics) and gets no gradient. A bag of only padding gives"
                  " zeros.")
        if case.max_norm is not None and bool((case.input == pad).any()):
            w.comment("max_norm renormalises the padding row too when input names it.")
    if case.mode == "mean":
        w.comment("mean divides the bag's sum by its number of non-padding entries (an empty bag:"
                  " zeros).")
        if native:
            w.comment("torch's forward divides the sum by the count, but its backward (dense and")
            w.comment("sparse) multiplies grad_output by 1/count rounded to the dtype, which can")
            w.comment("differ from grad_output / count in the last bit.")
    if case.mode == "max":
        w.comment("max: per (bag, column) the first maximum in bag order wins (a later equal")
        w.comment("value does not replace it); grad_output[b, d] goes only to row")
        w.comment("max_indices[b, d] (once, even if that row occurs several times in the bag).")
        w.comment("max_indices: torch.ops.aten._embedding_bag(...)[3], the argmax row per (bag,"
                  " column).")
        w.comment("torch fills it with zeros first, so an empty (or all-padding) bag reports 0;")
        w.comment("its backward skips bags of size 0, so row 0 gets nothing from them.")
        if case.input.dtype == torch.int32:
            w.comment("(torch returns max_indices as int32 for int32 input; recorded as i64.)")
    if case.per_sample_weights is not None:
        w.comment("per_sample_weights (mode sum only): each row is scaled by its weight before the")
        w.comment("sum; grad_per_sample_weights[i] = dot(grad_output[bag(i)], weight_after"
                  "[input[i]]),")
        w.comment("0 for padding entries.")
    if case.scale_grad_by_freq:
        w.comment("scale_grad_by_freq: grad_weight is torch 1.13's result, which is NOT the")
        w.comment("documented rule. Its CPU backward walks the sorted indices in groups of equal")
        w.comment("index; for the i-th group (i = 0, 1, ...) it divides by")
        w.comment("counts[sorted_input[i]], the count of the index at position i of the sorted")
        w.comment("input, instead of the count of the group's own index. grad_weight_row_freq is")
        w.comment("the documented rule (what torch.nn.Embedding does): every occurrence's gradient")
        w.comment("divided by the number of occurrences of its own row in the whole input;")
        w.comment("sparse_values_row_freq are its rows at sparse_rows.")
    if case.max_norm is not None:
        w.comment("max_norm: each distinct row named in input whose norm (in the table's dtype)")
        w.comment("exceeds max_norm is multiplied by max_norm / (norm + 1e-7).")
    if refusal is None:
        w.comment("sparse_rows/sparse_values: torch's sparse=True gradient, coalesced (it has no"
                  " entry")
        w.comment("for padding_idx; rows whose gradient is zero but that occur are kept).")
        if sparse_dense_differ:
            w.comment("The sparse path rounds differently from the dense backward, so")
            w.comment("sparse_values may differ from grad_weight's rows in the last bits.")
    else:
        tf.comment_derived_sparse(w, refusal)
    if not native:
        w.comment("torch 1.13 has no CPU bfloat16 kernel for embedding_bag (forward or backward):")
        w.comment("every result was computed by torch in float32 on the widened values and then")
        w.comment("rounded once to bfloat16 (max_indices: from the float32 computation, exact).")
    elif case.weight.dtype == torch.float16:
        w.comment("float16: torch's forward sums each bag in float32 and rounds the sum to float16")
        if case.mode == "mean":
            w.comment("once; mean then divides that float16 sum by the count and rounds again.")
            w.comment("output_f32acc: the bag's float32 sum divided in float32, rounded once.")
        elif case.mode == "sum":
            w.comment("once (so output is already the float32-accumulated result).")
        else:
            w.comment("once (sum and mean); max is exact.")
        if any(n == "grad_weight_f32acc" for n, _ in extras):
            w.comment("The backward rounds to float16 after every addition (sum/mean: in the")
            w.comment("order of torch.sort(input), adding half(scale) * grad rounded to float16,")
            w.comment("where scale = 1/count for mean; max: per column, in bag order).")
            w.comment("grad_weight_f32acc adds every contribution in float32 (mean: grad_output /")
            w.comment("count) in input order and rounds once; sparse_values_f32acc are its rows at")
            w.comment("sparse_rows.")
        else:
            w.comment("grad_weight equals the float32-accumulated gradient rounded once here.")
    for note in case.notes:
        w.comment(note)

    w.record("weight", wdt, case.weight)
    w.record("input", idt, case.input)
    if case.offsets is not None:
        w.record("offsets", idt, case.offsets)
    if case.per_sample_weights is not None:
        w.record("per_sample_weights", wdt, case.per_sample_weights.to(case.weight.dtype))
    w.scalar("mode", "i64", MODES[case.mode])
    case.record_options(w)
    w.option("include_last_offset", "bool", case.include_last_offset)
    w.record("grad_output", wdt, grad_output)
    w.record("output", wdt, output)
    w.record("weight_after", wdt, weight_after)
    w.record("grad_weight", wdt, grad_weight)
    if grad_psw is not None:
        w.record("grad_per_sample_weights", wdt, fin(grad_psw))
    if case.mode == "max":
        w.record("max_indices", "i64", max_indices.to(torch.int64))
    w.record("sparse_rows", "i64", sparse_rows.reshape(-1))
    w.record("sparse_values", wdt, sparse_values.reshape(-1, case.dim))
    if row_freq is not None:
        w.record("grad_weight_row_freq", wdt, row_freq)
        w.record("sparse_values_row_freq", wdt, row_freq[sparse_rows].reshape(-1, case.dim))
    for name, value in extras:
        w.record(name, wdt, value.reshape(-1, case.dim) if name.startswith("sparse") else value)
    w.save()
    return "sparse: " + ("torch" if refusal is None else "derived")


def buggy_freq_model(case, weight_after, grad_output):
    """torch 1.13's scale_grad_by_freq: group i divided by counts[sorted_input[i]]."""
    flat, _ = case.flat()
    flat = flat.to(torch.int64)
    pad = case.pad()
    psw = case.flat_psw()
    g = grad_output.to(torch.float64)
    bag_of, sizes = {}, {}
    for b, positions in enumerate(case.bags()):
        sizes[b] = sum(1 for i in positions if int(flat[i]) != pad)
        for i in positions:
            bag_of[i] = b
    srt = sorted(flat.tolist())
    counts = {r: srt.count(r) for r in srt}
    uniq = sorted(set(srt))
    gw = torch.zeros(case.rows, case.dim, dtype=torch.float64)
    for gi, r in enumerate(uniq):
        if r == pad:
            continue
        for i in range(flat.numel()):
            if int(flat[i]) != r:
                continue
            c = g[bag_of[i]] / counts[srt[gi]]
            if psw is not None:
                c = c * float(psw[i])
            if case.mode == "mean" and sizes[bag_of[i]]:
                c = c / sizes[bag_of[i]]
            gw[r] += c
    return gw


def mean_f16_model(case, weight_after):
    """torch 1.13 float16 mean: float32 sum rounded to f16, divided by count, rounded again."""
    flat = case.flat()[0]
    pad = case.pad()
    res = torch.zeros(case.num_bags(), case.dim, dtype=torch.float16)
    for b, positions in enumerate(case.bags()):
        n = sum(1 for i in positions if int(flat[i]) != pad)
        acc = torch.zeros(case.dim, dtype=torch.float32)
        for i in positions:
            if int(flat[i]) != pad:
                acc += weight_after[int(flat[i])].float()
        s = acc.to(torch.float16)
        res[b] = (s.float() / max(n, 1)).to(torch.float16)
    return res


def f16_backward_model(case, grad_output, max_indices):
    """torch 1.13's float16 dense backward, rounding to float16 after every operation.

    sum/mean: occurrences in the order of torch.sort(input) (the order torch's backward
    uses), each adding half(scale) * grad_output[bag] (rounded) to the row, rounded;
    scale = 1/count for mean. max: per column, the bags in order.
    """
    flat = case.flat()[0].to(torch.int64)
    pad = case.pad()
    bags = case.bags()
    bag_of = {i: b for b, positions in enumerate(bags) for i in positions}
    sizes = [sum(1 for i in positions if int(flat[i]) != pad) for positions in bags]
    gw = torch.zeros(case.rows, case.dim, dtype=torch.float16)
    if case.mode == "max":
        for b in range(len(bags)):
            if sizes[b]:
                for d in range(case.dim):
                    r = int(max_indices[b, d])
                    gw[r, d] = gw[r, d] + grad_output[b, d]
        return gw
    for i in torch.sort(flat)[1].tolist():
        r = int(flat[i])
        if r == pad:
            continue
        b = bag_of[i]
        scale = 1.0 / sizes[b] if case.mode == "mean" else 1.0
        gw[r] = gw[r] + torch.tensor(scale, dtype=torch.float16) * grad_output[b]
    return gw


# ---------------------------------------------------------------------------
# Errors and invalid offsets
# ---------------------------------------------------------------------------

ERRORS = [
    ("offsets0_nonzero",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([1, 2]), "
     "mode='sum')"),
    ("offsets_last_gt_len",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2, 5]), "
     "mode='sum')"),
    ("offsets_last_gt_len_include_last",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2, 5]), "
     "mode='sum', include_last_offset=True)"),
    ("per_sample_weights_mean",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='mean', per_sample_weights=torch.ones(4))"),
    ("per_sample_weights_max",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='max', per_sample_weights=torch.ones(4))"),
    ("per_sample_weights_shape",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='sum', per_sample_weights=torch.ones(3))"),
    ("scale_grad_by_freq_max",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='max', scale_grad_by_freq=True)"),
    ("input_2d_with_offsets",
     "F.embedding_bag(torch.tensor([[1, 2], [3, 4]]), torch.randn(12, 5), torch.tensor([0, 1]), "
     "mode='sum')"),
    ("input_1d_without_offsets",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), mode='sum')"),
    ("input_3d",
     "F.embedding_bag(torch.tensor([[[1, 2]]]), torch.randn(12, 5), mode='sum')"),
    ("offsets_not_1d",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([[0, 2]]), "
     "mode='sum')"),
    ("include_last_offset_no_offsets",
     "F.embedding_bag(torch.tensor([1, 2]), torch.randn(12, 5), torch.tensor([], "
     "dtype=torch.long), mode='sum', include_last_offset=True)"),
    ("index_out_of_range",
     "F.embedding_bag(torch.tensor([1, 2, 12, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='sum')"),
    ("index_out_of_range_max",
     "F.embedding_bag(torch.tensor([1, 2, 12, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='max')"),
    ("negative_index",
     "F.embedding_bag(torch.tensor([1, -1, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='sum')"),
    ("negative_index_padding",
     "F.embedding_bag(torch.tensor([1, -1, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='mean', padding_idx=0)"),
    ("padding_idx_out_of_range",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='sum', padding_idx=12)"),
    ("padding_idx_too_negative",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='sum', padding_idx=-13)"),
    ("bad_mode",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2]), "
     "mode='min')"),
    ("float_input",
     "F.embedding_bag(torch.tensor([1.0, 2.0]), torch.randn(12, 5), torch.tensor([0, 1]), "
     "mode='sum')"),
    ("bfloat16_table",
     "F.embedding_bag(torch.tensor([1, 2]), torch.randn(12, 5).bfloat16(), torch.tensor([0, 1]), "
     "mode='sum')"),
    ("sparse_max",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5, requires_grad=True), "
     "torch.tensor([0, 2]), mode='max', sparse=True)"),
    ("sparse_scale_grad_by_freq",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5, requires_grad=True), "
     "torch.tensor([0, 2]), mode='sum', sparse=True, scale_grad_by_freq=True).sum().backward()"),
]

# Accepted although the two dtypes differ (torch promotes both to the wider type).
ACCEPTED = [
    ("mixed_index_dtypes",
     "F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.randn(12, 5), torch.tensor([0, 2], "
     "dtype=torch.int32), mode='sum')"),
]

PROBE = r"""
import sys, torch, torch.nn.functional as F
torch.manual_seed(0)
w = torch.randn(12, 3, dtype=torch.float64).float()
inp = torch.tensor(%s)
off = torch.tensor(%s)
out = F.embedding_bag(inp, w, off, mode=%r, padding_idx=%r, include_last_offset=%r)
print(repr(out.tolist()))
"""


def probe(inp, off, mode, padding_idx, include_last, tries):
    """Run one call in fresh interpreters (up to `tries`, stopping at the first crash).

    Returns a list of ('ok', printed output), ('error', message) or ('abort', signal).
    """
    code = PROBE % (inp, off, mode, padding_idx, include_last)
    outcomes = []
    for _ in range(tries):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120)
        if p.returncode == 0:
            outcomes.append(("ok", p.stdout.strip()))
        elif p.returncode < 0:
            last = [l for l in p.stderr.strip().splitlines() if l.strip()]
            outcomes.append(("abort", "signal %d%s" % (-p.returncode,
                                                       (", stderr: " + last[-1]) if last else "")))
        else:
            last = [l for l in p.stderr.strip().splitlines() if l.strip()]
            outcomes.append(("error", last[-1] if last else "exit %d" % p.returncode))
        if outcomes[-1][0] == "abort":
            break
    return outcomes


def probe_table():
    torch.manual_seed(0)
    return torch.randn(12, 3, dtype=torch.float64).float()


def reading(inp, bags, mode, divisors=None):
    """Output for the given bags (lists of positions); mean divides by divisors if given."""
    w = probe_table()
    inp = t64(inp)
    out = torch.zeros(len(bags), 3)
    for b, positions in enumerate(bags):
        if not positions:
            continue
        rows = w[inp[positions]]
        if mode == "max":
            out[b] = rows.max(0).values
        else:
            out[b] = rows.sum(0)
            if mode == "mean":
                out[b] /= divisors[b] if divisors is not None else len(positions)
    return out


def describe(outcomes, candidates):
    """candidates: [(text, expected output)]; the first that matches describes the result."""
    kinds = [k for k, _ in outcomes]
    if "abort" in kinds:
        sig = outcomes[kinds.index("abort")][1].split(",")[0]
        return "the process is killed by %s (SIGABRT: glibc detects heap corruption; not " \
            "in every run)" % sig
    if kinds[0] == "error":
        return "error: %s" % outcomes[0][1]
    got = torch.tensor(eval(outcomes[0][1]))
    for text, expected in candidates:
        if got.shape == expected.shape and torch.allclose(got, expected, rtol=1e-6, atol=1e-6):
            return "no error; " + text
    return "no error; output %s matches no reading" % outcomes[0][1]


def write_errors():
    lines = []
    lines.append("# torch %s (CPU): calls that F.embedding_bag rejects, one per line:" %
                 torch.__version__)
    lines.append("#   <short name> | <python expression> | <torch's error message>")
    lines.append("# " + fixtures.generated_by(SCRIPT) + " Expressions")
    lines.append("# assume `import torch` and `import torch.nn.functional as F`. The message is")
    lines.append("# the first line of str(exception). It documents torch's behaviour; the C++")
    lines.append("# tests check embedkit's own messages.")
    lines.append("# Exception types: ValueError and NotImplementedError come from the Python")
    lines.append("# wrapper, RuntimeError from ATen. Index checks differ by code path: the fast")
    lines.append("# sum/mean path (no padding_idx) reports through caffe2's embedding_lookup_idx,")
    lines.append("# padding_idx or mode max through ATen's own check.")
    for name, expr in ERRORS:
        try:
            eval(expr, {"torch": torch, "F": F})
        except (RuntimeError, ValueError, NotImplementedError) as err:
            msg = str(err).strip().splitlines()[0].strip()
            assert "|" not in msg and "|" not in expr
            lines.append("%s | %s | %s" % (name, expr, msg))
        else:
            raise AssertionError(name + ": torch accepted it")
    for name, expr in ACCEPTED:
        out = eval(expr, {"torch": torch, "F": F})
        assert out.shape == (2, 5)
        lines.append("# %s: torch ACCEPTS input and offsets of different dtypes" % name)
        lines.append("#   (int64 input, int32 offsets): it promotes both to int64. Expression:")
        lines.append("#   %s" % expr)

    # Offsets that decrease in the middle: torch checks only offsets[0] and offsets[-1].
    lines.append("#")
    lines.append("# Offsets that decrease in the middle (torch checks only offsets[0] == 0 and")
    lines.append("# offsets[-1] <= len(input)); each call run in a fresh interpreter, table 12x3,")
    lines.append("# input [1, 2, 3, 4, 5, 6, 7, 8]:")
    inp = [1, 2, 3, 4, 5, 6, 7, 8]
    n = len(inp)
    for off in ([0, 3, 1], [0, 6, 2, 7]):
        srt = sorted(off)
        sorted_bags = [list(range(a, b)) for a, b in zip(srt, srt[1:] + [n])]
        given = [max(b - a, 1) for a, b in zip(off, off[1:] + [n])]
        for mode in ("sum", "mean", "max"):
            text = "bags as if the offsets were sorted (%s)" % srt
            if mode == "mean":
                text += ", each divided by max(offsets[b+1] - offsets[b], 1) of the given " \
                    "offsets (%s)" % given
            cands = [(text, reading(inp, sorted_bags, mode, given if mode == "mean" else None))]
            for pad in (None, 11):
                res = describe(probe(inp, off, mode, pad, False, 1), cands)
                lines.append("#   offsets %s, mode %s, padding_idx %s: %s" % (off, mode, pad, res))
    lines.append("# The fast sum/mean path (no padding_idx) fails inside caffe2's lookup with an")
    lines.append("# unhelpful message; padding_idx or mode max silently compute with the offsets")
    lines.append("# sorted, and mean even divides by negative bag sizes clamped to 1. No crash")
    lines.append("# seen. (embedkit checks every offset.)")

    lines.append("#")
    lines.append("# include_last_offset=True with offsets[-1] < len(input), i.e. indices after the")
    lines.append("# last offset (same table and input; each call up to 10 times until it crashes):")
    for off in ([0, 2, 5], [0, 0, 0]):
        bags = [list(range(a, b)) for a, b in zip(off, off[1:])]
        for mode in ("sum", "mean", "max"):
            text = "bags %s; the indices after the last offset are ignored" \
                % ", ".join("input[%d:%d]" % (a, b) for a, b in zip(off, off[1:]))
            cands = [(text, reading(inp, bags, mode))]
            if mode == "mean":
                # torch's bag sizes: offsets[b+1] - offsets[b], but len(input) - offsets[B-1]
                # for the last bag.
                sizes = [b - a for a, b in zip(off, off[1:-1])] + [n - off[-2]]
                cands.append((text + ", but the last bag is divided by len(input) - "
                              "offsets[B-1] = %d" % sizes[-1],
                              reading(inp, bags, mode, [max(x, 1) for x in sizes])))
            for pad in (None, 11):
                res = describe(probe(inp, off, mode, pad, True, 10), cands)
                lines.append("#   offsets %s, mode %s, padding_idx %s: %s" % (off, mode, pad, res))
    lines.append("# The fast sum/mean path (no padding_idx) ignores the indices after the last")
    lines.append("# offset (mean still counts them in the last bag's divisor); padding_idx or mode")
    lines.append("# max put them in bag number B (one past the end of the output) and write out of")
    lines.append("# bounds.")

    w = FixtureWriter("embedding_bag", "errors.txt")
    for line in lines:
        w.line(line)
    w.save()
    print("embedding_bag/errors.txt (%d errors)" % len(ERRORS))


def check_mean_reciprocal():
    """Evidence for the comment on mean's backward: 1/count is rounded, then multiplied."""
    torch.manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        g = torch.randn(1, 1000, dtype=dtype)
        recip = g[0] * torch.tensor(1.0 / 3.0, dtype=dtype)
        assert not torch.equal(recip, g[0] / 3)
        inp, off = t64([0, 1, 2]), t64([0])
        for sparse in (False, True):
            w = torch.randn(5, 1000, dtype=dtype, requires_grad=True)
            out = F.embedding_bag(inp, w, off, mode="mean", sparse=sparse)
            (out * g).sum().backward()
            grad = w.grad.coalesce().values()[0] if sparse else w.grad[0]
            assert torch.equal(grad, recip), (dtype, sparse)
        w = torch.randn(5, 1000, dtype=dtype)
        out = F.embedding_bag(inp, w, off, mode="mean")
        s = F.embedding_bag(inp, w, off, mode="sum")
        assert torch.equal(out, s / 3) and not torch.equal(out, s * (1.0 / 3.0)), dtype


def generate():
    check_mean_reciprocal()
    fixtures.write_cases("embedding_bag", build_cases(), write_case,
                         "EmbeddingBag fixture cases", SCRIPT)
    write_errors()


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
