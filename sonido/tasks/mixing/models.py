"""The mixing networks behind one constructor."""

from __future__ import annotations

from sonido.tasks.inject import FeatureDims
from sonido.tasks.mixing.crafx2 import CRAFx2, CRAFx2Size
from sonido.tasks.mixing.network import MixerNet
from sonido.tasks.mixing.wave_unet import MixWaveUNet, WaveUNetSize

ARCHS = ("mixwaveunet", "crafx2")


def build_mixer(cfg, feature_dims: FeatureDims | None) -> MixerNet:
    """A network ``(stems [B, max_stems, T], feats) -> [B, 2, T]`` with a ``loss`` (``cfg``: a MixingConfig)."""
    if cfg.arch == "mixwaveunet":
        return MixWaveUNet(WaveUNetSize.named(cfg.size), feature_dims)
    if cfg.arch == "crafx2":
        return CRAFx2(CRAFx2Size.named(cfg.size), feature_dims)
    raise ValueError(f"arch must be one of {ARCHS}, got {cfg.arch!r}")
