"""A BERT sentence-transformers model in PyTorch: the reference make_sentence_fixtures.py writes
the golden folders of tests/data/sentence/ with, and bench/sentence_torch.py times. A library,
not a script.

    model = SentenceTransformerReference.from_folder("tests/data/sentence/mean_normalize")
    e = model.encode(["Hello, world!", "..."])                     # numpy float32 [N, dim]
    q = model.encode(sentences, precision="int8")                  # numpy int8 [N, dim]
    t = model.encode(sentences, output_value="token_embeddings")   # list of torch [len_i, hidden]
    h = model.encode(sentences, hidden_layer=1)                    # pools hidden_states[1]

Neither `transformers` nor `sentence-transformers` (nor `safetensors`) is installed here, so the
code below is written from their sources, equation by equation and in their order of
operations (float32 torch, eval mode), with the files followed:

  huggingface/transformers, src/transformers/models/bert/modeling_bert.py (the BERT classes are
  the same from 4.x to the main branch):
    BertEmbeddings      (word + token_type) + absolute position, LayerNorm; token_type_ids
                        are all 0 (sentence-transformers passes the tokenizer's zeros)
    BertSelfAttention   q, k, v = Linear(h); scores = q k^T / sqrt(head_size) + mask;
                        softmax(dim=-1); context = probs v, heads concatenated (the eager
                        path; sdpa computes the same function)
    BertSelfOutput      LayerNorm(Linear(context) + h)
    BertIntermediate    gelu(Linear(h)), gelu the exact erf form (ACT2FN["gelu"])
    BertOutput          LayerNorm(Linear(i) + h)
    get_extended_attention_mask (modeling_utils.py): (1 - mask) * torch.finfo(dtype).min,
                        broadcast over heads and query positions (older versions added
                        -10000.0: the same probabilities, exp underflows to 0 either way)
    BertModel           hidden_states = (embeddings output, layer 1, ..., layer L); the
                        pooler is loaded when present and never used (sentence-transformers
                        reads last_hidden_state only); a `bert.` prefix is dropped, as
                        from_pretrained does for a checkpoint of BertForPreTraining
  UKPLab/sentence-transformers at commit be511008 (the 3.x layout: sentence_transformers/
  SentenceTransformer.py, models/Transformer.py, models/Dense.py, models/Normalize.py):
    SentenceTransformer.encode  the prompt (prompt, else prompts[prompt_name], else the
                        default prompt) prepended to every sentence, prompt_length =
                        len(tokenize([prompt]).input_ids) - 1; order by
                        np.argsort([-_text_length(s)]) (characters of prompt + sentence);
                        batches of batch_size in that order; per batch tokenize -> forward ->
                        truncate_dim slice -> normalize_embeddings; results restored to input
                        order; quantize_embeddings over the whole set last. token_embeddings
                        are cut after the last real token. Two details of the 5.x line
                        (SentenceTransformer.py of huggingface/sentence-transformers) are
                        followed as well: truncate_dim is an argument of encode, and an empty
                        prompt ("") is no prompt at all (no prompt_length).
    Transformer.tokenize  str(s).strip(), then s.lower() when do_lower_case (Python's full
                        str.lower(), Final_Sigma included), then the tokenizer with truncation to
                        max_seq_length and padding to the batch's longest text
    Pooling             as tests/golden/make_pooling_fixtures.py's st5_forward (5.x,
                        sentence_transformer/modules/pooling.py of huggingface/
                        sentence-transformers): the modes in the order the config lists them
                        (both key styles read), max over -inf, include_prompt = False zeroes
                        the first prompt_length positions of the mask
    Dense               activation(Linear(sentence_embedding)), the activation a torch class
                        path (default torch.nn.modules.activation.Tanh), weights linear.weight /
                        linear.bias in model.safetensors
    Normalize           F.normalize(sentence_embedding, p=2, dim=1)
  huggingface/sentence-transformers, sentence_transformers/util/quantization.py (main branch,
  commit 0370a4e9):
    quantize_embeddings int8 / uint8: ranges [min; max] per dimension (given, or of the
                        embeddings), steps = (max - min) / 255 with 0 -> 1, q = clip(floor((x -
                        min) / steps), 0, 255), all in float32; uint8 = q, int8 = q - 128;
                        binary = packbits(x > 0, axis=-1) - 128 as int8, ubinary = packbits(x > 0,
                        axis=-1): ceil(dim / 8) bytes a row, first value in the high bit. (The
                        3.x quantization.py truncated without floor or clip, took no zero-width
                        dimension into account and packed the bits of all rows as one stream.)

hidden_layer = k is embedkit's extension: features["token_embeddings"] is hidden_states[k]
(negative k counts from the end, None the last layer) instead of the last layer, for pooling and
for output_value="token_embeddings"; everything after it is unchanged.

The tokenizer is tests/golden/bert_tokenizer_reference.py (the rules of Hugging Face's fast BERT
tokenizer). Model weights are read from safetensors files by the plain-Python reader below
(F32, F16, BF16 and the integer types), BF16 through uint16 bit shifts.
"""

import importlib
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_tokenizer_reference import BertTokenizerReference  # noqa: E402
import safetensors_reference  # noqa: E402

# ---------------------------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------------------------

_NUMPY_OF = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
             "I8": "i1", "U8": "u1", "BOOL": "?"}


def bf16_to_float32(bits):
    """uint16 bfloat16 bit patterns -> float32 (the high half of the float's bits)."""
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def float32_to_bf16(x):
    """float32 values that are bfloat16 values -> their uint16 bit patterns (refuses others:
    rounding is the caller's, by torch's .to(torch.bfloat16))."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    if np.any(bits & np.uint32(0xFFFF)):
        raise ValueError("float32_to_bf16: values are not bfloat16 values")
    return (bits >> np.uint32(16)).astype(np.uint16)


def read_safetensors(path):
    """{name: torch tensor} of a safetensors file, in the file's dtypes (BF16 as bfloat16)."""
    with open(path, "rb") as f:
        entries, _ = safetensors_reference.deserialize(f.read())
    out = {}
    for name, (dtype, shape, data) in entries.items():
        if dtype == "BF16":
            a = bf16_to_float32(np.frombuffer(data, dtype="<u2"))
            t = torch.from_numpy(a.copy()).to(torch.bfloat16)  # exact: the values are bf16's
        elif dtype in _NUMPY_OF:
            t = torch.from_numpy(np.frombuffer(data, dtype=_NUMPY_OF[dtype]).copy())
        else:
            raise ValueError("%s: tensor %s has dtype %s, not read here" % (path, name, dtype))
        out[name] = t.reshape(shape)
    return out


def tensor_entry(t, dtype):
    """(dtype, shape, bytes) of a torch tensor stored as `dtype` ("F32", "F16", "BF16",
    "I64"): the value is rounded to dtype by torch first (round to nearest even)."""
    t = t.detach().contiguous()
    if dtype == "BF16":
        a = t.to(torch.bfloat16).to(torch.float32).numpy()
        return dtype, list(t.shape), float32_to_bf16(a).astype("<u2").tobytes()
    if dtype == "F16":
        return dtype, list(t.shape), t.to(torch.float16).numpy().astype("<f2").tobytes()
    if dtype == "F32":
        return dtype, list(t.shape), t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "I64":
        return dtype, list(t.shape), t.to(torch.int64).numpy().astype("<i8").tobytes()
    raise ValueError("tensor_entry: dtype " + dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (torch tensor, dtype)}; the layout of the safetensors crate."""
    data = safetensors_reference.serialize({n: tensor_entry(t, d) for n, (t, d) in tensors.items()},
                                           metadata)
    with open(path, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------------------------------------
# BertModel (modeling_bert.py)
# ---------------------------------------------------------------------------------------------

class BertConfig:
    """The config.json fields BertModel reads, with BertConfig's defaults."""

    def __init__(self, d):
        self.vocab_size = int(d.get("vocab_size", 30522))
        self.hidden_size = int(d.get("hidden_size", 768))
        self.num_hidden_layers = int(d.get("num_hidden_layers", 12))
        self.num_attention_heads = int(d.get("num_attention_heads", 12))
        self.intermediate_size = int(d.get("intermediate_size", 3072))
        self.hidden_act = d.get("hidden_act", "gelu")
        self.max_position_embeddings = int(d.get("max_position_embeddings", 512))
        self.type_vocab_size = int(d.get("type_vocab_size", 2))
        self.layer_norm_eps = float(d.get("layer_norm_eps", 1e-12))
        self.pad_token_id = int(d.get("pad_token_id", 0))
        self.position_embedding_type = d.get("position_embedding_type", "absolute")
        if self.hidden_act != "gelu":
            raise ValueError("hidden_act %r: only the exact gelu is written here" % self.hidden_act)
        if self.position_embedding_type != "absolute":
            raise ValueError("position_embedding_type %r: only absolute" % self.position_embedding_type)
        if self.hidden_size % self.num_attention_heads:
            raise ValueError("hidden_size %d is not a multiple of num_attention_heads %d"
                             % (self.hidden_size, self.num_attention_heads))

    @classmethod
    def from_file(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids, token_type_ids):
        seq_length = input_ids.shape[1]
        position_ids = torch.arange(seq_length, dtype=torch.long).unsqueeze(0)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c.num_attention_heads
        self.attention_head_size = c.hidden_size // c.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(c.hidden_size, self.all_head_size)
        self.key = nn.Linear(c.hidden_size, self.all_head_size)
        self.value = nn.Linear(c.hidden_size, self.all_head_size)

    def transpose_for_scores(self, x):
        x = x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size))
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, extended_mask):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + extended_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        context = torch.matmul(attention_probs, value_layer).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, hidden_states, extended_mask):
        return self.output(self.self(hidden_states, extended_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, hidden_states):
        return F.gelu(self.dense(hidden_states))  # exact erf form


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, hidden_states, extended_mask):
        attention_output = self.attention(hidden_states, extended_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c.num_hidden_layers))


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)


def extended_attention_mask(attention_mask, dtype):
    """get_extended_attention_mask: [B, L] 0/1 -> [B, 1, 1, L], 0 where attended and the
    dtype's lowest value where masked."""
    extended = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - extended) * torch.finfo(dtype).min


class BertModel(nn.Module):
    """HF's BertModel (eval, absolute positions). forward returns every hidden state:
    (embeddings output, layer 1, ..., layer L), each [B, L, hidden]."""

    # Checkpoint entries BertModel itself ignores on load (a persistent buffer of older
    # transformers versions; the heads of BertForPreTraining).
    IGNORED = ("embeddings.position_ids",)
    IGNORED_PREFIXES = ("cls.",)

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        h = self.embeddings(input_ids, token_type_ids)
        extended = extended_attention_mask(attention_mask, h.dtype)  # the model's dtype
        hidden_states = [h]
        for layer in self.encoder.layer:
            h = layer(h, extended)
            hidden_states.append(h)
        return tuple(hidden_states)

    def load_weights(self, tensors):
        """Fills the model from {HF name: tensor}, with or without the `bert.` prefix, in
        float32 (F16 and BF16 widened exactly). Every weight of the encoder must be there; the
        pooler may be missing (it is never used); an unknown name is an error."""
        state = {}
        for name, t in tensors.items():
            if name.startswith("bert."):
                name = name[len("bert."):]
            if name in self.IGNORED or name.startswith(self.IGNORED_PREFIXES):
                continue
            state[name] = t.to(torch.float32) if t.is_floating_point() else t
        own = self.state_dict()
        unknown = sorted(set(state) - set(own))
        missing = sorted(n for n in set(own) - set(state) if not n.startswith("pooler."))
        if unknown or missing:
            raise ValueError("BertModel.load_weights: unknown %s, missing %s" % (unknown, missing))
        for name, t in state.items():
            if tuple(t.shape) != tuple(own[name].shape):
                raise ValueError("BertModel.load_weights: %s has shape %s, expected %s"
                                 % (name, tuple(t.shape), tuple(own[name].shape)))
        self.load_state_dict(state, strict=False)
        return self


# ---------------------------------------------------------------------------------------------
# sentence-transformers modules
# ---------------------------------------------------------------------------------------------

def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Transformer:
    """models/Transformer.py over BertModel: the model folder's config.json, model.safetensors,
    sentence_bert_config.json and tokenizer files."""

    def __init__(self, folder):
        self.folder = folder
        sbert = os.path.join(folder, "sentence_bert_config.json")
        cfg = read_json(sbert) if os.path.exists(sbert) else {}
        self.config = BertConfig.from_file(os.path.join(folder, "config.json"))
        self.model = BertModel(self.config).eval()
        self.model.load_weights(read_safetensors(os.path.join(folder, "model.safetensors")))
        self.tokenizer = BertTokenizerReference.from_folder(folder)
        self.do_lower_case = bool(cfg.get("do_lower_case", False))
        max_seq_length = cfg.get("max_seq_length")
        if max_seq_length is None:
            # Transformer.__init__: the smaller of the tokenizer's and the model's limits.
            max_seq_length = min(self.tokenizer.max_length, self.config.max_position_embeddings)
        self.max_seq_length = int(max_seq_length)
        self.pad_id = self.tokenizer.vocab[self.tokenizer.pad_token]

    def prepare(self, text):
        """The text the tokenizer sees: stripped, then lowercased with Python's str.lower()
        when do_lower_case."""
        text = str(text).strip()
        return text.lower() if self.do_lower_case else text

    def tokenize(self, texts):
        """{input_ids, attention_mask, token_type_ids}: [B, longest] int64, right-padded."""
        ids = [self.tokenizer.encode(self.prepare(t), max_length=self.max_seq_length) for t in texts]
        width = max(len(x) for x in ids)
        input_ids = torch.full((len(ids), width), self.pad_id, dtype=torch.int64)
        attention_mask = torch.zeros((len(ids), width), dtype=torch.int64)
        for b, x in enumerate(ids):
            input_ids[b, :len(x)] = torch.tensor(x, dtype=torch.int64)
            attention_mask[b, :len(x)] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask,
                "token_type_ids": torch.zeros_like(input_ids)}

    def forward(self, features, hidden_layer=None):
        hidden_states = self.model(features["input_ids"], features["attention_mask"],
                                   features["token_type_ids"])
        features["all_layer_embeddings"] = hidden_states
        k = len(hidden_states) - 1 if hidden_layer is None else hidden_layer
        if not -len(hidden_states) <= k < len(hidden_states):
            raise IndexError("hidden_layer %d: the model has hidden states 0..%d"
                             % (hidden_layer, len(hidden_states) - 1))
        features["token_embeddings"] = hidden_states[k]
        return features


POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken")
LEGACY_POOLING_KEYS = {  # in the order the 3.x Pooling.forward concatenates them
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


class Pooling:
    """models/Pooling.py: 1_Pooling/config.json in either key style (legacy booleans
    pooling_mode_*_tokens / word_embedding_dimension, or pooling_mode as a string or list /
    embedding_dimension); forward as the 5.x padded path."""

    def __init__(self, config):
        config = dict(config)
        if "pooling_mode" in config:
            mode = config["pooling_mode"]
            modes = (mode,) if isinstance(mode, str) else tuple(mode)
        else:
            modes = tuple(m for k, m in LEGACY_POOLING_KEYS.items() if config.get(k, False)) or ("mean",)
        for m in modes:
            if m not in POOLING_MODES:
                raise ValueError("pooling mode %r" % (m,))
        self.modes = modes
        self.dimension = int(config.get("embedding_dimension", config.get("word_embedding_dimension")))
        self.include_prompt = bool(config.get("include_prompt", True))

    @classmethod
    def from_folder(cls, folder):
        return cls(read_json(os.path.join(folder, "config.json")))

    @staticmethod
    def exclude_prompt_from_mask(attention_mask, prompt_length):
        pad_lengths = attention_mask.to(torch.int32).argmax(dim=1)
        if pad_lengths.sum() == 0:
            attention_mask[:, :prompt_length] = 0
        else:
            positions = torch.arange(attention_mask.size(1)).unsqueeze(0)
            attention_mask[positions < (pad_lengths + prompt_length).unsqueeze(1)] = 0
        return attention_mask

    def forward(self, features):
        token_embeddings = features["token_embeddings"]
        attention_mask = features["attention_mask"].clone()  # the mask is zeroed in place below
        if not self.include_prompt and "prompt_length" in features:
            attention_mask = self.exclude_prompt_from_mask(attention_mask, int(features["prompt_length"]))
        out = []
        mean_sum = mean_mask = None
        for mode in self.modes:
            if mode == "cls":
                hidden_dim = token_embeddings.shape[-1]
                first = attention_mask.to(torch.int).argmax(dim=1)
                index = first.unsqueeze(-1).unsqueeze(1).expand(-1, 1, hidden_dim)
                out.append(torch.gather(token_embeddings, 1, index).squeeze(1))
            elif mode == "max":
                mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
                out.append(token_embeddings.masked_fill(mask == 0, float("-inf")).max(dim=1).values)
            elif mode in ("mean", "mean_sqrt_len_tokens"):
                if mean_sum is None:
                    mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
                    mean_sum = (token_embeddings * mask).sum(dim=1)
                    mean_mask = torch.clamp(mask.sum(dim=1), min=1e-9)
                out.append(mean_sum / mean_mask if mode == "mean" else mean_sum / torch.sqrt(mean_mask))
            elif mode == "weightedmean":
                mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
                weights = (torch.arange(start=1, end=token_embeddings.shape[1] + 1).unsqueeze(0).unsqueeze(-1)
                           .expand_as(token_embeddings).to(token_embeddings.dtype))
                weighted_mask = mask * weights
                sum_embeddings = (token_embeddings * weighted_mask).sum(dim=1)
                out.append(sum_embeddings / torch.clamp(weighted_mask.sum(dim=1), min=1e-9))
            elif mode == "lasttoken":
                _, seq_len, hidden_dim = token_embeddings.shape
                values, indices = attention_mask.flip(1).max(1)
                indices = torch.where(values == 0, seq_len - 1, indices)
                index = (seq_len - indices - 1).unsqueeze(-1).unsqueeze(1).expand(-1, 1, hidden_dim)
                mask = attention_mask.unsqueeze(-1).expand_as(token_embeddings).to(token_embeddings.dtype)
                out.append(torch.gather(token_embeddings * mask, 1, index).squeeze(dim=1))
        features["sentence_embedding"] = torch.cat(out, dim=-1)
        return features


def import_from_string(path):
    """sentence_transformers.util.import_from_string: "torch.nn.modules.activation.Tanh" -> the
    class."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class Dense:
    """models/Dense.py: N_Dense/config.json {in_features, out_features, bias,
    activation_function} and N_Dense/model.safetensors {linear.weight [out, in], linear.bias}."""

    DEFAULT_ACTIVATION = "torch.nn.modules.activation.Tanh"

    def __init__(self, folder):
        config = read_json(os.path.join(folder, "config.json"))
        self.activation_name = config.get("activation_function", self.DEFAULT_ACTIVATION)
        if not self.activation_name.startswith("torch."):
            raise ValueError("Dense: activation_function %r is not a torch class" % self.activation_name)
        self.activation = import_from_string(self.activation_name)()
        self.linear = nn.Linear(int(config["in_features"]), int(config["out_features"]),
                                bias=bool(config.get("bias", True)))
        tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
        state = {k.split(".", 1)[1]: v.to(torch.float32) for k, v in tensors.items()}
        if set(tensors) != {"linear." + k for k in self.linear.state_dict()}:
            raise ValueError("Dense: tensors %s" % sorted(tensors))
        self.linear.load_state_dict(state)

    def forward(self, features):
        features["sentence_embedding"] = self.activation(self.linear(features["sentence_embedding"]))
        return features


class Normalize:
    """models/Normalize.py."""

    def forward(self, features):
        features["sentence_embedding"] = F.normalize(features["sentence_embedding"], p=2, dim=1)
        return features


# ---------------------------------------------------------------------------------------------
# quantization.py
# ---------------------------------------------------------------------------------------------

PRECISIONS = ("float32", "int8", "uint8", "binary", "ubinary")


def quantize_embeddings(embeddings, precision, ranges=None):
    """quantize_embeddings of an [N, D] float32 array (see the module comment)."""
    embeddings = np.asarray(embeddings)
    if embeddings.dtype in (np.uint8, np.int8):
        raise ValueError("Embeddings to quantize must be float rather than int8 or uint8.")
    if precision == "float32":
        return embeddings.astype(np.float32)
    if precision.endswith("int8"):
        if ranges is None:
            ranges = np.vstack((np.min(embeddings, axis=0), np.max(embeddings, axis=0)))
        ranges = np.asarray(ranges).astype(np.float32, copy=False)
        starts = ranges[0, :]
        steps = (ranges[1, :] - starts) / 255
        steps = np.where(steps == 0, 1, steps)
        q = np.clip(np.floor((embeddings - starts) / steps), 0, 255)
        return q.astype(np.uint8) if precision == "uint8" else (q - 128).astype(np.int8)
    if precision == "binary":
        return (np.packbits(embeddings > 0, axis=-1) - 128).astype(np.int8)
    if precision == "ubinary":
        return np.packbits(embeddings > 0, axis=-1)
    raise ValueError("Precision %r is not supported" % (precision,))


# ---------------------------------------------------------------------------------------------
# SentenceTransformer
# ---------------------------------------------------------------------------------------------

MODULE_TYPES = {
    "sentence_transformers.models.Transformer": "transformer",
    "sentence_transformers.models.Pooling": "pooling",
    "sentence_transformers.models.Dense": "dense",
    "sentence_transformers.models.Normalize": "normalize",
}


def text_length(text):
    """SentenceTransformer._text_length of a string: its number of characters."""
    return len(text)


class SentenceTransformerReference:
    """A model folder as sentence-transformers loads it: modules.json in its order,
    config_sentence_transformers.json's prompts and default_prompt_name."""

    def __init__(self, folder):
        self.folder = folder
        self.modules = []
        for entry in sorted(read_json(os.path.join(folder, "modules.json")), key=lambda e: e["idx"]):
            kind = MODULE_TYPES.get(entry["type"])
            path = os.path.join(folder, entry.get("path", ""))
            if kind == "transformer":
                self.modules.append(Transformer(path))
            elif kind == "pooling":
                self.modules.append(Pooling.from_folder(path))
            elif kind == "dense":
                self.modules.append(Dense(path))
            elif kind == "normalize":
                self.modules.append(Normalize())
            else:
                raise ValueError("modules.json: module type %r" % entry["type"])
        if not isinstance(self.modules[0], Transformer):
            raise ValueError("modules.json: the first module must be a Transformer")
        st = os.path.join(folder, "config_sentence_transformers.json")
        cfg = read_json(st) if os.path.exists(st) else {}
        self.prompts = dict(cfg.get("prompts") or {})
        self.default_prompt_name = cfg.get("default_prompt_name")

    @classmethod
    def from_folder(cls, folder):
        return cls(folder)

    @property
    def transformer(self):
        return self.modules[0]

    @property
    def tokenizer(self):
        return self.transformer.tokenizer

    @property
    def max_seq_length(self):
        return self.transformer.max_seq_length

    def dimension(self):
        """get_sentence_embedding_dimension: the last Dense's out_features, else the pooling's
        output width."""
        for m in reversed(self.modules):
            if isinstance(m, Dense):
                return m.linear.out_features
            if isinstance(m, Pooling):
                return m.dimension * len(m.modes)
        return self.transformer.config.hidden_size

    def resolve_prompt(self, prompt=None, prompt_name=None):
        """The prompt encode prepends: prompt, else prompts[prompt_name], else the default
        prompt; None or "" is none."""
        if prompt is None:
            if prompt_name is not None:
                if prompt_name not in self.prompts:
                    raise ValueError("Prompt name '%s' not found in the configured prompts dictionary "
                                     "with keys %r." % (prompt_name, list(self.prompts)))
                prompt = self.prompts[prompt_name]
            elif self.default_prompt_name is not None:
                prompt = self.prompts.get(self.default_prompt_name)
        return prompt if prompt else None

    def prompt_length(self, prompt):
        """len(tokenize([prompt]).input_ids) - 1: [CLS] and the prompt's tokens."""
        return self.transformer.tokenize([prompt])["input_ids"].shape[-1] - 1

    def tokenized_texts(self, sentences, prompt=None, prompt_name=None):
        """The strings the tokenizer is given for each sentence (prompt prepended, stripped,
        lowercased when do_lower_case)."""
        prompt = self.resolve_prompt(prompt, prompt_name)
        return [self.transformer.prepare((prompt or "") + s) for s in sentences]

    def forward(self, features, hidden_layer=None):
        features = self.transformer.forward(features, hidden_layer)
        for m in self.modules[1:]:
            features = m.forward(features)
        return features

    @torch.no_grad()
    def encode(self, sentences, batch_size=32, output_value="sentence_embedding", precision="float32",
               normalize_embeddings=False, truncate_dim=None, prompt_name=None, prompt=None,
               hidden_layer=None, ranges=None):
        """SentenceTransformer.encode for a list of strings: a float32 numpy array [N, dim]
        (quantized: int8 / uint8 [N, dim] or [N, ceil(dim / 8)]), or for
        output_value="token_embeddings" a list of float32 tensors [len_i, hidden]. ranges is
        passed to quantize_embeddings (sentence-transformers' encode passes none)."""
        if batch_size <= 0:
            raise ValueError("batch_size must be a positive integer")
        if precision not in PRECISIONS:
            raise ValueError("Precision %r is not supported" % (precision,))
        sentences = list(sentences)
        prompt = self.resolve_prompt(prompt, prompt_name)
        extra = {}
        if prompt is not None:
            sentences = [prompt + s for s in sentences]
            extra["prompt_length"] = self.prompt_length(prompt)

        length_sorted_idx = np.argsort([-text_length(s) for s in sentences])
        sentences_sorted = [sentences[i] for i in length_sorted_idx]
        all_embeddings = []
        for start in range(0, len(sentences), batch_size):
            features = self.transformer.tokenize(sentences_sorted[start:start + batch_size])
            features.update(extra)
            out = self.forward(features, hidden_layer)
            if truncate_dim:
                out["sentence_embedding"] = out["sentence_embedding"][..., :truncate_dim]
            if output_value == "token_embeddings":
                embeddings = []
                for token_emb, attention in zip(out["token_embeddings"], out["attention_mask"]):
                    last = len(attention) - 1
                    while last > 0 and attention[last].item() == 0:
                        last -= 1
                    embeddings.append(token_emb[0:last + 1])
            else:
                embeddings = out["sentence_embedding"].detach()
                if normalize_embeddings:
                    embeddings = F.normalize(embeddings, p=2, dim=1)
            all_embeddings.extend(embeddings)
        all_embeddings = [all_embeddings[i] for i in np.argsort(length_sorted_idx)]

        if output_value == "token_embeddings":
            return all_embeddings
        if not all_embeddings:
            return np.zeros((0, self.dimension() if not truncate_dim else min(truncate_dim, self.dimension())),
                            dtype=np.float32)
        result = torch.stack(all_embeddings).numpy()  # float32 (float64 for a model in float64)
        if precision != "float32" and len(result):
            result = quantize_embeddings(result, precision, ranges)
        return result
