"""Residual dilated 1-D convolution stacks (Jukebox's VQ-VAE blocks).

Shapes: ``[B, C, T]`` in and out; strided blocks change ``T`` by their stride.
"""

from __future__ import annotations

import torch
from torch import nn


class ResConv1DBlock(nn.Module):
    """ReLU → dilated conv (k=3) → ReLU → conv (k=1), added to the input. ``[B, C, T] -> [B, C, T]``."""

    def __init__(self, width: int, hidden: int, dilation: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.ReLU(),
            nn.Conv1d(width, hidden, 3, padding=dilation, dilation=dilation),
            nn.ReLU(),
            nn.Conv1d(hidden, width, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class Resnet1D(nn.Sequential):
    """``depth`` residual blocks with dilations growing by ``growth`` (1, 3, 9, 27 for 3).

    ``reverse`` runs the dilations largest first, as Jukebox's decoder does (mirror image
    of the encoder).
    """

    def __init__(self, width: int, depth: int, growth: int = 3, reverse: bool = False):
        dilations = [growth**d for d in range(depth)]
        if reverse:
            dilations = dilations[::-1]
        super().__init__(*[ResConv1DBlock(width, width, d) for d in dilations])


class DownBlock(nn.Sequential):
    """Stride-2 conv (k=4) then a residual stack: ``[B, C_in, T] -> [B, C_out, T/2]``."""

    def __init__(self, c_in: int, c_out: int, depth: int, growth: int):
        super().__init__(nn.Conv1d(c_in, c_out, 4, stride=2, padding=1), Resnet1D(c_out, depth, growth))


class UpBlock(nn.Sequential):
    """A residual stack then a stride-2 transposed conv: ``[B, C_in, T] -> [B, C_out, 2T]``."""

    def __init__(self, c_in: int, c_out: int, depth: int, growth: int):
        super().__init__(Resnet1D(c_in, depth, growth, reverse=True), nn.ConvTranspose1d(c_in, c_out, 4, stride=2, padding=1))
