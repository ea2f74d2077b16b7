"""The short-chunk CNN of Won et al. 2020 ("Evaluation of CNN-based automatic music
tagging models"): a VGG-like stack of 3x3 convolutions and 2x2 max-pools over short
log-mel chunks, global max-pool, then a dense layer. The field's strong simple baseline."""

from __future__ import annotations

import torch
from torch import nn


class ShortChunkCNN(nn.Module):
    """Log-mel chunk ``[B, n_mels, T]`` -> embedding ``[B, embed_dim]``.

    Args:
        n_mels: mel bands of the input.
        channels: output channels of the conv blocks (Won et al.: 128,128,256,256,256,256,512).
        embed_dim: width of the dense layer after global max-pooling.
    """

    def __init__(self, n_mels: int = 128, channels: tuple[int, ...] = (16, 16, 32, 32, 32, 32, 64), embed_dim: int = 64):
        super().__init__()
        self.input_norm = nn.BatchNorm2d(1)
        blocks, prev = [], 1
        for ch in channels:
            blocks += [nn.Conv2d(prev, ch, 3, padding=1), nn.BatchNorm2d(ch), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True)]
            prev = ch
        self.convs = nn.Sequential(*blocks)
        self.dense = nn.Sequential(nn.Linear(prev, embed_dim), nn.BatchNorm1d(embed_dim), nn.ReLU())
        self.embed_dim = embed_dim

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.convs(self.input_norm(mel[:, None]))  # (B, C, F', T')
        x = x.amax(dim=(2, 3))  # global max-pool: (B, C)
        return self.dense(x)
