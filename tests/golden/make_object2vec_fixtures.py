#!/usr/bin/env python3
"""Generate the Object2Vec golden model folders under tests/data/object2vec/ from the PyTorch
reference of docs/guide/encoders.md (object2vec_reference.py).

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_object2vec_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_object2vec_fixtures.py --check   # compare, write nothing

Each case is a model folder, tests/data/object2vec/<case>/, as ek::Object2Vec::load reads it:
    config.json        the hyperparameters as SageMaker hands them over: a JSON object whose
                       values are strings ("16", "auto", "true") or JSON numbers and booleans,
                       mixed on purpose; hyperparameters left out take the guide's defaults
    model.safetensors  the reference module's state dict, float32, under the guide's tensor
                       names (written by safetensors_reference.serialize: the `safetensors`
                       package is not installed here)
    expected.txt       the inputs and the reference's results (record format in fixtures.py):
        in0_ids, in1_ids        i64 [N]: the sequences of in0 / in1 one after another
        in0_lengths, in1_lengths  i64 [B]: their lengths (0 is the empty sequence); some are
                                longer than the encoder's max_seq_len, which cuts them
        encode0, encode1        f32 [B, enc_dim]: encode(0, in0), encode(1, in1)
        predict                 f32 [B, num_classes] (softmax) or [B, 1]: predict(in0, in1)
        infer_max_seq_len       i64 scalar, in the cases that truncate at inference, with
        encode0_truncated, encode1_truncated  f32 [B, enc_dim]: encode(i, in_i,
                                {.max_seq_len = infer_max_seq_len})
and tests/data/object2vec/cases.txt lists the case folders.

torch's pack_padded_sequence refuses a sequence of length 0, so the reference sets an empty
sequence's result from the guide's definition (zeros for pooled_embedding and hcnn, proj.bias
for bilstm). Before writing, every case is checked here:
  - the float32 results are within a quarter of the C++ test's tolerance (2e-5 relative to
    1 + |expected|) of the same module run in float64;
  - each sequence encoded alone gives its row of the batch (padding independence);
  - hcnn and bilstm agree with a second, step-by-step reading of the guide (explicit
    left/right padding and dilation; the LSTM cell equations with gates i, f, g, o), so the
    reference's use of torch's modules is what the guide describes.
Every case seeds torch from its name, so a run reproduces the committed files byte for byte
(for the same torch build).
"""

import copy
import json
import os
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402
from object2vec_reference import Hyperparameters, Object2Vec  # noqa: E402
from safetensors_reference import serialize  # noqa: E402

SCRIPT = "make_object2vec_fixtures.py"
FOLDER = "object2vec"
TOLERANCE = 2e-5  # tests/encoders/object2vec_golden_test.cpp, relative to 1 + |expected|

F64 = torch.float64

# Even filter widths pad a copy of the input under padding='same': expected here.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")


class Case:
    """A model folder: its hyperparameters (as written to config.json) and the value of
    infer_max_seq_len for the truncated encodes (None: none)."""

    def __init__(self, name, about, config, infer=None, expect_layers=None):
        self.name, self.about, self.config, self.infer = name, about, config, infer
        self.expect_layers = expect_layers  # (enc0, enc1) layer counts the rules must give


def base(**extra):
    """Small sizes shared by most cases (vocabulary, token dim, enc_dim, mlp_dim)."""
    c = {"enc0_max_seq_len": "10", "enc0_vocab_size": "80", "enc0_token_embedding_dim": "8",
         "enc_dim": "12", "mlp_dim": "10"}
    c.update(extra)
    return c


CASES = [
    # pooled_embedding
    Case("pooled_projection", "pooled_embedding with E != D: the average, then enc{i}.proj",
         {"enc0_network": "pooled_embedding", "enc0_max_seq_len": "8", "enc0_vocab_size": 50,
          "enc0_token_embedding_dim": "6", "enc_dim": 8, "mlp_dim": "10"}, infer=3),
    Case("pooled_no_projection", "pooled_embedding with E == D: the average itself, no proj",
         {"enc0_network": "pooled_embedding", "enc0_max_seq_len": 7, "enc0_vocab_size": "60",
          "enc0_token_embedding_dim": 10, "enc_dim": "10", "mlp_dim": 10,
          "enc0_layers": "3", "enc0_cnn_filter_width": "5"}, infer=1),
    # hcnn
    Case("hcnn_one_layer_w3", "hcnn, 1 block of width 3 (enc0_network and the width by default)",
         base(enc0_layers="1"), infer=4, expect_layers=(1, 1)),
    Case("hcnn_auto_w4", "hcnn, even width 4, layers auto: receptive fields 4, 10, 22 -> 3 "
         "blocks for max_seq_len 16 (asymmetric 'same' padding)",
         base(enc0_max_seq_len="16", enc0_vocab_size="100", enc0_token_embedding_dim="7",
              enc_dim="9", enc0_cnn_filter_width="4", enc0_layers="auto"),
         infer=5, expect_layers=(3, 3)),
    Case("hcnn_w1", "hcnn, width 1, layers auto -> 1 block",
         base(enc0_max_seq_len="9", enc0_vocab_size="70", enc0_token_embedding_dim="6",
              enc_dim="8", enc0_cnn_filter_width=1), expect_layers=(1, 1)),
    Case("hcnn_four_layers_w5", "hcnn, 4 blocks of width 5: dilation 8 pads 16 zeros a side, "
         "more than any sequence is long",
         base(enc0_max_seq_len="12", enc0_cnn_filter_width="5", enc0_layers=4, enc_dim="10"),
         infer=2, expect_layers=(4, 4)),
    # bilstm
    Case("bilstm_one_layer", "bilstm, layers auto -> 1, odd enc_dim 9: H = 5, proj 10 -> 9",
         base(enc0_network="bilstm", enc0_max_seq_len="12", enc0_vocab_size="90", enc_dim="9"),
         infer=3, expect_layers=(1, 1)),
    Case("bilstm_two_layers", "bilstm, 2 layers, odd enc_dim 11: H = 6, proj 12 -> 11",
         base(enc0_network="bilstm", enc0_layers="2", enc0_vocab_size="120",
              enc0_token_embedding_dim="6", enc_dim=11), infer=4, expect_layers=(2, 2)),
    # the two encoders
    Case("enc0_hcnn_enc1_bilstm", "enc0 hcnn, enc1 bilstm: other vocab_size, "
         "token_embedding_dim, max_seq_len and layers",
         base(enc0_max_seq_len="12", enc0_vocab_size="150", enc0_layers="2", enc_dim="13",
              enc1_network="bilstm", enc1_max_seq_len="8", enc1_vocab_size="60",
              enc1_token_embedding_dim="12", enc1_layers="1"), infer=5, expect_layers=(2, 1)),
    Case("enc0_bilstm_enc1_pooled", "enc0 bilstm, enc1 pooled_embedding with E != D",
         base(enc0_network="bilstm", enc0_max_seq_len="6", enc1_network="pooled_embedding",
              enc1_max_seq_len=9, enc1_vocab_size="200", enc1_token_embedding_dim="16",
              enc_dim="14"), infer=3),
    Case("enc1_network_enc0", "enc1_network enc0 given explicitly: enc1 has enc0's "
         "architecture (bilstm, 2 layers) and its own weights",
         base(enc0_network="bilstm", enc0_layers="2", enc1_network="enc0"), infer=2,
         expect_layers=(2, 2)),
    Case("enc1_network_enc0_overrides", "enc1_network enc0 (by default) with enc1_max_seq_len "
         "and enc1_vocab_size given: hcnn auto gives 4 blocks for enc0 (max_seq_len 20) and 2 "
         "for enc1 (max_seq_len 6)",
         base(enc0_max_seq_len="20", enc1_max_seq_len="6", enc1_vocab_size="50"), infer=4,
         expect_layers=(4, 2)),
    Case("tied_token_embedding", "tied_token_embedding_weight: one table, enc0.embedding.weight, "
         "read by both encoders; enc1 keeps its own convolutions",
         base(enc0_vocab_size="100", enc_dim="10", enc0_layers="2",
              tied_token_embedding_weight="true"), infer=3, expect_layers=(2, 2)),
    # comparator
    Case("comparator_hadamard", "comparator_list hadamard alone (C = D)",
         base(enc0_network="pooled_embedding", comparator_list="hadamard")),
    Case("comparator_concat", "comparator_list concat alone (C = 2D)",
         base(enc0_layers="1", comparator_list="concat")),
    Case("comparator_abs_diff", "comparator_list abs_diff alone (C = D)",
         base(enc0_network="bilstm", comparator_list="abs_diff")),
    Case("comparator_abs_diff_hadamard", "comparator_list \"abs_diff, hadamard\": kept in the "
         "given order",
         base(enc0_network="pooled_embedding", comparator_list="abs_diff, hadamard")),
    # MLP
    Case("mlp_none", "mlp_layers 0: the output layer reads the comparator's C values",
         base(enc0_layers="1", mlp_layers="0")),
    Case("mlp_three_tanh", "3 MLP blocks with tanh",
         base(enc0_network="pooled_embedding", mlp_layers="3", mlp_activation="tanh")),
    Case("mlp_three_relu", "3 MLP blocks with relu",
         base(enc0_layers="1", mlp_layers=3, mlp_activation="relu")),
    # output
    Case("softmax_three_classes", "softmax over num_classes 3",
         base(enc0_network="bilstm", num_classes="3", output_layer="softmax")),
    Case("regression", "output_layer mean_squared_error: one score (num_classes ignored)",
         base(enc0_layers="2", output_layer="mean_squared_error", num_classes="5",
              mlp_activation="tanh")),
    Case("training_hyperparameters", "training-only hyperparameters and SageMaker's own keys "
         "are accepted and change nothing at inference (dropout is the identity)",
         base(enc0_network="bilstm", dropout="0.3", epochs="4", mini_batch_size=32,
              learning_rate="0.01", optimizer="adam", early_stopping_patience="2",
              token_embedding_storage_type="row_sparse",
              enc0_freeze_pretrained_embedding="false", _tuning_objective_metric=
              "validation:cross_entropy", sagemaker_region="us-east-1"), infer=20),
]


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def sequences(vocab, max_seq_len, lengths):
    """Random id lists of the given lengths; the first ids of the first two non-empty ones are
    the last and the first row of the table."""
    seqs = [torch.randint(0, vocab, (n,)).tolist() for n in lengths]
    edges = [vocab - 1, 0]
    for s in seqs:
        if s and edges:
            s[0] = edges.pop(0)
    return seqs


def inputs(hp):
    """in0 and in1: 6 pairs with lengths 1, 0 (alone and as a pair), mid-length ones, exactly
    max_seq_len and longer than it."""
    m0, m1 = hp.enc[0].max_seq_len, hp.enc[1].max_seq_len
    len0 = [m0 + 3, 1, 0, max(2, m0 // 2), m0, 0]
    len1 = [2, m1 + 2, 3, 0, 1, 0]
    return (sequences(hp.enc[0].vocab_size, m0, len0),
            sequences(hp.enc[1].vocab_size, m1, len1))


# ---------------------------------------------------------------------------
# Checks of the reference
# ---------------------------------------------------------------------------

def relative_error(got, want):
    if want.numel() == 0:
        return 0.0
    return float(((got.to(F64) - want.to(F64)).abs() / (1 + want.to(F64).abs())).max())


def explicit_hcnn(enc, table, seq):
    """One sequence through hcnn, step by step as the guide writes it: zero padding of
    floor(2^k (w-1) / 2) on the left and the rest on the right, dilation 2^k, ReLU; max over
    time; zeros when empty."""
    if not seq:
        return torch.zeros(enc.enc_dim, dtype=F64)
    h = table[torch.tensor(seq)].t().unsqueeze(0)  # [1, E, len]
    for k, conv in enumerate(enc.convs):
        w = conv.weight.shape[2]
        total = 2 ** k * (w - 1)
        left = total // 2
        h = F.pad(h, (left, total - left))
        h = torch.relu(F.conv1d(h, conv.weight, conv.bias, dilation=2 ** k))
    return h[0].max(dim=1).values


def explicit_bilstm(enc, table, seq):
    """One sequence through bilstm with the cell written out (gates i, f, g, o): the forward
    direction from the first token, the reverse from the last, each layer reading the one
    below; encoding = proj([h fwd, h rev] of the last layer)."""
    H = enc.hidden
    lstm = enc.lstm
    x = table[torch.tensor(seq, dtype=torch.int64)] if seq else torch.zeros(0, table.shape[1],
                                                                            dtype=F64)
    finals = None
    for layer in range(lstm.num_layers):
        outs, finals = [], []
        for suffix, order in (("", range(len(seq))), ("_reverse", reversed(range(len(seq))))):
            p = {n: getattr(lstm, n + "_l%d%s" % (layer, suffix))
                 for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            h = torch.zeros(H, dtype=F64)
            c = torch.zeros(H, dtype=F64)
            out = torch.zeros(len(seq), H, dtype=F64)
            for t in order:
                z = p["weight_ih"] @ x[t] + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"]
                i, f, g, o = z[:H].sigmoid(), z[H:2 * H].sigmoid(), z[2 * H:3 * H].tanh(), \
                    z[3 * H:].sigmoid()
                c = f * c + i * g
                h = o * c.tanh()
                out[t] = h
            outs.append(out)
            finals.append(h)
        x = torch.cat(outs, dim=1)
    return enc.proj(torch.cat(finals))


def check_reference(case, model64, in0, in1, infer):
    """Padding independence and the step-by-step readings of the guide, in float64."""
    hp = model64.hp
    for i, seqs in ((0, in0), (1, in1)):
        for limit in (None, infer) if infer is not None else (None,):
            batch = model64.encode(i, seqs, limit)
            cap = hp.enc[i].max_seq_len if limit is None else min(limit, hp.enc[i].max_seq_len)
            enc = model64.enc0 if i == 0 else model64.enc1
            for b, s in enumerate(seqs):
                alone = model64.encode(i, [s], limit)[0]
                assert relative_error(alone, batch[b]) < 1e-12, (case.name, i, b, "alone")
                if enc.network == "hcnn":
                    want = explicit_hcnn(enc, model64.table(i), s[:cap])
                elif enc.network == "bilstm":
                    want = explicit_bilstm(enc, model64.table(i), s[:cap])
                else:
                    continue
                assert relative_error(batch[b], want) < 1e-12, (case.name, i, b, "explicit")


# ---------------------------------------------------------------------------
# Writing a case
# ---------------------------------------------------------------------------

def flat(seqs):
    ids = torch.tensor([t for s in seqs for t in s], dtype=torch.int64)
    return ids, torch.tensor([len(s) for s in seqs], dtype=torch.int64)


def rescale(model):
    """Variance-preserving weight sizes: PyTorch's default Conv1d / Linear draws (uniform in
    +-1/sqrt(fan_in)) shrink activations threefold per layer, so a 4-block hcnn would give
    encodings near 0 and every pair the same scores. The convolutions (followed by ReLU) are
    scaled to He's variance 2 / fan_in, the Linear layers to 1 / fan_in; the token tables
    (normal(0, 1)) and the LSTMs (their gates saturate) keep PyTorch's draws."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Conv1d):
                module.weight.mul_(6 ** 0.5)
            elif isinstance(module, torch.nn.Linear):
                module.weight.mul_(3 ** 0.5)


def write_case(case):
    tf.seed_for(FOLDER + "/" + case.name)
    hp = Hyperparameters(case.config)
    if case.expect_layers is not None:
        assert (hp.enc[0].layers, hp.enc[1].layers) == case.expect_layers, case.name
    model = Object2Vec(hp)
    rescale(model)
    in0, in1 = inputs(hp)
    model64 = copy.deepcopy(model).to(F64)
    with torch.no_grad():
        results = [("encode0", model.encode(0, in0), model64.encode(0, in0)),
                   ("encode1", model.encode(1, in1), model64.encode(1, in1)),
                   ("predict", model.predict(in0, in1), model64.predict(in0, in1))]
        if case.infer is not None:
            for i, seqs in ((0, in0), (1, in1)):
                results.append(("encode%d_truncated" % i, model.encode(i, seqs, case.infer),
                                model64.encode(i, seqs, case.infer)))
        worst = 0.0
        for what, got, want in results:
            err = relative_error(got, want)
            assert err <= TOLERANCE / 4, (case.name, what, err)
            worst = max(worst, err)
        check_reference(case, model64, in0, in1, case.infer)

    folder = (FOLDER, case.name)
    with open(fixtures.out_path(*folder, "config.json"), "w", encoding="ascii",
              newline="\n") as f:
        f.write(json.dumps(case.config, indent=2) + "\n")

    state = model.state_dict()
    tensors = {name: ("F32", list(t.shape), t.detach().contiguous().numpy().astype("<f4").tobytes())
               for name, t in state.items()}
    with open(fixtures.out_path(*folder, "model.safetensors"), "wb") as f:
        f.write(serialize(tensors, {"format": "pt"}))

    w = FixtureWriter(*folder, "expected.txt")
    w.comment("Object2Vec case %s: %s." % (case.name, case.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    w.comment("Model: config.json and model.safetensors beside this file. Tensors: "
              + ", ".join(state))
    w.comment("Encoder layers (after auto): enc0 %s x%d, enc1 %s x%d; C = %d; output %s."
              % (hp.enc[0].network, hp.enc[0].layers, hp.enc[1].network, hp.enc[1].layers,
                 hp.comparator_width, hp.output_layer))
    w.comment("Sequences: *_ids one after another, *_lengths theirs; max_seq_len enc0 %d, "
              "enc1 %d cuts the longer ones." % (hp.enc[0].max_seq_len, hp.enc[1].max_seq_len))
    for name, seqs in (("in0", in0), ("in1", in1)):
        ids, lengths = flat(seqs)
        w.record(name + "_ids", "i64", ids)
        w.record(name + "_lengths", "i64", lengths)
    if case.infer is not None:
        w.scalar("infer_max_seq_len", "i64", case.infer)
    for what, got, _ in results:
        w.record(what, "f32", got)
    w.save()
    return "largest float32 difference from float64 %.1e" % worst


def generate():
    for case in CASES:
        print("%s/%s/ (%s)" % (FOLDER, case.name, write_case(case)))
    index = FixtureWriter(FOLDER, "cases.txt")
    index.comment("Object2Vec model folders, one per line: tests/data/%s/<case>/ (config.json,"
                  % FOLDER)
    index.comment("model.safetensors, expected.txt).")
    index.comment(fixtures.generated_by(SCRIPT))
    for case in CASES:
        index.line(case.name)
    index.save()


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
