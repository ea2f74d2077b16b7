"""A decoder-only Transformer whose layers cycle through factorized sparse patterns.

Pre-norm blocks (LayerNorm → attention → residual, LayerNorm → MLP → residual) with
*learned* absolute positions (added by the prior, not here). Reads top to bottom:
the cache, attention, MLP, block, then the stack. Shapes: ``x [B, T, D]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from sonido.prior.attention import pattern_mask, sparse_attention


@dataclass
class LayerCache:
    """Keys and values seen so far by one layer: ``[B, H, t, d]`` each."""

    k: torch.Tensor | None = None
    v: torch.Tensor | None = None

    @property
    def length(self) -> int:
        return 0 if self.k is None else self.k.shape[-2]

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.k = k if self.k is None else torch.cat([self.k, k], dim=-2)
        self.v = v if self.v is None else torch.cat([self.v, v], dim=-2)
        return self.k, self.v


@dataclass
class KVCache:
    """One :class:`LayerCache` per layer, for incremental (ancestral) decoding."""

    layers: list[LayerCache] = field(default_factory=list)

    @classmethod
    def empty(cls, n_layers: int) -> KVCache:
        return cls([LayerCache() for _ in range(n_layers)])

    @property
    def length(self) -> int:
        return self.layers[0].length if self.layers else 0


class SparseSelfAttention(nn.Module):
    """Multi-head causal self-attention with one sparse pattern. ``[B, T, D] -> [B, T, D]``."""

    def __init__(self, width: int, heads: int, pattern: str, block: int, dropout: float = 0.0):
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not divisible by heads {heads}")
        self.heads, self.pattern, self.block, self.dropout = heads, pattern, block, dropout
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, cache: LayerCache | None = None) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # (B, H, T, hs) each
        if cache is None:
            y = sparse_attention(q, k, v, self.pattern, self.block)
        else:
            # Incremental decoding: the new queries see the cached keys through the pattern's mask rows.
            start = cache.length
            k, v = cache.append(k, v)
            mask = pattern_mask(self.pattern, start + t, self.block, x.device, start=start)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).reshape(b, t, d)
        return F.dropout(self.proj(y), self.dropout, self.training)


class MLP(nn.Sequential):
    def __init__(self, width: int, dropout: float = 0.0):
        super().__init__(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width), nn.Dropout(dropout))


class Block(nn.Module):
    """Pre-norm Transformer block."""

    def __init__(self, width: int, heads: int, pattern: str, block: int, dropout: float = 0.0):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = SparseSelfAttention(width, heads, pattern, block, dropout)
        self.mlp = MLP(width, dropout)

    def forward(self, x: torch.Tensor, cache: LayerCache | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache)
        return x + self.mlp(self.ln2(x))


class SparseTransformer(nn.Module):
    """A stack of blocks whose patterns cycle through ``patterns``.

    ``forward`` returns the final hidden states and, for the layer indices in ``taps``,
    each tapped layer's output (layer ``i`` is the output of block ``i``, 0-based).
    With ``stop_after_taps`` the layers above the highest tap are not run: features cost
    only the layers up to the tap.
    """

    def __init__(self, width: int, layers: int, heads: int, patterns: tuple[str, ...], block: int, dropout: float = 0.0):
        super().__init__()
        self.patterns = tuple(patterns[i % len(patterns)] for i in range(layers))
        self.blocks = nn.ModuleList([Block(width, heads, p, block, dropout) for p in self.patterns])

    def forward(
        self, x: torch.Tensor, cache: KVCache | None = None, taps: tuple[int, ...] = (), stop_after_taps: bool = False
    ) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
        bad = [t for t in taps if not 0 <= t < len(self.blocks)]
        if bad:
            raise ValueError(f"layers {bad} do not exist: the stack has layers 0..{len(self.blocks) - 1}")
        last = max(taps) if taps and stop_after_taps else len(self.blocks) - 1
        tapped = {}
        for i, blk in enumerate(self.blocks[: last + 1]):
            x = blk(x, None if cache is None else cache.layers[i])
            if i in taps:
                tapped[i] = x
        return x, tapped
