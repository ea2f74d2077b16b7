"""CRAFx2: FxNorm-automix's convolutional-recurrent mixing network, with SoniDo features in its latent.

Martínez-Ramírez, Liao, Fabbro, Uhlich, Nagashima, Mitsufuji, "Automatic music mixing with
deep learning and out-of-domain data" (ISMIR 2022; sony/FxNorm-automix,
``common_networkbuilding_cafx_tdcn_lstm_mix.py``), layer for layer:

* **adaptive front end** — a learned filterbank: one convolution of ``kernel`` taps from
  all stems' channels to ``filters`` bands (no bias, "same" padding), its rectified output
  smoothed by a depthwise convolution of ``2 * kernel`` taps and a softplus, then
  max-pooled by ``pool`` into the latent;
* **latent mixer** — GroupNorm, a 1x1 bottleneck, ``repeats`` x ``blocks`` Conv-TasNet
  temporal blocks (1x1 conv, PReLU, GroupNorm, dilated depthwise conv, PReLU, GroupNorm;
  residual and skip outputs, dilation ``2 ** block``), the summed skips through PReLU,
  a 1x1 convolution and a softplus, then a BLSTM (``lstm_layers`` layers, ``filters / 2``
  per direction) and a softplus: the mixing mask, upsampled back by ``pool``;
* **synthesis back end** — the mask times the filterbank output, a squeeze-and-excitation
  block (loudness), and the transposed front-end convolution (tied weights) back to every
  stem's channels; the stems are summed and a tanh bounds the stereo mix.

Each mono stem enters as an identical left/right pair (FxNorm-automix takes stereo
stems); the tied transposed convolution lets the network pan. Two deviations, both
stated: the released ``forward`` overwrites the mask with the upsampled front-end output
(``masking = self.maxunpool1d(x)``), which leaves the temporal blocks and the BLSTM
unused — here the mask is what is upsampled, as the paper describes; and the BLSTM keeps
PyTorch's initialisation instead of the chrono forget-gate one. SoniDo features of the
mono downmix enter the latent after the bottleneck, before the temporal blocks, through
:class:`~sonido.tasks.inject.FeatureInjector` and a gated :class:`~sonido.tasks.inject.Fusion`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sonido.tasks.inject import FeatureDims, FeatureInjector, Fusion
from sonido.tasks.mixing.network import MixerNet


@dataclass(frozen=True)
class CRAFx2Size:
    """``published``: FxNorm-automix's ISMIR 2022 config (``configs/ISMIR/ours_S_La.py``: N 128,
    L 64, max-pool 64, B 256, Sc 64, H 128, P 3, X 6, R 4, SE ratio 16, a 3-layer BLSTM);
    ``tiny`` trains here. ``max_stems`` mono stems in (8, as Mix-Wave-U-Net)."""

    filters: int
    kernel: int
    pool: int
    bottleneck: int
    skip: int
    hidden: int
    tcn_kernel: int
    blocks: int
    repeats: int
    lstm_layers: int
    se_ratio: int
    max_stems: int

    @classmethod
    def named(cls, name: str) -> CRAFx2Size:
        sizes = {"published": cls(128, 64, 64, 256, 64, 128, 3, 6, 4, 3, 16, 8),
                 "tiny": cls(32, 32, 32, 64, 32, 64, 3, 4, 2, 2, 4, 8)}  # fmt: skip
        if name not in sizes:
            raise ValueError(f"unknown CRAFx2 size {name!r}; choose from {sorted(sizes)}")
        return sizes[name]


def _pad_same(x: torch.Tensor, kernel: int) -> torch.Tensor:
    """Pad ``[..., T]`` as PyTorch's ``padding="same"`` does: ``(k - 1) // 2`` left, the rest right."""
    return F.pad(x, ((kernel - 1) // 2, kernel // 2))


def same_conv_adjoint(y: torch.Tensor, weight: torch.Tensor, length: int) -> torch.Tensor:
    """The transpose of ``conv1d(x, weight, padding="same")`` (``x``: ``[B, C_in, length]``)
    applied to ``y`` ``[B, C_out, length]``: a full transposed convolution cut where the
    "same" convolution's ``(k - 1) // 2`` samples of left padding put it."""
    return F.conv_transpose1d(y, weight)[..., (weight.shape[-1] - 1) // 2 :][..., :length]


class TemporalBlock(nn.Module):
    """Conv-TasNet's block: ``[B, C, F]`` -> (``[B, C, F]`` residual output or ``None`` for the
    last block, ``[B, skip, F]`` skip output)."""

    def __init__(self, channels: int, hidden: int, skip: int, kernel: int, dilation: int, last: bool):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(channels, hidden, 1), nn.PReLU(), nn.GroupNorm(1, hidden, eps=1e-8),
            nn.Conv1d(hidden, hidden, kernel, padding=(kernel - 1) * dilation // 2, dilation=dilation, groups=hidden),
            nn.PReLU(), nn.GroupNorm(1, hidden, eps=1e-8),
        )  # fmt: skip
        self.skip = nn.Conv1d(hidden, skip, 1)
        self.residual = None if last else nn.Conv1d(hidden, channels, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        h = self.body(x)
        return (None if self.residual is None else x + self.residual(h)), self.skip(h)


class SqueezeExcitation(nn.Module):
    """``[B, C, T]`` scaled per channel by a gate computed from the mean of its magnitude."""

    def __init__(self, channels: int, ratio: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(channels, channels * ratio), nn.ReLU(), nn.Linear(channels * ratio, channels),
                                 nn.Sigmoid())  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.net(x.abs().mean(-1)).unsqueeze(-1)


class CRAFx2(MixerNet):
    """``[B, max_stems, T]`` dry stems (and features ``{level: [B, F, D]}``) -> ``[B, 2, T]`` mix."""

    def __init__(self, size: CRAFx2Size, feature_dims: FeatureDims | None = None):
        super().__init__()
        self.size = size
        n, k = size.filters, size.kernel
        self.encoder = nn.Conv1d(2 * size.max_stems, n, k, bias=False)
        self.smooth = nn.Conv1d(n, n, 2 * k, groups=n, bias=False)
        self.norm = nn.GroupNorm(1, n, eps=1e-8)
        self.bottleneck = nn.Conv1d(n, size.bottleneck, 1)
        count = size.repeats * size.blocks
        self.blocks = nn.ModuleList(TemporalBlock(size.bottleneck, size.hidden, size.skip, size.tcn_kernel, 2 ** (i % size.blocks),
                                                  i == count - 1) for i in range(count))  # fmt: skip
        self.to_mask = nn.Sequential(nn.PReLU(), nn.Conv1d(size.skip, n, 1), nn.Softplus())
        self.blstm = nn.LSTM(n, n // 2, num_layers=size.lstm_layers, batch_first=True, bidirectional=True,
                             dropout=0.1 if size.lstm_layers > 1 else 0.0)  # fmt: skip
        self.se = SqueezeExcitation(n, size.se_ratio)
        self.injector = FeatureInjector(feature_dims, size.bottleneck) if feature_dims else None
        self.fusion = Fusion(size.bottleneck, size.bottleneck, "gated") if feature_dims else None

    def forward(self, stems: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        size, length = self.size, stems.shape[-1]
        x = F.pad(stems.repeat_interleave(2, dim=1), (0, -length % size.pool))  # (B, 2S, T'): each stem as L/R
        bands = self.encoder(_pad_same(x, size.kernel))  # (B, N, T')
        smooth = F.softplus(self.smooth(_pad_same(bands.abs(), 2 * size.kernel)))
        latent = F.max_pool1d(smooth, size.pool)  # (B, N, T' / pool)
        h = self.bottleneck(self.norm(latent))
        if self.injector is not None:
            h = self.fusion(h.transpose(1, 2), self.injector(feats, h.shape[-1])).transpose(1, 2)
        skips = 0.0
        for block in self.blocks:
            out, skip = block(h)
            h, skips = (h if out is None else out), skips + skip
        mask = F.softplus(self.blstm(self.to_mask(skips).transpose(1, 2))[0]).transpose(1, 2)
        y = self.se(F.interpolate(mask, scale_factor=size.pool, mode="nearest") * bands)
        y = same_conv_adjoint(y, self.encoder.weight, x.shape[-1])
        mix = y.view(len(y), size.max_stems, 2, -1).sum(1)
        return torch.tanh(mix[..., :length])
