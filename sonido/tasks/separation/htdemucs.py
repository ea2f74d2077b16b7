"""HTDemucs (Rouard et al. 2023) from the ``demucs`` package, with SoniDo features injected
into both branches at the bottleneck, before the cross-domain Transformer.

``demucs.htdemucs.HTDemucs`` imports beside torch 2.13 CPU without torchaudio (its model
code needs julius and einops), so the published class is used as is. Injection wraps its
``crosstransformer``: the wrapper receives the spectral branch ``[B, C, F, T]`` and the
time branch ``[B, C, T']`` where HTDemucs hands them to the Transformer, adds to each the
features aligned to its own frames (:class:`~sonido.tasks.inject.FeatureInjector`, then a
:class:`~sonido.tasks.inject.Fusion` in ``gated`` mode; the spectral branch gets the same
vector at every frequency), and calls the original Transformer. Without features the
network is the package's HTDemucs, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sonido.tasks.inject import FeatureDims, FeatureInjector, Fusion


@dataclass(frozen=True)
class HTDemucsSize:
    """``published``: the class defaults of demucs 4.1.0 (htdemucs's architecture at 44.1 kHz:
    48 channels, depth 4, 4096-point STFT, a 5-layer cross-domain Transformer); ``tiny``
    trains here in minutes."""

    sample_rate: int
    channels: int
    depth: int
    nfft: int
    t_layers: int
    t_heads: int

    @classmethod
    def named(cls, name: str) -> HTDemucsSize:
        sizes = {"published": cls(44100, 48, 4, 4096, 5, 8), "tiny": cls(22050, 8, 3, 1024, 1, 4)}
        if name not in sizes:
            raise ValueError(f"unknown HTDemucs size {name!r}; choose from {sorted(sizes)}")
        return sizes[name]


class _InjectedCrossTransformer(nn.Module):
    """HTDemucs' cross-domain Transformer with the features added to both of its inputs."""

    def __init__(self, cross: nn.Module, channels: int, feature_dims: dict[str, int]):
        super().__init__()
        self.cross = cross
        self.inject = nn.ModuleDict({b: FeatureInjector(feature_dims, channels) for b in ("spec", "time")})
        self.fuse = nn.ModuleDict({b: Fusion(channels, channels, "gated") for b in ("spec", "time")})
        self.features: dict[str, torch.Tensor] | None = None  # set by HTDemucsSeparator around each call

    def forward(self, x: torch.Tensor, xt: torch.Tensor):
        if self.features is not None:
            b, c, f, t = x.shape
            spec = self.inject["spec"](self.features, t)  # (B, T, C)
            fused = self.fuse["spec"](x.permute(0, 2, 3, 1).reshape(b * f, t, c), spec.repeat_interleave(f, 0))
            x = fused.reshape(b, f, t, c).permute(0, 3, 1, 2)
            xt = self.fuse["time"](xt.transpose(1, 2), self.inject["time"](self.features, xt.shape[-1])).transpose(1, 2)
        return self.cross(x, xt)


class HTDemucsSeparator(nn.Module):
    """``[B, C, T]`` mixture (and features ``{level: [B, F, D]}``) -> ``[B, S, C, T]`` sources.

    Trained with the L1 loss on waveforms, as Demucs."""

    def __init__(self, targets: tuple[str, ...], size: HTDemucsSize, channels: int = 2,
                 feature_dims: FeatureDims | None = None):  # fmt: skip
        super().__init__()
        from demucs.htdemucs import HTDemucs

        self.targets, self.size = tuple(targets), size
        self.net = HTDemucs(list(targets), audio_channels=channels, channels=size.channels, depth=size.depth,
                            nfft=size.nfft, t_layers=size.t_layers, t_heads=size.t_heads,
                            samplerate=size.sample_rate, use_train_segment=False)  # fmt: skip
        self.injects = bool(feature_dims)
        if feature_dims:
            width = size.channels * 2 ** (size.depth - 1)  # HTDemucs' bottleneck width (growth 2)
            self.net.crosstransformer = _InjectedCrossTransformer(self.net.crosstransformer, width, feature_dims)

    def forward(self, mix: torch.Tensor, feats: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        if not self.injects:
            return self.net(mix)
        self.net.crosstransformer.features = feats
        try:
            return self.net(mix)
        finally:
            self.net.crosstransformer.features = None

    def loss(self, mix: torch.Tensor, sources: torch.Tensor, feats=None) -> torch.Tensor:
        """L1 between estimated and reference waveforms ``[B, S, C, T]``."""
        return F.l1_loss(self(mix, feats), sources)
