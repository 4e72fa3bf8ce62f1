#!/usr/bin/env python3
"""Generate the Pooling golden fixtures under tests/data/pooling/ from sentence-transformers'
pooling arithmetic, run in PyTorch.

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_pooling_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_pooling_fixtures.py --check   # compare, write nothing

sentence-transformers is not installed here, so the functions below reproduce its code line
for line (torch calls only, the same order of operations):

  st5_forward    Pooling.forward, Pooling._exclude_prompt_from_mask and Pooling._forward_padded
                 of sentence-transformers 5.x (sentence_transformers/sentence_transformer/
                 modules/pooling.py, main branch at version 5.6.0.dev0), the version embedkit
                 follows: cls gathers at argmax(mask) (the first real token), max fills padding
                 with -inf, lasttoken gathers at the last real token, include_prompt = False
                 zeroes the positions before first real token + prompt_length.
  st3_forward    Pooling.forward of the 3.x line (sentence_transformers/models/Pooling.py with
                 include_prompt): max fills padding with -1e9 in place, include_prompt = False
                 zeroes attention_mask[:, :prompt_length]. Used by the legacy_max_fill case,
                 which the layer reproduces with PoolingConfig::max_fill = -1e9, and checked
                 against st5_forward where the two versions agree. (Its cls takes position 0
                 whatever the mask, and after max's in-place fill it even reads -1e9 there, so
                 the legacy case leaves cls out.)

"sum" is embedkit's own mode (torch.sum(x * mask, 1)); it is appended last, its place in the
enum order.

Records of a case file:
    x              [B, L, D] f32 (f64 in the f64 case): the token embeddings
    mask           [B, L] bool, the attention mask given to the layer; or
    lengths        [B] i64: sample b's real tokens are positions [0, lengths[b])
    modes          [k] i64: the modes as listed to the layer (PoolingMode values: 0 cls, 1 max,
                   2 mean, 3 mean_sqrt_len_tokens, 4 weightedmean, 5 lasttoken, 6 sum); the
                   output holds them in that enum order whatever the listing order
    include_prompt bool scalar; prompt_length i64 scalar (passed to forward)
    max_fill       f64 scalar, only where it is not the default -inf
    output         [B, k * D]: sentence-transformers' sentence_embedding
    normalized     [B, k * D], only in the cases that normalise: F.normalize(output, p=2, dim=1),
                   sentence-transformers' Normalize module

Every case seeds torch.manual_seed from its name, so re-running the script reproduces the
committed files byte for byte (for the same torch build).
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402
from torch_fixtures import CaseList  # noqa: E402

SCRIPT = "make_pooling_fixtures.py"

# embedkit's PoolingMode, in enum order (the output order).
MODES = ["cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken", "sum"]
ST_MODES = MODES[:6]
ALL = list(range(7))
ALL_ST = list(range(6))


# ---------------------------------------------------------------------------
# sentence-transformers 5.x: Pooling.forward on padded input (no cu_seq_lens_q)
# ---------------------------------------------------------------------------

def st5_exclude_prompt_from_mask(attention_mask, prompt_length):
    """Pooling._exclude_prompt_from_mask."""
    pad_lengths = attention_mask.to(torch.int32).argmax(dim=1)
    if pad_lengths.sum() == 0:
        # No left-padding: directly zero-out the first ``prompt_length`` positions.
        attention_mask[:, :prompt_length] = 0
    else:
        # Left-padding present: zero-out all pad + prompt positions.
        positions = torch.arange(attention_mask.size(1), device=attention_mask.device).unsqueeze(0)
        attention_mask[positions < (pad_lengths + prompt_length).unsqueeze(1)] = 0
    return attention_mask


def st5_forward_padded(token_embeddings, attention_mask, modes, features):
    """Pooling._forward_padded."""
    output_vectors = []
    mean_sum = None
    mean_mask = None
    for mode in modes:
        if mode == "cls":
            if "cls_token_embeddings" in features:
                output_vectors.append(features["cls_token_embeddings"])
            else:
                hidden_dim = token_embeddings.shape[-1]
                first_indices = attention_mask.to(torch.int).argmax(dim=1)
                gather_indices = first_indices.unsqueeze(-1).unsqueeze(1).expand(-1, 1, hidden_dim)
                output_vectors.append(torch.gather(token_embeddings, 1, gather_indices).squeeze(1))
        elif mode == "max":
            mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
            output_vectors.append(token_embeddings.masked_fill(mask == 0, float("-inf")).max(dim=1).values)
        elif mode in ("mean", "mean_sqrt_len_tokens"):
            if mean_sum is None:
                mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
                mean_sum = (token_embeddings * mask).sum(dim=1)
                if "token_weights_sum" in features:
                    mean_mask = features["token_weights_sum"].unsqueeze(-1).expand_as(mean_sum)
                else:
                    mean_mask = mask.sum(dim=1)
                mean_mask = torch.clamp(mean_mask, min=1e-9)
            if mode == "mean":
                output_vectors.append(mean_sum / mean_mask)
            else:
                output_vectors.append(mean_sum / torch.sqrt(mean_mask))
        elif mode == "weightedmean":
            mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
            weights = (
                torch.arange(start=1, end=token_embeddings.shape[1] + 1, device=token_embeddings.device)
                .unsqueeze(0)
                .unsqueeze(-1)
                .expand_as(token_embeddings)
                .to(token_embeddings.dtype)
            )
            weighted_mask = mask * weights
            sum_embeddings = (token_embeddings * weighted_mask).sum(dim=1)
            if "token_weights_sum" in features:
                sum_mask = features["token_weights_sum"].unsqueeze(-1).expand_as(sum_embeddings)
            else:
                sum_mask = weighted_mask.sum(dim=1)
            output_vectors.append(sum_embeddings / torch.clamp(sum_mask, min=1e-9))
        elif mode == "lasttoken":
            bs, seq_len, hidden_dim = token_embeddings.shape
            values, indices = attention_mask.flip(1).max(1)
            indices = torch.where(values == 0, seq_len - 1, indices)
            gather_indices = (seq_len - indices - 1).unsqueeze(-1).unsqueeze(1).expand(-1, 1, hidden_dim)
            mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
            output_vectors.append(torch.gather(token_embeddings * mask, 1, gather_indices).squeeze(dim=1))
    return output_vectors


def st5_forward(features, pooling_mode, include_prompt):
    """Pooling.forward (padded path): features holds token_embeddings, attention_mask and
    optionally prompt_length; returns sentence_embedding."""
    token_embeddings = features["token_embeddings"]
    prompt_length = None
    if not include_prompt and "prompt_length" in features:
        pl = features["prompt_length"]
        prompt_length = int(pl[0].item()) if isinstance(pl, torch.Tensor) else int(pl)
    if "attention_mask" in features and features["attention_mask"].size(-1) == token_embeddings.size(1):
        attention_mask = features["attention_mask"]
    else:
        attention_mask = torch.ones(token_embeddings.shape[:-1], device=token_embeddings.device, dtype=torch.int64)
    if prompt_length is not None:
        attention_mask = st5_exclude_prompt_from_mask(attention_mask, prompt_length)
    modes = (pooling_mode,) if isinstance(pooling_mode, str) else pooling_mode
    output_vectors = st5_forward_padded(token_embeddings, attention_mask, modes, features)
    return torch.cat(output_vectors, dim=-1)


# ---------------------------------------------------------------------------
# sentence-transformers 3.x: Pooling.forward (flags, -1e9 fill in place)
# ---------------------------------------------------------------------------

def st3_forward(features, flags, include_prompt):
    """Pooling.forward of 3.x; flags holds the pooling_mode_* booleans."""
    token_embeddings = features["token_embeddings"]
    attention_mask = (
        features["attention_mask"]
        if "attention_mask" in features and features["attention_mask"].size(-1) == token_embeddings.size(1)
        else torch.ones(token_embeddings.shape[:-1], device=token_embeddings.device, dtype=torch.int64)
    )
    if not include_prompt and "prompt_length" in features:
        prompt_length = features["prompt_length"]
        if isinstance(prompt_length, torch.Tensor):
            prompt_length = prompt_length[0].item()
        attention_mask[:, :prompt_length] = 0

    output_vectors = []
    if flags["pooling_mode_cls_token"]:
        cls_token = features.get("cls_token_embeddings", token_embeddings[:, 0])
        output_vectors.append(cls_token)
    if flags["pooling_mode_max_tokens"]:
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        token_embeddings[input_mask_expanded == 0] = -1e9
        max_over_time = torch.max(token_embeddings, 1)[0]
        output_vectors.append(max_over_time)
    if flags["pooling_mode_mean_tokens"] or flags["pooling_mode_mean_sqrt_len_tokens"]:
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        sum_embeddings = torch.sum(token_embeddings * input_mask_expanded, 1)
        if "token_weights_sum" in features:
            sum_mask = features["token_weights_sum"].unsqueeze(-1).expand(sum_embeddings.size())
        else:
            sum_mask = input_mask_expanded.sum(1)
        sum_mask = torch.clamp(sum_mask, min=1e-9)
        if flags["pooling_mode_mean_tokens"]:
            output_vectors.append(sum_embeddings / sum_mask)
        if flags["pooling_mode_mean_sqrt_len_tokens"]:
            output_vectors.append(sum_embeddings / torch.sqrt(sum_mask))
    if flags["pooling_mode_weightedmean_tokens"]:
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        weights = (
            torch.arange(start=1, end=token_embeddings.shape[1] + 1)
            .unsqueeze(0)
            .unsqueeze(-1)
            .expand(token_embeddings.size())
            .to(token_embeddings.dtype)
            .to(token_embeddings.device)
        )
        assert weights.shape == token_embeddings.shape == input_mask_expanded.shape
        input_mask_expanded = input_mask_expanded * weights
        sum_embeddings = torch.sum(token_embeddings * input_mask_expanded, 1)
        if "token_weights_sum" in features:
            sum_mask = features["token_weights_sum"].unsqueeze(-1).expand(sum_embeddings.size())
        else:
            sum_mask = input_mask_expanded.sum(1)
        sum_mask = torch.clamp(sum_mask, min=1e-9)
        output_vectors.append(sum_embeddings / sum_mask)
    if flags["pooling_mode_lasttoken"]:
        bs, seq_len, hidden_dim = token_embeddings.shape
        values, indices = attention_mask.flip(1).max(1)
        indices = torch.where(values == 0, seq_len - 1, indices)
        gather_indices = seq_len - indices - 1
        gather_indices = gather_indices.unsqueeze(-1).repeat(1, hidden_dim)
        gather_indices = gather_indices.unsqueeze(1)
        assert gather_indices.shape == (bs, 1, hidden_dim)
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        embedding = torch.gather(token_embeddings * input_mask_expanded, 1, gather_indices).squeeze(dim=1)
        output_vectors.append(embedding)
    return torch.cat(output_vectors, 1)


FLAG_OF = {
    "cls": "pooling_mode_cls_token",
    "max": "pooling_mode_max_tokens",
    "mean": "pooling_mode_mean_tokens",
    "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
    "weightedmean": "pooling_mode_weightedmean_tokens",
    "lasttoken": "pooling_mode_lasttoken",
}


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

class Case:
    def __init__(self, x, modes, mask=None, lengths=None, include_prompt=True, prompt_length=0,
                 legacy=False, normalize=False):
        self.name = self.about = ""
        self.x = x
        self.modes = modes  # as listed to the layer
        self.mask = mask
        self.lengths = lengths
        self.include_prompt = include_prompt
        self.prompt_length = prompt_length
        self.legacy = legacy  # sentence-transformers 3.x, max_fill -1e9
        self.normalize = normalize


def randn(b, l, d, dtype=torch.float32):
    """Token vectors drawn in float64 and rounded to dtype."""
    return torch.randn(b, l, d, dtype=torch.float64).to(dtype)


def right_padded(lengths, length):
    return torch.arange(length).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)


def left_padded(lengths, length):
    return torch.arange(length).unsqueeze(0) >= (length - torch.tensor(lengths)).unsqueeze(1)


def build_cases():
    cases = CaseList("pooling/")
    add = cases.add
    lengths = [6, 3, 1, 4]  # a full row, padded rows, a one-token row

    for m in range(7):
        mode = MODES[m]
        add(mode, "%s alone, B=4 L=6 D=5, right padding (lengths %s)" % (mode, lengths),
            lambda m=m: Case(randn(4, 6, 5), [m], mask=right_padded(lengths, 6)))
    add("all_modes", "every mode, listed out of order; the output holds them in enum order",
        lambda: Case(randn(4, 6, 5), [5, 3, 0, 6, 2, 4, 1], mask=right_padded(lengths, 6)))
    add("right_padding", "every sentence-transformers mode, right padding (lengths 7, 2, 5)",
        lambda: Case(randn(3, 7, 6), ALL_ST, mask=right_padded([7, 2, 5], 7)))
    add("left_padding", "every mode, left padding (pads first): cls and lasttoken find the "
        "first / last real token",
        lambda: Case(randn(4, 6, 5), ALL, mask=left_padded([3, 6, 1, 5], 6)))
    add("mask_holes", "every mode, masks with holes (real tokens not contiguous)",
        lambda: Case(randn(3, 7, 5), ALL,
                     mask=torch.tensor([[1, 0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 0, 0],
                                        [1, 1, 1, 0, 1, 1, 1]], dtype=torch.bool)))
    add("empty_row", "every mode, sample 1 has no real token: cls gives its position 0, max "
        "-inf, the others 0",
        lambda: Case(randn(3, 5, 5), ALL, mask=right_padded([3, 0, 5], 5)))
    add("exclude_prompt", "include_prompt false, prompt_length 2, right padding; sample 2 has "
        "only its prompt (its cls falls back to position 0)",
        lambda: Case(randn(4, 6, 5), ALL, mask=right_padded([6, 4, 2, 5], 6),
                     include_prompt=False, prompt_length=2))
    add("exclude_prompt_left_padding", "include_prompt false, prompt_length 2, left padding: "
        "the prompt after the pads leaves the mask",
        lambda: Case(randn(4, 6, 5), ALL, mask=left_padded([6, 4, 3, 2], 6),
                     include_prompt=False, prompt_length=2))
    add("include_prompt", "include_prompt true with prompt_length 3: the prompt stays in",
        lambda: Case(randn(3, 6, 5), ALL, mask=right_padded([6, 4, 3], 6), prompt_length=3))
    add("lengths", "every mode, lengths [5, 0, 2, 7] instead of a mask",
        lambda: Case(randn(4, 7, 5), ALL, lengths=[5, 0, 2, 7]))
    add("lengths_exclude_prompt", "lengths [5, 1, 3] with include_prompt false, prompt_length 1",
        lambda: Case(randn(3, 5, 6), [2, 0, 5], lengths=[5, 1, 3], include_prompt=False,
                     prompt_length=1))
    add("normalize", "mean then Normalize (the all-MiniLM-L6-v2 pipeline), B=4 L=9 D=32",
        lambda: Case(randn(4, 9, 32), [2], mask=right_padded([9, 5, 7, 2], 9), normalize=True))
    add("dim19", "every mode, D=19 (not a multiple of a vector width), B=3 L=8",
        lambda: Case(randn(3, 8, 19), ALL, mask=right_padded([8, 3, 6], 8)))
    add("large", "every mode then Normalize, B=5 L=37 D=384",
        lambda: Case(randn(5, 37, 384), ALL, mask=right_padded([37, 12, 30, 1, 25], 37),
                     normalize=True))
    add("f64", "every mode in float64, right padding and an empty row",
        lambda: Case(randn(3, 6, 7, torch.float64), ALL, mask=right_padded([6, 0, 4], 6)))
    add("legacy_max_fill", "sentence-transformers 3.x (max_fill -1e9): max, mean, weightedmean "
        "and lasttoken with an empty row and include_prompt false",
        lambda: Case(randn(3, 6, 5), [1, 2, 4, 5], mask=right_padded([6, 0, 4], 6),
                     include_prompt=False, prompt_length=1, legacy=True))
    return cases


# ---------------------------------------------------------------------------
# Running the reference and writing a case
# ---------------------------------------------------------------------------

def attention_mask_of(case):
    """The int64 attention mask a tokenizer would give (from the mask or the lengths)."""
    if case.lengths is not None:
        return right_padded(case.lengths, case.x.shape[1]).to(torch.int64)
    return case.mask.to(torch.int64)


def features_of(case):
    f = {"token_embeddings": case.x.clone(), "attention_mask": attention_mask_of(case)}
    if case.prompt_length:
        f["prompt_length"] = case.prompt_length
    return f


def reference_output(case):
    """sentence_embedding of the sentence-transformers version the case follows, plus sum."""
    st = [MODES[m] for m in sorted(case.modes) if m < 6]
    parts = []
    if st:
        if case.legacy:
            flags = {FLAG_OF[m]: m in st for m in ST_MODES}
            parts.append(st3_forward(features_of(case), flags, case.include_prompt))
        else:
            parts.append(st5_forward(features_of(case), tuple(st), case.include_prompt))
    if 6 in case.modes:
        # embedkit's sum, written in the same style over the same (prompt-excluded) mask.
        mask = attention_mask_of(case)
        if not case.include_prompt and case.prompt_length:
            mask = st5_exclude_prompt_from_mask(mask, case.prompt_length)
        x = case.x
        parts.append(torch.sum(x * mask.unsqueeze(-1).expand(x.size()).to(x.dtype), 1))
    return torch.cat(parts, 1)


def effective_mask(case):
    mask = attention_mask_of(case).bool()
    if not case.include_prompt and case.prompt_length:
        mask = st5_exclude_prompt_from_mask(mask.to(torch.int64), case.prompt_length).bool()
    return mask


def check_case(case, out):
    """Independent checks of the reference on the rules the layer documents: the blocks'
    order, cls / lasttoken at the first / last real token, max's fill, and (legacy) the
    3.x and 5.x code agreeing outside max's fill."""
    d = case.x.shape[2]
    mask = effective_mask(case)
    blocks = dict(zip(sorted(case.modes), out.split(d, dim=1)))
    for b in range(case.x.shape[0]):
        real = mask[b].nonzero().flatten().tolist()
        if 0 in blocks:  # cls
            assert torch.equal(blocks[0][b], case.x[b, real[0] if real else 0]), case.name
        if 5 in blocks:  # lasttoken
            want = case.x[b, real[-1]] if real else torch.zeros(d, dtype=case.x.dtype)
            assert torch.equal(blocks[5][b], want), case.name
        if 1 in blocks and not real:
            fill = -1e9 if case.legacy else float("-inf")
            assert (blocks[1][b] == fill).all(), case.name
        if 2 in blocks and real:
            ref = case.x[b, real].double().mean(0)
            assert torch.allclose(blocks[2][b].double(), ref, rtol=1e-5, atol=1e-6), case.name
    if case.legacy:
        st = tuple(MODES[m] for m in sorted(case.modes))
        newer = st5_forward(features_of(case), st, case.include_prompt)
        fill = out == -1e9
        assert torch.equal(newer[~fill], out[~fill]) and (newer[fill] == float("-inf")).all()


def write_case(case):
    dt = tf.dtype_name(case.x.dtype)
    w = FixtureWriter("pooling", case.name + ".txt")
    w.comment("Pooling case '%s': %s." % (case.name, case.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    if case.legacy:
        w.comment("output = sentence-transformers 3.x Pooling.forward (padding filled with -1e9 for")
        w.comment("max, include_prompt false zeroes mask[:, :prompt_length]).")
    else:
        w.comment("output = sentence-transformers 5.x Pooling.forward (padded path) over the modes in")
        w.comment("enum order%s." % (", then sum = torch.sum(x * mask, 1)" if 6 in case.modes else ""))
    if case.normalize:
        w.comment("normalized = F.normalize(output, p=2, dim=1) (sentence-transformers' Normalize).")

    out = reference_output(case)
    check_case(case, out)
    assert out.dtype == case.x.dtype and out.shape == (case.x.shape[0], case.x.shape[2] * len(case.modes))

    w.record("x", dt, case.x)
    if case.lengths is not None:
        w.record("lengths", "i64", torch.tensor(case.lengths, dtype=torch.int64))
    else:
        w.record("mask", "bool", case.mask)
    w.record("modes", "i64", torch.tensor(case.modes, dtype=torch.int64))
    w.scalar("include_prompt", "bool", case.include_prompt)
    w.scalar("prompt_length", "i64", case.prompt_length)
    if case.legacy:
        w.scalar("max_fill", "f64", -1e9)
    w.record("output", dt, out)
    if case.normalize:
        w.record("normalized", dt, F.normalize(out, p=2, dim=1))
    w.save()
    return "%d modes" % len(case.modes)


def generate():
    fixtures.write_cases("pooling", build_cases(), write_case, "Pooling fixture cases", SCRIPT)


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
