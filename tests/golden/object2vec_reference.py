"""Object2Vec in PyTorch, written from docs/guide/encoders.md alone: the reference that
make_object2vec_fixtures.py runs to write the golden model folders under tests/data/object2vec/.
A library, not a script.

    hp = Hyperparameters({"enc0_max_seq_len": "20", "enc0_vocab_size": "300", ...})
    model = Object2Vec(hp)                       # PyTorch's default initialisers
    u = model.encode(0, [[6, 17, 3], [4], []])   # [3, enc_dim]
    s = model.predict(in0, in1)                  # [B, num_classes] or [B, 1]

The module's state_dict() names are the tensor names of the guide's "Architecture" section
(the names in model.safetensors): enc{i}.embedding.weight, enc{i}.proj.*, enc{i}.convs.{k}.*,
enc{i}.lstm.* (PyTorch's LSTM names), mlp.{k}.*, output.*. With tied_token_embedding_weight
encoder 1 has no table of its own: it reads enc0.embedding.weight, so the state dict holds
that table once.

The guide's rules, each where it is implemented:
  hyperparameters  SageMaker's strings or JSON numbers / booleans; defaults of the guide's
                   table; enc1_network = enc0 copies enc0's encoder hyperparameters wherever an
                   enc1_* value is not given (Hyperparameters)
  token table      padding rows (t >= len[b]) of x are zero (Encoder.forward)
  pooled_embedding sum over real tokens / max(len, 1); a projection only when E != D
  hcnn             Conv1d(padding='same', dilation=2^k), ReLU, padding rows zeroed again after
                   every block, max over real positions (zeros for an empty sequence);
                   `auto` layers from the receptive field (hcnn_auto_layers)
  bilstm           H = ceil(D / 2); packed sequences; final = [h_n fwd, h_n rev] of the last
                   layer; an empty sequence has a zero final state (torch refuses to pack
                   length 0, so those rows are set here, as the guide defines them)
  truncation       a sequence is cut to min(max_seq_len, infer_max_seq_len) ids
  head             comparator in comparator_list order, mlp_layers Linear + activation, output
                   Linear, softmax or the regression score
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

NETWORKS = ("hcnn", "bilstm", "pooled_embedding")
COMPARATORS = ("hadamard", "concat", "abs_diff")
ACTIVATIONS = ("tanh", "relu", "linear")

# The per-encoder hyperparameters that enc1_network = enc0 copies from encoder 0 (the guide
# lists them: network, max_seq_len, vocab_size, token_embedding_dim, layers, cnn_filter_width,
# freeze_pretrained_embedding).
ENCODER_KEYS = ("network", "max_seq_len", "vocab_size", "token_embedding_dim", "layers",
                "cnn_filter_width", "freeze_pretrained_embedding")
ENCODER_DEFAULTS = {"network": "hcnn", "token_embedding_dim": 300, "layers": "auto",
                    "cnn_filter_width": 3, "freeze_pretrained_embedding": True}


# ---------------------------------------------------------------------------
# Hyperparameters
# ---------------------------------------------------------------------------

def as_int(value):
    """"16" or 16 -> 16 (SageMaker passes every hyperparameter as a string)."""
    if isinstance(value, bool):
        raise ValueError("not an integer: %r" % (value,))
    return int(value)


def as_bool(value):
    if isinstance(value, bool):
        return value
    if value in ("true", "True"):
        return True
    if value in ("false", "False"):
        return False
    raise ValueError("not a boolean: %r" % (value,))


def as_choice(value, allowed):
    if value not in allowed:
        raise ValueError("%r is not one of %s" % (value, ", ".join(allowed)))
    return value


def hcnn_auto_layers(filter_width, max_seq_len):
    """`auto` for hcnn: the smallest n in 1..4 whose receptive field 1 + (w - 1)(2^n - 1)
    covers max_seq_len, 4 when none does, and 1 when w = 1 (a width-1 filter never widens its
    window, so more blocks would not help)."""
    if filter_width == 1:
        return 1
    for n in range(1, 5):
        if 1 + (filter_width - 1) * (2 ** n - 1) >= max_seq_len:
            return n
    return 4


class EncoderHyperparameters:
    """One encoder's resolved hyperparameters (layers resolved from `auto`)."""

    def __init__(self, values):
        self.network = as_choice(values["network"], NETWORKS)
        self.max_seq_len = as_int(values["max_seq_len"])
        self.vocab_size = as_int(values["vocab_size"])
        self.token_embedding_dim = as_int(values["token_embedding_dim"])
        self.cnn_filter_width = as_int(values["cnn_filter_width"])
        self.freeze_pretrained_embedding = as_bool(values["freeze_pretrained_embedding"])
        layers = values["layers"]
        if layers == "auto":
            if self.network == "hcnn":
                self.layers = hcnn_auto_layers(self.cnn_filter_width, self.max_seq_len)
            else:
                # bilstm: `auto` is 1; pooled_embedding: layers have no effect.
                self.layers = 1
        else:
            self.layers = as_int(layers)
        assert 1 <= self.max_seq_len <= 5000 and 2 <= self.vocab_size
        assert 1 <= self.layers <= 4 and 1 <= self.cnn_filter_width <= 9


class Hyperparameters:
    """The guide's hyperparameter table applied to a dict as SageMaker gives it."""

    def __init__(self, config):
        c = dict(config)
        enc0 = dict(ENCODER_DEFAULTS)
        for key in ENCODER_KEYS:
            if "enc0_" + key in c:
                enc0[key] = c["enc0_" + key]
        self.enc1_network = as_choice(c.get("enc1_network", "enc0"), ("enc0",) + NETWORKS)
        if self.enc1_network == "enc0":
            # Encoder 0's architecture and hyperparameters wherever enc1_* is not given.
            enc1 = dict(enc0)
        else:
            enc1 = dict(ENCODER_DEFAULTS, network=self.enc1_network)
            assert "enc1_max_seq_len" in c and "enc1_vocab_size" in c, "required"
        for key in ENCODER_KEYS:
            if key != "network" and "enc1_" + key in c:
                enc1[key] = c["enc1_" + key]
        self.enc = [EncoderHyperparameters(enc0), EncoderHyperparameters(enc1)]

        self.enc_dim = as_int(c.get("enc_dim", 4096))
        self.tied_token_embedding_weight = as_bool(c.get("tied_token_embedding_weight", False))
        if self.tied_token_embedding_weight:
            assert self.enc[0].vocab_size == self.enc[1].vocab_size
            assert self.enc[0].token_embedding_dim == self.enc[1].token_embedding_dim
        self.comparator_list = [as_choice(s.strip(), COMPARATORS) for s in
                                c.get("comparator_list", "hadamard, concat, abs_diff").split(",")]
        self.mlp_layers = as_int(c.get("mlp_layers", 2))
        self.mlp_dim = as_int(c.get("mlp_dim", 512))
        self.mlp_activation = as_choice(c.get("mlp_activation", "linear"), ACTIVATIONS)
        self.output_layer = as_choice(c.get("output_layer", "softmax"),
                                      ("softmax", "mean_squared_error"))
        self.num_classes = as_int(c.get("num_classes", 2))
        self.dropout = float(c.get("dropout", 0.0))  # the identity at inference

    @property
    def comparator_width(self):
        widths = {"hadamard": 1, "concat": 2, "abs_diff": 1}
        return self.enc_dim * sum(widths[name] for name in self.comparator_list)

    @property
    def output_size(self):
        return self.num_classes if self.output_layer == "softmax" else 1


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def batch_of(seqs, limit):
    """Ragged id lists -> (ids [B, L] int64 with 0 at padding, lengths [B] int64), each
    sequence cut to its first `limit` ids; L is the longest after the cut (0 when all are
    empty)."""
    cut = [list(s)[:limit] for s in seqs]
    lengths = torch.tensor([len(s) for s in cut], dtype=torch.int64)
    width = int(lengths.max()) if len(cut) else 0
    ids = torch.zeros(len(cut), width, dtype=torch.int64)
    for b, s in enumerate(cut):
        ids[b, :len(s)] = torch.tensor(s, dtype=torch.int64)
    return ids, lengths


# ---------------------------------------------------------------------------
# Encoders
# ---------------------------------------------------------------------------

class Encoder(nn.Module):
    """enc{i}: its token table (unless tied to encoder 0's) and its network."""

    def __init__(self, hp, enc_dim, own_table=True):
        super().__init__()
        self.hp = hp
        self.network = hp.network
        E, D = hp.token_embedding_dim, enc_dim
        if own_table:
            self.embedding = nn.Embedding(hp.vocab_size, E)  # normal(0, 1)
        if self.network == "pooled_embedding":
            self.proj = nn.Linear(E, D) if E != D else None
        elif self.network == "hcnn":
            self.convs = nn.ModuleList(
                nn.Conv1d(E if k == 0 else D, D, hp.cnn_filter_width, padding="same",
                          dilation=2 ** k)
                for k in range(hp.layers))
        else:
            self.hidden = (D + 1) // 2  # ceil(D / 2)
            self.lstm = nn.LSTM(E, self.hidden, num_layers=hp.layers, bidirectional=True,
                                batch_first=True)
            self.proj = nn.Linear(2 * self.hidden, D)
        self.enc_dim = D

    def forward(self, table, ids, lengths):
        """table [V, E], ids [B, L], lengths [B] -> encodings [B, D]."""
        B, L = ids.shape
        mask = torch.arange(L).unsqueeze(0) < lengths.unsqueeze(1)  # [B, L], real positions
        x = F.embedding(ids, table) * mask.unsqueeze(2).to(table.dtype)  # padding rows zero
        if self.network == "pooled_embedding":
            return self.pooled(x, lengths)
        if self.network == "hcnn":
            return self.hcnn(x, mask)
        return self.bilstm(x, lengths)

    def pooled(self, x, lengths):
        pooled = x.sum(1) / lengths.clamp(min=1).unsqueeze(1).to(x.dtype)
        return self.proj(pooled) if self.proj is not None else pooled

    def hcnn(self, x, mask):
        B, L, _ = x.shape
        if L == 0:  # every sequence empty: conv1d refuses a zero-length input
            return x.new_zeros(B, self.enc_dim)
        keep = mask.unsqueeze(1).to(x.dtype)  # [B, 1, L]
        h = x.transpose(1, 2)  # [B, E, L]
        for conv in self.convs:
            h = torch.relu(conv(h)) * keep  # padding rows zero again before the next block
        # max over real positions; an empty sequence (no real position) gives zeros.
        h = h.masked_fill(~mask.unsqueeze(1), float("-inf"))
        out = h.max(dim=2).values
        return torch.where(torch.isinf(out), torch.zeros_like(out), out)

    def bilstm(self, x, lengths):
        B = x.shape[0]
        final = x.new_zeros(B, 2 * self.hidden)  # an empty sequence: zero final state
        real = (lengths > 0).nonzero().flatten()
        if len(real):
            packed = pack_padded_sequence(x[real], lengths[real], batch_first=True,
                                          enforce_sorted=False)
            _, (h_n, _) = self.lstm(packed)  # [num_layers * 2, B', H], batch order restored
            final[real] = torch.cat([h_n[-2], h_n[-1]], dim=1)  # last layer: fwd, reverse
        return self.proj(final)


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

class Object2Vec(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.hp = hp
        self.enc0 = Encoder(hp.enc[0], hp.enc_dim)
        self.enc1 = Encoder(hp.enc[1], hp.enc_dim, own_table=not hp.tied_token_embedding_weight)
        C = hp.comparator_width
        self.mlp = nn.ModuleList(nn.Linear(C if k == 0 else hp.mlp_dim, hp.mlp_dim)
                                 for k in range(hp.mlp_layers))
        self.output = nn.Linear(hp.mlp_dim if hp.mlp_layers else C, hp.output_size)

    def table(self, i):
        if i == 1 and self.hp.tied_token_embedding_weight:
            return self.enc0.embedding.weight
        return (self.enc0 if i == 0 else self.enc1).embedding.weight

    def encode(self, i, seqs, max_seq_len=None):
        """Encoder i's encodings [B, enc_dim] of ragged id lists; max_seq_len is
        infer_max_seqlens (the smaller of it and the encoder's max_seq_len applies)."""
        hp = self.hp.enc[i]
        limit = hp.max_seq_len if max_seq_len is None else min(hp.max_seq_len, max_seq_len)
        ids, lengths = batch_of(seqs, limit)
        for b, s in enumerate(seqs):
            assert all(0 <= t < hp.vocab_size for t in s), ("id out of range", i, b)
        return (self.enc0 if i == 0 else self.enc1)(self.table(i), ids, lengths)

    def compare(self, u, v):
        parts = {"hadamard": lambda: u * v, "concat": lambda: torch.cat([u, v], dim=1),
                 "abs_diff": lambda: (u - v).abs()}
        return torch.cat([parts[name]() for name in self.hp.comparator_list], dim=1)

    def head(self, u, v):
        """Scores from the two encodings: comparator, MLP, output layer."""
        h = self.compare(u, v)
        act = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
        for layer in self.mlp:
            h = act[self.hp.mlp_activation](layer(h))  # dropout: the identity at inference
        out = self.output(h)
        return torch.softmax(out, dim=1) if self.hp.output_layer == "softmax" else out

    def predict(self, in0, in1):
        assert len(in0) == len(in1)
        return self.head(self.encode(0, in0), self.encode(1, in1))
