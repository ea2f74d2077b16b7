"""SoniDo features: prior activations on the top and mid levels, frame-aligned."""

from sonido.features.types import Features, LevelFeatures

__all__ = ["Features", "LevelFeatures"]
