"""The tokenizer contract that the priors depend on, and the token container.

Any model with ``encode``/``decode``, per-level frame rates and codebook sizes can stand
behind the priors (the audiocraft idea): they never import the HQ-VAE class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import torch

LEVELS = ("top", "mid", "bottom")
"""Coarse to fine. Hop sizes 128, 32 and 8 samples in SoniDo's codec."""


def check_levels(levels) -> tuple[str, ...]:
    """``levels`` as a tuple if it is a coarse-to-fine prefix of :data:`LEVELS` (what encoding
    a subset of levels can mean in a top-down codec), else a ValueError."""
    levels = tuple(levels)
    if levels not in (LEVELS[:1], LEVELS[:2], LEVELS):
        raise ValueError(f"levels must be ('top',), ('top', 'mid') or all three, got {levels}")
    return levels


@dataclass(frozen=True)
class Tokens:
    """Token streams of one or more clips: each level ``[B, frames]`` int64.

    Levels are aligned: ``mid`` has 4 frames under each ``top`` frame, ``bottom`` 16.
    """

    top: torch.Tensor
    mid: torch.Tensor
    bottom: torch.Tensor

    def __getitem__(self, level: str) -> torch.Tensor:
        if level not in LEVELS:
            raise KeyError(f"unknown level {level!r}; levels are {LEVELS}")
        return getattr(self, level)

    def save(self, path: str | os.PathLike, **meta: str | int | float) -> Path:
        """Write an ``.npz`` (atomically) with one array per level (int16 when the codes fit)
        plus scalar metadata; :meth:`load` gives int64 back."""
        import io

        from sonido.fileio import atomic_write_bytes

        def compact(codes: torch.Tensor) -> np.ndarray:  # codebooks are far below 2**15: a quarter of int64's bytes
            a = codes.cpu().numpy()
            return a.astype(np.int16) if a.size == 0 or (a.min() >= 0 and a.max() < 2**15) else a

        buf = io.BytesIO()
        np.savez(buf, **{lv: compact(self[lv]) for lv in LEVELS}, **{k: np.asarray(v) for k, v in meta.items()})
        return atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike) -> tuple[Tokens, dict]:
        """Read an ``.npz`` written by :meth:`save`: ``(tokens, metadata)``."""
        with np.load(path, allow_pickle=False) as f:
            missing = [lv for lv in LEVELS if lv not in f]
            if missing:
                raise ValueError(f"{path}: not a token file (missing levels {missing})")
            tokens = cls(**{lv: torch.from_numpy(f[lv]).long() for lv in LEVELS})
            meta = {k: f[k].item() for k in f.files if k not in LEVELS}
        return tokens, meta


@runtime_checkable
class Tokenizer(Protocol):
    """What the priors need from an audio tokenizer."""

    sample_rate: int

    def hop_length(self, level: str) -> int:
        """Waveform samples per token at ``level``."""
        ...

    def frame_rate(self, level: str) -> float:
        """Tokens per second at ``level``."""
        ...

    def codebook_size(self, level: str) -> int:
        """Number of distinct tokens at ``level``."""
        ...

    def encode(self, audio: torch.Tensor, levels: tuple[str, ...] = LEVELS) -> Tokens:
        """Audio ``[B, 1, T]`` at ``sample_rate`` -> tokens of ``levels`` (coarse-to-fine
        prefix of LEVELS; the others ``[B, 0]``)."""
        ...

    def decode(self, tokens: Tokens, levels: tuple[str, ...] = LEVELS) -> torch.Tensor:
        """Tokens -> audio ``[B, 1, T']`` from the given levels (always including ``top``)."""
        ...
