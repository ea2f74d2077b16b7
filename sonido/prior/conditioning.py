"""Conditioning a lower level on the level above (Jukebox's conditioner).

Upper tokens are embedded, upsampled to the lower token rate with transposed
convolutions (stride 2 each), refined by a residual dilated stack and layer-normalised;
the result is added to the lower level's input embeddings, position by position.
Shapes: upper tokens ``[B, T/r]`` -> ``[B, T, D]`` for an upsampling ratio ``r``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sonido.nn.resnet import Resnet1D


class UpperLevelConditioner(nn.Module):
    """``[B, T_up]`` upper tokens -> ``[B, T_up * ratio, width]`` additive conditioning."""

    def __init__(self, upper_vocab: int, width: int, ratio: int, depth: int = 2):
        super().__init__()
        if ratio < 1 or ratio & (ratio - 1):
            raise ValueError(f"the upsampling ratio must be a power of two, got {ratio}")
        self.ratio = ratio
        self.embed = nn.Embedding(upper_vocab, width)
        ups = []
        for _ in range(int(math.log2(ratio))):
            ups += [Resnet1D(width, depth), nn.ConvTranspose1d(width, width, 4, stride=2, padding=1)]
        self.up = nn.Sequential(*ups, Resnet1D(width, depth))
        self.norm = nn.LayerNorm(width)

    def forward(self, upper: torch.Tensor) -> torch.Tensor:
        x = self.embed(upper).transpose(1, 2)  # (B, D, T_up)
        x = self.up(x).transpose(1, 2)  # (B, T_up * ratio, D)
        return self.norm(x)
