"""A llama-architecture decoder that llama.cpp runs unchanged once exported.

RMSNorm, SwiGLU, and RoPE rotating adjacent pairs (0,1),(2,3) — llama.cpp's
convention, so the exporter writes Q/K as they are, without permutation.
"""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    vocab_size: int = 1024
    dim: int = 128
    n_layers: int = 4
    n_heads: int = 4
    ffn_dim: int = 384
    context_length: int = 1024
    norm_eps: float = 1e-5
    rope_base: float = 10000.0

    @property
    def head_dim(self):
        return self.dim // self.n_heads

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg: ModelConfig, seq_len: int):
    half = cfg.head_dim // 2
    inv_freq = cfg.rope_base ** (-torch.arange(0, half, dtype=torch.float32) * 2 / cfg.head_dim)
    angles = torch.outer(torch.arange(seq_len, dtype=torch.float32), inv_freq)  # (T, half)
    return torch.cos(angles), torch.sin(angles)


def apply_rope(x, cos, sin):
    # x: (B, H, T, Dh); pairs are adjacent elements (llama.cpp "normal" rope mode).
    x_even, x_odd = x[..., 0::2], x[..., 1::2]
    rot_even = x_even * cos - x_odd * sin
    rot_odd = x_even * sin + x_odd * cos
    return torch.stack((rot_even, rot_odd), dim=-1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.wq = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.wo = nn.Linear(cfg.dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, C = x.shape
        H, Dh = self.cfg.n_heads, self.cfg.head_dim
        q = self.wq(x).view(B, T, H, Dh).transpose(1, 2)
        k = self.wk(x).view(B, T, H, Dh).transpose(1, 2)
        v = self.wv(x).view(B, T, H, Dh).transpose(1, 2).reshape(B * H, T, Dh)
        q = apply_rope(q, cos, sin).reshape(B * H, T, Dh)
        k = apply_rope(k, cos, sin).reshape(B * H, T, Dh)
        # baddbmm fuses the scale and the additive causal mask: attention was a third of
        # the step time on one core with separate div and masked_fill.
        att = torch.baddbmm(mask, q, k.transpose(1, 2), alpha=1.0 / math.sqrt(Dh)).softmax(-1)
        out = torch.bmm(att, v).view(B, H, T, Dh).transpose(1, 2).reshape(B, T, C)
        return self.wo(out)


class FeedForward(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.up = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.down = nn.Linear(cfg.ffn_dim, cfg.dim, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.ffn = FeedForward(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.attn_norm(x), cos, sin, mask)
        return x + self.ffn(self.ffn_norm(x))


class LlamaDecoder(nn.Module):
    """Output tied to the token embedding (llama.cpp falls back to token_embd)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.apply(self._init)
        for block in self.blocks:  # scaled residual init (GPT-2) keeps early steps stable
            for w in (block.attn.wo.weight, block.ffn.down.weight):
                nn.init.normal_(w, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids):
        T = ids.shape[1]
        cos, sin = rope_tables(self.cfg, T)
        mask = torch.full((T, T), float("-inf")).triu(1)  # additive causal mask
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return self.norm(x) @ self.embed.weight.t()

    def n_params(self):
        return sum(p.numel() for p in self.parameters())


PRESETS = {
    "small": dict(dim=128, n_layers=4, n_heads=4, ffn_dim=384),
    "large": dict(dim=256, n_layers=4, n_heads=8, ffn_dim=704),
    "tiny": dict(dim=64, n_layers=2, n_heads=2, ffn_dim=192),
}
