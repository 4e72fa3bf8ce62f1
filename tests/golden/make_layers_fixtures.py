#!/usr/bin/env python3
"""Generate the dense-layer golden fixtures under tests/data/layers/ from PyTorch: Linear
(torch.nn.Linear), LSTM (torch.nn.LSTM over pack_padded_sequence / pad_packed_sequence),
Conv1d (torch.nn.Conv1d), LayerNorm (torch.nn.LayerNorm) and the activations (torch.relu,
torch.tanh, torch.sigmoid, torch.nn.functional.gelu, and the identity).

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_layers_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_layers_fixtures.py --check   # compare, write nothing

It writes one file per case, tests/data/layers/<layer>_<case>.txt (record format in
fixtures.py, parsed by tests/support/fixture.hpp), and the list of cases, cases.txt. A case's
name starts with its layer (linear_, lstm_, conv1d_, layer_norm_, activation_), which is how
tests/support/golden_layers.hpp picks the runner. Every case seeds torch from its name, so
re-running the script reproduces the committed files byte for byte (for the same torch build).

Records of a case file:
    options      rank-0 records: in_features, out_features, with_bias (Linear); input_size,
                 hidden_size, num_layers, with_bias, batch_first, bidirectional (LSTM);
                 in_channels, out_channels, kernel_size, stride, padding, padding_same,
                 dilation, with_bias (Conv1d); dim, eps, elementwise_affine (LayerNorm);
                 activation (0 linear, 1 relu, 2 tanh, 3 sigmoid, 4 gelu: the order of
                 enum class Activation in include/embedkit/core/activation.hpp)
    lengths      LSTM only, i64 [B], only in the cases that pack (absent: every sample has
                 length L)
    input        f32 or f64; Conv1d also input_channels_last (the same values, [B, L, C])
    parameters   every entry of the module's state dict under its name, in state-dict order
                 (the only records named weight, bias, weight_* or bias_*)
    output       torch's result in the case's dtype; LSTM also h_n and c_n, Conv1d also
                 output_channels_last ([B, L_out, C_out], output transposed)
    output_f64   LayerNorm in float32 only: the same module run by torch in float64 on the
                 same values, rounded to float32, written where torch's float32 result is
                 further from it than a quarter of the test's tolerance (rows with a large
                 mean, whose float32 moments lose digits); the C++ test holds the layer to this
                 reference and to torch's float32 result within torch's own error

Every float32 result other than LayerNorm's is checked here against the float64 run of the
same module: within a quarter of the C++ test's tolerance, so that the tolerances test the
layers and not torch's rounding.
"""

import copy
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402
from torch_fixtures import CaseList  # noqa: E402

SCRIPT = "make_layers_fixtures.py"
FOLDER = "layers"

# The tolerances of tests/support/golden_layers.hpp for float32 results, relative to
# 1 + |expected| (float64 results: 1e-12).
TOLERANCE = {"linear": 1e-5, "conv1d": 1e-5, "lstm": 2e-5, "layer_norm": 2e-6,
             "activation": 2e-6}

# enum class Activation's order (include/embedkit/core/activation.hpp).
ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid", "gelu"]

F32, F64 = torch.float32, torch.float64

# torch notes that padding='same' with an even kernel pads a copy of the input: true, and
# the point of those cases.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")


def randn(*shape, dtype=F32, scale=1.0, mean=0.0):
    """Normal values drawn in float64 and rounded to dtype."""
    return (torch.randn(*shape, dtype=F64) * scale + mean).to(dtype)


def relative_error(got, want):
    """max |got - want| / (1 + |want|), in float64."""
    if want.numel() == 0:
        return 0.0
    g, w = got.to(F64), want.to(F64)
    return float(((g - w).abs() / (1 + w.abs())).max())


class Case:
    """One fixture file: its records in order (name, dtype, tensor) and its comments. name and
    about are set by CaseList.add."""

    def __init__(self, layer, dtype):
        self.name = self.about = ""
        self.layer = layer
        self.dtype = dtype
        self.notes = []
        self.records = []

    def option(self, name, dtype, value):
        """A rank-0 record (every option is written, set or left at its default)."""
        self.records.append((name, dtype, np.array(value)))

    def array(self, name, t):
        self.records.append((name, tf.dtype_name(t.dtype), t.detach()))

    def parameters(self, module):
        for name, p in module.state_dict().items():
            self.array(name, p)

    def check_against_f64(self, got, want, what):
        """Asserts a float32 result is within a quarter of the C++ tolerance of the float64 run
        (float64 cases: nothing to check)."""
        if self.dtype == F32:
            err = relative_error(got, want)
            assert err <= TOLERANCE[self.layer] / 4, (self.layer, what, err)


def as_f64(module):
    """A float64 copy of a module (the same parameter values, widened exactly)."""
    return copy.deepcopy(module).to(F64)


# ---------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------

def linear(in_features, out_features, batch_shape, bias=True, dtype=F32):
    def make():
        m = torch.nn.Linear(in_features, out_features, bias=bias).to(dtype)
        x = randn(*batch_shape, in_features, dtype=dtype)
        with torch.no_grad():
            y = m(x)
            y64 = as_f64(m)(x.to(F64))
        c = Case("linear", dtype)
        c.check_against_f64(y, y64, "output")
        c.option("in_features", "i64", in_features)
        c.option("out_features", "i64", out_features)
        c.option("with_bias", "bool", bias)
        c.array("input", x)
        c.parameters(m)
        c.array("output", y)
        c.notes.append("output = torch.nn.Linear(in_features, out_features, bias=with_bias)(input)")
        c.notes.append("with the module's default initialisation (seeded from the case's name).")
        return c
    return make


# ---------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------

def run_lstm(m, x, lengths, batch_first):
    """(output, h_n, c_n) of an LSTM module; with lengths, through pack_padded_sequence
    (enforce_sorted=False) and pad_packed_sequence(total_length=L)."""
    if lengths is None:
        out, (h, c) = m(x)
        return out, h, c
    steps = x.shape[1] if batch_first else x.shape[0]
    packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64),
                                  batch_first=batch_first, enforce_sorted=False)
    out, (h, c) = m(packed)
    out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=steps)
    return out, h, c


def lstm(input_size, hidden_size, steps, batch, num_layers=1, bias=True, batch_first=False,
         bidirectional=False, lengths=None, dtype=F32):
    assert lengths is None or (len(lengths) == batch and min(lengths) >= 1
                               and max(lengths) <= steps)

    def make():
        m = torch.nn.LSTM(input_size, hidden_size, num_layers=num_layers, bias=bias,
                          batch_first=batch_first, bidirectional=bidirectional).to(dtype)
        shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
        # Padding positions hold values like every other position: a layer that read them
        # would give other results.
        x = randn(*shape, dtype=dtype)
        with torch.no_grad():
            out, h, cell = run_lstm(m, x, lengths, batch_first)
            out64, h64, cell64 = run_lstm(as_f64(m), x.to(F64), lengths, batch_first)
        c = Case("lstm", dtype)
        for what, got, want in (("output", out, out64), ("h_n", h, h64), ("c_n", cell, cell64)):
            c.check_against_f64(got, want, what)
        if lengths is not None:
            # pad_packed_sequence writes zeros after each sample's length.
            t = out if batch_first else out.transpose(0, 1)
            for b, n in enumerate(lengths):
                assert (t[b, n:] == 0).all()
        c.option("input_size", "i64", input_size)
        c.option("hidden_size", "i64", hidden_size)
        c.option("num_layers", "i64", num_layers)
        c.option("with_bias", "bool", bias)
        c.option("batch_first", "bool", batch_first)
        c.option("bidirectional", "bool", bidirectional)
        if lengths is not None:
            c.array("lengths", torch.tensor(lengths, dtype=torch.int64))
        c.array("input", x)
        c.parameters(m)
        c.array("output", out)
        c.array("h_n", h)
        c.array("c_n", cell)
        c.notes.append("torch.nn.LSTM(input_size, hidden_size, num_layers, bias=with_bias,")
        c.notes.append("batch_first, bidirectional) with its default initialisation; output, (h_n,")
        if lengths is None:
            c.notes.append("c_n) = lstm(input).")
        else:
            c.notes.append("c_n) = lstm(pack_padded_sequence(input, lengths, batch_first,")
            c.notes.append("enforce_sorted=False)); output through pad_packed_sequence(total_length")
            c.notes.append("= L): zeros after each sample's length. Padding positions of input hold")
            c.notes.append("random values that must not matter.")
        return c
    return make


# ---------------------------------------------------------------------------
# Conv1d
# ---------------------------------------------------------------------------

def conv1d(in_channels, out_channels, kernel_size, batch, length, stride=1, padding=0,
           same=False, dilation=1, bias=True, dtype=F32):
    def make():
        m = torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride,
                            padding="same" if same else padding, dilation=dilation,
                            bias=bias).to(dtype)
        x = randn(batch, in_channels, length, dtype=dtype)
        with torch.no_grad():
            y = m(x)
            y64 = as_f64(m)(x.to(F64))
        if same:
            assert y.shape[2] == length
        c = Case("conv1d", dtype)
        c.check_against_f64(y, y64, "output")
        c.option("in_channels", "i64", in_channels)
        c.option("out_channels", "i64", out_channels)
        c.option("kernel_size", "i64", kernel_size)
        c.option("stride", "i64", stride)
        c.option("padding", "i64", padding)
        c.option("padding_same", "bool", same)
        c.option("dilation", "i64", dilation)
        c.option("with_bias", "bool", bias)
        c.array("input", x)
        c.array("input_channels_last", x.transpose(1, 2).contiguous())
        c.parameters(m)
        c.array("output", y)
        c.array("output_channels_last", y.transpose(1, 2).contiguous())
        c.notes.append("output = torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride,")
        c.notes.append("padding ('same' when padding_same), dilation, bias=with_bias)(input), with")
        c.notes.append("the module's default initialisation. input_channels_last and")
        c.notes.append("output_channels_last are input and output transposed to [B, L, C].")
        if same:
            total = dilation * (kernel_size - 1)
            c.notes.append("padding='same' adds zeros: %d on the left, %d on the right."
                           % (total // 2, total - total // 2))
        return c
    return make


# ---------------------------------------------------------------------------
# LayerNorm
# ---------------------------------------------------------------------------

def layer_norm(dim, batch_shape, eps=None, affine=True, mean=0.0, scale=1.0, constant_row=False,
               dtype=F32):
    def make():
        kwargs = {} if eps is None else {"eps": eps}
        m = torch.nn.LayerNorm(dim, elementwise_affine=affine, **kwargs).to(dtype)
        if affine:
            # Not the default ones and zeros: a swapped weight and bias must show.
            with torch.no_grad():
                m.weight.copy_(randn(dim, dtype=dtype))
                m.bias.copy_(randn(dim, dtype=dtype))
        x = randn(*batch_shape, dim, dtype=dtype, mean=mean, scale=scale)
        if constant_row:
            # Variance 0: the row normalises to 0 whatever eps is, and comes out as bias.
            x.reshape(-1, dim)[0] = 3.0
        with torch.no_grad():
            y = m(x)
            y64 = as_f64(m)(x.to(F64))
        c = Case("layer_norm", dtype)
        c.option("dim", "i64", dim)
        c.option("eps", "f64", m.eps)
        c.option("elementwise_affine", "bool", affine)
        c.array("input", x)
        c.parameters(m)
        c.array("output", y)
        c.notes.append("output = torch.nn.LayerNorm(dim, eps, elementwise_affine)(input); weight")
        c.notes.append("and bias (when affine) are set to normal values.")
        err = relative_error(y, y64)
        if dtype == F32 and err > TOLERANCE["layer_norm"] / 4:
            c.array("output_f64", y64.to(F32))
            c.notes.append("output_f64: the same module and values run in float64, rounded to")
            c.notes.append("float32. torch's float32 output is %.3g from it (relative to" % err)
            c.notes.append("1 + |output_f64|): its float32 moments lose digits for rows with a")
            c.notes.append("large mean.")
        return c
    return make


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

# Large magnitudes (saturation, overflow of exp), zeros of both signs, tiny values (a float32
# subnormal among them), values near the bends.
ACTIVATION_VALUES = [-100.0, -50.0, -20.0, -10.0, -5.0, -3.0, -1.0, -0.5, -1e-3, -1e-7, -1e-30,
                     -0.0, 0.0, 1e-40, 1e-30, 1e-7, 1e-3, 0.5, 1.0, 3.0, 5.0, 10.0, 20.0, 50.0,
                     100.0]


def apply_activation(name, x):
    if name == "linear":
        return x.clone()
    if name == "relu":
        return torch.relu(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    assert name == "gelu"
    return F.gelu(x)  # approximate='none': the erf form


def activation(name, dtype=F32):
    def make():
        fixed = torch.tensor(ACTIVATION_VALUES, dtype=F64).to(dtype)
        x = torch.cat([fixed, randn(3 * 25 - fixed.numel(), dtype=dtype, scale=4.0)]).reshape(3, 25)
        y = apply_activation(name, x)
        y64 = apply_activation(name, x.to(F64))
        c = Case("activation", dtype)
        c.check_against_f64(y, y64, "output")
        c.option("activation", "i64", ACTIVATIONS.index(name))
        c.array("input", x)
        c.array("output", y)
        c.notes.append("output = %s(input)." % {
            "linear": "input (the identity)", "relu": "torch.relu", "tanh": "torch.tanh",
            "sigmoid": "torch.sigmoid", "gelu": "torch.nn.functional.gelu (the erf form)"}[name])
        return c
    return make


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def build_cases():
    cases = CaseList(seed_prefix="layers/")
    add = cases.add

    add("linear_rank1", "input of rank 1 [5], 5 -> 3", linear(5, 3, ()))
    add("linear_rank2", "input [4, 6], 6 -> 4", linear(6, 4, (4,)))
    add("linear_rank3", "input [2, 3, 8], 8 -> 5", linear(8, 5, (2, 3)))
    add("linear_no_bias", "bias=False, input [4, 6], 6 -> 3", linear(6, 3, (4,), bias=False))
    add("linear_odd_sizes", "13 -> 11 (neither a multiple of 8), input [2, 5, 13]",
        linear(13, 11, (2, 5)))
    add("linear_empty_batch", "input [0, 6], 6 -> 4: an empty output [0, 4]",
        linear(6, 4, (0,)))
    add("linear_large", "300 -> 512, input [64, 300]", linear(300, 512, (64,)))
    add("linear_f64", "float64, 9 -> 7, input [3, 9]", linear(9, 7, (3,), dtype=F64))
    add("linear_f64_no_bias", "float64, bias=False, 17 -> 10, input [2, 2, 17]",
        linear(17, 10, (2, 2), bias=False, dtype=F64))

    add("lstm_one_layer", "1 layer, input 5, hidden 7, L 6, B 3, equal lengths",
        lstm(5, 7, 6, 3))
    add("lstm_batch_first", "1 layer, batch_first, input 5, hidden 7, L 6, B 3, equal lengths",
        lstm(5, 7, 6, 3, batch_first=True))
    add("lstm_bidirectional", "1 layer, bidirectional, input 5, hidden 7, L 6, B 3, equal lengths",
        lstm(5, 7, 6, 3, bidirectional=True))
    add("lstm_two_layers", "2 layers, input 5, hidden 7, L 6, B 3, equal lengths",
        lstm(5, 7, 6, 3, num_layers=2))
    add("lstm_two_layers_bidirectional", "2 layers, bidirectional, batch_first, input 5, "
        "hidden 7, L 6, B 3, equal lengths",
        lstm(5, 7, 6, 3, num_layers=2, bidirectional=True, batch_first=True))
    add("lstm_lengths", "1 layer, input 5, hidden 7, L 6, B 4, lengths 4 6 1 3 (unsorted, one "
        "of length 1)", lstm(5, 7, 6, 4, lengths=[4, 6, 1, 3]))
    add("lstm_lengths_short", "1 layer, input 5, hidden 7, L 6, B 3, lengths 2 1 5: no sample "
        "fills L", lstm(5, 7, 6, 3, lengths=[2, 1, 5]))
    add("lstm_lengths_bidirectional", "1 layer, bidirectional, input 5, hidden 7, L 6, B 4, "
        "lengths 3 1 6 4", lstm(5, 7, 6, 4, bidirectional=True, lengths=[3, 1, 6, 4]))
    add("lstm_lengths_batch_first", "1 layer, batch_first, bidirectional, input 5, hidden 7, "
        "L 6, B 4, lengths 6 2 1 5",
        lstm(5, 7, 6, 4, batch_first=True, bidirectional=True, lengths=[6, 2, 1, 5]))
    add("lstm_lengths_two_layers", "2 layers, bidirectional, batch_first, input 5, hidden 7, "
        "L 6, B 4, lengths 2 6 1 4",
        lstm(5, 7, 6, 4, num_layers=2, batch_first=True, bidirectional=True,
             lengths=[2, 6, 1, 4]))
    add("lstm_lengths_all_full", "1 layer, bidirectional, L 5, B 3, lengths given and all "
        "equal to L", lstm(5, 7, 5, 3, bidirectional=True, lengths=[5, 5, 5]))
    add("lstm_no_bias", "bias=False, 2 layers, bidirectional, input 5, hidden 7, L 6, B 3, "
        "lengths 5 1 6", lstm(5, 7, 6, 3, num_layers=2, bias=False, bidirectional=True,
                               lengths=[5, 1, 6]))
    add("lstm_single_step", "L 1, B 2, bidirectional, input 5, hidden 7",
        lstm(5, 7, 1, 2, bidirectional=True))
    add("lstm_large", "1 layer, bidirectional, batch_first, input 300, hidden 64, L 50, B 8, "
        "lengths 50 17 1 33 50 8 49 25",
        lstm(300, 64, 50, 8, batch_first=True, bidirectional=True,
             lengths=[50, 17, 1, 33, 50, 8, 49, 25]))
    add("lstm_f64", "float64, 2 layers, bidirectional, input 5, hidden 7, L 6, B 4, lengths "
        "4 6 1 3", lstm(5, 7, 6, 4, num_layers=2, bidirectional=True, lengths=[4, 6, 1, 3],
                         dtype=F64))
    add("lstm_f64_batch_first", "float64, 1 layer, batch_first, input 5, hidden 7, L 6, B 3, "
        "equal lengths", lstm(5, 7, 6, 3, batch_first=True, dtype=F64))

    add("conv1d_basic", "3 -> 4 channels, kernel 3, B 2, L 10", conv1d(3, 4, 3, 2, 10))
    add("conv1d_stride2", "3 -> 4 channels, kernel 3, stride 2, L 11",
        conv1d(3, 4, 3, 2, 11, stride=2))
    add("conv1d_padding1", "3 -> 4 channels, kernel 3, padding 1, L 10",
        conv1d(3, 4, 3, 2, 10, padding=1))
    add("conv1d_dilation2", "3 -> 4 channels, kernel 3, dilation 2, L 10",
        conv1d(3, 4, 3, 2, 10, dilation=2))
    add("conv1d_stride_padding_dilation", "4 -> 5 channels, kernel 3, stride 2, padding 2, "
        "dilation 2, L 13", conv1d(4, 5, 3, 3, 13, stride=2, padding=2, dilation=2))
    add("conv1d_same_odd", "padding='same', kernel 5, L 9", conv1d(3, 4, 5, 2, 9, same=True))
    add("conv1d_same_even", "padding='same', kernel 4: the extra zero on the right, L 9",
        conv1d(3, 4, 4, 2, 9, same=True))
    add("conv1d_same_even_dilated", "padding='same', kernel 2, dilation 3 (effective kernel "
        "4), L 8", conv1d(3, 4, 2, 2, 8, same=True, dilation=3))
    add("conv1d_kernel1", "kernel 1, 5 -> 6 channels, L 7", conv1d(5, 6, 1, 2, 7))
    add("conv1d_no_bias", "bias=False, kernel 3, L 10", conv1d(3, 4, 3, 2, 10, bias=False))
    add("conv1d_output_length1", "kernel 4 over L 4: one output position",
        conv1d(3, 2, 4, 2, 4))
    add("conv1d_wide", "32 -> 48 channels, kernel 3, padding 1, B 4, L 40",
        conv1d(32, 48, 3, 4, 40, padding=1))
    add("conv1d_f64", "float64, 3 -> 4 channels, kernel 3, stride 2, padding 1, dilation 2, "
        "L 12", conv1d(3, 4, 3, 2, 12, stride=2, padding=1, dilation=2, dtype=F64))
    add("conv1d_f64_same_even", "float64, padding='same', kernel 4, no bias, L 9",
        conv1d(3, 4, 4, 2, 9, same=True, bias=False, dtype=F64))

    add("layer_norm_dim7", "dim 7, input [3, 7], default eps", layer_norm(7, (3,)))
    add("layer_norm_dim384", "dim 384, input [4, 384], default eps", layer_norm(384, (4,)))
    add("layer_norm_eps_1e12", "dim 384, eps 1e-12, input [4, 384], one constant row",
        layer_norm(384, (4,), eps=1e-12, constant_row=True))
    add("layer_norm_no_affine", "elementwise_affine=False, dim 7, input [2, 3, 7]",
        layer_norm(7, (2, 3), affine=False))
    add("layer_norm_rank1", "input of rank 1 [7]", layer_norm(7, ()))
    add("layer_norm_large_mean_dim7", "dim 7, input 1000 + randn [5, 7]",
        layer_norm(7, (5,), mean=1000.0))
    add("layer_norm_large_mean_dim384", "dim 384, eps 1e-12, input 1000 + randn [4, 384]",
        layer_norm(384, (4,), eps=1e-12, mean=1000.0))
    add("layer_norm_large_mean_no_affine", "elementwise_affine=False, dim 384, input "
        "1000 + randn [2, 384]", layer_norm(384, (2,), affine=False, mean=1000.0))
    add("layer_norm_f64", "float64, dim 7, input [3, 7]", layer_norm(7, (3,), dtype=F64))
    add("layer_norm_f64_large_mean", "float64, dim 384, eps 1e-12, input 1000 + randn [3, 384]",
        layer_norm(384, (3,), eps=1e-12, mean=1000.0, dtype=F64))

    for name in ACTIVATIONS:
        add("activation_%s" % name, "%s on [3, 25]: +-100, +-50, +-20, zeros, tiny values, "
            "random" % name, activation(name))
    for name in ACTIVATIONS:
        add("activation_%s_f64" % name, "float64 %s, the same kinds of values" % name,
            activation(name, dtype=F64))
    return cases


# ---------------------------------------------------------------------------
# Writing a case
# ---------------------------------------------------------------------------

def write_case(case):
    w = FixtureWriter(FOLDER, case.name + ".txt")
    w.comment("Case '%s': %s." % (case.name, case.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    for note in case.notes:
        w.comment(note)
    for name, dtype, value in case.records:
        w.record(name, dtype, value)
    w.save()
    return tf.dtype_name(case.dtype)


def generate():
    fixtures.write_cases(FOLDER, build_cases(), write_case, "Dense layer fixture cases", SCRIPT)


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
