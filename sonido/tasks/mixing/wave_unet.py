"""Mix-Wave-U-Net: a Wave-U-Net from N dry stems to a stereo mix, with SoniDo features at
its bottleneck.

Wave-U-Net (Stoller et al. 2018) as Martínez-Ramírez et al. adapt it for mixing ("Automatic
music mixing with deep learning and out-of-domain data", ISMIR 2022; Steinmetz et al.'s
baseline in "Automatic multitrack mixing with a differentiable mixing console", 2021):
stems as input channels (a fixed maximum; absent stems are silence), ``depth``
downsampling blocks (a 15-tap convolution, LeakyReLU, decimation by 2) with
``channels + growth * i`` filters, a bottleneck convolution, upsampling blocks (linear
upsampling by 2, concatenation with the skip connection, a 5-tap convolution, LeakyReLU),
and a 1x1 convolution to two output channels. Convolutions are zero-padded ("same")
rather than Wave-U-Net's valid ones, so any length works; the input is padded to a
multiple of ``2 ** depth`` and the output cut back. SoniDo features of the mono downmix
enter at the bottleneck through :class:`~sonido.tasks.inject.FeatureInjector` and a gated
:class:`~sonido.tasks.inject.Fusion`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sonido.tasks.inject import FeatureDims, FeatureInjector, Fusion
from sonido.tasks.mixing.network import MixerNet


@dataclass(frozen=True)
class WaveUNetSize:
    """``published``: Wave-U-Net's 12 levels of 24 + 24·i filters (8 input stems); ``tiny`` trains here."""

    depth: int
    channels: int
    growth: int
    max_stems: int

    @classmethod
    def named(cls, name: str) -> WaveUNetSize:
        sizes = {"published": cls(12, 24, 24, 8), "tiny": cls(5, 16, 8, 8)}
        if name not in sizes:
            raise ValueError(f"unknown Mix-Wave-U-Net size {name!r}; choose from {sorted(sizes)}")
        return sizes[name]


class MixWaveUNet(MixerNet):
    """``[B, max_stems, T]`` dry stems (and features ``{level: [B, F, D]}``) -> ``[B, 2, T]`` mix."""

    def __init__(self, size: WaveUNetSize, feature_dims: FeatureDims | None = None):
        super().__init__()
        self.size = size
        widths = [size.channels + size.growth * i for i in range(size.depth + 1)]
        self.down = nn.ModuleList(nn.Conv1d(size.max_stems if i == 0 else widths[i - 1], widths[i], 15, padding=7)
                                  for i in range(size.depth))  # fmt: skip
        self.bottleneck = nn.Conv1d(widths[size.depth - 1], widths[size.depth], 15, padding=7)
        self.up = nn.ModuleList(nn.Conv1d(widths[i + 1] + widths[i], widths[i], 5, padding=2)
                                for i in reversed(range(size.depth)))  # fmt: skip
        self.out = nn.Conv1d(widths[0] + size.max_stems, 2, 1)
        self.injector = FeatureInjector(feature_dims, widths[size.depth]) if feature_dims else None
        self.fusion = Fusion(widths[size.depth], widths[size.depth], "gated") if feature_dims else None

    def forward(self, stems: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        length = stems.shape[-1]
        x = F.pad(stems, (0, -length % 2**self.size.depth))
        inp, skips = x, []
        for conv in self.down:
            x = F.leaky_relu(conv(x), 0.2)
            skips.append(x)
            x = x[..., ::2]  # decimation
        x = F.leaky_relu(self.bottleneck(x), 0.2)
        if self.injector is not None:
            x = self.fusion(x.transpose(1, 2), self.injector(feats, x.shape[-1])).transpose(1, 2)
        for conv, skip in zip(self.up, reversed(skips)):
            x = F.interpolate(x, size=skip.shape[-1], mode="linear", align_corners=False)
            x = F.leaky_relu(conv(torch.cat([x, skip], 1)), 0.2)
        return self.out(torch.cat([x, inp], 1))[..., :length]
