"""The PyTorch side shared by the layer generators in tests/golden/ (make_embedding_fixtures.py,
make_bag_fixtures.py, make_quantized_fixtures.py, make_core_fixtures.py, and the next layers):
dtype names, seeding a case from its name, random tables, case registration, and what the
lookup layers (Embedding, EmbeddingBag) share: their options and the max_norm check. A
library, not a script; the file format and the command line are in fixtures.py.
"""

import zlib

import torch

import fixtures

TORCH_DTYPE = {
    "f32": torch.float32,
    "f64": torch.float64,
    "f16": torch.float16,
    "bf16": torch.bfloat16,
    "i64": torch.int64,
    "i32": torch.int32,
}
_DTYPE_NAME = {v: k for k, v in TORCH_DTYPE.items()}


def dtype_name(torch_dtype):
    """The record dtype of a torch dtype (torch.float32 -> "f32")."""
    return _DTYPE_NAME[torch_dtype]


def torch_tool():
    """The tool part of a provenance line: "torch <version>"."""
    return "torch " + torch.__version__


def seed_for(key):
    """Seeds torch's global generator from a case's key (its name, with the layer's prefix)."""
    torch.manual_seed(zlib.crc32(key.encode("ascii")))


class CaseList(list):
    """The cases of one layer, in file order. add() seeds torch from the case's name, then
    builds the case with make(), so every case draws the same numbers whatever comes before."""

    def __init__(self, seed_prefix=""):
        super().__init__()
        self.seed_prefix = seed_prefix

    def add(self, name, about, make):
        seed_for(self.seed_prefix + name)
        case = make()
        case.name, case.about = name, about
        self.append(case)
        return case


def randn_table(rows, dim, dtype="f32", scale=1.0):
    """A [rows, dim] table of normal values, drawn in float64 and rounded to dtype."""
    return (torch.randn(rows, dim, dtype=torch.float64) * scale).to(TORCH_DTYPE[dtype])


def row_norms(weight, norm_type):
    return torch.linalg.vector_norm(weight.to(torch.float64), ord=norm_type, dim=1)


def referenced_rows(indices, pad):
    """The distinct rows named in indices, other than the padding row, sorted."""
    flat = indices.reshape(-1).to(torch.int64)
    if pad is not None:
        flat = flat[flat != pad]
    return torch.unique(flat)  # sorted


class LookupCase:
    """A case of a lookup layer (Embedding, EmbeddingBag): the table and the options the two
    share. name and about are set by CaseList.add."""

    def __init__(self, weight, padding_idx=None, max_norm=None, norm_type=None,
                 scale_grad_by_freq=False):
        self.name = self.about = ""
        self.weight = weight
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq

    @property
    def rows(self):
        return self.weight.shape[0]

    @property
    def dim(self):
        return self.weight.shape[1]

    def pad(self):
        """padding_idx as a row (negative counts from the end); None when unset."""
        if self.padding_idx is None:
            return None
        return self.padding_idx + self.rows if self.padding_idx < 0 else self.padding_idx

    def torch_options(self):
        """The shared keyword arguments of F.embedding / F.embedding_bag (norm_type only when
        set, so that torch's default applies otherwise)."""
        kwargs = dict(padding_idx=self.padding_idx, max_norm=self.max_norm,
                      scale_grad_by_freq=self.scale_grad_by_freq)
        if self.norm_type is not None:
            kwargs["norm_type"] = self.norm_type
        return kwargs

    def record_options(self, w):
        """The option records (only those that are set)."""
        w.option("padding_idx", "i64", self.padding_idx)
        w.option("max_norm", "f64", self.max_norm)
        w.option("norm_type", "f64", self.norm_type)
        w.option("scale_grad_by_freq", "bool", self.scale_grad_by_freq)


def check_max_norm(case, weight_after, indices):
    """What max_norm did to the case's table: without it (or without indices) nothing
    changes; with it the referenced rows straddle max_norm before and are within it after,
    the others keep their values."""
    weight, max_norm = case.weight, case.max_norm
    if max_norm is None or indices.numel() == 0:
        assert torch.equal(weight_after, weight), case.name
        return
    norm_type = 2.0 if case.norm_type is None else case.norm_type
    used = torch.unique(indices.reshape(-1).to(torch.int64))
    before = row_norms(weight, norm_type)[used]
    after = row_norms(weight_after, norm_type)[used]
    assert (before > max_norm).any() and (before <= max_norm).any(), case.name
    assert (after <= max_norm * (1 + 1e-6)).all(), case.name
    unused = torch.ones(weight.shape[0], dtype=torch.bool)
    unused[used] = False
    assert torch.equal(weight_after[unused], weight[unused]), case.name


def comment_derived_sparse(w, refusal):
    """The comment of sparse_rows/sparse_values taken from the dense gradient because torch
    refused sparse=True with the message `refusal`."""
    w.comment("sparse_rows/sparse_values: derived from grad_weight, because torch refuses")
    w.comment("sparse=True here: \"%s\"." % refusal)
    w.comment("Rows: the distinct indices other than padding_idx, sorted; values: the dense")
    w.comment("gradient's rows at those indices.")


def main(generate, doc=None):
    """fixtures.main with torch on one thread (reproducible reductions)."""
    torch.set_num_threads(1)
    return fixtures.main(generate, doc)
