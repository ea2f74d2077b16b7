"""The mixing networks behind one constructor."""

from __future__ import annotations

from sonido.tasks.mixing.wave_unet import MixWaveUNet, WaveUNetSize

ARCHS = ("mixwaveunet",)


def build_mixer(cfg, feature_dims: dict[str, int] | None) -> MixWaveUNet:
    """A network ``(stems [B, max_stems, T], feats) -> [B, 2, T]`` with a ``loss`` (``cfg``: a MixingConfig)."""
    if cfg.arch == "crafx2":
        raise ValueError("arch crafx2 (FxNorm-automix's CRAFx2) is not built yet; use mixwaveunet")
    if cfg.arch not in ARCHS:
        raise ValueError(f"arch must be one of {ARCHS}, got {cfg.arch!r}")
    return MixWaveUNet(WaveUNetSize.named(cfg.size), feature_dims)
