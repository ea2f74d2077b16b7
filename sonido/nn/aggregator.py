"""Attention aggregation of a frame sequence into one vector, with token-out augmentation.

SoniDo's tagging head: frame-level features go through a Transformer encoder layer and an
attention-pooling query; during training *token-out* drops a random share of the frames
(they are masked out of attention), so the aggregator cannot lean on a few frames.
"""

from __future__ import annotations

import torch
from torch import nn


def token_out(frames: int, batch: int, rate: float, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
    """A keep-mask ``[B, T]`` (True = kept) dropping each frame with probability ``rate``.

    At least one frame per row is kept (if every frame was drawn for dropping, a random one
    is restored), so attention never sees an empty sequence.
    """
    if not 0 <= rate < 1:
        raise ValueError(f"token-out rate must be in [0, 1), got {rate}")
    if frames <= 0:
        raise ValueError(f"need at least one frame, got {frames}")
    keep = torch.rand(batch, frames, generator=generator, device=device) >= rate
    empty = ~keep.any(dim=1)
    if empty.any():
        pick = torch.randint(frames, (int(empty.sum()),), generator=generator, device=device)
        keep[empty.nonzero()[:, 0], pick] = True
    return keep


class AttentionAggregator(nn.Module):
    """``[B, T, D]`` frames (with an optional keep-mask) -> ``[B, D]``.

    One pre-norm Transformer encoder layer, then a learned query attending over the frames.

    Args:
        dim: frame width.
        heads: attention heads.
        token_out: share of frames dropped in training mode.
    """

    def __init__(self, dim: int, heads: int = 4, token_out: float = 0.2, dropout: float = 0.1):
        super().__init__()
        self.encoder = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout, batch_first=True, norm_first=True)
        self.query = nn.Parameter(torch.randn(1, 1, dim) * dim**-0.5)
        self.pool = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.token_out = token_out

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        if self.training and self.token_out > 0:
            drop = token_out(x.shape[1], x.shape[0], self.token_out, device=x.device)
            if keep is None:
                keep = drop
            else:  # a row that token-out would empty keeps its original frames
                both = keep & drop
                keep = torch.where(both.any(dim=1, keepdim=True), both, keep)
        pad = None if keep is None else ~keep  # (B, T) True = ignored
        h = self.encoder(x, src_key_padding_mask=pad)
        out, _ = self.pool(self.query.expand(x.shape[0], -1, -1), h, h, key_padding_mask=pad)  # (B, 1, D)
        return self.norm(out[:, 0])
