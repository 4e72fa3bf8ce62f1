#!/usr/bin/env python3
"""Generate the fixtures of the masked-mean recipe under tests/data/seed_recipe/: a sentence
vector as the hidden states of a model averaged over its tokens, padding left out by the mask,

    embeddings = (last_hidden_state * mask).sum(1) / mask.sum(1)

and, for a batch without padding, the plain form of the same recipe,

    embeddings = torch.mean(last_hidden_state, 1)

with a torch.nn.LSTM (batch_first) as the model. tests/encoders/seed_recipe_test.cpp runs the
same weights through ek::LSTM and ek::Pooling (mode mean) and compares.

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_seed_recipe_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_seed_recipe_fixtures.py --check   # compare, write nothing

Records of a case file tests/data/seed_recipe/<case>.txt (format in fixtures.py):
    options      rank-0 records: input_size, hidden_size, num_layers, bidirectional
    lengths      i64 [B]: sample b's real tokens are positions [0, lengths[b])
    mask         bool [B, L]: the same as an attention mask
    input        f32 [B, L, input_size]; padding positions hold random values that must not
                 matter
    parameters   the LSTM's state dict under torch's names (weight_ih_l0, ..., _reverse)
    embeddings   f32 [B, D * hidden_size]: the recipe's result

How torch produces last_hidden_state differs per case (the case's comment says which): through
pack_padded_sequence / pad_packed_sequence (the only correct way for a bidirectional LSTM over
padding), or a plain call on the padded batch (a unidirectional LSTM: a real position never sees
the padding after it). An empty sequence is left out: the recipe divides 0 by 0 there.
Every case seeds torch from its name, so a run reproduces the committed files byte for byte
(for the same torch build).
"""

import copy
import os
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402

SCRIPT = "make_seed_recipe_fixtures.py"
FOLDER = "seed_recipe"
TOLERANCE = 2e-5  # tests/encoders/seed_recipe_test.cpp, relative to 1 + |expected|
F64 = torch.float64


class Case:
    def __init__(self, name, about, input_size, hidden_size, num_layers, bidirectional, lengths,
                 steps, run):
        self.name, self.about = name, about
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bidirectional = num_layers, bidirectional
        self.lengths, self.steps, self.run = lengths, steps, run


CASES = [
    Case("masked_mean_bilstm_packed", "2-layer bidirectional LSTM over a padded batch, run "
         "packed; masked mean", 5, 4, 2, True, [7, 3, 1, 5], 7, "packed"),
    Case("masked_mean_lstm_padded", "1-layer LSTM run on the padded batch as it is; masked mean",
         6, 5, 1, False, [2, 6, 4], 6, "padded"),
    Case("mean_unpadded", "equal lengths, no padding: torch.mean(last_hidden_state, 1)",
         4, 3, 1, True, [5, 5, 5], 5, "unpadded"),
]


def last_hidden_state(lstm, x, lengths, run):
    if run == "packed":
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True,
                                      enforce_sorted=False)
        out, _ = lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out
    out, _ = lstm(x)
    return out


def recipe(case, lstm, x, mask):
    h = last_hidden_state(lstm, x, case.lengths, case.run)
    if case.run == "unpadded":
        return torch.mean(h, 1)
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1)


def write_case(case):
    tf.seed_for(FOLDER + "/" + case.name)
    assert min(case.lengths) >= 1 and max(case.lengths) == case.steps
    if case.run == "unpadded":
        assert all(n == case.steps for n in case.lengths)
    lstm = torch.nn.LSTM(case.input_size, case.hidden_size, num_layers=case.num_layers,
                         bidirectional=case.bidirectional, batch_first=True)
    x = torch.randn(len(case.lengths), case.steps, case.input_size, dtype=F64).float()
    mask = torch.arange(case.steps).unsqueeze(0) < torch.tensor(case.lengths).unsqueeze(1)
    with torch.no_grad():
        got = recipe(case, lstm, x, mask)
        want = recipe(case, copy.deepcopy(lstm).to(F64), x.to(F64), mask)
        # The same recipe on each sample alone (no padding at all): padding never mattered.
        for b, n in enumerate(case.lengths):
            alone = recipe(Case("", "", 0, 0, 0, False, [n], n, "unpadded"),
                           copy.deepcopy(lstm).to(F64), x[b:b + 1, :n].to(F64), mask[b:b + 1, :n])
            assert float((alone[0] - want[b]).abs().max()) < 1e-12, (case.name, b)
    err = float(((got.to(F64) - want).abs() / (1 + want.abs())).max())
    assert err <= TOLERANCE / 4, (case.name, err)

    w = FixtureWriter(FOLDER, case.name + ".txt")
    w.comment("%s: %s." % (case.name, case.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    if case.run == "packed":
        w.comment("last_hidden_state: pad_packed_sequence(lstm(pack_padded_sequence(input,")
        w.comment("lengths, batch_first=True, enforce_sorted=False)), total_length=L).")
    elif case.run == "padded":
        w.comment("last_hidden_state: lstm(input) on the padded batch.")
    else:
        w.comment("last_hidden_state: lstm(input); every sample has length L.")
    if case.run == "unpadded":
        w.comment("embeddings = torch.mean(last_hidden_state, 1).")
    else:
        w.comment("embeddings = (last_hidden_state * mask).sum(1) / mask.sum(1), mask [B, L, 1].")
    w.scalar("input_size", "i64", case.input_size)
    w.scalar("hidden_size", "i64", case.hidden_size)
    w.scalar("num_layers", "i64", case.num_layers)
    w.scalar("bidirectional", "bool", case.bidirectional)
    w.record("lengths", "i64", np.array(case.lengths, dtype=np.int64))
    w.record("mask", "bool", mask)
    w.record("input", "f32", x)
    for name, p in lstm.state_dict().items():
        w.record(name, "f32", p)
    w.record("embeddings", "f32", got)
    w.save()
    return "float32 vs float64 %.1e" % err


def generate():
    fixtures.write_cases(FOLDER, CASES, write_case, "Masked-mean recipe cases", SCRIPT)


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
