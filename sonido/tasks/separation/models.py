"""The separation networks behind one constructor: Open-Unmix or HTDemucs at a named size."""

from __future__ import annotations

from torch import nn

from sonido.tasks.inject import FeatureDims
from sonido.tasks.separation.htdemucs import HTDemucsSeparator, HTDemucsSize
from sonido.tasks.separation.umx import UMXSeparator, UMXSize

ARCHS = ("umx", "htdemucs")


def size_of(cfg) -> UMXSize | HTDemucsSize:
    """The architecture's size preset named by ``cfg.size`` (``cfg``: a SeparationConfig)."""
    if cfg.arch not in ARCHS:
        raise ValueError(f"arch must be one of {ARCHS}, got {cfg.arch!r}")
    return (UMXSize if cfg.arch == "umx" else HTDemucsSize).named(cfg.size)


def build_separator(cfg, targets: tuple[str, ...], channels: int, feature_dims: FeatureDims | None) -> nn.Module:
    """A network ``(mix [B, C, T], feats) -> [B, S, C, T]`` with a ``loss(mix, sources, feats)``."""
    size = size_of(cfg)
    if cfg.arch == "umx":
        return UMXSeparator(targets, size, channels, feature_dims, cfg.wiener_iterations)
    return HTDemucsSeparator(targets, size, channels, feature_dims)
