#!/usr/bin/env python3
"""Independent float64 reference of the Hugging Face Llama-family forward pass.

Writes tiny random checkpoints (config.json + model.safetensors, in the Hugging Face layout) for llama, mistral,
qwen2, gemma and gemma2 into this folder, runs each in float64 following transformers'
modeling_{llama,mistral,qwen2,gemma,gemma2}.py (eager attention, repeat_kv, rotate_half, rope scaling, sliding window,
Gemma's (1 + w) norm, embedding scale and GeGLU, Gemma 2's extra norms, query_pre_attn_scalar and soft-capping),
and writes the logits to reference_logits.json. The xunit tests compare the C# model against that file.

Run with a python that has torch (1.13 or later):  python3 hf_reference.py
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {
    # Llama 3 rope scaling, grouped-query attention, attention and MLP biases, untied head; stored F32.
    "llama": dict(model_type="llama", hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, vocab_size=256, max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=500000.0,
                  rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                    original_max_position_embeddings=16),
                  attention_bias=True, mlp_bias=True, hidden_act="silu", tie_word_embeddings=False,
                  bos_token_id=1, eos_token_id=2, torch_dtype="float32", _dtype="F32"),
    # Sliding window shorter than the sequence, one key/value head, linear rope scaling; stored F32.
    "mistral": dict(model_type="mistral", hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=1, vocab_size=256, max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0,
                    rope_scaling=dict(type="linear", factor=2.0), sliding_window=5, hidden_act="silu",
                    tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, torch_dtype="float32", _dtype="F32"),
    # q/k/v biases without o bias, tied embeddings; stored BF16.
    "qwen2": dict(model_type="qwen2", hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, vocab_size=256, max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
                  use_sliding_window=False, sliding_window=4096, max_window_layers=2, hidden_act="silu",
                  tie_word_embeddings=True, bos_token_id=1, eos_token_id=[2, 3], torch_dtype="bfloat16", _dtype="BF16"),
    # head_dim different from hidden/heads, GeGLU, (1 + w) norm, embedding scale, tied; stored F16.
    "gemma": dict(model_type="gemma", hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2,
                  num_key_value_heads=1, head_dim=24, vocab_size=256, max_position_embeddings=128, rms_norm_eps=1e-6,
                  rope_theta=10000.0, hidden_act="gelu", hidden_activation="gelu_pytorch_tanh", attention_bias=False,
                  tie_word_embeddings=True, bos_token_id=2, eos_token_id=1, pad_token_id=0, torch_dtype="float16", _dtype="F16"),
    # Sandwich norms, query_pre_attn_scalar != head_dim, attention and final soft-capping (small caps so they bite),
    # sliding window on even layers shorter than the sequence; stored F32.
    "gemma2": dict(model_type="gemma2", hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=2,
                   num_key_value_heads=1, head_dim=16, vocab_size=256, max_position_embeddings=128, rms_norm_eps=1e-6,
                   rope_theta=10000.0, hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh",
                   query_pre_attn_scalar=32, attn_logit_softcapping=1.5, final_logit_softcapping=2.5, sliding_window=4,
                   attention_bias=False, tie_word_embeddings=True, bos_token_id=2, eos_token_id=1, pad_token_id=0,
                   torch_dtype="float32", _dtype="F32"),
}

SEQUENCE_LENGTH = 12


def head_dim(c):
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def parameter_shapes(c):
    h, i, d = c["hidden_size"], c["intermediate_size"], head_dim(c)
    nq, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    mt = c["model_type"]
    qkv_bias = mt == "qwen2" or (mt in ("llama", "gemma", "gemma2") and c.get("attention_bias", False))
    o_bias = mt in ("llama", "gemma", "gemma2") and c.get("attention_bias", False)
    mlp_bias = mt == "llama" and c.get("mlp_bias", False)
    shapes = {"model.embed_tokens.weight": (c["vocab_size"], h), "model.norm.weight": (h,)}
    gemma2 = mt == "gemma2"
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        if gemma2:
            shapes[p + "pre_feedforward_layernorm.weight"] = (h,)
            shapes[p + "post_feedforward_layernorm.weight"] = (h,)
        for name, out_f, in_f, bias in [("q_proj", nq * d, h, qkv_bias), ("k_proj", nkv * d, h, qkv_bias),
                                        ("v_proj", nkv * d, h, qkv_bias), ("o_proj", h, nq * d, o_bias)]:
            shapes[p + f"self_attn.{name}.weight"] = (out_f, in_f)
            if bias:
                shapes[p + f"self_attn.{name}.bias"] = (out_f,)
        for name, out_f, in_f in [("gate_proj", i, h), ("up_proj", i, h), ("down_proj", h, i)]:
            shapes[p + f"mlp.{name}.weight"] = (out_f, in_f)
            if mlp_bias:
                shapes[p + f"mlp.{name}.bias"] = (out_f,)
    if not c["tie_word_embeddings"]:
        shapes["lm_head.weight"] = (c["vocab_size"], h)
    return shapes


def random_weights(c, seed):
    g = torch.Generator().manual_seed(seed)
    weights = {}
    for name, shape in parameter_shapes(c).items():
        t = torch.randn(shape, generator=g, dtype=torch.float64)
        if name.endswith("norm.weight"):
            # Gemma's identity norm weight is 0, Llama's is 1.
            t = (0.0 if c["model_type"] in ("gemma", "gemma2") else 1.0) + 0.2 * t
        elif name.endswith(".bias"):
            t = 0.1 * t
        else:
            t = 0.15 * t
        weights[name] = t
    return weights


TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].to(TORCH_DTYPES[dtype]).contiguous()
        raw = (t.view(torch.int16) if dtype in ("F16", "BF16") else t).numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---- The reference forward pass, float64, after transformers' modeling code ----

def inverse_frequencies(c):
    d = head_dim(c)
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    rs = c.get("rope_scaling")
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":  # _compute_llama3_parameters
        factor, low, high, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, inv_llama)
    raise ValueError(kind)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rms_norm(x, w, eps, gemma):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * (1.0 + w) if gemma else w * y


def linear(x, W, prefix, name):
    y = x @ W[prefix + name + ".weight"].T
    b = W.get(prefix + name + ".bias")
    return y + b if b is not None else y


def act(c, x):
    name = c.get("hidden_activation") if c["model_type"] in ("gemma", "gemma2") else c.get("hidden_act", "silu")
    if name == "silu":
        return torch.nn.functional.silu(x)
    if name in ("gelu_pytorch_tanh", "gelu_new"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    raise ValueError(name)


def sliding_window_of_layer(c, layer):
    if c["model_type"] == "mistral":
        return c.get("sliding_window")
    if c["model_type"] == "qwen2" and c.get("use_sliding_window") and layer >= c.get("max_window_layers", 28):
        return c.get("sliding_window")
    if c["model_type"] == "gemma2" and layer % 2 == 0:  # Gemma2Attention: sliding window on even layers
        return c.get("sliding_window")
    return None


def forward(c, W, tokens):
    gemma = c["model_type"] in ("gemma", "gemma2")
    gemma2 = c["model_type"] == "gemma2"
    T, d = len(tokens), head_dim(c)
    nq, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    x = W["model.embed_tokens.weight"][torch.tensor(tokens)]
    if gemma:
        x = x * (c["hidden_size"] ** 0.5)
    pos = torch.arange(T, dtype=torch.float64)
    freqs = pos[:, None] * inverse_frequencies(c)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    q_idx, k_idx = torch.arange(T)[:, None], torch.arange(T)[None, :]
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], c["rms_norm_eps"], gemma)
        q = linear(h, W, p, "self_attn.q_proj").view(T, nq, d).transpose(0, 1)
        k = linear(h, W, p, "self_attn.k_proj").view(T, nkv, d).transpose(0, 1)
        v = linear(h, W, p, "self_attn.v_proj").view(T, nkv, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nq // nkv, dim=0)  # repeat_kv
        v = v.repeat_interleave(nq // nkv, dim=0)
        scaling = c["query_pre_attn_scalar"] ** -0.5 if gemma2 else 1.0 / math.sqrt(d)
        scores = q @ k.transpose(1, 2) * scaling
        if gemma2 and c.get("attn_logit_softcapping"):
            cap = c["attn_logit_softcapping"]
            scores = torch.tanh(scores / cap) * cap
        allowed = k_idx <= q_idx
        window = sliding_window_of_layer(c, l)
        if window is not None:
            allowed = allowed & (k_idx > q_idx - window)
        scores = scores.masked_fill(~allowed, float("-inf"))
        attn = torch.softmax(scores, dim=-1) @ v
        attn = attn.transpose(0, 1).reshape(T, nq * d)
        attn = linear(attn, W, p, "self_attn.o_proj")
        eps = c["rms_norm_eps"]
        mlp = lambda z: linear(act(c, linear(z, W, p, "mlp.gate_proj")) * linear(z, W, p, "mlp.up_proj"), W, p, "mlp.down_proj")
        if gemma2:  # Gemma2DecoderLayer
            x = x + rms_norm(attn, W[p + "post_attention_layernorm.weight"], eps, True)
            h = rms_norm(x, W[p + "pre_feedforward_layernorm.weight"], eps, True)
            x = x + rms_norm(mlp(h), W[p + "post_feedforward_layernorm.weight"], eps, True)
        else:
            x = x + attn
            x = x + mlp(rms_norm(x, W[p + "post_attention_layernorm.weight"], eps, gemma))
    x = rms_norm(x, W["model.norm.weight"], c["rms_norm_eps"], gemma)
    head = W["model.embed_tokens.weight"] if c["tie_word_embeddings"] else W["lm_head.weight"]
    logits = x @ head.T
    if gemma2 and c.get("final_logit_softcapping"):
        cap = c["final_logit_softcapping"]
        logits = torch.tanh(logits / cap) * cap
    return logits


def main():
    results = {}
    for index, (arch, spec) in enumerate(CONFIGS.items()):
        c = {k: v for k, v in spec.items() if not k.startswith("_")}
        dtype = spec["_dtype"]
        folder = os.path.join(HERE, arch)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(dict(architectures=[{"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM",
                                           "gemma": "GemmaForCausalLM", "gemma2": "Gemma2ForCausalLM"}[arch]], **c), f, indent=2)
        weights = random_weights(c, seed=1000 + index)
        write_safetensors(os.path.join(folder, "model.safetensors"), weights, dtype)
        # The reference runs on the weights as stored (rounded to the file's dtype), in float64.
        stored = {n: t.to(TORCH_DTYPES[dtype]).to(torch.float64) for n, t in weights.items()}
        g = torch.Generator().manual_seed(7 + index)
        tokens = torch.randint(3, c["vocab_size"], (SEQUENCE_LENGTH,), generator=g).tolist()
        logits = forward(c, stored, tokens)
        results[arch] = dict(dtype=dtype, tokens=tokens, logits=[[float("%.9g" % v) for v in row] for row in logits.tolist()])
    with open(os.path.join(HERE, "reference_logits.json"), "w") as f:
        json.dump(dict(generator="hf_reference.py (float64, torch %s)" % torch.__version__, models=results), f, separators=(",", ":"))


if __name__ == "__main__":
    main()
