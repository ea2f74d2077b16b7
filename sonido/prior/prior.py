"""An autoregressive prior over one level's tokens (Jukebox-style).

The top prior is unconditional; a lower level's prior (an upsampler) adds the
:class:`UpperLevelConditioner` output of the time-aligned upper tokens to its input
embeddings. An optional label embedding (e.g. collection/genre; off by default) and an
optional global vector per clip (the slot for a CLAP-like audio embedding; docs/paper-notes.md)
are added at every position. Positions are *learned* absolute embeddings.

Inputs are shifted right by a learned start token, so ``logits[:, t]`` predicts
``tokens[:, t]`` from ``tokens[:, :t]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sonido.configbase import ConfigBase
from sonido.prior.conditioning import UpperLevelConditioner
from sonido.prior.transformer import KVCache, SparseTransformer


@dataclass(frozen=True)
class PriorConfig(ConfigBase):
    """A level's prior.

    Attributes:
        level: ``top``, ``mid`` or ``bottom``.
        vocab_size: codebook size of this level.
        context: tokens per window (Jukebox: 8192).
        width / layers / heads: Transformer size.
        block: sparse block length ``L`` (Jukebox: 64 for 8192 = 128 × 64).
        patterns: the cycle of attention patterns over layers.
        dropout: residual and attention-output dropout.
        upper_vocab: codebook size of the level above (``None``: unconditional).
        upsample_ratio: lower tokens per upper token (4 between SoniDo's levels).
        num_labels: size of an optional label vocabulary (0: off).
        label_names: the labels' names, id order (e.g. the corpus' collections), so a
            checkpoint says what its label ids mean.
        global_dim: size of an optional per-clip conditioning vector (0: off).
    """

    level: str = "top"
    vocab_size: int = 512
    context: int = 1024
    width: int = 256
    layers: int = 6
    heads: int = 4
    block: int = 32
    patterns: tuple[str, ...] = ("row", "column", "prev_row")
    dropout: float = 0.0
    upper_vocab: int | None = None
    upsample_ratio: int = 4
    num_labels: int = 0
    label_names: tuple[str, ...] = ()
    global_dim: int = 0

    def __post_init__(self):
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(self, "label_names", tuple(self.label_names))
        if self.label_names and len(self.label_names) != self.num_labels:
            raise ValueError(f"{len(self.label_names)} label names for num_labels={self.num_labels}")
        if self.context % self.block:
            raise ValueError(f"context {self.context} must be a multiple of block {self.block}")


@dataclass
class PriorOutput:
    """``logits [B, T, V]`` and the tapped layers' hidden states ``{layer: [B, T, D]}``."""

    logits: torch.Tensor | None
    hidden: dict[int, torch.Tensor]


class Prior(nn.Module):
    """Decoder-only sparse Transformer over one level's tokens."""

    def __init__(self, config: PriorConfig):
        super().__init__()
        c = self.config = config
        self.embed = nn.Embedding(c.vocab_size, c.width)
        self.start = nn.Parameter(torch.zeros(c.width))
        self.pos = nn.Parameter(0.01 * torch.randn(c.context, c.width))
        self.conditioner = (
            UpperLevelConditioner(c.upper_vocab, c.width, c.upsample_ratio) if c.upper_vocab else None
        )
        self.label = nn.Embedding(c.num_labels, c.width) if c.num_labels else None
        self.global_proj = nn.Linear(c.global_dim, c.width) if c.global_dim else None
        self.transformer = SparseTransformer(c.width, c.layers, c.heads, c.patterns, c.block, c.dropout)
        self.norm = nn.LayerNorm(c.width)
        self.head = nn.Linear(c.width, c.vocab_size, bias=False)

    def upper_conditioning(self, upper: torch.Tensor) -> torch.Tensor:
        """The conditioner's output for ``upper`` tokens, ``[B, T_up * ratio, D]``: compute
        it once and pass it as ``upper`` to :meth:`step` to avoid recomputing it per token."""
        return self.conditioner(upper)

    def _condition(self, x: torch.Tensor, upper, label, global_cond, offset: int) -> torch.Tensor:
        """Add positions and every conditioning to input embeddings ``x [B, T, D]`` that
        sit at positions ``offset .. offset + T - 1``. ``upper`` is tokens ``[B, T_up]`` or
        their precomputed :meth:`upper_conditioning` ``[B, T, D]``."""
        c, t = self.config, x.shape[1]
        if offset + t > c.context:
            raise ValueError(f"{offset + t} tokens exceed the context of {c.context}: use windowed sampling/extraction")
        x = x + self.pos[offset : offset + t]
        if self.conditioner is not None:
            if upper is None:
                raise ValueError(f"the {c.level} prior is conditioned on the level above: pass `upper` tokens")
            cond = upper if upper.dim() == 3 else self.conditioner(upper)  # (B, T_up * ratio, D)
            if cond.shape[1] < offset + t:
                raise ValueError(f"upper tokens cover {cond.shape[1]} positions, need {offset + t}")
            x = x + cond[:, offset : offset + t]
        if self.label is not None and label is not None:
            x = x + self.label(label)[:, None]
        if self.global_proj is not None and global_cond is not None:
            x = x + self.global_proj(global_cond)[:, None]
        return x

    def forward(
        self,
        tokens: torch.Tensor,
        upper: torch.Tensor | None = None,
        label: torch.Tensor | None = None,
        global_cond: torch.Tensor | None = None,
        taps: tuple[int, ...] = (),
        logits: bool = True,
    ) -> PriorOutput:
        """Teacher-forced pass over ``tokens [B, T]`` (``T ≤ context``).

        Args:
            upper: ``[B, T / ratio]`` time-aligned upper-level tokens (conditioned priors).
            label: ``[B]`` label ids; ``global_cond``: ``[B, global_dim]``.
            taps: layers whose hidden states to return (features).
            logits: ``False`` skips the layers above the highest tap and the head.
        """
        b = tokens.shape[0]
        x = torch.cat([self.start.expand(b, 1, -1), self.embed(tokens[:, :-1])], 1)  # shifted right
        x = self._condition(x, upper, label, global_cond, 0)
        h, tapped = self.transformer(x, taps=taps, stop_after_taps=not logits)
        return PriorOutput(self.head(self.norm(h)) if logits else None, tapped)

    def loss(self, tokens: torch.Tensor, upper: torch.Tensor | None = None, label=None, global_cond=None) -> torch.Tensor:
        """Mean cross-entropy in nats per token."""
        out = self(tokens, upper, label, global_cond)
        return F.cross_entropy(out.logits.reshape(-1, out.logits.shape[-1]), tokens.reshape(-1))

    def step(
        self, previous: torch.Tensor | None, cache: KVCache, batch: int, upper=None, label=None, global_cond=None
    ) -> torch.Tensor:
        """One incremental step: logits ``[B, V]`` for position ``cache.length``.

        ``previous`` is ``[B, 1]``, the token at the position before (``None`` at position 0).
        """
        t = cache.length
        x = self.start.expand(batch, 1, -1) if t == 0 else self.embed(previous)
        x = self._condition(x, upper, label, global_cond, t)
        h, _ = self.transformer(x, cache)
        return self.head(self.norm(h))[:, -1]
