"""The typed container every task reads features through."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LevelFeatures:
    """Features of one level.

    Attributes:
        data: ``[B, frames, D]`` the prior's hidden states (the mean over ``layers`` when
            several are tapped, so ``D`` is the prior's width whatever the choice), or
            ``[B, frames, L, D]``, one row per layer, when extracted with ``layers="all"``.
        frame_rate: frames per second (the level's token rate).
        layers: the tapped layer indices (0-based outputs of Transformer blocks).
    """

    data: torch.Tensor
    frame_rate: float
    layers: tuple[int, ...]

    @property
    def num_frames(self) -> int:
        return self.data.shape[1]

    def pooled(self) -> torch.Tensor:
        """Mean over time: ``[B, D]`` (``[B, L, D]`` for layer stacks)."""
        return self.data.mean(dim=1)


class Features(Mapping[str, LevelFeatures]):
    """Level name -> :class:`LevelFeatures`, e.g. ``features["top"].data``."""

    def __init__(self, levels: dict[str, LevelFeatures]):
        self._levels = dict(levels)

    def __getitem__(self, level: str) -> LevelFeatures:
        if level not in self._levels:
            raise KeyError(f"no {level!r} features; extracted levels: {list(self._levels)}")
        return self._levels[level]

    def __iter__(self) -> Iterator[str]:
        return iter(self._levels)

    def __len__(self) -> int:
        return len(self._levels)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}: {tuple(v.data.shape)} @ {v.frame_rate:.1f} Hz, layers {v.layers}" for k, v in self.items())
        return f"Features({inner})"
